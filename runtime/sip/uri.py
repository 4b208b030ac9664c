"""SIP URI parsing and formatting (the parts ``$rU $rd $rp ...`` and ``{uri.*}`` read).

Parsing is tolerant like OpenSIPS's ``parse_uri``: ``scheme:[user[:password]@]host[:port]
[;params][?headers]`` with IPv6 references (``[::1]``). ``str(uri)`` rebuilds the text in
the order OpenSIPS's rewrite functions use, so setting one part and printing gives what
``$ru`` shows after ``$rU = ...`` / ``$rp = NULL`` (conformance case pv-write-ruri).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .memo import ParseMemo

KNOWN_SCHEMES = ("sip", "sips", "tel", "tels", "urn")


class UriError(ValueError):
    """The text is not a URI OpenSIPS's parser accepts."""


#: text -> parsed value, bounded (texts come off the wire): ``SipUri.parse``
_PARSED: ParseMemo[SipUri] = ParseMemo()
#: the memo's lookup alone (None: not parsed yet, or not valid): the message parser checks
#: every R-URI and most were parsed before
memo_get = _PARSED.get


@dataclass(frozen=True, slots=True)
class SipUri:
    """A parsed URI; ``params`` / ``headers`` keep their raw text without ``;`` / ``?``."""

    scheme: str
    user: str = ""
    password: str | None = None
    host: str = ""
    port: str = ""
    params: str = ""
    headers: str = ""

    @classmethod
    def parse(cls, text: str) -> SipUri:
        """Parse ``text`` (memoised: the value is immutable and a message's handlers
        parse the same header text many times; failures are not cached)."""
        if cls is not SipUri:  # a subclass gets its own instances, never the memo's
            return cls._parse_text(text)
        return _PARSED.get(text) or _PARSED.add(text, cls._parse_text(text))

    @classmethod
    def _parse_text(cls, text: str) -> SipUri:
        """Parse ``text``; raise :class:`UriError` when it is not a SIP/TEL URI.

        Route / Contact URIs carry per-dialog parameters (ftag ...), so the memo misses
        often: the value is built without the frozen dataclass ``__init__`` frame.
        """
        text = text.strip()
        colon = text.find(":")
        if colon <= 0:
            raise UriError(f"no scheme in {text!r}")
        scheme = text[:colon]
        low = scheme.lower()
        if low not in KNOWN_SCHEMES:
            raise UriError(f"unsupported scheme in {text!r}")
        rest = text[colon + 1:]
        if low == "tel" or low == "tels":
            user, _, params = rest.partition(";")
            return cls(scheme, user=user, params=params)
        headers = ""
        if "?" in rest:
            rest, _, headers = rest.partition("?")
        user = ""
        password: str | None = None
        at = rest.rfind("@")
        if at >= 0:
            user, sep, pwd = rest[:at].partition(":")
            if sep:
                password = pwd
            rest = rest[at + 1:]
        port = ""
        if rest[:1] == "[":
            end = rest.find("]")
            if end < 0:
                raise UriError(f"bad IPv6 reference in {text!r}")
            host = rest[:end + 1]
            rest = rest[end + 1:]
            if rest[:1] == ":":
                port, _, params = rest[1:].partition(";")
                if not port.isdigit():
                    raise UriError(f"bad port in {text!r}")
            else:
                params = rest[1:] if rest[:1] == ";" else rest
        else:
            # the host ends at the first ':' (a port follows) or ';' (parameters follow)
            semi = rest.find(";")
            col = rest.find(":")
            if col >= 0 and (semi < 0 or col < semi):
                host = rest[:col]
                port, _, params = rest[col + 1:].partition(";")
                if not port.isdigit():
                    raise UriError(f"bad port in {text!r}")
            elif semi >= 0:
                host, params = rest[:semi], rest[semi + 1:]
            else:
                host, params = rest, ""
        if not host:
            raise UriError(f"no host in {text!r}")
        if cls is not SipUri:
            return cls(scheme, user, password, host, port, params, headers)
        uri = _new_object(SipUri)  # the frozen dataclass __init__ without its frame
        _SET_SCHEME(uri, scheme)
        _SET_USER(uri, user)
        _SET_PASSWORD(uri, password)
        _SET_HOST(uri, host)
        _SET_PORT(uri, port)
        _SET_PARAMS(uri, params)
        _SET_HEADERS(uri, headers)
        return uri

    def __str__(self) -> str:
        out = [self.scheme, ":"]
        if self.scheme.lower() in ("tel", "tels"):
            out.append(self.user)
        else:
            if self.user or self.password is not None:
                out.append(self.user)
                if self.password is not None:
                    out.append(":" + self.password)
                out.append("@")
            out.append(self.host)
            if self.port:
                out.append(":" + self.port)
        if self.params:
            out.append(";" + self.params)
        if self.headers:
            out.append("?" + self.headers)
        return "".join(out)

    def with_(self, **changes: object) -> SipUri:
        """A copy with some parts replaced (``uri.with_(user="")``)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def param(self, name: str) -> str | None:
        """Value of URI parameter ``name`` ("" for a flag parameter, None when absent)."""
        for item in self.params.split(";"):
            key, eq, value = item.partition("=")
            if key.strip().lower() == name.lower():
                return value.strip() if eq else ""
        return None

    @property
    def transport(self) -> str:
        """The ``transport`` parameter lower-cased, or "" when absent."""
        return (self.param("transport") or "").lower()

    @property
    def default_port(self) -> int:
        """The port OpenSIPS assumes when the URI has none (5061 for sips / TLS)."""
        if self.scheme.lower() == "sips" or self.transport == "tls":
            return 5061
        return 5060

    @property
    def port_no(self) -> int:
        """The explicit port, or the default one."""
        return int(self.port) if self.port else self.default_port

    @property
    def bare_host(self) -> str:
        """Host without IPv6 brackets."""
        return self.host[1:-1] if self.host.startswith("[") else self.host


_new_object = object.__new__
#: the slots' own setters: fill a new frozen SipUri without its __setattr__ guard
_SET_SCHEME = SipUri.__dict__["scheme"].__set__
_SET_USER = SipUri.__dict__["user"].__set__
_SET_PASSWORD = SipUri.__dict__["password"].__set__
_SET_HOST = SipUri.__dict__["host"].__set__
_SET_PORT = SipUri.__dict__["port"].__set__
_SET_PARAMS = SipUri.__dict__["params"].__set__
_SET_HEADERS = SipUri.__dict__["headers"].__set__
