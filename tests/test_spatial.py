"""Spatial statistics agree with PySAL esda and label sites soundly."""

from __future__ import annotations

import esda
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from lps_geo.errors import IslandWarning, LpsGeoWarning
from lps_geo.stats.spatial import adjust_pvalues, gi_bins, spatial_statistics
from lps_geo.stats.weights import build_weights


@pytest.fixture
def queen(grid):
    g, _ = build_weights(grid, "queen")
    return g


@pytest.mark.parametrize("engine", ["esda", "numba"])
def test_equals_esda(grid_values, queen, engine):
    res = spatial_statistics(
        grid_values,
        queen,
        permutations=199,
        seed=3,
        correction="none",
        engine=engine,
        gi_null="conditional",
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
        assert_allclose(loc["lisa_i"], lm.Is, rtol=1e-10, atol=1e-12)
        assert_array_equal(loc["lisa_q"], lm.q)
        # esda stores p as float32: equal up to that precision
        assert_allclose(loc["lisa_p"], np.minimum(2 * lm.p_sim, 1), rtol=1e-6)
        assert_allclose(loc["gi_z"], gs.Zs, rtol=1e-10, atol=1e-12)
        assert_allclose(loc["gi_p"], np.minimum(2 * gs.p_sim, 1), rtol=1e-6)
        np.random.seed(3)
        mi = esda.Moran(y, queen.transform("r"), permutations=199)
        assert_allclose(res.global_.loc[col, "moran_i"], mi.I, rtol=1e-10, atol=1e-12)
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


def test_fdr_columns_equal_scipy_with_ties_and_nans():
    """Column-wise BH (the compiled kernel) equals scipy's
    ``false_discovery_control`` on each column's non-missing p-values,
    with Monte Carlo-like ties (p on a grid of 1/200) and NaNs."""
    from scipy.stats import false_discovery_control

    rng = np.random.default_rng(4)
    p = np.round(np.minimum(1.0, rng.random((700, 9)) ** 3 * 1.2) * 200) / 200
    p[rng.random(p.shape) < 0.05] = np.nan
    p[:, 3] = np.nan  # a column without tests
    p[:, 4] = 1.0  # all ties
    got = adjust_pvalues(p, "fdr")
    for j in range(p.shape[1]):
        ok = ~np.isnan(p[:, j])
        assert np.isnan(got[~ok, j]).all()
        if ok.any():
            assert_allclose(got[ok, j], false_discovery_control(p[ok, j]), rtol=1e-12)
    assert (got[:, 4] == 1.0).all()


def test_gi_bins_thresholds():
    z = np.array([3.0, 2.0, 1.0, -1.0, -2.0, -3.0, 1.0])
    p = np.array([0.01, 0.05, 0.10, 0.10, 0.0499, 0.001, 0.1001])
    assert_array_equal(gi_bins(z, p), [3, 2, 1, -1, -2, -3, 0])


def test_warns_when_permutations_too_few(grid_values, queen):
    # 36 regions: 2/(R+1) must be <= 0.05/36 for one region to pass
    with pytest.warns(LpsGeoWarning, match="no region can be significant"):
        spatial_statistics(
            grid_values, queen, permutations=9, seed=1, correction="bonferroni"
        )
    with pytest.warns(
        LpsGeoWarning,
        match="at least 8 regions reach it; use permutations = .auto. .sequential "
        "draws. or at least 1439 permutations",
    ):
        spatial_statistics(grid_values, queen, permutations=199, seed=1)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", LpsGeoWarning)
        spatial_statistics(grid_values, queen, permutations=1439, seed=1)


def test_same_seed_same_result(grid_values, queen):
    a = spatial_statistics(grid_values, queen, permutations=99, seed=5)
    b = spatial_statistics(grid_values, queen, permutations=99, seed=5)
    pd.testing.assert_frame_equal(a.local, b.local)


# ------------------------------------------------------- the batched engine


@pytest.fixture
def big_grid():
    """A 20 x 20 grid (400 regions) in EPSG:5880."""
    import geopandas as gpd
    from shapely.geometry import box

    cells = [
        box(x * 1e4, y * 1e4, (x + 1) * 1e4, (y + 1) * 1e4)
        for y in range(20)
        for x in range(20)
    ]
    idx = pd.Index([f"g{n:03d}" for n in range(400)], name="region")
    return gpd.GeoDataFrame(geometry=cells, index=idx, crs="EPSG:5880")


def test_draws_are_esda_draws():
    from esda.crand import vec_permutations

    from lps_geo.stats._engine import conditional_draws

    np.testing.assert_array_equal(
        conditional_draws(7, 300, 499, 42), vec_permutations(7, 300, 499, 42)
    )


def test_zero_heavy_sites_with_zero_neighbours_are_not_significant(big_grid):
    """esda's folded rule calls them significant; ties make them p = 1 here."""
    g, _ = build_weights(big_grid, "queen")
    rng = np.random.default_rng(11)
    y = np.where(rng.random(400) < 0.9, 0.0, rng.gamma(2.0, 3.0, 400))
    x = pd.DataFrame({"sparse": y}, index=big_grid.index)
    res = spatial_statistics(
        x, g, permutations=999, seed=5, correction="none", gi_null="conditional"
    )
    loc = res.local.xs("sparse", level="industry")
    nbr_zero = np.array(
        [
            all(y[big_grid.index.get_loc(j)] == 0 for j in g.neighbors[i])
            for i in big_grid.index
        ]
    )
    assert nbr_zero.sum() > 100
    assert (loc["gi_p"][nbr_zero] > 0.5).all()
    assert (loc["gi_bin"][nbr_zero] == 0).all()
    assert (loc["lisa_label"][nbr_zero] == "not significant").all()
    # under total permutation a zero among zeros is mostly ties as well
    total = spatial_statistics(x, g, permutations=999, seed=5, correction="none")
    star_zero = nbr_zero & (y == 0)
    gi_total = total.local.xs("sparse", level="industry")["gi_p"]
    assert star_zero.sum() > 100 and (gi_total[star_zero] > 0.5).all()
    # the PySAL default calls most of them significant
    gs = esda.G_Local(
        y,
        g.transform("b"),
        transform="B",
        star=True,
        permutations=999,
        seed=5,
        n_jobs=1,
    )
    assert (np.minimum(2 * gs.p_sim, 1)[nbr_zero] <= 0.05).mean() > 0.5


def test_p_values_equal_esda_where_no_ties(big_grid):
    g, _ = build_weights(big_grid, "queen")
    rng = np.random.default_rng(3)
    y = np.round(rng.gamma(1.0, 2.0, 400), 1)  # rounded: some ties
    x = pd.DataFrame({"v": y}, index=big_grid.index)
    res = spatial_statistics(x, g, permutations=499, seed=9, correction="none")
    loc = res.local.xs("v", level="industry")
    lm = esda.Moran_Local(
        y, g.transform("r"), permutations=499, seed=9, n_jobs=1, keep_simulations=True
    )
    # a site's null has ties when a permuted lag equals the observed lag
    lag = np.asarray(g.transform("r").sparse @ ((y - y.mean()) / y.std()))
    sims = lm.rlisas / ((lm.z * (400 - 1) / (lm.z**2).sum())[:, None])
    with np.errstate(invalid="ignore", divide="ignore"):
        ties = np.isclose(sims, lag[:, None], rtol=1e-9, atol=1e-12).any(axis=1)
    assert 0 < ties.sum() < 400
    assert_allclose(loc["lisa_p"][~ties], np.minimum(2 * lm.p_sim, 1)[~ties], rtol=1e-6)


def test_fdr_matches_esda_fdr():
    rng = np.random.default_rng(0)
    p = np.concatenate([rng.uniform(0, 0.002, 15), rng.uniform(0, 1, 85)])
    threshold = esda.fdr(p, 0.05)
    passed = adjust_pvalues(p, "fdr") <= 0.05
    np.testing.assert_array_equal(passed, p <= threshold)


def test_fdr_across_all_industries(grid_values, queen):
    per = spatial_statistics(grid_values, queen, permutations=99, seed=1)
    allx = spatial_statistics(
        grid_values, queen, permutations=99, seed=1, fdr_scope="all"
    )
    assert_allclose(allx.local["lisa_p"], per.local["lisa_p"])
    expected = adjust_pvalues(
        per.local["lisa_p"].unstack("industry").to_numpy().ravel(), "fdr"
    )
    assert_allclose(
        allx.local["lisa_p_adj"].unstack("industry").to_numpy().ravel(), expected
    )


def test_monte_carlo_p_unbiased_against_long_run(big_grid):
    """p with R = 999 agrees with a 99,999-permutation reference within
    binomial error, site by site and on average."""
    g, _ = build_weights(big_grid, "queen")
    rng = np.random.default_rng(8)
    base = rng.gamma(2.0, 1.0, 400)
    base[:60] += 2.0  # a corner of higher values: a range of p-values
    x = pd.DataFrame({"v": base}, index=big_grid.index)
    cond = {"correction": "none", "gi_null": "conditional"}
    ref = spatial_statistics(x, g, permutations=99_999, seed=1, **cond)
    pref = ref.local["gi_p"].to_numpy()
    diffs = []
    for seed in (2, 3, 4):
        run = spatial_statistics(x, g, permutations=999, seed=seed, **cond)
        p = run.local["gi_p"].to_numpy()
        q = np.clip(pref / 2, 1e-4, 0.5)
        sd = 2 * np.sqrt(q * (1 - q) / 999)
        assert (np.abs(p - pref) <= 5 * sd + 2 / 1000).all()
        diffs.append(p - pref)
    d = np.concatenate(diffs)
    # unbiased: the mean difference is within its standard error (+ 2/(R+1))
    assert abs(d.mean()) <= 4 * d.std() / np.sqrt(d.size) + 2 / 1000


def test_global_moran_matches_esda_permutations(grid_values, queen):
    res = spatial_statistics(grid_values, queen, permutations=499, seed=21)
    for col in grid_values:
        np.random.seed(21)
        mi = esda.Moran(
            grid_values[col].to_numpy(), queen.transform("r"), permutations=499
        )
        row = res.global_.loc[col]
        assert_allclose(row["moran_i"], mi.I, rtol=1e-10)
        assert_allclose(row["moran_z_rand"], mi.z_rand, rtol=1e-10)
        assert_allclose(row["moran_p_rand"], mi.p_rand, rtol=1e-10)
        assert_allclose(row["moran_z"], mi.z_sim, rtol=1e-8)
        assert_allclose(row["moran_p"], min(2 * mi.p_sim, 1.0))


def test_numba_engine_needs_binary_weights(grid_values, queen):
    from lps_geo.errors import ConfigError

    with pytest.raises(ConfigError, match="binary weights"):
        spatial_statistics(grid_values, queen.transform("r"), permutations=9)


def test_bivariate_equals_esda(grid_values, queen):
    from lps_geo.stats.bivariate import bivariate_local_moran

    rng = np.random.default_rng(4)
    y = pd.Series(rng.gamma(2.0, 1.0, len(grid_values)), index=grid_values.index)
    y.iloc[[0, 1, 6]] += 6
    out = bivariate_local_moran(
        grid_values, y, queen, permutations=499, seed=2, correction="none"
    )
    for col in grid_values:
        bv = esda.Moran_Local_BV(
            grid_values[col].to_numpy(),
            y.to_numpy(),
            queen.transform("r"),
            permutations=499,
            seed=2,
        )
        loc = out.xs(col, level="industry")
        assert_allclose(loc["bv_i"], bv.Is, rtol=1e-10, atol=1e-12)
        assert_array_equal(loc["bv_q"], bv.q)
        assert_allclose(loc["bv_p"], np.minimum(2 * bv.p_sim, 1), rtol=1e-6)
