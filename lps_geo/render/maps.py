"""Static maps of a result: LPS typology, location quotients, LISA and Gi*.

Rendering only: every function draws columns that the analysis already
computed (``lps_type``, ``ql``, ``lisa_label``, ``gi_bin``) and never computes
a statistic. Colours and category orders come from :mod:`lps_geo.symbology`, so
a category looks the same here, in the QGIS styles and in the atlas.

Each plot function follows the matplotlib convention: pass ``ax`` to draw into
an existing Axes, or leave it ``None`` for a new figure; the Axes is returned.
:func:`write_maps` renders the standard set of maps to files with the Agg
canvas (no pyplot state, no GUI backend needed).

The typology is the one of Suzigan, Furtado & Garcia (2006, section 4.2); see
:mod:`lps_geo.method.typology`.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
import pandas as pd
import shapely

from lps_geo.errors import ConfigError, InputError, OutputExistsError
from lps_geo.method.focus import focus_industry, industry_values
from lps_geo.symbology import (
    BASE_FILL,
    CHANGE_COLORS,
    CHANGE_HATCHED,
    EDGE_COLOR,
    GI_BIN_COLORS,
    GI_LABELS,
    INSTITUTION_COLORS,
    INSTITUTION_LABELS,
    LISA_COLORS,
    LISA_LABELS,
    LPS_EDGE,
    NO_DATA_COLOR,
    OVERLAP_ALPHA,
    QL_BREAKS,
    QL_RAMP,
    SIGNIFICANCE_COLORS,
    SIGNIFICANCE_LABELS,
    TYPE_COLORS,
    TYPE_LABELS,
    ql_classes,
    significance_classes,
)
from lps_geo.symbology import ql_labels as _ql_labels
from lps_geo.vocab import TYPES

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    from matplotlib.axes import Axes

    from lps_geo.result import Result

logger = logging.getLogger(__name__)

Lang = Literal["pt", "en"]
MapFormat = Literal["png", "pdf", "svg"]
PageSize = Literal["A4", "A3"]

#: Landscape page sizes in inches.
PAGE_SIZES: dict[str, tuple[float, float]] = {
    "A4": (11.69, 8.27),
    "A3": (16.54, 11.69),
}

#: Source note printed under every map unless ``source=`` is given.
DEFAULT_SOURCE = "lps_geo"


_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "typology": "Local production systems by type",
        "all_industries": "all industries",
        "lps_type": "LPS type (number of LPS)",
        "ql": "Location quotient",
        "ql_legend": "QL (number of areas)",
        "lisa": "Local Moran (LISA) clusters",
        "gi": "Getis-Ord Gi* hot and cold spots",
        "areas": "Category (number of areas)",
        "no_data": "No data",
        "capability": "Capability: support institutions and LPS",
        "significance": "Local Moran significance (adjusted p)",
        "moran": "Moran scatter plot",
        "moran_x": "{var} (standardised)",
        "moran_y": "Spatial lag",
        "institutions": "Institutions (number)",
        "density": "Institution density",
        "change": "Change of local production systems, {before}–{after}",
        "change_legend": "Change {before}–{after} (number of LPS)",
    },
    "pt": {
        "typology": "Arranjos produtivos locais por tipo",
        "all_industries": "todas as atividades",
        "lps_type": "Tipo de APL (número de APLs)",
        "ql": "Quociente locacional",
        "ql_legend": "QL (número de áreas)",
        "lisa": "Agrupamentos de Moran local (LISA)",
        "gi": "Pontos quentes e frios (Getis-Ord Gi*)",
        "areas": "Categoria (número de áreas)",
        "no_data": "Sem dados",
        "capability": "Capacitações: instituições de apoio e APLs",
        "significance": "Significância do Moran local (p ajustado)",
        "moran": "Diagrama de dispersão de Moran",
        "moran_x": "{var} (padronizado)",
        "moran_y": "Defasagem espacial",
        "institutions": "Instituições (número)",
        "density": "Densidade de instituições",
        "change": "Mudança dos arranjos produtivos locais, {before}–{after}",
        "change_legend": "Mudança {before}–{after} (número de APLs)",
    },
}


# ------------------------------------------------------------------- validation


def _check_lang(lang: str) -> str:
    if lang not in get_args(Lang):
        raise ConfigError(
            f"lang must be one of {', '.join(get_args(Lang))}, got {lang!r}"
        )
    return lang


def _new_axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(9, 8))
    return ax


# ------------------------------------------------------------------- classes


# ------------------------------------------------------------------ decoration


def _nice_length(target: float) -> float:
    """Largest 1, 2 or 5 times a power of ten not above ``target`` (> 0)."""
    exponent = math.floor(math.log10(target))
    for step in (5, 2, 1):
        value = step * 10**exponent
        if value <= target:
            return value
    return 10**exponent  # pragma: no cover - unreachable


def _add_scale_bar(ax: Axes, crs: Any) -> None:
    """Draw a scale bar in km, about a fifth of the map width (projected CRS).

    It sits outside the map frame, at the bottom of the legend column, so it
    never hides data.
    """
    from matplotlib.font_manager import FontProperties
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    if crs is None or not crs.is_projected:
        logger.debug("no scale bar: CRS %s is not projected", crs)
        return
    to_metres = crs.axis_info[0].unit_conversion_factor or 1.0
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width_km = abs(x1 - x0) * to_metres / 1000
    if not width_km > 0:
        return
    km = _nice_length(width_km / 5)
    bar = AnchoredSizeBar(
        ax.transData,
        km * 1000 / to_metres,
        f"{km:g} km",
        loc="lower left",
        bbox_to_anchor=(1.02, 0.0),
        bbox_transform=ax.transAxes,
        pad=0.1,
        borderpad=0.0,
        sep=3,
        frameon=False,
        size_vertical=abs(y1 - y0) / 150,
        color="black",
        fontproperties=FontProperties(size=8),
    )
    bar.set_gid("scale_bar")
    ax.add_artist(bar)


def _add_north_arrow(ax: Axes) -> None:
    """North arrow outside the map frame, above the scale bar."""
    ax.annotate(
        "",
        xy=(1.05, 0.2),
        xytext=(1.05, 0.09),
        xycoords="axes fraction",
        annotation_clip=False,
        arrowprops={
            "facecolor": "black",
            "edgecolor": "black",
            "width": 3,
            "headwidth": 10,
            "headlength": 10,
        },
    )
    ax.text(
        1.05,
        0.21,
        "N",
        transform=ax.transAxes,
        ha="center",
        va="bottom",
        fontsize=11,
        fontweight="bold",
        gid="north_arrow",
    )


def polygon_paths(geometries: Any) -> list:
    """Matplotlib paths of polygonal geometries, one compound path each.

    Built with vectorised shapely calls (parts, rings, coordinates) instead of
    one patch per polygon: a national map draws 5,570 municipalities, and
    geopandas' per-polygon patches made up most of its drawing time. Every
    ring starts a sub-path, exactly as geopandas' patches do, so holes and
    islands render the same. Empty and missing geometries give no path.

    Examples
    --------
    >>> from shapely.geometry import MultiPolygon, box
    >>> [p.vertices.shape for p in polygon_paths([box(0, 0, 1, 1),
    ...     MultiPolygon([box(0, 0, 1, 1), box(2, 0, 3, 1)])])]
    [(5, 2), (10, 2)]
    """
    from matplotlib.path import Path as MplPath

    geoms = np.asarray(geometries, dtype=object)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    geoms = geoms[keep]
    if not len(geoms):
        return []
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    coords, coord_of = shapely.get_coordinates(rings, return_index=True)
    geom_of_coord = part_of[ring_of[coord_of]]
    codes = np.full(len(coords), MplPath.LINETO, dtype=MplPath.code_type)
    starts = np.r_[0, np.flatnonzero(np.diff(coord_of)) + 1]
    codes[starts] = MplPath.MOVETO
    bounds = np.searchsorted(geom_of_coord, np.arange(len(geoms) + 1))
    return [
        MplPath(coords[a:b], codes[a:b])
        for a, b in zip(bounds[:-1], bounds[1:], strict=True)
        if b > a
    ]


def draw_polygons(
    frame: Any,
    ax: Axes,
    *,
    color: Any = None,
    facecolor: Any = None,
    edgecolor: Any = None,
    linewidth: float = 0.2,
    alpha: float | None = None,
    hatch: str | None = None,
    zorder: float | None = None,
) -> Any:
    """Draw the polygons of a GeoDataFrame/GeoSeries as one collection.

    A lighter ``frame.plot(ax=ax, ...)`` for polygon layers: ``color`` (one
    colour or one per row) fills, ``facecolor="none"`` draws outlines only,
    ``edgecolor`` may also be one per row. Returns the
    :class:`~matplotlib.collections.PathCollection` (``None`` when nothing is
    drawn); the axes limits grow to include it.
    """
    from matplotlib.collections import PathCollection

    geometry = getattr(frame, "geometry", frame)
    geoms = np.asarray(geometry, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    paths = polygon_paths(geoms)
    if not paths:
        return None

    def per_row(value):
        if isinstance(value, list | tuple | np.ndarray | pd.Series):
            return list(np.asarray(value, dtype=object)[present])
        return value

    fill = facecolor if facecolor is not None else color
    collection = PathCollection(
        paths,
        facecolors=per_row(fill) if fill is not None else "none",
        edgecolors=per_row(edgecolor) if edgecolor is not None else "face",
        linewidths=linewidth,
        hatch=hatch,
    )
    if alpha is not None:
        collection.set_alpha(alpha)
    if zorder is not None:
        collection.set_zorder(zorder)
    ax.add_collection(collection, autolim=True)
    ax.autoscale_view()
    return collection


def _add_locator(ax: Axes, locator: gpd.GeoDataFrame) -> None:
    """Inset locator: the context layer in grey, the map's extent in red."""
    from matplotlib.patches import Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    inset = ax.inset_axes((0.0, 0.0, 0.22, 0.22))
    inset.set_gid("inset_locator")
    draw_polygons(locator, inset, color="#dddddd", edgecolor="#999999", linewidth=0.2)
    inset.add_patch(
        Rectangle(
            (x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="#d7191c", linewidth=1.0
        )
    )
    bx0, by0, bx1, by1 = locator.total_bounds
    inset.set_xlim(min(bx0, x0), max(bx1, x1))
    inset.set_ylim(min(by0, y0), max(by1, y1))
    inset.set_aspect("equal")
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_xlabel("")
    inset.set_ylabel("")
    for spine in inset.spines.values():
        spine.set_edgecolor("#999999")
        spine.set_linewidth(0.5)


def _decorate(
    ax: Axes,
    title: str,
    source: str | None,
    crs: Any,
    locator: gpd.GeoDataFrame | None = None,
) -> None:
    ax.set_title(title, fontsize=12, loc="left")
    ax.set_axis_off()
    ax.set_aspect("equal")
    _add_scale_bar(ax, crs)
    _add_north_arrow(ax)
    note = source if source is not None else DEFAULT_SOURCE
    if crs is not None:
        note = f"{note} · {crs.name}"
    ax.annotate(
        note,
        gid="source_note",
        xy=(0, 0),
        xycoords="axes fraction",
        xytext=(0, -6),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=7,
        color="#555555",
    )
    if locator is not None:
        if crs is not None and locator.crs is not None and locator.crs != crs:
            locator = locator.to_crs(crs)
        _add_locator(ax, locator)


def _legend(ax: Axes, handles: list, title: str):
    return ax.legend(
        handles=handles,
        title=title,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        fontsize=8,
        title_fontsize=9,
        alignment="left",
    )


def _patch(color: str, label: str, alpha: float = 1.0):
    from matplotlib.patches import Patch

    return Patch(
        facecolor=color, edgecolor=EDGE_COLOR, linewidth=0.5, label=label, alpha=alpha
    )


# ------------------------------------------------------------ categorical maps


def _category_map(
    polygons: gpd.GeoDataFrame,
    categories: pd.Series,
    colors: dict,
    labels: dict,
    legend_title: str,
    no_data_label: str,
    ax: Axes,
    show_empty: bool = False,
):
    """Fill polygons by category in palette order; return the legend."""
    handles = []
    for key, color in colors.items():
        mask = (categories == key).fillna(False).to_numpy(dtype=bool)
        subset = polygons[mask]
        if len(subset):
            draw_polygons(subset, ax, color=color, edgecolor=EDGE_COLOR, linewidth=0.3)
        if len(subset) or show_empty:
            handles.append(_patch(color, f"{labels[key]} ({len(subset)})"))
    missing = polygons[categories.isna().to_numpy(dtype=bool)]
    if len(missing):
        draw_polygons(
            missing, ax, color=NO_DATA_COLOR, edgecolor=EDGE_COLOR, linewidth=0.3
        )
        handles.append(_patch(NO_DATA_COLOR, f"{no_data_label} ({len(missing)})"))
    return _legend(ax, handles, legend_title)


def _categorical_panel(
    polygons: gpd.GeoDataFrame,
    categories: pd.Series,
    colors: dict,
    labels: dict,
    ax: Axes | None,
    lang: str,
    title: str,
    source: str | None,
    locator: gpd.GeoDataFrame | None,
) -> Axes:
    """A categorical map with its legend and decorations; returns the Axes."""
    ax = _new_axes(ax)
    _category_map(
        polygons,
        categories,
        colors,
        labels,
        _TEXT[lang]["areas"],
        _TEXT[lang]["no_data"],
        ax,
    )
    _decorate(ax, title, source, polygons.crs, locator=locator)
    return ax


def _title(base: str, industry: str | None, lang: str) -> str:
    if industry is None:
        return f"{base} — {_TEXT[lang]['all_industries']}"
    return f"{base} — {industry}"


def typology_map(
    municipalities: gpd.GeoDataFrame,
    lps: gpd.GeoDataFrame,
    industry: str | None = None,
    lang: Lang = "en",
    ax: Axes | None = None,
    title: str | None = None,
    source: str | None = None,
    locator: gpd.GeoDataFrame | None = None,
) -> Axes:
    """Map the LPS of one industry, or of all industries, coloured by type.

    Municipalities are drawn light grey with thin edges; LPS polygons on top in
    the colours of :data:`lps_geo.symbology.TYPE_COLORS`. The legend lists the
    four types of Suzigan, Furtado & Garcia (2006) in the order of
    :data:`lps_geo.vocab.TYPES`, each with its number of LPS. With all
    industries, LPS of different industries overlap: they are drawn
    semi-transparent, largest first, so small ones stay visible.

    Parameters
    ----------
    municipalities
        Background polygons (the ``municipalities`` layer).
    lps
        The ``lps`` layer (columns ``industry`` and ``lps_type``).
    industry
        Industry code to show, or ``None`` for all industries.
    lang
        Language of the legend and default title.
    ax
        Axes to draw into; ``None`` creates a new figure.
    title
        Title; default "Local production systems by type — <industry>".
    source
        Source note under the map; default :data:`DEFAULT_SOURCE`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> mun = gpd.GeoDataFrame({"region": ["1900001", "1900002"]},
    ...     geometry=[box(0, 0, 1e4, 1e4), box(1e4, 0, 2e4, 1e4)], crs="EPSG:5880")
    >>> lps = gpd.GeoDataFrame({"industry": ["15.3"], "lps_type": ["embryo"]},
    ...     geometry=[box(0, 0, 1e4, 1e4)], crs="EPSG:5880")
    >>> ax = typology_map(mun, lps)
    >>> [t.get_text() for t in ax.get_legend().get_texts()][-1]
    'Embryonic LPS (1)'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    _check_lang(lang)
    for needed in ("industry", "lps_type"):
        if needed not in lps.columns:
            raise InputError(
                f"lps layer lacks column {needed!r}; pass the lps layer of a Result"
            )
    unknown = sorted(set(lps["lps_type"].dropna().astype(str)) - set(TYPES))
    if unknown:
        raise InputError(
            f"lps layer has unknown lps_type value(s) {', '.join(unknown)}; "
            f"valid types: {', '.join(TYPES)}"
        )
    ax = _new_axes(ax)
    draw_polygons(
        municipalities, ax, color=BASE_FILL, edgecolor=EDGE_COLOR, linewidth=0.2
    )
    shown = (
        lps if industry is None else lps[lps["industry"].astype(str) == str(industry)]
    )
    # LPS of different industries overlap: see-through, largest drawn first.
    alpha = OVERLAP_ALPHA if industry is None else 1.0
    if len(shown):
        # planar area only orders the drawing, so geographic CRSs are fine
        area = shapely.area(np.asarray(shown.geometry.array))
        shown = shown.iloc[np.argsort(-area, kind="stable")]
        colors = [TYPE_COLORS[t] for t in shown["lps_type"].astype(str)]
        draw_polygons(
            shown,
            ax,
            color=colors,
            edgecolor=LPS_EDGE,
            linewidth=0.6,
            alpha=alpha,
        )
    counts = shown["lps_type"].astype(str).value_counts()
    handles = [
        _patch(
            TYPE_COLORS[t], f"{TYPE_LABELS[lang][t]} ({int(counts.get(t, 0))})", alpha
        )
        for t in TYPES
    ]
    _legend(ax, handles, _TEXT[lang]["lps_type"])
    _decorate(
        ax,
        title or _title(_TEXT[lang]["typology"], industry, lang),
        source,
        municipalities.crs,
        locator=locator,
    )
    return ax


def ql_map(
    municipalities: gpd.GeoDataFrame,
    indicators: pd.DataFrame,
    industry: str,
    ax: Axes | None = None,
    lang: Lang = "en",
    title: str | None = None,
    source: str | None = None,
    breaks: Sequence[float] = QL_BREAKS,
    locator: gpd.GeoDataFrame | None = None,
) -> Axes:
    """Choropleth of the location quotient of one industry on fixed classes.

    Classes (see :func:`ql_classes`): exactly 0, (0, 1), [1, 2), [2, 5) and
    >= 5, coloured with :data:`lps_geo.symbology.QL_RAMP`; the legend lists all
    five in class order with the number of areas in each, plus "No data" for
    areas without a value.

    Parameters
    ----------
    municipalities
        Polygons to colour: municipalities, or the ``regions`` layer when the
        analysis unit is coarser (municipalities are also matched through their
        ``unit`` column).
    indicators
        The long ``indicators`` layer (``region``, ``industry``, ``ql``).
    industry
        Industry code.
    breaks
        Inner class breaks, default :data:`QL_BREAKS`.

    Other parameters are as in :func:`typology_map`.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> mun = gpd.GeoDataFrame({"region": ["1900001", "1900002"]},
    ...     geometry=[box(0, 0, 1e4, 1e4), box(1e4, 0, 2e4, 1e4)], crs="EPSG:5880")
    >>> ind = pd.DataFrame({"region": ["1900001", "1900002"],
    ...     "industry": ["15.3", "15.3"], "ql": [0.0, 6.2]})
    >>> ax = ql_map(mun, ind, "15.3")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['= 0 (1)', '> 0 and < 1 (0)', '1 to < 2 (0)', '2 to < 5 (0)', '≥ 5 (1)']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    _check_lang(lang)
    classes = ql_classes(
        industry_values(municipalities, indicators, industry, "ql"), breaks
    )
    ax = _new_axes(ax)
    labels = dict(enumerate(_ql_labels(tuple(breaks), lang)))
    _category_map(
        municipalities,
        classes,
        dict(enumerate(QL_RAMP)),
        labels,
        _TEXT[lang]["ql_legend"],
        _TEXT[lang]["no_data"],
        ax,
        show_empty=True,
    )
    _decorate(
        ax,
        title or _title(_TEXT[lang]["ql"], industry, lang),
        source,
        municipalities.crs,
        locator=locator,
    )
    return ax


def lisa_map(
    municipalities: gpd.GeoDataFrame,
    indicators: pd.DataFrame,
    industry: str,
    ax: Axes | None = None,
    lang: Lang = "en",
    title: str | None = None,
    source: str | None = None,
    locator: gpd.GeoDataFrame | None = None,
) -> Axes:
    """Map the local Moran (LISA) cluster labels of one industry.

    Categories of ``lisa_label`` in the colours and order of
    :data:`lps_geo.symbology.LISA_COLORS`; the legend shows only categories that
    occur, each with its number of areas.

    Parameters are as in :func:`ql_map`.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> mun = gpd.GeoDataFrame({"region": ["1900001", "1900002"]},
    ...     geometry=[box(0, 0, 1e4, 1e4), box(1e4, 0, 2e4, 1e4)], crs="EPSG:5880")
    >>> ind = pd.DataFrame({"region": ["1900001", "1900002"],
    ...     "industry": ["15.3", "15.3"],
    ...     "lisa_label": ["not significant", "High-High"]})
    >>> ax = lisa_map(mun, ind, "15.3")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['High-High (1)', 'Not significant (1)']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    _check_lang(lang)
    labels = industry_values(municipalities, indicators, industry, "lisa_label")
    labels = labels.where(labels.notna(), None)
    unknown = sorted(set(labels.dropna().astype(str)) - set(LISA_COLORS))
    if unknown:
        raise InputError(
            f"lisa_label has unknown value(s) {', '.join(unknown)} for industry "
            f"{industry!r}; valid labels: {', '.join(LISA_COLORS)}"
        )
    return _categorical_panel(
        municipalities,
        labels,
        LISA_COLORS,
        LISA_LABELS[lang],
        ax,
        lang,
        title or _title(_TEXT[lang]["lisa"], industry, lang),
        source,
        locator,
    )


def gi_map(
    municipalities: gpd.GeoDataFrame,
    indicators: pd.DataFrame,
    industry: str,
    ax: Axes | None = None,
    lang: Lang = "en",
    title: str | None = None,
    source: str | None = None,
    locator: gpd.GeoDataFrame | None = None,
) -> Axes:
    """Map the Getis-Ord Gi* confidence bins of one industry.

    Bins of ``gi_bin`` (+3/+2/+1: hot spot at 99/95/90 % confidence, 0 not
    significant, -1/-2/-3 cold spots) in the colours and order of
    :data:`lps_geo.symbology.GI_BIN_COLORS`; the legend shows only bins that
    occur, each with its number of areas.

    Parameters are as in :func:`ql_map`.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> mun = gpd.GeoDataFrame({"region": ["1900001", "1900002"]},
    ...     geometry=[box(0, 0, 1e4, 1e4), box(1e4, 0, 2e4, 1e4)], crs="EPSG:5880")
    >>> ind = pd.DataFrame({"region": ["1900001", "1900002"],
    ...     "industry": ["15.3", "15.3"], "gi_bin": [0, 3]})
    >>> ax = gi_map(mun, ind, "15.3")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['Hot spot 99% (1)', 'Not significant (1)']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    _check_lang(lang)
    raw = pd.to_numeric(
        industry_values(municipalities, indicators, industry, "gi_bin"), errors="coerce"
    )
    bins = raw.round().astype("Int64")
    unknown = sorted(set(bins.dropna().astype(int)) - set(GI_BIN_COLORS))
    if unknown:
        raise InputError(
            f"gi_bin has value(s) {unknown} for industry {industry!r}; valid bins: "
            f"{', '.join(str(k) for k in GI_BIN_COLORS)}"
        )
    return _categorical_panel(
        municipalities,
        bins,
        GI_BIN_COLORS,
        GI_LABELS[lang],
        ax,
        lang,
        title or _title(_TEXT[lang]["gi"], industry, lang),
        source,
        locator,
    )


#: Hatch of the categories in :data:`palettes.CHANGE_HATCHED`.
CHANGE_HATCH = "////"


def change_map(
    result_or_layer: Result | gpd.GeoDataFrame,
    industry: str | None = None,
    ax: Axes | None = None,
    lang: Lang = "en",
    municipalities: gpd.GeoDataFrame | None = None,
    title: str | None = None,
    source: str | None = None,
    locator: gpd.GeoDataFrame | None = None,
) -> Axes:
    """Map how the LPS changed between two periods, by change category.

    Draws the ``lps_change`` layer (see :mod:`lps_geo.method.compare`): emerging,
    growing, stable and declining lineages filled in the colours of
    :data:`lps_geo.symbology.CHANGE_COLORS`, vanished ones hatched with an
    outline (they no longer exist in the later period); the legend lists the
    five categories in order with their counts. With all industries lineages
    of different industries overlap, so fills are semi-transparent and the
    largest are drawn first.

    Parameters
    ----------
    result_or_layer
        A :class:`~lps_geo.result.Result` with an ``lps_change`` layer (its
        municipalities are the background), or the layer itself.
    industry
        Industry code to show, or ``None`` for all industries.
    municipalities
        Background polygons when a layer is given (default: none).

    Other parameters are as in :func:`typology_map`.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> layer = gpd.GeoDataFrame({"industry": ["15.3", "15.3", "31.0"],
    ...     "category": ["growing", "vanished", "growing"],
    ...     "period_before": "2010", "period_after": "2015"},
    ...     geometry=[box(0, 0, 1e4, 1e4), box(2e4, 0, 3e4, 1e4),
    ...               box(1e4, 0, 2e4, 1e4)], crs="EPSG:5880")
    >>> ax = change_map(layer, lang="pt")
    >>> labels = [t.get_text() for t in ax.get_legend().get_texts()]
    >>> labels[:3]
    ['Emergente (0)', 'Em crescimento (2)', 'Estável (0)']
    >>> labels[3:]
    ['Em declínio (0)', 'Desaparecido (1)']
    >>> ax.get_title(loc="left")
    'Mudança dos arranjos produtivos locais, 2010–2015 — todas as atividades'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    from matplotlib.patches import Patch

    from lps_geo.symbology import CHANGE_LABELS as CATEGORY_LABELS

    _check_lang(lang)
    if isinstance(result_or_layer, pd.DataFrame):
        layer = result_or_layer
    else:
        layer = getattr(result_or_layer, "lps_change", None)
        if layer is None:
            raise InputError(
                "the result has no lps_change layer; compare two periods first "
                "([comparison] in the configuration, or lps-geo compare)"
            )
        if municipalities is None:
            municipalities = result_or_layer.municipalities
    for needed in ("industry", "category"):
        if needed not in layer.columns:
            raise InputError(
                f"lps_change layer lacks column {needed!r}; pass the layer made "
                "by lps_geo.compare_periods"
            )
    unknown = sorted(set(layer["category"].dropna().astype(str)) - set(CHANGE_COLORS))
    if unknown:
        raise InputError(
            f"lps_change has unknown category value(s) {', '.join(unknown)}; "
            f"valid: {', '.join(CHANGE_COLORS)}"
        )
    periods = {}
    for key, default in (("before", "1"), ("after", "2")):
        col = f"period_{key}"
        values = layer[col].dropna() if col in layer.columns else pd.Series([])
        periods[key] = str(values.iloc[0]) if len(values) else default
    ax = _new_axes(ax)
    if municipalities is not None:
        draw_polygons(
            municipalities, ax, color=BASE_FILL, edgecolor=EDGE_COLOR, linewidth=0.2
        )
    shown = (
        layer
        if industry is None
        else layer[layer["industry"].astype(str) == str(industry)]
    )
    alpha = OVERLAP_ALPHA if industry is None else 1.0
    if len(shown):
        area = shapely.area(np.asarray(shown.geometry.array))
        shown = shown.iloc[np.argsort(-area, kind="stable")]
        cats = shown["category"].astype(str)
        filled = shown[~cats.isin(CHANGE_HATCHED).to_numpy()]
        if len(filled):
            draw_polygons(
                filled,
                ax,
                color=[CHANGE_COLORS[c] for c in filled["category"].astype(str)],
                edgecolor=LPS_EDGE,
                linewidth=0.6,
                alpha=alpha,
            )
        for cat in sorted(CHANGE_HATCHED):
            hatched = shown[(cats == cat).to_numpy()]
            if len(hatched):
                draw_polygons(
                    hatched,
                    ax,
                    facecolor="none",
                    edgecolor=CHANGE_COLORS[cat],
                    hatch=CHANGE_HATCH,
                    linewidth=0.8,
                )
    counts = shown["category"].astype(str).value_counts()
    handles = []
    for cat, color in CHANGE_COLORS.items():
        label = f"{CATEGORY_LABELS[lang][cat]} ({int(counts.get(cat, 0))})"
        if cat in CHANGE_HATCHED:
            handles.append(
                Patch(
                    facecolor="none",
                    edgecolor=color,
                    hatch=CHANGE_HATCH,
                    linewidth=0.8,
                    label=label,
                )
            )
        else:
            handles.append(_patch(color, label, alpha))
    text = _TEXT[lang]
    _legend(ax, handles, text["change_legend"].format(**periods))
    crs = municipalities.crs if municipalities is not None else layer.crs
    _decorate(
        ax,
        title or _title(text["change"].format(**periods), industry, lang),
        source,
        crs,
        locator=locator,
    )
    return ax


# ----------------------------------------------------------------- map files


def capability_map(
    municipalities: gpd.GeoDataFrame,
    lps: gpd.GeoDataFrame,
    institutions: gpd.GeoDataFrame,
    surface: tuple[np.ndarray, tuple[float, float, float, float]] | None = None,
    industry: str | None = None,
    ax: Axes | None = None,
    lang: Lang = "en",
    title: str | None = None,
    source: str | None = None,
    locator: gpd.GeoDataFrame | None = None,
) -> Axes:
    """Map support institutions over the LPS and an institution-density surface.

    Municipalities in grey, the density surface (``(array, extent)`` with
    extent ``(xmin, xmax, ymin, ymax)``; cells <= 0 or NaN left blank) in a
    light ramp, LPS outlined in their type colour, institutions as points in
    the colour of their type (:data:`lps_geo.symbology.INSTITUTION_COLORS`),
    legend by type with counts.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, box
    >>> mun = gpd.GeoDataFrame({"region": ["1900001"]},
    ...     geometry=[box(0, 0, 1e4, 1e4)], crs="EPSG:5880")
    >>> lps = gpd.GeoDataFrame({"industry": ["15.3"], "lps_type": ["center"]},
    ...     geometry=[box(0, 0, 1e4, 1e4)], crs="EPSG:5880")
    >>> inst = gpd.GeoDataFrame({"type": ["university", "university"]},
    ...     geometry=[Point(1e3, 1e3), Point(5e3, 5e3)], crs="EPSG:5880")
    >>> ax = capability_map(mun, lps, inst)
    >>> [t.get_text() for t in ax.get_legend().get_texts()][0]
    'University or college (2)'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    from matplotlib.lines import Line2D

    _check_lang(lang)
    unknown = sorted(set(institutions["type"].astype(str)) - set(INSTITUTION_COLORS))
    if unknown:
        raise InputError(
            f"institutions have unknown type(s) {', '.join(unknown)}; valid: "
            f"{', '.join(INSTITUTION_COLORS)}"
        )
    ax = _new_axes(ax)
    draw_polygons(
        municipalities, ax, color=BASE_FILL, edgecolor=EDGE_COLOR, linewidth=0.2
    )
    if surface is not None:
        arr, extent = surface
        positive = arr[np.isfinite(arr) & (arr > 0)]
        if positive.size:
            # stretch to the 98th percentile (as QGIS does by default), so one
            # dense centre does not wash out the rest; hide the faint tail
            vmax = float(np.percentile(positive, 98))
            shown = np.ma.masked_where(~np.isfinite(arr) | (arr < 0.05 * vmax), arr)
            ax.imshow(
                shown,
                extent=extent,
                origin="upper",
                cmap="Purples",
                alpha=0.6,
                vmin=0.0,
                vmax=vmax,
                zorder=2,
                interpolation="bilinear",
            )
    shown_lps = (
        lps if industry is None else lps[lps["industry"].astype(str) == str(industry)]
    )
    if len(shown_lps):
        draw_polygons(
            shown_lps,
            ax,
            facecolor="none",
            zorder=3,
            linewidth=1.2,
            edgecolor=[TYPE_COLORS[t] for t in shown_lps["lps_type"].astype(str)],
        )
    handles = []
    counts = institutions["type"].astype(str).value_counts()
    for t, color in INSTITUTION_COLORS.items():
        if t not in counts:
            continue
        pts = institutions[institutions["type"].astype(str) == t]
        ax.scatter(
            pts.geometry.x,
            pts.geometry.y,
            s=14,
            color=color,
            edgecolor="white",
            linewidth=0.4,
            zorder=4,
        )
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                color=color,
                markeredgecolor="white",
                label=f"{INSTITUTION_LABELS[lang][t]} ({counts[t]})",
            )
        )
    for t in TYPES:
        if len(shown_lps) and (shown_lps["lps_type"] == t).any():
            handles.append(
                Line2D(
                    [],
                    [],
                    color=TYPE_COLORS[t],
                    linewidth=1.5,
                    label=TYPE_LABELS[lang][t],
                )
            )
    _legend(ax, handles, _TEXT[lang]["institutions"])
    _decorate(
        ax,
        title or _title(_TEXT[lang]["capability"], industry, lang),
        source,
        municipalities.crs,
        locator=locator,
    )
    return ax


def significance_map(
    municipalities: gpd.GeoDataFrame,
    indicators: pd.DataFrame,
    industry: str,
    ax: Axes | None = None,
    lang: Lang = "en",
    title: str | None = None,
    source: str | None = None,
    locator: gpd.GeoDataFrame | None = None,
) -> Axes:
    """Map the adjusted Local Moran p-values of one industry in classes.

    Classes p <= 0.001, 0.01, 0.05 and not significant (GeoDa's significance
    map) of ``lisa_p_adj``, colours :data:`lps_geo.symbology.SIGNIFICANCE_COLORS`.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> mun = gpd.GeoDataFrame({"region": ["1900001", "1900002"]},
    ...     geometry=[box(0, 0, 1e4, 1e4), box(1e4, 0, 2e4, 1e4)], crs="EPSG:5880")
    >>> ind = pd.DataFrame({"region": ["1900001", "1900002"],
    ...     "industry": ["15.3", "15.3"], "lisa_p_adj": [0.004, 0.5]})
    >>> ax = significance_map(mun, ind, "15.3")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['p <= 0.01 (1)', 'Not significant (1)']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    _check_lang(lang)
    classes = significance_classes(
        industry_values(municipalities, indicators, industry, "lisa_p_adj")
    )
    return _categorical_panel(
        municipalities,
        classes,
        SIGNIFICANCE_COLORS,
        SIGNIFICANCE_LABELS[lang],
        ax,
        lang,
        title or _title(_TEXT[lang]["significance"], industry, lang),
        source,
        locator,
    )


def moran_scatter(
    indicators: pd.DataFrame,
    industry: str,
    ax: Axes | None = None,
    lang: Lang = "en",
    title: str | None = None,
    variable: str = "QL",
    moran_i: float | None = None,
) -> Axes:
    """Moran scatter plot of one industry: standardised variable vs its lag.

    Points are coloured by ``lisa_label`` (:data:`palettes.LISA_COLORS`); the
    line through the origin has slope ``moran_i`` (global Moran's I with
    row-standardised weights equals the slope of the lag on the variable)
    when given, else the least-squares slope.

    Examples
    --------
    >>> ind = pd.DataFrame({"region": list("abcd"), "industry": "15.3",
    ...     "lisa_z": [1.5, 0.5, -0.5, -1.5], "lisa_lag": [1.0, 0.2, -0.3, -0.9],
    ...     "lisa_label": ["High-High", "not significant", "not significant",
    ...                    "Low-Low"]})
    >>> ax = moran_scatter(ind, "15.3")
    >>> [t.get_text() for t in ax.get_legend().get_texts()][0]
    'High-High (1)'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    from matplotlib.lines import Line2D

    _check_lang(lang)
    for col in ("lisa_z", "lisa_lag", "lisa_label"):
        if col not in indicators.columns:
            raise InputError(
                f"indicators lack column {col!r}; pass the indicators of a Result"
            )
    rows = indicators[indicators["industry"].astype(str) == str(industry)]
    rows = rows[
        np.isfinite(rows["lisa_z"].astype(float))
        & np.isfinite(rows["lisa_lag"].astype(float))
    ]
    ax = _new_axes(ax)
    handles = []
    labels = rows["lisa_label"].astype(str)
    for key, color in LISA_COLORS.items():
        sub = rows[labels == key]
        if len(sub):
            ax.scatter(
                sub["lisa_z"],
                sub["lisa_lag"],
                s=10,
                color=color,
                edgecolor="#777777",
                linewidth=0.3,
                zorder=3,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="",
                    color=color,
                    markeredgecolor="#777777",
                    label=f"{LISA_LABELS[lang][key]} ({len(sub)})",
                )
            )
    x = rows["lisa_z"].to_numpy(dtype=float)
    y = rows["lisa_lag"].to_numpy(dtype=float)
    slope = (
        moran_i
        if moran_i is not None
        else (float((x * y).sum() / (x * x).sum()) if len(x) else 0.0)
    )
    if len(x):
        xs = np.array([x.min(), x.max()])
        ax.plot(
            xs,
            slope * xs,
            color="#333333",
            linewidth=1,
            zorder=2,
            label=f"I = {slope:.3f}",
        )
    ax.axhline(0, color="#999999", linewidth=0.6, zorder=1)
    ax.axvline(0, color="#999999", linewidth=0.6, zorder=1)
    ax.set_xlabel(_TEXT[lang]["moran_x"].format(var=variable))
    ax.set_ylabel(_TEXT[lang]["moran_y"])
    handles.append(Line2D([], [], color="#333333", label=f"I = {slope:.3f}"))
    _legend(ax, handles, _TEXT[lang]["areas"])
    ax.set_title(
        title or _title(_TEXT[lang]["moran"], industry, lang), fontsize=12, loc="left"
    )
    return ax


def _surface_of(result: Result, gpkg: Path | None):
    """The all-institutions density surface as (array, extent), if any."""
    if "institutions_all" in result.surfaces:
        arr, grid, _ = result.surfaces["institutions_all"]
        xmin, ymin, xmax, ymax = grid.bounds
        return arr, (xmin, xmax, ymin, ymax)
    if gpkg is not None:
        tif = gpkg.parent / "rasters" / "institutions_all.tif"
        if tif.exists():
            import rasterio

            with rasterio.open(tif) as src:
                arr = src.read(1, masked=True).filled(np.nan)
                b = src.bounds
            return arr, (b.left, b.right, b.bottom, b.top)
    return None


def _industry_title(result: Result, industry: str) -> str:
    table = result.industries
    if "title" in table.columns and "industry" in table.columns:
        match = table.loc[table["industry"].astype(str) == industry, "title"]
        if len(match) and isinstance(match.iloc[0], str) and match.iloc[0]:
            return f"{industry} {match.iloc[0]}"
    return industry


def _file_stem(industry: str) -> str:
    return re.sub(r"[^0-9A-Za-z_-]", "_", industry)


def write_maps(
    result_or_gpkg: Result | str | os.PathLike,
    out_dir: str | os.PathLike,
    industry: str | None = None,
    formats: Sequence[MapFormat] = ("png",),
    dpi: int = 150,
    lang: Lang = "en",
    overwrite: bool = False,
    source: str | None = None,
    industries: Sequence[str] | Literal["all"] | None = None,
    page_size: PageSize = "A4",
    locator: gpd.GeoDataFrame | None = None,
) -> list[Path]:
    """Render the standard maps of a result to files.

    Writes, for each format, ``typology`` (all industries), ``capability``
    (when the result has institutions), ``change`` (all industries, when the
    result has an ``lps_change`` layer), and for the industry in focus (and
    every industry of ``industries``) ``ql_<code>``, ``lisa_<code>``,
    ``significance_<code>``, ``gi_<code>``, ``moran_<code>`` and, when it has
    lineages, ``change_<code>`` (the code with
    every character other than letters, digits, ``_`` and ``-`` replaced by
    ``_``: industry ``15.3`` gives ``ql_15_3.png``). One figure of the page
    size is reused for every map. Nothing is written if any output exists and
    ``overwrite`` is false; each file is written atomically.

    Parameters
    ----------
    result_or_gpkg
        A :class:`~lps_geo.result.Result`, or the path of a GeoPackage written
        by :func:`lps_geo.export.write_geopackage` (nothing is recomputed).
    out_dir
        Output folder (created if missing).
    industry
        Industry in focus; default :func:`focus_industry`.
    formats
        File formats, any of ``"png"``, ``"pdf"``, ``"svg"``.
    dpi
        Resolution of raster formats.
    lang
        Language of legends and titles.
    overwrite
        Replace existing map files.
    source
        Source note under each map; default ``metadata["source"]`` of the
        result when it is a string, else :data:`DEFAULT_SOURCE`.
    industries
        More industries to map (``"all"``: every industry of the result).
    page_size
        ``"A4"`` or ``"A3"``, landscape.
    locator
        Context layer (for example the states of Brazil) for an inset locator
        on every map; none by default.

    Returns
    -------
    list of pathlib.Path
        The files written, map by map, formats in the order given.

    Raises
    ------
    OutputExistsError
        A map file exists and ``overwrite`` is false.
    InputError
        An industry is not in the result.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from lps_geo.export.atomic import atomic_path

    _check_lang(lang)
    bad = [f for f in formats if f not in get_args(MapFormat)]
    if bad or not formats:
        raise ConfigError(
            f"map formats must be among {', '.join(get_args(MapFormat))}, "
            f"got {', '.join(map(repr, formats)) or 'none'}"
        )
    if page_size not in PAGE_SIZES:
        raise ConfigError(
            f"page_size must be one of {', '.join(PAGE_SIZES)}, got {page_size!r}"
        )
    gpkg = None
    if isinstance(result_or_gpkg, (str, os.PathLike)):
        from lps_geo.export.gpkg import read_geopackage

        gpkg = Path(result_or_gpkg)
        result = read_geopackage(gpkg)
    else:
        result = result_or_gpkg
    known = sorted(set(result.indicators["industry"].astype(str)))
    focus = str(industry) if industry is not None else focus_industry(result)
    wanted = [focus]
    if industries == "all":
        wanted += [c for c in known if c != focus]
    elif industries:
        wanted += [str(c) for c in industries if str(c) != focus]
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise InputError(
            f"industry {unknown[0]!r} not found in indicators; known industries: "
            f"{', '.join(known[:10])}{' ...' if len(known) > 10 else ''}"
        )
    if source is None:
        meta_source = result.metadata.get("source")
        source = meta_source if isinstance(meta_source, str) else DEFAULT_SOURCE
    created = result.metadata.get("created")
    if isinstance(created, str) and created[:10] not in source:
        source = f"{source} · {created[:10]}"
    areas = result.regions if result.regions is not None else result.municipalities
    text = _TEXT[lang]
    common = {"lang": lang, "source": source, "locator": locator}
    glob = (
        result.industries.drop_duplicates("industry").set_index("industry")
        if "moran_i" in result.industries.columns
        else None
    )
    variable = (
        result.metadata.get("parameters", {}).get("statistics", {}).get("variable")
        or "QL"
    )
    jobs: list[tuple[str, Callable[[Any], Any]]] = [
        (
            "typology",
            lambda ax: typology_map(
                result.municipalities, result.lps, None, ax=ax, **common
            ),
        ),
    ]
    if result.institutions is not None and len(result.institutions):
        surface = _surface_of(result, gpkg)
        jobs.append(
            (
                "capability",
                lambda ax: capability_map(
                    result.municipalities,
                    result.lps,
                    result.institutions,
                    surface=surface,
                    ax=ax,
                    **common,
                ),
            )
        )
    change = getattr(result, "lps_change", None)
    if change is not None and len(change):
        jobs.append(("change", lambda ax: change_map(result, None, ax=ax, **common)))
    for code in wanted:
        name = _industry_title(result, code)
        stem = _file_stem(code)
        if change is not None and (change["industry"].astype(str) == code).any():
            jobs.append(
                (
                    f"change_{stem}",
                    lambda ax, code=code, name=name: change_map(
                        result,
                        code,
                        ax=ax,
                        title=_TEXT[lang]["change"].format(
                            before=change["period_before"].iloc[0],
                            after=change["period_after"].iloc[0],
                        )
                        + f" — {name}",
                        **common,
                    ),
                )
            )
        mi = (
            float(glob.loc[code, "moran_i"])
            if glob is not None and code in glob.index
            else None
        )
        # one choropleth per statistic: (file prefix, plot function, title key)
        for prefix, plot in (
            ("ql", ql_map),
            ("lisa", lisa_map),
            ("significance", significance_map),
            ("gi", gi_map),
        ):
            jobs.append(
                (
                    f"{prefix}_{stem}",
                    partial(
                        plot,
                        areas,
                        result.indicators,
                        code,
                        title=f"{text[prefix]} — {name}",
                        **common,
                    ),
                )
            )
        jobs += [
            (
                f"moran_{stem}",
                lambda ax, code=code, name=name, mi=mi: moran_scatter(
                    result.indicators,
                    code,
                    ax=ax,
                    lang=lang,
                    title=f"{text['moran']} — {name}",
                    variable=variable,
                    moran_i=mi,
                ),
            ),
        ]
    out_dir = Path(out_dir)
    targets = {job: [out_dir / f"{job}.{fmt}" for fmt in formats] for job, _ in jobs}
    existing = [p for paths in targets.values() for p in paths if p.exists()]
    if existing and not overwrite:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise OutputExistsError(
            f"{existing[0]} exists{more}; pass overwrite=True (CLI: --overwrite)"
        )
    written: list[Path] = []
    fig = Figure(figsize=PAGE_SIZES[page_size])
    FigureCanvasAgg(fig)
    for job, draw in jobs:
        fig.clear()
        draw(fig.add_subplot())
        for target, fmt in zip(targets[job], formats, strict=True):
            with atomic_path(target, overwrite) as tmp:
                fig.savefig(
                    tmp, format=fmt, dpi=dpi, bbox_inches="tight", facecolor="white"
                )
            written.append(target)
        logger.info("wrote map %s", job)
    fig.clear()
    return written
