"""sl: stateless replies (``sl_send_reply``, ``sl_reply_error``).

sl keeps no state: every call sends (two final replies for one request are both sent,
reply-sl-codes); ACKs are never answered; replies >= 180 get sl's To-tag when the request
has none; 3xx replies carry the destination set as a Contact header (``print_dset``).
The reply goes back to the source address of the request.
"""

from __future__ import annotations

from typing import Any

from osipsc.runtime.sip.build import build_reply
from osipsc.runtime.sip.nameaddr import tag_param
from osipsc.runtime.stats import ULONG, StatsRegistry

from ._sipmsg import count_stat, send
from .registry import export


def _dset_contact(msg: Any) -> str | None:
    """dset.c ``print_dset``: the rewritten R-URI (only when it was rewritten) then every
    branch, each ``<uri>`` with ``;q=`` when a q value is set."""
    from osipsc.runtime.pvars_sip import q_to_str

    items = []
    if msg.new_uri is not None:
        items.append((msg.new_uri, msg.ruri_q))
    items.extend((b.uri, b.q) for b in msg.branches)
    if not items:
        return None
    return "Contact: " + ", ".join(
        f"<{u}>" + (f";q={q_to_str(q)}" if q is not None and q >= 0 else "")
        for u, q in items) + "\r\n"


def _has_to_tag(msg: Any) -> bool:
    """``bool(msg.to_tag)`` (``tag_param``'s shortcuts: a To without a value-carrying
    parameter is not scanned)."""
    return bool(tag_param(msg._value("to")))  # (``header("to")`` without its key lookup)


def send_stateless_reply(ctx: Any, code: int, reason: str) -> int:
    """What ``sl_send_reply_helper`` does; shared with signaling's ``send_reply``."""
    msg = ctx.msg
    if msg is None or not msg.is_request:
        return -1
    method = msg.method
    if len(method) == 3 and method.upper() == "ACK":  # (no upper() of other methods)
        return 1
    if 300 <= code < 400:
        contact = _dset_contact(msg)
        if contact:
            msg.reply_lumps.headers.append(contact)
    data = build_reply(msg, code, reason, sl_tag=code >= 180 and not _has_to_tag(msg))
    if not send(ctx, data, msg.src, msg.proto):
        return -1
    _count_reply(ctx.engine, _CLASS_STATS[code // 100 if 100 <= code < 700
                                          else min(max(code // 100, 1), 6)])
    return 1


#: reply class -> its statistic (index 1..6), spelt once instead of per reply
_CLASS_STATS = ("", "1xx_replies", "2xx_replies", "3xx_replies", "4xx_replies",
                "5xx_replies", "6xx_replies")

#: [the registry, {class statistic: (its Stat, sent_replies' Stat)}] of the last engine
_COUNTERS: list[Any] = [None, {}]


def _count_reply(engine: Any, klass: str) -> None:
    """Count a sent reply: ``sl:<class>`` and ``sl:sent_replies``. On the spine's engine
    the two ``Stat`` objects are fetched once per registry (``StatsRegistry.counter``)
    and bumped as ``StatsRegistry.inc`` does; anything else goes through ``inc``."""
    try:  # (the ``stats`` property, minus 2 frames)
        states = engine._states
    except AttributeError:
        states = None
    stats = states.get("statistics") if type(states) is dict else None
    if type(stats) is StatsRegistry:
        memo = _COUNTERS
        if memo[0] is not stats:
            memo[0], memo[1] = stats, {}
        pair = memo[1].get(klass)
        if pair is None:
            pair = (stats.counter("sl", klass), stats.counter("sl", "sent_replies"))
            if None in pair:  # not registered (yet): ``inc`` ignores it, or finds it later
                stats.inc("sl", klass, 1)
                stats.inc("sl", "sent_replies", 1)
                return
            memo[1][klass] = pair
        for stat in pair:
            if stat.func is None:
                stat.value = (stat.value + 1) % ULONG
        return
    try:
        inc = engine.stats.inc
    except AttributeError:
        return
    if callable(inc):
        inc("sl", klass, 1)
        inc("sl", "sent_replies", 1)


@export("sl_send_reply", module="sl")
def sl_send_reply(ctx: Any, code: int, reason: str) -> int:
    return send_stateless_reply(ctx, code, reason)


@export("sl_reply_error", module="sl")
def sl_reply_error(ctx: Any) -> int:
    # no core error recorded by the emulation: OpenSIPS's default branch of err2reason
    result = send_stateless_reply(ctx, 500, "Server error occurred (1/SL)")
    if result > 0:
        count_stat(ctx, "sl", "sent_err_replies")
    return result
