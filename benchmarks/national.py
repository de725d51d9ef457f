"""All of Brazil: wall time and peak memory of the national run, per stage.

Usage::

    python benchmarks/national.py [--data DIR] [--cases example,groups,classes]
                                  [--permutations auto] [--cores 2]

Cases (each in its own process, pinned to ``--cores`` CPUs):

``example``
    ``examples/brazil_rais2015.toml`` as written (IBGE 2022 mesh, RAIS 2015
    establishments by CNAE group, manufacturing, reference areas "both"),
    GeoPackage and maps, without the atlas: the issue's target run
    (< 90 s and < 4 GB end to end on 2 cores).
``groups``
    All 285 CNAE groups (every section, not only manufacturing), per-state
    reference areas, GeoPackage only, one period.
``classes``
    673 CNAE classes. No national class table is published with the test
    data, so the 2015 group counts are split among each group's classes
    (multinomial, fixed seed) into a synthetic wide table of the real shape;
    per-state reference areas, GeoPackage only, one period.

For every case it prints one line per stage (seconds and the peak resident
memory reached during the stage), the end-to-end wall time and peak, and
ratio lines against the targets and against a reference measured in the same
run: esda's ``Moran_Local`` + ``G_Local`` on a sample of industries of the
same data, extrapolated to every industry and reference area
(``speedup_vs_esda_loop``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "brazil_rais2015.toml"
TARGET_S = 90.0
TARGET_GB = 4.0


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class _Sampler(threading.Thread):
    """Samples this process's resident memory; tracks the peak per stage."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stage_peak = 0.0
        self.stop = False

    def run(self) -> None:
        while not self.stop:
            self.stage_peak = max(self.stage_peak, _rss_mb())
            time.sleep(0.02)

    def take(self) -> float:
        peak = max(self.stage_peak, _rss_mb())
        self.stage_peak = _rss_mb()
        return peak


def _data_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    return Path(os.environ.get("LPS_GEO_DATA", ROOT.parent / "shared" / "data"))


def _class_table(data: Path, folder: Path) -> Path:
    """Split the 2015 group counts into classes: a synthetic national table."""
    import numpy as np

    from lps_geo.io import read_cnae_table, read_wide

    cnae = read_cnae_table(data / "lookups" / "CNAE20_EstruturaDetalhada.xls")
    tables = read_wide(
        data / "employment" / "RAIS_N_ESTABELECIMENTOS_2015_ALTERADO.csv",
        region_column="ID_do_municipio",
        measure="establishments",
        industry_names="title",
        cnae=cnae,
        industry_level="group",
    )
    groups = tables.establishments
    classes = cnae.codes("class")
    rng = np.random.default_rng(2015)
    columns = {}
    for group in groups.columns:
        members = [c for c in classes if c.startswith(group)]
        counts = groups[group].to_numpy(dtype=np.int64)
        p = rng.dirichlet(np.ones(len(members)))
        split = np.stack([rng.multinomial(n, p) for n in counts])
        for j, code in enumerate(members):
            columns[code] = split[:, j]
    import pandas as pd

    frame = pd.DataFrame(columns, index=groups.index)
    frame.index.name = "region"
    path = folder / "rais2015_classes_synthetic.csv"
    frame.to_csv(path)
    return path


def _config(case: str, data: Path, folder: Path, permutations: int | str):
    from lps_geo.config import SizeInput, load_config

    cfg = load_config(EXAMPLE)
    a = cfg.analysis
    st = replace(cfg.statistics, permutations=permutations)
    if case == "example":
        return replace(
            cfg, statistics=st, output=replace(cfg.output, atlas=False, maps=True)
        )
    out = replace(cfg.output, atlas=False, maps=False)
    cfg = replace(cfg, comparison=None)  # one period: the scale of the analysis
    if case == "groups":
        return replace(
            cfg,
            statistics=st,
            output=out,
            analysis=replace(a, reference_area="state", industries="all"),
        )
    path = _class_table(data, folder)
    size = SizeInput(
        path=path,
        form="wide",
        region_column="region",
        measure="establishments",
        industry_names="code",
        outside_boundaries="drop",
    )
    return replace(
        cfg,
        statistics=st,
        output=out,
        inputs=replace(cfg.inputs, size=size),
        analysis=replace(
            a, industry_level="class", reference_area="state", industries="all"
        ),
    )


def _esda_reference(result, data_cfg, sample: int) -> float:
    """Seconds esda needs for LISA + Gi* per industry, times every industry."""
    import warnings

    import numpy as np
    from esda import G_Local, Moran_Local

    from lps_geo.stats.weights import build_weights

    graph, _ = build_weights(
        result.municipalities.set_index("region"), data_cfg.statistics.weights
    )
    w = graph.to_W()
    ind = result.indicators
    industries = ind["industry"].unique()
    rng = np.random.default_rng(0)
    picks = rng.choice(industries, size=min(sample, len(industries)), replace=False)
    y0 = ind[ind["industry"] == picks[0]].set_index("region")["ql"]
    y0 = y0.reindex(w.id_order).fillna(0.0).to_numpy()
    # esda has no sequential mode: with "auto" it runs the first 999 draws
    esda_r = data_cfg.statistics.permutations
    esda_r = 999 if esda_r == "auto" else esda_r
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Moran_Local(y0, w, permutations=99, seed=1)  # compile numba once
        G_Local(y0, w, star=True, permutations=99, seed=1)
        t0 = time.perf_counter()
        for code in picks:
            y = ind[ind["industry"] == code].set_index("region")["ql"]
            y = y.reindex(w.id_order).fillna(0.0).to_numpy()
            Moran_Local(y, w, permutations=esda_r, seed=1)
            G_Local(y, w, star=True, permutations=esda_r, seed=1)
        per = (time.perf_counter() - t0) / len(picks)
    n_runs = len(industries) * (2 if data_cfg.analysis.reference_area == "both" else 1)
    return per * n_runs


def run_case(case: str, data: Path, permutations: int | str, esda_sample: int) -> dict:
    """Run one case in this process; return timings and memory peaks."""
    import lps_geo
    from lps_geo.export import write_geopackage
    from lps_geo.render.maps import write_maps

    sampler = _Sampler()
    sampler.start()
    stages: dict[str, list[float]] = {}
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cfg = _config(case, data, folder, permutations)
        prep = time.perf_counter() - t_start
        sampler.take()
        t0 = time.perf_counter()
        last = {"name": None, "t": t0}

        def progress(stage: str, i: int, n: int) -> None:
            now = time.perf_counter()
            if last["name"] is not None:
                key = last["name"].split(" [")[0]
                if key.startswith("comparison"):
                    key = "comparison"
                s = stages.setdefault(key, [0.0, 0.0])
                s[0] += now - last["t"]
                s[1] = max(s[1], sampler.take())
            last.update(name=stage, t=now)

        results = lps_geo.run_all(cfg, progress=progress)
        progress("end", 0, 0)
        # seconds from the runs' own timings (they include the comparison
        # of two periods); peaks from the sampler
        seconds: dict[str, float] = {}
        for r in results.values():
            for k, v in r.report.timings_s.items():
                if k != "total" and not (k == "read inputs" and k in seconds):
                    seconds[k] = seconds.get(k, 0.0) + v
        stages = {
            k: [seconds[k], stages.get(k, [0.0, 0.0])[1]]
            for k in list(stages) + [k for k in seconds if k not in stages]
            if k in seconds
        }
        for area, result in results.items():
            t = time.perf_counter()
            write_geopackage(result, folder / f"{area}.gpkg", lang=cfg.output.lang)
            s = stages.setdefault("export", [0.0, 0.0])
            s[0] += time.perf_counter() - t
            s[1] = max(s[1], sampler.take())
            if cfg.output.maps:
                t = time.perf_counter()
                write_maps(result, folder / f"maps_{area}", lang=cfg.output.lang)
                s = stages.setdefault("maps", [0.0, 0.0])
                s[0] += time.perf_counter() - t
                s[1] = max(s[1], sampler.take())
        wall = time.perf_counter() - t0
        sampler.stop = True
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        first = next(iter(results.values()))
        esda = _esda_reference(first, cfg, esda_sample) if esda_sample else None
    stats_s = stages.get("spatial statistics", [0.0])[0]
    return {
        "case": case,
        "regions": int(len(first.municipalities)),
        "industries": int(first.indicators["industry"].nunique()),
        "reference_areas": list(results),
        "n_lps": {a: int(len(r.lps)) for a, r in results.items()},
        "stages": {k: [round(v[0], 2), round(v[1])] for k, v in stages.items()},
        "wall_s": round(wall, 2),
        "peak_mb": round(peak),
        "prepare_s": round(prep, 2),
        "statistics_s": round(stats_s, 2),
        "esda_estimate_s": round(esda, 1) if esda else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", help="shared data folder (default $LPS_GEO_DATA)")
    ap.add_argument("--cases", default="example,groups,classes")
    ap.add_argument(
        "--permutations",
        type=lambda v: v if v == "auto" else int(v),
        default="auto",
        help='"auto" (sequential draws, the default) or a whole number',
    )
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--esda-sample", type=int, default=2)
    ap.add_argument("--case", help=argparse.SUPPRESS)  # child process
    args = ap.parse_args()
    data = _data_dir(args.data)
    if not (data / "employment" / "RAIS_N_ESTABELECIMENTOS_2015_ALTERADO.csv").exists():
        sys.exit(f"real data not available in {data} (pass --data or set LPS_GEO_DATA)")
    if args.case:
        out = run_case(args.case, data, args.permutations, args.esda_sample)
        print(json.dumps(out))
        return
    env = {
        **os.environ,
        "LPS_GEO_DATA": str(data),
        "NUMBA_NUM_THREADS": str(args.cores),
        "OMP_NUM_THREADS": str(args.cores),
    }
    cpus = sorted(os.sched_getaffinity(0))[: args.cores]
    for case in args.cases.split(","):
        cmd = [
            "taskset",
            "-c",
            ",".join(map(str, cpus)),
            sys.executable,
            __file__,
            "--case",
            case,
            "--data",
            str(data),
            "--permutations",
            str(args.permutations),
            "--esda-sample",
            str(args.esda_sample),
        ]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if proc.returncode:
            sys.exit(f"case {case} failed:\n{proc.stderr[-3000:]}")
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(
            f"== {case}: {r['regions']} regions x {r['industries']} industries, "
            f"reference areas {', '.join(r['reference_areas'])}, LPS {r['n_lps']}"
        )
        for name, (sec, mb) in r["stages"].items():
            peak = f"peak {mb:6d} MB" if mb else "(peak within assemble's)"
            print(f"  {name:20s} {sec:8.2f} s  {peak}")
        print(
            f"  {'total':20s} {r['wall_s']:8.2f} s  peak {r['peak_mb']:6d} MB "
            f"(+{r['prepare_s']:.1f} s preparing the case)"
        )
        print(
            f"  wall_over_target={r['wall_s'] / TARGET_S:.3f} "
            f"peak_over_target={r['peak_mb'] / 1024 / TARGET_GB:.3f}"
        )
        if r["esda_estimate_s"]:
            esda, ours = r["esda_estimate_s"], r["statistics_s"]
            print(
                f"  speedup_vs_esda_loop={esda / ours:.1f} (esda LISA + Gi* for "
                f"every industry: about {esda:.0f} s; our statistics stage "
                f"{ours:.1f} s)"
            )


if __name__ == "__main__":
    main()
