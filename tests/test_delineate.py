"""Grouping candidates into LPS, aggregation and stable ids."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from lps_geo.config import get_thresholds
from lps_geo.method.delineate import group_members, summarise_lps
from lps_geo.stats.weights import build_weights


@pytest.fixture
def rook(grid):
    g, _ = build_weights(grid, "rook")
    return g


def _matrix(grid, cells, value=True, col="15.3"):
    m = pd.DataFrame(not value, index=grid.index, columns=[col])
    m.loc[[f"r{c:02d}" for c in cells], col] = value
    return m


def test_contiguous_sets_become_one_lps_each(grid, rook):
    # two separate blobs: {0, 1, 6} and {34, 35}; 14 is hot-spot only, touching 8?
    filters = _matrix(grid, [0, 1, 34, 35])
    hot = _matrix(grid, [6])
    size = pd.DataFrame(1.0, index=grid.index, columns=["15.3"])
    size.loc["r01", "15.3"] = 50.0
    size.loc["r35", "15.3"] = 9.0
    m = group_members(filters, hot, size, rook)
    assert sorted(m["lps_id"].unique()) == ["15.3@r01", "15.3@r35"]
    a = m[m["lps_id"] == "15.3@r01"]
    assert a["region"].tolist() == ["r00", "r01", "r06"]
    assert a.set_index("region").loc["r06", "via"] == "hotspot"


def test_unit_mode_keeps_regions_apart(grid, rook):
    filters = _matrix(grid, [0, 1])
    hot = _matrix(grid, [])
    size = pd.DataFrame(1.0, index=grid.index, columns=["15.3"])
    m = group_members(filters, hot, size, rook, mode="unit")
    assert sorted(m["lps_id"]) == ["15.3@r00", "15.3@r01"]


def test_anchor_ties_break_on_code(grid, rook):
    filters = _matrix(grid, [3, 4])
    size = pd.DataFrame(7.0, index=grid.index, columns=["15.3"])
    m = group_members(filters, _matrix(grid, []), size, rook)
    assert m["lps_id"].unique().tolist() == ["15.3@r03"]


def test_summary_aggregates_and_classifies(grid, rook):
    # E: industry "x" in regions; totals per region 100 each (36 regions)
    size = pd.DataFrame(0.0, index=grid.index, columns=["x"])
    size.loc[["r00", "r01"], "x"] = [60.0, 30.0]
    size.loc["r20", "x"] = 10.0
    region_total = pd.Series(100.0, index=grid.index)
    est = pd.DataFrame(0.0, index=grid.index, columns=["x"])
    est.loc[["r00", "r01", "r20"], "x"] = [3, 3, 2]
    members = pd.DataFrame(
        {
            "lps_id": ["x@r00", "x@r00", "x@r20"],
            "region": ["r00", "r01", "r20"],
            "industry": "x",
            "via": ["both", "filters", "filters"],
        }
    )
    industry_total = pd.DataFrame({"x": [100.0]}, index=["all"])
    grand = pd.Series({"all": 3600.0})
    out = summarise_lps(
        members,
        size,
        region_total,
        industry_total,
        grand,
        get_thresholds("ipea2006"),
        establishments=est,
        reference=pd.Series("all", index=grid.index),
    )
    a = out.loc["x@r00"]
    # share of industry 90/100; share of region 90/200; QL = 0.45 / (100/3600)
    assert_allclose(
        [a["share_industry"], a["share_region"], a["ql"]], [0.9, 0.45, 0.45 * 36]
    )
    assert a["lps_type"] == "center" and a["n_members"] == 2
    assert a["n_hotspot_members"] == 1
    b = out.loc["x@r20"]
    # 2 establishments < 5: filtered out
    assert b["lps_type"] is None
    assert np.isclose(b["ql"], 0.1 * 36)
