"""Shared driver for the ``test_semantics_*`` files: compile a small cfg and run it.

The tests assert what OpenSIPS 3.6 prints for one rule at a time, so the driver returns
plain xlog lines per section (``startup`` and one list per request) plus the engine's own
log records, the way ``osipsc run`` builds a transcript.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from osipsc.compiler.render import load_text_module
from osipsc.runtime.engine import Engine, Outcome

HEADER = """loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "sipmsgops.so"
loadmodule "cfgutils.so"
socket = udp:127.0.0.1:5060
"""

OPTIONS = (
    "OPTIONS sip:bob@127.0.0.1:5060 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070;rport;branch=z9hG4bK-sem-{n}\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:alice@127.0.0.1:5070>;tag=ft-{n}\r\n"
    "To: <sip:bob@127.0.0.1:5060>\r\n"
    "Call-ID: sem-{n}@127.0.0.1\r\n"
    "CSeq: 1 OPTIONS\r\n"
    "Content-Length: 0\r\n\r\n"
)


@dataclass
class Run:
    """What one cfg printed: ``startup`` lines, one list per request, engine logs."""

    startup: list[str] = field(default_factory=list)
    requests: list[list[str]] = field(default_factory=list)
    logs: list[tuple[int, str]] = field(default_factory=list)
    engine: Any = None

    @property
    def all(self) -> list[str]:
        return self.startup + [line for req in self.requests for line in req]


def _lines(outcome: Outcome) -> list[str]:
    out: list[str] = []
    for _, text in outcome.xlog:
        if not text:  # xlog("") (used for its $rc only) prints an empty record
            continue
        text = text[:-1] if text.endswith("\n") else text
        out.extend(text.split("\n"))
    return out


def run(cfg: str, requests: int = 0, header: str = HEADER, settle: float = 0.0) -> Run:
    """Compile ``header + cfg``, run startup_route and ``requests`` OPTIONS requests."""
    module = load_text_module("test.cfg", header + cfg)
    engine = Engine(module, start=False)
    result = Run(engine=engine)
    engine.start()
    out = engine.settle()
    result.startup = _lines(out)
    result.logs.extend(out.logs)
    for n in range(requests):
        engine.receive(OPTIONS.format(n=n).encode(), ("127.0.0.1", 5070))
        out = engine.advance(settle)
        result.requests.append(_lines(out))
        result.logs.extend(out.logs)
    return result


def startup(body: str, params: str = "") -> list[str]:
    """xlog lines of a ``startup_route`` with ``body`` (global ``params`` before it)."""
    return run(params + "startup_route {\n" + body + "\n}\n").startup
