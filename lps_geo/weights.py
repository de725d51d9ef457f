"""Spatial weights (libpysal ``Graph``) built from boundaries.

Builders are a registry (:data:`BUILDERS`) from a name to a function; all
return a binary, symmetric ``libpysal.graph.Graph`` indexed by region code.
Islands (regions without neighbours) follow an explicit policy and are
always reported in a :class:`WeightsReport`.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from libpysal.graph import Graph

from .errors import ConfigError, CRSError, IslandWarning

log = logging.getLogger(__name__)

IslandPolicy = Literal["attach", "keep"]


def _require_projected(gdf: gpd.GeoDataFrame, what: str) -> None:
    if gdf.crs is None:
        raise CRSError(f"{what}: the boundaries have no CRS; set one first")
    if not gdf.crs.is_projected:
        raise CRSError(
            f"{what} needs a projected CRS (distances in metres), got "
            f"{gdf.crs.to_string()}; reproject, e.g. to EPSG:5880"
        )


def _queen(gdf: gpd.GeoDataFrame, k: int, snap: float) -> Graph:
    if snap > 0:
        return Graph.build_fuzzy_contiguity(gdf.geometry, buffer=snap)
    return Graph.build_contiguity(gdf.geometry, rook=False)


def _rook(gdf: gpd.GeoDataFrame, k: int, snap: float) -> Graph:
    if snap > 0:
        # a snapped rook graph: fuzzy contiguity keeps only shared edges
        # longer than the tolerance, so corner-only contacts drop out
        g = Graph.build_fuzzy_contiguity(gdf.geometry, buffer=snap)
        return _drop_corner_contacts(gdf, g, snap)
    return Graph.build_contiguity(gdf.geometry, rook=True)


def _drop_corner_contacts(gdf: gpd.GeoDataFrame, g: Graph, snap: float) -> Graph:
    adj = g.adjacency.reset_index()
    adj = adj[adj["focal"] != adj["neighbor"]]
    geom = gdf.geometry.buffer(snap)
    inter = (
        geom.loc[adj["focal"]]
        .reset_index(drop=True)
        .intersection(geom.loc[adj["neighbor"]].reset_index(drop=True))
    )
    keep = (inter.area > (4 * snap * snap) * 1.01).to_numpy()
    adj = adj[keep]
    return (
        Graph.from_arrays(
            adj["focal"].to_numpy(), adj["neighbor"].to_numpy(), np.ones(len(adj))
        )
        if len(adj)
        else Graph.from_arrays(gdf.index, gdf.index, np.zeros(len(gdf)))
    )


def _knn(gdf: gpd.GeoDataFrame, k: int, snap: float) -> Graph:
    _require_projected(gdf, "k-nearest weights")
    if k >= len(gdf):
        raise ConfigError(
            f"statistics.k = {k} must be smaller than the number of regions "
            f"({len(gdf)})"
        )
    pts = gdf.geometry.representative_point()
    g = Graph.build_knn(pts, k=k)
    # symmetrise: i ~ j if either is among the other's k nearest
    a = g.sparse
    sym = ((a + a.T) > 0).astype(float)
    return Graph.from_sparse(sym.tocsr(), ids=g.unique_ids)


#: Weights builders by name: ``f(boundaries, k, snap) -> Graph``.
BUILDERS: dict[str, Callable[[gpd.GeoDataFrame, int, float], Graph]] = {
    "queen": _queen,
    "rook": _rook,
    "knn": _knn,
}


@dataclass(frozen=True)
class WeightsReport:
    """What a weights graph looks like, saved with every run."""

    kind: str
    n: int
    n_edges: int
    n_components: int
    isolates: tuple[str, ...]
    links_added: tuple[tuple[str, str], ...]
    min_neighbors: int
    mean_neighbors: float
    max_neighbors: int

    def to_dict(self) -> dict:
        d = asdict(self)
        d["isolates"] = list(self.isolates)
        d["links_added"] = [list(p) for p in self.links_added]
        return d


def build_weights(
    boundaries: gpd.GeoDataFrame,
    kind: str = "queen",
    k: int = 6,
    snap: float = 0.0,
    islands: IslandPolicy = "attach",
) -> tuple[Graph, WeightsReport]:
    """Binary, symmetric spatial weights between regions.

    Parameters
    ----------
    boundaries
        Polygons indexed by region code, in a projected CRS.
    kind
        ``"queen"``, ``"rook"`` or ``"knn"`` (see :data:`BUILDERS`).
    k
        Neighbours for ``knn`` (symmetrised: a link exists if either region
        is among the other's k nearest).
    snap
        Snapping tolerance in CRS units for contiguity: polygons closer than
        this count as touching (closes sliver gaps in municipal meshes).
    islands
        ``"attach"`` links every region without neighbours to its nearest
        region (by distance between polygons); ``"keep"`` leaves it isolated
        (its local statistics are then labelled ``isolated``).

    Returns
    -------
    graph, report

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
    """
    if kind not in BUILDERS:
        raise ConfigError(
            f"unknown weights {kind!r}; valid: {', '.join(sorted(BUILDERS))}"
        )
    if islands not in ("attach", "keep"):
        raise ConfigError(f"unknown island policy {islands!r}; valid: attach, keep")
    if boundaries.crs is None:
        raise CRSError("the boundaries have no CRS; set one first")
    if not boundaries.index.is_unique:
        dup = boundaries.index[boundaries.index.duplicated()].unique()[:5]
        raise ConfigError(f"duplicate region codes in boundaries: {list(dup)}")
    graph = BUILDERS[kind](boundaries, k, snap)
    # libpysal orders nodes by input; reindex defensively to the boundaries
    isolates = [str(i) for i in graph.isolates]
    added: list[tuple[str, str]] = []
    if isolates and islands == "attach" and len(boundaries) > 1:
        _require_projected(boundaries, "attaching islands")
        geoms = boundaries.geometry
        for code in isolates:
            others = geoms.drop(index=code)
            nearest = others.distance(geoms.loc[code]).idxmin()
            added.append((code, str(nearest)))
        graph = _add_links(graph, added)
        log.info("attached %d island(s) to their nearest region", len(added))
    remaining = [str(i) for i in graph.isolates]
    if isolates:
        msg = (
            f"{len(isolates)} region(s) without neighbours in the {kind} graph "
            f"({', '.join(isolates[:5])}{' ...' if len(isolates) > 5 else ''}); "
            + (
                "attached to the nearest region"
                if islands == "attach"
                else "kept isolated"
            )
        )
        warnings.warn(msg, IslandWarning, stacklevel=2)
    card = graph.cardinalities.reindex(boundaries.index).fillna(0)
    report = WeightsReport(
        kind=kind,
        n=int(graph.n),
        n_edges=int(graph.n_edges),
        n_components=int(graph.n_components),
        isolates=tuple(remaining),
        links_added=tuple(added),
        min_neighbors=int(card.min()),
        mean_neighbors=float(card.mean()),
        max_neighbors=int(card.max()),
    )
    return graph, report


def _add_links(graph: Graph, links: list[tuple[str, str]]) -> Graph:
    adj = graph.adjacency.reset_index()
    adj = adj[adj["weight"] != 0]
    extra = pd.DataFrame(
        [(a, b, 1) for a, b in links] + [(b, a, 1) for a, b in links],
        columns=["focal", "neighbor", "weight"],
    )
    allp = pd.concat([adj, extra]).drop_duplicates(["focal", "neighbor"])
    ids = graph.unique_ids
    # keep node order of the original graph
    return (
        Graph.from_arrays(
            allp["focal"].to_numpy(),
            allp["neighbor"].to_numpy(),
            allp["weight"].to_numpy(dtype=float),
        ).subgraph(ids)
        if len(allp)
        else graph
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
    isolated = [i for i in ids if i not in set(adj["focal"])]
    focal = np.concatenate(
        [adj["focal"].to_numpy(), np.asarray(isolated, dtype=object)]
    )
    neigh = np.concatenate(
        [adj["neighbor"].to_numpy(), np.asarray(isolated, dtype=object)]
    )
    w = np.concatenate([adj["weight"].to_numpy(dtype=float), np.zeros(len(isolated))])
    return Graph.from_arrays(focal, neigh, w).subgraph(ids)
