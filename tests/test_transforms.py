"""Transformations: exact values, most of them taken from the recorded conformance cases
(tr-s-basic, tr-chain-null, tr-param, tr-uri, tr-re-subst, str-len-int, tr-unknown-error)."""

from __future__ import annotations

from typing import Any

import pytest
from osipsc.runtime.transforms import IntText, TransformError, apply, compile_chain


class Pv:
    """A stand-in for a compiled pvar: ``.get(ctx)`` returns a fixed value."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def get(self, ctx: Any) -> Any:
        return self.value


def s(method: str, value: Any, *params: Any) -> Any:
    return apply("s", method, params, value)


# ---------------------------------------------------------------- tr-s-basic

HW = "Hello World"


@pytest.mark.parametrize(
    ("method", "params", "value", "expected"),
    [
        ("len", (), HW, 11),
        ("tolower", (), HW, "hello world"),
        ("toupper", (), HW, "HELLO WORLD"),
        ("substr", (0, 5), HW, "Hello"),
        ("substr", (6, 0), HW, "World"),
        ("substr", (-5, 0), HW, "World"),
        ("substr", (-5, 2), HW, "Wo"),
        ("substr", (3, 100), HW, "lo World"),
        ("substr", (20, 1), HW, None),
        ("substr", (0, -6), HW, "Hello"),
        ("substr", (-12, 1), HW, None),
        ("select", (0, ","), "a,b,,d", "a"),
        ("select", (1, ","), "a,b,,d", "b"),
        ("select", (2, ","), "a,b,,d", ""),
        ("select", (-1, ","), "a,b,,d", "d"),
        ("select", (9, ","), "a,b,,d", None),
        ("select", (1, ";"), "k1=v1;k2=v2", "k2=v2"),
        ("reverse", (), HW, "dlroW olleH"),
        ("index", ("bc",), "abcabc", 1),
        ("rindex", ("bc",), "abcabc", 4),
        ("index", ("bc", 2), "abcabc", 4),
        ("index", ("bc", -3), "abcabc", 4),
        ("index", ("zz",), "abcabc", None),
        ("rindex", ("zz",), "abcabc", None),
        ("index", ("a",), "abcabc", 0),
        ("rindex", ("a",), "abcabc", 3),
        ("rindex", ("bc", -3), "abcabc", 1),
        ("rindex", ("c", 2), "abcabc", 2),
        ("index", (Pv("ca"),), "abcabc", 2),
    ],
)
def test_s_basic(method: str, params: tuple[Any, ...], value: Any, expected: Any) -> None:
    result = apply("s", method, params, value)
    assert result == expected
    assert type(result) is type(expected)


def test_s_on_int_values() -> None:
    assert s("len", 42) == 2
    assert s("substr", 42, 1, 1) == "2"
    assert s("len", 12345) == 5
    assert s("len", -5) == 2
    assert s("len", "") == 0
    # tolower/toupper/trim leave an int-typed value untouched
    assert s("toupper", 7) == 7 and isinstance(s("toupper", 7), int)


def test_s_int_keeps_text_but_adds_as_number() -> None:
    for text, number in (("42abc", 42), ("abc", 0), ("-12", -12), (" 7", 0)):
        v = s("int", text)
        assert isinstance(v, int)
        assert int(v) == number
        assert str(v) == text
        assert int(v) + 1 == number + 1
    assert type(s("int", "-12")) is int
    assert type(s("int", "42abc")) is IntText


def test_chain_and_null() -> None:
    c1 = compile_chain([("s", "trim", (), None), ("s", "tolower", (), None),
                        ("s", "substr", (0, 5), None)])
    assert c1(None, "  MiXeD Case  ") == "mixed"
    c2 = compile_chain([("s", "trim", (), None), ("s", "toupper", (), None),
                        ("s", "md5", (), None)])
    assert c2(None, "  MiXeD Case  ") == "cdd646fc9de584377280882bfe1500c5"
    assert compile_chain([("s", "trim", ()), ("s", "len", ())])(None, "  MiXeD Case  ") == 10
    for cls, method, params in (("s", "len", ()), ("s", "toupper", ()), ("s", "int", ()),
                                ("uri", "user", ()), ("param", "count", ()),
                                ("s", "substr", (0, 1)), ("s", "md5", ())):
        assert apply(cls, method, params, None) is None
    assert s("toupper", "SECOND, FIRST".lower()) == "SECOND, FIRST"


def test_unknown_transformation_rejected_at_compile_time() -> None:
    with pytest.raises(TransformError, match=r"unknown transformation: \[tobody\]"):
        compile_chain([("tobody", "user", (), None)])
    with pytest.raises(TransformError):
        compile_chain([("s", "nosuch", (), None)])
    with pytest.raises(TransformError):
        compile_chain([("s", "substr", (1,), None)])


def test_names_case_insensitive_and_aliases() -> None:
    assert apply("S", "LEN", (), "abc") == 3
    assert apply("s", "trimright", (), " a ") == " a"
    assert apply("param", "exists", ("a",), "a=1") == 1


def test_s_hashes_and_encodings() -> None:
    assert s("md5", "abc") == "900150983cd24fb0d6963f7d28e17f72"
    assert s("sha1", "abc") == "a9993e364706816aba3e25717850c26c9cd0d89d"
    assert s("sha256", "abc").startswith("ba7816bf8f01cfea")
    assert s("sha256_hmac", "abc", "key").startswith("9c196e32dc0175f8")
    assert s("crc32", "abc") == str(0x352441C2 ^ 0xFFFFFFFF)
    assert s("encode.hexa", "AZ\x01") == "415a01"
    assert s("decode.hexa", "415a01") == "AZ\x01"
    assert s("decode.hexa", "4g") is None
    assert s("hex2dec", "ff") == 255
    assert s("hex2dec", "0x1") is None
    assert s("dec2hex", 255) == "ff"
    assert s("dec2hex", "-1") == "ffffffff"
    assert s("dec2hex", "12a") is None
    assert s("b64encode", "hello") == "aGVsbG8="
    assert s("b64decode", "aGVsbG8=") == "hello"
    assert s("escape.common", "a'b\"c\\") == "a\\'b\\\"c\\\\"
    assert s("unescape.common", "a\\'b\\\"c\\\\") == "a'b\"c\\"
    assert s("escape.user", "a b@c") == "a%20b%40c"
    assert s("escape.param", "a;b=c") == "a%3bb%3dc"
    assert s("unescape.user", "a%20b%40c") == "a b@c"
    assert s("unescape.user", "a%0a") is None
    assert s("date2unix", "Thu, 01 Jan 1970 00:01:40 GMT") == "100"
    assert s("date2unix", "garbage") is None


def test_s_padding_trim_xor() -> None:
    assert s("fill.left", "7", "0", 3) == "007"
    assert s("fill.right", "7", "ab", 4) == "7aba"
    assert s("fill.left", "7", "ab", 4) == "bab7"
    assert s("fill.left", "1234", "0", 2) == "1234"
    assert s("fill.left", "7", "'x'", 3) == "xx7"
    assert s("width", "abcdef", 3) == "abc"
    assert s("width", "ab", 4) == "ab  "
    assert s("width", "ab", 0) is None
    assert s("trim", " \t a b \r\n") == "a b"
    assert s("trimr", " a ") == " a"
    assert s("triml", " a ") == "a "
    assert s("xor", s("xor", "secret", "k3y"), "k3y") == "secret"
    assert s("eval", "$var(x)") == "$var(x)"  # no expander installed


# ------------------------------------------------------------------- tr-param

P = "a=1;b=2;flag;c=three"


def test_param_case() -> None:
    assert apply("param", "count", (), P) == 4
    assert apply("param", "value", ("a",), P) == "1"
    assert apply("param", "value", ("c",), P) == "three"
    assert apply("param", "value", ("zz",), P) is None
    assert apply("param", "value", ("flag",), P) == ""
    assert apply("param", "valueat", (0,), P) == "1"
    assert apply("param", "valueat", (3,), P) == "three"
    assert apply("param", "name", (0,), P) == "a"
    assert apply("param", "name", (2,), P) == "flag"
    assert apply("param", "name", (-1,), P) == "c"
    assert apply("param", "count", (), ";x=1;y=2") == 3
    assert apply("param", "value", ("x",), ";x=1;y=2") == "1"
    assert apply("param", "value", ("a",), "A=upper") == "upper"
    assert apply("param", "count", (), "") is None
    assert apply("param", "exist", ("b",), P) == 1
    assert apply("param", "exist", ("q",), P) == 0
    assert apply("param", "count", (), "a=1;") is None  # name missing after ;
    assert apply("param", "value", ("a",), 'a="x y";b') == "x y"


def test_csv_case() -> None:
    c = "one,two,three"
    assert apply("csv", "count", (), c) == 3
    assert apply("csv", "value", (0,), c) == "one"
    assert apply("csv", "value", (2,), c) == "three"
    assert apply("csv", "value", (-1,), c) == "three"
    assert apply("csv", "value", (5,), c) is None
    assert apply("csv", "count", (), "a, b ,c") == 3
    assert apply("csv", "value", (1,), "a, b ,c") == " b "
    assert apply("csv", "count", (), "single") == 1
    assert apply("csv", "value", (0,), "single") == "single"
    assert apply("csv", "value", (1,), 'a,"b,c"') == "b,c"


# ---------------------------------------------------------------------- tr-uri


def test_uri_case() -> None:
    ru = "sip:bob@127.0.0.1:5060;foo=bar;lr"
    assert apply("uri", "user", (), ru) == "bob"
    assert apply("uri", "host", (), ru) == "127.0.0.1"
    port = apply("uri", "port", (), ru)
    assert port == 5060 and type(port) is int
    assert apply("uri", "params", (), ru) == "foo=bar;lr"
    assert apply("uri", "transport", (), ru) is None
    assert apply("uri", "param", ("foo",), ru) == "bar"
    assert apply("uri", "param", ("lr",), ru) == ""
    u = "sips:carol:secret@example.com;transport=tcp;ttl=5?Subject=hi"
    assert apply("uri", "user", (), u) == "carol"
    assert apply("uri", "passwd", (), u) == "secret"
    assert apply("uri", "host", (), u) == "example.com"
    assert apply("uri", "port", (), u) is None
    assert apply("uri", "transport", (), u) == "tcp"
    assert apply("uri", "ttl", (), u) == "5"
    assert apply("uri", "headers", (), u) == "Subject=hi"
    assert apply("uri", "schema", (), u) == "sips"
    assert apply("uri", "user", (), "not a uri") is None
    assert apply("uri", "user", (), "tel:+1234") == "+1234"
    assert apply("uri", "host", (), "tel:+1234") is None
    assert apply("uri", "user", (), "") is None
    assert apply("uri", "maddr", (), "sip:h;maddr=1.2.3.4;user=phone") == "1.2.3.4"
    assert apply("uri", "uparam", (), "sip:h;maddr=1.2.3.4;user=phone") == "phone"


def test_via_and_nameaddr() -> None:
    v = "SIP/2.0/UDP 127.0.0.1:5070;rport;branch=z9hG4bK-1;received=1.2.3.4"
    assert apply("via", "transport", (), v) == "UDP"
    assert apply("via", "port", (), v) == 5070
    assert apply("via", "branch", (), v) == "z9hG4bK-1"
    assert apply("via", "received", (), v) == "1.2.3.4"
    assert apply("via", "rport", (), v) is None
    assert apply("via", "param", ("rport",), v) == ""
    na = '"Alice" <sip:alice@x.com>;tag=ft-01, <sip:b@y>'
    assert apply("nameaddr", "name", (), na) == '"Alice"'
    assert apply("nameaddr", "uri", (), na) == "sip:alice@x.com"
    assert apply("nameaddr", "param", ("tag",), na) == "ft-01"
    assert apply("nameaddr", "params", (), na) == "tag=ft-01"
    assert apply("nameaddr", "len", (), na) == 25  # parse_to: body.len stops at the ";"
    assert apply("nameaddr", "uri", (), na, index=1) == "sip:b@y"
    assert apply("nameaddr", "uri", (), na, index=Pv(-1)) == "sip:b@y"
    assert apply("nameaddr", "uri", (), na, index=2) is None
    assert apply("nameaddr", "uri", (), "sip:c@z;tag=1") == "sip:c@z"


# ------------------------------------------------------------------ tr-re-subst


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("/foo/X/", "X-bar-foo"),
        ("/foo/X/g", "X-bar-X"),
        (r"/([a-z]+)-([a-z]+)/\2+\1/", "bar+foo-foo"),
        ("/FOO/Y/", "foo-bar-foo"),
        ("/FOO/Y/i", "Y-bar-foo"),
        ("/zzz/Q/", "foo-bar-foo"),
        (r"/bar/[\0]/", "foo-[bar]-foo"),
        ("/o\\{2\\}/0/", "f0-bar-foo"),
        ("/x*/y/", None),  # empty match is an error in OpenSIPS
    ],
)
def test_re_subst(expr: str, expected: str | None) -> None:
    assert apply("re", "subst", (expr,), "foo-bar-foo") == expected


def test_re_subst_misc() -> None:
    assert apply("re", "subst", (r"/^sip:\+/sip:00/",), "sip:+49123@host") == "sip:0049123@host"
    assert apply("re", "subst", (Pv("/b/B/"),), "abc") == "aBc"
    assert apply("re", "subst", ("/q/Q/",), 12) == 12  # no match: value unchanged


# ------------------------------------------------------------------- ip and sdp


def test_ip() -> None:
    assert apply("ip", "isip", (), "10.0.0.1") == 1
    assert apply("ip", "isip", (), "::1") == 1
    assert apply("ip", "isip", (), "host") == 0
    assert apply("ip", "isip4", (), "::1") == 0
    assert apply("ip", "isip6", (), "[::1]") == 1
    assert apply("ip", "isprivate", (), "192.168.1.1") == 1
    assert apply("ip", "isprivate", (), "8.8.8.8") == 0
    packed = apply("ip", "pton", (), "1.2.3.4")
    assert packed == "\x01\x02\x03\x04"
    assert apply("ip", "family", (), packed) == "INET"
    assert apply("ip", "ntop", (), packed) == "1.2.3.4"
    assert apply("ip", "matches", ("10.0.0.0/8",), "10.1.2.3") == 1
    assert apply("ip", "matches", ("10.0.0.0/8",), "11.1.2.3") == 0
    assert apply("ip", "matches", ("10.0.0.0",), "10.1.2.3") is None
    assert apply("ip", "resolve", (), "1.2.3.4") == "1.2.3.4"
    assert apply("ip", "resolve", (), "example.com") is None


SDP = ("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n"
       "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\nm=video 5000 RTP/AVP 96\r\n")


def test_sdp() -> None:
    assert apply("sdp", "line", ("m", 0), SDP) == "m=audio 4000 RTP/AVP 0"
    assert apply("sdp", "line", ("m", 1), SDP) == "m=video 5000 RTP/AVP 96"
    assert apply("sdp", "line", ("m", 2), SDP) is None
    assert apply("sdp", "line", ("c", 0), SDP) == "c=IN IP4 1.2.3.4"
    assert apply("sdp", "stream", (1,), SDP) == "m=video 5000 RTP/AVP 96\r\n"
    assert apply("sdp", "stream", ("audio",), SDP) == (
        "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")
    assert apply("sdp", "stream-delete", ("video",), SDP) == SDP[: SDP.index("m=video")]
