"""The ``osipsc`` command line: argument parsing and dispatch to ``compiler/commands/*``.

Conventions follow black: quiet on success, ``--check``/``--diff`` for CI, exit codes
0 (ok / nothing to change), 1 (errors found / would change), 2 (usage or I/O problem).
Each subcommand lives in its own module and is imported only when used, so that
``osipsc check`` never pays for black or the runtime.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from . import __version__

SUBCOMMANDS = {
    "check": "Parse and statically check cfg files; print diagnostics.",
    "compile": "Compile cfg files (or folders of them) into Python modules.",
    "diff": "Compare two cfg files or generated modules route by route.",
    "run": "Run a script on SIP messages and print the transcript OpenSIPS would produce.",
    "serve": "Run a script's startup and answer MI JSON-RPC over HTTP / datagrams.",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="osipsc",
        description="Compile OpenSIPS 3.x routing scripts into Python modules and run them "
        "with OpenSIPS 3.6 semantics.",
    )
    parser.add_argument("--version", action="version", version=f"osipsc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in SUBCOMMANDS.items():
        module = importlib.import_module(f"{__package__}.commands.{name}")
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(cmd)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    module = importlib.import_module(f"{__package__}.commands.{args.command}")
    try:
        return int(module.run(args))
    except KeyboardInterrupt:
        print("osipsc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
