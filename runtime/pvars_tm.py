"""tm pseudo-variables: $T_reply_code, $T_branch_idx, $T_ruri, $T_id, $T_fr_timeout,
$T_fr_inv_timeout, $bavp (per-branch AVPs, kept per transaction branch)."""

from __future__ import annotations

from typing import Any

from osipsc.runtime.pv_table import pvar, setter
from osipsc.runtime.tm import adapter
from osipsc.runtime.tm.manager import get_manager


def reply_code(ctx: Any) -> int:
    """The reply code the current route deals with (pv_get_tm_reply_code): the reply in an
    onreply route, the picked one in a failure route, the last one sent upstream in a
    request route; 0 without a transaction or in other route types."""
    mgr = get_manager(ctx.engine)
    binding = mgr.binding(ctx)
    if binding is None:
        return 0
    if binding.reply_code is not None:
        return binding.reply_code
    if adapter.route_type_name(ctx) == "REQUEST":
        return binding.txn.uas_status
    return 0


@pvar("T_reply_code", module="tm")
def get_t_reply_code(ctx: Any, sub: Any, index: Any) -> Any:
    return reply_code(ctx)


@pvar("T_branch_idx", module="tm")
def get_t_branch_idx(ctx: Any, sub: Any, index: Any) -> Any:
    """Only defined where a branch is being handled (branch and onreply routes); NULL in
    the request route even with a transaction (reply-send-reply)."""
    binding = get_manager(ctx.engine).binding(ctx)
    if binding is None or binding.branch_idx is None:
        return None
    return binding.branch_idx


@pvar("T_ruri", module="tm")
def get_t_ruri(ctx: Any, sub: Any, index: Any) -> Any:
    """The R-URI of the current branch (branch 0 outside branch/onreply routes); the
    message's $ru when there is no transaction."""
    binding = get_manager(ctx.engine).binding(ctx)
    if binding is None:
        msg = getattr(ctx, "msg", None)
        return adapter.get_ruri(msg) if msg is not None and msg.is_request else None
    idx = binding.branch_idx or 0
    branches = binding.txn.branches
    return branches[idx].uri if idx < len(branches) else None


@pvar("T_id", module="tm")
def get_t_id(ctx: Any, sub: Any, index: Any) -> Any:
    txn = get_manager(ctx.engine).current(ctx)
    return f"{txn.hash_index}:{txn.label}" if txn is not None else None


@pvar("T_branch_last_reply_code", module="tm")
def get_t_branch_last_reply_code(ctx: Any, sub: Any, index: Any) -> Any:
    binding = get_manager(ctx.engine).binding(ctx)
    if binding is None or binding.branch_idx is None:
        return None
    branches = binding.txn.branches
    if binding.branch_idx < len(branches):
        return branches[binding.branch_idx].last_received
    return None


def _timeout_getter(attr: str, default_param: str, default: int):  # noqa: ANN202
    def get(ctx: Any, sub: Any, index: Any) -> Any:
        mgr = get_manager(ctx.engine)
        value = mgr.armed(ctx, attr)
        if value is None:
            value = int(adapter.modparam(ctx.engine, "tm", default_param, default))
        return value

    def put(ctx: Any, sub: Any, index: Any, value: Any) -> int:
        if value is None:
            value = int(adapter.modparam(ctx.engine, "tm", default_param, default))
        if not isinstance(value, int):
            return -1
        get_manager(ctx.engine).arm(ctx, attr, value)
        return 1

    return get, put


_fr_get, _fr_set = _timeout_getter("fr_timeout", "fr_timeout", 30)
_inv_get, _inv_set = _timeout_getter("fr_inv_timeout", "fr_inv_timeout", 120)
pvar("T_fr_timeout", module="tm")(_fr_get)
setter("T_fr_timeout")(_fr_set)
pvar("T_fr_inv_timeout", module="tm")(_inv_get)
setter("T_fr_inv_timeout")(_inv_set)


def _bavps(ctx: Any) -> dict[str, list[Any]] | None:
    binding = get_manager(ctx.engine).binding(ctx)
    if binding is None:
        return None
    txn = binding.txn
    store = txn.bavps
    if store is None:
        store = txn.bavps = {}
    return store.setdefault(binding.branch_idx or 0, {})


@pvar("bavp", takes_sub=True, takes_index=True, module="tm")
def get_bavp(ctx: Any, sub: Any, index: Any) -> Any:
    """Branch AVP: newest value first, like $avp."""
    store = _bavps(ctx)
    values = (store or {}).get(str(sub), [])
    if index == "*":
        return ",".join(str(v) for v in values) if values else None
    i = index or 0
    if i < 0:
        i += len(values)
    return values[i] if 0 <= i < len(values) else None


@setter("bavp")
def set_bavp(ctx: Any, sub: Any, index: Any, value: Any) -> int:
    store = _bavps(ctx)
    if store is None:
        return -1
    values = store.setdefault(str(sub), [])
    if value is None:
        if values:
            values.pop(0)
    else:
        values.insert(0, value)
    return 1
