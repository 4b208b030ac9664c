"""Pending edits of a received message ("lumps"), applied only when it is sent on.

OpenSIPS never edits the received buffer: functions such as append_hf, remove_hf, subst or
record_route attach *lumps* (anchors and deletions at offsets of the original text, each with
text to insert before / after it) and the outgoing message is built from the original text
plus the lumps. That is why ``$hdr()`` and ``is_present_hf`` still see the received message
(conformance case hdr-append-lazy). This module reproduces ``data_lump.c`` /
``process_lumps()`` of msg_translator.c:

* anchors and deletions are kept sorted by offset, a new one after those at the same offset;
* texts chained before/after one lump come out newest first (OpenSIPS links new ones at the
  head of the chain);
* while applying, a lump whose offset lies inside an already deleted area is skipped unless
  it starts exactly where the last deletion started (so overlapping deletions and an anchor
  at the end of a deleted area both behave as in OpenSIPS, hdr-subst-eol).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_new_object = object.__new__


@dataclass(slots=True)
class Lump:
    """An anchor (``length == 0``) or a deletion of ``length`` chars at ``offset``."""

    offset: int
    length: int = 0
    kind: str = ""
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)

    def insert_before(self, text: str) -> None:
        """Chain ``text`` to be written before this lump (newest first, like OpenSIPS)."""
        self.before.insert(0, text)

    def insert_after(self, text: str) -> None:
        """Chain ``text`` to be written after this lump (newest first, like OpenSIPS)."""
        self.after.insert(0, text)

    @property
    def is_delete(self) -> bool:
        return self.length > 0


class LumpList:
    """The ordered lumps of one message part (headers or body)."""

    def __init__(self) -> None:
        self.items: list[Lump] = []

    def __len__(self) -> int:
        return len(self.items)

    def copy(self, memo: dict[int, Any] | None = None) -> LumpList:
        """An independent copy (tm copies every relayed request; most have no lumps).

        ``memo`` (a ``copy.deepcopy`` memo shared with the copy of the message's other
        state): each copied lump is entered under its original's id, so state that points
        at a lump (rr's Record-Route anchor) copied with the same memo points at the lump
        of the new list, not at an orphan that is never applied.
        """
        out = _new_object(LumpList)
        items: list[Lump] = []
        out.items = items
        new_lump = _new_object
        for x in self.items:  # the dataclass __init__ without its frame
            lump = new_lump(Lump)
            lump.offset, lump.length, lump.kind = x.offset, x.length, x.kind
            lump.before, lump.after = list(x.before), list(x.after)  # (kept: tuples)
            items.append(lump)
            if memo is not None:
                memo[id(x)] = lump
        return out

    def derived(self) -> LumpList:
        """A list of the same lump objects, for a builder that only *adds* lumps to it
        (``build_forward``): cheaper than :meth:`copy`, and the shared lumps must not be
        edited through it."""
        out = LumpList()
        out.items = list(self.items)  # (a kept message's are a tuple)
        return out

    def freeze(self) -> None:
        """For a message that is kept and only read or copied from now on (tm's stored
        request, ``SipMessage.keep``): the lists become tuples, which the cyclic GC does
        not track. ``copy`` and ``derived`` give lists again; an edit fails loudly."""
        for lump in self.items:
            lump.before = tuple(lump.before)  # type: ignore[assignment]
            lump.after = tuple(lump.after)  # type: ignore[assignment]
        self.items = tuple(self.items)  # type: ignore[assignment]

    def _add(self, lump: Lump) -> Lump:
        items = self.items
        offset = lump.offset
        # after every lump at the same offset; most lumps come at or after the last one
        if not items or items[-1].offset <= offset:
            items.append(lump)
            return lump
        pos = len(items)
        for i, other in enumerate(items):
            if other.offset > offset:
                pos = i
                break
        items.insert(pos, lump)
        return lump

    def anchor(self, offset: int, kind: str = "") -> Lump:
        """A new anchor at ``offset`` (``anchor_lump``)."""
        return self._add(Lump(offset, 0, kind))

    def delete(self, offset: int, length: int, kind: str = "") -> Lump:
        """A new deletion of ``length`` chars at ``offset`` (``del_lump``)."""
        return self._add(Lump(offset, length, kind))

    def has_delete(self, offset: int, length: int, kind: str | None = None) -> bool:
        """True when exactly this span is already deleted (sipmsgops ``hf_already_removed``)."""
        for x in self.items:  # a loop, not any(genexpr): most lists are empty or short
            if (x.offset == offset and x.length == length and x.length > 0
                    and (kind is None or x.kind == kind)):
                return True
        return False

    def apply(self, text: str, start: int = 0, end: int | None = None,
              include_end: bool = True) -> str:
        """The text of ``text[start:end]`` with every lump in that range applied.

        A lump exactly at ``end`` belongs to this range only when ``include_end`` is true
        (the header part excludes it, so it goes to the body part that starts there).
        """
        end = len(text) if end is None else end
        out: list[str] = []
        s_off = start
        last_del = -1
        for lump in self.items:
            offset = lump.offset
            if offset < start or offset > end or (offset == end and not include_end):
                continue
            if offset < s_off and offset != last_del:
                continue
            if s_off < offset:
                out.append(text[s_off:offset])
                s_off = offset
            length = lump.length
            if length > 0:
                last_del = offset
            out.extend(lump.before)
            if length > 0 and offset + length > s_off:
                s_off = offset + length
            out.extend(lump.after)
        if s_off < end:
            out.append(text[s_off:end])
        return "".join(out)
