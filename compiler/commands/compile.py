"""`osipsc compile` (not implemented yet)."""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", help="input files")


def run(args: argparse.Namespace) -> int:
    print("osipsc compile: not implemented yet", file=sys.stderr)
    return 2
