"""Typed run settings, loaded from TOML; every default lives here.

A configuration describes the inputs (files, columns, units), the reference
area and denominator, the industry level, the typology preset and its
cut-offs, the statistics options and the outputs. Relative paths in a TOML
file are resolved against the file's folder. Unknown keys are errors, so a
typo never silently falls back to a default.

Example
-------
>>> cfg = config_from_dict({
...     "inputs": {"boundaries": {"path": "m.shp"},
...                "size": {"path": "e.csv", "form": "long"}},
...     "statistics": {"permutations": 99},
... })
>>> cfg.statistics.permutations, cfg.typology.preset
(99, 'ipea2006')
"""

from __future__ import annotations

import codecs
import difflib
import functools
import sys
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

from lps_geo.config_inputs import (
    BoundariesInput,
    InnovationInput,
    InputOutputInput,
    Inputs,
    InstitutionsInput,
    LookupInput,
    PopulationInput,
    SizeInput,
    WorkersInput,
)
from lps_geo.config_rules import (
    check_atlas,
    check_characterisation,
    check_index_weights,
    check_selection,
    check_structure,
)
from lps_geo.errors import ConfigError
from lps_geo.vocab import (
    AutoPermutations,
    Correction,
    DelineationMode,
    Engine,
    FdrScope,
    GiNull,
    IndustryLevel,
    IslandPolicy,
    Lang,
    PageSize,
    ReferenceArea,
    RelatednessMethod,
    SizeMeasure,
    Unit,
    VariableKind,
    WeightsKind,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


# ------------------------------------------------------ typology cut-offs


@dataclass(frozen=True)
class TypologyThresholds:
    """Cut-offs of the LPS filters and of the 2x2 typology.

    ``share_min``: minimum share of the industry (E_ij / E_i) of a candidate
    (IPEA 2006: 1 %); ``share_high``: share above which importance for the
    industry is "high", strictly (20 %); ``ql_min``: minimum location quotient
    of a candidate (lower bound of the "low" row; unconfirmed in the sources,
    1); ``ql_high``: QL at or above which importance for the region is "high"
    (5); ``min_establishments``: minimum establishments of the industry in the
    candidate (5); ``gini_min``: optional minimum locational Gini (0-1) of the
    industry; None (IPEA 2006) reports the Gini without filtering on it.
    """

    share_min: float = 0.01
    share_high: float = 0.20
    ql_min: float = 1.0
    ql_high: float = 5.0
    min_establishments: int = 5
    gini_min: float | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.share_min <= self.share_high <= 1:
            raise ConfigError(
                "typology: need 0 <= share_min <= share_high <= 1, got "
                f"share_min={self.share_min}, share_high={self.share_high}"
            )
        if not 0 <= self.ql_min <= self.ql_high:
            raise ConfigError(
                "typology: need 0 <= ql_min <= ql_high, got "
                f"ql_min={self.ql_min}, ql_high={self.ql_high}"
            )
        if self.min_establishments < 0:
            raise ConfigError(
                f"typology: min_establishments must be >= 0, got "
                f"{self.min_establishments}"
            )
        if self.gini_min is not None and not 0 <= self.gini_min <= 1:
            raise ConfigError(
                f"typology: gini_min must be in [0, 1] or None, got {self.gini_min}"
            )

    def to_dict(self) -> dict:
        return asdict(self)


#: Named presets. ``ipea2006``: IPEA's 2006 national mapping (microregions,
#: CNAE classes, RAIS employment, state as reference area).
PRESETS: dict[str, TypologyThresholds] = {
    "ipea2006": TypologyThresholds(),
}


def get_thresholds(preset: str = "ipea2006", **overrides) -> TypologyThresholds:
    """Return the thresholds of a preset, with some cut-offs overridden.

    >>> get_thresholds("ipea2006", ql_high=4).ql_high
    4
    """
    if preset not in PRESETS:
        raise ConfigError(
            f"unknown typology preset {preset!r}; valid presets: "
            f"{', '.join(sorted(PRESETS))}"
        )
    unknown = set(overrides) - set(TypologyThresholds.__dataclass_fields__)
    if unknown:
        raise ConfigError(
            f"unknown typology threshold(s) {', '.join(sorted(unknown))}; valid: "
            f"{', '.join(TypologyThresholds.__dataclass_fields__)}"
        )
    return replace(PRESETS[preset], **overrides)


# ------------------------------------------------------------- settings


@dataclass(frozen=True)
class Analysis:
    """What is measured and against what.

    ``denominator`` is the universe of E_j and E: ``"all"`` (every industry
    in the table), ``"manufacturing"`` (CNAE divisions 10-33) or a list of
    CNAE division codes. ``industries`` selects the analysed industries the
    same way (``"all"``, ``"manufacturing"`` or a list of industry codes).
    ``reference_area``: ``"study_area"`` (one reference for everything, e.g.
    a national mapping), ``"state"`` (each state its own reference area, as
    in the paper's state studies; LPS never cross a state border) or
    ``"both"`` (one result per reference area from one run).
    """

    size_measure: SizeMeasure = "employment"
    industry_level: IndustryLevel = "group"
    unit: Unit = "municipality"
    reference_area: ReferenceArea = "study_area"
    denominator: str | list[str] = "all"
    industries: str | list[str] = "all"


@dataclass(frozen=True)
class Typology:
    preset: str = "ipea2006"
    share_min: float | None = None
    share_high: float | None = None
    ql_min: float | None = None
    ql_high: float | None = None
    min_establishments: int | None = None
    gini_min: float | None = None

    def thresholds(self) -> TypologyThresholds:
        overrides = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name != "preset" and getattr(self, f.name) is not None
        }
        return get_thresholds(self.preset, **overrides)


@dataclass(frozen=True)
class Delineation:
    """How candidate (region, industry) pairs become LPS.

    ``contiguous``: contiguous candidates of one industry form one LPS.
    ``unit``: every candidate region is its own LPS (the original studies on
    microregions). Hot-spot members are regions in a significant Gi* hot spot
    or LISA High-High cluster with QL >= ``hotspot_ql_min``.
    """

    mode: DelineationMode | None = None  # default: contiguous, unit for groups
    use_hotspots: bool = True
    hotspot_ql_min: float = 1.0


@dataclass(frozen=True)
class Statistics:
    """Weights and inference settings of the spatial statistics.

    ``variable`` is the analysed variable (see :mod:`lps_geo.stats.variables`);
    ``threshold`` (metres) is the distance band; ``snap`` (metres) a snapping
    tolerance for contiguity; ``islands`` the policy for regions without
    neighbours; ``fdr_scope`` corrects per industry or across all industries;
    ``permutations`` is ``"auto"`` (sequential draws) or a fixed number;
    ``gi_null`` the null of Gi* (see :mod:`lps_geo.stats.spatial`).
    """

    weights: WeightsKind = "queen"
    k: int = 6
    threshold: float | None = None
    snap: float = 0.0
    islands: IslandPolicy = "attach"
    cache: bool = True
    variable: VariableKind = "ql"
    permutations: int | AutoPermutations = "auto"
    seed: int = 12345
    alpha: float = 0.05
    correction: Correction = "fdr"
    fdr_scope: FdrScope = "industry"
    engine: Engine = "numba"
    gi_null: GiNull = "total"


@dataclass(frozen=True)
class Capability:
    """Capability layers (used when ``[inputs.institutions]`` is given).

    ``distance``: radius in metres for "within" counts and the permutation
    test; ``index_weights``: weight of each institution type in the composite
    index; ``cell_size`` and ``bandwidth`` (metres; 0 = Silverman's rule) of
    the kernel-density surfaces; ``industry``: industry whose employment gets a
    surface (default: the map's focus industry).
    """

    distance: float = 50_000.0
    index_weights: dict | None = None
    permutations: int | AutoPermutations = "auto"
    surfaces: bool = True
    cell_size: float = 5_000.0
    bandwidth: float = 0.0
    industry: str | None = None


@dataclass(frozen=True)
class Characterisation:
    """What every LPS is made of (issue 14).

    Related industries (computed whenever the run has more than one
    industry): the industry x industry relatedness ``relatedness_method``
    over all regions of the run; an industry is related to an LPS's one when
    its relatedness is above ``min_relatedness`` (1 = as often co-located
    as chance under the default association strength), and present in the
    LPS when its QL over the members pooled is at least ``min_ql`` with at
    least ``min_establishments`` establishments there.

    Production structure (RAIS establishment microdata): lead establishments
    have at least ``lead_industry`` jobs in industry and construction,
    ``lead_services`` elsewhere; the structure label is ``lead_firm`` when
    they hold at least ``lead_share`` of the LPS's jobs, ``small_firm`` when
    there is none and micro and small establishments hold at least
    ``small_share``, ``core_ring`` otherwise.

    Suppliers and buyers (``[inputs.input_output]``): the ``suppliers`` main
    supplying and buying activities of each LPS's industry (goods suppliers
    only with ``goods_suppliers``: agriculture, mining and manufacturing),
    present when one of their industries has a QL of at least ``min_ql`` in
    a member or in a region within ``supplier_distance`` metres.
    """

    related: bool = True
    relatedness_method: RelatednessMethod = "association"
    min_relatedness: float = 1.3
    min_ql: float = 1.0
    min_establishments: int = 3
    lead_industry: int = 500
    lead_services: int = 100
    lead_share: float = 0.5
    small_share: float = 0.5
    suppliers: int = 5
    goods_suppliers: bool = True
    supplier_distance: float = 50_000.0


@dataclass(frozen=True)
class Output:
    """What is written. ``atlas_types``, ``atlas_industries`` and
    ``atlas_states`` choose the LPS that get an atlas page (empty: all); a
    national run has thousands of LPS, so its atlas is usually restricted."""

    maps: bool = True
    atlas: bool = True
    atlas_types: tuple[str, ...] = ()
    atlas_industries: tuple[str, ...] = ()
    atlas_states: tuple[str, ...] = ()
    page_size: PageSize = "A4"
    lang: Lang = "en"
    focus_industry: str | None = None
    source_note: str | None = None


@dataclass(frozen=True)
class Comparison:
    """A second period to compare with (see :mod:`lps_geo.method.compare`).

    ``size`` is the earlier period's size table, with the keys of
    ``[inputs.size]``; only ``path`` is required, every other key defaults to
    the value in ``[inputs.size]``. ``label_before`` / ``label_after`` name the
    periods (default: the two tables' file stems). ``growth`` / ``decline``:
    relative change of the lineage's size beyond which it is growing /
    declining (``decline`` defaults to ``growth``).
    """

    size: SizeInput
    label_before: str | None = None
    label_after: str | None = None
    growth: float = 0.10
    decline: float | None = None


@dataclass(frozen=True)
class Config:
    inputs: Inputs
    analysis: Analysis = field(default_factory=Analysis)
    typology: Typology = field(default_factory=Typology)
    delineation: Delineation = field(default_factory=Delineation)
    statistics: Statistics = field(default_factory=Statistics)
    capability: Capability = field(default_factory=Capability)
    characterisation: Characterisation = field(default_factory=Characterisation)
    output: Output = field(default_factory=Output)
    comparison: Comparison | None = None
    source: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-friendly dictionary (paths as strings)."""

        def clean(v):
            if isinstance(v, dict):
                return {k: clean(x) for k, x in v.items()}
            if isinstance(v, list | tuple):
                return [clean(x) for x in v]
            return str(v) if isinstance(v, Path) else v

        return clean(asdict(self))


def _did_you_mean(unknown: set[str], valid: Any) -> str:
    """`` (did you mean 'x' for 'y'?)`` for the unknown names close to a valid one."""
    close = {
        key: hit[0]
        for key in sorted(unknown)
        if (hit := difflib.get_close_matches(key, list(valid), n=1, cutoff=0.7))
    }
    return "".join(f" (did you mean {v!r} for {k!r}?)" for k, v in close.items())


def _build(cls, data: Any, where: str, base: Path | None):
    if not isinstance(data, dict):
        raise ConfigError(f"[{where}] must be a table, got {type(data).__name__}")
    names = {f.name: f for f in fields(cls)}
    unknown = set(data) - set(names)
    if unknown:
        raise ConfigError(
            f"unknown key(s) {', '.join(sorted(unknown))} in [{where}]"
            f"{_did_you_mean(unknown, names)}; valid keys: {', '.join(names)}"
        )
    kwargs = {}
    for name, value in data.items():
        kwargs[name] = _coerce(cls, names[name], value, f"{where}.{name}", base)
    try:
        return cls(**kwargs)
    except TypeError as exc:
        missing = [
            n
            for n, f in names.items()
            if n not in data and f.default is f.default_factory  # both MISSING
        ]
        raise ConfigError(
            f"[{where}] is missing required key(s): {', '.join(missing) or exc}"
        ) from None


_NESTED = {
    "boundaries": BoundariesInput,
    "size": SizeInput,
    "lookup": LookupInput,
    "institutions": InstitutionsInput,
    "input_output": InputOutputInput,
    "workers": WorkersInput,
    "population": PopulationInput,
}

#: Keys that hold paths (resolved against the configuration's folder).
_PATHS = {"path", "type_map", "correspondence", "places", "microregions"}


def _literal_of(cls: type, name: str) -> tuple | None:
    """The allowed values of a field typed with a :mod:`lps_geo.vocab` Literal
    (also inside ``X | None``), else None."""
    hint = _hints(cls).get(name)
    for candidate in (hint, *get_args(hint)):
        if get_origin(candidate) is Literal:
            return get_args(candidate)
    return None


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _coerce(cls, f, value, where: str, base: Path | None):
    if cls is Inputs and f.name in _NESTED:
        return _build(_NESTED[f.name], value, where, base)
    if cls is Inputs and f.name == "innovation":  # [[inputs.innovation]]
        tables = value if isinstance(value, list) else [value]
        return tuple(
            _build(InnovationInput, t, f"{where}[{i}]", base)
            for i, t in enumerate(tables)
        )
    if value == "" and f.default is None:  # README style: key = "" is unset
        return None
    if f.name in _PATHS or (cls is Inputs and f.name in ("cnae", "chains")):
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a path string, got {value!r}")
        p = Path(value).expanduser()
        return (base / p) if base is not None and not p.is_absolute() else p
    section, _, key = where.rpartition(".")
    if f.name == "permutations" and value != "auto":
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f'{where} must be "auto" or an integer, got {value!r}')
        return value
    hint = _hints(cls).get(f.name)
    if hint in (str, str | None) and not isinstance(value, str):
        raise ConfigError(f"[{section}] {key} must be a string, got {value!r}")
    if hint == float | None:  # typology cut-offs, comparison.decline
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ConfigError(f"[{section}] {key} must be a number, got {value!r}")
        return float(value)
    if f.name == "encoding":
        try:
            codecs.lookup(value)
        except LookupError:
            raise ConfigError(
                f"[{section}] encoding = {value!r} is not a known encoding; use "
                "e.g. 'utf-8', 'latin-1' or 'cp1252'"
            ) from None
    if f.name == "sheet":  # a sheet name or its 0-based number
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ConfigError(f"{where} must be a sheet name or number, got {value!r}")
        return value
    allowed = _literal_of(cls, f.name)
    if allowed is not None:
        if value not in allowed:
            raise ConfigError(
                f"{where} = {value!r} is not valid; choose one of "
                f"{', '.join(map(repr, allowed))}"
            )
        return value
    default = f.default
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(
            isinstance(v, str | int) and not isinstance(v, bool) for v in value
        ):
            raise ConfigError(f"{where} must be a list of codes, got {value!r}")
        return tuple(str(v) for v in value)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, got {value!r}")
    elif isinstance(default, int) and not isinstance(default, bool):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"{where} must be an integer, got {value!r}")
    elif isinstance(default, float):
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ConfigError(f"{where} must be a number, got {value!r}")
        value = float(value)
    return value


_SECTIONS = {
    "analysis": Analysis,
    "typology": Typology,
    "delineation": Delineation,
    "statistics": Statistics,
    "capability": Capability,
    "characterisation": Characterisation,
    "output": Output,
}


def config_from_dict(data: dict[str, Any], base: Path | None = None) -> Config:
    """Build and validate a :class:`Config` from nested dictionaries."""
    sections = ["inputs", *_SECTIONS, "comparison"]
    unknown = set(data) - set(sections)
    if unknown:
        raise ConfigError(
            f"unknown section(s) {', '.join(sorted(unknown))}"
            f"{_did_you_mean(unknown, sections)}; valid sections: "
            f"{', '.join(sections)}"
        )
    if "inputs" not in data:
        raise ConfigError("the configuration has no [inputs] section")
    inputs = _build(Inputs, data["inputs"], "inputs", base)
    kwargs = {
        name: _build(cls, data[name], name, base)
        for name, cls in _SECTIONS.items()
        if name in data
    }
    if "comparison" in data:
        kwargs["comparison"] = _comparison(data, inputs, base)
    cfg = Config(inputs=inputs, **kwargs)
    check_config(cfg)
    return cfg


def _comparison(data: dict[str, Any], inputs: Inputs, base: Path | None):
    """``[comparison]``: its ``size`` inherits every key it does not set from
    ``[inputs.size]``; the labels default to the tables' file stems."""
    raw = data["comparison"]
    if not isinstance(raw, dict):
        raise ConfigError(f"[comparison] must be a table, got {type(raw).__name__}")
    size = raw.get("size")
    if not isinstance(size, dict) or "path" not in size:
        raise ConfigError(
            "[comparison.size] needs a path (the earlier period's size table; "
            "its other keys default to those of [inputs.size])"
        )
    given = _build(SizeInput, size, "comparison.size", base)
    unset = [f.name for f in fields(SizeInput) if f.name not in size]
    inherited = {name: getattr(inputs.size, name) for name in unset}
    cmp = _build(
        Comparison, {**raw, "size": replace(given, **inherited)}, "comparison", base
    )
    if cmp.growth < 0 or (cmp.decline is not None and cmp.decline < 0):
        raise ConfigError(
            "comparison.growth and comparison.decline must be >= 0 (0.1 = 10 %), "
            f"got {cmp.growth}, {cmp.decline}"
        )
    return replace(
        cmp,
        label_before=cmp.label_before or Path(cmp.size.path).stem,
        label_after=cmp.label_after or Path(inputs.size.path).stem,
    )


def check_config(cfg: Config) -> None:
    """Validate a :class:`Config` value (also one changed with
    :func:`dataclasses.replace`, as the CLI's ``--seed`` does)."""
    s, c = cfg.statistics, cfg.capability
    for key, value, low, high in (
        ("statistics.seed", s.seed, 0, 2**32 - 1),  # numpy's seed range
        ("statistics.permutations", s.permutations, 0, 999_999),
        ("capability.permutations", c.permutations, 1, 999_999),
        ("statistics.k", s.k, 1, 10_000),
    ):
        if key.endswith("permutations") and value == "auto":
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not low <= value <= high
        ):
            raise ConfigError(f"{key} must be in {low}..{high}, got {value!r}")
    if s.engine == "esda" and (s.permutations == "auto" or s.gi_null == "total"):
        raise ConfigError(
            'statistics.engine = "esda" needs a whole number of permutations and '
            'gi_null = "conditional" or "analytic" (esda has neither sequential '
            "draws nor a total-permutation Gi*)"
        )
    if not 0 < s.alpha < 1:
        raise ConfigError(f"statistics.alpha must be in (0, 1), got {s.alpha}")
    if s.weights == "distance_band" and (s.threshold is None or s.threshold <= 0):
        raise ConfigError(
            "statistics.weights = 'distance_band' needs statistics.threshold "
            "(metres, > 0)"
        )
    if s.snap < 0:
        raise ConfigError(f"statistics.snap must be >= 0, got {s.snap}")
    if c.distance <= 0 or c.cell_size <= 0 or c.bandwidth < 0:
        raise ConfigError(
            "capability.distance and capability.cell_size must be > 0 and "
            f"capability.bandwidth >= 0, got {c.distance}, {c.cell_size}, "
            f"{c.bandwidth}"
        )
    if cfg.analysis.unit == "group" and cfg.inputs.lookup is None:
        raise ConfigError(
            "analysis.unit = 'group' needs an [inputs.lookup] table "
            "(municipality -> microregion or other grouping)"
        )
    cfg.typology.thresholds()  # validates preset and cut-offs
    check_selection(cfg.analysis.denominator, cfg.analysis.industries)
    check_index_weights(c.index_weights)
    check_innovation(cfg.inputs.innovation)
    ch = cfg.characterisation
    check_characterisation(
        ch.relatedness_method, ch.min_relatedness, ch.min_ql, ch.min_establishments
    )
    check_structure(ch.lead_industry, ch.lead_services, ch.lead_share, ch.small_share)
    if not 1 <= ch.suppliers <= 67 or ch.supplier_distance < 0:
        raise ConfigError(
            "characterisation.suppliers must be in 1..67 (activities of the "
            "input-output table) and characterisation.supplier_distance >= 0 "
            f"(metres), got {ch.suppliers}, {ch.supplier_distance}"
        )
    o = cfg.output
    check_atlas(
        o.atlas_types, o.atlas_states, o.atlas_industries, cfg.analysis.industry_level
    )


def check_innovation(tables: tuple[InnovationInput, ...]) -> None:
    """``[[inputs.innovation]]``: the keys each format needs."""
    for i, t in enumerate(tables):
        where = f"[[inputs.innovation]] {i + 1} ({t.path.name})"
        if t.format == "long" and (t.kind is None or t.system is None):
            raise ConfigError(
                f"{where}: format = 'long' needs kind (patents, publications) and "
                "system (ipc_section, ipc_class, wipo35, discipline, cnae_division)"
            )
        if t.format in ("inpi", "publications") and t.places is None:
            raise ConfigError(
                f"{where}: format = {t.format!r} needs places, the DTB list of "
                "municipalities (brasil-municipios.csv: id, id_microrregiao, nome)"
            )


def load_config(path: str | Path) -> Config:
    """Read a TOML configuration; relative paths resolve against its folder."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"configuration file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}: the file must be UTF-8; byte {exc.start} (line {line}) is "
            f"not UTF-8 ({exc.object[exc.start : exc.start + 1]!r}); save it as UTF-8"
        ) from None
    try:
        cfg = config_from_dict(data, base=path.resolve().parent)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return replace(cfg, source=path.resolve())
