"""runtime.md §3, rule by rule, through compiled scripts and the real engine.

One small cfg per rule of ``mi()``, ``async(...)`` and ``launch(...)``; the expected values
are what runtime.md says OpenSIPS 3.6 does (recorded conformance cases win where they exist,
e.g. async-context, launch-context, launch-errors) or what decisions.md chose instead.
"""

from __future__ import annotations

from pathlib import Path

from osipsc.runtime.engine import Engine

from .engine_helpers import HEADER, engine_from, request


def run(tmp_path: Path, body: str, *msgs: bytes, header: str = HEADER) -> tuple[Engine,
                                                                                 list[str]]:
    """Feed ``msgs`` then settle; every xlog line of the run."""
    engine = engine_from(tmp_path, body, header)
    lines: list[str] = []
    for msg in msgs or (request(1),):
        out = engine.receive(msg)
        assert engine.settle() is out  # resumes and reports land in the message's outcome
        lines += out.xlog_text
    engine.close()
    return engine, lines


# --- §3.1 mi() -----------------------------------------------------------------------------

def test_ret_var_var_is_assigned_avp_is_pushed(tmp_path: Path) -> None:
    _, lines = run(tmp_path, r"""
route {
    mi("cache_store local k1 v1", $var(r));
    mi("cache_store local k1 v1", $var(r));
    mi("cache_store local k1 v1", $avp(r));
    mi("cache_store local k1 v1", $avp(r));
    xlog("var=$var(r) avp=$(avp(r)[*]) len=$(var(r){s.len})\n");
}""")
    assert lines == ['var="OK" avp="OK", "OK" len=4\n']


def test_pretty_printing(tmp_path: Path) -> None:
    _, lines = run(tmp_path, r"""
modparam("mi_script", "pretty_printing", 1)
route {
    mi("cache_store local a b");
    mi("cache_fetch local a", $var(r));
    xlog("$var(r)\n");
}""")
    assert lines == ['{\n\t"key":\t"a",\n\t"value":\t"b"\n}\n']


def test_positional_avp_params_newest_first(tmp_path: Path) -> None:
    _, lines = run(tmp_path, r"""
route {
    $avp(p) = "v"; $avp(p) = "k"; $avp(p) = "local";
    mi("cache_store", $var(r), $avp(p));
    xlog("store rc=$rc r=$var(r)\n");
    mi("cache_fetch local k", $var(f));
    xlog("fetch $var(f)\n");
    $avp(n) = -5;
    mi("cache_store local neg $avp(n)");
    $avp(q) = -5; $avp(q) = "neg"; $avp(q) = "local";
    mi("cache_store", $var(r), $avp(q));
    mi("cache_fetch local neg", $var(f));
    xlog("int avp $var(f)\n");
}""")
    assert lines == ['store rc=1 r="OK"\n', 'fetch {"key":"k","value":"v"}\n',
                     'int avp {"key":"neg","value":"4294967291"}\n']


def test_inline_params_ignored_when_avp_params_given(tmp_path: Path) -> None:
    _, lines = run(tmp_path, r"""
route {
    $avp(p) = "x"; $avp(p) = "local";
    mi("cache_fetch local ignored", $var(r), $avp(p));
    xlog("rc=$rc r=$var(r)\n");
}""")
    assert lines == ["rc=-400 r=Value not found\n"]


def test_named_params_and_array(tmp_path: Path) -> None:
    _, lines = run(tmp_path, r"""
loadmodule "statistics.so"
modparam("statistics", "variable", "hits")
route {
    update_stat("hits", 3);
    $avp(n) = "statistics"; $avp(v) = "__array(hits rcv_requests)";
    mi("get_statistics", $var(r), $avp(n), $avp(v));
    xlog("rc=$rc $var(r)\n");
    $avp(m) = "attr"; $avp(m) = "system";
    $avp(w) = "nokey"; $avp(w) = "local";
    mi("cache_fetch", $var(r), $avp(m), $avp(w));
    xlog("named rc=$rc r=$var(r)\n");
    $avp(x) = "attr"; $avp(x) = "system";
    $avp(y) = "local";
    $var(r) = "before";
    mi("cache_fetch", $var(r), $avp(x), $avp(y));
    xlog("missing rc=$rc r=$var(r)\n");
}""")
    assert lines == ['rc=1 {"script:hits":3,"core:rcv_requests":1}\n',
                     "named rc=-400 r=Value not found\n",
                     "missing rc=-2 r=could not parse script params!\n"]


def test_error_code_table(tmp_path: Path) -> None:
    _, lines = run(tmp_path, r"""
route {
    $var(r) = "untouched";
    mi("no_such_cmd", $var(r));
    xlog("unknown rc=$rc r=$var(r)\n");
    mi(" uptime", $var(r));
    xlog("leading space rc=$rc r=$var(r)\n");
    mi("cache_fetch local", $var(r));
    xlog("arity rc=$rc r=$var(r)\n");
    mi("uptime  ", $var(r));
    xlog("empty array rc=$rc r=$var(r)\n");
    mi("cache_fetch local nokey", $var(r));
    xlog("positive code rc=$rc r=$var(r)\n");
    mi("list_tcp_conns", $var(r));
    xlog("null rc=$rc r=$var(r)\n");
}""")
    assert lines == ["unknown rc=-1 r=untouched\n", "leading space rc=-1 r=untouched\n",
                     "arity rc=-32602 r=Invalid params\n",
                     "empty array rc=-32602 r=Invalid params\n",
                     "positive code rc=-400 r=Value not found\n", "null rc=1 r=null\n"]


# --- sync mi() of an asynchronous MI command (decisions.md) --------------------------------

UAC = r"""
modparam("tm", "fr_timeout", 2)
route {
    $avp(n) = "headers"; $avp(n) = "ruri"; $avp(n) = "method";
    $avp(v) = "From: <sip:mi@127.0.0.1>\r\nTo: <sip:bob@127.0.0.1:5090>\r\n";
    $avp(v) = "sip:bob@127.0.0.1:5090"; $avp(v) = "OPTIONS";
    if ($hdr(X-Id) == "sync") {
        mi("t_uac_dlg", $var(u), $avp(n), $avp(v));
        xlog("sync rc=$rc u=$var(u) t=$Ts\n");
        $var(u) = "x";
        mi("t_uac_dlg OPTIONS sip:bob@127.0.0.1:5090 hdrs", $var(u));
        xlog("positional rc=$rc u=$var(u)\n");
    } else {
        async(mi("t_uac_dlg", $var(u), $avp(n), $avp(v)), resume);
    }
}
route[resume] {
    xlog("resume rc=$rc u=$var(u) id=$hdr(X-Id)\n");
}
"""


def test_sync_mi_of_async_command_waits_in_virtual_time(tmp_path: Path) -> None:
    engine = engine_from(tmp_path, UAC)
    start = engine.time()
    out = engine.receive(request("sync"))
    assert out.xlog_text[0] == f'sync rc=1 u={{"Status":"408 Request Timeout"}} ' \
                               f"t={int(start) + 2}\n"
    assert out.xlog_text[1:] == ["positional rc=-32602 u=Invalid params\n"]
    sent = [p[0] for p in out.packets if p[0].startswith(b"OPTIONS sip:bob@127.0.0.1:5090")]
    assert len(sent) == 1  # the request went out once (non-INVITE retransmissions aside)
    assert engine.time() == start + 2


def test_async_mi_of_async_command_resumes_on_the_timeout(tmp_path: Path) -> None:
    engine = engine_from(tmp_path, UAC)
    assert engine.receive(request("a1")).xlog_text == []
    assert engine.settle().xlog_text == []  # settle() does not wait for the 408
    assert engine.waiting_jobs == 1
    out = engine.advance(3)
    assert out.xlog_text == ['resume rc=1 u={"Status":"408 Request Timeout"} id=a1\n']
    assert engine.waiting_jobs == 0


def test_async_mi_of_async_command_resumes_on_a_reply(tmp_path: Path) -> None:
    engine = engine_from(tmp_path, UAC)
    out = engine.receive(request("a2"))
    sent = next(p[0] for p in out.packets if p[0].startswith(b"OPTIONS sip:bob"))
    head = sent.decode().split("\r\n\r\n")[0].split("\r\n")
    keep = [h for h in head[1:] if h.split(":")[0] in ("Via", "From", "To", "Call-ID", "CSeq")]
    reply = "\r\n".join(["SIP/2.0 200 OK", *keep[:2], keep[2] + ";tag=bob", *keep[3:],
                         "Content-Length: 0", "", ""])
    engine.receive(reply.encode(), src=("127.0.0.1", 5090))
    lines = engine.settle().xlog_text
    assert len(lines) == 1 and lines[0].startswith('resume rc=1 u={"Status":"200 OK",'
                                                   '"RURI":"sip:bob@127.0.0.1:5090"')


# --- §3.2 / §3.4 async() -------------------------------------------------------------------

def test_async_without_tm_stops_the_script(tmp_path: Path) -> None:
    engine = engine_from(tmp_path, r"""
route {
    xlog("before\n");
    async(mi("cache_store local k v"), resume);
    xlog("after (never)\n");
}
route[resume] { xlog("resume (never)\n"); }
""")
    engine.modules.remove("tm")  # the compiler refuses this script; the runtime still copes
    out = engine.receive(request(1))
    assert out.xlog_text == ["before\n"]
    assert out.packets == []
    assert any("BUG in async expression" in text for _, text in out.logs)
    assert engine.settle().xlog_text == ["before\n"]
    assert engine.state("cachedb_local").keys("default", "*") in ([], None)


ROUTES = r"""
modparam("tm", "fr_timeout", 1)
route {
    setflag(1);
    $avp(a) = "req";
    t_on_failure("fail");
    t_on_branch("br");
    $du = "sip:127.0.0.1:5099";
    t_relay();
}
branch_route[br] {
    async(mi("cache_store local from_branch yes", $var(b)), resume_b);
    xlog("branch after async (never)\n");
}
route[resume_b] {
    xlog("resume_b rc=$rc b=$var(b) ru=$ru\n");
}
failure_route[fail] {
    xlog("failure code=$T_reply_code\n");
    async(mi("cache_fetch local from_branch", $var(r)), resume_f);
    xlog("failure after async (never)\n");
}
route[resume_f] {
    xlog("resume_f rc=$rc r=$var(r) a=$avp(a)\n");
    if (isflagset(1)) xlog("flag kept\n");
    t_reply(503, "From Resume");
}
"""


def test_async_in_branch_and_failure_routes_runs_in_sync_mode(tmp_path: Path) -> None:
    engine = engine_from(tmp_path, ROUTES)
    out = engine.receive(request(1))
    # branch route: the job ran at once, resume_b inline, the branch still went out
    assert out.xlog_text == ['resume_b rc=1 b="OK" ru=sip:bob@127.0.0.1:5060\n']
    assert any(p[0].startswith(b"OPTIONS ") for p in out.packets)
    out = engine.advance(2)  # the fr timer: 408 → failure route (same outcome object)
    assert out.xlog_text[1:] == [
        "failure code=408\n",
        'resume_f rc=1 r={"key":"from_branch","value":"yes"} a=req\n',
        "flag kept\n"]
    assert any(p[0].startswith(b"SIP/2.0 503 From Resume") for p in out.packets)


def test_resume_sees_var_at_resume_time_and_own_avps(tmp_path: Path) -> None:
    engine = engine_from(tmp_path, r"""
route {
    $var(v) = $hdr(X-Id);
    $avp(a) = $hdr(X-Id);
    async(mi("uptime", $var(r)), resume);
}
route[resume] { xlog("id=$hdr(X-Id) var=$var(v) avp=$avp(a) rc=$rc ru=$ru\n"); }
""")
    engine.receive(request("one"))
    engine.receive(request("two"))
    lines = engine.settle().xlog_text
    assert lines == ["id=one var=two avp=one rc=1 ru=sip:bob@127.0.0.1:5060\n",
                     "id=two var=two avp=two rc=1 ru=sip:bob@127.0.0.1:5060\n"]


def test_async_param_is_null_in_resume_route_and_unknown_command_resumes_inline(
        tmp_path: Path) -> None:
    engine = engine_from(tmp_path, r"""
route {
    $var(r) = "untouched";
    async(mi("no_such_cmd", $var(r)), resume);
}
route[resume] { xlog("rc=$rc r=$var(r) p=<$param(1)>\n"); }
""")
    # no I/O started: the resume route runs as soon as the request route ended
    assert engine.receive(request(1)).xlog_text == ["rc=-1 r=untouched p=<<null>>\n"]


def test_async_timeout_argument_is_ignored_with_a_warning(tmp_path: Path) -> None:
    engine = engine_from(tmp_path, r"""
route { async(mi("cache_store local t v", $var(r)), resume, 5); }
route[resume] { xlog("rc=$rc r=$var(r)\n"); }
""")
    out = engine.receive(request(1))
    assert any("no support for timeouts" in text for _, text in out.logs)
    assert engine.settle().xlog_text == ['rc=1 r="OK"\n']


def test_async_sleep_resumes_after_virtual_time(tmp_path: Path) -> None:
    engine = engine_from(tmp_path, r"""
loadmodule "cfgutils.so"
route {
    $avp(id) = $hdr(X-Id);
    if ($hdr(X-Id) == "s") async(sleep(2), resume);
    else if ($hdr(X-Id) == "u") async(usleep(500000), resume);
    else async(sleep(0), resume);
}
route[resume] { xlog("resume $avp(id) rc=$rc\n"); }
""")
    for n in ("s", "u", "zero"):
        assert engine.receive(request(n)).xlog_text == []
    assert engine.settle().xlog_text == []
    assert engine.advance(0.6).xlog_text == ["resume u rc=1\n"]
    assert engine.advance(1.5).xlog_text == ["resume u rc=1\n", "resume s rc=1\n"]
    assert engine.advance(3600).xlog_text == ["resume u rc=1\n", "resume s rc=1\n"]
    assert engine.waiting_jobs == 1  # sleep(0): a disarmed timerfd never fires


# --- §3.3 / §3.5 launch() ------------------------------------------------------------------

def test_launch_without_tm_is_rc_minus_5_and_nothing_else(tmp_path: Path) -> None:
    header = HEADER.replace('loadmodule "tm.so"\n', "")
    _, lines = run(tmp_path, r"""
route {
    launch(mi("cache_store local l v"), report, "p");
    xlog("rc=$rc\n");
    mi("cache_fetch local l", $var(f));
    xlog("f=$var(f)\n");
}
route[report] { xlog("report (never)\n"); }
""", request(1), request(2), header=header)
    assert lines == ["rc=-5\n", "f=Value not found\n", "rc=-5\n", "f=Value not found\n"]


def test_launch_report_context_and_params(tmp_path: Path) -> None:
    _, lines = run(tmp_path, r"""
route {
    $avp(a) = "req";
    setflag(2);
    launch(mi("uptime", $var(r)), report);
    launch(mi("cache_store local l v", $var(s)), report, "P-$hdr(X-Id)");
    launch(mi("cache_store local nope"), report, "bad");
    launch(mi("cache_store local x y"));
    xlog("rc=$rc\n");
}
route[report] {
    xlog("report rc=$rc p1=<$param(1)> p2=<$param(2)> ru=$ru a=<$avp(a)> s=$var(s)\n");
    if (isflagset(2)) xlog("flag (never)\n");
    $avp(a) = "from-report";
}
""")
    assert lines[0] == "rc=1\n"
    assert sorted(lines[1:]) == sorted([
        "report rc=1 p1=<<null>> p2=<<null>> ru=sip:user@dummy.com a=<<null>> s=<null>\n",
        'report rc=1 p1=<P-1> p2=<<null>> ru=sip:user@dummy.com a=<<null>> s="OK"\n',
        'report rc=-32602 p1=<bad> p2=<<null>> ru=sip:user@dummy.com a=<<null>> s="OK"\n',
    ])


def test_launch_job_runs_after_the_route(tmp_path: Path) -> None:
    engine = engine_from(tmp_path, r"""
route {
    launch(mi("cache_store local late v"));
    mi("cache_fetch local late", $var(f));
    xlog("same route f=$var(f)\n");
}""")
    assert engine.receive(request(1)).xlog_text == ["same route f=Value not found\n"]
    engine.settle()
    assert engine.state("cachedb_local").keys("default", "late")


def test_launch_of_async_sleep_reports_after_virtual_time(tmp_path: Path) -> None:
    engine = engine_from(tmp_path, r"""
loadmodule "cfgutils.so"
route { launch(sleep(1), report, "slept"); xlog("rc=$rc\n"); }
route[report] { xlog("report rc=$rc $param(1)\n"); }
""")
    assert engine.receive(request(1)).xlog_text == ["rc=1\n"]
    assert engine.settle().xlog_text == ["rc=1\n"]
    assert engine.advance(1).xlog_text == ["rc=1\n", "report rc=1 slept\n"]


def test_launch_with_a_failing_parameter_fixup_is_minus_1(tmp_path: Path) -> None:
    engine = engine_from(tmp_path, r"""
loadmodule "cfgutils.so"
route {
    $var(x) = "abc";
    launch(sleep($var(x)), report);
    xlog("rc=$rc\n");
}
route[report] { xlog("report (never)\n"); }
""")
    assert engine.receive(request(1)).xlog_text == ["rc=-1\n"]
    assert engine.advance(5).xlog_text == ["rc=-1\n"]


def test_async_in_reply_route_resumes_before_the_reply_is_relayed(tmp_path: Path) -> None:
    engine = engine_from(tmp_path, r"""
route {
    t_on_reply("rpl");
    $du = "sip:127.0.0.1:5099";
    t_relay();
}
onreply_route[rpl] {
    xlog("reply $rs\n");
    async(mi("cache_store local r $rs", $var(r)), resume);
    xlog("reply after async (never)\n");
}
route[resume] { xlog("resume rc=$rc r=$var(r) rs=$rs\n"); }
""")
    out = engine.receive(request(1))
    fwd = next(p[0] for p in out.packets if p[0].startswith(b"OPTIONS ")).decode()
    head = fwd.split("\r\n\r\n")[0].split("\r\n")
    keep = [h for h in head[1:] if h.split(":")[0] in ("Via", "From", "To", "Call-ID", "CSeq")]
    reply = "\r\n".join(["SIP/2.0 200 OK", *keep, "Content-Length: 0", "", ""])
    out = engine.receive(reply.encode(), src=("127.0.0.1", 5099))
    assert out.xlog_text == ["reply 200\n", 'resume rc=1 r="OK" rs=200\n']
    assert [p[0].split(b"\r\n", 1)[0] for p in out.packets] == [b"SIP/2.0 200 OK"]
