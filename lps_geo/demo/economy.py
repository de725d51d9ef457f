"""Draw the demo's population, employment and establishments, with array indicators.

Population is log-normal and heavy-tailed: a capital of 2.6-3.4 million with
ten large contiguous suburbs, interior towns of 2 thousand to 300 thousand.
Employment is a Gamma-Poisson draw per municipality and CNAE group around
population x national weight (manufacturing absent from most small towns);
establishments follow from a typical plant size per group. The share and QL
helpers work on plain ``(regions, groups)`` arrays, with the whole state as
the reference area and every group in the denominator.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from lps_geo.demo.industries import GROUPS, manufacturing, typical_sizes


def jobs_per_capita(pop) -> np.ndarray:
    """Jobs per inhabitant, growing with the town's size (0.10-0.38)."""
    return np.clip(0.14 + 0.035 * np.log(np.asarray(pop, float) / 5_000.0), 0.10, 0.38)


def draw_population(
    rng: np.random.Generator,
    comp: np.ndarray,
    suburbs: list[int],
    ring: list[int],
    hubs: list[int],
) -> np.ndarray:
    """Inhabitants of every municipality (float), before the planted towns.

    ``comp`` says where each seat was drawn (2: a corridor); row 0 is the
    capital, ``suburbs`` the ten largest metro municipalities, ``ring`` the
    rest of the metro and ``hubs`` the regional hubs.
    """
    n = len(comp)
    pop = np.where(
        comp == 2,
        np.exp(rng.normal(np.log(20_000), 1.0, n)),
        np.exp(rng.normal(np.log(7_500), 0.85, n)),
    )
    pop = np.clip(pop, 2_000, 300_000)
    pop[0] = rng.uniform(2.6e6, 3.4e6)
    pop[suburbs] = np.sort(
        np.clip(np.exp(rng.normal(np.log(380_000), 0.55, 10)), 120_000, 1_300_000)
    )[::-1]
    pop[ring] = np.clip(
        np.exp(rng.normal(np.log(45_000), 0.5, len(ring))), 15_000, 150_000
    )
    pop[hubs] = rng.uniform(120_000, 300_000, len(hubs))
    return pop


def draw_employment(
    rng: np.random.Generator, pop: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Baseline jobs and plant sizes, (n, groups) float arrays.

    Expected jobs follow :func:`expected_structure`; a manufacturing group is
    present in a municipality with a probability that grows with its expected
    plants; jobs are Poisson draws around a Gamma mean whose shape is the
    expected number of plants (large cells vary little).
    """
    n = len(pop)
    weight = np.array([g[2] for g in GROUPS]) / 100.0
    weight = weight / weight.sum()
    size = typical_sizes()
    urban = np.array([g[4] for g in GROUPS], float)
    manuf = manufacturing()
    m = len(GROUPS)

    e_tot = pop * jobs_per_capita(pop)
    mu = expected_structure(e_tot, pop, weight, urban, manuf)
    presence = np.ones_like(mu, dtype=bool)
    p_present = 1 - np.exp(-mu / (4.0 * size[None, :]))
    presence[:, manuf] = rng.random((n, manuf.sum())) < p_present[:, manuf]
    # gamma shape ~ number of plants: large cells vary little
    shape = np.clip(mu / size[None, :], np.where(manuf, 1.3, 3.0)[None, :], 400.0)
    scale_mean = np.where(presence, mu / np.where(manuf[None, :], p_present, 1.0), 0.0)
    lam = rng.gamma(shape, np.maximum(scale_mean, 1e-12) / shape)
    emp = rng.poisson(np.where(presence, lam, 0.0)).astype(float)
    plant_size = size[None, :] * np.exp(rng.normal(0.0, 0.4, (n, m)))
    return emp, plant_size


def expected_structure(e_tot, pop, weight, urban, manuf):
    """Expected jobs per municipality and group (before noise).

    Small towns follow the national weights with manufacturing above parity.
    Large towns (from 0.2 % to 0.5 % of state employment on) are held at 0.8
    times the state structure in manufacturing (0.6 in the capital, row 0) and
    0.88 in ordinary services; the rest of their employment goes to the urban
    services (wholesale, IT, hospitals). This keeps chance candidates in large
    towns few and concentrated in urban services, as in regional centres.
    """
    e_share = e_tot / e_tot.sum()
    big = np.interp(np.log10(e_share), np.log10([0.002, 0.005]), [0.0, 1.0])
    aff = (pop[:, None] / 50_000.0) ** (0.25 * urban[None, :])
    mu0 = weight[None, :] * aff
    mu0[:, manuf] *= 1.25
    mu0 *= (e_tot / mu0.sum(axis=1))[:, None]
    plain = ~manuf & (urban <= 0)
    city = ~manuf & (urban > 0)
    tilt = np.full(len(e_tot), 0.8)
    tilt[0] = 0.6
    mu = mu0.copy()
    for _ in range(40):
        state = mu.sum(axis=0) / mu.sum()
        con = np.empty_like(mu)
        con[:, manuf] = e_tot[:, None] * state[None, manuf] * tilt[:, None]
        con[:, plain] = e_tot[:, None] * state[None, plain] * 0.88
        rest = e_tot - con[:, manuf | plain].sum(axis=1)
        us = state[None, city] * aff[:, city]
        con[:, city] = rest[:, None] * us / us.sum(axis=1, keepdims=True)
        mu = (1 - big)[:, None] * mu0 + big[:, None] * con
    return mu


def establishments(emp, plant_size, floor):
    """Establishments from jobs and plant size; planted cells have a floor.

    Planted systems are agglomerations of many firms: their cells have at
    least ``floor`` establishments (6-12), or one per job if fewer jobs.
    """
    est = np.maximum(np.rint(emp / plant_size), np.minimum(floor, emp))
    return np.where(emp > 0, np.clip(est, 1, emp), 0.0)


def indicators(emp: np.ndarray):
    """Share of industry and QL for every cell (rows regions, cols groups)."""
    e_i = emp.sum(axis=0)
    e_j = emp.sum(axis=1)
    tot = emp.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(e_i > 0, emp / e_i, 0.0)
        ql = np.where(
            (e_j[:, None] > 0) & (e_i[None, :] > 0),
            (emp / e_j[:, None]) / (e_i / tot)[None, :],
            0.0,
        )
    return share, ql


def aggregate(emp, est, members, col):
    """Aggregate share, QL and establishments of a set of rows for one column."""
    e_il = emp[members, col].sum()
    e_l = emp[members].sum()
    e_i = emp[:, col].sum()
    tot = emp.sum()
    share = e_il / e_i
    ql = (e_il / e_l) / (e_i / tot)
    return float(share), float(ql), int(est[members, col].sum())


def ql_groups(
    emp: np.ndarray,
    ql: np.ndarray,
    ql_min: float,
    adj: csr_matrix,
    cols: np.ndarray,
    exclude: dict[int, set[int]],
) -> Iterator[tuple[int, np.ndarray]]:
    """Contiguous groups of municipalities with QL >= ``ql_min`` per column.

    Yields ``(column, rows)`` for every connected component of the cells
    with employment and QL >= ``ql_min`` in a column of ``cols`` (boolean
    mask), leaving out the rows in ``exclude[column]``.
    """
    for k in np.flatnonzero(cols):
        mask = (ql[:, k] >= ql_min) & (emp[:, k] > 0)
        mask[sorted(exclude.get(k, ()))] = False
        idx = np.flatnonzero(mask)
        if len(idx) == 0:
            continue
        n_comp, lab = connected_components(adj[idx][:, idx], directed=False)
        for c in range(n_comp):
            yield int(k), idx[lab == c]
