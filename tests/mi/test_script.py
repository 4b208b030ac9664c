"""mi() against the recordings of conformance cases mi-basic, mi-errors, mi-avp-params,
mi-pretty and stats-mi-groups (the expected.out lines are quoted next to each check)."""

from __future__ import annotations

from osipsc.runtime.functions import mi_script, statistics
from osipsc.runtime.functions.mi_script import NoIO, mi, mi_async
from osipsc.runtime.mi.script import build_params, parse_array_value, split_command

from .conftest import Avp, FakeCtx, FakeEngine, Var


def test_split_and_inline_params() -> None:
    assert split_command("cache_store local k v") == ("cache_store", "local k v")
    assert split_command(" uptime") == ("", "uptime")
    assert split_command("uptime\t") == ("uptime", "")
    assert build_params("", None, None) is None
    assert build_params(split_command("uptime ")[1], None, None) is None
    assert build_params(split_command("uptime  ")[1], None, None) == []
    assert build_params("a  b\tc ", None, None) == ["a", "b\tc"]


def test_avp_params() -> None:
    assert build_params("x y", ["v", "k", "local"], None) == ["v", "k", "local"]
    assert build_params("", [-5, 7], None) == ["4294967291", "7"]
    assert build_params("", None, ["only"]) == ["only"]
    assert build_params("", ["attr", "system"], ["pk", "local"]) == {
        "attr": "pk", "system": "local"}
    assert build_params("", ["s"], ["__array(a  b)"]) == {"s": ["a", "", "b"]}
    assert parse_array_value("__array()") == [""]
    assert parse_array_value("__array(a )") == ["a"]
    assert build_params("", [1], ["12"]) == {"1": 12}


def test_mi_basic(ctx: FakeCtx) -> None:
    r = Var()
    assert mi(ctx, "help version", r) == 1
    assert r.value == ('{"Help":"prints the version string of a runningOpenSIPS",'
                       '"Exported by":"core"}')
    assert mi(ctx, "help", r) == 1
    assert r.value == "\"Usage: help mi_cmd - returns information about 'mi_cmd'\""
    assert mi(ctx, "cache_store local k1 v1") == 1
    res = Avp("res")
    assert mi(ctx, "cache_fetch local k1", res) == 1
    assert mi(ctx, "cache_fetch local k1", res) == 1
    assert ctx.avps.joined("res") == ('{"key":"k1","value":"v1"}, '
                                      '{"key":"k1","value":"v1"}')
    assert mi(ctx, "list_blacklists", r) == 1 and r.value == '{"Lists":[]}'
    assert mi(ctx, "cache_store local k2 v2", r) == 1 and r.value == '"OK"'
    assert mi(ctx, "list_tcp_conns", r) == 1 and r.value == "null"


def test_mi_errors(ctx: FakeCtx) -> None:
    r = Var("untouched")
    cases = [
        ("no_such_cmd", -1, "untouched"),
        ("cache_store local k4", -32602, "Invalid params"),
        ("cache_store local k5 a b c d", -32602, "Invalid params"),
        ("cache_fetch local nokey", -400, "Value not found"),
        ("cache_fetch nosys k1", -500, "Cache fetch command failed"),
        ("help no_such_cmd", -404, "unknown MI command"),
        ("get_statistics rcv_requests", -32602, "Invalid params"),
        ("uptime  ", -32602, "Invalid params"),
        (" uptime", -1, "Invalid params"),
    ]
    for command, rc, text in cases:
        assert (command, mi(ctx, command, r), r.value) == (command, rc, text)


def test_mi_avp_params() -> None:
    engine = FakeEngine([("statistics", "variable", "s_one"),
                         ("statistics", "variable", "s_two")])
    ctx = FakeCtx(engine)
    statistics.update_stat(ctx, "s_one", 1)
    statistics.update_stat(ctx, "s_two", 2)
    r = Var()

    def push(name: str, *values: object) -> Avp:
        for v in values:
            ctx.avps.add(name, v)
        return Avp(name)

    ip = push("ip", "local", "pk", "pv")
    assert (mi(ctx, "cache_store", r, ip), r.value) == (-500, "Cache store command failed")
    iq = push("iq", "pv2", "pk", "local")
    assert (mi(ctx, "cache_store", r, iq), r.value) == (1, '"OK"')
    assert (mi(ctx, "cache_fetch local pk", r), r.value) == (1, '{"key":"pk","value":"pv2"}')
    n, v = push("n", "system", "attr"), push("v", "local", "pk")
    assert (mi(ctx, "cache_fetch", r, n, v), r.value) == (1, '{"key":"pk","value":"pv2"}')
    ix = push("ix", "pk", "local")
    assert (mi(ctx, "cache_fetch local nokey", r, ix), r.value) == (
        1, '{"key":"pk","value":"pv2"}')
    sn, sv = push("sn", "statistics"), push("sv", "__array(s_one s_two)")
    assert (mi(ctx, "get_statistics", r, sn, sv), r.value) == (
        1, '{"script:s_one":1,"script:s_two":2}')
    sn1, sv1 = push("sn1", "statistics"), push("sv1", "__array(s_two)")
    assert (mi(ctx, "get_statistics", r, sn1, sv1), r.value) == (1, '{"script:s_two":2}')
    sn2, sv2 = push("sn2", "statistics"), push("sv2", "s_one")
    assert (mi(ctx, "get_statistics", r, sn2, sv2), r.value) == (-32602, "Invalid params")
    mn, mv = push("mn", "system", "attr"), push("mv", "local")
    assert (mi(ctx, "cache_fetch", r, mn, mv), r.value) == (
        -2, "could not parse script params!")
    only = push("only", "pk")
    assert (mi(ctx, "cache_fetch", r, None, only), r.value) == (-32602, "Invalid params")


def test_mi_pretty() -> None:
    ctx = FakeCtx(FakeEngine([("mi_script", "pretty_printing", 1)]))
    r = Var()
    assert mi(ctx, "help version", r) == 1
    assert r.value == ('{\n\t"Help":\t"prints the version string of a runningOpenSIPS",\n'
                       '\t"Exported by":\t"core"\n}')
    assert (mi(ctx, "cache_store local k v", r), r.value) == (1, '"OK"')
    mi(ctx, "cache_fetch local k", r)
    assert r.value == '{\n\t"key":\t"k",\n\t"value":\t"v"\n}'
    mi(ctx, "list_blacklists", r)
    assert r.value == '{\n\t"Lists":\t[]\n}'
    assert (mi(ctx, "cache_fetch local nokey", r), r.value) == (-400, "Value not found")
    mi(ctx, "events_list", r)
    assert r.value.startswith('{\n\t"Events":\t[{\n\t\t\t"name":\t"E_CORE_SR_STATUS_CHANGED",'
                              '\n\t\t\t"id":\t0\n\t\t}, {\n')
    assert r.value.endswith('\t\t\t"id":\t6\n\t\t}]\n}')


def test_stats_mi_groups() -> None:
    engine = FakeEngine([("statistics", "variable", "hits"),
                         ("statistics", "variable", "pinned/no_reset"),
                         ("statistics", "stat_groups", "pkt")])
    ctx = FakeCtx(engine)
    for name, n in (("hits", 4), ("pinned", 2), ("pkt:in", 5), ("pkt:out", 1)):
        assert statistics.update_stat(ctx, name, n) == 1
    r = Var()
    ctx.avps.add("n", "statistics")
    ctx.avps.add("v", "__array(hits pinned)")
    n, v = Avp("n"), Avp("v")

    def get(array: str) -> tuple[int, str]:
        ctx.avps.add("v2", array)
        rc = mi(ctx, "get_statistics", r, n, Avp("v2"))
        ctx.avps.delete("v2")
        return rc, r.value

    assert get("__array(hits pinned)") == (1, '{"script:hits":4,"script:pinned":2}')
    assert get("__array(pkt:)") == (1, '{"pkt:in":5,"pkt:out":1}')
    assert get("__array(script:)") == (1, '{"script:pinned":2,"script:hits":4}')
    assert mi(ctx, "list_statistics", r, n, v) == 1
    assert r.value == '{"hits":"incremental","pinned":"non-incremental"}'
    assert (mi(ctx, "reset_statistics", r, n, v), r.value) == (1, '"OK"')
    assert statistics.get_stat(ctx, "hits", None) == 0
    assert statistics.get_stat(ctx, "pinned", None) == 2
    assert get("__array(nope)") == (1, "{}")
    assert statistics.get_stat(ctx, "pkt:in", None) == 5


def test_async_starter(ctx: FakeCtx) -> None:
    r = Var("untouched")
    started = mi_async(ctx, "no_such_cmd", r)
    assert isinstance(started, NoIO) and started == -1 and r.value == "untouched"
    ctx.avps.add("mn", "a")
    ctx.avps.add("mn", "b")
    ctx.avps.add("mv", "x")
    started = mi_async(ctx, "cache_fetch", r, Avp("mn"), Avp("mv"))
    assert started == -2 and started.no_io and r.value == "could not parse parameters"
    job = mi_async(ctx, "cache_fetch onlyone", r)
    job.run()
    assert job.finish(ctx) == -32602 and r.value == "Invalid params"
    mi(ctx, "cache_store local greeting hello")
    job = mi_async(ctx, "cache_fetch local greeting", r)
    assert r.value == "Invalid params"  # nothing stored before finish()
    job.run()
    assert job.finish(ctx) == 1 and r.value == '{"key":"greeting","value":"hello"}'


def test_uptime_from_script_has_empty_up_since(ctx: FakeCtx) -> None:
    r = Var()
    assert mi(ctx, "uptime", r) == 1
    assert '"Up since":""' in r.value
    assert mi_script.registry_of(ctx) is mi_script.registry_of(ctx)
