"""cfgutils: sleeps, random events, locks and ``$shv`` (modules/cfgutils).

Time is virtual in osipsc, so the sync ``sleep``/``usleep`` return at once. Their async
starters are real async I/O in OpenSIPS (a timerfd): ``async(sleep(n), r)`` suspends and ``r``
runs once ``n`` seconds have passed on the virtual clock (``advance``), with ``$rc`` 1; a zero
duration disarms the timerfd, so nothing ever resumes. Random events use the engine's ``random.Random`` so a test can seed
it. Locks are no-ops: routes never run concurrently in one engine.
"""

from __future__ import annotations

import random
from typing import Any

from .. import pv_table
from ..values import StrInt
from .registry import export, export_async


def _rng(ctx: Any) -> random.Random:
    engine = ctx.engine
    rng = getattr(engine, "_osipsc_cfgutils_rng", None)
    if rng is None:
        rng = random.Random(0)
        engine._osipsc_cfgutils_rng = rng
    return rng


def _prob_state(ctx: Any) -> dict[str, int]:
    state = ctx.engine.state("cfgutils")
    if "prob" not in state:
        initial = ctx.engine.modparam("cfgutils", "initial_probability")
        state["prob"] = state["initial"] = int(initial) if initial is not None else 10
    return state


@export("sleep", module="cfgutils")
def sleep(ctx: Any, seconds: int) -> int:
    return 1


@export("usleep", module="cfgutils")
def usleep(ctx: Any, microseconds: int) -> int:
    return 1


class SleepJob:
    """The timerfd of ``async_sleep``/``async_usleep`` on the engine's virtual clock.

    ``start(done)`` arms it (engine loop); ``finish`` is ``resume_async_sleep``: ``$rc`` 1.
    The duration is an unsigned int in C: zero disarms the timer (it never fires) and a
    negative value is a duration of decades; both never complete here.
    """

    def __init__(self, engine: Any, seconds: float) -> None:
        self.engine = engine
        self.seconds = seconds

    def start(self, done: Any) -> None:
        if self.seconds > 0:
            self.engine.clock.call_later(self.seconds, done)

    def run(self) -> None:  # pragma: no cover - the engine calls start() when present
        raise RuntimeError("SleepJob completes on the virtual clock, not on a pool thread")

    def finish(self, ctx: Any) -> int:
        return 1


@export_async("sleep", module="cfgutils")
def sleep_async(ctx: Any, seconds: int) -> SleepJob:
    return SleepJob(ctx.engine, float(seconds))


@export_async("usleep", module="cfgutils")
def usleep_async(ctx: Any, microseconds: int) -> SleepJob:
    return SleepJob(ctx.engine, microseconds / 1_000_000)


@export("rand_event", module="cfgutils")
def rand_event(ctx: Any, prob: int | None = None) -> int:
    p = _prob_state(ctx)["prob"] if prob is None else prob
    return 1 if _rng(ctx).randrange(100) < p else -1


@export("rand_set_prob", module="cfgutils")
def rand_set_prob(ctx: Any, prob: int) -> int:
    if not 0 <= prob <= 100:
        return -1
    _prob_state(ctx)["prob"] = prob
    return 1


@export("rand_reset_prob", module="cfgutils")
def rand_reset_prob(ctx: Any) -> int:
    state = _prob_state(ctx)
    state["prob"] = state["initial"]
    return 1


@export("rand_get_prob", module="cfgutils")
def rand_get_prob(ctx: Any) -> int:
    return _prob_state(ctx)["prob"] or -1


def _lock(ctx: Any, name: str) -> int:
    return 1


for _name in ("get_static_lock", "release_static_lock", "get_dynamic_lock",
              "release_dynamic_lock", "strings_share_lock"):
    export(_name, module="cfgutils")(_lock)


@export("ts_usec_delta", module="cfgutils")
def ts_usec_delta(ctx: Any, s1: int, u1: int, s2: int, u2: int, res: Any = None,
                  res_str: Any = None) -> int:
    delta = abs((s1 * 1000000 + u1) - (s2 * 1000000 + u2))
    if res is not None:
        res.set(ctx, delta & 0x7FFFFFFF)
    if res_str is not None:
        res_str.set(ctx, str(delta))
    return 1


# ``$shv(name)``: shared by all processes; initial value int 0, NULL stores 0.
def _shv_store(ctx: Any) -> dict[str, Any]:
    return ctx.engine.state("shv")


def _shv_get(ctx: Any, sub: Any, index: Any) -> Any:
    return _shv_store(ctx).get(sub, 0)


def _shv_set(ctx: Any, sub: Any, index: Any, value: Any) -> int:
    if value is None:
        value = 0
    elif isinstance(value, int):
        value = int(value)
    else:
        value = str(value) if not isinstance(value, StrInt) else str.__str__(value)
    _shv_store(ctx)[sub] = value
    return 1


if "shv" not in pv_table.PV_TABLE:
    pv_table.pvar("shv", takes_sub=True, module="cfgutils")(_shv_get)
    pv_table.setter("shv")(_shv_set)
