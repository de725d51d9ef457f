"""RAIS establishment microdata: employment and establishments from one pass.

The Ministry of Labour (MTE/PDET) publishes the RAIS establishment
microdata ("RAIS Estabelecimentos": ``ESTB2015.txt`` up to 2017,
``RAIS_ESTAB_PUB.txt`` since 2018, sometimes split into per-region files) as
semicolon-separated Latin-1 text with a header line and one row per
establishment. The columns this module uses are

* ``Município`` -- 6-digit RAIS municipality code (the IBGE code without its
  check digit; ``999999`` = not identified);
* ``CNAE 2.0 Classe`` -- the CNAE 2.0 class, 5 digits without punctuation
  (``15319`` = 15.31-9; a lost leading zero gives 4 digits, ``1113`` =
  01.11-3);
* ``Qtd Vínculos Ativos`` -- active jobs on 31 December;
* ``Ind Rais Negativa`` -- 1 for a "negative" declaration (an establishment
  without employees in the year), else 0.

:func:`read_rais_microdata` aggregates any number of such files in DuckDB
(files larger than memory spill to disk) into the canonical
:class:`~lps_geo.io.SizeTables`, and keeps a row-level report: every row read
is either used or excluded under exactly one problem, and each problem is
counted with the lines (or codes) at fault.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, get_args

import pandas as pd

from lps_geo.errors import ConfigError, InputError, LpsGeoWarning
from lps_geo.io._util import check_choice, format_items
from lps_geo.io.cnae import cnae_parent
from lps_geo.io.cnae_table import CnaeTable
from lps_geo.io.rais_layout import (
    ENCODINGS,
    Check,
    class_map,
    duckdb_connection,
    expand_paths,
    jobs_problem,
    municipality_map,
    read_header,
    reason_jobs,
    resolve_column,
    scan_lines,
)
from lps_geo.io.rais_sizes import size_rows, size_table
from lps_geo.io.reports import RaisReport
from lps_geo.io.tables import SizeTables
from lps_geo.vocab import BadRows, EstablishmentCount, IndustryLevel

logger = logging.getLogger(__name__)

#: How many offending lines the report lists per problem.
MAX_LISTED = 20


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def read_rais_microdata(
    paths: str | Path | Sequence[str | Path],
    *,
    cnae: CnaeTable | None = None,
    industry_level: IndustryLevel = "group",
    codes7: Iterable[Any] | None = None,
    municipality_column: str | None = None,
    class_column: str | None = None,
    jobs_column: str | None = None,
    negative_column: str | None = None,
    encoding: str = "latin-1",
    sep: str = ";",
    establishments: EstablishmentCount = "active",
    bad_rows: BadRows = "report",
    memory_limit: str | None = None,
    temp_directory: str | Path | None = None,
    threads: int | None = None,
    size_distribution: bool = False,
) -> SizeTables:
    """Employment and establishments by municipality and CNAE from RAIS microdata.

    Reads the public RAIS establishment files (``ESTB*.txt``,
    ``RAIS_ESTAB_PUB*.txt``) with DuckDB -- every column as text, the
    separator, header and encoding explicit -- groups the rows by
    municipality x CNAE class in SQL and maps the classes to the requested
    level on the small aggregate, so national files far larger than memory
    are read in one pass.

    Parameters
    ----------
    paths
        One file, a glob pattern (``"RAIS/ESTB2015*.txt"``: RAIS is also
        published in per-region files) or a list of either.
    cnae
        Classification table; when given, classes absent from it are
        reported as unknown. Without it only the form of the code is checked
        (4-5 digits, division not 00).
    industry_level
        ``"class"``, ``"group"`` or ``"division"``.
    codes7
        IBGE 7-digit codes the 6-digit RAIS codes are matched against (e.g.
        the boundaries' index, see :func:`~lps_geo.io.match_rais6`). Without
        it the check digit is computed (IBGE rule: weights 1,2,1,2,1,2, sum
        of the digits of the products, ``(10 - s % 10) % 10``; the nine
        municipalities that break the rule are known). Codes of an unknown
        state and ``999999`` ("Ignorado") are unknown either way.
    municipality_column, class_column, jobs_column, negative_column
        Header names; default ``"Município"``, ``"CNAE 2.0 Classe"``,
        ``"Qtd Vínculos Ativos"``, ``"Ind Rais Negativa"`` (or their
        ``" - Código"`` variants); case and accents are not significant.
    encoding
        ``"latin-1"`` (the published files; ``"cp1252"`` is read as Latin-1,
        which leaves every code intact) or ``"utf-8"``.
    sep
        Field separator.
    establishments
        ``"active"`` (default) counts the establishments with Ind Rais
        Negativa = 0, as the official RAIS statistics do: those that declared
        employees in the year (possibly none left on 31 December).
        ``"all"`` counts every row, negative declarations included.
    bad_rows
        ``"report"``: unusable rows are left out, counted in the report and
        summarised in one :class:`~lps_geo.errors.LpsGeoWarning`;
        ``"raise"``: the first one raises an InputError naming the file, line
        and column.
    size_distribution
        Also keep the distribution of establishment sizes
        (``SizeTables.size_distribution``: for every region, industry and
        number of active jobs, the establishments of that size, counted as
        ``establishments`` says), from which
        :mod:`lps_geo.stats.structure` derives size bands, lead
        establishments, CR4 and Herfindahl. Same pass over the files: the
        rows are grouped by their job count as well.
    memory_limit, temp_directory, threads
        DuckDB settings (e.g. ``memory_limit="1GB"``); beyond the limit DuckDB
        spills to ``temp_directory`` (default: a temporary folder removed
        afterwards).

    Returns
    -------
    SizeTables
        ``employment`` (sum of active jobs) and ``establishments``, regions
        (IBGE 7-digit codes) x industries, and ``report`` (a
        :class:`~lps_geo.io.reports.RaisReport`): ``files``,
        ``rows_read``, ``rows_used`` and, for each problem, the rows excluded
        for it -- ``malformed_rows`` (wrong number of columns; file, line and
        DuckDB's reason of the first 20), ``encoding_errors`` (lines),
        ``bad_jobs`` (non-numeric, negative or empty job counts; lines),
        ``bad_negative_flag`` (Ind Rais Negativa not 0/1; values),
        ``unknown_municipalities`` and ``unknown_classes`` (codes with their
        rows and jobs). A row is counted under its first problem in that
        order, so ``rows_read = rows_used + the excluded rows``.

    Raises
    ------
    InputError
        Missing file or column, undecodable header, or (``bad_rows="raise"``)
        the first unusable row.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ESTB2015.txt"
    >>> _ = path.write_bytes(
    ...     "Município;CNAE 2.0 Classe;Qtd Vínculos Ativos;Ind Rais Negativa\\n"
    ...     "351620;15319;12;0\\n351620;15319;0;1\\n351620;15394;3;0\\n"
    ...     .encode("latin-1"))
    >>> tables = read_rais_microdata(path)
    >>> tables.employment
    industry  15.3
    region
    3516200   15.0
    >>> tables.establishments
    industry  15.3
    region
    3516200    2.0
    >>> tables.report.rows_read, tables.report.rows_used
    (3, 3)
    """
    check_choice(industry_level, ("class", "group", "division"), "industry_level")
    check_choice(establishments, get_args(EstablishmentCount), "establishments")
    check_choice(bad_rows, get_args(BadRows), "bad_rows")
    key = str(encoding).lower().replace("_", "-")
    if key not in ENCODINGS:
        raise ConfigError(
            f"encoding={encoding!r} is not supported for RAIS microdata; use "
            "'latin-1' (the published files) or 'utf-8'"
        )
    duck_encoding, codec = ENCODINGS[key]
    if len(sep) != 1:
        raise ConfigError(f"sep={sep!r} must be a single character, e.g. ';'")
    files = expand_paths(paths)
    requested = {
        "municipality_column": municipality_column,
        "class_column": class_column,
        "jobs_column": jobs_column,
        "negative_column": negative_column,
    }
    with duckdb_connection(
        memory_limit, temp_directory, threads, "RAIS microdata"
    ) as connection:
        reads = [
            _read_file(
                connection,
                index,
                path,
                requested=requested,
                sep=sep,
                duck_encoding=duck_encoding,
                codec=codec,
                by_size=size_distribution,
            )
            for index, path in enumerate(files)
        ]
        municipalities = municipality_map(_distinct(connection, reads, "mun"), codes7)
        classes = class_map(_distinct(connection, reads, "cls"), cnae)
        _register_maps(connection, municipalities, classes, industry_level)
        tally = _new_tally(reads, establishments, encoding)
        parts = [
            _classify(
                connection,
                read,
                classes,
                tally,
                codec,
                sep,
                duck_encoding,
                bad_rows,
            )
            for read in reads
        ]
        used = pd.concat(parts, ignore_index=True)
        sizes = (
            size_table(
                [
                    size_rows(
                        connection,
                        _OUTCOMES.format(table=read.table),
                        establishments,
                    )
                    for read in reads
                ]
            )
            if size_distribution
            else None
        )
    report = _freeze(tally)
    if used.empty:
        raise InputError(
            f"{format_items(map(str, files), 3)}: no usable row "
            f"({report.summary() or 'no data rows'}); check the files and columns"
        )
    if bad_rows == "report":
        summary = report.summary()
        if summary:
            warnings.warn(summary, LpsGeoWarning, stacklevel=2)
    employment, counts = _tables(used, establishments)
    report = replace(
        report,
        jobs_used=float(employment.to_numpy().sum()),
        establishments_used=int(counts.to_numpy().sum()),
    )
    notes = (
        f"RAIS microdata: {report.rows_used:,} of {report.rows_read:,} rows "
        f"used from {len(files)} file(s); establishments = "
        f"{report.establishments_definition}",
    )
    logger.info(notes[0])
    return SizeTables(
        employment=employment,
        establishments=counts,
        notes=notes,
        report=report,
        size_distribution=sizes,
    )


class _FileRead:
    """What the DuckDB pass over one file returned."""

    def __init__(self, path, names, columns, table, rejects, index):
        self.path: Path = path
        self.names: list[str] = names
        self.columns: dict[str, int] = columns
        self.table: str = table  # DuckDB table: the rows grouped by their cells
        self.rejects: pd.DataFrame = rejects
        self.index: int = index


def _read_file(
    connection,
    index: int,
    path: Path,
    *,
    requested: dict[str, str | None],
    sep: str,
    duck_encoding: str,
    codec: str,
    by_size: bool = False,
) -> _FileRead:
    source = str(path)
    names = read_header(path, sep, codec)
    columns = {
        argument: resolve_column(names, wanted, argument, source)
        for argument, wanted in requested.items()
    }
    mun, cls, jobs, neg = (f"trim(c{columns[a]})" for a in requested)
    types = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(names))) + "}"
    rejects, scan = f"rejects_{index}", f"rejects_scan_{index}"
    # DuckDB validates only the bytes of the columns a query reads: in UTF-8
    # mode read them all, so that every invalid line is rejected and counted
    every = ", ".join(f"c{i}" for i in range(len(names)))
    touch = (
        f", sum(length(concat({every}))) AS _bytes" if duck_encoding == "utf-8" else ""
    )
    # with the size distribution, rows are grouped by their job count too
    size_key = (
        f"""CASE WHEN regexp_full_match(coalesce({jobs}, ''), '[0-9]{{1,15}}')
                THEN CAST({jobs} AS BIGINT) END AS size,"""
        if by_size
        else ""
    )
    query = f"""
        CREATE TEMP TABLE agg_{index} AS
        SELECT
            coalesce({mun}, '') AS mun,
            coalesce({cls}, '') AS cls,
            CASE
                WHEN regexp_full_match(coalesce({jobs}, ''), '[0-9]{{1,15}}')
                    THEN 'ok'
                WHEN coalesce({jobs}, '') = '' THEN 'empty'
                WHEN regexp_full_match({jobs}, '-[0-9]+') THEN 'negative'
                ELSE 'non-numeric'
            END AS status,
            coalesce({neg}, '') AS neg,
            {size_key}
            count(*) AS n_rows,
            CAST(sum(CASE
                WHEN regexp_full_match(coalesce({jobs}, ''), '[0-9]{{1,15}}')
                    THEN CAST({jobs} AS BIGINT) ELSE 0 END) AS DOUBLE) AS jobs
            {touch}
        FROM read_csv(
            {_sql_text(source)},
            sep = {_sql_text(sep)},
            header = true,
            auto_detect = false,
            columns = {types},
            encoding = {_sql_text(duck_encoding)},
            quote = '',
            escape = '',
            strict_mode = true,
            store_rejects = true,
            rejects_table = '{rejects}',
            rejects_scan = '{scan}'
        )
        GROUP BY ALL
    """
    logger.info("reading %s with DuckDB", source)
    import duckdb  # lazy, as in read_rais_microdata (already loaded there)

    try:
        connection.execute(query)
    except duckdb.Error as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        if "out of memory" in first.lower():
            raise InputError(
                f"{source}: DuckDB ran out of memory reading the file ({first}); "
                "raise [inputs.size] memory_limit (the size distribution of "
                "establishments needs more: one group per municipality, class "
                "and size) or free memory"
            ) from error
        raise InputError(
            f"{source}: DuckDB cannot read the file ({first}); check the file and "
            "[inputs.size] sep and encoding"
        ) from error
    rejected = connection.sql(
        f"SELECT line, column_name, error_type, error_message, csv_line "
        f"FROM {rejects} ORDER BY line"
    ).df()
    connection.execute(f"DROP TABLE {rejects}; DROP TABLE {scan}")
    rejected["error_type"] = rejected["error_type"].astype(str)
    rejected = rejected.drop_duplicates("line", keep="first")
    return _FileRead(path, names, columns, f"agg_{index}", rejected, index)


def _distinct(connection, reads: list[_FileRead], column: str) -> list[str]:
    union = " UNION ".join(f"SELECT DISTINCT {column} FROM {r.table}" for r in reads)
    return sorted(str(value) for (value,) in connection.sql(union).fetchall())


def _register_maps(
    connection,
    municipalities: dict[str, str | None],
    classes: dict[str, tuple[str | None, str]],
    level: IndustryLevel,
) -> None:
    """Load the code maps into DuckDB as tables ``mun_map`` and ``cls_map``."""
    target = {
        raw: None
        if code is None
        else (code if level == "class" else cnae_parent(code, level))
        for raw, (code, _) in classes.items()
    }
    frames = {
        "mun_map": pd.DataFrame(
            {"mun": list(municipalities), "region": list(municipalities.values())},
            dtype=object,
        ),
        "cls_map": pd.DataFrame(
            {"cls": list(target), "industry": list(target.values())}, dtype=object
        ),
    }
    for name, frame in frames.items():
        connection.register(f"{name}_frame", frame)
        key, value = frame.columns
        connection.execute(
            f"CREATE TEMP TABLE {name} AS SELECT CAST({key} AS VARCHAR) AS {key}, "
            f"CAST({value} AS VARCHAR) AS {value} FROM {name}_frame"
        )
        connection.unregister(f"{name}_frame")


def _bad_jobs_lines(
    connection, read: _FileRead, sep: str, duck_encoding: str, codec: str, limit: int
) -> list[dict[str, Any]]:
    """File lines of the first ``limit`` unusable job counts.

    A second DuckDB pass with the jobs column typed as an unsigned integer
    rejects the non-numeric, negative and empty cells with their lines; job
    counts DuckDB would still cast (``1.5``, ``1e2``) are found by a Python
    scan of the file instead.
    """
    jobs = read.columns["jobs_column"]
    types = ", ".join(
        f"'c{i}': '{'UBIGINT' if i == jobs else 'VARCHAR'}'"
        for i in range(len(read.names))
    )
    table, scan = f"jobs_rejects_{read.index}", f"jobs_rejects_scan_{read.index}"
    connection.execute(
        f"""
        SELECT sum(c{jobs}) FROM read_csv(
            {_sql_text(str(read.path))}, sep = {_sql_text(sep)}, header = true,
            auto_detect = false, columns = {{{types}}},
            encoding = {_sql_text(duck_encoding)}, quote = '', escape = '',
            strict_mode = true, force_not_null = ['c{jobs}'],
            store_rejects = true, rejects_table = '{table}', rejects_scan = '{scan}'
        )
        """
    ).fetchall()
    rows = connection.sql(
        f"SELECT line, csv_line FROM {table} WHERE error_type = 'CAST' "
        f"ORDER BY line LIMIT {int(limit)}"
    ).fetchall()
    connection.execute(f"DROP TABLE {table}; DROP TABLE {scan}")
    total = connection.sql(
        f"SELECT coalesce(sum(n_rows), 0) FROM {read.table} WHERE status <> 'ok'"
    ).fetchall()[0][0]
    hits = []
    for line, text in rows:
        value = str(text).strip("\r\n").split(sep)[jobs].strip(" ")
        hits.append({"line": int(line), "value": value, "reason": jobs_problem(value)})
    if len(hits) < min(int(total), limit):
        hits = scan_lines(
            read.path,
            sep=sep,
            codec=codec,
            n_columns=len(read.names),
            checks=[(jobs, jobs_problem)],
            structural=False,
            limit=limit,
        )
    return hits


def _new_tally(reads, establishments, encoding) -> dict[str, Any]:
    """The counters :func:`_classify` fills, keyed as :class:`RaisReport`."""
    return {
        "files": [{"path": str(read.path)} for read in reads],
        "encoding": str(encoding),
        "columns": {
            argument: reads[0].names[index]
            for argument, index in reads[0].columns.items()
        },
        "establishments_definition": (
            "rows with Ind Rais Negativa = 0"
            if establishments == "active"
            else "all rows (negative declarations included)"
        ),
        "rows_read": 0,
        "rows_used": 0,
        "jobs_used": 0.0,
        "establishments_used": 0,
        "negative_declarations": 0,
        "malformed_rows": {"count": 0, "first": []},
        "encoding_errors": {"count": 0, "first": []},
        "bad_jobs": {"count": 0, "by_reason": {}, "first": []},
        "bad_negative_flag": {"count": 0, "values": {}},
        "unknown_municipalities": {"rows": 0, "jobs": 0.0, "codes": []},
        "unknown_classes": {"rows": 0, "jobs": 0.0, "codes": []},
    }


def _freeze(tally: dict[str, Any]) -> RaisReport:
    """The frozen report of the counted rows, with the rows excluded."""
    excluded = (
        tally["malformed_rows"]["count"]
        + tally["encoding_errors"]["count"]
        + tally["bad_jobs"]["count"]
        + tally["bad_negative_flag"]["count"]
        + tally["unknown_municipalities"]["rows"]
        + tally["unknown_classes"]["rows"]
    )
    if tally["rows_used"] + excluded != tally["rows_read"]:  # pragma: no cover
        raise RuntimeError("RAIS row accounting does not add up")
    return RaisReport(
        **{**tally, "files": tuple(tally["files"])}, rows_excluded=excluded
    )


def _raise_first(
    read: _FileRead,
    codec: str,
    sep: str,
    bad_municipalities: set[str],
    bad_classes: dict[str, str],
) -> None:
    """Raise an InputError on the first unusable line of a file."""
    columns = read.columns
    checks: list[Check] = [
        (columns["jobs_column"], lambda v: reason_jobs(v)),
        (
            columns["negative_column"],
            lambda v: None if v in ("0", "1") else f"{v!r} is not 0 or 1",
        ),
        (
            columns["municipality_column"],
            lambda v: (
                f"unknown municipality code {v!r}" if v in bad_municipalities else None
            ),
        ),
        (
            columns["class_column"],
            lambda v: f"{v!r}: {bad_classes[v]}" if v in bad_classes else None,
        ),
    ]
    hits = scan_lines(
        read.path,
        sep=sep,
        codec=codec,
        n_columns=len(read.names),
        checks=checks,
        structural=True,
        limit=1,
    )
    source = str(read.path)
    fix = (
        'fix the row, or set [inputs.size] bad_rows = "report" to leave such '
        "rows out and count them"
    )
    if not hits:  # pragma: no cover - the scan mirrors DuckDB's split
        raise InputError(f"{source}: unusable rows found; {fix}")
    hit = hits[0]
    line = hit["line"]
    rejected = read.rejects[read.rejects["line"] == line]
    if len(rejected):
        row = rejected.iloc[0]
        if row["error_type"] == "INVALID ENCODING":
            raise InputError(
                f"{source}: line {line} is not valid {codec.upper()}; RAIS files "
                'are Latin-1: set [inputs.size] encoding = "latin-1"'
            )
        raise InputError(
            f"{source}: line {line}: malformed row ({row['error_type'].lower()}: "
            f"{row['error_message']}); {fix}"
        )
    if hit["column"] is None:
        raise InputError(f"{source}: line {line}: {hit['reason']}; {fix}")
    column = read.names[hit["column"]]
    raise InputError(
        f"{source}: line {line}, column {column!r}: {hit['reason']}; {fix}"
    )


_OUTCOMES = """
    WITH rows AS (
        SELECT a.*, m.region, c.industry,
            CASE
                WHEN a.status <> 'ok' THEN 'jobs'
                WHEN a.neg NOT IN ('0', '1') THEN 'flag'
                WHEN m.region IS NULL THEN 'mun'
                WHEN c.industry IS NULL THEN 'cls'
                ELSE 'used'
            END AS outcome
        FROM {table} AS a
        LEFT JOIN mun_map AS m ON a.mun = m.mun
        LEFT JOIN cls_map AS c ON a.cls = c.cls
    )
"""


def _classify(
    connection,
    read: _FileRead,
    classes: dict[str, tuple[str | None, str]],
    tally: dict[str, Any],
    codec: str,
    sep: str,
    duck_encoding: str,
    bad_rows: BadRows,
) -> pd.DataFrame:
    """Split one file's rows into used ones and counted problems (in SQL)."""
    source = str(read.path)
    rejects = read.rejects
    encoding_bad = rejects[rejects["error_type"] == "INVALID ENCODING"]
    malformed = rejects[rejects["error_type"] != "INVALID ENCODING"]
    outcomes = _OUTCOMES.format(table=read.table)
    problems = connection.sql(
        outcomes
        + """
        SELECT outcome,
            CASE outcome WHEN 'jobs' THEN status WHEN 'flag' THEN neg
                WHEN 'mun' THEN mun ELSE cls END AS code,
            CAST(sum(n_rows) AS BIGINT) AS n_rows, sum(jobs) AS jobs
        FROM rows WHERE outcome <> 'used' GROUP BY ALL ORDER BY ALL
        """
    ).df()
    used = connection.sql(
        outcomes
        + """
        SELECT region, industry, sum(jobs) AS employment,
            CAST(sum(CASE WHEN neg = '0' THEN n_rows ELSE 0 END) AS DOUBLE) AS active,
            CAST(sum(n_rows) AS DOUBLE) AS all_rows,
            CAST(sum(CASE WHEN neg = '1' THEN n_rows ELSE 0 END) AS BIGINT)
                AS negative
        FROM rows WHERE outcome = 'used' GROUP BY ALL
        """
    ).df()
    (rows_in_table,) = connection.sql(
        f"SELECT coalesce(sum(n_rows), 0) FROM {read.table}"
    ).fetchall()[0]

    def part(outcome: str) -> pd.DataFrame:
        return problems[problems["outcome"] == outcome]

    if bad_rows == "raise" and (len(rejects) or len(problems)):
        _raise_first(
            read,
            codec,
            sep,
            set(part("mun")["code"]),
            {raw: classes[raw][1] for raw in part("cls")["code"]},
        )

    rows_read = int(rows_in_table) + len(rejects)
    rows_used = int(used["all_rows"].sum())
    tally["files"][read.index].update(rows_read=rows_read, rows_used=rows_used)
    tally["rows_read"] += rows_read
    tally["rows_used"] += rows_used
    tally["negative_declarations"] += int(used["negative"].sum())

    entry = tally["malformed_rows"]
    entry["count"] += len(malformed)
    for row in malformed.head(MAX_LISTED - len(entry["first"])).itertuples():
        entry["first"].append(
            {
                "file": source,
                "line": int(row.line),
                "reason": f"{row.error_type.lower()}: {row.error_message}",
                "text": str(row.csv_line).strip("\r\n")[:200],
            }
        )
    entry = tally["encoding_errors"]
    entry["count"] += len(encoding_bad)
    for row in encoding_bad.head(MAX_LISTED - len(entry["first"])).itertuples():
        entry["first"].append(
            {"file": source, "line": int(row.line), "reason": row.error_message}
        )

    entry = tally["bad_jobs"]
    bad_jobs = part("jobs")
    entry["count"] += int(bad_jobs["n_rows"].sum())
    for status, n in zip(bad_jobs["code"], bad_jobs["n_rows"], strict=True):
        entry["by_reason"][status] = entry["by_reason"].get(status, 0) + int(n)
    room = MAX_LISTED - len(entry["first"])
    if len(bad_jobs) and room > 0:
        hits = _bad_jobs_lines(connection, read, sep, duck_encoding, codec, room)
        entry["first"].extend(
            {
                "file": source,
                "line": h["line"],
                "value": h["value"],
                "reason": h["reason"],
            }
            for h in hits
        )

    entry = tally["bad_negative_flag"]
    for value, n in zip(part("flag")["code"], part("flag")["n_rows"], strict=True):
        entry["count"] += int(n)
        entry["values"][value] = entry["values"].get(value, 0) + int(n)

    for key, outcome in (("unknown_municipalities", "mun"), ("unknown_classes", "cls")):
        entry = tally[key]
        frame = part(outcome)
        entry["rows"] += int(frame["n_rows"].sum())
        entry["jobs"] += float(frame["jobs"].sum())
        listed = {item["code"]: item for item in entry["codes"]}
        for code, n, jobs in zip(
            frame["code"], frame["n_rows"], frame["jobs"], strict=True
        ):
            item = listed.setdefault(code, {"code": code, "rows": 0, "jobs": 0.0})
            item["rows"] += int(n)
            item["jobs"] += float(jobs)
            if key == "unknown_classes":
                item["reason"] = classes[code][1]
        entry["codes"] = sorted(listed.values(), key=lambda i: (-i["rows"], i["code"]))
    return used


def _tables(
    used: pd.DataFrame, establishments: EstablishmentCount
) -> tuple[pd.DataFrame, pd.DataFrame]:
    column = "active" if establishments == "active" else "all_rows"
    long = pd.DataFrame(
        {
            "region": used["region"].astype(str),
            "industry": used["industry"].astype(str),
            "employment": used["employment"].astype(float),
            "establishments": used[column].astype(float),
        }
    )
    sums = long.groupby(["region", "industry"], sort=True)[
        ["employment", "establishments"]
    ].sum()
    out = []
    for measure in ("employment", "establishments"):
        table = sums[measure].unstack("industry", fill_value=0.0).astype(float)
        table.index.name = "region"
        table.columns.name = "industry"
        out.append(table.sort_index(axis=0).sort_index(axis=1))
    return out[0], out[1]
