"""Capability measures: institutions inside, near and nearest to municipalities and LPS.

Suzigan, Furtado & Garcia (2006, section 3, steps ii and iii) read the local
capabilities of a local production system (LPS) from the regional
distribution of universities, technical and training schools, research
centres and other technology-support institutions. This module turns a layer
of institution points into per-municipality and per-LPS measures; whether an
LPS has more capability nearby than comparable municipalities is tested in
:mod:`lps_geo.method.capability_test`, and the inputs are checked in
:mod:`lps_geo.method.capability_inputs`.

Conventions used by every function
----------------------------------
Types
    :data:`lps_geo.vocab.INSTITUTION_TYPES`, in that order. Columns are
    built per type ``t``: ``n_<t>``, ``n_<t>_within``, ``dist_<t>_km``.
Distances
    Euclidean, in metres of the layers' projected CRS (SIRGAS 2000 / Brazil
    Polyconic, EPSG:5880, for Brazil). Every layer must declare the same
    projected CRS; a geographic or missing CRS, or two layers that disagree,
    raise :class:`~lps_geo.errors.CRSError` (no silent reprojection).
Seat
    A municipality is located by its *representative point*
    (:func:`shapely.point_on_surface`), a point guaranteed to lie inside the
    polygon, which stands for the municipal seat (the register of seats is not
    an input). "Within ``d``" means ``distance(seat, institution) <= d``.
Inside
    An institution is inside the municipality named by its ``region`` column
    when that code is one of the regions; otherwise inside the polygon that
    contains it (points on a shared border go to the first polygon in the
    order of ``regions``). See :func:`assign_institutions`.
Weights
    Counts ``n_*`` are plain counts. Weighted sums (``w_total``,
    ``w_total_within``, the density and the index) use the institutions'
    ``weight`` column (courses, enrolments, researchers...; 1.0 when absent),
    or the ``weights`` argument.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from lps_geo.config_rules import merged_index_weights
from lps_geo.errors import InputError
from lps_geo.io._util import format_quoted
from lps_geo.method.capability_inputs import (
    check_distance,
    check_layers,
    institution_arrays,
    lps_frame,
    member_table,
    population_array,
    region_seats,
)
from lps_geo.vocab import INSTITUTION_TYPES

log = logging.getLogger(__name__)

#: Default radius of "within" measures, in metres.
DEFAULT_DISTANCE = 50_000.0

#: Columns of :func:`region_capability` and :func:`lps_capability`, in order.
CAPABILITY_COLUMNS: tuple[str, ...] = (
    *(f"n_{t}" for t in INSTITUTION_TYPES),
    "n_total",
    *(f"n_{t}_within" for t in INSTITUTION_TYPES),
    "n_total_within",
    "w_total",
    "w_total_within",
    *(f"dist_{t}_km" for t in INSTITUTION_TYPES),
    "per_100k",
    "capability_index",
)


# --------------------------------------------------------------------------
# geometry kernels (positional arrays)
# --------------------------------------------------------------------------


def within_pairs(
    seats: np.ndarray, points: np.ndarray, distance: float
) -> tuple[np.ndarray, np.ndarray]:
    """(seat position, point position) of every pair at most ``distance`` apart."""
    if len(seats) == 0 or len(points) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    pairs = cKDTree(seats).sparse_distance_matrix(
        cKDTree(points), distance, output_type="ndarray"
    )
    return pairs["i"].astype(np.int64), pairs["j"].astype(np.int64)


def _by_type(
    rows: np.ndarray, codes: np.ndarray, n_rows: int, values: np.ndarray | None = None
) -> np.ndarray:
    """(n_rows, n_types) sums of ``values`` (or counts) by row and type."""
    n_types = len(INSTITUTION_TYPES)
    flat = np.bincount(
        rows * n_types + codes, weights=values, minlength=n_rows * n_types
    )
    return flat.reshape(n_rows, n_types)


def _nearest_km(seats: np.ndarray, points: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """(n_seats, n_types) distance in km to the nearest point of each type."""
    out = np.full((len(seats), len(INSTITUTION_TYPES)), np.nan)
    if len(seats) == 0:
        return out
    for k in range(len(INSTITUTION_TYPES)):
        pts = points[codes == k]
        if len(pts):
            out[:, k] = cKDTree(pts).query(seats, k=1)[0] / 1000.0
    return out


def _zscore(x: np.ndarray) -> np.ndarray:
    """Standardise the finite values of ``x`` (population sd); sd 0 gives 0."""
    z = np.full(x.shape, np.nan)
    ok = np.isfinite(x)
    if not ok.any():
        return z
    sd = x[ok].std()
    z[ok] = 0.0 if sd == 0 else (x[ok] - x[ok].mean()) / sd
    return z


def _assign_positions(
    institutions: gpd.GeoDataFrame, regions: gpd.GeoDataFrame
) -> np.ndarray:
    """Position in ``regions`` of the region holding each institution (-1: none)."""
    n = len(institutions)
    geoms = np.asarray(institutions.geometry.values)
    geometric = np.full(n, -1, dtype=np.int64)
    if n and len(regions):
        tree = shapely.STRtree(np.asarray(regions.geometry.values))
        pi, ri = tree.query(geoms, predicate="intersects")
        order = np.lexsort((ri, pi))
        pi, ri = pi[order], ri[order]
        first = np.unique(pi, return_index=True)[1]
        geometric[pi[first]] = ri[first]
    if "region" not in institutions.columns:
        return geometric
    codes = institutions["region"].astype(object)
    declared = regions.index.get_indexer(
        pd.Index([None if pd.isna(c) else str(c) for c in codes], dtype=object)
    )
    if (declared < 0).all() and codes.notna().any():
        log.info(
            "institutions: no code of column 'region' is a region of the "
            "boundaries; assigning all %d points by point in polygon",
            n,
        )
    use = declared >= 0
    disagree = int((use & (geometric >= 0) & (declared != geometric)).sum())
    if disagree:
        log.info(
            "institutions: %d points lie in another region than their "
            "'region' column says; the column wins",
            disagree,
        )
    return np.where(use, declared, geometric)


def assign_institutions(
    institutions: gpd.GeoDataFrame, regions: gpd.GeoDataFrame
) -> pd.Series:
    """Region that holds each institution (the "inside" rule of the module).

    The ``region`` column of ``institutions`` wins wherever its code is one of
    ``regions.index`` (the register's own municipality code, and the region a
    point placed at a seat belongs to); elsewhere the point goes to the
    polygon that contains it (first one in the order of ``regions`` when it
    lies on a shared border), or to no region.

    Parameters
    ----------
    institutions
        Points (canonical institutions layer) in a projected CRS.
    regions
        Polygons indexed by region code, in the same CRS.

    Returns
    -------
    Series
        Indexed like ``institutions``, named ``region``: the region code, or
        None for points outside every region.

    Examples
    --------
    >>> from shapely.geometry import Point, box
    >>> regions = gpd.GeoDataFrame(
    ...     geometry=[box(0, 0, 10_000, 10_000), box(10_000, 0, 20_000, 10_000)],
    ...     index=pd.Index(["a", "b"], name="region"), crs="EPSG:5880")
    >>> inst = gpd.GeoDataFrame({"type": ["university"] * 3},
    ...     geometry=[Point(1_000, 1_000), Point(15_000, 2_000), Point(50_000, 0)],
    ...     index=pd.Index(["u1", "u2", "u3"], name="inst_id"), crs="EPSG:5880")
    >>> assign_institutions(inst, regions).tolist()
    ['a', 'b', None]
    """
    check_layers(institutions=institutions, regions=regions)
    pos = _assign_positions(institutions, regions)
    values = np.asarray(regions.index, dtype=object)[np.maximum(pos, 0)]
    values = np.where(pos >= 0, values, None)
    return pd.Series(values, index=institutions.index, name="region", dtype=object)


# --------------------------------------------------------------------------
# per municipality
# --------------------------------------------------------------------------


def _capability_index(
    within_w: np.ndarray,
    density: np.ndarray,
    weights: dict[str, float],
    use_density: bool,
    components: pd.DataFrame | None = None,
) -> np.ndarray:
    """Weighted mean of the z-scores of the components (see region_capability)."""
    comps = [_zscore(np.log1p(within_w[:, k])) for k in range(len(INSTITUTION_TYPES))]
    wts = [weights[t] for t in INSTITUTION_TYPES]
    if use_density:
        comps.append(_zscore(np.log1p(density)))
        wts.append(weights["density"])
    for name in components.columns if components is not None else ():
        comps.append(_zscore(np.log1p(components[name].to_numpy(float))))
        wts.append(weights[name])
    z = np.column_stack(comps) if comps else np.empty((len(within_w), 0))
    w = np.broadcast_to(np.asarray(wts, dtype=float), z.shape)
    ok = np.isfinite(z)
    num = np.where(ok, z * w, 0.0).sum(axis=1)
    den = np.where(ok, w, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def region_capability(
    institutions: gpd.GeoDataFrame,
    regions: gpd.GeoDataFrame,
    population: pd.Series | None = None,
    distance: float = DEFAULT_DISTANCE,
    weights: str | pd.Series | None = None,
    index_weights: Mapping[str, float] | None = None,
    components: pd.DataFrame | None = None,
) -> pd.DataFrame:
    r"""Institutions inside, near and nearest to every municipality.

    The per-municipality capability layer of Suzigan, Furtado & Garcia
    (2006), steps (ii) and (iii): how many support institutions of each type
    a municipality hosts, how many its seat can reach, how far the nearest of
    each type is, and one composite index.

    Parameters
    ----------
    institutions
        Canonical institutions layer: points with ``type`` (one of
        :data:`INSTITUTION_TYPES`) and optionally ``region`` and ``weight``.
    regions
        Municipality polygons indexed by region code, in the same projected
        CRS.
    population
        Inhabitants by region code (enables ``per_100k`` and the density
        component of the index).
    distance
        Radius of the ``*_within`` measures, in metres (inclusive).
    weights
        Column of ``institutions`` or Series by ``inst_id`` with each
        institution's weight; default its ``weight`` column, or 1.0.
    index_weights
        Weights of the index components, keys ``INSTITUTION_TYPES`` and
        ``"density"``; the ones given replace
        :data:`~lps_geo.config_rules.DEFAULT_INDEX_WEIGHTS`
        (1 per type, 0.5 for ``"other"``, 1 for density and for each
        innovation component). 0 drops a component.
    components
        Innovation components of the index: columns ``"patents"`` and/or
        ``"publications"`` indexed by region code, each the outputs (all
        fields) at the regions within reach of the region's seat
        (:func:`lps_geo.method.innovation.within_totals`); each enters the
        index as :math:`z(\ln(1 + x))` with its ``index_weights`` weight.

    Returns
    -------
    DataFrame
        Indexed like ``regions``, columns :data:`CAPABILITY_COLUMNS`:

        * ``n_<t>``: institutions of type ``t`` inside the region
          (:func:`assign_institutions`); ``n_total`` their sum;
        * ``n_<t>_within``: institutions of type ``t`` with
          :math:`\lVert s_i - x_j \rVert \le d`, where :math:`s_i` is the
          region's seat (representative point, standing for the municipal
          seat); ``n_total_within``;
        * ``w_total``, ``w_total_within``: the same totals, weighted;
        * ``dist_<t>_km``: :math:`\min_{j \in t} \lVert s_i - x_j \rVert / 1000`
          (NaN when the layer has no institution of that type);
        * ``per_100k``: :math:`10^5\, W_i / P_i` with :math:`W_i` = ``w_total``
          and :math:`P_i` the population (NaN when missing or 0, or without
          ``population``);
        * ``capability_index`` (below).

    Notes
    -----
    Capability index. For each type :math:`t` let
    :math:`x_{it} = \ln(1 + W^{d}_{it})`, with :math:`W^{d}_{it}` the
    weighted number of institutions of type :math:`t` within :math:`d` of the
    seat, and :math:`z_{it} = (x_{it} - \bar x_t) / s_t` its z-score across
    the regions (:math:`s_t` the population standard deviation; a component
    with :math:`s_t = 0`, e.g. a type absent from the layer, has
    :math:`z = 0`). With a population, the density component is
    :math:`x_{i\rho} = \ln(1 + \text{per\_100k}_i)`, standardised over the
    regions where it is defined. Then

    .. math::

        \text{capability\_index}_i
        = \frac{\sum_c \omega_c z_{ic}}{\sum_c \omega_c}

    over the components :math:`c` defined for region :math:`i` (types, plus
    density where ``per_100k`` is finite, plus the innovation ``components``
    given, :math:`x_{ik} = \ln(1 + O^{d}_{ik})` with :math:`O^{d}_{ik}` the
    outputs of kind :math:`k` within reach of the seat), with weights
    :math:`\omega_c` from ``index_weights``. The index is 0 for an average
    region and is in standard deviations; it is relative to the regions
    passed in. Logs tame the skew of institution counts; the within-distance
    counts (rather than counts inside) credit a small municipality next to a
    university town.

    Raises
    ------
    CRSError
        A layer without CRS or with a geographic CRS, or layers in different
        CRSs.
    ConfigError
        Unknown ``index_weights`` keys, negative weights, bad ``distance``.
    InputError
        Unknown institution types, missing geometries, bad weights.

    Examples
    --------
    >>> from shapely.geometry import Point, box
    >>> regions = gpd.GeoDataFrame(
    ...     geometry=[box(0, 0, 10_000, 10_000), box(10_000, 0, 20_000, 10_000)],
    ...     index=pd.Index(["a", "b"], name="region"), crs="EPSG:5880")
    >>> inst = gpd.GeoDataFrame(
    ...     {"type": ["university", "technical_school"]},
    ...     geometry=[Point(5_000, 5_000), Point(18_000, 9_000)],
    ...     index=pd.Index(["u1", "t1"], name="inst_id"), crs="EPSG:5880")
    >>> cap = region_capability(inst, regions, distance=8_000,
    ...                         population=pd.Series({"a": 50_000, "b": 0}))
    >>> cap[["n_university", "n_total", "n_total_within"]]
            n_university  n_total  n_total_within
    region
    a                  1        1               1
    b                  0        1               1
    >>> cap["dist_technical_school_km"].round(3).tolist()
    [13.601, 5.0]
    >>> cap["per_100k"].tolist()
    [2.0, nan]
    >>> cap["capability_index"].round(4).tolist()
    [0.0, 0.0]
    """
    check_layers(institutions=institutions, regions=regions)
    distance = check_distance(distance)
    iw = merged_index_weights(index_weights)
    seats = region_seats(regions)
    xy, codes, w = institution_arrays(institutions, weights)
    n = len(regions)

    pos = _assign_positions(institutions, regions)
    inside = pos >= 0
    n_in = _by_type(pos[inside], codes[inside], n)
    w_in = _by_type(pos[inside], codes[inside], n, w[inside])

    si, pj = within_pairs(seats, xy, distance)
    n_within = _by_type(si, codes[pj], n)
    w_within = _by_type(si, codes[pj], n, w[pj])

    pop = population_array(population, regions.index)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_100k = np.where(pop > 0, w_in.sum(axis=1) / pop * 1e5, np.nan)
    if components is not None:
        components = components.reindex(regions.index).fillna(0.0)
    index = _capability_index(
        w_within, per_100k, iw, population is not None, components
    )

    types = INSTITUTION_TYPES
    data: dict[str, np.ndarray] = {}
    for k, t in enumerate(types):
        data[f"n_{t}"] = n_in[:, k].astype(np.int64)
    data["n_total"] = n_in.sum(axis=1).astype(np.int64)
    for k, t in enumerate(types):
        data[f"n_{t}_within"] = n_within[:, k].astype(np.int64)
    data["n_total_within"] = n_within.sum(axis=1).astype(np.int64)
    data["w_total"] = w_in.sum(axis=1)
    data["w_total_within"] = w_within.sum(axis=1)
    nearest = _nearest_km(seats, xy, codes)
    for k, t in enumerate(types):
        data[f"dist_{t}_km"] = nearest[:, k]
    data["per_100k"] = per_100k
    data["capability_index"] = index
    out = pd.DataFrame(data, index=regions.index.copy())
    log.debug(
        "capability of %d regions from %d institutions (%d pairs within %.0f m)",
        n,
        len(institutions),
        len(si),
        distance,
    )
    return out


# --------------------------------------------------------------------------
# per LPS
# --------------------------------------------------------------------------


def lps_capability(
    institutions: gpd.GeoDataFrame,
    lps: gpd.GeoDataFrame,
    members: pd.DataFrame,
    regions: gpd.GeoDataFrame,
    distance: float = DEFAULT_DISTANCE,
    population: pd.Series | None = None,
    weights: str | pd.Series | None = None,
    index_weights: Mapping[str, float] | None = None,
    components: pd.DataFrame | None = None,
) -> pd.DataFrame:
    r"""Institutions inside, near and nearest to every LPS polygon.

    The per-LPS capability layer of Suzigan, Furtado & Garcia (2006), steps
    (ii) and (iii): what supports each cluster nearby, and where the gaps are.

    Parameters
    ----------
    institutions
        Canonical institutions layer (see :func:`region_capability`).
    lps
        One (dissolved) polygon per LPS, indexed by ``lps_id`` (or with a
        column ``lps_id``), in the same projected CRS.
    members
        ``lps_id`` and ``region`` of every member municipality
        (``Result.lps_members``).
    regions
        Municipality polygons indexed by region code.
    distance
        Radius of the ``*_within`` measures, in metres (inclusive).
    population
        Inhabitants by region code.
    weights, index_weights, components
        As in :func:`region_capability`.

    Returns
    -------
    DataFrame
        Indexed like ``lps`` (``lps_id``), columns :data:`CAPABILITY_COLUMNS`:

        * ``n_<t>``: institutions of type ``t`` inside the LPS, i.e. assigned
          to one of its members (:func:`assign_institutions`; the same as
          "in the dissolved polygon" up to points on its border), so that it
          equals the sum of the members' ``n_<t>``;
        * ``n_<t>_within``: institutions inside the LPS or at most
          ``distance`` from its polygon;
        * ``dist_<t>_km``: distance in km from the polygon to the nearest
          institution of type ``t``, 0 when one is inside (NaN when the layer
          has none of the type);
        * ``w_total``, ``w_total_within``: weighted totals;
        * ``per_100k``: :math:`10^5\, W_L / \sum_{m \in L} P_m`, NaN when a
          member's population is missing or the total is 0;
        * ``capability_index``: mean of the members' ``capability_index``
          from :func:`region_capability` (computed over all ``regions``),
          weighted by population when ``population`` is given
          (:math:`\sum_m P_m I_m / \sum_m P_m`, members with a missing
          population weigh 0; plain mean when no member has a population).

    Raises
    ------
    CRSError, ConfigError, InputError
        As :func:`region_capability`; also ``lps_id`` of ``members`` absent
        from ``lps`` and member regions absent from ``regions``.

    Examples
    --------
    >>> from shapely.geometry import Point, box
    >>> regions = gpd.GeoDataFrame(
    ...     geometry=[box(x, 0, x + 10_000, 10_000) for x in (0, 10_000, 20_000)],
    ...     index=pd.Index(["a", "b", "c"], name="region"), crs="EPSG:5880")
    >>> members = pd.DataFrame({"lps_id": ["x@a", "x@a"], "region": ["a", "b"]})
    >>> lps = gpd.GeoDataFrame(geometry=[box(0, 0, 20_000, 10_000)],
    ...     index=pd.Index(["x@a"], name="lps_id"), crs="EPSG:5880")
    >>> inst = gpd.GeoDataFrame({"type": ["university", "university"]},
    ...     geometry=[Point(5_000, 5_000), Point(26_000, 5_000)],
    ...     index=pd.Index(["u1", "u2"], name="inst_id"), crs="EPSG:5880")
    >>> cap = lps_capability(inst, lps, members, regions, distance=5_000)
    >>> cap[["n_university", "n_university_within", "dist_university_km"]]
            n_university  n_university_within  dist_university_km
    lps_id
    x@a                1                    1                 0.0
    >>> cap["dist_research_centre_km"].tolist()
    [nan]
    """
    check_layers(institutions=institutions, lps=lps, regions=regions)
    distance = check_distance(distance)
    lps = lps_frame(lps)
    m = member_table(members, regions, "members")
    absent = m.loc[~m["lps_id"].isin(lps.index), "lps_id"].unique()
    if len(absent):
        raise InputError(
            f"members: lps_id {format_quoted(absent)} have no polygon in lps; "
            "pass the lps layer built from the same members"
        )
    region_cap = region_capability(
        institutions,
        regions,
        population=population,
        distance=distance,
        weights=weights,
        index_weights=index_weights,
        components=components,
    )
    xy, codes, w = institution_arrays(institutions, weights)
    n_lps, n_types = len(lps), len(INSTITUTION_TYPES)
    lps_pos = lps.index.get_indexer(m["lps_id"])

    # inside: institution assigned to a member region (region -> LPS pairs)
    region_pos = _assign_positions(institutions, regions)
    valid = np.flatnonzero(region_pos >= 0)
    by_region = valid[np.argsort(region_pos[valid], kind="stable")]
    sorted_pos = region_pos[by_region]
    mpos = m["pos"].to_numpy()
    starts = np.searchsorted(sorted_pos, mpos, side="left")
    counts = np.searchsorted(sorted_pos, mpos, side="right") - starts
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    in_l = np.repeat(lps_pos, counts).astype(np.int64)
    in_j = by_region[np.repeat(starts, counts) + offsets].astype(np.int64)
    n_in = _by_type(in_l, codes[in_j], n_lps)
    w_in = _by_type(in_l, codes[in_j], n_lps, w[in_j])

    # within: inside, or at most `distance` from the polygon. The polygons are
    # split into their parts so that the tree's boxes stay tight.
    parts, part_of = shapely.get_parts(
        np.asarray(lps.geometry.values), return_index=True
    )
    shapely.prepare(parts)
    pts = shapely.points(xy) if len(xy) else np.empty(0, dtype=object)
    if len(xy) and len(parts):
        pj, pp = shapely.STRtree(parts).query(
            pts, predicate="dwithin", distance=distance
        )
        pl = part_of[pp]
    else:
        pj = pl = np.empty(0, dtype=np.int64)
    keys = np.unique(
        np.concatenate([pl.astype(np.int64) * len(xy) + pj, in_l * len(xy) + in_j])
    )
    wl, wj = keys // max(len(xy), 1), keys % max(len(xy), 1)
    n_within = _by_type(wl, codes[wj], n_lps)
    w_within = _by_type(wl, codes[wj], n_lps, w[wj])

    # nearest from the polygon (0 when one is inside)
    nearest = np.full((n_lps, n_types), np.nan)
    for k in range(n_types):
        sel = codes == k
        if not sel.any() or not len(parts):
            continue
        (qi, _), dist = shapely.STRtree(pts[sel]).query_nearest(
            parts, return_distance=True, all_matches=False
        )
        best = pd.Series(dist).groupby(part_of[qi]).min()
        nearest[best.index.to_numpy(), k] = best.to_numpy() / 1000.0
    nearest[n_in > 0] = 0.0

    # population and index from the members
    pop = population_array(population, regions.index)
    mpop = pop[m["pos"].to_numpy()]
    grouped = pd.DataFrame(
        {
            "lps": lps_pos,
            "pop": mpop,
            "wpop": np.nan_to_num(mpop),
            "index": region_cap["capability_index"].to_numpy()[m["pos"].to_numpy()],
        }
    )
    grouped["wi"] = grouped["wpop"] * grouped["index"]
    g = grouped.groupby("lps")
    total_pop = (
        g["pop"].sum(min_count=1).where(~g["pop"].apply(lambda s: s.isna().any()))
    )
    total_pop = total_pop.reindex(range(n_lps)).to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_100k = np.where(total_pop > 0, w_in.sum(axis=1) / total_pop * 1e5, np.nan)
    plain = g["index"].mean().reindex(range(n_lps)).to_numpy(float)
    if population is None:
        index = plain
    else:
        sw = g["wpop"].sum().reindex(range(n_lps)).to_numpy(float)
        swi = g["wi"].sum().reindex(range(n_lps)).to_numpy(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            index = np.where(sw > 0, swi / sw, plain)

    types = INSTITUTION_TYPES
    data: dict[str, np.ndarray] = {}
    for k, t in enumerate(types):
        data[f"n_{t}"] = n_in[:, k].astype(np.int64)
    data["n_total"] = n_in.sum(axis=1).astype(np.int64)
    for k, t in enumerate(types):
        data[f"n_{t}_within"] = n_within[:, k].astype(np.int64)
    data["n_total_within"] = n_within.sum(axis=1).astype(np.int64)
    data["w_total"] = w_in.sum(axis=1)
    data["w_total_within"] = w_within.sum(axis=1)
    for k, t in enumerate(types):
        data[f"dist_{t}_km"] = nearest[:, k]
    data["per_100k"] = per_100k
    data["capability_index"] = index
    out = pd.DataFrame(data, index=lps.index.copy())
    out.index.name = "lps_id"
    return out
