"""AST of an OpenSIPS 3.x script.

Every node is a dataclass carrying a ``Span`` (source file + byte offsets), so that the
checker and the code generator can point back at the exact cfg text. Line and column are
computed from the offsets only when needed (diagnostics, line maps), as tomllib does.

Text model: source files are read as bytes and decoded as latin-1, so one character is one
byte of the cfg file (OpenSIPS is byte oriented: ``{s.len}`` counts bytes, offsets are byte
offsets). String values in the AST follow the same rule.

Two expression languages share these node classes (language.md §6):
- conditions (``if``/``while``/``assert``): ``And``, ``Or``, ``Not``, ``Compare``, ``Truth``,
  ``IntLit``, ``Test`` (``[ aexp ]``), ``ActionCond`` (a statement used as a condition);
- values (right side of assignments, inside ``[ ]``): ``IntLit``, ``StrLit``, ``PVar``,
  ``Compare``, ``BinOp``, ``BitNot``, ``ActionCond`` (function / route call value).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from .source import SourceFile


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open byte range ``[start, end)`` in one source file."""

    source: SourceFile
    start: int
    end: int

    @property
    def line(self) -> int:
        """1-based line of ``start``."""
        return self.source.line_col(self.start)[0]

    @property
    def column(self) -> int:
        """1-based column (in bytes) of ``start``."""
        return self.source.line_col(self.start)[1]

    @property
    def text(self) -> str:
        """The cfg text covered by this span."""
        return self.source.text[self.start : self.end]


# --------------------------------------------------------------------------- values


@dataclass(slots=True)
class IntLit:
    """A number literal (decimal, hex, octal, boolean word), sign included."""

    value: int
    span: Span


@dataclass(slots=True)
class StrLit:
    """A string literal after escape processing (language.md §2.3).

    ``quote`` is ``'"'`` or ``"'"``. Adjacent literals folded by ``xlog``/``modparam`` become
    one ``StrLit`` whose span covers all of them. Whether ``$`` inside is expanded depends on
    the consumer; ``compiler.pvar.parse_format`` turns it into ``FormatPiece``s.
    """

    value: str
    quote: str
    span: Span


@dataclass(slots=True)
class NullLit:
    """``NULL`` / ``null``."""

    span: Span


@dataclass(slots=True)
class IpLit:
    """An IPv4/IPv6 address or network (``1.2.3.0/24``), only on the right of ``==``/``!=``."""

    text: str
    span: Span


@dataclass(slots=True)
class Transform:
    """One ``{class.method,params}`` step of a transformation chain.

    ``params`` hold literal text (``str``), numbers (``int``) or nested ``PVar``s, in the
    order written. ``index`` is the optional ``{nameaddr.N.field}`` index (int or PVar).
    """

    cls: str
    method: str
    params: list[str | int | PVar]
    span: Span
    index: int | PVar | None = None


@dataclass(slots=True)
class PVar:
    """A pseudo-variable reference such as ``$ru``, ``$avp(x)``, ``$(hdr(Via)[-1]{via.param,rport})``.

    - ``name``: the class name (``ru``, ``avp``, ``var``, ``hdr``, ``T_reply_code``, ...);
    - ``sub``: the inner name in parentheses, literal text or a nested ``PVar`` (dynamic name),
      ``None`` when the variable has no ``(...)``;
    - ``index``: ``None``, an int, ``"*"``, ``"append"`` or a ``PVar``;
    - ``context``: ``"request"`` / ``"reply"`` for ``$(<request>ru)``;
    - ``text``: the token as written (for messages and comments).
    """

    name: str
    span: Span
    text: str
    sub: str | PVar | None = None
    index: int | str | PVar | None = None
    transforms: list[Transform] = field(default_factory=list)
    context: str | None = None


FormatPiece = str | PVar
"""A piece of a format string: literal text or a variable (``$$`` already folded to ``$``)."""


# --------------------------------------------------------------------------- expressions


class CompareOp(str, Enum):
    EQ = "=="
    NE = "!="
    LT = "<"
    GT = ">"
    LE = "<="
    GE = ">="
    MATCH = "=~"
    NOMATCH = "!~"


@dataclass(slots=True)
class Compare:
    """``PVAR op right``: the left side is always a variable (language.md §6.1)."""

    left: PVar
    op: CompareOp
    right: PVar | StrLit | IntLit | NullLit | IpLit
    span: Span


@dataclass(slots=True)
class Truth:
    """A bare variable used as a condition: ``if ($var(x))``."""

    var: PVar
    span: Span


@dataclass(slots=True)
class And:
    """``&&`` / ``and``; same precedence as ``||``, left associative."""

    left: Cond
    right: Cond
    span: Span


@dataclass(slots=True)
class Or:
    """``||`` / ``or``."""

    left: Cond
    right: Cond
    span: Span


@dataclass(slots=True)
class Not:
    """``!`` / ``not``."""

    operand: Cond
    span: Span


@dataclass(slots=True)
class Test:
    """``[ aexp ]`` inside a condition (language.md §6.3)."""

    expr: Expr
    span: Span


@dataclass(slots=True)
class ActionCond:
    """A statement used as a condition or value: ``if (f())``, ``$var(r) = route(x);``."""

    action: Stmt
    span: Span


@dataclass(slots=True)
class BinOp:
    """Value-expression binary operator: ``+ - * / %`` (one level) or ``| & ^ << >>``."""

    op: str
    left: Expr
    right: Expr
    span: Span


@dataclass(slots=True)
class BitNot:
    """Unary ``~``."""

    operand: Expr
    span: Span


Cond = And | Or | Not | Compare | Truth | IntLit | Test | ActionCond
Expr = IntLit | StrLit | PVar | Compare | BinOp | BitNot | ActionCond
Arg = StrLit | IntLit | PVar | NullLit | None
"""A function / route argument; ``None`` is an empty slot (``f("a",,3)``)."""


# --------------------------------------------------------------------------- statements


@dataclass(slots=True)
class Call:
    """A core or module function call ``name(args)``."""

    name: str
    args: list[Arg]
    span: Span
    name_span: Span | None = None


@dataclass(slots=True)
class RouteCall:
    """``route(target, params...)``; ``target`` is a name, or a PVar / format string (dynamic)."""

    target: str | PVar | StrLit
    args: list[Arg]
    span: Span
    target_span: Span | None = None


@dataclass(slots=True)
class Assign:
    """``target op value``; ``op`` is one of ``= := += -= *= /= %= &= |= ^=``."""

    target: PVar
    op: str
    value: Expr | NullLit
    span: Span


@dataclass(slots=True)
class If:
    """``if (cond) then [else other]``; ``else if`` is an ``If`` alone in ``orelse``."""

    cond: Cond
    then: list[Stmt]
    orelse: list[Stmt] | None
    span: Span


@dataclass(slots=True)
class While:
    cond: Cond
    body: list[Stmt]
    span: Span


@dataclass(slots=True)
class ForEach:
    """``for (var in collection)``; the collection must carry ``[*]`` (checked at run time)."""

    var: PVar
    collection: PVar
    body: list[Stmt]
    span: Span


@dataclass(slots=True)
class Case:
    """``case label:`` (``label`` int or str) or ``default:`` (``label`` is None)."""

    label: int | str | None
    body: list[Stmt]
    span: Span
    is_default: bool = False


@dataclass(slots=True)
class Switch:
    subject: PVar
    cases: list[Case]
    span: Span


@dataclass(slots=True)
class Break:
    span: Span


@dataclass(slots=True)
class Exit:
    span: Span


@dataclass(slots=True)
class Drop:
    span: Span


@dataclass(slots=True)
class Return:
    """``return``, ``return(code)``, ``return(code, v1, ...)``; ``code`` None means 1."""

    code: IntLit | PVar | None
    values: list[IntLit | StrLit | PVar | NullLit]
    span: Span


@dataclass(slots=True)
class Xlog:
    """``xlog([level,] fmt)`` / ``xdbg(fmt)``; ``level`` is the literal level string."""

    fmt: StrLit
    span: Span
    level: StrLit | None = None
    kind: str = "xlog"


@dataclass(slots=True)
class Log:
    """Legacy ``log([level,] msg)`` and ``error(a, b)`` statements."""

    args: list[StrLit | IntLit]
    span: Span
    kind: str = "log"


@dataclass(slots=True)
class Assert:
    cond: Cond
    message: StrLit | None
    span: Span


@dataclass(slots=True)
class Async:
    """``async(call, resume_route[, timeout])``."""

    call: Call
    resume: str
    span: Span
    timeout: int | None = None
    resume_span: Span | None = None


@dataclass(slots=True)
class Launch:
    """``launch(call[, report_route[, param]])``."""

    call: Call
    span: Span
    report: str | None = None
    param: StrLit | None = None
    report_span: Span | None = None


Stmt = Call | RouteCall | Assign | If | While | ForEach | Switch | Break | Exit | Drop | Return | Xlog | Log | Assert | Async | Launch


# --------------------------------------------------------------------------- top level


class RouteKind(str, Enum):
    """Route block kinds; the value is the cfg keyword."""

    REQUEST = "route"
    FAILURE = "failure_route"
    ONREPLY = "onreply_route"
    BRANCH = "branch_route"
    ERROR = "error_route"
    LOCAL = "local_route"
    STARTUP = "startup_route"
    TIMER = "timer_route"
    EVENT = "event_route"


@dataclass(slots=True)
class RouteBlock:
    """A route block. ``name`` is None for unnamed blocks (main ``route``, ``onreply_route``,
    ``error_route``, ...); numeric names are normalised to decimal text (``route[010]`` → ``"8"``),
    and ``route[0]`` is the main route (name None)."""

    kind: RouteKind
    name: str | None
    body: list[Stmt]
    span: Span
    name_span: Span | None = None
    interval: int | None = None  # timer_route[name, interval]
    event_flag: str | None = None  # event_route[E, async] (2.x syntax, accepted with a warning)


@dataclass(slots=True)
class GlobalParam:
    """``name = value``. ``value`` is an int, a str, or for structured values (socket
    definitions, aliases, blacklists...) the raw cfg text of the value as a str."""

    name: str
    value: int | str
    span: Span
    raw: str = ""


@dataclass(slots=True)
class LoadModule:
    path: str
    span: Span

    @property
    def module(self) -> str:
        """Module name: ``"/usr/lib/opensips/modules/tm.so"`` → ``"tm"``."""
        base = self.path.rsplit("/", 1)[-1]
        return base[:-3] if base.endswith(".so") else base


@dataclass(slots=True)
class ModParam:
    module: str  # a regex in OpenSIPS (``"usrloc|registrar"``)
    param: str
    value: int | str
    span: Span


TopItem = GlobalParam | LoadModule | ModParam | RouteBlock


@dataclass(slots=True)
class Script:
    """A whole script: top-level items in source order (includes already spliced in)."""

    items: list[TopItem]
    main: SourceFile
    files: list[SourceFile] = field(default_factory=list)

    @property
    def routes(self) -> list[RouteBlock]:
        return [i for i in self.items if isinstance(i, RouteBlock)]

    @property
    def modules(self) -> list[str]:
        return [i.module for i in self.items if isinstance(i, LoadModule)]
