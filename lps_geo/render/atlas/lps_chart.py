"""The typology chart of an LPS page: the LPS among the LPS of its industry.

The two axes are those of the typology (share of the industry, QL), with the
thresholds of the run dashed and the four quadrants tinted in the type
colours.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from lps_geo.render.atlas.context import AtlasContext
from lps_geo.render.atlas.typeset import INK, MUTED
from lps_geo.symbology import (
    EDGE_COLOR,
    LPS_EDGE,
    TYPE_COLORS,
    TYPE_LABELS,
    TYPE_SHORT_LABELS,
)
from lps_geo.vocab import TYPES

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes


def typology_chart(ax: Axes, ctx: AtlasContext, row: pd.Series) -> None:
    """The LPS among all LPS of its industry on the two typology axes."""
    # lazy: matplotlib's import cost
    from matplotlib.patches import Rectangle
    from matplotlib.ticker import (
        FuncFormatter,
        LogLocator,
        NullFormatter,
        NullLocator,
    )

    t = ctx.text
    lps = ctx.lps
    share_high = ctx.thresholds["share_high"]
    ql_high = ctx.thresholds["ql_high"]
    same = lps["industry"] == row["industry"]
    x_all = pd.to_numeric(lps["share_industry"], errors="coerce")
    y_all = pd.to_numeric(lps["ql"], errors="coerce")
    valid = x_all.notna() & y_all.notna() & (y_all > 0)
    xmax = max(share_high * 1.6, float(x_all[valid].max() if valid.any() else 0) * 1.1)
    xmax = min(1.0, xmax)
    ys = y_all[valid]
    ylo = min(ctx.thresholds["ql_min"], float(ys.min()) if len(ys) else 1.0) / 1.25
    yhi = max(ql_high * 2.5, float(ys.max()) * 1.6 if len(ys) else 0)
    ax.set_yscale("log")
    ax.set_xlim(0, xmax)
    ax.set_ylim(max(ylo, 1e-3), yhi)
    cells = {
        "embryo": (0, ylo, share_high, ql_high),
        "local_vector": (0, ql_high, share_high, yhi),
        "advanced_vector": (share_high, ylo, xmax, ql_high),
        "center": (share_high, ql_high, xmax, yhi),
    }
    for lps_type, (qx0, qy0, qx1, qy1) in cells.items():
        ax.add_patch(
            Rectangle(
                (qx0, qy0),
                qx1 - qx0,
                qy1 - qy0,
                facecolor=TYPE_COLORS[lps_type],
                alpha=0.13,
                edgecolor="none",
                zorder=0,
                gid=f"quadrant:{lps_type}",
            )
        )
        right = qx1 == xmax
        top = qy1 == yhi
        ax.text(
            qx1 - 0.015 * xmax if right else qx0 + 0.015 * xmax,
            qy1 / 1.08 if top else qy0 * 1.08,
            TYPE_SHORT_LABELS[ctx.lang][lps_type],
            fontsize=ctx.fs(6.5),
            color=MUTED,
            ha="right" if right else "left",
            va="top" if top else "bottom",
            zorder=1,
        )
    ax.axvline(share_high, color=MUTED, linewidth=0.7, linestyle="--", zorder=1)
    ax.axhline(ql_high, color=MUTED, linewidth=0.7, linestyle="--", zorder=1)
    others = valid & ~same
    if others.any():
        ax.scatter(
            x_all[others],
            y_all[others],
            s=9 * ctx.scale,
            color=EDGE_COLOR,
            alpha=0.6,
            linewidth=0,
            zorder=2,
            gid="others",
            label=t["other_industries"],
        )
    kinds = lps["lps_type"].astype(str)
    for lps_type in TYPES:
        mask = valid & same & (kinds == lps_type)
        if mask.any():
            ax.scatter(
                x_all[mask],
                y_all[mask],
                s=30 * ctx.scale,
                color=TYPE_COLORS[lps_type],
                edgecolor=LPS_EDGE,
                linewidth=0.5,
                zorder=3,
                gid=f"lps_type:{lps_type}",
                label=TYPE_LABELS[ctx.lang][lps_type],
            )
    x, y = float(row["share_industry"]), float(row["ql"])
    if math.isfinite(x) and math.isfinite(y) and y > 0:
        ax.scatter(
            [x],
            [y],
            s=110 * ctx.scale,
            facecolor=TYPE_COLORS[str(row["lps_type"])],
            edgecolor=INK,
            linewidth=1.4,
            zorder=4,
            gid="this_lps",
        )
        left = x > 0.62 * xmax
        # near the foot of the chart, the label rises above the point, clear
        # of the quadrant names in the lower corners
        low = math.log(y / ylo) < 0.2 * math.log(yhi / ylo)
        ax.annotate(
            t["this_lps"],
            (x, y),
            xytext=(-8 if left else 8, 4 if low else 0),
            textcoords="offset points",
            fontsize=ctx.fs(7),
            color=INK,
            ha="right" if left else "left",
            va="bottom" if low else "center",
            zorder=5,
            fontweight="bold",
        )
    ax.set_xlabel(t["chart_x"], fontsize=ctx.fs(7))
    ax.set_ylabel(t["chart_y"], fontsize=ctx.fs(7))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:.0f}%"))
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.tick_params(labelsize=ctx.fs(6.5), length=2.5, width=0.5)
    for spine in ax.spines.values():
        spine.set_linewidth(0.5)
        spine.set_color(EDGE_COLOR)


def chart_legend(ax: Axes, ctx: AtlasContext, row: pd.Series) -> None:
    """Key of the typology chart below it: types of the industry, others, this."""
    from matplotlib.lines import Line2D  # lazy: matplotlib's import cost

    t = ctx.text
    same = ctx.lps[ctx.lps["industry"] == row["industry"]]
    present = [x for x in TYPES if (same["lps_type"].astype(str) == x).any()]
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=4.5 * ctx.scale,
            markerfacecolor=TYPE_COLORS[x],
            markeredgecolor=EDGE_COLOR,
            markeredgewidth=0.5,
            label=TYPE_SHORT_LABELS[ctx.lang][x],
            gid=f"key:{x}",
        )
        for x in present
    ]
    handles.append(
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=7 * ctx.scale,
            markerfacecolor="none",
            markeredgecolor=INK,
            markeredgewidth=1.2,
            label=t["this_lps"],
        )
    )
    if (ctx.lps["industry"] != row["industry"]).any():
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markersize=3.5 * ctx.scale,
                markerfacecolor=EDGE_COLOR,
                markeredgecolor="none",
                alpha=0.6,
                label=t["other_industries"],
            )
        )
    legend = ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(-0.19, -0.30),
        ncol=len(handles),
        frameon=False,
        fontsize=ctx.fs(6.2),
        handletextpad=0.2,
        columnspacing=0.9,
        borderaxespad=0.0,
        borderpad=0.0,
    )
    legend.set_gid("chart_legend")
