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
from osipsc.runtime.functions.signaling import send_reply as _send_reply
from osipsc.runtime.sip.message import Branch
from osipsc.runtime.sip.nameaddr import NameAddr
from osipsc.runtime.sip.uri import SipUri, UriError
from osipsc.runtime.tm import adapter
from osipsc.runtime.usrloc import Contact, get_usrloc, new_contact

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
    """The raw values of ``_SETTINGS`` for ``engine``, looked up once per engine."""
    return _prepared(engine)[0]  # type: ignore[no-any-return]


def _prepared(engine: Any) -> tuple[Any, ...]:
    """``(raw settings, their int values or None, AoR memo)`` for ``engine``.

    Every REGISTER asked ``modparam`` six times. The answer is kept on the engine and
    checked against the identity and length of its modparam lists (what the engine's own
    modparam memo follows), so a test replacing them is still seen. The int values are
    None when one does not convert: callers then convert where they always did (raising
    there). The AoR memo belongs to the two settings the key depends on."""
    try:  # the usual engine: plain attributes, list modparams, already prepared
        cached = engine.__dict__[_SETTINGS_SLOT]
        own = engine.modparams
        scripted = engine.script.modparams
    except (AttributeError, KeyError):
        pass
    else:
        if (cached[0] is own and cached[2] is scripted and type(own) is list
                and type(scripted) is list and cached[1] == len(own)
                and cached[3] == len(scripted)):
            return cached[4]  # type: ignore[no-any-return]
    own = getattr(engine, "modparams", None)
    scripted = getattr(getattr(engine, "script", None), "modparams", None)
    store = getattr(engine, "__dict__", None)
    cached = store.get(_SETTINGS_SLOT) if store is not None else None
    if (cached is not None and cached[0] is own and cached[2] is scripted
            and cached[1] == (len(own) if type(own) is list else _size(own))
            and cached[3] == (len(scripted) if type(scripted) is list else _size(scripted))):
        return cached[4]  # type: ignore[no-any-return]
    values = tuple(_param(engine, module, name, default) for module, name, default in _SETTINGS)
    try:
        ints: tuple[int, ...] | None = tuple(int(v) for v in values)
    except (TypeError, ValueError):
        ints = None
    memo = None if ints is None else _AOR_MEMOS[(bool(ints[0]), bool(ints[1]))]
    prepared = (values, ints, memo)
    if store is not None:  # the lists themselves are kept: identity without id() reuse
        store[_SETTINGS_SLOT] = (own, _size(own), scripted, _size(scripted), prepared)
    return prepared


def _size(value: Any) -> int:
    try:
        return len(value)
    except TypeError:
        return -1


#: (case_sensitive, use_domain) -> {URI text: usrloc key or None}; the key is a pure
#: function of the text and those two flags (bounded: texts come off the wire)
_AOR_MEMOS: dict[tuple[bool, bool], dict[str, str | None]] = {
    (cs, ud): {} for cs in (False, True) for ud in (False, True)}
_MEMO_LIMIT = 4096


def aor_of(engine: Any, uri: str) -> str | None:
    """The usrloc key of a URI: ``user`` or, with usrloc ``use_domain``, ``user@host``."""
    _, ints, memo = _prepared(engine)
    if ints is None:  # a setting that is no integer: the conversions raise as they did
        return _aor_key(uri, *_settings(engine)[:2])
    return _aor_cached(uri, ints, memo)


def _aor_cached(uri: str, ints: tuple[int, ...], memo: dict[str, str | None]) -> str | None:
    """:func:`aor_of` through the memo of its two settings (save and lookup ask for the
    same To / R-URI texts over and over)."""
    try:
        return memo[uri]
    except KeyError:
        pass
    key = _aor_key(uri, ints[0], ints[1])
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[uri] = key
    return key


def _aor_key(uri: str, case_sensitive: Any, use_domain: Any) -> str | None:
    """:func:`aor_of` with its two settings given."""
    uri = uri.strip()
    if "<" in uri:
        uri = uri[uri.find("<") + 1:uri.rfind(">")]
    try:
        parsed = SipUri.parse(uri)
    except UriError:
        return None
    user = parsed.user
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


def _q_of(text: str | None, default: int | None) -> int | None:
    if text is None or text == "":
        return default
    try:
        return int(round(float(text) * 1000))
    except ValueError:
        return default


def _reply(ctx: Any, code: int, reason: str, headers: list[str]) -> int:
    ctx.msg.reply_lumps.headers.extend(headers)
    return _send_reply(ctx, code, reason)


def contact_header(ul: Any, contacts: list[Contact] | tuple[Contact, ...],
                   now: float | None = None) -> str | None:
    """The Contact header of the 200 OK (None when there is no binding)."""
    if not contacts:
        return None
    if now is None:
        now = ul.now()
    if len(contacts) == 1:  # the usual single binding: the header in one f-string
        c = contacts[0]
        if c.q < 0 and not c.received:
            left = int(c.expires - now) if c.expires else 0
            return f"Contact: <{c.uri}>;expires={left if left > 0 else 0}\r\n"
    parts = []
    for c in contacts:
        expires = c.expires
        left = 0
        if expires:  # ``max(0, int(expires - now))`` without two builtin calls
            left = int(expires - now)
            if left < 0:
                left = 0
        text = (f"<{c.uri}>;expires={left}" if c.q < 0
                else f"<{c.uri}>;q={c.q_text()};expires={left}")
        if c.received:
            text = f'{text};received="{c.received}"'
        parts.append(text)
    return f"Contact: {parts[0] if len(parts) == 1 else ', '.join(parts)}\r\n"


def _sorted(contacts: list[Contact] | tuple[Contact, ...]) -> list[Contact]:
    """Highest q first, registration order among equals (a stable sort; a new list)."""
    return sorted(contacts, key=_neg_q)


def _neg_q(c: Contact) -> int:
    return -c.q


def _contact_bodies(msg: Any) -> list[str]:
    """``msg.headers("contact")`` without building a header record for the usual one
    Contact header (its body is ``_value``'s; the key's count says it is alone)."""
    value = msg._value("contact")
    if value is None:
        return []
    if msg._keys.count("contact") == 1:
        return [value]
    return msg.headers("contact")


@export("save", module="registrar")
def save(ctx: Any, domain: str, flags: str | None = None, aor: str | None = None,
         ownership_tag: str | None = None) -> int:
    """Store the REGISTER's bindings; flags: ``m`` memory only, ``r`` no reply,
    ``c<N>`` max contacts."""
    engine, msg = ctx.engine, ctx.msg
    ul = get_usrloc(engine)
    flags = flags or ""
    no_reply = "r" in flags
    _, ints, memo = _prepared(engine)
    # (``_value(k)`` is ``header(k)`` for a name that is its own key)
    uri = aor if aor else (msg._value("to") or "")
    if ints is None:  # a setting that is no integer: converted (and raising) as always
        key = aor_of(engine, uri)
    else:
        try:
            key = memo[uri]
        except KeyError:
            key = _aor_cached(uri, ints, memo)
    if key is None:
        if not no_reply:
            _reply(ctx, 400, "Bad Request", ["P-Registrar-Error: Bad address of record\r\n"])
        return -1
    if ints is None:
        settings = _settings(engine)
        ints = (0, 0, int(settings[2]), int(settings[3]), int(settings[4]), int(settings[5]))
    default_expires, max_expires, min_expires, default_q = ints[2:6]
    hdr_expires = msg._value("expires")
    if hdr_expires is not None:
        hdr_expires = hdr_expires.strip()
        if hdr_expires.isdigit():
            default_expires = int(hdr_expires)
    bodies = _contact_bodies(msg)
    if len(bodies) == 1 and "," not in bodies[0]:  # the usual one contact: nothing to split
        value = bodies[0].strip()
        values = [value] if value else []
    else:
        values = [c for v in bodies for c in split_contacts(v)]
    now = ul.now()
    callid = msg._value("call-id") or ""
    cseq_parts = (msg._value("cseq") or "").split()  # ``msg.cseq_num`` without its frame
    cseq = int(cseq_parts[0]) if cseq_parts and cseq_parts[0].isdigit() else 0
    ua = msg._value("user-agent")
    if values == ["*"]:
        if default_expires != 0:
            if not no_reply:
                _reply(ctx, 400, "Bad Request", ["P-Registrar-Error: Invalid expires\r\n"])
            return -1
        ul.delete(domain, key)
    else:
        for value in values:
            uri, expires, q, instance = _binding_of(value)
            if expires is None:
                expires = default_expires
            if expires and max_expires and expires > max_expires:
                expires = max_expires
            if expires and expires < min_expires:
                expires = min_expires
            if expires == 0:
                ul.delete(domain, key, uri)
                continue
            if type(q) is not int:  # the default, or a text that raises as it did
                q = default_q if q is None else _q_of(q, default_q)
            ul.upsert(domain, key, new_contact(uri, now + expires, q, callid, cseq, ua,
                                               instance))
        m = re.search(r"c(\d+)", flags) if "c" in flags else None
        if m and int(m.group(1)) > 0:
            current = ul.contacts(domain, key)
            for old in current[:-int(m.group(1))]:
                ul.delete(domain, key, old.uri)
    if no_reply:
        return 1
    # the virtual clock stands still during one call: one reading serves the whole save
    live = ul.live(domain, key, now)
    header = contact_header(ul, _sorted(live) if len(live) > 1 else live, now)
    if header:
        msg.reply_lumps.headers.append(header)
    _send_reply(ctx, 200, "OK")
    return 1


#: one Contact value -> (uri, expires, q, +sip.instance) as save reads them (bounded)
_CONTACTS: dict[str, tuple[str, str | None, str | None, str | None]] = {}


def _contact_of(value: str) -> tuple[str, str | None, str | None, str | None]:
    """``NameAddr.parse(value)``'s URI and the three parameters save reads, remembered per
    value text (a UA re-registers the same Contact; a parse error raises, never cached)."""
    found = _CONTACTS.get(value)
    if found is None:
        na = NameAddr.parse(value)
        found = (na.uri, *_contact_params(na.params))
        if len(_CONTACTS) >= _MEMO_LIMIT:
            _CONTACTS.clear()
        _CONTACTS[value] = found
    return found


#: one Contact value -> ``_contact_of``'s answer with expires and q converted (bounded)
_BINDINGS: dict[str, tuple[str, int | None, int | str | None, str | None]] = {}


def _binding_of(value: str) -> tuple[str, int | None, int | str | None, str | None]:
    """``_contact_of(value)`` with ``expires`` as a number (None: not one, the default
    applies) and ``q`` as ``_q_of`` reads it (None: the default q; its text when the
    conversion overflows, left to save, which converts it only after the expires=0
    check). Remembered per text as ``_contact_of`` is: save converted both per REGISTER;
    an error raises as it did there, and is never cached."""
    found = _BINDINGS.get(value)
    if found is None:
        uri, exp_text, q_text, instance = _contact_of(value)
        expires = int(exp_text) if exp_text and exp_text.isdigit() else None
        try:
            q: int | str | None = _q_of(q_text, None)
        except OverflowError:
            q = q_text
        found = (uri, expires, q, instance)
        if len(_BINDINGS) >= _MEMO_LIMIT:
            _BINDINGS.clear()
        _BINDINGS[value] = found
    return found


def _contact_params(params: tuple[tuple[str, str | None], ...]
                    ) -> tuple[str | None, str | None, str | None]:
    """``expires``, ``q`` and ``+sip.instance`` of one Contact: what three
    ``NameAddr.param`` calls answer (first match, case-insensitive, "" for a flag), in
    one pass over the parameters."""
    expires = q = instance = None
    seen_e = seen_q = seen_i = False
    for key, value in params:
        low = key.lower()
        if low == "expires":
            if not seen_e:
                expires, seen_e = ("" if value is None else value), True
        elif low == "q":
            if not seen_q:
                q, seen_q = ("" if value is None else value), True
        elif low == "+sip.instance" and not seen_i:
            instance, seen_i = ("" if value is None else value), True
    return expires, q, instance


@export("lookup", module="registrar")
def lookup(ctx: Any, domain: str, flags: str | None = None, aor: str | None = None) -> int:
    """R-URI ← best contact (highest q), other contacts → branches (unless flag ``b``).
    1 found, -1 no contact."""
    engine, msg = ctx.engine, ctx.msg
    ul = get_usrloc(engine)
    _, ints, memo = _prepared(engine)
    uri = aor if aor else msg.current_ruri
    if ints is None:
        key = aor_of(engine, uri)
    else:
        try:  # ``_aor_cached``'s memo, inline (as in save)
            key = memo[uri]
        except KeyError:
            key = _aor_cached(uri, ints, memo)
    if key is None:
        return -3
    contacts = ul.live(domain, key, ul.now())
    if not contacts:
        return -1
    if len(contacts) > 1:
        contacts = _sorted(contacts)
    first = contacts[0]
    msg.set_ruri(first.uri)
    if first.received:
        msg.dst_uri = first.received
    if len(contacts) > 1 and "b" not in (flags or ""):
        branches = msg.branches
        for c in contacts[1:]:
            branches.append(Branch(c.uri, q=c.q, dst_uri=c.received))
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
