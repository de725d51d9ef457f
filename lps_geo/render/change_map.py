"""The change map: how the LPS changed between two periods, by change category.

Draws the ``lps_change`` layer of :mod:`lps_geo.method.compare` in the colours
of :data:`lps_geo.symbology.CHANGE_COLORS`; see :func:`change_map`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from lps_geo.errors import InputError
from lps_geo.render.map_text import MAP_TEXT, map_title
from lps_geo.render.primitives import (
    check_lang,
    decorate,
    draw_polygons,
    legend_patch,
    new_axes,
    side_legend,
)
from lps_geo.symbology import (
    BASE_FILL,
    CHANGE_COLORS,
    CHANGE_HATCHED,
    CHANGE_LABELS,
    EDGE_COLOR,
    LPS_EDGE,
    OVERLAP_ALPHA,
)
from lps_geo.vocab import Lang

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    from matplotlib.axes import Axes

    from lps_geo.result import Result


#: Hatch of the categories in :data:`lps_geo.symbology.CHANGE_HATCHED`.
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
    from matplotlib.patches import Patch  # lazy: matplotlib's import cost

    check_lang(lang)
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
    ax = new_axes(ax)
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
        label = f"{CHANGE_LABELS[lang][cat]} ({int(counts.get(cat, 0))})"
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
            handles.append(legend_patch(color, label, alpha))
    text = MAP_TEXT[lang]
    side_legend(ax, handles, text["change_legend"].format(**periods))
    crs = municipalities.crs if municipalities is not None else layer.crs
    decorate(
        ax,
        title or map_title(text["change"].format(**periods), industry, lang),
        source,
        crs,
        locator=locator,
    )
    return ax
