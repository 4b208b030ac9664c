"""Scripts OpenSIPS 3.6 refuses at startup: the two-line ``== startup-error`` transcript.

Each expected line is what OpenSIPS logs for that script (cfg.y yyerror texts → ``parse
error: ...``; otherwise the first fixup ERROR without its ``module:function:`` prefix), taken
from the 3.6 sources: cfg.y, cmds.c (parameter counts), route.c (route ids, fixups),
pvar.c / transformations.c (variables in format strings), modparam.c.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from osipsc.compiler.commands.run import transcript

HEAD = ('loadmodule "proto_udp.so"\nloadmodule "sl.so"\nsocket = udp:127.0.0.1:5060\n'
        'udp_workers = 1\n')

CASES: dict[str, tuple[str, str]] = {
    # cfg.y `ID LPAREN func_param RPAREN`: find_cmd_export_t misses
    "unknown-command": ("route { foo_bar(1); }",
                        "parse error: unknown command <foo_bar>, missing loadmodule?"),
    "module-not-loaded": ("route { t_relay(); }",
                          "parse error: unknown command <t_relay>, missing loadmodule?"),
    # exported, but not for the block it is written in (rt of the lexical block)
    "wrong-block": ('onreply_route { sl_send_reply(200, "OK"); } route { exit; }',
                    "parse error: Command <sl_send_reply> cannot be used in the block"),
    # cmds.c check_cmd_call_params
    "too-few": ("route { sl_send_reply(200); }",
                "parse error: too few parameters for command <sl_send_reply>"),
    "too-few-none": ("route { sl_send_reply(); }",
                     "parse error: too few parameters for command <sl_send_reply>"),
    "too-many": ('route { sl_send_reply(200, "OK", 1); }',
                 "parse error: too many parameters for command <sl_send_reply>"),
    "mandatory-omitted": ('route { sl_send_reply(, "OK"); }',
                          "parse error: mandatory parameter omitted for command <sl_send_reply>"),
    # mod_fix.c: a string literal that is not an integer for an int parameter
    "int-param": ('route { sl_send_reply("abc", "OK"); }',
                  "Param [1] expected to be an integer or variable"),
    # script variables are parsed by cfg.y: any failure is one yyerror text
    "unknown-var-in-script": ("route { $var(x) = $foo; }", "parse error: unknown script variable"),
    "unknown-tr-in-script": ("route { $var(x) = $(ru{tobody.user}); }",
                             "parse error: unknown script variable"),
    # in a format string they are parsed at fixup time and log their own text
    "unknown-var-in-format": ('route { xlog("x $foo(bar) y\\n"); }',
                              "unknown script var $foo(), maybe a 'loadmodule' statement is "
                              "missing?"),
    "unknown-tr-method-in-format": ('route { xlog("$(ru{s.nope,1})\\n"); }',
                                    "unknown transformation: nope,1/nope/4!"),
    "unknown-uri-method-in-format": ('route { xlog("$(ru{uri.nope})\\n"); }',
                                     "unknown transformation: nope/nope!"),
    # cfg.y assign_cmd
    "readonly-lhs": ('route { $si = "1.2.3.4"; }',
                     "parse error: invalid left operand in assignment"),
    "transform-lhs": ("route { $(var(x){s.len}) = 1; }",
                      "parse error: transformations not accepted in left side of assignment"),
    # route.c: ids are given when the parser meets a name; a block's own name at its '}'
    "route-id-after-calls": ("route { route(a); } route[a] { route(b); }",
                             "called route [b] (id=2) is not defined"),
    "route-id-block-end": ("route[x] { route(y); } route { route(x); }",
                           "called route [y] (id=1) is not defined"),
    "async-route": ('loadmodule "tm.so"\nloadmodule "cfgutils.so"\n'
                    "route { async(sleep(1), nowhere); }",
                    "async/launch resume route [nowhere] is not defined"),
    "async-unknown-acmd": ('loadmodule "tm.so"\nroute { async(t_relay(), r); } route[r] { exit; }',
                           "parse error: unknown async command <t_relay>, missing loadmodule?"),
    "redefined-route": ("route[a] { exit; } route[a] { exit; } route { route(a); }",
                        "Script route <a> is redefined"),
    "redefined-main": ("route { exit; } route { exit; }",
                       "parse error: overwriting default request routing table"),
    # modparam.c set_mod_param_regex → cfg.y yyerrorf
    "modparam-unknown": ('modparam("sl", "no_such", 1)\nroute { exit; }',
                         "parse error: Parameter <no_such> not found in module <sl> - can't set"),
    "modparam-type": ('loadmodule "tm.so"\nmodparam("tm", "fr_timeout", "x")\nroute { exit; }',
                      "parse error: Parameter <fr_timeout> not found in module <tm> - can't set"),
    "modparam-not-loaded": ('modparam("tm", "fr_timeout", 5)\nroute { exit; }',
                            "parse error: Parameter <fr_timeout> not found in module <tm> - "
                            "can't set"),
    # maxfwd.c fixup_maxfwd_header
    "maxfwd-limit": ('loadmodule "maxfwd.so"\nroute { mf_process_maxfwd_header(0); }',
                     "invalid MAXFWD number <0> [1,256]"),
    "unknown-global": ("foo_param = 3\nroute { exit; }", "parse error: unknown config variable"),
    # every yyerror comes before any fixup error, wherever it is in the file
    "parse-before-fixup": ('route { route(nowhere); sl_send_reply("x", "y"); }\n'
                           "route[z] { $si = 1; }",
                           "parse error: invalid left operand in assignment"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_startup_error(name: str, tmp_path: Path) -> None:
    body, expected = CASES[name]
    cfg = tmp_path / "script.cfg"
    cfg.write_text(HEAD + body + "\n", encoding="latin-1")
    assert transcript(cfg, []) == f"== startup-error\n{expected}\n"


def test_valid_script_starts(tmp_path: Path) -> None:
    """Control: the same head with a good route is no startup error."""
    cfg = tmp_path / "script.cfg"
    cfg.write_text(HEAD + 'modparam("sl", "enable_stats", 1)\nroute { sl_send_reply(200, "OK"); }\n',
                   encoding="latin-1")
    assert transcript(cfg, []) == "== startup\n== end\n"
