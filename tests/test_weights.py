"""Weights builders and the island policy."""

from __future__ import annotations

import pytest
from shapely.affinity import translate

from lps_geo.errors import ConfigError, CRSError, IslandWarning
from lps_geo.weights import build_weights, restrict_to_groups


def test_queen_vs_rook_on_grid(grid):
    q, rq = build_weights(grid, "queen")
    r, rr = build_weights(grid, "rook")
    # 6x6 grid: rook 2*2*6*5 = 120 directed links, queen adds 2*2*5*5 = 100
    assert rr.n_edges == 120 and rq.n_edges == 220
    assert rq.max_neighbors == 8 and rr.max_neighbors == 4
    assert rq.min_neighbors == 3 and rr.min_neighbors == 2
    assert rq.n_components == 1 and rq.isolates == ()
    assert sorted(q.neighbors["r00"]) == ["r01", "r06", "r07"]
    assert sorted(r.neighbors["r00"]) == ["r01", "r06"]


def test_knn_symmetric(grid):
    g, rep = build_weights(grid, "knn", k=4)
    adj = g.adjacency.reset_index()
    pairs = set(zip(adj["focal"], adj["neighbor"], strict=True))
    assert all((b, a) in pairs for a, b in pairs)
    assert rep.min_neighbors >= 4


def test_island_attach_and_keep(grid):
    far = grid.copy()
    far.loc["r35", "geometry"] = translate(grid.loc["r35", "geometry"], 1e5, 0)
    with pytest.warns(IslandWarning, match="r35"):
        g, rep = build_weights(far, "queen", islands="attach")
    assert rep.links_added == (("r35", "r29"),) or rep.links_added[0][0] == "r35"
    assert rep.isolates == ()
    assert "r35" in g.neighbors[rep.links_added[0][1]]
    with pytest.warns(IslandWarning):
        g2, rep2 = build_weights(far, "queen", islands="keep")
    assert rep2.isolates == ("r35",)


def test_errors(grid):
    with pytest.raises(ConfigError, match="unknown weights 'hex'; valid"):
        build_weights(grid, "hex")
    with pytest.raises(CRSError, match="no CRS"):
        build_weights(grid.set_crs(None, allow_override=True), "queen")
    with pytest.raises(CRSError, match="projected CRS"):
        build_weights(grid.to_crs(4326), "knn", k=3)


def test_restrict_to_groups(grid):
    g, _ = build_weights(grid, "rook")
    groups = grid.index.to_series().map(
        lambda c: "west" if int(c[1:]) % 6 < 3 else "east"
    )
    r = restrict_to_groups(g, groups)
    assert "r03" not in r.neighbors["r02"]
    assert "r01" in r.neighbors["r02"]
