"""The table of pseudo-variable classes: name → getter / setter.

Rooms register the variables they own (message variables in ``runtime/pvars_sip.py``,
module variables next to their module's functions). The compiled ``PV`` objects of
``runtime/pv.py`` resolve a class here once, at import time of the generated module.

Getter: ``get(ctx, sub, index) -> value`` where ``sub`` is the resolved inner name (``str``)
or ``None``, ``index`` is ``None``, an ``int`` or ``"*"``; the value follows the value model of
``runtime/values.py`` (``None`` / ``int`` / ``str`` / ``StrInt``).
Setter: ``set(ctx, sub, index, value) -> int`` returning 1 on success, -1 on failure
(``value`` may be ``None`` for ``= NULL``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Getter = Callable[[Any, Any, Any], Any]
Setter = Callable[[Any, Any, Any, Any], int]


@dataclass(slots=True)
class PVDef:
    """One pseudo-variable class (``$ru``, ``$hdr(..)``, ...)."""

    name: str
    getter: Getter
    setter: Setter | None = None
    takes_sub: bool = False
    takes_index: bool = False
    module: str = "core"


PV_TABLE: dict[str, PVDef] = {}


def pvar(*names: str, takes_sub: bool = False, takes_index: bool = False,
         module: str = "core") -> Callable[[Getter], Getter]:
    """Register a getter for one or more names (aliases: ``pvar("ru", "ruri")``)."""

    def register(getter: Getter) -> Getter:
        for name in names:
            PV_TABLE[name] = PVDef(name, getter, None, takes_sub, takes_index, module)
        return getter

    return register


def setter(*names: str) -> Callable[[Setter], Setter]:
    """Register the setter of already registered names."""

    def register(fn: Setter) -> Setter:
        for name in names:
            PV_TABLE[name].setter = fn
        return fn

    return register
