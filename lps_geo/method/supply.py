"""Suppliers and buyers of every LPS: its industry's main partners, near it or not.

The paper's case studies describe clusters that draw suppliers of raw
materials, parts and equipment to them (Suzigan, Furtado & Garcia 2006,
sections 2.7 and 3). With IBGE's input-output matrix
(``[inputs.input_output]``) the main supplying and buying activities of each
LPS's industry are the national technical coefficients' largest
(:func:`lps_geo.stats.supply_chain.industry_links`, through the SCN x CNAE 2.0
correspondence); with a user table of production chains (``[inputs] chains``)
the user's pairs are checked the same way. A partner is *present* when one of
its industries has a location quotient of at least
``characterisation.min_ql`` in a member of the LPS, or *nearby* in a unit
whose polygon lies within ``characterisation.supplier_distance`` metres of a
member's (:func:`lps_geo.stats.supply_chain.lps_supply_chain`). The QL of a
unit is measured against its own reference area, over every industry of the
denominator (suppliers are often agriculture or mining, outside the analysed
industries).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely

from lps_geo.config import Config
from lps_geo.io.inputs import Inputs
from lps_geo.method.analyse import Analysis
from lps_geo.result import LAYER_COLUMNS
from lps_geo.stats.indicators import location_quotient
from lps_geo.stats.supply_chain import (
    chain_links,
    goods_activities,
    industry_links,
    lps_supply_chain,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Suppliers:
    """Suppliers and buyers of every LPS.

    ``lps_suppliers``: one row per (LPS, role, partner), the columns of
    :data:`lps_geo.result.LAYER_COLUMNS` ``["lps_suppliers"]``; ``report``:
    the block of ``report.json``.
    """

    lps_suppliers: pd.DataFrame
    report: dict[str, Any]


def unit_ql(a: Analysis) -> pd.DataFrame:
    """QL of every unit in every industry of the denominator, each unit
    against its own reference area (NaN where a total is zero)."""
    E = a.E_all if a.E_all is not None else a.E
    total = a.region_total if a.region_total is not None else E.sum(axis=1)
    if a.reference is None:
        return location_quotient(E, total)
    parts = [
        location_quotient(E.loc[regions], total.loc[regions])
        for _, regions in a.reference.groupby(a.reference, sort=False).groups.items()
    ]
    return pd.concat(parts).reindex(E.index)


def nearby_units(a: Analysis, distance: float) -> pd.DataFrame:
    """Units within ``distance`` metres of a member of each LPS (members
    included; ``lps_supply_chain`` sets them apart): ``lps_id``, ``region``.

    The units' polygons are compared with each member's, in the run's
    projected CRS: a unit touching or overlapping a member is at distance 0.
    """
    m = a.members[["lps_id", "region"]]
    if distance <= 0 or not len(m):
        return pd.DataFrame({"lps_id": [], "region": []}, dtype=object)
    # a unit is a member of several LPS (of different industries): each
    # member unit is looked up once
    regions = pd.unique(m["region"])
    geoms = np.asarray(a.units.geometry.values)
    where = a.units.index.get_indexer(regions)
    tree = shapely.STRtree(geoms)
    member_at, unit_at = tree.query(
        geoms[where], predicate="dwithin", distance=distance
    )
    around = pd.DataFrame(
        {
            "region": regions[member_at],
            "near": a.units.index.to_numpy()[unit_at],
        }
    )
    pairs = m.merge(around, on="region", how="inner")[["lps_id", "near"]]
    pairs = pairs.rename(columns={"near": "region"})
    return pairs.drop_duplicates().reset_index(drop=True)


def lps_suppliers(cfg: Config, inp: Inputs, a: Analysis) -> Suppliers | None:
    """Suppliers and buyers of every LPS of one analysis (None without an
    input-output matrix or production chains, or without LPS)."""
    if (inp.io_table is None and inp.chains is None) or not len(a.members):
        return None
    ch = cfg.characterisation
    ql = unit_ql(a)
    industries = list(ql.columns)
    if inp.io_table is not None:
        only = goods_activities(inp.io_table) if ch.goods_suppliers else None
        links = industry_links(
            industries, inp.io_table, inp.scn_cnae, top_n=ch.suppliers, only=only
        )
        links = links[links["industry"].isin(a.members["industry"].unique())]
    else:
        links = chain_links({})
    nearby = nearby_units(a, ch.supplier_distance)
    out = lps_supply_chain(
        ql,
        a.members[["lps_id", "region", "industry"]],
        links,
        nearby=nearby,
        chains=inp.chains,
        threshold=ch.min_ql,
    )
    out = out[list(LAYER_COLUMNS["lps_suppliers"])]
    report = supply_report(cfg, inp, out)
    log.info(
        "suppliers and buyers: %d links of %d LPS, %.0f%% present in the members",
        len(out),
        out["lps_id"].nunique(),
        100 * report["share_present_in_members"] if len(out) else 0.0,
    )
    return Suppliers(out.reset_index(drop=True), report)


def supply_report(cfg: Config, inp: Inputs, out: pd.DataFrame) -> dict[str, Any]:
    """The ``suppliers`` block of ``report.json``: settings and counts per role."""
    ch = cfg.characterisation
    by_role = {}
    for role, rows in out.groupby("role", sort=False):
        inside, near = rows["present_in_members"], rows["present_nearby"]
        by_role[str(role)] = {
            "links": int(len(rows)),
            "present_in_members": int(inside.sum()),
            "present_nearby_only": int((near & ~inside).sum()),
            "absent": int((~near & ~inside).sum()),
        }
    io_in = cfg.inputs.input_output
    return {
        "input_output": str(io_in.path) if io_in is not None else None,
        "chains": str(cfg.inputs.chains) if cfg.inputs.chains else None,
        "top": ch.suppliers,
        "goods_suppliers": ch.goods_suppliers,
        "distance": ch.supplier_distance,
        "min_ql": ch.min_ql,
        "n_lps": int(out["lps_id"].nunique()),
        "share_present_in_members": float(out["present_in_members"].mean())
        if len(out)
        else None,
        "by_role": by_role,
    }
