"""dialog: states driven by tm replies and in-dialog requests; MI data."""

from __future__ import annotations

import pytest
from osipsc.runtime.context import Context
from osipsc.runtime.dialog import CONFIRMED, CONFIRMED_NA, DELETED, EARLY, get_dialogs
from osipsc.runtime.functions import dialog, tm
from osipsc.runtime.mi.registry import MIError

from .conftest import FakeEngine, reply_to, request


def _invite(engine: FakeEngine) -> bytes:
    def route(ctx: Context) -> None:
        assert dialog.create_dialog(ctx) == 1
        assert dialog.get_dlg_status(ctx, None, None) == 1
        ctx.msg.dst_uri = "sip:127.0.0.1:5080"
        tm.t_relay(ctx)

    engine.request(request("INVITE"), route)
    return engine.sent[-1][0]


def _in_dialog(method: str, cseq: int) -> str:
    text = request(method, 1).replace("CSeq: 1 " + method, f"CSeq: {cseq} {method}")
    return text.replace("To: <sip:bob@127.0.0.1:5060>", "To: <sip:bob@127.0.0.1:5060>;tag=uas-1")


def test_dialog_lifecycle(engine: FakeEngine) -> None:
    fwd = _invite(engine)
    table = get_dialogs(engine)
    dlg = table.dialogs[0]
    engine.reply(reply_to(fwd, 180, "Ringing"))
    assert dlg.state == EARLY and dlg.callee_tag == "uas-1"
    engine.reply(reply_to(fwd, 200, "OK"))
    assert dlg.state == CONFIRMED_NA
    seen: list[object] = []

    def seq(ctx: Context) -> None:
        seen.append(dialog.match_dialog(ctx))
        seen.append(dialog.get_dlg_status(ctx, None, None))

    engine.request(_in_dialog("ACK", 1).replace("z9hG4bK-test-01", "z9hG4bK-ack"), seq)
    assert dlg.state == CONFIRMED
    engine.request(_in_dialog("BYE", 2).replace("z9hG4bK-test-01", "z9hG4bK-bye"), seq)
    assert seen == [1, CONFIRMED, 1, DELETED]
    assert dlg.end_reason == "Upstream BYE"
    assert table.mi_list() == {"Dialogs": []}


def test_rejected_call_and_mi(engine: FakeEngine) -> None:
    fwd = _invite(engine)
    table = get_dialogs(engine)
    listed = table.mi_list()["Dialogs"][0]
    assert list(listed)[:5] == ["ID", "db_id", "state", "user_flags", "timestart"]
    assert listed["callid"] == "test-01@127.0.0.1" and listed["CALLEES"] == []
    assert table.mi_list("test-01@127.0.0.1")["Dialog"]["state"] == 1
    engine.reply(reply_to(fwd, 486, "Busy Here"))
    assert table.dialogs[0].state == DELETED
    with pytest.raises(MIError):
        table.mi_list("test-01@127.0.0.1")


def test_dlg_values_and_end(engine: FakeEngine) -> None:
    out: list[object] = []

    def route(ctx: Context) -> None:
        dialog.create_dialog(ctx)
        out.append(dialog.set_dlg_val(ctx, "k", None, "v"))
        out.append(dialog.get_dlg_val(ctx, "k", None))
        out.append(dialog.set_dlg_flag(ctx, "F"))
        out.append(dialog.is_dlg_flag_set(ctx, "F"))

    engine.request(request("INVITE"), route)
    assert out == [1, "v", 1, 1]
    table = get_dialogs(engine)
    assert table.mi_end("test-01@127.0.0.1") == "OK"
    with pytest.raises(MIError):
        table.mi_end("test-01@127.0.0.1")
