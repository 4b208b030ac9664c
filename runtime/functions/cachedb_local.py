"""The cachedb script functions over cachedb_local (core ``cache_*`` + module chunk removal).

``cache_store``/``cache_fetch``/... are OpenSIPS *core* functions that reach the cachedb
backend named by their first argument; osipsc's only backend is cachedb_local
(``get_state(engine, "cachedb_local")``). Return codes: 1 success, -2 key not found,
-1 error (unknown system, ...).
"""

from __future__ import annotations

from typing import Any

from ..state_factories import get_state
from .registry import export


def cache_of(ctx: Any) -> Any:
    return get_state(ctx.engine, "cachedb_local")


@export("cache_store", module="core")
def cache_store(ctx: Any, system: str, attr: str, value: str, expire: int | None = None) -> int:
    return cache_of(ctx).store(system, attr, value, expire or 0)


@export("cache_fetch", module="core")
def cache_fetch(ctx: Any, system: str, attr: str, result: Any) -> int:
    rc, value = cache_of(ctx).get(system, attr)
    if rc != 1:
        return rc
    result.set(ctx, str(value))
    return 1


@export("cache_counter_fetch", module="core")
def cache_counter_fetch(ctx: Any, system: str, attr: str, result: Any) -> int:
    rc, value = cache_of(ctx).get(system, attr)
    if rc != 1:
        return rc
    try:
        number = int(value)  # type: ignore[arg-type]
    except ValueError:
        return -1
    result.set(ctx, number)
    return 1


@export("cache_remove", module="core")
def cache_remove(ctx: Any, system: str, attr: str) -> int:
    return cache_of(ctx).remove(system, attr)


def _counter(ctx: Any, system: str, attr: str, delta: int, expire: int,
             result: Any) -> int:
    rc, new = cache_of(ctx).add(system, attr, delta, expire)
    if rc != 1:
        return rc
    if result is not None:
        result.set(ctx, new)
    return 1


@export("cache_add", module="core")
def cache_add(ctx: Any, system: str, attr: str, inc: int, expire: int,
              result: Any = None) -> int:
    return _counter(ctx, system, attr, inc, expire, result)


@export("cache_sub", module="core")
def cache_sub(ctx: Any, system: str, attr: str, dec: int, expire: int,
              result: Any = None) -> int:
    return _counter(ctx, system, attr, -dec, expire, result)


@export("cache_remove_chunk", module="cachedb_local")
def cache_remove_chunk(ctx: Any, collection: str | None, glob: str) -> int:
    """Remove the keys matching ``glob`` from ``collection`` (default collection if omitted)."""
    return cache_of(ctx).remove_keys(collection or "default", glob)
