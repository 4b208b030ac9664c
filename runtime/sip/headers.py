"""SIP header names as OpenSIPS's parser sees them.

OpenSIPS gives a header a *type* when its name is one it knows (full or compact form) and
compares every other name as a case-insensitive string. Only ten compact forms are known to
the 3.6 parser (``parser/parse_hname2.c``): ``v f t i m l k c o x``. ``s`` (Subject), ``e``,
``u`` ... are *not* mapped, which is why ``$hdr(Subject)`` misses an ``s:`` header and
``remove_hf("Subject")`` leaves it alone (conformance cases pv-hdr, hdr-remove-variants).
A header's lookup key is therefore its canonical full name when it has a compact form, and
its lower-cased name otherwise.
"""

from __future__ import annotations

COMPACT_FORMS: dict[str, str] = {
    "v": "via",
    "f": "from",
    "t": "to",
    "i": "call-id",
    "m": "contact",
    "l": "content-length",
    "k": "supported",
    "c": "content-type",
    "o": "event",
    "x": "session-expires",
}


#: Full names that get a header type in OpenSIPS 3.6 (``parser/hf.h``; MSRP-only ones left
#: out). A name outside this set is HDR_OTHER_T and compared as a string.
KNOWN_HEADERS: frozenset[str] = frozenset([
    "via", "to", "from", "cseq", "call-id", "contact", "max-forwards", "route",
    "record-route", "path", "content-type", "content-length", "authorization", "expires",
    "proxy-authorization", "supported", "proxy-require", "unsupported", "allow", "event",
    "accept", "accept-language", "organization", "priority", "subject", "user-agent",
    "accept-disposition", "content-disposition", "diversion", "remote-party-id", "refer-to",
    "session-expires", "min-se", "p-preferred-identity", "p-asserted-identity", "privacy",
    "retry-after", "call-info", "www-authenticate", "proxy-authenticate", "min-expires",
    "feature-caps", "replaces", "security-client", "security-server", "security-verify",
])


def name_matches(header_name: str, wanted: str, case_sensitive: bool = False) -> bool:
    """Does a header called ``header_name`` match the script's name ``wanted``?

    Known header types match by type (any case, compact forms); other names match only
    other-typed headers, by string: case-insensitively for remove_hf / is_present_hf, exactly
    for the append_hf / insert_hf anchors (sipmsgops uses ``str_strcmp`` there).
    """
    want = header_key(wanted)
    have = header_key(header_name)
    if want in KNOWN_HEADERS:
        return have == want
    if have in KNOWN_HEADERS:
        return False
    if case_sensitive:
        return header_name.strip() == wanted.strip()
    return have == want


#: the keys every request must have, in the order a missing one is reported; a reply
#: needs them all but the Via
REQUIRED_ORDER = ("via", "from", "to", "call-id", "cseq")
REQUIRED_REQUEST = frozenset(REQUIRED_ORDER)
REQUIRED_REPLY = frozenset(REQUIRED_ORDER[1:])

_KEY_CACHE: dict[str, str] = {}
_KEY_CACHE_MAX = 4096


def header_key(name: str) -> str:
    """The comparison key of a header name: compact forms expanded, case folded.

    Every header lookup needs it, so results are memoised per spelling (a message has a
    handful of distinct names); the cache is bounded because names come off the wire.
    """
    key = _KEY_CACHE.get(name)
    if key is None:
        low = name.strip().lower()
        key = COMPACT_FORMS.get(low, low)
        if len(_KEY_CACHE) < _KEY_CACHE_MAX:
            _KEY_CACHE[name] = key
    return key


def same_header(a: str, b: str) -> bool:
    """True when two header names denote the same header for OpenSIPS."""
    return header_key(a) == header_key(b)


def split_commas(body: str) -> list[str]:
    """Split a multi-valued header body on commas outside quotes and ``<...>``.

    Used for Contact / Route / Record-Route / Via style headers; each element is stripped.
    """
    parts: list[str] = []
    cur: list[str] = []
    quoted = False
    angle = 0
    i = 0
    while i < len(body):
        ch = body[i]
        if quoted:
            cur.append(ch)
            if ch == "\\" and i + 1 < len(body):
                cur.append(body[i + 1])
                i += 1
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
            cur.append(ch)
        elif ch == "<":
            angle += 1
            cur.append(ch)
        elif ch == ">":
            angle = max(0, angle - 1)
            cur.append(ch)
        elif ch == "," and angle == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
        i += 1
    last = "".join(cur).strip()
    if last or parts:
        parts.append(last)
    return [p for p in parts if p]



#: names of a message's headers in order -> their layout (``header_layout``); bounded
#: (names come off the wire), cleared when full
_LAYOUTS: dict[tuple[str, ...], tuple[tuple[str, ...], dict[str, int], int, int]] = {}
_LAYOUTS_MAX = 1024
#: ``_LAYOUTS.get``: the parser tries it before calling ``header_layout``
layout_memo_get = _LAYOUTS.get


def header_layout(names: tuple[str, ...]) -> tuple[tuple[str, ...], dict[str, int], int, int]:
    """``(keys, first, plain, complete)`` of a header block whose names (text before each
    line's first colon, unstripped) are ``names``: the key of each header, key -> position
    of its first header; ``plain`` is 0 unless every name is non-empty and starts with no
    blank or control character (what the parser's fast scan requires; a line that starts
    with a blank continues the previous header), 2 when besides no name holds a colon
    (names cut at ": " are then the names cut at the first colon), else 1; ``complete``
    has bit 1 set when every header a request must have is there, bit 2 for a reply.

    Memoised per sequence of names: a sender's messages repeat the same layout, and this
    replaces a key lookup and a dict insert per header with one dict hit per message.
    Callers must not modify ``first``: messages share it.
    """
    layout = _LAYOUTS.get(names)
    if layout is None:
        keys = tuple(map(header_key, names))
        first: dict[str, int] = {}
        for pos, key in enumerate(keys):
            first.setdefault(key, pos)
        plain = 0
        if names and min(names)[:1] > " ":
            plain = 1 if any(":" in name for name in names) else 2
        complete = (REQUIRED_REQUEST <= first.keys()) | (REQUIRED_REPLY <= first.keys()) << 1
        layout = (keys, first, plain, complete)
        if len(_LAYOUTS) >= _LAYOUTS_MAX:
            _LAYOUTS.clear()
        _LAYOUTS[names] = layout
    return layout
