"""Small helpers shared by the readers of :mod:`lps_geo.io` (not public API).

Everything here exists so that the readers validate inputs the same way and
word their errors the same way: name the file, the column, at most a handful
of offending codes or rows, and the fix.
"""

from __future__ import annotations

import csv
import difflib
import logging
import math
import re
import unicodedata
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lps_geo.errors import ConfigError, InputError

logger = logging.getLogger(__name__)

#: How many offending items an error message shows before "and N more".
MAX_SHOWN = 5

_SEPARATORS = (";", ",", "\t", "|")
_EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
_PARQUET_SUFFIXES = (".parquet", ".pq")


def format_items(items: Iterable[Any], max_shown: int = MAX_SHOWN) -> str:
    """Join items for an error message, showing at most ``max_shown``.

    Examples
    --------
    >>> format_items(["1", "2", "3", "4", "5", "6", "7"])
    '1, 2, 3, 4, 5 and 2 more'
    >>> format_items([3])
    '3'
    """
    items = list(items)
    shown = ", ".join(str(item) for item in items[:max_shown])
    if len(items) > max_shown:
        shown += f" and {len(items) - max_shown} more"
    return shown


def format_rows(rows: Iterable[int], max_shown: int = MAX_SHOWN) -> str:
    """File rows for a message, each named ``row N`` so one can be searched.

    Examples
    --------
    >>> format_rows([5]), format_rows([5, 9])
    ('row 5', 'row 5, row 9')
    """
    return format_items((f"row {row}" for row in rows), max_shown)


def format_quoted(items: Iterable[Any], max_shown: int = MAX_SHOWN) -> str:
    """Like :func:`format_items` with each item quoted with ``repr``."""
    return format_items([repr(str(item)) for item in items], max_shown)


def normalize_text(text: Any) -> str:
    """Fold a title for comparison: no accents, lower case, single spaces.

    Punctuation becomes a space, so "Infra-Est." and "infra est" agree.

    Examples
    --------
    >>> normalize_text("  AqüIcultura ")
    'aquicultura'
    >>> normalize_text("Fabricação de Calçados")
    'fabricacao de calcados'
    >>> normalize_text("{ñ class}")
    'n class'
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = re.sub(r"[^0-9a-z]+", " ", ascii_only.lower())
    return " ".join(words.split())


def is_missing(value: Any) -> bool:
    """True for None, NaN, pandas NA and blank strings."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    return False


def clean_code(value: Any) -> str | None:
    """Turn a code cell into a plain string, or None when it is empty.

    Integers and integral floats (``3516200``, ``3516200.0``,
    ``"3516200.0"``) lose the decimal part; surrounding spaces go.

    Examples
    --------
    >>> clean_code(3516200.0), clean_code(" 3516200 "), clean_code("3516200.0")
    ('3516200', '3516200', '3516200')
    >>> clean_code(float("nan")) is None
    True
    """
    if is_missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if float(value).is_integer():
            return str(int(value))
        return str(value)
    text = str(value).strip()
    match = re.fullmatch(r"(\d+)\.0*", text)
    if match:
        return match.group(1)
    return text


def normalize_region_codes(
    values: Iterable[Any],
    *,
    source: str,
    column: str,
    what: str = "region code",
    unit: str = "data row",
    rows: Sequence[int] | None = None,
    hint: str | None = None,
) -> list[str]:
    """Normalise region codes to strings of digits, or raise naming the rows.

    Parameters
    ----------
    values
        The raw cells of the code column, in file order.
    source, column
        File and column named in the error messages.
    what, unit
        What the codes are and what a row is called, for the messages.
    rows
        File row number of each value: the messages then name ``row N``
        instead of the ``unit`` position.
    hint
        The fix to suggest for non-numeric codes (default: check the code
        column, remove total and label rows).

    Returns
    -------
    list of str
        One code per value, digits only.

    Raises
    ------
    InputError
        When a cell is empty (naming the row numbers, 1-based data rows) or
        holds something other than digits (naming the values).

    Examples
    --------
    >>> normalize_region_codes([3516200, "3509502.0", " 3550308"],
    ...                        source="x.csv", column="code")
    ['3516200', '3509502', '3550308']
    """
    cleaned = [clean_code(value) for value in values]
    empty_rows = [i + 1 for i, code in enumerate(cleaned) if code is None]
    if empty_rows:
        where = (
            format_rows([rows[i - 1] for i in empty_rows])
            if rows is not None
            else f"{unit}(s) {format_items(empty_rows)}"
        )
        raise InputError(
            f"{source}: column {column!r} has {len(empty_rows)} empty {what}(s) "
            f"in {where}; fill in the codes or remove those rows"
        )
    bad = sorted({code for code in cleaned if not code.isdigit()})
    if bad:
        where = ""
        if rows is not None:
            at = [rows[i] for i, code in enumerate(cleaned) if not code.isdigit()]
            where = f" in {format_rows(at)}"
        raise InputError(
            f"{source}: column {column!r} has {len(bad)} {what}(s) that are not "
            f"numeric codes{where}: {format_quoted(bad)}; the column must hold IBGE "
            "codes (digits only) -- "
            + (
                hint
                or "check code_column/region_column, or remove total and label rows"
            )
        )
    return cleaned  # type: ignore[return-value]


def require_columns(
    columns: Sequence[Any],
    wanted: dict[str, str | None],
    source: str,
    section: str | None = None,
    *,
    frame: pd.DataFrame | None = None,
    skiprows: int = 0,
) -> None:
    """Raise naming the missing column(s) and listing the available ones.

    With ``frame`` (the table as read with ``skiprows``), a missing column
    found as a cell of one of the first 30 rows means title rows above the
    header: the message gives the header's file row and ``skiprows``.

    ``wanted`` maps the argument name (for the fix) to the column asked for;
    ``None`` entries are skipped. With ``section`` (e.g. ``"inputs.size"``)
    the argument names are configuration keys of that section and the fix
    says ``set [section] key = ...``.
    """
    available = [str(column) for column in columns]
    for argument, column in wanted.items():
        if column is None:
            continue
        if column not in available:
            row = _header_row(frame, column, skiprows) if frame is not None else None
            if row is not None and section:
                raise InputError(
                    f"{source}: column {column!r} not found in the header (row "
                    f"{skiprows + 1}), but it is a cell of row {row}: the header "
                    f"is on row {row} -- set [{section}] skiprows = {row - 1}"
                )
            close = _close(column, available)
            hint = f" (did you mean {close!r}?)" if close else ""
            fix = f"set [{section}] {argument} =" if section else f"pass {argument}="
            raise InputError(
                f"{source}: column {column!r} not found{hint}; {fix} "
                "one of the available columns: "
                f"{format_quoted(available, max_shown=12)}"
            )


def _header_row(frame: pd.DataFrame, column: str, skiprows: int) -> int | None:
    """The file row (1-based) among the first 30 data rows holding ``column``."""
    head = frame.head(30)
    for k in range(len(head)):
        cells = {str(v).strip() for v in head.iloc[k].to_numpy() if not is_missing(v)}
        if column in cells:
            return skiprows + 2 + k
    return None


def _close(word: str, candidates: Sequence[str]) -> str | None:
    folded = {normalize_text(candidate): candidate for candidate in candidates}
    if normalize_text(word) in folded:
        return folded[normalize_text(word)]
    hits = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.75)
    return hits[0] if hits else None


def sniff_separator(sample: str) -> str:
    """Pick the CSV separator that splits the sample's lines most consistently.

    Each candidate (``;``, ``,``, tab, ``|``) parses the first lines with the
    :mod:`csv` module (so quoted titles with commas do not fool it); the
    winner gives the same number of fields, more than one, on every line and
    the most fields.

    Examples
    --------
    >>> sniff_separator('code;title\\n15.3;"Fabricação de calçados, outros"\\n')
    ';'
    >>> sniff_separator('code,"a, b"\\n1,2\\n')
    ','
    """
    lines = [line for line in sample.splitlines()[:20] if line.strip()]
    if len(lines) > 1:
        lines = lines[:-1] if not sample.endswith("\n") else lines
    best, best_score = ",", (-1, -1)
    for sep in _SEPARATORS:
        counts = [len(row) for row in csv.reader(lines, delimiter=sep)]
        if not counts:
            continue
        consistent = int(len(set(counts)) == 1 and counts[0] > 1)
        score = (consistent, counts[0])
        if score > best_score:
            best, best_score = sep, score
    return best


def _read_text_sample(path: Path, encoding: str | None) -> tuple[str, str]:
    """Return (sample text, encoding): UTF-8 first, then Latin-1."""
    raw = path.read_bytes()[:65536]
    if encoding is not None:
        return raw.decode(encoding, errors="replace"), encoding
    try:
        return raw.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError as error:
        if error.start > len(raw) - 4:  # a character cut by the sample end
            return raw[: error.start].decode("utf-8-sig"), "utf-8-sig"
        logger.info("%s is not UTF-8; reading it as Latin-1 (ISO-8859-1)", path)
        return raw.decode("latin-1"), "latin-1"


def check_file(path: str | Path) -> Path:
    """Return ``path`` as a Path, or raise if it is not an existing file."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found; check the path")
    if path.is_dir() and path.suffix.lower() not in (".gdb",):
        raise InputError(f"{path}: is a directory, not a file; pass the file path")
    return path


def read_table(
    path: str | Path,
    *,
    text_columns: Sequence[str] = (),
    sep: str | None = None,
    encoding: str | None = None,
    sheet_name: str | int = 0,
    decimal: str = ".",
    thousands: str | None = None,
    skiprows: int = 0,
    all_text: bool = False,
    section: str | None = None,
) -> pd.DataFrame:
    """Read a CSV/TSV, Excel or Parquet table; ``text_columns`` stay strings.

    CSV: the separator is sniffed when ``sep`` is None and the encoding
    falls back from UTF-8 to Latin-1. Code columns are read as text so
    leading zeros survive. ``skiprows`` lines before the header are skipped
    (CSV and Excel). ``all_text``: every CSV cell stays the text of the file
    (blank cells are ``""``, ``NaN`` stays ``"NaN"``) and Excel cells keep
    their type without pandas' NA spellings, for the count parser of
    :mod:`lps_geo.io.cells`. The raw header names (before pandas renames a
    repeated ``X`` to ``X.1``) are kept in ``frame.attrs["header"]``.
    ``section``: the configuration section whose ``sep``, ``encoding`` and
    ``sheet`` keys the error hints may name (None: generic hints).
    """
    path = check_file(path)
    suffix = path.suffix.lower()
    if suffix not in _EXCEL_SUFFIXES and sheet_name not in (0, None):
        where = f"[{section}] sheet" if section else "a sheet"
        raise InputError(
            f"{path}: {where} = {sheet_name!r} applies to Excel files only and "
            "this is not one; remove the sheet setting (or give the workbook)"
        )
    try:
        if suffix in _EXCEL_SUFFIXES:
            header = read_excel(
                path,
                sheet_name=sheet_name,
                header=0,
                skiprows=skiprows,
                nrows=0,
                section=section,
            )
            # converters see the raw cells: text stays text ("31.0" is a
            # CNAE group, not a number), numbers lose their ".0"
            converters = {
                column: _cell_text
                for column in header.columns
                if str(column).strip() in set(text_columns)
            }
            frame = read_excel(
                path,
                sheet_name=sheet_name,
                header=0,
                skiprows=skiprows,
                section=section,
                converters=converters,
                **({"keep_default_na": False, "na_values": [""]} if all_text else {}),
            )
            raw_header = read_excel(
                path, sheet_name=sheet_name, header=None, skiprows=skiprows, nrows=1
            )
            frame.columns = [str(column).strip() for column in frame.columns]
            frame.attrs["header"] = [
                "" if is_missing(v) else str(v).strip()
                for v in (raw_header.iloc[0] if len(raw_header) else [])
            ]
            return frame
        if suffix in _PARQUET_SUFFIXES:
            frame = pd.read_parquet(path)
            frame.columns = [str(column) for column in frame.columns]
            frame.attrs["header"] = list(frame.columns)
            return frame
        sample, encoding = _read_text_sample(path, encoding)
        sample = "\n".join(sample.split("\n")[skiprows:])
        if sep is None:
            sep = "\t" if suffix in (".tsv", ".tab") else sniff_separator(sample)
            logger.debug("%s: sniffed separator %r", path, sep)
        header = pd.read_csv(
            path, sep=sep, encoding=encoding, nrows=0, skiprows=skiprows
        )
        header_names = [str(column) for column in header.columns]
        stripped = {column: column.strip() for column in header_names}
        dtype = {
            column: str
            for column in header_names
            if all_text or stripped[column] in set(text_columns)
        }
        frame = pd.read_csv(
            path,
            sep=sep,
            encoding=encoding,
            dtype=dtype,
            decimal=decimal,
            thousands=thousands,
            skipinitialspace=True,
            skiprows=skiprows,
            **({"keep_default_na": False} if all_text else {}),
        )
        frame.columns = [str(column).strip() for column in frame.columns]
        first = next((line for line in sample.split("\n") if line.strip()), "")
        frame.attrs["header"] = [
            name.strip() for name in next(csv.reader([first], delimiter=sep), [])
        ]
        return frame
    except InputError:
        raise
    except ImportError:
        raise
    except LookupError as error:
        key = f"[{section}] encoding" if section else "the encoding"
        raise InputError(
            f"{path}: unknown encoding {encoding!r}; set {key} = "
            '"utf-8" or "latin-1" (or leave it unset: it is detected)'
        ) from error
    except pd.errors.EmptyDataError as error:
        raise InputError(
            f"{path}: the file is empty (no header, no rows); export the table again"
        ) from error
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError, OSError) as error:
        hint = (
            f"check the file format, or set [{section}] sep and encoding"
            if section
            else "check that the file is a CSV, Excel or Parquet table"
        )
        raise InputError(
            f"{path}: cannot read the table ({type(error).__name__}: "
            f"{str(error).splitlines()[0] if str(error) else ''}); {hint}"
        ) from error


def filter_rows(
    frame: pd.DataFrame,
    where: Mapping[str, Any] | None,
    source: str,
    section: str = "inputs.size",
) -> pd.DataFrame:
    """Keep the rows whose ``column`` equals the value (or one of the values).

    Cells and values are compared as codes (``2023``, ``2023.0`` and
    ``"2023"`` agree).
    """
    if not where:
        return frame
    available = [str(column) for column in frame.columns]
    for column in where:
        if column not in available:
            close = _close(column, available)
            hint = f" (did you mean {close!r}?)" if close else ""
            raise InputError(
                f"{source}: [{section}] where: column {column!r} not found{hint}; "
                f"available columns: {format_quoted(available, max_shown=12)}"
            )
    keep = np.ones(len(frame), dtype=bool)
    for column, wanted in where.items():
        values = wanted if isinstance(wanted, (list, tuple, set)) else [wanted]
        accepted = {clean_code(value) for value in values}
        cells = frame[column].map(clean_code)
        match = cells.isin(accepted).to_numpy()
        if not match.any():
            found = list(dict.fromkeys(cells.dropna()))
            raise InputError(
                f"{source}: no row has {column!r} in {sorted(map(str, accepted))}; "
                f"values found: {format_quoted(found)}; fix [{section}] where"
            )
        keep &= match
    if not keep.any():
        raise InputError(
            f"{source}: no row matches all of [{section}] where = {dict(where)!r}"
        )
    logger.info(
        "%s: kept %d of %d rows matching %s",
        source,
        int(keep.sum()),
        len(frame),
        dict(where),
    )
    return frame.loc[keep]


def _cell_text(value: Any) -> str | None:
    """Excel cell as text: numbers lose ``.0``, strings are only stripped."""
    if isinstance(value, str):
        return value.strip() or None
    return clean_code(value)


def read_excel(
    path: Path, *, section: str | None = None, **kwargs: Any
) -> pd.DataFrame:
    """``pandas.read_excel`` with a clear ImportError for .xls and no noise.

    Uses the calamine engine when installed, else openpyxl (.xlsx) or xlrd
    (.xls); silences pandas' deprecation notice about xlrd. Any reader
    failure is an InputError saying what the file is (empty, a CSV with an
    Excel name, ...); a missing sheet lists the workbook's sheets and names
    ``[section] sheet``.
    """
    engine = None
    try:  # optional Excel engines, probed lazily: only Excel reading needs them
        import python_calamine  # noqa: F401

        engine = "calamine"
    except ImportError:
        if path.suffix.lower() == ".xls":
            try:
                import xlrd  # noqa: F401
            except ImportError as error:
                raise ImportError(
                    f"reading {path} (.xls) needs xlrd: pip install xlrd "
                    "(or python-calamine)"
                ) from error
            engine = "xlrd"
    sheet = kwargs.get("sheet_name", 0)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*xlrd.*")
            if sheet is not None:
                with pd.ExcelFile(path, engine=engine) as book:
                    sheets = list(book.sheet_names)
                _check_sheet(path, sheet, sheets, section)
            return pd.read_excel(path, engine=engine, **kwargs)
    except (InputError, ImportError):
        raise
    except Exception as error:  # any reader failure: say what the file is
        raise InputError(_not_a_workbook(path, error)) from error


def _check_sheet(
    path: Path, sheet: str | int, sheets: list[str], section: str | None
) -> None:
    """Raise if ``sheet`` (a name or a 0-based index) is not in the workbook."""
    if isinstance(sheet, int) and 0 <= sheet < len(sheets):
        return
    if isinstance(sheet, str) and sheet in sheets:
        return
    key = f"set [{section}] sheet" if section else "choose the sheet"
    raise InputError(
        f"{path}: sheet {sheet!r} not found; the workbook has "
        f"{len(sheets)} sheet(s): {format_items(repr(s) for s in sheets)}; "
        f"{key} = one of them (a name, or a 0-based position)"
    )


def _not_a_workbook(path: Path, error: BaseException) -> str:
    """The one-line diagnosis of an Excel file the reader rejected."""
    head = path.read_bytes()[:8] if path.is_file() else b""
    if not head:
        return f"{path}: the file is empty (0 bytes); export the table again"
    if not (head.startswith(b"PK") or head.startswith(b"\xd0\xcf\x11\xe0")):
        looks = "a CSV or text file" if _is_text(path) else "not a spreadsheet"
        return (
            f"{path}: is not an Excel workbook (it looks like {looks}: rename "
            "it .csv if it is a CSV)"
        )
    detail = str(error).splitlines()[0] if str(error) else ""
    return (
        f"{path}: cannot read the Excel workbook ({type(error).__name__}: "
        f"{detail}); open it in a spreadsheet and save it again as .xlsx"
    )


def _is_text(path: Path) -> bool:
    """Whether the first bytes of ``path`` decode as text."""
    raw = path.read_bytes()[:4096]
    if b"\x00" in raw:
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return all(b >= 9 for b in raw)
    return True


def file_rows(index: pd.Index, positions: Iterable[int], row_offset: int) -> list[int]:
    """File row numbers of frame positions.

    Frames from :func:`read_table` keep the labels of the rows as read, also
    after rows were filtered out, so the label (not the position) gives the
    file row: label + ``row_offset`` (2 for one header line).

    Examples
    --------
    >>> file_rows(pd.Index([0, 3, 4]), [1, 2], 2)
    [5, 6]
    """
    if pd.api.types.is_integer_dtype(index):
        return [int(index[p]) + row_offset for p in positions]
    return [int(p) + row_offset for p in positions]


def parse_numbers(
    frame: pd.DataFrame, columns: Sequence[str], *, source: str, row_offset: int = 2
) -> pd.DataFrame:
    """Return ``frame[columns]`` as float, raising on non-numeric cells.

    Empty cells are kept as NaN (the caller decides what they mean).
    ``row_offset`` converts positions to file row numbers (2 for a CSV with
    one header line).
    """
    out = {}
    for column in columns:
        values = frame[column]
        if pd.api.types.is_bool_dtype(values):
            numbers = values.astype(float)
        elif pd.api.types.is_numeric_dtype(values):
            numbers = values.astype(float)
        else:
            text = values.map(lambda v: v.strip() if isinstance(v, str) else v)
            numbers = pd.to_numeric(text, errors="coerce")
            bad = numbers.isna() & ~text.map(is_missing).astype(bool)
            if bad.any():
                positions = np.flatnonzero(bad.to_numpy())
                rows = file_rows(frame.index, positions, row_offset)
                shown = format_quoted(text.iloc[positions].tolist(), max_shown=3)
                raise InputError(
                    f"{source}: column {column!r} has {len(rows)} non-numeric "
                    f"value(s) in row(s) {format_items(rows)} ({shown}); write "
                    "them as plain numbers with a '.' decimal mark and no "
                    "thousands separator"
                )
            numbers = numbers.astype(float)
        out[column] = numbers.to_numpy(dtype=float)
    return pd.DataFrame(out, index=frame.index)


def check_choice(value: Any, allowed: Iterable[Any], argument: str) -> None:
    """Raise a ConfigError unless ``value`` is one of ``allowed``.

    >>> check_choice("drop", ("raise", "drop"), "unmatched")
    >>> check_choice("x", ("raise", "drop"), "unmatched")
    Traceback (most recent call last):
    ...
    lps_geo.errors.ConfigError: unmatched='x' is not valid; use one of 'raise', 'drop'
    """
    allowed = list(allowed)
    if value not in allowed:
        raise ConfigError(
            f"{argument}={value!r} is not valid; use one of "
            f"{', '.join(repr(a) for a in allowed)}"
        )
