"""The hdr-* conformance cases replayed function by function (the script's calls in order)."""

from __future__ import annotations

from osipsc.runtime.functions import core_msg, sipmsgops, textops
from osipsc.runtime.pv_table import PV_TABLE
from osipsc.runtime.sip.message import SipMessage

from .conftest import FakeCtx, case_message, expected_packets, rendered


def pv(ctx: FakeCtx, name: str, sub: object = None, index: object = None) -> object:
    import osipsc.runtime.pvars_sip  # noqa: F401  (registers the getters)

    return PV_TABLE[name].getter(ctx, sub, index)


def ctx_for(case: str, name: str) -> FakeCtx:
    return FakeCtx(SipMessage.parse(case_message(case, name)))


def test_hdr_append_lazy() -> None:
    case = "hdr-append-lazy"
    ctx = ctx_for(case, "01-options.sip")
    assert sipmsgops.append_hf(ctx, "X-New: added\r\n") == 1
    assert pv(ctx, "hdr", "X-New") is None
    assert sipmsgops.is_present_hf(ctx, "X-New") == -1
    assert sipmsgops.remove_hf(ctx, "X-Old") == 1
    assert (pv(ctx, "hdr", "X-Old"), pv(ctx, "hdrcnt", "X-Old")) == ("one", 2)
    assert sipmsgops.is_present_hf(ctx, "X-Old") == 1
    assert sipmsgops.remove_hf(ctx, "X-Old") == -1
    assert sipmsgops.remove_hf(ctx, "X-Missing") == -1
    assert (pv(ctx, "rU"), pv(ctx, "cs")) == ("bob", "1")
    sipmsgops.append_hf(ctx, "X-Var: bob-1\r\n")
    ctx.msg.dst_uri = "sip:127.0.0.1:5070"
    assert core_msg.forward(ctx) == 1
    assert ctx.engine.sent[0][1] == ("127.0.0.1", 5070)
    assert rendered(ctx, case) == expected_packets(case, "01-options.sip")


def test_hdr_insert_order() -> None:
    case = "hdr-insert-order"
    ctx = ctx_for(case, "01-options.sip")
    sipmsgops.append_hf(ctx, "X-Append-1: a1\r\n")
    sipmsgops.append_hf(ctx, "X-Append-2: a2\r\n")
    sipmsgops.insert_hf(ctx, "X-Insert-1: i1\r\n")
    sipmsgops.insert_hf(ctx, "X-Insert-2: i2\r\n")
    sipmsgops.append_hf(ctx, "X-After-CSeq: ac\r\n", "CSeq")
    sipmsgops.insert_hf(ctx, "X-Before-CSeq: bc\r\n", "CSeq")
    assert sipmsgops.append_hf(ctx, "X-After-Missing: am\r\n", "X-Nope") == 1
    core_msg.forward(ctx, "udp:127.0.0.1:5070")
    assert rendered(ctx, case) == expected_packets(case, "01-options.sip")


def test_hdr_subst_eol() -> None:
    case = "hdr-subst-eol"
    ctx = ctx_for(case, "01-options.sip")
    assert textops.subst(ctx, r"/^X-Sub: (.*)$/X-Sub: \1-changed/") == 1
    assert textops.search_append(ctx, "^X-Both: b", ";appended") == 1
    assert textops.subst(ctx, r"/^X-Both: ([a-z]+)/X-Both: \1\1/") == 1
    assert textops.subst(ctx, "/^X-Clean: ([a-z]+)\r$/X-Clean: \\1-ok\r/") == 1
    core_msg.forward(ctx, "udp:127.0.0.1:5070")
    assert rendered(ctx, case) == expected_packets(case, "01-options.sip")


def test_hdr_search_subst() -> None:
    case = "hdr-search-subst"
    ctx = ctx_for(case, "01-message.sip")
    assert textops.search(ctx, "^X-Tag: *blue") == 1
    assert textops.search(ctx, "^x-tag: *BLUE") == 1
    assert textops.search(ctx, "nothing-like-this") == -1
    assert textops.search_body(ctx, "needle") == 1
    assert textops.search_append(ctx, "^X-Tag: blue", ";appended") == 1
    assert pv(ctx, "hdr", "X-Tag") == "blue"
    assert textops.subst(ctx, r"/^X-Count: ([0-9])/X-Count: \1\1/g") == 1
    assert pv(ctx, "hdr", "X-Count") == "1"
    assert textops.replace(ctx, "green", "GREEN") == 1
    assert textops.subst(ctx, "/nomatch-xyz/foo/") == -1
    core_msg.forward(ctx, "udp:127.0.0.1:5070")
    assert rendered(ctx, case) == expected_packets(case, "01-message.sip")


def test_hdr_remove_variants() -> None:
    case = "hdr-remove-variants"
    ctx = ctx_for(case, "01-options.sip")
    assert sipmsgops.remove_hf(ctx, "X-Multi") == 1
    assert sipmsgops.remove_hf_re(ctx, "^X-Re-[0-9]+$") == 1
    assert sipmsgops.remove_hf_glob(ctx, "X-Glob-*") == 1
    assert sipmsgops.remove_hf(ctx, "Subject") == -1
    assert sipmsgops.remove_hf(ctx, "user-agent") == 1
    core_msg.forward(ctx, "udp:127.0.0.1:5070")
    assert rendered(ctx, case) == expected_packets(case, "01-options.sip")


def test_hdr_is_method_totag() -> None:
    case = "hdr-is-method-totag"
    opt = ctx_for(case, "01-options.sip")
    assert [sipmsgops.is_method(opt, m) for m in ("OPTIONS", "INVITE|MESSAGE", "options",
                                                    "PUBLISH")] == [1, -1, 1, -1]
    assert sipmsgops.has_totag(opt) == -1
    assert [sipmsgops.is_present_hf(opt, n) for n in ("Subject", "s", "x-custom")] == [
        -1, -1, 1]
    assert [core_msg.is_myself(opt, "127.0.0.1"), core_msg.is_myself(opt, "127.0.0.1", 5060),
            core_msg.is_myself(opt, "127.0.0.1", 5070), core_msg.is_myself(opt, "10.1.2.3"),
            core_msg.is_myself(opt, "localhost")] == [1, 1, -1, -1, -1]
    msg2 = ctx_for(case, "02-message-intdialog.sip")
    assert sipmsgops.is_method(msg2, "INVITE|MESSAGE") == 1
    assert sipmsgops.has_totag(msg2) == 1 and pv(msg2, "tt") == "to-02"
    assert [sipmsgops.is_present_hf(msg2, n) for n in ("Subject", "s")] == [-1, 1]
    pub = ctx_for(case, "03-publish.sip")
    assert [sipmsgops.is_present_hf(pub, n) for n in ("Subject", "s")] == [1, -1]
    remote = ctx_for(case, "04-remote.sip")
    assert (pv(remote, "rd"), pv(remote, "rp")) == ("example.com", 5060)
    assert core_msg.is_myself(remote, "example.com", 5060) == -1
