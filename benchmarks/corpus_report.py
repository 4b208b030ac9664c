"""Print front-end pass rates over ../shared/corpus by kind and version group.

Run: .venv/bin/python benchmarks/corpus_report.py [CORPUS_DIR] [-v]
The acceptance rules (which files must parse) live in tests/test_corpus_frontend.py;
this script only reports, including for the 1.x and 2.x/3.0 files the tests skip.
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from pathlib import Path

from osipsc.compiler.frontend import parse_text
from osipsc.compiler.lexer import tokenize
from osipsc.compiler.parser import parse_route_body
from osipsc.compiler.source import SourceFile

_ELIDED = re.compile(r"\s*\.{3,}\s*$")
DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def version_group(guess: str) -> str:
    g = guess.strip()
    if g.startswith("1."):
        return "1.x"
    if g.startswith("2."):
        return "2.x/3.0"
    if g.startswith(("3.", "4.")):
        return "3.0+"
    return "unknown"


def fragment_text(text: str) -> str:
    return "\n".join("" if _ELIDED.match(ln) else ln for ln in text.split("\n"))


def parse_fragment(path: Path) -> list:
    text = fragment_text(path.read_bytes().decode("latin-1"))
    src = SourceFile(str(path), text)
    toks, diags = tokenize(src)
    _, pdiags = parse_route_body(toks, src)
    return [d for d in diags + pdiags if d.is_error]


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    args = [a for a in argv if a != "-v"]
    corpus = Path(args[0]) if args else DEFAULT
    with open(corpus / "manifest.tsv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    total: Counter[tuple[str, str]] = Counter()
    ok: Counter[tuple[str, str]] = Counter()
    for r in rows:
        kind = r["kind"]
        if kind not in ("full", "routes-only", "route-fragment"):
            continue
        group = version_group(r["opensips_version_guess"])
        path = corpus / r["file"]
        if kind == "route-fragment":
            errs = parse_fragment(path)
        else:
            text = fragment_text(path.read_bytes().decode("latin-1"))
            _, diags = parse_text(r["file"], text)
            errs = [d for d in diags if d.is_error]
        total[(kind, group)] += 1
        if not errs:
            ok[(kind, group)] += 1
        elif verbose:
            print(f"FAIL {r['file']}: {errs[0].render().splitlines()[0]}")
    for key in sorted(total):
        n, k = total[key], ok[key]
        print(f"{key[0]:15} {key[1]:8} {k:4}/{n:<4} {100.0 * k / n:6.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
