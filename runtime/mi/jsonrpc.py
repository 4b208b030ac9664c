"""JSON-RPC 2.0 framing of MI requests as OpenSIPS's transports do it (``parse_mi_request``).

``handle(registry, body)`` returns the response *object* or ``None`` when none is sent
(notifications, except for parse and invalid-request errors). ``render`` prints it with the
cJSON printer. Member order: ``jsonrpc``, ``result``/``error``, ``id``.
"""

from __future__ import annotations

from typing import Any

from .jsonfmt import dumps, loads
from .registry import (
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    MIError,
    MIRegistry,
    MIResponse,
    c_int,
)

_MISSING: Any = object()


def _member(obj: Any, name: str) -> Any:
    """``cJSON_GetObjectItem``: first member whose name matches case-insensitively."""
    if not isinstance(obj, dict):
        return _MISSING
    if name in obj:
        return obj[name]
    for key, value in obj.items():
        if key.lower() == name:
            return value
    return _MISSING


def _valid_id(value: Any) -> bool:
    return value is None or isinstance(value, str) or (
        isinstance(value, (int, float)) and not isinstance(value, bool))


def _echo_id(value: Any) -> Any:
    """Numbers are echoed as (C int) integers; strings and null as they came."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return c_int(value)
    return value


def response(resp: MIResponse, req_id: Any) -> dict[str, Any]:
    """A JSON-RPC response object for ``resp``."""
    out: dict[str, Any] = {"jsonrpc": "2.0"}
    if isinstance(resp, MIError):
        out["error"] = resp.to_json()
    else:
        out["result"] = resp.value
    out["id"] = _echo_id(req_id)
    return out


class Request:
    """A parsed request: ``method``, ``params`` (None/list/dict), ``id`` (``has_id``)."""

    def __init__(self, method: str | None, params: Any, req_id: Any, has_id: bool,
                 invalid: bool) -> None:
        self.method = method
        self.params = params
        self.id = req_id
        self.has_id = has_id
        self.invalid = invalid


def parse(body: str | bytes) -> Request | None:
    """``None`` when the body is not JSON; otherwise a request, maybe ``invalid``."""
    try:
        obj = loads(body)
    except ValueError:
        return None
    invalid = not isinstance(obj, dict)
    req_id = _member(obj, "id")
    has_id = req_id is not _MISSING
    if has_id and not _valid_id(req_id):
        invalid = True
    version = _member(obj, "jsonrpc")
    if version != "2.0":
        invalid = True
    method = _member(obj, "method")
    if not isinstance(method, str):
        method = None
        invalid = True
    params = _member(obj, "params")
    if params is _MISSING:
        params = None
    elif not isinstance(params, (list, dict)):
        invalid = True
    elif not params:
        params = None  # [] / {} mean "no params" on transports
    return Request(method, params, req_id if has_id else None, has_id, invalid)


def handle(registry: MIRegistry, body: str | bytes) -> dict[str, Any] | None:
    """Run one request; the response object, or ``None`` for a notification."""
    req = parse(body)
    if req is None:
        return response(MIError(*PARSE_ERROR), None)
    if req.invalid:
        return response(MIError(*INVALID_REQUEST), req.id if _valid_id(req.id) else None)
    assert req.method is not None
    cmd = registry.lookup(req.method)
    if cmd is None:
        resp: MIResponse = MIError(*METHOD_NOT_FOUND)
    else:
        resp = registry.run(cmd, req.params)
    if not req.has_id:
        return None
    return response(resp, req.id)


def render(obj: dict[str, Any], pretty: bool = False) -> bytes:
    """The wire form (latin-1 bytes, as the text model says)."""
    return dumps(obj, pretty).encode("latin-1")

