"""Front-end entry points used by every other room: cfg text/file → (Script, diagnostics).

Pipeline: includes + lexer → parser → static checks. Nothing here raises for a user's
mistake; I/O problems on the main file become a diagnostic too (the CLI maps them to exit
status 2 before calling us).
"""

from __future__ import annotations

from pathlib import Path

from .diagnostics import Diagnostic, error
from .includes import Includer
from .lexer import Token
from .parser import parse_tokens
from .source import SourceFile
from .syntax import Script


def _run(source: SourceFile, root: Path | None, check: bool) -> tuple[Script | None, list[Diagnostic]]:
    inc = Includer(root)
    toks = inc.lex(source)
    end = len(source.text)
    toks.append(Token("EOF", None, end, end, source))
    script, diags = parse_tokens(toks, source)
    diags = inc.diags + diags
    script.files = inc.files
    if check:
        from .check import check_script

        diags.extend(check_script(script))
    diags.sort(key=Diagnostic.sort_key)
    if not script.items and any(d.is_error for d in diags):
        return None, diags
    return script, diags


def parse_text(name: str, text: str, check: bool = True) -> tuple[Script | None, list[Diagnostic]]:
    """Parse cfg ``text`` (one byte per char; str outside latin-1 is UTF-8 encoded first)."""
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "surrogateescape").decode("latin-1")
    return _run(SourceFile(name=name, text=text), None, check)


def load_script(path: Path, root: Path | None = None,
                check: bool = True) -> tuple[Script | None, list[Diagnostic]]:
    """Read and parse a cfg file; names in diagnostics are relative to ``root`` if given."""
    path = Path(path)
    name = str(path)
    if root is not None:
        try:
            name = str(path.resolve().relative_to(Path(root).resolve()))
        except ValueError:
            name = str(path)
    try:
        source = SourceFile.read(path, name)
    except OSError as exc:
        return None, [error(f"cannot read {path}: {exc.strerror or exc}", None)]
    return _run(source, Path(root) if root is not None else None, check)
