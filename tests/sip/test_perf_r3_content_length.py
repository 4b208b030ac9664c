"""Content-Length values that pass ``str.isdigit`` without being ASCII digits.

OpenSIPS's parse_content_length reads ASCII digits only, so such a value is as malformed
as ``abc``: the parse must not raise a Python error and the body stays as received."""

from __future__ import annotations

import pytest
from osipsc.runtime.sip.message import SipMessage

_REQ = ("OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n"
        "From: <sip:b@example.com>;tag=1\r\nTo: <sip:a@example.com>\r\nCall-ID: c1\r\n"
        "CSeq: 1 OPTIONS\r\nContent-Length: {cl}\r\n\r\nhello")


@pytest.mark.parametrize("value", ["\u00b2", "\u0663", "1\u00b2", "\uff13", "abc"])
def test_non_ascii_digit_length_is_malformed(value: str) -> None:
    msg = SipMessage.parse(_REQ.format(cl=value).encode("utf-8").decode("latin-1"))
    assert msg.body == "hello"


def test_non_ascii_digit_length_as_text() -> None:
    for value in ("\u00b2", "\u0663", "\u0661"):  # str input keeps the characters
        assert SipMessage.parse(_REQ.format(cl=value)).body == "hello"


def test_ascii_digits_still_truncate() -> None:
    assert SipMessage.parse(_REQ.format(cl=" 3 ")).body == "hel"
    assert SipMessage.parse(_REQ.format(cl="9")).body == "hello"
