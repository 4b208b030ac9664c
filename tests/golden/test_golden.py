"""Golden files: each ``cases/<name>.cfg`` compiles to exactly ``cases/<name>.py``.

They pin the generated-module contract (shape, names, literals, line map) byte for byte.
Regenerate deliberately with ``OSIPSC_REGEN_GOLDEN=1 pytest tests/golden`` and review the diff.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest
from osipsc.compiler import syntax as ast
from osipsc.compiler.frontend import parse_text
from osipsc.compiler.lower import lower
from osipsc.compiler.render import render_text

CASES = Path(__file__).parent / "cases"
REGEN = os.environ.get("OSIPSC_REGEN_GOLDEN") == "1"
TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "statements.py.j2"


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


def _walk(node: object, seen: dict[str, set[str]]) -> None:
    """Collect node classes, operators and comparison operators below ``node``."""
    if isinstance(node, (list, tuple)):
        for item in node:
            _walk(item, seen)
        return
    if not dataclasses.is_dataclass(node) or isinstance(node, type):
        return
    seen["nodes"].add(type(node).__name__)
    if isinstance(node, ast.BinOp):
        seen["ops"].add(node.op)
    elif isinstance(node, ast.Assign):
        seen["ops"].add(node.op)
    elif isinstance(node, ast.Compare):
        seen["compare"].add(node.op.value)
    for f in dataclasses.fields(node):
        if f.name != "span":
            _walk(getattr(node, f.name), seen)


def _statement_kinds(stmts: list | None, kinds: set[str]) -> None:
    for s in stmts or []:
        kinds.add(s.kind)
        _statement_kinds(s.body, kinds)
        _statement_kinds(s.orelse, kinds)
        for case in s.cases:
            _statement_kinds(case, kinds)


def test_golden_cases_cover_every_statement_and_expression_kind() -> None:
    seen: dict[str, set[str]] = {"nodes": set(), "ops": set(), "compare": set(),
                                 "routes": set(), "templates": set()}
    for name in _cfgs():
        script, _ = parse_text(f"{name}.cfg", (CASES / f"{name}.cfg").read_text("latin-1"))
        assert script is not None
        for route in script.routes:
            seen["routes"].add(route.kind.value)
            _walk(route.body, seen)
        for route in lower(script, f"{name}.cfg", "x").routes:
            _statement_kinds(route.body, seen["templates"])
    top_level = {"Script", "RouteBlock", "GlobalParam", "LoadModule", "ModParam", "Span",
                 "Case"}
    nodes = {n for n, c in vars(ast).items() if dataclasses.is_dataclass(c)} - top_level
    assert nodes - seen["nodes"] == set()
    assert {"+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>"} <= seen["ops"]
    assert {"=", ":=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^="} <= seen["ops"]
    assert {op.value for op in ast.CompareOp} <= seen["compare"]
    assert {kind.value for kind in ast.RouteKind} <= seen["routes"]
    macros = set(re.findall(r's\.kind == "(\w+)"', TEMPLATE.read_text()))
    assert macros and macros <= seen["templates"]
