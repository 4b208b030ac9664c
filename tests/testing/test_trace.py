"""The route flow of one message through a sample script, record by record."""

from pathlib import Path

from osipsc.compiler.commands.run import transcript
from osipsc.runtime.testing import SipBuilder, load_engine
from osipsc.runtime.trace import format_trace

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
RESIDENTIAL = SAMPLES / "residential" / "residential.cfg"


def test_invite_to_unknown_user_flows_through_to_user_and_exits_at_the_404() -> None:
    engine = load_engine(RESIDENTIAL, trace=True)
    outcome = engine.receive(SipBuilder().request("INVITE", "sip:carol@127.0.0.1"))
    assert [str(r) for r in outcome.trace] == [
        "start|route residential.cfg:30",
        "start|route[to_user] residential.cfg:100",
        "exit|route[to_user] residential.cfg:104",
    ]
    assert [r.depth for r in outcome.trace] == [1, 2, 2]


def test_register_returns_from_its_route_then_the_main_route_exits() -> None:
    engine = load_engine(RESIDENTIAL, trace=True)
    sip = SipBuilder()
    outcome = engine.receive(sip.register("sip:alice@127.0.0.1"))
    assert format_trace(outcome.trace) == (
        "start|route residential.cfg:30\n"
        "  start|route[register] residential.cfg:72\n"
        "  return|route[register] residential.cfg:83 rc=1\n"
        "exit|route residential.cfg:54\n"
    )
    # a failure route is a top route of its own
    call = engine.receive(sip.request("INVITE", "sip:alice@127.0.0.1"))
    busy = engine.receive(sip.reply(call.forwarded, 486))
    assert [str(r) for r in busy.trace] == [
        "start|failure_route[missed_call] residential.cfg:118",
        "return|failure_route[missed_call] residential.cfg:124 rc=1",
    ]


def test_tracing_is_off_by_default_and_can_be_switched() -> None:
    engine = load_engine(RESIDENTIAL)
    sip = SipBuilder()
    assert engine.tracer is None
    assert engine.receive(sip.request("OPTIONS", "sip:127.0.0.1")).trace == []
    engine.set_trace(True)
    assert [str(r) for r in engine.receive(sip.request("OPTIONS", "sip:127.0.0.1")).trace] == [
        "start|route residential.cfg:30", "exit|route residential.cfg:65"]


def test_run_trace_sink_gets_every_record_in_order() -> None:
    seen: list[str] = []
    text = transcript(RESIDENTIAL, sorted((RESIDENTIAL.parent / "messages").glob("*.sip")),
                      trace=lambda r: seen.append(str(r)))
    assert text.startswith("== startup\n")
    assert seen[:5] == [
        "== 01-register.sip",
        "start|route residential.cfg:30",
        "start|route[register] residential.cfg:72",
        "return|route[register] residential.cfg:83 rc=1",
        "exit|route residential.cfg:54",
    ]
    assert "start|failure_route[missed_call] residential.cfg:118" in seen
