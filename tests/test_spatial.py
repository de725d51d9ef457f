"""Spatial statistics agree with PySAL esda and label sites soundly."""

from __future__ import annotations

import esda
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from lps_geo.errors import IslandWarning, LpsGeoWarning
from lps_geo.spatial import adjust_pvalues, gi_bins, spatial_statistics
from lps_geo.weights import build_weights


@pytest.fixture
def queen(grid):
    g, _ = build_weights(grid, "queen")
    return g


def test_equals_esda(grid_values, queen):
    res = spatial_statistics(
        grid_values, queen, permutations=199, seed=3, correction="none"
    )
    for col in grid_values:
        y = grid_values[col].to_numpy()
        lm = esda.Moran_Local(
            y, queen.transform("r"), permutations=199, seed=3, n_jobs=1
        )
        gs = esda.G_Local(
            y,
            queen.transform("b"),
            transform="B",
            star=True,
            permutations=199,
            seed=3,
            n_jobs=1,
        )
        loc = res.local.xs(col, level="industry")
        assert_allclose(loc["lisa_i"], lm.Is, rtol=1e-12)
        assert_array_equal(loc["lisa_q"], lm.q)
        assert_allclose(loc["lisa_p"], np.minimum(2 * lm.p_sim, 1), rtol=1e-12)
        assert_allclose(loc["gi_z"], gs.Zs, rtol=1e-12)
        assert_allclose(loc["gi_p"], np.minimum(2 * gs.p_sim, 1), rtol=1e-12)
        np.random.seed(3)
        mi = esda.Moran(y, queen.transform("r"), permutations=199)
        assert_allclose(res.global_.loc[col, "moran_i"], mi.I, rtol=1e-12)
        assert_allclose(res.global_.loc[col, "moran_p"], min(2 * mi.p_sim, 1))


def test_planted_cluster_is_high_high_and_hot(grid_values, queen):
    res = spatial_statistics(
        grid_values, queen, permutations=999, seed=1, correction="fdr"
    )
    loc = res.local.xs("A", level="industry")
    assert loc.loc["r00", "lisa_label"] == "High-High"
    assert loc.loc["r00", "gi_bin"] >= 2
    # far corner is not part of the cluster
    assert loc.loc["r35", "lisa_label"] != "High-High"
    assert res.global_.loc["A", "moran_i"] > 0.3
    assert res.global_.loc["A", "moran_p"] < 0.01
    # smallest two-sided p is 2/(R+1)
    assert loc["lisa_p"].min() >= 2 / 1000 - 1e-15


def test_constant_column_is_undefined_and_never_significant(grid, queen):
    x = pd.DataFrame({"C": np.ones(len(grid))}, index=grid.index)
    res = spatial_statistics(x, queen, permutations=99, seed=1)
    assert (res.local["lisa_label"] == "undefined").all()
    assert (res.local["gi_bin"] == 0).all()
    assert np.isnan(res.global_.loc["C", "moran_i"])


def test_isolated_region_labelled(grid, grid_values):
    far = grid.copy()
    far.loc["r35", "geometry"] = far.loc["r35", "geometry"].buffer(-1).buffer(0)
    far = far.set_geometry(far.geometry.translate(0, 0))
    from shapely.affinity import translate

    far.loc["r35", "geometry"] = translate(grid.loc["r35", "geometry"], 5e5, 5e5)
    with pytest.warns(IslandWarning, match="r35"):
        g, rep = build_weights(far, "queen", islands="keep")
    assert rep.isolates == ("r35",)
    res = spatial_statistics(grid_values, g, permutations=99, seed=1)
    row = res.local.loc[("r35", "A")]
    assert row["lisa_label"] == "isolated"
    assert np.isnan(row["lisa_p"]) and row["gi_bin"] == 0


def test_fdr_matches_hand_computation():
    p = np.array([0.005, 0.01, 0.03, 0.04, 0.2])
    # BH: p_(k) * m / k, then running minimum from the top
    expected = np.array([0.025, 0.025, 0.05, 0.05, 0.2])
    assert_allclose(adjust_pvalues(p, "fdr"), expected)
    assert_allclose(adjust_pvalues(p, "bonferroni"), [0.025, 0.05, 0.15, 0.2, 1.0])
    assert_allclose(adjust_pvalues(p, "none"), p)


def test_gi_bins_thresholds():
    z = np.array([3.0, 2.0, 1.0, -1.0, -2.0, -3.0, 1.0])
    p = np.array([0.01, 0.05, 0.10, 0.10, 0.0499, 0.001, 0.1001])
    assert_array_equal(gi_bins(z, p), [3, 2, 1, -1, -2, -3, 0])


def test_warns_when_permutations_too_few(grid_values, queen):
    with pytest.warns(LpsGeoWarning, match="cannot pass alpha"):
        spatial_statistics(
            grid_values, queen, permutations=9, seed=1, correction="bonferroni"
        )


def test_same_seed_same_result(grid_values, queen):
    a = spatial_statistics(grid_values, queen, permutations=99, seed=5)
    b = spatial_statistics(grid_values, queen, permutations=99, seed=5)
    pd.testing.assert_frame_equal(a.local, b.local)
