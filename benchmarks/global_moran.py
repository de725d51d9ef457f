"""Time the global Moran permutation test: new module against today's loop.

Usage::

    python benchmarks/global_moran.py [--quick] [--permutations 999]
                                      [--seed 12345] [--repeat 3]
                                      [--variable ql|sizes]

Data: the synthetic national mesh of ``benchmarks/spatial.py`` (Voronoi
cells of seeded random points, 5,570 regions; 600 with ``--quick``) with its
zero-heavy industries (673; 60 with ``--quick``), queen contiguity from
``lps_geo.stats.weights.build_weights``, row-standardised; the variable is
the location quotient (default) or the sizes.

``old`` is the permutation test of global Moran's I as
``lps_geo.stats.spatial`` runs it before switching to the new module
(``_numba_engine`` at commit cedada8, ``_global_moran`` at 6d7a5bd; a frozen
copy below: esda's draws from ``np.random.RandomState(seed)`` stacked in
chunks, the ``global_moran_sims`` kernel over the directed edges in column
blocks of 64, tail counts and moments in numpy) plus its analytic moments;
``new`` is one :func:`lps_geo.stats.global_moran.global_moran` call, which
computes the same outputs. Both are warmed up first (numba compilation or
cache loading excluded), then run alternately ``--repeat`` times in this
process with the same numba thread count; the reported seconds are the
best wall-clock time of the repeats (the median and the CPU time of all
threads are printed too: on a shared machine the wall clock of a parallel
kernel suffers most from other processes). The two results are compared:
identical p-values, largest |z| and |I| differences.

The last line is::

    speedup=<x> old_seconds=<s> new_seconds=<s>
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from numba import njit, prange
from scipy import stats

HERE = Path(__file__).resolve().parent
FULL = {"n_regions": 5570, "n_industries": 673}
QUICK = {"n_regions": 600, "n_industries": 60}


def progress(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# today's implementation (frozen copy, commit cedada8)
# --------------------------------------------------------------------------


@njit(parallel=True, cache=True)
def _old_global_moran_sims(zc, indptr, indices, weights, perms):  # pragma: no cover
    """lps_geo.stats._engine.global_moran_sims at commit cedada8, verbatim."""
    n, b = zc.shape
    r_count = perms.shape[0]
    out = np.zeros((r_count, b))
    for r in prange(r_count):
        p = perms[r]
        tot = np.zeros(b)
        lag = np.empty(b)
        for i in range(n):
            start = indptr[i]
            stop = indptr[i + 1]
            if stop == start:
                continue
            for col in range(b):
                lag[col] = 0.0
            for e in range(start, stop):
                j = p[indices[e]]
                w = weights[e]
                for col in range(b):
                    lag[col] += w * zc[j, col]
            pi = p[i]
            for col in range(b):
                tot[col] += zc[pi, col] * lag[col]
        for col in range(b):
            out[r, col] = tot[col]
    return out


def old_global_moran(y, wr, card, permutations, seed, block=64, tie_rtol=1e-11):
    """Global Moran of ``lps_geo.stats.spatial`` at cedada8 / 6d7a5bd."""
    n, k = y.shape
    mean = y.mean(axis=0)
    sd = y.std(axis=0)
    flat = sd == 0
    s0 = float((card > 0).sum())
    zc = y - mean
    z2ss = (zc * zc).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        inum = (zc * (wr @ zc)).sum(axis=0)
        moran_i = n / s0 * inum / z2ss
    ei = -1.0 / (n - 1)
    wsym = wr + wr.T
    s1 = float(wsym.multiply(wsym).sum()) / 2.0
    s2 = float(
        (
            (np.asarray(wr.sum(axis=1)).ravel() + np.asarray(wr.sum(axis=0)).ravel())
            ** 2
        ).sum()
    )
    s02 = s0 * s0
    with np.errstate(divide="ignore", invalid="ignore"):
        kurt = ((zc**4).sum(axis=0) / n) / ((zc**2).sum(axis=0) / n) ** 2
        va = n * ((n * n - 3 * n + 3) * s1 - n * s2 + 3 * s02)
        vb = kurt * ((n * n - n) * s1 - 2 * n * s2 + 6 * s02)
        vi_rand = (va - vb) / ((n - 1) * (n - 2) * (n - 3) * s02) - ei * ei
        z_rand = (moran_i - ei) / np.sqrt(vi_rand)
    p_rand = 2 * stats.norm.sf(np.abs(z_rand))

    wr_ptr = wr.indptr.astype(np.int64)
    wr_idx = wr.indices.astype(np.int64)
    wr_w = wr.data.astype(float)
    tol = tie_rtol * np.maximum(np.abs(moran_i), 1e-300)
    ge = np.zeros(k)
    le = np.zeros(k)
    s_sum = np.zeros(k)
    s_sq = np.zeros(k)
    state = np.random.RandomState(seed)
    chunk = max(1, min(permutations, 2_000_000 // max(n, 1)))
    done = 0
    while done < permutations:
        m = min(chunk, permutations - done)
        perms = np.stack([state.permutation(n) for _ in range(m)])
        for j0 in range(0, k, block):
            j1 = min(k, j0 + block)
            zb = np.ascontiguousarray(zc[:, j0:j1])
            sims = _old_global_moran_sims(zb, wr_ptr, wr_idx, wr_w, perms)
            with np.errstate(divide="ignore", invalid="ignore"):
                sims = n / s0 * sims / z2ss[j0:j1]
            ge[j0:j1] += (sims >= moran_i[j0:j1] - tol[j0:j1]).sum(axis=0)
            le[j0:j1] += (sims <= moran_i[j0:j1] + tol[j0:j1]).sum(axis=0)
            s_sum[j0:j1] += sims.sum(axis=0)
            s_sq[j0:j1] += (sims * sims).sum(axis=0)
        done += m
    with np.errstate(divide="ignore", invalid="ignore"):
        m_ = np.minimum(ge, le)
        moran_p = np.minimum(2.0 * (m_ + 1.0) / (permutations + 1.0), 1.0)
        sim_mean = s_sum / permutations
        sim_sd = np.sqrt(np.maximum(s_sq / permutations - sim_mean**2, 0.0))
        moran_z = (moran_i - sim_mean) / sim_sd
    out = {
        "moran_i": moran_i,
        "moran_ei": np.full(k, ei),
        "moran_z": moran_z,
        "moran_p": moran_p,
        "moran_z_rand": z_rand,
        "moran_p_rand": p_rand,
    }
    for arr in out.values():
        arr[flat] = np.nan
    return out


# --------------------------------------------------------------------------
# data and runs
# --------------------------------------------------------------------------


def build_inputs(args):
    """(y, row-standardised csr, cardinalities) of the synthetic mesh."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    from spatial import synthetic_mesh, synthetic_sizes

    from lps_geo.stats.indicators import location_quotient
    from lps_geo.stats.weights import build_weights

    mesh = synthetic_mesh(args.n_regions, args.seed)
    E, region_total = synthetic_sizes(mesh, args.n_industries, args.seed)
    X = location_quotient(E, region_total) if args.variable == "ql" else E
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the island report is not the point
        graph, _ = build_weights(mesh, "queen")
    ids = graph.unique_ids
    a = graph.sparse.tocsr().astype(float)
    a.setdiag(0)
    a.eliminate_zeros()
    a.sort_indices()
    card = np.diff(a.indptr)
    rs = np.where(card > 0, 1.0 / np.maximum(card, 1), 0.0)
    wr = sp.csr_matrix(a.multiply(rs[:, None]))
    y = np.ascontiguousarray(X.reindex(ids).to_numpy(dtype=float))
    return y, wr, card


def compare(old, new) -> dict[str, float]:
    """Agreement of two result dicts (NaN where both are NaN counts as equal)."""

    def maxdiff(key):
        a, b = old[key], new[key]
        both = np.isnan(a) & np.isnan(b)
        if (np.isnan(a) != np.isnan(b)).any():
            return float("inf")
        return float(np.abs(a[~both] - b[~both]).max(initial=0.0))

    p_same = np.array_equal(old["moran_p"], new["moran_p"], equal_nan=True)
    return {
        "p_identical": float(p_same),
        "p_max_diff": maxdiff("moran_p"),
        "z_max_diff": maxdiff("moran_z"),
        "i_max_diff": maxdiff("moran_i"),
        "z_rand_max_diff": maxdiff("moran_z_rand"),
    }


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="600 x 60 instead")
    p.add_argument("--permutations", type=int, default=999)
    p.add_argument("--seed", type=int, default=12345)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--variable", choices=("ql", "sizes"), default="ql")
    p.add_argument("--n-regions", type=int, default=None)
    p.add_argument("--n-industries", type=int, default=None)
    args = p.parse_args(argv)
    size = QUICK if args.quick else FULL
    args.n_regions = args.n_regions or size["n_regions"]
    args.n_industries = args.n_industries or size["n_industries"]
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    import numba

    from lps_geo.stats.global_moran import global_moran

    t0 = time.perf_counter()
    y, wr, card = build_inputs(args)
    n, k = y.shape
    print(
        f"data: {n} regions x {k} industries ({args.variable}), "
        f"{(y == 0).mean():.1%} zeros, {wr.nnz} directed links; "
        f"built in {time.perf_counter() - t0:.2f} s"
    )
    print(
        f"settings: permutations={args.permutations} seed={args.seed} "
        f"repeat={args.repeat} numba_threads={numba.get_num_threads()}"
    )

    # warm-up: compilation or cache loading of both, on a slice
    t = time.perf_counter()
    old_global_moran(y[:, :4], wr, card, 3, args.seed)
    progress(f"old warm-up {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    global_moran(y[:, :4], wr, 3, args.seed)
    progress(f"new warm-up {time.perf_counter() - t:.2f} s")

    old_s, new_s, old_cpu, new_cpu = [], [], [], []
    old = new = timings = None
    for rep in range(args.repeat):
        t, c = time.perf_counter(), time.process_time()
        old = old_global_moran(y, wr, card, args.permutations, args.seed)
        old_s.append(time.perf_counter() - t)
        old_cpu.append(time.process_time() - c)
        t, c = time.perf_counter(), time.process_time()
        new, timings = global_moran(y, wr, args.permutations, args.seed)
        new_s.append(time.perf_counter() - t)
        new_cpu.append(time.process_time() - c)
        progress(
            f"repeat {rep + 1}: old {old_s[-1]:.3f} s ({old_cpu[-1]:.3f} s CPU), "
            f"new {new_s[-1]:.3f} s ({new_cpu[-1]:.3f} s CPU)"
        )

    print(
        "new stages (last run): "
        + ", ".join(f"{key} {val:.3f} s" for key, val in timings.items())
    )
    agree = compare(old, new)
    print(
        "agreement: p identical={} (max |dp| {:.3g}), max |dz| {:.3g}, "
        "max |dI| {:.3g}, max |dz_rand| {:.3g}".format(
            bool(agree["p_identical"]),
            agree["p_max_diff"],
            agree["z_max_diff"],
            agree["i_max_diff"],
            agree["z_rand_max_diff"],
        )
    )
    print(f"old seconds: best {min(old_s):.3f}, median {statistics.median(old_s):.3f}")
    print(f"new seconds: best {min(new_s):.3f}, median {statistics.median(new_s):.3f}")
    print(
        f"CPU seconds (all threads): old best {min(old_cpu):.3f}, "
        f"new best {min(new_cpu):.3f}, ratio {min(old_cpu) / min(new_cpu):.2f}"
    )
    ratio_med = statistics.median(old_s) / statistics.median(new_s)
    print(f"ratio: best {min(old_s) / min(new_s):.2f}, median {ratio_med:.2f}")
    print(
        f"speedup={min(old_s) / min(new_s):.2f} old_seconds={min(old_s):.3f} "
        f"new_seconds={min(new_s):.3f}"
    )


if __name__ == "__main__":
    main()
