"""``mi()`` of the mi_script module: the sync function and its async starter.

The semantics live in ``osipsc.runtime.mi.script``; this file binds them to the script
context: the per-engine MI registry (``get_state(engine, "mi")``), the AVP stacks named by
the ``params_avp`` / ``vals_avp`` arguments and the ``ret_var`` PV object.

``async(mi(...), r)`` / ``launch(mi(...), r)``: the starter resolves the command and builds
the params at once (as OpenSIPS does in the calling process). When that fails it returns a
``NoIO`` int (``-1`` unknown command, ``-2`` bad params): for ``async`` the resume route runs
at once with that ``$rc``; for ``launch`` a ``NoIO`` result means **no report route at all**
(``launch`` itself leaves ``$rc`` 1). Otherwise it returns an ``MIJob`` (``AsyncJob``), or
for an asynchronous MI command (``t_uac_dlg``) an ``MICommandJob``: its reply depends on this
engine's SIP replies and virtual clock, so it is started on the engine loop (``start``) and
completes through the command's reply callback instead of blocking a pool thread.

The sync ``mi()`` of an asynchronous MI command blocks until the reply (decisions.md; OpenSIPS
3.6 crashes there): the worker blocks while virtual time passes (``Engine.block_until`` fires
due timers, e.g. tm's fr timer giving ``{"Status":"408 Request Timeout"}``). A command that
never replies within an hour of virtual time makes ``mi()`` return -3 with ``failed to build
MI response`` (the no-response row of the §3.1 table).
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
    if prepared.is_async:
        response = _wait_for_async_command(ctx, prepared)
    else:
        response = prepared.run()
    return store(ctx, ret_var, interpret(response, pretty_printing(ctx.engine)))


def _wait_for_async_command(ctx: Any, prepared: PreparedCall) -> MIResponse | None:
    """Start an async MI command and block (in virtual time) until its final reply."""
    box: list[MIResponse] = []
    prepared.start(box.append)
    block_until = getattr(ctx.engine, "block_until", None)
    if not box and callable(block_until):
        block_until(lambda: bool(box))
    if not box:
        ctx.engine.log(-1, f"mi(): no reply from asynchronous MI command {prepared.method}")
        return None
    return box[0]


class MIJob:
    """``AsyncJob`` of ``mi()``: ``start(done)`` executes the command when the engine
    dispatches it (``run()`` is the same for callers without a loop), ``finish(ctx)`` stores
    ``ret_var`` and returns the resume/report ``$rc``."""

    def __init__(self, prepared: PreparedCall, ret_var: Any, pretty: bool) -> None:
        self.prepared = prepared
        self.ret_var = ret_var
        self.pretty = pretty
        self.response: MIResponse | None = None

    def run(self) -> None:
        self.response = self.prepared.run()

    def start(self, done: Any) -> None:
        """Run on the engine loop once the route has ended (as the one idle worker would):
        deterministic, and no MI handler ever races a route over module state."""
        self.run()
        done()

    def finish(self, ctx: Any) -> int:
        rc = store(ctx, self.ret_var, interpret(self.response, self.pretty))
        return -2 if rc == 0 else rc  # a job completed with code 0 resumes with -2


class MICommandJob(MIJob):
    """``MIJob`` of an asynchronous MI command: ``start(done)`` runs on the engine loop and
    ``done()`` is called with the command's final reply (never from a pool thread)."""

    def start(self, done: Any) -> None:
        def on_reply(response: MIResponse) -> None:
            self.response = response
            done()

        self.prepared.start(on_reply)


@export_async("mi", module="mi_script")
def mi_async(ctx: Any, command: str, ret_var: Any = None, params_avp: Any = None,
             vals_avp: Any = None) -> int | MIJob:
    """Async starter: ``NoIO(-1)``/``NoIO(-2)`` on early failure, else an ``MIJob``."""
    prepared = _prepare(ctx, command, params_avp, vals_avp)
    if isinstance(prepared, Outcome):
        if prepared.rc == -2:  # the async path words its error differently
            prepared = Outcome(-2, ASYNC_PARSE_FAILED)
        return NoIO(store(ctx, ret_var, prepared))
    job_class = MICommandJob if prepared.is_async else MIJob
    return job_class(prepared, ret_var, pretty_printing(ctx.engine))
