"""Adversarial review of SIP-side behaviour against the OpenSIPS 3.6 sources: whole scripts
run through the engine, asserting exact transcripts (rules from loose.c, sl_funcs.c,
dset.c print_dset, data_lump_rpl.c add_lump_rpl, core_stats.c)."""

from __future__ import annotations

from pathlib import Path

from osipsc.compiler.commands.run import transcript

HEAD = """loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "sipmsgops.so"
loadmodule "statistics.so"
socket = udp:127.0.0.1:5060
udp_workers = 1
"""


def run(tmp_path: Path, route: str, messages: dict[str, str]) -> str:
    (tmp_path / "script.cfg").write_text(HEAD + "route {\n" + route + "\n}\n")
    paths = []
    for name, text in sorted(messages.items()):
        path = tmp_path / name
        path.write_text(text)
        paths.append(path)
    return transcript(tmp_path / "script.cfg", paths)


def msg(name: str, first: str, extra: str, to_tag: str = "") -> str:
    return (f"{first} SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-qa-{name}\n"
            f"{extra + chr(10) if extra else ''}From: <sip:alice@127.0.0.1:5070>;tag=ft-1\n"
            f"To: <sip:bob@127.0.0.1:5060>{to_tag}\nCall-ID: qa-{name}@127.0.0.1\n"
            "CSeq: 1 BYE\nContent-Length: 0\n\n")


LR_ROUTE = """    loose_route();
    xlog("lr rc=$rc ru=$ru du=$du p=$rr_params\\n");
    if ($du == NULL) $du = "sip:127.0.0.1:5070";
    forward();"""


def packets(out: str, section: str) -> list[str]:
    lines: list[str] = []
    cur = None
    for line in out.splitlines():
        if line.startswith("== "):
            cur = line[3:]
        elif cur == section:
            lines.append(line)
    return lines


def test_loose_route_variants(tmp_path: Path) -> None:
    out = run(tmp_path, LR_ROUTE, {
        "01-loose.sip": msg("1", "BYE sip:bob@127.0.0.1:5070",
                            "Route: <sip:127.0.0.1;lr;ftag=ft-1>, <sip:127.0.0.1:5070;lr>",
                            ";tag=tt"),
        "02-preload.sip": msg("2", "INVITE sip:bob@127.0.0.1:5070",
                              "Route: <sip:127.0.0.1;lr>"),
        "03-nextstrict.sip": msg("3", "BYE sip:bob@127.0.0.1:5070",
                                 "Route: <sip:127.0.0.1;lr>\n"
                                 "Route: <sip:127.0.0.1:5070;foo=1>, <sip:x@9.9.9.9;lr>",
                                 ";tag=tt"),
        "04-strictprev.sip": msg("4", "BYE sip:127.0.0.1;lr;ftag=ft-1",
                                 "Route: <sip:127.0.0.1:5070;lr>, <sip:carol@127.0.0.1:5070>",
                                 ";tag=tt"),
        "05-notus.sip": msg("5", "BYE sip:bob@127.0.0.1:5070",
                            "Route: <sip:127.0.0.1:5070;lr;p=1>", ";tag=tt"),
    })
    # our own URI removed from the shared header, the next loose hop goes to $du
    s1 = packets(out, "01-loose.sip")
    assert s1[0] == "lr rc=1 ru=sip:bob@127.0.0.1:5070 du=sip:127.0.0.1:5070;lr p=lr;ftag=ft-1"
    assert s1[2] == "FWD-HDR: Route: <sip:127.0.0.1:5070;lr>"
    # a pre-loaded Route set naming only us: not Route driven (-1), the Route is removed
    s2 = packets(out, "02-preload.sip")
    assert s2[0] == "lr rc=-1 ru=sip:bob@127.0.0.1:5070 du=<null> p=lr"
    assert not any(line.startswith("FWD-HDR: Route") for line in s2)
    # next hop without ;lr: it becomes the R-URI, the old R-URI is the last Route
    s3 = packets(out, "03-nextstrict.sip")
    assert s3[0] == "lr rc=1 ru=sip:127.0.0.1:5070;foo=1 du=<null> p=lr"
    assert s3[1] == "FWD: BYE sip:127.0.0.1:5070;foo=1 SIP/2.0"
    assert s3[2] == "FWD-HDR: Route: <sip:x@9.9.9.9;lr>"
    assert s3[-1] == "FWD-HDR: Route: <sip:bob@127.0.0.1:5070>"
    # the previous hop was a strict router (our R-URI, To-tag): the last Route is the target
    s4 = packets(out, "04-strictprev.sip")
    assert s4[0].startswith("lr rc=1 ru=sip:carol@127.0.0.1:5070 du=sip:127.0.0.1:5070;lr ")
    assert s4[1] == "FWD: BYE sip:carol@127.0.0.1:5070 SIP/2.0"
    assert s4[2] == "FWD-HDR: Route: <sip:127.0.0.1:5070;lr>"
    # a top Route that is not ours: kept, $du set, no rr params
    s5 = packets(out, "05-notus.sip")
    assert s5[0] == "lr rc=1 ru=sip:bob@127.0.0.1:5070 du=sip:127.0.0.1:5070;lr;p=1 p=<null>"
    assert s5[2] == "FWD-HDR: Route: <sip:127.0.0.1:5070;lr;p=1>"


def test_redirect_contact_and_reply_body_lumps(tmp_path: Path) -> None:
    route = """    append_body_to_reply("one\\r\\n");
    append_body_to_reply("two\\r\\n");
    xlog("second body rc=$rc\\n");
    append_msg_branch("sip:y@5.6.7.8", "0.5");
    sl_send_reply(302, "Moved");
    $ru = "sip:x@1.2.3.4";
    sl_send_reply(301, "Moved");
    xlog("stats 3xx=$stat(3xx_replies) slow=$stat(slow_messages)\\n");"""
    out = run(tmp_path, route, {"01-inv.sip": msg("r", "INVITE sip:bob@127.0.0.1:5060", "")})
    assert packets(out, "01-inv.sip") == [
        "second body rc=-1",
        "stats 3xx=2 slow=0",
        "REPLY: SIP/2.0 302 Moved",
        # print_dset: the R-URI only when rewritten, q values of branches
        "REPLY-HDR: Contact: <sip:y@5.6.7.8>;q=0.5",
        "REPLY-BODY: one",
        "REPLY: SIP/2.0 301 Moved",
        "REPLY-HDR: Contact: <sip:y@5.6.7.8>;q=0.5",
        "REPLY-HDR: Contact: <sip:x@1.2.3.4>, <sip:y@5.6.7.8>;q=0.5",
        "REPLY-BODY: one",
    ]
