"""``ScriptEngine``: the runtime ``Engine`` with the conveniences of a test.

``receive`` takes builder output (sent from the builder's address) and returns a
``ScriptOutcome``; ``advance``/``settle`` too. The request's context is kept, so AVPs and
flags can be checked after the route ran. Function and MI mocks are created here and undone
by ``restore_mocks()`` (the pytest fixture calls it at teardown). A route that raises gets a
message naming the cfg file and line, and the traceback shows cfg frames.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..engine import Engine, Outcome
from .mocks import FunctionMock, MIMock
from .outcome_assertions import ScriptOutcome


class ScriptError(AssertionError):
    """A route raised: the message names the cfg location; the cause is the original error."""


class ScriptEngine(Engine):
    """An ``Engine`` for tests: builder-friendly ``receive``, outcomes with assertions, mocks."""

    def __init__(self, module: Any, **kwargs: Any) -> None:
        self.last_context: Any = None
        self._mocks: list[FunctionMock | MIMock] = []
        super().__init__(module, **kwargs)

    # ------------------------------------------------------------------ messages
    def post_request_hook(self, ctx: Any) -> None:
        """Called by ``Engine.receive`` after the request route: keep its context."""
        self.last_context = ctx

    def receive(self, data: bytes | str, src: tuple[str, int] | None = None,  # type: ignore[override]
                proto: str = "udp") -> ScriptOutcome:
        """Handle one message; ``src`` defaults to the builder's sender address."""
        if src is None:
            src = getattr(data, "src", None) or ("127.0.0.1", 5070)
        self.last_context = None
        text = str(data) if not isinstance(data, bytes) else data
        try:
            outcome = super().receive(text, src, proto)
        except Exception as exc:
            explained = self._explain(exc)
            if explained is exc:
                raise
            raise explained from exc
        return ScriptOutcome(outcome, self.last_context)

    def settle(self) -> ScriptOutcome:  # type: ignore[override]
        """Run pending async work (resume / report routes) and return what it produced."""
        return self._since(super().settle)

    def advance(self, seconds: float) -> ScriptOutcome:  # type: ignore[override]
        """Move the virtual clock (tm timers, timer routes) and return what happened."""
        return self._since(lambda: super(ScriptEngine, self).advance(seconds))

    def _since(self, run: Callable[[], Outcome]) -> ScriptOutcome:
        """What ``run`` adds to the current outcome (the base engine keeps appending to the
        last message's outcome; a test wants only the new records)."""
        cur = self.current
        marks = (len(cur.xlog), len(cur.packets), len(cur.logs), len(cur.trace))
        try:
            run()
        except Exception as exc:
            explained = self._explain(exc)
            if explained is exc:
                raise
            raise explained from exc
        cur = self.current
        new = Outcome(xlog=cur.xlog[marks[0]:], packets=cur.packets[marks[1]:],
                      logs=cur.logs[marks[2]:], trace=cur.trace[marks[3]:])
        return ScriptOutcome(new, self.last_context)

    def _explain(self, exc: BaseException) -> BaseException:
        """A ``ScriptError`` naming the innermost cfg location of ``exc`` (the engine already
        rewrote generated frames into ``<route> (cfg)`` frames at the cfg file and line)."""
        loc = None
        tb = exc.__traceback__
        while tb is not None:
            code = tb.tb_frame.f_code
            if code.co_name.endswith(" (cfg)"):
                loc = (code.co_filename, tb.tb_lineno)
            tb = tb.tb_next
        loc = loc or getattr(exc, "location", None) or self.script.locate(exc.__traceback__)
        if loc is None:
            return exc
        return ScriptError(f"{loc[0]}:{loc[1]}: {type(exc).__name__}: {exc}")

    # ------------------------------------------------------------------ state
    def avp(self, name: str) -> Any:
        """``$avp(name)`` of the last request at the end of its route (None if unset)."""
        return None if self.last_context is None else self.last_context.avps.get(name)

    def var(self, name: str) -> Any:
        """``$var(name)`` of this worker (kept between messages, as in OpenSIPS)."""
        return self.vars.get(name)

    def mi(self, command: str, params: list[Any] | dict[str, Any] | None = None) -> Any:
        """Run an MI command as a transport would; the JSON-able result (or the MIError)."""
        response = self.state("mi").call(command, params)
        return getattr(response, "value", response)

    # ------------------------------------------------------------------ mocks
    def mock_function(self, name: str, returns: int = 1,
                      side_effect: Callable[..., int] | None = None) -> FunctionMock:
        """Replace script function ``name`` for this engine (use ``with`` to scope it)."""
        mock = FunctionMock(self, name, returns, side_effect)
        self._mocks.append(mock)
        return mock

    def mock_mi(self, command: str, result: Any = None, error: Any = None,
                handler: Callable[[Any], Any] | None = None) -> MIMock:
        """Answer MI ``command`` with ``result`` (or ``error``/``handler``)."""
        mock = MIMock(self, command, result, error, handler)
        self._mocks.append(mock)
        return mock

    def restore_mocks(self) -> None:
        """Undo every mock, newest first."""
        while self._mocks:
            self._mocks.pop().restore()
