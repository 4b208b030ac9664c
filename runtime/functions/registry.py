"""The one registry of script functions.

Implementations register with ``@export(name, module=...)``. The runtime core wraps each one
in a call adapter that converts cfg arguments per the parameter kinds of the OpenSIPS 3.6
exports table before calling it, so implementations receive plain Python values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any

Impl = Callable[..., int]


@dataclass(frozen=True, slots=True)
class FunctionDef:
    """A registered implementation: OpenSIPS name, module that exports it, Python callable."""

    name: str
    module: str
    impl: Impl
    is_async: bool = False


_BUILTIN: dict[str, FunctionDef] = {}
_ASYNC: dict[str, FunctionDef] = {}


def export(name: str, module: str, is_async: bool = False) -> Callable[[Impl], Impl]:
    """Register ``impl`` as the emulation of script function ``name`` of ``module``."""

    def register(impl: Impl) -> Impl:
        _BUILTIN[name] = FunctionDef(name, module, impl, is_async)
        return impl

    return register


def export_async(name: str, module: str) -> Callable[[Impl], Impl]:
    """Register the *async starter* of ``name`` (used by ``async(...)`` and ``launch(...)``).

    A starter has the same signature as the sync implementation but returns either an ``int``
    (the operation completed, or failed, at once: that is the resume/report ``$rc``) or an
    ``osipsc.runtime.asyncjob.AsyncJob`` whose ``run()`` executes on the worker pool (no
    ``ctx`` access, thread-safe) and whose ``finish(ctx) -> int`` runs later on the engine
    loop with the resumed or report context, writes outputs and returns the ``$rc``.
    """

    def register(impl: Impl) -> Impl:
        _ASYNC[name] = FunctionDef(name, module, impl, True)
        return impl

    return register


def builtin_async_functions() -> dict[str, FunctionDef]:
    """All built-in async starters."""
    from . import _load_all  # noqa: F401

    return dict(_ASYNC)


def builtin_functions() -> dict[str, FunctionDef]:
    """All built-in emulations (importing the module files registers them)."""
    from . import _load_all  # noqa: F401  (imports every function module once)

    return dict(_BUILTIN)


class FunctionTable(MutableMapping[str, Any]):
    """Per-engine view of the registry that users override: ``engine.functions["lookup"] = f``.

    Values set by users are plain callables ``f(ctx, *args) -> int``.
    """

    def __init__(self) -> None:
        self._defs: dict[str, FunctionDef] = builtin_functions()
        self._overrides: dict[str, Impl] = {}

    def __getitem__(self, name: str) -> Impl:
        if name in self._overrides:
            return self._overrides[name]
        return self._defs[name].impl

    def __setitem__(self, name: str, impl: Impl) -> None:
        self._overrides[name] = impl

    def __delitem__(self, name: str) -> None:
        del self._overrides[name]

    def __iter__(self) -> Iterator[str]:
        return iter({**self._defs, **self._overrides})

    def __len__(self) -> int:
        return len({**self._defs, **self._overrides})

    def definition(self, name: str) -> FunctionDef | None:
        return self._defs.get(name)
