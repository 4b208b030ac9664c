"""``osipsc run SCRIPT.cfg [MSG.sip ...]``: print the transcript OpenSIPS would produce.

The transcript format is the conformance one (``== startup``, one ``== <file>`` section per
message, ``== end``; xlog lines first, then packet blocks; duplicate datagrams dropped). The
virtual clock moves ``settle`` seconds after each message (``harness.conf`` next to the
script, default 3), so tm timers shorter than that fire inside the message's section.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path
from typing import Any

DEFAULT_SETTLE = 3.0
SENDER = ("127.0.0.1", 5070)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("script", help="the OpenSIPS cfg file")
    parser.add_argument("messages", nargs="*", help="SIP message files, sent in this order")
    parser.add_argument("--settle", type=float, default=None,
                        help="seconds of virtual time after each message (default: "
                        "harness.conf next to the script, else 3)")
    parser.add_argument("--trace", action="store_true",
                        help="print the flow of each message through the script (routes "
                        "started, returned, exited, dropped, with cfg file:line) to stderr")


def harness_conf(folder: Path) -> dict[str, float]:
    """``key = value`` timing knobs of a conformance case folder."""
    conf: dict[str, float] = {}
    path = folder / "harness.conf"
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            key, sep, value = line.partition("=")
            if sep:
                try:
                    conf[key.strip()] = float(value.strip())
                except ValueError:
                    pass
    return conf


def prepare_message(data: bytes) -> bytes:
    """LF → CRLF when the file has no CRLF; an empty line after the headers if missing."""
    if b"\r\n" not in data:
        data = data.replace(b"\n", b"\r\n")
    if b"\r\n\r\n" not in data:
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        data += b"\r\n"
    return data


def record_lines(text: str) -> list[str]:
    """One xlog record as transcript lines: CRs removed, one trailing LF dropped, split."""
    text = text.replace("\r", "")
    if text.endswith("\n"):
        text = text[:-1]
    return text.split("\n")


def transcript(script: Path, messages: list[Path], settle: float | None = None,
               trace: Any = None) -> str:
    """The whole transcript of running ``script`` on ``messages``; ``trace`` (a callable)
    gets the route flow records as they happen."""
    from osipsc.runtime.engine import Engine, Outcome
    from osipsc.runtime.sip.transcript import known_values_from_messages, render_packet

    from ..render import CompileFailed, load_cfg_module

    conf = harness_conf(script.parent)
    if settle is None:
        settle = conf.get("settle", DEFAULT_SETTLE)
    end_wait = conf.get("end_wait", DEFAULT_SETTLE)
    from ..check import startup_error
    from ..frontend import load_script

    _, diagnostics = load_script(script)
    refused = startup_error(diagnostics)
    if refused is not None:  # OpenSIPS would not start: the transcript says why
        return f"== startup-error\n{refused}\n"
    try:
        module = load_cfg_module(script)
        engine = Engine(module, start=False, trace=trace or False)
    except CompileFailed as exc:
        text = startup_error(exc.diagnostics) or str(exc)
        return f"== startup-error\n{text}\n"
    except Exception as exc:  # an import-time failure is OpenSIPS refusing the script
        return f"== startup-error\n{exc}\n"

    raw = [prepare_message(p.read_bytes()) for p in messages]
    known = known_values_from_messages([d.decode("latin-1") for d in raw])
    seen: set[bytes] = set()
    out: list[str] = []

    def emit(outcome: Outcome) -> None:
        for _, text in outcome.xlog:
            out.extend(record_lines(text))
        for data, _dst, _proto in outcome.packets:
            if data in seen:
                continue
            seen.add(data)
            out.extend(render_packet(data, known))

    try:
        out.append("== startup")
        engine.start()
        emit(engine.settle())
        for path, data in zip(messages, raw, strict=True):
            out.append(f"== {path.name}")
            if trace:
                trace(f"== {path.name}")
            engine.receive(data, SENDER)
            emit(engine.advance(settle))
        out.append("== end")
        engine.current = Outcome()
        emit(engine.advance(end_wait))
    finally:
        engine.close()
    return "\n".join(out) + "\n"


def _print_trace(record: Any) -> None:
    """One flow record (or a ``== message`` heading) on stderr, indented by route depth;
    stdout stays the transcript."""
    depth = getattr(record, "depth", 1)
    print("trace: " + "  " * max(0, depth - 1) + str(record), file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    script = Path(args.script)
    if not script.is_file():
        print(f"osipsc run: cannot read {script}", file=sys.stderr)
        return 2
    try:
        sink = _print_trace if getattr(args, "trace", False) else None
        text = transcript(script, [Path(m) for m in args.messages], args.settle, sink)
    except Exception:  # a script error at run time: show the cfg-level traceback
        traceback.print_exc()
        return 1
    sys.stdout.write(text)
    return 0
