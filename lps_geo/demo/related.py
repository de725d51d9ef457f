"""Plant related industries: the footwear supply chain locates with footwear.

Leather tanning (CNAE 15.1) and footwear parts (15.4) supply shoemakers
(15.3), so in the demo they follow them: a municipality specialised in
footwear (QL >= 1) without a tannery or a parts maker gets one, with a
probability, at a QL of 1.2-2.4 in that industry; one specialised in tanning
or parts but not in footwear loses it, with a smaller probability. The
probabilities are raised step by step until the association relatedness of
footwear and each supplier over all municipalities (co-occurrences of QL >= 1
over their expectation, :func:`lps_geo.stats.relatedness.relatedness_matrix`,
the run's default) reaches :data:`TARGET`. The footwear center's own towns
get enough parts makers for the pooled QL of 15.4 to reach 1.3 (tanning is
there already). Jobs move to and from the same municipality's retail (CNAE
47.8), so no municipality's total employment changes.

The planted typology stays intact: a supplier cell that would pass the
ipea2006 filters on its own is capped at 0.85 % of its industry, and
contiguous municipalities with QL >= 3 in a supplier industry whose aggregate
would pass are capped at QL 2.5, as :mod:`lps_geo.demo.planted` does for every
manufacturing group. The draws come from their own generator (seeded from the
demo's seed), so everything else in the demo is as without them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from lps_geo.config import get_thresholds
from lps_geo.demo.economy import establishments, indicators, ql_groups
from lps_geo.demo.industries import GROUP_CODES
from lps_geo.errors import LpsGeoError
from lps_geo.method.typology import passes_filters

#: The planted related pairs: (core industry, related industry, why).
PAIRS: tuple[tuple[str, str, str], ...] = (
    ("15.3", "15.1", "leather tanning supplies footwear makers"),
    ("15.3", "15.4", "footwear parts (soles, uppers, insoles) supply footwear makers"),
)
#: Retail group the moved jobs come from and go to.
DONOR = "47.8"
#: Relatedness (association) every planted pair must reach.
TARGET = 1.8
#: Pooled QL of a related industry in the core LPS's members.
MEMBER_QL = 1.3
#: (probability of adding a supplier to a footwear town, probability of
#: removing it from a non-footwear town), tried in order.
_STEPS = ((0.35, 0.2), (0.5, 0.3), (0.65, 0.4), (0.8, 0.5), (0.95, 0.7))
#: Cap of a supplier cell's share of its industry (below the 1 % filter).
_SHARE_CAP = 0.0085
#: QL band of an added supplier cell.
_QL_RANGE = (1.2, 2.4)


def association(emp: np.ndarray, i: int, j: int) -> float:
    """Association relatedness of columns ``i`` and ``j`` over all rows, the
    run's measure (:func:`lps_geo.stats.relatedness.relatedness_matrix`)."""
    from lps_geo.stats.relatedness import relatedness_matrix

    frame = pd.DataFrame(
        emp,
        index=pd.Index([f"r{k}" for k in range(len(emp))], name="region"),
        columns=pd.Index(list(GROUP_CODES), name="industry"),
    )
    r = relatedness_matrix(frame, "association")
    return float(r.iloc[i, j])


def plant_related(
    seed: int,
    emp: np.ndarray,
    plant_size: np.ndarray,
    est_floor: np.ndarray,
    core_members: list[int],
    allowed: set[tuple[int, int]],
    adj: csr_matrix,
) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Co-locate the related industries of :data:`PAIRS` with their core one.

    Parameters
    ----------
    seed
        The demo's seed (the draws use their own generator).
    emp
        Rounded jobs (municipalities x groups); not changed.
    plant_size, est_floor
        As in :func:`lps_geo.demo.economy.establishments`.
    core_members
        Rows of the planted footwear center.
    allowed
        Chance embryos kept on purpose (not capped).
    adj
        Queen adjacency of the municipalities.

    Returns
    -------
    emp, est, pairs
        New jobs and establishments, and one record per planted pair
        (``industry``, ``related_industry``, ``why``, ``method``,
        ``relatedness_before`` planting, ``p_add`` and ``p_drop`` used, and
        ``relatedness`` once every pair is planted).

    Raises
    ------
    LpsGeoError
        A pair does not reach :data:`TARGET` (try another seed).
    """
    col = {c: k for k, c in enumerate(GROUP_CODES)}
    donor = col[DONOR]
    members = set(core_members)
    records = []
    emp = emp.copy()
    for n_pair, (core, rel, why) in enumerate(PAIRS):
        i, k = col[core], col[rel]
        rng = np.random.default_rng([seed, 14, n_pair])
        u = rng.random(len(emp))
        q_target = rng.uniform(*_QL_RANGE, len(emp))
        before = association(emp, i, k)
        base = emp.copy()
        for p_add, p_drop in _STEPS:
            emp = _co_locate(base, i, k, donor, u, q_target, p_add, p_drop, members)
            emp = _member_boost(emp, k, donor, sorted(members))
            emp = _guard(emp, k, donor, plant_size, est_floor, allowed, adj)
            after = association(emp, i, k)
            if after >= TARGET:
                break
        else:  # pragma: no cover - seed-dependent
            raise LpsGeoError(
                f"demo: related industry {rel} of {core} reaches relatedness "
                f"{after:.2f} only (target {TARGET}); try another seed"
            )
        records.append(
            {
                "industry": core,
                "related_industry": rel,
                "why": why,
                "method": "association",
                "relatedness_before": round(before, 6),
                "p_add": p_add,
                "p_drop": p_drop,
            }
        )
    for record in records:  # after every pair: the run's values
        i, k = col[record["industry"]], col[record["related_industry"]]
        record["relatedness"] = round(association(emp, i, k), 6)
        if record["relatedness"] < TARGET:  # pragma: no cover - seed-dependent
            raise LpsGeoError(
                f"demo: related industry {record['related_industry']} of "
                f"{record['industry']} fell to relatedness "
                f"{record['relatedness']:.2f}; try another seed"
            )
    est = establishments(emp, plant_size, est_floor)
    return emp, est, records


def _co_locate(emp, i, k, donor, u, q_target, p_add, p_drop, members):
    """Add column ``k`` to rows specialised in ``i``, drop it from others."""
    emp = emp.copy()
    _, ql = indicators(emp)
    tot = emp.sum()
    e_k = emp[:, k].sum()
    e_j = emp.sum(axis=1)
    spec = (ql[:, i] >= 1) & (emp[:, i] > 0)
    for j in range(len(emp)):
        if j in members:
            continue
        if spec[j] and emp[j, k] == 0 and u[j] < p_add:
            x = min(np.ceil(q_target[j] * e_j[j] * e_k / tot), emp[j, donor] - 1)
            x = max(x, 0.0)
            emp[j, k] += x
            emp[j, donor] -= x
        elif not spec[j] and ql[j, k] >= 1 and u[j] < p_drop:
            emp[j, donor] += emp[j, k]
            emp[j, k] = 0.0
    return emp


def _member_boost(emp, k, donor, members):
    """Raise column ``k`` in the core members to a pooled QL of MEMBER_QL,
    in proportion to their employment, each below the share cap."""
    emp = emp.copy()
    for _ in range(5):
        tot = emp.sum()
        e_k = emp[:, k].sum()
        e_l = emp[members].sum()
        want = MEMBER_QL * e_l * e_k / tot
        have = emp[members, k].sum()
        if have >= want:
            break
        w = emp[members].sum(axis=1)
        add = np.ceil((want - have) * w / w.sum())
        room = np.maximum(np.floor(_SHARE_CAP * e_k) - emp[members, k], 0.0)
        add = np.minimum(add, room)
        if not add.any():
            break
        emp[members, k] += add
        emp[members, donor] -= add
    return emp


def _guard(emp, k, donor, plant_size, est_floor, allowed, adj):
    """Cap chance candidates of column ``k`` (the rules of
    :func:`lps_geo.demo.planted._suppress`), moving the jobs to the donor."""
    t = get_thresholds("ipea2006")
    mask = np.zeros(emp.shape[1], bool)
    mask[k] = True
    emp = emp.copy()
    for _ in range(40):
        est = establishments(emp, plant_size, est_floor)
        share, ql = indicators(emp)
        tot = emp.sum()
        e_j = emp.sum(axis=1)
        e_k = emp[:, k].sum()
        cand = np.asarray(passes_filters(share[:, k], ql[:, k], est[:, k], t))
        caps = {}
        for j in np.flatnonzero(cand):
            if (int(j), k) not in allowed:
                caps[int(j)] = np.floor(_SHARE_CAP * e_k)
        for _, rows in ql_groups(emp, ql, 3.0, adj, mask, {}):
            if len(rows) < 2:
                continue
            if emp[rows, k].sum() >= 0.01 * e_k and est[rows, k].sum() >= 5:
                for j in rows:
                    cap = np.floor(2.5 * (e_j[j] - emp[j, k]) * e_k / tot)
                    caps[int(j)] = min(caps.get(int(j), np.inf), cap)
        changed = False
        for j, cap in caps.items():
            if emp[j, k] > cap:
                emp[j, donor] += emp[j, k] - cap
                emp[j, k] = cap
                changed = True
        if not changed:
            return emp
    raise LpsGeoError(  # pragma: no cover - does not happen for tested seeds
        f"demo: could not keep {GROUP_CODES[k]} below the filters"
    )
