"""The one-split header scan of ``SipMessage._parse`` must give exactly what the general
line loop gives (it exists only for speed): compare both on generated messages."""

from __future__ import annotations

import random
from typing import Any

import pytest
from osipsc.runtime.sip import message as sipmsg

LINES = [
    "Via: SIP/2.0/UDP h;branch=z9hG4bK1", "From: <sip:x@y>;tag=1 ", "To:\t <sip:a@b>",
    "Call-ID:  c1", "CSeq: 1 INVITE", "X-Empty:", "l: 3", " v : SIP/2.0/UDP h2", "Bad line",
    "Subject: a\r\n  folded", "Max-Forwards: 70\r", ":x", "Content-Length: 2 ", "i:c2",
]


def _snapshot(text: str) -> Any:
    try:
        m = sipmsg.SipMessage.parse(text)
    except sipmsg.SipParseError as exc:
        return ("error", str(exc))
    return (m.is_request, m.method, m.ruri, m.status, m.eoh, m.body_start, m.body,
            [(h.name, h.body, h.start, h.end, h.body_start, h.key) for h in m.headers_list],
            {k: m.headers(k) for k in ("via", "from", "to", "call-id", "cseq", "subject")})


@pytest.mark.parametrize("seed", range(4))
def test_fast_path_matches_general_loop(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(seed)
    for _ in range(500):
        first = rnd.choice(["INVITE sip:a@b SIP/2.0", "SIP/2.0 200 OK"])
        lines = [first, *rnd.sample(LINES, k=rnd.randint(3, 9))]
        eol = rnd.choice(["\r\n", "\r\n", "\n"])
        text = (eol.join(lines) + rnd.choice([eol + eol, eol, eol + "\r\n", ""])
                + rnd.choice(["", "abc", "abcdef\r\n\r\nxyz", "\r\nq"]))
        monkeypatch.setattr(sipmsg, "_FAST_PATH", True)
        fast = _snapshot(text)
        monkeypatch.setattr(sipmsg, "_FAST_PATH", False)
        assert _snapshot(text) == fast, repr(text)
