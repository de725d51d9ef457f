"""The front pages of the atlas: cover, contents, methods and overview maps.

Each renderer draws one page into a cleared Figure:
``render(fig, ctx, page_number, key)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from lps_geo.method.typology import CITATION
from lps_geo.render.atlas.context import AtlasContext
from lps_geo.render.atlas.plan import CONTENTS_ROWS
from lps_geo.render.atlas.run_info import method_settings
from lps_geo.render.atlas.text import fmt, methods_text
from lps_geo.render.atlas.typeset import (
    INK,
    MUTED,
    ellipsis,
    fit_font,
    footer,
    header,
    paragraph,
    put_text,
    rule,
    swatch,
    wrap,
)
from lps_geo.render.capability_map import capability_map
from lps_geo.render.maps import typology_map
from lps_geo.symbology import TYPE_COLORS, TYPE_LABELS
from lps_geo.vocab import TYPES

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def cover_page(fig: Figure, ctx: AtlasContext, page: int, key: Any = None) -> None:
    """Title, study area, run date and source, LPS by type and a typology map."""
    t = ctx.text
    put_text(fig, ctx, 0.08, 0.90, t["atlas"], 26, weight="bold")
    paragraph(fig, ctx, 0.08, 0.855, t["subtitle"], 0.84, 11, color=MUTED)
    rule(fig, 0.08, 0.92, 0.815, lw=1.2, color=INK)
    rows = [
        (t["study_area"], ctx.study_area),
        (t["run_of"], ctx.created),
        (t["source"], ctx.source),
    ]
    y = 0.79
    for label, value in rows:
        put_text(fig, ctx, 0.08, y, label, 10, color=MUTED)
        put_text(fig, ctx, 0.30, y, value, 10)
        y -= 0.026
    y -= 0.012
    put_text(fig, ctx, 0.08, y, t["lps_by_type"], 12, weight="bold")
    y -= 0.032
    counts = ctx.lps["lps_type"].astype(str).value_counts()
    for lps_type in TYPES:
        swatch(fig, ctx, 0.08, y, TYPE_COLORS[lps_type], 10, gid=f"cover:{lps_type}")
        put_text(fig, ctx, 0.105, y, TYPE_LABELS[ctx.lang][lps_type], 10)
        put_text(fig, ctx, 0.70, y, str(int(counts.get(lps_type, 0))), 10, ha="right")
        y -= 0.024
    rule(fig, 0.08, 0.70, y + 0.004)
    put_text(fig, ctx, 0.105, y - 0.004, t["total"], 10, weight="bold")
    put_text(
        fig, ctx, 0.70, y - 0.004, str(len(ctx.lps)), 10, ha="right", weight="bold"
    )
    y -= 0.04
    if len(ctx.chosen) != len(ctx.lps):
        active = {k: v for k, v in ctx.filters.items() if v}
        what = f"{t['filtered_by']} " + "; ".join(
            f"{t['filter_names'][k]} {', '.join(v)}" for k, v in active.items()
        )
        put_text(
            fig,
            ctx,
            0.08,
            y,
            t["selection"].format(k=len(ctx.chosen), n=len(ctx.lps), what=what),
            9,
            color=MUTED,
        )
    ax = fig.add_axes((0.08, 0.08, 0.70, 0.40))
    typology_map(
        ctx.result.municipalities,
        ctx.result.lps,
        None,
        lang=ctx.lang,
        ax=ax,
        source=ctx.source,
    )
    legend = ax.get_legend()  # the counts above, with swatches, are the key
    if legend is not None:
        legend.remove()
    footer(fig, ctx, page)


def contents_page(fig: Figure, ctx: AtlasContext, page: int, chunk: int) -> None:
    """One chunk of the contents: page, name, industry and type of each LPS."""
    t = ctx.text
    title = t["contents"] if chunk == 0 else t["contents_cont"]
    y = header(fig, ctx, title)
    x_page, x_name, x_type, x_end = 0.105, 0.125, 0.665, 0.94
    put_text(fig, ctx, x_page, y, t["page"], 8, weight="bold", color=MUTED, ha="right")
    put_text(
        fig,
        ctx,
        x_name,
        y,
        f"{t['lps']} · {t['industry']}",
        8,
        weight="bold",
        color=MUTED,
    )
    put_text(fig, ctx, x_type, y, t["type"], 8, weight="bold", color=MUTED)
    y -= 0.02
    rule(fig, 0.06, 0.94, y + 0.005)
    y -= 0.004
    if not len(ctx.lps):
        put_text(fig, ctx, x_name, y, t["no_lps"], 9)
    rows = ctx.chosen.iloc[chunk * CONTENTS_ROWS : (chunk + 1) * CONTENTS_ROWS]
    name_w = ctx.width_pt(x_type - x_name - 0.02)
    type_w = ctx.width_pt(x_end - x_type - 0.02)
    step = 0.0305
    for _, row in rows.iterrows():
        lps_type = str(row["lps_type"])
        industry = f"{row['industry']} {row.get('title', '') or ''}".strip()
        put_text(
            fig,
            ctx,
            x_page,
            y,
            str(ctx.page_of(row["lps_id"])),
            9,
            ha="right",
            weight="bold",
        )
        put_text(
            fig,
            ctx,
            x_name,
            y,
            ellipsis(str(row["name"]), name_w, ctx.fs(9), "bold"),
            9,
            weight="bold",
        )
        put_text(
            fig,
            ctx,
            x_name,
            y - 0.0125,
            ellipsis(industry, name_w, ctx.fs(7.5)),
            7.5,
            color=MUTED,
        )
        swatch(fig, ctx, x_type, y, TYPE_COLORS[lps_type], 7.5)
        label = wrap(TYPE_LABELS[ctx.lang][lps_type], type_w, ctx.fs(7.5))
        put_text(
            fig, ctx, x_type + 0.02, y, "\n".join(label[:2]), 7.5, linespacing=1.25
        )
        rule(fig, x_name, 0.94, y - step + 0.006, lw=0.3)
        y -= step
    footer(fig, ctx, page)


def methods_page(fig: Figure, ctx: AtlasContext, page: int, key: Any = None) -> None:
    """How the run was made, in plain words, fitted to one page."""
    y = header(fig, ctx, ctx.text["methods"])
    sections = methods_text(
        ctx.result,
        method_settings(ctx.result),
        ctx.lang,
        ctx.thresholds,
        ctx.cap_distance_m,
        ctx.supplier_distance_m,
    )
    reference = CITATION
    blocks = []
    for heading, body in sections:
        blocks += [(heading, 1.15, "bold"), (body, 1.0, "normal")]
    blocks.append((reference, 0.95, "normal"))
    width, bottom = 0.88, 0.06
    size = fit_font(ctx, blocks, width, y - bottom - 0.03, 9.0)
    for heading, body in sections:
        y = paragraph(fig, ctx, 0.06, y, heading, width, size * 1.15, weight="bold")
        y -= 0.004
        y = paragraph(fig, ctx, 0.06, y, body, width, size)
        y -= 0.014
    rule(fig, 0.06, 0.40, y + 0.006)
    paragraph(
        fig,
        ctx,
        0.06,
        y - 0.002,
        reference,
        width,
        size * 0.95,
        style="italic",
        color=MUTED,
    )
    footer(fig, ctx, page)


def _legend_below(ax: Axes, ctx: AtlasContext, ncol: int = 2) -> None:
    """Move a map's legend from its right to below the map frame."""
    legend = ax.get_legend()
    if legend is None:
        return
    handles = list(legend.legend_handles)
    labels = [t.get_text() for t in legend.get_texts()]
    title = legend.get_title().get_text()
    legend.remove()
    ax.legend(
        handles,
        labels,
        title=title,
        loc="upper left",
        bbox_to_anchor=(0.0, -0.06),
        ncol=ncol,
        frameon=False,
        fontsize=ctx.fs(7.5),
        title_fontsize=ctx.fs(8.5),
        alignment="left",
        columnspacing=1.5,
    )


def overview_typology_page(
    fig: Figure, ctx: AtlasContext, page: int, key: Any = None
) -> None:
    """The typology of all industries and the LPS by industry and type."""
    t = ctx.text
    header(fig, ctx, t["overview"])
    ax = fig.add_axes((0.06, 0.53, 0.72, 0.36))
    typology_map(
        ctx.result.municipalities,
        ctx.result.lps,
        None,
        lang=ctx.lang,
        ax=ax,
        source=ctx.source,
    )
    ax.title.set_fontsize(ctx.fs(11))
    _legend_below(ax, ctx)
    # LPS by industry and type
    y = 0.40
    put_text(fig, ctx, 0.06, y, t["overview_industries"], 10, weight="bold")
    y -= 0.025
    counts = (
        ctx.lps.groupby(["industry", "lps_type"]).size().unstack(fill_value=0)
        if len(ctx.lps)
        else pd.DataFrame()
    )
    industries = ctx.result.industries
    titles = dict(
        zip(
            industries["industry"].astype(str),
            industries.get("title", industries["industry"]).astype(str),
            strict=True,
        )
    )
    gini = dict(
        zip(
            industries["industry"].astype(str),
            industries.get("gl", pd.Series(np.nan, index=industries.index)),
            strict=True,
        )
    )
    xs = [0.62, 0.68, 0.74, 0.80, 0.86, 0.94]
    for x, lps_type in zip(xs, TYPES, strict=False):
        swatch(fig, ctx, x - 0.011, y, TYPE_COLORS[lps_type], 7.5)
    put_text(fig, ctx, xs[4], y, "Gini", 7.5, ha="right", color=MUTED, weight="bold")
    put_text(
        fig, ctx, xs[5], y, t["n_lps"], 7.5, ha="right", color=MUTED, weight="bold"
    )
    y -= 0.02
    rule(fig, 0.06, 0.94, y + 0.005)
    order = (
        counts.assign(_n=counts.sum(axis=1)).sort_values("_n", ascending=False).index
        if len(counts)
        else []
    )
    max_rows = int((y - 0.06) / 0.017)
    order = list(order)
    if len(order) > max_rows:
        max_rows -= 1
    for industry in order[:max_rows]:
        label = ellipsis(
            f"{industry} {titles.get(industry, '')}", ctx.width_pt(0.52), ctx.fs(7.5)
        )
        put_text(fig, ctx, 0.06, y, label, 7.5)
        for x, lps_type in zip(xs, TYPES, strict=False):
            n = int(counts.loc[industry].get(lps_type, 0))
            put_text(fig, ctx, x, y, str(n) if n else "·", 7.5, ha="right")
        put_text(
            fig, ctx, xs[4], y, fmt(gini.get(industry), 2, ctx.lang), 7.5, ha="right"
        )
        put_text(
            fig,
            ctx,
            xs[5],
            y,
            str(int(counts.loc[industry].sum())),
            7.5,
            ha="right",
            weight="bold",
        )
        y -= 0.017
    if len(order) > max_rows:
        put_text(
            fig,
            ctx,
            0.06,
            y,
            t["more_industries"].format(k=len(order) - max_rows),
            7.5,
            color=MUTED,
            style="italic",
        )
    footer(fig, ctx, page)


def overview_capability_page(
    fig: Figure, ctx: AtlasContext, page: int, key: Any = None
) -> None:
    """The capability map of the whole study area."""
    header(fig, ctx, ctx.text["overview"])
    ax = fig.add_axes((0.06, 0.45, 0.72, 0.44))
    capability_map(
        ctx.result.municipalities,
        ctx.result.lps,
        ctx.result.institutions,
        surface=None,
        ax=ax,
        lang=ctx.lang,
        source=ctx.source,
    )
    ax.title.set_fontsize(ctx.fs(11))
    _legend_below(ax, ctx)
    footer(fig, ctx, page)
