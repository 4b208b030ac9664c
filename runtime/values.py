"""The OpenSIPS value model and the operators of the two expression languages.

A script value is ``None`` (NULL), an ``int`` (``STR|INT|TYPE_INT``: always wrapped to signed
32 bit), a ``str`` (``STR``; latin-1 text, one char per byte) or a ``StrInt`` (``STR|INT``
without ``TYPE_INT``, e.g. ``$rm``). ``IntText`` is the rare int-typed value whose printed
form is not its decimal text (``$(var(x){s.int})`` on ``"42abc"`` prints ``42abc`` but adds
as 42; ``transforms_base.IntText``, an int subclass whose ``str()`` is that text). ``ERR`` marks a failed expression (it is not a value).

Every rule here mirrors ``route.c`` (``eval_elem``, ``comp_scriptvar``) and ``action.c``
(``do_assign``) of OpenSIPS 3.6 and is pinned by the conformance cases; the functions are
called directly by generated code, so they stay small and branch on Python types only.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

__all__ = [
    "ERR",
    "StrInt",
    "c_div",
    "c_mod",
    "cmp_int",
    "cmp_ip",
    "cmp_null",
    "cmp_pv",
    "cmp_re",
    "cmp_str",
    "int_form",
    "str_form",
    "to_text",
    "truth",
    "wrap32",
]


class _Err:
    """The failed-expression marker (``values.ERR``); falsy, prints as ``<error>``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ERR"

    def __bool__(self) -> bool:
        return False


ERR: Any = _Err()


class StrInt(str):
    """A string that also carries an int form (``STR|INT``), like ``$rm`` or ``$rp``."""

    __slots__ = ("ival",)

    def __new__(cls, text: str, ival: int) -> StrInt:
        obj = super().__new__(cls, text)
        obj.ival = ival
        return obj

    def __repr__(self) -> str:
        return f"StrInt({str.__repr__(self)}, {self.ival})"


def wrap32(value: int) -> int:
    """Wrap a Python int to C signed 32 bit (``2147483647 + 1`` → ``-2147483648``)."""
    value &= 0xFFFFFFFF
    return value - 0x100000000 if value & 0x80000000 else value


def c_div(a: int, b: int) -> int:
    """C integer division: truncates toward zero (``-7 / 2`` = ``-3``)."""
    q = abs(a) // abs(b)
    return wrap32(q if (a >= 0) == (b >= 0) else -q)


def c_mod(a: int, b: int) -> int:
    """C remainder: takes the sign of the dividend (``-7 % 3`` = ``-1``)."""
    r = abs(a) % abs(b)
    return wrap32(r if a >= 0 else -r)


def to_text(value: Any) -> str:
    """The printed form of a value (xlog, format strings): NULL → ``<null>``."""
    if value is None:
        return "<null>"
    if isinstance(value, str):
        return value
    return str(value)  # plain int: decimal; transforms' IntText: its own text


def int_form(value: Any) -> int | None:
    """The int a value carries (``INT`` flag), or None."""
    if isinstance(value, int):
        return int(value)
    if type(value) is StrInt:
        return value.ival
    return None


def str_form(value: Any) -> str | None:
    """The string a value carries (``STR`` flag): ints carry their decimal text."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return to_text(value)


# --------------------------------------------------------------------------- conditions

_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _fold(text: str) -> str:
    """ASCII-only lower case (C ``tolower`` in the C locale)."""
    return text.translate(_LOWER)


def truth(value: Any) -> int:
    """A bare variable as a condition: NULL / ``""`` / int 0 are false; ``"0"`` is true."""
    if value is None:
        return 0
    if isinstance(value, int):
        return 1 if value else 0
    return 1 if value else 0


def bracket_test(value: Any, is_pv: bool) -> int:
    """``[ aexp ]``: a bare variable tests for not-NULL; other values for non-zero/non-empty."""
    if value is ERR:
        return -1
    if is_pv:
        return 0 if value is None else 1
    if value is None:
        return 0
    if isinstance(value, int):
        return 1 if value else 0
    return 1 if value else 0


def _int_op(op: str, a: int, b: int) -> int:
    if op == "==":
        return 1 if a == b else 0
    if op == "!=":
        return 1 if a != b else 0
    if op == "<":
        return 1 if a < b else 0
    if op == ">":
        return 1 if a > b else 0
    if op == "<=":
        return 1 if a <= b else 0
    if op == ">=":
        return 1 if a >= b else 0
    return -1


#: str_strcasecmp's order: ASCII-only tolower, then the bytes compared as (signed) ``char``,
#: so bytes 0x80-0xFF sort before every ASCII byte. Mapping b -> (b + 0x80) & 0xFF keeps
#: that order for Python's code point comparison.
_ORDER = {
    b: (b + 0x20 if 0x41 <= b <= 0x5A else b) + 0x80 & 0xFF for b in range(256)
}


def _str_op(op: str, a: str, b: str) -> int:
    if op in ("==", "!="):
        same = a == b or (len(a) == len(b) and _fold(a) == _fold(b))
        return 1 if same == (op == "==") else 0
    a = a.translate(_ORDER)
    b = b.translate(_ORDER)
    return _int_op(op, (a > b) - (a < b), 0)


def cmp_null(op: str, left: Any) -> int:
    """``PVAR ==/!= NULL``."""
    if op == "==":
        return 1 if left is None else 0
    return 0 if left is None else 1


def cmp_int(op: str, left: Any, number: int) -> int:
    """``PVAR op number``: the left side must carry an int, else the comparison errors."""
    if left is None:
        return 1 if op in ("!=", "!~") else 0
    li = int_form(left)
    if li is None:
        return -1
    return _int_op(op, li, number)


def cmp_str(op: str, left: Any, text: str) -> int:
    """``PVAR op "string"``: case-insensitive; int variables compare by their text."""
    if left is None:
        return 1 if op in ("!=", "!~") else 0
    return _str_op(op, left if type(left) is str else str_form(left), text)


def cmp_re(op: str, left: Any, pattern: re.Pattern[str]) -> int:
    """``PVAR =~ "re"`` / ``!~`` with a literal regex compiled at import time."""
    if left is None:
        return 1 if op == "!~" else 0
    # regexec gets a NUL-terminated copy: matching stops at an embedded NUL
    found = pattern.search(str_form(left).partition("\0")[0]) is not None
    return 1 if found == (op == "=~") else 0


def _dynamic_re(text: str) -> re.Pattern[str]:
    """``PVAR =~ PVAR``: regcomp(REG_EXTENDED|REG_NOSUB|REG_ICASE) at each evaluation."""
    from .regex import compile_posix

    return compile_posix(text, icase=True, newline=False)


def cmp_pv(op: str, left: Any, right: Any, compile_re: Any = None) -> int:
    """``PVAR op PVAR``: NULL rules, then int compare if both carry ints, else strings."""
    if left is None or right is None:
        if left is None and right is None:
            return 1 if op in ("==", "=~") else 0
        return 1 if op in ("!=", "!~") else 0
    if op in ("=~", "!~"):
        ls = str_form(left).partition("\0")[0]
        rs = str_form(right).partition("\0")[0]
        try:
            pattern = compile_re(rs) if compile_re is not None else _dynamic_re(rs)
        except (re.error, ValueError):
            return -1
        found = pattern.search(ls) is not None
        return 1 if found == (op == "=~") else 0
    li, ri = int_form(left), int_form(right)
    if li is not None and ri is not None:
        return _int_op(op, li, ri)
    return _str_op(op, str_form(left), str_form(right))


def cmp_ip(op: str, left: Any, network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> int:
    """``PVAR ==/!= ip[/mask]``: the left string must parse as an address."""
    if left is None:
        return 1 if op == "!=" else 0
    text = str_form(left)
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return -1
    inside = addr.version == network.version and addr in network
    return 1 if inside == (op == "==") else 0


# --------------------------------------------------------------------------- arithmetic


def _num(value: Any) -> int | None:
    """Right operand of an int operation: its int form, NULL counting as 0."""
    if value is None:
        return 0
    if isinstance(value, int):
        return int(value)
    if type(value) is StrInt:
        return value.ival
    return None


def op_add(left: Any, right: Any, right_has_text: bool = True) -> Any:
    """``+``: the left operand decides between int addition and concatenation.

    ``right_has_text`` is False when the right operand is a number literal or a function
    result (no ``STR`` flag in OpenSIPS): concatenating it fails.
    """
    if left is ERR or right is ERR:
        return ERR
    if isinstance(left, int):
        r = _num(right)
        return ERR if r is None else wrap32(left + r)
    if right is None:
        return "" if left is None else str(left)
    if isinstance(right, int) and not right_has_text:
        return ERR
    return ("" if left is None else str(left)) + str_form(right)


def _int_binop(op: str, left: Any, right: Any) -> Any:
    if left is ERR or right is ERR:
        return ERR
    if isinstance(left, int):
        b = _num(right)
        if b is None:
            return ERR
        a = int(left)
        if op == "+":
            return wrap32(a + b)
        if op == "-":
            return wrap32(a - b)
        if op == "*":
            return wrap32(a * b)
        if op == "/":
            return 0 if b == 0 else c_div(a, b)
        if op == "%":
            return 0 if b == 0 else c_mod(a, b)
        if op == "&":
            return wrap32(a & b)
        if op == "|":
            return wrap32(a | b)
        if op == "^":
            return wrap32(a ^ b)
        if op == "<<":
            return wrap32(a << (b & 31)) if b >= 0 else ERR
        if op == ">>":
            return wrap32(a >> (b & 31)) if b >= 0 else ERR
        return ERR
    if op in ("&", "|", "^") and isinstance(left, str) and isinstance(right, str):
        if len(left) != len(right):
            return ERR
        if op == "&":
            return "".join(chr(ord(x) & ord(y)) for x, y in zip(left, right, strict=True))
        if op == "|":
            return "".join(chr(ord(x) | ord(y)) for x, y in zip(left, right, strict=True))
        return "".join(chr(ord(x) ^ ord(y)) for x, y in zip(left, right, strict=True))
    return ERR


def op_sub(left: Any, right: Any) -> Any:
    return _int_binop("-", left, right)


def op_mul(left: Any, right: Any) -> Any:
    return _int_binop("*", left, right)


def op_div(left: Any, right: Any) -> Any:
    """``/``: division by zero logs an error in OpenSIPS and yields 0."""
    return _int_binop("/", left, right)


def op_mod(left: Any, right: Any) -> Any:
    return _int_binop("%", left, right)


def op_band(left: Any, right: Any) -> Any:
    return _int_binop("&", left, right)


def op_bor(left: Any, right: Any) -> Any:
    return _int_binop("|", left, right)


def op_bxor(left: Any, right: Any) -> Any:
    return _int_binop("^", left, right)


def op_shl(left: Any, right: Any) -> Any:
    return _int_binop("<<", left, right)


def op_shr(left: Any, right: Any) -> Any:
    return _int_binop(">>", left, right)


def op_bnot(value: Any) -> Any:
    """Unary ``~``: only on int-typed values."""
    if isinstance(value, int):
        return wrap32(~int(value))
    return ERR


class DivisionByZero(ArithmeticError):
    """``/=`` or ``%=`` by zero: OpenSIPS dies with SIGFPE; osipsc stops the script."""


def compound(op: str, current: Any, value: Any) -> Any:
    """``+= -= *= /= %= &= |= ^=`` (``do_assign``): NULL on either side fails; two plain
    strings only concatenate; otherwise both sides need an int form."""
    if current is None or value is None or current is ERR or value is ERR:
        return ERR
    if not isinstance(current, int) and not isinstance(value, int):
        return str(current) + str(value) if op == "+" else ERR
    ci, vi = int_form(current), int_form(value)
    if ci is None or vi is None:
        return ERR
    if op in ("/", "%") and vi == 0:
        raise DivisionByZero(f"{op}= by zero")
    return _int_binop(op, ci, vi)
