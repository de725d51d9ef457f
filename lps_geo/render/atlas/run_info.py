"""What an atlas reads from a result's metadata and report, in one place.

:func:`run_settings` gives what every page needs (the typology thresholds,
the capability radius, the source and date of the run); :func:`method_settings`
what the methods page describes. Missing entries fall back to the defaults of
the ``ipea2006`` preset and of the configuration. Only the values are read
here; the pages word and format them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lps_geo.config import Characterisation, get_thresholds

if TYPE_CHECKING:  # pragma: no cover
    from lps_geo.result import Result


@dataclass(frozen=True)
class RunSettings:
    """The run settings every atlas page may print."""

    #: ``share_min``, ``share_high``, ``ql_min`` and ``ql_high`` of the typology.
    thresholds: dict[str, float]
    #: The capability "within" radius (only with a capability layer).
    cap_distance_m: float | None
    #: The run's source note, when it is a string.
    source: str | None
    #: Date of the run (first ten characters of ``created``), "" if unknown.
    created: str
    #: What a size counts (``employment`` or ``establishments``).
    size_measure: str = "employment"
    #: Smallest jobs of a lead establishment: industry and construction, and
    #: every other sector (``[characterisation]``).
    lead_industry: int = Characterisation.lead_industry
    lead_services: int = Characterisation.lead_services
    #: Radius of "nearby" for suppliers (``[characterisation]``), metres.
    supplier_distance_m: float | None = None


@dataclass(frozen=True)
class MethodSettings:
    """The run settings the methods page describes, as stored (not worded)."""

    crs: str
    size_measure: Any
    industry_level: Any
    unit: Any
    reference_area: Any
    denominator: Any
    input_files: list[str]
    institutions_file: str | None
    min_establishments: Any
    gini_min: Any
    delineation_mode: Any
    use_hotspots: bool
    hotspot_ql_min: Any
    weights: Any
    k: Any
    islands: Any
    variable_description: Any
    inference: Any
    permutations: Any


def _get(mapping: Any, *keys: str, default: Any = None) -> Any:
    """``mapping[k1][k2]...``, or ``default`` when a level is missing or None.

    >>> _get({"a": {"b": 1}}, "a", "b"), _get({"a": None}, "a", "b", default=0)
    (1, 0)
    """
    for key in keys:
        if not isinstance(mapping, Mapping) or key not in mapping:
            return default
        mapping = mapping[key]
    return default if mapping is None else mapping


def _basename(path: Any) -> str | None:
    """The file name of a path, or ``None`` when there is none."""
    if not path:
        return None
    return Path(str(path)).name


def run_settings(result: Result) -> RunSettings:
    """Typology thresholds, capability radius, source and date of the run.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from lps_geo.result import RunMetadata
    >>> r = SimpleNamespace(lps_capability=None, metadata=RunMetadata(
    ...     created="2024-05-01T10:00:00", parameters={"typology": {
    ...         "preset": "ipea2006", "ql_high": 4}}))
    >>> s = run_settings(r)
    >>> s.thresholds["ql_high"], s.created, s.source, s.cap_distance_m
    (4.0, '2024-05-01', None, None)
    >>> s.size_measure, s.lead_industry, s.lead_services
    ('employment', 500, 100)
    """
    meta = result.metadata
    typ = _get(meta.parameters, "typology", default={}) or {}
    defaults = get_thresholds(str(typ.get("preset") or "ipea2006"))
    thresholds = {
        key: float(typ[key]) if typ.get(key) is not None else getattr(defaults, key)
        for key in ("share_min", "share_high", "ql_min", "ql_high")
    }
    distance = None  # the "within" radius only means something with capability
    if result.lps_capability is not None:
        distance = _get(meta.parameters, "capability", "distance_m")
        if distance is None:
            distance = _get(meta.config, "capability", "distance")
    source = meta.source if isinstance(meta.source, str) else None
    ch = _get(meta.config, "characterisation", default={}) or {}
    ch_default = Characterisation()
    nearby = ch.get("supplier_distance", ch_default.supplier_distance)
    return RunSettings(
        thresholds=thresholds,
        cap_distance_m=float(distance) if distance is not None else None,
        source=source,
        created=str(meta.created or "")[:10],
        size_measure=str(
            _get(meta.config, "analysis", "size_measure", default="employment")
        ),
        lead_industry=int(ch.get("lead_industry") or ch_default.lead_industry),
        lead_services=int(ch.get("lead_services") or ch_default.lead_services),
        supplier_distance_m=float(nearby) if nearby is not None else None,
    )


def method_settings(result: Result) -> MethodSettings:
    """The data, filters, delineation and statistics settings of the run.

    Read from the metadata's ``config``, ``parameters`` and ``inputs`` and the
    report's ``delineation``.

    >>> from types import SimpleNamespace
    >>> from lps_geo.result import RunMetadata, RunReport
    >>> s = method_settings(SimpleNamespace(metadata=RunMetadata(),
    ...                                     report=RunReport.from_dict({})))
    >>> s.size_measure, s.weights, s.k, s.delineation_mode, s.permutations
    ('employment', 'queen', 6, 'contiguous', '?')
    """
    meta = result.metadata
    cfg = dict(meta.config or {})
    params = dict(meta.parameters or {})
    stats = params.get("statistics", {}) or {}
    typ = params.get("typology", {}) or {}
    analysis = cfg.get("analysis", {}) or {}
    inputs = dict(meta.inputs or {})
    delin = dict(result.report.delineation or {}) or cfg.get("delineation", {}) or {}
    scfg = cfg.get("statistics", {}) or {}
    cap = params.get("capability", {}) or {}
    files = [
        f
        for f in (_basename(inputs.get("boundaries")), _basename(inputs.get("size")))
        if f
    ]
    return MethodSettings(
        crs=str(meta.crs or "?"),
        size_measure=analysis.get("size_measure", "employment"),
        industry_level=params.get("industry_level")
        or analysis.get("industry_level", "group"),
        unit=analysis.get("unit", "municipality"),
        reference_area=params.get("reference_area")
        or analysis.get("reference_area", ""),
        denominator=params.get("denominator") or analysis.get("denominator", "all"),
        input_files=files,
        institutions_file=_basename(_get(cfg, "inputs", "institutions", "path")),
        min_establishments=typ.get("min_establishments", 5),
        gini_min=typ.get("gini_min"),
        delineation_mode=delin.get("mode") or "contiguous",
        use_hotspots=bool(delin.get("use_hotspots", False)),
        hotspot_ql_min=delin.get("hotspot_ql_min", 1.0),
        weights=scfg.get("weights", "queen"),
        k=scfg.get("k", 6),
        islands=scfg.get("islands", "attach"),
        variable_description=stats.get("variable_description", ""),
        inference=stats.get("inference", ""),
        permutations=cap.get("permutations", "?"),
    )
