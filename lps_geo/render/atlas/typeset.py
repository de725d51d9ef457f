"""Typesetting of the atlas pages: text measured, wrapped and fitted; page furniture.

Words are measured once with the real font metrics (:func:`text_width`), so
wrapping (:func:`wrap`) and fitting (:func:`fit_font`) are cheap; the
furniture (:func:`put_text`, :func:`paragraph`, :func:`rule`, :func:`swatch`,
:func:`header`, :func:`footer`) draws in figure coordinates of the A4 layout,
scaled to the page by the :class:`~.context.AtlasContext`.

matplotlib is imported inside the functions, for import cost (``import
lps_geo`` loads the atlas).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from lps_geo.render.atlas.context import AtlasContext
from lps_geo.symbology import EDGE_COLOR

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

# neutral inks (not category colours): text, rules, quiet text
INK = "#222222"
MUTED = "#666666"
RULE_COLOR = EDGE_COLOR


@lru_cache(maxsize=1)
def _renderer():
    """An Agg renderer used only to measure text."""
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(10, 10, 72)  # 72 dpi: widths come out in points


#: Size at which words are measured (large, so hinting does not round the
#: advances); widths scale linearly with the size.
_REFERENCE_SIZE = 100.0

#: Share of a text box that wrapped lines may fill: the PDF renderer's text
#: metrics differ from the measured ones by about 1 %.
_WRAP_SLACK = 0.97


@lru_cache(maxsize=8192)
def _word_width(word: str, weight: str) -> float:
    """Width of ``word`` at the reference size, in points."""
    from matplotlib.font_manager import FontProperties

    w, _, _ = _renderer().get_text_width_height_descent(
        word, FontProperties(size=_REFERENCE_SIZE, weight=weight), ismath=False
    )
    return float(w)


def _space_width(weight: str) -> float:
    """Advance of a space at the reference size (measured between two letters)."""
    return _word_width("a a", weight) - 2 * _word_width("a", weight)


def text_width(text: str, size: float, weight: str = "normal") -> float:
    """Width of ``text`` in points: cached word widths plus spaces.

    Measuring words once (at a reference size, scaled linearly) instead of
    every candidate line keeps wrapping cheap; kerning across a space is
    ignored, a fraction of a point.
    """
    words = text.split(" ")
    total = sum(_word_width(w, weight) for w in words if w)
    total += (len(words) - 1) * _space_width(weight)
    return total * size / _REFERENCE_SIZE


def wrap(text: str, width_pt: float, size: float, weight: str = "normal") -> list:
    """Greedy word wrap measured with the real font metrics."""
    width_pt = width_pt * _WRAP_SLACK
    scale = size / _REFERENCE_SIZE
    space = _space_width(weight) * scale
    lines: list[str] = []
    for para in text.split("\n"):
        line, used = "", 0.0
        for word in para.split():
            w = _word_width(word, weight) * scale
            if line and used + space + w > width_pt:
                lines.append(line)
                line, used = word, w
            elif line:
                line, used = f"{line} {word}", used + space + w
            else:
                line, used = word, w
        lines.append(line)
    return lines


def ellipsis(text: str, width_pt: float, size: float, weight: str = "normal") -> str:
    """``text``, cut and ended with "…" when wider than ``width_pt``."""
    width_pt = width_pt * _WRAP_SLACK
    if text_width(text, size, weight) <= width_pt:
        return text
    while text and text_width(text + "…", size, weight) > width_pt:
        text = text[:-1]
    return text.rstrip() + "…"


def new_figure(ctx: AtlasContext) -> Figure:
    """A white Figure of the atlas page size (not attached to pyplot)."""
    from matplotlib.figure import Figure

    return Figure(figsize=ctx.size, facecolor="white")


def put_text(fig: Figure, ctx: AtlasContext, x, y, s, size, **kw):
    """Text at figure fraction (x, y), top-aligned, size scaled to the page."""
    kw.setdefault("color", INK)
    kw.setdefault("va", "top")
    return fig.text(x, y, s, fontsize=ctx.fs(size), **kw)


def paragraph(
    fig: Figure,
    ctx: AtlasContext,
    x: float,
    y: float,
    text: str,
    width: float,
    size: float,
    spacing: float = 1.35,
    draw: bool = True,
    **kw,
) -> float:
    """Draw ``text`` wrapped to ``width`` (figure fraction); return the y below."""
    lines = wrap(text, ctx.width_pt(width), ctx.fs(size), kw.get("weight", "normal"))
    if draw:
        put_text(fig, ctx, x, y, "\n".join(lines), size, linespacing=spacing, **kw)
    line_h = ctx.fs(size) * spacing / 72 / ctx.size[1]
    return y - len(lines) * line_h


def rule(fig: Figure, x0: float, x1: float, y: float, lw: float = 0.5, **kw):
    """A horizontal line from ``x0`` to ``x1`` at ``y`` (figure fraction)."""
    from matplotlib.lines import Line2D

    kw.setdefault("color", RULE_COLOR)
    fig.add_artist(
        Line2D([x0, x1], [y, y], linewidth=lw, transform=fig.transFigure, **kw)
    )


def swatch(
    fig: Figure,
    ctx: AtlasContext,
    x: float,
    y: float,
    color: str,
    size: float = 8.0,
    gid: str | None = None,
) -> None:
    """A square of ``color`` at ``x``, level with a line of text of ``size``.

    ``y`` is the top of the text line (as drawn by :func:`put_text`, ``va="top"``);
    the square is centred on the capitals of the line and as tall as them.
    """
    from matplotlib.patches import Rectangle

    side = 0.7 * ctx.fs(size)  # points
    centre = 0.42 * ctx.fs(size)  # points below the top of the line
    w = side / 72 / ctx.size[0]
    h = side / 72 / ctx.size[1]
    yc = y - centre / 72 / ctx.size[1]
    fig.add_artist(
        Rectangle(
            (x, yc - h / 2),
            w,
            h,
            transform=fig.transFigure,
            facecolor=color,
            edgecolor=RULE_COLOR,
            linewidth=0.4,
            gid=gid,
        )
    )


def header(fig: Figure, ctx: AtlasContext, title: str) -> float:
    """The page title with a rule under it; returns the y where content starts."""
    put_text(fig, ctx, 0.06, 0.965, title, 17, weight="bold")
    rule(fig, 0.06, 0.94, 0.935, lw=0.8, color=INK)
    return 0.915


def footer(fig: Figure, ctx: AtlasContext, page: int | None, left: str | None = None):
    """The rule, atlas name (or ``left``) and "page N of M" at the foot."""
    rule(fig, 0.06, 0.94, 0.032)
    put_text(fig, ctx, 0.06, 0.025, left or ctx.text["atlas"], 7, color=MUTED)
    if page is not None:
        put_text(
            fig,
            ctx,
            0.94,
            0.025,
            ctx.text["page_of"].format(n=page, m=ctx.n_pages),
            7,
            color=MUTED,
            ha="right",
            gid="page_number",
        )


def fit_font(
    ctx: AtlasContext,
    blocks: list[tuple[str, float, str]],
    width: float,
    height: float,
    size: float,
    spacing: float = 1.35,
    minimum: float = 5.5,
) -> float:
    """Largest font size <= ``size`` at which ``blocks`` fit in ``height``.

    ``blocks`` are (text, relative size, weight); gaps of half a line separate
    them.
    """
    while size > minimum:
        total = 0.0
        for text, rel, weight in blocks:
            s = ctx.fs(size * rel)
            n = len(wrap(text, ctx.width_pt(width), s, weight))
            total += (n + 0.5) * s * spacing / 72 / ctx.size[1]
        if total <= height:
            return size
        size -= 0.25
    return minimum


def fit_line(ctx: AtlasContext, text: str, width: float, size: float, weight: str):
    """Font size (<= ``size``) at which ``text`` fits on one line of ``width``."""
    while size > 6 and text_width(text, ctx.fs(size), weight) > ctx.width_pt(width):
        size -= 0.5
    return size
