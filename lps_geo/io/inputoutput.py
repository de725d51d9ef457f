"""Read IBGE's input-output matrix (67 activities) and the SCN x CNAE correspondence.

:func:`read_input_output` reads the *Matriz de Insumo-Produto Brasil 2015, nível
67* workbook of IBGE's Coordenação de Contas Nacionais (15 sheets ``01`` ..
``15``, R$ million) into an :class:`IOTable`: the 67 activities, the technical
coefficients activity x activity (sheet 14, matrix D·Bn), the Leontief inverse
(sheet 15) and each activity's output (sheet 01, production of the activities,
row "Total"). :func:`read_scn_cnae` reads the correspondence between those
activities and CNAE 2.0 divisions or groups shipped with lps_geo
(``lps_geo/io/data/scn67_cnae.csv``, project-authored; its header cites the
source) or a user copy in the same layout.

Examples
--------
>>> corr = read_scn_cnae()
>>> corr.loc[corr["activity_code"] == "1500", ["cnae_division", "cnae_group"]]
... # doctest: +NORMALIZE_WHITESPACE
   cnae_division cnae_group
29            15       None
>>> sorted(set(corr.loc[corr["cnae_division"] == "19", "activity_code"]))
['1991', '1992']
"""

from __future__ import annotations

import logging
import math
import re
import warnings
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from lps_geo.errors import InputError
from lps_geo.io._util import check_file, format_items
from lps_geo.io.cnae import normalize_cnae_code, parse_code

logger = logging.getLogger(__name__)

#: Number of activities of the level-67 matrix.
N_ACTIVITIES = 67
#: Sheets read, and what each holds.
SHEETS = {
    "01": "Recursos de bens e serviços (production of the activities)",
    "14": "coeficientes técnicos intersetoriais, matriz D·Bn",
    "15": "matriz de impacto intersetorial (Leontief)",
}
#: Columns of the correspondence file, in order.
CORRESPONDENCE_COLUMNS = (
    "activity_code",
    "activity_name",
    "cnae_division",
    "cnae_group",
    "note",
)

_ACTIVITY = re.compile(r"\d{4}")
_HEADER_CODE = re.compile(r"\s*(\d{4})\s*\n")


def column_letter(position: int) -> str:
    """Excel column letter of a 0-based column position (0 -> A, 68 -> BQ).

    >>> column_letter(0), column_letter(2), column_letter(68)
    ('A', 'C', 'BQ')
    """
    letters = ""
    n = position + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True, eq=False)
class IOTable:
    """IBGE's input-output matrix at the level of 67 activities.

    Every frame and series is indexed by the 4-digit activity code (``"0191"``
    .. ``"9700"``, in IBGE order), index name ``"activity"``.

    Attributes
    ----------
    activities
        Activity names (Series, name ``"activity_name"``).
    coefficients
        National technical coefficients D·Bn (sheet 14): ``coefficients.loc[i,
        j]`` is the domestic output of activity ``i`` used per unit of output
        of activity ``j``. Rows supply, columns buy.
    leontief
        The Leontief inverse (sheet 15), ``inv(I - coefficients)``.
    output
        Output of each activity at basic prices, R$ million (sheet 01, row
        "Total" of the production block).
    source
        The workbook read (named in messages).
    """

    activities: pd.Series
    coefficients: pd.DataFrame
    leontief: pd.DataFrame
    output: pd.Series
    source: str = "input-output table"

    def __repr__(self) -> str:
        return (
            f"<IOTable of {len(self.activities)} activities "
            f"(output R$ {self.output.sum():,.0f} million) from {self.source}>"
        )


def read_input_output(path: str | Path) -> IOTable:
    """Read IBGE's *Matriz de Insumo-Produto* (level 67) workbook.

    Parameters
    ----------
    path
        The ``.xls`` workbook as published by IBGE
        (``Matriz_de_Insumo_Produto_2015_Nivel_67.xls``).

    Returns
    -------
    IOTable
        Activities, technical coefficients (sheet 14), Leontief inverse
        (sheet 15) and output per activity (sheet 01).

    Raises
    ------
    InputError
        The file is not a workbook, a sheet is missing, the code column does
        not hold 67 activity codes, row and column codes disagree, or a cell
        is not a number; the message names the sheet, row and column.
    """
    path = check_file(path)
    sheets = _read_sheets(path)
    activities, coefficients = _square_sheet(path, "14", sheets["14"])
    names2, leontief = _square_sheet(path, "15", sheets["15"])
    if list(names2.index) != list(activities.index):
        raise InputError(
            f"{path}: sheet '15' lists other activity codes than sheet '14' "
            f"({format_items(sorted(set(names2.index) ^ set(activities.index)))}); "
            "use the unmodified IBGE workbook"
        )
    output = _output(path, sheets["01"], list(activities.index))
    table = IOTable(
        activities=activities,
        coefficients=coefficients,
        leontief=leontief,
        output=output,
        source=str(path),
    )
    logger.info("read %r", table)
    return table


def _read_sheets(path: Path) -> dict[str, pd.DataFrame]:
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*xlrd.*")
            book = pd.ExcelFile(path)
    except ImportError as error:
        raise ImportError(
            f"reading {path} (.xls) needs xlrd: pip install xlrd"
        ) from error
    except Exception as error:  # any reader failure: not a workbook
        raise InputError(
            f"{path}: not a readable Excel workbook ({type(error).__name__}: "
            f"{error}); give IBGE's Matriz_de_Insumo_Produto_2015_Nivel_67.xls"
        ) from error
    with book:
        names = [str(name) for name in book.sheet_names]
        missing = [name for name in SHEETS if name not in names]
        if missing:
            raise InputError(
                f"{path}: sheet(s) {format_items(repr(m) for m in missing)} "
                f"({'; '.join(SHEETS[m] for m in missing)}) not found; the "
                f"workbook has {format_items(repr(n) for n in names)}; give "
                "IBGE's level-67 workbook with its 15 sheets '01'..'15'"
            )
        return {
            name: pd.read_excel(book, sheet_name=name, header=None, dtype=object)
            for name in SHEETS
        }


def _code(value: object) -> str | None:
    """A 4-digit activity code in a cell, or None."""
    if isinstance(value, str) and _ACTIVITY.fullmatch(value.strip()):
        return value.strip()
    return None


def _header_code(value: object) -> str | None:
    """The code of a column header such as ``"0191\\nAgricultura, ..."``."""
    if isinstance(value, str):
        match = _HEADER_CODE.match(value)
        if match:
            return match.group(1)
    return None


def _number(path: Path, sheet: str, row: int, col: int, value: object) -> float:
    """A finite number, else an InputError naming the cell."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise InputError(
            f"{path}: sheet {sheet!r} cell {column_letter(col)}{row + 1} "
            f"(row {row + 1}, column {column_letter(col)}) holds {value!r}, "
            "not a number; restore the IBGE value"
        )
    number = float(value)
    if not math.isfinite(number):
        raise InputError(
            f"{path}: sheet {sheet!r} cell {column_letter(col)}{row + 1} "
            f"is {value!r}; restore the IBGE value"
        )
    return number


def _block(
    path: Path, sheet: str, frame: pd.DataFrame, rows: list[int], cols: list[int]
) -> np.ndarray:
    values = frame.to_numpy(dtype=object)
    out = np.empty((len(rows), len(cols)))
    for a, r in enumerate(rows):
        for b, c in enumerate(cols):
            out[a, b] = _number(path, sheet, r, c, values[r, c])
    return out


def _square_sheet(
    path: Path, sheet: str, frame: pd.DataFrame
) -> tuple[pd.Series, pd.DataFrame]:
    """Activities and the activity x activity block of sheet 14 or 15."""
    rows = [r for r in range(len(frame)) if _code(frame.iat[r, 0]) is not None]
    codes = [_code(frame.iat[r, 0]) for r in rows]
    if len(rows) != N_ACTIVITIES:
        raise InputError(
            f"{path}: sheet {sheet!r} column A holds {len(rows)} activity codes "
            f"(4 digits, e.g. '0191'), expected {N_ACTIVITIES}; use the level-67 "
            "workbook, unmodified"
        )
    gaps = [b for a, b in zip(rows, rows[1:], strict=False) if b != a + 1]
    if gaps:
        raise InputError(
            f"{path}: sheet {sheet!r} activity rows are not contiguous (a gap "
            f"before row {gaps[0] + 1}); use the unmodified IBGE workbook"
        )
    duplicated = sorted({c for c in codes if codes.count(c) > 1})
    if duplicated:
        raise InputError(
            f"{path}: sheet {sheet!r} column A repeats activity code(s) "
            f"{format_items(duplicated)}"
        )
    header = _find_header(frame, rows[0], codes[0])
    if header is None:
        raise InputError(
            f"{path}: sheet {sheet!r} has no header row of activity columns "
            f"(a cell '{codes[0]}\\n<name>' above row {rows[0] + 1}); use the "
            "unmodified IBGE workbook"
        )
    h_row, first = header
    cols = list(range(first, first + N_ACTIVITIES))
    if cols[-1] >= frame.shape[1]:
        raise InputError(
            f"{path}: sheet {sheet!r} has {frame.shape[1] - first} activity "
            f"columns from {column_letter(first)}, expected {N_ACTIVITIES}"
        )
    for code, c in zip(codes, cols, strict=True):
        found = _header_code(frame.iat[h_row, c])
        if found != code:
            raise InputError(
                f"{path}: sheet {sheet!r} column {column_letter(c)} (header row "
                f"{h_row + 1}) is activity {found!r}, expected {code!r} (columns "
                "must list the activities in the order of the rows)"
            )
    names = []
    for code, r in zip(codes, rows, strict=True):
        name = frame.iat[r, 1]
        if not isinstance(name, str) or not name.strip():
            raise InputError(
                f"{path}: sheet {sheet!r} cell B{r + 1} (activity {code}) has no "
                "activity name"
            )
        names.append(name.strip())
    index = pd.Index(codes, name="activity")
    values = _block(path, sheet, frame, rows, cols)
    activities = pd.Series(names, index=index, name="activity_name")
    matrix = pd.DataFrame(values, index=index, columns=index.copy())
    return activities, matrix


def _find_header(
    frame: pd.DataFrame, first_row: int, code: str
) -> tuple[int, int] | None:
    """(row, first column) of the header listing the activities as columns.

    The nearest row above ``first_row`` with at least 67 ``"NNNN\\n<name>"``
    cells; its first such cell starts the block (``code`` only names the
    expected first activity in messages).
    """
    for r in range(first_row - 1, -1, -1):
        cols = [c for c in range(frame.shape[1]) if _header_code(frame.iat[r, c])]
        if len(cols) >= N_ACTIVITIES:
            return r, cols[0]
    return None


def _output(path: Path, frame: pd.DataFrame, codes: list[str]) -> pd.Series:
    """Output per activity: sheet 01, production block, row "Total"."""
    sheet = "01"
    header = _find_header(frame, len(frame), codes[0])
    if header is None:
        raise InputError(
            f"{path}: sheet '01' has no production block (a header cell "
            f"'{codes[0]}\\n<name>'); use the unmodified IBGE workbook"
        )
    h_row, first = header
    cols = list(range(first, first + len(codes)))
    found = [
        _header_code(frame.iat[h_row, c]) if c < frame.shape[1] else None for c in cols
    ]
    if found != codes:
        bad = next(
            i for i, (f, c) in enumerate(zip(found, codes, strict=True)) if f != c
        )
        raise InputError(
            f"{path}: sheet '01' column {column_letter(cols[bad])} (header row "
            f"{h_row + 1}) is activity {found[bad]!r}, expected {codes[bad]!r}"
        )
    totals = [
        r
        for r in range(h_row + 1, len(frame))
        if isinstance(frame.iat[r, 0], str) and frame.iat[r, 0].strip() == "Total"
    ]
    if not totals:
        raise InputError(
            f"{path}: sheet '01' has no row 'Total' in column A below the "
            "header; use the unmodified IBGE workbook"
        )
    values = _block(path, sheet, frame, totals[:1], cols)[0]
    return pd.Series(values, index=pd.Index(codes, name="activity"), name="output")


# ------------------------------------------------------------ correspondence
def default_correspondence_path() -> Path:
    """The correspondence shipped with lps_geo (``io/data/scn67_cnae.csv``)."""
    return Path(str(resources.files("lps_geo.io").joinpath("data/scn67_cnae.csv")))


def read_scn_cnae(path: str | Path | None = None) -> pd.DataFrame:
    """Read the correspondence between the 67 SCN activities and CNAE 2.0.

    Parameters
    ----------
    path
        A CSV with columns ``activity_code, activity_name, cnae_division,
        cnae_group, note`` (lines starting with ``#`` are comments). None: the
        table shipped with lps_geo.

    Returns
    -------
    pandas.DataFrame
        One row per CNAE unit, the columns above as text; ``cnae_group`` is
        None where the whole division belongs to the activity; activities
        without a code of their own (public education 8591, public health
        8691) have one row with ``cnae_division`` None.

    Raises
    ------
    InputError
        A column is missing, a code is malformed, a group is not in its
        division, or a CNAE unit is claimed twice (a division mapped whole and
        also by group, or one group mapped to two activities); the message
        names the file and its line.
    """
    path = default_correspondence_path() if path is None else check_file(path)
    try:
        raw = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    except Exception as error:
        raise InputError(f"{path}: not a readable CSV ({error})") from error
    missing = [c for c in CORRESPONDENCE_COLUMNS if c not in raw.columns]
    if missing:
        raise InputError(
            f"{path}: correspondence lacks column(s) {format_items(missing)}; "
            f"expected {', '.join(CORRESPONDENCE_COLUMNS)}"
        )
    table = raw[list(CORRESPONDENCE_COLUMNS)].apply(lambda s: s.str.strip())
    table = table.astype(object).where(table != "", None)
    line0 = _first_data_line(path)
    seen: dict[str, tuple[str, int]] = {}
    for pos, row in enumerate(table.itertuples(index=False)):
        line = line0 + pos
        where = f"{path}, line {line}"
        if row.activity_code is None or not _ACTIVITY.fullmatch(row.activity_code):
            raise InputError(
                f"{where}: activity_code {row.activity_code!r} is not a 4-digit "
                "SCN activity code such as '0191'"
            )
        if row.cnae_division is None:
            if row.cnae_group is not None:
                raise InputError(f"{where}: cnae_group given without cnae_division")
            continue
        division = parse_code(row.cnae_division, "division")
        if division is None:
            raise InputError(
                f"{where}: cnae_division {row.cnae_division!r} is not a CNAE 2.0 "
                "division (two digits, e.g. '15')"
            )
        unit = division[0]
        if row.cnae_group is not None:
            group = parse_code(row.cnae_group, "group")
            if group is None or group[0][:2] != unit:
                raise InputError(
                    f"{where}: cnae_group {row.cnae_group!r} is not a CNAE 2.0 "
                    f"group of division {unit} (e.g. '{unit}.1')"
                )
            unit = group[0]
        clash = _claimed(unit, seen)
        if clash is not None:
            other, other_line = seen[clash]
            raise InputError(
                f"{where}: CNAE {unit} (activity {row.activity_code}) overlaps "
                f"CNAE {clash} already mapped to activity {other} on line "
                f"{other_line}; map each division once, or each of its groups"
            )
        seen[unit] = (row.activity_code, line)
    for column, level in (("cnae_division", "division"), ("cnae_group", "group")):
        table[column] = pd.Series(
            [None if v is None else parse_code(v, level)[0] for v in table[column]],
            index=table.index,
            dtype=object,
        )
    return table


def _claimed(unit: str, seen: dict[str, tuple[str, int]]) -> str | None:
    """A unit already mapped that equals, contains or is contained in ``unit``."""
    for other in seen:
        if other == unit or other == unit[:2] or unit == other[:2]:
            return other
    return None


def _first_data_line(path: Path) -> int:
    """1-based line number of the first data row (after comments and header)."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.startswith("#"):
                return number + 1
    return 2


#: Columns of a production-chains table.
CHAIN_COLUMNS = ("industry", "supplier")


def read_production_chains(path: str | Path) -> pd.DataFrame:
    """Read a user table of production chains: which industries supply which.

    A CSV (UTF-8, ``#`` comment lines allowed) with columns ``industry`` and
    ``supplier``, one row per pair of CNAE 2.0 codes (divisions, groups or
    classes, in any usual spelling: ``15.3``, ``153``, ``15.31-9``); other
    columns (e.g. a note) are kept. Rows with both cells blank are skipped.

    Returns
    -------
    pandas.DataFrame
        ``industry`` and ``supplier`` as canonical CNAE codes, in file order.

    Raises
    ------
    InputError
        The file is missing or unreadable, a column is missing, a cell is
        blank or not a CNAE code (naming the file, line and column), or an
        industry is listed as its own supplier.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "chains.csv"
    >>> _ = p.write_text("industry,supplier\\n15.3,15.1\\n153,22.1\\n")
    >>> read_production_chains(p).values.tolist()
    [['15.3', '15.1'], ['15.3', '22.1']]
    """
    path = check_file(path)
    try:
        raw = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    except Exception as error:
        raise InputError(f"{path}: not a readable CSV ({error})") from error
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in CHAIN_COLUMNS if c not in raw.columns]
    if missing:
        raise InputError(
            f"{path}: production chains lack column(s) {format_items(missing)}; "
            f"expected {', '.join(CHAIN_COLUMNS)} (CNAE 2.0 codes)"
        )
    line0 = _first_data_line(path)
    out = raw.copy()
    keep = []
    for pos, row in enumerate(raw[list(CHAIN_COLUMNS)].itertuples(index=False)):
        cells = [str(v).strip() for v in row]
        if not any(cells):
            keep.append(False)
            continue
        for column, cell in zip(CHAIN_COLUMNS, cells, strict=True):
            where = f"{path}, line {line0 + pos}, column {column!r}"
            if not cell:
                raise InputError(f"{where}: blank; give a CNAE 2.0 code")
            try:
                out.loc[out.index[pos], column] = normalize_cnae_code(cell)
            except InputError:
                raise InputError(
                    f"{where}: {cell!r} is not a CNAE 2.0 code (e.g. '15.3')"
                ) from None
        if out.loc[out.index[pos], "industry"] == out.loc[out.index[pos], "supplier"]:
            raise InputError(
                f"{path}, line {line0 + pos}: industry {cells[0]!r} is listed as its "
                "own supplier"
            )
        keep.append(True)
    return out[keep].reset_index(drop=True)
