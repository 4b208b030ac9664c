"""``build_forward_text``'s shortcut for a first Via whose first parameter is the ``;rport``
flag (no ``received`` anywhere) and its lumps read through an attrgetter, against the
reference forwarder of test_perf_relay_build (the LumpList-based code it replaced)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from osipsc.runtime.sip.build import build_forward_text
from osipsc.runtime.sip.message import SipMessage, SipParseError

from .test_perf_relay_build import ref_forward

_PARAMS = st.lists(st.sampled_from([";rport", ";RPORT", ";rport=", ";rport=9", ";rport ",
                                    ";branch=z9hG4bK-1", ";received=1.2.3.4", ";Received",
                                    ";x=received", ";rportx", ";r", " ", ";", ",", "=",
                                    ", SIP/2.0/UDP h2;rport"]),
                   max_size=4).map("".join)


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(["127.0.0.1:5090", "10.0.0.1", "rport.example.com", "[::1]:7",
                        "host "]),
       _PARAMS, st.sampled_from([("127.0.0.1", 5090), ("10.0.0.1", 5060), ("::1", 7)]),
       st.booleans(), st.booleans(), st.sampled_from(["", "v=0\r\n"]))
def test_forward_matches_reference(host: str, params: str, src: tuple[str, int],
                                   force: bool, lump: bool, body: str) -> None:
    text = (f"BYE sip:u@h SIP/2.0\r\nVia: SIP/2.0/UDP {host}{params}\r\n"
            "Route: <sip:127.0.0.1;lr>\r\nFrom: <sip:f@g>;tag=1\r\nTo: <sip:t@u>;tag=2\r\n"
            f"Call-ID: c\r\nCSeq: 2 BYE\r\nContent-Length: {len(body)}\r\n\r\n{body}")
    try:
        msg = SipMessage.parse(text, src=src)
    except SipParseError:
        return
    msg.force_rport = force
    if lump:
        msg.remove_header(msg.fields("route")[0])
        msg.lumps.anchor(msg.body_start, kind="x").insert_after("more")
    kwargs = dict(local=("127.0.0.1", 5060), branch="z9hG4bKx.0", proto="udp", ruri=None)
    assert build_forward_text(msg, None, **kwargs) == ref_forward(msg, **kwargs)
