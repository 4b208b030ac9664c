"""Transformations ``{class.method,params}``: compile a chain once, apply it at run time.

The generated module calls :func:`compile_chain` at import time for every
``$(pvar{...}{...})``; unknown classes/methods therefore fail when the script loads,
like OpenSIPS refusing the cfg. At run time the chain applies the steps left to right:
NULL passes through untouched and any failure makes the result NULL (OpenSIPS sets
``PV_VAL_NULL`` and stops caring).

The classes live in ``transforms_str`` (``s.``), ``transforms_sip`` (``uri. via. param.
nameaddr. csv.``) and ``transforms_net`` (``ip. sdp. re.``); they register themselves in
``transforms_base.REGISTRY``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from osipsc.runtime import (  # noqa: F401  (importing registers the classes)
    transforms_net,
    transforms_rest,
    transforms_sip,
    transforms_str,
)
from osipsc.runtime.transforms_base import (
    REGISTRY,
    Fail,
    IntText,
    TransformError,
)
from osipsc.runtime.transforms_str import set_expander

__all__ = ["IntText", "TransformError", "apply", "compile_chain", "set_expander"]

Step = Callable[[Any, Any], Any]


def _lookup(cls: str, method: str) -> tuple[Any, int, int]:
    """The registry entry, with OpenSIPS's name-matching quirks (case-insensitive)."""
    c = cls.lower()
    m = method.lower()
    if not any(k[0] == c for k in REGISTRY):
        raise TransformError(f"unknown transformation: [{cls}]")
    if c == "s" and m.startswith("trim") and len(m) > 4:
        m = "trimr" if m.startswith("trimr") else "triml" if m.startswith("triml") else m
    if c == "ip" and len(m) == 7 and m.startswith("match"):
        m = "matches"
    if c == "param" and m == "exists":
        m = "exist"
    entry = REGISTRY.get((c, m))
    if entry is None:
        raise TransformError(f"unknown transformation: {cls}/{method}")
    return entry


def _step(cls: str, method: str, params: tuple[Any, ...], index: Any) -> Step:
    fn, nmin, nmax = _lookup(cls, method)
    if not nmin <= len(params) <= nmax:
        raise TransformError(
            f"invalid {cls}.{method} transformation: {len(params)} parameter(s)"
        )
    if index is not None and cls.lower() != "nameaddr":
        raise TransformError(f"{cls}.{method} takes no index")

    def run(ctx: Any, value: Any) -> Any:
        if value is None:
            return None
        try:
            return fn(ctx, value, params, index)
        except (Fail, ValueError, IndexError, KeyError, UnicodeError, OverflowError):
            return None

    return run


def compile_chain(steps: list[tuple[Any, ...]]) -> Callable[[Any, Any], Any]:
    """Compile ``[(cls, method, params, index), ...]`` into ``f(ctx, value) -> value``."""
    compiled = [_step(s[0], s[1], tuple(s[2]), s[3] if len(s) > 3 else None) for s in steps]

    def chain(ctx: Any, value: Any) -> Any:
        for step in compiled:
            if value is None:
                return None
            value = step(ctx, value)
        return value

    return chain


def apply(
    cls: str, method: str, params: tuple[Any, ...] | list[Any], value: Any, ctx: Any = None,
    index: Any = None,
) -> Any:
    """Apply one transformation (for tests and dynamic use)."""
    return _step(cls, method, tuple(params), index)(ctx, value)
