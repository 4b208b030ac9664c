"""registrar save/lookup/is_registered/remove on the in-memory usrloc."""

from __future__ import annotations

from osipsc.runtime.context import Context
from osipsc.runtime.functions import registrar, tm
from osipsc.runtime.usrloc import get_usrloc

from .conftest import FakeEngine, request


def _register(engine: FakeEngine, contacts: str, n: int = 1, expires: str = "") -> int:
    extra = contacts + (f"\r\nExpires: {expires}" if expires else "")
    out: list[int] = []
    text = request("REGISTER", n, extra=extra, ruri="sip:127.0.0.1:5060")
    text = text.replace("Contact: <sip:alice@127.0.0.1:5070>\r\n", "")
    engine.request(text, lambda ctx: out.append(registrar.save(ctx, "location")))
    return out[0]


def test_save_replies_with_bindings_and_lookup_forks(engine: FakeEngine) -> None:
    assert _register(engine, "Contact: <sip:bob@10.0.0.1:5060>;q=0.5, "
                             "<sip:bob@10.0.0.2:5060>;q=1;expires=60") == 1
    reply = engine.sent[-1][0].decode()
    assert reply.startswith("SIP/2.0 200 OK\r\n")
    assert ("Contact: <sip:bob@10.0.0.2:5060>;q=1;expires=60, "
            "<sip:bob@10.0.0.1:5060>;q=0.5;expires=3600\r\n") in reply

    out: list[int] = []

    def route(ctx: Context) -> None:
        out.append(registrar.lookup(ctx, "location"))
        out.append(len(ctx.msg.branches))
        out.append(tm.t_relay(ctx))

    engine.request(request("MESSAGE", 2), route)
    assert out == [1, 1, 1]
    assert engine.first_lines()[-2:] == ["MESSAGE sip:bob@10.0.0.2:5060 SIP/2.0",
                                         "MESSAGE sip:bob@10.0.0.1:5060 SIP/2.0"]


def test_expiry_on_virtual_clock_and_unregister(engine: FakeEngine) -> None:
    _register(engine, "Contact: <sip:bob@10.0.0.1>;expires=100")
    ul = get_usrloc(engine)
    assert [c.uri for c in ul.contacts("location", "bob")] == ["sip:bob@10.0.0.1"]
    engine.clock.advance(101)
    assert ul.contacts("location", "bob") == []
    _register(engine, "Contact: <sip:bob@10.0.0.1>", n=2)
    _register(engine, "Contact: *", n=3, expires="0")
    assert ul.contacts("location", "bob") == []
    assert "Contact:" not in engine.sent[-1][0].decode()


def test_lookup_miss_and_is_registered(engine: FakeEngine) -> None:
    out: list[int] = []
    engine.request(request("INVITE"), lambda ctx: out.append(registrar.lookup(ctx, "location")))
    _register(engine, "Contact: <sip:bob@10.0.0.1>", n=2)
    engine.request(request("OPTIONS", 3),
                   lambda ctx: out.append(registrar.is_registered(ctx, "location")))
    engine.request(request("OPTIONS", 4),
                   lambda ctx: out.append(registrar.remove(ctx, "location", "bob")))
    engine.request(request("OPTIONS", 5),
                   lambda ctx: out.append(registrar.is_registered(ctx, "location")))
    assert out == [-1, 1, 1, -1]


def test_ul_mi_data(engine: FakeEngine) -> None:
    import pytest
    from osipsc.runtime.mi.registry import MIError

    _register(engine, "Contact: <sip:bob@10.0.0.1>;expires=120")
    ul = get_usrloc(engine)
    dump = ul.mi_dump()
    contact = dump["Domains"][0]["AORs"][0]["Contacts"][0]
    assert list(contact)[:6] == ["Contact", "ContactID", "Expires", "Q", "Callid", "Cseq"]
    assert contact["Expires"] == 120 and contact["Q"] == ""
    assert ul.mi_dump(brief=True)["Domains"][0]["AORs"] == [{"AOR": "bob"}]
    assert ul.mi_show_contact("location", "bob")["AOR"] == "bob"
    with pytest.raises(MIError):
        ul.mi_show_contact("nope", "bob")
