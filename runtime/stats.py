"""The statistics collector of one engine (OpenSIPS ``statistics.c`` + statistics module).

Statistics live in *groups* (OpenSIPS "modules": ``core``, ``sl``, ``tm``, ``script``,
``dynamic``, user ``stat_groups``) and are printed as ``group:name``. Values are C
``unsigned long`` (wrapped modulo 2^64) so that MI shows a "negative" statistic the way
OpenSIPS does, while ``$stat(name)`` reads the signed 32-bit truncation. Names are looked up
case-insensitively. Other rooms count events with ``inc(group, name)``, e.g.
``stats.inc("core", "rcv_requests")``; ``inc`` of an unregistered statistic is ignored (the
module that owns it is not loaded).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ULONG = 2**64

CORE_STATS = ("rcv_requests", "rcv_replies", "fwd_requests", "fwd_replies", "drop_requests",
              "drop_replies", "err_requests", "err_replies", "bad_URIs_rcvd",
              "bad_msg_hdr", "slow_messages", "timestamp")
SHMEM_STATS = ("total_size", "used_size", "real_used_size", "max_used_size", "free_size",
               "fragments")
LOAD_STATS = ("load", "load1m", "load10m", "load-all", "load1m-all", "load10m-all")
NET_STATS = ("waiting_udp", "waiting_tcp", "waiting_tls")
SL_STATS = ("1xx_replies", "2xx_replies", "3xx_replies", "4xx_replies", "5xx_replies",
            "6xx_replies", "sent_replies", "sent_err_replies", "received_ACKs")
TM_STATS = ("received_replies", "relayed_replies", "local_replies", "UAS_transactions",
            "UAC_transactions", "2xx_transactions", "3xx_transactions", "4xx_transactions",
            "5xx_transactions", "6xx_transactions", "inuse_transactions",
            "threshold_transactions")
#: group -> statistics registered when the module is loaded; ``core`` groups always are
MODULE_STATS: dict[str, tuple[str, ...]] = {"sl": SL_STATS, "tm": TM_STATS}
NON_RESETTABLE = {("core", "timestamp"), ("tm", "inuse_transactions")}


@dataclass
class Stat:
    """One statistic; ``func`` makes it computed (never reset, "non-incremental")."""

    group: str
    name: str
    value: int = 0
    no_reset: bool = False
    func: Callable[[], int] | None = None

    def get(self) -> int:
        """The unsigned (``unsigned long``) value."""
        return (self.func() if self.func else self.value) % ULONG

    @property
    def incremental(self) -> bool:
        return not (self.no_reset or self.func is not None)


def signed32(value: int) -> int:
    """The ``(int)`` cast of an unsigned long: ``$stat`` readings."""
    v = value & 0xFFFFFFFF
    return v - 2**32 if v >= 2**31 else v


class StatsRegistry:
    """All statistics of one engine, in registration order per group."""

    def __init__(self) -> None:
        self.groups: dict[str, dict[str, Stat]] = {}   # group -> lower(name) -> Stat
        self._inc_cache: dict[tuple[str, str], Stat] = {}
        self._group_names: dict[str, str] = {}          # lower(group) -> group
        self.declared_groups: set[str] = set()          # stat_groups modparam

    @classmethod
    def from_engine(cls, engine: Any) -> StatsRegistry:
        """Core groups, groups of loaded modules, then the statistics module's modparams."""
        from .state_factories import loaded_modules, modparams

        reg = cls()
        reg.add_core()
        mods = loaded_modules(engine)
        for group, names in MODULE_STATS.items():
            if mods is None or group in mods:
                for name in names:
                    reg.register(group, name, no_reset=(group, name) in NON_RESETTABLE)
        if mods is None or "statistics" in mods:
            for value in modparams(engine, "statistics", "stat_groups"):
                for grp in str(value).split(","):
                    if grp.strip():
                        reg.declare_group(grp.strip())
            # modparam values are kept in a pushed list: registered newest first [V]
            for value in reversed(modparams(engine, "statistics", "variable")):
                reg.declare_variable(str(value))
        return reg

    def add_core(self) -> None:
        for name in CORE_STATS:
            self.register("core", name, no_reset=("core", name) in NON_RESETTABLE)
        for name in SHMEM_STATS:
            self.register("shmem", name, func=lambda: 0)
        for name in LOAD_STATS:
            self.register("load", name, func=lambda: 0)
        for name in NET_STATS:
            self.register("net", name, func=lambda: 0)

    # -- registration -------------------------------------------------------------------
    def declare_group(self, group: str) -> None:
        """``modparam("statistics","stat_groups",...)``: allow ``group:name`` statistics."""
        self.declared_groups.add(group)

    def declare_variable(self, spec: str) -> Stat:
        """``modparam("statistics","variable","name[/no_reset]")`` → ``script:name``."""
        no_reset = False
        if "/" in spec:
            spec, flag = spec.split("/", 1)
            no_reset = flag.strip().lower() == "no_reset"
        group, name = self._split(spec.strip(), "script")
        return self.register(group, name, no_reset=no_reset)

    def register(self, group: str, name: str, no_reset: bool = False,
                 func: Callable[[], int] | None = None) -> Stat:
        """Add (or return the existing) statistic ``group:name``."""
        existing = self.find(name, group)
        if existing is not None:
            return existing
        gname = self._group_names.setdefault(group.lower(), group)
        stat = Stat(gname, name, no_reset=no_reset, func=func)
        self.groups.setdefault(gname, {})[name.lower()] = stat
        return stat

    def _split(self, spec: str, default_group: str) -> tuple[str, str]:
        if ":" in spec:
            group, name = spec.split(":", 1)
            return group, name
        return default_group, spec

    # -- lookup -------------------------------------------------------------------------
    def group(self, name: str) -> dict[str, Stat] | None:
        gname = self._group_names.get(name.lower())
        return self.groups.get(gname) if gname is not None else None

    def find(self, name: str, group: str | None = None) -> Stat | None:
        """Case-insensitive lookup by bare name (first registered wins) or within a group."""
        low = name.lower()
        if group is not None:
            stats = self.group(group)
            return stats.get(low) if stats else None
        for stats in self.groups.values():
            if low in stats:
                return stats[low]
        return None

    def find_spec(self, spec: str) -> Stat | None:
        """``name`` or ``group:name`` as ``$stat`` / ``update_stat`` accept them."""
        if ":" in spec:
            group, name = spec.split(":", 1)
            return self.find(name, group)
        return self.find(spec)

    def all(self) -> list[Stat]:
        return [s for stats in self.groups.values() for s in stats.values()]

    # -- updates --------------------------------------------------------------------------
    def inc(self, group: str, name: str, n: int = 1) -> None:
        """Count an event of another room (ignored when the statistic does not exist).

        Every message bumps a few counters, so a found statistic is remembered per
        (group, name) spelling: statistics are only ever added, never replaced or removed,
        so a hit stays right (a miss is not remembered: it may be registered later)."""
        stat = self._inc_cache.get((group, name))
        if stat is None:
            stat = self.find(name, group)
            if stat is None:
                return
            self._inc_cache[(group, name)] = stat
        if stat.func is None:
            stat.value = (stat.value + n) % ULONG

    def counter(self, group: str, name: str) -> Stat | None:
        """The statistic ``inc(group, name)`` bumps, for a caller that bumps it often
        (tm, per message): it adds ``n`` to ``value`` modulo ``ULONG`` itself when
        ``func`` is None. Statistics are only ever added, so the handle stays valid for
        this registry; None (nothing to count) is not final: it may be registered later."""
        stat = self._inc_cache.get((group, name))
        if stat is None:
            stat = self.find(name, group)
            if stat is not None:
                self._inc_cache[(group, name)] = stat
        return stat

    def update(self, spec: str, n: int) -> int:
        """``update_stat(spec, n)``: create in ``dynamic`` (or a declared group) if needed.

        Returns 1, or -1 when ``group:name`` names an undeclared group.
        """
        stat = self.find_spec(spec)
        if stat is None:
            if ":" in spec:
                group, name = spec.split(":", 1)
                if group not in self.declared_groups and self.group(group) is None:
                    return -1
            else:
                group, name = "dynamic", spec
            stat = self.register(group, name)
        if n and stat.func is None:
            stat.value = (stat.value + n) % ULONG
        return 1

    def reset(self, stat: Stat) -> None:
        """``reset_stat``: no effect on non-resettable or computed statistics."""
        if stat.incremental:
            stat.value = 0

    def reset_spec(self, spec: str) -> int:
        """``reset_stat(spec)``: creates the statistic if needed (as update_stat does)."""
        stat = self.find_spec(spec)
        if stat is None:
            if self.update(spec, 0) < 0:
                return -1
            return 1
        self.reset(stat)
        return 1

    def read(self, spec: str) -> int | None:
        """``$stat(spec)``: the signed 32-bit value, ``None`` if unknown."""
        stat = self.find_spec(spec)
        return None if stat is None else signed32(stat.get())

    def reset_all(self) -> None:
        for stat in self.all():
            self.reset(stat)
