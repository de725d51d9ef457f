"""What every LPS is made of: related industries and production structure.

Suzigan, Furtado & Garcia's typology asks for the production structure of
each LPS as well as its size, and their case studies describe clusters that
grow by attracting related industries and suppliers (paper, sections 2.7 and
3). This module adds, to one analysis, the industry x industry relatedness of
the run (:func:`lps_geo.stats.relatedness.relatedness_matrix`, computed over
every unit of the run, whatever the reference area, and every industry of the
denominator, not only the analysed ones) and, for every LPS, the
related industries specialised among its members and its relatedness density
(:func:`lps_geo.stats.related_lps.lps_relatedness`), with the thresholds of
``[characterisation]``; with RAIS establishment microdata, the production
structure of every LPS (size classes, lead establishments, CR4, Herfindahl
and a structure label: :mod:`lps_geo.stats.structure`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lps_geo.config import Config
from lps_geo.io.inputs import Inputs
from lps_geo.method.analyse import Analysis
from lps_geo.result import LAYER_COLUMNS
from lps_geo.stats.related_lps import lps_relatedness
from lps_geo.stats.relatedness import relatedness_matrix, relatedness_pairs
from lps_geo.stats.structure import LeadCutoffs, lps_structure, structure_label
from lps_geo.vocab import STRUCTURE_LABEL_KEYS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Related:
    """Related industries of one analysis.

    ``relatedness``: industry pairs above the threshold (``industry_a``,
    ``industry_b``, ``relatedness``); ``lps_related``: one row per LPS and
    related industry present (``lps_id``, ``industry``, ``related_industry``,
    ``related_title``, ``relatedness``, ``ql``, ``size``, ``share_of_size``
    and, with establishment counts, ``establishments``); ``density``: the
    relatedness density (0-100) of each LPS in its industry; ``report``: the
    block of ``report.json``.
    """

    relatedness: pd.DataFrame
    lps_related: pd.DataFrame
    density: pd.Series
    report: dict[str, Any]


def relatedness_of(cfg: Config, a: Analysis) -> pd.DataFrame | None:
    """The run's industry x industry relatedness (None with one industry)."""
    ch = cfg.characterisation
    E = a.E_all if a.E_all is not None else a.E
    if not ch.related or E.shape[1] < 2:
        return None
    return relatedness_matrix(E, ch.relatedness_method)


def related_industries(
    cfg: Config,
    a: Analysis,
    relatedness: pd.DataFrame | None,
    titles: dict[str, str],
) -> Related | None:
    """Related industries of every LPS of one analysis (None when the run
    has one industry or ``characterisation.related = false``)."""
    ch = cfg.characterisation
    if relatedness is None or not ch.related:
        return None
    pairs = relatedness_pairs(relatedness, ch.min_relatedness)
    members = (
        a.members.groupby("lps_id", sort=True)["region"].agg(list).rename("members")
    )
    lps = a.summary[["industry", "reference_area"]].join(members, how="inner")
    E = a.E_all if a.E_all is not None else a.E
    est = a.est_all if a.E_all is not None else a.est
    # the establishment rule needs establishment counts: the size measure
    # itself when it counts them, else a table of them; without, no rule
    counted = est is not None or cfg.analysis.size_measure == "establishments"
    out = lps_relatedness(
        E,
        lps,
        relatedness,
        establishments=est,
        region_reference=a.reference,
        min_relatedness=ch.min_relatedness,
        min_ql=ch.min_ql,
        min_establishments=ch.min_establishments if counted else 0,
    )
    related = out.related.copy()
    related.insert(
        3, "related_title", [titles.get(c, c) for c in related["related_industry"]]
    )
    with_any = int(related["lps_id"].nunique()) if len(related) else 0
    report = {
        "method": ch.relatedness_method,
        "min_relatedness": ch.min_relatedness,
        "min_ql": ch.min_ql,
        "min_establishments": ch.min_establishments if counted else None,
        "n_pairs": int(len(pairs)),
        "n_lps": int(len(lps)),
        "n_lps_with_related": with_any,
        "mean_related_per_lps": float(len(related) / len(lps)) if len(lps) else 0.0,
        "median_density": _finite(out.density.median()),
    }
    log.info(
        "related industries: %d pairs, %d of %d LPS with at least one",
        len(pairs),
        with_any,
        len(lps),
    )
    return Related(pairs, related, out.density, report)


@dataclass(frozen=True)
class Structure:
    """Production structure of every LPS (with RAIS establishment microdata).

    ``lps_structure``: one row per LPS with establishments of its industry in
    its members; ``report``: the block of ``report.json``.
    """

    lps_structure: pd.DataFrame
    report: dict[str, Any]


def production_structure(cfg: Config, inp: Inputs, a: Analysis) -> Structure | None:
    """Structure of every LPS from the establishment size distribution
    (None without RAIS establishment microdata).

    The establishments of the LPS's industry in its members are pooled
    (:func:`lps_geo.stats.structure.lps_structure`); ``relative_size`` is
    their mean size over the industry's mean size in the LPS's reference
    area (the scale effect of Holmes & Stevens 2002).
    """
    dist = inp.size_distribution
    if dist is None:
        return None
    ch = cfg.characterisation
    units = a.unit_of.reindex(dist["region"].to_numpy()).to_numpy()
    dist = dist.assign(region=units)
    dist = dist[dist["region"].notna()]
    lead = LeadCutoffs(industry=ch.lead_industry, services=ch.lead_services)
    members = a.members[["lps_id", "region", "industry"]]
    st = lps_structure(dist, members, lead=lead)
    st.insert(0, "structure", structure_label(st, ch.lead_share, ch.small_share))
    industry = a.summary["industry"].reindex(st.index)
    st.insert(0, "industry", industry)
    # mean size of each industry in each reference area
    area = a.reference.reindex(dist["region"].to_numpy()).to_numpy()
    pooled = (
        dist.assign(area=area, jobs=dist["size"] * dist["establishments"])
        .groupby(["area", "industry"])[["jobs", "establishments"]]
        .sum()
    )
    area_mean = pooled["jobs"] / pooled["establishments"].where(
        pooled["establishments"] > 0
    )
    key = pd.MultiIndex.from_arrays(
        [a.summary["reference_area"].reindex(st.index), industry]
    )
    st.insert(
        4,
        "relative_size",
        st["mean_size"].to_numpy() / area_mean.reindex(key).to_numpy(),
    )
    st = st.reset_index()[list(LAYER_COLUMNS["lps_structure"])]
    counts = st["structure"].value_counts().to_dict()
    report = {
        "n_lps": int(len(st)),
        "by_structure": {k: int(counts.get(k, 0)) for k in STRUCTURE_LABEL_KEYS},
        "lead_industry": ch.lead_industry,
        "lead_services": ch.lead_services,
        "lead_share": ch.lead_share,
        "small_share": ch.small_share,
    }
    return Structure(st, report)


@dataclass(frozen=True)
class Workforce:
    """Workforce of every LPS (with RAIS worker records).

    ``lps_workers``: one row per LPS whose members have worker records in its
    industry; ``report``: the block of ``report.json``.
    """

    lps_workers: pd.DataFrame
    report: dict[str, Any]


#: Additive worker totals pooled over an LPS's members.
_WORKER_SUMS = (
    "workers",
    "wage_workers",
    "wage_sum",
    "schooling_known",
    "secondary_complete",
    "occupation_known",
    "technical",
)


def workforce(inp: Inputs, a: Analysis) -> Workforce | None:
    """Wage, schooling and occupations of every LPS from RAIS worker records
    (None without them).

    The members' totals are pooled (:attr:`lps_geo.io.rais_workers.WorkerProfile.totals`
    are additive): ``mean_wage`` = wage sum / workers with a positive wage,
    ``secondary_share`` = workers with at least complete secondary schooling /
    workers with a known schooling code, ``technical_share`` = workers in
    CBO major groups 2 and 3 / workers with a known occupation. The same
    ratios over every unit of the LPS's reference area with records in the
    industry are the ``area_*`` columns, and ``relative_wage`` is
    ``mean_wage / area_mean_wage``: 1 is the area's mean (the worker records
    may cover fewer regions than the run, e.g. one state: the area is then
    the part of it they cover).
    """
    if inp.workers is None:
        return None
    t = inp.workers.totals.reset_index()
    t["region"] = a.unit_of.reindex(t["region"].astype(str).to_numpy()).to_numpy()
    t = t[t["region"].notna()]
    units = t.groupby(["region", "industry"], sort=False)[list(_WORKER_SUMS)].sum()
    members = a.members[["lps_id", "region", "industry"]]
    pooled = (
        members.join(units, on=["region", "industry"], how="inner")
        .groupby("lps_id", sort=True)[list(_WORKER_SUMS)]
        .sum()
    )
    summary = a.summary.reindex(pooled.index)
    area = a.reference.reindex(units.index.get_level_values("region").to_numpy())
    by_area = units.groupby(
        [area.to_numpy(), units.index.get_level_values("industry")]
    ).sum()
    key = pd.MultiIndex.from_arrays([summary["reference_area"], summary["industry"]])
    area_t = by_area.reindex(key)
    out = pd.DataFrame(
        {
            "lps_id": pooled.index.to_numpy(),
            "industry": summary["industry"].to_numpy(),
            "workers": pooled["workers"].to_numpy(dtype=int),
        }
    )
    for prefix, frame in (("", pooled), ("area_", area_t)):
        out[f"{prefix}mean_wage"] = _ratio(frame, "wage_sum", "wage_workers")
        out[f"{prefix}secondary_share"] = _ratio(
            frame, "secondary_complete", "schooling_known"
        )
        out[f"{prefix}technical_share"] = _ratio(frame, "technical", "occupation_known")
    out["relative_wage"] = out["mean_wage"] / out["area_mean_wage"]
    out = out[list(LAYER_COLUMNS["lps_workers"])]
    report = {
        "n_lps": int(len(out)),
        "n_lps_without_records": int(a.summary.index.difference(pooled.index).size),
        "workers": int(out["workers"].sum()),
        "median_relative_wage": _finite(out["relative_wage"].median()),
    }
    return Workforce(out, report)


def _ratio(frame: pd.DataFrame, num: str, den: str) -> pd.Series:
    d = frame[den].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d > 0, frame[num].to_numpy(dtype=float) / d, np.nan)


def _finite(value) -> float | None:
    """A float for the report, None where it is NaN (JSON has no NaN)."""
    value = float(value)
    return value if value == value and abs(value) != float("inf") else None
