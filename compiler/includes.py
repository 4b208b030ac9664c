"""``include_file`` / ``import_file`` (language.md §2.10): splice included files' tokens.

OpenSIPS expands includes with a line scanner before lexing. We keep each file's own
``SourceFile`` (so diagnostics and line maps name the right file) by lexing the including
file in segments around its include lines and splicing the included file's tokens in
between. Missing files and cycles are diagnostics at the include line.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .diagnostics import Diagnostic, error
from .lexer import Token, tokenize
from .source import SourceFile

INCLUDE_LINE = re.compile(r"^[ \t]*(include_file|import_file)[ \t]*([\"'])(.+?)\2[^\n]*",
                          re.MULTILINE)
MAX_DEPTH = 50


class Includer:
    """Lexes a file and, recursively, the files it includes."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.files: list[SourceFile] = []
        self.diags: list[Diagnostic] = []

    def display_name(self, path: Path) -> str:
        if self.root is not None:
            try:
                return os.path.relpath(path, self.root)
            except ValueError:
                return str(path)
        return str(path)

    def resolve(self, target: str, including: SourceFile) -> Path | None:
        cand = Path(target)
        if cand.is_absolute():
            return cand if cand.is_file() else None
        bases = []
        if including.path is not None:
            bases.append(including.path.parent)
        bases.append(Path.cwd())
        for base in bases:
            p = base / cand
            if p.is_file():
                return p
        return None

    def lex(self, source: SourceFile, stack: tuple[Path, ...] = ()) -> list[Token]:
        """Tokens of ``source`` with includes spliced, without the final EOF."""
        self.files.append(source)
        text = source.text
        if "_file" not in text:
            toks, diags = tokenize(source, eof=False)
            self.diags.extend(diags)
            return toks
        out: list[Token] = []
        pos = 0
        for m in INCLUDE_LINE.finditer(text):
            toks, diags = tokenize(source, pos, m.start(), eof=False)
            out.extend(toks)
            self.diags.extend(diags)
            pos = m.end()
            target = m.group(3)
            start, end = m.start(1), m.end(0)
            found = self.resolve(target, source)
            if found is None:
                self.diags.append(error(f"included file '{target}' not found", source, start, end,
                                        hint="paths are relative to the including file or the "
                                        "current directory",
                                        opensips=f"failed to open included file: {target}"))
                continue
            real = found.resolve()
            if real in stack or (source.path is not None and real == source.path.resolve()):
                self.diags.append(error(f"include cycle: '{target}' is already being included",
                                        source, start, end, opensips="parse error: syntax error"))
                continue
            if len(stack) >= MAX_DEPTH:
                self.diags.append(error("includes nested too deeply (max 50)", source, start, end))
                continue
            try:
                inc = SourceFile.read(found, self.display_name(found))
            except OSError as exc:
                self.diags.append(error(f"cannot read included file '{target}': "
                                        f"{exc.strerror}", source, start, end))
                continue
            me = (source.path.resolve(),) if source.path is not None else ()
            out.extend(self.lex(inc, stack + me))
        toks, diags = tokenize(source, pos, len(text), eof=False)
        out.extend(toks)
        self.diags.extend(diags)
        return out
