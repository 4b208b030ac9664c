"""From rendered module text to the bytes on disk: black, a content cache, atomic writes.

Why this shape:
- a module is split into top-level blocks (the header and bindings, one per route function)
  and joined with the blank lines black itself puts between them, so each block can be
  cached on its own; the blocks a compile does not find in the cache go through black in one
  call (black's fixed cost per call is larger than a small route);
- each formatted block is cached under a key made of the osipsc version, black's version and
  mode, and the block's rendered text, so recompiling an unchanged config never imports black,
  and editing one route formats only that route; a whole-module entry (keyed by the cfg
  bytes, with its included files' hashes and its warnings) skips the front end as well;
- outputs are written to a temporary file in the target folder and renamed over the target,
  so an interrupted compile never leaves a half-written module (Mako does the same).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from . import __version__

BLACK_MODE = {"line_length": 88, "target_versions": ("py310",)}
"""The black mode of generated modules (part of the cache key)."""


@lru_cache(maxsize=1)
def black_version() -> str:
    """black's version from its distribution metadata, without importing black."""
    try:
        return metadata.version("black")
    except metadata.PackageNotFoundError:  # pragma: no cover - black is a dependency
        return "absent"


@lru_cache(maxsize=1)
def compiler_fingerprint() -> str:
    """Size and mtime of every file that shapes generated text (compiler, templates, export
    tables, the runtime's exported names): a whole-module cache entry written by other
    compiler code -- an edited checkout with the same version number -- never matches."""
    from importlib.util import find_spec

    here = Path(__file__).parent
    files = [*here.glob("*.py"), *(here / "data").glob("*.tsv")]
    for package in ("osipsc.templates", "osipsc.runtime"):  # located, not imported
        spec = find_spec(package)
        if spec is not None and spec.origin:
            origin = Path(spec.origin)
            files += [origin, *origin.parent.glob("*.j2")]
    files.sort()
    digest = hashlib.sha256()
    for path in files:
        try:
            st = path.stat()
        except OSError:
            continue
        digest.update(f"{path.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def default_cache_dir() -> Path:
    """``$OSIPSC_CACHE_DIR``, else the platform's user cache folder + ``osipsc``."""
    env = os.environ.get("OSIPSC_CACHE_DIR")
    if env:
        return Path(env)
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    elif os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "osipsc"


class FormatCache:
    """Formatted blocks on disk, one file per key; anything unreadable is a miss."""

    MAGIC = "osipsc-format-cache 1\n"

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def key(self, text: str) -> str:
        digest = hashlib.sha256()
        for part in (__version__, black_version(), repr(sorted(BLACK_MODE.items())), text):
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / f"{key}.py"

    def get(self, key: str) -> str | None:
        """The cached block, or None when absent, corrupt or written by someone else."""
        if self.folder is None:
            return None
        try:
            data = self._path(key).read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        header, sep, body = data.partition("\n")
        if not sep or header + "\n" != f"{self.MAGIC.rstrip()} {key}\n":
            return None
        return body

    def put(self, key: str, formatted: str) -> None:
        if self.folder is None:
            return
        try:
            write_atomic(self._path(key), f"{self.MAGIC.rstrip()} {key}\n{formatted}")
        except OSError:
            pass  # a cache that cannot be written only costs speed

    # Whole modules: recompiling an unchanged config skips the front end and lowering too.
    def module_key(self, cfg: Path, root: Path, source_name: str, data: bytes) -> str:
        digest = hashlib.sha256()
        for part in ("module", __version__, compiler_fingerprint(), black_version(),
                     repr(sorted(BLACK_MODE.items())), str(cfg.resolve()), str(root.resolve()),
                     source_name):
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
        digest.update(data)
        return digest.hexdigest()

    def get_module(self, key: str) -> tuple[str, list[Path], list[CachedWarning]] | None:
        """(module text, included files, warnings) when every included file is unchanged."""
        entry = self.get(key)
        if entry is None:
            return None
        head, sep, text = entry.partition("\n")
        try:
            meta = json.loads(head) if sep else None
            includes = meta["includes"]
            warnings = [CachedWarning(str(r), str(j), str(p)) for r, j, p in meta["warnings"]]
        except (ValueError, TypeError, KeyError):
            return None
        if not isinstance(includes, list):
            return None
        paths = []
        for item in includes:
            if not (isinstance(item, list) and len(item) == 2):
                return None
            path = Path(str(item[0]))
            try:
                if hashlib.sha256(path.read_bytes()).hexdigest() != item[1]:
                    return None
            except OSError:
                return None
            paths.append(path)
        return text, paths, warnings

    def put_module(self, key: str, text: str, included: list[Path], warnings: list) -> None:
        """Store a module with its included files' hashes and its warnings (rendered both
        ways, so a cached compile prints exactly what a fresh one would)."""
        try:
            includes = [[str(p.resolve()), hashlib.sha256(p.read_bytes()).hexdigest()]
                        for p in included]
        except OSError:
            return
        meta = {"includes": includes,
                "warnings": [[w.render(), w.to_json(), w.path] for w in warnings]}
        self.put(key, json.dumps(meta) + "\n" + text)


class CachedWarning:
    """A warning replayed from a whole-module cache entry (what commands use of a
    ``Diagnostic``: ``is_error``, ``has_location``, ``path``, ``render()``, ``to_json()``)."""

    is_error = False
    has_location = True

    def __init__(self, rendered: str, as_json: str, path: str) -> None:
        self._rendered = rendered
        self._json = as_json
        self.path = path

    def render(self, path: str | None = None) -> str:
        if path and self._rendered.startswith(self.path + ":"):
            return path + self._rendered[len(self.path):]
        return self._rendered

    def to_json(self, path: str | None = None) -> str:
        if not path:
            return self._json
        obj = json.loads(self._json)
        obj["path"] = path
        return json.dumps(obj, ensure_ascii=False)


def split_top_level(source: str) -> list[str]:
    """Split module text into top-level blocks (a def with its decorators and leading
    comments, or a run of simple statements) that black can format independently."""
    lines = source.splitlines(keepends=True)
    tree = ast.parse(source)
    starts: list[int] = []
    previous_simple = False
    for node in tree.body:
        is_def = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        if is_def or not previous_simple:
            starts.append(first - 1)
        previous_simple = not is_def
    if not starts:
        return [source]
    # Comments and blank lines just above a block belong to it.
    for i, start in enumerate(starts):
        floor = starts[i - 1] + 1 if i else 0
        while start > floor and lines[start - 1].lstrip().startswith("#"):
            start -= 1
        starts[i] = start
    starts[0] = 0
    bounds = starts + [len(lines)]
    return ["".join(lines[a:b]) for a, b in zip(bounds, bounds[1:], strict=False) if a < b]


_SEPARATOR = "def __osipsc_block_separator__():\n    pass\n"
"""Put between the blocks of one black call, so that neighbouring runs of simple statements
are not merged and the output splits back into exactly the blocks that went in."""


@lru_cache(maxsize=1)
def _black() -> tuple[object, object]:
    """(one black pass, mode) -- black is imported here, only on a cache miss."""
    import black

    mode = black.Mode(
        line_length=BLACK_MODE["line_length"],
        target_versions={black.TargetVersion.PY310},
    )
    once = getattr(black, "_format_str_once", None)
    if once is None:  # pragma: no cover - every black >= 22 has it
        once = black.format_str
    return (lambda text: once(text, mode=mode)), mode


def _black_pass(blocks: list[str]) -> list[str]:
    """One black pass over several blocks in a single call (black's fixed cost per call is
    larger than the formatting of a small route)."""
    if len(blocks) == 1:
        return [_black()[0](blocks[0])]  # type: ignore[operator]
    joined = ("\n\n" + _SEPARATOR + "\n\n").join(blocks)
    out = _black()[0](joined)  # type: ignore[operator]
    pieces = [b for b in split_top_level(out) if b.strip("\n") + "\n" != _SEPARATOR]
    if len(pieces) != len(blocks):  # pragma: no cover - defensive: format one by one
        return [_black()[0](b) for b in blocks]  # type: ignore[operator]
    return [p.strip("\n") + "\n" for p in pieces]


def black_blocks(blocks: list[str]) -> list[str]:
    """black's formatting of each block, batched into one black call.

    ``black.format_str`` runs its formatter a second time whenever the first run changed
    something: a trailing comma added by the first run becomes a *magic* trailing comma for
    the second and, in rare layouts with optional parentheses, changes the split. That
    second run doubles black's cost, and over every corpus config it never changes a byte of
    generated code (354 changed blocks, 0 second-run differences), so one run is used.
    tests/test_corpus_codegen.py keeps this honest: every corpus module must equal
    ``black.format_str`` of itself and pass ``black --check``.
    """
    return _black_pass(blocks)


def _black_format(text: str) -> str:
    return black_blocks([text])[0]


def _is_def_block(block: str) -> bool:
    for line in block.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return stripped.startswith(("def ", "@", "class ", "async def "))
    return False


def format_module(source: str, cache: FormatCache | None = None) -> str:
    """black-format ``source`` block by block, through the cache."""
    bodies = [block.strip("\n") + "\n" for block in split_top_level(source)]
    keys = [cache.key(body) for body in bodies] if cache is not None else []
    done: list[str | None] = [cache.get(k) for k in keys] if cache is not None else [
        None] * len(bodies)
    missing = [i for i, text in enumerate(done) if text is None]
    if missing:
        for i, text in zip(missing, black_blocks([bodies[i] for i in missing]), strict=True):
            done[i] = text
            if cache is not None:
                cache.put(keys[i], text)
    out: list[str] = []
    previous_def = False
    for index, body in enumerate(bodies):
        formatted = done[index]
        assert formatted is not None
        is_def = _is_def_block(body)
        if index:
            out.append("\n\n" if (is_def or previous_def) else "\n")
        out.append(formatted)
        previous_def = is_def
    return "".join(out)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def iter_cfg_files(paths: Iterable[Path]) -> list[tuple[Path, Path]]:
    """Expand files and folders into ``(cfg file, compile root)`` pairs, sorted.

    A folder contributes every ``*.cfg`` below it, with the folder as root; a file its own
    folder as root.
    """
    found: list[tuple[Path, Path]] = []
    for path in paths:
        if path.is_dir():
            found.extend((p, path) for p in sorted(path.rglob("*.cfg")) if p.is_file())
        else:
            found.append((path, path.parent))
    return found
