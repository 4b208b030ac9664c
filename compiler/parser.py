"""Recursive-descent parser for OpenSIPS 3.x scripts (language.md §4-§6).

Tokens come from ``compiler.lexer`` (includes already spliced by ``compiler.includes``).
Each syntax error becomes a Diagnostic; the parser then re-synchronises at the next
statement (``;`` or ``}``) or the next top-level item, so one run reports every error.
``Diagnostic.opensips`` carries what OpenSIPS 3.6 logs (``parse error: syntax error``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from .diagnostics import Diagnostic, error, warning
from .lexer import ROUTE_KEYWORDS, Token
from .pvar import parse_token
from .source import SourceFile
from .syntax import (
    ActionCond,
    And,
    Arg,
    Assert,
    Assign,
    Async,
    BinOp,
    BitNot,
    Break,
    Call,
    Case,
    Compare,
    CompareOp,
    Cond,
    Drop,
    Exit,
    Expr,
    ForEach,
    GlobalParam,
    If,
    IntLit,
    IpLit,
    Launch,
    LoadModule,
    Log,
    ModParam,
    Not,
    NullLit,
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
    TopItem,
    Truth,
    While,
    Xlog,
)

SYNTAX = "parse error: syntax error"
ASSIGN_OPS = frozenset("= := += -= *= /= %= &= |= ^=".split())
REL_OPS = frozenset("== != < > <= >= =~ !~".split())
ARITH_OPS = frozenset("+ - * / %".split())
BIT_OPS = frozenset("| & ^ << >>".split())
ROUTE_FLAG = {
    RouteKind.REQUEST: "REQUEST_ROUTE", RouteKind.FAILURE: "FAILURE_ROUTE",
    RouteKind.ONREPLY: "ONREPLY_ROUTE", RouteKind.BRANCH: "BRANCH_ROUTE",
    RouteKind.ERROR: "ERROR_ROUTE", RouteKind.LOCAL: "LOCAL_ROUTE",
    RouteKind.STARTUP: "STARTUP_ROUTE", RouteKind.TIMER: "TIMER_ROUTE",
    RouteKind.EVENT: "EVENT_ROUTE",
}
NAMED_REQUIRED = {RouteKind.FAILURE, RouteKind.BRANCH, RouteKind.TIMER, RouteKind.EVENT}
UNNAMED_ONLY = {RouteKind.ERROR, RouteKind.LOCAL, RouteKind.STARTUP}

# §6.4: pre-2.3 keyword operands and what to write in 3.x
OLD_OPERANDS = {
    "method": ("rm", "is_method(\"...\") or $rm"),
    "uri": ("ru", "$ru (and is_myself($rd) instead of 'uri == myself')"),
    "from_uri": ("fu", "$fu (and is_myself($fd) instead of 'from_uri == myself')"),
    "to_uri": ("tu", "$tu"),
    "src_ip": ("si", "$si"),
    "src_port": ("sp", "$sp"),
    "dst_ip": ("socket_in", "$socket_in(ip)"),
    "dst_port": ("socket_in", "$socket_in(port)"),
    "proto": ("socket_in", "$socket_in(proto)"),
    "af": ("socket_in", "$socket_in(af)"),
    "status": ("rs", "$rs"),
}
PROC_STATEMENTS = {
    "forward": "forward()", "break": "break;", "drop": "drop;", "exit": "exit;",
}


class _Sync(Exception):
    """Raised after a diagnostic was recorded; the caller re-synchronises."""


def _describe(tok: Token) -> str:
    if tok.kind == "EOF":
        return "end of file"
    if tok.kind == "STRING":
        return "string " + tok.text[:40]
    if tok.kind == "NUMBER":
        return f"number {tok.text}"
    if tok.kind == "PVAR":
        return f"variable {tok.text}"
    return repr(tok.text)


class Parser:
    """Parses one token list (with includes spliced) into a ``Script``."""

    def __init__(self, toks: list[Token], main: SourceFile) -> None:
        self.toks = toks
        self.i = 0
        self.main = main
        self.diags: list[Diagnostic] = []
        self.loop_depth = 0

    # ----------------------------------------------------------------- helpers
    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def peek(self, k: int = 1) -> Token:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else self.toks[-1]

    def advance(self) -> Token:
        t = self.toks[self.i]
        if t.kind != "EOF":
            self.i += 1
        return t

    def is_op(self, value: str, tok: Token | None = None) -> bool:
        t = tok or self.toks[self.i]
        return t.kind == "OP" and t.value == value

    def is_kw(self, value: str, tok: Token | None = None) -> bool:
        t = tok or self.toks[self.i]
        return t.kind == "KW" and t.value == value

    def prev(self) -> Token:
        return self.toks[self.i - 1] if self.i > 0 else self.toks[0]

    def span(self, first: Token, last: Token | None = None) -> Span:
        last = last or self.prev()
        end = last.end if last.source is first.source and last.end >= first.start else first.end
        return Span(first.source, first.start, end)

    def fail(self, message: str, tok: Token | None = None, hint: str | None = None,
             opensips: str | None = SYNTAX) -> _Sync:
        t = tok or self.tok
        self.diags.append(error(message, t.source, t.start, t.end, hint=hint, opensips=opensips))
        return _Sync()

    def expect_op(self, value: str, what: str = "") -> Token:
        if self.is_op(value):
            return self.advance()
        t = self.tok
        hint = None
        prev = self.prev()
        if value == ";":
            # point just after the previous token, like a C compiler does
            if prev.kind == "PVAR" and t.kind == "OP" and t.value in ("[", "{"):
                hint = f"indexes and transformations need the $( ) form: $({prev.text[1:]}[...])"
            self.diags.append(error(f"expected ';' after {_describe(prev)}", prev.source,
                                    prev.end, prev.end, hint=hint, opensips=SYNTAX))
            raise _Sync()
        if value == "]" and prev.kind == "PVAR" and prev.text.endswith("]"):
            hint = f"the ']' was swallowed into the variable token {prev.text}; write a blank " \
                   f"before it ('{prev.text[:-1]} ]') or use $( ) form"
        if value == "}" and prev.kind == "PVAR" and prev.text.endswith("}"):
            hint = f"the '}}' was swallowed into {prev.text}; put a blank before it"
        raise self.fail(f"expected '{value}'{what} but found {_describe(t)}", t, hint=hint)

    # ----------------------------------------------------------------- top level
    def parse_script(self) -> Script:
        items: list[TopItem] = []
        while self.tok.kind != "EOF":
            start = self.i
            try:
                item = self.top_item()
                if item is not None:
                    items.append(item)
            except _Sync:
                self.sync_top(start)
        if not items and not any(d.is_error for d in self.diags):
            self.diags.append(error("the script is empty (OpenSIPS refuses a file without "
                                    "statements)", self.main, 0, 0, opensips=SYNTAX))
        return Script(items=items, main=self.main)

    def at_top_start(self, k: int = 0) -> bool:
        t = self.peek(k)
        if t.kind == "KW":
            if t.value in ROUTE_KEYWORDS:
                nxt = self.peek(k + 1)
                return self.is_op("[", nxt) or self.is_op("{", nxt)
            return t.value in ("loadmodule", "modparam", "mpath")
        if t.kind in ("PARAM", "ID"):
            return self.is_op("=", self.peek(k + 1))
        return False

    def sync_top(self, start: int) -> None:
        if self.i == start:
            self.advance()
        depth = 0
        while self.tok.kind != "EOF":
            if self.is_op("{"):
                depth += 1
            elif self.is_op("}"):
                depth -= 1
                if depth <= 0:
                    self.advance()
                    if depth == 0:
                        return
                    depth = 0
                    continue
            elif depth <= 0 and self.at_top_start():
                return
            self.advance()

    def top_item(self) -> TopItem | None:
        t = self.tok
        if t.kind == "KW":
            if t.value == "loadmodule":
                self.advance()
                s = self.tok
                if s.kind != "STRING":
                    raise self.fail(f"loadmodule expects a quoted module name, found {_describe(s)}",
                                    s, hint='write loadmodule "tm.so"')
                self.advance()
                return LoadModule(str(s.value), self.span(t))
            if t.value == "modparam":
                return self.modparam()
            if t.value == "mpath":
                self.advance()
                self.expect_op("=")
                return self.global_value(t, "mpath")
            if t.value in ROUTE_KEYWORDS:
                return self.route_block()
        if t.kind == "PARAM":
            self.advance()
            if not self.is_op("="):
                raise self.fail(f"expected '=' after global parameter {t.value}")
            self.advance()
            return self.global_value(t, str(t.value))
        if t.kind == "ID" and self.is_op("=", self.peek()):
            self.advance()
            self.advance()
            hint = None
            if t.value in ("children", "fork"):
                hint = "OpenSIPS 3.x uses udp_workers / tcp_workers; 'fork' no longer exists"
            elif t.value in ("listen",):
                hint = "use socket = proto:host:port"
            self.diags.append(error(f"unknown global parameter '{t.value}'", t.source, t.start,
                                    t.end, hint=hint, opensips="parse error: unknown config variable"))
            self.skip_global_value()
            return None
        if t.kind == "ID" and self.is_op("{", self.peek()) and t.value in (
                "request_route", "reply_route", "onsend_route"):
            raise self.fail(f"'{t.value}' is Kamailio syntax, not an OpenSIPS route",
                            hint="OpenSIPS uses route { }, onreply_route { }")
        raise self.fail(f"unexpected {_describe(t)} at top level", t,
                        hint="expected a global parameter, loadmodule, modparam or a route block")

    def skip_global_value(self) -> int:
        """Advance past a global value (tokens up to the next top-level item); last index."""
        first = self.i
        while self.tok.kind != "EOF" and not self.at_top_start():
            if self.is_op("{"):
                # dst_blacklist rules / bond sockets: skip the braces
                depth = 0
                while self.tok.kind != "EOF":
                    if self.is_op("{"):
                        depth += 1
                    elif self.is_op("}"):
                        depth -= 1
                        if depth == 0:
                            break
                    self.advance()
            self.advance()
        return first

    def global_value(self, name_tok: Token, name: str) -> GlobalParam:
        first = self.tok
        start = self.i
        if first.kind == "EOF" or self.at_top_start():
            raise self.fail(f"missing value for global parameter {name}", first)
        self.skip_global_value()
        toks = self.toks[start:self.i]
        last = toks[-1]
        raw = first.source.text[first.start:last.end] if last.source is first.source else first.text
        value: int | str = raw
        if len(toks) == 1 and toks[0].kind in ("NUMBER", "STRING", "ID"):
            value = toks[0].value  # type: ignore[assignment]
        elif (len(toks) == 2 and toks[0].kind == "OP" and toks[0].value in "+-"
              and toks[1].kind == "NUMBER"):
            value = -int(toks[1].value) if toks[0].value == "-" else int(toks[1].value)  # type: ignore[arg-type]
        if name == "mpath" and len(toks) == 1 and toks[0].kind != "STRING":
            raise self.fail("mpath expects a quoted directory", first)
        return GlobalParam(name, value, self.span(name_tok, last), raw=raw)

    def modparam(self) -> ModParam:
        t = self.advance()
        self.expect_op("(", " after modparam")
        mod = self.expect_string("module name")
        self.expect_op(",")
        par = self.expect_string("parameter name")
        self.expect_op(",")
        value: int | str
        if self.tok.kind == "STRING":
            parts = []
            while self.tok.kind == "STRING":
                parts.append(str(self.advance().value))
            value = "".join(parts)
        else:
            value = self.snumber("modparam value (a string or a number)")
        self.expect_op(")")
        return ModParam(str(mod.value), str(par.value), value, self.span(t))

    def expect_string(self, what: str) -> Token:
        if self.tok.kind != "STRING":
            hint = None
            if self.tok.kind in ("ID", "PARAM", "KW"):
                hint = f'quote it: "{self.tok.text}"'
            raise self.fail(f"expected a string ({what}) but found {_describe(self.tok)}",
                            hint=hint)
        return self.advance()

    def snumber(self, what: str) -> int:
        t = self.tok
        sign = 1
        if t.kind == "OP" and t.value in ("+", "-") and self.peek().kind == "NUMBER":
            sign = -1 if t.value == "-" else 1
            self.advance()
            t = self.tok
        if t.kind != "NUMBER":
            raise self.fail(f"expected {what} but found {_describe(t)}")
        self.advance()
        return sign * int(t.value)  # type: ignore[arg-type]

    # ----------------------------------------------------------------- routes
    def route_name(self) -> tuple[str, Token]:
        t = self.tok
        if t.kind == "ID":
            self.advance()
            return str(t.value), t
        if t.kind == "NUMBER":
            self.advance()
            return str(t.value), t
        if t.kind == "STRING":
            self.advance()
            return str(t.value), t
        if t.kind == "OP" and t.value in "+-" and self.peek().kind == "NUMBER":
            n = self.snumber("a route name")
            return str(n), t
        hint = None
        if t.kind in ("KW", "PARAM"):
            hint = f'{t.text!r} is a reserved word; quote it: "{t.text}"'
        raise self.fail(f"invalid route name {_describe(t)}", t, hint=hint)

    def route_block(self) -> RouteBlock:
        kw = self.advance()
        kind = RouteKind(kw.value)
        name: str | None = None
        name_tok: Token | None = None
        interval: int | None = None
        flag: str | None = None
        if self.is_op("["):
            self.advance()
            name, name_tok = self.route_name()
            if self.is_op(","):
                self.advance()
                if kind is RouteKind.TIMER:
                    interval = self.snumber("the timer interval in seconds")
                elif kind is RouteKind.EVENT and self.tok.kind in ("ID", "KW"):
                    ft = self.advance()
                    flag = str(ft.value)
                    self.diags.append(error(
                        f"event_route[{name}, {flag}] is OpenSIPS 2.x syntax", ft.source, ft.start,
                        ft.end, hint=f"3.x has no sync/async flag: write event_route[{name}]",
                        opensips=SYNTAX))
                else:
                    raise self.fail(f"unexpected ',' in {kind.value} name", self.prev())
            self.expect_op("]")
            if kind is RouteKind.REQUEST and name == "0":
                name = None
        if kind in NAMED_REQUIRED and name is None:
            extra = ", seconds" if kind is RouteKind.TIMER else ""
            self.diags.append(error(f"{kind.value} needs a name: {kind.value}[name{extra}]",
                                    kw.source, kw.start, kw.end, opensips=SYNTAX))
        elif kind is RouteKind.TIMER and interval is None:
            self.diags.append(error("timer_route needs an interval: timer_route[name, seconds]",
                                    kw.source, kw.start, kw.end, opensips=SYNTAX))
        elif kind in UNNAMED_ONLY and name is not None:
            self.diags.append(error(f"{kind.value} takes no name", kw.source, kw.start, kw.end,
                                    opensips=SYNTAX))
        if not self.is_op("{"):
            raise self.fail(f"expected '{{' to open the {kind.value} body but found "
                            f"{_describe(self.tok)}")
        lbrace = self.advance()
        first = self.i
        body = self.block_body(lbrace, route_kw=kw)
        if not body and self.i == first + 1 and self.is_op("}", self.prev()):
            self.diags.append(error("a route body needs at least one statement", lbrace.source,
                                    lbrace.start, self.prev().end,
                                    hint="write an empty statement: { ; }", opensips=SYNTAX))
        ns = self.span(name_tok) if name_tok is not None else None
        return RouteBlock(kind, name, body, self.span(kw), name_span=ns, interval=interval,
                          event_flag=flag)

    def block_body(self, lbrace: Token, route_kw: Token | None = None) -> list[Stmt]:
        """Statements up to the matching ``}`` (consumed). Recovers inside."""
        body: list[Stmt] = []
        while True:
            t = self.tok
            if self.is_op("}"):
                self.advance()
                return body
            if t.kind == "EOF":
                self.diags.append(error("missing '}': block opened here is never closed",
                                        lbrace.source, lbrace.start, lbrace.end, opensips=SYNTAX))
                return body
            if self.at_route_start():
                self.diags.append(error("missing '}' before the next route block",
                                        lbrace.source, lbrace.start, lbrace.end, opensips=SYNTAX))
                return body
            start = self.i
            try:
                st = self.statement()
                if st is not None:
                    body.extend(st) if isinstance(st, list) else body.append(st)
            except _Sync:
                self.sync_stmt(start)

    def at_route_start(self) -> bool:
        t = self.tok
        if t.kind == "KW" and t.value in ROUTE_KEYWORDS and t.value != "route":
            return self.is_op("[", self.peek()) or self.is_op("{", self.peek())
        if self.is_kw("route"):
            return self.is_op("[", self.peek()) or self.is_op("{", self.peek())
        return (t.kind in ("KW",) and t.value in ("loadmodule", "modparam")) or (
            t.kind == "PARAM" and self.is_op("=", self.peek()))

    def sync_stmt(self, start: int) -> None:
        """Skip to just after the next ``;`` or before the ``}`` closing this block."""
        if self.i == start and not self.is_op("}"):
            self.advance()
        depth = 0
        while self.tok.kind != "EOF":
            if self.is_op(";") and depth == 0:
                self.advance()
                return
            if self.is_op("{"):
                depth += 1
            elif self.is_op("}"):
                if depth == 0:
                    return
                depth -= 1
                if depth == 0:
                    self.advance()
                    return
            elif depth == 0 and self.at_route_start():
                return
            self.advance()

    # ----------------------------------------------------------------- statements
    def statement(self) -> Stmt | list[Stmt] | None:
        t = self.tok
        if t.kind == "OP":
            if t.value == ";":
                self.advance()
                return None
            if t.value == "{":
                self.advance()
                inner = self.block_body(t)
                self.diags.append(error("a bare '{ ... }' block is not a statement in OpenSIPS",
                                        t.source, t.start, t.end,
                                        hint="braces only follow if/else/while/for; remove them",
                                        opensips=SYNTAX))
                return inner
        if t.kind == "KW":
            v = t.value
            if v == "if":
                return self.if_stmt()
            if v == "while":
                return self.while_stmt()
            if v == "for":
                return self.for_stmt()
            if v == "switch":
                return self.switch_stmt()
            if v == "break":
                self.advance()
                if self.loop_depth <= 0:
                    self.diags.append(error("'break' outside while/for/switch", t.source, t.start,
                                            t.end, opensips=SYNTAX))
                self.expect_op(";")
                return Break(self.span(t))
            if v == "else":
                raise self.fail("'else' without a matching 'if'", t,
                                hint="remove the ';' between the if body and 'else'")
        st = self.simple()
        self.expect_op(";")
        return st

    def simple(self) -> Stmt:
        """A ``cmd`` or ``assign`` (no trailing ``;``)."""
        t = self.tok
        if t.kind == "PVAR":
            pv = self.pvar()
            op = self.tok
            if op.kind == "OP" and op.value in ASSIGN_OPS:
                return self.assignment(pv, t)
            if op.kind == "OP" and op.value in REL_OPS:
                raise self.fail("a comparison is not a statement", op,
                                hint="use it inside if ( ... )")
            raise self.fail(f"expected an assignment operator after {t.text} but found "
                            f"{_describe(op)}", op)
        cmd = self.command()
        if cmd is not None:
            return cmd
        if t.kind == "ID":
            raise self.fail(f"'{t.value}' is not followed by '(': bare words are not statements",
                            t, hint=f"call it as {t.value}(...)")
        if t.kind == "PARAM":
            raise self.fail(f"'{t.value}' is a reserved word (global parameter) and cannot be "
                            "used as a function name", t)
        raise self.fail(f"unexpected {_describe(t)}: expected a statement", t)

    def command(self) -> Stmt | None:
        """Parse a ``cmd`` if one starts here, else return None without consuming."""
        t = self.tok
        if t.kind == "ID" and self.is_op("(", self.peek()):
            return self.call()
        if t.kind != "KW":
            return None
        v = t.value
        if v == "route" and self.is_op("(", self.peek()):
            return self.route_call()
        if v == "return":
            return self.return_stmt()
        if v in ("exit", "drop"):
            self.advance()
            if self.is_op("(") and self.is_op(")", self.peek()):
                self.advance()
                self.advance()
            return Exit(self.span(t)) if v == "exit" else Drop(self.span(t))
        if v in ("xlog", "xdbg"):
            return self.xlog()
        if v in ("log", "error"):
            return self.log_stmt()
        if v == "assert":
            return self.assert_stmt()
        if v == "async":
            return self.async_stmt()
        if v == "launch":
            return self.launch_stmt()
        return None

    def pvar(self) -> PVar:
        t = self.advance()
        pv, diags = parse_token(t.text, t.source, t.start)
        self.diags.extend(diags)
        if pv is None:
            return PVar("", Span(t.source, t.start, t.end), t.text)
        return pv

    def call(self) -> Call:
        name = self.advance()
        self.advance()  # (
        args = self.args(f"{name.value}()")
        return Call(str(name.value), args, self.span(name), name_span=self.span(name, name))

    def arg(self, allow_null: bool, where: str) -> Arg:
        t = self.tok
        if t.kind == "STRING":
            self.advance()
            if self.tok.kind == "STRING":
                raise self.fail("adjacent strings are only joined in xlog/xdbg and modparam",
                                self.tok)
            return StrLit(str(t.value), t.quote, self.span(t, t))
        if t.kind == "NUMBER" or (t.kind == "OP" and t.value in ("+", "-")
                                  and self.peek().kind == "NUMBER"):
            n = self.snumber("a number")
            return IntLit(n, self.span(t))
        if t.kind == "PVAR":
            return self.pvar()
        if t.kind == "KW" and t.value in ("null", "NULL"):
            self.advance()
            if not allow_null:
                raise self.fail(f"NULL is not a valid argument of {where}", t)
            return NullLit(self.span(t, t))
        if self.is_op(",") or self.is_op(")"):
            return None
        if t.kind in ("ID", "KW", "PARAM"):
            raise self.fail(f"bare word '{t.text}' as an argument of {where}", t,
                            hint=f'quote it: "{t.text}"')
        raise self.fail(f"invalid argument {_describe(t)} in {where}: only literals, variables "
                        "and empty slots are allowed", t)

    def args(self, where: str, allow_null: bool = False) -> list[Arg]:
        """Arguments after ``(`` up to and including ``)``."""
        if self.is_op(")"):
            self.advance()
            return []
        out: list[Arg] = []
        while True:
            out.append(self.arg(allow_null, where))
            if self.is_op(","):
                self.advance()
                continue
            if self.is_op(")"):
                self.advance()
                return out
            t = self.tok
            if t.kind == "OP" and (t.value in ARITH_OPS or t.value in BIT_OPS):
                raise self.fail(f"expressions are not allowed as arguments of {where}", t,
                                hint="compute the value into a $var first")
            raise self.fail(f"expected ',' or ')' in {where} but found {_describe(t)}", t)

    def route_call(self) -> RouteCall:
        kw = self.advance()
        self.advance()  # (
        t = self.tok
        target: str | PVar | StrLit
        if t.kind in ("ID", "NUMBER"):
            self.advance()
            target = str(t.value)
        elif t.kind == "STRING":
            self.advance()
            target = StrLit(str(t.value), t.quote, self.span(t, t)) if "$" in str(t.value) \
                else str(t.value)
        elif t.kind == "PVAR":
            target = self.pvar()
        else:
            hint = f'quote it: route("{t.text}")' if t.kind in ("KW", "PARAM") else None
            raise self.fail(f"invalid route name {_describe(t)} in route()", t, hint=hint)
        tspan = self.span(t, t)
        args: list[Arg] = []
        if self.is_op(","):
            self.advance()
            args = self.args("route()", allow_null=True)
        else:
            self.expect_op(")")
        return RouteCall(target, args, self.span(kw), target_span=tspan)

    def return_stmt(self) -> Return:
        kw = self.advance()
        code: IntLit | PVar | None = None
        values: list[IntLit | StrLit | PVar | NullLit] = []
        t = self.tok
        if self.is_op("("):
            self.advance()
            if not self.is_op(",") and not self.is_op(")"):
                code = self.ret_code()
            while self.is_op(","):
                self.advance()
                v = self.arg(True, "return()")
                if v is None:
                    raise self.fail("empty value in return()", self.tok)
                values.append(v)
            self.expect_op(")")
        elif t.kind == "NUMBER" or t.kind == "PVAR" or (
                t.kind == "OP" and t.value in "+-" and self.peek().kind == "NUMBER"):
            code = self.ret_code()
        return Return(code, values, self.span(kw))

    def ret_code(self) -> IntLit | PVar:
        t = self.tok
        if t.kind == "PVAR":
            return self.pvar()
        n = self.snumber("a return code (number or variable)")
        return IntLit(n, self.span(t))

    def fstr(self) -> StrLit:
        first = self.tok
        if first.kind != "STRING":
            hint = None
            if first.kind == "PVAR":
                hint = f'put the variable inside the format string: "{first.text}"'
            raise self.fail(f"expected a string but found {_describe(first)}", first, hint=hint)
        parts = []
        quote = str(first.quote)
        while self.tok.kind == "STRING":
            parts.append(str(self.advance().value))
        return StrLit("".join(parts), quote, self.span(first))

    def xlog(self) -> Xlog:
        kw = self.advance()
        self.expect_op("(", f" after {kw.value}")
        level: StrLit | None = None
        first = self.fstr()
        if self.is_op(",") and kw.value == "xlog":
            self.advance()
            level = first
            first = self.fstr()
        self.expect_op(")")
        return Xlog(first, self.span(kw), level=level, kind=str(kw.value))

    def log_stmt(self) -> Log:
        kw = self.advance()
        self.expect_op("(", f" after {kw.value}")
        args: list[StrLit | IntLit] = []
        if kw.value == "log" and self.tok.kind != "STRING":
            t = self.tok
            args.append(IntLit(self.snumber("a log level or a string"), self.span(t)))
            self.expect_op(",")
        s = self.expect_string(f"{kw.value} text")
        args.append(StrLit(str(s.value), s.quote, self.span(s, s)))
        if kw.value == "error":
            self.expect_op(",")
            s = self.expect_string("error text")
            args.append(StrLit(str(s.value), s.quote, self.span(s, s)))
        self.expect_op(")")
        return Log(args, self.span(kw), kind=str(kw.value))

    def assert_stmt(self) -> Assert:
        kw = self.advance()
        self.expect_op("(", " after assert")
        cond = self.cond()
        msg: StrLit | None = None
        if self.is_op(","):
            self.advance()
            s = self.expect_string("assert message")
            msg = StrLit(str(s.value), s.quote, self.span(s, s))
        self.expect_op(")")
        return Assert(cond, msg, self.span(kw))

    def acall(self, what: str) -> Call:
        t = self.tok
        if t.kind == "ID" and self.is_op("(", self.peek()):
            return self.call()
        raise self.fail(f"{what} expects a module function call as its first argument, found "
                        f"{_describe(t)}", t)

    def async_stmt(self) -> Async:
        kw = self.advance()
        self.expect_op("(", " after async")
        call = self.acall("async()")
        self.expect_op(",", " and a resume route name")
        name, nt = self.route_name()
        timeout: int | None = None
        if self.is_op(","):
            self.advance()
            timeout = self.snumber("a timeout in seconds")
        self.expect_op(")")
        return Async(call, name, self.span(kw), timeout=timeout, resume_span=self.span(nt, nt))

    def launch_stmt(self) -> Launch:
        kw = self.advance()
        self.expect_op("(", " after launch")
        call = self.acall("launch()")
        report: str | None = None
        rspan: Span | None = None
        param: StrLit | None = None
        if self.is_op(","):
            self.advance()
            report, nt = self.route_name()
            rspan = self.span(nt, nt)
            if self.is_op(","):
                self.advance()
                s = self.expect_string("launch parameter")
                param = StrLit(str(s.value), s.quote, self.span(s, s))
        self.expect_op(")")
        return Launch(call, self.span(kw), report=report, param=param, report_span=rspan)

    def assignment(self, target: PVar, first: Token) -> Assign:
        op = self.advance()
        t = self.tok
        value: Expr | NullLit
        if t.kind == "KW" and t.value in ("null", "NULL"):
            self.advance()
            if op.value not in ("=", ":="):
                raise self.fail(f"NULL can only be assigned with '=' or ':=', not '{op.value}'", t)
            value = NullLit(self.span(t, t))
        else:
            value = self.aexp()
        return Assign(target, str(op.value), value, self.span(first))

    # ----------------------------------------------------------------- control flow
    def sub_body(self) -> list[Stmt]:
        """Body of if/else/while/for: one statement or a ``{ }`` block (may be empty)."""
        if self.is_op("{"):
            lb = self.advance()
            return self.block_body(lb)
        start = self.i
        try:
            st = self.statement()
        except _Sync:
            self.sync_stmt(start)
            return []
        if st is None:
            return []
        return st if isinstance(st, list) else [st]

    def paren_cond(self, what: str) -> Cond:
        self.expect_op("(", f" after '{what}'")
        c = self.cond()
        if not self.is_op(")"):
            t = self.tok
            hint = None
            if t.kind == "OP" and (t.value in ARITH_OPS or t.value in BIT_OPS):
                hint = "arithmetic in a condition needs the test operator: if ([ ... ])"
            raise self.fail(f"expected ')' to close the {what} condition but found "
                            f"{_describe(t)}", t, hint=hint)
        self.advance()
        return c

    def if_stmt(self) -> If:
        kw = self.advance()
        cond = self.paren_cond("if")
        then = self.sub_body()
        orelse: list[Stmt] | None = None
        if self.is_kw("else"):
            self.advance()
            orelse = self.sub_body()
        elif self.is_op(";") and self.is_kw("else", self.peek()):
            semi = self.tok
            self.diags.append(error("';' between the if body and 'else'", semi.source,
                                    semi.start, semi.end, hint="remove the ';'", opensips=SYNTAX))
            self.advance()
            self.advance()
            orelse = self.sub_body()
        return If(cond, then, orelse, self.span(kw))

    def while_stmt(self) -> While:
        kw = self.advance()
        cond = self.paren_cond("while")
        self.loop_depth += 1
        try:
            body = self.sub_body()
        finally:
            self.loop_depth -= 1
        return While(cond, body, self.span(kw))

    def for_stmt(self) -> ForEach:
        kw = self.advance()
        self.expect_op("(", " after 'for'")
        if self.tok.kind != "PVAR":
            raise self.fail("for expects 'for ($var(x) in $(collection[*]))'", self.tok,
                            hint="C-style for(;;) loops do not exist; use while")
        var = self.pvar()
        if not self.is_kw("in"):
            raise self.fail(f"expected 'in' after {var.text}", self.tok)
        self.advance()
        if self.tok.kind != "PVAR":
            raise self.fail("expected a variable after 'in'", self.tok)
        coll = self.pvar()
        self.expect_op(")")
        self.loop_depth += 1
        try:
            body = self.sub_body()
        finally:
            self.loop_depth -= 1
        return ForEach(var, coll, body, self.span(kw))

    def switch_stmt(self) -> Switch:
        kw = self.advance()
        self.expect_op("(", " after 'switch'")
        if self.tok.kind != "PVAR":
            raise self.fail("switch expects a variable", self.tok)
        subject = self.pvar()
        self.expect_op(")")
        lb = self.tok
        self.expect_op("{")
        cases: list[Case] = []
        seen_default = False
        self.loop_depth += 1
        try:
            while True:
                t = self.tok
                if self.is_op("}"):
                    self.advance()
                    break
                if t.kind == "EOF" or self.at_route_start():
                    self.diags.append(error("missing '}' to close the switch", lb.source,
                                            lb.start, lb.end, opensips=SYNTAX))
                    break
                start = self.i
                try:
                    if self.is_kw("case"):
                        self.advance()
                        lt = self.tok
                        label: int | str
                        if lt.kind == "STRING":
                            self.advance()
                            label = str(lt.value)
                        elif lt.kind == "NUMBER" or (lt.kind == "OP" and lt.value in "+-"):
                            label = self.snumber("a case label")
                        else:
                            raise self.fail(f"case labels must be numbers or strings, found "
                                            f"{_describe(lt)}", lt)
                        if seen_default:
                            self.diags.append(error("'default' must be the last label of a switch",
                                                    t.source, t.start, t.end, opensips=SYNTAX))
                        self.expect_op(":", " after the case label")
                        cases.append(Case(label, self.case_body(), self.span(t)))
                    elif self.is_kw("default"):
                        self.advance()
                        self.expect_op(":", " after 'default'")
                        seen_default = True
                        cases.append(Case(None, self.case_body(), self.span(t), is_default=True))
                    else:
                        raise self.fail(f"expected 'case' or 'default' but found {_describe(t)}", t)
                except _Sync:
                    self.sync_stmt(start)
        finally:
            self.loop_depth -= 1
        if not any(not c.is_default for c in cases):
            self.diags.append(error("a switch needs at least one 'case'", kw.source, kw.start,
                                    kw.end, opensips=SYNTAX))
        return Switch(subject, cases, self.span(kw))

    def case_body(self) -> list[Stmt]:
        body: list[Stmt] = []
        while not (self.is_kw("case") or self.is_kw("default") or self.is_op("}")
                   or self.tok.kind == "EOF" or self.at_route_start()):
            start = self.i
            try:
                st = self.statement()
                if st is not None:
                    body.extend(st) if isinstance(st, list) else body.append(st)
            except _Sync:
                self.sync_stmt(start)
        return body

    # ----------------------------------------------------------------- conditions
    def cond(self) -> Cond:
        left = self.cond_unary()
        while True:
            t = self.tok
            if (t.kind == "OP" and t.value in ("&&", "||")) or (
                    t.kind == "KW" and t.value in ("and", "or")):
                self.advance()
                right = self.cond_unary()
                sp = Span(t.source, _start(left), max(self.prev().end, _start(left)))
                if t.value in ("&&", "and"):
                    left = And(left, right, sp)
                else:
                    left = Or(left, right, sp)
            else:
                return left

    def cond_unary(self) -> Cond:
        t = self.tok
        if self.is_op("!") or self.is_kw("not"):
            self.advance()
            operand = self.cond_unary()
            return Not(operand, self.span(t))
        return self.cond_atom()

    def cond_atom(self) -> Cond:
        t = self.tok
        if self.is_op("("):
            self.advance()
            c = self.cond()
            self.expect_op(")")
            return c
        if self.is_op("["):
            self.advance()
            e = self.aexp()
            self.expect_op("]", " to close the [ ] test")
            return Test(e, self.span(t))
        if t.kind == "PVAR":
            pv = self.pvar()
            op = self.tok
            if op.kind == "OP" and op.value in REL_OPS:
                return self.compare(pv, t)
            if op.kind == "OP" and op.value in ASSIGN_OPS:
                a = self.assignment(pv, t)
                return ActionCond(a, a.span)
            if op.kind == "OP" and (op.value in ARITH_OPS or op.value in BIT_OPS):
                raise self.fail(f"operator '{op.value}' is not allowed in a condition", op,
                                hint=f"use the test operator: if ([ {t.text} {op.value} ... ])")
            return Truth(pv, self.span(t))
        if t.kind == "NUMBER" or (t.kind == "OP" and t.value in ("+", "-")
                                  and self.peek().kind == "NUMBER"):
            n = self.snumber("a number")
            lit = IntLit(n, self.span(t))
            if self.tok.kind == "OP" and self.tok.value in REL_OPS:
                raise self.fail("the left side of a comparison must be a variable", t,
                                hint="swap the operands (and the operator)")
            return lit
        if t.kind == "STRING" and self.peek().kind == "OP" and self.peek().value in REL_OPS:
            raise self.fail("the left side of a comparison must be a variable", t,
                            hint="swap the operands: $var(x) OP \"literal\"")
        if t.kind == "ID" and t.value in OLD_OPERANDS and self.peek().kind == "OP" \
                and self.peek().value in REL_OPS:
            return self.old_operand(t)
        if t.kind == "KW" and t.value == "if":
            st = self.if_stmt()
            return ActionCond(st, st.span)
        if self.is_op("{"):
            raise self.fail("a '{ }' block used as a condition is not supported", t)
        cmd = self.command()
        if cmd is not None:
            if self.tok.kind == "OP" and self.tok.value in REL_OPS:
                raise self.fail("the left side of a comparison must be a variable", t,
                                hint="store the result first: $var(r) = f(); if ($var(r) == ...)")
            return ActionCond(cmd, cmd.span)
        if t.kind == "ID":
            raise self.fail(f"unexpected bare word '{t.value}' in a condition", t,
                            hint=f"call a function as {t.value}(...) or use a $variable")
        raise self.fail(f"unexpected {_describe(t)} in a condition", t)

    def old_operand(self, t: Token) -> Cond:
        self.advance()
        cls, repl = OLD_OPERANDS[str(t.value)]
        op = self.advance()
        rhs = self.tok
        if rhs.kind == "ID" and rhs.value == "myself":
            self.advance()
            host = "fd" if t.value == "from_uri" else "rd"
            self.diags.append(error(f"'{t.value} {op.value} myself' is OpenSIPS 2.x syntax",
                                    t.source, t.start, rhs.end,
                                    hint=f"in 3.x write is_myself(\"${host}\")", opensips=SYNTAX))
            pv = PVar(host, self.span(t, t), f"${host}")
            call = Call("is_myself", [pv], self.span(t))
            node: Cond = ActionCond(call, call.span)
            return Not(node, node.span) if op.value == "!=" else node
        self.diags.append(error(f"'{t.value}' as a condition operand is OpenSIPS 2.x syntax",
                                t.source, t.start, t.end, hint=f"in 3.x write {repl}",
                                opensips=SYNTAX))
        self.i -= 1
        pv = PVar(cls, self.span(t, t), f"${cls}")
        return self.compare(pv, t)

    def compare(self, left: PVar, first: Token) -> Compare:
        op = self.advance()
        cop = CompareOp(op.value)
        t = self.tok
        right: PVar | StrLit | IntLit | NullLit | IpLit
        eq = cop in (CompareOp.EQ, CompareOp.NE)
        if t.kind == "PVAR":
            right = self.pvar()
        elif t.kind == "STRING":
            self.advance()
            right = StrLit(str(t.value), t.quote, self.span(t, t))
        elif t.kind == "NUMBER" or (t.kind == "OP" and t.value in ("+", "-")
                                    and self.peek().kind == "NUMBER"):
            if cop in (CompareOp.MATCH, CompareOp.NOMATCH):
                raise self.fail(f"'{op.value}' needs a string or a variable on the right", t)
            right = IntLit(self.snumber("a number"), self.span(t))
        elif t.kind == "KW" and t.value in ("null", "NULL"):
            if not eq:
                raise self.fail(f"NULL can only be compared with == or !=, not {op.value}", t)
            self.advance()
            right = NullLit(self.span(t, t))
        elif t.kind == "IP" or (self.is_op("[") and self.peek().kind == "IP"):
            if not eq:
                raise self.fail(f"IP addresses can only be compared with == or !=, not "
                                f"{op.value}", t)
            if t.kind == "OP":
                self.advance()
                ip = self.advance()
                self.expect_op("]")
                right = IpLit(str(ip.value), self.span(t))
            else:
                self.advance()
                right = IpLit(str(t.value), self.span(t, t))
        elif t.kind == "ID" and t.value == "myself":
            raise self.fail("'myself' is OpenSIPS 2.x syntax", t,
                            hint=f"in 3.x write is_myself(\"{left.text}\")")
        else:
            hint = f'quote it: "{t.text}"' if t.kind in ("ID", "PARAM", "KW") else None
            raise self.fail(f"invalid right operand {_describe(t)} for '{op.value}'", t, hint=hint)
        return Compare(left, cop, right, self.span(first))

    # ----------------------------------------------------------------- value expressions
    def aexp(self) -> Expr:
        return self._left_assoc(self.aexp_arith, BIT_OPS)

    def aexp_arith(self) -> Expr:
        return self._left_assoc(self.aexp_unary, ARITH_OPS)

    def _left_assoc(self, operand: Callable[[], Expr], ops: Collection[str]) -> Expr:
        """One precedence level of value expressions: ``operand (op operand)*``, left to right."""
        left = operand()
        while self.tok.kind == "OP" and self.tok.value in ops:
            op = self.advance()
            right = operand()
            left = BinOp(str(op.value), left, right,
                         Span(op.source, _start(left), max(self.prev().end, _start(left))))
        return left

    def aexp_unary(self) -> Expr:
        t = self.tok
        if self.is_op("~"):
            self.advance()
            return BitNot(self.aexp_unary(), self.span(t))
        return self.aexp_atom()

    def aexp_atom(self) -> Expr:
        t = self.tok
        if self.is_op("("):
            self.advance()
            e = self.aexp()
            self.expect_op(")")
            return e
        if t.kind == "NUMBER" or (t.kind == "OP" and t.value in ("+", "-")
                                  and self.peek().kind == "NUMBER"):
            return IntLit(self.snumber("a number"), self.span(t))
        if t.kind == "STRING":
            self.advance()
            if self.tok.kind == "STRING":
                raise self.fail("adjacent strings are not concatenated here", self.tok,
                                hint="use '+' to concatenate")
            return StrLit(str(t.value), t.quote, self.span(t, t))
        if t.kind == "PVAR":
            pv = self.pvar()
            if self.tok.kind == "OP" and self.tok.value in REL_OPS:
                return self.compare(pv, t)
            return pv
        if t.kind == "IP":
            raise self.fail(f"IP literal {t.text} is only allowed on the right of ==/!=", t,
                            hint=f'quote it: "{t.text}"')
        if t.kind == "KW" and t.value in ("null", "NULL"):
            raise self.fail("NULL is only allowed alone on the right of '=' or ':='", t)
        if t.kind == "OP" and t.value == "-":
            raise self.fail("unary minus only applies to number literals", t,
                            hint="write 0 - $var(x)")
        cmd = self.command()
        if cmd is not None:
            return ActionCond(cmd, cmd.span)
        hint = f'quote it: "{t.text}"' if t.kind == "ID" else None
        raise self.fail(f"unexpected {_describe(t)} in an expression", t, hint=hint)


def _start(node: object) -> int:
    return node.span.start  # type: ignore[attr-defined]


def parse_tokens(toks: list[Token], main: SourceFile) -> tuple[Script, list[Diagnostic]]:
    """Parse a whole script from tokens."""
    p = Parser(toks, main)
    script = p.parse_script()
    return script, p.diags


def parse_route_body(toks: list[Token], main: SourceFile) -> tuple[list[Stmt], list[Diagnostic]]:
    """Parse a bare sequence of statements (a route-fragment), for tests and tools."""
    p = Parser(toks, main)
    body: list[Stmt] = []
    p.loop_depth = 0
    while p.tok.kind != "EOF":
        start = p.i
        try:
            if p.at_top_start():  # snippets mix modparam lines and route blocks with statements
                p.top_item()
                continue
            st = p.statement()
            if st is not None:
                body.extend(st) if isinstance(st, list) else body.append(st)
        except _Sync:
            p.sync_stmt(start)
            if p.is_op("}") and p.i == start:
                p.advance()
        else:
            if p.i == start:
                p.advance()
    return body, p.diags


__all__ = ["Parser", "parse_tokens", "parse_route_body", "ROUTE_FLAG", "warning"]
