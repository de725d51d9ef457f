"""The focus-industry rule: the industry that maps, QGIS styles and rasters show."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from lps_geo.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd


class _HasLayers(Protocol):
    lps: pd.DataFrame
    industries: pd.DataFrame


def focus_industry(result: _HasLayers) -> str:
    """The industry shown by default: the one with the most centres, then LPS.

    The industry with the most LPS of the "center" type wins; then the one
    with the most LPS; ties are broken by the total employment of the
    industry's LPS (larger first), then by industry code. Without any LPS,
    the industry with the largest employment in the ``industries`` table (then code).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> lps = pd.DataFrame({"industry": ["15.3", "15.3", "26.1", "26.1", "10.1"],
    ...                     "employment": [10, 20, 5, 40, 99]})
    >>> focus_industry(SimpleNamespace(lps=lps, industries=pd.DataFrame()))
    '26.1'
    """
    lps = result.lps
    if len(lps) and "industry" in lps.columns:
        employment = (
            pd.to_numeric(lps["employment"], errors="coerce").fillna(0.0)
            if "employment" in lps.columns
            else pd.Series(0.0, index=lps.index)
        )
        centre = (
            (lps["lps_type"] == "center").to_numpy()
            if "lps_type" in lps.columns
            else np.zeros(len(lps), dtype=bool)
        )
        table = (
            pd.DataFrame(
                {
                    "industry": lps["industry"].astype(str),
                    "employment": employment.to_numpy(),
                    "centre": centre.astype(int),
                }
            )
            .groupby("industry")
            .agg(
                centres=("centre", "sum"),
                size=("employment", "size"),
                sum=("employment", "sum"),
            )
            .reset_index()
            .sort_values(
                ["centres", "size", "sum", "industry"],
                ascending=[False, False, False, True],
            )
        )
        return str(table["industry"].iloc[0])
    industries = result.industries
    if len(industries) and "industry" in industries.columns:
        employment = (
            pd.to_numeric(industries["employment"], errors="coerce").fillna(0.0)
            if "employment" in industries.columns
            else pd.Series(0.0, index=industries.index)
        )
        table = pd.DataFrame(
            {
                "industry": industries["industry"].astype(str),
                "employment": employment.to_numpy(),
            }
        )
        table = table.sort_values(["employment", "industry"], ascending=[False, True])
        return str(table["industry"].iloc[0])
    raise InputError(
        "the result has no LPS and no industries; pass industry= explicitly"
    )


def resolve_focus(result: _HasLayers, given: str | None) -> str | None:
    """The industry in focus: ``given`` when set, else :func:`focus_industry`
    (None when the result has neither LPS nor industries)."""
    if given:
        return str(given)
    try:
        return focus_industry(result)
    except InputError:
        return None


def region_codes(frame: pd.DataFrame, column: str = "region") -> pd.Series:
    """Region codes of a layer as str, from the column or else the index."""
    if column in frame.columns:
        return frame[column].astype(str)
    return pd.Series(frame.index.astype(str), index=frame.index)


def industry_values(
    polygons: gpd.GeoDataFrame, indicators: pd.DataFrame, industry: str, column: str
) -> pd.Series:
    """``column`` of ``indicators`` for ``industry``, aligned to ``polygons``.

    Joins on the polygons' ``region`` (column or index), or on their ``unit``
    column when the indicators are at a coarser analysis unit.
    """
    for needed in ("region", "industry", column):
        if needed not in indicators.columns:
            raise InputError(
                f"indicators table lacks column {needed!r}; pass the indicators "
                "layer of a Result (see lps_geo.result)"
            )
    rows = indicators[indicators["industry"].astype(str) == str(industry)]
    if rows.empty:
        known = sorted(indicators["industry"].astype(str).unique())
        raise InputError(
            f"industry {industry!r} not found in indicators; known industries: "
            f"{', '.join(known[:10])}{' ...' if len(known) > 10 else ''}"
        )
    values = pd.Series(rows[column].to_numpy(), index=rows["region"].astype(str))
    values = values[~values.index.duplicated()]
    codes = region_codes(polygons)
    if not codes.isin(values.index).any() and "unit" in polygons.columns:
        codes = polygons["unit"].astype(str)
    if len(codes) and not codes.isin(values.index).any():
        raise InputError(
            f"no polygon code (e.g. {codes.iloc[0]}) matches a region of the "
            f"indicators for industry {industry!r} (e.g. {values.index[0]}); when "
            "the analysis unit is coarser than the municipality, map the regions "
            "layer or give the municipalities a 'unit' column"
        )
    return pd.Series(values.reindex(codes.to_numpy()).to_numpy(), index=polygons.index)
