"""Spatial weights (libpysal ``Graph``) built from boundaries.

Builders are a registry (:data:`BUILDERS`) from a name to a function
``f(boundaries, options) -> Graph``; all return a binary, symmetric
``libpysal.graph.Graph`` whose ``unique_ids`` are the boundaries' region codes
in the boundaries' index order (the statistics engine relies on that order).
Islands (regions without neighbours) follow an explicit policy and are always
reported in a :class:`WeightsReport`.

Contiguity is the neighbourhood used by Suzigan, Furtado & Garcia (2006)
style cluster mapping with Local Moran (Anselin 1995); k-nearest and distance
band graphs are the usual alternatives when a mesh has many islands or very
unequal polygons.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import get_args

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import shapely
from libpysal.graph import Graph

from lps_geo.crs import DEFAULT_CRS, crs_name
from lps_geo.errors import ConfigError, CRSError, IslandWarning
from lps_geo.vocab import IslandPolicy, WeightsKind

log = logging.getLogger(__name__)


#: Bumped whenever the cached graph of a builder would change for the same input.
_CACHE_FORMAT = "1"


@dataclass(frozen=True)
class WeightsOptions:
    """Parameters of the weights builders; each builder reads the ones it uses.

    Attributes
    ----------
    k
        Neighbours per region for ``"knn"`` (an integer >= 1).
    snap
        Snapping tolerance for ``"queen"`` and ``"rook"``, in CRS units
        (metres in EPSG:5880): polygons at most ``snap`` apart count as
        touching. 0 means exact topology.
    threshold
        Distance band for ``"distance_band"``, in CRS units (metres).

    Examples
    --------
    >>> WeightsOptions(snap=2.0)
    WeightsOptions(k=6, snap=2.0, threshold=None)
    >>> WeightsOptions(snap=-1)
    Traceback (most recent call last):
    ...
    lps_geo.errors.ConfigError: weights snap = -1 must be a number >= 0 (CRS units)
    """

    k: int = 6
    snap: float = 0.0
    threshold: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.k, bool) or not isinstance(self.k, (int, np.integer)):
            raise ConfigError(f"weights k = {self.k!r} must be an integer >= 1")
        if self.k < 1:
            raise ConfigError(f"weights k = {self.k} must be an integer >= 1")
        if not _is_number(self.snap) or not self.snap >= 0:
            raise ConfigError(
                f"weights snap = {self.snap!r} must be a number >= 0 (CRS units)"
            )
        if self.threshold is not None and (
            not _is_number(self.threshold) or not self.threshold > 0
        ):
            raise ConfigError(
                f"weights threshold = {self.threshold!r} must be a distance > 0 "
                "in CRS units (metres for EPSG:5880)"
            )
        object.__setattr__(self, "k", int(self.k))
        object.__setattr__(self, "snap", float(self.snap))
        if self.threshold is not None:
            object.__setattr__(self, "threshold", float(self.threshold))


def _is_number(x: object) -> bool:
    return (
        isinstance(x, (int, float, np.integer, np.floating))
        and not isinstance(x, bool)
        and bool(np.isfinite(x))
    )


def _require_projected(gdf: gpd.GeoDataFrame, what: str) -> None:
    if gdf.crs is None:
        raise CRSError(f"{what}: the boundaries have no CRS; set one first")
    if not gdf.crs.is_projected:
        raise CRSError(
            f"{what} needs a projected CRS (distances in metres), got "
            f"{crs_name(gdf.crs)}; reproject, e.g. to {DEFAULT_CRS}"
        )


def _from_links(
    ids: pd.Index, focal: pd.Index | np.ndarray, neighbor: pd.Index | np.ndarray
) -> Graph:
    """Binary graph on exactly ``ids``, in that order, with the given links.

    Self-links and duplicates are dropped; ids without links become isolates
    (libpysal's zero-weight self-loop). Raises KeyError on an unknown id.
    """
    ids = pd.Index(ids)
    f = ids.get_indexer(pd.Index(focal))
    n = ids.get_indexer(pd.Index(neighbor))
    if (f < 0).any() or (n < 0).any():
        bad = pd.Index(focal)[f < 0].append(pd.Index(neighbor)[n < 0]).unique()
        raise KeyError(f"graph ids not among the boundaries: {list(bad[:5])}")
    off = f != n
    pairs = np.unique(np.stack([f[off], n[off]], axis=1), axis=0).reshape(-1, 2)
    lonely = np.setdiff1d(np.arange(len(ids)), pairs[:, 0])
    f_all = np.concatenate([pairs[:, 0], lonely])
    n_all = np.concatenate([pairs[:, 1], lonely])
    w_all = np.concatenate([np.ones(len(pairs)), np.zeros(len(lonely))])
    order = np.lexsort((n_all, f_all))
    index = pd.MultiIndex.from_arrays(
        [ids[f_all[order]], ids[n_all[order]]], names=["focal", "neighbor"]
    )
    return Graph(pd.Series(w_all[order], index=index, name="weight"), is_sorted=True)


def _links(graph: Graph) -> pd.DataFrame:
    """Non-zero links of ``graph`` as a (focal, neighbor) frame."""
    adj = graph.adjacency.reset_index()
    return adj[(adj["weight"] != 0) & (adj["focal"] != adj["neighbor"])]


def _conform(graph: Graph, ids: pd.Index) -> Graph:
    """``graph`` as a binary graph whose nodes are ``ids`` in that order."""
    adj = _links(graph)
    return _from_links(ids, adj["focal"].to_numpy(), adj["neighbor"].to_numpy())


def _fuzzy(gdf: gpd.GeoDataFrame, snap: float) -> Graph:
    _require_projected(gdf, "snapped contiguity (snap > 0)")
    # each polygon grows by snap/2, so polygons at most snap apart touch
    return Graph.build_fuzzy_contiguity(gdf.geometry, buffer=snap / 2)


def _queen(gdf: gpd.GeoDataFrame, o: WeightsOptions) -> Graph:
    if o.snap > 0:
        return _fuzzy(gdf, o.snap)
    return Graph.build_contiguity(gdf.geometry, rook=False)


def _rook(gdf: gpd.GeoDataFrame, o: WeightsOptions) -> Graph:
    # exact shared edges, plus (snap > 0) contacts across gaps up to snap that
    # run along a stretch of boundary
    exact = Graph.build_contiguity(gdf.geometry, rook=True)
    if o.snap == 0:
        return exact
    snapped = _drop_corner_contacts(gdf, _fuzzy(gdf, o.snap), o.snap)
    links = pd.concat([_links(exact), _links(snapped)])
    return _from_links(gdf.index, links["focal"], links["neighbor"])


def _drop_corner_contacts(gdf: gpd.GeoDataFrame, g: Graph, snap: float) -> Graph:
    """Keep the snapped contacts of ``g`` that run along a stretch of boundary.

    For a candidate pair (A, B) (polygons at most ``snap`` apart) this
    measures the length of A's boundary lying within ``snap`` of B and not
    within ``snap / 4`` of a third candidate neighbour of A (a tolerance for
    meshes whose shared edges are not noded exactly), and the same from B's
    side. The link is kept when both exceed ``3 * snap``: the polygons then
    face each other, gaps up to ``snap`` closed, along more than about
    ``snap`` of boundary (two polygons meeting at a bare right-angled corner
    score ``2 * snap``, the two flanks of the corner). Discounting what
    borders a third region keeps a corner contact out even when a thin
    wedge-shaped region lies between the two polygons, whose boundaries then
    diverge slowly.
    """
    adj = _links(g)
    ids = gdf.index
    f = ids.get_indexer(adj["focal"])
    n = ids.get_indexer(adj["neighbor"])
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    near = shapely.intersection(
        shapely.boundary(geoms)[f], shapely.buffer(geoms, snap)[n]
    )
    near_len = shapely.length(near)
    # subtract the parts of ``near`` along a third neighbour C of the focal A
    # (the candidate pairs (A, C) with C != B)
    by_focal = pd.Series(np.arange(len(f))).groupby(f).agg(list)
    pair, third = [], []
    for i, (a, b) in enumerate(zip(f, n, strict=True)):
        if near_len[i] == 0:
            continue
        for j in by_focal[a]:
            if n[j] != b:
                pair.append(i)
                third.append(n[j])
    pair_a = np.asarray(pair, dtype=np.intp)
    third_a = np.asarray(third, dtype=np.intp)
    # only where the bounding boxes overlap (cheap, and most do not)
    nb = shapely.bounds(near[pair_a])
    tb = shapely.bounds(geoms[third_a])
    d = snap / 4
    meet = (
        (nb[:, 0] <= tb[:, 2] + d)
        & (tb[:, 0] - d <= nb[:, 2])
        & (nb[:, 1] <= tb[:, 3] + d)
        & (tb[:, 1] - d <= nb[:, 3])
    )
    pair_a, third_a = pair_a[meet], third_a[meet]
    if len(pair_a):
        used = np.unique(third_a)
        along = np.empty(len(geoms), dtype=object)
        along[used] = shapely.buffer(geoms[used], d)
        on_third = shapely.length(shapely.intersection(near[pair_a], along[third_a]))
        near_len = near_len - np.bincount(pair_a, on_third, minlength=len(f))
    ok = near_len > 3 * snap
    passed = set(zip(f[ok].tolist(), n[ok].tolist(), strict=True))
    keep = np.array(
        [(a, b) in passed and (b, a) in passed for a, b in zip(f, n, strict=True)],
        dtype=bool,
    )
    return _from_links(ids, ids[f[keep]], ids[n[keep]])


def _knn(gdf: gpd.GeoDataFrame, o: WeightsOptions) -> Graph:
    _require_projected(gdf, "k-nearest weights")
    if o.k >= len(gdf):
        raise ConfigError(
            f"statistics.k = {o.k} must be smaller than the number of regions "
            f"({len(gdf)})"
        )
    pts = gdf.geometry.representative_point()
    adj = _links(Graph.build_knn(pts, k=o.k))
    # symmetrise: i ~ j if either is among the other's k nearest
    f = np.concatenate([adj["focal"].to_numpy(), adj["neighbor"].to_numpy()])
    n = np.concatenate([adj["neighbor"].to_numpy(), adj["focal"].to_numpy()])
    return _from_links(gdf.index, f, n)


def _distance_band(gdf: gpd.GeoDataFrame, o: WeightsOptions) -> Graph:
    _require_projected(gdf, "distance band weights")
    if o.threshold is None:
        raise ConfigError(
            "distance band weights need threshold = a distance > 0 in CRS units "
            "(metres for EPSG:5880), e.g. threshold=50000 for 50 km"
        )
    pts = gdf.geometry.representative_point()
    return Graph.build_distance_band(pts, threshold=o.threshold, binary=True)


Builder = Callable[[gpd.GeoDataFrame, WeightsOptions], Graph]

#: Weights builders by name: ``f(boundaries, options) -> Graph``.
BUILDERS: dict[str, Builder] = {
    "queen": _queen,
    "rook": _rook,
    "knn": _knn,
    "distance_band": _distance_band,
}

#: The :class:`WeightsOptions` fields each builder reads (reported and used in
#: the cache key). A builder missing here is taken to read all of them.
BUILDER_PARAMETERS: dict[str, tuple[str, ...]] = {
    "queen": ("snap",),
    "rook": ("snap",),
    "knn": ("k",),
    "distance_band": ("threshold",),
}


@dataclass(frozen=True)
class WeightsReport:
    """What a weights graph looks like, saved with every run.

    ``n`` and the neighbour counts describe the returned graph, hence exclude
    ``dropped`` regions. ``k``, ``snap`` and ``threshold`` are None when the
    builder does not use them.
    """

    kind: str
    n: int
    n_edges: int
    n_components: int
    isolates: tuple[str, ...]
    links_added: tuple[tuple[str, str], ...]
    min_neighbors: int
    mean_neighbors: float
    max_neighbors: int
    dropped: tuple[str, ...] = ()
    island_policy: str = "attach"
    k: int | None = None
    snap: float | None = None
    threshold: float | None = None
    from_cache: bool = False

    def to_dict(self) -> dict:
        """Plain JSON-friendly dict (lists instead of tuples)."""
        d = asdict(self)
        d["isolates"] = list(self.isolates)
        d["links_added"] = [list(p) for p in self.links_added]
        d["dropped"] = list(self.dropped)
        return d


def default_cache_dir() -> Path:
    """Folder of the weights cache: ``$LPS_GEO_CACHE`` or ``~/.cache/lps_geo``.

    :func:`build_weights` only caches when given a folder; the pipeline passes
    this one.

    Examples
    --------
    >>> import os
    >>> default_cache_dir() == Path(
    ...     os.environ.get("LPS_GEO_CACHE") or Path.home() / ".cache" / "lps_geo")
    True
    """
    env = os.environ.get("LPS_GEO_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "lps_geo"


def _cache_key(boundaries: gpd.GeoDataFrame, kind: str, params: dict) -> str:
    h = hashlib.sha256()
    head = [_CACHE_FORMAT, libpysal.__version__, kind, repr(sorted(params.items()))]
    h.update("\x1f".join(head).encode())
    h.update(boundaries.crs.to_wkt().encode() if boundaries.crs else b"")
    wkb = shapely.to_wkb(np.asarray(boundaries.geometry.array, dtype=object))
    for code, blob in zip(boundaries.index, wkb, strict=True):
        blob = blob or b""
        h.update(b"\x1e" + str(code).encode() + b"\x1f")
        h.update(len(blob).to_bytes(8, "little") + blob)
    return h.hexdigest()[:32]


def _build_cached(
    boundaries: gpd.GeoDataFrame,
    kind: str,
    opts: WeightsOptions,
    params: dict,
    cache_dir: str | os.PathLike | None,
) -> tuple[Graph, bool]:
    """The builder's graph conformed to the boundaries, via the cache if any."""

    def build() -> Graph:
        return _conform(BUILDERS[kind](boundaries, opts), boundaries.index)

    if cache_dir is None:
        return build(), False
    if importlib.util.find_spec("pyarrow") is None:
        log.warning(
            "weights cache %s disabled: it needs pyarrow (pip install pyarrow)",
            cache_dir,
        )
        return build(), False
    path = Path(cache_dir) / f"weights-{_cache_key(boundaries, kind, params)}.parquet"
    if path.exists():
        from libpysal.graph import read_parquet

        try:
            cached = read_parquet(path)
            if set(cached.unique_ids) != set(boundaries.index):
                raise ValueError("its regions differ from the boundaries")
            graph = _conform(cached, boundaries.index)
        except (OSError, ValueError, KeyError) as e:
            log.warning("ignoring weights cache %s (%s); rebuilding", path, e)
        else:
            log.info("weights loaded from cache %s", path)
            return graph, True
    graph = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".weights-", suffix=".tmp")
        os.close(fd)
        try:
            graph.to_parquet(tmp)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as e:
        log.warning("could not write weights cache %s (%s); not cached", path, e)
    else:
        log.info("weights cached in %s", path)
    return graph, False


def build_weights(
    boundaries: gpd.GeoDataFrame,
    kind: WeightsKind = "queen",
    k: int = 6,
    snap: float = 0.0,
    islands: IslandPolicy = "attach",
    threshold: float | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> tuple[Graph, WeightsReport]:
    """Binary, symmetric spatial weights between regions.

    Parameters
    ----------
    boundaries
        Polygons indexed by unique region codes, with a CRS (a projected one
        for ``knn``, ``distance_band``, ``snap > 0`` and attaching islands).
    kind
        A key of :data:`BUILDERS`:

        * ``"queen"``: regions sharing a boundary point;
        * ``"rook"``: regions sharing a stretch of boundary (not just a
          corner);
        * ``"knn"``: the ``k`` nearest regions by representative point,
          symmetrised (a link exists if either region is among the other's
          k nearest);
        * ``"distance_band"``: regions whose representative points (points
          guaranteed inside each polygon, unlike centroids) are at most
          ``threshold`` apart.
    k
        Neighbours for ``knn``.
    snap
        Snapping tolerance in CRS units for ``queen``/``rook``: polygons at
        most ``snap`` apart count as touching, which closes the sliver gaps
        of municipal meshes that otherwise create false islands. With
        ``rook``, a contact must run along more than about ``snap`` of
        boundary, so corner-only contacts stay out (see
        ``_drop_corner_contacts``); exactly shared edges always count.
    islands
        What to do with regions left without neighbours:

        * ``"attach"`` (default) links each to its nearest region (distance
          between polygons), logged at INFO and listed in ``links_added``;
        * ``"keep"`` leaves them isolated in the graph (listed in
          ``isolates``; their local statistics are labelled ``isolated``);
        * ``"drop"`` removes them from the graph, which then holds the other
          regions only (listed in ``dropped``); their local statistics are
          ``isolated``/missing.

        In every case an :class:`~lps_geo.errors.IslandWarning` names them.
    threshold
        Band distance for ``distance_band``, in CRS units (metres for
        EPSG:5880); required there, ignored by the other builders.
    cache_dir
        Folder of a cache of built graphs (e.g. :func:`default_cache_dir`);
        None (default) does not cache. The builder's graph is cached *before*
        the island policy (so warnings and reports are the same on every
        call) as ``weights-<hash>.parquet``, the hash covering the geometries'
        WKB, the region codes, the CRS, ``kind``, the parameters the builder
        uses and the libpysal version. Needs pyarrow (otherwise a warning is
        logged and nothing is cached).

    Returns
    -------
    graph : libpysal.graph.Graph
        Binary (weights 1) and symmetric; ``graph.unique_ids`` are the
        boundaries' index in its order (minus ``dropped`` regions).
    report : WeightsReport

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> b = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1),
    ...                                box(5, 0, 6, 1)],
    ...                      index=pd.Index(["a", "b", "c"], name="region"),
    ...                      crs="EPSG:5880")
    >>> g, rep = build_weights(b, "queen")
    >>> rep.links_added
    (('c', 'b'),)
    >>> sorted(g.neighbors["c"])
    ['b']
    >>> g, rep = build_weights(b, "distance_band", threshold=2.5, islands="drop")
    >>> list(g.unique_ids), rep.dropped
    (['a', 'b'], ('c',))
    """
    if kind not in BUILDERS:
        raise ConfigError(
            f"unknown weights {kind!r}; valid: {', '.join(sorted(BUILDERS))}"
        )
    if islands not in get_args(IslandPolicy):
        raise ConfigError(
            f"unknown island policy {islands!r}; valid: "
            f"{', '.join(get_args(IslandPolicy))}"
        )
    if boundaries.crs is None:
        raise CRSError("the boundaries have no CRS; set one first")
    if len(boundaries) == 0:
        raise ConfigError("the boundaries are empty: no region to build weights on")
    if not boundaries.index.is_unique:
        dup = boundaries.index[boundaries.index.duplicated()].unique()[:5]
        raise ConfigError(f"duplicate region codes in boundaries: {list(dup)}")
    opts = WeightsOptions(k=k, snap=snap, threshold=threshold)
    used = BUILDER_PARAMETERS.get(kind, ("k", "snap", "threshold"))
    params = {p: getattr(opts, p) for p in used}
    graph, from_cache = _build_cached(boundaries, kind, opts, params, cache_dir)

    isolates = [str(i) for i in graph.isolates]
    added: list[tuple[str, str]] = []
    dropped: list[str] = []
    if isolates and islands == "attach" and len(boundaries) > 1:
        _require_projected(boundaries, "attaching islands")
        geoms = boundaries.geometry
        for code in isolates:
            others = geoms.drop(index=code)
            nearest = others.distance(geoms.loc[code]).idxmin()
            added.append((code, str(nearest)))
        graph = _add_links(graph, added)
        log.info("attached %d island(s) to their nearest region", len(added))
    elif isolates and islands == "drop":
        keep = boundaries.index[~boundaries.index.isin(isolates)]
        if len(keep) == 0:
            raise ConfigError(
                f"every region is an island in the {kind} graph, nothing is left "
                "after dropping them; raise snap/threshold/k or use "
                "islands='attach'"
            )
        graph = _conform(graph, keep)
        dropped = isolates
        log.info("dropped %d island(s) from the weights graph", len(dropped))
    if isolates:
        if added:
            fate = "attached to the nearest region"
        elif dropped:
            fate = "dropped from the graph (their statistics are isolated/missing)"
        else:
            fate = "kept isolated"
        shown = ", ".join(isolates[:5]) + (" ..." if len(isolates) > 5 else "")
        msg = (
            f"{len(isolates)} region(s) without neighbours in the {kind} graph "
            f"({shown}); {fate}"
        )
        warnings.warn(msg, IslandWarning, stacklevel=2)
    adj = _links(graph)
    card = adj.groupby("focal").size().reindex(graph.unique_ids, fill_value=0)
    report = WeightsReport(
        kind=kind,
        n=int(graph.n),
        n_edges=int(graph.n_edges),
        n_components=int(graph.n_components),
        isolates=tuple(str(i) for i in graph.isolates),
        links_added=tuple(added),
        min_neighbors=int(card.min()),
        mean_neighbors=float(card.mean()),
        max_neighbors=int(card.max()),
        dropped=tuple(dropped),
        island_policy=islands,
        k=params.get("k"),
        snap=params.get("snap"),
        threshold=params.get("threshold"),
        from_cache=from_cache,
    )
    return graph, report


def _add_links(graph: Graph, links: list[tuple[str, str]]) -> Graph:
    """``graph`` plus the undirected ``links``, same node order."""
    adj = _links(graph)
    f = [a for a, _ in links] + [b for _, b in links]
    n = [b for _, b in links] + [a for a, _ in links]
    ids = graph.unique_ids
    return _from_links(
        ids,
        np.concatenate([adj["focal"].to_numpy(), np.asarray(f, dtype=object)]),
        np.concatenate([adj["neighbor"].to_numpy(), np.asarray(n, dtype=object)]),
    )


def restrict_to_groups(graph: Graph, groups: pd.Series) -> Graph:
    """Drop links between regions of different groups (e.g. states).

    >>> g = Graph.from_arrays(["a", "b"], ["b", "a"], [1.0, 1.0])
    >>> restrict_to_groups(g, pd.Series({"a": "x", "b": "y"})).n_edges
    0
    """
    adj = graph.adjacency.reset_index()
    same = (
        groups.reindex(adj["focal"]).to_numpy()
        == groups.reindex(adj["neighbor"]).to_numpy()
    )
    adj = adj[same & (adj["weight"] != 0)]
    ids = graph.unique_ids
    linked = set(adj["focal"])
    isolated = [i for i in ids if i not in linked]
    focal = np.concatenate(
        [adj["focal"].to_numpy(), np.asarray(isolated, dtype=object)]
    )
    neigh = np.concatenate(
        [adj["neighbor"].to_numpy(), np.asarray(isolated, dtype=object)]
    )
    w = np.concatenate([adj["weight"].to_numpy(dtype=float), np.zeros(len(isolated))])
    return Graph.from_arrays(focal, neigh, w).subgraph(ids)
