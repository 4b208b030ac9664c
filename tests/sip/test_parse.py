from __future__ import annotations

import pytest
from osipsc.runtime.sip.headers import header_key, split_commas
from osipsc.runtime.sip.message import SipMessage, SipParseError
from osipsc.runtime.sip.nameaddr import NameAddr
from osipsc.runtime.sip.uri import SipUri
from osipsc.runtime.sip.via import Via

from .conftest import case_message

REQ = (
    "INVITE sip:bob@[2001:db8::1]:5062;transport=udp SIP/2.0\r\n"
    "v: SIP/2.0/UDP 127.0.0.1:5070;rport;branch=z9hG4bK-1\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-2, SIP/2.0/UDP 10.0.0.2;branch=b3\r\n"
    "f: \"Al, ice\" <sip:alice@a.com>;tag=abc\r\n"
    "t: sip:bob@b.com\r\n"
    "i: cid-1\r\n"
    "CSeq: 7 INVITE\r\n"
    "Subject: folded\r\n  more text\r\n"
    "m: <sip:a@1.2.3.4>;q=0.5, \"X\" <sip:b@5.6.7.8>\r\n"
    "l: 4\r\n"
    "\r\n"
    "abcdEXTRA"
)


def test_compact_names_and_folding() -> None:
    msg = SipMessage.parse(REQ)
    assert msg.method == "INVITE"
    assert msg.header("Call-ID") == "cid-1"
    assert msg.header("from") == '"Al, ice" <sip:alice@a.com>;tag=abc'
    assert msg.headers("VIA")[0] == "SIP/2.0/UDP 127.0.0.1:5070;rport;branch=z9hG4bK-1"
    assert len(msg.headers("via")) == 2
    assert msg.header("subject") == "folded\r\n  more text"
    assert msg.header("s") is None
    assert msg.body == "abcd"
    assert msg.to_tag is None


def test_only_ten_compact_forms() -> None:
    assert header_key("s") == "s"
    assert header_key("k") == "supported"
    assert header_key("X") == "session-expires"


def test_multi_valued_split() -> None:
    msg = SipMessage.parse(REQ)
    assert split_commas(msg.header("contact") or "") == [
        "<sip:a@1.2.3.4>;q=0.5", '"X" <sip:b@5.6.7.8>']
    assert split_commas(msg.header("f") or "") == ['"Al, ice" <sip:alice@a.com>;tag=abc']


def test_uri_ipv6_params() -> None:
    msg = SipMessage.parse(REQ)
    uri = SipUri.parse(msg.ruri)
    assert (uri.user, uri.host, uri.port, uri.params) == (
        "bob", "[2001:db8::1]", "5062", "transport=udp")
    assert str(uri) == "sip:bob@[2001:db8::1]:5062;transport=udp"
    assert str(uri.with_(user="", port="")) == "sip:[2001:db8::1];transport=udp"
    u = SipUri.parse("sips:a:pw@h.com;lr?subject=x")
    assert (u.password, u.params, u.headers, u.port_no) == ("pw", "lr", "subject=x", 5061)


def test_nameaddr_forms() -> None:
    na = NameAddr.parse('"Alice" <sip:alice@h;x=1>;tag=ft-01')
    assert (na.display, na.uri, na.tag) == ('"Alice"', "sip:alice@h;x=1", "ft-01")
    bare = NameAddr.parse("sip:bob@b.com;tag=9")
    assert (bare.display, bare.uri, bare.tag) == ("", "sip:bob@b.com", "9")


def test_via() -> None:
    via = Via.parse("SIP/2.0/udp [::1]:5070;rport;branch=z9")
    assert (via.transport, via.host, via.port, via.param("rport"), via.branch) == (
        "UDP", "[::1]", "5070", "", "z9")


def test_reply_parse_method_from_cseq() -> None:
    msg = SipMessage.parse("SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@b>\r\n"
                           "To: <sip:c@d>;tag=x\r\nCall-ID: c\r\nCSeq: 2 INVITE\r\n\r\n")
    assert (msg.is_request, msg.status, msg.reason, msg.method_name) == (
        False, 180, "Ringing", "INVITE")
    assert msg.to_tag == "x"


def test_garbage() -> None:
    with pytest.raises(SipParseError):
        SipMessage.parse(b"hello world\r\n\r\n")
    with pytest.raises(SipParseError):
        SipMessage.parse(b"OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n")


def test_message_length_matches_opensips_ml() -> None:
    # pv-body: $ml = 387 for 01-message.sip
    msg = SipMessage.parse(case_message("pv-body", "01-message.sip"))
    assert msg.length == 387
    assert msg.body == "hello world\r\nsecond line"


def test_copy_is_independent() -> None:
    msg = SipMessage.parse(case_message("pv-body", "02-options.sip"))
    dup = msg.copy()
    dup.append_header("X-A: 1\r\n")
    dup.new_uri = "sip:x@y"
    dup.headers_list[0].body = "changed"
    dup.reply_lumps.headers.append("X-R: 1\r\n")
    assert len(msg.lumps) == 0 and msg.new_uri is None
    assert msg.headers_list[0].body.startswith("SIP/2.0/UDP")
    assert list(msg.reply_lumps) == []


def test_lf_only_message_and_missing_body_separator() -> None:
    msg = SipMessage.parse("OPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h\nFrom: <sip:a@b>;tag=1\n"
                           "To: <sip:c@d>\nCall-ID: x\nCSeq: 1 OPTIONS\n\nbody")
    assert (msg.header("call-id"), msg.body, msg.cseq_num) == ("x", "body", "1")
