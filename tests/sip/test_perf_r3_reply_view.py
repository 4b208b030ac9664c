"""Differential test of the reply builder's one-call header view (``reply_view``):
``build_reply`` must give, byte for byte, what the record-based builder gave, for
fast-scanned, generally scanned (LF, folding), compact-form, repeated-header, edited,
compacted and copied messages."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from osipsc.runtime.sip.build import (
    _SERVER_LINE,
    _SERVER_TAIL_EMPTY,
    _to_line_with_tag,
    build_reply,
    sl_to_tag,
)
from osipsc.runtime.sip.message import Header, SipMessage

from .test_perf_relay_build import via1_text


def build_reply_text(msg: SipMessage, code: int, reason: str, to_tag: str | None) -> str:
    """``build_reply``'s datagram as text."""
    return build_reply(msg, code, reason, to_tag=to_tag).decode("latin-1")


def _with_to_tag(msg: SipMessage, hdr: Header, tag: str) -> str:
    """The To header line with ``tag`` added, from its record."""
    off = hdr.body_start - hdr.start
    return _to_line_with_tag(msg.text[hdr.start:hdr.end], off, off + len(hdr.body), tag)


def ref_reply(msg: SipMessage, code: int, reason: str, to_tag: str | None) -> str:
    """The builder as it was before ``reply_view``: records through ``fields``."""
    extra_headers = msg.reply_lumps.headers
    body = msg.reply_lumps.body
    text = msg.text
    fields = msg.fields
    out = [f"SIP/2.0 {code:03d} {reason}\r\n"]
    vias = fields("via")
    if vias:
        hdr = vias[0]
        via = msg.via1()
        if via is not None:
            out.append(via1_text(msg, hdr, via))
        else:
            out.append(text[hdr.start:hdr.body_start + len(hdr.body)])
        out.append("\r\n")
        for hdr in vias[1:]:
            out.append(text[hdr.start:hdr.body_start + len(hdr.body)])
            out.append("\r\n")
    if 180 <= code < 300:
        for hdr in fields("record-route"):
            out.append(text[hdr.start:hdr.end])
    to = fields("to")
    if to:
        hdr = to[0]
        out.append(_with_to_tag(msg, hdr, to_tag) if to_tag else text[hdr.start:hdr.end])
    for key in ("from", "call-id", "cseq"):
        found = fields(key)
        if found:
            hdr = found[0]
            out.append(text[hdr.start:hdr.end])
    out.extend(extra_headers)
    if body:
        out.append(f"{_SERVER_LINE}Content-Length: {len(body)}\r\n\r\n")
        out.append(body)
    else:
        out.append(_SERVER_TAIL_EMPTY)
    return "".join(out)


HEADS = [
    "Via: SIP/2.0/UDP 10.0.0.1:5090;rport;branch=z9hG4bK1\r\n",
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK2 \r\n",
    "v:SIP/2.0/TCP h2;received=1.2.3.4\r\n",
    "Via: SIP/2.0/UDP a, SIP/2.0/UDP b;rport\r\n",
    "Via:\t \r\n",
    "Record-Route: <sip:rr1;lr>\r\n",
    "record-route:<sip:rr2;lr> \r\n",
    "To: <sip:b@h>\r\n",
    "t: \"B\" <sip:b@h>;tag=abc;x=1  \r\n",
    "TO:sip:b@h;TAG=old\r\n",
    "From: <sip:a@h>;tag=1\r\n",
    "f: <sip:a2@h>\r\n",
    "Call-ID: c1\r\n",
    "i:c2 \r\n",
    "CSeq: 1 INVITE\r\n",
    "X-Other: y\r\n",
]
REQUIRED = ["Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKr\r\n", "From: <sip:r@h>;tag=9\r\n",
            "To: <sip:r@h>\r\n", "Call-ID: r\r\n", "CSeq: 7 INVITE\r\n"]


def _messages(heads: list[str]) -> list[SipMessage]:
    """The same header block fast-scanned, LF-only (general scan) and folded."""
    block = "".join(heads)
    texts = [f"INVITE sip:b@h SIP/2.0\r\n{block}Content-Length: 0\r\n\r\n",
             f"INVITE sip:b@h SIP/2.0\n{block.replace(chr(13), '')}Content-Length: 0\n\n",
             f"INVITE sip:b@h SIP/2.0\r\n{block}X-Fold: a\r\n b\r\nContent-Length: 0\r\n\r\n"]
    return [SipMessage.parse(t, src=("127.0.0.1", 5070)) for t in texts]


def _variants(msg: SipMessage) -> list[SipMessage]:
    """The message as is, with records built (some edited), compacted, copied."""
    out = [msg]
    built = msg.copy()
    built.fields("via")
    built.fields("to")
    out.append(built)
    edited = msg.copy()
    for hdr in edited.header_fields("to"):
        hdr.body = hdr.body + ";x"
    out.append(edited)
    packed = msg.copy()
    packed.fields("from")
    packed.compact()
    out.append(packed)
    every = msg.copy()
    _ = every.headers_list
    out.append(every)
    return out


CASES = [REQUIRED, HEADS + REQUIRED, REQUIRED[::-1] + HEADS[::-1],
         [HEADS[0], HEADS[3], HEADS[5], HEADS[6], HEADS[9], HEADS[11], HEADS[13], HEADS[14]],
         [HEADS[4], *REQUIRED[1:]]]


@pytest.mark.parametrize("heads", CASES)
@pytest.mark.parametrize(("code", "tag"), [(100, None), (180, "tg"), (200, "tg"),
                                           (302, None), (404, "x1"), (299, None)])
def test_reply_matches_record_builder(heads: list[str], code: int, tag: str | None) -> None:
    for base in _messages(heads):
        for msg in _variants(base):
            assert build_reply_text(msg, code, "R", to_tag=tag) == \
                ref_reply(msg, code, "R", tag)


def test_force_rport_and_lumps() -> None:
    msg = _messages(HEADS + REQUIRED)[0]
    msg.force_rport = True
    msg.reply_lumps.headers.append("X-R: 1\r\n")
    msg.reply_lumps.body = "body"
    assert build_reply_text(msg, 200, "OK", to_tag=sl_to_tag(msg)) == \
        ref_reply(msg, 200, "OK", sl_to_tag(msg))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(HEADS), max_size=8), st.sampled_from([100, 183, 486]),
       st.booleans())
def test_reply_view_hypothesis(extra: list[str], code: int, tag: bool) -> None:
    heads = list(itertools.chain(extra[:4], REQUIRED, extra[4:]))
    for base in _messages(heads):
        for msg in _variants(base):
            to_tag = "h1" if tag else None
            assert build_reply_text(msg, code, "X", to_tag=to_tag) == \
                ref_reply(msg, code, "X", to_tag)


def ref_sl_to_tag(msg: SipMessage) -> str:
    """``sl_to_tag`` as it was (``via.branch`` and ``header``)."""
    import hashlib
    import zlib

    fixed = hashlib.md5(b"OpenSIPS-stateless").hexdigest()
    via = msg.via1()
    seed = (msg.header("call-id") or "") + (via.branch or "" if via else "")
    return f"{fixed}-{zlib.crc32(seed.encode('latin-1')) & 0xffffffff:08x}"


@pytest.mark.parametrize("via", [
    "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n", "Via: SIP/2.0/UDP h;BRANCH=Ab;branch=x\r\n",
    "Via: SIP/2.0/UDP h;branch\r\n", "Via: SIP/2.0/UDP h;branch=\r\n",
    "Via: SIP/2.0/UDP h;rport\r\n", "Via: SIP/2.0/UDP h\r\n", "Via: bad\r\n",
    "Via: SIP/2.0/UDP h;x=1, SIP/2.0/UDP g;branch=2\r\n", "v: SIP/2.0/UDP h; Branch = q \r\n"])
@pytest.mark.parametrize("call_id", ["Call-ID: c1\r\n", "i: c\u00e92 \r\n"])
def test_sl_to_tag_matches(via: str, call_id: str) -> None:
    text = (f"INVITE sip:b@h SIP/2.0\r\n{via}From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\n"
            f"{call_id}CSeq: 1 INVITE\r\n\r\n")
    msg = SipMessage.parse(text)
    assert sl_to_tag(msg) == ref_sl_to_tag(msg)
    reply = SipMessage.parse(text.replace("INVITE sip:b@h SIP/2.0\r\n" + via,
                                          "SIP/2.0 200 OK\r\n"))  # no Via at all
    assert sl_to_tag(reply) == ref_sl_to_tag(reply)
