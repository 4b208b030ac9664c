"""In-memory usrloc: the location table the registrar functions read and write, plus the
data of the ``ul_dump`` / ``ul_show_contact`` MI commands (modules/usrloc/ul_mi.c).

Times are the engine's virtual clock, so expiry is testable by advancing it. One
``UsrLoc`` per engine: ``get_usrloc(engine)``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from osipsc.runtime.tm import adapter

UL_HASH_SIZE = 512  # 2^hash_size with the default hash_size 9


@dataclass(slots=True)
class Contact:
    """One binding of an AOR (``ucontact_t``); slotted: one is made per REGISTERed contact."""

    uri: str
    expires: float            # absolute virtual time; 0 = permanent
    q: int = -1               # q * 1000, -1 = not set (Q_UNSPECIFIED)
    callid: str = ""
    cseq: int = 0
    user_agent: str | None = None
    received: str | None = None
    path: str | None = None
    socket: str | None = None
    flags: int = 0
    cflags: set[str] = field(default_factory=set)
    methods: int = 0xFFFFFFFF
    attr: str | None = None
    instance: str | None = None
    contact_id: int = 0

    def q_text(self) -> str:
        """q as OpenSIPS prints it ("" when unspecified, else like 0.5 / 1)."""
        if self.q < 0:
            return ""
        text = f"{self.q / 1000:.3f}".rstrip("0").rstrip(".")
        return text or "0"

    def expires_in(self, now: float) -> int:
        return int(self.expires - now)


_new_object = object.__new__


def new_contact(uri: str, expires: float, q: int, callid: str, cseq: int,
                user_agent: str | None, instance: str | None) -> Contact:
    """``Contact(uri=..., expires=..., q=..., callid=..., cseq=..., user_agent=...,
    instance=...)`` filled in directly: registrar's save makes one per REGISTERed
    contact, and the generated __init__ parses keywords and sets fifteen fields."""
    c = _new_object(Contact)
    c.uri = uri
    c.expires = expires
    c.q = q
    c.callid = callid
    c.cseq = cseq
    c.user_agent = user_agent
    c.received = None
    c.path = None
    c.socket = None
    c.flags = 0
    c.cflags = set()
    c.methods = 0xFFFFFFFF
    c.attr = None
    c.instance = instance
    c.contact_id = 0
    return c


class UsrLoc:
    """Domains (tables) → AOR → contacts, newest binding last."""

    def __init__(self, engine: Any = None) -> None:
        self.engine = engine
        self.domains: dict[str, dict[str, list[Contact]]] = {}
        self._ids = itertools.count(1)

    def now(self) -> float:
        """The engine's virtual time (``adapter.now``, inlined: save and lookup ask once
        per message)."""
        engine = self.engine
        if engine is None:
            return 0.0
        try:  # (no clock, or one without ``now``: 0.0; no getattr/hasattr calls)
            read = engine.clock.now
        except AttributeError:
            return 0.0
        now = read()
        return now if type(now) is float else float(now)

    def table(self, name: str) -> dict[str, list[Contact]]:
        return self.domains.setdefault(name, {})

    def contacts(self, domain: str, aor: str, include_expired: bool = False,
                 now: float | None = None) -> list[Contact]:
        """Live bindings of ``aor`` (expired ones are purged as the usrloc timer would);
        ``now`` is the caller's reading of the clock when it has one."""
        if include_expired:
            found = self.domains.get(domain, {}).get(aor)
            return [] if found is None else list(found)
        return list(self.live(domain, aor, self.now() if now is None else now))

    def live(self, domain: str, aor: str, now: float) -> list[Contact] | tuple[()]:
        """:meth:`contacts` as the stored list itself, for a caller that only reads it
        (registrar's save and lookup: no copy per message); expired bindings are purged
        first, so the list holds the live ones only."""
        records = self.domains.get(domain)
        if records is None:
            return ()
        found = records.get(aor)
        if found is None:
            return ()
        for c in found:  # usually all live: then nothing is built
            if not (c.expires == 0 or c.expires > now):
                break
        else:
            return found
        live = [c for c in found if c.expires == 0 or c.expires > now]
        if live:
            records[aor] = live
        else:
            records.pop(aor, None)
        return live

    def upsert(self, domain: str, aor: str, contact: Contact) -> Contact:
        """Add a binding or refresh the one with the same URI."""
        table = self.domains.get(domain)
        if table is None:
            table = self.domains[domain] = {}
        records = table.get(aor)
        if records is None:
            records = table[aor] = []
        uri = contact.uri
        i = 0  # (no enumerate object: an AOR has a binding or two)
        for old in records:
            if old.uri == uri:
                contact.contact_id = old.contact_id
                records[i] = contact
                return contact
            i += 1
        contact.contact_id = next(self._ids)
        records.append(contact)
        return contact

    def delete(self, domain: str, aor: str, uri: str | None = None) -> int:
        """Remove one binding (or all with ``uri=None``); returns how many went."""
        records = self.domains.get(domain, {})
        found = records.get(aor, [])
        keep = [c for c in found if uri is not None and c.uri != uri]
        removed = len(found) - len(keep)
        if keep:
            records[aor] = keep
        else:
            records.pop(aor, None)
        return removed

    # ----------------------------------------------------------------- MI data

    def contact_json(self, c: Contact) -> dict[str, Any]:
        """One contact as ul_mi.c prints it (member order kept)."""
        out: dict[str, Any] = {"Contact": c.uri, "ContactID": str(c.contact_id)}
        out["Expires"] = "permanent" if c.expires == 0 else c.expires_in(self.now())
        out["Q"] = c.q_text()
        out["Callid"] = c.callid
        out["Cseq"] = c.cseq
        if c.user_agent:
            out["User-agent"] = c.user_agent
        if c.received:
            out["Received"] = c.received
        if c.path:
            out["Path"] = c.path
        out["State"] = "CS_NEW"
        out["Flags"] = c.flags
        out["Cflags"] = " ".join(sorted(c.cflags))
        if c.socket:
            out["Socket"] = c.socket
        out["Methods"] = c.methods
        if c.attr:
            out["Attr"] = c.attr
        if c.instance:
            out["SIP_instance"] = c.instance
        return out

    def mi_dump(self, brief: bool = False) -> dict[str, Any]:
        """``ul_dump [brief]``."""
        domains = []
        for name, records in self.domains.items():
            aors = []
            for aor in list(records):
                contacts = self.contacts(name, aor)
                if not contacts:
                    continue
                entry: dict[str, Any] = {"AOR": aor}
                if not brief:
                    entry["Contacts"] = [self.contact_json(c) for c in contacts]
                aors.append(entry)
            domains.append({"name": name, "hash_size": UL_HASH_SIZE, "AORs": aors})
        return {"Domains": domains}

    def mi_show_contact(self, table: str, aor: str) -> dict[str, Any]:
        """``ul_show_contact table aor``; raises the MI error OpenSIPS answers."""
        from osipsc.runtime.mi.registry import MIError

        if table not in self.domains:
            raise MIError(404, "Table not found")
        use_domain = int(adapter.modparam(self.engine, "usrloc", "use_domain", 0))
        if use_domain and "@" not in aor:
            raise MIError(400, "Domain missing in AOR")
        contacts = self.contacts(table, aor)
        if not contacts:
            raise MIError(404, "AOR not found")
        return {"AOR": aor, "Contacts": [self.contact_json(c) for c in contacts]}


def get_usrloc(engine: Any) -> UsrLoc:
    """The engine's location store (``engine.state("usrloc")``)."""
    # every save/lookup asks: once made, the spine's Engine keeps it in ``_states`` (what
    # ``engine_state`` would return after its register/state round trip)
    try:
        states = engine._states
    except AttributeError:
        states = None
    if type(states) is dict:
        found = states.get("usrloc")
        if type(found) is UsrLoc:
            return found
    return adapter.engine_state(engine, "usrloc", UsrLoc)
