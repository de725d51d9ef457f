"""The stratified permutation test of the capability around each LPS.

Does an LPS reach more institutions than comparable municipalities?

The statistic, null and p-value are described in
:func:`capability_permutation_test`; the measures it tests are those of
:mod:`lps_geo.method.capability`. With ``permutations = "auto"`` the draws
are sequential (:mod:`lps_geo.stats.sequential`, in its one-sided form
:func:`lps_geo.stats.sequential.refine` with ``sides=1``).
"""

from __future__ import annotations

import logging
import zlib

import geopandas as gpd
import numpy as np
import pandas as pd

from lps_geo.errors import ConfigError
from lps_geo.io._util import format_items
from lps_geo.method.capability import DEFAULT_DISTANCE, within_pairs
from lps_geo.method.capability_inputs import (
    check_distance,
    check_layers,
    institution_arrays,
    member_table,
    population_array,
    region_seats,
)
from lps_geo.stats.pvalues import adjust_pvalues
from lps_geo.stats.sequential import FIRST_DRAWS, max_draws, refine
from lps_geo.vocab import AutoPermutations, Correction

log = logging.getLogger(__name__)

#: Columns of :func:`capability_permutation_test`, in order.
PERMUTATION_COLUMNS: tuple[str, ...] = (
    "observed",
    "expected",
    "p_value",
    "p_adj",
    "draws",
    "n_members",
    "strata_used",
)

#: Number of population classes of the default strata (quintiles).
N_POPULATION_CLASSES = 5

_TIE_TOLERANCE = 1e-9

#: Elements (draw rows times sampler width) generated at a time in the
#: sequential batches (about 32 MB for the random-key sampler).
_CHUNK_ELEMENTS = 1 << 21

_CORRECTIONS = ("fdr", "bonferroni", "none")


def _sample(rng: np.random.Generator, pool: int, k: int, reps: int) -> np.ndarray:
    """``reps`` uniform k-subsets of ``range(pool)`` as a (reps, k) array.

    Robert Floyd's algorithm, vectorised over the repetitions (cost
    ``reps * k**2``); random sort keys when ``k`` is a large part of the pool.
    """
    if k == 0:
        return np.empty((reps, 0), dtype=np.int64)
    if k * k > 8 * pool:
        keys = rng.random((reps, pool))
        return np.argpartition(keys, k - 1, axis=1)[:, :k].astype(np.int64)
    out = np.empty((reps, k), dtype=np.int64)
    for i, j in enumerate(range(pool - k, pool)):
        t = rng.integers(0, j + 1, size=reps)
        if i:
            t[(out[:, :i] == t[:, None]).any(axis=1)] = j
        out[:, i] = t
    return out


class _Incidence:
    """Region x institution "within distance" matrix as packed bit rows."""

    def __init__(self, rows: np.ndarray, cols: np.ndarray, n_rows: int, w: np.ndarray):
        used, col = np.unique(cols, return_inverse=True)
        n_words = max(1, -(-len(used) // 64))
        bits = np.zeros((n_rows, n_words * 8), dtype=np.uint8)
        np.bitwise_or.at(bits, (rows, col // 8), (1 << (7 - col % 8)).astype(np.uint8))
        self.words = bits.view(np.uint64)
        weights = np.zeros(n_words * 64)
        weights[: len(used)] = w[used]
        self.unit = bool(np.all(weights[: len(used)] == 1.0))
        # weight of every byte value at every byte position (bit 7 first)
        bit_of = (np.arange(256)[:, None] >> (7 - np.arange(8))) & 1
        self.table = weights.reshape(-1, 8) @ bit_of.T.astype(float)

    def union_weight(self, draws: np.ndarray) -> np.ndarray:
        """Weight of the distinct institutions reached by each row of ``draws``."""
        out = np.empty(len(draws))
        per_row = max(1, draws.shape[1] * self.words.shape[1])
        step = max(1, 4_000_000 // per_row)
        positions = np.arange(self.table.shape[0])
        for s in range(0, len(draws), step):
            block = np.bitwise_or.reduce(self.words[draws[s : s + step]], axis=1)
            if self.unit:
                out[s : s + step] = np.bitwise_count(block).sum(axis=1)
            else:
                out[s : s + step] = self.table[positions, block.view(np.uint8)].sum(
                    axis=1
                )
        return out


def _strata_labels(
    strata: pd.Series | None, population: pd.Series | None, index: pd.Index
) -> tuple[np.ndarray, str]:
    """Stratum label of every region (str) and the name of the rule."""
    if strata is not None:
        labels = pd.Series(strata).reindex(index)
        kind = "user strata"
    elif population is not None:
        pop = pd.Series(population_array(population, index), index=index)
        labels = pd.qcut(pop, N_POPULATION_CLASSES, labels=False, duplicates="drop")
        labels = labels.map(lambda v: f"q{int(v) + 1}", na_action="ignore")
        kind = "population quintiles"
    else:
        labels = pd.Series("all", index=index)
        kind = "all municipalities"
    labels = labels.astype(object).where(labels.notna(), "(missing)").astype(str)
    return labels.to_numpy(), kind


class _Null:
    """The null statistics of one LPS, drawn from its own generator in order."""

    def __init__(
        self,
        incidence: _Incidence,
        rng: np.random.Generator,
        pools: list[np.ndarray],
        counts: list[int],
        observed: float,
    ):
        self.incidence = incidence
        self.rng = rng
        self.pools = pools
        self.counts = counts
        self.threshold = observed - _TIE_TOLERANCE * max(1.0, abs(observed))
        # sampler width per draw row: the random-key sampler draws whole pools
        width = sum(
            len(p) if c * c > 8 * len(p) else c
            for p, c in zip(pools, counts, strict=True)
        )
        self.chunk = max(1, _CHUNK_ELEMENTS // max(1, width))
        self.n_ge = 0
        self.total = 0.0
        self.draws = 0

    def draw(self, reps: int) -> np.ndarray:
        """The next ``reps`` null statistics (one call of the sampler per
        stratum: the draws of the fixed-R test)."""
        rows = np.concatenate(
            [
                pool[_sample(self.rng, len(pool), int(c), reps)]
                for pool, c in zip(self.pools, self.counts, strict=True)
            ],
            axis=1,
        )
        return self.incidence.union_weight(rows)

    def add(self, reps: int, chunked: bool = False) -> int:
        """Draw ``reps`` more statistics (in chunks of at most ``self.chunk``
        rows when ``chunked``) and return how many are >= the observed one."""
        ge = 0
        step = self.chunk if chunked else reps
        for s in range(0, reps, max(1, step)):
            null = self.draw(min(step, reps - s))
            ge += int((null >= self.threshold).sum())
            self.total += float(null.sum())
        self.n_ge += ge
        self.draws += reps
        return ge


def capability_permutation_test(
    institutions: gpd.GeoDataFrame,
    lps_members: pd.DataFrame,
    regions: gpd.GeoDataFrame,
    distance: float = DEFAULT_DISTANCE,
    permutations: int | AutoPermutations = "auto",
    seed: int = 12345,
    strata: pd.Series | None = None,
    population: pd.Series | None = None,
    weights: str | pd.Series | None = None,
    alpha: float = 0.05,
    correction: Correction = "fdr",
) -> pd.DataFrame:
    r"""Does an LPS reach more institutions than comparable municipalities?

    A one-sided permutation test of the capability around each LPS (Suzigan,
    Furtado & Garcia 2006, steps ii-iii, read as a test of association rather
    than a picture).

    Statistic
        :math:`S(L) = \sum_{j \in J(L)} w_j`, where :math:`J(L)` is the set of
        *distinct* institutions at most ``distance`` from the seat
        (representative point) of at least one member of :math:`L`, and
        :math:`w_j` the institution's weight (1 by default, so :math:`S` is a
        count). An institution near two members counts once.
    Null
        For every permutation, each member is replaced by a municipality drawn
        from the member's stratum, without replacement and never one of the
        LPS's own members: an LPS with two members in the second population
        quintile and one in the fifth is compared with two other
        second-quintile municipalities and one other fifth-quintile one.
        Strata: ``strata`` when given (a label by region code; regions
        without a label form a ``"(missing)"`` stratum); else the population
        quintiles over all ``regions`` (``pd.qcut``; missing population forms
        its own stratum); else all municipalities. When a stratum has fewer
        non-member municipalities than the LPS has members in it, that LPS is
        compared with draws from all non-member municipalities instead, and
        ``strata_used`` says so.
    p-value
        :math:`p = (\#\{r : S_r \ge S_{obs}\} + 1) / (L + 1)` over the
        :math:`L` draws the LPS used (ties within a relative :math:`10^{-9}`
        count as at least as large), so the smallest attainable value is
        :math:`1/(L+1)`. ``p_adj`` is ``p_value`` adjusted by ``correction``
        over the LPS tested (one family: the table).
    Draws
        With an integer ``permutations`` every LPS gets :math:`L = R` draws.
        With ``"auto"`` every LPS starts with
        :data:`~lps_geo.stats.sequential.FIRST_DRAWS` (199) draws, the same
        as ``permutations=199``, and an LPS whose count of null statistics
        at least the observed one is still small continues in batches that
        double its draws (one-sided :func:`lps_geo.stats.sequential.refine`:
        it stops after
        :data:`~lps_geo.stats.sequential.EXTREMES` such statistics, Besag &
        Clifford 1991, or once ``correction`` at ``alpha`` rejects it, or
        cannot reject it, whatever its p within Clopper-Pearson bounds,
        Gandy & Hahn 2014) up to the one-sided
        :func:`~lps_geo.stats.sequential.max_draws` draws,
        :math:`\lceil m / \alpha \rceil` for :math:`m` LPS tested under
        ``"fdr"`` or ``"bonferroni"``, at which a single strong LPS can pass
        the correction (a fixed :math:`R` needs :math:`1/(R+1) \le \alpha/m`
        for that). The draws of an LPS always come from its own generator, in
        order; how many it gets depends on the others only through the
        correction (``m`` and, under ``"fdr"``, their p-values).

    Parameters
    ----------
    institutions
        Canonical institutions layer (see :func:`region_capability`).
    lps_members
        ``lps_id`` and ``region`` of every member municipality.
    regions
        Municipality polygons indexed by region code (the pool of draws).
    distance
        Radius in metres (inclusive).
    permutations
        ``"auto"`` (sequential draws, see *Draws*) or a number of random
        draws :math:`R` for every LPS.
    seed
        Seed of the draws. Every LPS has its own generator,
        ``numpy.random.default_rng([seed, crc32(lps_id)])``, so its draws do
        not depend on the other LPS in the table (with an integer
        ``permutations``, or ``correction="none"``, nor does its row but for
        ``p_adj``).
    strata
        Stratum label by region code (overrides the population quintiles).
    population
        Inhabitants by region code (default strata: its quintiles).
    weights
        As in :func:`region_capability`.
    alpha, correction
        Level and multiple-testing correction (``"fdr"``: Benjamini-Hochberg,
        ``"bonferroni"`` or ``"none"``) over the LPS of the table: ``p_adj``,
        and with ``"auto"`` the decisions the draws aim at.

    Returns
    -------
    DataFrame
        Indexed by ``lps_id`` (sorted), columns :data:`PERMUTATION_COLUMNS`:
        ``observed`` :math:`S_{obs}`, ``expected`` (mean of the null over
        the draws used), ``p_value``, ``p_adj``, ``draws`` (:math:`L`, the
        draws ``p_value`` uses), ``n_members``, ``strata_used``
        (``"population quintiles"``, ``"user strata"``, ``"all
        municipalities"`` or the fallback). ``p_value``, ``p_adj`` and
        ``expected`` are NaN and ``draws`` is 0 when there are not enough
        non-member municipalities to draw from. ``attrs["max_draws"]`` is
        the most draws an LPS could get (:math:`R`, or :math:`R_{max}`).

    Notes
    -----
    The region x institution incidence within ``distance`` is computed once
    and stored as bit rows, so one permutation costs one OR over the drawn
    rows and a population count (or a table lookup of the weights).

    Examples
    --------
    >>> from shapely.geometry import Point, box
    >>> regions = gpd.GeoDataFrame(
    ...     geometry=[box(x, 0, x + 10_000, 10_000) for x in range(0, 100_000, 10_000)],
    ...     index=pd.Index([f"r{i}" for i in range(10)], name="region"),
    ...     crs="EPSG:5880")
    >>> inst = gpd.GeoDataFrame({"type": ["university"] * 4},
    ...     geometry=[Point(4_000 + 500 * i, 5_000) for i in range(4)],
    ...     index=pd.Index([f"u{i}" for i in range(4)], name="inst_id"),
    ...     crs="EPSG:5880")
    >>> members = pd.DataFrame({"lps_id": ["x@r0", "x@r0", "y@r8"],
    ...                         "region": ["r0", "r1", "r8"]})
    >>> test = capability_permutation_test(inst, members, regions,
    ...                                    distance=6_000, permutations=99)
    >>> test[["observed", "n_members", "strata_used"]]
            observed  n_members         strata_used
    lps_id
    x@r0         4.0          2  all municipalities
    y@r8         0.0          1  all municipalities
    >>> test[["p_value", "p_adj", "draws"]]
            p_value  p_adj  draws
    lps_id
    x@r0       0.01   0.02     99
    y@r8       1.00   1.00     99
    """
    check_layers(institutions=institutions, regions=regions)
    distance = check_distance(distance)
    first, auto = _check_test_options(permutations, alpha, correction)
    seats = region_seats(regions)
    xy, _, w = institution_arrays(institutions, weights)
    m = member_table(lps_members, regions, "lps_members")
    labels, kind = _strata_labels(strata, population, regions.index)
    si, pj = within_pairs(seats, xy, distance)
    incidence = _Incidence(si, pj, len(regions), w)
    return _run_tests(
        {None: incidence},
        {},
        m,
        labels,
        kind,
        first=first,
        auto=auto,
        seed=seed,
        alpha=alpha,
        correction=correction,
        what="capability test",
    )


def _check_test_options(permutations, alpha, correction) -> tuple[int, bool]:
    """The first number of draws and whether they are sequential, validated."""
    auto = isinstance(permutations, str) and permutations == "auto"
    integer = isinstance(permutations, (int, np.integer))
    if not auto and (isinstance(permutations, bool) or not integer or permutations < 1):
        raise ConfigError(
            f'permutations={permutations!r} is not "auto" or an integer >= 1'
        )
    if (
        isinstance(alpha, bool)
        or not isinstance(alpha, (int, float))
        or not (0 < alpha < 1)
    ):
        raise ConfigError(f"alpha={alpha!r} is not a number in (0, 1)")
    if correction not in _CORRECTIONS:
        raise ConfigError(
            f"correction={correction!r} is not one of {format_items(_CORRECTIONS)}"
        )
    return (FIRST_DRAWS if auto else int(permutations)), auto


def _run_tests(
    incidences: dict,
    key_of: dict,
    m: pd.DataFrame,
    labels: np.ndarray,
    kind: str,
    *,
    first: int,
    auto: bool,
    seed: int,
    alpha: float,
    correction: Correction,
    what: str,
    salt: str = "",
) -> pd.DataFrame:
    """The tests of every LPS of ``m`` against the incidence ``key_of`` names
    for it (``None`` when absent), one family for the correction."""
    rows, nulls = [], []
    # the positions of every stratum, once (not a string comparison per LPS)
    strata_pos = {
        lab: np.flatnonzero(labels == lab) for lab in np.unique(labels).tolist()
    }
    for lps_id, grp in m.groupby("lps_id", sort=True):
        incidence = incidences.get(key_of.get(lps_id))
        own = np.unique(grp["pos"].to_numpy())
        if incidence is None:  # nothing to reach: no test
            rows.append((lps_id, np.nan, len(own), "none"))
            nulls.append(None)
            continue
        observed = float(incidence.union_weight(own[None, :])[0])
        rng = np.random.default_rng([int(seed), zlib.crc32(f"{salt}{lps_id}".encode())])
        free = np.ones(len(labels), dtype=bool)
        free[own] = False
        # members per stratum, strata sorted (the order of the draws)
        labs, counts = np.unique(labels[own], return_counts=True)
        need = dict(zip(labs.tolist(), counts.tolist(), strict=True))
        pools = {lab: strata_pos[lab][free[strata_pos[lab]]] for lab in need}
        short = [lab for lab, c in need.items() if len(pools[lab]) < c]
        used = kind
        if short:
            pools = {"all": np.flatnonzero(free)}
            need = {"all": len(own)}
            used = (
                f"all municipalities (too few non-members in stratum "
                f"{format_items(short)})"
            )
            log.info("LPS %s: %s", lps_id, used)
        if any(len(pools[lab]) < c for lab, c in need.items()):
            rows.append((lps_id, observed, len(own), "none"))
            nulls.append(None)
            continue
        null = _Null(
            incidence,
            rng,
            [pools[lab] for lab in need],
            [int(c) for c in need.values()],
            observed,
        )
        null.add(first)
        rows.append((lps_id, observed, len(own), used))
        nulls.append(null)

    tested = [i for i, nl in enumerate(nulls) if nl is not None]
    r_max = max_draws(len(tested), alpha, correction, sides=1) if auto else first
    if auto and r_max > first and tested:
        n_ge = np.array([nulls[i].n_ge for i in tested], dtype=np.int64)

        def more(idx: np.ndarray, r0: int, r1: int, cap=None):
            # every draw counts, so no test is ever short of r_max (no cap)
            d_ge = [nulls[tested[i]].add(r1 - r0, chunked=True) for i in idx]
            return np.array(d_ge, dtype=np.int64), None, np.full(len(idx), r1 - r0)

        res = refine(
            n_ge,
            None,
            first,
            np.zeros(len(tested), dtype=np.int64),
            np.array([len(tested)]),
            alpha,
            correction,
            r_max,
            more,
            sides=1,
        )
        log.info(
            "%s: %d LPS, %d continued after %d draws, %d at %d draws",
            what,
            len(tested),
            int((res.draws > first).sum()),
            first,
            int((res.draws >= r_max).sum()),
            r_max,
        )

    out = pd.DataFrame(rows, columns=["lps_id", "observed", "n_members", "strata_used"])
    draws = np.array([0 if nl is None else nl.draws for nl in nulls], dtype=np.int64)
    n_ge = np.array([0 if nl is None else nl.n_ge for nl in nulls], dtype=float)
    total = np.array([0.0 if nl is None else nl.total for nl in nulls])
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(draws > 0, (n_ge + 1.0) / (draws + 1.0), np.nan)
        expected = np.where(draws > 0, total / np.maximum(draws, 1), np.nan)
    out["observed"] = out["observed"].astype(float)
    out["expected"] = expected
    out["p_value"] = p
    out["p_adj"] = adjust_pvalues(p, correction)
    out["draws"] = draws
    out["n_members"] = out["n_members"].astype(np.int64)
    out = out.set_index("lps_id")[list(PERMUTATION_COLUMNS)]
    out.attrs["max_draws"] = int(r_max)
    return out


class _Intensity:
    """The outputs of a set of regions, per inhabitant when ``per`` is given
    (times ``scale``): the statistic of :func:`linked_output_permutation_test`
    (the interface of :class:`_Incidence` for :class:`_Null`)."""

    def __init__(self, values: np.ndarray, per: np.ndarray | None, scale: float):
        self.values = values
        self.per = per
        self.scale = scale

    def union_weight(self, draws: np.ndarray) -> np.ndarray:
        """The statistic of each row of ``draws`` (distinct region positions)."""
        total = self.values[draws].sum(axis=1)
        if self.per is None:
            return total
        inhabitants = self.per[draws].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(inhabitants > 0, total / inhabitants * self.scale, 0.0)


def linked_output_permutation_test(
    values: pd.DataFrame,
    lps_members: pd.DataFrame,
    lps_keys: pd.Series,
    regions: gpd.GeoDataFrame,
    permutations: int | AutoPermutations = "auto",
    seed: int = 12345,
    strata: pd.Series | None = None,
    population: pd.Series | None = None,
    alpha: float = 0.05,
    correction: Correction = "fdr",
    salt: str = "",
    per_member: bool = False,
) -> pd.DataFrame:
    r"""Do an LPS's members hold more of the outputs linked to its industry than chance?

    A one-sided stratified permutation test, as
    :func:`capability_permutation_test`, of the outputs in the members
    themselves. With ``values`` :math:`v_{rk}` (the outputs of region
    :math:`r` linked to key :math:`k`, e.g. a CNAE division) and the LPS's
    key :math:`k(L)`, the statistic is the members' outputs per 100,000
    inhabitants,

    .. math:: S(L) = 10^5 \sum_{m \in L} v_{m, k(L)} \big/ \sum_{m \in L} P_m,

    when ``population`` :math:`P` is given (a large municipality is not
    significant for being large), else the plain sum; with ``per_member``
    (for 0/1 specialisation indicators, which do not grow with size) the
    members' mean, :math:`\sum_m v_{m,k(L)} / |L|`. The null replaces
    each member by a municipality of its population stratum (quintiles, or
    ``strata``) that is not a member; draws, p-values and the correction
    over every LPS of ``lps_members`` (one family) are those of
    :func:`capability_permutation_test`. Members without a population
    count 0 inhabitants. LPS whose key is not a column of ``values``, or
    whose column is all zero, are not tested (NaN, ``draws`` 0,
    ``strata_used`` ``"none"``). ``salt`` is mixed into every LPS's
    generator, so that two tests of the same LPS draw independently.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> regions = gpd.GeoDataFrame(
    ...     geometry=[box(x, 0, x + 10_000, 10_000) for x in range(0, 100_000, 10_000)],
    ...     index=pd.Index([f"r{i}" for i in range(10)], name="region"),
    ...     crs="EPSG:5880")
    >>> values = pd.DataFrame({"15": [5.0, 3.0] + [0.0] * 8,
    ...                        "26": [0.0] * 9 + [1.0]}, index=regions.index)
    >>> members = pd.DataFrame({"lps_id": ["a@r0", "a@r0", "b@r5"],
    ...                         "region": ["r0", "r1", "r5"]})
    >>> keys = pd.Series({"a@r0": "15", "b@r5": "26"})
    >>> test = linked_output_permutation_test(values, members, keys, regions,
    ...                                       permutations=99)
    >>> test[["observed", "draws"]]
            observed  draws
    lps_id
    a@r0         8.0     99
    b@r5         0.0     99
    >>> float(test.loc["a@r0", "p_value"])  # no other pair reaches 8
    0.01
    """
    check_layers(regions=regions)
    first, auto = _check_test_options(permutations, alpha, correction)
    m = member_table(lps_members, regions, "lps_members")
    labels, kind = _strata_labels(strata, population, regions.index)
    table = values.reindex(regions.index).fillna(0.0)
    if (table.to_numpy() < 0).any():
        raise ConfigError("linked outputs must be >= 0")
    per, scale = None, 1.0
    if per_member:
        per = np.ones(len(regions))
    elif population is not None:
        per = np.nan_to_num(population_array(population, regions.index))
        scale = 1e5
    incidences = {
        key: _Intensity(table[key].to_numpy(float), per, scale)
        for key in table.columns
        if (table[key].to_numpy() > 0).any()
    }
    key_of = {str(k): v for k, v in lps_keys.items()}
    return _run_tests(
        incidences,
        key_of,
        m,
        labels,
        kind,
        first=first,
        auto=auto,
        seed=seed,
        alpha=alpha,
        correction=correction,
        what=f"linked-output test {salt}".strip(),
        salt=salt,
    )
