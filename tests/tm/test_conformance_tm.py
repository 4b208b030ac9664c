"""The tm conformance cases, with each cfg route hand-translated to Python, against the
recordings of OpenSIPS 3.6.8 (expected.out)."""

from __future__ import annotations

from typing import Any

import pytest
from osipsc.runtime.context import Context
from osipsc.runtime.functions import tm
from osipsc.runtime.functions.signaling import send_reply, stateless_reply
from osipsc.runtime.pvars_tm import get_t_branch_idx, get_t_reply_code

from .conftest import CASES, FakeEngine, expected, transcript

pytestmark = pytest.mark.skipif(not CASES.is_dir(), reason="conformance cases not present")


def _null(v: Any) -> str:
    return "<null>" if v is None else str(v)


def test_fwd_t_relay_invite() -> None:
    engine = FakeEngine()

    def route(ctx: Context) -> None:
        if ctx.msg.header("X-Case") == "proxy":
            rc = tm.t_relay(ctx, None, "udp:127.0.0.1:5070")
            engine.xlog.append(f"R1 t_relay(, proxy) rc={rc} du=<{_null(ctx.msg.dst_uri)}>")
        else:
            ctx.msg.dst_uri = "sip:127.0.0.1:5070"
            rc = tm.t_relay(ctx)
            engine.xlog.append(f"R2 t_relay rc={rc}")

    assert transcript("fwd-t-relay-invite", engine, route) == expected("fwd-t-relay-invite")


def test_fwd_failure_serial() -> None:
    engine = FakeEngine([("tm", "fr_timeout", 2)])

    def route(ctx: Context) -> None:
        ctx.flags.add("FIRST_TRY")
        ctx.msg.set_ruri("sip:primary@127.0.0.1:5070")
        tm.t_on_failure(ctx, "retry")
        rc = tm.t_relay(ctx)
        engine.xlog.append(f"S1 relayed to primary rc={rc}")

    def failure(ctx: Context) -> None:
        code = get_t_reply_code(ctx, None, None)
        engine.xlog.append(f"S2 failure code={code} ru={ctx.msg.current_ruri} "
                           f"first=<{_null(engine.vars.get('f'))}>")
        if "FIRST_TRY" in ctx.flags:
            ctx.flags.discard("FIRST_TRY")
            ctx.msg.set_ruri("sip:backup@127.0.0.1:5070")
            tm.t_on_failure(ctx, "retry")
            rc = tm.t_relay(ctx)
            engine.xlog.append(f"S3 relayed to backup rc={rc}")
            return
        engine.xlog.append("S4 giving up")
        tm.t_reply(ctx, 504, "All Attempts Timed Out")

    engine.routes[("failure_route", "retry")] = failure
    got = transcript("fwd-failure-serial", engine, route, settle=8)
    assert got == expected("fwd-failure-serial")


def test_reply_t_reply() -> None:
    engine = FakeEngine()

    def route(ctx: Context) -> None:
        case = ctx.msg.header("X-Case")
        engine.xlog.append(f"T0 case={case}")
        if case == "twice":
            engine.xlog.append(f"T1 t_newtran rc={tm.t_newtran(ctx)}")
            engine.xlog.append(f"T2 first t_reply rc={tm.t_reply(ctx, 200, 'First Final')}")
            engine.xlog.append(f"T3 second t_reply rc={tm.t_reply(ctx, 486, 'Second Final')}")
        elif case == "prov":
            rc = tm.t_reply(ctx, 180, "Ringing Now")
            engine.xlog.append(f"T4 t_reply 180 without t_newtran rc={rc}")
            engine.xlog.append(f"T5 second provisional rc={tm.t_reply(ctx, 183, 'Progress')}")
            rc = tm.t_reply(ctx, 202, "Accepted Later")
            engine.xlog.append(f"T6 final after provisionals rc={rc}")
        else:
            engine.xlog.append(f"T7 rc={tm.t_reply(ctx, 404, 'Not Here')}")
            rc = stateless_reply(ctx, 500, "sl after tm")
            engine.xlog.append(f"T8 sl_send_reply after t_reply rc={rc}")

    assert transcript("reply-t-reply", engine, route) == expected("reply-t-reply")


def test_reply_send_reply() -> None:
    engine = FakeEngine()

    def route(ctx: Context) -> None:
        case = ctx.msg.header("X-Case")
        ctx.msg.reply_lumps.headers.append(f"X-Mode: {case}\r\n")
        if case == "stateful":
            tm.t_newtran(ctx)
            rc = send_reply(ctx, 403, "Stateful Forbidden")
        else:
            rc = send_reply(ctx, 403, "Stateless Forbidden")
        idx = get_t_branch_idx(ctx, None, None)
        engine.xlog.append(f"S1 send_reply rc={rc} T=<{_null(idx)}>")

    assert transcript("reply-send-reply", engine, route) == expected("reply-send-reply")


def test_pv_branch_forks_and_branch_route() -> None:
    from osipsc.runtime.sip.message import Branch

    engine = FakeEngine()

    def route(ctx: Context) -> None:
        ctx.msg.set_ruri("sip:main@127.0.0.1:5070")
        ctx.msg.branches.append(Branch("sip:b1@127.0.0.1:5070"))
        ctx.msg.branches.append(Branch("sip:b2@127.0.0.1:5070", q=500))
        tm.t_on_branch(ctx, "per_branch")
        rc = tm.t_relay(ctx)
        engine.xlog.append(f"B5 relayed rc={rc}")

    def per_branch(ctx: Context) -> None:
        idx = get_t_branch_idx(ctx, None, None)
        engine.xlog.append(f"B6 branch idx={idx} ru={ctx.msg.current_ruri}")
        ctx.msg.append_header(f"X-Branch: {idx}\r\n")

    engine.routes[("branch_route", "per_branch")] = per_branch
    got = transcript("pv-branch", engine, route)
    want = expected("pv-branch").splitlines()
    # B1..B4 print $branch pvars (SIP room); the tm part starts at B6
    want = [line for line in want if not line.startswith(("B1", "B2", "B3", "B4"))]
    assert got.splitlines() == want
