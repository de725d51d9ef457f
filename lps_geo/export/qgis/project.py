"""A QGIS project stored inside the result GeoPackage, with a print atlas per LPS.

A planner opens one file: QGIS lists the project under the GeoPackage in its
browser (or ``Project > Open From > GeoPackage``), the layers come in a sensible
order (support institutions on top of the local production systems, on top of
the municipalities; the attribute tables in a collapsed group at the bottom),
and the print layout ``"LPS atlas"`` prints one A4 landscape page per local
production system (LPS) identified with the method of Suzigan, Furtado &
Garcia (2006): the LPS on a map zoomed to it with its member municipalities
named, a legend, scale bar, north arrow and locator map, and a block with the
LPS's type, size, location quotient and share of its industry.

The project is written without QGIS: this module generates the project XML
with :mod:`xml.etree.ElementTree` and stores it the way QGIS's GeoPackage
project storage does (QGIS 3.22, ``QgsGeoPackageProjectStorage``):

* table ``qgis_projects(name TEXT PRIMARY KEY, metadata BLOB, content BLOB)``;
* ``metadata``: JSON text ``{"last_modified_time": "<ISO time>",
  "last_modified_user": "<user>"}``;
* ``content``: a ``.qgz`` archive (ZIP holding one ``<name>.qgs`` XML file)
  hex-encoded as lower-case ASCII text (QGIS reads it with
  ``QByteArray::fromHex``).

QGIS itself does not register ``qgis_projects`` anywhere. This writer adds one
row to ``gpkg_extensions`` (extension ``qgis_projects``, scope ``read-write``)
so the extra table is declared as the GeoPackage standard asks for tables it
does not define; it is deliberately not listed in ``gpkg_contents``, so GIS
clients do not show it as a data layer. GDAL's ``validate_gpkg --extra``
accepts the result.

Data sources are relative to the GeoPackage (``./<file>.gpkg|layername=lps``),
which QGIS resolves against the folder of the GeoPackage the project is read
from: the file can be moved or copied to another folder or computer, but
renaming it breaks the layer paths (write the project again, or use QGIS's
"Handle unavailable layers" dialog).

Layer styles: QGIS applies a GeoPackage's default style (``layer_styles``)
when a layer is added by hand, but not to layers of a project, which carry
their style in the project XML. The project therefore embeds, for each layer,
the QML of its default row in ``layer_styles`` as it is when the project is
written (write the styles first), and a plain single-symbol style when there
is none; the layer's other rows of ``layer_styles`` (e.g. the LISA and Gi*
styles of the municipalities) become named styles the user can switch to
(layer context menu > Styles). The atlas map uses its own map theme,
``"LPS atlas"``, in which the municipalities are drawn as light outlines and
the members of the current LPS are labelled by name, so the focus-industry
choropleth of the main view does not compete with the LPS.
"""

from __future__ import annotations

import getpass
import io
import json
import logging
import os
import sqlite3
import uuid
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from lps_geo.errors import InputError
from lps_geo.symbology import EDGE_COLOR, TYPE_COLORS
from lps_geo.vocab import TYPES

logger = logging.getLogger(__name__)

#: Name of the print layout holding the atlas.
LAYOUT_NAME = "LPS atlas"

#: Map theme used by the atlas map (and the locator map, ``"LPS locator"``).
ATLAS_THEME = "LPS atlas"
LOCATOR_THEME = "LPS locator"

#: ``gpkg_extensions`` row declaring the ``qgis_projects`` table.
EXTENSION_NAME = "qgis_projects"
EXTENSION_DEFINITION = (
    "https://docs.qgis.org/3.22/en/docs/user_manual/managing_data_source/"
    "opening_data.html#database-related-tools"
)

#: Feature layers drawn in the project, top to bottom (those present are used).
SPATIAL_ORDER: tuple[str, ...] = (
    "institutions",
    "lps",
    "lps_change",
    "regions",
    "municipalities",
)

#: Attribute tables added (collapsed, at the bottom), in this order, if present.
TABLE_ORDER: tuple[str, ...] = (
    "indicators",
    "industries",
    "lps_members",
    "lps_capability",
    "run_metadata",
)

Lang = Literal["en", "pt"]

_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Local production systems",
        "institutions": "Support institutions",
        "lps": "Local production systems",
        "lps_change": "Change of the LPS between periods",
        "regions": "Analysis regions",
        "municipalities": "Municipalities",
        "tables": "Tables",
        "legend": "Legend",
        "type": "Type",
        "industry": "Industry",
        "members": "Municipalities",
        "employment": "Employment",
        "ql": "Location quotient (QL)",
        "share": "Share of the industry's employment",
        "source": "Source",
        "method": "Method: Suzigan, Furtado & Garcia (2006)",
        "made": "Made with lps_geo",
        "page": "Page [% @atlas_featurenumber %] of [% @atlas_totalfeatures %]",
    },
    "pt": {
        "title": "Sistemas locais de produção",
        "institutions": "Instituições de apoio",
        "lps": "Sistemas locais de produção",
        "lps_change": "Mudança dos APLs entre períodos",
        "regions": "Regiões de análise",
        "municipalities": "Municípios",
        "tables": "Tabelas",
        "legend": "Legenda",
        "type": "Tipo",
        "industry": "Setor",
        "members": "Municípios",
        "employment": "Emprego",
        "ql": "Quociente locacional (QL)",
        "share": "Participação no emprego do setor",
        "source": "Fonte",
        "method": "Método: Suzigan, Furtado & Garcia (2006)",
        "made": "Elaborado com lps_geo",
        "page": "Página [% @atlas_featurenumber %] de [% @atlas_totalfeatures %]",
    },
}

# A4 landscape, millimetres.
_PAGE_W, _PAGE_H = 297.0, 210.0
_MARGIN = 10.0
_FONT = "Sans Serif"

#: Atlas file names (one file per page when exported as images): lps_<lps_id>.
_FILENAME_PATTERN = "'lps_' || regexp_replace(\"lps_id\", '[^A-Za-z0-9_.-]', '_')"

_QML_DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"


# --------------------------------------------------------------- GeoPackage facts


@dataclass(frozen=True)
class _Layer:
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
class _Srs:
    srs_id: int
    organization: str
    organization_id: int
    name: str
    definition: str

    @property
    def authid(self) -> str:
        return f"{self.organization.upper()}:{self.organization_id}"


@dataclass(frozen=True)
class _Package:
    path: Path
    layers: dict[str, _Layer]
    srs: dict[int, _Srs]
    metadata: dict[str, object] = field(default_factory=dict)
    #: file name the data sources refer to (``./<file_name>|layername=...``)
    file_name: str = ""

    def source(self, table: str) -> str:
        return f"./{self.file_name or self.path.name}|layername={table}"


def _table_exists(con: sqlite3.Connection, name: str) -> bool:
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
    if not _table_exists(con, "layer_styles"):
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
    if not _table_exists(con, "run_metadata"):
        return {}
    out: dict[str, object] = {}
    for key, value in con.execute('SELECT "key", "value" FROM run_metadata'):
        try:
            out[str(key)] = json.loads(value)
        except (TypeError, ValueError):
            out[str(key)] = value
    return out


def _inspect(path: Path) -> _Package:
    """Read the tables, CRSs, extents, default styles and run metadata."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if not _table_exists(con, "gpkg_contents"):
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
        layers: dict[str, _Layer] = {}
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
                layers[table] = _Layer(
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
                layers[table] = _Layer(
                    table=table,
                    columns=columns,
                    **_style_fields(styles.get((table, ""))),
                )
        srs = {
            int(i): _Srs(int(i), str(o), int(oi), str(n), str(d))
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
    return _Package(path=path, layers=layers, srs=srs, metadata=metadata)


def _style_fields(entry: _StoredStyles | None) -> dict[str, object]:
    """``_Layer`` fields for the stored styles of one layer."""
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
    if not _table_exists(con, name):
        return None
    row = con.execute(
        f'SELECT min(minx), min(miny), max(maxx), max(maxy) FROM "{name}"'
    ).fetchone()
    return None if row is None or row[0] is None else tuple(row)


# ------------------------------------------------------------------ XML helpers


def _el(
    parent: ET.Element | None,
    tag: str,
    attrib: dict[str, object] | None = None,
    text: str | None = None,
) -> ET.Element:
    attrs = {k: _attr(v) for k, v in (attrib or {}).items()}
    elem = (
        ET.Element(tag, attrs) if parent is None else ET.SubElement(parent, tag, attrs)
    )
    if text is not None:
        elem.text = text
    return elem


def _attr(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return (
            f"{value:.6f}".rstrip("0").rstrip(".")
            if value != int(value)
            else str(int(value))
        )
    return str(value)


def _rgba(hex_color: str, alpha: int = 255) -> str:
    """``#rrggbb`` -> QGIS ``r,g,b,a``."""
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{alpha}"


def _options(parent: ET.Element, props: dict[str, str]) -> None:
    """Symbol-layer properties, in both forms QGIS 3.x reads."""
    opt = _el(parent, "Option", {"type": "Map"})
    for key, value in props.items():
        _el(opt, "Option", {"type": "QString", "name": key, "value": value})
    for key, value in props.items():
        _el(parent, "prop", {"k": key, "v": value})


def _srs_xml(parent: ET.Element, srs: _Srs | None) -> None:
    """A ``<spatialrefsys>`` QGIS resolves from the WKT (no QGIS-internal ids)."""
    ref = _el(parent, "spatialrefsys")
    if srs is None:
        return
    _el(ref, "wkt", text=srs.definition)
    _el(ref, "proj4", text="")
    _el(ref, "srid", text=str(srs.organization_id))
    _el(ref, "authid", text=srs.authid)
    _el(ref, "description", text=srs.name)


_SYMBOL_LAYER_CLASS = {
    "fill": "SimpleFill",
    "marker": "SimpleMarker",
    "line": "SimpleLine",
}


def _symbol(parent: ET.Element, kind: str, name: str, props: dict[str, str]) -> None:
    """A one-layer symbol (``kind`` fill, marker or line) with its properties."""
    sym = _el(
        parent,
        "symbol",
        {"type": kind, "name": name, "alpha": "1", "clip_to_extent": "1"},
    )
    layer_attrib = {"class": _SYMBOL_LAYER_CLASS[kind], "enabled": "1", "pass": "0"}
    _options(_el(sym, "layer", layer_attrib), props)


def _fill_symbol(
    parent: ET.Element, name: str, fill: str, outline: str, width: float
) -> None:
    props = {
        "color": fill,
        "style": "solid",
        "outline_color": outline,
        "outline_style": "solid",
        "outline_width": _attr(width),
        "outline_width_unit": "MM",
        "joinstyle": "bevel",
    }
    _symbol(parent, "fill", name, props)


def _single_renderer(
    parent: ET.Element,
    geometry_type: str | None,
    fill: str = "255,255,255,0",
    outline: str = _rgba(EDGE_COLOR),
    width: float = 0.2,
) -> None:
    """A single-symbol renderer (circle markers, lines or filled polygons)."""
    rend = _el(
        parent,
        "renderer-v2",
        {"type": "singleSymbol", "symbollevels": "0", "enableorderby": "0"},
    )
    symbols = _el(rend, "symbols")
    kind = _geometry_kind(geometry_type)
    if kind == "Point":
        marker = {"name": "circle", "color": fill, "outline_color": "255,255,255,255",
                  "outline_width": "0.2", "size": "2.2"}  # fmt: skip
        _symbol(symbols, "marker", "0", marker)
    elif kind == "Line":
        line = {"line_color": outline, "line_width": _attr(width)}
        _symbol(symbols, "line", "0", line)
    else:
        _fill_symbol(symbols, "0", fill, outline, width)


def _geometry_kind(geometry_type: str | None) -> str:
    """QGIS's ``geometry`` attribute: Point, Line, Polygon or No geometry."""
    if geometry_type is None:
        return "No geometry"
    g = geometry_type.upper()
    if "POINT" in g:
        return "Point"
    if "LINE" in g or ("CURVE" in g and "POLYGON" not in g):
        return "Line"
    return "Polygon"


_WKB_TYPES = {
    "POINT": "Point",
    "LINESTRING": "LineString",
    "POLYGON": "Polygon",
    "MULTIPOINT": "MultiPoint",
    "MULTILINESTRING": "MultiLineString",
    "MULTIPOLYGON": "MultiPolygon",
    "GEOMETRY": "Unknown",
    "GEOMETRYCOLLECTION": "GeometryCollection",
}


def _labeling(parent: ET.Element, expression: str) -> None:
    """Simple labelling with an expression; NULL results draw no label."""
    labeling = _el(parent, "labeling", {"type": "simple"})
    settings = _el(labeling, "settings", {"calloutType": "simple"})
    text = _el(
        settings,
        "text-style",
        {
            "fieldName": expression,
            "isExpression": "1",
            "fontFamily": _FONT,
            "fontSize": "7",
            "fontSizeUnit": "Point",
            "fontWeight": "50",
            "fontItalic": "0",
            "textColor": "40,40,40,255",
            "textOpacity": "1",
            "multilineHeight": "1",
            "allowHtml": "0",
        },
    )
    _el(
        text,
        "text-buffer",
        {
            "bufferDraw": "1",
            "bufferSize": "0.7",
            "bufferSizeUnits": "MM",
            "bufferColor": "255,255,255,255",
            "bufferOpacity": "0.9",
            "bufferNoFill": "1",
            "bufferJoinStyle": "128",
        },
    )
    _el(
        settings,
        "text-format",
        {"wrapChar": "", "autoWrapLength": "18", "multilineAlign": "3"},
    )
    # placement 1 = OverPoint (at the polygon's centroid), inside the polygon
    _el(
        settings,
        "placement",
        {
            "placement": "1",
            "centroidInside": "1",
            "centroidWhole": "0",
            "fitInPolygonOnly": "0",
        },
    )
    _el(
        settings,
        "rendering",
        {
            "obstacle": "1",
            "obstacleFactor": "1",
            "displayAll": "0",
            "upsidedownLabels": "0",
            "scaleVisibility": "0",
            "drawLabels": "1",
        },
    )


# ------------------------------------------------------------------- map layers


def _style_children(qml: str) -> tuple[dict[str, str], list[ET.Element]]:
    """Root attributes and child elements of a QML style document."""
    root = ET.fromstring(qml)
    attrib = {k: v for k, v in root.attrib.items() if k != "version"}
    return attrib, list(root)


def _fallback_style(layer: _Layer) -> tuple[dict[str, str], list[ET.Element]]:
    """A plain style for a layer without a default style in ``layer_styles``."""
    holder = _el(None, "qgis")
    if layer.is_spatial:
        if layer.table == "lps":
            fill = _rgba(TYPE_COLORS[TYPES[0]], 150)
            _single_renderer(holder, layer.geometry_type, fill, _rgba("#333333"), 0.4)
        elif _geometry_kind(layer.geometry_type) == "Point":
            _single_renderer(holder, layer.geometry_type, fill=_rgba("#636363"))
        else:
            _single_renderer(holder, layer.geometry_type)
    return {"labelsEnabled": "0"}, list(holder)


def _named_style(
    parent: ET.Element, name: str, attrib: dict[str, str], children: list[ET.Element]
) -> None:
    """A ``<map-layer-style name=...>`` holding a full style document."""
    holder = _el(parent, "map-layer-style", {"name": name})
    doc = _el(holder, "qgis", {"version": "3.22.0", **attrib})
    doc.extend(children)


def _municipality_styles(layer: _Layer) -> dict[str, tuple[dict[str, str], list]]:
    """Extra named styles of the municipalities for the atlas and locator maps."""
    key = "unit" if "unit" in layer.columns else "region"
    # members of the current atlas LPS: its ``members`` text (comma separated,
    # or a JSON list) split into codes; non-members get NULL, i.e. no label
    members = (
        "string_to_array(regexp_replace(attribute(@atlas_feature, 'members'), "
        "'[\\\\[\\\\]\" ]', ''), ',')"
    )
    expression = f'if(array_contains({members}, to_string("{key}")), "name", NULL)'
    atlas = _el(None, "qgis")
    _single_renderer(
        atlas, layer.geometry_type, _rgba("#f4f4f4"), _rgba(EDGE_COLOR), 0.15
    )
    if "name" in layer.columns:
        _labeling(atlas, expression)
    locator = _el(None, "qgis")
    _single_renderer(
        locator, layer.geometry_type, _rgba("#f4f4f4"), _rgba("#d9d9d9"), 0.05
    )
    return {
        ATLAS_THEME: (
            {"labelsEnabled": "1" if "name" in layer.columns else "0"},
            list(atlas),
        ),
        LOCATOR_THEME: ({"labelsEnabled": "0"}, list(locator)),
    }


def _maplayer(
    parent: ET.Element, pkg: _Package, layer: _Layer, display_name: str
) -> None:
    source = pkg.source(layer.table)
    attrs: dict[str, object] = {"type": "vector"}
    if layer.is_spatial:
        attrs["geometry"] = _geometry_kind(layer.geometry_type)
        attrs["wkbType"] = _WKB_TYPES.get(str(layer.geometry_type), "Unknown")
    else:
        attrs["geometry"] = "No geometry"
        attrs["wkbType"] = "NoGeometry"
    if layer.style_qml is not None:
        try:
            style_attrib, style_children = _style_children(layer.style_qml)
        except (ET.ParseError, ValueError) as exc:
            logger.warning(
                "default style of layer %s in %s is not valid XML (%s); using a "
                "plain style in the QGIS project",
                layer.table,
                pkg.path,
                exc,
            )
            style_attrib, style_children = _fallback_style(layer)
    else:
        style_attrib, style_children = _fallback_style(layer)
    ml = _el(parent, "maplayer", {**style_attrib, **attrs})
    _el(ml, "id", text=layer.layer_id)
    _el(ml, "datasource", text=source)
    _el(ml, "layername", text=display_name)
    if layer.is_spatial:
        _srs_xml(_el(ml, "srs"), pkg.srs.get(int(layer.srs_id or 0)))
    _el(ml, "provider", {"encoding": "UTF-8"}, text="ogr")
    # the current style is the layer's own content; the others are alternatives
    # the user picks in QGIS (Layer Properties > Style), and the atlas themes
    manager = _el(ml, "map-layer-style-manager", {"current": layer.style_name})
    _el(manager, "map-layer-style", {"name": layer.style_name})
    extra = _municipality_styles(layer) if layer.table == "municipalities" else {}
    for name, qml in layer.other_styles:
        if name in extra:
            continue
        try:
            extra[name] = _style_children(qml)
        except (ET.ParseError, ValueError) as exc:
            logger.warning(
                "style %r of layer %s in %s is not valid XML (%s); left out of "
                "the QGIS project",
                name,
                layer.table,
                pkg.path,
                exc,
            )
    for name, (attrib, children) in extra.items():
        _named_style(manager, name, attrib, children)
    ml.extend(style_children)


# --------------------------------------------------------------------- layouts


def _uuid(name: str) -> str:
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"lps_geo:layout:{name}")) + "}"


def _item(
    parent: ET.Element,
    item_type: int,
    name: str,
    x: float,
    y: float,
    w: float,
    h: float,
    z: int,
    **attrib: object,
) -> ET.Element:
    """A layout item with its position and size in millimetres."""
    uid = _uuid(name)
    base: dict[str, object] = {
        "type": item_type,
        "uuid": uid,
        "templateUuid": uid,
        "id": name,
        "position": f"{_attr(x)},{_attr(y)},mm",
        "positionOnPage": f"{_attr(x)},{_attr(y)},mm",
        "size": f"{_attr(w)},{_attr(h)},mm",
        "zValue": z,
        "visibility": "1",
        "positionLock": "false",
        "referencePoint": "0",
        "frame": "false",
        "background": "false",
        "opacity": "1",
        "itemRotation": "0",
        "excludeFromExports": "0",
        "blendMode": "0",
        "outlineWidthM": "0.3,mm",
        "frameJoinStyle": "miter",
        "groupUuid": "",
    }
    base.update(attrib)
    elem = _el(parent, "LayoutItem", base)
    _el(elem, "FrameColor", {"red": 0, "green": 0, "blue": 0, "alpha": 255})
    _el(elem, "BackgroundColor", {"red": 255, "green": 255, "blue": 255, "alpha": 255})
    return elem


def _font(size: float, bold: bool = False) -> str:
    """Qt font description: family, point size, pixel size, hint, weight, ..."""
    return f"{_FONT},{_attr(size)},-1,5,{75 if bold else 50},0,0,0,0,0"


def _label(
    parent: ET.Element,
    name: str,
    text: str,
    box: tuple[float, float, float, float],
    z: int,
    size: float,
    bold: bool = False,
    color: str = "0,0,0",
) -> None:
    elem = _item(
        parent,
        65641,
        name,
        *box,
        z,
        labelText=text,
        htmlState="0",
        marginX="0",
        marginY="0",
        halign="1",
        valign="32",
    )
    _el(elem, "LabelFont", {"description": _font(size, bold), "style": ""})
    r, g, b = color.split(",")
    _el(elem, "FontColor", {"red": r, "green": g, "blue": b, "alpha": 255})


def _fit_extent(
    extent: tuple[float, float, float, float] | None, w: float, h: float, pad: float
) -> tuple[float, float, float, float]:
    """Grow ``extent`` by ``pad`` (fraction) and to the item's aspect ratio."""
    if extent is None:
        return (0.0, 0.0, w, h)
    xmin, ymin, xmax, ymax = extent
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    dx = max(xmax - xmin, 1.0) * (1 + 2 * pad)
    dy = max(ymax - ymin, 1.0) * (1 + 2 * pad)
    if dx / dy < w / h:
        dx = dy * w / h
    else:
        dy = dx * h / w
    return (cx - dx / 2, cy - dy / 2, cx + dx / 2, cy + dy / 2)


def _map_item(
    parent: ET.Element,
    name: str,
    box: tuple[float, float, float, float],
    z: int,
    extent: tuple[float, float, float, float],
    srs: _Srs | None,
    theme: str,
    atlas_driven: bool,
) -> ET.Element:
    elem = _item(
        parent,
        65639,
        name,
        *box,
        z,
        background="true",
        frame="true",
        mapRotation="0",
        drawCanvasItems="true",
        keepLayerSet="false",
        followPreset="true",
        followPresetName=theme,
        mapFlags="0",
        isTemporal="0",
        labelMargin="0,mm",
    )
    xmin, ymin, xmax, ymax = extent
    _el(
        elem,
        "Extent",
        {
            "xmin": repr(xmin),
            "ymin": repr(ymin),
            "xmax": repr(xmax),
            "ymax": repr(ymax),
        },
    )
    _srs_xml(_el(elem, "crs"), srs)
    _el(elem, "LayerSet")
    # scalingMode 2 = Auto: fit the atlas feature with a margin of 10 %
    _el(
        elem,
        "AtlasMap",
        {"atlasDriven": atlas_driven, "scalingMode": "2", "margin": "0.1"},
    )
    _el(elem, "labelBlockingItems")
    return elem


def _layout(
    parent: ET.Element,
    pkg: _Package,
    spatial: list[_Layer],
    names: dict[str, str],
    lang: Lang,
) -> None:
    text = _TEXT[lang]
    lps = pkg.layers["lps"]
    srs = pkg.srs.get(int(lps.srs_id or 0))
    layout = _el(
        parent,
        "Layout",
        {
            "name": LAYOUT_NAME,
            "units": "mm",
            "printResolution": "300",
            "worldFileMap": "",
        },
    )
    pages = _el(layout, "PageCollection")
    _item(
        pages,
        65638,
        "page",
        0,
        0,
        _PAGE_W,
        _PAGE_H,
        0,
        background="true",
        positionOnPage="0,0,mm",
    )
    _el(pages, "GuideCollection", {"visible": "1"})

    right_x = 207.0
    right_w = _PAGE_W - _MARGIN - right_x
    map_box = (_MARGIN, 24.0, right_x - 5 - _MARGIN, 166.0)
    map_uuid = _uuid("map")
    ref = pkg.layers.get("municipalities", lps)

    _label(
        layout,
        "title",
        '[% "name" %] — [% "title" %]',
        (_MARGIN, 7.0, _PAGE_W - 2 * _MARGIN, 9.0),
        10,
        16,
        bold=True,
    )
    _label(
        layout,
        "subtitle",
        f'{text["industry"]} [% "industry" %] · [% "lps_id" %]',
        (_MARGIN, 16.0, _PAGE_W - 2 * _MARGIN, 6.0),
        11,
        9,
        color="90,90,90",
    )

    _map_item(
        layout,
        "map",
        map_box,
        1,
        _fit_extent(lps.extent or ref.extent, map_box[2], map_box[3], 0.05),
        srs,
        ATLAS_THEME,
        atlas_driven=True,
    )

    # scale bar in kilometres, segments sized to fit 25-45 mm; with a named
    # unit QGIS converts from map units itself (a factor here would apply twice)
    scalebar = _item(
        layout,
        65646,
        "scalebar",
        _MARGIN + 3,
        map_box[1] + map_box[3] - 14,
        60,
        11,
        5,
        mapUuid=map_uuid,
        style="Single Box",
        unitType="km",
        unitLabel="km",
        numMapUnitsPerScaleBarUnit="1",
        segmentSizeMode="1",
        minBarWidth="25",
        maxBarWidth="45",
        numSegments="2",
        numSegmentsLeft="0",
        numSubdivisions="1",
        subdivisionsHeight="1.5",
        numUnitsPerSegment="0",
        height="2",
        labelBarSpace="1.5",
        boxContentSpace="1",
        alignment="0",
        labelVerticalPlacement="0",
        labelHorizontalPlacement="0",
        background="true",
    )
    _el(
        scalebar,
        "text-style",
        {
            "fontFamily": _FONT,
            "fontSize": "7",
            "fontSizeUnit": "Point",
            "textColor": "0,0,0,255",
            "fontWeight": "50",
            "textOpacity": "1",
        },
    )

    _item(
        layout,
        65640,
        "north_arrow",
        map_box[0] + map_box[2] - 13,
        map_box[1] + 2,
        10,
        14,
        6,
        file=":/images/north_arrows/layout_default_north_arrow.svg",
        mode="0",
        resizeMode="0",
        anchorPoint="0",
        mapUuid=map_uuid,
        northMode="0",
        northOffset="0",
        pictureRotation="0",
        svgFillColor="255,255,255,255",
        svgBorderColor="0,0,0,255",
        svgBorderWidth="0.2",
    )

    block = "\n".join(
        [
            f'{text["type"]}: [% "lps_type_label" %]',
            f'{text["members"]}: [% "n_members" %]',
            f'{text["employment"]}: [% format_number("employment", 0) %]',
            f'{text["ql"]}: [% format_number("ql", 2) %]',
            f'{text["share"]}: [% format_number(100 * "share_industry", 1) %] %',
        ]
    )
    _label(layout, "attributes", block, (right_x, 24.0, right_w, 34.0), 7, 9)

    legend = _item(
        layout,
        65642,
        "legend",
        right_x,
        60.0,
        right_w,
        80.0,
        8,
        title=text["legend"],
        titleAlignment="1",
        map_uuid=map_uuid,
        legendFilterByMap="1",
        legendFilterByAtlas="0",
        resizeToContents="0",
        columnCount="1",
        splitLayer="0",
        equalColumnWidth="0",
        symbolWidth="6",
        symbolHeight="3.5",
        wrapChar="",
        boxSpace="1",
        columnSpace="2",
        lineSpacing="1",
        fontColor="#000000",
        symbolAlignment="1",
        rasterBorder="0",
        background="true",
    )
    styles = _el(legend, "styles")
    for style_name, size, bold, margin in (
        ("title", 10, True, {"marginBottom": "2"}),
        ("group", 9, True, {"marginTop": "2"}),
        ("subgroup", 8, True, {"marginTop": "1.5"}),
        ("symbol", 7.5, False, {"marginTop": "1"}),
        ("symbolLabel", 7.5, False, {"marginTop": "1", "marginLeft": "1.5"}),
    ):
        style = _el(
            styles,
            "style",
            {"name": style_name, "alignment": "1", "indent": "0", **margin},
        )
        _el(style, "styleFont", {"description": _font(size, bold), "style": ""})
    tree = _el(legend, "layer-tree-group")
    for layer in spatial:
        _layer_tree_layer(tree, pkg, layer, names[layer.table])

    # locator: the whole study area with the main map's extent framed
    loc_box = (right_x, 144.0, right_w, 46.0)
    locator = _map_item(
        layout,
        "locator",
        loc_box,
        2,
        _fit_extent(ref.extent, loc_box[2], loc_box[3], 0.02),
        srs,
        LOCATOR_THEME,
        atlas_driven=False,
    )
    overview = _el(
        locator,
        "ComposerMapOverview",
        {
            "name": "extent",
            "uuid": _uuid("overview"),
            "show": "1",
            "frameMap": map_uuid,
            "inverted": "0",
            "centered": "0",
            "position": "3",
            "blendMode": "0",
        },
    )
    _fill_symbol(overview, "", _rgba("#e31a1c", 40), _rgba("#e31a1c"), 0.4)

    source = pkg.metadata.get("source")
    version = pkg.metadata.get("lps_geo_version", "")
    created = str(pkg.metadata.get("created", ""))[:10]
    parts = []
    if source:
        parts.append(f"{text['source']}: {source}")
    parts.append(text["method"])
    parts.append(" ".join(p for p in (text["made"], str(version or ""), created) if p))
    footer = ". ".join(parts) + ".  " + text["page"]
    _label(
        layout,
        "footer",
        footer,
        (_MARGIN, _PAGE_H - _MARGIN - 6.0, _PAGE_W - 2 * _MARGIN, 6.0),
        12,
        7,
        color="90,90,90",
    )

    _el(layout, "Atlas", _atlas_settings(pkg, names["lps"]))


def _atlas_settings(pkg: _Package, layer_name: str) -> dict[str, object]:
    """Atlas over ``lps``: by type (center first, unknown types last), then size."""
    rank = f'array_find(array({", ".join(repr(t) for t in TYPES)}), "lps_type")'
    sort_key = f'if({rank} < 0, {len(TYPES)}, {rank}) * 1e12 - coalesce("size", 0)'
    return {
        "enabled": "1",
        "hideCoverage": "0",
        "coverageLayer": pkg.layers["lps"].layer_id,
        "coverageLayerName": layer_name,
        "coverageLayerSource": pkg.source("lps"),
        "coverageLayerProvider": "ogr",
        "pageNameExpression": '"lps_id"',
        "filenamePattern": _FILENAME_PATTERN,
        "sortFeatures": "1",
        "sortKey": sort_key,
        "sortAscending": "1",
        "filterFeatures": "0",
    }


# ------------------------------------------------------------------- project


def _layer_tree_layer(
    parent: ET.Element, pkg: _Package, layer: _Layer, name: str, checked: bool = True
) -> ET.Element:
    return _el(
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


def _theme(parent: ET.Element, name: str, visible: dict[str, str]) -> None:
    """A map theme: ``visible`` maps layer ids to the named style to use."""
    preset = _el(parent, "visibility-preset", {"name": name})
    for layer_id, style in visible.items():
        _el(preset, "layer", {"id": layer_id, "visible": "1", "style": style})


def qgis_project_xml(
    gpkg_path: str | os.PathLike,
    title: str | None = None,
    lang: Lang = "en",
    *,
    file_name: str | None = None,
) -> str:
    """The QGIS project (``.qgs`` XML) for a result GeoPackage, as text.

    See :func:`write_qgis_project`, which stores it in the GeoPackage.

    Parameters
    ----------
    gpkg_path
        A GeoPackage written by :func:`lps_geo.export.write_geopackage`.
    title
        Project title; default "Local production systems" in ``lang``.
    lang
        Language of layer names and layout texts: ``"en"`` or ``"pt"``.
    file_name
        File name the data sources refer to; default the name of
        ``gpkg_path``. See :func:`write_qgis_project`.

    Returns
    -------
    str
        The project XML.

    Raises
    ------
    InputError
        The file is missing, not a GeoPackage, or has no ``lps`` feature layer.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import box
    >>> from lps_geo.export import write_geopackage
    >>> from lps_geo.result import Result
    >>> mun = gpd.GeoDataFrame({"name": ["A", "B"]},
    ...     geometry=[box(0, 0, 1e4, 1e4), box(1e4, 0, 2e4, 1e4)],
    ...     index=pd.Index(["1900001", "1900002"], name="region"), crs="EPSG:5880")
    >>> lps = gpd.GeoDataFrame({"lps_id": ["15.3@1900001"], "industry": ["15.3"],
    ...     "lps_type": ["embryo"]}, geometry=[box(0, 0, 1e4, 1e4)], crs="EPSG:5880")
    >>> result = Result(mun, pd.DataFrame({"region": ["1900001"], "ql": [2.0]}),
    ...     pd.DataFrame({"industry": ["15.3"]}), lps,
    ...     pd.DataFrame({"lps_id": ["15.3@1900001"], "region": ["1900001"]}),
    ...     metadata={"seed": 1}, report={})
    >>> path = write_geopackage(result, Path(tempfile.mkdtemp()) / "run.gpkg",
    ...                         styled=False)
    >>> xml = qgis_project_xml(path, lang="pt")
    >>> "<datasource>./run.gpkg|layername=lps</datasource>" in xml
    True
    >>> 'name="LPS atlas"' in xml, "Sistemas locais de produção" in xml
    (True, True)
    """
    if lang not in _TEXT:
        raise InputError(
            f"lang must be one of {', '.join(map(repr, _TEXT))}, got {lang!r}"
        )
    path = Path(gpkg_path)
    if not path.is_file():
        raise InputError(
            f"GeoPackage {path} not found; write it with lps_geo.write_geopackage"
        )
    pkg = _inspect(path)
    if file_name is not None:
        if not file_name or Path(file_name).name != file_name:
            raise InputError(
                f"file_name must be a bare file name such as 'result.gpkg' (the "
                f"GeoPackage's final name, in the same folder), got {file_name!r}"
            )
        pkg = replace(pkg, file_name=file_name)
    text = _TEXT[lang]
    title = title if title is not None else text["title"]
    names = {t: text.get(t, t) for t in pkg.layers}
    spatial = [
        pkg.layers[t]
        for t in SPATIAL_ORDER
        if t in pkg.layers and pkg.layers[t].is_spatial
    ]
    spatial += [
        layer
        for t, layer in sorted(pkg.layers.items())
        if layer.is_spatial and t not in SPATIAL_ORDER
    ]
    tables = [
        pkg.layers[t]
        for t in TABLE_ORDER
        if t in pkg.layers and not pkg.layers[t].is_spatial
    ]
    lps = pkg.layers["lps"]
    srs = pkg.srs.get(int(lps.srs_id or 0))

    root = _el(None, "qgis", {"version": "3.22.0", "projectname": title})
    _el(root, "homePath", {"path": ""})
    _el(root, "title", text=title)
    _srs_xml(_el(root, "projectCrs"), srs)

    tree = _el(root, "layer-tree-group")
    for layer in spatial:
        _layer_tree_layer(tree, pkg, layer, names[layer.table])
    if tables:
        group = _el(
            tree,
            "layer-tree-group",
            {"name": text["tables"], "checked": "Qt::Checked", "expanded": "0"},
        )
        for layer in tables:
            _layer_tree_layer(group, pkg, layer, names[layer.table])

    # the canvas opens on the whole study area
    ref = pkg.layers.get("municipalities", lps)
    canvas = _el(root, "mapcanvas", {"name": "theMapCanvas", "annotationsVisible": "1"})
    _el(canvas, "units", text="meters")
    extent = _el(canvas, "extent")
    for key, value in zip(
        ("xmin", "ymin", "xmax", "ymax"),
        _fit_extent(ref.extent, 4, 3, 0.02),
        strict=True,
    ):
        _el(extent, key, text=repr(value))
    _el(canvas, "rotation", text="0")
    _srs_xml(_el(canvas, "destinationsrs"), srs)

    layers_el = _el(root, "projectlayers")
    for layer in spatial + tables:
        _maplayer(layers_el, pkg, layer, names[layer.table])
    order = _el(root, "layerorder")
    for layer in spatial + tables:
        _el(order, "layer", {"id": layer.layer_id})

    props = _el(root, "properties")
    paths = _el(props, "Paths")
    _el(paths, "Absolute", {"type": "bool"}, text="false")
    ref_sys = _el(props, "SpatialRefSys")
    _el(ref_sys, "ProjectionsEnabled", {"type": "int"}, text="1")

    presets = _el(root, "visibility-presets")
    atlas_styles = {layer.layer_id: layer.style_name for layer in spatial}
    locator_styles = {lps.layer_id: lps.style_name}
    if "municipalities" in pkg.layers:
        mid = pkg.layers["municipalities"].layer_id
        atlas_styles[mid] = ATLAS_THEME
        locator_styles[mid] = LOCATOR_THEME
    _theme(presets, ATLAS_THEME, atlas_styles)
    _theme(presets, LOCATOR_THEME, locator_styles)

    metadata = _el(root, "projectMetadata")
    _el(metadata, "title", text=title)
    _el(metadata, "language", text=lang)
    _el(
        metadata,
        "abstract",
        text=(
            "Local production systems identified and classified with lps_geo after "
            "Suzigan, Furtado & Garcia (2006)."
        ),
    )

    layouts = _el(root, "Layouts")
    _layout(layouts, pkg, spatial, names, lang)

    ET.indent(root, space=" ")
    return _QML_DOCTYPE + "\n" + ET.tostring(root, encoding="unicode") + "\n"


def _encode(xml: str, project_name: str) -> str:
    """Zip the XML as a ``.qgz`` and hex-encode it, as QGIS stores ``content``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(f"{project_name}.qgs", date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, xml.encode("utf-8"))
    return buffer.getvalue().hex()


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no user database
        return "lps_geo"


def write_qgis_project(
    gpkg_path: str | os.PathLike,
    project_name: str = "lps_geo",
    title: str | None = None,
    lang: Lang = "en",
    *,
    file_name: str | None = None,
) -> None:
    """Store a QGIS project with a per-LPS print atlas inside a result GeoPackage.

    The project shows the feature layers top to bottom as support
    institutions, local production systems (LPS, Suzigan, Furtado & Garcia
    2006), analysis regions and municipalities, each with the default style
    found in ``layer_styles`` (write the styles first), the attribute tables
    in a collapsed group, CRS of the ``lps`` layer (EPSG:5880 for lps_geo
    results). Its A4 landscape print layout ``"LPS atlas"`` has one page per
    LPS, sorted by type (center, advanced vector, local vector, embryo) and
    then by size: title ``name — title``, a map zoomed to the LPS (10 %
    margin) with its member municipalities labelled, legend, scale bar,
    north arrow, locator map, the LPS's type, number of municipalities,
    employment, location quotient and share of the industry, a source and
    page note. Print it in QGIS (``Layout > Atlas > Export Atlas as PDF``) or
    with ``qgis_process run native:atlaslayouttopdf --PROJECT_PATH=
    'geopackage:<file>?projectName=<project_name>' --LAYOUT='LPS atlas'``.

    The project is generated without QGIS and stored like QGIS does: row
    ``project_name`` of table ``qgis_projects`` (created if missing, an
    existing project of that name is replaced, others are kept), ``content``
    = the ``.qgz`` ZIP archive as hex text, ``metadata`` = JSON with the
    modification time and user. The table is declared in ``gpkg_extensions``
    (not in ``gpkg_contents``, so it is no data layer). Layer paths are
    relative to the GeoPackage: move it freely, but do not rename it.

    Parameters
    ----------
    gpkg_path
        A GeoPackage written by :func:`lps_geo.export.write_geopackage`;
        modified in place.
    project_name
        Name of the project inside the GeoPackage (QGIS URI
        ``geopackage:<path>?projectName=<project_name>``).
    title
        Project title; default "Local production systems" in ``lang``.
    lang
        Language of layer names and layout texts: ``"en"`` or ``"pt"``.
    file_name
        The name the GeoPackage will have when it is opened, if it differs
        from ``gpkg_path``'s: pass the final name when writing into a
        temporary file that is renamed afterwards (as
        :func:`lps_geo.export.atomic_path` does), since the layer paths are
        ``./<file_name>|layername=<table>``.

    Raises
    ------
    InputError
        The file is missing, not a GeoPackage, has no ``lps`` feature layer,
        ``project_name`` is empty or ``file_name`` is not a bare file name.

    Examples
    --------
    >>> import sqlite3, tempfile
    >>> from pathlib import Path
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import box
    >>> from lps_geo.export import write_geopackage
    >>> from lps_geo.result import Result
    >>> mun = gpd.GeoDataFrame({"name": ["A"]}, geometry=[box(0, 0, 1e4, 1e4)],
    ...     index=pd.Index(["1900001"], name="region"), crs="EPSG:5880")
    >>> lps = gpd.GeoDataFrame({"lps_id": ["15.3@1900001"], "lps_type": ["embryo"]},
    ...     geometry=[box(0, 0, 1e4, 1e4)], crs="EPSG:5880")
    >>> result = Result(mun, pd.DataFrame({"region": ["1900001"], "ql": [2.0]}),
    ...     pd.DataFrame({"industry": ["15.3"]}), lps,
    ...     pd.DataFrame({"lps_id": ["15.3@1900001"], "region": ["1900001"]}),
    ...     metadata={"seed": 1}, report={})
    >>> path = write_geopackage(result, Path(tempfile.mkdtemp()) / "run.gpkg",
    ...                         styled=False)
    >>> write_qgis_project(path)
    >>> with sqlite3.connect(path) as con:
    ...     con.execute("SELECT name, substr(content, 1, 8) FROM qgis_projects"
    ...                 ).fetchall()
    [('lps_geo', '504b0304')]
    >>> read_qgis_project(path).startswith("<!DOCTYPE qgis")
    True
    """
    if not project_name:
        raise InputError("project_name must not be empty; QGIS needs a project name")
    xml = qgis_project_xml(gpkg_path, title=title, lang=lang, file_name=file_name)
    content = _encode(xml, project_name)
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    metadata = json.dumps({"last_modified_time": now, "last_modified_user": _user()})
    con = sqlite3.connect(gpkg_path)
    try:
        with con:
            con.execute(
                "CREATE TABLE IF NOT EXISTS qgis_projects("
                "name TEXT PRIMARY KEY, metadata BLOB, content BLOB)"
            )
            con.execute(
                "INSERT OR REPLACE INTO qgis_projects (name, metadata, content) "
                "VALUES (?, ?, ?)",
                (project_name, metadata, content),
            )
            _register_extension(con)
    finally:
        con.close()
    logger.info(
        "stored QGIS project %r (layout %r) in %s",
        project_name,
        LAYOUT_NAME,
        gpkg_path,
    )


def _register_extension(con: sqlite3.Connection) -> None:
    """Declare ``qgis_projects`` in ``gpkg_extensions`` (once)."""
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS gpkg_extensions (
          table_name TEXT,
          column_name TEXT,
          extension_name TEXT NOT NULL,
          definition TEXT NOT NULL,
          scope TEXT NOT NULL,
          CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name)
        )
        """
    )
    exists = con.execute(
        "SELECT 1 FROM gpkg_extensions WHERE table_name = 'qgis_projects' "
        "AND extension_name = ?",
        (EXTENSION_NAME,),
    ).fetchone()
    if exists is None:
        con.execute(
            "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, "
            "definition, scope) VALUES ('qgis_projects', NULL, ?, ?, 'read-write')",
            (EXTENSION_NAME, EXTENSION_DEFINITION),
        )


def read_qgis_project(
    gpkg_path: str | os.PathLike, project_name: str = "lps_geo"
) -> str:
    """The XML of a QGIS project stored in a GeoPackage (by QGIS or lps_geo).

    Decodes the ``content`` of row ``project_name`` of ``qgis_projects``
    (hex text of a ``.qgz`` ZIP archive) and returns its ``.qgs`` document.

    Raises
    ------
    InputError
        The GeoPackage has no such project.

    Examples
    --------
    See :func:`write_qgis_project`.
    """
    path = Path(gpkg_path)
    if not path.is_file():
        raise InputError(f"GeoPackage {path} not found")
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = (
            con.execute(
                "SELECT content FROM qgis_projects WHERE name = ?", (project_name,)
            ).fetchone()
            if _table_exists(con, "qgis_projects")
            else None
        )
    finally:
        con.close()
    if row is None:
        raise InputError(
            f"{path} holds no QGIS project named {project_name!r}; write one with "
            "lps_geo.export.write_qgis_project"
        )
    content = row[0]
    data = bytes.fromhex(
        content.decode("ascii") if isinstance(content, bytes) else content
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        member = next(n for n in archive.namelist() if n.endswith(".qgs"))
        return archive.read(member).decode("utf-8")
