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
    text = text.strip()
    # only ASCII digits make a number: '²' passes isdigit() but int() refuses it
    if not (text.isascii() and text.isdigit()) or int(text) > 65535:
        return -2
    return int(text)


@export("mf_process_maxfwd_header", module="maxfwd")
def mf_process_maxfwd_header(ctx: Any, limit: int) -> int:
    msg = ctx.msg
    value = _value(msg)
    if value == -1:
        msg.insert_header(f"Max-Forwards: {limit}\r\n")
        return 2
    if value == -2:
        return -2
    if value == 0:
        return -1
    if value > MAX_LIMIT:
        value = MAX_LIMIT + 1
    # the same width, left-padded: the body in the received text is overwritten
    width = len(msg._value("max-forwards"))
    msg.overwrite_body("max-forwards", str(value - 1)[-width:].rjust(width))
    return 1


@export("is_maxfwd_lt", module="maxfwd")
def is_maxfwd_lt(ctx: Any, limit: int) -> int:
    value = _value(ctx.msg)
    if value < 0:
        return value - 1
    return -1 if value >= limit else 1
