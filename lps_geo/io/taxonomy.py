"""The institution taxonomy's type mapping: source categories onto the taxonomy codes.

Registers name their categories in many ways ("Universidade", "FACULDADE",
"Instituto Federal", "SENAI" ...); :data:`DEFAULT_TYPE_MAP` folds them onto
the codes of :data:`~lps_geo.vocab.INSTITUTION_TYPES` (labels in
:data:`lps_geo.symbology.INSTITUTION_NAMES`), :func:`load_type_map` merges a
user's mapping over it and :func:`classify_types` applies it, refined by the
institutions' names (:data:`NAME_RULES`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lps_geo.errors import ConfigError, InputError
from lps_geo.io._util import (
    check_file,
    format_items,
    format_quoted,
    is_missing,
    normalize_text,
    read_table,
    require_columns,
)
from lps_geo.vocab import INSTITUTION_TYPES

logger = logging.getLogger(__name__)


_CATEGORIES: dict[str, tuple[str, ...]] = {
    # Colleges count as "university": the taxonomy separates universities and
    # colleges (any higher-education institution) from the federal network
    # and from technical / vocational schools, not universities from colleges.
    "university": (
        "university",
        "universities",
        "college",
        "university college",
        "higher education",
        "higher education institution",
        "universidade",
        "universidade federal",
        "universidade estadual",
        "universidade municipal",
        "universidade publica",
        "universidade privada",
        "centro universitario",
        "faculdade",
        "faculdades",
        "faculdade integrada",
        "faculdades integradas",
        "instituto superior",
        "instituto superior de educacao",
        "instituto superior ou escola superior",
        "escola superior",
        "instituicao de ensino superior",
        "ensino superior",
        "ies",
    ),
    "federal_institute": (
        "federal institute",
        "instituto federal",
        "instituto federal de educacao ciencia e tecnologia",
        "if",
        "cefet",
        "centro federal de educacao tecnologica",
        "rede federal",
    ),
    "technical_school": (
        "technical school",
        "training school",
        "vocational school",
        "vocational training",
        "escola tecnica",
        "escola tecnica estadual",
        "escola tecnica federal",
        "escola agrotecnica",
        "escola profissionalizante",
        "escola de formacao profissional",
        "centro de formacao profissional",
        "formacao profissional",
        "educacao profissional",
        "ensino tecnico",
        "etec",
        "fatec",
        "senai",
        "senac",
        "senar",
        "senat",
        "sistema s",
    ),
    "research_centre": (
        "research centre",
        "research center",
        "research institute",
        "laboratory",
        "lab",
        "centro de pesquisa",
        "centro de pesquisas",
        "centro de pesquisa e desenvolvimento",
        "instituto de pesquisa",
        "instituto de pesquisas",
        "instituto de ciencia e tecnologia",
        "laboratorio",
        "embrapa",
        "unidade embrapa",
    ),
    "technology_park": (
        "technology park",
        "science park",
        "science and technology park",
        "incubator",
        "business incubator",
        "parque tecnologico",
        "parque cientifico e tecnologico",
        "parque cientifico",
        "polo tecnologico",
        "incubadora",
        "incubadora de empresas",
        "incubadora tecnologica",
    ),
    "other": ("other", "outro", "outra", "outros", "outras"),
}

#: Default mapping from source categories (folded with
#: :func:`~lps_geo.io._util.normalize_text`: lower case, no accents, single
#: spaces) to taxonomy codes. Covers the taxonomy codes themselves, English
#: names, INEP's academic organisations (universidade, centro universitário,
#: faculdade, faculdades integradas, instituto superior, escola superior ->
#: ``university``: colleges count as university/college), the federal
#: network (instituto federal, CEFET), the S system and state technical
#: schools (SENAI, SENAC, ETEC, FATEC -> ``technical_school``), research
#: bodies (centro de pesquisa, laboratório, EMBRAPA) and technology parks and
#: incubators.
DEFAULT_TYPE_MAP: dict[str, str] = {
    **{normalize_text(code): code for code in INSTITUTION_TYPES},
    **{
        normalize_text(category): code
        for code, categories in _CATEGORIES.items()
        for category in categories
    },
}

#: Extra categories of INEP's higher-education register: its "Tipo de
#: Instituição" column holds the administrative category (PÚBLICA /
#: PRIVADA), and every record is a higher-education institution.
INEP_TYPE_MAP: dict[str, str] = {"publica": "university", "privada": "university"}

#: Phrases that, found in an institution's name (folded), refine a generic
#: ``university`` or ``other`` into a more specific type: the federal
#: institutes and CEFETs are higher-education institutions in INEP's register.
NAME_RULES: tuple[tuple[str, str], ...] = (
    ("instituto federal", "federal_institute"),
    ("centro federal de educacao tecnologica", "federal_institute"),
    ("cefet", "federal_institute"),
)


def _type_code(value: Any) -> str | None:
    """Return the taxonomy code a map value names (``"federal institute"`` ok)."""
    if is_missing(value):
        return None
    folded = normalize_text(value)
    for code in INSTITUTION_TYPES:
        if folded == normalize_text(code):
            return code
    return None


def load_type_map(
    type_map: Mapping[str, str] | str | Path | None = None,
    *,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Build the category -> taxonomy mapping: ``type_map`` merged over the default.

    Parameters
    ----------
    type_map
        A dict from source category to taxonomy code, or the path of a CSV
        (or Excel) table with columns ``source`` and ``type``. Categories are
        folded (lower case, no accents, single spaces), so ``"Faculdade"``
        and ``"FACULDADE"`` are the same entry. Types may be written as the
        codes (``federal_institute``) or with spaces.
    base
        The mapping to merge over; :data:`DEFAULT_TYPE_MAP` when None.

    Returns
    -------
    dict
        Folded category -> taxonomy code.

    Raises
    ------
    ConfigError
        A dict entry maps to something outside the taxonomy.
    InputError
        The CSV lacks the columns, or a row is empty or names an unknown type
        (naming the rows).

    Examples
    --------
    >>> m = load_type_map({"Núcleo de Inovação": "technology park"})
    >>> m["nucleo de inovacao"], m["universidade"]
    ('technology_park', 'university')
    """
    merged = dict(DEFAULT_TYPE_MAP if base is None else base)
    if type_map is None:
        return merged
    if isinstance(type_map, Mapping):
        bad = {key: value for key, value in type_map.items() if not _type_code(value)}
        if bad:
            shown = format_items(f"{key!r}: {value!r}" for key, value in bad.items())
            raise ConfigError(
                f"type_map maps {len(bad)} categor(ies) to unknown types ({shown}); "
                f"types must be one of {', '.join(INSTITUTION_TYPES)}"
            )
        merged.update(
            {normalize_text(key): _type_code(value) for key, value in type_map.items()}  # type: ignore[misc]
        )
        return merged
    path = check_file(type_map)
    source = str(path)
    frame = read_table(path, text_columns=("source", "type"))
    require_columns(frame.columns, {"type_map": "source"}, source)
    require_columns(frame.columns, {"type_map": "type"}, source)
    empty = [
        i + 2
        for i, (key, value) in enumerate(
            zip(frame["source"], frame["type"], strict=True)
        )
        if is_missing(key) or is_missing(value)
    ]
    if empty:
        raise InputError(
            f"{source}: {len(empty)} row(s) have an empty 'source' or 'type' "
            f"(rows {format_items(empty)}); fill them in or remove them"
        )
    wrong = [
        (i + 2, value)
        for i, value in enumerate(frame["type"])
        if _type_code(value) is None
    ]
    if wrong:
        raise InputError(
            f"{source}: column 'type' has {len(wrong)} value(s) outside the "
            f"taxonomy (rows {format_items(row for row, _ in wrong)}: "
            f"{format_quoted(value for _, value in wrong)}); use one of "
            f"{', '.join(INSTITUTION_TYPES)}"
        )
    entries = {
        normalize_text(key): _type_code(value)
        for key, value in zip(frame["source"], frame["type"], strict=True)
    }
    logger.info("%s: %d type map entries", source, len(entries))
    merged.update(entries)  # type: ignore[arg-type]
    return merged


def classify_types(
    source_types: Sequence[Any],
    names: Sequence[Any] | None = None,
    type_map: Mapping[str, str] | None = None,
    *,
    name_rules: bool = True,
) -> tuple[list[str | None], Counter[str]]:
    """Map source categories onto the taxonomy.

    Parameters
    ----------
    source_types
        The categories as written in the source.
    names
        Institution names for :data:`NAME_RULES` (a generic ``university``
        or ``other`` whose name says "Instituto Federal" or "CEFET" becomes
        ``federal_institute``); None skips the rules.
    type_map
        Folded category -> code (see :func:`load_type_map`); the default map
        when None.
    name_rules
        Apply :data:`NAME_RULES`.

    Returns
    -------
    (list, Counter)
        One code per record (None where the category is unknown) and the
        unknown categories with their counts (empty cells count as
        ``"(empty)"``).

    Examples
    --------
    >>> codes, unknown = classify_types(
    ...     ["Universidade", "PÚBLICA", "SENAI", "fablab"],
    ...     ["USP", "INSTITUTO FEDERAL DE SÃO PAULO", "Senai Franca", "Lab X"],
    ...     load_type_map(base={**DEFAULT_TYPE_MAP, **INEP_TYPE_MAP}))
    >>> codes, dict(unknown)
    (['university', 'federal_institute', 'technical_school', None], {'fablab': 1})
    """
    mapping = DEFAULT_TYPE_MAP if type_map is None else type_map
    codes: list[str | None] = []
    unknown: Counter[str] = Counter()
    for position, value in enumerate(source_types):
        key = "" if is_missing(value) else normalize_text(value)
        code = mapping.get(key)
        if code is None:
            unknown["(empty)" if not key else str(value).strip()] += 1
        elif name_rules and names is not None and code in ("university", "other"):
            name = names[position]
            folded = f" {normalize_text(name)} " if not is_missing(name) else ""
            for phrase, rule_code in NAME_RULES:
                if f" {phrase} " in folded:
                    code = rule_code
                    break
        codes.append(code)
    return codes, unknown
