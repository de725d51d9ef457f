"""Plant the demo's local production systems so that the method has a known answer.

Ten agglomerations of the four types of Suzigan, Furtado & Garcia (2006,
section 4.2). Their employment is solved so that their aggregate share of the
industry and location quotient hit set targets, against the whole state with
employment in all 40 groups as the denominator. Neighbours of members are
held below QL 1 in the planted group, so hot spots do not spill over.
Manufacturing cells that would pass the filters by chance are capped below
the share filter, except a handful of weak embryos kept for realism, and
contiguous municipalities with QL >= 3 in a group whose aggregate would pass
the filters are capped at QL 2.5. Last, the planted types are recomputed from
the rounded tables and verified with :func:`lps_geo.method.typology.classify`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import csr_matrix

from lps_geo.config import TypologyThresholds, get_thresholds
from lps_geo.demo.economy import (
    aggregate,
    establishments,
    indicators,
    jobs_per_capita,
    ql_groups,
)
from lps_geo.demo.geography import Mesh, grow_connected
from lps_geo.demo.industries import GROUP_CODES, manufacturing, typical_sizes
from lps_geo.errors import LpsGeoError
from lps_geo.method.typology import classify, passes_filters

#: Typology preset the planted systems are built for.
PRESET = "ipea2006"

#: The planted LPS, with their targets. site: "capital", "capital+2" (the
#: capital and its two largest adjacent suburbs) or "interior" (n contiguous
#: towns away from the metro). Interior systems hit both targets: the members'
#: other employment is rescaled so that share and QL come out right. In the
#: metro the members are fixed and the share (None here) is solved so that the
#: QL hits its target.
_PLANTS: tuple[dict, ...] = (
    {
        "id": "lps01",
        "industry": "15.3",
        "type": "center",
        "site": "interior",
        "n": 5,
        "share": 0.50,
        "ql": 16.0,
        "description": "Footwear center of five contiguous interior towns "
        "(modelled on Franca-type footwear systems).",
    },
    {
        "id": "lps02",
        "industry": "32.1",
        "type": "center",
        "site": "interior",
        "n": 1,
        "share": 0.36,
        "ql": 30.0,
        "description": "Jewellery and costume-jewellery specialist town.",
    },
    {
        "id": "lps03",
        "industry": "21.2",
        "type": "advanced_vector",
        "site": "capital+2",
        "n": 3,
        "share": None,
        "ql": 1.6,
        "description": "Pharmaceuticals in the capital and two adjacent suburbs: "
        "large for the industry, diluted in a diversified metropolitan economy.",
    },
    {
        "id": "lps04",
        "industry": "26.1",
        "type": "advanced_vector",
        "site": "capital",
        "n": 1,
        "share": None,
        "ql": 1.8,
        "description": "Electronic components in the capital.",
    },
    {
        "id": "lps05",
        "industry": "31.0",
        "type": "local_vector",
        "site": "interior",
        "n": 3,
        "share": 0.13,
        "ql": 9.0,
        "description": "Furniture cluster A: three contiguous interior towns.",
    },
    {
        "id": "lps06",
        "industry": "31.0",
        "type": "local_vector",
        "site": "interior",
        "n": 2,
        "share": 0.10,
        "ql": 10.0,
        "description": "Furniture cluster B: two contiguous interior towns, far "
        "from cluster A and without support institutions.",
    },
    {
        "id": "lps07",
        "industry": "23.4",
        "type": "local_vector",
        "site": "interior",
        "n": 1,
        "share": 0.15,
        "ql": 16.0,
        "description": "Ceramics (bricks and tiles) town.",
    },
    {
        "id": "lps08",
        "industry": "14.1",
        "type": "embryo",
        "site": "interior",
        "n": 1,
        "share": 0.035,
        "ql": 2.5,
        "description": "Apparel in a regional service town.",
    },
    {
        "id": "lps09",
        "industry": "28.3",
        "type": "embryo",
        "site": "interior",
        "n": 2,
        "share": 0.06,
        "ql": 3.5,
        "description": "Agricultural machinery in two contiguous farm towns, "
        "without support institutions.",
    },
    {
        "id": "lps10",
        "industry": "10.5",
        "type": "embryo",
        "site": "interior",
        "n": 1,
        "share": 0.03,
        "ql": 3.0,
        "description": "Dairy products in a mid-sized interior town.",
    },
)

#: Maximum number of chance manufacturing embryos left in the baseline.
_MAX_INCIDENTAL = 6


@dataclass(frozen=True)
class Plan:
    """Where the planted LPS sit, and the draws their employment solve uses.

    Attributes
    ----------
    site_of
        Member positions of every planted LPS, by id.
    col
        Column of every CNAE group code.
    member_cells
        ``(row, column)`` of every planted cell -> LPS id.
    rings
        Column -> rows next to a planted LPS of that group (not members).
    members_by_k
        Column -> member rows of the planted LPS of that group.
    u
        Relative weight of every member within its LPS, by id.
    ring_ql
        Ceiling of the QL of every row when it borders a planted LPS.
    est_floor
        Minimum establishments of the planted cells (0 elsewhere).
    """

    site_of: dict[str, list[int]]
    col: dict[str, int]
    member_cells: dict[tuple[int, int], str]
    rings: dict[int, set[int]]
    members_by_k: dict[int, set[int]]
    u: dict[str, np.ndarray]
    ring_ql: np.ndarray
    est_floor: np.ndarray


def place_sites(
    rng: np.random.Generator, mesh: Mesh, metro: list[int]
) -> tuple[dict[str, list[int]], set[int]]:
    """Members of every planted LPS, and the cells no longer free for a hub.

    Interior systems are grown from a random start far from the metro and
    from the other sites (distances relaxed step by step when a small mesh
    leaves no room); ``blocked`` holds the metro, its neighbours and two rings
    of neighbours around every interior site.

    Raises
    ------
    LpsGeoError
        No room for a planted LPS with this seed.
    """
    nb, cent, dist_cap = mesh.nb, mesh.cent, mesh.dist_cap
    n = len(mesh.cells)
    suburbs = metro[1:11]
    near_metro = set(metro)
    for j in metro:
        near_metro |= nb[j]
    edge = shapely.intersects(mesh.cells, mesh.outline.exterior)
    blocked = set(near_metro)
    site_of: dict[str, list[int]] = {}
    centers: list[np.ndarray] = []
    for plant in _PLANTS:
        if plant["site"] == "capital":
            site_of[plant["id"]] = [0]
            continue
        if plant["site"] == "capital+2":
            adj = sorted(set(suburbs) & nb[0], key=lambda j: dist_cap[j])
            site_of[plant["id"]] = [0] + adj[:2]
            continue
        # far from the metro and from other sites; relaxed step by step when
        # a small mesh leaves no room
        for d_cap, d_site in (
            (120_000, 75_000),
            (100_000, 60_000),
            (80_000, 45_000),
            (60_000, 30_000),
        ):
            ok = [
                j
                for j in range(n)
                if j not in blocked
                and not edge[j]
                and dist_cap[j] > d_cap
                and all(np.hypot(*(cent[j] - c)) > d_site for c in centers)
            ]
            if ok:
                break
        if not ok:  # pragma: no cover - seed-dependent
            raise LpsGeoError(
                f"demo: no room for planted LPS {plant['id']}; try another seed"
            )
        start = ok[int(rng.integers(len(ok)))]
        d_start = np.hypot(cent[:, 0] - cent[start, 0], cent[:, 1] - cent[start, 1])
        allowed = {j for j in range(n) if j not in blocked}
        mem = grow_connected(start, nb, d_start, plant["n"], allowed)
        if len(mem) < plant["n"]:  # pragma: no cover - seed-dependent
            raise LpsGeoError(
                f"demo: could not grow planted LPS {plant['id']}; try another seed"
            )
        site_of[plant["id"]] = mem
        centers.append(cent[start])
        for j in mem:
            blocked |= {j} | nb[j]
            for m in nb[j]:
                blocked |= nb[m]
    return site_of, blocked


def size_planted_towns(
    rng: np.random.Generator,
    pop: np.ndarray,
    site_of: dict[str, list[int]],
    metro: list[int],
) -> None:
    """Give the planted interior towns the population their targets need.

    share / QL is the fraction of state employment the LPS must hold; ``pop``
    is changed in place.
    """
    n = len(pop)
    planted_cells = {j for mem in site_of.values() for j in mem}
    metro_set = set(metro)
    e_other = (pop * jobs_per_capita(pop))[
        [j for j in range(n) if j not in planted_cells or j in metro_set]
    ].sum()
    frac = {p["id"]: p["share"] / p["ql"] for p in _PLANTS if p["site"] == "interior"}
    e_state = e_other / (1 - sum(frac.values()))
    for plant in _PLANTS:
        if plant["site"] != "interior":
            continue
        mem = site_of[plant["id"]]
        w = rng.uniform(0.7, 1.3, len(mem))
        w[0] *= 1.4
        w /= w.sum()
        target_jobs = frac[plant["id"]] * e_state * w
        p_guess = target_jobs / 0.25
        for _ in range(4):
            p_guess = target_jobs / jobs_per_capita(p_guess)
        pop[mem] = np.clip(p_guess, 8_000, 300_000)


def make_plan(
    rng: np.random.Generator,
    site_of: dict[str, list[int]],
    nb: list[set[int]],
    plant_size: np.ndarray,
) -> Plan:
    """Planted cells, their rings and the draws of the solve.

    The planted cells get a plant size near the group's typical one
    (``plant_size`` is changed in place) and a floor of 6-12 establishments.
    """
    n, m = plant_size.shape
    size = typical_sizes()
    col = {c: k for k, c in enumerate(GROUP_CODES)}
    u = {p["id"]: rng.uniform(0.75, 1.25, len(site_of[p["id"]])) for p in _PLANTS}
    ring_ql = rng.uniform(0.25, 0.8, n)
    member_cells: dict[tuple[int, int], str] = {}
    rings: dict[int, set[int]] = {}
    for plant in _PLANTS:
        k = col[plant["industry"]]
        for j in site_of[plant["id"]]:
            member_cells[(j, k)] = plant["id"]
    for plant in _PLANTS:
        k = col[plant["industry"]]
        mem = set(site_of[plant["id"]])
        rset = set().union(*(nb[j] for j in mem)) - mem
        rings.setdefault(k, set()).update(j for j in rset if (j, k) not in member_cells)
    est_floor = np.zeros((n, m))
    for j, k in member_cells:
        plant_size[j, k] = size[k] * rng.uniform(0.7, 1.3)
        est_floor[j, k] = rng.integers(6, 13)
    members_by_k: dict[int, set[int]] = {}
    for j, k in member_cells:
        members_by_k.setdefault(k, set()).add(j)
    return Plan(site_of, col, member_cells, rings, members_by_k, u, ring_ql, est_floor)


def plant_systems(
    rng: np.random.Generator,
    emp: np.ndarray,
    pop: np.ndarray,
    plant_size: np.ndarray,
    plan: Plan,
    adj: csr_matrix,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, set[tuple[int, int]]]:
    """Solve the planted employment and suppress chance agglomerations.

    Returns the rounded jobs, the population (``pop`` itself, rescaled in
    place with the members' other employment), the establishments and the
    ``(row, column)`` of the chance embryos kept for realism.
    """
    t = get_thresholds(PRESET)
    manuf = manufacturing()
    emp, pop = _solve(emp, pop, plan)
    emp = np.rint(emp)
    # chance embryos kept for realism: small, low QL, away from planted LPS
    est = establishments(emp, plant_size, plan.est_floor)
    share, ql = indicators(emp)
    cand = np.asarray(passes_filters(share, ql, est, t)) & manuf[None, :]
    planted_cells = {j for mem in plan.site_of.values() for j in mem}
    planted_groups = {p["industry"] for p in _PLANTS}
    near_plant = {(j, k) for k, rs in plan.rings.items() for j in rs}
    eligible = [
        (int(j), int(k))
        for j, k in zip(*np.nonzero(cand), strict=True)
        if (j, k) not in plan.member_cells
        and (j, k) not in near_plant
        and j not in planted_cells
        and GROUP_CODES[k] not in planted_groups
        and ql[j, k] < 3.0
        and share[j, k] < 0.05
    ]
    pick = rng.permutation(len(eligible))[:_MAX_INCIDENTAL]
    allowed = {eligible[i] for i in sorted(pick)}
    for _ in range(3):
        emp = _suppress(emp, allowed, plan, plant_size, adj, t)
        emp, pop = _solve(emp, pop, plan, n_iter=20)
        emp = np.rint(emp)
    emp = _suppress(emp, allowed, plan, plant_size, adj, t)
    est = establishments(emp, plant_size, plan.est_floor)
    return emp, pop, est, allowed


def _solve(emp, pop, plan: Plan, n_iter=60):
    """Employment of the planted cells that hits their share and QL targets."""
    rings, col, site_of, u = plan.rings, plan.col, plan.site_of, plan.u
    m = emp.shape[1]
    emp = emp.copy()
    for _ in range(n_iter):
        # neighbours of planted members stay below parity, so hot spots do
        # not spill over into them
        for k, rs in rings.items():
            rows = sorted(rs)
            e_i = emp[:, k].sum()
            tot = emp.sum()
            cap = (
                plan.ring_ql[rows] * (emp[rows].sum(axis=1) - emp[rows, k]) * e_i / tot
            )
            emp[rows, k] = np.minimum(emp[rows, k], cap)
        for plant in _PLANTS:
            k = col[plant["industry"]]
            mem = site_of[plant["id"]]
            others = emp[mem].sum(axis=1) - emp[mem, k]
            o_l = others.sum()
            b_i = emp[:, k].sum() - emp[mem, k].sum()
            o_rest = emp.sum() - emp[mem].sum() - b_i
            q = plant["ql"]
            if plant["site"] == "interior":
                s = plant["share"]
                x = s / (1 - s) * b_i
                o_target = (s * (o_rest + b_i + x) - q * x) / (q - s)
                f = o_target / o_l
                f = float(np.clip(f, 0.5, 2.0))
                kk = np.arange(m) != k
                emp[np.ix_(mem, kk)] *= f
                pop[mem] *= f
                others = others * f
            else:
                # solve the share so that QL = q: x from q*(o_l+x)*(b+x)
                # = x*(o_rest+b+o_l+x)  (quadratic in x)
                tot_wo = o_rest + b_i + o_l
                a2 = 1 - q
                a1 = tot_wo - q * (o_l + b_i)
                a0 = -q * o_l * b_i
                disc = a1 * a1 - 4 * a2 * a0
                if disc < 0:  # pragma: no cover - seed-dependent
                    raise LpsGeoError(
                        f"demo: QL {q} unreachable for planted {plant['id']}; "
                        "try another seed"
                    )
                # the smaller root: the larger one would give the members
                # almost all of their employment in this industry
                x = (-a1 + np.sqrt(disc)) / (2 * a2)
            w = others * u[plant["id"]]
            # no member below half the mean: each passes the share filter
            w = np.maximum(w, 0.5 * w.mean())
            emp[mem, k] = x * w / w.sum()
    return emp, pop


def _suppress(emp, allowed, plan: Plan, plant_size, adj, t: TypologyThresholds):
    """Keep chance manufacturing agglomerations weak.

    Two rules, applied until nothing changes. (1) A single municipality
    that passes the filters by chance is capped at a 0.85 % share of the
    group, unless it is one of the ``allowed`` chance embryos, which is
    capped at share 4 % and QL 2.9. (2) Contiguous municipalities with
    QL >= 3 in a group (the high values a hot-spot statistic on QL picks
    up) whose aggregate passes the filters are each capped at QL 2.5.
    """
    manuf = manufacturing()
    for _ in range(40):
        est = establishments(emp, plant_size, plan.est_floor)
        share, ql = indicators(emp)
        tot = emp.sum()
        e_j = emp.sum(axis=1)
        e_i = emp.sum(axis=0)
        cand = np.asarray(passes_filters(share, ql, est, t)) & manuf[None, :]
        caps: dict[tuple[int, int], float] = {}
        for j, k in zip(*np.nonzero(cand), strict=True):
            if (j, k) in plan.member_cells:
                continue
            if (j, k) in allowed:
                lim = min(0.04, 2.9 * share[j, k] / ql[j, k])
            else:
                lim = 0.0085
            caps[(j, k)] = np.floor(lim * e_i[k])
        for k, rows in ql_groups(emp, ql, 3.0, adj, manuf, plan.members_by_k):
            if len(rows) < 2 or any((j, k) in allowed for j in rows):
                continue
            if emp[rows, k].sum() >= 0.01 * e_i[k] and est[rows, k].sum() >= 5:
                for j in rows:
                    cap = np.floor(2.5 * (e_j[j] - emp[j, k]) * e_i[k] / tot)
                    caps[(j, k)] = min(caps.get((j, k), np.inf), cap)
        changed = False
        for (j, k), cap in caps.items():
            if emp[j, k] > cap:
                emp[j, k] = cap
                changed = True
        if not changed:
            break
    return emp


def check_planted(
    emp: np.ndarray,
    est: np.ndarray,
    plan: Plan,
    allowed: set[tuple[int, int]],
    adj: csr_matrix,
    code_of: np.ndarray,
    names: list[str],
    seed: int,
) -> tuple[list[dict], list[dict]]:
    """Recompute the planted types from the rounded tables, list chance candidates.

    Returns the records of ``planted.json``'s ``planted`` (without
    ``institutions_in_members``) and ``incidental_candidates``.

    Raises
    ------
    LpsGeoError
        A planted LPS or one of its members misses its type or the filters, a
        chance manufacturing candidate is more than an embryo, or contiguous
        high-QL municipalities add up to a chance candidate (try another seed).
    """
    t = get_thresholds(PRESET)
    manuf = manufacturing()
    codes = GROUP_CODES
    planted = []
    for plant in _PLANTS:
        mem = plan.site_of[plant["id"]]
        k = plan.col[plant["industry"]]
        s, q, e = aggregate(emp, est, mem, k)
        got = classify(s, q, e, t)
        if got != plant["type"]:
            raise LpsGeoError(
                f"demo self-check failed for seed {seed}: planted {plant['id']} "
                f"({plant['industry']}) is {got!r}, expected {plant['type']!r} "
                f"(share {s:.4f}, QL {q:.3f}, establishments {e}); try another seed"
            )
        share, ql = indicators(emp)
        for j in mem:
            if not (ql[j, k] >= 1 and share[j, k] >= 0.01 and est[j, k] >= 5):
                raise LpsGeoError(
                    f"demo self-check failed for seed {seed}: member {code_of[j]} "
                    f"of {plant['id']} does not pass the filters; try another seed"
                )
        planted.append(
            {
                "id": plant["id"],
                "industry": plant["industry"],
                "type": plant["type"],
                "members": sorted(str(code_of[j]) for j in mem),
                "member_names": [
                    names[j] for j in sorted(mem, key=lambda j: code_of[j])
                ],
                "share_industry": round(s, 6),
                "ql": round(q, 6),
                "employment": int(emp[mem, k].sum()),
                "establishments": e,
                "description": plant["description"],
            }
        )
    share, ql = indicators(emp)
    cand = np.asarray(passes_filters(share, ql, est, t))
    incidental = []
    for j, k in zip(*np.nonzero(cand), strict=True):
        if (j, k) in plan.member_cells:
            continue
        typ = classify(share[j, k], ql[j, k], est[j, k], t)
        if manuf[k] and typ != "embryo":
            raise LpsGeoError(
                f"demo self-check failed for seed {seed}: chance {typ} of "
                f"{codes[k]} in {code_of[j]}; try another seed"
            )
        incidental.append(
            {
                "cod_ibge": str(code_of[j]),
                "industry": codes[k],
                "type": typ,
                "share_industry": round(float(share[j, k]), 6),
                "ql": round(float(ql[j, k]), 6),
                "establishments": int(est[j, k]),
            }
        )
    incidental.sort(key=lambda r: (r["industry"], r["cod_ibge"]))
    for k, rows in ql_groups(emp, ql, 3.0, adj, manuf, plan.members_by_k):
        if (
            len(rows) >= 2
            and not any((j, k) in allowed for j in rows)
            and emp[rows, k].sum() >= 0.01 * emp[:, k].sum()
            and est[rows, k].sum() >= 5
        ):
            raise LpsGeoError(
                f"demo self-check failed for seed {seed}: chance group of "
                f"{codes[k]} in {', '.join(code_of[rows])}; try another seed"
            )
    return planted, incidental
