"""textops: regex search and edit of the message (``search``, ``subst``, ``replace`` ...).

Edits are lumps on the received text (applied to the outgoing message only), so a later
``search`` or ``$hdr`` still sees the original (conformance case hdr-search-subst). As in
OpenSIPS, ``search`` scans the whole buffer while ``search_append``/``replace``/``subst``
start after the first line (the R-URI is edited with ``subst_uri``/``subst_user``), and
the ``*_body`` variants scan the body. Overlapping edits follow the lump rules
(hdr-subst-eol).
"""

from __future__ import annotations

from typing import Any

from osipsc.runtime.regex import (
    RegexError,
    parse_subst,
    posix_finditer,
    posix_search,
    subst_run,
    subst_str,
)
from osipsc.runtime.sip.uri import SipUri, UriError

from ._sipmsg import headers_start, script_regex
from .registry import export


def _body_span(msg: Any) -> tuple[int, int] | None:
    if not msg.body:
        return None
    return msg.body_start, msg.body_start + len(msg.body)


@export("search", module="textops")
def search(ctx: Any, regex: Any) -> int:
    return 1 if script_regex(regex).search(ctx.msg.text) else -1


@export("search_body", module="textops")
def search_body(ctx: Any, regex: Any) -> int:
    span = _body_span(ctx.msg)
    if span is None:
        return -1
    return 1 if script_regex(regex).search(ctx.msg.text[span[0]:span[1]]) else -1


def _append_after_match(msg: Any, regex: Any, text: str, start: int, end: int) -> int:
    m = posix_search(script_regex(regex), msg.text[start:end])
    if m is None:
        return -1
    msg.lumps.anchor(start + m.end()).insert_after(text)
    return 1


@export("search_append", module="textops")
def search_append(ctx: Any, regex: Any, text: str) -> int:
    msg = ctx.msg
    return _append_after_match(msg, regex, text, headers_start(msg), len(msg.text))


@export("search_append_body", module="textops")
def search_append_body(ctx: Any, regex: Any, text: str) -> int:
    span = _body_span(ctx.msg)
    return -1 if span is None else _append_after_match(ctx.msg, regex, text, *span)


def _replace(msg: Any, regex: Any, text: str, start: int, end: int, every: bool) -> int:
    """Replace the first (or every) match in ``msg.text[start:end]`` with ``text``.

    After a match the next one may only start a line (``^``) if the match ended with CR or
    LF (OpenSIPS toggles REG_NOTBOL the same way).
    """
    rx = script_regex(regex)
    region = msg.text[start:end]
    pos = 0
    done = -1
    while pos < len(region):
        m = posix_search(rx, region, pos)
        if m is None:
            break
        if m.start() == m.end():
            return -1
        msg.lumps.delete(start + m.start(), m.end() - m.start()).insert_after(text)
        done = 1
        if not every:
            break
        pos = m.end()
    return done


@export("replace", module="textops")
def replace(ctx: Any, regex: Any, text: str) -> int:
    msg = ctx.msg
    return _replace(msg, regex, text, headers_start(msg), len(msg.text), every=False)


@export("replace_all", module="textops")
def replace_all(ctx: Any, regex: Any, text: str) -> int:
    msg = ctx.msg
    return _replace(msg, regex, text, headers_start(msg), len(msg.text), every=True)


@export("replace_body", module="textops")
def replace_body(ctx: Any, regex: Any, text: str) -> int:
    span = _body_span(ctx.msg)
    return -1 if span is None else _replace(ctx.msg, regex, text, *span, every=False)


@export("replace_body_all", module="textops")
def replace_body_all(ctx: Any, regex: Any, text: str) -> int:
    span = _body_span(ctx.msg)
    return -1 if span is None else _replace(ctx.msg, regex, text, *span, every=True)


@export("replace_body_atonce", module="textops")
def replace_body_atonce(ctx: Any, regex: Any, text: str) -> int:
    # "at once": the matches are collected on the original body without NOTBOL toggling
    msg = ctx.msg
    span = _body_span(msg)
    if span is None:
        return -1
    rx = script_regex(regex)
    found = -1
    for m in posix_finditer(rx, msg.text[span[0]:span[1]]):
        if m.start() == m.end():
            return -1
        msg.lumps.delete(span[0] + m.start(), m.end() - m.start()).insert_after(text)
        found = 1
    return found


def _subst_region(ctx: Any, expr: str, start: int, end: int) -> int:
    msg = ctx.msg
    try:
        se = parse_subst(expr)
        reps = subst_run(se, msg.text[start:end], ctx)
    except RegexError:
        return -1
    if not reps:
        return -1
    for offset, size, new in reps:
        msg.lumps.delete(start + offset, size).insert_after(new)
    return 1


@export("subst", module="textops")
def subst(ctx: Any, expr: str) -> int:
    msg = ctx.msg
    return _subst_region(ctx, expr, headers_start(msg), len(msg.text))


@export("subst_body", module="textops")
def subst_body(ctx: Any, expr: str) -> int:
    span = _body_span(ctx.msg)
    return -1 if span is None else _subst_region(ctx, expr, *span)


@export("subst_uri", module="textops")
def subst_uri(ctx: Any, expr: str) -> int:
    msg = ctx.msg
    try:
        new, _count = subst_str(parse_subst(expr), msg.current_ruri, ctx)
    except RegexError:
        return -1
    if new is None:
        return -1
    msg.new_uri = new
    return 1


@export("subst_user", module="textops")
def subst_user(ctx: Any, expr: str) -> int:
    msg = ctx.msg
    try:
        uri = SipUri.parse(msg.current_ruri)
    except UriError:
        return -1
    try:
        new, _count = subst_str(parse_subst(expr), uri.user, ctx)
    except RegexError:
        return -1
    if new is None:
        return -1
    msg.new_uri = str(uri.with_(user=new))
    return 1

