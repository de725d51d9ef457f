"""The kernel-density surfaces of a run: institutions by type, and a per-region value.

Step (iii) of Suzigan, Furtado & Garcia (2006) asks where the institutions
that support a local production system are, and how dense they are around it.
Counting institutions inside municipal borders depends on where the borders
run; a kernel-density surface spreads each institution (or each
municipality's employment) over its surroundings and so shows the intensity
of capability independently of the zoning. :func:`institution_surfaces` and
:func:`region_value_surface` build the surfaces a run needs with the grid,
bandwidth and kernels of :mod:`lps_geo.stats.kde`;
:func:`lps_geo.export.raster.write_cog` writes them.

References
----------
Suzigan, W., Furtado, J., & Garcia, R. (2006). Estrutura e governança em
arranjos produtivos locais. (The method this package implements.)
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from lps_geo.crs import check_same_crs
from lps_geo.errors import InputError, MissingCodesWarning
from lps_geo.io._util import format_items
from lps_geo.stats import kde
from lps_geo.vocab import INSTITUTION_TYPES, Kernel

log = logging.getLogger(__name__)


def institution_surfaces(
    institutions: gpd.GeoDataFrame,
    grid: kde.Grid,
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
        As for :func:`lps_geo.stats.kde.kernel_density`.
    weight
        Column of weights (default ``"weight"``: courses, enrolments... or 1.0
        each); ``None`` counts institutions.

    Returns
    -------
    dict[str, numpy.ndarray]
        Type code -> surface, in the order of
        :data:`lps_geo.vocab.INSTITUTION_TYPES` (other codes after them,
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
    >>> from lps_geo.stats.kde import make_grid
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
        bandwidth = kde.bandwidth(institutions, cell_size=grid.cell_size)
        log.info("institution surfaces: Silverman bandwidth %.0f m", bandwidth)
    types = institutions["type"].astype("object")
    present = set(types.dropna())
    known = [t for t in INSTITUTION_TYPES if t in present]
    order = known + sorted(str(t) for t in present - set(known))
    out: dict[str, np.ndarray] = {}
    for t in order:
        sel = (types == t).to_numpy()
        out[t] = kde.kernel_density(
            institutions[sel],
            grid,
            bandwidth=bandwidth,
            weights=None if weights is None else weights[sel],
            kernel=kernel,
            mask=mask,
        )
    out["all"] = kde.kernel_density(
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
    grid: kde.Grid,
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
        As for :func:`lps_geo.stats.kde.kernel_density`.
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
    >>> from lps_geo.stats.kde import make_grid
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
    check_same_crs(regions.crs, grid.crs, "regions")
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
    return kde.kernel_density(
        points, grid, bandwidth=bandwidth, weights=v, kernel=kernel, mask=mask
    )
