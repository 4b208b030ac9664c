"""Scanner for OpenSIPS 3.x cfg text (language.md §2).

Speed matters (whole corpora are checked in CI), so the scanner is one compiled master
regex with named groups, matched at the current offset; only ``$`` pseudo-variable tokens
(§2.9, paren counting) and nested ``/* */`` comments leave the regex. Keywords are
classified after the match with one dict lookup, as flex's longest-match-then-first-rule
does. User mistakes become ``Diagnostic``s, never exceptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .diagnostics import Diagnostic, error, warning
from .exports import global_param_names
from .source import SourceFile

# Token kinds: "ID", "NUMBER", "STRING", "PVAR", "IP", "OP" (value = the operator text),
# "KW" (value = the keyword), "PARAM" (global parameter keyword), "EOF".


@dataclass(slots=True)
class Token:
    """One token. ``value`` is the decoded value (int for NUMBER, decoded text for STRING,
    the operator / keyword / name text otherwise); ``quote`` is set for STRING."""

    kind: str
    value: object
    start: int
    end: int
    source: SourceFile
    quote: str = ""

    @property
    def text(self) -> str:
        return self.source.text[self.start : self.end]

    def __repr__(self) -> str:  # short form for test failures
        return f"{self.kind}:{self.value!r}@{self.start}"


BOOL_WORDS = {"yes": 1, "true": 1, "on": 1, "enable": 1, "no": 0, "false": 0, "off": 0, "disable": 0}

ROUTE_KEYWORDS = frozenset(
    "route failure_route onreply_route branch_route error_route local_route startup_route "
    "timer_route event_route".split()
)
STATEMENT_KEYWORDS = frozenset(
    "if else switch case default break while for in return exit drop assert log error xlog "
    "xdbg async launch not and or null NULL loadmodule modparam mpath sync".split()
)

_IPV4 = r"(?:(?:0|[1-9][0-9]{0,2})\.){3}(?:0|[1-9][0-9]{0,2})"
_H = r"[0-9a-fA-F]{1,4}"
_IPV6 = (
    rf"(?:(?:{_H}:){{7}}{_H}"
    rf"|(?:{_H}:){{1,7}}:(?:{_H}(?::{_H}){{0,6}})?"
    rf"|::(?:{_H}(?::{_H}){{0,6}})?)"
)

MASTER = re.compile(
    rf"""
    (?P<ws>[ \t\r\n\b\f]+|\\\r?\n)
  | (?P<comment>\#[^\n]*)
  | (?P<bcomment>/\*)
  | (?P<slashes>//)
  | (?P<ip>(?:{_IPV4}|{_IPV6})(?:/(?:{_IPV4}|{_IPV6}|[0-9]+))?)(?![0-9A-Za-z_.])
  | (?P<id>[A-Za-z][A-Za-z0-9_]*)
  | (?P<num>0x[0-9a-fA-F]+|0[0-7]+|0|[1-9][0-9]*)
  | (?P<dq>"(?:[^"\\]|\\.|\\\n)*")
  | (?P<sq>'[^']*')
  | (?P<pvar>\$)
  | (?P<op>==|!=|<=|>=|=~|!~|&&|\|\||<<|>>|:=|\+=|-=|\*=|/=|%=|&=|\|=|\^=|[=<>!+\-*/%&|^~;,:.(){{}}\[\]])
    """,
    re.VERBOSE | re.DOTALL,
)

# §2.9: at paren depth 0 a bare pvar name stops at blanks, ``)``, operators and the words
# not/and/or; ``(`` opens the counted part.
_PV_BARE = re.compile(r"(?:(?!not|and|or|:=)[^ \t\r\n\b;,=+\-/*%&|^~<>!()])*")
_PV_PARENS = re.compile(r"[^()]*")

_ESCAPES = re.compile(r"\\(x[0-9a-fA-F]{1,2}|[0-7]{2,3}|\n|.)", re.DOTALL)
_SIMPLE_ESC = {"n": "\n", "r": "\r", "a": "\a", "t": "\t", '"': '"', "\\": "\\", "\n": ""}


def _unescape(match: re.Match[str]) -> str:
    body = match.group(1)
    if body in _SIMPLE_ESC:
        return _SIMPLE_ESC[body]
    if body[0] == "x" and len(body) > 1:
        return chr(int(body[1:], 16))
    if len(body) >= 2 and body[0] in "01234567":
        return chr(int(body, 8) & 0xFF)
    return "\\" + body


def decode_dq(raw: str) -> str:
    """Escape processing of a double-quoted string body (§2.3); a NUL truncates."""
    if "\\" in raw:
        raw = _ESCAPES.sub(_unescape, raw)
    nul = raw.find("\0")
    return raw if nul < 0 else raw[:nul]


def scan_pvar(text: str, pos: int, n: int) -> tuple[int, bool]:
    """End offset of the ``$`` token starting at ``pos`` (§2.9); False when EOF cut it."""
    end = _PV_BARE.match(text, pos + 1, n).end()
    if end >= n or text[end] != "(":
        return end, True
    depth = 0
    i = end
    while i < n:
        c = text[i]
        if c == "(":
            depth += 1
            i += 1
        elif c == ")":
            depth -= 1
            i += 1
            if depth == 0:
                return i, True
        else:
            i = _PV_PARENS.match(text, i, n).end()
    return n, False


def _skip_block_comment(text: str, pos: int) -> int:
    """Offset after the nested ``/* */`` comment opened at ``pos``, or -1 if unterminated."""
    depth = 0
    i = pos
    while True:
        o = text.find("/*", i)
        c = text.find("*/", i)
        if c < 0:  # pragma: no branch
            return -1
        if 0 <= o < c:
            depth += 1
            i = o + 2
        else:
            depth -= 1
            i = c + 2
            if depth == 0:
                return i


def tokenize(source: SourceFile, pos: int = 0, stop: int | None = None,
             eof: bool = True) -> tuple[list[Token], list[Diagnostic]]:
    """Tokens of ``source.text[pos:stop]`` (plus EOF when ``eof``) and lexical diagnostics."""
    text = source.text
    n = len(text) if stop is None else stop
    toks: list[Token] = []
    diags: list[Diagnostic] = []
    append = toks.append
    match = MASTER.match
    params = global_param_names()
    while pos < n:
        m = match(text, pos, n)
        if m is None:
            ch = text[pos]
            if ch in "\"'":
                diags.append(error("unterminated string literal", source, pos, pos + 1,
                                   opensips="parse error: syntax error"))
                pos = n
                break
            diags.append(warning(f"stray character {ch!r} ignored (OpenSIPS skips it silently)",
                                 source, pos, pos + 1))
            pos += 1
            continue
        kind = m.lastgroup
        end = m.end()
        if kind == "ws" or kind == "comment":
            pass
        elif kind == "id":
            word = m.group()
            if word in BOOL_WORDS:
                append(Token("NUMBER", BOOL_WORDS[word], pos, end, source))
            elif word in ROUTE_KEYWORDS or word in STATEMENT_KEYWORDS:
                append(Token("KW", word, pos, end, source))
            elif word in params:
                append(Token("PARAM", word, pos, end, source))
            else:
                append(Token("ID", word, pos, end, source))
        elif kind == "op":
            append(Token("OP", m.group(), pos, end, source))
        elif kind == "pvar":
            end, ok = scan_pvar(text, pos, n)
            if not ok:
                diags.append(error("unterminated '(' in variable", source, pos, end,
                                   opensips="parse error: syntax error"))
            append(Token("PVAR", text[pos:end], pos, end, source))
        elif kind == "num":
            t = m.group()
            if t.startswith("0x"):
                value = int(t, 16)
            elif t[0] == "0" and len(t) > 1:
                value = int(t, 8)
            else:
                value = int(t)
            append(Token("NUMBER", value, pos, end, source))
        elif kind == "dq":
            append(Token("STRING", decode_dq(text[pos + 1 : end - 1]), pos, end, source, '"'))
        elif kind == "sq":
            raw = text[pos + 1 : end - 1]
            nul = raw.find("\0")
            append(Token("STRING", raw if nul < 0 else raw[:nul], pos, end, source, "'"))
        elif kind == "ip":
            append(Token("IP", m.group(), pos, end, source))
        elif kind == "bcomment":
            end = _skip_block_comment(text, pos)
            if end < 0:
                diags.append(error("unterminated /* comment", source, pos, pos + 2,
                                   opensips="parse error: syntax error"))
                end = n
        elif kind == "slashes":
            eol = text.find("\n", pos, n)
            end = n if eol < 0 else eol
            diags.append(error("'//' is not a comment in OpenSIPS", source, pos, pos + 2,
                               hint="use '#' or '/* ... */' for comments",
                               opensips="parse error: syntax error"))
        pos = end
    if eof:
        toks.append(Token("EOF", None, n, n, source))
    return toks, diags
