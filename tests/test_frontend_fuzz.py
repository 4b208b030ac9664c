"""Property test: mutated corpus files produce diagnostics, never an exception."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from osipsc.compiler.frontend import parse_text
from osipsc.compiler.lexer import tokenize
from osipsc.compiler.source import SourceFile

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "files"
SEEDS = sorted(CORPUS.rglob("*.cfg"))[:60:3] if CORPUS.is_dir() else []
FALLBACK = ('loadmodule "sl.so"\nroute {\n if ($(avp(x)[1]{s.len}) > 2 && is_method("A")) '
            '{ xlog("x $rU\\n"); route(r, 1); }\n switch ($rU) { case "1": break; }\n}\n'
            'route[r] { return(1, $param(1)); }\n')


def texts() -> list[str]:
    return [p.read_bytes().decode("latin-1") for p in SEEDS] or [FALLBACK]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(texts()))
    toks, _ = tokenize(SourceFile("m", text))
    spans = [(t.start, t.end) for t in toks[:-1]] or [(0, 0)]
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["drop", "dup", "swap", "truncate", "insert"]))
        i = draw(st.integers(0, len(spans) - 1))
        a, b = spans[i]
        b = min(b, len(text))
        a = min(a, b)
        if op == "drop":
            text = text[:a] + text[b:]
        elif op == "dup":
            text = text[:b] + " " + text[a:b] + text[b:]
        elif op == "swap":
            j = draw(st.integers(0, len(spans) - 1))
            c, d = spans[j]
            if d <= len(text) and (c, d) != (a, b) and (d <= a or c >= b):
                (x1, x2), (y1, y2) = sorted([(a, b), (c, d)])
                text = text[:x1] + text[y1:y2] + text[x2:y1] + text[x1:x2] + text[y2:]
        elif op == "truncate":
            text = text[:a]
        else:
            junk = draw(st.binary(min_size=1, max_size=6)).decode("latin-1")
            junk = draw(st.sampled_from([junk, "\x00", "\xff\xfe", "$", "$(", "{", '"', "/*"]))
            text = text[:a] + junk + text[a:]
        spans = [(x, y) for x, y in spans if y <= len(text)] or [(0, 0)]
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_mutations_only_give_diagnostics(text: str) -> None:
    script, diags = parse_text("fuzz.cfg", text)
    for d in diags:
        d.render()
        d.to_json()
    assert script is not None or any(d.is_error for d in diags)
