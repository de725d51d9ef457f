"""Sequential Monte Carlo p-values for many permutation tests at once.

A national run makes millions of permutation tests (every region of every
industry) and corrects them for multiple testing. With a fixed number of draws
R the smallest two-sided p is 2/(R + 1), and Benjamini-Hochberg over m tests
passes a single region only if its p is at most alpha/m (about 9e-6 for
5,568 municipalities), so a fixed R fine enough for that (R of about 2m/alpha)
would spend hundreds of thousands of draws on every test, almost all of them
clearly not significant after a few hundred. This module spends draws where
the decision needs them.

The procedure
-------------
Every test starts with the same first ``FIRST_DRAWS`` draws. A test whose
count of permuted statistics at least as extreme as the observed one (``c``,
the smaller of the two tails, ties counted in both) is still small continues
with more draws, in batches that double the number of draws so far, and stops
for good as soon as one of these holds:

* **enough extremes**: ``c >= EXTREMES`` (Besag & Clifford 1991, "Sequential
  Monte Carlo p-values", Biometrika 78(2): 301-304: stop once h extremes are
  seen; the p-value then has a relative Monte Carlo error of about
  1/sqrt(h));
* **decided**: the test's decision is the same whatever its true p within a
  Clopper-Pearson interval of level ``1 - RISK``: it is rejected by the
  correction applied to every test's upper bound, or not rejected by the
  correction applied to every test's lower bound (the two sets of Gandy &
  Hahn 2014, "MMCTest - a safe algorithm for implementing multiple Monte
  Carlo tests", Scand. J. Stat. 41: 1083-1100; Gandy & Hahn 2016, Scand. J.
  Stat. 43: 1046-1063; for one test, Gandy 2009, JASA 104: 1504-1511, bounds
  the resampling risk the same way);
* **maximum**: the test has used ``r_max`` draws, by default
  :func:`max_draws`: the smallest number at which the smallest attainable p
  passes the corrected level of a single test, so that a single strong pole
  can be significant.

The p-value of a test is the usual Monte Carlo one over the draws it used,
``p = min(1, 2 (c + 1) / (L + 1))``: with the first two rules it is at least
Besag & Clifford's h/L, and at the maximum it is theirs. The decision is then
the correction applied to these p-values, like a fixed-R test. Draws of the
later batches are shared by every test that is still running, so a run is
reproducible from its seed whatever the order of work.

Functions
---------
:func:`max_draws`, :func:`schedule`, :func:`two_sided_p`,
:func:`pvalue_bounds`, :func:`rejected` and the driver :func:`refine`, which
is independent of the statistic: it asks a callback for more tail counts.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special

from lps_geo.vocab import Correction

#: Draws every test gets first (with ``permutations = "auto"``). For the
#: conditional tests they are esda's first 199 draws for the same seed (the
#: draws of ``permutations=199``, one of GeoDa's standard settings); 199
#: already sorts out most tests (p floor 0.01) and is about 5x cheaper than
#: starting every test with esda's default 999.
FIRST_DRAWS = 199

#: The fewest draws ``r_max`` allows (esda's default R): even without a
#: correction a test close to alpha continues to this resolution.
MIN_MAX_DRAWS = 999

#: Permutations of global Moran's test with ``"auto"``: one test per
#: industry, so a fixed 999 (esda's default, the same draws) costs little.
GLOBAL_DRAWS = 999

#: Besag & Clifford's h: a test stops once this many permuted statistics are
#: at least as extreme as the observed one.
EXTREMES = 20

#: Per-bound error of the Clopper-Pearson intervals that decide when a test
#: can stop (the resampling risk of Gandy 2009).
RISK = 1e-3

#: Upper limit of ``r_max`` whatever the number of tests (a correction over
#: all (region, industry) tests together would otherwise ask for 10^8 draws).
DRAWS_CAP = 10_000_000


def max_draws(m: int, alpha: float, correction: Correction, sides: int = 2) -> int:
    """The number of draws at which a single test can pass the correction.

    The smallest two-sided p with R draws is 2/(R + 1) (one-sided, with
    ``sides=1``: 1/(R + 1)). A single rejection
    needs p <= alpha/m under Benjamini-Hochberg and Bonferroni, p <= alpha
    without correction. Never fewer than :data:`MIN_MAX_DRAWS`, never more
    than :data:`DRAWS_CAP`.

    >>> max_draws(5568, 0.05, "fdr")
    222720
    >>> 2 / (222720 + 1) <= 0.05 / 5568
    True
    >>> max_draws(100, 0.05, "none"), max_draws(410, 0.05, "fdr", sides=1)
    (999, 8200)
    """
    tests = 1 if correction == "none" else max(int(m), 1)
    exact = sides * tests / alpha  # ceil(sides m / alpha), safe from rounding
    need = round(exact) if abs(exact - round(exact)) <= 1e-9 * exact else exact
    need = int(math.ceil(need))
    return int(min(max(need, MIN_MAX_DRAWS), DRAWS_CAP))


def schedule(first: int, r_max: int) -> list[int]:
    """Cumulative draw counts of the batches: each batch doubles the draws;
    a last batch less than half as long as the one before joins it.

    >>> schedule(199, 10_000)
    [199, 399, 799, 1599, 3199, 6399, 10000]
    >>> schedule(999, 999)
    [999]
    """
    out = [int(first)]
    while out[-1] < r_max:
        nxt = 2 * (out[-1] + 1) - 1
        out.append(int(r_max) if 1.5 * nxt >= r_max else nxt)
    return out


def two_sided_p(n_ge, n_le, draws) -> np.ndarray:
    """Two-sided Monte Carlo p from tail counts that include ties.

    ``p = min(1, 2 (min(n_ge, n_le) + 1) / (draws + 1))``; ``draws`` may be a
    scalar or one count per test.

    >>> two_sided_p(np.array([0, 500]), np.array([999, 499]), 999)
    array([0.002, 1.   ])
    """
    m = np.minimum(n_ge, n_le)
    return np.minimum(2.0 * (m + 1.0) / (np.asarray(draws, dtype=float) + 1.0), 1.0)


def pvalue_bounds(
    c, draws, risk: float = RISK, sides: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """Clopper-Pearson bounds of the p-value after ``c`` extremes in
    ``draws`` draws (each bound fails with probability at most ``risk``).

    The tail probability pi has the exact binomial interval; the two-sided p
    is ``min(1, 2 pi)`` (``c`` the smaller tail count), the one-sided p
    (``sides=1``) is pi. Computed once per distinct (c, draws) pair.

    >>> lo, up = pvalue_bounds(np.array([0, 10]), np.array([999, 999]))
    >>> float(lo[0]), round(float(up[0]), 4), bool(lo[1] < 0.022 < up[1])
    (0.0, 0.0137, True)
    """
    c = np.asarray(c, dtype=np.int64)
    n = np.broadcast_to(np.asarray(draws, dtype=np.int64), c.shape)
    if c.size == 0:
        return np.empty(c.shape), np.empty(c.shape)
    span = int(n.max()) + 1
    uniq, inverse = np.unique(c.ravel() * span + n.ravel(), return_inverse=True)
    uc, un = (uniq // span).astype(float), (uniq % span).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(uc > 0, special.betaincinv(uc, un - uc + 1.0, risk), 0.0)
        up = np.where(uc < un, special.betaincinv(uc + 1.0, un - uc, 1.0 - risk), 1.0)
    inverse = inverse.ravel()
    lo2 = np.minimum(sides * lo, 1.0)[inverse].reshape(c.shape)
    up2 = np.minimum(sides * up, 1.0)[inverse].reshape(c.shape)
    return lo2, up2


def rejected(
    p: np.ndarray,
    family: np.ndarray,
    m_family: np.ndarray,
    alpha: float,
    correction: Correction,
) -> np.ndarray:
    """Which of the given tests the correction rejects.

    ``p`` holds the p-values of a subset of the tests, ``family`` the family
    index of each, ``m_family`` the number of tests of each family (all of
    them, including those not given). Tests not given must have p > alpha:
    they are never rejected and only count in m. Benjamini-Hochberg rejects,
    within a family, every p at most the largest p_(k) <= k alpha / m.

    >>> rejected(np.array([0.001, 0.02, 0.03]), np.array([0, 0, 0]),
    ...          np.array([3]), 0.05, "fdr").tolist()
    [True, True, True]
    >>> rejected(np.array([0.001, 0.02, 0.03]), np.array([0, 0, 0]),
    ...          np.array([10]), 0.05, "fdr").tolist()
    [True, False, False]
    """
    p = np.asarray(p, dtype=float)
    family = np.asarray(family, dtype=np.int64)
    m = np.asarray(m_family, dtype=float)[family]
    if correction == "none":
        return p <= alpha
    if correction == "bonferroni":
        return p * m <= alpha
    out = np.zeros(len(p), dtype=bool)
    # only p <= alpha can be rejected (the BH level k alpha / m <= alpha)
    small = np.flatnonzero(p <= alpha)
    if not len(small):
        return out
    ps, fs = p[small], family[small]
    order = np.argsort(fs + ps / 2.0, kind="stable")  # by family, then p
    fs = fs[order]
    first = np.searchsorted(fs, fs, side="left")
    rank = np.arange(len(small)) - first + 1.0
    ok = ps[order] * m[small][order] / rank <= alpha  # as adjust_pvalues does
    kstar = np.zeros(len(m_family))
    np.maximum.at(kstar, fs[ok], rank[ok])
    out[small[order]] = rank <= kstar[fs]
    return out


@dataclass
class Refinement:
    """What :func:`refine` did: the draws of every tracked test and the
    number of tests still running before each batch."""

    draws: np.ndarray
    active_per_batch: list[int]
    r_max: int


def refine(
    n_ge: np.ndarray,
    n_le: np.ndarray | None,
    first: int,
    family: np.ndarray,
    m_family: np.ndarray,
    alpha: float,
    correction: Correction,
    r_max: int,
    more: Callable[[np.ndarray, int, int], tuple[np.ndarray, np.ndarray, np.ndarray]],
    extremes: int = EXTREMES,
    risk: float = RISK,
    progress: Callable[[int, int, int], None] | None = None,
    sides: int = 2,
) -> Refinement:
    """Run the sequential procedure over a set of tracked tests, in place.

    Parameters
    ----------
    n_ge, n_le
        Tail counts of the tracked tests after their first ``first`` draws
        (int64 arrays, updated in place). A one-sided test (``sides=1``,
        upper tail) passes ``n_le=None`` and its ``more`` returns None for
        ``d_le``. Tracked tests are all those whose
        lower bound after the first draws is at most alpha; every other test
        can never be rejected.
    family, m_family
        Family of each tracked test and number of tests per family.
    more
        ``more(idx, r0, r1) -> (d_ge, d_le, d_used)``: tail counts of tests
        ``idx`` over the shared draw rows ``r0 .. r1 - 1`` and the number of
        those rows each test used (a conditional test skips the rows that
        draw its own site). After the last batch, tests short of ``r_max``
        are topped up with ``more(idx, r0, r1, cap)``: each test uses at
        most ``cap`` rows.
    progress
        Called as ``progress(batch_end, active, r_max)`` before each batch.
    sides
        2 for two-sided p-values, 1 for one-sided (upper-tail) ones.

    Returns
    -------
    Refinement
        ``draws`` per tracked test (the number of draws its p uses).
    """
    draws = np.full(len(n_ge), int(first), dtype=np.int64)
    running = np.ones(len(n_ge), dtype=bool)
    per_batch: list[int] = []
    steps = schedule(first, r_max)
    c = n_ge if n_le is None else np.minimum(n_ge, n_le)
    lo, up = pvalue_bounds(c, draws, risk, sides)
    for r0, r1 in zip(steps[:-1], steps[1:], strict=True):
        sure = rejected(up, family, m_family, alpha, correction)
        maybe = rejected(lo, family, m_family, alpha, correction)
        running &= maybe & ~sure & (c < extremes)
        idx = np.flatnonzero(running)
        per_batch.append(len(idx))
        if not len(idx):
            break
        if progress is not None:
            progress(r1, len(idx), r_max)
        _add(more(idx, r0, r1), idx, n_ge, n_le, draws)
        c, lo, up = _update(c, lo, up, idx, n_ge, n_le, draws, risk, sides)
    # a conditional test skips the rows that draw its own site: top up the
    # tests that ran every batch to r_max draws (``more`` takes a cap: the
    # rows each test may still use), with 1 % + 64 rows to spare for skips
    end = steps[-1]
    for _ in range(8):
        if len(per_batch) != len(steps) - 1 or len(steps) < 2:
            break
        sure = rejected(up, family, m_family, alpha, correction)
        maybe = rejected(lo, family, m_family, alpha, correction)
        running &= maybe & ~sure & (c < extremes) & (draws < r_max)
        idx = np.flatnonzero(running)
        if not len(idx):
            break
        need = r_max - draws[idx]
        rows = int(need.max() * 1.01) + 64
        _add(more(idx, end, end + rows, need), idx, n_ge, n_le, draws)
        c, lo, up = _update(c, lo, up, idx, n_ge, n_le, draws, risk, sides)
        end += rows
    return Refinement(draws, per_batch, int(r_max))


def _add(counts, idx, n_ge, n_le, draws) -> None:
    """Add a batch's tail counts and draws to the tests ``idx``."""
    d_ge, d_le, d_used = counts
    n_ge[idx] += d_ge
    if n_le is not None:
        n_le[idx] += d_le
    draws[idx] += d_used


def _update(c, lo, up, idx, n_ge, n_le, draws, risk, sides):
    """Tail counts and bounds after a batch: only the tests ``idx`` changed."""
    c = n_ge if n_le is None else np.minimum(n_ge, n_le, out=c)
    lo[idx], up[idx] = pvalue_bounds(c[idx], draws[idx], risk, sides)
    return c, lo, up
