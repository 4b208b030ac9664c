"""Golden files: each ``cases/<name>.cfg`` compiles to exactly ``cases/<name>.py``.

They pin the generated-module contract (shape, names, literals, line map) byte for byte.
Regenerate deliberately with ``OSIPSC_REGEN_GOLDEN=1 pytest tests/golden`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from osipsc.compiler.render import render_text

CASES = Path(__file__).parent / "cases"
REGEN = os.environ.get("OSIPSC_REGEN_GOLDEN") == "1"


def _cfgs() -> list[str]:
    return sorted(p.stem for p in CASES.glob("*.cfg"))


def test_enough_golden_cases() -> None:
    assert len(_cfgs()) >= 30


@pytest.mark.parametrize("name", _cfgs())
def test_golden(name: str) -> None:
    cfg = CASES / f"{name}.cfg"
    text = render_text(f"{name}.cfg", cfg.read_bytes().decode("latin-1"))
    golden = CASES / f"{name}.py"
    if REGEN:
        golden.write_text(text, encoding="utf-8", newline="\n")
    assert golden.is_file(), f"missing golden file {golden.name}: run with OSIPSC_REGEN_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8")
    compile(text, golden.name, "exec")
