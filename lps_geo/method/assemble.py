"""The output layers of a run, assembled from an analysis in the public columns.

``indicators`` (one row per analysis unit and industry), ``lps`` (one
dissolved polygon per LPS), ``industries`` (one row per industry and reference
area) and the ``municipalities`` / ``regions`` polygon layers. Nothing is
computed here that the analysis did not already decide; the functions only
join, sum and order.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from libpysal.graph import Graph

from lps_geo.io.inputs import Inputs
from lps_geo.io.lookup import aggregate_regions
from lps_geo.method.analyse import Analysis
from lps_geo.method.typology import passes_filters
from lps_geo.result import LAYER_COLUMNS
from lps_geo.symbology import TYPE_LABELS
from lps_geo.vocab import TYPES, Lang


def _cells(m: pd.DataFrame | None, key: pd.MultiIndex) -> np.ndarray:
    """Values of a region x industry matrix at (region, industry) pairs."""
    if m is None:
        return np.full(len(key), np.nan)
    return m.stack().reindex(key).to_numpy(dtype=float)


def indicator_layer(a: Analysis) -> pd.DataFrame:
    """The ``indicators`` layer: every analysis unit x industry pair."""
    ind = a.indicators.copy()
    key = pd.MultiIndex.from_arrays([ind["region"], ind["industry"]])
    ind["employment"] = _cells(a.emp, key)
    ind["establishments"] = _cells(a.est, key)
    ind["passes_filters"] = passes_filters(
        ind["share_industry"].to_numpy(),
        ind["ql"].to_numpy(),
        ind["establishments"].fillna(np.inf).to_numpy(),
        a.thresholds,
    )
    lps_of = a.members.set_index(["region", "industry"])["lps_id"]
    ind["lps_id"] = lps_of.reindex(key).to_numpy()
    indicators = ind[list(LAYER_COLUMNS["indicators"])].copy()
    indicators["passes_filters"] = indicators["passes_filters"].astype(bool)
    return indicators


def _lps_shapes(a: Analysis) -> pd.DataFrame:
    """Per LPS: its name (after the anchor member), its members and states as
    text (the layer's public columns) and its polygon (the union of its
    members'; a single member keeps its polygon as it is)."""
    units, members = a.units, a.members
    names = (
        units["name"]
        if "name" in units.columns
        else pd.Series(units.index, index=units.index)
    )
    shapes = units.geometry.to_numpy()
    where = units.geometry.index.get_indexer(members["region"])
    regions = members["region"].to_numpy()
    anchors = members["anchor"].to_numpy()
    rows = []
    for lps_id, at in members.groupby("lps_id", sort=True).indices.items():
        n = len(at)
        anchor = anchors[at[0]]
        nm = str(names.get(anchor, anchor))
        codes = regions[at]
        parts = shapes[where[at]]
        rows.append(
            {
                "lps_id": lps_id,
                "name": nm if n == 1 else f"{nm} (+{n - 1})",
                "members": ",".join(codes),
                "states": ",".join(sorted({c[:2] for c in codes})),
                "geometry": parts[0] if n == 1 else shapely.union_all(parts),
            }
        )
    empty = {"lps_id": [], "name": [], "members": [], "states": [], "geometry": []}
    return gpd.GeoDataFrame(
        rows or empty, geometry="geometry", crs=units.crs
    ).set_index("lps_id")


def _member_sum(m: pd.DataFrame | None, members: pd.DataFrame, ids: pd.Index):
    """A region x industry matrix summed over each LPS's members."""
    if m is None or members.empty:
        return np.full(len(ids), np.nan)
    key = pd.MultiIndex.from_arrays([members["region"], members["industry"]])
    vals = m.stack().reindex(key).to_numpy(dtype=float)
    summed = pd.Series(vals, index=members["lps_id"]).groupby(level=0).sum()
    return summed.reindex(ids).to_numpy()


def adjacent_lps(members: pd.DataFrame, graph: Graph | None) -> pd.Series:
    """For each LPS, the other LPS of its industry that touch it.

    Two LPS of one industry touch when a member of one is a neighbour of a
    member of the other in the (unrestricted) weights graph. With one
    reference area per state, a cluster that straddles a state border is
    split into one LPS per state; this column links the parts. Returns a
    Series of ``";"``-joined ids (empty string when none), indexed by lps_id.
    """
    ids = members["lps_id"].unique()
    empty = pd.Series("", index=pd.Index(ids, name="lps_id"), dtype=object)
    if graph is None or members.empty:
        return empty
    adj = graph.adjacency.reset_index()
    adj.columns = ["focal", "neighbor", "weight"]
    adj = adj[adj["focal"] != adj["neighbor"]]
    m = members[["lps_id", "region", "industry"]]
    pairs = m.merge(adj[["focal", "neighbor"]], left_on="region", right_on="focal")
    pairs = pairs.merge(
        m.rename(columns={"lps_id": "other", "region": "neighbor"}),
        on=["neighbor", "industry"],
    )
    pairs = pairs[pairs["lps_id"] != pairs["other"]]
    if pairs.empty:
        return empty
    linked = pairs.groupby("lps_id")["other"].agg(lambda o: ";".join(sorted(set(o))))
    return linked.reindex(empty.index, fill_value="")


def lps_layer(a: Analysis, titles: dict[str, str], lang: Lang) -> gpd.GeoDataFrame:
    """The ``lps`` layer, ordered by type (centres first) then by size."""
    s = a.summary.join(_lps_shapes(a), how="left")
    ids = s.index
    lps = gpd.GeoDataFrame(
        {
            "lps_id": ids.to_numpy(),
            "industry": s["industry"].to_numpy(),
            "title": [titles.get(c, c) for c in s["industry"]],
            "lps_type": s["lps_type"].to_numpy(),
            "lps_type_label": [TYPE_LABELS[lang][t] for t in s["lps_type"]],
            "name": s["name"].to_numpy(),
            "n_members": s["n_members"].to_numpy(dtype=int),
            "members": s["members"].to_numpy(),
            "employment": _member_sum(a.emp, a.members, ids),
            "establishments": _member_sum(a.est, a.members, ids),
            "size": s["size"].to_numpy(dtype=float),
            "size_total": s["size_total"].to_numpy(dtype=float),
            "ql": s["ql"].to_numpy(dtype=float),
            "share_industry": s["share_industry"].to_numpy(dtype=float),
            "share_region": s["share_region"].to_numpy(dtype=float),
            "n_hotspot_members": s["n_hotspot_members"].to_numpy(dtype=int),
            "reference_area": s["reference_area"].to_numpy(),
            "states": s["states"].to_numpy(),
            "adjacent_lps": adjacent_lps(a.members, a.weights.graph)
            .reindex(ids)
            .to_numpy(),
        },
        geometry=s["geometry"].to_numpy() if len(s) else [],
        crs=a.units.crs,
    )
    type_rank = {t: i for i, t in enumerate(TYPES)}
    if len(lps):
        lps = lps.sort_values(
            ["lps_type", "size"],
            key=lambda c: c.map(type_rank) if c.name == "lps_type" else -c,
        ).reset_index(drop=True)
    return lps


def industry_layer(
    a: Analysis, lps: gpd.GeoDataFrame, titles: dict[str, str]
) -> pd.DataFrame:
    """The ``industries`` layer: indicators, global Moran and LPS counts by type."""
    counts = (
        lps.groupby(["reference_area", "industry"])["lps_type"]
        .value_counts()
        .unstack(fill_value=0)
        .reindex(columns=list(TYPES), fill_value=0)
    )
    counts.columns = [f"n_{t}" for t in counts.columns]
    indu = a.industries.merge(
        a.spatial.global_.reset_index(), on="industry", how="left"
    )
    indu = indu.merge(
        counts.reset_index(), on=["reference_area", "industry"], how="left"
    )
    for c in counts.columns.tolist() or [f"n_{t}" for t in TYPES]:
        if c not in indu:
            indu[c] = 0
        indu[c] = indu[c].fillna(0).astype(int)
    indu["n_lps"] = indu[[f"n_{t}" for t in TYPES]].sum(axis=1)
    indu["title"] = [titles.get(c, c) for c in indu["industry"]]
    indu["employment"] = (
        a.emp.sum(axis=0).reindex(indu["industry"]).to_numpy()
        if a.emp is not None
        else np.nan
    )
    if "establishments" not in indu:
        indu["establishments"] = np.nan
    out = indu[list(LAYER_COLUMNS["industries"])].copy()
    out["eg_approximated"] = out["eg_approximated"].astype(bool)
    return out


def _totals(index: pd.Index, m: pd.DataFrame | None):
    if m is None:
        return np.nan
    return m.sum(axis=1).reindex(index).to_numpy(dtype=float)


def unit_layers(
    inp: Inputs,
    a: Analysis,
    grouped: bool,
    capability: pd.DataFrame | None = None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """The ``municipalities`` layer and, when the analysis unit is a group of
    municipalities, the ``regions`` layer; ``capability`` (per analysis unit)
    adds its columns to the layer of the analysis units."""
    munis, units, members = a.munis, a.units, a.members
    emp_full, est_full = inp.employment, inp.establishments
    n_lps_unit = members.groupby("region").size()
    mun = gpd.GeoDataFrame(
        {
            "region": munis.index.to_numpy(),
            "name": munis["name"].to_numpy(),
            "unit": a.unit_of.reindex(munis.index).to_numpy(),
            "employment_total": _totals(munis.index, emp_full),
            "establishments_total": _totals(munis.index, est_full),
        },
        geometry=munis.geometry.to_numpy(),
        crs=munis.crs,
    )
    regions = None
    if grouped:
        mun["n_lps"] = n_lps_unit.reindex(mun["unit"]).fillna(0).astype(int).to_numpy()
        lk = inp.lookup
        regions = gpd.GeoDataFrame(
            {
                "region": units.index.to_numpy(),
                "name": units["name"].to_numpy(),
                "employment_total": _totals(
                    units.index,
                    aggregate_regions(emp_full, lk) if emp_full is not None else None,
                ),
                "establishments_total": _totals(
                    units.index,
                    aggregate_regions(est_full, lk) if est_full is not None else None,
                ),
                "n_lps": n_lps_unit.reindex(units.index)
                .fillna(0)
                .astype(int)
                .to_numpy(),
            },
            geometry=units.geometry.to_numpy(),
            crs=units.crs,
        )
    else:
        mun["n_lps"] = (
            n_lps_unit.reindex(mun["region"]).fillna(0).astype(int).to_numpy()
        )
    if capability is not None:
        unit_layer = regions if regions is not None else mun
        for col in capability.columns:
            unit_layer[col] = capability[col].reindex(unit_layer["region"]).to_numpy()
    return mun, regions
