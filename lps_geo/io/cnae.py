"""CNAE 2.0 industry codes: canonical forms, hierarchy and title matching.

The industries of the Suzigan, Furtado & Garcia (2006) method are CNAE 2.0
activities (IBGE/CONCLA) at one of four nested levels::

    section  "C"        21 letters
    division "15"       87 codes
    group    "15.3"     285 codes
    class    "15.31-9"  673 codes (the last digit is a check digit)

Files spell these codes in many ways (``1531-9``, ``15319``, the integer
``15319``, ``153``, ``a15319`` ...). This module turns every spelling into the
canonical form above, aggregates size tables up the hierarchy and maps the
industry *titles* used as column names by RAIS exports onto codes through a
:class:`CnaeTable` read from an IBGE, SEADE or simple CSV classification file.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple, get_args

import pandas as pd

from lps_geo.errors import InputError
from lps_geo.io._util import (
    check_file,
    clean_code,
    format_items,
    format_quoted,
    is_missing,
    normalize_text,
    read_excel,
    read_table,
)

logger = logging.getLogger(__name__)

#: The levels of the CNAE code hierarchy a size table can be expressed at.
IndustryLevel = Literal["class", "group", "division"]
#: All levels of a :class:`CnaeTable`, coarsest first.
CnaeLevel = Literal["section", "division", "group", "class"]

LEVELS: tuple[str, ...] = get_args(CnaeLevel)
_RANK = {level: rank for rank, level in enumerate(LEVELS)}
#: Number of digits of a code at each numeric level.
_DIGITS = {"division": 2, "group": 3, "class": 5}

#: Title variants that no spelling rule maps onto the official CNAE 2.0 title.
#: Keys are folded with the same rule as titles (no accents, lower case,
#: punctuation as spaces). The four RAIS group titles below are the official
#: titles cut at their ";" (and, for 87.1, abbreviated word by word); the
#: word-prefix rule of :meth:`CnaeTable.match_titles` also finds them, the
#: table makes the mapping explicit and independent of that rule.
KNOWN_TITLE_VARIANTS: dict[str, str] = {
    normalize_text(title): code
    for title, code in {
        "Atividades de Apoio à Agricultura e à Pecuária": "01.6",
        "Fabricação de Aparelhos e Instrumentos de Medida, Teste e Controle": "26.5",
        "Comércio Varejista de Equipamentos de Informática e Comunicação": "47.5",
        "Atividades de Assistência a Idosos, Deficientes Físicos, "
        "Imunodeprimidos e Convalescentes, e de Infra-Est e Apoio a Pac Prest "
        "em Res Col e Part": "87.1",
    }.items()
}

_CLASS_PUNCT = re.compile(r"(\d{1,2})\.?(\d{2})[-/.](\d)|(\d{1,2})\.(\d{2})(\d)")
_GROUP_PUNCT = re.compile(r"(\d{1,2})\.(\d)")
_SECTION = re.compile(r"[A-Ua-u]")
_SECTION_PREFIX = re.compile(r"[A-Ua-u](\d{5}|\d{3}|\d{2})")


def _check_level(level: str | None, allowed: Sequence[str] = LEVELS) -> None:
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


def _parse(code: Any, level: str | None) -> tuple[str, str] | None:
    """Return (canonical code, level) or None when ``code`` is not CNAE."""
    was_number = not isinstance(code, str)
    text = _code_text(code)
    if text is None:
        return None
    if level in (None, "section") and _SECTION.fullmatch(text):
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
    _check_level(level)
    parsed = _parse(code, level)
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
    parsed = _parse(code, None)
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
        :meth:`CnaeTable.section`.

    Examples
    --------
    >>> cnae_parent("15.31-9")
    '15.3'
    >>> cnae_parent("1531-9", "division"), cnae_parent("15.3")
    ('15', '15')
    """
    _check_level(level, ("class", "group", "division"))
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
) -> tuple[list[str], CnaeLevel]:
    """Normalise a whole column of CNAE codes, which must share one level.

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
    empty = [i + 1 for i, value in enumerate(raw) if is_missing(value)]
    if empty:
        raise InputError(
            f"{source}: column {column!r} has {len(empty)} empty industry "
            f"code(s) in data row(s) {format_items(empty)}; fill them in or "
            "remove those rows"
        )
    if level is None:
        level = _infer_level(raw)
    _check_level(level)
    codes: list[str] = []
    bad: list[Any] = []
    levels: Counter[str] = Counter()
    for value in raw:
        parsed = _parse(value, level)
        if parsed is None:
            bad.append(value)
            continue
        codes.append(parsed[0])
        levels[parsed[1]] += 1
    if bad:
        unique_bad = list(dict.fromkeys(str(value) for value in bad))
        at = f" {level}" if level else ""
        raise InputError(
            f"{source}: column {column!r} has {len(unique_bad)} value(s) that "
            f"are not CNAE 2.0{at} codes: {format_quoted(unique_bad)}; use "
            "codes like '15.31-9' (class), '15.3' (group) or '15' (division)"
        )
    if len(levels) > 1:
        found = ", ".join(f"{n} {lvl} codes" for lvl, n in levels.most_common())
        raise InputError(
            f"{source}: column {column!r} mixes CNAE levels ({found}); keep "
            "one level per file or pass industry_level= to aggregate after "
            "splitting the file"
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
    E: pd.DataFrame, to_level: CnaeLevel, cnae: CnaeTable | None = None
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
        Classification table, needed only for ``to_level="section"``.

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
    _check_level(to_level)
    codes, level = normalize_cnae_codes(
        E.columns, source="size table", column="columns"
    )
    if _RANK[to_level] > _RANK[level]:
        raise InputError(
            f"size table columns are CNAE {level} codes; cannot disaggregate "
            f"to {to_level}: pass industry_level={level!r} or coarser"
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


class TitleMatch(NamedTuple):
    """Result of :meth:`CnaeTable.match_titles`."""

    matched: dict[str, str]
    """Title as given -> canonical CNAE code."""
    unmatched: list[str]
    """Titles with no (or no unique) match, in input order."""


@dataclass(frozen=True, eq=False)
class CnaeTable:
    """The CNAE 2.0 classification: codes, levels, titles and parents.

    Parameters
    ----------
    table
        One row per code with columns ``code`` (canonical), ``level``
        (``"section"``, ``"division"``, ``"group"`` or ``"class"``),
        ``title``, ``parent`` (code of the next coarser level, or None) and
        ``section`` (letter, or None when unknown).
    source
        Where the table was read from (named in error messages).

    Examples
    --------
    >>> t = CnaeTable.from_records([("15", "Preparação de couros e calçados"),
    ...                             ("15.3", "Fabricação de calçados")])
    >>> t
    <CnaeTable: 1 division, 1 group>
    >>> t.title("153")
    'Fabricação de calçados'
    >>> t.match_titles(["FABRICACAO DE CALÇADOS", "Pesca"], level="group")
    TitleMatch(matched={'FABRICACAO DE CALÇADOS': '15.3'}, unmatched=['Pesca'])
    """

    table: pd.DataFrame
    source: str = "CNAE table"
    _by_code: dict[str, dict[str, Any]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    _by_title: dict[str, dict[str, list[str]]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        missing = {"code", "level", "title", "parent"} - set(self.table.columns)
        if missing:
            raise InputError(
                f"{self.source}: CNAE table lacks column(s) "
                f"{format_quoted(sorted(missing))}"
            )
        table = self.table.copy()
        if "section" not in table.columns:
            table["section"] = None
        table = table.reset_index(drop=True)[
            ["code", "level", "title", "parent", "section"]
        ]
        object.__setattr__(self, "table", table)
        by_code = {row["code"]: row for row in table.to_dict("records")}
        by_title: dict[str, dict[str, list[str]]] = {lvl: {} for lvl in LEVELS}
        for row in by_code.values():
            key = normalize_text(row["title"])
            by_title[row["level"]].setdefault(key, []).append(row["code"])
        object.__setattr__(self, "_by_code", by_code)
        object.__setattr__(self, "_by_title", by_title)

    def __repr__(self) -> str:
        counts = self.table["level"].value_counts()
        parts = [
            f"{counts[level]} {level if counts[level] == 1 else _plural(level)}"
            for level in LEVELS
            if level in counts
        ]
        return f"<CnaeTable: {', '.join(parts) or 'empty'}>"

    @classmethod
    def from_records(
        cls, records: Iterable[tuple[Any, str]], source: str = "CNAE table"
    ) -> CnaeTable:
        """Build a table from ``(code, title)`` pairs of any levels.

        Parents are derived from the code digits when present in the records;
        sections stay unknown unless section rows are given, in which case
        divisions must follow their section (IBGE order).
        """
        rows = []
        section = None
        for raw_code, title in records:
            code = normalize_cnae_code(raw_code)
            level = cnae_level(code)
            if level == "section":
                section = code
            rows.append(
                {
                    "code": code,
                    "level": level,
                    "title": str(title).strip(),
                    "section": section if level == "section" else None,
                }
            )
        return cls(_link(rows), source=source)

    def codes(self, level: CnaeLevel | None = None) -> list[str]:
        """All codes, or those of one level, in table order."""
        _check_level(level)
        table = (
            self.table if level is None else self.table[self.table["level"] == level]
        )
        return table["code"].tolist()

    def __contains__(self, code: object) -> bool:
        parsed = _parse(code, None)
        return parsed is not None and parsed[0] in self._by_code

    def _row(self, code: Any) -> dict[str, Any]:
        parsed = _parse(code, None)
        if parsed is None or parsed[0] not in self._by_code:
            raise InputError(
                f"CNAE code {code!r} is not in {self.source}; check the code "
                "(CNAE 2.0) or the classification file"
            )
        return self._by_code[parsed[0]]

    def level(self, code: Any) -> CnaeLevel:
        """Level of a code of the table."""
        return self._row(code)["level"]

    def title(self, code: Any) -> str:
        """Title of a code (any accepted spelling)."""
        return str(self._row(code)["title"])

    def titles(self, codes: Iterable[Any]) -> pd.Series:
        """Titles of several codes, as a Series indexed by the codes."""
        codes = list(codes)
        return pd.Series(
            [self.title(code) for code in codes],
            index=pd.Index([str(code) for code in codes], name="industry"),
            name="title",
        )

    def section(self, code: Any) -> str:
        """Section letter of a code."""
        row = self._row(code)
        if row["section"] is None or is_missing(row["section"]):
            raise InputError(
                f"{self.source} does not give the section of {row['code']!r}; "
                "use the IBGE or SEADE CNAE file"
            )
        return str(row["section"])

    def match_titles(
        self, titles: Iterable[str], level: CnaeLevel | None = None
    ) -> TitleMatch:
        """Map industry titles (e.g. RAIS column names) onto CNAE codes.

        A title matches a code when, in order of preference:

        1. both agree after folding case, accents, punctuation and spaces
           ("AqüIcultura" = "Aqüicultura");
        2. it is a known variant (:data:`KNOWN_TITLE_VARIANTS`);
        3. its words are, one by one, prefixes of the first words of exactly
           one official title: a title cut short ("... Medida, Teste e
           Controle" for "...; cronômetros e relógios") or abbreviated
           ("Infra-Est e Apoio a Pac Prest" for "infra-estrutura e apoio a
           pacientes prestadas"). At least three words are required.

        Parameters
        ----------
        titles
            Titles as found in the file.
        level
            Only match codes of this level. None: any level; a title found at
            several levels takes the level most other titles matched at.

        Returns
        -------
        TitleMatch
            ``matched`` (title -> code) and ``unmatched`` titles.
        """
        _check_level(level)
        titles = [str(title) for title in titles]
        levels = [level] if level is not None else list(LEVELS)
        candidates: dict[str, dict[str, str]] = {}
        for title in titles:
            found = self._candidates(normalize_text(title), levels)
            if found:
                candidates[title] = found
        if level is None:
            votes = Counter(
                next(iter(found)) for found in candidates.values() if len(found) == 1
            )
            dominant = votes.most_common(1)[0][0] if votes else None
        else:
            dominant = level
        matched: dict[str, str] = {}
        unmatched: list[str] = []
        for title in titles:
            found = candidates.get(title, {})
            if len(found) == 1:
                matched[title] = next(iter(found.values()))
            elif dominant in found:
                matched[title] = found[dominant]
            else:
                unmatched.append(title)
        return TitleMatch(matched, unmatched)

    def _candidates(self, key: str, levels: list[str]) -> dict[str, str]:
        """level -> code for a folded title (best rule that gives a hit)."""
        exact = {
            lvl: codes[0]
            for lvl in levels
            if len(codes := self._by_title[lvl].get(key, [])) == 1
        }
        if exact:
            return exact
        known = KNOWN_TITLE_VARIANTS.get(key)
        if known is not None and known in self._by_code:
            known_level = self._by_code[known]["level"]
            if known_level in levels:
                return {known_level: known}
        words = key.split()
        if len(words) < 3:
            return {}
        found: dict[str, str] = {}
        for lvl in levels:
            hits = [
                code
                for title_key, codes in self._by_title[lvl].items()
                if _words_prefix(words, title_key.split())
                for code in codes
            ]
            if len(hits) == 1:
                found[lvl] = hits[0]
        return found

    def suggest(
        self, title: str, level: CnaeLevel | None = None, n: int = 2
    ) -> list[str]:
        """Close official titles for an unmatched one (``"title (code)"``)."""
        _check_level(level)
        levels = [level] if level is not None else list(LEVELS)
        keys = {
            key: codes[0]
            for lvl in levels
            for key, codes in self._by_title[lvl].items()
        }
        hits = difflib.get_close_matches(
            normalize_text(title), list(keys), n=n, cutoff=0.6
        )
        return [f"{self.title(keys[key])!r} ({keys[key]})" for key in hits]


def _plural(level: str) -> str:
    return {
        "class": "classes",
        "division": "divisions",
        "group": "groups",
        "section": "sections",
    }[level]


def _words_prefix(short: list[str], long: list[str]) -> bool:
    if len(short) > len(long):
        return False
    return all(full.startswith(part) for part, full in zip(short, long, strict=False))


def _link(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Fill ``parent`` and ``section`` from the code digits and table order."""
    codes = {row["code"] for row in rows}
    section_of_division: dict[str, str] = {}
    for row in rows:
        if row["level"] == "division" and row.get("section"):
            section_of_division[row["code"]] = row["section"]
    out = []
    for row in rows:
        level = row["level"]
        parent = None
        if level == "division":
            parent = row.get("section") or None
        elif level in ("group", "class"):
            candidate = cnae_parent(row["code"])
            parent = candidate if candidate in codes else None
        section = row.get("section")
        if level != "section" and not section:
            division = re.sub(r"\D", "", row["code"])[:2]
            section = section_of_division.get(division)
        out.append({**row, "parent": parent, "section": section or None})
    frame = pd.DataFrame(out, columns=["code", "level", "title", "parent", "section"])
    duplicated = frame["code"][frame["code"].duplicated()].unique().tolist()
    if duplicated:
        raise InputError(
            f"CNAE table lists codes more than once: {format_quoted(duplicated)}"
        )
    return frame


# --------------------------------------------------------------------------
# readers


def read_cnae_table(path: str | Path) -> CnaeTable:
    """Read the CNAE 2.0 classification from one of three file layouts.

    Detected from the file's content:

    * IBGE/CONCLA ``CNAE20_EstruturaDetalhada.xls`` (sheet "Est. Detalhada
      CNAE 2.0": columns Seção / Divisão / Grupo / Classe / Denominação, one
      level per row; reading ``.xls`` needs ``xlrd``);
    * SEADE ``cnae_20.xlsx`` (one row per class with ``Cod Seção``,
      ``Cod_Divisao``, ``Cod_Grupo``, ``Cod_Classe`` and their ``Descr_*``;
      codes are integers without leading zeros, classes with check digit);
    * a CSV with columns ``code`` and ``title`` (level read from the code
      form: ``15.31-9``, ``15.3``, ``15``, ``C``); optional columns
      ``division`` and ``division_title`` add the divisions of group rows.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    CnaeTable

    Raises
    ------
    InputError
        When the layout is not recognised (listing the columns found) or a
        code cannot be parsed.
    """
    path = check_file(path)
    source = str(path)
    if path.suffix.lower() in (".xls", ".xlsx", ".xlsm", ".ods"):
        sheets = read_excel(path, sheet_name=None, header=None)
        for name, sheet in sheets.items():
            header_row = _find_row(
                sheet, {"secao", "divisao", "grupo", "classe", "denominacao"}
            )
            if header_row is not None:
                logger.debug("%s: IBGE layout, sheet %r", path, name)
                return CnaeTable(_read_ibge(sheet, header_row, source), source=source)
            header_row = _find_row(sheet, {"cod_classe", "cod_grupo", "cod_divisao"})
            if header_row is not None:
                logger.debug("%s: SEADE layout, sheet %r", path, name)
                return CnaeTable(_read_seade(sheet, header_row, source), source=source)
        first = next(iter(sheets.values()), pd.DataFrame())
        raise InputError(
            f"{path}: not a known CNAE layout (no sheet with Seção/Divisão/Grupo/"
            "Classe/Denominação or Cod_Divisao/Cod_Grupo/Cod_Classe columns; "
            f"first rows: {format_quoted(first.head(3).stack().tolist())}); "
            "use the IBGE file, SEADE cnae_20.xlsx or a CSV with code,title"
        )
    frame = read_table(path, text_columns=("code", "division"))
    frame.columns = [
        normalize_text(column).replace(" ", "_") for column in frame.columns
    ]
    if not {"code", "title"} <= set(frame.columns):
        raise InputError(
            f"{path}: a CNAE CSV needs columns 'code' and 'title'; found "
            f"{format_quoted(frame.columns)}; rename the columns"
        )
    records: list[tuple[Any, str]] = []
    if {"division", "division_title"} <= set(frame.columns):
        divisions = (
            frame[["division", "division_title"]].dropna().drop_duplicates("division")
        )
        records += [
            (normalize_cnae_code(code, "division"), title)
            for code, title in divisions.itertuples(index=False)
        ]
    bad = [code for code in frame["code"] if _parse(code, None) is None]
    if bad:
        raise InputError(
            f"{path}: column 'code' has values that are not CNAE 2.0 codes: "
            f"{format_quoted(bad)}; write classes as '15.31-9', groups as '15.3', "
            "divisions as '15'"
        )
    known = {code for code, _ in records}
    records += [
        (normalize_cnae_code(code), title)
        for code, title in frame[["code", "title"]].itertuples(index=False)
        if normalize_cnae_code(code) not in known
    ]
    return CnaeTable.from_records(records, source=source)


def _find_row(sheet: pd.DataFrame, wanted: set[str]) -> int | None:
    for i in range(min(len(sheet), 15)):
        folded = {
            normalize_text(v).replace(" ", "_")
            for v in sheet.iloc[i]
            if not is_missing(v)
        }
        if wanted <= folded:
            return i
    return None


def _read_ibge(sheet: pd.DataFrame, header_row: int, source: str) -> pd.DataFrame:
    header = [
        normalize_text(v) if not is_missing(v) else "" for v in sheet.iloc[header_row]
    ]
    position = {
        name: header.index(name)
        for name in ("secao", "divisao", "grupo", "classe", "denominacao")
    }
    rows: list[dict[str, Any]] = []
    section = None
    for values in sheet.iloc[header_row + 1 :].itertuples(index=False):
        title = values[position["denominacao"]]
        if is_missing(title) or normalize_text(title) == "denominacao":
            continue  # blank rows and page headers repeated by IBGE
        for level, column in (
            ("section", "secao"),
            ("division", "divisao"),
            ("group", "grupo"),
            ("class", "classe"),
        ):
            raw = values[position[column]]
            if is_missing(raw):
                continue
            if level == "section" and not _SECTION.fullmatch(str(raw).strip()):
                break  # footnotes in the first column
            code = normalize_cnae_code(raw, level)  # type: ignore[arg-type]
            if level == "section":
                section = code
            rows.append(
                {
                    "code": code,
                    "level": level,
                    "title": str(title).strip(),
                    "section": section,
                }
            )
            break
    return _link(rows)


def _read_seade(sheet: pd.DataFrame, header_row: int, source: str) -> pd.DataFrame:
    frame = sheet.iloc[header_row + 1 :].copy()
    frame.columns = [
        normalize_text(v).replace(" ", "_") if not is_missing(v) else f"unnamed_{i}"
        for i, v in enumerate(sheet.iloc[header_row])
    ]
    spec = (
        ("section", "cod_secao", "descr_secao"),
        ("division", "cod_divisao", "descr_divisao"),
        ("group", "cod_grupo", "descr_grupo"),
        ("class", "cod_classe", "descr_classe"),
    )
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for record in frame.to_dict("records"):
        if is_missing(record.get("cod_classe")):
            continue
        section = (
            str(record["cod_secao"]).strip().upper() if "cod_secao" in record else None
        )
        for level, code_column, title_column in spec:
            if code_column not in record or is_missing(record[code_column]):
                continue
            code = normalize_cnae_code(record[code_column], level)  # type: ignore[arg-type]
            if code in seen:
                continue
            seen.add(code)
            rows.append(
                {
                    "code": code,
                    "level": level,
                    "title": str(record.get(title_column, "")).strip(),
                    "section": section,
                }
            )
    if not rows:
        raise InputError(f"{source}: no CNAE classes found below the header row")
    return _link(rows)


def title_map(
    titles: Sequence[str],
    cnae: CnaeTable,
    *,
    level: CnaeLevel | None,
    source: str,
) -> TitleMatch:
    """:meth:`CnaeTable.match_titles` with the file named in messages."""
    result = cnae.match_titles(titles, level=level)
    logger.info(
        "%s: %d of %d industry titles matched CNAE %s titles",
        source,
        len(result.matched),
        len(titles),
        level or "",
    )
    return result


def describe_unmatched(
    unmatched: Sequence[str], cnae: CnaeTable, level: CnaeLevel | None
) -> str:
    """One-line list of unmatched titles with their closest official titles."""
    parts = []
    for title in unmatched[:5]:
        close = cnae.suggest(title, level)
        hint = f" (close: {', '.join(close)})" if close else ""
        parts.append(f"{title!r}{hint}")
    text = "; ".join(parts)
    if len(unmatched) > 5:
        text += f" and {len(unmatched) - 5} more"
    return text


def check_codes_known(
    codes: Iterable[str], cnae: CnaeTable, *, source: str, column: str
) -> None:
    """Raise naming the codes absent from the classification."""
    unknown = sorted({code for code in codes if code not in cnae})
    if unknown:
        raise InputError(
            f"{source}: column {column!r} has {len(unknown)} code(s) absent from "
            f"{cnae.source}: {format_quoted(unknown)}; check the codes (CNAE 2.0) "
            "or pass cnae=None to skip this check"
        )


__all__ = [
    "KNOWN_TITLE_VARIANTS",
    "CnaeLevel",
    "CnaeTable",
    "IndustryLevel",
    "TitleMatch",
    "aggregate_industries",
    "cnae_level",
    "cnae_parent",
    "normalize_cnae_code",
    "normalize_cnae_codes",
    "read_cnae_table",
]
