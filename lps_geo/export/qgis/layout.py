"""The print layout of the QGIS project: one A4 landscape atlas page per LPS.

The layout ``"LPS atlas"`` prints one page per local production system (LPS)
identified with the method of Suzigan, Furtado & Garcia (2006): the LPS on a
map zoomed to it with its member municipalities named (map theme
:data:`ATLAS_THEME`), a legend, scale bar, north arrow and locator map
(:data:`LOCATOR_THEME`), and a block with the LPS's type, size, location
quotient and share of its industry. The atlas iterates over the ``lps`` layer
sorted by type, then size (:func:`atlas_settings`).
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping

from lps_geo.export.qgis.package import Layer, Package, Srs, layer_tree_layer, srs_xml
from lps_geo.export.qgis.qml import FONT, element, fill_symbol, qgis_rgba, xml_value
from lps_geo.vocab import TYPES

#: Name of the print layout holding the atlas.
LAYOUT_NAME = "LPS atlas"

#: Map theme used by the atlas map (and the locator map, ``"LPS locator"``).
ATLAS_THEME = "LPS atlas"
LOCATOR_THEME = "LPS locator"

# A4 landscape, millimetres.
_PAGE_W, _PAGE_H = 297.0, 210.0
_MARGIN = 10.0

#: Atlas file names (one file per page when exported as images): lps_<lps_id>.
_FILENAME_PATTERN = "'lps_' || regexp_replace(\"lps_id\", '[^A-Za-z0-9_.-]', '_')"


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
        "position": f"{xml_value(x)},{xml_value(y)},mm",
        "positionOnPage": f"{xml_value(x)},{xml_value(y)},mm",
        "size": f"{xml_value(w)},{xml_value(h)},mm",
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
    elem = element(parent, "LayoutItem", base)
    element(elem, "FrameColor", {"red": 0, "green": 0, "blue": 0, "alpha": 255})
    element(
        elem, "BackgroundColor", {"red": 255, "green": 255, "blue": 255, "alpha": 255}
    )
    return elem


def _font(size: float, bold: bool = False) -> str:
    """Qt font description: family, point size, pixel size, hint, weight, ..."""
    return f"{FONT},{xml_value(size)},-1,5,{75 if bold else 50},0,0,0,0,0"


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
    element(elem, "LabelFont", {"description": _font(size, bold), "style": ""})
    r, g, b = color.split(",")
    element(elem, "FontColor", {"red": r, "green": g, "blue": b, "alpha": 255})


def fit_extent(
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
    srs: Srs | None,
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
    element(
        elem,
        "Extent",
        {
            "xmin": repr(xmin),
            "ymin": repr(ymin),
            "xmax": repr(xmax),
            "ymax": repr(ymax),
        },
    )
    srs_xml(element(elem, "crs"), srs)
    element(elem, "LayerSet")
    # scalingMode 2 = Auto: fit the atlas feature with a margin of 10 %
    element(
        elem,
        "AtlasMap",
        {"atlasDriven": atlas_driven, "scalingMode": "2", "margin": "0.1"},
    )
    element(elem, "labelBlockingItems")
    return elem


def print_layout(
    parent: ET.Element,
    pkg: Package,
    spatial: list[Layer],
    names: dict[str, str],
    text: Mapping[str, str],
) -> None:
    """The layout ``LAYOUT_NAME`` with its atlas, in ``text``'s language.

    ``spatial``: the feature layers of the legend, top to bottom; ``names``:
    display name per table; ``text``: the project's texts in one language.
    """
    lps = pkg.layers["lps"]
    srs = pkg.srs.get(int(lps.srs_id or 0))
    layout = element(
        parent,
        "Layout",
        {
            "name": LAYOUT_NAME,
            "units": "mm",
            "printResolution": "300",
            "worldFileMap": "",
        },
    )
    pages = element(layout, "PageCollection")
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
    element(pages, "GuideCollection", {"visible": "1"})

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
        fit_extent(lps.extent or ref.extent, map_box[2], map_box[3], 0.05),
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
    element(
        scalebar,
        "text-style",
        {
            "fontFamily": FONT,
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
    styles = element(legend, "styles")
    for style_name, size, bold, margin in (
        ("title", 10, True, {"marginBottom": "2"}),
        ("group", 9, True, {"marginTop": "2"}),
        ("subgroup", 8, True, {"marginTop": "1.5"}),
        ("symbol", 7.5, False, {"marginTop": "1"}),
        ("symbolLabel", 7.5, False, {"marginTop": "1", "marginLeft": "1.5"}),
    ):
        style = element(
            styles,
            "style",
            {"name": style_name, "alignment": "1", "indent": "0", **margin},
        )
        element(style, "styleFont", {"description": _font(size, bold), "style": ""})
    tree = element(legend, "layer-tree-group")
    for layer in spatial:
        layer_tree_layer(tree, pkg, layer, names[layer.table])

    # locator: the whole study area with the main map's extent framed
    loc_box = (right_x, 144.0, right_w, 46.0)
    locator = _map_item(
        layout,
        "locator",
        loc_box,
        2,
        fit_extent(ref.extent, loc_box[2], loc_box[3], 0.02),
        srs,
        LOCATOR_THEME,
        atlas_driven=False,
    )
    overview = element(
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
    fill_symbol(overview, "", qgis_rgba("#e31a1c", 40), qgis_rgba("#e31a1c"), 0.4)

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

    element(layout, "Atlas", atlas_settings(pkg, names["lps"]))


def atlas_settings(pkg: Package, layer_name: str) -> dict[str, object]:
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
