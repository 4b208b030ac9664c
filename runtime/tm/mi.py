"""MI commands of tm, dialog and usrloc, for the MI room's registry (``register_*``).

``t_uac_dlg`` is asynchronous: the reply arrives when the request's transaction ends
(a downstream final reply, or the local 408 of the fr timer on the virtual clock).
"""

from __future__ import annotations

from typing import Any

from .manager import get_manager
from .uac import uac_request


def _unescape(text: str) -> str:
    return text.replace("\\r\\n", "\r\n")


def uac_result(code: int, reason: str, reply: Any, ruri: str, next_hop: str | None
               ) -> dict[str, Any]:
    """The ``t_uac_dlg`` reply: Status, then for a real reply RURI, Next-hop, Message."""
    out: dict[str, Any] = {"Status": f"{code} {reason}"}
    if reply is None:
        return out
    out["RURI"] = ruri
    out["Next-hop"] = next_hop or ruri
    text = reply.text
    out["Message"] = text[text.find("\n") + 1:]
    return out


def t_uac_dlg(params: Any) -> Any:
    """``t_uac_dlg method ruri headers [next_hop] [socket] [body]`` (named only)."""
    from osipsc.runtime.mi.registry import ASYNC_REPLY, MIError

    engine = params.registry.engine
    method = params.string("method")
    ruri = params.string("ruri")
    headers = _unescape(params.string("headers"))
    next_hop = params.string("next_hop") if params.has("next_hop") else None
    body = _unescape(params.string("body")) if params.has("body") else ""
    if not ruri.lower().startswith(("sip:", "sips:", "tel:")):
        raise MIError(400, "Invalid ruri")
    names = {line.partition(":")[0].strip().lower() for line in headers.split("\r\n")}
    if not names & {"to", "t"}:
        raise MIError(400, "To missing")
    if not names & {"from", "f"}:
        raise MIError(400, "From missing")
    if body and not names & {"content-type", "c"}:
        raise MIError(400, "Content-Type missing")

    def done(code: int, reason: str, reply: Any) -> None:
        params.reply(uac_result(code, reason, reply, ruri, next_hop))

    uac_request(get_manager(engine), engine, method, ruri, headers, body, next_hop, done)
    return ASYNC_REPLY


def register_tm_mi(registry: Any) -> None:
    from osipsc.runtime.mi.registry import MI_ASYNC_RPL_FLAG, MI_NAMED_PARAMS_ONLY

    base = ("method", "ruri", "headers")
    recipes = [base + extra for extra in (
        (), ("next_hop",), ("socket",), ("body",), ("next_hop", "socket"),
        ("next_hop", "body"), ("socket", "body"), ("next_hop", "socket", "body"))]
    registry.register("t_uac_dlg", t_uac_dlg, recipes,
                      flags=MI_ASYNC_RPL_FLAG | MI_NAMED_PARAMS_ONLY, module="tm")


def register_dialog_mi(registry: Any) -> None:
    from osipsc.runtime.dialog import get_dialogs
    from osipsc.runtime.mi.registry import MI_NAMED_PARAMS_ONLY

    def dlg_list(params: Any) -> Any:
        table = get_dialogs(params.registry.engine)
        if params.has("index"):
            dialogs = table.active()
            start, count = params.int("index"), params.int("counter")
            window = dialogs[start:start + count]
            return {"count": len(dialogs), "Dialogs": [table.mi_dialog(d) for d in window]}
        callid = params.string("callid") if params.has("callid") else None
        from_tag = params.string("from_tag") if params.has("from_tag") else None
        return table.mi_list(callid, from_tag)

    def dlg_end_dlg(params: Any) -> Any:
        return get_dialogs(params.registry.engine).mi_end(params.string("dialog_id"))

    registry.register("dlg_list", dlg_list,
                      [(), ("callid",), ("callid", "from_tag"), ("index", "counter")],
                      flags=MI_NAMED_PARAMS_ONLY, module="dialog")
    registry.register("dlg_end_dlg", dlg_end_dlg,
                      [("dialog_id",), ("dialog_id", "extra_hdrs")], module="dialog")


def register_usrloc_mi(registry: Any) -> None:
    from osipsc.runtime.usrloc import get_usrloc

    def ul_dump(params: Any) -> Any:
        brief = params.has("brief") and params.string("brief") not in ("", "0")
        return get_usrloc(params.registry.engine).mi_dump(brief)

    def ul_show_contact(params: Any) -> Any:
        return get_usrloc(params.registry.engine).mi_show_contact(
            params.string("table_name"), params.string("aor"))

    registry.register("ul_dump", ul_dump, [(), ("brief",)], module="usrloc")
    registry.register("ul_show_contact", ul_show_contact, [("table_name", "aor")],
                      module="usrloc")
