"""Compare two periods: which LPS emerged, grew, held, declined or vanished.

Two results computed on the same boundaries, at the same industry level and
with the same reference area (for example RAIS 2010 and RAIS 2015) are
linked LPS by LPS:

1. **Lineages.** An LPS of period 1 and an LPS of period 2 are linked when
   they belong to the same industry and the same reference area and share at
   least one member (analysis unit, from ``lps_members``). The connected
   components of this overlap graph are the *lineages*: one LPS that persists
   is a lineage of one LPS per period; an LPS that split in two, or two that
   merged, form one lineage with several LPS on one side (their ids are
   joined by ``;``).
2. **Category.** A lineage with LPS only in period 2 is ``emerging``, one
   with LPS only in period 1 is ``vanished``. Otherwise the relative change of
   the industry's size summed over the *same* units in both periods -- the
   union ``U`` of the lineage's members in either period, read from each
   period's ``indicators`` -- decides:

   .. math:: g = \\frac{\\sum_{j \\in U} E^{(2)}_{ij}}{\\sum_{j \\in U}
             E^{(1)}_{ij}} - 1

   ``g > growth`` is ``growing``, ``g < -decline`` is ``declining``
   (``decline`` defaults to ``growth``), anything in between ``stable``.
   Summing over a fixed set of units keeps delineation noise out of the
   comparison: a municipality that passes the filters in one period and not
   in the other changes the LPS's membership, and summing each period over
   its own members would report that as growth or decline even when no
   establishment opened or closed.
3. **QL of the union.** ``ql_before`` / ``ql_after`` are the location
   quotients of the union ``U`` in each period, computed as the ``lps``
   layer computes an LPS's QL (a ratio of sums, not a mean of member QLs):

   .. math:: QL_U = \\frac{\\sum_{j \\in U} E_{ij} / \\sum_{j \\in U} E_j}
             {E_i / E} = \\frac{\\sum_{j \\in U} E_{ij} / E_i}
             {\\sum_{j \\in U} E_j / E}

   with ``E_i`` the industry's size in the reference area (``industries``
   layer) and ``E_j / E`` of each unit recovered from the indicators as
   ``share_industry - hhm``. So when ``U`` is exactly one LPS's members the
   value equals that LPS's ``ql``.

:func:`compare_periods` returns a :class:`Change`: the ``lps_change`` layer
and a :class:`ChangeSummary` (counts per category, thresholds, splits and
merges). An industry analysed in one period only counts as zero in the other
and is reported (:class:`~lps_geo.errors.MissingCodesWarning` and
``ChangeSummary.industries_only_before`` / ``industries_only_after``).

Examples
--------
>>> change_category(100.0, 150.0, has_before=True, has_after=True)
'growing'
>>> change_category(100.0, 102.0, has_before=True, has_after=True)
'stable'
>>> change_category(100.0, 60.0, has_before=True, has_after=True)
'declining'
>>> change_category(0.0, 12.0, has_before=False, has_after=True)
'emerging'
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lps_geo.errors import ConfigError, CRSError, InputError, MissingCodesWarning
from lps_geo.result import LAYER_COLUMNS, Result
from lps_geo.symbology import CHANGE_LABELS
from lps_geo.vocab import CHANGE_CATEGORIES, TYPES, ChangeCategory, Lang

log = logging.getLogger(__name__)

#: Default relative change beyond which a lineage grows or declines.
DEFAULT_GROWTH = 0.10

#: How a lineage's category is decided (kept in the summary and the report).
CHANGE_RULE = (
    "relative change of the industry's size summed over the union of the "
    "lineage's members in both periods; > growth: growing, < -decline: "
    "declining, else stable; LPS only in the later period: emerging, only "
    "in the earlier: vanished"
)


@dataclass(frozen=True)
class ChangeSummary:
    """What a comparison found, beside its layer (the ``comparison`` report).

    Attributes
    ----------
    labels
        Names of the two periods (earlier, later).
    growth, decline
        The thresholds used (relative change, 0.10 = 10 %).
    n_lineages
        Rows of the layer.
    by_category
        Lineages per category, every category of
        :data:`lps_geo.vocab.CHANGE_CATEGORIES` in legend order.
    n_splits, n_merges
        Lineages with several LPS in the later period (splits) or in the
        earlier one (merges).
    industries_only_before, industries_only_after
        Industries analysed in one period only (counted as zero in the other).
    rule
        The rule of the categories, in words.
    """

    labels: tuple[str, str]
    growth: float
    decline: float
    n_lineages: int
    by_category: dict[ChangeCategory, int]
    n_splits: int
    n_merges: int
    industries_only_before: tuple[str, ...]
    industries_only_after: tuple[str, ...]
    rule: str = CHANGE_RULE

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready values, keys in the order of the fields.

        Examples
        --------
        >>> s = ChangeSummary(("2010", "2015"), 0.1, 0.1, 1,
        ...                   {c: int(c == "stable") for c in CHANGE_CATEGORIES},
        ...                   0, 0, (), ("15.3",))
        >>> d = s.to_dict()
        >>> list(d)[:5], d["labels"], d["industries_only_after"]
        (['labels', 'growth', 'decline', 'n_lineages', 'by_category'],
         ['2010', '2015'], ['15.3'])
        """
        return {
            "labels": list(self.labels),
            "growth": self.growth,
            "decline": self.decline,
            "n_lineages": self.n_lineages,
            "by_category": dict(self.by_category),
            "n_splits": self.n_splits,
            "n_merges": self.n_merges,
            "industries_only_before": list(self.industries_only_before),
            "industries_only_after": list(self.industries_only_after),
            "rule": self.rule,
        }


@dataclass(frozen=True)
class Change:
    """The result of :func:`compare_periods`.

    Attributes
    ----------
    layer
        The ``lps_change`` layer (columns in :mod:`lps_geo.result`), one row
        per lineage.
    summary
        Counts, thresholds, splits and merges, and the industries of one period
        only.
    """

    layer: gpd.GeoDataFrame
    summary: ChangeSummary


def change_category(
    size_before: float,
    size_after: float,
    *,
    has_before: bool,
    has_after: bool,
    growth: float = DEFAULT_GROWTH,
    decline: float | None = None,
) -> ChangeCategory:
    """Category of one lineage (see the module docstring for the rule).

    Parameters
    ----------
    size_before, size_after
        The industry's size summed over the lineage's units in each period.
    has_before, has_after
        Whether the lineage has an LPS in each period.
    growth, decline
        Relative change above ``growth`` is growing, below ``-decline``
        declining (``decline`` defaults to ``growth``).
    """
    decline = growth if decline is None else decline
    if not has_before:
        return "emerging"
    if not has_after:
        return "vanished"
    if size_before <= 0:
        return "growing" if size_after > 0 else "stable"
    rel = size_after / size_before - 1.0
    if rel > growth:
        return "growing"
    if rel < -decline:
        return "declining"
    return "stable"


def compare_periods(
    before: Result,
    after: Result,
    *,
    growth: float = DEFAULT_GROWTH,
    decline: float | None = None,
    labels: Sequence[str] = ("2010", "2015"),
    lang: Lang = "en",
) -> Change:
    """Link the LPS of two periods into lineages and classify their change.

    Parameters
    ----------
    before, after
        Results of the two periods (from :func:`lps_geo.run` or
        :func:`lps_geo.read_geopackage`), on the same boundaries, industry
        level, analysis unit, size measure and reference area.
    growth
        Relative size change above which a lineage is ``growing`` (0.10 =
        +10 %).
    decline
        Relative size fall beyond which a lineage is ``declining`` (0.10 =
        -10 %); default ``growth``.
    labels
        Names of the two periods (e.g. the years), kept in the
        ``period_before`` / ``period_after`` columns.
    lang
        Language of ``category_label``.

    Returns
    -------
    Change
        ``layer``: the ``lps_change`` layer (columns in :mod:`lps_geo.result`),
        one row per lineage, sorted by industry, reference area and
        ``change_id``; ``summary``: a :class:`ChangeSummary` (counts per
        category, thresholds, industries present in one period only, splits
        and merges).

    Raises
    ------
    InputError
        The two results are not comparable (different units or boundaries,
        industry level, size measure or reference area).
    CRSError
        The two results are in different CRSs.
    ConfigError
        A threshold is negative, ``labels`` is not two names or ``lang`` unknown.
    """
    if lang not in CHANGE_LABELS:
        raise ConfigError(
            f"lang must be one of {', '.join(CHANGE_LABELS)}, got {lang!r}"
        )
    decline = growth if decline is None else decline
    for name, value in (("growth", growth), ("decline", decline)):
        if not (isinstance(value, int | float) and np.isfinite(value) and value >= 0):
            raise ConfigError(
                f"comparison.{name} must be a number >= 0 (0.10 = 10 %), got {value!r}"
            )
    labels = [str(x) for x in labels]
    if len(labels) != 2:
        raise ConfigError(f"labels must be two period names, got {labels}")
    check_comparable(before, after, labels)

    inds = [set(r.indicators["industry"].astype(str).unique()) for r in (before, after)]
    only_before = sorted(inds[0] - inds[1])
    only_after = sorted(inds[1] - inds[0])
    for only, here, there in (
        (only_before, labels[0], labels[1]),
        (only_after, labels[1], labels[0]),
    ):
        if only:
            warnings.warn(
                f"industr{'y' if len(only) == 1 else 'ies'} "
                f"{', '.join(only[:10])}{' ...' if len(only) > 10 else ''} "
                f"analysed in {here} but not in {there}: counted as zero in {there}",
                MissingCodesWarning,
                stacklevel=2,
            )

    lin = _lineages(before, after)
    stats = [_period_sizes(r, lin["members"]) for r in (before, after)]
    crs = after.municipalities.crs
    rows = []
    geom = [_lps_geometries(r) for r in (before, after)]
    types = [_lps_types(r) for r in (before, after)]
    titles = {**_titles(before), **_titles(after)}
    size = [st["size"].to_numpy(dtype=float) for st in stats]
    ql = [st["ql"].to_numpy(dtype=float) for st in stats]
    for k, (industry, ref, ids_b, ids_a, regions) in enumerate(lin["lineages"]):
        size_b, size_a = size[0][k], size[1][k]
        ql_b, ql_a = ql[0][k], ql[1][k]
        cat = change_category(
            size_b,
            size_a,
            has_before=bool(ids_b),
            has_after=bool(ids_a),
            growth=growth,
            decline=decline,
        )
        pct = 100.0 * (size_a / size_b - 1.0) if size_b > 0 else np.nan
        shapes = [geom[1][i] for i in ids_a] if ids_a else [geom[0][i] for i in ids_b]
        rows.append(
            {
                "change_id": f"{industry}~{min(regions)}",
                "industry": industry,
                "title": titles.get(industry, industry),
                "reference_area": ref,
                "category": cat,
                "category_label": CHANGE_LABELS[lang][cat],
                "lps_ids_before": ";".join(ids_b) or None,
                "lps_ids_after": ";".join(ids_a) or None,
                "type_before": _top_type([types[0].get(i) for i in ids_b]),
                "type_after": _top_type([types[1].get(i) for i in ids_a]),
                "n_members_before": lin["n_members"][k][0],
                "n_members_after": lin["n_members"][k][1],
                "members": ",".join(regions),
                "size_before": float(size_b),
                "size_after": float(size_a),
                "size_change": float(size_a - size_b),
                "size_change_pct": float(pct),
                "ql_before": float(ql_b),
                "ql_after": float(ql_a),
                "ql_change": float(ql_a - ql_b),
                "period_before": labels[0],
                "period_after": labels[1],
                "geometry": shapely.union_all(shapes),
            }
        )
    columns = list(LAYER_COLUMNS["lps_change"])
    if rows:
        layer = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
        layer = layer.sort_values(
            ["industry", "reference_area", "change_id"], kind="stable"
        ).reset_index(drop=True)
    else:
        layer = gpd.GeoDataFrame(
            {c: pd.Series([], dtype=object) for c in columns},
            geometry=gpd.GeoSeries([], crs=crs),
        )
    layer = layer[[*columns, "geometry"]]
    for col in ("lps_ids_before", "lps_ids_after", "type_before", "type_after"):
        values = layer[col].astype(object)
        layer[col] = values.where(values.notna(), None)
    counts = layer["category"].value_counts()
    n_lps = lin["n_lps"]
    summary = ChangeSummary(
        labels=(labels[0], labels[1]),
        growth=float(growth),
        decline=float(decline),
        n_lineages=int(len(layer)),
        by_category={c: int(counts.get(c, 0)) for c in CHANGE_CATEGORIES},
        n_splits=int(
            sum(
                nb >= 1 and na > 1
                for nb, na in zip(n_lps["before"], n_lps["after"], strict=True)
            )
        ),
        n_merges=int(
            sum(
                nb > 1 and na >= 1
                for nb, na in zip(n_lps["before"], n_lps["after"], strict=True)
            )
        ),
        industries_only_before=tuple(only_before),
        industries_only_after=tuple(only_after),
    )
    log.info("compared %s -> %s: %s", labels[0], labels[1], summary.by_category)
    return Change(layer=layer, summary=summary)


# ------------------------------------------------------------------ checks


def _param(result: Result, key: str) -> Any:
    """A run parameter from the metadata (resolved parameters, then the
    configuration's ``[analysis]``) or the report, or None when unknown."""
    meta = result.metadata
    analysis = meta.config.get("analysis") if isinstance(meta.config, Mapping) else None
    report = {"unit": result.report.unit, "size_measure": result.report.size_measure}
    for source in (meta.parameters, analysis, report):
        value = source.get(key) if isinstance(source, Mapping) else None
        if value not in (None, ""):
            return value
    return None


def check_comparable(before: Result, after: Result, labels: Sequence[str]) -> None:
    """Refuse two results that do not share geography and definitions.

    Both must have the same municipalities (codes and, within a tolerance,
    bounding boxes), the same CRS, analysis unit (and regions), industry
    level, size measure and reference area. Parameters missing from a result's
    metadata are not checked. The industries analysed may differ.
    """
    b_lab, a_lab = labels
    for key in ("industry_level", "unit", "size_measure", "reference_area"):
        vb, va = _param(before, key), _param(after, key)
        if vb is not None and va is not None and vb != va:
            raise InputError(
                f"the two periods differ in {key}: {vb!r} ({b_lab}) vs {va!r} "
                f"({a_lab}); run both with the same analysis settings"
            )
    mb, ma = before.municipalities, after.municipalities
    if mb.crs != ma.crs:
        raise CRSError(
            f"the two periods are in different CRSs ({mb.crs} in {b_lab}, {ma.crs} "
            f"in {a_lab}); run both on the same boundaries"
        )
    for name, lb, la in (
        ("municipalities", mb, ma),
        ("regions", before.regions, after.regions),
    ):
        if lb is None and la is None:
            continue
        if (lb is None) != (la is None):
            raise InputError(
                f"only one period has a {name} layer; run both with the same "
                "analysis.unit"
            )
        cb = pd.Index(lb["region"].astype(str))
        ca = pd.Index(la["region"].astype(str))
        ob, oa = cb.difference(ca), ca.difference(cb)
        if len(ob) or len(oa):
            example = (ob if len(ob) else oa)[0]
            raise InputError(
                f"the two periods have different {name}: {len(ob)} only in "
                f"{b_lab}, {len(oa)} only in {a_lab} (e.g. {example}); run both "
                "on the same boundaries"
            )
        bb = pd.DataFrame(lb.geometry.bounds.to_numpy(), index=cb)
        ba = pd.DataFrame(la.geometry.bounds.to_numpy(), index=ca).reindex(cb)
        span = float(np.nanmax(np.abs(bb.to_numpy()))) or 1.0
        off = ~np.isclose(bb.to_numpy(), ba.to_numpy(), rtol=0, atol=1e-6 * span)
        off = off.any(axis=1) & np.isfinite(bb.to_numpy()).all(axis=1)
        if off.any():
            raise InputError(
                f"the two periods have different {name} boundaries ({int(off.sum())} "
                f"differ, e.g. {cb[np.argmax(off)]}); run both on the same boundaries"
            )


# ------------------------------------------------------------------ lineages


def _lps_index(result: Result) -> gpd.GeoDataFrame:
    lps = result.lps.copy()
    lps["lps_id"] = lps["lps_id"].astype(str)
    return lps.set_index("lps_id")


def _lineages(before: Result, after: Result) -> dict[str, Any]:
    """Connected components of the member-overlap graph of the two periods."""
    frames = []
    for tag, res in (("b", before), ("a", after)):
        m = res.lps_members[["lps_id", "region", "industry"]].astype(str)
        lps = _lps_index(res)
        if "reference_area" in lps.columns:
            ref = lps["reference_area"].astype(str)
        else:
            ref = pd.Series("study_area", index=lps.index)
        m = m.assign(
            period=tag, reference_area=ref.reindex(m["lps_id"]).fillna("").to_numpy()
        )
        missing = sorted(set(lps.index) - set(m["lps_id"]))
        if missing:
            raise InputError(
                f"LPS {missing[0]} has no row in lps_members; pass a complete Result"
            )
        frames.append(m)
    nodes = pd.concat(
        [f[["period", "lps_id", "industry", "reference_area"]] for f in frames]
    ).drop_duplicates(["period", "lps_id"])
    nodes = nodes.sort_values(["period", "lps_id"], ascending=[False, True])
    key = list(zip(nodes["period"], nodes["lps_id"], strict=True))
    index = {k: i for i, k in enumerate(key)}
    parent = list(range(len(key)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    pairs = frames[0].merge(
        frames[1], on=["industry", "region", "reference_area"], suffixes=("_b", "_a")
    )
    for lb, la in set(zip(pairs["lps_id_b"], pairs["lps_id_a"], strict=True)):
        rb, ra = find(index[("b", lb)]), find(index[("a", la)])
        if rb != ra:
            parent[max(rb, ra)] = min(rb, ra)
    comp = np.array([find(i) for i in range(len(key))], dtype=int)
    nodes = nodes.assign(comp=comp)
    allm = pd.concat(frames, ignore_index=True)
    allm["comp"] = (
        nodes.set_index(["period", "lps_id"])["comp"]
        .reindex(pd.MultiIndex.from_arrays([allm["period"], allm["lps_id"]]))
        .to_numpy()
    )
    groups: dict[int, dict[str, Any]] = {}
    for c, period, lps_id, region, industry, ref in zip(
        allm["comp"].to_numpy(),
        allm["period"].to_numpy(),
        allm["lps_id"].to_numpy(),
        allm["region"].to_numpy(),
        allm["industry"].to_numpy(),
        allm["reference_area"].to_numpy(),
        strict=True,
    ):
        g = groups.setdefault(
            int(c),
            {
                "industry": industry,
                "ref": ref,
                "b": set(),
                "a": set(),
                "rb": set(),
                "ra": set(),
            },
        )
        g[period].add(lps_id)
        g["r" + period].add(region)
    lineages, n_members, member_rows = [], [], []
    n_lps: dict[str, list[int]] = {"before": [], "after": []}
    for k, c in enumerate(sorted(groups)):
        g = groups[c]
        regions = sorted(g["rb"] | g["ra"])
        ids_b, ids_a = sorted(g["b"]), sorted(g["a"])
        lineages.append((str(g["industry"]), str(g["ref"]), ids_b, ids_a, regions))
        n_members.append((len(g["rb"]), len(g["ra"])))
        n_lps["before"].append(len(ids_b))
        n_lps["after"].append(len(ids_a))
        member_rows += [(k, r, g["industry"]) for r in regions]
    members = pd.DataFrame(member_rows, columns=["lineage", "region", "industry"])
    return {
        "lineages": lineages,
        "n_members": n_members,
        "n_lps": n_lps,
        "members": members,
    }


def _period_sizes(result: Result, members: pd.DataFrame) -> pd.DataFrame:
    """Size and union QL of each lineage's units in one period.

    ``members`` has ``lineage``, ``region``, ``industry``. Missing
    (region, industry) pairs (an industry not analysed in this period) count
    as zero size.
    """
    ind = result.indicators
    key = pd.MultiIndex.from_arrays(
        [ind["region"].astype(str), ind["industry"].astype(str)]
    )
    size = pd.Series(pd.to_numeric(ind["size"], errors="coerce").to_numpy(), index=key)
    size = size[~size.index.duplicated()]
    # E_j / E of each unit: HHm_ij = E_ij/E_i - E_j/E for any industry i
    ej_e = pd.Series(
        (
            pd.to_numeric(ind["share_industry"], errors="coerce")
            - pd.to_numeric(ind["hhm"], errors="coerce")
        ).to_numpy(),
        index=ind["region"].astype(str).to_numpy(),
    )
    ej_e = ej_e[np.isfinite(ej_e)].groupby(level=0).first()
    indu = result.industries
    ref_col = "reference_area" in indu.columns and "reference_area" in ind.columns
    if ref_col:
        e_i = pd.Series(
            pd.to_numeric(indu["size"], errors="coerce").to_numpy(),
            index=pd.MultiIndex.from_arrays(
                [indu["reference_area"].astype(str), indu["industry"].astype(str)]
            ),
        )
        ref_of = pd.Series(
            ind["reference_area"].astype(str).to_numpy(),
            index=ind["region"].astype(str).to_numpy(),
        )
        ref_of = ref_of[~ref_of.index.duplicated()]
    else:
        e_i = pd.Series(
            pd.to_numeric(indu["size"], errors="coerce").to_numpy(),
            index=indu["industry"].astype(str),
        )
    e_i = e_i[~e_i.index.duplicated()]
    m = members.copy()
    m["size"] = (
        size.reindex(pd.MultiIndex.from_arrays([m["region"], m["industry"]]))
        .fillna(0.0)
        .to_numpy()
    )
    m["ej_e"] = ej_e.reindex(m["region"]).to_numpy()
    g = m.groupby("lineage", sort=True)
    out = pd.DataFrame({"size": g["size"].sum(), "ej_e": g["ej_e"].sum(min_count=1)})
    first = g[["region", "industry"]].first()
    if ref_col:
        eidx = pd.MultiIndex.from_arrays(
            [ref_of.reindex(first["region"]).to_numpy(), first["industry"].to_numpy()]
        )
    else:
        eidx = first["industry"]
    out["e_i"] = e_i.reindex(eidx).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ql"] = (out["size"] / out["e_i"]) / out["ej_e"]
    out.loc[~(out["e_i"] > 0), "ql"] = np.nan
    return out.reindex(range(int(members["lineage"].max()) + 1 if len(members) else 0))


def _titles(result: Result) -> dict[str, str]:
    t = result.industries
    if "title" not in t.columns:
        return {}
    return {
        str(i): v
        for i, v in zip(t["industry"], t["title"], strict=True)
        if isinstance(v, str) and v
    }


def _lps_geometries(result: Result) -> dict[str, Any]:
    lps = result.lps
    return dict(
        zip(lps["lps_id"].astype(str), np.asarray(lps.geometry.array), strict=True)
    )


def _lps_types(result: Result) -> dict[str, Any]:
    lps = result.lps
    if "lps_type" not in lps.columns:
        return {}
    return dict(zip(lps["lps_id"].astype(str), lps["lps_type"], strict=True))


def _top_type(types: list[Any]) -> str | None:
    """The highest typology type (``TYPES`` order) among ``types``, or None."""
    rank = {t: i for i, t in enumerate(TYPES)}
    known = [str(t) for t in types if isinstance(t, str)]
    return min(known, key=lambda t: rank.get(t, len(TYPES))) if known else None
