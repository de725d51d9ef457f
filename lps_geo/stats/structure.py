"""Production structure of regions and LPS from establishment sizes.

The input is the distribution of establishment sizes that
:func:`~lps_geo.io.read_rais_microdata` keeps with
``size_distribution=True``: one row per (region, industry, size) with the
number of establishments of that size (``size`` = active jobs on 31
December). Every measure here is computed for any grouping of those rows --
a (region, industry) pair, or all the establishments of an LPS's industry in
its member municipalities -- so an LPS's CR4 or Herfindahl is that of its
own establishments, not an average of its members'.

Measures
--------
* establishments and jobs by RAIS size band (the ten bands of "Tamanho
  Estabelecimento", :data:`lps_geo.vocab.RAIS_SIZE_BANDS`) and by SEBRAE
  size class (micro, small, medium, large; industry and construction up to
  19, 20-99, 100-499, 500 or more employees; trade and services up to 9,
  10-49, 50-99, 100 or more: :data:`lps_geo.vocab.SEBRAE_CUTOFFS`);
* mean establishment size (jobs per establishment);
* lead establishments: at least ``lead_industry`` jobs (500 by default) in
  industry and construction, ``lead_services`` (100) elsewhere, with their
  share of the jobs;
* concentration among establishments: CR4, the share of the jobs in the
  four largest establishments, and the Herfindahl index
  ``H = sum_e (jobs_e / jobs)**2`` (1 for a single establishment);
* a structure label after Storper & Harrison's (1991) governance types
  (:func:`structure_label`): ``lead_firm`` where lead establishments hold at
  least half of the jobs (a core of large firms with a ring of suppliers, or
  a single plant), ``small_firm`` where no lead establishment exists and
  micro and small establishments hold at least half of the jobs ("all ring,
  no core"), ``core_ring`` otherwise (a mix of sizes: a few large
  establishments among small ones, or medium ones without a lead one).

The location quotient of employment splits exactly into an establishment
count effect and a scale effect (Holmes & Stevens 2002, "Geographic
concentration and establishment scale", REStat 84(4)), see
:func:`ql_decomposition`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lps_geo.errors import ConfigError, InputError
from lps_geo.io.cnae import cnae_parent
from lps_geo.stats.matrix import matrix_parts, safe_div
from lps_geo.vocab import (
    RAIS_SIZE_BANDS,
    SEBRAE_CUTOFFS,
    SEBRAE_INDUSTRY_DIVISIONS,
    SIZE_CLASS_KEYS,
    SebraeSector,
)

#: Columns a size distribution must have.
DISTRIBUTION_COLUMNS = ("region", "industry", "size", "establishments")

#: The four largest establishments make the CR4.
TOP = 4


@dataclass(frozen=True)
class LeadCutoffs:
    """Smallest jobs of a lead establishment, per SEBRAE sector."""

    industry: int = 500
    services: int = 100

    def __post_init__(self) -> None:
        for name in ("industry", "services"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(
                    f"lead establishment cut-off {name} = {value!r} must be a "
                    "whole number of jobs >= 1"
                )


def band_column(code: int, what: str = "n") -> str:
    """Column name of a RAIS size band: ``n_band01`` (establishments) or
    ``jobs_band01`` (their jobs)."""
    return f"{what}_band{code:02d}"


def sebrae_sector(industry: str) -> SebraeSector:
    """SEBRAE sector of a CNAE code (class, group or division).

    >>> sebrae_sector("15.3"), sebrae_sector("47.1"), sebrae_sector("01.1")
    ('industry', 'services', 'services')
    """
    division = int(cnae_parent(industry, "division"))
    first, last = SEBRAE_INDUSTRY_DIVISIONS
    return "industry" if first <= division <= last else "services"


def check_distribution(dist: pd.DataFrame, name: str = "size distribution") -> None:
    """Raise InputError unless ``dist`` is a usable size distribution."""
    missing = [c for c in DISTRIBUTION_COLUMNS if c not in dist.columns]
    if missing:
        raise InputError(
            f"{name} lacks column(s) {', '.join(missing)}; expected "
            f"{', '.join(DISTRIBUTION_COLUMNS)}"
        )
    for column in ("size", "establishments"):
        values = pd.to_numeric(dist[column], errors="coerce")
        bad = values.isna() | (values < 0) | (values != np.floor(values))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"{name}: {column} must be whole numbers >= 0; row {row} has "
                f"{dist[column].iloc[row]}"
            )


def establishment_structure(
    dist: pd.DataFrame,
    by: list[str] | tuple[str, ...] = ("region", "industry"),
    lead: LeadCutoffs | None = None,
) -> pd.DataFrame:
    """Structure measures of every group of establishments.

    Parameters
    ----------
    dist
        Size distribution (:data:`DISTRIBUTION_COLUMNS`, plus any key
        columns named in ``by``); the ``industry`` column decides the SEBRAE
        sector of each row.
    by
        Key columns of the groups (default: one group per region and
        industry; an LPS table joins ``lps_id`` first and groups by it).
    lead
        Lead-establishment cut-offs (default 500 jobs in industry and
        construction, 100 elsewhere).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``by``: ``establishments``, ``jobs``, ``mean_size``,
        ``n_band01`` .. ``n_band10`` and ``jobs_band01`` .. ``jobs_band10``
        (RAIS bands), ``n_micro`` .. ``n_large`` and ``jobs_micro`` ..
        ``jobs_large`` (SEBRAE classes), ``lead_establishments``,
        ``lead_jobs``, ``lead_share``, ``largest`` (jobs of the largest
        establishment), ``cr4`` and ``hhi``. Shares are NaN for groups
        without jobs.

    Examples
    --------
    Ten workshops of 3 jobs and one plant of 600 in a footwear group:

    >>> d = pd.DataFrame({"region": ["r1", "r1"], "industry": ["15.3", "15.3"],
    ...                   "size": [3, 600], "establishments": [10, 1]})
    >>> s = establishment_structure(d).iloc[0]
    >>> int(s.establishments), int(s.jobs), int(s.lead_establishments)
    (11, 630, 1)
    >>> round(float(s.lead_share), 4), round(float(s.cr4), 4)
    (0.9524, 0.9667)
    """
    check_distribution(dist)
    lead = lead or LeadCutoffs()
    by = list(by)
    missing = [c for c in by if c not in dist.columns]
    if missing:
        raise InputError(f"size distribution lacks key column(s) {', '.join(missing)}")
    frame = dist[[*dict.fromkeys([*by, "industry", "size", "establishments"])]].copy()
    size = frame["size"].to_numpy(dtype=np.int64)
    n = frame["establishments"].to_numpy(dtype=np.int64)
    jobs = size * n
    sectors = pd.Series(
        {code: sebrae_sector(code) for code in frame["industry"].unique()}
    )
    sector = frame["industry"].map(sectors).to_numpy()
    out = {"establishments": n, "jobs": jobs}
    bounds = [low for _, _, low in RAIS_SIZE_BANDS]
    band = np.searchsorted(bounds, size, side="right")  # 1..10
    for code, _, _ in RAIS_SIZE_BANDS:
        hit = band == code
        out[band_column(code)] = np.where(hit, n, 0)
        out[band_column(code, "jobs")] = np.where(hit, jobs, 0)
    klass = np.zeros(len(frame), dtype=np.int64)
    for key, cuts in SEBRAE_CUTOFFS.items():
        rows = sector == key
        klass[rows] = np.searchsorted(cuts, size[rows], side="right")
    for index, name in enumerate(SIZE_CLASS_KEYS):
        hit = klass == index
        out[f"n_{name}"] = np.where(hit, n, 0)
        out[f"jobs_{name}"] = np.where(hit, jobs, 0)
    cut = np.where(sector == "industry", lead.industry, lead.services)
    is_lead = size >= cut
    out["lead_establishments"] = np.where(is_lead, n, 0)
    out["lead_jobs"] = np.where(is_lead, jobs, 0)
    out["_sq"] = (size.astype(float) ** 2) * n
    parts = pd.DataFrame(out, index=frame.index)
    keys = [frame[c] for c in by]
    sums = parts.groupby(keys, sort=True).sum()
    # the TOP largest: sizes in decreasing order within each group
    order = frame.assign(_n=n, _size=size).sort_values(
        [*by, "_size"], ascending=[True] * len(by) + [False], kind="stable"
    )
    grouped = order.groupby(by, sort=False)["_n"]
    before = grouped.cumsum().to_numpy() - order["_n"].to_numpy()
    take = np.clip(TOP - before, 0, order["_n"].to_numpy())
    top = (
        pd.Series(take * order["_size"].to_numpy(), index=order.index)
        .groupby([order[c] for c in by], sort=True)
        .sum()
    )
    largest = order.groupby(by, sort=True)["_size"].max()
    res = sums.drop(columns="_sq")
    total = res["jobs"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        res["mean_size"] = safe_div(total, res["establishments"].astype(float))
        res["lead_share"] = safe_div(res["lead_jobs"].astype(float), total)
        res["cr4"] = safe_div(top.reindex(res.index).astype(float), total)
        res["hhi"] = safe_div(sums["_sq"], total**2)
    res["largest"] = largest.reindex(res.index).astype(np.int64)
    for column in ("mean_size", "lead_share", "cr4", "hhi"):
        res[column] = res[column].where(total > 0)
    return res


def structure_label(
    structure: pd.DataFrame, lead_share: float = 0.5, small_share: float = 0.5
) -> pd.Series:
    """Production-structure label of every group, after Storper & Harrison.

    ``lead_firm`` where lead establishments hold at least ``lead_share`` of
    the jobs; ``small_firm`` where there is no lead establishment and micro
    and small establishments hold at least ``small_share`` of the jobs;
    ``core_ring`` otherwise. NaN for groups without jobs.

    >>> s = pd.DataFrame({"jobs": [630, 90, 400], "lead_jobs": [600, 0, 150],
    ...                   "lead_establishments": [1, 0, 1],
    ...                   "jobs_micro": [30, 60, 100], "jobs_small": [0, 30, 50]})
    >>> structure_label(s).tolist()
    ['lead_firm', 'small_firm', 'core_ring']
    """
    for name, value in (("lead_share", lead_share), ("small_share", small_share)):
        if not 0 < value <= 1:
            raise ConfigError(f"{name} = {value!r} must be in (0, 1]")
    jobs = structure["jobs"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        lead = structure["lead_jobs"] / jobs
        small = (structure["jobs_micro"] + structure["jobs_small"]) / jobs
    label = np.where(
        lead >= lead_share,
        "lead_firm",
        np.where(
            (structure["lead_establishments"] == 0) & (small >= small_share),
            "small_firm",
            "core_ring",
        ),
    )
    return pd.Series(label, index=structure.index, name="structure").where(jobs > 0)


def ql_decomposition(
    employment: pd.DataFrame,
    establishments: pd.DataFrame,
    region_total: pd.Series | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the employment QL into a count effect and a scale effect.

    With ``E`` jobs, ``N`` establishments, region ``j`` and industry ``i``
    (Holmes & Stevens 2002)::

        QL_ij = (E_ij / E_j) / (E_i / E)
              = [(N_ij / N_i) / (E_j / E)] x [(E_ij / N_ij) / (E_i / N_i)]

    the count effect (the region's share of the industry's establishments
    over its share of all jobs) times the scale effect (the mean size of the
    region's establishments over the industry's mean size in the reference
    area). The reference area is the rows of the tables, as in
    :func:`~lps_geo.stats.indicators.location_quotient`.

    Returns
    -------
    count_effect, scale_effect
        DataFrames like ``employment``; NaN where a part is undefined (no
        establishment of the industry in the region, or none at all).

    Examples
    --------
    >>> E = pd.DataFrame({"a": [60.0, 40.0], "b": [40.0, 60.0]},
    ...                  index=pd.Index(["r1", "r2"], name="region"))
    >>> N = pd.DataFrame({"a": [2.0, 8.0], "b": [4.0, 6.0]}, index=E.index)
    >>> count, scale = ql_decomposition(E, N)
    >>> count.round(3)["a"].tolist(), scale.round(3)["a"].tolist()
    ([0.4, 1.6], [3.0, 0.5])
    """
    if not employment.index.equals(establishments.index) or not (
        employment.columns.equals(establishments.columns)
    ):
        raise InputError(
            "employment and establishments must have the same regions and "
            "industries in the same order"
        )
    E, x, e_j, e_i, total = matrix_parts(employment, region_total)
    nx = establishments.to_numpy(dtype=float)
    if (nx < 0).any() or not np.isfinite(nx).all():
        raise InputError("establishments must be finite and >= 0")
    n_i = nx.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        count = (nx / n_i[None, :]) / (e_j[:, None] / total)
        scale = (x / nx) / (e_i / n_i)[None, :]
    count = np.where(np.isfinite(count) & (nx > 0), count, np.nan)
    scale = np.where(np.isfinite(scale) & (nx > 0), scale, np.nan)
    return (
        pd.DataFrame(count, index=E.index, columns=E.columns),
        pd.DataFrame(scale, index=E.index, columns=E.columns),
    )


def lps_structure(
    dist: pd.DataFrame,
    members: pd.DataFrame,
    lead: LeadCutoffs | None = None,
) -> pd.DataFrame:
    """Structure of every LPS: the establishments of its industry in its
    member regions, pooled.

    ``members`` has one row per (``lps_id``, ``region``) with the LPS's
    ``industry``. Returns :func:`establishment_structure` indexed by
    ``lps_id`` (an LPS whose members have no establishment of its industry
    is absent).
    """
    need = [c for c in ("lps_id", "region", "industry") if c not in members.columns]
    if need:
        raise InputError(f"LPS members lack column(s) {', '.join(need)}")
    joined = members[["lps_id", "region", "industry"]].merge(
        dist, on=["region", "industry"], how="inner"
    )
    return establishment_structure(joined, by=["lps_id"], lead=lead)
