"""The CNAE 2.0 classification table: read it, look codes up and match industry titles.

A :class:`CnaeTable` holds every code of the classification with its level,
title, parent and section; :func:`read_cnae_table` reads it from the IBGE
(CONCLA), SEADE or a simple CSV file. RAIS query-tool exports name their
columns by industry *title*: :meth:`CnaeTable.match_titles` maps such titles
onto codes, tolerating case, accents, punctuation and abbreviations.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from lps_geo.errors import InputError
from lps_geo.io._util import (
    check_file,
    format_items,
    format_quoted,
    is_missing,
    normalize_text,
    read_excel,
    read_table,
)
from lps_geo.io.cnae import (
    LEVELS,
    SECTION_LETTER,
    check_level,
    cnae_level,
    cnae_parent,
    normalize_cnae_code,
    parse_code,
)
from lps_geo.vocab import CnaeLevel

logger = logging.getLogger(__name__)

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
        check_level(level)
        table = (
            self.table if level is None else self.table[self.table["level"] == level]
        )
        return table["code"].tolist()

    def __contains__(self, code: object) -> bool:
        parsed = parse_code(code, None)
        return parsed is not None and parsed[0] in self._by_code

    def _row(self, code: Any) -> dict[str, Any]:
        parsed = parse_code(code, None)
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
        check_level(level)
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
        check_level(level)
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
    bad = [code for code in frame["code"] if parse_code(code, None) is None]
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
            if level == "section" and not SECTION_LETTER.fullmatch(str(raw).strip()):
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
    codes: Iterable[str],
    cnae: CnaeTable,
    *,
    source: str,
    column: str,
    rows: Sequence[int] | None = None,
) -> None:
    """Raise naming the codes absent from the classification (and, given
    the file ``rows`` of the codes, the first row of each)."""
    codes = list(codes)
    unknown = sorted({code for code in codes if code not in cnae})
    if unknown:
        shown = format_quoted(unknown)
        if rows is not None:
            first = {}
            for code, row in zip(codes, rows, strict=True):
                first.setdefault(code, row)
            shown = format_items(f"{code!r} (row {first[code]})" for code in unknown)
        raise InputError(
            f"{source}: column {column!r} has {len(unknown)} code(s) absent from "
            f"the CNAE table {cnae.source}: {shown}; check the codes (CNAE 2.0), "
            "or point [inputs] cnae to a table that has them"
        )
