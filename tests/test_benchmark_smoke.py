"""Smoke test of benchmarks/spatial.py: a tiny run prints the summary line.

The script compiles esda's numba kernels in a fresh process (about 20 s), so
this file takes about half a minute (more beside the other test worker).
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "spatial.py"
SUMMARY = re.compile(
    r"^speedup_vs_esda_loop=(?P<speedup>\S+) engine_seconds=(?P<seconds>\S+) "
    r"peak_rss_mb=(?P<rss>\S+)$"
)


@pytest.fixture(scope="module")
def tiny_run() -> subprocess.CompletedProcess:
    if not SCRIPT.parent.is_dir():
        pytest.skip(f"benchmark folder missing: {SCRIPT.parent}")
    return subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--quick",
            "--n-regions",
            "150",
            "--n-industries",
            "8",
            "--esda-sample",
            "3",
            "--permutations",
            "99",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        # a guard against a hang, not a clock: under `make test` the run
        # shares two cores with the other worker (about 70 s seen)
        timeout=600,
    )


def test_summary_line_format_and_numbers(tiny_run):
    assert tiny_run.returncode == 0, tiny_run.stderr[-2000:]
    lines = tiny_run.stdout.strip().splitlines()
    match = SUMMARY.match(lines[-1])
    assert match is not None, lines[-1]
    speedup, seconds, rss = (float(match[k]) for k in ("speedup", "seconds", "rss"))
    for value in (speedup, seconds, rss):
        assert math.isfinite(value)
        assert value > 0


def test_overrides_and_report_lines(tiny_run):
    assert tiny_run.returncode == 0, tiny_run.stderr[-2000:]
    out = tiny_run.stdout
    assert "data: 150 regions x 8 industries" in out
    for label in ("esda Moran:", "esda Local Moran:", "esda Gi*:"):
        assert re.search(rf"^{re.escape(label)} \d+\.\d+ s/industry", out, re.M), out
    assert re.search(r"^engine \S+ cold .* \d+\.\d+ s", out, re.M), out
    assert "agreement on 3 industries" in out
    # progress goes to stderr, not stdout
    assert "esda loop" in tiny_run.stderr
    assert "esda loop" not in out
