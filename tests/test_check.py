"""Static checks against the conformance startup-error cases (exact OpenSIPS messages)."""

from __future__ import annotations

from pathlib import Path

import pytest
from osipsc.compiler.frontend import load_script, parse_text

CASES = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "cases"


@pytest.mark.parametrize("case", ["expr-literal-left-error", "routes-undefined-error",
                                  "stats-fixup-error", "tr-unknown-error"])
def test_conformance_startup_errors(case: str) -> None:
    if not (CASES / case).is_dir():
        pytest.skip("conformance cases not present")
    expected = (CASES / case / "expected.out").read_text().splitlines()[1]
    _, diags = load_script(CASES / case / "script.cfg")
    first = [d for d in diags if d.is_error][0]
    assert first.opensips == expected


def test_route_types_followed_through_calls() -> None:
    text = ('loadmodule "sl.so"\nonreply_route { route(r); }\n'
            'route[r] { sl_send_reply(200, "OK"); }\n')
    _, diags = parse_text("t.cfg", text)
    # OpenSIPS checks a function against the block it is written in (route[r] is a
    # request route) and starts: reaching it from onreply_route is only a warning
    assert [(d.line, d.column, d.severity.value) for d in diags] == [(3, 12, "warning")]
    assert diags[0].message.startswith("sl_send_reply() cannot be used in onreply_route")


def test_routes_only_without_loadmodule_is_fine() -> None:
    _, diags = parse_text("t.cfg", 'route { if (is_method("INVITE")) t_relay(); }\n')
    assert diags == []
