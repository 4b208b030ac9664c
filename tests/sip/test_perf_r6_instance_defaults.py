"""``SipMessage.parse`` sets the class defaults read on every message's path on the
instance (CPython 3.11 specialises instance reads, not class ones): the values must be the
class defaults, for a request and for a reply (issue #4)."""

from __future__ import annotations

import pytest
from osipsc.runtime.sip.message import SipMessage

HOT = ("_recs", "_packed", "_starts", "_via1_cache", "new_uri", "dst_uri", "_shared",
       "force_rport")

REQUEST = (b"INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n"
           b"From: <sip:a@b>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n"
           b"Content-Length: 0\r\n\r\n")
REPLY = (b"SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n"
         b"From: <sip:a@b>;tag=1\r\nTo: <sip:bob@127.0.0.1>;tag=2\r\nCall-ID: c\r\n"
         b"CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")


@pytest.mark.parametrize("data", [REQUEST, REPLY], ids=["request", "reply"])
def test_hot_defaults_are_instance_attributes_equal_to_the_class_defaults(data: bytes) -> None:
    msg = SipMessage.parse(data)
    own = vars(msg)
    for name in HOT:
        assert name in own, name
        assert own[name] == getattr(SipMessage, name), name
    assert msg.is_request is (data is REQUEST)
