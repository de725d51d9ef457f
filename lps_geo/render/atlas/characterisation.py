"""What an LPS is made of, on its page: production structure and related industries.

:func:`characterisation_sections` draws, in one band of the LPS page, the
**production structure** (with RAIS establishment microdata: the SEBRAE size
classes as two stacked bars, shares of the establishments and of the jobs,
the structure label, mean and relative size, lead establishments, CR4 and
Herfindahl; ``lps_structure``) and the **related industries** specialised
in the members (``lps_related``: relatedness, QL and share of the members'
size, strongest first; the relatedness density of the ``lps`` layer) with,
when the result has them (``lps_suppliers``), the main suppliers of the
industry and where they are present. A section whose table the result lacks
is left out; the other one then takes the whole width. Nothing is computed
here beyond shares of the stored counts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lps_geo.errors import InputError
from lps_geo.render.atlas.context import AtlasContext
from lps_geo.render.atlas.text import fmt, pct
from lps_geo.render.atlas.typeset import (
    INK,
    MUTED,
    ellipsis,
    paragraph,
    put_text,
    rule,
    swatch,
    text_width,
)
from lps_geo.stats.structure import sebrae_sector
from lps_geo.symbology import (
    SIZE_CLASS_COLORS,
    SIZE_CLASS_LABELS,
    STRUCTURE_DESCRIPTIONS,
    STRUCTURE_LABELS,
    SUPPLIER_PRESENCE_LABELS,
)
from lps_geo.vocab import SEBRAE_CUTOFFS, SIZE_CLASS_KEYS, SebraeSector

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

#: Font size of a section heading, and the drop below it.
HEADING = 9.5
HEADING_DROP = 0.021
#: Step between the rows of the figures table and of the related industries.
ROW_STEP = 0.0145
RELATED_STEP = 0.013
#: Most related industries listed, and most suppliers named.
MAX_RELATED = 5
MAX_SUPPLIERS = 4
#: Where the band splits (figure fraction; the related industries, with
#: their names, get the wider side) and the gap between the two sections.
SPLIT = 0.47
GUTTER = 0.05
#: Height of the size-class bars, in figure fraction.
BAR_HEIGHT = 0.0105


def _w(ctx: AtlasContext, text: str, size: float, weight: str = "normal") -> float:
    """Width of ``text`` at ``size`` (A4 points), in figure fraction."""
    return text_width(text, ctx.fs(size), weight) / 72 / ctx.size[0]


def _heading(fig: Figure, ctx: AtlasContext, x0: float, y: float, key: str) -> float:
    put_text(fig, ctx, x0, y, ctx.text[key], HEADING, weight="bold", gid=key)
    return y - HEADING_DROP


def _sector(industry: str) -> SebraeSector:
    """SEBRAE sector of the LPS's industry (industry cut-offs if unknown)."""
    try:
        return sebrae_sector(industry)
    except (InputError, ValueError):
        return "industry"


def _class_ranges(sector: SebraeSector, lang: str) -> dict[str, str]:
    """Jobs of each SEBRAE class in ``sector``: "≤ 19", "20–99" ... "≥ 500"."""
    small, medium, large = SEBRAE_CUTOFFS[sector]
    n = lambda v: fmt(v, 0, lang)  # noqa: E731
    return {
        "micro": f"≤ {n(small - 1)}",
        "small": f"{n(small)}–{n(medium - 1)}",
        "medium": f"{n(medium)}–{n(large - 1)}",
        "large": f"≥ {n(large)}",
    }


def _on_colour(color: str) -> str:
    """Ink for text over a fill: white over dark fills, INK over light ones."""
    from matplotlib.colors import to_rgb  # lazy: matplotlib's import cost

    r, g, b = to_rgb(color)
    return "white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45 else INK


def _number(value) -> float:
    """A count as a float, 0 when missing."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return 0.0
    return x if np.isfinite(x) else 0.0


def _size_bars(
    fig: Figure, ctx: AtlasContext, s: pd.Series, x0: float, x1: float, y: float
) -> float:
    """Two stacked bars: shares of establishments and of jobs by size class."""
    from matplotlib.patches import Rectangle  # lazy: matplotlib's import cost

    t, lang = ctx.text, ctx.lang
    bars = [
        ("establishments", "n", t["bar_establishments"], s.get("establishments")),
        ("jobs", "jobs", t["bar_jobs"], s.get("jobs")),
    ]
    totals = [fmt(total, 0, lang) for *_, total in bars]
    label_w = max(_w(ctx, label, 7) for _, _, label, _ in bars)
    number_w = max(_w(ctx, n, 7) for n in totals)
    x_number = x0 + label_w + 0.008 + number_w
    xb = x_number + 0.012
    centre = 0.42 * ctx.fs(7) / 72 / ctx.size[1]  # below the top of the line
    for (what, prefix, label, _), total in zip(bars, totals, strict=True):
        put_text(fig, ctx, x0, y, label, 7, color=MUTED)
        put_text(fig, ctx, x_number, y, total, 7, ha="right")
        values = np.array([_number(s.get(f"{prefix}_{c}")) for c in SIZE_CLASS_KEYS])
        whole = values.sum()
        yc = y - centre
        x = xb
        for key, value in zip(SIZE_CLASS_KEYS, values, strict=True):
            if whole <= 0 or value <= 0:
                continue
            width = (x1 - xb) * value / whole
            color = SIZE_CLASS_COLORS[key]
            fig.add_artist(
                Rectangle(
                    (x, yc - BAR_HEIGHT / 2),
                    width,
                    BAR_HEIGHT,
                    transform=fig.transFigure,
                    facecolor=color,
                    edgecolor="white",
                    linewidth=0.5,
                    gid=f"size_bar:{what}:{key}",
                )
            )
            share = pct(value / whole, lang, 0)
            if _w(ctx, share, 6) + 0.006 < width:
                put_text(
                    fig,
                    ctx,
                    x + width / 2,
                    yc,
                    share,
                    6,
                    ha="center",
                    va="center_baseline",
                    color=_on_colour(color),
                    gid=f"size_share:{what}:{key}",
                )
            x += width
        y -= 0.0165
    return y


def _size_key(
    fig: Figure, ctx: AtlasContext, sector: SebraeSector, x0: float, x1: float, y
) -> float:
    """The size classes with their jobs, flowed over as many lines as needed."""
    t, lang = ctx.text, ctx.lang
    ranges = _class_ranges(sector, lang)
    size, step = 6.5, 0.0115
    items = [
        (SIZE_CLASS_COLORS[k], f"{SIZE_CLASS_LABELS[lang][k]} {ranges[k]}")
        for k in SIZE_CLASS_KEYS
    ] + [(None, t["size_key"])]
    box = 0.7 * ctx.fs(size) / 72 / ctx.size[0] + 0.004
    x = x0
    for color, label in items:
        width = _w(ctx, label, size) + (box if color else 0)
        if x > x0 and x + width > x1:
            x, y = x0, y - step
        if color:
            swatch(fig, ctx, x, y, color, size)
        put_text(
            fig,
            ctx,
            x + (box if color else 0),
            y,
            label,
            size,
            color=MUTED if color is None else INK,
        )
        x += width + 0.01
    return y - step - 0.003


def _pairs(
    fig: Figure,
    ctx: AtlasContext,
    x0: float,
    x1: float,
    y: float,
    pairs: list[tuple[str, str]],
    ncol: int,
) -> float:
    """Label/value pairs in ``ncol`` columns, row by row, ruled under each row."""
    gap = 0.025
    col_w = (x1 - x0 - gap * (ncol - 1)) / ncol
    for start in range(0, len(pairs), ncol):
        for i, (label, value) in enumerate(pairs[start : start + ncol]):
            left = x0 + i * (col_w + gap)
            value_w = _w(ctx, value, 7)
            label = ellipsis(label, ctx.width_pt(col_w - value_w - 0.008), ctx.fs(7))
            put_text(fig, ctx, left, y, label, 7, color=MUTED)
            put_text(fig, ctx, left + col_w, y, value, 7, ha="right")
            rule(fig, left, left + col_w, y - ROW_STEP + 0.004, lw=0.3)
        y -= ROW_STEP
    return y


def structure_section(
    fig: Figure,
    ctx: AtlasContext,
    row: pd.Series,
    rows: pd.DataFrame,
    x0: float,
    x1: float,
    y: float,
) -> float:
    """The production structure of one LPS from its ``lps_structure`` row."""
    t, lang = ctx.text, ctx.lang
    y = _heading(fig, ctx, x0, y, "structure")
    if rows.empty:
        return paragraph(
            fig, ctx, x0, y, t["no_structure_row"], x1 - x0, 7, color=MUTED
        )
    s = rows.iloc[0]
    key = str(s.get("structure"))
    if key in STRUCTURE_LABELS[lang]:
        label = STRUCTURE_LABELS[lang][key]
        put_text(fig, ctx, x0, y, label, 7.5, weight="bold", gid=f"structure:{key}")
        xd = x0 + _w(ctx, label, 7.5, "bold") + 0.012
        note = ellipsis(
            STRUCTURE_DESCRIPTIONS[lang][key], ctx.width_pt(x1 - xd), ctx.fs(7)
        )
        put_text(fig, ctx, xd, y, note, 7, color=MUTED)
        y -= 0.0165
    sector = _sector(str(row["industry"]))
    y = _size_bars(fig, ctx, s, x0, x1, y)
    y = _size_key(fig, ctx, sector, x0, x1, y)
    lead_n = ctx.lead_cutoffs[0 if sector == "industry" else 1]
    relative = s.get("relative_size")
    pairs = [
        (t["mean_size"], fmt(s.get("mean_size"), 1, lang)),
        (
            t["relative_size"],
            t["times"].format(x=fmt(relative, 2, lang))
            if fmt(relative, 2, lang) != "–"
            else "–",
        ),
        (
            t["lead"].format(n=fmt(lead_n, 0, lang)),
            fmt(s.get("lead_establishments"), 0, lang),
        ),
        (t["lead_share"], pct(s.get("lead_share"), lang)),
        (t["cr4"], pct(s.get("cr4"), lang)),
        (t["hhi"], fmt(s.get("hhi"), 3, lang)),
    ]
    ncol = 2 if x1 - x0 < 0.6 else 3
    return _pairs(fig, ctx, x0, x1, y, pairs, ncol)


def _presence(s: pd.Series) -> str:
    """Where a supplier is present: members, nearby or absent."""
    if bool(s.get("present_in_members")):
        return "members"
    if bool(s.get("present_nearby")):
        return "nearby"
    return "absent"


def _supplier_name(s: pd.Series) -> str:
    for column in ("activity_name", "industries", "activity"):
        value = s.get(column)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return "?"


def suppliers_text(ctx: AtlasContext, rows: pd.DataFrame) -> str:
    """ "Main suppliers: A (in the members); B (nearby) ..." for one LPS.

    The input-output suppliers by rank, after those of the user's
    production chains; the industry itself and buyers are left out.
    """
    t, lang = ctx.text, ctx.lang
    sup = rows[rows["role"].astype(str).isin(("chain", "supplier"))]
    if "is_self" in sup:
        sup = sup[~sup["is_self"].fillna(False).astype(bool)]
    if sup.empty:
        return f"{t['suppliers']}: {t['no_suppliers']}."
    order = sup.assign(_chain=sup["role"].astype(str) != "chain").sort_values(
        ["_chain", "rank"], kind="stable"
    )
    named: dict[str, str] = {}
    for _, s in order.iterrows():
        name = _supplier_name(s)
        if name not in named:
            named[name] = SUPPLIER_PRESENCE_LABELS[lang][_presence(s)]
        if len(named) == MAX_SUPPLIERS:
            break
    listed = "; ".join(f"{name} ({where})" for name, where in named.items())
    return f"{t['suppliers']}: {listed}."


def related_section(
    fig: Figure,
    ctx: AtlasContext,
    row: pd.Series,
    related: pd.DataFrame | None,
    suppliers: pd.DataFrame | None,
    x0: float,
    x1: float,
    y: float,
) -> float:
    """Related industries in the members, relatedness density and suppliers."""
    t, lang = ctx.text, ctx.lang
    y = _heading(fig, ctx, x0, y, "related")
    if related is not None and related.empty:
        y = paragraph(fig, ctx, x0, y, t["no_related"], x1 - x0, 7, color=MUTED)
        y -= 0.003
    elif related is not None:
        top = related.sort_values("relatedness", ascending=False, kind="stable")
        top = top.head(MAX_RELATED)
        values = [
            (
                fmt(r.get("relatedness"), 2, lang),
                fmt(r.get("ql"), 2, lang),
                pct(r.get("share_of_size"), lang),
            )
            for _, r in top.iterrows()
        ]
        headers = t[
            "rel_headers" if ctx.size_measure != "establishments" else "rel_headers_est"
        ]
        widths = [
            max(
                max(_w(ctx, part, 6.5, "bold") for part in h.split("\n")),
                max(_w(ctx, v[i], 7) for v in values),
            )
            for i, h in enumerate(headers)
        ]
        gap = 0.016
        cols = (
            x1 - widths[2] - widths[1] - 2 * gap,
            x1 - widths[2] - gap,
            x1,
        )
        for x, label in zip(cols, headers, strict=True):
            put_text(
                fig,
                ctx,
                x,
                y - 0.0195,
                label,
                6.5,
                ha="right",
                color=MUTED,
                weight="bold",
                multialignment="right",
                linespacing=1.2,
                va="bottom",
            )
        y -= 0.023
        rule(fig, x0, x1, y + 0.004, lw=0.4)
        name_w = ctx.width_pt(cols[0] - widths[0] - gap - x0)
        for (_, r), cells in zip(top.iterrows(), values, strict=True):
            code = str(r["related_industry"])
            title = r.get("related_title")
            name = f"{code} {title}" if isinstance(title, str) and title else code
            put_text(
                fig, ctx, x0, y, ellipsis(name, name_w, ctx.fs(7)), 7, gid="related"
            )
            for x, value in zip(cols, cells, strict=True):
                put_text(fig, ctx, x, y, value, 7, ha="right")
            y -= RELATED_STEP
        rule(fig, x0, x1, y + 0.004, lw=0.4)
        y -= 0.002
    if related is not None or "relatedness_density" in row:
        put_text(fig, ctx, x0, y, t["density"], 7, color=MUTED)
        put_text(
            fig,
            ctx,
            x1,
            y,
            fmt(row.get("relatedness_density"), 1, lang),
            7,
            ha="right",
            gid="relatedness_density",
        )
        y -= ROW_STEP
    if suppliers is not None:
        y = paragraph(
            fig,
            ctx,
            x0,
            y,
            suppliers_text(ctx, suppliers),
            x1 - x0,
            6.5,
            color=INK,
            gid="suppliers",
        )
    return y


def characterisation_sections(
    fig: Figure, ctx: AtlasContext, row: pd.Series, top: float
) -> float:
    """Production structure and related industries of one LPS, side by side.

    Drawn from ``top`` down; a section whose table the result lacks
    (``lps_structure`` without RAIS establishment microdata,
    ``lps_related`` in a one-industry run, ``lps_suppliers`` without an
    input-output table) is left out and the other one takes the whole
    width. Returns the lowest y drawn (``top`` when nothing is).
    """
    lps_id = str(row["lps_id"])
    structure = ctx.rows_of("lps_structure", lps_id)
    related = ctx.rows_of("lps_related", lps_id)
    suppliers = ctx.rows_of("lps_suppliers", lps_id)
    show_related = related is not None or suppliers is not None
    x0, x1 = 0.06, 0.94
    if structure is not None and show_related:
        middle = SPLIT
        left = structure_section(fig, ctx, row, structure, x0, middle - GUTTER / 2, top)
        right = related_section(
            fig, ctx, row, related, suppliers, middle + GUTTER / 2, x1, top
        )
        return min(left, right)
    if structure is not None:
        return structure_section(fig, ctx, row, structure, x0, x1, top)
    if show_related:
        return related_section(fig, ctx, row, related, suppliers, x0, x1, top)
    return top
