"""The protocol between async-capable functions and the engine's scheduler.

``async(f(...), resume)`` and ``launch(f(...), report, param)`` call the *async starter* of
``f`` (registered with ``registry.export_async``). It returns an ``int`` when the operation is
already over, or an ``AsyncJob``: ``run()`` executes on the engine's worker pool (it must not
touch the script context; it is where an MI command runs), then ``finish(ctx)`` executes on the
engine loop — the one "SIP worker" — with the resumed (or report) context, stores the outputs
(e.g. the result variable of ``mi()``) and returns the value the resume/report route sees in
``$rc``.

A job may also have ``start(done)``: the engine then calls it on the engine loop when it
dispatches the job (once the current route has ended) instead of using the pool, and the job
calls ``done()`` when its outcome exists (at once, or later from a SIP reply or a timer of
this engine). ``mi()`` jobs and cfgutils' async ``sleep`` work this way.
"""

from __future__ import annotations

from typing import Any, Protocol


class AsyncJob(Protocol):
    def run(self) -> None:
        """Do the work off the engine loop (thread-safe, no context access)."""

    def finish(self, ctx: Any) -> int:
        """Deliver the outcome into ``ctx`` on the engine loop; return the ``$rc``."""
