"""QGIS layer styles stored inside the GeoPackage (``layer_styles`` table).

A planner who opens the result GeoPackage in QGIS should see the layers
already classified the way the static maps and the atlas show them: LPS by
the type of the Suzigan, Furtado & Garcia (2006) typology, municipalities by
the location quotient class of the industry in focus (with the LISA clusters
and the Getis-Ord Gi* bins as alternative styles), support institutions by
type. QGIS reads such styles from the ``layer_styles`` table that it writes
itself when a user saves a style "in the database"; this module writes the same
table, with the same schema and the values QGIS 3.22 needs to apply a row on
opening (empty catalog and schema, the exact table and geometry column names,
a filled ``styleQML``). Each row also carries an OGC SLD 1.1 / SE document for
other clients (GeoServer, ArcGIS Pro's SLD import, ...).

Every style is categorized and built by :func:`categorized_style` from a field,
a list of ``(value, colour, label)`` categories and a geometry kind, so every
layer shares one serializer; colours come only from :mod:`lps_geo.symbology`,
hence a category has the same colour in QGIS, in the static maps and in the
atlas. Outlines are darker shades of the category colour, derived, not new
colours.

The municipal styles read the focus-industry columns (``focus_industry``,
``focus_ql``, ``focus_ql_class``, ``focus_lisa``, ``focus_gi_bin``), which
:func:`add_focus_columns` adds to a :class:`~lps_geo.result.Result` before it
is written.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import pandas as pd

from lps_geo import symbology
from lps_geo.errors import ConfigError, InputError
from lps_geo.method import focus
from lps_geo.symbology import (
    CHANGE_COLORS,
    CHANGE_HATCHED,
    EDGE_COLOR,
    GI_BIN_COLORS,
    INSTITUTION_COLORS,
    LISA_COLORS,
    NO_DATA_COLOR,
    QL_RAMP,
    TYPE_COLORS,
    TYPE_LABELS,
)
from lps_geo.vocab import TYPES

if TYPE_CHECKING:  # pragma: no cover
    from lps_geo.result import Result

logger = logging.getLogger(__name__)

Lang = Literal["pt", "en"]
GeometryKind = Literal["polygon", "point"]

#: One category of a categorized renderer: attribute value, ``#rrggbb`` colour
#: (from :mod:`lps_geo.symbology`) and legend label.
Category = tuple[Any, str, str]

#: QGIS version written in the QML documents (the LTR the styles are tested on).
QGIS_VERSION = "3.22.16-Białowieża"

#: Columns :func:`add_focus_columns` adds to ``municipalities`` and ``regions``.
FOCUS_COLUMNS: tuple[str, ...] = (
    "focus_industry",
    "focus_ql",
    "focus_ql_class",
    "focus_lisa",
    "focus_gi_bin",
)

#: Every ``description`` written by lps_geo starts with this marker, which is
#: how :func:`write_layer_styles` recognises (and replaces) its own rows.
DESCRIPTION_MARKER = "lps_geo:"

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

#: Opacity of the LPS fill: LPS of different industries overlap, as on the
#: all-industries typology map.
LPS_FILL_OPACITY = symbology.OVERLAP_ALPHA

_MM_PER_PIXEL = 0.28  # OGC standard rendering pixel, used by SLD sizes
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class LayerStyle:
    """One row of the ``layer_styles`` table.

    Attributes
    ----------
    table
        Feature table the style applies to (``f_table_name``).
    name
        Style name shown in QGIS's Styles menu (``styleName``, <= 30 chars).
    qml
        QGIS style document (``styleQML``).
    sld
        OGC SLD 1.1 / SE document (``styleSLD``).
    default
        Applied when the layer is opened (``useAsDefault``); one per table.
    description
        Free text; starts with :data:`DESCRIPTION_MARKER`.
    """

    table: str
    name: str
    qml: str
    sld: str
    default: bool = True
    description: str = DESCRIPTION_MARKER

    def __repr__(self) -> str:
        kind = "default" if self.default else "extra"
        return f"<LayerStyle {self.name!r} on {self.table!r} ({kind})>"


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


def _qgis_color(color: str, opacity: float = 1.0) -> str:
    """``#rrggbb`` and opacity as QGIS writes colours: ``"r,g,b,a"``."""
    r, g, b = _rgb(color)
    return f"{r},{g},{b},{round(opacity * 255)}"


# ------------------------------------------------------------------------ QML


@dataclass(frozen=True)
class _SymbolSpec:
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


def _symbol_spec(
    color: str, geometry: GeometryKind, fill_opacity: float, outline: str | None
) -> _SymbolSpec:
    if geometry == "polygon":
        return _SymbolSpec(
            geometry,
            color,
            outline or darker(color),
            fill_opacity,
            outline_width=0.26 if outline is None else 0.1,
            size=0.0,
        )
    return _SymbolSpec(
        geometry, color, outline or darker(color), fill_opacity, 0.2, size=2.6
    )


def _fill_props(s: _SymbolSpec) -> dict[str, str]:
    return {
        "border_width_map_unit_scale": "3x:0,0,0,0,0,0",
        "color": _qgis_color(s.fill, s.fill_opacity),
        "joinstyle": "bevel",
        "offset": "0,0",
        "offset_map_unit_scale": "3x:0,0,0,0,0,0",
        "offset_unit": "MM",
        "outline_color": _qgis_color(s.outline),
        "outline_style": "solid",
        "outline_width": f"{s.outline_width:g}",
        "outline_width_unit": "MM",
        "style": s.brush,
    }


def _marker_props(s: _SymbolSpec) -> dict[str, str]:
    return {
        "angle": "0",
        "cap_style": "square",
        "color": _qgis_color(s.fill, s.fill_opacity),
        "horizontal_anchor_point": "1",
        "joinstyle": "bevel",
        "name": "circle",
        "offset": "0,0",
        "offset_map_unit_scale": "3x:0,0,0,0,0,0",
        "offset_unit": "MM",
        "outline_color": _qgis_color(s.outline),
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


def _qml_symbol(parent: ET.Element, name: str, s: _SymbolSpec) -> None:
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


def _qml(
    field: str,
    categories: Sequence[Category],
    specs: Sequence[_SymbolSpec],
    other: tuple[_SymbolSpec, str] | None,
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
        _qml_symbol(symbols, str(i), spec)
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
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        + ET.tostring(root, encoding="unicode")
        + "\n"
    )


# ------------------------------------------------------------------------ SLD

_SLD = "http://www.opengis.net/sld"
_SE = "http://www.opengis.net/se"
_OGC = "http://www.opengis.net/ogc"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"


def _px(mm: float) -> str:
    return f"{mm / _MM_PER_PIXEL:.2g}"


def _svg(parent: ET.Element, name: str, value: str) -> None:
    ET.SubElement(parent, "se:SvgParameter", name=name).text = value


def _sld_symbolizer(rule: ET.Element, s: _SymbolSpec) -> None:
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


def _sld(
    layer: str,
    style_name: str,
    field: str,
    categories: Sequence[Category],
    specs: Sequence[_SymbolSpec],
    other: tuple[_SymbolSpec, str] | None,
) -> str:
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
    rules: list[tuple[Any, str, _SymbolSpec]] = [
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


# ----------------------------------------------------------------- renderers


def categorized_style(
    table: str,
    name: str,
    field: str,
    categories: Sequence[Category],
    geometry: GeometryKind,
    *,
    fill_opacity: float = 1.0,
    outline: str | None = None,
    other: tuple[str, str] | None = None,
    default: bool = True,
    description: str = "",
    hatched: frozenset | set = frozenset(),
) -> LayerStyle:
    """A categorized style (QML and SLD) from ``(value, colour, label)`` triples.

    The single builder behind every lps_geo style. Each category is drawn with
    a simple fill (polygons) or a circle marker (points) in its colour;
    outlines are ``outline`` when given (a thin edge, for tessellations such as
    municipalities), else a darker shade of the category colour (see
    :func:`darker`). ``other``, a ``(colour, label)`` pair, adds the QGIS
    "all other values" category (empty value; it also takes nulls) and an SLD
    ``ElseFilter`` rule.

    Parameters
    ----------
    table
        Feature table the style is for.
    name
        Style name (QGIS shows it in the layer's Styles menu).
    field
        Attribute the categories are read from.
    categories
        ``(value, "#rrggbb", label)`` in legend order; colours from
        :mod:`lps_geo.symbology`.
    geometry
        ``"polygon"`` or ``"point"``.
    fill_opacity
        Opacity of the fill colour, 0-1 (outlines stay opaque).
    outline, other, default, description
        See above and :class:`LayerStyle`.
    hatched
        Category values drawn hatched (diagonal lines and an outline in the
        category colour, no fill); polygons only.

    Returns
    -------
    LayerStyle

    Examples
    --------
    >>> style = categorized_style("lps", "Type", "lps_type",
    ...     [("center", "#7b3294", "Centre"), ("embryo", "#a6dba0", "Embryo")],
    ...     "polygon", fill_opacity=0.6)
    >>> style
    <LayerStyle 'Type' on 'lps' (default)>
    >>> 'type="categorizedSymbol"' in style.qml, "123,50,148,153" in style.qml
    (True, True)
    >>> "<ogc:Literal>embryo</ogc:Literal>" in style.sld
    True
    """
    if geometry not in get_args(GeometryKind):
        raise ConfigError(
            f"geometry must be one of {', '.join(get_args(GeometryKind))}, "
            f"got {geometry!r}"
        )
    if not 0.0 <= fill_opacity <= 1.0:
        raise ConfigError(f"fill_opacity must be in 0..1, got {fill_opacity}")
    if not categories:
        raise ConfigError(f"style {name!r} on {table!r} has no categories")
    values = [str(value) for value, _, _ in categories]
    if len(set(values)) != len(values) or "" in values:
        raise ConfigError(
            f"style {name!r}: category values must be distinct and non-empty, "
            f"got {values}"
        )
    specs = [
        _symbol_spec(color, geometry, fill_opacity, outline)
        for _, color, _ in categories
    ]
    if hatched and geometry == "polygon":
        specs = [
            replace(spec, brush="b_diagonal", outline=color, outline_width=0.5)
            if value in hatched
            else spec
            for (value, color, _), spec in zip(categories, specs, strict=True)
        ]
    other_spec = (
        None
        if other is None
        else (_symbol_spec(other[0], geometry, fill_opacity, outline), other[1])
    )
    if not description.startswith(DESCRIPTION_MARKER):
        description = f"{DESCRIPTION_MARKER} {description}".rstrip()
    return LayerStyle(
        table=table,
        name=name,
        qml=_qml(field, categories, specs, other_spec, geometry),
        sld=_sld(table, name, field, categories, specs, other_spec),
        default=default,
        description=description,
    )


_NAMES: dict[str, dict[str, str]] = {
    "en": {
        "lps_type": "LPS type",
        "ql": "QL class",
        "lisa": "LISA",
        "gi": "Gi*",
        "institutions": "Institution type",
        "no_data": "No data",
        "lps_type_desc": "LPS coloured by type (Suzigan, Furtado & Garcia 2006)",
        "ql_desc": "location quotient classes of industry {industry}",
        "lisa_desc": "local Moran (LISA) clusters of industry {industry}",
        "gi_desc": "Getis-Ord Gi* hot and cold spots of industry {industry}",
        "institutions_desc": "support institutions by type",
        "change": "Change",
        "change_desc": "change of the LPS between two periods",
    },
    "pt": {
        "lps_type": "Tipo de APL",
        "ql": "Classe de QL",
        "lisa": "LISA",
        "gi": "Gi*",
        "institutions": "Tipo de instituição",
        "no_data": "Sem dados",
        "lps_type_desc": "APLs coloridos por tipo (Suzigan, Furtado & Garcia 2006)",
        "ql_desc": "classes do quociente locacional da atividade {industry}",
        "lisa_desc": "agrupamentos de Moran local (LISA) da atividade {industry}",
        "gi_desc": "pontos quentes e frios (Getis-Ord Gi*) da atividade {industry}",
        "institutions_desc": "instituições de apoio por tipo",
        "change": "Mudança",
        "change_desc": "mudança dos APLs entre dois períodos",
    },
}


def _check_lang(lang: str) -> None:
    if lang not in get_args(Lang):
        raise ConfigError(
            f"lang must be one of {', '.join(get_args(Lang))}, got {lang!r}"
        )


def lps_type_style(lang: Lang = "en", table: str = "lps") -> LayerStyle:
    """LPS polygons by ``lps_type``: the four types in typology order.

    Colours :data:`lps_geo.symbology.TYPE_COLORS`, labels
    :data:`lps_geo.symbology.TYPE_LABELS`; fills are semi-transparent
    (:data:`LPS_FILL_OPACITY`) because LPS of different industries overlap.

    Examples
    --------
    >>> lps_type_style("pt").qml.count("<category ")
    4
    """
    _check_lang(lang)
    return categorized_style(
        table,
        _NAMES[lang]["lps_type"],
        "lps_type",
        [(t, TYPE_COLORS[t], TYPE_LABELS[lang][t]) for t in TYPES],
        "polygon",
        fill_opacity=LPS_FILL_OPACITY,
        description=_NAMES[lang]["lps_type_desc"],
    )


def ql_class_style(
    lang: Lang = "en",
    table: str = "municipalities",
    industry: str | None = None,
    default: bool = True,
) -> LayerStyle:
    """Areas by ``focus_ql_class`` (0-4), the fixed QL classes of the QL map.

    Colours :data:`lps_geo.symbology.QL_RAMP`, labels as the legend of
    :func:`lps_geo.render.maps.ql_map` (classes of
    :func:`lps_geo.symbology.ql_classes` on :data:`lps_geo.symbology.QL_BREAKS`);
    areas without a value get the no-data fill.

    Examples
    --------
    >>> 'label="≥ 5"' in ql_class_style().qml
    True
    """
    _check_lang(lang)
    labels = symbology.ql_labels(symbology.QL_BREAKS, lang)
    return categorized_style(
        table,
        _NAMES[lang]["ql"],
        "focus_ql_class",
        [(i, color, labels[i]) for i, color in enumerate(QL_RAMP)],
        "polygon",
        outline=EDGE_COLOR,
        other=(NO_DATA_COLOR, _NAMES[lang]["no_data"]),
        default=default,
        description=_NAMES[lang]["ql_desc"].format(industry=industry or "in focus"),
    )


def lisa_style(
    lang: Lang = "en",
    table: str = "municipalities",
    industry: str | None = None,
    default: bool = False,
) -> LayerStyle:
    """Areas by ``focus_lisa`` (LISA cluster label), GeoDa colours.

    Colours :data:`lps_geo.symbology.LISA_COLORS`, labels
    :data:`lps_geo.symbology.LISA_LABELS`.

    Examples
    --------
    >>> lisa_style().qml.count("<category ")
    8
    """
    _check_lang(lang)
    return categorized_style(
        table,
        _NAMES[lang]["lisa"],
        "focus_lisa",
        [(k, c, symbology.LISA_LABELS[lang][k]) for k, c in LISA_COLORS.items()],
        "polygon",
        outline=EDGE_COLOR,
        other=(NO_DATA_COLOR, _NAMES[lang]["no_data"]),
        default=default,
        description=_NAMES[lang]["lisa_desc"].format(industry=industry or "in focus"),
    )


def gi_style(
    lang: Lang = "en",
    table: str = "municipalities",
    industry: str | None = None,
    default: bool = False,
) -> LayerStyle:
    """Areas by ``focus_gi_bin`` (-3..3), the Gi* confidence bins.

    Colours :data:`lps_geo.symbology.GI_BIN_COLORS`, labels
    :data:`lps_geo.symbology.GI_LABELS`.

    Examples
    --------
    >>> 'value="-3"' in gi_style().qml
    True
    """
    _check_lang(lang)
    return categorized_style(
        table,
        _NAMES[lang]["gi"],
        "focus_gi_bin",
        [(k, c, symbology.GI_LABELS[lang][k]) for k, c in GI_BIN_COLORS.items()],
        "polygon",
        outline=EDGE_COLOR,
        other=(NO_DATA_COLOR, _NAMES[lang]["no_data"]),
        default=default,
        description=_NAMES[lang]["gi_desc"].format(industry=industry or "in focus"),
    )


def institution_style(lang: Lang = "en", table: str = "institutions") -> LayerStyle:
    """Institution points by ``type``: circle markers.

    Colours :data:`lps_geo.symbology.INSTITUTION_COLORS`, labels
    :data:`lps_geo.symbology.INSTITUTION_LABELS`.

    Examples
    --------
    >>> 'type="marker"' in institution_style().qml
    True
    """
    _check_lang(lang)
    return categorized_style(
        table,
        _NAMES[lang]["institutions"],
        "type",
        [
            (k, c, symbology.INSTITUTION_LABELS[lang][k])
            for k, c in INSTITUTION_COLORS.items()
        ],
        "point",
        description=_NAMES[lang]["institutions_desc"],
    )


def change_style(lang: Lang = "en", table: str = "lps_change") -> LayerStyle:
    """Lineages of the ``lps_change`` layer by ``category``.

    Colours :data:`lps_geo.symbology.CHANGE_COLORS` (vanished hatched, see
    :data:`lps_geo.symbology.CHANGE_HATCHED`), labels
    :data:`lps_geo.symbology.CHANGE_LABELS`, in legend order; fills
    semi-transparent as the LPS layer's.

    Examples
    --------
    >>> style = change_style("pt")
    >>> style.qml.count("<category "), 'label="Desaparecido"' in style.qml
    (5, True)
    >>> "b_diagonal" in style.qml, "shape://slash" in style.sld
    (True, True)
    """
    from lps_geo.symbology import CHANGE_LABELS as CATEGORY_LABELS

    _check_lang(lang)
    return categorized_style(
        table,
        _NAMES[lang]["change"],
        "category",
        [(k, c, CATEGORY_LABELS[lang][k]) for k, c in CHANGE_COLORS.items()],
        "polygon",
        fill_opacity=LPS_FILL_OPACITY,
        hatched=CHANGE_HATCHED,
        description=_NAMES[lang]["change_desc"],
    )


#: Styles of each feature table, in order: (field the style needs, builder).
#: The first style whose field the layer has becomes the layer's default.
STYLE_PLAN: dict[str, tuple[tuple[str, Callable[..., LayerStyle]], ...]] = {
    "municipalities": (
        ("focus_ql_class", ql_class_style),
        ("focus_lisa", lisa_style),
        ("focus_gi_bin", gi_style),
    ),
    "regions": (
        ("focus_ql_class", ql_class_style),
        ("focus_lisa", lisa_style),
        ("focus_gi_bin", gi_style),
    ),
    "lps": (("lps_type", lps_type_style),),
    "institutions": (("type", institution_style),),
    "lps_change": (("category", change_style),),
}

_FOCUS_BUILDERS = (ql_class_style, lisa_style, gi_style)


# ------------------------------------------------------------- focus columns


def add_focus_columns(
    result: Result,
    industry: str | None = None,
    breaks: Sequence[float] = symbology.QL_BREAKS,
) -> Result:
    """Copy of ``result`` whose area layers carry the focus-industry columns.

    Adds to ``municipalities`` (and ``regions`` when present) the columns of
    :data:`FOCUS_COLUMNS` for one industry, read from the ``indicators``
    layer: ``focus_industry`` (the code), ``focus_ql`` (QL),
    ``focus_ql_class`` (class 0-4 of :func:`lps_geo.symbology.ql_classes`),
    ``focus_lisa`` (LISA cluster label) and ``focus_gi_bin`` (Gi* bin -3..3).
    In microregion mode, municipalities take the values of their analysis unit
    (``unit`` column). Areas without a value get nulls. Nothing is computed
    that the analysis has not computed already.

    Parameters
    ----------
    result
        The analysis result (not modified).
    industry
        Industry code; default :func:`lps_geo.method.focus.focus_industry`.
    breaks
        Inner QL class breaks, default :data:`lps_geo.symbology.QL_BREAKS`.

    Returns
    -------
    Result

    Raises
    ------
    InputError
        The industry is not in the indicators.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> from lps_geo.result import Result
    >>> mun = gpd.GeoDataFrame({"region": ["1900001", "1900002"]},
    ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:5880")
    >>> ind = pd.DataFrame({"region": ["1900001", "1900002"],
    ...     "industry": ["15.3", "15.3"], "ql": [0.0, 6.2],
    ...     "lisa_label": ["not significant", "High-High"], "gi_bin": [0, 3]})
    >>> r = Result(mun, ind, pd.DataFrame(), mun.iloc[:0], pd.DataFrame(),
    ...     metadata={}, report={})
    >>> add_focus_columns(r, "15.3").municipalities[
    ...     ["focus_ql_class", "focus_lisa", "focus_gi_bin"]].values.tolist()
    [[0, 'not significant', 0], [4, 'High-High', 3]]
    """
    if industry is None:
        industry = focus.focus_industry(result)
    industry = str(industry)
    changes: dict[str, Any] = {}
    for name in ("municipalities", "regions"):
        layer = getattr(result, name)
        if layer is None:
            continue
        changes[name] = _with_focus(layer, result.indicators, industry, breaks)
    return replace(result, **changes)


def _with_focus(layer, indicators: pd.DataFrame, industry: str, breaks) -> Any:
    ql = pd.to_numeric(
        focus.industry_values(layer, indicators, industry, "ql"), errors="coerce"
    ).astype(float)
    out = layer.copy()
    out["focus_industry"] = industry
    out["focus_ql"] = ql
    out["focus_ql_class"] = symbology.ql_classes(ql, breaks)
    if "lisa_label" in indicators.columns:
        lisa = focus.industry_values(layer, indicators, industry, "lisa_label")
        out["focus_lisa"] = pd.Series(
            [None if pd.isna(v) else str(v) for v in lisa],
            index=layer.index,
            dtype=object,
        )
    if "gi_bin" in indicators.columns:
        gi = pd.to_numeric(
            focus.industry_values(layer, indicators, industry, "gi_bin"),
            errors="coerce",
        )
        out["focus_gi_bin"] = gi.round().astype("Int64")
    return out


# ------------------------------------------------------------ choosing styles


def _gpkg_layers(path: Path) -> tuple[dict[str, set[str]], str | None]:
    """Feature tables of a GeoPackage with their columns, and the focus industry."""
    if not path.is_file():
        raise InputError(f"GeoPackage {path} not found; write it with write_geopackage")
    con = sqlite3.connect(path)
    try:
        tables = [
            r[0] for r in con.execute("SELECT table_name FROM gpkg_geometry_columns")
        ]
        layers = {
            t: {r[1] for r in con.execute(f'PRAGMA table_info("{_ident(t)}")')}
            for t in tables
        }
        industry = None
        for t in ("municipalities", "regions"):
            if "focus_industry" in layers.get(t, set()):
                row = con.execute(
                    f'SELECT focus_industry FROM "{t}" '
                    "WHERE focus_industry IS NOT NULL LIMIT 1"
                ).fetchone()
                industry = None if row is None else str(row[0])
                break
    except sqlite3.DatabaseError as exc:
        raise InputError(
            f"{path} is not a GeoPackage ({exc}); pass a .gpkg written by "
            "lps_geo.write_geopackage"
        ) from exc
    finally:
        con.close()
    return layers, industry


def _result_layers(result: Result) -> tuple[dict[str, set[str]], str | None]:
    layers: dict[str, set[str]] = {}
    for name in STYLE_PLAN:
        frame = getattr(result, name, None)
        if frame is not None:
            layers[name] = set(map(str, frame.columns))
    industry = None
    for name in ("municipalities", "regions"):
        frame = getattr(result, name, None)
        if frame is not None and "focus_industry" in frame.columns:
            values = frame["focus_industry"].dropna()
            industry = str(values.iloc[0]) if len(values) else None
            break
    return layers, industry


def default_styles(
    result_or_gpkg: Result | str | os.PathLike, lang: Lang = "en"
) -> list[LayerStyle]:
    """The styles lps_geo stores for each feature layer that is present.

    Follows :data:`STYLE_PLAN`: ``lps`` by type; ``municipalities`` (and
    ``regions``) by QL class of the focus industry (default), with "LISA" and
    "Gi*" as extra styles; ``institutions`` by type. A style is made only when
    its layer exists and has the field it needs (the focus columns come from
    :func:`add_focus_columns`); the first style of a layer is its default.

    Parameters
    ----------
    result_or_gpkg
        A :class:`~lps_geo.result.Result` or the path of its GeoPackage.
    lang
        Language of style names, legend labels and descriptions.

    Returns
    -------
    list of LayerStyle

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> from lps_geo.result import Result
    >>> lps = gpd.GeoDataFrame({"lps_type": ["embryo"]}, geometry=[box(0, 0, 1, 1)])
    >>> mun = gpd.GeoDataFrame({"focus_ql_class": [4], "focus_lisa": ["High-High"],
    ...     "focus_industry": ["15.3"]}, geometry=[box(0, 0, 1, 1)])
    >>> r = Result(mun, pd.DataFrame(), pd.DataFrame(), lps, pd.DataFrame(),
    ...     metadata={}, report={})
    >>> default_styles(r)
    [<LayerStyle 'QL class' on 'municipalities' (default)>, \
<LayerStyle 'LISA' on 'municipalities' (extra)>, \
<LayerStyle 'LPS type' on 'lps' (default)>]
    """
    _check_lang(lang)
    if isinstance(result_or_gpkg, (str, os.PathLike)):
        layers, industry = _gpkg_layers(Path(result_or_gpkg))
    else:
        layers, industry = _result_layers(result_or_gpkg)
    styles: list[LayerStyle] = []
    for table, plan in STYLE_PLAN.items():
        if table not in layers:
            continue
        first = True
        for field, builder in plan:
            if field not in layers[table]:
                logger.info(
                    "layer %s has no column %s: no %s style",
                    table,
                    field,
                    builder.__name__,
                )
                continue
            kwargs: dict[str, Any] = {"lang": lang, "table": table}
            if builder in _FOCUS_BUILDERS:
                kwargs.update(industry=industry, default=first)
            styles.append(builder(**kwargs))
            first = False
    return styles


# ------------------------------------------------------------------- writing


def _ident(name: str) -> str:
    return name.replace('"', '""')


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
        From :func:`default_styles` or :func:`categorized_style`.

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
    """Choose (:func:`default_styles`) and store the styles of a GeoPackage.

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
