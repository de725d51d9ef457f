"""What the QGIS project needs to know about a result GeoPackage, and its references.

:func:`inspect_package` reads the tables, CRSs, extents, stored styles
(``layer_styles``) and run metadata of a GeoPackage; :func:`srs_xml` and
:func:`layer_tree_layer` write the project's references to a CRS and to a
table (data sources relative to the GeoPackage: ``./<file>.gpkg|layername=``).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from lps_geo.errors import InputError
from lps_geo.export.qgis.qml import element


@dataclass(frozen=True)
class Layer:
    """What the project needs to know about one table of the GeoPackage."""

    table: str
    columns: tuple[str, ...]
    geometry_column: str | None = None
    geometry_type: str | None = None  # GeoPackage name, e.g. MULTIPOLYGON
    srs_id: int | None = None
    extent: tuple[float, float, float, float] | None = None
    #: QML of the default style in ``layer_styles`` and its name
    style_qml: str | None = None
    style_name: str = "default"
    #: the layer's other styles in ``layer_styles``: (name, QML)
    other_styles: tuple[tuple[str, str], ...] = ()

    @property
    def is_spatial(self) -> bool:
        return self.geometry_column is not None

    @property
    def layer_id(self) -> str:
        # Deterministic ids: the same GeoPackage gives the same project XML.
        token = uuid.uuid5(uuid.NAMESPACE_URL, f"lps_geo:qgis_project:{self.table}")
        return f"{self.table}_{str(token).replace('-', '_')}"


@dataclass(frozen=True)
class Srs:
    srs_id: int
    organization: str
    organization_id: int
    name: str
    definition: str

    @property
    def authid(self) -> str:
        return f"{self.organization.upper()}:{self.organization_id}"


@dataclass(frozen=True)
class Package:
    path: Path
    layers: dict[str, Layer]
    srs: dict[int, Srs]
    metadata: dict[str, object] = field(default_factory=dict)
    #: file name the data sources refer to (``./<file_name>|layername=...``)
    file_name: str = ""

    def source(self, table: str) -> str:
        return f"./{self.file_name or self.path.name}|layername={table}"


def table_exists(con: sqlite3.Connection, name: str) -> bool:
    row = con.execute(
        "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?",
        (name,),
    ).fetchone()
    return row is not None


@dataclass
class _StoredStyles:
    """The ``layer_styles`` rows of one layer."""

    default: tuple[str, str] | None = None  # (name, QML) QGIS applies on adding
    others: dict[str, str] = field(default_factory=dict)  # name -> QML


def _stored_styles(con: sqlite3.Connection) -> dict[tuple[str, str], _StoredStyles]:
    """Styles of ``layer_styles`` per (table, geometry column).

    The default is the most recent row with ``useAsDefault``, as in QGIS.
    """
    if not table_exists(con, "layer_styles"):
        return {}
    rows = con.execute(
        "SELECT f_table_name, f_geometry_column, styleName, styleQML, useAsDefault "
        "FROM layer_styles WHERE styleQML IS NOT NULL AND styleQML != '' "
        "ORDER BY update_time, id"
    ).fetchall()
    out: dict[tuple[str, str], _StoredStyles] = {}
    for table, column, name, qml, default in rows:
        entry = out.setdefault((str(table), str(column or "")), _StoredStyles())
        name = str(name or "default")
        entry.others[name] = str(qml)
        if default:
            entry.default = (name, str(qml))
    for entry in out.values():
        if entry.default is not None:
            entry.others.pop(entry.default[0], None)
    return out


def _run_metadata(con: sqlite3.Connection) -> dict[str, object]:
    if not table_exists(con, "run_metadata"):
        return {}
    out: dict[str, object] = {}
    for key, value in con.execute('SELECT "key", "value" FROM run_metadata'):
        try:
            out[str(key)] = json.loads(value)
        except (TypeError, ValueError):
            out[str(key)] = value
    return out


def inspect_package(path: Path) -> Package:
    """Read the tables, CRSs, extents, default styles and run metadata."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if not table_exists(con, "gpkg_contents"):
            raise InputError(
                f"{path} is not a GeoPackage (no gpkg_contents table); write it "
                "with lps_geo.write_geopackage first"
            )
        styles = _stored_styles(con)
        geometry = {
            str(t): (str(c), str(g).upper(), int(s))
            for t, c, g, s in con.execute(
                "SELECT table_name, column_name, geometry_type_name, srs_id "
                "FROM gpkg_geometry_columns"
            )
        }
        layers: dict[str, Layer] = {}
        for table, data_type, xmin, ymin, xmax, ymax in con.execute(
            "SELECT table_name, data_type, min_x, min_y, max_x, max_y "
            "FROM gpkg_contents"
        ).fetchall():
            table = str(table)
            if data_type not in ("features", "attributes"):
                continue
            columns = tuple(
                str(r[1])
                for r in con.execute(
                    f'PRAGMA table_info("{table.replace(chr(34), "")}")'
                )
            )
            if data_type == "features" and table in geometry:
                gcol, gtype, srs_id = geometry[table]
                extent = (xmin, ymin, xmax, ymax)
                if any(v is None for v in extent):
                    extent = _rtree_extent(con, table, gcol)
                layers[table] = Layer(
                    table=table,
                    columns=columns,
                    geometry_column=gcol,
                    geometry_type=gtype,
                    srs_id=srs_id,
                    extent=(
                        None if extent is None else tuple(float(v) for v in extent)
                    ),
                    **_style_fields(styles.get((table, gcol))),
                )
            else:
                layers[table] = Layer(
                    table=table,
                    columns=columns,
                    **_style_fields(styles.get((table, ""))),
                )
        srs = {
            int(i): Srs(int(i), str(o), int(oi), str(n), str(d))
            for i, o, oi, n, d in con.execute(
                "SELECT srs_id, organization, organization_coordsys_id, srs_name, "
                "definition FROM gpkg_spatial_ref_sys"
            )
        }
        metadata = _run_metadata(con)
    finally:
        con.close()
    if "lps" not in layers or not layers["lps"].is_spatial:
        raise InputError(
            f"{path} has no feature layer 'lps'; the QGIS atlas iterates over it. "
            "Write the result with lps_geo.write_geopackage first"
        )
    return Package(path=path, layers=layers, srs=srs, metadata=metadata)


def _style_fields(entry: _StoredStyles | None) -> dict[str, object]:
    """``Layer`` fields for the stored styles of one layer."""
    if entry is None:
        return {}
    fields: dict[str, object] = {"other_styles": tuple(sorted(entry.others.items()))}
    if entry.default is not None:
        fields["style_name"], fields["style_qml"] = entry.default
    return fields


def _rtree_extent(
    con: sqlite3.Connection, table: str, column: str
) -> tuple[float, float, float, float] | None:
    name = f"rtree_{table}_{column}"
    if not table_exists(con, name):
        return None
    row = con.execute(
        f'SELECT min(minx), min(miny), max(maxx), max(maxy) FROM "{name}"'
    ).fetchone()
    return None if row is None or row[0] is None else tuple(row)


# ------------------------------------------------------------- XML references


def srs_xml(parent: ET.Element, srs: Srs | None) -> None:
    """A ``<spatialrefsys>`` QGIS resolves from the WKT (no QGIS-internal ids)."""
    ref = element(parent, "spatialrefsys")
    if srs is None:
        return
    element(ref, "wkt", text=srs.definition)
    element(ref, "proj4", text="")
    element(ref, "srid", text=str(srs.organization_id))
    element(ref, "authid", text=srs.authid)
    element(ref, "description", text=srs.name)


def layer_tree_layer(
    parent: ET.Element, pkg: Package, layer: Layer, name: str, checked: bool = True
) -> ET.Element:
    return element(
        parent,
        "layer-tree-layer",
        {
            "id": layer.layer_id,
            "name": name,
            "source": pkg.source(layer.table),
            "providerKey": "ogr",
            "checked": "Qt::Checked" if checked else "Qt::Unchecked",
            "expanded": "1" if layer.is_spatial else "0",
            "legend_exp": "",
        },
    )
