"""One analysis of one period and reference area: indicators, weights, statistics, LPS.

:func:`analyse` takes the validated inputs, computes the indicators per
reference area (:mod:`lps_geo.stats.indicators`), the weights graph
(:mod:`lps_geo.stats.weights`, built once per run and shared), the spatial
statistics of the analysed variable (:mod:`lps_geo.stats.spatial`), and groups
and classifies the candidates (:mod:`lps_geo.method.delineate`,
:mod:`lps_geo.method.typology`). It returns an :class:`Analysis`, the value the
assembly of the output layers (:mod:`lps_geo.method.assemble`) starts from.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from libpysal.graph import Graph

from lps_geo.config import Config, TypologyThresholds
from lps_geo.errors import ConfigError, InputError, LpsGeoWarning
from lps_geo.io._util import format_items
from lps_geo.io.inputs import Inputs
from lps_geo.io.lookup import aggregate_regions, dissolve_regions
from lps_geo.method.delineate import group_members, summarise_lps
from lps_geo.method.select import reference_of, select_industries
from lps_geo.method.typology import passes_filters
from lps_geo.stats.concentration import industry_table
from lps_geo.stats.indicators import indicator_table
from lps_geo.stats.spatial import SpatialResult, spatial_statistics
from lps_geo.stats.variables import analysed_variable
from lps_geo.stats.weights import (
    WeightsReport,
    build_weights,
    default_cache_dir,
    restrict_to_groups,
)
from lps_geo.vocab import Stage

#: Called as each stage starts (see :class:`lps_geo.method.pipeline.Stages`).
StageCallback = Callable[[Stage], None]


@dataclass(frozen=True)
class Weights:
    """The weights graph of a run's analysis units and how it was built."""

    graph: Graph
    report: WeightsReport


@dataclass(frozen=True)
class Analysis:
    """What one analysis computed, before the output layers are assembled.

    Region x industry matrices are indexed by the analysis units' codes and the
    analysed industries; ``indicators`` and ``industries`` are long tables per
    reference area; ``members`` has one row per LPS member (``lps_id``,
    ``region``, ``industry``, ``via``, ``anchor``), ``summary`` one row per
    classified LPS and ``rejected`` the aggregates that failed the filters.
    """

    munis: gpd.GeoDataFrame
    units: gpd.GeoDataFrame
    unit_of: pd.Series
    E: pd.DataFrame
    emp: pd.DataFrame | None
    est: pd.DataFrame | None
    indicators: pd.DataFrame
    industries: pd.DataFrame
    spatial: SpatialResult
    summary: pd.DataFrame
    members: pd.DataFrame
    rejected: pd.DataFrame
    weights: Weights
    thresholds: TypologyThresholds
    mode: str
    X: pd.DataFrame
    #: reference area of every unit, and the units' totals of all activities
    #: in scope (the denominators of the QL)
    reference: pd.Series | None = None
    region_total: pd.Series | None = None
    #: size measure and establishments over every industry of the
    #: denominator (not only the analysed ones), at the analysis units
    E_all: pd.DataFrame | None = None
    est_all: pd.DataFrame | None = None


def analysis_weights(cfg: Config, units: gpd.GeoDataFrame) -> Weights:
    """Build the weights graph the statistics settings ask for."""
    st = cfg.statistics
    graph, report = build_weights(
        units,
        st.weights,
        k=st.k,
        snap=st.snap,
        islands=st.islands,
        threshold=st.threshold,
        cache_dir=default_cache_dir() if st.cache else None,
    )
    return Weights(graph, report)


def _size_matrix(cfg: Config, inp: Inputs) -> pd.DataFrame:
    a = cfg.analysis
    if a.size_measure == "employment" and inp.employment is None:
        raise InputError(
            f"{cfg.inputs.size.path}: analysis.size_measure = 'employment' but the "
            "table has no employment column; set the employment column or use "
            "size_measure = 'establishments'"
        )
    if a.size_measure == "establishments" and inp.establishments is None:
        raise InputError(
            f"{cfg.inputs.size.path}: analysis.size_measure = 'establishments' but "
            "the table has no establishment counts"
        )
    return inp.employment if a.size_measure == "employment" else inp.establishments


def _industries(cfg: Config, all_codes: pd.Index) -> tuple[pd.Index, pd.Index]:
    """The denominator's industries and the analysed ones."""
    a = cfg.analysis
    denom = select_industries(all_codes, a.denominator, "denominator")
    if a.industries == "all":
        return denom, denom
    analysed = select_industries(all_codes, a.industries, "industries")
    outside = analysed.difference(denom)
    if len(outside):
        raise ConfigError(
            "analysis.industries includes industries outside the "
            f"denominator ({', '.join(outside[:5])}); a location quotient "
            "needs each analysed industry inside analysis.denominator"
        )
    return denom, analysed


def _warn_zero_totals(
    region_total: pd.Series, industry_total: dict[str, pd.Series], measure: str
) -> None:
    """Warn about regions and industries whose total size is zero: their
    location quotient is undefined (NaN) and their statistics use 0."""
    empty = region_total.index[region_total.to_numpy() == 0]
    if len(empty):
        warnings.warn(
            f"{len(empty)} region(s) have no {measure} in any industry of the "
            f"denominator ({format_items(empty)}); their QL is undefined (NaN) "
            "and the spatial statistics treat them as 0",
            LpsGeoWarning,
            stacklevel=3,
        )
    absent = [
        (ref, code)
        for ref, totals in industry_total.items()
        for code in totals.index[totals.to_numpy() == 0]
    ]
    if absent:
        by_industry: dict[str, list[str]] = {}
        for ref, code in absent:
            by_industry.setdefault(code, []).append(str(ref))
        areas = len(industry_total)
        shown = format_items(
            code if len(refs) == areas else f"{code} ({format_items(refs, 3)})"
            for code, refs in by_industry.items()
        )
        where = "the study area" if areas == 1 else "some reference areas"
        warnings.warn(
            f"{len(by_industry)} analysed industr(ies) have no {measure} in "
            f"{where}: {shown}; their QL is undefined (NaN) there and they "
            "cannot form an LPS",
            LpsGeoWarning,
            stacklevel=3,
        )


def analyse(
    cfg: Config,
    inp: Inputs,
    stage: StageCallback,
    weights: Weights | None = None,
) -> Analysis:
    """Run the method's statistics and delineation on validated inputs.

    Parameters
    ----------
    cfg
        The configuration (one reference area: ``"state"`` or ``"study_area"``).
    inp
        The inputs, from :func:`lps_geo.io.inputs.read_inputs`.
    stage
        Called with the name of each stage as it starts.
    weights
        A weights graph already built for the same units (a second reference
        area or period); built here when None.
    """
    a, st, dl = cfg.analysis, cfg.statistics, cfg.delineation
    thresholds = cfg.typology.thresholds()
    emp, est = inp.employment, inp.establishments
    size_all = _size_matrix(cfg, inp)
    denom, analysed = _industries(cfg, pd.Index(size_all.columns, name="industry"))

    munis = inp.boundaries
    unit_of = pd.Series(munis.index, index=munis.index, name="unit")
    units = munis
    if a.unit == "group":
        lk = inp.lookup
        unit_of = lk["group"].reindex(munis.index)
        units = dissolve_regions(munis, lk)
        size_all = aggregate_regions(size_all, lk)
        emp = aggregate_regions(emp, lk) if emp is not None else None
        est = aggregate_regions(est, lk) if est is not None else None
    mode = dl.mode or ("unit" if a.unit == "group" else "contiguous")

    region_total = size_all[denom].sum(axis=1)
    E = size_all[analysed].astype(float)
    est_a = est[analysed].astype(float) if est is not None else None
    emp_a = emp[analysed].astype(float) if emp is not None else None
    reference = reference_of(E.index, a.reference_area)
    areas = reference.groupby(reference).groups

    ind_parts, indu_parts = [], []
    industry_total, grand_total = {}, {}
    for ref, regions in areas.items():
        Er = E.loc[regions]
        est_r = est_a.loc[regions] if est_a is not None else None
        t = indicator_table(Er, est_r, region_total.loc[regions], drop_zero=False)
        t["reference_area"] = ref
        ind_parts.append(t)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LpsGeoWarning)
            it = industry_table(Er, est_r, region_total.loc[regions])
        it["reference_area"] = ref
        indu_parts.append(it.reset_index())
        industry_total[ref] = Er.sum(axis=0)
        grand_total[ref] = float(region_total.loc[regions].sum())
    _warn_zero_totals(region_total, industry_total, a.size_measure)
    ind = pd.concat(ind_parts, ignore_index=True)
    industries = pd.concat(indu_parts, ignore_index=True)
    industry_total = pd.DataFrame(industry_total).T
    grand_total = pd.Series(grand_total)
    if est_a is not None and industries["eg_approximated"].any():
        warnings.warn(
            "Ellison-Glaeser gamma uses the equal-plant-size approximation "
            "H = 1/N_i (no plant sizes given); see eg_approximated",
            LpsGeoWarning,
            stacklevel=2,
        )

    stage("weights")
    if weights is None:
        weights = analysis_weights(cfg, units)
    graph = weights.graph

    stage("spatial statistics")
    ql = ind.pivot(index="region", columns="industry", values="ql").reindex(
        index=E.index, columns=analysed
    )
    X = pd.concat(
        [
            analysed_variable(E.loc[regions], region_total.loc[regions], st.variable)
            for regions in areas.values()
        ]
    ).reindex(index=E.index, columns=analysed)
    x_missing = X.isna()
    in_graph = X.index.isin(graph.unique_ids)
    spatial = spatial_statistics(
        X.loc[in_graph].fillna(0.0),
        graph,
        permutations=st.permutations,
        seed=st.seed,
        alpha=st.alpha,
        correction=st.correction,
        engine=st.engine,
        fdr_scope=st.fdr_scope,
        gi_null=st.gi_null,
    )
    local = spatial.local.reindex(
        pd.MultiIndex.from_product([E.index, analysed], names=["region", "industry"])
    )
    # regions dropped from the weights (island policy "drop") are isolated
    local.loc[~local.index.get_level_values(0).isin(graph.unique_ids), "lisa_label"] = (
        "isolated"
    )
    local["gi_bin"] = local["gi_bin"].fillna(0).astype(int)
    local["lisa_q"] = local["lisa_q"].fillna(0).astype(int)
    miss = x_missing.stack()
    miss.index.names = ["region", "industry"]
    local.loc[miss[miss].index, "lisa_label"] = "undefined"

    stage("delineation")
    ind = ind.merge(local.reset_index(), on=["region", "industry"], how="left")
    share = ind.pivot(index="region", columns="industry", values="share_industry")
    share = share.reindex(index=E.index, columns=analysed)
    est_f = (
        est_a
        if est_a is not None
        else pd.DataFrame(np.inf, index=E.index, columns=analysed)
    )
    filt = passes_filters(share.to_numpy(), ql.to_numpy(), est_f.to_numpy(), thresholds)
    filt = pd.DataFrame(filt, index=E.index, columns=analysed)
    hot = _hotspots(cfg, local, ql, E.index, analysed)
    dgraph = graph
    if a.reference_area == "state":
        dgraph = restrict_to_groups(graph, reference)
    members = group_members(filt, hot, E, dgraph, mode=mode)
    summary = summarise_lps(
        members,
        E,
        region_total,
        industry_total,
        grand_total,
        thresholds,
        establishments=est_a,
        reference=reference,
    )
    if thresholds.gini_min is not None:
        gl = industries.set_index(["reference_area", "industry"])["gl"]
        key = pd.MultiIndex.from_arrays(
            [summary["reference_area"], summary["industry"]]
        )
        low = gl.reindex(key).to_numpy() < thresholds.gini_min
        summary.loc[low, "lps_type"] = None
    rejected = summary[summary["lps_type"].isna()]
    summary = summary[summary["lps_type"].notna()]
    members = members[members["lps_id"].isin(summary.index)].reset_index(drop=True)
    return Analysis(
        munis=munis,
        units=units,
        unit_of=unit_of,
        E=E,
        emp=emp_a,
        est=est_a,
        indicators=ind,
        industries=industries,
        spatial=spatial,
        summary=summary,
        members=members,
        rejected=rejected,
        weights=weights,
        thresholds=thresholds,
        mode=mode,
        X=X,
        reference=reference,
        region_total=region_total,
        E_all=size_all[denom].astype(float),
        est_all=est[denom].astype(float) if est is not None else None,
    )


def _hotspots(
    cfg: Config,
    local: pd.DataFrame,
    ql: pd.DataFrame,
    regions: pd.Index,
    analysed: pd.Index,
) -> pd.DataFrame:
    """Region x industry: members of a significant hot spot (Gi* hot spot or
    LISA High-High) with QL at or above the hot-spot floor."""
    dl, st = cfg.delineation, cfg.statistics
    if not dl.use_hotspots:
        return pd.DataFrame(False, index=regions, columns=analysed)
    wide = {
        c: local[c].unstack("industry").reindex(index=regions, columns=analysed)
        for c in ("gi_z", "gi_p_adj", "lisa_label")
    }
    hot = (
        ((wide["gi_p_adj"] <= st.alpha) & (wide["gi_z"] > 0))
        | (wide["lisa_label"] == "High-High")
    ) & (ql >= dl.hotspot_ql_min)
    return hot.fillna(False).astype(bool)
