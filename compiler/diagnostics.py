"""Diagnostics: what the front end reports instead of raising.

A user's mistake is never an exception. Each problem becomes a ``Diagnostic`` printed like a
compiler error — ``opensips.cfg:12:7: error: message`` with the source line and a caret — or
as one JSON object per line with ``--format json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum

from .source import SourceFile


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem at a position. ``end`` (exclusive byte offset) widens the caret."""

    severity: Severity
    message: str
    source: SourceFile | None
    start: int = 0
    end: int | None = None
    hint: str | None = None
    opensips: str | None = None
    """The text OpenSIPS 3.6 itself logs for this problem at startup, when it refuses the
    script (``parse error: syntax error``, ``called route [x] (id=1) is not defined``...);
    ``osipsc run`` prints it in the transcript's ``startup-error`` form."""

    @property
    def path(self) -> str:
        return self.source.name if self.source is not None else "<input>"

    @property
    def line(self) -> int:
        return self.source.line_col(self.start)[0] if self.source is not None else 0

    @property
    def column(self) -> int:
        return self.source.line_col(self.start)[1] if self.source is not None else 0

    @property
    def has_location(self) -> bool:
        return self.source is not None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def render(self, path: str | None = None) -> str:
        """``path:line:col: severity: message`` + source line + caret (+ hint); ``path``
        overrides the shown file name (a path the user can open from their folder)."""
        head = f"{path or self.path}:{self.line}:{self.column}: {self.severity.value}: {self.message}"
        if self.source is None:
            return head
        raw = self.source.line_text(self.line)
        shown = self.source.display_line(self.line).replace("\t", " ")
        col = self.column - 1
        prefix = raw[:col].encode("latin-1").decode("utf-8", "replace").replace("\t", " ")
        width = 1
        if self.end is not None and self.end > self.start:
            width = max(1, min(self.end, self.start + len(raw) - col) - self.start)
        lines = [head, "    " + shown, "    " + " " * len(prefix) + "^" + "~" * (width - 1)]
        if self.hint:
            lines.append(f"    hint: {self.hint}")
        return "\n".join(lines)

    def to_json(self, path: str | None = None) -> str:
        """One JSON object (``path line column severity message`` + ``hint`` when present)."""
        obj = {
            "path": path or self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity.value,
            "message": self.message,
        }
        if self.hint:
            obj["hint"] = self.hint
        return json.dumps(obj, ensure_ascii=False)

    def sort_key(self) -> tuple[str, int, int]:
        return (self.path, self.start, 0 if self.is_error else 1)


def error(message: str, source: SourceFile | None, start: int = 0, end: int | None = None,
          hint: str | None = None, opensips: str | None = None) -> Diagnostic:
    return Diagnostic(Severity.ERROR, message, source, start, end, hint, opensips)


def warning(message: str, source: SourceFile | None, start: int = 0, end: int | None = None,
            hint: str | None = None, opensips: str | None = None) -> Diagnostic:
    return Diagnostic(Severity.WARNING, message, source, start, end, hint, opensips)
