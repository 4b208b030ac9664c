"""Header-level script functions rewritten for speed, against the code they replaced
(kept here as oracles): maxfwd's in-buffer decrement without a Header record."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from osipsc.runtime.functions import maxfwd
from osipsc.runtime.sip import message as sipmsg
from osipsc.runtime.sip.message import SipMessage


class _Ctx:
    def __init__(self, msg: SipMessage) -> None:
        self.msg = msg


def _old_rewrite(msg: Any, value: int) -> None:
    """maxfwd's former ``_rewrite``: through the editable record."""
    hdr = msg.header_fields("max-forwards")[0]
    start = hdr.body_start
    width = len(hdr.body)
    digits = str(value)[-width:] if width else ""
    new = digits.rjust(width)
    msg.text = msg.text[:start] + new + msg.text[start + width:]
    hdr.body = new


def _old_mf(msg: Any, limit: int) -> int:
    value = maxfwd._value(msg)
    if value == -1:
        msg.insert_header(f"Max-Forwards: {limit}\r\n")
        return 2
    if value == -2:
        return -2
    if value == 0:
        return -1
    if value > maxfwd.MAX_LIMIT:
        value = maxfwd.MAX_LIMIT + 1
    _old_rewrite(msg, value - 1)
    return 1


def _view(msg: SipMessage) -> Any:
    return (msg.text, msg.header("max-forwards"), msg.outgoing_parts(),
            [(h.name, h.body, h.start, h.end, h.body_start) for h in msg.fields("max-forwards")],
            msg.reply_view(True), msg.first_span("max-forwards"), msg.header("via"))


_MF = st.sampled_from(["70", " 70", "70 ", "\t1", "0", "10", "1", "300", "65536", "abc", "",
                       "007", "256", "257", "9"])


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(_MF, st.integers(0, 3), st.booleans(), st.sampled_from(["\r\n", "\n"]),
       st.lists(st.sampled_from(["call", "copy", "compact", "build", "list"]), max_size=6),
       st.booleans())
def test_maxfwd_overwrite_matches_record_rewrite(mf: str, where: int, present: bool,
                                                 eol: str, steps: list[str],
                                                 folded: bool) -> None:
    lines = ["Via: SIP/2.0/UDP h;branch=z9hG4bK1", "From: <sip:f@g>;tag=1", "To: <sip:t@u>",
             "Call-ID: c", "CSeq: 1 INVITE"]
    if present:
        lines.insert(where, f"Max-Forwards:{mf}" + ("\r\n  " if folded else ""))
    text = eol.join(["INVITE sip:a@b SIP/2.0", *lines]) + eol + eol
    try:
        new, old = SipMessage.parse(text), SipMessage.parse(text)
    except sipmsg.SipParseError:
        return
    seen_new: list[Any] = []
    seen_old: list[Any] = []
    for step in ["call", *steps, "call"]:
        for msg, seen, fn in ((new, seen_new, None), (old, seen_old, _old_mf)):
            if step == "call":
                rc = (maxfwd.mf_process_maxfwd_header(_Ctx(msg), 10) if fn is None
                      else fn(msg, 10))
                seen.append(rc)
            elif step == "copy":
                seen.append(_view(msg.copy()))
            elif step == "compact":
                msg.compact()
            elif step == "build":
                msg.fields("max-forwards")
            else:
                seen.append([(h.body, h.start) for h in msg.headers_list])
            seen.append(_view(msg))
    assert seen_new == seen_old


def test_copy_keeps_its_value_when_the_original_is_decremented() -> None:
    """The copy-on-write of a shared record: only the decremented side changes."""
    text = ("INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nMax-Forwards: 70\r\n"
            "From: <sip:f@g>;tag=1\r\nTo: <sip:t@u>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n")
    for build in (False, True):
        m = SipMessage.parse(text)
        if build:
            m.fields("max-forwards")
        c = m.copy()
        assert maxfwd.mf_process_maxfwd_header(_Ctx(m), 10) == 1
        assert (m.header("max-forwards"), c.header("max-forwards")) == ("69", "70")
        assert "Max-Forwards: 70" in c.text and "Max-Forwards: 69" in m.text
