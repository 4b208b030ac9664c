"""``Engine``: one OpenSIPS worker running a compiled script.

It owns what OpenSIPS keeps per process (``$var``, ``$rc``, ``$return``), the virtual clock
(timer routes, tm timers), per-module state, the function table users override, the async /
launch scheduler, and the outputs of each message (xlog records, datagrams sent). Routes
never run concurrently: async jobs execute on a worker pool, but their resume and report
routes run on the engine loop (``settle()``/``advance()``/``receive()``).
"""

from __future__ import annotations

import importlib
import re
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from .avp import AvpStore
from .clock import Clock
from .context import Context, RouteType, request_context
from .control import NotEmulated, ScriptError, ScriptExit, run_error_route
from .functions.registry import FunctionTable, builtin_async_functions
from .script import Script
from .sip.message import SipMessage, SipParseError
from .stats import ULONG, StatsRegistry

_KINDS = {rt.value: rt for rt in RouteType}
_MAIN_ROUTE = ("route", None)
#: ``Engine`` class attributes the hot paths read per message or per call (``__init__``)
_PER_MESSAGE_DEFAULTS = ("post_request_hook", "snapshot_hook", "receiving", "sockets")
_new_object = object.__new__

#: CPython's default collector thresholds, and the ones an Engine switches them to
_GC_DEFAULT = (700, 10, 10)
_GC_ENGINE = (700, 10, 100)


def _tune_gc() -> None:
    """Make full (generation 2) collections rarer, once per process, unless the program
    chose its own thresholds.

    tm transactions awaiting replies stay alive for seconds, so a busy engine's heap grows
    by tens of objects per message and every full collection rescans all of them: with the
    default third threshold that was a third of the mix benchmark's CPU time
    (benchmarks/runtime.py). Young cycles are still collected as often as before
    (generations 0 and 1 keep their thresholds), and tm frees finished transactions by
    reference counting (``TransactionManager._delete`` breaks their timer cycle), so the
    rarer full collections do not let memory grow (``--rss``)."""
    import gc

    if gc.get_threshold() == _GC_DEFAULT:
        gc.set_threshold(*_GC_ENGINE)


@dataclass(slots=True)
class Outcome:
    """What happened while the engine handled something (a message, a clock advance)."""

    xlog: list[tuple[int, str]] = field(default_factory=list)
    """xlog records that passed the xlog level: (level, text)."""
    packets: list[tuple[bytes, tuple[str, int], str]] = field(default_factory=list)
    """Datagrams sent: (data, destination, proto)."""
    logs: list[tuple[int, str]] = field(default_factory=list)
    """OpenSIPS's own log records (errors, warnings): never part of a transcript."""
    trace: list[Any] = field(default_factory=list)
    """Route flow records (``runtime.trace.TraceRecord``) when the engine traces."""

    @property
    def xlog_text(self) -> list[str]:
        return [t for _, t in self.xlog]


@dataclass(frozen=True, slots=True)
class RouteResult:
    """Control flags a top route ended with (``run_top_route``).

    Immutable: there are only five distinct results, so ``run_top_route`` hands out shared
    instances instead of building one per message."""

    exit: bool = False
    drop: bool = False
    suspended: bool = False


def _new_outcome() -> Outcome:
    """``Outcome()`` without the dataclass ``__init__`` and its factory calls (one outcome
    per received message); tests/test_engine_fastpaths.py checks it against ``Outcome()``."""
    out = _new_object(Outcome)
    out.xlog, out.packets, out.logs, out.trace = [], [], [], []
    return out


_CONTINUED = RouteResult()
_EXITED = RouteResult(exit=True)


class _EngineFunctions(FunctionTable):
    """The registry view of one engine; overriding a function drops the resolved cache."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self._engine = engine

    def __setitem__(self, name: str, impl: Callable[..., int]) -> None:
        super().__setitem__(name, impl)
        self._engine._impls.clear()

    def __delitem__(self, name: str) -> None:
        super().__delitem__(name)
        self._engine._impls.clear()


def _socket_of(params: dict[str, Any]) -> tuple[str, int]:
    for key in ("socket", "listen"):
        value = params.get(key)
        if isinstance(value, str):
            m = re.search(r"(?:[a-z]+:)?([0-9.]+|\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::(\d+))?", value)
            if m:
                return m.group(1), int(m.group(2) or 5060)
    return "127.0.0.1", 5060


class Engine:
    """Runs one compiled script like one OpenSIPS worker process."""

    post_request_hook: Callable[[Context], Any] | None = None
    """Called with the request's context after the request route (``ScriptEngine`` keeps
    it); a class attribute so the per-message check is a plain attribute read."""
    snapshot_hook: Callable[[Context], Any] | None = None
    """Set while tm holds the received request as its transaction's stored copy without
    having copied it (``TransactionManager._create``): called before anything that may
    change a message (a script function, a message pvar assignment, async/launch) so that
    tm takes its copy first. A class attribute: the per-call check is an attribute read."""
    receiving: Any = None
    """The request ``receive`` is running the request route on (None between messages):
    the one message tm may keep instead of copying, as nothing else holds it afterwards."""
    sockets: Any = None
    """Listening sockets ``(proto, host, port)`` a host may set (``local_sockets``); None:
    the receiving one. A class default, so the lookup rr makes per message finds it
    without raising AttributeError."""

    def __init__(self, module: ModuleType | Script, *, start: bool = True,
                 listen: tuple[str, int] | None = None,
                 trace: bool | Callable[[Any], Any] = False) -> None:
        script = module if isinstance(module, Script) else module.script
        self.script: Script = script
        self.module = module
        # the class-level None defaults read per message become instance attributes:
        # CPython 3.11 reads an instance attribute with a specialised instruction and a
        # class attribute through the generic lookup (a subclass's own value is kept)
        for name in _PER_MESSAGE_DEFAULTS:
            if getattr(type(self), name) is None:
                setattr(self, name, None)
        _tune_gc()
        params = script.params
        self.xlog_level = _int_param(params.get("xlog_level"), 2)
        self.xlog_level_default = self.xlog_level  # what `$xlog_level = NULL` restores
        self._default_avps = AvpStore()  # the worker's own list (startup/timer/event)
        self.enable_asserts = _bool_param(params.get("enable_asserts"))
        self.abort_on_assert = _bool_param(params.get("abort_on_assert"))
        self.max_while_loops = _int_param(params.get("max_while_loops"), 10000)
        self.listen = listen or _socket_of(params)
        self.modules = list(script.modules)
        self.modparams = list(script.modparams)
        self._modparam_memo: tuple[Any, int, dict[tuple[str, str], Any]] = (None, 0, {})
        self.vars: dict[str, Any] = {}
        self.rc = 0
        self.returns: tuple[Any, ...] = ()
        self._impls: dict[str, Callable[..., int]] = {}
        self.functions = _EngineFunctions(self)
        self._async_defs = builtin_async_functions()
        self.clock = Clock()
        self._states: dict[str, Any] = {}
        #: the statistics registry ``_count`` last saw and its Stats by (group, name)
        self._counted: tuple[Any, dict[tuple[str, str], Any]] = (None, {})
        self._factories: dict[str, Callable[[Engine], Any]] = {}
        self._ready: deque[Callable[[], Any]] = deque()
        self._jobs: list[tuple[Future[Any], Callable[[], Any]]] = []
        self._deferred: list[tuple[Any, Callable[[], Any]]] = []
        self._completed: deque[Callable[[], Any]] = deque()
        self.waiting_jobs = 0
        """Callback jobs started and not completed yet (an async MI command awaiting a reply)."""
        self._pool: ThreadPoolExecutor | None = None
        self.current = Outcome()
        self.startup_outcome: Outcome | None = None
        self.tracer: Any = None
        """A ``runtime.trace.Tracer`` when tracing (``trace=True`` or a callable sink)."""
        if trace:
            self.set_trace(trace)
        for name, interval in script.timers:
            self._arm_timer(name, interval)
        if start:
            self.startup_outcome = self.start()

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_cfg(cls, path: str | Path, **kwargs: Any) -> Engine:
        """Compile a cfg file in memory and run it (a convenience for tests and REPLs:
        the one place the runtime reaches for the compiler, lazily)."""
        compiler = importlib.import_module("osipsc.compiler.render")
        return cls(compiler.load_cfg_module(Path(path)), **kwargs)

    def set_trace(self, trace: bool | Callable[[Any], Any]) -> None:
        """Record the route flow of every message (``Outcome.trace``); a callable also gets
        each record as it happens (``osipsc run --trace`` prints them). False turns it off."""
        if not trace:
            self.tracer = None
            return
        from .trace import Tracer

        self.tracer = Tracer(self, trace if callable(trace) else None)

    # ------------------------------------------------------------------ module state
    def register_state_factory(self, name: str, factory: Callable[[Engine], Any]) -> None:
        self._factories.setdefault(name, factory)

    def state(self, name: str) -> Any:
        """Per-module state object, created on first use by its registered factory."""
        value = self._states.get(name)
        if value is None:
            factory = self._factories.get(name)
            if factory is None:
                from .state_factories import STATE_FACTORIES

                factory = STATE_FACTORIES.get(name)
            if factory is None:
                value = {}
            else:
                value = factory(self)
            self._states[name] = value
        return value

    @property
    def stats(self) -> Any:
        """The statistics registry (``core:``, ``sl:``, ``tm:``, script statistics)."""
        return self.state("statistics")

    def _count(self, group: str, name: str) -> None:
        stats = self._states.get("statistics")  # once created, skip the property (per message)
        if stats is not None and stats is self._counted[0]:
            # every message counts one: the Stat fetched once per registry, bumped as
            # ``StatsRegistry.inc`` does
            stat = self._counted[1].get((group, name))
            if stat is not None:
                if stat.func is None:
                    stat.value = (stat.value + 1) % ULONG
                return
        if stats is None:
            stats = self.stats
        if type(stats) is StatsRegistry:
            if stats is not self._counted[0]:
                self._counted = (stats, {})
            stat = stats.counter(group, name)
            if stat is not None:
                self._counted[1][(group, name)] = stat
                if stat.func is None:
                    stat.value = (stat.value + 1) % ULONG
            return
        inc = getattr(stats, "inc", None)
        if callable(inc):
            inc(group, name)

    def modparam(self, module: str, name: str) -> Any:
        """The first ``modparam`` for ``module``/``name`` (module given as a regex, as
        OpenSIPS allows). tm and registrar ask several per message, so answers are memoised;
        the memo follows ``self.modparams`` (a new list or a changed length resets it)."""
        params = self.modparams
        memo = self._modparam_memo
        if memo[0] is not params or memo[1] != len(params):
            memo = self._modparam_memo = (params, len(params), {})
        answers = memo[2]
        key = (module, name)
        if key in answers:
            return answers[key]
        found = None
        for mod, pname, value in params:
            if pname == name and re.fullmatch(str(mod), module):
                found = value
                break
        answers[key] = found
        return found

    def time(self) -> float:
        return self.clock.now()

    # ------------------------------------------------------------------ functions
    def resolve(self, name: str) -> Callable[..., int]:
        """The implementation of a script function for this engine."""
        impl = self._impls.get(name)
        if impl is None:
            try:
                impl = self.functions[name]
            except KeyError:
                raise NotEmulated(name) from None
            self._impls[name] = impl
        return impl

    # ------------------------------------------------------------------ outputs
    def xlog(self, level: int, text: str) -> None:
        """An xlog record: kept when ``level`` passes the current xlog level."""
        if level <= self.xlog_level:
            self.current.xlog.append((level, text))

    def log(self, level: int, text: str, internal: bool = True) -> None:
        """OpenSIPS's own log (module/core messages); never in a transcript."""
        self.current.logs.append((level, text))

    def send(self, data: bytes | str, dst: tuple[str, int], proto: str = "udp") -> None:
        """Record a datagram; the destination as a ``(str, int)`` pair (one already in
        that form, as tm and the builders pass it, is kept as is)."""
        if type(data) is not bytes and isinstance(data, str):
            data = data.encode("latin-1")
        if not (type(dst) is tuple and len(dst) == 2 and type(dst[0]) is str
                and type(dst[1]) is int):
            dst = (str(dst[0]), int(dst[1]))
        self.current.packets.append((data, dst, proto))

    # ------------------------------------------------------------------ routes
    def new_context(self, msg: Any, route_type: RouteType | str = RouteType.REQUEST,
                    avps: AvpStore | None = None, flags: set[str] | None = None) -> Context:
        if type(route_type) is not RouteType:  # a cfg keyword or a member name
            route_type = RouteType[route_type] if route_type in RouteType.__members__ \
                else _KINDS.get(route_type, RouteType.REQUEST)
        return Context(self, msg, route_type, avps, flags)

    def run_top_route(self, kind: str, name: str | None, ctx: Context,
                      params: tuple[Any, ...] = ()) -> RouteResult:
        """Run a top route (request, reply, failure, branch, resume, timer...) on ``ctx``.

        ``$rc`` and ``$return`` come from the worker and go back to it; ``$param`` is empty
        unless the caller (launch report routes, event routes) set ``ctx.params``.
        """
        fn = self.script.routes.get((kind, name))
        if fn is None:
            return _CONTINUED
        ctx.rc = self.rc
        ctx.returns = ()  # script_return_push() at a top route frees the last values
        ctx.vars = self.vars
        ctx.depth = 1
        ctx.params = params
        ctx.max_while_loops = self.max_while_loops
        ctx.stack = []
        ctx.top = name
        return self._run_top(fn, ctx)

    def _run_top(self, fn: Callable[[Context], Any], ctx: Context) -> RouteResult:
        """``run_top_route`` once ``ctx`` is set up: run ``fn`` and turn how it ended into
        a ``RouteResult`` (script errors logged, error_route run, tracebacks rewritten to
        cfg lines); ``$rc`` and ``$return`` go back to the worker whatever happened."""
        result = _CONTINUED
        try:
            if self.tracer is None:
                fn(ctx)
            else:
                self.tracer.run(ctx, fn)
        except ScriptExit as stop:
            if stop.drop or stop.suspended:
                result = RouteResult(True, stop.drop, stop.suspended)
            else:
                result = _EXITED
        except ScriptError as exc:
            result = _EXITED
            loc = self.script.locate(exc.__traceback__)
            where = f"{loc[0]}:{loc[1]}: " if loc else ""
            self.log(-1, f"{where}{exc}")
            try:  # a fatal action error: error_route if defined (decisions.md), then stop
                run_error_route(ctx)
            except ScriptExit:
                pass
            except Exception as inner:
                raise self.script.rewrite_traceback(inner) from None
        except NotEmulated as exc:
            exc.location = self.script.locate(exc.__traceback__)
            raise self.script.rewrite_traceback(exc) from None
        except Exception as exc:
            raise self.script.rewrite_traceback(exc) from None
        finally:
            self.rc = ctx.rc
            self.returns = ctx.returns
        if result.drop:
            ctx.extra["dropped"] = True
        return result

    def _dummy_message(self) -> Any:
        from .sip.dummy import dummy_message

        return dummy_message()

    def start(self) -> Outcome:
        """Run ``startup_route`` (once) and return what it produced."""
        self.current = out = Outcome()
        if self.script.get_route("startup_route") is not None:
            ctx = self.new_context(self._dummy_message(), RouteType.STARTUP,
                                   self._default_avps)
            self.run_top_route("startup_route", None, ctx)
        self._drain()
        return out

    def _take_default_avps(self) -> AvpStore:
        """The worker's default AVP list, left for the next user and then forgotten.

        startup_route is not followed by a reset, so what it leaves is seen by the first
        timer/event route or message of the worker; those clear the list after their run
        (``reset_avps()`` in receive.c, timer.c, event_route.c)."""
        avps = self._default_avps
        self._default_avps = AvpStore()
        return avps

    def raise_event(self, name: str, params: dict[str, Any] | None = None) -> Outcome:
        """Deliver an Event Interface event to ``event_route[name]``: a dummy request,
        ``$param(name)`` / ``$param(n)`` (1-based) over ``params``, the default AVP list
        cleared afterwards. Returns what the route produced."""
        self.current = out = Outcome()
        if self.script.get_route("event_route", name) is not None:
            ctx = self.new_context(self._dummy_message(), RouteType.EVENT,
                                   self._take_default_avps())
            self.run_top_route("event_route", name, ctx, dict(params or {}))
        self._drain()
        return out

    def _arm_timer(self, name: str, interval: int) -> None:
        step = max(1, int(interval or 1))

        def fire() -> None:
            ctx = self.new_context(self._dummy_message(), RouteType.TIMER,
                                   self._take_default_avps())
            self.run_top_route("timer_route", name, ctx)
            self.clock.call_later(step, fire)

        self.clock.call_later(step, fire)

    # ------------------------------------------------------------------ messages
    def receive(self, data: bytes | str, src: tuple[str, int] = ("127.0.0.1", 5070),
                proto: str = "udp") -> Outcome:
        """Handle one datagram: the request route, or the reply path (tm, onreply_route)."""
        if type(data) is not bytes and isinstance(data, str):
            data = data.encode("latin-1")
        self.current = out = _new_outcome()
        try:
            msg = SipMessage.parse(data, src=src, dst=self.listen, proto=proto)
        except SipParseError as exc:
            self.log(-1, f"bad message: {exc}")
            return out
        if msg.is_request:
            self._count("core", "rcv_requests")
            # new_context's Context, without its frame (it is not overridden)
            ctx = request_context(self, msg, self._take_default_avps()
                                  if self._default_avps._lists else None)
            fn = self.script.routes.get(_MAIN_ROUTE)  # run_top_route, without its frame
            if fn is None:
                result = _CONTINUED
            else:
                self.receiving = msg
                result = self._run_top(fn, ctx)
                self.receiving = None
            hook = self.post_request_hook  # _after_request, without its frame
            if hook is not None:
                hook(ctx)
            if self._ready or self._deferred:
                self._drain()
            if not result.suspended:
                self._release_request(ctx)
            return out
        self._count("core", "rcv_replies")
        ctx = self.new_context(msg, RouteType.ONREPLY)
        result = self.run_top_route("onreply_route", None, ctx)
        if not (result.drop and _reply_code(msg) < 200):
            self._reply_to_tm(msg)
        self._drain()
        return out

    def _release_request(self, ctx: Context) -> None:
        """The request is done (OpenSIPS resets ``T`` after the request route): drop tm's
        binding of this message, which otherwise kept every received request alive (the
        RSS leak of benchmarks/runtime.py --rss). A suspended request keeps it for its
        resume route."""
        if "tm" not in self.modules:
            return
        tm = self._states.get("tm")
        if tm is None:
            return
        release = getattr(tm, "release", None)
        if release is not None:
            release(ctx)
        elif hasattr(tm, "unbind"):
            tm.unbind(ctx)

    def _after_request(self, ctx: Context) -> None:
        hook = self.post_request_hook
        if hook is not None:
            hook(ctx)

    def _reply_to_tm(self, msg: Any) -> None:
        if "tm" not in self.modules:
            return
        try:
            from .tm import get_manager
        except ImportError:  # pragma: no cover - tm room not present
            return
        get_manager(self).on_reply(self, msg)

    # ------------------------------------------------------------------ async / launch
    def _starter(self, binding: Any) -> Callable[..., Any]:
        override = self.functions._overrides.get(binding.name)  # noqa: SLF001
        if override is not None:
            return override
        fdef = self._async_defs.get(binding.name)
        if fdef is None:
            raise NotEmulated(binding.name)
        return fdef.impl

    def _submit(self, job: Any, then: Callable[[], Any]) -> None:
        """Queue a job; it is dispatched once the current top route has ended (``_drain``).

        OpenSIPS hands the job to an idle worker; with one worker that is this process once
        it is idle, so nothing the route does after ``launch`` can race with the job
        (recorded: launch-errors, a sync fetch right after a launched store misses it).
        """
        self._deferred.append((job, then))

    def _dispatch(self) -> None:
        """Start the queued jobs: ``run()`` on the worker pool, or ``start(done)`` on the
        engine loop for jobs that complete through a callback (async MI commands such as
        ``t_uac_dlg``, whose reply comes from a SIP reply or a tm timer of this engine)."""
        deferred, self._deferred = self._deferred, []
        for job, then in deferred:
            start = getattr(job, "start", None)
            if callable(start):
                self.waiting_jobs += 1
                start(lambda then=then: self._completed.append(then))
                continue
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=4,
                                                thread_name_prefix="osipsc-async")
            self._jobs.append((self._pool.submit(job.run), then))

    def _run_blocking(self, job: Any, ctx: Context) -> int:
        """Sync mode: the worker blocks on the job, then the outcome goes into ``ctx``."""
        start = getattr(job, "start", None)
        if callable(start):
            box: list[bool] = []
            start(lambda: box.append(True))
            if not self.block_until(lambda: bool(box)):
                self.log(-1, "async job never completed (sync mode): no reply")
        else:
            job.run()
        return job.finish(ctx)

    def block_until(self, done: Callable[[], bool], limit: float = 3600.0) -> bool:
        """Block the worker until ``done()``, as an OpenSIPS process blocked on I/O.

        Time passes meanwhile: the virtual clock jumps to each due timer in turn and fires
        it (tm's fr timer answering 408, timer routes), so a reply that depends on the clock
        arrives. False when nothing is left to fire within ``limit`` virtual seconds.
        """
        deadline = self.clock.now() + limit
        while not done():
            handle = self.clock.pop_due(deadline)
            if handle is None:
                return False
            handle.fire()
        return True

    def start_async(self, ctx: Context, binding: Any, args: tuple[Any, ...], resume: Any,
                    timeout: Any) -> None:
        """``async(f(...), resume)``: the current script ends; ``resume`` runs later.

        Without tm nothing starts and nothing resumes (OpenSIPS: "BUG in async expression",
        the script just stops). Outside request routes (reply routes: see below), and for
        an ACK, tm runs the job in sync mode: the worker blocks on it, then runs ``resume``
        inline on the same message and route type (runtime.md §3.4).
        """
        if self.snapshot_hook is not None:
            self.snapshot_hook(ctx)
        txn = None
        resume_ctx: Context = ctx
        if "tm" not in self.modules:
            self.log(-3, "BUG in async expression (is the 'tm' module loaded?)")
            return
        resume_name = self.script.route_names[resume][1]
        if timeout is not None:  # no emulated async function has a timeout handler
            self.log(-2, "this async function has no support for timeouts -- still using an "
                         "infinite timeout!")
        # tm suspends a reply too (cloned into the transaction) and relays it after the
        # resume route; osipsc runs reply routes' async in sync mode instead: same routes,
        # same order for that reply, only no other message can run in between
        if ctx.route_type is not RouteType.REQUEST or \
                getattr(ctx.msg, "method", None) == "ACK":
            self.log(-2, "async detected in non-request or reply route, using sync mode")
            converted = binding.convert(ctx, args)
            started: Any = -1 if converted is None else self._starter(binding)(ctx, *converted)
            self.rc = started if isinstance(started, int) else self._run_blocking(started, ctx)
            self.run_top_route("route", resume_name, ctx)
            return
        if "tm" in self.modules:
            try:
                from .tm import get_manager

                txn = get_manager(self).ensure_transaction(ctx)
            except ImportError:  # pragma: no cover
                txn = None
            if txn is None:
                return
        converted = binding.convert(ctx, args)
        outcome: Any = -1 if converted is None else self._starter(binding)(ctx, *converted)

        def make_ctx() -> Context:
            if txn is not None and hasattr(txn, "resume_context"):
                return txn.resume_context(self)
            new = self.new_context(resume_ctx.msg, resume_ctx.route_type, resume_ctx.avps,
                                   resume_ctx.flags)
            return new

        def run_resume(code: Callable[[Context], int] | int) -> None:
            rctx = make_ctx()
            self.rc = code(rctx) if callable(code) else code
            self.run_top_route("route", resume_name, rctx)

        if isinstance(outcome, int):
            self._ready.append(lambda: run_resume(outcome))
        else:
            self._submit(outcome, lambda: run_resume(outcome.finish))

    def start_launch(self, ctx: Context, binding: Any, args: tuple[Any, ...], report: Any,
                     param: Any) -> int:
        """``launch(f(...), report, param)``: continue now, run ``report`` on completion."""
        if self.snapshot_hook is not None:
            self.snapshot_hook(ctx)
        if "tm" not in self.modules:
            self.log(-3, "BUG in launch expression")
            return -5
        converted = binding.convert(ctx, args)
        if converted is None:  # parameter fix-up failed: an error, not "no I/O" (§3.5)
            return -1
        text = param.expand(ctx) if hasattr(param, "expand") else param
        outcome = self._starter(binding)(ctx, *converted)
        if isinstance(outcome, int):
            return 1

        def run_report() -> None:
            rctx = self.new_context(self._dummy_message(), RouteType.REQUEST, AvpStore())
            self.rc = outcome.finish(rctx)
            if report is not None:
                self.run_top_route("route", self.script.route_names[report][1], rctx,
                                   params=(text,) if text is not None else ())

        self._submit(outcome, run_report)
        return 1

    def _drain(self) -> None:
        """After a top route: inline resumes (no-I/O async), then dispatch queued jobs.

        Dispatched jobs never resume here: ``receive()`` can be called any number of times
        with jobs in flight; their resume/report routes run in ``settle()``/``advance()``.
        """
        while self._ready or self._deferred:
            while self._ready:
                self._ready.popleft()()
            self._dispatch()

    def settle(self) -> Outcome:
        """Run pending async work and its resume/report routes until nothing is pending.

        Pool jobs are waited for; callback jobs (``waiting_jobs``: async MI commands) only
        complete on a SIP reply (``receive``) or a timer (``advance``), never by waiting.
        """
        while self._ready or self._deferred or self._jobs or self._completed:
            self._drain()
            jobs, self._jobs = self._jobs, []
            for future, then in jobs:
                future.result()
                then()
            while self._completed:
                self.waiting_jobs -= 1
                self._completed.popleft()()
        return self.current

    def advance(self, seconds: float) -> Outcome:
        """Move the virtual clock forward, firing due timers (and settling async work)."""
        self.settle()
        until = self.clock.now() + seconds
        while True:
            handle = self.clock.pop_due(until)
            if handle is None:
                break
            handle.fire()
            self.settle()
        self.clock.set(until)
        return self.current

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def _bool_param(value: Any) -> bool:
    """A cfg bool global (``yes``/``on``/``true``/non-zero number)."""
    if isinstance(value, str):
        return value.strip().lower() in ("yes", "on", "true", "1")
    return bool(value)


def _int_param(value: Any, default: int) -> int:
    if isinstance(value, int):
        return value
    try:
        return int(str(value), 0)
    except (TypeError, ValueError):
        return default


def _reply_code(msg: Any) -> int:
    for attr in ("status", "code", "status_code"):
        value = getattr(msg, attr, None)
        if isinstance(value, int):
            return value
    return 200
