"""Parsing never fails with anything but SipParseError, and never loses bytes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from osipsc.runtime.sip.build import build_forward, build_reply
from osipsc.runtime.sip.message import SipMessage, SipParseError
from osipsc.runtime.sip.transcript import render_packet

BASE = ("OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9\r\n"
        "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_garbage_only_raises_parse_error(data: bytes) -> None:
    try:
        SipMessage.parse(data)
    except SipParseError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="abcXY-: ;,<>\"=\t", max_size=20), max_size=5),
       st.text(alphabet="ab\r\n", max_size=20))
def test_extra_headers_round_trip(values: list[str], body: str) -> None:
    head = BASE + "".join(f"X-H{i}: {v}\r\n" for i, v in enumerate(values))
    msg = SipMessage.parse(head + "\r\n" + body)
    assert msg.headers("x-h0") == ([values[0].strip(" \t")] if values else [])
    out = build_forward(msg, ("127.0.0.1", 5070), branch="z9hG4bKx")
    assert out.decode("latin-1").endswith(body)
    render_packet(out, set())
    render_packet(build_reply(msg, 200, "OK"), set())
