"""Shared plumbing of the transformation classes: value helpers, parameters, registry.

Kept apart from ``transforms.py`` so the class files (``transforms_str``,
``transforms_sip``, ``transforms_net``) can register themselves without import cycles.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = [
    "REGISTRY",
    "Fail",
    "IntText",
    "TransformError",
    "has_int",
    "int_of",
    "make_int",
    "num_param",
    "register",
    "str_param",
    "text_of",
]


class TransformError(ValueError):
    """An unknown class/method or bad parameters, found when the chain is compiled."""


class Fail(Exception):
    """Raised inside a method: the transformation fails and the value becomes NULL."""


class IntText(int):
    """An int-typed value whose printed text is not its decimal form.

    OpenSIPS keeps the original string when ``{s.int}`` parses ``"42abc"`` (the value is
    int-typed with int 42 but prints ``42abc``), and ``{uri.port}`` keeps the port text.
    ``isinstance(v, int)`` holds, ``int(v)`` is the number, ``str(v)`` is the text.
    """

    text: str

    def __new__(cls, value: int, text: str) -> IntText:
        obj = super().__new__(cls, value)
        obj.text = text
        return obj

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"IntText({int(self)}, {self.text!r})"


def make_int(value: int, text: str | None = None) -> int:
    """An int-typed value; an :class:`IntText` only when ``text`` differs from decimal."""
    value = ((value + 0x80000000) & 0xFFFFFFFF) - 0x80000000
    if text is None or text == str(value):
        return value
    return IntText(value, text)


def has_int(value: Any) -> bool:
    """True if the value carries an int (OpenSIPS PV_VAL_INT): int or str-with-int."""
    return isinstance(value, int) or hasattr(value, "ival")


def int_of(value: Any) -> int:
    """The int carried by the value (see :func:`has_int`)."""
    return int(value) if isinstance(value, int) else int(value.ival)


def text_of(value: Any) -> str:
    """The string form OpenSIPS uses (ints are printed in decimal)."""
    if isinstance(value, str):
        return str.__str__(value)
    return str(value)


def _nparam_text(text: str) -> int:
    """tr_parse_nparam on literal text: blanks, a sign, blanks, the leading digits."""
    ws = " \t\r\n"
    t = text.lstrip(ws)
    if not t or t[0] not in "+-0123456789":
        raise Fail  # OpenSIPS refuses the script
    sign = -1 if t[0] == "-" else 1
    if t[0] in "+-":
        t = t[1:].lstrip(ws)
    n = 0
    for ch in t:
        if not "0" <= ch <= "9":
            break
        n = n * 10 + ord(ch) - 48
    return wrap32(sign * n)


def wrap32(n: int) -> int:
    """Signed 32-bit wrap-around (C int arithmetic)."""
    return ((n + 0x80000000) & 0xFFFFFFFF) - 0x80000000


def _evaluate(param: Any, ctx: Any) -> Any:
    return param.get(ctx) if hasattr(param, "get") else param


def num_param(param: Any, ctx: Any) -> int:
    """A numeric parameter: a literal int or a pvar whose value carries an int."""
    if isinstance(param, int):
        return param
    if isinstance(param, str):  # a literal that reached us as text: read like tr_parse_nparam
        return _nparam_text(param)
    value = _evaluate(param, ctx)
    if value is None or not has_int(value):
        raise Fail
    return int_of(value)


def str_param(param: Any, ctx: Any) -> str:
    """A string parameter: literal text, or a pvar with a non-empty string value."""
    if isinstance(param, str):
        return text_of(param)
    if isinstance(param, int):
        return str(param)
    value = _evaluate(param, ctx)
    if value is None:
        raise Fail
    text = text_of(value)
    if not text:
        raise Fail
    return text


#: A method implementation: (ctx, value (never None), params, index) -> new value.
Method = Callable[[Any, Any, tuple[Any, ...], Any], Any]

#: (class, method) lower-case -> (implementation, min params, max params)
REGISTRY: dict[tuple[str, str], tuple[Method, int, int]] = {}


def register(cls: str, method: str, nmin: int = 0, nmax: int | None = None) -> Callable[
    [Method], Method
]:
    """Decorator: register ``cls.method`` taking between nmin and nmax parameters."""

    def deco(fn: Method) -> Method:
        REGISTRY[(cls, method)] = (fn, nmin, nmin if nmax is None else nmax)
        return fn

    return deco
