"""``Script``: what a generated module builds at import time, and how it is run.

The generated module creates one ``Script`` and, through it, every object its routes use:
function bindings (with the call adapter that converts cfg arguments per the OpenSIPS
parameter kinds), compiled pseudo-variables, format strings and regexes, the route table,
and at the end the line map (generated line → cfg file, line). Route bodies then make direct
calls with no lookups by name.

The line map also serves traceback rewriting, as Jinja2 does for templates: a Python
exception escaping a route gets its generated-module frames replaced by frames that point at
the cfg file and line, so users see *their* script in the traceback.
"""

from __future__ import annotations

import bisect
import ipaddress
import linecache
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from .control import NotEmulated
from .format import Format
from .pv import PV, make_pv
from .values import int_form, str_form

ABI = 1
"""Bumped whenever the generated-module ↔ runtime contract changes incompatibly."""

FAIL = object()
"""Marker: an argument conversion failed, the function is not called (result -1)."""


class AbiMismatch(ImportError):
    """The generated module was produced for another runtime ABI: recompile it."""


# --------------------------------------------------------------------------- call adapter


def _conv_int(ctx: Any, arg: Any, pos: int, name: str) -> Any:
    if arg is None or type(arg) is int:
        return arg
    if isinstance(arg, str):
        try:
            return int(arg, 0)
        except ValueError:
            return FAIL
    value = arg.get(ctx)
    ival = int_form(value)
    if ival is None:
        ctx.engine.log(-1, f"Variable in param [{pos}] is not an integer", internal=True)
        return FAIL
    return ival


def _conv_str(ctx: Any, arg: Any, pos: int, name: str) -> Any:
    if arg is None or type(arg) is str:
        return arg
    if type(arg) is Format:  # expand() always gives text
        return arg.expand(ctx)
    if type(arg) is int:
        return str(arg)
    value = arg.get(ctx)
    if value is None:
        if isinstance(arg, PV):
            ctx.engine.log(-1, f"Variable in param [{pos}] is NULL", internal=True)
            return FAIL
        return ""
    return str_form(value)


def _conv_re(ctx: Any, arg: Any, pos: int, name: str) -> Any:
    if arg is None or not hasattr(arg, "get"):
        return arg
    value = arg.get(ctx)
    if value is None:
        return FAIL
    from .regex import RegexError, compile_posix

    try:
        return compile_posix(str_form(value), icase=True, newline=True)
    except RegexError:
        return FAIL


def _conv_var(ctx: Any, arg: Any, pos: int, name: str) -> Any:
    return arg


def _conv_any(ctx: Any, arg: Any, pos: int, name: str) -> Any:
    if arg is None or type(arg) in (int, str):
        return arg
    if isinstance(arg, (PV, Format)):
        return arg.get(ctx)
    return arg


_CONVERTERS: dict[str, Callable[[Any, Any, int, str], Any]] = {
    "int": _conv_int,
    "str": _conv_str,
    "re": _conv_re,
    "regex": _conv_re,
    "var": _conv_var,
}


#: argument types each converter returns as they are (``None`` = omitted optional)
_PLAIN_TYPES: dict[Callable[[Any, Any, int, str], Any], frozenset[type]] = {
    _conv_int: frozenset({type(None), int}),
    _conv_str: frozenset({type(None), str}),
    _conv_any: frozenset({type(None), int, str}),
}


def _kind(spec: str) -> str:
    """``"str:fixnull?"`` → ``"str"``; ``"var?>"`` → ``"var"``."""
    base = spec.split(":", 1)[0].rstrip("?>")
    return base


class FunctionBinding:
    """One script function as the generated module calls it: ``f(ctx, *cfg_args) -> int``.

    Arguments arrive as compiled objects (literals, ``PV``, ``Format``) and are converted per
    the parameter kinds before the implementation (resolved per engine, so users can replace
    it with ``engine.functions[name] = impl``) is called.
    """

    __slots__ = ("name", "kinds", "convs", "is_async", "plain", "call")

    def __init__(self, name: str, kinds: tuple[str, ...] = (), is_async: bool = False) -> None:
        self.name = name
        self.kinds = kinds
        self.convs = tuple(_CONVERTERS.get(_kind(k), _conv_any) for k in kinds)
        self.is_async = is_async
        #: per parameter, the argument types its converter returns unchanged (decided once,
        #: here): a call whose arguments are all such literals skips conversion entirely
        self.plain = tuple(_PLAIN_TYPES.get(conv, frozenset()) for conv in self.convs)
        self.call: Callable[..., int] = self._make_call()
        """The binding as a plain function (what ``Script.function`` hands to generated
        code): calling a function costs about half of calling an instance's ``__call__``."""

    def __repr__(self) -> str:
        return f"<function {self.name}>"

    def convert(self, ctx: Any, args: tuple[Any, ...]) -> list[Any] | None:
        """Converted arguments, or None when one of them cannot be converted."""
        convs = self.convs
        out = []
        for i, arg in enumerate(args):
            conv = convs[i] if i < len(convs) else _conv_any
            value = conv(ctx, arg, i + 1, self.name)
            if value is FAIL:
                return None
            out.append(value)
        return out

    def __call__(self, ctx: Any, *args: Any) -> int:
        return self.call(ctx, *args)

    def _make_call(self) -> Callable[..., int]:
        name = self.name
        convert = self.convert
        plain = self.plain
        n_plain = len(plain)
        plain0 = plain[0] if n_plain else frozenset()
        plain1 = plain[1] if n_plain > 1 else frozenset()
        conv0 = self.convs[0] if n_plain else _conv_any

        def call(ctx: Any, *args: Any) -> int:
            engine = ctx.engine
            try:  # the engine's resolved-implementation cache, inline
                impl = engine._impls[name]  # noqa: SLF001
            except (KeyError, AttributeError):  # first call on this engine, or a stand-in
                impl = engine.resolve(name)
                hook = getattr(engine, "snapshot_hook", None)
                if hook is not None:
                    hook(ctx)
            else:
                if engine.snapshot_hook is not None:  # tm's deferred copy of the request
                    engine.snapshot_hook(ctx)
            if not args:
                return impl(ctx)
            n = len(args)
            if n == 1:
                if n_plain:  # convert(), unrolled for the one-argument call
                    arg = args[0]
                    if type(arg) in plain0:
                        return impl(ctx, arg)
                    value = conv0(ctx, arg, 1, name)
                    return -1 if value is FAIL else impl(ctx, value)
            elif n == 2:
                if n_plain >= 2 and type(args[0]) in plain0 and type(args[1]) in plain1:
                    return impl(ctx, args[0], args[1])
            elif n <= n_plain:
                for arg, types in zip(args, plain, strict=False):
                    if type(arg) not in types:
                        break
                else:
                    return impl(ctx, *args)
            converted = convert(ctx, args)
            if converted is None:
                return -1
            return impl(ctx, *converted)

        call.binding = self  # type: ignore[attr-defined]
        return call


# --------------------------------------------------------------------------- Script


class Script:
    """The compiled script: metadata, bindings, route table and line map."""

    def __init__(
        self,
        abi: int,
        source: str,
        params: dict[str, Any] | None = None,
        modules: list[str] | tuple[str, ...] = (),
        modparams: list[tuple[str, str, Any]] | tuple[tuple[str, str, Any], ...] = (),
        flags: tuple[str, ...] = (),
    ) -> None:
        if abi != ABI:
            raise AbiMismatch(
                f"{source}: generated for osipsc runtime ABI {abi}, this runtime is ABI "
                f"{ABI}; recompile the cfg with this osipsc version"
            )
        self.source = source
        self.params: dict[str, Any] = dict(params or {})
        self.modules = list(modules)
        self.modparams = [tuple(m) for m in modparams]
        self.flag_names = tuple(flags)
        self.routes: dict[tuple[str, str | None], Callable[[Any], int]] = {}
        self.request_routes: dict[str, Callable[[Any], int]] = {}
        self.timers: list[tuple[str, int]] = []
        self.route_names: dict[Callable[[Any], int], tuple[str, str | None]] = {}
        self.filename: str | None = None
        self.cfg_root: str | None = None
        """Folder the cfg names of the line map are relative to, when known (the compile
        root); tracebacks then show the cfg source lines."""
        self._files: tuple[str, ...] = (source,)
        self._map_lines: list[int] = []
        self._map_locs: list[tuple[int, int]] = []

    # ------------------------------------------------------------------ bindings
    def function(self, name: str, kinds: tuple[str, ...] = ()) -> Callable[..., int]:
        """A script function binding (converted arguments, per-engine implementation), as
        the plain function generated code calls (``FunctionBinding.call``; the binding
        itself is its ``binding`` attribute)."""
        return FunctionBinding(name, tuple(kinds)).call

    def async_function(self, name: str, kinds: tuple[str, ...] = ()) -> FunctionBinding:
        """The async starter of ``name`` for ``async(...)`` / ``launch(...)``."""
        return FunctionBinding(name, tuple(kinds), is_async=True)

    def pv(self, name: str, sub: Any = None, index: Any = None,
           transforms: tuple[tuple[Any, ...], ...] = (), text: str = "") -> PV:
        """A compiled pseudo-variable (transformation chain compiled here, once)."""
        chain = None
        if transforms:
            from .transforms import compile_chain

            chain = compile_chain(list(transforms))
        return make_pv(name, sub, index, chain, text)

    def fmt(self, *pieces: Any) -> Format:
        """A compiled format string."""
        return Format(*pieces)

    def regex(self, pattern: str, newline: bool = False) -> Any:
        """A literal regex, compiled at import time: POSIX ERE, case-insensitive; function
        parameters (``fixup_regexp``) also use ``REG_NEWLINE``, ``=~`` does not."""
        from .regex import compile_posix

        return compile_posix(pattern, icase=True, newline=newline)

    def network(self, text: str) -> Any:
        """An IP / network literal of ``$si == 10.0.0.0/8``."""
        return ipaddress.ip_network(text.strip("[]"), strict=False)

    # ------------------------------------------------------------------ routes
    def route(self, kind: str, name: str | None = None,
              interval: int | None = None) -> Callable[[Callable[[Any], int]], Callable[[Any], int]]:
        """Decorator registering a route function under (kind, name)."""

        def register(fn: Callable[[Any], int]) -> Callable[[Any], int]:
            self.routes[(kind, name)] = fn
            self.route_names[fn] = (kind, name)
            if kind == "route" and name is not None:
                self.request_routes[name] = fn
            if kind == "timer_route" and name is not None:
                self.timers.append((name, interval or 0))
            if self.filename is None:
                self.filename = fn.__code__.co_filename
            return fn

        return register

    def get_route(self, kind: str, name: str | None = None) -> Callable[[Any], int] | None:
        return self.routes.get((kind, name))

    # ------------------------------------------------------------------ line map
    def set_line_map(self, files: tuple[str, ...], entries: tuple[tuple[int, int, int], ...]) -> None:
        """``entries``: (generated line, file index, cfg line), sorted by generated line."""
        self._files = tuple(files)
        self._map_lines = [e[0] for e in entries]
        self._map_locs = [(e[1], e[2]) for e in entries]

    def cfg_location(self, generated_line: int) -> tuple[str, int] | None:
        """The cfg (file, line) of the statement containing a generated line."""
        i = bisect.bisect_right(self._map_lines, generated_line) - 1
        if i < 0:
            return None
        fidx, line = self._map_locs[i]
        return self._files[fidx], line

    def locate(self, tb: TracebackType | None) -> tuple[str, int] | None:
        """The innermost cfg location in a traceback."""
        found = None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == self.filename:
                found = self.cfg_location(tb.tb_lineno) or found
            tb = tb.tb_next
        return found

    def rewrite_traceback(self, exc: BaseException) -> BaseException:
        """Replace generated-module frames by frames at the cfg file and line (Jinja2 style)."""
        tb = exc.__traceback__
        frames: list[TracebackType] = []
        while tb is not None:
            frames.append(tb)
            tb = tb.tb_next
        new_tb: TracebackType | None = None
        for frame_tb in reversed(frames):
            code = frame_tb.tb_frame.f_code
            if code.co_filename == self.filename:
                loc = self.cfg_location(frame_tb.tb_lineno)
                if loc is not None:
                    self._show_cfg_source(loc[0])
                    fake = _fake_frame(exc, loc[0], loc[1], code.co_name)
                    if fake is not None:
                        new_tb = TracebackType(new_tb, fake.tb_frame, fake.tb_lasti, fake.tb_lineno)
                        continue
            new_tb = TracebackType(new_tb, frame_tb.tb_frame, frame_tb.tb_lasti, frame_tb.tb_lineno)
        return exc.with_traceback(new_tb)


    def _show_cfg_source(self, name: str) -> None:
        """Let ``linecache`` find the cfg text, so traceback frames at cfg lines print them."""
        if name in linecache.cache:
            return
        if self.cfg_root is not None:
            root = Path(self.cfg_root)
        elif self.filename and not self.filename.startswith("<"):
            root = Path(self.filename).parent  # a module written next to its cfg
        else:
            return
        try:
            data = (root / name).read_bytes()
        except OSError:
            return
        text = data.decode("utf-8", "replace")
        linecache.cache[name] = (len(data), None, text.splitlines(True), str(root / name))


def _fake_frame(exc: BaseException, filename: str, line: int, func: str) -> TracebackType | None:
    """A traceback entry whose frame claims to be ``func`` at ``filename:line``."""
    code = compile("\n" * (line - 1) + "raise __osipsc_exception__", filename, "exec")
    code = code.replace(co_name=f"{func} (cfg)")
    try:
        exec(code, {"__osipsc_exception__": exc})  # noqa: S102 (a fixed one-line snippet)
    except BaseException:
        tb = sys.exc_info()[2]
        return tb.tb_next if tb is not None else None
    return None


def not_emulated(name: str) -> Callable[..., int]:
    """The implementation bound to an exported-but-not-emulated function."""

    def impl(ctx: Any, *args: Any) -> int:
        raise NotEmulated(name)

    return impl


def module_from_text(text: str, filename: str, name: str = "osipsc_generated") -> Any:
    """Import generated module text without writing it anywhere (``osipsc run``, tests).

    The text is registered with ``linecache`` so tracebacks can still show generated lines.
    """
    import linecache
    import types

    module = types.ModuleType(name)
    module.__file__ = filename
    code = compile(text, filename, "exec")
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    exec(code, module.__dict__)  # noqa: S102 (our own generated module)
    return module
