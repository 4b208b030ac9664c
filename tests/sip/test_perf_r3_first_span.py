"""``SipMessage.first_span`` (the forwarder's record-free view of the top Via) must equal
the first record's ``(start, body_start, body)`` for every shape of message."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from osipsc.runtime.sip.build import build_forward_text
from osipsc.runtime.sip.message import SipMessage

LINES = ["X-A: 1\r\n", "Max-Forwards:70\r\n", "Via:   SIP/2.0/UDP h;rport \t\r\n",
         "v:SIP/2.0/UDP g;branch=z9\r\n", "Route: <sip:r;lr>\r\n", "Via:\r\n",
         "Subject: \t\r\n"]
REQUIRED = ["Via: SIP/2.0/UDP 10.0.0.9:5090;branch=z9hG4bKr\r\n", "From: <sip:r@h>;tag=9\r\n",
            "To: <sip:r@h>\r\n", "Call-ID: r\r\n", "CSeq: 7 INVITE\r\n"]


def _shapes(heads: list[str]) -> list[SipMessage]:
    block = "".join(heads)
    texts = [f"INVITE sip:b@h SIP/2.0\r\n{block}Content-Length: 0\r\n\r\n",
             f"INVITE sip:b@h SIP/2.0\n{block.replace(chr(13), '')}\n"]
    out = []
    for text in texts:
        msg = SipMessage.parse(text, src=("10.1.1.1", 5070))
        out.append(msg)
        built = msg.copy()
        built.fields("from")  # another record built: offsets already computed
        out.append(built)
        edited = msg.copy()
        for hdr in edited.header_fields("via")[:1]:
            hdr.body = hdr.body + ";x=1"
        out.append(edited)
        packed = msg.copy()
        packed.fields("via")
        packed.compact()
        out.append(packed)
    return out


def _check(heads: list[str]) -> None:
    for msg in _shapes(heads):
        for key in ("via", "to", "max-forwards", "subject", "route", "x-none"):
            found = msg.fields(key) if key != "x-none" else ()
            span = msg.first_span(key)
            if not found:
                assert span is None
            else:
                hdr = found[0]
                assert span == (hdr.start, hdr.body_start, hdr.body)


@pytest.mark.parametrize("prefix", [[], LINES[:2], LINES[2:4], LINES[::-1]])
def test_first_span_matches_record(prefix: list[str]) -> None:
    _check(prefix + REQUIRED + LINES[4:])


@settings(max_examples=120, deadline=None)
@given(st.lists(st.sampled_from(LINES), max_size=6), st.lists(st.sampled_from(LINES),
                                                              max_size=3))
def test_first_span_hypothesis(before: list[str], after: list[str]) -> None:
    _check(before + REQUIRED + after)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(LINES[:2] + LINES[4:]), max_size=5), st.booleans())
def test_forward_unchanged_by_building_records(before: list[str], force: bool) -> None:
    """The forward of a message equals the forward of its copy with every record built
    (the record-based path)."""
    for msg in _shapes(before + REQUIRED):
        msg.force_rport = force
        other = msg.copy()
        _ = other.headers_list
        assert build_forward_text(msg, branch="b1") == build_forward_text(other, branch="b1")
