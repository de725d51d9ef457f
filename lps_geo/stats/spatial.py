"""Spatial autocorrelation and hot-spot statistics for every industry.

One entry point, :func:`spatial_statistics`, takes a region x industry
matrix and a weights graph and returns global Moran's I per industry and
Local Moran (Anselin 1995) and Getis-Ord Gi* (Getis & Ord 1992; Ord & Getis
1995) per (region, industry), with conditional-permutation inference;
:func:`bivariate_local_moran` pairs every industry with another variable.
The computation is delegated to an *engine* from :data:`ENGINES`:

``"numba"`` (default)
    The batched engine (:mod:`lps_geo.stats._engine`): one set of conditional
    permutation draws shared by every site and industry (the very draws esda
    makes for the same seed), industries in column blocks of :data:`BLOCK`,
    sites in chunks of :data:`CHUNK`. For a fixed draw a site's permuted
    neighbour sum changes only where the site's index crosses a drawn id, so
    each distinct sum is computed once per chunk and the work per
    permutation is one comparison per site and industry. Memory is bounded
    by one block (never regions x industries x permutations).
``"esda"``
    PySAL esda called once per industry: the numerical reference.

Inference
---------
* Two-sided pseudo p-values: ``p = 2 (min(n_ge, n_le) + 1) / (R + 1)``
  capped at 1, where ``n_ge`` and ``n_le`` count the permutations whose
  statistic is at least / at most the observed one. The smallest attainable
  p is ``2/(R + 1)``.
* Ties count as at least as extreme (:data:`TIE_RULE`): a permuted value
  within a relative 1e-11 of the observed one counts in both tails. This is
  conservative and makes p independent of floating-point rounding; it is
  what keeps a zero surrounded by zeros from being "significant", which
  esda's folded rule (ties counted on one side only) makes it. Wherever the
  permutation null has no ties, p equals esda's folded p doubled.
* With binary weights Local Moran and Gi* of a site are both monotone in its
  neighbours' sum, so they share one permutation p-value per site.
* Multiple testing is corrected per industry across its regions (or across
  all tests): Benjamini-Hochberg (``"fdr"``, default), Bonferroni or none.
  Raw and adjusted p-values are both kept; labels and bins use the adjusted
  ones. A warning says when 2/(R+1) cannot pass the corrected level.
* Regions without neighbours are labelled ``isolated``; industries whose
  variable has zero variance and regions whose variable is missing are
  ``undefined``; neither is ever significant.
* Global Moran's I: permutation test with esda's draws (numpy's legacy
  generator, the same seed) plus the analytic moments under randomisation
  (``moran_z_rand``, ``moran_p_rand``).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from libpysal.graph import Graph
from scipy import stats

from lps_geo.errors import ConfigError, InputError, LpsGeoWarning
from lps_geo.vocab import LISA_LABEL_KEYS, Correction, FdrScope

log = logging.getLogger(__name__)


#: Every LISA label, in legend order (the palette's order).
LABELS: list[str] = list(LISA_LABEL_KEYS)

#: LISA quadrant (esda convention) -> label.
QUADRANT_LABELS = {1: "High-High", 2: "Low-High", 3: "Low-Low", 4: "High-Low"}

LOCAL_COLUMNS = (
    "lisa_z",
    "lisa_lag",
    "lisa_i",
    "lisa_q",
    "lisa_p",
    "lisa_p_adj",
    "lisa_label",
    "gi_z",
    "gi_p",
    "gi_p_adj",
    "gi_bin",
)
GLOBAL_COLUMNS = (
    "moran_i",
    "moran_ei",
    "moran_z",
    "moran_p",
    "moran_z_rand",
    "moran_p_rand",
)


@dataclass(frozen=True)
class SpatialResult:
    """Spatial statistics of every industry.

    Attributes
    ----------
    global_
        One row per industry: ``moran_i``, ``moran_ei`` (expectation),
        ``moran_z`` (permutation z) and ``moran_p`` (two-sided pseudo p).
    local
        Long table indexed by (region, industry) with :data:`LOCAL_COLUMNS`.
    permutations, seed, alpha, correction
        The inference settings used.
    """

    global_: pd.DataFrame
    local: pd.DataFrame
    permutations: int
    seed: int
    alpha: float
    correction: str
    engine: str = "numba"
    fdr_scope: str = "industry"
    timings: dict[str, float] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"<SpatialResult: {len(self.global_)} industries, "
            f"{self.local.index.get_level_values(0).nunique()} regions, "
            f"R={self.permutations}, correction={self.correction}>"
        )


#: The tie rule of the permutation null, in plain words (stored in the run
#: metadata and quoted by the README).
TIE_RULE = (
    "ties count as at least as extreme: a permuted value equal to the observed "
    "one (within a relative 1e-11) counts in both tails, so a site whose null "
    "distribution is mostly ties, such as a zero surrounded by zeros, gets a "
    "p-value near 1 instead of a spurious 2/(R+1)"
)

_CORRECTION_WORDS = {
    "fdr": "Benjamini-Hochberg false discovery rate",
    "bonferroni": "Bonferroni",
    "none": "no multiple-testing correction",
}


def inference_text(
    permutations: int,
    seed: int,
    alpha: float,
    correction: str,
    fdr_scope: str = "industry",
) -> str:
    """The inference choices of a run, in plain words.

    >>> inference_text(999, 1, 0.05, "fdr")[:60]
    'Conditional permutation tests with 999 permutations (seed 1)'
    """
    if not permutations:
        head = (
            "Analytical p-values (normal approximation under randomisation); "
            "no permutations."
        )
    else:
        head = (
            f"Conditional permutation tests with {permutations} permutations "
            f"(seed {seed}), the same draws for every region and industry; "
            f"two-sided pseudo p-values, the smallest possible being "
            f"{2 / (permutations + 1):.4g}; {TIE_RULE}."
        )
    scope = (
        "within each industry"
        if fdr_scope == "industry"
        else ("across all industries together")
    )
    tail = (
        f" Significance at {alpha:g} after {_CORRECTION_WORDS[correction]}"
        + ("" if correction == "none" else f" {scope}")
        + "; raw and adjusted p-values are both kept."
    )
    return head + tail


def adjust_pvalues(p: np.ndarray, method: Correction = "fdr") -> np.ndarray:
    """Multiple-testing adjusted p-values; NaNs are ignored and kept.

    ``"fdr"`` is Benjamini & Hochberg (1995) step-up adjusted p-values,
    ``"bonferroni"`` multiplies by the number of tests (capped at 1). A 2-D
    array is adjusted column by column (each column one family of tests).

    >>> adjust_pvalues(np.array([0.01, 0.04, 0.03, np.nan]), "fdr")
    array([0.03, 0.04, 0.04,  nan])
    >>> adjust_pvalues(np.array([0.01, 0.5]), "bonferroni")
    array([0.02, 1.  ])
    """
    if method not in ("fdr", "bonferroni", "none"):
        raise ConfigError(
            f"unknown correction {method!r}; valid: fdr, bonferroni, none"
        )
    p = np.asarray(p, dtype=float)
    if p.ndim == 1:
        return adjust_pvalues(p[:, None], method)[:, 0]
    if method == "none" or p.size == 0:
        return p.copy()
    valid = ~np.isnan(p)
    m = valid.sum(axis=0)
    if method == "bonferroni":
        return np.where(valid, np.minimum(p * m, 1.0), np.nan)
    order = np.argsort(p, axis=0, kind="stable")  # NaN sort last
    ps = np.take_along_axis(p, order, axis=0)
    rank = np.arange(1, p.shape[0] + 1, dtype=float)[:, None]
    with np.errstate(invalid="ignore"):
        adj = np.where(np.isnan(ps), np.inf, ps * m / rank)
    adj = np.minimum.accumulate(adj[::-1], axis=0)[::-1]
    adj = np.where(np.isnan(ps), np.nan, np.minimum(adj, 1.0))
    out = np.empty_like(adj)
    np.put_along_axis(out, order, adj, axis=0)
    return out


def _warn_resolution(permutations: int, alpha: float, correction: str, m: int):
    """Warn when the smallest permutation p cannot pass the corrected level.

    With R permutations the smallest two-sided p is 2/(R+1). Under Bonferroni
    it must be <= alpha/m; under Benjamini-Hochberg a single region needs the
    same, and otherwise at least ceil(m p_min / alpha) regions must reach it.
    """
    p_min = 2.0 / (permutations + 1)
    if p_min * m <= alpha * (1 + 1e-12):
        return
    need = int(np.ceil(m * p_min / alpha))
    single = int(np.ceil(2 * m / alpha - 1))
    if correction == "bonferroni" or need > m:
        what = "no region can be significant"
    else:
        what = f"a region is significant only if at least {need} regions reach it"
    warnings.warn(
        f"with {permutations} permutations the smallest two-sided p is "
        f"{p_min:.4g}; after {correction} correction over {m} tests at "
        f"alpha={alpha} {what}; use at least {single} permutations for a "
        "single region to pass",
        LpsGeoWarning,
        stacklevel=3,
    )


def gi_bins(z: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Gi* confidence bins: +/-3, 2, 1 for p <= 0.01, 0.05, 0.10; sign of z.

    >>> gi_bins(np.array([2.9, -2.1, 1.0, 0.3]), np.array([0.004, 0.03, 0.08, 0.5]))
    array([ 3, -2,  1,  0])
    """
    p = np.asarray(p, dtype=float)
    level = np.select([p <= 0.01, p <= 0.05, p <= 0.10], [3, 2, 1], default=0)
    z = np.asarray(z, dtype=float)
    level = np.where(np.isnan(p) | np.isnan(z), 0, level)
    return (np.sign(np.nan_to_num(z)) * level).astype(int)


def _two_sided(p_folded: np.ndarray) -> np.ndarray:
    return np.minimum(2.0 * np.asarray(p_folded, dtype=float), 1.0)


def _esda_engine(
    X: pd.DataFrame,
    graph: Graph,
    permutations: int,
    seed: int,
    global_permutations: bool = True,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Reference engine: esda's Moran, Moran_Local and G_Local per column."""
    import esda

    n, k = X.shape
    out = {
        name: np.full((n, k), np.nan)
        for name in ("lisa_z", "lisa_lag", "lisa_i", "lisa_q", "lisa_p", "gi_z", "gi_p")
    }
    glob = np.full((k, len(GLOBAL_COLUMNS)), np.nan)
    w_r = graph.transform("r")
    w_b = graph.transform("b")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        for j in range(k):
            y = X.iloc[:, j].to_numpy(dtype=float)
            if not np.isfinite(y).all() or np.nanstd(y) == 0:
                continue
            np.random.seed(seed)
            mi = esda.Moran(
                y, w_r, permutations=permutations if global_permutations else 0
            )
            glob[j] = (
                mi.I,
                mi.EI,
                mi.z_sim if permutations and global_permutations else mi.z_rand,
                _two_sided(mi.p_sim)
                if permutations and global_permutations
                else mi.p_rand,
                mi.z_rand,
                mi.p_rand,
            )
            lm = esda.Moran_Local(
                y, w_r, permutations=permutations, seed=seed, n_jobs=1
            )
            out["lisa_z"][:, j] = lm.z
            out["lisa_lag"][:, j] = w_r.sparse @ lm.z
            out["lisa_i"][:, j] = lm.Is
            out["lisa_q"][:, j] = lm.q
            if permutations:
                out["lisa_p"][:, j] = _two_sided(lm.p_sim)
            gs = esda.G_Local(
                y,
                w_b,
                transform="B",
                star=True,
                permutations=permutations,
                seed=seed,
                n_jobs=1,
            )
            out["gi_z"][:, j] = gs.Zs
            out["gi_p"][:, j] = _two_sided(gs.p_sim) if permutations else 2 * gs.p_norm
    g = pd.DataFrame(glob, index=X.columns, columns=list(GLOBAL_COLUMNS))
    return g, out, {}


#: Columns per block in the batched engine (a block of y stays in cache).
BLOCK = 64

#: Sites per chunk of the local kernel.
CHUNK = 256

#: Relative tolerance under which a permuted neighbour sum equals the
#: observed one (a tie); scaled by the column's largest absolute value and the
#: largest neighbour count.
TIE_RTOL = 1e-11


def _binary_csr(graph: Graph):
    """CSR arrays of a binary graph without self-loops, in graph order."""
    a = graph.sparse.tocsr().astype(float)
    a.setdiag(0)
    a.eliminate_zeros()
    if a.nnz and not np.all(a.data == 1.0):
        raise ConfigError(
            "the numba engine needs binary weights (every link weighs 1); "
            "build the graph with lps_geo.stats.weights.build_weights or use "
            "engine='esda'"
        )
    a.sort_indices()
    return a


def _conditional_p(n_ge: np.ndarray, n_le: np.ndarray, permutations: int):
    """Two-sided pseudo p from tail counts that include ties."""
    m = np.minimum(n_ge, n_le)
    return np.minimum(2.0 * (m + 1.0) / (permutations + 1.0), 1.0)


def _numba_engine(
    X: pd.DataFrame,
    graph: Graph,
    permutations: int,
    seed: int,
    global_permutations: bool = True,
) -> tuple[pd.DataFrame, dict[str, np.ndarray], dict[str, float]]:
    """Batched engine: every industry at once, shared draws, column blocks."""
    import time

    # lazy on purpose: importing the numba kernels loads numba and their
    # on-disk cache (seconds), which the esda engine and plain imports skip
    from lps_geo.stats import _engine

    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    a = _binary_csr(graph)
    n, k = X.shape
    y = np.ascontiguousarray(X.to_numpy(dtype=float))
    card = np.diff(a.indptr)
    isolated = card == 0

    # observed statistics, vectorised over industries (esda's formulas)
    mean = y.mean(axis=0)
    sd = y.std(axis=0)
    flat = sd == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (y - mean) / sd
        rs = np.where(card > 0, 1.0 / np.maximum(card, 1), 0.0)
        lag = (a @ z) * rs[:, None]
        den = (z * z).sum(axis=0)
        lisa_i = (n - 1) * z * lag / den
        quad = np.where(z > 0, np.where(lag > 0, 1, 4), np.where(lag > 0, 2, 3)).astype(
            float
        )
        # Gi*: binary weights with the site itself, divided by the total
        ysum = y.sum(axis=0)
        g = (a @ y + y) / ysum
        cstar = (card + 1.0)[:, None]
        eg = cstar / n
        emp_mean = ysum / n
        emp_var = (y * y).sum(axis=0) / n - emp_mean**2
        vg = cstar * (n - cstar) / (n - 1) / n**2 * emp_var / emp_mean**2
        gi_z = (g - eg) / np.sqrt(vg)
    lisa_i[:, flat] = np.nan
    gi_z[:, flat] = np.nan
    quad[:, flat] = np.nan

    # global Moran (row-standardised) and its analytic moments
    s0 = float((card > 0).sum())
    wr = a.multiply(rs[:, None]).tocsr()
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
    timings["observed"] = time.perf_counter() - t0

    lisa_p = np.full((n, k), np.nan)
    gi_p = np.full((n, k), np.nan)
    moran_z = z_rand.copy()
    moran_p = p_rand.copy()
    if permutations:
        t1 = time.perf_counter()
        max_card = int(card.max()) if n else 0
        draws = _engine.conditional_draws(max_card, n, permutations, seed)
        card64 = card.astype(np.int64)
        obs_all = a @ y
        scale = np.abs(y).max(axis=0) * max(max_card, 1)
        for j0 in range(0, k, BLOCK):
            j1 = min(k, j0 + BLOCK)
            yb = np.ascontiguousarray(y[:, j0:j1])
            ob = np.ascontiguousarray(obs_all[:, j0:j1])
            tol = TIE_RTOL * np.maximum(scale[j0:j1], 1e-300)
            n_ge, n_le = _engine.local_counts(yb, card64, ob, draws, tol, CHUNK)
            p = _conditional_p(n_ge, n_le, permutations)
            gi_p[:, j0:j1] = p
            # a site at the mean has I = 0 under every draw: all ties, p = 1
            lisa_p[:, j0:j1] = np.where(z[:, j0:j1] == 0, 1.0, p)
        timings["local"] = time.perf_counter() - t1

    if permutations and global_permutations:
        t2 = time.perf_counter()
        wr_ptr = wr.indptr.astype(np.int64)
        wr_idx = wr.indices.astype(np.int64)
        wr_w = wr.data.astype(float)
        tol = TIE_RTOL * np.maximum(np.abs(moran_i), 1e-300)
        ge = np.zeros(k)
        le = np.zeros(k)
        s_sum = np.zeros(k)
        s_sq = np.zeros(k)
        # permutations come in chunks from one generator (memory bounded),
        # in the order esda draws them
        state = np.random.RandomState(seed)
        chunk = max(1, min(permutations, 2_000_000 // max(n, 1)))
        done = 0
        while done < permutations:
            m = min(chunk, permutations - done)
            perms = np.stack([state.permutation(n) for _ in range(m)])
            for j0 in range(0, k, BLOCK):
                j1 = min(k, j0 + BLOCK)
                zb = np.ascontiguousarray(zc[:, j0:j1])
                sims = _engine.global_moran_sims(zb, wr_ptr, wr_idx, wr_w, perms)
                with np.errstate(divide="ignore", invalid="ignore"):
                    sims = n / s0 * sims / z2ss[j0:j1]
                ge[j0:j1] += (sims >= moran_i[j0:j1] - tol[j0:j1]).sum(axis=0)
                le[j0:j1] += (sims <= moran_i[j0:j1] + tol[j0:j1]).sum(axis=0)
                s_sum[j0:j1] += sims.sum(axis=0)
                s_sq[j0:j1] += (sims * sims).sum(axis=0)
            done += m
        with np.errstate(divide="ignore", invalid="ignore"):
            moran_p = _conditional_p(ge, le, permutations)
            sim_mean = s_sum / permutations
            sim_sd = np.sqrt(np.maximum(s_sq / permutations - sim_mean**2, 0.0))
            moran_z = (moran_i - sim_mean) / sim_sd
        timings["global"] = time.perf_counter() - t2
    lisa_p[:, flat] = np.nan
    gi_p[:, flat] = np.nan
    for arr in (lisa_i, quad, lisa_p, gi_z, gi_p):
        arr[isolated, :] = np.nan
    glob = pd.DataFrame(
        {
            "moran_i": moran_i,
            "moran_ei": np.full(k, ei),
            "moran_z": moran_z,
            "moran_p": moran_p,
            "moran_z_rand": z_rand,
            "moran_p_rand": p_rand,
        },
        index=X.columns,
    )
    glob.loc[flat] = np.nan
    timings["total"] = time.perf_counter() - t0
    z[:, flat] = np.nan
    lag[:, flat] = np.nan
    z[isolated, :] = np.nan
    lag[isolated, :] = np.nan
    out = {
        "lisa_z": z,
        "lisa_lag": lag,
        "lisa_i": lisa_i,
        "lisa_q": quad,
        "lisa_p": lisa_p,
        "gi_z": gi_z,
        "gi_p": gi_p,
    }
    return glob, out, timings


#: Engines by name: ``f(X, graph, permutations, seed) -> (global, local
#: arrays, timings)``. ``"numba"`` is the batched engine (default);
#: ``"esda"`` calls PySAL esda once per industry and is the reference.
ENGINES: dict[str, Callable] = {"numba": _numba_engine, "esda": _esda_engine}


def spatial_statistics(
    X: pd.DataFrame,
    graph: Graph,
    permutations: int = 999,
    seed: int = 12345,
    alpha: float = 0.05,
    correction: Correction = "fdr",
    engine: str = "numba",
    fdr_scope: FdrScope = "industry",
    global_permutations: bool = True,
) -> SpatialResult:
    """Global Moran, Local Moran and Gi* for every column of ``X``.

    Parameters
    ----------
    X
        Region x industry matrix of the analysed variable (for example the
        location quotient), indexed by region code. NaN marks missing data.
    graph
        Spatial weights over the same region codes (binary; row-standardised
        internally for Moran, binary with self-weight for Gi*).
    permutations
        Conditional permutations R (0 disables permutation inference and
        falls back to the normal approximation).
    seed
        Seed of the permutation draws, shared by every industry.
    alpha
        Significance level applied to the adjusted p-values.
    correction
        ``"fdr"`` (Benjamini-Hochberg), ``"bonferroni"`` or ``"none"``, per
        industry across its regions.
    engine
        Name in :data:`ENGINES`.
    fdr_scope
        ``"industry"``: correct within each industry; ``"all"``: across all
        (region, industry) tests together.
    global_permutations
        Permutation test for global Moran's I (default); ``False`` keeps its
        analytic (randomisation) p-value only.

    Returns
    -------
    SpatialResult

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> from lps_geo.stats.weights import build_weights
    >>> cells = [box(i, j, i + 1, j + 1) for j in range(5) for i in range(5)]
    >>> idx = pd.Index([f"r{n:02d}" for n in range(25)], name="region")
    >>> b = gpd.GeoDataFrame(geometry=cells, index=idx, crs="EPSG:5880")
    >>> g, _ = build_weights(b, "rook")
    >>> x = pd.DataFrame({"10.1": [9.0 if n in (0, 1, 5, 6) else 1.0
    ...                            for n in range(25)]}, index=idx)
    >>> res = spatial_statistics(x, g, permutations=999, seed=1, correction="none")
    >>> res.local.loc[("r00", "10.1"), "lisa_label"]
    'High-High'
    """
    if engine not in ENGINES:
        raise ConfigError(
            f"unknown statistics engine {engine!r}; valid: {', '.join(ENGINES)}"
        )
    ids = pd.Index(graph.unique_ids)
    missing = X.index.difference(ids)
    if len(missing):
        raise InputError(
            f"{len(missing)} region(s) of the data are not in the weights graph: "
            f"{', '.join(map(str, missing[:5]))}"
        )
    Xa = X.reindex(ids)
    if permutations and correction != "none":
        _warn_resolution(
            permutations,
            alpha,
            correction,
            len(ids) * (X.shape[1] if fdr_scope == "all" else 1),
        )
    log.info(
        "spatial statistics: %d regions x %d industries, R=%d, engine=%s",
        len(ids),
        X.shape[1],
        permutations,
        engine,
    )
    glob, arr, timings = ENGINES[engine](
        Xa, graph, permutations, seed, global_permutations
    )

    card = graph.cardinalities.reindex(ids).fillna(0).to_numpy()
    isolated = card == 0
    missing_y = ~np.isfinite(Xa.to_numpy(dtype=float))
    undefined_col = np.isnan(arr["lisa_i"]).all(axis=0)
    n, k = Xa.shape
    for name in ("lisa_p", "gi_p", "lisa_i", "gi_z", "lisa_z", "lisa_lag"):
        arr[name][isolated, :] = np.nan
        arr[name][missing_y] = np.nan
    if fdr_scope == "all":
        lisa_adj = adjust_pvalues(arr["lisa_p"].ravel(), correction).reshape(n, k)
        gi_adj = adjust_pvalues(arr["gi_p"].ravel(), correction).reshape(n, k)
    elif fdr_scope == "industry":
        lisa_adj = adjust_pvalues(arr["lisa_p"], correction)
        gi_adj = adjust_pvalues(arr["gi_p"], correction)
    else:
        raise ConfigError(f"unknown fdr_scope {fdr_scope!r}; valid: industry, all")
    quad = np.nan_to_num(arr["lisa_q"], nan=0).astype(np.int8)
    # label codes index LABELS (the palette's order); categorical, not strings
    codes = np.full((n, k), LABELS.index("not significant"), dtype=np.int8)
    sig = lisa_adj <= alpha
    for q, lab in QUADRANT_LABELS.items():
        codes[sig & (quad == q)] = LABELS.index(lab)
    codes[missing_y | undefined_col[None, :]] = LABELS.index("undefined")
    codes[isolated, :] = LABELS.index("isolated")
    bins = gi_bins(arr["gi_z"], gi_adj).astype(np.int8)

    index = pd.MultiIndex.from_product([ids, Xa.columns], names=["region", "industry"])
    local = pd.DataFrame(
        {
            "lisa_z": arr["lisa_z"].ravel(),
            "lisa_lag": arr["lisa_lag"].ravel(),
            "lisa_i": arr["lisa_i"].ravel(),
            "lisa_q": quad.ravel(),
            "lisa_p": arr["lisa_p"].ravel(),
            "lisa_p_adj": lisa_adj.ravel(),
            "lisa_label": pd.Categorical.from_codes(codes.ravel(), LABELS),
            "gi_z": arr["gi_z"].ravel(),
            "gi_p": arr["gi_p"].ravel(),
            "gi_p_adj": gi_adj.ravel(),
            "gi_bin": bins.ravel(),
        },
        index=index,
        copy=False,
    )
    glob.index.name = "industry"
    return SpatialResult(
        glob,
        local,
        permutations,
        seed,
        alpha,
        correction,
        engine,
        fdr_scope,
        timings,
    )


def bivariate_local_moran(
    X: pd.DataFrame,
    y: pd.Series,
    graph: Graph,
    permutations: int = 999,
    seed: int = 12345,
    alpha: float = 0.05,
    correction: Correction = "fdr",
) -> pd.DataFrame:
    """Bivariate Local Moran between every column of ``X`` and one variable.

    For industry x and a second variable y (for example a capability density),
    ``I_i = (n - 1) z_x,i (W z_y)_i / sum z_x^2`` with row-standardised
    weights (Anselin, Syabri & Smirnov 2002; esda ``Moran_Local_BV``).
    Conditional permutation keeps x_i and permutes y over the neighbours with
    the shared draws of :func:`spatial_statistics`; as x_i is fixed, the
    permutation rank of the observed lag of y is the same for every industry,
    so one pass over y serves all of them. Same two-sided p, tie rule,
    correction and labels as :func:`spatial_statistics`.

    Returns
    -------
    DataFrame indexed by (region, industry): ``bv_i``, ``bv_q``, ``bv_p``,
    ``bv_p_adj``, ``bv_label``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> from lps_geo.stats.weights import build_weights
    >>> cells = [box(i, j, i + 1, j + 1) for j in range(5) for i in range(5)]
    >>> idx = pd.Index([f"r{n:02d}" for n in range(25)], name="region")
    >>> g, _ = build_weights(gpd.GeoDataFrame(geometry=cells, index=idx,
    ...                                       crs="EPSG:5880"), "rook")
    >>> hot = [0, 1, 5, 6]
    >>> x = pd.DataFrame({"15.3": [9.0 if n in hot else 1.0 for n in range(25)]},
    ...                  index=idx)
    >>> y = pd.Series([5.0 if n in hot else 0.5 for n in range(25)], index=idx)
    >>> out = bivariate_local_moran(x, y, g, permutations=999, correction="none")
    >>> out.loc[("r00", "15.3"), "bv_label"]
    'High-High'
    """
    from lps_geo.stats import _engine  # lazy: numba kernels (see _batched)

    ids = pd.Index(graph.unique_ids)
    missing = X.index.difference(ids).union(y.index.difference(ids))
    if len(missing):
        raise InputError(
            f"{len(missing)} region(s) are not in the weights graph: "
            f"{', '.join(map(str, missing[:5]))}"
        )
    Xa = X.reindex(ids)
    ya = y.reindex(ids).to_numpy(dtype=float)
    if not np.isfinite(ya).all():
        raise InputError(
            "the second variable of the bivariate Moran has missing values"
        )
    a = _binary_csr(graph)
    n, k = Xa.shape
    card = np.diff(a.indptr)
    isolated = card == 0
    x = Xa.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        zx = (x - x.mean(axis=0)) / x.std(axis=0)
        zy = (ya - ya.mean()) / ya.std()
        rs = np.where(card > 0, 1.0 / np.maximum(card, 1), 0.0)
        lag = (a @ zy) * rs
        bv_i = (n - 1) * zx * lag[:, None] / (zx * zx).sum(axis=0)
    quad = np.where(
        zx > 0, np.where(lag[:, None] > 0, 1, 4), np.where(lag[:, None] > 0, 2, 3)
    )
    p = np.full((n, k), np.nan)
    if permutations and ya.std() > 0:
        max_card = int(card.max())
        draws = _engine.conditional_draws(max_card, n, permutations, seed)
        yb = np.ascontiguousarray(ya[:, None])
        tol = TIE_RTOL * np.array([max(np.abs(ya).max() * max(max_card, 1), 1e-300)])
        n_ge, n_le = _engine.local_counts(
            yb,
            card.astype(np.int64),
            np.ascontiguousarray((a @ ya)[:, None]),
            draws,
            tol,
            CHUNK,
        )
        p = np.repeat(_conditional_p(n_ge, n_le, permutations), k, axis=1)
        p = np.where(zx == 0, 1.0, p)
    flat = ~np.isfinite(bv_i)
    p[flat | isolated[:, None]] = np.nan
    bv_i[isolated, :] = np.nan
    adj = adjust_pvalues(p, correction)
    labels = np.full((n, k), "not significant", dtype=object)
    for q, lab in QUADRANT_LABELS.items():
        labels[(adj <= alpha) & (quad == q)] = lab
    labels[flat] = "undefined"
    labels[isolated, :] = "isolated"
    index = pd.MultiIndex.from_product([ids, Xa.columns], names=["region", "industry"])
    return pd.DataFrame(
        {
            "bv_i": bv_i.ravel(),
            "bv_q": quad.ravel(),
            "bv_p": p.ravel(),
            "bv_p_adj": adj.ravel(),
            "bv_label": labels.ravel(),
        },
        index=index,
    )
