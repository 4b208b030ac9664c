"""Core script functions that are not about the message text: message flags and friends.

OpenSIPS 3.x flags are *named*: ``setflag("SEEN")``. Names get bit positions in the order the
script first mentions them (fix-up time), and ``$mf`` prints the set names from the highest
bit down; the compiled ``Script`` carries that order in ``flag_names``. Message flags belong
to the message: a new request starts with none (``ctx.flags`` is fresh per message).
"""

from __future__ import annotations

from typing import Any

from .. import pv_table
from .registry import export


@export("setflag", module="core")
def setflag(ctx: Any, name: str) -> int:
    ctx.flags.add(name)
    return 1


@export("resetflag", module="core")
def resetflag(ctx: Any, name: str) -> int:
    ctx.flags.discard(name)
    return 1


@export("isflagset", module="core")
def isflagset(ctx: Any, name: str) -> int:
    return 1 if name in ctx.flags else -1


def _branch_flags(ctx: Any, branch: Any) -> set[str]:
    key = f"bflags:{0 if branch is None else int(branch)}"
    flags = ctx.extra.get(key)
    if flags is None:
        flags = ctx.extra[key] = set()
    return flags


@export("setbflag", module="core")
def setbflag(ctx: Any, name: str, branch: int | None = None) -> int:
    _branch_flags(ctx, branch).add(name)
    return 1


@export("resetbflag", module="core")
def resetbflag(ctx: Any, name: str, branch: int | None = None) -> int:
    _branch_flags(ctx, branch).discard(name)
    return 1


@export("isbflagset", module="core")
def isbflagset(ctx: Any, name: str, branch: int | None = None) -> int:
    return 1 if name in _branch_flags(ctx, branch) else -1


def flag_order(ctx: Any, names: set[str]) -> list[str]:
    """Set flag names as ``$mf`` prints them: highest bit (latest declared) first."""
    engine = getattr(ctx, "engine", None)
    declared = getattr(getattr(engine, "script", None), "flag_names", ())
    rank = {name: i for i, name in enumerate(declared)}
    known = sorted((n for n in names if n in rank), key=lambda n: -rank[n])
    return known + sorted(n for n in names if n not in rank)


def _mf_get(ctx: Any, sub: Any, index: Any) -> Any:
    return " ".join(flag_order(ctx, ctx.flags))


def _msg_flag_get(ctx: Any, sub: Any, index: Any) -> Any:
    return 1 if sub in ctx.flags else 0


def _msg_flag_set(ctx: Any, sub: Any, index: Any, value: Any) -> int:
    if not isinstance(value, int):
        return -1
    if value:
        ctx.flags.add(sub)
    else:
        ctx.flags.discard(sub)
    return 1


if "mf" not in pv_table.PV_TABLE:
    pv_table.pvar("mf")(_mf_get)
if "msg.flag" not in pv_table.PV_TABLE:
    pv_table.pvar("msg.flag", takes_sub=True)(_msg_flag_get)
    pv_table.setter("msg.flag")(_msg_flag_set)
