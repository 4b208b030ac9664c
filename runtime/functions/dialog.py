"""Script functions and pseudo-variables of the dialog module (basic, in memory)."""

from __future__ import annotations

from typing import Any

from osipsc.runtime.dialog import CONFIRMED_NA, DELETED, Dialog, get_dialogs
from osipsc.runtime.functions.registry import export
from osipsc.runtime.pv_table import pvar, setter
from osipsc.runtime.tm.manager import get_manager


def _current(ctx: Any) -> Dialog | None:
    return get_dialogs(ctx.engine).current(ctx)


@export("create_dialog", module="dialog")
def create_dialog(ctx: Any, flags: str | None = None) -> int:
    """Track the INVITE's dialog; creates the tm transaction to follow its replies."""
    table = get_dialogs(ctx.engine)
    if table.current(ctx) is not None:
        return 1
    msg = ctx.msg
    if msg.method != "INVITE" or msg.to_tag:
        return -1
    dlg = table.create(msg)
    table.bind(msg, dlg)
    mgr = get_manager(ctx.engine)
    txn = mgr.current(ctx)
    if txn is None:
        if mgr.newtran(ctx) != 1:
            return -1
        txn = mgr.current(ctx)
    if txn is not None:
        txn.callbacks.append(lambda t, code, reply: table.on_reply(dlg, code, reply))
    return 1


@export("match_dialog", module="dialog")
def match_dialog(ctx: Any, mode: str | None = None) -> int:
    """Find the dialog of a sequential request by Call-ID and tags; 1 found, -1 not."""
    table = get_dialogs(ctx.engine)
    msg = ctx.msg
    frm = msg.name_addr("from")
    dlg = table.find(msg.header("call-id") or "", (frm.tag if frm else None, msg.to_tag))
    if dlg is None:
        return -1
    table.bind(msg, dlg)
    table.on_request(dlg, msg)
    return 1


@export("validate_dialog", module="dialog")
def validate_dialog(ctx: Any) -> int:
    dlg = _current(ctx)
    return 1 if dlg is not None and dlg.state != DELETED else -1


@export("store_dlg_value", module="dialog")
def store_dlg_value(ctx: Any, name: str, value: Any) -> int:
    dlg = _current(ctx)
    if dlg is None:
        return -1
    dlg.values[name] = value.get(ctx) if hasattr(value, "get") else value
    return 1


@export("fetch_dlg_value", module="dialog")
def fetch_dlg_value(ctx: Any, name: str, var: Any) -> int:
    dlg = _current(ctx)
    if dlg is None or name not in dlg.values:
        return -1
    var.set(ctx, dlg.values[name])
    return 1


@export("set_dlg_flag", module="dialog")
def set_dlg_flag(ctx: Any, flag: str) -> int:
    dlg = _current(ctx)
    if dlg is None:
        return -1
    dlg.flags.add(flag)
    return 1


@export("reset_dlg_flag", module="dialog")
def reset_dlg_flag(ctx: Any, flag: str) -> int:
    dlg = _current(ctx)
    if dlg is None:
        return -1
    dlg.flags.discard(flag)
    return 1


@export("is_dlg_flag_set", module="dialog")
def is_dlg_flag_set(ctx: Any, flag: str) -> int:
    dlg = _current(ctx)
    return 1 if dlg is not None and flag in dlg.flags else -1


@export("set_dlg_profile", module="dialog")
def set_dlg_profile(ctx: Any, profile: str, value: str | None = None,
                    clear: int | None = None) -> int:
    dlg = _current(ctx)
    if dlg is None:
        return -1
    dlg.profiles.append((profile, value))
    return 1


@export("unset_dlg_profile", module="dialog")
def unset_dlg_profile(ctx: Any, profile: str, value: str | None = None) -> int:
    dlg = _current(ctx)
    if dlg is None or (profile, value) not in dlg.profiles:
        return -1
    dlg.profiles.remove((profile, value))
    return 1


@export("is_in_profile", module="dialog")
def is_in_profile(ctx: Any, profile: str, value: str | None = None) -> int:
    dlg = _current(ctx)
    if dlg is None:
        return -1
    ok = any(p == profile and (value is None or v == value) for p, v in dlg.profiles)
    return 1 if ok else -1


@export("get_profile_size", module="dialog")
def get_profile_size(ctx: Any, profile: str, value: str | None, var: Any) -> int:
    size = sum(1 for d in get_dialogs(ctx.engine).active() for p, v in d.profiles
               if p == profile and (value is None or v == value))
    var.set(ctx, size)
    return 1


# ---------------------------------------------------------------- pseudo-variables


@pvar("DLG_status", module="dialog")
def get_dlg_status(ctx: Any, sub: Any, index: Any) -> Any:
    dlg = _current(ctx)
    return dlg.state if dlg is not None else None


@pvar("DLG_did", module="dialog")
def get_dlg_did(ctx: Any, sub: Any, index: Any) -> Any:
    dlg = _current(ctx)
    return dlg.did if dlg is not None else None


@pvar("DLG_count", module="dialog")
def get_dlg_count(ctx: Any, sub: Any, index: Any) -> Any:
    return len(get_dialogs(ctx.engine).active())


@pvar("DLG_dir", module="dialog")
def get_dlg_dir(ctx: Any, sub: Any, index: Any) -> Any:
    dlg = _current(ctx)
    if dlg is None:
        return None
    frm = ctx.msg.name_addr("from")
    return "upstream" if frm is not None and frm.tag != dlg.caller_tag else "downstream"


@pvar("DLG_lifetime", module="dialog")
def get_dlg_lifetime(ctx: Any, sub: Any, index: Any) -> Any:
    dlg = _current(ctx)
    if dlg is None:
        return None
    table = get_dialogs(ctx.engine)
    return int(table.unix_now() - dlg.start_ts) if dlg.state >= CONFIRMED_NA else 0


@pvar("DLG_end_reason", module="dialog")
def get_dlg_end_reason(ctx: Any, sub: Any, index: Any) -> Any:
    dlg = _current(ctx)
    return dlg.end_reason if dlg is not None else None


@pvar("DLG_flags", module="dialog")
def get_dlg_flags(ctx: Any, sub: Any, index: Any) -> Any:
    dlg = _current(ctx)
    return " ".join(sorted(dlg.flags)) if dlg is not None else None


@pvar("DLG_timeout", module="dialog")
def get_dlg_timeout(ctx: Any, sub: Any, index: Any) -> Any:
    dlg = _current(ctx)
    return dlg.timeout if dlg is not None else None


@setter("DLG_timeout")
def set_dlg_timeout(ctx: Any, sub: Any, index: Any, value: Any) -> int:
    dlg = _current(ctx)
    if dlg is None or not isinstance(value, int):
        return -1
    dlg.timeout = value
    return 1


@pvar("dlg_val", takes_sub=True, module="dialog")
def get_dlg_val(ctx: Any, sub: Any, index: Any) -> Any:
    dlg = _current(ctx)
    return dlg.values.get(str(sub)) if dlg is not None else None


@setter("dlg_val")
def set_dlg_val(ctx: Any, sub: Any, index: Any, value: Any) -> int:
    dlg = _current(ctx)
    if dlg is None:
        return -1
    if value is None:
        dlg.values.pop(str(sub), None)
    else:
        dlg.values[str(sub)] = value
    return 1
