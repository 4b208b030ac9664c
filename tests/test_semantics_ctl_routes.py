"""Loops, switch, route() calls, $param, $return (runtime.md §1.6, §1.8; action.c)."""

from __future__ import annotations

from _semantics import run, startup


def test_while_limit_from_global_param() -> None:
    r = run('max_while_loops = 5\nstartup_route { $var(i) = 0;'
            ' while (1) { $var(i) = $var(i) + 1; } xlog("i=$var(i) rc=$rc\\n"); }\n')
    assert r.startup == ["i=5 rc=1"]


def test_switch_fall_through_and_default() -> None:
    sw = ('switch ($var(x)) { case 1: xlog("one\\n"); case 2: xlog("two\\n"); break;'
          ' case 3: xlog("three\\n"); default: xlog("def\\n"); }')
    assert startup('$var(x) = 1; ' + sw) == ["one", "two"]
    assert startup('$var(x) = 3; ' + sw) == ["three", "def"]
    assert startup('$var(x) = 9; ' + sw) == ["def"]


def test_switch_string_and_int_labels() -> None:
    out = startup('$var(x) = 5; switch ($var(x)) { case "5": xlog("int matches string\\n"); }'
                  '$var(y) = "5"; switch ($var(y)) { case 5: xlog("bad\\n"); }'
                  '$var(z) = "AbC"; switch ($var(z)) { case "abc": xlog("nocase\\n"); }'
                  'switch ($var(z)) { case "ab": xlog("bad prefix\\n"); }')
    assert out == ["int matches string", "nocase"]


def test_break_in_switch_inside_while_leaves_only_the_switch() -> None:
    out = startup('$var(i) = 0; while ($var(i) < 5) { $var(i) = $var(i) + 1;'
                  ' switch ($var(i)) { case 2: break; } if ($var(i) == 3) break; }'
                  'xlog("i=$var(i) rc=$rc\\n");')
    assert out == ["i=3 rc=-5"]


def test_recursion_limit_returns_minus_one_and_continues() -> None:
    out = startup('$var(d) = 0; route(rec); xlog("d=$var(d) rc=$rc\\n");',
                  'route[rec] { $var(d) = $var(d) + 1; route(rec); }\n')
    assert out == ["d=99 rc=-1"]


def test_dynamic_route_names() -> None:
    cfg = 'route[r_a] { xlog("ra\\n"); return(4); }\nroute[8] { xlog("eight\\n"); }\n'
    out = startup('$var(x) = "a"; route("r_$var(x)"); xlog("rc=$rc\\n");'
                  '$var(t) = "r_a"; route($var(t)); $var(n) = 8; route($var(n));'
                  '$var(x) = "zz"; route("r_$var(x)"); xlog("missing rc=$rc\\n");'
                  '$var(t) = "nope"; if (route($var(t))) xlog("t\\n"); else xlog("f\\n");', cfg)
    assert out == ["ra", "rc=4", "ra", "eight", "missing rc=1", "f"]


def test_numeric_route_names_are_octal_aware() -> None:
    assert startup('route(010); route("8");', 'route[8] { xlog("eight\\n"); }\n') == [
        "eight", "eight"]


def test_params_are_one_based_by_value_not_inherited() -> None:
    cfg = ('route[p] { xlog("$param(1) $param(2) $param(3) $param(4) $param(5) $param(6)\\n");'
           ' $var(i) = 2; xlog("$param($var(i)) $param(0)\\n");'
           ' if ($param(2) == 2) xlog("int\\n"); $var(pp) = "changed"; route(q); }\n'
           'route[q] { xlog("q $param(1)\\n"); }\n')
    out = startup('$var(pp) = "v"; route(p, "one", 2, $var(pp), NULL, "$var(a)");'
                  ' xlog("after $param(1)\\n");', cfg)
    assert out == ["one 2 v <null> $var(a) <null>", "2 <null>", "int", "q <null>",
                   "after <null>"]


def test_return_values_lifetime_and_unsigned_rendering() -> None:
    cfg = ('route[ret] { $var(q) = 4; return(7, -5, $var(q), "s", 12); }\n'
           'route[noret] { xlog("in $return(0)\\n"); }\n')
    out = startup('route(ret); xlog("rc=$rc $return(0) $return(1) $return(2) $return(9)\\n");'
                  '$var(x) = $return(0); $var(y) = $var(x) + 1; xlog("rc=$rc\\n");'
                  '$var(z) = $return(3); $var(z) = $var(z) + 1; xlog("rc=$rc\\n");'
                  '$var(w) = $return(1); $var(w) = $var(w) + 1; xlog("w=$var(w)\\n");'
                  'route(noret); xlog("after $return(0)\\n");', cfg)
    assert out == ["rc=7 18446744073709551611 4 s <null>", "rc=-1", "rc=-1", "w=5",
                   "in <null>", "after <null>"]


def test_a_new_top_route_discards_return_values() -> None:
    cfg = ('route[ret] { return(2, "kept"); }\n'
           'startup_route { route(ret); }\n'
           'route { xlog("$return(0)\\n"); route(ret); }\n')
    assert run(cfg, requests=1).requests == [["<null>"]]


def test_return_values_of_a_route_that_set_none_are_empty() -> None:
    cfg = ('route[ret] { return(2, "inner"); }\n'
           'route[outer] { route(ret); xlog("in outer $return(0)\\n"); }\n'
           'route[outer_n] { route(ret); return(3); }\n')
    assert startup('route(outer); xlog("after $return(0)\\n"); route(outer_n);'
                   'xlog("after_n $return(0) rc=$rc\\n");', cfg) == [
        "in outer inner", "after <null>", "after_n <null> rc=3"]
