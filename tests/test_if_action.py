"""``if (f())`` and ``if (!f())`` are lowered with ``cond_ret`` inlined (the ``if_action``
statement kind, issue #4). Each shape must behave exactly as the general condition path
(``cond_ret`` in a ``c = ...`` test), which stays in use for every other condition: the
same branch, the same ``$rc`` after the test, the same stop on a 0 return, the same ``$rc``
fix-up after a nested ``if`` that ends a branch.
"""

from __future__ import annotations

import itertools

import pytest
from osipsc.compiler.lower import Lowerer
from osipsc.compiler.render import load_text_module
from osipsc.runtime.engine import Engine

HEAD = '''loadmodule "sl.so"
loadmodule "sipmsgops.so"
socket = udp:127.0.0.1:5060
'''

#: bodies of the test route: ``f``/``g`` are mocked script functions (``has_totag`` and
#: ``has_body`` stand in for them); each shape prints ``$rc`` where the flow goes
SHAPES = {
    "plain": 'if (has_totag()) { xlog("then $rc\\n"); } xlog("after $rc\\n");',
    "negated": 'if (!has_totag()) { xlog("then $rc\\n"); } xlog("after $rc\\n");',
    "else": 'if (has_totag()) { xlog("then $rc\\n"); } else { xlog("else $rc\\n"); } '
            'xlog("after $rc\\n");',
    "negated_else": 'if (!has_totag()) { xlog("then $rc\\n"); } else { xlog("else $rc\\n"); }'
                    ' xlog("after $rc\\n");',
    "empty_then": 'if (has_totag()) { } xlog("after $rc\\n");',
    "empty_negated": 'if (!has_totag()) { } else { xlog("else $rc\\n"); } xlog("after $rc\\n");',
    "nested_last": 'if (has_totag()) { if (!has_body()) { xlog("in $rc\\n"); } } '
                   'else { if (has_body()) { xlog("in2 $rc\\n"); } } xlog("after $rc\\n");',
    "statement_after": 'if (!has_totag()) { has_body(); } xlog("after $rc\\n");',
}

REQUEST = (b"OPTIONS sip:bob@127.0.0.1:5060 SIP/2.0\r\n"
           b"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\n"
           b"From: <sip:alice@127.0.0.1>;tag=a\r\nTo: <sip:bob@127.0.0.1>\r\n"
           b"Call-ID: c1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")

RETURNS = (-3, -1, 0, 1, 2)


def _module(shape: str, inline: bool, monkeypatch: pytest.MonkeyPatch) -> object:
    cfg = HEAD + "route {\n" + SHAPES[shape] + '\n xlog("end $rc\\n");\n}\n'
    with monkeypatch.context() as patch:
        if not inline:  # the general path: every condition through cond(...)
            patch.setattr(Lowerer, "action_cond", lambda self, c: None)
        return load_text_module("t.cfg", cfg)


def _run(module: object, f: int, g: int) -> tuple[list[str], int]:
    engine = Engine(module)  # type: ignore[arg-type]
    engine.functions["has_totag"] = lambda ctx: f
    engine.functions["has_body"] = lambda ctx, mime=None: g
    out = engine.receive(REQUEST)
    return [text for _, text in out.xlog], engine.rc


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_inlined_if_behaves_as_the_general_condition(shape: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    fast, general = _module(shape, True, monkeypatch), _module(shape, False, monkeypatch)
    for f, g in itertools.product(RETURNS, RETURNS):
        assert _run(fast, f, g) == _run(general, f, g), (shape, f, g)


def test_the_two_paths_really_differ_in_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison above compares two different lowerings (not one path twice)."""
    from osipsc.compiler.render import render_text

    cfg = HEAD + "route {\n" + SHAPES["negated_else"] + "\n}\n"
    fast = render_text("t.cfg", cfg)
    with monkeypatch.context() as patch:
        patch.setattr(Lowerer, "action_cond", lambda self, c: None)
        general = render_text("t.cfg", cfg)
    assert "cond_ret" not in fast and "cond_ret" in general
