"""One cfg file in, one module text out: front end → lowering → templates → black.

Shared by ``osipsc compile``, ``osipsc diff``, ``osipsc run`` and the import hook, so that
every entry point produces byte-identical modules for the same input.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import Diagnostic
from .emit import CachedWarning, FormatCache, default_cache_dir

_NOT_IDENT = re.compile(r"[^0-9A-Za-z_]")


@dataclass
class CompileResult:
    """The outcome for one top-level cfg file."""

    path: Path
    root: Path
    text: str | None
    diagnostics: list[Diagnostic | CachedWarning] = field(default_factory=list)
    included: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.text is not None and not any(d.is_error for d in self.diagnostics)

    @property
    def source_name(self) -> str:
        """The cfg path relative to the compile root, with ``/`` separators."""
        try:
            return self.path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return self.path.name


def module_name(cfg: Path) -> str:
    """The Python module name of a cfg file: ``opensips.cfg`` → ``opensips_cfg``.

    The ``_cfg`` suffix keeps generated modules from shadowing real packages
    (``opensips.cfg`` must not become ``opensips.py``, the OpenSIPS PyPI client).
    """
    stem = cfg.name[:-4] if cfg.name.endswith(".cfg") else cfg.stem
    name = _NOT_IDENT.sub("_", stem) + "_cfg"
    if name[0].isdigit() or keyword.iskeyword(name):
        name = "cfg_" + name
    return name


def output_path(cfg: Path, root: Path, outdir: Path | None) -> Path:
    """Where the module of ``cfg`` goes: next to it, or mirrored below ``outdir``."""
    name = module_name(cfg) + ".py"
    if outdir is None:
        return cfg.parent / name
    try:
        relative = cfg.resolve().parent.relative_to(root.resolve())
    except ValueError:
        relative = Path()
    return outdir / relative / name


def make_cache(enabled: bool = True) -> FormatCache | None:
    return FormatCache(default_cache_dir()) if enabled else None


def compile_file(path: Path, root: Path | None = None, cache: FormatCache | None = None
                 ) -> CompileResult:
    """Compile one cfg file (with its includes) into module text.

    Never raises for a user mistake: unreadable files and script errors come back as
    diagnostics with ``text`` None.
    """
    root = root if root is not None else path.parent
    result = CompileResult(path=path, root=root, text=None)
    key = None
    if cache is not None:
        try:
            key = cache.module_key(path, root, result.source_name, path.read_bytes())
        except OSError:
            key = None  # the front end reports the unreadable file
        hit = cache.get_module(key) if key is not None else None
        if hit is not None:
            result.text, result.included, warnings = hit
            result.diagnostics = list(warnings)
            return result
    from .frontend import load_script

    script, diagnostics = load_script(path, root=root)
    result.diagnostics = diagnostics
    if script is not None:
        result.included = [Path(f.path) for f in script.files if f.path is not None
                           and Path(f.path).resolve() != path.resolve()]
    if script is None or any(d.is_error for d in diagnostics):
        return result
    from .diagnostics import error
    from .lower import LowerError
    from .render import render_script

    try:
        result.text = render_script(script, result.source_name, cache=cache)
    except LowerError as exc:
        src = exc.span.source if exc.span is not None else script.main
        start = exc.span.start if exc.span is not None else 0
        result.diagnostics.append(error(str(exc), src, start, opensips=str(exc)))
    if cache is not None and key is not None and result.text is not None \
            and not any(d.is_error for d in result.diagnostics):
        cache.put_module(key, result.text, result.included, result.diagnostics)
    return result
