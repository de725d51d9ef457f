"""Input layer: read and validate boundaries, size tables, CNAE, lookups, institutions.

Every reader validates at the edge and returns lps_geo's canonical shapes
(see the package README): boundaries as a projected GeoDataFrame indexed by
region code, size tables as region x industry float DataFrames. Errors are
:class:`~lps_geo.errors.InputError` / :class:`~lps_geo.errors.CRSError` with
one-line messages naming the file, column and offending codes or rows.
"""

from lps_geo.io.boundaries import (
    DEFAULT_CRS,
    codes_7_to_6,
    match_rais6,
    projected_crs,
    read_boundaries,
    repair_geometries,
)
from lps_geo.io.cnae import (
    KNOWN_TITLE_VARIANTS,
    CnaeLevel,
    CnaeTable,
    IndustryLevel,
    TitleMatch,
    aggregate_industries,
    cnae_level,
    cnae_parent,
    normalize_cnae_code,
    normalize_cnae_codes,
    read_cnae_table,
)
from lps_geo.io.divisions import (
    CHECK_DIGIT_EXCEPTIONS,
    STATE_ABBREVIATIONS,
    DivisionLayout,
    DivisionLevel,
    check_digit,
    codes_6_to_7,
    division_lookup,
    divisions_from_localidades,
    microregion_5_to_6,
    microregion_6_to_5,
    read_divisions,
)
from lps_geo.io.institutions import (
    DEFAULT_TYPE_MAP,
    INEP_TYPE_MAP,
    NAME_RULES,
    Outside,
    Placement,
    UnknownTypes,
    classify_types,
    load_type_map,
    read_inep_ies,
    read_institutions,
    read_region_counts,
)
from lps_geo.io.lookup import (
    aggregate_regions,
    check_lookup_covers,
    dissolve_regions,
    read_region_lookup,
)
from lps_geo.io.rais import (
    RAIS_COLUMNS,
    BadRows,
    EstablishmentCount,
    read_rais_microdata,
)
from lps_geo.io.tables import (
    DEFAULT_DROP_COLUMNS,
    CodeDigits,
    IndustryNames,
    Measure,
    SizeTables,
    Unmatched,
    read_long,
    read_wide,
    validate_against_boundaries,
)
from lps_geo.symbology import INSTITUTION_NAMES as INSTITUTION_LABELS
from lps_geo.vocab import INSTITUTION_TYPES

__all__ = [
    "CHECK_DIGIT_EXCEPTIONS",
    "STATE_ABBREVIATIONS",
    "DivisionLayout",
    "DivisionLevel",
    "check_digit",
    "codes_6_to_7",
    "division_lookup",
    "divisions_from_localidades",
    "microregion_5_to_6",
    "microregion_6_to_5",
    "read_divisions",
    "DEFAULT_CRS",
    "DEFAULT_DROP_COLUMNS",
    "DEFAULT_TYPE_MAP",
    "INEP_TYPE_MAP",
    "INSTITUTION_LABELS",
    "INSTITUTION_TYPES",
    "KNOWN_TITLE_VARIANTS",
    "NAME_RULES",
    "RAIS_COLUMNS",
    "BadRows",
    "CnaeLevel",
    "CnaeTable",
    "CodeDigits",
    "EstablishmentCount",
    "IndustryLevel",
    "IndustryNames",
    "Measure",
    "Outside",
    "Placement",
    "SizeTables",
    "TitleMatch",
    "UnknownTypes",
    "Unmatched",
    "aggregate_industries",
    "aggregate_regions",
    "check_lookup_covers",
    "classify_types",
    "cnae_level",
    "cnae_parent",
    "codes_7_to_6",
    "dissolve_regions",
    "load_type_map",
    "match_rais6",
    "normalize_cnae_code",
    "normalize_cnae_codes",
    "projected_crs",
    "read_boundaries",
    "read_cnae_table",
    "read_inep_ies",
    "read_institutions",
    "read_long",
    "read_rais_microdata",
    "read_region_counts",
    "read_region_lookup",
    "read_wide",
    "repair_geometries",
    "validate_against_boundaries",
]
