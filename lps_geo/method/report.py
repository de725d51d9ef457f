"""The run report and provenance metadata of one analysis, built from its layers."""

from __future__ import annotations

import importlib.metadata as md
import platform
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from lps_geo._version import __version__
from lps_geo.config import Config
from lps_geo.io.inputs import Inputs
from lps_geo.method.analyse import Analysis
from lps_geo.result import RunMetadata, RunReport, StatisticsReport
from lps_geo.stats.pvalues import TIE_RULE
from lps_geo.stats.variables import VARIABLE_DESCRIPTIONS
from lps_geo.vocab import LISA_SIGNIFICANT, TYPES

#: Packages whose versions the metadata record.
VERSIONED_PACKAGES: tuple[str, ...] = (
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
)


def statistics_report(
    cfg: Config, a: Analysis, indicators: pd.DataFrame
) -> StatisticsReport:
    """How the spatial statistics were run and how many pairs they flag."""
    st = cfg.statistics
    return StatisticsReport(
        engine=st.engine,
        permutations=st.permutations,
        seed=st.seed,
        alpha=st.alpha,
        correction=st.correction,
        alternative="two-sided",
        variable=st.variable,
        variable_description=VARIABLE_DESCRIPTIONS[st.variable],
        fdr_scope=st.fdr_scope,
        tie_rule=TIE_RULE,
        inference=a.spatial.inference.text(a.spatial.max_draws),
        timings_s={k: round(v, 3) for k, v in a.spatial.timings.items()},
        n_significant_lisa=int(indicators["lisa_label"].isin(LISA_SIGNIFICANT).sum()),
        n_significant_gi=int((indicators["gi_bin"].abs() >= 2).sum()),
        n_significant_lisa_raw=int((indicators["lisa_p"] <= st.alpha).sum()),
        n_significant_gi_raw=int((indicators["gi_p"] <= st.alpha).sum()),
        gi_null=st.gi_null,
        max_draws=a.spatial.max_draws,
        draws=a.spatial.draws,
    )


def run_report(
    cfg: Config,
    inp: Inputs,
    a: Analysis,
    lps: gpd.GeoDataFrame,
    indicators: pd.DataFrame,
    capability: Mapping[str, Any] | None,
) -> RunReport:
    """The report of one analysis (timings, warnings and comparison are
    added by the pipeline when the run ends)."""
    by_type = lps["lps_type"].value_counts().reindex(list(TYPES), fill_value=0)
    inputs: dict[str, Any] = {
        "boundaries": inp.boundaries_report.to_dict()
        if inp.boundaries_report is not None
        else {}
    }
    if inp.size_report is not None:
        inputs["size"] = inp.size_report.to_dict()
    top = lps.drop(columns="geometry").head(10)
    return RunReport(
        lps_geo_version=__version__,
        n_municipalities=int(len(a.munis)),
        n_units=int(len(a.units)),
        unit=cfg.analysis.unit,
        n_industries=int(a.E.shape[1]),
        size_measure=cfg.analysis.size_measure,
        n_lps=int(len(lps)),
        lps_by_type={k: int(v) for k, v in by_type.items()},
        n_candidates_rejected=int(len(a.rejected)),
        n_candidate_pairs=int(indicators["passes_filters"].sum()),
        inputs=inputs,
        weights=a.weights.report.to_dict(),
        statistics=statistics_report(cfg, a, indicators),
        typology=_typology(cfg, a),
        delineation={
            "mode": a.mode,
            "use_hotspots": cfg.delineation.use_hotspots,
            "hotspot_ql_min": cfg.delineation.hotspot_ql_min,
        },
        top_lps=tuple(
            top[
                ["lps_id", "name", "title", "lps_type", "share_industry", "ql"]
            ].to_dict(orient="records")
        ),
        capability=capability,
    )


def _typology(cfg: Config, a: Analysis) -> dict[str, Any]:
    return {"preset": cfg.typology.preset, **a.thresholds.to_dict()}


def run_metadata(cfg: Config, a: Analysis, report: RunReport) -> RunMetadata:
    """Provenance of one analysis: time, versions, configuration and inputs."""
    inputs: dict[str, str | None] = {
        "boundaries": str(cfg.inputs.boundaries.path),
        "size": str(cfg.inputs.size.path),
        "lookup": str(cfg.inputs.lookup.path) if cfg.inputs.lookup else None,
        "cnae": str(cfg.inputs.cnae) if cfg.inputs.cnae else None,
    }
    parameters: dict[str, Any] = {
        "typology": _typology(cfg, a),
        "statistics": report.statistics.to_dict() if report.statistics else {},
        "reference_area": cfg.analysis.reference_area,
        "denominator": cfg.analysis.denominator,
        "industry_level": cfg.analysis.industry_level,
    }
    if report.capability is not None:
        parameters["capability"] = report.capability["parameters"]
    return RunMetadata(
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        lps_geo_version=__version__,
        config=cfg.to_dict(),
        inputs=inputs,
        parameters=parameters,
        seed=cfg.statistics.seed,
        source=cfg.output.source_note
        or f"{Path(cfg.inputs.size.path).name} · lps_geo {__version__}",
        crs=a.munis.crs.to_string(),
        versions=package_versions(),
    )


def package_versions() -> dict[str, str]:
    """Versions of Python and of the libraries the results depend on."""
    out = {"python": platform.python_version()}
    for pkg in VERSIONED_PACKAGES:
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:  # pragma: no cover
            out[pkg] = "not installed"
    return out
