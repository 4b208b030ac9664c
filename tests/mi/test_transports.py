"""The HTTP and datagram MI servers driven by the real ``opensips`` PyPI client."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from opensips.mi import OpenSIPSMI
from opensips.mi.connector import OpenSIPSMIException
from opensips.mi.jsonrpc_helper import JSONRPCError, JSONRPCException
from osipsc.runtime.mi import jsonrpc
from osipsc.runtime.mi.setup import build_registry
from osipsc.runtime.mi.transports import MIDatagramServer, MIHttpServer


@pytest.fixture
def http() -> Iterator[MIHttpServer]:
    server = MIHttpServer(build_registry(), "127.0.0.1", 0).start()
    yield server
    server.stop()


@pytest.fixture
def udp() -> Iterator[MIDatagramServer]:
    server = MIDatagramServer(build_registry(), "127.0.0.1", 0).start()
    yield server
    server.stop()


def cause(exc: BaseException) -> JSONRPCError:
    """The client wraps the JSON-RPC error object it decoded."""
    assert isinstance(exc.__cause__, JSONRPCError)
    return exc.__cause__


def post(url: str, body: bytes, method: str = "POST") -> tuple[int, bytes]:
    req = urllib.request.Request(url, body, {"Content-Type": "application/json"},
                                 method=method)
    try:
        with urllib.request.urlopen(req, timeout=5) as rpl:
            return rpl.status, rpl.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_http_with_the_opensips_client(http: MIHttpServer) -> None:
    mi = OpenSIPSMI("http", url=http.url)
    assert mi.execute("version") == {"Server": "OpenSIPS (3.6.8 (x86_64/linux))"}
    assert mi.execute("cache_store", ["local", "k", "v"]) == "OK"
    assert mi.execute("cache_fetch", {"system": "local", "attr": "k"}) == {
        "key": "k", "value": "v"}
    with pytest.raises(OpenSIPSMIException) as exc:
        mi.execute("cache_fetch", ["local", "nokey"])
    assert (cause(exc.value).code, cause(exc.value).message) == (400, "Value not found")
    with pytest.raises(OpenSIPSMIException) as exc:
        mi.execute("no_such_cmd")
    assert (cause(exc.value).code, cause(exc.value).message) == (-32601, "Method not found")
    with pytest.raises(OpenSIPSMIException) as exc:
        mi.execute("cache_store", ["local"])
    assert (cause(exc.value).code, cause(exc.value).data) == (-32602, "Too few or too many parameters")


def test_http_wire_format(http: MIHttpServer) -> None:
    status, body = post(http.url, b'{"jsonrpc":"2.0","method":"cache_fetch",'
                                  b'"params":["local","x"],"id":19.7}')
    assert (status, body) == (
        200, b'{"jsonrpc":"2.0","error":{"code":400,"message":"Value not found"},"id":19}')
    status, body = post(http.url, b'{"jsonrpc":"2.0","method":"help","params":[],"id":"a"}')
    assert body == (b'{"jsonrpc":"2.0","result":"Usage: help mi_cmd - returns information '
                    b'about \'mi_cmd\'","id":"a"}')
    assert post(http.url, b"not json") == (
        200, b'{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}')
    assert post(http.url, b'{"jsonrpc":"1.0","method":"help","id":3}') == (
        200, b'{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":3}')
    assert post(http.url, b'[{"jsonrpc":"2.0","method":"help","id":3}]')[1] == (
        b'{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":null}')
    assert post(http.url, b'{"jsonrpc":"2.0","method":"help","params":"x","id":1}')[1] == (
        b'{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":1}')
    assert post(http.url, b'{"jsonrpc":"2.0","method":"cache_store",'
                          b'"params":["local","n","1"]}') == (202, b"")
    assert post(http.url, b"{}")[0] == 200
    assert post(http.url, b"")[0] == 400
    assert post(http.url, b"", method="GET")[0] == 405
    assert post(http.url.replace("/mi", "/other"), b"{}")[0] == 404
    status, body = post(http.url, b'{"jsonrpc":"2.0","method":"list_tcp_conns","id":1}')
    assert body == b'{"jsonrpc":"2.0","result":null,"id":1}'
    # still serving after the malformed requests, and the notification took effect
    assert OpenSIPSMI("http", url=http.url).execute("cache_fetch", ["local", "n"]) == {
        "key": "n", "value": "1"}


def test_http_oversized_body() -> None:
    server = MIHttpServer(build_registry(), "127.0.0.1", 0, max_body=64).start()
    try:
        assert post(server.url, b'{"jsonrpc":"2.0","method":"help","id":1}' + b" " * 64)[0] == 413
        assert post(server.url, b'{"jsonrpc":"2.0","method":"help","id":1}')[0] == 200
    finally:
        server.stop()


def test_http_pretty() -> None:
    server = MIHttpServer(build_registry(), "127.0.0.1", 0, pretty=True).start()
    try:
        body = post(server.url, b'{"jsonrpc":"2.0","method":"version","id":1}')[1]
        assert body == (b'{\n\t"jsonrpc":\t"2.0",\n\t"result":\t{\n\t\t"Server":\t'
                        b'"OpenSIPS (3.6.8 (x86_64/linux))"\n\t},\n\t"id":\t1\n}')
    finally:
        server.stop()


def test_datagram_with_the_opensips_client(udp: MIDatagramServer) -> None:
    mi = OpenSIPSMI("datagram", datagram_ip="127.0.0.1", datagram_port=udp.port,
                    datagram_timeout=2)
    assert mi.execute("cache_store", ["local", "k", "v"]) == "OK"
    assert mi.execute("cache_fetch", ["local", "k"]) == {"key": "k", "value": "v"}
    assert mi.execute("which", {"command": "cache_fetch"}) == [["system", "attr"]]
    with pytest.raises(OpenSIPSMIException) as exc:
        mi.execute("help", ["nope"])
    assert (cause(exc.value).code, cause(exc.value).message) == (404, "unknown MI command")


def test_datagram_malformed_and_notifications(udp: MIDatagramServer) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(2)
    try:
        sock.sendto(b"{{{", ("127.0.0.1", udp.port))
        assert json.loads(sock.recv(65535))["error"] == {"code": -32700, "message": "Parse error"}
        sock.sendto(b'{"jsonrpc":"2.0","method":"version"}', ("127.0.0.1", udp.port))
        sock.settimeout(0.3)
        with pytest.raises(socket.timeout):
            sock.recv(65535)
    finally:
        sock.close()
    mi = OpenSIPSMI("datagram", datagram_ip="127.0.0.1", datagram_port=udp.port,
                    datagram_timeout=2)
    assert mi.execute("pwd")["WD"]


def test_handle_without_transport() -> None:
    reg = build_registry()
    assert jsonrpc.handle(reg, '{"jsonrpc":"2.0","method":"nope","id":null}') == {
        "jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": None}
    assert jsonrpc.handle(reg, '{"jsonrpc":"2.0","method":"nope"}') is None
    assert jsonrpc.handle(reg, '{"jsonrpc":"2.0","method":"help","id":{}}')["error"][
        "code"] == -32600
    with pytest.raises(JSONRPCException):
        raise JSONRPCException("the client's base error type is importable")
