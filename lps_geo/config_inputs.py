"""Typed input sections of the run settings: the files a run reads and how.

``[inputs]`` of the TOML configuration (:mod:`lps_geo.config` parses it):
boundaries, the size table or RAIS microdata, the optional lookup,
institutions, input-output matrix, worker records and production chains.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lps_geo.errors import ConfigError
from lps_geo.vocab import (
    AmbiguousNames,
    BadRows,
    BlankPolicy,
    DecimalMark,
    DivisionLevel,
    EstablishmentCount,
    IndustryNames,
    InnovationFormat,
    InnovationKind,
    InnovationLevel,
    InnovationMeasure,
    InnovationSystem,
    InstitutionFormat,
    NonMunicipal,
    OutlierPolicy,
    SizeMeasure,
    TableForm,
    Thousands,
    UnknownTypes,
    Unmatched,
    WorkerLayout,
)


@dataclass(frozen=True)
class BoundariesInput:
    """Municipal boundaries: any vector format GDAL reads."""

    path: Path
    code_column: str = "CD_MUN"
    name_column: str | None = "NM_MUN"
    layer: str | None = None
    crs: str | None = None
    #: optional column with the population (for capability per 100,000)
    population_column: str | None = None
    #: IBGE water bodies coded UF0000d (e.g. 4300002 Lagoa dos Patos)
    non_municipal: NonMunicipal = "drop"
    #: further feature codes to drop (reported)
    exclude_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SizeInput:
    """Employment / establishment table, long or wide form, or RAIS microdata.

    ``form = "rais_microdata"``: the public RAIS establishment files
    (:func:`lps_geo.io.read_rais_microdata`); ``path`` may be a glob pattern,
    ``region_column``/``industry_column``/``employment_column`` override the
    RAIS header names only when changed from their defaults.
    """

    path: Path
    form: TableForm = "long"
    region_column: str = "region"
    industry_column: str = "industry"
    employment_column: str | None = "employment"
    establishments_column: str | None = "establishments"
    #: wide form only: which measure the cells hold, and how columns are named
    measure: SizeMeasure = "establishments"
    industry_names: IndustryNames = "auto"
    #: wide form: columns whose title matches no CNAE code
    unmatched: Unmatched = "raise"
    #: table regions absent from the boundaries (e.g. a national table with
    #: one state's boundaries): refuse, or drop them (logged)
    outside_boundaries: Unmatched = "raise"
    sep: str | None = None
    encoding: str | None = None
    #: rais_microdata only: unusable rows are counted ("report") or stop the
    #: run ("raise"); establishments with Ind Rais Negativa = 0 ("active") or
    #: every row ("all"); DuckDB memory limit (e.g. "2GB")
    bad_rows: BadRows = "report"
    establishments: EstablishmentCount = "active"
    memory_limit: str | None = None
    #: long and wide forms: number notation of the count cells (``thousands =
    #: "."`` reads ``2.400`` as 2400; ``decimal = ","`` reads ``12,5``; the
    #: decimal mark defaults to "," when thousands = ".", else ".")
    thousands: Thousands | None = None
    decimal: DecimalMark | None = None
    #: blank, "NaN" and IBGE "-" count cells: an error, or read as 0 (warned)
    blank: BlankPolicy = "error"
    #: a cell over 100x the second-largest of its industry and over the sum of
    #: every other region (industries with >= 3 nonzero regions): an error, a
    #: warning, or kept silently
    outliers: OutlierPolicy = "error"
    #: wide form: more non-industry columns to drop, besides totals and
    #: "{ñ class}" (compared without case and accents; "x*" matches a prefix)
    drop_columns: tuple[str, ...] = ()
    #: long and wide forms: Excel sheet (name or 0-based number), lines to
    #: skip before the header, and a row filter such as ``{year = 2023}``
    #: (a column equal to a value or to one of a list of values)
    sheet: str | int = 0
    skiprows: int = 0
    where: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.skiprows < 0:
            raise ConfigError(
                f"[inputs.size] skiprows must be >= 0, got {self.skiprows}"
            )
        if self.where is not None:
            if not isinstance(self.where, dict) or not self.where:
                raise ConfigError(
                    "[inputs.size] where must be a table such as {year = 2023}, "
                    f"got {self.where!r}"
                )
            for column, value in self.where.items():
                values = value if isinstance(value, list) else [value]
                if not values or not all(
                    isinstance(v, str | int) and not isinstance(v, bool) for v in values
                ):
                    raise ConfigError(
                        f"[inputs.size] where.{column} must be a code or a list of "
                        f"codes, got {value!r}"
                    )
        if self.thousands is not None and self.thousands == self.decimal:
            raise ConfigError(
                f"[inputs.size] thousands and decimal are both {self.decimal!r}; "
                'use different marks (e.g. thousands = "." and decimal = ",")'
            )


@dataclass(frozen=True)
class LookupInput:
    """Municipality -> region grouping (microregion or any other).

    With ``level`` the file is an IBGE division table read by
    :func:`lps_geo.io.read_divisions` (DTB, localidades JSON, geodata-br) and
    the grouping is that level; the column settings are then not used.
    """

    path: Path
    code_column: str = "region"
    group_column: str = "group"
    name_column: str | None = None
    level: DivisionLevel | None = None


@dataclass(frozen=True)
class InstitutionsInput:
    """Support institutions (capability layers).

    ``format = "points"``: a vector file of points, or a table with
    ``x_column``/``y_column`` (and ``crs``) or with a municipality
    ``code_column`` (placed at the municipality's representative point).
    ``format = "inep"``: INEP's register of higher-education institutions.
    ``type_map``: optional CSV (``source,type``) mapping source categories to
    the taxonomy; ``unknown_types = "other"`` maps unmatched categories to
    ``other`` instead of stopping.
    """

    path: Path
    format: InstitutionFormat = "points"
    type_column: str = "type"
    name_column: str = "name"
    x_column: str | None = None
    y_column: str | None = None
    crs: str | None = None
    code_column: str | None = None
    weight_column: str | None = None
    type_map: Path | None = None
    unknown_types: UnknownTypes = "raise"
    layer: str | None = None


@dataclass(frozen=True)
class InputOutputInput:
    """IBGE's input-output matrix: the main suppliers and buyers of every LPS.

    ``path``: the 67-activity workbook (``Matriz_de_Insumo_Produto_2015_Nivel_67.xls``,
    :func:`lps_geo.io.read_input_output`); ``correspondence``: a CSV of SCN
    activities x CNAE 2.0 divisions/groups (default: lps_geo's own,
    :func:`lps_geo.io.inputoutput.read_scn_cnae`).
    """

    path: Path
    correspondence: Path | None = None


@dataclass(frozen=True)
class WorkersInput:
    """RAIS worker records (Vínculos): wage, schooling and occupations per LPS.

    ``path``: a file or glob pattern in the PDET text layout or with the Base
    dos Dados column names (``layout = "auto"`` tells them by the header);
    the other keys are those of :func:`lps_geo.io.read_rais_workers`.
    """

    path: Path
    layout: WorkerLayout = "auto"
    encoding: str | None = None
    sep: str | None = None
    decimal: DecimalMark | None = None
    bad_rows: BadRows = "report"
    memory_limit: str | None = None


@dataclass(frozen=True)
class PopulationInput:
    """Inhabitants by municipality (:func:`lps_geo.io.read_population`).

    ``path``: a table with one row per 7-digit IBGE code (IBGE's census
    ``municipios_censo2022.csv``: ``code_column = "codigo_ibge"``,
    ``value_column = "populacao_censo_2022"``). It replaces
    ``[inputs.boundaries] population_column``.
    """

    path: Path
    code_column: str = "region"
    value_column: str = "population"
    sep: str | None = None
    encoding: str | None = None
    sheet: str | int = 0


@dataclass(frozen=True)
class InnovationInput:
    """One table of innovation outputs (``[[inputs.innovation]]``, repeatable).

    ``format``: ``"inpi"`` (INPI's region-name x IPC-section table, read by
    name through the DTB municipality list ``places`` and, for microregion
    tables, the microregion names ``microregions``), ``"publications"``
    (publications by institution with microregion codes; ``places`` gives
    each microregion's municipalities) or ``"long"`` (region code, field,
    value and optional year columns; ``kind`` and ``system`` say what it
    counts and in which classification). See :mod:`lps_geo.io.innovation`.
    """

    path: Path
    format: InnovationFormat = "long"
    places: Path | None = None
    microregions: Path | None = None
    level: InnovationLevel | None = None
    ambiguous: AmbiguousNames = "report"
    kind: InnovationKind | None = None
    system: InnovationSystem | None = None
    measure: InnovationMeasure = "count"
    region_column: str = "region"
    field_column: str = "field"
    value_column: str = "value"
    year_column: str | None = None
    unmatched: Unmatched = "raise"
    sep: str | None = None
    encoding: str | None = None
    sheet: str | int = 0


@dataclass(frozen=True)
class Inputs:
    boundaries: BoundariesInput
    size: SizeInput
    lookup: LookupInput | None = None
    cnae: Path | None = None
    institutions: InstitutionsInput | None = None
    input_output: InputOutputInput | None = None
    workers: WorkersInput | None = None
    population: PopulationInput | None = None
    #: innovation outputs: patents, publications (``[[inputs.innovation]]``)
    innovation: tuple[InnovationInput, ...] = ()
    #: optional user table of production chains (CSV: industry, supplier)
    chains: Path | None = None
