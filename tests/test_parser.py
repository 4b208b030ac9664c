"""Parser tests: AST shapes for the grammar of language.md §4-§6."""

from __future__ import annotations

from osipsc.compiler.frontend import parse_text
from osipsc.compiler.syntax import (
    ActionCond,
    And,
    Assign,
    BinOp,
    Compare,
    GlobalParam,
    If,
    IntLit,
    IpLit,
    Or,
    Return,
    RouteBlock,
    RouteCall,
    Switch,
    Xlog,
)


def body(code: str) -> list:
    script, diags = parse_text("t.cfg", "route {\n" + code + "\n}\n", check=False)
    assert not [d for d in diags if d.is_error], [d.render() for d in diags]
    assert script is not None
    return script.routes[0].body


def test_and_or_same_level_left_assoc() -> None:
    (st,) = body("if ($var(a) || $var(b) && $var(c)) exit;")
    assert isinstance(st, If) and isinstance(st.cond, And) and isinstance(st.cond.left, Or)


def test_arith_one_level_bitwise_lower() -> None:
    (a, b) = body("$var(x) = 1 + 2 * 3; $var(y) = 1 | 2 + 3;")
    assert isinstance(a, Assign) and a.value.op == "*" and a.value.left.op == "+"
    assert isinstance(b.value, BinOp) and b.value.op == "|"


def test_compare_binds_tighter_in_values() -> None:
    (a,) = body("$var(a) = $var(b) == 1 + 2;")
    assert isinstance(a.value, BinOp) and isinstance(a.value.left, Compare)


def test_statements() -> None:
    sts = body('route(x, 1, "s", $var(a), NULL); return(-1, "v"); xlog("L_INFO", "a" "b");'
               ' if ($si == 10.0.0.0/8) { } else if (f()) drop;'
               ' switch ($rU) { case "1": case -2: break; default: exit; }')
    rc, ret, xl, iff, sw = sts
    assert isinstance(rc, RouteCall) and rc.target == "x" and len(rc.args) == 4
    assert isinstance(ret, Return) and ret.code.value == -1 and len(ret.values) == 1
    assert isinstance(xl, Xlog) and xl.fmt.value == "ab" and xl.level.value == "L_INFO"
    assert isinstance(iff.cond.right, IpLit) and isinstance(iff.orelse[0].cond, ActionCond)
    assert isinstance(sw, Switch) and [c.label for c in sw.cases] == ["1", -2, None]


def test_route_names_and_globals() -> None:
    script, diags = parse_text("t.cfg", 'socket = udp:127.0.0.1:5060-5070 as 1.2.3.4:5060\n'
                               'log_level = -1\nroute[010] { exit; }\nroute[0] { exit; }\n'
                               'timer_route[t, 5] { exit; }\n', check=False)
    assert not diags
    g, lv, r8, main, tr = script.items
    assert isinstance(g, GlobalParam) and g.raw == "udp:127.0.0.1:5060-5070 as 1.2.3.4:5060"
    assert lv.value == -1
    assert isinstance(r8, RouteBlock) and r8.name == "8" and main.name is None
    assert tr.interval == 5


def test_recovery_reports_every_error() -> None:
    _, diags = parse_text("t.cfg", "route {\n $var(a) = ;\n f(a);\n exit;\n}\n", check=False)
    assert [(d.line, d.column) for d in diags] == [(2, 12), (3, 4)]


def test_return_minus_and_empty_slots() -> None:
    ret, call = body("return -1; f(,1,);")
    assert isinstance(ret.code, IntLit) and ret.code.value == -1
    assert call.args[0] is None and call.args[2] is None and len(call.args) == 3
