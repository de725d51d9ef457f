"""What the io readers report: frozen accounts of each reading, alone or with its frame.

Every reader that keeps an account of what it did (features dropped, rows
excluded, records placed at a representative point ...) returns it as one of
the frozen dataclasses below, next to the frame it describes
(:class:`Boundaries`, :class:`Institutions`, or
:attr:`~lps_geo.io.SizeTables.report`). Their ``to_dict()`` gives the
JSON-friendly dict of the run report (``report.json``), key for key.

Examples
--------
>>> r = BoundaryReport("mun.gpkg", features=3, non_municipal=(
...     FeatureName("4300002", "Lagoa dos Patos"),), excluded=(), repaired=(),
...     empty=(), dissolved=(), regions=2)
>>> r.to_dict()["non_municipal"]
[{'code': '4300002', 'name': 'Lagoa dos Patos'}]
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import geopandas as gpd

from lps_geo.io._util import format_items, format_quoted
from lps_geo.vocab import TableForm


@dataclass(frozen=True)
class FeatureName:
    """A boundary feature named in a report: its code and name (None if none)."""

    code: str
    name: str | None

    def to_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "name": self.name}


@dataclass(frozen=True)
class RepairedFeature:
    """An invalid boundary geometry repaired with ``make_valid``: its code and
    its area (km2) as drawn (GEOS area of the invalid ring: 0 for a
    symmetric bow tie, whose lobes cancel) and after the repair.

    >>> RepairedFeature("3516200", 120.3, 60.1).describe()
    '3516200: area 120.3 -> 60.1 km2 (-50%)'
    """

    code: str
    area_before_km2: float
    area_after_km2: float

    def describe(self) -> str:
        before, after = self.area_before_km2, self.area_after_km2
        change = (
            f"{100 * (after - before) / before:+.0f}%"
            if before > 0 and after < 10 * before
            else "as drawn, the ring's loops cancel out"
        )
        return f"{self.code}: area {before:.1f} -> {after:.1f} km2 ({change})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "area_before_km2": self.area_before_km2,
            "area_after_km2": self.area_after_km2,
        }


@dataclass(frozen=True)
class BoundaryReport:
    """What :func:`~lps_geo.io.read_boundaries` did with a boundary file.

    Attributes
    ----------
    path
        The file read.
    features
        Features read.
    non_municipal, excluded
        Features dropped as non-municipal (IBGE water bodies) or by
        ``exclude_codes``.
    repaired
        Invalid geometries repaired with ``make_valid``, with their area
        before and after (:class:`RepairedFeature`).
    empty
        Codes dropped for an empty or null geometry.
    dissolved
        Codes whose several features were dissolved into one region.
    regions
        Regions kept.
    """

    path: str
    features: int
    non_municipal: tuple[FeatureName, ...]
    excluded: tuple[FeatureName, ...]
    repaired: tuple[RepairedFeature, ...]
    empty: tuple[str, ...]
    dissolved: tuple[str, ...]
    regions: int

    def to_dict(self) -> dict[str, Any]:
        """The ``inputs.boundaries`` block of the run report."""
        return {
            "path": self.path,
            "features": self.features,
            "non_municipal": [feature.to_dict() for feature in self.non_municipal],
            "excluded": [feature.to_dict() for feature in self.excluded],
            "repaired": [feature.to_dict() for feature in self.repaired],
            "empty": list(self.empty),
            "dissolved": list(self.dissolved),
            "regions": self.regions,
        }


@dataclass(frozen=True)
class InstitutionReport:
    """What :func:`~lps_geo.io.read_institutions` did with a register.

    Attributes
    ----------
    source
        The file (and sheet) read.
    n_read, n_kept
        Records read and kept.
    n_unknown_type, unknown_types
        Records whose category the type map does not know, and those
        categories with their counts.
    n_missing_coordinates
        Records of a coordinate source without coordinates (placed by code).
    n_placed_at_centroid
        Kept records placed at their municipality's representative point.
    n_outside, outside_ids
        Points outside the study area (0 and empty without boundaries).
    n_unmatched_codes, unmatched_codes
        Records placed by code whose code is not in the boundaries, and the
        codes.
    dropped_ids, n_dropped
        Ids of the records left out.
    """

    source: str
    n_read: int
    n_kept: int
    n_unknown_type: int
    unknown_types: Mapping[str, int]
    n_missing_coordinates: int
    n_placed_at_centroid: int
    n_outside: int
    outside_ids: tuple[str, ...]
    n_unmatched_codes: int
    unmatched_codes: tuple[str, ...]
    dropped_ids: tuple[str, ...]
    n_dropped: int

    def to_dict(self) -> dict[str, Any]:
        """The ``capability.reader`` block of the run report."""
        out: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Mapping):
                value = dict(value)
            out[item.name] = value
        return out


@dataclass(frozen=True)
class InepReport(InstitutionReport):
    """What :func:`~lps_geo.io.read_inep_ies` did with INEP's register.

    The keys of :class:`InstitutionReport`, then ``n_inactive`` (dropped by
    ``active_only``), ``n_missing_code`` (records without a numeric
    municipality code, dropped) and ``n_not_in_boundaries`` (records whose
    code is not in the boundaries, dropped).
    """

    n_inactive: int
    n_missing_code: int
    n_not_in_boundaries: int


@dataclass(frozen=True)
class RaisReport:
    """Row-level account of :func:`~lps_geo.io.read_rais_microdata`.

    Every row read is used or excluded under exactly one problem, so
    ``rows_read = rows_used + rows_excluded``.

    Attributes
    ----------
    files
        Per file: ``path``, ``rows_read``, ``rows_used``.
    encoding
        Encoding the files were read in.
    columns
        Argument (``municipality_column`` ...) -> header name used.
    establishments_definition
        Which rows count as establishments.
    rows_read, rows_used, rows_excluded
        Row counts.
    jobs_used, establishments_used, negative_declarations
        Totals of the rows used.
    malformed_rows, encoding_errors
        ``count`` and the ``first`` lines (file, line, reason).
    bad_jobs
        ``count``, ``by_reason`` and the ``first`` lines.
    bad_negative_flag
        ``count`` and the ``values`` of Ind Rais Negativa that are not 0/1.
    unknown_municipalities, unknown_classes
        ``rows``, ``jobs`` and the ``codes`` (with their rows and jobs).
    """

    reader: ClassVar[str] = "rais_microdata"

    files: tuple[Mapping[str, Any], ...]
    encoding: str
    columns: Mapping[str, str]
    establishments_definition: str
    rows_read: int
    rows_used: int
    jobs_used: float
    establishments_used: int
    negative_declarations: int
    malformed_rows: Mapping[str, Any]
    encoding_errors: Mapping[str, Any]
    bad_jobs: Mapping[str, Any]
    bad_negative_flag: Mapping[str, Any]
    unknown_municipalities: Mapping[str, Any]
    unknown_classes: Mapping[str, Any]
    rows_excluded: int

    def to_dict(self) -> dict[str, Any]:
        """The RAIS part of the ``inputs.size`` block of the run report."""
        out: dict[str, Any] = {"reader": self.reader}
        for item in fields(self):
            out[item.name] = copy.deepcopy(getattr(self, item.name))
        out["files"] = list(out["files"])
        return out

    def summary(self) -> str:
        """One line naming the rows left out and why ("" when none was)."""
        parts = []
        malformed = self.malformed_rows
        if malformed["count"]:
            lines = [f"{item['file']}:{item['line']}" for item in malformed["first"]]
            parts.append(
                f"{malformed['count']} malformed (wrong number of columns; "
                f"{format_items(lines, 3)})"
            )
        bad = self.encoding_errors
        if bad["count"]:
            lines = [f"{item['file']}:{item['line']}" for item in bad["first"]]
            parts.append(
                f"{bad['count']} not valid in the encoding ({format_items(lines, 3)}; "
                'RAIS files are Latin-1: set [inputs.size] encoding = "latin-1")'
            )
        bad = self.bad_jobs
        if bad["count"]:
            lines = [f"{item['file']}:{item['line']}" for item in bad["first"]]
            reasons = ", ".join(f"{n} {r}" for r, n in sorted(bad["by_reason"].items()))
            parts.append(
                f"{bad['count']} with unusable job counts ({reasons}; "
                f"{format_items(lines, 3)})"
            )
        bad = self.bad_negative_flag
        if bad["count"]:
            parts.append(
                f"{bad['count']} with Ind Rais Negativa not 0/1 "
                f"({format_quoted(bad['values'], 3)})"
            )
        for bad, what in (
            (self.unknown_municipalities, "unknown municipality code"),
            (self.unknown_classes, "unknown CNAE class"),
        ):
            if bad["rows"]:
                codes = format_quoted([item["code"] for item in bad["codes"]], 5)
                parts.append(f"{bad['rows']} with an {what} ({codes})")
        if not parts:
            return ""
        return (
            f"RAIS microdata: {self.rows_excluded:,} of {self.rows_read:,} "
            f"rows left out: {'; '.join(parts)}; details in the report"
        )


@dataclass(frozen=True)
class SizeReport:
    """What reading the size table of a configuration did.

    Attributes
    ----------
    form
        ``"long"``, ``"wide"`` or ``"rais_microdata"``.
    path
        The configured path (a glob pattern for RAIS files).
    notes
        The reader's notes (columns dropped, duplicates summed ...).
    microdata
        The row-level account of RAIS microdata; None for other forms.
    """

    form: TableForm
    path: str
    notes: tuple[str, ...] = ()
    microdata: RaisReport | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``inputs.size`` block of the run report."""
        return {
            "form": self.form,
            "path": self.path,
            **(self.microdata.to_dict() if self.microdata is not None else {}),
            "notes": list(self.notes),
        }


@dataclass(frozen=True, eq=False)
class Boundaries:
    """Boundaries read by :func:`~lps_geo.io.read_boundaries`.

    Attributes
    ----------
    regions
        The polygons, indexed by region code, in a projected CRS.
    report
        What the reader did.
    """

    regions: gpd.GeoDataFrame
    report: BoundaryReport

    def __repr__(self) -> str:
        return f"<Boundaries {len(self.regions)} regions from {self.report.path}>"


@dataclass(frozen=True, eq=False)
class Institutions:
    """Institutions read by :func:`~lps_geo.io.read_institutions` or
    :func:`~lps_geo.io.read_inep_ies`.

    Attributes
    ----------
    points
        The canonical institutions layer (index ``inst_id``).
    report
        What the reader did (an :class:`InepReport` for INEP's register).
    """

    points: gpd.GeoDataFrame
    report: InstitutionReport

    def __repr__(self) -> str:
        return f"<Institutions {len(self.points)} from {self.report.source}>"
