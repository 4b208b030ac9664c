"""Helpers shared by the message function modules (sl, textops, sipmsgops, rr, core_msg).

Kept private (leading underscore) so ``_load_all`` does not treat it as a module of
functions.
"""

from __future__ import annotations

import re
from typing import Any

from osipsc.runtime.regex import compile_posix


def script_regex(pattern: Any) -> re.Pattern[str]:
    """A regex parameter as OpenSIPS's ``fixup_regexp`` compiles it.

    ``re`` params normally arrive compiled by the call adapter; a plain string (dynamic or
    user-called) gets ``REG_EXTENDED|REG_ICASE|REG_NEWLINE`` like ``mod_fix.c``.
    """
    if isinstance(pattern, re.Pattern):
        return pattern
    return compile_posix(str(pattern), icase=True, newline=True)


def send(ctx: Any, data: bytes, dst: tuple[str, int], proto: str = "udp") -> bool:
    """Put a datagram on the (recorded) wire; False when the engine refuses it."""
    try:  # (every reply and forward: no getattr call)
        engine = ctx.engine
    except AttributeError:
        return False
    if engine is None:
        return False
    return engine.send(data, dst, proto) is not False


def headers_start(msg: Any) -> int:
    """Offset of the first header (textops' ``get_header``: after the first line)."""
    nl = msg.text.find("\n")
    return nl + 1 if nl >= 0 else len(msg.text)


#: the last ``engine.sockets`` converted by ``local_sockets``: (the list, a snapshot of its
#: items, the converted list); rr asks on every loose_route/record_route
_SOCKETS_MEMO: list[Any] = [None, (), []]


def local_sockets(ctx: Any) -> list[tuple[str, str, int]]:
    """The listening sockets ``(proto, host, port)``; the receiving one when unknown.

    Callers only read the list (it may be a memo shared between calls)."""
    engine = getattr(ctx, "engine", None)
    sockets = getattr(engine, "sockets", None)
    if sockets:
        memo = _SOCKETS_MEMO
        # the same list with the same (tuple, so unchanged) items: the converted one
        if sockets is memo[0] and memo[1] == tuple(sockets):
            return memo[2]
        out: list[tuple[str, str, int]] = []
        plain = True
        for sock in sockets:
            if isinstance(sock, tuple) and len(sock) == 3:
                if type(sock) is not tuple:
                    plain = False
                out.append((str(sock[0]), str(sock[1]), int(sock[2])))
            else:
                plain = False  # an object's attributes may change unseen: not kept
                out.append((str(getattr(sock, "proto", "udp")), str(getattr(sock, "host", "")),
                            int(getattr(sock, "port", 5060))))
        if plain:
            memo[0], memo[1], memo[2] = sockets, tuple(sockets), out
        return out
    msg = getattr(ctx, "msg", None)
    if msg is not None and msg.dst[1]:
        return [(msg.proto, msg.dst[0], msg.dst[1])]
    return [("udp", "127.0.0.1", 5060)]


def count_stat(ctx: Any, group: str, name: str, n: int = 1) -> None:
    """Bump a built-in statistic (``core:fwd_requests``, ``sl:sent_replies`` ...)."""
    # every reply and forward counts: one attribute walk, no getattr defaults
    try:
        inc = ctx.engine.stats.inc
    except AttributeError:
        return
    if callable(inc):
        inc(group, name, n)
