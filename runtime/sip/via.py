"""Via header values: ``SIP/2.0/UDP host[:port];params``.

The reply builder needs the sent-by host and port and the ``rport``/``received``
parameters of the first Via; the forwarder adds ``received``/``rport`` to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import repeat

from .memo import ParseMemo

_new_object = object.__new__
_set = object.__setattr__
#: text -> parsed value, bounded (texts come off the wire): ``Via.parse``
_PARSED: ParseMemo[Via] = ParseMemo()


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
        """Parse ``text`` (memoised: the value is immutable and a message's handlers
        parse the same header text many times; failures are not cached)."""
        if cls is not Via:  # a subclass gets its own instances, never the memo's
            return cls._parse_text(text)
        return _PARSED.get(text) or _PARSED(text, cls._parse_text)

    @classmethod
    def _parse_text(cls, text: str) -> Via:
        text = text.strip()
        proto, _, rest = text.partition(" ")
        parts = list(map(str.strip, proto.split("/")))
        if len(parts) != 3:
            raise ValueError(f"bad Via protocol in {text!r}")
        rest = rest.strip()
        sent_by, _, raw_params = rest.partition(";")
        sent_by = sent_by.strip()
        if sent_by.startswith("["):
            end = sent_by.find("]")
            host, port = sent_by[:end + 1], sent_by[end + 2:] if end + 1 < len(sent_by) else ""
        else:
            host, _, port = sent_by.partition(":")
        params = tuple([(key.strip(), value.strip() if eq else None) for key, eq, value
                        in map(str.partition, raw_params.split(";"), repeat("="))]
                       ) if raw_params else ()
        if cls is not Via:
            return cls(f"{parts[0]}/{parts[1]}", parts[2].upper(), host, port.strip(), params)
        via = _new_object(Via)  # the frozen dataclass __init__ without its Python frame
        _set(via, "protocol", f"{parts[0]}/{parts[1]}")
        _set(via, "transport", parts[2].upper())
        _set(via, "host", host)
        _set(via, "port", port.strip())
        _set(via, "params", params)
        return via

    def param(self, name: str) -> str | None:
        """Value of ``name`` ("" for a flag parameter), None when absent."""
        for key, value in self.params:
            if key.lower() == name.lower():
                return "" if value is None else value
        return None

    @property
    def branch(self) -> str | None:
        return self.param("branch")

    @property
    def port_text(self) -> str:
        """The port as written (tm's name for it: ``adapter.top_via`` hands this Via out)."""
        return self.port
