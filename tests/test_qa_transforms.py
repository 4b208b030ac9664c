"""Adversarial table tests of transformations against OpenSIPS 3.6 ``transformations.c``.

Expected values come from reading the C source (``tr_eval_*``, ``tr_parse_*``,
``str2sint``/``hexstr2int``, ``str2ip``, ``_parse_csv_record``, ``parse_to``): edge inputs
(empty, int-typed, NULL), out-of-range and negative indexes, pvar parameters, result types,
and how ``tr_parse_sparam``/``tr_parse_nparam`` read their parameters (the latter checked
through the compiler with whole scripts).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from osipsc.runtime.regex import compile_posix, parse_subst, posix_search, subst_str
from osipsc.runtime.transforms import IntText, apply
from osipsc.runtime.values import StrInt

INT = "int"
STR = "str"


class Pv:
    """A stand-in for a compiled pvar: ``.get(ctx)`` returns a fixed value."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def get(self, ctx: Any) -> Any:
        return self.value


def typed(value: Any) -> Any:
    """(kind, printed text, int value) of a transformation result; None stays None."""
    if value is None:
        return None
    if isinstance(value, int):
        return (INT, str(value), int(value))
    return (STR, str.__str__(value), None)


def I(text: str, number: int | None = None) -> tuple[str, str, int]:  # noqa: E743
    return (INT, text, int(text) if number is None else number)


def S(text: str) -> tuple[str, str, None]:
    return (STR, text, None)


CASES: list[tuple[str, str, tuple[Any, ...], Any, Any]] = [
    # ------------------------------------------------------------ s.len / s.int
    ("s", "len", (), "", I("0")),
    ("s", "len", (), 42, I("2")),
    ("s", "len", (), -7, I("2")),
    ("s", "len", (), "h\xe9llo", I("5")),
    ("s", "int", (), "", I("", 0)),  # str2sint fails: value 0, the text is kept
    ("s", "int", (), " 42", I(" 42", 0)),  # no blank skipping
    ("s", "int", (), "+12", I("+12", 12)),
    ("s", "int", (), "-7x", I("-7x", -7)),
    ("s", "int", (), "-", I("-", 0)),
    ("s", "int", (), 42, I("42")),
    ("s", "int", (), StrInt("5060", 5060), I("5060")),
    # ---------------------------------------------------------------- s.substr
    ("s", "substr", (0, 1), "", None),
    ("s", "substr", (-2, 0), "hello", S("lo")),
    ("s", "substr", (1, -1), "hello", S("ell")),
    ("s", "substr", (4, -1), "hello", S("")),
    ("s", "substr", (5, 1), "hello", None),
    ("s", "substr", (-5, 1), "hello", S("h")),
    ("s", "substr", (-6, 1), "hello", None),
    ("s", "substr", (0, 99), "hello", S("hello")),
    ("s", "substr", (1, 1), 42, S("2")),
    ("s", "substr", (Pv(1), Pv(2)), "hello", S("el")),
    ("s", "substr", (Pv("1"), 2), "hello", None),  # a pvar param must carry an int
    ("s", "substr", (Pv(None), 2), "hello", None),
    ("s", "substr", ("+ 1", " 2"), "hello", S("el")),  # nparam: sign, blanks, digits
    # ---------------------------------------------------------------- s.select
    ("s", "select", (0, ","), "", S("")),
    ("s", "select", (-1, ","), "", S("")),
    ("s", "select", (1, ","), "", None),
    ("s", "select", (-2, ","), "", None),
    ("s", "select", (-1, ","), "a,b,,c", S("c")),
    ("s", "select", (-2, ","), "a,b,,c", S("")),
    ("s", "select", (-4, ","), "a,b,,c", S("a")),
    ("s", "select", (-5, ","), "a,b,,c", None),
    ("s", "select", (2, ","), "a,b,,c", S("")),
    ("s", "select", (3, ","), "a,b,,c", S("c")),
    ("s", "select", (4, ","), "a,b,,c", None),
    ("s", "select", (0, ","), ",x", S("")),
    ("s", "select", (-1, ","), "x,", S("")),
    ("s", "select", (0, "3"), 1234, S("12")),
    ("s", "select", (Pv(-1), ","), "a,b", S("b")),
    # -------------------------------------------------------- s.index / rindex
    ("s", "index", ("l", -2), "hello", I("3")),
    ("s", "index", ("l", -12), "hello", I("3")),  # wraps modulo the length
    ("s", "index", ("l", -5), "hello", I("2")),  # -5 % 5 == 0: start at 0
    ("s", "index", ("o", 5), "hello", None),
    ("s", "index", ("hello!",), "hello", None),
    ("s", "index", ("a",), "", None),
    ("s", "index", ("2",), 12321, I("1")),
    ("s", "index", (Pv("ll"),), "hello", I("2")),
    ("s", "index", (Pv(""),), "hello", None),
    ("s", "rindex", ("l", -3), "hello", I("2")),
    ("s", "rindex", ("l", -1), "hello", I("3")),
    ("s", "rindex", ("lo", 4), "hello", I("3")),  # start moved back to fit the needle
    ("s", "rindex", ("l", 99), "hello", I("3")),
    ("s", "rindex", ("2",), 12321, I("3")),
    ("s", "rindex", ("a",), "", None),
    # ---------------------------------------------------------- s.fill / width
    ("s", "fill.left", ("ab", 8), "hello", S("babhello")),
    ("s", "fill.right", ("ab", 8), "hello", S("helloaba")),
    ("s", "fill.left", ('"xy"', 6), "hello", S("yhello")),
    ("s", "fill.left", ("' '", 7), "hello", S("  hello")),
    ("s", "fill.left", ("0", 5), 42, S("00042")),
    ("s", "fill.left", ("0", 2), 42, S("42")),  # no padding needed, still a string now
    ("s", "fill.left", ("0", 1), 42, I("42")),  # negative padding: untouched
    ("s", "fill.right", ("-", 3), "", S("---")),
    ("s", "width", (3,), "hello", S("hel")),
    ("s", "width", (7,), "hello", S("hello  ")),
    ("s", "width", (1,), 42, I("4", 42)),  # only the length changes: still int 42
    ("s", "width", (0,), "hello", None),
    ("s", "width", (Pv(2),), "hello", S("he")),
    # ------------------------------------------------------- s.dec2hex/hex2dec
    ("s", "dec2hex", (), -255, S("ffffff01")),
    ("s", "dec2hex", (), "+12", S("c")),
    ("s", "dec2hex", (), "-1", S("ffffffff")),
    ("s", "dec2hex", (), "", None),
    ("s", "dec2hex", (), "12a", None),
    ("s", "dec2hex", (), "0x1f", None),
    ("s", "hex2dec", (), "ffffff01", I("-255")),
    ("s", "hex2dec", (), "1F", I("31")),
    ("s", "hex2dec", (), "", I("0")),
    ("s", "hex2dec", (), "0x1f", None),
    ("s", "hex2dec", (), "-5", None),
    ("s", "hex2dec", (), 10, I("10")),  # already an int: untouched
    # ------------------------------------------------------------- s.* misc
    ("s", "tolower", (), "\xc0B", S("\xc0b")),  # ASCII only
    ("s", "toupper", (), "\xe0b", S("\xe0B")),
    ("s", "tolower", (), 42, I("42")),
    ("s", "trim", (), 42, I("42")),
    ("s", "reverse", (), 123, S("321")),
    ("s", "b64encode", (), 7, I("7")),
    ("s", "crc32", (), "", S("4294967295")),
    ("s", "encode.hexa", (), 10, S("3130")),
    ("s", "decode.hexa", (), "41x", S("A")),  # an odd last digit is ignored
    ("s", "decode.hexa", (), "4x", None),
    ("s", "escape.common", (), "a'b", S("a\\'b")),
    # ------------------------------------------------------------------- param
    ("param", "count", (), "a=1;b=\"x y\"; c ;d=\"q;w\"", I("4")),
    ("param", "value", ("b",), "a=1;b=\"x y\"; c ;d=\"q;w\"", S("x y")),
    ("param", "value", ("C",), "a=1;b=\"x y\"; c ;d=\"q;w\"", S("")),
    ("param", "value", ("d",), "a=1;b=\"x y\"; c ;d=\"q;w\"", S("q;w")),
    ("param", "value", ("zz",), "a=1;b=2", None),
    ("param", "name", (-1,), "a=1;b=2;c", S("c")),
    ("param", "name", (3,), "a=1;b=2;c", None),
    ("param", "valueat", (-2,), "a=1;b=2;c", S("2")),
    ("param", "exist", ("B",), "a=1;b=2", I("1")),
    ("param", "count", (), "", None),
    ("param", "value", ("a",), "a=", None),  # body missing: parse error
    # --------------------------------------------------------------------- uri
    ("uri", "user", (), "tel:+1-555;phone-context=x.com", S("+1-555")),
    ("uri", "param", ("phone-context",), "tel:+1-555;phone-context=x.com", S("x.com")),
    ("uri", "headers", (), "sip:bob@h.com;transport=tcp?Subject=hi&X=y", S("Subject=hi&X=y")),
    ("uri", "params", (), "sip:bob@h.com;transport=tcp?Subject=hi&X=y", S("transport=tcp")),
    ("uri", "transport", (), "sip:bob@h.com;transport=tcp?Subject=hi", S("tcp")),
    ("uri", "port", (), "sip:bob@h.com", None),
    ("uri", "port", (), "sip:bob@h.com:05060", I("05060", 5060)),
    ("uri", "param", ("lr",), "sip:h.com", None),
    ("uri", "user", (), "", None),
    # ---------------------------------------------------------------- nameaddr
    ("nameaddr", "name", (), '"A <b>; c" <sip:x@y.com;lr>;tag=1', S('"A <b>; c"')),
    ("nameaddr", "uri", (), '"A <b>; c" <sip:x@y.com;lr>;tag=1', S("sip:x@y.com;lr")),
    ("nameaddr", "param", ("tag",), '"A <b>; c" <sip:x@y.com;lr>;tag=1', S("1")),
    ("nameaddr", "uri", (), '"a \\" <q>" <sip:x@y>', S("sip:x@y")),
    ("nameaddr", "name", (), '"A, B" <sip:x@y>, <sip:z@w>', S('"A, B"')),
    ("nameaddr", "uri", (), "sip:c@z;tag=1", S("sip:c@z")),
    ("nameaddr", "param", ("TAG",), "<sip:c@z>;tag=1", None),  # case-sensitive
    # --------------------------------------------------------------------- csv
    ("csv", "count", (), 'a,"b,c",d', I("3")),
    ("csv", "value", (1,), 'a,"b,c",d', S("b,c")),
    ("csv", "value", (-1,), 'a,"b,c",d', S("d")),
    ("csv", "value", (-4,), 'a,"b,c",d', None),
    ("csv", "value", (3,), 'a,"b,c",d', None),
    ("csv", "count", (), "a,", I("2")),
    ("csv", "count", (), '"a",', I("1")),  # a quoted last field ends the record
    ("csv", "value", (1,), 'a,"x""y"', S('x"y')),
    ("csv", "count", (), "a,b\r\n", I("2")),
    ("csv", "count", (), "a\tb", None),  # control byte outside quotes
    ("csv", "count", (), '"a"b', None),
    ("csv", "count", (), '"a', None),
    ("csv", "value", (0,), 'x"y', S('x"y')),
    # ---------------------------------------------------------------------- ip
    ("ip", "isip", (), "10.0.0.1", I("1")),
    ("ip", "isip", (), "010.0.0.1", I("0")),  # str2ip refuses a leading zero
    ("ip", "isip4", (), "1.2.3.", I("1")),  # a final empty part is 0
    ("ip", "pton", (), "1.2.3.", S("\x01\x02\x03\x00")),
    ("ip", "isip4", (), "1.2.3.4.", I("0")),
    ("ip", "isip4", (), "256.1.1.1", I("0")),
    ("ip", "isip", (), "[::1]", I("1")),
    ("ip", "isip6", (), "1.2.3.4", I("0")),
    ("ip", "isprivate", (), "100.64.0.1", I("1")),
    ("ip", "isprivate", (), "192.0.0.1", I("0")),
    ("ip", "family", (), "10.0.0.1", None),  # binary form expected
    ("ip", "family", (), "\x0a\x00\x00\x01", S("INET")),
    ("ip", "ntop", (), "\x0a\x00\x00\x01", S("10.0.0.1")),
    ("ip", "matches", ("10.0.0.0/8",), "10.1.2.3", I("1")),
    ("ip", "matches", ("10.0.0.0/33",), "10.1.2.3", None),
    ("ip", "matches", ("::/0",), "10.1.2.3", None),  # different families
    ("ip", "isip", (), "", None),
]


@pytest.mark.parametrize(("cls", "method", "params", "value", "expected"), CASES)
def test_table(cls: str, method: str, params: tuple[Any, ...], value: Any, expected: Any) -> None:
    assert typed(apply(cls, method, params, value)) == expected


def test_int_text_keeps_number() -> None:
    v = apply("s", "width", (1,), 42)
    assert isinstance(v, IntText) and int(v) == 42 and str(v) == "4"


# --------------------------------------------------------------- leftmost-longest


@pytest.mark.parametrize(
    ("pattern", "text", "span"),
    [
        ("a|ab", "xabc", (1, 3)),
        ("ab|a", "xabc", (1, 3)),
        ("x*(xy)?", "xxy", (0, 3)),
        ("(a|ab)(c|bcd)", "abcd", (0, 4)),
        ("b|bc$", "abc", (1, 3)),
        ("[[:digit:]]+|[0-9a-f]+", "12ab", (0, 4)),
        ("(a|ab)$", "ab", (0, 2)),
        ("sip|sips", "sips:x", (0, 4)),
        ("a", "bab", (1, 2)),
    ],
)
def test_posix_leftmost_longest(pattern: str, text: str, span: tuple[int, int]) -> None:
    m = posix_search(compile_posix(pattern, icase=False), text)
    assert m is not None and m.span() == span


@pytest.mark.parametrize(
    ("expr", "text", "result"),
    [
        ("/a|ab/X/g", "abab ab", "XX X"),
        ("/sip|sips/tel/", "sips:bob", "tel:bob"),
        ("/(0|00)4?/X/", "0049", "X9"),
        ("/[0-9]|[0-9]+/N/g", "a12b3", "aNbN"),
        ("/\\d/D/", "a1d", "a1D"),  # \d is a literal d in glibc ERE
    ],
)
def test_subst_longest(expr: str, text: str, result: str) -> None:
    assert subst_str(parse_subst(expr), text)[0] == result


# ---------------------------------------------------------- through the compiler


SCRIPT = r"""
loadmodule "proto_udp.so"
socket = udp:127.0.0.1:5060
startup_route {
    $var(s) = "hello";
    $var(abc) = "abc";
    $var(re) = "/o/0/g";
    $var(n) = 42;
    xlog("K1=[$(var(abc){s.fill.left, ' ',5})]\n");
    xlog("K2=[$(var(s){s.index, l})]\n");
    xlog("K3=[$(var(abc){s.fill.left,\,,5})]\n");
    xlog("K4=[$(var(s){re.subst, /l+/L/})]\n");
    xlog("K5=[$(var(s){re.subst,$var(re)})]\n");
    xlog("K6=[$(var(s){re.subst,/(l)\{2\}/[\1]/})]\n");
    xlog("K7=[$(var(s){s.substr, 1 , 2 })]\n");
    xlog("K8=[$(var(s){s.select,0,l})]\n");
    xlog("K9=[$(var(n){s.fill.left,00,5})]\n");
    xlog("K10=[$(var(s){s.index,l l})]\n");
    xlog("K11=[$(var(s){s.substr,- 2,0})]\n");
    xlog("K12=[$(var(s){s.width, 2 })]\n");
    xlog("K13=[$(var(s){s.select,-1,l}{s.len})]\n");
}
route { exit; }
"""

EXPECTED = {
    "K1": "  abc",  # leading blanks skipped, one level of quotes removed
    "K2": "2",  # the needle is "l": leading blanks skipped
    "K3": "\\,abc",  # "\," does not split the params and keeps its backslash
    "K4": "heLo",  # re.subst param: leading blanks skipped
    "K5": "hell0",  # a pvar param holds the expression
    "K6": "he[l]o",  # "\{" "\}" are how braces are written
    "K7": "el",
    "K8": "he",
    "K9": "00042",  # the pad keeps its text ("00"), missing 3 -> "0" + "00"
    "K10": "2",  # a string param ends at the first blank
    "K11": "lo",  # nparam: blanks allowed between the sign and the digits
    "K12": "he",
    "K13": "1",
}


@pytest.fixture(scope="module")
def script_lines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    from osipsc.compiler.commands.run import transcript

    d: Path = tmp_path_factory.mktemp("qa_tr")
    cfg = d / "script.cfg"
    cfg.write_text(SCRIPT, encoding="latin-1")
    out = transcript(cfg, [])
    lines: dict[str, str] = {}
    for line in out.splitlines():
        key, eq, rest = line.partition("=[")
        if eq and rest.endswith("]"):
            lines[key] = rest[:-1]
    return lines


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_param_parsing(script_lines: dict[str, str], key: str) -> None:
    assert script_lines.get(key) == EXPECTED[key]


@pytest.mark.parametrize(
    ("method", "params", "value", "text"),
    [
        ("width", (2,), StrInt("5060", 5060), "50"),
        ("trim", (), StrInt(" 5060 ", 5060), "5060"),
        ("xor", ("\x00",), StrInt("5060", 5060), "5060"),
    ],
)
def test_str_int_keeps_its_int(method: str, params: tuple[Any, ...], value: Any,
                               text: str) -> None:
    # OpenSIPS only changes rs: the STR|INT flags and ri stay
    v = apply("s", method, params, value)
    assert type(v) is StrInt and str.__str__(v) == text and v.ival == 5060


def test_str_int_loses_its_int() -> None:
    # these rebuild the value as a plain string (flags = PV_VAL_STR)
    assert type(apply("s", "tolower", (), StrInt("INVITE", 1))) is str
    assert type(apply("s", "width", (6,), StrInt("5060", 5060))) is str
    assert type(apply("s", "substr", (0, 2), StrInt("5060", 5060))) is str


@pytest.mark.parametrize(
    ("value", "index", "length"),
    [
        ('"Alice" <sip:alice@x.com>;tag=ft-01', None, 25),  # up to the ";"
        ("<sip:x> ;tag=1", None, 8),  # blanks before the ";" count
        ("<sip:b@y>", None, 11),  # end of input: the CRLF parse_to sees counts
        ("sip:c@z", None, 9),
        ("<sip:a@b>, <sip:c@d>", 0, 0),  # ended by "," without params: never set
        ("<sip:a@b>, <sip:c@d>", 1, 11),
        ("<sip:a@b>;x=1, <sip:c@d>;y=2", 1, 9),
    ],
)
def test_nameaddr_len(value: str, index: int | None, length: int) -> None:
    assert apply("nameaddr", "len", (), value, index=index) == length


# ------------------------------------------------- differential check against glibc


def _glibc() -> Any:
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.regcomp  # noqa: B018
        libc.regexec  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


GLIBC_PATTERNS = [
    ("a|ab", "xabc"), (r"\d", "x5d"), (r"\D", "d"), (r"\z", "z"), (r"\Z", "z"),
    ("a{,2}", "x5"), ("a{", "a"), ("a{x}", "a{x}"), ("{1}a", "a"), ("*a", "a"),
    ("a**", "aa"), ("a+?", "aa"), ("(a|ab)(b?)", "ab"), ("(a|ab)(c|bcd)", "abcd"),
    ("x*(xy)?", "xxy"), ("[[:digit:]]+", "ab12"), ("[^[:space:]]+", "  ab c"),
    ("[]a]", "]"), (r"\w+", " ab_1 "), (r"\<ab", "cab ab"), (r"ab\>", "abc ab"),
    ("(^a|b)", "ba"), ("a$|b", "ab"), ("()", "a"), ("(|a)", "a"), ("a||b", "b"),
    ("(ab|a)(bc|c)?", "abc"), ("(a*)(a|b)*", "aab"), ("(wee|week)(knights|night)",
                                                     "weeknights"),
    ("(.*)([0-9]+)", "ab12"), ("[[:upper:]]", "a"), ("[A-Z]", "a"), ("\xe9", "\xc9"),
    ("a{2,1}", "aa"), ("a{1}{2}", "aa"), ("a{,}", "aaa"), ("^*a", "a"), ("a|*b", "b"),
    ("sip|sips", "sips:x"), ("(0|00)4?", "0049"), (r"\+49|\+4", "+49"),
]


@pytest.mark.parametrize("icase", [True, False])
@pytest.mark.parametrize(("pattern", "text"), GLIBC_PATTERNS)
def test_against_glibc(pattern: str, text: str, icase: bool) -> None:
    import ctypes

    from osipsc.runtime.regex import RegexError

    libc = _glibc()
    if libc is None:
        pytest.skip("no glibc regcomp here")

    class Match(ctypes.Structure):
        _fields_ = [("so", ctypes.c_int), ("eo", ctypes.c_int)]

    buf = ctypes.create_string_buffer(4096)
    flags = 1 | (2 if icase else 0)  # REG_EXTENDED | REG_ICASE
    if libc.regcomp(buf, pattern.encode("latin-1"), flags):
        with pytest.raises(RegexError):
            compile_posix(pattern, icase=icase)
        return
    subs = (Match * 4)()
    found = libc.regexec(buf, text.encode("latin-1"), 4, subs, 0) == 0
    libc.regfree(buf)
    rx = compile_posix(pattern, icase=icase)
    m = posix_search(rx, text)
    assert (m is not None) == found
    if m is not None:
        ours = [m.span()] + [m.span(i) for i in range(1, min(rx.groups, 3) + 1)]
        assert ours == [(s.so, s.eo) for s in subs][: len(ours)]
