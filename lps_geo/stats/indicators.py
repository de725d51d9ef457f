"""Per-(region, industry) agglomeration indicators: QL, shares, HHm, PR and ICN.

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
``region_total`` but absent from ``E`` are ignored (validation in
:mod:`lps_geo.stats.matrix`).

Indicators follow the method notes of the project (``METHOD.md`` section 2)
and Suzigan, Furtado & Garcia (2006): location quotient, industry and region
shares, and the HHm, PR and ICN indices of Crocco et al. (2006), gathered in
the long :func:`indicator_table`. One value per industry (locational Gini,
Hoover, Ellison-Glaeser) or per region (Krugman's specialisation) is in
:mod:`lps_geo.stats.concentration`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lps_geo.errors import InputError
from lps_geo.stats.matrix import (
    format_codes,
    frame_like,
    matrix_parts,
    region_totals,
    safe_div,
    validate_matrix,
)

__all__ = [
    "location_quotient",
    "share_of_industry",
    "share_of_region",
    "participation_ratio",
    "hhm",
    "icn",
    "icn_weights",
    "indicator_table",
]


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
    E, x, e_j, e_i, total = matrix_parts(E, region_total)
    with np.errstate(divide="ignore", invalid="ignore"):
        ql = safe_div(x, e_j[:, None]) / safe_div(e_i, total)[None, :]
    ql = np.where(np.isfinite(ql), ql, np.nan)
    return frame_like(ql, E)


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
    E = validate_matrix(E)
    x = E.to_numpy()
    return frame_like(safe_div(x, x.sum(axis=0)[None, :]), E)


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
    E, x, e_j, _, _ = matrix_parts(E, region_total)
    return frame_like(safe_div(x, e_j[:, None]), E)


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
    E, x, e_j, e_i, total = matrix_parts(E, region_total)
    pr = safe_div(x, e_i[None, :])
    return frame_like(pr - (e_j / total)[:, None], E)


# --------------------------------------------------------------------------
# Crocco et al. (2006): ICN
# --------------------------------------------------------------------------

_ICN_VARS = ("ql", "hhm", "pr")


def _icn_parts(E: pd.DataFrame, region_total):
    """Inputs, PCA weights and min-max normalised inputs of the ICN.

    Returns ``(E, keep, thetas, normalised)`` where ``keep`` flags the regions
    with E_j > 0, ``thetas`` is (m, 3) and ``normalised`` is (3, n_keep, m).
    """
    E, x, e_j, e_i, total = matrix_parts(E, region_total)
    keep = e_j > 0
    xk, ejk = x[keep], e_j[keep]
    pr = safe_div(xk, e_i[None, :])
    pop = ejk / total if total > 0 else np.full_like(ejk, np.nan)
    ql = safe_div(pr, pop[:, None])
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
    var_share = safe_div(eigval, tot)  # (k, 3) per component
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
    return frame_like(out, E)


# --------------------------------------------------------------------------
# the long table for the pipeline
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
    E = validate_matrix(E)
    total = region_totals(E, region_total)
    est = None
    if establishments is not None:
        est = validate_matrix(establishments, "establishments")
        for axis, label, codes in (
            (est.index, "regions", E.index),
            (est.columns, "industries", E.columns),
        ):
            missing = codes.difference(axis, sort=False)
            if len(missing):
                raise InputError(
                    f"establishments lacks {label} {format_codes(missing)} of E; "
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
