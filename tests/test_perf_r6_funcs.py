"""Round-6 shortcuts of the module functions against the general code they skip:
``_sipmsg.header_tag`` vs ``nameaddr.tag_param``; maxfwd's memo of Max-Forwards readings
vs a reference copy of the computation it replaced."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from osipsc.runtime.functions import _sipmsg, maxfwd
from osipsc.runtime.sip.nameaddr import _PARSED, NameAddr, tag_param

#: pieces name-addrs are made of, the tricky ones included (quotes, '<' '>' in quotes,
#: upper-case and spaced keys, empty values, unicode white space, '=' in values)
_PIECES = ['"', "<", ">", ";", "=", "tag", "TAG", " ", "\t", "\xa0", "\x1c", "a", "sip:u@h",
           ";tag=", ">;tag=", '"Caller" ', "x=y", ",", "\r\n", "Tag", "t", "ag"]

_texts = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join) | st.text(max_size=20)


def _reference_tag(text: str | None) -> str | None:
    """tag_param without any memo entry for ``text`` (its scan)."""
    if text is None:
        return None
    _PARSED._values.pop(text, None)
    return tag_param(text)


@settings(max_examples=3000, deadline=None)
@given(_texts)
def test_header_tag_is_tag_param(text: str) -> None:
    _sipmsg._LAST_TAG[:] = [None, None]
    assert _sipmsg.header_tag(text) == _reference_tag(text)
    assert _sipmsg.header_tag(text) == _reference_tag(text)  # its one-entry memo
    parsed = None
    try:
        parsed = NameAddr.parse(text)  # and what the parse memo answers
    except ValueError:
        pass
    if parsed is not None:
        assert _sipmsg.header_tag(text) == parsed.tag


def test_header_tag_usual_shapes() -> None:
    assert _sipmsg.header_tag('"Caller" <sip:caller@127.0.0.1>;tag=i12') == "i12"
    assert _sipmsg.header_tag("<sip:u@h>;tag=abc;x=1") == "abc"
    assert _sipmsg.header_tag("<sip:u@h>") is None
    assert _sipmsg.header_tag('"a<b" <sip:u@h>;tag= z ') == "z"
    assert _sipmsg.header_tag("<sip:u@h>;tag=") is None
    assert _sipmsg.header_tag(None) is None


def _reference_maxfwd(text: str | None) -> tuple[int, str | None]:
    """What mf_process_maxfwd_header computed before the memo: the value and the body it
    wrote (None: nothing written)."""
    if text is None:
        return -1, None
    body = text.strip()
    if not (body.isascii() and body.isdigit()) or int(body) > 65535:
        return -2, None
    value = int(body)
    if value == 0:
        return 0, None
    if value > maxfwd.MAX_LIMIT:
        value = maxfwd.MAX_LIMIT + 1
    width = len(text)
    return int(body), str(value - 1)[-width:].rjust(width)


class _Msg:
    """The two SipMessage calls maxfwd makes, recorded."""

    def __init__(self, text: str | None) -> None:
        self.text = text
        self.written: str | None = None

    def _value(self, key: str) -> str | None:
        assert key == "max-forwards"
        return self.text

    def overwrite_body(self, key: str, new: str) -> None:
        assert key == "max-forwards" and len(new) == len(self.text or "")
        self.written = new


class _Ctx:
    def __init__(self, msg: _Msg) -> None:
        self.msg = msg


@settings(max_examples=2000, deadline=None)
@given(st.one_of(st.integers(0, 70000).map(str), st.integers(0, 300).map(lambda n: f"{n:05d}"),
                 st.text(alphabet="0123456789 \t²٣x-", max_size=6)))
def test_maxfwd_memo_is_the_computation(text: str) -> None:
    value, written = _reference_maxfwd(text)
    for _ in range(2):  # a miss, then the memo's answer
        msg = _Msg(text)
        rc = maxfwd.mf_process_maxfwd_header(_Ctx(msg), 10)  # type: ignore[arg-type]
        assert msg.written == written
        assert rc == (1 if written is not None else -1 if value == 0 else -2)
        assert maxfwd._value(msg) == value


def test_maxfwd_memo_is_bounded() -> None:
    for n in range(2000):
        maxfwd._reading(f"{n:06d}")
    assert len(maxfwd._READINGS) <= 512
    assert maxfwd._reading("000070") == (70, "    69")
