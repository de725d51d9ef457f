"""Size tables: employment and establishment counts by region and industry.

The Suzigan, Furtado & Garcia (2006) indicators start from a size measure
E_ij for region j and industry i: RAIS employment (active jobs on 31
December) or the number of establishments. This module reads both from the
two layouts such tables come in and returns them in the canonical shape of
lps_geo: a float DataFrame, index = region code (str, named ``"region"``),
columns = canonical CNAE codes (named ``"industry"``).

* :func:`read_long` -- one row per (region, industry) with the counts in
  columns (the usual database extract);
* :func:`read_wide` -- one column per industry, named by CNAE code or by CNAE
  title (the usual RAIS query-tool export).

:func:`validate_against_boundaries` then checks the regions against the
boundary layer, mapping RAIS 6-digit municipality codes to IBGE 7-digit ones.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import pandas as pd

from lps_geo.errors import (
    ConfigError,
    InputError,
    MissingCodesWarning,
)
from lps_geo.io._util import (
    check_choice,
    file_rows,
    filter_rows,
    format_items,
    format_quoted,
    normalize_region_codes,
    normalize_text,
    read_table,
    require_columns,
)
from lps_geo.io.cells import (
    check_header,
    check_outliers,
    check_rows,
    parse_counts,
    untitled_columns,
)
from lps_geo.io.cnae import LEVELS, aggregate_industries, normalize_cnae_codes
from lps_geo.io.cnae_table import (
    CnaeTable,
    check_codes_known,
    describe_unmatched,
    title_map,
)
from lps_geo.io.region_match import (  # noqa: F401 - re-exported
    validate_against_boundaries,
)
from lps_geo.io.reports import RaisReport
from lps_geo.io.size_fixes import (
    check_dropped_columns,
    drop_total_rows,
    sum_repeated_pairs,
    sum_repeated_regions,
)
from lps_geo.vocab import (
    BlankPolicy,
    IndustryLevel,
    IndustryNames,
    OutlierPolicy,
    SizeMeasure,
    Unmatched,
)

logger = logging.getLogger(__name__)

#: Columns of wide tables that are not industries: totals and the
#: "unclassified" bucket of RAIS. Entries are compared after folding case,
#: accents and punctuation; a trailing ``*`` matches any continuation.
DEFAULT_DROP_COLUMNS: tuple[str, ...] = (
    "total*",
    "{ñ class}",
    "ñ class*",
    "nao class*",
    "ignorado*",
    "nao identificado*",
    "sem classificacao*",
)


@dataclass(frozen=True, eq=False)
class SizeTables:
    """Employment and establishment tables of one data set.

    Each table is a float DataFrame, regions x industries (index named
    ``"region"``, str codes; columns named ``"industry"``, canonical CNAE
    codes), or None when the input did not carry that measure.

    Attributes
    ----------
    employment, establishments
        The two size measures.
    notes
        Human-readable notes about what the reader did (columns dropped,
        duplicates summed ...), for the run report.
    report
        Row-level account of the reading, when the reader keeps one
        (:func:`~lps_geo.io.read_rais_microdata`: a
        :class:`~lps_geo.io.reports.RaisReport` of the rows read and used,
        and every excluded row counted under its problem); None otherwise.

    Examples
    --------
    >>> E = pd.DataFrame([[3.0]], index=pd.Index(["3516200"], name="region"),
    ...                  columns=pd.Index(["15.3"], name="industry"))
    >>> SizeTables(employment=E, establishments=None)
    <SizeTables employment: 1 regions x 1 industries; establishments: None>
    """

    employment: pd.DataFrame | None = None
    establishments: pd.DataFrame | None = None
    notes: tuple[str, ...] = field(default=(), compare=False)
    report: RaisReport | None = field(default=None, compare=False, repr=False)
    #: The file rows of each region code and the table's region column, for
    #: the messages of :func:`validate_against_boundaries`.
    region_rows: Mapping[str, tuple[int, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    region_column: str | None = field(default=None, compare=False, repr=False)
    #: Establishments per (region, industry, size in active jobs), when the
    #: reader keeps it (RAIS microdata with ``size_distribution=True``; see
    #: :mod:`lps_geo.io.rais_sizes`); None otherwise.
    size_distribution: pd.DataFrame | None = field(
        default=None, compare=False, repr=False
    )

    def __repr__(self) -> str:
        parts = []
        for name in get_args(SizeMeasure):
            table = getattr(self, name)
            shape = (
                "None"
                if table is None
                else f"{table.shape[0]} regions x {table.shape[1]} industries"
            )
            parts.append(f"{name}: {shape}")
        return f"<SizeTables {'; '.join(parts)}>"

    def measures(self) -> dict[str, pd.DataFrame]:
        """The tables present, by measure name."""
        return {
            name: getattr(self, name)
            for name in get_args(SizeMeasure)
            if getattr(self, name) is not None
        }


def _region_rows(regions: Iterable[str], rows: Iterable[int]) -> dict:
    """Region code -> its file rows."""
    out: dict[str, tuple[int, ...]] = {}
    for region, row in zip(regions, rows, strict=True):
        out[region] = (*out.get(region, ()), row)
    return out


def _note(notes: list[str], message: str, level: int = logging.INFO) -> None:
    """Record a note for the run report and log it."""
    notes.append(message)
    logger.log(level, message)


def _finish(
    frame: pd.DataFrame,
    *,
    source: str,
    industry_level: IndustryLevel | None,
    data_level: str,
    notes: list[str],
) -> pd.DataFrame:
    """Canonical names, aggregation up the hierarchy, float dtype."""
    if industry_level is not None and industry_level != data_level:
        if LEVELS.index(industry_level) > LEVELS.index(data_level):
            raise InputError(
                f"{source}: industries are CNAE {data_level} codes; cannot "
                f"disaggregate to industry_level={industry_level!r}; set "
                f"[analysis] industry_level = {data_level!r} or a coarser level"
            )
        before = frame.shape[1]
        frame = aggregate_industries(frame, industry_level)
        _note(
            notes,
            f"{source}: aggregated {before} CNAE {data_level} columns to "
            f"{frame.shape[1]} {industry_level}s",
        )
    frame = frame.astype(float)
    frame.index.name = "region"
    frame.columns.name = "industry"
    return frame.sort_index(axis=0).sort_index(axis=1)


def read_long(
    path: str | Path,
    region_column: str,
    industry_column: str,
    employment_column: str | None = None,
    establishments_column: str | None = None,
    sep: str | None = None,
    encoding: str | None = None,
    industry_level: IndustryLevel | None = None,
    cnae: CnaeTable | None = None,
    *,
    sheet_name: str | int = 0,
    decimal: str = ".",
    thousands: str | None = None,
    skiprows: int = 0,
    where: Mapping[str, Any] | None = None,
    blank: BlankPolicy = "error",
    outliers: OutlierPolicy = "error",
    section: str = "inputs.size",
) -> SizeTables:
    """Read a long table: one row per (region, industry) with counts.

    Parameters
    ----------
    path
        CSV/TSV (separator sniffed, UTF-8 or Latin-1), Excel or Parquet file.
    region_column, industry_column
        Columns with the municipality (or region) code and the CNAE code, in
        any accepted spelling (see :func:`~lps_geo.io.normalize_cnae_code`).
    employment_column, establishments_column
        Columns with the counts; at least one is required.
    sep, encoding
        Override the sniffed CSV separator and encoding.
    industry_level
        Aggregate the industries up to this CNAE level (class -> group ->
        division). None keeps the level of the data.
    cnae
        Classification table; when given, every industry code must be in it.
    sheet_name
        Excel sheet.
    decimal, thousands
        Number notation of the count cells (e.g. ``decimal=","``,
        ``thousands="."`` for Brazilian spreadsheets). Counts are read from
        the raw text of the file (:func:`~lps_geo.io.cells.parse_counts`):
        ``2.400`` with the default notation is an error naming
        ``thousands``, never 2.4.
    skiprows
        Lines to skip before the header (e.g. 1 for DataViva exports, whose
        first line is ``data:text/csv;charset=utf-8,``).
    where
        Keep only rows whose column equals a value or one of a list of
        values, e.g. ``{"year": 2023}`` for a file holding several years.
    blank
        Blank, ``NaN``-like and ``-`` count cells: ``"error"``, or ``"zero"``
        (read as 0 with an :class:`~lps_geo.errors.InputFixWarning`).
    outliers
        Cells failing :func:`~lps_geo.io.cells.outlier_cells` (over 100x the
        second-largest of their industry and over all other regions
        together): ``"error"``, ``"warn"`` or ``"keep"``.
    section
        Configuration section named in the hints (``inputs.size`` or
        ``comparison.size``).

    Returns
    -------
    SizeTables
        With the measures whose column was given. Regions missing an industry
        get 0. Rows repeating a (region, industry) pair are summed and rows
        whose region cell starts with "Total" dropped, each announced by an
        :class:`~lps_geo.errors.InputFixWarning`.

    Raises
    ------
    InputError
        Header-only file, missing or repeated column, empty or non-numeric
        codes, count cells that are not whole numbers >= 0 (naming column,
        file row and region), implausible counts, codes that are not CNAE.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "rais.csv"
    >>> _ = path.write_text("mun;cnae;jobs\\n3516200;1531-9;10\\n"
    ...                     "3516200;1532-7;5\\n3550308;1531-9;2\\n")
    >>> tables = read_long(path, "mun", "cnae", employment_column="jobs",
    ...                    industry_level="group")
    >>> tables.employment
    industry  15.3
    region
    3516200   15.0
    3550308    2.0
    """
    source = str(path)
    check_choice(industry_level, (None, "class", "group", "division"), "industry_level")
    measures = {
        "employment": employment_column,
        "establishments": establishments_column,
    }
    if all(column is None for column in measures.values()):
        raise ConfigError(
            f"{source}: no size column given; set [{section}] employment_column "
            "and/or establishments_column"
        )
    frame = read_table(
        path,
        text_columns=(region_column, industry_column),
        sep=sep,
        encoding=encoding,
        sheet_name=sheet_name,
        skiprows=skiprows,
        all_text=True,
        section=section,
    )
    check_rows(frame, source, section)
    wanted = {
        "region_column": region_column,
        "industry_column": industry_column,
        "employment_column": employment_column,
        "establishments_column": establishments_column,
    }
    require_columns(
        frame.columns, wanted, source, section, frame=frame, skiprows=skiprows
    )
    check_header(frame, [c for c in wanted.values() if c], source, section)
    frame = filter_rows(frame, where, source, section)
    size_columns = [column for column in measures.values() if column is not None]
    notes: list[str] = []
    offset = 2 + skiprows
    frame = drop_total_rows(
        frame, region_column, source, size_columns, offset, thousands, decimal, notes
    )
    rows = file_rows(frame.index, range(len(frame)), offset)
    regions = normalize_region_codes(
        frame[region_column],
        source=source,
        column=region_column,
        rows=rows,
        hint=f"check [{section}] region_column, or remove total and label rows",
    )
    industries, data_level = normalize_cnae_codes(
        frame[industry_column], source=source, column=industry_column, rows=rows
    )
    if cnae is not None:
        check_codes_known(
            industries, cnae, source=source, column=industry_column, rows=rows
        )
    values = parse_counts(
        frame,
        size_columns,
        rows=rows,
        labels=[
            f"region/industry {r}/{i}" for r, i in zip(regions, industries, strict=True)
        ],
        source=source,
        section=section,
        thousands=thousands,
        decimal=decimal,
        blank=blank,
    )
    values.index = pd.MultiIndex.from_arrays(
        [regions, industries], names=["region", "industry"]
    )
    first_row: dict[tuple[str, str], int] = {}
    for pair, row in zip(values.index, rows, strict=True):
        first_row.setdefault(pair, row)
    if values.index.has_duplicates:
        values = sum_repeated_pairs(values, rows, source, notes, section)
    out: dict[str, pd.DataFrame | None] = {}
    aggregation_notes: list[str] = []
    for measure, column in measures.items():
        if column is None:
            out[measure] = None
            continue
        table = values[column].unstack("industry", fill_value=0.0)
        check_outliers(
            table,
            source=source,
            describe=lambda r, i, c=column: (
                f"column {c!r} row {first_row[(r, i)]} (region/industry {r}/{i})"
            ),
            policy=outliers,
            section=section,
        )
        aggregation_notes = []
        out[measure] = _finish(
            table,
            source=source,
            industry_level=industry_level,
            data_level=data_level,
            notes=aggregation_notes,
        )
    notes += aggregation_notes
    return SizeTables(
        notes=tuple(notes),
        region_rows=_region_rows(regions, rows),
        region_column=region_column,
        **out,
    )


def _drop_matches(columns: Sequence[str], patterns: Iterable[str]) -> list[str]:
    folded_patterns = []
    for pattern in patterns:
        prefix = pattern.endswith("*")
        folded_patterns.append((normalize_text(pattern.rstrip("*")), prefix, pattern))
    dropped = []
    for column in columns:
        key = normalize_text(column)
        for folded, prefix, raw in folded_patterns:
            if key == folded or raw == column or (prefix and key.startswith(folded)):
                dropped.append(column)
                break
    return dropped


def read_wide(
    path: str | Path,
    region_column: str,
    measure: SizeMeasure,
    industry_names: IndustryNames = "auto",
    cnae: CnaeTable | None = None,
    drop_columns: Sequence[str] = DEFAULT_DROP_COLUMNS,
    sep: str | None = None,
    encoding: str | None = None,
    industry_level: IndustryLevel | None = None,
    unmatched: Unmatched = "raise",
    *,
    title_level: IndustryLevel | None = None,
    sheet_name: str | int = 0,
    decimal: str = ".",
    thousands: str | None = None,
    skiprows: int = 0,
    where: Mapping[str, Any] | None = None,
    blank: BlankPolicy = "error",
    outliers: OutlierPolicy = "error",
    section: str = "inputs.size",
) -> SizeTables:
    """Read a wide table: one row per region, one column per industry.

    This is the layout of RAIS query-tool exports, such as the 2015
    establishment counts by municipality and CNAE group whose columns are
    group *titles* ("Fabricação de Calçados", ...) plus ``{ñ class}`` and
    ``Total_de_estabelecimentos``.

    Parameters
    ----------
    path
        CSV/TSV, Excel or Parquet file.
    region_column
        Column with the municipality (or region) code.
    measure
        Which size measure the counts are.
    industry_names
        ``"code"``: column names are CNAE codes; ``"title"``: CNAE titles,
        mapped through ``cnae`` (:meth:`CnaeTable.match_titles`); ``"auto"``:
        codes when every industry column parses as a code, else titles.
    cnae
        Classification table; required for titles, and when given with codes
        every code must be in it.
    drop_columns
        Non-industry columns (totals, unclassified) to drop, compared after
        folding case, accents and punctuation; ``"total*"`` matches any name
        starting with "total". The dropped columns are logged and noted.
    sep, encoding
        Override the sniffed CSV separator and encoding.
    industry_level
        Aggregate the industries up to this CNAE level; None keeps the data's.
    unmatched
        Titles that match no CNAE title: ``"raise"`` an InputError, or
        ``"drop"`` the columns with a :class:`~lps_geo.errors.MissingCodesWarning`.
    title_level
        Restrict title matching to this CNAE level (None: any, the level most
        titles match at wins for ambiguous ones).
    sheet_name, decimal, thousands, skiprows, where, blank, outliers, section
        As in :func:`read_long` (the ``where`` columns are not industries).

    Returns
    -------
    SizeTables
        With only ``measure`` filled. Rows repeating a region are summed and
        "Total" rows dropped, each announced by an
        :class:`~lps_geo.errors.InputFixWarning`.

    Raises
    ------
    InputError
        Header-only file, missing region column, a column name repeated in
        the header (naming both positions), unmatched titles (naming them
        with the closest CNAE titles), two columns mapping to one code, count
        cells that are not whole numbers >= 0, implausible counts.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "wide.csv"
    >>> _ = path.write_text("mun,15.3,16.1,Total\\n3516200,7,1,8\\n")
    >>> read_wide(path, "mun", "establishments").establishments
    industry  15.3  16.1
    region
    3516200    7.0   1.0
    """
    source = str(path)
    check_choice(measure, get_args(SizeMeasure), "measure")
    check_choice(industry_names, get_args(IndustryNames), "industry_names")
    check_choice(unmatched, get_args(Unmatched), "unmatched")
    check_choice(industry_level, (None, "class", "group", "division"), "industry_level")
    if isinstance(drop_columns, str):
        drop_columns = (drop_columns,)
    frame = read_table(
        path,
        text_columns=(region_column,),
        sep=sep,
        encoding=encoding,
        sheet_name=sheet_name,
        skiprows=skiprows,
        all_text=True,
        section=section,
    )
    check_rows(frame, source, section)
    require_columns(
        frame.columns,
        {"region_column": region_column},
        source,
        section,
        frame=frame,
        skiprows=skiprows,
    )
    frame = filter_rows(frame, where, source, section)
    notes: list[str] = []
    not_industries = {region_column, *(where or {})}
    candidates = [column for column in frame.columns if column not in not_industries]
    dropped = _drop_matches(candidates, drop_columns)
    untitled = untitled_columns(frame, candidates, source, 2 + skiprows)
    if untitled:
        _note(notes, f"{source}: dropped {len(untitled)} empty untitled column(s)")
        candidates = [c for c in candidates if c not in untitled]
    check_header(
        frame,
        [c for c in frame.attrs.get("header", ()) if c not in dropped],
        source,
        section,
    )
    if dropped:
        _note(
            notes, f"{source}: dropped non-industry column(s) {format_quoted(dropped)}"
        )
    industry_columns = [column for column in candidates if column not in dropped]
    if not industry_columns:
        raise InputError(
            f"{source}: no industry columns left besides {region_column!r}; "
            f"check [{section}] region_column and drop_columns"
        )
    offset = 2 + skiprows
    frame = drop_total_rows(
        frame,
        region_column,
        source,
        industry_columns,
        offset,
        thousands,
        decimal,
        notes,
    )
    check_dropped_columns(
        frame,
        dropped,
        industry_columns,
        source,
        offset,
        thousands,
        decimal,
        notes,
        section,
    )
    rows = file_rows(frame.index, range(len(frame)), offset)
    regions = normalize_region_codes(
        frame[region_column],
        source=source,
        column=region_column,
        rows=rows,
        hint=f"check [{section}] region_column, or remove total and label rows",
    )

    mapping, data_level = _industry_codes(
        industry_columns,
        industry_names,
        cnae,
        source,
        unmatched,
        title_level,
        notes,
        section,
        [list(frame.columns).index(c) + 1 for c in industry_columns],
    )
    industry_columns = list(mapping)
    codes = [mapping[column] for column in industry_columns]
    duplicated = pd.Index(codes).duplicated(keep=False)
    if duplicated.any():
        clashes = [
            f"{col!r}->{code}"
            for col, code, dup in zip(industry_columns, codes, duplicated, strict=True)
            if dup
        ]
        raise InputError(
            f"{source}: several columns map to the same CNAE code: "
            f"{format_items(clashes)}; drop or merge the duplicate columns "
            f"([{section}] drop_columns)"
        )

    values = parse_counts(
        frame,
        industry_columns,
        rows=rows,
        labels=[f"region {r}" for r in regions],
        source=source,
        section=section,
        thousands=thousands,
        decimal=decimal,
        blank=blank,
    )
    title_of = dict(zip(codes, industry_columns, strict=True))
    values.columns = pd.Index(codes, name="industry")
    values.index = pd.Index(regions, name="region")
    first_row: dict[str, int] = {}
    for region, row in zip(regions, rows, strict=True):
        first_row.setdefault(region, row)
    if values.index.has_duplicates:
        values = sum_repeated_regions(values, rows, source, notes)
    check_outliers(
        values,
        source=source,
        describe=lambda r, i: (
            f"column {title_of[i]!r} row {first_row[r]} (region {r}, industry {i})"
        ),
        policy=outliers,
        section=section,
    )
    table = _finish(
        values,
        source=source,
        industry_level=industry_level,
        data_level=data_level,
        notes=notes,
    )
    return SizeTables(
        notes=tuple(notes),
        region_rows=_region_rows(regions, rows),
        region_column=region_column,
        **{measure: table},
    )


def _industry_codes(
    columns: list[str],
    industry_names: IndustryNames,
    cnae: CnaeTable | None,
    source: str,
    unmatched: Unmatched,
    title_level: IndustryLevel | None,
    notes: list[str],
    section: str = "inputs.size",
    positions: Sequence[int] | None = None,
) -> tuple[dict[str, str], str]:
    """Column name -> canonical CNAE code, and the level of those codes."""
    if industry_names in ("code", "auto"):
        try:
            codes, level = normalize_cnae_codes(
                columns, source=source, column="(header)", header_columns=positions
            )
        except InputError:
            if industry_names == "code":
                raise
        else:
            if cnae is not None:
                check_codes_known(codes, cnae, source=source, column="(header)")
            return dict(zip(columns, codes, strict=True)), level
    if cnae is None:
        raise InputError(
            f"{source}: the industry columns are titles (e.g. "
            f"{format_quoted(columns, max_shown=2)}), not CNAE codes; set "
            "[inputs] cnae to a CNAE table file to map titles to codes (or "
            f'[{section}] industry_names = "code" if they are codes)'
        )
    match = title_map(columns, cnae, level=title_level, source=source)
    if match.unmatched:
        message = (
            f"{source}: {len(match.unmatched)} industry column title(s) match no "
            f"CNAE title: {describe_unmatched(match.unmatched, cnae, title_level)}"
        )
        if unmatched == "raise":
            raise InputError(
                message + f"; rename the columns, list them in [{section}] "
                f'drop_columns, or set [{section}] unmatched = "drop"'
            )
        warnings.warn(
            message + "; these columns were dropped", MissingCodesWarning, stacklevel=4
        )
        _note(notes, message + "; dropped")
    levels = {cnae.level(code) for code in match.matched.values()}
    if len(levels) > 1:
        raise InputError(
            f"{source}: the column titles match CNAE codes of several levels "
            f"({', '.join(sorted(levels))}); rename or drop the columns of the "
            f"minority level ([{section}] drop_columns)"
        )
    if not levels:
        raise InputError(f"{source}: no industry column title matches a CNAE title")
    return {
        column: match.matched[column] for column in columns if column in match.matched
    }, levels.pop()
