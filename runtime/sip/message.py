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
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .headers import header_key
from .lumps import Lump, LumpList
from .nameaddr import NameAddr
from .uri import SipUri, UriError
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
        out.before = _deepcopy(value.before, memo)
        out.after = _deepcopy(value.after, memo)
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


#: ``_headers`` of a packed message: an empty tuple, so a path that forgot to unpack
#: fails loudly instead of filling a list shared by every packed message
_NO_HEADERS: Any = ()


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
    """A parsed request or reply with its pending edits."""

    def __init__(self) -> None:
        self.text = ""
        self.is_request = True
        self.first_line = ""
        self.method = ""
        self.ruri = ""
        self.version = "SIP/2.0"
        self.status: int | None = None
        self.reason = ""
        self._headers: list[Header] = []
        #: header key -> its Header record, or a list of them in message order when the
        #: name occurs more than once (a list per name was most of what a transaction kept
        #: alive for the cyclic GC); built once (``_parse`` / ``_indexed``)
        self._index: dict[str, Header | list[Header]] | None = None
        #: ``_headers``/``_index`` are shared with a copy (``copy``): clone before handing
        #: out a record that may be edited (``headers_list``, ``header_fields``)
        self._shared = False
        #: ``compact``: the header records as plain tuples (``_headers`` is then empty and
        #: ``_index`` None until ``_unpack`` rebuilds them)
        self._packed: tuple[tuple[str, str, int, int, int, str], ...] | None = None
        self._via1_cache: tuple[str, Via | None] | None = None
        self.eoh = 0
        self.body_start = 0
        self.body = ""
        self.new_uri: str | None = None
        self.dst_uri: str | None = None
        self.ruri_q = -1
        self.branches: list[Branch] = []
        self.src: tuple[str, int] = ("127.0.0.1", 5070)
        self.dst: tuple[str, int] = ("127.0.0.1", 5060)
        self.proto = "udp"
        self.lumps = LumpList()
        self.reply_lumps = ReplyLumps()
        self.force_rport = False
        self.msg_id = 0
        self.is_dummy = False
        #: per-message state of modules (rr's Record-Route lump, maxfwd's stored value...)
        self.module_data: dict[str, Any] = {}

    # ---------------------------------------------------------------- parsing
    @classmethod
    def parse(cls, data: bytes | str, src: tuple[str, int] = ("127.0.0.1", 5070),
              dst: tuple[str, int] = ("127.0.0.1", 5060), proto: str = "udp") -> SipMessage:
        """Parse one datagram; raise :class:`SipParseError` on what OpenSIPS drops."""
        text = data.decode("latin-1") if isinstance(data, bytes) else data
        msg = cls()
        msg.text = text
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
        parts = first.split(" ", 2)
        if len(parts) < 3 and not (len(parts) == 2 and parts[0].upper().startswith("SIP/")):
            raise SipParseError(f"bad first line {first!r}")
        if parts[0].upper().startswith("SIP/"):
            self.is_request = False
            self.version = parts[0]
            if not parts[1].isdigit() or len(parts[1]) != 3:
                raise SipParseError(f"bad status code in {first!r}")
            self.status = int(parts[1])
            self.reason = parts[2] if len(parts) > 2 else ""
        else:
            if not parts[2].upper().startswith("SIP/"):
                raise SipParseError(f"bad request line {first!r}")
            self.method, self.ruri, self.version = parts[0], parts[1], parts[2]
            if not self.method.isprintable() or not self.method:
                raise SipParseError("bad method")
        pos = nl + 1
        current: Header | None = None
        size = len(text)
        headers = self._headers
        index: dict[str, Header | list[Header]] = {}
        self._index = index
        find = text.find
        end = find("\r\n\r\n", pos)
        block = text[pos:end] if end > pos and text[pos] not in "\r\n \t" else ""
        fast = _FAST_PATH and bool(block) and "\n " not in block and "\n\t" not in block \
            and block.count("\r") == block.count("\n") == block.count("\r\n")
        if fast:
            # the common shape: CRLF lines, no folding - one split instead of a scan per line
            # (same results as the general loop below, which handles everything else)
            new_header, key_of = _new_object, header_key
            for line in block.split("\r\n"):
                line_end = pos + len(line) + 2
                colon = line.find(":")
                if colon <= 0:
                    raise SipParseError(f"bad header line {line!r}")
                rest = line[colon + 1:]
                value = rest.lstrip(" \t")
                # Header(...) without the dataclass __init__ (a third of the parse time)
                current = new_header(Header)
                current.name = name = line[:colon].strip()
                current.body = value.rstrip(" \t")
                current.start, current.end = pos, line_end
                current.body_start = pos + colon + 1 + len(rest) - len(value)
                current.key = key_of(name)
                headers.append(current)
                same = index.get(current.key)
                if same is None:
                    index[current.key] = current
                elif type(same) is list:
                    same.append(current)
                else:
                    index[current.key] = [same, current]  # type: ignore[list-item]
                pos = line_end
            self.eoh = end + 2
            self.body_start = end + 4
        while not fast:
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
                same = index.get(current.key)
                if same is None:
                    index[current.key] = current
                elif type(same) is list:
                    same.append(current)
                else:
                    index[current.key] = [same, current]  # type: ignore[list-item]
            pos = line_end
        self.body = text[self.body_start:]
        cl = index.get("content-length")
        if cl is not None:
            cl_text = (cl if type(cl) is Header else cl[0]).body  # type: ignore[index]
            if cl_text.strip().isdigit() and int(cl_text) < len(self.body):
                self.body = self.body[:int(cl_text)]
        for name in ("via", "from", "to", "call-id", "cseq"):
            if name not in index and not (name == "via" and not self.is_request):
                raise SipParseError(f"missing {name} header")
        if self.is_request:
            try:
                SipUri.parse(self.ruri)
            except UriError as exc:
                raise SipParseError(str(exc)) from exc

    # ----------------------------------------------------------------- access
    @property
    def headers_list(self) -> list[Header]:
        """The :class:`Header` records in message order (yours to edit: a list shared with
        a copy is cloned first)."""
        if self._packed is not None:
            self._unpack()
        elif self._shared:
            self._unshare()
        return self._headers

    @headers_list.setter
    def headers_list(self, value: list[Header]) -> None:
        self._headers = value
        self._index = None
        self._shared = False
        self._packed = None

    def _unshare(self) -> None:
        """Copy-on-write: give this message its own Header records (a maxfwd rewrite or a
        test editing ``headers_list`` must not show in the copies sharing them)."""
        if self._packed is not None:
            self._unpack()
            return
        self._headers = [h.clone() for h in self._headers]
        self._index = None
        self._shared = False

    def compact(self) -> None:
        """Keep the header records as tuples of str/int until next used.

        tm stores a copy of every request it handles and most are never read again (the
        transaction ends with a relayed reply); their Header objects, lists and index were
        most of what the cyclic GC rescanned while transactions waited. Tuples of atomic
        values are untracked by the GC; ``_unpack`` rebuilds equal records on first use.
        """
        if self._packed is not None or not self._headers:
            return
        self._packed = tuple([(h.name, h.body, h.start, h.end, h.body_start, h.key)
                              for h in self._headers])
        self._headers = _NO_HEADERS  # never read while packed: every reader unpacks first
        self._index = None
        self._shared = False

    def _unpack(self) -> None:
        """Header records again from ``compact``'s tuples (same values, own objects)."""
        packed, self._packed = self._packed, None
        new_header = _new_object
        headers = []
        for name, body, start, end, body_start, key in packed or ():
            hdr = new_header(Header)
            hdr.name, hdr.body, hdr.start, hdr.end = name, body, start, end
            hdr.body_start, hdr.key = body_start, key
            headers.append(hdr)
        self._headers = headers
        self._index = None
        self._shared = False

    def _indexed(self) -> dict[str, Header | list[Header]]:
        """The header index (``_parse`` builds it; a hand-made message gets it here)."""
        index = self._index
        if index is None:
            if self._packed is not None:
                self._unpack()
            index = {}
            for hdr in self._headers:
                same = index.get(hdr.key)
                if same is None:
                    index[hdr.key] = hdr
                elif type(same) is list:
                    same.append(hdr)
                else:
                    index[hdr.key] = [same, hdr]  # type: ignore[list-item]
            self._index = index
        return index

    def header(self, name: str) -> str | None:
        """Body of the first header called ``name`` (case-insensitive, compact forms)."""
        index = self._index if self._index is not None else self._indexed()
        found = index.get(header_key(name))
        if found is None:
            return None
        return found.body if type(found) is Header else found[0].body  # type: ignore[index]

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
        index = self._index if self._index is not None else self._indexed()
        found = index.get(key)
        if found is None:
            return ()
        return (found,) if type(found) is Header else found  # type: ignore[return-value]

    @property
    def cseq_method(self) -> str:
        cseq = self.header("cseq") or ""
        parts = cseq.split()
        return parts[1] if len(parts) > 1 else ""

    @property
    def cseq_num(self) -> str:
        parts = (self.header("cseq") or "").split()
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
        index = self._index if self._index is not None else self._indexed()
        vias = index.get("via")
        if vias is None:
            return None
        body = (vias if type(vias) is Header else vias[0]).body  # type: ignore[index]
        cached = self._via1_cache
        if cached is not None and cached[0] is body:
            return cached[1]
        try:
            via: Via | None = Via.parse(body.split(",")[0])
        except ValueError:
            via = None
        self._via1_cache = (body, via)
        return via

    @property
    def to_tag(self) -> str | None:
        to = self.name_addr("to")
        return to.tag if to else None

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
            if self._packed is not None:
                self._unpack()
            offset = self._headers[0].start if self._headers else self.eoh
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
        if self._packed is None:
            self._indexed()
            self._shared = True
        new = _new_object(type(self))
        new.__dict__.update(self.__dict__)  # what copy.copy does, minus its reduce protocol
        new.branches = [_copy.deepcopy(b) for b in self.branches]
        new.lumps = self.lumps.copy()
        new.reply_lumps = ReplyLumps(list(self.reply_lumps.headers), self.reply_lumps.body)
        new.module_data = _deepcopy(self.module_data, {}) if self.module_data else {}
        return new

    def __repr__(self) -> str:
        return f"<SipMessage {self.first_line!r}>"
