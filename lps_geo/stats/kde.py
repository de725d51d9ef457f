"""Kernel-density estimation on a raster grid: grid, bandwidth rules and density.

Pure computation, nothing is written: :mod:`lps_geo.method.surfaces` builds
the surfaces of a run with it, :mod:`lps_geo.export.raster` writes them.

* :class:`Grid` / :func:`make_grid`: one raster grid per run, aligned to
  multiples of the cell size in a projected CRS, so that every surface of a
  run (each institution type, all institutions, employment of an industry)
  lines up cell for cell;
* :func:`bandwidth`: the documented rule of thumb for the smoothing distance;
* :func:`kernel_density`: the surface itself, in weighted points per km².

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
the kernels do not reach are 0, not nodata; nodata (``NaN``) marks only cells
whose centre lies outside an optional study-area ``mask``.

References
----------
Silverman, B. W. (1986). *Density Estimation for Statistics and Data
Analysis*. London: Chapman and Hall.

Scott, D. W. (1992). *Multivariate Density Estimation: Theory, Practice, and
Visualization*. New York: Wiley.
"""

from __future__ import annotations

import logging
import math
import numbers
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from lps_geo.crs import DEFAULT_CRS, check_same_crs, crs_name, projected_crs
from lps_geo.errors import ConfigError, CRSError, InputError, SmallBaseWarning
from lps_geo.io._util import format_items
from lps_geo.vocab import BandwidthRule, Kernel, choices

log = logging.getLogger(__name__)

#: Kernel options.
KERNELS: tuple[str, ...] = choices(Kernel)
#: Bandwidth rules.
BANDWIDTH_RULES: tuple[str, ...] = choices(BandwidthRule)

#: Default cell size of a run's grid, in metres.
DEFAULT_CELL_SIZE = 5_000.0
#: Largest grid :func:`make_grid` builds, in cells (guards against a cell size
#: given in km instead of metres).
MAX_CELLS = 100_000_000
#: The Gaussian kernel is truncated at this many bandwidths.
GAUSSIAN_CUTOFF = 4.0

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
        object.__setattr__(self, "crs", projected_crs(self.crs, "grid CRS"))
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
            f"{crs_name(self.crs)}, bounds ({minx:.0f}, {miny:.0f}, {maxx:.0f}, "
            f"{maxy:.0f})>"
        )


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
    crs = projected_crs(crs, "grid CRS")
    if not (isinstance(cell_size, numbers.Real) and math.isfinite(cell_size)) or (
        cell_size <= 0
    ):
        raise ConfigError(
            f"cell_size must be a positive number of metres, got {cell_size!r}"
        )
    if not (isinstance(pad, numbers.Real) and math.isfinite(pad)) or pad < 0:
        raise ConfigError(f"pad must be a non-negative number of metres, got {pad!r}")
    if isinstance(bounds, gpd.GeoSeries | gpd.GeoDataFrame):
        layer_crs = projected_crs(bounds.crs, "the layer given as grid bounds")
        if not layer_crs.equals(crs, ignore_axis_order=True):
            raise CRSError(
                f"the layer given as grid bounds is in {crs_name(layer_crs)}, the "
                f"grid in {crs_name(crs)}; reproject it with "
                f".to_crs('{crs_name(crs)}')"
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
    projected_crs(getattr(points, "crs", None), "points for the bandwidth")
    xy = _point_coords(points, "points for the bandwidth")
    n = len(xy)
    if n < 2:
        raise InputError(
            f"the {rule} bandwidth needs at least two points, got {n} "
            "(institutions inside the study area); set [capability] bandwidth = "
            "a distance in metres, or check the institutions file"
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
            f"all {n} points coincide, so the {rule} bandwidth is 0; set "
            "[capability] bandwidth = a distance in metres (or cell_size, its floor)"
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
    # rasterio (GDAL) is heavy to import and only masks need it here
    from rasterio.features import geometry_mask

    if isinstance(mask, gpd.GeoDataFrame | gpd.GeoSeries):
        check_same_crs(mask.crs, grid.crs, "mask")
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
    check_same_crs(getattr(points, "crs", None), grid.crs, "points")
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
                    f"smoothed over one cell ({h:g} m): set [capability] "
                    "bandwidth in metres",
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
