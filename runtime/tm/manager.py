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

import copy as _copy
import itertools
import zlib
from functools import partial
from typing import Any, NamedTuple

from osipsc.runtime.avp import AvpStore
from osipsc.runtime.sip.build import _hostport as sip_hostport
from osipsc.runtime.sip.build import build_forward as sip_build_forward
from osipsc.runtime.sip.build import build_forward_text as sip_build_forward_text
from osipsc.runtime.sip.build import build_reply as sip_build_reply
from osipsc.runtime.stats import ULONG, StatsRegistry

from . import adapter
from .transaction import Branch, Transaction, new_branch, new_transaction

AUTO_INV_100_REASON = "Giving it a try"
CANCELING = "canceling"
KILL_REASON = "I'm terribly sorry, server error occurred (1/TM)"  # err2reason_phrase(E_UNSPEC)
REASON_ORIGINATOR = 'Reason: SIP;cause=487;text="ORIGINATOR_CANCEL"\r\n'
REASON_ELSEWHERE = 'Reason: SIP;cause=200;text="Call completed elsewhere"\r\n'
WAIT_TIMEOUT = 5  # tm "wt_timer": a finished transaction lingers to absorb retransmissions


#: the flags of a transaction created without any (shared: ``txn.flags`` is replaced,
#: never edited in place)
_NO_FLAGS: frozenset[str] = frozenset()
_new_object = object.__new__


class FrTimer:
    """A branch's re-armed fr timer on the Engine's clock (``Clock.schedule``; the first
    one is the ``Branch`` itself): the handle calls the manager itself, so a waiting branch
    keeps one object alive instead of a handle, a partial and a heap entry."""

    __slots__ = ("due", "cancelled", "manager", "txn", "branch")

    def cancel(self) -> None:
        self.cancelled = True

    def fire(self) -> None:
        self.manager._fr_expired(self.txn, self.branch)  # noqa: SLF001 - its own manager


#: defer the stored copy of a received request (``_create``); tests turn it off to compare
_DEFER_COPY = True


class Binding(NamedTuple):
    """What tm knows about the message a route runs on (a tuple: one is made for every
    transaction and every route tm starts; ``_new_binding`` builds it without a call)."""

    msg: Any
    txn: Transaction
    branch_idx: int | None = None
    reply_code: int | None = None


_new_tuple = tuple.__new__

#: a branch's Via branch id from (hash index, label, branch index): ``%`` formatting is
#: about a third cheaper than the f-string's two ``:x`` format specs (the same text)
_BRANCH_ID = "z9hG4bK%x.%x.%d"


def _via_head(local: tuple[str, int], proto: str) -> str:
    """The top Via line ``build_forward`` makes from ``local`` and ``proto``, up to the
    branch id: ``f"{_via_head(local, proto)}{branch}\r\n"`` is its whole line (tests
    compare the two builds)."""
    return f"Via: SIP/2.0/{proto.upper()} {sip_hostport(local)};branch="


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
        #: a branch's Via branch id -> its transaction (the branch is found in it: a
        #: (txn, branch) pair here was one more object per waiting transaction)
        self.by_uac: dict[str, Transaction] = {}
        self.bindings: dict[int, Binding] = {}
        self.pending_arms: dict[int, tuple[Any, dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._labels = itertools.count(0x5E0E1A46)
        # the fr timer callback, bound once (a timer is then one partial, not a partial
        # around a fresh bound method)
        self._fr_cb = self._fr_expired
        #: ``(request, transaction, appended branches)`` while the transaction holds the
        #: received request uncopied (``_create``); None otherwise
        self._deferred: tuple[Any, Transaction, list[Any] | None, Any] | None = None
        # per-engine answers every new transaction needs, see ``_facts`` / ``_local``
        self._local_memo: tuple[Any, tuple[str, int]] | None = None
        self._facts_memo: tuple[Any, ...] | None = None
        #: (local socket, protocol, ``_via_head`` of them) of the last branch built
        self._via_memo: tuple[Any, str, str] = (None, "", "")
        #: ``_snapshot_hook`` bound once (set as ``Engine.snapshot_hook`` per request)
        self._snapshot_cb = self._snapshot_hook
        #: the engine known to be the spine's ``Engine`` / the last one known not to be
        self._spine_engine: Any = None
        self._not_spine: Any = None
        #: the spine's statistics registry and its tm statistics by name (``_stat``)
        self._counter_reg: Any = None
        self._counters: dict[str, Any] = {}

    # ------------------------------------------------------------------ current transaction

    def bind(self, ctx: Any, txn: Transaction, branch_idx: int | None = None,
             reply_code: int | None = None) -> None:
        """Make ``txn`` the current transaction of ``ctx.msg``."""
        self.bindings[id(ctx.msg)] = _new_tuple(Binding, (ctx.msg, txn, branch_idx, reply_code))

    def unbind(self, ctx: Any) -> None:
        self.bindings.pop(id(ctx.msg), None)

    def release(self, ctx: Any) -> None:
        """The request route of ``ctx`` is over: drop the binding and pack the header
        records of the transaction's stored request (``SipMessage.keep``): it waits,
        often unread, until the transaction ends, and the received message that shared
        its records is gone now. An empty AVP list is dropped too (``avp_store`` makes
        one again): one GC-tracked object fewer per waiting transaction. Not when a
        ``post_request_hook`` keeps the context (its AVPs are the transaction's)."""
        msg = ctx.msg
        deferred = self._deferred
        if deferred is not None and deferred[0] is msg:
            # nothing changed the request since its transaction was created: the
            # transaction keeps the message itself as its copy (nothing else holds it now)
            _, deferred_txn, branches, engine = deferred
            self._deferred = None
            engine.snapshot_hook = None
            if deferred_txn.request is msg:
                msg.new_uri = None
                msg.dst_uri = None
                if branches:
                    msg.branches = branches
        b = self.bindings.pop(id(msg), None)
        if b is not None and b.msg is msg:
            txn = b.txn
            keep = getattr(txn.request, "keep", None)
            if keep is not None:
                keep()
            avps = txn.avps
            if (type(avps) is AvpStore and not avps._lists  # noqa: SLF001
                    and getattr(ctx.engine, "post_request_hook", None) is None):
                txn.avps = None

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
        return self._newtran(ctx, adapter.method(ctx.msg))[0]

    def _newtran(self, ctx: Any, method: str) -> tuple[int, Transaction | None]:
        """``newtran`` for a message known to have no transaction yet (``method``: its
        ``adapter.method``): its code and the transaction it created (None when none)."""
        msg = ctx.msg
        via = msg.via1()  # adapter.top_via, without its frame
        if via is None:
            via = adapter.top_via(msg)
            branch = via.branch or ""
            port = via.port_text
        else:
            # ``via.branch`` (``Via.param("branch")``) without its two frames; the port
            # as written (``Via.port_text``, a property, returns ``port``)
            branch = ""
            for name, value in via.params:
                if name == "branch" or name.lower() == "branch":
                    branch = value or ""
                    break
            port = via.port
        is_ack = method == "ACK"
        key = (branch, "INVITE" if is_ack else method)
        old = self.by_uas.get(key)
        if old is not None and not old.deleted:
            if not is_ack and old.last_reply:
                self._send_upstream(old, old.last_reply)
            if is_ack and not old.uas_status >= 300:
                return 1, None  # ACK to a 2xx: a new (stateless) request, not ours
            return 0, None
        if is_ack:
            return 1, None  # ACKs never create a transaction
        return 1, self._create(ctx, via.host, port, method, key)

    def create(self, ctx: Any) -> Transaction:
        """Build and register a transaction for ``ctx.msg``; AVPs move into it."""
        msg = ctx.msg
        via = adapter.top_via(msg)
        method = adapter.method(msg)
        return self._create(ctx, via.host, via.port_text, method,
                            (via.branch or "", "INVITE" if method == "ACK" else method))

    def _create(self, ctx: Any, host: str, port_text: str, method: str,
                key: tuple[str, str]) -> Transaction:
        """``create`` with the top Via's host and port text, the method and the ``by_uas``
        key already known.

        The transaction stores a copy of the request as it is now, without $ru and $du.
        For the request the spine's Engine is receiving, that copy is deferred: the
        transaction holds the message itself, and tm copies it only if something may
        change it before the request route ends (``Engine.snapshot_hook``); otherwise it
        keeps the message at ``release`` (most scripts end with ``t_relay(); exit;``)."""
        engine = ctx.engine
        msg = ctx.msg
        if self._deferred is not None:  # a request whose route never reached release
            self._take_snapshot()
        spine = engine is self._spine_engine or self._check_spine(engine)
        if (spine and engine.receiving is msg and _DEFER_COPY
                and engine.post_request_hook is None and engine.tracer is None):
            stored = msg
        else:
            stored = msg.copy()  # adapter.copy_message, then neither $ru nor $du
            stored.new_uri = None
            stored.dst_uri = None
        callid = msg._value("call-id") or ""  # msg.header("call-id"): a key already
        flags = getattr(ctx, "flags", None)
        fr_timeout, fr_inv_timeout, local = self._facts(engine)
        txn = new_transaction(
            next(self._ids),
            zlib.crc32((callid + msg.cseq_num).encode("latin-1")) & 0xFFFF,
            next(self._labels),
            method,
            key[0],
            msg.src,  # adapter.source
            stored,
            getattr(ctx, "avps", None),
            set(flags) if flags else _NO_FLAGS,
            # to_tag stays None: reply_tag() computes it from tag_listen / tag_via
            engine.clock.now() if spine else adapter.now(engine),
            fr_timeout,
            fr_inv_timeout,
            key,
            local,
            # key[0] is the branch or "": the same To-tag seed as a missing branch
            (host, port_text, key[0]),
        )
        self.by_uas[key] = txn
        self.bindings[id(msg)] = _new_tuple(Binding, (msg, txn, None, None))
        if stored is msg:
            # tm consumes the appended branches while relaying; the copy keeps them
            branches = msg.branches
            self._deferred = (msg, txn, list(branches) if branches else None, engine)
            engine.snapshot_hook = self._snapshot_cb
        if self.pending_arms:
            self._apply_pending_arms(ctx, txn)
        self._inc(engine, "UAS_transactions", "inuse_transactions")
        return txn

    # ------------------------------------------------------------------ deferred copy

    def _snapshot_hook(self, ctx: Any) -> None:
        """``Engine.snapshot_hook``: something may change ``ctx.msg``; when it is the
        request whose stored copy is deferred, take the copy now."""
        deferred = self._deferred
        if deferred is None:
            ctx.engine.snapshot_hook = None
        elif ctx.msg is deferred[0]:
            self._take_snapshot()

    def _take_snapshot(self) -> None:
        """Give the deferred transaction its own copy of the request, equal to the one
        ``_create`` would have made (the appended branches as they were then)."""
        deferred = self._deferred
        self._deferred = None
        if deferred is None:
            return
        msg, txn, branches, engine = deferred
        engine.snapshot_hook = None
        stored = msg.copy()
        stored.new_uri = None
        stored.dst_uri = None
        if branches:
            stored.branches = [_copy.deepcopy(b) for b in branches]
        if txn.request is msg:
            txn.request = stored

    # ------------------------------------------------------------------ engine answers
    # what every transaction asks the engine, answered without the adapter's generic
    # probing when the engine is the spine's Engine (duck-typed engines keep the adapter)

    def _check_spine(self, engine: Any) -> bool:
        """Is ``engine`` the spine's ``Engine`` (known attributes, known memo rules)? The
        answer is kept (``_spine_engine``), so hot paths test ``engine is
        self._spine_engine`` first."""
        if engine is self._spine_engine:
            return True
        if engine is self._not_spine:
            return False
        from osipsc.runtime.engine import Engine

        if isinstance(engine, Engine) and type(engine).modparam is Engine.modparam:
            self._spine_engine = engine
            return True
        self._not_spine = engine
        return False

    def _timeouts(self, engine: Any) -> tuple[int, int]:
        """(fr_timeout, fr_inv_timeout) modparams, read through the adapter (``_facts``
        remembers them for the spine's Engine)."""
        return (int(adapter.modparam(engine, "tm", "fr_timeout", 30)),
                int(adapter.modparam(engine, "tm", "fr_inv_timeout", 120)))

    def _facts(self, engine: Any) -> tuple[int, int, tuple[str, int]]:
        """``(*self._timeouts(engine), self._local(engine))`` in one call (every new
        transaction asks). The spine's answer is remembered while ``engine.modparams`` and
        the script's list stay the same lists of the same length (the rule
        ``Engine.modparam``'s own memo follows) and ``engine.listen`` stays the same."""
        memo = self._facts_memo
        if memo is not None and memo[0] is engine:
            params, script_params = engine.modparams, engine.script.modparams
            if memo[1] is params and memo[2] == len(params) and memo[3] is script_params \
                    and memo[4] == len(script_params) and memo[5] is engine.listen:
                return memo[6]  # type: ignore[no-any-return]
        value = (*self._timeouts(engine), self._local(engine))
        local = self._local_memo  # (set by ``_local`` just now when ``listen`` is a tuple)
        if local is not None and self._check_spine(engine):
            params, script_params = engine.modparams, engine.script.modparams
            self._facts_memo = (engine, params, len(params), script_params,
                                len(script_params), local[0], value)
        return value  # type: ignore[return-value]

    def _local(self, engine: Any) -> tuple[str, int]:
        """The first listening socket (``adapter.listen_address``), remembered per
        ``engine.listen`` value."""
        raw = getattr(engine, "listen", None)
        memo = self._local_memo
        if memo is not None and raw is not None and memo[0] is raw:
            return memo[1]
        addr = adapter.listen_address(engine)
        self._local_memo = (raw, addr) if isinstance(raw, tuple) else None
        return addr

    def _stat(self, engine: Any, name: str, delta: int = 1, also: str | None = None) -> None:
        """``adapter.stat_update`` straight to the registry on the spine's Engine: the
        ``Stat`` objects are fetched once per registry (``StatsRegistry.counter``) and
        bumped here, as ``StatsRegistry.inc`` does. ``also``: a second statistic bumped by
        the same delta (a new transaction counts two: one call instead of two)."""
        if engine is self._spine_engine and engine is not None:
            stats = engine._states.get("statistics")  # noqa: SLF001 - see adapter
            if stats is not None:
                if stats is not self._counter_reg:
                    if type(stats) is not StatsRegistry:
                        stats.inc("tm", name, delta)
                        if also is not None:
                            stats.inc("tm", also, delta)
                        return
                    self._counter_reg = stats
                    self._counters = {}
                counters = self._counters
                while True:
                    stat = counters.get(name)
                    if stat is None:
                        stat = stats.counter("tm", name)
                        if stat is not None:
                            counters[name] = stat
                    # None: not registered (inc ignores it too)
                    if stat is not None and stat.func is None:
                        stat.value = (stat.value + delta) % ULONG
                    if also is None:
                        return
                    name, also = also, None
        adapter.stat_update(engine, name, delta)
        if also is not None:
            adapter.stat_update(engine, also, delta)

    def _inc(self, engine: Any, name: str, also: str | None = None) -> None:
        """``_stat(engine, name, 1, also)`` for statistics ``_stat`` has looked up before
        in the current registry (every message bumps two to four): about half its
        bytecodes. ``_counters`` only ever holds the statistics of ``_counter_reg``,
        filled by ``_stat`` for the spine's Engine; anything else takes ``_stat``."""
        if engine is self._spine_engine:
            counters = self._counters
            stat = counters.get(name)
            if stat is not None and engine._states.get("statistics") is self._counter_reg:  # noqa: SLF001
                if stat.func is None:
                    stat.value = (stat.value + 1) % ULONG
                if also is None:
                    return
                name, also = also, None
                stat = counters.get(name)
                if stat is not None:
                    if stat.func is None:
                        stat.value = (stat.value + 1) % ULONG
                    return
        self._stat(engine, name, 1, also)

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
        if self._deferred is not None:  # the route suspends: no release to keep it at
            self._take_snapshot()
        txn.resume_request = adapter.copy_message(ctx.msg)
        txn.flags = set(getattr(ctx, "flags", set()) or set())
        return txn

    # ------------------------------------------------------------------ replies upstream

    def _send_upstream(self, txn: Transaction, data: bytes | str) -> None:
        if type(data) is str:
            data = data.encode("latin-1")
        self.engine_of(txn).send(data, txn.source, adapter.proto(txn.request))

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
                    headers: list[str] | None = None, body: str = "",
                    request: Any = None) -> int:
        """Send a reply generated by tm itself (t_reply, 100 Trying, 408 on timeout).

        ``request``: what to build it from when not ``txn.request`` (an equal message)."""
        if txn.uac_done is not None:
            return self._uac_outcome(txn, code, reason, None)
        if txn.uas_status >= 200:  # replied_final
            adapter.log(self.engine, 3, f"ERROR:tm:t_should_relay_response: failed to "
                                         f"generate {code} reply when a final "
                                         f"{txn.uas_status} was sent out")
            return -1
        # adapter.build_reply without the str round trip: the datagram is sent as built
        # (positional: build_reply(msg, code, reason, extra_headers, to_tag, body))
        data = sip_build_reply(txn.request if request is None else request, code, reason,
                               headers or [], txn.reply_tag() if code > 100 else None,
                               body or "")

        txn.uas_status = code
        txn.local_replied = True
        txn.last_reply = data  # what a retransmitted request gets again
        if code >= 200:
            self._finish(txn, code)
        engine = self.engine
        self._inc(engine, "local_replies")
        engine.send(data, txn.source, txn.request.proto or "udp")  # _send_upstream
        if txn.observers:
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
        engine = self.engine
        self._inc(engine, f"{code // 100}xx_transactions")
        self._stat(engine, "inuse_transactions", -1)
        if engine is not None and hasattr(getattr(engine, "clock", None), "call_later"):
            engine.clock.call_later(WAIT_TIMEOUT, partial(self._delete, txn))

    def _delete(self, txn: Transaction) -> None:
        txn.deleted = True
        for b in txn.branches:
            adapter.cancel_timer(b.timer)
            b.timer = None  # the handle's partial refers back to txn: free it by refcount
            b.txn = None  # the branch as its own timer handle: the same cycle
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
            if b.cancel_sent:
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
        b.cancel_sent = True
        b.cancel_reason = None
        adapter.send(self.engine, text, (b.dst[0], b.dst[1]), b.dst[2])

    # ------------------------------------------------------------------ relay

    def relay(self, ctx: Any, proxy: str | None = None, flags: set[str] | None = None) -> int:
        """t_relay: create the transaction if needed and send one branch per destination."""
        if self.engine is None:
            self.engine = ctx.engine
        msg = ctx.msg
        b = self.bindings.get(id(msg))  # self.current(ctx)
        txn = b.txn if b is not None and b.msg is msg else None
        method = msg.method_name  # adapter.method
        created = txn is None
        if txn is None:
            r, txn = self._newtran(ctx, method)
            if r == 0:
                return 1  # retransmission absorbed: w_t_relay turns t_relay_to's 0 into 1
            if txn is None:  # an ACK: forwarded statelessly
                return self._forward_ack(ctx, proxy)
            if txn.method == "INVITE" and not (flags and "no-100-trying" in flags):
                # built from the received message, which the stored copy was just made
                # from (same text, header records, Via and source): its header records
                # are then built once, for this reply and the forwarded copy
                self.local_reply(txn, 100, AUTO_INV_100_REASON, None, "", msg)
        if method == "CANCEL":
            invite = self.by_uas.get((adapter.top_via(msg).branch or "", "INVITE"))
            if invite is not None and not invite.deleted:
                self.cancel_invite(txn, invite)
                return 1
        if txn.cancelled:
            if not txn.branches:
                self.local_reply(txn, 487, "Request Terminated", [])
            return -1
        if txn.uas_status >= 200 and txn.method != "INVITE":  # replied_final, not is_invite
            return -1
        # t_forward_nonack: the transaction takes the message flags before the branches
        # are built and again after (branch routes may change them)
        # (a transaction created just now already holds a copy of them, and without a
        # branch route nothing can change them while the branches are built)
        if not created:
            txn.flags = set(ctx.flags)
        on_branch = txn.on_branch
        # a transaction made just now holds the listening socket (``_create``: _local)
        sent = self.forward_branches(ctx, txn, proxy, txn.tag_listen if created else None)
        if on_branch or txn.on_branch:
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

    def forward_branches(self, ctx: Any, txn: Transaction, proxy: str | None,
                         local: tuple[str, int] | None = None) -> int:
        """Send the main branch ($ru/$du) and the appended ones; run branch_route per branch.

        The branch route sees a copy of the request with the branch's R-URI/$du (its header
        edits stay with that branch) but shares the message flags, which it may change for
        the request itself. ``on_branch`` stays armed for later relays (t_fwd.c).
        ``local``: ``self._local(engine)`` when the caller has it."""
        engine = ctx.engine
        if local is None:
            local = self._local(engine)
        msg = ctx.msg
        # the main branch ($ru, $du: adapter.get_ruri / get_du), then the appended ones
        # (adapter.msg_branches), which tm consumes (adapter.clear_msg_branches)
        main = (msg.current_ruri, msg.dst_uri or None)
        appended = msg.branches
        if appended:
            targets: Any = [main, *[(b.uri, b.dst_uri) for b in appended]]
            appended.clear()
        else:
            targets = (main,)
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
                via_branch = _BRANCH_ID % (txn.hash_index, txn.label, index)
                # our Via line, from the text before the branch id the builder would
                # make from ``local`` and the protocol, remembered for the last pair
                via = self._via_memo
                if via[0] is not local or via[1] != dst[2]:
                    via = self._via_memo = (local, dst[2], _via_head(local, dst[2]))
                # build_forward's text, encoded here (one call less per branch)
                data = sip_build_forward_text(msg, None, local, via_branch, dst[2], uri,
                                              None, f"{via[2]}{via_branch}\r\n"
                                              ).encode("latin-1")
                self._add_branch(engine, txn, new_branch(index, uri, dst, via_branch, data))
                sent += 1
                continue
            if self._deferred is not None:  # a branch route may read the stored copy
                self._take_snapshot()
            bmsg = adapter.copy_message(msg)
            adapter.set_ruri(bmsg, uri)
            adapter.set_du(bmsg, du)
            if on_branch:
                bctx = adapter.new_context(engine, bmsg, "BRANCH", txn.avp_store(),
                                           ctx.flags)
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
            via_branch = _BRANCH_ID % (txn.hash_index, txn.label, index)
            dst = self._destination(bmsg, proxy)
            data = sip_build_forward(bmsg, (dst[0], dst[1]), local=local,
                                     branch=via_branch, proto=dst[2])
            self._add_branch(engine, txn, Branch(index, adapter.get_ruri(bmsg), dst,
                                                 via_branch, data, on_reply=on_reply))
            sent += 1
        return sent

    def _add_branch(self, engine: Any, txn: Transaction, branch: Branch) -> None:
        """Register a built branch, send it and arm its fr timer."""
        txn.branches.append(branch)
        self.by_uac[branch.via_branch] = txn
        dst = branch.dst
        engine.send(branch.request_data, (dst[0], dst[1]), dst[2])
        self._inc(engine, "UAC_transactions")
        schedule = getattr(getattr(self.engine, "clock", None), "schedule", None)
        if schedule is not None and branch.manager is None:  # _arm_fr's first arm, inline
            branch.manager, branch.txn = self, txn
            branch.timer = schedule(branch, txn.fr_timeout)
        else:
            self._arm_fr(txn, branch, txn.fr_timeout)

    _branch_on_reply: str | None = None

    def arm_branch_on_reply(self, name: str) -> None:
        """t_on_reply inside a branch_route arms the reply route of that branch only."""
        self._branch_on_reply = name

    # ------------------------------------------------------------------ timers

    def _arm_fr(self, txn: Transaction, branch: Branch, seconds: int) -> None:
        if branch.timer is not None:
            adapter.cancel_timer(branch.timer)
        clock = getattr(self.engine, "clock", None)
        schedule = getattr(clock, "schedule", None)
        if schedule is not None:  # the Engine's clock: the handle carries its own call
            if branch.manager is None:  # first arm: the branch is the handle
                branch.manager, branch.txn = self, txn
                branch.timer = schedule(branch, seconds)
                return
            # re-armed (the branch's handle stays disarmed in its bucket)
            timer = _new_object(FrTimer)
            timer.manager, timer.txn, timer.branch = self, txn, branch
            branch.timer = schedule(timer, seconds)
            return
        call_later = getattr(clock, "call_later", None)
        if call_later is not None:
            branch.timer = call_later(seconds, partial(self._fr_cb, txn, branch))

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
        key = via.branch or ""
        txn = self.by_uac.get(key)
        if txn is None:
            return False
        for branch in txn.branches:
            if branch.via_branch == key:
                break
        else:
            return False
        self._inc(engine, "received_replies")
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
        data = adapter.strip_top_via(adapter.msg_text(msg)).encode("latin-1")
        txn.uas_status = code
        txn.local_replied = False
        txn.last_reply = data
        self._inc(self.engine, "relayed_replies")
        self._send_upstream(txn, data)
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
        fctx = adapter.new_context(engine, fmsg, "FAILURE", txn.avp_store(), set(txn.flags))
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
