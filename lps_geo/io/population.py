"""Read a population table (inhabitants by municipality code) against the boundaries.

Population enters the capability measures twice: the density of
institutions and innovation outputs per 100,000 inhabitants, and the
population strata of the permutation test. It usually comes as its own table
(IBGE's census, ``municipios_censo2022.csv``) rather than as a column of the
boundaries; :func:`read_population` reads such a table by code and says what
does not match.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from lps_geo.errors import InputError, MissingCodesWarning
from lps_geo.io._util import (
    check_file,
    format_quoted,
    normalize_region_codes,
    read_table,
    require_columns,
)
from lps_geo.io.cells import parse_whole_numbers

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PopulationReport:
    """What :func:`read_population` did.

    ``n_rows``: data rows read; ``n_used``: rows whose code is a region of
    the boundaries; ``not_in_boundaries``: codes of the table that are not
    (left out); ``missing``: regions of the boundaries without a row (their
    population is missing: NaN, never 0); ``total``: inhabitants of the rows
    used.
    """

    source: str
    column: str
    n_rows: int
    n_used: int
    not_in_boundaries: tuple[str, ...]
    missing: tuple[str, ...]
    total: float

    def to_dict(self) -> dict:
        """JSON-able form for ``report.json`` (lists, not tuples)."""
        out = asdict(self)
        out["not_in_boundaries"] = list(self.not_in_boundaries)
        out["missing"] = list(self.missing)
        return out


def read_population(
    path: str | Path,
    *,
    code_column: str,
    value_column: str,
    regions: pd.Index,
    sep: str | None = None,
    encoding: str | None = None,
    sheet: str | int = 0,
    section: str | None = "inputs.population",
) -> tuple[pd.Series, PopulationReport]:
    """Inhabitants by region code of ``regions``, from a table with one row per code.

    Parameters
    ----------
    path
        CSV/TSV, Excel or Parquet table.
    code_column, value_column
        Column of the 7-digit IBGE municipality codes and of the population.
    regions
        Region codes of the boundaries: rows for other codes are left out
        and reported (warning), regions without a row get NaN (warning).
    sep, encoding, sheet
        Reader options (sniffed when None).
    section
        Configuration section named in messages about columns.

    Returns
    -------
    (Series, PopulationReport)
        Population indexed like ``regions`` (float; NaN where missing),
        named ``population``; and the account of the reading.

    Raises
    ------
    InputError
        Missing columns; empty or non-numeric codes; repeated codes; values
        that are not whole numbers >= 0 (naming the rows).

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "pop.csv")
    >>> _ = open(p, "w").write("code,pop\\n3550308,11451999\\n3304557,6211223\\n")
    >>> pop, rep = read_population(p, code_column="code", value_column="pop",
    ...                            regions=pd.Index(["3550308", "3509502"]))
    >>> pop.tolist(), rep.missing
    ([11451999.0, nan], ('3509502',))
    """
    source = str(path)
    check_file(path)
    frame = read_table(
        path, text_columns=[code_column], sep=sep, encoding=encoding, sheet_name=sheet
    )
    require_columns(
        frame.columns,
        {"code_column": code_column, "value_column": value_column},
        source,
        section,
        frame=frame,
    )
    rows = [i + 2 for i in range(len(frame))]  # header is file row 1
    codes = normalize_region_codes(
        frame[code_column].tolist(), source=source, column=code_column, rows=rows
    )
    code_index = pd.Index(codes, dtype=object)
    repeated = code_index[code_index.duplicated()].unique()
    if len(repeated):
        twice = set(repeated)
        at = [rows[i] for i in range(len(codes)) if codes[i] in twice]
        raise InputError(
            f"{source}: column {code_column!r} repeats the code(s) "
            f"{format_quoted(repeated)} (rows {', '.join(map(str, at[:10]))}); "
            "give one population per municipality"
        )
    values = parse_whole_numbers(
        pd.Series(frame[value_column].to_numpy(), index=code_index),
        source=source,
        column=value_column,
        what="population",
        hint="write the population as plain whole numbers >= 0",
    )
    regions = pd.Index([str(r) for r in regions], dtype=object)
    given = set(code_index)
    outside = tuple(sorted(given - set(regions)))
    missing = tuple(r for r in regions if r not in given)
    if outside:
        warnings.warn(
            f"{source}: {len(outside)} code(s) of column {code_column!r} are not "
            f"regions of the boundaries and are left out: {format_quoted(outside)}",
            MissingCodesWarning,
            stacklevel=2,
        )
    if missing:
        warnings.warn(
            f"{source}: {len(missing)} region(s) of the boundaries have no "
            f"population (left missing, not 0): {format_quoted(missing)}",
            MissingCodesWarning,
            stacklevel=2,
        )
    population = values.reindex(regions).astype(float).rename("population")
    report = PopulationReport(
        source=source,
        column=value_column,
        n_rows=len(frame),
        n_used=len(code_index) - len(outside),
        not_in_boundaries=outside,
        missing=missing,
        total=float(population.sum()),
    )
    logger.info(
        "population: %d of %d rows used, %d regions missing, %.0f inhabitants",
        report.n_used,
        report.n_rows,
        len(missing),
        report.total,
    )
    return population, report
