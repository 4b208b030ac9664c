"""Strings are data: any cfg string lands in the generated module as a literal value.

Hypothesis writes hostile strings (quotes, backslashes, triple quotes, newlines, braces,
``%``, Jinja and Python syntax, non-ASCII and bytes that are not UTF-8) as cfg
double-quoted literals, escaped or raw, compiles a script using them as an assignment value,
an xlog format, a route argument and a modparam, imports the module, runs it, and checks
that each value seen at run time equals the decoded cfg string.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from osipsc.compiler.render import load_text_module, render_text
from osipsc.runtime.engine import Engine

HOSTILE = ['"', "'", '"""', "'''", "\\", "\n", "\r", "\t", "{", "}", "{{", "}}", "{%", "%}",
           "%", "%s", "#", "# @L0: x", "\x00x", "__IMPORTS__", "__LINE_MAP__", ")", "(",
           "\x7f", "\x80", "\xff", "\xe9", "\u00a0", "),\nimport os\n(", "def f(ctx):",
           "\\x41", "\\n"]

# Latin-1 text (one char = one byte, section 1 of docs/internals.md), without NUL, which
# truncates a cfg string.
_chars = st.characters(min_codepoint=1, max_codepoint=255)
values = st.lists(st.one_of(st.sampled_from(HOSTILE).map(lambda s: s.replace("\x00", "")),
                            st.text(_chars, max_size=6)), max_size=8).map("".join)


def encode(value: str, data: st.DataObject) -> str:
    """A cfg double-quoted literal whose decoded value is ``value``: each char raw or
    escaped, as Hypothesis chooses."""
    out = ['"']
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif data.draw(st.booleans()):
            out.append(data.draw(st.sampled_from([f"\\x{ord(ch):02x}", f"\\{ord(ch):03o}"])))
        elif ch in "\n\r\t" and data.draw(st.booleans()):
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch])
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _script(assign: str, fmt: str, arg: str, modparam: str) -> str:
    return ('loadmodule "tm.so"\nsocket = udp:127.0.0.1:5060\n'
            f"modparam(\"tm\", \"cluster_param\", {modparam})\n"
            "route[show] {\n    xlog(\"$param(1)\");\n}\n"
            "startup_route {\n"
            f"    $var(s) = {assign};\n"
            "    xlog(\"$var(s)\");\n"
            f"    xlog({fmt});\n"
            f"    route(show, {arg});\n"
            "}\n")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=values, data=st.data())
def test_hostile_strings_round_trip(value: str, data: st.DataObject) -> None:
    fmt_value = value.replace("$", "")  # `$` starts a variable in a format string
    cfg = _script(encode(value, data), encode(fmt_value, data), encode(value, data),
                  encode(value, data))
    text = render_text("s.cfg", cfg)
    text.encode("utf-8")  # the module is valid UTF-8 even for non-UTF-8 cfg bytes
    module = load_text_module("s.cfg", cfg)
    assert ("tm", "cluster_param", value) in module.script.modparams
    engine = Engine(module)
    assert engine.startup_outcome is not None
    assert engine.startup_outcome.xlog_text == [value, fmt_value, value]


def test_cfg_text_in_comments_cannot_break_out() -> None:
    cfg = ('loadmodule "sl.so"\nsocket = udp:127.0.0.1:5060\n'
           'startup_route {\n    $var(s) = "a\\\nb"; xlog("x\\x0aimport os\\n");\n}\n')
    text = render_text("c.cfg", cfg)
    # every comment is one line: the cfg's newline never starts a line of code
    assert "import os" not in [line.strip() for line in text.splitlines()]
    compile(text, "c.py", "exec")
