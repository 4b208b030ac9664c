"""Value and condition expressions (runtime.md §1.5, §2.6; language.md §6-7; route.c)."""

from __future__ import annotations

import pytest
from _semantics import startup


def values(assignments: str, names: str) -> list[str]:
    """Run assignments, print ``names`` (space separated $var names) on one line."""
    shown = " ".join(f"$var({n})" for n in names.split())
    return startup(assignments + f' xlog("{shown}\\n");')


def test_arithmetic_is_c_int() -> None:
    assert values('$var(a) = 2147483647 + 1; $var(b) = -7 / 2; $var(c) = -7 % 3;'
                  '$var(d) = 7 % -3; $var(e) = 2 + 3 * 4; $var(f) = 10 - 2 - 3;',
                  "a b c d e f") == ["-2147483648 -3 -1 1 20 5"]


def test_division_by_zero_in_expression_assigns_zero() -> None:
    """route.c: "divide by 0" logged, the value is int 0 and the assignment succeeds."""
    assert startup('$var(p) = 9; $var(p) = 5 / 0; xlog("p=$var(p) rc=$rc\\n");'
                   '$var(q) = 9; $var(q) = 5 % 0; xlog("q=$var(q)\\n");') == ["p=0 rc=1", "q=0"]


def test_null_operands() -> None:
    """Int left: NULL right counts as 0; NULL left is a string: + NULL/"x" concatenates,
    + 1 fails (target unchanged)."""
    assert values('$var(a) = 1 + $var(u); $var(b) = $var(u) + "x"; $var(c) = 3;'
                  '$var(c) = $var(u) + 1;', "a b c") == ["1 x 3"]


def test_left_operand_decides_type() -> None:
    assert startup('$var(a) = 1 + "5"; xlog("rc=$rc\\n"); $var(s) = "5";'
                   '$var(b) = $var(s) + 1; xlog("rc=$rc\\n"); $var(i) = 7;'
                   '$var(c) = "n=" + $var(i); xlog("$var(c)\\n");') == ["rc=-1", "rc=-1", "n=7"]


def test_bitwise_and_precedence() -> None:
    assert values('$var(a) = 6 & 3 + 1; $var(b) = ~5 & 3; $var(c) = 1 << 4;'
                  '$var(d) = -16 >> 2; $var(e) = 5 ^ 3 | 8; $var(f) = 1 | 2 + 3;',
                  "a b c d e f") == ["4 2 16 -4 14 5"]


def test_string_bitwise_needs_equal_lengths() -> None:
    assert startup('$var(a) = "ab" | "  "; xlog("$var(a) rc=$rc\\n");'
                   '$var(b) = "ab" & "abc"; xlog("$var(b) rc=$rc\\n");') == [
        "ab rc=1", "<null> rc=-1"]


def test_comparison_inside_value_expression() -> None:
    assert values('$var(a) = "x"; $var(b) = $var(a) == "X" + 2;', "b") == ["3"]


def test_bracket_test_truthiness() -> None:
    out = startup('$var(z) = 0; if ([$var(z)]) xlog("t1\\n"); if ($var(z)) xlog("t2\\n");'
                  'if ([$var(u)]) xlog("t3\\n"); if (["" + ""]) xlog("t4\\n");'
                  'if ([3 - 3]) xlog("t5\\n"); if ([$var(z) + 1]) xlog("t6\\n");'
                  '$var(e) = ""; if ([$var(e)]) xlog("t7\\n"); if ($var(e)) xlog("t8\\n");'
                  '$var(s) = "0"; if ($var(s)) xlog("t9\\n");')
    assert out == ["t1", "t6", "t7", "t9"]


def test_null_comparisons() -> None:
    out = startup('if ($var(u) == NULL) xlog("a\\n"); if ($var(u) != 0) xlog("b\\n");'
                  'if ($var(u) == "") xlog("c\\n"); if ($var(u) == 0) xlog("d\\n");'
                  '$var(e) = ""; if ($var(e) != NULL) xlog("e\\n");'
                  '$var(one) = 1; if ($var(one) == $var(u)) xlog("f\\n");'
                  'if ($var(one) != $var(u)) xlog("g\\n"); if ($var(u) == $var(u2)) xlog("h\\n");'
                  'if ($var(u) =~ $var(u2)) xlog("i\\n"); if ($var(u) !~ $var(one)) xlog("j\\n");')
    assert out == ["a", "b", "e", "g", "h", "i", "j"]


def test_int_vs_string_comparisons() -> None:
    out = startup('$var(s) = "5"; if ($var(s) == 5) xlog("a\\n"); else xlog("a-err\\n");'
                  '$var(i) = 5; if ($var(i) == "5") xlog("b\\n");'
                  'if ($var(i) == $var(s)) xlog("c\\n");'
                  '$var(x) = "x"; if ($var(i) == $var(x)) xlog("d\\n"); else xlog("d-err\\n");')
    assert out == ["a-err", "b", "c", "d-err"]


def test_strings_compare_case_insensitively_with_prefix_order() -> None:
    out = startup('$var(a) = "ABC"; $var(b) = "abc"; if ($var(a) == $var(b)) xlog("eq\\n");'
                  '$var(h) = "Hello"; if ($var(h) > "hELL") xlog("gt\\n");'
                  'if ($var(h) < "hellp") xlog("lt\\n"); if ($var(h) <= "HELLO") xlog("le\\n");'
                  'if ($var(b) != "abcd") xlog("ne\\n");')
    assert out == ["eq", "gt", "lt", "le", "ne"]


def test_regex_literal_and_dynamic() -> None:
    out = startup('$var(a) = "Hello"; if ($var(a) =~ "^hel") xlog("a\\n");'
                  'if ($var(a) !~ "xyz") xlog("b\\n"); $var(r) = "L+O$";'
                  'if ($var(a) =~ $var(r)) xlog("c\\n"); $var(r) = "((";'
                  'if ($var(a) =~ $var(r)) xlog("d\\n"); else xlog("d-err\\n");'
                  'if ($var(a) !~ $var(r)) xlog("e\\n"); else xlog("e-err\\n");')
    assert out == ["a", "b", "c", "d-err", "e-err"]


def test_ip_network_comparisons() -> None:
    out = startup('$var(ip) = "10.1.2.3"; if ($var(ip) == 10.0.0.0/8) xlog("a\\n");'
                  'if ($var(ip) != 10.1.2.4) xlog("b\\n"); if ($var(ip) == 10.1.2.3) xlog("c\\n");'
                  '$var(v6) = "2001:db8::1"; if ($var(v6) == 2001:db8::/32) xlog("d\\n");'
                  'if ($var(v6) == [2001:db8::1]) xlog("e\\n"); if ($var(v6) == 10.0.0.0/8) xlog("f\\n");'
                  '$var(x) = "zz"; if ($var(x) == 10.0.0.0/8) xlog("g\\n"); else xlog("g-err\\n");')
    assert out == ["a", "b", "c", "d", "e", "g-err"]


def test_three_valued_logic() -> None:
    """&& and || share one precedence; an erroring left operand of || short-circuits
    (false, right side not evaluated); ! keeps an error false."""
    out = startup('if (1 || 0 && 0) xlog("t1\\n"); else xlog("f1\\n");'
                  '$var(s) = "5"; if ($var(s) == 5 || 1) xlog("t2\\n"); else xlog("f2\\n");'
                  'if (!($var(s) == 5)) xlog("t3\\n"); else xlog("f3\\n");'
                  'if (($var(s) == 5) || xlog("evaluated\\n")) xlog("t4\\n"); else xlog("f4\\n");'
                  'if (!$var(u) == 1) xlog("t5\\n");')
    assert out == ["f1", "f2", "f3", "f4", "t5"]


def test_actions_as_conditions() -> None:
    """Any action is a condition atom: its result > 0 true, < 0 false, 0 stops."""
    assert startup('if (xlog("in\\n")) xlog("t rc=$rc\\n");') == ["in", "t rc=1"]
    assert startup('if (!xlog("in\\n")) xlog("t\\n"); else xlog("f\\n");') == ["in", "f"]
    assert startup('if ($var(a) = "x" + 1) xlog("t\\n"); else xlog("f rc=$rc\\n");') == [
        "f rc=-1"]
    assert startup('if (exit) xlog("t\\n"); xlog("after\\n");') == []
    assert startup('xlog("a\\n"); while (drop) xlog("t\\n"); xlog("after\\n");') == ["a"]


def test_unsupported_action_condition_is_a_clear_compile_error() -> None:
    with pytest.raises(Exception, match="used as a condition or value is not supported"):
        startup('if (if (1) xlog("n\\n");) xlog("t\\n");')
