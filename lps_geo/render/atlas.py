"""A printable atlas of local production systems, as one vector PDF.

The atlas is composed from the result GeoPackage alone (or a
:class:`~lps_geo.result.Result` in memory): nothing is recomputed, every
number and category on its pages is a column that the analysis wrote. Pages,
in order:

1. cover: title, study area, date of the run, number of LPS by type and a
   small typology map;
2. contents: one line per LPS (page, name, industry, type), over as many pages
   as needed (:data:`CONTENTS_ROWS` lines each);
3. methods: data, filters, typology thresholds and inference choices of the
   run, read from its metadata;
4. overview maps: the typology of all industries
   (:func:`lps_geo.render.maps.typology_map`) and, when the run had institutions, the
   capability map (:func:`lps_geo.render.maps.capability_map`);
5. one page per LPS: a location map with an inset locator, an indicator
   table, the LPS's place on the 2x2 typology chart of its industry, a
   capability summary and the policy guidelines of its type.

The typology and the guidelines are those of Suzigan, Furtado & Garcia
(2006); colours come from :mod:`lps_geo.symbology` only, so a type, LISA class
or institution type looks the same here, on the static maps and in QGIS.

Use :func:`write_atlas` for the file, :func:`atlas_plan` for the page list
and :func:`lps_page_figure` for one LPS page as a matplotlib Figure.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
import pandas as pd

from lps_geo.config import get_thresholds
from lps_geo.errors import ConfigError, InputError
from lps_geo.io.divisions import STATE_ABBREVIATIONS
from lps_geo.method.typology import CITATION, GUIDELINES
from lps_geo.symbology import (
    EDGE_COLOR,
    INSTITUTION_COLORS,
    TYPE_COLORS,
    TYPE_LABELS,
    TYPE_SHORT_LABELS,
)
from lps_geo.vocab import TYPES

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from lps_geo.result import Result

logger = logging.getLogger(__name__)

Lang = Literal["en", "pt"]
PageSize = Literal["A4", "A3"]
PageKind = Literal[
    "cover", "contents", "methods", "overview_typology", "overview_capability", "lps"
]

#: Portrait page sizes in inches (ISO 216).
PAGE_SIZES: dict[str, tuple[float, float]] = {
    "A4": (210 / 25.4, 297 / 25.4),
    "A3": (297 / 25.4, 420 / 25.4),
}

#: Lines of the table of contents per page (the same on A4 and A3: A3 pages
#: are A4 pages enlarged, fonts included).
CONTENTS_ROWS = 27

#: Default order of the LPS pages: type in legend order, then share of the
#: industry, largest first.
DEFAULT_SORT: tuple[str, ...] = ("lps_type", "share_industry")

#: IBGE state codes (first two digits of a municipality code) and their
#: abbreviations, used to name the study area.
STATES: dict[str, str] = STATE_ABBREVIATIONS

#: The location map of an LPS shows at least this many metres around its
#: bounds (and at least half its extent), so neighbouring municipalities and
#: nearby institutions are in view.
NEIGHBOURHOOD_M = 15_000.0

# neutral inks (not category colours): text, rules, quiet text
_INK = "#222222"
_MUTED = "#666666"
_RULE = EDGE_COLOR


_TEXT: dict[str, dict[str, Any]] = {
    "en": {
        "atlas": "Local production systems atlas",
        "subtitle": "Industrial clusters identified and classified after "
        "Suzigan, Furtado & Garcia (2006)",
        "study_area": "Study area",
        "municipalities": "municipalities",
        "areas": "analysis areas",
        "state": "state",
        "states": "states",
        "run_of": "Run of",
        "unknown_date": "unknown date",
        "source": "Source",
        "lps_by_type": "Local production systems by type",
        "total": "Total",
        "selection": "This atlas: {k} of {n} LPS ({what})",
        "filtered_by": "filtered by",
        "filter_names": {
            "industries": "industries",
            "types": "types",
            "states": "states",
        },
        "all_lps": "all LPS",
        "contents": "Contents",
        "contents_cont": "Contents (continued)",
        "page": "Page",
        "lps": "Local production system",
        "industry": "Industry",
        "type": "Type",
        "methods": "Methods",
        "overview": "Overview maps",
        "no_lps": "No local production system was found in this run.",
        "page_of": "page {n} of {m}",
        "front": "Front matter",
        "members": "Members",
        "more": "and {k} more",
        "indicators": "Indicators",
        "employment": "Employment (jobs)",
        "establishments": "Establishments",
        "ql": "Location quotient (QL)",
        "share_industry": "Share of the industry",
        "share_region": "Share of the region's activity",
        "n_members": "Member areas",
        "gini": "Locational Gini of the industry",
        "high_high": "Members in LISA High-High",
        "hot_spots": "Members in Gi* hot spots",
        "hotspot_members": "Members added as hot spots",
        "chart": "Position in the typology of {industry}",
        "chart_x": "Share of the industry",
        "chart_y": "Location quotient (log scale)",
        "this_lps": "this LPS",
        "other_industries": "other industries",
        "capability": "Support institutions",
        "cap_type": "Type",
        "inside": "inside",
        "within": "within\n{d} km",
        "nearest": "nearest\n(km)",
        "cap_index": "Capability index (z-score scale)",
        "cap_test": "Institutions ≤ {d} km: {obs} observed, {exp} expected "
        "by chance; one-sided p = {p}",
        "no_capability": "The run had no institutions layer, so no capability "
        "measures are available.",
        "no_cap_row": "No capability measures for this LPS.",
        "guidelines": "Policy guidelines — {label}",
        "after": "After",
        "legend_members": "LPS members",
        "legend_others": "Other municipalities",
        "legend_radius": "{d} km from the LPS",
        "map_title": "Location",
        "overview_industries": "LPS by industry",
        "more_industries": "… and {k} more industries with LPS (see the contents)",
        "n_lps": "LPS",
        "no_institutions": "No support institutions were given for this run.",
    },
    "pt": {
        "atlas": "Atlas de arranjos produtivos locais",
        "subtitle": "Aglomerações industriais identificadas e classificadas "
        "segundo Suzigan, Furtado & Garcia (2006)",
        "study_area": "Área de estudo",
        "municipalities": "municípios",
        "areas": "áreas de análise",
        "state": "UF",
        "states": "UFs",
        "run_of": "Processamento de",
        "unknown_date": "data desconhecida",
        "source": "Fonte",
        "lps_by_type": "Arranjos produtivos locais por tipo",
        "total": "Total",
        "selection": "Este atlas: {k} de {n} APLs ({what})",
        "filtered_by": "filtrados por",
        "filter_names": {"industries": "atividades", "types": "tipos", "states": "UFs"},
        "all_lps": "todos os APLs",
        "contents": "Sumário",
        "contents_cont": "Sumário (continuação)",
        "page": "Página",
        "lps": "Arranjo produtivo local",
        "industry": "Atividade",
        "type": "Tipo",
        "methods": "Métodos",
        "overview": "Mapas gerais",
        "no_lps": "Nenhum arranjo produtivo local foi encontrado neste processamento.",
        "page_of": "página {n} de {m}",
        "front": "Parte inicial",
        "members": "Membros",
        "more": "e mais {k}",
        "indicators": "Indicadores",
        "employment": "Emprego (vínculos)",
        "establishments": "Estabelecimentos",
        "ql": "Quociente locacional (QL)",
        "share_industry": "Participação na atividade",
        "share_region": "Participação na economia local",
        "n_members": "Áreas membros",
        "gini": "Gini locacional da atividade",
        "high_high": "Membros em LISA Alto-Alto",
        "hot_spots": "Membros em pontos quentes Gi*",
        "hotspot_members": "Membros incluídos como pontos quentes",
        "chart": "Posição na tipologia de {industry}",
        "chart_x": "Participação na atividade",
        "chart_y": "Quociente locacional (escala log)",
        "this_lps": "este APL",
        "other_industries": "outras atividades",
        "capability": "Instituições de apoio",
        "cap_type": "Tipo",
        "inside": "dentro",
        "within": "até\n{d} km",
        "nearest": "mais próx.\n(km)",
        "cap_index": "Índice de capacitação (escala z)",
        "cap_test": "Instituições a ≤ {d} km: {obs} observadas, {exp} "
        "esperadas ao acaso; p unilateral = {p}",
        "no_capability": "O processamento não teve camada de instituições; não "
        "há medidas de capacitação.",
        "no_cap_row": "Sem medidas de capacitação para este APL.",
        "guidelines": "Diretrizes de política — {label}",
        "after": "Segundo",
        "legend_members": "Membros do APL",
        "legend_others": "Outros municípios",
        "legend_radius": "{d} km do APL",
        "map_title": "Localização",
        "overview_industries": "APLs por atividade",
        "more_industries": "… e mais {k} atividades com APLs (ver o sumário)",
        "n_lps": "APLs",
        "no_institutions": "Nenhuma instituição de apoio foi informada neste "
        "processamento.",
    },
}


# ----------------------------------------------------------------- validation


def _check_options(lang: str, page_size: str) -> None:
    if lang not in get_args(Lang):
        raise ConfigError(
            f"lang must be one of {', '.join(get_args(Lang))}, got {lang!r}"
        )
    if page_size not in PAGE_SIZES:
        raise ConfigError(
            f"page_size must be one of {', '.join(PAGE_SIZES)}, got {page_size!r}"
        )


def _as_list(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _load(result_or_gpkg: Result | str | os.PathLike) -> Result:
    if isinstance(result_or_gpkg, (str, os.PathLike)):
        from lps_geo.export import read_geopackage

        return read_geopackage(result_or_gpkg)
    return result_or_gpkg


def _lps_table(result: Result) -> gpd.GeoDataFrame:
    """The ``lps`` layer with ``lps_id`` as a column and a default index."""
    lps = result.lps
    if "lps_id" not in lps.columns:
        lps = lps.reset_index()
    else:
        lps = lps.reset_index(drop=True)
    for needed in ("lps_id", "industry", "lps_type", "name"):
        if needed not in lps.columns:
            raise InputError(
                f"lps layer lacks column {needed!r}; pass a Result or a GeoPackage "
                "written by lps_geo.write_geopackage"
            )
    lps = lps.assign(
        lps_id=lps["lps_id"].astype(str), industry=lps["industry"].astype(str)
    )
    unknown = sorted(set(lps["lps_type"].dropna().astype(str)) - set(TYPES))
    if unknown:
        raise InputError(
            f"lps layer has unknown lps_type value(s) {', '.join(unknown)}; valid "
            f"types: {', '.join(TYPES)}"
        )
    return lps


def lps_members(result: Result) -> dict[str, list[str]]:
    """Member region codes of every LPS, from ``lps_members`` (or ``members``).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> r = SimpleNamespace(
    ...     lps=pd.DataFrame({"lps_id": ["a", "b"], "members": ["1,2", "3"]}),
    ...     lps_members=pd.DataFrame({"lps_id": ["a", "a"], "region": ["7", "8"]}))
    >>> lps_members(r)
    {'a': ['7', '8'], 'b': ['3']}
    """
    out: dict[str, list[str]] = {}
    table = result.lps_members
    if table is not None and len(table) and {"lps_id", "region"} <= set(table):
        for lps_id, region in zip(
            table["lps_id"].astype(str), table["region"].astype(str), strict=True
        ):
            out.setdefault(lps_id, []).append(region)
    lps = result.lps
    ids = lps["lps_id"] if "lps_id" in lps.columns else pd.Series(lps.index)
    if "members" in lps.columns:
        for lps_id, members in zip(ids.astype(str), lps["members"], strict=True):
            if lps_id in out or members is None:
                continue
            if isinstance(members, str):
                codes = [c.strip() for c in members.strip("[]").split(",")]
                codes = [c.strip("'\" ") for c in codes]
            else:
                codes = [str(c) for c in members]
            out[lps_id] = [c for c in codes if c]
    return out


def select_lps(
    result: Result,
    industries: str | Sequence[str] | None = None,
    types: str | Sequence[str] | None = None,
    states: str | Sequence[str] | None = None,
    sort: Sequence[str] = DEFAULT_SORT,
) -> gpd.GeoDataFrame:
    """The LPS an atlas shows, filtered and in page order.

    Parameters
    ----------
    result
        The analysis result (or one read back from a GeoPackage).
    industries
        Industry codes to keep (``None``: all).
    types
        LPS types to keep, among :data:`lps_geo.vocab.TYPES`.
    states
        Two-digit IBGE state codes; an LPS is kept when at least one member's
        code starts with one of them.
    sort
        Columns of the ``lps`` layer, most significant first. ``lps_type``
        sorts in the legend order of the typology (center, advanced vector,
        local vector, embryo); numeric columns sort descending (largest
        first); other columns ascending. ``lps_id`` breaks the remaining ties.

    Returns
    -------
    geopandas.GeoDataFrame
        Rows of the ``lps`` layer (``lps_id`` as a column), in page order.

    Raises
    ------
    ConfigError
        An unknown type or sort column, or a malformed state code.
    InputError
        Filters that no LPS passes (the message lists what the result has).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> lps = pd.DataFrame({"lps_id": ["a", "b", "c"], "industry": ["1", "1", "2"],
    ...     "lps_type": ["embryo", "center", "embryo"], "name": ["A", "B", "C"],
    ...     "share_industry": [0.05, 0.3, 0.08]})
    >>> members = pd.DataFrame({"lps_id": ["a", "b", "c"],
    ...     "region": ["3500105", "3100104", "3500204"]})
    >>> r = SimpleNamespace(lps=lps, lps_members=members)
    >>> select_lps(r)["lps_id"].tolist()
    ['b', 'c', 'a']
    >>> select_lps(r, states=["35"], sort=["name"])["lps_id"].tolist()
    ['a', 'c']
    """
    lps = _lps_table(result)
    industries_l = _as_list(industries)
    types_l = _as_list(types)
    states_l = _as_list(states)
    if types_l is not None:
        bad = sorted(set(types_l) - set(TYPES))
        if bad:
            raise ConfigError(
                f"unknown LPS type(s) {', '.join(bad)}; valid: {', '.join(TYPES)}"
            )
    if states_l is not None:
        bad = [s for s in states_l if not (len(s) == 2 and s.isdigit())]
        if bad:
            raise ConfigError(
                f"state codes must be two digits (IBGE, e.g. '35' for SP), got "
                f"{', '.join(map(repr, bad))}"
            )
    missing_sort = [c for c in sort if c not in lps.columns]
    if missing_sort:
        raise ConfigError(
            f"cannot sort LPS by {', '.join(missing_sort)}: not a column of the lps "
            f"layer; valid: {', '.join(c for c in lps.columns if c != 'geometry')}"
        )
    members = lps_members(result)
    keep = np.ones(len(lps), dtype=bool)
    if industries_l is not None:
        keep &= lps["industry"].isin(industries_l).to_numpy()
    if types_l is not None:
        keep &= lps["lps_type"].astype(str).isin(types_l).to_numpy()
    if states_l is not None:
        keep &= np.array(
            [
                any(code[:2] in states_l for code in members.get(i, []))
                for i in lps["lps_id"]
            ],
            dtype=bool,
        )
    if len(lps) and not keep.any():
        known_states = sorted({c[:2] for codes in members.values() for c in codes})
        raise InputError(
            "no LPS passes the filters "
            f"(industries={industries_l}, types={types_l}, states={states_l}); the "
            f"result has industries {', '.join(sorted(set(lps['industry'])))}; "
            f"types {', '.join(sorted(set(lps['lps_type'].astype(str))))}; "
            f"states {', '.join(known_states)}"
        )
    chosen = lps[keep]
    keys: dict[str, pd.Series] = {}
    ascending: list[bool] = []
    for column in sort:
        values = chosen[column]
        if column == "lps_type":
            rank = {t: i for i, t in enumerate(TYPES)}
            keys[f"_k{len(keys)}"] = values.astype(str).map(rank)
            ascending.append(True)
        elif pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(
            values
        ):
            keys[f"_k{len(keys)}"] = values
            ascending.append(False)
        else:
            keys[f"_k{len(keys)}"] = values.astype(str)
            ascending.append(True)
    keys["_kid"] = chosen["lps_id"]
    ascending.append(True)
    ordered = pd.DataFrame(keys, index=chosen.index).sort_values(
        list(keys), ascending=ascending, na_position="last", kind="stable"
    )
    return chosen.loc[ordered.index]


# ------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class AtlasPage:
    """One page of the atlas: its kind and what it shows.

    ``key`` is the chunk number (from 0) for ``contents`` pages and the
    ``lps_id`` for ``lps`` pages, ``None`` otherwise.
    """

    kind: PageKind
    key: Any = None


def contents_pages(n_lps: int) -> int:
    """Number of contents pages for ``n_lps`` LPS (at least one).

    >>> contents_pages(0), contents_pages(27), contents_pages(28)
    (1, 1, 2)
    """
    return max(1, math.ceil(n_lps / CONTENTS_ROWS))


def atlas_plan(
    result_or_gpkg: Result | str | os.PathLike,
    *,
    industries: str | Sequence[str] | None = None,
    types: str | Sequence[str] | None = None,
    states: str | Sequence[str] | None = None,
    sort: Sequence[str] = DEFAULT_SORT,
) -> list[AtlasPage]:
    """The pages of an atlas, in order, without drawing anything.

    Cover, :func:`contents_pages` contents pages, methods, the typology
    overview, the capability overview when the result has institutions, then
    one page per LPS selected by :func:`select_lps`.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> lps = pd.DataFrame({"lps_id": ["a"], "industry": ["1"],
    ...     "lps_type": ["embryo"], "name": ["A"], "share_industry": [0.05]})
    >>> r = SimpleNamespace(lps=lps, lps_members=pd.DataFrame(
    ...     {"lps_id": ["a"], "region": ["3500105"]}), institutions=None)
    >>> [p.kind for p in atlas_plan(r)]
    ['cover', 'contents', 'methods', 'overview_typology', 'lps']
    """
    result = _load(result_or_gpkg)
    chosen = select_lps(result, industries, types, states, sort)
    pages = [AtlasPage("cover")]
    pages += [AtlasPage("contents", k) for k in range(contents_pages(len(chosen)))]
    pages += [AtlasPage("methods"), AtlasPage("overview_typology")]
    if result.institutions is not None and len(result.institutions):
        pages.append(AtlasPage("overview_capability"))
    pages += [AtlasPage("lps", lps_id) for lps_id in chosen["lps_id"]]
    return pages


# ---------------------------------------------------------------- formatting


def _fmt(value: Any, decimals: int, lang: str) -> str:
    """A number with thousands separators in the page's language; "–" if NaN."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(x):
        return "–"
    text = f"{x:,.{decimals}f}"
    if lang == "pt":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def _pct(value: Any, lang: str, decimals: int = 1) -> str:
    try:
        x = float(value) * 100
    except (TypeError, ValueError):
        return "–"
    return "–" if not math.isfinite(x) else f"{_fmt(x, decimals, lang)} %"


def _get(mapping: Any, *keys: str, default: Any = None) -> Any:
    for key in keys:
        if not isinstance(mapping, dict) or key not in mapping:
            return default
        mapping = mapping[key]
    return default if mapping is None else mapping


@lru_cache(maxsize=1)
def _renderer():
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(10, 10, 72)  # 72 dpi: widths come out in points


#: Size at which words are measured (large, so hinting does not round the
#: advances); widths scale linearly with the size.
_REFERENCE_SIZE = 100.0

#: Share of a text box that wrapped lines may fill: the PDF renderer's text
#: metrics differ from the measured ones by about 1 %.
_WRAP_SLACK = 0.97


@lru_cache(maxsize=8192)
def _word_width(word: str, weight: str) -> float:
    from matplotlib.font_manager import FontProperties

    w, _, _ = _renderer().get_text_width_height_descent(
        word, FontProperties(size=_REFERENCE_SIZE, weight=weight), ismath=False
    )
    return float(w)


def _space_width(weight: str) -> float:
    """Advance of a space at the reference size (measured between two letters)."""
    return _word_width("a a", weight) - 2 * _word_width("a", weight)


def _width_pt(text: str, size: float, weight: str = "normal") -> float:
    """Width of ``text`` in points: cached word widths plus spaces.

    Measuring words once (at a reference size, scaled linearly) instead of
    every candidate line keeps wrapping cheap; kerning across a space is
    ignored, a fraction of a point.
    """
    words = text.split(" ")
    total = sum(_word_width(w, weight) for w in words if w)
    total += (len(words) - 1) * _space_width(weight)
    return total * size / _REFERENCE_SIZE


def _wrap(text: str, width_pt: float, size: float, weight: str = "normal") -> list:
    """Greedy word wrap measured with the real font metrics."""
    width_pt = width_pt * _WRAP_SLACK
    scale = size / _REFERENCE_SIZE
    space = _space_width(weight) * scale
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for word in paragraph.split():
            w = _word_width(word, weight) * scale
            if line and used + space + w > width_pt:
                lines.append(line)
                line, used = word, w
            elif line:
                line, used = f"{line} {word}", used + space + w
            else:
                line, used = word, w
        lines.append(line)
    return lines


def _ellipsis(text: str, width_pt: float, size: float, weight: str = "normal") -> str:
    width_pt = width_pt * _WRAP_SLACK
    if _width_pt(text, size, weight) <= width_pt:
        return text
    while text and _width_pt(text + "…", size, weight) > width_pt:
        text = text[:-1]
    return text.rstrip() + "…"


# -------------------------------------------------------------- the context


@dataclass
class _Atlas:
    """Everything the page renderers share, computed once per atlas."""

    result: Result
    lang: str
    page_size: str
    chosen: pd.DataFrame
    lps: pd.DataFrame
    plan: list[AtlasPage]
    members: dict[str, list[str]]
    areas: gpd.GeoDataFrame
    area_codes: np.ndarray
    area_names: np.ndarray
    outline: Any
    thresholds: dict[str, float]
    cap_distance_m: float | None
    source: str
    study_area: str
    created: str
    member_stats: pd.DataFrame
    filters: dict[str, list[str] | None] = field(default_factory=dict)
    _pages: dict[str, int] = field(default_factory=dict, repr=False)
    _rows: dict[str, pd.Series] = field(default_factory=dict, repr=False)

    @property
    def text(self) -> dict:
        return _TEXT[self.lang]

    @property
    def size(self) -> tuple[float, float]:
        return PAGE_SIZES[self.page_size]

    @property
    def scale(self) -> float:
        return self.size[0] / PAGE_SIZES["A4"][0]

    def fs(self, points: float) -> float:
        """A font size of the A4 layout, scaled to the page."""
        return points * self.scale

    def width_pt(self, fraction: float) -> float:
        return fraction * self.size[0] * 72

    @property
    def n_pages(self) -> int:
        return len(self.plan)

    def page_of(self, lps_id: str) -> int:
        """Page number of an LPS in this atlas."""
        if not self._pages:
            self._pages.update(
                (page.key, n)
                for n, page in enumerate(self.plan, start=1)
                if page.kind == "lps"
            )
        if lps_id not in self._pages:
            raise InputError(f"LPS {lps_id!r} is not in this atlas")
        return self._pages[lps_id]

    def row(self, lps_id: str) -> pd.Series:
        """The ``lps`` row of an LPS."""
        if not self._rows:
            self._rows.update((row["lps_id"], row) for _, row in self.lps.iterrows())
        return self._rows[lps_id]


def _study_area(result: Result, lang: str) -> str:
    """ "500 municipalities, state 19": size and states of the study area."""
    text = _TEXT[lang]
    mun = result.municipalities
    codes = (
        mun["region"].astype(str)
        if "region" in mun.columns
        else pd.Series(mun.index.astype(str))
    )
    states = sorted({c[:2] for c in codes if len(c) >= 2})
    named = [STATES.get(s, s) for s in states]
    if len(named) > 6:
        where = f"{len(named)} {text['states']}"
    elif len(named) == 1:
        where = f"{text['state']} {named[0]}"
    else:
        where = f"{text['states']} {', '.join(named)}"
    n = _fmt(len(mun), 0, lang)
    return f"{n} {text['municipalities']}, {where}"


def _context(
    result: Result,
    lang: str,
    page_size: str,
    industries=None,
    types=None,
    states=None,
    sort: Sequence[str] = DEFAULT_SORT,
) -> _Atlas:
    import shapely

    from lps_geo.render.maps import DEFAULT_SOURCE

    _check_options(lang, page_size)
    lps = _lps_table(result)
    chosen = select_lps(result, industries, types, states, sort)
    plan = atlas_plan(
        result, industries=industries, types=types, states=states, sort=sort
    )
    areas = result.regions if result.regions is not None else result.municipalities
    codes = (
        areas["region"].astype(str).to_numpy()
        if "region" in areas.columns
        else areas.index.astype(str).to_numpy()
    )
    names = (
        areas["name"].astype(str).to_numpy()
        if "name" in areas.columns
        else codes.copy()
    )
    geoms = np.asarray(result.municipalities.geometry.array)
    outline = shapely.union_all(shapely.make_valid(geoms))
    extent = outline.bounds
    outline = shapely.simplify(
        outline, max(extent[2] - extent[0], extent[3] - extent[1]) / 500
    )
    meta = result.metadata or {}
    typ = _get(meta, "parameters", "typology", default={}) or {}
    defaults = get_thresholds(str(typ.get("preset") or "ipea2006"))
    thresholds = {
        key: float(typ[key]) if typ.get(key) is not None else getattr(defaults, key)
        for key in ("share_min", "share_high", "ql_min", "ql_high")
    }
    distance = None  # the "within" radius only means something with capability
    if result.lps_capability is not None:
        distance = _get(meta, "parameters", "capability", "distance_m")
        if distance is None:
            distance = _get(meta, "config", "capability", "distance")
    source = meta.get("source") if isinstance(meta.get("source"), str) else None
    created = str(meta.get("created") or "")[:10] or _TEXT[lang]["unknown_date"]
    return _Atlas(
        result=result,
        lang=lang,
        page_size=page_size,
        chosen=chosen,
        lps=lps,
        plan=plan,
        members=lps_members(result),
        areas=areas,
        area_codes=codes,
        area_names=names,
        outline=outline,
        thresholds=thresholds,
        cap_distance_m=float(distance) if distance is not None else None,
        source=source or DEFAULT_SOURCE,
        study_area=_study_area(result, lang),
        created=created,
        member_stats=member_statistics(result),
        filters={
            "industries": _as_list(industries),
            "types": _as_list(types),
            "states": _as_list(states),
        },
    )


# ------------------------------------------------------------ page furniture


def _new_figure(ctx: _Atlas) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=ctx.size, facecolor="white")


def _text(fig: Figure, ctx: _Atlas, x, y, s, size, **kw):
    kw.setdefault("color", _INK)
    kw.setdefault("va", "top")
    return fig.text(x, y, s, fontsize=ctx.fs(size), **kw)


def _paragraph(
    fig: Figure,
    ctx: _Atlas,
    x: float,
    y: float,
    text: str,
    width: float,
    size: float,
    spacing: float = 1.35,
    draw: bool = True,
    **kw,
) -> float:
    """Draw ``text`` wrapped to ``width`` (figure fraction); return the y below."""
    lines = _wrap(text, ctx.width_pt(width), ctx.fs(size), kw.get("weight", "normal"))
    if draw:
        _text(fig, ctx, x, y, "\n".join(lines), size, linespacing=spacing, **kw)
    line_h = ctx.fs(size) * spacing / 72 / ctx.size[1]
    return y - len(lines) * line_h


def _rule(fig: Figure, x0: float, x1: float, y: float, lw: float = 0.5, **kw):
    from matplotlib.lines import Line2D

    kw.setdefault("color", _RULE)
    fig.add_artist(
        Line2D([x0, x1], [y, y], linewidth=lw, transform=fig.transFigure, **kw)
    )


def _swatch(
    fig: Figure,
    ctx: _Atlas,
    x: float,
    y: float,
    color: str,
    size: float = 8.0,
    gid: str | None = None,
) -> None:
    """A square of ``color`` at ``x``, level with a line of text of ``size``.

    ``y`` is the top of the text line (as drawn by :func:`_text`, ``va="top"``);
    the square is centred on the capitals of the line and as tall as them.
    """
    from matplotlib.patches import Rectangle

    side = 0.7 * ctx.fs(size)  # points
    centre = 0.42 * ctx.fs(size)  # points below the top of the line
    w = side / 72 / ctx.size[0]
    h = side / 72 / ctx.size[1]
    yc = y - centre / 72 / ctx.size[1]
    fig.add_artist(
        Rectangle(
            (x, yc - h / 2),
            w,
            h,
            transform=fig.transFigure,
            facecolor=color,
            edgecolor=_RULE,
            linewidth=0.4,
            gid=gid,
        )
    )


def _header(fig: Figure, ctx: _Atlas, title: str) -> float:
    _text(fig, ctx, 0.06, 0.965, title, 17, weight="bold")
    _rule(fig, 0.06, 0.94, 0.935, lw=0.8, color=_INK)
    return 0.915


def _footer(fig: Figure, ctx: _Atlas, page: int | None, left: str | None = None):
    _rule(fig, 0.06, 0.94, 0.032)
    _text(fig, ctx, 0.06, 0.025, left or ctx.text["atlas"], 7, color=_MUTED)
    if page is not None:
        _text(
            fig,
            ctx,
            0.94,
            0.025,
            ctx.text["page_of"].format(n=page, m=ctx.n_pages),
            7,
            color=_MUTED,
            ha="right",
            gid="page_number",
        )


def _fit_font(
    ctx: _Atlas,
    blocks: list[tuple[str, float, str]],
    width: float,
    height: float,
    size: float,
    spacing: float = 1.35,
    minimum: float = 5.5,
) -> float:
    """Largest font size <= ``size`` at which ``blocks`` fit in ``height``.

    ``blocks`` are (text, relative size, weight); gaps of half a line separate
    them.
    """
    while size > minimum:
        total = 0.0
        for text, rel, weight in blocks:
            s = ctx.fs(size * rel)
            n = len(_wrap(text, ctx.width_pt(width), s, weight))
            total += (n + 0.5) * s * spacing / 72 / ctx.size[1]
        if total <= height:
            return size
        size -= 0.25
    return minimum


# ---------------------------------------------------------------------- cover


def _cover(fig: Figure, ctx: _Atlas, page: int, key: Any = None) -> None:
    from lps_geo.render.maps import typology_map

    t = ctx.text
    _text(fig, ctx, 0.08, 0.90, t["atlas"], 26, weight="bold")
    _paragraph(fig, ctx, 0.08, 0.855, t["subtitle"], 0.84, 11, color=_MUTED)
    _rule(fig, 0.08, 0.92, 0.815, lw=1.2, color=_INK)
    rows = [
        (t["study_area"], ctx.study_area),
        (t["run_of"], ctx.created),
        (t["source"], ctx.source),
    ]
    y = 0.79
    for label, value in rows:
        _text(fig, ctx, 0.08, y, label, 10, color=_MUTED)
        _text(fig, ctx, 0.30, y, value, 10)
        y -= 0.026
    y -= 0.012
    _text(fig, ctx, 0.08, y, t["lps_by_type"], 12, weight="bold")
    y -= 0.032
    counts = ctx.lps["lps_type"].astype(str).value_counts()
    for lps_type in TYPES:
        _swatch(fig, ctx, 0.08, y, TYPE_COLORS[lps_type], 10, gid=f"cover:{lps_type}")
        _text(fig, ctx, 0.105, y, TYPE_LABELS[ctx.lang][lps_type], 10)
        _text(fig, ctx, 0.70, y, str(int(counts.get(lps_type, 0))), 10, ha="right")
        y -= 0.024
    _rule(fig, 0.08, 0.70, y + 0.004)
    _text(fig, ctx, 0.105, y - 0.004, t["total"], 10, weight="bold")
    _text(fig, ctx, 0.70, y - 0.004, str(len(ctx.lps)), 10, ha="right", weight="bold")
    y -= 0.04
    if len(ctx.chosen) != len(ctx.lps):
        active = {k: v for k, v in ctx.filters.items() if v}
        what = f"{t['filtered_by']} " + "; ".join(
            f"{t['filter_names'][k]} {', '.join(v)}" for k, v in active.items()
        )
        _text(
            fig,
            ctx,
            0.08,
            y,
            t["selection"].format(k=len(ctx.chosen), n=len(ctx.lps), what=what),
            9,
            color=_MUTED,
        )
    ax = fig.add_axes((0.08, 0.08, 0.70, 0.40))
    typology_map(
        ctx.result.municipalities,
        ctx.result.lps,
        None,
        lang=ctx.lang,
        ax=ax,
        source=ctx.source,
    )
    legend = ax.get_legend()  # the counts above, with swatches, are the key
    if legend is not None:
        legend.remove()
    _footer(fig, ctx, page)


# ------------------------------------------------------------------- contents


def _contents(fig: Figure, ctx: _Atlas, page: int, chunk: int) -> None:
    t = ctx.text
    title = t["contents"] if chunk == 0 else t["contents_cont"]
    y = _header(fig, ctx, title)
    x_page, x_name, x_type, x_end = 0.105, 0.125, 0.665, 0.94
    _text(fig, ctx, x_page, y, t["page"], 8, weight="bold", color=_MUTED, ha="right")
    _text(
        fig,
        ctx,
        x_name,
        y,
        f"{t['lps']} · {t['industry']}",
        8,
        weight="bold",
        color=_MUTED,
    )
    _text(fig, ctx, x_type, y, t["type"], 8, weight="bold", color=_MUTED)
    y -= 0.02
    _rule(fig, 0.06, 0.94, y + 0.005)
    y -= 0.004
    if not len(ctx.lps):
        _text(fig, ctx, x_name, y, t["no_lps"], 9)
    rows = ctx.chosen.iloc[chunk * CONTENTS_ROWS : (chunk + 1) * CONTENTS_ROWS]
    name_w = ctx.width_pt(x_type - x_name - 0.02)
    type_w = ctx.width_pt(x_end - x_type - 0.02)
    step = 0.0305
    for _, row in rows.iterrows():
        lps_type = str(row["lps_type"])
        industry = f"{row['industry']} {row.get('title', '') or ''}".strip()
        _text(
            fig,
            ctx,
            x_page,
            y,
            str(ctx.page_of(row["lps_id"])),
            9,
            ha="right",
            weight="bold",
        )
        _text(
            fig,
            ctx,
            x_name,
            y,
            _ellipsis(str(row["name"]), name_w, ctx.fs(9), "bold"),
            9,
            weight="bold",
        )
        _text(
            fig,
            ctx,
            x_name,
            y - 0.0125,
            _ellipsis(industry, name_w, ctx.fs(7.5)),
            7.5,
            color=_MUTED,
        )
        _swatch(fig, ctx, x_type, y, TYPE_COLORS[lps_type], 7.5)
        label = _wrap(TYPE_LABELS[ctx.lang][lps_type], type_w, ctx.fs(7.5))
        _text(fig, ctx, x_type + 0.02, y, "\n".join(label[:2]), 7.5, linespacing=1.25)
        _rule(fig, x_name, 0.94, y - step + 0.006, lw=0.3)
        y -= step
    _footer(fig, ctx, page)


# -------------------------------------------------------------------- methods


def _basename(path: Any) -> str | None:
    if not path:
        return None
    return Path(str(path)).name


#: Plain-words phrases for the run's settings, by setting and value:
#: (English, Portuguese). ``{k}`` is the number of neighbours.
_PHRASES: dict[str, dict[str, tuple[str, str]]] = {
    "size_measure": {
        "employment": ("employment (jobs)", "emprego (vínculos)"),
        "establishments": ("establishments", "estabelecimentos"),
    },
    "industry_level": {
        "class": ("class", "classe"),
        "group": ("group", "grupo"),
        "division": ("division", "divisão"),
    },
    "unit": {
        "municipality": ("municipalities", "municípios"),
        "group": (
            "groups of municipalities (e.g. microregions)",
            "grupos de municípios (p. ex. microrregiões)",
        ),
    },
    "reference_area": {
        "study_area": ("the whole study area", "toda a área de estudo"),
        "state": ("each area's state", "a UF de cada área"),
    },
    "denominator": {
        "all": ("all activities", "todas as atividades"),
        "manufacturing": (
            "manufacturing (CNAE divisions 10-33)",
            "indústria de transformação (divisões CNAE 10-33)",
        ),
    },
    "weights": {
        "queen": (
            "areas sharing a border or a corner (queen contiguity)",
            "áreas que compartilham fronteira ou vértice (contiguidade rainha)",
        ),
        "rook": (
            "areas sharing a border (rook contiguity)",
            "áreas que compartilham fronteira (contiguidade torre)",
        ),
        "knn": ("the {k} nearest areas", "as {k} áreas mais próximas"),
        "distance_band": (
            "areas within a fixed distance",
            "áreas a até uma distância fixa",
        ),
    },
    "islands": {
        "attach": (
            "areas without a neighbour are linked to the nearest area",
            "áreas sem vizinhos são ligadas à área mais próxima",
        ),
        "drop": (
            "areas without a neighbour are left out of the statistics",
            "áreas sem vizinhos ficam fora das estatísticas",
        ),
        "keep": (
            "areas without a neighbour are kept as isolates",
            "áreas sem vizinhos são mantidas isoladas",
        ),
    },
    "mode": {
        "contiguous": (
            "neighbouring candidates of one industry are merged into one LPS",
            "candidatos vizinhos de uma mesma atividade formam um só APL",
        ),
        "unit": (
            "every candidate area is an LPS of its own",
            "cada área candidata é um APL",
        ),
    },
}


def _phrase(setting: str, value: Any, lang: str, **fmt: Any) -> str:
    """The plain-words phrase of a setting's value (the value itself if unknown)."""
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    pair = _PHRASES[setting].get(str(value))
    if pair is None:
        return str(value)
    return pair[lang == "pt"].format(**fmt)


def _methods_text(ctx: _Atlas) -> list[tuple[str, str]]:
    """(heading, paragraph) pairs describing how the run was made.

    Everything comes from the run metadata (``config``, ``parameters``,
    ``inputs``) and the result's layers; missing entries fall back to the
    defaults of the ``ipea2006`` preset.
    """
    meta = ctx.result.metadata or {}
    cfg = meta.get("config", {}) or {}
    params = meta.get("parameters", {}) or {}
    stats = params.get("statistics", {}) or {}
    report = ctx.result.report or {}
    typ = params.get("typology", {}) or {}
    lang = ctx.lang
    pt = lang == "pt"
    analysis = cfg.get("analysis", {}) or {}
    inputs = meta.get("inputs", {}) or {}
    n_mun = len(ctx.result.municipalities)
    n_ind = len(ctx.result.industries)
    crs = ctx.result.municipalities.crs
    crs_name = crs.name if crs is not None else str(meta.get("crs", "?"))
    measure_t = _phrase(
        "size_measure", analysis.get("size_measure", "employment"), lang
    )
    level = _phrase(
        "industry_level",
        params.get("industry_level") or analysis.get("industry_level", "group"),
        lang,
    )
    unit_t = _phrase("unit", analysis.get("unit", "municipality"), lang)
    reference_t = _phrase(
        "reference_area",
        params.get("reference_area") or analysis.get("reference_area", ""),
        lang,
    )
    denominator = _phrase(
        "denominator",
        params.get("denominator") or analysis.get("denominator", "all"),
        lang,
    )
    files = [
        f
        for f in (_basename(inputs.get("boundaries")), _basename(inputs.get("size")))
        if f
    ]
    inst_path = _basename(_get(cfg, "inputs", "institutions", "path"))
    n_inst = 0 if ctx.result.institutions is None else len(ctx.result.institutions)

    share_min = _pct(ctx.thresholds["share_min"], lang, 0)
    share_high = _pct(ctx.thresholds["share_high"], lang, 0)
    ql_min = _fmt(ctx.thresholds["ql_min"], 1, lang)
    ql_high = _fmt(ctx.thresholds["ql_high"], 1, lang)
    min_est = typ.get("min_establishments", 5)
    gini_min = typ.get("gini_min")
    delin = report.get("delineation", {}) or cfg.get("delineation", {}) or {}
    mode_t = _phrase("mode", delin.get("mode") or "contiguous", lang)
    use_hot = bool(delin.get("use_hotspots", False))
    hot_ql = _fmt(delin.get("hotspot_ql_min", 1.0), 1, lang)
    scfg = cfg.get("statistics", {}) or {}
    weights_t = _phrase(
        "weights", scfg.get("weights", "queen"), lang, k=scfg.get("k", 6)
    )
    islands_t = _phrase("islands", scfg.get("islands", "attach"), lang)
    variable_desc = stats.get("variable_description", "")
    inference = stats.get("inference", "")
    cap = params.get("capability", {}) or {}
    d_km = _fmt((ctx.cap_distance_m or 0) / 1000, 0, lang)
    cap_perm = cap.get("permutations", "?")

    if not pt:
        sections = [
            (
                "What this atlas shows",
                "Local production systems (LPS) are places where the firms of one "
                "industry gather in numbers that matter both to the industry and "
                "to the local economy. The atlas follows the method of Suzigan, "
                "Furtado & Garcia (2006): agglomeration indicators for every area "
                "and industry, filters that keep the places with real weight in "
                "the industry, spatial statistics that separate clusters from "
                "chance, and a two-way typology that ties each LPS to a policy "
                "agenda. Every figure was read from the run's GeoPackage; nothing "
                "was recomputed for the atlas.",
            ),
            (
                "Data",
                f"{_fmt(n_mun, 0, lang)} municipalities ({crs_name}); "
                f"analysis unit: {unit_t}. Size of each industry: {measure_t} by "
                f"CNAE {level}, {n_ind} industries"
                + (f" (files: {', '.join(files)})" if files else "")
                + f". Shares and location quotients are measured against "
                f"{reference_t}, with {denominator} in the denominator."
                + (
                    f" Support institutions: {_fmt(n_inst, 0, lang)} points"
                    + (f" from {inst_path}" if inst_path else "")
                    + "."
                    if n_inst
                    else ""
                ),
            ),
            (
                "Filters and typology",
                f"An area becomes a candidate for an industry when it holds at "
                f"least {share_min} of the industry, has a location quotient (QL) "
                f"of at least {ql_min} and at least {min_est} establishments"
                + (
                    f", in industries whose locational Gini is at least "
                    f"{_fmt(gini_min, 2, lang)}"
                    if gini_min is not None
                    else ""
                )
                + f"; {mode_t}. Each LPS is then read on two axes: its importance "
                f"for the industry is high when its share exceeds {share_high}, "
                f"its importance for the region is high when QL ≥ {ql_high}. The "
                "four combinations are the four types, drawn in the same colours "
                "on every page: center (both high), advanced vector (industry "
                "high, region low), vector of local development (region high, "
                "industry low) and embryonic LPS (both low).",
            ),
            (
                "Spatial statistics",
                f"Analysed variable: {variable_desc} Neighbours: {weights_t}; "
                f"{islands_t}. Local Moran (LISA) clusters and Getis-Ord Gi* hot "
                f"spots are computed for every industry. {inference}"
                + (
                    f" Areas in a significant Gi* hot spot or LISA High-High "
                    f"cluster with QL ≥ {hot_ql} also join the LPS."
                    if use_hot
                    else ""
                ),
            ),
        ]
        if ctx.result.lps_capability is not None:
            sections.append(
                (
                    "Capability",
                    f"Support institutions are counted inside each LPS and within "
                    f"{d_km} km of it, with the distance to the nearest one of "
                    "each type. The capability index is a weighted mean of "
                    "standardised (z-score) counts, so 0 is the study-area "
                    "average. A one-sided permutation test compares the "
                    f"institutions within {d_km} km of the members with "
                    f"{cap_perm} random sets of comparable municipalities; a "
                    "small p-value means the LPS is better served than chance "
                    "would give.",
                )
            )
        sections.append(
            (
                "Reading an LPS page",
                "The map shows the member areas in the colour of the LPS type "
                "over their neighbours, with the support institutions by type"
                + (
                    f" and a dashed line {d_km} km around the LPS"
                    if ctx.cap_distance_m
                    else ""
                )
                + "; the small map locates it in the study area. The table gives "
                "size, specialisation and concentration, and how many members lie "
                "in significant LISA High-High clusters and Gi* hot spots. The "
                "chart places the LPS among all LPS of its industry on the "
                "typology's two axes (dashed lines at the thresholds). The "
                "guidelines summarise the policy recommendations of Suzigan, "
                "Furtado & Garcia (2006) for the type.",
            )
        )
    else:
        sections = [
            (
                "O que este atlas mostra",
                "Arranjos produtivos locais (APLs) são lugares onde as empresas "
                "de uma atividade se reúnem em número relevante tanto para a "
                "atividade quanto para a economia local. O atlas segue o método "
                "de Suzigan, Furtado & Garcia (2006): indicadores de aglomeração "
                "para cada área e atividade, filtros que retêm os lugares com "
                "peso real na atividade, estatísticas espaciais que distinguem "
                "aglomerações do acaso e uma tipologia de dois eixos que liga "
                "cada APL a uma agenda de política. Todos os números foram lidos "
                "do GeoPackage do processamento; nada foi recalculado para o "
                "atlas.",
            ),
            (
                "Dados",
                f"{_fmt(n_mun, 0, lang)} municípios ({crs_name}); unidade de "
                f"análise: {unit_t}. Tamanho de cada atividade: {measure_t} por "
                f"{level} da CNAE, {n_ind} atividades"
                + (f" (arquivos: {', '.join(files)})" if files else "")
                + f". Participações e quocientes locacionais são medidos em "
                f"relação a {reference_t}, com {denominator} no denominador."
                + (
                    f" Instituições de apoio: {_fmt(n_inst, 0, lang)} pontos"
                    + (f" de {inst_path}" if inst_path else "")
                    + "."
                    if n_inst
                    else ""
                ),
            ),
            (
                "Filtros e tipologia",
                f"Uma área é candidata em uma atividade quando detém ao menos "
                f"{share_min} da atividade, tem quociente locacional (QL) de ao "
                f"menos {ql_min} e ao menos {min_est} estabelecimentos"
                + (
                    f", em atividades com Gini locacional de ao menos "
                    f"{_fmt(gini_min, 2, lang)}"
                    if gini_min is not None
                    else ""
                )
                + f"; {mode_t}. Cada APL é lido em dois eixos: a importância "
                f"para a atividade é alta quando a participação passa de "
                f"{share_high}; a importância para a região é alta quando "
                f"QL ≥ {ql_high}. As quatro combinações são os quatro tipos, com "
                "as mesmas cores em todas as páginas: núcleo (ambas altas), vetor "
                "avançado (atividade alta, região baixa), vetor de "
                "desenvolvimento local (região alta, atividade baixa) e embrião "
                "(ambas baixas).",
            ),
            (
                "Estatísticas espaciais",
                f"Variável analisada (texto do processamento): {variable_desc} "
                f"Vizinhança: {weights_t}; "
                f"{islands_t}. Agrupamentos de Moran local (LISA) e pontos "
                f"quentes de Getis-Ord Gi* são calculados para cada atividade. "
                f"{inference}"
                + (
                    f" Áreas em ponto quente Gi* ou agrupamento LISA Alto-Alto "
                    f"significativos com QL ≥ {hot_ql} também entram no APL."
                    if use_hot
                    else ""
                ),
            ),
        ]
        if ctx.result.lps_capability is not None:
            sections.append(
                (
                    "Capacitações",
                    f"As instituições de apoio são contadas dentro de cada APL e a "
                    f"até {d_km} km dele, com a distância até a mais próxima de "
                    "cada tipo. O índice de capacitação é uma média ponderada de "
                    "contagens padronizadas (escore z): 0 é a média da área de "
                    "estudo. Um teste de permutação unilateral compara as "
                    f"instituições a até {d_km} km dos membros com {cap_perm} "
                    "conjuntos aleatórios de municípios comparáveis; um p pequeno "
                    "indica um APL mais bem servido do que o acaso daria.",
                )
            )
        sections.append(
            (
                "Como ler a página de um APL",
                "O mapa mostra as áreas membros na cor do tipo do APL sobre as "
                "vizinhas, com as instituições de apoio por tipo"
                + (
                    f" e uma linha tracejada a {d_km} km do APL"
                    if ctx.cap_distance_m
                    else ""
                )
                + "; o mapa pequeno o situa na área de estudo. A tabela traz "
                "tamanho, especialização e concentração, e quantos membros estão "
                "em agrupamentos LISA Alto-Alto e pontos quentes Gi* "
                "significativos. O gráfico situa o APL entre todos os APLs da "
                "atividade nos dois eixos da tipologia (linhas tracejadas nos "
                "limiares). As diretrizes resumem as recomendações de política "
                "de Suzigan, Furtado & Garcia (2006) para o tipo.",
            )
        )
    return sections


def _methods(fig: Figure, ctx: _Atlas, page: int, key: Any = None) -> None:
    y = _header(fig, ctx, ctx.text["methods"])
    sections = _methods_text(ctx)
    reference = CITATION
    blocks = []
    for heading, body in sections:
        blocks += [(heading, 1.15, "bold"), (body, 1.0, "normal")]
    blocks.append((reference, 0.95, "normal"))
    width, bottom = 0.88, 0.06
    size = _fit_font(ctx, blocks, width, y - bottom - 0.03, 9.0)
    for heading, body in sections:
        y = _paragraph(fig, ctx, 0.06, y, heading, width, size * 1.15, weight="bold")
        y -= 0.004
        y = _paragraph(fig, ctx, 0.06, y, body, width, size)
        y -= 0.014
    _rule(fig, 0.06, 0.40, y + 0.006)
    _paragraph(
        fig,
        ctx,
        0.06,
        y - 0.002,
        reference,
        width,
        size * 0.95,
        style="italic",
        color=_MUTED,
    )
    _footer(fig, ctx, page)


# ------------------------------------------------------------------- overview


def _legend_below(ax: Axes, ctx: _Atlas, ncol: int = 2) -> None:
    """Move a map's legend from its right to below the map frame."""
    legend = ax.get_legend()
    if legend is None:
        return
    handles = list(legend.legend_handles)
    labels = [t.get_text() for t in legend.get_texts()]
    title = legend.get_title().get_text()
    legend.remove()
    ax.legend(
        handles,
        labels,
        title=title,
        loc="upper left",
        bbox_to_anchor=(0.0, -0.06),
        ncol=ncol,
        frameon=False,
        fontsize=ctx.fs(7.5),
        title_fontsize=ctx.fs(8.5),
        alignment="left",
        columnspacing=1.5,
    )


def _overview_typology(fig: Figure, ctx: _Atlas, page: int, key: Any = None) -> None:
    from lps_geo.render.maps import typology_map

    t = ctx.text
    _header(fig, ctx, t["overview"])
    ax = fig.add_axes((0.06, 0.53, 0.72, 0.36))
    typology_map(
        ctx.result.municipalities,
        ctx.result.lps,
        None,
        lang=ctx.lang,
        ax=ax,
        source=ctx.source,
    )
    ax.title.set_fontsize(ctx.fs(11))
    _legend_below(ax, ctx)
    # LPS by industry and type
    y = 0.40
    _text(fig, ctx, 0.06, y, t["overview_industries"], 10, weight="bold")
    y -= 0.025
    counts = (
        ctx.lps.groupby(["industry", "lps_type"]).size().unstack(fill_value=0)
        if len(ctx.lps)
        else pd.DataFrame()
    )
    industries = ctx.result.industries
    titles = dict(
        zip(
            industries["industry"].astype(str),
            industries.get("title", industries["industry"]).astype(str),
            strict=True,
        )
    )
    gini = dict(
        zip(
            industries["industry"].astype(str),
            industries.get("gl", pd.Series(np.nan, index=industries.index)),
            strict=True,
        )
    )
    xs = [0.62, 0.68, 0.74, 0.80, 0.86, 0.94]
    for x, lps_type in zip(xs, TYPES, strict=False):
        _swatch(fig, ctx, x - 0.011, y, TYPE_COLORS[lps_type], 7.5)
    _text(fig, ctx, xs[4], y, "Gini", 7.5, ha="right", color=_MUTED, weight="bold")
    _text(fig, ctx, xs[5], y, t["n_lps"], 7.5, ha="right", color=_MUTED, weight="bold")
    y -= 0.02
    _rule(fig, 0.06, 0.94, y + 0.005)
    order = (
        counts.assign(_n=counts.sum(axis=1)).sort_values("_n", ascending=False).index
        if len(counts)
        else []
    )
    max_rows = int((y - 0.06) / 0.017)
    order = list(order)
    if len(order) > max_rows:
        max_rows -= 1
    for industry in order[:max_rows]:
        label = _ellipsis(
            f"{industry} {titles.get(industry, '')}", ctx.width_pt(0.52), ctx.fs(7.5)
        )
        _text(fig, ctx, 0.06, y, label, 7.5)
        for x, lps_type in zip(xs, TYPES, strict=False):
            n = int(counts.loc[industry].get(lps_type, 0))
            _text(fig, ctx, x, y, str(n) if n else "·", 7.5, ha="right")
        _text(
            fig, ctx, xs[4], y, _fmt(gini.get(industry), 2, ctx.lang), 7.5, ha="right"
        )
        _text(
            fig,
            ctx,
            xs[5],
            y,
            str(int(counts.loc[industry].sum())),
            7.5,
            ha="right",
            weight="bold",
        )
        y -= 0.017
    if len(order) > max_rows:
        _text(
            fig,
            ctx,
            0.06,
            y,
            t["more_industries"].format(k=len(order) - max_rows),
            7.5,
            color=_MUTED,
            style="italic",
        )
    _footer(fig, ctx, page)


def _overview_capability(fig: Figure, ctx: _Atlas, page: int, key: Any = None) -> None:
    from lps_geo.render.maps import capability_map

    _header(fig, ctx, ctx.text["overview"])
    ax = fig.add_axes((0.06, 0.45, 0.72, 0.44))
    capability_map(
        ctx.result.municipalities,
        ctx.result.lps,
        ctx.result.institutions,
        surface=None,
        ax=ax,
        lang=ctx.lang,
        source=ctx.source,
    )
    ax.title.set_fontsize(ctx.fs(11))
    _legend_below(ax, ctx)
    _footer(fig, ctx, page)


# ------------------------------------------------------------------ LPS page


def member_statistics(result: Result) -> pd.DataFrame:
    """Members of each LPS in significant LISA High-High clusters and Gi* hot spots.

    Joins ``lps_members`` (or the ``members`` column) with the ``indicators``
    rows of the LPS's own industry: ``high_high`` counts members whose
    ``lisa_label`` is "High-High", ``hot_spots`` members with ``gi_bin`` > 0
    (a Gi* hot spot at 90 % confidence or more, after the run's correction).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``lps_id``, integer columns ``high_high`` and ``hot_spots``
        (0 for an LPS without matching indicator rows).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> r = SimpleNamespace(
    ...     lps=pd.DataFrame({"lps_id": ["a"], "industry": ["15.3"]}),
    ...     lps_members=pd.DataFrame({"lps_id": ["a", "a"], "region": ["1", "2"]}),
    ...     indicators=pd.DataFrame({"region": ["1", "2", "1"],
    ...         "industry": ["15.3", "15.3", "31.0"],
    ...         "lisa_label": ["High-High", "not significant", "High-High"],
    ...         "gi_bin": [3, 2, 3]}))
    >>> member_statistics(r).loc["a"].tolist()
    [1, 2]
    """
    lps = result.lps
    ids = (
        (lps["lps_id"] if "lps_id" in lps.columns else pd.Series(lps.index))
        .astype(str)
        .to_numpy()
    )
    out = pd.DataFrame(
        {"high_high": 0, "hot_spots": 0}, index=pd.Index(ids, name="lps_id")
    )
    ind = result.indicators
    if not len(ids) or not {"region", "industry"} <= set(ind.columns):
        return out
    industry = dict(zip(ids, lps["industry"].astype(str), strict=True))
    pairs = [
        (lps_id, region, industry[lps_id])
        for lps_id, regions in lps_members(result).items()
        if lps_id in industry
        for region in regions
    ]
    if not pairs:
        return out
    members = pd.DataFrame(pairs, columns=["lps_id", "region", "industry"])
    columns = [c for c in ("lisa_label", "gi_bin") if c in ind.columns]
    table = pd.DataFrame(
        {
            "region": ind["region"].astype(str).to_numpy(),
            "industry": ind["industry"].astype(str).to_numpy(),
            **{c: ind[c].to_numpy() for c in columns},
        }
    )
    joined = members.merge(table, on=["region", "industry"], how="left")
    flags = pd.DataFrame({"lps_id": joined["lps_id"]})
    flags["high_high"] = (
        joined["lisa_label"].astype(str).eq("High-High").to_numpy()
        if "lisa_label" in joined
        else False
    )
    flags["hot_spots"] = (
        (pd.to_numeric(joined["gi_bin"], errors="coerce") > 0).to_numpy()
        if "gi_bin" in joined
        else False
    )
    counts = flags.groupby("lps_id")[["high_high", "hot_spots"]].sum().astype(int)
    out.update(counts)
    return out.astype(int)


def _polygons_path(geoms):
    """All polygons of ``geoms`` as one matplotlib Path (holes kept).

    Exteriors are oriented counter-clockwise and holes clockwise
    (:func:`shapely.orient_polygons`), so the non-zero fill rule of every
    backend leaves the holes empty. One path per layer draws far faster than
    one patch per polygon.
    """
    import shapely
    from matplotlib.path import Path

    geoms = np.asarray(geoms, dtype=object)
    geoms = geoms[~shapely.is_missing(geoms)]
    geoms = geoms[~shapely.is_empty(geoms)]
    if not len(geoms):
        return Path(np.zeros((1, 2)), [Path.MOVETO])
    parts = shapely.get_parts(shapely.orient_polygons(geoms))
    rings = shapely.get_rings(parts)
    coords, index = shapely.get_coordinates(rings, return_index=True)
    starts = np.r_[0, np.flatnonzero(np.diff(index)) + 1]
    ends = np.r_[starts[1:] - 1, len(index) - 1]
    codes = np.full(len(index), Path.LINETO, dtype=Path.code_type)
    codes[starts] = Path.MOVETO
    codes[ends] = Path.CLOSEPOLY
    return Path(coords, codes)


def _add_polygons(ax: Axes, geoms, **kw):
    """Draw polygons as one PathPatch (see :func:`_polygons_path`)."""
    from matplotlib.patches import PathPatch

    patch = PathPatch(_polygons_path(geoms), **kw)
    ax.add_patch(patch)
    return patch


def _view_box(geom, pad: float, aspect: float) -> tuple[float, float, float, float]:
    """Bounds of ``geom`` grown by ``pad`` and to the axes' width/height ratio."""
    x0, y0, x1, y1 = geom.bounds
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    w, h = x1 - x0, y1 - y0
    if w / h < aspect:
        grow = (h * aspect - w) / 2
        x0, x1 = x0 - grow, x1 + grow
    else:
        grow = (w / aspect - h) / 2
        y0, y1 = y0 - grow, y1 + grow
    return x0, y0, x1, y1


def _location_map(ax: Axes, ctx: _Atlas, row: pd.Series) -> list:
    """Members over their neighbourhood, institutions, locator; legend handles."""
    import shapely
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    from lps_geo.render.maps import _nice_length
    from lps_geo.symbology import BASE_FILL, INSTITUTION_LABELS, LPS_EDGE

    t = ctx.text
    lps_type = str(row["lps_type"])
    color = TYPE_COLORS[lps_type]
    geom = row["geometry"]
    bbox = ax.get_position()
    aspect = (bbox.width * ctx.size[0]) / (bbox.height * ctx.size[1])
    x0, y0, x1, y1 = geom.bounds
    extent = max(x1 - x0, y1 - y0)
    radius = ctx.cap_distance_m
    pad = max(0.5 * extent, NEIGHBOURHOOD_M)
    view = _view_box(geom, pad, aspect)
    areas = ctx.areas
    hits = areas.sindex.query(shapely.box(*view))
    codes = ctx.area_codes[hits]
    members = set(ctx.members.get(row["lps_id"], []))
    is_member = np.isin(codes, list(members))
    shown = areas.iloc[hits]
    shapes = np.asarray(shown.geometry.array)
    _add_polygons(
        ax,
        shapes[~is_member],
        facecolor=BASE_FILL,
        edgecolor=EDGE_COLOR,
        linewidth=0.35,
        zorder=1,
    )
    _add_polygons(
        ax,
        shapes[is_member],
        facecolor=color,
        edgecolor=EDGE_COLOR,
        linewidth=0.35,
        zorder=2,
        gid=f"members:{lps_type}",
    )
    _add_polygons(
        ax, [geom], facecolor="none", edgecolor=LPS_EDGE, linewidth=1.3, zorder=3
    )
    handles: list = [
        Patch(
            facecolor=color,
            edgecolor=EDGE_COLOR,
            linewidth=0.4,
            label=f"{t['legend_members']} ({TYPE_LABELS[ctx.lang][lps_type]})",
            gid=f"legend:{lps_type}",
        ),
        Patch(
            facecolor=BASE_FILL,
            edgecolor=EDGE_COLOR,
            linewidth=0.4,
            label=t["legend_others"],
        ),
    ]
    ring = shapely.buffer(geom, radius, quad_segs=16) if radius else None
    if ring is not None and shapely.intersects(ring.boundary, shapely.box(*view)):
        _add_polygons(
            ax,
            [ring],
            facecolor="none",
            edgecolor=LPS_EDGE,
            linewidth=0.8,
            linestyle=(0, (4, 3)),
            zorder=3,
            gid="capability_radius",
        )
        handles.append(
            Line2D(
                [],
                [],
                color=LPS_EDGE,
                linewidth=0.8,
                linestyle=(0, (4, 3)),
                label=t["legend_radius"].format(d=_fmt(radius / 1000, 0, ctx.lang)),
            )
        )
    inst = ctx.result.institutions
    if inst is not None and len(inst):
        xy = shapely.get_coordinates(np.asarray(inst.geometry.array))
        inside = (
            (xy[:, 0] >= view[0])
            & (xy[:, 0] <= view[2])
            & (xy[:, 1] >= view[1])
            & (xy[:, 1] <= view[3])
        )
        kinds = inst["type"].astype(str).to_numpy()
        for kind, kcolor in INSTITUTION_COLORS.items():
            mask = inside & (kinds == kind)
            if not mask.any():
                continue
            ax.scatter(
                xy[mask, 0],
                xy[mask, 1],
                s=22 * ctx.scale,
                color=kcolor,
                edgecolor="white",
                linewidth=0.5,
                zorder=5,
                gid=f"institutions:{kind}",
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="",
                    color=kcolor,
                    markeredgecolor="white",
                    markersize=5,
                    label=f"{INSTITUTION_LABELS[ctx.lang][kind]} ({int(mask.sum())})",
                )
            )
    ax.set_xlim(view[0], view[2])
    ax.set_ylim(view[1], view[3])
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_color(EDGE_COLOR)
        spine.set_linewidth(0.6)
    _label_members(ax, ctx, shown[is_member], ctx.area_names[hits][is_member], view)
    # scale bar, lower left inside the frame
    crs = areas.crs
    if crs is not None and crs.is_projected:
        to_m = crs.axis_info[0].unit_conversion_factor or 1.0
        km = _nice_length((view[2] - view[0]) * to_m / 1000 / 4)
        from matplotlib.font_manager import FontProperties

        bar = AnchoredSizeBar(
            ax.transData,
            km * 1000 / to_m,
            f"{km:g} km",
            loc="lower left",
            pad=0.4,
            borderpad=0.5,
            sep=3,
            frameon=True,
            size_vertical=(view[3] - view[1]) / 200,
            color=_INK,
            fontproperties=FontProperties(size=ctx.fs(6.5)),
        )
        bar.patch.set_alpha(0.85)
        bar.patch.set_edgecolor("none")
        bar.set_gid("scale_bar")
        ax.add_artist(bar)
    # locator inset: the study area with this view marked
    inset = ax.inset_axes((0.70, 0.70, 0.29, 0.29))
    inset.set_facecolor("white")
    _add_polygons(
        inset, [ctx.outline], facecolor=BASE_FILL, edgecolor=EDGE_COLOR, linewidth=0.4
    )
    _add_polygons(inset, [geom], facecolor=color, edgecolor=LPS_EDGE, linewidth=0.3)
    inset.add_patch(
        Rectangle(
            (view[0], view[1]),
            view[2] - view[0],
            view[3] - view[1],
            facecolor="none",
            edgecolor=LPS_EDGE,
            linewidth=0.8,
        )
    )
    ox0, oy0, ox1, oy1 = ctx.outline.bounds
    m = 0.04 * max(ox1 - ox0, oy1 - oy0)
    inset.set_xlim(min(ox0, view[0]) - m, max(ox1, view[2]) + m)
    inset.set_ylim(min(oy0, view[1]) - m, max(oy1, view[3]) + m)
    inset.set_aspect("equal")
    inset.set_anchor("NE")
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_xlabel("")
    inset.set_ylabel("")
    inset.set_gid("locator")
    for spine in inset.spines.values():
        spine.set_color(EDGE_COLOR)
        spine.set_linewidth(0.5)
    return handles


def _label_members(ax: Axes, ctx: _Atlas, polygons, names, view) -> None:
    """Name member areas at a point inside each, skipping labels that collide.

    Larger members are labelled first; a label is dropped when its box
    (measured with the font metrics) would overlap one already placed, the
    inset locator or the frame. Every member is also listed by name in the
    side panel, so nothing is lost.
    """
    import shapely
    from matplotlib.patheffects import withStroke

    if not len(polygons):
        return
    size = ctx.fs(6.5)
    geoms = np.asarray(polygons.geometry.array)
    points = shapely.point_on_surface(geoms)
    order = np.argsort(-shapely.area(geoms), kind="stable")
    bbox = ax.get_position()
    # points per map unit (the axes keep the view's aspect)
    per_unit = bbox.width * ctx.size[0] * 72 / (view[2] - view[0])
    width_pts = bbox.width * ctx.size[0] * 72
    height_pts = bbox.height * ctx.size[1] * 72
    taken = [(0.70 * width_pts, 0.70 * height_pts, width_pts, height_pts)]  # inset
    halo = [withStroke(linewidth=2.2, foreground="white")]
    for i in order[:40]:
        name = str(names[i])
        w = _width_pt(name, size) + 8  # halo and breathing space
        h = size * 1.6
        for dy in (0.0, 1.1 * h, -1.1 * h):
            x = points[i].x
            y = points[i].y + dy / per_unit
            if dy and not shapely.contains_xy(geoms[i], x, y):
                continue
            cx = (x - view[0]) * per_unit
            cy = (y - view[1]) * per_unit
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            outside = (
                box[0] < 2
                or box[1] < 2
                or box[2] > width_pts - 2
                or (box[3] > height_pts - 2)
            )
            if outside or any(
                box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3]
                for o in taken
            ):
                continue
            taken.append(box)
            ax.text(
                x,
                y,
                name,
                fontsize=size,
                ha="center",
                va="center",
                color=_INK,
                path_effects=halo,
                zorder=6,
                gid="member_label",
            )
            break


def _typology_chart(ax: Axes, ctx: _Atlas, row: pd.Series) -> None:
    """The LPS among all LPS of its industry on the two typology axes."""
    from matplotlib.patches import Rectangle
    from matplotlib.ticker import (
        FuncFormatter,
        LogLocator,
        NullFormatter,
        NullLocator,
    )

    from lps_geo.symbology import LPS_EDGE

    t = ctx.text
    lps = ctx.lps
    share_high = ctx.thresholds["share_high"]
    ql_high = ctx.thresholds["ql_high"]
    same = lps["industry"] == row["industry"]
    x_all = pd.to_numeric(lps["share_industry"], errors="coerce")
    y_all = pd.to_numeric(lps["ql"], errors="coerce")
    valid = x_all.notna() & y_all.notna() & (y_all > 0)
    xmax = max(share_high * 1.6, float(x_all[valid].max() if valid.any() else 0) * 1.1)
    xmax = min(1.0, xmax)
    ys = y_all[valid]
    ylo = min(ctx.thresholds["ql_min"], float(ys.min()) if len(ys) else 1.0) / 1.25
    yhi = max(ql_high * 2.5, float(ys.max()) * 1.6 if len(ys) else 0)
    ax.set_yscale("log")
    ax.set_xlim(0, xmax)
    ax.set_ylim(max(ylo, 1e-3), yhi)
    cells = {
        "embryo": (0, ylo, share_high, ql_high),
        "local_vector": (0, ql_high, share_high, yhi),
        "advanced_vector": (share_high, ylo, xmax, ql_high),
        "center": (share_high, ql_high, xmax, yhi),
    }
    for lps_type, (qx0, qy0, qx1, qy1) in cells.items():
        ax.add_patch(
            Rectangle(
                (qx0, qy0),
                qx1 - qx0,
                qy1 - qy0,
                facecolor=TYPE_COLORS[lps_type],
                alpha=0.13,
                edgecolor="none",
                zorder=0,
                gid=f"quadrant:{lps_type}",
            )
        )
        right = qx1 == xmax
        top = qy1 == yhi
        ax.text(
            qx1 - 0.015 * xmax if right else qx0 + 0.015 * xmax,
            qy1 / 1.08 if top else qy0 * 1.08,
            TYPE_SHORT_LABELS[ctx.lang][lps_type],
            fontsize=ctx.fs(6.5),
            color=_MUTED,
            ha="right" if right else "left",
            va="top" if top else "bottom",
            zorder=1,
        )
    ax.axvline(share_high, color=_MUTED, linewidth=0.7, linestyle="--", zorder=1)
    ax.axhline(ql_high, color=_MUTED, linewidth=0.7, linestyle="--", zorder=1)
    others = valid & ~same
    if others.any():
        ax.scatter(
            x_all[others],
            y_all[others],
            s=9 * ctx.scale,
            color=EDGE_COLOR,
            alpha=0.6,
            linewidth=0,
            zorder=2,
            gid="others",
            label=t["other_industries"],
        )
    kinds = lps["lps_type"].astype(str)
    for lps_type in TYPES:
        mask = valid & same & (kinds == lps_type)
        if mask.any():
            ax.scatter(
                x_all[mask],
                y_all[mask],
                s=30 * ctx.scale,
                color=TYPE_COLORS[lps_type],
                edgecolor=LPS_EDGE,
                linewidth=0.5,
                zorder=3,
                gid=f"lps_type:{lps_type}",
                label=TYPE_LABELS[ctx.lang][lps_type],
            )
    x, y = float(row["share_industry"]), float(row["ql"])
    if math.isfinite(x) and math.isfinite(y) and y > 0:
        ax.scatter(
            [x],
            [y],
            s=110 * ctx.scale,
            facecolor=TYPE_COLORS[str(row["lps_type"])],
            edgecolor=_INK,
            linewidth=1.4,
            zorder=4,
            gid="this_lps",
        )
        left = x > 0.62 * xmax
        ax.annotate(
            t["this_lps"],
            (x, y),
            xytext=(-8 if left else 8, 0),
            textcoords="offset points",
            fontsize=ctx.fs(7),
            color=_INK,
            ha="right" if left else "left",
            va="center",
            zorder=5,
            fontweight="bold",
        )
    ax.set_xlabel(t["chart_x"], fontsize=ctx.fs(7))
    ax.set_ylabel(t["chart_y"], fontsize=ctx.fs(7))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:.0f}%"))
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.tick_params(labelsize=ctx.fs(6.5), length=2.5, width=0.5)
    for spine in ax.spines.values():
        spine.set_linewidth(0.5)
        spine.set_color(EDGE_COLOR)


def _chart_legend(ax: Axes, ctx: _Atlas, row: pd.Series) -> None:
    """Key of the typology chart below it: types of the industry, others, this."""
    from matplotlib.lines import Line2D

    t = ctx.text
    same = ctx.lps[ctx.lps["industry"] == row["industry"]]
    present = [x for x in TYPES if (same["lps_type"].astype(str) == x).any()]
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=4.5 * ctx.scale,
            markerfacecolor=TYPE_COLORS[x],
            markeredgecolor=EDGE_COLOR,
            markeredgewidth=0.5,
            label=TYPE_SHORT_LABELS[ctx.lang][x],
            gid=f"key:{x}",
        )
        for x in present
    ]
    handles.append(
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=7 * ctx.scale,
            markerfacecolor="none",
            markeredgecolor=_INK,
            markeredgewidth=1.2,
            label=t["this_lps"],
        )
    )
    if (ctx.lps["industry"] != row["industry"]).any():
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markersize=3.5 * ctx.scale,
                markerfacecolor=EDGE_COLOR,
                markeredgecolor="none",
                alpha=0.6,
                label=t["other_industries"],
            )
        )
    legend = ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(-0.19, -0.30),
        ncol=len(handles),
        frameon=False,
        fontsize=ctx.fs(6.2),
        handletextpad=0.2,
        columnspacing=0.9,
        borderaxespad=0.0,
        borderpad=0.0,
    )
    legend.set_gid("chart_legend")


def _table_rows(
    fig: Figure,
    ctx: _Atlas,
    x0: float,
    x1: float,
    y: float,
    rows: list[tuple[str, str]],
    size: float,
    step: float,
) -> float:
    for label, value in rows:
        _text(fig, ctx, x0, y, label, size, color=_MUTED)
        _text(fig, ctx, x1, y, value, size, ha="right")
        _rule(fig, x0, x1, y - step + 0.004, lw=0.3)
        y -= step
    return y


def _capability_block(
    fig: Figure, ctx: _Atlas, row: pd.Series, x0: float, x1: float, y: float
) -> None:
    t = ctx.text
    _text(fig, ctx, x0, y, t["capability"], 9.5, weight="bold")
    y -= 0.022
    cap = ctx.result.lps_capability
    if cap is None:
        _paragraph(fig, ctx, x0, y, t["no_capability"], x1 - x0, 7.5, color=_MUTED)
        return
    match = cap[cap["lps_id"].astype(str) == row["lps_id"]]
    if match.empty:
        _paragraph(fig, ctx, x0, y, t["no_cap_row"], x1 - x0, 7.5, color=_MUTED)
        return
    c = match.iloc[0]
    d = _fmt((ctx.cap_distance_m or 0) / 1000, 0, ctx.lang)
    inst = ctx.result.institutions
    present = (
        set(inst["type"].astype(str)) if inst is not None else set(INSTITUTION_COLORS)
    )
    from lps_geo.symbology import INSTITUTION_LABELS

    headers = (t["inside"], t["within"].format(d=d), t["nearest"])
    # right edges of the number columns, spaced by the widest header line
    widths = [
        max(
            max(_width_pt(part, ctx.fs(6.5), "bold") for part in h.split("\n")),
            _width_pt("000.0", ctx.fs(7)),
        )
        / 72
        / ctx.size[0]
        for h in headers
    ]
    gap = 0.014
    cols = (x1 - widths[2] - widths[1] - 2 * gap, x1 - widths[2] - gap, x1)
    for x, label in zip(cols, headers, strict=True):
        _text(
            fig,
            ctx,
            x,
            y - 0.0205,
            label,
            6.5,
            ha="right",
            color=_MUTED,
            weight="bold",
            multialignment="right",
            linespacing=1.1,
            va="bottom",
        )
    y -= 0.024
    _rule(fig, x0, x1, y + 0.004, lw=0.4)
    label_w = ctx.width_pt(cols[0] - widths[0] - gap - x0 - 0.016)
    for kind, color in INSTITUTION_COLORS.items():
        if kind not in present:
            continue
        _swatch(fig, ctx, x0, y, color, 7)
        _text(
            fig,
            ctx,
            x0 + 0.016,
            y,
            _ellipsis(INSTITUTION_LABELS[ctx.lang][kind], label_w, ctx.fs(7)),
            7,
        )
        values = (
            _fmt(c.get(f"n_{kind}"), 0, ctx.lang),
            _fmt(c.get(f"n_{kind}_within"), 0, ctx.lang),
            _fmt(c.get(f"dist_{kind}_km"), 1, ctx.lang),
        )
        for x, value in zip(cols, values, strict=True):
            _text(fig, ctx, x, y, value, 7, ha="right")
        y -= 0.0165
    _rule(fig, x0, x1, y + 0.004, lw=0.4)
    y -= 0.003
    _text(fig, ctx, x0, y, t["cap_index"], 7, color=_MUTED)
    _text(fig, ctx, x1, y, _fmt(c.get("capability_index"), 2, ctx.lang), 7, ha="right")
    y -= 0.019
    p = c.get("cap_p_value")
    test = t["cap_test"].format(
        d=d,
        obs=_fmt(c.get("cap_observed"), 0, ctx.lang),
        exp=_fmt(c.get("cap_expected"), 1, ctx.lang),
        p=_fmt(p, 3, ctx.lang),
    )
    _paragraph(fig, ctx, x0, y, test, x1 - x0, 7, color=_INK)


def _guidelines_block(
    fig: Figure,
    ctx: _Atlas,
    lps_type: str,
    x0: float,
    x1: float,
    y: float,
    bottom: float,
) -> None:
    t = ctx.text
    heading = t["guidelines"].format(label=TYPE_LABELS[ctx.lang][lps_type])
    specific = GUIDELINES[ctx.lang][lps_type]
    general = GUIDELINES[ctx.lang]["general"]
    cite = f"{t['after']} {CITATION}"
    width = x1 - x0
    blocks = [
        (heading, 1.2, "bold"),
        (specific, 1.0, "normal"),
        (general, 1.0, "normal"),
        (cite, 0.9, "normal"),
    ]
    size = _fit_font(ctx, blocks, width - 0.02, y - bottom, 8.0)
    from matplotlib.patches import Rectangle

    top = y
    xt = x0 + 0.02
    y = _paragraph(fig, ctx, xt, y, heading, width - 0.02, size * 1.2, weight="bold")
    y -= 0.004
    y = _paragraph(fig, ctx, xt, y, specific, width - 0.02, size)
    y -= 0.006
    y = _paragraph(fig, ctx, xt, y, general, width - 0.02, size)
    y -= 0.006
    y = _paragraph(
        fig, ctx, xt, y, cite, width - 0.02, size * 0.9, style="italic", color=_MUTED
    )
    fig.add_artist(
        Rectangle(
            (x0, y),
            0.006,
            top - y,
            transform=fig.transFigure,
            facecolor=TYPE_COLORS[lps_type],
            edgecolor="none",
            gid=f"guideline_bar:{lps_type}",
        )
    )


def _fit_line(ctx: _Atlas, text: str, width: float, size: float, weight: str):
    """Font size (<= ``size``) at which ``text`` fits on one line of ``width``."""
    while size > 6 and _width_pt(text, ctx.fs(size), weight) > ctx.width_pt(width):
        size -= 0.5
    return size


def _lps_page(fig: Figure, ctx: _Atlas, page: int | None, lps_id: str) -> None:
    row = ctx.row(lps_id)
    t = ctx.text
    lang = ctx.lang
    lps_type = str(row["lps_type"])
    name = str(row["name"])
    title = str(row.get("title") or "")
    industry = str(row["industry"])
    # header: name, industry, type chip
    size = _fit_line(ctx, name, 0.70, 18, "bold")
    _text(fig, ctx, 0.06, 0.968, name, size, weight="bold", gid="lps_name")
    _text(fig, ctx, 0.94, 0.966, str(row["lps_id"]), 7, ha="right", color=_MUTED)
    line = f"{industry} — {title}" if title else industry
    size = _fit_line(ctx, line, 0.88, 11, "normal")
    _text(fig, ctx, 0.06, 0.935, line, size, gid="industry_title")
    _swatch(fig, ctx, 0.06, 0.912, TYPE_COLORS[lps_type], 9, gid=f"chip:{lps_type}")
    _text(fig, ctx, 0.077, 0.912, TYPE_LABELS[lang][lps_type], 9, weight="bold")
    _rule(fig, 0.06, 0.94, 0.893, lw=0.8, color=_INK)

    # location map and its legend
    ax = fig.add_axes((0.06, 0.51, 0.55, 0.37))
    ax.set_gid("location_map")
    handles = _location_map(ax, ctx, row)
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.055, 0.503),
        ncol=2,
        frameon=False,
        fontsize=ctx.fs(6.5),
        handlelength=1.4,
        columnspacing=1.2,
        borderaxespad=0.0,
        handletextpad=0.5,
    ).set_gid("location_legend")

    # indicator table
    x0, x1 = 0.65, 0.94
    y = 0.878
    _text(fig, ctx, x0, y, t["indicators"], 9.5, weight="bold")
    y -= 0.021
    gl = ctx.result.industries
    gl = gl.loc[gl["industry"].astype(str) == industry, "gl"] if "gl" in gl else []
    summary = ctx.member_stats.loc[row["lps_id"]]
    n_members = row.get("n_members", len(ctx.members.get(row["lps_id"], [])))
    rows = [
        (t["employment"], _fmt(row.get("employment"), 0, lang)),
        (t["establishments"], _fmt(row.get("establishments"), 0, lang)),
        (t["ql"], _fmt(row.get("ql"), 2, lang)),
        (t["share_industry"], _pct(row.get("share_industry"), lang)),
        (t["share_region"], _pct(row.get("share_region"), lang)),
        (t["n_members"], _fmt(n_members, 0, lang)),
        (t["gini"], _fmt(gl.iloc[0] if len(gl) else np.nan, 3, lang)),
        (t["high_high"], str(int(summary["high_high"]))),
        (t["hot_spots"], str(int(summary["hot_spots"]))),
    ]
    y = _table_rows(fig, ctx, x0, x1, y, rows, 7.5, 0.0185)
    # members by name
    y -= 0.008
    _text(fig, ctx, x0, y, t["members"], 8, weight="bold")
    y -= 0.017
    codes = ctx.members.get(row["lps_id"], [])
    names = dict(zip(ctx.area_codes, ctx.area_names, strict=True))
    listed = [names.get(c, c) for c in codes]
    shown = ", ".join(listed[:12])
    if len(listed) > 12:
        shown += f" {t['more'].format(k=len(listed) - 12)}"
    lines = _wrap(shown, ctx.width_pt(x1 - x0), ctx.fs(7))
    if len(lines) > 6:
        lines = lines[:5] + [
            _ellipsis(lines[5] + " …", ctx.width_pt(x1 - x0), ctx.fs(7))
        ]
    _text(fig, ctx, x0, y, "\n".join(lines), 7, linespacing=1.35)

    # typology chart and capability
    top = 0.43
    industry_label = industry
    _text(
        fig,
        ctx,
        0.06,
        top,
        t["chart"].format(industry=industry_label),
        9.5,
        weight="bold",
    )
    chart = fig.add_axes((0.13, 0.272, 0.37, 0.133))
    chart.set_gid("typology_chart")
    _typology_chart(chart, ctx, row)
    _chart_legend(chart, ctx, row)
    _capability_block(fig, ctx, row, 0.555, 0.94, top)

    # guidelines
    _rule(fig, 0.06, 0.94, 0.212, lw=0.5)
    _guidelines_block(fig, ctx, lps_type, 0.06, 0.94, 0.198, 0.045)
    _footer(fig, ctx, page, left=f"{ctx.text['atlas']} · {ctx.study_area}")


#: Page renderers by page kind: ``render(fig, ctx, page_number, key)``.
_RENDERERS: dict[str, Callable[[Figure, _Atlas, int, Any], None]] = {
    "cover": _cover,
    "contents": _contents,
    "methods": _methods,
    "overview_typology": _overview_typology,
    "overview_capability": _overview_capability,
    "lps": _lps_page,
}


# ------------------------------------------------------------------ public API


def lps_page_figure(
    result_or_gpkg: Result | str | os.PathLike,
    lps_id: str,
    *,
    lang: Lang = "en",
    page_size: PageSize = "A4",
) -> Figure:
    """One LPS page of the atlas as a matplotlib Figure (not saved).

    The page numbers are those of the full atlas (no filters, default
    order). Artists carry ``gid`` values tests and callers can look up:
    ``location_map`` and ``typology_chart`` (Axes), ``members:<type>``,
    ``lps_type:<type>``, ``quadrant:<type>`` and ``this_lps`` (collections and
    patches), ``location_legend`` (the map legend) and ``page_number``.

    Parameters
    ----------
    result_or_gpkg
        A Result or the path of a GeoPackage written by
        :func:`lps_geo.export.write_geopackage`.
    lps_id
        The ``lps_id`` of the LPS to draw.
    lang, page_size
        As in :func:`write_atlas`.

    Raises
    ------
    InputError
        ``lps_id`` is not in the result.

    Examples
    --------
    >>> fig = lps_page_figure("out/demo/result.gpkg", "15.3@1928100")  # doctest: +SKIP
    >>> [a.get_gid() for a in fig.axes]  # doctest: +SKIP
    ['location_map', 'typology_chart']
    """
    result = _load(result_or_gpkg)
    ctx = _context(result, lang, page_size)
    match = ctx.lps[ctx.lps["lps_id"] == str(lps_id)]
    if match.empty:
        known = ctx.lps["lps_id"].tolist()
        raise InputError(
            f"LPS {lps_id!r} not found; known lps_id values: "
            f"{', '.join(known[:10])}{' ...' if len(known) > 10 else ''}"
        )
    fig = _new_figure(ctx)
    _lps_page(fig, ctx, ctx.page_of(str(lps_id)), str(lps_id))
    return fig


def write_atlas(
    result_or_gpkg: Result | str | os.PathLike,
    path: str | os.PathLike,
    *,
    lang: Lang = "en",
    page_size: PageSize = "A4",
    industries: str | Sequence[str] | None = None,
    types: str | Sequence[str] | None = None,
    states: str | Sequence[str] | None = None,
    sort: Sequence[str] = DEFAULT_SORT,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write a printable vector PDF atlas of the local production systems.

    Composed from the result alone: a :class:`~lps_geo.result.Result` or the
    GeoPackage written from it (nothing is recomputed). The pages are listed
    by :func:`atlas_plan`: cover, contents, methods, overview maps and one
    page per LPS, each with "page N of M". The typology, thresholds and policy
    guidelines follow Suzigan, Furtado & Garcia (2006); colours come from
    :mod:`lps_geo.symbology`. Text is embedded as TrueType (searchable,
    selectable). The file is written atomically.

    Parameters
    ----------
    result_or_gpkg
        A Result, or the path of a GeoPackage written by
        :func:`lps_geo.export.write_geopackage`.
    path
        Output ``.pdf`` file.
    lang
        Language of the pages: ``"en"`` or ``"pt"``.
    page_size
        ``"A4"`` or ``"A3"`` portrait (A3 is the A4 layout enlarged).
    industries, types, states, sort
        Which LPS get a page and in which order (see :func:`select_lps`).
    overwrite
        Replace ``path`` if it exists.
    progress
        Called as ``progress(i, n)`` after page ``i`` of ``n`` is drawn.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OutputExistsError
        ``path`` exists and ``overwrite`` is false (checked before drawing).
    ConfigError
        Bad ``lang``, ``page_size``, type, state or sort column.
    InputError
        No LPS passes the filters, or the GeoPackage is not a result.

    Examples
    --------
    From the GeoPackage of ``lps-geo demo``, only the centres, in Portuguese:

    >>> write_atlas("out/demo/result.gpkg", "centres.pdf", lang="pt",
    ...             types=["center"])  # doctest: +SKIP
    PosixPath('centres.pdf')
    """
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages

    from lps_geo._version import __version__
    from lps_geo.export.atomic import atomic_path, check_writable

    _check_options(lang, page_size)
    check_writable(path, overwrite)
    start = time.perf_counter()
    result = _load(result_or_gpkg)
    ctx = _context(result, lang, page_size, industries, types, states, sort)
    n = ctx.n_pages
    metadata = {
        "Title": f"{ctx.text['atlas']} — {ctx.study_area}",
        "Author": "lps_geo",
        "Subject": CITATION,
        "Creator": f"lps_geo {__version__}",
    }
    # TrueType text (Type 42): selectable and searchable, ToUnicode mapped
    rc = {"pdf.fonttype": 42}
    fig = _new_figure(ctx)
    with (
        matplotlib.rc_context(rc),
        atomic_path(path, overwrite) as tmp,
        PdfPages(tmp, metadata=metadata) as pdf,
    ):
        for number, page in enumerate(ctx.plan, start=1):
            fig.clear()  # one Figure for every page: no per-page allocation
            _RENDERERS[page.kind](fig, ctx, number, page.key)
            pdf.savefig(fig)
            if progress is not None:
                progress(number, n)
    fig.clear()
    elapsed = time.perf_counter() - start
    logger.info(
        "wrote atlas %s: %d pages in %.1f s (%.1f pages/s)",
        path,
        n,
        elapsed,
        n / elapsed if elapsed > 0 else float("inf"),
    )
    return Path(path)
