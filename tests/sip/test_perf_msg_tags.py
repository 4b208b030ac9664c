"""Differential tests of the tag-only scan (``tag_param``) against the full name-addr
parse it replaces in has_totag / $tt / rr's ftag."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st
from osipsc.runtime.sip.nameaddr import NameAddr, _find_unquoted, addr_uri, tag_param

#: pieces that exercise every rule: quotes, angle brackets, separators, blanks, cases
_PIECES = st.sampled_from([
    '"', "<", ">", ";", "=", " ", "\t", "\r\n", ",", "tag", "TAG", "Tag", " tag ", "tag=",
    ";tag=", "x", "a1", "sip:", "sip:a@h", "\\", "ftag", "tags", "\u0130", "\u212a",
    "lr", "foo=bar", "<sip:a@h>", '"A <b>"', "\x00",
])
_TEXTS = st.lists(_PIECES, max_size=14).map("".join) | st.text(max_size=30)


def _reference(text: str) -> str | None:
    try:
        return NameAddr._parse_text(text).tag
    except ValueError:
        return None


@settings(max_examples=3000, deadline=None)
@given(_TEXTS)
@example('"Caller" <sip:caller@127.0.0.1>;tag=i601')
@example("<sip:a@h;tag=uri>;tag=hdr")
@example("sip:a@h;TAG = x ;tag=y")
@example('"a<b;tag=q" <sip:a@h>;x;Tag=')
@example("<sip:a@h;tag=1")
@example("<sip:a@h> ;tag=1")
@example(" sip:a@h ; tag ")
def test_tag_param_matches_nameaddr(text: str) -> None:
    assert tag_param(text) == _reference(text)


def test_tag_param_none_and_memo_hit() -> None:
    assert tag_param(None) is None
    text = "<sip:memo@h>;tag=m1"
    NameAddr.parse(text)  # now in the memo: same answer from the parsed value
    assert tag_param(text) == "m1"


def _reference_uri(text: str) -> str | None:
    try:
        return NameAddr._parse_text(text).uri
    except ValueError:
        return None


def _uri(text: str) -> str | None:
    try:
        return addr_uri(text)
    except ValueError:
        return None


@settings(max_examples=3000, deadline=None)
@given(_TEXTS)
@example("<sip:127.0.0.1:5060;lr;ftag=i601>")
@example(' "a<b" <sip:x>;p')
@example("sip:a@h ;x")
@example("<sip:a@h")
def test_addr_uri_matches_nameaddr(text: str) -> None:
    assert _uri(text) == _reference_uri(text)


def _find_unquoted_reference(text: str, ch: str) -> int:
    quoted = False
    for i, c in enumerate(text):
        if c == '"':
            quoted = not quoted
        elif c == ch and not quoted:
            return i
    return -1


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(['"', "<", "a", ">", " "]), max_size=16).map("".join))
@example('"a<b" <c>')
@example('"a"<"b"<')
@example('"<')
def test_find_unquoted_matches_char_walk(text: str) -> None:
    assert _find_unquoted(text, "<") == _find_unquoted_reference(text, "<")
