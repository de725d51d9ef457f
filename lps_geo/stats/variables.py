"""The variable analysed by the spatial statistics, per (region, industry).

Local Moran and Getis-Ord Gi* are computed, industry by industry, on one
*analysed variable*: a region x industry table built from the size matrix
``E`` (regions x industries, as in :mod:`lps_geo.stats.indicators`) and the region
totals E_j. The builders live in the registry :data:`VARIABLES` (name ->
function), each with the signature ``f(E, region_total) -> DataFrame`` and a
result indexed like ``E`` (float, NaN where undefined);
:func:`analysed_variable` picks one by name, and :data:`VARIABLE_DESCRIPTIONS`
holds one plain-language sentence per name for the manual and the run
metadata.

Available variables (notation of :mod:`lps_geo.stats.indicators`: E_ij size of
industry *i* in region *j*, E_j all activities of the region, E_i the
industry over the reference area, E the reference total):

``"ql"``
    location quotient QL_ij = (E_ij / E_j) / (E_i / E), the variable of
    Suzigan, Furtado & Garcia (2006);
``"share_region"``
    E_ij / E_j, the industry's share of the region's activities;
``"log_ql"``
    log(1 + QL_ij), which tames the long right tail of the QL;
``"eb_ql"``
    the QL of an empirical-Bayes smoothed share (Marshall 1991; Anselin,
    Lozano-Gracia & Koschinky 2006), which shrinks the quotients of regions
    with tiny bases towards 1.

Why smoothing matters: with municipal data most regions are small, and a
municipality with 3 jobs, all in one industry, has QL = E / E_i, often in the
hundreds, far above any real cluster. Such cells dominate a Moran scatter plot
and a Gi* sum. The empirical-Bayes QL treats the share E_ij / E_j as a rate
estimated from E_j trials and trusts it in proportion to the size of the base.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import get_args

import numpy as np
import pandas as pd

from lps_geo.errors import ConfigError
from lps_geo.stats.indicators import location_quotient, share_of_region
from lps_geo.stats.matrix import frame_like, matrix_parts
from lps_geo.vocab import VariableKind

logger = logging.getLogger(__name__)

__all__ = [
    "VARIABLES",
    "VARIABLE_DESCRIPTIONS",
    "analysed_variable",
    "log_location_quotient",
    "eb_share_of_region",
    "eb_location_quotient",
]

#: Signature of a variable builder: ``f(E, region_total) -> DataFrame``.
VariableBuilder = Callable[[pd.DataFrame, pd.Series | None], pd.DataFrame]


def log_location_quotient(
    E: pd.DataFrame, region_total: pd.Series | None = None
) -> pd.DataFrame:
    """Log-transformed location quotient, log(1 + QL).

    .. math:: \\ell_{ij} = \\ln(1 + QL_{ij}), \\quad
              QL_{ij} = \\frac{E_{ij} / E_j}{E_i / E}

    Why ``1 +``: most (municipality, industry) cells are empty, so QL = 0 is
    the commonest value and ln(QL) would be minus infinity there; ln(1 + QL)
    maps 0 to 0. The transform is strictly increasing, so the ranking of
    regions (and hence which are "high" and "low") is unchanged, and it is
    close to linear for QL below 1 while compressing the long right tail: the
    quotients in the hundreds that small bases produce become values near 5,
    so they no longer dominate the mean and variance that Local Moran and Gi*
    standardise by. QL = 1 (the reference-area specialisation) maps to ln 2.

    Parameters
    ----------
    E
        Size matrix, regions x industries (non-negative, no NaN).
    region_total
        E_j (all activities in scope); defaults to the row sums of ``E``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``E``; NaN where the QL is undefined (E_j = 0 or E_i = 0).

    See Also
    --------
    lps_geo.stats.indicators.location_quotient

    Examples
    --------
    >>> E = pd.DataFrame({"a": [10.0, 30.0], "b": [40.0, 0.0]},
    ...                  index=pd.Index(["r1", "r2"], name="region"))
    >>> log_location_quotient(E).round(4)
                 a       b
    region
    r1      0.3365  0.9555
    r2      1.0986  0.0000
    """
    return np.log1p(location_quotient(E, region_total))


def _eb_parts(E, region_total):
    """Validated E, prior means b_i and smoothed rates (numpy, regions x ind.)."""
    E, x, e_j, e_i, _ = matrix_parts(E, region_total)
    n, m = x.shape
    at_risk = e_j > 0
    b_j = e_j[at_risk]  # population at risk of the regions that have one
    b_sum = float(b_j.sum())
    smoothed = np.full((n, m), np.nan)
    prior = np.full(m, np.nan)
    if b_sum == 0:
        logger.info("eb: every region has E_j = 0; the smoothed shares are NaN")
        return E, prior, smoothed
    events = x[at_risk]
    # the same operations, in the same order, as esda.smoothing.Empirical_Bayes
    r_mean = events.sum(axis=0) / b_sum  # b_i = E_i / E
    rate = events / b_j[:, None]
    r_variat = rate - r_mean[None, :]
    r_var_left = (b_j[:, None] * r_variat * r_variat).sum(axis=0) / b_sum
    r_var_right = r_mean / b_j.mean()
    r_var = r_var_left - r_var_right
    clipped = (r_var < 0) & (r_mean > 0)
    if clipped.any():
        logger.info(
            "eb: %d of %d industries have less dispersion than chance "
            "(method-of-moments prior variance < 0, set to 0); their smoothed "
            "shares equal the reference share",
            int(clipped.sum()),
            m,
        )
    r_var = np.maximum(r_var, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = r_var[None, :] / (r_var[None, :] + r_mean[None, :] / b_j[:, None])
    rates = weight * rate + (1.0 - weight) * r_mean[None, :]
    # industries absent from the reference area (b_i = 0): 0/0 weight -> NaN
    rates[:, r_mean == 0] = np.nan
    smoothed[at_risk] = rates
    prior = np.where(r_mean > 0, r_mean, np.nan)
    return E, prior, smoothed


def eb_share_of_region(
    E: pd.DataFrame, region_total: pd.Series | None = None
) -> pd.DataFrame:
    """Empirical-Bayes smoothed share of the industry in the region.

    The share E_ij / E_j is treated as a rate: E_ij events out of a population
    at risk E_j. Each region's raw rate is shrunk towards the reference share
    b_i = E_i / E, the more so the smaller its base, with the global
    method-of-moments estimator of Marshall (1991), as implemented by PySAL
    (``esda.smoothing.Empirical_Bayes``) and recommended for rates in spatial
    analysis by Anselin, Lozano-Gracia & Koschinky (2006). Over the n regions
    with E_j > 0, for each industry i:

    .. math::

        r_{ij} = \\frac{E_{ij}}{E_j}, \\quad
        b_i = \\frac{\\sum_j E_{ij}}{\\sum_j E_j} = \\frac{E_i}{E}, \\quad
        s_i^2 = \\frac{\\sum_j E_j (r_{ij} - b_i)^2}{\\sum_j E_j}, \\quad
        a_i = \\max\\Big(0,\\; s_i^2 - \\frac{b_i}{\\bar E}\\Big),

    with :math:`\\bar E = \\frac{1}{n} \\sum_j E_j`, then

    .. math::

        w_{ij} = \\frac{a_i}{a_i + b_i / E_j}, \\quad
        \\tilde r_{ij} = w_{ij} r_{ij} + (1 - w_{ij}) b_i.

    a_i estimates the variance of the true shares across regions: the observed
    weighted variance s_i^2 minus the part that binomial-like sampling noise
    alone would produce (b_i / mean E_j). A big region (large E_j) keeps
    almost its raw share (w near 1); a region with a few jobs gets nearly the
    reference share.

    Relation to esda: the formulas, including the prior mean (ratio of sums)
    and the variance (weighted by E_j, noise term using the unweighted mean of
    E_j), are those of ``esda.smoothing.Empirical_Bayes``, and the result
    equals ``Empirical_Bayes(E[:, i], E_j).r`` on the regions with E_j > 0.
    Two deliberate differences: (1) esda does not truncate a negative a_i
    (industries less dispersed than chance), which gives weights outside
    [0, 1] or a division by zero; here a_i is set to 0, as Marshall (1991)
    prescribes, so the smoothed share is b_i everywhere; (2) regions with
    E_j = 0 have no population at risk: they get NaN and are left out of n
    and of the sums (esda would return NaN for every region).

    All industries are smoothed at once (vectorised over the matrix).

    Parameters
    ----------
    E
        Size matrix, regions x industries (non-negative, no NaN).
    region_total
        E_j (all activities in scope); defaults to the row sums of ``E``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``E``; NaN for regions with E_j = 0 and for industries
        with E_i = 0.

    References
    ----------
    Marshall, R. J. (1991). Mapping disease and mortality rates using
    empirical Bayes estimators. *Journal of the Royal Statistical Society,
    Series C (Applied Statistics)*, 40(2), 283-294.

    Anselin, L., Lozano-Gracia, N. & Koschinky, J. (2006). *Rate
    transformations and smoothing*. Spatial Analysis Laboratory, University of
    Illinois, Urbana-Champaign.

    Examples
    --------
    Region ``r4`` has 3 jobs, all in industry ``a``: its raw share is 1, its
    smoothed share is pulled most of the way to the reference share 0.1.

    >>> E = pd.DataFrame({"a": [30.0, 150.0, 20.0, 3.0]},
    ...                  index=pd.Index(["r1", "r2", "r3", "r4"], name="region"))
    >>> total = pd.Series({"r1": 500.0, "r2": 1000.0, "r3": 527.0, "r4": 3.0})
    >>> eb_share_of_region(E, total).round(4)
                 a
    region
    r1      0.0621
    r2      0.1487
    r3      0.0410
    r4      0.1883
    """
    E, _, smoothed = _eb_parts(E, region_total)
    return frame_like(smoothed, E)


def eb_location_quotient(
    E: pd.DataFrame, region_total: pd.Series | None = None
) -> pd.DataFrame:
    """Location quotient of the empirical-Bayes smoothed share.

    .. math:: QL^{EB}_{ij} = \\frac{\\tilde r_{ij}}{b_i}
              = w_{ij}\\, QL_{ij} + (1 - w_{ij})

    with :math:`\\tilde r_{ij}`, b_i = E_i / E and the credibility weight
    w_ij of :func:`eb_share_of_region` (Marshall 1991; Anselin, Lozano-Gracia
    & Koschinky 2006). It is the ordinary QL pulled towards 1 (the reference
    specialisation) by a weight that grows with the region's size E_j, so a
    municipality with one establishment and a few jobs cannot dominate the
    spatial statistics, while large regions keep nearly their raw QL.

    Parameters
    ----------
    E
        Size matrix, regions x industries (non-negative, no NaN).
    region_total
        E_j (all activities in scope); defaults to the row sums of ``E``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``E``; NaN for regions with E_j = 0 and for industries
        with E_i = 0.

    Examples
    --------
    The raw QL of ``r4`` (3 jobs, all in ``a``) is 10; smoothed it is 1.88,
    while the large region ``r2`` keeps nearly its QL of 1.5:

    >>> E = pd.DataFrame({"a": [30.0, 150.0, 20.0, 3.0]},
    ...                  index=pd.Index(["r1", "r2", "r3", "r4"], name="region"))
    >>> total = pd.Series({"r1": 500.0, "r2": 1000.0, "r3": 527.0, "r4": 3.0})
    >>> location_quotient(E, total)["a"].round(3).tolist()
    [0.6, 1.5, 0.38, 10.0]
    >>> eb_location_quotient(E, total)["a"].round(3).tolist()
    [0.621, 1.487, 0.41, 1.883]
    """
    E, prior, smoothed = _eb_parts(E, region_total)
    return frame_like(smoothed / prior[None, :], E)


#: Registry of analysed variables: name -> builder ``f(E, region_total)``.
VARIABLES: dict[VariableKind, VariableBuilder] = {
    "ql": location_quotient,
    "share_region": share_of_region,
    "log_ql": log_location_quotient,
    "eb_ql": eb_location_quotient,
}

#: One plain-language sentence per analysed variable (manual, run metadata).
VARIABLE_DESCRIPTIONS: dict[VariableKind, str] = {
    "ql": (
        "Location quotient: the industry's share of the municipality's jobs "
        "divided by its share of the jobs of the whole study area (above 1 "
        "means the municipality is more specialised than the area)."
    ),
    "share_region": ("Share of the municipality's jobs that are in the industry."),
    "log_ql": (
        "Logarithm of one plus the location quotient, which keeps the order "
        "of municipalities but shrinks the very large quotients of small "
        "municipalities."
    ),
    "eb_ql": (
        "Location quotient computed from an empirical-Bayes smoothed share, "
        "which pulls the quotient of municipalities with few jobs towards 1 "
        "so that a tiny base cannot dominate the map."
    ),
}

if set(get_args(VariableKind)) != set(VARIABLES) or set(VARIABLES) != set(
    VARIABLE_DESCRIPTIONS
):  # pragma: no cover - guards edits of the three tables
    raise ImportError("VariableKind, VARIABLES and VARIABLE_DESCRIPTIONS disagree")


def analysed_variable(
    E: pd.DataFrame,
    region_total: pd.Series | None = None,
    kind: VariableKind = "ql",
) -> pd.DataFrame:
    """Region x industry table of the variable the spatial statistics analyse.

    Looks ``kind`` up in :data:`VARIABLES` and applies the builder:
    ``"ql"`` (:func:`~lps_geo.stats.indicators.location_quotient`),
    ``"share_region"`` (:func:`~lps_geo.stats.indicators.share_of_region`),
    ``"log_ql"`` (:func:`log_location_quotient`) or ``"eb_ql"``
    (:func:`eb_location_quotient`). Their plain-language descriptions are in
    :data:`VARIABLE_DESCRIPTIONS`.

    Parameters
    ----------
    E
        Size matrix, regions x industries (non-negative, no NaN).
    region_total
        E_j (all activities in scope); defaults to the row sums of ``E``.
    kind
        Name of the variable, a key of :data:`VARIABLES`.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``E``, float, NaN where the variable is undefined.

    Raises
    ------
    ConfigError
        ``kind`` is not a key of :data:`VARIABLES` (the message lists them).

    Examples
    --------
    >>> E = pd.DataFrame({"a": [10.0, 30.0], "b": [40.0, 20.0]},
    ...                  index=pd.Index(["r1", "r2"], name="region"))
    >>> analysed_variable(E, kind="share_region").round(4)
              a    b
    region
    r1      0.2  0.8
    r2      0.6  0.4
    >>> analysed_variable(E, kind="lq")
    Traceback (most recent call last):
    ...
    lps_geo.errors.ConfigError: unknown analysed variable 'lq'; valid kinds: ql, \
share_region, log_ql, eb_ql
    """
    builder = VARIABLES.get(kind) if isinstance(kind, str) else None
    if builder is None:
        raise ConfigError(
            f"unknown analysed variable {kind!r}; valid kinds: {', '.join(VARIABLES)}"
        )
    logger.debug("analysed variable: %s", kind)
    return builder(E, region_total)
