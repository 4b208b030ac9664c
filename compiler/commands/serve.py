"""``osipsc serve SCRIPT.cfg --mi-http 127.0.0.1:8888 [--mi-datagram 127.0.0.1:8080]``.

Loads the script through the engine (``Engine.from_cfg``), runs its start-up, then serves
the engine's MI commands over HTTP (mi_http style) and/or UDP (mi_datagram style) until
interrupted. The servers only need the engine's MI registry (``runtime/mi/transports.py``).
"""

from __future__ import annotations

import argparse
import sys
import threading
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("script", help="the OpenSIPS cfg file")
    parser.add_argument("--mi-http", metavar="HOST:PORT", default="127.0.0.1:8888",
                        help="serve MI over HTTP, POST /mi (default 127.0.0.1:8888)")
    parser.add_argument("--mi-http-root", default="/mi", help="HTTP root path (default /mi)")
    parser.add_argument("--mi-datagram", metavar="HOST:PORT", default=None,
                        help="also serve MI over UDP datagrams")
    parser.add_argument("--pretty", action="store_true",
                        help="pretty-print replies (modparam pretty_printing=1)")


def load_engine(path: str) -> Any:
    """The engine of ``path`` with its start-up route run."""
    from osipsc.runtime.engine import Engine  # owned by the runtime core

    engine = Engine.from_cfg(path)
    for name in ("startup", "run_startup", "start"):
        step = getattr(engine, name, None)
        if callable(step):
            step()
            break
    return engine


def run(args: argparse.Namespace) -> int:
    from osipsc.runtime.mi.transports import MIDatagramServer, MIHttpServer, parse_address
    from osipsc.runtime.state_factories import get_state, modparams

    try:
        engine = load_engine(args.script)
    except ImportError as exc:
        print(f"osipsc serve: the runtime engine is not available ({exc})", file=sys.stderr)
        return 2
    except Exception as exc:  # compile/startup errors are reported, not raised
        print(f"osipsc serve: {args.script}: {exc}", file=sys.stderr)
        return 1
    registry = get_state(engine, "mi")
    lock = getattr(engine, "lock", None) or threading.RLock()  # one lock for both servers
    servers: list[Any] = []
    try:
        if args.mi_http:
            host, port = parse_address(args.mi_http)
            pretty = args.pretty or any(
                str(v) not in ("0", "") for v in modparams(engine, "mi_http", "pretty_printing"))
            servers.append(MIHttpServer(registry, host, port, root=args.mi_http_root,
                                        pretty=pretty, lock=lock).start())
            print(f"osipsc serve: MI over HTTP on {servers[-1].url}", file=sys.stderr)
        if args.mi_datagram:
            host, port = parse_address(args.mi_datagram)
            pretty = args.pretty or any(
                str(v) not in ("0", "") for v in modparams(engine, "mi_datagram",
                                                           "pretty_printing"))
            servers.append(MIDatagramServer(registry, host, port, pretty=pretty,
                                            lock=lock).start())
            print(f"osipsc serve: MI over UDP on {host}:{servers[-1].port}", file=sys.stderr)
    except OSError as exc:
        print(f"osipsc serve: cannot listen: {exc}", file=sys.stderr)
        for server in servers:
            server.stop()
        return 1
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        for server in servers:
            server.stop()
    return 0
