"""QML, the XML of QGIS styles: colours, symbols and renderers of vector layers.

The categorized renderer behind every layer style of
:mod:`lps_geo.export.qgis.styles` (:func:`categorized_qml`, one symbol per
category, as QGIS 3.22 writes it) and the plain single-symbol renderers and
labelling the QGIS project uses (:func:`single_renderer`, :func:`labeling`).
Colours are ``#rrggbb`` strings from :mod:`lps_geo.symbology`, written as
QGIS's ``"r,g,b,a"``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lps_geo.errors import ConfigError
from lps_geo.symbology import EDGE_COLOR
from lps_geo.vocab import GeometryKind

#: One category of a categorized renderer: attribute value, ``#rrggbb`` colour
#: (from :mod:`lps_geo.symbology`) and legend label.
Category = tuple[Any, str, str]

#: QGIS version written in the QML documents (the LTR the styles are tested on).
QGIS_VERSION = "3.22.16-Białowieża"

#: Document type line of QGIS style and project files.
QML_DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"

#: Font family of labels and layout texts.
FONT = "Sans Serif"

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


# ------------------------------------------------------------------ XML values


def element(
    parent: ET.Element | None,
    tag: str,
    attrib: dict[str, object] | None = None,
    text: str | None = None,
) -> ET.Element:
    """A new element (a child of ``parent`` when given), attributes as QGIS writes.

    >>> ET.tostring(element(None, "extent", {"xmin": 0.5, "on": True}, "x"))
    b'<extent xmin="0.5" on="1">x</extent>'
    """
    attrs = {k: xml_value(v) for k, v in (attrib or {}).items()}
    elem = (
        ET.Element(tag, attrs) if parent is None else ET.SubElement(parent, tag, attrs)
    )
    if text is not None:
        elem.text = text
    return elem


def xml_value(value: object) -> str:
    """An attribute value: booleans as 1/0, floats without trailing zeros.

    >>> xml_value(True), xml_value(2.0), xml_value(0.15)
    ('1', '2', '0.15')
    """
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return (
            f"{value:.6f}".rstrip("0").rstrip(".")
            if value != int(value)
            else str(int(value))
        )
    return str(value)


# --------------------------------------------------------------------- colours


def _rgb(color: str) -> tuple[int, int, int]:
    if not isinstance(color, str) or not _HEX.match(color):
        raise ConfigError(
            f"colour must be '#rrggbb' (see lps_geo.symbology), got {color!r}"
        )
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def darker(color: str, factor: float = 0.6) -> str:
    """A darker shade of ``color`` (each channel times ``factor``), for outlines.

    Examples
    --------
    >>> darker("#7b3294")
    '#4a1e59'
    """
    return "#" + "".join(f"{round(c * factor):02x}" for c in _rgb(color))


def qgis_color(color: str, opacity: float = 1.0) -> str:
    """``#rrggbb`` and opacity as QGIS writes colours: ``"r,g,b,a"``."""
    r, g, b = _rgb(color)
    return f"{r},{g},{b},{round(opacity * 255)}"


def qgis_rgba(color: str, alpha: int = 255) -> str:
    """``#rrggbb`` and an alpha of 0-255 as QGIS writes colours: ``"r,g,b,a"``.

    >>> qgis_rgba("#9e9e9e")
    '158,158,158,255'
    """
    r, g, b = _rgb(color)
    return f"{r},{g},{b},{alpha}"


# ------------------------------------------------------------------------ QML


@dataclass(frozen=True)
class SymbolSpec:
    """How one category is drawn, in both QML and SLD."""

    geometry: GeometryKind
    fill: str
    outline: str
    fill_opacity: float
    outline_width: float  # mm
    size: float  # mm, markers only
    #: QGIS brush style of polygon fills: "solid", or "b_diagonal" (hatched
    #: lines in the fill colour, no fill)
    brush: str = "solid"


def symbol_spec(
    color: str, geometry: GeometryKind, fill_opacity: float, outline: str | None
) -> SymbolSpec:
    if geometry == "polygon":
        return SymbolSpec(
            geometry,
            color,
            outline or darker(color),
            fill_opacity,
            outline_width=0.26 if outline is None else 0.1,
            size=0.0,
        )
    return SymbolSpec(
        geometry, color, outline or darker(color), fill_opacity, 0.2, size=2.6
    )


def _fill_props(s: SymbolSpec) -> dict[str, str]:
    return {
        "border_width_map_unit_scale": "3x:0,0,0,0,0,0",
        "color": qgis_color(s.fill, s.fill_opacity),
        "joinstyle": "bevel",
        "offset": "0,0",
        "offset_map_unit_scale": "3x:0,0,0,0,0,0",
        "offset_unit": "MM",
        "outline_color": qgis_color(s.outline),
        "outline_style": "solid",
        "outline_width": f"{s.outline_width:g}",
        "outline_width_unit": "MM",
        "style": s.brush,
    }


def _marker_props(s: SymbolSpec) -> dict[str, str]:
    return {
        "angle": "0",
        "cap_style": "square",
        "color": qgis_color(s.fill, s.fill_opacity),
        "horizontal_anchor_point": "1",
        "joinstyle": "bevel",
        "name": "circle",
        "offset": "0,0",
        "offset_map_unit_scale": "3x:0,0,0,0,0,0",
        "offset_unit": "MM",
        "outline_color": qgis_color(s.outline),
        "outline_style": "solid",
        "outline_width": f"{s.outline_width:g}",
        "outline_width_map_unit_scale": "3x:0,0,0,0,0,0",
        "outline_width_unit": "MM",
        "scale_method": "diameter",
        "size": f"{s.size:g}",
        "size_map_unit_scale": "3x:0,0,0,0,0,0",
        "size_unit": "MM",
        "vertical_anchor_point": "1",
    }


def _data_defined(parent: ET.Element) -> None:
    ddp = ET.SubElement(parent, "data_defined_properties")
    opt = ET.SubElement(ddp, "Option", type="Map")
    ET.SubElement(opt, "Option", type="QString", name="name", value="")
    ET.SubElement(opt, "Option", name="properties")
    ET.SubElement(opt, "Option", type="QString", name="type", value="collection")


def _category_symbol(parent: ET.Element, name: str, s: SymbolSpec) -> None:
    """A QGIS 3.22 symbol with one simple layer, properties in both forms."""
    symbol = ET.SubElement(
        parent,
        "symbol",
        force_rhr="0",
        alpha="1",
        clip_to_extent="1",
        type="fill" if s.geometry == "polygon" else "marker",
        name=name,
    )
    _data_defined(symbol)
    layer = ET.SubElement(
        symbol,
        "layer",
        {"pass": "0", "enabled": "1", "locked": "0"},
        **{"class": "SimpleFill" if s.geometry == "polygon" else "SimpleMarker"},
    )
    props = _fill_props(s) if s.geometry == "polygon" else _marker_props(s)
    options = ET.SubElement(layer, "Option", type="Map")
    for key, value in props.items():
        ET.SubElement(options, "Option", type="QString", name=key, value=value)
    for key, value in props.items():  # pre-3.20 form, still written by 3.22
        ET.SubElement(layer, "prop", k=key, v=value)
    _data_defined(layer)


def categorized_qml(
    field: str,
    categories: Sequence[Category],
    specs: Sequence[SymbolSpec],
    other: tuple[SymbolSpec, str] | None,
    geometry: GeometryKind,
) -> str:
    root = ET.Element(
        "qgis",
        {
            "version": QGIS_VERSION,
            "styleCategories": "AllStyleCategories",
            "hasScaleBasedVisibilityFlag": "0",
            "maxScale": "0",
            "minScale": "100000000",
            "readOnly": "0",
            "labelsEnabled": "0",
            "simplifyAlgorithm": "0",
            "simplifyDrawingHints": "1" if geometry == "polygon" else "0",
            "simplifyDrawingTol": "1",
            "simplifyLocal": "1",
            "simplifyMaxScale": "1",
            "symbologyReferenceScale": "-1",
        },
    )
    flags = ET.SubElement(root, "flags")
    for flag, value in (
        ("Identifiable", "1"),
        ("Removable", "1"),
        ("Searchable", "1"),
        ("Private", "0"),
    ):
        ET.SubElement(flags, flag).text = value
    renderer = ET.SubElement(
        root,
        "renderer-v2",
        type="categorizedSymbol",
        attr=field,
        enableorderby="0",
        forceraster="0",
        symbollevels="0",
        referencescale="-1",
    )
    cats = ET.SubElement(renderer, "categories")
    symbols = ET.SubElement(renderer, "symbols")
    entries = [
        (str(value), label, spec)
        for (value, _, label), spec in zip(categories, specs, strict=True)
    ]
    if other is not None:
        # QGIS: the category with an empty value takes "all other values",
        # nulls included.
        entries.append(("", other[1], other[0]))
    for i, (value, label, spec) in enumerate(entries):
        ET.SubElement(
            cats, "category", symbol=str(i), value=value, label=label, render="true"
        )
        _category_symbol(symbols, str(i), spec)
    ET.SubElement(renderer, "rotation")
    ET.SubElement(renderer, "sizescale")
    custom = ET.SubElement(root, "customproperties")
    ET.SubElement(custom, "Option")
    ET.SubElement(root, "blendMode").text = "0"
    ET.SubElement(root, "featureBlendMode").text = "0"
    ET.SubElement(root, "layerOpacity").text = "1"
    ET.SubElement(root, "legend", type="default-vector", showLabelLegend="0")
    ET.SubElement(root, "layerGeometryType").text = (
        "2" if geometry == "polygon" else "0"
    )
    ET.indent(root, space=" ")
    return QML_DOCTYPE + "\n" + ET.tostring(root, encoding="unicode") + "\n"


# ---------------------------------------------------------- plain renderers


def _options(parent: ET.Element, props: dict[str, str]) -> None:
    """Symbol-layer properties, in both forms QGIS 3.x reads."""
    opt = element(parent, "Option", {"type": "Map"})
    for key, value in props.items():
        element(opt, "Option", {"type": "QString", "name": key, "value": value})
    for key, value in props.items():
        element(parent, "prop", {"k": key, "v": value})


_SYMBOL_LAYER_CLASS = {
    "fill": "SimpleFill",
    "marker": "SimpleMarker",
    "line": "SimpleLine",
}


def _simple_symbol(
    parent: ET.Element, kind: str, name: str, props: dict[str, str]
) -> None:
    """A one-layer symbol (``kind`` fill, marker or line) with its properties."""
    sym = element(
        parent,
        "symbol",
        {"type": kind, "name": name, "alpha": "1", "clip_to_extent": "1"},
    )
    layer_attrib = {"class": _SYMBOL_LAYER_CLASS[kind], "enabled": "1", "pass": "0"}
    _options(element(sym, "layer", layer_attrib), props)


def fill_symbol(
    parent: ET.Element, name: str, fill: str, outline: str, width: float
) -> None:
    props = {
        "color": fill,
        "style": "solid",
        "outline_color": outline,
        "outline_style": "solid",
        "outline_width": xml_value(width),
        "outline_width_unit": "MM",
        "joinstyle": "bevel",
    }
    _simple_symbol(parent, "fill", name, props)


def single_renderer(
    parent: ET.Element,
    geometry_type: str | None,
    fill: str = "255,255,255,0",
    outline: str = qgis_rgba(EDGE_COLOR),
    width: float = 0.2,
) -> None:
    """A single-symbol renderer (circle markers, lines or filled polygons)."""
    rend = element(
        parent,
        "renderer-v2",
        {"type": "singleSymbol", "symbollevels": "0", "enableorderby": "0"},
    )
    symbols = element(rend, "symbols")
    kind = geometry_kind(geometry_type)
    if kind == "Point":
        marker = {"name": "circle", "color": fill, "outline_color": "255,255,255,255",
                  "outline_width": "0.2", "size": "2.2"}  # fmt: skip
        _simple_symbol(symbols, "marker", "0", marker)
    elif kind == "Line":
        line = {"line_color": outline, "line_width": xml_value(width)}
        _simple_symbol(symbols, "line", "0", line)
    else:
        fill_symbol(symbols, "0", fill, outline, width)


def geometry_kind(geometry_type: str | None) -> str:
    """QGIS's ``geometry`` attribute: Point, Line, Polygon or No geometry."""
    if geometry_type is None:
        return "No geometry"
    g = geometry_type.upper()
    if "POINT" in g:
        return "Point"
    if "LINE" in g or ("CURVE" in g and "POLYGON" not in g):
        return "Line"
    return "Polygon"


def labeling(parent: ET.Element, expression: str) -> None:
    """Simple labelling with an expression; NULL results draw no label."""
    labeling = element(parent, "labeling", {"type": "simple"})
    settings = element(labeling, "settings", {"calloutType": "simple"})
    text = element(
        settings,
        "text-style",
        {
            "fieldName": expression,
            "isExpression": "1",
            "fontFamily": FONT,
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
    element(
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
    element(
        settings,
        "text-format",
        {"wrapChar": "", "autoWrapLength": "18", "multilineAlign": "3"},
    )
    # placement 1 = OverPoint (at the polygon's centroid), inside the polygon
    element(
        settings,
        "placement",
        {
            "placement": "1",
            "centroidInside": "1",
            "centroidWhole": "0",
            "fitInPolygonOnly": "0",
        },
    )
    element(
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
