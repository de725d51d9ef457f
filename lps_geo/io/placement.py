"""Place institution records on the map: types, points or municipality, study area.

Every institution reader ends in :func:`place_records`, which turns its
records into the canonical institutions layer: a GeoDataFrame of points in a
projected CRS (EPSG:5880 by default) indexed by ``inst_id`` (str) with the
columns

``name``
    Name of the institution.
``type``
    One of :data:`~lps_geo.vocab.INSTITUTION_TYPES` (labels in
    :data:`lps_geo.symbology.INSTITUTION_NAMES`).
``source_type``
    The category as written in the source file, before mapping.
``region``
    7-digit code of the municipality containing the point (or owning the
    record); missing (NaN in pandas' string dtype, ``isna()`` is True) for
    points outside every region or when no boundaries were given.
``located``
    ``"point"`` for real coordinates, ``"centroid"`` for records placed at
    their municipality's representative point (``"seat"`` is reserved for
    placement at the municipal seat, which needs seat coordinates that IBGE's
    boundary files do not carry).
``weight``
    Float, 1.0 unless a weight column (courses, enrolments, researchers) is
    named.

with an :class:`~lps_geo.io.reports.InstitutionReport` of what was done (rows
read, unknown types, points outside the study area, records placed at a
representative point, dropped ids), together an
:class:`~lps_geo.io.reports.Institutions`.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from shapely.geometry import Point

from lps_geo.crs import crs_name
from lps_geo.errors import (
    ConfigError,
    CRSError,
    InputError,
    InputFixWarning,
    MissingCodesWarning,
)
from lps_geo.io._util import format_items, is_missing
from lps_geo.io.codes import match_rais6_layout
from lps_geo.io.reports import InstitutionReport, Institutions
from lps_geo.io.taxonomy import classify_types
from lps_geo.vocab import INSTITUTION_TYPES

logger = logging.getLogger(__name__)


def prepare_boundaries(boundaries: Any, target: CRS) -> gpd.GeoDataFrame:
    """The boundaries in ``target``, indexed by str codes named ``region``."""
    if not isinstance(boundaries, gpd.GeoDataFrame):
        raise ConfigError(
            f"boundaries must be a GeoDataFrame (read it with "
            f"lps_geo.io.read_boundaries), got {type(boundaries).__name__}"
        )
    if boundaries.crs is None:
        raise CRSError(
            "boundaries have no CRS; read them with lps_geo.io.read_boundaries "
            "or set one with .set_crs(...)"
        )
    out = boundaries
    if not out.crs.equals(target):
        out = out.to_crs(target)
    out = out.copy()
    out.index = pd.Index([str(code) for code in out.index], name="region")
    return out


def place_records(
    records: pd.DataFrame,
    points: list[Point | None],
    *,
    source: str,
    n_read: int,
    rows: list[int],
    unit: str,
    type_label: str,
    boundaries: gpd.GeoDataFrame | None,
    target: CRS,
    type_map: dict[str, str],
    unknown_types: str,
    name_rules: bool,
    outside: str,
    unmatched: str,
    coordinate_hint: str | None,
    allow_unplaced: bool,
    dropped_before: Sequence[str] = (),
    extra_columns: Sequence[str] = (),
    source_crs: CRS | None = None,
) -> Institutions:
    """Type mapping, placement, spatial join and the report, shared by readers.

    ``records`` holds ``_id``, ``name``, ``source_type``, ``code`` (str or
    None), ``weight`` and ``extra_columns``; ``points`` the point of each
    record in ``target`` (None when it has none); ``rows`` the row numbers
    named in messages; ``n_read`` the records the reader read and
    ``dropped_before`` the ids it left out already (reported first);
    ``source_crs`` the CRS of the source coordinates, in which the message
    about points that all fall outside the boundaries gives the ranges.

    Raises
    ------
    InputError
        Unknown types (``unknown_types="raise"``, naming rows and values);
        records without a place; codes not in the boundaries
        (``unmatched="raise"``); points that all fall outside the boundaries.
    """
    ids = records["_id"].tolist()
    n = len(records)
    # what the report counts; left at zero unless the steps below find some
    n_unknown_type = n_unmatched = 0
    unknown_counts: dict[str, int] = {}
    unmatched_codes: tuple[str, ...] = ()
    outside_ids: tuple[str, ...] = ()

    # types
    types, unknown = classify_types(
        records["source_type"].tolist(),
        records["name"].tolist(),
        type_map,
        name_rules=name_rules,
    )
    if unknown:
        where: dict[str, list[int]] = {}
        for i, code in enumerate(types):
            if code is None:
                value = records["source_type"].iloc[i]
                where.setdefault(str(value).strip() or "(empty)", []).append(rows[i])
        listed = ", ".join(
            f"{category!r} ({unit} {format_items(where.get(category, []))})"
            for category, _ in unknown.most_common()
        )
        total = sum(unknown.values())
        n_unknown_type = int(total)
        unknown_counts = {str(k): int(v) for k, v in unknown.items()}
        if unknown_types == "raise":
            raise InputError(
                f"{source}: column {type_label!r} has {total} record(s) with "
                f"{len(unknown)} unknown institution type(s): {listed}; map them "
                "in the CSV named by [inputs.institutions] type_map (columns "
                f"source,type; types {', '.join(INSTITUTION_TYPES)}) or set "
                '[inputs.institutions] unknown_types = "other"'
            )
        warnings.warn(
            f"{source}: column {type_label!r}: {total} record(s) with unknown "
            f"institution type(s) mapped to 'other': {listed}; map them in the "
            "CSV named by [inputs.institutions] type_map to classify them",
            InputFixWarning,
            stacklevel=3,
        )
        types = [code if code is not None else "other" for code in types]

    # placement
    codes: list[str | None] = [
        None if is_missing(code) else str(code) for code in records["code"]
    ]
    lacking = [i for i in range(n) if points[i] is None]
    no_code = [i for i in lacking if codes[i] is None]
    n_missing_coordinates = len(lacking) if coordinate_hint is not None else 0
    if no_code:
        shown_rows = format_items(rows[i] for i in no_code)
        shown_ids = format_items(ids[i] for i in no_code)
        what = (
            "no coordinates" if coordinate_hint is not None else "no municipality code"
        )
        fix = (
            f"fill in {coordinate_hint}, set [inputs.institutions] code_column "
            "to place them at their municipality, or remove them"
            if coordinate_hint is not None
            else "fill in the codes or remove those rows"
        )
        raise InputError(
            f"{source}: {len(no_code)} record(s) have {what}: {unit}(s) "
            f"{shown_rows} (ids {shown_ids}); {fix}"
        )
    if coordinate_hint is not None and lacking:
        logger.info(
            "%s: %d record(s) without coordinates placed by municipality code",
            source,
            len(lacking),
        )

    keep = np.ones(n, dtype=bool)
    repeated = _repeated_records(records, points)
    if repeated:
        keep[[i for i, _ in repeated]] = False
        shown = ", ".join(
            f"{unit} {rows[i]} = {unit} {rows[j]} ({records['name'].iloc[i]})"
            for i, j in repeated[:5]
        ) + (f" and {len(repeated) - 5} more" if len(repeated) > 5 else "")
        warnings.warn(
            f"{source}: {len(repeated)} of {n} record(s) repeat an earlier one "
            f"(same name, type, place and weight) and were dropped, so that "
            f"they are not counted twice: {shown}; remove the repeated rows",
            InputFixWarning,
            stacklevel=3,
        )
    located: list[str | None] = ["point" if p is not None else None for p in points]
    region: list[str | None] = [None] * n
    geometry: list[Point | None] = list(points)

    if boundaries is not None:
        index = boundaries.index
        given = sorted({code for code in codes if code is not None})
        rename = match_rais6_layout(given, index)
        codes = [rename.get(c, c) if c is not None else None for c in codes]
        known = set(index)
        absent = sorted({codes[i] for i in lacking if codes[i] not in known})  # type: ignore[type-var]
        if absent:
            n_rows = sum(1 for i in lacking if codes[i] in set(absent))
            n_unmatched, unmatched_codes = n_rows, tuple(absent)
            message = (
                f"{source}: {len(absent)} municipality code(s) of {n_rows} "
                f"record(s) are not in the boundaries: {format_items(absent)}"
            )
            if unmatched == "raise":
                raise InputError(
                    message + "; fix the codes or use boundaries that cover them"
                )
            warnings.warn(
                message + "; those records were dropped",
                MissingCodesWarning,
                stacklevel=3,
            )
            for i in lacking:
                if codes[i] not in known:
                    keep[i] = False
        anchors = boundaries.geometry.representative_point()
        for i in lacking:
            if keep[i]:
                geometry[i] = anchors.loc[codes[i]]
                located[i] = "centroid"
                region[i] = codes[i]
        # spatial join of real points
        with_point = [i for i in range(n) if points[i] is not None]
        if with_point:
            query = np.array([points[i] for i in with_point], dtype=object)
            hit_in, hit_tree = boundaries.sindex.query(query, predicate="intersects")
            order = np.lexsort((hit_tree, hit_in))
            found: dict[int, str] = {}
            for k in order:
                found.setdefault(int(hit_in[k]), index[int(hit_tree[k])])
            disagree = 0
            out_pos = []
            for k, i in enumerate(with_point):
                if k in found:
                    region[i] = found[k]
                    if codes[i] is not None and codes[i] != found[k]:
                        disagree += 1
                else:
                    out_pos.append(i)
            if disagree:
                logger.info(
                    "%s: %d point(s) lie in another municipality than their "
                    "code says; region is the municipality containing the point",
                    source,
                    disagree,
                )
            if out_pos and len(out_pos) == len(with_point):
                raise InputError(
                    _none_inside(
                        [points[i] for i in with_point],
                        boundaries,
                        source,
                        target,
                        source_crs,
                    )
                )
            if out_pos:
                out_ids = [ids[i] for i in out_pos]
                outside_ids = tuple(out_ids)
                action = "dropped" if outside == "drop" else "kept with no region"
                examples = ", ".join(
                    f"{records['name'].iloc[i]} ({unit} {rows[i]})" for i in out_pos[:5]
                ) + (f" and {len(out_pos) - 5} more" if len(out_pos) > 5 else "")
                warnings.warn(
                    f"{source}: {len(out_pos)} of {len(with_point)} institution(s) "
                    f"lie outside the study area (the union of the boundaries) "
                    f"and were {action}: ids {format_items(out_ids)} (e.g. "
                    f"{examples}); check their coordinates "
                    "([inputs.institutions] x_column, y_column, crs)",
                    InputFixWarning,
                    stacklevel=3,
                )
                if outside == "drop":
                    keep[out_pos] = False
    else:
        if lacking and not allow_unplaced:
            raise ConfigError(
                f"{source}: {len(lacking)} record(s) are known only by their "
                "municipality code; pass boundaries= (read with "
                "lps_geo.io.read_boundaries) to place them at the municipality"
            )
        region = list(codes)
        if lacking:
            logger.info(
                "%s: no boundaries given; %d record(s) keep their municipality "
                "code but have no geometry",
                source,
                len(lacking),
            )

    dropped_ids = (*dropped_before, *(ids[i] for i in range(n) if not keep[i]))
    report = InstitutionReport(
        source=source,
        n_read=int(n_read),
        n_kept=int(keep.sum()),
        n_unknown_type=n_unknown_type,
        unknown_types=unknown_counts,
        n_missing_coordinates=n_missing_coordinates,
        n_placed_at_centroid=int(
            sum(1 for i in range(n) if keep[i] and located[i] == "centroid")
        ),
        n_outside=len(outside_ids),
        outside_ids=outside_ids,
        n_unmatched_codes=n_unmatched,
        unmatched_codes=unmatched_codes,
        dropped_ids=dropped_ids,
        n_dropped=len(dropped_ids),
    )

    columns: dict[str, Any] = {
        "name": pd.Series(records["name"].to_numpy()[keep], dtype="str"),
        "type": pd.Series(np.asarray(types, dtype=object)[keep], dtype="str"),
        "source_type": pd.Series(records["source_type"].to_numpy()[keep], dtype="str"),
        "region": pd.Series(np.asarray(region, dtype=object)[keep], dtype=object),
        "located": pd.Series(np.asarray(located, dtype=object)[keep], dtype=object),
        "weight": records["weight"].to_numpy(dtype=float)[keep],
    }
    for column in extra_columns:
        columns[column] = records[column].to_numpy()[keep]
    inst_index = pd.Index(
        [str(i) for i in np.asarray(ids, dtype=object)[keep]], name="inst_id"
    )
    table = pd.DataFrame(
        {key: np.asarray(value, dtype=object) for key, value in columns.items()},
        index=inst_index,
    )
    for column in ("name", "type", "source_type", "region", "located"):
        table[column] = table[column].astype("str")  # missing stays NaN
    table["weight"] = table["weight"].astype(float)
    out = gpd.GeoDataFrame(
        table,
        geometry=gpd.GeoSeries(
            np.asarray(geometry, dtype=object)[keep], index=inst_index, crs=target
        ),
    )
    counts = out["type"].value_counts()
    logger.info(
        "%s: %d institution(s) (%s)",
        source,
        len(out),
        ", ".join(f"{k} {v}" for k, v in counts.items()),
    )
    return Institutions(points=out, report=report)


def _none_inside(
    points: list[Point],
    boundaries: gpd.GeoDataFrame,
    source: str,
    target: CRS,
    source_crs: CRS | None,
) -> str:
    """The message for points of which none falls inside the boundaries:
    their ranges and the boundaries' in the source CRS, and the likely cause."""
    shown = source_crs if source_crs is not None else target
    cloud = gpd.GeoSeries(points, crs=target).to_crs(shown)
    px0, py0, px1, py1 = cloud.total_bounds
    bx0, by0, bx1, by1 = boundaries.geometry.to_crs(shown).total_bounds

    def span(a: float, b: float) -> str:
        digits = 3 if max(abs(a), abs(b)) < 1000 else 0
        return f"{a:.{digits}f} .. {b:.{digits}f}"

    cause = ""
    if source_crs is not None and source_crs.is_projected:
        if max(abs(px0), abs(px1)) <= 180 and max(abs(py0), abs(py1)) <= 90:
            cause = (
                f" the coordinates look like degrees but the CRS is "
                f"{crs_name(source_crs)} (set [inputs.institutions] crs = "
                '"EPSG:4674" for SIRGAS 2000 lon/lat?);'
            )
    elif bx0 <= py0 <= bx1 or by0 <= px0 <= by1:
        cause = " the x range matches the boundaries' y span or the reverse;"
    return (
        f"{source}: none of the {len(points)} institutions falls inside the "
        f"boundaries (x range {span(px0, px1)}, y range {span(py0, py1)}; the "
        f"boundaries span x {span(bx0, bx1)}, y {span(by0, by1)}, in "
        f"{crs_name(shown)});{cause} are x_column/y_column swapped? check "
        "[inputs.institutions] x_column, y_column, crs"
    )


def _repeated_records(
    records: pd.DataFrame, points: list[Point | None]
) -> list[tuple[int, int]]:
    """``(i, j)`` for each record ``i`` equal to an earlier record ``j``: same
    name (case-folded), source type, weight and point (to 0.1 m). Records
    without a point are never repeats: several institutions of one name in a
    municipality (INEP's register) share its representative point."""
    first: dict[tuple, int] = {}
    out: list[tuple[int, int]] = []
    for i in range(len(records)):
        point = points[i]
        if point is None:
            continue
        place = (round(point.x, 1), round(point.y, 1))
        key = (
            str(records["name"].iloc[i]).strip().casefold(),
            str(records["source_type"].iloc[i]).strip().casefold(),
            float(records["weight"].iloc[i]),
            place,
        )
        if key in first:
            out.append((i, first[key]))
        else:
            first[key] = i
    return out
