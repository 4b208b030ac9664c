"""The core MI commands of OpenSIPS 3.6 (``mi/mi_core.c``, ``statistics.c``,
``blacklists.c``, ``net/net_tcp.c``) over the engine's emulated state.

Results and error texts are those of OpenSIPS (runtime.md §4.5). Process-level commands
answer for the one emulated worker; commands whose subsystem osipsc does not model (memory
dumps, status reports, events) give the answer an idle OpenSIPS gives.
"""

from __future__ import annotations

import os
import time
from typing import Any

from ..state_factories import now
from .registry import (
    ASYNC_REPLY,  # noqa: F401  (re-exported for command authors)
    MIError,
    MIParams,
    MIRegistry,
    MIResult,
    invalid_params,
)

SERVER = "OpenSIPS (3.6.8 (x86_64/linux))"
REVISION = ("git", "osipsc")
HELP_USAGE = "Usage: help mi_cmd - returns information about 'mi_cmd'"
CORE_EVENTS = ("E_CORE_SR_STATUS_CHANGED", "E_CORE_THRESHOLD", "E_CORE_SHM_THRESHOLD",
               "E_CORE_PKG_THRESHOLD", "E_CORE_PROC_AUTO_SCALE", "E_CORE_TCP_DISCONNECT",
               "E_CORE_LOG")
LOG_CONSUMERS = ("stdout", "syslog", "event")
DEFAULT_LOG_LEVEL = 3
DEFAULT_XLOG_LEVEL = 2

# (name, recipes, module of "Exported by", help) as exported by OpenSIPS 3.6
CORE_COMMANDS: tuple[tuple[str, tuple[tuple[str, ...], ...], str, str], ...] = (
    ("uptime", ((),), "core", "prints various time information about OpenSIPS - when it "
     "started to run, for how long it runs"),
    ("version", ((), ("revision",)), "core", "prints the version string of a runningOpenSIPS"),
    ("pwd", ((),), "core", "prints the working directory of OpenSIPS"),
    ("arg", ((),), "core", "returns the full list of arguments used at startup"),
    ("which", ((), ("command",)), "core", "lists all available MI commands"),
    ("ps", ((),), "core", "lists all processes used by OpenSIPS"),
    ("kill", ((),), "core", "terminates OpenSIPS"),
    ("log_level", ((), ("level",), ("level", "pid")), "core",
     "gets/sets the per process or global log level in OpenSIPS"),
    ("xlog_level", ((), ("level",)), "core",
     "gets/sets the per process or global xlog level in OpenSIPS"),
    ("log_level_filter", (("consumer",), ("consumer", "level_filter")), "core",
     "gets/sets the per consumer log level filter"),
    ("log_mute_state", (("consumer",), ("consumer", "mute_state")), "core",
     "mute/unmute a log consumer"),
    ("cache_store", (("system", "attr", "value"), ("system", "attr", "value", "expire")),
     "core", "stores in a cache system a string value"),
    ("cache_fetch", (("system", "attr"),), "core", "queries for a cache stored value"),
    ("cache_remove", (("system", "attr"),), "core", "removes a record from the cache system"),
    ("event_subscribe", (("event", "socket"), ("event", "socket", "expire")), "core",
     "subscribes an event to the Event Interface"),
    ("events_list", ((),), "core", "lists all the events advertised through the Event "
     "Interface"),
    ("subscribers_list", ((), ("event",), ("event", "socket")), "core",
     "lists all the Event Interface subscribers; Params: [ event [ subscriber ]]"),
    ("raise_event", (("event",), ("event", "params")), "core",
     "raises an event through the Event Interface; Params: event [ params ]"),
    ("list_tcp_conns", ((),), "core", "list all ongoing TCP based connections"),
    ("mem_pkg_dump", (("pid",), ("pid", "log_level")), "core",
     "forces a status dump of the pkg memory (per process)"),
    ("mem_shm_dump", ((), ("log_level",)), "core", "forces a status dump of the shm memory"),
    ("mem_rpm_dump", ((), ("log_level",)), "core",
     "forces a status dump of the restart persistent memory"),
    ("reload_routes", ((),), "core", "triggers the script (routes only) reload"),
    ("sr_get_status", (("group",), ("group", "identifier")), "core",
     "gets the status (only) of a 'status-report' group/identifier"),
    ("sr_list_status", ((), ("group",)), "core", "list the status of all the identifiers in "
     "OpenSIPS or from a certain 'status-report' group"),
    ("sr_list_reports", ((), ("group",), ("group", "identifier")), "core",
     "list the reports produced by some 'status-report' identifiers / groups"),
    ("sr_list_identifiers", ((), ("group",)), "core",
     "list the identifiers from a group or all"),
    ("help", ((), ("mi_cmd",)), "core", "prints information about MI commands usage"),
    ("get_statistics", (("statistics",),), "statistics",
     "prints the statistics (all, group or one) realtime values."),
    ("list_statistics", ((), ("statistics",)), "statistics",
     "lists all the registered statistics and their types"),
    ("reset_statistics", (("statistics",),), "statistics",
     "resets the value of a statistic variable"),
    ("reset_all_statistics", ((),), "statistics",
     "resets the value of all resetable variables"),
    ("list_blacklists", ((), ("name",)), "blacklists",
     "lists all the defined (static or learned) blacklists"),
    ("check_blacklists", (("ip",), ("proto", "ip"), ("proto", "ip", "port"),
                          ("proto", "ip", "port", "pattern")), "blacklists",
     "returns all the blacklists where proto:IP:port pattern pair matches"),
    ("check_blacklist", (("name", "ip"), ("name", "proto", "ip"), ("name", "proto", "ip", "port"),
                         ("name", "proto", "ip", "port", "pattern")), "blacklists",
     "checks whether an proto:IP:port pattern matches a blacklist"),
    ("add_blacklist_rule", (("name", "rule"), ("name", "rule", "expire")), "blacklists",
     "adds a new rule to a blacklist"),
    ("del_blacklist_rule", (("name", "rule"),), "blacklists", "removes a rule from a blacklist"),
)


def _ok(params: MIParams) -> str:
    return "OK"


def _engine(params: MIParams) -> Any:
    assert params.registry is not None
    return params.registry.engine


def uptime(params: MIParams) -> dict[str, str]:
    """``Up since`` is empty when asked from a SIP worker (its initialiser runs in MI procs)."""
    reg = params.registry
    assert reg is not None
    t = now(reg.engine)
    start = reg.startup_time
    from_script = params.origin == "script"
    since = "" if from_script or start is None else time.ctime(start)
    up = int(t - (start if start is not None else t))
    return {"Now": time.ctime(t), "Up since": since, "Up time": f"{up} [sec]"}


def version(params: MIParams) -> dict[str, str]:
    out = {"Server": SERVER}
    if "revision" in params.recipe:
        out[REVISION[0]] = REVISION[1]
    return out


def pwd(params: MIParams) -> dict[str, str]:
    return {"WD": os.getcwd()}


def arg(params: MIParams) -> list[str]:
    assert params.registry is not None
    return list(params.registry.argv)


def which(params: MIParams) -> list[Any]:
    reg = params.registry
    assert reg is not None
    if "command" not in params.recipe:
        return list(reg.commands)
    cmd = reg.lookup(params.string("command"))
    if cmd is None:
        raise MIError(404, "unknown MI command")
    return [list(r) for r in cmd.recipes]


def help_cmd(params: MIParams) -> Any:
    reg = params.registry
    assert reg is not None
    if "mi_cmd" not in params.recipe:
        return HELP_USAGE
    cmd = reg.lookup(params.string("mi_cmd"))
    if cmd is None:
        raise MIError(404, "unknown MI command")
    return {"Help": cmd.help, "Exported by": cmd.module}


def _processes(engine: Any) -> list[tuple[int, int, str]]:
    pid = os.getpid()
    return [(0, pid, "attendant"), (1, pid, "SIP receiver udp")]


def ps(params: MIParams) -> dict[str, Any]:
    procs = [{"ID": i, "PID": pid, "Type": desc} for i, pid, desc in _processes(_engine(params))]
    return {"Processes": procs}


def log_level(params: MIParams) -> dict[str, Any]:
    engine = _engine(params)
    current = getattr(engine, "log_level", DEFAULT_LOG_LEVEL)
    if "level" not in params.recipe:
        return {"Processes": [{"PID": pid, "Log level": current, "Type": desc}
                              for _i, pid, desc in _processes(engine)]}
    level = params.int("level")
    if "pid" in params.recipe:
        pid = params.int("pid")
        if pid not in {p for _i, p, _d in _processes(engine)}:
            raise invalid_params("Bad PID")
        _set(engine, "log_level", level)
        return {"Log level": level}
    _set(engine, "log_level", level)
    return {"New global log level": level}


def xlog_level(params: MIParams) -> dict[str, int]:
    engine = _engine(params)
    if "level" not in params.recipe:
        return {"xLog Level": getattr(engine, "xlog_level", DEFAULT_XLOG_LEVEL)}
    level = params.int("level")
    _set(engine, "xlog_level", level)
    return {"New xLog level": level}


def _set(engine: Any, attr: str, value: Any) -> None:
    try:
        setattr(engine, attr, value)
    except AttributeError:
        pass


def _consumer(params: MIParams) -> str:
    name = params.string("consumer")
    if name not in LOG_CONSUMERS:
        raise MIError(404, "Unknown log consumer")
    return name


def log_level_filter(params: MIParams) -> Any:
    _consumer(params)
    if "level_filter" in params.recipe:
        params.int("level_filter")
        return "OK"
    return {"Log level filter": 0}


def log_mute_state(params: MIParams) -> Any:
    _consumer(params)
    if "mute_state" in params.recipe:
        params.int("mute_state")
        return "OK"
    return {"mute state": 0}


def _cache_system_attr(params: MIParams) -> tuple[str, str]:
    system = params.string("system")
    if not system:
        raise invalid_params("Empty memory cache id")
    attr = params.string("attr")
    if not attr:
        raise invalid_params("Empty attribute name")
    return system, attr


def cache_store(params: MIParams) -> str:
    system, attr = _cache_system_attr(params)
    value = params.string("value")
    if not value:
        raise invalid_params("Empty value")
    expire = 0
    if "expire" in params.recipe:
        expire = params.int("expire")
        if expire < 0:
            raise invalid_params("Negative expire value")
    assert params.registry is not None
    if params.registry.state("cachedb_local").store(system, attr, value, expire) < 0:
        raise MIError(500, "Cache store command failed")
    return "OK"


def cache_fetch(params: MIParams) -> dict[str, str]:
    system, attr = _cache_system_attr(params)
    assert params.registry is not None
    rc, value = params.registry.state("cachedb_local").get(system, attr)
    if rc == -1:
        raise MIError(500, "Cache fetch command failed")
    if rc == -2 or value is None or str(value) == "":
        raise MIError(400, "Value not found")
    return {"key": attr, "value": str(value)}


def cache_remove(params: MIParams) -> str:
    system, attr = _cache_system_attr(params)
    assert params.registry is not None
    if params.registry.state("cachedb_local").remove(system, attr) < 0:
        raise MIError(500, "Cache remove command failed")
    return "OK"


def events_list(params: MIParams) -> dict[str, Any]:
    return {"Events": [{"name": n, "id": i} for i, n in enumerate(CORE_EVENTS)]}


def subscribers_list(params: MIParams) -> dict[str, Any]:
    if "event" in params.recipe:
        name = params.string("event")
        if name not in CORE_EVENTS:
            raise MIError(404, "Unknown event")
        return {"name": name, "id": CORE_EVENTS.index(name), "subscribers": []}
    return {"Events": [{"name": n, "id": i, "subscribers": []}
                       for i, n in enumerate(CORE_EVENTS)]}


def raise_event(params: MIParams) -> str:
    name = params.string("event")
    if name not in CORE_EVENTS:
        raise MIError(400, "Event not registered")
    return "OK"


def event_subscribe(params: MIParams) -> str:
    params.string("event")
    params.string("socket")
    raise MIError(500, "Cannot subscribe")


def list_tcp_conns(params: MIParams) -> MIResult:
    return MIResult(None)


def mem_pkg_dump(params: MIParams) -> str:
    pid = params.int("pid")
    if pid not in {p for _i, p, _d in _processes(_engine(params))}:
        raise MIError(404, "Process not found")
    return "OK"


def sr_get_status(params: MIParams) -> Any:
    params.string("group")
    raise MIError(404, "Group not found")


def sr_list(params: MIParams) -> Any:
    if "group" in params.recipe:
        params.string("group")
        raise MIError(404, "Group not found")
    return []


# -- statistics ---------------------------------------------------------------------------
def _stats(params: MIParams) -> Any:
    assert params.registry is not None
    return params.registry.state("statistics")


def get_statistics(params: MIParams) -> dict[str, int]:
    """Items: ``all``, ``group:`` or a bare name; no match gives ``{}`` (OpenSIPS bug [V])."""
    stats = _stats(params)
    out: dict[str, int] = {}
    for item in params.array_strings("statistics"):
        if item == "all":
            chosen = stats.all()
        elif len(item) > 1 and item.endswith(":"):
            group = stats.group(item[:-1])
            chosen = list(group.values()) if group else []
        else:
            found = stats.find(item)
            chosen = [found] if found else []
        for stat in chosen:
            out[f"{stat.group}:{stat.name}"] = stat.get()
    return out


def list_statistics(params: MIParams) -> dict[str, str]:
    stats = _stats(params)
    out: dict[str, str] = {}
    kind = {True: "incremental", False: "non-incremental"}
    if "statistics" not in params.recipe:
        for stat in stats.all():
            out[f"{stat.group}:{stat.name}"] = kind[stat.incremental]
        return out
    for item in params.array_strings("statistics"):
        if len(item) > 1 and item.endswith(":"):
            group = stats.group(item[:-1])
            if group is None:
                continue
            for stat in group.values():
                out[f"{stat.group}:{stat.name}"] = kind[stat.incremental]
        else:
            stat = stats.find(item)
            if stat is None:
                continue
            out[stat.name] = kind[stat.incremental]
    # no match: OpenSIPS tests an uninitialised "found" flag, {} in practice (as get)
    return out


def reset_statistics(params: MIParams) -> str:
    stats = _stats(params)
    found = False
    for item in params.array_strings("statistics"):
        stat = stats.find(item)
        if stat is None:
            continue
        stats.reset(stat)
        found = True
    if not found:
        raise MIError(404, "Statistics Not Found")
    return "OK"


def reset_all_statistics(params: MIParams) -> str:
    _stats(params).reset_all()
    return "OK"


# -- blacklists (none are modelled: OpenSIPS with no blacklists defined) -------------------
def list_blacklists(params: MIParams) -> dict[str, Any]:
    if "name" in params.recipe:
        params.string("name")
        raise MIError(404, "Unknown name")
    return {"Lists": []}


def check_blacklists(params: MIParams) -> list[str]:
    _ip(params)
    return []


def _ip(params: MIParams) -> str:
    import ipaddress

    text = params.string("ip")
    try:
        ipaddress.ip_address(text)
    except ValueError:
        raise MIError(400, "Missing or bad IP") from None
    return text


def check_blacklist(params: MIParams) -> Any:
    params.string("name")
    raise MIError(404, "Unknown name")


def blacklist_rule(params: MIParams) -> Any:
    params.string("name")
    raise MIError(404, "Unknown name")


HANDLERS = {
    "uptime": uptime, "version": version, "pwd": pwd, "arg": arg, "which": which,
    "ps": ps, "kill": _ok, "log_level": log_level, "xlog_level": xlog_level,
    "log_level_filter": log_level_filter, "log_mute_state": log_mute_state,
    "cache_store": cache_store, "cache_fetch": cache_fetch, "cache_remove": cache_remove,
    "event_subscribe": event_subscribe, "events_list": events_list,
    "subscribers_list": subscribers_list, "raise_event": raise_event,
    "list_tcp_conns": list_tcp_conns, "mem_pkg_dump": mem_pkg_dump, "mem_shm_dump": _ok,
    "mem_rpm_dump": _ok, "reload_routes": _ok, "sr_get_status": sr_get_status,
    "sr_list_status": sr_list, "sr_list_reports": sr_list, "sr_list_identifiers": sr_list,
    "help": help_cmd, "get_statistics": get_statistics, "list_statistics": list_statistics,
    "reset_statistics": reset_statistics, "reset_all_statistics": reset_all_statistics,
    "list_blacklists": list_blacklists, "check_blacklists": check_blacklists,
    "check_blacklist": check_blacklist, "add_blacklist_rule": blacklist_rule,
    "del_blacklist_rule": blacklist_rule,
}


def register_core(registry: MIRegistry) -> None:
    """Register every core command in OpenSIPS's order (``which`` lists them in this order)."""
    for name, recipes, module, text in CORE_COMMANDS:
        registry.register(name, HANDLERS[name], recipes, module=module, help=text)
