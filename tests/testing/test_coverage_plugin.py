"""cfg line coverage: coverage.py with the osipsc plugin reports the lines a test ran."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "samples"

# the proxy fixture's REGISTER: main route → route[register] → exit
REGISTER = {30, 31, 36, 41, 46, 52, 53, 54, 72, 73, 77, 82, 83}
# an INVITE to an unknown user: main route → route[to_user] → 404 and exit
INVITE_UNKNOWN = {30, 31, 36, 41, 46, 52, 57, 62, 68, 69, 100, 101, 102, 103, 104}


def test_coverage_reports_the_cfg_lines_the_test_ran(tmp_path: Path) -> None:
    shutil.copytree(SAMPLES / "residential", tmp_path / "residential",
                    ignore=shutil.ignore_patterns("__pycache__", "*_cfg.py"))
    (tmp_path / ".coveragerc").write_text(
        "[run]\nplugins = osipsc.runtime.coverage_plugin\nsource = residential\n")
    env = dict(os.environ, COVERAGE_FILE=str(tmp_path / ".coverage"))
    run = subprocess.run(
        [sys.executable, "-m", "coverage", "run", "-m", "pytest", "-q", "-p",
         "no:cacheprovider", "residential/test_residential.py", "-k", "unknown_user"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    report = subprocess.run([sys.executable, "-m", "coverage", "json", "-o", "cov.json"],
                            cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=300)
    assert report.returncode == 0, report.stdout + report.stderr
    files = json.loads((tmp_path / "cov.json").read_text())["files"]
    cfg = files[os.path.join("residential", "residential.cfg")]
    assert set(cfg["executed_lines"]) == REGISTER | INVITE_UNKNOWN
    missing = set(cfg["missing_lines"])
    # statements the test did not reach are reported missing, comments/blank lines are not
    assert {32, 33, 111, 112, 118, 124} <= missing
    assert not missing & {1, 29, 70, 71}
    # generated modules never show up: only the cfg stands for the script
    assert not [f for f in files if f.endswith("_cfg.py")]
