"""Which LPS an atlas shows, in which order, and on which pages.

:func:`select_lps` filters and orders the LPS; :func:`atlas_plan` lists the
pages (cover, contents, methods, overviews, one page per LPS) without drawing.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from lps_geo.errors import ConfigError, InputError
from lps_geo.export.gpkg import read_geopackage
from lps_geo.method.members import lps_members
from lps_geo.vocab import TYPES, PageKind

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from lps_geo.result import Result

#: Lines of the table of contents per page (the same on A4 and A3: A3 pages
#: are A4 pages enlarged, fonts included).
CONTENTS_ROWS = 27

#: Default order of the LPS pages: type in legend order, then share of the
#: industry, largest first.
DEFAULT_SORT: tuple[str, ...] = ("lps_type", "share_industry")


def as_list(value: str | Sequence[str] | None) -> list[str] | None:
    """A filter value as a list of strings (``None`` stays ``None``)."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def load_result(result_or_gpkg: Result | str | os.PathLike) -> Result:
    """The result itself, or the one read from a result GeoPackage's path."""
    if isinstance(result_or_gpkg, (str, os.PathLike)):
        return read_geopackage(result_or_gpkg)
    return result_or_gpkg


def lps_table(result: Result) -> gpd.GeoDataFrame:
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
    lps = lps_table(result)
    industries_l = as_list(industries)
    types_l = as_list(types)
    states_l = as_list(states)
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
    result = load_result(result_or_gpkg)
    chosen = select_lps(result, industries, types, states, sort)
    pages = [AtlasPage("cover")]
    pages += [AtlasPage("contents", k) for k in range(contents_pages(len(chosen)))]
    pages += [AtlasPage("methods"), AtlasPage("overview_typology")]
    if result.institutions is not None and len(result.institutions):
        pages.append(AtlasPage("overview_capability"))
    pages += [AtlasPage("lps", lps_id) for lps_id in chosen["lps_id"]]
    return pages
