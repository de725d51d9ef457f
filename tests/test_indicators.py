"""Tests of the indicators and concentration indices: by hand and published oracles."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from lps_geo.errors import ApproximationWarning, ConfigError, InputError
from lps_geo.stats.concentration import (
    ellison_glaeser,
    gini_of_quotients,
    hoover,
    industry_table,
    krugman_specialisation,
    locational_gini,
    plant_herfindahl,
)
from lps_geo.stats.indicators import (
    hhm,
    icn,
    icn_weights,
    indicator_table,
    location_quotient,
    participation_ratio,
    share_of_industry,
    share_of_region,
)


def _matrix(values, regions, industries) -> pd.DataFrame:
    return pd.DataFrame(
        np.asarray(values, dtype=float),
        index=pd.Index(regions, name="region"),
        columns=pd.Index(industries, name="industry"),
    )


@pytest.fixture
def econgeo() -> pd.DataFrame:
    """The example matrix of R EconGeo's ``locational.Gini`` documentation."""
    return _matrix(
        [
            [100, 0, 0, 0, 0],
            [0, 15, 5, 70, 10],
            [0, 20, 10, 20, 50],
            [0, 25, 30, 5, 40],
            [0, 40, 55, 5, 0],
        ],
        ["R1", "R2", "R3", "R4", "R5"],
        ["I1", "I2", "I3", "I4", "I5"],
    )


@pytest.fixture
def weighted():
    """One industry in five regions of unequal size (all-activity totals)."""
    E = _matrix([[500], [500], [1000], [7000], [1000]], list("ABCDE"), ["i"])
    total = pd.Series([20000.0, 15000.0, 20000.0, 40000.0, 5000.0], index=E.index)
    return E, total


@pytest.fixture
def tiny() -> pd.DataFrame:
    """3 regions x 2 industries; E = 100, E_a = 40, E_b = 60."""
    return _matrix([[10, 40], [20, 10], [10, 10]], ["r1", "r2", "r3"], ["a", "b"])


# --------------------------------------------------------------------------
# location quotient and shares
# --------------------------------------------------------------------------


def test_location_quotient_by_hand(tiny):
    # E_j = 50, 30, 20; E_a / E = 0.4, E_b / E = 0.6
    expected = [
        [(10 / 50) / 0.4, (40 / 50) / 0.6],
        [(20 / 30) / 0.4, (10 / 30) / 0.6],
        [(10 / 20) / 0.4, (10 / 20) / 0.6],
    ]
    ql = location_quotient(tiny)
    assert_allclose(ql.to_numpy(), expected, rtol=1e-12)
    assert_allclose(ql.to_numpy(), [[0.5, 4 / 3], [5 / 3, 5 / 9], [1.25, 5 / 6]])
    pd.testing.assert_index_equal(ql.index, tiny.index)
    pd.testing.assert_index_equal(ql.columns, tiny.columns)


def test_location_quotient_nan_for_empty_region_and_industry():
    E = _matrix([[10, 0], [0, 0], [30, 0]], ["r1", "r2", "r3"], ["a", "b"])
    ql = location_quotient(E)
    assert_allclose(ql["a"].to_numpy(), [1.0, np.nan, 1.0])
    assert ql["b"].isna().all()


def test_location_quotient_does_not_mutate_input(tiny):
    before = tiny.copy()
    location_quotient(tiny)
    indicator_table(tiny)
    pd.testing.assert_frame_equal(tiny, before)


def test_shares_by_hand(tiny):
    si = share_of_industry(tiny)
    assert_allclose(si["a"].to_numpy(), [0.25, 0.5, 0.25])
    assert_allclose(si["b"].to_numpy(), [4 / 6, 1 / 6, 1 / 6])
    assert_allclose(si.sum().to_numpy(), [1.0, 1.0])
    pd.testing.assert_frame_equal(participation_ratio(tiny), si)
    sr = share_of_region(tiny)
    assert_allclose(sr.to_numpy(), [[0.2, 0.8], [2 / 3, 1 / 3], [0.5, 0.5]])
    assert_allclose(sr.sum(axis=1).to_numpy(), [1.0, 1.0, 1.0])


def test_region_total_subset_vs_all_activities(tiny):
    """E holds two industries of a larger economy; E_j are all activities."""
    total = pd.Series({"r1": 500.0, "r2": 100.0, "r3": 400.0})  # E = 1000
    ql = location_quotient(tiny, region_total=total)
    # QL_r1,a = (10/500) / (40/1000) = 0.5; QL_r2,a = (20/100) / 0.04 = 5
    assert_allclose(ql["a"].to_numpy(), [0.5, 5.0, 0.625])
    assert_allclose(ql["b"].to_numpy(), [(40 / 500) / 0.06, 1 / 0.6, (10 / 400) / 0.06])
    # the denominator matters: against E's own row sums r2 is far less special
    assert location_quotient(tiny).loc["r2", "a"] == pytest.approx(5 / 3)
    sr = share_of_region(tiny, region_total=total)
    assert_allclose(sr["a"].to_numpy(), [0.02, 0.2, 0.025])
    # shares of the industry do not depend on the denominator
    h = hhm(tiny, region_total=total)
    assert_allclose(h["a"].to_numpy(), [0.25 - 0.5, 0.5 - 0.1, 0.25 - 0.4])


def test_region_total_extra_regions_are_ignored(tiny):
    total = pd.Series({"r1": 50.0, "r2": 30.0, "r3": 20.0, "r9": 1e6})
    pd.testing.assert_frame_equal(
        location_quotient(tiny, region_total=total), location_quotient(tiny)
    )


# --------------------------------------------------------------------------
# HHm, Hoover, Krugman specialisation
# --------------------------------------------------------------------------


def test_hhm_sign_and_sum(tiny, econgeo):
    h = hhm(tiny)
    # a: 0.25 - 0.5, 0.5 - 0.3, 0.25 - 0.2
    assert_allclose(h["a"].to_numpy(), [-0.25, 0.2, 0.05], atol=1e-15)
    assert h.loc["r1", "b"] > 0 > h.loc["r1", "a"]
    for E in (tiny, econgeo):
        assert_allclose(hhm(E).sum().to_numpy(), 0.0, atol=1e-12)
        assert ((hhm(E) >= -1) & (hhm(E) <= 1)).all().all()


def test_hoover_by_hand(tiny):
    hv = hoover(tiny)
    assert hv.name == "hoover"
    # a: (0.25 + 0.2 + 0.05) / 2; b: |4/6 - .5| + |1/6 - .3| + |1/6 - .2|, halved
    assert_allclose(hv.to_numpy(), [0.25, (1 / 6 + 0.8 / 6 + 0.2 / 6) / 2])
    assert_allclose(hv.to_numpy(), 0.5 * hhm(tiny).abs().sum().to_numpy())


def test_hoover_nan_for_empty_industry():
    E = _matrix([[1, 0], [3, 0]], ["r1", "r2"], ["a", "b"])
    assert np.isnan(hoover(E)["b"])


def test_krugman_specialisation_by_hand_and_range(tiny, econgeo):
    k = krugman_specialisation(tiny)
    assert k.name == "krugman_specialisation"
    # r1: |0.2 - 0.4| + |0.8 - 0.6|; r2: |2/3 - .4| + |1/3 - .6|; r3: 0.1 + 0.1
    assert_allclose(k.to_numpy(), [0.4, 2 * (2 / 3 - 0.4), 0.2])
    for E in (tiny, econgeo):
        kk = krugman_specialisation(E).to_numpy()
        assert np.all((kk >= 0) & (kk <= 2))
    # a tiny region doing what nobody else does approaches the bound 2
    E = _matrix([[1, 0], [0, 999]], ["r1", "r2"], ["a", "b"])
    assert_allclose(krugman_specialisation(E)["r1"], 1.998)


def test_krugman_specialisation_nan_for_empty_region():
    E = _matrix([[1, 1], [0, 0]], ["r1", "r2"], ["a", "b"])
    k = krugman_specialisation(E)
    assert k["r1"] == 0
    assert np.isnan(k["r2"])


# --------------------------------------------------------------------------
# locational Gini
# --------------------------------------------------------------------------


def _econgeo_loc_gini(mat: np.ndarray) -> np.ndarray:
    """Port of R EconGeo ``locational.Gini`` (a loop; shoelace area)."""
    out = []
    pop = mat.sum(axis=1) / mat.sum()
    for col in range(mat.shape[1]):
        ind = mat[:, col]
        order = np.argsort(ind / pop, kind="stable")
        cind = np.cumsum(ind[order]) / np.cumsum(ind[order]).max()
        cpop = np.cumsum(pop[order]) / np.cumsum(pop[order]).max()
        out.append((np.sum(cind[1:] * cpop[:-1]) - np.sum(cind[:-1] * cpop[1:])) / 2)
    return np.array(out)


def test_locational_gini_econgeo_oracle(econgeo):
    gk = locational_gini(econgeo, scale="krugman")
    assert gk.name == "gl_krugman"
    pd.testing.assert_index_equal(gk.index, econgeo.columns)
    # published (2 dp) and exact: EconGeo's algorithm gives these to 1e-15
    assert_allclose(gk.round(2).to_numpy(), [0.40, 0.18, 0.27, 0.31, 0.28])
    assert_allclose(gk.to_numpy(), [0.40, 0.18, 0.27, 0.31, 0.28], atol=1e-12)
    assert_allclose(gk.to_numpy(), _econgeo_loc_gini(econgeo.to_numpy()), atol=1e-12)
    g = locational_gini(econgeo)
    assert g.name == "gl"
    assert_allclose(g.to_numpy(), [0.80, 0.36, 0.54, 0.62, 0.56], atol=1e-12)


def test_locational_gini_weighted_oracle(weighted):
    E, total = weighted
    assert_allclose(locational_gini(E, "krugman", region_total=total), 0.18625)
    assert_allclose(locational_gini(E, "gini", region_total=total), 0.3725)


def test_gini_of_quotients_differs_from_locational_gini(weighted):
    E, total = weighted
    ql = location_quotient(E, region_total=total)
    assert_allclose(gini_of_quotients(ql["i"]), 0.4068966, atol=5e-8)
    by_industry = gini_of_quotients(ql)
    assert by_industry.name == "gini_ql"
    assert_allclose(by_industry["i"], 0.4068966, atol=5e-8)
    assert abs(gini_of_quotients(ql["i"]) - 0.3725) > 0.03


def test_locational_gini_matches_loop_on_random_data_with_ties():
    rng = np.random.default_rng(42)
    x = rng.integers(0, 4, size=(40, 15)).astype(float)  # many ties and zeros
    x[:, 0] = 0.0
    x[0, 0] = 5.0
    E = _matrix(x, [f"r{i}" for i in range(40)], [f"i{i}" for i in range(15)])
    assert_allclose(
        locational_gini(E, "krugman").to_numpy(), _econgeo_loc_gini(x), atol=1e-12
    )


def test_locational_gini_independent_of_region_order(econgeo):
    reversed_ = econgeo.iloc[::-1]
    shuffled = econgeo.iloc[[3, 0, 4, 1, 2]]
    expected = locational_gini(econgeo).to_numpy()
    assert_allclose(locational_gini(reversed_).to_numpy(), expected, atol=1e-14)
    assert_allclose(locational_gini(shuffled).to_numpy(), expected, atol=1e-14)


def test_locational_gini_bounds_and_degenerate_cases():
    # spread exactly like all activities -> 0; empty industry -> NaN;
    # empty region (E_j = 0) changes nothing
    E = _matrix([[10, 20, 0], [30, 60, 0], [0, 0, 0]], ["r1", "r2", "r3"], list("abc"))
    g = locational_gini(E)
    assert_allclose(g[["a", "b"]].to_numpy(), 0.0, atol=1e-15)
    assert np.isnan(g["c"])
    # an industry entirely in one region holding a share x0 of all activities:
    # A = x0 / 2 + (1 - x0), so the Krugman scale gives (1 - x0) / 2
    n = 10
    x = np.ones((n, 2))
    x[:, 0] = 0.0
    x[0, 0] = 1.0  # region r0 holds 2 of E = 11
    E = _matrix(x, [f"r{i}" for i in range(n)], ["a", "b"])
    assert_allclose(locational_gini(E, "krugman")["a"], (1 - 2 / 11) / 2)
    assert_allclose(locational_gini(E)["a"], 1 - 2 / 11)


def test_locational_gini_unknown_scale(econgeo):
    with pytest.raises(ConfigError, match="unknown locational Gini scale 'lorenz'"):
        locational_gini(econgeo, scale="lorenz")


# --------------------------------------------------------------------------
# ICN (Crocco et al. 2006)
# --------------------------------------------------------------------------


def test_icn_weights_sum_to_one(econgeo, tiny):
    for E in (econgeo, tiny):
        w = icn_weights(E)
        assert list(w.columns) == ["theta_ql", "theta_hhm", "theta_pr"]
        valid = w.dropna()
        assert_allclose(valid.sum(axis=1).to_numpy(), 1.0, atol=1e-12)
        assert (valid.to_numpy() >= 0).all()


def test_icn_weights_equal_when_inputs_perfectly_correlated(econgeo):
    # equal region sizes: QL = PR * const and HHm = PR - const for each industry,
    # so the three inputs are perfectly correlated -> one component, 1/3 each
    w = icn_weights(econgeo)
    assert_allclose(w.to_numpy(), 1 / 3, atol=1e-9)
    # and ICN then is the min-max-normalised PR
    pr = participation_ratio(econgeo)
    prn = (pr - pr.min()) / (pr.max() - pr.min())
    assert_allclose(icn(econgeo).to_numpy(), prn.to_numpy(), atol=1e-9)


def _icn_by_hand(e_ij: np.ndarray, e_j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Independent computation of ICN for one industry with numpy."""
    e_i, e = e_ij.sum(), e_j.sum()
    ql = (e_ij / e_j) / (e_i / e)
    hh = e_ij / e_i - e_j / e
    pr = e_ij / e_i
    data = np.column_stack([ql, hh, pr])
    eigval, eigvec = np.linalg.eig(np.corrcoef(data, rowvar=False))
    eigval, eigvec = eigval.real, eigvec.real
    var_share = eigval / eigval.sum()
    theta = np.zeros(3)
    for c in range(3):
        theta += np.abs(eigvec[:, c]) / np.abs(eigvec[:, c]).sum() * var_share[c]
    theta /= theta.sum()
    norm = (data - data.min(axis=0)) / (data.max(axis=0) - data.min(axis=0))
    return theta, norm @ theta


def test_icn_matches_independent_numpy_computation():
    x = [[12, 3], [0, 40], [30, 5], [7, 7], [1, 60], [25, 2]]
    e_j = np.array([100.0, 250.0, 80.0, 300.0, 150.0, 60.0])
    regions = [f"r{i}" for i in range(6)]
    E = _matrix(x, regions, ["a", "b"])
    total = pd.Series(e_j, index=E.index)
    w = icn_weights(E, region_total=total)
    out = icn(E, region_total=total)
    for col in ("a", "b"):
        theta, expected = _icn_by_hand(E[col].to_numpy(), e_j)
        assert_allclose(w.loc[col].to_numpy(), theta, atol=1e-10)
        assert_allclose(out[col].to_numpy(), expected, atol=1e-10)
    assert out.to_numpy().min() >= 0 and out.to_numpy().max() <= 1


def test_icn_nan_for_empty_region_and_industry():
    E = _matrix(
        [[10, 0], [0, 0], [30, 0], [5, 0]], ["r1", "r2", "r3", "r4"], ["a", "b"]
    )
    out = icn(E)
    assert np.isnan(out.loc["r2", "a"])
    assert out["a"].drop("r2").notna().all()
    assert out["b"].isna().all()
    assert icn_weights(E).loc["b"].isna().all()


# --------------------------------------------------------------------------
# Ellison & Glaeser (1997)
# --------------------------------------------------------------------------


@pytest.fixture
def eg_case():
    E = _matrix([[80], [10], [10]], ["r1", "r2", "r3"], ["a"])
    total = pd.Series({"r1": 500.0, "r2": 300.0, "r3": 200.0})
    return E, total


def test_ellison_glaeser_by_hand(eg_case):
    E, total = eg_case
    # s = (.8, .1, .1), x = (.5, .3, .2): G = .09 + .04 + .01 = .14
    # sum x^2 = .38; gamma = (.14 - .62 * .1) / (.62 * .9) = .078 / .558
    eg = ellison_glaeser(E, plant_herfindahl=pd.Series({"a": 0.1}), region_total=total)
    assert list(eg.columns) == ["eg_gamma", "eg_G", "eg_H", "eg_approximated"]
    assert_allclose(eg.loc["a", "eg_G"], 0.14)
    assert_allclose(eg.loc["a", "eg_H"], 0.1)
    assert_allclose(eg.loc["a", "eg_gamma"], 0.078 / 0.558)
    assert not eg.loc["a", "eg_approximated"]


def test_ellison_glaeser_approximated_from_establishments(eg_case):
    E, total = eg_case
    est = _matrix([[4], [3], [3]], ["r1", "r2", "r3"], ["a"])  # N = 10 -> H = .1
    with pytest.warns(ApproximationWarning, match="H = 1/N") as record:
        eg = ellison_glaeser(E, establishments=est, region_total=total)
    assert len(record) == 1
    assert record[0].filename == __file__  # stacklevel=2 points at the caller
    assert bool(eg.loc["a", "eg_approximated"])
    assert_allclose(eg.loc["a", "eg_H"], 0.1)
    assert_allclose(eg.loc["a", "eg_gamma"], 0.078 / 0.558)


def test_ellison_glaeser_plant_h_takes_precedence(eg_case):
    E, total = eg_case
    E2 = E.assign(b=[1.0, 1.0, 1.0])
    est = _matrix([[4, 1], [3, 1], [3, 2]], ["r1", "r2", "r3"], ["a", "b"])
    with pytest.warns(ApproximationWarning, match="for 1 industries"):
        eg = ellison_glaeser(
            E2, plant_herfindahl=pd.Series({"a": 0.2}), establishments=est
        )
    assert_array_equal(eg["eg_approximated"].to_numpy(), [False, True])
    assert_allclose(eg["eg_H"].to_numpy(), [0.2, 0.25])


def test_ellison_glaeser_without_h_gives_nan_gamma(eg_case):
    E, total = eg_case
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        eg = ellison_glaeser(E, region_total=total)
    assert np.isnan(eg.loc["a", "eg_gamma"])
    assert_allclose(eg.loc["a", "eg_G"], 0.14)


def test_plant_herfindahl_by_hand():
    sizes = pd.Series([50.0, 30.0, 20.0, 10.0, 0.0, 0.0])
    industry = pd.Series(["a", "a", "a", "b", "c", "c"])
    h = plant_herfindahl(sizes, industry)
    assert h.name == "plant_herfindahl"
    assert h.index.name == "industry"
    assert_allclose(h[["a", "b"]].to_numpy(), [0.25 + 0.09 + 0.04, 1.0])
    assert np.isnan(h["c"])


def test_plant_herfindahl_errors():
    with pytest.raises(InputError, match="negative size .* rows 1"):
        plant_herfindahl(pd.Series([1.0, -2.0]), pd.Series(["a", "a"]))
    with pytest.raises(InputError, match="same index"):
        plant_herfindahl(pd.Series([1.0, 2.0]), pd.Series(["a"]))


# --------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------


def test_indicator_table(tiny):
    E = tiny.copy()
    E.loc["r3", "a"] = 0.0
    est = _matrix([[2, 5], [3, 1], [1, 1]], ["r1", "r2", "r3"], ["a", "b"])
    t = indicator_table(E, establishments=est)
    assert list(t.columns) == [
        "region",
        "industry",
        "size",
        "establishments",
        "ql",
        "share_industry",
        "share_region",
        "hhm",
        "icn",
    ]
    # (r3, a) has no employment but one establishment: kept
    assert len(t) == 6
    row = t.set_index(["region", "industry"]).loc[("r2", "a")]
    assert_allclose(row["ql"], location_quotient(E).loc["r2", "a"])
    assert_allclose(row["hhm"], hhm(E).loc["r2", "a"])
    assert_allclose(row["icn"], icn(E).loc["r2", "a"])
    assert row["establishments"] == 3
    assert len(indicator_table(E)) == 5  # zero cell dropped without counts
    assert len(indicator_table(E, drop_zero=False)) == 6


def test_industry_table(econgeo):
    est = econgeo.clip(upper=1.0)  # N_i = number of regions with the industry
    with pytest.warns(ApproximationWarning) as record:
        t = industry_table(econgeo, establishments=est)
    assert record[0].filename == __file__
    assert t.index.name == "industry"
    for col in ("size", "gl", "gl_krugman", "hoover", "eg_gamma", "eg_approximated"):
        assert col in t.columns
    assert_allclose(t["gl_krugman"].to_numpy(), [0.40, 0.18, 0.27, 0.31, 0.28])
    assert_allclose(t["gl"].to_numpy(), 2 * t["gl_krugman"].to_numpy())
    assert_allclose(t["hoover"].to_numpy(), hoover(econgeo).to_numpy())
    assert_allclose(t["establishments"].to_numpy(), [1, 4, 4, 4, 3])
    assert t["eg_approximated"].all()
    # I1 sits in one plant: H = 1, gamma undefined
    assert np.isnan(t.loc["I1", "eg_gamma"])


def test_industry_table_with_plant_herfindahl(eg_case):
    E, total = eg_case
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = industry_table(
            E, region_total=total, plant_herfindahl=pd.Series({"a": 0.1})
        )
    assert_allclose(t.loc["a", "eg_gamma"], 0.078 / 0.558)
    assert not t.loc["a", "eg_approximated"]


# --------------------------------------------------------------------------
# validation errors
# --------------------------------------------------------------------------


def test_negative_values_named():
    E = _matrix(
        [[1, 2], [-1, 2], [-3, -2]], ["1900019", "1900027", "1900035"], ["15.3", "16"]
    )
    with pytest.raises(
        InputError,
        match=r"negative values in E for industry '15\.3' at regions "
        r"1900027, 1900035 \(3 cells in 2 industries",
    ):
        location_quotient(E)


def test_nan_values_named(tiny):
    E = tiny.copy()
    E.loc["r2", "b"] = np.nan
    with pytest.raises(InputError, match="NaN.*industry 'b' at regions r2.*fill"):
        locational_gini(E)


def test_non_numeric_named(tiny):
    E = tiny.assign(b=["x", "1", "2"])
    with pytest.raises(InputError, match="non-numeric values for industries 'b'"):
        hhm(E)


def test_not_a_dataframe_and_empty_and_duplicates(tiny):
    with pytest.raises(InputError, match="must be a pandas DataFrame"):
        hoover(tiny.to_numpy())
    with pytest.raises(InputError, match="empty"):
        hoover(tiny.iloc[:0])
    dup = pd.concat([tiny, tiny.iloc[[0]]])
    with pytest.raises(InputError, match="duplicated region codes r1"):
        hoover(dup)


def test_region_total_errors(tiny):
    with pytest.raises(InputError, match="region_total lacks regions r3"):
        location_quotient(tiny, region_total=pd.Series({"r1": 60.0, "r2": 40.0}))
    with pytest.raises(
        InputError, match="smaller than the sum of E's industries for regions r2"
    ):
        share_of_region(
            tiny, region_total=pd.Series({"r1": 60.0, "r2": 29.0, "r3": 20.0})
        )
    with pytest.raises(InputError, match="missing \\(NaN\\) for regions r1"):
        hhm(tiny, region_total=pd.Series({"r1": np.nan, "r2": 30.0, "r3": 20.0}))
    with pytest.raises(InputError, match="must be a pandas Series"):
        icn(tiny, region_total=[50.0, 30.0, 20.0])
    # integer codes against str codes: reported as missing, with the fix
    with pytest.raises(InputError, match="same region codes"):
        location_quotient(
            _matrix([[1.0]], ["1"], ["a"]), region_total=pd.Series({1: 5.0})
        )


def test_establishments_errors(eg_case):
    E, total = eg_case
    est = _matrix([[1], [1], [1]], ["r1", "r2", "r3"], ["zz"])
    with pytest.raises(InputError, match="establishments lacks industries 'a'"):
        ellison_glaeser(E, establishments=est)
    with pytest.raises(InputError, match="negative values in establishments"):
        indicator_table(E, establishments=-est.rename(columns={"zz": "a"}))
