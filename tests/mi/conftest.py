"""A minimal engine / context / PV stand-in for exercising mi(), statistics and cachedb."""

from __future__ import annotations

from typing import Any

import pytest
from osipsc.runtime.avp import AvpStore


class FakeEngine:
    """Only what the MI room reads: modparams, loaded modules, a virtual clock."""

    def __init__(self, modparams: list[tuple[str, str, Any]] | None = None,
                 modules: list[str] | None = None) -> None:
        self.modparams = modparams or []
        self.modules = modules if modules is not None else [
            "proto_udp", "sl", "mi_script", "cachedb_local", "statistics", "tm"]
        self.clock = 1_000_000.0

    def time(self) -> float:
        return self.clock


class FakeCtx:
    def __init__(self, engine: FakeEngine) -> None:
        self.engine = engine
        self.avps = AvpStore()


class Var:
    """A ``$var(x)``-like PV: ``set`` stores, ``get`` reads."""

    def __init__(self, value: Any = None) -> None:
        self.value = value

    def get(self, ctx: Any) -> Any:
        return self.value

    def set(self, ctx: Any, value: Any) -> int:
        self.value = value
        return 1


class Avp:
    """An ``$avp(name)``-like PV: ``set`` pushes (``=``), exposes ``avp_name``."""

    def __init__(self, name: str) -> None:
        self.avp_name = name

    def get(self, ctx: Any) -> Any:
        return ctx.avps.get(self.avp_name)

    def set(self, ctx: Any, value: Any) -> int:
        if value is None:
            ctx.avps.delete(self.avp_name)
        else:
            ctx.avps.add(self.avp_name, value)
        return 1


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def ctx(engine: FakeEngine) -> FakeCtx:
    return FakeCtx(engine)
