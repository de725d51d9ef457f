"""Permutation p-values of the local statistics, fixed-R or sequential.

With a fixed number of draws or sequentially (``permutations = "auto"``).

Two nulls, both with binary weights, where every local statistic of a site is
a monotone function of one sum:

conditional permutation
    The site's value is held fixed and its ``k`` neighbours are replaced by
    ``k`` values drawn without replacement from the other ``n - 1`` regions
    (Anselin 1995). The Local Moran, and Gi* under this null, are monotone in
    the neighbours' sum. The first draws are esda's (same seed, same draws);
    :func:`lps_geo.stats._engine.local_counts` counts them for every site and
    industry at once.
total permutation
    Every value, the site's own included, is shuffled: the star sum of a site
    with ``k`` neighbours (its value plus theirs, the numerator of Gi*) is the
    sum of ``k + 1`` values drawn from all ``n``, whatever the site. One null
    sample per industry serves every site
    (:func:`lps_geo.stats._engine.star_counts`).

With ``"auto"`` the tests that are still close to significance continue with
more draws (:mod:`lps_geo.stats.sequential`); the draws after the first come
from a counter-based stream (:func:`lps_geo.stats._engine.draw_rows`) keyed
by the seed, so results depend only on the seed.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from lps_geo.errors import LpsGeoWarning
from lps_geo.stats.pvalues import TIE_RTOL
from lps_geo.stats.sequential import (
    DRAWS_CAP,
    FIRST_DRAWS,
    max_draws,
    pvalue_bounds,
    refine,
    two_sided_p,
)
from lps_geo.vocab import Correction, FdrScope
from lps_geo.vocab import PermutationNull as Null

log = logging.getLogger(__name__)

#: Industries per block of the stage-one kernels (a block stays in cache).
BLOCK = 64

#: Sites per chunk of the conditional stage-one kernel.
CHUNK = 256

#: Draw rows generated at a time during the sequential batches.
ROWS = 8192

#: Stream numbers of the counter-based draws (one per null).
STREAMS = {"conditional": 1, "total": 2}


@dataclass(frozen=True)
class LocalTests:
    """Two-sided p-values of one local test for every (region, industry).

    Attributes
    ----------
    p
        (n, K) p-values; NaN where the test is not defined.
    draws
        (n, K) number of draws each p uses (0 where undefined).
    max_draws
        The most draws a test could use (R, or R_max with ``"auto"``).
    active_per_batch
        Tests still running before each sequential batch (empty with a fixed
        R).
    """

    p: np.ndarray
    draws: np.ndarray
    max_draws: int
    active_per_batch: tuple[int, ...] = ()


def stream_key(seed: int, null: Null) -> int:
    """Key of the counter-based draws of one null for one seed."""
    return int(seed) * 16 + STREAMS[null]


def family_sizes(valid: np.ndarray, fdr_scope: FdrScope) -> np.ndarray:
    """Number of tests per family: per industry, or one family of all."""
    per_col = valid.sum(axis=0)
    return per_col if fdr_scope == "industry" else np.array([per_col.sum()])


def local_tests(
    null: Null,
    y: np.ndarray,
    a: sp.csr_matrix,
    valid: np.ndarray,
    permutations: int | str,
    seed: int,
    alpha: float,
    correction: Correction,
    fdr_scope: FdrScope = "industry",
    settled: np.ndarray | None = None,
    progress: Callable[[int, int, int], None] | None = None,
) -> LocalTests:
    """P-values of the neighbour-sum (conditional) or star-sum (total) test.

    Parameters
    ----------
    null
        ``"conditional"`` or ``"total"``.
    y
        (n, K) analysed variable, C-contiguous float64.
    a
        Binary contiguity (CSR, no self-loops, sorted indices).
    valid
        (n, K) tests that exist (not isolated, finite data, variance > 0).
    permutations
        Number of draws R, or ``"auto"`` (sequential, see
        :mod:`lps_geo.stats.sequential`).
    settled
        (n, K) tests whose p the caller sets itself (a Local Moran at the
        mean has p = 1); they keep the first draws and are not continued.
    progress
        ``progress(draws, active, r_max)`` before each sequential batch.
    """
    from lps_geo.stats import _engine  # lazy: numba kernels

    n, k = y.shape
    card = np.diff(a.indptr).astype(np.int64)
    max_card = int(card.max()) if n else 0
    auto = permutations == "auto"
    first = FIRST_DRAWS if auto else int(permutations)
    m_family = family_sizes(valid, fdr_scope)
    m_most = int(m_family.max(initial=1))
    r_max = max_draws(m_most, alpha, correction) if auto else first
    if auto and r_max == DRAWS_CAP and correction != "none":
        warnings.warn(
            f"the correction over {m_most} tests asks for "
            f"{math.ceil(2 * m_most / alpha)} permutation draws for a single "
            f"test to pass; sequential tests stop at {DRAWS_CAP}, so only "
            'groups of significant tests can pass (fdr_scope = "industry" '
            "corrects within each industry instead)",
            LpsGeoWarning,
            stacklevel=3,
        )
    star = null == "total"
    obs = a @ y + (y if star else 0.0)
    size = max_card + 1 if star else max_card
    tol = (
        TIE_RTOL * np.maximum(np.abs(y).max(axis=0, initial=0.0), 1e-300) * max(size, 1)
    )
    n_ge = np.zeros((n, k), dtype=np.int32)
    n_le = np.zeros((n, k), dtype=np.int32)
    if first and n and max_card:
        if star:
            draws0 = _engine.draw_rows(stream_key(seed, null), 0, first, n, size)
        else:
            draws0 = _engine.conditional_draws(max_card, n, first, seed)
        for j0 in range(0, k, BLOCK):
            j1 = min(k, j0 + BLOCK)
            if star:
                g, l_ = _engine.star_counts(
                    np.ascontiguousarray(y[:, j0:j1].T),
                    card,
                    np.ascontiguousarray(obs[:, j0:j1].T),
                    tol[j0:j1],
                    draws0,
                )
            else:
                g, l_ = _engine.local_counts(
                    np.ascontiguousarray(y[:, j0:j1]),
                    card,
                    np.ascontiguousarray(obs[:, j0:j1]),
                    draws0.astype(np.int64, copy=False),
                    tol[j0:j1],
                    CHUNK,
                )
            n_ge[:, j0:j1] = g
            n_le[:, j0:j1] = l_
        del draws0
    draws = np.where(valid, first, 0).astype(np.int32)
    batches: tuple[int, ...] = ()
    if auto and r_max > first:
        c = np.minimum(n_ge, n_le)
        lower = pvalue_bounds(np.arange(first + 1), first)[0]
        track = valid & (lower[np.minimum(c, first)] <= alpha)
        if settled is not None:
            track &= ~settled
        cols, sites = np.nonzero(track.T)  # by industry, then site
        del c, track
        family = cols if fdr_scope == "industry" else np.zeros_like(cols)
        yt = np.ascontiguousarray(y.T)
        kk = card[sites] + (1 if star else 0)
        obs_t = obs[sites, cols]
        tol_t = tol[cols]
        key = stream_key(seed, null)

        lo_t = obs_t - tol_t
        hi_t = obs_t + tol_t

        def more(idx: np.ndarray, r0: int, r1: int, cap: np.ndarray | None = None):
            ptr = np.searchsorted(cols[idx], np.arange(k + 1)).astype(np.int64)
            out = [np.zeros(len(idx), dtype=np.int64) for _ in range(3)]
            left = np.full(len(idx), r1 - r0, dtype=np.int64) if cap is None else cap
            left = left.copy()
            for b0 in range(r0, r1, ROWS):
                rows = _engine.draw_rows(key, b0, min(b0 + ROWS, r1), n, size)
                parts = _engine.column_counts(
                    yt,
                    ptr,
                    sites[idx],
                    kk[idx],
                    lo_t[idx],
                    hi_t[idx],
                    left,
                    rows,
                    not star,
                )
                for acc, part in zip(out, parts, strict=True):
                    acc += part
                left -= parts[2]
            return tuple(out)

        ge_t = n_ge[sites, cols].astype(np.int64)
        le_t = n_le[sites, cols].astype(np.int64)
        log.info(
            "%s tests: %d of %d continue after %d draws (at most %d)",
            null,
            len(sites),
            int(valid.sum()),
            first,
            r_max,
        )

        def tick(r1: int, active: int, most: int) -> None:
            log.info("%s tests: %d still running, draws up to %d", null, active, r1)
            if progress is not None:
                progress(r1, active, most)

        res = refine(
            ge_t,
            le_t,
            first,
            family,
            m_family,
            alpha,
            correction,
            r_max,
            more,
            progress=tick,
        )
        n_ge[sites, cols] = ge_t
        n_le[sites, cols] = le_t
        draws[sites, cols] = res.draws
        batches = tuple(res.active_per_batch)
    p = two_sided_p(n_ge, n_le, np.maximum(draws, 1))
    p[~valid] = np.nan
    return LocalTests(p, draws, r_max, batches)
