"""AST → render model: what the templates need to write a generated module.

Expressions become Python expression *text* here (with the OpenSIPS precedence already made
explicit by the tree: ``a || b && c`` arrives as ``And(Or(a, b), c)``); statements become
small ``Stmt`` records whose *shape* the templates own. Everything the route bodies use is
turned into a module-level binding (function, pseudo-variable, format string, regex) built
once at import time, named deterministically in order of first use.

Any cfg text lands in the output only through ``py_literal`` (a Python literal *value*) or
``comment`` (a sanitised one-line comment), never as code.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from . import syntax as ast
from .exports import functions as export_table
from .pvar import parse_format

ABI = 1

_IDENT = re.compile(r"[^0-9A-Za-z_]+")
#: statement kinds lowered from an ``if`` (a nested one, last in a branch, leaves ``$rc`` to
#: be fixed up by its parent: ``Stmt.fix_rc``)
_IF_KINDS = ("if", "if_action")


class LowerError(Exception):
    """A construct the code generator cannot express (reported as a diagnostic)."""

    def __init__(self, message: str, span: ast.Span | None = None) -> None:
        super().__init__(message)
        self.span = span


def py_literal(value: Any) -> str:
    """A Python literal for a cfg value (str / int / None / tuples of them)."""
    if isinstance(value, tuple):
        inner = ", ".join(py_literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(py_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str):
        return _str_literal(value)
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return repr(value)
    raise TypeError(f"no literal for {type(value).__name__}")


def _str_literal(value: str) -> str:
    """``repr`` with black's preferred double quotes, so black has nothing to change in most
    generated blocks (one formatting pass instead of two; see ``emit.format_module``)."""
    text = repr(value)
    if text[0] == "'" and '"' not in text:
        return '"' + text[1:-1] + '"'
    return text


def unparen(expr: str) -> str:
    """``expr`` without one pair of parentheses that encloses all of it (black drops such
    redundant parentheses on the right of an assignment)."""
    if not (expr.startswith("(") and expr.endswith(")")):
        return expr
    depth = 0
    quote = ""
    i = 0
    while i < len(expr):
        ch = expr[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and i != len(expr) - 1:
                return expr
        i += 1
    return expr[1:-1]


def comment(text: str, limit: int = 96) -> str:
    """The first line of a cfg statement as safe comment text (printable ASCII only)."""
    first = text.split("\n", 1)[0].rstrip("\r").strip()
    out = []
    for ch in first:
        code = ord(ch)
        if 32 <= code < 127:
            out.append(ch)
        elif ch == "\t":
            out.append(" ")
        else:
            out.append(f"\\x{code:02x}")
    line = "".join(out)
    return line if len(line) <= limit else line[: limit - 3] + "..."


def identifier(text: str) -> str:
    """A Python identifier fragment for a cfg name (deterministic, lower-risk)."""
    ident = _IDENT.sub("_", text).strip("_") or "x"
    return ident


# --------------------------------------------------------------------------- render model


@dataclass
class Binding:
    name: str
    expr: str


@dataclass
class Stmt:
    """One statement for the templates: ``kind`` picks the macro; ``loc`` indexes its
    route's ``locations`` (route-local, so editing one route never renumbers the markers of
    another and the per-block format cache keeps hitting); the other fields are Python text
    or nested statement lists."""

    kind: str
    loc: int
    comment: str
    expr: str = ""
    body: list[Stmt] = field(default_factory=list)
    orelse: list[Stmt] | None = None
    cases: list[list[Stmt]] = field(default_factory=list)
    var: str = ""
    extra: str = ""
    fix_rc: bool = False
    fix_rc_else: bool = False


@dataclass
class Route:
    kind: str
    name: str | None
    pyname: str
    interval: int | None
    body: list[Stmt]
    loc: int
    header: str
    locations: list[tuple[int, int]] = field(default_factory=list)
    """(file index, cfg line) per marker number of this route (0 is the route header)."""

    @property
    def terminal(self) -> bool:
        """The body ends with a statement that never falls through."""
        return bool(self.body) and self.body[-1].kind in (
            "return", "return_var", "exit", "drop", "async")

    @property
    def needs_result(self) -> bool:
        """False when the body is one terminal statement: ``r`` would be set and never read
        (pyflakes F841 in the generated module)."""
        return not (self.terminal and len(self.body) == 1)

    @property
    def kind_literal(self) -> str:
        return py_literal(self.kind)

    @property
    def name_literal(self) -> str:
        return py_literal(self.name)


@dataclass
class Module:
    source: str
    abi: int
    version: str
    params: str
    modules: str
    modparams: str
    flags: str
    bindings: list[Binding]
    routes: list[Route]
    files: list[str]

    @property
    def source_comment(self) -> str:
        return comment(self.source)

    @property
    def source_literal(self) -> str:
        return py_literal(self.source)


# --------------------------------------------------------------------------- lowering


_VALUE_OPS = {
    "+": "op_add",
    "-": "op_sub",
    "*": "op_mul",
    "/": "op_div",
    "%": "op_mod",
    "&": "op_band",
    "|": "op_bor",
    "^": "op_bxor",
    "<<": "op_shl",
    ">>": "op_shr",
}


def _content_name(prefix: str, expr: str) -> str:
    """A binding name derived from what it binds, not from the order of first use: adding a
    format string to one route must not rename the bindings other routes use (that would
    change their functions and miss the per-route format cache)."""
    return f"{prefix}_{hashlib.sha256(expr.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


def route_pyname(kind: str, name: str | None) -> str:
    """``route[relay]`` → ``route_relay``; the main ``route`` → ``route``."""
    if name is None:
        return kind
    return f"{kind}_{identifier(name)}"


class Lowerer:
    """Turns one ``ast.Script`` into a ``Module`` render model."""

    def __init__(self, script: ast.Script, source_name: str, version: str) -> None:
        self.script = script
        self.source_name = source_name
        self.version = version
        self.bindings: list[Binding] = []
        self._by_key: dict[tuple[Any, ...], str] = {}
        self._names: set[str] = set()
        self.locations: list[tuple[int, int]] = []
        self.files: list[str] = []
        self._file_index: dict[int, int] = {}
        self.route_names: dict[tuple[str, str | None], str] = {}
        self.flag_names: list[str] = []
        self._temp = 0
        self._loops = 0

    # ------------------------------------------------------------------ helpers
    def _unique(self, base: str) -> str:
        name = base
        n = 2
        while name in self._names:
            name = f"{base}_{n}"
            n += 1
        self._names.add(name)
        return name

    def _bind(self, key: tuple[Any, ...], base: str, expr: str) -> str:
        found = self._by_key.get(key)
        if found is not None:
            return found
        name = self._unique(base)
        self._by_key[key] = name
        self.bindings.append(Binding(name, expr))
        return name

    def loc(self, span: ast.Span) -> int:
        """Index of a (file, line) location in the current route's marker table."""
        src = span.source
        fidx = self._file_index.get(id(src))
        if fidx is None:
            fidx = len(self.files)
            self._file_index[id(src)] = fidx
            self.files.append(src.name)
        self.locations.append((fidx, span.line))
        return len(self.locations) - 1

    def temp(self) -> str:
        self._temp += 1
        return f"_c{self._temp}"

    # ------------------------------------------------------------------ bindings
    def pv(self, pv: ast.PVar) -> str:
        sub: str = "None"
        if isinstance(pv.sub, ast.PVar):
            sub = self.pv(pv.sub)
        elif pv.sub is not None:
            sub = py_literal(pv.sub)
        index = "None"
        if isinstance(pv.index, ast.PVar):
            index = self.pv(pv.index)
        elif pv.index is not None:
            index = py_literal(pv.index)
        steps = []
        for tr in pv.transforms:
            params = []
            for p in tr.params:
                params.append(self.pv(p) if isinstance(p, ast.PVar) else py_literal(p))
            tindex = "None"
            if isinstance(tr.index, ast.PVar):
                tindex = self.pv(tr.index)
            elif tr.index is not None:
                tindex = py_literal(tr.index)
            ptuple = "(" + "".join(f"{p}, " for p in params) + ")"
            steps.append(f"({py_literal(tr.cls)}, {py_literal(tr.method)}, {ptuple}, {tindex})")
        transforms = "(" + "".join(f"{s}, " for s in steps) + ")"
        base = "pv_" + identifier(pv.name)
        if isinstance(pv.sub, str):
            base += "_" + identifier(pv.sub)
        if pv.index is not None or pv.transforms:
            base += "_x"
        expr = (f"script.pv({py_literal(pv.name)}, {sub}, {index}, {transforms}, "
                f"{py_literal(pv.text)})")
        return self._bind(("pv", expr), base.lower() if len(base) < 40 else base[:40], expr)

    def fmt(self, lit: ast.StrLit) -> str:
        """A format string binding, or a plain literal when there is no variable."""
        pieces, diags = parse_format(lit)
        errors = [d for d in diags if d.is_error]
        if errors:
            raise LowerError(errors[0].message, lit.span)
        if all(isinstance(p, str) for p in pieces):
            return py_literal("".join(pieces))  # type: ignore[arg-type]
        args = ", ".join(self.pv(p) if isinstance(p, ast.PVar) else py_literal(p) for p in pieces)
        expr = f"script.fmt({args})"
        return self._bind(("fmt", expr), _content_name("fmt", expr), expr)

    def regex(self, pattern: str, newline: bool = False) -> str:
        flag = ", newline=True" if newline else ""
        expr = f"script.regex({py_literal(pattern)}{flag})"
        return self._bind(("re", expr), _content_name("re", expr), expr)

    def network(self, text: str) -> str:
        expr = f"script.network({py_literal(text)})"
        return self._bind(("net", expr), _content_name("net", expr), expr)

    def function(self, name: str, is_async: bool = False) -> tuple[str, tuple[str, ...]]:
        rows = export_table().get(name, [])
        loaded = set(self.script.modules) | {"core"}
        row = next((r for r in rows if r.module in loaded), rows[0] if rows else None)
        kinds: tuple[str, ...] = row.params if row is not None else ()
        method = "async_function" if is_async else "function"
        expr = f"script.{method}({py_literal(name)}, {py_literal(kinds)})"
        prefix = "af_" if is_async else "f_"
        return self._bind((method, name), prefix + identifier(name), expr), kinds

    # ------------------------------------------------------------------ arguments
    def arg(self, a: ast.Arg, kind: str) -> str:
        if a is None or isinstance(a, ast.NullLit):
            return "None"
        if isinstance(a, ast.IntLit):
            return py_literal(a.value)
        if isinstance(a, ast.PVar):
            return self.pv(a)
        if isinstance(a, ast.StrLit):
            base = kind.split(":", 1)[0].rstrip("?>")
            if base in ("var", "re", "regex") or "static" in kind or "noexpand" in kind:
                if base in ("re", "regex"):
                    return self.regex(a.value, newline=True)
                return py_literal(a.value)
            return self.fmt(a)
        raise LowerError(f"unsupported argument {type(a).__name__}")

    def call_expr(self, call: ast.Call) -> str:
        if call.name in ("setflag", "resetflag", "isflagset"):
            for a in call.args:
                if isinstance(a, ast.StrLit) and a.value not in self.flag_names:
                    self.flag_names.append(a.value)
        fname, kinds = self.function(call.name)
        args = [self.arg(a, kinds[i] if i < len(kinds) else "") for i, a in enumerate(call.args)]
        while args and args[-1] == "None":
            args.pop()
        return f"{fname}(ctx{''.join(', ' + a for a in args)})"

    def route_target(self, target: str) -> str:
        fn = self.route_names.get(("route", target))
        if fn is None:
            raise LowerError(f"called route [{target}] is not defined")
        return fn

    def route_params(self, args: list[ast.Arg]) -> str:
        vals = []
        for a in args:
            if a is None or isinstance(a, ast.NullLit):
                vals.append("None")
            elif isinstance(a, ast.IntLit):
                vals.append(py_literal(a.value))
            elif isinstance(a, ast.StrLit):
                vals.append(py_literal(a.value))
            elif isinstance(a, ast.PVar):
                vals.append(f"{self.pv(a)}.get(ctx)")
            else:
                raise LowerError("unsupported route parameter")
        if not vals:
            return "()"
        return "(" + "".join(v + ", " for v in vals) + ")"

    def route_call_expr(self, rc: ast.RouteCall) -> tuple[str, bool]:
        """(expression, is_dynamic)."""
        params = self.route_params(rc.args)
        if isinstance(rc.target, str):
            fn = self.route_target(rc.target)
            if params == "()":
                return f"route_call(ctx, {fn})", False
            return f"route_call(ctx, {fn}, {params})", False
        if isinstance(rc.target, ast.PVar):
            target = self.pv(rc.target)
        else:
            target = self.fmt(rc.target)
            if not target.startswith("fmt"):
                fn = self.route_names.get(("route", rc.target.value))
                if fn is None:
                    return f"route_dyn(ctx, script, {target}, {params})", True
                return f"route_call(ctx, {fn}, {params})", False
        return f"route_dyn(ctx, script, {target}, {params})", True

    # ------------------------------------------------------------------ values
    def value(self, e: Any) -> str:
        if isinstance(e, ast.IntLit):
            return py_literal(e.value)
        if isinstance(e, ast.StrLit):
            return py_literal(e.value)
        if isinstance(e, ast.NullLit):
            return "None"
        if isinstance(e, ast.PVar):
            return f"{self.pv(e)}.get(ctx)"
        if isinstance(e, ast.Compare):
            return self.compare(e)
        if isinstance(e, ast.BinOp):
            fn = _VALUE_OPS.get(e.op)
            if fn is None:
                raise LowerError(f"unknown operator {e.op}", e.span)
            left, right = self.value(e.left), self.value(e.right)
            if e.op == "+" and not isinstance(e.right, (ast.PVar, ast.StrLit)):
                return f"{fn}({left}, {right}, False)"
            return f"{fn}({left}, {right})"
        if isinstance(e, ast.BitNot):
            return f"op_bnot({self.value(e.operand)})"
        if isinstance(e, ast.ActionCond):
            return f"value_ret(ctx, {self.action_value(e.action)})"
        raise LowerError(f"unsupported expression {type(e).__name__}", getattr(e, "span", None))

    def action_value(self, action: Any) -> str:
        if isinstance(action, ast.Call):
            return self.call_expr(action)
        if isinstance(action, ast.RouteCall):
            return self.route_call_expr(action)[0]
        if isinstance(action, ast.Assign):
            return self.assign_expr(action)
        if isinstance(action, ast.Async):  # `if (!async(f(), resume))`: valid in cfg.y
            return self.async_expr(action)
        if isinstance(action, ast.Launch):
            return self.launch_expr(action)
        # any action may be a condition atom (cfg.y exp_stm): its result counts
        if isinstance(action, ast.Xlog):
            return self.xlog_expr(action)
        if isinstance(action, ast.Log):
            return self.log_expr(action)
        if isinstance(action, ast.Exit):
            return "script_exit(ctx)"
        if isinstance(action, ast.Drop):
            return "script_exit(ctx, True)"
        if isinstance(action, ast.Assert):
            return self.assert_expr(action)
        raise LowerError(f"'{type(action).__name__.lower()}' used as a condition or value is "
                         "not supported by osipsc; move it out of the condition",
                         getattr(action, "span", None))

    def compare(self, c: ast.Compare) -> str:
        left = f"{self.pv(c.left)}.get(ctx)"
        op = py_literal(c.op.value)
        r = c.right
        if isinstance(r, ast.NullLit):
            return f"cmp_null({op}, {left})"
        if isinstance(r, ast.IntLit):
            return f"cmp_int({op}, {left}, {py_literal(r.value)})"
        if isinstance(r, ast.StrLit):
            if c.op in (ast.CompareOp.MATCH, ast.CompareOp.NOMATCH):
                return f"cmp_re({op}, {left}, {self.regex(r.value)})"
            return f"cmp_str({op}, {left}, {py_literal(r.value)})"
        if isinstance(r, ast.PVar):
            return f"cmp_pv({op}, {left}, {self.pv(r)}.get(ctx))"
        if isinstance(r, ast.IpLit):
            return f"cmp_ip({op}, {left}, {self.network(r.text)})"
        raise LowerError("unsupported comparison", c.span)

    # ------------------------------------------------------------------ conditions
    def cond(self, c: Any) -> str:
        if isinstance(c, ast.And):
            t = self.temp()
            return f"({self.cond(c.right)} if ({t} := {self.cond(c.left)}) == 1 else {t})"
        if isinstance(c, ast.Or):
            t = self.temp()
            return f"({self.cond(c.right)} if ({t} := {self.cond(c.left)}) == 0 else {t})"
        if isinstance(c, ast.Not):
            t = self.temp()
            return f"({t} if ({t} := {self.cond(c.operand)}) < 0 else 1 - {t})"
        if isinstance(c, ast.Compare):
            return self.compare(c)
        if isinstance(c, ast.Truth):
            return f"truth({self.pv(c.var)}.get(ctx))"
        if isinstance(c, ast.IntLit):
            return "1" if c.value else "0"
        if isinstance(c, ast.Test):
            is_pv = isinstance(c.expr, ast.PVar)
            return f"bracket_test({self.value(c.expr)}, {is_pv})"
        if isinstance(c, ast.ActionCond):
            if isinstance(c.action, ast.RouteCall):
                expr, dynamic = self.route_call_expr(c.action)
                return f"cond_ret(ctx, {expr})"
            return f"cond_ret(ctx, {self.action_value(c.action)})"
        raise LowerError(f"unsupported condition {type(c).__name__}", getattr(c, "span", None))

    def action_cond(self, c: Any) -> tuple[str, bool] | None:
        """``(value, negated)`` when an ``if`` tests one action, maybe negated (``if
        (t_relay())``, ``if (!save("location"))``): the template then sets ``$rc`` and
        branches on the sign itself, as ``cond_ret`` would, without a call per test."""
        negated = isinstance(c, ast.Not)
        if negated:
            c = c.operand
        if not isinstance(c, ast.ActionCond):
            return None
        if isinstance(c.action, ast.RouteCall):
            return self.route_call_expr(c.action)[0], negated
        return self.action_value(c.action), negated

    # ------------------------------------------------------------------ statements
    def assign_expr(self, a: ast.Assign) -> str:
        return f"{self.pv(a.target)}.assign(ctx, {py_literal(a.op)}, {self.value(a.value)})"

    def block(self, stmts: list[Any] | None) -> list[Stmt]:
        return [self.stmt(s) for s in (stmts or [])]

    def stmt(self, s: Any) -> Stmt:
        loc = self.loc(s.span)
        text = comment(s.span.text)
        if isinstance(s, ast.Call):
            return Stmt("call", loc, text, expr=self.call_expr(s))
        if isinstance(s, ast.Assign):
            return Stmt("simple", loc, text, expr=self.assign_expr(s))
        if isinstance(s, ast.Xlog):
            return Stmt("simple", loc, text, expr=self.xlog_expr(s))
        if isinstance(s, ast.Log):
            return Stmt("simple", loc, text, expr=self.log_expr(s))
        if isinstance(s, ast.RouteCall):
            expr, dynamic = self.route_call_expr(s)
            return Stmt("routedyn" if dynamic else "route", loc, text, expr=expr)
        if isinstance(s, ast.If):
            # the condition first, then the branches (the order temporaries are numbered in)
            action = self.action_cond(s.cond)
            if action is not None:  # `if (f())` / `if (!f())`: cond_ret inlined
                kind, expr, var = "if_action", action[0], "<" if action[1] else ">"
            else:
                kind, expr, var = "if", unparen(self.cond(s.cond)), ""
            node = Stmt(kind, loc, text, expr=expr, var=var, body=self.block(s.then),
                        orelse=self.block(s.orelse) if s.orelse is not None else None)
            node.fix_rc = bool(node.body) and node.body[-1].kind in _IF_KINDS
            node.fix_rc_else = bool(node.orelse) and node.orelse[-1].kind in _IF_KINDS
            if node.orelse == []:
                node.orelse = None
            return node
        if isinstance(s, ast.While):
            self._loops += 1
            return Stmt("while", loc, text, expr=self.cond(s.cond), body=self.block(s.body),
                        var=f"_w{self._loops}")
        if isinstance(s, ast.ForEach):
            node = Stmt("foreach", loc, text, expr=self.pv(s.collection),
                        var=self.pv(s.var), body=self.block(s.body))
            if s.collection.index != "*":
                node.kind = "foreach_error"
            return node
        if isinstance(s, ast.Switch):
            labels = []
            default = len(s.cases)
            for i, case in enumerate(s.cases):
                if case.is_default or case.label is None:
                    default = i
                    labels.append(None)
                else:
                    labels.append(case.label)
            self._loops += 1
            return Stmt("switch", loc, text, expr=f"{self.pv(s.subject)}.get(ctx)",
                        var=f"_k{self._loops}",
                        extra=f"{py_literal(tuple(labels))}, {default}",
                        cases=[self.block(c.body) for c in s.cases])
        if isinstance(s, ast.Break):
            return Stmt("break", loc, text)
        if isinstance(s, ast.Exit):
            return Stmt("exit", loc, text)
        if isinstance(s, ast.Drop):
            return Stmt("drop", loc, text)
        if isinstance(s, ast.Return):
            return self.return_stmt(s, loc, text)
        if isinstance(s, ast.Assert):
            return Stmt("call", loc, text, expr=self.assert_expr(s))
        if isinstance(s, ast.Async):
            return Stmt("async", loc, text, expr=self.async_expr(s))
        if isinstance(s, ast.Launch):
            return Stmt("simple", loc, text, expr=self.launch_expr(s))
        raise LowerError(f"unsupported statement {type(s).__name__}", getattr(s, "span", None))

    def xlog_expr(self, s: ast.Xlog) -> str:
        level = "2"
        if s.kind == "xdbg":
            level = "4"
        elif s.level is not None:
            lv = s.level.value
            if lv.startswith("$"):
                pieces, _ = parse_format(s.level)
                level = self.pv(pieces[0]) if pieces and isinstance(pieces[0], ast.PVar) else "2"
            else:
                level = str(_xlog_level(lv))
        return f"xlog(ctx, {level}, {self.fmt(s.fmt)})"

    def log_expr(self, s: ast.Log) -> str:
        level, msg = 4, ""
        if s.kind == "log":
            if len(s.args) == 2 and isinstance(s.args[0], ast.IntLit):
                level = s.args[0].value
            msg = s.args[-1].value if s.args and isinstance(s.args[-1], ast.StrLit) else ""
        else:
            level = -1
            msg = "error(" + ", ".join(str(getattr(a, "value", "")) for a in s.args) + ")"
        return f"log_stmt(ctx, {level}, {py_literal(msg)})"

    def assert_expr(self, s: ast.Assert) -> str:
        """Disabled asserts (the default) are not evaluated and give -5 (``ret`` keeps
        do_action's E_BUG); enabled ones evaluate the condition (action.c ASSERT_T)."""
        msg = py_literal(s.message.value) if s.message is not None else "None"
        where = py_literal(f"{s.span.source.name}:{s.span.line}")
        return (f"(assert_check(ctx, {self.cond(s.cond)}, {msg}, {where}) "
                f"if ctx.engine.enable_asserts else -5)")

    def async_expr(self, s: ast.Async) -> str:
        fname, kinds = self.function(s.call.name, is_async=True)
        args = self.arg_tuple(s.call, kinds)
        resume = self.route_target(s.resume)
        return f"run_async(ctx, {fname}, {args}, {resume}, {py_literal(s.timeout)})"

    def launch_expr(self, s: ast.Launch) -> str:
        fname, kinds = self.function(s.call.name, is_async=True)
        args = self.arg_tuple(s.call, kinds)
        report = self.route_target(s.report) if s.report is not None else "None"
        param = self.fmt(s.param) if s.param is not None else "None"
        return f"run_launch(ctx, {fname}, {args}, {report}, {param})"

    def arg_tuple(self, call: ast.Call, kinds: tuple[str, ...]) -> str:
        args = [self.arg(a, kinds[i] if i < len(kinds) else "") for i, a in enumerate(call.args)]
        return "(" + "".join(a + ", " for a in args) + ")"

    def return_stmt(self, s: ast.Return, loc: int, text: str) -> Stmt:
        values = ""
        if s.values:
            vals = []
            for v in s.values:
                if isinstance(v, ast.IntLit):
                    n = v.value
                    vals.append(py_literal(str(n if n >= 0 else n + (1 << 64))))
                elif isinstance(v, ast.StrLit):
                    vals.append(py_literal(v.value))
                elif isinstance(v, ast.PVar):
                    vals.append(f"{self.pv(v)}.get(ctx)")
                else:
                    vals.append("None")
            values = "(" + "".join(v + ", " for v in vals) + ")"
        if s.code is None:
            return Stmt("return", loc, text, expr="1", extra=values)
        if isinstance(s.code, ast.IntLit):
            if s.code.value == 0:
                return Stmt("exit", loc, text, extra=values)
            return Stmt("return", loc, text, expr=py_literal(s.code.value), extra=values)
        return Stmt("return_var", loc, text, expr=f"{self.pv(s.code)}.get(ctx)", extra=values)

    # ------------------------------------------------------------------ module
    def lower(self) -> Module:
        script = self.script
        taken: set[str] = set()
        for r in script.routes:
            key = (r.kind.value, r.name)
            if key in self.route_names:
                continue
            base = route_pyname(r.kind.value, r.name)
            py = base
            n = 2
            while py in taken:
                py = f"{base}_{n}"
                n += 1
            taken.add(py)
            self.route_names[key] = py
        self._names |= taken
        params: dict[str, Any] = {}
        modparams = []
        for item in script.items:
            if isinstance(item, ast.GlobalParam):
                params[item.name] = item.value
            elif isinstance(item, ast.ModParam):
                modparams.append((item.module, item.param, item.value))
        routes = []
        seen: set[tuple[str, str | None]] = set()
        for r in script.routes:
            key = (r.kind.value, r.name)
            if key in seen:
                continue
            seen.add(key)
            self._temp = 0
            self._loops = 0
            self.locations = []
            loc = self.loc(r.span)
            body = self.block(r.body)
            header = comment(r.span.text)
            routes.append(Route(r.kind.value, r.name, self.route_names[key], r.interval, body,
                                loc, header, self.locations))
        return Module(
            source=self.source_name,
            abi=ABI,
            version=self.version,
            params=py_literal(params),
            modules=py_literal(list(script.modules)),
            modparams=py_literal(modparams),
            flags=py_literal(tuple(self.flag_names)),
            bindings=self.bindings,
            routes=routes,
            files=self.files,
        )


def _xlog_level(name: str) -> int:
    levels = {"A": -3, "C": -2, "E": -1, "W": 1, "N": 2, "I": 3, "D": 4}
    return levels.get(name[2:3].upper(), 2) if len(name) >= 3 else 2


def lower(script: ast.Script, source_name: str, version: str) -> Module:
    """The render model of ``script`` (raises ``LowerError`` for unsupported constructs)."""
    return Lowerer(script, source_name, version).lower()
