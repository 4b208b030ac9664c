"""name-addr / addr-spec values of From, To, Contact, Record-Route ... headers.

``"Alice" <sip:a@h>;tag=x``, ``<sip:a@h>``, ``sip:a@h;tag=x`` (addr-spec: parameters after
the URI belong to the header, as RFC 3261 and OpenSIPS's ``parse_to`` say). Display names
keep their quotes, as ``$fn`` shows them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .memo import ParseMemo

#: text -> parsed value, bounded (texts come off the wire): ``NameAddr.parse``
_PARSED: ParseMemo[NameAddr] = ParseMemo()


@dataclass(frozen=True, slots=True)
class NameAddr:
    """One parsed name-addr; ``params`` are the header parameters in order."""

    display: str
    uri: str
    params: tuple[tuple[str, str | None], ...]
    raw_params: str

    @classmethod
    def parse(cls, text: str) -> NameAddr:
        """Parse ``text`` (memoised: the value is immutable and a message's handlers
        parse the same header text many times; failures are not cached)."""
        if cls is not NameAddr:  # a subclass gets its own instances, never the memo's
            return cls._parse_text(text)
        return _PARSED.get(text) or _PARSED(text, cls._parse_text)

    @classmethod
    def _parse_text(cls, text: str) -> NameAddr:
        text = text.strip()
        lt = _find_unquoted(text, "<")
        if lt >= 0:
            display = text[:lt].strip()
            gt = text.find(">", lt)
            if gt < 0:
                raise ValueError(f"unterminated <> in {text!r}")
            uri = text[lt + 1:gt].strip()
            rest = text[gt + 1:].strip()
        else:
            display = ""
            semi = text.find(";")
            uri, rest = (text, "") if semi < 0 else (text[:semi], text[semi:])
            uri = uri.strip()
        raw = rest[1:] if rest.startswith(";") else rest
        params: list[tuple[str, str | None]] = []
        for item in raw.split(";") if raw else []:
            key, eq, value = item.partition("=")
            params.append((key.strip(), value.strip() if eq else None))
        return cls(display, uri, tuple(params), raw)

    def param(self, name: str) -> str | None:
        """Value of header parameter ``name`` ("" for a flag), None when absent."""
        for key, value in self.params:
            if key.lower() == name.lower():
                return "" if value is None else value
        return None

    @property
    def tag(self) -> str | None:
        """The ``tag`` parameter (None when absent or empty, as OpenSIPS treats both)."""
        return self.param("tag") or None


def addr_uri(text: str) -> str:
    """``NameAddr.parse(text).uri`` without the header parameters (loose_route reads only
    the URI of each Route, whose ftag differs per dialog); ValueError as ``parse``."""
    known = _PARSED.get(text)
    if known is not None:
        return known.uri
    text = text.strip()
    lt = _find_unquoted(text, "<")
    if lt >= 0:
        gt = text.find(">", lt)
        if gt < 0:
            raise ValueError(f"unterminated <> in {text!r}")
        return text[lt + 1:gt].strip()
    semi = text.find(";")
    return (text if semi < 0 else text[:semi]).strip()


#: a name-addr whose first header parameter is ``tag``: up to the first ``<`` outside
#: double quotes (each ``"`` toggles quoting, as ``_scan_tag`` reads them), the first
#: ``>`` after it, then ``;tag=`` and the value up to the next ``;``
_FIRST_TAG = re.compile(r'[^<"]*(?:"[^"]*"[^<"]*)*<[^>]*>;tag=([^;]*)').match


def tag_param(text: str | None) -> str | None:
    """``NameAddr.parse(text).tag`` without building the value (None when ``text`` is None
    or does not parse): has_totag, rr's ftag and $tt read only the tag, and tags differ
    per dialog, so the parse memo rarely has the value.

    Same rules as ``_parse_text``: the parameters follow the first ``>`` after the first
    unquoted ``<``, or the first ``;`` of an addr-spec; the first one whose stripped,
    lower-cased name is ``tag`` wins. Stripping the text and its leading ``;`` is left out:
    it only changes an empty first item, which is never ``tag``. Two shortcuts serve what
    nearly every request carries: no ``=`` at all (no parameter has a value: no tag), and
    ``...<uri>;tag=value`` (one regex match instead of ``_scan_tag``'s str calls).
    """
    global _LAST_TAG
    if text is None or "=" not in text:
        return None
    last = _LAST_TAG
    if text is last[0]:  # has_totag then loose_route ask about the same To body
        return last[1]
    m = _FIRST_TAG(text)
    if m is not None:
        tag = m.group(1).strip() or None
    else:
        known = _PARSED.get(text)
        if known is not None:
            return known.tag
        tag = _scan_tag(text)
    _LAST_TAG = (text, tag)
    return tag


#: the last text ``tag_param`` scanned and its tag (a one-entry memo: a pure function of
#: the text, and a request's handlers ask about the same header body object in a row)
_LAST_TAG: tuple[str | None, str | None] = (None, None)


def _scan_tag(text: str) -> str | None:
    """``tag_param`` past its memos."""
    # ``_find_unquoted`` only when a quote may hide the '<' (no frame for a bare To)
    lt = text.find("<") if '"' not in text else _find_unquoted(text, "<")
    if lt >= 0:
        gt = text.find(">", lt)
        if gt < 0:
            return None  # unterminated <>: not a name-addr
        rest = text[gt + 1:]
    else:
        semi = text.find(";")
        if semi < 0:
            return None
        rest = text[semi:]
    if "tag" not in rest.lower():  # lower() maps char by char: a tag key would show
        return None
    for item in rest.split(";"):
        key, eq, value = item.partition("=")
        if key.strip().lower() == "tag":
            return (value.strip() if eq else "") or None
    return None


def _find_unquoted(text: str, ch: str) -> int:
    """Index of the first ``ch`` outside double quotes, or -1 (every ``"`` toggles quoting,
    no escapes). Jumps quote to quote with ``str.find``: a display name is usually quoted,
    and walking it char by char was most of a From/To scan."""
    find = text.find
    at = find(ch)
    quote = find('"')
    while True:
        if quote < 0 or at < quote:  # no quote before it (or no ``ch`` at all)
            return at
        close = find('"', quote + 1)
        if close < 0:
            return -1  # the rest is inside an unterminated quote
        if at < close:
            at = find(ch, close + 1)
        quote = find('"', close + 1)
