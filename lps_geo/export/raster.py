"""Write a kernel-density surface as a Cloud-Optimised GeoTIFF with its QGIS style.

:func:`write_cog` writes the GeoTIFF (deflate, 512-pixel tiles, overviews)
and a sidecar ``<name>.qml`` style (:mod:`lps_geo.export.qgis.raster_style`),
both atomically.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from lps_geo import symbology
from lps_geo.errors import ConfigError, InputError
from lps_geo.export.atomic import atomic_path, check_writable
from lps_geo.export.qgis.raster_style import RAMP_CUT, style_qml
from lps_geo.stats.kde import Grid
from lps_geo.vocab import RasterDtype

log = logging.getLogger(__name__)

#: Default nodata value written to GeoTIFFs.
NODATA = -9999.0


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
    dtype: RasterDtype = "float32",
) -> Path:
    """Write a surface as a Cloud-Optimised GeoTIFF with a sidecar QGIS style.

    The GeoTIFF is written by GDAL's ``COG`` driver (through rasterio):
    deflate compression with the floating-point predictor, 512 x 512 tiles,
    overviews averaged down until they fit in one tile, the grid's CRS and
    transform, ``nodata`` for ``NaN`` cells, ``description`` as the band
    description and ``units`` as the band unit. Next to it ``<name>.qml`` (see
    :func:`lps_geo.export.qgis.raster_style.style_qml`), which QGIS applies
    when it opens the raster. Both
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
        Colour ramp (see :mod:`lps_geo.export.qgis.raster_style`); default
        :data:`lps_geo.symbology.QL_RAMP`. The ramp runs from 0 to the
        :data:`~lps_geo.export.qgis.raster_style.RAMP_CUT` (98th) percentile
        of the positive cells, or to ``style["cut"]`` percent (100: the
        maximum), or to ``style["max"]``.
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
    >>> from lps_geo.stats.kde import make_grid
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
    try:  # rasterio (GDAL) is heavy to import: only writing rasters needs it
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
    style = dict(style or {"colors": list(symbology.QL_RAMP)})
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
