"""Time each stage of the demo run; print the share of the statistics stage.

Usage: python benchmarks/demo_stages.py [--repeat N]

The first run in a process loads (or, without a cache, compiles) the numba
kernels; the script reports it separately (cold) from the warm runs that
follow, and the share of the statistics stage in the whole run.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace
from pathlib import Path

import lps_geo
from lps_geo.config import load_config

DEMO = Path(__file__).resolve().parents[1] / "data" / "shapefiles" / "demo.toml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    cfg = load_config(DEMO)
    cfg = replace(cfg, output=replace(cfg.output, maps=False))
    runs = []
    for i in range(args.repeat + 1):
        t0 = time.perf_counter()
        res = lps_geo.run(cfg)
        wall = time.perf_counter() - t0
        runs.append((wall, res.report.timings_s))
        label = "cold" if i == 0 else f"warm {i}"
        print(
            f"{label:8s} total {wall:7.2f} s  "
            + "  ".join(
                f"{k} {v:.2f}" for k, v in res.report.timings_s.items() if k != "total"
            )
        )
    warm = runs[1:]
    med = statistics.median(w for w, _ in warm)
    stats = statistics.median(t["spatial statistics"] for _, t in warm)
    print(
        f"warm median {med:.2f} s; statistics {stats:.2f} s = "
        f"{stats / med:.0%} of the run; cold/warm = {runs[0][0] / med:.2f}"
    )


if __name__ == "__main__":
    main()
