"""The engine's virtual clock: timers fire only when the engine moves time forward.

Timers are kept in one FIFO bucket per due time (a heap holds the distinct due times):
tm arms a timer for every branch and most share a due time, so a new timer is an append to
an existing bucket, not a heap entry of its own; that is also one object fewer that every
waiting transaction keeps alive for the cyclic GC to scan. Timers due at the same time fire
in the order they were armed.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable
from typing import Any

_new_handle = object.__new__
_heappush = heapq.heappush


class TimerHandle:
    """A virtual-clock timer; ``cancel()`` disarms it, ``fire()`` runs it."""

    __slots__ = ("due", "fn", "cancelled")

    def __init__(self, due: float, fn: Callable[[], Any]) -> None:
        self.due = due
        self.fn = fn
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def fire(self) -> None:
        self.fn()


class Clock:
    """``now()``, ``call_later(delay, fn)``, ``schedule(handle, delay)``; the engine pops
    due timers (``pop_due``) and fires them."""

    def __init__(self) -> None:
        self._now = 0.0
        self._dues: list[float] = []  # heap of the due times that have a bucket
        self._buckets: dict[float, deque[TimerHandle]] = {}

    def now(self) -> float:
        return self._now

    def call_later(self, delay: float, fn: Callable[[], Any]) -> TimerHandle:
        handle = _new_handle(TimerHandle)  # TimerHandle(...) without its __init__ frame
        handle.fn = fn
        return self.schedule(handle, delay)

    def schedule(self, handle: Any, delay: float) -> Any:
        """Arm ``handle`` (a ``TimerHandle`` or any object with its slots and a ``fire``
        method) ``delay`` seconds from now; a negative or NaN delay is 0."""
        delay = float(delay)
        if not delay > 0.0:
            delay = 0.0
        handle.due = due = self._now + delay
        handle.cancelled = False
        bucket = self._buckets.get(due)
        if bucket is None:
            self._buckets[due] = deque((handle,))
            _heappush(self._dues, due)
        else:
            bucket.append(handle)
        return handle

    def pop_due(self, until: float) -> Any:
        """The next armed timer due at or before ``until`` (the clock moves to its due
        time), or None."""
        dues = self._dues
        while dues and dues[0] <= until:
            due = dues[0]
            bucket = self._buckets[due]
            while bucket:
                handle = bucket.popleft()
                if not handle.cancelled:
                    # the bucket stays while its due time heads the heap: a timer armed
                    # with no delay while this one fires joins it, after the others
                    if due > self._now:
                        self._now = due
                    return handle
            del self._buckets[due]
            heapq.heappop(dues)
        return None

    def set(self, now: float) -> None:
        self._now = max(self._now, now)
