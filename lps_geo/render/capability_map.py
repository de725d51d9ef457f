"""The capability map: support institutions over the LPS and a density surface.

Institutions are drawn in the colours of
:data:`lps_geo.symbology.INSTITUTION_COLORS`; see :func:`capability_map`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lps_geo.errors import InputError
from lps_geo.render.map_text import MAP_TEXT, map_title
from lps_geo.render.primitives import (
    check_lang,
    decorate,
    draw_polygons,
    new_axes,
    side_legend,
)
from lps_geo.symbology import (
    BASE_FILL,
    EDGE_COLOR,
    INSTITUTION_COLORS,
    INSTITUTION_LABELS,
    TYPE_COLORS,
    TYPE_LABELS,
)
from lps_geo.vocab import TYPES, Lang

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    from matplotlib.axes import Axes


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
    from matplotlib.lines import Line2D  # lazy: matplotlib's import cost

    check_lang(lang)
    unknown = sorted(set(institutions["type"].astype(str)) - set(INSTITUTION_COLORS))
    if unknown:
        raise InputError(
            f"institutions have unknown type(s) {', '.join(unknown)}; valid: "
            f"{', '.join(INSTITUTION_COLORS)}"
        )
    ax = new_axes(ax)
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
    side_legend(ax, handles, MAP_TEXT[lang]["institutions"])
    decorate(
        ax,
        title or map_title(MAP_TEXT[lang]["capability"], industry, lang),
        source,
        municipalities.crs,
        locator=locator,
    )
    return ax
