"""Agglomeration indicators computed from a region x industry size matrix.

Every function takes the size matrix ``E`` (a DataFrame indexed by region code,
index name ``"region"``, with one column per industry code, column name
``"industry"``; employment or establishment counts, non-negative, no missing
values) and returns pandas objects indexed by the same codes.

Notation (region *j*, industry *i*):

``E_ij``
    size of industry *i* in region *j* (a cell of ``E``);
``E_i``
    size of industry *i* over the reference area (the column sum of ``E``);
``E_j``
    size of **all activities in scope** in region *j*. By default the row sum
    of ``E``; when ``E`` holds only part of the industries (for example a
    handful of footwear classes) pass the true region totals as
    ``region_total`` (all activities, or manufacturing only: the choice of
    denominator is the user's, the sources do not settle it);
``E``
    the reference-area total, ``sum_j E_j`` over the regions of ``E``.

The reference area is the set of regions in ``E``: regions present in
``region_total`` but absent from ``E`` are ignored.

Indicators follow the method notes of the project (``METHOD.md`` section 2)
and Suzigan, Furtado & Garcia (2006): location quotient, industry and region
shares, the locational Gini of Krugman (1991) / Audretsch & Feldman (1996),
the HHm, PR and ICN indices of Crocco et al. (2006), the Ellison & Glaeser
(1997) gamma, Krugman's (1991) specialisation index and the Hoover (1936)
coefficient of localisation.
"""

from __future__ import annotations

import logging
import warnings
from typing import Literal

import numpy as np
import pandas as pd

from lps_geo.errors import ApproximationWarning, ConfigError, InputError

logger = logging.getLogger(__name__)

__all__ = [
    "location_quotient",
    "share_of_industry",
    "share_of_region",
    "participation_ratio",
    "locational_gini",
    "gini_of_quotients",
    "hhm",
    "icn",
    "icn_weights",
    "krugman_specialisation",
    "hoover",
    "ellison_glaeser",
    "plant_herfindahl",
    "indicator_table",
    "industry_table",
]

GiniScale = Literal["gini", "krugman"]

#: Locational Gini scales: name -> (transform of the area A under the curve,
#: name of the returned Series).
_GINI_SCALES: dict[str, tuple] = {
    "gini": (lambda area: 2.0 * (area - 0.5), "gl"),
    "krugman": (lambda area: area - 0.5, "gl_krugman"),
}

_MAX_CODES = 5


# --------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------


def _fmt_codes(codes, limit: int = _MAX_CODES) -> str:
    codes = list(codes)
    shown = ", ".join(str(c) for c in codes[:limit])
    if len(codes) > limit:
        shown += f", ... ({len(codes)} in total)"
    return shown


def _cells_message(bad: pd.DataFrame, name: str, what: str, fix: str) -> str:
    """Describe the cells flagged in the boolean frame ``bad``."""
    industries = bad.columns[bad.to_numpy().any(axis=0)]
    first = industries[0]
    regions = bad.index[bad[first].to_numpy()]
    msg = (
        f"{what} in {name} for industry {str(first)!r} at regions {_fmt_codes(regions)}"
    )
    if len(industries) > 1:
        msg += (
            f" ({int(bad.to_numpy().sum())} cells in {len(industries)} industries: "
            f"{_fmt_codes(repr(str(c)) for c in industries)})"
        )
    return f"{msg}; {fix}"


def _validate_matrix(E, name: str = "E") -> pd.DataFrame:
    """Check a region x industry matrix and return it as a float DataFrame."""
    if not isinstance(E, pd.DataFrame):
        raise InputError(
            f"{name} must be a pandas DataFrame (regions as index, industries as "
            f"columns), got {type(E).__name__}"
        )
    if E.shape[0] == 0 or E.shape[1] == 0:
        raise InputError(
            f"{name} is empty ({E.shape[0]} regions x {E.shape[1]} industries); "
            "pass at least one region and one industry"
        )
    for axis, label in ((E.index, "region"), (E.columns, "industry")):
        if axis.has_duplicates:
            dup = axis[axis.duplicated()].unique()
            raise InputError(
                f"{name} has duplicated {label} codes {_fmt_codes(dup)}; "
                f"aggregate the rows/columns so each {label} appears once"
            )
    non_numeric = [
        c for c in E.columns if not pd.api.types.is_numeric_dtype(E[c].dtype)
    ]
    if non_numeric:
        raise InputError(
            f"{name} has non-numeric values for industries "
            f"{_fmt_codes(repr(str(c)) for c in non_numeric)} (dtype "
            f"{E[non_numeric[0]].dtype}); convert the sizes to numbers "
            "(e.g. with pandas.to_numeric) before computing indicators"
        )
    out = E.astype(float)
    values = out.to_numpy()
    if np.isnan(values).any():
        raise InputError(
            _cells_message(
                out.isna(),
                name,
                "missing (NaN) values",
                "fill cells of industries absent from a region with 0",
            )
        )
    if np.isinf(values).any():
        bad = pd.DataFrame(np.isinf(values), index=out.index, columns=out.columns)
        raise InputError(
            _cells_message(bad, name, "infinite values", "sizes must be finite")
        )
    if (values < 0).any():
        bad = pd.DataFrame(values < 0, index=out.index, columns=out.columns)
        raise InputError(
            _cells_message(
                bad,
                name,
                "negative values",
                "sizes (employment or establishments) must be >= 0",
            )
        )
    return out


def _region_totals(E: pd.DataFrame, region_total) -> pd.Series:
    """E_j aligned on the regions of ``E`` (validated; row sums by default)."""
    rowsum = E.sum(axis=1)
    if region_total is None:
        return rowsum.rename("region_total")
    if not isinstance(region_total, pd.Series):
        raise InputError(
            "region_total must be a pandas Series indexed by region code, got "
            f"{type(region_total).__name__}"
        )
    if region_total.index.has_duplicates:
        dup = region_total.index[region_total.index.duplicated()].unique()
        raise InputError(
            f"region_total has duplicated region codes {_fmt_codes(dup)}; "
            "give one total per region"
        )
    missing = E.index.difference(region_total.index, sort=False)
    if len(missing):
        raise InputError(
            f"region_total lacks regions {_fmt_codes(missing)} of E; pass the "
            "total of all activities for every region of E, indexed by the same "
            "region codes (same dtype, e.g. str)"
        )
    if not pd.api.types.is_numeric_dtype(region_total.dtype):
        raise InputError(
            f"region_total is not numeric (dtype {region_total.dtype}); convert "
            "it with pandas.to_numeric"
        )
    extra = len(region_total) - len(E.index)
    if extra:
        logger.info(
            "region_total has %d regions absent from E; they are outside the "
            "reference area and ignored",
            extra,
        )
    total = region_total.reindex(E.index).astype(float)
    nan = total.index[total.isna().to_numpy()]
    if len(nan):
        raise InputError(
            f"region_total is missing (NaN) for regions {_fmt_codes(nan)}; give "
            "a total for every region of E"
        )
    short = total.to_numpy() < rowsum.to_numpy() * (1 - 1e-9) - 1e-9
    if short.any():
        codes = total.index[short]
        first = codes[0]
        raise InputError(
            f"region_total is smaller than the sum of E's industries for regions "
            f"{_fmt_codes(codes)} (e.g. region {first}: total "
            f"{total[first]:g} < {rowsum[first]:g}); region_total must hold all "
            "activities in scope, a superset of E's industries"
        )
    return total.rename("region_total")


def _div(num, den):
    """num / den with NaN where den == 0 (no warnings)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den == 0, np.nan, num / np.where(den == 0, 1.0, den))


def _frame(values: np.ndarray, E: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(values, index=E.index.copy(), columns=E.columns.copy())


def _parts(E, region_total):
    """Validated matrix, E_j, E_i and the reference total as numpy arrays."""
    E = _validate_matrix(E)
    e_j = _region_totals(E, region_total).to_numpy()
    e_i = E.sum(axis=0).to_numpy()
    return E, E.to_numpy(), e_j, e_i, float(e_j.sum())


# --------------------------------------------------------------------------
# shares and quotients
# --------------------------------------------------------------------------


def location_quotient(
    E: pd.DataFrame, region_total: pd.Series | None = None
) -> pd.DataFrame:
    """Location quotient of every (region, industry) pair.

    .. math:: QL_{ij} = \\frac{E_{ij} / E_j}{E_i / E}

    The share of the industry in the region's activities over the share of the
    industry in the reference area (Suzigan, Furtado & Garcia 2006; Crocco et
    al. 2006). QL > 1 means the region is more specialised in the industry than
    the reference area.

    Parameters
    ----------
    E
        Size matrix, regions x industries (non-negative, no NaN).
    region_total
        E_j, the size of all activities in scope per region; defaults to the
        row sums of ``E``. Must cover every region of ``E`` and be at least the
        row sum.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``E``. NaN for regions with E_j = 0 and industries with
        E_i = 0.

    Examples
    --------
    >>> E = pd.DataFrame({"a": [10.0, 30.0], "b": [40.0, 20.0]},
    ...                  index=pd.Index(["r1", "r2"], name="region"))
    >>> location_quotient(E).round(4)
            a       b
    region
    r1      0.5  1.3333
    r2      1.5  0.6667
    """
    E, x, e_j, e_i, total = _parts(E, region_total)
    with np.errstate(divide="ignore", invalid="ignore"):
        ql = _div(x, e_j[:, None]) / _div(e_i, total)[None, :]
    ql = np.where(np.isfinite(ql), ql, np.nan)
    return _frame(ql, E)


def share_of_industry(E: pd.DataFrame) -> pd.DataFrame:
    """Share of each region in the industry's size (%SETOR, as a fraction).

    .. math:: E_{ij} / E_i

    "Importance of the local system for the industry" in Suzigan, Furtado &
    Garcia (2006); the same quantity is Crocco et al.'s (2006) participation
    ratio PR. Columns sum to 1.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``E``; NaN for industries with E_i = 0.

    Examples
    --------
    >>> E = pd.DataFrame({"a": [10.0, 30.0], "b": [40.0, 20.0]},
    ...                  index=pd.Index(["r1", "r2"], name="region"))
    >>> share_of_industry(E).round(4)
               a       b
    region
    r1      0.25  0.6667
    r2      0.75  0.3333
    """
    E = _validate_matrix(E)
    x = E.to_numpy()
    return _frame(_div(x, x.sum(axis=0)[None, :]), E)


def participation_ratio(E: pd.DataFrame) -> pd.DataFrame:
    """Participation ratio PR of Crocco et al. (2006).

    .. math:: PR_{ij} = E_{ij} / E_i

    Identical to :func:`share_of_industry`; kept under Crocco et al.'s name
    because the ICN combines it with QL and HHm.

    Examples
    --------
    >>> E = pd.DataFrame({"a": [10.0, 30.0]},
    ...                  index=pd.Index(["r1", "r2"], name="region"))
    >>> participation_ratio(E)["a"].tolist()
    [0.25, 0.75]
    """
    return share_of_industry(E)


def share_of_region(
    E: pd.DataFrame, region_total: pd.Series | None = None
) -> pd.DataFrame:
    """Share of the industry in the region's activities.

    .. math:: E_{ij} / E_j

    "Importance of the industry for the region" expressed as a share
    (Suzigan, Furtado & Garcia 2006).

    Parameters
    ----------
    E
        Size matrix, regions x industries.
    region_total
        E_j (all activities in scope); defaults to the row sums of ``E``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``E``; NaN for regions with E_j = 0.

    Examples
    --------
    >>> E = pd.DataFrame({"a": [10.0, 30.0], "b": [40.0, 20.0]},
    ...                  index=pd.Index(["r1", "r2"], name="region"))
    >>> share_of_region(E, region_total=pd.Series({"r1": 100.0, "r2": 50.0}))
              a    b
    region
    r1      0.1  0.4
    r2      0.6  0.4
    """
    E, x, e_j, _, _ = _parts(E, region_total)
    return _frame(_div(x, e_j[:, None]), E)


def hhm(E: pd.DataFrame, region_total: pd.Series | None = None) -> pd.DataFrame:
    """Modified Hirschman-Herfindahl index HHm of Crocco et al. (2006).

    .. math:: HHm_{ij} = \\frac{E_{ij}}{E_i} - \\frac{E_j}{E}

    The region's share of the industry minus its share of all activities; in
    [-1, 1], positive where the industry is over-represented. For every
    industry the values sum to 0 over the regions.

    Parameters
    ----------
    E
        Size matrix, regions x industries.
    region_total
        E_j (all activities in scope); defaults to the row sums of ``E``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``E``; NaN for industries with E_i = 0.

    Examples
    --------
    >>> E = pd.DataFrame({"a": [10.0, 30.0], "b": [40.0, 20.0]},
    ...                  index=pd.Index(["r1", "r2"], name="region"))
    >>> hhm(E).round(4)
               a       b
    region
    r1     -0.25  0.1667
    r2      0.25 -0.1667
    """
    E, x, e_j, e_i, total = _parts(E, region_total)
    pr = _div(x, e_i[None, :])
    return _frame(pr - (e_j / total)[:, None], E)


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
    E, x, e_j, e_i, total = _parts(E, region_total)
    area = _gini_area(x, e_j, e_i, total)
    return pd.Series(transform(area), index=E.columns.copy(), name=name)


def _gini_area(x: np.ndarray, e_j: np.ndarray, e_i: np.ndarray, total: float):
    """Area under the locational concentration curve, per industry (column)."""
    pop = _div(e_j, total) if total > 0 else np.full_like(e_j, np.nan)
    share = _div(x, e_i[None, :])  # Y increments, (n, m)
    # QL up to the constant factor E / E_i of each column: s_ij / x_j.
    key = _div(share, pop[:, None])
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
        (DataFrame regions x industries, as from :func:`location_quotient`).

    Returns
    -------
    float or pandas.Series
        A float for a Series input, a Series indexed by industry (named
        ``"gini_ql"``) for a DataFrame.

    Examples
    --------
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
    E, x, e_j, e_i, total = _parts(E, region_total)
    s_ij = _div(x, e_j[:, None])
    s_i = _div(e_i, total)
    k = np.abs(s_ij - s_i[None, :]).sum(axis=1)
    k = np.where(e_j > 0, k, np.nan)
    return pd.Series(k, index=E.index.copy(), name="krugman_specialisation")


# --------------------------------------------------------------------------
# Crocco et al. (2006): ICN
# --------------------------------------------------------------------------

_ICN_VARS = ("ql", "hhm", "pr")


def _icn_parts(E: pd.DataFrame, region_total):
    """Inputs, PCA weights and min-max normalised inputs of the ICN.

    Returns ``(E, keep, thetas, normalised)`` where ``keep`` flags the regions
    with E_j > 0, ``thetas`` is (m, 3) and ``normalised`` is (3, n_keep, m).
    """
    E, x, e_j, e_i, total = _parts(E, region_total)
    keep = e_j > 0
    xk, ejk = x[keep], e_j[keep]
    pr = _div(xk, e_i[None, :])
    pop = ejk / total if total > 0 else np.full_like(ejk, np.nan)
    ql = _div(pr, pop[:, None])
    hh = pr - pop[:, None]
    stack = np.stack([ql, hh, pr])  # (3, n, m)
    n = stack.shape[1]
    m = stack.shape[2]
    thetas = np.full((m, 3), np.nan)
    normalised = np.full_like(stack, np.nan)
    valid = (e_i > 0) & (n >= 2)
    if not valid.any():
        return E, keep, thetas, normalised

    s = stack[:, :, valid]
    mean = s.mean(axis=1, keepdims=True)
    std = s.std(axis=1, ddof=1, keepdims=True)
    # Relative tolerance so that float noise on a constant input counts as 0.
    scale = np.abs(s).max(axis=1, keepdims=True)
    const = std <= 1e-12 * np.where(scale > 0, scale, 1.0)
    z = np.where(const, 0.0, (s - mean) / np.where(const, 1.0, std))
    # correlation matrices, one per industry: (k, 3, 3)
    corr = np.einsum("vnk,wnk->kvw", z, z) / (n - 1)
    eigval, eigvec = np.linalg.eigh(corr)  # eigvec[k, v, c]
    eigval = np.clip(eigval, 0.0, None)
    tot = eigval.sum(axis=1, keepdims=True)
    var_share = _div(eigval, tot)  # (k, 3) per component
    absvec = np.abs(eigvec)
    beta = absvec / absvec.sum(axis=1, keepdims=True)  # share of v in component c
    th = np.einsum("kvc,kc->kv", beta, np.nan_to_num(var_share))
    th_sum = th.sum(axis=1, keepdims=True)
    # All three inputs constant: no information, fall back to equal weights.
    th = np.where(th_sum > 0, th / np.where(th_sum > 0, th_sum, 1.0), 1.0 / 3.0)
    thetas[valid] = th

    lo = s.min(axis=1, keepdims=True)
    hi = s.max(axis=1, keepdims=True)
    rng = hi - lo
    flat = rng <= 1e-12 * np.where(scale > 0, scale, 1.0)
    normalised[:, :, valid] = np.where(flat, 0.0, (s - lo) / np.where(flat, 1.0, rng))
    return E, keep, thetas, normalised


def icn_weights(E: pd.DataFrame, region_total: pd.Series | None = None) -> pd.DataFrame:
    """PCA weights theta of the ICN (Crocco et al. 2006) for every industry.

    For each industry a principal component analysis of the three standardised
    inputs (QL, HHm, PR) across the regions with E_j > 0 gives, for each
    component c, its share of the total variance and the loadings of the
    inputs. The weight of input v is

    .. math:: \\theta_v = \\sum_c \\frac{|a_{vc}|}{\\sum_{v'} |a_{v'c}|}
              \\cdot \\frac{\\lambda_c}{\\sum_{c'} \\lambda_{c'}}

    normalised to sum to 1. Scaling loadings by sqrt(lambda_c) cancels in the
    ratio, so eigenvectors of the correlation matrix are used. A constant input
    gets a standardised value of 0; when all three are constant the weights are
    1/3. With repeated eigenvalues the eigenvectors (and so the weights) are
    not unique: a known weakness of the method.

    Returns
    -------
    pandas.DataFrame
        Indexed by industry, columns ``theta_ql``, ``theta_hhm``,
        ``theta_pr``; NaN for industries with E_i = 0 or with fewer than two
        regions.

    Examples
    --------
    >>> E = pd.DataFrame({"a": [10.0, 30.0, 5.0], "b": [40.0, 20.0, 5.0]},
    ...                  index=pd.Index(["r1", "r2", "r3"], name="region"))
    >>> icn_weights(E).sum(axis=1).round(6).tolist()
    [1.0, 1.0]
    """
    E, _, thetas, _ = _icn_parts(E, region_total)
    return pd.DataFrame(
        thetas,
        index=E.columns.copy(),
        columns=[f"theta_{v}" for v in _ICN_VARS],
    )


def icn(E: pd.DataFrame, region_total: pd.Series | None = None) -> pd.DataFrame:
    """Normalised concentration index ICN of Crocco et al. (2006).

    .. math:: ICN_{ij} = \\theta_1 QLn_{ij} + \\theta_2 HHmn_{ij}
              + \\theta_3 PRn_{ij}

    with the weights theta of :func:`icn_weights` (a per-industry PCA of the
    three inputs) and QLn, HHmn, PRn the inputs rescaled **min-max to [0, 1]
    per industry across regions** (regions with E_j = 0 excluded; a constant
    input rescales to 0). How Crocco et al. normalised the inputs is
    unconfirmed in the sources: min-max is this package's documented choice,
    so ICN lies in [0, 1] and compares within an industry.

    Parameters
    ----------
    E
        Size matrix, regions x industries.
    region_total
        E_j (all activities in scope); defaults to the row sums of ``E``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``E``; NaN for regions with E_j = 0, industries with
        E_i = 0, or fewer than two regions.

    Examples
    --------
    >>> E = pd.DataFrame({"a": [10.0, 30.0, 5.0], "b": [40.0, 20.0, 5.0]},
    ...                  index=pd.Index(["r1", "r2", "r3"], name="region"))
    >>> out = icn(E)
    >>> bool(out.min().min() >= 0 and out.max().max() <= 1)
    True
    """
    E, keep, thetas, normalised = _icn_parts(E, region_total)
    # clip: float rounding of the weighted sum may step past 1 by ~1e-16
    values = np.clip(np.einsum("vnm,mv->nm", normalised, thetas), 0.0, 1.0)
    out = np.full(E.shape, np.nan)
    out[keep] = values
    return _frame(out, E)


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
            f"rows {_fmt_codes(z.index[bad.to_numpy()])}; drop or fix them"
        )
    key = industry.to_numpy()
    total = z.groupby(key).transform("sum")
    share = pd.Series(_div(z.to_numpy(), total.to_numpy()), index=z.index)
    h = (share**2).groupby(key).sum(min_count=1)
    h.index = pd.Index(h.index, name="industry")
    return h.rename("plant_herfindahl")


def _ellison_glaeser(
    E, plant_herfindahl, establishments, region_total, stacklevel: int
) -> pd.DataFrame:
    E, x, e_j, e_i, total = _parts(E, region_total)
    s_ij = _div(x, e_i[None, :])
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
                f"{_fmt_codes(repr(str(c)) for c in E.columns[bad])}"
            )
        h = ph.copy()
    if establishments is not None:
        est = _validate_matrix(establishments, "establishments")
        missing = E.columns.difference(est.columns, sort=False)
        if len(missing):
            raise InputError(
                f"establishments lacks industries "
                f"{_fmt_codes(repr(str(c)) for c in missing)} of E; pass counts "
                "for every industry of E"
            )
        n_i = est.reindex(columns=E.columns).sum(axis=0).to_numpy()
        need = np.isnan(h)
        h_approx = _div(1.0, n_i)
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
            _fmt_codes(E.columns[missing_h]),
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
# tables for the pipeline
# --------------------------------------------------------------------------


def indicator_table(
    E: pd.DataFrame,
    establishments: pd.DataFrame | None = None,
    region_total: pd.Series | None = None,
    *,
    drop_zero: bool = True,
) -> pd.DataFrame:
    """Long table of the per-(region, industry) indicators.

    Columns: ``region``, ``industry``, ``size`` (E_ij), ``establishments``
    (only when given), ``ql`` (:func:`location_quotient`), ``share_industry``
    (:func:`share_of_industry`), ``share_region`` (:func:`share_of_region`),
    ``hhm`` (:func:`hhm`) and ``icn`` (:func:`icn`), following Suzigan,
    Furtado & Garcia (2006) and Crocco et al. (2006).

    Parameters
    ----------
    E
        Size matrix, regions x industries.
    establishments
        Establishment counts, regions x industries; must cover the regions and
        industries of ``E``.
    region_total
        E_j (all activities in scope); defaults to the row sums of ``E``.
    drop_zero
        Keep only the cells with size > 0 or at least one establishment
        (default); ``False`` returns every (region, industry) pair.

    Returns
    -------
    pandas.DataFrame
        One row per (region, industry), sorted region-major in ``E``'s order,
        with a fresh RangeIndex.

    Examples
    --------
    >>> E = pd.DataFrame({"a": [10.0, 30.0], "b": [40.0, 0.0]},
    ...                  index=pd.Index(["r1", "r2"], name="region"),
    ...                  columns=pd.Index(["a", "b"], name="industry"))
    >>> t = indicator_table(E)
    >>> t[["region", "industry", "size", "ql"]].round(3)
      region industry  size   ql
    0     r1        a  10.0  0.4
    1     r1        b  40.0  1.6
    2     r2        a  30.0  2.0
    """
    E = _validate_matrix(E)
    total = _region_totals(E, region_total)
    est = None
    if establishments is not None:
        est = _validate_matrix(establishments, "establishments")
        for axis, label, codes in (
            (est.index, "regions", E.index),
            (est.columns, "industries", E.columns),
        ):
            missing = codes.difference(axis, sort=False)
            if len(missing):
                raise InputError(
                    f"establishments lacks {label} {_fmt_codes(missing)} of E; "
                    "pass counts for every region and industry of E"
                )
        est = est.reindex(index=E.index, columns=E.columns)
    columns = {
        "size": E,
        "establishments": est,
        "ql": location_quotient(E, total),
        "share_industry": share_of_industry(E),
        "share_region": share_of_region(E, total),
        "hhm": hhm(E, total),
        "icn": icn(E, total),
    }
    n, m = E.shape
    data = {
        "region": np.repeat(E.index.to_numpy(), m),
        "industry": np.tile(E.columns.to_numpy(), n),
    }
    for name, frame in columns.items():
        if frame is not None:
            data[name] = frame.to_numpy().ravel()
    out = pd.DataFrame(data)
    if drop_zero:
        mask = out["size"].to_numpy() > 0
        if est is not None:
            mask |= out["establishments"].to_numpy() > 0
        out = out.loc[mask].reset_index(drop=True)
    return out


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
    E = _validate_matrix(E)
    total = _region_totals(E, region_total)
    out = pd.DataFrame({"size": E.sum(axis=0)})
    eg = _ellison_glaeser(E, plant_herfindahl, establishments, total, stacklevel=2)
    if establishments is not None:
        est = _validate_matrix(establishments, "establishments")
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
