"""An opt-in import hook: ``import opensips_cfg`` (or ``import opensips``) finds ``opensips.cfg``.

Nothing is installed on import of this module; a test suite or conftest calls ``install()``
explicitly (and ``uninstall()`` to undo it). The hook is one ``MetaPathFinder`` placed on
``sys.meta_path``; no global loader is patched. It looks for a cfg file in the directories
the import system would search: ``sys.path`` for a top-level name, the parent package's
``__path__`` for a submodule (so ``from . import proxy_cfg`` works inside a package).

Names, as ``osipsc compile`` writes them (``pipeline.module_name``):
- ``x_cfg`` is the module of ``x.cfg`` (also ``my-proxy.cfg`` → ``my_proxy_cfg``);
- a plain ``x`` is the module of ``x.cfg`` only when no module or package ``x`` exists
  anywhere on the search path, so the hook never shadows real code (``opensips.cfg`` next
  to a test must not hide the ``opensips`` PyPI package).

Compiling goes through ``pipeline.compile_file`` and the format cache, so importing an
unchanged config again does not run (or import) black. A config with errors raises
``ImportError`` whose message is the ``file:line:col`` diagnostics.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import linecache
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from .pipeline import compile_file, make_cache, module_name

_SUFFIX = "_cfg"


def _directories(path: Sequence[str] | None) -> list[Path]:
    entries = sys.path if path is None else path
    return [Path(entry or os.getcwd()) for entry in entries if isinstance(entry, str)]


def find_cfg(name: str, directories: Sequence[Path]) -> Path | None:
    """The cfg file that the module ``name`` (last dotted component) stands for."""
    for folder in directories:
        if name.endswith(_SUFFIX):
            direct = folder / f"{name[: -len(_SUFFIX)]}.cfg"
            if direct.is_file():
                return direct
            try:
                candidates = sorted(folder.glob("*.cfg"))
            except OSError:
                continue
            for cfg in candidates:
                if module_name(cfg) == name and cfg.is_file():
                    return cfg
        else:
            cfg = folder / f"{name}.cfg"
            if cfg.is_file() and not (folder / f"{name}.py").exists() \
                    and not (folder / name).is_dir():
                return cfg
    return None


class CfgLoader(importlib.abc.Loader):
    """Compiles one cfg file into its module (with its includes)."""

    def __init__(self, cfg: Path, use_cache: bool = True) -> None:
        self.cfg = cfg
        self.use_cache = use_cache
        self._text: str | None = None

    @property
    def filename(self) -> str:
        """The name tracebacks show: the generated module next to its cfg."""
        return str(self.cfg.with_name(module_name(self.cfg) + ".py"))

    def source(self) -> str:
        if self._text is None:
            result = compile_file(self.cfg, self.cfg.parent, make_cache(self.use_cache))
            if not result.ok or result.text is None:
                errors = [d.render() for d in result.diagnostics if d.is_error]
                raise ImportError("cannot compile " + str(self.cfg) + ":\n" + "\n".join(errors),
                                  path=str(self.cfg))
            self._text = result.text
        return self._text

    def get_source(self, fullname: str) -> str:
        return self.source()

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None  # the default module object

    def exec_module(self, module: ModuleType) -> None:
        text = self.source()
        module.__file__ = self.filename
        linecache.cache[self.filename] = (len(text), None, text.splitlines(True),
                                          self.filename)
        exec(compile(text, self.filename, "exec"), module.__dict__)  # noqa: S102


class CfgFinder(importlib.abc.MetaPathFinder):
    """Finds cfg files for module names (see the module docstring)."""

    def __init__(self, use_cache: bool = True) -> None:
        self.use_cache = use_cache

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        name = fullname.rpartition(".")[2]
        cfg = find_cfg(name, _directories(path))
        if cfg is None:
            return None
        if not name.endswith(_SUFFIX) and importlib.machinery.PathFinder.find_spec(
                fullname, path) is not None:
            return None  # real code of that name anywhere on the path wins over a cfg
        loader = CfgLoader(cfg, self.use_cache)
        spec = importlib.machinery.ModuleSpec(fullname, loader, origin=str(cfg))
        spec.has_location = False
        return spec

    def invalidate_caches(self) -> None:
        pass


def install(use_cache: bool = True) -> CfgFinder:
    """Put the finder first on ``sys.meta_path`` (once) and return it."""
    for finder in sys.meta_path:
        if isinstance(finder, CfgFinder):
            return finder
    finder = CfgFinder(use_cache)
    sys.meta_path.insert(0, finder)
    return finder


def uninstall() -> None:
    """Remove every ``CfgFinder`` from ``sys.meta_path``."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, CfgFinder)]
