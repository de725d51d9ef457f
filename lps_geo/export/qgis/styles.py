"""The QGIS styles of the result layers: which layer gets which categorized style.

A planner who opens the result GeoPackage in QGIS should see the layers
already classified the way the static maps and the atlas show them: LPS by
the type of the Suzigan, Furtado & Garcia (2006) typology, municipalities by
the location quotient class of the industry in focus (with the LISA clusters
and the Getis-Ord Gi* bins as alternative styles), support institutions by
type. :func:`default_styles` chooses them (:data:`STYLE_PLAN`);
:func:`lps_geo.export.qgis.layer_styles.write_layer_styles` stores them in
the GeoPackage's ``layer_styles`` table, where QGIS finds them. Each style
holds a QML document for QGIS (:mod:`lps_geo.export.qgis.qml`) and an OGC
SLD 1.1 / SE document for other clients (:mod:`lps_geo.export.qgis.sld`).

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
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from lps_geo import symbology
from lps_geo.errors import ConfigError, InputError
from lps_geo.export.qgis.qml import Category, categorized_qml, symbol_spec
from lps_geo.export.qgis.sld import categorized_sld
from lps_geo.method import focus
from lps_geo.symbology import (
    CHANGE_COLORS,
    CHANGE_HATCHED,
    CHANGE_LABELS,
    EDGE_COLOR,
    GI_BIN_COLORS,
    INSTITUTION_COLORS,
    LISA_COLORS,
    NO_DATA_COLOR,
    QL_RAMP,
    TYPE_COLORS,
    TYPE_LABELS,
)
from lps_geo.vocab import TYPES, GeometryKind, Lang, choices

if TYPE_CHECKING:  # pragma: no cover
    from lps_geo.result import Result

logger = logging.getLogger(__name__)

#: Columns :func:`add_focus_columns` adds to ``municipalities`` and ``regions``.
FOCUS_COLUMNS: tuple[str, ...] = (
    "focus_industry",
    "focus_ql",
    "focus_ql_class",
    "focus_lisa",
    "focus_gi_bin",
)

#: Every ``description`` written by lps_geo starts with this marker, which is
#: how :func:`~lps_geo.export.qgis.layer_styles.write_layer_styles` recognises
#: (and replaces) its own rows.
DESCRIPTION_MARKER = "lps_geo:"

#: Opacity of the LPS fill: LPS of different industries overlap, as on the
#: all-industries typology map.
LPS_FILL_OPACITY = symbology.OVERLAP_ALPHA


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
    :func:`lps_geo.export.qgis.qml.darker`). ``other``, a ``(colour, label)``
    pair, adds the QGIS "all other values" category (empty value; it also
    takes nulls) and an SLD ``ElseFilter`` rule.

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
    if geometry not in choices(GeometryKind):
        raise ConfigError(
            f"geometry must be one of {', '.join(choices(GeometryKind))}, "
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
        symbol_spec(color, geometry, fill_opacity, outline)
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
        else (symbol_spec(other[0], geometry, fill_opacity, outline), other[1])
    )
    if not description.startswith(DESCRIPTION_MARKER):
        description = f"{DESCRIPTION_MARKER} {description}".rstrip()
    return LayerStyle(
        table=table,
        name=name,
        qml=categorized_qml(field, categories, specs, other_spec, geometry),
        sld=categorized_sld(table, name, field, categories, specs, other_spec),
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
    if lang not in choices(Lang):
        raise ConfigError(
            f"lang must be one of {', '.join(choices(Lang))}, got {lang!r}"
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
    _check_lang(lang)
    return categorized_style(
        table,
        _NAMES[lang]["change"],
        "category",
        [(k, c, CHANGE_LABELS[lang][k]) for k, c in CHANGE_COLORS.items()],
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
    >>> from lps_geo.result import Result, RunMetadata, RunReport
    >>> mun = gpd.GeoDataFrame({"region": ["1900001", "1900002"]},
    ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:5880")
    >>> ind = pd.DataFrame({"region": ["1900001", "1900002"],
    ...     "industry": ["15.3", "15.3"], "ql": [0.0, 6.2],
    ...     "lisa_label": ["not significant", "High-High"], "gi_bin": [0, 3]})
    >>> r = Result(mun, ind, pd.DataFrame(), mun.iloc[:0], pd.DataFrame(),
    ...     metadata=RunMetadata(), report=RunReport.from_dict({}))
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
    >>> from lps_geo.result import Result, RunMetadata, RunReport
    >>> lps = gpd.GeoDataFrame({"lps_type": ["embryo"]}, geometry=[box(0, 0, 1, 1)])
    >>> mun = gpd.GeoDataFrame({"focus_ql_class": [4], "focus_lisa": ["High-High"],
    ...     "focus_industry": ["15.3"]}, geometry=[box(0, 0, 1, 1)])
    >>> r = Result(mun, pd.DataFrame(), pd.DataFrame(), lps, pd.DataFrame(),
    ...     metadata=RunMetadata(), report=RunReport.from_dict({}))
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


def _ident(name: str) -> str:
    return name.replace('"', '""')
