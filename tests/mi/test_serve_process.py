"""``osipsc serve`` as a real subprocess, driven by the ``opensips`` PyPI MI clients.

This is what a user does: serve a script (``samples/mi/mi.cfg``) and point the stock
``OpenSIPSMI("http", ...)`` / ``OpenSIPSMI("datagram", ...)`` clients at it. The ports are
picked free on the loopback first; the process is terminated at the end. Malformed input is
sent raw (HTTP and UDP) to check it is answered with JSON-RPC errors while serving goes on.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from opensips.mi import OpenSIPSMI
from opensips.mi.connector import OpenSIPSMIException
from opensips.mi.jsonrpc_helper import JSONRPCError

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "mi" / "mi.cfg"
HOST = "127.0.0.1"
START_TIMEOUT = 60.0


def free_port(kind: int) -> int:
    """A port nothing listens on right now (bound then released)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    http_port: int
    udp_port: int

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.http_port}/mi"

    def http_client(self) -> OpenSIPSMI:
        return OpenSIPSMI("http", url=self.url)

    def udp_client(self) -> OpenSIPSMI:
        return OpenSIPSMI("datagram", datagram_ip=HOST, datagram_port=self.udp_port,
                          datagram_timeout=5)


def _wait_ready(served: Served) -> None:
    """Poll until both servers answer (or the process died)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if served.proc.poll() is not None:
            err = served.proc.stderr.read().decode() if served.proc.stderr else ""
            pytest.fail(f"osipsc serve exited with {served.proc.returncode}: {err}")
        try:
            served.http_client().execute("version")
            served.udp_client().execute("version")
            return
        except OpenSIPSMIException:
            time.sleep(0.1)
    pytest.fail("osipsc serve did not come up")


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    http_port, udp_port = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_DGRAM)
    code = "import sys; from osipsc.compiler.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "serve", str(SAMPLE), "--mi-http", f"{HOST}:{http_port}",
         "--mi-datagram", f"{HOST}:{udp_port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    result = Served(proc, http_port, udp_port)
    try:
        _wait_ready(result)
        yield result
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


def error_of(exc: pytest.ExceptionInfo[OpenSIPSMIException]) -> tuple[int, str, object]:
    """The JSON-RPC error the client decoded (it chains it as the cause)."""
    cause = exc.value.__cause__
    assert isinstance(cause, JSONRPCError)
    return cause.code, cause.message, cause.data


@pytest.mark.parametrize("flavour", ["http", "datagram"])
def test_clients_run_commands(served: Served, flavour: str) -> None:
    mi = served.http_client() if flavour == "http" else served.udp_client()
    # no parameters
    assert mi.execute("version") == {"Server": "OpenSIPS (3.6.8 (x86_64/linux))"}
    assert "cache_fetch" in mi.execute("which")
    # the startup_route stored this through mi()
    assert mi.execute("cache_fetch", ["local", "motd"]) == {"key": "motd",
                                                            "value": "hello-from-mi"}
    # positional and named parameters
    assert mi.execute("cache_store", ["local", f"k-{flavour}", "v1"]) == "OK"
    assert mi.execute("cache_fetch", {"system": "local", "attr": f"k-{flavour}"}) == {
        "key": f"k-{flavour}", "value": "v1"}
    stats = mi.execute("get_statistics", {"statistics": ["lookups"]})
    assert stats == {"script:lookups": 0}


@pytest.mark.parametrize("flavour", ["http", "datagram"])
def test_clients_get_errors(served: Served, flavour: str) -> None:
    mi = served.http_client() if flavour == "http" else served.udp_client()
    with pytest.raises(OpenSIPSMIException) as exc:
        mi.execute("no_such_command")
    assert error_of(exc)[:2] == (-32601, "Method not found")
    with pytest.raises(OpenSIPSMIException) as exc:
        mi.execute("cache_fetch", ["local"])
    assert error_of(exc) == (-32602, "Invalid params", "Too few or too many parameters")
    with pytest.raises(OpenSIPSMIException) as exc:
        mi.execute("cache_fetch", ["local", "never-stored"])
    assert error_of(exc)[:2] == (400, "Value not found")
    # named-only command given positional params
    with pytest.raises(OpenSIPSMIException) as exc:
        mi.execute("t_uac_dlg", ["OPTIONS", "sip:a@127.0.0.1", "From: <sip:b@x>"])
    assert error_of(exc) == (-32602, "Invalid params", "Command only supports named parameters")
    assert mi.execute("version")  # still serving


def raw_http(port: int, body: bytes, method: str = "POST", path: str = "/mi"
             ) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
        rpl = conn.getresponse()
        return rpl.status, rpl.read()
    finally:
        conn.close()


def raw_udp(port: int, body: bytes) -> bytes:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(10)
        sock.sendto(body, (HOST, port))
        return sock.recv(65535)


MALFORMED = [
    (b'{"jsonrpc":"2.0","method":', -32700, "Parse error"),
    (b"\xff\xfe not json", -32700, "Parse error"),
    (b'{"jsonrpc":"1.0","method":"version","id":1}', -32600, "Invalid Request"),
    (b'{"method":"version","id":1}', -32600, "Invalid Request"),
    (b'[{"jsonrpc":"2.0","method":"version","id":1}]', -32600, "Invalid Request"),
    (b'{"jsonrpc":"2.0","method":7,"id":1}', -32600, "Invalid Request"),
    (b'{"jsonrpc":"2.0","method":"version","params":"x","id":1}', -32600, "Invalid Request"),
]


@pytest.mark.parametrize(("body", "code", "message"), MALFORMED)
def test_malformed_http(served: Served, body: bytes, code: int, message: str) -> None:
    status, reply = raw_http(served.http_port, body)
    assert status == 200
    error = json.loads(reply)["error"]
    assert (error["code"], error["message"]) == (code, message)
    assert served.http_client().execute("version")


@pytest.mark.parametrize(("body", "code", "message"), MALFORMED)
def test_malformed_udp(served: Served, body: bytes, code: int, message: str) -> None:
    error = json.loads(raw_udp(served.udp_port, body))["error"]
    assert (error["code"], error["message"]) == (code, message)
    assert served.udp_client().execute("version")


def test_http_transport_errors(served: Served) -> None:
    too_big = b'{"jsonrpc":"2.0","method":"version","id":1}' + b" " * (1 << 20)
    status, reply = raw_http(served.http_port, too_big)
    assert status == 413
    assert json.loads(reply)["error"] == {"code": -32600, "message": "Invalid Request",
                                          "data": "Request body too large"}
    assert raw_http(served.http_port, b"")[0] == 400
    assert raw_http(served.http_port, b"", method="GET")[0] == 405
    assert raw_http(served.http_port, b"{}", path="/other")[0] == 404
    # a notification (no id): 202, no body, and it took effect
    status, reply = raw_http(served.http_port, b'{"jsonrpc":"2.0","method":"cache_store",'
                                               b'"params":["local","note","n1"]}')
    assert (status, reply) == (202, b"")
    assert served.http_client().execute("cache_fetch", ["local", "note"])["value"] == "n1"


def test_udp_notification_gets_no_reply_but_runs(served: Served) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.5)
        sock.sendto(b'{"jsonrpc":"2.0","method":"cache_store","params":["local","u","1"]}',
                    (HOST, served.udp_port))
        with pytest.raises(TimeoutError):
            sock.recv(65535)
    assert served.udp_client().execute("cache_fetch", ["local", "u"])["value"] == "1"


def test_served_process_still_alive(served: Served) -> None:
    assert served.proc.poll() is None


@pytest.mark.parametrize("flavour", ["http", "datagram"])
def test_async_mi_command_replies_after_virtual_time(served: Served, flavour: str) -> None:
    """``t_uac_dlg`` towards a silent destination: tm's fr timer answers 408 on the served
    engine's virtual clock, so the client gets the final reply instead of hanging."""
    mi = served.http_client() if flavour == "http" else served.udp_client()
    reply = mi.execute("t_uac_dlg", {
        "method": "OPTIONS", "ruri": "sip:nobody@127.0.0.1:5999",
        "headers": "From: <sip:mi@127.0.0.1>\r\nTo: <sip:nobody@127.0.0.1>\r\n"})
    assert reply == {"Status": "408 Request Timeout"}
    assert mi.execute("version")
