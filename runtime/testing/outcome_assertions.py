"""What a script did with one message, with assertions that read like the domain.

``ScriptOutcome`` wraps the engine's ``Outcome``: packets become ``Packet`` objects (parsed on
demand), xlog lines can be searched with ``in``, and the expectation methods —
``replied(404)``, ``relayed_to("sip:...")``, ``logged("...")`` — return True or raise an
``AssertionError`` whose message shows the whole transcript of the message and the route
flow, so a failing test explains itself. Use them with or without ``assert``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..sip.message import SipMessage


@dataclass(frozen=True)
class Packet:
    """One datagram the script sent: ``data`` to ``dst`` over ``proto``."""

    data: bytes
    dst: tuple[str, int]
    proto: str = "udp"

    @cached_property
    def msg(self) -> SipMessage:
        return SipMessage.parse(self.data, src=self.dst)

    @property
    def text(self) -> str:
        return self.data.decode("latin-1")

    @property
    def is_reply(self) -> bool:
        return self.data.startswith(b"SIP/")

    @property
    def code(self) -> int | None:
        """The status code of a reply (None for requests)."""
        return self.msg.status if self.is_reply else None

    @property
    def reason(self) -> str:
        return self.msg.reason if self.is_reply else ""

    @property
    def method(self) -> str:
        return self.msg.method_name

    @property
    def ruri(self) -> str:
        return self.msg.ruri

    def header(self, name: str) -> str | None:
        """The body of the first header ``name`` (case-insensitive), or None."""
        return self.msg.header(name)

    def headers(self, name: str) -> list[str]:
        return self.msg.headers(name)

    @property
    def body(self) -> str:
        return self.msg.body

    def __str__(self) -> str:
        return self.text

    def summary(self) -> str:
        line = self.text.split("\r\n", 1)[0]
        arrow = "reply" if self.is_reply else "request"
        return f"{arrow} to {self.dst[0]}:{self.dst[1]}/{self.proto}: {line}"


class XlogLines(list[str]):
    """The xlog lines of a message; ``"text" in lines`` matches any line containing it."""

    def __contains__(self, item: object) -> bool:
        if not isinstance(item, str):
            return False
        return any(item in line for line in self)


class ScriptOutcome:
    """The outcome of one message (or clock advance) in a test, with assertions."""

    def __init__(self, outcome: Any, context: Any = None) -> None:
        self.raw = outcome
        self.context = context
        """The request's ``Context`` (AVPs, flags, ``$rc``) when a request route ran."""

    # ------------------------------------------------------------------ contents
    @cached_property
    def xlog(self) -> XlogLines:
        """xlog lines (trailing newline removed) that passed ``xlog_level``."""
        return XlogLines(text.rstrip("\n") for _, text in self.raw.xlog)

    @property
    def logs(self) -> list[str]:
        """OpenSIPS's own log lines (errors, warnings of modules)."""
        return [text for _, text in self.raw.logs]

    @cached_property
    def packets(self) -> list[Packet]:
        return [Packet(data, dst, proto) for data, dst, proto in self.raw.packets]

    @property
    def replies(self) -> list[Packet]:
        """Replies the script sent (stateless or through tm), in order."""
        return [p for p in self.packets if p.is_reply]

    @property
    def reply(self) -> Packet | None:
        """The last final reply sent, else the last provisional one, else None."""
        finals = [p for p in self.replies if (p.code or 0) >= 200]
        if finals:
            return finals[-1]
        return self.replies[-1] if self.replies else None

    @property
    def reply_codes(self) -> list[int]:
        return [p.code or 0 for p in self.replies]

    @property
    def requests(self) -> list[Packet]:
        """Requests the script sent (relayed, forked, CANCELs, ACKs), in order."""
        return [p for p in self.packets if not p.is_reply]

    @property
    def forwarded(self) -> Packet | None:
        """The last request the script sent, or None."""
        requests = self.requests
        return requests[-1] if requests else None

    @property
    def trace(self) -> list[Any]:
        """Route flow records (``TraceRecord``) when the engine traces."""
        return list(self.raw.trace)

    @property
    def dropped(self) -> bool:
        return bool(self.context is not None and self.context.extra.get("dropped"))

    def avp(self, name: str) -> Any:
        """The value of ``$avp(name)`` at the end of the request route (None if unset)."""
        return None if self.context is None else self.context.avps.get(name)

    def __iter__(self) -> Iterator[Packet]:
        return iter(self.packets)

    # ------------------------------------------------------------------ assertions
    def transcript(self) -> str:
        """Everything the message produced, in reading order: xlog, logs, packets, flow."""
        out = [f"xlog: {line}" for line in self.xlog]
        out += [f"log: {line}" for line in self.logs]
        for p in self.packets:
            out.append(f"--- {p.summary()}")
            out += ["    " + line for line in p.text.rstrip("\r\n").split("\r\n")]
        if self.raw.trace:
            out.append("--- route flow")
            out += ["    " + "  " * max(0, r.depth - 1) + str(r) for r in self.raw.trace]
        if not out:
            out.append("(nothing: no xlog line, no packet)")
        return "\n".join(out)

    def _fail(self, expected: str) -> AssertionError:
        return AssertionError(f"expected {expected}; the script produced:\n{self.transcript()}")

    def replied(self, code: int | None = None, reason: str | None = None) -> bool:
        """True if a reply with ``code`` (and ``reason``) was sent; else AssertionError."""
        for p in self.replies:
            if (code is None or p.code == code) and (reason is None or p.reason == reason):
                return True
        what = "a reply" if code is None else f"a {code} reply"
        if reason is not None:
            what += f" ({reason!r})"
        raise self._fail(what)

    def not_replied(self) -> bool:
        """True if no reply was sent; else AssertionError."""
        if self.replies:
            raise self._fail("no reply")
        return True

    def relayed_to(self, target: str) -> bool:
        """True if a request went to ``target``: an R-URI (``sip:bob@host:port``), or a
        ``host:port`` / ``sip:host:port`` destination (``$du``). Else AssertionError."""
        hostport = target.split(":", 1)[1] if target.startswith("sip:") else target
        for p in self.requests:
            if p.ruri == target or f"{p.dst[0]}:{p.dst[1]}" == hostport:
                return True
        raise self._fail(f"a request relayed to {target}")

    def logged(self, text: str) -> bool:
        """True if an xlog line contains ``text``; else AssertionError."""
        if text in self.xlog:
            return True
        raise self._fail(f"an xlog line containing {text!r}")

    def __repr__(self) -> str:
        return (f"<ScriptOutcome replies={self.reply_codes} requests={len(self.requests)} "
                f"xlog={len(self.xlog)}>")
