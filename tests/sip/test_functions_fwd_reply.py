"""fwd-*, pv-* and reply-* conformance cases replayed function by function."""

from __future__ import annotations

from osipsc.runtime.functions import core_msg, maxfwd, rr, sipmsgops, sl
from osipsc.runtime.pv_table import PV_TABLE
from osipsc.runtime.sip.message import SipMessage
from osipsc.runtime.values import StrInt

from .conftest import FakeCtx, case_message, expected_packets, rendered


def pv(ctx: FakeCtx, name: str, sub: object = None, index: object = None) -> object:
    import osipsc.runtime.pvars_sip  # noqa: F401

    return PV_TABLE[name].getter(ctx, sub, index)


def setpv(ctx: FakeCtx, name: str, value: object) -> int:
    import osipsc.runtime.pvars_sip  # noqa: F401

    fn = PV_TABLE[name].setter
    assert fn is not None
    return fn(ctx, None, None, value)


def ctx_for(case: str, name: str) -> FakeCtx:
    return FakeCtx(SipMessage.parse(case_message(case, name)))


def test_fwd_record_route() -> None:
    case = "fwd-record-route"
    for name, action in (
        ("01-plain.sip", lambda c: rr.record_route(c)),
        ("02-param.sip", lambda c: (rr.record_route(c, ";mykey=myval"),
                                     rr.add_rr_param(c, ";extra=1"))),
        ("03-preset.sip", lambda c: rr.record_route_preset(c, "proxy.example.com:5080")),
    ):
        ctx = ctx_for(case, name)
        action(ctx)
        ctx.msg.dst_uri = "sip:127.0.0.1:5070"
        assert core_msg.forward(ctx) == 1
        assert rendered(ctx, case) == expected_packets(case, name)


def test_fwd_stateless() -> None:
    case = "fwd-stateless"
    ctx = ctx_for(case, "01-dest.sip")
    assert core_msg.forward(ctx, "udp:127.0.0.1:5070") == 1
    assert pv(ctx, "du") is None
    assert rendered(ctx, case) == expected_packets(case, "01-dest.sip")

    ctx = ctx_for(case, "02-ruri.sip")
    assert setpv(ctx, "ru", "sip:carol@127.0.0.1:5070") == 1
    assert core_msg.forward(ctx) == 1
    assert ctx.engine.sent[0][1] == ("127.0.0.1", 5070)
    assert rendered(ctx, case) == expected_packets(case, "02-ruri.sip")

    ctx = ctx_for(case, "03-du.sip")
    setpv(ctx, "du", "sip:127.0.0.1:5070")
    assert core_msg.forward(ctx) == 1 and core_msg.forward(ctx) == 1
    assert ctx.engine.sent[0][0] != ctx.engine.sent[1][0]
    assert rendered(ctx, case) == expected_packets(case, "03-du.sip")


def test_pv_write_ruri() -> None:
    case = "pv-write-ruri"
    ctx = ctx_for(case, "01-user.sip")
    assert setpv(ctx, "rU", "newuser") == 1
    assert (pv(ctx, "ru"), pv(ctx, "rU"), pv(ctx, "ou")) == (
        "sip:newuser@127.0.0.1:5060", "newuser", "sip:bob@127.0.0.1:5060")
    setpv(ctx, "du", "sip:127.0.0.1:5070")
    core_msg.forward(ctx)
    assert rendered(ctx, case) == expected_packets(case, "01-user.sip")

    ctx = ctx_for(case, "02-ruri.sip")
    assert setpv(ctx, "ru", "sip:target@127.0.0.1:5070;p=1") == 1
    assert (pv(ctx, "rd"), pv(ctx, "rp"), pv(ctx, "du")) == ("127.0.0.1", "5070", None)
    assert type(pv(ctx, "rp")) is StrInt
    core_msg.forward(ctx)
    assert rendered(ctx, case) == expected_packets(case, "02-ruri.sip")

    ctx = ctx_for(case, "03-domain-port.sip")
    setpv(ctx, "rd", "example.com")
    setpv(ctx, "rp", 5999)
    assert pv(ctx, "ru") == "sip:bob@example.com:5999"
    setpv(ctx, "rp", None)
    assert pv(ctx, "ru") == "sip:bob@example.com"
    setpv(ctx, "du", "sip:127.0.0.1:5070;transport=udp")
    assert (pv(ctx, "du"), pv(ctx, "dd"), pv(ctx, "dp")) == (
        "sip:127.0.0.1:5070;transport=udp", "127.0.0.1", "5070")
    core_msg.forward(ctx)
    assert ctx.engine.sent[0][1] == ("127.0.0.1", 5070)
    assert rendered(ctx, case) == expected_packets(case, "03-domain-port.sip")

    ctx = ctx_for(case, "04-null.sip")
    setpv(ctx, "rU", None)
    assert pv(ctx, "ru") == "sip:127.0.0.1:5060"
    setpv(ctx, "du", "sip:127.0.0.1:5070")
    setpv(ctx, "du", None)
    assert pv(ctx, "du") is None
    setpv(ctx, "rp", 5070)
    core_msg.forward(ctx)
    assert rendered(ctx, case) == expected_packets(case, "04-null.sip")


def test_ruri_setters_reject_ints_and_null() -> None:
    ctx = ctx_for("pv-write-ruri", "01-user.sip")
    assert setpv(ctx, "ru", 5) == -1
    assert setpv(ctx, "ru", None) == -1
    assert setpv(ctx, "rU", 123) == -1
    assert pv(ctx, "ru") == "sip:bob@127.0.0.1:5060"


def test_pv_hdr() -> None:
    ctx = ctx_for("pv-hdr", "01-options.sip")
    assert [pv(ctx, "hdr", "X-Multi", i) for i in (None, 0, 1, 2, 3, -1, "*")] == [
        "first", "first", "second, third", "fourth", None, "fourth",
        "first, second, third, fourth"]
    assert (pv(ctx, "hdrcnt", "X-Multi"), pv(ctx, "hdrcnt", "Via"),
            pv(ctx, "hdrcnt", "X-None")) == (3, 2, 0)
    assert (pv(ctx, "hdr", "x-multi"), pv(ctx, "hdr", "X-None")) == ("first", None)
    assert pv(ctx, "hdr", "Via", 1) == "SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-upstream-1"
    assert (pv(ctx, "hdr", "Subject"), pv(ctx, "hdr", "s")) == (None, "compact subject")
    assert pv(ctx, "hdr", "X-Empty") == ""
    assert (pv(ctx, "hdr_name", None, 0), pv(ctx, "hdr_name", None, 5)) == ("Via", "Call-ID")


def test_pv_body_and_message() -> None:
    ctx = ctx_for("pv-body", "01-message.sip")
    assert (pv(ctx, "cl"), pv(ctx, "cT"), pv(ctx, "ml")) == (24, "text/plain", 387)
    assert pv(ctx, "rb") == "hello world\r\nsecond line"
    rm = pv(ctx, "rm")
    assert rm == "MESSAGE" and type(rm) is StrInt and rm.ival == 256
    ctx = ctx_for("pv-body", "02-options.sip")
    assert (pv(ctx, "cl"), pv(ctx, "cT"), pv(ctx, "ml"), pv(ctx, "rb")) == (
        0, None, 336, None)


def test_pv_network_and_from_to() -> None:
    ctx = ctx_for("pv-network", "01-options.sip")
    assert (pv(ctx, "si"), pv(ctx, "sp")) == ("127.0.0.1", 5070)
    assert [pv(ctx, "socket_in", f) for f in (None, "ip", "port", "proto", "af")] == [
        "udp:127.0.0.1:5060", "127.0.0.1", 5060, "udp", "INET"]
    assert (pv(ctx, "msg.type"), str(pv(ctx, "msg.is_request"))) == ("request", "true")
    assert [pv(ctx, n) for n in ("fu", "fU", "fd", "fn", "ft", "tu", "tt", "ci", "cs", "ua")] == [
        "sip:alice@127.0.0.1:5070", "alice", "127.0.0.1", '"Alice"', "ft-01",
        "sip:bob@127.0.0.1:5060", None, "pv-network-01@127.0.0.1", "1", "conformance"]
    assert (pv(ctx, "rs"), pv(ctx, "rr")) == (None, None)


def test_pv_branch() -> None:
    ctx = ctx_for("pv-branch", "01-options.sip")
    assert pv(ctx, "branch", "uri", "*") is None
    setpv(ctx, "ru", "sip:main@127.0.0.1:5070")
    assert core_msg.append_msg_branch(ctx, "sip:b1@127.0.0.1:5070") == 1
    assert core_msg.append_msg_branch(ctx, "sip:b2@127.0.0.1:5070", "0.5") == 1
    assert pv(ctx, "branch", "uri", "*") == "sip:b1@127.0.0.1:5070, sip:b2@127.0.0.1:5070"
    assert (pv(ctx, "branch", "uri", 0), pv(ctx, "branch", "q", 1),
            pv(ctx, "branch", "uri", 2)) == ("sip:b1@127.0.0.1:5070", "0.5", None)
    assert pv(ctx, "msg.branch.uri", None, 0) == "sip:main@127.0.0.1:5070"
    assert pv(ctx, "ru") == "sip:main@127.0.0.1:5070"


def test_reply_sl_codes() -> None:
    case = "reply-sl-codes"
    ctx = ctx_for(case, "03-100.sip")
    assert sl.sl_send_reply(ctx, 100, "Trying Hard") == 1
    assert sl.sl_send_reply(ctx, 200, "After Provisional") == 1
    assert rendered(ctx, case) == expected_packets(case, "03-100.sip")
    first, second = (d.decode() for d, _dst, _p in ctx.engine.sent)
    assert ";tag=" not in first.split("To:")[1].split("\r\n")[0]
    assert ";tag=" in second.split("To:")[1].split("\r\n")[0]
    assert ctx.engine.sent[0][1] == ("127.0.0.1", 5070)

    ctx = ctx_for(case, "06-twice.sip")
    sl.sl_send_reply(ctx, 200, "First")
    sl.sl_send_reply(ctx, 500, "Second")
    assert rendered(ctx, case) == expected_packets(case, "06-twice.sip")


def test_reply_append_to_reply() -> None:
    case = "reply-send-reply"
    ctx = ctx_for(case, "01-stateless.sip")
    sipmsgops.append_to_reply(ctx, "X-Mode: stateless\r\n")
    sl.sl_send_reply(ctx, 403, "Stateless Forbidden")
    assert rendered(ctx, case) == expected_packets(case, "01-stateless.sip")


def test_sl_ignores_ack() -> None:
    text = case_message("reply-sl-codes", "01-404.sip").replace("OPTIONS", "ACK")
    ctx = FakeCtx(SipMessage.parse(text))
    assert sl.sl_send_reply(ctx, 404, "x") == 1 and ctx.engine.sent == []


def test_maxfwd_in_place() -> None:
    text = case_message("fwd-stateless", "03-du.sip").replace("Max-Forwards: 5",
                                                               "Max-Forwards: 10")
    ctx = FakeCtx(SipMessage.parse(text))
    assert maxfwd.mf_process_maxfwd_header(ctx, 10) == 1
    assert pv(ctx, "hdr", "Max-Forwards") == " 9"
    assert maxfwd.is_maxfwd_lt(ctx, 10) == 1
    core_msg.forward(ctx, "127.0.0.1:5070")
    assert b"\r\nMax-Forwards:  9\r\n" in ctx.engine.sent[0][0]
    text0 = text.replace("Max-Forwards: 10", "Max-Forwards: 0")
    assert maxfwd.mf_process_maxfwd_header(FakeCtx(SipMessage.parse(text0)), 10) == -1
    missing = FakeCtx(SipMessage.parse(text.replace("Max-Forwards: 10\r\n", "")))
    assert maxfwd.mf_process_maxfwd_header(missing, 70) == 2
    core_msg.forward(missing, "127.0.0.1:5070")
    assert b"SIP/2.0\r\nMax-Forwards: 70\r\n" in missing.engine.sent[0][0]


def test_maxfwd_non_ascii_digits_are_not_a_number() -> None:
    """'²' and '٣' pass str.isdigit(): they are a malformed value (-2), not a crash or 3."""
    text = case_message("fwd-stateless", "03-du.sip")
    for bad in ("²", "٣", "7²"):
        ctx = FakeCtx(SipMessage.parse(text.replace("Max-Forwards: 5", f"Max-Forwards: {bad}")))
        assert maxfwd.mf_process_maxfwd_header(ctx, 10) == -2
        assert maxfwd.is_maxfwd_lt(ctx, 10) == -3


def test_loose_route_to_next_hop() -> None:
    text = case_message("fwd-stateless", "03-du.sip").replace(
        "Max-Forwards: 5\r\n",
        "Route: <sip:127.0.0.1;lr;ftag=ft-03>, <sip:10.0.0.5:5080;lr>\r\nMax-Forwards: 5\r\n")
    ctx = FakeCtx(SipMessage.parse(text))
    assert rr.loose_route(ctx) == 1
    assert ctx.msg.dst_uri == "sip:10.0.0.5:5080;lr"
    assert rr.is_direction(ctx, "downstream") == 1
    assert rr.check_route_param(ctx, "ftag=ft-03") == 1
    core_msg.forward(ctx)
    data = ctx.engine.sent[0]
    assert data[1] == ("10.0.0.5", 5080)
    assert b"\r\nRoute: <sip:10.0.0.5:5080;lr>\r\n" in data[0]


def test_uri_rewrite_functions() -> None:
    ctx = ctx_for("pv-write-ruri", "01-user.sip")
    core_msg.prefix(ctx, "00")
    assert ctx.msg.current_ruri == "sip:00bob@127.0.0.1:5060"
    core_msg.strip(ctx, 1)
    core_msg.strip_tail(ctx, 1)
    assert ctx.msg.current_ruri == "sip:0bo@127.0.0.1:5060"
    core_msg.sethostport(ctx, "example.com:5070")
    assert ctx.msg.current_ruri == "sip:0bo@example.com:5070"
    core_msg.revert_uri(ctx)
    assert ctx.msg.current_ruri == "sip:bob@127.0.0.1:5060"
    assert core_msg.isdsturiset(ctx) == -1
    core_msg.setdsturi(ctx, "sip:1.2.3.4")
    assert core_msg.isdsturiset(ctx) == 1
