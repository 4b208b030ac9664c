"""Tests of the mi() sample (mi.cfg): synchronous, asynchronous and launched MI commands."""

from pathlib import Path

import pytest

CFG = Path(__file__).with_name("mi.cfg")


@pytest.fixture
def proxy(opensips):
    return opensips(CFG)


def options(sip):
    return sip.request("OPTIONS", "sip:service@127.0.0.1:5060", from_uri="sip:carol@127.0.0.1")


def test_startup_primes_the_cache(proxy):
    assert proxy.startup_outcome.xlog_text == ["cache primed: rc=1\n"]
    assert proxy.mi("cache_fetch", ["local", "motd"]) == {"key": "motd",
                                                          "value": "hello-from-mi"}


def test_sync_mi_reads_the_cache(proxy, sip):
    outcome = proxy.receive(options(sip))
    assert 'motd via mi(): {"key":"motd","value":"hello-from-mi"} (rc=1)' in outcome.xlog


def test_async_mi_resumes_in_answer_route(proxy, sip):
    outcome = proxy.receive(options(sip))
    assert outcome.replies == []  # the route suspended in async()
    later = proxy.settle()
    assert later.logged("async mi rc=1 for carol:")
    assert later.replied(200, "Answered")


def test_launch_reports_without_the_message(proxy, sip):
    proxy.receive(options(sip))
    later = proxy.settle()
    assert "launch report rc=1 for caller=carol" in later.xlog
    assert proxy.mi("cache_fetch", ["local", "last_caller"])["value"] == "carol"


def test_mi_command_can_be_mocked(proxy, sip):
    stats = proxy.mock_mi("get_statistics", result={"script:lookups": 42})
    proxy.receive(options(sip))
    later = proxy.settle()
    assert 'async mi rc=1 for carol: {"script:lookups":42}' in later.xlog
    assert stats.calls == [{"statistics": ["lookups", "rcv_requests"]}]


def test_mi_mock_is_restored(proxy, sip):
    with proxy.mock_mi("cache_fetch", result={"key": "motd", "value": "mocked"}):
        inside = proxy.receive(options(sip))
    outside = proxy.receive(options(sip))
    assert '"value":"mocked"' in inside.xlog
    assert '"value":"hello-from-mi"' in outside.xlog
