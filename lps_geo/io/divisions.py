"""IBGE territorial division tables (DTB): read them, and the lookups they give.

IBGE groups the 5,570 municipalities into nested regions: states (UF, 2
digits), mesoregions (4 digits = UF + 2) and microregions (5 digits = UF + 3)
until 2017, and since 2017 intermediate (4 digits) and immediate geographic
regions (6 digits). :func:`read_divisions` reads such a table in the layouts
it is published in (IBGE's DTB spreadsheet, IBGE's localidades API JSON, the
``paulofreitas/geodata-br`` CSVs, or a table written by lps_geo) into one
canonical frame; :func:`division_lookup` turns it into the municipality ->
group lookup the pipeline aggregates with. The conversions between code
forms (check digit, RAIS 6 digits, old microregion codes) are in
:mod:`lps_geo.io.codes`.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, get_args

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
from lps_geo.io.division_frame import (
    COLUMNS,
    LEVEL_DIGITS,
    RowNumbers,
    assemble_divisions,
)
from lps_geo.io.localidades import read_localidades
from lps_geo.vocab import DivisionLayout, DivisionLevel

logger = logging.getLogger(__name__)

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
        return read_localidades(file, source)
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
    rows = RowNumbers(
        "sheet row" if excel else "data row", header_row + 2 if excel else 1
    )
    logger.info("%s: reading divisions in the %r layout", source, layout)
    if layout == "geodata-br":
        return _from_geodata_br(frame, file, source, rows)
    if layout == "dtb":
        return _from_dtb(frame, source, rows)
    return _from_table(frame, source, rows)


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
    frame: pd.DataFrame, file: Path, source: str, rows: RowNumbers
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
    return assemble_divisions(data, origin, source, rows)


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


def _from_dtb(frame: pd.DataFrame, source: str, rows: RowNumbers) -> pd.DataFrame:
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
    return assemble_divisions(data, origin, source, rows)


def _join_parts(
    values: Iterable[Any],
    states: Sequence[str | None],
    width: int,
    source: str,
    column: str,
    rows: RowNumbers,
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


def _from_table(frame: pd.DataFrame, source: str, rows: RowNumbers) -> pd.DataFrame:
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
    return assemble_divisions(data, origin, source, rows)
