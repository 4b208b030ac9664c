"""Differential tests of ``build_reply``'s one-frame fast paths against a reference builder.

``build_reply`` now reads the first Via from its text when the message has not parsed it
(``_via_sent`` / ``_raw_param``), fills a leading ``;rport`` flag without a parameter
search, remembers status lines, and computes sl's To-tag from the branch it read
(``sl_tag=True``). The reference below is the builder as it was: header records, the
parsed ``Via`` (``msg.via1()``) and ``sl_to_tag`` from ``via.branch``. Every output must be
equal byte for byte, with the Via parsed before or not, on random first Vias (hypothesis),
sources, ``force_rport``, codes, and fast-scanned, LF-only, compacted and copied messages.
"""

from __future__ import annotations

import hashlib
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from osipsc.runtime.sip.build import (
    _raw_param,
    _status_line,
    _via_sent,
    build_reply,
    sl_to_tag,
)
from osipsc.runtime.sip.message import SipMessage
from osipsc.runtime.sip.via import Via

from .test_perf_relay_build import ref_param_span

SERVER = "Server: OpenSIPS (3.6.8 (x86_64/linux))\r\n"


# ----------------------------------------------------------------- reference implementation

def ref_via_line(msg: SipMessage, line: str, via: Via | None) -> str:
    """The first Via line (no line end) as the reply carries it, from the parsed Via."""
    if via is None:
        return line
    colon = line.find(":")
    body_start = colon + 1 + len(line[colon + 1:]) - len(line[colon + 1:].lstrip(" \t"))
    rport = msg.force_rport or via.param("rport") is not None
    if not (rport or via.param("received") is not None
            or via.host.strip("[]") != msg.src[0]):
        return line
    body = line[body_start:]
    cut = len(body)
    for sep in ";,":
        at = body.find(sep)
        if 0 <= at < cut:
            cut = at
    head_end = body_start + len(body[:cut].rstrip())
    out = f"{line[:head_end]};received={msg.src[0]}"
    rest = line[head_end:]
    if not rport:
        return out + rest
    span = ref_param_span(rest, "rport")
    if span is None:
        return f"{out};rport={msg.src[1]}{rest}"
    return f"{out}{rest[:span[0]]};rport={msg.src[1]}{rest[span[1]:]}"


def ref_sl_to_tag(msg: SipMessage) -> str:
    fixed = hashlib.md5(b"OpenSIPS-stateless").hexdigest()
    via = msg.via1()
    seed = (msg.header("call-id") or "") + ((via.branch or "") if via else "")
    return f"{fixed}-{zlib.crc32(seed.encode('latin-1')) & 0xffffffff:08x}"


def ref_to_with_tag(line: str, body: str, tag: str) -> str:
    """The To line with ``tag`` as its tag (replaced, or added after the body)."""
    start = line.find(body)
    end = start + len(body)
    gt = line.rfind(">", start, end)
    idx = line.lower().find(";tag=", gt + 1 if gt >= 0 else start, end)
    if idx < 0:
        return line[:end] + ";tag=" + tag + line[end:]
    ve = idx + 5
    while ve < end and line[ve] not in ";, \t\r\n":
        ve += 1
    return line[:idx + 5] + tag + line[ve:]


def ref_reply(msg: SipMessage, code: int, reason: str, to_tag: str | None,
              extra: list[str] | None = None, body: str | None = None) -> str:
    text = msg.text
    out = [f"SIP/2.0 {code:03d} {reason}\r\n"]
    vias = msg.fields("via")
    for i, hdr in enumerate(vias):
        line = text[hdr.start:hdr.body_start + len(hdr.body)]
        out.append((ref_via_line(msg, line, msg.via1()) if i == 0 else line) + "\r\n")
    if 180 <= code < 300:
        out.extend(text[h.start:h.end] for h in msg.fields("record-route"))
    to = msg.fields("to")
    if to:
        hdr = to[0]
        line = text[hdr.start:hdr.end]
        out.append(ref_to_with_tag(line, hdr.body, to_tag) if to_tag else line)
    for key in ("from", "call-id", "cseq"):
        found = msg.fields(key)
        if found:
            out.append(text[found[0].start:found[0].end])
    out.extend(msg.reply_lumps.headers if extra is None else extra)
    body = msg.reply_lumps.body if body is None else body
    if body:
        out.append(f"{SERVER}Content-Length: {len(body)}\r\n\r\n{body}")
    else:
        out.append(f"{SERVER}Content-Length: 0\r\n\r\n")
    return "".join(out)


# ----------------------------------------------------------------- messages

REST = ("From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c1@h\r\n"
        "Record-Route: <sip:rr;lr>\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n")


def _parse(via_lines: str, src: tuple[str, int], force: bool, lf: bool = False,
           parsed: bool = False) -> SipMessage:
    text = f"REGISTER sip:h SIP/2.0\r\n{via_lines}{REST}"
    if lf:
        text = text.replace("\r\n", "\n")
    msg = SipMessage.parse(text, src=src)
    msg.force_rport = force
    if parsed:
        msg.via1()
    return msg


def _forms(via_lines: str, src: tuple[str, int], force: bool) -> list[SipMessage]:
    """The same request: Via unparsed and parsed; fast and general scan; records built,
    compacted, copied."""
    out = []
    for lf in (False, True):
        for parsed in (False, True):
            msg = _parse(via_lines, src, force, lf, parsed)
            out.append(msg)
            built = msg.copy()
            built.fields("via")
            out.append(built)
            packed = msg.copy()
            packed.fields("to")
            packed.compact()
            out.append(packed)
    return out


def _check(via_lines: str, src: tuple[str, int], force: bool, code: int) -> None:
    """Each build on fresh messages (the reference parses the Via: it would take the
    parsed-Via path of the builder), compared with the reference on other copies."""
    builds = [
        lambda m: build_reply(m, code, "Reason", sl_tag=True),
        lambda m: build_reply(m, code, "Reason"),
        lambda m: build_reply(m, code, "Reason", to_tag="t1"),
        lambda m: build_reply(m, 100, "Trying", extra_headers=[], body=""),
    ]
    refs = [
        lambda m: ref_reply(m, code, "Reason", ref_sl_to_tag(m)),
        lambda m: ref_reply(m, code, "Reason", None),
        lambda m: ref_reply(m, code, "Reason", "t1"),
        lambda m: ref_reply(m, 100, "Trying", None, [], ""),
    ]
    for build, ref in zip(builds, refs, strict=True):
        got = [build(msg).decode("latin-1") for msg in _forms(via_lines, src, force)]
        assert got == [ref(msg) for msg in _forms(via_lines, src, force)]


FIXED_VIAS = [
    "Via: SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bK-r1\r\n",
    "Via: SIP/2.0/UDP 127.0.0.1:5090;rport;branch=z9hG4bK-i1\r\n",
    "v:SIP/2.0/TCP h2;received=1.2.3.4\r\n",
    "Via: SIP/2.0/UDP a, SIP/2.0/UDP b;rport\r\n",
    "Via: SIP/2.0/UDP a;rport, SIP/2.0/UDP b\r\nVia: SIP/2.0/UDP c;branch=3\r\n",
    "Via:\t \r\n",
    "Via: bad\r\n",
    "Via: SIP/2.0/UDP [::1]:5060;RPORT=7;branch=x\r\n",
    "Via: SIP/2.0/UDP [::1;rport\r\n",
    "Via: SIP/2.0/UDP h ; rport ;branch = b2 \r\n",
    "Via: SIP/2.0/UDP;x h;rport\r\n",
    "Via: SIP/2.0/UDP\th;rport\r\n",
    "Via: SIP/2.0/UDP h;rport,\r\n",
    "Via: SIP/2.0/UDP h;rportx;branch\r\n",
    "Via: SIP/2.0/UDP h;x=rport;BRANCH=Up;branch=low\r\n",
    "Via: SIP/2.0/UDP h;branch= sp ;rport\r\n",
    "Via: SIP/2.0/UDP 127.0.0.1:5090;branch=z;Received=9.9.9.9\r\n",
    "Via: SIP/2.0/UDP [127.0.0.1]:5090;branch=z\r\n",
]
SOURCES = [("127.0.0.1", 5090), ("10.0.0.1", 5070), ("::1", 5060)]


@pytest.mark.parametrize("via", FIXED_VIAS)
@pytest.mark.parametrize("src", SOURCES)
@pytest.mark.parametrize("force", [False, True])
def test_fixed_vias(via: str, src: tuple[str, int], force: bool) -> None:
    for code in (100, 200, 404):
        _check(via, src, force, code)


PROTOS = ["SIP/2.0/UDP", "SIP/2.0/TCP", "sip/2.0/udp", "SIP / 2.0 / UDP", "SIP/2.0",
          "bad", "SIP/2.0/UDP;x", "a/b/c/d"]
HOSTS = ["127.0.0.1", "10.0.0.1", "[::1]", "[::1", "::1", "host.example", "H"]
PORTS = ["", ":5090", ":5060", ": 1"]
PARAMS = [";rport", ";RPORT", "; rport ", ";rport=1234", ";rport =", ";received=1.2.3.4",
          ";Received", ";branch=z9hG4bK1", ";BRANCH = x ", ";branch", ";branch=",
          ";x=rport", ";rportx", ";maddr=1.1.1.1", " ;rport", ";", ";;", ",", ", x;rport",
          ";branch=a,b", ";branch= y ", ";brAnch=\u00e9"]
BLANKS = ["", " ", "\t", "  "]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["Via", "v", "VIA"]), st.sampled_from(BLANKS),
       st.sampled_from(PROTOS), st.sampled_from([" ", "  ", "\t", " \t"]),
       st.sampled_from(HOSTS), st.sampled_from(PORTS),
       st.lists(st.sampled_from(PARAMS), max_size=5), st.sampled_from(BLANKS),
       st.sampled_from(SOURCES), st.booleans(), st.sampled_from([100, 180, 200, 302, 486]))
def test_random_vias(name: str, lead: str, proto: str, gap: str, host: str, port: str,
                     params: list[str], trail: str, src: tuple[str, int], force: bool,
                     code: int) -> None:
    via = f"{name}:{lead}{proto}{gap}{host}{port}{''.join(params)}{trail}\r\n"
    _check(via, src, force, code)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" \t;,=/:[]abcrportbranchreceivedSIP2.0UDP\u00e9", max_size=40))
def test_via_sent_matches_parse(body: str) -> None:
    """``_via_sent`` + ``_raw_param`` answer what ``via1()``'s parse answers."""
    try:
        via: Via | None = Via._parse_text(body.split(",")[0])
    except ValueError:
        via = None
    sent = _via_sent(body)
    assert (sent is None) == (via is None)
    if via is None or sent is None:
        return
    host, raw = sent
    assert host == via.host
    low = raw.lower()
    for name in ("rport", "received", "branch"):
        found = _raw_param(raw, name) if name in low else None
        assert found == via.param(name)


def test_sl_to_tag_with_branch() -> None:
    msg = _parse(FIXED_VIAS[0], SOURCES[0], False)
    assert sl_to_tag(msg, "z9hG4bK-r1") == sl_to_tag(msg) == ref_sl_to_tag(msg)


def test_status_lines_remembered() -> None:
    assert _status_line(200, "OK") == "SIP/2.0 200 OK\r\n"
    assert _status_line(7, "Odd") == "SIP/2.0 007 Odd\r\n"
    msg = _parse(FIXED_VIAS[0], SOURCES[0], False)
    for _ in range(2):  # first made, then remembered
        assert build_reply(msg, 7, "Odd").startswith(b"SIP/2.0 007 Odd\r\n")
