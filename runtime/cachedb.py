"""The cachedb_local store of one engine: collections of key → value with expiry.

OpenSIPS addresses a cache by *system* id: ``local`` is the default cachedb_local URL whose
collection is ``default``; other URLs (``modparam("cachedb_local","cachedb_url",
"local:grp:///coll")``) make ``local:grp`` point to collection ``coll``; collections are
declared with ``cache_collections`` (``"coll1; coll2 /r"``). Expiry follows the engine's
virtual clock when it has one (``engine.time()``), so tests can fast-forward it.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import Any

NOT_FOUND = -2
ERROR = -1


class CacheDB:
    """Collections of ``key -> (value, expires_at | None)``; values are ``str`` or ``int``."""

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        import time

        self.clock = clock or time.time
        self.collections: dict[str, dict[str, tuple[str | int, float | None]]] = {
            "default": {}}
        self.systems: dict[str, str] = {"local": "default"}

    @classmethod
    def from_engine(cls, engine: Any) -> CacheDB:
        from .state_factories import modparams, now

        db = cls(clock=lambda: now(engine))
        for value in modparams(engine, "cachedb_local", "cache_collections"):
            for part in str(value).split(";"):
                name = part.strip().split("/")[0].strip()
                if name:
                    db.collections.setdefault(name, {})
        for url in modparams(engine, "cachedb_local", "cachedb_url"):
            db.add_url(str(url))
        return db

    def add_url(self, url: str) -> None:
        """``local[:group]://[/collection]`` → system ``local[:group]``."""
        scheme, _, rest = url.partition("://")
        coll = rest.strip("/") or "default"
        self.collections.setdefault(coll, {})
        self.systems[scheme] = coll

    def _coll(self, system: str) -> dict[str, tuple[str | int, float | None]] | None:
        name = self.systems.get(system)
        return None if name is None else self.collections.get(name)

    def _live(self, coll: dict[str, tuple[str | int, float | None]], key: str
              ) -> tuple[str | int, float | None] | None:
        entry = coll.get(key)
        if entry is not None and entry[1] is not None and entry[1] <= self.clock():
            del coll[key]
            return None
        return entry

    def store(self, system: str, key: str, value: str | int, expire: int = 0) -> int:
        """1 on success, -1 for an unknown system."""
        coll = self._coll(system)
        if coll is None:
            return ERROR
        coll[key] = (value, self.clock() + expire if expire and expire > 0 else None)
        return 1

    def get(self, system: str, key: str) -> tuple[int, str | int | None]:
        """``(rc, value)``: rc 1 found, -2 missing, -1 unknown system."""
        coll = self._coll(system)
        if coll is None:
            return ERROR, None
        entry = self._live(coll, key)
        return (NOT_FOUND, None) if entry is None else (1, entry[0])

    def remove(self, system: str, key: str) -> int:
        coll = self._coll(system)
        if coll is None:
            return ERROR
        coll.pop(key, None)
        return 1

    def add(self, system: str, key: str, delta: int, expire: int = 0) -> tuple[int, int | None]:
        """Counter add (``cache_add``/``cache_sub``): ``(rc, new value)``.

        A missing key starts at 0; a string value that is not a number counts as 0.
        """
        coll = self._coll(system)
        if coll is None:
            return ERROR, None
        entry = self._live(coll, key)
        old = 0
        if entry is not None:
            try:
                old = int(entry[0])
            except ValueError:
                old = 0
        new = old + delta
        new = (new + 2**31) % 2**32 - 2**31
        exp = self.clock() + expire if expire and expire > 0 else (entry[1] if entry else None)
        coll[key] = (new, exp)
        return 1, new

    def keys(self, collection: str, glob: str) -> list[tuple[str, str | int]] | None:
        """Live entries of a collection whose key matches the shell-style ``glob``."""
        coll = self.collections.get(collection)
        if coll is None:
            return None
        out = []
        for key in list(coll):
            entry = self._live(coll, key)
            if entry is not None and fnmatch.fnmatchcase(key, glob):
                out.append((key, entry[0]))
        return out

    def remove_keys(self, collection: str, glob: str) -> int:
        found = self.keys(collection, glob)
        if found is None:
            return ERROR
        coll = self.collections[collection]
        for key, _ in found:
            coll.pop(key, None)
        return 1
