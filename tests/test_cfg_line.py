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


def test_a_traceback_through_a_route_shows_the_cfg_line_text(tmp_path) -> None:  # noqa: ANN001
    import traceback

    import pytest

    cfg = tmp_path / "shown.cfg"
    cfg.write_text('loadmodule "sl.so"\nroute {\n    xlog("x\\n");\n    my_func("arg");\n}\n')
    engine = Engine.from_cfg(cfg)

    def boom(ctx, *args):  # noqa: ANN001, ANN002, ANN202
        raise ValueError("boom")

    engine.functions["my_func"] = boom
    request = (b"OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n"
               b"From: <sip:b@127.0.0.1>;tag=1\r\nTo: <sip:a@127.0.0.1>\r\nCall-ID: c1\r\n"
               b"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
    with pytest.raises(ValueError) as info:
        engine.receive(request, ("127.0.0.1", 5070))
    text = "".join(traceback.format_exception(info.value))
    assert 'File "shown.cfg", line 4, in route (cfg)\n    my_func("arg");' in text
