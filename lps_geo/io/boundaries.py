"""Region boundaries: read, validate, repair and project a polygon layer.

The spatial statistics of the Suzigan, Furtado & Garcia (2006) method (LISA,
hot spots, contiguity) need one polygon per region, identified by the IBGE
code that also keys the size tables, in a projected CRS. This module is the
one place that enforces that, whatever GDAL vector format the boundaries come
in (GeoPackage, Shapefile, GeoJSON, TopoJSON, ...):

* codes become strings of digits and the index, named ``"region"``;
* the layer must declare a CRS (or ``crs=`` supplies one) and is projected to
  ``target_crs`` (default SIRGAS 2000 / Brazil Polyconic, EPSG:5880);
* invalid geometries are repaired with ``make_valid``;
* municipalities split into several features (as in IBGE-derived files) are
  dissolved into one multipart region.

:func:`read_boundaries` returns the regions with a
:class:`~lps_geo.io.reports.BoundaryReport` of what was done
(:class:`~lps_geo.io.reports.Boundaries`).
"""

from __future__ import annotations

import difflib
import logging
import re
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any, get_args

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from lps_geo.crs import (
    DEFAULT_CRS,
    check_coordinates,
    crs_name,
    parse_crs,
    projected_crs,
    require_layer_crs,
)
from lps_geo.errors import ConfigError, InputError, InputFixWarning
from lps_geo.io._util import (
    clean_code,
    format_items,
    format_quoted,
    is_missing,
    normalize_region_codes,
)
from lps_geo.io.reports import Boundaries, BoundaryReport, FeatureName, RepairedFeature
from lps_geo.vocab import Duplicates, NonMunicipal

logger = logging.getLogger(__name__)

#: The setting that fixes the boundaries' CRS, named in the messages.
CRS_KEY = "[inputs.boundaries] crs"


def _parse_crs(value: Any, what: str, key: str | None = None) -> CRS:
    """``value`` parsed by :func:`lps_geo.crs.parse_crs` (``key`` names the fix)."""
    return parse_crs(value, what, key)


def _read_vector(
    path: Path, layer: str | int | None, section: str = "inputs.boundaries"
) -> gpd.GeoDataFrame:
    """Read one layer; ``section`` names the configuration table of the fix."""
    # lazy: the GDAL bindings load only when a vector file is read
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        layers = pyogrio.list_layers(path)
    except DataSourceError as error:
        raise InputError(
            f"{path}: cannot open as a vector data set "
            f"(GDAL: {str(error).splitlines()[0]}); pass a GeoPackage, "
            "Shapefile, GeoJSON or another GDAL vector format"
        ) from None
    spatial = [str(name) for name, geometry in layers if geometry is not None]
    if layer is None and len(spatial) > 1:
        raise InputError(
            f"{path}: holds {len(spatial)} layers ({format_quoted(spatial)}); "
            f"set [{section}] layer = one of them"
        )
    try:
        frame = gpd.read_file(path, layer=layer, engine="pyogrio")
        garbled = _utf8_read_as_latin1(frame, path)
        if garbled:
            frame = gpd.read_file(path, layer=layer, engine="pyogrio", encoding="UTF-8")
            warnings.warn(
                f"{path}: has no .cpg (the text encoding of its attribute table) "
                f"and its text is UTF-8: {len(garbled)} text value(s) read as "
                f"Latin-1 were re-read as UTF-8 (e.g. {garbled[0][0]!r} -> "
                f"{garbled[0][1]!r}); add {path.with_suffix('.cpg').name} "
                "containing UTF-8 next to it to make this explicit",
                InputFixWarning,
                stacklevel=3,
            )
        return frame
    except (DataLayerError, ValueError) as error:
        names = [str(name) for name, _ in layers]
        raise InputError(
            f"{path}: cannot read layer {layer!r} ({str(error).splitlines()[0]}); "
            f"set [{section}] layer = one of the available layers: "
            f"{format_quoted(names)}"
        ) from None
    except DataSourceError as error:
        raise InputError(
            f"{path}: cannot read ({str(error).splitlines()[0]}); check the file"
        ) from None


def _sibling(path: Path, suffix: str) -> Path | None:
    """The file next to ``path`` with ``suffix`` (any case), or None."""
    for candidate in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
        if candidate.exists():
            return candidate
    return None


def _utf8_read_as_latin1(frame: pd.DataFrame, path: Path) -> list[tuple[str, str]]:
    """``(as read, as UTF-8)`` pairs when a shapefile without ``.cpg`` has
    UTF-8 text that GDAL decoded as Latin-1 ("SÃ£o" for "São"): every
    non-ASCII text cell re-encodes to valid UTF-8. Empty otherwise."""
    if path.suffix.lower() != ".shp" or _sibling(path, ".cpg") is not None:
        return []
    pairs: list[tuple[str, str]] = []
    for column in frame.columns:
        if column == getattr(frame, "_geometry_column_name", None):
            continue
        for value in frame[column]:
            if not isinstance(value, str) or value.isascii():
                continue
            try:
                pairs.append((value, value.encode("latin-1").decode("utf-8")))
            except (UnicodeEncodeError, UnicodeDecodeError):
                return []
    return pairs


def require_keyed_columns(
    columns: Iterable[Any], wanted: dict[str, str | None], source: str, section: str
) -> None:
    """Raise naming a missing column and the ``[section] key`` that names it.

    >>> require_keyed_columns(["CD_MUN"], {"code_column": "CD_MUNIC"}, "m.gpkg",
    ...                       "inputs.boundaries")
    Traceback (most recent call last):
    ...
    lps_geo.errors.InputError: m.gpkg: column 'CD_MUNIC' not found (did you mean \
'CD_MUN'?); set [inputs.boundaries] code_column = one of the available columns: 'CD_MUN'
    """
    available = [str(column) for column in columns]
    for key, column in wanted.items():
        if column is None or column in available:
            continue
        dbf = Path(source).with_suffix(".dbf")
        if source.lower().endswith(".shp") and _sibling(Path(source), ".dbf") is None:
            raise InputError(
                f"{source}: column {column!r} not found: {dbf.name} (the "
                "shapefile's attribute table) is missing next to it; copy the "
                f".dbf that came with the shapefile (or set [{section}] path to "
                "a complete copy)"
            )
        close = difflib.get_close_matches(column, available, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError(
            f"{source}: column {column!r} not found{hint}; set [{section}] {key} "
            f"= one of the available columns: {format_quoted(available)}"
        )


def _polygonal(geometry: BaseGeometry | None) -> BaseGeometry:
    """Keep only the polygonal parts of a geometry (empty Polygon if none)."""
    if geometry is None or geometry.is_empty:
        return Polygon()
    if isinstance(geometry, (Polygon, MultiPolygon)):
        return geometry
    parts: list[Polygon] = []
    for part in getattr(geometry, "geoms", []):
        kept = _polygonal(part)
        if isinstance(kept, Polygon) and not kept.is_empty:
            parts.append(kept)
        elif isinstance(kept, MultiPolygon):
            parts.extend(kept.geoms)
    if not parts:
        return Polygon()
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def repair_geometries(
    geometries: gpd.GeoSeries, source: str = "boundaries"
) -> tuple[gpd.GeoSeries, int]:
    """Repair invalid geometries with ``make_valid``, keeping polygonal parts.

    Returns
    -------
    (GeoSeries, int)
        The repaired series (same index and CRS) and how many were invalid.

    Examples
    --------
    >>> bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    >>> fixed, n = repair_geometries(gpd.GeoSeries([bowtie]))
    >>> n, fixed.iloc[0].geom_type, fixed.iloc[0].area
    (1, 'MultiPolygon', 2.0)
    """
    invalid = ~geometries.is_valid.to_numpy()
    count = int(invalid.sum())
    if not count:
        return geometries, 0
    repaired = shapely.make_valid(geometries.to_numpy()[invalid])
    values = geometries.to_numpy().copy()
    values[invalid] = [_polygonal(geometry) for geometry in repaired]
    logger.info(
        "%s: repaired %d invalid geometr%s with make_valid",
        source,
        count,
        "y" if count == 1 else "ies",
    )
    return gpd.GeoSeries(values, index=geometries.index, crs=geometries.crs), count


def read_boundaries(
    path: str | Path,
    code_column: str = "CD_MUN",
    name_column: str | None = "NM_MUN",
    layer: str | int | None = None,
    crs: str | int | None = None,
    target_crs: str | int = DEFAULT_CRS,
    *,
    duplicates: Duplicates = "dissolve",
    non_municipal: NonMunicipal = "drop",
    exclude_codes: Iterable[Any] = (),
) -> Boundaries:
    """Read region polygons from any GDAL vector format, validated and projected.

    Parameters
    ----------
    path
        GeoPackage, Shapefile, GeoJSON, TopoJSON ... (read with pyogrio).
    code_column
        Column with the region code (IBGE code for municipalities). Integers
        and floats (``3516200.0``) become digit strings; spaces are stripped.
    name_column
        Column with the region name; None uses the code as the name.
    layer
        Layer of multi-layer files (required when there are several).
    crs
        CRS of the coordinates when the file does not declare one (e.g. a
        TopoJSON or a Shapefile without ``.prj``: ``"EPSG:4674"`` for IBGE's
        SIRGAS 2000 lon/lat). When the file declares another CRS, ``crs``
        overrides it (logged).
    target_crs
        Projected CRS of the result (a geographic one is refused).
    duplicates
        Features sharing a code: ``"dissolve"`` them into one multipart
        region (IBGE-derived files split island municipalities this way) as
        long as their names agree, or ``"raise"``.
    non_municipal
        Features that are not municipalities: IBGE's meshes carry large water
        bodies with state-level codes of the form ``UF0000d`` (4300001 Lagoa
        Mirim and 4300002 Lagoa dos Patos in the 2022 mesh). ``"drop"``
        (default) removes them and reports them; ``"keep"`` treats them as
        regions.
    exclude_codes
        Further codes to drop (e.g. features of a neighbouring country).

    Returns
    -------
    Boundaries
        ``regions``: a GeoDataFrame, index: region code (str, named
        ``"region"``, sorted); column ``"name"``; the file's other attribute
        columns (a ``name`` or ``region`` column that is not ``name_column``
        gets a ``_file`` suffix); polygons in ``target_crs``. ``report``: a
        :class:`~lps_geo.io.reports.BoundaryReport` of what was done:
        ``features`` read, ``repaired`` geometries (code, area before and
        after in km2), ``non_municipal`` and
        ``excluded`` features dropped (code and name), ``empty`` geometries
        dropped, ``dissolved`` codes, ``regions`` kept.

    Raises
    ------
    InputError
        Unreadable file, missing column (listing the available ones), empty
        or non-numeric codes (naming the rows), duplicated codes with
        different names, non-polygon features (points, lines).
    CRSError
        The file has no CRS and ``crs`` was not given; a geographic CRS with
        coordinates that are not longitude/latitude (a projected GeoJSON
        without ``crs``); ``target_crs`` is geographic or unknown.

    Warns
    -----
    InputFixWarning
        Regions whose geometry is empty or null (e.g. lost in simplification)
        are dropped (codes named); invalid geometries repaired with
        ``make_valid`` (codes and area as drawn -> after repair); codes padded
        with leading zeros stripped.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> square = Polygon([(-47.5, -20.6), (-47.3, -20.6), (-47.3, -20.4),
    ...                   (-47.5, -20.4)])
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "mun.gpkg"
    >>> gpd.GeoDataFrame({"CD_MUN": [3516200], "NM_MUN": ["Franca"]},
    ...                  geometry=[square], crs="EPSG:4674").to_file(path)
    >>> b = read_boundaries(path).regions
    >>> b.index.tolist(), b["name"].tolist(), b.crs.to_epsg()
    (['3516200'], ['Franca'], 5880)
    """
    if duplicates not in get_args(Duplicates):
        raise ConfigError(
            f"duplicates={duplicates!r} is not valid; use 'dissolve' or 'raise'"
        )
    if non_municipal not in get_args(NonMunicipal):
        raise ConfigError(
            f"non_municipal={non_municipal!r} is not valid; use 'drop' or 'keep'"
        )
    target = projected_crs(target_crs, "target_crs")
    path = Path(path)
    source = str(path)
    if not path.exists():
        raise InputError(f"{path}: file not found; check [inputs.boundaries] path")
    frame = _read_vector(path, layer)
    if frame.empty:
        raise InputError(f"{path}: the layer has no features")
    attributes = [column for column in frame.columns if column != frame.geometry.name]
    if name_column == code_column:
        name_column = None
    require_keyed_columns(
        attributes,
        {"code_column": code_column, "name_column": name_column},
        source,
        "inputs.boundaries",
    )
    codes = normalize_region_codes(
        frame[code_column],
        source=source,
        column=code_column,
        unit="feature",
    )
    codes = _strip_zero_padding(codes, source, code_column)
    n_features = len(frame)
    frame, codes, lakes, excluded = _drop_features(
        frame, codes, name_column, non_municipal, exclude_codes, source
    )
    frame = _with_crs(frame, crs, source)

    kinds = frame.geometry.geom_type
    allowed = ("Polygon", "MultiPolygon", "GeometryCollection")
    wrong = [
        (code, kind)
        for code, kind in zip(codes, kinds, strict=True)
        if not is_missing(kind) and kind not in allowed
    ]
    if wrong:
        kinds_found = sorted({kind for _, kind in wrong})
        raise InputError(
            f"{source}: {len(wrong)} of {len(frame)} feature(s) are not polygons "
            f"(column {code_column!r}: codes "
            f"{format_items(code for code, _ in wrong)}; types "
            f"{format_quoted(kinds_found)}); boundaries must be a Polygon or "
            "MultiPolygon layer -- check [inputs.boundaries] path and layer"
        )
    geometry = frame.geometry.to_crs(target)
    geometry = gpd.GeoSeries(
        [_polygonal(g) if not _is_polygon(g) else g for g in geometry],
        index=frame.index,
        crs=target,
    )
    invalid = ~geometry.is_valid.to_numpy()
    area_before = geometry.area.to_numpy()
    geometry, _ = repair_geometries(geometry, source)
    repaired = _repairs(codes, invalid, area_before, geometry.area.to_numpy())
    if repaired:
        warnings.warn(
            f"{source}: {len(repaired)} invalid (e.g. self-intersecting) "
            f"geometr{'y' if len(repaired) == 1 else 'ies'} of column "
            f"{code_column!r} repaired with make_valid, area as drawn -> after "
            f"repair: {'; '.join(r.describe() for r in repaired[:5])}"
            + (f" and {len(repaired) - 5} more" if len(repaired) > 5 else "")
            + "; check those features if the change is large",
            InputFixWarning,
            stacklevel=2,
        )

    table = pd.DataFrame(
        {column: frame[column].to_numpy() for column in attributes}, index=frame.index
    )
    table.insert(0, "_code", codes)
    table["_geometry"] = geometry.to_numpy()
    empty = table["_geometry"].map(lambda g: g is None or g.is_empty)
    nonempty_codes = set(table.loc[~empty.to_numpy(), "_code"])
    no_geometry = sorted(set(table.loc[empty.to_numpy(), "_code"]) - nonempty_codes)
    table = table.loc[~empty.to_numpy()]
    if table.empty:
        raise InputError(
            f"{source}: none of the {len(frame)} feature(s) has a polygon geometry "
            "(all are empty or null); check [inputs.boundaries] path and layer"
        )
    if no_geometry:
        warnings.warn(
            f"{source}: {len(no_geometry)} of {len(frame)} feature(s) of column "
            f"{code_column!r} have an empty or null geometry and were dropped "
            f"(codes {format_items(no_geometry)}); tables that list those codes "
            "will report them absent from the boundaries -- fix the features "
            "or use a more detailed boundary file",
            InputFixWarning,
            stacklevel=2,
        )
    before = table["_code"]
    table = _dissolve_duplicates(table, code_column, name_column, duplicates, source)
    dissolved = sorted(set(before[before.duplicated()]))

    region_codes = pd.Index(table["_code"].tolist(), name="region")
    out = table.drop(columns=["_code", "_geometry", code_column])
    names = out.pop(name_column) if name_column is not None else region_codes
    renames = {
        column: f"{column}_file"
        for column in out.columns
        if column in ("name", "region", "geometry")
    }
    if renames:
        logger.info("%s: renamed attribute column(s) %s", source, renames)
        out = out.rename(columns=renames)
    out.insert(
        0,
        "name",
        [
            code if is_missing(name) else str(name).strip()
            for code, name in zip(region_codes, names, strict=True)
        ],
    )
    out.index = region_codes
    polygons = gpd.GeoSeries(
        table["_geometry"].to_numpy(), index=region_codes, crs=target
    )
    result = gpd.GeoDataFrame(out, geometry=polygons).sort_index()
    report = BoundaryReport(
        path=source,
        features=n_features,
        non_municipal=lakes,
        excluded=excluded,
        repaired=repaired,
        empty=tuple(no_geometry),
        dissolved=tuple(dissolved),
        regions=len(result),
    )
    return Boundaries(regions=result, report=report)


def _strip_zero_padding(codes: list[str], source: str, column: str) -> list[str]:
    """IBGE codes never start with 0 (the first digit is the region, 1-5):
    leading zeros are padding of a text column, stripped with a warning."""
    padded = [code for code in codes if len(code) > 1 and code.startswith("0")]
    if not padded:
        return codes
    stripped = {code: code.lstrip("0") or "0" for code in padded}
    examples = ", ".join(f"{old} -> {new}" for old, new in list(stripped.items())[:3])
    warnings.warn(
        f"{source}: column {column!r} has {len(padded)} of {len(codes)} code(s) "
        f"padded with leading zeros, stripped ({examples}); IBGE codes do not "
        "start with 0 -- check [inputs.boundaries] code_column if these are "
        "not IBGE codes",
        InputFixWarning,
        stacklevel=3,
    )
    return [stripped.get(code, code) for code in codes]


def _with_crs(frame: gpd.GeoDataFrame, crs: Any, source: str) -> gpd.GeoDataFrame:
    """The frame with its CRS (``crs`` overrides the file's), checked against
    the coordinates: degrees in a geographic CRS, metres in a projected one."""
    present = frame.geometry[~(frame.geometry.isna() | frame.geometry.is_empty)]
    bounds = present.total_bounds if len(present) else None
    if crs is not None:
        given = _parse_crs(crs, CRS_KEY, CRS_KEY)
        if frame.crs is not None and not frame.crs.equals(given):
            logger.warning(
                "%s: declares CRS %s; using %s = %s instead as configured",
                source,
                crs_name(frame.crs),
                CRS_KEY,
                crs_name(given),
            )
        frame = frame.set_crs(given, allow_override=True)
    else:
        require_layer_crs(frame.crs, bounds, source, CRS_KEY)
    if bounds is not None:
        check_coordinates(frame.crs, bounds, source, CRS_KEY, crs is not None)
    return frame


def _repairs(codes, invalid, before, after) -> tuple[RepairedFeature, ...]:
    """One :class:`RepairedFeature` per invalid geometry (areas in km2)."""
    return tuple(
        RepairedFeature(
            code=str(codes[i]),
            area_before_km2=round(float(before[i]) / 1e6, 3),
            area_after_km2=round(float(after[i]) / 1e6, 3),
        )
        for i in np.flatnonzero(invalid)
    )


def is_non_municipal(code: str) -> bool:
    """Whether a 7-digit IBGE code is a state-level non-municipal feature.

    IBGE's municipal meshes code large water bodies with the state's two
    digits followed by ``0000`` and a serial digit; no municipality code has
    ``0000`` in positions 3-6.

    Examples
    --------
    >>> is_non_municipal("4300002"), is_non_municipal("3516200")
    (True, False)
    """
    return len(code) == 7 and code[2:6] == "0000"


def _drop_features(frame, codes, name_column, non_municipal, exclude_codes, source):
    """Drop non-municipal features and excluded codes; return them too."""
    excluded = {clean_code(c) for c in exclude_codes} - {None}
    codes = pd.Series(list(codes), index=frame.index)
    lake = codes.map(is_non_municipal).astype(bool)
    if non_municipal == "keep":
        lake[:] = False
    other = codes.isin(excluded) & ~lake

    def listed(mask) -> tuple[FeatureName, ...]:
        names = frame.loc[mask, name_column] if name_column else codes[mask]
        return tuple(
            FeatureName(code, None if is_missing(name) else str(name))
            for code, name in zip(codes[mask], names, strict=True)
        )

    lakes, excluded_features = listed(lake), listed(other)
    missing = sorted(excluded - set(codes))
    if missing:
        logger.warning(
            "%s: exclude_codes not found in the file: %s", source, format_items(missing)
        )
    drop = (lake | other).to_numpy()
    if drop.any():
        logger.info(
            "%s: dropped %d non-municipal feature(s) %s and %d excluded feature(s)",
            source,
            int(lake.sum()),
            ", ".join(f"{f.code} {f.name or ''}".strip() for f in lakes),
            int(other.sum()),
        )
        frame = frame.loc[~drop]
        codes = codes[~drop]
        if frame.empty:
            raise InputError(
                f"{source}: every feature was dropped as non-municipal or excluded; "
                "check [inputs.boundaries] code_column and exclude_codes"
            )
    return frame, codes.tolist(), lakes, excluded_features


def _is_polygon(geometry: BaseGeometry | None) -> bool:
    return isinstance(geometry, (Polygon, MultiPolygon))


def _dissolve_duplicates(
    table: pd.DataFrame,
    code_column: str,
    name_column: str | None,
    duplicates: str,
    source: str,
) -> pd.DataFrame:
    repeated = table["_code"].duplicated(keep=False).to_numpy()
    if not repeated.any():
        return table
    codes = sorted(set(table.loc[repeated, "_code"]))
    if duplicates == "raise":
        raise InputError(
            f"{source}: column {code_column!r} has {len(codes)} code(s) on "
            f"several features: {format_items(codes)}; fix the codes"
        )
    if name_column is not None:
        folded = (
            table.loc[repeated]
            .groupby("_code")[name_column]
            .agg(
                lambda names: len(
                    {str(n).strip().casefold() for n in names if not is_missing(n)}
                )
            )
        )
        conflicting = folded[folded > 1].index.tolist()
        if conflicting:
            examples = [
                f"{code} ({' / '.join(dict.fromkeys(map(str, table.loc[table['_code'] == code, name_column])))})"  # noqa: E501
                for code in conflicting[:5]
            ]
            more = f" and {len(conflicting) - 5} more" if len(conflicting) > 5 else ""
            raise InputError(
                f"{source}: column {code_column!r} has {len(conflicting)} code(s) "
                f"on features with different names (column {name_column!r}): "
                f"{', '.join(examples)}{more}; fix the codes in column "
                f"{code_column!r} (features of one municipality share its code "
                "and name)"
            )
    bookkeeping = _conflicting_attributes(
        table, repeated, code_column, name_column, source
    )
    first = table.drop_duplicates("_code", keep="first").set_index("_code", drop=False)
    first = first.drop(columns=bookkeeping)
    unions = (
        table.loc[repeated]
        .groupby("_code")["_geometry"]
        .agg(lambda parts: shapely.union_all(parts.to_numpy()))
    )
    first.loc[unions.index, "_geometry"] = [
        _polygonal(shapely.make_valid(g)) if not g.is_valid else _polygonal(g)
        for g in unions
    ]
    logger.info(
        "%s: dissolved %d features sharing %d codes into multipart regions (%s)",
        source,
        int(repeated.sum()),
        len(codes),
        format_items(codes),
    )
    parts = table.loc[repeated, "_code"].value_counts()
    shown = ", ".join(f"{code} ({parts[code]} parts)" for code in codes[:5])
    more = f" and {len(codes) - 5} more" if len(codes) > 5 else ""
    dropped = (
        f"; per-part column(s) {format_quoted(bookkeeping)} dropped (their "
        "values differ between the parts)"
        if bookkeeping
        else ""
    )
    warnings.warn(
        f"{source}: column {code_column!r} has {len(codes)} code(s) on several "
        f"features ({int(repeated.sum())} features in all), dissolved into one "
        f"multipart region each: {shown}{more}{dropped}; their other attributes "
        "agree -- check the codes if these are not parts (islands) of one "
        "municipality",
        InputFixWarning,
        stacklevel=4,
    )
    return first.reset_index(drop=True)


#: Columns that differ between the parts of a split feature by nature (GIS
#: bookkeeping: ids, part areas and lengths); dropped when they disagree.
_PER_PART = re.compile(
    r"(object_?id|fid|oid|gid|id|shape_(area|len|length)|area(_km2?|_m2|_ha)?|"
    r"perim(eter|etro)?|length|len)",
    re.IGNORECASE,
)


def _conflicting_attributes(table, repeated, code_column, name_column, source):
    """Raise when the parts of a code disagree on an attribute the run may use
    (a population column, a state): keeping the first part's value would be a
    silent wrong number. Returns the per-part bookkeeping columns that differ."""
    parts = table.loc[repeated]
    bookkeeping: list[str] = []
    skip = {"_code", "_geometry", code_column, name_column}
    for column in [c for c in table.columns if c not in skip]:
        for code, values in parts.groupby("_code")[column]:
            distinct = list(dict.fromkeys(v for v in values if not is_missing(v)))
            if len(distinct) <= 1 and not (distinct and values.map(is_missing).any()):
                continue
            if _PER_PART.fullmatch(str(column)):
                bookkeeping.append(str(column))
                break
            shown = ", ".join(
                "empty" if is_missing(v) else str(v) for v in dict.fromkeys(values)
            )
            raise InputError(
                f"{source}: code {code} (column {code_column!r}) has {len(values)} "
                f"features with different {column} ({shown}); the parts of a "
                f"municipality must agree on every attribute -- fix column "
                f"{column!r} or the codes in column {code_column!r} ([inputs."
                "boundaries] code_column), or dissolve the parts in a GIS first"
            )
    return bookkeeping
