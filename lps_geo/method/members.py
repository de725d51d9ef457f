"""Statistics that the maps and the atlas show but a result does not store.

Computed from the layers of a result (``lps``, ``lps_members``,
``indicators``), so that rendering only draws: :func:`lps_members` lists the
member regions of every LPS, :func:`member_statistics` counts the members in
significant LISA High-High clusters and Gi* hot spots (the atlas's indicator
table), and :func:`moran_slope` gives the slope of the Moran scatter plot when
the result has no global Moran's I.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lps_geo.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from lps_geo.result import Result


def lps_members(result: Result) -> dict[str, list[str]]:
    """Member region codes of every LPS, from the ``lps_members`` table (the
    ``members`` text column of the ``lps`` layer is for people, not parsed).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> r = SimpleNamespace(lps_members=pd.DataFrame(
    ...     {"lps_id": ["a", "a", "b"], "region": ["7", "8", "3"]}))
    >>> lps_members(r)
    {'a': ['7', '8'], 'b': ['3']}
    """
    out: dict[str, list[str]] = {}
    table = result.lps_members
    if table is None or not {"lps_id", "region"} <= set(table.columns):
        raise InputError(
            "the result has no lps_members table (lps_id, region); read it with "
            "lps_geo.read_geopackage or run the analysis"
        )
    for lps_id, region in zip(
        table["lps_id"].astype(str), table["region"].astype(str), strict=True
    ):
        out.setdefault(lps_id, []).append(region)
    return out


def member_statistics(result: Result) -> pd.DataFrame:
    """Members of each LPS in significant LISA High-High clusters and Gi* hot spots.

    Joins ``lps_members`` with the ``indicators``
    rows of the LPS's own industry: ``high_high`` counts members whose
    ``lisa_label`` is "High-High", ``hot_spots`` members with ``gi_bin`` > 0
    (a Gi* hot spot at 90 % confidence or more, after the run's correction).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``lps_id``, integer columns ``high_high`` and ``hot_spots``
        (0 for an LPS without matching indicator rows).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> r = SimpleNamespace(
    ...     lps=pd.DataFrame({"lps_id": ["a"], "industry": ["15.3"]}),
    ...     lps_members=pd.DataFrame({"lps_id": ["a", "a"], "region": ["1", "2"]}),
    ...     indicators=pd.DataFrame({"region": ["1", "2", "1"],
    ...         "industry": ["15.3", "15.3", "31.0"],
    ...         "lisa_label": ["High-High", "not significant", "High-High"],
    ...         "gi_bin": [3, 2, 3]}))
    >>> member_statistics(r).loc["a"].tolist()
    [1, 2]
    """
    lps = result.lps
    ids = (
        (lps["lps_id"] if "lps_id" in lps.columns else pd.Series(lps.index))
        .astype(str)
        .to_numpy()
    )
    out = pd.DataFrame(
        {"high_high": 0, "hot_spots": 0}, index=pd.Index(ids, name="lps_id")
    )
    ind = result.indicators
    if not len(ids) or not {"region", "industry"} <= set(ind.columns):
        return out
    industry = dict(zip(ids, lps["industry"].astype(str), strict=True))
    pairs = [
        (lps_id, region, industry[lps_id])
        for lps_id, regions in lps_members(result).items()
        if lps_id in industry
        for region in regions
    ]
    if not pairs:
        return out
    members = pd.DataFrame(pairs, columns=["lps_id", "region", "industry"])
    columns = [c for c in ("lisa_label", "gi_bin") if c in ind.columns]
    table = pd.DataFrame(
        {
            "region": ind["region"].astype(str).to_numpy(),
            "industry": ind["industry"].astype(str).to_numpy(),
            **{c: ind[c].to_numpy() for c in columns},
        }
    )
    joined = members.merge(table, on=["region", "industry"], how="left")
    flags = pd.DataFrame({"lps_id": joined["lps_id"]})
    flags["high_high"] = (
        joined["lisa_label"].astype(str).eq("High-High").to_numpy()
        if "lisa_label" in joined
        else False
    )
    flags["hot_spots"] = (
        (pd.to_numeric(joined["gi_bin"], errors="coerce") > 0).to_numpy()
        if "gi_bin" in joined
        else False
    )
    counts = flags.groupby("lps_id")[["high_high", "hot_spots"]].sum().astype(int)
    out.update(counts)
    return out.astype(int)


def moran_slope(z: np.ndarray, lag: np.ndarray) -> float:
    """Least-squares slope through the origin of the spatial lag on ``z``.

    With row-standardised weights this is the global Moran's I of the
    standardised variable ``z``; 0 when there are no points.

    >>> moran_slope(np.array([1.0, -1.0]), np.array([0.5, -0.5]))
    0.5
    >>> moran_slope(np.array([]), np.array([]))
    0.0
    """
    return float((z * lag).sum() / (z * z).sum()) if len(z) else 0.0
