"""Build the MI command table of one engine: core commands, then loaded modules' commands."""

from __future__ import annotations

import sys
from typing import Any

from ..state_factories import loaded_modules, now
from .core import register_core
from .modules import MODULE_COMMANDS
from .registry import MIRegistry


def build_registry(engine: Any = None) -> MIRegistry:
    """The ``"mi"`` state factory: a registry with every command OpenSIPS would export."""
    registry = MIRegistry(engine)
    registry.startup_time = now(registry.engine)
    registry.argv = list(getattr(engine, "argv", None) or sys.argv)
    block_until = getattr(engine, "block_until", None)
    if callable(block_until):
        registry.pump = block_until
    register_core(registry)
    mods = loaded_modules(registry.engine)
    for module, register in MODULE_COMMANDS.items():
        if mods is None or module in mods:
            register(registry)
    return registry
