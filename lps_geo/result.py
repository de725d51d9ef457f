"""The result of an analysis run: one value holding every output layer.

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
    ``share_region``, ``hhm``, ``icn``, ``passes_filters``, ``lisa_z`` (the
    standardised analysed variable), ``lisa_lag`` (its spatial lag), ``lisa_i``,
    ``lisa_q``, ``lisa_p``, ``lisa_p_adj``, ``lisa_label``, ``gi_z``,
    ``gi_p``, ``gi_p_adj``, ``gi_bin``, ``lps_id``.
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
``institutions`` (GeoDataFrame, points; when institutions are given)
    ``inst_id``, ``name``, ``type``, ``source_type``, ``region``,
    ``located``, ``weight``.
``lps_capability`` (DataFrame; when institutions are given)
    ``lps_id``, ``industry``, counts by type inside (``n_<type>``) and within
    the capability distance (``n_<type>_within``), nearest distances
    (``dist_<type>_km``), ``capability_index`` and the permutation test
    (``cap_observed``, ``cap_expected``, ``cap_p_value``).
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

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

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
        "lisa_z",
        "lisa_lag",
        "lisa_i",
        "lisa_q",
        "lisa_p",
        "lisa_p_adj",
        "lisa_label",
        "gi_z",
        "gi_p",
        "gi_p_adj",
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
    ),
    "lps_members": ("lps_id", "region", "industry", "via"),
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
    "lps_capability",
    "lps_change",
    "run_metadata",
)

#: Layers present only in some runs (regions: unit = "group"; institutions and
#: lps_capability: when institutions are given; lps_change: when two periods
#: are compared).
OPTIONAL_LAYERS: tuple[str, ...] = (
    "regions",
    "institutions",
    "lps_capability",
    "lps_change",
)


@dataclass(frozen=True)
class Result:
    """Every output of one run. See the module docstring for the columns."""

    municipalities: gpd.GeoDataFrame
    indicators: pd.DataFrame
    industries: pd.DataFrame
    lps: gpd.GeoDataFrame
    lps_members: pd.DataFrame
    metadata: dict[str, Any]
    report: dict[str, Any]
    regions: gpd.GeoDataFrame | None = None
    warnings: list[str] = field(default_factory=list)
    institutions: gpd.GeoDataFrame | None = None
    lps_capability: pd.DataFrame | None = None
    #: kernel-density surfaces by name: (array, grid, kind); written as
    #: GeoTIFFs next to the GeoPackage, not inside it
    surfaces: dict[str, Any] = field(default_factory=dict)
    #: change between two periods (:func:`lps_geo.method.compare.compare_periods`)
    lps_change: gpd.GeoDataFrame | None = None

    def layers(self) -> dict[str, pd.DataFrame]:
        """The layers to export, by name, in :data:`LAYERS` order."""
        out: dict[str, pd.DataFrame] = {
            "municipalities": self.municipalities,
            "regions": self.regions,
            "lps": self.lps,
            "indicators": self.indicators,
            "industries": self.industries,
            "lps_members": self.lps_members,
            "institutions": self.institutions,
            "lps_capability": self.lps_capability,
            "lps_change": self.lps_change,
            "run_metadata": metadata_frame(self.metadata),
        }
        return {k: v for k, v in out.items() if v is not None}

    def __repr__(self) -> str:
        counts = self.lps["lps_type"].value_counts().to_dict() if len(self.lps) else {}
        return (
            f"<Result: {len(self.municipalities)} municipalities, "
            f"{self.industries.shape[0]} industries, {len(self.lps)} LPS {counts}>"
        )


def metadata_frame(metadata: dict[str, Any]) -> pd.DataFrame:
    """Flatten run metadata into a ``key``/``value`` table (values as JSON)."""
    import json

    rows = [
        (k, json.dumps(v, ensure_ascii=False, default=str, sort_keys=True))
        for k, v in metadata.items()
    ]
    return pd.DataFrame(rows, columns=["key", "value"])
