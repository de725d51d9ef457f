"""Compiled kernels of the batched spatial statistics engine (numba).

The engine shares one set of conditional-permutation draws across every site
and every industry and processes industries in column blocks, so the work per
permutation is a handful of additions per neighbour and industry. The
functions here are private; :mod:`lps_geo.stats.spatial` is the public face.

All kernels are compiled with ``cache=True`` so that a new process loads them
from the on-disk cache instead of compiling again.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True)
def conditional_draws(max_card, n, permutations, seed):  # pragma: no cover - jit
    """``(R, max_card)`` ids drawn without replacement from ``range(n - 1)``.

    The same generator, seed and call sequence as esda's ``vec_permutations``,
    so the engine and esda see identical conditional-permutation draws. Id
    ``d`` for site ``i`` means region ``d`` if ``d < i`` else ``d + 1`` (the
    site itself is skipped).
    """
    np.random.seed(seed)
    out = np.empty((permutations, max_card), dtype=np.int64)
    for r in range(permutations):
        out[r] = np.random.choice(n - 1, size=max_card, replace=False)
    return out


@njit(parallel=True, cache=True)
def local_counts(y, card, obs, draws, tol, chunk):  # pragma: no cover - jit
    """Rank of each site's observed neighbour sum among its permuted sums.

    Conditional permutation with shared draws: site ``i`` with ``k``
    neighbours takes the first ``k`` ids of draw ``r``, shifted past itself
    (``d -> d + 1`` when ``d >= i``). For a fixed draw and cardinality the
    permuted sum therefore changes with ``i`` only where ``i`` crosses one of
    the ``k`` drawn ids, so sites are processed in index-ordered chunks and
    each distinct sum is computed once per chunk, not once per site: the work
    per permutation is one comparison per site and industry.

    Parameters
    ----------
    y : (n, B) float64, C-contiguous
        One block of industries.
    card : (n,) int64
        Neighbour count of every site (binary weights).
    obs : (n, B) float64
        Observed neighbour sums.
    draws : (R, max_card) int64
        Shared draws (see :func:`conditional_draws`).
    tol : (B,) float64
        Permuted sums within ``tol`` of the observed one are ties.
    chunk : int
        Sites per chunk (a chunk's sums and counts stay in cache).

    Returns
    -------
    n_ge, n_le : (n, B) int32
        Permutations whose sum is >= (resp. <=) the observed one, ties
        counted in both.
    """
    n, b = y.shape
    r_count = draws.shape[0]
    n_ge = np.zeros((n, b), dtype=np.int32)
    n_le = np.zeros((n, b), dtype=np.int32)
    n_chunks = (n + chunk - 1) // chunk
    for ci in prange(n_chunks):
        i0 = ci * chunk
        i1 = min(n, i0 + chunk)
        m = i1 - i0
        # the chunk's sites grouped by cardinality, in index order
        order = np.argsort(card[i0:i1], kind="mergesort")
        ks = card[i0:i1][order]
        hi = np.empty((m, b))
        lo = np.empty((m, b))
        for t in range(m):
            for col in range(b):
                hi[t, col] = obs[i0 + t, col] - tol[col]
                lo[t, col] = obs[i0 + t, col] + tol[col]
        ge = np.zeros((m, b), dtype=np.int32)
        le = np.zeros((m, b), dtype=np.int32)
        s = np.empty(b)
        for r in range(r_count):
            g0 = 0
            while g0 < m:
                k = ks[g0]
                g1 = g0
                while g1 < m and ks[g1] == k:
                    g1 += 1
                if k > 0:
                    d = np.sort(draws[r, :k])
                    last = -1  # number of drawn ids below the current site
                    for g in range(g0, g1):
                        t = order[g]
                        i = i0 + t
                        below = 0
                        while below < k and d[below] < i:
                            below += 1
                        if below != last:
                            for col in range(b):
                                s[col] = 0.0
                            for c in range(k):
                                j = d[c] + (1 if c >= below else 0)
                                for col in range(b):
                                    s[col] += y[j, col]
                            last = below
                        for col in range(b):
                            ge[t, col] += s[col] >= hi[t, col]
                            le[t, col] += s[col] <= lo[t, col]
                g0 = g1
        for t in range(m):
            for col in range(b):
                n_ge[i0 + t, col] = ge[t, col]
                n_le[i0 + t, col] = le[t, col]
    return n_ge, n_le


@njit(parallel=True, cache=True)
def global_moran_sims(zc, indptr, indices, weights, perms):  # pragma: no cover
    """Numerators sum_i z_p(i) sum_j w_ij z_p(j) for each permutation p.

    ``zc`` is an (n, B) block of centred values; ``perms`` an (R, n) array of
    full permutations of ``range(n)``. Returns an (R, B) array.
    """
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
