"""Control flow of compiled routes: exits, route calls, condition results, switch, xlog.

Generated code calls these helpers; they hold the rules of ``action.c`` that a plain Python
statement cannot express: a statement returning 0 stops the whole script, ``route()`` nests at
most 100 levels, ``$param``/``$return`` frames, ``switch`` case matching, xlog levels.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .values import StrInt, str_form

ROUTE_MAX_REC_LEV = 100
E_UNSPEC = -1
E_BUG = -5
E_SCRIPT = -10


class ScriptExit(Exception):  # noqa: N818  (a control signal, not an error)
    """Stops the whole script (``exit``, ``drop``, ``return(0)``, a statement returning 0,
    ``async()``). Caught by the engine at the top route.

    Raised by most messages (every ``exit``), so it is built cheaply: slots, and no
    ``Exception.__init__`` call (the flags are passed by keyword, ``args`` stays empty)."""

    __slots__ = ("drop", "suspended")

    def __init__(self, drop: bool = False, suspended: bool = False) -> None:
        self.drop = drop
        self.suspended = suspended


class _PlainExit(ScriptExit):
    """A plain stop (``exit``, a condition returning 0): a ``ScriptExit`` whose flags are
    class attributes, built by the C ``__init__`` (no Python frame; every message raises
    one)."""

    __init__ = Exception.__init__  # type: ignore[assignment]
    drop = False  # type: ignore[assignment]
    suspended = False  # type: ignore[assignment]


class ScriptError(Exception):
    """A fatal run-time script error (``/= 0``): the script stops, the message is logged."""


class NotEmulated(Exception):  # noqa: N818  (reads as a sentence: "NotEmulated: lookup")
    """A function exported by OpenSIPS that osipsc does not emulate was called.

    ``location`` (cfg file, line) is filled in by the engine from the line map.
    """

    def __init__(self, name: str, location: tuple[str, int] | None = None) -> None:
        super().__init__(name)
        self.name = name
        self.location = location

    def __str__(self) -> str:
        where = f" at {self.location[0]}:{self.location[1]}" if self.location else ""
        return (
            f"function {self.name}() is not emulated by osipsc{where}; "
            f'register an implementation with engine.functions["{self.name}"] = impl'
        )


def script_exit(ctx: Any, drop: bool = False) -> None:
    """``exit`` / ``return(0)`` (``$rc`` 0) and ``drop`` (``$rc`` -5, DROP flag)."""
    if drop:
        ctx.rc = E_BUG
        raise ScriptExit(drop=drop)
    ctx.rc = 0
    raise _PlainExit()


def check(ctx: Any, result: int) -> int:
    """A function statement's result: 0 stops the script (``run_action_list``)."""
    if result == 0:
        raise ScriptExit()
    return result


def cond_ret(ctx: Any, result: int) -> int:
    """An action used as a condition atom: sets ``$rc``; >0 → 1, <0 → 0, 0 stops."""
    ctx.rc = result
    if result > 0:
        return 1
    if result < 0:
        return 0
    raise _PlainExit()


def value_ret(ctx: Any, result: int) -> int:
    """An action used as a value (``$var(r) = f();``): its raw return code; 0 stops."""
    ctx.rc = result
    if result == 0:
        raise ScriptExit()
    return result


def route_call(ctx: Any, fn: Callable[[Any], int], params: tuple[Any, ...] = ()) -> int:
    """``route(name, p1, ...)``: a new ``$param`` frame, ``$return`` cleared, depth ≤ 100."""
    if ctx.depth >= ROUTE_MAX_REC_LEV:
        ctx.engine.log(-1, "too many recursive routing table lookups", internal=True)
        return E_UNSPEC
    saved = ctx.params
    ctx.params = params
    ctx.returns = ()
    ctx.depth += 1
    stack = ctx.stack
    stack.append(fn)
    try:
        tracer = getattr(ctx.engine, "tracer", None)
        result = fn(ctx) if tracer is None else tracer.run(ctx, fn)
    finally:
        stack.pop()
        ctx.depth -= 1
        ctx.params = saved
    # $return shows the values of *this* route's own return(...): a route that ends
    # without setting any (end of block, return(N)) leaves none, even if it called a
    # route that did (script_return_pop keeps only the popped level's values).
    if ctx.returns is ctx.extra.get(_NESTED_RETURNS):
        ctx.returns = ()
    ctx.extra[_NESTED_RETURNS] = ctx.returns
    return result


_NESTED_RETURNS = "osipsc.nested_returns"


def route_dyn(ctx: Any, script: Any, name: Any, params: tuple[Any, ...] = ()) -> int:
    """``route($var(x))`` / ``route("name_$var(x)")``: looked up at run time.

    An unknown name logs an alert and yields -5 *without touching* ``$rc`` (``ROUTE_T`` is
    one of the two statements that manage ``$rc`` themselves).
    """
    if hasattr(name, "get"):
        name = name.get(ctx)
    text = str_form(name)
    fn = script.request_routes.get(text) if text is not None else None
    if fn is None:
        ctx.engine.log(-3, f"unknown route({text})", internal=True)
        return E_BUG
    ctx.rc = result = route_call(ctx, fn, params)
    return result


def ret_value(ctx: Any, value: Any) -> int:
    """``return($var)``: the int value; 1 for a string; -1 for NULL; 0 stops the script."""
    if value is None:
        code = -1
    elif isinstance(value, int):
        code = int(value)
    else:
        code = 1
    ctx.rc = code
    if code == 0:
        raise ScriptExit()
    return code


def return_values(*values: Any) -> tuple[Any, ...]:
    """``return(code, v1, ...)`` values as ``$return(n)`` reads them back (3.6 quirk:
    literal ints come back as strings, negative ones as unsigned 64 bit)."""
    return values


def switch_match(value: Any, labels: tuple[Any, ...], default: int) -> int:
    """Index of the first matching ``case`` (else ``default``: the default's index, or the
    number of cases when there is none). Strings match case-insensitively with equal
    length; numbers need an int form."""
    text = str_form(value)
    ival = value if isinstance(value, int) else (value.ival if type(value) is StrInt else None)
    for i, label in enumerate(labels):
        if label is None:
            continue
        if isinstance(label, str):
            if text is not None and len(text) == len(label) and text.lower() == label.lower():
                return i
        elif ival is not None and int(ival) == label:
            return i
    return default


XLOG_BUF_SIZE = 4096
_LEVELS = {"A": -3, "C": -2, "E": -1, "W": 1, "N": 2, "I": 3, "D": 4}


def xlog_level_of(name: str, default: int = 2) -> int:
    """``"L_WARN"`` → 1: OpenSIPS looks only at the third character."""
    return _LEVELS.get(name[2:3].upper(), default) if len(name) >= 3 else default


def xlog(ctx: Any, level: Any, fmt: Any) -> int:
    """``xlog([level,] fmt)``: returns 1, also when filtered out; -1 if too long."""
    if type(level) is not int:
        level = level.get(ctx)
        level = int(level) if isinstance(level, int) else 2
    text = fmt if type(fmt) is str else fmt.expand(ctx)
    if len(text) >= XLOG_BUF_SIZE:
        return -1
    ctx.engine.xlog(level, text)
    return 1


def log_stmt(ctx: Any, level: int, text: str) -> int:
    """Legacy ``log([level,] "text")``: goes to the OpenSIPS log, never to the transcript."""
    ctx.engine.log(level, text, internal=True)
    return 1


def for_each(ctx: Any, collection: Any):  # noqa: ANN201 (generator)
    """Values of a ``[*]`` collection, index 0 upwards, stopping at the first NULL."""
    i = 0
    get = collection.get_at
    while True:
        value = get(ctx, i)
        if value is None:
            return
        yield value
        i += 1


def run_async(ctx: Any, binding: Any, args: tuple[Any, ...], resume: Any, timeout: Any) -> None:
    """``async(f(...), resume)``: start ``f`` and end the script (``$rc`` 0)."""
    ctx.engine.start_async(ctx, binding, args, resume, timeout)
    ctx.rc = 0
    raise ScriptExit(suspended=True)


def run_launch(ctx: Any, binding: Any, args: tuple[Any, ...], report: Any, param: Any) -> int:
    """``launch(f(...)[, report[, "param"]])``: start ``f`` and continue at once."""
    return ctx.engine.start_launch(ctx, binding, args, report, param)


class ScriptAbort(Exception):  # noqa: N818  (the worker would abort(): nothing to continue)
    """``assert`` failed with ``abort_on_assert = yes``: OpenSIPS calls ``abort()``.

    osipsc never crashes the test process; this exception leaves the engine instead, so the
    test sees that production would have lost the worker."""


NO_ERROR_ROUTE_TYPES = ("onreply_route", "local_route")


def run_error_route(ctx: Any) -> None:
    """Run ``error_route`` from inside the interrupted route (``run_error_route(msg, 0)``).

    Never from reply or local routes, never re-entered while it runs. It is one more level
    on the route stack (``$route`` shows ``... > error_route``) with no ``$param``; its
    ``exit``/``drop`` stop the interrupted route too (the ScriptExit propagates).
    """
    if ctx.in_error_route or ctx.route_type.value in NO_ERROR_ROUTE_TYPES:
        return
    fn = ctx.engine.script.get_route("error_route")
    if fn is None:
        return
    saved = ctx.params
    ctx.params = ()
    ctx.in_error_route = True
    ctx.stack.append(fn)
    try:
        fn(ctx)
    finally:
        ctx.stack.pop()
        ctx.in_error_route = False
        ctx.params = saved


def assert_check(ctx: Any, cond: int, message: str | None, where: str) -> int:
    """``assert(cond[, "msg"])`` with ``enable_asserts``: 1 when the condition holds;
    else log "ASSERTION FAILED", run error_route and return 0 (stops the script), or abort
    the worker with ``abort_on_assert``."""
    if cond > 0:
        return 1
    text = f"ASSERTION FAILED ({message}) at {where}" if message else \
        f"ASSERTION FAILED at {where}"
    ctx.engine.log(-2, text, internal=True)
    if getattr(ctx.engine, "abort_on_assert", False):
        raise ScriptAbort(text)
    run_error_route(ctx)
    return 0
