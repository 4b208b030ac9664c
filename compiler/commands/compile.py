"""``osipsc compile``: cfg files or folders → one Python module per top-level cfg.

Black's conventions: quiet unless ``-v``; ``--check`` exits 1 when an output would change
and writes nothing; ``--diff`` prints the unified diff of what would change; exit 2 for usage
and I/O problems. Files included by another cfg of the same run are compiled into their
includer, not on their own. Several files are compiled on all cores.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ..diagnostics import Diagnostic, error
from ..emit import iter_cfg_files, write_atomic
from ..pipeline import CompileResult, compile_file, make_cache, output_path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="FILE_OR_DIR",
                        help="cfg files, or folders searched for *.cfg")
    parser.add_argument("-o", "--output", metavar="OUTDIR",
                        help="write modules below OUTDIR (mirroring the input folders); "
                        "'-' writes the module to stdout; default: next to each cfg")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if any module would change")
    parser.add_argument("--diff", action="store_true",
                        help="write nothing; print a unified diff of what would change")
    parser.add_argument("--no-cache", action="store_true",
                        help="do not read or write the formatting cache")
    parser.add_argument("-j", "--jobs", type=int, default=0,
                        help="parallel processes (default: one per core)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list what is written")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="diagnostic format (json: one object per line on stdout)")


def _compile_one(job: tuple[str, str, bool]) -> CompileResult:
    """Compile one file; a bug in osipsc becomes an error for that file, not a crash of the
    whole run (the other files are still written)."""
    path, root, use_cache = job
    try:
        return compile_file(Path(path), Path(root), make_cache(use_cache))
    except Exception as exc:  # noqa: BLE001 - reported as an internal error of this file
        result = CompileResult(path=Path(path), root=Path(root), text=None)
        result.diagnostics = [error(f"{path}: internal error in osipsc "
                                    f"({type(exc).__name__}: {exc}); please report it", None)]
        return result


def _report(diags: list[Diagnostic], fmt: str, root: Path) -> None:
    """Print diagnostics with paths the user can open from the current folder (source names
    are relative to the compile root, which is what generated modules record)."""
    for d in diags:
        shown = str(root / d.path) if d.has_location else None
        if fmt == "json":
            print(d.to_json(shown))
        else:
            print(d.render(shown), file=sys.stderr)


def _included_elsewhere(pairs: list[tuple[Path, Path]], results: list[CompileResult]) -> set[Path]:
    included: set[Path] = set()
    for result in results:
        included.update(p.resolve() for p in result.included)
    return included


def run(args: argparse.Namespace) -> int:
    inputs = [Path(p) for p in args.paths]
    missing = [p for p in inputs if not p.exists()]
    if missing:
        for p in missing:
            print(f"osipsc compile: {p}: no such file or directory", file=sys.stderr)
        return 2
    pairs = iter_cfg_files(inputs)
    if not pairs:
        print("osipsc compile: no .cfg files found", file=sys.stderr)
        return 2
    to_stdout = args.output == "-"
    if to_stdout and len(pairs) != 1:
        print("osipsc compile: '-o -' needs exactly one cfg file", file=sys.stderr)
        return 2
    outdir = None if args.output in (None, "-") else Path(args.output)

    jobs = [(str(p), str(r), not args.no_cache) for p, r in pairs]
    workers = args.jobs or (os.cpu_count() or 1)
    show_progress = sys.stderr.isatty() and len(jobs) > 1 and args.format == "text"
    results: list[CompileResult] = []
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
            for i, result in enumerate(pool.map(_compile_one, jobs, chunksize=4), 1):
                results.append(result)
                if show_progress:
                    print(f"\r[{i}/{len(jobs)}] {result.path}", end="\x1b[K", file=sys.stderr)
    else:
        for i, job in enumerate(jobs, 1):
            results.append(_compile_one(job))
            if show_progress:
                print(f"\r[{i}/{len(jobs)}] {job[0]}", end="\x1b[K", file=sys.stderr)
    if show_progress:
        print("\r\x1b[K", end="", file=sys.stderr)

    included = _included_elsewhere(pairs, results)
    status = 0
    changed = 0
    for result in results:
        if result.path.resolve() in included and len(pairs) > 1:
            continue  # compiled into its includer
        _report(result.diagnostics, args.format, result.root)
        if not result.ok or result.text is None:
            status = 1
            continue
        if to_stdout:
            sys.stdout.write(result.text)
            continue
        target = output_path(result.path, result.root, outdir)
        try:
            old = target.read_text("utf-8") if target.exists() else None
        except (OSError, UnicodeDecodeError):
            old = None
        if old == result.text:
            continue
        changed += 1
        if args.diff:
            sys.stdout.writelines(difflib.unified_diff(
                (old or "").splitlines(keepends=True), result.text.splitlines(keepends=True),
                f"{target} (current)", f"{target} (compiled)"))
        if args.check or args.diff:
            if args.verbose or args.check:
                print(f"would {'update' if old is not None else 'create'} {target}",
                      file=sys.stderr)
            continue
        try:
            write_atomic(target, result.text)
        except OSError as exc:
            print(f"osipsc compile: cannot write {target}: {exc.strerror}", file=sys.stderr)
            return 2
        if args.verbose:
            print(f"wrote {target}", file=sys.stderr)
    if (args.check or args.diff) and changed and status == 0:
        status = 1
    return status
