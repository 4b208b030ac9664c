"""Round-4 tm fast paths: a waiting transaction keeps fewer GC-tracked objects (the To-tag
seed as strings, the branch as its own first fr timer); every outcome equals the one of
the general path."""

from __future__ import annotations

import dataclasses
import gc
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from osipsc.runtime.clock import Clock
from osipsc.runtime.engine import Engine
from osipsc.runtime.sip.message import SipMessage
from osipsc.runtime.tm import transaction
from osipsc.runtime.tm.manager import get_manager

from .conftest import reply_to, request

CFG = r'''
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "tm.so"
socket = udp:127.0.0.1:5060
modparam("tm", "fr_timeout", 2)
modparam("tm", "fr_inv_timeout", 5)
route {
    if ($hdr(X-Two) == "yes") append_msg_branch("sip:two@127.0.0.1:5081");
    $du = "sip:127.0.0.1:5080";
    if (!t_relay()) sl_reply_error();
    exit;
}
'''


class CallLaterClock:
    """The Engine's clock without ``schedule``: tm falls back to ``call_later`` handles
    (the general path the branch-as-handle fast path must equal)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def now(self) -> float:
        return self._clock.now()

    def call_later(self, delay: float, fn: Any) -> Any:
        return self._clock.call_later(delay, fn)

    def pop_due(self, until: float) -> Any:
        return self._clock.pop_due(until)

    def set(self, now: float) -> None:
        self._clock.set(now)


def _engine(tmp_path: Path, general: bool) -> Engine:
    cfg = tmp_path / "tm.cfg"
    cfg.write_text(CFG)
    engine = Engine.from_cfg(cfg)
    if general:
        engine.clock = CallLaterClock(engine.clock)  # type: ignore[assignment]
    return engine


STEPS = st.lists(st.one_of(
    st.tuples(st.just("advance"), st.sampled_from([0, 1, 2, 3, 4.5, 6])),
    st.tuples(st.just("reply"), st.sampled_from([100, 180, 183, 486, 200]),
              st.sampled_from([0, 1])),
    st.tuples(st.just("request"), st.sampled_from(["INVITE", "MESSAGE"]), st.booleans()),
), max_size=12)


def _run(engine: Engine, steps: list[tuple[Any, ...]]) -> list[Any]:
    """Everything observable, step by step; replies answer the branches sent so far."""
    seen: list[Any] = []
    sent: list[tuple[bytes, tuple[str, int]]] = []
    n = 0
    for step in steps:
        if step[0] == "advance":
            out = engine.advance(step[1])
        elif step[0] == "request":
            n += 1
            extra = "X-Two: yes" if step[2] else ""
            out = engine.receive(request(step[1], n=n, extra=extra))
        else:
            if not sent:
                continue
            data, dst = sent[-1 - step[2] if step[2] < len(sent) else -1]
            out = engine.receive(reply_to(data, step[1], "Reason"), src=dst)
        packets = list(out.packets)
        sent += [(p[0], p[1]) for p in packets if not p[0].startswith(b"SIP/2.0")]
        seen.append((step, packets, list(out.xlog_text)))
        out.packets.clear()
    return seen


@settings(max_examples=40, deadline=None)
@given(steps=STEPS)
def test_branch_timer_equals_call_later_timers(tmp_path_factory: Any,
                                               steps: list[tuple[Any, ...]]) -> None:
    """Branches armed as their own timer handle (re-armed through FrTimer) time out
    exactly when ``call_later`` timers do: same 408s, same order, same datagrams."""
    tmp = tmp_path_factory.mktemp("r4")
    assert _run(_engine(tmp, False), steps) == _run(_engine(tmp, True), steps)


def test_waiting_branch_is_its_own_timer(tmp_path: Path) -> None:
    engine = _engine(tmp_path, False)
    engine.receive(request("INVITE"))
    txn = next(iter(get_manager(engine).by_uas.values()))
    (branch,) = txn.branches
    assert branch.timer is branch and branch.txn is txn
    # a provisional reply re-arms it with fr_inv_timeout: the branch's own entry is disarmed
    engine.receive(reply_to(branch.request_data, 180, "Ringing"), src=("127.0.0.1", 5080))
    assert branch.timer is not branch and branch.cancelled


def test_tag_via_is_untracked_strings(tmp_path: Path) -> None:
    """The To-tag seed is kept as strings (untracked by the GC), and the To-tag equals the
    one computed from the parsed Via with the table-driven CRC reference."""
    engine = _engine(tmp_path, False)
    engine.receive(request("MESSAGE"))
    txn = next(iter(get_manager(engine).by_uas.values()))
    gc.collect()
    assert type(txn.tag_via) is tuple and not gc.is_tracked(txn.tag_via)
    via = SipMessage.parse(request("MESSAGE").encode()).via1()
    seed = via.host + via.port_text + (via.branch or "")
    crc = 0xFFFF
    for byte in seed.encode("latin-1"):
        crc = ((crc << 8) & 0xFFFF) ^ transaction._CCITT[(crc >> 8) ^ byte]  # noqa: SLF001
    suffix = format(~crc & 0xFFFF, "04x")[::-1]
    assert txn.reply_tag() == transaction._fixed_tag(("127.0.0.1", 5060)) + "-" + suffix  # noqa: SLF001


@given(host=st.text("ab.1", min_size=1, max_size=8), port=st.text("0123456789", max_size=5),
       branch=st.one_of(st.none(), st.text("zab9-", max_size=10)))
def test_to_tag_missing_branch_is_empty_branch(host: str, port: str, branch: str | None
                                               ) -> None:
    """``_create`` keeps ``branch or ""``: the same seed as a missing branch."""
    listen = ("127.0.0.1", 5060)
    assert transaction.tm_to_tag(listen, (host, port, branch)) == \
        transaction.tm_to_tag(listen, (host, port, branch or ""))


AVP_CFG = r'''
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "tm.so"
socket = udp:127.0.0.1:5060
modparam("tm", "fr_timeout", 2)
route {
    if ($hdr(X-Before) == "yes") $avp(b) = "before";
    t_on_failure("f1");
    if ($hdr(X-Branch) == "yes") t_on_branch("br");
    $du = "sip:127.0.0.1:5080";
    t_relay();
    if ($hdr(X-After) == "yes") $avp(a) = "after";
    exit;
}
branch_route[br] {
    xlog("branch b=$avp(b) a=$avp(a) f=$avp(f)\n");
    $avp(br) = "x";
}
failure_route[f1] {
    xlog("f1 b=$avp(b) a=$avp(a) br=$avp(br)\n");
    $avp(f) = "one";
    t_on_failure("f2");
    t_relay();
}
failure_route[f2] {
    xlog("f2 b=$avp(b) a=$avp(a) br=$avp(br) f=$avp(f)\n");
}
'''


def _avp_run(tmp_path: Path, headers: list[str], keep: bool) -> list[Any]:
    cfg = tmp_path / "avp.cfg"
    cfg.write_text(AVP_CFG)
    engine = Engine.from_cfg(cfg)
    if keep:  # a post-request hook: release keeps the (empty) AVP list, the plain path
        engine.post_request_hook = lambda ctx: None
    seen = []
    out = engine.receive(request("INVITE", extra="\r\n".join(headers)))
    seen.append((list(out.xlog_text), list(out.packets)))
    for _ in range(3):
        out = engine.advance(2.5)
        seen.append((list(out.xlog_text), list(out.packets)))
        out.packets.clear()
    return seen


@settings(max_examples=8, deadline=None)
@given(headers=st.sets(st.sampled_from(["X-Before: yes", "X-After: yes", "X-Branch: yes"])))
def test_dropped_empty_avp_list_equals_kept_one(tmp_path_factory: Any,
                                                headers: set[str]) -> None:
    """A transaction whose AVP list was empty at the end of the request route drops it;
    branch and failure routes then see (and keep) what they would with the list kept."""
    tmp = tmp_path_factory.mktemp("avp")
    ordered = sorted(headers)
    dropped = _avp_run(tmp, ordered, False)
    assert dropped == _avp_run(tmp, ordered, True)
    assert any("f2 " in line for xlog, _ in dropped for line in xlog)


def test_empty_avp_list_dropped_at_release(tmp_path: Path) -> None:
    cfg = tmp_path / "avp.cfg"
    cfg.write_text(AVP_CFG)
    engine = Engine.from_cfg(cfg)
    engine.receive(request("INVITE", n=1))
    engine.receive(request("INVITE", n=2, extra="X-After: yes"))
    first, second = get_manager(engine).by_uas.values()
    assert first.avps is None and second.avps.get("a") == "after"


_TEXT = st.text("abz9.-", max_size=6)


@given(index=st.integers(0, 9), uri=_TEXT, port=st.integers(1, 65535), via=_TEXT,
       data=st.binary(max_size=8))
def test_new_branch_equals_dataclass_init(index: int, uri: str, port: int, via: str,
                                          data: bytes) -> None:
    dst = ("127.0.0.1", port, "udp")
    fast = transaction.new_branch(index, uri, dst, via, data)
    plain = transaction.Branch(index, uri, dst, via, data)
    for f in dataclasses.fields(transaction.Branch):
        assert getattr(fast, f.name) == getattr(plain, f.name), f.name


@given(ids=st.tuples(st.integers(0, 99), st.integers(0, 0xFFFF), st.integers(0, 2**32)),
       method=st.sampled_from(["INVITE", "BYE"]), branch=_TEXT,
       flags=st.sets(st.sampled_from(["1", "2"])), created=st.floats(0, 1e6),
       timeouts=st.tuples(st.integers(1, 200), st.integers(1, 200)),
       via=st.tuples(_TEXT, _TEXT, st.one_of(st.none(), _TEXT)))
def test_new_transaction_equals_dataclass_init(ids: tuple[int, int, int], method: str,
                                               branch: str, flags: set[str], created: float,
                                               timeouts: tuple[int, int],
                                               via: tuple[str, str, str | None]) -> None:
    args = (*ids, method, branch, ("127.0.0.1", 5070), object(), object(), frozenset(flags))
    rest = dict(fr_timeout=timeouts[0], fr_inv_timeout=timeouts[1], uas_key=(branch, method),
                tag_listen=("127.0.0.1", 5060), tag_via=via)
    fast = transaction.new_transaction(*args, created, *rest.values())
    plain = transaction.Transaction(*args, None, created, **rest)  # type: ignore[arg-type]
    for f in dataclasses.fields(transaction.Transaction):
        assert getattr(fast, f.name) == getattr(plain, f.name), f.name
    assert fast.branches is not plain.branches
