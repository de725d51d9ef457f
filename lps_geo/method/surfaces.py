"""Kernel-density surfaces of capability, written as cloud-optimised GeoTIFFs.

Step (iii) of Suzigan, Furtado & Garcia (2006) asks where the institutions
that support a local production system are, and how dense they are around it.
Counting institutions inside municipal borders depends on where the borders
run; a kernel-density surface spreads each institution (or each
municipality's employment) over its surroundings and so shows the intensity
of capability independently of the zoning. This module builds those surfaces
and writes them to disk:

* :class:`Grid` / :func:`make_grid`: one raster grid per run, aligned to
  multiples of the cell size in a projected CRS, so that every surface of a
  run (each institution type, all institutions, employment of an industry)
  lines up cell for cell;
* :func:`bandwidth`: the documented rule of thumb for the smoothing distance;
* :func:`kernel_density`: the surface itself, in weighted points per km²;
* :func:`institution_surfaces` and :func:`region_value_surface`: the two
  surfaces the pipeline needs;
* :func:`write_cog`: a Cloud-Optimised GeoTIFF (deflate, 512-pixel tiles,
  overviews) plus a sidecar ``<name>.qml`` QGIS style, both written
  atomically; :func:`surface_style` gives the colour ramp of each surface kind
  from :mod:`lps_geo.symbology`.

Density
-------
For points :math:`p_i` with weights :math:`w_i` the density at a cell centre
:math:`c` is

.. math:: f(c) = 10^6 \\sum_i w_i \\, K_h(\\lVert c - p_i \\rVert)

in weighted points per km² (the factor converts from per m²). ``K_h`` is a
radially symmetric kernel that integrates to one over the plane, so the
surface integrates to the total weight :math:`\\sum_i w_i` (up to the mass
that falls outside the grid):

``"quartic"`` (default; the kernel of QGIS's *Heatmap* and ArcGIS's *Kernel
Density*, after Silverman 1986, eq. 4.4)
    :math:`K_h(d) = \\frac{3}{\\pi h^2} (1 - d^2/h^2)^2` for :math:`d < h`,
    0 beyond. ``h`` is the search radius.
``"gaussian"``
    :math:`K_h(d) = \\frac{1}{2 \\pi h^2} e^{-d^2 / 2h^2}` truncated at
    :math:`d = 4h` and divided by :math:`1 - e^{-8}` (the mass kept) so that it
    still integrates to one. ``h`` is the standard deviation per axis.

The density is evaluated at cell centres (no averaging over the cell). Cells
the kernels do not reach are 0, not nodata; nodata (``NaN`` in memory,
``-9999`` on disk) marks only cells whose centre lies outside an optional
study-area ``mask``.

References
----------
Silverman, B. W. (1986). *Density Estimation for Statistics and Data
Analysis*. London: Chapman and Hall.

Scott, D. W. (1992). *Multivariate Density Estimation: Theory, Practice, and
Visualization*. New York: Wiley.

Suzigan, W., Furtado, J., & Garcia, R. (2006). Estrutura e governança em
arranjos produtivos locais. (The method this package implements.)
"""

from __future__ import annotations

import logging
import math
import numbers
import os
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine
from pyproj import CRS
from pyproj.exceptions import CRSError as PyprojCRSError
from shapely.geometry.base import BaseGeometry

from lps_geo import symbology as palettes
from lps_geo.errors import (
    ConfigError,
    CRSError,
    InputError,
    MissingCodesWarning,
    SmallBaseWarning,
)
from lps_geo.export.atomic import atomic_path, check_writable
from lps_geo.io._util import format_items

log = logging.getLogger(__name__)

Kernel = Literal["quartic", "gaussian"]
BandwidthRule = Literal["silverman", "scott"]

#: Kernel options (for the CLI's choices).
KERNELS: tuple[str, ...] = ("quartic", "gaussian")
#: Bandwidth rules (for the CLI's choices).
BANDWIDTH_RULES: tuple[str, ...] = ("silverman", "scott")

#: Default cell size of a run's grid, in metres.
DEFAULT_CELL_SIZE = 5_000.0
#: Default projected CRS (SIRGAS 2000 / Brazil Polyconic).
DEFAULT_CRS = "EPSG:5880"
#: Default nodata value written to GeoTIFFs.
NODATA = -9999.0
#: Largest grid :func:`make_grid` builds, in cells (guards against a cell size
#: given in km instead of metres).
MAX_CELLS = 100_000_000
#: The Gaussian kernel is truncated at this many bandwidths.
GAUSSIAN_CUTOFF = 4.0

ALL_INSTITUTIONS_COLOR = palettes.ALL_INSTITUTIONS_COLOR

#: Default top of a style's colour ramp: this percentile of the positive cells
#: (QGIS's own default stretch cuts at 98 %). Kernel surfaces are very skewed;
#: a ramp up to the maximum would leave all but the densest spot invisible.
RAMP_CUT = 98.0

#: QGIS version written in the sidecar style (the LTR the project targets).
QGIS_STYLE_VERSION = "3.22.16-Białowieża"

_M2_PER_KM2 = 1e6


# --------------------------------------------------------------------------- grid


@dataclass(frozen=True)
class Grid:
    """A north-up raster grid: CRS, affine transform and size in cells.

    Build it with :func:`make_grid`, which aligns the corners to multiples of
    the cell size so that every surface of a run shares one grid.

    Attributes
    ----------
    crs
        A projected CRS (:class:`pyproj.CRS`).
    transform
        Pixel to map coordinates (:class:`affine.Affine`): ``transform * (col,
        row)`` is the upper-left corner of a cell.
    width, height
        Number of columns and rows.

    Examples
    --------
    >>> g = make_grid((0, 0, 20_000, 10_000), cell_size=5_000)
    >>> g
    <Grid 4 x 2 cells of 5000 m in EPSG:5880, bounds (0, 0, 20000, 10000)>
    >>> g.bounds, g.cell_size, g.shape
    ((0.0, 0.0, 20000.0, 10000.0), 5000.0, (2, 4))
    """

    crs: CRS
    transform: Affine
    width: int
    height: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "crs", _projected_crs(self.crs, "grid CRS"))
        t = self.transform
        if not isinstance(t, Affine) or t.b != 0 or t.d != 0 or not t.a == -t.e > 0:
            raise ConfigError(
                f"grid transform must be a north-up Affine with square cells, got {t!r}"
            )
        for name in ("width", "height"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or value < 1:
                raise ConfigError(
                    f"grid {name} must be a positive integer, got {value!r}"
                )
            object.__setattr__(self, name, int(value))

    @property
    def cell_size(self) -> float:
        """Side of a (square) cell in CRS units (metres)."""
        return float(self.transform.a)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(minx, miny, maxx, maxy)`` of the grid's outer edges."""
        t = self.transform
        return (
            float(t.c),
            float(t.f + t.e * self.height),
            float(t.c + t.a * self.width),
            float(t.f),
        )

    @property
    def shape(self) -> tuple[int, int]:
        """``(height, width)``: the shape of every surface on this grid."""
        return (self.height, self.width)

    @property
    def cell_area_km2(self) -> float:
        """Area of one cell in km²."""
        return self.cell_size**2 / _M2_PER_KM2

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell-centre coordinates: x per column (west to east), y per row
        (north to south).

        Examples
        --------
        >>> xs, ys = make_grid((0, 0, 20_000, 10_000), cell_size=5_000).centres()
        >>> xs.tolist(), ys.tolist()
        ([2500.0, 7500.0, 12500.0, 17500.0], [7500.0, 2500.0])
        """
        minx, _, _, maxy = self.bounds
        cs = self.cell_size
        xs = minx + (np.arange(self.width) + 0.5) * cs
        ys = maxy - (np.arange(self.height) + 0.5) * cs
        return xs, ys

    def __repr__(self) -> str:
        minx, miny, maxx, maxy = self.bounds
        return (
            f"<Grid {self.width} x {self.height} cells of {self.cell_size:g} m in "
            f"{_crs_name(self.crs)}, bounds ({minx:.0f}, {miny:.0f}, {maxx:.0f}, "
            f"{maxy:.0f})>"
        )


def _crs_name(crs: CRS) -> str:
    auth = crs.to_authority()
    return f"{auth[0]}:{auth[1]}" if auth else crs.name


def _projected_crs(crs: Any, what: str) -> CRS:
    if crs is None:
        raise CRSError(
            f"{what} has no CRS; set one (e.g. .set_crs('EPSG:4674')) and "
            f"project it (e.g. .to_crs('{DEFAULT_CRS}'))"
        )
    try:
        crs = CRS.from_user_input(crs)
    except PyprojCRSError as exc:
        raise CRSError(f"{what}: {crs!r} is not a CRS ({exc})") from exc
    if not crs.is_projected:
        raise CRSError(
            f"{what} is in {_crs_name(crs)}, a geographic CRS; surfaces need "
            f"distances in metres: use a projected CRS such as {DEFAULT_CRS} "
            "(SIRGAS 2000 / Brazil Polyconic)"
        )
    return crs


def make_grid(
    bounds: Sequence[float] | gpd.GeoSeries | gpd.GeoDataFrame,
    cell_size: float = DEFAULT_CELL_SIZE,
    crs: Any = DEFAULT_CRS,
    pad: float = 0.0,
) -> Grid:
    """A grid covering ``bounds`` whose edges are multiples of ``cell_size``.

    The extent is widened by ``pad`` on every side and then outwards to the
    nearest multiples of ``cell_size``, so two grids with the same cell size
    and CRS always line up cell for cell (every surface of a run shares one
    grid; surfaces of different runs can be compared).

    Parameters
    ----------
    bounds
        ``(minx, miny, maxx, maxy)`` in ``crs``, or a GeoSeries/GeoDataFrame
        (its ``total_bounds``; its CRS must equal ``crs``).
    cell_size
        Side of a square cell in metres (default 5 km).
    crs
        A projected CRS (default EPSG:5880, SIRGAS 2000 / Brazil Polyconic).
    pad
        Margin added on every side in metres, e.g. one bandwidth so that the
        kernels of border points are not cut off.

    Returns
    -------
    Grid

    Raises
    ------
    CRSError
        ``crs`` is not projected, or a layer's CRS differs from ``crs``.
    ConfigError
        ``cell_size`` or ``pad`` out of range, or the grid would exceed
        :data:`MAX_CELLS` cells.

    Examples
    --------
    >>> g = make_grid((1_200, 3_100, 9_000, 9_900), cell_size=5_000, pad=500)
    >>> g.bounds, g.width, g.height
    ((0.0, 0.0, 10000.0, 15000.0), 2, 3)
    >>> make_grid((0, 0, 1, 1), crs="EPSG:4674")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lps_geo.errors.CRSError: grid CRS is in EPSG:4674, a geographic CRS; ...
    """
    crs = _projected_crs(crs, "grid CRS")
    if not (isinstance(cell_size, numbers.Real) and math.isfinite(cell_size)) or (
        cell_size <= 0
    ):
        raise ConfigError(
            f"cell_size must be a positive number of metres, got {cell_size!r}"
        )
    if not (isinstance(pad, numbers.Real) and math.isfinite(pad)) or pad < 0:
        raise ConfigError(f"pad must be a non-negative number of metres, got {pad!r}")
    if isinstance(bounds, gpd.GeoSeries | gpd.GeoDataFrame):
        layer_crs = _projected_crs(bounds.crs, "the layer given as grid bounds")
        if not layer_crs.equals(crs, ignore_axis_order=True):
            raise CRSError(
                f"the layer given as grid bounds is in {_crs_name(layer_crs)}, the "
                f"grid in {_crs_name(crs)}; reproject it with "
                f".to_crs('{_crs_name(crs)}')"
            )
        if bounds.empty or bounds.geometry.is_empty.all():
            raise InputError("the layer given as grid bounds has no geometries")
        bounds = bounds.total_bounds
    try:
        minx, miny, maxx, maxy = (float(b) for b in bounds)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"bounds must be (minx, miny, maxx, maxy) or a GeoDataFrame, got {bounds!r}"
        ) from exc
    if (
        not all(map(math.isfinite, (minx, miny, maxx, maxy)))
        or minx > maxx
        or miny > maxy
    ):
        raise ConfigError(
            f"bounds must be finite with minx <= maxx and miny <= maxy, got "
            f"({minx}, {miny}, {maxx}, {maxy})"
        )
    cs = float(cell_size)
    x0 = math.floor((minx - pad) / cs) * cs
    y0 = math.floor((miny - pad) / cs) * cs
    x1 = math.ceil((maxx + pad) / cs) * cs
    y1 = math.ceil((maxy + pad) / cs) * cs
    width = max(1, round((x1 - x0) / cs))
    height = max(1, round((y1 - y0) / cs))
    if width * height > MAX_CELLS:
        raise ConfigError(
            f"a {cs:g} m grid over these bounds has {width} x {height} cells "
            f"(more than {MAX_CELLS:,}); use a larger cell_size (it is in metres)"
        )
    y1 = y0 + height * cs
    grid = Grid(
        crs=crs, transform=Affine(cs, 0.0, x0, 0.0, -cs, y1), width=width, height=height
    )
    log.debug("made %r", grid)
    return grid


# ------------------------------------------------------------------- points in


def _check_same_crs(layer_crs: Any, grid: Grid, what: str) -> None:
    crs = _projected_crs(layer_crs, what)
    if not crs.equals(grid.crs, ignore_axis_order=True):
        raise CRSError(
            f"{what} is in {_crs_name(crs)} but the grid is in {_crs_name(grid.crs)}; "
            f"reproject with .to_crs('{_crs_name(grid.crs)}')"
        )


def _point_coords(points: gpd.GeoSeries | gpd.GeoDataFrame, what: str) -> np.ndarray:
    """``(n, 2)`` coordinates of a point layer; clear errors for anything else."""
    if not isinstance(points, gpd.GeoSeries | gpd.GeoDataFrame):
        raise InputError(
            f"{what} must be a GeoSeries or GeoDataFrame of points, "
            f"got {type(points).__name__}"
        )
    geoms = points.geometry
    missing = geoms.isna() | geoms.is_empty
    if missing.any():
        raise InputError(
            f"{what}: {int(missing.sum())} rows without coordinates "
            f"(index {format_items(geoms.index[missing])}); "
            "drop them or locate them first"
        )
    not_points = geoms.geom_type != "Point"
    if not_points.any():
        raise InputError(
            f"{what}: rows {format_items(geoms.index[not_points])} are "
            f"{geoms.geom_type[not_points].iloc[0]}, not Point; use "
            ".representative_point() for areas"
        )
    xy = np.column_stack([geoms.x.to_numpy(float), geoms.y.to_numpy(float)])
    if not np.isfinite(xy).all():
        bad = ~np.isfinite(xy).all(axis=1)
        raise InputError(
            f"{what}: rows {format_items(geoms.index[bad])} have non-finite coordinates"
        )
    return xy


def _weights_array(weights: pd.Series | None, index: pd.Index, what: str) -> np.ndarray:
    if weights is None:
        return np.ones(len(index))
    if not isinstance(weights, pd.Series):
        raise InputError(
            f"weights for {what} must be a pandas Series indexed like the points"
        )
    missing = index.difference(weights.index)
    if len(missing):
        raise InputError(
            f"weights for {what} lack {len(missing)} point(s) "
            f"(index {format_items(missing)}); give a weight for every point"
        )
    w = pd.to_numeric(weights.reindex(index), errors="coerce").to_numpy(float)
    bad = ~np.isfinite(w)
    if bad.any():
        raise InputError(
            f"weights for {what}: missing or non-numeric at index "
            f"{format_items(index[bad])}; fill them (e.g. with 1.0)"
        )
    if (w < 0).any():
        raise InputError(
            f"weights for {what}: negative at index {format_items(index[w < 0])}; "
            "weights count things and must be >= 0"
        )
    return w


# ------------------------------------------------------------------ bandwidth


def bandwidth(
    points: gpd.GeoSeries | gpd.GeoDataFrame,
    rule: BandwidthRule = "silverman",
    cell_size: float | None = None,
) -> float:
    """Smoothing distance ``h`` in metres from a rule of thumb.

    Both rules measure the spread of the point pattern per axis and average
    the two axes, ``A = (A_x + A_y) / 2``. Per axis rather than the standard
    distance, because the rules were derived for the standard deviation of
    one coordinate (for an isotropic pattern the standard distance is
    :math:`\\sqrt{2}` times larger).

    ``"silverman"`` (default; Silverman 1986, eq. 3.31, the robust rule of
    thumb, as in ArcGIS's and QGIS's default radius)
        :math:`h = 0.9 \\, A \\, n^{-1/5}` with
        :math:`A_k = \\min(s_k, \\mathrm{IQR}_k / 1.34)`, :math:`s_k` the
        sample standard deviation (``ddof=1``) and :math:`\\mathrm{IQR}_k`
        the interquartile range (linear interpolation) of coordinate ``k``.
        Where an axis's IQR is 0 its standard deviation is used.
    ``"scott"`` (Scott 1992, the normal-reference rule in two dimensions)
        :math:`h = A \\, n^{-1/6}` with :math:`A_k = s_k`.

    Both are optimal for a Gaussian kernel and a normal pattern; used as the
    quartic kernel's radius (the GIS convention) they give a tighter surface,
    since a quartic kernel of radius ``h`` has a standard deviation of
    :math:`h / \\sqrt{8}` per axis. Positions count, weights do not.

    Parameters
    ----------
    points
        Points in a projected CRS (at least two).
    rule
        ``"silverman"`` or ``"scott"``.
    cell_size
        If given, ``h`` is at least one cell (a narrower kernel would fall
        between cell centres).

    Returns
    -------
    float
        ``h`` in metres.

    Raises
    ------
    InputError
        Fewer than two points, or all points coincide and no ``cell_size``
        floor is given.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> pts = gpd.GeoSeries(
    ...     [Point(0, 0), Point(10_000, 0), Point(0, 10_000), Point(10_000, 10_000)],
    ...     crs="EPSG:5880",
    ... )
    >>> round(bandwidth(pts), 1)  # 0.9 * min(5773.5, 10000 / 1.34) * 4**(-1/5)
    3937.9
    >>> round(bandwidth(pts, "scott"), 1)  # 5773.5 * 4**(-1/6)
    4582.4
    >>> bandwidth(pts, cell_size=5_000)
    5000.0
    """
    if rule not in BANDWIDTH_RULES:
        raise ConfigError(
            f"unknown bandwidth rule {rule!r}; use one of {', '.join(BANDWIDTH_RULES)}"
        )
    _projected_crs(getattr(points, "crs", None), "points for the bandwidth")
    xy = _point_coords(points, "points for the bandwidth")
    n = len(xy)
    if n < 2:
        raise InputError(
            f"the {rule} bandwidth needs at least two points, got {n}; pass bandwidth= "
            "in metres instead"
        )
    sd = xy.std(axis=0, ddof=1)
    if rule == "silverman":
        q75, q25 = np.percentile(xy, [75, 25], axis=0)
        iqr = (q75 - q25) / 1.34
        spread = np.where(iqr > 0, np.minimum(sd, iqr), sd)
        h = 0.9 * spread.mean() * n ** (-1 / 5)
    else:
        h = sd.mean() * n ** (-1 / 6)
    h = float(h)
    if cell_size is not None:
        h = max(h, float(cell_size))
    if h <= 0:
        raise InputError(
            f"all {n} points coincide, so the {rule} bandwidth is 0; pass bandwidth= "
            "in metres or a cell_size floor"
        )
    return h


#: :func:`bandwidth` under a name that parameters called ``bandwidth`` do not hide.
_bandwidth_rule = bandwidth


# ------------------------------------------------------------------- density


def _kernel_values(d2: np.ndarray, h: float, kernel: str) -> np.ndarray:
    """Kernel K_h at squared distances ``d2`` (per m²), zero beyond the cutoff."""
    if kernel == "quartic":
        u = 1.0 - d2 / (h * h)
        return np.where(u > 0, 3.0 / (math.pi * h * h) * u * u, 0.0)
    cutoff2 = (GAUSSIAN_CUTOFF * h) ** 2
    norm = 2.0 * math.pi * h * h * (1.0 - math.exp(-(GAUSSIAN_CUTOFF**2) / 2.0))
    return np.where(d2 < cutoff2, np.exp(-d2 / (2.0 * h * h)) / norm, 0.0)


def _mask_array(mask: Any, grid: Grid) -> np.ndarray:
    """Boolean (height, width): True where the cell centre is outside ``mask``."""
    from rasterio.features import geometry_mask

    if isinstance(mask, gpd.GeoDataFrame | gpd.GeoSeries):
        _check_same_crs(mask.crs, grid, "mask")
        geoms = [g for g in mask.geometry if g is not None and not g.is_empty]
    elif isinstance(mask, BaseGeometry):
        geoms = [] if mask.is_empty else [mask]
    else:
        raise InputError(
            "mask must be a shapely geometry, GeoSeries or GeoDataFrame in the "
            f"grid's CRS, got {type(mask).__name__}"
        )
    if not geoms:
        raise InputError(
            "mask has no non-empty geometry; pass the study area's polygons"
        )
    return geometry_mask(
        geoms, out_shape=grid.shape, transform=grid.transform, invert=False
    )


def kernel_density(
    points: gpd.GeoSeries | gpd.GeoDataFrame,
    grid: Grid,
    bandwidth: float | None = None,
    weights: pd.Series | None = None,
    kernel: Kernel = "quartic",
    mask: Any = None,
) -> np.ndarray:
    """Kernel density of (weighted) points at the centres of ``grid``'s cells.

    See the module notes for the kernels; the result is in weighted points
    per km² and integrates to the total weight over an unbounded grid.

    Parameters
    ----------
    points
        Points in the grid's CRS.
    grid
        From :func:`make_grid`.
    bandwidth
        ``h`` in metres: the quartic's radius or the Gaussian's standard
        deviation. Default: :func:`bandwidth` (Silverman's rule) of the points
        with positive weight, at least one cell (one cell, with a
        :class:`~lps_geo.errors.SmallBaseWarning`, for a single point).
    weights
        Weight per point, indexed like ``points`` (default 1 each): e.g.
        courses, enrolments, researchers or jobs. Non-negative.
    kernel
        ``"quartic"`` (default) or ``"gaussian"``.
    mask
        Optional study area (shapely geometry in the grid's CRS, or a
        GeoSeries/GeoDataFrame): cells whose centre lies outside it are
        ``NaN`` (nodata). The density inside is not renormalised.

    Returns
    -------
    numpy.ndarray
        ``(grid.height, grid.width)`` float64, row 0 to the north.

    Raises
    ------
    CRSError
        The points or mask are not in the grid's CRS.
    InputError
        Points without coordinates or not points; bad weights.
    ConfigError
        Unknown kernel or non-positive bandwidth.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> grid = make_grid((0, 0, 10_000, 10_000), cell_size=500)
    >>> pts = gpd.GeoSeries([Point(5_250, 5_250)], crs="EPSG:5880")
    >>> dens = kernel_density(pts, grid, bandwidth=2_000)
    >>> dens.shape
    (20, 20)
    >>> round(float(dens[9, 10]), 6)  # cell centred on the point: 3 / (pi 2²) per km²
    0.238732
    >>> round(float(dens.sum() * grid.cell_area_km2), 2)  # ~ the one point
    1.0
    """
    if kernel not in KERNELS:
        raise ConfigError(f"unknown kernel {kernel!r}; use one of {', '.join(KERNELS)}")
    if not isinstance(grid, Grid):
        raise ConfigError(
            f"grid must be a Grid from make_grid(), got {type(grid).__name__}"
        )
    _check_same_crs(getattr(points, "crs", None), grid, "points")
    xy = _point_coords(points, "points")
    w = _weights_array(weights, points.index, "points")
    if bandwidth is None:
        positive = points[w > 0]
        if len(positive) > 1:
            h = _bandwidth_rule(positive, cell_size=grid.cell_size)
        else:
            h = grid.cell_size
            if len(positive) == 1:
                warnings.warn(
                    "a bandwidth rule needs two or more points; the one point is "
                    f"smoothed over one cell ({h:g} m): pass bandwidth= in metres",
                    SmallBaseWarning,
                    stacklevel=2,
                )
    else:
        try:
            h = float(bandwidth)
        except (TypeError, ValueError):
            h = math.nan
    if not math.isfinite(h) or h <= 0:
        raise ConfigError(
            f"bandwidth must be a positive number of metres, got {bandwidth!r}"
        )

    out = np.zeros(grid.shape)
    keep = w > 0
    if keep.any():
        # Points at the same place (institutions at a municipal seat) share one kernel.
        uniq, inverse = np.unique(xy[keep], axis=0, return_inverse=True)
        uw = np.bincount(inverse.ravel(), weights=w[keep], minlength=len(uniq))
        _accumulate(out, uniq, uw, grid, h, kernel)
        out *= _M2_PER_KM2
        minx, miny, maxx, maxy = grid.bounds
        outside = (
            (xy[keep, 0] < minx)
            | (xy[keep, 0] > maxx)
            | (xy[keep, 1] < miny)
            | (xy[keep, 1] > maxy)
        )
        if outside.any():
            log.info(
                "%d of %d points lie outside the grid %r",
                outside.sum(),
                keep.sum(),
                grid,
            )
    if mask is not None:
        out[_mask_array(mask, grid)] = np.nan
    log.debug("kernel density of %d points, %s kernel, h=%.0f m", len(xy), kernel, h)
    return out


def _window(
    offset: np.ndarray, reach: float, cs: float, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """First and past-the-end index of the cells whose centre, at ``(k + 0.5) cs``
    from the grid's edge, lies within ``offset ± reach``."""
    first = np.ceil((offset - reach) / cs - 0.5)
    stop = np.floor((offset + reach) / cs - 0.5) + 1
    return np.clip(first, 0, n).astype(int), np.clip(stop, 0, n).astype(int)


def _accumulate(
    out: np.ndarray, xy: np.ndarray, w: np.ndarray, grid: Grid, h: float, kernel: str
) -> None:
    """Add each point's kernel to ``out`` within its window of cells (per m²)."""
    reach = h if kernel == "quartic" else GAUSSIAN_CUTOFF * h
    xs, ys = grid.centres()
    minx, _, _, maxy = grid.bounds
    cs = grid.cell_size
    c0, c1 = _window(xy[:, 0] - minx, reach, cs, grid.width)  # columns from the west
    r0, r1 = _window(maxy - xy[:, 1], reach, cs, grid.height)  # rows from the north
    for i in np.flatnonzero((c1 > c0) & (r1 > r0)):
        dx = xs[c0[i] : c1[i]] - xy[i, 0]
        dy = ys[r0[i] : r1[i]] - xy[i, 1]
        d2 = dy[:, None] ** 2 + dx[None, :] ** 2
        out[r0[i] : r1[i], c0[i] : c1[i]] += w[i] * _kernel_values(d2, h, kernel)


# ------------------------------------------------------------ pipeline helpers


def institution_surfaces(
    institutions: gpd.GeoDataFrame,
    grid: Grid,
    bandwidth: float | None = None,
    mask: Any = None,
    kernel: Kernel = "quartic",
    weight: str | None = "weight",
) -> dict[str, np.ndarray]:
    """One density surface per institution type present, plus ``"all"``.

    Every surface uses the same bandwidth (by default Silverman's rule on all
    institutions, at least one cell), so the surfaces of different types are
    comparable: a per-type rule would smooth the rare types more.

    Parameters
    ----------
    institutions
        The canonical institutions layer (points with a ``type`` column, see
        :mod:`lps_geo.io`), in the grid's CRS.
    grid, bandwidth, mask, kernel
        As for :func:`kernel_density`.
    weight
        Column of weights (default ``"weight"``: courses, enrolments... or 1.0
        each); ``None`` counts institutions.

    Returns
    -------
    dict[str, numpy.ndarray]
        Type code -> surface, in the order of
        :data:`lps_geo.symbology.INSTITUTION_COLORS` (other codes after them,
        sorted), then ``"all"``.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> inst = gpd.GeoDataFrame(
    ...     {"type": ["university", "university", "technical_school"],
    ...      "weight": [1.0, 1.0, 1.0]},
    ...     geometry=[Point(2_500, 2_500), Point(7_500, 7_500), Point(5_500, 4_500)],
    ...     crs="EPSG:5880",
    ... )
    >>> grid = make_grid((0, 0, 10_000, 10_000), cell_size=1_000)
    >>> surf = institution_surfaces(inst, grid, bandwidth=2_000)
    >>> list(surf)
    ['university', 'technical_school', 'all']
    >>> bool(np.allclose(surf["all"], surf["university"] + surf["technical_school"]))
    True
    """
    if not isinstance(institutions, gpd.GeoDataFrame):
        raise InputError(
            f"institutions must be a GeoDataFrame, got {type(institutions).__name__}"
        )
    if "type" not in institutions.columns:
        raise InputError(
            "institutions have no 'type' column; read them with lps_geo.io so each "
            "point has a taxonomy type"
        )
    weights = None
    if weight is not None:
        if weight not in institutions.columns:
            raise InputError(
                f"institutions have no weight column {weight!r}; pass weight=None to "
                "count institutions"
            )
        weights = institutions[weight]
    if bandwidth is None and len(institutions) > 1:
        bandwidth = _bandwidth_rule(institutions, cell_size=grid.cell_size)
        log.info("institution surfaces: Silverman bandwidth %.0f m", bandwidth)
    types = institutions["type"].astype("object")
    present = set(types.dropna())
    known = [t for t in palettes.INSTITUTION_COLORS if t in present]
    order = known + sorted(str(t) for t in present - set(known))
    out: dict[str, np.ndarray] = {}
    for t in order:
        sel = (types == t).to_numpy()
        out[t] = kernel_density(
            institutions[sel],
            grid,
            bandwidth=bandwidth,
            weights=None if weights is None else weights[sel],
            kernel=kernel,
            mask=mask,
        )
    out["all"] = kernel_density(
        institutions,
        grid,
        bandwidth=bandwidth,
        weights=weights,
        kernel=kernel,
        mask=mask,
    )
    return out


def region_value_surface(
    values: pd.Series,
    regions: gpd.GeoDataFrame,
    grid: Grid,
    bandwidth: float | None = None,
    mask: Any = None,
    kernel: Kernel = "quartic",
) -> np.ndarray:
    """Density of a per-region quantity placed at the regions' representative points.

    E.g. the employment of one industry: each municipality's jobs are put at
    its representative point (a point guaranteed inside it) and smoothed with
    the kernel, giving jobs per km².

    Parameters
    ----------
    values
        Non-negative values indexed by region code (e.g. a column of the size
        matrix ``E``). Codes absent from ``regions`` are dropped with a
        :class:`~lps_geo.errors.MissingCodesWarning`; regions absent from
        ``values`` count as 0.
    regions
        Boundaries indexed by region code, in the grid's CRS.
    grid, mask, kernel
        As for :func:`kernel_density`.
    bandwidth
        Default: Silverman's rule on the regions with a positive value.

    Returns
    -------
    numpy.ndarray
        ``(grid.height, grid.width)``, value per km².

    Examples
    --------
    >>> from shapely.geometry import box
    >>> regions = gpd.GeoDataFrame(
    ...     {"name": ["A", "B"]},
    ...     geometry=[box(0, 0, 5_000, 10_000), box(5_000, 0, 10_000, 10_000)],
    ...     index=pd.Index(["1", "2"], name="region"),
    ...     crs="EPSG:5880",
    ... )
    >>> jobs = pd.Series({"1": 300.0, "2": 0.0})
    >>> grid = make_grid((-20_000, -20_000, 30_000, 30_000), cell_size=1_000)
    >>> dens = region_value_surface(jobs, regions, grid, bandwidth=5_000)
    >>> round(float(dens.sum() * grid.cell_area_km2), 1)
    300.0
    """
    if not isinstance(values, pd.Series):
        raise InputError(
            "values must be a pandas Series indexed by region code, "
            f"got {type(values).__name__}"
        )
    if not isinstance(regions, gpd.GeoDataFrame):
        raise InputError(
            "regions must be a GeoDataFrame indexed by region code, "
            f"got {type(regions).__name__}"
        )
    _check_same_crs(regions.crs, grid, "regions")
    unknown = values.index.difference(regions.index)
    if len(unknown):
        warnings.warn(
            f"{len(unknown)} code(s) of {values.name or 'the values'} are not in the "
            f"boundaries and are left out of the surface: {format_items(unknown)}",
            MissingCodesWarning,
            stacklevel=2,
        )
    v = pd.to_numeric(values.drop(unknown), errors="coerce")
    bad = v.isna()
    if bad.any():
        raise InputError(
            f"{values.name or 'values'}: missing or non-numeric for region(s) "
            f"{format_items(v.index[bad])}; fill them (0 if none)"
        )
    if (v < 0).any():
        raise InputError(
            f"{values.name or 'values'}: negative for region(s) "
            f"{format_items(v.index[v < 0])}"
        )
    v = v[v > 0]
    geoms = regions.geometry.loc[v.index]
    missing = geoms.isna() | geoms.is_empty
    if missing.any():
        raise InputError(
            f"regions {format_items(geoms.index[missing])} have no geometry"
        )
    points = gpd.GeoSeries(geoms.representative_point(), index=v.index, crs=regions.crs)
    return kernel_density(
        points, grid, bandwidth=bandwidth, weights=v, kernel=kernel, mask=mask
    )


# ------------------------------------------------------------------- styling


def surface_style(kind: str, label: str = "") -> dict[str, Any]:
    """The colour ramp of a surface kind, for :func:`write_cog`'s ``style``.

    Institution types fade in the type's colour from fully transparent at 0
    to opaque (:data:`lps_geo.symbology.INSTITUTION_COLORS`; ``"all"``:
    :data:`ALL_INSTITUTIONS_COLOR`): on white paper that is white to the
    colour, over a base map it tints without a white haze. ``"employment"``
    uses :data:`lps_geo.symbology.QL_RAMP`, transparent at 0.

    Examples
    --------
    >>> surface_style("university")["colors"]
    ['#1b9e77', '#1b9e77']
    >>> surface_style("employment")["colors"][0]
    '#fff5eb'
    """
    if kind in palettes.INSTITUTION_COLORS:
        colors = [palettes.INSTITUTION_COLORS[kind]] * 2
    elif kind == "all":
        colors = [ALL_INSTITUTIONS_COLOR] * 2
    elif kind == "employment":
        colors = list(palettes.QL_RAMP)
    else:
        valid = [*palettes.INSTITUTION_COLORS, "all", "employment"]
        raise ConfigError(
            f"no style for surface kind {kind!r}; use one of {', '.join(valid)}"
        )
    return {"colors": colors, "transparent_min": True, "label": label}


def _rgb(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    if len(c) != 6:
        raise ConfigError(f"colour {color!r} is not a #rrggbb hex colour")
    try:
        return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
    except ValueError as exc:
        raise ConfigError(f"colour {color!r} is not a #rrggbb hex colour") from exc


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def style_qml(
    style: Mapping[str, Any], vmin: float, vmax: float, data_max: float | None = None
) -> str:
    """A QGIS 3.22 raster style (QML): single-band pseudocolour, linear ramp.

    ``style`` keys: ``colors`` (hex colours from low to high, at least two),
    ``min`` / ``max`` (ramp ends; default ``vmin`` / ``vmax``),
    ``transparent_min`` (the lowest stop fully transparent, default True),
    ``opacity`` (layer opacity, default 1), ``label`` (unit written after the
    legend values). The stops are evenly spaced between ``min`` and ``max``;
    QGIS interpolates between them, gives values above ``max`` the last colour
    (labelled "≥ max" when ``data_max`` exceeds it) and leaves nodata
    transparent.

    Examples
    --------
    >>> qml = style_qml({"colors": ["#ffffff", "#1b9e77"]}, 0.0, 2.0)
    >>> root = ET.fromstring(qml.split("\\n", 1)[1])
    >>> root.find("pipe/rasterrenderer").get("type")
    'singlebandpseudocolor'
    >>> [(i.get("value"), i.get("color"), i.get("alpha"))
    ...  for i in root.iter("item")]
    [('0', '#ffffff', '0'), ('2', '#1b9e77', '255')]
    """
    colors = list(style.get("colors", palettes.QL_RAMP))
    if len(colors) < 2:
        raise ConfigError(f"style needs at least two colours, got {colors!r}")
    rgbs = [_rgb(c) for c in colors]
    lo = float(style.get("min", vmin))
    hi = float(style.get("max", vmax))
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = 0.0, 1.0
    if hi <= lo:
        hi = lo + 1.0
    transparent_min = bool(style.get("transparent_min", True))
    opacity = float(style.get("opacity", 1.0))
    unit = str(style.get("label", ""))
    n = len(colors)
    values = [lo + (hi - lo) * k / (n - 1) for k in range(n)]
    open_top = data_max is not None and data_max > hi
    alphas = [0 if (k == 0 and transparent_min) else 255 for k in range(n)]

    root = ET.Element(
        "qgis",
        {
            "version": QGIS_STYLE_VERSION,
            "styleCategories": "AllStyleCategories",
            "hasScaleBasedVisibilityFlag": "0",
            "minScale": "1e+08",
            "maxScale": "0",
        },
    )
    flags = ET.SubElement(root, "flags")
    for name, val in (
        ("Identifiable", "1"),
        ("Removable", "1"),
        ("Searchable", "1"),
        ("Private", "0"),
    ):
        ET.SubElement(flags, name).text = val
    pipe = ET.SubElement(root, "pipe")
    provider = ET.SubElement(pipe, "provider")
    ET.SubElement(
        provider,
        "resampling",
        {
            "enabled": "false",
            "maxOversampling": "2",
            "zoomedInResamplingMethod": "nearestNeighbour",
            "zoomedOutResamplingMethod": "nearestNeighbour",
        },
    )
    renderer = ET.SubElement(
        pipe,
        "rasterrenderer",
        {
            "type": "singlebandpseudocolor",
            "band": "1",
            "opacity": _fmt(opacity),
            "alphaBand": "-1",
            "classificationMin": _fmt(lo),
            "classificationMax": _fmt(hi),
            "nodataColor": "",
        },
    )
    ET.SubElement(renderer, "rasterTransparency")
    origin = ET.SubElement(renderer, "minMaxOrigin")
    for name, val in (
        ("limits", "None"),
        ("extent", "WholeRaster"),
        ("statAccuracy", "Estimated"),
        ("cumulativeCutLower", "0.02"),
        ("cumulativeCutUpper", "0.98"),
        ("stdDevFactor", "2"),
    ):
        ET.SubElement(origin, name).text = val
    shader = ET.SubElement(ET.SubElement(renderer, "rastershader"), "colorrampshader")
    shader.attrib.update(
        {
            "colorRampType": "INTERPOLATED",
            "classificationMode": "2",
            "clip": "0",
            "minimumValue": _fmt(lo),
            "maximumValue": _fmt(hi),
            "labelPrecision": "4",
        }
    )
    ramp = ET.SubElement(shader, "colorramp", {"name": "[source]", "type": "gradient"})
    opts = ET.SubElement(ramp, "Option", {"type": "Map"})

    def rgba(k: int) -> str:
        return ",".join(str(c) for c in (*rgbs[k], alphas[k]))

    stops = ":".join(f"{k / (n - 1):.6g};{rgba(k)}" for k in range(1, n - 1))
    for name, val in (
        ("color1", rgba(0)),
        ("color2", rgba(n - 1)),
        ("discrete", "0"),
        ("rampType", "gradient"),
        ("stops", stops),
    ):
        if name == "stops" and not stops:
            continue
        ET.SubElement(opts, "Option", {"name": name, "type": "QString", "value": val})
    for k in range(n):
        ET.SubElement(
            shader,
            "item",
            {
                "value": _fmt(values[k]),
                "color": colors[k].lower(),
                "alpha": str(alphas[k]),
                "label": (
                    ("≥ " if k == n - 1 and open_top else "")
                    + f"{values[k]:.4g}"
                    + (f" {unit}" if unit else "")
                ),
            },
        )
    ET.SubElement(
        pipe, "brightnesscontrast", {"brightness": "0", "contrast": "0", "gamma": "1"}
    )
    ET.SubElement(
        pipe,
        "huesaturation",
        {
            "colorizeOn": "0",
            "colorizeRed": "255",
            "colorizeGreen": "128",
            "colorizeBlue": "128",
            "colorizeStrength": "100",
            "grayscaleMode": "0",
            "saturation": "0",
        },
    )
    ET.SubElement(pipe, "rasterresampler", {"maxOversampling": "2"})
    ET.SubElement(pipe, "resamplingStage").text = "resamplingFilter"
    ET.SubElement(root, "blendMode").text = "0"
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + body + "\n"


# ------------------------------------------------------------------- writing


def write_cog(
    array: np.ndarray,
    grid: Grid,
    path: str | os.PathLike,
    *,
    nodata: float = NODATA,
    overwrite: bool = False,
    style: Mapping[str, Any] | None = None,
    description: str = "",
    units: str = "",
    tags: Mapping[str, Any] | None = None,
    dtype: Literal["float32", "float64"] = "float32",
) -> Path:
    """Write a surface as a Cloud-Optimised GeoTIFF with a sidecar QGIS style.

    The GeoTIFF is written by GDAL's ``COG`` driver (through rasterio):
    deflate compression with the floating-point predictor, 512 x 512 tiles,
    overviews averaged down until they fit in one tile, the grid's CRS and
    transform, ``nodata`` for ``NaN`` cells, ``description`` as the band
    description and ``units`` as the band unit. Next to it ``<name>.qml`` (see
    :func:`style_qml`), which QGIS applies when it opens the raster. Both
    files are written to temporary siblings and moved into place
    (:func:`lps_geo.export.atomic.atomic_path`).

    Parameters
    ----------
    array
        ``(grid.height, grid.width)`` values; ``NaN`` = nodata.
    grid
        The grid the array lives on.
    path
        The ``.tif`` to write; the style goes to ``path`` with suffix ``.qml``.
    nodata
        Value written for ``NaN`` cells and declared as nodata.
    overwrite
        Replace existing outputs (GeoTIFF or style); otherwise they raise
        :class:`~lps_geo.errors.OutputExistsError` before anything is written.
    style
        Colour ramp (see :func:`style_qml` and :func:`surface_style`); default
        :data:`lps_geo.symbology.QL_RAMP`. The ramp runs from 0 to the
        :data:`RAMP_CUT` (98th) percentile of the positive cells, or to
        ``style["cut"]`` percent (100: the maximum), or to ``style["max"]``.
    description
        Band description (e.g. ``"university density, per km2"``).
    units
        Band unit (e.g. ``"1/km2"``).
    tags
        Extra dataset metadata (e.g. bandwidth, kernel).
    dtype
        Data type on disk.

    Returns
    -------
    pathlib.Path
        The GeoTIFF written.

    Examples
    --------
    >>> import tempfile, rasterio
    >>> grid = make_grid((0, 0, 10_000, 10_000), cell_size=1_000)
    >>> out = Path(tempfile.mkdtemp()) / "density.tif"
    >>> write_cog(np.ones(grid.shape), grid, out, description="test").name
    'density.tif'
    >>> with rasterio.open(out) as src:
    ...     src.crs.to_epsg(), src.nodata, src.descriptions
    (5880, -9999.0, ('test',))
    >>> sorted(p.name for p in out.parent.iterdir())
    ['density.qml', 'density.tif']
    """
    try:
        import rasterio
    except ImportError as exc:  # pragma: no cover - rasterio is a dependency
        raise ImportError(
            "writing GeoTIFFs needs rasterio: pip install rasterio"
        ) from exc

    if not isinstance(grid, Grid):
        raise ConfigError(
            f"grid must be a Grid from make_grid(), got {type(grid).__name__}"
        )
    arr = np.asarray(array, dtype=float)
    if arr.shape != grid.shape:
        raise InputError(
            f"array of shape {arr.shape} does not fit {grid!r}, which needs "
            f"{grid.shape} (height, width)"
        )
    if np.isinf(arr).any():
        raise InputError(
            "array has infinite values; replace them or mark them NaN (nodata)"
        )
    if dtype not in ("float32", "float64"):
        raise ConfigError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    path = Path(path)
    qml_path = path.with_suffix(".qml")
    if qml_path == path:
        raise ConfigError(f"{path}: give the GeoTIFF a .tif suffix")
    check_writable(path, overwrite)
    check_writable(qml_path, overwrite)

    valid = ~np.isnan(arr)
    if valid.any() and np.isclose(arr[valid], nodata).any():
        raise InputError(
            f"array holds the nodata value {nodata} in valid cells; pick another nodata"
        )
    style = dict(style or {"colors": list(palettes.QL_RAMP)})
    vmin = min(float(arr[valid].min()), 0.0) if valid.any() else 0.0
    vmax = float(arr[valid].max()) if valid.any() else 1.0
    positive = arr[valid & (arr > 0)]
    cut = float(style.get("cut", RAMP_CUT))
    if not 0 < cut <= 100:
        raise ConfigError(f"style 'cut' must be a percentile in (0, 100], got {cut!r}")
    top = float(np.percentile(positive, cut)) if positive.size else vmax
    data = np.where(valid, arr, nodata).astype(dtype)

    profile = {
        "driver": "COG",
        "width": grid.width,
        "height": grid.height,
        "count": 1,
        "dtype": dtype,
        "crs": rasterio.crs.CRS.from_user_input(grid.crs.to_wkt()),
        "transform": grid.transform,
        "nodata": nodata,
        "compress": "DEFLATE",
        "predictor": "YES",
        "blocksize": 512,
        "overviews": "AUTO",
        "overview_resampling": "AVERAGE",
        "bigtiff": "IF_SAFER",
    }
    epsg = grid.crs.to_epsg()
    if epsg is not None:
        profile["crs"] = rasterio.crs.CRS.from_epsg(epsg)
    with atomic_path(path, overwrite) as tmp:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(data, 1)
            if description:
                dst.set_band_description(1, description)
            if units:
                dst.set_band_unit(1, units)
            if tags:
                dst.update_tags(**{str(k): str(v) for k, v in tags.items()})
    qml = style_qml(style, vmin, top if top > vmin else vmax, data_max=vmax)
    with atomic_path(qml_path, overwrite) as tmp:
        tmp.write_text(qml, encoding="utf-8")
    log.info("wrote %s and %s", path, qml_path.name)
    return path
