"""The canonical IBGE division frame: its columns, and the validation that builds it.

Every layout :func:`~lps_geo.io.read_divisions` reads (DTB, geodata-br,
localidades JSON, lps_geo's own table) ends in :func:`assemble_divisions`,
which checks the codes (7-digit municipalities, unique, inside their state;
region codes of the right width) and names the file, column and row of the
first fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from lps_geo.errors import InputError
from lps_geo.io._util import is_missing
from lps_geo.io.codes import STATE_ABBREVIATIONS

#: Code width of each level; every level's code starts with the UF code.
LEVEL_DIGITS: dict[str, int] = {
    "state": 2,
    "mesoregion": 4,
    "microregion": 5,
    "intermediate": 4,
    "immediate": 6,
}

#: Canonical column order of :func:`~lps_geo.io.read_divisions` (present ones only).
COLUMNS: tuple[str, ...] = (
    "name",
    "state",
    "state_abbr",
    "state_name",
    "mesoregion",
    "mesoregion_name",
    "microregion",
    "microregion_name",
    "intermediate",
    "intermediate_name",
    "immediate",
    "immediate_name",
)

_LEVEL_WORDS = {
    "state": "state code",
    "mesoregion": "mesoregion code",
    "microregion": "microregion code",
    "intermediate": "intermediate region code",
    "immediate": "immediate region code",
}


class RowNumbers:
    """Turns positions into the row numbers the user sees in the file."""

    def __init__(self, unit: str, first: int) -> None:
        self.unit = unit
        self.first = first

    def __call__(self, position: int) -> str:
        return f"{self.unit} {position + self.first}"


def _fail(source: str, column: str, where: str, message: str, more: int) -> None:
    extra = f" ({more} more row(s) like it)" if more else ""
    raise InputError(f"{source}: column {column!r}, {where}: {message}{extra}")


def assemble_divisions(
    data: dict[str, list[Any]],
    origin: Mapping[str, str],
    source: str,
    rows: RowNumbers,
) -> pd.DataFrame:
    """Validate the columns and build the canonical division frame."""
    codes = data["region"]
    column = origin["region"]
    bad = [i for i, code in enumerate(codes) if code is None]
    if bad:
        _fail(
            source,
            column,
            rows(bad[0]),
            "empty municipality code; fill it in or remove the row",
            len(bad) - 1,
        )
    bad = [i for i, code in enumerate(codes) if not (code.isdigit() and len(code) == 7)]
    if bad:
        _fail(
            source,
            column,
            rows(bad[0]),
            f"municipality code {codes[bad[0]]!r} is not a 7-digit IBGE code "
            "(6-digit RAIS codes: convert with codes_6_to_7)",
            len(bad) - 1,
        )
    first: dict[str, int] = {}
    repeats = []
    for i, code in enumerate(codes):
        if code in first:
            repeats.append((first[code], i))
        else:
            first[code] = i
    if repeats:
        a, b = repeats[0]
        _fail(
            source,
            column,
            rows(b),
            f"municipality code {codes[b]!r} repeats {rows(a)}; keep one row per "
            "municipality",
            len(repeats) - 1,
        )
    states = data.get("state")
    if states is not None:
        bad = [
            i
            for i, (code, state) in enumerate(zip(codes, states, strict=True))
            if state is None or code[:2] != state
        ]
        if bad:
            i = bad[0]
            _fail(
                source,
                column,
                rows(i),
                f"municipality code {codes[i]!r} does not start with its state "
                f"code {states[i]!r} (column {origin['state']!r}); fix the code "
                "or the state",
                len(bad) - 1,
            )
    for level, width in LEVEL_DIGITS.items():
        if level == "state" or level not in data:
            continue
        values = data[level]
        bad = [
            i
            for i, value in enumerate(values)
            if value is not None and not (value.isdigit() and len(value) == width)
        ]
        if bad:
            i = bad[0]
            _fail(
                source,
                origin[level],
                rows(i),
                f"{_LEVEL_WORDS[level]} {values[i]!r} is not {width} digits "
                f"(municipality {codes[i]})",
                len(bad) - 1,
            )
        bad = [
            i
            for i, value in enumerate(values)
            if value is not None and value[:2] != codes[i][:2]
        ]
        if bad:
            i = bad[0]
            _fail(
                source,
                origin[level],
                rows(i),
                f"{_LEVEL_WORDS[level]} {values[i]!r} does not start with the "
                f"state code {codes[i][:2]!r} of municipality {codes[i]}",
                len(bad) - 1,
            )
    columns = {}
    for name in COLUMNS:
        if name == "state_abbr":
            if states is not None:
                columns[name] = [STATE_ABBREVIATIONS.get(s) for s in states]
            continue
        if name in data:
            columns[name] = [
                None if is_missing(value) else str(value) for value in data[name]
            ]
    frame = pd.DataFrame(columns, index=pd.Index(codes, name="region"), dtype=object)
    return frame.sort_index()
