"""CNAE 2.0 industry codes: their canonical forms and the hierarchy that nests them.

The industries of the Suzigan, Furtado & Garcia (2006) method are CNAE 2.0
activities (IBGE/CONCLA) at one of four nested levels::

    section  "C"        21 letters
    division "15"       87 codes
    group    "15.3"     285 codes
    class    "15.31-9"  673 codes (the last digit is a check digit)

Files spell these codes in many ways (``1531-9``, ``15319``, the integer
``15319``, ``153``, ``a15319`` ...). This module turns every spelling into the
canonical form above and aggregates size tables up the hierarchy. The
classification itself (titles, sections) is a
:class:`~lps_geo.io.cnae_table.CnaeTable`.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, Protocol, get_args

import pandas as pd

from lps_geo.errors import InputError
from lps_geo.io._util import (
    clean_code,
    format_items,
    format_quoted,
    is_missing,
)
from lps_geo.vocab import CnaeLevel, IndustryLevel

logger = logging.getLogger(__name__)

#: All levels of the CNAE hierarchy, coarsest first.
LEVELS: tuple[str, ...] = get_args(CnaeLevel)
_RANK = {level: rank for rank, level in enumerate(LEVELS)}
#: Number of digits of a code at each numeric level.
_DIGITS = {"division": 2, "group": 3, "class": 5}

_CLASS_PUNCT = re.compile(r"(\d{1,2})\.?(\d{2})[-/.](\d)|(\d{1,2})\.(\d{2})(\d)")
_GROUP_PUNCT = re.compile(r"(\d{1,2})\.(\d)")
SECTION_LETTER = re.compile(r"[A-Ua-u]")
_SECTION_PREFIX = re.compile(r"[A-Ua-u](\d{5}|\d{3}|\d{2})")


class HasSections(Protocol):
    """What :func:`aggregate_industries` needs of a classification table."""

    def section(self, code: Any) -> str: ...


def check_level(level: str | None, allowed: Sequence[str] = LEVELS) -> None:
    """Raise unless ``level`` is None or one of ``allowed``."""
    if level is not None and level not in allowed:
        raise InputError(
            f"unknown CNAE level {level!r}; use one of {', '.join(allowed)}"
        )


def _format(digits: str, level: str) -> str:
    if level == "class":
        return f"{digits[:2]}.{digits[2:4]}-{digits[4]}"
    if level == "group":
        return f"{digits[:2]}.{digits[2]}"
    return digits


def _code_text(code: Any) -> str | None:
    """Numbers lose a ``.0`` (15319.0 -> "15319"); text is only stripped."""
    if isinstance(code, str):
        return code.strip() or None
    return clean_code(code)


def parse_code(code: Any, level: str | None) -> tuple[str, str] | None:
    """Return (canonical code, level) or None when ``code`` is not CNAE."""
    was_number = not isinstance(code, str)
    text = _code_text(code)
    if text is None:
        return None
    if level in (None, "section") and SECTION_LETTER.fullmatch(text):
        return text.upper(), "section"
    prefixed = _SECTION_PREFIX.fullmatch(text)  # DataViva style "a01113"
    if prefixed:
        text = prefixed.group(1)
    if text.isdigit():
        lengths = {"class": (4, 5), "group": (2, 3), "division": (1, 2)}
        if level is None:
            guessed = {5: "class", 3: "group", 2: "division"}.get(len(text))
            if guessed is None and was_number and len(text) == 1:
                guessed = "division"
            if guessed is None:
                return None
            level = guessed
        if level == "section" or len(text) not in lengths[level]:
            return None
        digits = text.zfill(_DIGITS[level])
        return _format(digits, level), level
    match = _CLASS_PUNCT.fullmatch(text)
    if match and level in (None, "class"):
        parts = [part for part in match.groups() if part is not None]
        digits = parts[0].zfill(2) + parts[1] + parts[2]
        return _format(digits, "class"), "class"
    match = _GROUP_PUNCT.fullmatch(text)
    if match and level in (None, "group"):
        digits = match.group(1).zfill(2) + match.group(2)
        return _format(digits, "group"), "group"
    return None


def normalize_cnae_code(code: Any, level: CnaeLevel | None = None) -> str:
    """Return the canonical spelling of a CNAE 2.0 code.

    Canonical forms: class ``"NN.NN-N"``, group ``"NN.N"``, division ``"NN"``,
    section ``"A"``-``"U"``. Accepted spellings include ``"1531-9"``,
    ``"15319"``, ``"15.31-9"``, the integer ``15319`` and DataViva's
    ``"c15319"`` for classes; ``"15.3"``, ``"153"`` and ``153`` for groups.

    Parameters
    ----------
    code
        The code as found in a file (str, int or integral float).
    level
        The level the code is known to be at. Needed when the length is
        ambiguous, typically integers that lost their leading zero: ``11``
        is division 11, or group 01.1 with ``level="group"``; ``1113`` is
        class 01.11-3 only with ``level="class"``.

    Returns
    -------
    str
        The canonical code.

    Raises
    ------
    InputError
        When the value is not a CNAE code of ``level`` (or of any level).

    Examples
    --------
    >>> normalize_cnae_code("1531-9"), normalize_cnae_code(15319)
    ('15.31-9', '15.31-9')
    >>> normalize_cnae_code("153"), normalize_cnae_code("15.3")
    ('15.3', '15.3')
    >>> normalize_cnae_code(11), normalize_cnae_code(11, level="group")
    ('11', '01.1')
    >>> normalize_cnae_code(1113, level="class")
    '01.11-3'
    """
    check_level(level)
    parsed = parse_code(code, level)
    if parsed is None:
        at = f" at level {level!r}" if level else ""
        hint = "; pass level= to resolve ambiguous lengths" if level is None else ""
        raise InputError(
            f"{code!r} is not a CNAE 2.0 code{at} (expected e.g. class "
            f"'15.31-9', group '15.3', division '15'){hint}"
        )
    return parsed[0]


def cnae_level(code: Any) -> CnaeLevel:
    """Return the level of a CNAE code (``"class"``, ``"group"`` ...).

    Examples
    --------
    >>> cnae_level("15.31-9"), cnae_level("15.3"), cnae_level("15"), cnae_level("C")
    ('class', 'group', 'division', 'section')
    """
    parsed = parse_code(code, None)
    if parsed is None:
        raise InputError(f"{code!r} is not a CNAE 2.0 code; cannot tell its level")
    return parsed[1]  # type: ignore[return-value]


def cnae_parent(code: Any, level: IndustryLevel | None = None) -> str:
    """Return the code that contains ``code`` at a coarser ``level``.

    Parameters
    ----------
    code
        A class, group or division code in any accepted spelling.
    level
        ``"group"`` or ``"division"`` (or ``"class"``, returning the class
        itself). None: the immediate parent (class -> group -> division).
        Sections are not derivable from the digits; use
        :meth:`~lps_geo.io.CnaeTable.section`.

    Examples
    --------
    >>> cnae_parent("15.31-9")
    '15.3'
    >>> cnae_parent("1531-9", "division"), cnae_parent("15.3")
    ('15', '15')
    """
    check_level(level, ("class", "group", "division"))
    canonical = normalize_cnae_code(code)
    own = cnae_level(canonical)
    if own == "section":
        raise InputError(f"section {canonical!r} has no parent in the code digits")
    if level is None:
        if own == "division":
            raise InputError(
                f"{canonical!r} is a division; its section needs a CnaeTable "
                "(CnaeTable.section)"
            )
        level = "group" if own == "class" else "division"
    if _RANK[level] > _RANK[own]:
        raise InputError(
            f"{canonical!r} is a {own}; level {level!r} is finer, not a parent"
        )
    digits = re.sub(r"\D", "", canonical)
    return _format(digits[: _DIGITS[level]], level)


def normalize_cnae_codes(
    values: Iterable[Any],
    level: CnaeLevel | None = None,
    *,
    source: str = "input",
    column: str = "industry",
    rows: Sequence[int] | None = None,
    header_columns: Sequence[int] | None = None,
) -> tuple[list[str], CnaeLevel]:
    """Normalise a whole column of CNAE codes, which must share one level.

    ``rows`` (file row numbers of the values) lets the errors name
    ``row N``; ``header_columns`` (the values are header cells: their
    1-based column positions) names ``header column N``; without either
    they name 1-based data rows.

    Unlike :func:`normalize_cnae_code`, the level of ambiguous codes is
    inferred from the column as a whole: integer class codes such as
    ``1113`` and ``15319`` (leading zero lost) are classes when the longest
    code has 5 digits; ``11`` and ``153`` are groups when the longest has 3.

    Returns
    -------
    (codes, level)
        Canonical codes in input order and their common level.

    Raises
    ------
    InputError
        Naming the unparseable codes, or the levels found when they mix.

    Examples
    --------
    >>> normalize_cnae_codes([1113, 15319])
    (['01.11-3', '15.31-9'], 'class')
    >>> normalize_cnae_codes(["11", "153"])
    (['01.1', '15.3'], 'group')
    """
    raw = list(values)

    def where(positions: list[int]) -> str:
        if header_columns is not None:
            return format_items(f"header column {header_columns[p]}" for p in positions)
        if rows is None:
            return f"data row(s) {format_items(p + 1 for p in positions)}"
        return format_items(f"row {rows[p]}" for p in positions)

    empty = [i for i, value in enumerate(raw) if is_missing(value)]
    if empty:
        raise InputError(
            f"{source}: column {column!r} has {len(empty)} empty industry "
            f"code(s) in {where(empty)}; fill them in or remove those rows"
        )
    if level is None:
        level = _infer_level(raw)
    check_level(level)
    codes: list[str] = []
    bad: list[Any] = []
    levels: Counter[str] = Counter()
    level_of: list[str] = []
    bad_at: list[int] = []
    for position, value in enumerate(raw):
        parsed = parse_code(value, level)
        if parsed is None:
            bad.append(value)
            bad_at.append(position)
            continue
        codes.append(parsed[0])
        level_of.append(parsed[1])
        levels[parsed[1]] += 1
    if bad:
        unique_bad = list(dict.fromkeys(str(value) for value in bad))
        at = f" {level}" if level else ""
        rows_at = f" (in {where(bad_at)})" if rows is not None else ""
        raise InputError(
            f"{source}: column {column!r} has {len(unique_bad)} value(s) that "
            f"are not CNAE 2.0{at} codes: {format_quoted(unique_bad)}{rows_at}; use "
            "codes like '15.31-9' (class), '15.3' (group) or '15' (division)"
        )
    if len(levels) > 1:
        found = ", ".join(f"{n} {lvl} codes" for lvl, n in levels.most_common())
        main = levels.most_common(1)[0][0]
        odd = [p for p, lvl in enumerate(level_of) if lvl != main]
        shown = format_items(
            f"{where([p])} {str(raw[p]).strip()!r} ({level_of[p]})" for p in odd
        )
        numbers = ""
        if (
            main == "group"
            and {level_of[p] for p in odd} == {"division"}
            and str(source).lower().endswith((".xlsx", ".xlsm", ".xls", ".ods"))
        ):
            numbers = (
                "; in a workbook these are likely cells holding numbers (31.0 "
                "reads as division 31): store the codes as text (format the "
                "cells as Text, or write '31.0)"
            )
        place = "those header cells" if header_columns is not None else "those rows"
        raise InputError(
            f"{source}: {'the header' if header_columns is not None else ''}"
            f"{'' if header_columns is not None else f'column {column!r}'} mixes "
            f"CNAE levels ({found}); the codes not at the {main} level: {shown}"
            f"{numbers}; keep one level per file (write {main} codes in {place}, "
            "or split the file)"
        )
    found_level = next(iter(levels), level or "class")
    return codes, found_level  # type: ignore[return-value]


def _infer_level(values: list[Any]) -> str | None:
    """Common level of a column of codes whose digit-only lengths vary."""
    lengths = set()
    for value in values:
        text = _code_text(value)
        if text is None:
            continue
        prefixed = _SECTION_PREFIX.fullmatch(text)
        if prefixed:
            text = prefixed.group(1)
        if not text.isdigit():
            return None  # punctuation carries the level code by code
        lengths.add(len(text))
    if not lengths:
        return None
    longest = max(lengths)
    if longest == 5 and min(lengths) >= 4:
        return "class"
    if longest == 3 and min(lengths) >= 2:
        return "group"
    if longest <= 2:
        return "division"
    return None


def aggregate_industries(
    E: pd.DataFrame, to_level: CnaeLevel, cnae: HasSections | None = None
) -> pd.DataFrame:
    """Sum the industry columns of a size table up the CNAE hierarchy.

    Parameters
    ----------
    E
        Size table, regions x industries; columns are CNAE codes of one level
        in any accepted spelling.
    to_level
        ``"group"``, ``"division"``, ``"class"`` (no-op) or ``"section"``
        (needs ``cnae``, sections are not derivable from the digits).
    cnae
        Classification table (:class:`~lps_geo.io.CnaeTable`), needed only
        for ``to_level="section"``.

    Returns
    -------
    DataFrame
        Same index; columns are the canonical codes at ``to_level`` (sorted),
        named ``"industry"``.

    Raises
    ------
    InputError
        When the columns are coarser than ``to_level``.

    Examples
    --------
    >>> E = pd.DataFrame({"15.31-9": [1.0, 2.0], "15.32-7": [3.0, 0.0],
    ...                   "16.10-2": [0.0, 5.0]},
    ...                  index=pd.Index(["3516200", "3550308"], name="region"))
    >>> aggregate_industries(E, "group")
    industry  15.3  16.1
    region
    3516200    4.0   0.0
    3550308    2.0   5.0
    >>> aggregate_industries(E, "division").columns.tolist()
    ['15', '16']
    """
    check_level(to_level)
    codes, level = normalize_cnae_codes(
        E.columns, source="size table", column="columns"
    )
    if _RANK[to_level] > _RANK[level]:
        raise InputError(
            f"size table columns are CNAE {level} codes; cannot disaggregate "
            f"to {to_level}: set [analysis] industry_level = {level!r} or coarser"
        )
    if to_level == level:
        targets = codes
    elif to_level == "section":
        if cnae is None:
            raise InputError(
                "aggregating to CNAE sections needs the classification: pass "
                "cnae=read_cnae_table(...)"
            )
        targets = [cnae.section(code) for code in codes]
    else:
        targets = [cnae_parent(code, to_level) for code in codes]  # type: ignore[arg-type]
    out = E.T.groupby(pd.Index(targets, name="industry"), sort=True).sum().T
    out.columns.name = "industry"
    out.index.name = E.index.name
    if to_level != level:
        logger.info(
            "aggregated %d CNAE %s columns to %d %ss",
            len(codes),
            level,
            out.shape[1],
            to_level,
        )
    return out.astype(float)
