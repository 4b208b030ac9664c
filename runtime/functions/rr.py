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

import copy as _copy
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from osipsc.runtime.pv_table import pvar
from osipsc.runtime.sip.lumps import Lump
from osipsc.runtime.sip.nameaddr import addr_uri, tag_param
from osipsc.runtime.sip.uri import SipUri, UriError
from osipsc.runtime.sip.uri import memo_get as _uri_memo_get

from ._sipmsg import local_sockets, script_regex
from .registry import export


@dataclass(slots=True)
class RRState:
    """Per-message rr data kept in ``msg.module_data["rr"]`` (slotted: the copy tm stores
    with every transaction carries one; no instance dict for the cyclic GC to scan)."""

    lump: Lump | None = None
    prefix: str = ""
    suffix: str = ">\r\n"
    params: list[str] = field(default_factory=list)
    route_params: str | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> RRState:
        """The copy a message copy carries (tm copies every relayed request): its lump is
        the one the copied lump list holds (``LumpList.copy`` with the same ``memo``),
        so ``add_rr_param`` on the copy (a branch_route) edits what the copy sends."""
        new = _new_object(RRState)  # the fields as they are (str / None), then:
        lump = self.lump
        if lump is not None:
            lump = memo.get(id(lump)) or _copy.deepcopy(lump, memo)
        new.lump = lump
        new.prefix = self.prefix
        new.suffix = self.suffix
        new.route_params = self.route_params
        params = self.params
        new.params = [p if type(p) is str else _copy.deepcopy(p, memo) for p in params] \
            if params else []
        memo[id(self)] = new
        return new

    def kept(self) -> None:
        """The request is kept and only read or copied from now on (``SipMessage.keep``):
        no parameters is the shared empty tuple, not a list for the cyclic GC to track."""
        if not self.params and type(self.params) is list:
            self.params = ()  # type: ignore[assignment]

    def render(self) -> None:
        if self.lump is not None:
            self.lump.before[:] = [self.prefix + "".join(self.params) + self.suffix]


def _state(msg: Any) -> RRState:
    module_data = msg.module_data
    state = module_data.get("rr")
    if state is None:
        # RRState() without the dataclass __init__ frame (loose_route / record_route
        # make one for every request they handle)
        state = module_data["rr"] = _new_object(RRState)
        state.lump = None
        state.prefix = ""
        state.suffix = ">\r\n"
        state.params = []
        state.route_params = None
    return state


_new_object = object.__new__
_new_tuple = tuple.__new__
#: (proto, host, port) -> its Record-Route host part: a proxy has a handful of sockets
_URI_HOSTS: dict[tuple[str, str, int], str] = {}


def _local_uri_host(ctx: Any) -> str:
    msg = ctx.msg
    proto, host, port = msg.proto, msg.dst[0], msg.dst[1]
    if not port:
        proto, host, port = local_sockets(ctx)[0]
    key = (proto, host, port)
    text = _URI_HOSTS.get(key)
    if text is None:
        text = _uri_host(proto, host, port)
        if len(_URI_HOSTS) >= 256:
            _URI_HOSTS.clear()
        _URI_HOSTS[key] = text
    return text


def _uri_host(proto: str, host: str, port: int) -> str:
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
    # before the first header (eoh without one): its offset only, no header records
    state.lump = msg.lumps.anchor(msg.first_header_start, kind="rr")
    state.lump.before.append("")
    state.prefix, state.suffix = prefix, suffix
    if extra:
        state.params.insert(0, extra)
    state.render()
    return 1


def _ftag(msg: Any) -> str:
    tag = tag_param(msg._value("from"))  # the tag only: no NameAddr of every From
    return f";ftag={tag}" if tag else ""


@export("record_route", module="rr")
def record_route(ctx: Any, params: str | None = None) -> int:
    """``_insert`` of ``Record-Route: <sip:HOST;lr;ftag=TAG`` fused for the usual request
    (no rr state yet): its lump and state made without the ``_local_uri_host``, ``_ftag``,
    ``_insert``, ``_state``, ``render`` and ``anchor`` frames."""
    msg = ctx.msg
    dst = msg.dst
    host = _URI_HOSTS.get((msg.proto, dst[0], dst[1])) if dst[1] else None
    if host is None:
        host = _local_uri_host(ctx)
    tag = tag_param(msg._value("from"))
    prefix = f"Record-Route: <sip:{host};lr;ftag={tag}" if tag else \
        f"Record-Route: <sip:{host};lr"
    module_data = msg.module_data
    if "rr" in module_data:
        return _insert(ctx, prefix, ">\r\n", params)
    lump = _new_object(Lump)  # ``lumps.anchor(first_header_start, kind="rr")``
    lump.offset = msg.first_header_start
    lump.length = 0
    lump.kind = "rr"
    lump.before = [prefix + params + ">\r\n" if params else prefix + ">\r\n"]  # render()
    lump.after = []
    msg.lumps._add(lump)
    state = module_data["rr"] = _new_object(RRState)
    state.lump = lump
    state.prefix = prefix
    state.suffix = ">\r\n"
    state.params = [params] if params else []
    state.route_params = None
    return 1


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


def _my_addresses(ctx: Any) -> set[tuple[str, int]]:
    """(lower-cased host, port) of every listening socket: what ``_is_myself`` matches
    (made once per loose_route, which asks up to twice). An engine without a socket list
    (``local_sockets``'s receiving socket) gets the set of ``msg.dst`` from a memo: no
    list, no key tuple per call."""
    try:
        sockets = ctx.engine.sockets
        dst = ctx.msg.dst
    except AttributeError:
        sockets = dst = None
    if not sockets and type(dst) is tuple and dst[1]:
        mine = _MINE_DST.get(dst)
        if mine is None:
            mine = _socket_set(local_sockets(ctx))
            if len(_MINE_DST) >= 64:
                _MINE_DST.clear()
            _MINE_DST[dst] = mine
        return mine
    return _socket_set(local_sockets(ctx))


def _socket_set(socks: list[tuple[str, str, int]]) -> set[tuple[str, int]]:
    """The (lower-cased host, port) set of ``socks`` (remembered per socket list)."""
    key = tuple(socks)
    mine = _MINE.get(key)
    if mine is None:
        mine = {(h.lower(), p) for _proto, h, p in socks}
        if len(_MINE) >= 64:
            _MINE.clear()
        _MINE[key] = mine
    return mine


#: listening sockets -> their (lower-cased host, port) set (read only, see ``_is_myself``)
_MINE: dict[tuple[tuple[str, str, int], ...], set[tuple[str, int]]] = {}
#: the receiving socket ``msg.dst`` -> its set, for an engine without a socket list
_MINE_DST: dict[tuple[str, int], set[tuple[str, int]]] = {}


def _is_myself(mine: set[tuple[str, int]], uri: SipUri) -> bool:
    return _uri_address(uri) in mine


def _uri_address(uri: SipUri) -> tuple[str, int]:
    """(lower-cased bare host, port number) of ``uri``: what ``_is_myself`` looks up."""
    host = uri.host  # ``bare_host`` and ``port_no`` without their property frames
    if host[:1] == "[":
        host = host[1:-1]
    port = uri.port
    return (host.lower(), int(port) if port else uri.default_port)


#: R-URI text -> ``_uri_address`` of its parse (a pure function of the text; an in-dialog
#: request's R-URI is a contact that keeps coming back; bounded: texts come off the wire)
_RURI_ADDRESSES: dict[str, tuple[str, int]] = {}


class _Hdr(NamedTuple):
    """Where one Route header is (what ``remove_header`` and the Route edits read): a
    named tuple made with ``tuple.__new__`` from ``SipMessage.spans``, no record."""

    start: int
    end: int
    body_start: int
    body: str


def _route_values(msg: Any, hdr: _Hdr) -> list[tuple[int, int]]:
    """(start, end) text offsets of every comma-separated value of one Route header."""
    out: list[tuple[int, int]] = []
    text = msg.text
    i, stop = hdr.body_start, hdr.body_start + len(hdr.body)
    whole = text[i:stop]
    if "," not in whole:
        # one value (the usual Route header): no comma means the scan below would only
        # skip the leading white space and cut the trailing one
        value = whole.lstrip(" \t\r\n")
        if not value:
            return out
        begin = stop - len(value)
        out.append((begin, begin + len(value.rstrip())))
        return out
    quoted = False
    angle = 0
    begin = None
    while i < stop:
        ch = text[i]
        if begin is None and ch not in " \t\r\n,":
            begin = i
        if quoted:
            if ch == "\\":
                i += 1
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch == "<":
            angle += 1
        elif ch == ">":
            angle = max(angle - 1, 0)
        elif ch == "," and angle == 0 and begin is not None:
            out.append((begin, len(text[begin:i].rstrip()) + begin))
            begin = None
        i += 1
    if begin is not None:
        out.append((begin, len(text[begin:stop].rstrip()) + begin))
    return out


class _Route(NamedTuple):
    """One Route URI of the received message (an ``rr_t`` of loose.c); a named tuple made
    with ``tuple.__new__`` (no __init__ frame per Route URI)."""

    hdr: _Hdr
    index: int          # position inside its header
    start: int
    end: int
    uri: str
    puri: SipUri
    last_in_hdr: bool


def _routes(msg: Any) -> list[_Route] | None:
    out: list[_Route] = []
    text = msg.text
    for span in msg.spans("route"):  # no Header records
        hdr = _new_tuple(_Hdr, span)
        spans = _route_values(msg, hdr)
        last = len(spans) - 1
        for i, (a, b) in enumerate(spans):
            try:
                uri = addr_uri(text[a:b])
                puri = SipUri.parse(uri)
            except (ValueError, UriError):
                return None
            out.append(_new_tuple(_Route, (hdr, i, a, b, uri, puri, i == last)))
    return out


def _is_strict(uri: SipUri) -> bool:
    return uri.param("lr") is None


def _del_upto(msg: Any, rt: _Route, nxt: _Route | None) -> None:
    """Remove ``rt`` (and what precedes it in its header): the whole header when it is the
    last value, else the header body up to the next value (loose.c ``handle_sr``)."""
    if nxt is None or nxt.hdr is not rt.hdr:
        msg.remove_header(rt.hdr)
    else:
        msg.lumps.delete(rt.hdr.body_start, nxt.start - rt.hdr.body_start, kind="route")


def _save_ruri(msg: Any) -> None:
    """Append the received Request-URI as the last Route (the next hop is a strict router)."""
    msg.lumps.anchor(msg.eoh, kind="route").insert_before(f"Route: <{msg.ruri}>\r\n")


def _after_loose(ctx: Any, routes: list[_Route], preloaded: bool,
                 mine: set[tuple[str, int]]) -> int:
    msg = ctx.msg
    state = _state(msg)
    top = routes[0]
    pos = 0
    if _is_myself(mine, top.puri):
        state.route_params = top.puri.params
        if top.last_in_hdr:
            msg.remove_header(top.hdr)
            if len(routes) == 1:
                return -1 if preloaded else 1
        pos = 1
    rt = routes[pos]
    nxt = routes[pos + 1] if pos + 1 < len(routes) else None
    if _is_strict(rt.puri):
        _save_ruri(msg)
        msg.new_uri = rt.uri
        _del_upto(msg, rt, nxt)
    else:
        msg.dst_uri = rt.uri
        if rt.index > 0:  # our own URI before it in the same header
            msg.lumps.delete(rt.hdr.body_start, rt.start - rt.hdr.body_start, kind="route")
    return 1


def _after_strict(ctx: Any, routes: list[_Route]) -> int:
    msg = ctx.msg
    rt = routes[0]
    nxt = routes[1] if len(routes) > 1 else None
    if _is_strict(rt.puri):
        msg.new_uri = rt.uri
        _del_upto(msg, rt, nxt)
    else:
        msg.dst_uri = rt.uri
        last = routes[-1]
        msg.new_uri = last.uri
        if last.index > 0:
            prev = routes[-2]
            msg.lumps.delete(prev.end, last.end - prev.end, kind="route")
        else:
            msg.remove_header(last.hdr)
    try:
        state_params = SipUri.parse(msg.current_ruri).params
    except UriError:
        state_params = ""
    _state(msg).route_params = state_params
    return 1


@export("loose_route", module="rr")
def loose_route(ctx: Any) -> int:
    """loose.c ``loose_route``: without a To-tag (or when the R-URI is not ours) the Route
    set is processed as by a loose router (``after_loose``: our own top URI is removed;
    the next one goes to ``$du``, or into the R-URI when it lacks ``;lr`` with the old
    R-URI saved as the last Route); a request with a To-tag whose R-URI is ours came from
    a strict router (``after_strict``). A pre-loaded Route set that only named us gives
    -1 (not Route driven)."""
    msg = ctx.msg
    spans = msg.spans("route")
    if len(spans) == 1:
        rc = _loose_one(ctx, msg, spans[0])
        if rc:
            return rc
    return _loose_route(ctx)


#: ``scheme:host[:port]`` texts (a Route URI before its first ';') -> (host lower-cased
#: without brackets, port number), or None when the head is not one ``_loose_one`` takes
_HEADS: dict[str, tuple[str, int] | None] = {}


def _route_head(head: str) -> tuple[str, int] | None:
    """What ``_is_myself`` compares for a Route URI ``head;params`` (no '?' nor '@' in
    it), when parsing ``head`` alone says what parsing the whole URI would: a sip/sips URI
    with an explicit port and nothing but scheme, host and port before the ';'."""
    try:
        uri = SipUri._parse_text(head)
    except UriError:
        return None
    if (uri.scheme.lower() not in ("sip", "sips") or uri.user or uri.password is not None
            or uri.params or uri.headers or not uri.port or head != head.strip()):
        return None
    try:
        port = int(uri.port)
    except ValueError:  # '²' passes isdigit: the general path raises where loose.c would
        return None
    host = uri.host
    if host[:1] == "[":
        host = host[1:-1]
    return host.lower(), port


def _loose_one(ctx: Any, msg: Any, span: tuple[int, int, int, str]) -> int:
    """``loose_route`` for the usual Route set: one header holding one ``<URI>`` of ours
    (``sip:host:port;params``), the R-URI not ours or no To-tag. The URI's head is looked
    up in ``_HEADS`` (the ftag differs per dialog: a whole-URI parse memo never hits) and
    the Route header removed without ``_Route`` records. 0: not that shape (nothing done;
    the general path decides)."""
    start, end, body_start, body = span
    whole = msg.text[body_start:body_start + len(body)]
    if "," in whole:
        return 0
    value = whole.lstrip(" \t\r\n").rstrip()
    if value[:1] != "<":
        return 0
    gt = value.find(">")
    if gt < 0:
        return 0
    uri = value[1:gt].strip()
    semi = uri.find(";")
    if semi < 0 or "@" in uri or "?" in uri:
        return 0
    head = uri[:semi]
    heads = _HEADS
    key = heads.get(head, False)
    if key is False:
        key = _route_head(head)
        if len(heads) >= 256:
            heads.clear()
        heads[head] = key
    if key is None:
        return 0
    text = msg.current_ruri
    try:  # (the memo read first: ``SipUri.parse``'s frame only for a new R-URI)
        ruri = _uri_memo_get(text) or SipUri.parse(text)
    except UriError:
        return -1
    mine = _my_addresses(ctx)
    if key not in mine:
        return 0
    totag = tag_param(msg._value("to"))
    if totag:
        address = _RURI_ADDRESSES.get(text)
        if address is None:  # (a port that is no number raises here, as it did)
            address = _uri_address(ruri)
            if len(_RURI_ADDRESSES) >= 1024:
                _RURI_ADDRESSES.clear()
            _RURI_ADDRESSES[text] = address
        if address in mine and ruri.param("gr") is None:
            return 0  # after_strict
    _state(msg).route_params = uri[semi + 1:]
    lumps = msg.lumps
    if lumps.items:
        msg.remove_header(_new_tuple(_Hdr, span))
    else:  # ``remove_header`` with nothing deleted yet: one deletion lump, made in place
        lump = _new_object(Lump)
        lump.offset = start
        lump.length = end - start
        lump.kind = "hdr"
        lump.before = []
        lump.after = []
        lumps._add(lump)
    return 1 if totag else -1


def _loose_route(ctx: Any) -> int:
    """``loose_route`` for any Route set (the reference ``_loose_one`` is tested against)."""
    msg = ctx.msg
    routes = _routes(msg)
    if not routes:
        return -1
    try:
        ruri = SipUri.parse(msg.current_ruri)
    except UriError:
        return -1
    mine = _my_addresses(ctx)
    if not tag_param(msg._value("to")):  # ``msg.to_tag`` without its property frame
        return _after_loose(ctx, routes, True, mine)
    if _is_myself(mine, ruri) and ruri.param("gr") is None:
        return _after_strict(ctx, routes)
    return _after_loose(ctx, routes, False, mine)


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
