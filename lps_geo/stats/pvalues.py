"""P-values of the permutation tests.

The tie rule, the multiple-testing corrections, the Gi* bins and the
inference choices of a run in plain words.

Shared by the batched engine (:mod:`lps_geo.stats.spatial`), the bivariate
Local Moran (:mod:`lps_geo.stats.bivariate`) and the capability test.
"""

from __future__ import annotations

import warnings

import numpy as np

from lps_geo.errors import ConfigError, LpsGeoWarning
from lps_geo.stats.sequential import FIRST_DRAWS
from lps_geo.vocab import Correction

#: Relative tolerance under which a permuted sum equals the observed one (a
#: tie); scaled by the column's largest absolute value and the largest number
#: of values summed.
TIE_RTOL = 1e-11

#: The tie rule of the permutation null, in plain words (stored in the run
#: metadata and quoted by the README).
TIE_RULE = (
    "ties count as at least as extreme: a permuted value equal to the observed "
    "one (within a relative 1e-11) counts in both tails, so a site whose null "
    "distribution is mostly ties, such as a zero surrounded by zeros, gets a "
    "p-value near 1 instead of a spurious 2/(R+1)"
)

CORRECTION_WORDS = {
    "fdr": "Benjamini-Hochberg false discovery rate",
    "bonferroni": "Bonferroni",
    "none": "no multiple-testing correction",
}

#: The Gi* nulls in plain words.
GI_NULL_WORDS = {
    "total": (
        "Gi* is tested against total permutation: every value, the site's own "
        "included, is shuffled over the map, so the site's own value counts "
        "towards a hot spot (exact for any distribution, zero-heavy ones "
        "included)"
    ),
    "conditional": (
        "Gi* is tested by conditional permutation (the site's own value held "
        "fixed), the same test as the Local Moran of its neighbours"
    ),
    "analytic": (
        "Gi* is judged by its analytic z-score under total randomisation "
        "(Getis & Ord 1992; Ord & Getis 1995), as ArcGIS reports it; the "
        "normal approximation is optimistic for skewed, zero-heavy data"
    ),
}


def inference_text(
    permutations: int | str,
    seed: int,
    alpha: float,
    correction: str,
    fdr_scope: str = "industry",
    gi_null: str = "conditional",
    max_draws: int | None = None,
) -> str:
    """The inference choices of a run, in plain words.

    >>> inference_text(999, 1, 0.05, "fdr")[:60]
    'Conditional permutation tests with 999 permutations (seed 1)'
    >>> inference_text("auto", 1, 0.05, "fdr", max_draws=222720)[:58]
    'Sequential conditional permutation tests (seed 1): every r'
    """
    if permutations == "auto":
        head = (
            f"Sequential conditional permutation tests (seed {seed}): every "
            f"region and industry starts with the same {FIRST_DRAWS} draws and tests "
            "that are still close to significance continue with more, up to "
            f"{max_draws or 'a maximum'} draws, so that the smallest possible "
            f"p ({2 / ((max_draws or 999) + 1):.3g}) can pass the correction; "
            f"two-sided Monte Carlo p-values over the draws each test used; "
            f"{TIE_RULE}."
        )
    elif not permutations:
        head = (
            "Analytical p-values (normal approximation under randomisation); "
            "no permutations."
        )
    else:
        head = (
            f"Conditional permutation tests with {permutations} permutations "
            f"(seed {seed}), the same draws for every region and industry; "
            f"two-sided pseudo p-values, the smallest possible being "
            f"{2 / (int(permutations) + 1):.4g}; {TIE_RULE}."
        )
    scope = (
        "within each industry"
        if fdr_scope == "industry"
        else ("across all industries together")
    )
    gi = f" {GI_NULL_WORDS[gi_null]}." if permutations else ""
    tail = (
        f" Significance at {alpha:g} after {CORRECTION_WORDS[correction]}"
        + ("" if correction == "none" else f" {scope}")
        + "; raw and adjusted p-values are both kept."
    )
    return head + gi + tail


def adjust_pvalues(p: np.ndarray, method: Correction = "fdr") -> np.ndarray:
    """Multiple-testing adjusted p-values; NaNs are ignored and kept.

    ``"fdr"`` is Benjamini & Hochberg (1995) step-up adjusted p-values,
    ``"bonferroni"`` multiplies by the number of tests (capped at 1). A 2-D
    array is adjusted column by column (each column one family of tests).

    >>> adjust_pvalues(np.array([0.01, 0.04, 0.03, np.nan]), "fdr")
    array([0.03, 0.04, 0.04,  nan])
    >>> adjust_pvalues(np.array([0.01, 0.5]), "bonferroni")
    array([0.02, 1.  ])
    """
    if method not in ("fdr", "bonferroni", "none"):
        raise ConfigError(
            f"unknown correction {method!r}; valid: fdr, bonferroni, none"
        )
    p = np.asarray(p, dtype=float)
    if p.ndim == 1:
        return adjust_pvalues(p[:, None], method)[:, 0]
    if method == "none" or p.size == 0:
        return p.copy()
    if method == "bonferroni":
        valid = ~np.isnan(p)
        return np.where(valid, np.minimum(p * valid.sum(axis=0), 1.0), np.nan)
    # one sort per column, columns in parallel (a compiled kernel: numpy's
    # column-wise argsort of a national table takes 5x longer)
    from lps_geo.stats import _engine  # lazy: numba kernels

    return np.ascontiguousarray(_engine.bh_rows(np.ascontiguousarray(p.T)).T)


def warn_resolution(permutations: int, alpha: float, correction: str, m: int):
    """Warn when the smallest permutation p cannot pass the corrected level.

    With R permutations the smallest two-sided p is 2/(R+1). Under Bonferroni
    it must be <= alpha/m; under Benjamini-Hochberg a single region needs the
    same, and otherwise at least ceil(m p_min / alpha) regions must reach it.
    """
    p_min = 2.0 / (permutations + 1)
    if p_min * m <= alpha * (1 + 1e-12):
        return
    need = int(np.ceil(m * p_min / alpha))
    single = int(np.ceil(2 * m / alpha - 1))
    if correction == "bonferroni" or need > m:
        what = "no region can be significant"
    else:
        what = f"a region is significant only if at least {need} regions reach it"
    warnings.warn(
        f"with {permutations} permutations the smallest two-sided p is "
        f"{p_min:.4g}; after {correction} correction over {m} tests at "
        f'alpha={alpha} {what}; use permutations = "auto" (sequential draws) '
        f"or at least {single} permutations for a single region to pass",
        LpsGeoWarning,
        stacklevel=3,
    )


def gi_bins(z: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Gi* confidence bins: +/-3, 2, 1 for p <= 0.01, 0.05, 0.10; sign of z.

    >>> gi_bins(np.array([2.9, -2.1, 1.0, 0.3]), np.array([0.004, 0.03, 0.08, 0.5]))
    array([ 3, -2,  1,  0])
    """
    p = np.asarray(p, dtype=float)
    level = np.select([p <= 0.01, p <= 0.05, p <= 0.10], [3, 2, 1], default=0)
    z = np.asarray(z, dtype=float)
    level = np.where(np.isnan(p) | np.isnan(z), 0, level)
    return (np.sign(np.nan_to_num(z)) * level).astype(int)


def two_sided(p_folded: np.ndarray) -> np.ndarray:
    """esda's folded one-sided pseudo p, doubled (capped at 1)."""
    return np.minimum(2.0 * np.asarray(p_folded, dtype=float), 1.0)
