import threading

import pytest
from osipsc.runtime.mi.registry import (
    ASYNC_REPLY,
    MI_ASYNC_RPL_FLAG,
    MI_NAMED_PARAMS_ONLY,
    MIError,
    MIParams,
    MIRegistry,
    MIResult,
)
from osipsc.runtime.mi.setup import build_registry


def echo(params: MIParams) -> dict:
    return {name: params.get(name) for name in params.recipe}


@pytest.fixture
def reg() -> MIRegistry:
    r = MIRegistry()
    r.register("dr", echo, [(), ("inherit_state",), ("partition_name",),
                            ("partition_name", "inherit_state")])
    r.register("named", echo, [(), ("callid",), ("callid", "from_tag")],
               flags=MI_NAMED_PARAMS_ONLY)
    r.register("two", echo, [("a", "b")])
    return r


def err(detail: str) -> MIError:
    return MIError(-32602, "Invalid params", detail)


def test_no_params_picks_empty_recipe(reg: MIRegistry) -> None:
    assert reg.call("dr") == MIResult({})
    assert reg.call("two") == err("Too few or too many parameters")


def test_positional(reg: MIRegistry) -> None:
    assert reg.call("two", ["x", "y"]) == MIResult({"a": "x", "b": "y"})
    assert reg.call("two", ["x"]) == err("Too few or too many parameters")
    assert reg.call("two", []) == err("Too few or too many parameters")
    assert reg.call("dr", ["p"]) == err("Ambiguous call, use named parameters instead")
    assert reg.call("dr", ["p", "1"]) == MIResult({"partition_name": "p", "inherit_state": "1"})


def test_named(reg: MIRegistry) -> None:
    assert reg.call("dr", {"partition_name": "p"}) == MIResult({"partition_name": "p"})
    assert reg.call("two", {"b": 2, "a": 1}) == MIResult({"a": 1, "b": 2})
    assert reg.call("two", {"a": 1, "c": 2}) == err("Named parameters do not match")
    assert reg.call("two", {"a": 1}) == err("Too few or too many parameters")


def test_named_only(reg: MIRegistry) -> None:
    assert reg.call("named") == MIResult({})
    assert reg.call("named", ["x"]) == err("Command only supports named parameters")
    assert reg.call("named", {"callid": "c"}) == MIResult({"callid": "c"})


def test_unknown_and_duplicates(reg: MIRegistry) -> None:
    assert reg.call("nope") == MIError(-32601, "Method not found")
    with pytest.raises(ValueError):
        reg.register("two", echo)


def test_handler_errors() -> None:
    r = MIRegistry()
    r.register("null", lambda p: None)
    r.register("jnull", lambda p: MIResult(None))
    r.register("int", lambda p: p.int("n"), [("n",)])
    r.register("arr", lambda p: p.array_strings("s"), [("s",)])
    r.register("bad", lambda p: p.string("other"), [("n",)])
    assert r.call("null") == MIError(-32000, "Server error", "Command handler returned null")
    assert r.call("jnull") == MIResult(None)
    assert r.call("int", ["-10"]) == MIResult(-10)
    assert r.call("int", [7.9]) == MIResult(7)
    assert r.call("int", ["x1"]) == err("Bad type for parameter 'n'")
    assert r.call("int", [[1]]) == err("Bad type for parameter 'n'")
    assert r.call("arr", ["a"]) == err("Bad type for parameter 's'")
    assert r.call("arr", [[]]) == err("Empty array in parameter 's'")
    assert r.call("arr", [[{}]]) == err("Bad type for array item in parameter 's'")
    assert r.call("arr", [["a", 5]]) == MIResult(["a", "5"])
    assert r.call("bad", ["1"]) == MIError(-32000, "Server error", "Failed to handle parameter")


def test_async_command_replies_later() -> None:
    r = MIRegistry()

    def slow(params: MIParams) -> object:
        threading.Timer(0.05, params.reply, args=({"Status": "408 Request Timeout"},)).start()
        return ASYNC_REPLY

    r.register("t_uac", slow, [("method",)], flags=MI_ASYNC_RPL_FLAG | MI_NAMED_PARAMS_ONLY)
    got = []
    r.start(r.lookup("t_uac"), {"method": "OPTIONS"}, got.append)
    assert got == []
    assert r.call("t_uac", {"method": "OPTIONS"}) == MIResult({"Status": "408 Request Timeout"})
    assert r.call("t_uac", ["OPTIONS"]) == err("Command only supports named parameters")


def test_core_commands() -> None:
    r = build_registry()
    assert r.call("help", ["version"]) == MIResult(
        {"Help": "prints the version string of a runningOpenSIPS", "Exported by": "core"})
    assert r.call("help", ["get_statistics"]).value["Exported by"] == "statistics"
    assert r.call("help", ["list_blacklists"]).value["Exported by"] == "blacklists"
    assert r.call("help", ["cache_fetch_chunk"]).value["Exported by"] == "cachedb_local"
    assert r.call("help", ["nope"]) == MIError(404, "unknown MI command")
    assert r.call("which", ["cache_store"]) == MIResult(
        [["system", "attr", "value"], ["system", "attr", "value", "expire"]])
    assert r.call("which", ["x"]) == MIError(404, "unknown MI command")
    assert "uptime" in r.call("which").value
    assert r.call("version") == MIResult({"Server": "OpenSIPS (3.6.8 (x86_64/linux))"})
    assert r.call("list_blacklists") == MIResult({"Lists": []})
    assert r.call("list_tcp_conns") == MIResult(None)
    assert r.call("xlog_level") == MIResult({"xLog Level": 2})
    assert r.call("xlog_level", ["4"]) == MIResult({"New xLog level": 4})
    assert r.call("xlog_level") == MIResult({"xLog Level": 4})
    assert r.call("log_level", [1]) == MIResult({"New global log level": 1})
    assert r.call("log_level", [1, 1]) == err("Bad PID")
    assert r.call("debug") == MIError(-32601, "Method not found")
    up = r.call("uptime").value
    assert list(up) == ["Now", "Up since", "Up time"] and up["Up time"] == "0 [sec]"


def test_core_cache_commands() -> None:
    r = build_registry()
    assert r.call("cache_store", ["local", "k", "v"]) == MIResult("OK")
    assert r.call("cache_fetch", ["local", "k"]) == MIResult({"key": "k", "value": "v"})
    assert r.call("cache_fetch", ["local", "x"]) == MIError(400, "Value not found")
    assert r.call("cache_fetch", ["nosys", "k"]) == MIError(500, "Cache fetch command failed")
    assert r.call("cache_store", ["v", "k", "local"]) == MIError(500, "Cache store command failed")
    assert r.call("cache_store", ["", "k", "v"]) == err("Empty memory cache id")
    assert r.call("cache_store", ["local", "", "v"]) == err("Empty attribute name")
    assert r.call("cache_store", ["local", "k", ""]) == err("Empty value")
    assert r.call("cache_store", ["local", "k", "v", "-1"]) == err("Negative expire value")
    assert r.call("cache_remove", ["local", "missing"]) == MIResult("OK")
    assert r.call("cache_remove", ["local", "k"]) == MIResult("OK")
    assert r.call("cache_fetch", ["local", "k"]) == MIError(400, "Value not found")
    r.call("cache_store", ["local", "ab1", "1"])
    r.call("cache_store", ["local", "ab2", "2"])
    r.call("cache_store", ["local", "c", "3"])
    assert r.call("cache_fetch_chunk", ["ab*"]) == MIResult(
        {"keys": [{"name": "ab1", "value": "1"}, {"name": "ab2", "value": "2"}]})
    assert r.call("cache_remove_chunk", ["a?1"]) == MIResult("OK")
    assert r.call("cache_fetch_chunk", ["*"]).value["keys"] == [
        {"name": "ab2", "value": "2"}, {"name": "c", "value": "3"}]


def test_shv_commands() -> None:
    r = build_registry()
    assert r.call("shv_get", ["x"]) == MIError(404, "Not found")
    assert r.call("shv_set", ["x", "str", "hello"]) == MIResult("OK")
    assert r.call("shv_set", ["n", "int", "12"]) == MIResult("OK")
    assert r.call("shv_get", ["x"]) == MIResult({"VAR": {"type": "string", "value": "hello"}})
    assert r.call("shv_get") == MIResult([[
        {"name": "x", "type": "string", "value": "hello"},
        {"name": "n", "type": "integer", "value": 12}]])
