"""Acceptance of issue #6: the samples' tests pass from a wheel in a fresh virtual environment.

This proves that the templates, the runtime packages and the pytest plugin ship inside the
wheel and that the sample tests depend on nothing but the cfg next to them. It builds the
wheel from a copy of the sources (the checkout stays clean), installs it with pytest into a
new venv (pip's cache keeps repeated runs fast) and runs pytest in a copy of samples/.
"""

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("compiler", "runtime", "templates", "pyproject.toml", "README.md")
IGNORE = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", "*_cfg.py", ".coverage*")


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def test_samples_pass_from_an_installed_wheel(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=IGNORE)
        else:
            shutil.copy2(path, src / name)
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(src)],
         cwd=tmp_path)
    wheels = list(dist.glob("osipsc-*.whl"))
    assert len(wheels) == 1

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = str(bindir / "python")
    _run([python, "-m", "pip", "install", "-q", str(wheels[0]), "pytest"], cwd=tmp_path)

    samples = tmp_path / "samples"
    shutil.copytree(ROOT / "samples", samples, ignore=IGNORE)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["OSIPSC_CACHE_DIR"] = str(tmp_path / "cache")
    out = _run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "."], cwd=samples,
               env=env)
    assert " passed" in out and "failed" not in out
    # the tests ran against the installed copy, not this checkout
    where = _run([python, "-c", "import osipsc.runtime, sys; print(osipsc.runtime.__file__)"],
                 cwd=samples, env=env)
    assert str(env_dir) in where
