"""Spatial autocorrelation and hot-spot statistics for every industry.

One entry point, :func:`spatial_statistics`, takes a region x industry
matrix and a weights graph and returns global Moran's I per industry and
Local Moran (Anselin 1995) and Getis-Ord Gi* (Getis & Ord 1992; Ord & Getis
1995) per (region, industry), with conditional-permutation inference. The
computation is delegated to an *engine* from :data:`ENGINES`; the first
engine, ``"esda"``, calls PySAL esda once per industry and is the numerical
reference for any faster engine.

Inference
---------
* Pseudo p-values are two-sided: esda's folded p-value ``(m + 1)/(R + 1)``,
  with ``m`` the number of permuted statistics at least as extreme as the
  observed one on its side of the reference distribution, doubled and capped
  at 1. The smallest attainable p is ``2/(R + 1)``.
* Multiple testing is corrected per industry, across its regions:
  Benjamini-Hochberg (``"fdr"``, default), Bonferroni or none. Raw and
  adjusted p-values are both kept; labels and bins use the adjusted ones.
* Regions without neighbours are labelled ``isolated``; industries whose
  variable has zero variance and regions whose variable is missing are
  ``undefined``; neither is ever significant.
* Every industry uses the same seed, hence the same permutation draws.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from libpysal.graph import Graph

from .errors import ConfigError, InputError, LpsGeoWarning

log = logging.getLogger(__name__)

Correction = Literal["fdr", "bonferroni", "none"]

#: LISA quadrant (esda convention) -> label.
QUADRANT_LABELS = {1: "High-High", 2: "Low-High", 3: "Low-Low", 4: "High-Low"}

LOCAL_COLUMNS = (
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
GLOBAL_COLUMNS = ("moran_i", "moran_ei", "moran_z", "moran_p")


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

    def __repr__(self) -> str:
        return (
            f"<SpatialResult: {len(self.global_)} industries, "
            f"{self.local.index.get_level_values(0).nunique()} regions, "
            f"R={self.permutations}, correction={self.correction}>"
        )


def adjust_pvalues(p: np.ndarray, method: Correction = "fdr") -> np.ndarray:
    """Multiple-testing adjusted p-values; NaNs are ignored and kept.

    ``"fdr"`` is Benjamini & Hochberg (1995) step-up adjusted p-values,
    ``"bonferroni"`` multiplies by the number of tests (capped at 1).

    >>> adjust_pvalues(np.array([0.01, 0.04, 0.03, np.nan]), "fdr")
    array([0.03, 0.04, 0.04,  nan])
    >>> adjust_pvalues(np.array([0.01, 0.5]), "bonferroni")
    array([0.02, 1.  ])
    """
    p = np.asarray(p, dtype=float)
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return out
    q = p[ok]
    if method == "none":
        adj = q
    elif method == "bonferroni":
        adj = np.minimum(q * m, 1.0)
    elif method == "fdr":
        order = np.argsort(q, kind="stable")
        ranked = q[order] * m / np.arange(1, m + 1)
        ranked = np.minimum.accumulate(ranked[::-1])[::-1]
        adj = np.empty(m)
        adj[order] = np.minimum(ranked, 1.0)
    else:
        raise ConfigError(
            f"unknown correction {method!r}; valid: fdr, bonferroni, none"
        )
    out[ok] = adj
    return out


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
    X: pd.DataFrame, graph: Graph, permutations: int, seed: int
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Reference engine: esda's Moran, Moran_Local and G_Local per column."""
    import esda

    n, k = X.shape
    out = {
        name: np.full((n, k), np.nan)
        for name in ("lisa_i", "lisa_q", "lisa_p", "gi_z", "gi_p")
    }
    glob = np.full((k, 4), np.nan)
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
            mi = esda.Moran(y, w_r, permutations=permutations)
            glob[j] = (
                mi.I,
                mi.EI,
                mi.z_sim if permutations else mi.z_norm,
                _two_sided(mi.p_sim) if permutations else mi.p_norm,
            )
            lm = esda.Moran_Local(
                y, w_r, permutations=permutations, seed=seed, n_jobs=1
            )
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
    return g, out


#: Engines by name: ``f(X, graph, permutations, seed) -> (global, local arrays)``.
ENGINES: dict[str, Callable] = {"esda": _esda_engine}


def spatial_statistics(
    X: pd.DataFrame,
    graph: Graph,
    permutations: int = 999,
    seed: int = 12345,
    alpha: float = 0.05,
    correction: Correction = "fdr",
    engine: str = "esda",
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

    Returns
    -------
    SpatialResult

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> from lps_geo.weights import build_weights
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
        n_tests = len(ids)
        # best case: every region at the smallest attainable p
        best = adjust_pvalues(np.full(n_tests, 2.0 / (permutations + 1)), correction)[0]
        if best > alpha:
            warnings.warn(
                f"with {permutations} permutations the smallest two-sided p is "
                f"{2 / (permutations + 1):.4g}, which cannot pass alpha={alpha} "
                f"after {correction} correction over {n_tests} regions; raise "
                "statistics.permutations",
                LpsGeoWarning,
                stacklevel=2,
            )
    log.info(
        "spatial statistics: %d regions x %d industries, R=%d, engine=%s",
        len(ids),
        X.shape[1],
        permutations,
        engine,
    )
    glob, arr = ENGINES[engine](Xa, graph, permutations, seed)

    card = graph.cardinalities.reindex(ids).fillna(0).to_numpy()
    isolated = card == 0
    missing_y = ~np.isfinite(Xa.to_numpy(dtype=float))
    undefined_col = np.isnan(arr["lisa_i"]).all(axis=0)
    n, k = Xa.shape
    lisa_adj = np.full((n, k), np.nan)
    gi_adj = np.full((n, k), np.nan)
    for name in ("lisa_p", "gi_p", "lisa_i", "gi_z"):
        arr[name][isolated, :] = np.nan
        arr[name][missing_y] = np.nan
    for j in range(k):
        lisa_adj[:, j] = adjust_pvalues(arr["lisa_p"][:, j], correction)
        gi_adj[:, j] = adjust_pvalues(arr["gi_p"][:, j], correction)
    quad = np.nan_to_num(arr["lisa_q"], nan=0).astype(int)
    labels = np.full((n, k), "not significant", dtype=object)
    sig = lisa_adj <= alpha
    for q, lab in QUADRANT_LABELS.items():
        labels[sig & (quad == q)] = lab
    labels[missing_y | undefined_col[None, :]] = "undefined"
    labels[isolated, :] = "isolated"
    bins = gi_bins(arr["gi_z"], gi_adj)

    index = pd.MultiIndex.from_product([ids, Xa.columns], names=["region", "industry"])
    local = pd.DataFrame(
        {
            "lisa_i": arr["lisa_i"].ravel(),
            "lisa_q": quad.ravel(),
            "lisa_p": arr["lisa_p"].ravel(),
            "lisa_p_adj": lisa_adj.ravel(),
            "lisa_label": labels.ravel(),
            "gi_z": arr["gi_z"].ravel(),
            "gi_p": arr["gi_p"].ravel(),
            "gi_p_adj": gi_adj.ravel(),
            "gi_bin": bins.ravel(),
        },
        index=index,
    )
    glob.index.name = "industry"
    return SpatialResult(glob, local, permutations, seed, alpha, correction)
