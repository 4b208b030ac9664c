from __future__ import annotations

from osipsc.runtime.pv_table import PV_TABLE
from osipsc.runtime.sip.dummy import DUMMY_TEXT, dummy_message
from osipsc.runtime.sip.lumps import LumpList

from .conftest import FakeCtx


def test_lumps_sorted_and_chained_newest_first() -> None:
    text = "0123456789"
    lumps = LumpList()
    lumps.anchor(5).insert_before("A")
    lumps.anchor(5).insert_before("B")       # same offset: after the earlier anchor
    lumps.anchor(2).insert_before("C")
    anchor = lumps.anchor(8)
    anchor.insert_after("x")
    anchor.insert_after("y")                 # chained: newest first
    assert lumps.apply(text) == "01C234AB567yx89"


def test_lumps_overlap_rules() -> None:
    text = "abcdefghij"
    lumps = LumpList()
    lumps.delete(2, 4).insert_after("X")     # cdef -> X
    lumps.anchor(4).insert_before("skipped")  # inside the deleted area
    lumps.anchor(6).insert_before("kept")     # at its end
    lumps.delete(2, 2).insert_after("Y")      # same start as the last deletion: applied
    assert lumps.apply(text) == "abXYkeptghij"


def test_lumps_copy_is_independent() -> None:
    lumps = LumpList()
    lumps.anchor(0).insert_before("a")
    dup = lumps.copy()
    dup.anchor(1).insert_before("b")
    dup.items[0].before.append("c")
    assert lumps.apply("xy") == "axy" and dup.apply("xy") == "acxby"


def test_dummy_message_matches_opensips() -> None:
    import osipsc.runtime.pvars_sip  # noqa: F401

    msg = dummy_message()
    assert msg.text == DUMMY_TEXT
    ctx = FakeCtx(msg)
    get = {n: PV_TABLE[n].getter for n in ("ru", "ci", "fu", "ft", "tu", "rm", "si", "sp",
                                           "socket_in", "cs")}
    assert [get[n](ctx, None, None) for n in get] == [
        "sip:user@dummy.com", "dummy-1", "sip:from@dummy.com", "1", "sip:to@dummy.com",
        "DUMMY", "0.0.0.0", 0, None, "1"]
