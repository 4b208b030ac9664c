"""``ip. sdp. re.`` transformations (OpenSIPS 3.6 semantics).

``ip.resolve`` never does DNS (osipsc runs hermetically): a literal IP is returned in its
printed form, a host name gives NULL (what OpenSIPS returns when resolution fails).
``sdp.*`` handle a single SDP session (the common case) with CRLF line ends.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from osipsc.runtime.regex import RegexError, parse_subst, subst_str
from osipsc.runtime.transforms_base import (
    Fail,
    has_int,
    int_of,
    num_param,
    register,
    str_param,
    text_of,
)

# --------------------------------------------------------------------------- ip

def str2ip(text: str) -> ipaddress.IPv4Address | None:
    """OpenSIPS ``str2ip``: a dotted quad, each part 0..255 without a leading zero
    (``01.2.3.4`` is refused); a final empty part counts as 0 (``1.2.3.`` is 1.2.3.0)."""
    if not text or not "0" <= text[0] <= "9":
        return None
    parts = [ord(text[0]) - 48]
    digits = 1
    i = 1
    n = len(text)
    while i < n:
        c = text[i]
        if c == ".":
            if len(parts) == 4:
                return None  # too many dots
            parts.append(0)
            digits = 0
            i += 1
            if i == n:
                break
            if not "0" <= text[i] <= "9":
                return None
            parts[-1] = ord(text[i]) - 48
            digits = 1
        elif "0" <= c <= "9" and digits in (1, 2):
            if digits == 1 and parts[-1] == 0:
                return None
            if digits == 2 and (parts[-1] > 25 or (parts[-1] == 25 and c > "5")):
                return None
            parts[-1] = parts[-1] * 10 + ord(c) - 48
            digits += 1
        else:
            return None
        i += 1
    if len(parts) < 4:
        return None
    return ipaddress.IPv4Address(".".join(map(str, parts)))


def str2ip6(text: str) -> ipaddress.IPv6Address | None:
    """OpenSIPS ``str2ip6``: an IPv6 literal, optionally inside ``[...]``."""
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" not in text or "%" in text:
        return None
    try:
        return ipaddress.IPv6Address(text)
    except ValueError:
        return None


def _any_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    return str2ip(text) or str2ip6(text)


def _ip_input(v: Any) -> str:
    text = text_of(v)
    if not text:
        raise Fail
    return text


def _binary(v: Any) -> bytes:
    raw = _ip_input(v).encode("latin-1")
    if len(raw) not in (4, 16):
        raise Fail
    return raw


@register("ip", "family")
def ip_family(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
    return "INET" if len(_binary(v)) == 4 else "INET6"


@register("ip", "ntop")
def ip_ntop(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
    return str(ipaddress.ip_address(_binary(v)))


@register("ip", "pton")
def ip_pton(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
    ip = _any_ip(_ip_input(v))
    if ip is None:
        raise Fail
    return ip.packed.decode("latin-1")


@register("ip", "isip")
def ip_isip(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> int:
    return int(_any_ip(_ip_input(v)) is not None)


@register("ip", "isip4")
def ip_isip4(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> int:
    return int(str2ip(_ip_input(v)) is not None)


@register("ip", "isip6")
def ip_isip6(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> int:
    return int(str2ip6(_ip_input(v)) is not None)


_PRIVATE = [ipaddress.IPv4Network(n) for n in
            ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8")]


@register("ip", "isprivate")
def ip_isprivate(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> int:
    ip = str2ip(_ip_input(v))  # IPv4 only (ip_addr_is_1918)
    return int(ip is not None and any(ip in net for net in _PRIVATE))


@register("ip", "resolve")
def ip_resolve(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str | None:
    ip = _any_ip(_ip_input(v))
    return str(ip) if ip is not None else None


@register("ip", "matches", 1)
def ip_matches(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> int:
    ip = _any_ip(_ip_input(v))
    if ip is None:
        raise Fail
    net_text = str_param(p[0], ctx)
    addr, sep, bits = net_text.partition("/")
    if not sep:
        raise Fail
    net_ip = _any_ip(addr)
    if net_ip is None or not bits.isdigit() or int(bits) > net_ip.max_prefixlen:
        raise Fail
    if net_ip.version != ip.version:
        raise Fail
    net = ipaddress.ip_network(f"{net_ip}/{bits}", strict=False)
    return int(ip in net)


# -------------------------------------------------------------------------- sdp


def _sdp_text(v: Any) -> str:
    text = text_of(v)
    if not text:
        raise Fail
    return "\r\n" + text


@register("sdp", "line", 1, 2)
def sdp_line(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str | None:
    body = _sdp_text(v)
    if len(p) < 2:
        raise Fail  # the line index is mandatory in 3.6
    kind = str_param(p[0], ctx)[:1]
    n = num_param(p[1], ctx)
    if n < 0:
        raise Fail
    found = [m.start() + 1 for m in re.finditer("\n" + re.escape(kind) + "=", body)]
    if not found:
        return None
    if n >= len(found):
        return None
    start = found[n]
    end = body.find("\r", start)
    if end < 0:
        raise Fail
    return body[start:end]


def _streams(body: str) -> tuple[int, list[tuple[int, int, str]]]:
    """(offset of first m= line, [(start, end, media)]) of a single-session SDP."""
    starts = [m.start() + 1 for m in re.finditer(r"\nm=", body)]
    spans: list[tuple[int, int, str]] = []
    for k, s in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(body)
        media = body[s + 2 :].split(" ", 1)[0]
        spans.append((s, end, media))
    return (starts[0] if starts else len(body)), spans


def _stream_target(ctx: Any, param: Any) -> tuple[int | None, str | None]:
    if isinstance(param, int):
        return param, None
    if isinstance(param, str):
        return None, param
    value = param.get(ctx)
    if value is None:
        raise Fail
    if has_int(value):
        return int_of(value), None
    text = text_of(value)
    try:
        return int(text), None
    except ValueError:
        return None, text


def _select(ctx: Any, v: Any, param: Any) -> tuple[str, list[tuple[int, int, str]]]:
    body = _sdp_text(v)
    if "\nv=" not in body and "\nm=" not in body:
        raise Fail
    number, media = _stream_target(ctx, param)
    _, spans = _streams(body)
    if media is None:
        assert number is not None
        if number < 0:
            number += len(spans)
        if not 0 <= number < len(spans):
            raise Fail
        return body, [spans[number]]
    low = media.lower()
    return body, [s for s in spans if s[2].lower() == low]


@register("sdp", "stream", 1)
def sdp_stream(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
    body, chosen = _select(ctx, v, p[0])
    if not chosen:
        raise Fail
    start, end, _ = chosen[0]
    return body[start:end]


@register("sdp", "stream-delete", 1)
def sdp_stream_delete(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
    body, chosen = _select(ctx, v, p[0])
    if not chosen:
        raise Fail
    for start, end, _ in reversed(chosen):
        body = body[:start] + body[end:]
    return body[2:]


# --------------------------------------------------------------------------- re


@register("re", "subst", 1)
def re_subst(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> Any:
    text = text_of(v)
    if not text:
        raise Fail
    expr = str_param(p[0], ctx)
    # "\}" and "\{" are how braces are written inside a transformation
    expr = expr.replace("\\}", "}").replace("\\{", "{")
    try:
        se = parse_subst(expr)
        result, _count = subst_str(se, text, ctx)
    except RegexError as exc:
        raise Fail from exc
    return v if result is None else result
