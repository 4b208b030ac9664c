"""The engine's per-message shortcuts keep the observable behaviour (issue #4).

Resolved implementations are cached per engine, route results are shared immutable
objects, ``$rm`` values are memoised, literal pseudo-variables skip per-read resolution:
each shortcut must give exactly what the general path gives, also after the user changes
something between messages.
"""

from __future__ import annotations

import dataclasses

import pytest
from osipsc.compiler.render import load_text_module
from osipsc.runtime.control import NotEmulated, ScriptExit
from osipsc.runtime.engine import Engine, RouteResult
from osipsc.runtime.pv import make_pv
from osipsc.runtime.values import StrInt, cmp_str

CFG = '''loadmodule "sl.so"
loadmodule "sipmsgops.so"
socket = udp:127.0.0.1:5060
route {
    if (is_method("OPTIONS")) {
        $var(i) = 0 + $rm;
        xlog("opt $rm/$var(i)\\n");
    } else {
        $var(i) = 0 + $rm;
        xlog("other $rm/$var(i)\\n");
    }
    $avp(a) = $rm;
    $avp(a) = "x";
    $avp(a) = NULL;
    xlog("avp=$avp(a) $hdr(Call-ID) $(hdr(Via)[0]{s.len})\\n");
    sl_send_reply(200, "OK");
    exit;
}
'''


def request(method: str, n: int = 1) -> bytes:
    return (f"{method} sip:bob@127.0.0.1:5060 SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-{n}\r\n"
            "From: <sip:alice@127.0.0.1>;tag=a\r\nTo: <sip:bob@127.0.0.1>\r\n"
            f"Call-ID: c{n}\r\nCSeq: 1 {method}\r\nContent-Length: 0\r\n\r\n").encode()


@pytest.fixture
def engine() -> Engine:
    return Engine(load_text_module("t.cfg", CFG))


def test_replacing_a_function_after_messages_takes_effect_and_undoing_restores(
        engine: Engine) -> None:
    assert engine.receive(request("OPTIONS")).xlog_text[0] == "opt OPTIONS/32\n"
    engine.functions["is_method"] = lambda ctx, m: -1
    assert engine.receive(request("OPTIONS", 2)).xlog_text[0] == "other OPTIONS/32\n"
    del engine.functions["is_method"]
    assert engine.receive(request("OPTIONS", 3)).xlog_text[0] == "opt OPTIONS/32\n"


def test_replacement_is_per_engine(engine: Engine) -> None:
    other = Engine(engine.module)
    engine.receive(request("OPTIONS"))
    other.receive(request("OPTIONS"))
    other.functions["sl_send_reply"] = lambda ctx, code, reason: 1
    assert other.receive(request("OPTIONS", 2)).packets == []
    assert len(engine.receive(request("OPTIONS", 2)).packets) == 1


def test_unknown_function_still_reports_not_emulated() -> None:
    module = load_text_module("t.cfg", 'socket = udp:127.0.0.1:5060\n'
                              'route { no_such_fn_xyz(); exit; }\n')
    engine = Engine(module)
    with pytest.raises(NotEmulated):
        engine.receive(request("OPTIONS"))


def test_method_values_are_strint_per_method(engine: Engine) -> None:
    out = engine.receive(request("FOOBAR"))
    assert out.xlog_text[0] == "other FOOBAR/16384\n"
    assert out.xlog_text[1] == "avp=FOOBAR c1 43\n"
    pv = make_pv("rm")
    ctx = engine.new_context(None)
    assert pv.get(ctx) is None
    for method, ival in (("INVITE", 1), ("invite", 1), ("BYE", 8), ("Custom", 16384)):
        from osipsc.runtime.sip.message import SipMessage

        ctx.msg = SipMessage.parse(request(method))
        value = pv.get(ctx)
        assert type(value) is StrInt and value == method and value.ival == ival


def test_route_results_are_shared_and_immutable(engine: Engine) -> None:
    ctx = engine.new_context(None)
    result = engine.run_top_route("no_such_kind", None, ctx)
    assert result == RouteResult()
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.drop = True  # type: ignore[misc]


def test_script_exit_flags() -> None:
    assert (ScriptExit().drop, ScriptExit().suspended) == (False, False)
    stop = ScriptExit(drop=True)
    assert (stop.drop, stop.suspended, stop.args) == (True, False, ())
    assert ScriptExit(suspended=True).suspended is True


def test_string_compare_exact_and_folded() -> None:
    assert cmp_str("==", "INVITE", "INVITE") == 1
    assert cmp_str("==", "invite", "INVITE") == 1
    assert cmp_str("!=", "INVITE", "INVITE") == 0
    assert cmp_str("==", StrInt("BYE", 8), "bye") == 1
    assert cmp_str("==", 5, "5") == 1
    assert cmp_str("==", "ÄB", "äb") == 0  # ASCII-only folding


class _Const:
    def __init__(self, value: object) -> None:
        self.value = value
        self.text = "$c"

    def get(self, ctx: object) -> object:
        return self.value


@pytest.mark.parametrize("value, printed", [("v", "v"), (None, "<null>"), (-7, "-7"),
                                            (StrInt("BYE", 8), "BYE")])
def test_format_shapes_print_alike(value: object, printed: str) -> None:
    from osipsc.runtime.format import Format

    c = _Const(value)
    for pieces, expected in (((c,), printed), (("a", c), "a" + printed),
                             ((c, "b"), printed + "b"), (("a", c, "b"), f"a{printed}b"),
                             (("a", "", c, "b", "c"), f"a{printed}bc"),
                             ((c, c), printed * 2), (("x", c, "y", c), f"x{printed}y{printed}"),
                             (("only",), "only"), ((), "")):
        fmt = Format(*pieces)
        assert fmt.expand(None) == expected == fmt.get(None)


def test_bindings_are_plain_functions_that_resolve_per_engine() -> None:
    from osipsc.runtime.script import ABI, FunctionBinding, Script

    class StandIn:  # no resolved-implementation cache: resolve() on every call
        def __init__(self) -> None:
            self.calls: list[tuple[object, ...]] = []

        def resolve(self, name: str) -> object:
            return lambda ctx, *args: self.calls.append((name, *args)) or 1

        def log(self, level: int, text: str, internal: bool = True) -> None:
            self.calls.append(("log", text))

    class Ctx:
        def __init__(self, engine: object) -> None:
            self.engine = engine

    script = Script(ABI, "t.cfg")
    f = script.function("f", ("int", "str"))
    assert isinstance(f.binding, FunctionBinding) and f.binding.name == "f"
    ctx = Ctx(StandIn())
    assert f(ctx) == 1 and f(ctx, 5) == 1 and f(ctx, "0x10", 7) == 1
    assert f(ctx, "nope") == -1  # int conversion failed: not called
    assert f.binding(ctx, 1, "a", "extra") == 1
    assert ctx.engine.calls == [("f",), ("f", 5), ("f", 16, "7"), ("f", 1, "a", "extra")]


def _slots(ctx: object) -> dict[str, object]:
    """Every slot of a Context; AVP stores, sets, dicts and lists compared by content."""
    out: dict[str, object] = {}
    for name in type(ctx).__slots__:  # type: ignore[attr-defined]
        value = getattr(ctx, name)
        out[name] = value._lists if type(value).__name__ == "AvpStore" else value
    return out


@pytest.mark.parametrize("with_avps", [False, True])
def test_request_context_equals_context_plus_top_route_setup(engine: Engine,
                                                              with_avps: bool) -> None:
    """``request_context`` builds in one frame what ``Context(...)`` and run_top_route's
    setup give: every slot equal, fresh mutable containers (never shared)."""
    from osipsc.runtime.avp import AvpStore
    from osipsc.runtime.context import Context, RouteType, request_context
    from osipsc.runtime.sip.message import SipMessage

    msg = SipMessage.parse(request("OPTIONS"))
    engine.rc, engine.vars["x"], engine.max_while_loops = -3, 7, 55
    avps = None
    if with_avps:
        avps = AvpStore()
        avps.add("a", 1)
    fast = request_context(engine, msg, avps)
    slow = Context(engine, msg, RouteType.REQUEST, avps)
    slow.rc, slow.returns, slow.vars, slow.depth = engine.rc, (), engine.vars, 1
    slow.params, slow.max_while_loops, slow.stack, slow.top = (), engine.max_while_loops, [], None
    assert _slots(fast) == _slots(slow)
    assert fast.avps is avps if with_avps else fast.avps is not slow.avps
    other = request_context(engine, msg, None)
    for name in ("flags", "extra", "stack"):
        assert getattr(fast, name) is not getattr(other, name)


def test_new_outcome_equals_outcome() -> None:
    """The per-message ``_new_outcome`` sets every field ``Outcome()`` sets, each a new list."""
    from osipsc.runtime.engine import Outcome, _new_outcome

    fast, slow = _new_outcome(), Outcome()
    assert fast == slow
    assert [f.name for f in dataclasses.fields(Outcome)] == ["xlog", "packets", "logs", "trace"]
    other = _new_outcome()
    for f in dataclasses.fields(Outcome):
        assert getattr(fast, f.name) is not getattr(other, f.name)


def test_per_message_defaults_become_instance_attributes_but_subclass_values_stay() -> None:
    """``Engine.__init__`` copies the None class defaults the hot paths read onto the
    instance (a specialised read in CPython 3.11); a subclass's own value is never hidden."""
    from osipsc.runtime.engine import _PER_MESSAGE_DEFAULTS

    module = load_text_module("t.cfg", CFG)
    plain = Engine(module)
    for name in _PER_MESSAGE_DEFAULTS:
        assert name in vars(plain) and getattr(plain, name) is None

    seen: list[object] = []

    class Hooked(Engine):
        sockets = [("udp", "127.0.0.1", 5060)]

        def post_request_hook(self, ctx: object) -> None:
            seen.append(ctx)

    hooked = Hooked(module)
    assert "sockets" not in vars(hooked) and "post_request_hook" not in vars(hooked)
    hooked.receive(request("OPTIONS"))
    assert len(seen) == 1
