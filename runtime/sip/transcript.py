"""Render one datagram the way the conformance transcript shows it.

Implements "Rendering of one datagram" of the conformance README: UTF-8 decoding, head /
body split at the first CRLFCRLF, folded lines joined with one space, excluded headers,
body lines, CR/LF escaping and tag= / branch= / did= normalisation.
"""

from __future__ import annotations

import re

REPLY_EXCLUDED = frozenset(
    ["via", "v", "from", "f", "to", "t", "call-id", "i", "cseq", "content-length", "l",
     "server", "user-agent"])
REQUEST_EXCLUDED = frozenset(["via", "v", "content-length", "l"])

_VOLATILE = re.compile(r"\b(tag|branch|did)=([^;,>\s]*)")
_KNOWN_VALUE = re.compile(r"(?:tag|branch)=([^;,>\s]*)")


def known_values_from_messages(texts: list[str]) -> set[str]:
    """The tag/branch values present in a case's message files (never normalised)."""
    found: set[str] = set()
    for text in texts:
        found.update(m.group(1) for m in _KNOWN_VALUE.finditer(text))
    return found


def _escape(line: str) -> str:
    return line.replace("\r", "\\r").replace("\n", "\\n")


def _normalise(line: str, known: set[str]) -> str:
    def repl(m: re.Match[str]) -> str:
        key, value = m.group(1), m.group(2)
        if key == "did":
            return "did=DID"
        if value in known:
            return m.group(0)
        return f"{key}={key.upper()}"

    return _VOLATILE.sub(repl, line)


def render_packet(data: bytes, known_values: set[str]) -> list[str]:
    """Transcript lines of one datagram (``REPLY:``/``FWD:`` blocks)."""
    text = data.decode("utf-8", errors="replace")
    head, sep, body = text.partition("\r\n\r\n")
    raw_lines = head.split("\r\n")
    start = raw_lines[0]
    lines: list[str] = []
    for line in raw_lines[1:]:
        if line == "":
            continue
        if line[0] in " \t" and lines:
            lines[-1] = lines[-1] + " " + line.lstrip(" \t")
        else:
            lines.append(line)
    is_reply = start.startswith("SIP/2.0 ")
    prefix = "REPLY" if is_reply else "FWD"
    excluded = REPLY_EXCLUDED if is_reply else REQUEST_EXCLUDED
    out = [f"{prefix}: {_escape(start)}"]
    for line in lines:
        name = line.split(":", 1)[0].strip().lower()
        if name in excluded:
            continue
        out.append(f"{prefix}-HDR: {_escape(_normalise(line, known_values))}")
    if sep and body:
        parts = body.split("\r\n")
        if parts and parts[-1] == "":
            parts.pop()
        out.extend(f"{prefix}-BODY: {_escape(p)}" for p in parts)
    return out
