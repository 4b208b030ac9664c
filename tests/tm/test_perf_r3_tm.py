"""Round-3 tm fast paths: flags copied once per relay, two statistics per new transaction
bumped in one call; results equal the plain code's."""

from __future__ import annotations

from pathlib import Path

from osipsc.runtime.engine import Engine
from osipsc.runtime.tm.manager import get_manager

from .conftest import request

CFG = r'''
loadmodule "proto_udp.so"
loadmodule "tm.so"
socket = udp:127.0.0.1:5060
route {
    setflag(1);
    if ($hdr(X-Br) == "yes") t_on_branch("br");
    $du = "sip:127.0.0.1:5080";
    t_relay();
    setflag(3);
}
branch_route[br] {
    setflag(2);
}
'''


def _engine(tmp_path: Path) -> Engine:
    cfg = tmp_path / "tm.cfg"
    cfg.write_text(CFG)
    return Engine.from_cfg(cfg)


def _txn(engine: Engine, n: int) -> object:
    mgr = get_manager(engine)
    return [t for (b, _m), t in mgr.by_uas.items() if b.endswith(f"-{n:02d}")][0]


def test_relay_flags_with_and_without_branch_route(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    engine.receive(request("MESSAGE", n=1))
    engine.receive(request("MESSAGE", n=2, extra="X-Br: yes"))
    plain, branched = _txn(engine, 1), _txn(engine, 2)
    assert plain.flags == {"1"} or plain.flags == {1}
    assert len(branched.flags) == 2  # the branch route's flag came back to the transaction
    stats = engine.stats
    assert stats.read("tm:UAS_transactions") == 2
    assert stats.read("tm:inuse_transactions") == 2
    assert stats.read("tm:UAC_transactions") == 2
