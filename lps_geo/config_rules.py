"""Configuration rules that span several values.

Industry selections, the capability index weights, the atlas filters and the
thresholds of the characterisation.

Kept apart from :mod:`lps_geo.config` (which defines the settings and reads
TOML) and below it: these functions take plain values, so the settings
module calls them and nothing here needs the settings classes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, get_args

from lps_geo.errors import ConfigError
from lps_geo.vocab import INSTITUTION_TYPES, TYPES, IndustrySelection

#: Canonical CNAE 2.0 codes by level: division ``15``, group ``15.3``, class
#: ``15.31-9``.
_CNAE_CODE = {
    "division": re.compile(r"^\d{2}$"),
    "group": re.compile(r"^\d{2}\.\d$"),
    "class": re.compile(r"^\d{2}\.\d{2}-\d$"),
}
_SELECTIONS = get_args(IndustrySelection)


def check_selection(denominator: Any, industries: Any) -> None:
    """``analysis.denominator`` and ``analysis.industries``: a selection name
    or a non-empty list of CNAE codes."""
    for key, spec in (("denominator", denominator), ("industries", industries)):
        if isinstance(spec, str) and spec in _SELECTIONS:
            continue
        if (
            isinstance(spec, list)
            and spec
            and all(isinstance(v, str | int) and not isinstance(v, bool) for v in spec)
        ):
            continue
        raise ConfigError(
            f"analysis.{key} must be 'all', 'manufacturing' or a list of CNAE "
            f"codes, got {spec!r}"
        )


#: Default weights of the components of the capability index: every type 1,
#: "other" 0.5, the density component (used only with a population) 1, and
#: each innovation component (patents, publications within reach; used only
#: with innovation outputs) 1.
DEFAULT_INDEX_WEIGHTS: dict[str, float] = {
    **{t: 1.0 for t in INSTITUTION_TYPES},
    "other": 0.5,
    "density": 1.0,
    # innovation outputs within reach (used only with [[inputs.innovation]])
    "patents": 1.0,
    "publications": 1.0,
}


def merged_index_weights(index_weights: Mapping[str, float] | None) -> dict[str, float]:
    """Defaults updated by the user's weights (validated)."""
    merged = dict(DEFAULT_INDEX_WEIGHTS)
    if index_weights is None:
        return merged
    valid = list(DEFAULT_INDEX_WEIGHTS)
    unknown = [k for k in index_weights if k not in valid]
    if unknown:
        raise ConfigError(
            f"index_weights: unknown keys {', '.join(map(repr, unknown))}; valid keys "
            f"are {', '.join(valid)}"
        )
    for key, value in index_weights.items():
        try:
            v = float(value)
        except (TypeError, ValueError):
            v = float("nan")
        if not math.isfinite(v) or v < 0:
            raise ConfigError(f"index_weights[{key!r}]={value!r} is not a number >= 0")
        merged[key] = v
    if sum(merged[t] for t in INSTITUTION_TYPES) <= 0:
        raise ConfigError(
            "index_weights: every institution type has weight 0; give at least "
            "one type a positive weight"
        )
    return merged


def check_index_weights(weights: dict | None) -> None:
    """``capability.index_weights``: a table of known keys and weights >= 0."""
    if weights is not None and not isinstance(weights, dict):
        raise ConfigError(f"capability.index_weights must be a table, got {weights!r}")
    try:
        merged_index_weights(weights)
    except ConfigError as exc:
        raise ConfigError(f"capability.{exc}") from None


def check_atlas(
    atlas_types: tuple[str, ...],
    atlas_states: tuple[str, ...],
    atlas_industries: tuple[str, ...],
    level: str,
) -> None:
    """The atlas filters, so that a typo does not end a finished run."""
    bad = [t for t in atlas_types if t not in TYPES]
    if bad:
        raise ConfigError(
            f"output.atlas_types: unknown LPS type(s) {', '.join(map(repr, bad))}; "
            f"valid: {', '.join(TYPES)}"
        )
    bad = [s for s in atlas_states if not (len(s) == 2 and s.isdigit())]
    if bad:
        raise ConfigError(
            "output.atlas_states: state codes must be two digits (IBGE, e.g. '35' "
            f"for SP), got {', '.join(map(repr, bad))}"
        )
    bad = [c for c in atlas_industries if not _CNAE_CODE[level].match(c)]
    if bad:
        example = {"division": "15", "group": "15.3", "class": "15.31-9"}[level]
        raise ConfigError(
            f"output.atlas_industries: {', '.join(map(repr, bad))} is not a CNAE "
            f"{level} code as the analysis writes them (analysis.industry_level = "
            f"{level!r}, e.g. {example!r})"
        )


#: Relatedness methods whose values exceed 1 (association strengths, chance
#: level 1); every other method is at most 1 (similarities, correlations).
_UNBOUNDED_METHODS = ("association", "prob")


def check_characterisation(
    method: str, min_relatedness: Any, min_ql: Any, min_establishments: Any
) -> None:
    """``[characterisation]`` thresholds: finite numbers, a relatedness
    threshold the method can exceed, QL >= 0 and a whole number of
    establishments >= 0."""
    if not math.isfinite(min_relatedness):
        raise ConfigError(
            f"characterisation.min_relatedness must be a finite number, got "
            f"{min_relatedness!r}"
        )
    if method not in _UNBOUNDED_METHODS and min_relatedness >= 1:
        raise ConfigError(
            f"characterisation.min_relatedness = {min_relatedness} cannot be "
            f"exceeded by relatedness_method = {method!r}, whose values are at "
            "most 1; set a lower threshold (e.g. 0.2 for a correlation)"
        )
    if not (math.isfinite(min_ql) and min_ql >= 0):
        raise ConfigError(f"characterisation.min_ql must be >= 0, got {min_ql!r}")
    if (
        isinstance(min_establishments, bool)
        or not isinstance(min_establishments, int)
        or min_establishments < 0
    ):
        raise ConfigError(
            "characterisation.min_establishments must be a whole number >= 0, got "
            f"{min_establishments!r}"
        )


def check_structure(
    lead_industry: Any, lead_services: Any, lead_share: Any, small_share: Any
) -> None:
    """``[characterisation]`` structure rule: whole-number cut-offs >= 1 and
    shares in (0, 1]."""
    for name, value in (
        ("lead_industry", lead_industry),
        ("lead_services", lead_services),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(
                f"characterisation.{name} must be a whole number of jobs >= 1, got "
                f"{value!r}"
            )
    for name, value in (("lead_share", lead_share), ("small_share", small_share)):
        if not 0 < value <= 1:
            raise ConfigError(
                f"characterisation.{name} must be in (0, 1], got {value!r}"
            )
