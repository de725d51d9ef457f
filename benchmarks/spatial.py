"""Time the statistics engine against the per-industry PySAL esda loop.

Usage::

    python benchmarks/spatial.py [--quick] [--permutations 999] [--seed 12345]
                                 [--esda-sample N] [--engine numba] [--repeat 1]

A synthetic municipal mesh (Voronoi cells of seeded random points in a
4,000 km square in EPSG:5880 coordinates; 5,570 cells like Brazil's
municipalities, 600 with ``--quick``) carries K zero-heavy industries (673,
60 with ``--quick``) with planted contiguous high-value blobs; the analysed
variable is the location quotient (Suzigan, Furtado & Garcia 2006) against a
region total that includes a "rest of the economy".

The reference is what the esda engine does, one industry at a time: global
Moran (Moran 1950), Local Moran (Anselin 1995) and Getis-Ord Gi* (Getis & Ord
1992; Ord & Getis 1995), timed per statistic on a sample of industries after
one warm-up call that absorbs numba's compilation (reported separately as the
cold time). The engine under test then computes every statistic for all K
industries in one ``lps_geo.stats.spatial.spatial_statistics`` call: once cold
(first call in the process, compilation or cache load included) and
``--repeat`` times warm.

Progress goes to stderr and results to stdout; the last line is::

    speedup_vs_esda_loop=<x> engine_seconds=<s> peak_rss_mb=<m>

with speedup = esda seconds per industry for Local Moran + Gi* (compilation
excluded) x K / warm engine seconds for Local Moran + Gi* on all K
industries (one call with ``global_permutations=False``: global Moran keeps
only its analytic moments; the call still pays for the p-value correction
and the long output table), and engine_seconds that time. A line before it
compares all statistics, global Moran's permutation test included, with the
whole esda loop. When the requested engine is not
registered, or is ``"esda"`` itself, the engine runs on the esda sample only
and its seconds are scaled to K (said so in the output).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
import warnings
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: Lower-left corner of the square, metres in EPSG:5880 (Brazil Polyconic).
ORIGIN = (3_000_000.0, 6_300_000.0)
SIDE = 4_000_000.0
FULL = {"n_regions": 5570, "n_industries": 673, "esda_sample": 24}
QUICK = {"n_regions": 600, "n_industries": 60, "esda_sample": 10}


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
# engine under test
# --------------------------------------------------------------------------


def run_engine(X, graph, args, global_permutations=True):
    """One engine call; ``global_permutations=False`` times Local Moran + Gi*
    (and global Moran's analytic moments) without the global permutation test.
    """
    from lps_geo.stats.spatial import spatial_statistics

    t = time.perf_counter()
    res = spatial_statistics(
        X,
        graph,
        permutations=args.permutations,
        seed=args.seed,
        alpha=0.05,
        correction="fdr",
        engine=args.engine,
        global_permutations=global_permutations,
    )
    return res, time.perf_counter() - t


def _print_timings(label: str, res) -> None:
    timings = getattr(res, "timings", None)
    if timings:
        print(
            f"engine {label} timings: "
            + "  ".join(f"{k} {float(v):.3f} s" for k, v in timings.items())
        )


def agreement(res, ref: EsdaRun) -> None:
    """Print how the engine's sampled industries compare with esda's."""
    local = res.local
    codes = list(ref.lisa_i.columns)
    sub = local[local.index.get_level_values("industry").isin(codes)]
    shape = {"index": ref.lisa_i.index, "columns": codes}
    wide = {
        name: sub[name].unstack("industry").reindex(**shape)
        for name in ("lisa_i", "lisa_p", "gi_z", "gi_p")
    }

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
    print(
        f"agreement on {len(codes)} industries: "
        f"max|moran_i - esda I|={np.nanmax(d_moran):.3g} "
        f"max|lisa_i - esda Is|={max_abs(wide['lisa_i'], ref.lisa_i):.3g} "
        f"max|gi_z - esda Zs|={max_abs(wide['gi_z'], ref.gi_z):.3g} "
        f"lisa_p==min(1,2*p_sim) {frac_equal(wide['lisa_p'], ref.lisa_p):.4f} "
        f"gi_p==min(1,2*p_sim) {frac_equal(wide['gi_p'], ref.gi_p):.4f} "
        "(the rest are sites whose permutation null has ties; there the engine's "
        "p is never smaller: lisa "
        f"{frac_not_smaller(wide['lisa_p'], ref.lisa_p):.4f}, gi "
        f"{frac_not_smaller(wide['gi_p'], ref.gi_p):.4f})"
    )


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="600 regions, 60 industries")
    ap.add_argument("--permutations", type=int, default=999)
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument(
        "--esda-sample",
        type=int,
        default=None,
        help="industries timed with the esda loop (default 24; --quick: 10)",
    )
    ap.add_argument("--engine", default="numba")
    ap.add_argument("--repeat", type=int, default=1, help="warm engine runs")
    # hidden: shrink the problem further (smoke test)
    ap.add_argument("--n-regions", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--n-industries", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    size = QUICK if args.quick else FULL
    for key, value in size.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.esda_sample = min(args.esda_sample, args.n_industries)
    if args.n_regions < 10 or args.esda_sample < 1 or args.repeat < 1:
        ap.error("need --n-regions >= 10, --esda-sample >= 1 and --repeat >= 1")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    t0 = time.perf_counter()
    import lps_geo.stats.spatial as spatial
    from lps_geo.stats.indicators import location_quotient
    from lps_geo.stats.weights import build_weights

    progress(f"imported lps_geo in {time.perf_counter() - t0:.2f} s")

    t0 = time.perf_counter()
    mesh = synthetic_mesh(args.n_regions, args.seed)
    E, region_total = synthetic_sizes(mesh, args.n_industries, args.seed)
    X = location_quotient(E, region_total)
    t_data = time.perf_counter() - t0
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # island report is not the point here
        graph, report = build_weights(mesh, "queen")
    t_weights = time.perf_counter() - t0
    zeros = float((E.to_numpy() == 0).mean())
    print(
        f"data: {len(mesh)} regions x {E.shape[1]} industries, {zeros:.1%} zeros, "
        f"QL max {np.nanmax(X.to_numpy()):.1f}; mesh+sizes+QL {t_data:.2f} s; "
        f"queen weights {t_weights:.2f} s (mean {report.mean_neighbors:.2f} "
        f"neighbours, {len(report.links_added)} island links)"
    )
    print(f"settings: permutations={args.permutations} seed={args.seed}")

    rng = np.random.default_rng([args.seed, 3])
    sample = sorted(
        rng.choice(X.columns.to_numpy(), args.esda_sample, replace=False).tolist()
    )
    progress(f"esda loop over {len(sample)} industries")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda_loop(X, graph, sample, args.permutations, args.seed)
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
        res, cold = run_engine(Xe, graph, args)
        warm, warm_local = [], []
        for i in range(args.repeat):
            progress(f"engine {engine!r} warm run {i + 1}/{args.repeat}")
            res, t = run_engine(Xe, graph, args)
            warm.append(t)
            progress(f"engine {engine!r} warm run, Local Moran + Gi* only")
            _, t = run_engine(Xe, graph, args, global_permutations=False)
            warm_local.append(t)
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
    )
    _print_timings("last warm run", res)
    agreement(res, ref)

    all_seconds = warm_s * scale
    engine_seconds = warm_local_s * scale
    speedup = esda_local * k_all / engine_seconds
    esda_all = sum(per.values()) * k_all
    print(
        f"all statistics (global Moran permutations included): engine "
        f"{all_seconds:.3f} s vs esda per-industry calls {esda_all:.1f} s -> "
        f"{esda_all / all_seconds:.2f}x"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"speedup_vs_esda_loop={speedup:.2f} engine_seconds={engine_seconds:.3f} "
        f"peak_rss_mb={peak:.1f}"
    )


if __name__ == "__main__":
    main()
