"""The ``s.`` transformation class, following OpenSIPS 3.6 ``tr_eval_string``.

Result types matter (int-typed vs string), and so do OpenSIPS's quirks, reproduced here:
``s.int`` keeps the original text (``"42abc"`` prints ``42abc`` but adds as 42),
``s.tolower``/``toupper``/``b64encode``/``b64decode``/``trim*`` leave an int-typed value
untouched, ``s.width`` cutting an int keeps it int-typed, ``s.crc32`` has no final XOR.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import hashlib
import hmac
import re
import zlib
from collections.abc import Callable
from typing import Any

from osipsc.runtime.transforms_base import (
    Fail,
    has_int,
    int_of,
    make_int,
    num_param,
    register,
    str_param,
    text_of,
)
from osipsc.runtime.values import StrInt

_WS = " \t\r\n"

#: Format-string expander installed by the runtime core for ``{s.eval}``:
#: ``expand(ctx, text) -> str``. Without it ``s.eval`` returns the text unchanged.
_expander: Callable[[Any, str], str] | None = None


def set_expander(fn: Callable[[Any, str], str] | None) -> None:
    """Install the format-string expander used by ``{s.eval}``."""
    global _expander
    _expander = fn


def _plain(value: Any) -> str:
    """The value's text as a plain ``str`` (drops StrInt/IntText typing)."""
    return text_of(value)


def str2sint(text: str) -> tuple[int, bool]:
    """OpenSIPS ``str2sint``: (signed decimal prefix, whole text was a number)."""
    if not text:
        return 0, False
    sign = 1
    i = 0
    if text[0] == "-":
        sign, i = -1, 1
    elif text[0] == "+":
        i = 1
    n = 0
    for ch in text[i:]:
        if "0" <= ch <= "9":
            n = (n * 10 + ord(ch) - 48) & 0xFFFFFFFF
        else:
            return make_int(n * sign), False
    return make_int(n * sign), True


@register("s", "len")
def s_len(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> int:
    return len(_plain(v))


@register("s", "int")
def s_int(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> int:
    if isinstance(v, int):
        return v
    if has_int(v):
        return make_int(int_of(v), _plain(v))
    text = _plain(v)
    return make_int(str2sint(text)[0], text)


def _hash(name: str) -> Callable[..., str]:
    def digest(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
        data = _plain(v).encode("latin-1")
        return hashlib.new(name, data).hexdigest()

    return digest


def _hmac(name: str) -> Callable[..., str]:
    def digest(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
        key = str_param(p[0], ctx).encode("latin-1")
        return hmac.new(key, _plain(v).encode("latin-1"), name).hexdigest()

    return digest


register("s", "md5")(_hash("md5"))
for _alg in ("sha1", "sha224", "sha256", "sha384", "sha512"):
    register("s", _alg)(_hash(_alg))
    register("s", _alg + "_hmac", 1)(_hmac(_alg))


@register("s", "crc32")
def s_crc32(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
    # crc32_uint starts from 0xffffffff like zlib but skips the final inversion
    return str(zlib.crc32(_plain(v).encode("latin-1")) ^ 0xFFFFFFFF)


@register("s", "encode.hexa")
def s_encode_hexa(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
    return _plain(v).encode("latin-1").hex()


@register("s", "decode.hexa")
def s_decode_hexa(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
    text = _plain(v)
    text = text[: len(text) // 2 * 2]  # an odd trailing digit is ignored
    if any(c not in "0123456789abcdefABCDEF" for c in text):
        raise Fail
    return bytes.fromhex(text).decode("latin-1")


@register("s", "hex2dec")
def s_hex2dec(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> Any:
    if has_int(v):
        return v  # "already converted"
    n = 0
    for c in _plain(v):
        if c not in "0123456789abcdefABCDEF":
            raise Fail
        n = ((n << 4) + int(c, 16)) & 0xFFFFFFFF
    return make_int(n)


@register("s", "dec2hex")
def s_dec2hex(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
    if has_int(v):
        n = int_of(v)
    else:
        n, ok = str2sint(_plain(v))
        if not ok:
            raise Fail
    return format(n & 0xFFFFFFFF, "x")


_DATE = re.compile(
    r"\s*([A-Za-z]{3}),\s*(\d{1,2})\s+([A-Za-z]{3})\s+(\d{1,4})\s+(\d{1,2}):(\d{1,2}):(\d{1,2})"
    r"\s+GMT"
)
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


@register("s", "date2unix")
def s_date2unix(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
    # strptime("%a, %d %b %Y %H:%M:%S GMT") then mktime in UTC; the result is a *string*
    m = _DATE.match(_plain(v))
    if not m or m.group(1).lower() not in _DAYS or m.group(3).lower() not in _MONTHS:
        raise Fail
    day, year = int(m.group(2)), int(m.group(4))
    hh, mm, ss = int(m.group(5)), int(m.group(6)), int(m.group(7))
    if not (1 <= day <= 31 and hh <= 23 and mm <= 59 and ss <= 61):
        raise Fail
    month = _MONTHS.index(m.group(3).lower()) + 1
    ts = calendar.timegm((year, month, day, hh, mm, ss, 0, 0, 0))
    if ts == -1:
        raise Fail
    return str(ts)


_COMMON_ESC = {"'": "\\'", '"': '\\"', "\\": "\\\\", "\0": "\\0"}


@register("s", "escape.common")
def s_escape_common(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
    return "".join(_COMMON_ESC.get(c, c) for c in _plain(v))


@register("s", "unescape.common")
def s_unescape_common(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
    text = _plain(v)
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] in "'\"\\0":
            out.append("\0" if text[i + 1] == "0" else text[i + 1])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_USER_OK = frozenset(_ALNUM + "-_.!~*'()&=+$,;?/")
_PARAM_OK = frozenset(_ALNUM + "-_.!~*'()[]/:&+$")


def _pct_escape(text: str, keep: frozenset[str]) -> str:
    out: list[str] = []
    for c in text:
        if not 32 <= ord(c) <= 126:
            raise Fail
        out.append(c if c in keep else f"%{ord(c):02x}")
    return "".join(out)


def _pct_unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "%":
            pair = text[i + 1 : i + 3]
            if len(pair) != 2 or any(h not in "0123456789abcdefABCDEF" for h in pair):
                raise Fail
            code = int(pair, 16)
            if not 32 <= code <= 126:
                raise Fail
            out.append(chr(code))
            i += 3
            continue
        out.append(c)
        i += 1
    return "".join(out)


@register("s", "escape.user")
def s_escape_user(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
    return _pct_escape(_plain(v), _USER_OK)


@register("s", "escape.param")
def s_escape_param(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
    return _pct_escape(_plain(v), _PARAM_OK)


@register("s", "unescape.user")
def s_unescape_user(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
    return _pct_unescape(_plain(v))


register("s", "unescape.param")(s_unescape_user)


_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@register("s", "tolower")
def s_tolower(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> Any:
    return v if isinstance(v, int) else _plain(v).translate(_LOWER)


@register("s", "toupper")
def s_toupper(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> Any:
    return v if isinstance(v, int) else _plain(v).translate(_UPPER)


@register("s", "substr", 2)
def s_substr(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
    text = _plain(v)
    n = len(text)
    i = num_param(p[0], ctx)
    j = num_param(p[1], ctx)
    if i < 0:
        if -i > n:
            raise Fail
        i += n
    if i >= n:
        raise Fail
    if j < 1:
        j = n + j - i
    if i + j > n:
        j = n - i
    if j < 0:  # a C str with a negative length: nothing usable
        raise Fail
    return text[i : i + j]


@register("s", "select", 2)
def s_select(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
    text = _plain(v)
    i = num_param(p[0], ctx)
    sep_text = p[1] if isinstance(p[1], str) else str_param(p[1], ctx)
    if not sep_text:
        raise Fail
    fields = text.split(sep_text[0])
    if i < 0:
        i += len(fields)
        if i < 0:
            raise Fail
    if i >= len(fields):
        raise Fail
    return fields[i]


def _start(p: tuple[Any, ...], ctx: Any, n: int, default: int) -> int:
    i = num_param(p[1], ctx) if len(p) > 1 else default
    if i < 0:
        if n > 0:
            i = (-i) % n
            if i > 0:
                i = n - i
        else:
            i = 0
    return i


@register("s", "index", 1, 2)
def s_index(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> int:
    text = _plain(v)
    needle = str_param(p[0], ctx)
    i = _start(p, ctx, len(text), 0)
    if i >= len(text) or len(needle) > len(text) - i:
        raise Fail
    pos = text.find(needle, i)
    if pos < 0:
        raise Fail
    return pos


@register("s", "rindex", 1, 2)
def s_rindex(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> int:
    text = _plain(v)
    needle = str_param(p[0], ctx)
    n = len(text)
    i = _start(p, ctx, n, n - 1)
    if len(needle) > n:
        raise Fail
    if i >= n:
        i = n - 1
    if len(needle) > n - i:
        i = n - len(needle)
    pos = text.rfind(needle, 0, i + len(needle))
    if pos < 0:
        raise Fail
    return pos


def _pad_arg(raw: Any) -> str:
    """The fill pad: trailing blanks dropped, one level of quotes removed."""
    pad = text_of(raw)
    if len(pad) > 1:
        pad = pad.rstrip(_WS) or pad[:1]
        if len(pad) > 2 and pad[0] == pad[-1] and pad[0] in "'\"":
            pad = pad[1:-1]
    if not pad:
        raise Fail
    return pad


@register("s", "fill.left", 2)
def s_fill_left(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> Any:
    pad = _pad_arg(p[0])
    text = _plain(v)
    missing = num_param(p[1], ctx) - len(text)
    if missing < 0:
        return v
    if len(pad) == 1:
        return pad * missing + text
    r = missing % len(pad)
    return pad[len(pad) - r :] + pad * (missing // len(pad)) + text


@register("s", "fill.right", 2)
def s_fill_right(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> Any:
    pad = _pad_arg(p[0])
    text = _plain(v)
    missing = num_param(p[1], ctx) - len(text)
    if missing < 0:
        return v
    return text + (pad * (missing // len(pad) + 1))[:missing]


@register("s", "width", 1)
def s_width(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> Any:
    text = _plain(v)
    i = num_param(p[0], ctx)
    if i <= 0:
        raise Fail
    if i <= len(text):
        # only the length changes: the flags stay (int-typed stays int-typed, a
        # string-with-int keeps its int)
        if isinstance(v, int):
            return make_int(int(v), text[:i])
        return _same_flags(v, text[:i])
    return text + " " * (i - len(text))


@register("s", "b64encode")
def s_b64encode(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> Any:
    if isinstance(v, int):
        return v
    return base64.b64encode(_plain(v).encode("latin-1")).decode("ascii")


@register("s", "b64decode")
def s_b64decode(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> Any:
    if isinstance(v, int):
        return v
    data = re.sub(r"[^A-Za-z0-9+/]", "", _plain(v))
    data = data[: len(data) - len(data) % 4 if len(data) % 4 == 1 else len(data)]
    try:
        raw = base64.b64decode(data + "=" * (-len(data) % 4))
    except binascii.Error as exc:
        raise Fail from exc
    return raw.decode("latin-1")


@register("s", "xor", 1)
def s_xor(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> Any:
    text = _plain(v)
    secret = str_param(p[0], ctx)
    out = "".join(chr(ord(c) ^ ord(secret[k % len(secret)])) for k, c in enumerate(text))
    return make_int(int(v), out) if isinstance(v, int) else _same_flags(v, out)


def _same_flags(v: Any, text: str) -> str:
    """New text with the value's flags kept: a string-with-int (``$rm``, ``$rp``) keeps its
    int when OpenSIPS only changes ``rs`` (width, xor, trim)."""
    if type(v) is StrInt:
        return StrInt(text, v.ival)
    return text


def _trimmer(how: Callable[[str], str]) -> Callable[..., Any]:
    def trim(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> Any:
        return v if isinstance(v, int) else _same_flags(v, how(_plain(v)))

    return trim


register("s", "trim")(_trimmer(lambda t: t.strip(_WS)))
register("s", "trimr")(_trimmer(lambda t: t.rstrip(_WS)))
register("s", "triml")(_trimmer(lambda t: t.lstrip(_WS)))


@register("s", "reverse")
def s_reverse(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
    return _plain(v)[::-1]


@register("s", "eval")
def s_eval(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
    text = _plain(v)
    if _expander is None:
        return text
    return _expander(ctx, text)
