"""The ``rest`` transformation class of the rest_client module: ``{rest.escape}`` and
``{rest.unescape}``, which rest_client implements with curl's URL escaping.

curl escapes every byte except ``A-Z a-z 0-9 - . _ ~`` as ``%XX`` (upper-case hex) and
unescapes every ``%XX``; ``+`` is left alone both ways.
"""

from __future__ import annotations

import re
from typing import Any

from osipsc.runtime.transforms_base import register, text_of

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")


@register("rest", "escape")
def rest_escape(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
    raw = text_of(v).encode("latin-1")
    return "".join(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in raw)


@register("rest", "unescape")
def rest_unescape(ctx: Any, v: Any, p: tuple[Any, ...], idx: Any) -> str:
    return _PERCENT.sub(lambda m: chr(int(m.group(1), 16)), text_of(v))
