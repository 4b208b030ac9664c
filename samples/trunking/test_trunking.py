"""Tests of the trunking proxy (trunking.cfg): prefix routing, round robin, failover."""

from pathlib import Path

import pytest

CFG = Path(__file__).with_name("trunking.cfg")
GW0 = "sip:127.0.0.1:5080"
GW1 = "sip:127.0.0.1:5081"


@pytest.fixture
def trunk(opensips):
    engine = opensips(CFG)
    assert "trunking proxy ready" in engine.startup_outcome.xlog_text[0]
    return engine


def call(sip, number, **kwargs):
    return sip.request("INVITE", f"sip:{number}@127.0.0.1:5060",
                       from_uri="sip:1000@127.0.0.1", **kwargs)


@pytest.mark.parametrize(
    ("number", "kind"),
    [("+0044123456", "international"), ("0044123456", "international"),
     ("112", "emergency"), ("5551234", "national")],
)
def test_calls_are_classified_by_prefix(trunk, sip, number, kind):
    outcome = trunk.receive(call(sip, number))
    assert outcome.logged(f"to {number.lstrip('+')} ({kind})")


def test_emergency_calls_go_to_the_emergency_gateway(trunk, sip):
    outcome = trunk.receive(call(sip, "112"))
    assert outcome.relayed_to("sip:127.0.0.1:5091")


def test_gateways_are_used_round_robin(trunk, sip):
    first = trunk.receive(call(sip, "0044123456"))
    second = trunk.receive(call(sip, "0044123457"))
    third = trunk.receive(call(sip, "0044123458"))
    assert first.relayed_to(GW0)
    assert second.relayed_to(GW1)
    assert third.relayed_to(GW0)
    assert second.avp("tried") == 1


def test_503_fails_over_to_the_other_gateway(trunk, sip):
    outcome = trunk.receive(call(sip, "0044123456"))
    assert outcome.relayed_to(GW0)
    failover = trunk.receive(sip.reply(outcome.forwarded, 503))
    assert "gateway 0 failed with 503, trying 1" in failover.xlog
    assert failover.relayed_to(GW1)


def test_timeout_fails_over_too(trunk, sip):
    trunk.receive(call(sip, "0044123456"))
    later = trunk.advance(5)  # fr_timeout is 4 s
    assert "gateway 0 failed with 408, trying 1" in later.xlog
    assert later.relayed_to(GW1)


def test_busy_is_not_a_gateway_failure(trunk, sip):
    outcome = trunk.receive(call(sip, "0044123456"))
    busy = trunk.receive(sip.reply(outcome.forwarded, 486))
    assert busy.xlog == []
    assert busy.replied(486)


def test_untrusted_peers_are_rejected(trunk, sip):
    outcome = trunk.receive(call(sip, "0044123456", src=("192.0.2.7", 5060)))
    assert outcome.replied(403, "Forbidden")
    assert "rejecting untrusted peer 192.0.2.7" in outcome.xlog


def test_only_invites_are_routed(trunk, sip):
    outcome = trunk.receive(sip.request("MESSAGE", "sip:0044123456@127.0.0.1"))
    assert outcome.replied(405)
