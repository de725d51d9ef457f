"""Read a generic long table of innovation outputs (region code, field, year, value).

Any source of patents or publications tabulated by municipality code
(INPI's applications by IPC class and year, WIPO technology fields, CNAE
divisions, disciplines) can be written as one row per (municipality, field,
year); :func:`read_innovation_long` validates it into the canonical
:class:`~lps_geo.io.innovation_table.InnovationOutputs`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lps_geo.errors import InputError, MissingCodesWarning
from lps_geo.io._util import (
    check_choice,
    clean_code,
    format_items,
    is_missing,
    normalize_region_codes,
    normalize_text,
    parse_numbers,
    read_table,
    require_columns,
)
from lps_geo.io.codes import match_rais6_layout
from lps_geo.io.innovation_publications import PUBLICATION_DISCIPLINES
from lps_geo.io.innovation_table import (
    InnovationOutputs,
    InnovationReport,
    Notes,
    finish_table,
)
from lps_geo.vocab import (
    BadRows,
    InnovationKind,
    InnovationMeasure,
    InnovationSystem,
    choices,
)

logger = logging.getLogger(__name__)


def _pattern(regex: str, upper: bool = True) -> Callable[[str], str | None]:
    def check(text: str) -> str | None:
        code = text.strip().upper() if upper else text.strip()
        return code if re.fullmatch(regex, code) else None

    return check


def _discipline(text: str) -> str | None:
    code = normalize_text(text).replace(" ", "_")
    return code if code in PUBLICATION_DISCIPLINES else None


def _cnae_division(text: str) -> str | None:
    code = clean_code(text) or ""
    if re.fullmatch(r"\d{1,2}", code) and 1 <= int(code) <= 99:
        return code.zfill(2)
    return None


#: Field codes each classification accepts: a function from the cell text to
#: the canonical code (None when invalid), with the form named in errors.
FIELD_CODES: dict[str, tuple[Callable[[str], str | None], str]] = {
    "ipc_section": (_pattern(r"[A-H]"), "an IPC section A-H"),
    "ipc_class": (_pattern(r"[A-H]\d\d"), "an IPC class such as A01 or H04"),
    "wipo35": (
        _pattern(r"W35F(0[1-9]|[12]\d|3[0-5])"),
        "a WIPO technology field W35F01 ... W35F35",
    ),
    "discipline": (
        _discipline,
        f"one of the 13 disciplines ({', '.join(PUBLICATION_DISCIPLINES[:3])} ...)",
    ),
    "cnae_division": (_cnae_division, "a 2-digit CNAE 2.0 division (01 ... 99)"),
}


def read_innovation_long(
    path: str | Path,
    *,
    region_column: str,
    field_column: str,
    value_column: str,
    year_column: str | None = None,
    kind: InnovationKind,
    system: InnovationSystem,
    measure: InnovationMeasure = "count",
    boundaries: Any = None,
    unmatched: BadRows = "raise",
    sep: str | None = None,
    encoding: str | None = None,
    sheet: str | int = 0,
) -> InnovationOutputs:
    """Read a long table of innovation outputs by municipality code.

    Parameters
    ----------
    path
        CSV/TSV (separator sniffed), Excel or Parquet table.
    region_column
        7-digit IBGE municipality codes (6-digit RAIS codes are matched to
        the 7-digit ``boundaries`` when every code has 6 digits).
    field_column
        The field code in ``system`` (:data:`FIELD_CODES`): IPC sections and
        classes, WIPO fields and disciplines are normalised (``a01`` ->
        ``A01``, ``Especialidades Médicas`` -> ``especialidades_medicas``,
        CNAE ``5`` -> ``05``).
    value_column
        Counts (numbers >= 0) or, with ``measure="indicator"``, 0/1.
    year_column
        Optional year (whole numbers); without it ``year`` is ``<NA>``.
    kind, system, measure
        What the table holds (:data:`~lps_geo.vocab.InnovationKind`, ...).
    boundaries
        Municipalities (GeoDataFrame indexed by code, or an Index of codes):
        codes not among them are handled by ``unmatched``.
    unmatched
        ``"raise"`` an InputError naming the codes, or ``"report"``: leave
        their rows out with a :class:`~lps_geo.errors.MissingCodesWarning`
        and list them in ``report.unmatched``.
    sep, encoding, sheet
        How to read the file.

    Returns
    -------
    InnovationOutputs
        One row per (region, field, year), level ``municipality``.

    Raises
    ------
    InputError
        Missing columns; empty or non-numeric codes, codes of the wrong
        length; invalid fields or years; empty, non-numeric or negative
        values (non-0/1 indicators); repeated (region, field, year) rows;
        codes not in ``boundaries`` with ``unmatched="raise"``. Each message
        names the file, the column and the rows.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "pat.csv"
    >>> _ = path.write_text("mun,ipc,ano,n\\n"
    ...                     "3550308,a01,2019,4\\n3550308,A01,2020,2\\n")
    >>> out = read_innovation_long(path, region_column="mun", field_column="ipc",
    ...     value_column="n", year_column="ano", kind="patents", system="ipc_class")
    >>> out.table[["region", "field", "year", "value"]]
        region field  year  value
    0  3550308   A01  2019    4.0
    1  3550308   A01  2020    2.0
    """
    check_choice(kind, choices(InnovationKind), "kind")
    check_choice(system, choices(InnovationSystem), "system")
    check_choice(measure, choices(InnovationMeasure), "measure")
    check_choice(unmatched, choices(BadRows), "unmatched")
    source = str(path)
    text = tuple(c for c in (region_column, field_column, year_column) if c)
    frame = read_table(
        path, text_columns=text, sep=sep, encoding=encoding, sheet_name=sheet
    )
    require_columns(
        frame.columns,
        {
            "region_column": region_column,
            "field_column": field_column,
            "value_column": value_column,
            "year_column": year_column,
        },
        source,
        frame=frame,
    )
    rows = [i + 2 for i in range(len(frame))]
    if not rows:
        raise InputError(f"{source}: the table has no data rows")
    codes = normalize_region_codes(
        frame[region_column].tolist(),
        source=source,
        column=region_column,
        what="municipality code",
        rows=rows,
    )
    fields = _fields(frame[field_column], system, source, field_column, rows)
    years = _years(frame, year_column, source, rows)
    values = _values(frame, value_column, measure, source, rows)

    notes = Notes()
    codes, keep, absent = _match_codes(codes, boundaries, source, region_column, rows)
    if absent:
        lost = values[~keep].sum()
        message = (
            f"{source}: {len(absent)} code(s) of column {region_column!r} are not "
            f"in the boundaries: {format_items(absent)} ({int((~keep).sum())} "
            f"row(s), value {lost:g})"
        )
        if unmatched == "raise":
            raise InputError(
                message + "; fix the codes, remove those rows, or pass "
                "unmatched='report'"
            )
        notes.warn(message + "; their rows were left out", MissingCodesWarning)
    table = pd.DataFrame(
        {"region": codes, "field": fields, "year": years, "value": values, "row": rows}
    )[keep]
    _check_repeated(table, source, region_column, field_column, year_column)
    table = finish_table(table, kind=kind, system=system, measure=measure)
    report = InnovationReport(
        source=source,
        format="long",
        kind=kind,
        system=system,
        measure=measure,
        level="municipality",
        n_read=len(rows),
        n_matched=int(keep.sum()),
        unmatched=tuple(absent),
        candidates={},
        ambiguous={},
        allocation=None,
        n_regions=int(table["region"].nunique()),
        total=float(table["value"].sum()),
        warnings=tuple(notes.messages),
    )
    logger.info(
        "%s: %d of %d rows read, %d municipalities, total %g",
        source,
        report.n_matched,
        report.n_read,
        report.n_regions,
        report.total,
    )
    return InnovationOutputs(table, report)


def _fields(column: pd.Series, system: str, source: str, name: str, rows: list[int]):
    parse, form = FIELD_CODES[system]
    out: list[str | None] = []
    empty, bad = [], []
    for row, value in zip(rows, column, strict=True):
        if is_missing(value):
            empty.append(row)
            out.append(None)
            continue
        code = parse(str(value))
        if code is None:
            bad.append((row, str(value)))
        out.append(code)
    if empty:
        raise InputError(
            f"{source}: column {name!r} is empty in {len(empty)} row(s) "
            f"({format_items(empty)}); every row needs its field code"
        )
    if bad:
        shown = format_items(f"row {r} ({v!r})" for r, v in bad)
        raise InputError(
            f"{source}: column {name!r} has {len(bad)} value(s) that are not "
            f"{form} (system={system!r}): {shown}; fix the codes or the system"
        )
    return out


def _years(frame: pd.DataFrame, column: str | None, source: str, rows: list[int]):
    if column is None:
        return pd.array([pd.NA] * len(rows), dtype="Int64")
    out, bad = [], []
    for row, value in zip(rows, frame[column], strict=True):
        code = clean_code(value)
        if code is None or not re.fullmatch(r"\d{4}", code):
            bad.append((row, "" if code is None else code))
            out.append(None)
        else:
            out.append(int(code))
    if bad:
        shown = format_items(f"row {r} ({v!r})" for r, v in bad)
        raise InputError(
            f"{source}: column {column!r} has {len(bad)} empty or invalid year(s): "
            f"{shown}; years must be 4-digit whole numbers"
        )
    return pd.array(out, dtype="Int64")


def _values(
    frame: pd.DataFrame, column: str, measure: str, source: str, rows: list[int]
) -> np.ndarray:
    values = parse_numbers(frame, [column], source=source)[column].to_numpy()
    for test, problem, fix in (
        (np.isnan(values), "empty", "write 0 where there is none"),
        (values < 0, "negative", "counts must be >= 0"),
        (
            (values != 0) & (values != 1)
            if measure == "indicator"
            else np.zeros(len(values), bool),
            "non-0/1",
            "indicators are 0 or 1; for counts pass measure='count'",
        ),
    ):
        if test.any():
            at = [rows[i] for i in np.flatnonzero(test)]
            raise InputError(
                f"{source}: column {column!r} has {len(at)} {problem} value(s) in "
                f"row(s) {format_items(at)}; {fix}"
            )
    return values


def _match_codes(
    codes: list[str], boundaries: Any, source: str, column: str, rows: list[int]
) -> tuple[list[str], np.ndarray, list[str]]:
    """7-digit codes, which rows are kept, and the codes not in ``boundaries``."""
    if boundaries is None:
        wrong = [(r, c) for r, c in zip(rows, codes, strict=True) if len(c) != 7]
        if wrong:
            hint = (
                "; 6-digit RAIS codes need boundaries= to be matched to IBGE codes"
                if all(len(c) == 6 for _, c in wrong)
                else ""
            )
            raise InputError(
                f"{source}: column {column!r} has {len(wrong)} code(s) that are not "
                "7-digit IBGE municipality codes, in "
                f"{format_items(f'row {r} ({c!r})' for r, c in wrong)}{hint}"
            )
        return codes, np.ones(len(codes), bool), []
    if isinstance(boundaries, (pd.DataFrame, pd.Series)):
        boundaries = boundaries.index
    known = pd.Index([str(code) for code in boundaries])
    rename = match_rais6_layout(sorted(set(codes)), known)
    codes = [rename.get(code, code) for code in codes]
    keep = pd.Index(codes).isin(known)
    absent = sorted(set(np.asarray(codes, dtype=object)[~keep]))
    return codes, np.asarray(keep), absent


def _check_repeated(
    table: pd.DataFrame,
    source: str,
    region_column: str,
    field_column: str,
    year_column: str | None,
) -> None:
    key = ["region", "field", "year"]
    repeated = table[table.duplicated(key, keep=False)]
    if len(repeated):
        groups = [
            f"{r} {f}{'' if pd.isna(y) else f' {y}'} (rows "
            f"{', '.join(map(str, g['row']))})"
            for (r, f, y), g in repeated.groupby(key, dropna=False, sort=False)
        ]
        columns = [region_column, field_column] + ([year_column] if year_column else [])
        raise InputError(
            f"{source}: {len(groups)} ({', '.join(map(repr, columns))}) "
            f"combination(s) appear on several rows: {format_items(groups, 3)}; "
            "give one row per combination (sum them first)"
        )
