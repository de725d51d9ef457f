"""Input layer: read and validate boundaries, size tables, CNAE, lookups, institutions.

Every reader validates at the edge and returns lps_geo's canonical shapes
(see the package README): boundaries as a projected GeoDataFrame indexed by
region code (with a report of what was done, :class:`Boundaries`), size
tables as region x industry float DataFrames (:class:`SizeTables`),
institutions as a point layer (with its report, :class:`Institutions`),
innovation outputs as a long table per municipality, field and year (with
its report, :class:`InnovationOutputs`).
Errors are :class:`~lps_geo.errors.InputError` /
:class:`~lps_geo.errors.CRSError` with one-line messages naming the file,
column and offending codes or rows. The option values the readers accept are
the ``Literal`` types of :mod:`lps_geo.vocab`.
"""

from lps_geo.io.boundaries import (
    DEFAULT_CRS,
    projected_crs,
    read_boundaries,
    repair_geometries,
)
from lps_geo.io.cnae import (
    aggregate_industries,
    cnae_level,
    cnae_parent,
    normalize_cnae_code,
    normalize_cnae_codes,
)
from lps_geo.io.cnae_table import (
    KNOWN_TITLE_VARIANTS,
    CnaeTable,
    TitleMatch,
    read_cnae_table,
)
from lps_geo.io.codes import (
    CHECK_DIGIT_EXCEPTIONS,
    STATE_ABBREVIATIONS,
    check_digit,
    codes_6_to_7,
    codes_7_to_6,
    match_rais6,
    microregion_5_to_6,
    microregion_6_to_5,
)
from lps_geo.io.concordance import (
    division_field_shares,
    field_division_weights,
    field_names,
    linked_fields,
)
from lps_geo.io.counts import read_region_counts
from lps_geo.io.divisions import division_lookup, read_divisions
from lps_geo.io.inep import read_inep_ies
from lps_geo.io.innovation import (
    KNOWN_RENAMINGS,
    PUBLICATION_DISCIPLINES,
    InnovationOutputs,
    InnovationReport,
    read_innovation_long,
    read_inpi_table,
    read_places,
    read_publications,
)
from lps_geo.io.localidades import divisions_from_localidades
from lps_geo.io.lookup import (
    aggregate_regions,
    check_lookup_covers,
    dissolve_regions,
    read_region_lookup,
)
from lps_geo.io.points import read_institutions
from lps_geo.io.population import PopulationReport, read_population
from lps_geo.io.rais import read_rais_microdata
from lps_geo.io.rais_layout import RAIS_COLUMNS
from lps_geo.io.reports import (
    Boundaries,
    BoundaryReport,
    FeatureName,
    InepReport,
    InstitutionReport,
    Institutions,
    RaisReport,
    SizeReport,
)
from lps_geo.io.tables import (
    DEFAULT_DROP_COLUMNS,
    SizeTables,
    read_long,
    read_wide,
    validate_against_boundaries,
)
from lps_geo.io.taxonomy import (
    DEFAULT_TYPE_MAP,
    INEP_TYPE_MAP,
    NAME_RULES,
    classify_types,
    load_type_map,
)

__all__ = [
    "CHECK_DIGIT_EXCEPTIONS",
    "DEFAULT_CRS",
    "DEFAULT_DROP_COLUMNS",
    "DEFAULT_TYPE_MAP",
    "INEP_TYPE_MAP",
    "KNOWN_RENAMINGS",
    "KNOWN_TITLE_VARIANTS",
    "NAME_RULES",
    "PUBLICATION_DISCIPLINES",
    "RAIS_COLUMNS",
    "STATE_ABBREVIATIONS",
    "Boundaries",
    "BoundaryReport",
    "CnaeTable",
    "FeatureName",
    "InepReport",
    "InnovationOutputs",
    "InnovationReport",
    "InstitutionReport",
    "Institutions",
    "RaisReport",
    "SizeReport",
    "SizeTables",
    "TitleMatch",
    "aggregate_industries",
    "aggregate_regions",
    "check_digit",
    "check_lookup_covers",
    "classify_types",
    "cnae_level",
    "cnae_parent",
    "codes_6_to_7",
    "codes_7_to_6",
    "dissolve_regions",
    "division_lookup",
    "divisions_from_localidades",
    "load_type_map",
    "match_rais6",
    "microregion_5_to_6",
    "microregion_6_to_5",
    "normalize_cnae_code",
    "normalize_cnae_codes",
    "projected_crs",
    "read_boundaries",
    "read_cnae_table",
    "read_divisions",
    "read_inep_ies",
    "read_innovation_long",
    "read_inpi_table",
    "read_institutions",
    "read_population",
    "field_division_weights",
    "field_names",
    "division_field_shares",
    "linked_fields",
    "PopulationReport",
    "read_long",
    "read_places",
    "read_publications",
    "read_rais_microdata",
    "read_region_counts",
    "read_region_lookup",
    "read_wide",
    "repair_geometries",
    "validate_against_boundaries",
]
