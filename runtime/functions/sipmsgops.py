"""sipmsgops: header tests and edits (``is_method``, ``append_hf``, ``remove_hf`` ...).

Edits are lumps: ``$hdr()`` and ``is_present_hf()`` keep seeing the received message,
``remove_hf`` of an already removed header counts as "not found" (hdr-append-lazy).
Header names follow OpenSIPS's typing (``runtime/sip/headers.py``): a compact ``s:`` is not
Subject (hdr-remove-variants, hdr-is-method-totag).
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any

from osipsc.runtime.sip.headers import name_matches
from osipsc.runtime.sip.message import METHOD_IDS, METHOD_OTHER, SipMessage
from osipsc.runtime.sip.nameaddr import tag_param
from osipsc.runtime.sip.uri import SipUri, UriError

from ._sipmsg import script_regex
from .registry import export

#: ``is_method`` argument -> (ids of the known methods, lower-case other names)
_METHOD_SETS: dict[str, tuple[frozenset[int], tuple[str, ...]]] = {}
_METHOD_SETS_MAX = 1024


def _method_set(methods: str) -> tuple[frozenset[int], tuple[str, ...]]:
    """The split ``A|B|...`` list of ``is_method``, remembered per text: the argument is
    nearly always a constant and scripts test it on every message."""
    found = _METHOD_SETS.get(methods)
    if found is None:
        ids: set[int] = set()
        names: list[str] = []
        for name in methods.split("|"):
            name = name.strip()
            if not name:
                continue
            known = METHOD_IDS.get(name.upper())
            if known is not None:
                ids.add(known)
            else:
                names.append(name.lower())
        found = (frozenset(ids), tuple(names))
        if len(_METHOD_SETS) >= _METHOD_SETS_MAX:  # dynamic arguments: stay bounded
            _METHOD_SETS.clear()
        _METHOD_SETS[methods] = found
    return found


@export("is_method", module="sipmsgops")
def is_method(ctx: Any, methods: str) -> int:
    """Known methods compare by id (as OpenSIPS's parsed method), others by name; the
    answer is remembered per (argument, method name): scripts test a constant on every
    message, and requests carry a handful of methods."""
    msg = ctx.msg
    # ``method_name`` without its property frame (a SipMessage's own definition)
    current = (msg.method if msg.is_request else msg.cseq_method) \
        if type(msg) is SipMessage else msg.method_name
    if type(methods) is not str:
        methods = str(methods)
    key = (methods, current)
    try:
        return _IS_METHOD[key]
    except KeyError:
        pass
    result = _is_method(methods, current)
    if len(_IS_METHOD) >= _METHOD_SETS_MAX:  # dynamic arguments or methods: stay bounded
        _IS_METHOD.clear()
    _IS_METHOD[key] = result
    return result


#: (``is_method`` argument, method name) -> its answer
_IS_METHOD: dict[tuple[str, str], int] = {}


def _is_method(methods: str, current: str) -> int:
    """``is_method`` past its memo."""
    ids, names = _method_set(methods)
    # ``method_id`` without its frame
    if ids and METHOD_IDS.get(current.upper(), METHOD_OTHER) in ids:
        return 1
    if names and current.lower() in names:
        return 1
    return -1


@export("has_totag", module="sipmsgops")
def has_totag(ctx: Any) -> int:
    return 1 if tag_param(ctx.msg._value("to")) else -1  # ``to_tag``, without its frame


@export("has_body", module="sipmsgops")
def has_body(ctx: Any, mime: str | None = None) -> int:
    msg = ctx.msg
    if not msg.body:
        return -1
    if mime is None:
        return 1
    ctype = (msg.header("content-type") or "").split(";")[0].strip().lower()
    return 1 if ctype == str(mime).strip().lower() else -1


@export("is_present_hf", module="sipmsgops")
def is_present_hf(ctx: Any, name: str) -> int:
    return 1 if any(name_matches(h.name, name) for h in ctx.msg.headers_list) else -1


def _anchor(msg: Any, name: str | None) -> Any:
    if name is None:
        return None
    for hdr in msg.headers_list:
        if name_matches(hdr.name, name, case_sensitive=True):
            return hdr
    return None


@export("append_hf", module="sipmsgops")
def append_hf(ctx: Any, text: str, anchor: str | None = None) -> int:
    msg = ctx.msg
    msg.append_header(text, after=_anchor(msg, anchor))
    return 1


@export("insert_hf", module="sipmsgops")
def insert_hf(ctx: Any, text: str, anchor: str | None = None) -> int:
    msg = ctx.msg
    msg.insert_header(text, before=_anchor(msg, anchor))
    return 1


def _remove_where(msg: Any, pred: Any) -> int:
    count = 0
    for hdr in msg.headers_list:
        if pred(hdr) and msg.remove_header(hdr):
            count += 1
    return 1 if count else -1


@export("remove_hf", module="sipmsgops")
def remove_hf(ctx: Any, name: str) -> int:
    return _remove_where(ctx.msg, lambda h: name_matches(h.name, name))


@export("remove_hf_re", module="sipmsgops")
def remove_hf_re(ctx: Any, regex: Any) -> int:
    rx = script_regex(regex)
    return _remove_where(ctx.msg, lambda h: rx.search(h.name) is not None)


@export("remove_hf_glob", module="sipmsgops")
def remove_hf_glob(ctx: Any, pattern: str) -> int:
    rx = re.compile(fnmatch.translate(str(pattern)), re.IGNORECASE)
    return _remove_where(ctx.msg, lambda h: rx.match(h.name) is not None)


@export("append_to_reply", module="sipmsgops")
def append_to_reply(ctx: Any, text: str) -> int:
    if not text:  # add_lump_rpl refuses an empty lump
        return -1
    ctx.msg.reply_lumps.headers.append(text)
    return 1


@export("append_body_to_reply", module="sipmsgops")
def append_body_to_reply(ctx: Any, text: str) -> int:
    # add_lump_rpl: an empty lump and a second body lump are refused (the first one stays)
    if not text or ctx.msg.reply_lumps.body:
        return -1
    ctx.msg.reply_lumps.body = text
    return 1


@export("append_urihf", module="sipmsgops")
def append_urihf(ctx: Any, prefix: str, suffix: str) -> int:
    """append_hf(prefix + original R-URI + suffix) (the request line URI, as OpenSIPS)."""
    msg = ctx.msg
    msg.append_header(f"{prefix}{msg.ruri}{suffix}")
    return 1


@export("is_audio_on_hold", module="sipmsgops")
def is_audio_on_hold(ctx: Any) -> int:
    """1 when an audio stream is held (sendonly/inactive or c=0.0.0.0), else -1."""
    body = ctx.msg.body or ""
    if not body:
        return -1
    session_hold = False
    in_audio = False
    audio_seen = False
    for line in body.replace("\r\n", "\n").split("\n"):
        if line.startswith("m="):
            in_audio = line.startswith("m=audio")
            audio_seen = audio_seen or in_audio
            continue
        held = line in ("a=sendonly", "a=inactive") or line.startswith("c=IN IP4 0.0.0.0")
        if held:
            if not audio_seen and not in_audio:
                session_hold = True
            elif in_audio:
                return 1
    return 1 if session_hold and audio_seen else -1


def _ruri(msg: Any) -> SipUri | None:
    try:
        return SipUri.parse(msg.current_ruri)
    except UriError:
        return None


@export("ruri_has_param", module="sipmsgops")
def ruri_has_param(ctx: Any, name: str, value: str | None = None) -> int:
    uri = _ruri(ctx.msg)
    if uri is None:
        return -1
    found = uri.param(name)
    if found is None:
        return -1
    if value is None:
        return 1 if found == "" else -1
    return 1 if found == value else -1


@export("ruri_add_param", module="sipmsgops")
def ruri_add_param(ctx: Any, param: str) -> int:
    uri = _ruri(ctx.msg)
    if uri is None:
        return -1
    params = f"{uri.params};{param}" if uri.params else str(param)
    ctx.msg.new_uri = str(uri.with_(params=params))
    return 1


@export("ruri_del_param", module="sipmsgops")
def ruri_del_param(ctx: Any, name: str) -> int:
    uri = _ruri(ctx.msg)
    if uri is None or uri.param(name) is None:
        return -1
    kept = [p for p in uri.params.split(";")
            if p.partition("=")[0].strip().lower() != str(name).lower()]
    ctx.msg.new_uri = str(uri.with_(params=";".join(kept)))
    return 1


@export("is_uri_user_e164", module="sipmsgops")
def is_uri_user_e164(ctx: Any, uri_text: str) -> int:
    try:
        user = SipUri.parse(str(uri_text)).user
    except UriError:
        return -1
    ok = user.startswith("+") and 3 <= len(user) <= 16 and user[1:].isdigit()
    return 1 if ok else -1
