"""The signaling module: ``send_reply`` replies statefully when the request has a tm
transaction and statelessly (sl) otherwise (modules/signaling/signaling.c)."""

from __future__ import annotations

from typing import Any

from osipsc.runtime.functions.registry import export
from osipsc.runtime.tm.manager import TransactionManager, get_manager

from .sl import send_stateless_reply as _send_stateless_reply
from .sl import sl_send_reply as _sl_send_reply


def stateless_reply(ctx: Any, code: int, reason: str) -> int:
    """sl_send_reply: the engine's (possibly user-mocked) sl implementation when there is
    one, else the SIP room's builder with sl's To-tag."""
    engine = ctx.engine
    try:  # (no getattr call: every stateless reply asks)
        functions = engine.functions
    except AttributeError:
        functions = None
    if functions is not None:
        try:
            impl = functions["sl_send_reply"]
        except KeyError:
            impl = None
        if impl is _sl_send_reply:  # the built-in (no user mock): skip its wrapper frame
            return _send_stateless_reply(ctx, code, reason)
        if impl is not None:
            return impl(ctx, code, reason)
    return _send_stateless_reply(ctx, code, reason)


@export("send_reply", module="signaling")
def send_reply(ctx: Any, code: int, reason: str) -> int:
    """tm's t_reply if a transaction exists for this request, else sl_send_reply."""
    mgr = get_manager(ctx.engine)
    # no request bound to a transaction at all (a REGISTER's usual case): no
    # ``current`` lookup (the plain manager's ``current`` reads ``bindings`` only)
    if (type(mgr) is not TransactionManager or mgr.bindings) and mgr.current(ctx) is not None:
        return mgr.reply(ctx, code, reason)
    return stateless_reply(ctx, code, reason)
