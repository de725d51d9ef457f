"""Innovation outputs linked to each LPS's industry: inside, within reach, tested.

Step (ii) of Suzigan, Furtado & Garcia (2006) reads the innovative
capability of a cluster from regional indicators of innovation outputs. The
outputs (patents by IPC section or class, publications by discipline; see
:mod:`lps_geo.io.innovation`) are linked to the CNAE 2.0 division of each
LPS's industry through the probabilistic concordances of
:mod:`lps_geo.io.concordance`: the output of field :math:`f` in region
:math:`r` counts for division :math:`d` with weight
:math:`P(d \\mid f)`,

.. math:: L_{rd} = \\sum_f P(d \\mid f)\\, x_{rf},

the expected outputs of region :math:`r` that belong to division :math:`d`
(Neuhäusler, Frietsch & Kroll 2019 use the concordance the same way to
allocate patents to industries). 0/1 specialisation indicators (INPI's
tables) are not outputs to allocate; they are read against the division's
technology profile instead,

.. math:: L_{rd} = \\sum_f P(f \\mid d)\\, I_{rf},

the share of the division's patents (by field) that fall in fields in which
region :math:`r` is specialised: 1 when it is specialised in every field the
division patents in, 0 when in none.

Outputs stand at the seat (representative point) of their analysis unit, as
institutions placed by municipality do; "within reach" of an LPS means at a
unit whose seat is at most ``distance`` from a member's seat. The test asks
whether the members themselves hold more linked outputs per inhabitant than
municipalities of the same population class: reach is descriptive only,
because a random municipality near a metropolis reaches the metropolis's
outputs too.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, get_args

import geopandas as gpd
import numpy as np
import pandas as pd

from lps_geo.io.concordance import (
    division_field_shares,
    field_division_weights,
    linked_fields,
)
from lps_geo.io.innovation import InnovationOutputs
from lps_geo.method.capability import within_pairs
from lps_geo.method.capability_inputs import population_array, region_seats
from lps_geo.method.capability_test import linked_output_permutation_test
from lps_geo.result import LAYER_COLUMNS
from lps_geo.vocab import Correction, InnovationKind

log = logging.getLogger(__name__)

#: The kinds of outputs, in the order of the layer's rows.
KINDS: tuple[str, ...] = get_args(InnovationKind)

#: Columns of the ``lps_innovation`` layer (one row per LPS and kind).
INNOVATION_COLUMNS: tuple[str, ...] = LAYER_COLUMNS["lps_innovation"]


@dataclass(frozen=True)
class InnovationLayers:
    """What the innovation stage adds to a run.

    ``lps``: the ``lps_innovation`` layer (:data:`INNOVATION_COLUMNS`);
    ``components``: per analysis unit and kind, the outputs (all fields) at
    the units within reach of its seat, the raw values of the capability
    index's innovation components; ``regions``: per unit the columns
    ``<kind>_total`` and ``<kind>_within`` for the units' layer;
    ``report``: the ``innovation`` block of the run report.
    """

    lps: pd.DataFrame
    components: pd.DataFrame
    regions: pd.DataFrame
    report: Mapping[str, Any]


def division_of(industry: Any) -> str | None:
    """The CNAE 2.0 division (2 digits) of an industry code, or None.

    >>> division_of("15.4"), division_of("26.10-8"), division_of("C")
    ('15', '26', None)
    """
    digits = str(industry).strip()[:2]
    return digits if len(digits) == 2 and digits.isdigit() else None


def combine_outputs(tables: tuple[InnovationOutputs, ...]) -> pd.DataFrame:
    """The outputs of every table as one long frame (region, kind, system,
    field, value, measure), summed over years."""
    frames = [t.table for t in tables if len(t.table)]
    if not frames:
        return pd.DataFrame(
            columns=["region", "kind", "system", "field", "measure", "value"]
        )
    long = pd.concat(frames, ignore_index=True)
    keys = ["region", "kind", "system", "field", "measure"]
    long = long.astype({k: str for k in keys})
    return long.groupby(keys, sort=True, as_index=False)["value"].sum()


def unit_outputs(long: pd.DataFrame, unit_of: pd.Series | None) -> pd.DataFrame:
    """The outputs summed per analysis unit (``unit_of``: region -> unit);
    rows of regions that belong to no unit are left out (logged)."""
    if unit_of is None or not len(long):
        return long
    units = unit_of.reindex(long["region"]).to_numpy()
    lost = pd.isna(units)
    if lost.any():
        log.info(
            "innovation: %d rows of %d regions outside the analysis units left out",
            int(lost.sum()),
            long.loc[lost, "region"].nunique(),
        )
    out = long.loc[~lost].copy()
    out["region"] = units[~lost].astype(str)
    keys = ["region", "kind", "system", "field", "measure"]
    return out.groupby(keys, sort=True, as_index=False)["value"].sum()


def linked_by_division(
    frame: pd.DataFrame, units: pd.Index, indicator: bool = False
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Units x CNAE divisions: :math:`L_{ud} = \\sum_f P(d \\mid f) x_{uf}`
    over the systems of ``frame`` (one kind), or with ``indicator``
    :math:`\\sum_f P(f \\mid d) x_{uf}`; and the fields per system that the
    concordance does not know (they count in totals, not in links)."""
    linked = pd.DataFrame(index=units)
    unknown: dict[str, list[str]] = {}
    for system, part in frame.groupby("system", sort=True):
        weights = (
            division_field_shares(system).T
            if indicator
            else field_division_weights(system)
        )
        x = part.pivot_table(
            index="region", columns="field", values="value", aggfunc="sum"
        )
        x = x.reindex(units).fillna(0.0)
        known = [f for f in x.columns if f in weights.index]
        missing = sorted(set(x.columns) - set(known))
        if missing:
            unknown[str(system)] = missing
        if known:
            part_linked = x[known] @ weights.loc[known]
            linked = linked.add(part_linked, fill_value=0.0)
    return linked.fillna(0.0), unknown


def within_totals(
    values: pd.Series, units: gpd.GeoDataFrame, distance: float
) -> pd.Series:
    """Per unit, the sum of ``values`` over the units whose seat is at most
    ``distance`` from its seat (itself included)."""
    seats = region_seats(units)
    v = values.reindex(units.index).fillna(0.0).to_numpy(float)
    where = np.flatnonzero(v > 0)
    si, pj = within_pairs(seats, seats[where], distance)
    out = np.bincount(si, weights=v[where][pj], minlength=len(units))
    return pd.Series(out, index=units.index)


def _fields_text(division: str | None, systems: tuple[str, ...]) -> str:
    """The division's strongest fields in the kind's first system, as text."""
    if division is None or not systems:
        return ""
    try:
        top = linked_fields(division, systems[0], top=3)
    except (KeyError, ValueError):
        return ""
    return "; ".join(f"{name} ({share:.0%})" for _, name, share in top)


def innovation_layers(
    outputs: tuple[InnovationOutputs, ...],
    lps: pd.DataFrame,
    members: pd.DataFrame,
    units: gpd.GeoDataFrame,
    *,
    unit_of: pd.Series | None = None,
    population: pd.Series | None = None,
    distance: float = 50_000.0,
    permutations: int | str = "auto",
    seed: int = 12345,
    alpha: float = 0.05,
    correction: Correction = "fdr",
) -> InnovationLayers:
    """Measure and test the innovation outputs linked to every LPS.

    Parameters
    ----------
    outputs
        The tables read by :mod:`lps_geo.io.innovation` (municipality codes).
    lps
        The ``lps`` layer (``lps_id``, ``industry``).
    members
        ``lps_id`` and ``region`` (analysis unit) of every member.
    units
        Analysis-unit polygons indexed by code, in a projected CRS.
    unit_of
        Municipality -> analysis unit, when units group municipalities.
    population
        Inhabitants by analysis unit (``per_100k`` and the test's strata).
    distance, permutations, seed, alpha, correction
        As in :func:`lps_geo.method.capability_test.capability_permutation_test`.

    Returns
    -------
    InnovationLayers
        Per LPS and kind (:data:`INNOVATION_COLUMNS`): ``total`` outputs
        of every field in the members; ``linked`` the outputs linked to the
        LPS's division in the members (:math:`\\sum_{m} L_{md}`);
        ``linked_within`` the same over the distinct units within reach of
        a member's seat; ``per_100k`` :math:`10^5` ``linked`` over the
        members' population (NaN when a member's is missing);
        ``statistic``, what the permutation test
        (:func:`~lps_geo.method.capability_test.linked_output_permutation_test`,
        one family per kind) tests: ``per_100k`` for counts with a
        population (so that a large municipality is not significant for its
        size), ``linked`` for counts without, and ``mean`` (``linked`` over
        the number of members) for 0/1 indicators, which are size-free; its
        null mean, p-value, corrected p-value and draws are
        ``expected`` (in the statistic's unit), ``p_value``, ``p_adj`` and
        ``draws``; ``fields`` the division's strongest fields with their
        share of its linked outputs. LPS whose industry has no CNAE
        division (a section code) get NaN.
    """
    long = unit_outputs(combine_outputs(outputs), unit_of)
    lps_ids = lps["lps_id"].astype(str).to_numpy()
    division = pd.Series(
        [division_of(i) for i in lps["industry"]], index=lps_ids, dtype=object
    )
    pop = pd.Series(population_array(population, units.index), index=units.index)
    m = members[["lps_id", "region"]].astype(str).drop_duplicates()
    member_pop = m.assign(pop=pop.reindex(m["region"]).to_numpy())
    grouped_pop = member_pop.groupby("lps_id")["pop"]
    lps_pop = grouped_pop.sum().where(~grouped_pop.apply(lambda s: s.isna().any()))

    rows, comps, unit_cols, report = [], {}, {}, {"kinds": {}}
    for kind in KINDS:
        frame = long[long["kind"] == kind]
        if not len(frame):
            continue
        measures = sorted(frame["measure"].unique())
        systems = sorted(frame["system"].unique())
        totals = frame.groupby("region")["value"].sum().reindex(units.index).fillna(0.0)
        indicator = measures == ["indicator"]
        linked, unknown = linked_by_division(frame, units.index, indicator)
        keys = division.where(division.isin(linked.columns))
        statistic = (
            "mean"
            if indicator
            else ("per_100k" if population is not None else "linked")
        )
        test = linked_output_permutation_test(
            linked,
            m,
            keys.dropna(),
            units,
            permutations=permutations,
            seed=seed,
            population=population,
            alpha=alpha,
            correction=correction,
            salt=f"{kind}:",
            per_member=indicator,
        ).reindex(lps_ids)
        in_members = _member_sums(m, linked, division)
        in_reach = _reach_sums(m, linked, division, units, distance)
        total_members = m.assign(v=totals.reindex(m["region"]).to_numpy())
        total_members = total_members.groupby("lps_id")["v"].sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            per_100k = in_members / lps_pop.reindex(lps_ids).to_numpy() * 1e5
        per_100k = per_100k.where(lps_pop.reindex(lps_ids).to_numpy() > 0)
        rows.append(
            pd.DataFrame(
                {
                    "lps_id": lps_ids,
                    "industry": lps["industry"].astype(str).to_numpy(),
                    "division": division.to_numpy(),
                    "kind": kind,
                    "measure": "/".join(measures),
                    "total": total_members.reindex(lps_ids).fillna(0.0).to_numpy(),
                    "linked": in_members.to_numpy(float),
                    "linked_within": in_reach.to_numpy(float),
                    "per_100k": per_100k.to_numpy(float),
                    "statistic": statistic,
                    "expected": test["expected"].to_numpy(float),
                    "p_value": test["p_value"].to_numpy(float),
                    "p_adj": test["p_adj"].to_numpy(float),
                    "draws": np.nan_to_num(test["draws"].to_numpy(float)).astype(
                        np.int64
                    ),
                    "fields": _texts_of(division, tuple(systems)),
                }
            )
        )
        within = within_totals(totals, units, distance)
        comps[kind] = within
        unit_cols[f"{kind}_total"] = totals
        unit_cols[f"{kind}_within"] = within
        tested = test["draws"].fillna(0) > 0
        report["kinds"][kind] = {
            "measure": measures,
            "systems": systems,
            "units_with_outputs": int((totals > 0).sum()),
            "total": float(totals.sum()),
            "fields_not_in_concordance": unknown,
            "lps_tested": int(tested.sum()),
            "lps_without_division": int(division.isna().sum()),
            "lps_with_more_linked": int((test["p_adj"] <= alpha).sum()),
            "lps_with_more_linked_uncorrected": int((test["p_value"] <= alpha).sum()),
            "max_draws": int(test.attrs.get("max_draws", 0)),
        }
        log.info(
            "innovation %s: %d units with outputs, %d LPS tested, %d with more "
            "linked outputs within reach than chance (corrected)",
            kind,
            report["kinds"][kind]["units_with_outputs"],
            report["kinds"][kind]["lps_tested"],
            report["kinds"][kind]["lps_with_more_linked"],
        )
    report["sources"] = [t.report.to_dict() for t in outputs]
    report["parameters"] = {
        "distance_m": distance,
        "alpha": alpha,
        "correction": correction,
    }
    layer = (
        pd.concat(rows, ignore_index=True)[list(INNOVATION_COLUMNS)]
        if rows
        else pd.DataFrame(columns=list(INNOVATION_COLUMNS))
    )
    return InnovationLayers(
        lps=layer,
        components=pd.DataFrame(comps, index=units.index),
        regions=pd.DataFrame(unit_cols, index=units.index),
        report=report,
    )


def _texts_of(division: pd.Series, systems: tuple[str, ...]) -> list[str]:
    """The fields text of every LPS, computed once per division."""
    texts = {d: _fields_text(d, systems) for d in pd.unique(division.to_numpy())}
    return [texts[d] for d in division]


def _reach_sums(
    m: pd.DataFrame,
    linked: pd.DataFrame,
    division: pd.Series,
    units: gpd.GeoDataFrame,
    distance: float,
) -> pd.Series:
    """Per LPS, the outputs linked to its division at the distinct units whose
    seat is at most ``distance`` from a member's seat (members included)."""
    seats = region_seats(units)
    pos = units.index.get_indexer(m["region"])
    ok = pos >= 0
    mi, uj = within_pairs(seats[pos[ok]], seats, distance)
    lps_of = m["lps_id"].to_numpy()[ok][mi]
    pairs = pd.DataFrame({"lps_id": lps_of, "unit": uj}).drop_duplicates()
    col = pd.Index(linked.columns).get_indexer(
        pd.Index(division.reindex(pairs["lps_id"]).to_numpy(), dtype=object)
    )
    arr = linked.reindex(units.index).fillna(0.0).to_numpy(float)
    vals = np.where(col >= 0, arr[pairs["unit"].to_numpy(), np.maximum(col, 0)], 0.0)
    sums = pd.Series(vals, index=pairs["lps_id"].to_numpy()).groupby(level=0).sum()
    return sums.reindex(division.index).fillna(0.0).where(division.notna())


def _member_sums(
    m: pd.DataFrame, linked: pd.DataFrame, division: pd.Series
) -> pd.Series:
    """Per LPS (in ``division``'s order), the members' outputs linked to its
    division (NaN for an LPS without one; 0 for a division with no link)."""
    d = division.reindex(m["lps_id"]).to_numpy()
    col = pd.Index(linked.columns).get_indexer(pd.Index(d, dtype=object))
    row = linked.index.get_indexer(m["region"])
    arr = linked.to_numpy(float)
    ok = (col >= 0) & (row >= 0)
    vals = np.where(ok, arr[np.maximum(row, 0), np.maximum(col, 0)], 0.0)
    sums = pd.Series(vals, index=m["lps_id"].to_numpy()).groupby(level=0).sum()
    out = sums.reindex(division.index).fillna(0.0)
    return out.where(division.notna())
