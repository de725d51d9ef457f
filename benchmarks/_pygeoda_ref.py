"""GeoDa's engine (pygeoda) as a per-industry reference for benchmarks/spatial.py.

GeoDa's fastest route for many variables is one ``pygeoda.local_moran`` and
one ``pygeoda.local_gstar`` call per industry with the lookup-table
permutation method (``permutation_method="lookup-table"``; any value other
than ``"complete"`` selects it in pygeoda 0.1.3), ``cpu_threads`` threads and
a fixed seed. GeoDa has no adaptive stopping: its p-value resolution is set by
R alone, and its p-values are one-sided *folded* pseudo p-values,
``(count of permuted statistics at least as extreme on the observed side + 1)
/ (R + 1)``, whose floor is 1 / (R + 1); ``min(1, 2 p)`` is comparable with
the engine's two-sided conditional p (floor 2 / (R + 1)).

pygeoda is a benchmark-only dependency (``pip install -e .[bench]``): only
this module imports it, and only when called, so ``benchmarks/spatial.py``
runs (without this reference) where it is not installed.
"""

from __future__ import annotations

import importlib.util
import time

import numpy as np

#: pygeoda's name for the lookup-table permutation method (0.1.3).
PERMUTATION_METHOD = "lookup-table"


def available() -> bool:
    """Whether pygeoda can be imported (without importing it)."""
    return importlib.util.find_spec("pygeoda") is not None


def queen_weights(mesh):
    """pygeoda queen contiguity weights of ``mesh``, rows in ``mesh``'s order.

    pygeoda reads a GeoDataFrame's geometries by position 0..n-1, so the
    region-code index goes into a column first (row order unchanged).
    """
    import pygeoda

    gda = pygeoda.open(mesh.reset_index())
    return gda, pygeoda.queen_weights(gda)


def neighbour_mismatches(w, graph, ids) -> int:
    """Regions whose pygeoda neighbours differ from ``graph``'s.

    ``ids`` is the mesh's region order (pygeoda's row order); ``graph`` is the
    libpysal Graph the engine uses. 0 means same regions, same order, same
    neighbours.
    """
    a = graph.sparse.tocsr()
    order = {code: i for i, code in enumerate(graph.unique_ids)}
    pos = np.array([order[c] for c in ids])  # mesh row -> graph row
    back = np.empty_like(pos)
    back[pos] = np.arange(len(pos))  # graph row -> mesh row
    bad = 0
    for i in range(len(ids)):
        row = pos[i]
        nb = a.indices[a.indptr[row] : a.indptr[row + 1]]
        nb = nb[a.data[a.indptr[row] : a.indptr[row + 1]] != 0]
        if sorted(back[nb].tolist()) != sorted(w.get_neighbors(i)):
            bad += 1
    return bad


def _calls(w, y: list, permutations: int, seed: int, threads: int, cutoff: float):
    import pygeoda

    opts = {
        "permutations": permutations,
        "permutation_method": PERMUTATION_METHOD,
        "significance_cutoff": cutoff,
        "cpu_threads": threads,
        "seed": seed,
    }
    t0 = time.perf_counter()
    lm = pygeoda.local_moran(w, y, **opts)
    lisa_i, lisa_p = lm.lisa_values(), lm.lisa_pvalues()
    t1 = time.perf_counter()
    gs = pygeoda.local_gstar(w, y, **opts)
    gi_p = gs.lisa_pvalues()
    t2 = time.perf_counter()
    return (lisa_i, lisa_p, gi_p), (t1 - t0, t2 - t1)


def loop(
    X,
    w,
    sample: list[str],
    permutations: int,
    seed: int,
    threads: int = 2,
    cutoff: float = 0.05,
    progress=None,
) -> dict:
    """Local Moran and local G* per sampled industry, timed after a warm-up.

    Returns the warm-up seconds, per-industry seconds of each statistic, and
    the sampled industries' LISA values and folded p-values (regions x
    sample arrays, regions in ``X``'s order).
    """
    _, cold = _calls(w, X[sample[0]].tolist(), permutations, seed, threads, cutoff)
    if progress:
        progress(
            f"pygeoda warm-up at R={permutations}: local_moran {cold[0]:.2f} s, "
            f"local_gstar {cold[1]:.2f} s"
        )
    n = len(X)
    out = {
        name: np.full((n, len(sample)), np.nan) for name in ("lisa_i", "lisa_p", "gi_p")
    }
    lisa_s, gi_s = [], []
    for j, code in enumerate(sample):
        vals, (tl, tg) = _calls(
            w, X[code].tolist(), permutations, seed, threads, cutoff
        )
        for name, v in zip(("lisa_i", "lisa_p", "gi_p"), vals, strict=True):
            out[name][:, j] = np.asarray(v, dtype=float)
        lisa_s.append(tl)
        gi_s.append(tg)
        if progress and ((j + 1) % 5 == 0 or j + 1 == len(sample)):
            progress(
                f"pygeoda loop at R={permutations}: {j + 1}/{len(sample)} industries"
            )
    return {"cold": list(cold), "lisa_s": lisa_s, "gi_s": gi_s, **out}
