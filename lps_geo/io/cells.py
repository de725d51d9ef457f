"""Count cells of size tables: notation, blanks, integers and plausibility.

The size readers (:func:`~lps_geo.io.read_long`, :func:`~lps_geo.io.read_wide`)
read their count columns as raw text and hand them to :func:`parse_counts`,
so a cell is judged by what the file says, not by what pandas guessed:

* numbers are parsed in the notation of the configuration (``thousands``,
  ``decimal``); Brazilian notations met with the default settings
  (``2.400``, ``12,5``, ``1.234,5``) are errors that name the setting;
* blank cells, pandas' NA spellings (``NaN``, ``NA``, ``null`` ...) and
  IBGE's dash ``-`` are errors unless ``blank = "zero"``, which reads them as
  0 with an :class:`~lps_geo.errors.InputFixWarning`;
* IBGE's ``X`` (a value suppressed for confidentiality) is always an error;
* counts are whole numbers >= 0: ``2.5`` or ``-3`` is an error.

:func:`check_outliers` then flags implausible cells (see its rule), and
:func:`check_header` duplicate column names that pandas would rename.
Every error names the file, the column, the file row and the region, and the
configuration key that changes the reading.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from lps_geo.errors import InputError, InputFixWarning, LpsGeoWarning
from lps_geo.io._util import file_rows, format_items, is_missing
from lps_geo.vocab import BlankPolicy, OutlierPolicy

#: pandas' default NA spellings: blanks, never silently 0.
NA_TEXTS = frozenset(
    {
        "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
        "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a",
        "nan", "null",
    }
)  # fmt: skip
#: IBGE's dash for a zero (and its typographic variants).
DASHES = frozenset({"-", "\u2013", "\u2014"})
#: IBGE's mark of a value suppressed for confidentiality.
SUPPRESSED = frozenset({"X"})

#: Outlier rule: the largest cell of an industry is implausible when it is more
#: than ``OUTLIER_RATIO`` times the second-largest, more than the sum of all
#: other regions, and the industry has at least ``OUTLIER_MIN_REGIONS``
#: nonzero regions.
OUTLIER_RATIO = 100.0
OUTLIER_MIN_REGIONS = 3

#: How many cells an error shows.
_SHOWN = 3
_DIGITS = re.compile(r"\d+")


def _number_pattern(thousands: str | None, decimal: str) -> re.Pattern[str]:
    dec = re.escape(decimal)
    if thousands is None:
        return re.compile(rf"[+-]?\d+(?:{dec}\d+)?")
    sep = re.escape(thousands)
    return re.compile(rf"[+-]?(?:\d{{1,3}}(?:{sep}\d{{3}})+|\d+)(?:{dec}\d+)?")


def _notation_hint(text: str, thousands: str | None, decimal: str, section: str) -> str:
    """Which setting reads a cell written in another notation, or ''."""
    key = f"[{section}]"
    if text in ("..", "...", "\u2026"):
        return (
            "IBGE marks a value not applicable with '..' and not available with "
            "'...'; no setting reads it as a count -- fill in the cells or remove "
            "the rows"
        )
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+,\d+", text):
        return (
            f'Brazilian notation (thousands "." and decimal ","): set {key} '
            'thousands = "." and decimal = ","'
        )
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+\.\d+", text):
        return f'thousands "," and decimal ".": set {key} thousands = ","'
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text) and thousands != ".":
        return f'"." looks like a thousands separator: set {key} thousands = "."'
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", text) and thousands != ",":
        return (
            f'"," looks like a thousands separator: set {key} thousands = "," '
            f'(or decimal = "," if it is a decimal comma)'
        )
    if re.fullmatch(r"\d+,\d+", text) and decimal != ",":
        return f'a decimal comma: set {key} decimal = "," to read it'
    if re.fullmatch(r"\d{1,3}(?: \d{3})+", text) and thousands != " ":
        return f'" " looks like a thousands separator: set {key} thousands = " "'
    return ""


def _classify(
    value: Any, pattern: re.Pattern[str], thousands: str | None, decimal: str
) -> tuple[str, float]:
    """(kind, number) of one cell; kind is ok, blank, dash, suppressed, text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "blank", np.nan
    if isinstance(value, (bool, np.bool_)):
        return "text", np.nan
    if isinstance(value, (int, np.integer)):
        return "ok", float(value)
    if isinstance(value, (float, np.floating)):
        return ("blank", np.nan) if np.isnan(value) else ("ok", float(value))
    text = str(value).strip()
    if text in NA_TEXTS:
        return "blank", np.nan
    if text in DASHES:
        return "dash", np.nan
    if text in SUPPRESSED:
        return "suppressed", np.nan
    if thousands == " ":
        text = text.replace("\u00a0", " ")
    if not pattern.fullmatch(text):
        return "text", np.nan
    if thousands is not None:
        text = text.replace(thousands, "")
    return "ok", float(text.replace(decimal, "."))


def _cell(row: int, label: str, raw: Any) -> str:
    shown = raw if isinstance(raw, str) else ("" if raw is None else repr(raw))
    return f"row {row} ({label}) {str(shown).strip()!r}"


def parse_counts(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    rows: Sequence[int],
    labels: Sequence[str],
    source: str,
    section: str = "inputs.size",
    thousands: str | None = None,
    decimal: str = ".",
    blank: BlankPolicy = "error",
) -> pd.DataFrame:
    """Parse count columns, cell by cell, into whole numbers >= 0.

    Parameters
    ----------
    frame
        The table as read, count columns as raw text (or numbers, from Excel
        and Parquet).
    columns
        The count columns.
    rows, labels
        File row number and description (e.g. ``"region 3516200"``) of each
        row of ``frame``, for the messages.
    source, section
        File and configuration section (``inputs.size``) named in messages.
    thousands, decimal
        Number notation (``[inputs.size] thousands`` and ``decimal``); when
        both are the same mark, ``decimal`` is the other one.
    blank
        ``"error"``: blank, NA-spelled and ``-`` cells are errors; ``"zero"``:
        they are 0, announced by an :class:`~lps_geo.errors.InputFixWarning`.

    Returns
    -------
    DataFrame
        Float counts, index of ``frame``.

    Raises
    ------
    InputError
        Naming column, file row, region and value of the first kind of bad
        cell: suppressed ``X``, text, blank, non-integer, negative.

    Examples
    --------
    >>> frame = pd.DataFrame({"jobs": ["2.400", "7"]})
    >>> parse_counts(frame, ["jobs"], rows=[2, 3], labels=["a", "b"],
    ...              source="e.csv", thousands=".")["jobs"].tolist()
    [2400.0, 7.0]
    >>> parse_counts(frame, ["jobs"], rows=[2, 3], labels=["a", "b"],
    ...              source="e.csv")
    Traceback (most recent call last):
    ...
    lps_geo.errors.InputError: e.csv: column 'jobs' has 1 non-integer count(s): \
row 2 (a) '2.400'; counts are whole numbers ('2.400' reads as 2.4) -- "." \
looks like a thousands separator: set [inputs.size] thousands = "."
    """
    if thousands == decimal:  # thousands="." alone: the decimal mark is ","
        decimal = "," if thousands == "." else "."
    pattern = _number_pattern(thousands, decimal)
    key = f"[{section}]"
    out: dict[str, np.ndarray] = {}
    blanks: list[str] = []
    for column in columns:
        values = frame[column]
        numbers = np.full(len(values), np.nan)
        raw = values.to_numpy(dtype=object)
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(
            values
        ):
            numbers = values.to_numpy(dtype=float)
            slow = np.flatnonzero(np.isnan(numbers))
        else:
            fast = values.map(
                lambda v: (
                    isinstance(v, str) and _DIGITS.fullmatch(v.strip()) is not None
                )
            ).to_numpy(dtype=bool)
            if fast.any():
                numbers[fast] = [float(v) for v in raw[fast]]
            slow = np.flatnonzero(~fast)
        kinds: dict[str, list[int]] = {}
        for p in slow:
            kind, number = _classify(raw[p], pattern, thousands, decimal)
            numbers[p] = number
            if kind != "ok":
                kinds.setdefault(kind, []).append(p)

        def cells(positions: Sequence[int], raw: np.ndarray = raw) -> str:
            return format_items(
                [_cell(rows[p], labels[p], raw[p]) for p in positions], _SHOWN
            )

        head = f"{source}: column {column!r} has"
        if "suppressed" in kinds:
            found = kinds["suppressed"]
            raise InputError(
                f"{head} {len(found)} suppressed value(s): {cells(found)}; IBGE/RAIS "
                "print X where a count is withheld for confidentiality, and no "
                "setting can read it as a number -- fill in the counts, or use "
                "a table without suppression (e.g. a coarser industry level)"
            )
        if "text" in kinds:
            found = kinds["text"]
            text = str(raw[found[0]]).strip()
            hint = _notation_hint(text, thousands, decimal, section)
            raise InputError(
                f"{head} {len(found)} value(s) that are not counts: {cells(found)}"
                + (f" -- {hint}" if hint else " -- fix the cells")
            )
        empty = kinds.get("blank", []) + kinds.get("dash", [])
        empty.sort()
        if empty and blank == "error":
            dash = " ('-' is IBGE's dash for zero)" if "dash" in kinds else ""
            raise InputError(
                f"{head} {len(empty)} blank count cell(s){dash}: {cells(empty)}; a "
                "count must be a number -- fill in the cells, or set "
                f'{key} blank = "zero" to read blank, "NaN" and "-" cells as 0'
            )
        if empty:
            numbers[empty] = 0.0
            blanks.extend(
                f"column {column!r} {_cell(rows[p], labels[p], raw[p])}" for p in empty
            )
        fractional = np.flatnonzero(numbers != np.round(numbers))
        if len(fractional):
            p = fractional[0]
            text = str(raw[p]).strip()
            hint = _notation_hint(text, thousands, decimal, section) or (
                "fix the cells"
            )
            raise InputError(
                f"{head} {len(fractional)} non-integer count(s): "
                f"{cells(fractional)}; counts are whole numbers ({text!r} reads "
                f"as {numbers[p]:g}) -- {hint}"
            )
        negative = np.flatnonzero(numbers < 0)
        if len(negative):
            raise InputError(
                f"{head} {len(negative)} negative count(s): {cells(negative)}; "
                "counts must be >= 0 -- fix the cells"
            )
        out[column] = numbers
    if blanks:
        warnings.warn(
            f"{source}: {len(blanks)} blank count cell(s) (blank, 'NaN' or '-') "
            f'read as 0 ({key} blank = "zero"), e.g. {format_items(blanks, 3)}',
            InputFixWarning,
            stacklevel=3,
        )
    return pd.DataFrame(out, index=frame.index, columns=list(columns))


def outlier_cells(table: pd.DataFrame) -> list[tuple[Any, Any, float, float]]:
    """Implausible cells of a regions x industries table.

    The rule: in an industry column with at least 3 nonzero regions, the
    largest cell is implausible when it is more than 100 times the
    second-largest **and** more than the sum of every other region. A
    real dominant centre (Franca's 1,496 footwear establishments against
    Nova Serrana's 683) is far from it; a cell with three extra digits, or a
    national total typed into a municipality row, meets it.

    Returns
    -------
    list of (region, industry, value, ratio to the second-largest)

    Examples
    --------
    >>> t = pd.DataFrame({"15.3": [5000.0, 4.0, 3.0, 1.0]}, index=list("abcd"))
    >>> outlier_cells(t)
    [('a', '15.3', 5000.0, 1250.0)]
    """
    found = []
    for column in table.columns:
        values = table[column].to_numpy(dtype=float)
        if np.count_nonzero(values) < OUTLIER_MIN_REGIONS:
            continue
        order = np.argsort(values)
        top, second = values[order[-1]], values[order[-2]]
        if second > 0 and top > OUTLIER_RATIO * second and top > values.sum() - top:
            found.append(
                (table.index[order[-1]], column, float(top), float(top / second))
            )
    return found


def check_outliers(
    table: pd.DataFrame,
    *,
    source: str,
    describe: Callable[[Any, Any], str],
    policy: OutlierPolicy = "error",
    section: str = "inputs.size",
) -> None:
    """Apply ``[inputs.size] outliers`` to the cells of :func:`outlier_cells`.

    ``describe(region, industry)`` names the cell (column, file row, region).
    ``"error"`` raises, ``"warn"`` warns (the value is kept), ``"keep"`` does
    nothing.
    """
    if policy == "keep":
        return
    found = outlier_cells(table)
    if not found:
        return
    shown = format_items(
        (
            f"{describe(region, industry)} = {value:g}, {ratio:,.0f}x the "
            f"second-largest of industry {industry} ({value / ratio:g})"
            for region, industry, value, ratio in found
        ),
        max_shown=_SHOWN,
    )
    message = (
        f"{source}: {len(found)} implausible count(s): {shown} (and more than "
        "all other regions together)"
    )
    if policy == "error":
        raise InputError(
            message + "; check the cells (an extra digit? a total in a "
            f'municipality row?), or set [{section}] outliers = "warn" (or '
            '"keep") if they are right'
        )
    warnings.warn(message + "; kept as they are", LpsGeoWarning, stacklevel=3)


def check_header(
    frame: pd.DataFrame, columns: Sequence[str] | None, source: str, section: str
) -> None:
    """Raise when a column name repeats in the raw header.

    pandas renames the second ``X`` to ``X.1``; :func:`~lps_geo.io._util.
    read_table` keeps the raw header in ``frame.attrs["header"]``. Only
    ``columns`` are checked (None: every column).
    """
    header = [str(name).strip() for name in frame.attrs.get("header", ())]
    positions: dict[str, list[int]] = {}
    for k, name in enumerate(header, start=1):
        positions.setdefault(name, []).append(k)
    repeated = {
        name: where
        for name, where in positions.items()
        if len(where) > 1 and name and (columns is None or name in columns)
    }
    if repeated:
        shown = format_items(
            f"{name!r} (columns {', '.join(map(str, where))})"
            for name, where in repeated.items()
        )
        raise InputError(
            f"{source}: the header repeats {len(repeated)} column name(s): {shown}; "
            "each column must be named once -- rename or remove the duplicate"
        )


def check_rows(frame: pd.DataFrame, source: str, section: str) -> None:
    """Raise when a table has a header and no data rows."""
    if len(frame) == 0:
        raise InputError(
            f"{source}: the table has a header but no data rows; check the file "
            f"([{section}] path)"
        )


def lenient_sum(
    frame: pd.DataFrame, columns: Sequence[str], thousands: str | None, decimal: str
) -> pd.DataFrame:
    """The cells that read as numbers, others 0 (for announcing total rows)."""
    pattern = _number_pattern(thousands, decimal)
    out = {}
    for column in columns:
        cells = [
            _classify(value, pattern, thousands, decimal)
            for value in frame[column].to_numpy(dtype=object)
        ]
        out[column] = [number if kind == "ok" else 0.0 for kind, number in cells]
    return pd.DataFrame(out, index=frame.index, columns=list(columns))


def _whole_number_problem(value: Any) -> str | None:
    """Why ``value`` is not a whole number >= 0 (None: it is one)."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return "blank"
        if re.fullmatch(r"\d+", text):
            return None
        if re.fullmatch(r"\d{1,3}([.,\s\u00a0]\d{3})+", text):
            return "text with a thousands mark"
        return "not a whole number"
    if isinstance(value, bool) or is_missing(value):
        return "blank" if is_missing(value) else "not a number"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "not a number"
    if not np.isfinite(number):
        return "not a number"
    if number < 0:
        return "negative"
    if number != int(number):
        return "not a whole number"
    return None


def _shown(value: Any) -> str:
    """A cell as the message quotes it: text quoted, numbers plain."""
    return repr(value) if isinstance(value, str) else str(value)


def parse_whole_numbers(
    values: pd.Series, *, source: str, column: str, what: str, hint: str
) -> pd.Series:
    """Whole numbers >= 0 of ``values`` (index: region codes), else an error.

    Text cells must be plain digits: ``"63.412"`` is an error, never 63.412
    nor 63412 (a thousands dot and a decimal point look the same).

    >>> parse_whole_numbers(pd.Series(["12", 3.0], index=["a", "b"]),
    ...     source="f", column="POP", what="population", hint="h").tolist()
    [12.0, 3.0]
    >>> parse_whole_numbers(pd.Series(["63.412"], index=["a"]),
    ...     source="f", column="POP", what="population", hint="h")
    Traceback (most recent call last):
    ...
    lps_geo.errors.InputError: f: column 'POP' has 1 bad population value(s): \
region a ('63.412'): text with a thousands mark ('63.412' could be 63412 or \
63.412: store plain integers such as 63412); h
    """
    problems = {code: _whole_number_problem(value) for code, value in values.items()}
    bad = [(code, why) for code, why in problems.items() if why is not None]
    if bad:
        shown = "; ".join(
            f"region {code} ({_shown(values[code])}): {why}" for code, why in bad[:5]
        )
        more = f"; and {len(bad) - 5} more" if len(bad) > 5 else ""
        marked = [code for code, why in bad if why == "text with a thousands mark"]
        if marked:
            text = str(values[marked[0]]).strip()
            plain = re.sub(r"\D", "", text)
            more += (
                f" ({text!r} could be {plain} or {text.replace(',', '.')}: "
                f"store plain integers such as {plain})"
            )
        raise InputError(
            f"{source}: column {column!r} has {len(bad)} bad {what} value(s): "
            f"{shown}{more}; {hint}"
        )
    return values.map(
        lambda v: float(str(v).strip()) if isinstance(v, str) else float(v)
    )


def untitled_columns(
    frame: pd.DataFrame, columns: Sequence[str], source: str, offset: int
) -> list[str]:
    """The ``columns`` whose header cell is blank (pandas' ``Unnamed: k``).

    Empty ones (a trailing separator) are returned, to be dropped with a
    note; one holding values is an error naming its position and a cell.
    """
    header = list(frame.attrs.get("header", ()))
    out = []
    for k, column in enumerate(frame.columns):
        if column not in columns or (k < len(header) and header[k]):
            continue
        if k >= len(header) and not str(column).startswith("Unnamed:"):
            continue
        cells = frame[column].map(lambda v: "" if is_missing(v) else str(v).strip())
        filled = np.flatnonzero(cells.to_numpy(dtype=object) != "")
        if len(filled):
            p = filled[0]
            (row,) = file_rows(frame.index, [p], offset)
            raise InputError(
                f"{source}: column {k + 1} has no title (blank header cell) but "
                f"holds {len(filled)} value(s), e.g. row {row} {cells.iloc[p]!r}; "
                "name it (its CNAE code or title) or remove the column"
            )
        out.append(column)
    return out
