"""The SIP message a script runs on: parsed view of the received text plus pending edits.

Text model: latin-1 ``str`` (one char per byte), so offsets and lengths are OpenSIPS's.
What the script *reads* (``header()``, ``$hdr``, ``is_present_hf``, ``search``) is always
the received text; edits (append_hf, remove_hf, subst, record_route ...) become lumps
(``runtime/sip/lumps.py``) that only the outgoing message shows. R-URI and destination URI
rewrites are separate fields, as in OpenSIPS (``new_uri``, ``dst_uri``).
"""

from __future__ import annotations

import copy as _copy
import copyreg as _copyreg
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from itertools import accumulate, repeat
from operator import add
from types import MappingProxyType
from typing import Any

from .headers import REQUIRED_ORDER, REQUIRED_REPLY, REQUIRED_REQUEST, header_key, header_layout
from .headers import layout_memo_get as _layout_get
from .lumps import Lump, LumpList
from .nameaddr import NameAddr
from .nameaddr import tag_param as _tag_param
from .uri import SipUri, UriError
from .uri import memo_get as _uri_memo_get
from .via import Via

METHOD_IDS: dict[str, int] = {
    "INVITE": 1, "CANCEL": 2, "ACK": 4, "BYE": 8, "INFO": 16, "OPTIONS": 32, "UPDATE": 64,
    "REGISTER": 128, "MESSAGE": 256, "SUBSCRIBE": 512, "NOTIFY": 1024, "PRACK": 2048,
    "REFER": 4096, "PUBLISH": 8192,
}
METHOD_OTHER = 16384


def method_id(name: str) -> int:
    """OpenSIPS's internal method id (``METHOD_*`` of parser/msg_parser.h)."""
    return METHOD_IDS.get(name.upper(), METHOD_OTHER)


_new_object = object.__new__
#: use the one-split header scan for plain CRLF messages (tests turn it off to compare)
_FAST_PATH = True
_ATOMIC: frozenset[type] = frozenset({type(None), int, float, bool, complex, str, bytes})
_PLAIN_CLASSES: dict[type, bool] = {}


def _is_plain(cls: type) -> bool:
    """Does ``copy.deepcopy`` treat instances of ``cls`` as "new object, deep-copied
    ``__dict__``" (no copy hooks, no slots, no copyreg entry)?"""
    plain = _PLAIN_CLASSES.get(cls)
    if plain is None:
        plain = (cls.__reduce_ex__ is object.__reduce_ex__
                 and cls.__reduce__ is object.__reduce__
                 and getattr(cls, "__getstate__", None) is object.__getstate__
                 and not hasattr(cls, "__setstate__")
                 and not hasattr(cls, "__deepcopy__")
                 and "__slots__" not in cls.__dict__
                 and cls not in _copyreg.dispatch_table
                 and "__dict__" in dir(cls))
        _PLAIN_CLASSES[cls] = plain
    return plain


_COPIERS: dict[type, Any] = {}


def _copier(cls: type) -> Any:
    """``cls.__deepcopy__`` (None without one), looked up once per class."""
    copier = _COPIERS[cls] = getattr(cls, "__deepcopy__", None)
    return copier


def _deepcopy(value: Any, memo: dict[int, Any]) -> Any:
    """``copy.deepcopy`` with the same result, fast for what ``module_data`` holds.

    tm copies every request it keeps or forwards (twice per relayed request), and the
    generic deepcopy of the per-module dataclasses was a quarter of a relay's cost. Lists,
    dicts, sets, tuples and plain classes are copied here (sharing ``memo``, so an object
    reached twice is copied once, as deepcopy does); anything else goes to deepcopy itself.
    """
    cls = type(value)
    if cls in _ATOMIC:
        return value
    key = id(value)
    if key in memo:
        return memo[key]
    atomic = _ATOMIC
    if cls is list:
        out: Any = []
        memo[key] = out
        # atomic items inline: most of what module_data holds is str/int/None
        out.extend([v if type(v) in atomic else _deepcopy(v, memo) for v in value])
    elif cls is dict:
        out = {}
        memo[key] = out
        for k, v in value.items():
            out[k if type(k) in atomic else _deepcopy(k, memo)] = \
                v if type(v) in atomic else _deepcopy(v, memo)
    elif cls is tuple:
        items = tuple([_deepcopy(v, memo) for v in value])
        if key in memo:
            return memo[key]
        out = value if all(a is b for a, b in zip(items, value, strict=True)) else items
        memo[key] = out
    elif cls is Lump:
        out = Lump(value.offset, value.length, value.kind)
        memo[key] = out
        out.before = list(value.before)  # texts (a kept message's are tuples)
        out.after = list(value.after)
    elif (copier := _COPIERS[cls] if cls in _COPIERS else _copier(cls)) is not None:
        # a class's own deep copy (rr's RRState): called directly, as deepcopy would
        out = copier(value, memo)
        memo[key] = out
    elif _is_plain(cls):
        out = _new_object(cls)
        memo[key] = out
        # the instance dict itself is not an object of its own for deepcopy's memo (it
        # is only reachable through the instance), so fill the new one in place
        target = out.__dict__
        for k, v in value.__dict__.items():
            target[k if type(k) in atomic else _deepcopy(k, memo)] = \
                v if type(v) in atomic else _deepcopy(v, memo)
    else:
        out = _copy.deepcopy(value, memo)
    return out


#: valid first lines seen -> ``(True, version, status, reason)`` of a status line or
#: ``(False, method, R-URI, version)`` of a request line; bounded (``_remember_first_line``)
_FIRST_LINES: dict[str, tuple[bool, Any, Any, str]] = {}


def _remember_first_line(line: str, value: tuple[bool, Any, Any, str]) -> None:
    """Enter a checked first line in ``_FIRST_LINES`` (cleared when full: lines come off
    the wire)."""
    if len(_FIRST_LINES) >= 1024:
        _FIRST_LINES.clear()
    _FIRST_LINES[line] = value

#: copied into a local reply after the To (``reply_view``), first occurrence each
_REPLY_REST = ("from", "call-id", "cseq")
#: every key whose header a local reply may copy (``reply_view``)
_REPLY_KEYS = frozenset(("via", "record-route", "to", *_REPLY_REST))
#: what ``str.splitlines`` breaks at, besides CR and LF
_LINE_BREAKS = frozenset("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


#: ``_reply_plan``'s answer: ``(positions, Vias, Vias + Record-Routes, To's index or -1,
#: positions of the Vias and the To, positions of the other headers)``
_ReplyPlan = tuple[tuple[int, ...], int, int, int, tuple[int, ...], tuple[int, ...]]
#: ``id(keys)`` of a layout's header keys -> ``[keys, plan without Record-Routes, plan
#: with them]`` (a plan made on first use): keyed by identity, as a layout's keys tuple is
#: shared by its messages, so no 9-name tuple is hashed per reply; the entry holds
#: ``keys``, so the id is not reused while it is in. Bounded.
_REPLY_PLANS: dict[int, list[Any]] = {}


def _positions(keys: list[str] | tuple[str, ...], first: Mapping[str, int], key: str,
               repeats: bool) -> list[int]:
    """Positions of every header with ``key``, in order (``first`` has the first one;
    ``repeats`` says whether any key occurs more than once at all)."""
    pos = first.get(key)
    if pos is None:
        return []
    out = [pos]
    if repeats:
        for _ in range(keys.count(key) - 1):
            pos = keys.index(key, pos + 1)
            out.append(pos)
    return out


def _reply_plan(keys: list[str] | tuple[str, ...], first: Mapping[str, int],
                with_rr: bool) -> _ReplyPlan:
    """Which headers a local reply copies (``SipMessage.reply_view``): ``(positions,
    number of Vias, Vias + Record-Routes, position in ``positions`` of the To or -1)``;
    positions are every Via, every Record-Route (``with_rr``), the first To, From,
    Call-ID and CSeq; then the positions split into the headers copied as spans (Vias,
    To) and as lines, for the loops of ``reply_view``'s unbuilt case. Depends on the keys
    only, so it is kept per header layout."""
    repeats = len(first) != len(keys)
    wanted = _positions(keys, first, "via", repeats)
    n_via = len(wanted)
    if with_rr:
        wanted += _positions(keys, first, "record-route", repeats)
    n_head = len(wanted)
    pos = first.get("to")
    to_at = -1
    if pos is not None:
        to_at = n_head
        wanted.append(pos)
    for key in _REPLY_REST:
        pos = first.get(key)
        if pos is not None:
            wanted.append(pos)
    spans = wanted[:n_via] if to_at < 0 else [*wanted[:n_via], wanted[to_at]]
    others = wanted[n_via:n_head] + wanted[n_head + (to_at >= 0):]
    return tuple(wanted), n_via, n_head, to_at, tuple(spans), tuple(others)


def _body_off(part: tuple[str, str, str]) -> int:
    """Where the body of a scanned header line starts in it, from the line's
    ``(name, separator, rest)`` (``_parse``'s fast scan)."""
    name, sep, rest = part
    if sep == ": ":  # cut at ": ": the value has no leading blank
        return len(name) + 2
    return len(name) + len(sep) + len(rest) - len(rest.lstrip(" \t"))


class SipParseError(ValueError):
    """The datagram is not a SIP message OpenSIPS would accept."""


@dataclass(slots=True)
class Header:
    """One header line (folded continuation lines included).

    ``start``/``end`` delimit the whole header in the message text, trailing CRLF included
    (OpenSIPS's ``hdr->name.s`` / ``hdr->len``); ``body`` is the value with surrounding
    whitespace removed.
    """

    name: str
    body: str
    start: int
    end: int
    body_start: int = 0
    key: str = field(init=False, repr=False, compare=False)
    """``header_key(name)``, computed once: every lookup compares it."""

    def __post_init__(self) -> None:
        self.key = header_key(self.name)

    def clone(self) -> Header:
        """An independent copy without recomputing ``key`` (message copies make many)."""
        new = _new_object(Header)
        new.name, new.body, new.start, new.end = self.name, self.body, self.start, self.end
        new.body_start, new.key = self.body_start, self.key
        return new

    @property
    def raw(self) -> str:
        """The header as a single line without the line end."""
        return f"{self.name}: {self.body}"


@dataclass(slots=True)
class Branch:
    """An additional branch (``append_msg_branch``): index 1.. of ``$branch``."""

    uri: str
    q: int = -1
    dst_uri: str | None = None
    path: str | None = None
    flags: set[str] = field(default_factory=set)
    socket: str | None = None


@dataclass(slots=True)
class ReplyLumps:
    """Texts carried into locally generated replies (``append_to_reply`` and friends)."""

    headers: list[str] = field(default_factory=list)
    body: str | None = None

    def __iter__(self) -> Iterator[str]:
        """Iterating gives the header texts (what generic reply builders need)."""
        return iter(self.headers)


class SipMessage:
    """A parsed request or reply with its pending edits.

    Header records: the fast parse (``_parse``) keeps the header lines and their
    lookup keys only, and builds a :class:`Header` the first time it is asked for
    (``_record``): most messages are read through a handful of headers. ``_first`` maps a
    key to the position of its first header; ``_recs`` holds the records built so far
    (None where not yet built), shared with a copy until one side hands one out for
    editing (``_shared``, copy-on-write).
    """

    # Defaults live on the class and a message sets only what it has: CPython keeps up to
    # 30 attribute names per class in a shared table, and an instance with more falls back
    # to a dict of its own, which made ``SipMessage()`` cost as much as the whole parse.
    # (``parse`` still sets the few read on every message's path: see there.)
    text = ""
    is_request = True
    first_line = ""
    method = ""
    ruri = ""
    version = "SIP/2.0"
    status: int | None = None
    reason = ""
    #: lookup key of every header, in message order
    _keys: list[str] | tuple[str, ...] = ()
    #: key -> position of its first header (read-only here: ``_set_keys`` replaces it)
    _first: Mapping[str, int] = MappingProxyType({})
    #: fast parse only: ``(offset of the first header, header lines without CRLF, each
    #: line partitioned at its first ": " or at its first colon)``, what a record is
    #: built from (a value starts ``len(name) + len(separator)`` plus its leading blanks
    #: into its line; None when every record was built by ``_scan_general`` or given to
    #: ``headers_list``)
    _lazy: tuple[int, list[str], tuple[tuple[str, str, str], ...]] | None = None
    #: fast parse only: every header body, stripped (what ``header()`` reads while the
    #: record is not built)
    _bodies: tuple[str, ...] = ()
    #: fast parse only: offset of every header line and of the end of the last one, made
    #: by the first record built
    _starts: list[int] | None = None
    #: records built so far, by position (None: nothing asked for yet)
    _recs: list[Header | None] | None = None
    #: ``_recs``'s records are shared with a copy (``copy``): clone before handing out a
    #: record that may be edited (``headers_list``, ``header_fields``)
    _shared = False
    #: ``compact``: the built records as plain tuples ``(position, name, body, start, end,
    #: body_start, key)`` (``_recs`` is then None until ``_rec_list``)
    _packed: tuple[tuple[int, str, str, int, int, int, str], ...] | None = None
    _via1_cache: tuple[str, Via | None] | None = None
    eoh = 0
    body_start = 0
    body = ""
    new_uri: str | None = None
    dst_uri: str | None = None
    ruri_q = -1
    src: tuple[str, int] = ("127.0.0.1", 5070)
    dst: tuple[str, int] = ("127.0.0.1", 5060)
    proto = "udp"
    force_rport = False
    msg_id = 0
    is_dummy = False

    def __init__(self) -> None:
        self.branches: list[Branch] = []
        self.lumps = LumpList()
        self.reply_lumps = ReplyLumps()
        #: per-message state of modules (rr's Record-Route lump, maxfwd's stored value...)
        self.module_data: dict[str, Any] = {}

    # ---------------------------------------------------------------- parsing
    @classmethod
    def parse(cls, data: bytes | str, src: tuple[str, int] = ("127.0.0.1", 5070),
              dst: tuple[str, int] = ("127.0.0.1", 5060), proto: str = "udp") -> SipMessage:
        """Parse one datagram; raise :class:`SipParseError` on what OpenSIPS drops."""
        text = data.decode("latin-1") if isinstance(data, bytes) else data
        if cls.__init__ is _MESSAGE_INIT:  # ``cls()`` without its three __init__ frames
            msg = _new_object(cls)
            msg.branches = []
            lumps = msg.lumps = _new_object(LumpList)
            lumps.items = []
            replies = msg.reply_lumps = _new_object(ReplyLumps)
            replies.headers, replies.body = [], None
            msg.module_data = {}
        else:
            msg = cls()
        msg.text = text
        # the defaults read on every message's path are set on the instance too: CPython
        # 3.11 reads an instance attribute with a specialised instruction but a class one
        # through the generic lookup (~200 instructions more per read)
        msg._recs = msg._packed = msg._starts = msg._via1_cache = None
        msg.new_uri = msg.dst_uri = None
        msg._shared = msg.force_rport = False
        msg.is_request = True
        msg.src, msg.dst, msg.proto = src, dst, proto.lower()
        msg._parse()
        return msg

    def _parse(self) -> None:
        text = self.text
        nl = text.find("\n")
        if nl < 0:
            raise SipParseError("no end of first line")
        first = text[:nl].rstrip("\r")
        self.first_line = first
        # a first line seen before (a valid one: a request's once its URI parsed) is
        # read from the memo: senders repeat their request lines and status lines
        known = _FIRST_LINES.get(first)
        if known is not None:
            reply, a, b, c = known
            if reply:
                self.is_request = False
                self.version, self.status, self.reason = a, b, c
            else:
                self.method, self.ruri, self.version = a, b, c
        else:
            reply = self._parse_first_line(first)
        pos = nl + 1
        end = text.find("\r\n\r\n", pos)
        # the common shape - CRLF lines, no folding, a colon after a name on every line:
        # one split and a few C-level passes; keys come from the memo of header layouts
        # and records are built when first asked for (``_record``). Any other shape goes
        # to ``_scan_general``, which gives the same results, or the error.
        cl_text = None
        fast = False
        if _FAST_PATH and end > pos and text[pos] not in "\r\n \t":
            block = text[pos:end]
            # splitlines also breaks at a lone CR or LF (and VT, FF, FS, GS, RS, NEL): any
            # of them makes more lines than CRLFs; one ending the block would be dropped
            lines = block.splitlines()
            if len(lines) == block.count("\r\n") + 1 and block[-1] not in _LINE_BREAKS:
                # cut at ": " first: when every line has one, no name holds a colon (the
                # layout knows) and no line has blanks around its value, the values are
                # the bodies as they are, with no strip pass
                parts = tuple(map(str.partition, lines, repeat(": ")))
                # the three columns in one C call
                names, seps, rests = zip(*parts)  # noqa: B905 - 3-tuples; a keyword is slower
                if ("" in seps or block[-1] in " \t" or " \r\n" in block or "\t\r\n" in block
                        or ":  " in block or ": \t" in block
                        or (layout := _layout_get(names) or header_layout(names))[2] != 2):
                    # at the first colon, values stripped
                    parts = tuple(map(str.partition, lines, repeat(":")))
                    names, seps, rests = zip(*parts)  # noqa: B905
                    layout = _layout_get(names) or header_layout(names)
                    bodies = tuple(map(str.strip, rests, repeat(" \t")))
                else:
                    bodies = rests
                # (not: a blank-led or empty name, or a line without a colon)
                if layout[2] and "" not in seps:
                    fast = True
                    first_pos = layout[1]
                    self._keys, self._first = layout[0], first_pos
                    self._bodies = bodies
                    self._lazy = (pos, lines, parts)
                    self.eoh = end + 2
                    self.body_start = end + 4
                    at = first_pos.get("content-length")
                    if at is not None:
                        cl_text = bodies[at]
                    # the required headers: known per layout
                    complete = layout[3] & (2 if reply else 1)
        if not fast:
            self._scan_general(text, pos)
            cl_text = self._value("content-length")
            complete = (REQUIRED_REPLY if reply else REQUIRED_REQUEST) <= self._first.keys()
        if cl_text == "0":  # the usual empty body (``body`` defaults to "")
            pass
        else:
            body = text[self.body_start:]
            if cl_text is not None:
                # only ASCII digits make a length (parse_content_length): '²' or '٣' pass
                # isdigit() but are a malformed value, left alone like any other
                cl_text = cl_text.strip()
                if cl_text.isascii() and cl_text.isdigit() and int(cl_text) < len(body):
                    body = body[:int(cl_text)]
            self.body = body
        if not complete:
            present = self._first.keys()
            for name in REQUIRED_ORDER:
                if name not in present and not (name == "via" and reply):
                    raise SipParseError(f"missing {name} header")
        if known is None and not reply:
            ruri = self.ruri
            if _uri_memo_get(ruri) is None:  # a URI parsed before is valid
                try:
                    SipUri.parse(ruri)
                except UriError as exc:
                    raise SipParseError(str(exc)) from exc
            _remember_first_line(first, (False, self.method, ruri, self.version))

    def _parse_first_line(self, first: str) -> bool:
        """Check and store a first line not in the memo; True for a status line (which
        is remembered at once: a request line only once its URI parsed)."""
        parts = first.split(" ", 2)
        reply = parts[0].upper().startswith("SIP/")
        if len(parts) < 3 and not (len(parts) == 2 and reply):
            raise SipParseError(f"bad first line {first!r}")
        if reply:
            self.is_request = False
            self.version = parts[0]
            if not parts[1].isdigit() or len(parts[1]) != 3:
                raise SipParseError(f"bad status code in {first!r}")
            self.status = int(parts[1])
            self.reason = parts[2] if len(parts) > 2 else ""
            _remember_first_line(first, (True, self.version, self.status, self.reason))
        else:
            method, ruri, version = parts
            if not version.upper().startswith("SIP/"):
                raise SipParseError(f"bad request line {first!r}")
            self.method, self.ruri, self.version = method, ruri, version
            if not method.isprintable() or not method:
                raise SipParseError("bad method")
        return reply

    def _scan_general(self, text: str, pos: int) -> None:
        """Every shape OpenSIPS accepts: LF-only lines, folded lines, no blank line."""
        current: Header | None = None
        size = len(text)
        headers: list[Header] = []
        find = text.find
        while True:
            if pos >= size:
                self.eoh = self.body_start = size
                break
            nl = find("\n", pos)
            line_end = size if nl < 0 else nl + 1
            line = text[pos:line_end].rstrip("\r\n")
            if line == "":
                self.eoh = pos
                self.body_start = line_end
                break
            if line[0] in " \t" and current is not None:
                current.body = text[current.body_start:line_end].rstrip("\r\n \t")
                current.end = line_end
            else:
                colon = line.find(":")
                if colon <= 0:
                    raise SipParseError(f"bad header line {line!r}")
                name = line[:colon].strip()
                value_off = colon + 1
                while value_off < len(line) and line[value_off] in " \t":
                    value_off += 1
                current = Header(name, line[value_off:].rstrip(" \t"), pos, line_end,
                                 pos + value_off)
                headers.append(current)
            pos = line_end
        self._recs = headers
        self._set_keys([h.key for h in headers])

    def _set_keys(self, keys: list[str]) -> None:
        """Index the header keys: position of each key's first header."""
        count = len(keys)
        first = dict(zip(keys, range(count), strict=True))  # the last position wins ...
        if len(first) != count:  # ... so walk backwards when a key repeats
            first = dict(zip(reversed(keys), range(count - 1, -1, -1), strict=True))
        self._keys, self._first = keys, first

    # --------------------------------------------------------------- records
    def _rec_list(self) -> list[Header | None]:
        """``_recs``, made (and refilled from ``compact``'s tuples) on first use."""
        recs = self._recs
        if recs is None:
            recs = [None] * len(self._keys)
            packed = self._packed
            if packed is not None:  # (an unset default needs no instance attribute)
                self._packed = None
            new_header = _new_object
            for pos, name, body, start, end, body_start, key in packed or ():
                hdr = new_header(Header)
                hdr.name, hdr.body, hdr.start, hdr.end = name, body, start, end
                hdr.body_start, hdr.key = body_start, key
                recs[pos] = hdr
            self._recs = recs
            if self._shared:
                self._shared = False
        return recs

    def _record(self, pos: int) -> Header:
        """The record of the header at ``pos``, built from its line on first use."""
        recs = self._recs
        if recs is None:
            recs = self._rec_list()
        hdr = recs[pos]
        if hdr is None:
            lazy = self._lazy
            assert lazy is not None  # only the fast scan leaves records unbuilt
            starts = self._line_starts(lazy)
            part = lazy[2][pos]
            hdr = _new_object(Header)  # Header(...) without the dataclass __init__
            hdr.name = part[0].strip()
            hdr.body = self._bodies[pos]
            hdr.start = start = starts[pos]
            hdr.end = starts[pos + 1]
            hdr.body_start = start + _body_off(part)
            hdr.key = self._keys[pos]
            recs[pos] = hdr
        return hdr

    def _line_starts(self, lazy: Any) -> list[int]:
        """Start offset of every header line (and of the line after the last), summed
        once per message on the first record built."""
        starts = self._starts
        if starts is None:
            starts = self._starts = list(accumulate(
                map(add, map(len, lazy[1]), repeat(2)), initial=lazy[0]))
        return starts

    def _all_records(self) -> list[Header]:
        """Every record, built (``headers_list``): the missing ones through ``_record``."""
        recs = self._recs
        if recs is None:
            recs = self._rec_list()
        if self._lazy is not None and None in recs:
            record = self._record
            for pos, hdr in enumerate(recs):
                if hdr is None:
                    record(pos)
        return recs  # type: ignore[return-value]

    # ----------------------------------------------------------------- access
    @property
    def headers_list(self) -> list[Header]:
        """The :class:`Header` records in message order (yours to edit: records shared
        with a copy are cloned first; edit records, not the list)."""
        if self._shared:
            self._unshare()
        return self._all_records()

    @headers_list.setter
    def headers_list(self, value: list[Header]) -> None:
        self._recs = value  # type: ignore[assignment]
        self._lazy = None
        self._packed = None
        self._shared = False
        self._set_keys([h.key for h in value])

    def _unshare(self) -> None:
        """Copy-on-write: give this message its own Header records (a maxfwd rewrite or a
        test editing ``headers_list`` must not show in the copies sharing them)."""
        recs = self._recs
        if recs is not None:
            self._recs = [None if h is None else h.clone() for h in recs]
        self._shared = False

    def compact(self) -> None:
        """Keep the built header records as tuples of str/int until next used (a
        message held for later, read as before: ``_rec_list`` rebuilds equal records on
        first use; tuples of atomic values are untracked by the cyclic GC)."""
        if type(self._keys) is list:
            self._keys = tuple(self._keys)
        recs = self._recs
        if self._packed is None and recs is not None:
            if recs.count(None) != len(recs):  # something to pack (a loop: no
                packed = []  # comprehension frame on 3.11)
                add = packed.append
                for pos, h in enumerate(recs):
                    if h is not None:
                        add((pos, h.name, h.body, h.start, h.end, h.body_start, h.key))
                self._packed = tuple(packed)
            self._recs = None
            if self._shared:  # (an unset default needs no instance attribute)
                self._shared = False

    def keep(self) -> None:
        """``compact``, for a message that is from now on only read or copied, never
        edited in place: tm's stored request.

        tm stores every request it handles and most are never read again (the
        transaction ends with a relayed reply), while the cyclic GC rescans every
        container a waiting transaction keeps. So besides the records: the scanned lines
        become a tuple, what is made again on demand goes (line offsets, the parsed top
        Via), lumps and module state that can (rr's) turn their lists into tuples, and
        empty branch / lump / reply-lump containers go, the class defaults reading as
        empty. ``copy`` gives a copy containers of its own; an edit of the kept message
        itself fails loudly instead of reaching shared state.
        """
        self.compact()
        lazy = self._lazy
        if lazy is not None and type(lazy[1]) is list:
            self._lazy = (lazy[0], tuple(lazy[1]), lazy[2])
        # (attribute deletes, not ``self.__dict__``: asking for the dict would make one)
        if self._starts is not None:
            del self._starts
        if self._via1_cache is not None:
            del self._via1_cache
        if not self.branches and type(self.branches) is list:
            del self.branches
        lumps = self.lumps
        if not lumps.items:
            if lumps is not _EMPTY_LUMPS:
                del self.lumps
        elif type(lumps.items) is list:
            lumps.freeze()
        data = self.module_data
        if data:  # module state that can shrink itself (rr's Record-Route state)
            for value in data.values():
                shrink = getattr(value, "kept", None)
                if shrink is not None:
                    shrink()
        replies = self.reply_lumps
        if not replies.headers and replies.body is None and replies is not _NO_REPLY_LUMPS:
            del self.reply_lumps

    def _value(self, key: str) -> str | None:
        """Body of the first header whose key is ``key`` (its record's, once built: a
        record handed out for editing may have changed it)."""
        pos = self._first.get(key)
        if pos is None:
            return None
        recs = self._recs
        if recs is None:
            if self._packed is None:
                return self._bodies[pos]
            recs = self._rec_list()
        hdr = recs[pos]
        return self._bodies[pos] if hdr is None else hdr.body

    def header(self, name: str) -> str | None:
        """Body of the first header called ``name`` (case-insensitive, compact forms)."""
        return self._value(header_key(name))

    def headers(self, name: str) -> list[str]:
        """Bodies of every header line called ``name`` (no comma splitting)."""
        return [h.body for h in self.fields(header_key(name))]

    def header_fields(self, name: str) -> list[Header]:
        """The :class:`Header` records called ``name`` in message order (editable: a
        shared header list is cloned first; read-only callers use ``fields``)."""
        if self._shared:
            self._unshare()
        return list(self.fields(header_key(name)))

    def fields(self, key: str) -> list[Header] | tuple[Header, ...]:
        """Read-only view of the records whose ``header_key`` is ``key`` (already a key:
        ``"via"``, ``"to"`` ...): no list copy and no copy-on-write clone, for builders
        that only read. Never edit what it returns."""
        pos = self._first.get(key)
        if pos is None:
            return ()
        keys = self._keys
        if len(self._first) != len(keys) and keys.count(key) > 1:  # a key repeats
            record = self._record
            return tuple([record(at) for at in range(pos, len(keys)) if keys[at] == key])
        recs = self._recs
        if recs is not None:
            hdr = recs[pos]
            if hdr is not None:
                return (hdr,)
        return (self._record(pos),)

    def first_span(self, key: str) -> tuple[int, int, str] | None:
        """``(start, body_start, body)`` of the first header whose key is ``key``, as its
        record has them (``fields(key)[0]``), without building the record: the forwarder
        edits the top Via of every relayed request through these three values."""
        pos = self._first.get(key)
        if pos is None:
            return None
        recs = self._recs
        if recs is None and self._packed is not None:
            recs = self._rec_list()
        hdr = None if recs is None else recs[pos]
        if hdr is not None:
            return hdr.start, hdr.body_start, hdr.body
        start, body_start = self._lazy_span(pos)
        return start, body_start, self._bodies[pos]

    def _lazy_span(self, pos: int) -> tuple[int, int]:
        """``(start, body_start)`` of the header at ``pos`` while its record is unbuilt
        (the fast scan's line), as ``_record`` would set them."""
        lazy = self._lazy
        assert lazy is not None  # only the fast scan leaves records unbuilt
        starts = self._starts
        if starts is not None:
            start = starts[pos]
        elif pos == 0:
            start = lazy[0]
        else:  # each earlier line and its CRLF
            start = lazy[0] + sum(map(len, lazy[1][:pos])) + 2 * pos
        part = lazy[2][pos]
        if part[1] == ": ":  # (``_body_off``'s usual case, without its frame)
            return start, start + len(part[0]) + 2
        return start, start + _body_off(part)

    def spans(self, key: str) -> list[tuple[int, int, int, str]]:
        """``(start, end, body_start, body)`` of every header whose key is ``key``, as
        their records have them (``fields(key)``), without building a record for the
        usual single header: loose_route reads the Route header(s) of every request."""
        pos = self._first.get(key)
        if pos is None:
            return []
        keys = self._keys
        recs = self._recs
        if (self._lazy is None or (recs is None and self._packed is not None)
                or (recs is not None and recs[pos] is not None)
                or (len(self._first) != len(keys) and keys.count(key) > 1)):
            return [(h.start, h.end, h.body_start, h.body) for h in self.fields(key)]
        start, body_start = self._lazy_span(pos)
        return [(start, start + len(self._lazy[1][pos]) + 2, body_start, self._bodies[pos])]

    def overwrite_body(self, key: str, new: str) -> None:
        """Write ``new`` over the body of the first header whose key is ``key``, in the
        received text, keeping its length (``len(new)`` must be the body's): maxfwd
        decrements Max-Forwards in the received buffer. No record is built for it (a
        built record shared with a copy is cloned first, that record only)."""
        pos = self._first[key]
        recs = self._recs
        if recs is None and self._packed is not None:
            recs = self._rec_list()
        hdr = None if recs is None else recs[pos]
        if hdr is None:
            start, body_start = self._lazy_span(pos)
            bodies = self._bodies
            old = bodies[pos]
            self._bodies = (*bodies[:pos], new, *bodies[pos + 1:])
            if key in _REPLY_KEYS:  # ``reply_view`` copies the scanned line: a new one
                lazy = self._lazy  # (in a list of this message's own: copies share it)
                assert lazy is not None
                lines = list(lazy[1])
                line, off = lines[pos], body_start - start
                lines[pos] = f"{line[:off]}{new}{line[off + len(old):]}"
                self._lazy = (lazy[0], lines, lazy[2])
        else:
            if self._shared:  # copy-on-write of this one record (``_unshare``)
                assert recs is not None
                hdr = recs[pos] = hdr.clone()
            body_start, old = hdr.body_start, hdr.body
            hdr.body = new
        text = self.text
        self.text = f"{text[:body_start]}{new}{text[body_start + len(old):]}"

    def _new_plan(self, entry: list[Any], with_rr: bool) -> _ReplyPlan:
        """``_reply_plan`` of this message's keys, entered in its ``_REPLY_PLANS`` entry."""
        plan = entry[2 if with_rr else 1] = _reply_plan(self._keys, self._first, with_rr)
        return plan

    def reply_view(self, with_rr: bool) -> tuple[list[tuple[str, int, int]], list[str],
                                                 tuple[str, int, int] | None, list[str]]:
        """What a locally built reply copies, in one call and without building records:
        ``(vias, record_routes, to, rest)``. Each Via and the To are ``(line, body_off,
        body_end)`` - the header's text through its line end and its body's span in it;
        Record-Routes (every one, only when ``with_rr``) and ``rest`` (first From,
        Call-ID, CSeq, each when present) are the texts through their line ends. A
        record built before is read as ``fields`` would give it (its body may be edited)."""
        recs = self._recs
        if recs is None and self._packed is not None:
            recs = self._rec_list()
        lazy = self._lazy
        text = self.text
        keys = self._keys
        # the fast scan's keys are its layout's (``header_layout``), shared by messages
        entry = None if lazy is None else _REPLY_PLANS.get(id(keys))
        if entry is not None and entry[0] is keys:
            plan = entry[2 if with_rr else 1] or self._new_plan(entry, with_rr)
        elif lazy is not None:
            if len(_REPLY_PLANS) >= 1024:
                _REPLY_PLANS.clear()
            entry = _REPLY_PLANS[id(keys)] = [keys, None, None]
            plan = self._new_plan(entry, with_rr)
        else:
            plan = _reply_plan(keys, self._first, with_rr)
        wanted, n_via, n_head, to_at, span_pos, line_pos = plan
        vias: list[tuple[str, int, int]] = []
        lines: list[str] = []  # Record-Routes, then the rest
        to = None
        if recs is None:  # nothing built: the fast scan's lines (lazy is set)
            assert lazy is not None
            scanned, parts, bodies = lazy[1], lazy[2], self._bodies
            for pos in span_pos:  # the Vias, then the To: spans (``vias`` takes them all)
                name, sep, _ = part = parts[pos]
                off = len(name) + 2 if sep == ": " else _body_off(part)
                vias.append((scanned[pos] + "\r\n", off, off + len(bodies[pos])))
            for pos in line_pos:  # the Record-Routes, then the rest: lines
                lines.append(scanned[pos] + "\r\n")
            if to_at >= 0:
                to = vias.pop()
            if n_head == n_via:  # (no Record-Route: no slices)
                return vias, [], to, lines
            n_rr = n_head - n_via
            return vias, lines[:n_rr], to, lines[n_rr:]
        for at, pos in enumerate(wanted):
            hdr = recs[pos]
            if hdr is None:  # the fast scan's line (lazy is set: every record is built
                assert lazy is not None  # otherwise)
                line = lazy[1][pos] + "\r\n"
                if at < n_via or at == to_at:
                    part = lazy[2][pos]
                    off = _body_off(part)
                    span = (line, off, off + len(self._bodies[pos]))
            else:
                start = hdr.start
                line = text[start:hdr.end]
                if at < n_via or at == to_at:
                    off = hdr.body_start - start
                    span = (line, off, off + len(hdr.body))
            if at < n_via:
                vias.append(span)
            elif at == to_at:
                to = span
            else:
                lines.append(line)
        n_rr = n_head - n_via
        return vias, lines[:n_rr], to, lines[n_rr:]

    @property
    def first_header_start(self) -> int:
        """Offset of the first header (``eoh`` when there is none): where lumps that go
        before every header anchor (record_route, a Via of a Via-less request ...)."""
        if not self._keys:
            return self.eoh
        if self._lazy is not None:
            return self._lazy[0]
        return self._record(0).start

    @property
    def cseq_method(self) -> str:
        parts = (self._value("cseq") or "").split()
        return parts[1] if len(parts) > 1 else ""

    @property
    def cseq_num(self) -> str:
        parts = (self._value("cseq") or "").split()
        return parts[0] if parts else ""

    @property
    def method_name(self) -> str:
        """The request method, or for a reply the CSeq method (what ``$rm`` shows)."""
        return self.method if self.is_request else self.cseq_method

    @property
    def current_ruri(self) -> str:
        """The R-URI after rewrites (``$ru``)."""
        return self.new_uri if self.new_uri is not None else self.ruri

    def ruri_parsed(self) -> SipUri | None:
        try:
            return SipUri.parse(self.current_ruri)
        except UriError:
            return None

    def name_addr(self, name: str) -> NameAddr | None:
        body = self.header(name)
        if body is None:
            return None
        try:
            return NameAddr.parse(body)
        except ValueError:
            return None

    def via1(self) -> Via | None:
        """The first Via value parsed; remembered per message (replies, tm, sl and $pvars
        all ask), keyed by the header body's identity so an edited body is parsed again."""
        body = self._value("via")
        if body is None:
            return None
        cached = self._via1_cache
        if cached is not None and cached[0] is body:
            return cached[1]
        try:
            # (``Via.parse`` is this call and a frame more)
            via: Via | None = Via._parse_text(body.split(",")[0])
        except ValueError:
            via = None
        self._via1_cache = (body, via)
        return via

    @property
    def to_tag(self) -> str | None:
        """The To tag (``has_totag``): scanned for, not parsed into a NameAddr."""
        return _tag_param(self._value("to"))

    @property
    def length(self) -> int:
        return len(self.text)

    # ------------------------------------------------------------------ edits
    def removed(self, hdr: Header) -> bool:
        """True when a lump already deletes exactly this header."""
        return self.lumps.has_delete(hdr.start, hdr.end - hdr.start)

    def remove_header(self, hdr: Header) -> bool:
        """Delete one header in the outgoing message; False when it already is."""
        if self.removed(hdr):
            return False
        self.lumps.delete(hdr.start, hdr.end - hdr.start, kind="hdr")
        return True

    def append_header(self, text: str, after: Header | None = None) -> None:
        """Add header text after ``after`` or after the last header (``append_hf``)."""
        offset = after.end if after is not None else self.eoh
        self.lumps.anchor(offset, kind="hdr").insert_before(text)

    def insert_header(self, text: str, before: Header | None = None) -> None:
        """Add header text before ``before`` or before the first header (``insert_hf``)."""
        if before is None:
            offset = self.first_header_start
        else:
            offset = before.start
        self.lumps.anchor(offset, kind="hdr").insert_before(text)

    def outgoing_parts(self) -> tuple[str, str]:
        """(first line + headers + blank line, body) with lumps applied, first line as received."""
        return (self.lumps.apply(self.text, 0, self.body_start, include_end=False),
                self.lumps.apply(self.text, self.body_start, self.body_start + len(self.body)))

    def set_ruri(self, uri: str) -> None:
        self.new_uri = uri

    def copy(self) -> SipMessage:
        """An independent copy (transactions, resume routes, branches)."""
        # Header records are shared until one side hands one out for editing
        # (copy-on-write, ``_unshare``): tm copies every relayed request twice. Packed
        # records (``compact``) are immutable tuples: both sides unpack their own.
        new = _new_object(type(self))
        new.__dict__.update(self.__dict__)  # what copy.copy does, minus its reduce protocol
        recs = self._recs
        if recs is not None:
            new._recs = list(recs)  # own list (records built later stay apart) ...
            self._shared = new._shared = True  # ... sharing the records built so far
        branches = self.branches
        new.branches = [_copy.deepcopy(b) for b in branches] if branches else []
        # one memo for the lumps and module_data: state pointing at a lump (rr's
        # Record-Route anchor) must point at the copy's lump, the one it applies
        memo: dict[int, Any] = {}
        new.lumps = self.lumps.copy(memo)
        replies = self.reply_lumps
        new.reply_lumps = rl = _new_object(ReplyLumps)  # without the dataclass __init__
        rl.headers, rl.body = list(replies.headers), replies.body
        new.module_data = _deepcopy(self.module_data, memo) if self.module_data else {}
        return new

    def __repr__(self) -> str:
        return f"<SipMessage {self.first_line!r}>"


#: ``parse`` builds the instance itself while ``__init__`` is this one
_MESSAGE_INIT = SipMessage.__init__

# What a message ``keep`` emptied reads: empty, and immutable (a kept message is never
# edited in place; an edit would fail loudly here instead of reaching another message).
_EMPTY_LUMPS = _new_object(LumpList)
_EMPTY_LUMPS.items = ()  # type: ignore[assignment]
SipMessage.branches = ()  # type: ignore[assignment]
SipMessage.lumps = _EMPTY_LUMPS
SipMessage.reply_lumps = _NO_REPLY_LUMPS = ReplyLumps((), None)  # type: ignore[arg-type]
