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
    """The value; -1 when absent, -2 when not a number (``is_maxfwd_present``). Read
    only: the header's record is taken for editing by ``_rewrite`` alone."""
    text = msg.header("max-forwards")
    if text is None:
        return -1
    text = text.strip()
    if not text.isdigit() or int(text) > 65535:
        return -2
    return int(text)


def _rewrite(msg: Any, value: int) -> None:
    hdr = msg.header_fields("max-forwards")[0]  # editable (a copy's records are cloned)
    start = hdr.body_start
    width = len(hdr.body)
    digits = str(value)[-width:] if width else ""
    new = digits.rjust(width)
    msg.text = msg.text[:start] + new + msg.text[start + width:]
    hdr.body = new


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
    _rewrite(msg, value - 1)
    return 1


@export("is_maxfwd_lt", module="maxfwd")
def is_maxfwd_lt(ctx: Any, limit: int) -> int:
    value = _value(ctx.msg)
    if value < 0:
        return value - 1
    return -1 if value >= limit else 1
