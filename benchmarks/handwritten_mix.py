"""The logic of ``benchmarks/data/mix.cfg`` written directly in Python: the baseline of
``benchmarks/runtime.py``'s mix figure.

It uses the very building blocks the compiled script reaches (``SipMessage.parse``, a
``Context``, the module implementations of maxfwd/sipmsgops/rr/registrar/tm/sl, the core
statistics), called straight with already-converted arguments, so the ratio
compiled / handwritten is the cost of the compiled-script layer alone (generated route code,
function bindings and argument conversion, ``Engine.receive``'s route dispatch), not of
SIP processing. It must produce the same datagrams as the compiled cfg (the benchmark checks).
"""

from __future__ import annotations

from typing import Any

from osipsc.runtime.context import Context, RouteType
from osipsc.runtime.engine import Engine, Outcome
from osipsc.runtime.functions.maxfwd import mf_process_maxfwd_header
from osipsc.runtime.functions.registrar import lookup, save
from osipsc.runtime.functions.rr import loose_route, record_route
from osipsc.runtime.functions.sipmsgops import has_totag, is_method
from osipsc.runtime.functions.sl import sl_reply_error, sl_send_reply
from osipsc.runtime.functions.tm import t_check_trans, t_relay
from osipsc.runtime.sip.message import SipMessage, SipParseError


def route(ctx: Context) -> None:
    """mix.cfg's request route (OpenSIPS truth: > 0 true, < 0 false; none return 0 here)."""
    if mf_process_maxfwd_header(ctx, 10) < 0:
        sl_send_reply(ctx, 483, "Too Many Hops")
        return
    if has_totag(ctx) > 0:
        if loose_route(ctx) > 0:
            if t_relay(ctx) < 0:
                sl_reply_error(ctx)
            return
        if is_method(ctx, "ACK") > 0:
            if t_check_trans(ctx) > 0:
                t_relay(ctx)
            return
        sl_send_reply(ctx, 404, "Not here")
        return
    if is_method(ctx, "REGISTER") > 0:
        if save(ctx, "location") < 0:
            sl_reply_error(ctx)
        return
    if is_method(ctx, "INVITE") < 0:
        sl_send_reply(ctx, 405, "Method Not Allowed")
        return
    record_route(ctx)
    if lookup(ctx, "location") < 0:
        sl_send_reply(ctx, 404, "Not Found")
        return
    if t_relay(ctx) < 0:
        sl_reply_error(ctx)


def receive(engine: Engine, data: bytes, src: tuple[str, int] = ("127.0.0.1", 5070)) -> Outcome:
    """What ``Engine.receive`` does for a request, minus the compiled-script layer."""
    engine.current = out = Outcome()
    try:
        msg = SipMessage.parse(data, src=src, dst=engine.listen, proto="udp")
    except SipParseError:
        return out
    engine._count("core", "rcv_requests")  # noqa: SLF001 - same statistics as the engine
    ctx: Any = Context(engine, msg, RouteType.REQUEST)
    route(ctx)
    engine._release_request(ctx)  # noqa: SLF001 - tm's end-of-request cleanup, as receive does
    return out
