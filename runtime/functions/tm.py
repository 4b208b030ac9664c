"""Script functions of the tm module (stateful processing), backed by ``runtime/tm``.

Return codes follow modules/tm/tm.c: 1 success, negative errors, 0 for "retransmission
absorbed, stop the script" (t_newtran / t_relay / t_check_trans).
"""

from __future__ import annotations

import re
from typing import Any

from osipsc.runtime.functions.registry import export
from osipsc.runtime.tm import adapter
from osipsc.runtime.tm.manager import TransactionManager, get_manager

RELAY_FLAGS = {"no-auto-477", "no-dns-failover", "no-100-trying", "allow-no-cancel"}


def _flags(text: str | None) -> set[str]:
    if not text:
        return set()
    return {f.strip().lower() for f in text.split(",") if f.strip()}


@export("t_relay", module="tm")
def t_relay(ctx: Any, flags: str | None = None, proxy: str | None = None) -> int:
    """Relay statefully to $du / the outbound proxy / $ru (plus appended branches)."""
    engine = ctx.engine
    # get_manager's first answer, without its frame (once per relayed request)
    states = getattr(engine, "_states", None)
    mgr = states.get("tm") if type(states) is dict else None
    if type(mgr) is not TransactionManager:
        mgr = get_manager(engine)
    return mgr.relay(ctx, proxy or None, _flags(flags) if flags else None)


@export("t_newtran", module="tm")
def t_newtran(ctx: Any) -> int:
    """Create the transaction now; 0 (stop) for a retransmission."""
    mgr = get_manager(ctx.engine)
    if mgr.engine is None:
        mgr.engine = ctx.engine
    return mgr.newtran(ctx)


@export("t_reply", module="tm")
def t_reply(ctx: Any, code: int, reason: str) -> int:
    """Reply statefully; creates the transaction when there is none yet (0 for an ACK,
    which is never replied, and for a retransmission)."""
    if adapter.method(ctx.msg) == "ACK":
        return 0
    return get_manager(ctx.engine).reply(ctx, code, reason)


@export("t_reply_with_body", module="tm")
def t_reply_with_body(ctx: Any, code: int, reason: str, body: str) -> int:
    """Stateful reply with a body (the Content-Type comes from append_to_reply)."""
    return get_manager(ctx.engine).reply(ctx, code, reason, body=body)


@export("t_on_failure", module="tm")
def t_on_failure(ctx: Any, name: str) -> int:
    get_manager(ctx.engine).arm(ctx, "on_failure", name)
    return 1


@export("t_on_branch", module="tm")
def t_on_branch(ctx: Any, name: str) -> int:
    get_manager(ctx.engine).arm(ctx, "on_branch", name)
    return 1


@export("t_on_reply", module="tm")
def t_on_reply(ctx: Any, name: str) -> int:
    get_manager(ctx.engine).arm(ctx, "on_reply", name)
    return 1


@export("t_check_trans", module="tm")
def t_check_trans(ctx: Any) -> int:
    """1 if the request belongs to a transaction (CANCEL: its INVITE exists); a
    retransmission gets the last reply again and stops the script (0); -1 otherwise."""
    mgr = get_manager(ctx.engine)
    if mgr.current(ctx) is not None:
        return 1
    msg = ctx.msg
    method = adapter.method(msg)
    if method == "CANCEL":
        via = adapter.top_via(msg)
        txn = mgr.by_uas.get((via.branch or "", "INVITE"))
        return 1 if txn is not None and not txn.deleted else -1
    txn = mgr.lookup_request(msg)
    if txn is None:
        return -1
    if method == "ACK":
        return 0 if txn.uas_status >= 300 else 1
    if txn.last_reply:
        mgr._send_upstream(txn, txn.last_reply)
    return 0


@export("t_was_cancelled", module="tm")
def t_was_cancelled(ctx: Any) -> int:
    txn = get_manager(ctx.engine).current(ctx)
    return 1 if txn is not None and txn.cancelled else -1


@export("t_local_replied", module="tm")
def t_local_replied(ctx: Any, which: str) -> int:
    """``all``: every reply so far was ours; ``branch``: the picked branch ended locally;
    ``last``: the last reply upstream was ours."""
    txn = get_manager(ctx.engine).current(ctx)
    if txn is None:
        return -1
    which = (which or "").lower()
    if which == "last":
        return 1 if txn.local_replied else -1
    if which == "branch":
        best = txn.pick_branch()
        return 1 if best is not None and best.local else -1
    if which == "all":
        return 1 if all(b.local or b.reply is None for b in txn.branches) else -1
    return -1


@export("t_check_status", module="tm")
def t_check_status(ctx: Any, pattern: re.Pattern[str] | str) -> int:
    """Match the reply code the route sees ($T_reply_code) against a regex."""
    from osipsc.runtime.pvars_tm import reply_code

    code = reply_code(ctx)
    if code is None:
        return -1
    regex = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern)
    return 1 if regex.search(str(code)) else -1


@export("t_flush_flags", module="tm")
def t_flush_flags(ctx: Any) -> int:
    """Copy the message flags into the transaction (what the failure route will see)."""
    txn = get_manager(ctx.engine).current(ctx)
    if txn is None:
        return -1
    txn.flags = set(getattr(ctx, "flags", set()) or set())
    return 1


@export("t_wait_no_more_branches", module="tm")
def t_wait_no_more_branches(ctx: Any) -> int:
    return 1 if get_manager(ctx.engine).current(ctx) is not None else -1
