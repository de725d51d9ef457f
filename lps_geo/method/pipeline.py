"""The one orchestrator: configuration -> inputs -> statistics -> LPS -> Result.

Data flows one way: inputs are read and validated (:mod:`lps_geo.io`), the
indicators (:mod:`lps_geo.stats.indicators`) and spatial statistics
(:mod:`lps_geo.stats.spatial`) are computed, candidates are grouped and classified
(:mod:`lps_geo.method.delineate`, :mod:`lps_geo.method.typology`) and everything is
returned as a :class:`~lps_geo.result.Result`. Nothing here writes files.
"""

from __future__ import annotations

import logging
import platform
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lps_geo._version import __version__
from lps_geo.config import Config
from lps_geo.errors import ConfigError, InputError, LpsGeoWarning
from lps_geo.io.inputs import Inputs, cnae_titles, industries_of, read_inputs, read_size
from lps_geo.method.delineate import group_members, summarise_lps
from lps_geo.method.typology import passes_filters
from lps_geo.result import LAYER_COLUMNS, Result
from lps_geo.stats.indicators import indicator_table, industry_table
from lps_geo.stats.spatial import TIE_RULE, inference_text, spatial_statistics
from lps_geo.stats.variables import VARIABLE_DESCRIPTIONS, analysed_variable
from lps_geo.stats.weights import build_weights, default_cache_dir, restrict_to_groups
from lps_geo.symbology import TYPE_LABELS
from lps_geo.vocab import TYPES

log = logging.getLogger(__name__)

#: Stages reported to the progress callback, in order.
STAGES = (
    "read inputs",
    "indicators",
    "weights",
    "spatial statistics",
    "delineation",
    "capability",
    "assemble",
)

Progress = Callable[[str, int, int], None]

MANUFACTURING_DIVISIONS = tuple(f"{d:02d}" for d in range(10, 34))


def _select(codes: pd.Index, spec: str | list[str], what: str) -> pd.Index:
    if spec == "all":
        return codes
    if spec == "manufacturing":
        keep = [c for c in codes if str(c)[:2] in MANUFACTURING_DIVISIONS]
    elif isinstance(spec, list):
        wanted = [str(x) for x in spec]
        keep = [c for c in codes if c in wanted or str(c)[:2] in wanted]
        unknown = [
            w
            for w in wanted
            if w not in codes and not any(str(c)[:2] == w for c in codes)
        ]
        if unknown:
            raise ConfigError(
                f"analysis.{what} names industries absent from the data: "
                f"{', '.join(unknown[:5])}"
            )
    else:
        raise ConfigError(
            f"analysis.{what} must be 'all', 'manufacturing' or a list of CNAE "
            f"codes, got {spec!r}"
        )
    if not keep:
        raise ConfigError(f"analysis.{what} = {spec!r} selects no industry")
    return pd.Index(keep, name="industry")


def _aggregate(m: pd.DataFrame | None, groups: pd.Series) -> pd.DataFrame | None:
    if m is None:
        return None
    out = m.groupby(groups.reindex(m.index).to_numpy()).sum()
    out.index.name = "region"
    return out


def reference_areas(cfg: Config) -> tuple[str, ...]:
    """The reference areas a configuration asks for, in run order.

    ``"both"`` means each state as its own reference area (the paper's state
    studies) and the whole study area (a national mapping), in one run.
    """
    ra = cfg.analysis.reference_area
    return ("state", "study_area") if ra == "both" else (ra,)


def run(config: Config | str | Path, progress: Progress | None = None) -> Result:
    """Run the whole method on the inputs a configuration names.

    Parameters
    ----------
    config
        A :class:`~lps_geo.config.Config` or the path of a TOML file.
    progress
        Optional callback ``progress(stage, i, n)`` called as each of the
        :data:`STAGES` starts (the CLI draws it on stderr).

    Returns
    -------
    Result

    Raises
    ------
    ConfigError
        When the configuration asks for ``reference_area = "both"``: that
        gives one result per reference area, use :func:`run_all`.
    """
    from lps_geo.config import load_config

    cfg = load_config(config) if not isinstance(config, Config) else config
    if len(reference_areas(cfg)) > 1:
        raise ConfigError(
            "analysis.reference_area = 'both' gives one result per reference "
            "area; call lps_geo.run_all(config) (a dict of results) instead of run"
        )
    return run_all(cfg, progress)[cfg.analysis.reference_area]


def run_all(
    config: Config | str | Path, progress: Progress | None = None
) -> dict[str, Result]:
    """Run the method once per reference area, reading the inputs once.

    Returns
    -------
    dict
        Reference area (``"state"`` or ``"study_area"``) -> :class:`Result`,
        in the order of :func:`reference_areas`. The weights graph (and the
        earlier period's table of a ``[comparison]``) serve every area.
    """
    from dataclasses import replace

    from lps_geo.config import load_config

    cfg = load_config(config) if not isinstance(config, Config) else config
    areas = reference_areas(cfg)
    t0 = time.perf_counter()
    caught: list[str] = []
    results: dict[str, Result] = {}
    with warnings.catch_warnings(record=True) as wlist:
        warnings.simplefilter("always", LpsGeoWarning)
        stage = _Stages(progress)
        stage(0)
        inputs = read_inputs(cfg)
        read_s = None
        memo: dict = {}  # weights built once, shared by every analysis
        for area in areas:
            scfg = replace(cfg, analysis=replace(cfg.analysis, reference_area=area))
            if len(areas) > 1:
                stage.label = area
            stage(1)
            result = _analyse(scfg, inputs, stage, weights=memo)
            stage(len(STAGES))
            if read_s is None:
                read_s = stage.timings.get(STAGES[0], 0.0)
            timings = {**stage.timings, STAGES[0]: read_s}
            if scfg.comparison is not None:
                if progress is not None:
                    name = f"comparison with {scfg.comparison.label_before}"
                    progress(
                        f"{name} [{stage.label}]" if stage.label else name,
                        len(STAGES) - 1,
                        len(STAGES),
                    )
                tc = time.perf_counter()
                result = _with_comparison(scfg, inputs, result, memo)
                timings["comparison"] = round(time.perf_counter() - tc, 3)
            timings["total"] = round(time.perf_counter() - t0, 3)
            stage.reset()
            results[area] = result
            result.report["timings_s"] = timings
    seen: set[tuple] = set()
    for w in wlist:
        key = (w.category, str(w.message))
        if key in seen:  # the same warning from the second reference area
            continue
        seen.add(key)
        if issubclass(w.category, LpsGeoWarning):
            caught.append(f"{w.category.__name__}: {w.message}")
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    out = {}
    for area, result in results.items():
        result.report["warnings"] = caught
        result.metadata["report"] = result.report
        out[area] = Result(**{**result.__dict__, "warnings": caught})
    return out


class _Stages:
    """Times the :data:`STAGES` and forwards them to the progress callback."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.label = ""  # the reference area, when a run has several
        self.timings: dict[str, float] = {}
        self.t = time.perf_counter()

    def reset(self) -> None:
        self.timings = {}
        self.t = time.perf_counter()

    def __call__(self, i: int) -> None:
        now = time.perf_counter()
        if i > 0:
            self.timings[STAGES[i - 1]] = round(now - self.t, 3)
        self.t = now
        if i < len(STAGES):
            name = f"{STAGES[i]} [{self.label}]" if self.label and i else STAGES[i]
            log.info("stage %d/%d: %s", i + 1, len(STAGES), name)
            if self.progress is not None:
                self.progress(name, i, len(STAGES))


def _analyse(cfg: Config, inp: Inputs, stage, weights: dict | None = None) -> Result:
    a, st, dl = cfg.analysis, cfg.statistics, cfg.delineation
    thresholds = cfg.typology.thresholds()
    emp, est = inp.employment, inp.establishments
    if a.size_measure == "employment" and emp is None:
        raise InputError(
            f"{cfg.inputs.size.path}: analysis.size_measure = 'employment' but the "
            "table has no employment column; set the employment column or use "
            "size_measure = 'establishments'"
        )
    if a.size_measure == "establishments" and est is None:
        raise InputError(
            f"{cfg.inputs.size.path}: analysis.size_measure = 'establishments' but "
            "the table has no establishment counts"
        )
    size_all = emp if a.size_measure == "employment" else est
    all_codes = pd.Index(size_all.columns, name="industry")
    denom = _select(all_codes, a.denominator, "denominator")
    if a.industries == "all":
        analysed = denom
    else:
        analysed = _select(all_codes, a.industries, "industries")
        outside = analysed.difference(denom)
        if len(outside):
            raise ConfigError(
                "analysis.industries includes industries outside the "
                f"denominator ({', '.join(outside[:5])}); a location quotient "
                "needs each analysed industry inside analysis.denominator"
            )

    munis = inp.boundaries
    unit_of = pd.Series(munis.index, index=munis.index, name="unit")
    units = munis
    if a.unit == "group":
        from lps_geo.io import aggregate_regions, dissolve_regions

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

    # reference areas
    if a.reference_area == "state":
        reference = pd.Series(E.index.str[:2], index=E.index, name="reference_area")
    else:
        reference = pd.Series("study_area", index=E.index, name="reference_area")

    ind_parts, indu_parts = [], []
    industry_total = {}
    grand_total = {}
    for ref, regions in reference.groupby(reference).groups.items():
        Er = E.loc[regions]
        t = indicator_table(
            Er,
            est_a.loc[regions] if est_a is not None else None,
            region_total.loc[regions],
            drop_zero=False,
        )
        t["reference_area"] = ref
        ind_parts.append(t)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LpsGeoWarning)
            it = industry_table(
                Er,
                est_a.loc[regions] if est_a is not None else None,
                region_total.loc[regions],
            )
        it["reference_area"] = ref
        indu_parts.append(it.reset_index())
        industry_total[ref] = Er.sum(axis=0)
        grand_total[ref] = float(region_total.loc[regions].sum())
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

    stage(2)
    if weights and "graph" in weights:  # a second period on the same units
        graph, wreport = weights["graph"]
    else:
        graph, wreport = build_weights(
            units,
            st.weights,
            k=st.k,
            snap=st.snap,
            islands=st.islands,
            threshold=st.threshold,
            cache_dir=default_cache_dir() if st.cache else None,
        )
        if weights is not None:
            weights["graph"] = (graph, wreport)

    stage(3)
    ql = ind.pivot(index="region", columns="industry", values="ql").reindex(
        index=E.index, columns=analysed
    )
    X = pd.concat(
        [
            analysed_variable(E.loc[regions], region_total.loc[regions], st.variable)
            for regions in reference.groupby(reference).groups.values()
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

    stage(4)
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
    if dl.use_hotspots:
        wide = {
            c: local[c].unstack("industry").reindex(index=E.index, columns=analysed)
            for c in ("gi_z", "gi_p_adj", "lisa_label")
        }
        hot = (
            ((wide["gi_p_adj"] <= st.alpha) & (wide["gi_z"] > 0))
            | (wide["lisa_label"] == "High-High")
        ) & (ql >= dl.hotspot_ql_min)
        hot = hot.fillna(False).astype(bool)
    else:
        hot = pd.DataFrame(False, index=E.index, columns=analysed)
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
        low = (
            gl.reindex(
                pd.MultiIndex.from_arrays(
                    [summary["reference_area"], summary["industry"]]
                )
            ).to_numpy()
            < thresholds.gini_min
        )
        summary.loc[low, "lps_type"] = None
    rejected = summary[summary["lps_type"].isna()]
    summary = summary[summary["lps_type"].notna()]
    members = members[members["lps_id"].isin(summary.index)].reset_index(drop=True)

    # the LPS polygons and attributes are still delineation: _assemble moves
    # on to the capability stage when it has built them
    return _assemble(
        cfg,
        inp,
        _Computed(
            munis=munis,
            units=units,
            unit_of=unit_of,
            E=E,
            emp=emp_a,
            est=est_a,
            ind=ind,
            industries=industries,
            spatial=spatial,
            summary=summary,
            members=members,
            rejected=rejected,
            wreport=wreport,
            thresholds=thresholds,
            mode=mode,
            graph=graph,
            X=X,
        ),
        stage,
    )


@dataclass(frozen=True)
class _Computed:
    """What the analysis hands to the assembly of the output layers."""

    munis: gpd.GeoDataFrame
    units: gpd.GeoDataFrame
    unit_of: pd.Series
    E: pd.DataFrame
    emp: pd.DataFrame | None
    est: pd.DataFrame | None
    ind: pd.DataFrame
    industries: pd.DataFrame
    spatial: object
    summary: pd.DataFrame
    members: pd.DataFrame
    rejected: pd.DataFrame
    wreport: object
    thresholds: object
    mode: str
    graph: object = None
    X: pd.DataFrame | None = None


def _assemble(cfg: Config, inp: Inputs, c: _Computed, stage=None) -> Result:
    comp = c
    munis, units, unit_of, E = c.munis, c.units, c.unit_of, c.E
    emp_a, est_a, ind, industries = c.emp, c.est, c.ind, c.industries
    spatial, summary, members = c.spatial, c.summary, c.members
    rejected, wreport, thresholds, mode = c.rejected, c.wreport, c.thresholds, c.mode
    a, st = cfg.analysis, cfg.statistics
    lang = cfg.output.lang
    titles = inp.titles

    # indicators layer
    key = pd.MultiIndex.from_arrays([ind["region"], ind["industry"]])

    def cell(m):
        if m is None:
            return np.full(len(ind), np.nan)
        s = m.stack()
        return s.reindex(key).to_numpy(dtype=float)

    ind["employment"] = cell(emp_a)
    ind["establishments"] = cell(est_a)
    ind["passes_filters"] = passes_filters(
        ind["share_industry"].to_numpy(),
        ind["ql"].to_numpy(),
        ind["establishments"].fillna(np.inf).to_numpy(),
        thresholds,
    )
    lps_of = members.set_index(["region", "industry"])["lps_id"]
    ind["lps_id"] = lps_of.reindex(key).to_numpy()
    indicators = ind[list(LAYER_COLUMNS["indicators"])].copy()
    indicators["passes_filters"] = indicators["passes_filters"].astype(bool)

    # lps layer
    geom_units = units.geometry
    lps_rows = []
    names = (
        units["name"]
        if "name" in units.columns
        else pd.Series(units.index, index=units.index)
    )
    shapes = geom_units.to_numpy()
    where = geom_units.index.get_indexer(members["region"])
    regions = members["region"].to_numpy()
    for lps_id, rows in members.groupby("lps_id", sort=True).indices.items():
        anchor = lps_id.split("@", 1)[1]
        n = len(rows)
        nm = str(names.get(anchor, anchor))
        parts = shapes[where[rows]]
        lps_rows.append(
            {
                "lps_id": lps_id,
                "name": nm if n == 1 else f"{nm} (+{n - 1})",
                "members": ",".join(regions[rows]),
                # one member (most LPS): its polygon as it is
                "geometry": parts[0] if n == 1 else shapely.union_all(parts),
            }
        )
    geo = gpd.GeoDataFrame(
        lps_rows or {"lps_id": [], "name": [], "members": [], "geometry": []},
        geometry="geometry",
        crs=units.crs,
    ).set_index("lps_id")
    s = summary.join(geo, how="left")

    def lps_sum(m):
        if m is None or members.empty:
            return pd.Series(np.nan, index=s.index)
        st_ = m.stack()
        vals = st_.reindex(
            pd.MultiIndex.from_arrays([members["region"], members["industry"]])
        ).to_numpy(dtype=float)
        return pd.Series(vals, index=members["lps_id"]).groupby(level=0).sum()

    lps = gpd.GeoDataFrame(
        {
            "lps_id": s.index.to_numpy(),
            "industry": s["industry"].to_numpy(),
            "title": [titles.get(c, c) for c in s["industry"]],
            "lps_type": s["lps_type"].to_numpy(),
            "lps_type_label": [TYPE_LABELS[lang][t] for t in s["lps_type"]],
            "name": s["name"].to_numpy(),
            "n_members": s["n_members"].to_numpy(dtype=int),
            "members": s["members"].to_numpy(),
            "employment": lps_sum(emp_a).reindex(s.index).to_numpy(),
            "establishments": lps_sum(est_a).reindex(s.index).to_numpy(),
            "size": s["size"].to_numpy(dtype=float),
            "size_total": s["size_total"].to_numpy(dtype=float),
            "ql": s["ql"].to_numpy(dtype=float),
            "share_industry": s["share_industry"].to_numpy(dtype=float),
            "share_region": s["share_region"].to_numpy(dtype=float),
            "n_hotspot_members": s["n_hotspot_members"].to_numpy(dtype=int),
            "reference_area": s["reference_area"].to_numpy(),
            "states": s["members"].map(_states_of).to_numpy(),
            "adjacent_lps": _adjacent_lps(members, c.graph).reindex(s.index).to_numpy(),
        },
        geometry=s["geometry"].to_numpy() if len(s) else [],
        crs=units.crs,
    )
    type_rank = {t: i for i, t in enumerate(TYPES)}
    if len(lps):
        lps = lps.sort_values(
            ["lps_type", "size"],
            key=lambda c: c.map(type_rank) if c.name == "lps_type" else -c,
        ).reset_index(drop=True)

    # industries layer
    counts = (
        lps.groupby(["reference_area", "industry"])["lps_type"]
        .value_counts()
        .unstack(fill_value=0)
        .reindex(columns=list(TYPES), fill_value=0)
    )
    counts.columns = [f"n_{t}" for t in counts.columns]
    indu = industries.merge(spatial.global_.reset_index(), on="industry", how="left")
    indu = indu.merge(
        counts.reset_index(), on=["reference_area", "industry"], how="left"
    )
    for c in counts.columns.tolist() or [f"n_{t}" for t in TYPES]:
        if c not in indu:
            indu[c] = 0
        indu[c] = indu[c].fillna(0).astype(int)
    indu["n_lps"] = indu[[f"n_{t}" for t in TYPES]].sum(axis=1)
    indu["title"] = [titles.get(c, c) for c in indu["industry"]]
    indu["employment"] = (
        emp_a.sum(axis=0).reindex(indu["industry"]).to_numpy()
        if emp_a is not None
        else np.nan
    )
    if "establishments" not in indu:
        indu["establishments"] = np.nan
    industries_out = indu[list(LAYER_COLUMNS["industries"])].copy()
    industries_out["eg_approximated"] = industries_out["eg_approximated"].astype(bool)

    cap = None
    if stage is not None:
        stage(5)
    if inp.institutions is not None:
        cap = _capability(cfg, inp, comp, lps, members)
        indicators = indicators.merge(
            cap["bivariate"], on=["region", "industry"], how="left"
        )
    if stage is not None:
        stage(len(STAGES) - 1)

    # municipalities / regions layers
    def totals(frame_idx, m):
        return (
            m.sum(axis=1).reindex(frame_idx).to_numpy(dtype=float)
            if m is not None
            else np.nan
        )

    emp_full, est_full = inp.employment, inp.establishments
    n_lps_unit = members.groupby("region").size()
    mun = gpd.GeoDataFrame(
        {
            "region": munis.index.to_numpy(),
            "name": munis["name"].to_numpy(),
            "unit": unit_of.reindex(munis.index).to_numpy(),
            "employment_total": totals(munis.index, emp_full),
            "establishments_total": totals(munis.index, est_full),
        },
        geometry=munis.geometry.to_numpy(),
        crs=munis.crs,
    )
    regions = None
    if a.unit == "group":
        mun["n_lps"] = n_lps_unit.reindex(mun["unit"]).fillna(0).astype(int).to_numpy()
        regions = gpd.GeoDataFrame(
            {
                "region": units.index.to_numpy(),
                "name": units["name"].to_numpy(),
                "employment_total": totals(
                    units.index, _agg_or_none(emp_full, inp.lookup)
                ),
                "establishments_total": totals(
                    units.index, _agg_or_none(est_full, inp.lookup)
                ),
                "n_lps": n_lps_unit.reindex(units.index)
                .fillna(0)
                .astype(int)
                .to_numpy(),
            },
            geometry=units.geometry.to_numpy(),
            crs=units.crs,
        )
    else:
        mun["n_lps"] = (
            n_lps_unit.reindex(mun["region"]).fillna(0).astype(int).to_numpy()
        )

    if cap is not None:
        unit_layer = regions if regions is not None else mun
        rc = cap["regions"]
        for col in rc.columns:
            unit_layer[col] = rc[col].reindex(unit_layer["region"]).to_numpy()

    by_type = lps["lps_type"].value_counts().reindex(list(TYPES), fill_value=0)
    report = {
        "lps_geo_version": __version__,
        "n_municipalities": int(len(munis)),
        "n_units": int(len(units)),
        "unit": a.unit,
        "n_industries": int(E.shape[1]),
        "size_measure": a.size_measure,
        "n_lps": int(len(lps)),
        "lps_by_type": {k: int(v) for k, v in by_type.items()},
        "n_candidates_rejected": int(len(rejected)),
        "n_candidate_pairs": int(indicators["passes_filters"].sum()),
        "inputs": {"boundaries": munis.attrs.get("report", {})},
        "weights": wreport.to_dict(),
        "statistics": {
            "engine": st.engine,
            "permutations": st.permutations,
            "seed": st.seed,
            "alpha": st.alpha,
            "correction": st.correction,
            "alternative": "two-sided",
            "variable": st.variable,
            "variable_description": VARIABLE_DESCRIPTIONS[st.variable],
            "fdr_scope": st.fdr_scope,
            "tie_rule": TIE_RULE,
            "inference": inference_text(
                st.permutations, st.seed, st.alpha, st.correction, st.fdr_scope
            ),
            "timings_s": {k: round(v, 3) for k, v in spatial.timings.items()},
            "n_significant_lisa": int(
                indicators["lisa_label"]
                .isin(["High-High", "Low-Low", "High-Low", "Low-High"])
                .sum()
            ),
            "n_significant_gi": int((indicators["gi_bin"].abs() >= 2).sum()),
            "n_significant_lisa_raw": int((indicators["lisa_p"] <= st.alpha).sum()),
            "n_significant_gi_raw": int((indicators["gi_p"] <= st.alpha).sum()),
        },
        "typology": {"preset": cfg.typology.preset, **thresholds.to_dict()},
        "delineation": {
            "mode": mode,
            "use_hotspots": cfg.delineation.use_hotspots,
            "hotspot_ql_min": cfg.delineation.hotspot_ql_min,
        },
        "top_lps": lps.drop(columns="geometry")
        .head(10)[["lps_id", "name", "title", "lps_type", "share_industry", "ql"]]
        .to_dict(orient="records"),
    }
    metadata = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "lps_geo_version": __version__,
        "config": cfg.to_dict(),
        "inputs": {
            "boundaries": str(cfg.inputs.boundaries.path),
            "size": str(cfg.inputs.size.path),
            "lookup": str(cfg.inputs.lookup.path) if cfg.inputs.lookup else None,
            "cnae": str(cfg.inputs.cnae) if cfg.inputs.cnae else None,
        },
        "parameters": {
            "typology": {"preset": cfg.typology.preset, **thresholds.to_dict()},
            "statistics": report["statistics"],
            "reference_area": a.reference_area,
            "denominator": a.denominator,
            "industry_level": a.industry_level,
        },
        "seed": st.seed,
        "source": cfg.output.source_note
        or f"{Path(cfg.inputs.size.path).name} · lps_geo {__version__}",
        "crs": munis.crs.to_string(),
        "versions": _versions(),
    }
    if inp.size_report is not None:
        report["inputs"]["size"] = inp.size_report
    if cap is not None:
        report["capability"] = cap["report"]
        metadata["parameters"]["capability"] = cap["report"]["parameters"]
    return Result(
        municipalities=mun,
        indicators=indicators,
        industries=industries_out,
        lps=lps,
        lps_members=members[["lps_id", "region", "industry", "via"]],
        metadata=metadata,
        report=report,
        regions=regions,
        institutions=cap["institutions"] if cap is not None else None,
        lps_capability=cap["lps"] if cap is not None else None,
        surfaces=cap["surfaces"] if cap is not None else {},
    )


def _with_comparison(cfg: Config, inp: Inputs, result: Result, memo: dict) -> Result:
    """Run the earlier period of ``[comparison]`` on the same boundaries and
    weights, and attach the ``lps_change`` layer and a report block.

    ``memo`` is :func:`run_all`'s: it holds the weights graph and, after the
    first reference area, the earlier period's tables."""
    from dataclasses import replace

    from lps_geo.method.compare import change_report, compare_periods

    cp = cfg.comparison
    if "comparison_tables" not in memo:  # read once for every reference area
        memo["comparison_tables"] = read_size(
            cp.size, cfg.analysis.industry_level, inp.cnae, inp.boundaries
        )
    tables = memo["comparison_tables"]
    titles = {**cnae_titles(inp.cnae, industries_of(tables)), **inp.titles}
    earlier = replace(
        inp,
        employment=tables.employment,
        establishments=tables.establishments,
        titles=titles,
        institutions=None,  # capability is a property of the later period
    )
    cfg_b = replace(cfg, inputs=replace(cfg.inputs, size=cp.size), comparison=None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LpsGeoWarning)
        before = _analyse(cfg_b, earlier, lambda i: None, weights=memo)
    for w in caught:  # re-issued, naming the period
        warnings.warn(f"{cp.label_before}: {w.message}", w.category, stacklevel=2)
    labels = (cp.label_before, cp.label_after)
    change = compare_periods(
        before,
        result,
        growth=cp.growth,
        decline=cp.decline,
        labels=labels,
        lang=cfg.output.lang,
    )
    block = {
        **change_report(change),
        "size_before": str(cp.size.path),
        "n_lps_before": int(len(before.lps)),
        "n_lps_after": int(len(result.lps)),
    }
    result.report["comparison"] = block
    result.metadata["inputs"]["comparison_size"] = str(cp.size.path)
    return replace(result, lps_change=change)


def _capability(cfg: Config, inp: Inputs, c: _Computed, lps, members) -> dict:
    """Capability layers: measures per unit and per LPS, the permutation test,
    the bivariate Local Moran of every industry against the capability index
    and the kernel-density surfaces (Suzigan, Furtado & Garcia 2006, steps
    ii-iii of the method)."""
    from lps_geo.method import capability as capm
    from lps_geo.method import surfaces as surf
    from lps_geo.stats.spatial import bivariate_local_moran

    cp, st = cfg.capability, cfg.statistics
    inst = inp.institutions
    units = c.units
    population = inp.population
    if population is not None and cfg.analysis.unit == "group":
        population = population.groupby(c.unit_of.reindex(population.index)).sum()
    region_cap = capm.region_capability(
        inst,
        units,
        population=population,
        distance=cp.distance,
        index_weights=cp.index_weights,
    )
    lps_cap = capm.lps_capability(
        inst,
        lps.set_index("lps_id"),
        members,
        units,
        distance=cp.distance,
        population=population,
    )
    test = capm.capability_permutation_test(
        inst,
        members,
        units,
        distance=cp.distance,
        permutations=cp.permutations,
        seed=st.seed,
        population=population,
    )
    lps_cap = lps_cap.join(
        test.rename(
            columns={
                "observed": "cap_observed",
                "expected": "cap_expected",
                "p_value": "cap_p_value",
            }
        )[["cap_observed", "cap_expected", "cap_p_value"]]
    )
    lps_cap.insert(
        0,
        "industry",
        lps.set_index("lps_id")["industry"].reindex(lps_cap.index).to_numpy(),
    )
    lps_cap.index.name = "lps_id"
    lps_cap = lps_cap.reset_index()

    # every industry's analysed variable against the capability index
    index = region_cap["capability_index"].reindex(c.graph.unique_ids)
    X = c.X.reindex(c.graph.unique_ids)
    bv = bivariate_local_moran(
        X.fillna(0.0),
        index.fillna(index.mean()),
        c.graph,
        permutations=st.permutations,
        seed=st.seed,
        alpha=st.alpha,
        correction=st.correction,
    ).rename(columns=lambda col: "cap_" + col)
    bv = bv.reset_index()

    surfaces: dict = {}
    bw = None
    if cp.surfaces:
        mask = units.geometry.union_all()
        # one bandwidth for every surface (Silverman's rule on the institutions
        # unless given), and a grid padded by it so kernels are not cut off
        bw = cp.bandwidth or surf.bandwidth(inst, cell_size=cp.cell_size)
        grid = surf.make_grid(
            units.total_bounds, cell_size=cp.cell_size, crs=units.crs, pad=bw
        )
        for name, arr in surf.institution_surfaces(
            inst, grid, bandwidth=bw, mask=mask
        ).items():
            surfaces[f"institutions_{name}"] = (arr, grid, name)
        focus = cp.industry or cfg.output.focus_industry
        size = c.emp if c.emp is not None else c.E
        if focus is None and len(lps):
            focus = str(lps.iloc[0]["industry"])
        if focus is not None and focus in size.columns:
            arr = surf.region_value_surface(
                size[focus], units, grid, bandwidth=bw, mask=mask
            )
            surfaces[f"employment_{focus.replace('.', '_')}"] = (
                arr,
                grid,
                "employment",
            )

    rep = getattr(inst, "attrs", {}).get("report", {})
    report = {
        "n_institutions": int(len(inst)),
        "by_type": {k: int(v) for k, v in inst["type"].value_counts().items()},
        "reader": rep,
        "lps_with_more_capability": int((lps_cap["cap_p_value"] <= st.alpha).sum()),
        "mean_capability_index_lps": float(lps_cap["capability_index"].mean())
        if len(lps_cap)
        else None,
        "surfaces": sorted(surfaces),
        "parameters": {
            "distance_m": cp.distance,
            "index_weights": cp.index_weights,
            "permutations": cp.permutations,
            "cell_size_m": cp.cell_size,
            "bandwidth_m": round(float(bw), 1) if bw is not None else None,
            "bandwidth_rule": "given" if cp.bandwidth else "silverman",
        },
    }
    inst_out = inst.reset_index()
    return {
        "regions": region_cap,
        "lps": lps_cap,
        "bivariate": bv,
        "surfaces": surfaces,
        "institutions": inst_out,
        "report": report,
    }


def _states_of(members: str) -> str:
    """Comma-separated state codes (first two digits) of an LPS's members."""
    return ",".join(sorted({code[:2] for code in str(members).split(",") if code}))


def _adjacent_lps(members: pd.DataFrame, graph) -> pd.Series:
    """For each LPS, the other LPS of its industry that touch it.

    Two LPS of one industry touch when a member of one is a neighbour of a
    member of the other in the (unrestricted) weights graph. With one
    reference area per state, a cluster that straddles a state border is
    split into one LPS per state; this column links the parts. Returns a
    Series of ``";"``-joined ids (empty string when none), indexed by lps_id.
    """
    ids = members["lps_id"].unique()
    empty = pd.Series("", index=pd.Index(ids, name="lps_id"), dtype=object)
    if graph is None or members.empty:
        return empty
    adj = graph.adjacency.reset_index()
    adj.columns = ["focal", "neighbor", "weight"]
    adj = adj[adj["focal"] != adj["neighbor"]]
    m = members[["lps_id", "region", "industry"]]
    pairs = m.merge(adj[["focal", "neighbor"]], left_on="region", right_on="focal")
    pairs = pairs.merge(
        m.rename(columns={"lps_id": "other", "region": "neighbor"}),
        on=["neighbor", "industry"],
    )
    pairs = pairs[pairs["lps_id"] != pairs["other"]]
    if pairs.empty:
        return empty
    linked = pairs.groupby("lps_id")["other"].agg(lambda o: ";".join(sorted(set(o))))
    return linked.reindex(empty.index, fill_value="")


def _agg_or_none(m, lookup):
    if m is None or lookup is None:
        return None
    from lps_geo.io import aggregate_regions

    return aggregate_regions(m, lookup)


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for pkg in (
        "numpy",
        "pandas",
        "geopandas",
        "shapely",
        "pyogrio",
        "libpysal",
        "esda",
        "mapclassify",
        "matplotlib",
        "pyproj",
    ):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:  # pragma: no cover
            out[pkg] = "not installed"
    return out
