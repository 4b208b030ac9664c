"""Message pseudo-variables (``$ru $rU $hdr(..) $fu $ci $si ...``) of OpenSIPS 3.6.

Each getter reads ``ctx.msg`` (a ``SipMessage``); values follow the value model of
``runtime/values.py``: NULL for what is absent, ``int`` for the int-typed ones (``$sp $ml
$cl $rs $hdrcnt``), ``StrInt`` for the strings carrying an int (``$rm``, ``$rp`` with an
explicit port) and ``str`` for the rest. What the script reads is always the *received*
message: header edits are lumps that only the outgoing message shows (hdr-append-lazy);
R-URI and destination URI rewrites are visible at once (pv-write-ruri).
"""

from __future__ import annotations

import time
from typing import Any

from .pv_table import pvar, setter
from .sip.headers import split_commas
from .sip.message import SipMessage, method_id
from .sip.nameaddr import NameAddr
from .sip.uri import SipUri, UriError
from .values import StrInt

PROTO_IDS = {"udp": 1, "tcp": 2, "tls": 3, "sctp": 4, "ws": 5, "wss": 6}


def _msg(ctx: Any) -> SipMessage | None:
    return getattr(ctx, "msg", None)


def _pick(values: list[str], index: Any) -> str | None:
    """Index rules shared by header-like pvars: None first, n / -n, ``*`` joined by ", "."""
    if not values:
        return None
    if index is None:
        return values[0]
    if index == "*":
        return ", ".join(values)
    try:
        return values[int(index)]
    except (IndexError, ValueError):
        return None


def _uri(text: str | None) -> SipUri | None:
    if text is None:
        return None
    try:
        return SipUri.parse(text)
    except UriError:
        return None


def _port_value(uri: SipUri | None) -> Any:
    if uri is None:
        return None
    return StrInt(uri.port, int(uri.port)) if uri.port else uri.default_port


def _proto_value(uri: SipUri | None) -> Any:
    if uri is None:
        return None
    proto = uri.transport or "udp"
    return StrInt(proto, PROTO_IDS.get(proto, 0))


def q_to_str(q: int) -> str:
    """OpenSIPS ``q2str``: 1000 → "1", 500 → "0.5", 25 → "0.025"."""
    if q >= 1000:
        return "1"
    if q <= 0:
        return "0"
    return ("0." + f"{q:03d}").rstrip("0")


def str_to_q(text: str) -> int | None:
    """OpenSIPS ``str2q``: "0.5" → 500; None when not a q value in 0..1."""
    try:
        value = float(text)
    except ValueError:
        return None
    if not 0 <= value <= 1:
        return None
    return int(round(value * 1000))


# ------------------------------------------------------------------ request URI


@pvar("ru", "ruri")
def get_ru(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    return msg.current_ruri if msg is not None and msg.is_request else None


@setter("ru", "ruri")
def set_ru(ctx: Any, sub: Any, index: Any, value: Any) -> int:
    msg = _msg(ctx)
    if msg is None or value is None or isinstance(value, int) or _uri(value) is None:
        return -1
    msg.new_uri = str(value)
    return 1


def _ruri_part(ctx: Any, part: str) -> Any:
    msg = _msg(ctx)
    if msg is None or not msg.is_request:
        return None
    uri = msg.ruri_parsed()
    if uri is None:
        return None
    if part == "user":
        return uri.user or None
    if part == "host":
        return uri.host or None
    if part == "port":
        return _port_value(uri)
    return _proto_value(uri)


def _rewrite_ruri(ctx: Any, **changes: str) -> int:
    msg = _msg(ctx)
    if msg is None or not msg.is_request:
        return -1
    uri = msg.ruri_parsed()
    if uri is None:
        return -1
    msg.new_uri = str(uri.with_(**changes))
    return 1


@pvar("rU", "ruri.user")
def get_ru_user(ctx: Any, sub: Any, index: Any) -> Any:
    return _ruri_part(ctx, "user")


@setter("rU", "ruri.user")
def set_ru_user(ctx: Any, sub: Any, index: Any, value: Any) -> int:
    if value is None:
        return _rewrite_ruri(ctx, user="", password=None)
    if isinstance(value, int):
        return -1
    return _rewrite_ruri(ctx, user=str(value))


@pvar("rd", "ruri.domain")
def get_ru_domain(ctx: Any, sub: Any, index: Any) -> Any:
    return _ruri_part(ctx, "host")


@setter("rd", "ruri.domain")
def set_ru_domain(ctx: Any, sub: Any, index: Any, value: Any) -> int:
    if value is None or isinstance(value, int) or not str(value):
        return -1
    return _rewrite_ruri(ctx, host=str(value))


@pvar("rp")
def get_ru_port(ctx: Any, sub: Any, index: Any) -> Any:
    return _ruri_part(ctx, "port")


def _port_text(value: Any) -> str | None:
    if isinstance(value, int):
        return str(value)
    text = str(value).strip()
    return text if text.isdigit() else None


@setter("rp")
def set_ru_port(ctx: Any, sub: Any, index: Any, value: Any) -> int:
    if value is None:
        return _rewrite_ruri(ctx, port="")
    port = _port_text(value)
    return -1 if port is None else _rewrite_ruri(ctx, port=port)


@pvar("rP")
def get_ru_proto(ctx: Any, sub: Any, index: Any) -> Any:
    return _ruri_part(ctx, "proto")


@pvar("ru_q")
def get_ru_q(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    return None if msg is None else msg.ruri_q


@setter("ru_q")
def set_ru_q(ctx: Any, sub: Any, index: Any, value: Any) -> int:
    msg = _msg(ctx)
    if msg is None or not isinstance(value, int):
        return -1
    msg.ruri_q = value
    return 1


def _orig(ctx: Any) -> SipUri | None:
    msg = _msg(ctx)
    if msg is None or not msg.is_request:
        return None
    return _uri(msg.ruri)


@pvar("ou", "ouri")
def get_ou(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    return msg.ruri if msg is not None and msg.is_request else None


@pvar("oU")
def get_ou_user(ctx: Any, sub: Any, index: Any) -> Any:
    uri = _orig(ctx)
    return (uri.user or None) if uri else None


@pvar("od")
def get_ou_domain(ctx: Any, sub: Any, index: Any) -> Any:
    uri = _orig(ctx)
    return uri.host if uri else None


@pvar("op")
def get_ou_port(ctx: Any, sub: Any, index: Any) -> Any:
    return _port_value(_orig(ctx))


@pvar("oP")
def get_ou_proto(ctx: Any, sub: Any, index: Any) -> Any:
    return _proto_value(_orig(ctx))


# ------------------------------------------------------------------ destination URI


@pvar("du", "duri")
def get_du(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    return None if msg is None else msg.dst_uri


@setter("du", "duri")
def set_du(ctx: Any, sub: Any, index: Any, value: Any) -> int:
    msg = _msg(ctx)
    if msg is None:
        return -1
    if value is None:
        msg.dst_uri = None
        return 1
    if isinstance(value, int):
        return -1
    msg.dst_uri = str(value)
    return 1


def _du(ctx: Any) -> SipUri | None:
    msg = _msg(ctx)
    return None if msg is None else _uri(msg.dst_uri)


@pvar("dd")
def get_dd(ctx: Any, sub: Any, index: Any) -> Any:
    uri = _du(ctx)
    return uri.host if uri else None


@pvar("dp")
def get_dp(ctx: Any, sub: Any, index: Any) -> Any:
    return _port_value(_du(ctx))


@pvar("dP")
def get_dproto(ctx: Any, sub: Any, index: Any) -> Any:
    return _proto_value(_du(ctx))


def _rewrite_du(ctx: Any, **changes: str) -> int:
    msg = _msg(ctx)
    if msg is None:
        return -1
    uri = _uri(msg.dst_uri) or SipUri("sip", host=changes.get("host", ""))
    if not uri.host and "host" not in changes:
        return -1
    msg.dst_uri = str(uri.with_(**changes))
    return 1


@setter("dd")
def set_dd(ctx: Any, sub: Any, index: Any, value: Any) -> int:
    if value is None or isinstance(value, int):
        return -1
    return _rewrite_du(ctx, host=str(value))


@setter("dp")
def set_dp(ctx: Any, sub: Any, index: Any, value: Any) -> int:
    if value is None:
        return _rewrite_du(ctx, port="")
    port = _port_text(value)
    return -1 if port is None else _rewrite_du(ctx, port=port)


@pvar("ds")
def get_dset(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    if msg is None or not msg.branches:
        return None
    return ", ".join(f"<{b.uri}>" + (f";q={q_to_str(b.q)}" if b.q >= 0 else "")
                     for b in msg.branches)


# ------------------------------------------------------------------ first line


#: ``$rm`` values by method name: read on most messages, and a handful of names recur
_METHOD_VALUES: dict[str, StrInt] = {}
_METHOD_VALUES_MAX = 64


@pvar("rm")
def get_method(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    if msg is None:
        return None
    name = msg.method_name
    if not name:
        return None
    value = _METHOD_VALUES.get(name)
    if value is None:
        value = StrInt(name, method_id(name))
        if len(_METHOD_VALUES) < _METHOD_VALUES_MAX:
            _METHOD_VALUES[name] = value
    return value


@pvar("rs")
def get_status(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    return None if msg is None or msg.is_request else msg.status


@pvar("rr")
def get_reason(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    return None if msg is None or msg.is_request else msg.reason


# ------------------------------------------------------------------ headers


@pvar("hdr", takes_sub=True, takes_index=True)
def get_hdr(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    if msg is None or sub is None:
        return None
    if index is None:  # the first one: no list of every body
        return msg.header(str(sub))
    return _pick(msg.headers(str(sub)), index)


@pvar("hdrcnt", takes_sub=True)
def get_hdrcnt(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    return 0 if msg is None or sub is None else len(msg.headers(str(sub)))


@pvar("hdr_name", takes_index=True)
def get_hdr_name(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    if msg is None:
        return None
    return _pick([h.name for h in msg.headers_list], index)


def _na(ctx: Any, name: str) -> NameAddr | None:
    msg = _msg(ctx)
    return None if msg is None else msg.name_addr(name)


def _na_part(ctx: Any, name: str, part: str) -> Any:
    na = _na(ctx, name)
    if na is None:
        return None
    if part == "uri":
        return na.uri
    if part == "display":
        return na.display or None
    if part == "tag":
        return na.tag
    uri = _uri(na.uri)
    if uri is None:
        return None
    return (uri.user or None) if part == "user" else uri.host


def _register_nameaddr(prefix: str, header: str) -> None:
    aliases = {"from": ("fu", "from"), "to": ("tu", "to")}[header]
    short = prefix
    table = [
        (aliases, "uri"),
        ((f"{short}U", f"{header}.user"), "user"),
        ((f"{short}d", f"{header}.domain"), "host"),
        ((f"{short}n",), "display"),
        ((f"{short}t",), "tag"),
    ]
    for names, part in table:
        def getter(ctx: Any, sub: Any, index: Any, _part: str = part) -> Any:
            return _na_part(ctx, header, _part)

        pvar(*names)(getter)


_register_nameaddr("f", "from")
_register_nameaddr("t", "to")


@pvar("ci")
def get_callid(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    return None if msg is None else msg.header("call-id")


@pvar("cs")
def get_cseq(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    return (msg.cseq_num or None) if msg is not None else None


def _contacts(msg: SipMessage) -> list[str]:
    out: list[str] = []
    for body in msg.headers("contact"):
        out.extend(split_commas(body))
    return out


@pvar("ct", takes_index=True)
def get_contact(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    return None if msg is None else _pick(_contacts(msg), index)


@pvar("ct.fields", takes_sub=True, takes_index=True)
def get_contact_fields(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    if msg is None or sub is None:
        return None
    values: list[str] = []
    for item in _contacts(msg):
        if item == "*":
            continue
        try:
            na = NameAddr.parse(item)
        except ValueError:
            continue
        field = str(sub).lower()
        if field == "uri":
            values.append(na.uri)
        elif field == "name":
            values.append(na.display)
        elif field == "params":
            values.append(na.raw_params)
        else:
            val = na.param(field)
            values.append("" if val is None else val)
    return _pick(values, index)


@pvar("cT", takes_index=True)
def get_content_type(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    return None if msg is None else msg.header("content-type")


@pvar("cl")
def get_content_length(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    value = None if msg is None else msg.header("content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


def _header_getter(header: str, uri: bool = False) -> Any:
    def getter(ctx: Any, sub: Any, index: Any) -> Any:
        msg = _msg(ctx)
        value = None if msg is None else msg.header(header)
        if value is None or not uri:
            return value
        try:
            return NameAddr.parse(split_commas(value)[0] if value else value).uri
        except (ValueError, IndexError):
            return None

    return getter


pvar("ua")(_header_getter("user-agent"))
pvar("ai")(_header_getter("p-asserted-identity", uri=True))
pvar("pu")(_header_getter("p-preferred-identity", uri=True))
pvar("re")(_header_getter("remote-party-id", uri=True))
pvar("rt")(_header_getter("refer-to", uri=True))
pvar("di")(_header_getter("diversion", uri=True))
pvar("path")(_header_getter("path"))


def _ppi_part(part: str) -> Any:
    def getter(ctx: Any, sub: Any, index: Any) -> Any:
        return _na_part(ctx, "p-preferred-identity", part)

    return getter


pvar("pU")(_ppi_part("user"))
pvar("pd")(_ppi_part("host"))
pvar("pn")(_ppi_part("display"))


def _diversion_param(name: str) -> Any:
    def getter(ctx: Any, sub: Any, index: Any) -> Any:
        na = _na(ctx, "diversion")
        return None if na is None else na.param(name)

    return getter


pvar("dir")(_diversion_param("reason"))
pvar("dip")(_diversion_param("privacy"))


# ------------------------------------------------------------------ body and buffer


@pvar("rb", takes_sub=True, takes_index=True)
def get_body(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    if msg is None or not msg.body:
        return None
    if sub is not None:
        ctype = (msg.header("content-type") or "").split(";")[0].strip().lower()
        if ctype != str(sub).strip().lower():
            return None
    return msg.body


@pvar("mb")
def get_msg_buf(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    return None if msg is None else msg.text


@pvar("ml")
def get_msg_len(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    return None if msg is None else msg.length


@pvar("mi")
def get_msg_id(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    return None if msg is None else msg.msg_id


@pvar("msg.type")
def get_msg_type(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    if msg is None:
        return None
    return "request" if msg.is_request else "reply"


@pvar("msg.is_request")
def get_msg_is_request(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    if msg is None:
        return None
    return StrInt("true", 1) if msg.is_request else StrInt("false", 0)


# ------------------------------------------------------------------ network


@pvar("si", "src_ip")
def get_src_ip(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    return None if msg is None else msg.src[0]


@pvar("sp")
def get_src_port(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    return None if msg is None else msg.src[1]


@pvar("socket_in", takes_sub=True)
def get_socket_in(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    if msg is None or msg.is_dummy:
        return None  # the dummy request has no receiving socket (bind_address NULL)
    host, port = msg.dst
    field = None if sub is None else str(sub).lower()
    if field is None:
        return f"{msg.proto}:{host}:{port}"
    if field == "ip":
        return host
    if field == "port":
        return port
    if field == "proto":
        return msg.proto
    if field == "af":
        return "INET6" if ":" in host else "INET"
    if field in ("advertised_ip", "advertised_port", "tag", "anycast"):
        return None
    return None


# ------------------------------------------------------------------ branches


def _branch_field(msg: SipMessage, idx: int, field: str) -> Any:
    """Field of the ``idx``-th additional branch (``$branch`` indexes start at 0)."""
    branch = msg.branches[idx]
    if field == "uri":
        return branch.uri
    if field == "duri":
        return branch.dst_uri
    if field == "q":
        return None if branch.q < 0 else q_to_str(branch.q)
    if field == "path":
        return branch.path
    if field == "flags":
        return " ".join(sorted(branch.flags)) or None
    if field == "socket":
        return branch.socket
    return None


@pvar("branch", takes_sub=True, takes_index=True)
def get_branch(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    if msg is None or not msg.branches:
        return None
    field = "uri" if sub is None else str(sub).lower()
    if index == "*":
        values = [_branch_field(msg, i, field) for i in range(len(msg.branches))]
        shown = [v for v in values if v is not None]
        return ", ".join(shown) if shown else None
    idx = 0 if index is None else int(index)
    if idx < 0:
        idx += len(msg.branches)
    if not 0 <= idx < len(msg.branches):
        return None
    return _branch_field(msg, idx, field)


def _msg_branch(field: str) -> Any:
    """3.6 ``$msg.branch.*``: index 0 is the R-URI branch, then the added ones."""

    def getter(ctx: Any, sub: Any, index: Any) -> Any:
        msg = _msg(ctx)
        if msg is None:
            return None
        count = len(msg.branches) + 1

        def one(i: int) -> Any:
            if i == 0:
                if field == "uri":
                    return msg.current_ruri
                if field == "duri":
                    return msg.dst_uri
                if field == "q":
                    return None if msg.ruri_q < 0 else q_to_str(msg.ruri_q)
                return None
            return _branch_field(msg, i - 1, field)

        if index == "*":
            vals = [one(i) for i in range(count)]
            shown = [v for v in vals if v is not None]
            return ", ".join(shown) if shown else None
        idx = 0 if index is None else int(index)
        if idx < 0:
            idx += count
        return one(idx) if 0 <= idx < count else None

    return getter


for _field in ("uri", "duri", "q", "path", "flags", "socket"):
    pvar(f"msg.branch.{_field}", takes_index=True)(_msg_branch(_field))


@pvar("msg.branch.last_idx")
def get_branch_last_idx(ctx: Any, sub: Any, index: Any) -> Any:
    msg = _msg(ctx)
    return None if msg is None else len(msg.branches)


# ------------------------------------------------------------------ time


def _now(ctx: Any) -> float:
    engine = getattr(ctx, "engine", None)
    clock = getattr(engine, "time", None)
    if callable(clock):
        return float(clock())
    return time.time()


@pvar("Ts")
def get_ts(ctx: Any, sub: Any, index: Any) -> Any:
    return int(_now(ctx))


@pvar("Tsm")
def get_tsm(ctx: Any, sub: Any, index: Any) -> Any:
    return int(_now(ctx) * 1_000_000) % 1_000_000


@pvar("TS")
def get_startup_ts(ctx: Any, sub: Any, index: Any) -> Any:
    engine = getattr(ctx, "engine", None)
    started = getattr(engine, "started_at", None)
    return int(started) if started is not None else int(_now(ctx))


@pvar("Tf")
def get_tf(ctx: Any, sub: Any, index: Any) -> Any:
    now = int(_now(ctx))
    return StrInt(time.ctime(now), now)
