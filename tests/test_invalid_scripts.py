"""Hand-written invalid scripts: each tests/invalid/NAME.cfg has NAME.expected listing every
diagnostic as ``line:col: severity: message`` (plus `` | opensips: ...`` when OpenSIPS's own
startup message is known), so message, position and OpenSIPS text are all pinned."""

from __future__ import annotations

from pathlib import Path

import pytest
from osipsc.compiler.frontend import load_script

ROOT = Path(__file__).parent / "invalid"
CASES = sorted(p.stem for p in ROOT.glob("*.cfg"))


def render(path: Path) -> list[str]:
    _, diags = load_script(path, root=ROOT)
    out = []
    for d in diags:
        line = f"{d.line}:{d.column}: {d.severity.value}: {d.message}"
        if d.opensips:
            line += f" | opensips: {d.opensips}"
        out.append(line)
    return out


def test_enough_cases() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("name", CASES)
def test_invalid(name: str) -> None:
    expected = (ROOT / f"{name}.expected").read_text().splitlines()
    assert render(ROOT / f"{name}.cfg") == expected


if __name__ == "__main__":  # regenerate after a deliberate change, then review the diff
    for n in CASES:
        (ROOT / f"{n}.expected").write_text("\n".join(render(ROOT / f"{n}.cfg")) + "\n")
