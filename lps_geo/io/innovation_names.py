"""Match municipality and microregion names of innovation tables to IBGE codes.

INPI's tables of patent applications (``MUNICIPIO-1digito_ipc.xlsx``) name
their columns by municipality (or microregion) name only, without the state;
:func:`read_places` reads the name lookup from IBGE's DTB tables and
:func:`match_names` turns names into codes, reporting (never guessing) the
names that match nothing and those that match several places.

Matching is exact after normalisation, in two tiers:

1. the spelling key: case, apostrophes (``D'Oeste``, ``D Oeste``,
   ``d’Oeste``), hyphens and repeated spaces do not matter, accents do
   (``Iporá`` (GO) and ``Iporã`` (PR) are two municipalities);
2. when nothing matches with accents, the accent-folded key
   (:func:`~lps_geo.io._util.normalize_text`: ``Sao Paulo`` finds
   ``São Paulo``; ``Ipora`` then matches both and is ambiguous).

A name may carry its state to settle a homonym (``Amparo (SP)``,
``Amparo - SP``, ``Amparo/SP``). Names of the 2022 mesh that differ from the
DTB's (:data:`KNOWN_RENAMINGS`) match too. Close spellings
(:mod:`difflib`) are only listed as candidates of unmatched names, never
used.
"""

from __future__ import annotations

import difflib
import logging
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from lps_geo.errors import ConfigError, InputError
from lps_geo.io._util import (
    clean_code,
    format_items,
    format_quoted,
    is_missing,
    normalize_region_codes,
    normalize_text,
    read_table,
)
from lps_geo.io.codes import STATE_ABBREVIATIONS

logger = logging.getLogger(__name__)

#: Municipalities whose name in IBGE's 2022 mesh (``BR_Municipios_2022``,
#: ``NM_MUN``) differs from the DTB table's (``brasil-municipios.csv``):
#: code -> (DTB name, 2022 name). Both names match the code. The one that
#: matters for the INPI tables is Campo Grande: the RN municipality listed as
#: Augusto Severo in the DTB is Campo Grande in 2022, so an INPI column
#: "Campo Grande" may hold it as well as Campo Grande (AL) and (MS).
KNOWN_RENAMINGS: dict[str, tuple[str, str]] = {
    "1708254": ("Fortaleza do Tabocão", "Tabocão"),
    "2304277": ("Ererê", "Ereré"),
    "2401305": ("Augusto Severo", "Campo Grande"),
    "2800100": ("Amparo de São Francisco", "Amparo do São Francisco"),
    "3122900": ("Dona Eusébia", "Dona Euzébia"),
    "3150539": ("Pingo d'Água", "Pingo-d'Água"),
    "3165206": ("São Thomé das Letras", "São Tomé das Letras"),
    "3200706": ("Atílio Vivacqua", "Atílio Vivácqua"),
    "4206108": ("Grão Pará", "Grão-Pará"),
    "5107800": ("Santo Antônio do Leverger", "Santo Antônio de Leverger"),
}

#: Columns of a place table: the DTB CSV's names first, then other layouts
#: (IBGE's mesh, the 2022 census table).
_MUNICIPALITY_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("id", "cd mun", "codigo ibge", "code", "codigo", "cd municipio"),
    "name": ("nome", "nm mun", "name", "nome municipio"),
    "microregion": ("id microrregiao", "cd micro", "microregion"),
}
_MICROREGION_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("id", "cd micro", "code", "codigo"),
    "name": ("nome", "nm micro", "name"),
}
PLACE_COLUMNS = ("code", "name", "state", "microregion", "microregion_name")

_STATE_SUFFIX = (
    re.compile(r"^(?P<name>.+?)\s*[(\[]\s*(?P<uf>[A-Za-z]{2})\s*[)\]]$"),
    re.compile(r"^(?P<name>.+?)\s*[-/,]\s*(?P<uf>[A-Za-z]{2})$"),
)
_UFS = set(STATE_ABBREVIATIONS.values())


def spelling_key(name: Any) -> str:
    """Case, punctuation and spacing folded; accents kept.

    Examples
    --------
    >>> spelling_key("Alta Floresta D'Oeste") == spelling_key("alta floresta d oeste")
    True
    >>> spelling_key("Iporá") == spelling_key("Iporã")
    False
    >>> spelling_key("Mogi-Mirim") == spelling_key("Mogi  Mirim")
    True
    """
    text = unicodedata.normalize("NFC", str(name)).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def split_state(name: str) -> tuple[str, str | None]:
    """A trailing state abbreviation, ``Amparo (SP)`` -> ``("Amparo", "SP")``.

    Examples
    --------
    >>> split_state("Amparo (SP)"), split_state("Bom Jesus - PI")
    (('Amparo', 'SP'), ('Bom Jesus', 'PI'))
    >>> split_state("Ji-Paraná"), split_state("Xangri-lá")
    (('Ji-Paraná', None), ('Xangri-lá', None))
    """
    for pattern in _STATE_SUFFIX:
        match = pattern.match(str(name).strip())
        if match and match.group("uf").upper() in _UFS:
            return match.group("name").strip(), match.group("uf").upper()
    return str(name), None


def _find(columns: Sequence[Any], options: tuple[str, ...]) -> str | None:
    folded = {normalize_text(column): str(column) for column in columns}
    for option in options:
        if option in folded:
            return folded[option]
    return None


def _read_lookup(
    table: str | Path | pd.DataFrame, wanted: dict[str, tuple[str, ...]], what: str
) -> tuple[pd.DataFrame, dict[str, str | None], str]:
    if isinstance(table, pd.DataFrame):
        frame, source = table, f"the {what} table"
    else:
        source = str(table)
        frame = read_table(table, all_text=True)
    found = {key: _find(frame.columns, options) for key, options in wanted.items()}
    for key in ("code", "name"):
        if found[key] is None:
            raise InputError(
                f"{source}: no {key} column for the {what} lookup (looked for "
                f"{format_quoted(wanted[key])}); available columns: "
                f"{format_quoted([str(c) for c in frame.columns], max_shown=12)} -- "
                "give IBGE's DTB table (e.g. lookups/brasil-municipios.csv)"
            )
    return frame, found, source


def _codes_of(boundaries: Any) -> pd.Index:
    if isinstance(boundaries, (pd.DataFrame, pd.Series)):
        boundaries = boundaries.index
    codes = pd.Index([clean_code(code) for code in boundaries], dtype=object)
    if not all(isinstance(c, str) and c.isdigit() and len(c) == 7 for c in codes):
        bad = [c for c in codes if not (isinstance(c, str) and len(c) == 7)]
        raise ConfigError(
            f"boundaries: {len(bad)} index value(s) are not 7-digit municipality "
            f"codes ({format_quoted(bad[:5])}); read the boundaries with "
            "lps_geo.io.read_boundaries or pass an Index of IBGE codes"
        )
    return codes


def read_places(
    municipalities: str | Path | pd.DataFrame,
    microregions: str | Path | pd.DataFrame | None = None,
    *,
    boundaries: Any = None,
) -> pd.DataFrame:
    """The name lookup of municipalities: code, name, state and microregion.

    Parameters
    ----------
    municipalities
        IBGE's DTB table of municipalities (``brasil-municipios.csv``:
        ``id`` 7-digit, ``id_microrregiao``, ``nome``), or a table with
        ``CD_MUN``/``NM_MUN`` or ``codigo_ibge``/``nome`` columns.
    microregions
        The DTB table of microregions (``brasil-microrregioes.csv``: ``id``,
        ``nome``), for the microregion names (needed to read tables given by
        microregion name).
    boundaries
        A GeoDataFrame indexed by municipality code (or an Index of codes):
        only its municipalities are kept. The ones left out are logged and
        kept in ``attrs["outside"]`` (tuples in :data:`PLACE_COLUMNS` order),
        so that the readers still see homonyms outside the study area and
        report names of municipalities outside it instead of calling them
        unmatched.

    Returns
    -------
    DataFrame
        Indexed by ``region`` (the code), columns ``code`` (7-digit str),
        ``name``, ``state`` (UF abbreviation), ``microregion`` (5-digit str
        or None) and ``microregion_name`` (None without ``microregions``).

    Raises
    ------
    InputError
        Missing code or name columns, codes that are not 7 digits, repeated
        codes, empty names.

    Examples
    --------
    >>> dtb = pd.DataFrame({"id": ["3501905", "2500734"],
    ...                     "id_microrregiao": ["35033", "25010"],
    ...                     "nome": ["Amparo", "Amparo"]})
    >>> read_places(dtb)[["name", "state", "microregion"]]
               name state microregion
    region
    3501905  Amparo    SP       35033
    2500734  Amparo    PB       25010
    >>> read_places(dtb, boundaries=pd.Index(["3501905"])).attrs["outside"]
    (('2500734', 'Amparo', 'PB', '25010', None),)
    """
    if municipalities is None:
        raise ConfigError(
            "read_places needs the DTB table of municipalities (e.g. "
            "lookups/brasil-municipios.csv) to match names; got None"
        )
    frame, found, source = _read_lookup(
        municipalities, _MUNICIPALITY_COLUMNS, "municipality"
    )
    rows = [i + 2 for i in range(len(frame))]
    codes = normalize_region_codes(
        frame[found["code"]].tolist(),
        source=source,
        column=found["code"],
        what="municipality code",
        rows=rows,
    )
    wrong = [code for code in codes if len(code) != 7]
    if wrong:
        raise InputError(
            f"{source}: column {found['code']!r} has {len(wrong)} code(s) that are "
            f"not 7-digit IBGE municipality codes: {format_quoted(wrong)}"
        )
    index = pd.Index(codes, name="region", dtype=object)
    if index.has_duplicates:
        repeated = index[index.duplicated()].unique()
        raise InputError(
            f"{source}: column {found['code']!r} repeats the code(s) "
            f"{format_quoted(repeated)}; give one row per municipality"
        )
    names = [None if is_missing(v) else str(v).strip() for v in frame[found["name"]]]
    empty = [rows[i] for i, name in enumerate(names) if name is None]
    if empty:
        raise InputError(
            f"{source}: column {found['name']!r} is empty in row(s) "
            f"{format_items(empty)}; every municipality needs its name"
        )
    micro: list[str | None] = [None] * len(codes)
    if found["microregion"] is not None:
        micro = [clean_code(v) for v in frame[found["microregion"]]]
    micro_names: dict[str, str] = {}
    if microregions is not None:
        mframe, mfound, msource = _read_lookup(
            microregions, _MICROREGION_COLUMNS, "microregion"
        )
        for code, name in zip(
            mframe[mfound["code"]], mframe[mfound["name"]], strict=True
        ):
            code = clean_code(code)
            if code is not None and not is_missing(name):
                micro_names[code] = str(name).strip()
        if found["microregion"] is None:
            raise InputError(
                f"{source}: no microregion column (looked for "
                f"{format_quoted(_MUNICIPALITY_COLUMNS['microregion'])}); the "
                "microregion names of "
                f"{msource} cannot be linked -- give the DTB municipality table"
            )
    places = pd.DataFrame(
        {
            "code": codes,
            "name": names,
            "state": [STATE_ABBREVIATIONS.get(code[:2], code[:2]) for code in codes],
            "microregion": micro,
            "microregion_name": [micro_names.get(m) if m else None for m in micro],
        },
        index=index,
        dtype=object,
    )
    if boundaries is None:
        return places
    wanted = _codes_of(boundaries)
    inside = places.index.isin(wanted)
    outside = places.loc[~inside]
    kept = places.loc[inside].copy()
    no_name = wanted.difference(places.index)
    if len(outside):
        logger.info(
            "%s: %d of %d municipalities are not in the boundaries and were left "
            "out of the name lookup (%s)",
            source,
            len(outside),
            len(places),
            format_items(
                f"{c} {n} ({s})"
                for c, n, s in outside[["code", "name", "state"]].itertuples(
                    index=False
                )
            ),
        )
    if len(no_name):
        logger.info(
            "%s: %d boundary region(s) have no row in the lookup (%s): no name "
            "can match them",
            source,
            len(no_name),
            format_items(no_name),
        )
    kept.attrs["outside"] = tuple(
        tuple(row) for row in outside[list(PLACE_COLUMNS)].itertuples(index=False)
    )
    return kept


def check_places(places: Any) -> pd.DataFrame:
    """Raise unless ``places`` is a frame from :func:`read_places`."""
    if not isinstance(places, pd.DataFrame) or not set(PLACE_COLUMNS) <= set(
        map(str, places.columns)
    ):
        raise ConfigError(
            "places must be the name lookup from lps_geo.io.read_places (columns "
            f"{', '.join(PLACE_COLUMNS)}), got {type(places).__name__}"
        )
    return places


def outside_places(places: pd.DataFrame) -> pd.DataFrame:
    """The municipalities :func:`read_places` left out (``attrs["outside"]``)."""
    rows = places.attrs.get("outside", ())
    frame = pd.DataFrame(list(rows), columns=list(PLACE_COLUMNS), dtype=object)
    frame.index = pd.Index(frame["code"].tolist(), name="region", dtype=object)
    return frame


def describe(code: str, name: str, state: str, note: str | None = None) -> str:
    """A candidate as reports show it: ``"code Name (UF)"``.

    >>> describe("3501905", "Amparo", "SP")
    '3501905 Amparo (SP)'
    """
    text = f"{code} {name} ({state})"
    return f"{text} [{note}]" if note else text


@dataclass(frozen=True)
class Place:
    """A municipality or microregion a name can match."""

    code: str
    name: str
    state: str
    inside: bool = True
    note: str | None = None

    @property
    def label(self) -> str:
        """The candidate text: ``"code Name (UF)"``."""
        extra = [] if self.note is None else [self.note]
        if not self.inside:
            extra.append("outside the boundaries")
        return describe(self.code, self.name, self.state, "; ".join(extra) or None)


@dataclass(frozen=True)
class NameMatch:
    """What :func:`match_names` found for each name.

    ``matched``: name -> code (exactly one place, inside the boundaries);
    ``ambiguous``: name -> every candidate (several places);
    ``unmatched``: names matching nothing, with ``candidates`` (close
    spellings, for the report only); ``outside``: names whose places are all
    outside the boundaries.
    """

    matched: dict[str, str]
    ambiguous: dict[str, tuple[str, ...]]
    unmatched: tuple[str, ...]
    candidates: dict[str, tuple[str, ...]]
    outside: tuple[str, ...]
    accent_folded: tuple[str, ...] = field(default=())


def municipality_places(places: pd.DataFrame) -> list[Place]:
    """Every municipality of ``places`` (and the ones left out) as a Place."""
    out = []
    for frame, inside in ((places, True), (outside_places(places), False)):
        for code, name, state in frame[["code", "name", "state"]].itertuples(
            index=False
        ):
            out.append(Place(str(code), str(name), str(state), inside))
    return out


def microregion_places(places: pd.DataFrame) -> list[Place]:
    """Every microregion of ``places`` with a name, as a Place.

    A microregion is inside when one of its municipalities is.
    """
    seen: dict[str, Place] = {}
    for frame, inside in ((places, True), (outside_places(places), False)):
        for code, name, state in frame[
            ["microregion", "microregion_name", "state"]
        ].itertuples(index=False):
            if is_missing(code) or is_missing(name) or code in seen:
                continue
            seen[str(code)] = Place(str(code), str(name), str(state), inside)
    return list(seen.values())


def _aliases(places: Iterable[Place]) -> list[tuple[str, Place]]:
    """(name, place) pairs: each place's name and its known other names."""
    out = []
    for place in places:
        out.append((place.name, place))
        dtb, mesh = KNOWN_RENAMINGS.get(place.code, (place.name, place.name))
        for other, where in ((mesh, "2022 mesh"), (dtb, "DTB")):
            if other != place.name:
                note = f"{other} in the {where}"
                alias = Place(place.code, place.name, place.state, place.inside, note)
                out.append((other, alias))
    return out


def match_names(
    names: Sequence[str], places: Sequence[Place], *, candidates: bool = True
) -> NameMatch:
    """Match names to places, exactly after normalisation (see the module).

    ``candidates``: look up close spellings of the unmatched names (slow
    for thousands of names; only for the report).

    Examples
    --------
    >>> places = [Place("3501905", "Amparo", "SP"), Place("2500734", "Amparo", "PB"),
    ...           Place("5210208", "Iporá", "GO"), Place("4110607", "Iporã", "PR")]
    >>> m = match_names(["Amparo", "Amparo (SP)", "IPORÁ", "Ipora", "Xyz"], places)
    >>> m.matched
    {'Amparo (SP)': '3501905', 'IPORÁ': '5210208'}
    >>> m.ambiguous["Amparo"]
    ('2500734 Amparo (PB)', '3501905 Amparo (SP)')
    >>> m.unmatched, m.ambiguous["Ipora"]
    (('Xyz',), ('4110607 Iporã (PR)', '5210208 Iporá (GO)'))
    """
    exact: dict[str, list[Place]] = defaultdict(list)
    folded: dict[str, list[Place]] = defaultdict(list)
    for name, place in _aliases(places):
        exact[spelling_key(name)].append(place)
        folded[normalize_text(name)].append(place)
    matched: dict[str, str] = {}
    ambiguous: dict[str, tuple[str, ...]] = {}
    unmatched: list[str] = []
    outside: list[str] = []
    accent_folded: list[str] = []
    for raw in names:
        base, state = split_state(raw)
        found = _lookup(str(raw), exact, folded)
        tier_folded = found[1]
        found_places = found[0]
        if not found_places and state is not None:
            found_places, tier_folded = _lookup(base, exact, folded)
            found_places = [p for p in found_places if p.state == state]
        unique: dict[str, Place] = {}
        for place in found_places:
            unique.setdefault(place.code, place)
        if not unique:
            unmatched.append(raw)
        elif len(unique) > 1 and any(p.inside for p in unique.values()):
            ambiguous[raw] = tuple(sorted({p.label for p in unique.values()}))
        elif len(unique) > 1:
            outside.append(raw)
        else:
            (place,) = unique.values()
            if place.inside:
                matched[raw] = place.code
                if tier_folded:
                    accent_folded.append(raw)
            else:
                outside.append(raw)
    close = _close_candidates(unmatched, folded) if candidates else {}
    return NameMatch(
        matched,
        ambiguous,
        tuple(unmatched),
        close,
        tuple(outside),
        tuple(accent_folded),
    )


def _lookup(
    name: str, exact: dict[str, list[Place]], folded: dict[str, list[Place]]
) -> tuple[list[Place], bool]:
    """Places of ``name``: by spelling key, else by folded key (True)."""
    hit = exact.get(spelling_key(name))
    if hit:
        return hit, False
    return folded.get(normalize_text(name), []), True


def _close_candidates(
    names: Sequence[str], folded: dict[str, list[Place]], n: int = 3
) -> dict[str, tuple[str, ...]]:
    """Close spellings of unmatched names (:mod:`difflib`), for the report."""
    keys = list(folded)
    out: dict[str, tuple[str, ...]] = {}
    for name in names:
        close = difflib.get_close_matches(
            normalize_text(split_state(name)[0]), keys, n=n, cutoff=0.8
        )
        labels = [place.label for key in close for place in folded[key]]
        out[name] = tuple(dict.fromkeys(labels))
    return out
