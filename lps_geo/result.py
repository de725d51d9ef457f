"""The result of an analysis run: every output layer, the run report and metadata.

Exporters (GeoPackage, maps, atlas) take a :class:`Result` or the GeoPackage
written from it, so outputs can be rebuilt without recomputing.

Layer contract (column names are public, see the README):

``municipalities`` (GeoDataFrame, polygons)
    ``region`` (7-digit code), ``name``, ``unit`` (code of the analysis unit
    the municipality belongs to: itself, or its microregion in microregion
    mode), ``employment_total``, ``establishments_total``, ``n_lps``.
``regions`` (GeoDataFrame, polygons; only when the analysis unit is not the
    municipality)
    ``region`` (unit code), ``name``, ``employment_total``,
    ``establishments_total``, ``n_lps``.
``indicators`` (DataFrame, long: analysis unit x industry)
    ``region``, ``industry``, ``employment``, ``establishments``, ``size``
    (the size measure the indicators use), ``ql``, ``share_industry``,
    ``share_region``, ``hhm``, ``icn``, ``passes_filters``,
    ``variable_value`` (the analysed variable, e.g. the empirical-Bayes QL:
    LISA and Gi* can be recomputed from it), ``lisa_z`` (its standardised
    value), ``lisa_lag`` (its spatial lag), ``lisa_i``, ``lisa_q``,
    ``lisa_p``, ``lisa_p_adj``, ``lisa_draws`` (permutation draws the p
    uses), ``lisa_label``, ``gi_z``, ``gi_p``, ``gi_p_adj``, ``gi_draws``,
    ``gi_bin``, ``lps_id``.
``industries`` (DataFrame, one row per industry)
    ``industry``, ``title``, ``employment``, ``establishments``, ``gl``,
    ``gl_krugman``, ``hoover``, ``eg_gamma``, ``eg_approximated``,
    ``moran_i``, ``moran_ei``, ``moran_z``, ``moran_p`` (permutation),
    ``moran_z_rand``, ``moran_p_rand`` (analytic, randomisation), ``n_lps``,
    ``n_center``,
    ``n_advanced_vector``, ``n_local_vector``, ``n_embryo``.
``lps`` (GeoDataFrame, one dissolved polygon per LPS)
    ``lps_id``, ``industry``, ``title``, ``lps_type``, ``lps_type_label``,
    ``name``, ``n_members``, ``members``, ``employment``, ``establishments``,
    ``size``, ``size_total``, ``ql``, ``share_industry``, ``share_region``,
    ``n_hotspot_members``, ``reference_area`` (the state code, or
    ``study_area``), ``states`` (comma-separated state codes of the members:
    more than one only when the reference area is the study area and the LPS
    crosses a state border), ``adjacent_lps`` (``;``-joined ids of the LPS of
    the same industry that touch this one: with per-state reference areas, the
    other parts of a cluster that a state border splits).
``lps_members`` (DataFrame)
    ``lps_id``, ``region``, ``industry``, ``via`` ("filters", "hotspot" or
    "both").
``lps_related``, ``relatedness``, ``lps_structure`` (DataFrames; see
    :mod:`lps_geo.method.characterise`)
    Related industries present in each LPS, the run's related industry pairs,
    and the production structure from RAIS establishment microdata.
``lps_suppliers`` (DataFrame; with an input-output matrix or production
    chains, see :mod:`lps_geo.method.supply`)
    One row per LPS, role (``supplier``, ``buyer``, ``chain``) and partner
    activity: :data:`lps_geo.stats.supply_chain.PRESENCE_COLUMNS`.
``lps_workers`` (DataFrame; with RAIS worker records)
    ``lps_id``, ``industry``, ``workers``, ``mean_wage``, ``relative_wage``
    (over the industry's mean in the reference area), ``secondary_share``,
    ``technical_share`` and the reference area's ``area_*`` values.
``lps_innovation`` (DataFrame; with ``[[inputs.innovation]]``, see
    :mod:`lps_geo.method.innovation`)
    One row per LPS and kind of output (``patents``, ``publications``):
    ``division`` (CNAE 2.0), ``measure`` (``count`` or ``indicator``),
    ``total`` outputs of every field in the members, ``linked`` those linked
    to the division in the members, ``linked_within`` within reach,
    ``per_100k`` (``linked`` per 100,000 inhabitants), the permutation test
    of ``statistic`` (``per_100k`` for counts with a population,
    ``linked`` without, ``mean`` per member for 0/1 indicators):
    ``expected``, ``p_value``, ``p_adj``, ``draws``; and the division's
    strongest ``fields``.
``institutions`` (GeoDataFrame, points; when institutions are given)
    ``inst_id``, ``name``, ``type``, ``source_type``, ``region``,
    ``located``, ``weight``.
``lps_capability`` (DataFrame; when institutions are given)
    ``lps_id``, ``industry``, counts by type inside (``n_<type>``) and within
    the capability distance (``n_<type>_within``), nearest distances
    (``dist_<type>_km``), ``capability_index`` and the permutation test
    (``cap_observed``, ``cap_expected``, ``cap_p_value``, ``cap_p_adj``
    corrected over the LPS, ``cap_draws`` permutation draws the p uses).
``lps_change`` (GeoDataFrame; when two periods are compared, see
    :mod:`lps_geo.method.compare`)
    One row per lineage (LPS of one industry and reference area linked across
    the periods by shared members; splits and merges form one lineage):
    ``change_id`` (``<industry>~<lowest member code>``), ``industry``,
    ``title``, ``reference_area``, ``category`` (``emerging``, ``growing``,
    ``stable``, ``declining``, ``vanished``), ``category_label``,
    ``lps_ids_before``, ``lps_ids_after`` (ids joined by ``;``, null when
    none), ``type_before``, ``type_after`` (highest LPS type of the period),
    ``n_members_before``, ``n_members_after``, ``members`` (the union of
    the lineage's members in either period, comma-separated), ``size_before``,
    ``size_after`` (the industry's size summed over ``members`` in each
    period, so both periods cover the same units), ``size_change`` (after -
    before), ``size_change_pct`` (100 * (after / before - 1)), ``ql_before``,
    ``ql_after`` (QL of that union as a ratio of sums, as ``lps.ql``),
    ``ql_change``,
    ``period_before``, ``period_after`` (period labels). Geometry: the union
    of the later period's LPS polygons, or of the earlier's for a vanished
    lineage.
``run_metadata`` (DataFrame of ``key``, ``value``; values JSON-encoded)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from lps_geo.stats.supply_chain import PRESENCE_COLUMNS

if TYPE_CHECKING:  # pragma: no cover - a type only
    from lps_geo.stats.kde import Grid

#: Public column contract of every layer, in the order they are written.
#: Exporters write these first, then any extra column.
LAYER_COLUMNS: dict[str, tuple[str, ...]] = {
    "municipalities": (
        "region",
        "name",
        "unit",
        "employment_total",
        "establishments_total",
        "n_lps",
    ),
    "regions": ("region", "name", "employment_total", "establishments_total", "n_lps"),
    "indicators": (
        "region",
        "industry",
        "employment",
        "establishments",
        "size",
        "ql",
        "share_industry",
        "share_region",
        "hhm",
        "icn",
        "passes_filters",
        "variable_value",
        "lisa_z",
        "lisa_lag",
        "lisa_i",
        "lisa_q",
        "lisa_p",
        "lisa_p_adj",
        "lisa_draws",
        "lisa_label",
        "gi_z",
        "gi_p",
        "gi_p_adj",
        "gi_draws",
        "gi_bin",
        "lps_id",
        "reference_area",
    ),
    "industries": (
        "industry",
        "title",
        "reference_area",
        "employment",
        "establishments",
        "size",
        "gl",
        "gl_krugman",
        "hoover",
        "eg_gamma",
        "eg_H",
        "eg_approximated",
        "moran_i",
        "moran_ei",
        "moran_z",
        "moran_p",
        "moran_z_rand",
        "moran_p_rand",
        "n_lps",
        "n_center",
        "n_advanced_vector",
        "n_local_vector",
        "n_embryo",
    ),
    "lps": (
        "lps_id",
        "industry",
        "title",
        "lps_type",
        "lps_type_label",
        "name",
        "n_members",
        "members",
        "employment",
        "establishments",
        "size",
        "size_total",
        "ql",
        "share_industry",
        "share_region",
        "n_hotspot_members",
        "reference_area",
        "states",
        "adjacent_lps",
        "relatedness_density",
    ),
    "lps_members": ("lps_id", "region", "industry", "via"),
    "lps_related": (
        "lps_id",
        "industry",
        "related_industry",
        "related_title",
        "relatedness",
        "ql",
        "size",
        "share_of_size",
    ),
    "relatedness": ("industry_a", "industry_b", "relatedness"),
    "lps_structure": (
        "lps_id",
        "industry",
        "structure",
        "establishments",
        "jobs",
        "mean_size",
        "relative_size",
        "lead_establishments",
        "lead_jobs",
        "lead_share",
        "largest",
        "cr4",
        "hhi",
        "n_micro",
        "n_small",
        "n_medium",
        "n_large",
        "jobs_micro",
        "jobs_small",
        "jobs_medium",
        "jobs_large",
        *(f"n_band{code:02d}" for code in range(1, 11)),
        *(f"jobs_band{code:02d}" for code in range(1, 11)),
    ),
    "lps_suppliers": PRESENCE_COLUMNS,
    "lps_workers": (
        "lps_id",
        "industry",
        "workers",
        "mean_wage",
        "relative_wage",
        "secondary_share",
        "technical_share",
        "area_mean_wage",
        "area_secondary_share",
        "area_technical_share",
    ),
    "lps_innovation": (
        "lps_id",
        "industry",
        "division",
        "kind",
        "measure",
        "total",
        "linked",
        "linked_within",
        "per_100k",
        "statistic",
        "expected",
        "p_value",
        "p_adj",
        "draws",
        "fields",
    ),
    "institutions": (
        "inst_id",
        "name",
        "type",
        "source_type",
        "region",
        "located",
        "weight",
    ),
    "lps_capability": (
        "lps_id",
        "industry",
        "n_total",
        "n_total_within",
        "capability_index",
        "cap_observed",
        "cap_expected",
        "cap_p_value",
        "cap_p_adj",
        "cap_draws",
    ),
    "lps_change": (
        "change_id",
        "industry",
        "title",
        "reference_area",
        "category",
        "category_label",
        "lps_ids_before",
        "lps_ids_after",
        "type_before",
        "type_after",
        "n_members_before",
        "n_members_after",
        "members",
        "size_before",
        "size_after",
        "size_change",
        "size_change_pct",
        "ql_before",
        "ql_after",
        "ql_change",
        "period_before",
        "period_after",
    ),
    "run_metadata": ("key", "value"),
}

#: Layer names in the order they are written.
LAYERS: tuple[str, ...] = (
    "municipalities",
    "regions",
    "lps",
    "institutions",
    "indicators",
    "industries",
    "lps_members",
    "lps_related",
    "relatedness",
    "lps_structure",
    "lps_suppliers",
    "lps_workers",
    "lps_capability",
    "lps_innovation",
    "lps_change",
    "run_metadata",
)

#: Layers present only in some runs (regions: unit = "group"; institutions and
#: lps_capability: when institutions are given; lps_change: when two periods
#: are compared).
OPTIONAL_LAYERS: tuple[str, ...] = (
    "regions",
    "lps_related",
    "relatedness",
    "lps_structure",
    "lps_suppliers",
    "lps_workers",
    "institutions",
    "lps_capability",
    "lps_innovation",
    "lps_change",
)


def _known(cls, data: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of ``data`` that are fields of ``cls`` (older files may lack
    some, newer ones may carry more)."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


@dataclass(frozen=True)
class Surface:
    """One kernel-density surface of a run, written as a GeoTIFF next to the
    GeoPackage (not inside it).

    ``kind`` is ``"all"`` (every institution), an institution type of
    :data:`lps_geo.vocab.INSTITUTION_TYPES`, or ``"employment"`` (the size of
    the industry in focus); ``array`` holds densities per km2 on ``grid``.
    """

    name: str
    array: np.ndarray
    grid: Grid
    kind: str

    @property
    def description(self) -> str:
        """What the surface measures, for the raster's metadata."""
        what = (
            "employment" if self.kind == "employment" else f"{self.kind} institutions"
        )
        return f"kernel density of {what}, per km2"


@dataclass(frozen=True)
class StatisticsReport:
    """How the spatial statistics were computed, and what they found."""

    engine: str
    permutations: int | str
    seed: int
    alpha: float
    correction: str
    alternative: str
    variable: str
    variable_description: str
    fdr_scope: str
    tie_rule: str
    inference: str
    timings_s: Mapping[str, float]
    n_significant_lisa: int
    n_significant_gi: int
    n_significant_lisa_raw: int
    n_significant_gi_raw: int
    gi_null: str = "total"
    #: the most draws a local test could use (R, or R_max with "auto")
    max_draws: int = 0
    #: per statistic: how many draws the tests used (counts per number of
    #: draws, tests continued and at the maximum, tests still running before
    #: each batch)
    draws: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)} | {
            "timings_s": dict(self.timings_s),
            "draws": dict(self.draws),
        }


@dataclass(frozen=True)
class OutputsReport:
    """The files of a run folder, relative to it (see :mod:`lps_geo.outputs`)."""

    geopackage: str
    maps: tuple[str, ...] = ()
    rasters: tuple[str, ...] = ()
    atlas: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "geopackage": self.geopackage,
            "maps": list(self.maps),
            "rasters": list(self.rasters),
            "atlas": self.atlas,
        }


@dataclass(frozen=True)
class RunReport:
    """What one run did, as ``report.json`` says it (built once, never mutated).

    The nested blocks that other typed values produce (``inputs``: the
    readers' reports; ``weights``: the weights report; ``typology``: the
    cut-offs; ``capability`` and ``comparison``) are kept as the JSON records
    they are written as. :meth:`to_dict` gives the JSON document,
    :meth:`from_dict` reads it back.
    """

    lps_geo_version: str
    n_municipalities: int
    n_units: int
    unit: str
    n_industries: int
    size_measure: str
    n_lps: int
    lps_by_type: Mapping[str, int]
    n_candidates_rejected: int
    n_candidate_pairs: int
    inputs: Mapping[str, Any]
    weights: Mapping[str, Any]
    statistics: StatisticsReport | None
    typology: Mapping[str, Any]
    delineation: Mapping[str, Any]
    top_lps: tuple[Mapping[str, Any], ...] = ()
    capability: Mapping[str, Any] | None = None
    comparison: Mapping[str, Any] | None = None
    characterisation: Mapping[str, Any] | None = None
    timings_s: Mapping[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    outputs: OutputsReport | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``report.json`` (optional blocks only when set)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None and f.name in (
                "capability",
                "comparison",
                "characterisation",
                "outputs",
            ):
                continue
            if hasattr(value, "to_dict"):
                value = value.to_dict()
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Mapping):
                value = dict(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunReport:
        """A report read back from JSON (missing blocks are empty).

        >>> RunReport.from_dict({"n_lps": 2, "warnings": ["w"]}).n_lps
        2
        """
        d = dict(_known(cls, data))
        stats = d.get("statistics")
        d["statistics"] = (
            StatisticsReport(**_known(StatisticsReport, stats))
            if isinstance(stats, Mapping)
            and {f.name for f in fields(StatisticsReport)} <= set(stats)
            else None
        )
        outs = d.get("outputs")
        d["outputs"] = (
            OutputsReport(
                geopackage=outs.get("geopackage", ""),
                maps=tuple(outs.get("maps") or ()),
                rasters=tuple(outs.get("rasters") or ()),
                atlas=outs.get("atlas"),
            )
            if isinstance(outs, Mapping)
            else None
        )
        d["top_lps"] = tuple(d.get("top_lps") or ())
        warnings = d.get("warnings") or ()
        d["warnings"] = (
            tuple(str(w) for w in warnings)
            if isinstance(warnings, list | tuple)
            else (str(warnings),)
        )
        defaults: dict[str, Any] = {
            "lps_geo_version": "",
            "n_municipalities": 0,
            "n_units": 0,
            "unit": "municipality",
            "n_industries": 0,
            "size_measure": "",
            "n_lps": 0,
            "lps_by_type": {},
            "n_candidates_rejected": 0,
            "n_candidate_pairs": 0,
            "inputs": {},
            "weights": {},
            "typology": {},
            "delineation": {},
        }
        return cls(**{**defaults, **d})


@dataclass(frozen=True)
class RunMetadata:
    """Provenance of a run: when, with which software, settings and inputs.

    Stored in the GeoPackage's ``run_metadata`` table (one JSON value per
    field, plus the run report under ``report``) and in its ``gpkg_metadata``
    provenance document.
    """

    created: str = ""
    lps_geo_version: str = ""
    #: the whole configuration (:meth:`lps_geo.config.Config.to_dict`)
    config: Mapping[str, Any] = field(default_factory=dict)
    #: input files by role (boundaries, size, lookup, cnae, comparison_size)
    inputs: Mapping[str, str | None] = field(default_factory=dict)
    #: the resolved parameters: typology cut-offs, statistics, reference area
    parameters: Mapping[str, Any] = field(default_factory=dict)
    seed: int | None = None
    #: the source note printed under maps and in the atlas
    source: str | None = None
    crs: str | None = None
    versions: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunMetadata:
        """Metadata read back from a GeoPackage (unknown keys ignored).

        >>> RunMetadata.from_dict({"seed": 7, "source": "RAIS"}).source
        'RAIS'
        """
        return cls(**_known(cls, data))

    @property
    def variable(self) -> str | None:
        """The analysed variable of the spatial statistics, when recorded."""
        stats = self.parameters.get("statistics") if self.parameters else None
        return stats.get("variable") if isinstance(stats, Mapping) else None


@dataclass(frozen=True)
class Result:
    """Every output of one run. See the module docstring for the columns.

    A frozen value built once by :func:`lps_geo.run`; derive a changed copy
    with :func:`dataclasses.replace`, never mutate it.
    """

    municipalities: gpd.GeoDataFrame
    indicators: pd.DataFrame
    industries: pd.DataFrame
    lps: gpd.GeoDataFrame
    lps_members: pd.DataFrame
    metadata: RunMetadata
    report: RunReport
    regions: gpd.GeoDataFrame | None = None
    institutions: gpd.GeoDataFrame | None = None
    lps_capability: pd.DataFrame | None = None
    #: kernel-density surfaces, written as GeoTIFFs next to the GeoPackage
    surfaces: tuple[Surface, ...] = ()
    #: change between two periods (:func:`lps_geo.method.compare.compare_periods`)
    lps_change: gpd.GeoDataFrame | None = None
    #: related industries present in each LPS, and the run's industry pairs
    #: above the relatedness threshold (:mod:`lps_geo.method.characterise`)
    lps_related: pd.DataFrame | None = None
    relatedness: pd.DataFrame | None = None
    #: production structure of each LPS (RAIS establishment microdata)
    lps_structure: pd.DataFrame | None = None
    #: main suppliers and buyers of each LPS's industry and where they are
    #: (input-output matrix or production chains: :mod:`lps_geo.method.supply`)
    lps_suppliers: pd.DataFrame | None = None
    #: workforce of each LPS (RAIS worker records)
    lps_workers: pd.DataFrame | None = None
    #: innovation outputs linked to each LPS's industry, per kind
    #: (:mod:`lps_geo.method.innovation`)
    lps_innovation: pd.DataFrame | None = None

    @property
    def warnings(self) -> tuple[str, ...]:
        """The warnings of the run (``Class: message``), as in the report."""
        return self.report.warnings

    def members_of(self, lps_id: str) -> list[str]:
        """The member regions of one LPS, from ``lps_members`` (in code order)."""
        m = self.lps_members
        return sorted(m.loc[m["lps_id"] == lps_id, "region"].astype(str))

    def layers(self) -> dict[str, pd.DataFrame]:
        """The layers to export, by name, in :data:`LAYERS` order."""
        out: dict[str, pd.DataFrame | None] = {
            "municipalities": self.municipalities,
            "regions": self.regions,
            "lps": self.lps,
            "indicators": self.indicators,
            "industries": self.industries,
            "lps_members": self.lps_members,
            "lps_related": self.lps_related,
            "relatedness": self.relatedness,
            "lps_structure": self.lps_structure,
            "lps_suppliers": self.lps_suppliers,
            "lps_workers": self.lps_workers,
            "institutions": self.institutions,
            "lps_capability": self.lps_capability,
            "lps_innovation": self.lps_innovation,
            "lps_change": self.lps_change,
            "run_metadata": metadata_frame(self.metadata, self.report),
        }
        return {k: v for k, v in out.items() if v is not None}

    def __repr__(self) -> str:
        counts = self.lps["lps_type"].value_counts().to_dict() if len(self.lps) else {}
        return (
            f"<Result: {len(self.municipalities)} municipalities, "
            f"{self.industries.shape[0]} industries, {len(self.lps)} LPS {counts}>"
        )


def metadata_record(metadata: RunMetadata, report: RunReport | None) -> dict[str, Any]:
    """The metadata as stored with the layers: its fields and the run report
    (without the list of output files, which the GeoPackage is one of)."""
    record = metadata.to_dict()
    if report is not None:
        record["report"] = replace(report, outputs=None).to_dict()
    return record


def metadata_frame(metadata: RunMetadata, report: RunReport | None) -> pd.DataFrame:
    """The ``run_metadata`` layer: :func:`metadata_record` as a ``key``/``value``
    table, values as JSON."""
    record = metadata_record(metadata, report)
    rows = [
        (k, json.dumps(v, ensure_ascii=False, default=str, sort_keys=True))
        for k, v in record.items()
    ]
    return pd.DataFrame(rows, columns=["key", "value"])
