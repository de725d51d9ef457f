"""Announced fixes of size tables: total rows dropped, repeated rows summed.

Every automatic change of a size table warns with an
:class:`~lps_geo.errors.InputFixWarning` naming the file, the codes or rows
and the size of the change (the pipeline writes these warnings into
``report.json``), and is also kept as a note of the reading.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from lps_geo.errors import InputError, InputFixWarning
from lps_geo.io._util import file_rows, format_items, is_missing, normalize_text
from lps_geo.io.cells import lenient_sum

logger = logging.getLogger(__name__)


def _note(notes: list[str], message: str) -> None:
    notes.append(message)
    logger.info(message)


def drop_total_rows(
    frame: pd.DataFrame,
    region_column: str,
    source: str,
    columns: Sequence[str],
    offset: int,
    thousands: str | None,
    decimal: str,
    notes: list[str],
) -> pd.DataFrame:
    """Drop rows whose region cell starts with "Total", with a warning that
    names their file rows and what their count cells add up to."""
    labels = frame[region_column].map(
        lambda v: "" if is_missing(v) else normalize_text(v)
    )
    totals = labels.str.startswith("total").to_numpy(dtype=bool)
    if not totals.any():
        return frame
    positions = np.flatnonzero(totals)
    rows = file_rows(frame.index, positions, offset)
    sums = lenient_sum(frame.iloc[positions], columns, thousands, decimal)

    def counts(p: int) -> str:
        row = sums.iloc[p]
        if len(columns) <= 3:
            return ", ".join(f"{c} {row[c]:,.0f}" for c in columns)
        return f"{len(columns)} count columns summing to {row.sum():,.0f}"

    shown = format_items(
        f"row {row} ({str(frame[region_column].iloc[p]).strip()!r}: {counts(k)})"
        for k, (row, p) in enumerate(zip(rows, positions, strict=True))
    )
    message = (
        f"{source}: dropped {len(rows)} total row(s) of column {region_column!r}: "
        f"{shown}; totals are recomputed from the regions"
    )
    warnings.warn(message, InputFixWarning, stacklevel=3)
    _note(notes, message)
    return frame.loc[~totals]


def sum_repeated_regions(
    values: pd.DataFrame, rows: list[int], source: str, notes: list[str]
) -> pd.DataFrame:
    """Sum the rows of a region repeated in a wide table, with a warning
    naming each region, its file rows and how many of them are all zero."""
    repeated = values.index[values.index.duplicated()].unique()
    zero = (values.to_numpy() == 0).all(axis=1)
    parts = []
    for region in repeated:
        at = np.flatnonzero(values.index == region)
        zeros = int(zero[at].sum())
        part = f"{region} on rows {format_items([rows[p] for p in at], 3)}"
        if zeros:
            part += f" ({zeros} of them all zero)"
        parts.append(part)
    extra = int(values.index.duplicated().sum())
    message = (
        f"{source}: {len(repeated)} region(s) appear on several rows and their "
        f"rows were summed ({extra} row(s) merged): {format_items(parts)}"
    )
    warnings.warn(message, InputFixWarning, stacklevel=4)
    _note(notes, message)
    return values.groupby(level="region", sort=False).sum()


def sum_repeated_pairs(
    values: pd.DataFrame,
    rows: list[int],
    source: str,
    notes: list[str],
    section: str = "inputs.size",
) -> pd.DataFrame:
    """Sum the rows of a long table repeating a (region, industry) pair, with
    a warning naming each pair and its file rows."""
    duplicated = values.index.duplicated(keep=False)
    at: dict[tuple[str, str], list[int]] = {}
    for pair, row, dup in zip(values.index, rows, duplicated, strict=True):
        if dup:
            at.setdefault(pair, []).append(row)
    shown = format_items(
        f"{r}/{i} on rows {format_items(where_, 3)}" for (r, i), where_ in at.items()
    )
    message = (
        f"{source}: {len(at)} (region, industry) pair(s) appear on "
        f"several rows and were summed: {shown} ({int(duplicated.sum())} rows "
        f"into {len(at)}; if the file holds several years or categories, select "
        f"one with [{section}] where, e.g. where = {{year = 2015}})"
    )
    warnings.warn(message, InputFixWarning, stacklevel=2)
    _note(notes, message)
    return values.groupby(level=["region", "industry"], sort=False).sum()


def blame_boundaries(
    absent: list[str],
    boundary: pd.Index,
    source: str,
    bfile: str,
    bcol: str,
    empty: Iterable[str],
    section: str,
    unmatched: str = "raise",
) -> None:
    """Raise when table codes are missing because of the boundary file:
    stored zero-padded there, or dropped there for an empty geometry (the
    latter only when ``unmatched`` is "raise")."""
    stripped = {code.lstrip("0"): code for code in boundary if code.startswith("0")}
    padded = [code for code in absent if code.lstrip("0") in stripped]
    if padded and len(padded) * 2 >= len(absent):
        examples = format_items(f"{stripped[c.lstrip('0')]!r} for {c}" for c in padded)
        raise InputError(
            f"{bfile}:{bcol} stores the region codes zero-padded ({examples}), "
            f"so {len(padded)} code(s) of {source} match none; write the codes "
            "without leading zeros (IBGE municipality codes have 7 digits) or "
            "point [inputs.boundaries] code_column to the plain codes"
        )
    dropped = sorted(set(absent) & set(empty))
    if dropped and unmatched == "raise":
        raise InputError(
            f"{source}: {len(dropped)} region code(s) of the table were dropped "
            f"from the boundaries (empty geometry) in {bfile}: "
            f"{format_items(dropped)}; fix those geometries in the boundary file, "
            f'or set [{section}] outside_boundaries = "drop" to leave them out'
        )


def check_dropped_columns(
    frame: pd.DataFrame,
    dropped: Sequence[str],
    industries: Sequence[str],
    source: str,
    offset: int,
    thousands: str | None,
    decimal: str,
    notes: list[str],
    section: str = "inputs.size",
) -> None:
    """Warn about what the non-industry columns of a wide table held.

    A ``Total`` column equal to the row sums goes with a note only; one that
    disagrees with the sum of the other columns is named with its first
    rows (a total may include the unclassified columns). Any other dropped
    column (``{ñ class}``, ...) that holds counts
    removes them from the denominator: an InputFixWarning gives its sum.
    """
    if not dropped:
        return
    totals = [c for c in dropped if normalize_text(c).startswith("total")]
    others = [c for c in dropped if c not in totals]
    sums = lenient_sum(frame, [*industries, *others, *totals], thousands, decimal)
    for column in others:
        held = float(sums[column].sum())
        if held:
            rows = int((sums[column] != 0).sum())
            message = (
                f"{source}: column {column!r} is not an industry and was dropped, "
                f"but it holds {held:,.0f} in {rows} row(s): those counts leave "
                "the denominator (the totals); remove the column from "
                f"[{section}] drop_columns only if it is a CNAE industry"
            )
            warnings.warn(message, InputFixWarning, stacklevel=4)
            _note(notes, message)
    parts = sums[list(industries)].sum(axis=1)
    with_others = parts + sums[others].sum(axis=1)
    for column in totals:
        # a total may or may not count the unclassified columns
        off = ((sums[column] - parts).abs() > 0.5) & (
            (sums[column] - with_others).abs() > 0.5
        )
        if not off.any():
            continue
        positions = np.flatnonzero(off.to_numpy())
        rows = file_rows(frame.index, positions, offset)
        shown = format_items(
            f"row {row} ({sums[column].iloc[p]:,.0f} vs {parts.iloc[p]:,.0f})"
            for row, p in zip(rows, positions, strict=True)
        )
        message = (
            f"{source}: column {column!r} (dropped: totals are recomputed) "
            f"disagrees with the sum of the industries on {len(rows)} row(s): "
            f"{shown}; the analysis uses the industry columns -- check the export"
        )
        warnings.warn(message, InputFixWarning, stacklevel=4)
        _note(notes, message)
