"""Pseudo-variable specs (language.md §3): ``$`` tokens, format strings, transformations.

The same spec parser serves script tokens (``$(avp(x)[1])``) and ``$`` inside format
strings (``"$rU@$rd"``): it reads one spec at an offset and says where it stopped, as
OpenSIPS's ``pv_parse_spec`` does. Names are not validated here (that needs the module
list); ``compiler.check`` validates classes and transformations against the 3.6 tables.
"""

from __future__ import annotations

import re

from .diagnostics import Diagnostic, error
from .source import SourceFile
from .syntax import FormatPiece, PVar, Span, StrLit, Transform

_NAME = re.compile(r"[A-Za-z0-9_.]+")
_INT = re.compile(r"[+-]?[0-9]+$")
_WS = " \t\r\n"
_SIGNED_BLANK = re.compile(r"[+-][ \t\r\n]+[0-9]")


class PvarError(Exception):
    """Internal signal: the spec at ``pos`` is malformed (turned into a Diagnostic)."""

    def __init__(self, message: str, pos: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.hint = hint


def _balanced_end(text: str, pos: int, open_: str, close: str) -> int:
    """Index of the ``close`` matching the ``open_`` at ``pos`` (nested), or -1."""
    depth = 0
    for i in range(pos, len(text)):
        c = text[i]
        if c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return i
    return -1


class _SpecParser:
    """Parses specs in ``text`` (a token or a string value); ``base`` maps to file offsets."""

    def __init__(self, text: str, source: SourceFile, base: int, exact: bool) -> None:
        self.text = text
        self.source = source
        self.base = base
        self.exact = exact  # True when text offsets equal file offsets (script tokens)

    def span(self, start: int, end: int) -> Span:
        if self.exact:
            return Span(self.source, self.base + start, self.base + end)
        return Span(self.source, self.base, self.base)

    def parse(self, pos: int) -> tuple[PVar, int]:
        """Parse the spec starting at ``text[pos] == '$'``; return it and the end offset."""
        t = self.text
        if t.startswith("$$", pos):
            return PVar("$", self.span(pos, pos + 2), "$$"), pos + 2
        if t.startswith("$(", pos):
            close = _balanced_end(t, pos + 1, "(", ")")
            if close < 0:
                raise PvarError("unbalanced '(' in variable", pos)
            pv = self._body(pos + 2, close, full=True, start=pos)
            return pv, close + 1
        return self._short(pos)

    def _context(self, i: int, stop: int) -> tuple[str | None, int]:
        t = self.text
        if i < stop and t[i] == "<":
            gt = t.find(">", i)
            if gt < 0 or gt >= stop:
                raise PvarError("unterminated context '<' in variable", i)
            ctx = t[i + 1 : gt]
            if ctx not in ("request", "reply"):
                raise PvarError(f"unknown variable context <{ctx}>", i)
            return ctx, gt + 1
        return None, i

    def _name_and_inner(self, i: int, stop: int, start: int) -> tuple[str, str | PVar | None, int]:
        t = self.text
        m = _NAME.match(t, i, stop)
        if m is None:
            raise PvarError(f"invalid variable name in {t[start:stop + 1]!r}" if stop > i
                            else "'$' without a variable name", start,
                            hint="a literal dollar is written '$$'")
        name = m.group()
        i = m.end()
        sub: str | PVar | None = None
        if i < stop and t[i] == "(":
            close = _balanced_end(t, i, "(", ")")
            if close < 0 or close > stop:
                raise PvarError("unbalanced '(' in variable name", i)
            inner = t[i + 1 : close]
            if not inner:
                raise PvarError(f"empty name in ${name}()", i)
            sub = inner
            if inner.startswith("$"):
                try:
                    nested, end = self.parse(i + 1)
                    if end == close:
                        sub = nested
                except PvarError:
                    sub = inner
            i = close + 1
        return name, sub, i

    def _short(self, pos: int) -> tuple[PVar, int]:
        ctx, i = self._context(pos + 1, len(self.text))
        name, sub, i = self._name_and_inner(i, len(self.text), pos)
        return PVar(name, self.span(pos, i), self.text[pos:i], sub=sub, context=ctx), i

    def _body(self, i: int, stop: int, full: bool, start: int) -> PVar:
        t = self.text
        ctx, i = self._context(i, stop)
        name, sub, i = self._name_and_inner(i, stop, start)
        index: int | str | PVar | None = None
        if i < stop and t[i] == "[":
            close = t.find("]", i)
            if close < 0 or close > stop:
                raise PvarError("unterminated '[' index in variable", i)
            raw = t[i + 1 : close].strip()
            if raw in ("*", "append"):
                index = raw
            elif _INT.match(raw):
                index = int(raw)
            elif raw.startswith("$"):
                nested, end = self.parse(t.index("$", i))
                index = nested
            elif raw.isidentifier():
                index = raw  # e.g. [insert] for $sdp.line (checked by the variable itself)
            else:
                raise PvarError(f"invalid index [{raw}] in variable", i)
            i = close + 1
        transforms: list[Transform] = []
        while i < stop:
            c = t[i]
            if c in " \t\r\n":
                i += 1
                continue
            if c != "{":
                raise PvarError(f"unexpected {t[i:stop]!r} in variable", i)
            close = _balanced_end(t, i, "{", "}")
            if close < 0 or close > stop:
                raise PvarError("unterminated '{' transformation", i)
            transforms.append(self._transform(i, close))
            i = close + 1
        return PVar(name, self.span(start, stop + 1), t[start : stop + 1], sub=sub, index=index,
                    transforms=transforms, context=ctx)

    def _transform(self, open_: int, close: int) -> Transform:
        t = self.text
        body = t[open_ + 1 : close]
        head, _, rest = body.partition(",")
        cls, dot, method = head.strip().partition(".")
        if not dot or not cls:
            raise PvarError(f"invalid transformation {{{body}}}", open_)
        tindex: int | PVar | None = None
        if cls.lower() == "nameaddr":
            first, dot2, more = method.partition(".")
            if dot2 and (_INT.match(first) or first.startswith("$")):
                tindex = int(first) if _INT.match(first) else self.parse(
                    t.index("$", open_))[0]
                method = more
        params: list[str | int | PVar] = []
        if _:
            if cls.lower() == "s" and method.lower() == "select":
                idx, comma, sep = rest.partition(",")
                params.append(self._tparam(idx, open_))
                if comma:
                    params.append(sep)
            elif cls.lower() == "re":
                # tr_parse_sparam(skip_param_ws=1): leading blanks skipped, a pvar, or text
                # up to the first "," / "}" not preceded by a backslash
                text = rest.lstrip(_WS)
                if text.startswith("$") and not text.startswith("$$"):
                    params.append(self._tparam(text, open_))
                else:
                    k = 0
                    while k < len(text) and not (
                        text[k] in ",}" and (k == 0 or text[k - 1] != "\\")
                    ):
                        k += 1
                    params.append(text[:k])
            elif cls.lower() == "s" and method.lower() in ("fill.left", "fill.right"):
                pieces = _split_params(rest)
                params.append(pieces[0].lstrip(_WS))  # tr_parse_sparam(skip_param_ws=1)
                params.extend(self._tparam(piece, open_) for piece in pieces[1:])
            else:
                for piece in _split_params(rest):
                    params.append(self._tparam(piece, open_))
        return Transform(cls, method, params, self.span(open_, close + 1), index=tindex)

    def _tparam(self, raw: str, at: int) -> str | int | PVar:
        """One parameter as tr_parse_sparam/tr_parse_nparam read it.

        Leading blanks are skipped; a string parameter ends at the first blank (the rest is
        ignored) and keeps its backslashes (``\\,`` only stops the split, OpenSIPS does not
        unescape it). A number is an int only in canonical form, so that a string parameter
        such as ``007`` keeps its text (numeric uses parse the text like nparam).
        """
        s = raw.strip(_WS)
        if _INT.match(s) and str(int(s)) == s:
            return int(s)
        if s.startswith("$") and not s.startswith("$$"):
            sub = _SpecParser(s, self.source, self.base, False)
            pv, end = sub.parse(0)
            if end == len(s):
                return pv
        if _SIGNED_BLANK.match(s):  # nparam allows blanks after the sign: "- 2" is -2
            return s
        text = raw.lstrip(_WS)
        for k, ch in enumerate(text):
            if ch in _WS:
                return text[:k]
        return text


def _split_params(rest: str) -> list[str]:
    """Split transformation params at ``,`` not escaped and not inside ``( )``/``{ }``."""
    out: list[str] = []
    depth = 0
    cur = 0
    i = 0
    while i < len(rest):
        c = rest[i]
        if c == "\\":
            i += 2
            continue
        if c in "({":
            depth += 1
        elif c in ")}":
            depth -= 1
        elif c == "," and depth == 0:
            out.append(rest[cur:i])
            cur = i + 1
        i += 1
    out.append(rest[cur:])
    return out


def parse_token(text: str, source: SourceFile, start: int) -> tuple[PVar | None, list[Diagnostic]]:
    """Parse a PVAR token (its whole text). Trailing text after a short form is a warning."""
    p = _SpecParser(text, source, start, True)
    try:
        pv, end = p.parse(0)
    except PvarError as exc:
        return None, [error(f"invalid variable {text!r}: {exc.message}", source, start + exc.pos,
                            start + len(text), hint=exc.hint,
                            opensips="parse error: syntax error")]
    diags: list[Diagnostic] = []
    if end < len(text):
        tail = text[end:]
        from .diagnostics import warning

        hint = None
        if tail[0] in "[{":
            hint = f"indexes and transformations need the $( ) form: $({text[1:]})"
        diags.append(warning(f"text {tail!r} after {text[:end]} is ignored by OpenSIPS",
                             source, start + end, start + len(text), hint=hint))
    return pv, diags


def parse_format(lit: StrLit) -> tuple[list[FormatPiece], list[Diagnostic]]:
    """Split a string literal used as a format (§3.5) into text and ``PVar`` pieces.

    Offsets of pieces point at the literal (escapes make exact mapping impossible); ``$$``
    becomes a literal ``$``.
    """
    text = lit.value
    if "$" not in text:
        return ([text] if text else []), []
    src = lit.span.source
    p = _SpecParser(text, src, lit.span.start, False)
    pieces: list[FormatPiece] = []
    diags: list[Diagnostic] = []
    buf: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        d = text.find("$", i)
        if d < 0:
            buf.append(text[i:])
            break
        buf.append(text[i:d])
        if text.startswith("$$", d):
            buf.append("$")
            i = d + 2
            continue
        try:
            pv, end = p.parse(d)
        except PvarError as exc:
            diags.append(error(f"invalid variable in format string: {exc.message}", src,
                               lit.span.start, lit.span.end, hint=exc.hint or
                               "a literal dollar is written '$$'",
                               opensips="parse error: syntax error"))
            return [text], diags
        if buf:
            s = "".join(buf)
            if s:
                pieces.append(s)
            buf = []
        pieces.append(pv)
        i = end
    s = "".join(buf)
    if s:
        pieces.append(s)
    return pieces, diags
