"""The canonical table of innovation outputs, its report, and microregion allocation.

Every innovation reader (:mod:`lps_geo.io.innovation`,
:mod:`lps_geo.io.innovation_publications`, :mod:`lps_geo.io.innovation_long`)
returns an :class:`InnovationOutputs`: a long table with one row per
(municipality, field, year) and an :class:`InnovationReport`. Values given
by microregion reach municipalities through :func:`allocate` (repeated for
indicators, shared by population or equally for counts).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from lps_geo.errors import ApproximationWarning, ConfigError, MissingCodesWarning
from lps_geo.io._util import clean_code, format_items
from lps_geo.io.innovation_names import outside_places

logger = logging.getLogger(__name__)

#: Columns of :attr:`InnovationOutputs.table`, in order.
TABLE_COLUMNS = ("region", "kind", "system", "field", "year", "value", "measure")

ALLOCATION_REPEATED = "microregion indicator repeated on each member municipality"
ALLOCATION_POPULATION = (
    "microregion total shared among its member municipalities in proportion to "
    "population"
)
ALLOCATION_EQUAL = (
    "microregion total divided equally among its member municipalities (no "
    "population given)"
)


@dataclass(frozen=True)
class InnovationReport:
    """What an innovation reader did (``to_dict()`` for ``report.json``).

    Attributes
    ----------
    source, format, kind, system, measure, level
        The file as given and what it holds
        (:data:`~lps_geo.vocab.InnovationFormat`,
        :data:`~lps_geo.vocab.InnovationKind`, ...); ``level`` is the level
        the file is given at.
    n_read, n_matched
        Name columns (INPI), institution records (publications) or rows
        (long table) read, and how many reached a municipality.
    unmatched
        Names or codes that match nothing (their values are not in the
        table).
    candidates
        Unmatched name -> close spellings ``"code Name (UF)"`` (for the
        reader to check; never used).
    ambiguous
        Name -> every place it matches ``"code Name (UF)"`` (left out).
    allocation
        How microregion values reach municipalities (None at municipality
        level).
    n_regions, total
        Municipalities with a row in the table, and the sum of ``value``.
    warnings
        The soft problems, as warned.
    outside
        Names or codes of places outside the boundaries given to
        :func:`~lps_geo.io.read_places` (left out; not an error).
    """

    source: str
    format: str
    kind: str
    system: str
    measure: str
    level: str
    n_read: int
    n_matched: int
    unmatched: tuple[str, ...]
    candidates: dict[str, tuple[str, ...]]
    ambiguous: dict[str, tuple[str, ...]]
    allocation: str | None
    n_regions: int
    total: float
    warnings: tuple[str, ...] = ()
    outside: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """JSON-able form (lists, not tuples).

        >>> InnovationReport("f.csv", "long", "patents", "ipc_section", "count",
        ...     "municipality", 2, 1, ("99",), {}, {"A": ("1 A (SP)",)}, None, 1,
        ...     3.0).to_dict()["ambiguous"]
        {'A': ['1 A (SP)']}
        """
        out = asdict(self)
        for key in ("unmatched", "warnings", "outside"):
            out[key] = list(out[key])
        for key in ("candidates", "ambiguous"):
            out[key] = {name: list(items) for name, items in out[key].items()}
        return out


@dataclass(frozen=True)
class InnovationOutputs:
    """Innovation outputs per municipality and what the reader did.

    ``table``: one row per (region, field, year), columns :data:`TABLE_COLUMNS`:
    ``region`` (7-digit municipality code), ``kind``, ``system``, ``field``,
    ``year`` (pandas ``Int64``, ``<NA>`` when the source has no year),
    ``value`` (float) and ``measure``.
    """

    table: pd.DataFrame
    report: InnovationReport

    def __repr__(self) -> str:
        r = self.report
        return (
            f"<InnovationOutputs {r.kind}/{r.system} ({r.measure}): "
            f"{len(self.table)} rows, {r.n_regions} municipalities, "
            f"{r.n_matched} of {r.n_read} matched>"
        )


class Notes:
    """Collects the warnings of one reading (also kept in the report)."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def warn(self, message: str, category: type[Warning]) -> None:
        self.messages.append(message)
        warnings.warn(message, category, stacklevel=3)


def make_table(
    values: pd.DataFrame, *, kind: str, system: str, measure: str
) -> pd.DataFrame:
    """The canonical long table from a region x field frame (no year).

    >>> make_table(pd.DataFrame({"A": [1.0]}, index=["3550308"]), kind="patents",
    ...            system="ipc_section", measure="indicator")
        region     kind       system field  year  value    measure
    0  3550308  patents  ipc_section     A  <NA>    1.0  indicator
    """
    stacked = values.stack()
    stacked.index.names = ["region", "field"]
    frame = stacked.rename("value").reset_index()
    frame["year"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    return finish_table(frame, kind=kind, system=system, measure=measure)


def finish_table(
    frame: pd.DataFrame, *, kind: str, system: str, measure: str
) -> pd.DataFrame:
    """Columns in :data:`TABLE_COLUMNS` order and types, sorted by region."""
    out = pd.DataFrame(
        {
            "region": frame["region"].astype(str).to_numpy(),
            "kind": kind,
            "system": system,
            "field": frame["field"].astype(str).to_numpy(),
            "year": pd.array(frame["year"], dtype="Int64"),
            "value": frame["value"].astype(float).to_numpy(),
            "measure": measure,
        }
    )
    out = out.sort_values(["region", "field", "year"], kind="stable")
    return out.reset_index(drop=True)


def _population(population: Any) -> pd.Series | None:
    """Population as a float Series indexed by str code, or None."""
    if population is None:
        return None
    if isinstance(population, Mapping) and not isinstance(population, pd.Series):
        population = pd.Series(dict(population))
    if not isinstance(population, pd.Series):
        raise ConfigError(
            "population must be a Series of inhabitants indexed by 7-digit "
            "municipality code (e.g. from lps_geo.io.read_population), got "
            f"{type(population).__name__}"
        )
    values = pd.to_numeric(population, errors="coerce").astype(float)
    bad = values.index[(values < 0) | (values.isna() & population.notna())]
    if len(bad):
        raise ConfigError(
            f"population: {len(bad)} value(s) are negative or not numbers "
            f"(codes {format_items(bad)}); give inhabitants as numbers >= 0"
        )
    values.index = pd.Index([clean_code(code) for code in values.index])
    return values


def allocate(
    values: pd.DataFrame,
    places: pd.DataFrame,
    *,
    population: Any = None,
    repeat: bool = False,
    notes: Notes,
    source: str,
) -> tuple[pd.DataFrame, str]:
    """Microregion x field values -> municipality x field values.

    ``repeat``: each member municipality gets the microregion's value (for
    indicators). Otherwise the value is shared among the members of
    ``places`` in proportion to ``population`` (equal shares without it, or
    for a microregion where a member has no population or all have 0), so
    each microregion's values sum back to its total.

    Returns the municipality frame and the ``allocation`` text.

    >>> places = pd.DataFrame({"microregion": ["35001", "35001"]},
    ...                       index=["3500105", "3500204"])
    >>> out, how = allocate(pd.DataFrame({"x": [10.0]}, index=["35001"]), places,
    ...     population={"3500105": 3, "3500204": 1}, notes=Notes(), source="f")
    >>> out["x"].tolist(), how == ALLOCATION_POPULATION
    ([7.5, 2.5], True)
    """
    members = {
        str(micro): list(group.index)
        for micro, group in places.groupby("microregion", sort=True)
    }
    if repeat:
        parts = [
            pd.DataFrame(
                np.repeat(values.loc[[micro]].to_numpy(), len(members[micro]), 0),
                index=members[micro],
                columns=values.columns,
            )
            for micro in values.index
        ]
        return _concat(parts, values.columns), ALLOCATION_REPEATED
    pop = _population(population)
    if pop is None:
        notes.warn(
            f"{source}: no population given; each microregion's values were "
            "divided equally among its municipalities (pass population= to share "
            "them in proportion to inhabitants)",
            ApproximationWarning,
        )
    fallback: list[str] = []
    parts = []
    for micro in values.index:
        codes = members[micro]
        shares = np.full(len(codes), 1.0 / len(codes))
        if pop is not None:
            inhabitants = pop.reindex(codes).to_numpy(dtype=float)
            if np.isnan(inhabitants).any() or inhabitants.sum() <= 0:
                missing = [
                    c for c, v in zip(codes, inhabitants, strict=True) if not v > 0
                ]
                fallback.append(
                    f"{micro} (no population for {format_items(missing, 3)})"
                )
            else:
                shares = inhabitants / inhabitants.sum()
        parts.append(
            pd.DataFrame(
                shares[:, None] * values.loc[[micro]].to_numpy(),
                index=codes,
                columns=values.columns,
            )
        )
    how = ALLOCATION_EQUAL if pop is None else ALLOCATION_POPULATION
    if fallback:
        notes.warn(
            f"{source}: {len(fallback)} microregion(s) divided equally among their "
            "municipalities because a member has no population (or all have 0): "
            f"{format_items(fallback)}",
            MissingCodesWarning,
        )
        how += f"; equal shares in {len(fallback)} microregion(s) lacking population"
    return _concat(parts, values.columns), how


def _concat(parts: list[pd.DataFrame], columns: pd.Index) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame(columns=columns, dtype=float)
    return pd.concat(parts)


def partial_microregions(
    micro: list[str], places: pd.DataFrame, notes: Notes, source: str
) -> None:
    """Warn about microregions with members outside the boundaries."""
    outside = outside_places(places)
    partial = sorted(set(micro) & set(outside["microregion"].dropna()))
    if partial:
        left = outside[outside["microregion"].isin(partial)]
        notes.warn(
            f"{source}: {len(partial)} microregion(s) have municipalities outside "
            f"the boundaries ({format_items(partial)}: "
            f"{format_items(left['code'] + ' ' + left['name'])}); the "
            "microregion's values went to its municipalities inside only",
            MissingCodesWarning,
        )


def member_places(places: pd.DataFrame, micro: list[str]) -> pd.DataFrame:
    return places[places["microregion"].isin(micro)]
