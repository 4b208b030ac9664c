"""rr: Record-Route insertion and loose routing.

``record_route()`` inserts ``Record-Route: <sip:IP[:port];lr;ftag=FROMTAG[params]>`` before
the first header of the outgoing request (port omitted when it is 5060, transport added for
non-UDP sockets); ``record_route_preset(host)`` writes the given address with ftag *before*
``lr``; ``add_rr_param`` extends the Record-Route of this request, even when called before
``record_route`` (fwd-record-route). ``loose_route`` consumes our own top Route and points
``$du`` at the next hop; the Route params it processed feed ``check_route_param``,
``is_direction`` and ``$rr_params``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from osipsc.runtime.pv_table import pvar
from osipsc.runtime.sip.headers import split_commas
from osipsc.runtime.sip.lumps import Lump
from osipsc.runtime.sip.nameaddr import NameAddr
from osipsc.runtime.sip.uri import SipUri, UriError

from ._sipmsg import local_sockets, script_regex
from .registry import export


@dataclass
class RRState:
    """Per-message rr data kept in ``msg.module_data["rr"]``."""

    lump: Lump | None = None
    prefix: str = ""
    suffix: str = ">\r\n"
    params: list[str] = field(default_factory=list)
    route_params: str | None = None

    def render(self) -> None:
        if self.lump is not None:
            self.lump.before[:] = [self.prefix + "".join(self.params) + self.suffix]


def _state(msg: Any) -> RRState:
    state = msg.module_data.get("rr")
    if state is None:
        state = msg.module_data["rr"] = RRState()
    return state


def _local_uri_host(ctx: Any) -> str:
    msg = ctx.msg
    proto, host, port = msg.proto, msg.dst[0], msg.dst[1]
    if not port:
        proto, host, port = local_sockets(ctx)[0]
    text = f"[{host}]" if ":" in host else host
    if port != 5060:
        text += f":{port}"
    if proto.lower() != "udp":
        text += f";transport={proto.lower()}"
    return text


def _insert(ctx: Any, prefix: str, suffix: str, extra: str | None) -> int:
    msg = ctx.msg
    state = _state(msg)
    if state.lump is not None:
        return -1  # OpenSIPS refuses a second record_route on the same request
    offset = msg.headers_list[0].start if msg.headers_list else msg.eoh
    state.lump = msg.lumps.anchor(offset, kind="rr")
    state.lump.before.append("")
    state.prefix, state.suffix = prefix, suffix
    if extra:
        state.params.insert(0, extra)
    state.render()
    return 1


def _ftag(msg: Any) -> str:
    frm = msg.name_addr("from")
    tag = frm.tag if frm else None
    return f";ftag={tag}" if tag else ""


@export("record_route", module="rr")
def record_route(ctx: Any, params: str | None = None) -> int:
    msg = ctx.msg
    prefix = f"Record-Route: <sip:{_local_uri_host(ctx)};lr{_ftag(msg)}"
    return _insert(ctx, prefix, ">\r\n", params)


@export("record_route_preset", module="rr")
def record_route_preset(ctx: Any, address: str, address2: str | None = None) -> int:
    msg = ctx.msg
    addr = str(address)
    if not addr.lower().startswith(("sip:", "sips:")):
        addr = "sip:" + addr
    prefix = f"Record-Route: <{addr}{_ftag(msg)}"
    result = _insert(ctx, prefix, ";lr>\r\n", None)
    if result > 0 and address2:
        second = str(address2)
        if not second.lower().startswith(("sip:", "sips:")):
            second = "sip:" + second
        state = _state(msg)
        state.suffix = f";lr>\r\nRecord-Route: <{second}{_ftag(msg)};lr>\r\n"
        state.render()
    return result


@export("add_rr_param", module="rr")
def add_rr_param(ctx: Any, param: str) -> int:
    state = _state(ctx.msg)
    state.params.append(str(param))
    state.render()
    return 1


def _is_myself(ctx: Any, uri: SipUri) -> bool:
    port = uri.port_no
    host = uri.bare_host.lower()
    return any(h.lower() == host and p == port for _proto, h, p in local_sockets(ctx))


@export("loose_route", module="rr")
def loose_route(ctx: Any) -> int:
    msg = ctx.msg
    routes = msg.header_fields("route")
    if not routes:
        return -1
    hdr = routes[0]
    values = split_commas(hdr.body)
    if not values:
        return -1
    try:
        top = NameAddr.parse(values[0])
        uri = SipUri.parse(top.uri)
    except (ValueError, UriError):
        return -1
    state = _state(msg)
    if not _is_myself(ctx, uri):
        msg.dst_uri = top.uri
        state.route_params = uri.params
        return 1
    state.route_params = uri.params
    # drop our own entry from the outgoing request
    if len(values) == 1:
        msg.remove_header(hdr)
    else:
        start = hdr.body_start
        comma = msg.text.find(",", start + len(values[0]))
        end = comma + 1
        while end < hdr.end and msg.text[end] in " \t":
            end += 1
        msg.lumps.delete(start, end - start, kind="route")
    remaining = values[1:] + [v for h in routes[1:] for v in split_commas(h.body)]
    if remaining:
        try:
            msg.dst_uri = NameAddr.parse(remaining[0]).uri
        except ValueError:
            return -1
    return 1


@export("check_route_param", module="rr")
def check_route_param(ctx: Any, regex: Any) -> int:
    params = _state(ctx.msg).route_params
    if params is None:
        return -1
    return 1 if script_regex(regex).search(";" + params if params else "") else -1


@export("is_direction", module="rr")
def is_direction(ctx: Any, direction: str) -> int:
    msg = ctx.msg
    params = _state(msg).route_params
    if params is None:
        return -1
    ftag = None
    for item in params.split(";"):
        key, _, value = item.partition("=")
        if key.strip().lower() == "ftag":
            ftag = value.strip()
    if ftag is None:
        return -1
    frm = msg.name_addr("from")
    downstream = frm is not None and frm.tag == ftag
    want = str(direction).lower()
    if want == "downstream":
        return 1 if downstream else -1
    if want == "upstream":
        return -1 if downstream else 1
    return -1


@pvar("rr_params", module="rr")
def get_rr_params(ctx: Any, sub: Any, index: Any) -> Any:
    msg = getattr(ctx, "msg", None)
    if msg is None:
        return None
    params = _state(msg).route_params
    return params or None
