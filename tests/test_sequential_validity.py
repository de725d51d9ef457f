"""Sequential permutation inference (``permutations="auto"``) is valid.

Three groups of checks:

* **brute force**: on a 10 x 10 queen grid the sequential p-values of the
  Local Moran (conditional permutation) and of Gi* (``gi_null="total"``) agree
  with reference p-values from 10^6 permutations drawn here in numpy (same
  nulls, same tie rule) within the Monte Carlo error of the draws each test
  used; fixed-R runs give the same p where the draws are the same, and every
  test uses between 999 and ``max_draws`` draws, on the schedule;
* **FDR under the complete null**: zero-heavy counts assigned at random to a
  30 x 30 grid (no spatial structure), 1,000 industries: with ``"auto"`` and
  Benjamini-Hochberg the share of industries with any rejection (the FDR,
  every rejection being false) stays at or below 0.05 plus a binomial margin,
  for the Local Moran and Gi* total, while Getis-Ord's analytic normal p
  (``gi_null="analytic"``) rejects in most null industries;
* **unit tests** of :mod:`lps_geo.stats.sequential`: ``rejected`` against
  ``adjust_pvalues``, coverage of ``pvalue_bounds``, ``max_draws`` and
  ``schedule`` edge cases, and ``refine`` driven by a fake ``more`` callback
  whose true tail probabilities are known.

Everything is seeded; the file takes about 30 s on a busy 2-core machine
(numba kernels cached).
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal
from scipy import stats
from shapely.geometry import box

from lps_geo.stats.pvalues import TIE_RTOL, adjust_pvalues
from lps_geo.stats.sequential import (
    DRAWS_CAP,
    EXTREMES,
    FIRST_DRAWS,
    MIN_MAX_DRAWS,
    RISK,
    max_draws,
    pvalue_bounds,
    refine,
    rejected,
    schedule,
    two_sided_p,
)
from lps_geo.stats.spatial import spatial_statistics
from lps_geo.stats.weights import build_weights

ALPHA = 0.05

#: Draws of the brute-force reference p-values.
REFERENCE_DRAWS = 1_000_000


def grid_graph(side: int):
    """Queen graph of a side x side grid of 10 km squares (EPSG:5880), codes
    r0000.. row-major, and the region index."""
    cells = [
        box(x * 1e4, y * 1e4, (x + 1) * 1e4, (y + 1) * 1e4)
        for y in range(side)
        for x in range(side)
    ]
    idx = pd.Index([f"r{n:04d}" for n in range(side * side)], name="region")
    frame = gpd.GeoDataFrame(geometry=cells, index=idx, crs="EPSG:5880")
    graph, _ = build_weights(frame, "queen")
    assert list(graph.unique_ids) == list(idx)
    return graph, idx


def neighbour_lists(graph, idx) -> list[np.ndarray]:
    """Neighbour positions of every region (graph order = index order)."""
    pos = {code: i for i, code in enumerate(idx)}
    adj = graph.adjacency
    out = []
    for code in idx:
        nb = adj.loc[code]
        nb = nb[nb > 0]
        out.append(np.array(sorted(pos[c] for c in nb.index if c != code)))
    return out


def random_subsets(rng, pool: int, size: int, count: int) -> np.ndarray:
    """``count`` uniform ``size``-subsets of ``range(pool)`` (int32 rows).

    Rows drawn with replacement are kept only when their ids are distinct:
    conditionally on that, a row is a uniform ordered sample without
    replacement.
    """
    out = np.empty((count, size), dtype=np.int32)
    done = 0
    while done < count:
        batch = rng.integers(0, pool, size=(400_000, size), dtype=np.int32)
        s = np.sort(batch, axis=1)
        ok = (np.diff(s, axis=1) > 0).all(axis=1)
        keep = batch[ok][: count - done]
        out[done : done + len(keep)] = keep
        done += len(keep)
    return out


def reference_p(sums: np.ndarray, obs: float, tol: float) -> float:
    """Two-sided p from reference sums, ties (within ``tol``) in both tails."""
    ge = int((sums >= obs - tol).sum())
    le = int((sums <= obs + tol).sum())
    return min(1.0, 2.0 * (min(ge, le) + 1) / (len(sums) + 1))


def mc_tolerance(p_ref: float, draws: int) -> float:
    """Allowed |p - p_ref| for a p from ``draws`` draws: four binomial
    standard deviations of 2 c / (L + 1) at the reference tail probability,
    the +1 offset of the estimator, and the reference's own error."""
    pi = min(p_ref / 2.0, 0.5)
    sd = 2.0 * math.sqrt(draws * pi * (1 - pi)) / (draws + 1)
    sd_ref = 2.0 * math.sqrt(pi * (1 - pi) / REFERENCE_DRAWS)
    return 4.0 * (sd + sd_ref) + 2.0 / (draws + 1) + 2.0 / REFERENCE_DRAWS


# --------------------------------------------------------------------------
# brute force on a small grid
# --------------------------------------------------------------------------

SIDE = 10
#: The planted cluster's centre (a strong pole), a site on its rim (moderate),
#: a lone large value, and far corners (null-ish).
CENTRE, RIM, LONE = 44, 35, 77


@pytest.fixture(scope="module")
def small():
    """A 10 x 10 queen grid with three industries.

    A: gamma background with a planted 3 x 3 high cluster around CENTRE;
    B: gamma background with one lone large value at LONE;
    Z: zero-heavy counts (80 % zeros, 1 + negative binomial) with a small
    block of large counts around 22, 23, 32, 33 (many exact ties).
    """
    graph, idx = grid_graph(SIDE)
    n = SIDE * SIDE
    rng = np.random.default_rng(11)
    a = rng.gamma(2.0, 1.0, n)
    for d in (0, -1, 1, -SIDE, SIDE, -SIDE - 1, -SIDE + 1, SIDE - 1, SIDE + 1):
        a[CENTRE + d] += 6.0
    a[CENTRE] += 4.0
    b = rng.gamma(2.0, 1.0, n)
    b[LONE] += 25.0
    z = np.where(rng.random(n) >= 0.8, 1.0 + rng.negative_binomial(1.0, 0.2, n), 0.0)
    z[[22, 23, 32, 33]] = [14.0, 9.0, 11.0, 20.0]
    X = pd.DataFrame({"A": a, "B": b, "Z": z}, index=idx)
    assert (X["Z"] == 0).mean() > 0.7

    def run(permutations, correction="fdr"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # fixed-R resolution warnings
            return spatial_statistics(
                X,
                graph,
                permutations=permutations,
                seed=3,
                correction=correction,
                fdr_scope="all",  # m = 300 tests: R_max = 12,000
                gi_null="total",
                global_permutations=False,
            )

    auto = run("auto")
    return {
        "X": X,
        "nb": neighbour_lists(graph, idx),
        "run": run,
        "auto": auto,
        "fixed999": run(999),
        "fixed_first": run(FIRST_DRAWS),
    }


@pytest.fixture(scope="module")
def reference(small):
    """Brute-force p-values (10^6 draws each) of the tests checked below.

    Conditional (LISA): every test that continued past the first draws plus
    a handful of chosen sites of each industry; the k neighbours are replaced
    by k values drawn without replacement from the other n - 1. Total (Gi*):
    every test; the star sum is compared with sums of k + 1 values drawn
    from all n (one sample per cardinality serves every site).
    """
    X, nb, auto = small["X"], small["nb"], small["auto"]
    n = len(X)
    rng = np.random.default_rng(2024)
    cards = sorted({len(v) for v in nb})
    cond = {k: random_subsets(rng, n - 1, k, REFERENCE_DRAWS) for k in cards}
    total = {k: random_subsets(rng, n, k + 1, REFERENCE_DRAWS) for k in cards}
    draws = auto.local["lisa_draws"].unstack("industry")
    chosen = {CENTRE, RIM, LONE, 0, 9, 99, 22, 33, 60, 65}
    lisa, gi = {}, {}
    for col in X.columns:
        y = X[col].to_numpy()
        top = np.abs(y).max()
        cont = set(np.flatnonzero(draws[col].to_numpy() > FIRST_DRAWS))
        for i in sorted(chosen | cont):
            k = len(nb[i])
            others = np.delete(y, i)
            sums = others[cond[k]].sum(axis=1)
            lisa[(X.index[i], col)] = reference_p(
                sums, y[nb[i]].sum(), TIE_RTOL * top * k
            )
        for k in cards:
            sums = y[total[k]].sum(axis=1)
            for i in (i for i in range(n) if len(nb[i]) == k):
                obs = y[i] + y[nb[i]].sum()
                gi[(X.index[i], col)] = reference_p(sums, obs, TIE_RTOL * top * (k + 1))
    return {"lisa": pd.Series(lisa), "gi": pd.Series(gi)}


def _agreement(local: pd.DataFrame, ref: pd.Series, stat: str) -> pd.DataFrame:
    rows = local.loc[ref.index, [f"{stat}_p", f"{stat}_draws"]].copy()
    rows.columns = ["p", "draws"]
    rows["ref"] = ref
    rows["tol"] = [
        mc_tolerance(r, int(d)) for r, d in zip(rows.ref, rows.draws, strict=True)
    ]
    rows["ok"] = (rows.p - rows.ref).abs() <= rows.tol
    return rows


@pytest.mark.parametrize("stat", ["lisa", "gi"])
def test_sequential_p_agrees_with_brute_force(small, reference, stat):
    auto = small["auto"]
    rows = _agreement(auto.local, reference[stat], stat)
    assert rows.ok.all(), rows[~rows.ok]
    # the sequential part was exercised: strong tests went well past 999
    # draws (close to R_max), and their p is far below what 999 draws allow
    assert auto.max_draws == max_draws(300, ALPHA, "fdr") == 12_000
    assert (rows.draws > FIRST_DRAWS).sum() >= 8
    assert (rows.draws > 0.9 * auto.max_draws).sum() >= 5
    centre = rows.loc[(f"r{CENTRE:04d}", "A")]
    assert centre.draws > 0.9 * auto.max_draws
    assert centre.p == pytest.approx(2 / (centre.draws + 1))  # zero extremes
    assert centre.ref < 1e-4
    # the rim of the cluster is moderate: continued, then stopped early
    rim = rows.loc[(f"r{RIM:04d}", "A")]
    assert 1e-4 < rim.ref < 0.02 and rim.draws > FIRST_DRAWS
    # null-ish sites stop at the first draws with a p near the reference
    far = rows.loc[[("r0000", "A"), ("r0099", "A"), ("r0099", "Z")]]
    assert (far.draws == FIRST_DRAWS).all() and (far.ref > 0.4).all()
    # the zero-heavy block is found, with ties handled as in the reference
    assert rows.loc[("r0033", "Z"), "ref"] < 0.03


def test_fixed_r_max_agrees_with_brute_force(small, reference):
    fixed = small["run"](12_000)
    for stat in ("lisa", "gi"):
        rows = _agreement(fixed.local, reference[stat], stat)
        assert rows.ok.all(), rows[~rows.ok]
        assert (rows.draws == 12_000).all()


def test_zero_extremes_at_the_maximum_pass_a_single_test_level(small):
    """R_max = ceil(2 m / alpha) is there so that a test with no extreme in
    all its draws (p = 2 / (L + 1)) passes the corrected level of a single
    test, alpha / m, under Bonferroni or when it is BH's only rejection. That
    needs L >= R_max - 1: the sequential test must then be at least as
    powerful as the fixed R = R_max test for such tests."""
    auto = small["run"]("auto", correction="bonferroni")
    fixed = small["run"](auto.max_draws, correction="bonferroni")
    assert auto.max_draws == 12_000
    for stat in ("lisa", "gi"):
        a, f = auto.local, fixed.local
        zero = f[f"{stat}_p"] == 2 / (auto.max_draws + 1)  # no extreme at all
        assert zero.sum() >= 3
        assert (f.loc[zero, f"{stat}_p_adj"] <= ALPHA).all()
        rows = a.loc[zero, [f"{stat}_p", f"{stat}_draws", f"{stat}_p_adj"]]
        assert (rows[f"{stat}_draws"] >= auto.max_draws - 1).all(), rows
        assert (rows[f"{stat}_p_adj"] <= ALPHA).all(), rows
    assert a.loc[(f"r{CENTRE:04d}", "A"), "lisa_label"] == "High-High"


def test_lone_pole_under_total_permutation(small, reference):
    """Gi* total of a lone large value among typical neighbours: a null star
    sum holds the pole with probability (k + 1) / n = 0.09, and then beats
    the observed one about half the time, so p is near 2 x 0.045: far from
    the corrected level; the sequential test stops within the first two
    batches (here after 399 of R_max = 12,000 draws)."""
    lone = (f"r{LONE:04d}", "B")
    assert 0.02 < reference["gi"][lone] < 0.1
    steps = schedule(FIRST_DRAWS, small["auto"].max_draws)
    assert small["auto"].local.loc[lone, "gi_draws"] <= steps[1]


def test_first_draws_are_the_fixed_r_draws(small):
    """Tests that stopped after the first draws have exactly the p of
    ``permutations=FIRST_DRAWS`` (same draws); with no correction R_max is
    MIN_MAX_DRAWS (999) and only tests whose p may be below alpha continue."""
    auto, fixed = small["auto"].local, small["fixed_first"].local
    for stat in ("lisa", "gi"):
        first = auto[f"{stat}_draws"] == FIRST_DRAWS
        assert first.mean() > 0.8
        assert_array_equal(auto.loc[first, f"{stat}_p"], fixed.loc[first, f"{stat}_p"])
        assert (fixed[f"{stat}_draws"] == FIRST_DRAWS).all()
    none_auto = small["run"]("auto", correction="none")
    none_first = small["run"](FIRST_DRAWS, correction="none")
    assert none_auto.max_draws == MIN_MAX_DRAWS == 999
    for stat in ("lisa", "gi"):
        d = none_auto.local[f"{stat}_draws"]
        first = d == FIRST_DRAWS
        assert first.mean() > 0.8 and d.max() <= MIN_MAX_DRAWS
        assert_array_equal(
            none_auto.local.loc[first, f"{stat}_p"],
            none_first.local.loc[first, f"{stat}_p"],
        )
        # the tests that stopped early are far from alpha
        assert (none_auto.local.loc[first, f"{stat}_p"] > ALPHA).all()


def test_draws_stay_on_the_schedule(small):
    """Every valid test uses between FIRST_DRAWS and R_max draws. Gi* total tests stop
    at the end of a batch of the schedule. A conditional (LISA) test may use
    a little less than the batch's end where the sequential draws skip the
    rows that draw its own site (k/n of them): it stays within the batch and
    within 5 binomial sd of the rows it should keep."""
    auto = small["auto"]
    nb = small["nb"]
    steps = np.array(schedule(FIRST_DRAWS, auto.max_draws))
    n = len(nb)
    for stat in ("lisa", "gi"):
        d = auto.local[f"{stat}_draws"].to_numpy()
        assert d.min() >= FIRST_DRAWS  # every test is valid here
        assert d.max() <= auto.max_draws
        batch = np.searchsorted(steps, d, side="left")
        end = steps[batch]
        if stat == "gi":
            assert (d == end).all()
        else:
            k = np.repeat([len(v) for v in nb], auto.local.index.levshape[1])
            extra = end - FIRST_DRAWS
            keep = extra * (1 - k / n)
            sd = np.sqrt(extra * (k / n) * (1 - k / n))
            assert (d <= end).all() and (d >= FIRST_DRAWS + keep - 5 * sd - 1).all()
        summary = auto.draws[stat]
        assert summary["tests"] == len(d)
        assert summary["max_draws"] == auto.max_draws
        assert summary["continued"] == int((d > FIRST_DRAWS).sum())
        assert summary["at_max"] == int((batch == len(steps) - 1).sum())
        active = summary["active_per_batch"]
        assert active[0] == summary["continued"]
        assert all(a >= b for a, b in zip(active, active[1:], strict=False))


# --------------------------------------------------------------------------
# FDR under the complete null
# --------------------------------------------------------------------------

NULL_SIDE = 30
NULL_INDUSTRIES = 1000


def null_counts(n: int, k: int, seed: int) -> np.ndarray:
    """Zero-heavy establishment-like counts with no spatial structure.

    Per industry 70-95 % zeros; non-zero values 1 + negative binomial or
    rounded-up lognormal (alternating), placed on random regions.
    """
    rng = np.random.default_rng(seed)
    zero = rng.uniform(0.70, 0.95, k)
    present = rng.random((n, k)) >= zero
    nb_n, nb_p = rng.uniform(0.5, 3.0, k), rng.uniform(0.05, 0.4, k)
    nb = 1.0 + rng.negative_binomial(nb_n, nb_p, (n, k))
    mu, sigma = rng.uniform(1.0, 4.0, k), rng.uniform(0.8, 1.6, k)
    ln = np.ceil(rng.lognormal(mu, sigma, (n, k)))
    values = np.where(np.arange(k) % 2 == 0, nb, ln)
    out = np.where(present, values, 0.0)
    # at least two distinct values per industry (a variance to test)
    for j in np.flatnonzero((out > 0).sum(axis=0) < 2):
        out[rng.choice(n, 2, replace=False), j] = [1.0, 2.0]
    return out


@pytest.fixture(scope="module")
def null_runs():
    graph, idx = grid_graph(NULL_SIDE)
    y = null_counts(len(idx), NULL_INDUSTRIES, seed=77)
    X = pd.DataFrame(y, index=idx, columns=[f"c{j:04d}" for j in range(y.shape[1])])
    common = dict(permutations="auto", seed=9, correction="fdr", alpha=ALPHA)
    common["global_permutations"] = False
    total = spatial_statistics(X, graph, gi_null="total", **common)
    analytic = spatial_statistics(X, graph, gi_null="analytic", **common)
    return X, total, analytic


def _share_with_rejection(res, stat: str) -> float:
    sig = res.local[f"{stat}_p_adj"] <= ALPHA
    return float(sig.groupby(level="industry", observed=True).any().mean())


#: Under a valid procedure each null industry has some rejection with
#: probability at most alpha (BH with valid p-values; the permutation
#: p-values are valid and ties make them conservative), independently across
#: industries (independent data; the permutation draws are shared, a weak
#: dependence), so the count of such industries is at most Binomial(1000,
#: 0.05): its 0.999 quantile is 73, a margin of 0.023 over 0.05. A correct
#: engine therefore fails this for at most about 1 in 1,000 seeds.
FDR_LIMIT = stats.binom.ppf(0.999, NULL_INDUSTRIES, ALPHA) / NULL_INDUSTRIES


def test_null_data_has_zero_heavy_counts(null_runs):
    X = null_runs[0]
    zeros = (X == 0).mean()
    assert zeros.min() > 0.6 and zeros.max() < 0.99 and zeros.mean() > 0.75
    assert FDR_LIMIT == pytest.approx(0.073)


def test_fdr_under_the_null_lisa_and_gi_total(null_runs):
    _, total, _ = null_runs
    # measured (seed 77 data, seed 9 draws), share of the 1,000 null
    # industries with any rejection: LISA 0.018, Gi* total 0.016 (LISA 0.007
    # with the work-in-progress conditional draws that skip the rows drawing
    # the site itself); R_max = 36,000, about 2,600 tests continued per null
    lisa = _share_with_rejection(total, "lisa")
    gi = _share_with_rejection(total, "gi")
    assert lisa <= FDR_LIMIT
    assert gi <= FDR_LIMIT
    # the sequential tests ran (strong null outliers were continued)
    assert total.draws["lisa"]["continued"] > 0 and total.draws["gi"]["continued"] > 0
    assert total.max_draws == max_draws(NULL_SIDE**2, ALPHA, "fdr")


def test_fdr_under_the_null_gi_analytic_is_far_above_alpha(null_runs):
    """Getis-Ord's normal approximation is badly anti-conservative for
    zero-heavy counts: a region with one large count among zeros gets a huge
    z. Measured on the same data: 882 of the 1,000 null industries (0.882)
    have at least one "hot spot" after BH (against 0.016 with the total
    permutation): why Gi* defaults to ``gi_null="total"``."""
    _, total, analytic = null_runs
    share = _share_with_rejection(analytic, "gi")
    assert share > 0.5
    assert share == pytest.approx(0.882)  # deterministic: no draws
    # the Local Moran is the same test whatever the Gi* null
    assert_array_equal(total.local["lisa_p"], analytic.local["lisa_p"])


# --------------------------------------------------------------------------
# unit tests of lps_geo.stats.sequential
# --------------------------------------------------------------------------


@pytest.mark.parametrize("correction", ["fdr", "bonferroni", "none"])
@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.2])
def test_rejected_equals_adjusted_pvalues(correction, alpha):
    rng = np.random.default_rng([5, int(alpha * 100)])
    for trial in range(60):
        m, k = int(rng.integers(1, 400)), int(rng.integers(1, 5))
        kind = trial % 4
        if kind == 0:
            p = rng.random((m, k))
        elif kind == 1:
            p = rng.beta(0.2, 3.0, (m, k))
        elif kind == 2:  # Monte Carlo p-values at 999 draws (many ties)
            p = np.minimum(1.0, 2.0 * (rng.integers(0, 40, (m, k)) + 1) / 1000)
        else:
            p = rng.random((m, k)) ** 6
        expected = adjust_pvalues(p, correction) <= alpha
        family = np.broadcast_to(np.arange(k), (m, k))
        got = rejected(p.ravel(), family.ravel(), np.full(k, m), alpha, correction)
        assert_array_equal(got.reshape(m, k), expected)
        # a subset in shuffled order: the other tests (p > alpha) only count
        # in m
        keep = np.flatnonzero(p.ravel() <= alpha)
        rng.shuffle(keep)
        sub = rejected(
            p.ravel()[keep], family.ravel()[keep], np.full(k, m), alpha, correction
        )
        assert_array_equal(sub, expected.ravel()[keep])


def test_rejected_edge_cases():
    empty = rejected(np.array([]), np.array([], dtype=int), np.array([5]), 0.05, "fdr")
    assert empty.shape == (0,)
    # NaN and p > alpha are never rejected
    p = np.array([np.nan, 0.2, 0.001])
    assert rejected(p, np.zeros(3, int), np.array([3]), 0.05, "fdr").tolist() == [
        False,
        False,
        True,
    ]
    # families are separate: the same p passes in a small family only
    p = np.array([0.004, 0.004])
    got = rejected(p, np.array([0, 1]), np.array([10, 20]), 0.05, "fdr")
    assert got.tolist() == [True, False]
    got = rejected(p, np.array([0, 1]), np.array([10, 20]), 0.05, "bonferroni")
    assert got.tolist() == [True, False]


def test_rejected_and_adjusted_agree_at_the_exact_bh_boundary():
    # 115 of 575 tests at p = 2/1000 = 115 * 0.01 / 575 (exactly, in rationals):
    # in floats 0.002 * 575 / 115 is 0.010000000000000002, so neither rejects;
    # with 282 of 470 tests at p = 6/1000 both do. What matters is that the
    # stopping rule (rejected) and the final labels (adjust_pvalues) make the
    # same comparison, p m / k <= alpha, so they never disagree.
    for m, k, p0 in ((575, 115, 0.002), (470, 282, 0.006)):
        assert Fraction(str(p0)) == k * Fraction("0.01") / m
        p = np.ones(m)
        p[:k] = p0
        a = adjust_pvalues(p, "fdr") <= 0.01
        b = rejected(p, np.zeros(m, int), np.array([m]), 0.01, "fdr")
        assert_array_equal(a, b)
        assert a.sum() in (0, k)


@pytest.mark.parametrize(
    ("draws", "pi"),
    [(999, 0.001), (999, 0.02), (1999, 0.005), (7999, 0.05), (222_720, 1e-4)],
)
def test_pvalue_bounds_cover_at_the_advertised_rate(draws, pi):
    rng = np.random.default_rng([draws, int(pi * 1e6)])
    sims = 200_000
    c = rng.binomial(draws, pi, sims)
    for risk in (RISK, 0.05):
        lo, up = pvalue_bounds(c, draws, risk)
        # each bound fails with probability at most risk (Clopper-Pearson is
        # exact-conservative); slack: four binomial sd of the failure rate
        slack = 4.0 * math.sqrt(risk / sims)
        assert (lo > 2 * pi).mean() <= risk + slack
        assert (up < 2 * pi).mean() <= risk + slack
        p = two_sided_p(c, c, draws)  # min(n_ge, n_le) = c
        assert (lo <= p).all() and (p <= up).all()
    # where the binomial is far from degenerate the bounds are not wasteful:
    # each fails at a rate of the order of the advertised one
    if draws * pi >= 50:
        lo, up = pvalue_bounds(c, draws, 0.05)
        assert 0.02 < (lo > 2 * pi).mean() <= 0.05 + slack
        assert 0.02 < (up < 2 * pi).mean() <= 0.05 + slack


def test_pvalue_bounds_edges():
    lo, up = pvalue_bounds(np.array([[0, 999], [5, 500]]), 999)
    assert lo.shape == (2, 2)
    assert lo[0, 0] == 0.0 and up[0, 1] == 1.0
    assert up[0, 0] == pytest.approx(2 * (1 - RISK ** (1 / 999)))  # exact for c=0
    assert lo[0, 1] == 1.0  # min(1, 2 pi) with pi near 1
    assert 0 < lo[1, 0] < 2 * 5 / 999 < up[1, 0] < 1
    e_lo, e_up = pvalue_bounds(np.array([], dtype=int), 999)
    assert e_lo.shape == e_up.shape == (0,)
    # one result per (c, draws) pair, whatever the order of the pairs
    c = np.array([3, 0, 3, 7])
    d = np.array([999, 1999, 999, 3999])
    lo, up = pvalue_bounds(c, d)
    for j in range(4):
        lj, uj = pvalue_bounds(c[j : j + 1], d[j : j + 1])
        assert lo[j] == lj[0] and up[j] == uj[0]


def test_max_draws():
    for m in (1, 36, 300, 900, 5568, 5570, 12_345):
        # alpha = 0.05: ceil(2 m / alpha) = 40 m, with the 999 floor
        assert max_draws(m, 0.05, "fdr") == max(40 * m, MIN_MAX_DRAWS)
        assert max_draws(m, 0.05, "bonferroni") == max(40 * m, MIN_MAX_DRAWS)
        r = max_draws(m, 0.05, "fdr")
        assert 2 / (r + 1) <= 0.05 / m
    assert max_draws(10, 0.05, "none") == MIN_MAX_DRAWS  # ceil(2 / 0.05) = 40
    assert max_draws(10, 0.001, "none") == 2000
    assert max_draws(0, 0.05, "fdr") == MIN_MAX_DRAWS  # m < 1 counts as 1
    assert max_draws(10**6, 0.05, "fdr") == DRAWS_CAP
    assert max_draws(5568 * 673, 0.05, "fdr") == DRAWS_CAP


def test_max_draws_is_exactly_ceil_2m_over_alpha():
    for alpha in ("0.01", "0.05", "0.1", "0.025"):
        for m in range(1, 2000):
            exact = math.ceil(Fraction(2 * m) / Fraction(alpha))
            want = min(max(exact, MIN_MAX_DRAWS), DRAWS_CAP)
            assert max_draws(m, float(alpha), "fdr") == want, (m, alpha)


def test_schedule():
    assert schedule(999, 999) == [999]
    assert schedule(999, 500) == [999]  # r_max below the first draws
    assert schedule(999, 1000) == [999, 1000]
    assert schedule(999, 12_000) == [999, 1999, 3999, 7999, 12_000]
    assert schedule(1, 5) == [1, 3, 5]
    for r_max in (1000, 1998, 2000, 5000, 12_000, 40_000, 222_800, DRAWS_CAP):
        s = schedule(999, r_max)
        assert s[0] == 999 and s[-1] == r_max
        assert all(a < b for a, b in zip(s, s[1:], strict=False))
        # each batch but the last doubles the draws so far; the last one
        # ends at r_max, at most a batch and a half after the one before
        for a, b in zip(s[:-2], s[1:-1], strict=True):
            assert b + 1 == 2 * (a + 1)
        if len(s) > 1:
            assert s[-1] <= 2 * (s[-2] + 1) - 1 + (s[-2] + 1)
    assert len(schedule(999, DRAWS_CAP)) in (14, 15)  # 999 * 2^13 < 10^7


def test_two_sided_p():
    ge, le = np.array([0, 3, 600]), np.array([5, 3, 400])
    p = two_sided_p(ge, le, np.array([999, 1999, 999]))
    assert p.tolist() == [0.002, 0.004, 0.802]
    assert two_sided_p(np.array([999]), np.array([999]), 999).tolist() == [1.0]


class FakeTests:
    """``more`` callback of tests with known one-sided tail probabilities.

    Draw block r0..r1 gives every test (active or not) binomial counts from a
    generator keyed by r0, as shared draws would; ``n_le`` is the rest of the
    block (no ties), so the smaller tail is ``n_ge`` when pi < 0.5. Every row
    of a block is used.
    """

    def __init__(self, pi, seed=0):
        self.pi = np.asarray(pi, dtype=float)
        self.seed = seed
        self.calls: list[tuple[np.ndarray, int, int]] = []

    def block(self, r0: int, r1: int) -> np.ndarray:
        rng = np.random.default_rng([self.seed, r0])
        return rng.binomial(r1 - r0, self.pi)

    def start(self, first: int):
        ge = self.block(0, first).astype(np.int64)
        return ge, first - ge

    def __call__(self, idx, r0, r1):
        self.calls.append((idx.copy(), r0, r1))
        ge = self.block(r0, r1)[idx].astype(np.int64)
        le = (r1 - r0) - ge
        return ge, le, np.full(len(idx), r1 - r0, dtype=np.int64)

    def run(self, m_family, correction="fdr", r_max=None, first=FIRST_DRAWS, **kw):
        ge, le = self.start(first)
        r_max = r_max or max_draws(int(m_family), ALPHA, correction)
        res = refine(
            ge,
            le,
            first,
            np.zeros(len(self.pi), dtype=np.int64),
            np.array([m_family]),
            ALPHA,
            correction,
            r_max,
            self,
            **kw,
        )
        return res, ge, le


def test_refine_lone_pole_runs_to_r_max_only_when_needed():
    # tracked tests of a family of 1,000: one pole (pi = 0), moderate and
    # near-null ones; the untracked 990 tests only count in m
    pi = [0.0, 0.2, 0.5, 0.05, 0.004, 0.004, 0.002, 0.01, 0.03, 0.001]
    fake = FakeTests(pi, seed=1)
    seen = []
    res, ge, le = fake.run(1000, progress=lambda *a: seen.append(a))
    r_max = max_draws(1000, ALPHA, "fdr")
    assert res.r_max == r_max == 40_000
    steps = schedule(FIRST_DRAWS, r_max)
    assert set(res.draws.tolist()) <= set(steps)
    # the pole has zero extremes: its decision needs p = 2/(R_max+1)
    # <= alpha/m, so it runs to R_max, and passes
    assert res.draws[0] == r_max and ge[0] == 0
    p = two_sided_p(ge, le, res.draws)
    assert p[0] == 2 / (r_max + 1) <= ALPHA / 1000
    # many extremes after the first draws: stop at once
    assert (res.draws[[1, 2, 3, 8]] == FIRST_DRAWS).all()
    # moderate tests stop long before R_max (enough extremes, or decided
    # not rejected: even their lower bound cannot pass alpha / m)
    assert (res.draws[[4, 5, 6, 7, 9]] < 16_000).all()
    c = np.minimum(ge, le)
    stopped_early = (res.draws < r_max) & (res.draws > FIRST_DRAWS)
    lo, _ = pvalue_bounds(c, res.draws)
    assert ((c >= EXTREMES) | (lo > ALPHA / 1000))[stopped_early].all()
    # bookkeeping: more() called with consecutive schedule blocks and the
    # running tests only; progress before each batch; in-place counts
    assert [(r0, r1) for _, r0, r1 in fake.calls] == list(
        zip(steps, steps[1:], strict=False)
    )
    assert [len(i) for i, _, _ in fake.calls] == res.active_per_batch[: len(fake.calls)]
    assert [s[0] for s in seen] == steps[1:] and all(s[2] == r_max for s in seen)
    assert res.active_per_batch[-1] == 1  # the pole alone at the end
    assert ((ge + le) == res.draws).all()
    final = rejected(p, np.zeros(len(pi), int), np.array([1000]), ALPHA, "fdr")
    assert final.tolist() == [True] + [False] * 9


def test_refine_many_poles_stop_at_the_first_draws():
    # 300 poles in a family of 1,000: BH passes the 300th at 300 alpha / m
    # = 0.015, above the upper bound of p for 0 extremes in 999 draws
    # (0.0138): every pole is surely rejected without more draws
    fake = FakeTests([0.0] * 300 + [0.3] * 5, seed=2)
    res, ge, le = fake.run(1000, first=999)
    assert (res.draws == 999).all() and fake.calls == []
    assert res.active_per_batch == [0]
    p = two_sided_p(ge, le, res.draws)
    got = rejected(p, np.zeros(305, int), np.array([1000]), ALPHA, "fdr")
    assert got.tolist() == [True] * 300 + [False] * 5


def test_refine_extremes_rule_alone():
    # with risk = 0 the bounds are [0, 1] and never decide: a test stops at
    # the first block end where it has seen EXTREMES extremes (Besag &
    # Clifford), or at R_max
    pi = [0.004, 0.002, 0.001, 0.0]
    fake = FakeTests(pi, seed=3)
    res, ge, le = fake.run(1000, risk=0.0)
    steps = schedule(FIRST_DRAWS, 40_000)
    cum = {r1: np.zeros(len(pi), dtype=np.int64) for r1 in steps}
    total = fake.block(0, FIRST_DRAWS).astype(np.int64)
    cum[FIRST_DRAWS] = total.copy()
    for r0, r1 in zip(steps, steps[1:], strict=False):
        total = total + fake.block(r0, r1)
        cum[r1] = total.copy()
    for j in range(len(pi)):
        expect = next((r for r in steps if cum[r][j] >= EXTREMES), steps[-1])
        assert res.draws[j] == expect, j
        assert ge[j] == cum[expect][j]
    assert res.draws[3] == 40_000


def test_refine_without_correction_and_cap():
    # correction "none": R_max = 999; a test far above alpha stops at once,
    # those that may be below it continue up to 999 draws
    fake = FakeTests([0.0, 0.01, 0.5], seed=4)
    res, _, _ = fake.run(1000, correction="none")
    assert res.r_max == MIN_MAX_DRAWS
    assert res.draws[2] == FIRST_DRAWS and res.draws.max() <= MIN_MAX_DRAWS
    # an explicit r_max is respected exactly
    fake = FakeTests([0.0], seed=5)
    res, _, _ = fake.run(10**6, r_max=5000)
    assert res.draws.tolist() == [5000]
    blocks = [(r0, r1) for _, r0, r1 in fake.calls]
    steps = schedule(FIRST_DRAWS, 5000)
    assert blocks == list(zip(steps, steps[1:], strict=False))
    assert blocks[0] == (FIRST_DRAWS, 2 * FIRST_DRAWS + 1) and blocks[-1][1] == 5000


def test_draws_cap_is_announced(monkeypatch):
    """A correction over so many tests that a single one would need more
    than DRAWS_CAP draws says so (the run goes on with the cap)."""
    import lps_geo.stats.local_tests as lt
    from lps_geo.errors import LpsGeoWarning

    monkeypatch.setattr(lt, "DRAWS_CAP", 2_000)
    monkeypatch.setattr(lt, "max_draws", lambda *a, **k: 2_000)
    y = np.arange(16, dtype=float).reshape(16, 1)
    a = sp.csr_matrix(np.eye(16, k=1) + np.eye(16, k=-1))
    valid = np.ones((16, 1), dtype=bool)
    with pytest.warns(LpsGeoWarning, match="stop at 2000"):
        res = lt.local_tests("conditional", y, a, valid, "auto", 1, 0.05, "fdr")
    assert res.max_draws == 2_000
