"""Build the innovation-output to CNAE 2.0 concordance that lps_geo ships.

Reads Fraunhofer ISI's probabilistic concordance (``concordance_table.xlsx``,
Neuhäusler, Frietsch & Kroll 2019), WIPO's IPC - technology concordance
(``ipc_technology.xlsx``, Schmoch 2008), IBGE's CNAE 2.0 structure, the
header of the course's publications table and the hand crosswalk
``io/data/discipline_asjc.csv``, and writes the package data read at run time
by :mod:`lps_geo.io.concordance`: ``innovation_cnae.csv`` (system, field,
division, weight), ``innovation_fields.csv`` (one row per field) and
``CONCORDANCE.md`` (provenance and method). Run it as::

    python -m lps_geo.io.concordance_build --data /path/to/shared/data

The method (``CONCORDANCE.md`` has it in full): ``ipc_class`` and ``wipo35``
keep Fraunhofer's :math:`P(d \\mid f)` for the NACE divisions that are CNAE
divisions; the shares are exact ratios of whole numbers, whose common
denominator is the field's patent count :math:`n_f` (:func:`implied_counts`);
``ipc_section`` pools its classes with these counts; ``discipline`` chains the
hand crosswalk discipline -> ASJC areas (pooled with their implied
publication counts) -> IPC classes -> divisions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import logging
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from importlib import resources
from math import lcm
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lps_geo.errors import InputError
from lps_geo.io._util import check_file, format_items, read_excel
from lps_geo.io.cnae_table import read_cnae_table
from lps_geo.io.concordance import (
    IPC_CLASS_TITLES,
    IPC_CLASSES_NOT_IN_SOURCE,
    IPC_SECTION_TITLES,
    NACE_98_TITLE,
)

logger = logging.getLogger(__name__)

#: The source files, relative to the shared data folder.
SOURCE_FILES: dict[str, str] = {
    "fraunhofer": "concordances/concordance_table.xlsx",
    "wipo": "concordances/ipc_technology.xlsx",
    "cnae": "lookups/CNAE20_EstruturaDetalhada.xls",
    "publications": "institutions/Publicacoes_Instituicoes_Total.tsv",
}

#: Fraunhofer's sheets (``concordance_table.xlsx``).
SHEETS: dict[str, str] = {
    "ipc": "IPC classes by NACE sectors",
    "wipo": "WIPO35 classes by NACE sectors",
    "science_ipc": "Scientific disc. by IPC classes",
    "science_wipo": "Scientific disc. by WIPO35 cl.",
}

_HEX40 = re.compile(r"\b[0-9a-f]{40}\b")
_DENOMINATOR_LIMIT = 10**7
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Sources:
    """What the build reads, in canonical shapes (see :func:`read_sources`).

    ``ipc``, ``wipo``: NACE division (2-digit str) x IPC class / WIPO35 code,
    :math:`P(d \\mid f)`; ``wipo_names``: WIPO35 code -> Fraunhofer's name;
    ``science_ipc``, ``science_wipo``: IPC class / WIPO35 code x ASJC area,
    :math:`P(f \\mid a)`; ``ipc_technology``: WIPO's table (``field``,
    ``sector``, ``name``, ``prefix``); ``cnae``: division -> ``title``,
    ``section``; ``disciplines``: (code, column) of the publications table
    in file order; ``crosswalk``: ``discipline_asjc.csv``; ``files``: per
    source ``path``, ``sha256``, ``repository``, ``commit`` ...
    """

    ipc: pd.DataFrame
    wipo: pd.DataFrame
    wipo_names: pd.Series
    science_ipc: pd.DataFrame
    science_wipo: pd.DataFrame
    ipc_technology: pd.DataFrame
    cnae: pd.DataFrame
    disciplines: tuple[tuple[str, str], ...]
    crosswalk: pd.DataFrame
    files: dict[str, dict[str, str]]


@dataclass(frozen=True)
class Built:
    """The package data: the long weights, the fields and a build report."""

    weights: pd.DataFrame
    fields: pd.DataFrame
    report: dict[str, Any]


def implied_counts(shares: pd.DataFrame, what: str) -> pd.Series:
    """The smallest whole totals consistent with each column's shares.

    Every nonzero share of Fraunhofer's columns is a ratio :math:`k/n` of
    whole numbers; the least common denominator of a column is the number of
    patents (or publications) behind it, unless all its counts share a
    factor (the smallest count is 1 in every column of the source).

    Raises
    ------
    InputError
        When a column's shares are not ratios of whole numbers.

    Examples
    --------
    >>> implied_counts(pd.DataFrame({"x": [0.25, 0.75, 0.0]}), "demo").tolist()
    [4]
    """
    out = {}
    for column in shares.columns:
        values = shares[column].to_numpy(float)
        values = values[values > 0]
        total = 1
        for value in values:
            fraction = Fraction(float(value)).limit_denominator(_DENOMINATOR_LIMIT)
            total = lcm(total, fraction.denominator)
        error = np.abs(values * total - np.round(values * total)).max(initial=0.0)
        if total >= _DENOMINATOR_LIMIT or error > 1e-6:
            raise InputError(
                f"{what}: the shares of column {column!r} are not ratios of whole "
                f"numbers (denominator {total}, error {error:.2g}); is this "
                "Fraunhofer's original table?"
            )
        out[column] = total
    return pd.Series(out, dtype="int64")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def source_entry(sources_md: str, relative: str) -> dict[str, str]:
    """The SOURCES.md row of a file: repository, path, commit, producer, licence.

    Examples
    --------
    >>> md = ("| File | Source repository / path | Commit | Producer |\\n"
    ...       "|---|---|---|---|\\n"
    ...       "| `x/a.csv` | me/repo — `data/a.csv` | " + "ab" * 20 + " | IBGE |")
    >>> entry = source_entry(md, "x/a.csv")
    >>> entry["repository"], entry["repository_path"], entry["licence"]
    ('me/repo', 'data/a.csv', 'none stated')
    """
    name = relative.rsplit("/", 1)[-1]
    header: list[str] = []
    for line in sources_md.splitlines():
        if not line.startswith("|"):
            header = []
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells and cells[0] == "File":
            header = cells
            continue
        if not header or not re.search(rf"`(\S*/)?{re.escape(name)}`", cells[0]):
            continue
        row = dict(zip(header, cells, strict=False))
        where = row.get("Source repository / path", "")
        repo, _, path = where.partition(" — ")
        commit = _HEX40.search(row.get("Commit", ""))
        licence = row.get("License (as stated)") or row.get("License") or ""
        return {
            "repository": repo.strip(),
            "repository_path": path.strip().strip("`"),
            "commit": commit.group(0) if commit else "",
            "commit_note": row.get("Commit", ""),
            "producer": row.get("Producer") or row.get("Original producer", ""),
            "licence": licence or "none stated",
        }
    raise InputError(
        f"SOURCES.md has no table row for `{relative}`; add it (repository, "
        "commit, producer) before building"
    )


def _find(sheet: pd.DataFrame, column: int, text: str, where: str) -> int:
    """Position of the first row whose cell in ``column`` is ``text``."""
    hits = np.flatnonzero(sheet.iloc[:, column].astype(str).str.strip() == text)
    if not len(hits):
        raise InputError(f"{where}: no row with {text!r} in column {column + 1}")
    return int(hits[0])


def _shares(
    sheet: pd.DataFrame,
    first: int,
    labels: int,
    start: int,
    codes: list[str],
    where: str,
) -> pd.DataFrame:
    """The data block of a Fraunhofer sheet: rows from ``first`` to the
    ``Total`` row, row labels in column ``labels``, data from ``start``;
    checked: every column sums to 1 and the Total row is 1."""
    total = _find(sheet, labels, "Total", where)
    block = sheet.iloc[first:total, start : start + len(codes)]
    frame = block.apply(pd.to_numeric, errors="raise").astype(float)
    frame.columns = codes
    frame.index = [str(v).strip() for v in sheet.iloc[first:total, labels]]
    sums = frame.sum()
    given = pd.to_numeric(sheet.iloc[total, start : start + len(codes)]).to_numpy()
    bad = [c for c, s in sums.items() if abs(s - 1) > _TOLERANCE]
    if bad or np.abs(given - 1).max() > _TOLERANCE:
        raise InputError(
            f"{where}: columns {format_items(bad)} do not sum to 1 (or the Total "
            "row is not 1); the sheet is not Fraunhofer's share table"
        )
    if (frame < 0).any().any():
        raise InputError(f"{where}: negative shares")
    return frame


def _nace_rows(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    codes = []
    for label in frame.index:
        if not re.fullmatch(r"\d{1,2}(\.0)?", label):
            raise InputError(f"{where}: {label!r} is not a NACE Rev. 2 division")
        codes.append(f"{int(float(label)):02d}")
    out = frame.copy()
    out.index = pd.Index(codes, name="division")
    if out.index.duplicated().any():
        raise InputError(f"{where}: repeated NACE divisions")
    return out


#: Per sheet: the header text in column B, the offsets of the code row and
#: of the first data row from it, the label column and the first data column.
_LAYOUT: dict[str, tuple[str, int, int, int, int]] = {
    "ipc": ("NACE/IPC", 0, 1, 1, 2),
    "wipo": ("NACE/WIPO35", 1, 2, 1, 2),
    "science_ipc": ("IPC class/ Scientific discipline", 0, 2, 1, 2),
    "science_wipo": ("WIPO35 class/ Scientific discipline", 0, 2, 2, 3),
}


def read_fraunhofer(path: Path) -> dict[str, Any]:
    """Fraunhofer's four sheets in canonical shapes (see :class:`Sources`)."""
    out: dict[str, Any] = {}
    for key, (text, code_row, first, labels, start) in _LAYOUT.items():
        sheet = read_excel(path, sheet_name=SHEETS[key], header=None)
        where = f"{path} [{SHEETS[key]}]"
        head = _find(sheet, 1, text, where)
        codes = [str(v).strip() for v in sheet.iloc[head + code_row, start:].dropna()]
        frame = _shares(sheet, head + first, labels, start, codes, where)
        out[key] = frame if key.startswith("science") else _nace_rows(frame, where)
        if key == "wipo":
            names = sheet.iloc[head, start : start + len(codes)].astype(str)
            out["wipo_names"] = pd.Series(names.str.strip().to_numpy(), index=codes)
    return out


def read_ipc_technology(path: Path) -> pd.DataFrame:
    """WIPO's IPC - technology concordance: field, sector, name, prefix."""
    table = read_excel(path, header=6)
    need = {"Field_number", "Sector_en", "Field_en", "IPC_code"}
    if need - set(table.columns):
        raise InputError(
            f"{path}: columns {format_items(sorted(need - set(table.columns)))} "
            "missing (expected WIPO's table with its header on row 7)"
        )
    table = table.dropna(subset=["Field_number", "IPC_code"])
    return pd.DataFrame(
        {
            "field": [f"W35F{int(n):02d}" for n in table["Field_number"]],
            "sector": table["Sector_en"].astype(str).str.strip().to_numpy(),
            "name": table["Field_en"].astype(str).str.strip().to_numpy(),
            "prefix": table["IPC_code"].astype(str).str.strip().to_numpy(),
        }
    )


def read_disciplines(path: Path) -> tuple[tuple[str, str], ...]:
    """(code, column) of the ``Publicacoes_Disciplina_*`` columns, in order."""
    header = check_file(path).read_text(encoding="utf-8").splitlines()[0]
    prefix = "Publicacoes_Disciplina_"
    columns = [c.strip() for c in header.split("\t") if c.startswith(prefix)]
    if not columns:
        raise InputError(f"{path}: no {prefix}* columns in the header")
    return tuple((c[len(prefix) :].lower(), c) for c in columns)


def default_crosswalk() -> Path:
    """The hand crosswalk shipped with lps_geo (``io/data/discipline_asjc.csv``)."""
    return Path(str(resources.files("lps_geo.io").joinpath("data/discipline_asjc.csv")))


def read_sources(data: str | Path, crosswalk: str | Path | None = None) -> Sources:
    """Read and check every source of the concordance from the data folder.

    Parameters
    ----------
    data
        The shared data folder (holding ``SOURCES.md`` and :data:`SOURCE_FILES`).
    crosswalk
        The discipline -> ASJC crosswalk; default the shipped one.
    """
    data = Path(data)
    md = check_file(data / "SOURCES.md").read_text(encoding="utf-8")
    files = {}
    for key, relative in SOURCE_FILES.items():
        path = check_file(data / relative)
        files[key] = {"path": relative, "sha256": _sha256(path)}
        files[key].update(source_entry(md, relative))
    fraunhofer = read_fraunhofer(data / SOURCE_FILES["fraunhofer"])
    table = read_cnae_table(data / SOURCE_FILES["cnae"]).table
    divisions = table[table["level"] == "division"].set_index("code")
    cross_path = Path(crosswalk) if crosswalk is not None else default_crosswalk()
    cross = pd.read_csv(check_file(cross_path), dtype=str, keep_default_na=False)
    files["crosswalk"] = {
        "path": "lps_geo/io/data/discipline_asjc.csv",
        "sha256": _sha256(cross_path),
        "producer": "lps_geo (hand crosswalk, see its rationale column)",
    }
    return Sources(
        ipc=fraunhofer["ipc"],
        wipo=fraunhofer["wipo"],
        wipo_names=fraunhofer["wipo_names"],
        science_ipc=fraunhofer["science_ipc"],
        science_wipo=fraunhofer["science_wipo"],
        ipc_technology=read_ipc_technology(data / SOURCE_FILES["wipo"]),
        cnae=divisions[["title", "section"]].sort_index(),
        disciplines=read_disciplines(data / SOURCE_FILES["publications"]),
        crosswalk=cross,
        files=files,
    )


def _absent_classes(s: Sources) -> dict[str, str]:
    """IPC classes of WIPO's concordance that Fraunhofer's table lacks."""
    classes = sorted(set(s.ipc_technology["prefix"].str[:3]) - set(s.ipc.columns))
    out = {}
    for code in classes:
        out[code] = IPC_CLASSES_NOT_IN_SOURCE.get(code, "not in the source")
    return out


def check_sources(s: Sources) -> None:
    """Raise InputError when the sources do not fit together."""
    problems = []
    untitled = sorted(set(s.ipc.columns) - set(IPC_CLASS_TITLES))
    if untitled:
        problems.append(f"IPC classes without a title: {format_items(untitled)}")
    if set(s.ipc.columns.str[0]) - set(IPC_SECTION_TITLES):
        problems.append("IPC classes outside sections A-H")
    names = s.ipc_technology.groupby("field")["name"].first()
    if list(names.index) != list(s.wipo.columns):
        problems.append("WIPO's 35 fields differ from Fraunhofer's WIPO35 codes")
    elif not names.equals(s.wipo_names.reindex(names.index).rename(names.name)):
        problems.append("WIPO35 field names differ between WIPO and Fraunhofer")
    if set(s.science_ipc.index) - set(s.ipc.columns):
        problems.append("science sheet has IPC classes the NACE sheet lacks")
    if list(s.science_wipo.index) != list(s.wipo.columns):
        problems.append("science sheet's WIPO35 fields differ from the NACE sheet's")
    if list(s.science_ipc.columns) != list(s.science_wipo.columns):
        problems.append("the two science sheets have different ASJC areas")
    cross = s.crosswalk
    need = {"discipline", "asjc_area", "link", "rationale", "discipline_en"}
    if need - set(cross.columns):
        problems.append(f"crosswalk lacks columns {format_items(sorted(need))}")
    else:
        codes = [code for code, _ in s.disciplines]
        if sorted(set(cross["discipline"])) != sorted(codes):
            problems.append(
                "crosswalk disciplines differ from the publications table's: "
                f"{format_items(sorted(set(cross['discipline']) ^ set(codes)))}"
            )
        unknown = sorted(set(cross["asjc_area"]) - set(s.science_ipc.columns))
        if unknown:
            problems.append(f"crosswalk ASJC areas not in the source: {unknown}")
        if not cross["link"].isin(["yes", "no"]).all():
            problems.append("crosswalk column link must be yes or no")
        mixed = cross.groupby("discipline")["link"].nunique()
        if (mixed > 1).any():
            problems.append(f"disciplines half linked: {list(mixed[mixed > 1].index)}")
        if (cross["rationale"].str.strip() == "").any():
            problems.append("crosswalk rows without a rationale")
    if problems:
        raise InputError("concordance sources: " + "; ".join(problems))


def _tvd(a: pd.Series, b: pd.Series) -> float:
    """Total variation distance of two distributions on the same labels."""
    return float(0.5 * (a - b.reindex(a.index).fillna(0.0)).abs().sum())


def _discipline_weights(s: Sources, ipc: pd.DataFrame, wipo: pd.DataFrame):
    """P(NACE division | discipline), chained through IPC classes (and,
    for the report only, through WIPO35 fields)."""
    m_ipc = implied_counts(s.science_ipc, "science x IPC sheet")
    m_wipo = implied_counts(s.science_wipo, "science x WIPO35 sheet")
    rows, counts, linked, check = {}, {}, {}, {}
    for code, _ in s.disciplines:
        part = s.crosswalk[s.crosswalk["discipline"] == code]
        areas = list(part["asjc_area"])
        counts[code] = int(m_ipc[areas].sum())
        linked[code] = bool((part["link"] == "yes").all())
        if not linked[code]:
            rows[code] = pd.Series(0.0, index=ipc.columns)
            continue
        p_class = s.science_ipc[areas] @ m_ipc[areas] / m_ipc[areas].sum()
        rows[code] = p_class @ ipc.loc[p_class.index]
        p_field = s.science_wipo[areas] @ m_wipo[areas] / m_wipo[areas].sum()
        check[code] = _tvd(rows[code], p_field @ wipo.loc[p_field.index])
    table = pd.DataFrame(rows).T
    return table, pd.Series(counts), pd.Series(linked), check, m_ipc


def build(s: Sources) -> Built:
    """The package data from the sources (see the module docstring)."""
    check_sources(s)
    cnae = list(s.cnae.index)
    nace = list(s.ipc.index)
    nace_only = sorted(set(nace) - set(cnae))
    cnae_only = sorted(set(cnae) - set(nace))
    if list(s.wipo.index) != nace:
        raise InputError("Fraunhofer's two NACE sheets list different divisions")
    n_class = implied_counts(s.ipc, "IPC x NACE sheet")
    n_wipo = implied_counts(s.wipo, "WIPO35 x NACE sheet")
    ipc = s.ipc.T  # field x NACE division
    wipo = s.wipo.T
    letter = pd.Series(ipc.index.str[0], index=ipc.index)
    n_section = n_class.groupby(letter).sum()
    section = ipc.mul(n_class, axis=0).groupby(letter).sum().div(n_section, axis=0)
    disc, n_disc, disc_linked, disc_check, m_ipc = _discipline_weights(s, ipc, wipo)
    identity = pd.DataFrame(np.eye(len(cnae)), index=cnae, columns=cnae)
    systems = {
        "ipc_section": section,
        "ipc_class": ipc,
        "wipo35": wipo,
        "discipline": disc,
        "cnae_division": identity,
    }
    long = []
    for system, table in systems.items():
        part = table.reindex(columns=cnae, fill_value=0.0).stack()
        part = part[part > 0].rename("weight").reset_index()
        part.columns = ["field", "division", "weight"]
        part.insert(0, "system", system)
        long.append(part)
    weights = pd.concat(long, ignore_index=True)

    sectors = s.ipc_technology.groupby("field")["sector"].first()
    prefixes = s.ipc_technology.assign(cls=s.ipc_technology["prefix"].str[:3])
    fields_of = prefixes.groupby("cls")["field"].apply(
        lambda f: ";".join(sorted(set(f)))
    )
    cross = s.crosswalk.groupby("discipline")["discipline_en"].first()
    rows = []

    def add(system, table, names, group, count, linked=None, wipo35=None):
        outside = table.reindex(columns=nace_only, fill_value=0.0).sum(axis=1)
        for field in table.index:
            rows.append(
                {
                    "system": system,
                    "field": field,
                    "name": names[field],
                    "group": group.get(field, "") if group is not None else "",
                    "wipo35": wipo35.get(field, "") if wipo35 is not None else "",
                    "source_count": count.get(field) if count is not None else None,
                    "non_cnae_share": float(outside[field]),
                    "linked": bool(linked[field]) if linked is not None else True,
                }
            )

    add("ipc_section", section, IPC_SECTION_TITLES, None, n_section)
    add("ipc_class", ipc, IPC_CLASS_TITLES, letter, n_class, wipo35=fields_of)
    add("wipo35", wipo, s.wipo_names, sectors, n_wipo)
    labels = {
        code: f"{column.split('Disciplina_', 1)[1].replace('_', ' ')} ({cross[code]})"
        for code, column in s.disciplines
    }
    add("discipline", disc, labels, None, n_disc, linked=disc_linked)
    add("cnae_division", identity, s.cnae["title"], s.cnae["section"], None)
    fields = pd.DataFrame(rows)
    fields["source_count"] = fields["source_count"].astype("Int64")

    def unmapped(table: pd.DataFrame) -> list[str]:
        wide = table.reindex(columns=cnae, fill_value=0.0)
        return [d for d in cnae if not (wide[d] > 0).any()]

    patents_by_division = ipc.mul(n_class, axis=0).sum()
    report = {
        "cnae_divisions": len(cnae),
        "nace_divisions": len(nace),
        "nace_only": {
            d: {
                "patents": int(round(patents_by_division[d])),
                "share_of_patents": float(patents_by_division[d] / n_class.sum()),
                "fields": {
                    system: {
                        f: float(v) for f, v in systems[system][d].items() if v > 0
                    }
                    for system in ("ipc_section", "ipc_class", "wipo35", "discipline")
                },
            }
            for d in nace_only
        },
        "cnae_only": cnae_only,
        "patents_ipc": int(n_class.sum()),
        "patents_wipo35": int(n_wipo.sum()),
        "thin_divisions": {
            d: int(round(v)) for d, v in patents_by_division[cnae].items() if v < 30
        },
        "unmapped": {system: unmapped(t) for system, t in systems.items()},
        "absent_classes": _absent_classes(s),
        "science_classes_missing": sorted(set(ipc.index) - set(s.science_ipc.index)),
        "asjc_counts": {a: int(v) for a, v in m_ipc.items()},
        "asjc_unused": sorted(
            set(s.science_ipc.columns) - set(s.crosswalk["asjc_area"])
        ),
        "discipline_wipo_tvd": disc_check,
        "discipline_specificity": _specificity(disc[disc_linked], m_ipc, s, ipc),
    }
    return Built(weights=weights, fields=fields, report=report)


def _specificity(disc: pd.DataFrame, m_ipc: pd.Series, s: Sources, ipc: pd.DataFrame):
    """TVD of each linked discipline's division profile from the profile of
    all patent-cited science pooled (how much the link says)."""
    p_class = s.science_ipc @ m_ipc / m_ipc.sum()
    pooled = p_class @ ipc.loc[p_class.index]
    return {code: _tvd(row, pooled) for code, row in disc.iterrows()}


def provenance_of(s: Sources, built_on: str) -> dict[str, Any]:
    """The provenance written into the header of ``innovation_cnae.csv``."""
    return {
        "title": "lps_geo concordance: innovation-output fields -> CNAE 2.0 "
        "divisions, weight = P(division | field); see CONCORDANCE.md",
        "built": built_on,
        "builder": "python -m lps_geo.io.concordance_build --data <shared data>",
        "method": "Fraunhofer ISI shares P(NACE Rev. 2 division | IPC class or "
        "WIPO35 field), NACE divisions taken as CNAE 2.0 divisions (NACE 98 "
        "dropped); IPC sections pooled with the implied patent counts; "
        "disciplines chained discipline -> ASJC areas (hand crosswalk, pooled "
        "with implied publication counts) -> IPC classes -> divisions",
        "sources": s.files,
    }


def _header(provenance: dict[str, Any]) -> str:
    lines = []
    for key, value in provenance.items():
        if isinstance(value, dict):
            for name, entry in value.items():
                for field, text in entry.items():
                    lines.append(f"# {key}.{name}.{field}: {text}")
        else:
            lines.append(f"# {key}: {value}")
    return "\n".join(lines) + "\n"


#: The line of ``CONCORDANCE.md`` after which the build writes its numbers;
#: the text above it is hand-written and kept.
MARKER = "<!-- generated by lps_geo.io.concordance_build: do not edit below -->"

_GENERATED = """{marker}

## Sources read

Built {built}. Commits and licences as recorded in the shared data's
`SOURCES.md`.

| Source | File | Repository / path | Commit | Producer | Licence |
|---|---|---|---|---|---|
{sources}

## Systems

| System | Fields | Source total | CNAE divisions mapped | Unmapped |
|---|---|---|---|---|
{systems}

The IPC sheet counts {patents_ipc:,} patents, the WIPO35 sheet
{patents_wipo35:,}.

## NACE Rev. 2 / CNAE 2.0 exceptions

{exceptions}

## IPC classes

{classes} classes in sections A-H. Classes of WIPO's concordance that
Fraunhofer's table lacks (outputs in them have no weights):

{absent}

Classes absent from the science sheet (weight 0 in the discipline chain):
{science_missing}.

Divisions with under 30 source patents: {thin}.

## Disciplines

| Discipline | ASJC areas (implied count) | Linked | Specificity | WIPO35 chain TVD |
|---|---|---|---|---|
{disciplines}

Specificity: total variation distance (TVD) of the discipline's division
profile from that of all patent-cited science pooled (0: no information beyond
the average). WIPO35 chain TVD: from the same chain run through WIPO35 fields.
Unused ASJC areas: {unused}. All areas: {asjc_total:,} implied patent-cited
publications.
"""


def concordance_md(built: Built, s: Sources, provenance: dict[str, Any]) -> str:
    """The generated part of ``CONCORDANCE.md`` (sources, numbers, exceptions)."""
    r, f, cross = built.report, built.fields, s.crosswalk
    sources = [
        f"| {key} | `{e['path']}` | {e.get('repository', 'lps_geo')} "
        f"`{e.get('repository_path', e['path'])}` | {e.get('commit', '')} | "
        f"{e.get('producer', '')} | {e.get('licence', 'project-authored')} |"
        for key, e in s.files.items()
    ]
    systems = []
    for system, part in f.groupby("system", sort=False):
        unmapped = r["unmapped"][system]
        total = part["source_count"].sum() if part["source_count"].notna().any() else ""
        systems.append(
            f"| {system} | {len(part)} | {total} | "
            f"{r['cnae_divisions'] - len(unmapped)} | {', '.join(unmapped) or 'none'} |"
        )
    exceptions = []
    for d, e in r["nace_only"].items():
        cells = "; ".join(
            f"{system} {', '.join(f'{k} {v:.2g}' for k, v in fields.items())}"
            for system, fields in e["fields"].items()
            if fields and system != "discipline"
        )
        chained = max(e["fields"]["discipline"].values(), default=0.0)
        exceptions.append(
            f"- NACE {d} ({NACE_98_TITLE if d == '98' else 'no title'}): in the "
            f"source, not a CNAE 2.0 division; {e['patents']} patent of "
            f"{r['patents_ipc']:,}; P({d} | field): {cells}; disciplines at most "
            f"{chained:.2g}. Dropped."
        )
    exceptions.append(
        "- CNAE 2.0 divisions not in the source: "
        + (", ".join(r["cnae_only"]) or f"none (all {r['cnae_divisions']} are)")
    )
    disciplines = []
    for code, _ in s.disciplines:
        part = cross[cross["discipline"] == code]
        areas = "; ".join(f"{a} ({r['asjc_counts'][a]:,})" for a in part["asjc_area"])
        spec = r["discipline_specificity"].get(code)
        tvd = r["discipline_wipo_tvd"].get(code)
        disciplines.append(
            f"| {code} | {areas} | {'yes' if spec is not None else 'no'} | "
            f"{'' if spec is None else f'{spec:.3f}'} | "
            f"{'' if tvd is None else f'{tvd:.3f}'} |"
        )
    return _GENERATED.format(
        marker=MARKER,
        built=provenance["built"],
        sources="\n".join(sources),
        systems="\n".join(systems),
        patents_ipc=r["patents_ipc"],
        patents_wipo35=r["patents_wipo35"],
        exceptions="\n".join(exceptions),
        classes=int((f["system"] == "ipc_class").sum()),
        absent="\n".join(f"- {c}: {why}" for c, why in r["absent_classes"].items()),
        science_missing=", ".join(r["science_classes_missing"]),
        thin=", ".join(f"{d} ({n})" for d, n in r["thin_divisions"].items()),
        disciplines="\n".join(disciplines),
        unused=", ".join(r["asjc_unused"]),
        asjc_total=sum(r["asjc_counts"].values()),
    )


def write(built: Built, s: Sources, out_dir: str | Path, built_on: str | None = None):
    """Write ``innovation_cnae.csv``, ``innovation_fields.csv`` and
    ``CONCORDANCE.md`` into ``out_dir`` (overwriting them)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    provenance = provenance_of(s, built_on or dt.date.today().isoformat())
    with open(out_dir / "innovation_cnae.csv", "w", encoding="utf-8", newline="") as fh:
        fh.write(_header(provenance))
        built.weights.to_csv(fh, index=False, lineterminator="\n")
    built.fields.to_csv(
        out_dir / "innovation_fields.csv", index=False, lineterminator="\n"
    )
    md = out_dir / "CONCORDANCE.md"
    text = md.read_text(encoding="utf-8") if md.exists() else ""
    kept = text.split(MARKER, 1)[0] if MARKER in text else text + "\n"
    md.write_text(kept + concordance_md(built, s, provenance), encoding="utf-8")
    logger.info(
        "wrote %d weights and %d fields to %s",
        len(built.weights),
        len(built.fields),
        out_dir,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: rebuild the shipped concordance from the shared data."""
    parser = argparse.ArgumentParser(
        prog="python -m lps_geo.io.concordance_build",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("--data", required=True, help="the shared data folder")
    parser.add_argument(
        "--out", default=None, help="output folder (default: lps_geo/io/data)"
    )
    parser.add_argument("--crosswalk", default=None, help="discipline -> ASJC CSV")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        sources = read_sources(args.data, args.crosswalk)
        built = build(sources)
    except InputError as error:
        logger.error("%s", error)
        return 2
    out = args.out or str(resources.files("lps_geo.io").joinpath("data"))
    write(built, sources, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
