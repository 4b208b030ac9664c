from __future__ import annotations

from osipsc.runtime.sip.build import SERVER_HEADER, build_forward, build_reply, sl_to_tag
from osipsc.runtime.sip.message import SipMessage
from osipsc.runtime.sip.transcript import known_values_from_messages, render_packet

from .conftest import case_message


def _opt(case: str = "hdr-insert-order", name: str = "01-options.sip") -> SipMessage:
    return SipMessage.parse(case_message(case, name))


def test_reply_layout() -> None:
    msg = _opt()
    msg.reply_lumps.headers.append("X-Mode: stateless\r\n")
    data = build_reply(msg, 404, "Not Here", to_tag="TT").decode()
    assert data == (
        "SIP/2.0 404 Not Here\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:5070;received=127.0.0.1;rport=5070;"
        "branch=z9hG4bK-hdr-insert-order-01\r\n"
        "To: <sip:bob@127.0.0.1:5060>;tag=TT\r\n"
        'From: "Alice" <sip:alice@127.0.0.1:5070>;tag=ft-01\r\n'
        "Call-ID: hdr-insert-order-01@127.0.0.1\r\n"
        "CSeq: 1 OPTIONS\r\n"
        "X-Mode: stateless\r\n"
        f"{SERVER_HEADER}\r\n"
        "Content-Length: 0\r\n\r\n")
    assert render_packet(data.encode(), set()) == [
        "REPLY: SIP/2.0 404 Not Here", "REPLY-HDR: X-Mode: stateless"]


def test_reply_keeps_existing_to_tag_and_rr_only_for_1xx_2xx() -> None:
    text = case_message("hdr-is-method-totag", "02-message-intdialog.sip").replace(
        "Contact:", "Record-Route: <sip:p1;lr>\r\nContact:")
    msg = SipMessage.parse(text)
    ok = build_reply(msg, 200, "OK").decode()
    assert "To: <sip:bob@127.0.0.1:5060>;tag=to-02\r\n" in ok
    assert "Record-Route: <sip:p1;lr>\r\n" in ok
    assert "Record-Route" not in build_reply(msg, 404, "X").decode()


def test_sl_tag_is_deterministic() -> None:
    assert sl_to_tag(_opt()) == sl_to_tag(_opt())
    assert sl_to_tag(_opt()) != sl_to_tag(_opt("pv-body", "02-options.sip"))


EXPECTED_INSERT_ORDER = """FWD: OPTIONS sip:bob@127.0.0.1:5060 SIP/2.0
FWD-HDR: X-Insert-1: i1
FWD-HDR: X-Insert-2: i2
FWD-HDR: Max-Forwards: 70
FWD-HDR: From: "Alice" <sip:alice@127.0.0.1:5070>;tag=ft-01
FWD-HDR: To: <sip:bob@127.0.0.1:5060>
FWD-HDR: Call-ID: hdr-insert-order-01@127.0.0.1
FWD-HDR: X-Before-CSeq: bc
FWD-HDR: CSeq: 1 OPTIONS
FWD-HDR: X-After-CSeq: ac
FWD-HDR: Contact: <sip:alice@127.0.0.1:5070>
FWD-HDR: User-Agent: conformance
FWD-HDR: X-Append-1: a1
FWD-HDR: X-Append-2: a2
FWD-HDR: X-After-Missing: am""".splitlines()


def test_forward_with_header_lumps() -> None:
    msg = _opt()
    cseq = msg.header_fields("cseq")[0]
    msg.append_header("X-Append-1: a1\r\n")
    msg.append_header("X-Append-2: a2\r\n")
    msg.insert_header("X-Insert-1: i1\r\n")
    msg.insert_header("X-Insert-2: i2\r\n")
    msg.append_header("X-After-CSeq: ac\r\n", after=cseq)
    msg.insert_header("X-Before-CSeq: bc\r\n", before=cseq)
    msg.append_header("X-After-Missing: am\r\n")
    assert msg.header("X-Append-1") is None  # lazy
    data = build_forward(msg, ("127.0.0.1", 5070), branch="z9hG4bKfixed")
    assert render_packet(data, {"ft-01"}) == EXPECTED_INSERT_ORDER
    text = data.decode()
    assert text.startswith("OPTIONS sip:bob@127.0.0.1:5060 SIP/2.0\r\nX-Insert-1: i1\r\n"
                           "X-Insert-2: i2\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;"
                           "branch=z9hG4bKfixed\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;"
                           "received=127.0.0.1;rport=5070;branch=z9hG4bK-hdr-insert-order-01\r\n")


def test_forward_body_and_ruri() -> None:
    msg = SipMessage.parse(case_message("fwd-stateless", "02-ruri.sip"))
    msg.set_ruri("sip:carol@127.0.0.1:5070")
    lines = render_packet(build_forward(msg, ("127.0.0.1", 5070)), set())
    assert lines[0] == "FWD: MESSAGE sip:carol@127.0.0.1:5070 SIP/2.0"
    assert lines[-2:] == ["FWD-HDR: Content-Type: text/plain", "FWD-BODY: hi there"]


def test_forward_updates_content_length_after_body_edit() -> None:
    msg = SipMessage.parse(case_message("fwd-stateless", "02-ruri.sip"))
    start = msg.body_start
    msg.lumps.delete(start, 2).insert_after("hello")
    text = build_forward(msg, ("127.0.0.1", 5070)).decode()
    assert "Content-Length: 11\r\n" in text and text.endswith("\r\n\r\nhello there")


def test_transcript_escaping_folding_and_tags() -> None:
    data = (b"SIP/2.0 200 OK\r\nVia: x\r\nX-A: one\r\n two\r\nX-T: a;tag=zz;branch=ft-01\r\n"
            b"X-D: did=1.2\r\nX-Sub: value\r-changed\nX-Both: b\r\n\r\nl1\r\nl2\r\n")
    assert render_packet(data, {"ft-01"}) == [
        "REPLY: SIP/2.0 200 OK",
        "REPLY-HDR: X-A: one two",
        "REPLY-HDR: X-T: a;tag=TAG;branch=ft-01",
        "REPLY-HDR: X-D: did=DID",
        "REPLY-HDR: X-Sub: value\\r-changed\\nX-Both: b",
        "REPLY-BODY: l1",
        "REPLY-BODY: l2",
    ]
    assert known_values_from_messages(["From: <sip:a>;tag=ft-01\r\nVia: x;branch=b1"]) == {
        "ft-01", "b1"}


def _plain_via_msg() -> SipMessage:
    text = _opt().text.replace("127.0.0.1:5070;rport;branch", "10.0.0.1:5060;branch")
    return SipMessage.parse(text)


def test_forward_received_and_forced_rport_on_previous_via() -> None:
    msg = _plain_via_msg()
    text = build_forward(msg, ("127.0.0.1", 5070), branch="z9hG4bKb").decode()
    assert ("\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;received=127.0.0.1;"
            "branch=z9hG4bK-hdr-insert-order-01\r\n") in text
    msg.force_rport = True
    text = build_forward(msg, ("127.0.0.1", 5070), branch="z9hG4bKb").decode()
    assert ("\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;rport=5070;received=127.0.0.1;"
            "branch=z9hG4bK-hdr-insert-order-01\r\n") in text
    reply = build_reply(msg, 200, "OK").decode()
    assert ("\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;received=127.0.0.1;rport=5070;"
            "branch=z9hG4bK-hdr-insert-order-01\r\n") in reply


def test_forward_twice_does_not_accumulate_vias() -> None:
    msg = _opt()
    first = build_forward(msg, ("127.0.0.1", 5070), branch="z9hG4bK1").decode()
    second = build_forward(msg, ("127.0.0.1", 5070), branch="z9hG4bK2").decode()
    assert first.count("\r\nVia: ") == 2 and second.count("\r\nVia: ") == 2
