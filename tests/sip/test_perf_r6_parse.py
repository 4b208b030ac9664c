"""Round 6 of the parser's fast paths, each against the general line loop
(``_scan_general``, ``_FAST_PATH`` off) or a cold parse:

- header lines cut at ": " whose values are then the bodies with no strip pass;
- the memo of first lines (``_FIRST_LINES``): a line seen before is not split again;
- the required-header check answered by the header layout.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from osipsc.runtime.sip import message as sipmsg


def _snapshot(text: str) -> Any:
    """Everything a reader can see of ``text`` parsed, or the parse error."""
    try:
        m = sipmsg.SipMessage.parse(text)
    except sipmsg.SipParseError as exc:
        return ("error", str(exc))
    keys = ("via", "from", "to", "call-id", "cseq", "x-a", "content-length", "subject")
    spans = [(k, m.first_span(k), m.spans(k)) for k in keys]
    view = m.reply_view(True)
    seen = [(k, m.header(k), [(h.name, h.body, h.start, h.end, h.body_start, h.key)
                              for h in m.fields(k)]) for k in keys]
    before = (m.is_request, m.method, m.ruri, m.version, m.status, m.reason, m.first_line,
              m.eoh, m.body_start, m.body, m.first_header_start, spans, view, seen)
    # maxfwd's same-length overwrite, on a fresh parse (records unbuilt) and after
    both = (sipmsg.SipMessage.parse(text), m)
    for msg in both:
        for key in ("x-a", "call-id", "subject"):
            value = msg.header(key)
            if value is not None:
                msg.overwrite_body(key, "#" * len(value))
    after = [(msg.text, [(k, msg.header(k), msg.first_span(k), msg.spans(k)) for k in keys],
              msg.reply_view(False)) for msg in both]
    return (before, after,
            [(h.name, h.body, h.start, h.end, h.body_start, h.key) for h in m.headers_list])


def _both(text: str) -> tuple[Any, Any]:
    old = sipmsg._FAST_PATH
    try:
        sipmsg._FAST_PATH = True
        fast = _snapshot(text)
        sipmsg._FAST_PATH = False
        slow = _snapshot(text)
    finally:
        sipmsg._FAST_PATH = old
    return fast, slow


_NAMES = st.sampled_from(["Via", "v", "From", "f", "To", "t", "Call-ID", "i", "CSeq",
                          "X-A", "X-A ", "Subject", "a:b", "Content-Length", "l", "\xe9",
                          "To\t", ""])
_SEPS = st.sampled_from([": ", ": ", ":", ":  ", ": \t", ":\t", " : ", ": :", "::"])
_VALUES = st.sampled_from(["SIP/2.0/UDP h;branch=z9hG4bKa", "<sip:a@b>;tag=1", "<sip:c@d>",
                           "c1", "1 INVITE", "", " ", "x ", "x\t", "a: b", "3", "0", " 0",
                           "\xe9\xff", "x\x0by", "y,z", "\t<sip:e@f>"])
_LINE = st.tuples(_NAMES, _SEPS, _VALUES).map("".join)
_REQUIRED = ["Via: SIP/2.0/UDP h;branch=z9hG4bKq", "From: <sip:f@g>;tag=1", "To: <sip:t@u>",
             "Call-ID: c", "CSeq: 2 INVITE"]


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_LINE, max_size=8), st.integers(0, 5), st.booleans(),
       st.sampled_from(["INVITE sip:a@b SIP/2.0", "SIP/2.0 200 OK", "SIP/2.0 180",
                        "BYE sip:x@y:5060 SIP/2.0"]),
       st.sampled_from(["", "abc", "a\r\n\r\nb"]))
def test_colon_space_cut_matches_general_loop(lines: list[str], keep: int, folded: bool,
                                              first: str, body: str) -> None:
    """Any mix of separators, blanks around values, names holding colons, missing
    required headers, a folded or LF-only line: the same message as the general loop."""
    block = [*_REQUIRED[:keep], *lines]
    if folded and block:
        block.insert(len(block) // 2, " folded")
    text = first + "\r\n" + "\r\n".join(block) + "\r\n\r\n" + body
    fast, slow = _both(text)
    assert fast == slow, repr(text)
    lf = text.replace("\r\n", "\n", 1 + len(block) // 2)
    fast, slow = _both(lf)
    assert fast == slow, repr(lf)


@pytest.mark.parametrize("line", [
    "X-A: x ", "X-A: x\t", "X-A: ", "X-A:  x", "X-A: \tx", "X-A:x", "X-A:", "a:b: c",
    "X-A : x", "X-A\t: x", "Subject: re: x", "l: 0", "Content-Length: 0 ", "t: <sip:a@b>",
    "X-A: \xe9", "X-A: x\x0b", "X-A: x\x85"])
@pytest.mark.parametrize("where", [0, 3, 5])
def test_odd_line_anywhere(line: str, where: int) -> None:
    """One odd line first, among or after the required headers (last: the block's end is
    checked apart from its line ends)."""
    block = [*_REQUIRED]
    block.insert(where, line)
    text = "INVITE sip:a@b SIP/2.0\r\n" + "\r\n".join(block) + "\r\n\r\n"
    fast, slow = _both(text)
    assert fast == slow, repr(text)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(["INVITE sip:a@b SIP/2.0", "SIP/2.0 200 OK", "SIP/2.0 180",
                        "SIP/2.0 1800 x", "sip/2.0 404 Not Found", "BYE sip:x@y:5060 sip/2.0",
                        "INVITE sip:@ SIP/2.0", "INVITE <bad> SIP/2.0", "IN\x01 sip:a@b SIP/2.0",
                        "INVITE sip:a@b HTTP/1.1", "INVITE sip:a@b", "OPTIONS sip:b SIP/2.0 x",
                        "SIP/2.0 200  OK ", "INVITE sip:\xe9@b SIP/2.0\r", "X sip:a@b SIP/2.0"]),
       st.integers(0, 5))
def test_first_line_memo_matches_cold_parse(first: str, keep: int) -> None:
    """A first line read from the memo gives what a cold parse gives (an invalid one,
    never remembered, the same error every time); also with headers missing."""
    text = first + "\r\n" + "\r\n".join(_REQUIRED[:keep]) + "\r\n\r\n"
    sipmsg._FIRST_LINES.clear()
    cold = _both(text)
    assert cold[0] == cold[1], repr(text)
    again = _both(text)  # the line is in the memo now when it was valid
    assert again == cold, repr(text)
    full = first + "\r\n" + "\r\n".join(_REQUIRED) + "\r\n\r\n"
    sipmsg._FIRST_LINES.clear()
    cold = _both(full)
    assert _both(full) == cold, repr(full)
