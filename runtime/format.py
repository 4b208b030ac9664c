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

    __slots__ = ("pieces", "text", "_pre", "_var", "_post")

    def __init__(self, *pieces: Any) -> None:
        merged: list[Any] = []
        for piece in pieces:
            if isinstance(piece, str) and merged and isinstance(merged[-1], str):
                merged[-1] += piece
            elif not (isinstance(piece, str) and piece == ""):
                merged.append(piece)
        self.pieces = tuple(merged)
        self.text = "".join(p if isinstance(p, str) else getattr(p, "text", "$?") for p in merged)
        # the common shape, one variable between two texts (either may be empty), is
        # expanded by one concatenation instead of a list and a join
        variables = [p for p in merged if not isinstance(p, str)]
        self._var: Any = None
        self._pre = self._post = ""
        if len(variables) == 1 and len(merged) <= 3:
            i = merged.index(variables[0])
            self._var = variables[0]
            self._pre = merged[0] if i == 1 else ""
            self._post = merged[i + 1] if i + 1 < len(merged) else ""

    def expand(self, ctx: Any) -> str:
        """The printed text (``pv_printf``): NULL → ``<null>``, ints in decimal."""
        var = self._var
        if var is not None:
            value = var.get(ctx)
            return self._pre + (value if type(value) is str else to_text(value)) + self._post
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
