"""Strings, flags, route/cfg pseudo-variables, xlog levels, assert, error/timer/event
routes (language.md §2.3, §3.5, §7.10; runtime.md §1.1; pvar.c; action.c)."""

from __future__ import annotations

import pytest
from _semantics import run, startup
from osipsc.runtime.control import ScriptAbort


def test_string_escapes_and_dollar() -> None:
    assert startup('xlog("a\\tb\\\\n\\x41 $$ q\\"x\\n"); xlog(\'s\\tq $$ \');') == [
        'a\tb\\nA $ q"x', "s\\tq $ "]


def test_embedded_pvars_null_and_unexpanded_assignment() -> None:
    assert startup('$var(a) = "v"; xlog("$var(a)$var(a)x$var(none)y\\n");'
                   '$var(b) = "$var(a)"; xlog("$var(b)\\n"); xlog("a" "b" "c\\n");') == [
        "vvx<null>y", "$var(a)", "abc"]


def test_flags_by_name_and_reset_per_request() -> None:
    cfg = ('route { xlog("in $mf\\n"); setflag("A"); setflag(3);'
           ' if (isflagset("A")) xlog("A set\\n"); resetflag("A");'
           ' if (!isflagset("A")) xlog("A reset\\n"); $msg.flag(B) = 1;'
           ' xlog("B=$msg.flag(B) A=$msg.flag(A)\\n"); }\n')
    r = run(cfg, requests=2)
    assert r.requests[0] == r.requests[1]
    assert r.requests[0][1:3] == ["A set", "A reset"]


def test_route_pvars() -> None:
    cfg = ('route[r1] { xlog("$route|$route.name|$route.type|$(route[*])|$(route[1])|'
           '$(route.type[1])|$(route[-1])|$(route[5])\\n"); }\n'
           'startup_route { xlog("$route|$route.name|$route.type\\n"); route(r1); }\n'
           'route { route(r1); }\n'
           'timer_route[tick, 2] { xlog("$route|$route.name|$route.type\\n"); }\n')
    r = run(cfg, requests=1, settle=2)
    assert r.startup == [
        "startup_route||startup_route",
        "route[r1]|r1|route|startup_route > route[r1]|startup_route|startup_route|"
        "startup_route|<null>"]
    assert r.requests[0] == [
        "route[r1]|r1|route|route > route[r1]|route|route|route|<null>",
        "timer_route[tick]|tick|timer_route"]


def test_cfg_line_and_file() -> None:
    out = run('startup_route {\n  xlog("$cfg_line $cfg_file\\n");\n\n'
              '  xlog("$cfg_line\\n");\n}\n').startup
    assert out == ["7 test.cfg", "9"]


def test_xlog_levels() -> None:
    out = startup('xlog("L_DBG", "dbg\\n"); xlog("L_INFO", "info\\n"); xlog("L_WARN", "w\\n");'
                  '$xlog_level = 4; xlog("L_DBG", "dbg2 $xlog_level\\n"); xdbg("xd\\n");'
                  '$xlog_level = NULL; xlog("L_INFO", "info2 $xlog_level\\n");'
                  '$var(l) = 1; xlog("$var(l)", "lvl1\\n"); $var(l) = 4; xlog("$var(l)", "lvl4\\n");',
                  "xlog_level = 2\n")
    assert out == ["w", "dbg2 4", "xd", "lvl1"]


def test_assert_disabled_by_default_is_not_evaluated() -> None:
    assert startup('assert(route(r), "m"); xlog("rc=$rc\\n");',
                   'route[r] { xlog("evaluated\\n"); }\n') == ["rc=-5"]


def test_assert_enabled_runs_error_route_and_stops() -> None:
    cfg = ('enable_asserts = yes\n'
           'error_route { xlog("err $route $(route[*])\\n"); }\n'
           'startup_route { assert($var(x) == NULL, "ok"); xlog("rc=$rc\\n");'
           ' assert($var(x) == 1, "must"); xlog("not reached\\n"); }\n')
    r = run(cfg)
    assert r.startup == ["rc=1", "err error_route startup_route > error_route"]
    assert (-2, "ASSERTION FAILED (must) at test.cfg:8") in r.logs


def test_abort_on_assert_leaves_the_engine() -> None:
    with pytest.raises(ScriptAbort):
        run('enable_asserts = yes\nabort_on_assert = yes\n'
            'startup_route { assert(0); }\n')


def test_division_by_zero_in_compound_is_a_script_error() -> None:
    """decisions.md: /= 0 kills the OpenSIPS worker; osipsc logs an error naming the cfg
    line, stops the route and runs error_route."""
    cfg = ('startup_route { xlog("s\\n"); }\n'
           'route { $var(x) = 1; $var(x) /= 0; xlog("after\\n"); }\n'
           'error_route { xlog("err\\n"); }\n')
    r = run(cfg, requests=1)
    assert r.requests == [["err"]]
    assert any("$var(x) /= 0" in text and "test.cfg:7" in text for _, text in r.logs)


def test_timer_route_on_the_virtual_clock() -> None:
    cfg = ('startup_route { $var(n) = 0; }\n'
           'timer_route[tick, 2] { $var(n) = $var(n) + 1; xlog("tick $var(n)\\n"); }\n')
    r = run(cfg, requests=2, settle=3)
    assert r.requests == [["tick 1"], ["tick 2", "tick 3"]]


def test_event_route_params() -> None:
    cfg = ('event_route[E_TEST] { xlog("$param(name) $param(1) $param(2) $param(3)\\n"); }\n'
           'startup_route { xlog("s\\n"); }\n')
    r = run(cfg)
    out = r.engine.raise_event("E_TEST", {"name": "x", "n": 5})
    assert [t for _, t in out.xlog] == ["x x 5 <null>\n"]
