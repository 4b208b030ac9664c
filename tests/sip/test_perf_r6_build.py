"""Round 6 of the builders' fast paths against reference copies of the former code:
``_via1_rewrite`` searches without ``find`` bounds and takes ``;received=`` /
``;rport=`` from the per-source memo (``_SRC_PARAMS``); ``reply_view`` reads unbuilt
records in a loop of their own."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from osipsc.runtime.sip import build
from osipsc.runtime.sip.message import SipMessage


def ref_via1_rewrite(msg: Any, line: str, body_start: int, end: int, rport: bool) -> str:
    """The former ``_via1_rewrite``."""
    cut = line.find(";", body_start, end)
    comma = line.find(",", body_start, end)
    if cut < 0 or 0 <= comma < cut:
        cut = end if comma < 0 else comma
    head_end = cut
    if cut > body_start and line[cut - 1].isspace():
        head_end = body_start + len(line[body_start:cut].rstrip())
    src = msg.src
    if rport and (line.startswith(";rport", cut) or line[cut:cut + 6].lower() == ";rport") \
            and (cut + 6 == end or line[cut + 6] in ";,"):
        return (f"{line[:head_end]};received={src[0]}{line[head_end:cut]};rport={src[1]}"
                f"{line[cut + 6:end]}")
    out = f"{line[:head_end]};received={src[0]}"
    if rport:
        rest = line[head_end:end]
        idx = build._param_span(rest, "rport")
        if idx is not None:
            return f"{out}{rest[:idx[0]]};rport={src[1]}{rest[idx[1]:]}"
        return f"{out};rport={src[1]}{rest}"
    return out + line[head_end:end]


_PIECES = st.sampled_from(["SIP/2.0/UDP ", "h", "1.2.3.4", ":5060", ";rport", ";RPORT=1",
                           ";branch=z9hG4bKx", ";received=9.9.9.9", ",", " ", "\t", ";", "=",
                           "[::1]", "\xe9", ";rportx"])


@settings(max_examples=800, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(["Via: ", "v: ", "Via:", "Via :\t"]), st.lists(_PIECES, max_size=10),
       st.lists(_PIECES, max_size=4), st.booleans(),
       st.sampled_from([("1.2.3.4", 5060), ("::1", 7), ("h", 65535)]))
def test_via1_rewrite_matches_former_code(head: str, body: list[str], tail: list[str],
                                          rport: bool, src: tuple[str, int]) -> None:
    """Any body span in its line, text after the span included (a built record whose
    body was edited shorter): the same Via line as before."""
    value = "".join(body)
    line = head + value + "".join(tail) + "\r\n"
    msg = SimpleNamespace(src=src)
    start = len(head)
    for end in range(start, len(line) - 1):
        assert build._via1_rewrite(msg, line, start, end, rport) == \
            ref_via1_rewrite(msg, line, start, end, rport), (line, end)


def _view_ref(msg: SipMessage, with_rr: bool) -> Any:
    """``reply_view`` as read through built records (``fields``)."""
    copy = msg.copy()
    copy.headers_list  # noqa: B018 - every record built
    return copy.reply_view(with_rr)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from([
    "Via: SIP/2.0/UDP a;branch=1", "v:SIP/2.0/UDP b", "Via:  SIP/2.0/UDP c ",
    "Record-Route: <sip:r1;lr>", "Record-Route:<sip:r2>", "To: <sip:t@u>", "t:\t<sip:t@v>",
    "From: <sip:f@g>;tag=1", "Call-ID: c", "i: c2", "CSeq: 1 INVITE", "X: y", "Subject: s"]),
    max_size=12), st.booleans())
def test_reply_view_unbuilt_matches_built(lines: list[str], with_rr: bool) -> None:
    """The loop over scanned lines gives what the records give."""
    text = ("INVITE sip:a@b SIP/2.0\r\n" + "".join(x + "\r\n" for x in lines)
            + "Via: SIP/2.0/UDP z\r\nFrom: <sip:f@g>;tag=2\r\nTo: <sip:t@w>\r\n"
            "Call-ID: d\r\nCSeq: 2 INVITE\r\n\r\n")
    msg = SipMessage.parse(text)
    assert msg.reply_view(with_rr) == _view_ref(msg, with_rr), repr(text)
