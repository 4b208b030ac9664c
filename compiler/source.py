"""Source files: raw bytes decoded one byte per character, and offset → line/column.

Line starts are computed lazily, the first time a position is asked for (tomllib keeps
offsets and only computes line/column for errors; we also need them for line maps).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(eq=False)
class SourceFile:
    """One cfg file. ``text`` holds the file's bytes decoded as latin-1 (1 char = 1 byte).

    ``name`` is the path shown in diagnostics and recorded in generated modules: relative to
    the compile root when there is one, else as given by the user.
    """

    name: str
    text: str
    path: Path | None = None
    _line_starts: list[int] | None = field(default=None, repr=False)

    @classmethod
    def from_bytes(cls, name: str, data: bytes, path: Path | None = None) -> SourceFile:
        return cls(name=name, text=data.decode("latin-1"), path=path)

    @classmethod
    def read(cls, path: Path, name: str | None = None) -> SourceFile:
        """Read a file from disk (raises OSError, which callers turn into a diagnostic)."""
        return cls.from_bytes(name if name is not None else str(path), path.read_bytes(), path)

    def _starts(self) -> list[int]:
        if self._line_starts is None:
            starts = [0]
            find = self.text.find
            pos = find("\n")
            while pos >= 0:
                starts.append(pos + 1)
                pos = find("\n", pos + 1)
            self._line_starts = starts
        return self._line_starts

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a byte offset; columns count bytes."""
        starts = self._starts()
        index = bisect.bisect_right(starts, offset) - 1
        return index + 1, offset - starts[index] + 1

    def line_text(self, line: int) -> str:
        """The text of a 1-based line without its newline, for diagnostics."""
        starts = self._starts()
        if line < 1 or line > len(starts):
            return ""
        start = starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start : end if end >= 0 else len(self.text)].rstrip("\r")

    def display_line(self, line: int) -> str:
        """The line as a person should see it (UTF-8 where the bytes are UTF-8)."""
        return self.line_text(line).encode("latin-1").decode("utf-8", "replace")
