"""``SipMessage.keep`` shrinks a message tm keeps (records packed, lines as a tuple,
offsets and the parsed Via dropped, empty containers dropped); whatever is asked of it
afterwards must equal what the message would have answered unkept. Twins: the same
text parsed twice and edited the same way, one kept, then both read through every
accessor."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from osipsc.runtime.functions import rr
from osipsc.runtime.sip import message as sipmsg
from osipsc.runtime.sip.build import build_forward_text, build_reply
from osipsc.runtime.sip.message import SipMessage

from .conftest import FakeCtx

_HEADERS = [
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1;rport",
    "Via: SIP/2.0/TCP 10.0.0.2;branch=z9hG4bK-2",
    "Max-Forwards: 70",
    "Max-Forwards:  7",
    'From: "A" <sip:a@x.org>;tag=f1',
    "To: <sip:b@y.org>",
    "To: <sip:b@y.org>;tag=t9",
    "Call-ID: c1@x",
    "CSeq: 4 INVITE",
    "Record-Route: <sip:10.0.0.3;lr>",
    "Route: <sip:10.0.0.4;lr>, <sip:10.0.0.5;lr>",
    "Contact: <sip:a@10.0.0.1>",
    "X-Custom:   spaced value  ",
    "v: SIP/2.0/UDP 10.0.0.6;branch=z9hG4bK-3",
]
_NAMES = ["via", "max-forwards", "from", "to", "call-id", "cseq", "record-route",
          "route", "contact", "x-custom", "content-length", "absent"]


def _text(extra: list[str], body: str) -> str:
    head = [_HEADERS[0], "From: <sip:a@x.org>;tag=1", "To: <sip:b@y.org>", "Call-ID: c@x",
            "CSeq: 1 INVITE", *extra, f"Content-Length: {len(body)}"]
    return "INVITE sip:b@y.org SIP/2.0\r\n" + "\r\n".join(head) + "\r\n\r\n" + body


def _edit(msg: SipMessage, ops: list[int]) -> None:
    """The same edits on either twin (what modules do before tm stores a request)."""
    for op in ops:
        if op == 0 and msg.header("max-forwards") is not None:
            width = len(msg._value("max-forwards") or "")
            msg.overwrite_body("max-forwards", "9".rjust(width)[-width:])
        elif op == 1:
            msg.fields("to")  # a record built
        elif op == 2:
            msg.header_fields("via")  # records handed out for editing
        elif op == 3:
            msg.append_header("X-Added: 1\r\n")
        elif op == 4:
            msg.reply_lumps.headers.append("X-Reply: 2\r\n")
        elif op == 5:
            msg.module_data["probe"] = ["state"]
        elif op == 6:
            msg.via1()
        elif op == 7:
            rr.record_route(FakeCtx(msg))
        elif op == 8:
            rr.record_route(FakeCtx(msg), ";p=1")


def _answers(msg: SipMessage) -> list[Any]:
    out: list[Any] = [msg.header(name) for name in _NAMES]
    out += [msg.headers(name) for name in _NAMES]
    out += [msg.first_span(name) for name in _NAMES]
    out += [msg.spans(name) for name in _NAMES]
    out += [msg.reply_view(True), msg.reply_view(False), msg.first_header_start]
    via = msg.via1()
    out.append(None if via is None else (via.host, via.port_text, via.branch, via.params))
    out.append(msg.outgoing_parts())
    out.append(build_forward_text(msg, None, ("127.0.0.1", 5060), "z9hG4bK-x", "udp"))
    out.append(build_reply(msg, 100, "Trying", extra_headers=[], body=""))
    out.append(list(msg.reply_lumps.headers))
    out.append({key: _state(value) for key, value in msg.module_data.items()})
    out.append([(h.name, h.body, h.start, h.end, h.body_start) for h in msg.headers_list])
    return out


def _state(value: Any) -> Any:
    """Module state as plain data (a kept message holds tuples where a live one has lists)."""
    if isinstance(value, rr.RRState):
        lump = value.lump
        return (None if lump is None else (lump.offset, list(lump.before), list(lump.after)),
                value.prefix, value.suffix, list(value.params), value.route_params)
    return value


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_HEADERS), max_size=8), st.sampled_from(["", "v=0\r\n"]),
       st.lists(st.integers(0, 8), max_size=5), st.booleans())
def test_kept_message_answers_like_the_original(extra: list[str], body: str,
                                                     ops: list[int], via_copy: bool) -> None:
    text = _text(extra, body)
    plain, stored = SipMessage.parse(text), SipMessage.parse(text)
    _edit(plain, ops)
    _edit(stored, ops)
    stored.keep()
    if via_copy:  # a copy of a stored message (failure route, resume) answers alike,
        stored = stored.copy()  # and can be edited again (a branch route's add_rr_param)
        plain = plain.copy()
        for twin in (stored, plain):
            rr.add_rr_param(FakeCtx(twin), ";late=1")
            twin.append_header("X-Copy: 1\r\n")
    assert _answers(stored) == _answers(plain)


def test_keep_drops_what_is_made_again_and_empty_containers() -> None:
    msg = SipMessage.parse(_text(["Max-Forwards: 70"], ""))
    msg.via1()
    msg.fields("to")
    msg.keep()
    state = vars(msg)
    for name in ("_starts", "_via1_cache", "_recs", "branches", "lumps", "reply_lumps"):
        assert state.get(name) is None
    assert type(msg._lazy[1]) is tuple and msg._packed
    copy = msg.copy()  # a copy gets containers of its own, editable
    copy.branches.append(sipmsg.Branch("sip:c@z.org"))
    copy.append_header("X-Copy: 1\r\n")
    copy.reply_lumps.headers.append("X-R: 1\r\n")
    assert msg.branches == () and msg.lumps.items == () and msg.reply_lumps.headers == ()


def test_an_edit_of_a_kept_message_fails_loudly() -> None:
    """A kept message is never edited in place; if code ever did, the shared empty
    defaults refuse instead of carrying the edit into every other message."""
    msg = SipMessage.parse(_text([], ""))
    msg.keep()
    with pytest.raises(AttributeError):
        msg.append_header("X-Late: 1\r\n")
    with pytest.raises(AttributeError):
        msg.branches.append(sipmsg.Branch("sip:c@z.org"))
    fresh = SipMessage.parse(_text([], ""))
    assert fresh.branches == [] and fresh.lumps.items == []
