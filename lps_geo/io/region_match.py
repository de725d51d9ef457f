"""Matching a size table's region codes with the boundary layer's codes."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable
from dataclasses import replace
from typing import Any, get_args

import pandas as pd

from lps_geo.errors import InputError, InputFixWarning, MissingCodesWarning
from lps_geo.io._util import check_choice, format_items, format_rows
from lps_geo.io.codes import match_rais6
from lps_geo.io.size_fixes import blame_boundaries
from lps_geo.vocab import CodeDigits, Unmatched

#: :class:`lps_geo.io.tables.SizeTables` (not imported: tables imports this).
SizeTables = Any

logger = logging.getLogger(__name__)

#: RAIS's "not identified" municipality codes.
NOT_IDENTIFIED = ("999999", "9999999")


def _note(notes: list[str], message: str, level: int = logging.INFO) -> None:
    """Record a note for the run report and log it."""
    notes.append(message)
    logger.log(level, message)


def _strip_padding(
    codes: pd.Index, boundary: pd.Index, source: str, column: str, section: str
) -> dict[str, str]:
    """Table codes padded with leading zeros -> the codes without them.

    IBGE codes never start with 0, so (as in the boundary reader) the
    padding of a text column is stripped with an InputFixWarning; codes that
    are in the boundaries as written are left alone.
    """
    padded = [
        code
        for code in codes
        if len(code) > 1 and code.startswith("0") and code not in boundary
    ]
    if not padded:
        return {}
    stripped = {code: code.lstrip("0") or "0" for code in padded}
    clash = sorted(set(stripped.values()) & set(codes))
    if clash:
        raise InputError(
            f"{source}{column}: holds region codes both with and without leading "
            f"zeros ({format_items(clash)}); write each municipality once, "
            "without leading zeros"
        )
    examples = ", ".join(f"{old} -> {new}" for old, new in list(stripped.items())[:3])
    warnings.warn(
        f"{source}{column}: has {len(padded)} of {len(codes)} region code(s) "
        f"padded with leading zeros, stripped ({examples}); IBGE codes do not "
        f"start with 0 -- check [{section}] region_column if these are not IBGE "
        "codes",
        InputFixWarning,
        stacklevel=4,
    )
    return stripped


def _rename_regions(
    tables: SizeTables, rename: dict[str, str], source: str
) -> SizeTables:
    """``tables`` with region codes renamed (rows and file rows follow)."""
    out = {
        name: table.rename(index=rename) for name, table in tables.measures().items()
    }
    rows = {rename.get(code, code): r for code, r in tables.region_rows.items()}
    return replace(tables, region_rows=rows, **out)


def _describe_absent(absent: list[str], boundary: pd.Index, tables: SizeTables) -> str:
    """Absent codes with their file rows and what they look like.

    >>> from lps_geo.io.tables import SizeTables
    >>> t = SizeTables(region_rows={"1900100": (5,), "19": (9, 12)})
    >>> _describe_absent(["1900100", "19", "999999"], pd.Index(["1900109"]), t)
    "1900100 (row 5: wrong check digit? the boundaries have 1900109), 19 (row \
9, row 12: a state code, not a municipality), 999999 (RAIS 'not identified' \
municipality)"
    """
    by_six: dict[str, str] = {}
    for code in boundary:
        if len(code) == 7:
            by_six.setdefault(code[:6], code)
    shown = []
    for code in absent[:5]:
        facts = []
        rows = tables.region_rows.get(code)
        if rows:
            facts.append(format_rows(rows))
        if code in NOT_IDENTIFIED:
            facts.append("RAIS 'not identified' municipality")
        elif len(code) == 2:
            facts.append("a state code, not a municipality")
        elif len(code) == 7 and code[:6] in by_six:
            facts.append(f"wrong check digit? the boundaries have {by_six[code[:6]]}")
        shown.append(f"{code} ({': '.join(facts)})" if facts else code)
    more = f" and {len(absent) - 5} more" if len(absent) > 5 else ""
    return ", ".join(shown) + more


def validate_against_boundaries(
    tables: SizeTables,
    boundary_codes: Iterable[str],
    source: str,
    code_digits: CodeDigits = "auto",
    unmatched: Unmatched = "raise",
    *,
    section: str = "inputs.size",
    boundaries_source: str | None = None,
    boundaries_column: str | None = None,
    empty: Iterable[str] = (),
) -> SizeTables:
    """Check a size table's regions against the boundary layer's codes.

    Parameters
    ----------
    tables
        Tables from :func:`read_long` or :func:`read_wide`.
    boundary_codes
        Region codes of the boundaries (e.g. ``boundaries.index``).
    source
        The table's file, named in messages.
    code_digits
        ``6``: the table uses RAIS 6-digit municipality codes (IBGE code
        without the check digit), mapped to the boundaries' 7-digit codes;
        ``7``: codes are compared as they are; ``"auto"``: 6-digit when every
        table code has 6 digits and the boundaries' have 7.
    unmatched
        Table codes absent from the boundaries: ``"raise"`` an InputError,
        or ``"drop"`` those rows with a MissingCodesWarning
        (``[inputs.size] outside_boundaries``).
    section
        Configuration section named in the hints.
    boundaries_source, boundaries_column, empty
        The boundary file, its code column and the codes its reader dropped
        for an empty geometry (:attr:`BoundaryReport.empty`): table codes
        among those are blamed on the boundaries, and boundary codes that are
        the table's codes zero-padded (``'03516200'``) on the boundary file.

    Returns
    -------
    SizeTables
        Indexed exactly by the boundary codes (in their order): boundary
        regions absent from the table are zero rows, announced by a
        :class:`~lps_geo.errors.MissingCodesWarning` with their count.

    Raises
    ------
    InputError
        Naming up to five table codes absent from the boundaries.

    Examples
    --------
    >>> from lps_geo.io.tables import SizeTables
    >>> E = pd.DataFrame({"15.3": [1496.0]},
    ...                  index=pd.Index(["351620"], name="region"))
    >>> t = validate_against_boundaries(SizeTables(establishments=E),
    ...                                 ["3516200"], "rais.csv")
    >>> t.establishments.index.tolist()
    ['3516200']
    """
    check_choice(code_digits, get_args(CodeDigits), "code_digits")
    check_choice(unmatched, get_args(Unmatched), "unmatched")
    boundary = pd.Index([str(code) for code in boundary_codes], name="region")
    if boundary.has_duplicates:
        raise InputError(
            "boundary codes are not unique; read them with read_boundaries"
        )
    measures = tables.measures()
    if not measures:
        raise InputError(f"{source}: the size tables hold no measure")
    table_codes = pd.Index(
        sorted(set().union(*(set(t.index) for t in measures.values())))
    )
    notes = list(tables.notes)
    column = f" (column {tables.region_column!r})" if tables.region_column else ""
    padding = _strip_padding(table_codes, boundary, source, column, section)
    if padding:
        tables = _rename_regions(tables, padding, source)
        measures = tables.measures()
        table_codes = pd.Index(sorted({padding.get(c, c) for c in table_codes}))
    digits = code_digits
    if digits == "auto":
        lengths_table = set(table_codes.str.len())
        lengths_boundary = set(boundary.str.len())
        digits = 6 if lengths_table == {6} and lengths_boundary == {7} else 7
    rename: dict[str, str] = {}
    if digits == 6:
        rename = match_rais6(list(table_codes), list(boundary))
        _note(notes, f"{source}: RAIS 6-digit municipality codes mapped to 7 digits")
    mapped = pd.Index([rename.get(code, code) for code in table_codes])
    absent = [
        code
        for code, new in zip(table_codes, mapped, strict=True)
        if new not in boundary
    ]
    bfile = boundaries_source or "the boundaries"
    bcol = f" column {boundaries_column!r}" if boundaries_column else ""
    if absent:
        blame_boundaries(
            absent, boundary, source, bfile, bcol, empty, section, unmatched
        )
        message = (
            f"{source}: {len(absent)} region code(s) of the table{column} are "
            f"not in the boundaries: {_describe_absent(absent, boundary, tables)}"
        )
        hint = ""
        if (
            {len(code) for code in absent} == {6}
            and digits != 6
            and not set(absent) <= set(NOT_IDENTIFIED)
        ):
            hint = (
                " (these look like RAIS 6-digit codes: pass code_digits=6)"
                if code_digits == 7
                else " (these look like RAIS 6-digit codes, matched only when "
                "every code of the table has 6 digits)"
            )
        if unmatched == "raise":
            raise InputError(
                message + hint + "; remove those rows (e.g. 'not identified' "
                "999999), use matching boundaries, or set "
                f'[{section}] outside_boundaries = "drop"'
            )
        warnings.warn(
            message + "; their rows were dropped", MissingCodesWarning, stacklevel=2
        )
        _note(notes, message + "; dropped")
    out: dict[str, pd.DataFrame] = {}
    missing_total = set()
    for name, table in measures.items():
        renamed = table.rename(index=rename)
        renamed = renamed[renamed.index.isin(boundary)]
        missing_total |= set(boundary.difference(renamed.index))
        renamed = renamed.reindex(boundary, fill_value=0.0).astype(float)
        renamed.index.name = "region"
        renamed.columns.name = "industry"
        out[name] = renamed
    if missing_total:
        missing = sorted(missing_total)
        message = (
            f"{source}: {len(missing)} boundary region(s) are absent from the "
            f"table and count as zero ({format_items(missing)})"
        )
        warnings.warn(message, MissingCodesWarning, stacklevel=2)
        _note(notes, message)
    return replace(tables, notes=tuple(notes), **out)
