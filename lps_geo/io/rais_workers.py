"""RAIS worker records (Vínculos): workforce profile per region x industry in one pass.

RAIS also publishes one row per job ("RAIS Vínculos"). Two layouts are read:

* ``"pdet"`` -- the public MTE/PDET text files (``SP2015.txt``,
  ``RAIS_VINC_PUB_SUL.txt`` ...): ``;``-separated Latin-1 text with a header,
  decimal comma (``0000001234,56``), 6-digit municipality codes;
* ``"basedosdados"`` -- the column names of the Base dos Dados table
  ``br_me_rais.microdados_vinculos`` exported as CSV: ``,``-separated UTF-8,
  decimal point, 7-digit ``id_municipio``.

The columns used (:data:`WORKER_COLUMNS`) are the municipality, the CNAE 2.0
class or subclass, the active-on-31-December flag (optional: when absent
every row is taken as active and the report says so), the mean nominal
wage of the year, the schooling code after 2005 (1-11; 7 = "médio
completo") and the CBO 2002 occupation (6 digits; major groups 2 and 3 are
the scientific and technical occupations). :func:`read_rais_workers` groups
the rows in DuckDB (files larger than memory spill to disk) and keeps a
row-level report as :func:`~lps_geo.io.read_rais_microdata` does: every row
read is used or excluded under exactly one counted problem, with the lines
at fault. :func:`relative_wage` compares each region's mean wage with its
industry's in a reference area.
"""

from __future__ import annotations

import copy
import logging
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar, get_args

import pandas as pd

from lps_geo.errors import ConfigError, InputError, InputFixWarning
from lps_geo.io._util import check_choice, format_items, format_quoted
from lps_geo.io.cnae import cnae_parent
from lps_geo.io.cnae_table import CnaeTable
from lps_geo.io.rais_layout import duckdb_connection, expand_paths, municipality_map
from lps_geo.io.rais_workers_layout import (
    LAYOUT_DEFAULTS,
    MAX_LISTED,
    NEGATIVE_PATTERN,
    OCCUPATION_PATTERN,
    PROBLEMS,
    SCHOOLING_PATTERN,
    SECONDARY_COMPLETE,
    TECHNICAL_MAJOR_GROUPS,
    WAGE_PATTERNS,
    WORKER_COLUMNS,
    WorkerFile,
    detect_layout,
    industry_class,
    resolve_file,
    scan_problem_lines,
)
from lps_geo.vocab import BadRows, DecimalMark, IndustryLevel, WorkerLayout

__all__ = [
    "LAYOUT_DEFAULTS",
    "PROBLEMS",
    "SECONDARY_COMPLETE",
    "TECHNICAL_MAJOR_GROUPS",
    "WORKER_COLUMNS",
    "WorkerLayout",
    "WorkerProfile",
    "WorkerReport",
    "detect_layout",
    "industry_class",
    "read_rais_workers",
    "relative_wage",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerReport:
    """Row-level account of :func:`read_rais_workers`.

    Attributes
    ----------
    files
        Per file: ``path``, ``layout``, ``sep``, ``encoding``, ``decimal``,
        ``columns`` (role -> header name), ``rows_read``, ``rows_used``.
    rows_read, rows_used, rows_excluded
        ``rows_read = rows_used + rows_excluded``.
    excluded
        Problem (:data:`PROBLEMS`) -> ``count`` and ``first`` lines (file,
        line, value, reason); ``bad_active_flag`` adds the ``values``,
        ``bad_wage`` the counts ``by_reason``, the unknown codes their
        ``codes`` with rows. ``inactive`` are the jobs not active on 31/12.
    wages
        Rows used with a positive wage (in the mean), a zero wage and an
        empty one (both left out of the wage mean).
    schooling_unknown, occupation_unknown
        Rows used whose schooling (not 1-11) or occupation (not 6 digits)
        is unknown, left out of that share; ``values`` with their counts.
    assumptions
        What the reader assumed (e.g. no activity column: all active).
    """

    reader: ClassVar[str] = "rais_workers"

    files: tuple[Mapping[str, Any], ...]
    rows_read: int
    rows_used: int
    rows_excluded: int
    excluded: Mapping[str, Mapping[str, Any]]
    wages: Mapping[str, int]
    schooling_unknown: Mapping[str, Any]
    occupation_unknown: Mapping[str, Any]
    assumptions: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict for the run report."""
        out: dict[str, Any] = {"reader": self.reader}
        for item in fields(self):
            out[item.name] = copy.deepcopy(getattr(self, item.name))
        out["files"], out["assumptions"] = list(out["files"]), list(out["assumptions"])
        return out

    def summary(self) -> str:
        """One line naming the rows left out for a problem ("" when none was)."""
        parts = []
        for problem in PROBLEMS:
            entry = self.excluded[problem]
            if not entry["count"] or problem == "inactive":
                continue
            where = [f"{item['file']}:{item['line']}" for item in entry["first"]]
            codes = [item["code"] for item in entry.get("codes", [])]
            shown = format_items(where, 3) if where else format_quoted(codes, 3)
            parts.append(f"{entry['count']} {problem.replace('_', ' ')} ({shown})")
        if not parts:
            return ""
        return (
            f"RAIS worker records: {self.rows_excluded:,} of {self.rows_read:,} "
            f"rows left out: {'; '.join(parts)}"
        )


@dataclass(frozen=True, eq=False)
class WorkerProfile:
    """Workforce characteristics per (region, industry) from RAIS worker records.

    Attributes
    ----------
    totals
        Additive counts, indexed by (``region``: IBGE 7 digits,
        ``industry``): ``workers`` (rows used: active jobs),
        ``wage_workers`` (with a positive wage), ``wage_sum`` (sum of their
        mean wages), ``zero_wages``, ``missing_wages``, ``schooling_known``,
        ``secondary_complete`` (schooling code >= 7), ``occupation_known``,
        ``technical`` (CBO major group 2 or 3). Sum them over regions to
        recompute any ratio for a larger area.
    measures
        Same index: ``workers``, ``mean_wage`` = wage_sum / wage_workers,
        ``secondary_share`` = secondary_complete / schooling_known,
        ``technical_share`` = technical / occupation_known (NaN when the
        denominator is 0).
    industry_level
        ``"class"``, ``"group"`` or ``"division"``.
    report
        The :class:`WorkerReport`.
    """

    totals: pd.DataFrame
    measures: pd.DataFrame
    industry_level: IndustryLevel
    report: WorkerReport = field(repr=False)

    def __repr__(self) -> str:
        regions = self.totals.index.get_level_values("region").nunique()
        industries = self.totals.index.get_level_values("industry").nunique()
        return (
            f"<WorkerProfile: {regions} regions x {industries} industries "
            f"({self.industry_level}), {int(self.totals['workers'].sum()):,} "
            f"workers from {len(self.report.files)} file(s)>"
        )


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _read(connection, read: WorkerFile) -> None:
    """Group one file's rows by their cells' statuses in one DuckDB scan."""
    import duckdb

    col = read.columns

    def cell(role: str) -> str:
        return f"trim(trim(coalesce(c{col[role]}, '')), '\"')"

    industry = cell("class") if "class" in col else cell("subclass")
    active = cell("active") if "active" in col else "'1'"
    ok, wrong = WAGE_PATTERNS[read.decimal]
    types = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(read.names)))
    every = ", ".join(f"c{i}" for i in range(len(read.names)))
    touch = f", sum(length(concat({every}))) AS _bytes" if read.duck == "utf-8" else ""
    rejects, scan = f"rejects_{read.index}", f"rejects_scan_{read.index}"
    query = f"""
        CREATE TEMP TABLE {read.table} AS
        WITH cells AS (
            SELECT {cell("municipality")} AS mun, {industry} AS ind, {active} AS act,
                {cell("wage")} AS wage, {cell("schooling")} AS school,
                {cell("occupation")} AS occ{", " + every if touch else ""}
            FROM read_csv({_sql_text(str(read.path))}, sep = {_sql_text(read.sep)},
                header = true, auto_detect = false, columns = {{{types}}},
                encoding = {_sql_text(read.duck)}, quote = '', escape = '',
                strict_mode = true, store_rejects = true,
                rejects_table = '{rejects}', rejects_scan = '{scan}')
        ), typed AS (
            SELECT *, regexp_full_match(wage, '{ok}') AS wage_ok,
                regexp_full_match(school, '{SCHOOLING_PATTERN}') AS school_ok,
                regexp_full_match(occ, '{OCCUPATION_PATTERN}') AND occ <> '000000'
                    AS occ_ok
            FROM cells
        )
        SELECT mun, ind,
            CASE act WHEN '1' THEN 'active' WHEN '0' THEN 'inactive' ELSE 'bad' END
                AS act_status,
            CASE WHEN act IN ('0', '1') THEN '' ELSE act END AS act_raw,
            CASE
                WHEN wage = '' THEN 'missing'
                WHEN wage_ok AND TRY_CAST(replace(wage, ',', '.') AS DOUBLE) > 0
                    THEN 'positive'
                WHEN wage_ok THEN 'zero'
                WHEN regexp_full_match(wage, '{NEGATIVE_PATTERN}') THEN 'negative'
                WHEN regexp_full_match(wage, '{wrong}') THEN 'wrong decimal mark'
                ELSE 'non-numeric'
            END AS wage_status,
            CASE WHEN NOT school_ok THEN 'unknown'
                WHEN TRY_CAST(school AS INTEGER) >= {SECONDARY_COMPLETE} THEN 'high'
                ELSE 'low' END AS school_class,
            CASE WHEN school_ok THEN '' ELSE school END AS school_raw,
            CASE WHEN NOT occ_ok THEN 'unknown'
                WHEN substr(occ, 1, 1) IN {tuple(TECHNICAL_MAJOR_GROUPS)} THEN 'tech'
                ELSE 'other' END AS occ_class,
            CASE WHEN occ_ok THEN '' ELSE occ END AS occ_raw,
            CAST(count(*) AS BIGINT) AS n_rows,
            sum(CASE WHEN wage_ok THEN TRY_CAST(replace(wage, ',', '.') AS DOUBLE)
                ELSE 0 END) AS wage_sum
            {touch}
        FROM typed
        GROUP BY ALL
    """
    logger.info("reading %s (%s layout) with DuckDB", read.path, read.layout)
    try:
        connection.execute(query)
    except duckdb.Error as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise InputError(
            f"{read.path}: DuckDB cannot read the file ({first}); check the file, "
            "sep= and encoding="
        ) from error
    rejected = connection.sql(
        f"SELECT line, error_type, error_message, csv_line FROM {rejects} ORDER BY line"
    ).df()
    connection.execute(f"DROP TABLE {rejects}; DROP TABLE {scan}")
    rejected["error_type"] = rejected["error_type"].astype(str)
    read.rejects = rejected.drop_duplicates("line", keep="first")


def _register(connection, name: str, key: str, value: str, mapping: dict) -> None:
    frame = pd.DataFrame(
        {key: list(mapping), value: list(mapping.values())}, dtype=object
    )
    connection.register(f"{name}_frame", frame)
    connection.execute(
        f"CREATE TEMP TABLE {name} AS SELECT CAST({key} AS VARCHAR) AS {key}, "
        f"CAST({value} AS VARCHAR) AS {value} FROM {name}_frame"
    )
    connection.unregister(f"{name}_frame")


_OUTCOMES = """
    WITH rows AS (
        SELECT a.*, m.region, c.industry,
            CASE
                WHEN a.act_status = 'bad' THEN 'bad_active_flag'
                WHEN a.act_status = 'inactive' THEN 'inactive'
                WHEN a.wage_status IN ('negative', 'non-numeric', 'wrong decimal mark')
                    THEN 'bad_wage'
                WHEN m.region IS NULL THEN 'unknown_municipalities'
                WHEN c.industry IS NULL THEN 'unknown_industries'
                ELSE 'used'
            END AS outcome
        FROM {table} AS a
        LEFT JOIN mun_map AS m ON a.mun = m.mun
        LEFT JOIN ind_map AS c ON a.ind = c.ind
    )
"""

_USED = """
    SELECT region, industry,
        sum(n_rows) AS workers,
        coalesce(sum(n_rows) FILTER (wage_status = 'positive'), 0) AS wage_workers,
        coalesce(sum(wage_sum) FILTER (wage_status = 'positive'), 0) AS wage_sum,
        coalesce(sum(n_rows) FILTER (wage_status = 'zero'), 0) AS zero_wages,
        coalesce(sum(n_rows) FILTER (wage_status = 'missing'), 0) AS missing_wages,
        coalesce(sum(n_rows) FILTER (school_class <> 'unknown'), 0) AS schooling_known,
        coalesce(sum(n_rows) FILTER (school_class = 'high'), 0) AS secondary_complete,
        coalesce(sum(n_rows) FILTER (occ_class <> 'unknown'), 0) AS occupation_known,
        coalesce(sum(n_rows) FILTER (occ_class = 'tech'), 0) AS technical
    FROM rows WHERE outcome = 'used' GROUP BY ALL
"""


def _new_tally(reads: list[WorkerFile]) -> dict[str, Any]:
    excluded: dict[str, dict[str, Any]] = {
        p: {"count": 0, "first": []} for p in PROBLEMS
    }
    excluded["bad_active_flag"]["values"] = {}
    excluded["bad_wage"]["by_reason"] = {}
    excluded["unknown_municipalities"]["codes"] = []
    excluded["unknown_industries"]["codes"] = []
    files = [
        {
            "path": str(r.path),
            "layout": r.layout,
            "sep": r.sep,
            "encoding": r.duck,
            "decimal": r.decimal,
            "columns": {role: r.names[i] for role, i in r.columns.items()},
        }
        for r in reads
    ]
    return {
        "files": files,
        "rows_read": 0,
        "rows_used": 0,
        "excluded": excluded,
        "wages": {"positive": 0, "zero": 0, "missing": 0},
        "schooling_unknown": {"count": 0, "values": {}},
        "occupation_unknown": {"count": 0, "values": {}},
    }


def _raise_first(read: WorkerFile, bad_mun: set[str], bad_ind: set[str]) -> None:
    wanted = dict.fromkeys(("structural", *PROBLEMS[2:]), 1)
    wanted.pop("inactive")
    hits = scan_problem_lines(read, wanted, bad_mun, bad_ind)
    fix = 'fix the row, or pass bad_rows="report" to leave such rows out and count them'
    if not hits:  # pragma: no cover - the scan mirrors DuckDB's split
        raise InputError(f"{read.path}: unusable rows found; {fix}")
    hit = min(hits, key=lambda h: h["line"])
    where = f", column {hit['column']!r}" if hit["column"] else ""
    value = f" {hit['value']!r}" if hit["value"] is not None else ""
    raise InputError(
        f"{read.path}: line {hit['line']}{where}: {hit['reason']}{value}; {fix}"
    )


def _classify(connection, read: WorkerFile, tally: dict[str, Any], bad_rows: BadRows):
    """Split one file's rows into the used ones and counted problems (in SQL)."""
    outcomes = _OUTCOMES.format(table=read.table)
    problems = connection.sql(
        outcomes
        + """
        SELECT outcome, CASE outcome WHEN 'bad_active_flag' THEN act_raw
            WHEN 'bad_wage' THEN wage_status WHEN 'unknown_municipalities' THEN mun
            WHEN 'unknown_industries' THEN ind ELSE '' END AS code,
            CAST(sum(n_rows) AS BIGINT) AS n_rows
        FROM rows WHERE outcome <> 'used' GROUP BY ALL ORDER BY ALL
        """
    ).df()
    used = connection.sql(outcomes + _USED).df()
    unknown = connection.sql(
        outcomes
        + """
        SELECT 'schooling' AS what, school_raw AS value, sum(n_rows) AS n FROM rows
            WHERE outcome = 'used' AND school_class = 'unknown' GROUP BY ALL
        UNION ALL
        SELECT 'occupation', occ_raw, sum(n_rows) FROM rows
            WHERE outcome = 'used' AND occ_class = 'unknown' GROUP BY ALL
        """
    ).df()
    (total,) = connection.sql(
        f"SELECT coalesce(sum(n_rows), 0) FROM {read.table}"
    ).fetchall()[0]
    faults = problems[problems["outcome"] != "inactive"]
    bad_mun = set(problems.loc[problems["outcome"] == "unknown_municipalities", "code"])
    bad_ind = set(problems.loc[problems["outcome"] == "unknown_industries", "code"])
    if bad_rows == "raise" and (len(read.rejects) or len(faults)):
        _raise_first(read, bad_mun, bad_ind)

    rows_read = int(total) + len(read.rejects)
    rows_used = int(used["workers"].sum())
    tally["files"][read.index].update(rows_read=rows_read, rows_used=rows_used)
    tally["rows_read"] += rows_read
    tally["rows_used"] += rows_used
    excluded = tally["excluded"]
    for row in read.rejects.itertuples():
        problem = (
            "encoding_errors"
            if row.error_type == "INVALID ENCODING"
            else "malformed_rows"
        )
        entry = excluded[problem]
        entry["count"] += 1
        if len(entry["first"]) < MAX_LISTED:
            entry["first"].append(
                {
                    "file": str(read.path),
                    "line": int(row.line),
                    "reason": f"{row.error_type.lower()}: {row.error_message}",
                    "text": str(row.csv_line).strip("\r\n")[:200],
                }
            )
    for outcome, code, n in problems.itertuples(index=False):
        entry = excluded[outcome]
        entry["count"] += int(n)
        if outcome == "bad_active_flag":
            entry["values"][code] = entry["values"].get(code, 0) + int(n)
        elif outcome == "bad_wage":
            entry["by_reason"][code] = entry["by_reason"].get(code, 0) + int(n)
        elif outcome.startswith("unknown"):
            listed = {item["code"]: item for item in entry["codes"]}
            item = listed.setdefault(code, {"code": code, "rows": 0})
            item["rows"] += int(n)
            entry["codes"] = sorted(
                listed.values(), key=lambda i: (-i["rows"], i["code"])
            )
    wanted = {
        p: min(
            int(faults.loc[faults["outcome"] == p, "n_rows"].sum()),
            MAX_LISTED - len(excluded[p]["first"]),
        )
        for p in PROBLEMS[2:]
        if p != "inactive"
    }
    if any(n > 0 for n in wanted.values()):
        for hit in scan_problem_lines(read, wanted, bad_mun, bad_ind):
            excluded[hit.pop("problem")]["first"].append(hit)
    for key in ("positive", "zero", "missing"):
        column = {"positive": "wage_workers", "zero": "zero_wages"}.get(
            key, "missing_wages"
        )
        tally["wages"][key] += int(used[column].sum())
    for what, value, n in unknown.itertuples(index=False):
        entry = tally[f"{what}_unknown"]
        entry["count"] += int(n)
        entry["values"][value] = entry["values"].get(value, 0) + int(n)
    return used


_COUNTS = [
    "workers",
    "wage_workers",
    "wage_sum",
    "zero_wages",
    "missing_wages",
    "schooling_known",
    "secondary_complete",
    "occupation_known",
    "technical",
]


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return numerator.astype(float).div(denominator.where(denominator > 0))


def read_rais_workers(
    paths: str | Path | Sequence[str | Path],
    *,
    layout: WorkerLayout = "auto",
    industry_level: IndustryLevel = "group",
    cnae: CnaeTable | None = None,
    codes7: Iterable[Any] | None = None,
    municipality_column: str | None = None,
    class_column: str | None = None,
    subclass_column: str | None = None,
    active_column: str | None = None,
    wage_column: str | None = None,
    schooling_column: str | None = None,
    occupation_column: str | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    decimal: DecimalMark | None = None,
    bad_rows: BadRows = "report",
    memory_limit: str | None = None,
    temp_directory: str | Path | None = None,
    threads: int | None = None,
) -> WorkerProfile:
    """Workers, mean wage, schooling and occupation by region x CNAE from RAIS Vínculos.

    Reads every file with DuckDB (all cells as text, separator, header and
    encoding explicit), groups the rows by their cells' statuses in SQL and
    maps municipality and CNAE codes on the small aggregate, so files far
    larger than memory are read in one pass.

    Per (region, industry), over the rows used (jobs active on 31/12):

    * ``mean_wage`` = sum of the mean nominal wages / the workers with a
      positive one (zero and empty wages are counted and left out);
    * ``secondary_share`` = workers with schooling code >= 7 (médio completo
      or more) / workers with a schooling code 1-11;
    * ``technical_share`` = workers in CBO 2002 major groups 2 or 3 /
      workers with a 6-digit CBO code.

    Parameters
    ----------
    paths
        One file, a glob pattern (PDET files come per state or region) or a
        list of either.
    layout
        ``"auto"`` (from each file's header), ``"pdet"`` or ``"basedosdados"``.
    industry_level
        ``"class"``, ``"group"`` or ``"division"``.
    cnae
        Classification table: classes absent from it are unknown industries.
    codes7
        IBGE 7-digit codes the municipality codes (6 digits in PDET files, 7
        in Base dos Dados) must be among; without it the IBGE check digit is
        used. ``999999`` ("Ignorado") is always unknown.
    municipality_column, class_column, subclass_column, active_column, \
wage_column, schooling_column, occupation_column
        Header names; default :data:`WORKER_COLUMNS` of the layout. The
        class column is used when present, else the subclass (cut to its
        class). Without an activity column every row is taken as active,
        and ``report.assumptions`` says so.
    encoding, sep, decimal
        Default per layout (:data:`LAYOUT_DEFAULTS`): PDET ``latin-1``,
        ``;``, ``,``; Base dos Dados ``utf-8``, ``,``, ``.``.
    bad_rows
        ``"report"``: unusable rows are left out, counted in the report and
        summarised in one :class:`~lps_geo.errors.InputFixWarning`;
        ``"raise"``: the first one raises an InputError naming file, line,
        column and value.
    memory_limit, temp_directory, threads
        DuckDB settings; beyond the limit DuckDB spills to ``temp_directory``.

    Returns
    -------
    WorkerProfile
        ``totals`` and ``measures`` indexed by (region, industry), and the
        :class:`WorkerReport`: each row is used or excluded for the first of
        :data:`PROBLEMS` it has (malformed line, invalid encoding, activity
        flag not 0/1, inactive job, negative or non-numeric wage or the
        wrong decimal mark, unknown municipality, unknown CNAE), so
        ``rows_read = rows_used + rows_excluded``.

    Raises
    ------
    InputError
        Missing file or column, undecodable header, no usable row, or
        (``bad_rows="raise"``) the first unusable row.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "rais.csv"
    >>> _ = path.write_text(
    ...     "id_municipio,cnae_2_subclasse,valor_remuneracao_media,"
    ...     "grau_instrucao_apos_2005,cbo_2002\\n"
    ...     "3516200,1531901,2000.5,7,313005\\n3516200,1531902,1000,5,764305\\n"
    ...     "3516200,1531902,0,9,214905\\n")
    >>> profile = read_rais_workers(path)
    >>> profile.measures.round(4)
                      workers  mean_wage  secondary_share  technical_share
    region  industry
    3516200 15.3            3    1500.25           0.6667           0.6667
    >>> profile.report.assumptions[0][:45]
    'rais.csv: no activity column (vinculo_ativo_3'
    """
    check_choice(layout, get_args(WorkerLayout), "layout")
    check_choice(industry_level, get_args(IndustryLevel), "industry_level")
    check_choice(bad_rows, get_args(BadRows), "bad_rows")
    if decimal is not None:
        check_choice(decimal, (",", "."), "decimal")
    if sep is not None and len(sep) != 1:
        raise ConfigError(f"sep={sep!r} must be a single character, e.g. ';'")
    if not isinstance(paths, (str, Path)) and not list(paths):
        raise InputError("read_rais_workers: no file given; pass paths=")
    requested = {
        "municipality": municipality_column,
        "class": class_column,
        "subclass": subclass_column,
        "active": active_column,
        "wage": wage_column,
        "schooling": schooling_column,
        "occupation": occupation_column,
    }
    reads = [
        resolve_file(i, path, layout, sep, encoding, decimal, requested)
        for i, path in enumerate(expand_paths(paths))
    ]
    with duckdb_connection(
        memory_limit, temp_directory, threads, "RAIS worker records"
    ) as connection:
        for read in reads:
            _read(connection, read)
        mun = _distinct(connection, reads, "mun")
        ind = _distinct(connection, reads, "ind")
        classes = {raw: industry_class(raw, cnae)[0] for raw in ind}
        target = {
            raw: None if code is None else cnae_parent(code, industry_level)
            for raw, code in classes.items()
        }
        _register(connection, "mun_map", "mun", "region", municipality_map(mun, codes7))
        _register(connection, "ind_map", "ind", "industry", target)
        tally = _new_tally(reads)
        used = pd.concat(
            [_classify(connection, read, tally, bad_rows) for read in reads],
            ignore_index=True,
        )
    for entry in tally["excluded"]["unknown_industries"]["codes"]:
        entry["reason"] = industry_class(entry["code"], cnae)[1]
    report = _freeze(tally, reads)
    sources = format_items([str(r.path) for r in reads], 3)
    if used.empty:
        raise InputError(
            f"{sources}: no usable row ({report.summary() or 'no data rows'}); "
            "check the files and columns"
        )
    if bad_rows == "report" and report.summary():
        warnings.warn(report.summary(), InputFixWarning, stacklevel=2)
    totals = used.groupby(["region", "industry"], sort=True)[_COUNTS].sum()
    totals = totals.astype({c: "int64" for c in _COUNTS if c != "wage_sum"})
    totals["wage_sum"] = totals["wage_sum"].astype(float)
    measures = pd.DataFrame(
        {
            "workers": totals["workers"],
            "mean_wage": _ratio(totals["wage_sum"], totals["wage_workers"]),
            "secondary_share": _ratio(
                totals["secondary_complete"], totals["schooling_known"]
            ),
            "technical_share": _ratio(totals["technical"], totals["occupation_known"]),
        }
    )
    logger.info(
        "RAIS worker records: %s of %s rows used from %d file(s)",
        f"{report.rows_used:,}",
        f"{report.rows_read:,}",
        len(reads),
    )
    return WorkerProfile(totals, measures, industry_level, report)


def _distinct(connection, reads: list[WorkerFile], column: str) -> list[str]:
    union = " UNION ".join(f"SELECT DISTINCT {column} FROM {r.table}" for r in reads)
    return sorted(str(value) for (value,) in connection.sql(union).fetchall())


def _freeze(tally: dict[str, Any], reads: list[WorkerFile]) -> WorkerReport:
    excluded = sum(entry["count"] for entry in tally["excluded"].values())
    if tally["rows_used"] + excluded != tally["rows_read"]:  # pragma: no cover
        raise RuntimeError("RAIS worker row accounting does not add up")
    assumptions = tuple(
        f"{r.path.name}: no activity column ({WORKER_COLUMNS[r.layout]['active'][0]}"
        "); every row taken as a job active on 31/12 (the extract is assumed "
        "filtered to active jobs)"
        for r in reads
        if "active" not in r.columns
    )
    return WorkerReport(
        files=tuple(tally["files"]),
        rows_read=tally["rows_read"],
        rows_used=tally["rows_used"],
        rows_excluded=excluded,
        excluded=tally["excluded"],
        wages=tally["wages"],
        schooling_unknown=tally["schooling_unknown"],
        occupation_unknown=tally["occupation_unknown"],
        assumptions=assumptions,
    )


def relative_wage(
    totals: pd.DataFrame | WorkerProfile, areas: pd.Series | None = None
) -> pd.Series:
    """Mean wage of each (region, industry) over its industry's in a reference area.

    .. math::

        w^{rel}_{ri} = \\frac{S_{ri} / N_{ri}}
            {\\sum_{r' \\in A(r)} S_{r'i} / \\sum_{r' \\in A(r)} N_{r'i}}

    with :math:`S` the sum of the workers' mean wages (``wage_sum``) and
    :math:`N` the workers with a positive wage (``wage_workers``), over the
    regions :math:`r'` of the reference area :math:`A(r)` present in
    ``totals``. 1 = the area's mean; NaN where a region has no positive
    wage in the industry.

    Parameters
    ----------
    totals
        :attr:`WorkerProfile.totals` (or the profile): indexed by (region,
        industry) with ``wage_sum`` and ``wage_workers``.
    areas
        Region -> reference area (e.g. its state, ``code[:2]``). None: one
        area, all the regions given -- Brazil when the records cover Brazil.

    Returns
    -------
    Series
        ``relative_wage``, indexed like ``totals``.

    Examples
    --------
    >>> index = pd.MultiIndex.from_tuples(
    ...     [("3516200", "15.3"), ("3550308", "15.3"), ("4314902", "15.3")],
    ...     names=["region", "industry"])
    >>> t = pd.DataFrame({"wage_sum": [300.0, 100.0, 200.0],
    ...                   "wage_workers": [2, 2, 1]}, index=index)
    >>> relative_wage(t).round(3).tolist()
    [1.25, 0.417, 1.667]
    >>> states = pd.Series({"3516200": "35", "3550308": "35", "4314902": "43"})
    >>> relative_wage(t, states).tolist()
    [1.5, 0.5, 1.0]
    """
    frame = totals.totals if isinstance(totals, WorkerProfile) else totals
    missing = {"wage_sum", "wage_workers"} - set(frame.columns)
    if missing or list(frame.index.names) != ["region", "industry"]:
        raise InputError(
            "relative_wage: totals must be indexed by (region, industry) with "
            f"columns 'wage_sum' and 'wage_workers'; got index {frame.index.names} "
            f"and columns {format_quoted(frame.columns)}; pass WorkerProfile.totals"
        )
    regions = frame.index.get_level_values("region")
    if areas is None:
        area = pd.Series("reference", index=frame.index)
    else:
        lookup = pd.Series(areas)
        lookup.index = lookup.index.astype(str)
        area = pd.Series(regions.astype(str).map(lookup), index=frame.index)
        absent = sorted(set(regions[area.isna().to_numpy()].astype(str)))
        if absent:
            raise InputError(
                f"relative_wage: {len(absent)} region(s) have no reference area in "
                f"areas: {format_quoted(absent)}; add them to the region -> area Series"
            )
    keys = [area.to_numpy(), frame.index.get_level_values("industry")]
    area_sum = frame["wage_sum"].groupby(keys).transform("sum")
    area_n = frame["wage_workers"].groupby(keys).transform("sum")
    own = _ratio(frame["wage_sum"], frame["wage_workers"])
    return (own / _ratio(area_sum, area_n)).rename("relative_wage")
