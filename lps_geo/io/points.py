"""Read institution registers given as point layers or tables (coordinates or codes).

The capability side of Suzigan, Furtado & Garcia (2006) counts the
universities, schools, research centres and technology-support bodies near
each local production system; :func:`read_institutions` accepts the forms
such registers come in (a vector file of points, a table with coordinates, a
table with municipality codes) and returns the canonical institutions layer
of :mod:`lps_geo.io.placement` with its report.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import get_args

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import MultiPoint, Point
from shapely.geometry.base import BaseGeometry

from lps_geo.crs import (
    DEFAULT_CRS,
    check_coordinates,
    crs_name,
    parse_crs,
    projected_crs,
    require_layer_crs,
)
from lps_geo.errors import ConfigError, CRSError, InputError
from lps_geo.io._util import (
    check_choice,
    check_file,
    clean_code,
    format_items,
    format_quoted,
    is_missing,
    parse_numbers,
    read_table,
    require_columns,
)
from lps_geo.io.boundaries import _read_vector, require_keyed_columns
from lps_geo.io.placement import place_records, prepare_boundaries
from lps_geo.io.reports import Institutions
from lps_geo.io.taxonomy import load_type_map
from lps_geo.vocab import Outside, Placement, UnknownTypes, Unmatched

logger = logging.getLogger(__name__)

#: The setting that fixes the register's CRS, named in the messages.
CRS_KEY = "[inputs.institutions] crs"

_TABLE_SUFFIXES = (
    ".csv",
    ".tsv",
    ".tab",
    ".txt",
    ".xls",
    ".xlsx",
    ".xlsm",
    ".ods",
    ".parquet",
    ".pq",
)


def _as_point(geometry: BaseGeometry | None) -> Point | None | bool:
    """Point, None for missing/empty, False for a non-point geometry."""
    if geometry is None or geometry.is_empty:
        return None
    if isinstance(geometry, Point):
        return geometry
    if isinstance(geometry, MultiPoint) and len(geometry.geoms) == 1:
        return geometry.geoms[0]
    return False


def _ids(frame: pd.DataFrame, id_column: str | None, source: str, unit: str, rows):
    if id_column is None:
        return [str(i + 1) for i in range(len(frame))]
    ids = [clean_code(value) for value in frame[id_column]]
    empty = [rows[i] for i, value in enumerate(ids) if value is None]
    if empty:
        raise InputError(
            f"{source}: column {id_column!r} has {len(empty)} empty id(s) in "
            f"{unit}(s) {format_items(empty)}; fill them in or pass id_column=None"
        )
    repeated = sorted({value for value in ids if ids.count(value) > 1})
    if repeated:
        raise InputError(
            f"{source}: column {id_column!r} has {len(repeated)} repeated id(s): "
            f"{format_quoted(repeated)}; ids must be unique (or pass id_column=None)"
        )
    return ids


def _codes(frame: pd.DataFrame, code_column: str | None, source: str, unit: str, rows):
    if code_column is None:
        return [None] * len(frame)
    codes = [clean_code(value) for value in frame[code_column]]
    bad = [
        (rows[i], code)
        for i, code in enumerate(codes)
        if code is not None and not code.isdigit()
    ]
    if bad:
        raise InputError(
            f"{source}: column {code_column!r} has {len(bad)} value(s) that are "
            f"not municipality codes ({unit}s {format_items(r for r, _ in bad)}: "
            f"{format_quoted(c for _, c in bad)}); use IBGE codes (digits only)"
        )
    return codes


def _weights(
    frame: pd.DataFrame, weight_column: str | None, source: str, unit: str, rows
) -> np.ndarray:
    if weight_column is None:
        return np.ones(len(frame))
    values = parse_numbers(frame, [weight_column], source=source)[
        weight_column
    ].to_numpy()
    empty = [rows[i] for i in np.flatnonzero(np.isnan(values))]
    if empty:
        raise InputError(
            f"{source}: column {weight_column!r} has {len(empty)} empty weight(s) "
            f"in {unit}(s) {format_items(empty)}; fill them in (0 is allowed)"
        )
    negative = [rows[i] for i in np.flatnonzero(values < 0)]
    if negative:
        raise InputError(
            f"{source}: column {weight_column!r} has {len(negative)} negative "
            f"weight(s) in {unit}(s) {format_items(negative)}; weights must be >= 0"
        )
    return values


def _coordinates(
    frame: pd.DataFrame, column: str, source: str, rows: list[int], decimal: str
) -> np.ndarray:
    """One coordinate column as floats (NaN where blank), or raise naming the
    rows and cells that are not numbers (a decimal comma said as such)."""
    values = frame[column]
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float)
    text = values.map(lambda v: "" if is_missing(v) else str(v).strip())
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    parsed = pd.to_numeric(text.where(text != ""), errors="coerce").to_numpy(float)
    bad = [i for i in range(len(text)) if text.iloc[i] and np.isnan(parsed[i])]
    if bad:
        cells = format_quoted(text.iloc[i] for i in bad)
        where = format_items(rows[i] for i in bad)
        comma = all(
            pd.notna(pd.to_numeric(text.iloc[i].replace(",", "."), errors="coerce"))
            for i in bad
        )
        fix = (
            "these use a decimal comma: write coordinates with a decimal point "
            "(-46.5, not -46,5)"
            if comma
            else "fix the cells (decimal degrees or metres, e.g. -46.65)"
        )
        raise InputError(
            f"{source}: column {column!r} has {len(bad)} coordinate(s) that are "
            f"not numbers in row(s) {where} ({cells}); {fix}"
        )
    return parsed


def read_institutions(
    path: str | Path,
    *,
    type_column: str = "type",
    name_column: str | None = "name",
    x_column: str | None = None,
    y_column: str | None = None,
    crs: str | int | None = None,
    code_column: str | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    placement: Placement = "centroid",
    type_map: Mapping[str, str] | str | Path | None = None,
    unknown_types: UnknownTypes = "raise",
    weight_column: str | None = None,
    layer: str | int | None = None,
    sep: str | None = None,
    encoding: str | None = None,
    target_crs: str | int = DEFAULT_CRS,
    id_column: str | None = None,
    outside: Outside = "drop",
    unmatched: Unmatched = "raise",
    name_rules: bool = True,
    keep_columns: Sequence[str] = (),
    sheet_name: str | int = 0,
    decimal: str = ".",
) -> Institutions:
    """Read an institution register into the canonical institutions layer.

    The capability side of Suzigan, Furtado & Garcia (2006) counts the
    universities, schools, research centres and technology-support bodies
    near each local production system; this reader accepts the forms such
    registers come in:

    * a vector file of points (any GDAL format) with a CRS (or ``crs=``);
    * a table (CSV/TSV, Excel, Parquet) with coordinate columns
      ``x_column``/``y_column`` (lon/lat or projected x/y) and ``crs=``;
    * a table with only a municipality code (``code_column``): the record is
      placed at its municipality's representative point (a point guaranteed
      inside the polygon; ``located="centroid"``). IBGE's boundary files do
      not carry the municipal seats, so the representative point stands for
      the seat; measures at the municipal level are unaffected, distances
      carry an error of the order of the municipality's size.

    When a table or layer has coordinates and ``code_column`` too, records
    without coordinates fall back to placement by code; without
    ``code_column`` they are an error.

    Parameters
    ----------
    path
        The register.
    type_column
        Column with the source category, mapped onto :data:`INSTITUTION_TYPES`
        through ``type_map`` merged over :data:`DEFAULT_TYPE_MAP`.
    name_column
        Column with the institution's name (None uses the id).
    x_column, y_column
        Coordinate columns (longitude/latitude for a geographic ``crs``).
    crs
        CRS of the coordinates; required for tables with coordinates and for
        vector files that do not declare one (overrides a declared one).
    code_column
        Column with the municipality code (7-digit IBGE; 6-digit RAIS codes
        are matched to 7-digit boundaries).
    boundaries
        Municipalities (from :func:`~lps_geo.io.read_boundaries`): used to
        place records by code, to find the municipality containing each
        point (``region``) and to find points outside the study area.
    placement
        Where records known by code are placed: ``"centroid"`` (the
        representative point). Placement at the seat is not available.
    type_map
        Extra category -> type entries: a dict, or a CSV with columns
        ``source,type`` (see :func:`load_type_map`).
    unknown_types
        Categories absent from the map: ``"raise"`` an InputError listing
        them with their counts, or map them to ``"other"`` with a
        :class:`~lps_geo.errors.MissingCodesWarning`.
    weight_column
        Numeric column with a weight (courses, enrolments, researchers);
        1.0 for every record when None.
    layer
        Layer of a multi-layer vector file.
    sep, encoding, sheet_name, decimal
        CSV separator and encoding (sniffed when None), Excel sheet, decimal
        mark of CSV numbers.
    target_crs
        Projected CRS of the result.
    id_column
        Column with a unique id, the index ``inst_id``; the 1-based record
        number when None.
    outside
        Points outside the union of ``boundaries``: ``"drop"`` (default) or
        ``"keep"`` them with no ``region``; either way a warning names
        how many and which ids, and the report counts them.
    unmatched
        Records placed by code whose code is not in ``boundaries``:
        ``"raise"`` an InputError naming the codes, or ``"drop"`` them with a
        warning.
    name_rules
        Refine generic ``university``/``other`` records whose name contains
        "Instituto Federal", "CEFET" ... (:data:`NAME_RULES`).
    keep_columns
        Further columns of the source to carry into the result.

    Returns
    -------
    Institutions
        ``points``: the canonical institutions layer (index ``inst_id``;
        columns ``name``, ``type``, ``source_type``, ``region``, ``located``,
        ``weight`` and ``keep_columns``; points in ``target_crs``; see
        :mod:`lps_geo.io.placement`). ``report``: an
        :class:`~lps_geo.io.reports.InstitutionReport` with ``n_read``,
        ``n_kept``, ``n_unknown_type``
        and ``unknown_types`` (category -> count), ``n_missing_coordinates``
        (records of a coordinate source without coordinates, placed by code),
        ``n_placed_at_centroid``, ``n_outside`` and ``outside_ids`` (0 and
        empty without boundaries), ``n_unmatched_codes`` and
        ``unmatched_codes``, ``dropped_ids`` and ``n_dropped``.

    Raises
    ------
    InputError
        Missing columns, unknown types (with ``unknown_types="raise"``),
        records without coordinates nor code (naming the rows), codes not in
        the boundaries (with ``unmatched="raise"``), non-point geometries,
        coordinates out of range, bad weights.
    CRSError
        Coordinates without a CRS; a geographic ``target_crs``.
    ConfigError
        Invalid options; records placed by code without ``boundaries``.

    Warns
    -----
    MissingCodesWarning
        Unknown types mapped to ``"other"``; codes dropped.
    LpsGeoWarning
        Points outside the study area.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from shapely.geometry import box
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "inst.csv").write_text(
    ...     "name,kind,lon,lat\\nUSP,Universidade,-46.73,-23.56\\n"
    ...     "Senai,SENAI,-46.60,-23.50\\n")
    >>> gdf = read_institutions(folder / "inst.csv", type_column="kind",
    ...     x_column="lon", y_column="lat", crs="EPSG:4326").points
    >>> gdf[["name", "type", "located"]]
              name              type located
    inst_id
    1          USP        university   point
    2        Senai  technical_school   point
    >>> gdf.crs.to_epsg()
    5880
    """
    check_choice(placement, get_args(Placement), "placement")
    check_choice(unknown_types, get_args(UnknownTypes), "unknown_types")
    check_choice(outside, get_args(Outside), "outside")
    check_choice(unmatched, get_args(Unmatched), "unmatched")
    if (x_column is None) != (y_column is None):
        raise ConfigError(
            "pass both x_column= and y_column= (or neither, for a point layer "
            "or a table placed by code_column=)"
        )
    target = projected_crs(target_crs, "target_crs")
    path = check_file(path)
    source = str(path)
    mapping = load_type_map(type_map)
    bounds = prepare_boundaries(boundaries, target) if boundaries is not None else None

    as_table = x_column is not None or path.suffix.lower() in _TABLE_SUFFIXES
    points: list[Point | None]
    coordinate_hint: str | None
    if as_table:
        text = tuple(c for c in (code_column, id_column, type_column) if c)
        frame = read_table(
            path,
            text_columns=text,
            sep=sep,
            encoding=encoding,
            sheet_name=sheet_name,
            decimal=decimal,
        )
        unit, rows = "row", [i + 2 for i in range(len(frame))]
    else:
        frame = _read_vector(path, layer, "inputs.institutions")
        unit, rows = "feature", [i + 1 for i in range(len(frame))]
    if len(frame) == 0:
        raise InputError(f"{source}: the register has no records")
    require_keyed_columns(
        frame.columns,
        {
            "type_column": type_column,
            "name_column": name_column,
            "code_column": code_column,
            "weight_column": weight_column,
            "x_column": x_column,
            "y_column": y_column,
        },
        source,
        "inputs.institutions",
    )
    require_columns(frame.columns, {"id_column": id_column}, source)
    for column in keep_columns:
        require_columns(frame.columns, {"keep_columns": column}, source)

    ids = _ids(frame, id_column, source, unit, rows)
    source_crs = None
    if as_table and x_column is not None:
        if crs is None:
            raise CRSError(
                f"{source}: coordinates in {x_column!r}/{y_column!r} need a CRS; "
                f'set {CRS_KEY} = "EPSG:4674" for SIRGAS 2000 longitude/latitude '
                "in degrees, or the EPSG code of projected x/y"
            )
        given = parse_crs(crs, CRS_KEY, CRS_KEY)
        x = _coordinates(frame, x_column, source, rows, decimal)
        y = _coordinates(frame, y_column, source, rows, decimal)
        present = ~(np.isnan(x) | np.isnan(y))
        if given.is_geographic:
            wrong = present & ((np.abs(x) > 180) | (np.abs(y) > 90))
            if wrong.any():
                shown = format_items(rows[i] for i in np.flatnonzero(wrong))
                raise InputError(
                    f"{source}: {int(wrong.sum())} row(s) have coordinates out "
                    f"of range for {given.name} (longitude within +-180, "
                    f"latitude within +-90): rows {shown}; check [inputs."
                    "institutions] x_column, y_column (swapped?) and crs "
                    "(projected metres?)"
                )
        elif present.any():
            check_coordinates(
                given,
                (
                    x[present].min(),
                    y[present].min(),
                    x[present].max(),
                    y[present].max(),
                ),
                source,
                CRS_KEY,
                True,
            )
        projected = gpd.GeoSeries(
            gpd.points_from_xy(np.where(present, x, 0.0), np.where(present, y, 0.0)),
            crs=given,
        ).to_crs(target)
        points = [projected.iloc[i] if present[i] else None for i in range(len(frame))]
        source_crs = given
        coordinate_hint = f"{x_column!r}/{y_column!r}"
    elif as_table:
        if code_column is None:
            raise ConfigError(
                f"{source}: a table needs x_column= and y_column= (with crs=) "
                "or code_column= (with boundaries=) to place the institutions"
            )
        points = [None] * len(frame)
        coordinate_hint = None
    else:
        if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.isna().all():
            if code_column is None:
                raise InputError(
                    f"{source}: the layer has no point geometries; set "
                    "[inputs.institutions] code_column to place the records at "
                    "their municipality"
                )
            points = [None] * len(frame)
            coordinate_hint = None
        else:
            if crs is not None:
                declared = frame.crs
                given = parse_crs(crs, CRS_KEY, CRS_KEY)
                if declared is not None and not declared.equals(given):
                    logger.warning(
                        "%s: declares CRS %s; using %s = %s instead as configured",
                        source,
                        crs_name(declared),
                        CRS_KEY,
                        crs_name(given),
                    )
                frame = frame.set_crs(given, allow_override=True)
            present = frame.geometry[~(frame.geometry.isna() | frame.geometry.is_empty)]
            extent = present.total_bounds if len(present) else None
            if crs is None:
                require_layer_crs(frame.crs, extent, source, CRS_KEY)
            if extent is not None:
                check_coordinates(frame.crs, extent, source, CRS_KEY, crs is not None)
            converted = [_as_point(g) for g in frame.geometry.to_crs(target)]
            wrong = [i for i, p in enumerate(converted) if p is False]
            if wrong:
                kinds = sorted({str(frame.geometry.iloc[i].geom_type) for i in wrong})
                raise InputError(
                    f"{source}: {len(wrong)} feature(s) are not points (ids "
                    f"{format_items(ids[i] for i in wrong)}; types "
                    f"{format_quoted(kinds)}); institutions must be a Point "
                    "layer -- convert polygons with representative_point()"
                )
            points = converted  # type: ignore[assignment]
            source_crs = frame.crs
            coordinate_hint = "the point geometry"

    records = pd.DataFrame(
        {
            "_id": ids,
            "name": (
                [
                    ids[i] if is_missing(v) else str(v).strip()
                    for i, v in enumerate(frame[name_column])
                ]
                if name_column is not None
                else ids
            ),
            "source_type": [
                "" if is_missing(v) else str(v).strip() for v in frame[type_column]
            ],
            "code": _codes(frame, code_column, source, unit, rows),
            "weight": _weights(frame, weight_column, source, unit, rows),
        }
    )
    for column in keep_columns:
        records[column] = frame[column].to_numpy()
    return place_records(
        records,
        points,
        source=source,
        n_read=len(frame),
        rows=rows,
        unit=unit,
        type_label=type_column,
        boundaries=bounds,
        target=target,
        type_map=mapping,
        unknown_types=unknown_types,
        name_rules=name_rules,
        outside=outside,
        unmatched=unmatched,
        coordinate_hint=coordinate_hint,
        allow_unplaced=False,
        extra_columns=keep_columns,
        source_crs=source_crs,
    )
