"""Code generation over the shared corpus (issue #3 acceptance).

Every corpus config the front end accepts (zero errors) must compile through
``osipsc compile`` (all cores, a fresh cache), its module must import, and the generated
folder must pass ``black --check`` (which is also the proof that formatting route by route
gives black's bytes for the whole module) and ``ruff check --select F``. black and ruff run
once over the folder, not per file, to keep this test fast.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from osipsc.compiler.cli import main
from osipsc.compiler.frontend import load_script
from osipsc.compiler.pipeline import output_path

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
FILES = CORPUS / "files"

pytestmark = pytest.mark.skipif(not (CORPUS / "manifest.tsv").is_file(),
                                reason="shared corpus not present")

# Modules that compile but whose import fails on a runtime gap (not a code generation bug);
# strict: each must fail with exactly this message, so a fix in the runtime shows up here.
IMPORT_GAPS: dict[str, str] = {}


def accepted_configs() -> list[Path]:
    """Corpus configs the front end accepts with zero errors."""
    found = []
    for path in sorted(FILES.rglob("*.cfg")):
        script, diags = load_script(path, root=path.parent)
        if script is not None and not any(d.is_error for d in diags):
            found.append(path)
    return found


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("corpus_out")
    cache = tmp_path_factory.mktemp("corpus_cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("OSIPSC_CACHE_DIR", str(cache))
    try:
        main(["compile", str(FILES), "-o", str(out)])  # exit 1: rejected files
    finally:
        mp.undo()
    return out, accepted_configs()


def test_every_accepted_config_compiles_and_imports(compiled: tuple[Path, list[Path]]) -> None:
    """Each accepted config has its module, and executing it builds the script."""
    out, accepted = compiled
    assert len(accepted) > 100
    missing = [p for p in accepted if not output_path(p, FILES, out).is_file()]
    assert missing == []
    failures = []
    for i, cfg in enumerate(accepted):
        target = output_path(cfg, FILES, out)
        spec = importlib.util.spec_from_file_location(f"corpus_mod_{i}", target)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # noqa: BLE001 - collected and reported together
            failures.append((cfg.relative_to(FILES).as_posix(), f"{type(exc).__name__}: {exc}"))
            continue
        assert module.script.source == cfg.relative_to(FILES).as_posix(), cfg
    assert dict(failures) == IMPORT_GAPS


def test_black_and_pyflakes_accept_every_module(compiled: tuple[Path, list[Path]]) -> None:
    out, _ = compiled
    black = subprocess.run([sys.executable, "-m", "black", "--check", "-q", str(out)],
                           capture_output=True, text=True)
    assert black.returncode == 0, black.stderr[-3000:]
    ruff = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated",
                           "--select", "F", "--output-format", "concise", str(out)],
                          capture_output=True, text=True)
    assert ruff.returncode == 0, ruff.stdout[-3000:]
