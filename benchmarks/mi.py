"""Print mi_script figures: sync ``mi()`` calls/s through a compiled route, async jobs/s, and
the 99th-percentile resume latency (wall clock from ``async(mi(...))`` to its resume route).

Run: .venv/bin/python benchmarks/mi.py [N_ASYNC]. Prints figures; never asserts.

Latency is measured in-process: the ``MIJob`` of each ``async(mi(...))`` is stamped when the
starter creates it and again when its ``finish`` runs on the engine loop (just before the
resume route). Two loads: all jobs in flight then one ``settle()`` (the latency is then
mostly the time spent feeding the other messages), and a steady load that settles after
every batch of 100 messages.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from osipsc.runtime.engine import Engine
from osipsc.runtime.functions import mi_script

HEADER = """loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "mi_script.so"
loadmodule "cachedb_local.so"
socket = udp:127.0.0.1:5060
startup_route { cache_store("local", "k", "v"); }
"""

SYNC = HEADER + r"""
route {
    $var(i) = 0;
    while ($var(i) < $(hdr(X-Calls){s.int})) {
        $var(i) = $var(i) + 1;
        if ($hdr(X-Mi) == "yes") mi("cache_fetch local k", $var(r));
    }
}
"""

ASYNC = HEADER + r"""
route {
    $avp(id) = $hdr(X-Id);
    async(mi("cache_fetch local k", $var(r)), resume);
}
route[resume] { $var(last) = $avp(id); }
"""

CALLS = 5000


def request(n: int, extra: str = "") -> bytes:
    return (f"OPTIONS sip:bob@127.0.0.1:5060 SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-b-{n}\r\n"
            f"From: <sip:a@127.0.0.1>;tag={n}\r\nTo: <sip:bob@127.0.0.1>\r\n"
            f"Call-ID: bench-{n}\r\nCSeq: 1 OPTIONS\r\nX-Id: {n}\r\n{extra}"
            "Content-Length: 0\r\n\r\n").encode()


def engine_for(text: str, tmp: Path) -> Engine:
    cfg = tmp / f"bench{abs(hash(text))}.cfg"
    cfg.write_text(text)
    return Engine.from_cfg(cfg)


def sync_rate(tmp: Path) -> float:
    """mi() calls/s: the loop with mi() minus the same loop without it."""
    engine = engine_for(SYNC, tmp)
    best = {}
    for flag in ("yes", "no"):
        times = []
        for rep in range(3):
            data = request(rep, f"X-Calls: {CALLS}\r\nX-Mi: {flag}\r\n")
            t0 = time.perf_counter()
            engine.receive(data)
            times.append(time.perf_counter() - t0)
        best[flag] = min(times)
    engine.close()
    per_call = (best["yes"] - best["no"]) / CALLS
    print(f"sync mi(): {CALLS / best['yes']:,.0f} loop iterations/s with mi(), "
          f"{1 / per_call:,.0f} mi() calls/s net of the loop")
    return 1 / per_call


class Stamps:
    """Patch MIJob to record creation and finish times (perf_counter)."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self._init = mi_script.MIJob.__init__
        self._finish = mi_script.MIJob.finish

    def __enter__(self) -> Stamps:
        stamps = self
        orig_init, orig_finish = self._init, self._finish

        def init(job: Any, *args: Any, **kwargs: Any) -> None:
            orig_init(job, *args, **kwargs)
            job.bench_started = time.perf_counter()

        def finish(job: Any, ctx: Any) -> int:
            stamps.latencies.append(time.perf_counter() - job.bench_started)
            return orig_finish(job, ctx)

        mi_script.MIJob.__init__ = init  # type: ignore[method-assign]
        mi_script.MIJob.finish = finish  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: Any) -> None:
        mi_script.MIJob.__init__ = self._init  # type: ignore[method-assign]
        mi_script.MIJob.finish = self._finish  # type: ignore[method-assign]


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def async_load(tmp: Path, n: int, batch: int | None) -> None:
    engine = engine_for(ASYNC, tmp)
    with Stamps() as stamps:
        t0 = time.perf_counter()
        for i in range(n):
            engine.receive(request(i))
            if batch and (i + 1) % batch == 0:
                engine.settle()
        engine.settle()
        elapsed = time.perf_counter() - t0
    engine.close()
    assert len(stamps.latencies) == n
    label = "all in flight, one settle()" if not batch else f"settle() every {batch} messages"
    print(f"async(mi()) x {n:,} ({label}): {n / elapsed:,.0f} jobs/s (message + job + "
          f"resume), resume latency p50 {statistics.median(stamps.latencies) * 1e3:.2f} ms, "
          f"p99 {p99(stamps.latencies) * 1e3:.2f} ms")


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 10_000
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        sync_rate(tmp)
        async_load(tmp, n, None)
        async_load(tmp, n, 100)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
