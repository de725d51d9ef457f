"""The ``layer_styles`` table of a GeoPackage: store styles where QGIS finds them.

QGIS reads a layer's styles from the ``layer_styles`` table that it writes
itself when a user saves a style "in the database"; this module writes the
same table, with the same schema (:data:`LAYER_STYLES_SQL`) and the values
QGIS 3.22 needs to apply a row on opening (empty catalog and schema, the
exact table and geometry column names, a filled ``styleQML``). The styles
come from :mod:`lps_geo.export.qgis.styles`.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from lps_geo.errors import InputError
from lps_geo.export.qgis.styles import DESCRIPTION_MARKER, LayerStyle, default_styles
from lps_geo.vocab import Lang

logger = logging.getLogger(__name__)

#: Schema of the table QGIS writes (QgsOgrProvider, GeoPackage), verbatim.
LAYER_STYLES_SQL = (
    'CREATE TABLE "layer_styles" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, '
    '"f_table_catalog" TEXT(256), "f_table_schema" TEXT(256), '
    '"f_table_name" TEXT(256), "f_geometry_column" TEXT(256), '
    '"styleName" TEXT(30), "styleQML" TEXT, "styleSLD" TEXT, '
    '"useAsDefault" BOOLEAN, "description" TEXT, "owner" TEXT(30), '
    '"ui" TEXT(30), "update_time" DATETIME DEFAULT '
    "(strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
)


def _timestamp() -> str:
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def write_layer_styles(
    gpkg_path: str | os.PathLike, styles: Sequence[LayerStyle]
) -> int:
    """Store ``styles`` in the ``layer_styles`` table of a GeoPackage.

    Creates the table with the schema QGIS writes (:data:`LAYER_STYLES_SQL`)
    and registers it in ``gpkg_contents`` as ``attributes`` when missing.
    Each row gets ``f_table_catalog = f_table_schema = ''``, the feature
    table's name and its geometry column as registered in
    ``gpkg_geometry_columns`` (exact case), both documents, ``useAsDefault``
    1 for a layer's default style and 0 for the others, ``owner = ''`` and
    ``ui = NULL``: the values QGIS 3.22 needs to apply the default style when
    the layer is opened. Rewriting is idempotent: rows lps_geo wrote before
    for the same tables (description starting with
    :data:`DESCRIPTION_MARKER`), and rows with the same table and style name,
    are replaced; other rows stay, but lose their default flag on a table that
    gets a new default (as QGIS does when a default style is saved).

    Parameters
    ----------
    gpkg_path
        An existing GeoPackage, modified in place in one transaction.
    styles
        From :func:`~lps_geo.export.qgis.styles.default_styles` or
        :func:`~lps_geo.export.qgis.styles.categorized_style`.

    Returns
    -------
    int
        Number of rows written.

    Raises
    ------
    InputError
        The file is not a GeoPackage, a style names a table that is not a
        feature table of it, or a table has two default styles.

    Examples
    --------
    >>> import tempfile, sqlite3
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> path = Path(tempfile.mkdtemp()) / "s.gpkg"
    >>> gpd.GeoDataFrame({"lps_type": ["embryo"]}, geometry=[box(0, 0, 1, 1)],
    ...     crs="EPSG:5880").to_file(path, layer="lps", engine="pyogrio")
    >>> from lps_geo.export.qgis.styles import lps_type_style
    >>> write_layer_styles(path, [lps_type_style()])
    1
    >>> con = sqlite3.connect(path)
    >>> con.execute("SELECT f_table_catalog, f_table_name, f_geometry_column, "
    ...     "styleName, useAsDefault FROM layer_styles").fetchall()
    [('', 'lps', 'geom', 'LPS type', 1)]
    >>> con.close()
    """
    path = Path(gpkg_path)
    if not path.is_file():
        raise InputError(f"GeoPackage {path} not found; write it with write_geopackage")
    defaults: dict[str, str] = {}
    for style in styles:
        if style.default:
            if style.table in defaults:
                raise InputError(
                    f"table {style.table!r} has two default styles "
                    f"({defaults[style.table]!r} and {style.name!r}); set "
                    "default=False on one of them"
                )
            defaults[style.table] = style.name
    con = sqlite3.connect(path)
    try:
        with con:
            geometry_columns = _geometry_columns(con, path)
            for style in styles:
                if style.table not in geometry_columns:
                    raise InputError(
                        f"{path} has no feature table {style.table!r} for style "
                        f"{style.name!r}; feature tables: "
                        f"{', '.join(sorted(geometry_columns)) or 'none'}"
                    )
            _ensure_table(con)
            tables = sorted({s.table for s in styles})
            for table in tables:
                con.execute(
                    "DELETE FROM layer_styles WHERE f_table_name = ? "
                    "AND description LIKE ?",
                    (table, DESCRIPTION_MARKER + "%"),
                )
            for style in styles:
                con.execute(
                    "DELETE FROM layer_styles WHERE f_table_name = ? AND styleName = ?",
                    (style.table, style.name),
                )
            for table in defaults:
                con.execute(
                    "UPDATE layer_styles SET useAsDefault = 0 WHERE f_table_name = ?",
                    (table,),
                )
            now = _timestamp()
            for style in styles:
                con.execute(
                    "INSERT INTO layer_styles (f_table_catalog, f_table_schema, "
                    "f_table_name, f_geometry_column, styleName, styleQML, "
                    "styleSLD, useAsDefault, description, owner, ui, update_time) "
                    "VALUES ('', '', ?, ?, ?, ?, ?, ?, ?, '', NULL, ?)",
                    (
                        style.table,
                        geometry_columns[style.table],
                        style.name,
                        style.qml,
                        style.sld,
                        int(style.default),
                        style.description,
                        now,
                    ),
                )
            con.execute(
                "UPDATE gpkg_contents SET last_change = ? "
                "WHERE table_name = 'layer_styles'",
                (now,),
            )
            _sync_feature_count(con)
    except sqlite3.DatabaseError as exc:
        raise InputError(
            f"cannot write styles into {path} ({exc}); pass a writable .gpkg "
            "written by lps_geo.write_geopackage"
        ) from exc
    finally:
        con.close()
    logger.info("wrote %d layer style(s) into %s", len(styles), path)
    return len(styles)


def _geometry_columns(con: sqlite3.Connection, path: Path) -> dict[str, str]:
    try:
        rows = con.execute(
            "SELECT table_name, column_name FROM gpkg_geometry_columns"
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise InputError(
            f"{path} is not a GeoPackage (no gpkg_geometry_columns: {exc}); pass a "
            ".gpkg written by lps_geo.write_geopackage"
        ) from exc
    return {str(t): str(c) for t, c in rows}


def _ensure_table(con: sqlite3.Connection) -> None:
    exists = con.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'layer_styles'"
    ).fetchone()
    if exists is None:
        con.execute(LAYER_STYLES_SQL)
    registered = con.execute(
        "SELECT 1 FROM gpkg_contents WHERE table_name = 'layer_styles'"
    ).fetchone()
    if registered is None:
        con.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, "
            "description, last_change, srs_id) "
            "VALUES ('layer_styles', 'attributes', 'layer_styles', '', ?, 0)",
            (_timestamp(),),
        )


def _sync_feature_count(con: sqlite3.Connection) -> None:
    """Keep GDAL's cached row count right when it caches one for the table."""
    has_table = con.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' "
        "AND name = 'gpkg_ogr_contents'"
    ).fetchone()
    if has_table is not None:
        con.execute(
            "UPDATE gpkg_ogr_contents SET feature_count = "
            "(SELECT COUNT(*) FROM layer_styles) "
            "WHERE lower(table_name) = 'layer_styles'"
        )


def write_default_styles(
    gpkg_path: str | os.PathLike, lang: Lang = "en"
) -> list[LayerStyle]:
    """Choose (:func:`~lps_geo.export.qgis.styles.default_styles`) and store the styles.

    Examples
    --------
    >>> import tempfile
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> path = Path(tempfile.mkdtemp()) / "i.gpkg"
    >>> gpd.GeoDataFrame({"type": ["university"]}, geometry=[Point(0, 0)],
    ...     crs="EPSG:5880").to_file(path, layer="institutions", engine="pyogrio")
    >>> write_default_styles(path, lang="pt")
    [<LayerStyle 'Tipo de instituição' on 'institutions' (default)>]
    """
    styles = default_styles(path := Path(gpkg_path), lang)
    write_layer_styles(path, styles)
    return styles
