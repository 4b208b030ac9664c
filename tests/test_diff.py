"""``osipsc diff OLD NEW`` and ``compiler/diff.py``: route-by-route comparison."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from osipsc.compiler.cli import main
from osipsc.compiler.diff import MODULE_ENTRY, diff_modules, split_definitions
from osipsc.compiler.render import render_text

HEAD = 'loadmodule "sl.so"\nsocket = udp:127.0.0.1:5060\n'
BASE = (HEAD + 'route {\n    route(relay);\n    exit;\n}\n'
        'route[relay] {\n    sl_send_reply(200, "OK");\n}\n'
        'route[other] {\n    xlog("other\\n");\n}\n')


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSIPSC_CACHE_DIR", str(tmp_path / "cache"))


def test_split_definitions_leaves_the_line_map_out() -> None:
    parts = split_definitions(render_text("t.cfg", BASE))
    assert set(parts) == {"route", "route_relay", "route_other", MODULE_ENTRY}
    assert "set_line_map" not in "".join(parts.values())
    assert parts["route_relay"].startswith("# route[relay] {\n@script.route(")


def test_changed_added_removed_routes() -> None:
    old = render_text("t.cfg", BASE)
    new_cfg = (BASE.replace('200, "OK"', '404, "Not Here"')
               .replace('route[other] {\n    xlog("other\\n");\n}\n',
                        'route[fresh] {\n    drop;\n}\n'))
    result = diff_modules(old, render_text("t.cfg", new_cfg), "a", "b")
    assert result.added == ["route_fresh"]
    assert result.removed == ["route_other"]
    # the module entry changes too: xlog, used only by route[other], leaves the imports
    assert list(result.changed) == ["route_relay", MODULE_ENTRY]
    assert result.changed[MODULE_ENTRY].count("\n-") == 1
    assert "-    xlog,\n" in result.changed[MODULE_ENTRY]
    patch = result.changed["route_relay"]
    assert patch.startswith("--- a:route_relay\n+++ b:route_relay\n")
    assert '-    r = ctx.rc = f_sl_send_reply(ctx, 200, "OK")' in patch
    assert '+    r = ctx.rc = f_sl_send_reply(ctx, 404, "Not Here")' in patch
    text = result.render()
    assert text.splitlines()[:3] == ["route added: route_fresh", "route removed: route_other",
                                     "route changed: route_relay"]


def test_module_level_changes_are_one_entry() -> None:
    old = render_text("t.cfg", BASE)
    new = render_text("t.cfg", BASE.replace("socket = udp:127.0.0.1:5060",
                                            "socket = udp:127.0.0.1:5070"))
    result = diff_modules(old, new)
    assert list(result.changed) == [MODULE_ENTRY]


def test_moved_lines_are_equal() -> None:
    old = render_text("t.cfg", BASE)
    new = render_text("t.cfg", "# moved\n\n" + BASE)
    assert old != new  # the line map moved
    assert diff_modules(old, new).equal
    assert diff_modules(old, new).render() == ""


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="latin-1")
    return path


def test_cli_exit_codes_and_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = _write(tmp_path / "old", "p.cfg", BASE)
    b = _write(tmp_path / "moved", "p.cfg", "\n" + BASE)
    c = _write(tmp_path / "new", "p.cfg", BASE.replace("exit;", "drop;"))
    assert main(["diff", str(a), str(b)]) == 0
    assert capsys.readouterr().out == ""
    assert main(["diff", str(a), str(c)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("route changed: route\n")
    assert "-    # exit\n-    script_exit(ctx)\n+    # drop\n+    script_exit(ctx, True)\n" in out
    # a generated module on one side, a cfg on the other
    assert main(["compile", str(a)]) == 0
    assert main(["diff", str(tmp_path / "old" / "p_cfg.py"), str(b), "--no-cache"]) == 0


def test_cli_errors_exit_2_without_traceback(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.cfg", BASE)
    bad = _write(tmp_path, "bad.cfg", HEAD + "route {\n")
    notpy = _write(tmp_path, "x.py", "def (:\n")
    for other in (tmp_path / "missing.cfg", bad, notpy):
        proc = subprocess.run([sys.executable, "-m", "osipsc.compiler", "diff", str(a),
                               str(other)], capture_output=True, text=True)
        assert proc.returncode == 2, (other, proc.stderr)
        assert "Traceback" not in proc.stderr
        assert proc.stderr.strip()
