"""The location map of an LPS page: the members over their neighbourhood.

Member areas in the colour of the LPS type, the support institutions by
type, the capability radius, a scale bar, member names that do not collide
and an inset locating the view in the study area.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from lps_geo.render.atlas.context import AtlasContext
from lps_geo.render.atlas.text import fmt
from lps_geo.render.atlas.typeset import INK, text_width
from lps_geo.render.primitives import nice_length
from lps_geo.symbology import (
    BASE_FILL,
    EDGE_COLOR,
    INSTITUTION_COLORS,
    INSTITUTION_LABELS,
    LPS_EDGE,
    TYPE_COLORS,
    TYPE_LABELS,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

#: The location map of an LPS shows at least this many metres around its
#: bounds (and at least half its extent), so neighbouring municipalities and
#: nearby institutions are in view.
NEIGHBOURHOOD_M = 15_000.0


def _polygons_path(geoms):
    """All polygons of ``geoms`` as one matplotlib Path (holes kept).

    Exteriors are oriented counter-clockwise and holes clockwise
    (:func:`shapely.orient_polygons`), so the non-zero fill rule of every
    backend leaves the holes empty. One path per layer draws far faster than
    one patch per polygon.
    """
    from matplotlib.path import Path  # lazy: matplotlib's import cost

    geoms = np.asarray(geoms, dtype=object)
    geoms = geoms[~shapely.is_missing(geoms)]
    geoms = geoms[~shapely.is_empty(geoms)]
    if not len(geoms):
        return Path(np.zeros((1, 2)), [Path.MOVETO])
    parts = shapely.get_parts(shapely.orient_polygons(geoms))
    rings = shapely.get_rings(parts)
    coords, index = shapely.get_coordinates(rings, return_index=True)
    starts = np.r_[0, np.flatnonzero(np.diff(index)) + 1]
    ends = np.r_[starts[1:] - 1, len(index) - 1]
    codes = np.full(len(index), Path.LINETO, dtype=Path.code_type)
    codes[starts] = Path.MOVETO
    codes[ends] = Path.CLOSEPOLY
    return Path(coords, codes)


def _add_polygons(ax: Axes, geoms, **kw):
    """Draw polygons as one PathPatch (see :func:`_polygons_path`)."""
    from matplotlib.patches import PathPatch  # lazy: matplotlib's import cost

    patch = PathPatch(_polygons_path(geoms), **kw)
    ax.add_patch(patch)
    return patch


def _view_box(geom, pad: float, aspect: float) -> tuple[float, float, float, float]:
    """Bounds of ``geom`` grown by ``pad`` and to the axes' width/height ratio."""
    x0, y0, x1, y1 = geom.bounds
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    w, h = x1 - x0, y1 - y0
    if w / h < aspect:
        grow = (h * aspect - w) / 2
        x0, x1 = x0 - grow, x1 + grow
    else:
        grow = (w / aspect - h) / 2
        y0, y1 = y0 - grow, y1 + grow
    return x0, y0, x1, y1


def location_map(ax: Axes, ctx: AtlasContext, row: pd.Series) -> list:
    """Members over their neighbourhood, institutions, locator; legend handles."""
    # lazy: matplotlib's import cost
    from matplotlib.font_manager import FontProperties
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    t = ctx.text
    lps_type = str(row["lps_type"])
    color = TYPE_COLORS[lps_type]
    geom = row["geometry"]
    bbox = ax.get_position()
    aspect = (bbox.width * ctx.size[0]) / (bbox.height * ctx.size[1])
    x0, y0, x1, y1 = geom.bounds
    extent = max(x1 - x0, y1 - y0)
    radius = ctx.cap_distance_m
    pad = max(0.5 * extent, NEIGHBOURHOOD_M)
    view = _view_box(geom, pad, aspect)
    areas = ctx.areas
    hits = areas.sindex.query(shapely.box(*view))
    codes = ctx.area_codes[hits]
    members = set(ctx.members.get(row["lps_id"], []))
    is_member = np.isin(codes, list(members))
    shown = areas.iloc[hits]
    shapes = np.asarray(shown.geometry.array)
    _add_polygons(
        ax,
        shapes[~is_member],
        facecolor=BASE_FILL,
        edgecolor=EDGE_COLOR,
        linewidth=0.35,
        zorder=1,
    )
    _add_polygons(
        ax,
        shapes[is_member],
        facecolor=color,
        edgecolor=EDGE_COLOR,
        linewidth=0.35,
        zorder=2,
        gid=f"members:{lps_type}",
    )
    _add_polygons(
        ax, [geom], facecolor="none", edgecolor=LPS_EDGE, linewidth=1.3, zorder=3
    )
    handles: list = [
        Patch(
            facecolor=color,
            edgecolor=EDGE_COLOR,
            linewidth=0.4,
            label=f"{t['legend_members']} ({TYPE_LABELS[ctx.lang][lps_type]})",
            gid=f"legend:{lps_type}",
        ),
        Patch(
            facecolor=BASE_FILL,
            edgecolor=EDGE_COLOR,
            linewidth=0.4,
            label=t["legend_others"],
        ),
    ]
    ring = shapely.buffer(geom, radius, quad_segs=16) if radius else None
    if ring is not None and shapely.intersects(ring.boundary, shapely.box(*view)):
        _add_polygons(
            ax,
            [ring],
            facecolor="none",
            edgecolor=LPS_EDGE,
            linewidth=0.8,
            linestyle=(0, (4, 3)),
            zorder=3,
            gid="capability_radius",
        )
        handles.append(
            Line2D(
                [],
                [],
                color=LPS_EDGE,
                linewidth=0.8,
                linestyle=(0, (4, 3)),
                label=t["legend_radius"].format(d=fmt(radius / 1000, 0, ctx.lang)),
            )
        )
    inst = ctx.result.institutions
    if inst is not None and len(inst):
        xy = shapely.get_coordinates(np.asarray(inst.geometry.array))
        inside = (
            (xy[:, 0] >= view[0])
            & (xy[:, 0] <= view[2])
            & (xy[:, 1] >= view[1])
            & (xy[:, 1] <= view[3])
        )
        kinds = inst["type"].astype(str).to_numpy()
        for kind, kcolor in INSTITUTION_COLORS.items():
            mask = inside & (kinds == kind)
            if not mask.any():
                continue
            ax.scatter(
                xy[mask, 0],
                xy[mask, 1],
                s=22 * ctx.scale,
                color=kcolor,
                edgecolor="white",
                linewidth=0.5,
                zorder=5,
                gid=f"institutions:{kind}",
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="",
                    color=kcolor,
                    markeredgecolor="white",
                    markersize=5,
                    label=f"{INSTITUTION_LABELS[ctx.lang][kind]} ({int(mask.sum())})",
                )
            )
    ax.set_xlim(view[0], view[2])
    ax.set_ylim(view[1], view[3])
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_color(EDGE_COLOR)
        spine.set_linewidth(0.6)
    _label_members(ax, ctx, shown[is_member], ctx.area_names[hits][is_member], view)
    # scale bar, lower left inside the frame
    crs = areas.crs
    if crs is not None and crs.is_projected:
        to_m = crs.axis_info[0].unit_conversion_factor or 1.0
        km = nice_length((view[2] - view[0]) * to_m / 1000 / 4)
        bar = AnchoredSizeBar(
            ax.transData,
            km * 1000 / to_m,
            f"{km:g} km",
            loc="lower left",
            pad=0.4,
            borderpad=0.5,
            sep=3,
            frameon=True,
            size_vertical=(view[3] - view[1]) / 200,
            color=INK,
            fontproperties=FontProperties(size=ctx.fs(6.5)),
        )
        bar.patch.set_alpha(0.85)
        bar.patch.set_edgecolor("none")
        bar.set_gid("scale_bar")
        ax.add_artist(bar)
    # locator inset: the study area with this view marked
    inset = ax.inset_axes((0.70, 0.70, 0.29, 0.29))
    inset.set_facecolor("white")
    _add_polygons(
        inset, [ctx.outline], facecolor=BASE_FILL, edgecolor=EDGE_COLOR, linewidth=0.4
    )
    _add_polygons(inset, [geom], facecolor=color, edgecolor=LPS_EDGE, linewidth=0.3)
    inset.add_patch(
        Rectangle(
            (view[0], view[1]),
            view[2] - view[0],
            view[3] - view[1],
            facecolor="none",
            edgecolor=LPS_EDGE,
            linewidth=0.8,
        )
    )
    ox0, oy0, ox1, oy1 = ctx.outline.bounds
    m = 0.04 * max(ox1 - ox0, oy1 - oy0)
    inset.set_xlim(min(ox0, view[0]) - m, max(ox1, view[2]) + m)
    inset.set_ylim(min(oy0, view[1]) - m, max(oy1, view[3]) + m)
    inset.set_aspect("equal")
    inset.set_anchor("NE")
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_xlabel("")
    inset.set_ylabel("")
    inset.set_gid("locator")
    for spine in inset.spines.values():
        spine.set_color(EDGE_COLOR)
        spine.set_linewidth(0.5)
    return handles


def _label_members(ax: Axes, ctx: AtlasContext, polygons, names, view) -> None:
    """Name member areas at a point inside each, skipping labels that collide.

    Larger members are labelled first; a label is dropped when its box
    (measured with the font metrics) would overlap one already placed, the
    inset locator or the frame. Every member is also listed by name in the
    side panel, so nothing is lost.
    """
    from matplotlib.patheffects import withStroke  # lazy: matplotlib's import cost

    if not len(polygons):
        return
    size = ctx.fs(6.5)
    geoms = np.asarray(polygons.geometry.array)
    points = shapely.point_on_surface(geoms)
    order = np.argsort(-shapely.area(geoms), kind="stable")
    bbox = ax.get_position()
    # points per map unit (the axes keep the view's aspect)
    per_unit = bbox.width * ctx.size[0] * 72 / (view[2] - view[0])
    width_pts = bbox.width * ctx.size[0] * 72
    height_pts = bbox.height * ctx.size[1] * 72
    taken = [(0.70 * width_pts, 0.70 * height_pts, width_pts, height_pts)]  # inset
    halo = [withStroke(linewidth=2.2, foreground="white")]
    for i in order[:40]:
        name = str(names[i])
        w = text_width(name, size) + 8  # halo and breathing space
        h = size * 1.6
        for dy in (0.0, 1.1 * h, -1.1 * h):
            x = points[i].x
            y = points[i].y + dy / per_unit
            if dy and not shapely.contains_xy(geoms[i], x, y):
                continue
            cx = (x - view[0]) * per_unit
            cy = (y - view[1]) * per_unit
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            outside = (
                box[0] < 2
                or box[1] < 2
                or box[2] > width_pts - 2
                or (box[3] > height_pts - 2)
            )
            if outside or any(
                box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3]
                for o in taken
            ):
                continue
            taken.append(box)
            ax.text(
                x,
                y,
                name,
                fontsize=size,
                ha="center",
                va="center",
                color=INK,
                path_effects=halo,
                zorder=6,
                gid="member_label",
            )
            break
