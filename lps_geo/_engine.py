"""Compiled kernels of the batched spatial statistics engine (numba).

The engine shares one set of conditional-permutation draws across every site
and every industry and processes industries in column blocks, so the work per
permutation is a handful of additions per neighbour and industry. The
functions here are private; :mod:`lps_geo.spatial` is the public face.

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
def local_counts(y, indptr, indices, weights, draws, tol):  # pragma: no cover
    """Rank of each site's observed neighbour sum among its permuted sums.

    Parameters
    ----------
    y : (n, B) float64, C-contiguous
        One block of industries.
    indptr, indices, weights : CSR arrays of the weights graph (no self-loops)
    draws : (R, max_card) int64
        Shared conditional-permutation draws (see :func:`conditional_draws`).
    tol : (B,) float64
        Absolute tolerance per column: permuted sums within ``tol`` of the
        observed sum are ties.

    Returns
    -------
    n_ge, n_le : (n, B) int64
        Number of permutations whose neighbour sum is >= (resp. <=) the
        observed one, ties counted in both.
    """
    n, b = y.shape
    r_count = draws.shape[0]
    n_ge = np.zeros((n, b), dtype=np.int64)
    n_le = np.zeros((n, b), dtype=np.int64)
    for i in prange(n):
        start = indptr[i]
        k = indptr[i + 1] - start
        if k == 0:
            continue
        obs = np.zeros(b)
        for c in range(k):
            j = indices[start + c]
            w = weights[start + c]
            for col in range(b):
                obs[col] += w * y[j, col]
        hi = np.empty(b)
        lo = np.empty(b)
        for col in range(b):
            hi[col] = obs[col] - tol[col]
            lo[col] = obs[col] + tol[col]
        ge = np.zeros(b, dtype=np.int64)
        le = np.zeros(b, dtype=np.int64)
        acc = np.empty(b)
        for r in range(r_count):
            for col in range(b):
                acc[col] = 0.0
            for c in range(k):
                j = draws[r, c]
                if j >= i:
                    j += 1
                w = weights[start + c]
                for col in range(b):
                    acc[col] += w * y[j, col]
            for col in range(b):
                if acc[col] >= hi[col]:
                    ge[col] += 1
                if acc[col] <= lo[col]:
                    le[col] += 1
        for col in range(b):
            n_ge[i, col] = ge[col]
            n_le[i, col] = le[col]
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
