"""Core functions that work on the message: forwarding, R-URI / dst URI rewriting,
branches, rport and ``is_myself``.

``forward()`` is stateless: it sends the request with its lumps applied and a new Via to
``dest`` ("[proto:]host[:port]"), else to ``$du``, else to the R-URI; ``$du`` is left alone
and each call builds a fresh Via branch (fwd-stateless sends two different copies).
Max-Forwards is never touched by forward().
"""

from __future__ import annotations

import ipaddress
from typing import Any

from osipsc.runtime.sip.build import build_forward, make_branch
from osipsc.runtime.sip.message import Branch
from osipsc.runtime.sip.uri import SipUri, UriError

from ._sipmsg import count_stat, local_sockets, send
from .registry import export

PROTOS = ("udp", "tcp", "tls", "sctp", "ws", "wss")


def parse_destination(text: str) -> tuple[str, str, int] | None:
    """``[proto:]host[:port]`` or a SIP URI → (proto, host, port); None when malformed."""
    text = text.strip()
    if text.lower().startswith(("sip:", "sips:")):
        try:
            uri = SipUri.parse(text)
        except UriError:
            return None
        return (uri.transport or ("tls" if uri.scheme.lower() == "sips" else "udp"),
                uri.bare_host, uri.port_no)
    proto = "udp"
    head, sep, rest = text.partition(":")
    if sep and head.lower() in PROTOS:
        proto, text = head.lower(), rest
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            return None
        host, rest = text[1:end], text[end + 1:]
        port_text = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port_text = text.partition(":")
    if port_text and not port_text.isdigit():
        return None
    if not host:
        return None
    return proto, host, int(port_text) if port_text else 5060


def _next_hop(msg: Any, dest: str | None) -> tuple[str, str, int] | None:
    if dest:
        return parse_destination(dest)
    if msg.dst_uri:
        return parse_destination(msg.dst_uri)
    return parse_destination(msg.current_ruri)


@export("forward", module="core")
def forward(ctx: Any, dest: str | None = None) -> int:
    msg = ctx.msg
    if msg is None or not msg.is_request:
        return -1
    hop = _next_hop(msg, dest)
    if hop is None:
        return -1
    proto, host, port = hop
    count = msg.module_data.get("fwd_count", 0)
    msg.module_data["fwd_count"] = count + 1
    local = (msg.dst[0], msg.dst[1]) if msg.dst[1] else local_sockets(ctx)[0][1:]
    data = build_forward(msg, (host, port), local=local, branch=make_branch(msg, count),
                         proto=proto)
    if not send(ctx, data, (host, port), proto):
        return -1
    count_stat(ctx, "core", "fwd_requests")
    return 1


@export("send", module="core")
def send_msg(ctx: Any, dest: str, headers: str | None = None) -> int:
    """Send the received message unchanged (no lumps, no Via), ``headers`` after line 1."""
    msg = ctx.msg
    hop = parse_destination(dest)
    if msg is None or hop is None:
        return -1
    text = msg.text
    if headers:
        nl = text.find("\n") + 1
        text = text[:nl] + headers + text[nl:]
    return 1 if send(ctx, text.encode("latin-1"), (hop[1], hop[2]), hop[0]) else -1


# --------------------------------------------------------------------- R-URI rewriting


def _ruri(ctx: Any) -> SipUri | None:
    try:
        return SipUri.parse(ctx.msg.current_ruri)
    except UriError:
        return None


def _rewrite(ctx: Any, **changes: Any) -> int:
    uri = _ruri(ctx)
    if uri is None:
        return -1
    ctx.msg.new_uri = str(uri.with_(**changes))
    return 1


@export("seturi", module="core")
def seturi(ctx: Any, uri: str) -> int:
    try:
        SipUri.parse(uri)
    except UriError:
        return -1
    ctx.msg.new_uri = uri
    return 1


@export("sethost", module="core")
def sethost(ctx: Any, host: str) -> int:
    return _rewrite(ctx, host=host)


@export("sethostport", module="core")
def sethostport(ctx: Any, hostport: str) -> int:
    host, _, port = hostport.partition(":")
    return _rewrite(ctx, host=host, port=port)


@export("setuser", module="core")
def setuser(ctx: Any, user: str) -> int:
    return _rewrite(ctx, user=user)


@export("setuserpass", module="core")
def setuserpass(ctx: Any, userpass: str) -> int:
    user, sep, password = userpass.partition(":")
    return _rewrite(ctx, user=user, password=password if sep else None)


@export("setport", module="core")
def setport(ctx: Any, port: str) -> int:
    return _rewrite(ctx, port=str(port))


@export("prefix", module="core")
def prefix(ctx: Any, text: str) -> int:
    uri = _ruri(ctx)
    return -1 if uri is None else _rewrite(ctx, user=text + uri.user)


@export("strip", module="core")
def strip(ctx: Any, count: int) -> int:
    uri = _ruri(ctx)
    if uri is None or count < 0 or count > len(uri.user):
        return -1
    return _rewrite(ctx, user=uri.user[count:])


@export("strip_tail", module="core")
def strip_tail(ctx: Any, count: int) -> int:
    uri = _ruri(ctx)
    if uri is None or count < 0 or count > len(uri.user):
        return -1
    return _rewrite(ctx, user=uri.user[:len(uri.user) - count])


@export("revert_uri", module="core")
def revert_uri(ctx: Any) -> int:
    ctx.msg.new_uri = None
    return 1


# --------------------------------------------------------------------- destination URI


@export("setdsturi", module="core")
def setdsturi(ctx: Any, uri: str) -> int:
    ctx.msg.dst_uri = uri
    return 1


@export("resetdsturi", module="core")
def resetdsturi(ctx: Any) -> int:
    ctx.msg.dst_uri = None
    return 1


@export("isdsturiset", module="core")
def isdsturiset(ctx: Any) -> int:
    return 1 if ctx.msg.dst_uri else -1


# --------------------------------------------------------------------- branches


def _q(text: str | None) -> int | None:
    if text is None:
        return -1
    try:
        value = float(text)
    except ValueError:
        return None
    if not 0 <= value <= 1:
        return None
    return int(round(value * 1000))


@export("append_msg_branch", module="core")
def append_msg_branch(ctx: Any, uri: str, q: str | None = None,
                      flags: str | None = None) -> int:
    qv = _q(q)
    if qv is None:
        return -1
    try:
        SipUri.parse(uri)
    except UriError:
        return -1
    branch = Branch(uri, qv)
    if flags:
        branch.flags.update(f.strip() for f in flags.split(",") if f.strip())
    ctx.msg.branches.append(branch)
    return 1


@export("append_branch_old", module="core")
def append_branch_old(ctx: Any, uri: str | None = None, q: str | None = None) -> int:
    msg = ctx.msg
    qv = _q(q)
    if qv is None:
        return -1
    if uri is None:
        msg.branches.append(Branch(msg.current_ruri, qv if q else msg.ruri_q,
                                   dst_uri=msg.dst_uri))
        return 1
    msg.branches.append(Branch(uri, qv))
    return 1


@export("remove_msg_branch", module="core")
def remove_msg_branch(ctx: Any, index: int) -> int:
    branches = ctx.msg.branches
    if index < 0:
        index += len(branches)
    if not 0 <= index < len(branches):
        return -1
    del branches[index]
    return 1


# --------------------------------------------------------------------- Via / rport


@export("force_rport", module="core")
def force_rport(ctx: Any) -> int:
    ctx.msg.force_rport = True
    return 1


@export("add_local_rport", module="core")
def add_local_rport(ctx: Any) -> int:
    ctx.msg.module_data["local_rport"] = True
    return 1


# --------------------------------------------------------------------- is_myself


def _same_host(a: str, b: str) -> bool:
    a, b = a.strip("[]").lower(), b.strip("[]").lower()
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return a == b


@export("is_myself", module="core")
def is_myself(ctx: Any, host: str, port: int | None = None) -> int:
    """1 when host[:port] is one of our listening sockets (port 0/omitted = any port).

    Aliases (``alias=``) come from ``engine.aliases`` when the engine provides them.
    """
    names = [(h, p) for _proto, h, p in local_sockets(ctx)]
    aliases = getattr(getattr(ctx, "engine", None), "aliases", None) or []
    for alias in aliases:
        parsed = parse_destination(str(alias))
        if parsed is not None:
            names.append((parsed[1], parsed[2] if ":" in str(alias).split("]")[-1] else 0))
    for h, p in names:
        if _same_host(h, host) and (not port or not p or p == port):
            return 1
    return -1
