"""SIP message builders for tests: valid SIP text with sensible, deterministic defaults.

Every request gets what a real user agent sends — a Via with an RFC 3261 branch of the
sender's address (``;rport``), a From tag, a Call-ID, CSeq, Max-Forwards and a correct
Content-Length — so the script under test sees realistic messages and tests only spell out
what matters to them. Identifiers come from a per-builder counter, so runs are reproducible.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..sip.message import SipMessage

CRLF = "\r\n"

REASONS = {
    100: "Trying", 180: "Ringing", 183: "Session Progress", 200: "OK", 202: "Accepted",
    301: "Moved Permanently", 302: "Moved Temporarily", 400: "Bad Request",
    401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 407: "Proxy Authentication Required",
    408: "Request Timeout", 480: "Temporarily Unavailable", 481: "Call/Transaction Does Not Exist",
    486: "Busy Here", 487: "Request Terminated", 488: "Not Acceptable Here",
    500: "Server Internal Error", 503: "Service Unavailable", 600: "Busy Everywhere",
    603: "Decline",
}

Headers = Mapping[str, str] | Iterable[tuple[str, str]] | None


class SipText(str):
    """A SIP message as text, remembering the address it is sent from (``src``).

    It is a ``str``, so it can go anywhere text goes (``Engine.receive``, files, asserts).
    """

    src: tuple[str, int]

    def __new__(cls, text: str, src: tuple[str, int]) -> SipText:
        obj = super().__new__(cls, text)
        obj.src = src
        return obj

    @property
    def parsed(self) -> SipMessage:
        """The message parsed by the runtime's SIP parser."""
        return SipMessage.parse(str(self), src=self.src)


def _header_items(headers: Headers) -> list[tuple[str, str]]:
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        return list(headers.items())
    return list(headers)


def _assemble(first_line: str, headers: list[tuple[str, str]], body: str) -> str:
    lines = [first_line] + [f"{name}: {value}" for name, value in headers]
    lines.append(f"Content-Length: {len(body.encode('latin-1', 'replace'))}")
    return CRLF.join(lines) + CRLF + CRLF + body


def _message_of(obj: Any) -> SipMessage:
    """A parsed message from text, bytes, ``SipText`` or a captured ``Packet``."""
    if isinstance(obj, SipMessage):
        return obj
    data = getattr(obj, "data", obj)
    return SipMessage.parse(data)


def _user_of(uri: str) -> str:
    """``sip:alice@example.com`` → ``alice`` (``anonymous`` without a user part)."""
    rest = uri.split(":", 1)[-1]
    return rest.split("@", 1)[0] if "@" in rest else "anonymous"


class SipBuilder:
    """Builds requests and replies as a user agent at ``src`` would send them."""

    def __init__(self, src: tuple[str, int] = ("127.0.0.1", 5070),
                 domain: str = "example.com") -> None:
        self.src = src
        self.domain = domain
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def _via(self, src: tuple[str, int], n: int) -> str:
        return f"SIP/2.0/UDP {src[0]}:{src[1]};rport;branch=z9hG4bK-osipsc-{n}"

    def request(self, method: str, ruri: str, *, from_uri: str | None = None,
                to_uri: str | None = None, from_tag: str | None = None,
                to_tag: str | None = None, call_id: str | None = None, cseq: int = 1,
                max_forwards: int = 70, contact: str | None | bool = True,
                headers: Headers = None, body: str = "",
                content_type: str | None = None,
                src: tuple[str, int] | None = None) -> SipText:
        """A request to ``ruri``; From is ``sip:caller@<domain>`` unless given, To is the
        R-URI. ``contact=True`` adds the sender's Contact (False/None: none). A body without
        ``content_type`` is sent as ``application/sdp``."""
        src = src or self.src
        n = self._next()
        method = method.upper()
        from_uri = from_uri or f"sip:caller@{self.domain}"
        to_uri = to_uri or ruri
        hdrs: list[tuple[str, str]] = [
            ("Via", self._via(src, n)),
            ("Max-Forwards", str(max_forwards)),
            ("From", f"<{from_uri}>;tag={from_tag or f'osipsc-tag-{n}'}"),
            ("To", f"<{to_uri}>" + (f";tag={to_tag}" if to_tag else "")),
            ("Call-ID", call_id or f"osipsc-call-{n}@{src[0]}"),
            ("CSeq", f"{cseq} {method}"),
        ]
        if contact is True:
            contact = f"<sip:{_user_of(from_uri)}@{src[0]}:{src[1]}>"
        if contact:
            hdrs.append(("Contact", contact))
        hdrs.extend(_header_items(headers))
        if body and not any(k.lower() in ("content-type", "c") for k, _ in hdrs):
            hdrs.append(("Content-Type", content_type or "application/sdp"))
        return SipText(_assemble(f"{method} {ruri} SIP/2.0", hdrs, body), src)

    def register(self, aor: str, *, contact: str | None = None, expires: int = 3600,
                 registrar: str | None = None, headers: Headers = None,
                 src: tuple[str, int] | None = None) -> SipText:
        """A REGISTER of ``aor`` binding ``contact`` (default: the sender's address)."""
        src = src or self.src
        host = aor.split("@", 1)[-1] if "@" in aor else self.domain
        contact = contact or f"<sip:{_user_of(aor)}@{src[0]}:{src[1]}>"
        extra = [("Expires", str(expires)), *_header_items(headers)]
        return self.request("REGISTER", registrar or f"sip:{host}", from_uri=aor,
                            to_uri=aor, contact=contact, headers=extra, src=src)

    def in_dialog(self, request: Any, method: str, *, to_tag: str = "osipsc-callee",
                  cseq: int | None = None, ruri: str | None = None,
                  route_set: Any = None, headers: Headers = None, body: str = "",
                  src: tuple[str, int] | None = None) -> SipText:
        """A request inside the dialog ``request`` (the initial request) created: same
        Call-ID, From (tag) and To with ``to_tag``, CSeq + 1 (the same CSeq for ACK).

        ``route_set``: Route headers to send — a list of URIs, or a captured message (the
        forwarded INVITE, a 200 OK) whose Record-Route headers make it.
        """
        first = _message_of(request)
        method = method.upper()
        num = int(first.cseq_num or "1")
        cseq = cseq if cseq is not None else (num if method in ("ACK", "CANCEL") else num + 1)
        routes: list[str] = []
        if isinstance(route_set, (list, tuple)):
            routes = [r if r.startswith("<") else f"<{r}>" for r in route_set]
        elif route_set is not None:
            routes = _message_of(route_set).headers("record-route")
        to_value = first.header("to") or ""
        if method != "CANCEL" and ";tag=" not in to_value:
            to_value += f";tag={to_tag}"
        src = src or getattr(request, "src", None) or self.src
        n = self._next()
        hdrs: list[tuple[str, str]] = [
            ("Via", self._via(src, n)),
            ("Max-Forwards", "70"),
            *[("Route", r) for r in routes],
            ("From", first.header("from") or ""),
            ("To", to_value),
            ("Call-ID", first.header("call-id") or ""),
            ("CSeq", f"{cseq} {method}"),
            *_header_items(headers),
        ]
        if method == "CANCEL":
            hdrs[0] = ("Via", first.header("via") or hdrs[0][1])
        return SipText(_assemble(f"{method} {ruri or first.ruri} SIP/2.0", hdrs, body), src)

    def cancel(self, request: Any) -> SipText:
        """The CANCEL of ``request`` (same Via branch, R-URI, Call-ID, CSeq number)."""
        return self.in_dialog(request, "CANCEL")

    def reply(self, request: Any, code: int, reason: str | None = None, *,
              to_tag: str | None = "osipsc-callee", headers: Headers = None,
              body: str = "", src: tuple[str, int] | None = None) -> SipText:
        """A reply to ``request`` as its recipient would send it: every Via, From, To (with
        ``to_tag`` for codes above 100), Call-ID, CSeq, and Record-Route for 18x-2xx.

        ``request`` is typically ``outcome.forwarded`` — the request the script relayed —
        and the reply then comes from where it was sent (its destination).
        """
        msg = _message_of(request)
        reason = reason or REASONS.get(code, "Unknown")
        to_value = msg.header("to") or ""
        if code > 100 and to_tag and ";tag=" not in to_value:
            to_value += f";tag={to_tag}"
        hdrs: list[tuple[str, str]] = [("Via", v) for v in msg.headers("via")]
        if 180 <= code < 300:
            hdrs += [("Record-Route", r) for r in msg.headers("record-route")]
        hdrs += [
            ("From", msg.header("from") or ""),
            ("To", to_value),
            ("Call-ID", msg.header("call-id") or ""),
            ("CSeq", msg.header("cseq") or ""),
            *_header_items(headers),
        ]
        if src is None:
            src = getattr(request, "dst", None) or getattr(request, "src", None) or self.src
        return SipText(_assemble(f"SIP/2.0 {code} {reason}", hdrs, body), src)
