"""Read innovation outputs (patents, publications) into one long table per municipality.

Innovation outputs are a capability input of Suzigan, Furtado & Garcia
(2006). Three layouts are read into one canonical shape,
:class:`InnovationOutputs`: a long table with one row per (municipality,
field, year) and an :class:`InnovationReport` of what the reader did.

- :func:`read_inpi_table`: INPI's tables of patent applications by
  municipality (or microregion) *name* and IPC section
  (``MUNICIPIO-1digito_ipc.xlsx``); the values are 0/1 indicators, not
  counts. Names are matched to codes with
  :mod:`lps_geo.io.innovation_names`; homonyms and unknown names are
  reported with their candidates, never guessed.
- :func:`read_publications`: publications by institution with the 5-digit
  microregion code and 13 disciplines
  (``Publicacoes_Instituicoes_Total.tsv``), summed per microregion and
  shared among its municipalities.
- :func:`read_innovation_long`: any long table of (municipality code, field,
  year, value), in :mod:`lps_geo.io.innovation_long`.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lps_geo.errors import InputError, InputFixWarning, MissingCodesWarning
from lps_geo.io._util import (
    check_choice,
    check_file,
    clean_code,
    format_items,
    format_quoted,
    is_missing,
    read_excel,
    read_table,
)
from lps_geo.io.innovation_long import read_innovation_long
from lps_geo.io.innovation_names import (
    KNOWN_RENAMINGS,
    NameMatch,
    check_places,
    match_names,
    microregion_places,
    municipality_places,
    read_places,
)
from lps_geo.io.innovation_publications import (
    PUBLICATION_DISCIPLINES,
    read_publications,
)
from lps_geo.io.innovation_table import (
    TABLE_COLUMNS,
    InnovationOutputs,
    InnovationReport,
    Notes,
    allocate,
    make_table,
    member_places,
    partial_microregions,
)
from lps_geo.vocab import BadRows, InnovationLevel, InnovationMeasure, choices

__all__ = [
    "KNOWN_RENAMINGS",
    "PUBLICATION_DISCIPLINES",
    "TABLE_COLUMNS",
    "InnovationOutputs",
    "InnovationReport",
    "read_inpi_table",
    "read_innovation_long",
    "read_places",
    "read_publications",
]

logger = logging.getLogger(__name__)

_IPC_PATTERNS = {"ipc_section": r"[A-H]", "ipc_class": r"[A-H]\d\d"}


def _report_names(
    match: NameMatch, what: str, ambiguous: str, notes: Notes, source: str
) -> None:
    """Raise or warn about ambiguous and unmatched names (never guess)."""
    plural = {"municipality": "municipalities", "microregion": "microregions"}[what]
    if match.ambiguous:
        shown = "; ".join(
            f"{name!r}: {', '.join(codes)}"
            for name, codes in list(match.ambiguous.items())[:3]
        )
        more = len(match.ambiguous) - 3
        message = (
            f"{source}: {len(match.ambiguous)} column name(s) match several "
            f"{plural} (homonyms of different states; {shown}"
            + (f"; and {more} more" if more > 0 else "")
            + ")"
        )
        if ambiguous == "raise":
            raise InputError(
                message + "; add the state to those names (e.g. 'Amparo (SP)') or "
                "pass ambiguous='report' to leave them out"
            )
        notes.warn(
            message + "; they were left out (listed in report.ambiguous)",
            InputFixWarning,
        )
    if match.unmatched:
        shown = "; ".join(
            f"{name!r} (close: {', '.join(match.candidates[name]) or 'none'})"
            for name in match.unmatched[:3]
        )
        notes.warn(
            f"{source}: {len(match.unmatched)} column name(s) match no {what}: "
            f"{shown}"
            + ("" if len(match.unmatched) <= 3 else " and more")
            + "; their values are not in the table (listed in report.unmatched)",
            MissingCodesWarning,
        )
    if match.accent_folded:
        logger.info(
            "%s: %d name(s) matched only without accents: %s",
            source,
            len(match.accent_folded),
            format_quoted(match.accent_folded),
        )
    if match.outside:
        logger.info(
            "%s: %d name(s) are of %s outside the boundaries, left out: %s",
            source,
            len(match.outside),
            plural,
            format_quoted(match.outside),
        )


def read_inpi_table(
    path: str | Path,
    places: pd.DataFrame,
    *,
    level: InnovationLevel | str = "auto",
    ambiguous: BadRows = "report",
    population: Any = None,
    measure: InnovationMeasure = "indicator",
) -> InnovationOutputs:
    """Read INPI's table of patent applications by region name and IPC code.

    The tables of ThiagoLuka/base_de_dados_INPI (BADEPI applications,
    first applicant resident in Brazil, 1996-2020) have the IPC sections
    (or classes) as rows (first column ``IPC_CD``: ``A`` ... ``H``) and one
    column per municipality or microregion *name*, without the state. The
    values are 0/1 indicators (1 where the region's share of applications
    in the section is at least the national share), not counts; a region
    appears only if it had an application. No year: ``year`` is ``<NA>``.

    Parameters
    ----------
    path
        The table (Excel or CSV).
    places
        The name lookup from :func:`~lps_geo.io.read_places` (with the
        microregion table for microregion names).
    level
        ``"municipality"``, ``"microregion"`` or ``"auto"``: the level whose
        names match more of the columns.
    ambiguous
        Names matching several places (the same name in two states: INPI's
        columns merge them): ``"report"`` leaves them out with an
        :class:`~lps_geo.errors.InputFixWarning` and lists each with every
        candidate in ``report.ambiguous``; ``"raise"`` an InputError. A name
        with its state (``Amparo (SP)``) is not ambiguous.
    population
        Inhabitants by municipality code; used only for a microregion table
        of counts (``measure="count"``), whose values are shared in
        proportion to it. Indicators are repeated on each municipality of
        the microregion.
    measure
        ``"indicator"`` (values must be 0/1) or ``"count"`` (numbers >= 0),
        for tables of counts in the same layout.

    Returns
    -------
    InnovationOutputs
        ``kind="patents"``, ``system="ipc_section"`` (``"ipc_class"`` for
        3-character codes); one row per matched municipality and code.

    Raises
    ------
    InputError
        Codes of the first column that are not IPC sections/classes or are
        repeated; empty, repeated or unnamed region columns; empty,
        non-numeric or (indicators) non-0/1 values, naming column and row;
        two names matching one place; ambiguous names with
        ``ambiguous="raise"``.

    Warns
    -----
    InputFixWarning
        Ambiguous names left out.
    MissingCodesWarning
        Names matching nothing (with close candidates).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from lps_geo.io.innovation_names import read_places
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "inpi.csv"
    >>> _ = path.write_text("IPC_CD;Campinas;Amparo\\nA;1;0\\nB;0;1\\n")
    >>> places = read_places(pd.DataFrame({
    ...     "id": ["3509502", "3501905", "2500734"],
    ...     "id_microrregiao": ["35032", "35033", "25010"],
    ...     "nome": ["Campinas", "Amparo", "Amparo"]}))
    >>> import warnings; warnings.simplefilter("ignore")
    >>> out = read_inpi_table(path, places)
    >>> out.table[["region", "field", "value"]]
        region field  value
    0  3509502     A    1.0
    1  3509502     B    0.0
    >>> out.report.ambiguous
    {'Amparo': ('2500734 Amparo (PB)', '3501905 Amparo (SP)')}
    """
    check_choice(level, ("auto", *choices(InnovationLevel)), "level")
    check_choice(ambiguous, choices(BadRows), "ambiguous")
    check_choice(measure, choices(InnovationMeasure), "measure")
    places = check_places(places)
    path = check_file(path)
    source = str(path)
    header, cells = _read_grid(path, source)
    if len(header) < 2:
        raise InputError(
            f"{source}: {len(header)} column(s); INPI's layout has the IPC "
            "codes in the first column and one column per region name"
        )
    code_column = header[0] or "column 1"
    system, fields = _ipc_codes(cells[:, 0], source, code_column)
    names = header[1:]
    _check_names(names, source)
    values = _numbers(cells[:, 1:], names, source)
    _check_values(values, source, measure)
    values.index = pd.Index(fields, name="field")

    muni_places = municipality_places(places)
    micro_places = microregion_places(places)
    if level == "auto":
        level = _detect_level(names, muni_places, micro_places, source)
    notes = Notes()
    what = "municipality" if level == "municipality" else "microregion"
    if level == "microregion" and not micro_places:
        raise InputError(
            f"{source}: level='microregion' but the places have no microregion "
            "names; call read_places(municipalities, microregions) with the DTB "
            "table of microregions"
        )
    match = match_names(names, muni_places if what == "municipality" else micro_places)
    _report_names(match, what, ambiguous, notes, source)
    _check_one_column_per_place(match.matched, source, what)

    by_region = values[list(match.matched)].T
    by_region.index = pd.Index(list(match.matched.values()), dtype=object)
    allocation = None
    if level == "microregion":
        micro = list(by_region.index)
        partial_microregions(micro, places, notes, source)
        by_region, allocation = allocate(
            by_region,
            member_places(places, micro),
            population=population,
            repeat=measure == "indicator",
            notes=notes,
            source=source,
        )
    table = make_table(by_region, kind="patents", system=system, measure=measure)
    report = InnovationReport(
        source=source,
        format="inpi",
        kind="patents",
        system=system,
        measure=measure,
        level=level,
        n_read=len(names),
        n_matched=len(match.matched),
        unmatched=match.unmatched,
        candidates=match.candidates,
        ambiguous=match.ambiguous,
        allocation=allocation,
        n_regions=int(table["region"].nunique()),
        total=float(table["value"].sum()),
        warnings=tuple(notes.messages),
        outside=match.outside,
    )
    logger.info(
        "%s: %d of %d %s names matched (%d ambiguous, %d unmatched, %d outside)",
        source,
        report.n_matched,
        report.n_read,
        what,
        len(report.ambiguous),
        len(report.unmatched),
        len(report.outside),
    )
    return InnovationOutputs(table, report)


def _ipc_codes(column: Any, source: str, name: str) -> tuple[str, list[str]]:
    """The IPC system and codes of the first column, or an InputError."""
    codes = [
        "" if clean_code(v) is None else str(clean_code(v)).upper() for v in column
    ]
    systems = [
        system
        for system, pattern in _IPC_PATTERNS.items()
        if codes and all(re.fullmatch(pattern, code) for code in codes)
    ]
    if not systems:
        bad = [
            (i + 2, code)
            for i, code in enumerate(codes)
            if not any(re.fullmatch(p, code) for p in _IPC_PATTERNS.values())
        ]
        shown = bad or [(i + 2, c) for i, c in enumerate(codes)][:3]
        raise InputError(
            f"{source}: column {name!r} must hold IPC sections (A-H) or classes "
            f"(A01 ...), one kind only; found "
            f"{format_items(f'row {r}: {c!r}' for r, c in shown)} -- is this "
            "INPI's region x IPC table?"
        )
    system = systems[0]
    seen: dict[str, int] = {}
    for i, code in enumerate(codes):
        if code in seen:
            raise InputError(
                f"{source}: column {name!r} repeats the IPC code {code!r} (rows "
                f"{seen[code]} and {i + 2}); give one row per code"
            )
        seen[code] = i + 2
    return system, codes


def _read_grid(path: Path, source: str) -> tuple[list[str], np.ndarray]:
    """The header (raw names) and the cells (object array) of the table."""
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods"):
        raw = read_excel(path, sheet_name=0, header=None)
        if raw.empty:
            raise InputError(f"{source}: the first sheet is empty")
        header = ["" if is_missing(v) else str(v).strip() for v in raw.iloc[0]]
        return header, raw.iloc[1:].to_numpy(dtype=object)
    frame = read_table(path, all_text=True)
    header = list(frame.attrs.get("header") or frame.columns)
    return [str(h).strip() for h in header], frame.to_numpy(dtype=object)


def _numbers(cells: np.ndarray, names: list[str], source: str) -> pd.DataFrame:
    """The value cells as floats (NaN where empty), or an InputError naming
    the column and row of non-numeric ones."""
    flat = pd.Series(cells.ravel(), dtype=object)
    text = flat.map(lambda v: v.strip() if isinstance(v, str) else v)
    empty = text.map(is_missing).to_numpy(dtype=bool)
    numbers = pd.to_numeric(text.where(~empty, np.nan), errors="coerce")
    bad = np.flatnonzero(numbers.isna().to_numpy() & ~empty)
    if len(bad):
        width = cells.shape[1]
        shown = [
            f"column {names[i % width]!r} row {i // width + 2} ({flat.iloc[i]!r})"
            for i in bad
        ]
        raise InputError(
            f"{source}: {len(bad)} non-numeric value(s) at {format_items(shown, 3)}; "
            "write the values as plain numbers"
        )
    data = numbers.to_numpy(dtype=float).reshape(cells.shape)
    return pd.DataFrame(data, columns=names)


def _check_names(names: list[str], source: str) -> None:
    blank = [i + 2 for i, h in enumerate(names) if not h or h.startswith("Unnamed:")]
    if blank:
        raise InputError(
            f"{source}: {len(blank)} column(s) have no name (column position(s) "
            f"{format_items(blank)}); every column after the first must be a "
            "region name"
        )
    seen: set[str] = set()
    repeated = [h for h in names if h in seen or seen.add(h)]
    if repeated:
        raise InputError(
            f"{source}: the column name(s) {format_quoted(sorted(set(repeated)))} "
            "appear more than once; give one column per region"
        )


def _check_values(values: pd.DataFrame, source: str, measure: str) -> None:
    data = values.to_numpy()
    for test, problem, fix in (
        (np.isnan(data), "empty", "fill them in (0 or 1)"),
        (data < 0, "negative", "values must be >= 0"),
        (
            (data != 0) & (data != 1)
            if measure == "indicator"
            else np.zeros(data.shape, bool),
            "not 0/1",
            "INPI's tables hold 0/1 indicators; for counts pass measure='count'",
        ),
    ):
        if test.any():
            rows, cols = np.nonzero(test)
            cells = [
                f"column {values.columns[c]!r} row {r + 2}"
                for r, c in zip(rows, cols, strict=True)
            ]
            raise InputError(
                f"{source}: {len(cells)} {problem} value(s) at {format_items(cells, 3)}"
                f"; {fix}"
            )


def _detect_level(names, muni_places, micro_places, source) -> str:
    found = {
        "municipality": _n_found(names, muni_places),
        "microregion": _n_found(names, micro_places) if micro_places else 0,
    }
    logger.info(
        "%s: %d of %d names are municipality names, %d microregion names",
        source,
        found["municipality"],
        len(names),
        found["microregion"],
    )
    if found["municipality"] == found["microregion"]:
        raise InputError(
            f"{source}: as many column names match municipalities as "
            f"microregions ({found['municipality']} of {len(names)}); pass "
            "level='municipality' or level='microregion'"
        )
    return max(found, key=found.__getitem__)


def _n_found(names, places) -> int:
    match = match_names(names, places, candidates=False)
    return len(match.matched) + len(match.ambiguous) + len(match.outside)


def _check_one_column_per_place(matched: dict[str, str], source: str, what: str):
    by_code: dict[str, list[str]] = {}
    for name, code in matched.items():
        by_code.setdefault(code, []).append(name)
    clashes = {code: names for code, names in by_code.items() if len(names) > 1}
    if clashes:
        shown = format_items(
            f"{code}: {format_quoted(names)}" for code, names in clashes.items()
        )
        raise InputError(
            f"{source}: several columns match the same {what} ({shown}); merge "
            "or remove the repeated columns"
        )
