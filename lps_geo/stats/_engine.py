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


# --------------------------------------------------------------------------
# sequential (adaptive) inference: draws by row number, counts per test
# --------------------------------------------------------------------------

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@njit(cache=True, inline="always")
def _mix(z):  # pragma: no cover - jit
    """SplitMix64's output function (Steele, Lea & Flood 2014)."""
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


@njit(parallel=True, cache=True)
def draw_rows(key, r0, r1, pool, size):  # pragma: no cover - jit
    """Rows ``r0 .. r1 - 1`` of a stream of ordered samples without
    replacement: ``size`` distinct ids from ``range(pool)`` per row.

    Row ``r`` depends only on ``(key, r)`` (a SplitMix64 counter generator),
    so every batch sees the same draws whatever the batch sizes and the
    number of threads; the first ``k`` ids of a row are a uniform k-subset.
    """
    out = np.empty((r1 - r0, size), dtype=np.int32)
    base = _mix(np.uint64(key))
    scale = 1.0 / 9007199254740992.0  # 2**-53
    for t in prange(r1 - r0):
        state = _mix(base ^ _mix(np.uint64(r0 + t) * _GOLDEN + _GOLDEN))
        for c in range(size):
            while True:
                state += _GOLDEN
                u = np.float64(_mix(state) >> np.uint64(11)) * scale
                v = np.int32(u * pool)
                dup = False
                for e in range(c):
                    if out[t, e] == v:
                        dup = True
                        break
                if not dup:
                    break
            out[t, c] = v
    return out


@njit(parallel=True, cache=True)
def pair_counts(yt, kk, site, col, obs, tol, draws, skip_self):  # pragma: no cover
    """Tail counts of single (site, industry) tests over a block of draws.

    Test ``p`` sums ``yt[col[p]]`` over the first ``kk[p]`` ids of every row
    of ``draws``; with ``skip_self`` ids at or above ``site[p]`` are shifted
    by one (draws from the other n - 1 regions: conditional permutation).
    Returns int64 counts of sums ``>= obs - tol`` and ``<= obs + tol``.
    Sort the tests by industry so that neighbouring tests read one column.
    """
    n_pairs = site.shape[0]
    rows = draws.shape[0]
    ge = np.zeros(n_pairs, dtype=np.int64)
    le = np.zeros(n_pairs, dtype=np.int64)
    for p in prange(n_pairs):
        i = site[p] if skip_self else 2147483647
        yj = yt[col[p]]
        k = kk[p]
        hi = obs[p] - tol[p]
        lo = obs[p] + tol[p]
        g = 0
        q = 0
        for r in range(rows):
            s = 0.0
            for c in range(k):
                d = draws[r, c]
                s += yj[d + (d >= i)]
            g += s >= hi
            q += s <= lo
        ge[p] = g
        le[p] = q
    return ge, le


@njit(parallel=True, cache=True)
def star_counts(yt, card, obs, tol, draws):  # pragma: no cover - jit
    """Total-permutation tail counts of every site's star sum (Gi*).

    Under total randomisation the star sum of a site with ``k`` neighbours
    (its own value plus theirs) is the sum of ``k + 1`` values drawn without
    replacement from all n, whatever the site, so one null sample per
    industry and cardinality serves every site: the prefix sums of each row
    of ``draws`` (ids from ``range(n)``) are sorted once and every site's
    count is two binary searches.

    Parameters
    ----------
    yt : (B, n) float64, one block of industries, transposed
    card : (n,) int64 neighbour counts
    obs : (B, n) observed star sums
    tol : (B,) tie tolerance per industry
    draws : (R, max_card + 1) int32

    Returns
    -------
    n_ge, n_le : (n, B) int32 (isolated sites get 0)
    """
    b, n = yt.shape
    rows, size = draws.shape
    n_ge = np.zeros((n, b), dtype=np.int32)
    n_le = np.zeros((n, b), dtype=np.int32)
    need = np.zeros(size, dtype=np.bool_)
    for i in range(n):
        if card[i] > 0:
            need[card[i]] = True
    for j in prange(b):
        sums = np.empty((size, rows))
        for r in range(rows):
            s = 0.0
            for c in range(size):
                s += yt[j, draws[r, c]]
                sums[c, r] = s
        for c in range(size):
            if need[c]:
                sums[c].sort()
        for i in range(n):
            k = card[i]
            if k == 0:
                continue
            row = sums[k]
            n_ge[i, j] = rows - np.searchsorted(row, obs[j, i] - tol[j], side="left")
            n_le[i, j] = np.searchsorted(row, obs[j, i] + tol[j], side="right")
    return n_ge, n_le
