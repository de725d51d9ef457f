"""Read every input a configuration names, validated, into its canonical shape.

The adapter between :mod:`lps_geo.config` and the readers of this package: one
call per input, the reader options taken from the configuration's keys.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import geopandas as gpd
import pandas as pd

from lps_geo.config import Config
from lps_geo.errors import InputError
from lps_geo.io.boundaries import read_boundaries
from lps_geo.io.cells import parse_whole_numbers
from lps_geo.io.cnae_table import read_cnae_table
from lps_geo.io.divisions import division_lookup, read_divisions
from lps_geo.io.inep import read_inep_ies
from lps_geo.io.innovation import (
    InnovationOutputs,
    read_innovation_long,
    read_inpi_table,
    read_places,
    read_publications,
)
from lps_geo.io.inputoutput import (
    IOTable,
    read_input_output,
    read_production_chains,
    read_scn_cnae,
)
from lps_geo.io.lookup import check_lookup_covers, read_region_lookup
from lps_geo.io.points import read_institutions
from lps_geo.io.population import PopulationReport, read_population
from lps_geo.io.rais import read_rais_microdata
from lps_geo.io.rais_layout import municipality_map
from lps_geo.io.rais_workers import WorkerProfile, read_rais_workers
from lps_geo.io.reports import BoundaryReport, InstitutionReport, SizeReport
from lps_geo.io.tables import (
    DEFAULT_DROP_COLUMNS,
    SizeTables,
    read_long,
    read_wide,
    validate_against_boundaries,
)


@dataclass(frozen=True)
class Inputs:
    """Validated inputs in their canonical shapes."""

    boundaries: gpd.GeoDataFrame  # municipalities, indexed by code
    employment: pd.DataFrame | None
    establishments: pd.DataFrame | None
    titles: dict[str, str]
    lookup: pd.DataFrame | None
    population: pd.Series | None = None
    institutions: gpd.GeoDataFrame | None = None
    size_report: SizeReport | None = None  # what the size reader did
    cnae: object | None = None  # CnaeTable, to read a second period's table
    boundaries_report: BoundaryReport | None = None  # what read_boundaries did
    institutions_report: InstitutionReport | None = None  # the register's reader
    #: establishments per (region, industry, size), from RAIS microdata
    size_distribution: pd.DataFrame | None = None
    #: input-output matrix and its SCN x CNAE correspondence
    io_table: IOTable | None = None
    scn_cnae: pd.DataFrame | None = None
    #: user production chains (industry, supplier)
    chains: pd.DataFrame | None = None
    #: workforce per (municipality, industry), from RAIS worker records
    workers: WorkerProfile | None = None
    #: what read_population did with [inputs.population]
    population_report: PopulationReport | None = None
    #: innovation outputs (patents, publications) by municipality
    innovation: tuple[InnovationOutputs, ...] = ()


def read_inputs(cfg: Config) -> Inputs:
    """Read and validate every input named in the configuration."""
    b = cfg.inputs.boundaries
    read = read_boundaries(
        b.path,
        code_column=b.code_column,
        name_column=b.name_column,
        layer=b.layer,
        crs=b.crs,
        non_municipal=b.non_municipal,
        exclude_codes=b.exclude_codes,
    )
    boundaries = read.regions
    cnae = read_cnae_table(cfg.inputs.cnae) if cfg.inputs.cnae else None
    tables = read_size(
        cfg.inputs.size,
        cfg.analysis.industry_level,
        cnae,
        boundaries,
        boundaries_report=read.report,
        boundaries_column=b.code_column,
    )
    lookup = None
    if cfg.inputs.lookup is not None:
        lk = cfg.inputs.lookup
        if lk.level is not None:
            lookup = division_lookup(read_divisions(lk.path), lk.level)
        else:
            lookup = read_region_lookup(
                lk.path,
                code_column=lk.code_column,
                group_column=lk.group_column,
                name_column=lk.name_column,
                section="inputs.lookup",
            )
        check_lookup_covers(lookup, boundaries.index, source=str(lk.path))
    titles = cnae_titles(cnae, industries_of(tables))
    population = None
    if b.population_column:
        if b.population_column not in boundaries.columns:
            raise InputError(
                f"{b.path}: population column {b.population_column!r} not found; "
                f"columns: {', '.join(map(str, boundaries.columns))}"
            )
        population = parse_whole_numbers(
            boundaries[b.population_column],
            source=str(b.path),
            column=b.population_column,
            what="population",
            hint="write the population as plain whole numbers >= 0 in the file, "
            "or unset [inputs.boundaries] population_column",
        ).rename("population")
    population_report = None
    if cfg.inputs.population is not None:
        pi = cfg.inputs.population
        population, population_report = read_population(
            pi.path,
            code_column=pi.code_column,
            value_column=pi.value_column,
            regions=boundaries.index,
            sep=pi.sep,
            encoding=pi.encoding,
            sheet=pi.sheet,
        )
    register = None
    ins = cfg.inputs.institutions
    if ins is not None:
        if ins.format == "inep":
            register = read_inep_ies(
                ins.path,
                boundaries=boundaries,
                type_map=ins.type_map,
                sheet_name=ins.layer or None,  # the workbook's sheet
            )
        else:
            register = read_institutions(
                ins.path,
                type_column=ins.type_column,
                name_column=ins.name_column,
                x_column=ins.x_column,
                y_column=ins.y_column,
                crs=ins.crs,
                code_column=ins.code_column,
                boundaries=boundaries,
                type_map=ins.type_map,
                unknown_types=ins.unknown_types,
                weight_column=ins.weight_column,
                layer=ins.layer,
            )
    io_in = cfg.inputs.input_output
    workers = None
    if cfg.inputs.workers is not None:
        w = cfg.inputs.workers
        workers = read_rais_workers(
            w.path,
            layout=w.layout,
            industry_level=cfg.analysis.industry_level,
            cnae=cnae,
            codes7=boundaries.index,
            encoding=w.encoding,
            sep=w.sep,
            decimal=w.decimal,
            bad_rows=w.bad_rows,
            memory_limit=w.memory_limit,
        )
    return Inputs(
        boundaries,
        tables.employment,
        tables.establishments,
        titles,
        lookup,
        population,
        register.points if register is not None else None,
        size_report=SizeReport(
            form=cfg.inputs.size.form,
            path=str(cfg.inputs.size.path),
            notes=tuple(tables.notes),
            microdata=tables.report,
        ),
        cnae=cnae,
        boundaries_report=read.report,
        institutions_report=register.report if register is not None else None,
        size_distribution=_kept_regions(tables),
        io_table=read_input_output(io_in.path) if io_in is not None else None,
        scn_cnae=read_scn_cnae(io_in.correspondence) if io_in is not None else None,
        chains=read_production_chains(cfg.inputs.chains) if cfg.inputs.chains else None,
        workers=workers,
        population_report=population_report,
        innovation=read_innovation(cfg, boundaries, population),
    )


def read_innovation(
    cfg: Config, boundaries: gpd.GeoDataFrame, population: pd.Series | None
) -> tuple[InnovationOutputs, ...]:
    """Every ``[[inputs.innovation]]`` table, by municipality of the boundaries;
    the tables of one kind must share one measure (counts or indicators)."""
    out = []
    for t in cfg.inputs.innovation:
        if t.format == "long":
            read = read_innovation_long(
                t.path,
                region_column=t.region_column,
                field_column=t.field_column,
                value_column=t.value_column,
                year_column=t.year_column,
                kind=t.kind,
                system=t.system,
                measure=t.measure,
                boundaries=boundaries.index,
                unmatched=t.unmatched,
                sep=t.sep,
                encoding=t.encoding,
                sheet=t.sheet,
            )
        else:
            places = read_places(t.places, t.microregions, boundaries=boundaries.index)
            if t.format == "inpi":
                read = read_inpi_table(
                    t.path,
                    places,
                    level=t.level or "auto",
                    ambiguous=t.ambiguous,
                    population=population,
                )
            else:
                read = read_publications(t.path, places, population=population)
        out.append(read)
    measures: dict[str, set[str]] = {}
    for read in out:
        measures.setdefault(read.report.kind, set()).add(read.report.measure)
    mixed = {k: sorted(v) for k, v in measures.items() if len(v) > 1}
    if mixed:
        kind, both = next(iter(mixed.items()))
        raise InputError(
            f"[[inputs.innovation]]: the {kind} tables mix measures {both}; counts "
            "and 0/1 indicators cannot be added -- give one measure per kind"
        )
    return tuple(out)


def _kept_regions(tables: SizeTables) -> pd.DataFrame | None:
    """The size distribution of the regions the size tables kept (a region
    dropped outside the boundaries is dropped here too, as reported there)."""
    dist = tables.size_distribution
    table = (
        tables.employment if tables.employment is not None else tables.establishments
    )
    if dist is None or table is None:
        return dist
    return dist[dist["region"].isin(table.index)].reset_index(drop=True)


def _codes7(codes: pd.Index) -> pd.Index | None:
    """The boundaries' codes for matching RAIS's 6-digit codes when IBGE's
    check-digit rule cannot (codes of no real state, such as the synthetic
    demo's state 19); None otherwise, so that a real municipality outside the
    boundaries stays a known code, dropped as outside them."""
    text = [str(code) for code in codes]
    known = municipality_map(text, None)
    return None if all(known[code] == code for code in text) else codes


def _changed(s, name: str) -> str | None:
    """A SizeInput column option when set away from its default, else None."""
    default = next(f.default for f in fields(s) if f.name == name)
    value = getattr(s, name)
    return None if value == default else value


def read_size(
    s,
    level: str,
    cnae,
    boundaries: gpd.GeoDataFrame,
    *,
    section: str = "inputs.size",
    boundaries_report: BoundaryReport | None = None,
    boundaries_column: str | None = None,
):
    """Read one size table (``[inputs.size]`` or ``[comparison.size]``,
    named by ``section`` in the hints) and validate its regions against the
    boundaries (``boundaries_report`` names their file and the codes dropped
    there for an empty geometry)."""
    cells = {
        "thousands": s.thousands,
        "decimal": s.decimal or ("," if s.thousands == "." else "."),
        "blank": s.blank,
        "outliers": s.outliers,
        "section": section,
        "sheet_name": s.sheet,
        "skiprows": s.skiprows,
        "where": s.where,
    }
    if s.form == "long":
        tables = read_long(
            s.path,
            region_column=s.region_column,
            industry_column=s.industry_column,
            employment_column=s.employment_column,
            establishments_column=s.establishments_column,
            sep=s.sep,
            encoding=s.encoding,
            industry_level=level,
            cnae=cnae,
            **cells,
        )
    elif s.form == "rais_microdata":
        tables = read_rais_microdata(
            str(s.path),
            cnae=cnae,
            industry_level=level,
            municipality_column=_changed(s, "region_column"),
            class_column=_changed(s, "industry_column"),
            jobs_column=_changed(s, "employment_column"),
            encoding=s.encoding or "latin-1",
            sep=s.sep or ";",
            establishments=s.establishments,
            codes7=_codes7(boundaries.index),
            bad_rows=s.bad_rows,
            memory_limit=s.memory_limit,
            # the production structure describes the period analysed, not
            # the earlier one of [comparison]
            size_distribution=section == "inputs.size",
        )
    else:
        tables = read_wide(
            s.path,
            region_column=s.region_column,
            measure=s.measure,
            industry_names=s.industry_names,
            cnae=cnae,
            sep=s.sep,
            encoding=s.encoding,
            industry_level=level,
            unmatched=s.unmatched,
            drop_columns=(*DEFAULT_DROP_COLUMNS, *s.drop_columns),
            **cells,
        )
    tables = validate_against_boundaries(
        tables,
        boundaries.index,
        source=str(s.path),
        unmatched=s.outside_boundaries,
        section=section,
        boundaries_source=boundaries_report.path if boundaries_report else None,
        boundaries_column=boundaries_column,
        empty=boundaries_report.empty if boundaries_report else (),
    )
    return tables


def cnae_titles(cnae, codes) -> dict[str, str]:
    """CNAE titles of industry codes (the code itself where the table has none)."""
    titles: dict[str, str] = {}
    if cnae is None:
        return titles
    for code in codes:
        try:
            titles[code] = cnae.title(code)
        except Exception:  # noqa: BLE001 - a missing title is not fatal
            titles[code] = code
    return titles


def industries_of(tables) -> list[str]:
    for m in (tables.employment, tables.establishments):
        if m is not None:
            return [str(c) for c in m.columns]
    return []
