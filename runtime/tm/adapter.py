"""ADAPTER: every place where tm/dialog/usrloc touch another room's API, in one file.

The engine (SPINE room) and the SIP message / builder (SIP room) were being written at the
same time as tm. Everything tm needs from them goes through the functions below, each coded
against the contract of ``docs/internals.md`` first and falling back to a small local
implementation when the real API is not there (or has another name). When the real APIs
settle, only this file changes. The hooks are listed in ``runtime/tm/__init__.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# --------------------------------------------------------------------------- engine side


def engine_state(engine: Any, name: str, factory: Callable[[Any], Any]) -> Any:
    """Per-engine module state: ``engine.state(name)`` if it can build ours, else a slot."""
    register = getattr(engine, "register_state_factory", None)
    if callable(register):
        try:
            register(name, factory)
        except Exception:  # already registered: fine
            pass
    state = getattr(engine, "state", None)
    if callable(state):
        try:
            value = state(name)
        except Exception:
            value = None
        # the engine answers an unknown name with a plain {}: not ours, keep looking
        if value is not None and type(value) is not dict:
            return value
    slot = f"_osipsc_state_{name}"
    value = getattr(engine, slot, None)
    if value is None:
        value = factory(engine)
        setattr(engine, slot, value)
    return value


def listen_address(engine: Any) -> tuple[str, int]:
    """The first listening socket (``socket = udp:127.0.0.1:5060``)."""
    for attr in ("listen", "socket", "first_socket", "local_address"):
        value = getattr(engine, attr, None)
        if isinstance(value, tuple) and len(value) >= 2:
            return str(value[0]), int(value[1])
        for sub in ("host", "address"):
            host = getattr(value, sub, None)
            if host:
                return str(host), int(getattr(value, "port", 5060))
    return "127.0.0.1", 5060


def stat_update(engine: Any, name: str, delta: int = 1) -> None:
    """Bump a tm statistic (``tm:<name>``) in the MI room's statistics registry."""
    if engine is None:
        return
    states = getattr(engine, "_states", None)
    stats = states.get("statistics") if type(states) is dict else None
    if stats is None:  # first use, or not the spine's Engine: the general path
        from osipsc.runtime.state_factories import get_state

        try:
            stats = get_state(engine, "statistics")
        except Exception:
            return
    stats.inc("tm", name, delta)


def now(engine: Any) -> float:
    """Virtual time in seconds (``engine.clock.now()``)."""
    clock = getattr(engine, "clock", None)
    if clock is not None and hasattr(clock, "now"):
        return float(clock.now())
    return 0.0


def call_later(engine: Any, delay: float, fn: Callable[[], None]) -> Any:
    """Arm a timer on the engine's virtual clock; returns a handle with ``cancel()``."""
    return engine.clock.call_later(delay, fn)


def cancel_timer(handle: Any) -> None:
    """Disarm a timer handle returned by ``call_later`` (tolerates None / no cancel)."""
    if handle is not None and hasattr(handle, "cancel"):
        handle.cancel()


def send(engine: Any, data: str, dst: tuple[str, int], proto: str = "udp") -> None:
    """Put a datagram on the (recorded) wire; text is latin-1 as everywhere."""
    engine.send(data.encode("latin-1"), dst, proto)


def log(engine: Any, level: int, text: str) -> None:
    """A non-xlog log record (never in the transcript)."""
    fn = getattr(engine, "log", None)
    if callable(fn):
        try:
            fn(level, text)
        except Exception:
            pass


def modparam(engine: Any, module: str, name: str, default: Any) -> Any:
    """The value of ``modparam(module, name, ...)`` from the loaded script, else default."""
    fn = getattr(engine, "modparam", None)
    if callable(fn):
        try:
            value = fn(module, name)
        except Exception:
            value = None
        if value is not None:
            return value
    script = getattr(engine, "script", None)
    entries = getattr(script, "modparams", None) or ()
    # the scan below runs for every unset parameter (registrar asks six per REGISTER):
    # remember its answer for this list (identity and length) of the script's modparams
    memo = _fallback_memo(engine)
    mkey = (id(entries), len(entries), module, name)
    found = memo.get(mkey, _UNSEEN) if memo is not None else _UNSEEN
    if found is _UNSEEN:
        found = _MISSING
        for entry in entries:
            mod, key, value = _modparam_triple(entry)
            if mod == module and key == name:
                found = value
                break
        if memo is not None:
            memo[mkey] = found
    return default if found is _MISSING else found


_UNSEEN = object()
_MISSING = object()


def _fallback_memo(engine: Any) -> dict[tuple[int, int, str, str], Any] | None:
    """A per-engine dict for ``modparam``'s script scan (None for engines without one)."""
    store = getattr(engine, "__dict__", None)
    if store is None:
        return None
    memo = store.get("_osipsc_modparam_fallback")
    if memo is None:
        memo = store["_osipsc_modparam_fallback"] = {}
    return memo


def _modparam_triple(entry: Any) -> tuple[Any, Any, Any]:
    if isinstance(entry, tuple | list) and len(entry) >= 3:
        return entry[0], entry[1], entry[2]
    return (getattr(entry, "module", None), getattr(entry, "name", None),
            getattr(entry, "value", None))


def route_type(name: str) -> Any:
    """The engine's ``RouteType`` member called ``name`` (the name itself if none yet)."""
    try:
        from osipsc.runtime.context import RouteType  # type: ignore[import-not-found]
    except Exception:
        return name
    return RouteType[name] if name in RouteType.__members__ else name


def route_type_name(ctx: Any) -> str:
    """``"REQUEST"``, ``"FAILURE"``, ... whatever the enum looks like."""
    rt = getattr(ctx, "route_type", "REQUEST")
    return str(getattr(rt, "name", rt)).upper()


def new_context(engine: Any, msg: Any, kind: str, avps: Any, flags: set[str]) -> Any:
    """A context for a tm-started top route (failure/branch/onreply/resume)."""
    return engine.new_context(msg, route_type(kind), avps, flags=flags)


def run_route(engine: Any, kind: str, name: str, ctx: Any) -> bool:
    """Run ``<kind>_route[name]`` on ``ctx``; True if the route ended with ``drop``."""
    result = engine.run_top_route(kind, name, ctx)
    return dropped(result, ctx)


def dropped(result: Any, ctx: Any) -> bool:
    """Did the route end with DROP? (the engine returns its control flags)."""
    if getattr(ctx, "dropped", False):
        return True
    if isinstance(result, str):
        return "DROP" in result.upper()
    if isinstance(result, set | frozenset | tuple | list):
        return any(str(getattr(f, "name", f)).upper() == "DROP" for f in result)
    for attr in ("drop", "dropped", "DROP"):
        value = getattr(result, attr, None)
        if isinstance(value, bool):
            return value
    try:
        from osipsc.runtime.context import Flags  # type: ignore[import-not-found]

        return bool(result & Flags.DROP)
    except Exception:
        return False


# --------------------------------------------------------------------------- message side
# The SIP room's SipMessage (runtime/sip/message.py) and builders (runtime/sip/build.py).


def msg_text(msg: Any) -> str:
    """The datagram a message was parsed from, as latin-1 text."""
    return msg.text


def method(msg: Any) -> str:
    """Request method; for a reply the CSeq method."""
    return msg.method_name


def reply_status(msg: Any) -> int:
    return int(msg.status or 0)


def get_ruri(msg: Any) -> str:
    """The current R-URI (``$ru``: rewritten or the received one)."""
    return msg.current_ruri


def set_ruri(msg: Any, uri: str | None) -> None:
    """Rewrite the R-URI of a (copied) message; None restores the received one."""
    msg.new_uri = uri


def get_du(msg: Any) -> str | None:
    """``$du`` of the message (None when unset)."""
    return msg.dst_uri or None


def set_du(msg: Any, uri: str | None) -> None:
    msg.dst_uri = uri


def copy_message(msg: Any) -> Any:
    """An independent copy (tm keeps one per transaction, routes run on copies)."""
    return msg.copy()


def source(msg: Any) -> tuple[str, int]:
    """Where the message came from (``$si``/``$sp``); replies go back there."""
    return msg.src


def proto(msg: Any) -> str:
    return msg.proto or "udp"


def msg_branches(msg: Any) -> list[tuple[str, str | None]]:
    """The additional branches (append_msg_branch): (uri, dst_uri) in order."""
    return [(b.uri, b.dst_uri) for b in msg.branches]


def clear_msg_branches(msg: Any) -> None:
    """tm consumes the branch set when it relays."""
    msg.branches.clear()


@dataclass
class Via:
    """The parts of the top Via tm needs (host, port text, branch)."""

    host: str
    port_text: str
    branch: str | None
    transport: str


def top_via(msg: Any) -> Any:
    """The first Via (host, port_text, branch, transport); an empty one when missing."""
    via = msg.via1()
    if via is None:
        return _NO_VIA
    # the SIP room's Via has every field tm reads (host, port_text, branch, transport):
    # hand it over as is instead of building an adapter record per call
    return via  # type: ignore[no-any-return]


_NO_VIA = Via("", "", None, "UDP")


def reply_lumps(ctx: Any) -> list[str]:
    """Header lines added with append_to_reply (each ending in CRLF)."""
    return list(ctx.msg.reply_lumps.headers)


def build_reply(req: Any, code: int, reason: str, to_tag: str | None,
                extra: list[str], body: str = "") -> str:
    """A reply to ``req`` in OpenSIPS's layout (sl and tm share it; only the To-tag and
    the reply lumps passed in differ)."""
    from osipsc.runtime.sip.build import build_reply as sip_build_reply

    data = sip_build_reply(req, code, reason, extra_headers=extra, to_tag=to_tag,
                           body=body or "")
    return data.decode("latin-1")


def build_forward(msg: Any, dst: tuple[str, int], local: tuple[str, int], branch: str,
                  proto_name: str, ruri: str | None = None) -> str:
    """The request tm sends on a branch: lumps applied, the current R-URI (or ``ruri``),
    our Via on top."""
    from osipsc.runtime.sip.build import build_forward as sip_build_forward

    data = sip_build_forward(msg, dst, local=local, branch=branch, proto=proto_name,
                             ruri=ruri)
    return data.decode("latin-1")


def strip_top_via(reply_text: str) -> str:
    """A received reply with our (top) Via value removed: what tm relays upstream."""
    head, sep, body = reply_text.partition("\r\n\r\n")
    lines = head.split("\r\n")
    out = [lines[0]]
    removed = False
    for line in lines[1:]:
        name = line.partition(":")[0].strip().lower()
        if not removed and name in ("via", "v"):
            value = line.partition(":")[2]
            if "," in value:
                out.append(f"{line.partition(':')[0]}:{value.split(',', 1)[1]}")
            removed = True
            continue
        out.append(line)
    return "\r\n".join(out) + sep + body


URI_RE = re.compile(r"^(sips?):(?:[^@;>]*@)?(\[[^\]]+\]|[^:;>?]+)(?::(\d+))?([^>?]*)", re.I)
PROTOS = ("udp", "tcp", "tls", "sctp", "ws", "wss")


_DESTINATIONS: dict[str, tuple[str, int, str]] = {}


def uri_destination(uri: str) -> tuple[str, int, str]:
    """(host, port, proto) a SIP URI or a ``proto:host:port`` proxy points to (no DNS).

    A pure function of the text asked for every branch (mostly the same few contacts):
    answers are remembered in a bounded table."""
    found = _DESTINATIONS.get(uri)
    if found is None:
        found = _uri_destination(uri)
        if len(_DESTINATIONS) >= 4096:
            _DESTINATIONS.clear()
        _DESTINATIONS[uri] = found
    return found


def _uri_destination(uri: str) -> tuple[str, int, str]:
    uri = uri.strip()
    if uri.startswith("<"):
        uri = uri[1:].split(">", 1)[0]
    if not uri.lower().startswith("sip"):
        head, _, rest = uri.partition(":")
        if head.lower() in PROTOS:
            proto_name = head.lower()
        else:
            proto_name, rest = "udp", uri
        host, _, port = rest.partition(":")
        return host, int(port or 5060), proto_name
    m = URI_RE.match(uri)
    if not m:
        return "", 5060, "udp"
    transport = re.search(r";transport=(\w+)", m.group(4) or "", re.I)
    default = 5061 if m.group(1).lower() == "sips" else 5060
    return (m.group(2), int(m.group(3) or default),
            transport.group(1).lower() if transport else "udp")
