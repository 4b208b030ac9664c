"""POSIX regular expressions (glibc ``regcomp``) on top of Python ``re``.

OpenSIPS compiles every script regex with glibc's POSIX engine; Python's ``re`` has a
different dialect. This module translates a POSIX *extended* expression into an equivalent
Python pattern so that ``=~``, textops' ``search``/``subst`` and ``{re.subst}`` see the
same matches as OpenSIPS does:

* ``[[:digit:]]`` style classes, ``[=x=]``/``[.x.]``; backslash is literal inside brackets;
* ``\\d`` is a literal ``d`` (only ``\\w \\W \\s \\S \\b \\B \\< \\> \\` \\'`` and back
  references are GNU escapes) -- but under ``REG_ICASE`` (``=~``, function regex params)
  an escaped lower-case letter never matches (glibc compares the upper-cased subject with
  the escaped char in its original case), while ``\\D`` matches ``d`` and ``D``;
* ``{`` always opens an interval: ``{,m}`` is ``{0,m}``, a malformed one is an error;
* stacked quantifiers (``a**``, ``a+?``) repeat again instead of meaning "lazy"/"possessive";
* an unmatched ``)`` is a literal (RE_UNMATCHED_RIGHT_PAREN_ORD);
* without ``REG_NEWLINE`` ``.`` matches LF and ``$`` only matches at the very end; with it
  (``newline=True``) ``^``/``$`` also match around LF and ``[^x]`` never matches LF;
* ``REG_NOTBOL`` (``notbol=True``): ``^`` does not match at the start of the subject;
* case folding and ``\\w`` are ASCII only (glibc in the C locale);
* the overall match is POSIX leftmost-longest (:func:`posix_search`, used by the subst
  machinery and textops' replace/search_append): ``a|ab`` on ``ab`` matches ``ab``. Limit:
  group boundaries inside that span are Python's; they agree with glibc except for
  repeated groups that can match empty (``(a?)+`` on ``a``: Python reports the final
  empty iteration, glibc the last non-empty one).

The sed-like ``/re/repl/flags`` machinery of OpenSIPS's ``re.c`` (``subst_parser``,
``subst_run``, ``subst_str``) lives here too: see :func:`parse_subst` and :func:`subst_str`.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

__all__ = [
    "RegexError",
    "SubstExpr",
    "compile_posix",
    "parse_subst",
    "posix_finditer",
    "posix_search",
    "search",
    "set_pv_parser",
    "set_uri_getter",
    "subst_run",
    "subst_str",
    "translate",
]


class RegexError(ValueError):
    """A pattern glibc's regcomp (or OpenSIPS's subst parser) would reject."""


_PUNCT = "".join(chr(c) for c in range(0x21, 0x7F) if not chr(c).isalnum())

#: POSIX character classes as Python class bodies (C locale, ASCII only).
_CLASSES: dict[str, str] = {
    "alpha": "a-zA-Z",
    "digit": "0-9",
    "alnum": "0-9a-zA-Z",
    "upper": "A-Z",
    "lower": "a-z",
    "space": " \\t\\n\\r\\f\\v",
    "blank": " \\t",
    "punct": "".join("\\" + c if c in "\\]^-[" else c for c in _PUNCT),
    "print": "\\x20-\\x7e",
    "graph": "\\x21-\\x7e",
    "cntrl": "\\x00-\\x1f\\x7f",
    "xdigit": "0-9A-Fa-f",
}

_INTERVAL = re.compile(r"\{(\d*)(,(\d*))?\}")


def _class_char(c: str) -> str:
    """A literal character safe inside a Python character class."""
    return "\\" + c if c in "\\]^-[" else c


def _bracket(pat: str, i: int, newline: bool) -> tuple[str, int]:
    """Translate the bracket expression starting at ``pat[i] == '['``; return (text, next)."""
    n = len(pat)
    j = i + 1
    negate = j < n and pat[j] == "^"
    if negate:
        j += 1
    items: list[str] = []
    first = True
    while True:
        if j >= n:
            raise RegexError("Unmatched [, [^, [:, [., or [=")
        c = pat[j]
        if c == "]" and not first:
            j += 1
            break
        first = False
        if c == "[" and j + 1 < n and pat[j + 1] in ":=.":
            kind = pat[j + 1]
            end = pat.find(kind + "]", j + 2)
            if end < 0:
                raise RegexError("Unmatched [, [^, [:, [., or [=")
            name = pat[j + 2 : end]
            j = end + 2
            if kind == ":":
                if name not in _CLASSES:
                    raise RegexError("Invalid character class name")
                items.append(_CLASSES[name])
                continue
            if len(name) != 1:
                raise RegexError("Invalid collation character")
            c = name
        else:
            j += 1
        # c is a literal start point; a range follows when "-x" (not "-]") comes next
        if j + 1 < n and pat[j] == "-" and pat[j + 1] != "]":
            hi = pat[j + 1]
            j += 2
            if hi == "[" and j < n and pat[j] in ".=":
                end = pat.find(pat[j] + "]", j + 1)
                if end < 0:
                    raise RegexError("Unmatched [, [^, [:, [., or [=")
                hi = pat[j + 1 : end]
                j = end + 2
                if len(hi) != 1:
                    raise RegexError("Invalid collation character")
            if ord(hi) < ord(c):
                raise RegexError("Invalid range end")
            items.append(_class_char(c) + "-" + _class_char(hi))
        else:
            items.append(_class_char(c))
    body = "".join(items)
    if negate:
        return "[^" + body + ("\\n" if newline else "") + "]", j
    return "[" + body + "]", j


def translate(
    pattern: str, newline: bool = False, notbol: bool = False, icase: bool = False
) -> str:
    """Translate a POSIX ERE into a Python ``re`` pattern (to compile with ASCII flags)."""
    out: list[str] = []  # one entry per atom / operator, so quantifiers can wrap atoms
    quantified: list[bool] = []
    depth = 0
    i = 0
    n = len(pattern)

    def atom(text: str) -> None:
        out.append(text)
        quantified.append(False)

    def quant(text: str) -> None:
        if not out or out[-1] in ("(", "|"):
            raise RegexError("Invalid preceding regular expression")
        if quantified[-1]:
            out[-1] = "(?:" + out[-1] + ")"
        out[-1] += text
        quantified[-1] = True

    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                raise RegexError("Trailing backslash")
            d = pattern[i + 1]
            i += 2
            if d in "wWsSbB":
                atom("\\" + d)
            elif d == "<":
                atom(r"\b(?=\w)")
            elif d == ">":
                atom(r"\b(?<=\w)")
            elif d == "`":
                atom(r"\A")
            elif d == "'":
                atom(r"\Z")
            elif d in "123456789":
                atom("(?:\\" + d + ")")
            elif icase and "a" <= d <= "z":
                # glibc REG_ICASE compares the upper-cased subject with the escaped char
                # taken in its original case: an escaped lower-case letter never matches
                atom("(?!)")
            else:
                atom(re.escape(d))
        elif c == "[":
            text, i = _bracket(pattern, i, newline)
            atom(text)
        elif c == "(":
            depth += 1
            out.append("(")
            quantified.append(False)
            i += 1
        elif c == ")":
            i += 1
            if depth == 0:
                atom(r"\)")
                continue
            depth -= 1
            # fold the group into a single atom so a quantifier applies to all of it
            k = len(out) - 1
            level = 0
            while True:
                if out[k] == ")":
                    level += 1
                elif out[k] == "(":
                    if level == 0:
                        break
                    level -= 1
                k -= 1
            group = "(" + "".join(out[k + 1 :]) + ")"
            del out[k:]
            del quantified[k:]
            atom(group)
        elif c == "|":
            out.append("|")
            quantified.append(False)
            i += 1
        elif c in "*+?":
            quant(c)
            i += 1
        elif c == "{":
            # ERE (RE_INTERVALS|RE_NO_BK_BRACES, no RE_INVALID_INTERVAL_ORD): "{" always
            # opens an interval; "{,m}" is "{0,m}"; anything malformed is an error
            m = _INTERVAL.match(pattern, i)
            if m is None or m.group(0) == "{}":
                if "}" not in pattern[i:]:
                    raise RegexError("Unmatched \\{")
                raise RegexError("Invalid content of \\{\\}")
            lo = int(m.group(1) or 0)
            hi = m.group(3)
            if hi not in (None, "") and int(hi) < lo:
                raise RegexError("Invalid content of \\{\\}")
            if lo > 0x7FFF or (hi and int(hi) > 0x7FFF):
                raise RegexError("Regular expression too big")
            upper = "" if m.group(2) is None else "," + (hi or "")
            quant(f"{{{lo}{upper}}}")
            i = m.end()
        elif c == "^":
            if notbol:
                atom(r"(?<=\n)" if newline else r"(?!)")
            else:
                atom(r"(?:(?<=\n)|\A)" if newline else r"\A")
            i += 1
        elif c == "$":
            atom(r"(?=\n|\Z)" if newline else r"\Z")
            i += 1
        elif c == ".":
            atom("[^\\n]" if newline else "[\\s\\S]")
            i += 1
        else:
            atom(c if c.isalnum() or c == "_" else re.escape(c))
            i += 1
    if depth:
        raise RegexError("Unmatched ( or \\(")
    return "".join(out)


@lru_cache(maxsize=1024)
def compile_posix(
    pattern: str, icase: bool = True, newline: bool = False, notbol: bool = False
) -> re.Pattern[str]:
    """Compile a POSIX ERE as glibc would (``REG_EXTENDED``, optionally ``REG_ICASE``,
    ``REG_NEWLINE``, and ``REG_NOTBOL`` at match time). Raises :class:`RegexError`.

    The default ``icase=True`` is what ``=~``/``!~`` and textops' ``search`` use.
    """
    py = translate(pattern, newline=newline, notbol=notbol, icase=icase)
    flags = re.ASCII | (re.IGNORECASE if icase else 0)
    try:
        rx = re.compile(py, flags)
    except re.error as exc:  # anything the translation let through but Python refuses
        raise RegexError(str(exc)) from exc
    if _may_be_shorter(pattern):
        _LONGEST[rx] = (py, flags, any(t in py for t in _END_SENSITIVE))
    return rx


# ------------------------------------------------------------ leftmost-longest matches
#
# glibc's regexec is POSIX: among the matches starting at the leftmost possible position
# the *longest* wins ("a|ab" on "abc" matches "ab"). Python's backtracking engine takes the
# first alternative that succeeds ("a"), and a greedy quantifier followed by an optional
# part can stop short too ("x*(xy)?" on "xxy"). The leftmost start is the same in both;
# :func:`posix_search` then looks for the longest end from that start. Sub-match (group)
# boundaries are those Python finds for that overall span, which can still differ from
# glibc's POSIX subexpression rules in ambiguous patterns.

#: compiled pattern -> (python source, flags, source uses end-sensitive assertions)
_LONGEST: weakref.WeakKeyDictionary[re.Pattern[str], tuple[str, int, bool]] = (
    weakref.WeakKeyDictionary()
)
_END_SENSITIVE = ("\\Z", "\\b", "\\B", "(?=", "(?!")
#: assertions that may fail at endpos although they hold in the whole text
_NOT_SUPERSET = ("\\b", "\\B", "(?=\\w)")


def _may_be_shorter(pattern: str) -> bool:
    """True if Python's first match may be shorter than POSIX's longest: the ERE has an
    alternation or more than one repetition operator (outside bracket expressions)."""
    quants = 0
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                if pattern[j] == "[" and j + 1 < n and pattern[j + 1] in ":=.":
                    end = pattern.find(pattern[j + 1] + "]", j + 2)
                    j = end + 2 if end >= 0 else n
                    continue
                j += 1
            i = j + 1
            continue
        if c == "|":
            return True
        if c in "*+?{":
            quants += 1
            if quants > 1:
                return True
        i += 1
    return False


@lru_cache(maxsize=4096)
def _ending_at(py: str, flags: int, rest: int) -> re.Pattern[str]:
    """``py`` constrained to end exactly ``rest`` characters before the end of the text."""
    return re.compile("(?:" + py + ")(?=[\\s\\S]{" + str(rest) + "}\\Z)", flags)


def _longest(rx: re.Pattern[str], m: re.Match[str], text: str, endpos: int | None) -> re.Match[str]:
    info = _LONGEST.get(rx)
    if info is None:
        return m
    py, flags, end_sensitive = info
    limit = len(text) if endpos is None else min(endpos, len(text))
    start = m.start()
    # fullmatch on text[start:end] with endpos=end is exact without end-sensitive
    # assertions; with only "$"-like ones (\Z succeeds at endpos) it accepts a superset,
    # so it still filters the candidate ends before the exact (compiled per end) check
    prefilter = not end_sensitive or not any(t in py for t in _NOT_SUPERSET)
    for end in range(limit, m.end(), -1):
        if prefilter:
            m2 = rx.fullmatch(text, start, end)
            if m2 is None:
                continue
            if not end_sensitive:
                return m2
        m2 = _ending_at(py, flags, limit - end).match(text, start, limit)
        if m2 is not None:
            return m2
    return m


def posix_search(
    rx: re.Pattern[str], text: str, pos: int = 0, endpos: int | None = None
) -> re.Match[str] | None:
    """``rx.search`` with glibc's leftmost-longest overall match (see above)."""
    m = rx.search(text, pos) if endpos is None else rx.search(text, pos, endpos)
    if m is None:
        return None
    return _longest(rx, m, text, endpos)


def posix_finditer(rx: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """Successive non-overlapping leftmost-longest matches (an empty match ends the list
    after being reported, callers treat it as an error)."""
    out: list[re.Match[str]] = []
    pos = 0
    while pos <= len(text):
        m = posix_search(rx, text, pos)
        if m is None:
            break
        out.append(m)
        if m.end() == m.start():
            break
        pos = m.end()
    return out


def search(pattern: str | re.Pattern[str], text: str, icase: bool = True) -> bool:
    """``text =~ pattern`` (unanchored search); a str pattern is compiled (and cached)."""
    rx = compile_posix(pattern, icase) if isinstance(pattern, str) else pattern
    return rx.search(text) is not None


# --------------------------------------------------------------------------- subst

#: Hook set by the runtime core: parse a pvar spec at the start of ``text`` (which starts
#: with "$"); return (object with ``.get(ctx)``, number of chars consumed) or raise.
_pv_parser: Callable[[str], tuple[Any, int]] | None = None
#: Hook: the current request URI (new R-URI if rewritten) for the ``\u`` escape.
_uri_getter: Callable[[Any], str | None] | None = None


def set_pv_parser(fn: Callable[[str], tuple[Any, int]] | None) -> None:
    """Install the pvar parser used for ``$var(x)`` inside subst replacements."""
    global _pv_parser
    _pv_parser = fn


def set_uri_getter(fn: Callable[[Any], str | None] | None) -> None:
    """Install the function giving the request URI for the ``\\u`` replacement escape."""
    global _uri_getter
    _uri_getter = fn


@dataclass(frozen=True)
class SubstExpr:
    """A parsed ``/re/repl/flags`` expression (OpenSIPS ``struct subst_expr``)."""

    regex: str
    icase: bool
    newline: bool  # REG_NEWLINE unless the "s" flag is given
    replace_all: bool
    #: replacement pieces: str literal, int group number, ("pv", spec), ("uri",)
    replacement: tuple[Any, ...] = field(default=())

    def compiled(self, notbol: bool = False) -> re.Pattern[str]:
        """The compiled regex (the NOTBOL variant is used after the first match)."""
        return compile_posix(self.regex, self.icase, self.newline, notbol)


def _parse_repl(text: str, start: int, sep: str) -> tuple[tuple[Any, ...], int]:
    """Parse the replacement starting at ``start`` up to the unescaped ``sep``."""
    pieces: list[Any] = []
    lit: list[str] = []
    i = start
    n = len(text)

    def flush() -> None:
        if lit:
            pieces.append("".join(lit))
            lit.clear()

    while i < n:
        c = text[i]
        if c == "\\":
            if i + 1 >= n:
                break  # a trailing backslash escapes nothing: missing separator
            d = text[i + 1]
            i += 2
            if d in "0123456789":
                flush()
                pieces.append(int(d))
            elif d == "u":
                flush()
                pieces.append(("uri",))
            else:
                lit.append({"n": "\n", "r": "\r", "t": "\t"}.get(d, d))
            continue
        if c == "$" and _pv_parser is not None:
            spec, used = _pv_parser(text[i:])
            flush()
            pieces.append(("pv", spec))
            i += max(used, 1)
            continue
        if c == sep:
            flush()
            return tuple(pieces), i
        lit.append(c)
        i += 1
    raise RegexError("missing separator")


@lru_cache(maxsize=512)
def parse_subst(expr: str) -> SubstExpr:
    """Parse a sed-like ``/re/repl/flags`` as OpenSIPS's ``subst_parser`` does.

    The first char is the separator (not a backslash); the regex ends at the first
    separator not preceded by a backslash and keeps its escapes; flags are ``i`` (ignore
    case), ``s`` (no REG_NEWLINE: ``.`` matches LF), ``g`` (replace all).
    """
    if len(expr) < 3:
        raise RegexError("expression is too short")
    sep = expr[0]
    if sep == "\\":
        raise RegexError("invalid separator char")
    i = 1
    while i < len(expr):
        if expr[i] == sep and expr[i - 1] != "\\":
            break
        i += 1
    else:
        raise RegexError("no separator found")
    regex = expr[1:i]
    if len(expr) < i + 2:
        raise RegexError("string too short")
    repl, j = _parse_repl(expr, i + 1, sep)
    icase = False
    newline = True
    replace_all = False
    for f in expr[j + 1 :]:
        if f == "i":
            icase = True
        elif f == "s":
            newline = False
        elif f == "g":
            replace_all = True
        else:
            raise RegexError(f"unknown flag {f}")
    se = SubstExpr(regex, icase, newline, replace_all, repl)
    se.compiled()  # regcomp happens at parse time: bad regexes fail here
    return se


def _build(se: SubstExpr, m: re.Match[str], ctx: Any) -> str:
    """The replacement text for one match (OpenSIPS ``replace_build``)."""
    out: list[str] = []
    for piece in se.replacement:
        if isinstance(piece, str):
            out.append(piece)
        elif isinstance(piece, int):
            if piece <= (m.re.groups if piece else 0):
                out.append(m.group(piece) or "")
        elif piece[0] == "uri":
            uri = _uri_getter(ctx) if _uri_getter is not None else None
            out.append(uri or "")
        else:
            value = piece[1].get(ctx)
            if value is not None:
                out.append(str(value))
    return "".join(out)


def subst_run(se: SubstExpr, text: str, ctx: Any = None) -> list[tuple[int, int, str]]:
    """All replacements ``(offset, size, new_text)`` in ``text`` (``subst_run``).

    After a match the next search starts right behind it and ``^`` may only match there
    if the match ended with LF or CR (REG_NOTBOL otherwise). An empty match is an error,
    as in OpenSIPS ("matched string is empty... invalid regexp?").
    """
    result: list[tuple[int, int, str]] = []
    pos = 0
    notbol = False
    while True:
        m = posix_search(se.compiled(notbol), text[pos:])
        if m is None:
            break
        if m.start() == m.end():
            raise RegexError("matched string is empty")
        result.append((pos + m.start(), m.end() - m.start(), _build(se, m, ctx)))
        pos += m.end()
        notbol = text[pos - 1] not in "\r\n"
        if not se.replace_all:
            break
    return result


def subst_str(se: SubstExpr, text: str, ctx: Any = None) -> tuple[str | None, int]:
    """Apply ``se`` to ``text``: (new text, match count); (None, 0) when nothing matched.

    Raises :class:`RegexError` for the failures OpenSIPS reports as a negative count.
    """
    reps = subst_run(se, text, ctx)
    if not reps:
        return None, 0
    out: list[str] = []
    last = 0
    for off, size, new in reps:
        out.append(text[last:off])
        out.append(new)
        last = off + size
    out.append(text[last:])
    return "".join(out), len(reps)
