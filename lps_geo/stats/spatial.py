"""Spatial autocorrelation and hot-spot statistics for every industry.

One entry point, :func:`spatial_statistics`, takes a region x industry
matrix and a weights graph and returns global Moran's I per industry and
Local Moran (Anselin 1995) and Getis-Ord Gi* (Getis & Ord 1992; Ord & Getis
1995) per (region, industry), with permutation inference that holds at
national size; :func:`lps_geo.stats.bivariate.bivariate_local_moran` pairs
every industry with another variable. The computation is delegated to an
*engine* from :data:`ENGINES`:

``"numba"`` (default)
    The batched engine: observed statistics vectorised over industries, the
    permutation tests of :mod:`lps_geo.stats.local_tests` (shared draws, every
    site and industry at once; fixed R or sequential) and global Moran's I of
    :mod:`lps_geo.stats.global_moran`. Memory is bounded by one block of
    industries (never regions x industries x permutations).
``"esda"``
    PySAL esda called once per industry: the numerical reference
    (:mod:`lps_geo.stats.esda_engine`).

Inference
---------
* ``permutations = "auto"`` (default): sequential Monte Carlo tests
  (:mod:`lps_geo.stats.sequential`). Every test starts with the same 999
  draws; those still close to significance continue, in doubling batches,
  until they have seen enough extremes, their corrected decision is settled,
  or they reach the number of draws at which a single region can pass the
  correction (2 m / alpha for m tests per family). ``lisa_draws`` and
  ``gi_draws`` keep the draws each p-value uses. An integer R is the fixed-R
  test (the same draws as esda for the same seed).
* Two-sided Monte Carlo p-values: ``p = 2 (min(n_ge, n_le) + 1) / (L + 1)``
  capped at 1, where ``n_ge`` and ``n_le`` count the draws whose statistic is
  at least / at most the observed one and L is the number of draws.
* Ties count as at least as extreme (:data:`TIE_RULE`): a permuted value
  within a relative 1e-11 of the observed one counts in both tails. This is
  conservative and makes p independent of floating-point rounding; it keeps a
  zero surrounded by zeros from being "significant", which esda's folded rule
  (ties counted on one side only) makes it. Where the null has no ties, the
  fixed-R p equals esda's folded p doubled.
* Local Moran: conditional permutation (the site's value fixed, its
  neighbours drawn from the other regions). With binary weights it is
  monotone in the neighbours' sum.
* Gi* (``gi_null``): ``"total"`` (default) permutes every value, the site's
  own included, so the site's own value counts towards a hot spot -- the null
  of Getis & Ord (1992), made exact for zero-heavy data by permutation
  instead of the normal approximation (a lone pole is still judged against
  every other region that could have landed there: where an industry has
  many comparable poles, one of them alone is not exceptional);
  ``"analytic"`` is Getis & Ord's z under total randomisation with the normal
  p (what ArcGIS reports);
  ``"conditional"`` holds the site's value fixed, which with binary weights
  makes Gi* the same test as the Local Moran of its neighbours.
* Multiple testing is corrected per industry across its regions (or across
  all tests): Benjamini-Hochberg (``"fdr"``, default), Bonferroni or none.
  Raw and adjusted p-values are both kept; labels and bins use the adjusted
  ones. With a fixed R a warning says when 2/(R+1) cannot pass the
  corrected level.
* Regions without neighbours are labelled ``isolated``; industries whose
  variable has zero variance and regions whose variable is missing are
  ``undefined``; neither is ever significant.
* Global Moran's I: permutation test with esda's draws (numpy's legacy
  generator, the same seed) plus the analytic moments under randomisation
  (``moran_z_rand``, ``moran_p_rand``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from libpysal.graph import Graph
from scipy import stats

from lps_geo.errors import ConfigError, InputError
from lps_geo.stats.global_moran import GLOBAL_KEYS
from lps_geo.stats.pvalues import (
    TIE_RULE,
    adjust_pvalues,
    gi_bins,
    inference_text,
    warn_resolution,
)
from lps_geo.stats.sequential import FIRST_DRAWS, GLOBAL_DRAWS, schedule
from lps_geo.vocab import LISA_LABEL_KEYS, Correction, FdrScope, GiNull

__all__ = [
    "ENGINES",
    "GLOBAL_COLUMNS",
    "LABELS",
    "LOCAL_COLUMNS",
    "TIE_RULE",
    "Inference",
    "SpatialResult",
    "adjust_pvalues",
    "gi_bins",
    "inference_text",
    "spatial_statistics",
]

log = logging.getLogger(__name__)


#: Every LISA label, in legend order (the palette's order).
LABELS: list[str] = list(LISA_LABEL_KEYS)

#: LISA quadrant (esda convention) -> label.
QUADRANT_LABELS = {1: "High-High", 2: "Low-High", 3: "Low-Low", 4: "High-Low"}

LOCAL_COLUMNS = (
    "variable_value",
    "lisa_z",
    "lisa_lag",
    "lisa_i",
    "lisa_q",
    "lisa_p",
    "lisa_p_adj",
    "lisa_draws",
    "lisa_label",
    "gi_z",
    "gi_p",
    "gi_p_adj",
    "gi_draws",
    "gi_bin",
)
#: Columns of the per-industry table (global Moran's I and its tests).
GLOBAL_COLUMNS = GLOBAL_KEYS


@dataclass(frozen=True)
class Inference:
    """The inference settings of one call of :func:`spatial_statistics`."""

    permutations: int | str = "auto"
    seed: int = 12345
    alpha: float = 0.05
    correction: Correction = "fdr"
    fdr_scope: FdrScope = "industry"
    gi_null: GiNull = "total"
    global_permutations: bool = True

    def text(self, max_draws: int | None = None) -> str:
        """These settings in plain words (see :func:`inference_text`)."""
        return inference_text(
            self.permutations,
            self.seed,
            self.alpha,
            self.correction,
            self.fdr_scope,
            self.gi_null,
            max_draws,
        )


@dataclass(frozen=True)
class SpatialResult:
    """Spatial statistics of every industry.

    Attributes
    ----------
    global_
        One row per industry: ``moran_i``, ``moran_ei`` (expectation),
        ``moran_z`` (permutation z) and ``moran_p`` (two-sided pseudo p), and
        the analytic ``moran_z_rand``, ``moran_p_rand``.
    local
        Long table indexed by (region, industry) with :data:`LOCAL_COLUMNS`.
    permutations, seed, alpha, correction
        The inference settings used (``permutations`` may be ``"auto"``).
    max_draws
        The most draws a local test could use (R, or R_max with ``"auto"``).
    draws
        The distribution of the draws the local tests used (see
        :func:`draws_summary`), per statistic.
    """

    global_: pd.DataFrame
    local: pd.DataFrame
    permutations: int | str
    seed: int
    alpha: float
    correction: str
    engine: str = "numba"
    fdr_scope: str = "industry"
    gi_null: str = "total"
    max_draws: int = 0
    draws: dict = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"<SpatialResult: {len(self.global_)} industries, "
            f"{self.local.index.get_level_values(0).nunique()} regions, "
            f"R={self.permutations}, correction={self.correction}>"
        )

    @property
    def inference(self) -> Inference:
        """The settings of the run, as an :class:`Inference`."""
        return Inference(
            self.permutations,
            self.seed,
            self.alpha,
            self.correction,
            self.fdr_scope,
            self.gi_null,
        )


def draws_summary(draws: np.ndarray, max_draws: int, first: int = FIRST_DRAWS) -> dict:
    """How many draws the tests used, counted per sequential batch.

    ``by_draws`` maps the draws at the end of each batch to the number of
    tests that stopped in it (a conditional test skips the few rows that
    draw its own site, so it may stop a little short of the batch's end);
    ``at_max`` counts the tests that ran the last batch.

    >>> s = draws_summary(np.array([[199, 199], [396, 0]]), 399)
    >>> s["tests"], s["continued"], s["at_max"], s["by_draws"]
    (3, 1, 1, {'199': 2, '399': 1})
    """
    d = np.asarray(draws).ravel()
    d = d[d > 0]
    if not len(d):
        return {"tests": 0, "max_draws": int(max_draws)}
    first = min(int(first), int(d.min()))
    edges = np.array(schedule(first, max(int(max_draws), first)))
    counts = np.bincount(
        np.minimum(np.searchsorted(edges, d, side="left"), len(edges) - 1),
        minlength=len(edges),
    )
    return {
        "tests": int(len(d)),
        "max_draws": int(max_draws),
        "continued": int((d > first).sum()),
        "at_max": int(counts[-1]) if len(edges) > 1 else int(len(d)),
        "mean": round(float(d.mean()), 1),
        "by_draws": {
            str(int(e)): int(c) for e, c in zip(edges, counts, strict=True) if c
        },
    }


def binary_csr(graph: Graph):
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


def _observed(y: np.ndarray, a) -> dict[str, np.ndarray]:
    """Observed Local Moran and Gi* of every column (esda's formulas)."""
    n = y.shape[0]
    card = np.diff(a.indptr)
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

    return {
        "z": z,
        "lag": lag,
        "lisa_i": lisa_i,
        "quad": quad,
        "gi_z": gi_z,
        "flat": flat,
        "rs": rs,
    }


def _numba_engine(
    X: pd.DataFrame,
    graph: Graph,
    inference: Inference,
    progress: Callable[[str, int, int, int], None] | None = None,
) -> tuple[pd.DataFrame, dict[str, np.ndarray], dict[str, float], dict]:
    """Batched engine: every industry at once, shared draws, column blocks."""
    from lps_geo.stats.global_moran import global_moran
    from lps_geo.stats.local_tests import local_tests

    inf = inference
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    a = binary_csr(graph)
    n, k = X.shape
    y = np.ascontiguousarray(X.to_numpy(dtype=float))
    card = np.diff(a.indptr)
    isolated = card == 0
    obs = _observed(y, a)
    z, flat = obs["z"], obs["flat"]
    valid = ~isolated[:, None] & ~flat[None, :] & np.isfinite(y).all(axis=0)[None, :]
    timings["observed"] = time.perf_counter() - t0

    lisa_p = np.full((n, k), np.nan)
    gi_p = np.full((n, k), np.nan)
    lisa_draws = np.zeros((n, k), dtype=np.int32)
    gi_draws = np.zeros((n, k), dtype=np.int32)
    max_d = 0
    batches: dict[str, tuple[int, ...]] = {}
    if inf.permutations:
        t1 = time.perf_counter()

        def tick(name):
            if progress is None:
                return None
            return lambda r, active, r_max: progress(name, r, active, r_max)

        common = (inf.permutations, inf.seed, inf.alpha, inf.correction, inf.fdr_scope)
        # a site at the mean has I = 0 under every draw: all ties, p = 1
        lisa = local_tests(
            "conditional",
            y,
            a,
            valid,
            *common,
            settled=(z == 0),
            progress=tick("Local Moran"),
        )
        lisa_p = np.where(valid & (z == 0), 1.0, lisa.p)
        lisa_draws, max_d = lisa.draws, lisa.max_draws
        batches["lisa"] = lisa.active_per_batch
        timings["local"] = time.perf_counter() - t1
        if inf.gi_null == "conditional":
            # the same neighbour-sum test (sites at the mean keep their first
            # draws: the Local Moran is settled there, Gi* is not)
            gi = lisa
        elif inf.gi_null == "total":
            gi = local_tests("total", y, a, valid, *common, progress=tick("Gi*"))
        else:
            gi = None
        if gi is not None:
            gi_p, gi_draws = gi.p, gi.draws
            batches["gi"] = gi.active_per_batch
        timings["gi"] = time.perf_counter() - t1 - timings["local"]
    if inf.gi_null == "analytic" or not inf.permutations:
        gi_p = np.where(valid, 2 * stats.norm.sf(np.abs(obs["gi_z"])), np.nan)
        gi_draws = np.zeros((n, k), dtype=np.int32)

    t2 = time.perf_counter()
    wr = a.multiply(obs["rs"][:, None]).tocsr()
    glob_arr, glob_t = global_moran(
        y, wr, _global_r(inf.permutations), inf.seed, inf.global_permutations
    )
    timings.update(glob_t)
    timings["global"] = time.perf_counter() - t2
    glob = pd.DataFrame(glob_arr, index=X.columns)
    glob.loc[flat] = np.nan
    lisa_i, quad, gi_z = obs["lisa_i"], obs["quad"], obs["gi_z"]
    lag = obs["lag"]
    for arr in (lisa_i, quad, lisa_p, gi_z, gi_p, z, lag):
        arr[isolated, :] = np.nan
        arr[:, flat] = np.nan
    out = {
        "lisa_z": z,
        "lisa_lag": lag,
        "lisa_i": lisa_i,
        "lisa_q": quad,
        "lisa_p": lisa_p,
        "gi_z": gi_z,
        "gi_p": gi_p,
    }
    info = {
        "lisa_draws": lisa_draws,
        "gi_draws": gi_draws,
        "max_draws": max_d,
        "batches": batches,
    }
    timings["total"] = time.perf_counter() - t0
    return glob, out, timings, info


def _global_r(permutations: int | str) -> int:
    """Permutations of global Moran's test: with ``"auto"``
    :data:`~lps_geo.stats.sequential.GLOBAL_DRAWS` (one test per industry)."""
    return GLOBAL_DRAWS if permutations == "auto" else int(permutations)


def _esda(X, graph, inference, progress=None):
    from lps_geo.stats.esda_engine import esda_engine

    glob, out, timings, info = esda_engine(X, graph, inference)
    return (
        pd.DataFrame(glob, index=X.columns, columns=list(GLOBAL_COLUMNS)),
        out,
        timings,
        info,
    )


#: Engines by name: ``f(X, graph, inference, progress) -> (global, local
#: arrays, timings, draws)``. ``"numba"`` is the batched engine (default);
#: ``"esda"`` calls PySAL esda once per industry and is the reference.
ENGINES: dict[str, Callable] = {"numba": _numba_engine, "esda": _esda}


def spatial_statistics(
    X: pd.DataFrame,
    graph: Graph,
    permutations: int | str = "auto",
    seed: int = 12345,
    alpha: float = 0.05,
    correction: Correction = "fdr",
    engine: str = "numba",
    fdr_scope: FdrScope = "industry",
    global_permutations: bool = True,
    gi_null: GiNull = "total",
    progress: Callable[[str, int, int, int], None] | None = None,
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
        ``"auto"`` (sequential draws, see :mod:`lps_geo.stats.sequential`),
        a number of permutations R, or 0 (no permutation inference: normal
        approximation).
    seed
        Seed of the permutation draws, shared by every industry.
    alpha
        Significance level applied to the adjusted p-values.
    correction
        ``"fdr"`` (Benjamini-Hochberg), ``"bonferroni"`` or ``"none"``.
    engine
        Name in :data:`ENGINES`.
    fdr_scope
        ``"industry"``: correct within each industry; ``"all"``: across all
        (region, industry) tests together.
    global_permutations
        Permutation test for global Moran's I (default); ``False`` keeps its
        analytic (randomisation) p-value only.
    gi_null
        ``"total"`` (default), ``"analytic"`` or ``"conditional"`` (see the
        module docstring).
    progress
        ``progress(statistic, draws, active, r_max)`` before each sequential
        batch (the CLI prints it; the library only logs).

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
    if fdr_scope not in ("industry", "all"):
        raise ConfigError(f"unknown fdr_scope {fdr_scope!r}; valid: industry, all")
    if gi_null not in ("total", "conditional", "analytic"):
        raise ConfigError(
            f"unknown gi_null {gi_null!r}; valid: total, conditional, analytic"
        )
    auto = permutations == "auto"
    if not auto and (
        isinstance(permutations, bool)
        or not isinstance(permutations, (int, np.integer))
        or permutations < 0
    ):
        raise ConfigError(
            f'permutations={permutations!r}: use "auto" or a whole number >= 0'
        )
    inference = Inference(
        permutations if auto else int(permutations),
        int(seed),
        float(alpha),
        correction,
        fdr_scope,
        gi_null,
        global_permutations,
    )
    ids = pd.Index(graph.unique_ids)
    missing = X.index.difference(ids)
    if len(missing):
        raise InputError(
            f"{len(missing)} region(s) of the data are not in the weights graph: "
            f"{', '.join(map(str, missing[:5]))}"
        )
    Xa = X.reindex(ids)
    if not auto and permutations and correction != "none":
        warn_resolution(
            int(permutations),
            alpha,
            correction,
            len(ids) * (X.shape[1] if fdr_scope == "all" else 1),
        )
    log.info(
        "spatial statistics: %d regions x %d industries, R=%s, engine=%s",
        len(ids),
        X.shape[1],
        permutations,
        engine,
    )
    glob, arr, timings, info = ENGINES[engine](Xa, graph, inference, progress)
    t3 = time.perf_counter()
    local, draws = _local_table(Xa, graph, arr, info, inference)
    timings["table"] = time.perf_counter() - t3
    glob.index.name = "industry"
    return SpatialResult(
        glob,
        local,
        inference.permutations,
        inference.seed,
        inference.alpha,
        correction,
        engine,
        fdr_scope,
        gi_null,
        int(info.get("max_draws") or 0),
        draws,
        timings,
    )


def _local_table(
    Xa: pd.DataFrame, graph: Graph, arr: dict, info: dict, inf: Inference
) -> tuple[pd.DataFrame, dict]:
    """The long (region, industry) table: p-values corrected, labels, bins."""
    ids = Xa.index
    n, k = Xa.shape
    values = Xa.to_numpy(dtype=float)
    card = graph.cardinalities.reindex(ids).fillna(0).to_numpy()
    isolated = card == 0
    missing_y = ~np.isfinite(values)
    undefined_col = np.isnan(arr["lisa_i"]).all(axis=0)
    for name in ("lisa_p", "gi_p", "lisa_i", "gi_z", "lisa_z", "lisa_lag"):
        arr[name][isolated, :] = np.nan
        arr[name][missing_y] = np.nan
    if inf.fdr_scope == "all":
        lisa_adj = adjust_pvalues(arr["lisa_p"].ravel(), inf.correction).reshape(n, k)
        gi_adj = adjust_pvalues(arr["gi_p"].ravel(), inf.correction).reshape(n, k)
    else:
        lisa_adj = adjust_pvalues(arr["lisa_p"], inf.correction)
        gi_adj = adjust_pvalues(arr["gi_p"], inf.correction)
    quad = np.nan_to_num(arr["lisa_q"], nan=0).astype(np.int8)
    # label codes index LABELS (the palette's order); categorical, not strings
    codes = np.full((n, k), LABELS.index("not significant"), dtype=np.int8)
    sig = lisa_adj <= inf.alpha
    for q, lab in QUADRANT_LABELS.items():
        codes[sig & (quad == q)] = LABELS.index(lab)
    codes[missing_y | undefined_col[None, :]] = LABELS.index("undefined")
    codes[isolated, :] = LABELS.index("isolated")
    bins = gi_bins(arr["gi_z"], gi_adj).astype(np.int8)
    lisa_draws = np.where(np.isfinite(arr["lisa_p"]), info["lisa_draws"], 0)
    gi_draws = np.where(np.isfinite(arr["gi_p"]), info["gi_draws"], 0)
    max_d = int(info.get("max_draws") or 0)
    draws = {"lisa": draws_summary(lisa_draws, max_d)}
    if inf.gi_null != "analytic" and inf.permutations:
        draws["gi"] = draws_summary(gi_draws, max_d)
    for name, active in info.get("batches", {}).items():
        if name in draws:
            draws[name]["active_per_batch"] = list(map(int, active))
    index = pd.MultiIndex.from_product([ids, Xa.columns], names=["region", "industry"])
    local = pd.DataFrame(
        {
            "variable_value": values.ravel(),
            "lisa_z": arr["lisa_z"].ravel(),
            "lisa_lag": arr["lisa_lag"].ravel(),
            "lisa_i": arr["lisa_i"].ravel(),
            "lisa_q": quad.ravel(),
            "lisa_p": arr["lisa_p"].ravel(),
            "lisa_p_adj": lisa_adj.ravel(),
            "lisa_draws": lisa_draws.astype(np.int32).ravel(),
            "lisa_label": pd.Categorical.from_codes(codes.ravel(), LABELS),
            "gi_z": arr["gi_z"].ravel(),
            "gi_p": arr["gi_p"].ravel(),
            "gi_p_adj": gi_adj.ravel(),
            "gi_draws": gi_draws.astype(np.int32).ravel(),
            "gi_bin": bins.ravel(),
        },
        index=index,
        copy=False,
    )
    return local, draws
