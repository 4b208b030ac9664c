"""The dummy request OpenSIPS runs startup, timer, event and launch-report routes on.

Same text as ``_sip_msg_buf`` in OpenSIPS 3.6 ``action.c`` (so ``$ru``, ``$ci``, ``$fu``,
``$rm`` ... print what OpenSIPS prints in those routes).
"""

from __future__ import annotations

from .message import SipMessage

DUMMY_TEXT = (
    "DUMMY sip:user@dummy.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKdummy\r\n"
    "To: <sip:to@dummy.com>\r\n"
    "From: <sip:from@dummy.com>;tag=1\r\n"
    "Call-ID: dummy-1\r\n"
    "CSeq: 1 DUMMY\r\n\r\n"
)


def dummy_message() -> SipMessage:
    """A fresh dummy request (source 127.0.0.1, as OpenSIPS leaves it zeroed otherwise)."""
    msg = SipMessage.parse(DUMMY_TEXT, src=("0.0.0.0", 0), dst=("0.0.0.0", 0))
    msg.is_dummy = True
    return msg
