"""$rc / $retcode after every statement kind (runtime.md §1.2-1.4, action.c do_action)."""

from __future__ import annotations

import pytest
from _semantics import run, startup

ROUTES = """route[neg] { return(-2); }
route[pos] { return(5); }
route[bare] { return; }
route[last_false] { $var(z) = 1; $var(z) = "a" + 1; }
route[last_if] { if (0) xlog("never\\n"); }
route[str_ret] { $var(s) = "x"; return($var(s)); }
route[null_ret] { return($var(unset)); }
route[zero_ret] { $var(z) = 0; return($var(z)); }
"""


@pytest.mark.parametrize(("body", "expected"), [
    ('$var(a) = 5;', "1"),                        # assignment ok
    ('$var(a) = "x" + 1;', "-1"),                 # assignment fails
    ('xlog("");', "1"),                           # xlog
    ('if (1) { $var(a) = "x" + 1; }', "-1"),      # if: the branch's last result
    ('if (0) xlog("x");', "0"),                   # false if without else: 0
    ('if (1) {}', "1"),                           # true, empty body
    ('if (0) xlog("x"); else { $var(a) = "x" + 1; }', "-1"),
    # nested false if: the inner if returns 1 (rc 0), the outer copies that result: 1
    ('if (1) { if (0) xlog("x"); }', "1"),
    ('$var(s) = "5"; if ($var(s) == 5) xlog("x");', "-1"),  # erroring condition: -1
    ('$var(i) = 0; while ($var(i) < 3) { $var(i) = $var(i) + 1; }', "1"),
    ('while (1) { break; }', "-5"),
    ('$var(x) = 1; switch ($var(x)) { case 1: xlog(""); break; }', "-5"),
    ('$var(x) = 1; switch ($var(x)) { case 1: $var(a) = "x" + 1; }', "-1"),
    ('$var(x) = 3; switch ($var(x)) { case 1: xlog(""); }', "1"),  # no match, no default
    ('$avp(l) = 1; for ($var(v) in $(avp(l)[*])) { $var(a) = "x" + 1; }', "-1"),
    ('for ($var(v) in $(avp(none)[*])) { xlog(""); }', "1"),       # empty list
    ('route(neg);', "-2"),
    ('route(pos);', "5"),
    ('route(bare);', "1"),
    ('route(last_false);', "-1"),                 # route result = last statement
    ('route(last_if);', "1"),                     # a false if without else ends it: 1
    ('route(str_ret);', "1"),                     # return($var) with a string
    ('route(null_ret);', "-1"),                   # return($var) with NULL
])
def test_rc_after_statement(body: str, expected: str) -> None:
    assert startup(body + ' xlog("rc=$rc retcode=$retcode\\n");', ROUTES) == [
        f"rc={expected} retcode={expected}"]


def test_return_var_zero_stops_callers() -> None:
    assert startup('xlog("a\\n"); route(zero_ret); xlog("not reached\\n");', ROUTES) == ["a"]


def test_return_zero_literal_stops_script() -> None:
    cfg = 'route[z] { return(0); }\n'
    assert startup('route(z); xlog("not reached\\n");', cfg) == []


@pytest.mark.parametrize("stmt", ["exit;", "drop;"])
def test_exit_and_drop_values_carry_into_next_request(stmt: str) -> None:
    """exit leaves $rc 0, drop -5; the register is not reset at the next top route."""
    r = run('startup_route { ' + stmt + ' }\nroute { xlog("rc=$rc\\n"); sl_send_reply(200, "OK"); }\n',
            requests=2)
    first = "0" if stmt == "exit;" else "-5"
    assert r.requests == [[f"rc={first}"], ["rc=1"]]


def test_condition_sets_rc_while_evaluated() -> None:
    """A function/route called inside a condition sets $rc before the branch runs."""
    assert startup('if (route(neg) || route(pos)) xlog("t rc=$rc\\n");', ROUTES) == ["t rc=5"]
    assert startup('if (route(neg)) xlog("t\\n"); else xlog("f rc=$rc\\n");', ROUTES) == [
        "f rc=-2"]


def test_if_result_differs_from_rc() -> None:
    """A false if without else leaves $rc 0 but the route's result is 1."""
    assert startup('route(last_if); xlog("rc=$rc\\n"); if (0) xlog(""); xlog("rc=$rc\\n");',
                   ROUTES) == ["rc=1", "rc=0"]
