"""What ``mi(command [, ret_var [, params_avp [, vals_avp]]])`` does (mi_script module).

Split from the script-function wrapper so the semantics can be tested without an engine:
``split_command`` (method up to the first space), ``build_params`` (inline tokens, or AVP
values newest first, or named pairs with ``__array(...)`` values), ``interpret`` (MI reply →
``$rc`` and the text stored in ``ret_var``). Table: runtime.md §3.1.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .jsonfmt import dumps
from .registry import MIError, MIRegistry, MIResponse, MIResult

PARSE_FAILED = "could not parse script params!"
NO_RESPONSE = "failed to build MI response"
NO_ERROR_MESSAGE = "no error message provided"
_WS = " \t\r\n"


class ScriptParamError(Exception):
    """The parameters could not be built (``$rc`` -2, ret var = ``could not parse ...``)."""


def split_command(command: str) -> tuple[str, str]:
    """``(method, inline param text)``: split at the first space only, trim the method."""
    head, sep, rest = command.partition(" ")
    return head.strip(_WS), rest if sep else ""


def _unsigned(value: int | str) -> str:
    """AVP values as mi_script prints them: ints as unsigned 32-bit (``-5`` → 4294967291)."""
    if isinstance(value, int):
        return str(value & 0xFFFFFFFF)
    return value


def parse_array_value(text: str) -> list[str]:
    """``__array(a b)`` → ``["a","b"]``; single-space split, ``__array()`` → ``[""]``."""
    body = text[len("__array("):-1]
    out: list[str] = []
    p = 0
    end = len(body)
    while True:
        start = p
        while p < end and body[p] != " ":
            p += 1
        out.append(body[start:p])
        p += 1
        if p >= end:
            return out


def _is_array_value(text: str) -> bool:
    return len(text) >= len("__array()") and text.endswith(")") and text.startswith("__array(")


def build_params(inline: str, names: Sequence[int | str] | None,
                 values: Sequence[int | str] | None) -> list[Any] | dict[str, Any] | None:
    """The request params; ``names``/``values`` are AVP stacks newest first (or ``None``).

    With only ``values`` they act as the positional list (mi_script swaps them).
    Raises ``ScriptParamError`` when there are fewer values than names.
    """
    if names is None and values is None and inline == "":
        return None
    if names is None and values is not None:
        names, values = values, None
    if names is None:
        params: list[Any] = []
        text = inline
        while True:
            text = text.lstrip(_WS)
            token, sep, text = text.partition(" ")
            if not token:
                break
            params.append(token)
            if not sep:
                break
        return params
    if values is None:
        return [_unsigned(v) for v in names]
    named: dict[str, Any] = {}
    for i, name in enumerate(names):
        if i >= len(values):
            raise ScriptParamError("missing attribute")
        value = values[i]
        key = _unsigned(name)
        if isinstance(name, str):
            if isinstance(value, str):
                named[key] = parse_array_value(value) if _is_array_value(value) else value
            else:
                # undefined behaviour in C (string read of an int AVP): osipsc sends a number
                named[key] = value
        else:
            # an int name AVP makes mi_script emit the value as a JSON number
            if isinstance(value, int):
                named[key] = value
            else:
                try:
                    named[key] = int(value)
                except ValueError:
                    named[key] = value
        # cJSON_AddItemToObject keeps duplicate names; a dict keeps the last one
    return named


@dataclass(frozen=True)
class Outcome:
    """``rc`` for ``$rc``; ``text`` for ``ret_var`` (``None`` = NULL); ``store`` if written."""

    rc: int
    text: str | None
    store: bool = True


def interpret(resp: MIResponse | None, pretty: bool) -> Outcome:
    """``mi_script_handle_response``: errors → -code / code / -3, results → JSON text."""
    if resp is None:
        return Outcome(-3, NO_RESPONSE)
    if isinstance(resp, MIError):
        if resp.code is None:
            rc = -3
        elif resp.code > 0:
            rc = -resp.code
        else:
            rc = resp.code
        message = resp.message if resp.message is not None else NO_ERROR_MESSAGE
        return Outcome(rc, message)
    assert isinstance(resp, MIResult)
    return Outcome(1, dumps(resp.value, pretty))


@dataclass
class PreparedCall:
    """A resolved ``mi()`` call: command found and params built, ready to run."""

    registry: MIRegistry
    method: str
    params: list[Any] | dict[str, Any] | None

    @property
    def is_async(self) -> bool:
        """The command replies later (``MI_ASYNC_RPL_FLAG``, e.g. ``t_uac_dlg``)."""
        cmd = self.registry.lookup(self.method)
        return cmd is not None and cmd.is_async

    def run(self) -> MIResponse:
        """Run and wait for the reply (for async commands: only when another thread
        delivers it; script callers use ``start`` so the engine can drive its clock)."""
        cmd = self.registry.lookup(self.method)
        assert cmd is not None
        return self.registry.run(cmd, self.params, origin="script")

    def start(self, on_reply: Callable[[MIResponse], None]) -> None:
        """Run; ``on_reply`` gets the response now or, for async commands, later."""
        cmd = self.registry.lookup(self.method)
        assert cmd is not None
        self.registry.start(cmd, self.params, on_reply, origin="script")


def prepare(registry: MIRegistry, command: str, names: Sequence[int | str] | None,
            values: Sequence[int | str] | None) -> PreparedCall | Outcome:
    """Resolve a call; an ``Outcome`` means it ended early (unknown command, bad params).

    Unknown command → ``Outcome(-1, None, store=False)``: ``ret_var`` stays untouched.
    """
    method, inline = split_command(command)
    if registry.lookup(method) is None:
        return Outcome(-1, None, store=False)
    try:
        params = build_params(inline, names, values)
    except ScriptParamError:
        return Outcome(-2, PARSE_FAILED)
    return PreparedCall(registry, method, params)


def call(registry: MIRegistry, command: str, names: Sequence[int | str] | None = None,
         values: Sequence[int | str] | None = None, pretty: bool = False) -> Outcome:
    """The synchronous ``mi()``: resolve, run (waiting for async commands), interpret."""
    prepared = prepare(registry, command, names, values)
    if isinstance(prepared, Outcome):
        return prepared
    return interpret(prepared.run(), pretty)
