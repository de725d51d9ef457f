"""Draw the invented state's geography: outline, municipal cells, adjacency and regions.

The outline is a rotated, perturbed ellipse of about 500 x 350 km in SIRGAS
2000 / Brazil Polyconic (EPSG:5880), centred where a south-eastern Brazilian
state would be. Municipal seats are dense around a metropolitan core and along
three corridors and sparse in the interior; their Voronoi cells, clipped to
the outline, are the municipalities. The metro area, the regional hubs and
the microregions are grown over queen adjacency.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import csr_matrix
from shapely.geometry import MultiPoint, Polygon

from lps_geo.demo.names import STATE_CODE
from lps_geo.errors import LpsGeoError

#: Projected CRS of every layer (SIRGAS 2000 / Brazil Polyconic).
CRS = "EPSG:5880"
#: Coordinates are snapped to this grid (metres).
GRID = 0.01
#: Number of municipalities of the metropolitan area (capital included).
N_METRO = 20
#: Number of regional hubs (large interior towns).
N_HUBS = 7


@dataclass(frozen=True)
class Mesh:
    """The municipal mesh of the invented state.

    Attributes
    ----------
    outline
        The state outline (shapely Polygon).
    points
        Seats of the municipalities, (n, 2); row 0 is the capital.
    comp
        Where each seat was drawn: 0 capital, 1 metro, 2 corridor, 3 interior.
    cells
        Municipal polygons, a clean coverage of ``outline`` (object array).
    nb
        Queen neighbours of every cell (positions).
    cent
        Centroids of the cells, (n, 2).
    dist_cap
        Distance of every centroid to the capital's seat (metres).
    """

    outline: Polygon
    points: np.ndarray
    comp: np.ndarray
    cells: np.ndarray
    nb: list[set[int]]
    cent: np.ndarray
    dist_cap: np.ndarray


def build_mesh(rng: np.random.Generator, n: int, seed: int) -> Mesh:
    """Outline, seats and cells of ``n`` municipalities, with their adjacency.

    Raises
    ------
    LpsGeoError
        The cells of this seed are not a clean coverage (try another seed).
    """
    outline, frame = _outline(rng)
    points, comp = _seed_points(rng, outline, frame, n)
    cells = _cells(points, outline)
    if not (
        shapely.is_valid(cells).all()
        and (shapely.get_type_id(cells) == 3).all()
        and shapely.coverage_is_valid(cells)
    ):  # pragma: no cover - seed-dependent
        raise LpsGeoError(
            f"demo: the municipal mesh of seed {seed} is not a clean coverage; "
            "try another seed"
        )
    nb = _queen(cells)
    cent = shapely.get_coordinates(shapely.centroid(cells))
    dist_cap = np.hypot(cent[:, 0] - points[0, 0], cent[:, 1] - points[0, 1])
    return Mesh(outline, points, comp, cells, nb, cent, dist_cap)


def metro_area(mesh: Mesh) -> list[int]:
    """The capital (first) and the nearest cells around it, contiguous."""
    n = len(mesh.cells)
    return grow_connected(0, mesh.nb, mesh.dist_cap, N_METRO, set(range(n)))


def regional_hubs(rng: np.random.Generator, mesh: Mesh, blocked: set[int]) -> list[int]:
    """Large towns on the corridors and in the interior, far from the capital
    and from each other, outside ``blocked``."""
    n = len(mesh.cells)
    comp, cent = mesh.comp, mesh.cent
    hubs: list[int] = []
    cand = [j for j in range(n) if j not in blocked and comp[j] in (2, 3)]
    cand = [j for j in cand if mesh.dist_cap[j] > 90_000]
    order = rng.permutation(len(cand))
    for k in order:
        j = cand[k]
        if all(np.hypot(*(cent[j] - cent[h])) > 80_000 for h in hubs):
            hubs.append(j)
        if len(hubs) == N_HUBS:
            break
    return hubs


def _snap(geoms):
    """Snap coordinates to :data:`GRID`."""
    return shapely.set_precision(geoms, GRID)


def _outline(rng: np.random.Generator):
    """Rotated, perturbed ellipse of about 500 x 350 km (EPSG:5880 metres)."""
    n = 720
    theta = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    r = np.ones(n)
    for k in range(2, 8):
        r += rng.uniform(0.012, 0.05) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    # smoothed random walk for a ragged, river-like border
    noise = rng.normal(0.0, 1.0, n)
    kernel = np.exp(-0.5 * (np.arange(-12, 13) / 4.0) ** 2)
    kernel /= kernel.sum()
    padded = np.concatenate([noise[-12:], noise, noise[:12]])
    smooth = np.convolve(padded, kernel, mode="valid")
    r += 0.035 * smooth / smooth.std()
    alpha = rng.uniform(-0.25, 0.25)
    a, b = 250_000.0, 175_000.0
    cx, cy = 5_250_000.0, 7_500_000.0
    x0, y0 = a * r * np.cos(theta), b * r * np.sin(theta)
    x = cx + x0 * np.cos(alpha) - y0 * np.sin(alpha)
    y = cy + x0 * np.sin(alpha) + y0 * np.cos(alpha)
    poly = Polygon(np.column_stack([x, y]))
    return _snap(poly), (cx, cy, a, b, alpha)


def _seed_points(rng, outline, frame, n):
    """Municipal seats: metro cluster, three corridors, sparse interior.

    Returns coordinates (n, 2) and a component label per point
    (0 capital, 1 metro, 2 corridor, 3 interior). Point 0 is the capital.
    """
    cx, cy, a, b, alpha = frame
    ca, sa = np.cos(alpha), np.sin(alpha)

    def local(u, v):  # ellipse-frame offsets -> map coordinates
        return cx + u * ca - v * sa, cy + u * sa + v * ca

    inner = outline.buffer(-40_000)
    mx, my = local(0.45 * a, -0.35 * b)
    while not shapely.contains_xy(inner, mx, my):
        mx, my = cx + 0.8 * (mx - cx), cy + 0.8 * (my - cy)
    ends = []
    for ang in (np.pi * 0.98, np.pi * 0.80, np.pi * 0.58):
        ex, ey = local(0.82 * a * np.cos(ang), 0.82 * b * np.sin(ang))
        ends.append((ex, ey))
    pts = [(mx, my)]
    comp = [0]
    probs = np.array([0.10, 0.38, 0.52])
    dmin = 2_500.0
    tries = 0
    while len(pts) < n:
        tries += 1
        if tries > 200 * n:  # pragma: no cover - geometry too small
            raise LpsGeoError("demo: could not place municipal seats; try another seed")
        c = rng.choice(3, p=probs)
        if c == 0:
            px, py = rng.normal(mx, 28_000.0), rng.normal(my, 28_000.0)
            d = 3_500.0
        elif c == 1:
            ex, ey = ends[rng.integers(3)]
            t = rng.uniform(0.12, 1.0)
            dx, dy = ex - mx, ey - my
            length = np.hypot(dx, dy)
            off = rng.normal(0.0, 9_000.0)
            px = mx + t * dx - off * dy / length
            py = my + t * dy + off * dx / length
            d = 7_000.0
        else:
            px = rng.uniform(cx - 1.2 * a, cx + 1.2 * a)
            py = rng.uniform(cy - 1.2 * a, cy + 1.2 * a)
            d = 11_000.0
        if not shapely.contains_xy(outline, px, py):
            continue
        arr = np.asarray(pts)
        dist = np.hypot(arr[:, 0] - px, arr[:, 1] - py).min()
        if dist < max(d, dmin):
            continue
        pts.append((px, py))
        comp.append(c + 1)
    return np.asarray(pts), np.asarray(comp)


def _cells(points, outline):
    """Voronoi cells of ``points`` clipped to ``outline`` (a clean coverage)."""
    vor = shapely.voronoi_polygons(
        MultiPoint(points), extend_to=outline.buffer(100_000), ordered=True
    )
    cells = np.asarray(shapely.get_parts(vor))
    cells = shapely.intersection(cells, outline)
    # a cell cut into pieces by a concave border keeps its largest piece; the
    # other pieces join the neighbour they share most boundary with
    for i, g in enumerate(cells):
        if g.geom_type != "Polygon":
            parts = sorted(
                (p for p in shapely.get_parts(g) if p.geom_type == "Polygon"),
                key=lambda p: -p.area,
            )
            cells[i] = parts[0]
            for p in parts[1:]:
                shared = shapely.length(shapely.intersection(cells, p.boundary))
                shared[i] = -1
                j = int(np.argmax(shared))
                cells[j] = shapely.union(cells[j], p)
    return _snap(cells)


def _queen(cells) -> list[set[int]]:
    tree = shapely.STRtree(cells)
    left, right = tree.query(cells, predicate="intersects")
    nb: list[set[int]] = [set() for _ in range(len(cells))]
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i != j:
            nb[i].add(j)
    return nb


def grow_connected(start, nb, order_key, k, allowed):
    """Grow a connected set of ``k`` cells from ``start`` by smallest key."""
    members = [start]
    inset = {start}
    heap = [(order_key[j], j) for j in nb[start] if j in allowed]
    heapq.heapify(heap)
    while len(members) < k and heap:
        _, j = heapq.heappop(heap)
        if j in inset:
            continue
        members.append(j)
        inset.add(j)
        for m in nb[j]:
            if m not in inset and m in allowed:
                heapq.heappush(heap, (order_key[m], m))
    return members


def adjacency_matrix(nb: list[set[int]]) -> csr_matrix:
    """Sparse 0/1 matrix of the neighbour sets ``nb``."""
    rows = [i for i, js in enumerate(nb) for _ in js]
    cols = [j for js in nb for j in sorted(js)]
    n = len(nb)
    return csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))


def microregions(rng: np.random.Generator, mesh: Mesh) -> np.ndarray:
    """Contiguous microregions grown from spread-out seeds (balanced counts).

    Returns the microregion label (0, 1, ...) of every municipality.
    """
    n, nb, cent = len(mesh.cells), mesh.nb, mesh.cent
    n_micro = int(np.clip(round(n / 17), 20, 40))
    seeds = [int(rng.integers(n))]
    d = np.hypot(cent[:, 0] - cent[seeds[0], 0], cent[:, 1] - cent[seeds[0], 1])
    while len(seeds) < n_micro:
        j = int(np.argmax(d))
        seeds.append(j)
        d = np.minimum(d, np.hypot(cent[:, 0] - cent[j, 0], cent[:, 1] - cent[j, 1]))
    label = -np.ones(n, dtype=np.int64)
    for r, s in enumerate(seeds):
        label[s] = r
    count = np.ones(n_micro)
    heap = [(1.0, r) for r in range(n_micro)]
    heapq.heapify(heap)
    while heap:
        _, r = heapq.heappop(heap)
        members = np.flatnonzero(label == r)
        frontier = sorted({j for i in members for j in nb[i] if label[j] < 0})
        if not frontier:
            continue
        s = seeds[r]
        j = min(frontier, key=lambda f: np.hypot(*(cent[f] - cent[s])))
        label[j] = r
        count[r] += 1
        heapq.heappush(heap, (count[r], r))
    if (label < 0).any():  # pragma: no cover - the cell graph is connected
        raise LpsGeoError("demo: microregions do not cover every municipality")
    return label


def microregion_codes(
    micro: np.ndarray, cent: np.ndarray, pop: np.ndarray, names: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Code and name of every microregion label of ``micro``.

    Microregions are numbered north to south, then west to east (like IBGE):
    ``19`` + a 3-digit serial; each is named after its most populous
    municipality.
    """
    n_micro = int(micro.max()) + 1
    mc = np.array([cent[micro == r].mean(axis=0) for r in range(n_micro)])
    rank = np.lexsort((mc[:, 0], -np.round(mc[:, 1], -4)))
    micro_code = np.empty(n_micro, dtype=object)
    micro_name = np.empty(n_micro, dtype=object)
    for pos, r in enumerate(rank):
        micro_code[r] = f"{STATE_CODE}{pos + 1:03d}"
        big = np.flatnonzero(micro == r)[np.argmax(pop[micro == r])]
        micro_name[r] = names[big]
    return micro_code, micro_name
