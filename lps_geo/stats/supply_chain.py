"""Suppliers and buyers of industries from the input-output matrix, and per LPS.

The technical coefficients ``A`` of IBGE's input-output matrix (67 activities,
:class:`lps_geo.io.inputoutput.IOTable`) give, for an activity ``j``, its
**suppliers**: the activities ``i`` with the largest ``A[i, j]``, the domestic
output of ``i`` used per unit of output of ``j`` (the column of ``j``). Its
**buyers** are the activities ``k`` that take the largest shares of ``j``'s
intermediate sales, from the national intermediate flows

.. math:: Z_{jk} = A_{jk} \\, x_k, \\qquad s_{jk} = Z_{jk} / \\textstyle\\sum_k Z_{jk}

(coefficients times the buyers' output ``x``; the row of ``j`` divided by its
total). Both are national averages: they say what an industry typically buys
and sells, not what a given place does (Miller & Blair 2009, ch. 2).

:func:`activity_links` ranks them per activity, :func:`industry_links` expresses
them in the CNAE codes of a run through the SCN x CNAE 2.0 correspondence
(:func:`lps_geo.io.inputoutput.read_scn_cnae`), and :func:`lps_supply_chain`
reports, for every LPS, which of its industry's main suppliers and buyers (and
optionally the suppliers of a user table of production chains) are present,
with a location quotient at or above a threshold, in its members or in a given
set of nearby regions.

Examples
--------
>>> from lps_geo.io.inputoutput import IOTable
>>> codes = pd.Index(["1500", "1300", "2091"], name="activity")
>>> a = pd.DataFrame([[0.10, 0.00, 0.00], [0.20, 0.10, 0.00], [0.05, 0.10, 0.20]],
...                  index=codes, columns=codes)
>>> t = IOTable(pd.Series(["Shoes", "Textiles", "Chemicals"], index=codes),
...             a, a, pd.Series([100.0, 50.0, 80.0], index=codes))
>>> activity_links(t, "supplier", top_n=2).loc[lambda d: d.activity == "1500",
...     ["partner", "coefficient", "share"]]
  partner  coefficient     share
0    1300         0.20  0.571429
1    1500         0.10  0.285714
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from lps_geo.errors import ApproximationWarning, InputError
from lps_geo.io.cnae import normalize_cnae_code
from lps_geo.io.inputoutput import IOTable
from lps_geo.vocab import LINK_ROLES, IoRole, LinkRole

#: Kinds of link: an input-output supplier or buyer, or a user production chain.
ROLES: tuple[LinkRole, ...] = LINK_ROLES

#: Last activity code of agriculture, mining and manufacturing (sections A-C):
#: ``only=goods_activities(table)`` ranks goods suppliers only, leaving out the
#: trade, transport and financial services every industry buys.
GOODS_MAX_CODE = "3300"

LINK_COLUMNS = (
    "activity",
    "role",
    "rank",
    "partner",
    "partner_name",
    "coefficient",
    "share",
    "cumulative_share",
    "is_self",
)


def intermediate_flows(table: IOTable) -> pd.DataFrame:
    """National intermediate flows between activities, R$ million.

    ``Z[i, j] = A[i, j] * x[j]``: the domestic output of activity ``i`` used
    by activity ``j`` (rows sell, columns buy).

    >>> from lps_geo.io.inputoutput import IOTable
    >>> c = pd.Index(["a", "b"], name="activity")
    >>> t = IOTable(pd.Series(["A", "B"], index=c),
    ...             pd.DataFrame([[0.1, 0.5], [0.2, 0.0]], index=c, columns=c),
    ...             None, pd.Series([10.0, 4.0], index=c))
    >>> intermediate_flows(t)
    activity    a    b
    activity
    a         1.0  2.0
    b         2.0  0.0
    """
    return table.coefficients.mul(table.output, axis=1)


def goods_activities(table: IOTable) -> list[str]:
    """Activity codes of agriculture, mining and manufacturing (up to 3300)."""
    return [c for c in table.activities.index if c <= GOODS_MAX_CODE]


def activity_links(
    table: IOTable,
    role: IoRole = "supplier",
    *,
    top_n: int | None = 5,
    cumulative: float | None = None,
    include_self: bool = True,
    only: Iterable[str] | None = None,
    exclude: Iterable[str] = (),
) -> pd.DataFrame:
    """Main suppliers or buyers of every activity.

    Suppliers of ``j`` are ranked by the technical coefficient ``A[i, j]``;
    buyers of ``j`` by ``Z[j, k] = A[j, k] x[k]`` (see the module docstring).
    ``share`` is the partner's value over the sum of all eligible partners'
    values (positive values of the activities kept by ``only``, ``exclude``
    and ``include_self``): the share of ``j``'s domestic intermediate inputs
    (suppliers) or sales (buyers) that the partner accounts for.

    Parameters
    ----------
    table
        The input-output table.
    role
        ``"supplier"`` or ``"buyer"``.
    top_n
        Keep at most this many partners per activity (None: no limit).
    cumulative
        Keep the smallest set of leading partners whose shares add up to at
        least this value, in (0, 1] (None: no such limit). With ``top_n`` too,
        both limits apply.
    include_self
        Rank the activity among its own partners (flagged ``is_self``); its
        own-use coefficient is often the largest (footwear buys leather from
        tanneries, which the SCN counts in the same activity).
    only, exclude
        Restrict the partners to these activity codes / leave these out
        (e.g. ``only=goods_activities(table)``).

    Returns
    -------
    pandas.DataFrame
        One row per (activity, partner) kept, ordered by activity (table
        order) and rank: ``activity, role, rank`` (1 = largest),
        ``partner, partner_name, coefficient`` (always ``A[supplier,
        buyer]``), ``share, cumulative_share, is_self``. Partners with a zero
        or negative value are never listed.
    """
    if role not in ("supplier", "buyer"):
        raise InputError(f"role must be 'supplier' or 'buyer', got {role!r}")
    if top_n is not None and (not isinstance(top_n, (int, np.integer)) or top_n < 1):
        raise InputError(f"top_n must be a positive integer or None, got {top_n!r}")
    if cumulative is not None and not 0 < cumulative <= 1:
        raise InputError(f"cumulative must be in (0, 1] or None, got {cumulative!r}")
    codes = list(table.activities.index)
    keep = pd.Index(codes if only is None else [str(c) for c in only])
    unknown = sorted(set(keep) - set(codes)) + sorted(
        {str(c) for c in exclude} - set(codes)
    )
    if unknown:
        raise InputError(
            f"activity code(s) {', '.join(unknown)} are not in {table.source}; "
            "use 4-digit codes of the 67 activities (e.g. '1500')"
        )
    eligible = np.isin(codes, keep) & ~np.isin(codes, [str(c) for c in exclude])
    a = table.coefficients.to_numpy(dtype=float)
    if role == "supplier":
        values = a.T.copy()  # values[j, i]: input of i per unit of j
        coef = a.T
    else:
        values = a * table.output.to_numpy(dtype=float)[None, :]  # Z[j, k]
        coef = a
    values[:, ~eligible] = 0.0
    if not include_self:
        np.fill_diagonal(values, 0.0)
    values = np.where(values > 0, values, 0.0)
    totals = values.sum(axis=1)
    order = np.argsort(-values, axis=1, kind="stable")
    ranked = np.take_along_axis(values, order, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = ranked / totals[:, None]
    cum = np.cumsum(shares, axis=1)
    ranks = np.arange(1, len(codes) + 1)[None, :].repeat(len(codes), axis=0)
    mask = ranked > 0
    if top_n is not None:
        mask &= ranks <= top_n
    if cumulative is not None:
        before = cum - shares  # share of the partners ranked ahead
        mask &= before < cumulative - 1e-12
    rows, cols = np.nonzero(mask)
    partner = order[rows, cols]
    names = table.activities.to_numpy()
    out = pd.DataFrame(
        {
            "activity": np.asarray(codes, dtype=object)[rows],
            "role": role,
            "rank": ranks[rows, cols],
            "partner": np.asarray(codes, dtype=object)[partner],
            "partner_name": names[partner],
            "coefficient": coef[rows, partner],
            "share": shares[rows, cols],
            "cumulative_share": cum[rows, cols],
            "is_self": rows == partner,
        }
    )
    return out.reset_index(drop=True)


def activity_of(industries: Iterable[str], correspondence: pd.DataFrame) -> pd.Series:
    """The SCN activity of CNAE 2.0 industries (divisions, groups or classes).

    A group or class takes the activity of its group's row in the
    correspondence, else of its division's. A division that the
    correspondence splits by group (01, 07, 09, 10, 19, 20, 24, 29) takes the
    activity of most of its groups (first listed on a tie) and raises an
    :class:`~lps_geo.errors.ApproximationWarning` naming it.

    Parameters
    ----------
    industries
        CNAE 2.0 codes in any accepted spelling (``"15.3"``, ``"153"``,
        ``"15"``, ``"15.31-9"``).
    correspondence
        From :func:`lps_geo.io.inputoutput.read_scn_cnae`.

    Returns
    -------
    pandas.Series
        Activity codes indexed by the industries as given (name ``"activity"``).

    Raises
    ------
    InputError
        Naming codes that are not CNAE 2.0 or that the correspondence does
        not cover.
    """
    industries = [str(code) for code in industries]
    rows = correspondence.dropna(subset=["cnae_division"])
    by_group = dict(
        zip(
            rows["cnae_group"].dropna(),
            rows.loc[rows["cnae_group"].notna(), "activity_code"],
            strict=True,
        )
    )
    whole = rows[rows["cnae_group"].isna()]
    by_division = dict(zip(whole["cnae_division"], whole["activity_code"], strict=True))
    split = rows[rows["cnae_group"].notna()]
    main_of_split = {
        division: group_rows["activity_code"].value_counts(sort=False).idxmax()
        for division, group_rows in split.groupby("cnae_division", sort=False)
    }
    result, bad, approximated = [], [], []
    for code in industries:
        try:
            canonical = normalize_cnae_code(code)
        except InputError:
            bad.append(code)
            result.append(None)
            continue
        division = canonical[:2]
        group = canonical[:4] if len(canonical) >= 4 else None
        if group is not None and group in by_group:
            result.append(by_group[group])
        elif division in by_division:
            result.append(by_division[division])
        elif group is None and division in main_of_split:
            result.append(main_of_split[division])
            approximated.append(canonical)
        else:
            bad.append(code)
            result.append(None)
    if bad:
        raise InputError(
            f"CNAE code(s) {', '.join(bad[:10])} have no SCN activity in the "
            "correspondence; check the codes (CNAE 2.0 divisions, groups or "
            "classes) or complete the correspondence file"
        )
    if approximated:
        warnings.warn(
            f"CNAE division(s) {', '.join(approximated)} span several SCN "
            "activities; each takes the activity of most of its groups (run "
            "at group level for exact suppliers and buyers)",
            ApproximationWarning,
            stacklevel=2,
        )
    return pd.Series(
        result, index=pd.Index(industries, name="industry"), name="activity"
    )


def industry_links(
    industries: Iterable[str],
    table: IOTable,
    correspondence: pd.DataFrame,
    roles: Iterable[IoRole] = ("supplier", "buyer"),
    **selection,
) -> pd.DataFrame:
    """Main suppliers and buyers of a run's industries, in CNAE codes.

    Parameters
    ----------
    industries
        The run's CNAE codes (e.g. the columns of its QL matrix).
    table, correspondence
        The input-output table and the SCN x CNAE correspondence.
    roles
        Which links to list.
    **selection
        ``top_n``, ``cumulative``, ``include_self``, ``only``, ``exclude`` of
        :func:`activity_links`.

    Returns
    -------
    pandas.DataFrame
        One row per (industry, role, partner activity): ``industry`` and its
        ``activity``, then the columns of :func:`activity_links` (``partner``
        is the partner activity) and ``partner_industries``: the run's
        industries in the partner activity, comma-separated, other than the
        industry itself (None when the run has none).
    """
    industries = [str(code) for code in industries]
    of = activity_of(industries, correspondence)
    links = pd.concat(
        [activity_links(table, role, **selection) for role in roles],
        ignore_index=True,
    )
    members: dict[str, list[str]] = {}
    for code, activity in of.items():
        members.setdefault(activity, []).append(code)
    frame = pd.DataFrame({"industry": industries, "activity": of.to_numpy()})
    out = frame.merge(links, on="activity", how="inner", sort=False)
    out["partner_industries"] = pd.Series(
        [
            ",".join(c for c in members.get(p, []) if c != i) or None
            for i, p in zip(out["industry"], out["partner"], strict=True)
        ],
        index=out.index,
        dtype=object,
    )
    order = {role: n for n, role in enumerate(ROLES)}
    out["_role"] = out["role"].map(order)
    out["_ind"] = out["industry"].map({c: n for n, c in enumerate(industries)})
    out = out.sort_values(["_ind", "_role", "rank"], kind="stable")
    return out.drop(columns=["_role", "_ind"]).reset_index(drop=True)


def chain_links(
    chains: pd.DataFrame | Mapping[str, Iterable[str]],
) -> pd.DataFrame:
    """A user table of production chains as links (role ``"chain"``).

    ``chains`` maps an industry to its supplier industries: a mapping
    ``{industry: [supplier, ...]}`` or a DataFrame with columns ``industry``
    and ``supplier`` (one row per pair). Codes are CNAE 2.0, any spelling.

    >>> chain_links({"15.3": ["15.1", "154"]})[["industry", "rank",
    ...                                        "partner_industries"]]
      industry  rank partner_industries
    0     15.3     1               15.1
    1     15.3     2               15.4
    """
    if isinstance(chains, pd.DataFrame):
        missing = {"industry", "supplier"} - set(chains.columns)
        if missing:
            raise InputError(
                f"production chains table lacks column(s) "
                f"{', '.join(sorted(missing))}; give industry and supplier"
            )
        pairs = list(zip(chains["industry"], chains["supplier"], strict=True))
    else:
        pairs = [(i, s) for i, sup in chains.items() for s in sup]
    rows = []
    rank: dict[str, int] = {}
    for position, (industry, supplier) in enumerate(pairs, start=1):
        try:
            ind = normalize_cnae_code(industry)
            sup = normalize_cnae_code(supplier)
        except InputError as error:
            raise InputError(
                f"production chains, pair {position} ({industry!r} <- "
                f"{supplier!r}): {error}"
            ) from None
        rank[ind] = rank.get(ind, 0) + 1
        rows.append(
            {
                "industry": ind,
                "activity": None,
                "role": "chain",
                "rank": rank[ind],
                "partner": None,
                "partner_name": None,
                "coefficient": np.nan,
                "share": np.nan,
                "cumulative_share": np.nan,
                "is_self": False,
                "partner_industries": sup,
            }
        )
    return pd.DataFrame(rows, columns=_INDUSTRY_LINK_COLUMNS)


_INDUSTRY_LINK_COLUMNS = ("industry",) + LINK_COLUMNS + ("partner_industries",)

#: Columns of :func:`lps_supply_chain`.
PRESENCE_COLUMNS = (
    "lps_id",
    "industry",
    "role",
    "rank",
    "activity",
    "activity_name",
    "industries",
    "coefficient",
    "share",
    "is_self",
    "present_in_members",
    "present_nearby",
    "members_present",
    "nearby_present",
    "best_ql",
    "best_industry",
    "best_region",
)


def lps_supply_chain(
    ql: pd.DataFrame,
    members: pd.DataFrame,
    links: pd.DataFrame,
    *,
    nearby: Mapping[str, Iterable[str]] | pd.DataFrame | None = None,
    chains: pd.DataFrame | Mapping[str, Iterable[str]] | None = None,
    threshold: float = 1.0,
) -> pd.DataFrame:
    """Which main suppliers and buyers of each LPS's industry are present near it.

    A partner industry is present in a set of regions when its location
    quotient reaches ``threshold`` in at least one of them. A partner
    activity is present when any of its industries is.

    Parameters
    ----------
    ql
        Location quotients, region x industry (index: region codes; columns:
        CNAE codes of the run).
    members
        The LPS members: columns ``lps_id``, ``region``, ``industry`` (one
        industry per LPS), e.g. the run's ``lps_members`` layer.
    links
        From :func:`industry_links` for the run's industries.
    nearby
        Optional extra regions per LPS "within a distance": a mapping
        ``{lps_id: [region, ...]}`` or a DataFrame with ``lps_id`` and
        ``region``. Regions that are members of the LPS are ignored here.
    chains
        Optional user production chains (see :func:`chain_links`), checked
        the same way (role ``"chain"``).
    threshold
        Minimum QL for an industry to count as present.

    Returns
    -------
    pandas.DataFrame
        One row per (LPS, role, partner), columns :data:`PRESENCE_COLUMNS`:
        the link fields of ``links`` (``activity`` is the partner activity,
        ``industries`` the partner's CNAE codes in the run), booleans
        ``present_in_members`` and ``present_nearby``, the partner industries
        present there (comma-separated, None if none), and the best QL over
        members and nearby regions with its industry and region (NaN/None
        when the run has no industry of that partner).

    Raises
    ------
    InputError
        A column is missing, an LPS has several industries, or a member or
        nearby region is not a row of ``ql``.
    """
    missing = {"lps_id", "region", "industry"} - set(members.columns)
    if missing:
        raise InputError(
            f"members lacks column(s) {', '.join(sorted(missing))}; give lps_id, "
            "region and industry (the lps_members layer)"
        )
    lps_industry = members.groupby("lps_id", sort=False)["industry"].unique()
    several = lps_industry[lps_industry.map(len) > 1]
    if len(several):
        raise InputError(
            f"LPS {several.index[0]!r} has members of several industries "
            f"({', '.join(map(str, several.iloc[0]))}); one industry per LPS"
        )
    lps_industry = lps_industry.map(lambda v: str(v[0])).rename("industry")
    all_links = links
    if chains is not None:
        all_links = pd.concat([links, chain_links(chains)], ignore_index=True)
    rows = (
        lps_industry.reset_index()
        .merge(all_links, on="industry", how="inner", sort=False)
        .reset_index(drop=True)
    )
    rows.index.name = "row"
    # the regions of every LPS: members, and nearby ones outside the members
    places = members[["lps_id", "region"]].assign(where="members")
    extra = _nearby_frame(nearby)
    if extra is not None:
        extra = extra.merge(
            places[["lps_id", "region"]], how="left", indicator=True
        ).query("_merge == 'left_only'")[["lps_id", "region"]]
        places = pd.concat([places, extra.assign(where="nearby")], ignore_index=True)
    places = places.drop_duplicates(["lps_id", "region"])
    r_index = ql.index.get_indexer(places["region"])
    if (r_index < 0).any():
        bad = places.loc[r_index < 0].iloc[0]
        raise InputError(
            f"region {bad['region']!r} of LPS {bad['lps_id']!r} ({bad['where']}) "
            "is not a row of the QL matrix"
        )
    lps_codes = pd.Index(lps_industry.index)
    places = places.assign(r=r_index, l=lps_codes.get_indexer(places["lps_id"]))
    # one row per (link row, partner industry of the run)
    partners = rows["partner_industries"].dropna().str.split(",").explode()
    partners = partners.rename("partner_industry").reset_index()
    partners["c"] = ql.columns.get_indexer(partners["partner_industry"])
    partners = partners[partners["c"] >= 0].reset_index(drop=True)
    partners["l"] = lps_codes.get_indexer(rows.loc[partners["row"], "lps_id"])
    # each distinct (LPS, industry) pair is looked up once per set of regions
    key = partners["l"].to_numpy(np.int64) * ql.shape[1] + partners["c"].to_numpy()
    pair_key, pair_of = np.unique(key, return_inverse=True)
    pair_l, pair_c = pair_key // ql.shape[1], pair_key % ql.shape[1]
    q = ql.to_numpy(dtype=float)
    best_q = np.full(len(pair_key), -np.inf)
    best_r = np.full(len(pair_key), -1)
    present = {}
    for where in ("members", "nearby"):
        sub = places[places["where"] == where].sort_values("l", kind="stable")
        top, arg = _max_over_regions(
            q, sub["l"].to_numpy(), sub["r"].to_numpy(), pair_l, pair_c, len(lps_codes)
        )
        present[where] = top >= threshold
        better = top > best_q
        best_q = np.where(better, top, best_q)
        best_r = np.where(better, arg, best_r)
    out = rows[["lps_id", "industry", "role", "rank", "partner", "partner_name"]]
    out = out.rename(columns={"partner": "activity", "partner_name": "activity_name"})
    out = out.assign(
        industries=rows["partner_industries"],
        coefficient=rows["coefficient"],
        share=rows["share"],
        is_self=rows["is_self"].astype(bool),
    )
    for where, column in (("members", "members_present"), ("nearby", "nearby_present")):
        found = partners[present[where][pair_of]]
        listed = _join_by(
            found["row"].to_numpy(), found["partner_industry"].to_numpy(dtype=object)
        )
        out[column] = pd.Series(listed, dtype=object).reindex(out.index)
        out[column] = out[column].where(out[column].notna(), None)
    out["present_in_members"] = out["members_present"].notna()
    out["present_nearby"] = out["nearby_present"].notna()
    scored = partners.assign(ql=best_q[pair_of], r=best_r[pair_of])
    scored = scored[scored["r"] >= 0]
    best = scored.loc[scored.groupby("row")["ql"].idxmax()].set_index("row")
    out["best_ql"] = best["ql"].reindex(out.index)
    out["best_industry"] = best["partner_industry"].astype(object).reindex(out.index)
    regions = ql.index.to_numpy(dtype=object)
    out["best_region"] = pd.Series(
        regions[best["r"].to_numpy(dtype=int)], index=best.index, dtype=object
    ).reindex(out.index)
    for column in ("best_industry", "best_region"):
        out[column] = out[column].where(out[column].notna(), None)
    return out[list(PRESENCE_COLUMNS)].reset_index(drop=True)


def _join_by(keys: np.ndarray, texts: np.ndarray) -> pd.Series:
    """Texts joined by "," per key; ``keys`` sorted (rows in order)."""
    if len(keys) == 0:
        return pd.Series(dtype=object)
    cut = np.flatnonzero(np.diff(keys)) + 1
    starts = np.concatenate([[0], cut])
    joined = [",".join(part) for part in np.split(texts, cut)]
    return pd.Series(joined, index=keys[starts], dtype=object)


def _max_over_regions(
    q: np.ndarray,
    place_l: np.ndarray,
    place_r: np.ndarray,
    pair_l: np.ndarray,
    pair_c: np.ndarray,
    n_lps: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Max of ``q[r, c]`` over the regions ``r`` of each pair's LPS, and its region.

    ``place_l``/``place_r`` list (LPS, region) sorted by LPS; pairs whose LPS
    has no region get ``-inf`` and region -1. Flat numpy, no Python loop.
    """
    counts = np.bincount(place_l, minlength=n_lps)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    size = counts[pair_l]
    total = int(size.sum())
    top = np.full(len(pair_l), -np.inf)
    arg = np.full(len(pair_l), -1)
    if total == 0:
        return top, arg
    pair_rep = np.repeat(np.arange(len(pair_l)), size)
    offset = np.arange(total) - np.repeat(np.cumsum(size) - size, size)
    region = place_r[np.repeat(start[pair_l], size) + offset]
    values = q[region, pair_c[pair_rep]]
    has = size > 0
    firsts = (np.cumsum(size) - size)[has]
    top[has] = np.maximum.reduceat(values, firsts)
    hit = values == top[pair_rep]
    first_hit = np.unique(pair_rep[hit], return_index=True)
    arg[first_hit[0]] = region[hit][first_hit[1]]
    return top, arg


def _nearby_frame(
    nearby: Mapping[str, Iterable[str]] | pd.DataFrame | None,
) -> pd.DataFrame | None:
    if nearby is None:
        return None
    if isinstance(nearby, pd.DataFrame):
        missing = {"lps_id", "region"} - set(nearby.columns)
        if missing:
            raise InputError(
                f"nearby lacks column(s) {', '.join(sorted(missing))}; give "
                "lps_id and region"
            )
        return nearby[["lps_id", "region"]].copy()
    pairs = [(lps, region) for lps, regions in nearby.items() for region in regions]
    return pd.DataFrame(pairs, columns=["lps_id", "region"])
