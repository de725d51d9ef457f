"""The Moran scatter plot of one industry: standardised variable against spatial lag.

Points are coloured by LISA cluster (:data:`lps_geo.symbology.LISA_COLORS`);
see :func:`moran_scatter`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lps_geo.errors import InputError
from lps_geo.method.members import moran_slope
from lps_geo.render.map_text import MAP_TEXT, map_title
from lps_geo.render.primitives import check_lang, new_axes, side_legend
from lps_geo.symbology import LISA_COLORS, LISA_LABELS
from lps_geo.vocab import Lang

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes


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

    Points are coloured by ``lisa_label`` (:data:`lps_geo.symbology.LISA_COLORS`); the
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
    from matplotlib.lines import Line2D  # lazy: matplotlib's import cost

    check_lang(lang)
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
    ax = new_axes(ax)
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
    slope = moran_i if moran_i is not None else moran_slope(x, y)
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
    ax.set_xlabel(MAP_TEXT[lang]["moran_x"].format(var=variable))
    ax.set_ylabel(MAP_TEXT[lang]["moran_y"])
    handles.append(Line2D([], [], color="#333333", label=f"I = {slope:.3f}"))
    side_legend(ax, handles, MAP_TEXT[lang]["areas"])
    ax.set_title(
        title or map_title(MAP_TEXT[lang]["moran"], industry, lang),
        fontsize=12,
        loc="left",
    )
    return ax
