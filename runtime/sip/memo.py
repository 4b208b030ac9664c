"""A bounded memo of parsed header values, keyed by their text.

SIP values (URIs, Vias, name-addrs) are immutable once parsed, and a message's handlers parse
the same header text many times (pvars, functions, tm, builders), so each parser keeps the
values it produced. Failures raise and are never cached; when the memo is full it starts over
(cheaper than LRU bookkeeping on every hit).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class ParseMemo(Generic[T]):
    """``memo(text, parse)``: the value parsed from ``text``, parsing only once."""

    __slots__ = ("_values", "_limit", "get")

    def __init__(self, limit: int = 2048) -> None:
        self._values: dict[str, T] = {}
        self._limit = limit
        #: the value already parsed from a text, or None (no parsing; the dict is only
        #: ever cleared, never replaced, so this bound lookup stays valid)
        self.get = self._values.get

    def __call__(self, text: str, parse: Callable[[str], T]) -> T:
        found = self._values.get(text)
        if found is not None:
            return found
        value = parse(text)
        if len(self._values) >= self._limit:
            self._values.clear()
        self._values[text] = value
        return value

    def add(self, text: str, value: T) -> T:
        """Remember ``value`` as parsed from ``text`` (a caller that already missed
        ``get``); returns ``value``."""
        if len(self._values) >= self._limit:
            self._values.clear()
        self._values[text] = value
        return value
