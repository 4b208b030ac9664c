"""Print front-end throughput (lex + parse + check) over the shared corpus, in lines/s.

Run: .venv/bin/python benchmarks/frontend.py [CORPUS_DIR]. Prints figures; never asserts.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from osipsc.compiler.check import check_script
from osipsc.compiler.lexer import tokenize
from osipsc.compiler.parser import parse_tokens
from osipsc.compiler.source import SourceFile

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "files"


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else DEFAULT
    texts = [(str(p), p.read_bytes().decode("latin-1")) for p in sorted(root.rglob("*.cfg"))]
    lines = sum(t.count("\n") + 1 for _, t in texts)
    best = {"lex": 1e9, "parse": 1e9, "check": 1e9}
    for _ in range(3):
        tl = tp = tc = 0.0
        for name, text in texts:
            src = SourceFile(name, text)
            t0 = time.perf_counter()
            toks, _ = tokenize(src)
            t1 = time.perf_counter()
            script, _ = parse_tokens(toks, src)
            t2 = time.perf_counter()
            check_script(script)
            t3 = time.perf_counter()
            tl, tp, tc = tl + t1 - t0, tp + t2 - t1, tc + t3 - t2
        best = {"lex": min(best["lex"], tl), "parse": min(best["parse"], tp),
                "check": min(best["check"], tc)}
    total = sum(best.values())
    print(f"{len(texts)} files, {lines} lines")
    for k, v in best.items():
        print(f"{k:6} {v:7.3f} s  {lines / v:12,.0f} lines/s")
    print(f"total  {total:7.3f} s  {lines / total:12,.0f} lines/s (lex + parse + check)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
