"""Building the datagrams OpenSIPS sends: local replies and forwarded requests.

Replies follow ``build_res_buf_from_sip_req`` (msg_translator.c, 3.6): status line; every
Via header (the first one gets ``;received=`` and ``;rport=`` when the request asked for
rport or came from another address); Record-Route headers only for 180-299; To (with a
To-tag when one is given); From; Call-ID; CSeq; the reply lumps (``append_to_reply``); the
``Server`` header (``server_signature`` is on by default); ``Content-Length``; blank line;
body. Copied headers keep their received text byte for byte.

Forwarded requests are the received text with the lumps applied, the rewritten R-URI in the
request line, a new top Via of the sending socket and a recomputed Content-Length when the
body changed (``build_req_buf_from_sip_req``). Branch ids are derived from the message, so
runs are reproducible.
"""

from __future__ import annotations

import hashlib
import zlib
from operator import attrgetter, itemgetter

from .lumps import LumpList
from .message import SipMessage
from .via import Via

SERVER_HEADER = "Server: OpenSIPS (3.6.8 (x86_64/linux))"
CRLF = "\r\n"


def _received_needed(msg: SipMessage, via: Via) -> bool:
    """OpenSIPS's ``received_test``: the sent-by host is not the packet's source IP."""
    return via.param("received") is not None or via.host.strip("[]") != msg.src[0]


def _reply_via1(msg: SipMessage, line: str, off: int, end: int, via: Via) -> str:
    """The first Via line a reply carries (without line end), decided from the parsed
    ``via``: ``line`` is the header's text, its body at ``off:end``."""
    rport = msg.force_rport
    if not rport:  # ``via.param("rport") is not None`` without its frame
        for key, _ in via.params:
            if key == "rport" or key.lower() == "rport":
                rport = True
                break
    if rport or _received_needed(msg, via):
        return _via1_rewrite(msg, line, off, end, rport)
    return line[:end]


def _via_sent(body: str) -> tuple[str, str] | None:
    """``(host, raw parameters)`` of the first Via value of header body ``body``: what
    ``SipMessage.via1`` parses (``Via._parse_text(body.split(",")[0])``) reduced to what a
    reply needs, by the same string steps but with no Via object. None where that parse
    fails (a protocol that is not three ``/`` parts), so ``via1()`` is None."""
    proto, _, rest = body.partition(",")[0].strip().partition(" ")
    if proto.count("/") != 2:
        return None
    sent_by, _, raw = rest.partition(";")
    sent_by = sent_by.strip()
    if sent_by[:1] == "[":
        return sent_by[:sent_by.find("]") + 1], raw
    return sent_by.partition(":")[0], raw


def _raw_param(raw: str, name: str) -> str | None:
    """``Via.param(name)`` on the raw parameter text ``raw`` (``name`` lower case): the
    first parameter so named, "" for a flag, None when absent. A parameter so named puts
    ``name`` in ``raw.lower()``: callers test that first and skip the call."""
    for item in raw.split(";"):
        key, eq, value = item.partition("=")
        if key.strip().lower() == name:
            return value.strip() if eq else ""
    return None


def _via1_rewrite(msg: SipMessage, line: str, body_start: int, end: int,
                  rport: bool) -> str:
    """The header text ``line`` of the first Via (body ``line[body_start:end]``) with
    ``;received=`` and, when ``rport``, ``;rport=`` of the packet's source (an rport
    parameter present gets the value, else one is added)."""
    # position right after host[:port] of the first Via value: before the first ";" or
    # "," (or the end), trailing blanks left out. (No bounds for ``find``: they cost more
    # than the search, and the header's name and separator before ``body_start`` hold
    # neither character; one found past ``end`` is past the body.)
    cut = line.find(";")
    comma = line.find(",")
    if cut >= end:
        cut = -1
    if comma >= end:
        comma = -1
    if cut < 0 or 0 <= comma < cut:
        cut = end if comma < 0 else comma
    head_end = cut
    if cut > body_start and line[cut - 1].isspace():  # (rstrip's blanks: isspace's)
        head_end = body_start + len(line[body_start:cut].rstrip())
    received, rport_param = _SRC_PARAMS.get(msg.src) or _src_params(msg.src)
    if rport and (line.startswith(";rport", cut) or line[cut:cut + 6].lower() == ";rport") \
            and (cut + 6 == end or line[cut + 6] in ";,"):
        # the usual flag right after host:port: the first parameter, so the one filled in
        return f"{line[:head_end]}{received}{line[head_end:cut]}{rport_param}{line[cut + 6:end]}"
    out = line[:head_end] + received
    if rport:
        rest = line[head_end:end]
        idx = _param_span(rest, "rport")
        if idx is not None:
            return f"{out}{rest[:idx[0]]}{rport_param}{rest[idx[1]:]}"
        return f"{out}{rport_param}{rest}"
    return out + line[head_end:end]


#: a packet's source address -> its ``(";received=IP", ";rport=PORT")`` texts; bounded
_SRC_PARAMS: dict[tuple[str, int], tuple[str, str]] = {}


def _src_params(src: tuple[str, int]) -> tuple[str, str]:
    """``_SRC_PARAMS[src]``, made on a miss: every reply to and forward of a request that
    asked for rport writes them, and a sender sends from one address."""
    params = (f";received={src[0]}", f";rport={src[1]}")
    if len(_SRC_PARAMS) >= 1024:
        _SRC_PARAMS.clear()
    _SRC_PARAMS[src] = params
    return params


def _param_span(params: str, name: str) -> tuple[int, int] | None:
    """Span of ``;name[=value]`` inside a parameter string (first Via value only).

    ``name`` is lower case. Runs for every relayed request and reply, so only the
    parameters containing ``name`` are looked at (found with ``str.find``)."""
    comma = params.find(",")
    limit = len(params) if comma < 0 else comma
    return _span_in(params, params[:limit].lower(), name, limit)


def _span_in(params: str, low: str, name: str, limit: int) -> tuple[int, int] | None:
    """``_param_span`` given ``low`` (``params[:limit].lower()``): the first
    ``;``-separated parameter before ``limit`` whose name is ``name``. Only a parameter
    holding ``name`` can be it, so the search hops between its occurrences."""
    if len(low) != limit:  # lower() changed the length: index by index instead
        return _span_scan(params, name, limit)
    pos = low.find(name)
    while pos >= 0:
        i = params.rfind(";", 0, pos)
        j = params.find(";", pos, limit)
        end = limit if j < 0 else j
        if i >= 0 and params[i + 1:end].partition("=")[0].strip().lower() == name:
            return i, end
        if j < 0:
            return None
        pos = low.find(name, end)
    return None


def _span_scan(params: str, name: str, limit: int) -> tuple[int, int] | None:
    """``_span_in`` by visiting every parameter (the reference walk)."""
    i = params.find(";", 0, limit)
    while i >= 0:
        j = params.find(";", i + 1, limit)
        end = limit if j < 0 else j
        if params[i + 1:end].partition("=")[0].strip().lower() == name:
            return i, end
        i = j
    return None


def build_reply(msg: SipMessage, code: int, reason: str,
                extra_headers: list[str] | None = None, to_tag: str | None = None,
                body: str | None = None, headers: list[str] | None = None,
                sl_tag: bool = False) -> bytes:
    """A reply to request ``msg`` in OpenSIPS's byte layout.

    ``extra_headers`` (alias ``headers``) are complete header texts with their CRLF
    (default: the message's ``append_to_reply`` lumps); ``body`` defaults to the reply
    body lump. ``sl_tag``: the To gets sl's tag (:func:`sl_to_tag`, from the branch read
    here) instead of ``to_tag``.

    Every stateless reply and tm's 100 Trying are built here, so it is one frame: copied
    headers are sliced straight from the received text (``reply_view``); the first Via
    is the message's parsed one when there is one, else read from its text
    (``_via_sent``: a REGISTER's Via is parsed by nothing else).
    """
    if extra_headers is None:
        extra_headers = headers if headers is not None else msg.reply_lumps.headers
    if body is None:
        body = msg.reply_lumps.body
    vias, rrs, to, rest = msg.reply_view(180 <= code < 300)
    status = _STATUS_LINES.get((code, reason))
    if status is None:
        status = _status_line(code, reason)
    branch = ""
    if vias:
        line, off, end = vias[0]
        # the facts come from the body ``via1()`` parses (a record's, once built): its
        # Via when parsed before (tm's requests), else read from the text (sl's replies)
        if msg._recs is None and msg._packed is None:  # ``_value("via")`` unbuilt,
            via_body = msg._bodies[msg._first["via"]]  # without its frame
        else:
            via_body = msg._value("via")
        cached = msg._via1_cache
        if cached is not None and cached[0] is via_body:
            via = cached[1]
            if via is None:
                first = line[:end]
            else:
                if sl_tag:
                    branch = via.param("branch") or ""
                first = _reply_via1(msg, line, off, end, via)
        else:
            sent = _via_sent(via_body or "")
            if sent is None:
                first = line[:end]
            else:
                host, raw = sent
                low = raw.lower()
                if sl_tag and "branch" in low:
                    if low.startswith("branch="):  # the usual first parameter
                        branch = raw[7:].partition(";")[0].strip()
                    else:
                        branch = _raw_param(raw, "branch") or ""
                rport = msg.force_rport or ("rport" in low
                                            and _raw_param(raw, "rport") is not None)
                if (rport or host.strip("[]") != msg.src[0]
                        or ("received" in low and _raw_param(raw, "received") is not None)):
                    first = _via1_rewrite(msg, line, off, end, rport)
                else:
                    first = line[:end]
        if len(vias) > 1:  # every Via line ends in CRLF: the first one's too
            first = CRLF.join([first, *[line[:end] for line, _, end in vias[1:]]])
        via_end = CRLF
    else:
        first = via_end = ""
    if sl_tag:
        to_tag = sl_to_tag(msg, branch)
    to_line = "" if to is None else (_to_line_with_tag(*to, to_tag) if to_tag else to[0])
    # one list display: the pieces in order, empty lists unpacked to nothing
    return "".join([
        status, first, via_end, *rrs, to_line, *rest, *extra_headers,
        f"{_SERVER_LINE}Content-Length: {len(body)}\r\n\r\n{body}" if body
        else _SERVER_TAIL_EMPTY]).encode("latin-1")


#: (code, reason) -> status line: scripts reply with a few fixed pairs (bounded: a
#: reason may come from a variable)
_STATUS_LINES: dict[tuple[int, str], str] = {}


def _status_line(code: int, reason: str) -> str:
    """The status line of a reply, remembered in ``_STATUS_LINES``."""
    line = f"SIP/2.0 {code:03d} {reason}\r\n"
    if len(_STATUS_LINES) >= 256:
        _STATUS_LINES.clear()
    _STATUS_LINES[(code, reason)] = line
    return line


_SERVER_LINE = SERVER_HEADER + CRLF
_SERVER_TAIL_EMPTY = f"{_SERVER_LINE}Content-Length: 0\r\n\r\n"


def _to_line_with_tag(text: str, body_start: int, body_end: int, tag: str) -> str:
    """The To header text ``text`` (body ``text[body_start:body_end]``) with ``tag`` as
    its tag: an existing tag value replaced, else ``;tag=`` added after the body. A
    request's To mostly has no parameter after its URI: then no ``lower()`` and no search
    (for ASCII text only: a ``lower()`` that lengthens the text shifts the search)."""
    gt = text.rfind(">", body_start, body_end)
    search_from = gt + 1 if gt >= 0 else body_start
    if text.find(";", search_from, body_end) >= 0 or not text.isascii():
        idx = text.lower().find(";tag=", search_from, body_end)
        if idx >= 0:
            ve = idx + 5
            while ve < body_end and text[ve] not in ";, \t\r\n":
                ve += 1
            return f"{text[:idx + 5]}{tag}{text[ve:]}"
    return f"{text[:body_end]};tag={tag}{text[body_end:]}"


_SL_TAG_FIXED = hashlib.md5(b"OpenSIPS-stateless").hexdigest()


def sl_to_tag(msg: SipMessage, branch: str | None = None) -> str:
    """The To-tag sl adds: a fixed md5 part and a per-request CRC suffix (tags.h layout).

    ``branch``: the first Via's branch ("" for none) when the caller has read it."""
    if branch is None:
        via = msg.via1()
        branch = (via.param("branch") or "") if via is not None else ""
    seed = (msg._value("call-id") or "") + branch  # (a key already: no header_key call)
    return f"{_SL_TAG_FIXED}-{zlib.crc32(seed.encode('latin-1')) & 0xffffffff:08x}"


def make_branch(msg: SipMessage, counter: int = 0) -> str:
    """A deterministic RFC 3261 branch for a forwarded copy of ``msg``."""
    via = msg.via1()
    seed = "|".join([msg.header("call-id") or "", msg.cseq_num, msg.method_name,
                     (via.branch or "") if via else "", str(counter)])
    digest = hashlib.md5(seed.encode("latin-1")).hexdigest()
    return f"z9hG4bK{digest[:8]}.{counter}"


def build_forward(msg: SipMessage, dst: tuple[str, int] | None = None,
                  local: tuple[str, int] = ("127.0.0.1", 5060), branch: str | None = None,
                  proto: str = "udp", ruri: str | None = None,
                  extra_lumps: LumpList | None = None, via: str | None = None) -> bytes:
    """The request ``msg`` as forwarded to ``dst`` from ``local``.

    ``ruri`` overrides the request URI (branches); ``extra_lumps`` replaces the message's
    own lumps (per-branch edits in tm); ``via`` is a ready-made top Via line (tm builds its
    own branch ids) used instead of one built from ``local`` and ``branch``.
    """
    return build_forward_text(msg, dst, local, branch, proto, ruri, extra_lumps,
                              via).encode("latin-1")


def build_forward_text(msg: SipMessage, dst: tuple[str, int] | None = None,
                       local: tuple[str, int] = ("127.0.0.1", 5060),
                       branch: str | None = None, proto: str = "udp",
                       ruri: str | None = None, extra_lumps: LumpList | None = None,
                       via: str | None = None) -> str:
    """:func:`build_forward` as latin-1 text (tm keeps and compares the text, so it need
    not encode here and decode again).

    The builder's own edits (the new top Via, ``received``/``rport`` on the old one, the
    Content-Length) are merged into the message's lumps as plain tuples, placed where
    ``LumpList`` would put them (after every lump at the same offset, in the order they
    are made), and everything is applied in one pass: no Lump objects, no list copy."""
    if via is not None:
        via_line = via if via.endswith(CRLF) else via.rstrip("\r\n") + CRLF
    else:
        if branch is None:
            branch = make_branch(msg)
        via_line = f"Via: SIP/2.0/{proto.upper()} {_hostport(local)};branch={branch}{CRLF}"
    text = msg.text
    top = msg.via1()
    # the builder's edits, in the order LumpList would get them: (offset, length,
    # before texts, after texts)
    edits: list[_Edit]
    if top is not None:
        span = msg.first_span("via")  # no Header record built
        assert span is not None  # (a top Via was parsed)
        via_start, body_start, body = span
        comma = body.find(",")
        value = text[body_start:body_start + len((body if comma < 0 else body[:comma])
                                                 .rstrip())]
        semi = value.find(";")
        force = msg.force_rport
        if semi >= 0:
            if (value.startswith(";rport", semi) and value[semi + 6:semi + 7] in ";"
                    and "received" not in value.lower()):
                # the usual ``;rport`` flag first, no received: what the scan finds
                rport_span, received_span = (semi, semi + 6), None
            else:
                rport_span, received_span = _rport_received_spans(value)
            after_hostport = body_start + semi
        else:
            rport_span = received_span = None
            after_hostport = body_start + len(value)
        edits = [(via_start, 0, (via_line,), ())]
        if rport_span is not None or force or _received_needed(msg, top):
            # received goes right after host:port (an old one is overwritten), then rport
            # (forced: chained after the received text, newest first, so before it)
            received, rport_param = _SRC_PARAMS.get(msg.src) or _src_params(msg.src)
            after = ((rport_param, received) if force and rport_span is None
                     else (received,))
            if received_span is not None:
                edits.append((body_start + received_span[0],
                              received_span[1] - received_span[0], (), after))
            else:
                edits.append((after_hostport, 0, (), after))
            if rport_span is not None:
                edits.append((body_start + rport_span[0], rport_span[1] - rport_span[0],
                              (), (rport_param,)))
    else:
        headers = msg.headers_list
        edits = [(headers[0].start if headers else msg.eoh, 0, (via_line,), ())]
    # the message's lumps (shared, never edited) as tuples, sorted by offset
    # (``map`` of an attrgetter: no comprehension frame)
    lumps: list[_Edit] = list(map(_lump_edit, (extra_lumps if extra_lumps is not None
                                               else msg.lumps).items))
    # Content-Length follows the body edits (none of the builder's edits is in the body)
    body_start = msg.body_start
    old_len = len(msg.body)
    body_end = body_start + old_len
    if lumps and lumps[-1][0] >= body_start:
        new_body = _apply(text, lumps, body_start, body_end, True)
        if len(new_body) != old_len:
            cls = msg.fields("content-length")
            if cls:
                hdr = cls[0]
                edits.append((hdr.body_start, len(hdr.body), (), (str(len(new_body)),)))
    else:
        new_body = text[body_start:body_end]
    # a stable sort by offset puts each edit after every lump at the same offset and
    # after the edits made before it: where ``LumpList._add`` would have put it
    lumps += edits
    lumps.sort(key=_offset)
    head = _apply(text, lumps, text.find("\n") + 1, body_start, False)
    uri = ruri if ruri is not None else msg.current_ruri
    return f"{msg.method} {uri} {msg.version}{CRLF}{head}{new_body}"


_Edit = tuple[int, int, "list[str] | tuple[str, ...]", "list[str] | tuple[str, ...]"]


_offset = itemgetter(0)
#: a Lump as an edit tuple ``(offset, length, before, after)``
_lump_edit = attrgetter("offset", "length", "before", "after")


def _apply(text: str, lumps: list[_Edit], start: int, end: int, include_end: bool) -> str:
    """``LumpList.apply`` over edit tuples: ``text[start:end]`` with the lumps applied."""
    out: list[str] = []
    append = out.append
    extend = out.extend
    s_off = start
    last_del = -1
    for offset, length, before, after in lumps:
        if offset < start or offset > end or (offset == end and not include_end):
            continue
        if offset < s_off and offset != last_del:
            continue
        if s_off < offset:
            append(text[s_off:offset])
            s_off = offset
        if length > 0:
            last_del = offset
            if before:
                extend(before)
            if offset + length > s_off:
                s_off = offset + length
        elif before:
            extend(before)
        if after:
            extend(after)
    if s_off < end:
        append(text[s_off:end])
    return "".join(out)


def _rport_received_spans(params: str) -> tuple[tuple[int, int] | None,
                                                tuple[int, int] | None]:
    """``(_param_span(params, "rport"), _param_span(params, "received"))``, lowering the
    parameters once."""
    comma = params.find(",")
    limit = len(params) if comma < 0 else comma
    low = params[:limit].lower()
    return (_span_in(params, low, "rport", limit) if "rport" in low else None,
            _span_in(params, low, "received", limit) if "received" in low else None)


def _hostport(addr: tuple[str, int]) -> str:
    host = f"[{addr[0]}]" if ":" in addr[0] else addr[0]
    return f"{host}:{addr[1]}"
