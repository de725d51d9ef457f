"""Tests of lps_geo.stats.variables: hand-computed values and the PySAL esda oracle."""

from __future__ import annotations

import doctest
from typing import get_args

import numpy as np
import pandas as pd
import pytest
from esda.smoothing import Empirical_Bayes
from numpy.testing import assert_allclose

import lps_geo.stats.variables as variables
from lps_geo.errors import ConfigError
from lps_geo.stats.indicators import location_quotient, share_of_region
from lps_geo.stats.variables import (
    VARIABLE_DESCRIPTIONS,
    VARIABLES,
    analysed_variable,
    eb_location_quotient,
    eb_share_of_region,
    log_location_quotient,
)
from lps_geo.vocab import VariableKind


def _matrix(values, regions, industries) -> pd.DataFrame:
    return pd.DataFrame(
        np.asarray(values, dtype=float),
        index=pd.Index(regions, name="region"),
        columns=pd.Index(industries, name="industry"),
    )


@pytest.fixture
def tiny():
    """2 regions x 2 industries with explicit region totals (E = 150)."""
    E = _matrix([[10, 40], [30, 0]], ["r1", "r2"], ["a", "b"])
    total = pd.Series({"r1": 100.0, "r2": 50.0})
    return E, total


@pytest.fixture
def municipal():
    """A zero-heavy municipal table: 400 regions x 5 industries.

    Region totals are log-normal (a few jobs to tens of thousands); each
    industry's jobs are Poisson around a region-specific share with a planted
    cluster in the first 30 regions, so most cells are 0 and the shares are
    genuinely dispersed (the method-of-moments prior variance is positive).
    Region ``m399`` has no activity at all (E_j = 0).
    """
    rng = np.random.default_rng(20060101)
    n, m = 400, 5
    total = np.ceil(rng.lognormal(mean=5.0, sigma=1.8, size=n))
    base = np.array([0.002, 0.005, 0.01, 0.02, 0.001])
    share = base[None, :] * rng.gamma(0.5, 2.0, size=(n, m))
    share[:30] *= 8.0
    x = rng.poisson(np.minimum(share, 0.15) * total[:, None]).astype(float)
    total[-1] = 0.0
    x[-1] = 0.0
    regions = [f"m{k:03d}" for k in range(n)]
    E = _matrix(x, regions, [f"c{i}" for i in range(m)])
    return E, pd.Series(np.maximum(total, x.sum(axis=1)), index=E.index)


# --------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------


def test_registry_literal_and_descriptions_agree():
    assert tuple(VARIABLES) == get_args(VariableKind)
    assert set(VARIABLE_DESCRIPTIONS) == set(VARIABLES)
    for kind, text in VARIABLE_DESCRIPTIONS.items():
        assert text.endswith("."), kind
        assert text.count(". ") == 0, f"{kind}: one sentence expected"


@pytest.mark.parametrize("kind", get_args(VariableKind))
def test_analysed_variable_dispatches_to_the_builder(tiny, kind):
    E, total = tiny
    got = analysed_variable(E, total, kind=kind)
    pd.testing.assert_frame_equal(got, VARIABLES[kind](E, total))
    assert got.index.equals(E.index) and got.columns.equals(E.columns)
    assert got.index.name == "region"
    assert all(dtype == np.float64 for dtype in got.dtypes)


def test_default_kind_is_the_location_quotient(tiny):
    E, total = tiny
    pd.testing.assert_frame_equal(
        analysed_variable(E, total), location_quotient(E, total)
    )


@pytest.mark.parametrize("kind", ["lq", "QL", "", None])
def test_unknown_kind_lists_the_valid_keys(tiny, kind):
    E, total = tiny
    with pytest.raises(
        ConfigError,
        match=r"unknown analysed variable .*valid kinds: ql, share_region, log_ql, "
        r"eb_ql",
    ):
        analysed_variable(E, total, kind=kind)


@pytest.mark.parametrize("kind", get_args(VariableKind))
def test_inputs_are_not_mutated(municipal, kind):
    E, total = municipal
    E0, total0 = E.copy(), total.copy()
    analysed_variable(E, total, kind=kind)
    pd.testing.assert_frame_equal(E, E0)
    pd.testing.assert_series_equal(total, total0)


# --------------------------------------------------------------------------
# share_region and log_ql by hand
# --------------------------------------------------------------------------


def test_share_region_by_hand(tiny):
    E, total = tiny
    got = analysed_variable(E, total, kind="share_region")
    # 10/100, 40/100; 30/50, 0/50
    assert_allclose(got.to_numpy(), [[0.1, 0.4], [0.6, 0.0]], rtol=1e-15)
    pd.testing.assert_frame_equal(got, share_of_region(E, total))


def test_log_ql_by_hand(tiny):
    E, total = tiny
    # E_a = 40, E_b = 40, E = 150: QL = (E_ij/E_j) / (40/150)
    ql = np.array([[0.1, 0.4], [0.6, 0.0]]) / (40 / 150)
    assert_allclose(ql, [[0.375, 1.5], [2.25, 0.0]], rtol=1e-12)
    got = analysed_variable(E, total, kind="log_ql")
    expected = [[np.log(1.375), np.log(2.5)], [np.log(3.25), 0.0]]
    assert_allclose(got.to_numpy(), expected, rtol=1e-12)
    assert got.loc["r2", "b"] == 0.0  # an empty cell stays exactly 0


def test_log_ql_keeps_nan_where_ql_is_undefined():
    E = _matrix([[5, 0], [0, 0]], ["r1", "r2"], ["a", "b"])
    got = log_location_quotient(E)
    assert_allclose(got.loc["r1", "a"], np.log(2.0), rtol=1e-15)
    assert got.loc["r2"].isna().all()  # E_j = 0
    assert got["b"].isna().all()  # E_i = 0


# --------------------------------------------------------------------------
# empirical Bayes
# --------------------------------------------------------------------------


def test_eb_share_matches_esda_on_a_zero_heavy_table(municipal):
    E, total = municipal
    assert (E.to_numpy() == 0).mean() > 0.5
    got = eb_share_of_region(E, total)
    keep = total.to_numpy() > 0
    for industry in E.columns:
        e, b = E[industry].to_numpy()[keep], total.to_numpy()[keep]
        reference = Empirical_Bayes(e, b).r.ravel()
        assert_allclose(got[industry].to_numpy()[keep], reference, rtol=1e-12)
    assert got.loc["m399"].isna().all()  # no population at risk


def test_eb_ql_is_the_smoothed_share_over_the_reference_share(municipal):
    E, total = municipal
    keep = total > 0
    prior = E.sum(axis=0) / total.sum()
    expected = eb_share_of_region(E, total) / prior
    got = eb_location_quotient(E, total)
    assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-12)
    # a credibility-weighted mean of the raw QL and 1, weights in [0, 1]
    ql = location_quotient(E, total)[keep]
    w = (got[keep] - 1.0) / (ql - 1.0)
    w = w.to_numpy()[np.abs(ql.to_numpy() - 1.0) > 1e-6]
    assert np.all((w >= -1e-9) & (w <= 1 + 1e-9))


def test_eb_shrinks_tiny_bases_and_keeps_large_ones():
    # industry "a" is 2-6 % of the large regions; "tiny" has 3 jobs, all in "a"
    regions = ["big1", "big2", "big3", "big4", "mid", "tiny"]
    a = [400.0, 200.0, 1200.0, 80.0, 30.0, 3.0]
    total = pd.Series([10_000.0, 8_000.0, 20_000.0, 4_000.0, 500.0, 3.0])
    total.index = regions
    E = _matrix(np.c_[a, total.to_numpy() - a], regions, ["a", "other"])
    ql = location_quotient(E, total)["a"]
    eb = eb_location_quotient(E, total)["a"]
    assert ql["tiny"] > 20  # raw QL huge: 3/3 over E_i/E ~ 0.045
    assert eb["tiny"] < 2 and eb["tiny"] < ql["tiny"] / 10
    # the large region keeps its QL (within 1 %), the middle one in between
    assert_allclose(eb["big3"], ql["big3"], rtol=1e-2)
    w = (eb - 1.0) / (ql - 1.0)  # credibility weight of the raw QL
    assert w["big3"] > 0.99 and w["tiny"] < 0.05
    assert w["big3"] > w["big1"] > w["mid"] > w["tiny"]


def test_eb_without_extra_dispersion_returns_the_reference_share():
    # identical shares everywhere: the method-of-moments prior variance is
    # negative; Marshall's truncation at 0 gives the reference share (QL 1)
    E = _matrix([[1, 99], [1, 99], [1, 99], [1, 99]], list("pqrs"), ["a", "b"])
    got = eb_location_quotient(E)
    assert_allclose(got.to_numpy(), 1.0, rtol=1e-12)
    assert_allclose(eb_share_of_region(E)["a"].to_numpy(), 0.01, rtol=1e-12)
    # esda, untruncated, divides by zero here
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = Empirical_Bayes(E["a"].to_numpy(), np.full(4, 100.0)).r
    assert not np.isfinite(raw).all()


def test_eb_undefined_cells_are_nan():
    E = _matrix([[5, 0], [3, 0], [0, 0]], ["r1", "r2", "r3"], ["a", "b"])
    total = pd.Series({"r1": 10.0, "r2": 40.0, "r3": 0.0})
    got = eb_location_quotient(E, total)
    assert got.loc["r3"].isna().all()  # E_j = 0
    assert got["b"].isna().all()  # E_i = 0
    assert np.isfinite(got.loc[["r1", "r2"], "a"]).all()


def test_eb_matches_a_per_industry_computation_on_the_whole_matrix(municipal):
    E, total = municipal
    together = eb_location_quotient(E, total)
    for industry in E.columns[:2]:
        alone = eb_location_quotient(E[[industry]], total)
        assert_allclose(together[[industry]].to_numpy(), alone.to_numpy(), rtol=1e-13)


def test_module_doctests():
    result = doctest.testmod(
        variables, optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    assert result.failed == 0 and result.attempted >= 4
