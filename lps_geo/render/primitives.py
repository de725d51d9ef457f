"""Drawing shared by the static maps and the atlas: polygons, legends, map furniture.

Polygon layers are drawn as one collection (:func:`draw_polygons`), and every
map gets the same decorations (:func:`decorate`): title, scale bar and north
arrow outside the frame, source note and an optional inset locator. Nothing
here knows a category or a statistic.

matplotlib is imported inside the functions, for import cost: ``import
lps_geo`` loads the render modules (through the atlas) and should not pay for
matplotlib until something is drawn.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from lps_geo.errors import ConfigError
from lps_geo.symbology import EDGE_COLOR
from lps_geo.vocab import Lang, PageSize, choices

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    from matplotlib.axes import Axes

logger = logging.getLogger(__name__)

#: Landscape page sizes of the static maps, in inches.
PAGE_SIZES: dict[str, tuple[float, float]] = {
    "A4": (11.69, 8.27),
    "A3": (16.54, 11.69),
}

#: Source note printed under every map unless ``source=`` is given.
DEFAULT_SOURCE = "lps_geo"


# ------------------------------------------------------------------- validation


def check_lang(lang: str) -> str:
    """``lang`` if it is one of :data:`lps_geo.vocab.Lang`, else a ConfigError.

    >>> check_lang("pt")
    'pt'
    """
    if lang not in choices(Lang):
        raise ConfigError(
            f"lang must be one of {', '.join(choices(Lang))}, got {lang!r}"
        )
    return lang


def check_page_size(page_size: str) -> str:
    """``page_size`` if it is one of :data:`lps_geo.vocab.PageSize`, else a ConfigError.

    >>> check_page_size("A3")
    'A3'
    """
    if page_size not in choices(PageSize):
        raise ConfigError(
            f"page_size must be one of {', '.join(choices(PageSize))}, "
            f"got {page_size!r}"
        )
    return page_size


def new_axes(ax: Axes | None) -> Axes:
    """``ax``, or the Axes of a new pyplot figure when ``ax`` is ``None``."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(9, 8))
    return ax


# ------------------------------------------------------------------ decoration


def nice_length(target: float) -> float:
    """Largest 1, 2 or 5 times a power of ten not above ``target`` (> 0).

    >>> nice_length(37.0), nice_length(0.8)
    (20, 0.5)
    """
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
    km = nice_length(width_km / 5)
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


def decorate(
    ax: Axes,
    title: str,
    source: str | None,
    crs: Any,
    locator: gpd.GeoDataFrame | None = None,
) -> None:
    """Title, scale bar, north arrow, source note (with the CRS) and locator.

    ``source`` ``None`` prints :data:`DEFAULT_SOURCE`; ``locator`` is drawn as
    an inset, reprojected to ``crs`` when needed.
    """
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


def side_legend(ax: Axes, handles: list, title: str):
    """The map legend, in the column right of the map frame."""
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


def legend_patch(color: str, label: str, alpha: float = 1.0):
    """A filled legend swatch with the map's edge colour."""
    from matplotlib.patches import Patch

    return Patch(
        facecolor=color, edgecolor=EDGE_COLOR, linewidth=0.5, label=label, alpha=alpha
    )
