"""Time the industry relatedness matrix and the per-LPS related industries.

Usage::

    python benchmarks/relatedness.py [--quick] [--repeat 2] [--data DIR]

Data: the RAIS 2015 establishment counts by CNAE group (285 groups x 5,570
municipalities; ``$LPS_GEO_DATA`` or ``../shared/data``, read with
``lps_geo.io.read_wide``) when present, otherwise a synthetic matrix of the
same shape; and a synthetic 673 classes x 5,570 regions matrix (lognormal
region sizes, gamma-Poisson counts, about as sparse as the RAIS groups).

For every method of :data:`lps_geo.stats.relatedness.RELATEDNESS_METHODS`,
``new`` is one :func:`relatedness_matrix` call; the reference, run in the same
process on the same matrix, is the naive way: ``pandas.DataFrame.corr()`` of
the variable for the locational correlations, and a Python loop over the
industry pairs counting co-occurrences column by column (then the same
normalisation) for the co-occurrence measures. Both results are compared
(largest absolute difference). Seconds are the best of ``--repeat`` runs
(``new``, default 2) and of one run (reference: it is the slow side; the
pair loop is shared by the co-occurrence methods and counted in each). Then
:func:`lps_relatedness` is timed for 4,091 and 17,000 synthetic LPS of 1 to 12
members. Runs in well under a minute on two cores.

The last line is::

    worst_seconds=<s> (slowest relatedness_matrix call, target: seconds)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from lps_geo.stats.related_lps import lps_relatedness
from lps_geo.stats.relatedness import (
    RELATEDNESS_METHODS,
    _normalise,
    binary_rca,
    relatedness_matrix,
)

HERE = Path(__file__).resolve().parent


def progress(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def synthetic(n_regions: int, n_industries: int, seed: int = 1) -> pd.DataFrame:
    """A zero-heavy region x industry count matrix with very unequal regions."""
    rng = np.random.default_rng(seed)
    size = rng.lognormal(0.0, 1.6, n_regions)
    weight = rng.lognormal(0.0, 1.0, n_industries)
    lam = (
        0.4
        * size[:, None]
        * weight[None, :]
        * rng.gamma(0.3, 1 / 0.3, (n_regions, n_industries))
    )
    x = rng.poisson(lam).astype(float)
    x[:, 0] += 1.0  # no empty region
    return pd.DataFrame(
        x,
        index=pd.Index([f"{1100000 + i}" for i in range(n_regions)], name="region"),
        columns=pd.Index([f"i{k:03d}" for k in range(n_industries)], name="industry"),
    )


def rais_groups(data: Path) -> pd.DataFrame | None:
    path = data / "employment" / "RAIS_N_ESTABELECIMENTOS_2015_ALTERADO.csv"
    cnae = data / "lookups" / "CNAE20_EstruturaDetalhada.xls"
    if not (path.exists() and cnae.exists()):
        return None
    from lps_geo.io import read_cnae_table, read_wide

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = read_wide(
            path, "ID_do_municipio", "establishments", cnae=read_cnae_table(cnae)
        )
    return tables.establishments


# --------------------------------------------------------------------------
# naive references
# --------------------------------------------------------------------------


def pair_loop_cooccurrence(E: pd.DataFrame) -> np.ndarray:
    """Co-occurrence counts by a Python loop over the industry pairs."""
    m = binary_rca(E).to_numpy().astype(bool)
    n = m.shape[1]
    cols = [m[:, k] for k in range(n)]
    c = np.zeros((n, n))
    for i in range(n):
        c[i, i] = np.count_nonzero(cols[i])
        for j in range(i + 1, n):
            c[i, j] = c[j, i] = np.count_nonzero(cols[i] & cols[j])
    return c


def reference(E: pd.DataFrame, method: str, cooc: dict) -> tuple[float, np.ndarray]:
    """Seconds and the same matrix the slow way (pandas corr, or a pair loop).

    The pair loop is the same for every co-occurrence method: it runs once
    per matrix (``cooc`` caches it with its time) and each method adds its
    normalisation.
    """
    t0 = time.perf_counter()
    x = E.to_numpy()
    if method.startswith("corr_"):
        e_j = x.sum(axis=1)
        keep = e_j > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            if method == "corr_share":
                v = x / x.sum(axis=0)
            else:
                v = (x / e_j[:, None]) / (x.sum(axis=0) / x.sum())
                v = np.log1p(v) if method == "corr_log_ql" else v
        out = pd.DataFrame(v[keep]).corr().to_numpy()
        seconds = time.perf_counter() - t0
    else:
        if "c" not in cooc:
            cooc["c"] = pair_loop_cooccurrence(E)
            cooc["seconds"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        c = cooc["c"]
        if method == "proximity":
            occ = np.diag(c)
            with np.errstate(divide="ignore", invalid="ignore"):
                out = c / np.maximum(occ[:, None], occ[None, :])
            out = np.where(np.isfinite(out), out, 0.0)
        else:
            out = _normalise(c, method)
        seconds = cooc["seconds"] + time.perf_counter() - t0
    out = out.copy()
    np.fill_diagonal(out, np.nan)
    return seconds, out


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, result = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def time_methods(
    label: str, E: pd.DataFrame, repeat: int, with_reference: bool
) -> float:
    print(f"\n{label}: {E.shape[1]} industries x {E.shape[0]} regions")
    print(f"{'method':<13}{'new_s':>9}{'ref_s':>9}{'ratio':>9}{'max_abs_diff':>14}")
    worst, cooc = 0.0, {}
    for method in RELATEDNESS_METHODS:
        new_s, new = best_of(lambda m=method: relatedness_matrix(E, m), repeat)
        worst = max(worst, new_s)
        if with_reference:
            ref_s, ref = reference(E, method, cooc)
            a = new.to_numpy()
            both = np.isfinite(a) & np.isfinite(ref)
            diff = float(np.abs(a[both] - ref[both]).max()) if both.any() else 0.0
            ratio = ref_s / new_s
            print(f"{method:<13}{new_s:>9.3f}{ref_s:>9.3f}{ratio:>9.1f}{diff:>14.2e}")
        else:
            print(f"{method:<13}{new_s:>9.3f}{'-':>9}{'-':>9}{'-':>14}")
    return worst


def time_lps(E: pd.DataFrame, n_lps: int, seed: int = 2) -> None:
    rng = np.random.default_rng(seed)
    codes = E.index.to_numpy()
    lps = pd.DataFrame(
        {
            "industry": E.columns[rng.integers(0, E.shape[1], n_lps)],
            "members": [
                ",".join(rng.choice(codes, rng.integers(1, 13), replace=False))
                for _ in range(n_lps)
            ],
        },
        index=pd.Index([f"lps{k}" for k in range(n_lps)], name="lps_id"),
    )
    R = relatedness_matrix(E)
    t0 = time.perf_counter()
    out = lps_relatedness(E, lps, R)
    seconds = time.perf_counter() - t0
    shape = f"{n_lps} LPS x {E.shape[1]} industries"
    print(f"lps_relatedness: {shape}: {seconds:.3f} s ({out!r})")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="600 regions, no 673 run")
    p.add_argument("--repeat", type=int, default=2)
    default_data = Path(
        os.environ.get("LPS_GEO_DATA", HERE.parents[1] / "shared" / "data")
    )
    p.add_argument("--data", type=Path, default=default_data)
    args = p.parse_args(argv)

    n_regions = 600 if args.quick else 5570
    E285 = None if args.quick else rais_groups(args.data)
    label = "RAIS 2015 groups (real)"
    if E285 is None:
        E285, label = synthetic(n_regions, 285), "synthetic groups"
    worst = time_methods(label, E285, args.repeat, with_reference=True)
    if not args.quick:
        E673 = synthetic(5570, 673, seed=3)
        worst = max(worst, time_methods("synthetic classes", E673, args.repeat, True))
        print()
        time_lps(E285, 4091)
        time_lps(E673, 17000)
    print(f"\nworst_seconds={worst:.3f} (slowest relatedness_matrix call)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
