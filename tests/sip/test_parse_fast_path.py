"""The one-split header scan of ``SipMessage._parse`` must give exactly what the general
line loop gives (it exists only for speed): compare both on generated messages."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from osipsc.runtime.sip import message as sipmsg

LINES = [
    "Via: SIP/2.0/UDP h;branch=z9hG4bK1", "From: <sip:x@y>;tag=1 ", "To:\t <sip:a@b>",
    "Call-ID:  c1", "CSeq: 1 INVITE", "X-Empty:", "l: 3", " v : SIP/2.0/UDP h2", "Bad line",
    "Subject: a\r\n  folded", "Max-Forwards: 70\r", ":x", "Content-Length: 2 ", "i:c2",
]


def _snapshot(text: str) -> Any:
    try:
        m = sipmsg.SipMessage.parse(text)
    except sipmsg.SipParseError as exc:
        return ("error", str(exc))
    return (m.is_request, m.method, m.ruri, m.status, m.eoh, m.body_start, m.body,
            [(h.name, h.body, h.start, h.end, h.body_start, h.key) for h in m.headers_list],
            {k: m.headers(k) for k in ("via", "from", "to", "call-id", "cseq", "subject")})


@pytest.mark.parametrize("seed", range(4))
def test_fast_path_matches_general_loop(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(seed)
    for _ in range(500):
        first = rnd.choice(["INVITE sip:a@b SIP/2.0", "SIP/2.0 200 OK"])
        lines = [first, *rnd.sample(LINES, k=rnd.randint(3, 9))]
        eol = rnd.choice(["\r\n", "\r\n", "\n"])
        text = (eol.join(lines) + rnd.choice([eol + eol, eol, eol + "\r\n", ""])
                + rnd.choice(["", "abc", "abcdef\r\n\r\nxyz", "\r\nq"]))
        monkeypatch.setattr(sipmsg, "_FAST_PATH", True)
        fast = _snapshot(text)
        monkeypatch.setattr(sipmsg, "_FAST_PATH", False)
        assert _snapshot(text) == fast, repr(text)


# --- the lazy fast scan (split once, records built on first use) against the general loop,
# on header blocks made of the characters that change how lines are cut and read: CR and LF
# alone or together, the other characters str.splitlines breaks at, blanks, colons


def _lazy_snapshot(text: str) -> Any:
    """What a reader sees, asking in an order that builds records one by one (``fields``,
    ``header``), then all of them (``headers_list``), then again after copy / compact."""
    try:
        m = sipmsg.SipMessage.parse(text)
    except sipmsg.SipParseError as exc:
        return ("error", str(exc))
    keys = ("cseq", "via", "x-a", "to", "call-id", "from", "content-length", "a", "v")
    seen = [(k, m.header(k), [(h.name, h.body, h.start, h.end, h.body_start, h.key)
                              for h in m.fields(k)]) for k in keys]
    copy = m.copy()
    copy.compact()
    return (m.is_request, m.status, m.eoh, m.body_start, m.body, m.first_header_start, seen,
            [(h.name, h.body, h.start, h.end, h.body_start, h.key) for h in m.headers_list],
            [(h.name, h.body, h.start, h.end, h.body_start) for h in copy.headers_list],
            copy.header("via"), copy.via1(), m.to_tag, m.cseq_num, m.cseq_method)


_PIECES = st.sampled_from([
    "\r\n", "\r\n", "\r\n", "\r", "\n", " ", "\t", ":", ": ", "a", "X-A", "v", "Via",
    "To", "i", "Call-ID", "CSeq", "From", "f", "l", "Content-Length", "1 INVITE", "3",
    "<sip:a@b>;tag=x", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\xa0", "x,y",
])
_HEAD = "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKq\r\n"
_TAIL = "From: <sip:f@g>;tag=1\r\nTo: <sip:t@u>\r\nCall-ID: c\r\nCSeq: 2 INVITE\r\n"


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_PIECES, max_size=24), st.booleans(),
       st.sampled_from(["\r\n\r\n", "\r\n", "\r\r\n\r\n", "\n\r\n\r\n", "", "\r\n\r\n\r\n"]),
       st.sampled_from(["", "abc", "a\r\n\r\nb"]))
def test_lazy_fast_scan_matches_general_loop(pieces: list[str], known_first: bool,
                                             blank: str, body: str) -> None:
    middle = "".join(pieces)
    text = (_HEAD + middle + "\r\n" + _TAIL if known_first else _HEAD + _TAIL + middle)
    text = text.rstrip("\r\n") + blank + body
    old = sipmsg._FAST_PATH
    try:
        sipmsg._FAST_PATH = True
        fast = _lazy_snapshot(text)
        sipmsg._FAST_PATH = False
        slow = _lazy_snapshot(text)
    finally:
        sipmsg._FAST_PATH = old
    assert fast == slow, repr(text)


def test_lazy_records_are_shared_until_edited() -> None:
    """A copy shares the records built so far; editing one side's record (maxfwd rewrites
    the body in place) never shows in the other, before or after compact."""
    text = _HEAD + "Max-Forwards: 70\r\n" + _TAIL + "\r\n"
    m = sipmsg.SipMessage.parse(text)
    assert m.fields("max-forwards")[0].body == "70"
    c = m.copy()
    m.header_fields("max-forwards")[0].body = "69"
    assert (m.header("max-forwards"), c.header("max-forwards")) == ("69", "70")
    c2 = m.copy()
    c2.compact()
    assert c2.header("max-forwards") == "69"
    c2.header_fields("max-forwards")[0].body = "68"
    assert (m.header("max-forwards"), c2.header("max-forwards")) == ("69", "68")
    assert [h.body for h in c.headers_list][1] == "70"
