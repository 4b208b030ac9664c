"""MI command table, recipe matching and the MI error model (OpenSIPS 3.6 ``mi/mi.c``).

A command has one or more *recipes* (lists of parameter names). A request's params are
``None`` (no params), a ``list`` (positional) or a ``dict`` (named); ``get_cmd_recipe`` picks
the recipe exactly like OpenSIPS so that every error code and message matches (runtime.md
§4.2/§4.3). Handlers read parameters through ``MIParams`` whose getters raise
``ParamError``; the registry turns that into OpenSIPS's ``init_mi_param_error`` reply.

Handlers return a JSON value (wrapped into ``MIResult``), an ``MIResult`` (use
``MIResult(None)`` for a JSON ``null`` result), raise/return ``MIError``, or — for commands
flagged ``MI_ASYNC_RPL_FLAG`` — return ``ASYNC_REPLY`` and later call ``params.reply(...)``.
A handler returning ``None`` is "Command handler returned null" (-32000), as in OpenSIPS.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

MI_ASYNC_RPL_FLAG = 1 << 0
MI_NAMED_PARAMS_ONLY = 1 << 1

PARSE_ERROR = (-32700, "Parse error")
INVALID_REQUEST = (-32600, "Invalid Request")
METHOD_NOT_FOUND = (-32601, "Method not found")
INVALID_PARAMS = (-32602, "Invalid params")
SERVER_ERROR = (-32000, "Server error")

ERR_DET_POS_PARAMS = "Command only supports named parameters"
ERR_DET_AMBIG_CALL = "Ambiguous call, use named parameters instead"
ERR_DET_NO_PARAMS = "Too few or too many parameters"
ERR_DET_MATCH_PARAMS = "Named parameters do not match"
ERR_DET_CMD_NULL = "Command handler returned null"
ERR_DET_PARAM_HANDLE = "Failed to handle parameter"

_ABSENT: Any = object()
ASYNC_REPLY: Any = object()
"""Returned by an async handler: the reply will arrive through ``params.reply``."""


class MIError(Exception):
    """An MI error reply: ``code`` (None = no code member), ``message``, optional ``data``."""

    def __init__(self, code: int | None, message: str | None, data: Any = _ABSENT) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message
        self.data = data

    @property
    def has_data(self) -> bool:
        return self.data is not _ABSENT

    def to_json(self) -> dict[str, Any]:
        """The ``error`` member of a JSON-RPC response."""
        out: dict[str, Any] = {}
        if self.code is not None:
            out["code"] = self.code
        if self.message is not None:
            out["message"] = self.message
        if self.has_data:
            out["data"] = self.data
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MIError) and self.to_json() == other.to_json()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"MIError({self.to_json()!r})"


def invalid_params(detail: str) -> MIError:
    """-32602 ``Invalid params`` with a detail, as ``init_mi_error_extra`` builds it."""
    return MIError(INVALID_PARAMS[0], INVALID_PARAMS[1], detail)


@dataclass(frozen=True)
class MIResult:
    """A successful reply; ``value`` is the ``result`` member (any MI JSON value)."""

    value: Any


MIResponse = MIResult | MIError

PARAM_MISSING = "missing"
PARAM_BAD_TYPE = "bad_type"
PARAM_ARR_BAD_TYPE = "arr_bad_type"
PARAM_EMPTY_ARR = "empty_arr"


class ParamError(Exception):
    """A handler could not read a parameter; mapped like ``init_mi_param_error``."""

    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f"{kind}: {name}")
        self.kind = kind
        self.name = name

    def to_error(self) -> MIError:
        if self.kind == PARAM_BAD_TYPE:
            return invalid_params(f"Bad type for parameter '{self.name}'")
        if self.kind == PARAM_ARR_BAD_TYPE:
            return invalid_params(f"Bad type for array item in parameter '{self.name}'")
        if self.kind == PARAM_EMPTY_ARR:
            return invalid_params(f"Empty array in parameter '{self.name}'")
        # matched a recipe, yet the handler asked for a name it does not have
        return MIError(SERVER_ERROR[0], SERVER_ERROR[1], ERR_DET_PARAM_HANDLE)


def c_int(value: float) -> int:
    """cJSON ``valueint``: saturated to the C int range, truncated toward zero."""
    if value != value:  # NaN
        return 0
    if value >= 2**31 - 1:
        return 2**31 - 1
    if value <= -(2**31):
        return -(2**31)
    return int(value)


def str2sint(text: str) -> int | None:
    """OpenSIPS ``str2sint``: optional sign then decimal digits only; ``None`` if invalid."""
    body = text[1:] if text[:1] in "+-" else text
    if not body or not body.isascii() or not body.isdigit():
        return None
    value = int(body)
    return -value if text[:1] == "-" else value


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _scalar_text(v: Any) -> str | None:
    if isinstance(v, str):
        return v
    if _is_number(v):
        return str(c_int(v))
    return None


class MIParams:
    """The parameters a handler sees: the request items plus the matched recipe's names."""

    def __init__(self, items: list[Any] | dict[str, Any] | None, recipe: Sequence[str],
                 registry: MIRegistry | None = None,
                 reply: Callable[[Any], None] | None = None,
                 origin: str = "transport") -> None:
        self.items = items
        self.origin = origin  # "script" for mi(), "transport" for MI servers
        self.recipe = tuple(recipe)
        self.registry = registry
        self._reply = reply

    def reply(self, value: Any) -> None:
        """Deliver the final reply of an async command (a value, ``MIResult`` or ``MIError``)."""
        if self._reply is None:
            raise RuntimeError("reply() is only available to MI_ASYNC_RPL_FLAG commands")
        self._reply(value)

    def _raw(self, name: str) -> Any:
        if self.items is None:
            return _ABSENT
        if isinstance(self.items, list):
            if name not in self.recipe:
                return _ABSENT
            i = self.recipe.index(name)
            return self.items[i] if i < len(self.items) else _ABSENT
        # cJSON_GetObjectItem compares names case-insensitively
        if name in self.items:
            return self.items[name]
        low = name.lower()
        for key, value in self.items.items():
            if key.lower() == low:
                return value
        return _ABSENT

    def has(self, name: str) -> bool:
        return self._raw(name) is not _ABSENT

    def get(self, name: str) -> Any:
        """The raw JSON item; ``ParamError(missing)`` if absent."""
        v = self._raw(name)
        if v is _ABSENT:
            raise ParamError(PARAM_MISSING, name)
        return v

    def string(self, name: str) -> str:
        """``get_mi_string_param``: a string, or a number rendered in decimal."""
        text = _scalar_text(self.get(name))
        if text is None:
            raise ParamError(PARAM_BAD_TYPE, name)
        return text

    def int(self, name: str) -> int:
        """``get_mi_int_param``: a number or a string holding a signed decimal."""
        v = self.get(name)
        if _is_number(v):
            return c_int(v)
        if isinstance(v, str):
            n = str2sint(v)
            if n is not None:
                return n
        raise ParamError(PARAM_BAD_TYPE, name)

    def array(self, name: str) -> list[Any]:
        """``get_mi_array_param``: a non-empty JSON array."""
        v = self.get(name)
        if not isinstance(v, list):
            raise ParamError(PARAM_BAD_TYPE, name)
        if not v:
            raise ParamError(PARAM_EMPTY_ARR, name)
        return v

    def array_strings(self, name: str) -> list[str]:
        """All items of array ``name`` through ``get_mi_arr_param_string``."""
        out = []
        for item in self.array(name):
            text = _scalar_text(item)
            if text is None:
                raise ParamError(PARAM_ARR_BAD_TYPE, name)
            out.append(text)
        return out

    def bool_like(self, name: str, default: int) -> int:
        """``get_mi_bool_like_param``: one-char ``0/n/N`` or ``1/y/Y``, else ``default``."""
        v = self._raw(name)
        text = _scalar_text(v) if v is not _ABSENT else None
        if text is None or len(text) != 1:
            return default
        if text in "0nN":
            return 0
        if text in "1yY":
            return 1
        return default


Handler = Callable[[MIParams], Any]


@dataclass
class MICommand:
    """One MI command: its recipes (parameter-name tuples), flags and origin."""

    name: str
    handler: Handler
    recipes: list[tuple[str, ...]] = field(default_factory=lambda: [()])
    flags: int = 0
    module: str = "core"
    help: str = ""

    @property
    def is_async(self) -> bool:
        return bool(self.flags & MI_ASYNC_RPL_FLAG)


def match_recipe(recipes: Sequence[tuple[str, ...]],
                 params: list[Any] | dict[str, Any] | None) -> tuple[str, ...] | MIError:
    """OpenSIPS ``get_cmd_recipe`` + the error selection of ``handle_mi_request``."""
    err = ERR_DET_NO_PARAMS
    match: tuple[str, ...] | None = None
    positional = isinstance(params, list)
    for recipe in recipes:
        if params is None:
            if not recipe:
                return recipe
            continue
        if not recipe:
            continue
        if len(recipe) != len(params):
            continue
        if positional:
            if match is not None:
                return invalid_params(ERR_DET_AMBIG_CALL)
            match = recipe
        else:
            err = ERR_DET_MATCH_PARAMS
            assert isinstance(params, dict)
            if all(name in params for name in recipe):
                return recipe
    if match is not None:
        return match
    return invalid_params(err)


class MIRegistry:
    """The MI command table of one engine."""

    def __init__(self, engine: Any = None) -> None:
        from ..state_factories import Standalone

        self.engine = engine if engine is not None else Standalone()
        self.commands: dict[str, MICommand] = {}
        self.startup_time: float | None = None
        self.argv: list[str] = []
        self.pump: Callable[[Callable[[], bool]], bool] | None = None
        """How ``run`` lets an async command's reply arrive when nothing else will: the
        engine's ``block_until`` (virtual time passes, due timers fire). Set by ``setup``."""

    # -- registration -------------------------------------------------------------------
    def register(self, name: str, handler: Handler,
                 recipes: Iterable[Iterable[str]] | None = None, flags: int = 0,
                 module: str = "core", help: str = "", replace: bool = False) -> MICommand:
        """Add a command; ``recipes`` defaults to one recipe without parameters.

        OpenSIPS refuses a second registration of a name; so do we unless ``replace``.
        """
        if name in self.commands and not replace:
            raise ValueError(f"MI command <{name}> already registered")
        recs = [tuple(r) for r in recipes] if recipes is not None else [()]
        cmd = MICommand(name, handler, recs, flags, module, help)
        self.commands[name] = cmd
        return cmd

    def unregister(self, name: str) -> None:
        self.commands.pop(name, None)

    def lookup(self, name: str) -> MICommand | None:
        """Exact, case-sensitive lookup (``lookup_mi_cmd``)."""
        return self.commands.get(name)

    def state(self, name: str) -> Any:
        """Per-engine state (statistics, cache, ...) for handlers."""
        from ..state_factories import get_state

        return get_state(self.engine, name)

    # -- execution -----------------------------------------------------------------------
    def start(self, cmd: MICommand, params: list[Any] | dict[str, Any] | None,
              on_reply: Callable[[MIResponse], None], origin: str = "transport") -> None:
        """Run ``cmd``; ``on_reply`` gets the response now, or later for async commands."""
        if isinstance(params, list) and cmd.flags & MI_NAMED_PARAMS_ONLY:
            on_reply(invalid_params(ERR_DET_POS_PARAMS))
            return
        recipe = match_recipe(cmd.recipes, params)
        if isinstance(recipe, MIError):
            on_reply(recipe)
            return
        done = threading.Event()

        def deliver(value: Any) -> None:
            if done.is_set():
                return
            done.set()
            on_reply(_to_response(value))

        mi_params = MIParams(params, recipe, self, deliver if cmd.is_async else None,
                             origin)
        try:
            out = cmd.handler(mi_params)
        except ParamError as exc:
            out = exc.to_error()
        except MIError as exc:
            out = exc
        if out is ASYNC_REPLY and cmd.is_async:
            return
        deliver(out)

    def run(self, cmd: MICommand, params: list[Any] | dict[str, Any] | None,
            timeout: float | None = None, origin: str = "transport") -> MIResponse:
        """Run ``cmd`` and wait for its reply (also for async commands, see decisions.md)."""
        box: list[MIResponse] = []
        ready = threading.Event()

        def on_reply(resp: MIResponse) -> None:
            box.append(resp)
            ready.set()

        self.start(cmd, params, on_reply, origin)
        if not ready.is_set() and timeout is None and self.pump is not None:
            # an MI server thread (under the serve lock) or the engine loop: nobody else
            # drives this engine, so let its virtual time pass instead of waiting forever
            self.pump(ready.is_set)
            timeout = 0
        if not ready.wait(timeout):
            return MIError(SERVER_ERROR[0], SERVER_ERROR[1], "Timeout waiting for reply")
        return box[0]

    def call(self, name: str, params: list[Any] | dict[str, Any] | None = None,
             timeout: float | None = None) -> MIResponse:
        """Look up and run; unknown commands are -32601 ``Method not found``."""
        cmd = self.lookup(name)
        if cmd is None:
            return MIError(*METHOD_NOT_FOUND)
        return self.run(cmd, params, timeout)


def _to_response(value: Any) -> MIResponse:
    if isinstance(value, (MIResult, MIError)):
        return value
    if value is None:
        return MIError(SERVER_ERROR[0], SERVER_ERROR[1], ERR_DET_CMD_NULL)
    return MIResult(value)
