"""`osipsc check FILE...`: parse and statically check cfg files, print diagnostics.

Exit status: 0 no errors (warnings allowed), 1 errors found, 2 usage or I/O problem.
Human-readable diagnostics go to stderr; ``--format json`` prints one JSON object per
diagnostic on stdout (for editors and CI annotations).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="FILE", help="cfg files to check")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="output format (default: text on stderr)")
    parser.add_argument("--root", type=Path, default=None,
                        help="show paths relative to this directory")
    parser.add_argument("-v", "--verbose", action="store_true", help="report files that are ok")
    parser.add_argument("-W", "--no-warnings", action="store_true", help="hide warnings")


def run(args: argparse.Namespace) -> int:
    from ..frontend import load_script

    status = 0
    for raw in args.paths:
        path = Path(raw)
        if not path.is_file():
            print(f"osipsc check: {raw}: no such file", file=sys.stderr)
            status = 2
            continue
        script, diags = load_script(path, root=args.root)
        if args.no_warnings:
            diags = [d for d in diags if d.is_error]
        if script is None and any(d.source is None for d in diags):
            for d in diags:
                print(f"osipsc check: {d.message}", file=sys.stderr)
            status = 2
            continue
        for d in diags:
            if args.format == "json":
                print(d.to_json())
            else:
                print(d.render(), file=sys.stderr)
        errors = sum(1 for d in diags if d.is_error)
        if errors:
            status = max(status, 1)
        elif args.verbose:
            print(f"{raw}: ok ({len(diags)} warning(s))", file=sys.stderr)
    return status
