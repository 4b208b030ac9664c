"""Value model and operators (runtime/values.py), per runtime.md §2.6 and the recordings."""

from __future__ import annotations

import pytest
from osipsc.runtime.transforms_base import IntText
from osipsc.runtime.values import (
    ERR,
    DivisionByZero,
    StrInt,
    bracket_test,
    c_div,
    c_mod,
    cmp_int,
    cmp_null,
    cmp_pv,
    cmp_str,
    compound,
    op_add,
    op_band,
    op_bnot,
    op_bxor,
    op_div,
    op_mod,
    op_shl,
    op_sub,
    to_text,
    truth,
    wrap32,
)


def test_wrap32_and_c_division() -> None:
    assert wrap32(2147483647 + 1) == -2147483648
    assert c_div(-7, 2) == -3 and c_div(7, -2) == -3
    assert c_mod(-7, 3) == -1 and c_mod(7, -3) == 1


def test_to_text() -> None:
    assert to_text(None) == "<null>"
    assert to_text(-12) == "-12"
    assert to_text(StrInt("INVITE", 1)) == "INVITE"
    assert to_text(IntText(42, "42abc")) == "42abc"


@pytest.mark.parametrize(
    ("left", "right", "has_text", "expected"),
    [
        (1, 2, False, 3),
        (1, None, False, 1),
        (1, "5", True, ERR),
        ("ab", "cd", True, "abcd"),
        (None, "x", True, "x"),
        (None, None, True, ""),
        ("5", 1, False, ERR),
        ("n=", 5, True, "n=5"),
        (None, 1, False, ERR),
        (2147483647, 1, False, -2147483648),
        (1, StrInt("7", 7), True, 8),
    ],
)
def test_add_left_operand_decides(left, right, has_text, expected) -> None:
    assert op_add(left, right, has_text) == expected


def test_int_ops() -> None:
    assert op_sub(10, None) == 10
    assert op_div(5, 0) == 0 and op_mod(5, 0) == 0
    assert op_div(-7, 2) == -3
    assert op_shl(1, 31) == -2147483648
    assert op_bnot(12) == -13
    assert op_bnot("ab") is ERR
    assert op_bxor("ab", "  ") == "AB"
    assert op_band("ab", "abc") is ERR
    assert op_sub("x", 1) is ERR
    assert op_add(ERR, 1) is ERR


def test_compound() -> None:
    assert compound("+", "ab", "cd") == "abcd"
    assert compound("-", "ab", "cd") is ERR
    assert compound("+", None, 1) is ERR
    assert compound("+", 2, 10) == 12
    assert compound("+", 5, "1") is ERR
    with pytest.raises(DivisionByZero):
        compound("/", 4, 0)


def test_comparisons() -> None:
    assert cmp_str("==", "Hello", "hello") == 1
    assert cmp_str(">", "Hello", "hELL") == 1
    assert cmp_str("<", "10", "9") == 1
    assert cmp_str("==", 5, "5") == 1
    assert cmp_int("==", "5", 5) == -1
    assert cmp_int("!=", None, 0) == 1
    assert cmp_int("==", None, 0) == 0
    assert cmp_null("==", None) == 1 and cmp_null("!=", "") == 1
    assert cmp_pv("==", 5, "5") == 1
    assert cmp_pv("==", None, None) == 1
    assert cmp_pv("!=", None, "x") == 1
    assert cmp_pv("=~", "sip:bob@x", "^SIP:B") == 1


def test_truth_and_test() -> None:
    assert truth("0") == 1 and truth(0) == 0 and truth("") == 0 and truth(None) == 0
    assert bracket_test(0, True) == 1 and bracket_test("", True) == 1
    assert bracket_test(None, True) == 0
    assert bracket_test(0, False) == 0 and bracket_test(ERR, False) == -1
