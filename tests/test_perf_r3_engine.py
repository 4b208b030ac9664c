"""Round-3 fast paths of the engine/rr helpers behave like the plain code."""

from __future__ import annotations

from types import SimpleNamespace

from osipsc.runtime.engine import Engine
from osipsc.runtime.functions import _sipmsg
from osipsc.runtime.functions._sipmsg import local_sockets
from osipsc.runtime.functions.rr import _my_addresses


def _ctx(sockets: object) -> SimpleNamespace:
    msg = SimpleNamespace(proto="udp", dst=("10.0.0.1", 5060))
    return SimpleNamespace(engine=SimpleNamespace(sockets=sockets), msg=msg)


def test_engine_has_no_sockets_by_default() -> None:
    assert Engine.sockets is None
    ctx = _ctx(None)
    assert local_sockets(ctx) == [("udp", "10.0.0.1", 5060)]


def test_local_sockets_memo_follows_list_changes() -> None:
    socks = [("udp", "A.example", 5060)]
    ctx = _ctx(socks)
    assert local_sockets(ctx) == [("udp", "A.example", 5060)]
    assert local_sockets(ctx) is local_sockets(ctx)  # memo hit
    socks[0] = ("tcp", "B.example", 5070)  # same list, same length, new item
    assert local_sockets(ctx) == [("tcp", "B.example", 5070)]
    socks.append(("udp", "c", 1))
    assert local_sockets(ctx)[-1] == ("udp", "c", 1)
    assert _my_addresses(ctx) == {("b.example", 5070), ("c", 1)}


def test_local_sockets_objects_not_memoised() -> None:
    sock = SimpleNamespace(proto="udp", host="h", port=1)
    ctx = _ctx([sock])
    assert local_sockets(ctx) == [("udp", "h", 1)]
    sock.port = 2
    assert local_sockets(ctx) == [("udp", "h", 2)]
    assert _sipmsg._SOCKETS_MEMO[0] is not ctx.engine.sockets


def test_rrstate_slotted_copy() -> None:
    import copy

    from osipsc.runtime.functions.rr import RRState, _state

    msg = SimpleNamespace(module_data={})
    st = _state(msg)
    assert st == RRState()
    assert _state(msg) is st
    st.params.append(";a=1")
    st.route_params = "lr"
    new = copy.deepcopy(st)
    assert new == st and new.params is not st.params
    assert not hasattr(st, "__dict__")
