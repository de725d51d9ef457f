"""IBGE territorial division tables (DTB) and code conversions.

IBGE groups the 5,570 municipalities into nested regions: states (UF, 2
digits), mesoregions (4 digits = UF + 2) and microregions (5 digits = UF + 3)
until 2017, and since 2017 intermediate (4 digits) and immediate geographic
regions (6 digits). :func:`read_divisions` reads such a table in the layouts
it is published in (IBGE's DTB spreadsheet, IBGE's localidades API JSON, the
``paulofreitas/geodata-br`` CSVs, or a table written by lps_geo) into one
canonical frame; :func:`division_lookup` turns it into the municipality ->
group lookup the pipeline aggregates with.

Code conventions (IBGE): a municipality code has 7 digits, UF (2) + 4 digits
+ a check digit; MTE's RAIS files drop the check digit (6 digits, see
:func:`codes_6_to_7`). Some older meshes (fititnt/gis-dataset-brasil) code
microregions with 6 digits, UF + mesoregion (2) + microregion (2) (see
:func:`microregion_6_to_5`).
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, get_args

import pandas as pd

from lps_geo.errors import InputError
from lps_geo.io._util import (
    _read_text_sample,
    check_file,
    clean_code,
    format_items,
    format_quoted,
    is_missing,
    normalize_text,
    read_excel,
    read_table,
    require_columns,
    sniff_separator,
)
from lps_geo.io.boundaries import match_rais6

logger = logging.getLogger(__name__)

DivisionLayout = Literal["geodata-br", "dtb", "localidades", "table"]
DivisionLevel = Literal[
    "state", "mesoregion", "microregion", "intermediate", "immediate"
]

#: IBGE state (UF) code -> abbreviation (sigla); fixed since 1988.
STATE_ABBREVIATIONS: dict[str, str] = {
    "11": "RO",
    "12": "AC",
    "13": "AM",
    "14": "RR",
    "15": "PA",
    "16": "AP",
    "17": "TO",
    "21": "MA",
    "22": "PI",
    "23": "CE",
    "24": "RN",
    "25": "PB",
    "26": "PE",
    "27": "AL",
    "28": "SE",
    "29": "BA",
    "31": "MG",
    "32": "ES",
    "33": "RJ",
    "35": "SP",
    "41": "PR",
    "42": "SC",
    "43": "RS",
    "50": "MS",
    "51": "MT",
    "52": "GO",
    "53": "DF",
}

#: Municipalities whose 7th digit does not follow :func:`check_digit`
#: (measured on the 2018 DTB, 9 of 5,570): RAIS 6-digit code -> IBGE code.
CHECK_DIGIT_EXCEPTIONS: dict[str, str] = {
    "220191": "2201919",  # Bom Princípio do Piauí (PI)
    "220198": "2201988",  # Brejo do Piauí (PI)
    "220225": "2202251",  # Canavieira (PI)
    "261153": "2611533",  # Quixaba (PE)
    "311783": "3117836",  # Cônego Marinho (MG)
    "315213": "3152131",  # Ponto Chique (MG)
    "430587": "4305871",  # Coronel Barros (RS)
    "520393": "5203939",  # Buriti de Goiás (GO)
    "520396": "5203962",  # Buritinópolis (GO)
}

#: Code width of each level; every level's code starts with the UF code.
LEVEL_DIGITS: dict[str, int] = {
    "state": 2,
    "mesoregion": 4,
    "microregion": 5,
    "intermediate": 4,
    "immediate": 6,
}

#: Canonical column order of :func:`read_divisions` (present ones only).
COLUMNS: tuple[str, ...] = (
    "name",
    "state",
    "state_abbr",
    "state_name",
    "mesoregion",
    "mesoregion_name",
    "microregion",
    "microregion_name",
    "intermediate",
    "intermediate_name",
    "immediate",
    "immediate_name",
)

_LEVEL_WORDS = {
    "state": "state code",
    "mesoregion": "mesoregion code",
    "microregion": "microregion code",
    "intermediate": "intermediate region code",
    "immediate": "immediate region code",
}

# DTB spreadsheet headers, folded with normalize_text -> canonical column
_DTB_HEADERS = {
    "uf": "state",
    "nome uf": "state_name",
    "regiao geografica intermediaria": "intermediate",
    "nome regiao geografica intermediaria": "intermediate_name",
    "regiao geografica imediata": "immediate",
    "nome regiao geografica imediata": "immediate_name",
    "mesorregiao geografica": "mesoregion",
    "nome mesorregiao": "mesoregion_name",
    "microrregiao geografica": "microregion",
    "nome microrregiao": "microregion_name",
    "municipio": "municipality_part",
    "codigo municipio completo": "region",
    "nome municipio": "name",
}

_GEODATA_COLUMNS = ("id", "id_microrregiao", "id_mesorregiao", "id_estado", "nome")


# ---------------------------------------------------------------------------
# code conversions


def check_digit(code6: Any) -> str:
    """IBGE check digit (7th digit) of a 6-digit municipality code.

    Weights 1, 2, 1, 2, 1, 2 multiply the six digits; the digits of the
    products are summed into ``s`` and the check digit is
    ``(10 - s % 10) % 10``. Nine municipalities do not follow the rule
    (:data:`CHECK_DIGIT_EXCEPTIONS`).

    Parameters
    ----------
    code6
        Six digits (str or int), e.g. a RAIS code.

    Returns
    -------
    str
        One digit.

    Raises
    ------
    InputError
        When ``code6`` is not six digits.

    Examples
    --------
    >>> check_digit("351620")  # Franca, 3516200
    '0'
    >>> check_digit(355030)  # São Paulo, 3550308
    '8'
    """
    code = clean_code(code6)
    if code is None or not (code.isdigit() and len(code) == 6):
        raise InputError(
            f"{code6!r} is not a 6-digit IBGE municipality code (UF + 4 digits, "
            "without the check digit)"
        )
    total = 0
    for position, char in enumerate(code):
        product = int(char) * (1 if position % 2 == 0 else 2)
        total += product // 10 + product % 10
    return str((10 - total % 10) % 10)


def codes_6_to_7(
    codes: Iterable[Any],
    divisions: pd.DataFrame | Iterable[Any] | None = None,
    *,
    unconverted: Literal["raise", "none"] = "raise",
) -> list[str | None]:
    """RAIS 6-digit municipality codes -> IBGE 7-digit codes.

    With ``divisions`` (a frame from :func:`read_divisions`, a boundaries
    GeoDataFrame or any collection of 7-digit codes) each code is matched
    to the 7-digit code that starts with it; this is the safe conversion.
    Without, the check digit is computed (:func:`check_digit`, with the nine
    known exceptions of :data:`CHECK_DIGIT_EXCEPTIONS`) for codes whose
    first two digits are a state.

    Parameters
    ----------
    codes
        6-digit codes (str or int).
    divisions
        Known 7-digit codes: a frame indexed by them, or an iterable.
    unconverted
        Codes that cannot be converted (not 6 digits, not in ``divisions``,
        no such state, e.g. RAIS's ``999999`` "not identified"): ``"raise"``
        an InputError listing them, or put ``None`` in their place.

    Returns
    -------
    list of str or None
        One 7-digit code per input code, in order.

    Raises
    ------
    InputError
        Listing the codes that cannot be converted (``unconverted="raise"``).

    Examples
    --------
    >>> codes_6_to_7(["351620", 355030])
    ['3516200', '3550308']
    >>> codes_6_to_7(["351620", "999999"], ["3516200"], unconverted="none")
    ['3516200', None]
    """
    if unconverted not in ("raise", "none"):
        raise ValueError(f"unconverted must be 'raise' or 'none', got {unconverted!r}")
    values = list(codes)
    cleaned = [clean_code(value) for value in values]
    if divisions is not None:
        known = divisions.index if isinstance(divisions, pd.DataFrame) else divisions
        known = [str(code) for code in known]
        table = match_rais6(
            [c for c in cleaned if c is not None and len(c) == 6], known
        )
    out: list[str | None] = []
    for code in cleaned:
        result = None
        if code is not None and code.isdigit() and len(code) == 6:
            if divisions is not None:
                result = table.get(code)
            elif code[:2] in STATE_ABBREVIATIONS:
                result = CHECK_DIGIT_EXCEPTIONS.get(code, code + check_digit(code))
        out.append(result)
    bad = [value for value, code in zip(values, out, strict=True) if code is None]
    if bad and unconverted == "raise":
        where = (
            "have no 7-digit code in the division table"
            if divisions is not None
            else "are not 6-digit codes of a Brazilian state"
        )
        raise InputError(
            f"{len(bad)} municipality code(s) cannot be converted to 7 digits, "
            f"they {where}: {format_quoted(bad)}; remove them (e.g. RAIS's "
            "999999 'not identified') or use a division table of the same vintage"
        )
    return out


def microregion_6_to_5(code: Any) -> str:
    """Old 6-digit microregion code (UF + meso 2 + micro 2) -> IBGE 5 digits.

    The 5-digit code is UF + ``0`` + the last two digits (no state has more
    than 99 microregions). Used by the fititnt/gis-dataset-brasil meshes.

    Examples
    --------
    >>> microregion_6_to_5(350835)  # Adamantina (SP)
    '35035'
    """
    text = clean_code(code)
    if text is None or not (text.isdigit() and len(text) == 6):
        raise InputError(
            f"{code!r} is not a 6-digit microregion code (UF + mesoregion 2 + "
            "microregion 2)"
        )
    return text[:2] + "0" + text[4:]


def microregion_5_to_6(code: Any, mesoregion: Any | pd.DataFrame) -> str:
    """IBGE 5-digit microregion code -> the old 6-digit form.

    Parameters
    ----------
    code
        5-digit microregion code (UF + 3 digits).
    mesoregion
        Its 4-digit mesoregion code, or a division table
        (:func:`read_divisions`) that gives it.

    Examples
    --------
    >>> microregion_5_to_6("35035", "3508")
    '350835'
    """
    text = clean_code(code)
    if text is None or not (text.isdigit() and len(text) == 5) or text[2] != "0":
        raise InputError(
            f"{code!r} is not a 5-digit microregion code with at most 99 "
            "microregions per state (UF + 0 + 2 digits)"
        )
    if isinstance(mesoregion, pd.DataFrame):
        if "microregion" not in mesoregion or "mesoregion" not in mesoregion:
            raise InputError(
                "the division table has no microregion/mesoregion columns; pass "
                "the mesoregion code instead"
            )
        metas = mesoregion.loc[mesoregion["microregion"] == text, "mesoregion"]
        found = sorted({m for m in metas if not is_missing(m)})
        if len(found) != 1:
            raise InputError(
                f"microregion {text} is "
                f"{'not in' if not found else 'in several mesoregions of'} the "
                f"division table{': ' + ', '.join(found) if found else ''}"
            )
        meso = found[0]
    else:
        meso = clean_code(mesoregion)
    if meso is None or not (meso.isdigit() and len(meso) == 4) or meso[:2] != text[:2]:
        raise InputError(
            f"{mesoregion!r} is not a 4-digit mesoregion code of state {text[:2]}"
        )
    return meso + text[3:]


def division_lookup(divisions: pd.DataFrame, level: DivisionLevel) -> pd.DataFrame:
    """Municipality -> region lookup at one division level.

    Same shape as :func:`~lps_geo.io.read_region_lookup`, so it plugs into
    :func:`~lps_geo.io.aggregate_regions` and the pipeline's
    ``analysis.unit = "group"``.

    Parameters
    ----------
    divisions
        From :func:`read_divisions`.
    level
        ``"state"``, ``"mesoregion"``, ``"microregion"``, ``"intermediate"``
        or ``"immediate"``.

    Returns
    -------
    DataFrame
        Index: municipality code (str, named ``"region"``, sorted); columns
        ``group`` and ``group_name`` (the region's name, else its code).
        Municipalities without a region at this level (e.g. created after
        the microregions were frozen) are left out, with a warning logged.

    Raises
    ------
    InputError
        When the table does not have the level.

    Examples
    --------
    >>> d = pd.DataFrame({"name": ["Franca", "Batatais"],
    ...                   "microregion": ["35012", "35013"],
    ...                   "microregion_name": ["Franca", "Batatais"]},
    ...                  index=pd.Index(["3516200", "3505906"], name="region"))
    >>> division_lookup(d, "microregion")
             group group_name
    region
    3505906  35013   Batatais
    3516200  35012     Franca
    """
    if level not in get_args(DivisionLevel):
        raise InputError(
            f"level {level!r} is not a division level; choose one of "
            f"{', '.join(map(repr, get_args(DivisionLevel)))}"
        )
    if level not in divisions.columns:
        have = [lv for lv in get_args(DivisionLevel) if lv in divisions.columns]
        raise InputError(
            f"the division table has no {level!r} level; it has "
            f"{', '.join(map(repr, have)) or 'none'}: use a DTB with that level "
            "or another level"
        )
    groups = divisions[level]
    missing = groups.map(is_missing).astype(bool)
    if missing.any():
        logger.warning(
            "%d municipalit%s without a %s left out of the lookup: %s",
            int(missing.sum()),
            "y" if int(missing.sum()) == 1 else "ies",
            level,
            format_items(divisions.index[missing.to_numpy()]),
        )
    kept = divisions.loc[~missing.to_numpy()]
    codes = [str(code) for code in kept[level]]
    name_column = f"{level}_name"
    if name_column in kept.columns:
        names = [
            code if is_missing(name) else str(name)
            for code, name in zip(codes, kept[name_column], strict=True)
        ]
    else:
        names = list(codes)
    table = pd.DataFrame(
        {"group": codes, "group_name": names},
        index=pd.Index([str(code) for code in kept.index], name="region"),
        dtype=object,
    )
    return table.sort_index()


# ---------------------------------------------------------------------------
# reading


def read_divisions(
    path: str | Path,
    layout: DivisionLayout | None = None,
    *,
    sheet_name: str | int = 0,
    sep: str | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read an IBGE territorial division table (municipality -> regions).

    Layouts (detected from the columns or the JSON structure, or given):

    ``"geodata-br"``
        ``brasil-municipios.csv`` of paulofreitas/geodata-br (``id``,
        ``id_microrregiao``, ``id_mesorregiao``, ``id_estado``, ``nome``);
        the names of microregions, mesoregions and states are read from
        ``brasil-microrregioes.csv``, ``brasil-mesorregioes.csv`` and
        ``brasil-estados.csv`` when they sit in the same folder.
    ``"dtb"``
        IBGE's ``RELATORIO_DTB_BRASIL_MUNICIPIO`` (xls/xlsx/csv; title rows
        above the header are skipped). Partial codes (mesoregion 2 digits,
        microregion 3, municipality 5) are joined to the UF code.
    ``"localidades"``
        JSON of IBGE's localidades API (``/api/v1/localidades/municipios``,
        nested or ``view=nivelado``); municipalities with a null
        ``microrregiao`` get no micro/mesoregion.
    ``"table"``
        The canonical columns below with the code in ``region`` (as written
        by ``lps-geo fetch``).

    Parameters
    ----------
    path
        The file.
    layout
        One of the above; None detects it.
    sheet_name, sep, encoding
        Excel sheet; CSV separator and encoding (sniffed when None).

    Returns
    -------
    DataFrame
        Index: 7-digit municipality code (str, named ``"region"``, sorted).
        Columns, those the source provides, in this order: ``name``,
        ``state`` (2 digits), ``state_abbr`` (derived from ``state``),
        ``state_name``, ``mesoregion`` (4), ``mesoregion_name``,
        ``microregion`` (5), ``microregion_name``, ``intermediate`` (4),
        ``intermediate_name``, ``immediate`` (6), ``immediate_name``. Codes
        and names are str; a missing region is None.

    Raises
    ------
    InputError
        Unknown layout; repeated municipality codes; codes that are not 7
        digits; a municipality (or region) code that does not start with its
        state's code; a region code of the wrong width. The message names
        the file, column, row (data row, sheet row or JSON item) and code.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "brasil-municipios.csv").write_text(
    ...     "id,id_microrregiao,id_mesorregiao,id_estado,nome\\n"
    ...     "3516200,35012,3502,35,Franca\\n")
    >>> d = read_divisions(folder / "brasil-municipios.csv")
    >>> d.loc["3516200", ["name", "state_abbr", "microregion"]].tolist()
    ['Franca', 'SP', '35012']
    """
    file = check_file(path)
    source = str(path)
    if layout is not None and layout not in get_args(DivisionLayout):
        raise InputError(
            f"{source}: layout {layout!r} is not known; choose one of "
            f"{', '.join(map(repr, get_args(DivisionLayout)))} or None to detect it"
        )
    if file.suffix.lower() in (".json", ".geojson") or layout == "localidades":
        if layout not in (None, "localidades"):
            raise InputError(
                f"{source}: a JSON file can only have layout 'localidades'"
            )
        return _read_localidades(file, source)
    header_row = 0
    if layout in (None, "dtb"):
        header_row = _find_dtb_header(file, sheet_name, sep, encoding)
        if header_row is not None:
            layout = "dtb"
        else:
            header_row = 0
    frame = read_table(
        file,
        text_columns=_all_code_columns(),
        sep=sep,
        encoding=encoding,
        sheet_name=sheet_name,
        skiprows=header_row,
    )
    if layout is None:
        layout = _detect_layout(frame.columns, source)
    excel = file.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods")
    rows = _RowNumbers(
        "sheet row" if excel else "data row", header_row + 2 if excel else 1
    )
    logger.info("%s: reading divisions in the %r layout", source, layout)
    if layout == "geodata-br":
        return _from_geodata_br(frame, file, source, rows)
    if layout == "dtb":
        return _from_dtb(frame, source, rows)
    return _from_table(frame, source, rows)


class _RowNumbers:
    """Turns positions into the row numbers the user sees in the file."""

    def __init__(self, unit: str, first: int) -> None:
        self.unit = unit
        self.first = first

    def __call__(self, position: int) -> str:
        return f"{self.unit} {position + self.first}"


def _all_code_columns() -> list[str]:
    dtb = [
        "UF",
        "Região Geográfica Intermediária",
        "Região Geográfica Imediata",
        "Mesorregião Geográfica",
        "Microrregião Geográfica",
        "Município",
        "Código Município Completo",
    ]
    table = ["region", *LEVEL_DIGITS]
    return [*dtb, *_GEODATA_COLUMNS, "id_estado", *table]


def _detect_layout(columns: Sequence[Any], source: str) -> DivisionLayout:
    names = {str(column).strip() for column in columns}
    if {"id", "id_microrregiao", "id_estado", "nome"} <= names:
        return "geodata-br"
    if {"region", "name"} <= names:
        return "table"
    raise InputError(
        f"{source}: cannot tell the layout of this division table (columns "
        f"{format_quoted(sorted(names), max_shown=8)}); expected IBGE's DTB "
        "('UF', 'Código Município Completo', ...), geodata-br ('id', "
        "'id_microrregiao', 'id_estado', 'nome'), a localidades JSON or "
        "columns 'region', 'name'; pass layout="
    )


def _find_dtb_header(
    file: Path, sheet_name: str | int, sep: str | None, encoding: str | None
) -> int | None:
    """0-based line of the DTB header (title rows may precede it), or None."""
    wanted = {"uf", "nome municipio"}
    suffix = file.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
            head = read_excel(file, sheet_name=sheet_name, header=None, nrows=20)
            lines = [[str(cell) for cell in row] for row in head.itertuples(False)]
        elif suffix in (".parquet", ".pq"):
            return None
        else:
            sample, _ = _read_text_sample(file, encoding)
            text_lines = sample.splitlines()[:20]
            delimiter = sep or sniff_separator("\n".join(text_lines[-5:]) + "\n")
            lines = list(csv.reader(text_lines, delimiter=delimiter))
    except (ValueError, OSError, UnicodeDecodeError):
        return None
    for number, cells in enumerate(lines):
        folded = {normalize_text(cell) for cell in cells}
        if wanted <= folded:
            return number
    return None


def _from_geodata_br(
    frame: pd.DataFrame, file: Path, source: str, rows: _RowNumbers
) -> pd.DataFrame:
    needed = [name for name in _GEODATA_COLUMNS if name != "id_mesorregiao"]
    require_columns(frame.columns, {name: name for name in needed}, source)
    data: dict[str, list[Any]] = {
        "region": [clean_code(v) for v in frame["id"]],
        "name": _names(frame["nome"]),
        "state": [clean_code(v) for v in frame["id_estado"]],
        "microregion": [clean_code(v) for v in frame["id_microrregiao"]],
    }
    origin = {
        "region": "id",
        "name": "nome",
        "state": "id_estado",
        "microregion": "id_microrregiao",
    }
    if "id_mesorregiao" in frame.columns:
        data["mesoregion"] = [clean_code(v) for v in frame["id_mesorregiao"]]
        origin["mesoregion"] = "id_mesorregiao"
    siblings = {
        "microregion": "microrregioes",
        "mesoregion": "mesorregioes",
        "state": "estados",
    }
    for level, word in siblings.items():
        if level not in data:
            continue
        names = _sibling_names(file, word)
        if names is not None:
            data[f"{level}_name"] = [
                names.get(code) if code is not None else None for code in data[level]
            ]
    return _assemble(data, origin, source, rows)


def _sibling_names(file: Path, word: str) -> dict[str, str] | None:
    """Names by code from a geodata-br sibling file (e.g. -microrregioes.csv)."""
    candidates = [file.with_name(file.name.replace("municipios", word))]
    candidates.append(file.with_name(f"brasil-{word}.csv"))
    for candidate in candidates:
        if candidate != file and candidate.exists():
            table = read_table(candidate, text_columns=["id"])
            if {"id", "nome"} <= set(table.columns):
                logger.info("%s: names from %s", file, candidate)
                return {
                    clean_code(code): str(name).strip()
                    for code, name in zip(table["id"], table["nome"], strict=True)
                    if clean_code(code) is not None and not is_missing(name)
                }
    return None


def _names(values: Iterable[Any]) -> list[str | None]:
    return [None if is_missing(v) else str(v).strip() for v in values]


def _from_dtb(frame: pd.DataFrame, source: str, rows: _RowNumbers) -> pd.DataFrame:
    columns: dict[str, str] = {}
    for column in frame.columns:
        key = _DTB_HEADERS.get(normalize_text(column))
        if key is not None and key not in columns:
            columns[key] = str(column)
    if (
        "state" not in columns
        or "name" not in columns
        or not ("region" in columns or "municipality_part" in columns)
    ):
        raise InputError(
            f"{source}: not a DTB table: needs columns 'UF', 'Nome_Município' and "
            "'Código Município Completo' (or 'Município'); found "
            f"{format_quoted(frame.columns, max_shown=12)}"
        )
    states = [clean_code(v) for v in frame[columns["state"]]]
    states = [s.zfill(2) if s is not None and s.isdigit() else s for s in states]
    data: dict[str, list[Any]] = {"state": states}
    origin = {"state": columns["state"]}
    if "region" in columns:
        data["region"] = [clean_code(v) for v in frame[columns["region"]]]
        origin["region"] = columns["region"]
    else:
        data["region"] = _join_parts(
            frame[columns["municipality_part"]],
            states,
            7,
            source,
            columns["municipality_part"],
            rows,
        )
        origin["region"] = columns["municipality_part"]
    widths = {
        "mesoregion": 4,
        "microregion": 5,
        "intermediate": 4,
        "immediate": 6,
    }
    for level, width in widths.items():
        if level in columns:
            data[level] = _join_parts(
                frame[columns[level]], states, width, source, columns[level], rows
            )
            origin[level] = columns[level]
    for key, column in columns.items():
        if key.endswith("name"):
            data[key] = _names(frame[column])
            origin[key] = column
    return _assemble(data, origin, source, rows)


def _join_parts(
    values: Iterable[Any],
    states: Sequence[str | None],
    width: int,
    source: str,
    column: str,
    rows: _RowNumbers,
) -> list[str | None]:
    """Full codes from partial ones (UF + zero-padded part); full ones kept."""
    out: list[str | None] = []
    for position, (value, state) in enumerate(zip(values, states, strict=True)):
        code = clean_code(value)
        if code is None or state is None or not code.isdigit():
            out.append(code)
        elif len(code) <= width - 2:
            out.append(state + code.zfill(width - 2))
        elif len(code) == width:
            out.append(code)
        else:
            raise InputError(
                f"{source}: column {column!r}, {rows(position)}: code {code!r} "
                f"has {len(code)} digits; expected the full {width}-digit code or "
                f"the {width - 2}-digit part after the UF code"
            )
    return out


def _from_table(frame: pd.DataFrame, source: str, rows: _RowNumbers) -> pd.DataFrame:
    missing = [c for c in ("region", "name") if c not in frame.columns]
    if missing:
        raise InputError(
            f"{source}: column(s) {format_quoted(missing)} not found; a division "
            "table in the 'table' layout has 'region' (7-digit code), 'name' and "
            f"level columns; found {format_quoted(frame.columns, max_shown=12)}"
        )
    data: dict[str, list[Any]] = {"region": [clean_code(v) for v in frame["region"]]}
    origin = {"region": "region"}
    for column in COLUMNS:
        if column == "state_abbr" or column not in frame.columns:
            continue
        if column.endswith("name"):
            data[column] = _names(frame[column])
        else:
            codes = [clean_code(v) for v in frame[column]]
            if column == "state":
                codes = [c.zfill(2) if c and c.isdigit() else c for c in codes]
            data[column] = codes
        origin[column] = column
    return _assemble(data, origin, source, rows)


def _read_localidades(file: Path, source: str) -> pd.DataFrame:
    try:
        records = json.loads(file.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(
            f"{source}: not a JSON file ({type(error).__name__}: {error}); "
            "expected the answer of IBGE's localidades API"
        ) from error
    return divisions_from_localidades(records, source=source)


def divisions_from_localidades(
    records: Any, source: str = "localidades API"
) -> pd.DataFrame:
    """Build the division table from parsed localidades API JSON.

    Parameters
    ----------
    records
        The list the API returns for ``/api/v1/localidades/municipios`` (or
        a state's ``.../estados/{uf}/municipios``), nested or ``nivelado``.
    source
        File or URL named in error messages.

    Returns
    -------
    DataFrame
        As :func:`read_divisions`.

    Examples
    --------
    >>> uf = {"id": 35, "sigla": "SP", "nome": "São Paulo"}
    >>> item = {"id": 3516200, "nome": "Franca",
    ...         "microrregiao": {"id": 35012, "nome": "Franca",
    ...             "mesorregiao": {"id": 3502, "nome": "Ribeirão Preto", "UF": uf}},
    ...         "regiao-imediata": {"id": 350028, "nome": "Franca",
    ...             "regiao-intermediaria": {"id": 3505, "nome": "Ribeirão Preto",
    ...                                      "UF": uf}}}
    >>> d = divisions_from_localidades([item])
    >>> d.loc["3516200", ["state", "mesoregion", "immediate"]].tolist()
    ['35', '3502', '350028']
    """
    if isinstance(records, Mapping):
        records = [records]
    if not isinstance(records, list) or not all(
        isinstance(r, Mapping) for r in records
    ):
        raise InputError(
            f"{source}: expected a JSON list of municipality objects (IBGE "
            "localidades API), got "
            f"{type(records).__name__}"
        )
    flat = [
        _flatten_nivelado(r) if "municipio-id" in r else _flatten_nested(r)
        for r in records
    ]
    keys = [k for k in ("region", *COLUMNS) if any(f.get(k) is not None for f in flat)]
    if "region" not in keys:
        raise InputError(
            f"{source}: the JSON objects have no municipality 'id'; expected the "
            "answer of /api/v1/localidades/municipios"
        )
    data = {key: [f.get(key) for f in flat] for key in keys if key != "state_abbr"}
    origin = {
        "region": "id",
        "name": "nome",
        "state": "UF.id",
        "state_name": "UF.nome",
        "mesoregion": "microrregiao.mesorregiao.id",
        "mesoregion_name": "microrregiao.mesorregiao.nome",
        "microregion": "microrregiao.id",
        "microregion_name": "microrregiao.nome",
        "intermediate": "regiao-imediata.regiao-intermediaria.id",
        "intermediate_name": "regiao-imediata.regiao-intermediaria.nome",
        "immediate": "regiao-imediata.id",
        "immediate_name": "regiao-imediata.nome",
    }
    return _assemble(data, origin, source, _RowNumbers("item", 1))


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _flatten_nested(record: Mapping[str, Any]) -> dict[str, Any]:
    micro = record.get("microrregiao")
    meso = _get(micro, "mesorregiao")
    immediate = record.get("regiao-imediata")
    intermediate = _get(immediate, "regiao-intermediaria")
    uf = _get(meso, "UF") or _get(intermediate, "UF")
    out = {
        "region": clean_code(record.get("id")),
        "name": record.get("nome"),
        "state": clean_code(_get(uf, "id")),
        "state_name": _get(uf, "nome"),
        "mesoregion": clean_code(_get(meso, "id")),
        "mesoregion_name": _get(meso, "nome"),
        "microregion": clean_code(_get(micro, "id")),
        "microregion_name": _get(micro, "nome"),
        "intermediate": clean_code(_get(intermediate, "id")),
        "intermediate_name": _get(intermediate, "nome"),
        "immediate": clean_code(_get(immediate, "id")),
        "immediate_name": _get(immediate, "nome"),
    }
    return out


def _flatten_nivelado(record: Mapping[str, Any]) -> dict[str, Any]:
    def pick(key: str) -> Any:
        return record.get(key)

    return {
        "region": clean_code(pick("municipio-id")),
        "name": pick("municipio-nome"),
        "state": clean_code(pick("UF-id")),
        "state_name": pick("UF-nome"),
        "mesoregion": clean_code(pick("mesorregiao-id")),
        "mesoregion_name": pick("mesorregiao-nome"),
        "microregion": clean_code(pick("microrregiao-id")),
        "microregion_name": pick("microrregiao-nome"),
        "intermediate": clean_code(pick("regiao-intermediaria-id")),
        "intermediate_name": pick("regiao-intermediaria-nome"),
        "immediate": clean_code(pick("regiao-imediata-id")),
        "immediate_name": pick("regiao-imediata-nome"),
    }


# ---------------------------------------------------------------------------
# validation and the canonical frame


def _fail(source: str, column: str, where: str, message: str, more: int) -> None:
    extra = f" ({more} more row(s) like it)" if more else ""
    raise InputError(f"{source}: column {column!r}, {where}: {message}{extra}")


def _assemble(
    data: dict[str, list[Any]],
    origin: Mapping[str, str],
    source: str,
    rows: _RowNumbers,
) -> pd.DataFrame:
    """Validate the columns and build the canonical division frame."""
    codes = data["region"]
    column = origin["region"]
    bad = [i for i, code in enumerate(codes) if code is None]
    if bad:
        _fail(
            source,
            column,
            rows(bad[0]),
            "empty municipality code; fill it in or remove the row",
            len(bad) - 1,
        )
    bad = [i for i, code in enumerate(codes) if not (code.isdigit() and len(code) == 7)]
    if bad:
        _fail(
            source,
            column,
            rows(bad[0]),
            f"municipality code {codes[bad[0]]!r} is not a 7-digit IBGE code "
            "(6-digit RAIS codes: convert with codes_6_to_7)",
            len(bad) - 1,
        )
    first: dict[str, int] = {}
    repeats = []
    for i, code in enumerate(codes):
        if code in first:
            repeats.append((first[code], i))
        else:
            first[code] = i
    if repeats:
        a, b = repeats[0]
        _fail(
            source,
            column,
            rows(b),
            f"municipality code {codes[b]!r} repeats {rows(a)}; keep one row per "
            "municipality",
            len(repeats) - 1,
        )
    states = data.get("state")
    if states is not None:
        bad = [
            i
            for i, (code, state) in enumerate(zip(codes, states, strict=True))
            if state is None or code[:2] != state
        ]
        if bad:
            i = bad[0]
            _fail(
                source,
                column,
                rows(i),
                f"municipality code {codes[i]!r} does not start with its state "
                f"code {states[i]!r} (column {origin['state']!r}); fix the code "
                "or the state",
                len(bad) - 1,
            )
    for level, width in LEVEL_DIGITS.items():
        if level == "state" or level not in data:
            continue
        values = data[level]
        bad = [
            i
            for i, value in enumerate(values)
            if value is not None and not (value.isdigit() and len(value) == width)
        ]
        if bad:
            i = bad[0]
            _fail(
                source,
                origin[level],
                rows(i),
                f"{_LEVEL_WORDS[level]} {values[i]!r} is not {width} digits "
                f"(municipality {codes[i]})",
                len(bad) - 1,
            )
        bad = [
            i
            for i, value in enumerate(values)
            if value is not None and value[:2] != codes[i][:2]
        ]
        if bad:
            i = bad[0]
            _fail(
                source,
                origin[level],
                rows(i),
                f"{_LEVEL_WORDS[level]} {values[i]!r} does not start with the "
                f"state code {codes[i][:2]!r} of municipality {codes[i]}",
                len(bad) - 1,
            )
    columns = {}
    for name in COLUMNS:
        if name == "state_abbr":
            if states is not None:
                columns[name] = [STATE_ABBREVIATIONS.get(s) for s in states]
            continue
        if name in data:
            columns[name] = [
                None if is_missing(value) else str(value) for value in data[name]
            ]
    frame = pd.DataFrame(columns, index=pd.Index(codes, name="region"), dtype=object)
    return frame.sort_index()
