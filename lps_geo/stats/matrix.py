"""Check region x industry size matrices and region totals for the indicators.

The indicators of :mod:`lps_geo.stats.indicators` and
:mod:`lps_geo.stats.concentration`, and the analysed variables of
:mod:`lps_geo.stats.variables`, take a size matrix ``E`` (regions as index,
industries as columns, non-negative numbers, no missing values) and,
optionally, the region totals E_j. This module validates both, with errors
that name the offending regions and industries, and holds the small array
helpers the indicators share.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from lps_geo.errors import InputError

logger = logging.getLogger(__name__)

#: How many offending codes an error message shows.
MAX_CODES = 5


def format_codes(codes, limit: int = MAX_CODES) -> str:
    """Join codes for an error message, showing at most ``limit``.

    >>> format_codes(["r1", "r2", "r3", "r4", "r5", "r6"])
    'r1, r2, r3, r4, r5, ... (6 in total)'
    """
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
        f"{what} in {name} for industry {str(first)!r} at regions "
        f"{format_codes(regions)}"
    )
    if len(industries) > 1:
        msg += (
            f" ({int(bad.to_numpy().sum())} cells in {len(industries)} industries: "
            f"{format_codes(repr(str(c)) for c in industries)})"
        )
    return f"{msg}; {fix}"


def validate_matrix(E, name: str = "E") -> pd.DataFrame:
    """Check a region x industry matrix and return it as a float DataFrame.

    Raises
    ------
    InputError
        ``E`` is not a DataFrame, is empty, repeats codes, or has non-numeric,
        missing, infinite or negative values.
    """
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
                f"{name} has duplicated {label} codes {format_codes(dup)}; "
                f"aggregate the rows/columns so each {label} appears once"
            )
    non_numeric = [
        c for c in E.columns if not pd.api.types.is_numeric_dtype(E[c].dtype)
    ]
    if non_numeric:
        raise InputError(
            f"{name} has non-numeric values for industries "
            f"{format_codes(repr(str(c)) for c in non_numeric)} (dtype "
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


def region_totals(E: pd.DataFrame, region_total) -> pd.Series:
    """E_j aligned on the regions of ``E`` (validated; row sums by default).

    Raises
    ------
    InputError
        ``region_total`` is not a Series, repeats or lacks regions of ``E``,
        is not numeric, is missing, or is below the row sum of ``E``.
    """
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
            f"region_total has duplicated region codes {format_codes(dup)}; "
            "give one total per region"
        )
    missing = E.index.difference(region_total.index, sort=False)
    if len(missing):
        raise InputError(
            f"region_total lacks regions {format_codes(missing)} of E; pass the "
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
            f"region_total is missing (NaN) for regions {format_codes(nan)}; give "
            "a total for every region of E"
        )
    short = total.to_numpy() < rowsum.to_numpy() * (1 - 1e-9) - 1e-9
    if short.any():
        codes = total.index[short]
        first = codes[0]
        raise InputError(
            f"region_total is smaller than the sum of E's industries for regions "
            f"{format_codes(codes)} (e.g. region {first}: total "
            f"{total[first]:g} < {rowsum[first]:g}); region_total must hold all "
            "activities in scope, a superset of E's industries"
        )
    return total.rename("region_total")


def safe_div(num, den):
    """num / den with NaN where den == 0 (no warnings).

    >>> safe_div(np.array([1.0, 2.0]), np.array([2.0, 0.0])).tolist()
    [0.5, nan]
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den == 0, np.nan, num / np.where(den == 0, 1.0, den))


def frame_like(values: np.ndarray, E: pd.DataFrame) -> pd.DataFrame:
    """A region x industry array as a DataFrame indexed like ``E``."""
    return pd.DataFrame(values, index=E.index.copy(), columns=E.columns.copy())


def matrix_parts(E, region_total):
    """Validated matrix, its values, E_j, E_i and the reference total E.

    Returns ``(E, x, e_j, e_i, total)``: the float DataFrame, its (n, m)
    values, the region totals (n,), the industry sums (m,) and ``sum(e_j)``.
    """
    E = validate_matrix(E)
    e_j = region_totals(E, region_total).to_numpy()
    e_i = E.sum(axis=0).to_numpy()
    return E, E.to_numpy(), e_j, e_i, float(e_j.sum())
