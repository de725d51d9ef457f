"""Global Moran's I of many variables at once, with its permutation test.

:func:`global_moran` takes a region x industry matrix and row-standardised
spatial weights and returns, per column, Moran's I (Moran 1950), its
moments under the randomisation hypothesis (Cliff & Ord 1981) and a
permutation test.

Statistic and analytic moments
------------------------------
With ``z = y - mean(y)``, ``I = n / S0 * sum_ij w_ij z_i z_j / sum_i z_i**2``
where ``S0`` is the number of regions with at least one neighbour (the sum
of the weights of a row-standardised matrix). ``E[I] = -1 / (n - 1)`` and
the variance under randomisation is Cliff & Ord's (1981)::

    Var[I] = (n ((n**2 - 3n + 3) S1 - n S2 + 3 S0**2)
              - b2 ((n**2 - n) S1 - 2n S2 + 6 S0**2))
             / ((n - 1)(n - 2)(n - 3) S0**2) - E[I]**2

with ``S1 = 1/2 sum_ij (w_ij + w_ji)**2``, ``S2 = sum_i (w_i. + w_.i)**2``
and the kurtosis ``b2 = n sum z**4 / (sum z**2)**2``; ``moran_z_rand`` and
its two-sided normal p-value ``moran_p_rand`` follow (esda's ``z_rand`` and
``p_rand``).

Permutation test
----------------
The values are permuted over the regions ``R`` times (total randomisation)
with the very draws esda's ``Moran`` makes for the same seed: numpy's legacy
generator ``np.random.RandomState(seed)``, one ``permutation(n)`` per
permutation, in order, shared by every column. Then

* ``moran_p = min(1, 2 (min(n_ge, n_le) + 1) / (R + 1))``, where ``n_ge`` and
  ``n_le`` count the permutations whose I is at least / at most the observed
  one; a permuted I within :data:`TIE_RTOL` (relative to ``|I|``) of the
  observed one is a tie and counts in both tails. Wherever no permutation
  ties, this is esda's folded one-sided ``p_sim`` doubled.
* ``moran_z = (I - mean) / sd`` over the permuted I's (esda's ``z_sim``).

Columns with zero variance or a non-finite value get NaN throughout.

Computation
-----------
The permutations are replayed by a compiled copy of numpy's generator
(:mod:`lps_geo.stats._moran_kernel`, checked draw for draw against numpy)
in bounded chunks. The regions are renumbered by reverse Cuthill-McKee so
that neighbours get close numbers, and every link is stored once, with
weight ``w_ij + w_ji``. Per permutation, each region's permuted values are
gathered once into a small ring buffer that holds every lower-numbered
neighbour still needed; several permutations run side by side on a block of
columns, so the work is one multiply-add per undirected link, column and
permutation over contiguous lanes. Memory is a blocked copy of the centred
values (regions x columns), one chunk of permutations (regions x chunk, about
16 MB at most) and one small ring buffer per parallel part, never regions x
columns x permutations.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import reverse_cuthill_mckee
from scipy.special import ndtr

from lps_geo.errors import ConfigError, InputError

# TIE_RTOL: relative tolerance under which a permuted Moran's I equals the
# observed one (a tie, counted in both tails), scaled here by |I|. One
# definition for every permutation test of the package (pvalues); importing
# it from this module works as well.
from lps_geo.stats.pvalues import TIE_RTOL

__all__ = ["GLOBAL_KEYS", "TIE_RTOL", "TIMING_KEYS", "global_moran"]

#: Columns per block of the permutation kernel.
BLOCK = 64

#: Lanes (permutations x block columns) updated by one pass over a link.
LANES = 256

#: Parallel parts per numba thread; threads take parts one at a time, so a
#: thread slowed by other processes delays the others little.
PARTS_PER_THREAD = 4

#: Bytes of one part's ring buffer above which fewer permutations share a
#: pass (graphs whose renumbering leaves long links).
RING_BYTES = 1 << 21

#: Upper bound on the entries of one chunk of drawn permutations.
CHUNK_ENTRIES = 4_000_000

#: Keys of the timings (seconds), distinct from a caller's own stage names.
TIMING_KEYS = ("moran_moments", "moran_draws", "moran_permutations", "moran_total")

#: Keys of the per-column results, in table order.
GLOBAL_KEYS = (
    "moran_i",
    "moran_ei",
    "moran_z",
    "moran_p",
    "moran_z_rand",
    "moran_p_rand",
)


def _check(y, wr, permutations):
    arr = np.asarray(y, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise InputError(f"y must be a regions x columns matrix, not {arr.ndim}-D")
    if not sp.issparse(wr):
        raise InputError("wr must be a scipy.sparse matrix (row-standardised)")
    if wr.shape != (arr.shape[0], arr.shape[0]):
        raise InputError(
            f"weights of shape {wr.shape} do not match {arr.shape[0]} regions of y"
        )
    if isinstance(permutations, bool) or not isinstance(
        permutations, (int, np.integer)
    ):
        raise ConfigError(f"permutations = {permutations!r} must be an integer >= 0")
    if permutations < 0:
        raise ConfigError(f"permutations = {permutations} must be an integer >= 0")
    w = sp.csr_matrix(wr, dtype=float, copy=True)
    w.sum_duplicates()
    w.eliminate_zeros()
    return np.ascontiguousarray(arr), w


def _moments(y, w):
    """Observed I and its randomisation moments, vectorised over columns."""
    n = y.shape[0]
    s0 = float((np.diff(w.indptr) > 0).sum())
    mean = y.mean(axis=0)
    zc = y - mean
    z2ss = (zc * zc).sum(axis=0)
    with np.errstate(invalid="ignore", over="ignore"):
        undefined = ~np.isfinite(y).all(axis=0) | (np.ptp(y, axis=0) == 0) | (z2ss == 0)
    if s0 == 0:
        undefined[:] = True
    ei = -1.0 / (n - 1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        inum = (zc * (w @ zc)).sum(axis=0)
        moran_i = n / max(s0, 1.0) * inum / z2ss
        wsym = w + w.T
        s1 = float(wsym.multiply(wsym).sum()) / 2.0
        s2 = float(
            (
                (np.asarray(w.sum(axis=1)).ravel() + np.asarray(w.sum(axis=0)).ravel())
                ** 2
            ).sum()
        )
        s02 = s0 * s0
        kurt = ((zc**4).sum(axis=0) / n) / ((zc**2).sum(axis=0) / n) ** 2
        va = n * ((n * n - 3 * n + 3) * s1 - n * s2 + 3 * s02)
        vb = kurt * ((n * n - n) * s1 - 2 * n * s2 + 6 * s02)
        vi_rand = (va - vb) / ((n - 1) * (n - 2) * (n - 3) * s02) - ei * ei
        z_rand = (moran_i - ei) / np.sqrt(vi_rand)
    p_rand = 2.0 * ndtr(-np.abs(z_rand))
    return {
        "s0": s0,
        "zc": zc,
        "z2ss": z2ss,
        "moran_i": moran_i,
        "ei": ei,
        "z_rand": z_rand,
        "p_rand": p_rand,
        "undefined": undefined,
    }


def _link_plan(w):
    """Renumbering, once-per-link lower lists and ring size of the kernel."""
    n = w.shape[0]
    wsym = (w + w.T).tocsr()
    order = reverse_cuthill_mckee(wsym, symmetric_mode=True).astype(np.int64)
    low = sp.tril(wsym[order][:, order], k=-1, format="csr")
    low.eliminate_zeros()
    low.sort_indices()
    rows = np.repeat(np.arange(n), np.diff(low.indptr))
    reach = int((rows - low.indices).max()) if low.nnz else 0
    ring = 1
    while ring <= reach:
        ring *= 2
    return {
        "order": order,
        "ptr": low.indptr.astype(np.int64),
        "slot": (low.indices.astype(np.int64) & (ring - 1)),
        "weight": low.data.astype(float),
        "diag": np.ascontiguousarray(w.diagonal()[order], dtype=float),
        "ring": ring,
    }


def _column_blocks(zc, cols):
    """Centred values of ``cols`` in zero-padded (blocks, n, B) layout."""
    n = zc.shape[0]
    k = len(cols)
    nb = -(-k // BLOCK)
    width = -(-k // nb)
    width = -(-width // 4) * 4  # whole AVX lanes
    zb = np.zeros((nb, n, width))
    for jb in range(nb):
        part = cols[jb * width : (jb + 1) * width]
        zb[jb, :, : len(part)] = zc[:, part]
    return zb


def global_moran(
    y: np.ndarray,
    wr: sp.csr_matrix,
    permutations: int,
    seed: int,
    permute: bool = True,
) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Global Moran's I of every column, analytic moments and permutation test.

    Parameters
    ----------
    y
        Regions x columns matrix (a 1-D array is one column), rows in the
        order of ``wr``.
    wr
        Row-standardised spatial weights (``n x n`` sparse; regions without
        neighbours have empty rows). Any weights are accepted; ``S0`` is the
        number of rows with a link, which is their sum when row-standardised.
    permutations
        Number of permutations R; 0 keeps the analytic test only.
    seed
        Seed of numpy's legacy generator (``np.random.RandomState(seed)``),
        the same draws as ``np.random.seed(seed); esda.Moran(y, w,
        permutations=R)``.
    permute
        ``False`` skips the permutation test (as ``permutations=0``).

    Returns
    -------
    results : dict of str to ndarray
        One array of length K (columns) per key of :data:`GLOBAL_KEYS`:
        ``moran_i``, ``moran_ei``, ``moran_z`` and ``moran_p`` (the
        permutation test, or the analytic one without permutations),
        ``moran_z_rand`` and ``moran_p_rand`` (randomisation moments). NaN for
        columns with zero variance or a non-finite value.
    timings : dict of str to float
        Seconds: ``moran_moments`` (observed I and analytic moments),
        ``moran_draws`` (replaying the generator), ``moran_permutations``
        (kernel and counts, draws excluded) and ``moran_total``.

    Examples
    --------
    A trend along a path of 10 regions is strongly autocorrelated:

    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> n = 10
    >>> links = sp.diags([np.ones(n - 1), np.ones(n - 1)], [-1, 1], format="csr")
    >>> wr = sp.csr_matrix(links.multiply(1.0 / links.sum(axis=1)))
    >>> y = np.column_stack([np.arange(n, dtype=float), np.ones(n)])
    >>> res, _ = global_moran(y, wr, permutations=99, seed=1)
    >>> round(float(res["moran_i"][0]), 4), round(float(res["moran_z_rand"][0]), 2)
    (0.8909, 3.11)
    >>> float(res["moran_p"][0])  # no permutation reaches it: 2 / (R + 1)
    0.02
    >>> bool(np.isnan(res["moran_p"][1]))  # a constant column
    True
    """
    t0 = time.perf_counter()
    y, w = _check(y, wr, permutations)
    n, k = y.shape
    if n < 2:  # no pair of regions: nothing is defined
        nan = {key: np.full(k, np.nan) for key in GLOBAL_KEYS}
        return nan, dict.fromkeys(TIMING_KEYS, 0.0)
    mo = _moments(y, w)
    moran_i = mo["moran_i"]
    moran_z = mo["z_rand"].copy()
    moran_p = mo["p_rand"].copy()
    timings = dict.fromkeys(TIMING_KEYS, 0.0)
    timings["moran_moments"] = time.perf_counter() - t0
    active = np.flatnonzero(~mo["undefined"])
    if permute and permutations and len(active):
        stats, draws_s = _permutation_test(mo, w, active, permutations, seed)
        moran_z[active], moran_p[active] = stats
        timings["moran_draws"] = draws_s
        timings["moran_permutations"] = (
            time.perf_counter() - t0 - timings["moran_moments"] - draws_s
        )
    out = {
        "moran_i": moran_i,
        "moran_ei": np.full(k, mo["ei"]),
        "moran_z": moran_z,
        "moran_p": moran_p,
        "moran_z_rand": mo["z_rand"],
        "moran_p_rand": mo["p_rand"],
    }
    for arr in out.values():
        arr[mo["undefined"]] = np.nan
    timings["moran_total"] = time.perf_counter() - t0
    return out, timings


def _permutation_test(mo, w, active, permutations, seed):
    """(z, p) of the active columns and the seconds spent drawing."""
    zc, s0, ei = mo["zc"], mo["s0"], mo["ei"]
    # lazy on purpose: importing the kernels loads numba and their on-disk
    # cache, which the analytic path skips
    import numba

    from lps_geo.stats import _moran_kernel

    try:
        state = np.random.RandomState(seed).get_state(legacy=True)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"seed = {seed!r} is not a valid numpy seed: {exc}") from exc
    n = zc.shape[0]
    plan = _link_plan(w)
    zb = _column_blocks(zc, active)
    width = zb.shape[2]
    group = max(1, min(LANES // width, RING_BYTES // (plan["ring"] * width * 8)))
    parts = max(1, numba.get_num_threads()) * PARTS_PER_THREAD
    key = np.asarray(state[1], dtype=np.int64).copy()
    pos = int(state[2])
    chunk = max(2 * group * parts, CHUNK_ENTRIES // n)
    chunk = min(permutations, -(-chunk // group) * group)
    perms = np.empty((chunk, n), dtype=np.int32 if n < 2**31 else np.int64)

    obs = mo["moran_i"][active]
    tol = TIE_RTOL * np.maximum(np.abs(obs), 1e-300)
    z2ss = mo["z2ss"][active]
    ge = np.zeros(len(active))
    le = np.zeros(len(active))
    dev = np.zeros(len(active))  # sums of (I_perm - E[I]) and its square:
    dev2 = np.zeros(len(active))  # centred near the mean, no cancellation
    draws_s = 0.0
    done = 0
    while done < permutations:
        m = min(chunk, permutations - done)
        t = time.perf_counter()
        pos = _moran_kernel.legacy_permutations(key, pos, plan["order"], perms[:m])
        draws_s += time.perf_counter() - t
        with numba.parallel_chunksize(1):
            num = _moran_kernel.moran_numerators(
                zb,
                perms[:m],
                plan["ptr"],
                plan["slot"],
                plan["weight"],
                plan["diag"],
                plan["ring"],
                group,
                parts,
            )
        # the observed I's expression, operation for operation
        sims = n / s0 * num[:, : len(active)] / z2ss
        ge += (sims >= obs - tol).sum(axis=0)
        le += (sims <= obs + tol).sum(axis=0)
        d = sims - ei
        dev += d.sum(axis=0)
        dev2 += (d * d).sum(axis=0)
        done += m
    p = np.minimum(2.0 * (np.minimum(ge, le) + 1.0) / (permutations + 1.0), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_dev = dev / permutations
        sd = np.sqrt(np.maximum(dev2 / permutations - mean_dev**2, 0.0))
        z = (obs - (ei + mean_dev)) / sd
    return (z, p), draws_s
