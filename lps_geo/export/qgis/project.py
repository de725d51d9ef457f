"""A QGIS project stored inside the result GeoPackage, with a print atlas per LPS.

A planner opens one file: QGIS lists the project under the GeoPackage in its
browser (or ``Project > Open From > GeoPackage``), the layers come in a sensible
order (support institutions on top of the local production systems, on top of
the municipalities; the attribute tables in a collapsed group at the bottom),
and the print layout ``"LPS atlas"`` prints one A4 landscape page per local
production system (LPS) identified with the method of Suzigan, Furtado &
Garcia (2006): the LPS on a map zoomed to it with its member municipalities
named, a legend, scale bar, north arrow and locator map, and a block with the
LPS's type, size, location quotient and share of its industry (the layout is
built by :mod:`lps_geo.export.qgis.layout`).

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
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from lps_geo.errors import InputError
from lps_geo.export.qgis.layout import (
    ATLAS_THEME,
    LAYOUT_NAME,
    LOCATOR_THEME,
    fit_extent,
    print_layout,
)
from lps_geo.export.qgis.package import (
    Layer,
    Package,
    inspect_package,
    layer_tree_layer,
    srs_xml,
    table_exists,
)
from lps_geo.export.qgis.qml import (
    QML_DOCTYPE,
    element,
    geometry_kind,
    labeling,
    qgis_rgba,
    single_renderer,
)
from lps_geo.symbology import EDGE_COLOR, LPS_EDGE, TYPE_COLORS
from lps_geo.vocab import TYPES, Lang

logger = logging.getLogger(__name__)

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
    "lps_structure",
    "lps_workers",
    "lps_innovation",
    "lps_related",
    "lps_suppliers",
    "relatedness",
    "lps_capability",
    "run_metadata",
)

#: Texts of the project and its print layout, per language.
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


# ------------------------------------------------------------------- map layers


def _style_children(qml: str) -> tuple[dict[str, str], list[ET.Element]]:
    """Root attributes and child elements of a QML style document."""
    root = ET.fromstring(qml)
    attrib = {k: v for k, v in root.attrib.items() if k != "version"}
    return attrib, list(root)


def _fallback_style(layer: Layer) -> tuple[dict[str, str], list[ET.Element]]:
    """A plain style for a layer without a default style in ``layer_styles``."""
    holder = element(None, "qgis")
    if layer.is_spatial:
        if layer.table == "lps":
            fill = qgis_rgba(TYPE_COLORS[TYPES[0]], 150)
            single_renderer(holder, layer.geometry_type, fill, qgis_rgba(LPS_EDGE), 0.4)
        elif geometry_kind(layer.geometry_type) == "Point":
            single_renderer(holder, layer.geometry_type, fill=qgis_rgba("#636363"))
        else:
            single_renderer(holder, layer.geometry_type)
    return {"labelsEnabled": "0"}, list(holder)


def _named_style(
    parent: ET.Element, name: str, attrib: dict[str, str], children: list[ET.Element]
) -> None:
    """A ``<map-layer-style name=...>`` holding a full style document."""
    holder = element(parent, "map-layer-style", {"name": name})
    doc = element(holder, "qgis", {"version": "3.22.0", **attrib})
    doc.extend(children)


def _municipality_styles(layer: Layer) -> dict[str, tuple[dict[str, str], list]]:
    """Extra named styles of the municipalities for the atlas and locator maps."""
    key = "unit" if "unit" in layer.columns else "region"
    # members of the current atlas LPS: its ``members`` text (comma separated,
    # or a JSON list) split into codes; non-members get NULL, i.e. no label
    members = (
        "string_to_array(regexp_replace(attribute(@atlas_feature, 'members'), "
        "'[\\\\[\\\\]\" ]', ''), ',')"
    )
    expression = f'if(array_contains({members}, to_string("{key}")), "name", NULL)'
    atlas = element(None, "qgis")
    single_renderer(
        atlas, layer.geometry_type, qgis_rgba("#f4f4f4"), qgis_rgba(EDGE_COLOR), 0.15
    )
    if "name" in layer.columns:
        labeling(atlas, expression)
    locator = element(None, "qgis")
    single_renderer(
        locator, layer.geometry_type, qgis_rgba("#f4f4f4"), qgis_rgba("#d9d9d9"), 0.05
    )
    return {
        ATLAS_THEME: (
            {"labelsEnabled": "1" if "name" in layer.columns else "0"},
            list(atlas),
        ),
        LOCATOR_THEME: ({"labelsEnabled": "0"}, list(locator)),
    }


def _maplayer(
    parent: ET.Element, pkg: Package, layer: Layer, display_name: str
) -> None:
    source = pkg.source(layer.table)
    attrs: dict[str, object] = {"type": "vector"}
    if layer.is_spatial:
        attrs["geometry"] = geometry_kind(layer.geometry_type)
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
    ml = element(parent, "maplayer", {**style_attrib, **attrs})
    element(ml, "id", text=layer.layer_id)
    element(ml, "datasource", text=source)
    element(ml, "layername", text=display_name)
    if layer.is_spatial:
        srs_xml(element(ml, "srs"), pkg.srs.get(int(layer.srs_id or 0)))
    element(ml, "provider", {"encoding": "UTF-8"}, text="ogr")
    # the current style is the layer's own content; the others are alternatives
    # the user picks in QGIS (Layer Properties > Style), and the atlas themes
    manager = element(ml, "map-layer-style-manager", {"current": layer.style_name})
    element(manager, "map-layer-style", {"name": layer.style_name})
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


# ------------------------------------------------------------------- project


def _theme(parent: ET.Element, name: str, visible: dict[str, str]) -> None:
    """A map theme: ``visible`` maps layer ids to the named style to use."""
    preset = element(parent, "visibility-preset", {"name": name})
    for layer_id, style in visible.items():
        element(preset, "layer", {"id": layer_id, "visible": "1", "style": style})


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
    >>> from lps_geo.result import Result, RunMetadata, RunReport
    >>> mun = gpd.GeoDataFrame({"name": ["A", "B"]},
    ...     geometry=[box(0, 0, 1e4, 1e4), box(1e4, 0, 2e4, 1e4)],
    ...     index=pd.Index(["1900001", "1900002"], name="region"), crs="EPSG:5880")
    >>> lps = gpd.GeoDataFrame({"lps_id": ["15.3@1900001"], "industry": ["15.3"],
    ...     "lps_type": ["embryo"]}, geometry=[box(0, 0, 1e4, 1e4)], crs="EPSG:5880")
    >>> result = Result(mun, pd.DataFrame({"region": ["1900001"], "ql": [2.0]}),
    ...     pd.DataFrame({"industry": ["15.3"]}), lps,
    ...     pd.DataFrame({"lps_id": ["15.3@1900001"], "region": ["1900001"]}),
    ...     metadata=RunMetadata(seed=1), report=RunReport.from_dict({}))
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
    pkg = inspect_package(path)
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

    root = element(None, "qgis", {"version": "3.22.0", "projectname": title})
    element(root, "homePath", {"path": ""})
    element(root, "title", text=title)
    srs_xml(element(root, "projectCrs"), srs)

    tree = element(root, "layer-tree-group")
    for layer in spatial:
        layer_tree_layer(tree, pkg, layer, names[layer.table])
    if tables:
        group = element(
            tree,
            "layer-tree-group",
            {"name": text["tables"], "checked": "Qt::Checked", "expanded": "0"},
        )
        for layer in tables:
            layer_tree_layer(group, pkg, layer, names[layer.table])

    # the canvas opens on the whole study area
    ref = pkg.layers.get("municipalities", lps)
    canvas = element(
        root, "mapcanvas", {"name": "theMapCanvas", "annotationsVisible": "1"}
    )
    element(canvas, "units", text="meters")
    extent = element(canvas, "extent")
    for key, value in zip(
        ("xmin", "ymin", "xmax", "ymax"),
        fit_extent(ref.extent, 4, 3, 0.02),
        strict=True,
    ):
        element(extent, key, text=repr(value))
    element(canvas, "rotation", text="0")
    srs_xml(element(canvas, "destinationsrs"), srs)

    layers_el = element(root, "projectlayers")
    for layer in spatial + tables:
        _maplayer(layers_el, pkg, layer, names[layer.table])
    order = element(root, "layerorder")
    for layer in spatial + tables:
        element(order, "layer", {"id": layer.layer_id})

    props = element(root, "properties")
    paths = element(props, "Paths")
    element(paths, "Absolute", {"type": "bool"}, text="false")
    ref_sys = element(props, "SpatialRefSys")
    element(ref_sys, "ProjectionsEnabled", {"type": "int"}, text="1")

    presets = element(root, "visibility-presets")
    atlas_styles = {layer.layer_id: layer.style_name for layer in spatial}
    locator_styles = {lps.layer_id: lps.style_name}
    if "municipalities" in pkg.layers:
        mid = pkg.layers["municipalities"].layer_id
        atlas_styles[mid] = ATLAS_THEME
        locator_styles[mid] = LOCATOR_THEME
    _theme(presets, ATLAS_THEME, atlas_styles)
    _theme(presets, LOCATOR_THEME, locator_styles)

    metadata = element(root, "projectMetadata")
    element(metadata, "title", text=title)
    element(metadata, "language", text=lang)
    element(
        metadata,
        "abstract",
        text=(
            "Local production systems identified and classified with lps_geo after "
            "Suzigan, Furtado & Garcia (2006)."
        ),
    )

    layouts = element(root, "Layouts")
    print_layout(layouts, pkg, spatial, names, text)

    ET.indent(root, space=" ")
    return QML_DOCTYPE + "\n" + ET.tostring(root, encoding="unicode") + "\n"


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
    >>> from lps_geo.result import Result, RunMetadata, RunReport
    >>> mun = gpd.GeoDataFrame({"name": ["A"]}, geometry=[box(0, 0, 1e4, 1e4)],
    ...     index=pd.Index(["1900001"], name="region"), crs="EPSG:5880")
    >>> lps = gpd.GeoDataFrame({"lps_id": ["15.3@1900001"], "lps_type": ["embryo"]},
    ...     geometry=[box(0, 0, 1e4, 1e4)], crs="EPSG:5880")
    >>> result = Result(mun, pd.DataFrame({"region": ["1900001"], "ql": [2.0]}),
    ...     pd.DataFrame({"industry": ["15.3"]}), lps,
    ...     pd.DataFrame({"lps_id": ["15.3@1900001"], "region": ["1900001"]}),
    ...     metadata=RunMetadata(seed=1), report=RunReport.from_dict({}))
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
            if table_exists(con, "qgis_projects")
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
