"""Per-engine state owned by the MI / statistics / cachedb room, and how to reach it.

OpenSIPS keeps one MI command table, one statistics collector and one local cache per
server; osipsc keeps one per ``Engine``. The engine's ``state(name)`` is the intended home
(``ctx.engine.state("statistics")``); until (or unless) it knows these names,
``get_state`` builds them with ``STATE_FACTORIES`` and caches them on the engine object.

Factories take the engine and read, when present (all optional):

* ``engine.modparams`` (or ``engine.script.modparams``) — iterable of ``(module, param, value)`` in cfg order;
* ``engine.modules`` (or ``engine.script.modules``) — iterable of loaded module names (``"sl"`` or ``"sl.so"``);
* ``engine.time()`` — the virtual clock in seconds (falls back to ``time.time()``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any


def _mi(engine: Any) -> Any:
    from .mi.setup import build_registry

    return build_registry(engine)


def _statistics(engine: Any) -> Any:
    from .stats import StatsRegistry

    return StatsRegistry.from_engine(engine)


def _cachedb(engine: Any) -> Any:
    from .cachedb import CacheDB

    return CacheDB.from_engine(engine)


def _shv(engine: Any) -> dict[str, Any]:
    return {}


#: name -> factory(engine). The spine registers these names in ``Engine.state``.
STATE_FACTORIES: dict[str, Callable[[Any], Any]] = {
    "mi": _mi,
    "statistics": _statistics,
    "cachedb_local": _cachedb,
    "shv": _shv,
}

_ATTR = "_osipsc_room_state"


def get_state(engine: Any, name: str) -> Any:
    """The engine's state object ``name``: ``engine.state(name)`` if it knows it, else ours."""
    state_fn = getattr(engine, "state", None)
    if callable(state_fn) and not isinstance(engine, Standalone):
        try:
            found = state_fn(name)
        except (KeyError, LookupError, NotImplementedError):
            found = None
        if found is not None:
            return found
    store: dict[str, Any] = engine.__dict__.setdefault(_ATTR, {})
    if name not in store:
        store[name] = STATE_FACTORIES[name](engine)
    return store[name]


def _engine_attr(engine: Any, name: str) -> Any:
    """``engine.<name>``, else ``engine.script.<name>`` (the compiled ``Script``), else None."""
    value = getattr(engine, name, None)
    if value is None:
        value = getattr(getattr(engine, "script", None), name, None)
    return value


def modparams(engine: Any, module: str, param: str) -> list[Any]:
    """Values of ``modparam(module, param, ...)`` in cfg order (empty without an engine)."""
    found = []
    for entry in _engine_attr(engine, "modparams") or ():
        mod, name, value = entry[0], entry[1], entry[2]
        if mod == module and name.lower() == param.lower():
            found.append(value)
    return found


def loaded_modules(engine: Any) -> set[str] | None:
    """Names of loaded modules without ``.so``; ``None`` when unknown (assume all)."""
    mods: Iterable[str] | None = _engine_attr(engine, "modules")
    if mods is None:
        return None
    out = set()
    for m in mods:
        m = str(getattr(m, "name", m)).rsplit("/", 1)[-1]
        out.add(m[:-3] if m.endswith(".so") else m)
    return out


def now(engine: Any) -> float:
    """The engine's virtual clock if it has one, else wall time."""
    fn = getattr(engine, "time", None)
    return float(fn()) if callable(fn) else time.time()


class Standalone:
    """A minimal engine stand-in so a registry, cache or transport works without a script."""

    def __init__(self, modparams: Iterable[tuple[str, str, Any]] = (),
                 modules: Iterable[str] | None = None) -> None:
        self.modparams = list(modparams)
        self.modules = None if modules is None else list(modules)

    def state(self, name: str) -> Any:
        return get_state(self, name)
