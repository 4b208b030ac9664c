"""MI commands of the emulated modules: cachedb_local, cfgutils (``shv_get``/``shv_set``),
tm (``t_uac_dlg``), dialog (``dlg_list``, ``dlg_end_dlg``) and usrloc (``ul_dump``, ...).

They are registered only when the module is loaded (``setup.build_registry``), as in
OpenSIPS, so ``mi("shv_get")`` without cfgutils is an unknown command.
"""

from __future__ import annotations

from typing import Any

from .registry import MIError, MIParams, MIRegistry, invalid_params


def _state(params: MIParams, name: str) -> Any:
    assert params.registry is not None
    return params.registry.state(name)


def _collection(params: MIParams) -> str:
    if "collection" not in params.recipe:
        return "default"
    name = params.string("collection")
    if name not in _state(params, "cachedb_local").collections:
        # OpenSIPS answers init_mi_param_error() with whatever error state the MI core
        # last recorded [I]; here: the parameter error of the collection
        raise invalid_params("Bad type for parameter 'collection'")
    return name


def cache_fetch_chunk(params: MIParams) -> dict[str, Any]:
    """``{"keys":[{"name":..,"value":..}]}`` of the keys matching a shell-style glob."""
    glob = params.string("glob")
    found = _state(params, "cachedb_local").keys(_collection(params), glob) or []
    return {"keys": [{"name": k, "value": v if isinstance(v, str) else str(v)}
                     for k, v in found]}


def cache_remove_chunk(params: MIParams) -> str:
    glob = params.string("glob")
    if _state(params, "cachedb_local").remove_keys(_collection(params), glob) < 0:
        raise MIError(500, "Internal error")
    return "OK"


def _shv_item(value: Any) -> tuple[str, Any]:
    if isinstance(value, int) or value is None:
        return "integer", 0 if value is None else value
    return "string", value


def shv_get(params: MIParams) -> Any:
    """One variable as ``{"VAR":..}`` or all of them inside an extra array (OpenSIPS quirk)."""
    store: dict[str, Any] = _state(params, "shv")
    if "name" in params.recipe:
        name = params.string("name")
        if name not in store:
            raise MIError(404, "Not found")
        kind, value = _shv_item(store[name])
        return {"VAR": {"type": kind, "value": value}}
    items = []
    for name, raw in store.items():
        kind, value = _shv_item(raw)
        items.append({"name": name, "type": kind, "value": value})
    return [items]


def shv_set(params: MIParams) -> str:
    """``shv_set name type value``: type starting with s/S stores a string, else an int."""
    store: dict[str, Any] = _state(params, "shv")
    name = params.string("name")
    kind = params.string("type")
    if kind[:1] in ("s", "S"):
        store[name] = params.string("value")
    else:
        store[name] = params.int("value")
    return "OK"


def register_cachedb_local(registry: MIRegistry) -> None:
    recipes = [("glob",), ("glob", "collection")]
    registry.register("cache_remove_chunk", cache_remove_chunk, recipes, module="cachedb_local")
    registry.register("cache_fetch_chunk", cache_fetch_chunk, recipes, module="cachedb_local")


def register_cfgutils(registry: MIRegistry) -> None:
    registry.register("shv_get", shv_get, [(), ("name",)], module="cfgutils")
    registry.register("shv_set", shv_set, [("name", "type", "value")], module="cfgutils")


def register_tm(registry: MIRegistry) -> None:
    """tm's ``t_uac_dlg`` (asynchronous reply); imported lazily: tm imports the MI core."""
    from ..tm.mi import register_tm_mi

    register_tm_mi(registry)


def register_dialog(registry: MIRegistry) -> None:
    from ..tm.mi import register_dialog_mi

    register_dialog_mi(registry)


def register_usrloc(registry: MIRegistry) -> None:
    from ..tm.mi import register_usrloc_mi

    register_usrloc_mi(registry)


#: module name -> registration function
MODULE_COMMANDS = {"cachedb_local": register_cachedb_local, "cfgutils": register_cfgutils,
                   "tm": register_tm, "dialog": register_dialog, "usrloc": register_usrloc}
