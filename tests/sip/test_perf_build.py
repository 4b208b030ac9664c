"""Pinned outputs of the fast paths added for speed (build.py ``_param_span`` and the Via
edits of replies/forwards, rr's one-value Route split, registrar's one-contact split,
``is_method``'s remembered method sets): each must give what the general code gave."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from osipsc.runtime.functions import rr, sipmsgops
from osipsc.runtime.functions.registrar import split_contacts
from osipsc.runtime.sip.build import _param_span, build_forward, build_reply
from osipsc.runtime.sip.message import SipMessage

SPANS = [
    ("", "rport", None), (";", "rport", None), (";rport", "rport", (0, 6)),
    (";RPORT=1", "rport", (0, 8)), ("; rport ;x", "rport", (0, 8)),
    (";a,;rport", "rport", None), ("x;rport=;", "rport", (1, 8)),
    (";rportx;rport", "rport", (7, 13)), (";received=1;rport", "rport", (11, 17)),
    (";received=1;rport", "received", (0, 11)), (";=;rport=", "rport", (2, 9)),
    (",;rport", "rport", None), (";Received = 1.2.3.4 ;rport=9", "rport", (20, 28)),
    (";Received = 1.2.3.4 ;rport=9", "received", (0, 20)),
    (";branch=z9rport;x=received", "rport", None),
    (";branch=z9rport;x=received", "received", None),
]


@pytest.mark.parametrize(("params", "name", "span"), SPANS)
def test_param_span(params: str, name: str, span: tuple[int, int] | None) -> None:
    assert _param_span(params, name) == span


def _invite(via: str, force_rport: bool = False) -> SipMessage:
    msg = SipMessage.parse(
        f"INVITE sip:b@h SIP/2.0\r\nVia: {via}\r\nFrom: <sip:a@h>;tag=1\r\n"
        "To: <sip:b@h>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
        src=("127.0.0.1", 5070))
    msg.force_rport = force_rport
    return msg


VIAS = [
    ("SIP/2.0/UDP 127.0.0.1:5090;rport;branch=z9hG4bKb",
     "SIP/2.0/UDP 127.0.0.1:5090;received=127.0.0.1;rport=5070;branch=z9hG4bKb",
     "SIP/2.0/UDP 127.0.0.1:5090;received=127.0.0.1;rport=5070;branch=z9hG4bKb"),
    ("SIP/2.0/UDP 10.0.0.1;received=1.2.3.4;rport=77;branch=z9hG4bKc",
     "SIP/2.0/UDP 10.0.0.1;received=127.0.0.1;rport=5070;branch=z9hG4bKc",
     "SIP/2.0/UDP 10.0.0.1;received=127.0.0.1;received=1.2.3.4;rport=5070;branch=z9hG4bKc"),
    ("SIP/2.0/UDP 127.0.0.1:5070 ;RPort= ;branch=z9, SIP/2.0/UDP h2;rport",
     "SIP/2.0/UDP 127.0.0.1:5070 ;received=127.0.0.1;rport=5070;branch=z9, "
     "SIP/2.0/UDP h2;rport",
     "SIP/2.0/UDP 127.0.0.1:5070;received=127.0.0.1 ;rport=5070;branch=z9, "
     "SIP/2.0/UDP h2;rport"),
    ("SIP/2.0/UDP h:1 ;rportx;branch=1;rport",
     "SIP/2.0/UDP h:1 ;received=127.0.0.1;rportx;branch=1;rport=5070",
     "SIP/2.0/UDP h:1;received=127.0.0.1 ;rportx;branch=1;rport=5070"),
]


@pytest.mark.parametrize(("via", "forwarded", "replied"), VIAS)
@pytest.mark.parametrize("force_rport", [False, True])
def test_via_edits(via: str, forwarded: str, replied: str, force_rport: bool) -> None:
    fwd = build_forward(_invite(via, force_rport), ("1.1.1.1", 5060),
                        branch="z9hG4bKx").decode().split("\r\n")
    assert fwd[1:3] == ["Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx", f"Via: {forwarded}"]
    reply = build_reply(_invite(via, force_rport), 200, "OK", to_tag="T").decode()
    assert reply.split("\r\n")[1:3] == [f"Via: {replied}", "To: <sip:b@h>;tag=T"]


def test_forward_keeps_the_message_lumps() -> None:
    """build_forward adds its Via lumps to a list of its own: the message's lumps and a
    second build are untouched."""
    msg = _invite("SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKc")
    msg.append_header("X-A: 1\r\n")
    first = build_forward(msg, ("1.1.1.1", 5060), branch="z9hG4bK1")
    assert len(msg.lumps) == 1
    assert build_forward(msg, ("1.1.1.1", 5060), branch="z9hG4bK1") == first
    assert b"X-A: 1\r\n\r\n" in first


@pytest.mark.parametrize("route", [
    "<sip:a@b;lr>", " <sip:a@b;lr> ", '"a,b" <sip:c>', "<sip:a>,<sip:b>", "sip:x;lr",
    "<sip:a@b;lr>\x0c", '"q\\"" <sip:a>', " , <sip:z>", "<sip:a>, <sip:b;lr> ,<sip:c>"])
def test_route_values_one_and_many(route: str) -> None:
    msg = SipMessage.parse(
        f"BYE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=1\r\nRoute: {route}\r\n"
        "From: <sip:a>;tag=1\r\nTo: <sip:b>\r\nCall-ID: 1\r\nCSeq: 1 BYE\r\n\r\n")
    hdr = msg.fields("route")[0]
    spans = rr._route_values(msg, hdr)
    # what the general scan gives: values split at commas outside quotes and <>
    texts = [msg.text[a:b] for a, b in spans]
    expected = {
        '"a,b" <sip:c>': ['"a,b" <sip:c>'], "<sip:a>,<sip:b>": ["<sip:a>", "<sip:b>"],
        " , <sip:z>": ["<sip:z>"],
        "<sip:a>, <sip:b;lr> ,<sip:c>": ["<sip:a>", "<sip:b;lr>", "<sip:c>"],
    }.get(route, [route.strip()])
    assert texts == expected


def test_route_values_folded_single_value() -> None:
    msg = SipMessage.parse(
        "BYE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=1\r\nRoute:\r\n  <sip:x;lr>\r\n"
        "From: <sip:a>;tag=1\r\nTo: <sip:b>\r\nCall-ID: 1\r\nCSeq: 1 BYE\r\n\r\n")
    (a, b), = rr._route_values(msg, msg.fields("route")[0])
    assert msg.text[a:b] == "<sip:x;lr>"


@pytest.mark.parametrize(("value", "parts"), [
    ("", []), ("  ", []), (" <sip:a>;expires=5 ", ["<sip:a>;expires=5"]), ("*", ["*"]),
    ('"a,b" <sip:a>, <sip:b>', ['"a,b" <sip:a>', "<sip:b>"]), (",", []),
    ("<sip:a;x=1,2>", ["<sip:a;x=1,2>"])])
def test_split_contacts(value: str, parts: list[str]) -> None:
    assert split_contacts(value) == parts


@pytest.mark.parametrize(("method", "arg", "result"), [
    ("INVITE", "INVITE", 1), ("invite", "INVITE", 1), ("INVITE", "ack|invite", 1),
    ("OPTIONS", "OPTIONS|REGISTER", 1), ("BYE", "OPTIONS|REGISTER", -1),
    ("FOO", "foo", 1), ("FOO", "BAR|Foo", 1), ("FOO", "INVITE", -1), ("FOO", "", -1),
    ("INVITE", "| INVITE |", 1), ("BAR", "FOO|OTHER", -1)])
def test_is_method(method: str, arg: str, result: int) -> None:
    msg = SimpleNamespace(method_name=method)
    assert sipmsgops.is_method(SimpleNamespace(msg=msg), arg) == result
    assert sipmsgops.is_method(SimpleNamespace(msg=msg), arg) == result  # remembered
