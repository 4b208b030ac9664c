"""The virtual clock's bucketed timers fire exactly as one heap ordered by (due time, order
armed) does: the reference below is the clock as it was before the buckets."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from osipsc.runtime.clock import Clock


class _Handle:
    def __init__(self, due: float, fn: Callable[[], Any]) -> None:
        self.due, self.fn, self.cancelled = due, fn, False

    def cancel(self) -> None:
        self.cancelled = True

    def fire(self) -> None:
        self.fn()


class HeapClock:
    """Reference: one heap entry per timer."""

    def __init__(self) -> None:
        self._now = 0.0
        self._heap: list[tuple[float, int, _Handle]] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self._now

    def call_later(self, delay: float, fn: Callable[[], Any]) -> _Handle:
        handle = _Handle(self._now + max(0.0, float(delay)), fn)
        heapq.heappush(self._heap, (handle.due, next(self._seq), handle))
        return handle

    def pop_due(self, until: float) -> _Handle | None:
        while self._heap and self._heap[0][0] <= until:
            _, _, handle = heapq.heappop(self._heap)
            if not handle.cancelled:
                self._now = max(self._now, handle.due)
                return handle
        return None

    def set(self, now: float) -> None:
        self._now = max(self._now, now)


#: a program: (delay, re-arm delay when fired or None, cancel right away?) per timer, then
#: the steps the clock advances by
_timer = st.tuples(st.sampled_from([0, 0.5, 1, 1, 2, 2, 3, -1, 5]),
                   st.one_of(st.none(), st.sampled_from([0, 1, 2])), st.booleans())


def _run(clock: Any, timers: list[tuple[float, float | None, bool]],
         steps: list[float]) -> list[tuple[int, float]]:
    fired: list[tuple[int, float]] = []

    def arm(n: int, delay: float, again: float | None) -> Any:
        def fn() -> None:
            fired.append((n, clock.now()))
            if again is not None and n < 1000:
                arm(n + 1000, again, None)
        return clock.call_later(delay, fn)

    for n, (delay, again, cancel) in enumerate(timers):
        handle = arm(n, delay, again)
        if cancel:
            handle.cancel()
    for step in steps:
        until = clock.now() + step
        while (handle := clock.pop_due(until)) is not None:
            handle.fire()
        clock.set(until)
    return fired


@settings(max_examples=300, deadline=None)
@given(st.lists(_timer, max_size=25), st.lists(st.sampled_from([0, 0.5, 1, 3]), max_size=6))
def test_buckets_fire_like_one_heap(timers: list[tuple[float, float | None, bool]],
                                    steps: list[float]) -> None:
    assert _run(Clock(), timers, steps) == _run(HeapClock(), timers, steps)


def test_nan_and_negative_delays_are_zero() -> None:
    clock = Clock()
    order: list[str] = []
    clock.call_later(float("nan"), lambda: order.append("nan"))
    clock.call_later(-3, lambda: order.append("neg"))
    clock.call_later(0, lambda: order.append("zero"))
    while (handle := clock.pop_due(0.0)) is not None:
        handle.fire()
    assert order == ["nan", "neg", "zero"]
