"""Compiled pseudo-variables: one object per ``$...`` spec, built at import time.

A ``PV`` resolves everything it can once (class getter/setter from ``pv_table``, static
name, index, transformation chain) so that a route reads ``pv.get(ctx)`` and writes
``pv.assign(ctx, op, value)`` with no lookups by name. Script-core classes (``$var``,
``$avp``, ``$rc``/``$retcode``, ``$param``, ``$return``) have dedicated subclasses because
they are on every hot path and carry the assignment rules of ``pvar.c``/``action.c``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from typing import Any

from . import pv_table
from .control import NotEmulated, ScriptError
from .values import ERR, DivisionByZero, StrInt, compound, int_form, str_form

Index = int | str | None


def _store(value: Any) -> Any:
    """What a ``$var`` keeps: ints (``TYPE_INT``) as plain int, everything else as text."""
    if value is None:
        return None
    if isinstance(value, int):
        return int(value)
    return str(value)


class PV:
    """A pseudo-variable backed by a ``pv_table`` class (message and module variables)."""

    __slots__ = ("name", "sub", "index", "chain", "text", "_def", "_static")

    def __init__(self, name: str, sub: Any = None, index: Any = None, chain: Any = None,
                 text: str = "") -> None:
        self.name = name
        self.sub = sub
        self.index = index
        self.chain = chain
        self.text = text or f"${name}"
        self._def: pv_table.PVDef | None = pv_table.PV_TABLE.get(name)
        #: name and index are literals (``$rm``, ``$hdr(From)``, ``$(hdr(Via)[1])``): the
        #: getter takes them as they are, with no per-read resolution (decided once, here)
        self._static = (sub is None or isinstance(sub, str)) and \
            (index is None or isinstance(index, (int, str)))

    def __repr__(self) -> str:
        return f"<PV {self.text}>"

    # -------------------------------------------------------------- resolution
    def _sub(self, ctx: Any) -> Any:
        sub = self.sub
        if sub is not None and not isinstance(sub, str):
            value = sub.get(ctx)
            return None if value is None else str_form(value)
        return sub

    def _index(self, ctx: Any) -> Any:
        index = self.index
        if index is None or isinstance(index, (int, str)):
            return index
        return int_form(index.get(ctx))

    def _definition(self) -> pv_table.PVDef:
        d = self._def
        if d is None:
            d = self._def = pv_table.PV_TABLE.get(self.name)
            if d is None:
                raise NotEmulated(f"${self.name}")
        return d

    # -------------------------------------------------------------- reading
    def raw(self, ctx: Any) -> Any:
        d = self._def
        if d is not None and self._static:
            return d.getter(ctx, self.sub, self.index)
        return self._definition().getter(ctx, self._sub(ctx), self._index(ctx))

    def get(self, ctx: Any) -> Any:
        """The value (NULL when the getter or a transformation fails)."""
        d = self._def
        if d is not None and self._static:  # raw(), inline: read on every message
            value = d.getter(ctx, self.sub, self.index)
        else:
            value = self._definition().getter(ctx, self._sub(ctx), self._index(ctx))
        if self.chain is not None:
            return self.chain(ctx, value)
        return value

    def get_at(self, ctx: Any, i: int) -> Any:
        """Element ``i`` of a ``[*]`` collection (for-each)."""
        return self._definition().getter(ctx, self._sub(ctx), i)

    @property
    def is_all(self) -> bool:
        return self.index == "*"

    # -------------------------------------------------------------- writing
    def set(self, ctx: Any, value: Any) -> int:
        """Plain ``=`` (what functions with output parameters use)."""
        return self.assign(ctx, "=", value)

    def assign(self, ctx: Any, op: str, value: Any) -> int:
        if value is ERR:
            return -1
        if len(op) == 2 and op != ":=":
            try:
                value = compound(op[0], self.get(ctx), value)
            except DivisionByZero as exc:
                raise ScriptError(f"{self.text} {op} 0: division by zero") from exc
            if value is ERR:
                return -1
        setter = self._definition().setter
        if setter is None:
            return -1
        hook = getattr(ctx.engine, "snapshot_hook", None)
        if hook is not None:  # tm's deferred copy of the request is taken first
            hook(ctx)
        if self._static:
            return setter(ctx, self.sub, self.index, value)
        return setter(ctx, self._sub(ctx), self._index(ctx), value)


class VarPV(PV):
    """``$var(name)``: one value per name per worker, never reset."""

    __slots__ = ()

    def raw(self, ctx: Any) -> Any:
        sub = self.sub
        if type(sub) is not str:
            sub = self._sub(ctx)
        return ctx.vars.get(sub)

    def get(self, ctx: Any) -> Any:
        sub = self.sub
        if type(sub) is not str:
            sub = self._sub(ctx)
        if self.chain is None:
            return ctx.vars.get(sub)
        return self.chain(ctx, ctx.vars.get(sub))

    def assign(self, ctx: Any, op: str, value: Any) -> int:
        if value is ERR:
            return -1
        sub = self.sub
        if type(sub) is not str:
            sub = self._sub(ctx)
            if sub is None:
                return -1
        if len(op) == 2 and op != ":=":
            try:
                value = compound(op[0], ctx.vars.get(sub), value)
            except DivisionByZero as exc:
                raise ScriptError(f"{self.text} {op} 0: division by zero") from exc
            if value is ERR:
                return -1
        ctx.vars[sub] = _store(value)
        return 1


class AvpPV(PV):
    """``$avp(name)`` with the stack rules of ``pv_set_avp`` (push, ``:=``, indexes,
    ``[append]``, ``[*]``, NULL deletes)."""

    __slots__ = ()

    def raw(self, ctx: Any) -> Any:
        name = self.sub if type(self.sub) is str else self._sub(ctx)
        index = self.index
        if index is None:
            return ctx.avps.get(name, 0)
        if type(index) is int:
            return ctx.avps.get(name, index)
        if index == "*":
            return ctx.avps.joined(name)
        if index == "append":
            return None
        i = int_form(index.get(ctx))
        return None if i is None else ctx.avps.get(name, i)

    def get(self, ctx: Any) -> Any:
        value = self.raw(ctx)
        return value if self.chain is None else self.chain(ctx, value)

    def get_at(self, ctx: Any, i: int) -> Any:
        name = self.sub if type(self.sub) is str else self._sub(ctx)
        return ctx.avps.get(name, i)

    def assign(self, ctx: Any, op: str, value: Any) -> int:
        if value is ERR:
            return -1
        avps = ctx.avps
        name = self.sub if type(self.sub) is str else self._sub(ctx)
        if name is None:
            return -1
        index = self.index
        if index is None and op == "=":  # the common push (or NULL: delete the newest)
            if value is None:
                avps.delete(name, 0)
            else:
                avps.add(name, value)
            return 1
        if index is not None and not isinstance(index, (int, str)):
            index = int_form(index.get(ctx))
            if index is None:
                return -1
        if len(op) == 2 and op != ":=":
            try:
                value = compound(op[0], self.raw(ctx), value)
            except DivisionByZero as exc:
                raise ScriptError(f"{self.text} {op} 0: division by zero") from exc
            if value is ERR:
                return -1
            op = "="
            if type(index) is int:
                return 1 if avps.replace(name, index, value) else -1
            avps.add(name, value)
            return 1
        if op == ":=" or index == "*":
            avps.delete_all(name)
            if value is None:
                return 1
            if type(index) is int:
                return -1
            avps.add(name, value)
            return 1
        if value is None:
            avps.delete(name, index if type(index) is int else 0)
            return 1
        if index is None:
            avps.add(name, value)
            return 1
        if index == "append":
            avps.append(name, value)
            return 1
        return 1 if avps.replace(name, index, value) else -1


class RcPV(PV):
    """``$rc`` / ``$retcode``: the worker's last return code (read only)."""

    __slots__ = ()

    def get(self, ctx: Any) -> Any:
        return ctx.rc if self.chain is None else self.chain(ctx, ctx.rc)

    def raw(self, ctx: Any) -> Any:
        return ctx.rc

    def assign(self, ctx: Any, op: str, value: Any) -> int:
        return -1


class ParamPV(PV):
    """``$param(n)``: 1-based route parameters of the current ``route()`` frame."""

    __slots__ = ()

    def raw(self, ctx: Any) -> Any:
        sub = self.sub
        params = ctx.params
        if isinstance(params, dict):  # event_route: by name, or by 1-based position
            key = sub if sub is None or isinstance(sub, (int, str)) else sub.get(ctx)
            if isinstance(key, str) and int_form(key) is None:
                return params.get(key)
            i = int_form(key) if not isinstance(key, str) else int(key)
            values = list(params.values())
            return values[i - 1] if i is not None and 1 <= i <= len(values) else None
        if type(sub) is int:
            i = sub
        elif sub is None or isinstance(sub, str):
            return None
        else:
            i = int_form(sub.get(ctx))
            if i is None:
                return None
        return params[i - 1] if 1 <= i <= len(params) else None

    def get(self, ctx: Any) -> Any:
        value = self.raw(ctx)
        return value if self.chain is None else self.chain(ctx, value)

    def assign(self, ctx: Any, op: str, value: Any) -> int:
        return -1


class ReturnPV(PV):
    """``$return(n)``: 0-based extra values of the last ``return(code, v1, ...)``."""

    __slots__ = ()

    def raw(self, ctx: Any) -> Any:
        sub = self.sub
        i = sub if type(sub) is int else int_form(sub.get(ctx)) if sub is not None else None
        if i is None:
            return None
        values = ctx.returns
        return values[i] if 0 <= i < len(values) else None

    def get(self, ctx: Any) -> Any:
        value = self.raw(ctx)
        return value if self.chain is None else self.chain(ctx, value)

    def assign(self, ctx: Any, op: str, value: Any) -> int:
        return -1


_CLASSES: dict[str, type[PV]] = {
    "var": VarPV,
    "avp": AvpPV,
    "rc": RcPV,
    "retcode": RcPV,
    "param": ParamPV,
    "return": ReturnPV,
}

_loaded = False


def load_pv_modules() -> None:
    """Import every runtime module that registers pseudo-variables (``pvars_*.py``) and
    every function module (module variables live next to their functions)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    from . import __path__ as runtime_path
    from .functions.registry import builtin_functions

    for info in pkgutil.iter_modules(runtime_path):
        if info.name.startswith("pvars"):
            importlib.import_module(f"{__package__}.{info.name}")
    builtin_functions()


def make_pv(name: str, sub: Any = None, index: Any = None, chain: Any = None,
            text: str = "") -> PV:
    """Build the compiled object for one spec (``Script.pv`` calls this)."""
    cls = _CLASSES.get(name)
    if cls is None:
        load_pv_modules()
        cls = PV
    if cls in (ParamPV, ReturnPV) and isinstance(sub, str):
        try:
            sub = int(sub.strip())
        except ValueError:
            pass
    return cls(name, sub, index, chain, text)


# --------------------------------------------------------------------------- pv_table entries
# The script-core classes are also registered in the shared table, so dynamic users
# (``pv_printf``, MI, other rooms) find them by name.


def _ctx_var_get(ctx: Any, sub: Any, index: Any) -> Any:
    return ctx.vars.get(sub)


def _ctx_var_set(ctx: Any, sub: Any, index: Any, value: Any) -> int:
    ctx.vars[sub] = _store(value)
    return 1


def _avp_get(ctx: Any, sub: Any, index: Any) -> Any:
    return AvpPV("avp", sub, index).raw(ctx)


def _avp_set(ctx: Any, sub: Any, index: Any, value: Any) -> int:
    return AvpPV("avp", sub, index).assign(ctx, "=", value)


def _rc_get(ctx: Any, sub: Any, index: Any) -> Any:
    return ctx.rc


def _param_get(ctx: Any, sub: Any, index: Any) -> Any:
    return ParamPV("param", int(sub) if str(sub).isdigit() else sub).raw(ctx)


def _return_get(ctx: Any, sub: Any, index: Any) -> Any:
    return ReturnPV("return", int(sub) if str(sub).isdigit() else sub).raw(ctx)


pv_table.pvar("var", takes_sub=True)(_ctx_var_get)
pv_table.setter("var")(_ctx_var_set)
pv_table.pvar("avp", takes_sub=True, takes_index=True)(_avp_get)
pv_table.setter("avp")(_avp_set)
pv_table.pvar("rc", "retcode")(_rc_get)
pv_table.pvar("param", takes_sub=True)(_param_get)
pv_table.pvar("return", takes_sub=True)(_return_get)

__all__ = ["PV", "AvpPV", "ParamPV", "RcPV", "ReturnPV", "StrInt", "VarPV", "make_pv"]


# --------------------------------------------------------------------------- route stack, cfg
# ``$route``, ``$route.name``, ``$route.type`` read the route stack of ``action.c``: the top
# route (named only for failure/branch/timer/event routes and for request-type routes other
# than the main one, e.g. a resume route) then one ``route[name]`` per nested ``route()``.

_NAMED_TOPS = ("failure_route", "branch_route", "timer_route", "event_route")


def _route_frames(ctx: Any) -> list[tuple[str, str | None]]:
    """(type, name) per level, top route first (``route_stack[route_stack_start..]``)."""
    kind = ctx.route_type.value
    top = ctx.top
    if kind in ("route", "onreply_route"):
        name = top
    elif kind in _NAMED_TOPS:
        name = top if top is not None else ""
    else:
        name = None
    frames: list[tuple[str, str | None]] = [(kind, name)]
    names = ctx.engine.script.route_names
    for fn in ctx.stack:
        fkind, fname = names.get(fn, ("route", ""))
        # error_route run from inside a route is the "!error_route" frame: printed as is
        frames.append(("route", fname) if fkind == "route" else ("!" + fkind, None))
    return frames


def _position(frames: list[Any], index: Any) -> int | None:
    """Stack position (0 = top route) of ``$(route[index])``: index 0 is the current
    route, 1 its caller, ...; a negative index counts from the top route."""
    idx = 0 if index is None else index
    if not isinstance(idx, int):
        return None
    if idx < 0:
        idx += len(frames)
    if idx < 0 or idx >= len(frames):
        return None
    return len(frames) - 1 - idx


def _route_text(frame: tuple[str, str | None]) -> str:
    kind, name = frame
    return kind.lstrip("!") if name is None else f"{kind}[{name}]"


def _route_get(ctx: Any, sub: Any, index: Any) -> Any:
    frames = _route_frames(ctx)
    if index == "*":
        return " > ".join(_route_text(f) for f in frames)
    pos = _position(frames, index)
    return None if pos is None else _route_text(frames[pos])


def _route_name_get(ctx: Any, sub: Any, index: Any) -> Any:
    frames = _route_frames(ctx)
    pos = None if index == "*" else _position(frames, index)  # [*]: unsupported → NULL
    return None if pos is None else (frames[pos][1] or "")


def _route_type_get(ctx: Any, sub: Any, index: Any) -> Any:
    """The top route's type; every level below it is a ``route`` (get_route_type)."""
    frames = _route_frames(ctx)
    pos = None if index == "*" else _position(frames, index)
    if pos is None:
        return None
    return frames[0][0] if pos == 0 else "route"


def _executing_statement(ctx: Any) -> tuple[str, int] | None:
    """The cfg (file, line) of the statement being executed (``curr_action_line/file``).

    Read from the line map through the innermost generated-route frame, so no line number is
    baked into the module: inserting a cfg line only moves the line map.
    """
    script = ctx.engine.script
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename == script.filename:
            return script.cfg_location(frame.f_lineno)
        frame = frame.f_back
    return None


def _cfg_line_get(ctx: Any, sub: Any, index: Any) -> Any:
    where = _executing_statement(ctx)
    return where[1] if where is not None else 0


def _cfg_file_get(ctx: Any, sub: Any, index: Any) -> Any:
    where = _executing_statement(ctx)
    return where[0] if where is not None else ""


def _xlog_level_get(ctx: Any, sub: Any, index: Any) -> Any:
    return ctx.engine.xlog_level


def _xlog_level_set(ctx: Any, sub: Any, index: Any, value: Any) -> int:
    """``$xlog_level = N`` changes this worker's level; ``= NULL`` restores the
    ``xlog_level`` global (``pv_set_xlog_level``); a value without an int form fails."""
    engine = ctx.engine
    if value is None:
        engine.xlog_level = getattr(engine, "xlog_level_default", 2)
        return 1
    ival = int_form(value)
    if ival is None:
        return -1
    engine.xlog_level = int(ival)
    return 1


pv_table.pvar("route", takes_index=True)(_route_get)
pv_table.pvar("route.name", takes_index=True)(_route_name_get)
pv_table.pvar("route.type", takes_index=True)(_route_type_get)
pv_table.pvar("cfg_line", takes_sub=True)(_cfg_line_get)
pv_table.pvar("cfg_file", takes_sub=True)(_cfg_file_get)
pv_table.pvar("xlog_level")(_xlog_level_get)
pv_table.setter("xlog_level")(_xlog_level_set)
