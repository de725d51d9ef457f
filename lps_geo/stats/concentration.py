"""Concentration indices with one value per industry (or per region) from a size matrix.

The notation is that of :mod:`lps_geo.stats.indicators` (E_ij size of industry
*i* in region *j*, E_i its total, E_j all activities in scope of the region, E
the reference total). Per industry: the locational Gini of Krugman (1991) /
Audretsch & Feldman (1996), the unweighted Gini of location quotients (R
REAT), the Hoover (1936) coefficient of localisation, the Ellison & Glaeser
(1997) gamma and the plant Herfindahl it needs, gathered in
:func:`industry_table`; per region: Krugman's (1991) specialisation index.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd

from lps_geo.errors import ApproximationWarning, ConfigError, InputError
from lps_geo.stats.indicators import hhm
from lps_geo.stats.matrix import (
    format_codes,
    matrix_parts,
    region_totals,
    safe_div,
    validate_matrix,
)
from lps_geo.vocab import GiniScale

logger = logging.getLogger(__name__)

__all__ = [
    "locational_gini",
    "gini_of_quotients",
    "hoover",
    "krugman_specialisation",
    "plant_herfindahl",
    "ellison_glaeser",
    "industry_table",
]

#: Locational Gini scales: name -> (transform of the area A under the curve,
#: name of the returned Series).
_GINI_SCALES: dict[GiniScale, tuple] = {
    "gini": (lambda area: 2.0 * (area - 0.5), "gl"),
    "krugman": (lambda area: area - 0.5, "gl_krugman"),
}


# --------------------------------------------------------------------------
# concentration of industries
# --------------------------------------------------------------------------


def locational_gini(
    E: pd.DataFrame,
    scale: GiniScale = "gini",
    region_total: pd.Series | None = None,
) -> pd.Series:
    """Locational Gini coefficient of every industry.

    Regions are ordered by QL_ij, highest first. The concentration curve joins
    (0, 0) to the points (X_k, Y_k) with X_k the cumulative share of all
    activities (E_j / E) and Y_k the cumulative share of the industry
    (E_ij / E_i). With A the area under that curve (trapezoid rule),

    .. math::

        A = \\sum_k (X_k - X_{k-1}) (Y_k + Y_{k-1}) / 2, \\quad
        GL^{krugman}_i = A - 1/2, \\quad GL_i = 2 (A - 1/2).

    The Krugman scale (Krugman 1991; Audretsch & Feldman 1996; R EconGeo
    ``locational.Gini``) is at most 1/2; the ``"gini"`` scale doubles it so it
    approaches 1, the scale of the Brazilian studies. 0 means the industry is
    spread like all activities. This is *not* the unweighted Gini of location
    quotients (see :func:`gini_of_quotients`).

    Ties in QL are broken by a stable sort (regions keep their order in ``E``).
    The order of tied regions does not change the value: tied regions have the
    same slope, so their segments of the curve are collinear. Regions with
    E_j = 0 (undefined QL) are placed last and contribute nothing.

    Parameters
    ----------
    E
        Size matrix, regions x industries.
    scale
        ``"gini"`` (0 to 1, Series named ``"gl"``) or ``"krugman"`` (0 to 1/2,
        named ``"gl_krugman"``).
    region_total
        E_j (all activities in scope); defaults to the row sums of ``E``.

    Returns
    -------
    pandas.Series
        Indexed by industry; NaN for industries with E_i = 0.

    Examples
    --------
    Krugman-scale oracle from R EconGeo's documentation:

    >>> E = pd.DataFrame(
    ...     [[100, 0, 0, 0, 0], [0, 15, 5, 70, 10], [0, 20, 10, 20, 50],
    ...      [0, 25, 30, 5, 40], [0, 40, 55, 5, 0]],
    ...     index=["R1", "R2", "R3", "R4", "R5"],
    ...     columns=["I1", "I2", "I3", "I4", "I5"])
    >>> locational_gini(E, scale="krugman").round(4).tolist()
    [0.4, 0.18, 0.27, 0.31, 0.28]
    >>> locational_gini(E).round(4).tolist()
    [0.8, 0.36, 0.54, 0.62, 0.56]
    """
    if scale not in _GINI_SCALES:
        raise ConfigError(
            f"unknown locational Gini scale {scale!r}; valid scales: "
            f"{', '.join(_GINI_SCALES)}"
        )
    transform, name = _GINI_SCALES[scale]
    E, x, e_j, e_i, total = matrix_parts(E, region_total)
    area = _gini_area(x, e_j, e_i, total)
    return pd.Series(transform(area), index=E.columns.copy(), name=name)


def _gini_area(x: np.ndarray, e_j: np.ndarray, e_i: np.ndarray, total: float):
    """Area under the locational concentration curve, per industry (column)."""
    pop = safe_div(e_j, total) if total > 0 else np.full_like(e_j, np.nan)
    share = safe_div(x, e_i[None, :])  # Y increments, (n, m)
    # QL up to the constant factor E / E_i of each column: s_ij / x_j.
    key = safe_div(share, pop[:, None])
    # Descending, stable, NaN last: argsort of -key with NaN replaced by +inf.
    key = np.where(np.isnan(key), np.inf, -key)
    order = np.argsort(key, axis=0, kind="stable")
    dy = np.take_along_axis(share, order, axis=0)
    dx = np.where(np.isnan(pop), 0.0, pop)[order]
    y = np.cumsum(dy, axis=0)
    y_prev = y - dy
    area = (dx * (y + y_prev)).sum(axis=0) / 2.0
    return np.where(e_i > 0, area, np.nan)


def gini_of_quotients(ql: pd.Series | pd.DataFrame) -> float | pd.Series:
    """Unweighted Gini coefficient of location quotients.

    .. math::

        G_i = \\frac{2}{n^2 \\bar{C}} \\sum_{\\lambda=1}^{n}
              \\lambda (C_{(\\lambda)} - \\bar{C})

    with C_(lambda) the QLs of industry *i* sorted ascending over the n regions
    (NaN dropped). This is R REAT's ``gini.conc`` (Wieland), which treats every
    region alike whatever its size; it differs from the employment-weighted
    :func:`locational_gini` (Krugman 1991) and is given for comparison.

    Parameters
    ----------
    ql
        Location quotients of one industry (Series over regions) or of many
        (DataFrame regions x industries, as from
        :func:`~lps_geo.stats.indicators.location_quotient`).

    Returns
    -------
    float or pandas.Series
        A float for a Series input, a Series indexed by industry (named
        ``"gini_ql"``) for a DataFrame.

    Examples
    --------
    >>> from lps_geo.stats.indicators import location_quotient
    >>> E = pd.DataFrame({"i": [500, 500, 1000, 7000, 1000]})
    >>> ql = location_quotient(
    ...     E, region_total=pd.Series([20000, 15000, 20000, 40000, 5000]))
    >>> round(gini_of_quotients(ql["i"]), 7)
    0.4068966
    """
    if isinstance(ql, pd.DataFrame):
        values = {c: _gini_unweighted(ql[c].to_numpy(dtype=float)) for c in ql}
        return pd.Series(values, index=ql.columns.copy(), name="gini_ql", dtype=float)
    if isinstance(ql, pd.Series):
        return _gini_unweighted(ql.to_numpy(dtype=float))
    raise InputError(
        f"ql must be a pandas Series or DataFrame of location quotients, got "
        f"{type(ql).__name__}"
    )


def _gini_unweighted(c: np.ndarray) -> float:
    c = np.sort(c[~np.isnan(c)])
    n = c.size
    if n == 0:
        return float("nan")
    mean = c.mean()
    if mean == 0:
        return float("nan")
    lam = np.arange(1, n + 1)
    return float(2.0 / (n * n * mean) * np.sum(lam * (c - mean)))


def hoover(E: pd.DataFrame, region_total: pd.Series | None = None) -> pd.Series:
    """Hoover (1936) coefficient of localisation of every industry.

    .. math:: H_i = \\frac{1}{2} \\sum_j \\left| \\frac{E_{ij}}{E_i}
              - \\frac{E_j}{E} \\right|

    Half the L1 distance between the industry's regional distribution and that
    of all activities (half the sum of absolute HHm); 0 when the industry is
    spread like all activities, near 1 when it sits in one small region.

    Parameters
    ----------
    E
        Size matrix, regions x industries.
    region_total
        E_j (all activities in scope); defaults to the row sums of ``E``.

    Returns
    -------
    pandas.Series
        Indexed by industry, named ``"hoover"``; NaN for industries with
        E_i = 0.

    Examples
    --------
    >>> E = pd.DataFrame({"a": [10.0, 30.0], "b": [40.0, 20.0]},
    ...                  index=pd.Index(["r1", "r2"], name="region"))
    >>> hoover(E).round(4).tolist()
    [0.25, 0.1667]
    """
    h = hhm(E, region_total)
    out = 0.5 * np.abs(h.to_numpy()).sum(axis=0)
    out = np.where(h.isna().to_numpy().all(axis=0), np.nan, out)
    return pd.Series(out, index=h.columns.copy(), name="hoover")


def krugman_specialisation(
    E: pd.DataFrame, region_total: pd.Series | None = None
) -> pd.Series:
    """Krugman (1991) specialisation index of every region.

    .. math:: K_j = \\sum_i \\left| \\frac{E_{ij}}{E_j} - \\frac{E_i}{E}
              \\right|

    The L1 distance between the region's industry mix and the reference area's;
    0 for a region that mirrors the reference area, up to 2 for one whose
    industries are absent elsewhere. When ``E`` holds a subset of industries
    and ``region_total`` the totals of all activities, the sum runs over the
    industries of ``E`` only.

    Parameters
    ----------
    E
        Size matrix, regions x industries.
    region_total
        E_j (all activities in scope); defaults to the row sums of ``E``.

    Returns
    -------
    pandas.Series
        Indexed by region, named ``"krugman_specialisation"``; NaN for regions
        with E_j = 0.

    Examples
    --------
    >>> E = pd.DataFrame({"a": [10.0, 30.0], "b": [40.0, 20.0]},
    ...                  index=pd.Index(["r1", "r2"], name="region"))
    >>> krugman_specialisation(E).round(4).tolist()
    [0.4, 0.4]
    """
    E, x, e_j, e_i, total = matrix_parts(E, region_total)
    s_ij = safe_div(x, e_j[:, None])
    s_i = safe_div(e_i, total)
    k = np.abs(s_ij - s_i[None, :]).sum(axis=1)
    k = np.where(e_j > 0, k, np.nan)
    return pd.Series(k, index=E.index.copy(), name="krugman_specialisation")


# --------------------------------------------------------------------------
# Ellison & Glaeser (1997)
# --------------------------------------------------------------------------


def plant_herfindahl(sizes: pd.Series, industry: pd.Series) -> pd.Series:
    """Plant Herfindahl index H of every industry from plant-level records.

    .. math:: H_i = \\sum_{k \\in i} z_k^2, \\quad z_k = \\frac{e_k}{\\sum_{l
              \\in i} e_l}

    with e_k the size (employment) of plant k (Ellison & Glaeser 1997). From
    RAIS establishment records: one row per establishment.

    Parameters
    ----------
    sizes
        Size of each plant (non-negative, no NaN).
    industry
        Industry code of each plant, aligned on the same index as ``sizes``.

    Returns
    -------
    pandas.Series
        Indexed by industry (index name ``"industry"``), named
        ``"plant_herfindahl"``; NaN for industries whose plants all have size 0.

    Examples
    --------
    >>> sizes = pd.Series([50.0, 30.0, 20.0, 10.0])
    >>> industry = pd.Series(["a", "a", "a", "b"])
    >>> plant_herfindahl(sizes, industry).round(4).tolist()
    [0.38, 1.0]
    """
    for name, obj in (("sizes", sizes), ("industry", industry)):
        if not isinstance(obj, pd.Series):
            raise InputError(
                f"{name} must be a pandas Series (one row per plant), got "
                f"{type(obj).__name__}"
            )
    if len(sizes) != len(industry) or not sizes.index.equals(industry.index):
        raise InputError(
            "sizes and industry must share the same index (one row per plant); "
            f"got {len(sizes)} sizes and {len(industry)} industry codes"
        )
    if not pd.api.types.is_numeric_dtype(sizes.dtype):
        raise InputError(
            f"sizes is not numeric (dtype {sizes.dtype}); convert it with "
            "pandas.to_numeric"
        )
    z = sizes.astype(float)
    bad = z.isna() | (z < 0) | industry.isna()
    if bad.any():
        raise InputError(
            "plant records with missing or negative size or missing industry at "
            f"rows {format_codes(z.index[bad.to_numpy()])}; drop or fix them"
        )
    key = industry.to_numpy()
    total = z.groupby(key).transform("sum")
    share = pd.Series(safe_div(z.to_numpy(), total.to_numpy()), index=z.index)
    h = (share**2).groupby(key).sum(min_count=1)
    h.index = pd.Index(h.index, name="industry")
    return h.rename("plant_herfindahl")


def _ellison_glaeser(
    E, plant_herfindahl, establishments, region_total, stacklevel: int
) -> pd.DataFrame:
    E, x, e_j, e_i, total = matrix_parts(E, region_total)
    s_ij = safe_div(x, e_i[None, :])
    x_j = e_j / total if total > 0 else np.full_like(e_j, np.nan)
    g = ((s_ij - x_j[:, None]) ** 2).sum(axis=0)
    g = np.where(e_i > 0, g, np.nan)
    sum_x2 = float(np.sum(x_j**2))

    m = E.shape[1]
    h = np.full(m, np.nan)
    approx = np.zeros(m, dtype=bool)
    if plant_herfindahl is not None:
        if not isinstance(plant_herfindahl, pd.Series):
            raise InputError(
                "plant_herfindahl must be a pandas Series indexed by industry "
                f"code, got {type(plant_herfindahl).__name__}"
            )
        ph = plant_herfindahl.reindex(E.columns).astype(float).to_numpy()
        bad = (ph < 0) | (ph > 1)
        if bad.any():
            raise InputError(
                "plant_herfindahl must lie in [0, 1]; out of range for industries "
                f"{format_codes(repr(str(c)) for c in E.columns[bad])}"
            )
        h = ph.copy()
    if establishments is not None:
        est = validate_matrix(establishments, "establishments")
        missing = E.columns.difference(est.columns, sort=False)
        if len(missing):
            raise InputError(
                f"establishments lacks industries "
                f"{format_codes(repr(str(c)) for c in missing)} of E; pass counts "
                "for every industry of E"
            )
        n_i = est.reindex(columns=E.columns).sum(axis=0).to_numpy()
        need = np.isnan(h)
        h_approx = safe_div(1.0, n_i)
        approx = need & ~np.isnan(h_approx)
        h = np.where(need, h_approx, h)
        if approx.any():
            warnings.warn(
                f"Ellison-Glaeser gamma for {int(approx.sum())} industries uses "
                "the equal-plant-size bound H = 1/N (N = establishments of the "
                "industry) instead of the plant Herfindahl; pass plant_herfindahl "
                "computed from establishment sizes for the exact statistic",
                ApproximationWarning,
                stacklevel=stacklevel + 1,
            )
    elif plant_herfindahl is None:
        logger.info(
            "ellison_glaeser: no plant_herfindahl nor establishments; gamma is NaN"
        )
    missing_h = np.isnan(h) & (e_i > 0)
    if plant_herfindahl is not None and establishments is None and missing_h.any():
        logger.warning(
            "plant_herfindahl lacks industries %s; their gamma is NaN",
            format_codes(E.columns[missing_h]),
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = (1.0 - sum_x2) * (1.0 - h)
        gamma = (g - (1.0 - sum_x2) * h) / denom
    gamma = np.where(np.isfinite(gamma), gamma, np.nan)
    return pd.DataFrame(
        {"eg_gamma": gamma, "eg_G": g, "eg_H": h, "eg_approximated": approx},
        index=E.columns.copy(),
    )


def ellison_glaeser(
    E: pd.DataFrame,
    plant_herfindahl: pd.Series | None = None,
    establishments: pd.DataFrame | None = None,
    region_total: pd.Series | None = None,
) -> pd.DataFrame:
    """Ellison & Glaeser (1997) agglomeration index gamma of every industry.

    .. math::

        G_i = \\sum_j (s_{ij} - x_j)^2, \\quad
        \\gamma_i = \\frac{G_i - (1 - \\sum_j x_j^2) H_i}
                         {(1 - \\sum_j x_j^2)(1 - H_i)}

    with s_ij = E_ij / E_i, x_j = E_j / E and H_i the plant Herfindahl index of
    the industry. Gamma near 0 is what random location of the industry's plants
    would give; larger values mean agglomeration beyond the industry's own
    plant concentration.

    H_i is taken from ``plant_herfindahl`` when given (exact). For industries it
    does not cover, and when only ``establishments`` counts are given, H_i is
    approximated by the equal-plant-size lower bound 1 / N_i (N_i the industry's
    establishments over the reference area): such rows have
    ``eg_approximated`` True and an :class:`~lps_geo.errors.ApproximationWarning`
    is issued once. With neither input gamma is NaN (G is still returned).

    Parameters
    ----------
    E
        Size matrix, regions x industries.
    plant_herfindahl
        True H per industry (Series indexed by industry code), e.g. from
        :func:`plant_herfindahl`.
    establishments
        Establishment counts, regions x industries, covering E's industries.
    region_total
        E_j (all activities in scope); defaults to the row sums of ``E``.

    Returns
    -------
    pandas.DataFrame
        Indexed by industry with columns ``eg_gamma``, ``eg_G``, ``eg_H``,
        ``eg_approximated``.

    Examples
    --------
    >>> E = pd.DataFrame({"a": [80.0, 10.0, 10.0]}, index=["r1", "r2", "r3"])
    >>> total = pd.Series({"r1": 500.0, "r2": 300.0, "r3": 200.0})
    >>> eg = ellison_glaeser(E, plant_herfindahl=pd.Series({"a": 0.1}),
    ...                      region_total=total)
    >>> round(float(eg.loc["a", "eg_gamma"]), 6)
    0.139785
    """
    return _ellison_glaeser(
        E, plant_herfindahl, establishments, region_total, stacklevel=2
    )


# --------------------------------------------------------------------------
# the per-industry table for the pipeline
# --------------------------------------------------------------------------


def industry_table(
    E: pd.DataFrame,
    establishments: pd.DataFrame | None = None,
    region_total: pd.Series | None = None,
    *,
    plant_herfindahl: pd.Series | None = None,
) -> pd.DataFrame:
    """Per-industry concentration indicators.

    Columns: ``size`` (E_i), ``establishments`` (N_i, only when given),
    ``gl`` and ``gl_krugman`` (:func:`locational_gini`; Krugman 1991,
    Audretsch & Feldman 1996), ``hoover`` (:func:`hoover`; Hoover 1936),
    ``eg_gamma``, ``eg_H`` and ``eg_approximated`` (:func:`ellison_glaeser`;
    Ellison & Glaeser 1997).

    Parameters
    ----------
    E
        Size matrix, regions x industries.
    establishments
        Establishment counts, regions x industries (used for N_i and, where
        ``plant_herfindahl`` is missing, the approximate H = 1/N_i).
    region_total
        E_j (all activities in scope); defaults to the row sums of ``E``.
    plant_herfindahl
        True plant Herfindahl per industry, see :func:`plant_herfindahl`.

    Returns
    -------
    pandas.DataFrame
        Indexed by industry (index name ``"industry"``).

    Examples
    --------
    >>> E = pd.DataFrame({"a": [10.0, 30.0], "b": [40.0, 20.0]},
    ...                  index=pd.Index(["r1", "r2"], name="region"))
    >>> industry_table(E)[["size", "gl", "hoover"]].round(4)
              size      gl  hoover
    industry
    a         40.0  0.2500  0.2500
    b         60.0  0.1667  0.1667
    """
    E = validate_matrix(E)
    total = region_totals(E, region_total)
    out = pd.DataFrame({"size": E.sum(axis=0)})
    eg = _ellison_glaeser(E, plant_herfindahl, establishments, total, stacklevel=2)
    if establishments is not None:
        est = validate_matrix(establishments, "establishments")
        out["establishments"] = est.reindex(columns=E.columns).sum(axis=0)
    x, e_j, e_i = E.to_numpy(), total.to_numpy(), E.sum(axis=0).to_numpy()
    area = _gini_area(x, e_j, e_i, float(e_j.sum()))
    out["gl"] = _GINI_SCALES["gini"][0](area)
    out["gl_krugman"] = _GINI_SCALES["krugman"][0](area)
    out["hoover"] = hoover(E, total)
    out["eg_gamma"] = eg["eg_gamma"]
    out["eg_H"] = eg["eg_H"]
    out["eg_approximated"] = eg["eg_approximated"]
    out.index = pd.Index(E.columns, name="industry")
    return out
