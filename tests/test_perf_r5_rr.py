"""rr fast paths against the general code they skip (kept in rr as the path for every other
shape): ``_loose_one`` (one Route header holding one URI of ours) vs ``_loose_route``."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from osipsc.runtime.functions import rr
from osipsc.runtime.sip import message as sipmsg
from osipsc.runtime.sip.message import SipMessage
from osipsc.runtime.sip.nameaddr import NameAddr


class _Engine:
    sockets = [("udp", "127.0.0.1", 5060), ("tls", "[::1]", 5061), ("udp", "Example.COM", 7)]


class _Ctx:
    def __init__(self, msg: SipMessage) -> None:
        self.msg = msg
        self.engine = _Engine()


def _run(text: str, build: bool, fast: bool, lump: bool = False) -> Any:
    try:
        msg = SipMessage.parse(text, dst=("127.0.0.1", 5060))
    except sipmsg.SipParseError:
        return "error"
    if build:
        msg.headers_list  # noqa: B018 - every record built
    ctx = _Ctx(msg)
    if lump:  # a lump already there: the Route goes through remove_header
        msg.lumps.anchor(msg.body_start, kind="x").insert_after("x")
    try:
        rc = rr.loose_route(ctx) if fast else rr._loose_route(ctx)
    except ValueError as exc:  # the same exception either way
        rc = repr(exc)
    state = msg.module_data.get("rr")
    return (rc, msg.new_uri, msg.dst_uri, msg.outgoing_parts(),
            [(x.offset, x.length, x.kind, x.before, x.after) for x in msg.lumps.items],
            None if state is None else state.route_params)


_HOSTS = ["127.0.0.1", "127.0.0.1:5060", "127.0.0.1:5061", "[::1]:5061", "[::1]",
          "EXAMPLE.com:7", "example.com:0007", "127.0.0.1:²", "127.0.0.1:٥٠٦٠",
          "127.0.0.1:5060 ", " 127.0.0.1:5060", "u@127.0.0.1:5060", "127.0.0.1:50:60",
          "[::1:5061", "", "10.0.0.1:5060", "127.0.0.1:5060?x=1", "127.0.0.1;x:5060"]
_PARAMS = ["", ";lr", ";lr;ftag=abc", ";ftag=a@b", ";transport=tls;lr", ";lr?h=1", ";gr",
           ";lr;ftag=x,y"]
_SCHEMES = ["sip:", "sips:", "SIP:", "tel:", "", "http:"]


@st.composite
def _route_value(draw: Any) -> str:
    uri = draw(st.sampled_from(_SCHEMES)) + draw(st.sampled_from(_HOSTS)) \
        + draw(st.sampled_from(_PARAMS))
    shape = draw(st.sampled_from(["<{}>", " <{}> ", "<{}>;x=1", "{}", '"n" <{}>', "<{}",
                                  "< {} >", "\t<{}>", "<{}>junk>"]))
    return shape.format(uri)


#: the shape the fast path takes (ours or not), with per-dialog parameters
_USUAL = st.builds("<{}{};lr;ftag={}>".format, st.sampled_from(["sip:", "sips:", "Sip:"]),
                   st.sampled_from(["127.0.0.1:5060", "[::1]:5061", "example.com:7",
                                    "10.0.0.1:5060", "127.0.0.1:5090"]),
                   st.text("abc;=@?>, ", max_size=6))
_HEADERS = st.one_of(st.tuples(_USUAL).map(lambda v: [list(v)]),
                     st.lists(st.lists(st.one_of(_USUAL, _route_value()), min_size=1,
                                       max_size=2), max_size=2))


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(_HEADERS,
       st.sampled_from(["sip:u@127.0.0.1:5090", "sip:u@127.0.0.1", "sip:127.0.0.1;gr",
                        "sip:u@10.0.0.9", "sip:[::1]:5061", "sip:x@127.0.0.1:5060;gr=1",
                        "<bad>"]),
       st.booleans(), st.booleans(), st.booleans(), st.booleans(),
       st.sampled_from(["\r\n", "\n"]))
def test_loose_one_matches_general(headers: list[list[str]], ruri: str, totag: bool,
                                   build: bool, memo: bool, lump: bool, eol: str) -> None:
    lines = ["Via: SIP/2.0/UDP h;branch=z9hG4bK1", "From: <sip:f@g>;tag=1",
             "To: <sip:t@u>" + (";tag=2" if totag else ""), "Call-ID: c", "CSeq: 2 BYE"]
    for n, values in enumerate(headers):
        lines.insert(1 + 2 * n, "Route: " + ",".join(values))
        if memo:  # a Route value the name-addr memo already holds (addr_uri reads it)
            for value in values:
                try:
                    NameAddr.parse(value.strip())
                except ValueError:
                    pass
    text = eol.join([f"BYE {ruri} SIP/2.0", *lines]) + eol + eol
    assert _run(text, build, True, lump) == _run(text, build, False, lump)


def test_loose_one_takes_the_usual_bye() -> None:
    """The mix's in-dialog BYE goes through the fast path (and it removes our Route)."""
    text = ("BYE sip:u@127.0.0.1:5090 SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
            "Route: <sip:127.0.0.1:5060;lr;ftag=i1>\r\nFrom: <sip:f@g>;tag=i1\r\n"
            "To: <sip:t@u>;tag=2\r\nCall-ID: c\r\nCSeq: 2 BYE\r\n\r\n")
    msg = SipMessage.parse(text, dst=("127.0.0.1", 5060))
    assert rr._loose_one(_Ctx(msg), msg, msg.spans("route")[0]) == 1
    assert "Route" not in msg.outgoing_parts()[0]
    assert msg.module_data["rr"].route_params == "lr;ftag=i1"


# --- record_route fused with _insert / _state / render for a request without rr state


def _old_record_route(ctx: Any, params: str | None = None) -> int:
    """rr's former ``record_route``: through ``_insert``."""
    prefix = f"Record-Route: <sip:{rr._local_uri_host(ctx)};lr{rr._ftag(ctx.msg)}"
    return rr._insert(ctx, prefix, ">\r\n", params)


def _rr_run(text: str, dst: tuple[str, int], proto: str, calls: list[tuple[str, Any]],
            build: bool, fast: bool) -> Any:
    msg = SipMessage.parse(text, dst=dst)
    if build:
        msg.headers_list  # noqa: B018 - every record built
    msg.proto = proto
    ctx = _Ctx(msg)
    rcs = []
    for name, arg in calls:
        if name == "rr":
            rcs.append(rr.record_route(ctx, arg) if fast else _old_record_route(ctx, arg))
        else:
            rcs.append(rr.add_rr_param(ctx, arg))
    state = msg.module_data.get("rr")
    copy = msg.copy()
    if state is not None:  # a parameter added later edits what both send
        rr.add_rr_param(ctx, ";late=1")
    return (rcs, msg.outgoing_parts(), copy.outgoing_parts(),
            [(x.offset, x.length, x.kind, x.before, x.after) for x in msg.lumps.items],
            None if state is None else (state.prefix, state.suffix, state.params,
                                        state.route_params))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(['<sip:f@g>;tag=1', '"Caller" <sip:c@h>;tag=i9', "<sip:f@g>",
                        "sip:f@g;tag=x", '"a;tag=b" <sip:f@g>', "<sip:f@g>;TAG=", "x"]),
       st.sampled_from([("127.0.0.1", 5060), ("10.0.0.1", 5070), ("::1", 5060),
                        ("127.0.0.1", 0)]),
       st.sampled_from(["udp", "tcp", "TLS"]),
       st.lists(st.tuples(st.sampled_from(["rr", "param"]),
                          st.sampled_from([None, "", ";a=b", ";x"])).map(
           lambda c: (c[0], c[1] if c[0] == "rr" else (c[1] or ";p"))),
           min_size=1, max_size=3),
       st.booleans())
def test_record_route_matches_insert(frm: str, dst: tuple[str, int], proto: str,
                                     calls: list[tuple[str, Any]], build: bool) -> None:
    lines = ["Via: SIP/2.0/UDP h;branch=z9hG4bK1", "From: " + frm, "To: <sip:t@u>",
             "Call-ID: c", "CSeq: 1 INVITE"]
    text = "\r\n".join(["INVITE sip:u@example.com SIP/2.0", *lines]) + "\r\n\r\n"
    assert (_rr_run(text, dst, proto, calls, build, True)
            == _rr_run(text, dst, proto, calls, build, False))
