"""Conformance: every recorded OpenSIPS 3.6.8 case, compared byte for byte.

Each case folder holds ``script.cfg``, ``NN-*.sip`` messages and the ``expected.out``
transcript recorded from the real server. ``EXPECTED_FAILURES`` is the one list of cases
known not to match yet, each with the reason; a listed case that starts passing fails the
run (strict xfail), so the list never goes stale.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from osipsc.compiler.commands.run import transcript

CASES = Path(__file__).parent / "cases"

EXPECTED_FAILURES: dict[str, str] = {}


def _case_names() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if (p / "script.cfg").is_file())


def _messages(case: Path) -> list[Path]:
    return sorted(p for p in case.iterdir() if p.suffix == ".sip" and p.name[:2].isdigit()
                  and p.name[2:3] == "-")


@pytest.mark.parametrize("name", _case_names())
def test_case(name: str, request: pytest.FixtureRequest) -> None:
    if name in EXPECTED_FAILURES:
        request.applymarker(pytest.mark.xfail(reason=EXPECTED_FAILURES[name], strict=True))
    case = CASES / name
    got = transcript(case / "script.cfg", _messages(case))
    expected = (case / "expected.out").read_text(encoding="utf-8")
    assert got == expected


def test_expected_failures_name_real_cases() -> None:
    assert set(EXPECTED_FAILURES) <= set(_case_names())
