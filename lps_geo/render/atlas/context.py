"""The state every atlas page shares, built once per atlas from the result.

:class:`AtlasContext` holds the selected LPS, the page plan, the member
lists and statistics, the study-area outline and the run settings, and scales
the A4 layout to the page size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from lps_geo.config import Characterisation
from lps_geo.errors import InputError
from lps_geo.io.codes import STATE_ABBREVIATIONS
from lps_geo.method.members import lps_members, member_statistics
from lps_geo.render.atlas.plan import (
    DEFAULT_SORT,
    AtlasPage,
    as_list,
    atlas_plan,
    lps_table,
    select_lps,
)
from lps_geo.render.atlas.run_info import run_settings
from lps_geo.render.atlas.text import TEXT, fmt
from lps_geo.render.primitives import DEFAULT_SOURCE, check_lang, check_page_size

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from lps_geo.result import Result

#: Portrait page sizes in inches (ISO 216).
PAGE_SIZES: dict[str, tuple[float, float]] = {
    "A4": (210 / 25.4, 297 / 25.4),
    "A3": (297 / 25.4, 420 / 25.4),
}


def check_options(lang: str, page_size: str) -> None:
    """A ConfigError unless ``lang`` and ``page_size`` are known."""
    check_lang(lang)
    check_page_size(page_size)


@dataclass
class AtlasContext:
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
    #: what a size counts, the lead-establishment cut-offs (industry and
    #: construction, other sectors) and the suppliers' "nearby" radius
    size_measure: str = "employment"
    lead_cutoffs: tuple[int, int] = (
        Characterisation.lead_industry,
        Characterisation.lead_services,
    )
    supplier_distance_m: float | None = None
    _pages: dict[str, int] = field(default_factory=dict, repr=False)
    _rows: dict[str, pd.Series] = field(default_factory=dict, repr=False)
    _by_lps: dict[str, dict[str, pd.DataFrame]] = field(
        default_factory=dict, repr=False
    )

    @property
    def text(self) -> dict:
        """The page texts in the atlas's language."""
        return TEXT[self.lang]

    @property
    def size(self) -> tuple[float, float]:
        """Page width and height in inches."""
        return PAGE_SIZES[self.page_size]

    @property
    def scale(self) -> float:
        """Ratio of the page width to the A4 width."""
        return self.size[0] / PAGE_SIZES["A4"][0]

    def fs(self, points: float) -> float:
        """A font size of the A4 layout, scaled to the page."""
        return points * self.scale

    def width_pt(self, fraction: float) -> float:
        """A width in figure fraction, in points."""
        return fraction * self.size[0] * 72

    @property
    def n_pages(self) -> int:
        """Number of pages of the atlas."""
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

    def rows_of(self, layer: str, lps_id: str) -> pd.DataFrame | None:
        """The rows of one LPS in a per-LPS table of the result.

        ``layer`` is an attribute of the result with an ``lps_id`` column
        (``lps_structure``, ``lps_related``, ``lps_suppliers``); ``None``
        when the result has no such table, an empty frame when the LPS has
        no row. The table is split by LPS once per atlas.
        """
        table = getattr(self.result, layer, None)
        if table is None:
            return None
        if layer not in self._by_lps:
            ids = table["lps_id"].astype(str)
            self._by_lps[layer] = {str(k): g for k, g in table.groupby(ids, sort=False)}
        return self._by_lps[layer].get(lps_id, table.iloc[:0])


def _study_area(result: Result, lang: str) -> str:
    """ "500 municipalities, state 19": size and states of the study area."""
    text = TEXT[lang]
    mun = result.municipalities
    codes = (
        mun["region"].astype(str)
        if "region" in mun.columns
        else pd.Series(mun.index.astype(str))
    )
    states = sorted({c[:2] for c in codes if len(c) >= 2})
    named = [STATE_ABBREVIATIONS.get(s, s) for s in states]
    if len(named) > 6:
        where = f"{len(named)} {text['states']}"
    elif len(named) == 1:
        where = f"{text['state']} {named[0]}"
    else:
        where = f"{text['states']} {', '.join(named)}"
    n = fmt(len(mun), 0, lang)
    return f"{n} {text['municipalities']}, {where}"


def build_context(
    result: Result,
    lang: str,
    page_size: str,
    industries=None,
    types=None,
    states=None,
    sort: Sequence[str] = DEFAULT_SORT,
) -> AtlasContext:
    """The context of an atlas of ``result`` (filters and order as in select_lps)."""
    check_options(lang, page_size)
    lps = lps_table(result)
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
    settings = run_settings(result)
    return AtlasContext(
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
        thresholds=settings.thresholds,
        cap_distance_m=settings.cap_distance_m,
        source=settings.source or DEFAULT_SOURCE,
        study_area=_study_area(result, lang),
        created=settings.created or TEXT[lang]["unknown_date"],
        member_stats=member_statistics(result),
        size_measure=settings.size_measure,
        lead_cutoffs=(settings.lead_industry, settings.lead_services),
        supplier_distance_m=settings.supplier_distance_m,
        filters={
            "industries": as_list(industries),
            "types": as_list(types),
            "states": as_list(states),
        },
    )
