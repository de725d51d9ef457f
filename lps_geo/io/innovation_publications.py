"""Read publications by institution into counts per municipality and discipline.

The course data set ``Publicacoes_Instituicoes_Total.tsv`` (13 map-of-science
disciplines per institution, located by 5-digit IBGE microregion) is summed
per microregion and shared among the microregion's municipalities
(:func:`~lps_geo.io.innovation_table.allocate`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lps_geo.errors import InputError, LpsGeoWarning, MissingCodesWarning
from lps_geo.io._util import (
    check_file,
    clean_code,
    format_items,
    format_quoted,
    normalize_region_codes,
    parse_numbers,
    read_table,
    require_columns,
)
from lps_geo.io.innovation_names import check_places, outside_places
from lps_geo.io.innovation_table import (
    InnovationOutputs,
    InnovationReport,
    Notes,
    allocate,
    make_table,
    member_places,
    partial_microregions,
)

logger = logging.getLogger(__name__)

#: The 13 disciplines of the publications table, in file order: the column
#: ``Publicacoes_Disciplina_<Name>`` gives the field code ``<name>``
#: (lower case).
PUBLICATION_DISCIPLINES: tuple[str, ...] = (
    "biologia",
    "biotecnologia",
    "especialidades_medicas",
    "engenharias_civil_mecanica_e_quimica",
    "quimica",
    "ciencias_da_natureza",
    "engenharia_eletrica_e_ciencias_da_computacao",
    "pesquisas_neurologicas",
    "humanas",
    "doencas_infecciosas",
    "matematica_e_fisica",
    "profissionais_da_saude",
    "ciencias_sociais",
)
_DISCIPLINE_PREFIX = "Publicacoes_Disciplina_"
#: The discipline columns of the data set, in file order.
DISCIPLINE_COLUMNS: tuple[str, ...] = (
    "Publicacoes_Disciplina_Biologia",
    "Publicacoes_Disciplina_Biotecnologia",
    "Publicacoes_Disciplina_Especialidades_Medicas",
    "Publicacoes_Disciplina_Engenharias_Civil_Mecanica_e_Quimica",
    "Publicacoes_Disciplina_Quimica",
    "Publicacoes_Disciplina_Ciencias_da_Natureza",
    "Publicacoes_Disciplina_Engenharia_Eletrica_e_Ciencias_da_Computacao",
    "Publicacoes_Disciplina_Pesquisas_Neurologicas",
    "Publicacoes_Disciplina_Humanas",
    "Publicacoes_Disciplina_Doencas_Infecciosas",
    "Publicacoes_Disciplina_Matematica_e_Fisica",
    "Publicacoes_Disciplina_Profissionais_da_Saude",
    "Publicacoes_Disciplina_Ciencias_Sociais",
)
_MICROREGION_COLUMN = "ID_da_microregiao"
_TOTAL_COLUMN = "Total_Publicacoes"
_NAME_COLUMN = "nome_da_instituicao"
_ID_COLUMN = "ID_da_instituicao"
_STATE_COLUMN = "ID_do_estado"


def read_publications(
    path: str | Path, places: pd.DataFrame, *, population: Any = None
) -> InnovationOutputs:
    """Read publications by institution into counts per municipality and discipline.

    The course data set ``Publicacoes_Instituicoes_Total.tsv`` has one row
    per institution with its 5-digit IBGE microregion
    (``ID_da_microregiao``), 13 columns ``Publicacoes_Disciplina_<Name>``
    (:data:`PUBLICATION_DISCIPLINES`) and ``Total_Publicacoes``. The counts
    are summed per microregion and discipline, then shared among the
    municipalities of the microregion in ``places``: in proportion to
    ``population`` when given, else equally (``report.allocation`` says
    which). Each microregion's shares sum back to its total.

    The institutions' locations were assigned by name matching upstream and
    some are wrong (UNIVERSIDADE FEDERAL DE SAO CARLOS sits in 42002, Santa
    Catarina); they are read as given, never moved.

    Parameters
    ----------
    path
        The table (TSV, CSV or Excel).
    places
        The lookup from :func:`~lps_geo.io.read_places` (microregion of each
        municipality).
    population
        Inhabitants by 7-digit municipality code (a Series, e.g. from
        :func:`~lps_geo.io.read_population`). A microregion where a member
        municipality has no population is divided equally (warned).

    Returns
    -------
    InnovationOutputs
        ``kind="publications"``, ``system="discipline"``, ``measure="count"``;
        one row per municipality of a microregion with publications and
        discipline (zeros included), ``year`` ``<NA>``.

    Raises
    ------
    InputError
        Missing columns; empty or non-5-digit microregion codes; empty,
        non-numeric or negative counts (naming column and rows).

    Warns
    -----
    MissingCodesWarning
        Microregion codes not in ``places`` (with the publications lost);
        microregions partly outside the boundaries; equal shares for lack of
        population.
    ApproximationWarning
        No population given: equal shares.
    LpsGeoWarning
        ``Total_Publicacoes`` differing from the sum of the disciplines, or
        ``ID_do_estado`` from the microregion's state (values kept as given).

    Examples
    --------
    >>> import tempfile, pathlib, warnings
    >>> from lps_geo.io.innovation_names import read_places
    >>> cols = list(DISCIPLINE_COLUMNS)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "pub.tsv"
    >>> _ = path.write_text("\\t".join(["ID_da_microregiao", *cols]) + "\\n"
    ...     + "\\t".join(["35032", "6"] + ["0"] * 12) + "\\n")
    >>> places = read_places(pd.DataFrame({"id": ["3509502", "3519071"],
    ...     "id_microrregiao": ["35032", "35032"],
    ...     "nome": ["Campinas", "Hortolândia"]}))
    >>> out = read_publications(path, places,
    ...                         population={"3509502": 2, "3519071": 1})
    >>> out.table.query("field == 'biologia'")[["region", "value"]]
         region  value
    0   3509502    4.0
    13  3519071    2.0
    """
    places = check_places(places)
    path = check_file(path)
    source = str(path)
    frame = read_table(
        path, text_columns=(_MICROREGION_COLUMN, _ID_COLUMN, _STATE_COLUMN)
    )
    columns = _discipline_columns(frame, source)
    require_columns(frame.columns, {"microregion": _MICROREGION_COLUMN}, source)
    missing = [
        column
        for column, code in zip(
            DISCIPLINE_COLUMNS, PUBLICATION_DISCIPLINES, strict=True
        )
        if code not in set(columns.values())
    ]
    if missing:
        raise InputError(
            f"{source}: {len(missing)} discipline column(s) not found: "
            f"{format_quoted(missing, 3)}; the table needs the 13 columns "
            f"{_DISCIPLINE_PREFIX}<Name> of the publications data set"
        )
    rows = [i + 2 for i in range(len(frame))]
    labels = _row_labels(frame, rows)
    micro = normalize_region_codes(
        frame[_MICROREGION_COLUMN].tolist(),
        source=source,
        column=_MICROREGION_COLUMN,
        what="microregion code",
        rows=rows,
    )
    wrong = [(r, c) for r, c in zip(rows, micro, strict=True) if len(c) != 5]
    if wrong:
        raise InputError(
            f"{source}: column {_MICROREGION_COLUMN!r} has {len(wrong)} code(s) "
            "that are not 5-digit IBGE microregion codes, in "
            f"{format_items(f'row {r} ({c!r})' for r, c in wrong)}; old 6-digit "
            "codes convert with lps_geo.io.microregion_6_to_5"
        )
    order = list(columns)
    values = parse_numbers(frame, order, source=source)
    for column in order:
        for test, problem in (
            (values[column].isna(), "empty"),
            (values[column] < 0, "negative"),
        ):
            if test.any():
                at = [labels[i] for i in np.flatnonzero(test.to_numpy())]
                raise InputError(
                    f"{source}: column {column!r} has {len(at)} {problem} count(s) "
                    f"in {format_items(at, 3)}; counts must be numbers >= 0"
                )
    values.columns = [columns[c] for c in order]
    values = values[list(PUBLICATION_DISCIPLINES)]
    notes = Notes()
    _check_totals(frame, values, labels, micro, notes, source)
    values.index = pd.Index(micro, name="microregion")

    inside = set(places["microregion"].dropna())
    outside = set(outside_places(places)["microregion"].dropna())
    known = [code for code in dict.fromkeys(micro) if code in inside]
    left = sorted({code for code in micro if code in outside and code not in inside})
    unmatched = sorted(set(micro) - inside - outside)
    if unmatched:
        lost = values[values.index.isin(unmatched)]
        notes.warn(
            f"{source}: {len(unmatched)} microregion code(s) of column "
            f"{_MICROREGION_COLUMN!r} are not in the places: "
            f"{format_items(unmatched)} ({len(lost)} institution(s), "
            f"{lost.to_numpy().sum():g} publications left out); check the codes "
            "or the DTB tables given to read_places",
            MissingCodesWarning,
        )
    if left:
        logger.info(
            "%s: %d microregion(s) outside the boundaries left out (%g "
            "publications): %s",
            source,
            len(left),
            values[values.index.isin(left)].to_numpy().sum(),
            format_items(left),
        )
    by_micro = values[values.index.isin(known)].groupby(level=0, sort=True).sum()
    partial_microregions(list(by_micro.index), places, notes, source)
    by_region, allocation = allocate(
        by_micro,
        member_places(places, list(by_micro.index)),
        population=population,
        notes=notes,
        source=source,
    )
    table = make_table(
        by_region, kind="publications", system="discipline", measure="count"
    )
    report = InnovationReport(
        source=source,
        format="publications",
        kind="publications",
        system="discipline",
        measure="count",
        level="microregion",
        n_read=len(frame),
        n_matched=int(np.isin(micro, known).sum()),
        unmatched=tuple(unmatched),
        candidates={},
        ambiguous={},
        allocation=allocation,
        n_regions=int(table["region"].nunique()),
        total=float(table["value"].sum()),
        warnings=tuple(notes.messages),
        outside=tuple(left),
    )
    logger.info(
        "%s: %d institution(s) in %d microregion(s), %g publications shared among "
        "%d municipalities (%s)",
        source,
        report.n_matched,
        len(by_micro),
        report.total,
        report.n_regions,
        allocation,
    )
    return InnovationOutputs(table, report)


def _discipline_columns(frame: pd.DataFrame, source: str) -> dict[str, str]:
    """Column -> discipline code of the ``Publicacoes_Disciplina_*`` columns;
    columns of other disciplines are ignored (logged)."""
    found = {
        str(c): str(c)[len(_DISCIPLINE_PREFIX) :].lower()
        for c in frame.columns
        if str(c).startswith(_DISCIPLINE_PREFIX)
    }
    extra = [c for c, code in found.items() if code not in PUBLICATION_DISCIPLINES]
    if extra:
        logger.warning(
            "%s: column(s) of disciplines outside the 13 of the data set ignored: %s",
            source,
            format_quoted(extra),
        )
    columns = {c: code for c, code in found.items() if code in PUBLICATION_DISCIPLINES}
    codes = list(columns.values())
    twice = sorted({code for code in codes if codes.count(code) > 1})
    if twice:
        raise InputError(
            f"{source}: several columns hold the discipline(s) {format_quoted(twice)} "
            f"({format_quoted(c for c, code in columns.items() if code in twice)}); "
            "keep one column per discipline"
        )
    return columns


def _row_labels(frame: pd.DataFrame, rows: list[int]) -> list[str]:
    """``row N (INSTITUTION)`` for the messages."""
    if _NAME_COLUMN not in frame.columns:
        return [f"row {r}" for r in rows]
    return [
        f"row {r} ({name})" for r, name in zip(rows, frame[_NAME_COLUMN], strict=True)
    ]


def _check_totals(frame, values, labels, micro, notes: Notes, source: str) -> None:
    """Warn (never change) where the given total or state disagrees."""
    if _TOTAL_COLUMN in frame.columns:
        given = parse_numbers(frame, [_TOTAL_COLUMN], source=source)[_TOTAL_COLUMN]
        summed = values.sum(axis=1)
        bad = np.flatnonzero(
            (given.to_numpy() != summed.to_numpy()) & given.notna().to_numpy()
        )
        if len(bad):
            shown = format_items(
                f"{labels[i]}: {_TOTAL_COLUMN} {given.iloc[i]:g} vs disciplines "
                f"{summed.iloc[i]:g}"
                for i in bad
            )
            notes.warn(
                f"{source}: {len(bad)} row(s) whose {_TOTAL_COLUMN} is not the sum "
                f"of the disciplines ({shown}); the disciplines are used as given",
                LpsGeoWarning,
            )
    if _STATE_COLUMN in frame.columns:
        states = [clean_code(v) for v in frame[_STATE_COLUMN]]
        bad = [
            f"{labels[i]}: state {s} vs microregion {m}"
            for i, (s, m) in enumerate(zip(states, micro, strict=True))
            if s is not None and s != m[:2]
        ]
        if bad:
            notes.warn(
                f"{source}: {len(bad)} row(s) whose {_STATE_COLUMN} is not the "
                f"state of their microregion ({format_items(bad)}); the "
                "microregion is used as given",
                LpsGeoWarning,
            )
