"""Related industries present in each LPS, and its relatedness density.

The per-LPS side of :mod:`lps_geo.stats.relatedness`: given the region x
industry size matrix, an industry x industry relatedness matrix and the
members of every LPS, which related industries are specialised (QL >= 1 over
the members pooled, against the reference area) with enough establishments,
their share of the members' size, and the LPS's relatedness density in its
own industry (Hidalgo et al. 2007; EconGeo's ``relatedness.density``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from lps_geo.errors import ConfigError, InputError
from lps_geo.stats.matrix import format_codes, matrix_parts, validate_matrix
from lps_geo.stats.relatedness import _covering, _square  # noqa: F401 - _square: doctest

__all__ = ["LpsRelatedness", "lps_relatedness"]

#: LPS per block in :func:`lps_relatedness` (bounds memory to a few MB per block).
_BLOCK_CELLS = 2_000_000


@dataclass(frozen=True)
class LpsRelatedness:
    """Related industries present in each LPS, and its relatedness density.

    ``related`` has one row per (LPS, related industry present): ``lps_id``,
    ``industry`` (the LPS's), ``related_industry``, ``relatedness``, ``ql``
    (members pooled), ``size`` (members' E), ``share_of_size`` (of the members'
    total E_j) and, when establishment counts were given apart from ``E``,
    ``establishments``; by LPS, strongest first. ``density`` is the LPS's
    relatedness density (0-100) in its own industry, indexed by ``lps_id``.
    """

    related: pd.DataFrame
    density: pd.Series

    def __repr__(self) -> str:
        n = len(self.density)
        with_any = self.related["lps_id"].nunique() if len(self.related) else 0
        return (
            f"<LpsRelatedness of {n} LPS: {len(self.related)} related industries "
            f"present ({with_any} LPS with at least one)>"
        )


def _members_list(value, lps_id) -> list:
    if isinstance(value, str):
        return [m.strip() for m in value.split(",") if m.strip()]
    if isinstance(value, Iterable):
        return [str(m) if not isinstance(m, str) else m for m in value]
    raise InputError(
        f"members of LPS {lps_id!r} must be a comma-separated string or a list of "
        f"region codes, got {type(value).__name__}"
    )


def _lps_frame(lps) -> pd.DataFrame:
    if not isinstance(lps, pd.DataFrame):
        raise InputError(
            "lps must be a DataFrame with columns 'industry' and 'members' "
            f"(indexed by lps_id, or with an 'lps_id' column), got {type(lps).__name__}"
        )
    if "lps_id" in lps.columns:
        lps = lps.set_index("lps_id")
    missing = [c for c in ("industry", "members") if c not in lps.columns]
    if missing:
        raise InputError(
            f"lps lacks column(s) {', '.join(map(repr, missing))}; give each LPS "
            "its industry code and its member region codes"
        )
    if lps.index.has_duplicates:
        dup = lps.index[lps.index.duplicated()].unique()
        raise InputError(f"lps has duplicated lps_id {format_codes(dup)}")
    return lps


def _membership(lps: pd.DataFrame, regions: pd.Index) -> sparse.csr_array:
    """LPS x region 0/1 matrix; unknown member codes raise InputError."""
    rows, codes = [], []
    for k, (lps_id, value) in enumerate(lps["members"].items()):
        m = _members_list(value, lps_id)
        rows.extend([k] * len(m))
        codes.extend(m)
    pos = regions.get_indexer(pd.Index(codes, dtype=regions.dtype)) if codes else []
    pos = np.asarray(pos, dtype=np.int64)
    bad = pos < 0
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"LPS {lps.index[rows[first]]!r} has member regions not in E: "
            f"{format_codes(pd.unique(np.asarray(codes, dtype=object)[bad]))}; "
            "members must be region codes of E's index (same dtype, e.g. str)"
        )
    rows = np.asarray(rows, dtype=np.int64)
    b = sparse.csr_array((np.ones(len(pos)), (rows, pos)), (len(lps), len(regions)))
    b.sum_duplicates()
    b.data[:] = 1.0  # a region listed twice counts once
    return b


def _reference_shares(x, e_j, lps, region_reference, regions):
    """(LPS x industry) share of each industry in the LPS's reference area."""
    if region_reference is None:
        return None, (x.sum(axis=0) / e_j.sum())[None, :]
    if "reference_area" not in lps.columns:
        raise InputError(
            "region_reference was given but lps has no 'reference_area' column; "
            "give each LPS the code of its reference area"
        )
    ref = pd.Series(region_reference).reindex(regions)
    if ref.isna().any():
        raise InputError(
            "region_reference lacks regions "
            f"{format_codes(regions[ref.isna().to_numpy()])} of E"
        )
    areas, codes = np.unique(ref.astype(str).to_numpy(), return_inverse=True)
    g = sparse.csr_array(
        (np.ones(len(codes)), (codes, np.arange(len(codes)))),
        shape=(len(areas), len(regions)),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = (g @ x) / (g @ e_j)[:, None]
    which = pd.Index(areas).get_indexer(lps["reference_area"].astype(str))
    if (which < 0).any():
        bad = lps.index[which < 0]
        raise InputError(
            f"LPS {format_codes(bad)} have a reference_area absent from "
            f"region_reference (areas: {format_codes(areas)})"
        )
    return which, shares


def lps_relatedness(
    E: pd.DataFrame,
    lps: pd.DataFrame,
    relatedness: pd.DataFrame,
    *,
    region_total: pd.Series | None = None,
    establishments: pd.DataFrame | None = None,
    region_reference: pd.Series | None = None,
    min_relatedness: float = 1.0,
    min_ql: float = 1.0,
    min_establishments: float = 3,
) -> LpsRelatedness:
    """Related industries present among each LPS's members, and its density.

    For LPS *l* with members *m* and industry *i*, and every other industry *j*:

    .. math:: QL_{lj} = \\frac{\\sum_m E_{mj} / \\sum_m E_m}{E_j^{ref} / E^{ref}}

    (the members pooled, against the LPS's reference area). *j* is **present**
    when :math:`QL_{lj} \\geq` ``min_ql`` and the members hold at least
    ``min_establishments`` establishments of *j*; it is a **related industry
    present** when also :math:`R_{ij} >` ``min_relatedness``. The density is
    EconGeo's relatedness density of the pooled members in *i*:
    :math:`100 \\sum_{j \\ne i} P_{lj} R^+_{ji} / \\sum_{j \\ne i} R^+_{ji}`,
    with :math:`R^+` the relatedness clipped at 0 (NaN as 0).

    All LPS at once: one sparse LPS x region product per block of LPS.

    Parameters
    ----------
    E
        Size matrix, regions x industries (employment or establishments).
    lps
        One row per LPS (index ``lps_id`` or an ``lps_id`` column) with
        ``industry`` and ``members`` (a comma-separated string of region codes,
        as in the ``lps`` layer, or a list); ``reference_area`` when
        ``region_reference`` is given.
    relatedness
        Industry x industry matrix (:func:`relatedness_matrix`) covering E's
        industries.
    region_total
        E_j (all activities in scope); defaults to the row sums of ``E``.
    establishments
        Establishment counts shaped like ``E`` for ``min_establishments``; by
        default ``E`` itself counts establishments.
    region_reference
        Reference-area code of every region (e.g. its state) when each LPS is
        measured against its own area; by default all of ``E``.
    min_relatedness
        Relatedness above which an industry is related (1 = chance level of
        ``"association"`` and ``"prob"``; use 0 for correlations).
    min_ql, min_establishments
        Presence rule among the members.

    Returns
    -------
    LpsRelatedness

    Examples
    --------
    >>> E = pd.DataFrame({"a": [10.0, 0.0, 0.0], "b": [5.0, 5.0, 0.0],
    ...                   "c": [0.0, 0.0, 80.0]},
    ...                  index=pd.Index(["r1", "r2", "r3"], name="region"))
    >>> R = _square(np.array([[np.nan, 2.0, 0.1], [2.0, np.nan, 0.1],
    ...                       [0.1, 0.1, np.nan]]), pd.Index(list("abc")))
    >>> lps = pd.DataFrame({"industry": ["a"], "members": ["r1,r2"]},
    ...                    index=pd.Index(["a@r1"], name="lps_id"))
    >>> out = lps_relatedness(E, lps, R)
    >>> out.related[["lps_id", "related_industry", "ql", "share_of_size"]]
      lps_id related_industry   ql  share_of_size
    0   a@r1                b  5.0            0.5
    >>> out.density.round(2).to_dict()
    {'a@r1': 95.24}
    """
    limits = {"min_relatedness": min_relatedness, "min_ql": min_ql}
    for name, v in {**limits, "min_establishments": min_establishments}.items():
        if not (isinstance(v, (int, float)) and math.isfinite(v)):
            raise ConfigError(f"{name} must be a finite number, got {v!r}")
    E, x, e_j, _, _ = matrix_parts(E, region_total)
    lps = _lps_frame(lps)
    r = _covering(relatedness, E.columns, "relatedness", "E")
    np.fill_diagonal(r, np.nan)
    r_pos = np.nan_to_num(np.clip(r, 0.0, None), nan=0.0)
    ind = E.columns.get_indexer(lps["industry"])
    if (ind < 0).any():
        bad = pd.unique(lps["industry"][ind < 0].astype(str))
        raise InputError(
            f"LPS industries {format_codes(bad)} are not columns of E "
            f"(industries like {format_codes(E.columns)})"
        )
    if establishments is None:
        est = x
    else:
        est = validate_matrix(establishments, "establishments")
        if not (est.index.equals(E.index) and est.columns.equals(E.columns)):
            raise InputError(
                "establishments must have the regions and industries of E, in "
                "the same order (reindex it like E)"
            )
        est = est.to_numpy()
    b = _membership(lps, E.index)
    which, ref = _reference_shares(x, e_j, lps, region_reference, E.index)

    n_lps, m = len(lps), x.shape[1]
    block = max(1, _BLOCK_CELLS // max(m, 1))
    r_tot = r_pos.sum(axis=0)
    r_tot = np.where(r_tot == 0, np.nan, r_tot)
    parts, density = [], np.full(n_lps, np.nan)
    for lo in range(0, n_lps, block):
        bb, own = b[lo : lo + block], ind[lo : lo + block]
        size, total = bb @ x, bb @ e_j
        ref_rows = ref if which is None else ref[which[lo : lo + block]]
        with np.errstate(divide="ignore", invalid="ignore"):
            ql = (size / total[:, None]) / ref_rows
        n_est = size if establishments is None else bb @ est
        present = (ql >= min_ql) & (n_est >= min_establishments)
        rows_r = r[own]  # relatedness of each LPS's industry to every industry
        density[lo : lo + block] = (
            100.0 * (present * r_pos[:, own].T).sum(1) / r_tot[own]
        )
        li, lj = np.nonzero(present & (rows_r > min_relatedness))
        order = np.lexsort((-rows_r[li, lj], li))  # by LPS, strongest first
        li, lj = li[order], lj[order]
        part = {
            "lps_id": lps.index[lo + li],
            "industry": E.columns[own[li]],
            "related_industry": E.columns[lj],
            "relatedness": rows_r[li, lj],
            "ql": ql[li, lj],
            "size": size[li, lj],
            "share_of_size": size[li, lj] / total[li],
        }
        if establishments is not None:
            part["establishments"] = n_est[li, lj]
        parts.append(pd.DataFrame(part))
    columns = ["lps_id", "industry", "related_industry", "relatedness", "ql", "size"]
    columns += ["share_of_size"] + (
        ["establishments"] if establishments is not None else []
    )
    related = (
        pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    )
    dens = pd.Series(density, index=lps.index.copy(), name="relatedness_density")
    return LpsRelatedness(related=related, density=dens)
