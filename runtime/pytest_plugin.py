"""pytest plugin (entry point ``pytest11``): fixtures for testing OpenSIPS scripts.

Kept import-light: loading it costs nothing for test suites that do not use its fixtures
(the runtime and the compiler are imported when a fixture is first used).

Fixtures:

* ``opensips`` — a factory: ``engine = opensips("opensips.cfg")`` compiles the cfg (cached)
  and returns a fresh ``ScriptEngine`` (relative paths are resolved against the test file's
  folder first); mocks are undone and engines closed at the end of the test.
* ``sip`` — a ``SipBuilder``: ``sip.request("INVITE", "sip:alice@example.com")``,
  ``sip.register(...)``, ``sip.in_dialog(...)``, ``sip.reply(request, 180)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def opensips(request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """Factory compiling and starting an OpenSIPS cfg: ``opensips(path, trace=False)``."""
    from osipsc.runtime.testing.loader import CfgError, load_engine

    engines: list[Any] = []
    here = Path(str(request.path)).parent if hasattr(request, "path") else Path.cwd()

    def factory(cfg: str | Path, **kwargs: Any) -> Any:
        path = Path(cfg)
        if not path.is_absolute() and not path.exists() and (here / path).exists():
            path = here / path
        try:
            engine = load_engine(path, **kwargs)
        except CfgError as exc:
            pytest.fail(f"osipsc: {path} does not compile:\n{exc}", pytrace=False)
        engines.append(engine)
        return engine

    yield factory
    for engine in engines:
        engine.restore_mocks()
        engine.close()


@pytest.fixture
def sip() -> Any:
    """A ``SipBuilder`` sending from 127.0.0.1:5070 with deterministic identifiers."""
    from osipsc.runtime.testing.builders import SipBuilder

    return SipBuilder()


def pytest_assertrepr_compare(op: str, left: Any, right: Any) -> list[str] | None:
    """``assert "text" in outcome.xlog`` failing: show the xlog lines that were printed."""
    if op == "in" and type(right).__name__ == "XlogLines":
        lines = [f"  {line}" for line in right] or ["  (none)"]
        return [f"{left!r} in outcome.xlog", "xlog lines printed:", *lines]
    return None
