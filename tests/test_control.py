"""Control flow and $rc through compiled routes (runtime.md §1; action.c)."""

from __future__ import annotations

import pytest
from osipsc.compiler.render import load_text_module
from osipsc.runtime.control import NotEmulated
from osipsc.runtime.engine import Engine

HEAD = 'loadmodule "sl.so"\nsocket = udp:127.0.0.1:5060\n'


def run_startup(body: str, extra: str = "") -> list[str]:
    """xlog records of a startup_route with ``body``."""
    module = load_text_module("t.cfg", HEAD + extra + "startup_route {\n" + body + "\n}\n"
                              "route { exit; }\n")
    engine = Engine(module)
    return [t for _, t in engine.startup_outcome.xlog]


def test_rc_after_if_without_else_is_the_condition_but_route_result_is_one() -> None:
    out = run_startup(
        'if ($var(x) == 6) xlog("never\\n");\nxlog("a=$rc\\n");\nroute(f);\nxlog("b=$rc\\n");',
        'route[f] { if ($var(x) == 2) xlog("never\\n"); }\n')
    assert out == ["a=0\n", "b=1\n"]


def test_nested_if_result_is_branch_result() -> None:
    out = run_startup('$var(a) = 1;\nif ($var(a) == 1) { if ($var(a) == 2) xlog("x"); }\n'
                      'xlog("rc=$rc");')
    assert out == ["rc=1"]


def test_return_zero_stops_whole_script() -> None:
    out = run_startup('route(z);\nxlog("not reached");', "route[z] { return(0); }\n")
    assert out == []


def test_function_returning_zero_in_condition_stops() -> None:
    module = load_text_module("t.cfg", HEAD + 'startup_route { if (f()) xlog("t"); else '
                              'xlog("f"); xlog("after"); }\nroute { exit; }\n')
    engine = Engine(module, start=False)
    engine.functions["f"] = lambda ctx: 0
    assert engine.start().xlog == []


def test_recursion_limit_returns_minus_one() -> None:
    out = run_startup('$var(n) = 0;\nroute(r);\nxlog("n=$var(n) rc=$rc");',
                      "route[r] { $var(n) = $var(n) + 1; route(r); }\n")
    assert out == ["n=99 rc=-1"]


def test_while_limit_and_break() -> None:
    out = run_startup('$var(i) = 0;\nwhile (1) { $var(i) = $var(i) + 1; }\nxlog("i=$var(i)");\n'
                      'while (1) { break; }\nxlog(" rc=$rc");', "max_while_loops = 7\n")
    assert out == ["i=7", " rc=-5"]


def test_switch_fall_through_and_default() -> None:
    body = ('switch ($var(x)) { case 1: xlog("1"); case 2: xlog("2"); break; '
            'case "a": xlog("a"); default: xlog("d"); }')
    assert run_startup("$var(x) = 1;\n" + body) == ["1", "2"]
    assert run_startup('$var(x) = "A";\n' + body) == ["a", "d"]
    assert run_startup('$var(x) = "2";\n' + body) == ["d"]


def test_or_short_circuits_on_error() -> None:
    out = run_startup('$var(s) = "x";\nif ($var(s) == 5 || route(t)) xlog("T"); else xlog("F");',
                      'route[t] { xlog("called"); return(1); }\n')
    assert out == ["F"]


def test_and_or_same_precedence() -> None:
    assert run_startup('if (1 || 0 && 0) xlog("T"); else xlog("F");') == ["F"]


def test_not_emulated_names_function_and_line() -> None:
    module = load_text_module("t.cfg", HEAD + 'loadmodule "dialog.so"\nstartup_route {\n'
                              '    get_dialog_info("a", $var(x), "b", $var(y), $var(z));\n}\nroute { exit; }\n')
    with pytest.raises(NotEmulated) as info:
        Engine(module)
    assert info.value.name == "get_dialog_info"
    assert info.value.location == ("t.cfg", 5)
    assert "t.cfg:5" in str(info.value)


def test_vars_persist_and_rc_carries_over_messages() -> None:
    module = load_text_module("t.cfg", HEAD + 'route { xlog("rc=$rc n=$var(n)");'
                              ' $var(n) = $var(n) + 1; sl_send_reply(200, "OK"); }\n'
                              'startup_route { $var(n) = 0; route(neg); }\n'
                              'route[neg] { return(-4); }\n')
    engine = Engine(module)
    msg = (b"OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n"
           b"From: <sip:b@x>;tag=1\r\nTo: <sip:a@x>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\n"
           b"Content-Length: 0\r\n\r\n")
    assert engine.receive(msg).xlog_text == ["rc=-4 n=0"]
    assert engine.receive(msg).xlog_text == ["rc=1 n=1"]
