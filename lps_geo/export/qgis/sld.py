"""OGC SLD 1.1 / Symbology Encoding documents of the categorized layer styles.

The copy of each style for clients other than QGIS (GeoServer, ArcGIS Pro's
SLD import, ...): one rule per category with an equality filter, and an
``ElseFilter`` rule for "all other values", drawn from the same
:class:`~lps_geo.export.qgis.qml.SymbolSpec` as the QML document.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from lps_geo.export.qgis.qml import Category, SymbolSpec

_MM_PER_PIXEL = 0.28  # OGC standard rendering pixel, used by SLD sizes

_SLD = "http://www.opengis.net/sld"
_SE = "http://www.opengis.net/se"
_OGC = "http://www.opengis.net/ogc"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"


def _px(mm: float) -> str:
    return f"{mm / _MM_PER_PIXEL:.2g}"


def _svg(parent: ET.Element, name: str, value: str) -> None:
    ET.SubElement(parent, "se:SvgParameter", name=name).text = value


def _sld_symbolizer(rule: ET.Element, s: SymbolSpec) -> None:
    if s.geometry == "polygon":
        sym = ET.SubElement(rule, "se:PolygonSymbolizer")
        holder = sym
    else:
        sym = ET.SubElement(rule, "se:PointSymbolizer")
        graphic = ET.SubElement(sym, "se:Graphic")
        holder = ET.SubElement(graphic, "se:Mark")
        ET.SubElement(holder, "se:WellKnownName").text = "circle"
    fill = ET.SubElement(holder, "se:Fill")
    if s.brush != "solid":  # hatch: a graphic fill of diagonal lines
        g = ET.SubElement(ET.SubElement(fill, "se:GraphicFill"), "se:Graphic")
        mark = ET.SubElement(g, "se:Mark")
        ET.SubElement(mark, "se:WellKnownName").text = "shape://slash"
        line = ET.SubElement(mark, "se:Stroke")
        _svg(line, "stroke", s.fill.lower())
        ET.SubElement(g, "se:Size").text = _px(2.0)
    else:
        _svg(fill, "fill", s.fill.lower())
    if s.fill_opacity < 1 and s.brush == "solid":
        _svg(fill, "fill-opacity", f"{s.fill_opacity:g}")
    stroke = ET.SubElement(holder, "se:Stroke")
    _svg(stroke, "stroke", s.outline.lower())
    _svg(stroke, "stroke-width", _px(s.outline_width))
    _svg(stroke, "stroke-linejoin", "bevel")
    if s.geometry == "point":
        ET.SubElement(graphic, "se:Size").text = _px(s.size)


def categorized_sld(
    layer: str,
    style_name: str,
    field: str,
    categories: Sequence[Category],
    specs: Sequence[SymbolSpec],
    other: tuple[SymbolSpec, str] | None,
) -> str:
    """The SLD of a categorized style: one rule per category, ``other`` last.

    ``specs`` draw ``categories`` one to one; ``other`` is the symbol and label
    of the ``ElseFilter`` rule (None: no such rule).
    """
    # Prefixed names written as is (no global ElementTree namespace registry).
    root = ET.Element(
        "StyledLayerDescriptor",
        {
            "xmlns": _SLD,
            "xmlns:se": _SE,
            "xmlns:ogc": _OGC,
            "xmlns:xsi": _XSI,
            "version": "1.1.0",
            "xsi:schemaLocation": (
                "http://www.opengis.net/sld "
                "http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd"
            ),
        },
    )
    named = ET.SubElement(root, "NamedLayer")
    ET.SubElement(named, "se:Name").text = layer
    user = ET.SubElement(named, "UserStyle")
    ET.SubElement(user, "se:Name").text = style_name
    fts = ET.SubElement(user, "se:FeatureTypeStyle")
    rules: list[tuple[Any, str, SymbolSpec]] = [
        (value, label, spec)
        for (value, _, label), spec in zip(categories, specs, strict=True)
    ]
    for value, label, spec in rules:
        rule = ET.SubElement(fts, "se:Rule")
        ET.SubElement(rule, "se:Name").text = label
        desc = ET.SubElement(rule, "se:Description")
        ET.SubElement(desc, "se:Title").text = label
        flt = ET.SubElement(rule, "ogc:Filter")
        eq = ET.SubElement(flt, "ogc:PropertyIsEqualTo")
        ET.SubElement(eq, "ogc:PropertyName").text = field
        ET.SubElement(eq, "ogc:Literal").text = str(value)
        _sld_symbolizer(rule, spec)
    if other is not None:
        rule = ET.SubElement(fts, "se:Rule")
        ET.SubElement(rule, "se:Name").text = other[1]
        desc = ET.SubElement(rule, "se:Description")
        ET.SubElement(desc, "se:Title").text = other[1]
        ET.SubElement(rule, "se:ElseFilter")
        _sld_symbolizer(rule, other[0])
    ET.indent(root, space=" ")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + ET.tostring(root, encoding="unicode")
        + "\n"
    )
