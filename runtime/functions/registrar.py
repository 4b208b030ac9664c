"""The registrar module on the in-memory usrloc (``runtime/usrloc.py``).

``save`` stores the Contacts of a REGISTER and answers 200 OK listing the current bindings
(reply.c layout: one ``Contact:`` header, ``<uri>;q=..;expires=N`` joined by ", ");
``lookup`` rewrites the R-URI to the best contact and appends the others as branches;
``is_registered`` / ``remove`` read and edit the table.
"""

from __future__ import annotations

import re
from typing import Any

from osipsc.runtime.functions.registry import export
from osipsc.runtime.sip.message import Branch
from osipsc.runtime.sip.nameaddr import NameAddr
from osipsc.runtime.sip.uri import SipUri, UriError
from osipsc.runtime.tm import adapter
from osipsc.runtime.usrloc import Contact, get_usrloc

DEFAULT_EXPIRES = 3600


def _param(engine: Any, module: str, name: str, default: Any) -> Any:
    return adapter.modparam(engine, module, name, default)


#: the modparams save/lookup read per message, with their defaults
_SETTINGS = (("registrar", "case_sensitive", 1), ("usrloc", "use_domain", 0),
             ("registrar", "default_expires", DEFAULT_EXPIRES),
             ("registrar", "max_expires", 0), ("registrar", "min_expires", 60),
             ("registrar", "default_q", -1))
_SETTINGS_SLOT = "_osipsc_registrar_settings"


def _settings(engine: Any) -> tuple[Any, ...]:
    """The raw values of ``_SETTINGS`` for ``engine``, looked up once per engine.

    Every REGISTER asked ``modparam`` six times. The answer is kept on the engine and
    checked against the identity and length of its modparam lists (what the engine's own
    modparam memo follows), so a test replacing them is still seen."""
    script = getattr(engine, "script", None)
    own = getattr(engine, "modparams", None)
    scripted = getattr(script, "modparams", None)
    key = (id(own), _size(own), id(scripted), _size(scripted))
    store = getattr(engine, "__dict__", None)
    cached = store.get(_SETTINGS_SLOT) if store is not None else None
    if cached is not None and cached[0] == key:
        return cached[1]  # type: ignore[no-any-return]
    values = tuple(_param(engine, module, name, default) for module, name, default in _SETTINGS)
    if store is not None:
        store[_SETTINGS_SLOT] = (key, values)
    return values


def _size(value: Any) -> int:
    try:
        return len(value)
    except TypeError:
        return -1


def aor_of(engine: Any, uri: str) -> str | None:
    """The usrloc key of a URI: ``user`` or, with usrloc ``use_domain``, ``user@host``."""
    uri = uri.strip()
    if uri.startswith("<") or "<" in uri:
        uri = uri[uri.find("<") + 1:uri.rfind(">")]
    try:
        parsed = SipUri.parse(uri)
    except UriError:
        return None
    user = parsed.user
    case_sensitive, use_domain = _settings(engine)[:2]
    if not int(case_sensitive):
        user = user.lower()
    if int(use_domain):
        return f"{user}@{parsed.host.lower()}"
    return user


def split_contacts(value: str) -> list[str]:
    """Split a Contact header value at commas outside quotes and <>."""
    if "," not in value:  # one contact: nothing to split
        value = value.strip()
        return [value] if value else []
    out, depth, quote, start = [], 0, False, 0
    for i, ch in enumerate(value):
        if ch == '"':
            quote = not quote
        elif not quote and ch == "<":
            depth += 1
        elif not quote and ch == ">":
            depth -= 1
        elif not quote and depth == 0 and ch == ",":
            out.append(value[start:i].strip())
            start = i + 1
    out.append(value[start:].strip())
    return [c for c in out if c]


def _q_of(text: str | None, default: int) -> int:
    if text is None or text == "":
        return default
    try:
        return int(round(float(text) * 1000))
    except ValueError:
        return default


def _reply(ctx: Any, code: int, reason: str, headers: list[str]) -> int:
    from osipsc.runtime.functions.signaling import send_reply

    ctx.msg.reply_lumps.headers.extend(headers)
    return send_reply(ctx, code, reason)


def contact_header(ul: Any, contacts: list[Contact], now: float | None = None) -> str | None:
    """The Contact header of the 200 OK (None when there is no binding)."""
    if not contacts:
        return None
    if now is None:
        now = ul.now()
    parts = []
    for c in contacts:
        text = f"<{c.uri}>"
        if c.q >= 0:
            text += f";q={c.q_text()}"
        text += f";expires={max(0, c.expires_in(now)) if c.expires else 0}"
        if c.received:
            text += f';received="{c.received}"'
        parts.append(text)
    return "Contact: " + ", ".join(parts) + "\r\n"


def _sorted(contacts: list[Contact]) -> list[Contact]:
    return sorted(contacts, key=lambda c: -c.q)


@export("save", module="registrar")
def save(ctx: Any, domain: str, flags: str | None = None, aor: str | None = None,
         ownership_tag: str | None = None) -> int:
    """Store the REGISTER's bindings; flags: ``m`` memory only, ``r`` no reply,
    ``c<N>`` max contacts."""
    engine, msg = ctx.engine, ctx.msg
    ul = get_usrloc(engine)
    flags = flags or ""
    no_reply = "r" in flags
    key = aor_of(engine, aor if aor else (msg.header("to") or ""))
    if key is None:
        if not no_reply:
            _reply(ctx, 400, "Bad Request", ["P-Registrar-Error: Bad address of record\r\n"])
        return -1
    settings = _settings(engine)
    default_expires = int(settings[2])
    max_expires = int(settings[3])
    min_expires = int(settings[4])
    default_q = int(settings[5])
    hdr_expires = msg.header("expires")
    if hdr_expires is not None and hdr_expires.strip().isdigit():
        default_expires = int(hdr_expires.strip())
    values = [c for v in msg.headers("contact") for c in split_contacts(v)]
    now = ul.now()
    callid = msg.header("call-id") or ""
    cseq_num = msg.cseq_num
    cseq = int(cseq_num) if cseq_num.isdigit() else 0
    ua = msg.header("user-agent")
    if values == ["*"]:
        if default_expires != 0:
            if not no_reply:
                _reply(ctx, 400, "Bad Request", ["P-Registrar-Error: Invalid expires\r\n"])
            return -1
        ul.delete(domain, key)
    else:
        for value in values:
            na = NameAddr.parse(value)
            exp_text = na.param("expires")
            expires = int(exp_text) if exp_text and exp_text.isdigit() else default_expires
            if expires and max_expires and expires > max_expires:
                expires = max_expires
            if expires and expires < min_expires:
                expires = min_expires
            if expires == 0:
                ul.delete(domain, key, na.uri)
                continue
            ul.upsert(domain, key, Contact(
                uri=na.uri, expires=now + expires, q=_q_of(na.param("q"), default_q),
                callid=callid, cseq=cseq, user_agent=ua,
                instance=na.param("+sip.instance")))
        m = re.search(r"c(\d+)", flags) if "c" in flags else None
        if m and int(m.group(1)) > 0:
            current = ul.contacts(domain, key)
            for old in current[:-int(m.group(1))]:
                ul.delete(domain, key, old.uri)
    if no_reply:
        return 1
    # the virtual clock stands still during one call: one reading serves the whole save
    header = contact_header(ul, _sorted(ul.contacts(domain, key, now=now)), now)
    _reply(ctx, 200, "OK", [header] if header else [])
    return 1


@export("lookup", module="registrar")
def lookup(ctx: Any, domain: str, flags: str | None = None, aor: str | None = None) -> int:
    """R-URI ← best contact (highest q), other contacts → branches (unless flag ``b``).
    1 found, -1 no contact."""
    engine, msg = ctx.engine, ctx.msg
    ul = get_usrloc(engine)
    key = aor_of(engine, aor if aor else msg.current_ruri)
    if key is None:
        return -3
    contacts = _sorted(ul.contacts(domain, key))
    if not contacts:
        return -1
    first, rest = contacts[0], contacts[1:]
    msg.set_ruri(first.uri)
    if first.received:
        msg.dst_uri = first.received
    if "b" not in (flags or ""):
        for c in rest:
            msg.branches.append(Branch(c.uri, q=c.q, dst_uri=c.received))
    return 1


@export("is_registered", module="registrar")
def is_registered(ctx: Any, domain: str, aor: str | None = None) -> int:
    key = aor_of(ctx.engine, aor if aor else (ctx.msg.header("to") or ""))
    if key is None:
        return -1
    return 1 if get_usrloc(ctx.engine).contacts(domain, key) else -1


@export("is_contact_registered", module="registrar")
def is_contact_registered(ctx: Any, domain: str, aor: str | None = None,
                          contact: str | None = None, callid: str | None = None) -> int:
    key = aor_of(ctx.engine, aor if aor else (ctx.msg.header("to") or ""))
    if key is None:
        return -1
    if contact is None and callid is None:
        values = [c for v in ctx.msg.headers("contact") for c in split_contacts(v)]
        contact = NameAddr.parse(values[0]).uri if values else None
    for c in get_usrloc(ctx.engine).contacts(domain, key):
        if (contact is None or c.uri == contact) and (callid is None or c.callid == callid):
            return 1
    return -1


@export("remove", module="registrar")
def remove(ctx: Any, domain: str, aor: str, contact: str | None = None,
           next_hop: str | None = None, sip_instance: str | None = None,
           bflag: str | None = None) -> int:
    """Delete bindings of ``aor`` (one contact, or all); 1 if something went, -1 else."""
    key = aor_of(ctx.engine, aor) if ":" in aor else aor
    if key is None:
        return -1
    return 1 if get_usrloc(ctx.engine).delete(domain, key, contact) else -1
