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
def bh_rows(pt):  # pragma: no cover - jit
    """Benjamini-Hochberg adjusted p-values of every row of ``pt`` (one
    family per row, NaNs ignored and kept): sorted ascending, ``p m / rank``
    then the running minimum from the largest rank down, capped at 1."""
    k, n = pt.shape
    out = np.empty_like(pt)
    for j in prange(k):
        row = pt[j]
        order = np.argsort(row)  # NaNs sort last
        m = 0
        for i in range(n):
            if not np.isnan(row[i]):
                m += 1
        run = np.inf
        for r in range(n - 1, -1, -1):
            i = order[r]
            v = row[i]
            if np.isnan(v):
                out[j, i] = np.nan
                continue
            run = min(run, v * m / (r + 1.0))
            out[j, i] = min(run, 1.0)
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
def column_counts(
    yt, ptr, site, kk, lo, hi, cap, draws, conditional
):  # pragma: no cover
    """Tail counts of single (site, industry) tests over a block of draws.

    The tests are grouped by industry: ``site[ptr[j]:ptr[j + 1]]`` are those
    of industry ``j`` (``ptr`` has one entry per industry plus one). Each row
    of ``draws`` holds distinct ids from ``range(n)``; for an industry, the
    prefix sums of ``yt[j]`` over the row are computed once and every test
    reads its own: a test with ``kk`` values takes the first ``kk`` ids and
    counts sums ``>= lo`` and ``<= hi`` (the observed value minus / plus the
    tie tolerance).

    ``conditional``: the site's own value is never drawn (conditional
    permutation); a row whose first ``kk`` ids contain the site does not
    count for that test, which leaves a uniform sample of the other n - 1
    values. Otherwise (total permutation) every row counts. A test uses at
    most ``cap`` rows (the first ones that count).

    The rows are split in two halves done in parallel with the industries.
    Returns int64 counts ``n_ge``, ``n_le`` and the rows each test used.
    """
    n_pairs = site.shape[0]
    rows = draws.shape[0]
    n = yt.shape[1]
    n_cols = ptr.shape[0] - 1
    halves = 2 if rows >= 64 else 1
    ge = np.zeros((halves, n_pairs), dtype=np.int64)
    le = np.zeros((halves, n_pairs), dtype=np.int64)
    used = np.zeros((halves, n_pairs), dtype=np.int64)
    draws_t = np.ascontiguousarray(draws.T)
    capped = False
    for p in range(n_pairs):
        if cap[p] < rows:
            capped = True
    if capped:
        halves = 1  # the first rows that count must be taken in order
    for task in prange(n_cols * halves):
        j = task // halves
        h = task % halves
        p0 = ptr[j]
        p1 = ptr[j + 1]
        if p1 == p0:
            continue
        r0 = h * rows // halves
        r1 = (h + 1) * rows // halves
        m = p1 - p0
        yj = yt[j]
        kmax = 0
        for p in range(p0, p1):
            kmax = max(kmax, kk[p])
        slot = np.full(n if conditional else 1, -1, dtype=np.int64)
        if conditional:
            for p in range(p0, p1):
                slot[site[p]] = p - p0
        pref = np.zeros(kmax + 1)
        kt = kk[p0:p1]
        lt = lo[p0:p1]
        ht = hi[p0:p1]
        g = np.zeros(m, dtype=np.int64)
        q = np.zeros(m, dtype=np.int64)
        u = np.zeros(m, dtype=np.int64)
        if capped:
            ct = cap[p0:p1]
            last = np.full(m, -1, dtype=np.int64)  # the last row a test counted
            for r in range(r0, r1):
                s = 0.0
                for c in range(kmax):
                    s += yj[draws[r, c]]
                    pref[c + 1] = s
                for t in range(m):
                    if u[t] < ct[t]:
                        v = pref[kt[t]]
                        g[t] += v >= lt[t]
                        q[t] += v <= ht[t]
                        u[t] += 1
                        last[t] = r
                if conditional:  # undo the rows that drew a test's own site
                    for c in range(kmax):
                        t = slot[draws[r, c]]
                        if t >= 0 and c < kt[t] and last[t] == r:
                            v = pref[kt[t]]
                            g[t] -= v >= lt[t]
                            q[t] -= v <= ht[t]
                            u[t] -= 1
        else:
            # column-wise over the rows: the prefix sums of every row first
            # (gathers the compiler can vectorise), then one pass per test
            width = r1 - r0
            pre = np.zeros((kmax + 1, width))
            for c in range(kmax):
                dc = draws_t[c, r0:r1]
                prev = pre[c]
                cur = pre[c + 1]
                for r in range(width):
                    cur[r] = prev[r] + yj[dc[r]]
            for t in range(m):
                row = pre[kt[t]]
                a_lo = lt[t]
                a_hi = ht[t]
                cg = 0
                cq = 0
                for r in range(width):
                    cg += row[r] >= a_lo
                    cq += row[r] <= a_hi
                g[t] = cg
                q[t] = cq
                u[t] = width
            if conditional:  # undo the rows that drew a test's own site
                for c in range(kmax):
                    dc = draws_t[c, r0:r1]
                    for r in range(width):
                        t = slot[dc[r]]
                        if t >= 0 and c < kt[t]:
                            v = pre[kt[t], r]
                            g[t] -= v >= lt[t]
                            q[t] -= v <= ht[t]
                            u[t] -= 1
        for t in range(m):
            ge[h, p0 + t] = g[t]
            le[h, p0 + t] = q[t]
            used[h, p0 + t] = u[t]
    return ge.sum(axis=0), le.sum(axis=0), used.sum(axis=0)


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
