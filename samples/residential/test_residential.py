"""Tests of the residential proxy (residential.cfg), written with the osipsc pytest plugin.

Run them with ``pytest`` (the plugin's ``opensips`` and ``sip`` fixtures come with osipsc):
no SIP server, no Docker, no SIPp.
"""

from pathlib import Path

import pytest

CFG = Path(__file__).with_name("residential.cfg")
ALICE = "sip:alice@127.0.0.1"
ALICE_PHONE = ("127.0.0.1", 5072)


@pytest.fixture
def proxy(opensips, sip):
    """The proxy with alice registered from her phone at 127.0.0.1:5072."""
    engine = opensips(CFG)
    outcome = engine.receive(sip.register(ALICE, contact="<sip:alice@127.0.0.1:5072>",
                                          src=ALICE_PHONE))
    assert outcome.replied(200)
    return engine


def test_register_is_saved_and_logged(opensips, sip):
    engine = opensips(CFG)
    outcome = engine.receive(sip.register(ALICE, contact="<sip:alice@127.0.0.1:5072>"))
    assert outcome.replied(200, "OK")
    assert outcome.reply.header("Contact") == "<sip:alice@127.0.0.1:5072>;expires=3600"
    assert "registered sip:alice@127.0.0.1 from 127.0.0.1:5070" in outcome.xlog


def test_register_without_contact_is_rejected(opensips, sip):
    engine = opensips(CFG)
    outcome = engine.receive(sip.request("REGISTER", "sip:127.0.0.1", from_uri=ALICE,
                                         contact=None))
    assert outcome.replied(400, "Missing Contact")


def test_invite_to_registered_user_is_relayed_to_her_phone(proxy, sip):
    outcome = proxy.receive(sip.request("INVITE", ALICE, from_uri="sip:bob@127.0.0.1"))
    assert outcome.reply_codes == [100]
    assert outcome.relayed_to("sip:alice@127.0.0.1:5072")
    assert outcome.forwarded.header("Record-Route") == "<sip:127.0.0.1;lr;ftag=osipsc-tag-2>"
    assert outcome.forwarded.header("Max-Forwards") == "69"
    assert outcome.avp("callee") == "alice"


def test_unknown_user_gets_404(proxy, sip):
    outcome = proxy.receive(sip.request("INVITE", "sip:carol@127.0.0.1"))
    assert outcome.replied(404, "Not Found")
    assert "no contact for sip:carol@127.0.0.1" in outcome.xlog
    assert outcome.forwarded is None


def test_options_keepalive_to_the_proxy_is_answered_with_allow(opensips, sip):
    engine = opensips(CFG)
    outcome = engine.receive(sip.request("OPTIONS", "sip:127.0.0.1:5060"))
    assert outcome.replied(200)
    assert outcome.reply.header("Allow").startswith("INVITE, ACK, BYE")


def test_busy_callee_goes_to_voicemail(proxy, sip):
    call = proxy.receive(sip.request("INVITE", ALICE, from_uri="sip:bob@127.0.0.1"))
    busy = proxy.receive(sip.reply(call.forwarded, 486))
    assert "call to alice missed (486): voicemail" in busy.xlog
    assert busy.relayed_to("sip:vm-alice@127.0.0.1:5090")


def test_unanswered_call_times_out_to_voicemail(proxy, sip):
    proxy.receive(sip.request("INVITE", ALICE, from_uri="sip:bob@127.0.0.1"))
    later = proxy.advance(31)  # fr_inv_timeout is 30 s on the virtual clock
    assert "call to alice missed (408): voicemail" in later.xlog


def test_lookup_can_be_mocked(proxy, sip):
    with proxy.mock_function("lookup", returns=-1) as lookup:
        outcome = proxy.receive(sip.request("INVITE", ALICE))
    assert outcome.replied(404)
    assert lookup.calls == [("location",)]
    # restored after the with block: alice is found again
    assert proxy.receive(sip.request("INVITE", ALICE)).relayed_to("sip:alice@127.0.0.1:5072")


def test_bye_without_route_set_is_refused(proxy, sip):
    invite = sip.request("INVITE", ALICE)
    outcome = proxy.receive(sip.in_dialog(invite, "BYE"))
    assert outcome.replied(404, "Not Here")


def test_too_many_hops(opensips, sip):
    engine = opensips(CFG)
    outcome = engine.receive(sip.request("INVITE", ALICE, max_forwards=0))
    assert outcome.replied(483)
