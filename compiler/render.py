"""Render model → module text: Jinja2 templates, black, line map, ``compile()`` check.

The templates write one marker comment (``# @L<n>: <cfg text>``) above every statement and
route; ``n`` is numbered per route (0 is the route header). black formats the module one
top-level block at a time through ``emit.format_module`` and its cache, so an unchanged
route never reaches black and an edit in one route leaves every other block's cache key
alone. After formatting, the markers become plain comments and their positions give the line
map (generated line → cfg file, line) appended at the end — so line numbers never appear
inside route bodies and editing one route only changes that route.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import jinja2
from osipsc import runtime
from osipsc.templates import __file__ as _templates_init

from . import syntax as ast
from .emit import BLACK_MODE, FormatCache, format_module
from .lower import Module, lower, py_literal

_MARKER = re.compile(r"^(\s*)# @L(\d+):(?: (.*))?$")
_WORD = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment (plain text: no autoescape; templates keep their newlines)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(_templates_init).parent)),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def _imports(text: str) -> str:
    used = set(_WORD.findall(text))
    names = [n for n in runtime.exported if n in used]
    if "Script" not in names:
        names.append("Script")
    return "(\n" + "".join(f"    {n},\n" for n in sorted(names)) + ")"


def _black_str(value: str) -> str | None:
    """``value`` as black writes a string literal, or None when unsure (black decides)."""
    text = py_literal(value)
    return text if text[0] == '"' and "\\" not in text else None


def _line_map(files: list[str], entries: list[tuple[int, int, int]],
              cache: FormatCache | None) -> str:
    """The line-map call, written directly in black's style.

    It changes whenever any line moves, so sending it through black would import black on
    every edit; the shape is fixed, so it is written formatted. The rare shapes whose black
    layout differs (nothing to map, a file name too long for one line) go through black.
    """
    limit = BLACK_MODE["line_length"]
    quoted = [_black_str(f) for f in files]
    names = [n for n in quoted if n is not None]
    out = ["script.set_line_map(\n"]
    if len(names) == 1:
        out.append(f"    ({names[0]},),\n")
    else:
        out.append("    (\n")
        out += [f"        {n},\n" for n in names]
        out.append("    ),\n")
    out.append("    (\n")
    out += [f"        ({g}, {fi}, {ln}),\n" for g, fi, ln in entries]
    out.append("    ),\n")
    out.append(")\n")
    text = "".join(out)
    if (not names or len(names) != len(files) or not entries
            or any(len(line) > limit + 1 for line in out)):
        return format_module(text, cache)
    return text


def _extract_markers(text: str, model: Module) -> tuple[str, list[tuple[int, int, int]]]:
    """Turn markers into comments and collect (generated line, file index, cfg line).

    A marker at column 0 is a route header: it starts the next route's marker table.
    """
    lines = text.split("\n")
    entries: list[tuple[int, int, int]] = []
    pending: int | None = None
    route = -1
    locations: list[tuple[int, int]] = []
    for i, line in enumerate(lines):
        if pending is None and "# @L" not in line:
            continue
        m = _MARKER.match(line)
        if m is not None:
            lines[i] = f"{m.group(1)}# {m.group(3)}" if m.group(3) else f"{m.group(1)}#"
            if not m.group(1):
                route += 1
                locations = model.routes[route].locations
            pending = int(m.group(2))
            continue
        if pending is not None and line.strip() and not line.lstrip().startswith("#"):
            fidx, cfg_line = locations[pending]
            entries.append((i + 1, fidx, cfg_line))
            pending = None
    return "\n".join(lines), entries


def render_model(model: Module, cache: FormatCache | None = None) -> str:
    """Module text for a render model (formatted block by block through ``cache``, line map
    appended, compile-checked)."""
    text = environment().get_template("module.py.j2").render(m=model)
    text = text.replace("__IMPORTS__", _imports(text), 1)
    text = format_module(text, cache)
    text, entries = _extract_markers(text, model)
    text = text.replace("__LINE_MAP__\n", _line_map(model.files, entries, cache), 1)
    compile(text, model.source, "exec")
    return text


def render_script(script: ast.Script, source_name: str, version: str | None = None,
                  cache: FormatCache | None = None) -> str:
    """Generated module text for a parsed script (``cache``: the per-block format cache)."""
    if version is None:
        from . import __version__

        version = __version__
    return render_model(lower(script, source_name, version), cache)


class CompileFailed(Exception):
    """The cfg has errors; ``diagnostics`` holds them (the first error is what OpenSIPS
    would refuse the script with)."""

    def __init__(self, diagnostics: list) -> None:
        errors = [d for d in diagnostics if d.is_error]
        super().__init__(errors[0].render() if errors else "compile failed")
        self.diagnostics = diagnostics


def compile_cfg(path: Path, root: Path | None = None) -> str:
    """Parse, check and render a cfg file (raises ``CompileFailed`` on errors)."""
    from .frontend import load_script
    from .lower import LowerError

    path = Path(path)
    script, diags = load_script(path, root=root if root is not None else path.parent)
    if script is None or any(d.is_error for d in diags):
        raise CompileFailed(diags)
    try:
        return render_script(script, script.main.name)
    except LowerError as exc:
        from .diagnostics import error

        src = exc.span.source if exc.span is not None else script.main
        start = exc.span.start if exc.span is not None else 0
        raise CompileFailed([error(str(exc), src, start, opensips=str(exc))]) from exc


def load_cfg_module(path: Path, root: Path | None = None):  # noqa: ANN201 (a module)
    """Compile a cfg file and import the result in memory (no file is written)."""
    from osipsc.runtime.script import module_from_text

    path = Path(path)
    text = compile_cfg(path, root)
    module = module_from_text(text, f"<osipsc: {path.name}>", path.stem)
    module.script.cfg_root = str(root if root is not None else path.parent)
    return module


def render_text(name: str, text: str) -> str:
    """Generated module text for cfg ``text`` (raises ``CompileFailed`` on errors)."""
    from .frontend import parse_text

    script, diags = parse_text(name, text)
    if script is None or any(d.is_error for d in diags):
        raise CompileFailed(diags)
    return render_script(script, name)


def load_text_module(name: str, text: str):  # noqa: ANN201 (a module)
    """Compile cfg ``text`` and import the result in memory (tests, REPL)."""
    from osipsc.runtime.script import module_from_text

    return module_from_text(render_text(name, text), f"<osipsc: {name}>", "osipsc_generated")
