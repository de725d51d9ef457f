"""The vocabulary of lps_geo: every option ``Literal`` and category key, defined once.

Configuration, readers, statistics, exporters, renderers, the CLI choices and
the QGIS plugin's option lists all take their allowed values from here, so an
option can be added or renamed in one place. Labels and colours of the
categories live in :mod:`lps_geo.symbology`; this module holds only the keys.

Examples
--------
>>> choices(Lang)
('pt', 'en')
>>> TYPES
('center', 'advanced_vector', 'local_vector', 'embryo')
"""

from __future__ import annotations

from typing import Literal, get_args

# ------------------------------------------------------------------- languages
#: Language of labels, maps, layers, atlas and briefs.
Lang = Literal["pt", "en"]

# ---------------------------------------------------------------------- inputs
#: What a size table counts.
SizeMeasure = Literal["employment", "establishments"]
#: Shape of the size table.
TableForm = Literal["long", "wide", "rais_microdata"]
#: CNAE level of the analysed industries.
IndustryLevel = Literal["class", "group", "division"]
#: Levels of the CNAE 2.0 hierarchy.
CnaeLevel = Literal["section", "division", "group", "class"]
#: How wide-table columns name their industries.
IndustryNames = Literal["code", "title", "auto"]
#: What to do with wide columns, or table regions, that match nothing.
Unmatched = Literal["raise", "drop"]
#: Digits of the municipality codes of a table.
CodeDigits = Literal["auto", 6, 7]
#: Size tables: what a blank, "NaN" or IBGE "-" count cell means.
BlankPolicy = Literal["error", "zero"]
#: Size tables: what an implausibly large count cell does.
OutlierPolicy = Literal["error", "warn", "keep"]
#: Size tables: the thousands separator of count cells.
Thousands = Literal[".", ",", " "]
#: Size tables: the decimal mark of count cells.
DecimalMark = Literal[".", ","]
#: RAIS microdata: count unusable rows, or stop at the first.
BadRows = Literal["report", "raise"]
#: RAIS microdata: active establishments only, or every row.
EstablishmentCount = Literal["active", "all"]
#: Boundary features that are not municipalities (IBGE water bodies).
NonMunicipal = Literal["drop", "keep"]
#: Several features with one code.
Duplicates = Literal["dissolve", "raise"]
#: 6-digit codes without a 7-digit match: stop, or give None.
Unconverted = Literal["raise", "none"]
#: IBGE territorial divisions above the municipality.
DivisionLevel = Literal[
    "state", "mesoregion", "microregion", "intermediate", "immediate"
]
#: Layouts of IBGE division tables.
DivisionLayout = Literal["geodata-br", "dtb", "localidades", "table"]
#: Institution inputs: a point layer/table, or INEP's register.
InstitutionFormat = Literal["points", "inep"]
#: Institution categories that the type map does not know.
UnknownTypes = Literal["raise", "other"]
#: Institutions outside the study area.
Outside = Literal["drop", "keep"]
#: How code-only institutions are placed.
Placement = Literal["centroid"]
#: What ``lps-geo fetch`` downloads.
FetchWhat = Literal["mesh", "divisions"]

# -------------------------------------------------------------------- analysis
#: Named industry selections of ``analysis.denominator`` and ``industries``
#: (``manufacturing``: CNAE divisions 10-33); a list of CNAE codes also works.
IndustrySelection = Literal["all", "manufacturing"]
#: The analysis unit: municipalities, or groups of them (microregions ...).
Unit = Literal["municipality", "group"]
#: Reference area of the indicators (``both``: one result per area).
ReferenceArea = Literal["study_area", "state", "both"]
#: Delineation: contiguous candidates form one LPS, or each unit is one.
DelineationMode = Literal["contiguous", "unit"]
#: Spatial weights builders.
WeightsKind = Literal["queen", "rook", "knn", "distance_band"]
#: Regions without neighbours.
IslandPolicy = Literal["attach", "drop", "keep"]
#: The variable the spatial statistics analyse.
VariableKind = Literal["ql", "share_region", "log_ql", "eb_ql"]
#: Multiple-testing correction.
Correction = Literal["fdr", "bonferroni", "none"]
#: FDR per industry or across all industries.
FdrScope = Literal["industry", "all"]
#: Permutation engine of the local statistics.
Engine = Literal["numba", "esda"]
#: Null hypothesis of the Gi* test (see :mod:`lps_geo.stats.spatial`).
GiNull = Literal["total", "conditional", "analytic"]
#: The two permutation nulls of the local tests (:mod:`lps_geo.stats.local_tests`).
PermutationNull = Literal["conditional", "total"]
#: ``permutations = "auto"``: sequential draws (:mod:`lps_geo.stats.sequential`).
AutoPermutations = Literal["auto"]
#: Scale of the locational Gini.
GiniScale = Literal["gini", "krugman"]
#: Kernel-density kernels and bandwidth rules.
Kernel = Literal["quartic", "gaussian"]
BandwidthRule = Literal["silverman", "scott"]

# ------------------------------------------------------------------ categories
#: LPS types of the typology, in legend order (values of ``lps_type``).
LpsType = Literal["center", "advanced_vector", "local_vector", "embryo"]
TYPES: tuple[LpsType, ...] = get_args(LpsType)

#: Local Moran labels, in legend order (values of ``lisa_label``).
LisaLabel = Literal[
    "High-High",
    "Low-Low",
    "Low-High",
    "High-Low",
    "not significant",
    "undefined",
    "isolated",
]
LISA_LABEL_KEYS: tuple[LisaLabel, ...] = get_args(LisaLabel)
#: The four significant LISA quadrant labels.
LISA_SIGNIFICANT: tuple[LisaLabel, ...] = LISA_LABEL_KEYS[:4]

#: Getis-Ord Gi* confidence bins (+3 hot spot at 99 % ... -3 cold spot at 99 %).
GI_BINS: tuple[int, ...] = (3, 2, 1, 0, -1, -2, -3)

#: Change of an LPS lineage between two periods, in legend order.
ChangeCategory = Literal["emerging", "growing", "stable", "declining", "vanished"]
CHANGE_CATEGORIES: tuple[ChangeCategory, ...] = get_args(ChangeCategory)

#: The institution taxonomy of the capability layers, in legend order.
InstitutionType = Literal[
    "university",
    "federal_institute",
    "technical_school",
    "research_centre",
    "technology_park",
    "other",
]
INSTITUTION_TYPES: tuple[InstitutionType, ...] = get_args(InstitutionType)

#: Significance classes of the LISA significance map (adjusted p).
SIGNIFICANCE_CLASSES: tuple[str, ...] = (
    "p <= 0.001",
    "p <= 0.01",
    "p <= 0.05",
    "not significant",
)

# --------------------------------------------------------------------- outputs
#: Cell type of the GeoTIFF surfaces.
RasterDtype = Literal["float32", "float64"]
#: Paper sizes of maps and atlas.
PageSize = Literal["A4", "A3"]
#: "Every industry" where a list of industry codes is asked for (maps).
AllIndustries = Literal["all"]
#: Static map file formats.
MapFormat = Literal["png", "pdf", "svg"]
#: Geometry kinds of styled layers.
GeometryKind = Literal["polygon", "point"]
#: Kinds of atlas pages.
PageKind = Literal[
    "cover", "contents", "methods", "overview_typology", "overview_capability", "lps"
]

#: The stages of one analysis, in run order (progress and timings use them).
Stage = Literal[
    "read inputs",
    "indicators",
    "weights",
    "spatial statistics",
    "delineation",
    "capability",
    "assemble",
]
STAGES: tuple[Stage, ...] = get_args(Stage)


def choices(literal: object) -> tuple:
    """The allowed values of one of the ``Literal`` options above.

    >>> choices(Correction)
    ('fdr', 'bonferroni', 'none')
    """
    values = get_args(literal)
    if not values:
        raise TypeError(f"{literal!r} is not a Literal of lps_geo.vocab")
    return values


# ---------------------------------------------------------------- structure

#: RAIS's 10 establishment size bands ("Tamanho Estabelecimento"), by active
#: jobs on 31 December: (code, label, smallest size); each band runs up to
#: the next band's smallest size minus one.
RAIS_SIZE_BANDS: tuple[tuple[int, str, int], ...] = (
    (1, "0", 0),
    (2, "1-4", 1),
    (3, "5-9", 5),
    (4, "10-19", 10),
    (5, "20-49", 20),
    (6, "50-99", 50),
    (7, "100-249", 100),
    (8, "250-499", 250),
    (9, "500-999", 500),
    (10, "1000+", 1000),
)
#: SEBRAE's size classes.
SizeClass = Literal["micro", "small", "medium", "large"]
SIZE_CLASS_KEYS: tuple[SizeClass, ...] = get_args(SizeClass)
#: Sectors with their own SEBRAE cut-offs.
SebraeSector = Literal["industry", "services"]
#: SEBRAE's smallest employees of the small, medium and large classes: industry
#: and construction (up to 19, 20-99, 100-499, 500 or more) and trade and
#: services (up to 9, 10-49, 50-99, 100 or more).
SEBRAE_CUTOFFS: dict[SebraeSector, tuple[int, int, int]] = {
    "industry": (20, 100, 500),
    "services": (10, 50, 100),
}
#: CNAE 2.0 divisions under SEBRAE's industry cut-offs, first and last:
#: sections B to F (extractive, manufacturing, utilities, water and waste,
#: construction); every other division (agriculture included) takes the
#: trade and services cut-offs.
SEBRAE_INDUSTRY_DIVISIONS: tuple[int, int] = (5, 43)
#: Production-structure labels of an LPS, after Storper & Harrison's (1991)
#: governance types.
StructureLabel = Literal["lead_firm", "core_ring", "small_firm"]
STRUCTURE_LABEL_KEYS: tuple[StructureLabel, ...] = get_args(StructureLabel)

#: RAIS worker records: the public PDET text layout, Base dos Dados column
#: names, or detected from the header.
WorkerLayout = Literal["auto", "pdet", "basedosdados"]
#: A detected worker-record layout.
WorkerFileLayout = Literal["pdet", "basedosdados"]

# ---------------------------------------------------------------- relatedness

#: Relatedness from co-occurrence of specialisations (EconGeo's methods).
CooccurrenceMethod = Literal["association", "prob", "cosine", "jaccard"]
#: Variable of the locational correlation of industries.
CorrelationVariable = Literal["share", "ql", "log_ql"]
#: Every relatedness method of :func:`lps_geo.stats.relatedness.relatedness_matrix`.
RelatednessMethod = Literal[
    "association",
    "prob",
    "cosine",
    "jaccard",
    "proximity",
    "corr_share",
    "corr_ql",
    "corr_log_ql",
]
#: Families of relatedness measures.
RelatednessFamily = Literal["co-occurrence", "correlation"]
#: Role of a partner industry of an LPS: an input-output supplier or buyer,
#: or a supplier named in the user's production-chain table.
LinkRole = Literal["supplier", "buyer", "chain"]
LINK_ROLES: tuple[LinkRole, ...] = get_args(LinkRole)
#: The roles the input-output table gives.
IoRole = Literal["supplier", "buyer"]
#: Where an LPS finds one of its industry's main suppliers (atlas page): one
#: of the supplier's industries specialised in a member, only in a nearby
#: region, or in neither.
SupplierPresence = Literal["members", "nearby", "absent"]
SUPPLIER_PRESENCE_KEYS: tuple[SupplierPresence, ...] = get_args(SupplierPresence)

# --- innovation outputs (issue 15) ---
#: What an innovation-output table counts.
InnovationKind = Literal["patents", "publications"]
#: The classification of an innovation output's field: IPC sections (A-H),
#: IPC 3-character classes (A01 ...), WIPO's 35 technology fields (Schmoch
#: 2008; codes W35F01 ... W35F35), the 13 disciplines of the publication
#: course data set, or CNAE 2.0 divisions (already linked to industries).
InnovationSystem = Literal[
    "ipc_section", "ipc_class", "wipo35", "discipline", "cnae_division"
]
#: A count of outputs, or a 0/1 indicator (INPI's tables: 1 where the region's
#: share of applications in the field is at least the national share).
InnovationMeasure = Literal["count", "indicator"]
#: Layouts of the innovation readers: INPI's region-name x IPC-section table,
#: the publications-by-institution table, or a generic long table.
InnovationFormat = Literal["inpi", "publications", "long"]
#: The geographic level an innovation table is given at.
InnovationLevel = Literal["municipality", "microregion"]
#: Names that match several regions (the same name in two states): listed in
#: the report and left out, or an error.
AmbiguousNames = Literal["report", "raise"]
