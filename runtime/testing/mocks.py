"""Mocks of module functions and MI commands for one test, restored afterwards.

A function mock replaces the implementation the engine resolves (``engine.functions``), so
the script's own calls — also ``async()``/``launch()`` starters — reach it; it records the
converted arguments of each call. An MI mock answers one command of the engine's MI registry
(``mi()`` from the script, MI transports) whatever the parameters. Both are context managers;
``restore()`` puts back what was there before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_ABSENT = object()


class FunctionMock:
    """``engine.functions[name]`` replaced: returns ``returns`` or calls ``side_effect``."""

    def __init__(self, engine: Any, name: str, returns: int = 1,
                 side_effect: Callable[..., int] | None = None) -> None:
        self.engine = engine
        self.name = name
        self.returns = returns
        self.side_effect = side_effect
        self.calls: list[tuple[Any, ...]] = []
        """Converted script arguments of each call, in order."""
        overrides = engine.functions._overrides  # noqa: SLF001 (our own table)
        self._previous = overrides.get(name, _ABSENT)
        engine.functions[name] = self._impl
        self.active = True

    def _impl(self, ctx: Any, *args: Any) -> int:
        self.calls.append(args)
        if self.side_effect is not None:
            return self.side_effect(ctx, *args)
        return self.returns

    @property
    def called(self) -> bool:
        return bool(self.calls)

    @property
    def call_count(self) -> int:
        return len(self.calls)

    def restore(self) -> None:
        """Put back the previous implementation (idempotent)."""
        if not self.active:
            return
        self.active = False
        if self._previous is _ABSENT:
            del self.engine.functions[self.name]
        else:
            self.engine.functions[self.name] = self._previous

    def __enter__(self) -> FunctionMock:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.restore()


class MIMock:
    """One MI command answered by the test: ``result`` (any JSON value), ``error`` (an
    ``MIError``) or ``handler(params) -> value``. ``calls`` holds the parameters received."""

    def __init__(self, engine: Any, command: str, result: Any = None, error: Any = None,
                 handler: Callable[[Any], Any] | None = None) -> None:
        from ..mi.registry import MIResult

        self.registry = engine.state("mi")
        self.command = command
        self.result = result
        self.error = error
        self.handler = handler
        self.calls: list[Any] = []
        self._result_type = MIResult
        self._registered = False
        if self.registry.lookup(command) is None:
            self.registry.register(command, lambda params: None, module="osipsc-mock")
            self._registered = True
        self._previous_start = self.registry.__dict__.get("start", _ABSENT)
        self._inner_start = self.registry.start
        self.registry.start = self._start
        self.active = True

    def _start(self, cmd: Any, params: Any, on_reply: Callable[[Any], None],
               origin: str = "transport") -> None:
        if not self.active or cmd.name != self.command:
            self._inner_start(cmd, params, on_reply, origin)
            return
        self.calls.append(params)
        if self.error is not None:
            on_reply(self.error)
        elif self.handler is not None:
            on_reply(self._result_type(self.handler(params)))
        else:
            on_reply(self._result_type(self.result if self.result is not None else "OK"))

    @property
    def called(self) -> bool:
        return bool(self.calls)

    def restore(self) -> None:
        """Stop answering; remove the stub command if the mock registered it."""
        if not self.active:
            return
        self.active = False
        if self.registry.__dict__.get("start") == self._start:
            if self._previous_start is _ABSENT:
                del self.registry.start
            else:
                self.registry.start = self._previous_start
        if self._registered:
            self.registry.unregister(self.command)

    def __enter__(self) -> MIMock:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.restore()
