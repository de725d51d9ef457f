"""The RAIS establishment file layout: files, header, columns, encodings and cells.

What a RAIS microdata file looks like to :func:`~lps_geo.io.read_rais_microdata`:
the header names of the columns it uses (:data:`RAIS_COLUMNS`), the encodings
it accepts, which municipality and class cells are known codes, why a job
count is unusable, and a Python scan that splits lines exactly as DuckDB does
to name the lines at fault.
"""

from __future__ import annotations

import glob
import gzip
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from lps_geo.errors import InputError
from lps_geo.io._util import check_file, format_quoted, normalize_text
from lps_geo.io.cnae import normalize_cnae_code
from lps_geo.io.cnae_table import CnaeTable
from lps_geo.io.codes import (
    CHECK_DIGIT_EXCEPTIONS,
    STATE_ABBREVIATIONS,
    check_digit,
    codes_6_to_7,
)

#: Header names of the columns used, in the order they are tried: the
#: 2002-2022 layout first, then the "- Código" names of later extracts.
RAIS_COLUMNS: dict[str, tuple[str, ...]] = {
    "municipality_column": ("Município", "Município - Código"),
    "class_column": ("CNAE 2.0 Classe", "CNAE 2.0 Classe - Código"),
    "jobs_column": ("Qtd Vínculos Ativos",),
    "negative_column": ("Ind Rais Negativa", "Ind RAIS Negativa - Código"),
}

#: Encoding names accepted -> (DuckDB encoding, Python codec).
ENCODINGS = {
    "latin-1": ("latin-1", "latin-1"),
    "latin1": ("latin-1", "latin-1"),
    "iso-8859-1": ("latin-1", "latin-1"),
    "iso8859-1": ("latin-1", "latin-1"),
    "cp1252": ("latin-1", "latin-1"),
    "windows-1252": ("latin-1", "latin-1"),
    "utf-8": ("utf-8", "utf-8"),
    "utf8": ("utf-8", "utf-8"),
    "utf-8-sig": ("utf-8", "utf-8"),
}

_JOBS_OK = re.compile(r"[0-9]{1,15}")
_JOBS_NEGATIVE = re.compile(r"-[0-9]+")
_GLOB_CHARS = re.compile(r"[*?\[]")


def municipality_map(
    codes: Iterable[str], codes7: Iterable[Any] | None
) -> dict[str, str | None]:
    """RAIS municipality cell -> IBGE 7-digit code, or None when unknown.

    With ``codes7`` a code is known when it (6 digits: its prefix) is among
    them; without, when it is a well-formed code of an existing state (the
    check digit rule, with its nine exceptions). ``999999`` ("Ignorado") is
    never known.
    """
    codes = list(codes)
    known7 = None if codes7 is None else {str(code) for code in codes7}
    six = [code for code in codes if len(code) == 6 and code.isdigit()]
    out: dict[str, str | None] = dict.fromkeys(codes)
    out.update(zip(six, codes_6_to_7(six, known7, unconverted="none"), strict=True))
    for code in codes:
        if len(code) != 7 or not code.isdigit():
            continue
        if known7 is not None:
            valid = code in known7
        else:
            valid = code[:2] in STATE_ABBREVIATIONS and (
                code in CHECK_DIGIT_EXCEPTIONS.values()
                or code[6] == check_digit(code[:6])
            )
        if valid:
            out[code] = code
    return out


def class_map(
    codes: Iterable[str], cnae: CnaeTable | None
) -> dict[str, tuple[str | None, str]]:
    """RAIS class cell -> (canonical class or None, reason when None)."""
    out: dict[str, tuple[str | None, str]] = {}
    for raw in codes:
        try:
            code = normalize_cnae_code(raw, level="class")
        except InputError:
            out[raw] = (None, "not a CNAE 2.0 class code (4-5 digits)")
            continue
        if code.startswith("00."):
            out[raw] = (None, "not a CNAE 2.0 class code (division 00)")
        elif cnae is not None and code not in cnae:
            out[raw] = (None, f"class {code} is not in {cnae.source}")
        else:
            out[raw] = (code, "")
    return out


def expand_paths(paths: str | Path | Sequence[str | Path]) -> list[Path]:
    """Files named by a path, a glob pattern or a list of either."""
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if not items:
        raise InputError("read_rais_microdata: no file given; pass paths=")
    out: list[Path] = []
    for item in items:
        text = str(Path(item).expanduser())
        if _GLOB_CHARS.search(text) and not Path(text).exists():
            matches = sorted(glob.glob(text))
            if not matches:
                raise InputError(
                    f"{text}: no file matches this pattern; check the path"
                )
            out.extend(Path(match) for match in matches)
        else:
            out.append(check_file(text))
    return list(dict.fromkeys(out))


def open_bytes(path: str | Path) -> BinaryIO:
    """Open a RAIS file for reading bytes: gzip-compressed when its first two
    bytes say so (``.txt.gz``, as DuckDB reads it too), else as it is."""
    with open(path, "rb") as probe:
        magic = probe.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def read_header(path: Path, sep: str, codec: str) -> list[str]:
    with open_bytes(path) as handle:
        raw = handle.readline()
    if not raw.strip():
        raise InputError(f"{path}: the file is empty or has no header line")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        line = raw.decode(codec)
    except UnicodeDecodeError as error:
        raise InputError(
            f"{path}: line 1 (header) is not valid {codec.upper()} (byte "
            f"0x{raw[error.start]:02x} at position {error.start}); RAIS files "
            'are Latin-1: set [inputs.size] encoding = "latin-1"'
        ) from None
    return [name.strip() for name in line.rstrip("\r\n").split(sep)]


def resolve_column(
    names: list[str], wanted: str | None, argument: str, source: str
) -> int:
    """Index of the column named ``wanted`` (or of a default RAIS name)."""
    candidates = (wanted,) if wanted is not None else RAIS_COLUMNS[argument]
    for candidate in candidates:
        if candidate in names:
            return names.index(candidate)
    folded = [normalize_text(name) for name in names]
    for candidate in candidates:
        key = normalize_text(candidate)
        if key in folded:
            return folded.index(key)
    raise InputError(
        f"{source}: column {candidates[0]!r} not found; pass {argument}= one of "
        f"the header's columns: {format_quoted(names, max_shown=30)}"
    )


def jobs_problem(value: str) -> str | None:
    """Why a jobs cell is unusable, mirroring the SQL classification."""
    value = value.strip(" ")
    if _JOBS_OK.fullmatch(value):
        return None
    if value == "":
        return "empty"
    if _JOBS_NEGATIVE.fullmatch(value):
        return "negative"
    return "non-numeric"


Check = tuple[int, Callable[[str], "str | None"]]


def scan_lines(
    path: Path,
    *,
    sep: str,
    codec: str,
    n_columns: int,
    checks: Sequence[Check],
    structural: bool,
    limit: int,
) -> list[dict[str, Any]]:
    """Find the first ``limit`` lines failing a check, in file order.

    The file is split exactly as DuckDB splits it (no quoting, CR/LF line
    ends, empty lines skipped). ``checks`` are (column index, function
    returning a reason or None), tried in order. With ``structural`` lines
    with a wrong number of fields or undecodable bytes are hits too;
    otherwise they are skipped (DuckDB rejected them already).
    """
    hits: list[dict[str, Any]] = []
    separator = sep.encode(codec)
    with open_bytes(path) as handle:
        handle.readline()
        for number, raw in enumerate(handle, start=2):
            raw = raw.rstrip(b"\r\n")
            if not raw:
                continue
            fields = raw.split(separator)
            if len(fields) != n_columns:
                if structural:
                    hits.append(
                        {
                            "line": number,
                            "column": None,
                            "reason": f"wrong number of columns: expected "
                            f"{n_columns}, found {len(fields)}",
                        }
                    )
                continue
            try:
                raw.decode(codec)
            except UnicodeDecodeError as error:
                if structural:
                    hits.append(
                        {
                            "line": number,
                            "column": None,
                            "reason": f"invalid {codec.upper()} byte "
                            f"0x{raw[error.start]:02x}",
                        }
                    )
                continue
            else:
                for index, check in checks:
                    value = fields[index].decode(codec).strip(" ")
                    reason = check(value)
                    if reason is not None:
                        hits.append(
                            {
                                "line": number,
                                "column": index,
                                "value": value,
                                "reason": reason,
                            }
                        )
                        break
            if len(hits) >= limit:
                break
    return hits[:limit]


def reason_jobs(value: str) -> str | None:
    problem = jobs_problem(value)
    if problem is None:
        return None
    return f"{problem} job count {value!r}" if value else "empty job count"


@contextmanager
def duckdb_connection(
    memory_limit: str | None,
    temp_directory: str | Path | None,
    threads: int | None,
    what: str = "RAIS microdata",
) -> Iterator[Any]:
    """A DuckDB connection for one read: spills to ``temp_directory`` (a
    temporary folder removed afterwards by default), no insertion order kept,
    the memory limit and threads asked for; closed on exit."""
    try:  # lazy: DuckDB loads only when RAIS files are read
        import duckdb
    except ImportError as error:  # pragma: no cover - a declared dependency
        raise ImportError(f"reading {what} needs duckdb: pip install duckdb") from error
    with tempfile.TemporaryDirectory(prefix="lps_geo_duckdb_") as scratch:
        config: dict[str, Any] = {
            "temp_directory": str(temp_directory or scratch),
            "preserve_insertion_order": False,
        }
        if memory_limit is not None:
            config["memory_limit"] = str(memory_limit)
        if threads is not None:
            config["threads"] = int(threads)
        connection = duckdb.connect(config=config)
        try:
            yield connection
        finally:
            connection.close()
