"""Per-execution state: what one OpenSIPS worker knows while a route runs.

OpenSIPS keeps ``$rc``, ``$var`` and the ``$return`` values per *process*; the message, its
AVP list and flags per *message*. A ``Context`` carries both kinds: the per-process ones are
copied in from the ``Engine`` (the one worker) when a top route starts and written back when
it ends, so nested top routes (a failure route fired by tm, a resume route) behave as in the
C code without every statement paying for an indirection.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from .avp import AvpStore


class RouteType(str, Enum):
    """Route types as OpenSIPS's ``route_type``; the value is the cfg keyword."""

    REQUEST = "route"
    FAILURE = "failure_route"
    ONREPLY = "onreply_route"
    BRANCH = "branch_route"
    ERROR = "error_route"
    LOCAL = "local_route"
    STARTUP = "startup_route"
    TIMER = "timer_route"
    EVENT = "event_route"


class Context:
    """State seen by generated route code and by function implementations.

    Stable surface for other rooms: ``msg``, ``engine``, ``avps``, ``flags``, ``route_type``,
    ``rc``. The rest (``vars``, ``params``, ``returns``, ``depth``) belongs to the runtime core.
    """

    __slots__ = (
        "engine",
        "msg",
        "avps",
        "flags",
        "route_type",
        "rc",
        "vars",
        "params",
        "returns",
        "depth",
        "max_while_loops",
        "extra",
        "stack",
        "top",
        "in_error_route",
    )

    def __init__(
        self,
        engine: Any,
        msg: Any = None,
        route_type: RouteType = RouteType.REQUEST,
        avps: AvpStore | None = None,
        flags: set[str] | None = None,
    ) -> None:
        self.engine = engine
        self.msg = msg
        self.route_type = route_type
        self.avps = avps if avps is not None else AvpStore()
        self.flags: set[str] = flags if flags is not None else set()
        self.rc: int = 0
        self.vars: dict[str, Any] = {} if engine is None else engine.vars
        self.params: tuple[Any, ...] = ()
        self.returns: tuple[Any, ...] = ()
        self.depth = 0
        self.max_while_loops = 10000 if engine is None else engine.max_while_loops
        self.extra: dict[str, Any] = {}
        """Free slot for modules that attach per-message data (tm transaction, ...)."""
        self.stack: list[Any] = []
        """Route functions entered by ``route()`` below the top route (``$route``)."""
        self.top: str | None = None
        """Name of the top route (``timer_route[name]``, a resume route); None if unnamed."""
        self.in_error_route = False
        """error_route is never re-entered while it runs (``action.c``)."""

    def __repr__(self) -> str:
        return f"<Context {self.route_type.value} rc={self.rc} depth={self.depth}>"


_new_object = object.__new__
_REQUEST = RouteType.REQUEST


def request_context(engine: Any, msg: Any, avps: AvpStore | None) -> Context:
    """The context of a received request, ready for its request route: what
    ``Context(engine, msg, RouteType.REQUEST, avps)`` followed by the top-route setup of
    ``Engine.run_top_route`` gives (the worker's ``$rc``, ``$var`` and loop limit, depth 1),
    built in one frame without ``__init__``: one is made per message.
    ``tests/test_engine_fastpaths.py`` checks every slot against that two-step way."""
    ctx = _new_object(Context)
    ctx.engine = engine
    ctx.msg = msg
    ctx.route_type = _REQUEST
    if avps is None:
        avps = _new_object(AvpStore)
        avps._lists = {}  # noqa: SLF001 - AvpStore() without its frame
    ctx.avps = avps
    ctx.flags = set()
    ctx.rc = engine.rc
    ctx.vars = engine.vars
    ctx.params = ctx.returns = ()
    ctx.depth = 1
    ctx.max_while_loops = engine.max_while_loops
    ctx.extra = {}
    ctx.stack = []
    ctx.top = None
    ctx.in_error_route = False
    return ctx
