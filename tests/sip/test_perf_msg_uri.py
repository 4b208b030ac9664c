"""Differential test of ``SipUri._parse_text`` (built without the dataclass __init__)
against the plain reading of its rules it replaced."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st
from osipsc.runtime.sip.uri import KNOWN_SCHEMES, SipUri, UriError


def _reference(text: str) -> tuple[object, ...]:
    """The former implementation, step by step (fields, or the error text)."""
    text = text.strip()
    colon = text.find(":")
    if colon <= 0:
        return ("error", f"no scheme in {text!r}")
    scheme = text[:colon]
    if scheme.lower() not in KNOWN_SCHEMES:
        return ("error", f"unsupported scheme in {text!r}")
    rest = text[colon + 1:]
    if scheme.lower() in ("tel", "tels"):
        user, _, params = rest.partition(";")
        return (scheme, user, None, "", "", params, "")
    headers = ""
    if "?" in rest:
        rest, _, headers = rest.partition("?")
    user = ""
    password: str | None = None
    at = rest.rfind("@")
    if at >= 0:
        userinfo, rest = rest[:at], rest[at + 1:]
        if ":" in userinfo:
            user, _, password = userinfo.partition(":")
        else:
            user = userinfo
    if rest.startswith("["):
        end = rest.find("]")
        if end < 0:
            return ("error", f"bad IPv6 reference in {text!r}")
        host = rest[:end + 1]
        rest = rest[end + 1:]
    else:
        cut = len(rest)
        for sep in (":", ";"):
            pos = rest.find(sep)
            if 0 <= pos < cut:
                cut = pos
        host, rest = rest[:cut], rest[cut:]
    port = ""
    if rest.startswith(":"):
        port, _, params = rest[1:].partition(";")
        if not port.isdigit():
            return ("error", f"bad port in {text!r}")
    else:
        params = rest[1:] if rest.startswith(";") else rest
    if not host:
        return ("error", f"no host in {text!r}")
    return (scheme, user, password, host, port, params, headers)


def _actual(text: str) -> tuple[object, ...]:
    try:
        u = SipUri._parse_text(text)
    except UriError as exc:
        return ("error", str(exc))
    assert type(u) is SipUri
    return (u.scheme, u.user, u.password, u.host, u.port, u.params, u.headers)


_PIECES = st.sampled_from([
    "sip:", "SIPS:", "tel:", "urn:", "http:", ":", ";", "@", "?", "[", "]", "::1", "5060",
    "x", "127.0.0.1", "lr", "ftag=a", "=", " ", "\t", "user", "pw", "h", "1a", "\u0660",
])
_TEXTS = st.lists(_PIECES, max_size=12).map("".join) | st.text(max_size=30)


@settings(max_examples=4000, deadline=None)
@given(_TEXTS)
@example("sip:127.0.0.1:5060;lr;ftag=i601")
@example("sip:u:p@[::1]:5070;transport=tcp?h=1")
@example("sip:[::1]x;y")
@example("sip:h;a:b")
@example("sip::5060")
@example("sip::x")
@example("tel:+123;phone-context=x")
def test_parse_text_matches_reference(text: str) -> None:
    assert _actual(text) == _reference(text)


def test_subclass_gets_its_own_class() -> None:
    class Mine(SipUri):
        __slots__ = ()

    assert type(Mine.parse("sip:a@h")) is Mine
    assert str(Mine.parse("sip:a@h:5;x")) == str(SipUri.parse("sip:a@h:5;x"))
