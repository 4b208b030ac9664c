"""Header-level script functions rewritten for speed, against the code they replaced
(kept here as oracles): maxfwd's in-buffer decrement without a Header record."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from osipsc.runtime.functions import maxfwd, rr
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


# --- loose_route reads Route headers through SipMessage.spans (no records)


def _old_routes(msg: Any) -> Any:
    """rr's former ``_routes``: through the Header records."""
    out = []
    for hdr in msg.fields("route"):
        spans = rr._route_values(msg, hdr)
        for i, (a, b) in enumerate(spans):
            try:
                uri = rr.addr_uri(msg.text[a:b])
                puri = rr.SipUri.parse(uri)
            except (ValueError, rr.UriError):
                return None
            out.append(rr._Route(hdr, i, a, b, uri, puri, i == len(spans) - 1))
    return out


def _old_is_myself(mine: Any, uri: Any) -> bool:
    return (uri.bare_host.lower(), uri.port_no) in mine


class _Engine:
    sockets = [("udp", "127.0.0.1", 5060)]


def _lr(text: str, build: bool, old: bool) -> Any:
    try:
        msg = SipMessage.parse(text, dst=("127.0.0.1", 5060))
    except sipmsg.SipParseError:
        return "error"
    if build:
        msg.headers_list  # noqa: B018 - every record built
    ctx = _Ctx(msg)
    ctx.engine = _Engine()  # type: ignore[attr-defined]
    saved = rr._routes, rr._is_myself
    if old:
        rr._routes, rr._is_myself = _old_routes, _old_is_myself
    try:
        rc = rr.loose_route(ctx)
    finally:
        rr._routes, rr._is_myself = saved
    state = msg.module_data.get("rr")
    return (rc, msg.new_uri, msg.dst_uri, msg.outgoing_parts(),
            None if state is None else state.route_params)


_ROUTE = st.sampled_from([
    "<sip:127.0.0.1:5060;lr;ftag=a>", "<sip:127.0.0.1;lr>", "<sip:[::1]:5060;lr>",
    "<sip:10.0.0.1:5070;lr>", "<sip:10.0.0.2>", "sip:127.0.0.1;lr", "<sips:127.0.0.1;lr>",
    "<sip:127.0.0.1;transport=tls;lr>", "\"x,y\" <sip:10.0.0.3;lr>", "<bad>", " ",
])


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.lists(_ROUTE, min_size=1, max_size=3), max_size=3),
       st.sampled_from(["sip:u@127.0.0.1:5090", "sip:u@127.0.0.1", "sip:127.0.0.1;gr",
                        "sip:u@10.0.0.9"]),
       st.booleans(), st.booleans(), st.sampled_from(["\r\n", "\n"]))
def test_loose_route_spans_match_records(headers: list[list[str]], ruri: str, totag: bool,
                                         build: bool, eol: str) -> None:
    lines = ["Via: SIP/2.0/UDP h;branch=z9hG4bK1", "From: <sip:f@g>;tag=1",
             "To: <sip:t@u>" + (";tag=2" if totag else ""), "Call-ID: c", "CSeq: 2 BYE"]
    for n, values in enumerate(headers):
        lines.insert(1 + 2 * n, "Route: " + ",".join(values))
    text = eol.join([f"BYE {ruri} SIP/2.0", *lines]) + eol + eol
    assert _lr(text, build, False) == _lr(text, build, True)


# --- the tag scan finds '<' with str.find when no quote can hide it


_TAG_PIECES = st.sampled_from(['"', "<", ">", ";", "tag", "=", "x", " ", "TAG", "sip:a@b",
                               ",", "\\"])


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_TAG_PIECES, max_size=14))
def test_scan_tag_matches_name_addr_parse(pieces: list[str]) -> None:
    from osipsc.runtime.sip import nameaddr

    text = "".join(pieces)
    try:
        want = nameaddr.NameAddr._parse_text(text).tag
    except ValueError:
        want = None
    assert nameaddr._scan_tag(text) == want


# --- is_method looks the method id up without the method_id frame


def _old_is_method(msg: SipMessage, methods: str) -> int:
    from osipsc.runtime.functions import sipmsgops
    from osipsc.runtime.sip.message import method_id

    current = msg.method_name
    ids, names = sipmsgops._method_set(str(methods))
    if ids and method_id(current) in ids:
        return 1
    if names and current.lower() in names:
        return 1
    return -1


_METHODS = st.sampled_from(["INVITE", "invite", "ACK", "BYE", "FOO", "foo", "REGISTER",
                            "Invite", "\xb5X", "PRACK"])


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(_METHODS, st.lists(_METHODS, min_size=1, max_size=3), st.booleans())
def test_is_method_matches_former_code(method: str, wanted: list[str], reply: bool) -> None:
    from osipsc.runtime.functions import sipmsgops

    first = "SIP/2.0 200 OK" if reply else f"{method} sip:a@b SIP/2.0"
    text = (f"{first}\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:f@g>;tag=1\r\nTo: <sip:t@u>\r\n"
            f"Call-ID: c\r\nCSeq: 1 {method}\r\n\r\n")
    msg = SipMessage.parse(text)
    arg = "|".join(wanted)
    assert sipmsgops.is_method(_Ctx(msg), arg) == _old_is_method(msg, arg)
