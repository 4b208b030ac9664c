"""Differential tests of the REGISTER path's fast code against plain reference code.

registrar's ``save`` now reads headers through ``_value`` and the lone Contact without a
header record (``_contact_bodies``), reads the bindings through ``UsrLoc.live`` (the stored
list, no copies) and puts its 200 OK's Contact straight into the reply lumps; ``lookup``
reads ``live`` too; ``contact_header`` clamps without builtins. The reference ``save``
below is the registrar written plainly on the public message and usrloc API: an engine
running it must send the same datagrams and keep the same bindings as one running the
real ``save``, over random REGISTER / INVITE / clock sequences (hypothesis).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from osipsc.compiler.render import load_cfg_module
from osipsc.runtime.engine import Engine
from osipsc.runtime.functions import registrar
from osipsc.runtime.functions.signaling import send_reply
from osipsc.runtime.sip.message import SipMessage
from osipsc.runtime.sip.nameaddr import NameAddr
from osipsc.runtime.usrloc import Contact, UsrLoc, get_usrloc

CFG = Path(__file__).resolve().parent.parent / "benchmarks" / "data" / "mix.cfg"
SRC = ("127.0.0.1", 5090)


# ----------------------------------------------------------------- reference implementation

def ref_contact_header(contacts: list[Contact], now: float) -> str | None:
    if not contacts:
        return None
    parts = []
    for c in contacts:
        left = max(0, int(c.expires - now)) if c.expires else 0
        text = f"<{c.uri}>;expires={left}" if c.q < 0 else \
            f"<{c.uri}>;q={c.q_text()};expires={left}"
        if c.received:
            text += f';received="{c.received}"'
        parts.append(text)
    return "Contact: " + ", ".join(parts) + "\r\n"


def ref_save(ctx: Any, domain: str, flags: str | None = None, aor: str | None = None,
             ownership_tag: str | None = None) -> int:
    """registrar's save on the public API: ``header``/``headers``, ``NameAddr.parse``,
    ``UsrLoc.contacts`` and a reply through ``send_reply`` with the header list."""
    engine, msg = ctx.engine, ctx.msg
    ul = get_usrloc(engine)
    flags = flags or ""

    def reply(code: int, reason: str, headers: list[str]) -> None:
        msg.reply_lumps.headers.extend(headers)
        send_reply(ctx, code, reason)

    def setting(module: str, name: str, default: int) -> int:
        value = engine.modparam(module, name)
        return int(default if value is None else value)

    key = registrar._aor_key(aor or msg.header("to") or "",  # noqa: SLF001
                             setting("registrar", "case_sensitive", 1),
                             setting("usrloc", "use_domain", 0))
    if key is None:
        if "r" not in flags:
            reply(400, "Bad Request", ["P-Registrar-Error: Bad address of record\r\n"])
        return -1
    default_expires = setting("registrar", "default_expires", 3600)
    max_expires = setting("registrar", "max_expires", 0)
    min_expires = setting("registrar", "min_expires", 60)
    default_q = setting("registrar", "default_q", -1)
    hdr = msg.header("expires")
    if hdr is not None and hdr.strip().isdigit():
        default_expires = int(hdr.strip())
    values = [c for v in msg.headers("contact") for c in registrar.split_contacts(v)]
    now = ul.now()
    cseq = msg.cseq_num
    if values == ["*"]:
        if default_expires != 0:
            if "r" not in flags:
                reply(400, "Bad Request", ["P-Registrar-Error: Invalid expires\r\n"])
            return -1
        ul.delete(domain, key)
    else:
        for value in values:
            na = NameAddr.parse(value)
            exp = na.param("expires")
            expires = int(exp) if exp and exp.isdigit() else default_expires
            if expires and max_expires and expires > max_expires:
                expires = max_expires
            if expires and expires < min_expires:
                expires = min_expires
            if expires == 0:
                ul.delete(domain, key, na.uri)
                continue
            q_text = na.param("q")
            try:
                q = int(round(float(q_text) * 1000)) if q_text else default_q
            except ValueError:
                q = default_q
            ul.upsert(domain, key, Contact(
                uri=na.uri, expires=now + expires, q=q, callid=msg.header("call-id") or "",
                cseq=int(cseq) if cseq.isdigit() else 0,
                user_agent=msg.header("user-agent"), instance=na.param("+sip.instance")))
        m = re.search(r"c(\d+)", flags)
        if m and int(m.group(1)) > 0:
            for old in ul.contacts(domain, key)[:-int(m.group(1))]:
                ul.delete(domain, key, old.uri)
    if "r" in flags:
        return 1
    header = ref_contact_header(sorted(ul.contacts(domain, key), key=lambda c: -c.q), now)
    reply(200, "OK", [header] if header else [])
    return 1


# ----------------------------------------------------------------- sequences

CONTACTS = ["<sip:{u}@10.0.0.1:5060>", "<sip:{u}@10.0.0.2>;expires=120",
            "<sip:{u}@10.0.0.3>;q=0.5", "<sip:{u}@10.0.0.4>;q=1;expires=30",
            "<sip:{u}@10.0.0.1:5060>;expires=0", "sip:{u}@10.0.0.5;Q=0.25;EXPIRES=7200",
            '"N, x" <sip:{u}@10.0.0.6>;expires=90', "<sip:{u}@10.0.0.7>;q=bad",
            "<sip:{u}@10.0.0.2>;expires=abc"]


def register(n: int, user: str, contacts: list[list[str]], expires: str | None) -> bytes:
    lines = ["REGISTER sip:127.0.0.1:5060 SIP/2.0",
             f"Via: SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bK-r{n}",
             "Max-Forwards: 70", f"From: <sip:{user}@127.0.0.1>;tag=r{n}",
             f"To: <sip:{user}@127.0.0.1>", f"Call-ID: reg-{user}@127.0.0.1",
             f"CSeq: {n} REGISTER"]
    for group in contacts:  # one Contact header per group, its values comma-joined
        lines.append("Contact: " + ", ".join(c.format(u=user) for c in group))
    if expires is not None:
        lines.append(f"Expires: {expires}")
    lines += ["User-Agent: test", "Content-Length: 0"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def invite(n: int, user: str) -> bytes:
    return (f"INVITE sip:{user}@127.0.0.1:5060 SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:5090;rport;branch=z9hG4bK-i{n}\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:c@127.0.0.1>;tag=i{n}\r\n"
            f"To: <sip:{user}@127.0.0.1>\r\nCall-ID: call-{n}\r\nCSeq: 1 INVITE\r\n"
            "Content-Length: 0\r\n\r\n").encode("latin-1")


def _engines() -> tuple[Engine, Engine]:
    real = Engine(load_cfg_module(CFG))
    ref = Engine(load_cfg_module(CFG))
    ref.functions["save"] = ref_save
    return real, ref


def _bindings(engine: Engine) -> dict[str, Any]:
    ul = get_usrloc(engine)
    return {aor: [(c.uri, c.expires, c.q, c.callid, c.cseq, c.user_agent, c.instance,
                   c.contact_id) for c in found]
            for table in ul.domains.values() for aor, found in table.items()}


def _run(engines: tuple[Engine, Engine], steps: list[tuple[Any, ...]]) -> None:
    for n, step in enumerate(steps):
        outs = []
        for engine in engines:
            if step[0] == "clock":  # (tm's timers fire: their packets compared too)
                outs.append(engine.advance(step[1]).packets)
                continue
            data = register(n, *step[1:]) if step[0] == "reg" else invite(n, step[1])
            outs.append(engine.receive(data, SRC).packets)
        assert outs[0] == outs[1], step
        assert _bindings(engines[0]) == _bindings(engines[1])


USERS = st.sampled_from(["alice", "bob"])
STEP = st.one_of(
    st.tuples(st.just("reg"), USERS,
              st.lists(st.lists(st.sampled_from(CONTACTS), min_size=1, max_size=3),
                       max_size=3),
              st.sampled_from([None, "0", "60", "3600", "x", " 200 "])),
    st.tuples(st.just("inv"), USERS),
    st.tuples(st.just("clock"), st.sampled_from([1, 29, 61, 3601])))


@settings(max_examples=120, deadline=None)
@given(st.lists(STEP, min_size=1, max_size=12))
def test_save_and_lookup_match_reference(steps: list[tuple[Any, ...]]) -> None:
    _run(_engines(), steps)


def test_star_and_errors_match_reference() -> None:
    steps: list[tuple[Any, ...]] = [
        ("reg", "alice", [[CONTACTS[0], CONTACTS[2]], [CONTACTS[3]]], None),
        ("reg", "alice", [["*"]], "60"),  # * needs Expires: 0
        ("reg", "alice", [["*"]], "0"),
        ("reg", "bob", [], None),  # no Contact: the bindings listed
        ("inv", "alice"), ("clock", 31), ("reg", "bob", [[CONTACTS[1]]], None),
    ]
    _run(_engines(), steps)


# ----------------------------------------------------------------- pieces

def test_contact_bodies_match_headers() -> None:
    base = register(1, "a", [], None).decode("latin-1")
    for extra in ["", "Contact: <sip:a@h>\r\n", "m: <sip:a@h>\r\nContact: <sip:b@h>\r\n",
                  "Contact: \r\n", "CONTACT:x\r\nX: y\r\nm:z\r\n"]:
        for text in (base.replace("User-Agent", extra + "User-Agent"),
                     base.replace("User-Agent", extra + "User-Agent").replace("\r\n", "\n")):
            msg = SipMessage.parse(text)
            assert registrar._contact_bodies(msg) == msg.headers("contact")  # noqa: SLF001
            copy = msg.copy()
            copy.headers_list  # noqa: B018 - every record built
            assert registrar._contact_bodies(copy) == msg.headers("contact")  # noqa: SLF001


def ref_contacts(ul: UsrLoc, domain: str, aor: str, now: float) -> list[Contact]:
    """``UsrLoc.contacts`` as it was: the live bindings, expired ones purged."""
    records = ul.domains.get(domain)
    found = None if records is None else records.get(aor)
    if records is None or found is None:
        return []
    live = [c for c in found if c.expires == 0 or c.expires > now]
    if len(live) != len(found):
        if live:
            records[aor] = live
        else:
            records.pop(aor, None)
    return live


@pytest.mark.parametrize("now", [0.0, 50.0, 100.0, 110.0, 150.5])
def test_live_and_contacts_match_reference(now: float) -> None:
    def table() -> UsrLoc:
        ul = UsrLoc()
        for i, expires in enumerate([0, 100.0, 120.0, 100.0, 0, float("nan")]):
            ul.upsert("t", "a", Contact(f"sip:{i}@h", expires))
        ul.upsert("t", "b", Contact("sip:b@h", 10.0))
        return ul

    def uris(ul: UsrLoc) -> dict[str, list[str]]:
        return {aor: [c.uri for c in found] for aor, found in ul.domains["t"].items()}

    for aor in ("a", "b", "none"):
        for live in (True, False):
            ul, other = table(), table()
            got = list(ul.live("t", aor, now)) if live else ul.contacts("t", aor, now=now)
            assert got == ref_contacts(other, "t", aor, now)
            assert uris(ul) == uris(other)  # the same purge (NaN is not equal to itself)
        ul = table()
        assert ul.contacts("t", aor, include_expired=True) == \
            list(ul.domains["t"].get(aor, []))
    assert UsrLoc().live("nope", "a", 0.0) == ()


@given(st.lists(st.tuples(st.sampled_from([0, 10.0, 99.5, 100.0, 1e6]),
                          st.sampled_from([-1, 0, 500, 1000, 125]),
                          st.sampled_from([None, "1.2.3.4:5060"])), max_size=4),
       st.sampled_from([0.0, 10.0, 100.0]))
def test_contact_header_matches_reference(rows: list[tuple[float, int, str | None]],
                                          now: float) -> None:
    contacts = [Contact(f"sip:{i}@h", e, q, received=r) for i, (e, q, r) in enumerate(rows)]
    assert registrar.contact_header(None, contacts, now) == ref_contact_header(contacts, now)


def _sl_stats(engine: Engine) -> dict[str, int]:
    found = {}
    for name in ("1xx_replies", "2xx_replies", "4xx_replies", "sent_replies"):
        stat = engine.stats.find(name, "sl")
        found[name] = stat.value if stat is not None else -1
    return found


def test_sl_counters_match_inc_counting() -> None:
    """sl's memoised counters count what ``StatsRegistry.inc`` counted, with two engines
    taking turns (the memo follows the registry)."""
    engines = _engines()
    expected = {"1xx_replies": 0, "2xx_replies": 0, "4xx_replies": 0, "sent_replies": 0}
    options = invite(0, "x").replace(b"INVITE", b"OPTIONS")
    for n in range(3):
        for engine in engines:
            engine.receive(register(n, "alice", [[CONTACTS[0]]], None), SRC)
            engine.receive(options, SRC)  # 405 Method Not Allowed
    expected.update({"2xx_replies": 3, "4xx_replies": 3, "sent_replies": 6})
    for engine in engines:
        assert _sl_stats(engine) == expected


def test_sl_counts_through_inc_on_a_stand_in() -> None:
    from types import SimpleNamespace

    from osipsc.runtime.functions import sl

    seen: list[tuple[str, str, int]] = []
    stand_in = SimpleNamespace(stats=SimpleNamespace(inc=lambda *a: seen.append(a)))
    sl._count_reply(stand_in, "4xx_replies")  # noqa: SLF001
    sl._count_reply(SimpleNamespace(), "4xx_replies")  # noqa: SLF001 - no stats: nothing
    assert seen == [("sl", "4xx_replies", 1), ("sl", "sent_replies", 1)]
