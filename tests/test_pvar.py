"""Pvar spec and format-string parsing (language.md §3)."""

from __future__ import annotations

from osipsc.compiler.pvar import parse_format, parse_token
from osipsc.compiler.source import SourceFile
from osipsc.compiler.syntax import PVar, Span, StrLit

SRC = SourceFile("t.cfg", "")


def tok(text: str) -> PVar:
    pv, diags = parse_token(text, SRC, 0)
    assert pv is not None and not diags, diags
    return pv


def test_full_form() -> None:
    pv = tok("$(avp(x)[-1]{s.substr,0,3}{s.len})")
    assert (pv.name, pv.sub, pv.index) == ("avp", "x", -1)
    assert [(t.cls, t.method, t.params) for t in pv.transforms] == [
        ("s", "substr", [0, 3]), ("s", "len", [])]


def test_dynamic_name_and_context() -> None:
    pv = tok("$hdr($var(h))")
    assert isinstance(pv.sub, PVar) and pv.sub.name == "var" and pv.sub.sub == "h"
    assert tok("$(<request>ru)").context == "request"
    assert tok("$(avp(x)[*])").index == "*"


def test_format_pieces() -> None:
    lit = StrLit("to $rU@$rd $$5", '"', Span(SRC, 0, 0))
    pieces, diags = parse_format(lit)
    assert not diags
    assert [p if isinstance(p, str) else p.name for p in pieces] == ["to ", "rU", "@", "rd", " $5"]


def test_format_dot_is_part_of_name() -> None:
    pieces, _ = parse_format(StrLit("$rU.$rd", '"', Span(SRC, 0, 0)))
    assert isinstance(pieces[0], PVar) and pieces[0].name == "rU."
