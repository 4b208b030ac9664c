"""maxfwd: Max-Forwards checks.

Unlike other edits, OpenSIPS decrements Max-Forwards *in the received buffer* (same
length, left-padded with spaces: ``10`` becomes `` 9``), so ``$hdr(Max-Forwards)`` shows
the new value at once and a second call decrements again. A missing header is added (a
lump before the first header) with the given value.
"""

from __future__ import annotations

from typing import Any

from .registry import export

MAX_LIMIT = 256  # modparam max_limit default (MAXFWD_UPPER_LIMIT)


def _value(msg: Any) -> int:
    """The value; -1 when absent, -2 when not a number (``is_maxfwd_present``)."""
    text = msg._value("max-forwards")  # (a key already: no header_key call)
    if text is None:
        return -1
    return _reading(text)[0]


def _number(text: str) -> int:
    """The value of a Max-Forwards body; -2 when it is not a number."""
    text = text.strip()
    # only ASCII digits make a number: '²' passes isdigit() but int() refuses it
    if not (text.isascii() and text.isdigit()) or int(text) > 65535:
        return -2
    return int(text)


#: Max-Forwards body -> its value (``_number``) and the same-width body a decrement
#: writes (None when there is nothing to write): a pure function of the text, asked for by
#: every request, and UAs send a handful of values (bounded: texts come off the wire)
_READINGS: dict[str, tuple[int, str | None]] = {}


def _reading(text: str) -> tuple[int, str | None]:
    """``_READINGS[text]``, computed on a miss."""
    try:
        return _READINGS[text]
    except KeyError:
        pass
    value = _number(text)
    new = None
    if value > 0:
        width = len(text)  # the same width, left-padded
        new = str(min(value, MAX_LIMIT + 1) - 1)[-width:].rjust(width)
    if len(_READINGS) >= 512:
        _READINGS.clear()
    found = _READINGS[text] = (value, new)
    return found


@export("mf_process_maxfwd_header", module="maxfwd")
def mf_process_maxfwd_header(ctx: Any, limit: int) -> int:
    msg = ctx.msg
    text = msg._value("max-forwards")  # (a key already: no header_key call)
    if text is None:
        msg.insert_header(f"Max-Forwards: {limit}\r\n")
        return 2
    try:  # ``_reading``'s memo, inline: every request asks
        value, new = _READINGS[text]
    except KeyError:
        value, new = _reading(text)
    if new is None:  # not a number (-2), or 0
        return -1 if value == 0 else -2
    # the body in the received text is overwritten, as OpenSIPS edits its buffer
    msg.overwrite_body("max-forwards", new)
    return 1


@export("is_maxfwd_lt", module="maxfwd")
def is_maxfwd_lt(ctx: Any, limit: int) -> int:
    value = _value(ctx.msg)
    if value < 0:
        return value - 1
    return -1 if value >= limit else 1
