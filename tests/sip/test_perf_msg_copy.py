"""SipMessage.copy keeps rr's Record-Route lump identity (one memo for lumps and
module_data), so add_rr_param on a copy - a branch_route after record_route in the request
route - edits the lump the copy sends, as OpenSIPS's rr edits the request's own RR lump."""

from __future__ import annotations

import copy
from pathlib import Path

from osipsc.runtime.engine import Engine
from osipsc.runtime.functions import rr
from osipsc.runtime.sip.message import SipMessage, _deepcopy

INVITE = ("INVITE sip:bob@127.0.0.1:5090 SIP/2.0\r\n"
          "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\n"
          "Max-Forwards: 70\r\n"
          "From: \"A\" <sip:alice@127.0.0.1>;tag=ft1\r\n"
          "To: <sip:bob@127.0.0.1>\r\n"
          "Call-ID: c1@127.0.0.1\r\n"
          "CSeq: 1 INVITE\r\n"
          "Content-Length: 0\r\n\r\n")


class _Ctx:
    def __init__(self, msg: SipMessage) -> None:
        self.msg = msg


def test_copy_rr_lump_is_the_copied_lists_lump() -> None:
    msg = SipMessage.parse(INVITE, dst=("127.0.0.1", 5060))
    assert rr.record_route(_Ctx(msg)) == 1
    new = msg.copy()
    state = new.module_data["rr"]
    assert state is not msg.module_data["rr"]
    assert any(lump is state.lump for lump in new.lumps.items)
    assert all(lump is not msg.module_data["rr"].lump for lump in new.lumps.items)
    assert rr.add_rr_param(_Ctx(new), ";b=1") == 1
    assert ";b=1" in new.outgoing_parts()[0]
    assert ";b=1" not in msg.outgoing_parts()[0]  # the original is untouched
    assert rr.add_rr_param(_Ctx(msg), ";a=1") == 1
    assert ";a=1" not in new.outgoing_parts()[0]


def test_copy_module_data_matches_deepcopy() -> None:
    msg = SipMessage.parse(INVITE, dst=("127.0.0.1", 5060))
    rr.add_rr_param(_Ctx(msg), ";p=1")  # params before record_route (no lump yet)
    msg.module_data["fwd_count"] = 2
    msg.module_data["other"] = {"k": [1, (2, "x")]}
    new = msg.copy()
    assert new.module_data == copy.deepcopy(msg.module_data)
    assert new.module_data["rr"].params is not msg.module_data["rr"].params
    rr.record_route(_Ctx(msg))
    state = msg.module_data["rr"]
    # an RR state whose lump is in no list still gets a lump of its own
    alone = _deepcopy(state, {})
    assert alone.lump is not state.lump and alone.lump == state.lump
    assert alone == copy.deepcopy(state)


CFG = r'''
loadmodule "proto_udp.so"
loadmodule "tm.so"
loadmodule "rr.so"
socket = udp:127.0.0.1:5060
route {
    record_route();
    t_on_branch("br");
    $du = "sip:127.0.0.1:5080";
    t_relay();
}
branch_route[br] {
    add_rr_param(";br=1");
}
'''


def test_add_rr_param_in_branch_route_reaches_the_branch(tmp_path: Path) -> None:
    cfg = tmp_path / "rr.cfg"
    cfg.write_text(CFG)
    engine = Engine.from_cfg(cfg)
    out = engine.receive(INVITE.encode("latin-1"), ("127.0.0.1", 5070))
    fwd = [p[0] for p in out.packets if p[0].startswith(b"INVITE")]
    assert len(fwd) == 1
    assert b"Record-Route: <sip:127.0.0.1;lr;ftag=ft1;br=1>\r\n" in fwd[0]
