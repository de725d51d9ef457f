"""Weights builders, snapping, the island policy and the contiguity cache."""

from __future__ import annotations

import json
import logging
import re
from typing import get_args

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import require_shared
from numpy.testing import assert_allclose
from shapely.affinity import translate
from shapely.geometry import Polygon, box

from lps_geo.errors import ConfigError, CRSError, IslandWarning
from lps_geo.stats.weights import (
    BUILDER_PARAMETERS,
    BUILDERS,
    WeightsKind,
    WeightsOptions,
    build_weights,
    default_cache_dir,
    restrict_to_groups,
)


def _frame(geoms, codes, crs="EPSG:5880"):
    return gpd.GeoDataFrame(
        geometry=geoms, index=pd.Index(codes, name="region"), crs=crs
    )


def _pairs(graph):
    """Undirected links of a graph as a set of sorted tuples."""
    adj = graph.adjacency.reset_index()
    adj = adj[adj["weight"] != 0]
    return {tuple(sorted(p)) for p in zip(adj["focal"], adj["neighbor"], strict=True)}


# two 100 m squares 1 m apart, and two touching at a corner only
GAP = _frame([box(0, 0, 100, 100), box(101, 0, 201, 100)], ["a", "b"])
CORNER = _frame([box(0, 0, 100, 100), box(100, 100, 200, 200)], ["a", "b"])


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
    assert_allclose(rq.mean_neighbors, 220 / 36)
    assert_allclose(q.adjacency.to_numpy(), 1.0)


def test_knn_symmetric(grid):
    g, rep = build_weights(grid, "knn", k=4)
    adj = g.adjacency.reset_index()
    pairs = set(zip(adj["focal"], adj["neighbor"], strict=True))
    assert all((b, a) in pairs for a, b in pairs)
    assert rep.min_neighbors >= 4
    assert rep.k == 4 and rep.snap is None and rep.threshold is None


def test_distance_band_on_grid(grid):
    # representative points of the 10 km cells are their centres: 10 km to
    # the rook neighbours, 14.14 km to the diagonal ones
    g, rep = build_weights(grid, "distance_band", threshold=10_001)
    assert rep.n_edges == 120 and rep.threshold == 10_001.0
    assert sorted(g.neighbors["r00"]) == ["r01", "r06"]
    g, rep = build_weights(grid, "distance_band", threshold=15_000)
    assert rep.n_edges == 220
    assert sorted(g.neighbors["r07"]) == [
        "r00", "r01", "r02", "r06", "r08", "r12", "r13", "r14"
    ]  # fmt: skip
    assert_allclose(g.adjacency.to_numpy(), 1.0)
    # 20 km reaches two cells along rows and columns too (13 - 1 = 12 for r14)
    g, _ = build_weights(grid, "distance_band", threshold=20_000)
    assert len(g.neighbors["r14"]) == 12


def test_distance_band_errors(grid):
    with pytest.raises(ConfigError, match="need threshold = a distance > 0"):
        build_weights(grid, "distance_band")
    for bad in (0, -5.0, float("nan")):
        with pytest.raises(ConfigError, match="threshold = .* must be a distance"):
            build_weights(grid, "distance_band", threshold=bad)
    with pytest.raises(CRSError, match="distance band weights needs a projected"):
        build_weights(grid.to_crs(4326), "distance_band", threshold=1e4)


@pytest.mark.parametrize("kind", ["queen", "rook"])
def test_sliver_gap_closed_by_snap(kind):
    with pytest.warns(IslandWarning, match="a, b"):
        g, rep = build_weights(GAP, kind, islands="keep")
    assert rep.n_edges == 0 and rep.isolates == ("a", "b")
    # snap is the largest gap closed: 0.5 m leaves the 1 m gap open
    with pytest.warns(IslandWarning):
        g, _ = build_weights(GAP, kind, snap=0.5, islands="keep")
    assert g.n_edges == 0
    g, rep = build_weights(GAP, kind, snap=2)
    assert _pairs(g) == {("a", "b")}
    assert rep.isolates == () and rep.snap == 2.0


@pytest.mark.parametrize("snap", [0.0, 2.0, 10.0])
def test_corner_contact_queen_not_rook(snap):
    q, _ = build_weights(CORNER, "queen", snap=snap)
    assert _pairs(q) == {("a", "b")}
    with pytest.warns(IslandWarning, match="kept isolated"):
        r, rep = build_weights(CORNER, "rook", snap=snap, islands="keep")
    assert r.n_edges == 0 and rep.isolates == ("a", "b")


def test_snapped_rook_ignores_thin_wedge():
    # a and b meet at the origin only; c is a 10-degree wedge between them,
    # so the boundaries of a and b stay within 2 m of each other for ~11 m
    a = Polygon([(0, 0), (100, 0), (100, -100), (-100, -100)])
    c = Polygon([(0, 0), (100, 17.63), (100, 0)])
    b = Polygon([(0, 0), (-100, 100), (100, 100), (100, 17.63)])
    d = Polygon([(0, 0), (-100, -100), (-100, 100)])
    mesh = _frame([a, b, c, d], ["a", "b", "c", "d"])
    exact, _ = build_weights(mesh, "rook")
    snapped, _ = build_weights(mesh, "rook", snap=2)
    assert _pairs(exact) == {("a", "c"), ("a", "d"), ("b", "c"), ("b", "d")}
    assert _pairs(snapped) == _pairs(exact)
    queen, _ = build_weights(mesh, "queen", snap=2)
    assert ("a", "b") in _pairs(queen)


def test_snap_closes_sliver_column_in_grid(grid):
    # shift the three eastern columns 1 m east: a 1 m sliver gap
    shifted = grid.copy()
    east = [int(c[1:]) % 6 >= 3 for c in grid.index]
    shifted.loc[east, "geometry"] = grid.geometry[east].translate(1.0, 0.0)
    q0, _ = build_weights(shifted, "queen")
    r0, _ = build_weights(shifted, "rook")
    # lost: 6 rook pairs across the gap and 2 * 5 diagonal pairs
    assert (q0.n_edges, r0.n_edges) == (220 - 32, 120 - 12)
    q, _ = build_weights(grid, "queen")
    r, _ = build_weights(grid, "rook")
    qs, _ = build_weights(shifted, "queen", snap=2)
    rs, _ = build_weights(shifted, "rook", snap=2)
    assert _pairs(qs) == _pairs(q)
    assert _pairs(rs) == _pairs(r)


def test_snap_needs_projected_crs():
    with pytest.raises(CRSError, match=r"snapped contiguity \(snap > 0\) needs"):
        build_weights(GAP.to_crs(4326), "queen", snap=2)


@pytest.mark.parametrize(
    ("kind", "kwargs"),
    [
        ("queen", {}),
        ("queen", {"snap": 5.0}),
        ("rook", {}),
        ("rook", {"snap": 5.0}),
        ("knn", {"k": 3}),
        ("distance_band", {"threshold": 15_000}),
    ],
)
def test_graph_follows_boundaries_order(grid, kind, kwargs):
    rng = np.random.default_rng(3)
    if kind == "knn":
        # break the grid's distance ties, which knn resolves by input order
        shift = rng.uniform(0, 100, (len(grid), 2))
        grid = grid.set_geometry(
            [translate(g, *d) for g, d in zip(grid.geometry, shift, strict=True)]
        )
    shuffled = grid.iloc[rng.permutation(len(grid))]
    g, _ = build_weights(shuffled, kind, **kwargs)
    assert list(g.unique_ids) == list(shuffled.index)
    ref, _ = build_weights(grid, kind, **kwargs)
    assert list(ref.unique_ids) == list(grid.index)
    assert _pairs(g) == _pairs(ref)


def test_island_attach_and_keep(grid):
    far = grid.copy()
    far.loc["r35", "geometry"] = translate(grid.loc["r35", "geometry"], 1e5, 0)
    with pytest.warns(IslandWarning, match="r35"):
        g, rep = build_weights(far, "queen", islands="attach")
    assert rep.links_added == (("r35", "r29"),)
    assert rep.isolates == () and rep.dropped == ()
    assert "r35" in g.neighbors["r29"]
    assert rep.n_components == 1 and rep.island_policy == "attach"
    with pytest.warns(IslandWarning):
        g2, rep2 = build_weights(far, "queen", islands="keep")
    assert rep2.isolates == ("r35",) and rep2.min_neighbors == 0
    assert rep2.n == 36 and rep2.n_components == 2


def test_island_drop(grid, caplog):
    far = grid.copy()
    far.loc["r35", "geometry"] = translate(grid.loc["r35", "geometry"], 1e5, 0)
    with (
        caplog.at_level(logging.INFO, logger="lps_geo.stats.weights"),
        pytest.warns(IslandWarning, match=r"\(r35\); dropped from the graph"),
    ):
        g, rep = build_weights(far, "queen", islands="drop")
    assert "dropped 1 island(s)" in caplog.text
    assert list(g.unique_ids) == list(grid.index[:-1])
    assert rep.dropped == ("r35",) and rep.isolates == () and rep.links_added == ()
    assert rep.n == 35 and g.n_components == 1
    # r29 keeps its 4 remaining neighbours (r22, r23, r28, r34)
    assert sorted(g.neighbors["r29"]) == ["r22", "r23", "r28", "r34"]
    assert rep.min_neighbors == 3
    with pytest.raises(ConfigError, match="every region is an island"):
        build_weights(GAP, "queen", islands="drop")


def test_report_to_dict_is_json(grid):
    far = grid.copy()
    far.loc["r35", "geometry"] = translate(grid.loc["r35", "geometry"], 1e5, 0)
    with pytest.warns(IslandWarning):
        _, rep = build_weights(far, "rook", islands="drop", snap=1.0)
    d = json.loads(json.dumps(rep.to_dict()))
    assert d["dropped"] == ["r35"] and d["isolates"] == [] and d["links_added"] == []
    assert d["kind"] == "rook" and d["snap"] == 1.0 and d["k"] is None
    assert d["island_policy"] == "drop" and d["from_cache"] is False


def test_errors(grid):
    with pytest.raises(ConfigError, match="unknown weights 'hex'; valid"):
        build_weights(grid, "hex")
    with pytest.raises(ConfigError, match="unknown island policy 'x'; valid: attach"):
        build_weights(grid, "queen", islands="x")
    with pytest.raises(CRSError, match="no CRS"):
        build_weights(grid.set_crs(None, allow_override=True), "queen")
    with pytest.raises(CRSError, match="projected CRS"):
        build_weights(grid.to_crs(4326), "knn", k=3)
    with pytest.raises(ConfigError, match="k = 36 must be smaller"):
        build_weights(grid, "knn", k=36)
    with pytest.raises(ConfigError, match="duplicate region codes"):
        build_weights(pd.concat([grid, grid.iloc[:1]]), "queen")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"k": 0}, "k = 0 must be an integer >= 1"),
        ({"k": 2.5}, "k = 2.5 must be an integer"),
        ({"snap": -1}, "snap = -1 must be a number >= 0"),
        ({"threshold": 0}, "threshold = 0 must be a distance > 0"),
    ],
)
def test_options_validated(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        WeightsOptions(**kwargs)


def test_registry_matches_literal():
    assert set(get_args(WeightsKind)) == set(BUILDERS) == set(BUILDER_PARAMETERS)


def _spy_builders(monkeypatch, calls):
    for name, func in list(BUILDERS.items()):

        def spy(gdf, opts, _func=func, _name=name):
            calls.append(_name)
            return _func(gdf, opts)

        monkeypatch.setitem(BUILDERS, name, spy)


def test_cache_hit_miss(grid, tmp_path, monkeypatch, caplog):
    pytest.importorskip("pyarrow")
    calls: list[str] = []
    _spy_builders(monkeypatch, calls)
    g1, rep1 = build_weights(grid, "rook", snap=1.0, cache_dir=tmp_path)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 1 and re.fullmatch(r"weights-[0-9a-f]{32}\.parquet", files[0])
    assert calls == ["rook"] and rep1.from_cache is False

    with caplog.at_level(logging.INFO, logger="lps_geo.stats.weights"):
        g2, rep2 = build_weights(grid, "rook", snap=1.0, k=3, cache_dir=tmp_path)
    assert calls == ["rook"]  # k is not a rook parameter: still a hit
    assert "weights loaded from cache" in caplog.text and files[0] in caplog.text
    assert rep2.from_cache is True
    assert g2.equals(g1)
    assert list(g2.unique_ids) == list(grid.index)
    assert rep2.to_dict() | {"from_cache": False} == rep1.to_dict()

    # a moved polygon, another snap or another kind miss the cache
    moved = grid.copy()
    moved.loc["r00", "geometry"] = translate(grid.loc["r00", "geometry"], 0.5, 0)
    build_weights(moved, "rook", snap=1.0, cache_dir=tmp_path)
    build_weights(grid, "rook", snap=2.0, cache_dir=tmp_path)
    build_weights(grid, "queen", snap=1.0, cache_dir=tmp_path)
    assert calls == ["rook", "rook", "rook", "queen"]
    assert len(list(tmp_path.glob("weights-*.parquet"))) == 4
    assert not [p for p in tmp_path.iterdir() if p.suffix != ".parquet"]


def test_cache_island_policy_applied_after_loading(grid, tmp_path):
    pytest.importorskip("pyarrow")
    far = grid.copy()
    far.loc["r35", "geometry"] = translate(grid.loc["r35", "geometry"], 1e5, 0)
    with pytest.warns(IslandWarning):
        build_weights(far, "queen", islands="keep", cache_dir=tmp_path)
    with pytest.warns(IslandWarning, match="dropped"):
        g, rep = build_weights(far, "queen", islands="drop", cache_dir=tmp_path)
    assert rep.from_cache and rep.dropped == ("r35",) and g.n == 35


def test_cache_unreadable_file_is_rebuilt(grid, tmp_path, caplog):
    pytest.importorskip("pyarrow")
    g1, _ = build_weights(grid, "queen", cache_dir=tmp_path)
    (path,) = tmp_path.glob("weights-*.parquet")
    path.write_bytes(b"not parquet")
    with caplog.at_level(logging.WARNING, logger="lps_geo.stats.weights"):
        g2, rep = build_weights(grid, "queen", cache_dir=tmp_path)
    assert "ignoring weights cache" in caplog.text
    assert rep.from_cache is False and g2.equals(g1)
    _, rep3 = build_weights(grid, "queen", cache_dir=tmp_path)
    assert rep3.from_cache is True


def test_cache_without_pyarrow_builds_and_logs(grid, tmp_path, monkeypatch, caplog):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "pyarrow" else real(name, *a),
    )
    with caplog.at_level(logging.WARNING, logger="lps_geo.stats.weights"):
        g, rep = build_weights(grid, "queen", cache_dir=tmp_path)
    assert "cache" in caplog.text and "needs pyarrow" in caplog.text
    assert rep.n_edges == 220 and not rep.from_cache
    assert list(tmp_path.iterdir()) == []


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("LPS_GEO_CACHE", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("LPS_GEO_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / ".cache" / "lps_geo"


def test_restrict_to_groups(grid):
    g, _ = build_weights(grid, "rook")
    groups = grid.index.to_series().map(
        lambda c: "west" if int(c[1:]) % 6 < 3 else "east"
    )
    r = restrict_to_groups(g, groups)
    assert "r03" not in r.neighbors["r02"]
    assert "r01" in r.neighbors["r02"]


def test_sao_paulo_mesh():
    from lps_geo.io import read_boundaries

    path = require_shared("boundaries", "geojs-35-mun.json")
    sp = read_boundaries(
        path, code_column="id", name_column="name", crs="EPSG:4326"
    ).regions
    assert len(sp) == 645
    # Ilhabela (3520400) is an island municipality: the only isolate
    with pytest.warns(IslandWarning, match="3520400"):
        g, rep = build_weights(sp, "queen", islands="keep")
    assert rep.isolates == ("3520400",) and rep.n_components == 2
    assert rep.n_edges == 3660 and rep.max_neighbors == 23
    with pytest.warns(IslandWarning, match="attached"):
        g, rep = build_weights(sp, "queen")
    assert rep.n_components == 1 and rep.isolates == ()
    assert rep.links_added[0][0] == "3520400"
    assert list(g.unique_ids) == list(sp.index)
    # the mesh is clean: a 10 m snap changes neither graph
    with pytest.warns(IslandWarning):
        r, _ = build_weights(sp, "rook", islands="keep")
    with pytest.warns(IslandWarning):
        rs, _ = build_weights(sp, "rook", snap=10, islands="keep")
    assert r.n_edges == 3560 and _pairs(rs) == _pairs(r)
