"""POSIX ERE translation and the subst machinery (expr-regex, hdr-search-subst,
hdr-subst-eol conformance cases)."""

from __future__ import annotations

import pytest
from osipsc.runtime.regex import RegexError, compile_posix, parse_subst, search, subst_str

RU = "sip:bob@127.0.0.1:5060"


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("^sip:bob@", RU, True),
        ("^SIP:BOB@", RU, True),  # =~ is always case-insensitive
        ("bob", RU, True),
        ("^bob", RU, False),
        ("5060$", RU, True),
        ("alice", RU, False),
        ("^[a-z]{3}$", "bob", True),
        ("^[0-9]+$", "12345", True),
        (r"127\.0\.0\.1", RU, True),
        ("^SIP:.*@127", RU, True),
        ("^12", "123", True),
        ("[[:digit:]]{4}$", RU, True),
        ("^[[:alpha:]]+$", "abc1", False),
        # glibc 2.36 checked through ctypes: under REG_ICASE an escaped lower-case letter
        # is compared in its own case with the upper-cased subject, so it never matches;
        # without REG_ICASE \d is a literal d (see test_escaped_letters_case_sensitive)
        (r"\d", "d", False),
        (r"\d", "5", False),
        (r"\D", "d", True),  # an escaped upper-case letter matches either case
        ("a{,2}b", "b", True),  # "{,m}" is "{0,m}"
        ("x$", "x\n", False),  # without REG_NEWLINE $ is only the very end
        ("a.b", "a\nb", True),
        (r"\<bob\>", "to bob now", True),
        ("(ab)+*c", "ababc", True),
        ("[]a]", "]", True),
        (r"[\]", "\\", True),  # backslash is literal in brackets
        (r"a\r", "ar", False),  # escaped lower-case letter under REG_ICASE
        (r"a\+", "a+", True),  # an unknown escape is the literal char
    ],
)
def test_search(pattern: str, text: str, expected: bool) -> None:
    assert search(pattern, text) is expected


def test_case_sensitive_and_bad_patterns() -> None:
    assert search(compile_posix("FOO", icase=False), "foo") is False
    for bad in ("(a", "a**{2,1}", "[a", "*a", "[[:nope:]]", "a{", "a{x}", "a{}", "{1}a"):
        with pytest.raises(RegexError):
            compile_posix(bad)


def test_escaped_letters_case_sensitive() -> None:
    assert search(compile_posix(r"\d", icase=False), "d") is True
    assert search(compile_posix(r"\d", icase=False), "5") is False


def test_newline_mode_anchors() -> None:
    rx = compile_posix("^b$", icase=False, newline=True)
    assert rx.search("a\nb\nc") is not None
    assert compile_posix("[^x]", newline=True).search("\n") is None


def test_subst_eol_captures_cr() -> None:
    msg = "OPTIONS sip:b SIP/2.0\r\nX-Sub: value\r\nX-Both: b\r\n"
    se = parse_subst(r"/^X-Sub: (.*)$/X-Sub: \1-changed/")
    out, count = subst_str(se, msg)
    assert count == 1
    assert out == "OPTIONS sip:b SIP/2.0\r\nX-Sub: value\r-changed\nX-Both: b\r\n"
    # the cfg string escapes turned "\r" into a real CR before regcomp saw it
    se2 = parse_subst("/^X-Clean: ([a-z]+)\r$/X-Clean: \\1-ok\r/")
    assert subst_str(se2, "X-Clean: abc\r\n") == ("X-Clean: abc-ok\r\n", 1)


def test_subst_global_lines() -> None:
    msg = "X-Count: 1\r\nX-Count: 2\r\n"
    se = parse_subst(r"/^X-Count: ([0-9])/X-Count: \1\1/g")
    assert subst_str(se, msg) == ("X-Count: 11\r\nX-Count: 22\r\n", 2)
    assert subst_str(parse_subst("/nomatch-xyz/foo/"), msg) == (None, 0)


def test_subst_parser_errors_and_flags() -> None:
    for bad in ("/a", "\\a\\b\\", "/a/b/x", "/a/b", "ab"):
        with pytest.raises(RegexError):
            parse_subst(bad)
    se = parse_subst("/a.b/X/is")
    assert se.icase and not se.newline and not se.replace_all
    assert subst_str(se, "A\nB") == ("X", 1)
    assert subst_str(parse_subst(r"#a\#b#\t#"), "a#b") == ("\t", 1)
