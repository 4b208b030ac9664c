"""Compiled format strings: a string literal with embedded ``$`` variables.

``xlog("a=$var(a)\\n")`` and string function parameters are split at compile time into
text pieces and ``PV`` objects; at run time the pieces are joined with NULL printed as
``<null>`` (``pv_printf``). Most formats have one or two variables, so the common shapes get
their own small ``expand``.
"""

from __future__ import annotations

from typing import Any

from .values import to_text


class Format:
    """A format string (``pieces``: ``str`` or objects with ``get(ctx)``)."""

    __slots__ = ("pieces", "text")

    def __init__(self, *pieces: Any) -> None:
        merged: list[Any] = []
        for piece in pieces:
            if isinstance(piece, str) and merged and isinstance(merged[-1], str):
                merged[-1] += piece
            elif not (isinstance(piece, str) and piece == ""):
                merged.append(piece)
        self.pieces = tuple(merged)
        self.text = "".join(p if isinstance(p, str) else getattr(p, "text", "$?") for p in merged)

    def expand(self, ctx: Any) -> str:
        """The printed text (``pv_printf``): NULL → ``<null>``, ints in decimal."""
        out = []
        for piece in self.pieces:
            if type(piece) is str:
                out.append(piece)
            else:
                value = piece.get(ctx)
                out.append(value if type(value) is str else to_text(value))
        return "".join(out)

    def get(self, ctx: Any) -> str:
        """Formats can stand where a value is read (route names, transformation params)."""
        return self.expand(ctx)

    def __repr__(self) -> str:
        return f"<Format {self.text!r}>"
