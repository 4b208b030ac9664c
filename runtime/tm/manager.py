"""The per-engine transaction table and tm's state machine.

OpenSIPS's tm spreads this over t_lookup.c (matching), t_funcs.c / t_fwd.c (relay,
branches), t_reply.c (replies, failure handling) and timer.c (fr timers). Here one
``TransactionManager`` per engine does it on the engine's virtual clock, so a test can see
a local 408 and the failure route it triggers by advancing time.

Which transaction is "current" (OpenSIPS's global ``T``) is tracked per message object:
``bind(ctx, txn)`` records it for ``ctx.msg`` and ``current(ctx)`` looks it up, so no
engine hook is needed when a new request starts.
"""

from __future__ import annotations

import itertools
import zlib
from dataclasses import dataclass
from functools import partial
from typing import Any

from . import adapter
from .transaction import Branch, Transaction, tm_to_tag

AUTO_INV_100_REASON = "Giving it a try"
CANCELING = "canceling"
KILL_REASON = "I'm terribly sorry, server error occurred (1/TM)"  # err2reason_phrase(E_UNSPEC)
REASON_ORIGINATOR = 'Reason: SIP;cause=487;text="ORIGINATOR_CANCEL"\r\n'
REASON_ELSEWHERE = 'Reason: SIP;cause=200;text="Call completed elsewhere"\r\n'
WAIT_TIMEOUT = 5  # tm "wt_timer": a finished transaction lingers to absorb retransmissions


@dataclass
class Binding:
    """What tm knows about the message a route runs on."""

    msg: Any
    txn: Transaction
    branch_idx: int | None = None
    reply_code: int | None = None


def get_manager(engine: Any) -> TransactionManager:
    """The engine's TransactionManager (``engine.state("tm")``)."""
    # every tm function call asks: the spine's Engine keeps it in ``_states`` once made
    states = getattr(engine, "_states", None)
    if type(states) is dict:
        found = states.get("tm")
        if type(found) is TransactionManager:
            return found
    return adapter.engine_state(engine, "tm", TransactionManager)


class TransactionManager:
    """All transactions of one engine (one OpenSIPS worker)."""

    def __init__(self, engine: Any = None) -> None:
        self.engine = engine
        self.by_uas: dict[tuple[str, str], Transaction] = {}
        self.by_uac: dict[str, tuple[Transaction, Branch]] = {}
        self.bindings: dict[int, Binding] = {}
        self.pending_arms: dict[int, tuple[Any, dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._labels = itertools.count(0x5E0E1A46)

    # ------------------------------------------------------------------ current transaction

    def bind(self, ctx: Any, txn: Transaction, branch_idx: int | None = None,
             reply_code: int | None = None) -> None:
        """Make ``txn`` the current transaction of ``ctx.msg``."""
        self.bindings[id(ctx.msg)] = Binding(ctx.msg, txn, branch_idx, reply_code)

    def unbind(self, ctx: Any) -> None:
        self.bindings.pop(id(ctx.msg), None)

    def release(self, ctx: Any) -> None:
        """The request route of ``ctx`` is over: drop the binding and pack the header
        records of the transaction's stored request (``SipMessage.compact``): it waits,
        often unread, until the transaction ends, and the received message that shared
        its records is gone now."""
        b = self.bindings.pop(id(ctx.msg), None)
        if b is not None and b.msg is ctx.msg:
            compact = getattr(b.txn.request, "compact", None)
            if compact is not None:
                compact()

    def binding(self, ctx: Any) -> Binding | None:
        b = self.bindings.get(id(getattr(ctx, "msg", None)))
        return b if b is not None and b.msg is ctx.msg else None

    def current(self, ctx: Any) -> Transaction | None:
        """OpenSIPS's ``T`` for the message ``ctx`` runs on."""
        b = self.binding(ctx)
        return b.txn if b else None

    # ------------------------------------------------------------------ creation / lookup

    def _uas_key(self, msg: Any) -> tuple[str, str]:
        via = adapter.top_via(msg)
        method = adapter.method(msg)
        return (via.branch or "", "INVITE" if method == "ACK" else method)

    def lookup_request(self, msg: Any) -> Transaction | None:
        """A transaction this request belongs to (retransmission, or ACK to an INVITE)."""
        txn = self.by_uas.get(self._uas_key(msg))
        return txn if txn is not None and not txn.deleted else None

    def newtran(self, ctx: Any) -> int:
        """t_newtran: 1 new transaction; 0 retransmission/ACK absorbed (reply resent);
        -1 when this message already has one."""
        if self.current(ctx) is not None:
            return -1
        msg = ctx.msg
        old = self.lookup_request(msg)
        if old is not None:
            if adapter.method(msg) != "ACK" and old.last_reply_text:
                self._send_upstream(old, old.last_reply_text)
            if adapter.method(msg) == "ACK" and not old.uas_status >= 300:
                return 1  # ACK to a 2xx: a new (stateless) request, not ours
            return 0
        if adapter.method(msg) == "ACK":
            return 1  # ACKs never create a transaction
        self.create(ctx)
        return 1

    def create(self, ctx: Any) -> Transaction:
        """Build and register a transaction for ``ctx.msg``; AVPs move into it."""
        engine = ctx.engine
        msg = ctx.msg
        via = adapter.top_via(msg)
        stored = adapter.copy_message(msg)
        adapter.set_ruri(stored, None)
        adapter.set_du(stored, None)
        callid = msg.header("call-id") or ""
        cseq_num = msg.cseq_num
        txn = Transaction(
            tid=next(self._ids),
            hash_index=zlib.crc32((callid + cseq_num).encode("latin-1")) & 0xFFFF,
            label=next(self._labels),
            method=adapter.method(msg),
            uas_via_branch=via.branch or "",
            source=adapter.source(msg),
            request=stored,
            avps=getattr(ctx, "avps", None),
            flags=set(getattr(ctx, "flags", set()) or set()),
            to_tag=tm_to_tag(adapter.listen_address(engine), via),
            created=adapter.now(engine),
            fr_timeout=int(adapter.modparam(engine, "tm", "fr_timeout", 30)),
            fr_inv_timeout=int(adapter.modparam(engine, "tm", "fr_inv_timeout", 120)),
        )
        txn.uas_key = key = (via.branch or "", "INVITE" if txn.method == "ACK" else txn.method)
        self.by_uas[key] = txn
        self.bind(ctx, txn)
        self._apply_pending_arms(ctx, txn)
        adapter.stat_update(engine, "UAS_transactions")
        adapter.stat_update(engine, "inuse_transactions")
        return txn

    def ensure_transaction(self, ctx: Any) -> Transaction | None:
        """For async(): the current transaction (created if needed) with a snapshot of the
        request as it is now ($ru, $du, header edits, flags), which the resume route gets.
        None when the request is a retransmission (the script must stop)."""
        txn = self.current(ctx)
        if txn is None:
            if self.newtran(ctx) != 1:
                return None
            txn = self.current(ctx)
        if txn is None:
            return None
        txn.resume_request = adapter.copy_message(ctx.msg)
        txn.flags = set(getattr(ctx, "flags", set()) or set())
        return txn

    # ------------------------------------------------------------------ replies upstream

    def _send_upstream(self, txn: Transaction, text: str) -> None:
        adapter.send(self.engine_of(txn), text, txn.source, adapter.proto(txn.request))

    def engine_of(self, txn: Transaction) -> Any:
        return self.engine

    def reply(self, ctx: Any, code: int, reason: str, body: str = "",
              extra: list[str] | None = None, txn: Transaction | None = None) -> int:
        """t_reply on the current transaction (created first if there is none)."""
        if txn is None:
            txn = self.current(ctx)
        if txn is None:
            r = self.newtran(ctx)
            if r != 1:
                return -1 if r < 0 else 0
            txn = self.current(ctx)
            assert txn is not None
        if self.engine is None:
            self.engine = ctx.engine
        headers = adapter.reply_lumps(ctx) if extra is None else extra
        return self.local_reply(txn, code, reason, headers, body)

    def local_reply(self, txn: Transaction, code: int, reason: str,
                    headers: list[str] | None = None, body: str = "") -> int:
        """Send a reply generated by tm itself (t_reply, 100 Trying, 408 on timeout)."""
        if txn.uac_done is not None:
            return self._uac_outcome(txn, code, reason, None)
        if txn.replied_final:
            adapter.log(self.engine, 3, f"ERROR:tm:t_should_relay_response: failed to "
                                         f"generate {code} reply when a final "
                                         f"{txn.uas_status} was sent out")
            return -1
        if code < 200 and txn.uas_status >= 200:
            return -1
        text = adapter.build_reply(txn.request, code, reason,
                                   txn.to_tag if code > 100 else None, headers or [], body)

        txn.uas_status = code
        txn.local_replied = True
        txn.last_reply_text = text  # what a retransmitted request gets again
        if code >= 200:
            self._finish(txn, code)
        adapter.stat_update(self.engine, "local_replies")
        self._send_upstream(txn, text)
        txn.run_callbacks(code, None)
        if code >= 200:
            self._cancel_pending(txn)
        return 1

    def _uac_outcome(self, txn: Transaction, code: int, reason: str, reply: Any) -> int:
        """A local request's transaction got its (final) outcome: tell its owner."""
        if txn.replied_final:
            return -1
        txn.uas_status = code
        if code >= 200 and txn.uac_done is not None:
            self._finish(txn, code)
            txn.uac_done(code, reason, reply)
        return 1

    def _finish(self, txn: Transaction, code: int) -> None:
        adapter.stat_update(self.engine, f"{code // 100}xx_transactions")
        adapter.stat_update(self.engine, "inuse_transactions", -1)
        if self.engine is not None and hasattr(getattr(self.engine, "clock", None),
                                                 "call_later"):
            adapter.call_later(self.engine, WAIT_TIMEOUT, partial(self._delete, txn))

    def _delete(self, txn: Transaction) -> None:
        txn.deleted = True
        for b in txn.branches:
            adapter.cancel_timer(b.timer)
            b.timer = None  # the handle's partial refers back to txn: free it by refcount
            self.by_uac.pop(b.via_branch, None)
        key = txn.uas_key
        if key is not None:
            if self.by_uas.get(key) is txn:
                del self.by_uas[key]
            return
        for key, value in list(self.by_uas.items()):  # registered by other means
            if value is txn:
                del self.by_uas[key]

    def _cancel_pending(self, txn: Transaction) -> None:
        """A final answer went upstream: INVITE branches still ringing get a CANCEL
        ("Call completed elsewhere"); no late failure route can run any more."""
        if txn.is_invite:
            self.cancel_branches(txn, REASON_ELSEWHERE)
        for b in txn.pending_branches:
            adapter.cancel_timer(b.timer)
            b.timer = None

    # ------------------------------------------------------------------ CANCEL

    def cancel_invite(self, cancel_txn: Transaction, invite: Transaction) -> None:
        """A CANCEL matched ``invite`` (t_fwd.c cancel_invite): 200 to the CANCEL, the
        INVITE is marked cancelled, its ringing branches get a CANCEL each."""
        self.local_reply(cancel_txn, 200, CANCELING, [])
        invite.cancelled = True
        self.cancel_branches(invite, REASON_ORIGINATOR)

    def cancel_branches(self, txn: Transaction, reason: str) -> None:
        """CANCEL every pending branch that saw a provisional reply; the others get theirs
        when their first provisional arrives (a CANCEL needs one, RFC 3261 9.1)."""
        for b in txn.pending_branches:
            if b.cancelled:
                continue
            if b.provisional >= 100:
                self._send_cancel(txn, b, reason)
            else:
                b.cancel_reason = reason

    def _send_cancel(self, txn: Transaction, b: Branch, reason: str) -> None:
        """build_local: request line of the branch, its Via, From, Call-ID, To, CSeq,
        Max-Forwards, Reason."""
        req = txn.request
        host, port = adapter.listen_address(self.engine)
        lines = [f"CANCEL {b.uri} SIP/2.0",
                 f"Via: SIP/2.0/{b.dst[2].upper()} {host}:{port};branch={b.via_branch}",
                 f"From: {req.header('from') or ''}",
                 f"Call-ID: {req.header('call-id') or ''}",
                 f"To: {req.header('to') or ''}",
                 f"CSeq: {req.cseq_num} CANCEL"]
        lines += [f"Route: {r}" for r in req.headers("route")]
        text = "\r\n".join(lines) + "\r\nMax-Forwards: 70\r\n" + reason
        text += "Content-Length: 0\r\n\r\n"
        b.cancelled = True
        b.cancel_reason = None
        adapter.send(self.engine, text, (b.dst[0], b.dst[1]), b.dst[2])

    # ------------------------------------------------------------------ relay

    def relay(self, ctx: Any, proxy: str | None = None, flags: set[str] | None = None) -> int:
        """t_relay: create the transaction if needed and send one branch per destination."""
        flags = flags or set()
        if self.engine is None:
            self.engine = ctx.engine
        txn = self.current(ctx)
        created = txn is None
        if txn is None:
            r = self.newtran(ctx)
            if r < 0:
                return r
            if r == 0:
                return 1  # retransmission absorbed: w_t_relay turns t_relay_to's 0 into 1
            txn = self.current(ctx)
            if txn is None:  # an ACK: forwarded statelessly
                return self._forward_ack(ctx, proxy)
            if txn.is_invite and "no-100-trying" not in flags:
                self.local_reply(txn, 100, AUTO_INV_100_REASON, [])
        if adapter.method(ctx.msg) == "CANCEL":
            invite = self.by_uas.get((adapter.top_via(ctx.msg).branch or "", "INVITE"))
            if invite is not None and not invite.deleted:
                self.cancel_invite(txn, invite)
                return 1
        if txn.cancelled:
            if not txn.branches:
                self.local_reply(txn, 487, "Request Terminated", [])
            return -1
        if txn.replied_final and not txn.is_invite:
            return -1
        # t_forward_nonack: the transaction takes the message flags before the branches
        # are built and again after (branch routes may change them)
        txn.flags = set(ctx.flags)
        sent = self.forward_branches(ctx, txn, proxy)
        txn.flags = set(ctx.flags)
        if sent == 0:
            if created:
                # t_relay_to's kill_transaction: a stateful error reply upstream; the
                # script then sees 1 (w_t_relay maps the 0 it returns to 1)
                r = self.local_reply(txn, 500, KILL_REASON, [])
                return 1 if r > 0 else -1
            return -1
        return 1

    def _forward_ack(self, ctx: Any, proxy: str | None) -> int:
        msg = ctx.msg
        branch = "z9hG4bK" + format(zlib.crc32(
            adapter.msg_text(msg).encode("latin-1")) & 0xFFFFFFFF, "x") + ".0"
        host, port, proto = self._destination(msg, proxy)
        text = adapter.build_forward(msg, (host, port), adapter.listen_address(ctx.engine),
                                     branch, proto)
        adapter.send(ctx.engine, text, (host, port), proto)
        return 1

    def _destination(self, msg: Any, proxy: str | None) -> tuple[str, int, str]:
        du = adapter.get_du(msg)
        if du:
            return adapter.uri_destination(du)
        if proxy:
            return adapter.uri_destination(proxy)
        return adapter.uri_destination(adapter.get_ruri(msg))

    def forward_branches(self, ctx: Any, txn: Transaction, proxy: str | None) -> int:
        """Send the main branch ($ru/$du) and the appended ones; run branch_route per branch.

        The branch route sees a copy of the request with the branch's R-URI/$du (its header
        edits stay with that branch) but shares the message flags, which it may change for
        the request itself. ``on_branch`` stays armed for later relays (t_fwd.c)."""
        engine = ctx.engine
        msg = ctx.msg
        targets: list[tuple[str, str | None]] = [(adapter.get_ruri(msg), adapter.get_du(msg))]
        targets.extend(adapter.msg_branches(msg))
        adapter.clear_msg_branches(msg)
        on_branch = txn.on_branch
        sent = 0
        for uri, du in targets:
            index = len(txn.branches)
            on_reply = None
            if not on_branch:
                # no branch route: nothing can edit this branch, so build it straight from
                # the request with the branch's R-URI/$du (the copy the branch route would
                # get is the same text)
                dst = (adapter.uri_destination(du) if du else
                       adapter.uri_destination(proxy) if proxy else
                       adapter.uri_destination(uri))
                via_branch = f"z9hG4bK{txn.hash_index:x}.{txn.label:x}.{index}"
                text = adapter.build_forward(msg, (dst[0], dst[1]),
                                             adapter.listen_address(engine), via_branch,
                                             dst[2], ruri=uri)
                self._add_branch(engine, txn, Branch(index, uri, dst, via_branch, text))
                sent += 1
                continue
            bmsg = adapter.copy_message(msg)
            adapter.set_ruri(bmsg, uri)
            adapter.set_du(bmsg, du)
            if on_branch:
                bctx = adapter.new_context(engine, bmsg, "BRANCH", txn.avps, ctx.flags)
                self.bind(bctx, txn, branch_idx=index)
                self._branch_on_reply = None
                try:
                    dropped = adapter.run_route(engine, "branch_route", on_branch, bctx)
                finally:
                    self.unbind(bctx)
                on_reply, self._branch_on_reply = self._branch_on_reply, None
                if dropped:
                    continue
                bmsg = bctx.msg
            via_branch = f"z9hG4bK{txn.hash_index:x}.{txn.label:x}.{index}"
            dst = self._destination(bmsg, proxy)
            text = adapter.build_forward(bmsg, (dst[0], dst[1]),
                                         adapter.listen_address(engine), via_branch, dst[2])
            self._add_branch(engine, txn, Branch(index, adapter.get_ruri(bmsg), dst,
                                                 via_branch, text, on_reply=on_reply))
            sent += 1
        return sent

    def _add_branch(self, engine: Any, txn: Transaction, branch: Branch) -> None:
        """Register a built branch, send it and arm its fr timer."""
        txn.branches.append(branch)
        self.by_uac[branch.via_branch] = (txn, branch)
        adapter.send(engine, branch.request_text, (branch.dst[0], branch.dst[1]),
                     branch.dst[2])
        adapter.stat_update(engine, "UAC_transactions")
        self._arm_fr(txn, branch, txn.fr_timeout)

    _branch_on_reply: str | None = None

    def arm_branch_on_reply(self, name: str) -> None:
        """t_on_reply inside a branch_route arms the reply route of that branch only."""
        self._branch_on_reply = name

    # ------------------------------------------------------------------ timers

    def _arm_fr(self, txn: Transaction, branch: Branch, seconds: int) -> None:
        adapter.cancel_timer(branch.timer)
        if self.engine is None or not hasattr(getattr(self.engine, "clock", None),
                                                "call_later"):
            return
        # a partial, not a lambda: one object instead of a closure and its cells, and
        # every waiting transaction keeps one alive for the cyclic GC to scan
        branch.timer = adapter.call_later(self.engine, seconds,
                                          partial(self._fr_expired, txn, branch))

    def _fr_expired(self, txn: Transaction, branch: Branch) -> None:
        """No (final) reply in time: the branch ends with a local 408."""
        branch.timer = None
        if not branch.pending or txn.deleted:
            return
        branch.final = 408
        branch.local = True
        self._branch_done(txn)

    # ------------------------------------------------------------------ replies downstream

    def on_reply(self, engine: Any, msg: Any) -> bool:
        """A SIP reply arrived: True if it belongs to one of our branches (then it was
        handled: onreply routes, relay upstream, failure route)."""
        if self.engine is None:
            self.engine = engine
        via = adapter.top_via(msg)
        entry = self.by_uac.get(via.branch or "")
        if entry is None:
            return False
        txn, branch = entry
        adapter.stat_update(engine, "received_replies")
        code = adapter.reply_status(msg)
        if not branch.pending:
            return True  # retransmitted final reply: absorbed
        for name in (branch.on_reply, txn.on_reply):
            if not name:
                continue
            rctx = adapter.new_context(engine, msg, "ONREPLY", None, set(txn.flags))
            self.bind(rctx, txn, branch_idx=branch.index, reply_code=code)
            try:
                dropped = adapter.run_route(engine, "onreply_route", name, rctx)
            finally:
                self.unbind(rctx)
            if dropped and code < 200:
                return True
        if code < 200:
            branch.provisional = code
            if txn.is_invite:
                self._arm_fr(txn, branch, txn.fr_inv_timeout)
            if code > 100 and not txn.replied_final:
                self._relay_reply(txn, msg, code)
            if branch.cancel_reason is not None:  # the CANCEL was waiting for this reply
                self._send_cancel(txn, branch, branch.cancel_reason)
            return True
        branch.final = code
        branch.reply = msg
        adapter.cancel_timer(branch.timer)
        branch.timer = None
        if 200 <= code < 300:
            if not txn.replied_final or txn.is_invite:
                first = not txn.replied_final
                self._relay_reply(txn, msg, code)
                if first:
                    self._finish(txn, code)
                    self._cancel_pending(txn)
            return True
        self._branch_done(txn)
        return True

    def _relay_reply(self, txn: Transaction, msg: Any, code: int) -> None:
        if txn.uac_done is not None:
            self._uac_outcome(txn, code, msg.reason, msg)
            return
        text = adapter.strip_top_via(adapter.msg_text(msg))
        txn.uas_status = code
        txn.local_replied = False
        txn.last_reply_text = text
        adapter.stat_update(self.engine, "relayed_replies")
        self._send_upstream(txn, text)
        txn.run_callbacks(code, msg)

    def _branch_done(self, txn: Transaction) -> None:
        """A branch reached a negative final state: when none is pending, pick the best
        reply, give the failure route its one chance, then answer upstream."""
        if txn.replied_final or txn.pending_branches:
            return
        best = txn.pick_branch()
        if best is None:
            return
        if txn.on_failure and not txn.in_failure:
            self._run_failure(txn, best)
            if txn.replied_final or txn.pending_branches:
                return
            best = txn.pick_branch() or best
        if best.local or best.reply is None:
            self.local_reply(txn, best.final or 408, "Request Timeout", [])
        else:
            self._relay_reply(txn, best.reply, best.final or 500)
            self._finish(txn, best.final or 500)

    def _run_failure(self, txn: Transaction, best: Branch) -> None:
        """failure_route: one-shot (disarmed before it runs), on a copy of the stored
        request with the transaction's AVPs and flags; the flags are saved back after."""
        engine = self.engine
        name, txn.on_failure = txn.on_failure, None
        fmsg = adapter.copy_message(txn.request)
        fctx = adapter.new_context(engine, fmsg, "FAILURE", txn.avps, set(txn.flags))
        self.bind(fctx, txn, reply_code=best.final)
        txn.in_failure = True
        try:
            adapter.run_route(engine, "failure_route", name, fctx)
        finally:
            txn.in_failure = False
            self.unbind(fctx)
        txn.flags = set(getattr(fctx, "flags", set()) or set())

    # ------------------------------------------------------------------ script arming

    def arm(self, ctx: Any, what: str, value: Any) -> None:
        """t_on_failure / t_on_branch / t_on_reply / $T_fr_timeout...: set on the current
        transaction, or remembered for this message until tm creates one."""
        txn = self.current(ctx)
        if what == "on_reply" and adapter.route_type_name(ctx) == "BRANCH":
            self.arm_branch_on_reply(value)
            return
        if txn is not None:
            setattr(txn, what, value)
            return
        msg = getattr(ctx, "msg", None)
        entry = self.pending_arms.get(id(msg))
        if entry is None or entry[0] is not msg:
            entry = (msg, {})
            self.pending_arms[id(msg)] = entry
        entry[1][what] = value

    def armed(self, ctx: Any, what: str) -> Any:
        """What ``arm`` set for this message or its transaction (None when nothing)."""
        txn = self.current(ctx)
        if txn is not None:
            return getattr(txn, what)
        entry = self.pending_arms.get(id(getattr(ctx, "msg", None)))
        if entry is not None and entry[0] is ctx.msg:
            return entry[1].get(what)
        return None

    def _apply_pending_arms(self, ctx: Any, txn: Transaction) -> None:
        entry = self.pending_arms.pop(id(ctx.msg), None)
        if entry is not None and entry[0] is ctx.msg:
            for what, value in entry[1].items():
                setattr(txn, what, value)
