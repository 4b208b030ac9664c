"""tm through the real Engine and a compiled cfg: reply injection, onreply/failure routes,
branch route drop, virtual-clock timeouts."""

from __future__ import annotations

from pathlib import Path

import pytest
from osipsc.runtime.engine import Engine

from .conftest import reply_to, request

CFG = r'''
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"
socket = udp:127.0.0.1:5060
modparam("tm", "fr_timeout", 2)

route {
    t_on_failure("fail");
    t_on_reply("rpl");
    t_on_branch("br");
    $du = "sip:127.0.0.1:5080";
    t_relay();
    xlog("relayed rc=$rc\n");
}
branch_route[br] {
    xlog("branch $T_branch_idx $ru\n");
    if ($hdr(X-Drop) == "yes") drop;
}
onreply_route[rpl] {
    xlog("reply $rs code=$T_reply_code idx=$T_branch_idx\n");
}
failure_route[fail] {
    xlog("failure code=$T_reply_code rc=$rc\n");
    if (t_check_status("486")) {
        t_reply(600, "Busy Everywhere");
    }
}
'''


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    cfg = tmp_path / "tm.cfg"
    cfg.write_text(CFG)
    return Engine.from_cfg(cfg)


def test_negative_reply_failure_route_replaces_reply(engine: Engine) -> None:
    out = engine.receive(request("INVITE"))
    assert out.xlog_text == ["branch 0 sip:bob@127.0.0.1:5060\n", "relayed rc=1\n"]
    fwd = out.packets[-1][0]
    assert out.packets[0][0].startswith(b"SIP/2.0 100 Giving it a try")
    out = engine.receive(reply_to(fwd, 486, "Busy Here"), src=("127.0.0.1", 5080))
    assert out.xlog_text == ["reply 486 code=486 idx=0\n", "failure code=486 rc=1\n"]
    assert [p[0].split(b"\r\n", 1)[0] for p in out.packets] == [
        b"SIP/2.0 600 Busy Everywhere"]


def test_timeout_and_drop(engine: Engine) -> None:
    # every branch dropped: tm kills the transaction with a 500, t_relay still says 1
    out = engine.receive(request("MESSAGE", extra="X-Drop: yes"))
    assert out.xlog_text == ["branch 0 sip:bob@127.0.0.1:5060\n", "relayed rc=1\n"]
    assert [p[0].split(b"\r\n", 1)[0] for p in out.packets] == [
        b"SIP/2.0 500 I'm terribly sorry, server error occurred (1/TM)"]
    out = engine.receive(request("MESSAGE", n=2))
    assert len(out.packets) == 1
    out = engine.advance(3)  # the outcome of the last message gets what the timer did
    assert out.xlog_text[-1] == "failure code=408 rc=1\n"
    assert out.packets[-1][0].startswith(b"SIP/2.0 408 Request Timeout")
