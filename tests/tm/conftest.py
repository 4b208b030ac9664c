"""A stand-in engine for tm tests: virtual clock, recorded datagrams, routes as Python
functions. It implements exactly the hooks ``runtime/tm/__init__.py`` lists, so these tests
pin that contract independently of the real ``Engine``."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from osipsc.runtime.context import Context, RouteType
from osipsc.runtime.sip.message import SipMessage
from osipsc.runtime.sip.transcript import known_values_from_messages, render_packet
from osipsc.runtime.tm.manager import get_manager

_REPO_CASES = Path(__file__).resolve().parents[1] / "conformance" / "cases"
CASES = _REPO_CASES if _REPO_CASES.is_dir() else Path("/work/shared/conformance/cases")


class Handle:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Clock:
    """Virtual time; timers fire only when ``advance`` passes them."""

    def __init__(self) -> None:
        self.t = 0.0
        self._q: list[tuple[float, int, Handle, Callable[[], None]]] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self.t

    def call_later(self, delay: float, fn: Callable[[], None]) -> Handle:
        h = Handle()
        heapq.heappush(self._q, (self.t + delay, next(self._seq), h, fn))
        return h

    def advance(self, seconds: float) -> None:
        end = self.t + seconds
        while self._q and self._q[0][0] <= end:
            when, _, h, fn = heapq.heappop(self._q)
            self.t = when
            if not h.cancelled:
                fn()
        self.t = end


class FakeEngine:
    """Routes: ``engine.routes[(kind, name)] = fn(ctx)``; a route returns "DROP" to drop."""

    def __init__(self, modparams: list[tuple[str, str, Any]] | None = None) -> None:
        self.clock = Clock()
        self.sent: list[tuple[bytes, tuple[str, int], str]] = []
        self.logs: list[str] = []
        self.xlog: list[str] = []
        self.routes: dict[tuple[str, str], Callable[[Context], Any]] = {}
        self.modparams = modparams or []
        self.vars: dict[str, Any] = {}
        self.max_while_loops = 10000
        self.modules = ["tm", "sl"]

    def modparam(self, module: str, name: str) -> Any:
        for mod, key, value in self.modparams:
            if mod == module and key == name:
                return value
        return None

    def send(self, data: bytes, dst: tuple[str, int], proto: str = "udp") -> None:
        self.sent.append((data, dst, proto))

    def log(self, level: int, text: str) -> None:
        self.logs.append(text)

    def new_context(self, msg: Any, route_type: Any, avps: Any, flags: set[str] | None = None
                    ) -> Context:
        rt = route_type if isinstance(route_type, RouteType) else RouteType[route_type]
        return Context(self, msg, rt, avps, flags)

    def run_top_route(self, kind: str, name: str, ctx: Context) -> Any:
        return self.routes[(kind, name)](ctx)

    def request(self, text: str, route: Callable[[Context], Any]) -> Context:
        msg = SipMessage.parse(text.replace("\n", "\r\n") if "\r\n" not in text else text)
        ctx = Context(self, msg, RouteType.REQUEST)
        route(ctx)
        return ctx

    def reply(self, text: str) -> bool:
        msg = SipMessage.parse(text.replace("\n", "\r\n") if "\r\n" not in text else text,
                               src=("127.0.0.1", 5070))
        return get_manager(self).on_reply(self, msg)

    def first_lines(self) -> list[str]:
        return [d.decode("latin-1").split("\r\n", 1)[0] for d, _, _ in self.sent]


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()


def request(method: str = "OPTIONS", n: int = 1, extra: str = "", body: str = "",
            ruri: str = "sip:bob@127.0.0.1:5060") -> str:
    """A request like the conformance message files (CRLF, fixed values)."""
    lines = [
        f"{method} {ruri} SIP/2.0",
        f"Via: SIP/2.0/UDP 127.0.0.1:5070;rport;branch=z9hG4bK-test-{n:02d}",
        "Max-Forwards: 70",
        f'From: "Alice" <sip:alice@127.0.0.1:5070>;tag=ft-{n:02d}',
        "To: <sip:bob@127.0.0.1:5060>",
        f"Call-ID: test-{n:02d}@127.0.0.1",
        f"CSeq: {n} {method}",
        "Contact: <sip:alice@127.0.0.1:5070>",
        "User-Agent: conformance",
    ]
    if extra:
        lines.append(extra)
    lines.append(f"Content-Length: {len(body)}")
    return "\r\n".join(lines) + "\r\n\r\n" + body


def reply_to(sent: bytes, code: int, reason: str, to_tag: str = "uas-1") -> str:
    """A downstream reply to a request tm sent (same Vias, From, Call-ID, CSeq)."""
    text = sent.decode("latin-1")
    head = text.split("\r\n\r\n", 1)[0].split("\r\n")
    keep = [h for h in head[1:] if h.split(":", 1)[0].lower() in
            ("via", "from", "call-id", "cseq")]
    to = next(h for h in head[1:] if h.lower().startswith("to:"))
    lines = [f"SIP/2.0 {code} {reason}", *keep, f"{to};tag={to_tag}", "Content-Length: 0"]
    return "\r\n".join(lines) + "\r\n\r\n"


def case_messages(case: str) -> list[tuple[str, str]]:
    out = []
    for p in sorted((CASES / case).glob("[0-9][0-9]-*.sip")):
        text = p.read_text("latin-1")
        if "\r\n" not in text:
            text = text.replace("\n", "\r\n")
        if "\r\n\r\n" not in text:
            text += "\r\n"
        out.append((p.name, text))
    return out


def transcript(case: str, engine: FakeEngine, route: Callable[[Context], Any],
               settle: float = 3.0) -> str:
    """Run a case's messages through ``route`` and render the transcript (xlog lines are
    what the route functions append to ``engine.xlog``)."""
    msgs = case_messages(case)
    known = known_values_from_messages([t for _, t in msgs])
    seen: set[bytes] = set()
    lines = ["== startup"]
    for name, text in msgs:
        lines.append(f"== {name}")
        engine.xlog.clear()
        start = len(engine.sent)
        ctx = Context(engine, SipMessage.parse(text), RouteType.REQUEST)
        route(ctx)
        engine.clock.advance(settle)
        lines.extend(engine.xlog)
        for data, _, _ in engine.sent[start:]:
            if data in seen:
                continue
            seen.add(data)
            lines.extend(render_packet(data, known))
    lines.append("== end")
    return "\n".join(lines) + "\n"


def expected(case: str) -> str:
    return (CASES / case / "expected.out").read_text("utf-8")
