"""Capability measures on hand-placed points where every answer is known."""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from shapely.geometry import Point, box

from lps_geo.config_rules import DEFAULT_INDEX_WEIGHTS
from lps_geo.errors import ConfigError, CRSError, InputError
from lps_geo.method.capability import (
    CAPABILITY_COLUMNS,
    assign_institutions,
    lps_capability,
    region_capability,
)
from lps_geo.method.capability_test import (
    PERMUTATION_COLUMNS,
    _sample,
    capability_permutation_test,
)
from lps_geo.stats.pvalues import adjust_pvalues
from lps_geo.stats.sequential import (
    FIRST_DRAWS,
    MIN_MAX_DRAWS,
    max_draws,
    pvalue_bounds,
    refine,
    schedule,
)
from lps_geo.symbology import INSTITUTION_COLORS
from lps_geo.vocab import INSTITUTION_TYPES

CRS = "EPSG:5880"


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def three():
    """Three 10 km squares side by side: seats (5, 5), (15, 5), (25, 5) km."""
    return gpd.GeoDataFrame(
        {"name": ["A", "B", "C"]},
        geometry=[box(x, 0, x + 10_000, 10_000) for x in (0, 10_000, 20_000)],
        index=pd.Index(["a", "b", "c"], name="region"),
        crs=CRS,
    )


#: id: (type, x, y, declared region, weight)
PLACED = {
    "u1": ("university", 2_000, 3_000, "a", 1.0),
    "u2": ("university", 27_000, 9_000, "c", 1.0),
    "f1": ("federal_institute", 12_000, 5_000, "b", 3.0),
    "t1": ("technical_school", 40_000, 5_000, None, 1.0),  # outside every region
    "r1": ("research_centre", 15_000, 5_000, "b", 1.0),  # at b's seat
    "o1": ("other", 8_000, 8_000, "b", 1.0),  # lies in a, the register says b
}
SEATS = {"a": (5_000, 5_000), "b": (15_000, 5_000), "c": (25_000, 5_000)}


@pytest.fixture
def inst():
    ids = list(PLACED)
    rows = [PLACED[i] for i in ids]
    return gpd.GeoDataFrame(
        {
            "name": [f"Inst {i}" for i in ids],
            "type": [r[0] for r in rows],
            "region": [r[3] for r in rows],
            "weight": [r[4] for r in rows],
        },
        geometry=[Point(r[1], r[2]) for r in rows],
        index=pd.Index(ids, name="inst_id"),
        crs=CRS,
    )


def _km(a, b):
    return math.hypot(a[0] - b[0], a[1] - b[1]) / 1000.0


def _xy(i):
    return PLACED[i][1], PLACED[i][2]


def _z(x):
    sd = x.std()
    return np.zeros_like(x) if sd == 0 else (x - x.mean()) / sd


# ---------------------------------------------------------------- taxonomy


def test_taxonomy_follows_the_palette():
    assert INSTITUTION_TYPES == tuple(INSTITUTION_COLORS)
    assert INSTITUTION_TYPES[-1] == "other"
    assert DEFAULT_INDEX_WEIGHTS["other"] == 0.5
    assert DEFAULT_INDEX_WEIGHTS["university"] == 1.0


# ---------------------------------------------------------------- assignment


def test_assign_region_column_wins_then_point_in_polygon(three, inst):
    got = assign_institutions(inst, three)
    assert got.name == "region"
    assert got.to_dict() == {
        "u1": "a",
        "u2": "c",
        "f1": "b",
        "t1": None,
        "r1": "b",
        "o1": "b",  # the column wins over the geometry (a)
    }
    # without the column the geometry decides
    geometric = assign_institutions(inst.drop(columns="region"), three)
    assert geometric["o1"] == "a"
    # codes that are not regions of the boundaries fall back to the geometry
    foreign = inst.assign(region=["9999999"] * len(inst))
    assert assign_institutions(foreign, three).to_dict() == geometric.to_dict()


# ---------------------------------------------------------------- regions


def test_region_counts_inside_and_within(three, inst):
    cap = region_capability(inst, three, distance=15_000)
    assert list(cap.columns) == list(CAPABILITY_COLUMNS)
    assert cap.index.equals(three.index)
    inside = cap[[f"n_{t}" for t in INSTITUTION_TYPES] + ["n_total"]]
    #              univ fed tech res park other total
    assert_array_equal(
        inside.to_numpy(),
        [[1, 0, 0, 0, 0, 0, 1], [0, 1, 0, 1, 0, 1, 3], [1, 0, 0, 0, 0, 0, 1]],
    )
    within = cap[[f"n_{t}_within" for t in INSTITUTION_TYPES] + ["n_total_within"]]
    # a: u1 3.6, f1 7, r1 10, o1 4.2 km; b: u1 13.2, u2 12.6, f1 3, r1 0, o1 7.6;
    # c: u2 4.5, f1 13, t1 exactly 15 (inclusive), r1 10
    assert_array_equal(
        within.to_numpy(),
        [[1, 1, 0, 1, 0, 1, 4], [2, 1, 0, 1, 0, 1, 5], [1, 1, 1, 1, 0, 0, 4]],
    )
    assert_allclose(cap["w_total"], [1.0, 5.0, 1.0])  # f1 weighs 3
    assert_allclose(cap["w_total_within"], [6.0, 7.0, 6.0])
    assert cap["n_total"].dtype == np.int64


def test_region_nearest_distances_are_exact(three, inst):
    cap = region_capability(inst, three)
    for region, seat in SEATS.items():
        row = cap.loc[region]
        assert_allclose(
            row["dist_university_km"],
            min(_km(seat, _xy("u1")), _km(seat, _xy("u2"))),
            rtol=1e-12,
        )
        assert_allclose(row["dist_federal_institute_km"], _km(seat, _xy("f1")))
        assert_allclose(row["dist_technical_school_km"], _km(seat, _xy("t1")))
        assert_allclose(row["dist_research_centre_km"], _km(seat, _xy("r1")))
        assert_allclose(row["dist_other_km"], _km(seat, _xy("o1")))
    assert_allclose(
        cap["dist_university_km"], [math.sqrt(13), math.sqrt(160), math.sqrt(20)]
    )
    assert_allclose(cap.loc["b", "dist_research_centre_km"], 0.0)
    assert cap["dist_technology_park_km"].isna().all()  # no park anywhere


def test_region_per_100k_and_index_against_numpy(three, inst):
    pop = pd.Series({"a": 100_000, "b": 50_000, "c": 0})
    cap = region_capability(inst, three, population=pop, distance=15_000)
    assert_allclose(cap["per_100k"].to_numpy()[:2], [1.0, 10.0])
    assert np.isnan(cap.loc["c", "per_100k"])  # no inhabitants

    # weighted counts within 15 km by type (rows a, b, c)
    within_w = np.array(
        [[1, 3, 0, 1, 0, 1], [2, 3, 0, 1, 0, 1], [1, 3, 1, 1, 0, 0]], dtype=float
    )
    z = np.column_stack([_z(np.log1p(within_w[:, k])) for k in range(6)])
    w = np.array([1, 1, 1, 1, 1, 0.5])
    dens = np.log1p(np.array([1.0, 10.0]))
    z_d = (dens - dens.mean()) / dens.std()
    expected = np.array(
        [
            (z[0] @ w + z_d[0]) / (w.sum() + 1),
            (z[1] @ w + z_d[1]) / (w.sum() + 1),
            (z[2] @ w) / w.sum(),  # c has no density: its component is dropped
        ]
    )
    assert_allclose(cap["capability_index"], expected, rtol=1e-12)

    # without population: types only, custom weights replace the defaults
    cap2 = region_capability(
        inst, three, distance=15_000, index_weights={"university": 2.0, "other": 0.0}
    )
    w2 = np.array([2, 1, 1, 1, 1, 0.0])
    assert_allclose(cap2["capability_index"], z @ w2 / w2.sum(), rtol=1e-12)
    assert cap2["per_100k"].isna().all()


def test_region_weights_argument_overrides_column(three, inst):
    cap = region_capability(
        inst, three, distance=15_000, weights=pd.Series(2.0, index=inst.index)
    )
    assert_allclose(cap["w_total"], [2.0, 6.0, 2.0])
    assert_array_equal(cap["n_total"], [1, 3, 1])  # counts stay unweighted


def test_region_without_institutions(three, inst):
    cap = region_capability(inst.iloc[:0], three)
    assert (cap["n_total"] == 0).all()
    assert cap["dist_university_km"].isna().all()
    assert_allclose(cap["capability_index"], 0.0)


# ---------------------------------------------------------------- LPS


@pytest.fixture
def lps_layer(three):
    members = pd.DataFrame(
        {"lps_id": ["x@a", "x@a", "y@c"], "region": ["a", "b", "c"], "industry": "x"}
    )
    lps = gpd.GeoDataFrame(
        {"lps_id": ["x@a", "y@c"]},
        geometry=[box(0, 0, 20_000, 10_000), box(20_000, 0, 30_000, 10_000)],
        crs=CRS,
    )
    return lps, members


def test_lps_counts_distances_and_index(three, inst, lps_layer):
    lps, members = lps_layer
    pop = pd.Series({"a": 100_000, "b": 50_000, "c": 0})
    cap = lps_capability(inst, lps, members, three, distance=8_000, population=pop)
    assert list(cap.columns) == list(CAPABILITY_COLUMNS)
    assert cap.index.tolist() == ["x@a", "y@c"] and cap.index.name == "lps_id"
    x, y = cap.loc["x@a"], cap.loc["y@c"]
    # x = a + b: u1, f1, r1, o1 inside; u2 is 7 km from the polygon; t1 20 km
    assert [x[f"n_{t}"] for t in INSTITUTION_TYPES] == [1, 1, 0, 1, 0, 1]
    assert [x[f"n_{t}_within"] for t in INSTITUTION_TYPES] == [2, 1, 0, 1, 0, 1]
    assert x["n_total"] == 4 and x["n_total_within"] == 5
    assert_allclose(x["dist_university_km"], 0.0)
    assert_allclose(x["dist_technical_school_km"], 20.0)
    assert np.isnan(x["dist_technology_park_km"])
    # y = c: u2 inside; f1 exactly 8 km (inclusive), r1 5 km, t1 10, o1 12
    assert [y[f"n_{t}"] for t in INSTITUTION_TYPES] == [1, 0, 0, 0, 0, 0]
    assert [y[f"n_{t}_within"] for t in INSTITUTION_TYPES] == [1, 1, 0, 1, 0, 0]
    assert_allclose(
        [y[f"dist_{t}_km"] for t in INSTITUTION_TYPES if t != "technology_park"],
        [0.0, 8.0, 10.0, 5.0, 12.0],
    )
    assert_allclose(cap["w_total"], [6.0, 1.0])
    assert_allclose(cap["w_total_within"], [7.0, 5.0])
    # per 100k over the members' population; y has no inhabitants
    assert_allclose(x["per_100k"], 6.0 / 150_000 * 1e5)
    assert np.isnan(y["per_100k"])
    # index: population-weighted mean of the members' index (plain for y)
    reg = region_capability(inst, three, population=pop, distance=8_000)
    idx = reg["capability_index"]
    assert_allclose(x["capability_index"], (1e5 * idx["a"] + 5e4 * idx["b"]) / 1.5e5)
    assert_allclose(y["capability_index"], idx["c"])
    # the inside counts add up over the members
    assert x["n_total"] == reg.loc[["a", "b"], "n_total"].sum()


def test_lps_index_unweighted_without_population(three, inst, lps_layer):
    lps, members = lps_layer
    cap = lps_capability(inst, lps.set_index("lps_id"), members, three)
    reg = region_capability(inst, three)
    assert_allclose(
        cap.loc["x@a", "capability_index"],
        reg.loc[["a", "b"], "capability_index"].mean(),
    )


def test_lps_members_must_match(three, inst, lps_layer):
    lps, members = lps_layer
    bad = pd.concat([members, pd.DataFrame({"lps_id": ["x@a"], "region": ["zz"]})])
    with pytest.raises(InputError, match="regions 'zz' are not in the boundaries"):
        lps_capability(inst, lps, bad, three)
    orphan = pd.concat([members, pd.DataFrame({"lps_id": ["q@c"], "region": ["c"]})])
    with pytest.raises(InputError, match="'q@c' have no polygon"):
        lps_capability(inst, lps, orphan, three)


# ---------------------------------------------------------------- permutation


@pytest.fixture
def grid10():
    """10 x 10 grid of 10 km squares, codes gXY (x column, y row)."""
    cells, codes = [], []
    for y in range(10):
        for x in range(10):
            cells.append(box(x * 1e4, y * 1e4, (x + 1) * 1e4, (y + 1) * 1e4))
            codes.append(f"g{x}{y}")
    return gpd.GeoDataFrame(
        geometry=cells, index=pd.Index(codes, name="region"), crs=CRS
    )


def _points(xy, types=None, weights=None, prefix="i"):
    n = len(xy)
    return gpd.GeoDataFrame(
        {
            "type": types if types is not None else ["university"] * n,
            "weight": weights if weights is not None else [1.0] * n,
        },
        geometry=[Point(x, y) for x, y in xy],
        index=pd.Index([f"{prefix}{i}" for i in range(n)], name="inst_id"),
        crs=CRS,
    )


def _seat(code):
    return (int(code[1]) * 1e4 + 5e3, int(code[2]) * 1e4 + 5e3)


@pytest.fixture
def clustered():
    """20 institutions around (3, 3) km (reached only from g00's seat within
    8 km) and one at the seat of every cell with x + y divisible by 3."""
    rng = np.random.default_rng(0)
    cluster = [(3_000 + dx, 3_000 + dy) for dx, dy in rng.uniform(-1e3, 1e3, (20, 2))]
    background = [
        _seat(f"g{x}{y}")
        for y in range(10)
        for x in range(10)
        if (x + y) % 3 == 0 and (x, y) != (0, 0)
    ]
    return _points(cluster + background)


def test_permutation_dense_cluster_and_empty_area(grid10, clustered):
    members = pd.DataFrame(
        {
            "lps_id": ["dense", "dense", "dense", "empty", "empty"],
            "region": ["g00", "g10", "g01", "g55", "g56"],
        }
    )
    res = capability_permutation_test(
        clustered, members, grid10, distance=8_000, permutations=999, seed=1
    )
    assert list(res.columns) == list(PERMUTATION_COLUMNS)
    assert res.index.tolist() == ["dense", "empty"]
    # brute force: distinct institutions within 8 km of a member's seat
    pts = np.array([(p.x, p.y) for p in clustered.geometry])
    for lps_id, grp in members.groupby("lps_id"):
        seats = np.array([_seat(c) for c in grp["region"]])
        d = np.hypot(*(pts[None, :, :] - seats[:, None, :]).transpose(2, 0, 1))
        assert res.loc[lps_id, "observed"] == (d <= 8_000).any(axis=0).sum()
    assert res.loc["dense", "observed"] == 20  # the cluster; g10, g01 have none
    # no other seat reaches the cluster: every draw gets at most 3 institutions
    assert res.loc["dense", "p_value"] == pytest.approx(1 / 1000)
    # each draw: 3 of 97 cells, 32 of which hold one institution
    assert res.loc["dense", "expected"] == pytest.approx(3 * 32 / 97, abs=0.1)
    assert res.loc["empty", "observed"] == 0
    assert res.loc["empty", "p_value"] == 1.0
    assert_array_equal(res["n_members"], [3, 2])
    assert (res["strata_used"] == "all municipalities").all()


def test_permutation_reproducible_and_independent_of_other_lps(grid10, clustered):
    members = pd.DataFrame({"lps_id": ["m", "m", "n"], "region": ["g33", "g34", "g66"]})
    kw = dict(distance=12_000, permutations=199)
    a = capability_permutation_test(clustered, members, grid10, seed=7, **kw)
    b = capability_permutation_test(clustered, members, grid10, seed=7, **kw)
    pd.testing.assert_frame_equal(a, b)
    alone = capability_permutation_test(
        clustered, members[members["lps_id"] == "m"], grid10, seed=7, **kw
    )
    # p_adj is corrected over the LPS of the table: the only column that
    # depends on the others
    pd.testing.assert_frame_equal(
        alone.drop(columns="p_adj"), a.loc[["m"]].drop(columns="p_adj")
    )
    assert alone.loc["m", "p_adj"] == alone.loc["m", "p_value"]
    c = capability_permutation_test(clustered, members, grid10, seed=8, **kw)
    assert not np.allclose(a["expected"], c["expected"])
    assert_array_equal(a["observed"], c["observed"])


def test_permutation_user_strata_and_weights(grid10):
    # one institution of weight 5 at g77's seat; g22 is the only other cell of s1
    inst = _points([_seat("g77"), _seat("g22")], weights=[5.0, 2.0])
    strata = pd.Series("s2", index=grid10.index)
    strata[["g55", "g77"]] = "s1"
    members = pd.DataFrame({"lps_id": ["x"], "region": ["g55"]})
    res = capability_permutation_test(
        inst, members, grid10, distance=1_000, permutations=99, strata=strata
    )
    # every draw is g77: the null is the constant 5
    assert res.loc["x", "observed"] == 0.0
    assert res.loc["x", "expected"] == 5.0
    assert res.loc["x", "p_value"] == 1.0
    assert res.loc["x", "strata_used"] == "user strata"
    # two LPS of one member each in s1 = {g22, g55, g77}
    members = pd.DataFrame({"lps_id": ["y", "z"], "region": ["g22", "g77"]})
    strata["g22"] = "s1"
    res = capability_permutation_test(
        inst, members, grid10, distance=1_000, permutations=99, strata=strata
    )
    assert_allclose(res["observed"], [2.0, 5.0])
    # y draws g55 or g77; z draws g55 or g22 (never more than 5): p = 1/100
    assert res.loc["z", "p_value"] == pytest.approx(1 / 100)


def test_permutation_population_quintiles(grid10):
    codes = grid10.index
    pop = pd.Series(np.arange(1, 101, dtype=float) * 1_000, index=codes)
    # institutions at the seats of the 20 most populous cells only (quintile 5)
    rich = pop.nlargest(20).index
    inst = _points([_seat(c) for c in rich])
    poor = pop.nsmallest(1).index[0]
    members = pd.DataFrame({"lps_id": ["p"], "region": [poor]})
    res = capability_permutation_test(
        inst, members, grid10, distance=1_000, permutations=99, population=pop
    )
    # drawn from the first quintile only: never an institution
    assert res.loc["p", "expected"] == 0.0
    assert res.loc["p", "p_value"] == 1.0
    assert res.loc["p", "strata_used"] == "population quintiles"
    plain = capability_permutation_test(
        inst, members, grid10, distance=1_000, permutations=99
    )
    assert plain.loc["p", "expected"] > 0.0


def test_permutation_falls_back_when_a_stratum_is_too_small(grid10, clustered):
    strata = pd.Series("big", index=grid10.index)
    strata["g00"] = "alone"
    members = pd.DataFrame({"lps_id": ["d"], "region": ["g00"]})
    res = capability_permutation_test(
        clustered, members, grid10, distance=8_000, permutations=99, strata=strata
    )
    assert res.loc["d", "strata_used"].startswith("all municipalities (too few")
    assert res.loc["d", "p_value"] == pytest.approx(1 / 100)


def test_sample_is_without_replacement_and_uniform():
    rng = np.random.default_rng(3)
    for pool, k in [(50, 4), (10, 9)]:  # Floyd, then random keys
        draws = _sample(rng, pool, k, 20_000)
        assert draws.shape == (20_000, k)
        assert all(len(set(row)) == k for row in draws[:500])
        freq = np.bincount(draws.ravel(), minlength=pool) / draws.size
        assert_allclose(freq, 1 / pool, atol=0.01)


# ---------------------------------------------------------------- sequential


@pytest.fixture
def gradient(grid10):
    """80 institutions thinning out from the lower-left corner and 150 LPS of
    two random cells each: p-values from 2e-4 to 1. Returns the institutions,
    the members, the region x institution reach within 8 km and the pairs."""
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 1e5, (400, 2))
    xy = xy[rng.random(len(xy)) < np.exp(-xy.sum(axis=1) / 6e4)]
    inst = _points([tuple(p) for p in xy])
    seats = np.array([_seat(c) for c in grid10.index])
    d = np.hypot(*(xy[None, :, :] - seats[:, None, :]).transpose(2, 0, 1))
    pairs = [(a, b) for a in range(100) for b in range(a + 1, 100)]
    lps = [pairs[i] for i in rng.choice(len(pairs), 150, replace=False)]
    members = pd.DataFrame(
        [(f"p{n:03d}", grid10.index[c]) for n, pr in enumerate(lps) for c in pr],
        columns=["lps_id", "region"],
    )
    return inst, members, d <= 8_000, lps


def _exact_p(reach, pair):
    """P(S >= S_obs) over every pair of the 98 other cells (the exact null)."""
    others = np.array([i for i in range(len(reach)) if i not in pair])
    i, j = np.triu_indices(len(others), 1)
    null = (reach[others[i]] | reach[others[j]]).sum(axis=1)
    return float((null >= (reach[pair[0]] | reach[pair[1]]).sum()).mean())


def test_auto_p_within_monte_carlo_error_of_the_exact_p(grid10, gradient):
    inst, members, reach, lps = gradient
    res = capability_permutation_test(
        inst, members, grid10, distance=8_000, permutations="auto", seed=5
    )
    assert list(res.columns) == list(PERMUTATION_COLUMNS)
    r_max = math.ceil(150 / 0.05)
    assert res.attrs["max_draws"] == r_max == 3000
    assert set(res["draws"]) <= set(schedule(FIRST_DRAWS, r_max))
    assert (res["draws"] > FIRST_DRAWS).sum() >= 3  # near the BH threshold
    exact = np.array([_exact_p(reach, pair) for pair in lps])
    L = res["draws"].to_numpy()
    p = res["p_value"].to_numpy()
    assert_allclose(p, (np.rint(p * (L + 1)) / (L + 1)))  # (n_ge + 1) / (L + 1)
    err = np.abs(p - exact)
    assert (err <= 4 * np.sqrt(exact * (1 - exact) / L) + 1 / (L + 1)).all()
    # the continued LPS are the ones with a small p, and are now finer
    went_on = L > FIRST_DRAWS
    cont = res.index[went_on]
    assert (exact[went_on] < 0.02).all() and len(cont)
    assert_allclose(res["p_adj"], adjust_pvalues(p, "fdr"))
    # a long fixed run agrees with the sequential p of the continued LPS
    long = capability_permutation_test(
        inst,
        members[members["lps_id"].isin(cont)],
        grid10,
        distance=8_000,
        permutations=100_000,
        seed=9,
    )
    ex = exact[went_on]
    assert (np.abs(long["p_value"] - ex) <= 4 * np.sqrt(ex * (1 - ex) / 1e5)).all()
    lo = res.loc[cont, "p_value"] - 4 * np.sqrt(long["p_value"] / L[went_on])
    up = res.loc[cont, "p_value"] + 4 * np.sqrt(long["p_value"] / L[went_on])
    assert ((lo <= long["p_value"]) & (long["p_value"] <= up)).all()


def test_auto_first_draws_are_the_fixed_r_draws(grid10, gradient):
    inst, members, _, _ = gradient
    kw = dict(distance=8_000, seed=5)
    auto = capability_permutation_test(inst, members, grid10, **kw)  # default
    fixed = capability_permutation_test(
        inst, members, grid10, permutations=FIRST_DRAWS, **kw
    )
    assert (fixed["draws"] == FIRST_DRAWS).all()
    assert fixed.attrs["max_draws"] == FIRST_DRAWS
    stopped = auto["draws"] == FIRST_DRAWS
    cols = ["observed", "expected", "p_value", "n_members", "strata_used"]
    pd.testing.assert_frame_equal(auto.loc[stopped, cols], fixed.loc[stopped, cols])
    assert not np.allclose(
        auto.loc[~stopped, "p_value"], fixed.loc[~stopped, "p_value"]
    )


def test_auto_strong_lps_passes_bh_and_null_lps_stop_early(grid10, clustered):
    # "dense" (g00) reaches the 20 clustered institutions; any other cell
    # reaches at most 1; 199 one-cell LPS over the other cells are null
    others = [c for c in grid10.index if c != "g00"]
    members = pd.DataFrame(
        {
            "lps_id": ["dense"] + [f"n{i:03d}" for i in range(199)],
            "region": ["g00"] + [others[i % 99] for i in range(199)],
        }
    )
    kw = dict(distance=8_000, seed=2)
    res = capability_permutation_test(clustered, members, grid10, **kw)
    r_max = math.ceil(200 / 0.05)
    assert res.attrs["max_draws"] == r_max == 4000
    assert res.loc["dense", "draws"] == r_max
    assert res.loc["dense", "p_value"] == 1 / (r_max + 1)
    assert res.loc["dense", "p_value"] <= 0.05 / 200
    assert res.loc["dense", "p_adj"] == pytest.approx(200 / (r_max + 1))
    assert res.loc["dense", "p_adj"] <= 0.05
    null = res.drop(index="dense")
    assert (null["draws"] == FIRST_DRAWS).all()
    assert (null["p_adj"] > 0.05).all()
    assert (res["draws"] <= r_max).all()
    # 999 fixed draws cannot make it significant: p_adj = 200 / 1000
    fixed = capability_permutation_test(
        clustered, members, grid10, permutations=999, **kw
    )
    assert fixed.loc["dense", "p_value"] == 1 / 1000
    assert fixed.loc["dense", "p_adj"] == pytest.approx(0.2)
    # Bonferroni asks for the same R_max; without correction R_max is 999 and
    # "dense" is surely below alpha after the first draws
    bonf = capability_permutation_test(
        clustered, members, grid10, correction="bonferroni", **kw
    )
    assert bonf.loc["dense", "draws"] == r_max
    assert bonf.loc["dense", "p_adj"] == pytest.approx(200 / (r_max + 1))
    plain = capability_permutation_test(
        clustered, members, grid10, correction="none", **kw
    )
    assert plain.attrs["max_draws"] == MIN_MAX_DRAWS == 999
    assert (plain["draws"] == FIRST_DRAWS).all()
    assert plain.loc["dense", "p_value"] == 1 / (FIRST_DRAWS + 1)
    assert_array_equal(plain["p_adj"], plain["p_value"])


def test_auto_reproducible_and_independent_of_other_lps(grid10, gradient):
    inst, members, _, _ = gradient
    kw = dict(distance=8_000, permutations="auto")
    a = capability_permutation_test(inst, members, grid10, seed=5, **kw)
    b = capability_permutation_test(inst, members, grid10, seed=5, **kw)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    c = capability_permutation_test(inst, members, grid10, seed=6, **kw)
    assert not np.allclose(a["expected"], c["expected"])
    # without correction an LPS's decision only needs its own draws: alone or
    # with any other LPS its row is the same, sequential draws included
    kw.update(seed=5, alpha=0.0004, correction="none")
    full = capability_permutation_test(inst, members, grid10, **kw)
    assert full.attrs["max_draws"] == 2500
    assert (full["draws"] > FIRST_DRAWS).sum() >= 2
    half = members[members["lps_id"] < "p075"]
    part = capability_permutation_test(inst, half, grid10, **kw)
    pd.testing.assert_frame_equal(part, full.loc[part.index], check_exact=True)
    one = full.index[full["draws"] > FIRST_DRAWS][0]
    alone = capability_permutation_test(
        inst, members[members["lps_id"] == one], grid10, **kw
    )
    pd.testing.assert_frame_equal(alone, full.loc[[one]], check_exact=True)


def test_auto_lps_without_draws(grid10, clustered):
    # a stratum of one: "x" has nothing to draw from; "y" does
    strata = pd.Series("s", index=grid10.index)
    strata["g00"] = "alone"
    members = pd.DataFrame(
        {"lps_id": ["x"] * 99 + ["y"], "region": [*grid10.index[1:], "g00"]}
    )
    res = capability_permutation_test(
        clustered, members, grid10, distance=8_000, strata=strata
    )
    assert res.loc["x", "strata_used"] == "none"
    assert res.loc["x", "draws"] == 0
    assert np.isnan(res.loc["x", ["expected", "p_value", "p_adj"]].astype(float)).all()
    # one LPS tested: m = 1, so R_max = max(999, 20); "y" reaches every
    # clustered institution: surely below alpha after the first draws
    assert res.attrs["max_draws"] == MIN_MAX_DRAWS
    assert res.loc["y", "draws"] == FIRST_DRAWS
    assert res.loc["y", "p_adj"] == res.loc["y", "p_value"] == 1 / (FIRST_DRAWS + 1)


def test_one_sided_bounds_and_stopping():
    c = np.arange(40)
    lo, up = pvalue_bounds(c, 999, sides=1)
    lo2, up2 = pvalue_bounds(c, np.full(40, 999))
    assert_allclose(lo, lo2 / 2)
    assert_allclose(up, up2 / 2)
    assert lo[0] == 0.0 and pvalue_bounds(np.array([5]), 5, sides=1)[1][0] == 1.0
    assert max_draws(5568, 0.05, "fdr", sides=1) == 111_360
    assert max_draws(5568, 0.05, "bonferroni", sides=1) == 111_360
    assert max_draws(10, 0.05, "none", sides=1) == MIN_MAX_DRAWS
    assert max_draws(10**9, 0.05, "fdr", sides=1) == 10_000_000
    # 15 of 999 draws at least the observed one, alpha between the one-sided
    # lower bound and twice it: a one-sided p can still pass, so the test
    # continues (the two-sided lower bound, 2 lo, would already fail alpha
    # and stop it at 999)
    alpha = 1.5 * lo[15]
    assert lo2[15] > alpha >= lo[15]
    rng = np.random.default_rng(0)

    def more(idx, r0, r1):
        hits = rng.binomial(r1 - r0, 0.9 * alpha, size=len(idx))
        return hits, None, np.full(len(idx), r1 - r0)

    def one_sided(n_ge, level):
        family = np.zeros(len(n_ge), dtype=np.int64)
        m = np.array([len(n_ge)])
        return refine(n_ge, None, 999, family, m, level, "none", 8000, more, sides=1)

    res = one_sided(np.array([15], dtype=np.int64), alpha)
    assert res.draws[0] > 999 and res.active_per_batch[0] == 1
    # a clear rejection stops at once: 0 of 999 under a level of 0.01
    res = one_sided(np.array([0], dtype=np.int64), 0.01)
    assert res.draws[0] == 999 and res.active_per_batch == [0]


# ---------------------------------------------------------------- errors


def test_geographic_and_mismatched_crs_are_refused(three, inst, lps_layer):
    with pytest.raises(CRSError, match="geographic CRS"):
        region_capability(inst.to_crs(4674), three.to_crs(4674))
    with pytest.raises(CRSError, match="regions is in EPSG:3857 but institutions"):
        region_capability(inst, three.to_crs(3857))
    with pytest.raises(CRSError, match="institutions has no CRS"):
        region_capability(inst.set_crs(None, allow_override=True), three)
    lps, members = lps_layer
    with pytest.raises(CRSError, match="lps is in EPSG:3857"):
        lps_capability(inst, lps.to_crs(3857), members, three)
    with pytest.raises(CRSError, match="geographic CRS"):
        capability_permutation_test(inst, members, three.to_crs(4326))


def test_bad_options_and_inputs(three, inst, lps_layer):
    with pytest.raises(ConfigError, match="unknown keys 'univ'; valid keys are"):
        region_capability(inst, three, index_weights={"univ": 1.0})
    with pytest.raises(ConfigError, match=r"index_weights\['other'\]=-1"):
        region_capability(inst, three, index_weights={"other": -1})
    with pytest.raises(ConfigError, match="distance=-5"):
        region_capability(inst, three, distance=-5)
    with pytest.raises(InputError, match="'museum' outside the taxonomy"):
        region_capability(inst.assign(type=["museum"] * len(inst)), three)
    with pytest.raises(InputError, match="'f1' have a missing"):
        region_capability(inst.assign(weight=[1, 1, -3, 1, 1, 1]), three)
    _, members = lps_layer
    with pytest.raises(ConfigError, match="permutations=0"):
        capability_permutation_test(inst, members, three, permutations=0)
    with pytest.raises(InputError, match="missing columns 'region'"):
        capability_permutation_test(inst, members[["lps_id"]], three)


# ---------------------------------------------------------------- demo data


def test_demo_counts_equal_a_groupby_of_the_register():
    folder = Path(__file__).resolve().parents[1] / "data" / "shapefiles"
    munis = gpd.read_file(folder / "municipalities.shp").set_index("CD_MUN")
    munis.index.name = "region"
    raw = gpd.read_file(folder / "institutions.shp")
    inst = raw.rename(columns={"cod_ibge": "region"})
    inst.index = pd.Index([f"d{i}" for i in range(len(inst))], name="inst_id")
    pop = munis["POP"]
    cap = region_capability(inst, munis, population=pop)
    direct = raw.groupby("cod_ibge").size().reindex(munis.index, fill_value=0)
    assert_array_equal(cap["n_total"], direct)
    by_type = raw.groupby(["cod_ibge", "type"]).size().unstack(fill_value=0)
    for t in by_type.columns:
        assert_array_equal(cap[f"n_{t}"], by_type[t].reindex(munis.index, fill_value=0))
    # the points lie in the municipality the register names
    geometric = region_capability(inst.drop(columns="region"), munis)
    assert_array_equal(geometric["n_total"], cap["n_total"])
    assert_allclose(cap["per_100k"], direct / pop * 1e5)

    planted = json.loads((folder / "planted.json").read_text("utf-8"))["planted"]
    members = pd.DataFrame(
        [(p["id"], code) for p in planted for code in p["members"]],
        columns=["lps_id", "region"],
    )
    lps = (
        munis.loc[members["region"], ["geometry"]]
        .assign(lps_id=members["lps_id"].to_numpy())
        .dissolve("lps_id")
    )
    per_lps = lps_capability(inst, lps, members, munis, population=pop)
    expected = {p["id"]: p["institutions_in_members"] for p in planted}
    assert per_lps["n_total"].to_dict() == expected
