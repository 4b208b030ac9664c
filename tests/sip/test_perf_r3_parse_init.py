"""``SipMessage.parse`` builds its instance without calling ``__init__``: the state must
equal what ``__init__`` gives, and a subclass with its own ``__init__`` still runs it."""

from __future__ import annotations

from osipsc.runtime.sip.lumps import LumpList
from osipsc.runtime.sip.message import ReplyLumps, SipMessage

_REQ = ("OPTIONS sip:a@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:b@h>;"
        "tag=1\r\nTo: <sip:a@h>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n")


def test_parse_state_equals_init_state() -> None:
    msg = SipMessage.parse(_REQ)
    fresh = SipMessage()
    for name in ("branches", "module_data"):
        assert getattr(msg, name) == getattr(fresh, name)
    assert type(msg.lumps) is LumpList and msg.lumps.items == [] and len(msg.lumps) == 0
    assert msg.reply_lumps == ReplyLumps()
    assert list(vars(msg))[:4] == list(vars(fresh))
    other = SipMessage.parse(_REQ)  # nothing shared between messages
    assert msg.branches is not other.branches and msg.lumps.items is not other.lumps.items
    assert msg.reply_lumps.headers is not other.reply_lumps.headers
    assert msg.module_data is not other.module_data


def test_subclass_init_runs() -> None:
    class Traced(SipMessage):
        def __init__(self) -> None:
            super().__init__()
            self.traced = True

    msg = Traced.parse(_REQ)
    assert type(msg) is Traced and msg.traced and msg.lumps.items == []
