"""The OpenSIPS 3.6 export tables (``compiler/data/*.tsv``), loaded once and cached.

The checker needs them on every run, so each table is parsed lazily on first use and kept
(``functools.cache``); nothing here knows about the AST.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


@dataclass(frozen=True, slots=True)
class FuncExport:
    """One exported script function (one row of functions.tsv)."""

    module: str
    name: str
    is_async: bool
    min_params: int
    max_params: int
    params: tuple[str, ...]
    route_flags: frozenset[str]
    kind: str

    def param_type(self, index: int) -> str:
        """Base type (``int``/``str``/``var``/``re``) of parameter ``index`` (0-based)."""
        if index >= len(self.params):
            return ""
        return self.params[index].split(":", 1)[0].rstrip("?>")

    def param_flags(self, index: int) -> str:
        return self.params[index] if index < len(self.params) else ""

    def allowed_in(self, route_flag: str) -> bool:
        return "ALL_ROUTES" in self.route_flags or route_flag in self.route_flags


@dataclass(frozen=True, slots=True)
class PvarExport:
    module: str
    name: str
    writable: bool
    takes_name: bool
    takes_index: bool


@cache
def functions() -> dict[str, list[FuncExport]]:
    """Function name → export rows (several modules may export the same name)."""
    table: dict[str, list[FuncExport]] = {}
    for r in _rows("functions.tsv"):
        flags = frozenset(f for f in r["route_flags"].split("|") if f)
        fe = FuncExport(r["module"], r["function"], r["async"] == "yes", int(r["min_params"] or 0),
                        int(r["max_params"] or 0),
                        tuple(p for p in r["params"].split(",") if p), flags, r["kind"])
        table.setdefault(fe.name, []).append(fe)
    return table


@cache
def pvars() -> dict[str, list[PvarExport]]:
    """Pvar class name → rows (a name may exist bare and with ``(name)``)."""
    table: dict[str, list[PvarExport]] = {}
    for r in _rows("pvars.tsv"):
        pe = PvarExport(r["module"], r["name"], r["writable"] == "yes", r["takes_name"] == "yes",
                        r["takes_index"] == "yes")
        table.setdefault(pe.name, []).append(pe)
    return table


@cache
def transformations() -> dict[str, dict[str, tuple[str, int, int]]]:
    """class → method → (module, min_params, max_params); class and method lower case."""
    table: dict[str, dict[str, tuple[str, int, int]]] = {}
    for r in _rows("transformations.tsv"):
        table.setdefault(r["class"].lower(), {})[r["method"].lower()] = (
            r["module"], int(r["min_params"] or 0), int(r["max_params"] or 0))
    return table


@cache
def global_params() -> dict[str, dict[str, str]]:
    """Global parameter keyword → its core_params.tsv row."""
    return {r["name"]: r for r in _rows("core_params.tsv")}


@cache
def global_param_names() -> frozenset[str]:
    """Keywords the scanner must classify as global parameter names."""
    return frozenset(n for n in global_params() if n not in ("loadmodule", "modparam", "mpath"))
