"""Static checks OpenSIPS 3.6 performs at startup (language.md §1 steps 4-6), and a few more.

OpenSIPS refuses a script at startup for undefined routes, unknown variables and
transformations, bad arguments and functions used in the wrong route type; we report the
same problems (with ``Diagnostic.opensips`` set to what OpenSIPS logs) plus warnings for
things it accepts but that are almost certainly mistakes (unreachable code, unknown
functions that a private module might export).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

from .diagnostics import Diagnostic, error, warning
from .exports import FuncExport, _rows, functions, pvars, transformations
from .pvar import parse_format
from .syntax import (
    ActionCond,
    And,
    Assert,
    Assign,
    Async,
    BinOp,
    BitNot,
    Call,
    Compare,
    Drop,
    Exit,
    ForEach,
    If,
    IntLit,
    Launch,
    LoadModule,
    ModParam,
    Not,
    Or,
    PVar,
    Return,
    RouteBlock,
    RouteCall,
    RouteKind,
    Script,
    Span,
    Stmt,
    StrLit,
    Switch,
    Test,
    Truth,
    While,
    Xlog,
)

ROUTE_FLAG = {
    RouteKind.REQUEST: "REQUEST_ROUTE", RouteKind.FAILURE: "FAILURE_ROUTE",
    RouteKind.ONREPLY: "ONREPLY_ROUTE", RouteKind.BRANCH: "BRANCH_ROUTE",
    RouteKind.ERROR: "ERROR_ROUTE", RouteKind.LOCAL: "LOCAL_ROUTE",
    RouteKind.STARTUP: "STARTUP_ROUTE", RouteKind.TIMER: "TIMER_ROUTE",
    RouteKind.EVENT: "EVENT_ROUTE",
}
# module functions whose string argument names a route of another kind
# OpenSIPS converts an int parameter's string literal with str2sint: digits, optional '-'
# ("404" is fine, "+1" is refused: conformance case stats-fixup-error)
_SINT = re.compile(r"-?[0-9]+$")
_MAXFWD_FUNCS = frozenset({"mf_process_maxfwd_header", "is_maxfwd_lt"})
_MAXFWD_UPPER = 256  # MAXFWD_UPPER_LIMIT (the max_limit modparam default)
ARMING = {"t_on_failure": RouteKind.FAILURE, "t_on_branch": RouteKind.BRANCH,
          "t_on_reply": RouteKind.ONREPLY}


# module directories of OpenSIPS 3.6 that export nothing the tables list
_EXTRA_MODULES = frozenset({"event_datagram", "presence_mwi", "presence_xcapdiff"})


@cache
def known_modules() -> frozenset[str]:
    """Every module OpenSIPS 3.6 ships (``modules/*`` plus ``proto_udp``/``proto_tcp``)."""
    names = {r["module"] for name in ("functions.tsv", "modparams.tsv", "pvars.tsv",
                                      "mi_commands.tsv", "transformations.tsv")
             for r in _rows(name)}
    return frozenset((names | _EXTRA_MODULES) - {"core"})


@cache
def modparams() -> dict[tuple[str, str], frozenset[str]]:
    """(module, parameter) → accepted value types (``STR_PARAM``/``INT_PARAM``)."""
    table: dict[tuple[str, str], frozenset[str]] = {}
    for r in _rows("modparams.tsv"):
        types = frozenset(t for t in r["type"].split("|") if t.endswith("_PARAM")
                          and t != "USE_FUNC_PARAM")
        table[(r["module"], r["param"])] = table.get((r["module"], r["param"]),
                                                     frozenset()) | types
    return table


# transformation classes whose parser logs the method name length too (transformations.c)
_TR_LEN_CLASSES = frozenset({"s", "nameaddr", "csv", "sdp", "ip", "re"})


def is_parse_time(text: str) -> bool:
    """True for what OpenSIPS logs while parsing the cfg (cfg.y): yyerror texts and the
    route redefinition that aborts the parse. Those come before every fixup error."""
    return text.startswith("parse error:") or text.startswith("Script route <")


def startup_error(diags: list[Diagnostic]) -> str | None:
    """The ``== startup-error`` line OpenSIPS 3.6 would log for these diagnostics.

    OpenSIPS parses the whole file first (every yyerror is logged, in source order, and
    the transcript takes the first ``parse error`` line); only a clean parse goes on to
    the fixups, where the first failing one ends startup. Errors osipsc reports but
    OpenSIPS does not (no ``opensips`` text) are used last, with osipsc's own message.
    Fixup errors are taken in source order (OpenSIPS fixes the main route, then
    sub-routes by id, then the other route kinds: the same order for usual scripts).
    """
    # Warnings that carry an OpenSIPS startup message (an unknown function, which only a
    # user's own module could provide) also stop a stock OpenSIPS.
    errors = sorted((d for d in diags if d.is_error or d.opensips), key=Diagnostic.sort_key)
    if not errors:
        return None
    with_text = [d for d in errors if d.opensips]
    for d in with_text:
        if is_parse_time(d.opensips or ""):
            return d.opensips
    if with_text:
        return with_text[0].opensips
    return errors[0].message


def _span_diag(fn, msg: str, span: Span, **kw) -> Diagnostic:  # type: ignore[no-untyped-def]
    return fn(msg, span.source, span.start, span.end, **kw)


def walk_stmts(body: list[Stmt]) -> Iterator[Stmt]:
    """Every statement in ``body``, nested ones included (conditions' actions too)."""
    for st in body:
        yield st
        if isinstance(st, If):
            yield from _cond_stmts(st.cond)
            yield from walk_stmts(st.then)
            if st.orelse:
                yield from walk_stmts(st.orelse)
        elif isinstance(st, While):
            yield from _cond_stmts(st.cond)
            yield from walk_stmts(st.body)
        elif isinstance(st, ForEach):
            yield from walk_stmts(st.body)
        elif isinstance(st, Switch):
            for c in st.cases:
                yield from walk_stmts(c.body)
        elif isinstance(st, Assert):
            yield from _cond_stmts(st.cond)
        elif isinstance(st, Assign):
            yield from _cond_stmts(st.value)


def _cond_stmts(node: object) -> Iterator[Stmt]:
    if isinstance(node, ActionCond):
        yield from walk_stmts([node.action])
    elif isinstance(node, (And, Or)):
        yield from _cond_stmts(node.left)
        yield from _cond_stmts(node.right)
    elif isinstance(node, BinOp):
        yield from _cond_stmts(node.left)
        yield from _cond_stmts(node.right)
    elif isinstance(node, (Not, BitNot)):
        yield from _cond_stmts(node.operand)
    elif isinstance(node, Test):
        yield from _cond_stmts(node.expr)


def _node_pvars(node: object) -> Iterator[PVar]:
    """PVars appearing directly in an expression/condition (not inside nested statements)."""
    if isinstance(node, PVar):
        yield node
    elif isinstance(node, Compare):
        yield node.left
        if isinstance(node.right, PVar):
            yield node.right
    elif isinstance(node, Truth):
        yield node.var
    elif isinstance(node, (And, Or, BinOp)):
        yield from _node_pvars(node.left)
        yield from _node_pvars(node.right)
    elif isinstance(node, (Not, BitNot)):
        yield from _node_pvars(node.operand)
    elif isinstance(node, Test):
        yield from _node_pvars(node.expr)


@dataclass
class Checker:
    script: Script
    diags: list[Diagnostic] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.loaded = set(self.script.modules)
        self.has_modules = bool(self.loaded)
        # modules OpenSIPS 3.6 does not ship: loading one fails at startup (check_modules)
        self.unknown_modules = {m for m in self.loaded if m not in known_modules()}
        self.routes: dict[tuple[RouteKind, str | None], RouteBlock] = {}

    # ------------------------------------------------------------- helpers
    def err(self, msg: str, span: Span, **kw: str | None) -> None:
        self.diags.append(_span_diag(error, msg, span, **kw))

    def warn(self, msg: str, span: Span, hint: str | None = None,
             opensips: str | None = None) -> None:
        self.diags.append(_span_diag(warning, msg, span, hint=hint, opensips=opensips))

    def module_ok(self, module: str) -> bool:
        return module == "core" or not self.has_modules or module in self.loaded

    def resolve(self, call: Call, mode: str = "") -> FuncExport | None:
        """The export row OpenSIPS's parser finds for ``call`` (cfg.y ``find_cmd_export_t``
        / ``find_mod_acmd_export_t`` for async()/launch()), or None after reporting."""
        rows = [r for r in functions().get(call.name, []) if r.route_flags != {"NONE"}]
        if mode:
            rows = [r for r in rows if r.kind == "acmd"] or rows
        span = call.name_span or call.span
        what = "async command" if mode else "command"
        unknown = f"parse error: unknown {what} <{call.name}>, missing loadmodule?"
        if not rows:
            # A warning, not an error: a module of the user's own may export it, and tests
            # can register an implementation (engine.functions[name] = ...). A stock
            # OpenSIPS 3.6 still refuses the script, so `osipsc run` reports the startup
            # message carried in `opensips`.
            provider = (f"module {', '.join(sorted(self.unknown_modules))}"
                        if self.unknown_modules else "a module of your own")
            self.warn(f"unknown function '{call.name}': OpenSIPS 3.6 exports no such function",
                      span, hint=f"fine if {provider} provides it; in tests register it "
                      f"with engine.functions[{call.name!r}] = ...",
                      opensips=None if self.unknown_modules else unknown)
            return None
        usable = [r for r in rows if self.module_ok(r.module)]
        if not usable:
            mods = sorted({r.module for r in rows})
            self.err(f"function '{call.name}' needs module {' or '.join(mods)}, which is not "
                     "loaded", span, hint=f'add loadmodule "{mods[0]}.so"', opensips=unknown)
            return None
        return usable[0]

    # ------------------------------------------------------------- entry
    def run(self) -> list[Diagnostic]:
        self.check_modules()
        self.collect_routes()
        ids = self.route_ids()
        for rb in self.script.routes:
            self.check_block(rb.body)
            for st in walk_stmts(rb.body):
                self.check_stmt(st, ids)
        self.check_route_types()
        return self.diags

    def check_modules(self) -> None:
        """``loadmodule`` of a module 3.6 does not ship and ``modparam`` of an unknown
        parameter: cfg.y's yyerrorf texts. A module is known only once loaded, so a
        modparam before its loadmodule fails too (OpenSIPS matches loaded modules only)."""
        loaded: list[str] = []
        for item in self.script.items:
            if isinstance(item, LoadModule):
                if item.module not in known_modules():
                    # stock OpenSIPS 3.6 logs "parse error: failed to load module <path>";
                    # a site may have a private module, so osipsc only warns and its
                    # functions compile as unknown (NotEmulated until the test mocks them)
                    self.warn(f"module '{item.module}' is not an OpenSIPS 3.6 module: stock "
                              "OpenSIPS refuses to load it", item.span,
                              hint="osipsc cannot emulate it; mock its functions in tests")
                loaded.append(item.module)
            elif isinstance(item, ModParam) and self.has_modules:  # not for fragments
                self.check_modparam(item, loaded)

    def check_modparam(self, mp: ModParam, loaded: list[str]) -> None:
        try:
            rx = re.compile(f"^({mp.module})$", re.IGNORECASE)
        except re.error:
            rx = None
        mods = [m for m in loaded if rx is not None and rx.match(m)]
        table = modparams()
        want = "INT_PARAM" if isinstance(mp.value, int) else "STR_PARAM"
        problem = None if mods else f"no loaded module matches '{mp.module}'"
        for m in mods:
            if m not in known_modules():
                return
            types = table.get((m, mp.param))
            if types is None:
                problem = f"module {m} has no parameter '{mp.param}'"
            elif want not in types:
                problem = f"parameter '{mp.param}' of module {m} takes " \
                          f"{'a string' if want == 'INT_PARAM' else 'an integer'}"
            if problem:
                break
        if problem:
            self.err(problem, mp.span, opensips=f"parse error: Parameter <{mp.param}> not found "
                                                f"in module <{mp.module}> - can't set")

    def collect_routes(self) -> None:
        for rb in self.script.routes:
            key = (rb.kind, rb.name)
            if key in self.routes:
                label = rb.kind.value + (f"[{rb.name}]" if rb.name is not None else "")
                first = self.routes[key].span
                # cfg.y: the main route → yyerror; a named one → get_script_route_idx's
                # LM_ERR and YYABORT
                text = (f"Script route <{rb.name}> is redefined" if rb.name is not None else
                        "parse error: overwriting default request routing table"
                        if rb.kind is RouteKind.REQUEST else None)
                self.err(f"{label} is defined twice (first at line {first.line})",
                         rb.name_span or rb.span, opensips=text)
            else:
                self.routes[key] = rb

    def route_ids(self) -> dict[str, int]:
        """Request-route ids as OpenSIPS numbers them (route.c get_script_route_idx): the
        next free slot when the parser first meets the name - at a ``route(name)`` call, or
        when a ``route[name]`` block is reduced, i.e. at its closing brace (so calls inside
        a block number before the block itself). async()/launch() only look names up."""
        found: list[tuple[int, str]] = []
        for rb in self.script.routes:
            if rb.kind is RouteKind.REQUEST and rb.name is not None:
                found.append((rb.span.end, rb.name))
            for st in walk_stmts(rb.body):
                if isinstance(st, RouteCall) and isinstance(st.target, str):
                    found.append((st.span.start, st.target))
        ids: dict[str, int] = {}
        for _, name in sorted(found, key=lambda x: x[0]):
            ids.setdefault(name, len(ids) + 1)
        return ids

    def need_route(self, name: str, span: Span, ids: dict[str, int], what: str) -> None:
        if (RouteKind.REQUEST, name) not in self.routes:
            text = f"called route [{name}] (id={ids.get(name, 0)}) is not defined" \
                if what == "called" else f"async/launch resume route [{name}] is not defined"
            self.err(f"{what} route[{name}] is not defined", span, opensips=text)

    # ------------------------------------------------------------- per statement
    def check_block(self, body: list[Stmt]) -> None:
        """Unreachable code after exit/drop/return, recursively."""
        for i, st in enumerate(body):
            if isinstance(st, (Exit, Drop, Return)) and i + 1 < len(body):
                word = {Exit: "exit", Drop: "drop", Return: "return"}[type(st)]
                self.warn(f"unreachable code after '{word}'", body[i + 1].span)
                break
        for st in body:
            if isinstance(st, If):
                self.check_block(st.then)
                if st.orelse:
                    self.check_block(st.orelse)
            elif isinstance(st, (While, ForEach)):
                self.check_block(st.body)
            elif isinstance(st, Switch):
                for c in st.cases:
                    self.check_block(c.body)

    def check_stmt(self, st: Stmt, ids: dict[str, int]) -> None:
        if isinstance(st, Call):
            self.check_call(st, ids)
        elif isinstance(st, RouteCall):
            if isinstance(st.target, str):
                self.need_route(st.target, st.target_span or st.span, ids, "called")
            elif isinstance(st.target, StrLit):
                self.check_format(st.target)
            else:
                self.check_pvar(st.target)
            for a in st.args:
                if isinstance(a, PVar):
                    self.check_pvar(a)
        elif isinstance(st, Assign):
            self.check_pvar(st.target)
            self.check_writable(st.target)
            for pv in _node_pvars(st.value):
                self.check_pvar(pv)
        elif isinstance(st, (If, While, Assert)):
            for pv in _node_pvars(st.cond):
                self.check_pvar(pv)
        elif isinstance(st, ForEach):
            self.check_pvar(st.var)
            self.check_pvar(st.collection)
        elif isinstance(st, Switch):
            self.check_pvar(st.subject)
        elif isinstance(st, Return):
            for v in [st.code, *st.values]:
                if isinstance(v, PVar):
                    self.check_pvar(v)
        elif isinstance(st, Xlog):
            self.check_format(st.fmt)
            if st.level is not None and st.level.value.startswith("$"):
                self.check_format(st.level)
        elif isinstance(st, Async):
            self.need_route(st.resume, st.resume_span or st.span, ids, "async resume")
            self.check_call(st.call, ids, mode="async")
            if self.has_modules and "tm" not in self.loaded:
                self.err("async() needs the tm module", st.span, hint='add loadmodule "tm.so"')
        elif isinstance(st, Launch):
            if st.report:
                self.need_route(st.report, st.report_span or st.span, ids, "launch report")
            if st.param is not None:
                self.check_format(st.param)
            self.check_call(st.call, ids, mode="launch")
            if self.has_modules and "tm" not in self.loaded:
                self.warn("launch() without the tm module loaded", st.span)

    def check_call(self, call: Call, ids: dict[str, int], mode: str = "") -> None:
        for a in call.args:
            if isinstance(a, PVar):
                self.check_pvar(a)
        fe = self.resolve(call, mode)
        if fe is None:
            return
        if mode and not fe.is_async and mode == "async":
            self.err(f"{call.name}() cannot be used in async(): it has no asynchronous form",
                     call.name_span or call.span, opensips=f"parse error: unknown async "
                     f"command <{call.name}>, missing loadmodule?")
        # cmds.c check_cmd_call_params: -1 too few, -2 too many, -3 mandatory omitted
        n = len(call.args)
        what = "async command" if mode and fe.kind == "acmd" else "command"
        if n < fe.min_params or n > fe.max_params:
            rng = str(fe.min_params) if fe.min_params == fe.max_params else \
                f"{fe.min_params} to {fe.max_params}"
            few = "command" if n == 0 else what  # cfg.y's ID LPAREN RPAREN rule
            text = f"parse error: too few parameters for {few} <{call.name}>" \
                if n < fe.min_params else f"parse error: too many parameters for {what} " \
                f"<{call.name}>"
            self.err(f"{call.name}() takes {rng} parameter{'s' if fe.max_params != 1 else ''}, "
                     f"{n} given", call.span, opensips=text)
            return
        for i, a in enumerate(call.args):
            flags = fe.param_flags(i)
            ptype = fe.param_type(i)
            if a is None:
                if flags and "?" not in flags and i < fe.min_params:
                    gap = "  " if what == "async command" else " "  # cfg.y's double space
                    self.err(f"parameter {i + 1} of {call.name}() is mandatory", call.span,
                             opensips=f"parse error: mandatory parameter{gap}omitted for "
                                      f"{what} <{call.name}>")
                    return
                continue
            if ptype == "int" and isinstance(a, StrLit) and not _SINT.match(a.value):
                self.err(f"parameter {i + 1} of {call.name}() must be an integer or a variable",
                         a.span, opensips=f"Param [{i + 1}] expected to be an integer or variable")
            elif ptype == "str" and isinstance(a, StrLit) and ":static" not in flags \
                    and ":noexpand" not in flags:
                self.check_format(a)
        if call.name in _MAXFWD_FUNCS and call.args:
            self.check_maxfwd_limit(call)
        if call.name in ARMING and call.args and isinstance(call.args[0], StrLit) \
                and "$" not in call.args[0].value:
            kind = ARMING[call.name]
            name = call.args[0].value
            if (kind, name) not in self.routes:
                self.err(f"{call.name}() arms {kind.value}[{name}], which is not defined",
                         call.args[0].span)

    def check_maxfwd_limit(self, call: Call) -> None:
        """maxfwd.c fixup_maxfwd_header: a literal limit must be within [1, 256]."""
        a = call.args[0]
        value = a.value if isinstance(a, IntLit) else int(a.value) \
            if isinstance(a, StrLit) and _SINT.match(a.value) else None
        if value is not None and not 1 <= value <= _MAXFWD_UPPER:
            self.err(f"{call.name}() limit {value} is outside [1, {_MAXFWD_UPPER}]", a.span,
                     opensips=f"invalid MAXFWD number <{value}> [1,{_MAXFWD_UPPER}]")

    # ------------------------------------------------------------- variables
    def check_format(self, lit: StrLit) -> None:
        pieces, diags = parse_format(lit)
        self.diags.extend(diags)
        for p in pieces:
            if isinstance(p, PVar):
                self.check_pvar(p, fmt=lit)

    def check_pvar(self, pv: PVar, fmt: StrLit | None = None) -> None:
        if pv.name in ("", "$"):
            return
        rows = pvars().get(pv.name, [])
        has_name = pv.sub is not None
        label = pv.text if fmt is None else f"${pv.name}" + (
            f"({pv.sub})" if isinstance(pv.sub, str) else "")
        # a variable written in the script is parsed by cfg.y (any pv_parse_spec failure is
        # the yyerror "unknown script variable"); one inside a format string is parsed at
        # fixup time and its own LM_ERR is the startup error (pvar.c, transformations.c)
        in_script = "parse error: unknown script variable"
        hint = None
        if pv.name.endswith(".") and fmt is not None:
            hint = f"a '.' right after a variable is read as part of its name; write " \
                   f"$({pv.name[:-1]}).{'' if len(pv.name) else ''}"
        if not rows or not any(self.module_ok(r.module) for r in rows):
            mods = sorted({r.module for r in rows})
            if mods and self.has_modules:
                hint = f'add loadmodule "{mods[0]}.so"'
            self.err(f"unknown variable {label}", pv.span, hint=hint,
                     opensips=in_script if fmt is None else f"unknown script var ${pv.name}"
                     f"{'()' if has_name else ''}, maybe a 'loadmodule' statement is missing?")
        elif has_name and not any(r.takes_name for r in rows):
            self.err(f"variable ${pv.name} takes no name in parentheses", pv.span)
        if isinstance(pv.sub, PVar):
            self.check_pvar(pv.sub, fmt)
        if isinstance(pv.index, PVar):
            self.check_pvar(pv.index, fmt)
        table = transformations()
        for tr in pv.transforms:
            cls = tr.cls.lower()
            text = tr.span.text if fmt is None else "{" + f"{tr.cls}.{tr.method}" + "}"
            methods = table.get(cls)
            if methods is None or not any(self.module_ok(m[0]) for m in methods.values()):
                self.err(f"unknown transformation class '{tr.cls}' in {text}", tr.span if fmt is None
                         else pv.span, opensips=in_script if fmt is None else
                         f"unknown transformation: [{tr.cls}] in [{text}]")
            elif tr.method.lower() not in methods:
                # tr_parse_<class>: "<text inside the braces after 'class.'>/<method>[/<len>]!"
                inner = ",".join([tr.method] + [p.text if isinstance(p, PVar) else str(p)
                                                for p in tr.params])
                tail = f"/{len(tr.method)}" if cls in _TR_LEN_CLASSES else ""
                self.err(f"unknown transformation {tr.cls}.{tr.method}", tr.span if fmt is None
                         else pv.span,
                         hint=f"{tr.cls} methods: {', '.join(sorted(methods))}",
                         opensips=in_script if fmt is None else
                         f"unknown transformation: {inner}/{tr.method}{tail}!")
            for p in tr.params:
                if isinstance(p, PVar):
                    self.check_pvar(p, fmt)

    def check_writable(self, pv: PVar) -> None:
        rows = [r for r in pvars().get(pv.name, []) if r.takes_name == (pv.sub is not None)]
        # cfg.y assign_cmd: both are yyerrors, the writability one is logged first
        if rows and not any(r.writable for r in rows):
            self.err(f"${pv.name} is read-only and cannot be assigned", pv.span,
                     opensips="parse error: invalid left operand in assignment")
        elif pv.transforms:
            self.err(f"{pv.text}: a transformed variable cannot be assigned", pv.span,
                     opensips="parse error: transformations not accepted in left side of "
                              "assignment")

    # ------------------------------------------------------------- route types
    def check_route_types(self) -> None:
        """cfg.y looks a function up with the type of the block it is written in (``rt``;
        every ``route[x]`` counts as REQUEST_ROUTE): a miss is a parse error. What a
        sub-route does when reached from another route type is only checked by
        ``opensips -C -C`` (check_rls), never at a normal startup: a warning here."""
        reported: set[tuple[int, str]] = set()
        for rb in self.script.routes:
            label = rb.kind.value + (f"[{rb.name}]" if rb.name is not None else "")
            for st in walk_stmts(rb.body):
                if isinstance(st, Call):
                    self.check_flag(st, ROUTE_FLAG[rb.kind], label, reported, lexical=True)
        for rb in self.script.routes:
            if rb.kind is RouteKind.REQUEST and rb.name is not None:
                continue  # sub-routes are checked from the top routes that reach them
            flag = ROUTE_FLAG[rb.kind]
            label = rb.kind.value + (f"[{rb.name}]" if rb.name is not None else "")
            seen: set[str | None] = set()
            stack: list[RouteBlock] = [rb]
            while stack:
                cur = stack.pop()
                for st in walk_stmts(cur.body):
                    if isinstance(st, RouteCall) and isinstance(st.target, str):
                        sub = self.routes.get((RouteKind.REQUEST, st.target))
                        if sub is not None and st.target not in seen:
                            seen.add(st.target)
                            stack.append(sub)
                    elif isinstance(st, Call) and cur is not rb:
                        self.check_flag(st, flag, label, reported)
                    elif isinstance(st, Async) and rb.kind in (RouteKind.STARTUP, RouteKind.TIMER):
                        key = (st.span.start, label)
                        if key not in reported:
                            reported.add(key)
                            self.err(f"async() cannot be used in {label}: OpenSIPS would "
                                     "deadlock", st.span, hint="use launch() instead")

    def check_flag(self, call: Call, flag: str, label: str, reported: set[tuple[int, str]],
                   lexical: bool = False) -> None:
        rows = [r for r in functions().get(call.name, []) if self.module_ok(r.module)
                and r.route_flags != {"NONE"} and r.kind != "acmd"]
        if not rows or any(r.allowed_in(flag) for r in rows):
            return
        key = (call.span.start, call.name)
        if key in reported:
            return
        reported.add(key)
        if lexical:
            self.err(f"{call.name}() cannot be used in {label}", call.name_span or call.span,
                     opensips=f"parse error: Command <{call.name}> cannot be used in the block")
        else:
            self.warn(f"{call.name}() cannot be used in {label} (reached through a sub-route; "
                      "OpenSIPS starts and runs it: only opensips -C -C checks this)", call.name_span or call.span)


def check_script(script: Script) -> list[Diagnostic]:
    """Run every static check over a parsed script."""
    return Checker(script).run()
