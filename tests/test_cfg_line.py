"""$cfg_line / $cfg_file come from the line map at run time, not from the module text:
moving a statement changes what it prints, and only the line map of the module."""

from osipsc.compiler.diff import diff_modules
from osipsc.compiler.render import render_text
from osipsc.runtime.engine import Engine
from osipsc.runtime.script import module_from_text

CFG = 'startup_route {\n    xlog("at $cfg_file:$cfg_line\\n");\n}\n'


def _startup_lines(text: str) -> list[str]:
    engine = Engine(module_from_text(text, "cfg_line_test.py"))
    return [line for _, line in engine.startup_outcome.xlog]


def test_a_moved_statement_prints_its_new_line_and_only_the_line_map_changes() -> None:
    before = render_text("lines.cfg", CFG)
    after = render_text("lines.cfg", "# one more line on top\n" + CFG)
    assert _startup_lines(before) == ["at lines.cfg:2\n"]
    assert _startup_lines(after) == ["at lines.cfg:3\n"]
    assert before.partition("script.set_line_map(")[0] == after.partition("script.set_line_map(")[0]
    assert diff_modules(before, after).equal
