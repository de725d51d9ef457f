"""Read per-municipality counts (patents, publications, researchers) into a table.

Innovation outputs are the second capability indicator of Suzigan, Furtado &
Garcia (2006); they usually arrive as a table with one row per municipality,
which :func:`read_region_counts` validates into a float DataFrame indexed by
region code.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import get_args

import geopandas as gpd
import numpy as np
import pandas as pd

from lps_geo.errors import ConfigError, InputError, MissingCodesWarning
from lps_geo.io._util import (
    check_choice,
    format_items,
    is_missing,
    normalize_region_codes,
    normalize_text,
    parse_numbers,
    read_table,
    require_columns,
)
from lps_geo.io.codes import match_rais6_layout
from lps_geo.vocab import Unmatched

logger = logging.getLogger(__name__)


def read_region_counts(
    path: str | Path,
    code_column: str,
    value_columns: str | Sequence[str],
    *,
    boundaries: gpd.GeoDataFrame | pd.Index | Sequence[str] | None = None,
    unmatched: Unmatched = "raise",
    sep: str | None = None,
    encoding: str | None = None,
    sheet_name: str | int = 0,
    decimal: str = ".",
    thousands: str | None = None,
    skiprows: int = 0,
) -> pd.DataFrame:
    """Read per-municipality counts (patents, publications, researchers ...).

    Innovation outputs are the second capability indicator of Suzigan,
    Furtado & Garcia (2006); they usually arrive as a table with one row per
    municipality. This reader validates such a table into a float DataFrame
    indexed by region code.

    Parameters
    ----------
    path
        CSV/TSV (separator sniffed), Excel or Parquet file.
    code_column
        Column with the municipality code: 7-digit IBGE codes, or 6-digit
        RAIS-style codes (without the check digit) when ``boundaries`` is
        given to match them.
    value_columns
        The count column(s).
    boundaries
        Boundaries GeoDataFrame (its index) or the region codes: codes are
        matched to them, and codes absent from them handled by ``unmatched``.
    unmatched
        Codes not in ``boundaries``: ``"raise"`` naming them or ``"drop"``
        with a :class:`~lps_geo.errors.MissingCodesWarning`.
    sep, encoding, sheet_name, decimal, thousands, skiprows
        How to read the file (see :func:`~lps_geo.io.read_long`).

    Returns
    -------
    DataFrame
        Index ``region`` (str codes, sorted), one float column per value
        column. Empty cells count as 0; rows repeating a code are summed
        (logged); total rows (code cell starting with "Total") are skipped.
        Municipalities absent from the file are absent from the result
        (``.reindex(boundaries.index, fill_value=0)`` adds them as zeros).

    Raises
    ------
    InputError
        Missing columns (listing the available ones), empty or non-numeric
        codes, codes of the wrong length, non-numeric or negative values
        (naming rows or codes), codes not in the boundaries.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "patents.csv"
    >>> _ = path.write_text("mun;patents\\n351620;3\\n355030;10\\n355030;2\\n")
    >>> read_region_counts(path, "mun", "patents",
    ...                    boundaries=["3516200", "3550308"])
             patents
    region
    3516200      3.0
    3550308     12.0
    """
    check_choice(unmatched, get_args(Unmatched), "unmatched")
    columns = [value_columns] if isinstance(value_columns, str) else list(value_columns)
    if not columns:
        raise ConfigError("value_columns is empty; name at least one count column")
    source = str(path)
    frame = read_table(
        path,
        text_columns=(code_column,),
        sep=sep,
        encoding=encoding,
        sheet_name=sheet_name,
        decimal=decimal,
        thousands=thousands,
        skiprows=skiprows,
    )
    require_columns(frame.columns, {"code_column": code_column}, source)
    for column in columns:
        require_columns(frame.columns, {"value_columns": column}, source)
    labels = frame[code_column].map(
        lambda v: "" if is_missing(v) else normalize_text(v)
    )
    totals = labels.str.startswith("total").to_numpy(dtype=bool)
    if totals.any():
        logger.info("%s: skipped %d total row(s)", source, int(totals.sum()))
    frame = frame.loc[~totals]
    codes = normalize_region_codes(
        frame[code_column], source=source, column=code_column
    )
    values = parse_numbers(frame, columns, source=source, row_offset=2 + skiprows)
    empty = int(values.isna().to_numpy().sum())
    if empty:
        logger.info("%s: %d empty cell(s) count as 0", source, empty)
        values = values.fillna(0.0)

    if boundaries is not None:
        if isinstance(boundaries, (pd.DataFrame, pd.Series)):
            boundaries = boundaries.index
        known = pd.Index([str(code) for code in boundaries])
        rename = match_rais6_layout(sorted(set(codes)), known)
        codes = [rename.get(code, code) for code in codes]
        absent = sorted(set(codes) - set(known))
        if absent:
            message = (
                f"{source}: {len(absent)} code(s) in column {code_column!r} are "
                f"not in the boundaries: {format_items(absent)}"
            )
            if unmatched == "raise":
                hint = (
                    " (6-digit RAIS codes are matched only when all codes have 6 "
                    "digits)"
                    if any(len(code) == 6 for code in absent)
                    else ""
                )
                raise InputError(
                    message + hint + "; fix the codes, remove those rows, or pass "
                    "unmatched='drop'"
                )
            warnings.warn(
                message + "; their rows were dropped", MissingCodesWarning, stacklevel=2
            )
            inside = np.array([code not in set(absent) for code in codes])
            values = values.loc[inside]
            codes = [code for code, ok in zip(codes, inside, strict=True) if ok]
    else:
        wrong = sorted({code for code in codes if len(code) != 7})
        if wrong:
            hint = (
                "; 6-digit RAIS codes need boundaries= to be matched to IBGE codes"
                if all(len(code) == 6 for code in wrong)
                else ""
            )
            raise InputError(
                f"{source}: column {code_column!r} has {len(wrong)} code(s) that "
                f"are not 7-digit IBGE municipality codes: {format_items(wrong)}"
                f"{hint}"
            )

    negative = values.to_numpy() < 0
    if negative.any():
        cells = [
            f"{codes[i]}/{columns[j]}"
            for i, j in zip(*np.nonzero(negative), strict=True)
        ]
        raise InputError(
            f"{source}: {len(cells)} negative count(s) at region/column "
            f"{format_items(cells)}; counts must be >= 0 -- fix the file"
        )
    values.index = pd.Index(codes, name="region")
    if values.index.has_duplicates:
        repeated = sorted(set(values.index[values.index.duplicated()]))
        logger.info(
            "%s: %d code(s) appear on several rows and were summed (%s)",
            source,
            len(repeated),
            format_items(repeated),
        )
        values = values.groupby(level=0).sum()
    values = values.astype(float).sort_index()
    values.index.name = "region"
    return values
