"""From candidate (region, industry) pairs to local production systems.

An industry's agglomeration is the set of regions that pass the paper's
filters (share of the industry, location quotient, establishments; see
:mod:`lps_geo.method.typology`) or that sit in a significant hot spot of the
industry with a location quotient of at least ``hotspot_ql_min``. In
``contiguous`` mode each connected set of such regions (in the weights graph)
is one LPS; in ``unit`` mode every candidate region is an LPS of its own, as
in the original studies on microregions. An LPS is kept when its aggregate
passes the filters, and its type comes from the aggregate (Suzigan, Furtado &
Garcia 2006, section 4.2).

LPS identifiers are stable: ``"<industry>@<anchor>"`` where the anchor is the
member region with the largest size in the industry (ties: smallest code).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from libpysal.graph import Graph
from scipy.sparse.csgraph import connected_components

from lps_geo.config import TypologyThresholds
from lps_geo.method.typology import classify
from lps_geo.vocab import DelineationMode

log = logging.getLogger(__name__)


def group_members(
    filters: pd.DataFrame,
    hotspot: pd.DataFrame,
    size: pd.DataFrame,
    graph: Graph,
    mode: DelineationMode = "contiguous",
) -> pd.DataFrame:
    """Group candidate regions of each industry into LPS.

    Parameters
    ----------
    filters, hotspot
        Boolean region x industry matrices: pairs that pass the filters, and
        pairs that belong to a significant hot spot (with QL above the
        hot-spot floor).
    size
        Region x industry size matrix (to choose each LPS's anchor).
    graph
        Weights graph over the regions (contiguity decides membership in
        ``contiguous`` mode).
    mode
        ``"contiguous"`` or ``"unit"``.

    Returns
    -------
    DataFrame
        ``lps_id``, ``region``, ``industry``, ``via`` (``"filters"``,
        ``"hotspot"`` or ``"both"``) and ``anchor`` (the member that names the
        LPS: largest size, ties to the smallest code), one row per member.

    Examples
    --------
    >>> idx = pd.Index(["a", "b", "c", "d"], name="region")
    >>> g = Graph.from_arrays(["a", "b", "b", "c", "d"], ["b", "a", "c", "b", "d"],
    ...                       [1.0, 1.0, 1.0, 1.0, 0.0])
    >>> f = pd.DataFrame({"15.3": [True, False, False, True]}, index=idx)
    >>> h = pd.DataFrame({"15.3": [False, True, False, False]}, index=idx)
    >>> e = pd.DataFrame({"15.3": [10.0, 50.0, 0.0, 5.0]}, index=idx)
    >>> m = group_members(f, h, e, g)
    >>> m[["lps_id", "region", "via"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['15.3@b', 'a', 'filters'], ['15.3@b', 'b', 'hotspot'],
     ['15.3@d', 'd', 'filters']]
    """
    ids = pd.Index(graph.unique_ids)
    f = filters.reindex(index=ids, fill_value=False).to_numpy(dtype=bool)
    h = hotspot.reindex(index=ids, columns=filters.columns, fill_value=False)
    h = h.to_numpy(dtype=bool)
    s = size.reindex(index=ids, columns=filters.columns, fill_value=0).to_numpy(
        dtype=float
    )
    adj = graph.sparse.tocsr()
    codes = ids.to_numpy(dtype=object)
    rows = []
    for j, industry in enumerate(filters.columns):
        cand = f[:, j] | h[:, j]
        if not cand.any():
            continue
        pos = np.flatnonzero(cand)
        if mode == "unit":
            labels = np.arange(len(pos))
        else:
            sub = adj[pos][:, pos]
            _, labels = connected_components(sub, directed=False)
        for lab in np.unique(labels):
            members = pos[labels == lab]
            # anchor: largest size, ties -> smallest code
            order = sorted(members, key=lambda m: (-s[m, j], codes[m]))
            anchor = codes[order[0]]
            lps_id = f"{industry}@{anchor}"
            for m in sorted(members, key=lambda m: codes[m]):
                via = (
                    "both"
                    if f[m, j] and h[m, j]
                    else "filters"
                    if f[m, j]
                    else "hotspot"
                )
                rows.append((lps_id, codes[m], industry, via, anchor))
    return pd.DataFrame(rows, columns=["lps_id", "region", "industry", "via", "anchor"])


def summarise_lps(
    members: pd.DataFrame,
    size: pd.DataFrame,
    region_total: pd.Series,
    industry_total: pd.DataFrame,
    grand_total: pd.Series,
    thresholds: TypologyThresholds,
    establishments: pd.DataFrame | None = None,
    reference: pd.Series | None = None,
) -> pd.DataFrame:
    """Aggregate the members of each LPS and classify the aggregate.

    Parameters
    ----------
    members
        Output of :func:`group_members`.
    size
        Region x industry size measure.
    region_total
        E_j: size of all activities in scope per region.
    industry_total, grand_total
        E_i and E per reference area: ``industry_total`` is reference area x
        industry, ``grand_total`` is indexed by reference area.
    thresholds
        Typology cut-offs.
    establishments
        Region x industry establishment counts (for the filter); when
        ``None`` the establishment filter is not applied.
    reference
        Region -> reference area (all regions in one area when ``None``).

    Returns
    -------
    DataFrame indexed by ``lps_id``: ``industry``, ``n_members``,
    ``size``, ``size_total``, ``establishments``, ``share_industry``,
    ``share_region``, ``ql``, ``lps_type`` (``None`` where the aggregate fails
    the filters), ``n_hotspot_members``, ``reference_area``.
    """
    if reference is None:
        reference = pd.Series("all", index=size.index)
    if members.empty:
        return pd.DataFrame(
            columns=[
                "industry",
                "n_members",
                "size",
                "size_total",
                "establishments",
                "share_industry",
                "share_region",
                "ql",
                "lps_type",
                "n_hotspot_members",
                "reference_area",
            ],
            index=pd.Index([], name="lps_id"),
        )
    m = members.copy()
    stacked = size.stack()
    stacked.index.names = ["region", "industry"]
    key = pd.MultiIndex.from_arrays([m["region"], m["industry"]])
    m["size"] = stacked.reindex(key).to_numpy()
    if establishments is not None:
        est = establishments.stack()
        est.index.names = ["region", "industry"]
        m["establishments"] = est.reindex(key).fillna(0).to_numpy()
    else:
        m["establishments"] = np.nan
    m["size_total"] = region_total.reindex(m["region"]).to_numpy()
    m["reference_area"] = reference.reindex(m["region"]).to_numpy()
    m["hot"] = m["via"].isin(["hotspot", "both"])
    g = m.groupby("lps_id", sort=True)
    out = pd.DataFrame(
        {
            "industry": g["industry"].first(),
            "n_members": g.size(),
            "size": g["size"].sum(),
            "size_total": g["size_total"].sum(),
            "establishments": g["establishments"].sum(min_count=1),
            "n_hotspot_members": g["hot"].sum().astype(int),
            "reference_area": g["reference_area"].first(),
        }
    )
    ei = industry_total.stack()
    ei.index.names = ["reference_area", "industry"]
    e_i = ei.reindex(
        pd.MultiIndex.from_arrays([out["reference_area"], out["industry"]])
    ).to_numpy()
    e = grand_total.reindex(out["reference_area"]).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share_industry"] = out["size"] / e_i
        out["share_region"] = out["size"] / out["size_total"]
        out["ql"] = out["share_region"] / (e_i / e)
    est_for_filter = (
        out["establishments"]
        if establishments is not None
        else pd.Series(np.inf, index=out.index)
    )
    out["lps_type"] = classify(
        out["share_industry"], out["ql"], est_for_filter, thresholds
    )
    out.index.name = "lps_id"
    return out
