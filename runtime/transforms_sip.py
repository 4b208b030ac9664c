"""``uri. via. param. nameaddr. csv.`` transformations (OpenSIPS 3.6 semantics).

Small self-contained parsers mirroring ``parse_uri``, ``parse_via``, ``parse_params``,
``parse_multi_to`` and the RFC 4180 CSV reader, so that the transformations do not depend
on the SIP message model. Every class fails (NULL) on an empty or unparsable input; a
missing part is NULL; ``uri.port``/``via.port``/``*.count``/``nameaddr.len`` are int-typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from osipsc.runtime.transforms_base import (
    Fail,
    make_int,
    num_param,
    register,
    str_param,
    text_of,
)

_WS = " \t\r\n"


def _input(v: Any) -> str:
    """The text a non-``s`` class works on; empty input is a failure."""
    text = text_of(v)
    if not text:
        raise Fail
    return text


def _part(text: str | None) -> str | None:
    """OpenSIPS returns NULL for an absent *or empty* part."""
    return text if text else None


# ------------------------------------------------------------------- param lists


@lru_cache(maxsize=256)
def parse_params(text: str) -> tuple[tuple[str, str | None], ...]:
    """``parse_params``: ``name[=value]`` items separated by ``;`` (value None = flag).

    Stops at ``,`` or ``>``; a ``;`` followed by nothing, an ``=`` without a body or a
    junk character is an error (raises Fail). Quoted values lose their quotes.
    """
    out: list[tuple[str, str | None]] = []
    s = text
    while True:
        k = 0
        while k < len(s) and s[k] not in " \t\r\n;,=":
            k += 1
        name, s = s[:k], s[k:].lstrip(_WS)
        if not s:
            out.append((name, None))
            return tuple(out)
        value: str | None = None
        if s[0] == "=":
            s = s[1:].lstrip(_WS)
            if not s:
                raise Fail
            if s[0] == '"':
                end = s.find('"', 1)
                if len(s) < 2 or end < 0:
                    raise Fail
                value, s = s[1:end], s[end + 1 :]
            else:
                k = 0
                while k < len(s) and s[k] not in " \t\r\n,;":
                    k += 1
                if k == 0:
                    raise Fail
                value, s = s[:k], s[k:]
            s = s.lstrip(_WS)
            if not s:
                out.append((name, value))
                return tuple(out)
        out.append((name, value))
        if s[0] in ",>":
            return tuple(out)
        if s[0] != ";":
            raise Fail
        s = s[1:].lstrip(_WS)
        if not s:
            raise Fail


def _find(params: tuple[tuple[str, str | None], ...], name: str) -> str | None:
    """The value of the first parameter named ``name`` (case-insensitive); Fail if none."""
    low = name.lower()
    for pname, pvalue in params:
        if pname.lower() == low:
            return pvalue or ""
    raise Fail


def _nth(params: tuple[Any, ...], n: int) -> Any:
    if n < 0:
        n += len(params)
        if n < 0:
            raise Fail
    if n >= len(params):
        raise Fail
    return params[n]


@register("param", "value", 1)
def param_value(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str | None:
    return _find(parse_params(_input(v)), str_param(p[0], ctx))


@register("param", "exist", 1)
def param_exist(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> int:
    params = parse_params(_input(v))
    low = str_param(p[0], ctx).lower()
    return int(any(n.lower() == low for n, _ in params))


@register("param", "valueat", 1)
def param_valueat(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
    return _nth(parse_params(_input(v)), num_param(p[0], ctx))[1] or ""


@register("param", "name", 1)
def param_name(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
    return _nth(parse_params(_input(v)), num_param(p[0], ctx))[0]


@register("param", "count")
def param_count(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> int:
    return len(parse_params(_input(v)))


# ------------------------------------------------------------------------- URI


@dataclass(frozen=True)
class Uri:
    """The parts of a parsed URI (``struct sip_uri``); absent parts are ""."""

    schema: str
    user: str = ""
    passwd: str = ""
    host: str = ""
    port: str = ""
    params: str = ""
    headers: str = ""
    known: dict[str, str] = field(default_factory=dict)


_SCHEMES = ("sip", "sips", "tel", "tels", "urn")
_HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._\-]+)(?::(\d*))?$")


@lru_cache(maxsize=256)
def parse_uri(text: str) -> Uri:
    """A SIP/SIPS/TEL URI split as OpenSIPS's ``parse_uri`` does; Fail if invalid."""
    colon = text.find(":")
    if colon < 0 or text[:colon].lower() not in _SCHEMES:
        raise Fail
    schema = text[:colon]
    rest = text[colon + 1 :]
    if any(c in rest for c in " \t\r\n"):
        raise Fail
    headers = ""
    if "?" in rest:
        rest, headers = rest.split("?", 1)
    user = passwd = ""
    if schema.lower() in ("tel", "tels"):
        hostport, _, params = rest.partition(";")
        if not hostport:
            raise Fail
        user, hostport = hostport, ""
        host = port = ""
    else:
        if "@" in rest:
            userinfo, rest = rest.split("@", 1)
            user, _, passwd = userinfo.partition(":")
            if not user and not passwd:
                raise Fail
        hostport, _, params = rest.partition(";")
        m = _HOST.match(hostport)
        if not m:
            raise Fail
        host, port = m.group(1), m.group(2) or ""
        if m.group(2) is not None and (not port or int(port) > 65535):
            raise Fail
    known: dict[str, str] = {}
    if params:
        for chunk in params.split(";"):
            name, _, value = chunk.partition("=")
            key = name.strip().lower()
            if key in ("transport", "ttl", "user", "maddr", "method", "lr", "r2"):
                known.setdefault(key, value)
    return Uri(schema, user, passwd, host, port, params, headers, known)


def _uri(v: Any) -> Uri:
    return parse_uri(_input(v))


def _simple(cls: str, method: str, getter: Any) -> None:
    def impl(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> Any:
        return _part(getter(_uri(v)))

    register(cls, method)(impl)


_simple("uri", "user", lambda u: u.user)
_simple("uri", "host", lambda u: u.host)
_simple("uri", "domain", lambda u: u.host)
_simple("uri", "passwd", lambda u: u.passwd)
_simple("uri", "params", lambda u: u.params)
_simple("uri", "headers", lambda u: u.headers)
_simple("uri", "schema", lambda u: u.schema)
for _name, _key in (("transport", "transport"), ("ttl", "ttl"), ("uparam", "user"),
                    ("maddr", "maddr"), ("method", "method"), ("lr", "lr"), ("r2", "r2")):
    _simple("uri", _name, lambda u, k=_key: u.known.get(k, ""))


@register("uri", "port")
def uri_port(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> int | None:
    port = _uri(v).port
    return make_int(int(port), port) if port else None


@register("uri", "param", 1)
def uri_param(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str | None:
    u = _uri(v)
    if not u.params:
        return None
    return _find(parse_params(u.params), str_param(p[0], ctx))


# ------------------------------------------------------------------------- Via


@dataclass(frozen=True)
class Via:
    """The parts of the first Via body of a header value."""

    name: str
    version: str
    transport: str
    host: str
    port: str
    params: str
    comment: str
    plist: tuple[tuple[str, str | None], ...]


_VIA = re.compile(
    r"\s*([^/\s]+)\s*/\s*([^/\s]+)\s*/\s*([^\s]+)\s+(\[[0-9A-Fa-f:.]+\]|[^\s:;,()]+)"
    r"(?:\s*:\s*(\d+))?\s*((?:;[^,(]*)?)\s*(?:\(([^)]*)\))?\s*(?:,.*)?$",
    re.S,
)


@lru_cache(maxsize=128)
def parse_via(text: str) -> Via:
    """``parse_via`` on one header value (a Via body); Fail if it does not parse."""
    if len(text) <= 2:
        raise Fail
    m = _VIA.match(text)
    if not m:
        raise Fail
    params = m.group(6).strip()
    plist: tuple[tuple[str, str | None], ...] = ()
    if params:
        params = params[1:].strip()
        plist = parse_params(params) if params else ()
    return Via(m.group(1), m.group(2), m.group(3), m.group(4), m.group(5) or "",
               params, m.group(7) or "", plist)


def _via(cls: str, method: str, getter: Any) -> None:
    def impl(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> Any:
        return _part(getter(parse_via(text_of(v))))

    register(cls, method)(impl)


_via("via", "name", lambda w: w.name)
_via("via", "version", lambda w: w.version)
_via("via", "transport", lambda w: w.transport)
_via("via", "host", lambda w: w.host)
_via("via", "domain", lambda w: w.host)
_via("via", "params", lambda w: w.params)
_via("via", "comment", lambda w: w.comment)
for _name in ("branch", "received", "rport"):
    _via("via", _name, lambda w, k=_name: next(
        (val or "" for n, val in w.plist if n.lower() == k), ""))


@register("via", "port")
def via_port(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> int | None:
    port = parse_via(text_of(v)).port
    return make_int(int(port), port) if port else None


@register("via", "param", 1)
def via_param(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str | None:
    w = parse_via(text_of(v))
    if not w.params:
        return None
    low = str_param(p[0], ctx).lower()
    for name, value in w.plist:
        if name.lower() == low:
            return value or ""
    return None


# -------------------------------------------------------------------- name-addr


@dataclass(frozen=True)
class NameAddr:
    """One ``["display"] <uri>;params`` element (``struct to_body``)."""

    display: str
    uri: str
    body: str
    params_text: str
    plist: tuple[tuple[str, str | None], ...]
    #: ``to_body.body.len`` as parse_to leaves it (see :func:`parse_nameaddrs`)
    length: int = 0


def _split_top(text: str) -> list[str]:
    """Split on commas outside quotes and angle brackets."""
    parts: list[str] = []
    cur: list[str] = []
    quote = angle = escaped = False
    for c in text:
        if escaped:  # a backslash inside a quoted display name escapes the next char
            escaped = False
            cur.append(c)
            continue
        if c == "\\" and quote:
            escaped = True
        elif c == '"' and not angle:
            quote = not quote
        elif c == "<" and not quote:
            angle = True
        elif c == ">" and not quote:
            angle = False
        if c == "," and not quote and not angle:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(c)
    parts.append("".join(cur))
    return parts


def _lt_outside_quotes(body: str) -> int:
    """The ``<`` opening the URI: a quoted display name may contain ``<``, ``;``, ``,``
    and backslash escapes (parse_to's DISPLAY_QUOTED state)."""
    quote = False
    i = 0
    while i < len(body):
        c = body[i]
        if quote and c == "\\":
            i += 2
            continue
        if c == '"':
            quote = not quote
        elif c == "<" and not quote:
            return i
        i += 1
    return -1


@lru_cache(maxsize=128)
def parse_nameaddrs(text: str) -> tuple[NameAddr, ...]:
    """``parse_multi_to``: every name-addr of a (possibly multi-value) header value."""
    result: list[NameAddr] = []
    pieces = _split_top(text)
    for k, raw in enumerate(pieces):
        body = raw.strip(_WS)
        if not body:
            raise Fail
        lt = _lt_outside_quotes(body)
        if lt >= 0:
            gt = body.find(">", lt)
            if gt < 0:
                raise Fail
            display = body[:lt].strip(_WS)
            if display.startswith('"') and (len(display) < 2 or not display.endswith('"')):
                raise Fail
            uri = body[lt + 1 : gt]
            rest = body[gt + 1 :].strip(_WS)
        else:
            display = ""
            uri, sep, rest = body.partition(";")
            uri = uri.strip(_WS)
            rest = sep + rest
        if not uri:
            raise Fail
        params_text = ""
        plist: tuple[tuple[str, str | None], ...] = ()
        if rest:
            if rest[0] != ";":
                raise Fail
            params_text = rest[1:].strip(_WS)
            plist = parse_params(params_text) if params_text else ()
        # parse_to sets body.len only at the ";" opening the params (the length up to
        # it) or at the end of the input, which has CRLF appended (so the last element
        # without params counts its trailing blanks and those 2 bytes); an element that
        # ends at "," without params keeps body.len 0
        if rest:
            length = body.find(";", gt + 1) if lt >= 0 else body.find(";")
        elif k == len(pieces) - 1:
            length = len(raw.lstrip(_WS)) + 2
        else:
            length = 0
        result.append(NameAddr(display, uri, body, params_text, plist, length))
    return tuple(result)


def _pick(ctx: Any, v: Any, idx: Any) -> NameAddr:
    items = parse_nameaddrs(_input(v))
    if idx is None:
        return items[0]
    return _nth(items, num_param(idx, ctx))


@register("nameaddr", "name")
def na_name(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str | None:
    return _part(_pick(ctx, v, idx).display)


@register("nameaddr", "uri")
def na_uri(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str | None:
    return _part(_pick(ctx, v, idx).uri)


@register("nameaddr", "len")
def na_len(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> int:
    return _pick(ctx, v, idx).length


@register("nameaddr", "params")
def na_params(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str | None:
    return _part(_pick(ctx, v, idx).params_text)


@register("nameaddr", "param", 1)
def na_param(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str | None:
    na = _pick(ctx, v, idx)
    name = str_param(p[0], ctx)
    for pname, pvalue in na.plist:  # exact-case comparison (strncmp) in OpenSIPS
        if pname == name:
            return _part(pvalue)
    return None


# ------------------------------------------------------------------------- CSV


@lru_cache(maxsize=128)
def parse_csv(text: str) -> tuple[str, ...]:
    """``_parse_csv_record(CSV_RFC_4180)``: comma separated, values not trimmed,
    ``"..."`` fields unquoted (``""`` inside is one quote).

    A trailing CRLF is dropped; a byte outside 0x20-0x7E outside quotes makes the record
    invalid; a quoted field ending the text, or followed only by a final comma, ends the
    record (no empty field after that comma).
    """
    if text.endswith("\r\n"):
        text = text[:-2]
    fields: list[str] = []
    i = 0
    n = len(text)
    while True:
        if i < n and text[i] == '"':
            buf: list[str] = []
            i += 1
            while True:
                if i >= n:
                    raise Fail
                if text[i] == '"':
                    if i + 1 < n and text[i + 1] == '"':
                        buf.append('"')
                        i += 2
                        continue
                    break
                buf.append(text[i])
                i += 1
            fields.append("".join(buf))
            # i is on the closing quote
            if i >= n - 1:
                return tuple(fields)
            if text[i + 1] != ",":
                raise Fail
            i += 1  # the comma
            if i == n - 1:
                return tuple(fields)
        else:
            end = text.find(",", i)
            end = n if end < 0 else end
            field = text[i:end]
            if any(not " " <= c <= "~" for c in field):
                raise Fail
            fields.append(field)
            i = end
            if i >= n:
                return tuple(fields)
        i += 1  # past the comma


@register("csv", "count")
def csv_count(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> int:
    return len(parse_csv(_input(v)))


@register("csv", "value", 1)
def csv_value(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
    return _nth(parse_csv(_input(v)), num_param(p[0], ctx))
