"""10,000 ``async(mi(...))`` calls in flight at once through a compiled script.

Every message stores its own key, then suspends on ``async(mi("cache_fetch ..."))``; no
``settle()`` happens between messages (``receive()`` only dispatches the jobs, it never runs
the resume routes of dispatched jobs). One ``settle()`` then runs all resumes. Each id must
resume exactly once, with its own AVPs and its own result: no loss, no cross-talk.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from .engine_helpers import engine_from, request

N = 10_000

CFG = r"""
route {
    $avp(id) = $hdr(X-Id);
    $avp(tag) = "tag-" + $hdr(X-Id);
    cache_store("local", "k-$hdr(X-Id)", "v-$hdr(X-Id)");
    async(mi("cache_fetch local k-$hdr(X-Id)", $avp(res)), resume);
    xlog("NEVER after async\n");
}
route[resume] {
    xlog("R id=$avp(id) tag=$avp(tag) n=$(avp(id)[*]) rc=$rc res=$avp(res)\n");
}
"""

LINE = re.compile(r'R id=(\d+) tag=tag-(\d+) n=(\d+) rc=1 res=\{"key":"k-(\d+)",'
                  r'"value":"v-(\d+)"\}\n')


def test_ten_thousand_async_mi_in_flight(tmp_path: Path) -> None:
    engine = engine_from(tmp_path, CFG)
    try:
        early: list[str] = []
        for i in range(N):
            out = engine.receive(request(i))
            early.extend(out.xlog_text)
        assert early == []  # nothing resumed and nothing ran after async()
        lines = engine.settle().xlog_text
    finally:
        engine.close()
    assert len(lines) == N
    seen: Counter[int] = Counter()
    for line in lines:
        m = LINE.fullmatch(line)
        assert m is not None, line
        ids = {int(g) for g in m.groups()}
        assert len(ids) == 1, line  # AVPs, the single AVP value and the result agree
        seen[ids.pop()] += 1
    assert set(seen) == set(range(N))
    assert max(seen.values()) == 1
    assert engine.waiting_jobs == 0
