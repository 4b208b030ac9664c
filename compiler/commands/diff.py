"""``osipsc diff OLD NEW``: what a config change really changes, route by route.

Each side is a ``.cfg`` (compiled in memory, nothing written) or a generated module.
Exit 0 when equal, 1 when different, 2 when a side cannot be read or compiled.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..diff import diff_modules
from ..pipeline import compile_file, make_cache


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", help="old side: a .cfg file or a generated .py module")
    parser.add_argument("new", help="new side: a .cfg file or a generated .py module")
    parser.add_argument("--no-cache", action="store_true", help="bypass the formatting cache")


def _module_text(path: Path, use_cache: bool) -> str | None:
    if not path.is_file():
        print(f"osipsc diff: {path}: no such file", file=sys.stderr)
        return None
    if path.suffix == ".py":
        try:
            return path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"osipsc diff: {path}: cannot read: {exc}", file=sys.stderr)
            return None
    result = compile_file(path, path.parent, make_cache(use_cache))
    for d in result.diagnostics:
        if d.is_error:
            shown = str(path.parent / d.path) if d.has_location else None
            print(d.render(shown), file=sys.stderr)
    return result.text if result.ok else None


def run(args: argparse.Namespace) -> int:
    old = _module_text(Path(args.old), not args.no_cache)
    new = _module_text(Path(args.new), not args.no_cache)
    if old is None or new is None:
        return 2
    try:
        result = diff_modules(old, new, args.old, args.new)
    except Exception as exc:  # libcst refuses a file that is not Python
        print(f"osipsc diff: cannot parse a side as Python: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(result.render())
    return 0 if result.equal else 1
