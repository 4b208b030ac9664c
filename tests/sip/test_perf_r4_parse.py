"""``SipMessage._parse`` with the fast header scan inlined (Content-Length read from the
scanned bodies): the same message as the general line loop gives, on Content-Length
values, repeats and compact forms."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from osipsc.runtime.sip import message as sipmsg

_CL = st.sampled_from(["Content-Length: 3", "l: 0", "Content-Length:  10 ", "l:\t2",
                       "Content-Length: x", "Content-Length: \xb2", "Content-Length:",
                       "CONTENT-LENGTH: 1", "X-Length: 1"])


def _view(text: str) -> Any:
    try:
        m = sipmsg.SipMessage.parse(text)
    except sipmsg.SipParseError as exc:
        return ("error", str(exc))
    return (m.body, m.body_start, m.eoh, m.header("content-length"),
            [(h.name, h.body, h.start, h.end, h.body_start) for h in m.headers_list])


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_CL, max_size=3), st.sampled_from(["", "abc", "abcdefghijklmnop", "a\r\n"]),
       st.sampled_from(["\r\n", "\n"]), st.booleans())
def test_inlined_scan_matches_general_loop(cls: list[str], body: str, eol: str,
                                           reply: bool) -> None:
    first = "SIP/2.0 200 OK" if reply else "INVITE sip:a@b SIP/2.0"
    lines = [first, "Via: SIP/2.0/UDP h;branch=z9hG4bK1", *cls, "From: <sip:f@g>;tag=1",
             "To: <sip:t@u>", "Call-ID: c", "CSeq: 1 INVITE"]
    text = eol.join(lines) + eol + eol + body
    old = sipmsg._FAST_PATH
    try:
        sipmsg._FAST_PATH = True
        fast = _view(text)
        sipmsg._FAST_PATH = False
        slow = _view(text)
    finally:
        sipmsg._FAST_PATH = old
    assert fast == slow


# --- Via._parse_text with memoised protocol and sent-by parts, against the former code


def _old_via(text: str) -> Any:
    """The former ``Via._parse_text`` (as a tuple of its fields)."""
    text = text.strip()
    proto, _, rest = text.partition(" ")
    parts = proto.split("/")
    if len(parts) != 3:
        raise ValueError(f"bad Via protocol in {text!r}")
    name, version, transport = parts
    sent_by, semi, raw_params = rest.partition(";")
    sent_by = sent_by.strip()
    if sent_by[:1] == "[":
        end = sent_by.find("]")
        host, port = sent_by[:end + 1], sent_by[end + 2:] if end + 1 < len(sent_by) else ""
    else:
        host, _, port = sent_by.partition(":")
    params: tuple[tuple[str, str | None], ...] = ()
    if raw_params:
        params = tuple((k.strip(), v.strip() if eq else None)
                       for k, eq, v in (p.partition("=") for p in raw_params.split(";")))
    return (f"{name.strip()}/{version.strip()}", transport.strip().upper(), host,
            port.strip(), params)


_VIA_PIECES = st.sampled_from([
    "SIP", "/", "2.0", "UDP", "tcp", " ", "\t", "\xa0", "h", "[::1]", "[", "]", ":", "5060",
    ";", "=", "branch", "rport", "received", "1.2.3.4", ",", "x",
])


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_VIA_PIECES, max_size=16), st.booleans())
def test_via_parse_matches_former_code(pieces: list[str], prefix: bool) -> None:
    from osipsc.runtime.sip.via import Via

    text = ("SIP/2.0/UDP " if prefix else "") + "".join(pieces)
    for _ in range(2):  # the second time through the memos
        try:
            want: Any = _old_via(text)
        except ValueError:
            want = "error"
        try:
            v = Via._parse_text(text)
            got: Any = (v.protocol, v.transport, v.host, v.port, v.params)
        except ValueError:
            got = "error"
        assert got == want, repr(text)
