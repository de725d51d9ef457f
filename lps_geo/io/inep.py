"""Read INEP's register of higher-education institutions (Censo da Educação Superior).

The register (as compiled by DataViva, ``Tabela IES 2013.xls``) lists each
institution with its municipality code, administrative category, dependency
and status; :func:`read_inep_ies` finds its sheet and columns, keeps the
active institutions and places them at their municipality (the canonical
layer of :mod:`lps_geo.io.placement`).
"""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any, get_args

import geopandas as gpd
import numpy as np
import pandas as pd

from lps_geo.crs import DEFAULT_CRS, projected_crs
from lps_geo.errors import InputError, InputFixWarning, MissingCodesWarning
from lps_geo.io._util import (
    check_choice,
    check_file,
    clean_code,
    format_items,
    format_quoted,
    is_missing,
    normalize_text,
    read_excel,
    read_table,
)
from lps_geo.io.placement import place_records, prepare_boundaries
from lps_geo.io.reports import InepReport, Institutions
from lps_geo.io.taxonomy import DEFAULT_TYPE_MAP, INEP_TYPE_MAP, load_type_map
from lps_geo.vocab import UnknownTypes

logger = logging.getLogger(__name__)

#: Sheet and columns of INEP's IES register (Censo da Educação Superior).
INEP_SHEET = "IES_2000_2010_UF_EDUCA_FIM"
_INEP_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("codigo ies", "codigo da ies", "co ies"),
    "name": (
        "nome da ies instituicao de ensino superior",
        "nome da ies",
        "no ies",
    ),
    "code": ("codigo do municipio", "co municipio", "codigo municipio"),
    "type": ("tipo de instituicao", "categoria administrativa"),
    "status": ("condicao de funcionamento", "situacao de funcionamento"),
    "dependency": (
        "nome da dependencia administrativa",
        "dependencia administrativa",
    ),
}


#: Suffixes of vector layers, which hold points, not the INEP register.
_VECTOR_SUFFIXES = (".shp", ".gpkg", ".geojson", ".fgb", ".kml", ".gml", ".topojson")


def _none_kept(source, n_read, n_inactive, n_no_code, codes, regions, column):
    """The message for a register of which no record is in the study area:
    why each was dropped, and the state codes found against the boundaries'."""
    found = sorted({code[:2] for code in codes if code})
    states = sorted({str(code)[:2] for code in regions})
    reasons = [
        f"{n_inactive} inactive",
        f"{n_no_code} without a municipality code",
        f"{len(codes)} whose municipality (column {column!r}) is not in the "
        f"boundaries (state codes in the register: {format_items(found)}; in "
        f"the boundaries: {format_items(states)})",
    ]
    return (
        f"{source}: none of the {n_read} institution record(s) is in the study "
        f"area: {'; '.join(reasons)}; check [inputs.institutions] path (a "
        "register covering these municipalities) and [inputs.boundaries] path"
    )


def _find_columns(
    columns: Sequence[Any], wanted: Mapping[str, tuple[str, ...]], source: str
) -> dict[str, str]:
    folded = {normalize_text(column): str(column) for column in columns}
    found: dict[str, str] = {}
    for key, candidates in wanted.items():
        for candidate in candidates:
            if candidate in folded:
                found[key] = folded[candidate]
                break
        else:
            raise InputError(
                f"{source}: no column for the INEP {key!r} field (looked for "
                f"{format_quoted(candidates)}); available columns: "
                f"{format_quoted([str(c) for c in columns], max_shown=12)} -- is "
                "this the INEP IES register? For other layouts set "
                '[inputs.institutions] format = "points"'
            )
    return found


def read_inep_ies(
    path: str | Path,
    boundaries: gpd.GeoDataFrame | None = None,
    active_only: bool = True,
    type_map: Mapping[str, str] | str | Path | None = None,
    *,
    unknown_types: UnknownTypes = "raise",
    sheet_name: str | int | None = None,
    target_crs: str | int = DEFAULT_CRS,
) -> Institutions:
    """Read INEP's register of higher-education institutions (IES).

    The register of the Censo da Educação Superior (as compiled by DataViva,
    ``Tabela IES 2013.xls``; sheet ``IES_2000_2010_UF_EDUCA_FIM``) lists each
    institution with its municipality code (7-digit IBGE: the seat of the
    institution, not its campuses), administrative category, dependency and
    status. It is the "universities" layer of the capability analysis of
    Suzigan, Furtado & Garcia (2006).

    Records carry no coordinates: they are placed at the representative
    point of their municipality (``located="centroid"``). The type comes from
    ``Tipo de Instituição`` (PÚBLICA / PRIVADA -> ``university``, colleges
    included; see :data:`~lps_geo.io.taxonomy.INEP_TYPE_MAP`) refined by the
    name: "INSTITUTO FEDERAL", "CEFET" and "Centro Federal de Educação
    Tecnológica" -> ``federal_institute``
    (:data:`~lps_geo.io.taxonomy.NAME_RULES`).

    Parameters
    ----------
    path
        The register (Excel, or a CSV with the same columns).
    boundaries
        Municipalities (from :func:`~lps_geo.io.read_boundaries`). Records
        whose code is not among them are dropped with a warning (a national
        register read against one state is normal). Without boundaries the
        records keep their code in ``region`` but get no geometry
        (``located`` None): enough for counts per municipality.
    active_only
        Keep only institutions whose ``Condição de Funcionamento`` is
        ``ATIVA``.
    type_map
        Extra category -> type entries (see :func:`~lps_geo.io.load_type_map`).
    unknown_types
        As in :func:`~lps_geo.io.read_institutions`.
    sheet_name
        Excel sheet; ``IES_2000_2010_UF_EDUCA_FIM`` when present, else the
        first sheet holding the register's columns.
    target_crs
        Projected CRS of the result.

    Returns
    -------
    Institutions
        ``points``: the canonical institutions layer indexed by the INEP code
        (``inst_id``), with ``dependency`` (administrative dependency:
        FEDERAL, ESTADUAL, MUNICIPAL, PRIVADA) and ``status`` (ATIVA,
        INATIVA) columns. ``report``: an
        :class:`~lps_geo.io.reports.InepReport`, which adds ``n_inactive``
        (dropped by ``active_only``), ``n_missing_code`` (records without a
        numeric municipality code, dropped) and ``n_not_in_boundaries`` to
        the keys of :func:`~lps_geo.io.read_institutions`.

    Raises
    ------
    InputError
        ``path`` is a vector layer (use ``format = "points"``); with
        boundaries, no record is in them (naming how many were inactive,
        without a code, or of municipalities outside the boundaries, with the
        state codes of both).

    Warns
    -----
    InputFixWarning
        Inactive institutions dropped by ``active_only`` (count and status).
    MissingCodesWarning
        Records without a municipality code, or whose code is not in the
        boundaries (both dropped and counted).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ies.csv"
    >>> _ = path.write_text(
    ...     "Codigo IES;Nome da IES - Instituição de Ensino Superior;"
    ...     "Código do Município;Tipo de Instituição;Condição de Funcionamento;"
    ...     "Nome da Dependência Administrativa\\n"
    ...     "55;UNIVERSIDADE DE SÃO PAULO;3550308;PÚBLICA;ATIVA;ESTADUAL\\n"
    ...     "1810;INSTITUTO FEDERAL DE SÃO PAULO;3550308;PÚBLICA;ATIVA;FEDERAL\\n"
    ...     "99;FACULDADE X;3509502;PRIVADA;INATIVA;PRIVADA\\n")
    >>> ies = read_inep_ies(path)
    >>> ies.points[["type", "region", "dependency"]]
                          type   region dependency
    inst_id
    55              university  3550308   ESTADUAL
    1810     federal_institute  3550308    FEDERAL
    >>> ies.report.n_inactive
    1
    """
    target = projected_crs(target_crs, "target_crs")
    path = check_file(path)
    source = str(path)
    if path.suffix.lower() in _VECTOR_SUFFIXES:
        raise InputError(
            f"{source}: is a vector layer, not INEP's IES register (an Excel or "
            "CSV table); for a layer of institution points set "
            '[inputs.institutions] format = "points"'
        )
    check_choice(unknown_types, get_args(UnknownTypes), "unknown_types")
    mapping = load_type_map(type_map, base={**DEFAULT_TYPE_MAP, **INEP_TYPE_MAP})
    bounds = prepare_boundaries(boundaries, target) if boundaries is not None else None

    sheet: str | int = 0 if sheet_name is None else sheet_name
    if sheet_name is None and path.suffix.lower() in (".xls", ".xlsx", ".xlsm", ".ods"):
        headers = read_excel(path, sheet_name=None, nrows=0)
        if INEP_SHEET in headers:
            sheet = INEP_SHEET
        else:
            for name, header in headers.items():
                folded = {normalize_text(c) for c in header.columns}
                if all(
                    any(c in folded for c in options)
                    for options in _INEP_COLUMNS.values()
                ):
                    sheet = name
                    break
            else:
                raise InputError(
                    f"{source}: no sheet holds the INEP IES register columns "
                    f"(sheets: {format_quoted(list(headers))}); pass sheet_name="
                )
    header = read_table(path, sheet_name=sheet).columns
    found = _find_columns(header, _INEP_COLUMNS, source)
    frame = read_table(
        path,
        sheet_name=sheet,
        text_columns=(found["id"], found["code"], found["type"]),
    )
    source_label = f"{source} [{sheet}]" if isinstance(sheet, str) else source

    ids = [clean_code(value) for value in frame[found["id"]]]
    names = frame[found["name"]]
    # footer lines ("Fonte: MEC/Inep/DEED") and the "not registered" placeholder
    placeholder = names.map(
        lambda v: (
            not is_missing(v)
            and normalize_text(v).startswith("instituicao nao cadastrada")
        )
    ).to_numpy(dtype=bool)
    valid = (
        np.array([code is not None and code.isdigit() for code in ids], dtype=bool)
        & ~placeholder
    )
    if (~valid).any():
        logger.info(
            "%s: skipped %d footer/placeholder row(s)",
            source_label,
            int((~valid).sum()),
        )
    frame = frame.loc[valid].reset_index(drop=True)
    rows = [int(i) + 2 for i in np.flatnonzero(valid)]
    ids = [code for code, ok in zip(ids, valid, strict=True) if ok]
    repeated = sorted({code for code, n in Counter(ids).items() if n > 1})
    if repeated:
        raise InputError(
            f"{source_label}: column {found['id']!r} repeats {len(repeated)} "
            f"institution code(s): {format_items(repeated)}; fix the register"
        )
    # the warnings wait until a record is known to be kept (else one error)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        n_read = len(frame)
        status = frame[found["status"]].map(
            lambda v: "" if is_missing(v) else str(v).strip()
        )
        n_inactive = 0
        if active_only:
            active = (status.map(normalize_text) == "ativa").to_numpy()
            n_inactive = int((~active).sum())
            rows = [r for r, ok in zip(rows, active, strict=True) if ok]
            ids = [code for code, ok in zip(ids, active, strict=True) if ok]
            if n_inactive:
                counts = Counter(status[~active])
                shown = ", ".join(
                    f"{count} {value or 'empty'!r}"
                    for value, count in counts.most_common(4)
                )
                warnings.warn(
                    f"{source_label}: {n_inactive} of {n_read} institution(s) are not "
                    f"active (column {found['status']!r}: {shown}) and were dropped; "
                    "only ATIVA institutions count",
                    InputFixWarning,
                    stacklevel=2,
                )
            frame = frame.loc[active].reset_index(drop=True)
            status = status.loc[active].reset_index(drop=True)
            logger.info(
                "%s: kept %d active institution(s), skipped %d inactive",
                source_label,
                len(frame),
                n_inactive,
            )
        codes = [clean_code(value) for value in frame[found["code"]]]
        has_code = np.array([c is not None and c.isdigit() for c in codes], dtype=bool)
        no_code_ids = [ids[i] for i in np.flatnonzero(~has_code)]
        if no_code_ids:
            warnings.warn(
                f"{source_label}: {len(no_code_ids)} institution(s) have no numeric "
                f"municipality code in column {found['code']!r} (ids "
                f"{format_items(no_code_ids)}); they were dropped",
                MissingCodesWarning,
                stacklevel=2,
            )
        frame = frame.loc[has_code].reset_index(drop=True)
        status = status.loc[has_code].reset_index(drop=True)
        rows = [r for r, ok in zip(rows, has_code, strict=True) if ok]
        ids = [code for code, ok in zip(ids, has_code, strict=True) if ok]
        codes = [code for code, ok in zip(codes, has_code, strict=True) if ok]

        records = pd.DataFrame(
            {
                "_id": ids,
                "name": [
                    ids[i] if is_missing(v) else str(v).strip()
                    for i, v in enumerate(frame[found["name"]])
                ],
                "source_type": [
                    "" if is_missing(v) else str(v).strip()
                    for v in frame[found["type"]]
                ],
                "code": codes,
                "weight": np.ones(len(frame)),
                "dependency": [
                    None if is_missing(v) else str(v).strip()
                    for v in frame[found["dependency"]]
                ],
                "status": status.tolist(),
            }
        )
        placed = place_records(
            records,
            [None] * len(records),
            source=source_label,
            n_read=n_read,
            rows=rows,
            unit="row",
            type_label=found["type"],
            boundaries=bounds,
            target=target,
            type_map=mapping,
            unknown_types=unknown_types,
            name_rules=True,
            outside="drop",
            unmatched="drop",
            coordinate_hint=None,
            allow_unplaced=True,
            dropped_before=no_code_ids,
            extra_columns=("dependency", "status"),
        )
    if bounds is not None and placed.report.n_kept == 0:
        raise InputError(
            _none_kept(
                source_label,
                n_read,
                n_inactive,
                len(no_code_ids),
                codes,
                list(bounds.index),
                found["code"],
            )
        )
    for item in caught:
        warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
    out = placed.points
    out["dependency"] = out["dependency"].astype("str")
    out["status"] = out["status"].astype("str")
    base = placed.report
    report = InepReport(
        **{item.name: getattr(base, item.name) for item in fields(base)},
        n_inactive=n_inactive,
        n_missing_code=len(no_code_ids),
        n_not_in_boundaries=base.n_unmatched_codes,
    )
    return Institutions(points=out, report=report)
