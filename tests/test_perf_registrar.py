"""Differential tests of the registrar/usrloc/sl fast paths against the general code they
shortcut (memoised AoR keys and Contact values, one-pass Contact parameters, the To-tag
pre-check, the usrloc state lookup, non-integer settings falling back)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from osipsc.compiler.render import load_cfg_module
from osipsc.runtime.engine import Engine
from osipsc.runtime.functions import registrar
from osipsc.runtime.functions.sl import _has_to_tag
from osipsc.runtime.sip.message import SipMessage
from osipsc.runtime.sip.nameaddr import NameAddr
from osipsc.runtime.tm import adapter
from osipsc.runtime.usrloc import UsrLoc, get_usrloc

CFG = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "mix.cfg"


class FakeEngine:
    """Just what registrar's settings read: ``modparams`` and ``modparam``."""

    def __init__(self, modparams: list[tuple[str, str, Any]] | None = None) -> None:
        self.modparams = modparams or []

    def modparam(self, module: str, name: str) -> Any:
        for mod, key, value in self.modparams:
            if mod == module and key == name:
                return value
        return None


def request(method: str = "OPTIONS", n: int = 1, ruri: str = "sip:bob@127.0.0.1:5060") -> str:
    return "\r\n".join([
        f"{method} {ruri} SIP/2.0",
        f"Via: SIP/2.0/UDP 127.0.0.1:5070;rport;branch=z9hG4bK-test-{n:02d}",
        "Max-Forwards: 70", f"From: <sip:alice@127.0.0.1:5070>;tag=ft-{n:02d}",
        "To: <sip:bob@127.0.0.1:5060>", f"Call-ID: test-{n:02d}@127.0.0.1",
        f"CSeq: {n} {method}", "Contact: <sip:alice@127.0.0.1:5070>",
        "Content-Length: 0"]) + "\r\n\r\n"

CONTACTS = [
    "<sip:a@h>", "<sip:a@h>;expires=60", "<sip:a@h>;Expires=60;EXPIRES=70", "sip:a@h;q=0.5",
    '"A;q=1" <sip:a@h;expires=5>;q=0.7;expires', "<sip:a@h>;+sip.instance=\"<urn:x>\";q",
    "<sip:a@h>;+SIP.Instance;expires=0;q=1;q=0.2", "<sip:a@h>; expires = 30 ;q= 0.1",
    "sip:a@h", "<sip:a@h>;foo=bar;expires=abc",
]


@pytest.mark.parametrize("value", CONTACTS)
def test_contact_params_match_nameaddr_param(value: str) -> None:
    na = NameAddr.parse(value)
    expected = (na.uri, na.param("expires"), na.param("q"), na.param("+sip.instance"))
    assert registrar._contact_of(value) == expected  # noqa: SLF001
    assert registrar._contact_of(value) == expected  # noqa: SLF001 - the memo's answer


def test_contact_parse_error_is_not_cached() -> None:
    with pytest.raises(ValueError):
        registrar._contact_of("<sip:a@h")  # noqa: SLF001
    assert "<sip:a@h" not in registrar._CONTACTS  # noqa: SLF001


URIS = ["<sip:Bob@Example.COM>", " sip:bob@h:5060;transport=udp ", '"B" <sip:BOB@h>;tag=1',
        "tel:+123", "garbage", "", "<sip:@h>", "sip:h"]


@pytest.mark.parametrize("settings", [(1, 0), (0, 0), (1, 1), (0, 1), (5, 7)])
def test_aor_memo_matches_parse(settings: tuple[int, int]) -> None:
    cs, ud = settings
    engine = FakeEngine([("registrar", "case_sensitive", cs), ("usrloc", "use_domain", ud)])
    for uri in URIS:
        expected = registrar._aor_key(uri, cs, ud)  # noqa: SLF001 - the general path
        assert registrar.aor_of(engine, uri) == expected
        assert registrar.aor_of(engine, uri) == expected


def test_settings_follow_modparam_changes_and_non_int_values() -> None:
    engine = FakeEngine([("usrloc", "use_domain", 0)])
    assert registrar.aor_of(engine, "<sip:bob@H>") == "bob"
    engine.modparams.append(("registrar", "case_sensitive", 0))
    engine.modparams[0] = ("usrloc", "use_domain", 1)
    assert registrar.aor_of(engine, "<sip:Bob@H>") == "bob@h"
    engine.modparams = [("usrloc", "use_domain", "x")]
    with pytest.raises(ValueError):  # raises where the general code converts it
        registrar.aor_of(engine, "<sip:Bob@H>")
    assert registrar.aor_of(engine, "garbage") is None


TOS = ["<sip:b@h>", "<sip:b@h>;tag=1", "<sip:b@h>;TAG=x", "<sip:b@h>;tag=", "<sip:tag@h>",
       '"tag" <sip:b@h>', "<sip:b@h;tag=u>", "sip:b@h;tag=2", "<sip:b@h", "<sip:b@h>;ttag=1"]


@pytest.mark.parametrize("to", TOS)
def test_has_to_tag_matches_to_tag(to: str) -> None:
    text = request().replace("To: <sip:bob@127.0.0.1:5060>", f"To: {to}")
    msg = SipMessage.parse(text)
    assert _has_to_tag(msg) is bool(msg.to_tag)


def test_get_usrloc_fast_path_is_the_engine_state() -> None:
    engine = Engine(load_cfg_module(CFG))
    first = get_usrloc(engine)
    assert type(first) is UsrLoc
    assert get_usrloc(engine) is first is adapter.engine_state(engine, "usrloc", UsrLoc)
    fake = FakeEngine()  # no engine state: the adapter's slot
    assert get_usrloc(fake) is get_usrloc(fake)


def test_save_reply_and_lookup_order_unchanged() -> None:
    engine = Engine(load_cfg_module(CFG))
    text = request("REGISTER", 1, ruri="sip:127.0.0.1:5060").replace(
        "Contact: <sip:alice@127.0.0.1:5070>",
        "Contact: <sip:bob@10.0.0.1>;q=0.5\r\nContact: <sip:bob@10.0.0.2>;expires=30, "
        "<sip:bob@10.0.0.3>;q=0.5;expires=0\r\nExpires: 100")
    sent = engine.receive(text.encode(), ("127.0.0.1", 5070)).packets
    reply = sent[-1][0].decode()
    assert reply.startswith("SIP/2.0 200 OK\r\n")
    assert "Contact: <sip:bob@10.0.0.1>;q=0.5;expires=100, <sip:bob@10.0.0.2>;expires=60\r\n" \
        in reply  # min_expires 60 lifts 30
    sent = engine.receive(request("INVITE", 2).encode(), ("127.0.0.1", 5070)).packets
    assert [d.split(b"\r\n", 1)[0] for d, _, _ in sent] == [
        b"SIP/2.0 100 Giving it a try", b"INVITE sip:bob@10.0.0.1 SIP/2.0",
        b"INVITE sip:bob@10.0.0.2 SIP/2.0"]  # highest q first, the other as a branch
