"""Write a :class:`~lps_geo.result.Result` to one GeoPackage, and read it back.

Every layer of :meth:`Result.layers` becomes one table of the GeoPackage:
``municipalities``, ``regions`` and ``lps`` as feature tables (polygons, with
their CRS), ``indicators``, ``industries``, ``lps_members`` and
``run_metadata`` as attribute tables without geometry (registered in
``gpkg_contents`` with ``data_type = 'attributes'``). The run metadata are also
stored as a JSON provenance document in ``gpkg_metadata`` (GeoPackage metadata
extension, scope ``dataset``), which GIS clients show as layer-independent
metadata.

The file is written atomically (see :mod:`lps_geo.export.atomic`), so a crash
never leaves a truncated GeoPackage behind.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from lps_geo.errors import CRSError, InputError
from lps_geo.export.atomic import atomic_path
from lps_geo.export.qgis.layer_styles import write_default_styles, write_layer_styles
from lps_geo.export.qgis.project import write_qgis_project
from lps_geo.export.qgis.styles import add_focus_columns, change_style
from lps_geo.result import (
    LAYER_COLUMNS,
    LAYERS,
    OPTIONAL_LAYERS,
    Result,
    RunMetadata,
    RunReport,
    metadata_record,
)

logger = logging.getLogger(__name__)

#: Layers that carry geometry; every other layer is written as a plain table.
SPATIAL_LAYERS: tuple[str, ...] = (
    "municipalities",
    "regions",
    "lps",
    "institutions",
    "lps_change",
)

#: Column order of each layer (the public contract of :mod:`lps_geo.result`).
#: GeoPackage version written. 1.3 rather than GDAL's newer default 1.4 keeps
#: the file readable without warnings (and valid for ``validate_gpkg``) in GDAL
#: < 3.8, e.g. QGIS 3.22 LTR on Debian 12.
GPKG_VERSION = "1.3"

#: ``md_standard_uri`` of the provenance document (JSON, RFC 8259).
METADATA_STANDARD_URI = "https://www.rfc-editor.org/rfc/rfc8259"
_METADATA_EXTENSION_URI = "http://www.geopackage.org/spec120/#extension_metadata"


# --------------------------------------------------------------------------- write


def _is_bool_like(values: pd.Series) -> bool:
    non_null = values.dropna()
    return len(non_null) > 0 and all(
        isinstance(v, (bool, np.bool_)) for v in non_null.to_numpy()
    )


def _prepare_column(values: pd.Series) -> pd.Series:
    """Make one column writable: plain booleans, nullable ints, no containers."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        values = values.astype(object).where(values.notna(), None)
        dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype) or (
        pd.api.types.is_object_dtype(dtype) and _is_bool_like(values)
    ):
        if values.isna().any():
            # GPKG booleans cannot be null through OGR: store 0/1 with nulls.
            return values.map(lambda v: None if pd.isna(v) else int(bool(v))).astype(
                "Int64"
            )
        return values.astype(bool)
    if pd.api.types.is_object_dtype(dtype):
        non_null = values.dropna()
        if any(isinstance(v, (list, tuple, set, dict)) for v in non_null.to_numpy()):
            return values.map(
                lambda v: (
                    v
                    if not isinstance(v, (list, tuple, set, dict))
                    else json.dumps(
                        sorted(v) if isinstance(v, set) else v,
                        ensure_ascii=False,
                        default=str,
                    )
                )
            )
    return values


def _prepare_layer(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Flatten the index, order columns by the contract, fix column types."""
    if frame.index.name is not None and frame.index.name not in frame.columns:
        frame = frame.reset_index()
    else:
        frame = frame.reset_index(drop=True)
    geometry_name = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    contract = [c for c in LAYER_COLUMNS.get(name, ()) if c in frame.columns]
    extra = [c for c in frame.columns if c not in contract and c != geometry_name]
    missing = [c for c in LAYER_COLUMNS.get(name, ()) if c not in frame.columns]
    if missing:
        logger.debug("layer %s lacks contract column(s) %s", name, ", ".join(missing))
    columns = contract + extra
    out = {c: _prepare_column(frame[c]) for c in columns}
    if geometry_name is not None and name in SPATIAL_LAYERS:
        if frame.crs is None:
            raise CRSError(
                f"layer {name!r} has no CRS; set one before exporting, e.g. "
                f"gdf.set_crs('EPSG:5880') for SIRGAS 2000 / Brazil Polyconic"
            )
        return gpd.GeoDataFrame(
            out, geometry=frame.geometry.to_numpy(), crs=frame.crs, index=frame.index
        )
    return pd.DataFrame(out, index=frame.index, columns=columns)


def _write_layer(path: Path, name: str, frame: pd.DataFrame) -> None:
    """Write one prepared layer into the GeoPackage at ``path`` (created if new)."""
    import pyogrio

    options: dict[str, Any] = {}
    if not path.exists():
        options["dataset_options"] = {"VERSION": GPKG_VERSION}
    if isinstance(frame, gpd.GeoDataFrame):
        kinds = set(frame.geometry.geom_type.dropna())
        if kinds <= {"Polygon", "MultiPolygon"}:
            options.update(geometry_type="MultiPolygon", promote_to_multi=True)
        frame.to_file(
            path, layer=name, driver="GPKG", engine="pyogrio", index=False, **options
        )
    else:
        # attribute tables can hold millions of rows (a national run's
        # indicators): Arrow batches write them about 3x faster than rows
        pyogrio.write_dataframe(
            frame, path, layer=name, driver="GPKG", use_arrow=True, **options
        )


def _write_project(tmp: Path, final: Path, lang: str) -> None:
    """Store the QGIS project (layers, print layout, atlas) in the GeoPackage.

    Layer paths in the project name the final file, not the temporary one.
    """
    write_qgis_project(tmp, lang=lang, file_name=final.name)


def _add_provenance(path: Path, document: dict[str, Any]) -> None:
    """Store ``document`` as JSON in ``gpkg_metadata`` (GeoPackage extension F.8).

    Creates the two metadata tables with the schema of the specification if
    GDAL has not, registers the extension in ``gpkg_extensions`` and links the
    document to the whole GeoPackage (``reference_scope = 'geopackage'``).
    """
    text = json.dumps(
        document, ensure_ascii=False, indent=2, sort_keys=True, default=str
    )
    with sqlite3.connect(path) as con:
        con.executescript(
            """
            CREATE TABLE IF NOT EXISTS gpkg_metadata (
              id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL,
              md_scope TEXT NOT NULL DEFAULT 'dataset',
              md_standard_uri TEXT NOT NULL,
              mime_type TEXT NOT NULL DEFAULT 'text/xml',
              metadata TEXT NOT NULL DEFAULT ''
            );
            CREATE TABLE IF NOT EXISTS gpkg_metadata_reference (
              reference_scope TEXT NOT NULL,
              table_name TEXT,
              column_name TEXT,
              row_id_value INTEGER,
              timestamp DATETIME NOT NULL DEFAULT
                (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
              md_file_id INTEGER NOT NULL,
              md_parent_id INTEGER,
              CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id)
                REFERENCES gpkg_metadata(id),
              CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id)
                REFERENCES gpkg_metadata(id)
            );
            CREATE TABLE IF NOT EXISTS gpkg_extensions (
              table_name TEXT,
              column_name TEXT,
              extension_name TEXT NOT NULL,
              definition TEXT NOT NULL,
              scope TEXT NOT NULL,
              CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name)
            );
            """
        )
        for table in ("gpkg_metadata", "gpkg_metadata_reference"):
            exists = con.execute(
                "SELECT 1 FROM gpkg_extensions WHERE table_name = ? "
                "AND extension_name = 'gpkg_metadata'",
                (table,),
            ).fetchone()
            if exists is None:
                con.execute(
                    "INSERT INTO gpkg_extensions (table_name, column_name, "
                    "extension_name, definition, scope) "
                    "VALUES (?, NULL, 'gpkg_metadata', ?, 'read-write')",
                    (table, _METADATA_EXTENSION_URI),
                )
        cur = con.execute(
            "INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata)"
            " VALUES ('dataset', ?, 'application/json', ?)",
            (METADATA_STANDARD_URI, text),
        )
        con.execute(
            "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, "
            "column_name, row_id_value, timestamp, md_file_id, md_parent_id) "
            "VALUES ('geopackage', NULL, NULL, NULL, ?, ?, NULL)",
            (_timestamp(), cur.lastrowid),
        )
    con.close()


def _timestamp() -> str:
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("lps_geo")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def write_geopackage(
    result: Result,
    path: str | os.PathLike,
    overwrite: bool = False,
    styled: bool = True,
    lang: str = "en",
    focus_industry: str | None = None,
    project: bool = True,
) -> Path:
    """Write every layer of a result into one GeoPackage.

    Feature tables (``municipalities``, ``regions``, ``lps``) keep their
    geometry and CRS; ``indicators``, ``industries``, ``lps_members`` and
    ``run_metadata`` become attribute tables without geometry. Columns follow
    the layer contract of :mod:`lps_geo.result` (:data:`LAYER_COLUMNS`), extra
    columns come after. Booleans without missing values are GeoPackage
    booleans; with missing values they are stored as nullable integers 0/1.
    Lists in object columns are stored as JSON text. A provenance document
    (software, version, time, layer row counts and the run metadata, as JSON)
    is added to ``gpkg_metadata``.

    Parameters
    ----------
    result
        The analysis result.
    path
        Output ``.gpkg`` file.
    overwrite
        Replace ``path`` if it exists.
    styled
        Add the industry-in-focus columns to ``municipalities`` (``focus_*``,
        see :func:`lps_geo.export.qgis.styles.add_focus_columns`) and store QGIS
        default styles (QML and SLD) in ``layer_styles``, so QGIS opens every
        layer styled with the palettes of the static maps.
    lang
        Language of the style labels (``"en"`` or ``"pt"``).
    focus_industry
        Industry of the ``focus_*`` columns; default the maps' focus industry.
    project
        Also store a QGIS project with a print layout and an atlas over the
        ``lps`` layer in the GeoPackage (``qgis_projects``), when ``styled``.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OutputExistsError
        ``path`` exists and ``overwrite`` is false.
    CRSError
        A feature layer has no CRS.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import geopandas as gpd, pandas as pd, pyogrio
    >>> from shapely.geometry import box
    >>> from lps_geo.result import Result, RunMetadata, RunReport
    >>> mun = gpd.GeoDataFrame(
    ...     {"name": ["A", "B"]}, geometry=[box(0, 0, 1e4, 1e4), box(1e4, 0, 2e4, 1e4)],
    ...     index=pd.Index(["1900001", "1900002"], name="region"), crs="EPSG:5880")
    >>> lps = gpd.GeoDataFrame({"lps_id": ["15.3-1"], "industry": ["15.3"],
    ...     "lps_type": ["embryo"]}, geometry=[box(0, 0, 1e4, 1e4)], crs="EPSG:5880")
    >>> ind = pd.DataFrame({"region": ["1900001", "1900002"],
    ...     "industry": ["15.3", "15.3"], "ql": [1.5, 0.5]})
    >>> result = Result(mun, ind, pd.DataFrame({"industry": ["15.3"]}), lps,
    ...     pd.DataFrame({"lps_id": ["15.3-1"], "region": ["1900001"]}),
    ...     metadata=RunMetadata(seed=1), report=RunReport.from_dict({}))
    >>> out = write_geopackage(result, Path(tempfile.mkdtemp()) / "run.gpkg",
    ...                        styled=False)
    >>> [str(name) for name, _ in pyogrio.list_layers(out)]
    ['municipalities', 'lps', 'indicators', 'industries', 'lps_members', 'run_metadata']
    >>> pyogrio.read_dataframe(out, layer="municipalities").columns.tolist()
    ['region', 'name', 'geometry']
    """
    if styled:
        result = add_focus_columns(result, focus_industry)
    layers = result.layers()
    prepared = {name: _prepare_layer(name, frame) for name, frame in layers.items()}
    document = {
        "software": "lps_geo",
        "version": _version(),
        "created": _timestamp(),
        "description": (
            "Local production systems identified and classified after Suzigan, "
            "Furtado & Garcia (2006)"
        ),
        "layers": {name: int(len(frame)) for name, frame in prepared.items()},
        "metadata": metadata_record(result.metadata, result.report),
    }
    with atomic_path(path, overwrite) as tmp:
        for name, frame in prepared.items():
            logger.debug("writing layer %s (%d rows)", name, len(frame))
            _write_layer(tmp, name, frame)
        _add_provenance(tmp, document)
        if styled:
            write_default_styles(tmp, lang=lang)
            if project:
                _write_project(tmp, Path(path), lang)
    logger.info("wrote GeoPackage %s (%d layers)", path, len(prepared))
    return Path(path)


def write_lps_change(
    layer: gpd.GeoDataFrame,
    path: str | os.PathLike,
    overwrite: bool = False,
    lang: str = "en",
) -> Path:
    """Write an ``lps_change`` layer alone to a styled GeoPackage.

    The layer (from :func:`lps_geo.method.compare.compare_periods`) is written with
    the column order of :mod:`lps_geo.result` and its QGIS style (categories
    of change, :func:`lps_geo.export.qgis.styles.change_style`) as the default, so
    it opens ready-made in QGIS. Written atomically.

    Raises
    ------
    OutputExistsError
        ``path`` exists and ``overwrite`` is false.
    """
    frame = _prepare_layer("lps_change", layer)
    with atomic_path(path, overwrite) as tmp:
        _write_layer(tmp, "lps_change", frame)
        write_layer_styles(tmp, [change_style(lang)])
    logger.info("wrote %s (%d lineages)", path, len(frame))
    return Path(path)


def write_report(
    report: dict[str, Any], path: str | os.PathLike, overwrite: bool = False
) -> Path:
    """Write the run report as UTF-8 JSON (indent 2, sorted keys), atomically.

    Values JSON cannot represent (numpy numbers, paths, timestamps) are
    converted: numpy scalars to Python numbers, anything else to its string.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> out = write_report({"n_lps": 3, "warnings": ["ilha"]},
    ...                    Path(tempfile.mkdtemp()) / "report.json")
    >>> print(out.read_text(encoding="utf-8"))
    {
      "n_lps": 3,
      "warnings": [
        "ilha"
      ]
    }
    """
    text = json.dumps(
        report, ensure_ascii=False, indent=2, sort_keys=True, default=_json_default
    )
    with atomic_path(path, overwrite) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")
    return Path(path)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


# ---------------------------------------------------------------------------- read


def _check_gpkg(path: str | os.PathLike) -> Path:
    """``path`` as a Path; InputError when it is missing or a folder."""
    path = Path(path)
    if path.is_dir():
        raise InputError(
            f"{path} is a folder, not a GeoPackage; give the result.gpkg "
            "written by lps-geo run"
        )
    if not path.is_file():
        raise InputError(f"GeoPackage {path} not found; write it with write_geopackage")
    return path


def _not_readable(path: Path, exc: Exception) -> InputError:
    text = " ".join(str(exc).split()).split(";")[0].rstrip(".")
    return InputError(
        f"{path} cannot be read as a GeoPackage ({text}); give the result.gpkg "
        "written by lps-geo run"
    )


def _layer_names(path: Path) -> set[str]:
    """The layer names of a GeoPackage (InputError for a file GDAL cannot open)."""
    import pyogrio

    try:
        return {str(name) for name, _ in pyogrio.list_layers(path)}
    except Exception as exc:  # noqa: BLE001 - any GDAL failure is one message
        raise _not_readable(path, exc) from None


def _read_table(path: Path, layer: str, geometry: bool = False) -> pd.DataFrame:
    """One layer of a GeoPackage (InputError naming the file and the layer)."""
    import pyogrio

    try:
        return pyogrio.read_dataframe(path, layer=layer, read_geometry=geometry)
    except Exception as exc:  # noqa: BLE001 - any GDAL failure is one message
        raise _not_readable(path, exc) from None


def read_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The run metadata stored in a GeoPackage's ``run_metadata`` table.

    Values are decoded from JSON; a value that is not valid JSON is returned as
    the stored text.
    """
    path = _check_gpkg(path)
    if "run_metadata" not in _layer_names(path):
        raise InputError(
            f"{path} has no 'run_metadata' table; it was not written by "
            "lps_geo.write_geopackage"
        )
    table = _read_table(path, "run_metadata")
    out: dict[str, Any] = {}
    for key, value in zip(table["key"], table["value"], strict=True):
        try:
            out[str(key)] = json.loads(value)
        except (TypeError, ValueError):
            out[str(key)] = value
    return out


def read_geopackage(path: str | os.PathLike) -> Result:
    """Read a GeoPackage written by :func:`write_geopackage` back into a Result.

    Maps and atlases can then be rebuilt without recomputing anything. Feature
    layers come back as GeoDataFrames with their CRS and the ``region`` (or
    ``lps_id``) column; attribute tables as DataFrames. The run metadata come
    from ``run_metadata`` (JSON decoded) as a
    :class:`~lps_geo.result.RunMetadata`, the report (with the run's
    warnings) from its ``report`` entry as a :class:`~lps_geo.result.RunReport`.

    Parameters
    ----------
    path
        A ``.gpkg`` written by :func:`write_geopackage`.

    Raises
    ------
    InputError
        The file is missing or lacks a required layer.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import box
    >>> from lps_geo.result import Result, RunMetadata, RunReport
    >>> mun = gpd.GeoDataFrame({"region": ["1900001"], "name": ["A"]},
    ...     geometry=[box(0, 0, 1e4, 1e4)], crs="EPSG:5880")
    >>> lps = gpd.GeoDataFrame({"lps_id": pd.Series([], dtype=str)},
    ...     geometry=gpd.GeoSeries([], crs="EPSG:5880"))
    >>> result = Result(mun, pd.DataFrame({"region": ["1900001"], "ql": [2.0]}),
    ...     pd.DataFrame({"industry": ["15.3"]}), lps,
    ...     pd.DataFrame({"lps_id": pd.Series([], dtype=str)}),
    ...     metadata=RunMetadata(seed=1),
    ...     report=RunReport.from_dict({"n_lps": 0, "warnings": ["IslandWarning: x"]}))
    >>> out = write_geopackage(result, Path(tempfile.mkdtemp()) / "r.gpkg",
    ...                        styled=False)
    >>> back = read_geopackage(out)
    >>> back.municipalities.crs.to_epsg(), back.metadata.seed, back.report.n_lps
    (5880, 1, 0)
    >>> back.warnings
    ('IslandWarning: x',)
    """
    path = _check_gpkg(path)
    present = _layer_names(path)
    required = [n for n in LAYERS if n not in OPTIONAL_LAYERS]
    missing = [n for n in required if n not in present]
    if missing:
        raise InputError(
            f"{path} lacks layer(s) {', '.join(missing)}; it was not written by "
            "lps_geo.write_geopackage (layers found: "
            f"{', '.join(sorted(present)) or 'none'})"
        )
    frames: dict[str, pd.DataFrame] = {}
    for name in LAYERS:
        if name not in present or name == "run_metadata":
            continue
        frames[name] = _read_table(path, name, geometry=name in SPATIAL_LAYERS)
    metadata = read_metadata(path)
    report = metadata.get("report", {})
    return Result(
        municipalities=frames["municipalities"],
        indicators=frames["indicators"],
        industries=frames["industries"],
        lps=frames["lps"],
        lps_members=frames["lps_members"],
        metadata=RunMetadata.from_dict(metadata),
        report=RunReport.from_dict(report if isinstance(report, dict) else {}),
        regions=frames.get("regions"),
        institutions=frames.get("institutions"),
        lps_capability=frames.get("lps_capability"),
        lps_change=frames.get("lps_change"),
        lps_related=frames.get("lps_related"),
        relatedness=frames.get("relatedness"),
        lps_structure=frames.get("lps_structure"),
        lps_suppliers=frames.get("lps_suppliers"),
        lps_workers=frames.get("lps_workers"),
        lps_innovation=frames.get("lps_innovation"),
    )
