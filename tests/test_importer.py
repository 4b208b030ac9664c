"""Importing generated modules: with only the runtime, and through the opt-in import hook."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from osipsc.compiler import importer
from osipsc.compiler.cli import main

CFG = ('loadmodule "sl.so"\nsocket = udp:127.0.0.1:5060\n'
       'startup_route {\n    $var(x) = "hook";\n    xlog("from $var(x)\\n");\n}\n'
       'route {\n    sl_send_reply(200, "OK");\n    exit;\n}\n')


@pytest.fixture
def hook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[importer.CfgFinder]:
    monkeypatch.setenv("OSIPSC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    finder = importer.install()
    try:
        yield finder
    finally:
        importer.uninstall()
        for name in set(sys.modules) - before:
            if name.endswith("_cfg") or name.startswith(("hookpkg", "plainproxy")):
                del sys.modules[name]


def test_generated_module_imports_with_only_the_runtime(tmp_path: Path) -> None:
    cfg = tmp_path / "edge.cfg"
    cfg.write_text(CFG)
    assert main(["compile", str(cfg), "--no-cache"]) == 0
    probe = textwrap.dedent(f"""
        import sys

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name == "black" or name.startswith(("osipsc.compiler", "jinja2", "libcst")):
                    raise ImportError("blocked: " + name)

        sys.meta_path.insert(0, Block())
        sys.modules["osipsc.compiler"] = None  # poisoned: any import of it fails
        sys.path.insert(0, {str(tmp_path)!r})
        import edge_cfg
        from osipsc.runtime.engine import Engine

        engine = Engine(edge_cfg)  # runs startup_route
        print(engine.startup_outcome.xlog_text)
        print(sorted(k for k, _ in edge_cfg.script.routes))
        print([m for m, v in sys.modules.items()
               if v is not None and m.startswith(("osipsc.compiler", "black", "jinja2"))])
    """)
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "['from hook\\n']"
    assert lines[1] == "['route', 'startup_route']"
    assert lines[-1] == "[]"


def test_hook_imports_x_cfg_and_runs_it(tmp_path: Path, hook: importer.CfgFinder) -> None:
    (tmp_path / "edge.cfg").write_text(CFG)
    module = importlib.import_module("edge_cfg")
    assert module.script.source == "edge.cfg"
    assert module.__file__ == str(tmp_path / "edge_cfg.py")
    assert not (tmp_path / "edge_cfg.py").exists()  # nothing written next to the cfg
    assert ("route", None) in module.script.routes
    # same bytes as osipsc compile
    assert main(["compile", str(tmp_path / "edge.cfg"), "-o", str(tmp_path / "out")]) == 0
    assert importer.CfgLoader(tmp_path / "edge.cfg").source() == \
        (tmp_path / "out" / "edge_cfg.py").read_text()


def test_hook_plain_name_never_shadows_real_code(tmp_path: Path,
                                                 hook: importer.CfgFinder) -> None:
    (tmp_path / "plainproxy.cfg").write_text(CFG)
    module = importlib.import_module("plainproxy")
    assert module.script.source == "plainproxy.cfg"
    (tmp_path / "json.cfg").write_text(CFG)  # a stdlib name: the real module wins
    del sys.modules["json"]
    import json

    assert hasattr(json, "dumps")
    assert importer.find_cfg("os", [tmp_path]) is None


def test_hook_finds_cfg_inside_a_package_and_odd_names(tmp_path: Path,
                                                       hook: importer.CfgFinder) -> None:
    pkg = tmp_path / "hookpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "my-proxy.v2.cfg").write_text(CFG)
    module = importlib.import_module("hookpkg.my_proxy_v2_cfg")
    assert module.script.source == "my-proxy.v2.cfg"
    assert module.__name__ == "hookpkg.my_proxy_v2_cfg"


def test_hook_reports_cfg_errors_as_import_error(tmp_path: Path,
                                                 hook: importer.CfgFinder) -> None:
    (tmp_path / "broken.cfg").write_text('loadmodule "sl.so"\nroute {\n    exit\n')
    with pytest.raises(ImportError) as info:
        importlib.import_module("broken_cfg")
    assert "broken.cfg:" in str(info.value) and "error:" in str(info.value)


def test_hook_reuses_the_cache_without_black(tmp_path: Path) -> None:
    (tmp_path / "edge.cfg").write_text(CFG)
    probe = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        from osipsc.compiler import importer
        importer.install()
        import edge_cfg
        print('black' in sys.modules)
    """)
    env = dict(os.environ, OSIPSC_CACHE_DIR=str(tmp_path / "cache"))
    first = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           env=env)
    second = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            env=env)
    assert first.stdout.strip() == "True", first.stderr
    assert second.stdout.strip() == "False", second.stderr


def test_install_is_explicit_and_idempotent() -> None:
    assert not any(isinstance(f, importer.CfgFinder) for f in sys.meta_path)
    finder = importer.install()
    try:
        assert importer.install() is finder
        assert sum(isinstance(f, importer.CfgFinder) for f in sys.meta_path) == 1
    finally:
        importer.uninstall()
    assert not any(isinstance(f, importer.CfgFinder) for f in sys.meta_path)
