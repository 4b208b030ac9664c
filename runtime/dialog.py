"""In-memory dialog tracking (modules/dialog): one ``Dialog`` per call created with
``create_dialog()``, driven by the replies tm sends upstream and by in-dialog requests.

States are OpenSIPS's numbers: 1 unconfirmed, 2 early, 3 confirmed (not ACKed),
4 confirmed, 5 deleted. ``dlg_list`` / ``dlg_end_dlg`` MI data come from here too.
"""

from __future__ import annotations

import itertools
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

from osipsc.runtime.tm import adapter

UNCONFIRMED, EARLY, CONFIRMED_NA, CONFIRMED, DELETED = 1, 2, 3, 4, 5
DLG_HASH_SIZE = 4096


@dataclass
class Dialog:
    """One dialog (``struct dlg_cell``), caller leg and the callee leg once answered."""

    h_entry: int
    h_id: int
    callid: str
    from_uri: str
    to_uri: str
    caller_tag: str
    caller_contact: str
    caller_cseq: str
    created: float
    state: int = UNCONFIRMED
    start_ts: int = 0                  # unix time of the 2xx
    timeout: int = 0                   # lifetime in seconds (default_timeout)
    callee_tag: str | None = None
    callee_contact: str = ""
    callee_cseq: str = ""
    callee_route_set: str = ""
    caller_route_set: str = ""
    flags: set[str] = field(default_factory=set)
    values: dict[str, Any] = field(default_factory=dict)
    profiles: list[tuple[str, str | None]] = field(default_factory=list)
    end_reason: str | None = None

    @property
    def did(self) -> str:
        return f"{self.h_entry}:{self.h_id}"

    @property
    def mi_id(self) -> str:
        return str((self.h_entry << 32) | self.h_id)


class DialogTable:
    """All dialogs of one engine."""

    def __init__(self, engine: Any = None) -> None:
        self.engine = engine
        self.dialogs: list[Dialog] = []
        self._ids = itertools.count(1)
        self.by_msg: dict[int, tuple[Any, Dialog]] = {}

    def now(self) -> float:
        return adapter.now(self.engine) if self.engine is not None else 0.0

    def unix_now(self) -> int:
        """Wall-clock-like seconds for timestart: the virtual clock when it is epoch based,
        else real time (dlg_list prints unix times)."""
        t = self.now()
        return int(t) if t > 1e9 else int(time.time())

    def create(self, msg: Any) -> Dialog:
        callid = msg.header("call-id") or ""
        frm = msg.name_addr("from")
        to = msg.name_addr("to")
        contact = msg.name_addr("contact")
        rr = msg.headers("record-route")
        dlg = Dialog(
            h_entry=zlib.crc32(callid.encode("latin-1")) % DLG_HASH_SIZE,
            h_id=next(self._ids), callid=callid,
            from_uri=frm.uri if frm else "", to_uri=to.uri if to else "",
            caller_tag=(frm.tag or "") if frm else "",
            caller_contact=contact.uri if contact else "",
            caller_cseq=msg.cseq_num, created=self.now(),
            caller_route_set=",".join(rr),
            timeout=int(adapter.modparam(self.engine, "dialog", "default_timeout", 43200)))
        self.dialogs.append(dlg)
        return dlg

    def bind(self, msg: Any, dlg: Dialog) -> None:
        self.by_msg[id(msg)] = (msg, dlg)

    def current(self, ctx: Any) -> Dialog | None:
        entry = self.by_msg.get(id(getattr(ctx, "msg", None)))
        return entry[1] if entry is not None and entry[0] is ctx.msg else None

    def active(self) -> list[Dialog]:
        return [d for d in self.dialogs if d.state != DELETED]

    def find(self, callid: str, tags: tuple[str | None, str | None] | None = None
             ) -> Dialog | None:
        for d in self.active():
            if d.callid != callid:
                continue
            if tags is None:
                return d
            a, b = tags
            if {a, b} == {d.caller_tag, d.callee_tag} or (d.callee_tag is None
                                                           and d.caller_tag in (a, b)):
                return d
        return None

    # ------------------------------------------------------------------ state machine

    def on_reply(self, dlg: Dialog, code: int, reply: Any) -> None:
        """tm callback: a reply to the initial INVITE went upstream."""
        if dlg.state in (DELETED, CONFIRMED, CONFIRMED_NA):
            return
        if reply is not None:
            to = reply.name_addr("to")
            contact = reply.name_addr("contact")
            if to and to.tag and dlg.callee_tag is None:
                dlg.callee_tag = to.tag
            if contact:
                dlg.callee_contact = contact.uri
            dlg.callee_cseq = reply.cseq_num
            dlg.callee_route_set = ",".join(reply.headers("record-route"))
        if 100 < code < 200 and dlg.state == UNCONFIRMED and dlg.callee_tag:
            dlg.state = EARLY
        elif 200 <= code < 300:
            dlg.state = CONFIRMED_NA
            dlg.start_ts = self.unix_now()
        elif code >= 300:
            dlg.state = DELETED
            dlg.end_reason = "Rejected"

    def on_request(self, dlg: Dialog, msg: Any) -> None:
        """An in-dialog request matched ``dlg``."""
        method = msg.method
        if method == "ACK" and dlg.state == CONFIRMED_NA:
            dlg.state = CONFIRMED
        elif method == "BYE":
            dlg.state = DELETED
            dlg.end_reason = "Upstream BYE" if self._from_caller(dlg, msg) else "Downstream BYE"

    def _from_caller(self, dlg: Dialog, msg: Any) -> bool:
        frm = msg.name_addr("from")
        return bool(frm and frm.tag == dlg.caller_tag)

    # ------------------------------------------------------------------ MI data

    def mi_dialog(self, d: Dialog) -> dict[str, Any]:
        """One dialog as ``dlg_list`` prints it (member order of dialog.c)."""
        out: dict[str, Any] = {"ID": d.mi_id, "db_id": "0", "state": d.state,
                               "user_flags": "0", "timestart": d.start_ts}
        if d.start_ts:
            out["datestart"] = time.strftime("%Y-%m-%d %H:%M:%S",
                                             time.localtime(d.start_ts))
            out["timeout"] = d.start_ts + d.timeout
            out["dateout"] = time.strftime("%Y-%m-%d %H:%M:%S",
                                           time.localtime(d.start_ts + d.timeout))
        else:
            out["timeout"] = 0
        out.update({"callid": d.callid, "from_uri": d.from_uri, "to_uri": d.to_uri,
                    "caller_tag": d.caller_tag, "caller_contact": d.caller_contact,
                    "callee_cseq": d.callee_cseq or "0",
                    "caller_route_set": d.caller_route_set,
                    "caller_bind_addr": "udp:127.0.0.1:5060"})
        callees = []
        if d.callee_tag is not None:
            callees.append({"callee_tag": d.callee_tag, "callee_contact": d.callee_contact,
                            "caller_cseq": d.caller_cseq,
                            "callee_route_set": d.callee_route_set,
                            "callee_bind_addr": "udp:127.0.0.1:5060"})
        out["CALLEES"] = callees
        return out

    def mi_list(self, callid: str | None = None, from_tag: str | None = None) -> Any:
        """``dlg_list [callid [from_tag]]``."""
        from osipsc.runtime.mi.registry import MIError

        if callid is None:
            return {"Dialogs": [self.mi_dialog(d) for d in self.active()]}
        for d in self.active():
            if d.callid == callid and (from_tag is None or d.caller_tag == from_tag):
                return {"Dialog": self.mi_dialog(d)}
        raise MIError(404, "No such dialog")

    def mi_end(self, dialog_id: str) -> str:
        """``dlg_end_dlg``: the dialog ends (the BYEs to both sides are not emulated)."""
        from osipsc.runtime.mi.registry import MIError

        for d in self.active():
            if dialog_id in (d.mi_id, d.callid):
                d.state = DELETED
                d.end_reason = "MI Termination"
                return "OK"
        raise MIError(404, "Requested Dialog not found")


def get_dialogs(engine: Any) -> DialogTable:
    """The engine's dialog table (``engine.state("dialog")``)."""
    return adapter.engine_state(engine, "dialog", DialogTable)
