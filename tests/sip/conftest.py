"""Helpers: load conformance message files the way the harness sends them."""

from __future__ import annotations

from pathlib import Path

import pytest

CASES = Path("/work/shared/conformance/cases")


def wire(text: str) -> str:
    """LF → CRLF when the file has no CRLF, and a blank line after the headers."""
    if "\r\n" not in text:
        text = text.replace("\n", "\r\n")
    if "\r\n\r\n" not in text:
        text += "\r\n"
    return text


def case_message(case: str, name: str) -> str:
    path = CASES / case / name
    if not path.exists():
        pytest.skip(f"conformance case {case} not available")
    return wire(path.read_text(encoding="latin-1"))
