"""Bivariate Local Moran between every industry and one other variable.

Anselin, Syabri & Smirnov (2002): does a specialised municipality sit among
neighbours rich in, for example, science and technology institutions? The
permutation inference is that of the univariate Local Moran
(:mod:`lps_geo.stats.local_tests`), fixed-R or sequential.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from libpysal.graph import Graph

from lps_geo.errors import InputError
from lps_geo.stats.local_tests import local_tests
from lps_geo.stats.pvalues import adjust_pvalues
from lps_geo.stats.spatial import QUADRANT_LABELS, binary_csr
from lps_geo.vocab import Correction


def bivariate_local_moran(
    X: pd.DataFrame,
    y: pd.Series,
    graph: Graph,
    permutations: int | str = 999,
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
    correction, labels and sequential draws (``permutations="auto"``) as
    :func:`lps_geo.stats.spatial.spatial_statistics`.

    Returns
    -------
    DataFrame indexed by (region, industry): ``bv_i``, ``bv_q``, ``bv_p``,
    ``bv_p_adj``, ``bv_label``, ``bv_draws`` (draws the p uses).

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
    a = binary_csr(graph)
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
    draws = np.zeros((n, k), dtype=np.int32)
    if permutations and ya.std() > 0:
        # x_i is fixed, so the rank of the observed lag of y is the same for
        # every industry: one test of y's neighbour sum serves all of them
        tests = local_tests(
            "conditional",
            np.ascontiguousarray(ya[:, None]),
            a,
            ~isolated[:, None],
            permutations,
            seed,
            alpha,
            correction,
        )
        p = np.repeat(tests.p, k, axis=1)
        draws = np.repeat(tests.draws, k, axis=1)
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
            "bv_draws": draws.ravel(),
        },
        index=index,
    )
