"""tm behaviour on hand-built messages: replies, failure routes, timers, branches."""

from __future__ import annotations

import re

from osipsc.runtime.context import Context, RouteType
from osipsc.runtime.functions import tm
from osipsc.runtime.pvars_tm import get_t_branch_idx, get_t_reply_code, reply_code
from osipsc.runtime.sip.message import SipMessage
from osipsc.runtime.tm.manager import get_manager
from osipsc.runtime.tm.transaction import crc16_suffix

from .conftest import FakeEngine, reply_to, request


def _relay_invite(engine: FakeEngine, failure: str | None = None, n: int = 1) -> Context:
    def route(ctx: Context) -> None:
        ctx.msg.dst_uri = "sip:127.0.0.1:5080"
        if failure:
            tm.t_on_failure(ctx, failure)
        assert tm.t_relay(ctx) == 1

    return engine.request(request("INVITE", n), route)


def test_invite_relay_sends_100_trying_then_forwards(engine: FakeEngine) -> None:
    _relay_invite(engine)
    assert engine.first_lines() == ["SIP/2.0 100 Giving it a try",
                                    "INVITE sip:bob@127.0.0.1:5060 SIP/2.0"]
    trying, fwd = engine.sent
    assert trying[1] == ("127.0.0.1", 5070)
    assert fwd[1] == ("127.0.0.1", 5080)
    # 100 carries no To-tag; the forwarded request has our Via on top of the sender's
    assert "tag=" not in trying[0].decode().split("To:", 1)[1].split("\r\n")[0]
    lines = fwd[0].decode().split("\r\n")
    assert lines[1].startswith("Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK")
    assert lines[2].startswith("Via: SIP/2.0/UDP 127.0.0.1:5070")


def test_non_invite_relay_has_no_100(engine: FakeEngine) -> None:
    engine.request(request("MESSAGE"), lambda ctx: tm.t_relay(ctx, None, "udp:10.0.0.1:5090"))
    assert engine.first_lines() == ["MESSAGE sip:bob@127.0.0.1:5060 SIP/2.0"]
    assert engine.sent[0][1] == ("10.0.0.1", 5090)


def test_negative_reply_runs_failure_route_once_then_relays(engine: FakeEngine) -> None:
    runs: list[tuple[int | None, str]] = []

    def failure(ctx: Context) -> None:
        runs.append((get_t_reply_code(ctx, None, None), ctx.route_type.name))

    engine.routes[("failure_route", "f")] = failure
    _relay_invite(engine, "f")
    fwd = engine.sent[-1][0]
    assert engine.reply(reply_to(fwd, 486, "Busy Here")) is True
    assert runs == [(486, "FAILURE")]
    # nothing done in the failure route: the 486 goes upstream without our Via
    out = engine.sent[-1][0].decode()
    assert out.startswith("SIP/2.0 486 Busy Here")
    assert out.count("Via:") == 1 and "127.0.0.1:5070" in out.split("Via:")[1]
    # a retransmitted 486 is absorbed and the failure route does not run again
    assert engine.reply(reply_to(fwd, 486, "Busy Here")) is True
    assert len(runs) == 1


def test_fr_timeout_local_408_and_failure_route(engine: FakeEngine) -> None:
    engine.modparams.append(("tm", "fr_timeout", 2))
    seen: list[int | None] = []
    engine.routes[("failure_route", "f")] = lambda ctx: seen.append(reply_code(ctx))
    _relay_invite(engine, "f")
    engine.clock.advance(1.9)
    assert seen == []
    engine.clock.advance(0.2)
    assert seen == [408]
    last = engine.sent[-1][0].decode()
    assert last.startswith("SIP/2.0 408 Request Timeout")
    to = [h for h in last.split("\r\n") if h.startswith("To:")][0]
    assert ";tag=" in to


def test_fr_timeout_without_failure_route_sends_408(engine: FakeEngine) -> None:
    engine.request(request("OPTIONS"), lambda ctx: tm.t_relay(ctx, None, "udp:1.2.3.4:5060"))
    engine.clock.advance(30)
    assert engine.first_lines()[-1] == "SIP/2.0 408 Request Timeout"


def test_provisional_switches_to_fr_inv_timeout(engine: FakeEngine) -> None:
    engine.modparams += [("tm", "fr_timeout", 2), ("tm", "fr_inv_timeout", 10)]
    _relay_invite(engine)
    fwd = engine.sent[-1][0]
    engine.reply(reply_to(fwd, 180, "Ringing"))
    assert engine.first_lines()[-1] == "SIP/2.0 180 Ringing"
    engine.clock.advance(5)
    assert engine.first_lines()[-1] == "SIP/2.0 180 Ringing"
    engine.clock.advance(6)
    assert engine.first_lines()[-1] == "SIP/2.0 408 Request Timeout"


def test_2xx_relayed_and_onreply_routes(engine: FakeEngine) -> None:
    calls: list[tuple[str, int | None, int | None]] = []
    engine.routes[("onreply_route", "r")] = lambda ctx: calls.append(
        ("txn", get_t_reply_code(ctx, None, None), get_t_branch_idx(ctx, None, None)))
    engine.routes[("onreply_route", "br")] = lambda ctx: calls.append(
        ("branch", reply_code(ctx), get_t_branch_idx(ctx, None, None)))
    engine.routes[("branch_route", "b")] = lambda ctx: tm.t_on_reply(ctx, "br")

    def route(ctx: Context) -> None:
        ctx.msg.dst_uri = "sip:127.0.0.1:5080"
        tm.t_on_reply(ctx, "r")
        tm.t_on_branch(ctx, "b")
        tm.t_relay(ctx)

    engine.request(request("INVITE"), route)
    fwd = engine.sent[-1][0]
    engine.reply(reply_to(fwd, 100, "Trying"))
    engine.reply(reply_to(fwd, 200, "OK"))
    assert calls == [("branch", 100, 0), ("txn", 100, 0), ("branch", 200, 0), ("txn", 200, 0)]
    # the downstream 100 is not relayed (we sent our own); the 200 is
    assert engine.first_lines() == ["SIP/2.0 100 Giving it a try",
                                    "INVITE sip:bob@127.0.0.1:5060 SIP/2.0", "SIP/2.0 200 OK"]


def test_onreply_drop_discards_provisional_only(engine: FakeEngine) -> None:
    engine.routes[("onreply_route", "r")] = lambda ctx: "DROP"

    def route(ctx: Context) -> None:
        ctx.msg.dst_uri = "sip:127.0.0.1:5080"
        tm.t_on_reply(ctx, "r")
        tm.t_relay(ctx)

    engine.request(request("INVITE"), route)
    fwd = engine.sent[-1][0]
    engine.reply(reply_to(fwd, 183, "Progress"))
    engine.reply(reply_to(fwd, 200, "OK"))
    assert engine.first_lines()[2:] == ["SIP/2.0 200 OK"]


def test_branch_route_drop_discards_branch(engine: FakeEngine) -> None:
    from osipsc.runtime.sip.message import Branch

    engine.routes[("branch_route", "b")] = (
        lambda ctx: "DROP" if "b1" in ctx.msg.current_ruri else None)

    def route(ctx: Context) -> None:
        ctx.msg.set_ruri("sip:main@127.0.0.1:5080")
        ctx.msg.branches.append(Branch("sip:b1@127.0.0.1:5080"))
        ctx.msg.branches.append(Branch("sip:b2@127.0.0.1:5080"))
        tm.t_on_branch(ctx, "b")
        assert tm.t_relay(ctx) == 1

    engine.request(request("OPTIONS"), route)
    assert engine.first_lines() == ["OPTIONS sip:main@127.0.0.1:5080 SIP/2.0",
                                    "OPTIONS sip:b2@127.0.0.1:5080 SIP/2.0"]


def test_parallel_fork_best_reply_wins(engine: FakeEngine) -> None:
    from osipsc.runtime.sip.message import Branch

    def route(ctx: Context) -> None:
        ctx.msg.set_ruri("sip:a@127.0.0.1:5080")
        ctx.msg.branches.append(Branch("sip:b@127.0.0.1:5081"))
        tm.t_relay(ctx)

    engine.request(request("MESSAGE"), route)
    a, b = engine.sent[0][0], engine.sent[1][0]
    engine.reply(reply_to(a, 503, "Unavailable"))
    assert len(engine.sent) == 2  # still waiting for b
    engine.reply(reply_to(b, 404, "Not Found"))
    assert engine.first_lines()[-1] == "SIP/2.0 404 Not Found"


def test_t_reply_twice_and_retransmission_absorbed(engine: FakeEngine) -> None:
    text = request("OPTIONS")
    rcs: list[int] = []

    def route(ctx: Context) -> None:
        rcs.append(tm.t_newtran(ctx))
        if rcs[-1] == 1:
            rcs.append(tm.t_reply(ctx, 200, "OK"))
            rcs.append(tm.t_reply(ctx, 486, "Busy"))

    engine.request(text, route)
    engine.request(text, route)  # retransmission: t_newtran -> 0, last reply resent
    assert rcs == [1, 1, -1, 0]
    assert engine.first_lines() == ["SIP/2.0 200 OK", "SIP/2.0 200 OK"]
    assert engine.sent[0][0] == engine.sent[1][0]


def test_t_check_trans_and_ack_absorption(engine: FakeEngine) -> None:
    inv = request("INVITE")
    engine.request(inv, lambda ctx: tm.t_reply(ctx, 486, "Busy Here"))
    ack = inv.replace("INVITE sip", "ACK sip").replace("CSeq: 1 INVITE", "CSeq: 1 ACK")
    msg = SipMessage.parse(ack)
    ctx = Context(engine, msg, RouteType.REQUEST)
    assert tm.t_check_trans(ctx) == 0
    assert tm.t_newtran(ctx) == 0
    other = Context(engine, SipMessage.parse(request("OPTIONS", 7)), RouteType.REQUEST)
    assert tm.t_check_trans(other) == -1


def test_t_check_status_and_local_replied(engine: FakeEngine) -> None:
    engine.modparams.append(("tm", "fr_timeout", 1))
    out: list[int] = []

    def failure(ctx: Context) -> None:
        out.append(tm.t_check_status(ctx, re.compile("^4[0-9]8$")))
        out.append(tm.t_check_status(ctx, re.compile("^5")))
        out.append(tm.t_local_replied(ctx, "branch"))

    engine.routes[("failure_route", "f")] = failure
    _relay_invite(engine, "f")
    engine.clock.advance(2)
    assert out == [1, -1, 1]


def test_failure_route_is_one_shot_and_sees_original_ruri(engine: FakeEngine) -> None:
    engine.modparams.append(("tm", "fr_timeout", 1))
    seen: list[str] = []

    def failure(ctx: Context) -> None:
        seen.append(ctx.msg.current_ruri)
        ctx.msg.set_ruri("sip:second@127.0.0.1:5080")
        tm.t_relay(ctx)  # no t_on_failure: the next timeout goes upstream

    engine.routes[("failure_route", "f")] = failure

    def route(ctx: Context) -> None:
        ctx.msg.set_ruri("sip:first@127.0.0.1:5080")
        tm.t_on_failure(ctx, "f")
        tm.t_relay(ctx)

    engine.request(request("MESSAGE"), route)
    engine.clock.advance(5)
    assert seen == ["sip:bob@127.0.0.1:5060"]
    assert engine.first_lines() == ["MESSAGE sip:first@127.0.0.1:5080 SIP/2.0",
                                    "MESSAGE sip:second@127.0.0.1:5080 SIP/2.0",
                                    "SIP/2.0 408 Request Timeout"]


def test_avps_move_into_transaction_and_resume_context(engine: FakeEngine) -> None:
    def route(ctx: Context) -> None:
        ctx.avps.add("a", "v1")
        ctx.flags.add("MARK")
        ctx.msg.set_ruri("sip:changed@127.0.0.1:5070")
        assert get_manager(engine).ensure_transaction(ctx) is not None

    ctx = engine.request(request("OPTIONS"), route)
    txn = get_manager(engine).current(ctx)
    assert txn is not None
    rctx = txn.resume_context(engine)
    assert rctx.avps.get("a") == "v1" and "MARK" in rctx.flags
    assert rctx.msg.current_ruri == "sip:changed@127.0.0.1:5070"
    assert tm.t_reply(rctx, 200, "Resumed") == 1
    assert engine.first_lines() == ["SIP/2.0 200 Resumed"]


def test_fr_timeout_pvar_per_transaction(engine: FakeEngine) -> None:
    from osipsc.runtime.pvars_tm import _fr_set

    def route(ctx: Context) -> None:
        assert _fr_set(ctx, None, None, 4) == 1
        tm.t_relay(ctx, None, "udp:1.2.3.4:5060")

    engine.request(request("OPTIONS"), route)
    engine.clock.advance(3.9)
    assert len(engine.sent) == 1
    engine.clock.advance(0.2)
    assert engine.first_lines()[-1] == "SIP/2.0 408 Request Timeout"


def test_unknown_reply_not_ours(engine: FakeEngine) -> None:
    text = ("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKnope\r\n"
            "From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: c1\r\n"
            "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
    assert engine.reply(text) is False


def test_crc16_suffix_shape() -> None:
    s = crc16_suffix(["127.0.0.1", "5070", "z9hG4bK-x"])
    assert len(s) == 4 and all(c in "0123456789abcdef" for c in s)


def test_crc16_suffix_equals_the_table_crc() -> None:
    """crc16_suffix uses binascii.crc_hqx; it must be tags.h's table-driven CRC-CCITT."""
    import random

    from osipsc.runtime.tm.transaction import _CCITT

    def reference(parts: list[str]) -> str:
        crc = 0xFFFF
        for part in parts:
            for ch in part.encode("latin-1"):
                crc = ((crc << 8) & 0xFFFF) ^ _CCITT[((crc >> 8) ^ ch) & 0xFF]
        crc = ~crc & 0xFFFF
        digits = ["0"] if crc == 0 else []
        while crc and len(digits) < 4:
            digits.append("0123456789abcdef"[crc & 0xF])
            crc >>= 4
        return "".join(digits).ljust(4, "0")

    rng = random.Random(7)
    for _ in range(3000):
        parts = ["".join(chr(rng.randrange(256)) for _ in range(rng.randrange(12)))
                 for _ in range(rng.randrange(1, 4))]
        assert crc16_suffix(parts) == reference(parts), parts


def test_branch_route_flags_reach_request_and_failure_route(engine: FakeEngine) -> None:
    engine.modparams.append(("tm", "fr_timeout", 1))
    seen: list[set[str]] = []
    engine.routes[("branch_route", "b")] = lambda ctx: ctx.flags.add("FROM_BRANCH")
    engine.routes[("failure_route", "f")] = lambda ctx: seen.append(set(ctx.flags))

    def route(ctx: Context) -> None:
        ctx.flags.add("MAIN")
        tm.t_on_branch(ctx, "b")
        tm.t_on_failure(ctx, "f")
        tm.t_relay(ctx, None, "udp:1.2.3.4:5060")
        assert "FROM_BRANCH" in ctx.flags
        ctx.flags.add("AFTER_RELAY")  # not flushed: the failure route does not see it

    engine.request(request("OPTIONS"), route)
    engine.clock.advance(2)
    assert seen == [{"MAIN", "FROM_BRANCH"}]


def test_cancel_flow(engine: FakeEngine) -> None:
    failures: list[int] = []
    engine.routes[("failure_route", "f")] = lambda ctx: failures.append(tm.t_was_cancelled(ctx))
    inv = request("INVITE")
    _relay_invite(engine, "f")
    fwd = engine.sent[-1][0]
    cancel = inv.replace("INVITE sip", "CANCEL sip").replace("CSeq: 1 INVITE", "CSeq: 1 CANCEL")
    rcs: list[int] = []

    def route(ctx: Context) -> None:
        rcs.append(tm.t_check_trans(ctx))
        rcs.append(tm.t_relay(ctx))

    engine.request(cancel, route)
    # no provisional yet: 200 to the CANCEL, the downstream CANCEL waits for one
    assert rcs == [1, 1]
    assert engine.first_lines()[-1] == "SIP/2.0 200 canceling"
    engine.reply(reply_to(fwd, 180, "Ringing"))
    out = engine.sent[-1][0].decode()
    assert out.startswith("CANCEL sip:bob@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP ")
    assert "CSeq: 1 CANCEL\r\n" in out and "cause=487" in out
    assert engine.sent[-1][1] == ("127.0.0.1", 5080)
    engine.reply(reply_to(fwd, 487, "Request Terminated"))
    assert failures == [1]
    assert engine.first_lines()[-1] == "SIP/2.0 487 Request Terminated"


def test_2xx_cancels_other_ringing_branches(engine: FakeEngine) -> None:
    from osipsc.runtime.sip.message import Branch

    def route(ctx: Context) -> None:
        ctx.msg.set_ruri("sip:a@127.0.0.1:5080")
        ctx.msg.branches.append(Branch("sip:b@127.0.0.1:5081"))
        tm.t_relay(ctx)

    engine.request(request("INVITE"), route)
    a, b = engine.sent[1][0], engine.sent[2][0]
    engine.reply(reply_to(b, 180, "Ringing", to_tag="b"))
    engine.reply(reply_to(a, 200, "OK", to_tag="a"))
    assert engine.first_lines()[-2:] == ["SIP/2.0 200 OK", "CANCEL sip:b@127.0.0.1:5081 SIP/2.0"]
    assert "Call completed elsewhere" in engine.sent[-1][0].decode()
