"""The flow of a message through the script: routes entered, returned from, exited, dropped.

In the spirit of Kamailio's ``cfgt`` flow records (``start|route``, ``return|route[relay]``,
``exit|route[relay]``), each record names the cfg file and line:

* ``start``  — the route's header line (``route[relay] {``);
* ``return`` — the last statement the route ran (its ``return`` or its last statement), with
  the route's return code;
* ``exit`` / ``drop`` — the ``exit`` / ``drop`` statement (recorded once, in the route that
  ran it; the routes it unwinds through end without a record of their own, as in cfgt).

Cost when off: the engine's top-route runner and ``route_call`` check one attribute
(``engine.tracer`` is None). When on, the tracer wraps each route call and, to know the line a
route returned from, installs a profile hook (``sys.setprofile``, not ``sys.settrace``, so it
never competes with coverage or debuggers) for the duration of the top route.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any

from .control import ScriptExit


@dataclass(frozen=True)
class TraceRecord:
    """One flow record: ``event|route[name]`` at ``file:line`` (``code`` for returns)."""

    event: str
    """``start``, ``return``, ``exit`` or ``drop``."""
    route: str
    """The route as the cfg spells it: ``route``, ``route[relay]``, ``failure_route[x]``."""
    file: str
    line: int
    code: int | None = None
    depth: int = 1

    def __str__(self) -> str:
        text = f"{self.event}|{self.route} {self.file}:{self.line}"
        if self.code is not None:
            text += f" rc={self.code}"
        return text


def route_label(kind: str, name: str | None) -> str:
    """``("route", None)`` → ``route``; ``("failure_route", "x")`` → ``failure_route[x]``."""
    return kind if name is None else f"{kind}[{name}]"


class Tracer:
    """Records the flow of routes for one engine; ``sink`` also gets each record as it comes.

    Records go to ``records`` (everything since the tracer was created) and to the engine's
    current ``Outcome.trace`` when the outcome has one.
    """

    def __init__(self, engine: Any, sink: Callable[[TraceRecord], Any] | None = None) -> None:
        self.engine = engine
        self.sink = sink
        self.records: list[TraceRecord] = []
        self._codes: set[Any] = set()
        self._last_return_line: int | None = None
        self._profiling = False

    # ------------------------------------------------------------------ recording
    def _emit(self, record: TraceRecord) -> None:
        self.records.append(record)
        current = getattr(self.engine, "current", None)
        out = getattr(current, "trace", None)
        if out is not None:
            out.append(record)
        if self.sink is not None:
            self.sink(record)

    def _where(self, generated_line: int | None) -> tuple[str, int]:
        script = self.engine.script
        loc = script.cfg_location(generated_line) if generated_line is not None else None
        return loc if loc is not None else (script.source, 0)

    def _label(self, fn: Callable[[Any], int]) -> str:
        kind_name = self.engine.script.route_names.get(fn)
        if kind_name is None:
            return getattr(fn, "__name__", "route")
        return route_label(*kind_name)

    def _profile(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "return" and frame.f_code in self._codes:
            self._last_return_line = frame.f_lineno

    # ------------------------------------------------------------------ running routes
    def run(self, ctx: Any, fn: Callable[[Any], int]) -> int:
        """Call route ``fn`` on ``ctx`` and record its flow (exceptions pass through)."""
        label = self._label(fn)
        depth = getattr(ctx, "depth", 1)
        file, line = self._where(fn.__code__.co_firstlineno)
        self._emit(TraceRecord("start", label, file, line, depth=depth))
        outer = not self._profiling
        previous = None
        if outer:
            self._codes = {f.__code__ for f in self.engine.script.route_names}
            previous = sys.getprofile()
            sys.setprofile(self._profile)
            self._profiling = True
        try:
            self._last_return_line = None
            result = fn(ctx)
        except ScriptExit as stop:
            if not getattr(stop, "_osipsc_traced", False):
                file, line = self._exit_location(stop)
                self._emit(TraceRecord("drop" if stop.drop else "exit", label, file, line,
                                       depth=depth))
                stop._osipsc_traced = True  # type: ignore[attr-defined]
            raise
        finally:
            if outer:
                sys.setprofile(previous)
                self._profiling = False
        file, line = self._where(self._last_return_line)
        self._emit(TraceRecord("return", label, file, line, code=result, depth=depth))
        return result

    def _exit_location(self, exc: BaseException) -> tuple[str, int]:
        loc = self.engine.script.locate(exc.__traceback__)
        return loc if loc is not None else (self.engine.script.source, 0)


def format_trace(records: list[TraceRecord]) -> str:
    """Records as text, one per line, indented by route depth."""
    return "".join("  " * max(0, r.depth - 1) + str(r) + "\n" for r in records)
