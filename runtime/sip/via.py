"""Via header values: ``SIP/2.0/UDP host[:port];params``.

The reply builder needs the sent-by host and port and the ``rport``/``received``
parameters of the first Via; the forwarder adds ``received``/``rport`` to it.
"""

from __future__ import annotations

from itertools import repeat
from typing import NamedTuple

_new_tuple = tuple.__new__
#: the Via protocol text (``SIP/2.0/UDP``) -> (protocol, transport): a few spellings
_PROTOCOLS: dict[str, tuple[str, str]] = {}
#: sent-by text (``host:port``) -> (host, port): a sender repeats its own; both bounded
_SENT_BY: dict[str, tuple[str, str]] = {}
_MEMO_MAX = 1024


def _protocol(proto: str, text: str) -> tuple[str, str]:
    """``(name/version, TRANSPORT)`` of a Via protocol text, remembered; ValueError
    (never remembered) when it is not three ``/`` parts."""
    parts = proto.split("/")
    if len(parts) != 3:
        raise ValueError(f"bad Via protocol in {text!r}")
    name, version, transport = parts
    head = (f"{name.strip()}/{version.strip()}", transport.strip().upper())
    if len(_PROTOCOLS) >= _MEMO_MAX:
        _PROTOCOLS.clear()
    _PROTOCOLS[proto] = head
    return head


def _sent_by(text: str) -> tuple[str, str]:
    """``(host, port)`` of a Via sent-by text (IPv6 references keep their brackets),
    remembered."""
    sent_by = text.strip()
    if sent_by[:1] == "[":
        end = sent_by.find("]")
        host, port = sent_by[:end + 1], sent_by[end + 2:] if end + 1 < len(sent_by) else ""
    else:
        host, _, port = sent_by.partition(":")
    hostport = (host, port.strip())
    if len(_SENT_BY) >= _MEMO_MAX:
        _SENT_BY.clear()
    _SENT_BY[text] = hostport
    return hostport


class Via(NamedTuple):
    """One Via value. ``params`` keeps order; a flag parameter has value None.

    A named tuple (immutable, compared and shown field by field, as the frozen
    dataclass it was): ``tuple.__new__`` makes one in a single C call, where a frozen
    slots class needed a setter call per field, and every relayed request parses one."""

    protocol: str
    transport: str
    host: str
    port: str
    params: tuple[tuple[str, str | None], ...]

    @classmethod
    def parse(cls, text: str) -> Via:
        """Parse ``text``. Not memoised: every message's top Via has its own branch, so a
        text memo only missed (``SipMessage.via1`` keeps the value per message, and its
        copies share it); failures raise ``ValueError``."""
        return cls._parse_text(text)

    @classmethod
    def _parse_text(cls, text: str) -> Via:
        text = text.strip()
        proto, _, rest = text.partition(" ")
        head = _PROTOCOLS.get(proto)
        if head is None:
            head = _protocol(proto, text)
        protocol, transport = head
        sent_by, semi, raw_params = rest.partition(";")
        hostport = _SENT_BY.get(sent_by)
        if hostport is None:
            hostport = _sent_by(sent_by)
        host, port = hostport
        params: tuple[tuple[str, str | None], ...] = ()
        if raw_params:
            found = []  # a loop, not a comprehension: no extra frame (Python 3.11)
            for key, eq, value in map(str.partition, raw_params.split(";"), repeat("=")):
                found.append((key.strip(), value.strip() if eq else None))
            params = tuple(found)
        if cls is not Via:
            return cls(protocol, transport, host, port, params)
        return _new_tuple(Via, (protocol, transport, host, port, params))

    def param(self, name: str) -> str | None:
        """Value of ``name`` ("" for a flag parameter), None when absent."""
        low = name.lower()
        for key, value in self.params:
            if key == low or key.lower() == low:
                return "" if value is None else value
        return None

    @property
    def branch(self) -> str | None:
        return self.param("branch")

    @property
    def port_text(self) -> str:
        """The port as written (tm's name for it: ``adapter.top_via`` hands this Via out)."""
        return self.port

