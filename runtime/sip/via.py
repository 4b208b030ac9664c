"""Via header values: ``SIP/2.0/UDP host[:port];params``.

The reply builder needs the sent-by host and port and the ``rport``/``received``
parameters of the first Via; the forwarder adds ``received``/``rport`` to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import repeat

_new_object = object.__new__
_set = object.__setattr__


@dataclass(frozen=True, slots=True)
class Via:
    """One Via value. ``params`` keeps order; a flag parameter has value None."""

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
            found = []  # a loop, not a comprehension: no extra frame (Python 3.11)
            for key, eq, value in map(str.partition, raw_params.split(";"), repeat("=")):
                found.append((key.strip(), value.strip() if eq else None))
            params = tuple(found)
        protocol = f"{name.strip()}/{version.strip()}"
        if cls is not Via:
            return cls(protocol, transport.strip().upper(), host, port.strip(), params)
        via = _new_object(Via)  # the frozen dataclass __init__ without its Python frame
        _set(via, "protocol", protocol)
        _set(via, "transport", transport.strip().upper())
        _set(via, "host", host)
        _set(via, "port", port.strip())
        _set(via, "params", params)
        return via

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
