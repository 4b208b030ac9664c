"""Round-6 shortcuts of the module functions against the general code they skip:
``nameaddr.tag_param``'s shortcuts vs its scan (``_scan_tag``); maxfwd's memo of Max-Forwards readings
vs a reference copy of the computation it replaced; registrar's ``_binding_of`` and
one-binding Contact header vs what save computed before; rr's own-address and R-URI
address memos and is_method's memo vs the general code."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from osipsc.runtime.functions import maxfwd, registrar, rr
from osipsc.runtime.sip import nameaddr
from osipsc.runtime.sip.nameaddr import NameAddr, _scan_tag, tag_param
from test_perf_r5_rr import _run as _r5_run  # the r5 rr harness: fast path vs general

#: pieces name-addrs are made of, the tricky ones included (quotes, '<' '>' in quotes,
#: upper-case and spaced keys, empty values, unicode white space, '=' in values)
_PIECES = ['"', "<", ">", ";", "=", "tag", "TAG", " ", "\t", "\xa0", "\x1c", "a", "sip:u@h",
           ";tag=", ">;tag=", '"Caller" ', "x=y", ",", "\r\n", "Tag", "t", "ag"]

_texts = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join) | st.text(max_size=20)


def _reference_tag(text: str | None) -> str | None:
    """The tag by ``tag_param``'s scan alone (no shortcut, no memo)."""
    return None if text is None else _scan_tag(text)


@settings(max_examples=3000, deadline=None)
@given(_texts)
def test_tag_param_shortcuts_match_its_scan(text: str) -> None:
    nameaddr._LAST_TAG = (None, None)
    nameaddr._PARSED._values.pop(text, None)
    assert tag_param(text) == _reference_tag(text)
    assert tag_param(text) == _reference_tag(text)  # its one-entry memo
    parsed = None
    try:
        parsed = NameAddr.parse(text)  # and what the parse memo answers
    except ValueError:
        pass
    if parsed is not None:
        assert tag_param(text) == parsed.tag


def test_tag_param_usual_shapes() -> None:
    assert tag_param('"Caller" <sip:caller@127.0.0.1>;tag=i12') == "i12"
    assert tag_param("<sip:u@h>;tag=abc;x=1") == "abc"
    assert tag_param("<sip:u@h>") is None
    assert tag_param('"a<b" <sip:u@h>;tag= z ') == "z"
    assert tag_param("<sip:u@h>;tag=") is None
    assert tag_param(None) is None


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


_CONTACT_PIECES = ["<sip:a@h>", "sip:a@h", ";expires=", ";q=", "60", "0", "²", "٣", "1e400",
                   "nan", "0.5", "abc", "", " ", ";+sip.instance=", '"<urn:x>"', ";Q=", "-1",
                   ";EXPIRES=", "1.0005"]


def _reference_binding(value: str, default_q: int) -> tuple[Any, ...]:
    """What save computed from ``_contact_of``'s texts before ``_binding_of`` (expires:
    None for the default; q with the default applied), or the exception it raised."""
    try:
        uri, exp_text, q_text, instance = registrar._contact_of(value)  # noqa: SLF001
        expires = int(exp_text) if exp_text and exp_text.isdigit() else None
        q: Any = q_text
        try:
            q = registrar._q_of(q_text, default_q)  # noqa: SLF001
        except OverflowError as exc:
            q = repr(exc)  # raised by save only for a binding it keeps (expires != 0)
        return (uri, expires, q, instance)
    except Exception as exc:  # noqa: BLE001 - the same exception either way
        return (repr(exc),)


def _binding(value: str, default_q: int) -> tuple[Any, ...]:
    try:
        uri, expires, q, instance = registrar._binding_of(value)  # noqa: SLF001
        if type(q) is not int:
            try:
                q = default_q if q is None else registrar._q_of(q, default_q)  # noqa: SLF001
            except OverflowError as exc:
                q = repr(exc)
        return (uri, expires, q, instance)
    except Exception as exc:  # noqa: BLE001
        return (repr(exc),)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_CONTACT_PIECES), max_size=8).map("".join),
       st.sampled_from([-1, 0, 500]))
def test_binding_of_is_save_conversions(value: str, default_q: int) -> None:
    for _ in range(2):  # a miss, then the memo's answer
        assert _binding(value, default_q) == _reference_binding(value, default_q)


def test_binding_of_memo_is_bounded() -> None:
    for n in range(registrar._MEMO_LIMIT + 10):  # noqa: SLF001
        registrar._binding_of(f"<sip:u{n}@h>;expires={n}")  # noqa: SLF001
    assert len(registrar._BINDINGS) <= registrar._MEMO_LIMIT  # noqa: SLF001


class _SockEngine:
    def __init__(self, sockets: Any) -> None:
        if sockets != "absent":
            self.sockets = sockets


class _DstMsg:
    def __init__(self, dst: Any, proto: str) -> None:
        self.dst, self.proto = dst, proto


class _RrCtx:
    def __init__(self, engine: Any, msg: Any) -> None:
        self.engine, self.msg = engine, msg


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(["absent", None, [], [("udp", "Example.COM", 7)],
                        [("tls", "[::1]", 5061), ("udp", "127.0.0.1", 5060)]]),
       st.sampled_from(["127.0.0.1", "Example.COM", "[::1]", "h"]),
       st.sampled_from([0, 5060, 7]), st.sampled_from(["udp", "TLS"]), st.booleans())
def test_my_addresses_memo_is_local_sockets(sockets: Any, host: str, port: int, proto: str,
                                           no_msg: bool) -> None:
    ctx = _RrCtx(_SockEngine(sockets), None if no_msg else _DstMsg((host, port), proto))
    expected = {(h.lower(), p) for _proto, h, p in rr.local_sockets(ctx)}
    for _ in range(2):  # a miss, then the memo's answer
        assert rr._my_addresses(ctx) == expected  # noqa: SLF001


def test_is_method_memo_answers_as_computed_and_is_bounded() -> None:
    from osipsc.runtime.functions import sipmsgops
    from osipsc.runtime.sip.message import SipMessage

    class _MsgCtx:
        def __init__(self, msg: Any) -> None:
            self.msg = msg

    for method in ["INVITE", "invite", "FOO", "foo", "\xb5X"]:
        msg = SipMessage.parse(f"{method} sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
                               "From: <sip:f@g>;tag=1\r\nTo: <sip:t@u>\r\nCall-ID: c\r\n"
                               f"CSeq: 1 {method}\r\n\r\n")
        for arg in ["INVITE", "foo|BYE", "Invite", "\xb5x"]:
            want = sipmsgops._is_method(arg, method)  # noqa: SLF001
            assert sipmsgops.is_method(_MsgCtx(msg), arg) == want
            assert sipmsgops.is_method(_MsgCtx(msg), arg) == want  # the memo's answer
    for n in range(sipmsgops._METHOD_SETS_MAX + 5):  # noqa: SLF001
        sipmsgops.is_method(_MsgCtx(msg), f"M{n}")
    assert len(sipmsgops._IS_METHOD) <= sipmsgops._METHOD_SETS_MAX  # noqa: SLF001


def _reference_contact_header(contacts: list[Any], now: float) -> str | None:
    """contact_header's general loop (what one binding went through before its
    one-f-string path)."""
    if not contacts:
        return None
    parts = []
    for c in contacts:
        left = max(0, int(c.expires - now)) if c.expires else 0
        text = (f"<{c.uri}>;expires={left}" if c.q < 0
                else f"<{c.uri}>;q={c.q_text()};expires={left}")
        if c.received:
            text = f'{text};received="{c.received}"'
        parts.append(text)
    return f"Contact: {', '.join(parts)}\r\n"


@settings(max_examples=800, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["sip:a@h", "sip:b@h:5090;x=1"]),
                          st.sampled_from([0, 0.5, 99.5, 100, 100.25, 3700, 1e9]),
                          st.sampled_from([-1, 0, 500, 1000]),
                          st.sampled_from([None, "", "sip:r@1.2.3.4"])), max_size=3),
       st.sampled_from([0.0, 0.75, 100.0, 100.5, 5000.0]))
def test_contact_header_is_the_general_loop(bindings: list[Any], now: float) -> None:
    from osipsc.runtime.usrloc import Contact

    contacts = [Contact(uri=u, expires=e, q=q, received=r) for u, e, q, r in bindings]
    want = _reference_contact_header(contacts, now)
    assert registrar.contact_header(None, contacts, now) == want
    assert registrar.contact_header(None, tuple(contacts), now) == want


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["sip:u@127.0.0.1:5090", "sip:u@127.0.0.1", "sip:127.0.0.1;gr",
                        "sip:U@127.0.0.1:5060", "sip:[::1]:5061", "sip:x@EXAMPLE.com:7",
                        "sip:x@127.0.0.1:5060;gr=1", "sips:u@127.0.0.1", "sip:u@h:²",
                        "sip:u@[::1]", "sip:u@127.0.0.1:05060"]),
       st.sampled_from(["sip:127.0.0.1:5060", "sip:[::1]:5061", "sip:10.0.0.1:5060"]),
       st.booleans(), st.booleans())
def test_loose_one_ruri_address_memo(ruri: str, route: str, totag: bool, build: bool) -> None:
    """``_loose_one``'s R-URI address memo answers as ``_is_myself`` (the general path)."""
    text = (f"BYE {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
            f"Route: <{route};lr;ftag=i1>\r\nFrom: <sip:f@g>;tag=i1\r\n"
            f"To: <sip:t@u>{';tag=2' if totag else ''}\r\nCall-ID: c\r\nCSeq: 2 BYE\r\n\r\n")
    for _ in range(2):  # a miss, then the memo's answer
        try:
            fast = _r5_run(text, build, True)
        except ValueError as exc:  # a port that is no number: raised either way
            fast = repr(exc)
        try:
            general = _r5_run(text, build, False)
        except ValueError as exc:
            general = repr(exc)
        assert fast == general
