"""Check and unpack the inputs of the capability measures and of their test.

Layers must share one projected CRS (distances in metres); municipalities are
located by their seats (representative points); institutions become arrays
of coordinates, taxonomy positions (:data:`lps_geo.vocab.INSTITUTION_TYPES`)
and weights; population, the index weights and the LPS member table are
aligned and validated. Every error names the offending codes and the fix.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lps_geo.crs import check_layers_agree
from lps_geo.errors import ConfigError, InputError
from lps_geo.io._util import format_quoted
from lps_geo.vocab import INSTITUTION_TYPES

log = logging.getLogger(__name__)


def check_layers(**layers: gpd.GeoDataFrame | gpd.GeoSeries) -> None:
    """Every layer has a projected CRS and all layers share it (CRS policy of
    :func:`lps_geo.crs.check_layers_agree`)."""
    check_layers_agree(
        [(name, getattr(layer, "crs", None)) for name, layer in layers.items()]
    )


def check_distance(distance: float) -> float:
    """``distance`` as a positive finite float (metres)."""
    try:
        value = float(distance)
    except (TypeError, ValueError):
        value = float("nan")
    if not np.isfinite(value) or value <= 0:
        raise ConfigError(
            f"distance={distance!r} is not a positive number of metres; "
            "pass e.g. distance=50_000.0"
        )
    return value


def region_seats(regions: gpd.GeoDataFrame) -> np.ndarray:
    """Seats (representative points) of the regions as an (n, 2) array."""
    if not regions.index.is_unique:
        dup = regions.index[regions.index.duplicated()].unique()
        raise InputError(
            f"regions: the index repeats region codes {format_quoted(dup)}; "
            "dissolve duplicates first (read_boundaries does it)"
        )
    geoms = np.asarray(regions.geometry.values)
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if bad.any():
        raise InputError(
            f"regions: regions {format_quoted(regions.index[bad])} have no "
            "geometry; drop them or repair the boundaries"
        )
    return shapely.get_coordinates(shapely.point_on_surface(geoms))


def institution_arrays(
    institutions: gpd.GeoDataFrame, weights: str | pd.Series | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coordinates (n, 2), type positions (n,) and weights (n,)."""
    if "type" not in institutions.columns:
        raise InputError(
            "institutions: no 'type' column; read the register with "
            "lps_geo.io.read_institutions, which maps source categories to "
            f"the taxonomy ({', '.join(INSTITUTION_TYPES)})"
        )
    geoms = np.asarray(institutions.geometry.values)
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    bad |= ~bad & (shapely.get_type_id(geoms) != shapely.GeometryType.POINT)
    if bad.any():
        raise InputError(
            f"institutions {format_quoted(institutions.index[bad])} have no "
            "point geometry; give them coordinates or place them at their "
            "municipality's seat (read_institutions does it from a code)"
        )
    types = institutions["type"].astype(object)
    unknown = ~types.isin(INSTITUTION_TYPES).to_numpy()
    if unknown.any():
        found = pd.unique(types[unknown].astype(str))
        raise InputError(
            f"institutions: column 'type' has values {format_quoted(found)} "
            f"outside the taxonomy ({', '.join(INSTITUTION_TYPES)}); map them "
            "with a category table or map unknown categories to 'other'"
        )
    if weights is None:
        weights = "weight" if "weight" in institutions.columns else None
    if weights is None:
        w = np.ones(len(institutions))
    elif isinstance(weights, str):
        if weights not in institutions.columns:
            raise InputError(
                f"institutions: no weight column {weights!r}; columns are "
                f"{format_quoted(institutions.columns)}"
            )
        w = pd.to_numeric(institutions[weights], errors="coerce").to_numpy(float)
    else:
        if not institutions.index.is_unique:
            raise InputError(
                "institutions: the index (inst_id) repeats identifiers, so "
                "weights cannot be aligned; give each institution its own id"
            )
        w = (
            pd.to_numeric(pd.Series(weights), errors="coerce")
            .reindex(institutions.index)
            .to_numpy(float)
        )
    bad_w = ~np.isfinite(w) | (w < 0)
    if bad_w.any():
        raise InputError(
            f"institutions {format_quoted(institutions.index[bad_w])} have a "
            "missing, non-numeric or negative weight; weights must be numbers "
            ">= 0 (use 1.0 to count an institution once)"
        )
    codes = pd.Index(INSTITUTION_TYPES).get_indexer(types)
    return shapely.get_coordinates(geoms), codes.astype(np.int64), w


def population_array(population: pd.Series | None, index: pd.Index) -> np.ndarray:
    """Population aligned on ``index`` (NaN where missing)."""
    if population is None:
        return np.full(len(index), np.nan)
    pop = pd.to_numeric(pd.Series(population), errors="coerce")
    if not pop.index.is_unique:
        dup = pop.index[pop.index.duplicated()].unique()
        raise InputError(
            f"population: repeated region codes {format_quoted(dup)}; "
            "give one population per region"
        )
    pop = pop.reindex(index).to_numpy(float)
    if (pop < 0).any():
        raise InputError(
            f"population: negative values for regions "
            f"{format_quoted(index[pop < 0])}; population must be >= 0"
        )
    missing = int(np.isnan(pop).sum())
    if missing:
        log.info("population missing for %d of %d regions", missing, len(pop))
    return pop


def lps_frame(lps: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """LPS polygons indexed by ``lps_id``."""
    if lps.index.name != "lps_id" and "lps_id" in lps.columns:
        lps = lps.set_index("lps_id")
    if not lps.index.is_unique:
        dup = lps.index[lps.index.duplicated()].unique()
        raise InputError(f"lps: repeated lps_id {format_quoted(dup)}")
    return lps


def member_table(
    members: pd.DataFrame, regions: gpd.GeoDataFrame, argument: str
) -> pd.DataFrame:
    """``lps_id``, ``region``, ``pos`` (position in regions), no duplicates."""
    missing = [c for c in ("lps_id", "region") if c not in members.columns]
    if missing:
        raise InputError(
            f"{argument}: missing columns {format_quoted(missing)}; expected one "
            "row per (lps_id, region) as in Result.lps_members"
        )
    m = members[["lps_id", "region"]].drop_duplicates().copy()
    m["pos"] = regions.index.get_indexer(m["region"])
    unknown = m.loc[m["pos"] < 0, "region"].unique()
    if len(unknown):
        raise InputError(
            f"{argument}: regions {format_quoted(unknown)} are not in the "
            "boundaries (regions.index); pass the boundaries the LPS were "
            "delineated on"
        )
    return m
