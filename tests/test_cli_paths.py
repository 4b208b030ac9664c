"""Diagnostics of `osipsc compile` and `osipsc diff` name the cfg as the user can open it,
even though generated modules record paths relative to the compile root."""

import json
from pathlib import Path

import pytest
from osipsc.compiler.cli import main

BAD = 'loadmodule "sl.so"\nroute {\n    $var(x) = ;\n}\n'


@pytest.fixture
def bad_cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "cfgs").mkdir()
    (tmp_path / "cfgs" / "bad.cfg").write_text(BAD)
    monkeypatch.chdir(tmp_path)
    return Path("cfgs/bad.cfg")


def test_compile_text_diagnostic_uses_the_path_as_given(bad_cfg: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compile", str(bad_cfg), "-o", "-", "--no-cache"]) == 1
    assert capsys.readouterr().err.startswith("cfgs/bad.cfg:3:15: error: ")


def test_compile_json_diagnostic_uses_the_path_as_given(bad_cfg: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compile", "cfgs", "--format", "json", "--no-cache", "-j", "1"]) == 1
    record = json.loads(capsys.readouterr().out.splitlines()[0])
    assert (record["path"], record["line"], record["column"]) == ("cfgs/bad.cfg", 3, 15)


def test_diff_reports_the_broken_side_by_its_path(bad_cfg: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(bad_cfg), str(bad_cfg), "--no-cache"]) == 2
    assert capsys.readouterr().err.startswith("cfgs/bad.cfg:3:15: error: ")


def test_warnings_replayed_from_the_cache_keep_the_path_as_given(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "cfgs").mkdir()
    (tmp_path / "cfgs" / "warn.cfg").write_text(
        'loadmodule "sl.so"\nroute {\n    exit;\n    xlog("never\\n");\n}\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OSIPSC_CACHE_DIR", str(tmp_path / "cache"))
    outputs = []
    for _ in range(2):  # cold, then replayed from the whole-module cache entry
        assert main(["compile", "cfgs/warn.cfg", "-o", "out"]) == 0
        outputs.append(capsys.readouterr().err)
    assert outputs[0] == outputs[1]
    assert outputs[0].startswith("cfgs/warn.cfg:4:5: warning: ")
    assert main(["compile", "cfgs/warn.cfg", "-o", "out", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[0])["path"] == "cfgs/warn.cfg"
