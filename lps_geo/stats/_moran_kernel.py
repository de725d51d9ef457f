"""Compiled kernels of the global Moran permutation test (numba).

Two kernels serve :mod:`lps_geo.stats.global_moran`, which is their public
face:

* :func:`legacy_permutations` replays numpy's legacy generator
  (``np.random.RandomState``: Mersenne Twister MT19937 and the Fisher-Yates
  shuffle behind ``RandomState.permutation``) draw for draw, so the
  permutations are exactly the ones esda's ``Moran`` makes for the same seed,
  without a Python call per permutation.
* :func:`moran_numerators` computes ``sum_ij w_ij z_p(i) z_p(j)`` for many
  permutations ``p`` and many columns at once.

All kernels are compiled with ``cache=True`` so that a new process loads them
from the on-disk cache instead of compiling again.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

_MT_N = 624
_MT_M = 397


@njit(cache=True)
def _mt_refill(key):  # pragma: no cover - jit
    """Regenerate the 624 words of an MT19937 state in place."""
    for i in range(_MT_N):
        y = (key[i] & 0x80000000) | (key[(i + 1) % _MT_N] & 0x7FFFFFFF)
        v = key[(i + _MT_M) % _MT_N] ^ (y >> 1)
        if y & 1:
            v ^= 0x9908B0DF
        key[i] = v


@njit(cache=True)
def legacy_permutations(key, pos, order, out):  # pragma: no cover - jit
    """Fill ``out`` with the next ``len(out)`` permutations of a legacy state.

    Parameters
    ----------
    key : (624,) int64
        MT19937 words (``RandomState.get_state()[1]``), updated in place.
    pos : int
        Position in ``key`` (``get_state()[2]``).
    order : (n,) int64
        Output column ``t`` holds the drawn permutation's entry ``order[t]``.
    out : (m, n) int32 or int64
        Row ``r`` is ``perm[order]`` for the ``r``-th ``permutation(n)``.

    Returns
    -------
    int
        The new position, to pass to the next call.

    Notes
    -----
    ``RandomState.permutation(n)`` shuffles ``arange(n)``: for ``i`` from
    ``n - 1`` down to 1 it swaps entries ``i`` and ``j``, where ``j`` is a
    32-bit draw masked to the smallest ``2**k - 1 >= i`` and redrawn while
    above ``i`` (numpy's ``random_interval``).
    """
    n = order.shape[0]
    arr = np.empty(n, dtype=np.int64)
    for r in range(out.shape[0]):
        for i in range(n):
            arr[i] = i
        for i in range(n - 1, 0, -1):
            mask = i
            mask |= mask >> 1
            mask |= mask >> 2
            mask |= mask >> 4
            mask |= mask >> 8
            mask |= mask >> 16
            while True:
                if pos == _MT_N:
                    _mt_refill(key)
                    pos = 0
                y = key[pos]
                pos += 1
                y ^= y >> 11
                y ^= (y << 7) & 0x9D2C5680
                y ^= (y << 15) & 0xEFC60000
                y ^= y >> 18
                j = y & mask
                if j <= i:
                    break
            tmp = arr[i]
            arr[i] = arr[j]
            arr[j] = tmp
        for t in range(n):
            out[r, t] = arr[order[t]]
    return pos


@njit(parallel=True, cache=True)
def moran_numerators(
    zb, perms, ptr, slot, weight, diag, ring_size, group, parts
):  # pragma: no cover - jit
    """Moran numerators ``sum_ij w_ij z_p(i) z_p(j)`` of many permutations.

    The sites are renumbered (bandwidth-reducing order) and the weights
    stored once per undirected link: row ``t`` lists its neighbours ``u < t``
    with weight ``w_tu + w_ut``, plus the diagonal ``w_tt`` apart. For one
    permutation the numerator is then
    ``sum_t z_t (w_tt z_t + sum_{u<t} (w_tu + w_ut) z_u)`` with
    ``z_t = zc[p(t)]``: a site's permuted values are gathered once, into a
    ring buffer of the last ``ring_size`` rows (every neighbour ``u < t`` is
    at most ``ring_size - 1`` rows back), and every link is visited once.
    ``group`` permutations run side by side, so a pass over a row updates
    ``group * B`` contiguous lanes (permutation-major) and the columns of a
    block stay few enough for the block to stay in cache.

    Parameters
    ----------
    zb : (nb, n, B) float64
        Centred values in column blocks of ``B`` (sites in their original
        order).
    perms : (m, n) int
        ``perms[r, t]`` is the site whose value lands on renumbered site
        ``t`` under permutation ``r``.
    ptr, slot, weight : int64, int64, float64
        Lower-triangle neighbour lists of the renumbered sites, CSR style;
        ``slot`` is the neighbour's ring row (``u & (ring_size - 1)``).
    diag : (n,) float64
        ``w_tt`` of the renumbered sites.
    ring_size : int
        A power of two above the largest ``t - u`` of a listed link.
    group : int
        Permutations per pass.
    parts : int
        Parallel parts (threads); each takes a share of the permutations.

    Returns
    -------
    (m, nb * B) float64
        Numerators, block after block.
    """
    nb, n, b = zb.shape
    m = perms.shape[0]
    lanes = group * b
    mask = ring_size - 1
    out = np.empty((m, nb * b))
    n_groups = (m + group - 1) // group
    has_diag = False
    for t in range(n):
        if diag[t] != 0.0:
            has_diag = True
    for part in prange(parts):
        ring = np.zeros((ring_size, lanes))
        tot = np.empty(lanes)
        g0 = part * n_groups // parts
        g1 = (part + 1) * n_groups // parts
        for jb in range(nb):
            z = zb[jb]
            for gi in range(g0, g1):
                r0 = gi * group
                for c in range(lanes):
                    tot[c] = 0.0
                for t in range(n):
                    s = t & mask
                    # gather: the permuted values of site t, for each lane
                    # group (a short last group repeats the last permutation)
                    for q in range(group):
                        src = perms[min(r0 + q, m - 1), t]
                        for c in range(b):
                            ring[s, q * b + c] = z[src, c]
                    if has_diag:
                        d = diag[t]
                        for c in range(lanes):
                            tot[c] += d * ring[s, c] * ring[s, c]
                    e = ptr[t]
                    e1 = ptr[t + 1]
                    # links four at a time, then the remainder, each pass one
                    # vectorised loop over the lanes
                    while e1 - e >= 4:
                        u1 = slot[e]
                        u2 = slot[e + 1]
                        u3 = slot[e + 2]
                        u4 = slot[e + 3]
                        w1 = weight[e]
                        w2 = weight[e + 1]
                        w3 = weight[e + 2]
                        w4 = weight[e + 3]
                        for c in range(lanes):
                            tot[c] += ring[s, c] * (
                                w1 * ring[u1, c]
                                + w2 * ring[u2, c]
                                + w3 * ring[u3, c]
                                + w4 * ring[u4, c]
                            )
                        e += 4
                    rem = e1 - e
                    if rem == 3:
                        u1 = slot[e]
                        u2 = slot[e + 1]
                        u3 = slot[e + 2]
                        w1 = weight[e]
                        w2 = weight[e + 1]
                        w3 = weight[e + 2]
                        for c in range(lanes):
                            tot[c] += ring[s, c] * (
                                w1 * ring[u1, c] + w2 * ring[u2, c] + w3 * ring[u3, c]
                            )
                    elif rem == 2:
                        u1 = slot[e]
                        u2 = slot[e + 1]
                        w1 = weight[e]
                        w2 = weight[e + 1]
                        for c in range(lanes):
                            tot[c] += ring[s, c] * (w1 * ring[u1, c] + w2 * ring[u2, c])
                    elif rem == 1:
                        u1 = slot[e]
                        w1 = weight[e]
                        for c in range(lanes):
                            tot[c] += ring[s, c] * (w1 * ring[u1, c])
                for q in range(min(group, m - r0)):
                    for c in range(b):
                        out[r0 + q, jb * b + c] = tot[q * b + c]
    return out
