"""statistics module: ``update_stat``, ``reset_stat`` and the ``$stat(name)`` variable.

State is the engine's ``StatsRegistry`` (``get_state(engine, "statistics")``).
"""

from __future__ import annotations

from typing import Any

from ..pv_table import pvar, setter
from ..state_factories import get_state
from .registry import export


def stats_of(ctx: Any) -> Any:
    return get_state(ctx.engine, "statistics")


@export("update_stat", module="statistics")
def update_stat(ctx: Any, name: str, value: int) -> int:
    """Add ``value`` (may be negative) to ``name``, creating it in group ``dynamic``."""
    return stats_of(ctx).update(name, value)


@export("reset_stat", module="statistics")
def reset_stat(ctx: Any, name: str) -> int:
    """Set ``name`` to 0 unless it is non-resettable or computed."""
    return stats_of(ctx).reset_spec(name)


@pvar("stat", takes_sub=True, module="statistics")
def get_stat(ctx: Any, sub: Any, index: Any) -> int | None:
    """``$stat(name)``: signed 32-bit reading of the unsigned value; NULL if unknown."""
    if sub is None:
        return None
    return stats_of(ctx).read(str(sub))


@setter("stat")
def set_stat(ctx: Any, sub: Any, index: Any, value: Any) -> int:
    """Any assignment resets the statistic (OpenSIPS warns when the value is non-zero)."""
    if sub is None:
        return -1
    stats = stats_of(ctx)
    stat = stats.find_spec(str(sub))
    if stat is None:
        return -1
    if value not in (None, 0, "0"):
        log = getattr(ctx.engine, "log", None)
        if callable(log):
            log(1, "WARNING:statistics:pv_set_stat: non-zero value - setting value to 0\n")
    stats.reset(stat)
    return 1
