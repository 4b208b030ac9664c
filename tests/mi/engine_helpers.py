"""Shared helpers for the engine-level MI tests: compile a cfg text, build SIP requests."""

from __future__ import annotations

from pathlib import Path

from osipsc.runtime.engine import Engine

HEADER = """loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "mi_script.so"
loadmodule "cachedb_local.so"
socket = udp:127.0.0.1:5060
"""


def engine_from(tmp_path: Path, body: str, header: str = HEADER) -> Engine:
    """A started engine running ``header + body`` (the cfg is compiled for real)."""
    cfg = tmp_path / "script.cfg"
    cfg.write_text(header + body)
    return Engine.from_cfg(cfg)


def request(n: int | str, method: str = "OPTIONS", extra: str = "") -> bytes:
    """A request with ``X-Id: n`` and a unique Call-ID / branch."""
    return (f"{method} sip:bob@127.0.0.1:5060 SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-mi-{n}\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:alice@127.0.0.1:5070>;tag=ft-{n}\r\n"
            "To: <sip:bob@127.0.0.1:5060>\r\n"
            f"Call-ID: mi-{n}@127.0.0.1\r\n"
            f"CSeq: 1 {method}\r\n"
            f"X-Id: {n}\r\n"
            f"{extra}"
            "Content-Length: 0\r\n\r\n").encode()
