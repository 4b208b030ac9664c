"""MI servers: HTTP like mi_http (``POST /mi``) and UDP like mi_datagram.

Both only need an ``MIRegistry`` so they are testable without a script. They bind to the
loopback address unless told otherwise, answer malformed input with JSON-RPC errors and
keep serving; handlers run under ``lock`` (shared with the engine when it passes one) so MI
requests never interleave with each other.

HTTP rules (mi_http): only ``POST`` on the root path (405 otherwise; 404 for another path),
an empty body is 400, a body above ``max_body`` is 413 with a JSON-RPC ``-32600`` error
(``data`` = ``Request body too large``; the body is read and discarded, up to ``DRAIN_LIMIT``,
so the client sees the answer instead of a reset), a notification is 202 without body, an
internal failure is 500; replies are ``application/json``.
"""

from __future__ import annotations

import socket
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from . import jsonrpc
from .registry import INVALID_REQUEST, MIError, MIRegistry

DEFAULT_MAX_BODY = 1 << 20
DRAIN_LIMIT = 64 << 20
TOO_LARGE = jsonrpc.render(jsonrpc.response(
    MIError(INVALID_REQUEST[0], INVALID_REQUEST[1], "Request body too large"), None))
DATAGRAM_BUFFER = 65535


class _Runner:
    """What the servers share: the registry, the lock and the printing mode."""

    def __init__(self, registry: MIRegistry, pretty: bool, lock: Any) -> None:
        self.registry = registry
        self.pretty = pretty
        self.lock = lock if lock is not None else threading.RLock()

    def answer(self, body: bytes) -> bytes | None:
        with self.lock:
            obj = jsonrpc.handle(self.registry, body)
        return None if obj is None else jsonrpc.render(obj, self.pretty)


class _HttpHandler(BaseHTTPRequestHandler):
    server: MIHttpServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _send(self, code: int, body: bytes = b"", ctype: str = "text/plain") -> None:
        self.send_response(code)
        if body:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _not_allowed(self) -> None:
        self.close_connection = True
        self._send(405, b"Method Not Allowed")

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _not_allowed

    def do_POST(self) -> None:  # noqa: N802
        if self.path.split("?", 1)[0].rstrip("/") != self.server.root.rstrip("/"):
            self.close_connection = True
            self._send(404, b"Not Found")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._send(400, b"Bad Request")
            return
        if length > self.server.max_body:
            self.close_connection = True
            left = length if length <= DRAIN_LIMIT else 0
            while left > 0:
                chunk = self.rfile.read(min(left, 1 << 16))
                if not chunk:
                    break
                left -= len(chunk)
            self._send(413, TOO_LARGE, "application/json")
            return
        body = self.rfile.read(length) if length else b""
        if not body.strip():
            self._send(400, b"Empty body")
            return
        try:
            out = self.server.runner.answer(body)
        except Exception:  # the server keeps serving whatever a handler does
            self._send(500, b"Internal Server Error")
            return
        if out is None:
            self._send(202)
        else:
            self._send(200, out, "application/json")


class MIHttpServer(ThreadingHTTPServer):
    """mi_http: ``MIHttpServer(registry, "127.0.0.1", 0).start()``; ``.port`` is bound."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, registry: MIRegistry, host: str = "127.0.0.1", port: int = 8888,
                 root: str = "/mi", pretty: bool = False, lock: Any = None,
                 max_body: int = DEFAULT_MAX_BODY) -> None:
        super().__init__((host, port), _HttpHandler)
        self.runner = _Runner(registry, pretty, lock)
        self.root = root if root.startswith("/") else "/" + root
        self.max_body = max_body
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.server_address[0]}:{self.port}{self.root}"

    def start(self) -> MIHttpServer:
        self._thread = threading.Thread(target=self.serve_forever, name="mi_http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _DatagramHandler(socketserver.BaseRequestHandler):
    server: MIDatagramServer

    def handle(self) -> None:
        data, sock = self.request
        try:
            out = self.server.runner.answer(data)
        except Exception:
            return
        if out is not None:
            sock.sendto(out, self.client_address)


class MIDatagramServer(socketserver.ThreadingUDPServer):
    """mi_datagram over UDP: one JSON-RPC request per datagram, the reply to the sender."""

    daemon_threads = True
    allow_reuse_address = True
    max_packet_size = DATAGRAM_BUFFER

    def __init__(self, registry: MIRegistry, host: str = "127.0.0.1", port: int = 8080,
                 pretty: bool = False, lock: Any = None) -> None:
        super().__init__((host, port), _DatagramHandler)
        self.runner = _Runner(registry, pretty, lock)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> MIDatagramServer:
        self._thread = threading.Thread(target=self.serve_forever, name="mi_datagram",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def parse_address(text: str, default_host: str = "127.0.0.1") -> tuple[str, int]:
    """``host:port`` or ``port`` → ``(host, port)``."""
    host, sep, port = text.rpartition(":")
    if not sep:
        return default_host, int(text)
    host = host.strip("[]") or default_host
    socket.getaddrinfo(host, None)  # fail early on a bad host
    return host, int(port)
