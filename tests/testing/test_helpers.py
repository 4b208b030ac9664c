"""Builders, assertions, mocks and error messages of osipsc.runtime.testing."""

from pathlib import Path

import pytest
from osipsc.runtime.sip.message import SipMessage
from osipsc.runtime.testing import CfgError, SipBuilder, load_engine
from osipsc.runtime.testing.engine import ScriptError

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
RESIDENTIAL = SAMPLES / "residential" / "residential.cfg"


def test_request_has_every_mandatory_header_and_a_right_content_length() -> None:
    sip = SipBuilder()
    text = sip.request("INVITE", "sip:alice@example.com", body="v=0\r\n",
                       headers={"X-Trace": "1"})
    msg = SipMessage.parse(text)
    assert msg.method == "INVITE" and msg.ruri == "sip:alice@example.com"
    assert msg.header("via") == "SIP/2.0/UDP 127.0.0.1:5070;rport;branch=z9hG4bK-osipsc-1"
    assert msg.header("from") == "<sip:caller@example.com>;tag=osipsc-tag-1"
    assert msg.header("to") == "<sip:alice@example.com>"
    assert msg.header("cseq") == "1 INVITE"
    assert msg.header("max-forwards") == "70"
    assert msg.header("content-type") == "application/sdp"
    assert msg.header("content-length") == "5" and msg.body == "v=0\r\n"
    assert msg.header("x-trace") == "1"
    assert text.src == ("127.0.0.1", 5070)
    assert SipMessage.parse(sip.request("BYE", "sip:b@h")).header("call-id") != \
        msg.header("call-id")


def test_in_dialog_and_reply_keep_the_dialog_identifiers() -> None:
    sip = SipBuilder()
    invite = sip.request("INVITE", "sip:alice@example.com")
    bye = SipMessage.parse(sip.in_dialog(invite, "BYE", route_set=["sip:127.0.0.1;lr"]))
    first = SipMessage.parse(invite)
    assert bye.header("call-id") == first.header("call-id")
    assert bye.header("from") == first.header("from")
    assert bye.header("to") == "<sip:alice@example.com>;tag=osipsc-callee"
    assert bye.header("cseq") == "2 BYE"
    assert bye.header("route") == "<sip:127.0.0.1;lr>"
    ringing = SipMessage.parse(sip.reply(invite, 180))
    assert ringing.status == 180 and ringing.reason == "Ringing"
    assert ringing.headers("via") == first.headers("via")
    assert ringing.header("cseq") == "1 INVITE"


def test_failed_reply_assertion_shows_the_transcript() -> None:
    engine = load_engine(RESIDENTIAL)
    outcome = engine.receive(SipBuilder().request("INVITE", "sip:carol@127.0.0.1"))
    with pytest.raises(AssertionError) as err:
        outcome.replied(200)
    text = str(err.value)
    assert text.startswith("expected a 200 reply; the script produced:\n")
    assert "xlog: no contact for sip:carol@127.0.0.1" in text
    assert "SIP/2.0 404 Not Found" in text
    with pytest.raises(AssertionError, match="a request relayed to sip:bob@h"):
        outcome.relayed_to("sip:bob@h")


def test_route_raising_names_the_cfg_line() -> None:
    engine = load_engine(RESIDENTIAL)

    def broken(ctx, *args):
        raise ValueError("database is down")

    engine.mock_function("lookup", side_effect=broken)
    with pytest.raises(ScriptError, match=r"residential\.cfg:101: ValueError: database is down"):
        engine.receive(SipBuilder().request("INVITE", "sip:carol@127.0.0.1"))


def test_function_mock_records_calls_and_restores() -> None:
    engine = load_engine(RESIDENTIAL)
    sip = SipBuilder()
    engine.receive(sip.register("sip:alice@127.0.0.1"))
    with engine.mock_function("lookup", returns=-1) as lookup:
        assert engine.receive(sip.request("INVITE", "sip:alice@127.0.0.1")).replied(404)
    assert lookup.calls == [("location",)] and lookup.call_count == 1
    assert engine.receive(sip.request("INVITE", "sip:alice@127.0.0.1")).forwarded is not None


def test_mi_mock_answers_and_unregisters_its_stub() -> None:
    engine = load_engine(SAMPLES / "mi" / "mi.cfg")
    with engine.mock_mi("no_such_cmd", result={"ok": 1}) as mock:
        assert engine.mi("no_such_cmd", ["x"]) == {"ok": 1}
    assert mock.calls == [["x"]]
    assert engine.state("mi").lookup("no_such_cmd") is None


def test_broken_cfg_is_a_cfg_error_with_diagnostics(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.cfg"
    cfg.write_text('route {\n    if ($rU == ) { exit; }\n}\n')
    with pytest.raises(CfgError, match="bad.cfg:2"):
        load_engine(cfg)
