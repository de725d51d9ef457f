"""Time the statistics engine against the per-industry PySAL esda loop and
GeoDa's engine (pygeoda), with each engine's peak memory.

Usage::

    python benchmarks/spatial.py [--quick] [--permutations 999|auto]
                                 [--seed 12345] [--esda-sample N]
                                 [--engine numba] [--repeat 1] [--gi-null G]
                                 [--pygeoda-sample N] [--rmax-sample N]
                                 [--no-pygeoda] [--no-memory]

A synthetic municipal mesh (Voronoi cells of seeded random points in a
4,000 km square in EPSG:5880 coordinates; 5,570 cells like Brazil's
municipalities, 600 with ``--quick``) carries K zero-heavy industries (673,
60 with ``--quick``) with planted contiguous high-value blobs; the analysed
variable is the location quotient (Suzigan, Furtado & Garcia 2006) against a
region total that includes a "rest of the economy".

References, each one industry at a time and timed on a sample of industries
after one warm-up call (compilation excluded), then scaled to K:

* PySAL esda: global Moran (Moran 1950), Local Moran (Anselin 1995) and
  Getis-Ord Gi* (Getis & Ord 1992; Ord & Getis 1995); the warm-up absorbs
  numba's compilation (reported separately as the cold time).
* GeoDa's engine through pygeoda (``benchmarks/_pygeoda_ref.py``; optional,
  ``pip install -e .[bench]``): ``pygeoda.local_moran`` and
  ``pygeoda.local_gstar`` per industry with the lookup-table permutation
  method, 2 threads (``--pygeoda-threads``) and a fixed seed, weights from
  ``pygeoda.queen_weights`` on the same mesh (same regions, order and
  neighbours as the engine's graph: checked). It runs in its own subprocess,
  (a) at the engine's fixed R (999 by default; 999 when the engine runs
  ``"auto"``) on ``--pygeoda-sample`` industries (24; 10 with ``--quick``),
  and (b) at equal p-value resolution: GeoDa has no adaptive mode, so it
  runs R = R_max = ceil(2 m / alpha) draws, the most the engine's
  ``permutations="auto"`` takes (m = tests per family: the regions of an
  industry under per-industry FDR; alpha = 0.05; 222,800 at n = 5,570), on
  ``--rmax-sample`` industries (6: about 40 s per industry there; 10 with
  ``--quick``). pygeoda's p-values are one-sided folded pseudo p-values
  (floor 1 / (R + 1)); the engine's are two-sided (floor 2 / (R + 1)).

The engine under test then computes every statistic for all K industries in
one ``lps_geo.stats.spatial.spatial_statistics`` call: once cold (first call
in the process, compilation or cache load included) and ``--repeat`` times
warm. ``--permutations auto`` is passed through as the string ``"auto"``; an
engine that does not accept it yet is re-run with 999 (said so). For the
equal-resolution comparison the engine runs ``"auto"`` on all K (or, if it
cannot, a fixed R_max on the ``--rmax-sample`` industries, scaled to K).

Memory: the engine and the pygeoda loop each run again in a subprocess of
this script (``--child``) that builds the same inputs, then reports its peak
resident memory above the resident memory after building them (the peak is
reset there through ``/proc/self/clear_refs`` on Linux; elsewhere it is the
process's lifetime peak), so neither contaminates the other or this process.
The issue's target is an engine peak of at most 0.8 GB above the inputs for
5,570 x 673.

Progress goes to stderr and results to stdout; the last two lines are::

    pygeoda_ratio_lisa_gi=<x> at_R=<R>
    speedup_vs_esda_loop=<x> engine_seconds=<s> peak_rss_mb=<m>

with pygeoda_ratio = pygeoda seconds for Local Moran + Gi* on K industries /
engine seconds for the same at the same R (R_max when the engine ran
``"auto"``; nan when pygeoda did not run), speedup = esda seconds per
industry for Local Moran + Gi* (compilation excluded) x K / warm engine
seconds for Local Moran + Gi* on all K industries (one call with
``global_permutations=False``: global Moran keeps only its analytic moments;
the call still pays for the p-value correction and the long output table),
engine_seconds that time and peak_rss_mb this process's peak. A line before
them compares all statistics, global Moran's permutation test included, with
the whole esda loop. When the requested engine is not registered, or is
``"esda"`` itself, the engine runs on the esda sample only and its seconds
are scaled to K (said so in the output). The hidden smoke-test size
overrides (``--n-regions``, ``--n-industries``) turn the pygeoda reference
and the memory subprocesses off unless ``--pygeoda`` / ``--memory`` ask for
them.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import json
import math
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: Lower-left corner of the square, metres in EPSG:5880 (Brazil Polyconic).
ORIGIN = (3_000_000.0, 6_300_000.0)
SIDE = 4_000_000.0
FULL = {
    "n_regions": 5570,
    "n_industries": 673,
    "esda_sample": 24,
    "pygeoda_sample": 24,
    "rmax_sample": 6,
}
QUICK = {
    "n_regions": 600,
    "n_industries": 60,
    "esda_sample": 10,
    "pygeoda_sample": 10,
    "rmax_sample": 10,
}
#: Significance level of the engine call (and of R_max).
ALPHA = 0.05
AUTO = "auto"
#: What the engine runs when it does not accept ``"auto"`` yet.
AUTO_FALLBACK = 999
HERE = Path(__file__).resolve().parent


def progress(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# synthetic data
# --------------------------------------------------------------------------


def synthetic_mesh(n: int, seed: int) -> gpd.GeoDataFrame:
    """Voronoi cells of ``n`` seeded random points, clipped to the square.

    Indexed by 7-digit region codes (index name "region"), with a "name"
    column, in EPSG:5880.
    """
    rng = np.random.default_rng([seed, 1])
    xy = rng.uniform(0.0, SIDE, size=(n, 2)) + np.asarray(ORIGIN)
    frame = shapely.box(ORIGIN[0], ORIGIN[1], ORIGIN[0] + SIDE, ORIGIN[1] + SIDE)
    cells = shapely.voronoi_polygons(
        shapely.multipoints(xy), extend_to=frame, ordered=True
    )
    cells = shapely.intersection(shapely.get_parts(cells), frame)
    codes = pd.Index([str(1_000_000 + i) for i in range(n)], name="region")
    return gpd.GeoDataFrame(
        {"name": [f"Synthetic {c}" for c in codes]},
        geometry=cells,
        index=codes,
        crs="EPSG:5880",
    )


def synthetic_sizes(
    mesh: gpd.GeoDataFrame, k: int, seed: int
) -> tuple[pd.DataFrame, pd.Series]:
    """Zero-heavy region x industry sizes and the region totals.

    Most industries are absent from 70-95 % of the regions; the others from
    20-70 %. Non-zero sizes are rounded lognormal (employment-like) or
    1 + negative binomial (establishment-like) counts, scaled by a regional
    size factor. About 40 % of the industries get one to three contiguous
    blobs (all cells whose centroid lies within a few cell widths of a random
    centre) where the industry is nearly always present and 5-30 times
    larger: real positive spatial autocorrelation. The region total adds a
    "rest of the economy" of roughly four times the region's industry sizes.
    """
    rng = np.random.default_rng([seed, 2])
    n = len(mesh)
    cxy = shapely.get_coordinates(mesh.geometry.centroid.to_numpy())
    cell_width = np.sqrt(SIDE * SIDE / n)
    scale = rng.lognormal(0.0, 0.8, n)

    zero_frac = np.where(
        rng.random(k) < 0.9, rng.uniform(0.70, 0.95, k), rng.uniform(0.20, 0.70, k)
    )
    present = rng.random((n, k)) >= zero_frac
    lognormal = rng.random(k) < 0.5
    mu, sigma = rng.uniform(1.0, 4.0, k), rng.uniform(0.8, 1.6, k)
    ln_vals = np.ceil(rng.lognormal(mu, sigma, (n, k)))
    nb_n, nb_p = rng.uniform(0.5, 3.0, k), rng.uniform(0.05, 0.4, k)
    nb_vals = 1.0 + rng.negative_binomial(nb_n, nb_p, (n, k))
    values = np.where(lognormal, ln_vals, nb_vals)

    boost = np.ones((n, k))
    clustered = np.flatnonzero(rng.random(k) < 0.4)
    for j in clustered:
        for _ in range(rng.integers(1, 4)):
            centre = cxy[rng.integers(n)]
            radius = rng.uniform(1.5, 4.5) * cell_width
            inside = np.hypot(*(cxy - centre).T) <= radius
            present[inside, j] |= rng.random(int(inside.sum())) < 0.85
            boost[inside, j] *= rng.uniform(5.0, 30.0)
    E = np.where(present, np.ceil(values * boost * scale[:, None]), 0.0)
    # every industry present somewhere, with at least two distinct values
    for j in np.flatnonzero((E > 0).sum(axis=0) < 2):
        E[rng.choice(n, 2, replace=False), j] = [1.0, 2.0]

    codes = pd.Index([f"{j + 1:04d}" for j in range(k)], name="industry")
    E = pd.DataFrame(E, index=mesh.index, columns=codes)
    rest = np.ceil(4.0 * E.sum(axis=1).mean() * scale * rng.lognormal(0.0, 0.3, n))
    region_total = (E.sum(axis=1) + rest).rename("region_total")
    return E, region_total


# --------------------------------------------------------------------------
# esda reference loop
# --------------------------------------------------------------------------


@dataclass
class EsdaRun:
    cold: dict[str, float]
    seconds: dict[str, list[float]]
    lisa_i: pd.DataFrame
    lisa_p: pd.DataFrame
    gi_z: pd.DataFrame
    gi_p: pd.DataFrame
    moran_i: pd.Series


def _esda_calls(y, w_r, w_b, permutations, seed):
    import esda

    out = {}
    t = time.perf_counter()
    np.random.seed(seed)
    out["moran"] = esda.Moran(y, w_r, permutations=permutations)
    t1 = time.perf_counter()
    out["local_moran"] = esda.Moran_Local(
        y, w_r, permutations=permutations, seed=seed, n_jobs=1
    )
    t2 = time.perf_counter()
    out["gi_star"] = esda.G_Local(
        y,
        w_b,
        transform="B",
        star=True,
        permutations=permutations,
        seed=seed,
        n_jobs=1,
    )
    t3 = time.perf_counter()
    return out, {"moran": t1 - t, "local_moran": t2 - t1, "gi_star": t3 - t2}


def esda_loop(
    X: pd.DataFrame, graph, sample: list[str], permutations: int, seed: int
) -> EsdaRun:
    """esda Moran, Moran_Local and G_Local per sampled industry, timed."""
    w_r = graph.transform("r")
    w_b = graph.transform("b")
    # one untimed warm-up call per statistic absorbs
    # numba's compilation of esda's conditional-randomisation kernels
    y0 = X[sample[0]].to_numpy(dtype=float)
    _, cold = _esda_calls(y0, w_r, w_b, permutations, seed)
    progress(
        "esda warm-up (compilation) "
        + ", ".join(f"{k} {v:.2f} s" for k, v in cold.items())
    )
    seconds: dict[str, list[float]] = {k: [] for k in cold}
    cols = {k: {} for k in ("lisa_i", "lisa_p", "gi_z", "gi_p")}
    moran_i = {}
    for n_done, code in enumerate(sample, 1):
        y = X[code].to_numpy(dtype=float)
        res, t = _esda_calls(y, w_r, w_b, permutations, seed)
        for k, v in t.items():
            seconds[k].append(v)
        cols["lisa_i"][code] = res["local_moran"].Is
        cols["lisa_p"][code] = np.minimum(2.0 * res["local_moran"].p_sim, 1.0)
        cols["gi_z"][code] = res["gi_star"].Zs
        cols["gi_p"][code] = np.minimum(2.0 * res["gi_star"].p_sim, 1.0)
        moran_i[code] = res["moran"].I
        if n_done % 5 == 0 or n_done == len(sample):
            progress(f"esda loop {n_done}/{len(sample)} industries")
    frames = {k: pd.DataFrame(v, index=X.index) for k, v in cols.items()}
    return EsdaRun(cold, seconds, moran_i=pd.Series(moran_i), **frames)


# --------------------------------------------------------------------------
# inputs, samples, resolution
# --------------------------------------------------------------------------


@dataclass
class Inputs:
    mesh: gpd.GeoDataFrame
    E: pd.DataFrame
    X: pd.DataFrame
    graph: object
    report: object
    t_data: float
    t_weights: float


def build_inputs(args) -> Inputs:
    """Mesh, sizes, location quotients and queen weights (same in children)."""
    from lps_geo.stats.indicators import location_quotient
    from lps_geo.stats.weights import build_weights

    t0 = time.perf_counter()
    mesh = synthetic_mesh(args.n_regions, args.seed)
    E, region_total = synthetic_sizes(mesh, args.n_industries, args.seed)
    X = location_quotient(E, region_total)
    t_data = time.perf_counter() - t0
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # island report is not the point here
        graph, report = build_weights(mesh, "queen")
    return Inputs(mesh, E, X, graph, report, t_data, time.perf_counter() - t0)


def sample_industries(X: pd.DataFrame, size: int, seed: int) -> list[str]:
    """``size`` industries drawn with a fixed generator (the esda sample for
    the esda sample's size)."""
    rng = np.random.default_rng([seed, 3])
    size = min(size, X.shape[1])
    return sorted(rng.choice(X.columns.to_numpy(), size, replace=False).tolist())


def tests_per_family(graph) -> int:
    """m: regions with neighbours (the tests of one industry's FDR family)."""
    return int((graph.cardinalities > 0).sum())


def r_max(m: int, alpha: float = ALPHA) -> int:
    """ceil(2 m / alpha): the draws at which one test can pass Bonferroni or
    the first step of BH over m tests (exact arithmetic: 2 x 5570 / 0.05 is
    222,800, not 222,801)."""
    return math.ceil(Fraction(2 * m) / Fraction(str(alpha)))


def _machine() -> str:
    """CPUs and load: other processes on the machine skew every timing."""
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "unknown"
    return f"{os.cpu_count()} CPUs, load average (1, 5, 15 min) {load}"


def _permutations_arg(text: str) -> int | str:
    if text.strip().lower() == AUTO:
        return AUTO
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: use 'auto' or a whole number >= 0"
        ) from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: use 'auto' or a number >= 0")
    return value


# --------------------------------------------------------------------------
# memory
# --------------------------------------------------------------------------


def _status_mb(field: str) -> float | None:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    found = re.search(rf"^{field}:\s+(\d+)\s+kB", text, re.M)
    return int(found[1]) / 1024 if found else None


def _maxrss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)


def rss_mb() -> float:
    """Resident memory now (the lifetime peak where /proc is missing)."""
    now = _status_mb("VmRSS")
    return _maxrss_mb() if now is None else now


def reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark to the current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def peak_mb() -> float:
    """Peak resident memory since the last :func:`reset_peak`."""
    hwm = _status_mb("VmHWM")
    return _maxrss_mb() if hwm is None else hwm


# --------------------------------------------------------------------------
# engine under test
# --------------------------------------------------------------------------


def _engine_options(args) -> dict:
    """Optional keywords of the engine call that this engine accepts."""
    from lps_geo.stats.spatial import spatial_statistics

    params = inspect.signature(spatial_statistics).parameters
    opts = {}
    if args.gi_null is not None:
        if "gi_null" not in params:
            raise SystemExit("--gi-null: this engine has no gi_null parameter")
        opts["gi_null"] = args.gi_null
    return opts


def _auto_unsupported(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


def run_engine(X, graph, args, global_permutations=True, permutations=None):
    """One engine call; ``global_permutations=False`` times Local Moran + Gi*
    (and global Moran's analytic moments) without the global permutation test.

    ``permutations`` defaults to ``args.permutations``. ``"auto"`` is passed
    through; if the engine rejects it (TypeError/ValueError/ConfigError, as
    engines without sequential tests do), the call is re-run with 999 and,
    for the main setting, ``args.permutations`` becomes 999 with
    ``args.auto_fallback`` saying why. Returns (result, seconds, R used).
    """
    from lps_geo.errors import ConfigError
    from lps_geo.stats.spatial import spatial_statistics

    main_setting = permutations is None
    R = args.permutations if main_setting else permutations

    def call(r):
        t = time.perf_counter()
        res = spatial_statistics(
            X,
            graph,
            permutations=r,
            seed=args.seed,
            alpha=ALPHA,
            correction="fdr",
            engine=args.engine,
            global_permutations=global_permutations,
            **_engine_options(args),
        )
        return res, time.perf_counter() - t

    if R == AUTO and not args.auto_fallback:
        try:
            return (*call(AUTO), AUTO)
        except (TypeError, ValueError, ConfigError) as exc:
            args.auto_fallback = _auto_unsupported(exc)
            progress(
                "the engine does not accept permutations='auto' yet "
                f"({args.auto_fallback}); re-running with {AUTO_FALLBACK}"
            )
    if R == AUTO:
        R = AUTO_FALLBACK
        if main_setting:
            args.permutations = AUTO_FALLBACK
    return (*call(R), R)


def _print_timings(label: str, res) -> None:
    timings = getattr(res, "timings", None)
    if timings:
        print(
            f"engine {label} timings: "
            + "  ".join(f"{k} {float(v):.3f} s" for k, v in timings.items())
        )


def _draws_text(res) -> str:
    """Mean draws per local test of an ``"auto"`` run, where reported."""
    draws = getattr(res, "draws", None) or {}
    parts = []
    for stat, d in draws.items():
        if isinstance(d, dict) and "mean" in d:
            parts.append(
                f"{stat} mean {float(d['mean']):.0f} draws, "
                f"{int(d.get('at_max', 0))} of {int(d.get('tests', 0))} tests "
                "at the maximum"
            )
    return "; ".join(parts)


def _wide(res, codes, index, names):
    local = res.local
    sub = local[local.index.get_level_values("industry").isin(codes)]
    return {
        name: sub[name].unstack("industry").reindex(index=index, columns=codes)
        for name in names
    }


def agreement(res, ref: EsdaRun, gi_null: str) -> None:
    """Print how the engine's sampled industries compare with esda's."""
    codes = list(ref.lisa_i.columns)
    wide = _wide(res, codes, ref.lisa_i.index, ("lisa_i", "lisa_p", "gi_z", "gi_p"))

    def max_abs(a: pd.DataFrame, b: pd.DataFrame) -> float:
        d = np.abs(a.to_numpy(dtype=float) - b.to_numpy(dtype=float))
        return float(np.nanmax(d)) if np.isfinite(d).any() else float("nan")

    def frac_equal(a: pd.DataFrame, b: pd.DataFrame) -> float:
        a, b = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
        ok = np.isfinite(a) & np.isfinite(b)
        if not ok.any():
            return float("nan")
        # esda keeps Gi* p-values in float32: compare at that precision
        return float(np.isclose(a[ok], b[ok], rtol=1e-6, atol=0.0).mean())

    def frac_not_smaller(a: pd.DataFrame, b: pd.DataFrame) -> float:
        a, b = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
        ok = np.isfinite(a) & np.isfinite(b)
        return float((a[ok] >= b[ok] * (1 - 1e-6)).mean()) if ok.any() else np.nan

    moran = res.global_["moran_i"].reindex(codes).to_numpy(dtype=float)
    d_moran = np.abs(moran - ref.moran_i.reindex(codes).to_numpy(dtype=float))
    gi_note = (
        ""
        if gi_null == "conditional"
        else f" (engine Gi* null {gi_null!r}, esda's G_Local is conditional: "
        "gi_p is a different test)"
    )
    print(
        f"agreement on {len(codes)} industries: "
        f"max|moran_i - esda I|={np.nanmax(d_moran):.3g} "
        f"max|lisa_i - esda Is|={max_abs(wide['lisa_i'], ref.lisa_i):.3g} "
        f"max|gi_z - esda Zs|={max_abs(wide['gi_z'], ref.gi_z):.3g} "
        f"lisa_p==min(1,2*p_sim) {frac_equal(wide['lisa_p'], ref.lisa_p):.4f} "
        f"gi_p==min(1,2*p_sim) {frac_equal(wide['gi_p'], ref.gi_p):.4f}{gi_note} "
        "(the rest are sites whose permutation null has ties; there the engine's "
        "p is never smaller: lisa "
        f"{frac_not_smaller(wide['lisa_p'], ref.lisa_p):.4f}, gi "
        f"{frac_not_smaller(wide['gi_p'], ref.gi_p):.4f})"
    )


def pygeoda_agreement(res, ref: dict, index, R, gi_null: str) -> None:
    """Print how the engine's sampled industries compare with GeoDa's."""
    codes = ref["sample"]
    wide = _wide(res, codes, index, ("lisa_i", "lisa_p", "gi_p"))
    e_i, e_lp, e_gp = (
        wide[k].to_numpy(dtype=float) for k in ("lisa_i", "lisa_p", "gi_p")
    )
    g_i = ref["lisa_i"]
    g_lp = np.minimum(2.0 * ref["lisa_p"], 1.0)
    g_gp = np.minimum(2.0 * ref["gi_p"], 1.0)

    def same_call(a, b):
        ok = np.isfinite(a) & np.isfinite(b)
        return (
            float(((a[ok] <= ALPHA) == (b[ok] <= ALPHA)).mean()) if ok.any() else np.nan
        )

    def med_abs(a, b):
        ok = np.isfinite(a) & np.isfinite(b)
        return float(np.median(np.abs(a[ok] - b[ok]))) if ok.any() else np.nan

    ok = np.isfinite(e_i) & np.isfinite(g_i)
    d_i = float(np.max(np.abs(e_i[ok] - g_i[ok]))) if ok.any() else np.nan
    gi_note = (
        ""
        if gi_null == "conditional"
        else f"; engine Gi* null {gi_null!r} vs GeoDa's conditional G*"
    )
    print(
        f"pygeoda agreement on {len(codes)} industries at R={R} (different random "
        f"draws): max|lisa_i - GeoDa I|={d_i:.3g}; raw p <= {ALPHA} decided alike "
        f"(engine p vs min(1, 2 x GeoDa folded p)): lisa {same_call(e_lp, g_lp):.4f}, "
        f"gi {same_call(e_gp, g_gp):.4f}{gi_note}; median |difference| lisa "
        f"{med_abs(e_lp, g_lp):.4f}, gi {med_abs(e_gp, g_gp):.4f}"
    )


# --------------------------------------------------------------------------
# subprocesses: memory of each engine, the pygeoda loop
# --------------------------------------------------------------------------


def child_engine(args, inputs: Inputs) -> dict:
    """Peak memory of the engine calls, above the inputs' resident memory."""
    from lps_geo.errors import ConfigError

    X, graph = inputs.X, inputs.graph
    gc.collect()
    rss0 = rss_mb()
    out = {"rss_inputs_mb": rss0, "peak_reset": reset_peak(), "calls": []}
    # warm-up on two industries: numba's compilation or cache load
    wanted = []
    for R in args.child_permutations:
        try:
            run_engine(
                X.iloc[:, :2], graph, args, global_permutations=False, permutations=R
            )
            wanted.append(R)
        except (TypeError, ValueError, ConfigError) as exc:
            out["unsupported"] = {str(R): _auto_unsupported(exc)}
    gc.collect()
    out["rss_after_warmup_mb"] = rss_mb()
    for i, R in enumerate(wanted):
        for glob in (False, True) if i == 0 else (False,):
            gc.collect()
            before = rss_mb()
            reset_peak()
            progress(f"memory child: engine R={R}, global_permutations={glob}")
            res, seconds, used = run_engine(
                X, graph, args, global_permutations=glob, permutations=R
            )
            peak = peak_mb()
            out["calls"].append(
                {
                    "permutations": used,
                    "global_permutations": glob,
                    "seconds": seconds,
                    "rss_before_mb": before,
                    "peak_mb": peak,
                    "peak_above_inputs_mb": peak - rss0,
                    "max_draws": int(getattr(res, "max_draws", 0) or 0),
                }
            )
            del res
    return out


def child_pygeoda(args, inputs: Inputs, values_path: str | None) -> dict:
    """The timed pygeoda loop and its peak memory above the inputs."""
    ref = _pygeoda_module()
    X = inputs.X
    sample = sample_industries(X, args.child_sample, args.seed)
    gc.collect()
    rss0 = rss_mb()
    out = {"rss_inputs_mb": rss0, "peak_reset": reset_peak(), "sample": sample}
    t0 = time.perf_counter()
    _, w = ref.queen_weights(inputs.mesh)
    out["setup_seconds"] = time.perf_counter() - t0
    out["neighbour_mismatches"] = ref.neighbour_mismatches(
        w, inputs.graph, list(inputs.mesh.index)
    )
    out["same_order"] = bool(
        list(inputs.mesh.index) == list(inputs.graph.unique_ids)
        and list(X.index) == list(inputs.mesh.index)
    )
    out["rss_after_setup_mb"] = rss_mb()
    (R,) = args.child_permutations
    run = ref.loop(
        X, w, sample, int(R), args.seed, args.pygeoda_threads, ALPHA, progress
    )
    peak = peak_mb()
    out.update(
        permutations=int(R),
        threads=args.pygeoda_threads,
        method=ref.PERMUTATION_METHOD,
        cold=run["cold"],
        lisa_s=run["lisa_s"],
        gi_s=run["gi_s"],
        peak_mb=peak,
        peak_above_inputs_mb=peak - rss0,
    )
    if values_path:
        np.savez(values_path, **{k: run[k] for k in ("lisa_i", "lisa_p", "gi_p")})
    return out


def _pygeoda_module():
    """benchmarks/_pygeoda_ref.py (which imports pygeoda only when called)."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    import _pygeoda_ref

    return _pygeoda_ref


def child_main(args) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the parent already reported them
        inputs = build_inputs(args)
        if args.child == "engine":
            out = child_engine(args, inputs)
        else:
            out = child_pygeoda(args, inputs, args.child_out + ".npz")
    Path(args.child_out).write_text(json.dumps(out))


def run_child(args, role: str, tmp: str, permutations, sample: int = 0):
    """Run ``--child role`` in a fresh interpreter; its JSON (or None)."""
    out = os.path.join(tmp, f"{role}-{'-'.join(map(str, permutations))}.json")
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        role,
        "--child-out",
        out,
        "--child-permutations",
        ",".join(map(str, permutations)),
        "--child-sample",
        str(sample),
        "--n-regions",
        str(args.n_regions),
        "--n-industries",
        str(args.n_industries),
        "--seed",
        str(args.seed),
        "--engine",
        args.engine,
        "--pygeoda-threads",
        str(args.pygeoda_threads),
    ]
    if args.gi_null is not None:
        cmd += ["--gi-null", args.gi_null]
    progress(f"subprocess: {role} at R={','.join(map(str, permutations))}")
    # the child's stdout goes to our stderr: results stay on stdout
    done = subprocess.run(cmd, stdout=sys.stderr, stderr=None, check=False)
    if done.returncode != 0 or not os.path.exists(out):
        print(f"{role} subprocess failed (exit {done.returncode}); see stderr")
        return None
    result = json.loads(Path(out).read_text())
    if os.path.exists(out + ".npz"):
        with np.load(out + ".npz") as z:
            result.update({k: z[k] for k in z.files})
    return result


# --------------------------------------------------------------------------
# the side-by-side table
# --------------------------------------------------------------------------


def _fmt(x, spec: str, none: str = "-") -> str:
    return none if x is None or not np.isfinite(x) else format(x, spec)


def print_table(rows: list[dict]) -> None:
    head = ("statistic", "engine", "R", "seconds", "ratio", "peak MB")
    cells = [
        (
            r["stat"],
            r["engine"],
            r["R"],
            _fmt(r.get("seconds"), ".2f"),
            _fmt(r.get("ratio"), ".1f") + ("x" if r.get("ratio") else ""),
            _fmt(r.get("mem"), ".0f"),
        )
        for r in rows
    ]
    widths = [max(len(str(c[i])) for c in [head, *cells]) for i in range(len(head))]
    for c in [head, *cells]:
        print(
            "  ".join(
                str(v).ljust(w) if i < 3 else str(v).rjust(w)
                for i, (v, w) in enumerate(zip(c, widths, strict=True))
            )
        )


def _pygeoda_rows(pg: dict | None, k_all: int, R_label: str, eng: dict) -> list:
    """Rows of one pygeoda run; ratio = pygeoda seconds / engine seconds."""
    if pg is None:
        return []
    lisa = statistics.fmean(pg["lisa_s"]) * k_all
    gi = statistics.fmean(pg["gi_s"]) * k_all
    label = f"pygeoda ({len(pg['sample'])} sampled)"
    mem = pg["peak_above_inputs_mb"]

    def ratio(mine, theirs):
        return mine / theirs if theirs else None

    return [
        {
            "stat": "Local Moran",
            "engine": label,
            "R": R_label,
            "seconds": lisa,
            "ratio": ratio(lisa, eng.get("lisa")),
            "mem": mem,
        },
        {
            "stat": "Gi*",
            "engine": label,
            "R": R_label,
            "seconds": gi,
            "ratio": ratio(gi, eng.get("gi")),
            "mem": mem,
        },
        {
            "stat": "LISA + Gi*",
            "engine": label,
            "R": R_label,
            "seconds": lisa + gi,
            "ratio": ratio(lisa + gi, eng.get("both")),
            "mem": mem,
        },
    ]


def _per_industry(pg: dict) -> float:
    """pygeoda seconds per industry, Local Moran + Gi*."""
    return statistics.fmean(pg["lisa_s"]) + statistics.fmean(pg["gi_s"])


def _engine_rows(eng: dict, label: str, R_label: str) -> list:
    rows = []
    for key, stat in (("lisa", "Local Moran"), ("gi", "Gi*")):
        if eng.get(key):
            rows.append(
                {
                    "stat": stat,
                    "engine": label,
                    "R": R_label,
                    "seconds": eng[key],
                    "ratio": 1.0,
                    "mem": eng.get("mem"),
                }
            )
    rows.append(
        {
            "stat": "LISA + Gi*",
            "engine": label,
            "R": R_label,
            "seconds": eng["both"],
            "ratio": 1.0,
            "mem": eng.get("mem"),
        }
    )
    return rows


def _engine_entry(res, seconds: float, scale: float, gi_null: str) -> dict:
    """Engine seconds for K industries: the whole call, and per statistic from
    the engine's own timings (Local Moran 'local', Gi* 'gi') unless Gi* shares
    Local Moran's counts (gi_null='conditional')."""
    t = getattr(res, "timings", None) or {}
    entry = {"both": seconds * scale}
    if "local" in t and "gi" in t and gi_null != "conditional":
        entry["lisa"] = float(t["local"]) * scale
        entry["gi"] = float(t["gi"]) * scale
    return entry


def _mem_of(child: dict | None, R) -> float | None:
    if not child:
        return None
    for call in child["calls"]:
        if str(call["permutations"]) == str(R) and not call["global_permutations"]:
            return call["peak_above_inputs_mb"]
    return None


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="600 regions, 60 industries")
    ap.add_argument(
        "--permutations",
        type=_permutations_arg,
        default=999,
        help="R, or 'auto' (the engine's sequential tests; default 999)",
    )
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument(
        "--esda-sample",
        type=int,
        default=None,
        help="industries timed with the esda loop (default 24; --quick: 10)",
    )
    ap.add_argument("--engine", default="numba")
    ap.add_argument("--repeat", type=int, default=1, help="warm engine runs")
    ap.add_argument(
        "--gi-null",
        default=None,
        help="the engine's gi_null (default: the engine's own default)",
    )
    ap.add_argument(
        "--pygeoda",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="time GeoDa's engine via pygeoda if installed (default: on)",
    )
    ap.add_argument(
        "--memory",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="measure each engine's peak memory in a subprocess (default: on)",
    )
    ap.add_argument(
        "--pygeoda-sample",
        type=int,
        default=None,
        help="industries timed with pygeoda at the fixed R (default 24; --quick 10)",
    )
    ap.add_argument(
        "--rmax-sample",
        type=int,
        default=None,
        help="industries timed with pygeoda at R = R_max, 0 to skip "
        "(default 6; --quick 10)",
    )
    ap.add_argument("--pygeoda-threads", type=int, default=2)
    # hidden: shrink the problem further (smoke test); turns pygeoda and the
    # memory subprocesses off unless --pygeoda / --memory ask for them
    ap.add_argument("--n-regions", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--n-industries", type=int, default=None, help=argparse.SUPPRESS)
    # hidden: this script as its own memory / pygeoda subprocess
    ap.add_argument("--child", choices=("engine", "pygeoda"), help=argparse.SUPPRESS)
    ap.add_argument("--child-out", help=argparse.SUPPRESS)
    ap.add_argument("--child-permutations", default="", help=argparse.SUPPRESS)
    ap.add_argument("--child-sample", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    smoke = args.n_regions is not None or args.n_industries is not None
    size = QUICK if args.quick else FULL
    for key, value in size.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    for key in ("pygeoda", "memory"):
        if getattr(args, key) is None:
            setattr(args, key, not smoke)
    args.esda_sample = min(args.esda_sample, args.n_industries)
    args.pygeoda_sample = min(args.pygeoda_sample, args.n_industries)
    args.rmax_sample = min(args.rmax_sample, args.n_industries)
    args.child_permutations = [
        _permutations_arg(p) for p in args.child_permutations.split(",") if p
    ]
    args.auto_fallback = None
    if args.n_regions < 10 or args.esda_sample < 1 or args.repeat < 1:
        ap.error("need --n-regions >= 10, --esda-sample >= 1 and --repeat >= 1")
    if args.pygeoda_sample < 1 or args.rmax_sample < 0 or args.pygeoda_threads < 1:
        ap.error(
            "need --pygeoda-sample >= 1, --rmax-sample >= 0, --pygeoda-threads >= 1"
        )
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        child_main(args)
        return
    t0 = time.perf_counter()
    import lps_geo.stats.spatial as spatial

    progress(f"imported lps_geo in {time.perf_counter() - t0:.2f} s")

    inputs = build_inputs(args)
    mesh, E, X, graph, report = (
        inputs.mesh,
        inputs.E,
        inputs.X,
        inputs.graph,
        inputs.report,
    )
    zeros = float((E.to_numpy() == 0).mean())
    print(
        f"data: {len(mesh)} regions x {E.shape[1]} industries, {zeros:.1%} zeros, "
        f"QL max {np.nanmax(X.to_numpy()):.1f}; mesh+sizes+QL {inputs.t_data:.2f} s; "
        f"queen weights {inputs.t_weights:.2f} s (mean {report.mean_neighbors:.2f} "
        f"neighbours, {len(report.links_added)} island links)"
    )
    print(f"machine: {_machine()}")
    m = tests_per_family(graph)
    R_max = r_max(m)
    requested = args.permutations
    esda_R = requested if requested != AUTO else AUTO_FALLBACK
    print(
        f"settings: permutations={requested} seed={args.seed}"
        + (
            f" (R_max = ceil(2 m / alpha) = ceil(2 x {m} / {ALPHA}) = {R_max}; "
            f"esda has no adaptive mode: its loop runs R={esda_R})"
            if requested == AUTO
            else ""
        )
    )

    sample = sample_industries(X, args.esda_sample, args.seed)
    progress(f"esda loop over {len(sample)} industries")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda_loop(X, graph, sample, esda_R, args.seed)
    per = {k: statistics.fmean(v) for k, v in ref.seconds.items()}
    names = {"moran": "Moran", "local_moran": "Local Moran", "gi_star": "Gi*"}
    for k, label in names.items():
        print(
            f"esda {label}: {per[k]:.4f} s/industry (cold first call "
            f"{ref.cold[k]:.2f} s, {len(sample)} industries)"
        )
    esda_local = per["local_moran"] + per["gi_star"]
    k_all = X.shape[1]
    print(
        f"esda Local Moran + Gi*: {esda_local:.4f} s/industry -> "
        f"{esda_local * k_all:.1f} s for {k_all} industries"
    )

    engine = args.engine
    if engine not in spatial.ENGINES:
        print(
            f"engine {engine!r} is not registered in lps_geo.stats.spatial.ENGINES "
            f"(available: {', '.join(spatial.ENGINES)}); falling back to engine "
            "'esda' on the esda sample, seconds scaled to all industries"
        )
        engine = "esda"
    args.engine = engine
    on_sample = engine == "esda"
    Xe = X[sample] if on_sample else X
    scale = k_all / Xe.shape[1]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        progress(f"engine {engine!r} cold run on {Xe.shape[1]} industries")
        res, cold, _ = run_engine(Xe, graph, args)
        if args.auto_fallback:
            print(
                f"engine does not accept permutations='auto' yet "
                f"({args.auto_fallback}): ran R={AUTO_FALLBACK} instead"
            )
        warm, warm_local = [], []
        for i in range(args.repeat):
            progress(f"engine {engine!r} warm run {i + 1}/{args.repeat}")
            res, t, _ = run_engine(Xe, graph, args)
            warm.append(t)
            progress(f"engine {engine!r} warm run, Local Moran + Gi* only")
            res_local, t, _ = run_engine(Xe, graph, args, global_permutations=False)
            warm_local.append(t)
    R_main = args.permutations  # "auto", or an int (999 after a fallback)
    gi_null = str(getattr(res, "gi_null", None) or "conditional")
    if R_main == AUTO and getattr(res, "max_draws", 0):
        R_max = int(res.max_draws)  # the engine's own R_max
    warm_s = statistics.median(warm)
    warm_local_s = statistics.median(warm_local)
    where = (
        f"on {Xe.shape[1]} sampled industries (x{scale:.2f} -> all {k_all})"
        if on_sample
        else f"on all {k_all} industries"
    )
    what = (
        "first call; esda kernels already compiled by the loop"
        if engine == "esda"
        else "first call, compilation or cache load included"
    )
    print(f"engine {engine} cold ({what}): {cold:.2f} s {where}")
    print(
        f"engine {engine} warm: median {warm_s:.3f} s, min {min(warm):.3f} s over "
        f"{len(warm)} run(s) {where}; {warm_s / Xe.shape[1]:.4f} s/industry"
    )
    print(
        f"engine {engine} warm, Local Moran + Gi* (global Moran analytic only): "
        f"median {warm_local_s:.3f} s {where}"
        + (f"; {_draws_text(res_local)}" if R_main == AUTO else "")
    )
    _print_timings("last warm run", res)
    if R_main != esda_R:
        print(
            f"(engine R={R_main} vs esda R={esda_R}: p-values below are not "
            "expected to be equal)"
        )
    agreement(res, ref, gi_null)

    all_seconds = warm_s * scale
    engine_seconds = warm_local_s * scale
    speedup = esda_local * k_all / engine_seconds
    esda_all = sum(per.values()) * k_all
    print(
        f"all statistics (global Moran permutations included): engine "
        f"{all_seconds:.3f} s vs esda per-industry calls {esda_all:.1f} s -> "
        f"{esda_all / all_seconds:.2f}x"
    )

    summary_ratio, summary_R = side_by_side(
        args,
        inputs,
        Xe,
        scale,
        on_sample,
        R_main,
        R_max,
        m,
        gi_null,
        res_local,
        warm_local_s,
    )

    print(f"machine at the end: {_machine()}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"pygeoda_ratio_lisa_gi={summary_ratio:.2f} at_R={summary_R}")
    print(
        f"speedup_vs_esda_loop={speedup:.2f} engine_seconds={engine_seconds:.3f} "
        f"peak_rss_mb={peak:.1f}"
    )


def side_by_side(
    args,
    inputs,
    Xe,
    scale,
    on_sample,
    R_main,
    R_max,
    m,
    gi_null,
    res_local,
    warm_local_s,
):
    """pygeoda and memory subprocesses, extra engine runs, the table.

    Returns the summary ratio (pygeoda / engine seconds for Local Moran + Gi*
    at the engine's R; nan if pygeoda did not run) and that R.
    """
    pgref = _pygeoda_module()
    X, graph = inputs.X, inputs.graph
    k_all = X.shape[1]
    label = f"lps_geo {args.engine}"
    R_fixed = R_main if R_main != AUTO else AUTO_FALLBACK
    equal_res = args.rmax_sample > 0
    use_pygeoda = args.pygeoda and pgref.available()
    if args.pygeoda and not use_pygeoda:
        print(
            "pygeoda is not installed (pip install -e '.[bench]'): GeoDa's "
            "reference skipped"
        )

    def warm_up(R):
        """An untimed call on two industries: R's kernels compiled or loaded
        before the timed call; returns the R the engine ran (999 if it
        rejected "auto")."""
        if R == AUTO and args.auto_fallback:
            return AUTO_FALLBACK
        progress(f"engine warm-up at R={R} on two industries")
        return run_engine(
            Xe.iloc[:, :2], graph, args, global_permutations=False, permutations=R
        )[2]

    # engine seconds at the fixed R and at equal resolution
    eng_fixed = eng_eq = None
    res_fixed = None
    eq_note = ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if R_main == R_fixed:
            res_fixed = res_local
            eng_fixed = _engine_entry(res_local, warm_local_s, scale, gi_null)
        elif use_pygeoda:
            warm_up(R_fixed)
            progress(f"engine warm run at R={R_fixed}, Local Moran + Gi* only")
            res_fixed, t, _ = run_engine(
                Xe, graph, args, global_permutations=False, permutations=R_fixed
            )
            eng_fixed = _engine_entry(res_fixed, t, scale, gi_null)
        eq_R_label = f"auto (R_max={R_max})"
        if equal_res and use_pygeoda:
            if R_main == AUTO:
                eng_eq = _engine_entry(res_local, warm_local_s, scale, gi_null)
            elif warm_up(AUTO) == AUTO:
                progress("engine warm run at permutations='auto', LISA + Gi* only")
                res_eq, t, used = run_engine(
                    Xe, graph, args, global_permutations=False, permutations=AUTO
                )
                if used == AUTO:
                    R_max = int(getattr(res_eq, "max_draws", 0) or R_max)
                    eq_R_label = f"auto (R_max={R_max})"
                    eng_eq = _engine_entry(res_eq, t, scale, gi_null)
                    eq_note = _draws_text(res_eq)
            if eng_eq is None:
                # no adaptive mode in this engine: a fixed R_max on the sample
                cols = sample_industries(X, args.rmax_sample, args.seed)
                progress(f"engine at fixed R={R_max} on {len(cols)} industries")
                res_eq, t, _ = run_engine(
                    X[cols],
                    graph,
                    args,
                    global_permutations=False,
                    permutations=R_max,
                )
                eng_eq = _engine_entry(res_eq, t, k_all / len(cols), gi_null)
                eq_R_label = f"{R_max} fixed ({len(cols)} sampled)"
    auto_ok = R_main == AUTO or (eng_eq is not None and eq_R_label.startswith("auto"))

    with tempfile.TemporaryDirectory(prefix="lps_bench_") as tmp:
        pg_fixed = pg_eq = mem = None
        if use_pygeoda:
            pg_fixed = run_child(args, "pygeoda", tmp, [R_fixed], args.pygeoda_sample)
        if args.memory and not on_sample:
            wanted = [R_main] + [R for R in (R_fixed,) if R != R_main]
            if AUTO not in wanted and not args.auto_fallback:
                wanted.append(AUTO)  # the child says if the engine rejects it
            mem = run_child(args, "engine", tmp, wanted)
        elif args.memory:
            print("engine memory not measured: the engine ran on the esda sample")
        if use_pygeoda and equal_res:
            pg_eq = run_child(args, "pygeoda", tmp, [R_max], args.rmax_sample)

    for pg in (pg_fixed, pg_eq):
        if pg and (pg["neighbour_mismatches"] or not pg["same_order"]):
            print(
                f"WARNING: pygeoda's queen weights differ from the engine's graph "
                f"in {pg['neighbour_mismatches']} regions (same order: "
                f"{pg['same_order']}): the comparison is not like for like"
            )
    if pg_fixed:
        print(
            f"pygeoda weights: queen_weights on pygeoda.open(mesh) in "
            f"{pg_fixed['setup_seconds']:.2f} s; same regions, order and neighbours "
            f"as the engine's graph: "
            f"{pg_fixed['same_order'] and not pg_fixed['neighbour_mismatches']}"
        )
        if res_fixed is not None:
            pygeoda_agreement(res_fixed, pg_fixed, X.index, R_fixed, gi_null)

    if eng_fixed is not None:
        eng_fixed["mem"] = _mem_of(mem, R_fixed)
    if eng_eq is not None and auto_ok:
        eng_eq["mem"] = _mem_of(mem, AUTO)
    elif eng_eq is not None:
        eng_eq["mem"] = None  # fixed R_max on a sample: not measured

    rows = []
    if pg_fixed and eng_fixed:
        rows += _pygeoda_rows(pg_fixed, k_all, str(R_fixed), eng_fixed)
        rows += _engine_rows(eng_fixed, label, str(R_fixed))
    if eng_eq:
        # a failed pygeoda subprocess must not hide the engine's number
        rows += _pygeoda_rows(pg_eq, k_all, f"{R_max} (=R_max)", eng_eq)
        rows += _engine_rows(eng_eq, label, eq_R_label)
    if rows:
        print(
            f"side by side, {k_all} industries x {len(X)} regions; seconds for all "
            f"{k_all} (pygeoda: mean per sampled industry after one warm-up call, "
            "x K); ratio = seconds / lps_geo's at the same resolution (> 1: "
            "lps_geo faster); peak MB = peak RSS above the inputs, each engine "
            "in its own subprocess:"
        )
        print_table(rows)
        threads = args.pygeoda_threads
        print(
            f"notes: pygeoda {pgref.PERMUTATION_METHOD} permutations, "
            f"{threads} threads, one local_moran + one local_gstar call "
            "per industry; its p-values are one-sided folded pseudo p "
            "((extremes on the observed side + 1) / (R + 1), floor 1/(R+1)), the "
            "engine's two-sided (floor 2/(R+1)), so min(1, 2 p) is GeoDa's "
            f"comparable p. GeoDa's G* null is conditional; the engine's gi_null "
            f"is {gi_null!r}. lps_geo's per-statistic seconds are its own "
            "timings ('local', 'gi') in the LISA + Gi* call"
            + (
                " (not split: with gi_null='conditional' Gi* reuses Local "
                "Moran's counts)"
                if gi_null == "conditional"
                else ""
            )
            + f". Equal resolution: R_max = ceil(2 m / alpha) with m = {m} tests "
            f"per industry (FDR per industry), alpha = {ALPHA}: {r_max(m)}"
            + (f" (the engine's max_draws: {R_max})" if R_max != r_max(m) else "")
            + (
                f"; pygeoda at R_max on {args.rmax_sample} industries only "
                f"(about {_per_industry(pg_eq):.3g} s per industry)"
                if pg_eq
                else ""
            )
            + (f"; the engine's auto run: {eq_note}" if eq_note else "")
            + "."
        )
    if mem:
        for call in mem["calls"]:
            print(
                f"memory lps_geo R={call['permutations']} "
                f"global_permutations={call['global_permutations']}: peak "
                f"{call['peak_mb']:.0f} MB, {call['peak_above_inputs_mb']:.0f} MB "
                f"above the inputs ({mem['rss_inputs_mb']:.0f} MB; of which "
                f"compiled kernels after the warm-up "
                f"{mem['rss_after_warmup_mb'] - mem['rss_inputs_mb']:.0f} MB), "
                f"call {call['seconds']:.2f} s in the subprocess"
                + ("" if mem["peak_reset"] else " (peak not resettable: lifetime)")
            )
        first = next((c for c in mem["calls"] if c["global_permutations"]), None)
        if first:
            ok = first["peak_above_inputs_mb"] <= 0.8 * 1024
            print(
                f"memory target (<= 0.8 GB above the inputs for the default call, "
                f"R={first['permutations']}): "
                f"{first['peak_above_inputs_mb']:.0f} MB -> "
                f"{'met' if ok else 'NOT met'}"
            )
        for R, why in (mem.get("unsupported") or {}).items():
            print(f"memory lps_geo R={R}: not measured ({why})")
    for pg in (pg_fixed, pg_eq):
        if pg:
            print(
                f"memory pygeoda R={pg['permutations']}: peak {pg['peak_mb']:.0f} MB, "
                f"{pg['peak_above_inputs_mb']:.0f} MB above the inputs "
                f"({pg['rss_inputs_mb']:.0f} MB; import, geoda object and weights "
                f"{pg['rss_after_setup_mb'] - pg['rss_inputs_mb']:.0f} MB)"
            )

    if R_main == AUTO:
        pg, eng, at = pg_eq, eng_eq, R_max
    else:
        pg, eng, at = pg_fixed, eng_fixed, R_fixed
    ratio = float("nan")
    if pg and eng:
        ratio = _per_industry(pg) * k_all / eng["both"]
    return ratio, at


if __name__ == "__main__":
    main()
