"""tm's deferred copy of the request (``TransactionManager._create``): a transaction made
while the Engine receives a request holds the message itself and copies it only when
something may change it before the request route ends. Every outcome must equal the one of
the eager copy (``manager._DEFER_COPY = False``), whatever the script does after
``t_relay``/``t_newtran``; the failure route shows what the transaction stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from osipsc.compiler.commands.run import transcript
from osipsc.runtime.engine import Engine
from osipsc.runtime.tm import manager

from .conftest import reply_to, request

CASES = Path(__file__).resolve().parents[1] / "conformance" / "cases"

HEAD = r'''
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "textops.so"
loadmodule "sipmsgops.so"
loadmodule "maxfwd.so"
socket = udp:127.0.0.1:5060
modparam("tm", "fr_timeout", 2)
'''

FAILURE = r'''
failure_route[fail] {
    xlog("failure $rm $ru du=$du br=$(branch(uri)[*]) hdr=$hdr(X-After)\n");
    t_relay();
}
'''

#: request routes that do things after the transaction exists (each with the failure route)
ROUTES = {
    "relay-then-edit": r'''
route {
    t_on_failure("fail");
    record_route();
    $du = "sip:127.0.0.1:5080";
    t_relay();
    append_hf("X-After: 1\r\n");
    $ru = "sip:changed@127.0.0.1:5090";
    xlog("after relay $ru\n");
}''',
    "relay-then-exit": r'''
route {
    t_on_failure("fail");
    $ru = "sip:other@127.0.0.1:5080";
    if (!t_relay())
        sl_reply_error();
    exit;
}''',
    "newtran-then-edit": r'''
route {
    t_newtran();
    append_hf("X-After: 2\r\n");
    $du = "sip:127.0.0.1:5080";
    t_on_failure("fail");
    t_relay();
}''',
    "appended-branches": r'''
route {
    t_on_failure("fail");
    append_msg_branch("sip:b1@127.0.0.1:5081");
    append_msg_branch("sip:b2@127.0.0.1:5082");
    t_relay();
    exit;
}''',
    "relay-then-add-rr-param": r'''
route {
    t_on_failure("fail");
    record_route();
    $du = "sip:127.0.0.1:5080";
    t_relay();
    add_rr_param(";late=1");
}''',
    "relay-then-assign": r'''
route {
    t_on_failure("fail");
    $du = "sip:127.0.0.1:5080";
    t_relay();
    $du = "sip:127.0.0.1:5099";
    $var(x) = 1;
}''',
}


def _run(tmp_path: Path, route: str, defer: bool) -> list[object]:
    """Everything observable: per step the xlog lines and datagrams."""
    cfg = tmp_path / f"defer-{defer}.cfg"
    cfg.write_text(HEAD + route + FAILURE)
    saved = manager._DEFER_COPY
    manager._DEFER_COPY = defer
    try:
        engine = Engine.from_cfg(cfg)
        seen: list[object] = []
        for n, method in enumerate(("INVITE", "MESSAGE"), start=1):
            out = engine.receive(request(method, n=n))
            seen.append((out.xlog_text, out.packets))
            sent = [p[0] for p in out.packets if not p[0].startswith(b"SIP/2.0")]
            if sent:  # a negative reply on the first branch: the failure route runs
                out = engine.receive(reply_to(sent[0], 486, "Busy Here"),
                                     src=("127.0.0.1", 5080))
                seen.append((out.xlog_text, out.packets))
            out = engine.advance(5)  # the other branches time out
            seen.append((out.xlog_text, out.packets))
        return seen
    finally:
        manager._DEFER_COPY = saved


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_deferred_copy_equals_eager_copy(tmp_path: Path, name: str) -> None:
    assert _run(tmp_path, ROUTES[name], True) == _run(tmp_path, ROUTES[name], False)


def test_failure_route_sees_the_request_as_relayed(tmp_path: Path) -> None:
    """What the transaction stored: edits after t_relay are not in it, $ru is the
    received R-URI and $du is empty (the pinned facts behind the equality above)."""
    seen = _run(tmp_path, ROUTES["relay-then-edit"], True)
    failure = [line for xlog, _ in seen for line in xlog if line.startswith("failure")]
    assert failure[0] == "failure INVITE sip:bob@127.0.0.1:5060 du=<null> br=<null> hdr=<null>\n"


def test_request_kept_without_copy_when_nothing_follows(tmp_path: Path) -> None:
    """The point of deferring: after ``t_relay(); exit;`` the transaction holds the received
    message itself, without $ru/$du, and no hook is left armed."""
    cfg = tmp_path / "keep.cfg"
    cfg.write_text(HEAD + ROUTES["relay-then-exit"] + FAILURE)
    engine = Engine.from_cfg(cfg)
    kept: list[object] = []
    engine.functions["t_relay"] = _spy(engine, kept)
    engine.receive(request("INVITE"))
    txn = next(iter(manager.get_manager(engine).by_uas.values()))
    assert txn.request is kept[0]
    assert txn.request.new_uri is None and txn.request.dst_uri is None
    assert engine.snapshot_hook is None


def _spy(engine: Engine, kept: list[object]) -> object:
    """t_relay that remembers the message it relayed."""
    from osipsc.runtime.functions import tm as tm_functions

    def relay(ctx: object, *args: object) -> int:
        kept.append(ctx.msg)  # type: ignore[attr-defined]
        return tm_functions.t_relay(ctx, *args)

    return relay


@pytest.mark.parametrize("name", sorted(p.name for p in CASES.iterdir()
                                        if (p / "script.cfg").is_file()))
def test_conformance_cases_equal_with_eager_copy(name: str) -> None:
    case = CASES / name
    msgs = sorted(p for p in case.iterdir() if p.suffix == ".sip" and p.name[:2].isdigit())
    saved = manager._DEFER_COPY
    try:
        manager._DEFER_COPY = False
        eager = transcript(case / "script.cfg", msgs)
    finally:
        manager._DEFER_COPY = saved
    assert transcript(case / "script.cfg", msgs) == eager
