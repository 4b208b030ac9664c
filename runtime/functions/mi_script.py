"""``mi()`` of the mi_script module: the sync function and its async starter.

The semantics live in ``osipsc.runtime.mi.script``; this file binds them to the script
context: the per-engine MI registry (``get_state(engine, "mi")``), the AVP stacks named by
the ``params_avp`` / ``vals_avp`` arguments and the ``ret_var`` PV object.

``async(mi(...), r)`` / ``launch(mi(...), r)``: the starter resolves the command and builds
the params at once (as OpenSIPS does in the calling process). When that fails it returns a
``NoIO`` int (``-1`` unknown command, ``-2`` bad params): for ``async`` the resume route runs
at once with that ``$rc``; for ``launch`` a ``NoIO`` result means **no report route at all**
(``launch`` itself leaves ``$rc`` 1). Otherwise it returns an ``MIJob`` (``AsyncJob``).
"""

from __future__ import annotations

from typing import Any

from ..mi.registry import MIRegistry, MIResponse
from ..mi.script import Outcome, PreparedCall, interpret, prepare
from ..state_factories import get_state, modparams
from .registry import export, export_async

ASYNC_PARSE_FAILED = "could not parse parameters"


class NoIO(int):
    """A starter result that started no asynchronous work: ``launch`` reports nothing."""

    no_io = True


def _avp_values(ctx: Any, pv: Any) -> list[int | str] | None:
    """All values of the AVP named by ``pv``, newest first (``None`` if no AVP given).

    Accepts PV objects exposing ``get_all(ctx)``, or an AVP name through ``avp_name`` /
    ``sub`` / ``inner`` / ``key``, or a plain name string.
    """
    if pv is None:
        return None
    get_all = getattr(pv, "get_all", None)
    if callable(get_all):
        return list(get_all(ctx))
    return list(ctx.avps.get_all(avp_name(pv)))


def avp_name(pv: Any) -> str:
    """The AVP name behind a PV argument (see ``_avp_values``)."""
    if isinstance(pv, str):
        return pv
    for attr in ("avp_name", "sub", "inner", "key"):
        value = getattr(pv, attr, None)
        if isinstance(value, str):
            return value
    raise TypeError(f"mi(): not an AVP parameter: {pv!r}")


def pretty_printing(engine: Any) -> bool:
    """``modparam("mi_script","pretty_printing",1)`` (last value wins)."""
    values = modparams(engine, "mi_script", "pretty_printing")
    if not values:
        return False
    try:
        return int(values[-1]) != 0
    except (TypeError, ValueError):
        return False


def registry_of(ctx: Any) -> MIRegistry:
    return get_state(ctx.engine, "mi")


def store(ctx: Any, ret_var: Any, outcome: Outcome) -> int:
    """Write the outcome into ``ret_var``; a failed write makes ``$rc`` -3."""
    if ret_var is None or not outcome.store:
        return outcome.rc
    result = ret_var.set(ctx, outcome.text)
    if isinstance(result, int) and result < 0:
        return -3
    return outcome.rc


def _prepare(ctx: Any, command: str, params_avp: Any, vals_avp: Any
             ) -> PreparedCall | Outcome:
    names = _avp_values(ctx, params_avp)
    values = _avp_values(ctx, vals_avp)
    return prepare(registry_of(ctx), command, names, values)


@export("mi", module="mi_script")
def mi(ctx: Any, command: str, ret_var: Any = None, params_avp: Any = None,
       vals_avp: Any = None) -> int:
    """Run an MI command synchronously; ``$rc`` and ``ret_var`` per runtime.md §3.1."""
    prepared = _prepare(ctx, command, params_avp, vals_avp)
    if isinstance(prepared, Outcome):
        return store(ctx, ret_var, prepared)
    return store(ctx, ret_var, interpret(prepared.run(), pretty_printing(ctx.engine)))


class MIJob:
    """``AsyncJob`` of ``mi()``: ``run()`` executes the command on the worker pool (it may
    wait for an async MI command's reply), ``finish(ctx)`` stores ``ret_var`` and returns
    the resume/report ``$rc``."""

    def __init__(self, prepared: PreparedCall, ret_var: Any, pretty: bool) -> None:
        self.prepared = prepared
        self.ret_var = ret_var
        self.pretty = pretty
        self.response: MIResponse | None = None

    def run(self) -> None:
        self.response = self.prepared.run()

    def finish(self, ctx: Any) -> int:
        rc = store(ctx, self.ret_var, interpret(self.response, self.pretty))
        return -2 if rc == 0 else rc  # a job completed with code 0 resumes with -2


@export_async("mi", module="mi_script")
def mi_async(ctx: Any, command: str, ret_var: Any = None, params_avp: Any = None,
             vals_avp: Any = None) -> int | MIJob:
    """Async starter: ``NoIO(-1)``/``NoIO(-2)`` on early failure, else an ``MIJob``."""
    prepared = _prepare(ctx, command, params_avp, vals_avp)
    if isinstance(prepared, Outcome):
        if prepared.rc == -2:  # the async path words its error differently
            prepared = Outcome(-2, ASYNC_PARSE_FAILED)
        return NoIO(store(ctx, ret_var, prepared))
    return MIJob(prepared, ret_var, pretty_printing(ctx.engine))
