"""cJSON-compatible JSON printing (OpenSIPS 3.6 ``lib/cJSON.c``) and request parsing.

MI replies are compared byte for byte by tests, so the printer reproduces cJSON exactly:
compact output has no whitespace at all; pretty output puts every object member on its own
TAB-indented line with ``":<TAB>"`` after the key while arrays stay on one line joined by
``", "``. Numbers are C doubles printed with cJSON's rules (runtime.md §4.4), including the
fall-through to ``%e`` above 2^63 of OpenSIPS builds without ``HAVE_LIBMATH``.

Value model of MI items: ``None`` (null), ``bool``, ``int``/``float`` (numbers), ``str``
(latin-1 text, one char per byte), ``list`` (array), ``dict`` (object, insertion order).
"""

from __future__ import annotations

import json
import math
from typing import Any

INT_MAX = 2**31 - 1
INT_MIN = -(2**31)
DBL_EPSILON = 2.220446049250313e-16
_LONG_LIMIT = 2.0**63

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
            "\t": "\\t"}


def _myfloor(d: float) -> float | None:
    """cJSON's ``myfloor``: a cast to C ``long``; ``None`` where the cast overflows (UB)."""
    x = d if d > 0 else d - 0.9999999999999999
    if not -_LONG_LIMIT <= x < _LONG_LIMIT:
        return None
    return float(math.trunc(x))


def format_number(value: float | int) -> str:
    """Print a number as cJSON's ``print_number`` does (the value is a C double)."""
    try:
        d = float(value)
    except OverflowError:
        d = math.inf if value > 0 else -math.inf
    if d == 0:
        return "0"
    if math.isnan(d) or math.isinf(d):
        return "null"
    if INT_MIN <= d <= INT_MAX and d == math.trunc(d):
        return str(int(d))
    floor = _myfloor(d)
    if floor is not None and abs(floor - d) <= DBL_EPSILON and abs(d) < 1.0e60:
        return f"{d:.0f}"
    if abs(d) < 1.0e-6 or abs(d) > 1.0e9:
        return f"{d:e}"
    return f"{d:f}"


def format_string(text: str) -> str:
    """A quoted cJSON string: C string semantics (stops at NUL), raw bytes >= 0x80."""
    nul = text.find("\0")
    if nul >= 0:
        text = text[:nul]
    out = ['"']
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 32:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _print(value: Any, depth: int, pretty: bool, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, (int, float)):
        out.append(format_number(value))
    elif isinstance(value, str):
        out.append(format_string(value))
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(", " if pretty else ",")
            _print(item, depth + 1, pretty, out)
        out.append("]")
    elif isinstance(value, dict):
        if not value:
            out.append("{\n" + "\t" * depth + "}" if pretty else "{}")
            return
        out.append("{\n" if pretty else "{")
        inner = depth + 1
        for i, (key, item) in enumerate(value.items()):
            if i:
                out.append(",\n" if pretty else ",")
            if pretty:
                out.append("\t" * inner)
            out.append(format_string(str(key)))
            out.append(":\t" if pretty else ":")
            _print(item, inner, pretty, out)
        if pretty:
            out.append("\n" + "\t" * depth)
        out.append("}")
    else:
        raise TypeError(f"not an MI JSON value: {type(value).__name__}")


def dumps(value: Any, pretty: bool = False) -> str:
    """``cJSON_PrintUnformatted`` (default) or ``cJSON_Print`` (``pretty=True``)."""
    out: list[str] = []
    _print(value, 0, pretty, out)
    return "".join(out)


_RAW_BASE = 0xF700  # raw bytes >= 0x80 ride through json as private-use code points


def _shield(text: str) -> str:
    return "".join(chr(_RAW_BASE + ord(c)) if 0x80 <= ord(c) <= 0xFF else c for c in text)


def _unshield(value: Any) -> Any:
    """Raw bytes back to latin-1 chars; ``\\u`` escapes >= 0x80 become UTF-8 bytes (cJSON)."""
    if isinstance(value, str):
        if all(ord(c) < 0x80 for c in value):
            return value
        out = []
        for c in value:
            o = ord(c)
            if o < 0x80:
                out.append(c)
            elif _RAW_BASE + 0x80 <= o <= _RAW_BASE + 0xFF:
                out.append(chr(o - _RAW_BASE))
            else:
                out.append(c.encode("utf-8", "surrogatepass").decode("latin-1"))
        return "".join(out)
    if isinstance(value, list):
        return [_unshield(v) for v in value]
    if isinstance(value, dict):
        return {_unshield(k): _unshield(v) for k, v in value.items()}
    return value


def loads(text: str | bytes) -> Any:
    """Parse a JSON document into the MI value model; raises ``ValueError`` if malformed.

    Bytes are decoded latin-1 (the project's text model); ``\\u`` escapes become UTF-8 bytes;
    trailing text after the document is ignored, as in OpenSIPS.
    """
    if isinstance(text, bytes):
        text = text.decode("latin-1")
    decoder = json.JSONDecoder(strict=False, parse_constant=_reject_constant)
    # cJSON_ParseWithOpts(.., require_null_terminated=0): text after the document is ignored
    value, _end = decoder.raw_decode(_shield(text).lstrip(" \t\r\n"))
    return _unshield(value)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid JSON constant {name}")
