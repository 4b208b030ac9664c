"""MI commands served from tm/dialog/usrloc state: t_uac_dlg (async), ul_dump, dlg_list."""

from __future__ import annotations

from typing import Any

from osipsc.runtime.mi.registry import MIError, MIRegistry, MIResult
from osipsc.runtime.tm.mi import register_dialog_mi, register_tm_mi, register_usrloc_mi

from .conftest import FakeEngine, reply_to


def _registry(engine: FakeEngine) -> MIRegistry:
    reg = MIRegistry(engine)
    register_tm_mi(reg)
    register_dialog_mi(reg)
    register_usrloc_mi(reg)
    return reg


HEADERS = "From: <sip:mi@127.0.0.1>\\r\\nTo: <sip:bob@127.0.0.1:5090>\\r\\n"


def test_t_uac_dlg_times_out_with_408(engine: FakeEngine) -> None:
    reg = _registry(engine)
    got: list[Any] = []
    reg.start(reg.lookup("t_uac_dlg"), {"method": "OPTIONS", "ruri": "sip:bob@127.0.0.1:5090",
                                        "headers": HEADERS}, got.append)
    assert got == []
    sent = engine.sent[-1][0].decode()
    assert sent.startswith("OPTIONS sip:bob@127.0.0.1:5090 SIP/2.0\r\nVia: ")
    assert "From: <sip:mi@127.0.0.1>;tag=" in sent and "CSeq: 1 OPTIONS" in sent
    engine.clock.advance(31)
    assert got == [MIResult({"Status": "408 Request Timeout"})]


def test_t_uac_dlg_real_reply(engine: FakeEngine) -> None:
    reg = _registry(engine)
    got: list[Any] = []
    reg.start(reg.lookup("t_uac_dlg"), {"method": "OPTIONS", "ruri": "sip:bob@127.0.0.1:5090",
                                        "headers": HEADERS}, got.append)
    assert engine.reply(reply_to(engine.sent[-1][0], 200, "OK"))
    value = got[0].value
    assert value["Status"] == "200 OK" and value["RURI"] == "sip:bob@127.0.0.1:5090"
    assert value["Message"].startswith("Via: ")
    assert len(engine.sent) == 1  # nothing relayed anywhere


def test_t_uac_dlg_errors(engine: FakeEngine) -> None:
    reg = _registry(engine)
    got: list[Any] = []
    reg.start(reg.lookup("t_uac_dlg"), {"method": "OPTIONS", "ruri": "sip:b@x",
                                        "headers": "From: <sip:a@x>"}, got.append)
    assert got == [MIError(400, "To missing")]


def test_ul_dump_and_dlg_list_empty(engine: FakeEngine) -> None:
    reg = _registry(engine)
    got: list[Any] = []
    reg.start(reg.lookup("ul_dump"), None, got.append)
    reg.start(reg.lookup("dlg_list"), None, got.append)
    assert got == [MIResult({"Domains": []}), MIResult({"Dialogs": []})]
