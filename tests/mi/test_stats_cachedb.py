from __future__ import annotations

from osipsc.runtime.cachedb import CacheDB
from osipsc.runtime.functions import cachedb_local, statistics
from osipsc.runtime.functions.mi_script import mi
from osipsc.runtime.mi.jsonfmt import dumps
from osipsc.runtime.state_factories import get_state
from osipsc.runtime.stats import StatsRegistry, signed32

from .conftest import FakeCtx, FakeEngine, Var


def test_update_and_read_signed(ctx: FakeCtx) -> None:
    assert statistics.update_stat(ctx, "mystat", 3) == 1
    assert statistics.update_stat(ctx, "mystat", -5) == 1
    assert statistics.get_stat(ctx, "MyStat", None) == -2
    stats = get_state(ctx.engine, "statistics")
    assert stats.find("mystat").group == "dynamic"
    assert stats.find("mystat").get() == 2**64 - 2
    r = Var()
    ctx.avps.add("n", "statistics")
    ctx.avps.add("v", "__array(mystat rcv_requests)")
    from .conftest import Avp

    assert mi(ctx, "get_statistics", r, Avp("n"), Avp("v")) == 1
    assert r.value == '{"dynamic:mystat":1.844674e+19,"core:rcv_requests":0}'
    assert statistics.get_stat(ctx, "unknown", None) is None
    assert signed32(2**32 + 7) == 7


def test_groups_and_reset(ctx: FakeCtx) -> None:
    assert statistics.update_stat(ctx, "grp:x", 1) == -1  # undeclared group
    engine = FakeEngine([("statistics", "stat_groups", "grp"),
                         ("statistics", "variable", "keep/no_reset")])
    c = FakeCtx(engine)
    assert statistics.update_stat(c, "grp:x", 4) == 1
    assert statistics.get_stat(c, "grp:x", None) == 4
    statistics.update_stat(c, "keep", 9)
    assert statistics.reset_stat(c, "keep") == 1
    assert statistics.get_stat(c, "keep", None) == 9
    assert statistics.reset_stat(c, "grp:x") == 1
    assert statistics.get_stat(c, "x", None) == 0
    assert statistics.set_stat(c, "keep", None, 0) == 1  # no effect: non-resettable
    assert statistics.get_stat(c, "keep", None) == 9


def test_core_counters_from_other_rooms() -> None:
    stats = StatsRegistry.from_engine(FakeEngine(modules=["sl"]))
    stats.inc("core", "rcv_requests")
    stats.inc("sl", "sent_replies", 2)
    stats.inc("tm", "UAS_transactions")  # tm not loaded: ignored
    assert stats.read("rcv_requests") == 1
    assert stats.read("sent_replies") == 2
    assert stats.read("UAS_transactions") is None
    assert [s.name for s in stats.groups["core"].values()][:2] == ["rcv_requests",
                                                                  "rcv_replies"]


def test_cachedb_expiry_and_counters(ctx: FakeCtx) -> None:
    out = Var()
    assert cachedb_local.cache_store(ctx, "local", "k", "v", 10) == 1
    assert cachedb_local.cache_fetch(ctx, "local", "k", out) == 1 and out.value == "v"
    ctx.engine.clock += 10
    assert cachedb_local.cache_fetch(ctx, "local", "k", out) == -2
    assert cachedb_local.cache_fetch(ctx, "nosys", "k", out) == -1
    assert cachedb_local.cache_add(ctx, "local", "c", 5, 0, out) == 1 and out.value == 5
    assert cachedb_local.cache_sub(ctx, "local", "c", 7, 0, out) == 1 and out.value == -2
    assert cachedb_local.cache_counter_fetch(ctx, "local", "c", out) == 1 and out.value == -2
    assert cachedb_local.cache_remove(ctx, "local", "c") == 1
    assert cachedb_local.cache_counter_fetch(ctx, "local", "c", out) == -2


def test_cachedb_collections() -> None:
    db = CacheDB.from_engine(FakeEngine([
        ("cachedb_local", "cache_collections", "one; two /r"),
        ("cachedb_local", "cachedb_url", "local:g2:///two")]))
    assert db.store("local:g2", "a", "1") == 1
    assert db.get("local", "a") == (-2, None)
    assert db.keys("two", "*") == [("a", "1")]
    assert db.keys("nope", "*") is None
    assert dumps({"keys": [{"name": k, "value": v} for k, v in db.keys("two", "a")]}) == (
        '{"keys":[{"name":"a","value":"1"}]}')


def test_real_avp_pv_objects(ctx: FakeCtx) -> None:
    from osipsc.runtime.pv import AvpPV

    ctx.avps.add("p", "v2")
    ctx.avps.add("p", "k")
    ctx.avps.add("p", "local")
    ret = AvpPV("avp", "res")
    assert mi(ctx, "cache_store", ret, AvpPV("avp", "p")) == 1
    assert ctx.avps.get("res") == '"OK"'
