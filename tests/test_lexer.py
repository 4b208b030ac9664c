"""Scanner tests: token kinds and values per language.md §2."""

from __future__ import annotations

from osipsc.compiler.lexer import tokenize
from osipsc.compiler.source import SourceFile


def lex(text: str) -> list[tuple[str, object]]:
    toks, diags = tokenize(SourceFile("t.cfg", text))
    assert not [d for d in diags if d.is_error], diags
    return [(t.kind, t.value) for t in toks[:-1]]


def test_numbers_and_booleans() -> None:
    assert lex("010 0x1F 7 yes off") == [("NUMBER", 8), ("NUMBER", 31), ("NUMBER", 7),
                                         ("NUMBER", 1), ("NUMBER", 0)]
    assert lex("08") == [("NUMBER", 0), ("NUMBER", 8)]


def test_strings_and_escapes() -> None:
    assert lex(r'"a\tb\x41\101\d"') == [("STRING", "a\tbAA\\d")]
    assert lex(r"'a\n'") == [("STRING", "a\\n")]
    assert lex(r'"ab\x00cd"') == [("STRING", "ab")]


def test_pvar_tokens() -> None:
    assert lex("$avp(x)[1]") == [("PVAR", "$avp(x)"), ("OP", "["), ("NUMBER", 1), ("OP", "]")]
    assert lex("$(avp(x)[1]{s.select,1,;})") == [("PVAR", "$(avp(x)[1]{s.select,1,;})")]
    assert lex("$random") == [("PVAR", "$r"), ("ID", "andom")]
    assert lex("[$rU]") == [("OP", "["), ("PVAR", "$rU]")]
    assert lex("$var(a)==1") == [("PVAR", "$var(a)"), ("OP", "=="), ("NUMBER", 1)]


def test_comments_nest_and_slashes_error() -> None:
    assert lex("/* a /* b */ c */ x # y\n") == [("ID", "x")]
    toks, diags = tokenize(SourceFile("t.cfg", "x // c\n"))
    assert [(d.line, d.column, d.message) for d in diags] == [
        (1, 3, "'//' is not a comment in OpenSIPS")]


def test_keywords_ip_and_params() -> None:
    assert lex("route if socket 10.0.0.0/8 ::1") == [
        ("KW", "route"), ("KW", "if"), ("PARAM", "socket"), ("IP", "10.0.0.0/8"), ("IP", "::1")]
