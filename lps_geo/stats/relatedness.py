"""Industry relatedness from co-location: co-occurrence, correlation and density.

Two industries are *related* when they locate together more often than their
sizes predict. This module measures that from the region x industry size matrix
``E`` of a run (employment or establishments) and finds, per LPS, the related
industries present among its members. Two families, both behind
:func:`relatedness_matrix` and its registry :data:`RELATEDNESS_METHODS`:

Co-occurrence of specialisations
    Each region keeps the industries it is specialised in (binary RCA, QL >= 1);
    :func:`co_occurrence` counts the regions specialised in both industries of
    each pair. Hidalgo et al. (2007) turned such counts into the *proximity* of
    the product space; Balland's EconGeo normalises them after van Eck &
    Waltman (2009) (``"association"``, ``"prob"``, ``"cosine"``,
    ``"jaccard"``); :func:`cooccurrence_relatedness` reproduces EconGeo's
    ``relatedness()`` to the digit.
Locational correlation
    Delgado, Porter & Stern (2016) relate industries by the correlation across
    locations of their employment (or establishments);
    :func:`locational_correlation` correlates all pairs at once on the
    regional ``"share"`` of each industry, its ``"ql"`` or ``"log_ql"``
    (ln(1 + QL)).

City size: shares grow with the region, so any two ubiquitous industries
correlate by share because São Paulo holds much of everything (RAIS 2015
groups: furniture's top groups by share are metal structures, other
manufacturing, vehicle repair and food; wood products ranks about 40th). QL
divides size away: QL correlations and co-occurrences of QL >= 1 are
size-neutral.

The default, ``"association"`` (co-occurrences of QL >= 1 over their
expectation), is size-neutral, is not driven by the huge QL of tiny
municipalities (each specialisation counts once), and reads on a natural scale:
1 is what independent locations give. With it footwear's (15.3) top groups are
footwear parts, leather tanning and leather goods; furniture's include wood.

The diagonal of :func:`relatedness_matrix` is NaN for every method (thresholds
and rankings skip it); the EconGeo-compatible functions keep EconGeo's 0.

References
----------
Hidalgo, C.A., Klinger, B., Barabási, A.-L. & Hausmann, R. (2007) The product
space conditions the development of nations. Science 317: 482-487.

Balland, P.-A. (2017) Economic Geography in R: Introduction to the EconGeo
package. Papers in Evolutionary Economic Geography 17.09, Utrecht University.

van Eck, N.J. & Waltman, L. (2009) How to normalize cooccurrence data? JASIST
60(8): 1635-1651.

Delgado, M., Porter, M.E. & Stern, S. (2016) Defining clusters of related
industries. Journal of Economic Geography 16(1): 1-38.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import get_args

import numpy as np
import pandas as pd
from scipy import sparse

from lps_geo.errors import ConfigError, InputError
from lps_geo.stats.indicators import location_quotient
from lps_geo.stats.matrix import format_codes, matrix_parts, validate_matrix
from lps_geo.vocab import (
    CooccurrenceMethod,
    CorrelationVariable,
    RelatednessFamily,
    RelatednessMethod,
)

__all__ = [
    "CooccurrenceMethod",
    "CorrelationVariable",
    "RelatednessMethod",
    "DEFAULT_METHOD",
    "RELATEDNESS_METHODS",
    "RelatednessSpec",
    "binary_rca",
    "co_occurrence",
    "cooccurrence_relatedness",
    "proximity",
    "locational_correlation",
    "relatedness_matrix",
    "relatedness_density",
    "relatedness_pairs",
    "top_related",
]


#: The size-neutral default for LPS work (see the module docstring).
DEFAULT_METHOD: RelatednessMethod = "association"

#: Cost of one sparse multiply-add in dense BLAS operations: co-occurrences use
#: a sparse product when it is cheaper (RAIS 2015 groups, 12 % ones: sparse is
#: 4x faster; a uniform 19 % of 673 classes: dense is 3x faster).
_SPARSE_OP_COST = 30.0


# --------------------------------------------------------------------------
# building blocks (EconGeo-compatible)
# --------------------------------------------------------------------------


def binary_rca(
    E: pd.DataFrame, region_total: pd.Series | None = None, threshold: float = 1.0
) -> pd.DataFrame:
    """Binary revealed comparative advantage: 1 where QL >= ``threshold``.

    .. math:: M_{ri} = [QL_{ri} \\geq t]

    EconGeo's ``RCA(mat, binary = TRUE)`` (Balassa 1965) with t = 1; QL is
    :func:`lps_geo.stats.indicators.location_quotient`. Undefined QL (a region
    or an industry of size 0) counts as 0.

    Examples
    --------
    >>> E = pd.DataFrame({"a": [10.0, 30.0], "b": [40.0, 20.0]},
    ...                  index=pd.Index(["r1", "r2"], name="region"))
    >>> binary_rca(E)
            a  b
    region
    r1      0  1
    r2      1  0
    """
    if not (isinstance(threshold, (int, float)) and math.isfinite(threshold)):
        raise ConfigError(f"threshold must be a finite number, got {threshold!r}")
    ql = location_quotient(E, region_total)
    return (ql.fillna(0.0) >= threshold).astype(np.int64)


def _binary_values(M: pd.DataFrame, name: str = "M") -> np.ndarray:
    M = validate_matrix(M, name)
    x = M.to_numpy()
    if not ((x == 0.0) | (x == 1.0)).all():
        raise InputError(
            f"{name} must be binary (0/1: region specialised in the industry or "
            "not); build it with binary_rca(E)"
        )
    return x


def co_occurrence(M: pd.DataFrame, diagonal: bool = False) -> pd.DataFrame:
    """Number of regions specialised in both industries of every pair.

    .. math:: C_{ij} = \\sum_r M_{ri} M_{rj}

    EconGeo's ``co.occurrence(t(M))`` (EconGeo takes industries in rows; here
    ``M`` keeps the canonical regions x industries shape). The diagonal, the
    number of regions specialised in each industry, is 0 unless ``diagonal``.

    ``M`` is binary (e.g. :func:`binary_rca`); the result is an industry x
    industry DataFrame of counts (int).

    Examples
    --------
    >>> M = pd.DataFrame({"a": [1, 1, 0], "b": [1, 0, 1], "c": [1, 1, 1]},
    ...                  index=pd.Index(["r1", "r2", "r3"], name="region"))
    >>> co_occurrence(M)
    industry  a  b  c
    industry
    a         0  1  2
    b         1  0  2
    c         2  2  0
    """
    x = _binary_values(M)
    k = x.sum(axis=1)  # a sparse product costs about sum_r k_r^2 operations
    if _SPARSE_OP_COST * float(k @ k) < x.shape[0] * x.shape[1] ** 2:
        xs = sparse.csr_array(x)
        c = (xs.T @ xs).toarray()
    else:  # dense BLAS (exact for counts)
        c = x.T @ x
    c = np.rint(c).astype(np.int64)
    if not diagonal:
        np.fill_diagonal(c, 0)
    return _square(c, M.columns)


def _square(values: np.ndarray, codes: pd.Index) -> pd.DataFrame:
    """An industry x industry array as a DataFrame on both axes."""
    return pd.DataFrame(
        values,
        index=pd.Index(codes, name="industry"),
        columns=pd.Index(codes, name="industry"),
    )


def _normalise(c: np.ndarray, method: str) -> np.ndarray:
    """EconGeo's relatedness() on a co-occurrence array (diagonal ignored)."""
    c = c.astype(float).copy()
    np.fill_diagonal(c, 0.0)
    s = c.sum(axis=0)
    si, sj = s[None, :], s[:, None]
    t = c.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "association":
            out = (c / t) / ((si / t) * (sj / t))
        elif method == "prob":
            out = c / (
                ((si / t) * (sj / (t - si)) + (sj / t) * (si / (t - sj))) * (t / 2)
            )
        elif method == "cosine":
            out = c / np.sqrt(si * sj)
        else:  # jaccard
            out = c / (si + sj - c)
    out = np.where(np.isfinite(out), out, 0.0)
    np.fill_diagonal(out, 0.0)
    return out


def cooccurrence_relatedness(
    C: pd.DataFrame, method: CooccurrenceMethod = "prob"
) -> pd.DataFrame:
    """Normalise a co-occurrence matrix into relatedness, as EconGeo's ``relatedness``.

    With the diagonal set to 0, S_i the column sums of C and T the sum of all
    its cells (van Eck & Waltman 2009; Steijn 2017):

    - ``"association"``: :math:`C_{ij} T / (S_i S_j)` (1 = as many
      co-occurrences as independent locations give);
    - ``"prob"``: :math:`C_{ij} / [(\\frac{S_i}{T}\\frac{S_j}{T-S_i} +
      \\frac{S_j}{T}\\frac{S_i}{T-S_j})\\frac{T}{2}]`, the association strength
      with draws without repetition (EconGeo's default);
    - ``"cosine"``: :math:`C_{ij} / \\sqrt{S_i S_j}`;
    - ``"jaccard"``: :math:`C_{ij} / (S_i + S_j - C_{ij})`.

    Undefined cells (an industry with no co-occurrence) and the diagonal are 0,
    as in EconGeo. The name is case-insensitive ("Jaccard" works).

    Examples
    --------
    >>> C = _square(np.array([[0, 2, 1], [2, 0, 1], [1, 1, 0]]), pd.Index(list("abc")))
    >>> cooccurrence_relatedness(C, "association").round(4)
    industry       a       b       c
    industry
    a         0.0000  1.7778  1.3333
    b         1.7778  0.0000  1.3333
    c         1.3333  1.3333  0.0000
    """
    key = method.lower() if isinstance(method, str) else method
    if key not in get_args(CooccurrenceMethod):
        raise ConfigError(
            "method must be one of "
            f"{', '.join(map(repr, get_args(CooccurrenceMethod)))}, got {method!r}"
        )
    C = _validate_square(C, "C")
    return _square(_normalise(C.to_numpy(), key), C.index)


def _covering(R, columns: pd.Index, name: str, of: str) -> np.ndarray:
    """``R`` (a validated square relatedness matrix) on ``columns``, in their
    order; InputError when it lacks some of them."""
    R = _validate_square(R, name)
    missing = columns.difference(R.index, sort=False)
    if len(missing):
        raise InputError(
            f"{name} lacks industries {format_codes(missing)} of {of}; compute "
            "it with relatedness_matrix on the same industries"
        )
    return R.loc[columns, columns].to_numpy().copy()


def _validate_square(R, name: str) -> pd.DataFrame:
    if not isinstance(R, pd.DataFrame):
        raise InputError(
            f"{name} must be an industry x industry pandas DataFrame, got "
            f"{type(R).__name__}"
        )
    if R.shape[0] != R.shape[1] or not R.index.equals(R.columns):
        raise InputError(
            f"{name} must be square with the same industry codes, in the same "
            f"order, on index and columns (got {R.shape[0]} x {R.shape[1]}); "
            f"reindex it with {name}.loc[codes, codes]"
        )
    if not all(pd.api.types.is_numeric_dtype(d) for d in R.dtypes):
        raise InputError(f"{name} must hold numbers")
    return R.astype(float)


def proximity(M: pd.DataFrame) -> pd.DataFrame:
    """Hidalgo et al.'s (2007) proximity: the smaller conditional probability.

    .. math:: \\phi_{ij} = \\frac{C_{ij}}{\\max(N_i, N_j)}

    where N_i is the number of regions specialised in industry i; in [0, 1].
    0 for industries no region is specialised in; the diagonal is 0.

    Examples
    --------
    >>> M = pd.DataFrame({"a": [1, 1, 0], "b": [1, 0, 0], "c": [1, 1, 1]},
    ...                  index=pd.Index(["r1", "r2", "r3"], name="region"))
    >>> proximity(M).round(4)
    industry       a       b       c
    industry
    a         0.0000  0.5000  0.6667
    b         0.5000  0.0000  0.3333
    c         0.6667  0.3333  0.0000
    """
    c = co_occurrence(M, diagonal=True).to_numpy().astype(float)
    n = np.diag(c).copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out = c / np.maximum(n[:, None], n[None, :])
    out = np.where(np.isfinite(out), out, 0.0)
    np.fill_diagonal(out, 0.0)
    return _square(out, M.columns)


# --------------------------------------------------------------------------
# locational correlation (Delgado, Porter & Stern 2016)
# --------------------------------------------------------------------------


def _variable(
    E: pd.DataFrame, variable: str, region_total: pd.Series | None
) -> np.ndarray:
    """The (regions with E_j > 0) x industries array the correlation uses."""
    E, x, e_j, e_i, total = matrix_parts(E, region_total)
    keep = e_j > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        if variable == "share":
            v = x / e_i[None, :]
        else:
            v = (x / e_j[:, None]) / (e_i / total)[None, :]
            if variable == "log_ql":
                v = np.log1p(v)
    v = v[keep]
    v[:, e_i == 0] = np.nan  # undefined industry: NaN column, NaN relatedness
    return v


def _pearson(v: np.ndarray) -> np.ndarray:
    """Pearson correlation of all column pairs; NaN for constant or NaN columns."""
    n = v.shape[0]
    z = v - v.mean(axis=0)
    sd = np.sqrt((z * z).sum(axis=0))
    bad = ~(np.isfinite(sd) & (sd > 1e-12 * np.maximum(1.0, np.abs(v).max(axis=0))))
    if n < 2:
        bad[:] = True
    z[:, bad] = 0.0
    z /= np.where(bad, 1.0, sd)[None, :]
    r = z.T @ z
    np.clip(r, -1.0, 1.0, out=r)
    r[bad, :] = np.nan
    r[:, bad] = np.nan
    return r


def locational_correlation(
    E: pd.DataFrame,
    variable: CorrelationVariable = "log_ql",
    region_total: pd.Series | None = None,
) -> pd.DataFrame:
    """Correlation across regions of every pair of industries' location patterns.

    .. math:: LC_{ij} = \\operatorname{corr}_r(v_{ri}, v_{rj})

    The locational correlation of Delgado, Porter & Stern (2016), computed for
    all pairs at once (one matrix product of standardised columns). ``v`` is:

    - ``"share"``: :math:`E_{ri}/E_i`, the region's share of the industry.
      Dominated by region size: two industries that merely follow population
      correlate strongly;
    - ``"ql"``: the location quotient (size-neutral, but heavy-tailed where
      regions are tiny);
    - ``"log_ql"``: :math:`\\ln(1 + QL)`, size-neutral and less driven by the
      QL outliers of tiny regions.

    Regions with E_j = 0 are left out. The diagonal is 1; pairs involving an
    industry that is constant over the regions (or absent) are NaN.

    Examples
    --------
    >>> E = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [2.0, 4.0, 7.0],
    ...                   "c": [3.0, 2.0, 1.0]},
    ...                  index=pd.Index(["r1", "r2", "r3"], name="region"))
    >>> locational_correlation(E, "share").round(4)
    industry       a       b       c
    industry
    a         1.0000  0.9934 -1.0000
    b         0.9934  1.0000 -0.9934
    c        -1.0000 -0.9934  1.0000
    """
    if variable not in get_args(CorrelationVariable):
        raise ConfigError(
            f"variable must be one of "
            f"{', '.join(map(repr, get_args(CorrelationVariable)))}, got {variable!r}"
        )
    E = validate_matrix(E)
    return _square(_pearson(_variable(E, variable, region_total)), E.columns)


# --------------------------------------------------------------------------
# the registry and the entry point
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RelatednessSpec:
    """One relatedness method of the registry.

    ``compute(E, region_total, rca_threshold)`` returns the industry x industry
    array; ``family`` is ``"co-occurrence"`` or ``"correlation"``;
    ``size_neutral`` is False only for ``corr_share``; ``chance`` is the value
    two independently located industries get (1 for the association
    strengths, 0 for correlations, None where undefined): a natural
    ``min_relatedness``.
    """

    compute: Callable[[pd.DataFrame, pd.Series | None, float], np.ndarray]
    family: RelatednessFamily
    size_neutral: bool
    chance: float | None


def _cooc_method(method: str):
    def compute(E, region_total, rca_threshold):
        C = co_occurrence(binary_rca(E, region_total, rca_threshold))
        return _normalise(C.to_numpy(), method)

    return compute


def _corr_method(variable: str):
    def compute(E, region_total, rca_threshold):
        return _pearson(_variable(E, variable, region_total))

    return compute


def _proximity(E, region_total, rca_threshold):
    return proximity(binary_rca(E, region_total, rca_threshold)).to_numpy()


#: Relatedness methods by name (mapclassify-style registry).
RELATEDNESS_METHODS: dict[str, RelatednessSpec] = {
    "association": RelatednessSpec(
        _cooc_method("association"), "co-occurrence", True, 1.0
    ),
    "prob": RelatednessSpec(_cooc_method("prob"), "co-occurrence", True, 1.0),
    "cosine": RelatednessSpec(_cooc_method("cosine"), "co-occurrence", True, None),
    "jaccard": RelatednessSpec(_cooc_method("jaccard"), "co-occurrence", True, None),
    "proximity": RelatednessSpec(_proximity, "co-occurrence", True, None),
    "corr_share": RelatednessSpec(_corr_method("share"), "correlation", False, 0.0),
    "corr_ql": RelatednessSpec(_corr_method("ql"), "correlation", True, 0.0),
    "corr_log_ql": RelatednessSpec(_corr_method("log_ql"), "correlation", True, 0.0),
}


def _spec(method) -> RelatednessSpec:
    spec = RELATEDNESS_METHODS.get(method) if isinstance(method, str) else None
    if spec is None:
        raise ConfigError(
            f"unknown relatedness method {method!r}; valid methods are "
            f"{', '.join(map(repr, RELATEDNESS_METHODS))}"
        )
    return spec


def relatedness_matrix(
    E: pd.DataFrame,
    method: RelatednessMethod = DEFAULT_METHOD,
    region_total: pd.Series | None = None,
    rca_threshold: float = 1.0,
) -> pd.DataFrame:
    """Industry x industry relatedness from the co-location of industries in ``E``.

    Parameters
    ----------
    E
        Size matrix, regions x industries (employment or establishments) over
        all regions of the run.
    method
        A key of :data:`RELATEDNESS_METHODS` (see the module docstring):
        EconGeo's normalisations of co-occurring QL >= ``rca_threshold``,
        Hidalgo's ``"proximity"``, or a locational correlation ``"corr_*"``.
    region_total
        E_j for the QL (all activities in scope); defaults to the row sums.
    rca_threshold
        QL at or above which a region counts as specialised (co-occurrence
        methods only).

    Returns
    -------
    pandas.DataFrame
        Symmetric, indexed and labelled by the industry codes; NaN on the
        diagonal (and, for correlations, for industries constant over regions).

    Raises
    ------
    ConfigError
        Unknown ``method``; the message lists the valid ones.

    Examples
    --------
    >>> E = pd.DataFrame({"a": [9.0, 8.0, 1.0, 1.0], "b": [8.0, 9.0, 1.0, 1.0],
    ...                   "c": [1.0, 1.0, 9.0, 9.0]},
    ...                  index=pd.Index(["r1", "r2", "r3", "r4"], name="region"))
    >>> relatedness_matrix(E)  # a and b share r1 and r2: twice the chance level
    industry    a    b    c
    industry
    a         NaN  2.0  0.0
    b         2.0  NaN  0.0
    c         0.0  0.0  NaN
    """
    spec = _spec(method)
    E = validate_matrix(E)
    values = np.array(spec.compute(E, region_total, rca_threshold), dtype=float)
    np.fill_diagonal(values, np.nan)
    return _square(values, E.columns)


# --------------------------------------------------------------------------
# density and reading a relatedness matrix
# --------------------------------------------------------------------------


def relatedness_density(M: pd.DataFrame, R: pd.DataFrame) -> pd.DataFrame:
    """Relatedness density (0-100) of every region in every industry.

    .. math:: RD_{ri} = 100 \\frac{\\sum_j M_{rj} R_{ji}}{\\sum_j R_{ji}}

    The share of industry i's relatedness that the region's specialisations
    cover: EconGeo's ``relatedness.density`` (Boschma, Balland & Kogler 2015),
    without its rounding to 2 decimals. NaN cells of ``R`` (e.g. the diagonal
    of :func:`relatedness_matrix`) count as 0; the diagonal is used as given,
    as in EconGeo. ``R`` should be non-negative (clip correlations at 0).

    Parameters
    ----------
    M
        Binary region x industry matrix (:func:`binary_rca`).
    R
        Industry x industry relatedness covering ``M``'s industries.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``M``; NaN for industries related to nothing.

    Examples
    --------
    >>> M = pd.DataFrame({"a": [1, 0], "b": [1, 1], "c": [0, 1]},
    ...                  index=pd.Index(["r1", "r2"], name="region"))
    >>> R = _square(np.array([[0, 1, 2], [1, 0, 1], [2, 1, 0.0]]),
    ...             pd.Index(list("abc")))
    >>> relatedness_density(M, R).round(2)
                 a     b       c
    region
    r1       33.33  50.0  100.00
    r2      100.00  50.0   33.33
    """
    x = _binary_values(M)
    r = np.nan_to_num(_covering(R, M.columns, "R", "M"), nan=0.0)
    tot = r.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = 100.0 * (x @ r) / np.where(tot == 0, np.nan, tot)[None, :]
    return pd.DataFrame(d, index=M.index.copy(), columns=M.columns.copy())


def top_related(R: pd.DataFrame, industry, n: int = 10) -> pd.Series:
    """The ``n`` industries most related to ``industry``, strongest first.

    Examples
    --------
    >>> R = _square(np.array([[np.nan, 2.0, 0.5], [2.0, np.nan, 1.0],
    ...                       [0.5, 1.0, np.nan]]), pd.Index(list("abc")))
    >>> top_related(R, "a").to_dict()
    {'b': 2.0, 'c': 0.5}
    """
    R = _validate_square(R, "R")
    if industry not in R.index:
        raise InputError(
            f"industry {industry!r} is not in the relatedness matrix (codes like "
            f"{format_codes(R.index)})"
        )
    row = R.loc[industry].drop(industry).dropna()
    order = np.argsort(-row.to_numpy(), kind="stable")[:n]
    return row.iloc[order].rename(f"relatedness_to_{industry}")


def relatedness_pairs(R: pd.DataFrame, min_relatedness: float) -> pd.DataFrame:
    """Industry pairs with relatedness above ``min_relatedness`` (each pair once).

    Returns
    -------
    pandas.DataFrame
        Columns ``industry_a``, ``industry_b`` (a before b in ``R``'s order) and
        ``relatedness``, strongest first.

    Examples
    --------
    >>> R = _square(np.array([[np.nan, 2.0, 0.5], [2.0, np.nan, 1.5],
    ...                       [0.5, 1.5, np.nan]]), pd.Index(list("abc")))
    >>> relatedness_pairs(R, 1.0)
      industry_a industry_b  relatedness
    0          a          b          2.0
    1          b          c          1.5
    """
    R = _validate_square(R, "R")
    v = R.to_numpy()
    i, j = np.triu_indices(len(v), k=1)
    val = v[i, j]
    keep = val > min_relatedness
    i, j, val = i[keep], j[keep], val[keep]
    order = np.argsort(-val, kind="stable")
    return pd.DataFrame(
        {
            "industry_a": R.index[i[order]],
            "industry_b": R.index[j[order]],
            "relatedness": val[order],
        }
    )
