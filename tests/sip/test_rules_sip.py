"""SIP-side rules run through the Engine with small cfgs (transcript form, as recorded).

Each expected line was checked against OpenSIPS 3.6 (pvar.c, parser/, data_lump.c, modules
sl, maxfwd, rr, textops, sipmsgops) and runtime.md:
- $hdr takes compact names, [n] / [-1] indexes; a missing header is <null>, $hdrcnt 0;
- $rm is a string-with-int compared case-insensitively; $rp with an explicit port matches 5060;
- sl_send_reply with a non-numeric code from a variable returns -1 and sends nothing;
- append_hf is lazy: is_present_hf / $hdr don't see it; append_to_reply goes into sl replies;
- mf_process_maxfwd_header rewrites the received buffer (70 → 69 seen by $hdr), returns -1
  on Max-Forwards 0 and sends nothing itself (the script's 483 is the only reply);
- $stat(rcv_requests) / $stat(sent_replies) count across messages;
- prefix/strip/strip_tail/revert_uri/sethost and $rp writes, $ou unchanged;
- record_route(params) appends params raw after ftag; insert_hf / append_hf(anchor);
- loose_route() on an in-dialog request pops our own Route and sets $du to the next
  loose router, R-URI unchanged; forward() goes to $du.
"""

from __future__ import annotations

from pathlib import Path

from osipsc.compiler.commands.run import transcript

PVARS_REPLIES_MAXFWD_CFG = 'loadmodule "proto_udp.so"\nloadmodule "sl.so"\nloadmodule "maxfwd.so"\nloadmodule "textops.so"\nloadmodule "sipmsgops.so"\nloadmodule "statistics.so"\nsocket = udp:127.0.0.1:5060\nudp_workers = 1\n\nroute {\n    xlog("v=$hdr(v) v1=$(hdr(Via)[1]) vlast=$(hdr(Via)[-1]) cnt=$hdrcnt(Via) f=$hdr(f) miss=$hdr(X-None) xcnt=$hdrcnt(X-None)\\n");\n    xlog("rm=$rm rp=$rp cs=$cs fU=$fU fn=$fn ft=$ft tU=$tU tt=$tt ct=$ct ml=$ml cl=$cl\\n");\n    if ($rm == "invite") xlog("rm ci match\\n");\n    if ($rp == 5060) xlog("rp int match\\n");\n    $var(c) = "abc";\n    if (!sl_send_reply($var(c), "Bad")) xlog("rc=$rc\\n");\n    append_hf("X-A: 1\\r\\n");\n    if (!is_present_hf("X-A")) xlog("lazy ok hdr=$hdr(X-A)\\n");\n    $var(r) = mf_process_maxfwd_header(10);\n    xlog("mf=$var(r) hdr=$hdr(Max-Forwards)\\n");\n    if ($var(r) == -1) { sl_send_reply(483, "Too Many Hops"); exit; }\n    append_to_reply("X-Rep: yes\\r\\n");\n    sl_send_reply(404, "Nope");\n    xlog("stat rcv=$stat(rcv_requests) sent=$stat(sent_replies)\\n");\n}\n'
PVARS_REPLIES_MAXFWD_01 = 'INVITE sip:bob@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\nv: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-0\nMax-Forwards: 70\nf: "Alice A" <sip:alice@example.com>;tag=ft1\nTo: <sip:bob@example.com>\nCall-ID: c1\nCSeq: 1 INVITE\nContact: <sip:alice@127.0.0.1:5070>\nContent-Length: 0\n\n'
PVARS_REPLIES_MAXFWD_02 = 'INVITE sip:bob@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-2\nv: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-0\nMax-Forwards: 0\nf: "Alice A" <sip:alice@example.com>;tag=ft1\nTo: <sip:bob@example.com>\nCall-ID: c1\nCSeq: 1 INVITE\nContact: <sip:alice@127.0.0.1:5070>\nContent-Length: 0\n\n'
PVARS_REPLIES_MAXFWD_EXPECTED = (
    '== startup\n'
    '== 01-inv.sip\n'
    'v=SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1 v1=SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-0 vlast=SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-0 cnt=2 f="Alice A" <sip:alice@example.com>;tag=ft1 miss=<null> xcnt=0\n'
    'rm=INVITE rp=5060 cs=1 fU=alice fn="Alice A" ft=ft1 tU=bob tt=<null> ct=<sip:alice@127.0.0.1:5070> ml=314 cl=0\n'
    'rm ci match\n'
    'rp int match\n'
    'rc=-1\n'
    'lazy ok hdr=<null>\n'
    'mf=1 hdr=69\n'
    'stat rcv=1 sent=1\n'
    'REPLY: SIP/2.0 404 Nope\n'
    'REPLY-HDR: X-Rep: yes\n'
    '== 02-mf0.sip\n'
    'v=SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-2 v1=SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-0 vlast=SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-0 cnt=2 f="Alice A" <sip:alice@example.com>;tag=ft1 miss=<null> xcnt=0\n'
    'rm=INVITE rp=5060 cs=1 fU=alice fn="Alice A" ft=ft1 tU=bob tt=<null> ct=<sip:alice@127.0.0.1:5070> ml=313 cl=0\n'
    'rm ci match\n'
    'rp int match\n'
    'rc=-1\n'
    'lazy ok hdr=<null>\n'
    'mf=-1 hdr=0\n'
    'REPLY: SIP/2.0 483 Too Many Hops\n'
    '== end\n'
)

URI_EDITS_RR_LOOSE_ROUTE_CFG = 'loadmodule "proto_udp.so"\nloadmodule "sl.so"\nloadmodule "rr.so"\nloadmodule "textops.so"\nloadmodule "sipmsgops.so"\nsocket = udp:127.0.0.1:5060\nudp_workers = 1\n\nroute {\n    if (has_totag()) {\n        xlog("lr=$rc\\n");\n        if (loose_route()) xlog("loose du=$du ru=$ru\\n");\n        forward();\n        exit;\n    }\n    prefix("+1");\n    xlog("ru=$ru ou=$ou rU=$rU\\n");\n    strip(2);\n    strip_tail(1);\n    xlog("ru=$ru\\n");\n    revert_uri();\n    xlog("reverted ru=$ru\\n");\n    sethost("example.net");\n    $rp = 5080;\n    xlog("ru=$ru rp=$rp rd=$rd\\n");\n    remove_hf("Subject");\n    insert_hf("X-First: 1\\r\\n");\n    append_hf("X-After: 2\\r\\n", "CSeq");\n    record_route("p=1");\n    $du = "sip:127.0.0.1:5070";\n    forward();\n}\n'
URI_EDITS_RR_LOOSE_ROUTE_01 = 'INVITE sip:bob123@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\nMax-Forwards: 70\nFrom: <sip:alice@example.com>;tag=ft1\nTo: <sip:bob@example.com>\nCall-ID: c1\nCSeq: 1 INVITE\nSubject: hi\nContent-Length: 0\n\n'
URI_EDITS_RR_LOOSE_ROUTE_02 = 'BYE sip:bob@127.0.0.1:5070 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-2\nMax-Forwards: 70\nRoute: <sip:127.0.0.1:5060;lr>, <sip:127.0.0.1:5070;lr;x=1>\nFrom: <sip:alice@example.com>;tag=ft1\nTo: <sip:bob@example.com>;tag=tt1\nCall-ID: c1\nCSeq: 2 BYE\nContent-Length: 0\n\n'
URI_EDITS_RR_LOOSE_ROUTE_EXPECTED = (
    '== startup\n'
    '== 01-inv.sip\n'
    'ru=sip:+1bob123@127.0.0.1:5060 ou=sip:bob123@127.0.0.1:5060 rU=+1bob123\n'
    'ru=sip:bob12@127.0.0.1:5060\n'
    'reverted ru=sip:bob123@127.0.0.1:5060\n'
    'ru=sip:bob123@example.net:5080 rp=5080 rd=example.net\n'
    'FWD: INVITE sip:bob123@example.net:5080 SIP/2.0\n'
    'FWD-HDR: X-First: 1\n'
    'FWD-HDR: Record-Route: <sip:127.0.0.1;lr;ftag=ft1p=1>\n'
    'FWD-HDR: Max-Forwards: 70\n'
    'FWD-HDR: From: <sip:alice@example.com>;tag=ft1\n'
    'FWD-HDR: To: <sip:bob@example.com>\n'
    'FWD-HDR: Call-ID: c1\n'
    'FWD-HDR: CSeq: 1 INVITE\n'
    'FWD-HDR: X-After: 2\n'
    '== 02-bye.sip\n'
    'lr=1\n'
    'loose du=sip:127.0.0.1:5070;lr;x=1 ru=sip:bob@127.0.0.1:5070\n'
    'FWD: BYE sip:bob@127.0.0.1:5070 SIP/2.0\n'
    'FWD-HDR: Max-Forwards: 70\n'
    'FWD-HDR: Route: <sip:127.0.0.1:5070;lr;x=1>\n'
    'FWD-HDR: From: <sip:alice@example.com>;tag=ft1\n'
    'FWD-HDR: To: <sip:bob@example.com>;tag=tt1\n'
    'FWD-HDR: Call-ID: c1\n'
    'FWD-HDR: CSeq: 2 BYE\n'
    '== end\n'
)



def _run(tmp: Path, cfg: str, msgs: list[tuple[str, str]]) -> str:
    (tmp / "script.cfg").write_text(cfg, encoding="latin-1")
    paths = []
    for name, text in msgs:
        (tmp / name).write_text(text, encoding="latin-1")
        paths.append(tmp / name)
    return transcript(tmp / "script.cfg", paths)


def test_pvars_replies_maxfwd(tmp_path: Path) -> None:
    got = _run(tmp_path, PVARS_REPLIES_MAXFWD_CFG, [("01-inv.sip", PVARS_REPLIES_MAXFWD_01),
                                                  ("02-mf0.sip", PVARS_REPLIES_MAXFWD_02)])
    assert got == PVARS_REPLIES_MAXFWD_EXPECTED


def test_uri_edits_rr_loose_route(tmp_path: Path) -> None:
    got = _run(tmp_path, URI_EDITS_RR_LOOSE_ROUTE_CFG,
               [("01-inv.sip", URI_EDITS_RR_LOOSE_ROUTE_01),
                ("02-bye.sip", URI_EDITS_RR_LOOSE_ROUTE_02)])
    assert got == URI_EDITS_RR_LOOSE_ROUTE_EXPECTED
