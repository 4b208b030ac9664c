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

from .lumps import LumpList
from .message import Header, SipMessage
from .via import Via

SERVER_HEADER = "Server: OpenSIPS (3.6.8 (x86_64/linux))"
CRLF = "\r\n"


def _first_via(msg: SipMessage) -> tuple[Header, Via] | None:
    via = msg.via1()  # parsed once per message
    if via is None:
        return None
    return msg.fields("via")[0], via


def _received_needed(msg: SipMessage, via: Via) -> bool:
    """OpenSIPS's ``received_test``: the sent-by host is not the packet's source IP."""
    return via.param("received") is not None or via.host.strip("[]") != msg.src[0]


def _via1_text(msg: SipMessage, hdr: Header, via: Via) -> str:
    """The first Via header line as a reply carries it (without line end)."""
    text = msg.text[hdr.start:hdr.body_start + len(hdr.body)]
    rport = via.param("rport") is not None or msg.force_rport
    if not (rport or _received_needed(msg, via)):
        return text
    # position right after host[:port] of the first Via value
    value = msg.text[hdr.body_start:hdr.body_start + len(hdr.body)]
    semi = value.find(";")
    comma = value.find(",")
    cut = min(x for x in (semi, comma, len(value)) if x >= 0)
    head_end = hdr.body_start - hdr.start + len(value[:cut].rstrip())
    out = text[:head_end] + f";received={msg.src[0]}"
    rest = text[head_end:]
    if rport:
        new = f";rport={msg.src[1]}"
        idx = _param_span(rest, "rport")
        if idx is not None:
            rest = rest[:idx[0]] + new + rest[idx[1]:]
        else:
            out += new
    return out + rest


def _param_span(params: str, name: str) -> tuple[int, int] | None:
    """Span of ``;name[=value]`` inside a parameter string (first Via value only).

    ``name`` is lower case. Runs for every forwarded request, so it hops from ``;`` to
    ``;`` with ``str.find`` and skips the scan when the name does not occur at all."""
    comma = params.find(",")
    limit = len(params) if comma < 0 else comma
    if name not in params[:limit].lower():
        return None
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
                body: str | None = None, headers: list[str] | None = None) -> bytes:
    """A reply to request ``msg`` in OpenSIPS's byte layout.

    ``extra_headers`` (alias ``headers``) are complete header texts with their CRLF
    (default: the message's ``append_to_reply`` lumps); ``body`` defaults to the reply
    body lump.
    """
    return build_reply_text(msg, code, reason, extra_headers, to_tag, body,
                            headers).encode("latin-1")


def build_reply_text(msg: SipMessage, code: int, reason: str,
                     extra_headers: list[str] | None = None, to_tag: str | None = None,
                     body: str | None = None, headers: list[str] | None = None) -> str:
    """:func:`build_reply` as latin-1 text (tm keeps the text of its replies).

    Every stateless reply and tm's 100 Trying are built here, so copied headers are sliced
    straight from the received text by their records (no re-finding, one join).
    """
    if extra_headers is None:
        extra_headers = headers if headers is not None else msg.reply_lumps.headers
    if body is None:
        body = msg.reply_lumps.body
    text = msg.text
    fields = msg.fields
    out = [f"SIP/2.0 {code:03d} {reason}\r\n"]
    append = out.append
    vias = fields("via")
    if vias:
        hdr = vias[0]
        via = msg.via1()
        if via is not None:
            append(_via1_text(msg, hdr, via))
        else:
            append(text[hdr.start:hdr.body_start + len(hdr.body)])
        append(CRLF)
        for hdr in vias[1:]:
            append(text[hdr.start:hdr.body_start + len(hdr.body)])
            append(CRLF)
    if 180 <= code < 300:
        for hdr in fields("record-route"):
            append(text[hdr.start:hdr.end])
    to = fields("to")
    if to:
        hdr = to[0]
        append(_with_to_tag(msg, hdr, to_tag) if to_tag else text[hdr.start:hdr.end])
    for key in _REPLY_COPIED:
        found = fields(key)
        if found:
            hdr = found[0]
            append(text[hdr.start:hdr.end])
    out.extend(extra_headers)
    if body:
        append(f"{_SERVER_LINE}Content-Length: {len(body)}\r\n\r\n")
        append(body)
    else:
        append(_SERVER_TAIL_EMPTY)
    return "".join(out)


#: headers copied after To, in this order (their first occurrence only)
_REPLY_COPIED = ("from", "call-id", "cseq")
_SERVER_LINE = SERVER_HEADER + CRLF
_SERVER_TAIL_EMPTY = f"{_SERVER_LINE}Content-Length: 0\r\n\r\n"


def _with_to_tag(msg: SipMessage, hdr: Header, tag: str) -> str:
    text = msg.text[hdr.start:hdr.end]
    body_end = hdr.body_start + len(hdr.body) - hdr.start
    span = _tag_span(text, hdr.body_start - hdr.start, body_end)
    if span is not None:
        return text[:span[0]] + tag + text[span[1]:]
    return text[:body_end] + ";tag=" + tag + text[body_end:]


def _tag_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    gt = text.rfind(">", start, end)
    search_from = gt + 1 if gt >= 0 else start
    low = text.lower()
    idx = low.find(";tag=", search_from, end)
    if idx < 0:
        return None
    vs = idx + 5
    ve = vs
    while ve < end and text[ve] not in ";, \t\r\n":
        ve += 1
    return vs, ve


_SL_TAG_FIXED = hashlib.md5(b"OpenSIPS-stateless").hexdigest()


def sl_to_tag(msg: SipMessage) -> str:
    """The To-tag sl adds: a fixed md5 part and a per-request CRC suffix (tags.h layout)."""
    fixed = _SL_TAG_FIXED
    via = msg.via1()
    seed = (msg.header("call-id") or "") + (via.branch or "" if via else "")
    return f"{fixed}-{zlib.crc32(seed.encode('latin-1')) & 0xffffffff:08x}"


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
    not encode here and decode again)."""
    # only new lumps are added below (the existing ones are never edited), so the
    # message's lumps are shared rather than deep-copied
    lumps = (extra_lumps if extra_lumps is not None else msg.lumps).derived()
    if via is not None:
        via_line = via if via.endswith(CRLF) else via.rstrip("\r\n") + CRLF
    else:
        if branch is None:
            branch = make_branch(msg)
        via_line = f"Via: SIP/2.0/{proto.upper()} {_hostport(local)};branch={branch}{CRLF}"
    text = msg.text
    top = msg.via1()
    if top is not None:
        hdr = msg.fields("via")[0]
        body_start = hdr.body_start
        lumps.anchor(hdr.start, kind="via").insert_before(via_line)
        body = hdr.body
        comma = body.find(",")
        value = text[body_start:body_start + len((body if comma < 0 else body[:comma])
                                                 .rstrip())]
        semi = value.find(";")
        force = msg.force_rport
        if semi >= 0:
            rport_span = _param_span(value, "rport")
            received_span = _param_span(value, "received")
            after_hostport = body_start + semi
        else:
            rport_span = received_span = None
            after_hostport = body_start + len(value)
        insert_at = None
        if rport_span is not None or force or _received_needed(msg, top):
            # received goes right after host:port (an old one is overwritten), then rport
            if received_span is not None:
                insert_at = lumps.delete(body_start + received_span[0],
                                         received_span[1] - received_span[0], kind="via")
            else:
                insert_at = lumps.anchor(after_hostport, kind="via")
            insert_at.insert_after(f";received={msg.src[0]}")
        if rport_span is not None:
            lumps.delete(body_start + rport_span[0], rport_span[1] - rport_span[0],
                         kind="via").insert_after(f";rport={msg.src[1]}")
        elif force and insert_at is not None:
            # chained after the received anchor: newest first, so before received
            insert_at.insert_after(f";rport={msg.src[1]}")
    else:
        headers = msg.headers_list
        lumps.anchor(headers[0].start if headers else msg.eoh, kind="via").insert_before(
            via_line)
    # Content-Length follows the body edits
    body_start = msg.body_start
    old_len = len(msg.body)
    new_body = lumps.apply(text, body_start, body_start + old_len)
    if len(new_body) != old_len:
        cls = msg.fields("content-length")
        if cls:
            hdr = cls[0]
            lumps.delete(hdr.body_start, len(hdr.body), kind="cl").insert_after(
                str(len(new_body)))
    head = lumps.apply(text, text.find("\n") + 1, body_start, include_end=False)
    uri = ruri if ruri is not None else msg.current_ruri
    return f"{msg.method} {uri} {msg.version}{CRLF}{head}{new_body}"


def _hostport(addr: tuple[str, int]) -> str:
    host = f"[{addr[0]}]" if ":" in addr[0] else addr[0]
    return f"{host}:{addr[1]}"
