"""Round-6 tm fast paths equal the general code they stand in for: ``_inc`` (the statistics
bump of every relayed request) against ``_stat``, and the ``%``-formatted Via branch id
against the f-string it replaced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from osipsc.runtime.engine import Engine
from osipsc.runtime.state_factories import get_state
from osipsc.runtime.stats import StatsRegistry
from osipsc.runtime.tm import manager as tm_manager
from osipsc.runtime.tm.manager import get_manager

CFG = r'''
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "tm.so"
socket = udp:127.0.0.1:5060
route {
    t_relay();
    exit;
}
'''

NAMES = ["UAS_transactions", "inuse_transactions", "local_replies", "UAC_transactions",
         "2xx_transactions", "late_stat"]

OPS = st.lists(st.one_of(
    st.tuples(st.just("bump"), st.sampled_from(NAMES),
              st.one_of(st.none(), st.sampled_from(NAMES))),
    # a statistic becomes computed (its func is read at every bump)
    st.tuples(st.just("computed"), st.sampled_from(NAMES), st.none()),
    # a statistic missing so far is registered (a miss is never remembered)
    st.tuples(st.just("register"), st.just("late_stat"), st.none()),
    # the engine gets another registry (the remembered statistics are the old one's)
    st.tuples(st.just("new_registry"), st.none(), st.none()),
), max_size=25)


def _engine(tmp_path: Path) -> Engine:
    cfg = tmp_path / "tm.cfg"
    cfg.write_text(CFG)
    return Engine.from_cfg(cfg)


def _run(engine: Engine, ops: list[tuple[Any, ...]], fast: bool, spine: bool
         ) -> list[list[tuple[str, str, int]]]:
    """The tm statistics after each step, bumped through ``_inc`` or ``_stat``."""
    mgr = get_manager(engine)
    if spine:
        assert mgr._check_spine(engine)  # noqa: SLF001
    seen = []
    for op, name, also in ops:
        registry = get_state(engine, "statistics")
        if op == "bump":
            if fast:
                mgr._inc(engine, name, also)  # noqa: SLF001
            else:
                mgr._stat(engine, name, 1, also)  # noqa: SLF001
        elif op == "computed":
            stat = registry.find(name, "tm")
            if stat is not None:
                stat.func = lambda: 7
        elif op == "register":
            registry.register("tm", name)
        else:
            fresh = StatsRegistry()
            for stat in registry.all():
                fresh.register(stat.group, stat.name, stat.no_reset, stat.func)
            engine._states["statistics"] = fresh  # noqa: SLF001
        seen.append([(s.group, s.name, s.value) for s in
                     get_state(engine, "statistics").all() if s.group == "tm"])
    return seen


@settings(max_examples=60, deadline=None)
@given(ops=OPS, spine=st.booleans())
# the remembered path for both statistics of a pair (the first bump looks them up)
@example(ops=[("bump", "UAS_transactions", "inuse_transactions")] * 3, spine=True)
@example(ops=[("bump", "UAS_transactions", "late_stat"), ("register", "late_stat", None),
              ("bump", "UAS_transactions", "late_stat"), ("computed", "late_stat", None),
              ("bump", "UAS_transactions", "late_stat"), ("new_registry", None, None),
              ("bump", "UAS_transactions", "late_stat")], spine=True)
def test_inc_equals_stat(tmp_path_factory: Any, ops: list[tuple[Any, ...]],
                         spine: bool) -> None:
    fast = _run(_engine(tmp_path_factory.mktemp("fast")), ops, True, spine)
    general = _run(_engine(tmp_path_factory.mktemp("general")), ops, False, spine)
    assert fast == general


@given(hash_index=st.one_of(st.integers(0, 0xFFFF), st.integers(-2**40, 2**40)),
       label=st.one_of(st.integers(0x5E0E1A46, 0x5E0E1A46 + 10**6), st.integers(-2**70, 2**70)),
       index=st.integers(-3, 300))
def test_branch_id_equals_fstring(hash_index: int, label: int, index: int) -> None:
    assert (tm_manager._BRANCH_ID % (hash_index, label, index)  # noqa: SLF001
            == f"z9hG4bK{hash_index:x}.{label:x}.{index}")


def test_relay_counts_through_inc(tmp_path: Path) -> None:
    """A relayed INVITE bumps what the general path bumped (UAS, inuse, local 100, UAC)."""
    from .conftest import request

    engine = _engine(tmp_path)
    engine.receive(request("INVITE"))
    stats = {s.name: s.value for s in get_state(engine, "statistics").all()
             if s.group == "tm"}
    assert (stats["UAS_transactions"], stats["inuse_transactions"], stats["local_replies"],
            stats["UAC_transactions"]) == (1, 1, 1, 1)


NEWTRAN_CFG = r'''
loadmodule "proto_udp.so"
loadmodule "tm.so"
socket = udp:127.0.0.1:5060
route {
    t_newtran();
    exit;
}
'''

PARAM_NAMES = st.sampled_from(["branch", "Branch", "BRANCH", "rport", "branchx", "x", " branch"])
PARAM_VALUES = st.one_of(st.none(), st.text("zK9-.", max_size=6))


@settings(max_examples=80, deadline=None)
@given(params=st.lists(st.tuples(PARAM_NAMES, PARAM_VALUES), max_size=4),
       port=st.sampled_from(["", "5070", " 5071"]), method=st.sampled_from(["INVITE", "BYE"]))
def test_newtran_branch_equals_via_param(tmp_path_factory: Any,
                                         params: list[tuple[str, str | None]], port: str,
                                         method: str) -> None:
    """``_newtran`` reads the top Via's branch inline: the key, the stored branch and the
    To-tag seed equal what ``Via.branch`` / ``Via.port_text`` give."""
    from osipsc.runtime.sip.message import SipMessage

    from .conftest import request

    raw = "".join(f";{k}" if v is None else f";{k}={v}" for k, v in params)
    sent_by = "127.0.0.1" + (f":{port}" if port else "")
    text = request(method).replace(
        request(method).split("\r\n")[1], f"Via: SIP/2.0/UDP {sent_by}{raw}")
    via = SipMessage.parse(text.encode("latin-1")).via1()
    assume_parsed = via is not None
    cfg = tmp_path_factory.mktemp("nt") / "tm.cfg"
    cfg.write_text(NEWTRAN_CFG)
    engine = Engine.from_cfg(cfg)
    engine.receive(text)
    txns = list(get_manager(engine).by_uas.items())
    if not assume_parsed:
        return
    assert len(txns) == 1
    key, txn = txns[0]
    assert key == (via.branch or "", method)
    assert txn.uas_via_branch == (via.branch or "")
    assert txn.tag_via == (via.host, via.port_text, via.branch or "")


FACT_STEPS = st.lists(st.one_of(
    st.tuples(st.just("append"), st.sampled_from(["fr_timeout", "fr_inv_timeout", "other"]),
              st.integers(1, 9)),
    st.tuples(st.just("new_list"), st.sampled_from(["fr_timeout", "fr_inv_timeout"]),
              st.integers(1, 9)),
    st.tuples(st.just("script_append"), st.sampled_from(["fr_timeout", "fr_inv_timeout"]),
              st.integers(1, 9)),
    st.tuples(st.just("listen"), st.sampled_from(["127.0.0.1", "10.0.0.1"]),
              st.sampled_from([5060, 5070])),
    st.tuples(st.just("ask"), st.none(), st.none()),
), max_size=12)


@settings(max_examples=60, deadline=None)
@given(steps=FACT_STEPS)
def test_facts_equal_timeouts_and_local(tmp_path_factory: Any,
                                        steps: list[tuple[Any, Any, Any]]) -> None:
    """``_facts`` answers what ``_timeouts`` and ``_local`` answer fresh, whatever changes
    the modparam lists (in place, replaced, the script's) and the listening socket."""
    from osipsc.runtime.tm import adapter
    from osipsc.runtime.tm.manager import TransactionManager

    cfg = tmp_path_factory.mktemp("facts") / "tm.cfg"
    cfg.write_text(CFG)
    engine = Engine.from_cfg(cfg)
    mgr = get_manager(engine)
    for op, name, value in steps:
        if op == "append":
            engine.modparams.append(("tm", name, value))
        elif op == "new_list":
            engine.modparams = [("tm", name, value), *engine.modparams]
        elif op == "script_append":
            engine.script.modparams.append(("tm", name, value))
        elif op == "listen":
            engine.listen = (name, value)
        fresh = TransactionManager(engine)
        expected = (*fresh._timeouts(engine), adapter.listen_address(engine))  # noqa: SLF001
        assert mgr._facts(engine) == expected  # noqa: SLF001


@settings(max_examples=60, deadline=None)
@given(host=st.sampled_from(["127.0.0.1", "10.0.0.7", "::1", "proxy.example.com"]),
       port=st.integers(1, 65535), proto=st.sampled_from(["udp", "tcp", "tls", "Udp", "ws"]),
       branch=st.text("zK9-.ab", min_size=1, max_size=12))
def test_via_head_equals_builder_via(host: str, port: int, proto: str, branch: str) -> None:
    """The forwarded request built with tm's ready-made Via line equals the one the
    builder makes from the socket, the protocol and the branch."""
    from osipsc.runtime.sip.build import build_forward_text
    from osipsc.runtime.sip.message import SipMessage

    from .conftest import request

    msg = SipMessage.parse(request("INVITE").encode("latin-1"), src=("10.1.1.1", 5070))
    local = (host, port)
    own = build_forward_text(msg, None, local, branch, proto, "sip:x@10.0.0.9")
    ready = build_forward_text(msg, None, local, branch, proto, "sip:x@10.0.0.9", None,
                               f"{tm_manager._via_head(local, proto)}{branch}\r\n")  # noqa: SLF001
    assert ready == own


MEMO_CFG = r'''
loadmodule "proto_udp.so"
loadmodule "tm.so"
socket = udp:127.0.0.1:5060
route {
    if ($hdr(X-T) == "tcp") $du = "sip:127.0.0.1:5080;transport=tcp";
    else $du = "sip:127.0.0.1:5080";
    t_relay();
    exit;
}
'''


def test_via_memo_follows_protocol_and_socket(tmp_path: Path) -> None:
    """The remembered Via head changes with the branch's protocol and the socket."""
    from .conftest import request

    cfg = tmp_path / "tm.cfg"
    cfg.write_text(MEMO_CFG)
    engine = Engine.from_cfg(cfg)
    vias = []
    for n, t in enumerate(["udp", "tcp", "tcp", "udp", "listen", "udp"], 1):
        if t == "listen":
            engine.listen = ("127.0.0.2", 5062)
            continue
        out = engine.receive(request("MESSAGE", n=n, extra=f"X-T: {t}"))
        sent = [p[0].decode("latin-1") for p in out.packets
                if not p[0].startswith(b"SIP/2.0")]
        vias.append(sent[0].split("\r\n")[1].split(";branch=")[0])
    assert vias == ["Via: SIP/2.0/UDP 127.0.0.1:5060", "Via: SIP/2.0/TCP 127.0.0.1:5060",
                    "Via: SIP/2.0/TCP 127.0.0.1:5060", "Via: SIP/2.0/UDP 127.0.0.1:5060",
                    "Via: SIP/2.0/UDP 127.0.0.2:5062"]
