"""The reference engine: PySAL esda called once per industry.

Slow, but the numerical reference the batched engine must agree with
(statistics exactly, p-values within Monte Carlo error; with the same seed
esda's conditional draws are the batched engine's first draws, so fixed-R
p-values agree exactly wherever the null has no ties).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from libpysal.graph import Graph

from lps_geo.errors import ConfigError
from lps_geo.stats.pvalues import two_sided


def esda_engine(
    X: pd.DataFrame, graph: Graph, inference
) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, float], dict]:
    """esda's Moran, Moran_Local and G_Local per column of ``X``.

    Returns the (K, 6) global statistics in the order of
    :data:`lps_geo.stats.spatial.GLOBAL_COLUMNS`, the local arrays, timings
    and the draws of every test.

    ``inference`` is a :class:`lps_geo.stats.spatial.Inference`; esda has no
    sequential draws and no total-permutation Gi*, so those are refused.
    """
    import esda

    permutations = inference.permutations
    if permutations == "auto":
        raise ConfigError(
            "the esda engine needs a whole number of permutations; "
            'permutations = "auto" (sequential draws) needs engine = "numba"'
        )
    if permutations and inference.gi_null == "total":
        raise ConfigError(
            'esda has no total-permutation Gi*; use gi_null = "conditional" or '
            '"analytic" with engine = "esda", or engine = "numba"'
        )
    seed = inference.seed
    glob_perm = bool(permutations) and inference.global_permutations
    n, k = X.shape
    out = {
        name: np.full((n, k), np.nan)
        for name in ("lisa_z", "lisa_lag", "lisa_i", "lisa_q", "lisa_p", "gi_z", "gi_p")
    }
    glob = np.full((k, 6), np.nan)  # the columns of spatial.GLOBAL_COLUMNS
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
            mi = esda.Moran(y, w_r, permutations=permutations if glob_perm else 0)
            glob[j] = (
                mi.I,
                mi.EI,
                mi.z_sim if glob_perm else mi.z_rand,
                two_sided(mi.p_sim) if glob_perm else mi.p_rand,
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
                out["lisa_p"][:, j] = two_sided(lm.p_sim)
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
            if permutations and inference.gi_null == "conditional":
                out["gi_p"][:, j] = two_sided(gs.p_sim)
            else:
                out["gi_p"][:, j] = 2 * gs.p_norm
    lisa_draws = np.where(np.isfinite(out["lisa_p"]), permutations, 0)
    gi_perm = permutations if inference.gi_null == "conditional" else 0
    gi_draws = np.where(np.isfinite(out["gi_p"]), gi_perm, 0)
    return (
        glob,
        out,
        {},
        {
            "lisa_draws": lisa_draws.astype(np.int32),
            "gi_draws": gi_draws.astype(np.int32),
            "max_draws": permutations,
        },
    )
