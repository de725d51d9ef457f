"""The page of one LPS, from its map down to its policy guidelines.

Map, indicators, typology chart, capability, production structure, related
industries and guidelines."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lps_geo.method.typology import CITATION, GUIDELINES
from lps_geo.render.atlas.characterisation import characterisation_sections
from lps_geo.render.atlas.context import AtlasContext
from lps_geo.render.atlas.lps_chart import chart_legend, typology_chart
from lps_geo.render.atlas.lps_map import location_map
from lps_geo.render.atlas.text import fmt, pct
from lps_geo.render.atlas.typeset import (
    INK,
    MUTED,
    ellipsis,
    fit_font,
    fit_line,
    footer,
    paragraph,
    put_text,
    rule,
    swatch,
    text_width,
    wrap,
)
from lps_geo.symbology import (
    INNOVATION_LABELS,
    INSTITUTION_COLORS,
    INSTITUTION_LABELS,
    TYPE_COLORS,
    TYPE_LABELS,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure


def _table_rows(
    fig: Figure,
    ctx: AtlasContext,
    x0: float,
    x1: float,
    y: float,
    rows: list[tuple[str, str]],
    size: float,
    step: float,
) -> float:
    """Label/value rows with a rule under each; returns the y below them."""
    for label, value in rows:
        put_text(fig, ctx, x0, y, label, size, color=MUTED)
        put_text(fig, ctx, x1, y, value, size, ha="right")
        rule(fig, x0, x1, y - step + 0.004, lw=0.3)
        y -= step
    return y


def _capability_block(
    fig: Figure, ctx: AtlasContext, row: pd.Series, x0: float, x1: float, y: float
) -> float:
    """Institutions by type (inside, within the radius, nearest), index, test,
    then the innovation outputs linked to the industry; returns the y below."""
    t = ctx.text
    put_text(fig, ctx, x0, y, t["capability"], 9.5, weight="bold")
    y -= 0.022
    cap = ctx.result.lps_capability
    if cap is None:
        y = paragraph(fig, ctx, x0, y, t["no_capability"], x1 - x0, 7.5, color=MUTED)
        return _innovation_block(fig, ctx, row, x0, x1, y - 0.006)
    match = cap[cap["lps_id"].astype(str) == row["lps_id"]]
    if match.empty:
        y = paragraph(fig, ctx, x0, y, t["no_cap_row"], x1 - x0, 7.5, color=MUTED)
        return _innovation_block(fig, ctx, row, x0, x1, y - 0.006)
    c = match.iloc[0]
    d = fmt((ctx.cap_distance_m or 0) / 1000, 0, ctx.lang)
    inst = ctx.result.institutions
    present = (
        set(inst["type"].astype(str)) if inst is not None else set(INSTITUTION_COLORS)
    )
    headers = (t["inside"], t["within"].format(d=d), t["nearest"])
    # right edges of the number columns, spaced by the widest header line
    widths = [
        max(
            max(text_width(part, ctx.fs(6.5), "bold") for part in h.split("\n")),
            text_width("000.0", ctx.fs(7)),
        )
        / 72
        / ctx.size[0]
        for h in headers
    ]
    gap = 0.014
    cols = (x1 - widths[2] - widths[1] - 2 * gap, x1 - widths[2] - gap, x1)
    for x, label in zip(cols, headers, strict=True):
        put_text(
            fig,
            ctx,
            x,
            y - 0.0205,
            label,
            6.5,
            ha="right",
            color=MUTED,
            weight="bold",
            multialignment="right",
            linespacing=1.1,
            va="bottom",
        )
    y -= 0.024
    rule(fig, x0, x1, y + 0.004, lw=0.4)
    label_w = ctx.width_pt(cols[0] - widths[0] - gap - x0 - 0.016)
    for kind, color in INSTITUTION_COLORS.items():
        if kind not in present:
            continue
        swatch(fig, ctx, x0, y, color, 7)
        put_text(
            fig,
            ctx,
            x0 + 0.016,
            y,
            ellipsis(INSTITUTION_LABELS[ctx.lang][kind], label_w, ctx.fs(7)),
            7,
        )
        values = (
            fmt(c.get(f"n_{kind}"), 0, ctx.lang),
            fmt(c.get(f"n_{kind}_within"), 0, ctx.lang),
            fmt(c.get(f"dist_{kind}_km"), 1, ctx.lang),
        )
        for x, value in zip(cols, values, strict=True):
            put_text(fig, ctx, x, y, value, 7, ha="right")
        y -= 0.0165
    rule(fig, x0, x1, y + 0.004, lw=0.4)
    y -= 0.003
    put_text(fig, ctx, x0, y, t["cap_index"], 7, color=MUTED)
    put_text(
        fig, ctx, x1, y, fmt(c.get("capability_index"), 2, ctx.lang), 7, ha="right"
    )
    y -= 0.019
    test = t["cap_test"].format(
        d=d,
        obs=fmt(c.get("cap_observed"), 0, ctx.lang),
        exp=fmt(c.get("cap_expected"), 1, ctx.lang),
        p=_p_text(c.get("cap_p_value"), ctx.lang),
        p_adj=_p_text(c.get("cap_p_adj"), ctx.lang),
    )
    y = paragraph(fig, ctx, x0, y, test, x1 - x0, 7, color=INK)
    return _innovation_block(fig, ctx, row, x0, x1, y - 0.006)


def _innovation_block(
    fig: Figure, ctx: AtlasContext, row: pd.Series, x0: float, x1: float, y: float
) -> float:
    """Per kind of output: the test's statistic in the members (linked
    outputs per 100,000 inhabitants, or per member for 0/1 indicators), its
    mean under the null and the corrected p (nothing without the table)."""
    rows = ctx.rows_of("lps_innovation", str(row["lps_id"]))
    if rows is None or rows.empty:
        return y
    t, lang = ctx.text, ctx.lang
    division = rows["division"].dropna()
    put_text(
        fig,
        ctx,
        x0,
        y,
        t["innovation"].format(division=division.iloc[0] if len(division) else "—"),
        7,
        weight="bold",
    )
    y -= 0.017
    # each row in its test's unit (per 100k, per member), said in its label
    units = {"per_100k": t["inno_per_100k"], "mean": t["inno_mean"]}
    headers = (t["inno_members"], t["inno_chance"], t["inno_p"])
    width = max(text_width(h, ctx.fs(6.5), "bold") for h in headers) / 72 / ctx.size[0]
    width = max(width, text_width("0000,00", ctx.fs(7)) / 72 / ctx.size[0])
    cols = [x1 - (2 - k) * (width + 0.012) for k in range(3)]
    for x, label in zip(cols, headers, strict=True):
        put_text(fig, ctx, x, y, label, 6.5, ha="right", color=MUTED, weight="bold")
    y -= 0.004
    rule(fig, x0, x1, y, lw=0.4)
    y -= 0.0125
    labels = INNOVATION_LABELS[lang]
    label_w = ctx.width_pt(cols[0] - width - 0.012 - x0)
    n_members = max(int(row.get("n_members", 1) or 1), 1)
    for _, r in rows.iterrows():
        unit = units.get(r["statistic"])
        label = labels.get(r["kind"], r["kind"]) + (f", {unit}" if unit else "")
        put_text(fig, ctx, x0, y, ellipsis(label, label_w, ctx.fs(7)), 7)
        shown = {"per_100k": r["per_100k"], "mean": r["linked"] / n_members}.get(
            r["statistic"], r["linked"]
        )
        values = (
            fmt(shown, 2, lang),
            fmt(r["expected"], 2, lang),
            _p_text(r["p_adj"], lang),
        )
        for x, value in zip(cols, values, strict=True):
            put_text(fig, ctx, x, y, value, 7, ha="right")
        y -= 0.0155
    return y


def _p_text(p, lang: str) -> str:
    """A p-value for the page: three decimals, or "< 0.001"."""
    if p is not None and p == p and p < 0.001:
        return "< " + fmt(0.001, 3, lang)
    return fmt(p, 3, lang)


def _guidelines_block(
    fig: Figure,
    ctx: AtlasContext,
    lps_type: str,
    x0: float,
    x1: float,
    y: float,
    bottom: float,
) -> None:
    """The type's policy guidelines, fitted above ``bottom``, with a colour bar."""
    t = ctx.text
    heading = t["guidelines"].format(label=TYPE_LABELS[ctx.lang][lps_type])
    specific = GUIDELINES[ctx.lang][lps_type]
    general = GUIDELINES[ctx.lang]["general"]
    cite = f"{t['after']} {CITATION}"
    width = x1 - x0
    blocks = [
        (heading, 1.2, "bold"),
        (specific, 1.0, "normal"),
        (general, 1.0, "normal"),
        (cite, 0.9, "normal"),
    ]
    size = fit_font(ctx, blocks, width - 0.02, y - bottom, 8.0)
    from matplotlib.patches import Rectangle  # lazy: matplotlib's import cost

    top = y
    xt = x0 + 0.02
    y = paragraph(fig, ctx, xt, y, heading, width - 0.02, size * 1.2, weight="bold")
    y -= 0.004
    y = paragraph(fig, ctx, xt, y, specific, width - 0.02, size)
    y -= 0.006
    y = paragraph(fig, ctx, xt, y, general, width - 0.02, size)
    y -= 0.006
    y = paragraph(
        fig, ctx, xt, y, cite, width - 0.02, size * 0.9, style="italic", color=MUTED
    )
    fig.add_artist(
        Rectangle(
            (x0, y),
            0.006,
            top - y,
            transform=fig.transFigure,
            facecolor=TYPE_COLORS[lps_type],
            edgecolor="none",
            gid=f"guideline_bar:{lps_type}",
        )
    )


def lps_page(fig: Figure, ctx: AtlasContext, page: int | None, lps_id: str) -> None:
    """The page of one LPS: map, indicators, chart, capability, structure,
    related industries and guidelines."""
    row = ctx.row(lps_id)
    t = ctx.text
    lang = ctx.lang
    lps_type = str(row["lps_type"])
    name = str(row["name"])
    title = str(row.get("title") or "")
    industry = str(row["industry"])
    # header: name, industry, type chip
    size = fit_line(ctx, name, 0.70, 18, "bold")
    put_text(fig, ctx, 0.06, 0.968, name, size, weight="bold", gid="lps_name")
    put_text(fig, ctx, 0.94, 0.966, str(row["lps_id"]), 7, ha="right", color=MUTED)
    line = f"{industry} — {title}" if title else industry
    size = fit_line(ctx, line, 0.88, 11, "normal")
    put_text(fig, ctx, 0.06, 0.935, line, size, gid="industry_title")
    swatch(fig, ctx, 0.06, 0.912, TYPE_COLORS[lps_type], 9, gid=f"chip:{lps_type}")
    put_text(fig, ctx, 0.077, 0.912, TYPE_LABELS[lang][lps_type], 9, weight="bold")
    rule(fig, 0.06, 0.94, 0.893, lw=0.8, color=INK)

    # location map and its legend
    ax = fig.add_axes((0.06, 0.64, 0.55, 0.24))
    ax.set_gid("location_map")
    handles = location_map(ax, ctx, row)
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.055, 0.633),
        ncol=2,
        frameon=False,
        fontsize=ctx.fs(6.5),
        handlelength=1.4,
        columnspacing=1.2,
        borderaxespad=0.0,
        handletextpad=0.5,
    ).set_gid("location_legend")

    # indicator table
    x0, x1 = 0.65, 0.94
    y = 0.878
    put_text(fig, ctx, x0, y, t["indicators"], 9.5, weight="bold")
    y -= 0.021
    gl = ctx.result.industries
    gl = gl.loc[gl["industry"].astype(str) == industry, "gl"] if "gl" in gl else []
    summary = ctx.member_stats.loc[row["lps_id"]]
    n_members = row.get("n_members", len(ctx.members.get(row["lps_id"], [])))
    rows = [
        (t["employment"], fmt(row.get("employment"), 0, lang)),
        (t["establishments"], fmt(row.get("establishments"), 0, lang)),
        (t["ql"], fmt(row.get("ql"), 2, lang)),
        (t["share_industry"], pct(row.get("share_industry"), lang)),
        (t["share_region"], pct(row.get("share_region"), lang)),
        (t["n_members"], fmt(n_members, 0, lang)),
        (t["gini"], fmt(gl.iloc[0] if len(gl) else np.nan, 3, lang)),
        (t["high_high"], str(int(summary["high_high"]))),
        (t["hot_spots"], str(int(summary["hot_spots"]))),
    ]
    y = _table_rows(fig, ctx, x0, x1, y, rows, 7.5, 0.017)
    # members by name
    y -= 0.008
    put_text(fig, ctx, x0, y, t["members"], 8, weight="bold")
    y -= 0.017
    codes = ctx.members.get(row["lps_id"], [])
    names = dict(zip(ctx.area_codes, ctx.area_names, strict=True))
    listed = [names.get(c, c) for c in codes]
    shown = ", ".join(listed[:12])
    if len(listed) > 12:
        shown += f" {t['more'].format(k=len(listed) - 12)}"
    lines = wrap(shown, ctx.width_pt(x1 - x0), ctx.fs(7))
    if len(lines) > 6:
        lines = lines[:5] + [
            ellipsis(lines[5] + " …", ctx.width_pt(x1 - x0), ctx.fs(7))
        ]
    put_text(fig, ctx, x0, y, "\n".join(lines), 7, linespacing=1.35)

    # typology chart and capability
    top = 0.555
    industry_label = industry
    put_text(
        fig,
        ctx,
        0.06,
        top,
        t["chart"].format(industry=industry_label),
        9.5,
        weight="bold",
    )
    chart = fig.add_axes((0.13, 0.397, 0.37, 0.133))
    chart.set_gid("typology_chart")
    typology_chart(chart, ctx, row)
    chart_legend(chart, ctx, row)
    bottom = _capability_block(fig, ctx, row, 0.555, 0.94, top)

    # production structure and related industries (when the run has them)
    below = min(0.343, bottom - 0.002)
    rule(fig, 0.06, 0.94, below, lw=0.5)
    y = characterisation_sections(fig, ctx, row, below - 0.012)
    if y < below - 0.012:
        rule(fig, 0.06, 0.94, y - 0.004, lw=0.5)
        y -= 0.016
    # guidelines
    _guidelines_block(fig, ctx, lps_type, 0.06, 0.94, y, 0.045)
    footer(fig, ctx, page, left=f"{ctx.text['atlas']} · {ctx.study_area}")
