"""Empirical FDR, power, time and draws of the local permutation tests.

Usage::

    python benchmarks/inference.py [--quick] [--seed 12345] [--planted 60]
                                   [--null 60] [--rmax-sample 4]
                                   [--no-rmax]

Data: the synthetic municipal mesh of ``benchmarks/spatial.py`` (Voronoi
cells, 5,570 regions; 600 with ``--quick``) and its zero-heavy industries
(``synthetic_sizes``: 70-95 % zeros for most industries, lognormal or
negative-binomial sizes). ``synthetic_sizes`` does not say which cells its
blobs boosted, so every industry first has its rows shuffled over the map:
a *null* industry (``--null`` of them) is just that, real-looking sizes with
no spatial structure; a *planted* industry (``--planted``) then gets one to
three blobs planted the way ``synthetic_sizes`` plants them (all cells whose
centroid lies within 1.5-4.5 cell widths of a random centre: present with
probability 0.85, sizes 5-30 times larger), and the blob cells are recorded.
The analysed variable is the size itself (a location quotient's region total
would carry the planted blobs of other industries into the null ones).

Every configuration is one ``spatial_statistics`` call on all industries
(Benjamini-Hochberg per industry at alpha = 0.05, no global permutations):
``permutations=999`` and ``"auto"`` with ``gi_null`` total, conditional and
analytic (the Local Moran is the same test in the three), and a fixed R =
R_max (the most draws ``"auto"`` may use) with ``gi_null="total"`` on
``--rmax-sample`` planted and as many null industries.

Reported per configuration and statistic (LISA: any significant label; Gi*:
adjusted p <= alpha):

* ``null_any``: share of the null industries with at least one rejection
  (their FDR: every rejection is false);
* ``false_share``: among the rejections in planted industries, the share
  outside the blobs and their first ring of queen neighbours (a ring cell's
  neighbour sum really is raised, so its rejection is not false), and
  ``false_hot`` the same for High-High / hot spots (Gi* z > 0);
* ``power``: share of blob cells labelled High-High (LISA) or hot spot
  (Gi*: adjusted p <= alpha, z > 0), and ``detected`` the share of planted
  industries with at least one such blob cell;
* seconds of the call, and the draws the tests used (``res.draws``).

Prints, never asserts. Progress on stderr; the last line (printed as one
line, wrapped here) sums up ``permutations="auto"``::

    fdr_null lisa=<x> gi_total=<x> gi_analytic=<x> power lisa=<x>
    gi_total=<x> auto_seconds=<s> r999_seconds=<s>

A full run (5,570 regions, 120 industries, R_max = 222,800 on 8 of them)
takes about 3 minutes on 2 cores; ``--quick`` about 30 s.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from spatial import SIDE, synthetic_mesh, synthetic_sizes  # noqa: E402

ALPHA = 0.05
FULL = {"n_regions": 5570, "planted": 60, "null": 60, "rmax_sample": 4}
QUICK = {"n_regions": 600, "planted": 60, "null": 60, "rmax_sample": 4}
GI_NULLS = ("total", "conditional", "analytic")


def progress(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------


def build_data(n_regions: int, planted: int, null: int, seed: int):
    """Mesh, queen graph, sizes (planted industries first) and blob masks."""
    from lps_geo.stats.weights import build_weights

    mesh = synthetic_mesh(n_regions, seed)
    k = planted + null
    E, _ = synthetic_sizes(mesh, k, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # island report is not the point here
        graph, _ = build_weights(mesh, "queen")
    n = len(mesh)
    rng = np.random.default_rng([seed, 40])
    cxy = shapely.get_coordinates(mesh.geometry.centroid.to_numpy())
    width = np.sqrt(SIDE * SIDE / n)
    y = E.to_numpy(dtype=float).copy()
    blob = np.zeros((n, k), dtype=bool)
    for j in range(k):
        y[:, j] = y[rng.permutation(n), j]
    for j in range(planted):
        col = y[:, j]
        nonzero = col[col > 0]
        boost = np.ones(n)
        for _ in range(int(rng.integers(1, 4))):
            centre = cxy[rng.integers(n)]
            inside = np.hypot(*(cxy - centre).T) <= rng.uniform(1.5, 4.5) * width
            turn_on = inside & (col == 0) & (rng.random(n) < 0.85)
            col[turn_on] = rng.choice(nonzero, int(turn_on.sum()))
            boost[inside] *= rng.uniform(5.0, 30.0)
            blob[:, j] |= inside
        y[:, j] = np.ceil(col * boost)
    names = [f"P{j:03d}" for j in range(planted)] + [f"N{j:03d}" for j in range(null)]
    X = pd.DataFrame(y, index=mesh.index, columns=pd.Index(names, name="industry"))
    X = X.reindex(pd.Index(graph.unique_ids, name="region"))
    blob = pd.DataFrame(blob, index=mesh.index, columns=names).reindex(X.index)
    a = graph.sparse.tocsr().astype(bool).astype(np.int8)
    a.setdiag(0)
    ring = blob.to_numpy() | ((a @ blob.to_numpy().astype(np.int8)) > 0)
    near = pd.DataFrame(ring, index=X.index, columns=names)
    return mesh, graph, X, blob, near


# --------------------------------------------------------------------------
# runs and measures
# --------------------------------------------------------------------------


def run(X, graph, permutations, gi_null: str, seed: int):
    from lps_geo.stats.spatial import spatial_statistics

    last = [0.0]

    def tick(stat, draws, active, r_max):
        now = time.perf_counter()
        if now - last[0] > 5:
            progress(f"  {stat}: {active} tests running, draws up to {draws}/{r_max}")
            last[0] = now

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the resolution warning of R = 999
        res = spatial_statistics(
            X,
            graph,
            permutations=permutations,
            seed=seed,
            alpha=ALPHA,
            correction="fdr",
            gi_null=gi_null,
            global_permutations=False,
            progress=tick,
        )
    return res, time.perf_counter() - t0


def _wide(series: pd.Series, X: pd.DataFrame) -> pd.DataFrame:
    return series.unstack("industry").reindex(index=X.index, columns=X.columns)


def measures(res, X, blob, near) -> dict[str, dict]:
    """FDR and power of LISA and Gi* of one result (see the module doc)."""
    loc = res.local
    sig_lisa = _wide(loc["lisa_p_adj"] <= ALPHA, X).fillna(False).astype(bool)
    hh = _wide(loc["lisa_label"] == "High-High", X).fillna(False).astype(bool)
    sig_gi = _wide(loc["gi_p_adj"] <= ALPHA, X).fillna(False).astype(bool)
    hot = sig_gi & (_wide(loc["gi_z"], X) > 0)
    planted = [c for c in X.columns if c.startswith("P")]
    null = [c for c in X.columns if c.startswith("N")]
    out = {}
    for stat, sig, pos in (("lisa", sig_lisa, hh), ("gi", sig_gi, hot)):
        s_p, pos_p = sig[planted].to_numpy(), pos[planted].to_numpy()
        far = ~near[planted].to_numpy()
        b = blob[planted].to_numpy()
        out[stat] = {
            "null_any": float(sig[null].any(axis=0).mean()) if null else np.nan,
            "null_rejections": int(sig[null].to_numpy().sum()),
            "false_share": float((s_p & far).sum() / max(s_p.sum(), 1)),
            "false_hot": float((pos_p & far).sum() / max(pos_p.sum(), 1)),
            "power": float((pos_p & b).sum() / max(b.sum(), 1)) if planted else np.nan,
            "detected": float((pos_p & b).any(axis=0).mean()) if planted else np.nan,
            "rejections": int(s_p.sum()),
        }
    return out


def draws_text(res, stat: str) -> str:
    d = res.draws.get(stat)
    if not d:
        return "-"
    keep = {k: d[k] for k in ("mean", "continued", "at_max") if k in d}
    keep["by_draws"] = d.get("by_draws")
    return json.dumps(keep, separators=(",", ":"))


def print_rows(label: str, res, seconds: float, m: dict) -> None:
    stats_ = [("lisa", "LISA")]
    if res.gi_null:
        stats_.append(("gi", f"Gi* {res.gi_null}"))
    for stat, name in stats_:
        r = m[stat]
        print(
            f"{label:<14} {name:<16} {seconds:8.1f} s  null_any={r['null_any']:.3f} "
            f"(rej {r['null_rejections']})  false_share={r['false_share']:.3f} "
            f"false_hot={r['false_hot']:.3f}  power={r['power']:.3f} "
            f"detected={r['detected']:.2f} (rej {r['rejections']})  "
            f"draws={draws_text(res, stat)}",
            flush=True,
        )


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="600 regions")
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument("--n-regions", type=int)
    ap.add_argument("--planted", type=int)
    ap.add_argument("--null", type=int)
    ap.add_argument("--rmax-sample", type=int)
    ap.add_argument("--no-rmax", action="store_true", help="skip fixed R = R_max")
    args = ap.parse_args(argv)
    base = QUICK if args.quick else FULL
    for key, value in base.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    t0 = time.perf_counter()
    progress(
        f"data: {args.n_regions} regions, {args.planted} planted + {args.null} "
        "null industries"
    )
    mesh, graph, X, blob, near = build_data(
        args.n_regions, args.planted, args.null, args.seed
    )
    zeros = (X == 0).mean()
    planted = [c for c in X.columns if c.startswith("P")]
    print(
        f"# {len(X)} regions, {len(planted)} planted + {X.shape[1] - len(planted)} "
        f"null industries; zeros per industry {zeros.min():.2f}-{zeros.max():.2f} "
        f"(mean {zeros.mean():.2f}); blob cells per planted industry "
        f"{blob[planted].sum().mean():.1f} "
        f"(ring included {near[planted].sum().mean():.1f})"
    )
    print(
        f"# {'config':<12} {'statistic':<16} {'seconds':>8}    FDR and power "
        "after BH per industry at alpha = 0.05"
    )
    results = {}
    # warm-up on a slice (numba compilation / cache load is not timed)
    run(X.iloc[:, :2], graph, "auto", "total", args.seed)
    for permutations in (999, "auto"):
        for gi_null in GI_NULLS:
            progress(f"permutations={permutations}, gi_null={gi_null}")
            res, sec = run(X, graph, permutations, gi_null, args.seed)
            m = measures(res, X, blob, near)
            results[(permutations, gi_null)] = (res, sec, m)
            print_rows(f"R={permutations}", res, sec, m)
    auto = results[("auto", "total")][0]
    r_max = auto.max_draws
    print(f"# R_max of 'auto' = {r_max}")
    if not args.no_rmax and args.rmax_sample:
        sample = (
            planted[: args.rmax_sample]
            + [c for c in X.columns if c.startswith("N")][: args.rmax_sample]
        )
        Xs = X[sample]
        progress(f"fixed R = {r_max} on {len(sample)} industries")
        res, sec = run(Xs, graph, r_max, "total", args.seed)
        m = measures(res, Xs, blob[sample], near[sample])
        print_rows(f"R={r_max}", res, sec, m)
        sub, sub_s = run(Xs, graph, "auto", "total", args.seed)
        ms = measures(sub, Xs, blob[sample], near[sample])
        print_rows("auto(sample)", sub, sub_s, ms)
        for stat, col in (("lisa", "lisa_p_adj"), ("gi", "gi_p_adj")):
            a = sub.local[col] <= ALPHA
            b = res.local[col] <= ALPHA
            print(
                f"# same {stat} decisions, auto vs R={r_max}: "
                f"{(a == b).mean():.5f} ({int((a & ~b).sum())} only auto, "
                f"{int((~a & b).sum())} only R_max); seconds {sub_s:.1f} vs {sec:.1f} "
                f"(x{sec / max(sub_s, 1e-9):.0f})"
            )
    ma, sa = results[("auto", "total")][2], results[("auto", "total")][1]
    man = results[("auto", "analytic")][2]
    s999 = results[(999, "total")][1]
    progress(f"done in {time.perf_counter() - t0:.0f} s")
    print(
        f"fdr_null lisa={ma['lisa']['null_any']:.3f} "
        f"gi_total={ma['gi']['null_any']:.3f} "
        f"gi_analytic={man['gi']['null_any']:.3f} "
        f"power lisa={ma['lisa']['power']:.3f} gi_total={ma['gi']['power']:.3f} "
        f"auto_seconds={sa:.1f} r999_seconds={s999:.1f}"
    )


if __name__ == "__main__":
    main()
