"""The RAIS worker-record layouts: columns, header detection, cell rules, line scan.

What a RAIS "Vínculos" file looks like to
:func:`~lps_geo.io.rais_workers.read_rais_workers`: the header names of the
columns used in the PDET text layout and in the Base dos Dados column names
(:data:`WORKER_COLUMNS`), each layout's separator, encoding and decimal mark,
how a wage, schooling and occupation cell is classified (the reader's SQL
mirrors these rules), and a Python scan that splits lines exactly as DuckDB
does to name the lines at fault.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lps_geo.errors import ConfigError, InputError
from lps_geo.io._util import format_quoted, normalize_text
from lps_geo.io.cnae_table import CnaeTable
from lps_geo.io.rais_layout import ENCODINGS, class_map, open_bytes
from lps_geo.vocab import WorkerFileLayout, WorkerLayout

#: Header names tried for each column, per layout: the 2002-2022 PDET names
#: first, then the "- Código" names of the later PDET extracts. Case, accents
#: and punctuation are not significant.
WORKER_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "pdet": {
        "municipality": ("Município", "Município - Código"),
        "class": ("CNAE 2.0 Classe", "CNAE 2.0 Classe - Código"),
        "subclass": ("CNAE 2.0 Subclasse", "CNAE 2.0 Subclasse - Código"),
        "active": ("Vínculo Ativo 31/12", "Ind Vínculo Ativo 31/12 - Código"),
        "wage": ("Vl Remun Média Nom", "Vl Rem Média Nom"),
        "schooling": ("Escolaridade após 2005", "Escolaridade Após 2005 - Código"),
        "occupation": ("CBO Ocupação 2002", "CBO 2002 Ocupação - Código"),
    },
    "basedosdados": {
        "municipality": ("id_municipio",),
        "class": ("cnae_2",),
        "subclass": ("cnae_2_subclasse",),
        "active": ("vinculo_ativo_3112",),
        "wage": ("valor_remuneracao_media",),
        "schooling": ("grau_instrucao_apos_2005",),
        "occupation": ("cbo_2002",),
    },
}

#: Layout -> (separator, encoding, decimal mark) used unless given.
LAYOUT_DEFAULTS: dict[str, tuple[str, str, str]] = {
    "pdet": (";", "latin-1", ","),
    "basedosdados": (",", "utf-8", "."),
}

#: Schooling codes (``grau_instrucao_apos_2005`` / "Escolaridade após 2005")
#: from this one up count as at least complete secondary schooling:
#: 7 MÉDIO COMPL, 8 SUP. INCOMP, 9 SUP. COMP, 10 MESTRADO, 11 DOUTORADO.
SECONDARY_COMPLETE = 7
#: First digits of the CBO 2002 code of the "technical and scientific"
#: occupations: major group 2 (professionals of the sciences and arts) and
#: 3 (technicians of middle level).
TECHNICAL_MAJOR_GROUPS = ("2", "3")
#: How many offending lines the report lists per problem.
MAX_LISTED = 20
#: Problems a row can be excluded for, in the order they are tried.
PROBLEMS = (
    "malformed_rows",
    "encoding_errors",
    "bad_active_flag",
    "inactive",
    "bad_wage",
    "unknown_municipalities",
    "unknown_industries",
)
REQUIRED = ("municipality", "wage", "schooling", "occupation")
BAD_WAGE = ("negative", "non-numeric", "wrong decimal mark")
WAGE_PATTERNS = {
    ",": (r"[0-9]{1,15}(,[0-9]{1,10})?", r"[0-9]{1,15}\.[0-9]{1,10}"),
    ".": (r"[0-9]{1,15}(\.[0-9]{1,10})?", r"[0-9]{1,15},[0-9]{1,10}"),
}
NEGATIVE_PATTERN = r"-[0-9]+([.,][0-9]+)?"
SCHOOLING_PATTERN = r"0?([1-9]|1[01])"
OCCUPATION_PATTERN = r"[0-9]{6}"


def cell_text(value: str) -> str:
    """A cell as the SQL reads it: spaces, then surrounding quotes stripped."""
    return value.strip(" ").strip('"')


def worker_header(path: Path, sep: str, codec: str) -> list[str]:
    with open_bytes(path) as handle:
        raw = handle.readline()
    raw = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    if not raw.strip():
        raise InputError(f"{path}: the file is empty or has no header line")
    try:
        line = raw.decode(codec)
    except UnicodeDecodeError as error:
        raise InputError(
            f"{path}: line 1 (header) is not valid {codec.upper()} (byte "
            f"0x{raw[error.start]:02x}); PDET files are Latin-1: pass "
            'encoding="latin-1"'
        ) from None
    return [cell_text(name) for name in line.rstrip("\r\n").split(sep)]


def utf8_hint(names: list[str], codec: str) -> str:
    """A hint when a header read as Latin-1 is UTF-8 text ("MunicÃ­pio")."""
    text = ";".join(names)
    if codec != "latin-1" or text.isascii():
        return ""
    try:
        text.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return ""
    return " (the header is UTF-8 text read as Latin-1: pass encoding='utf-8')"


def find_column(names: list[str], candidates: Sequence[str]) -> int | None:
    folded = [normalize_text(name) for name in names]
    for candidate in candidates:
        if candidate in names:
            return names.index(candidate)
        if normalize_text(candidate) in folded:
            return folded.index(normalize_text(candidate))
    return None


def detect_layout(path: str | Path) -> WorkerFileLayout:
    """Which layout a worker file's header is in (``"pdet"`` or ``"basedosdados"``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "rais.csv"
    >>> _ = path.write_text("sigla_uf,id_municipio,cbo_2002\\n")
    >>> detect_layout(path)
    'basedosdados'
    """
    path = Path(path)
    with open_bytes(path) as handle:
        raw = handle.readline().removeprefix(b"\xef\xbb\xbf")
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        line = raw.decode("latin-1")
    for layout, (sep, _, _) in LAYOUT_DEFAULTS.items():
        names = [cell_text(name) for name in line.rstrip("\r\n").split(sep)]
        if find_column(names, WORKER_COLUMNS[layout]["municipality"]) is not None:
            return layout  # type: ignore[return-value]
    raise InputError(
        f"{path}: the header is neither the PDET 'RAIS Vínculos' layout (';', "
        "column 'Município') nor Base dos Dados (',', column 'id_municipio'); "
        "pass layout= and the column names (e.g. municipality_column=)"
    )


class WorkerFile:
    """One file's layout, columns and the DuckDB table of its grouped rows."""

    def __init__(self, index, path, layout, sep, duck, codec, decimal, names, cols):
        self.index, self.path, self.layout = index, path, layout
        self.sep, self.duck, self.codec, self.decimal = sep, duck, codec, decimal
        self.names: list[str] = names
        self.columns: dict[str, int] = cols
        self.table = f"workers_{index}"
        self.rejects: Any = None  # DuckDB's rejected lines (a DataFrame)


def resolve_file(
    index: int,
    path: Path,
    layout: WorkerLayout,
    sep: str | None,
    encoding: str | None,
    decimal: str | None,
    requested: dict[str, str | None],
) -> WorkerFile:
    chosen = detect_layout(path) if layout == "auto" else layout
    default_sep, default_encoding, default_decimal = LAYOUT_DEFAULTS[chosen]
    sep, decimal = sep or default_sep, decimal or default_decimal
    key = str(encoding or default_encoding).lower().replace("_", "-")
    if key not in ENCODINGS:
        raise ConfigError(
            f"encoding={encoding!r} is not supported for RAIS worker records; use "
            "'latin-1' (PDET files) or 'utf-8' (Base dos Dados exports)"
        )
    duck, codec = ENCODINGS[key]
    names = worker_header(path, sep, codec)
    columns: dict[str, int] = {}
    for role, candidates in WORKER_COLUMNS[chosen].items():
        wanted = requested[role]
        found = find_column(names, (wanted,) if wanted else candidates)
        if found is None and (wanted or role in REQUIRED):
            raise InputError(
                f"{path}: column {(wanted or candidates[0])!r} ({role}) not found "
                f"in the {chosen} layout{utf8_hint(names, codec)}; pass "
                f"{role}_column= one of the header's columns: "
                f"{format_quoted(names, max_shown=30)}"
            )
        if found is not None:
            columns[role] = found
    if "class" not in columns and "subclass" not in columns:
        candidates = (
            WORKER_COLUMNS[chosen]["class"] + WORKER_COLUMNS[chosen]["subclass"]
        )
        raise InputError(
            f"{path}: no CNAE column found (looked for {format_quoted(candidates)}); "
            f"pass class_column= or subclass_column= one of the header's columns: "
            f"{format_quoted(names, max_shown=30)}"
        )
    return WorkerFile(index, path, chosen, sep, duck, codec, decimal, names, columns)


def industry_class(raw: str, cnae: CnaeTable | None = None) -> tuple[str | None, str]:
    """CNAE cell (class 4-5 digits or subclass 6-7 digits) -> (class, reason).

    A subclass is cut to its class (its first five digits; a lost leading
    zero is restored). Returns (None, reason) for anything else.

    >>> industry_class("5231102"), industry_class("15319"), industry_class("-1")[0]
    (('52.31-1', ''), ('15.31-9', ''), None)
    """
    digits = re.sub(r"[-./]", "", raw)
    if digits.isdigit() and len(digits) in (6, 7):
        digits = digits.zfill(7)[:5]
    elif not (digits.isdigit() and len(digits) in (4, 5)):
        return None, "not a CNAE 2.0 class (4-5 digits) or subclass (6-7 digits)"
    return class_map([digits], cnae)[digits]


def wage_status(value: str, decimal: str) -> str:
    """Python mirror of the SQL wage classification."""
    ok, wrong = WAGE_PATTERNS[decimal]
    if value == "":
        return "missing"
    if re.fullmatch(ok, value):
        return "positive" if float(value.replace(",", ".")) > 0 else "zero"
    if re.fullmatch(NEGATIVE_PATTERN, value):
        return "negative"
    return "wrong decimal mark" if re.fullmatch(wrong, value) else "non-numeric"


def line_problem(
    fields_: list[str], read: WorkerFile, bad_mun: set[str], bad_ind: set[str]
) -> tuple[str, str, str] | None:
    """(problem, column, value) of a well-formed line, mirroring the SQL order."""
    col = read.columns
    industry = "class" if "class" in col else "subclass"
    if "active" in col:
        value = cell_text(fields_[col["active"]])
        if value not in ("0", "1"):
            return "bad_active_flag", "active", value
        if value == "0":
            return "inactive", "active", value
    value = cell_text(fields_[col["wage"]])
    if wage_status(value, read.decimal) in BAD_WAGE:
        return "bad_wage", "wage", value
    value = cell_text(fields_[col["municipality"]])
    if value in bad_mun:
        return "unknown_municipalities", "municipality", value
    value = cell_text(fields_[col[industry]])
    if value in bad_ind:
        return "unknown_industries", industry, value
    return None


REASONS = {
    "bad_active_flag": "activity flag not 0 or 1",
    "unknown_municipalities": "unknown municipality code",
    "unknown_industries": "unknown CNAE 2.0 class or subclass",
    "negative": "negative wage",
    "non-numeric": "non-numeric wage",
    "wrong decimal mark": "wage with the wrong decimal mark (this file's is "
    "{0!r}; pass decimal=)",
}


def scan_problem_lines(
    read: WorkerFile, wanted: Mapping[str, int], bad_mun: set[str], bad_ind: set[str]
) -> list[dict[str, Any]]:
    """File lines of the problems in ``wanted`` (problem -> how many to list).

    The file is split as DuckDB splits it (no quoting, CR/LF line ends, empty
    lines skipped). ``"structural"`` in ``wanted`` also lists lines with a
    wrong number of fields or undecodable bytes.
    """
    left = {key: n for key, n in wanted.items() if n > 0}
    hits: list[dict[str, Any]] = []
    separator = read.sep.encode(read.codec)
    with open_bytes(read.path) as handle:
        handle.readline()
        for number, raw in enumerate(handle, start=2):
            if not left:
                break
            raw = raw.rstrip(b"\r\n")
            if not raw:
                continue
            parts = raw.split(separator)
            reason = None
            if len(parts) != len(read.names):
                reason = f"wrong number of columns: {len(parts)}, not {len(read.names)}"
            else:
                try:
                    text = [part.decode(read.codec) for part in parts]
                except UnicodeDecodeError as error:
                    byte = error.object[error.start]
                    reason = f"invalid {read.codec.upper()} byte 0x{byte:02x}"
            if reason is not None:
                hit = ("structural", None, None)
            else:
                hit = line_problem(text, read, bad_mun, bad_ind)
            if hit is None or hit[0] not in left:
                continue
            problem, role, value = hit
            column = None if role is None else read.names[read.columns[role]]
            if reason is None:
                reason = REASONS.get(problem) or REASONS[
                    wage_status(value, read.decimal)
                ].format(read.decimal)
            hits.append(
                {
                    "file": str(read.path),
                    "line": number,
                    "problem": problem,
                    "column": column,
                    "value": value,
                    "reason": reason,
                }
            )
            left[problem] -= 1
            if not left[problem]:
                del left[problem]
    return hits
