"""Compile a cfg for a test and import the module from a real file.

The module is written below the osipsc cache folder (``$OSIPSC_CACHE_DIR`` or the user cache),
named by the hash of its text, and imported from there: a real file is what coverage.py
traces (the osipsc coverage plugin maps its lines back to the cfg) and what tracebacks show.
Compiled modules are kept per process, keyed by the cfg files' sizes and mtimes, so a test
suite compiles each script once.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path
from types import ModuleType
from typing import Any

_MODULES: dict[tuple[Any, ...], ModuleType] = {}
_DEPS: dict[Path, list[Path]] = {}


class CfgError(Exception):
    """The cfg does not compile: the message is the rendered diagnostics (a user mistake,
    shown without a Python traceback by the pytest plugin)."""


def _stamp(paths: list[Path]) -> tuple[Any, ...]:
    out: list[Any] = []
    for p in paths:
        try:
            st = p.stat()
            out.append((str(p), st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((str(p), None, None))
    return tuple(out)


def _modules_dir() -> Path:
    from osipsc.compiler.emit import default_cache_dir

    return default_cache_dir() / "modules"


def load_module(cfg: str | os.PathLike[str]) -> ModuleType:
    """The compiled module of ``cfg`` (compiled once per process while the files stay put)."""
    path = Path(cfg).resolve()
    if not path.is_file():
        raise CfgError(f"cannot read {cfg}")
    key = _stamp([path, *_DEPS.get(path, [])])
    module = _MODULES.get(key)
    if module is not None:
        return module
    from osipsc.compiler.pipeline import compile_file, make_cache, module_name

    result = compile_file(path, cache=make_cache())
    if not result.ok or result.text is None:
        errors = [d.render() for d in result.diagnostics if d.is_error]
        raise CfgError("\n".join(errors) or f"{cfg}: does not compile")
    _DEPS[path] = [p.resolve() for p in result.included]
    text = result.text
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]
    name = module_name(path)
    target = _modules_dir() / digest / f"{name}.py"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    spec = importlib.util.spec_from_file_location(f"osipsc_test_{name}_{digest}", target)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # the line map names cfg files relative to the compile root: remember where that is
    module.script.cfg_root = str(result.root.resolve())
    _MODULES[_stamp([path, *_DEPS[path]])] = module
    return module


def load_engine(cfg: str | os.PathLike[str], **kwargs: Any) -> Any:
    """A fresh ``ScriptEngine`` running ``cfg`` (startup route already run)."""
    from .engine import ScriptEngine

    return ScriptEngine(load_module(cfg), **kwargs)
