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


class FakeEngine:
    """Records datagrams like the real engine's ``send`` (never on a network)."""

    def __init__(self) -> None:
        self.sent: list[tuple[bytes, tuple[str, int], str]] = []

    def send(self, data: bytes, dst: tuple[str, int], proto: str = "udp") -> bool:
        self.sent.append((data, dst, proto))
        return True


class FakeCtx:
    def __init__(self, msg: object) -> None:
        self.msg = msg
        self.engine = FakeEngine()
        self.flags: set[str] = set()


def expected_packets(case: str, section: str) -> list[str]:
    """The FWD/REPLY lines of one section of a case's expected.out."""
    path = CASES / case / "expected.out"
    if not path.exists():
        pytest.skip(f"conformance case {case} not available")
    lines: list[str] = []
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("== "):
            current = line[3:]
            continue
        if current == section and line.startswith(("FWD", "REPLY")):
            lines.append(line)
    assert lines, f"no packets in section {section} of {case}"
    return lines


def known_values(case: str) -> set[str]:
    from osipsc.runtime.sip.transcript import known_values_from_messages

    return known_values_from_messages(
        [p.read_text(encoding="latin-1") for p in sorted((CASES / case).glob("[0-9][0-9]-*.sip"))])


def rendered(ctx: FakeCtx, case: str) -> list[str]:
    from osipsc.runtime.sip.transcript import render_packet

    out: list[str] = []
    seen: set[bytes] = set()
    for data, _dst, _proto in ctx.engine.sent:
        if data in seen:
            continue
        seen.add(data)
        out.extend(render_packet(data, known_values(case)))
    return out
