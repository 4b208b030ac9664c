"""AVP store and $avp assignment rules (runtime.md §2.3; avp-* conformance cases)."""

from __future__ import annotations

from osipsc.runtime.avp import AvpStore
from osipsc.runtime.context import Context
from osipsc.runtime.pv import make_pv


class _Engine:
    vars: dict = {}
    max_while_loops = 10000


def _ctx() -> Context:
    return Context(_Engine())


def test_stack_order_and_indexes() -> None:
    s = AvpStore()
    for v in (1, "two", 3):
        s.add("a", v)
    assert s.get("a") == 3
    assert [s.get("a", i) for i in range(4)] == [3, "two", 1, None]
    assert [s.get("a", -i) for i in range(1, 5)] == [1, "two", 3, None]
    assert s.joined("a") == "3, two, 1"
    assert s.joined("zz") is None


def test_replace_delete_append() -> None:
    s = AvpStore()
    for v in (1, 2, 3):
        s.add("b", v)
    assert s.replace("b", 2, 8) and s.get_all("b") == [3, 2, 8]
    assert not s.replace("b", 5, 7)
    s.append("b", "bottom")
    assert s.get("b", -1) == "bottom"
    assert s.delete("b", 1) and s.get_all("b") == [3, 8, "bottom"]
    s.delete_all("b")
    assert s.get("b") is None


def test_joined_is_null_past_511_bytes() -> None:
    s = AvpStore()
    s.add("x", "a" * 600)
    assert s.joined("x") is None


def test_pv_assignment_rules() -> None:
    ctx = _ctx()
    a = make_pv("avp", "a")
    for v in (1, 2, 3, 4):
        assert a.assign(ctx, "=", v) == 1
    assert a.assign(ctx, "=", None) == 1
    assert ctx.avps.get_all("a") == [3, 2, 1]
    assert make_pv("avp", "a", 1).assign(ctx, "=", None) == 1
    assert ctx.avps.get_all("a") == [3, 1]
    assert make_pv("avp", "a", 5).assign(ctx, "=", 7) == -1
    assert make_pv("avp", "a", "*").assign(ctx, "=", 5) == 1
    assert ctx.avps.get_all("a") == [5]
    assert make_pv("avp", "a", 0).assign(ctx, ":=", 1) == -1
    assert ctx.avps.get_all("a") == []
    e = make_pv("avp", "e")
    e.assign(ctx, "=", 10)
    e.assign(ctx, "=", 20)
    assert e.assign(ctx, "+=", 5) == 1
    assert ctx.avps.get_all("e") == [25, 20, 10]
    assert make_pv("avp", "e", "append").assign(ctx, "=", 0) == 1
    assert ctx.avps.get_all("e") == [25, 20, 10, 0]
    assert make_pv("avp", "e", "*").get(ctx) == "25, 20, 10, 0"
