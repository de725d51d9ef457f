"""Which industries a run analyses, against which denominator and reference areas."""

from __future__ import annotations

import pandas as pd

from lps_geo.config import Config
from lps_geo.errors import ConfigError

#: CNAE 2.0 divisions of manufacturing (section C).
MANUFACTURING_DIVISIONS: tuple[str, ...] = tuple(f"{d:02d}" for d in range(10, 34))


def select_industries(codes: pd.Index, spec: str | list[str], what: str) -> pd.Index:
    """The industry codes of ``codes`` that a selection keeps.

    ``spec`` is ``"all"``, ``"manufacturing"`` (CNAE divisions 10-33) or a list
    of industry or division codes; ``what`` names the setting in errors.

    >>> codes = pd.Index(["10.1", "15.3", "47.1"])
    >>> select_industries(codes, "manufacturing", "industries").tolist()
    ['10.1', '15.3']
    >>> select_industries(codes, ["47"], "industries").tolist()
    ['47.1']
    """
    if spec == "all":
        return codes
    if spec == "manufacturing":
        keep = [c for c in codes if str(c)[:2] in MANUFACTURING_DIVISIONS]
    elif isinstance(spec, list):
        wanted = [str(x) for x in spec]
        keep = [c for c in codes if c in wanted or str(c)[:2] in wanted]
        unknown = [
            w
            for w in wanted
            if w not in codes and not any(str(c)[:2] == w for c in codes)
        ]
        if unknown:
            raise ConfigError(
                f"analysis.{what} names industries absent from the data: "
                f"{', '.join(unknown[:5])}"
            )
    else:
        raise ConfigError(
            f"analysis.{what} must be 'all', 'manufacturing' or a list of CNAE "
            f"codes, got {spec!r}"
        )
    if not keep:
        raise ConfigError(f"analysis.{what} = {spec!r} selects no industry")
    return pd.Index(keep, name="industry")


def reference_areas(cfg: Config) -> tuple[str, ...]:
    """The reference areas a configuration asks for, in run order.

    ``"both"`` means each state as its own reference area (the paper's state
    studies) and the whole study area (a national mapping), in one run.
    """
    ra = cfg.analysis.reference_area
    return ("state", "study_area") if ra == "both" else (ra,)


def reference_of(regions: pd.Index, reference_area: str) -> pd.Series:
    """The reference area of each region: its state (the first two digits of
    the code) or ``"study_area"``.

    >>> reference_of(pd.Index(["3516200", "4314902"]), "state").tolist()
    ['35', '43']
    """
    if reference_area == "state":
        return pd.Series(regions.str[:2], index=regions, name="reference_area")
    return pd.Series("study_area", index=regions, name="reference_area")
