"""Municipality -> region lookups: microregions, mesoregions, SEADE regions.

The original LPS studies (Suzigan, Furtado & Garcia 2006 and the IPEA/FEE
mappings that followed) worked on IBGE microregions, not municipalities.
Any such grouping is a lookup table from the 7-digit municipality code to a
group code; this module reads one, checks that it covers the municipalities
of the analysis, sums size tables over it and dissolves boundaries with it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from lps_geo.errors import InputError
from lps_geo.io._util import (
    clean_code,
    file_rows,
    format_items,
    is_missing,
    normalize_region_codes,
    read_table,
    require_columns,
)
from lps_geo.io.boundaries import _polygonal

logger = logging.getLogger(__name__)


def read_region_lookup(
    path: str | Path,
    code_column: str,
    group_column: str,
    name_column: str | None = None,
    *,
    sep: str | None = None,
    encoding: str | None = None,
    sheet_name: str | int = 0,
    section: str | None = None,
) -> pd.DataFrame:
    """Read a municipality -> region (group) lookup table.

    ``section`` (e.g. ``"inputs.lookup"``) makes the hints name that
    configuration section's keys; errors name the file rows.

    Parameters
    ----------
    path
        CSV/TSV (separator and UTF-8/Latin-1 encoding sniffed), Excel or
        Parquet file, e.g. IBGE's DTB as ``brasil-municipios.csv``
        (``id`` -> ``id_microrregiao``) or SEADE's
        ``divisoes_regionais_esp.csv``.
    code_column
        Municipality code column (digits; ``3516200.0`` is accepted).
    group_column
        Region code (or label) column.
    name_column
        Region name column; None uses the group code as the name.
    sep, encoding, sheet_name
        Override the sniffed CSV separator and encoding; Excel sheet.

    Returns
    -------
    DataFrame
        Index: municipality code (str, named ``"region"``); columns
        ``group`` (str) and ``group_name`` (str).

    Raises
    ------
    InputError
        Missing column (listing the available ones), empty or non-numeric
        municipality codes, empty groups, a municipality listed with two
        different groups.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "micro.csv"
    >>> _ = path.write_text("id,id_micro\\n3516200,35014\\n3551702,35014\\n")
    >>> read_region_lookup(path, "id", "id_micro")
               group group_name
    region
    3516200    35014      35014
    3551702    35014      35014
    """
    source = str(path)
    columns = [c for c in (code_column, group_column, name_column) if c is not None]
    frame = read_table(
        path, text_columns=columns, sep=sep, encoding=encoding, sheet_name=sheet_name
    )
    require_columns(
        frame.columns,
        {
            "code_column": code_column,
            "group_column": group_column,
            "name_column": name_column,
        },
        source,
        section,
    )
    rows = file_rows(frame.index, range(len(frame)), 2)
    key = f"[{section}] code_column" if section else "code_column="
    codes = normalize_region_codes(
        frame[code_column],
        source=source,
        column=code_column,
        what="municipality code",
        rows=rows,
        hint=f"check {key}, or remove total and label rows",
    )
    groups = [clean_code(value) for value in frame[group_column]]
    empty = [
        f"{code} (row {row})"
        for code, group, row in zip(codes, groups, rows, strict=True)
        if group is None
    ]
    if empty:
        raise InputError(
            f"{source}: column {group_column!r} is empty for {len(empty)} "
            f"municipalit{'y' if len(empty) == 1 else 'ies'} "
            f"({format_items(empty)}); fill in their region"
        )
    if name_column is not None:
        names = [
            group if is_missing(name) else str(name).strip()
            for group, name in zip(groups, frame[name_column], strict=True)
        ]
        _check_one_name(groups, names, rows, source, group_column, name_column)
    else:
        names = list(groups)
    table = pd.DataFrame(
        {"group": groups, "group_name": names},
        index=pd.Index(codes, name="region"),
        dtype=object,
    )
    if table.index.has_duplicates:
        per_code = table.groupby(level="region")["group"].nunique()
        conflicting = per_code[per_code > 1].index.tolist()
        if conflicting:
            examples = [
                f"{code} ({'/'.join(dict.fromkeys(table.loc[[code], 'group']))})"
                for code in conflicting[:5]
            ]
            more = f" and {len(conflicting) - 5} more" if len(conflicting) > 5 else ""
            raise InputError(
                f"{source}: {len(conflicting)} municipalit"
                f"{'y is' if len(conflicting) == 1 else 'ies are'} assigned to "
                f"different groups in column {group_column!r}: "
                f"{', '.join(examples)}{more}; keep one row per municipality"
            )
        logger.info(
            "%s: dropped %d repeated municipality row(s)",
            source,
            int(table.index.duplicated().sum()),
        )
        table = table[~table.index.duplicated(keep="first")]
    return table.sort_index()


def _check_one_name(
    groups: list[str],
    names: list[str],
    rows: list[int],
    source: str,
    group_column: str,
    name_column: str,
) -> None:
    """Raise when a group appears with two different names.

    >>> _check_one_name(["1", "1", "2"], ["A", "B", "C"], [2, 3, 4], "m.csv",
    ...                 "g", "n")
    Traceback (most recent call last):
    ...
    lps_geo.errors.InputError: m.csv: 1 group(s) of column 'g' have several \
names in column 'n': 1 ('A' row 2, 'B' row 3); give each group one name
    """
    seen: dict[str, dict[str, int]] = {}
    for group, name, row in zip(groups, names, rows, strict=True):
        seen.setdefault(group, {}).setdefault(name, row)
    clashes = {group: found for group, found in seen.items() if len(found) > 1}
    if clashes:
        shown = format_items(
            f"{group} ("
            + ", ".join(f"{name!r} row {row}" for name, row in found.items())
            + ")"
            for group, found in clashes.items()
        )
        raise InputError(
            f"{source}: {len(clashes)} group(s) of column {group_column!r} have "
            f"several names in column {name_column!r}: {shown}; give each group "
            "one name"
        )


def check_lookup_covers(
    lookup: pd.DataFrame, codes: Iterable[str], source: str
) -> None:
    """Raise unless every municipality code in ``codes`` is in the lookup.

    Parameters
    ----------
    lookup
        From :func:`read_region_lookup`.
    codes
        Municipality codes of the boundaries or size table.
    source
        Name of the lookup file, for the message.

    Raises
    ------
    InputError
        Naming up to five municipalities missing from the lookup (and
        pointing at 6- vs 7-digit codes when the lengths differ).

    Examples
    --------
    >>> lookup = pd.DataFrame({"group": ["35014"], "group_name": ["Franca"]},
    ...                       index=pd.Index(["3516200"], name="region"))
    >>> check_lookup_covers(lookup, ["3516200"], "micro.csv")
    """
    codes = [str(code) for code in codes]
    missing = sorted(set(codes) - set(lookup.index))
    if not missing:
        return
    hint = ""
    lookup_lengths = {len(str(code)) for code in lookup.index}
    missing_lengths = {len(code) for code in missing}
    if missing_lengths != lookup_lengths and len(lookup_lengths) == 1:
        hint = (
            f" (they have {'/'.join(map(str, sorted(missing_lengths)))} digits, the "
            f"lookup's codes {lookup_lengths.pop()})"
        )
    are = "y is" if len(missing) == 1 else "ies are"
    raise InputError(
        f"{source}: {len(missing)} municipalit{are}"
        f" missing from the lookup: {format_items(missing)}{hint}; add them to "
        "the lookup or use a lookup of the same vintage as the boundaries"
    )


def aggregate_regions(
    E: pd.DataFrame, lookup: pd.DataFrame, source: str = "region lookup"
) -> pd.DataFrame:
    """Sum a municipality x industry table into region (group) rows.

    Parameters
    ----------
    E
        Size table indexed by municipality code.
    lookup
        From :func:`read_region_lookup`; must cover every row of ``E``.
    source
        Name of the lookup, for error messages.

    Returns
    -------
    DataFrame
        Index: group codes (str, named ``"region"``, sorted); same columns.

    Examples
    --------
    >>> lookup = pd.DataFrame({"group": ["35014", "35014", "35061"],
    ...                        "group_name": ["Franca", "Franca", "SP"]},
    ...                       index=pd.Index(["3516200", "3551702", "3550308"],
    ...                                      name="region"))
    >>> E = pd.DataFrame({"15.3": [10.0, 2.0, 1.0]},
    ...                  index=pd.Index(["3516200", "3551702", "3550308"],
    ...                                 name="region"))
    >>> aggregate_regions(E, lookup)
            15.3
    region
    35014   12.0
    35061    1.0
    """
    check_lookup_covers(lookup, E.index, source)
    groups = lookup.loc[[str(code) for code in E.index], "group"].to_numpy()
    out = E.groupby(pd.Index(groups, name="region"), sort=True).sum()
    out.columns.name = E.columns.name
    return out


def dissolve_regions(
    boundaries: gpd.GeoDataFrame, lookup: pd.DataFrame, source: str = "region lookup"
) -> gpd.GeoDataFrame:
    """Dissolve municipality polygons into one polygon per region (group).

    Parameters
    ----------
    boundaries
        From :func:`~lps_geo.io.read_boundaries` (indexed by municipality).
    lookup
        From :func:`read_region_lookup`; must cover every municipality.
    source
        Name of the lookup, for error messages.

    Returns
    -------
    GeoDataFrame
        Index: group code (str, named ``"region"``, sorted); column ``name``
        (the lookup's ``group_name``); the union of the members' polygons in
        the boundaries' CRS.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> b = gpd.GeoDataFrame({"name": ["A", "B"]},
    ...                      geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
    ...                      index=pd.Index(["1", "2"], name="region"),
    ...                      crs="EPSG:5880")
    >>> lookup = pd.DataFrame({"group": ["9", "9"], "group_name": ["AB", "AB"]},
    ...                       index=pd.Index(["1", "2"], name="region"))
    >>> d = dissolve_regions(b, lookup)
    >>> d["name"].tolist(), d.geometry.area.tolist()
    (['AB'], [2.0])
    """
    check_lookup_covers(lookup, boundaries.index, source)
    members = lookup.loc[[str(code) for code in boundaries.index]]
    groups = pd.Index(members["group"].to_numpy(), name="region")
    geometry = boundaries.geometry.to_numpy()
    unions = {}
    for group, positions in pd.Series(range(len(groups)), index=groups).groupby(
        level="region", sort=True
    ):
        merged = shapely.union_all(geometry[positions.to_numpy()])
        if not merged.is_valid:
            merged = shapely.make_valid(merged)
        unions[group] = _polygonal(merged)
    names = members.groupby(groups, sort=True)["group_name"].first()
    index = pd.Index(list(unions), name="region")
    return gpd.GeoDataFrame(
        {"name": names.reindex(index).to_numpy()},
        geometry=gpd.GeoSeries(list(unions.values()), index=index, crs=boundaries.crs),
        index=index,
    )
