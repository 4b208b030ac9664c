"""``SipMessage._parse`` with the fast header scan inlined (Content-Length read from the
scanned bodies): the same message as the general line loop gives, on Content-Length
values, repeats and compact forms."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from osipsc.runtime.sip import message as sipmsg

_CL = st.sampled_from(["Content-Length: 3", "l: 0", "Content-Length:  10 ", "l:\t2",
                       "Content-Length: x", "Content-Length: \xb2", "Content-Length:",
                       "CONTENT-LENGTH: 1", "X-Length: 1"])


def _view(text: str) -> Any:
    try:
        m = sipmsg.SipMessage.parse(text)
    except sipmsg.SipParseError as exc:
        return ("error", str(exc))
    return (m.body, m.body_start, m.eoh, m.header("content-length"),
            [(h.name, h.body, h.start, h.end, h.body_start) for h in m.headers_list])


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_CL, max_size=3), st.sampled_from(["", "abc", "abcdefghijklmnop", "a\r\n"]),
       st.sampled_from(["\r\n", "\n"]), st.booleans())
def test_inlined_scan_matches_general_loop(cls: list[str], body: str, eol: str,
                                           reply: bool) -> None:
    first = "SIP/2.0 200 OK" if reply else "INVITE sip:a@b SIP/2.0"
    lines = [first, "Via: SIP/2.0/UDP h;branch=z9hG4bK1", *cls, "From: <sip:f@g>;tag=1",
             "To: <sip:t@u>", "Call-ID: c", "CSeq: 1 INVITE"]
    text = eol.join(lines) + eol + eol + body
    old = sipmsg._FAST_PATH
    try:
        sipmsg._FAST_PATH = True
        fast = _view(text)
        sipmsg._FAST_PATH = False
        slow = _view(text)
    finally:
        sipmsg._FAST_PATH = old
    assert fast == slow
