"""Compile speed against black's own cost (issue #3 targets), over the shared corpus.

Prints, for the whole corpus (every config the front end accepts) and for its largest file:
- cold compile: front end + lowering + templates + black, with an empty format cache;
- black alone: ``black.format_str`` on the same generated modules (what formatting the
  output costs at the very least), and the ratio cold / black (target <= 1.25);
- recompile of unchanged input with the warm cache, in a fresh subprocess, as a share of the
  cold time (target <= 5%), and whether black was imported there (it must not be).

Single process, one file after another, so that the ratio compares like with like; black
is imported before timing (its import time is printed separately). Run:
``.venv/bin/python benchmarks/compile.py [CORPUS_FILES_DIR]``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "files"

RECOMPILE = """
import json, sys, time
from pathlib import Path
from osipsc.compiler.emit import FormatCache
from osipsc.compiler.pipeline import compile_file
files = [Path(p) for p in json.loads(sys.argv[1])]
cache = FormatCache(Path(sys.argv[2]))
start = time.perf_counter()
for path in files:
    assert compile_file(path, path.parent, cache).ok
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "black_imported": "black" in sys.modules}))
"""


def accepted(folder: Path) -> list[Path]:
    from osipsc.compiler.frontend import load_script

    found = []
    for path in sorted(folder.rglob("*.cfg")):
        script, diags = load_script(path, root=path.parent)
        if script is not None and not any(d.is_error for d in diags):
            found.append(path)
    return found


def measure(files: list[Path]) -> dict[str, float | bool]:
    import black
    from osipsc.compiler.emit import BLACK_MODE, FormatCache
    from osipsc.compiler.pipeline import compile_file

    mode = black.Mode(line_length=BLACK_MODE["line_length"],
                      target_versions={black.TargetVersion.PY310})
    with tempfile.TemporaryDirectory() as tmp:
        cache = FormatCache(Path(tmp))
        texts = []
        start = time.perf_counter()
        for path in files:
            result = compile_file(path, path.parent, cache)
            assert result.ok and result.text is not None, path
            texts.append(result.text)
        cold = time.perf_counter() - start

        start = time.perf_counter()
        for text in texts:
            black.format_str(text, mode=mode)
        black_alone = time.perf_counter() - start

        proc = subprocess.run(
            [sys.executable, "-c", RECOMPILE, json.dumps([str(p) for p in files]), tmp],
            capture_output=True, text=True, check=True)
        warm = json.loads(proc.stdout)
    return {"cold": cold, "black": black_alone, "ratio": cold / black_alone,
            "warm": warm["seconds"], "warm_share": warm["seconds"] / cold,
            "black_imported": warm["black_imported"],
            "bytes": sum(len(t) for t in texts)}


def report(title: str, files: list[Path], m: dict[str, float | bool]) -> None:
    print(f"{title}: {len(files)} cfg file(s), {m['bytes']:,} bytes of generated Python")
    print(f"  cold compile          {m['cold']:8.3f} s")
    print(f"  black alone           {m['black']:8.3f} s")
    ok = "ok" if m["ratio"] <= 1.25 else "ABOVE TARGET"
    print(f"  cold / black          {m['ratio']:8.3f}   (target <= 1.25: {ok})")
    ok = "ok" if m["warm_share"] <= 0.05 else "ABOVE TARGET"
    print(f"  unchanged recompile   {m['warm']:8.3f} s = {100 * m['warm_share']:.2f}% of cold "
          f"(target <= 5%: {ok})")
    print(f"  black imported by the recompile: {m['black_imported']}")


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    if not folder.is_dir():
        print(f"corpus not found: {folder}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    import black  # noqa: F401 - imported once, outside the timings

    print(f"black import: {time.perf_counter() - start:.3f} s (outside the timings)")
    files = accepted(folder)
    largest = max(files, key=lambda p: p.stat().st_size)
    report(f"largest file ({largest.name})", [largest], measure([largest]))
    report("whole corpus", files, measure(files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
