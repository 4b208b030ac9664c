"""Locally originated requests (tm's ``t_uac_dlg`` / ``t_request``): tm builds the request,
sends it as the only branch of a new client transaction with the usual fr timers, and
reports the final outcome (a reply, or a local 408) to a callback instead of upstream."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from . import adapter
from .manager import TransactionManager
from .transaction import Branch, Transaction

_counter = itertools.count(1)


def _has(headers: str, *names: str) -> bool:
    for line in headers.split("\r\n"):
        name = line.partition(":")[0].strip().lower()
        if name in names:
            return True
    return False


def build_uac_request(method: str, ruri: str, headers: str, body: str, via: str,
                      seq: int) -> str:
    """The request text: request line, our Via, the given headers (From gets a tag and
    Call-ID / CSeq are generated when missing, as uac.c does), Content-Length, body."""
    lines = [f"{method} {ruri} SIP/2.0", via]
    for line in headers.split("\r\n"):
        if not line:
            continue
        name = line.partition(":")[0].strip().lower()
        if name in ("from", "f") and ";tag=" not in line.lower():
            line = f"{line};tag=osipsc-uac-{seq}"
        if name not in ("content-length", "l"):
            lines.append(line)
    if not _has(headers, "call-id", "i"):
        lines.append(f"Call-ID: osipsc-uac-{seq}@127.0.0.1")
    if not _has(headers, "cseq"):
        lines.append(f"CSeq: 1 {method}")
    if not _has(headers, "max-forwards"):
        lines.append("Max-Forwards: 70")
    return "\r\n".join(lines) + f"\r\nContent-Length: {len(body)}\r\n\r\n{body}"


def uac_request(mgr: TransactionManager, engine: Any, method: str, ruri: str, headers: str,
                body: str = "", next_hop: str | None = None,
                on_final: Callable[[int, str, Any], None] | None = None) -> Transaction:
    """Send ``method`` to ``ruri`` (or ``next_hop``) statefully; ``on_final(code, reason,
    reply_or_None)`` runs once with the final outcome."""
    from osipsc.runtime.sip.message import SipMessage

    if mgr.engine is None:
        mgr.engine = engine
    seq = next(_counter)
    via_branch = f"z9hG4bK{seq:x}.uac.0"
    host, port = adapter.listen_address(engine)
    dst = adapter.uri_destination(next_hop or ruri)
    via = f"Via: SIP/2.0/{dst[2].upper()} {host}:{port};branch={via_branch}"
    text = build_uac_request(method, ruri, headers, body, via, seq)
    msg = SipMessage.parse(text, src=(host, port))
    txn = Transaction(
        tid=seq, hash_index=seq & 0xFFFF, label=seq, method=method, uas_via_branch="",
        source=(host, port), request=msg, avps=None, flags=set(), to_tag="",
        created=adapter.now(engine),
        fr_timeout=int(adapter.modparam(engine, "tm", "fr_timeout", 30)),
        fr_inv_timeout=int(adapter.modparam(engine, "tm", "fr_inv_timeout", 120)),
        uac_done=on_final or (lambda code, reason, reply: None))
    data = text.encode("latin-1")
    branch = Branch(0, ruri, dst, via_branch, data)
    txn.branches.append(branch)
    mgr.by_uac[via_branch] = txn
    engine.send(data, (dst[0], dst[1]), dst[2])
    adapter.stat_update(engine, "UAC_transactions")
    mgr._arm_fr(txn, branch, txn.fr_timeout)  # noqa: SLF001 - same package
    return txn
