"""Round-4 per-message shortcuts of the engine: a plain ``exit`` raises a ``ScriptExit``
built without a Python ``__init__``; ``receive`` builds the request context without
``new_context``'s frame. Both must equal the general path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from osipsc.runtime import control
from osipsc.runtime.context import Context, RouteType
from osipsc.runtime.control import ScriptExit
from osipsc.runtime.engine import Engine

CFG = '''loadmodule "sl.so"
socket = udp:127.0.0.1:5060
route {
    $avp(x) = "1";
    if ($hdr(X-Stop) == "zero") { $var(r) = 0; return($var(r)); }
    if ($hdr(X-Stop) == "drop") drop;
    sl_send_reply(200, "OK");
    exit;
}
'''


def _message(stop: str) -> str:
    return ("OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n"
            "From: <sip:b@127.0.0.1>;tag=1\r\nTo: <sip:a@127.0.0.1>\r\nCall-ID: c1\r\n"
            f"CSeq: 1 OPTIONS\r\nX-Stop: {stop}\r\nContent-Length: 0\r\n\r\n")


def test_plain_exit_is_a_script_exit_without_flags() -> None:
    plain = control._PlainExit()  # noqa: SLF001
    general = ScriptExit()
    assert isinstance(plain, ScriptExit)
    assert (plain.drop, plain.suspended, plain.args) == (general.drop, general.suspended,
                                                         general.args)


@given(result=st.integers(-3, 3))
def test_cond_ret_and_script_exit_raise_plain_exits(result: int) -> None:
    ctx = Context(None)
    if result == 0:
        with pytest.raises(ScriptExit) as caught:
            control.cond_ret(ctx, result)
        assert not caught.value.drop and not caught.value.suspended
    else:
        assert control.cond_ret(ctx, result) == (1 if result > 0 else 0)
    assert ctx.rc == result
    with pytest.raises(ScriptExit) as stop:
        control.script_exit(ctx)
    assert (stop.value.drop, stop.value.suspended, ctx.rc) == (False, False, 0)
    with pytest.raises(ScriptExit) as dropped:
        control.script_exit(ctx, drop=True)
    assert dropped.value.drop and ctx.rc == control.E_BUG


def _slots(ctx: Context) -> dict[str, Any]:
    out = {}
    for name in Context.__slots__:
        value = getattr(ctx, name)
        out[name] = repr(value) if name in ("avps", "engine", "msg") else value
    return out


@pytest.mark.parametrize("stop", ["none", "zero", "drop"])
def test_receive_context_equals_new_context(tmp_path: Path, stop: str) -> None:
    """What the request route ran on equals ``new_context``'s context put through the
    same route, and the outcome is the same as with the general ``new_context``."""
    cfg = tmp_path / "e.cfg"
    cfg.write_text(CFG)
    seen: list[Any] = []
    engine = Engine.from_cfg(cfg)
    engine.post_request_hook = seen.append
    out = engine.receive(_message(stop))
    fast = (out.packets, out.xlog, engine.rc)

    general = Engine.from_cfg(cfg)
    msg = type(seen[0].msg).parse(_message(stop).encode(), src=("127.0.0.1", 5070),
                                  dst=general.listen, proto="udp")
    ctx = general.new_context(msg, RouteType.REQUEST, None)
    general.current = type(out)()
    general.run_top_route("route", None, ctx)
    assert fast == (general.current.packets, general.current.xlog, general.rc)
    assert _slots(seen[0]) == _slots(ctx) | {"engine": repr(engine), "msg": repr(seen[0].msg)}
