"""The AVP store: one stack of values per name, newest first (``usr_avp.c``).

OpenSIPS pushes new AVPs at the head of a linked list, so index 0 is the newest value and
index -1 the oldest. Each name's values live here in a Python list kept *oldest first*, so a
push is an ``append`` and index ``i`` maps to ``lst[-1 - i]``.
"""

from __future__ import annotations

from typing import Any

MAX_ALL_LEN = 511
"""``$(avp(x)[*])`` is printed into a 512-byte buffer; longer results read as NULL."""


def _store_form(value: Any) -> int | str:
    """AVPs hold ints (``TYPE_INT`` values) or strings; ``StrInt`` is stored as its text."""
    if type(value) is str:
        return value
    if isinstance(value, int):
        return value
    return str(value)


class AvpStore:
    """The AVP list of one message, transaction or report route."""

    __slots__ = ("_lists",)

    def __init__(self) -> None:
        self._lists: dict[str, list[int | str]] = {}

    # ------------------------------------------------------------------ reading
    def get(self, name: str, index: int = 0) -> int | str | None:
        """Value at ``index`` (0 newest, negative from the oldest); None when absent."""
        lst = self._lists.get(name)
        if not lst:
            return None
        n = len(lst)
        if index >= 0:
            return lst[n - 1 - index] if index < n else None
        return lst[-index - 1] if -index <= n else None

    def get_all(self, name: str) -> list[int | str]:
        """All values, newest first."""
        lst = self._lists.get(name)
        return lst[::-1] if lst else []

    def joined(self, name: str) -> str | None:
        """``$(avp(x)[*])``: values newest first joined by ``", "``; NULL if none / too long."""
        lst = self._lists.get(name)
        if not lst:
            return None
        text = ", ".join(v if isinstance(v, str) else str(v) for v in reversed(lst))
        return None if len(text) > MAX_ALL_LEN else text

    def count(self, name: str) -> int:
        lst = self._lists.get(name)
        return len(lst) if lst else 0

    def names(self) -> list[str]:
        return [k for k, v in self._lists.items() if v]

    # ------------------------------------------------------------------ writing
    def add(self, name: str, value: Any) -> None:
        """Push on top (becomes index 0)."""
        lst = self._lists.get(name)
        if lst is None:
            self._lists[name] = [_store_form(value)]
        else:
            lst.append(_store_form(value))

    def append(self, name: str, value: Any) -> None:
        """``[append]``: add at the bottom (becomes the oldest)."""
        self._lists.setdefault(name, []).insert(0, _store_form(value))

    def _pos(self, name: str, index: int) -> int | None:
        lst = self._lists.get(name)
        if not lst:
            return None
        n = len(lst)
        if index >= 0:
            return n - 1 - index if index < n else None
        return -index - 1 if -index <= n else None

    def replace(self, name: str, index: int, value: Any) -> bool:
        """Replace the value at ``index`` in place; False when there is none."""
        pos = self._pos(name, index)
        if pos is None:
            return False
        self._lists[name][pos] = _store_form(value)
        return True

    def delete(self, name: str, index: int = 0) -> bool:
        """Delete one value (default: the newest); False when there is none."""
        pos = self._pos(name, index)
        if pos is None:
            return False
        del self._lists[name][pos]
        return True

    def delete_all(self, name: str) -> None:
        self._lists.pop(name, None)

    def clear(self) -> None:
        self._lists.clear()

    def copy(self) -> AvpStore:
        """A snapshot (used when a transaction keeps its own list)."""
        new = AvpStore()
        new._lists = {k: list(v) for k, v in self._lists.items() if v}
        return new

    def __repr__(self) -> str:
        return f"AvpStore({ {k: v[::-1] for k, v in self._lists.items() if v} })"
