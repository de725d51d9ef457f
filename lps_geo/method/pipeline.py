"""The one orchestrator: configuration -> inputs -> analysis -> layers -> Result.

Data flows one way: the inputs are read and validated once
(:func:`lps_geo.io.inputs.read_inputs`), each reference area is analysed
(:func:`lps_geo.method.analyse.analyse`) on one shared weights graph, its
layers are assembled (:mod:`lps_geo.method.assemble`), the capability stage
runs when institutions are given (:mod:`lps_geo.method.capability_layers`),
an earlier period is compared when ``[comparison]`` asks for it, and
everything is returned as frozen :class:`~lps_geo.result.Result` values.
Nothing here writes files (see :func:`lps_geo.outputs.write_outputs`).
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from lps_geo.config import Config, load_config
from lps_geo.errors import ConfigError, InputFixWarning, LpsGeoWarning
from lps_geo.io._util import format_items
from lps_geo.io.inputs import Inputs, cnae_titles, industries_of, read_inputs, read_size
from lps_geo.io.tables import SizeTables
from lps_geo.method.analyse import Weights, analyse
from lps_geo.method.assemble import (
    indicator_layer,
    industry_layer,
    lps_layer,
    unit_layers,
)
from lps_geo.method.capability_layers import capability_layers, innovation_stage
from lps_geo.method.characterise import (
    production_structure,
    related_industries,
    relatedness_of,
    workforce,
)
from lps_geo.method.compare import compare_periods
from lps_geo.method.report import run_metadata, run_report
from lps_geo.method.select import reference_areas, select_industries
from lps_geo.method.supply import lps_suppliers
from lps_geo.result import Result
from lps_geo.vocab import STAGES, Stage

log = logging.getLogger(__name__)

#: ``progress(stage, i, n)``: called as each of the :data:`~lps_geo.vocab.STAGES`
#: starts (``stage`` carries the reference area when a run has several).
Progress = Callable[[str, int, int], None]


class Stages:
    """Times the :data:`~lps_geo.vocab.STAGES` by name and forwards each start
    to the progress callback."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.label = ""  # the reference area, when a run has several
        self.timings: dict[str, float] = {}
        self.t = time.perf_counter()

    def reset(self) -> None:
        self.timings = {}
        self.t = time.perf_counter()

    def _close(self, i: int) -> None:
        now = time.perf_counter()
        if i > 0:
            self.timings[STAGES[i - 1]] = round(now - self.t, 3)
        self.t = now

    def __call__(self, name: Stage) -> None:
        """Stage ``name`` starts (the one before it ends)."""
        i = STAGES.index(name)
        self._close(i)
        shown = f"{name} [{self.label}]" if self.label and i else name
        log.info("stage %d/%d: %s", i + 1, len(STAGES), shown)
        if self.progress is not None:
            self.progress(shown, i, len(STAGES))

    def end(self) -> None:
        """The last stage ends."""
        self._close(len(STAGES))


def _silent(name: Stage) -> None:
    """A stage callback that reports nothing (the earlier period)."""


@dataclass
class _Shared:
    """What one run computes once for all its analyses: the weights graph of
    the analysis units and the earlier period's size tables."""

    weights: Weights | None = None
    earlier: SizeTables | None = None
    #: the run's industry x industry relatedness (the same for every
    #: reference area: computed over all units); False until computed
    relatedness: pd.DataFrame | None | bool = False


def run(config: Config | str | Path, progress: Progress | None = None) -> Result:
    """Run the whole method on the inputs a configuration names.

    Parameters
    ----------
    config
        A :class:`~lps_geo.config.Config` or the path of a TOML file.
    progress
        Optional callback ``progress(stage, i, n)`` called as each of the
        :data:`~lps_geo.vocab.STAGES` starts (the CLI draws it on stderr).

    Returns
    -------
    Result

    Raises
    ------
    ConfigError
        When the configuration asks for ``reference_area = "both"``: that
        gives one result per reference area, use :func:`run_all`.
    """
    cfg = load_config(config) if not isinstance(config, Config) else config
    if len(reference_areas(cfg)) > 1:
        raise ConfigError(
            "analysis.reference_area = 'both' gives one result per reference "
            "area; call lps_geo.run_all(config) (a dict of results) instead of run"
        )
    return run_all(cfg, progress)[cfg.analysis.reference_area]


def run_all(
    config: Config | str | Path, progress: Progress | None = None
) -> dict[str, Result]:
    """Run the method once per reference area, reading the inputs once.

    Returns
    -------
    dict
        Reference area (``"state"`` or ``"study_area"``) -> :class:`Result`,
        in the order of :func:`~lps_geo.method.select.reference_areas`. The
        weights graph (and the earlier period's table of a ``[comparison]``)
        serve every area.
    """
    cfg = load_config(config) if not isinstance(config, Config) else config
    wlist: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as wlist:
            warnings.simplefilter("always", LpsGeoWarning)
            results = _run_areas(cfg, progress)
    finally:
        # the warnings come out before the error of a failed run: the first
        # cause is often among them (dropped geometries, rows outside the area)
        caught = _reissue(wlist)
    return {
        area: replace(r, report=replace(r.report, warnings=caught))
        for area, r in results.items()
    }


def _run_areas(cfg: Config, progress: Progress | None) -> dict[str, Result]:
    """Read the inputs once and analyse them for each reference area."""
    areas = reference_areas(cfg)
    t0 = time.perf_counter()
    results: dict[str, Result] = {}
    stage = Stages(progress)
    stage("read inputs")
    inputs = read_inputs(cfg)
    check_output_industries(cfg, inputs)
    read_s = None
    shared = _Shared()
    for area in areas:
        scfg = replace(cfg, analysis=replace(cfg.analysis, reference_area=area))
        if len(areas) > 1:
            stage.label = area
        stage("indicators")
        result = analyse_period(scfg, inputs, stage, shared)
        stage.end()
        if read_s is None:
            read_s = stage.timings.get("read inputs", 0.0)
        timings = {**stage.timings, "read inputs": read_s}
        if scfg.comparison is not None:
            if progress is not None:
                name = f"comparison with {scfg.comparison.label_before}"
                progress(
                    f"{name} [{stage.label}]" if stage.label else name,
                    len(STAGES) - 1,
                    len(STAGES),
                )
            tc = time.perf_counter()
            result = with_comparison(scfg, inputs, result, shared)
            timings["comparison"] = round(time.perf_counter() - tc, 3)
        timings["total"] = round(time.perf_counter() - t0, 3)
        stage.reset()
        results[area] = replace(
            result, report=replace(result.report, timings_s=timings)
        )
    return results


def check_output_industries(cfg: Config, inp: Inputs) -> None:
    """The industries the outputs name, checked once the inputs are read and
    before the analysis: ``[output] focus_industry`` and ``[capability]
    industry`` must be analysed industries (else an error); ``[output]
    atlas_industries`` entries that are not are left out with a warning (an
    error when none is analysed)."""
    codes = pd.Index(industries_of(inp))
    if not len(codes):
        return
    a = cfg.analysis
    analysed = select_industries(codes, a.denominator, "denominator")
    if a.industries != "all":
        analysed = select_industries(codes, a.industries, "industries")
    known = [str(c) for c in analysed]
    where = f"{cfg.source}: " if cfg.source is not None else ""
    choose = f"choose one of {format_items(sorted(known))}"
    for key, value in (
        ("[output] focus_industry", cfg.output.focus_industry),
        ("[capability] industry", cfg.capability.industry),
    ):
        if value is not None and str(value) not in known:
            raise ConfigError(
                f"{where}{key} = {value!r} is not an analysed industry; {choose}"
            )
    atlas = cfg.output.atlas_industries
    missing = [c for c in atlas if c not in known]
    if missing and len(missing) == len(atlas):
        raise ConfigError(
            f"{where}[output] atlas_industries: none of {format_items(missing)} is "
            f"an analysed industry, the atlas would be empty; {choose}"
        )
    if missing:
        warnings.warn(
            f"{where}[output] atlas_industries: {format_items(missing)} not "
            f"analysed, left out of the atlas (analysed: {format_items(known)})",
            InputFixWarning,
            stacklevel=2,
        )


def _reissue(wlist: list[warnings.WarningMessage]) -> tuple[str, ...]:
    """Warn again what the run caught (once each: the second reference area
    repeats the first's), and list lps_geo's own warnings for the report."""
    caught: list[str] = []
    seen: set[tuple] = set()
    for w in wlist:
        key = (w.category, str(w.message))
        if key in seen:
            continue
        seen.add(key)
        if issubclass(w.category, LpsGeoWarning):
            caught.append(f"{w.category.__name__}: {w.message}")
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return tuple(caught)


def analyse_period(
    cfg: Config,
    inp: Inputs,
    stage: Callable[[Stage], None],
    shared: _Shared | None = None,
) -> Result:
    """One period and reference area, from validated inputs to a Result."""
    shared = shared if shared is not None else _Shared()
    a = analyse(cfg, inp, stage, weights=shared.weights)
    shared.weights = a.weights
    # the LPS polygons and attributes are still delineation
    indicators = indicator_layer(a)
    lps = lps_layer(a, inp.titles, cfg.output.lang)
    industries = industry_layer(a, lps, inp.titles)
    if shared.relatedness is False:
        shared.relatedness = relatedness_of(cfg, a)
    related = related_industries(cfg, a, shared.relatedness, inp.titles)
    lps["relatedness_density"] = (
        related.density.reindex(lps["lps_id"]).to_numpy() if related else np.nan
    )
    stage("capability")
    inno = innovation_stage(cfg, inp, a, lps) if inp.innovation else None
    cap = None
    if inp.institutions is not None:
        cap = capability_layers(cfg, inp, a, lps, industries, inno)
        indicators = indicators.merge(
            cap.bivariate, on=["region", "industry"], how="left"
        )
    stage("assemble")
    unit_columns = [
        part.regions for part in (cap, inno) if part is not None
    ]  # capability and innovation columns of the units' layer
    mun, regions = unit_layers(
        inp,
        a,
        cfg.analysis.unit == "group",
        pd.concat(unit_columns, axis=1) if unit_columns else None,
    )
    cap_report = dict(cap.report) if cap else None
    if inno is not None:
        cap_report = {**(cap_report or {}), "innovation": dict(inno.report)}
    if cap_report is not None and inp.population_report is not None:
        cap_report["population"] = inp.population_report.to_dict()
    report = run_report(cfg, inp, a, lps, indicators, cap_report)
    structure = production_structure(cfg, inp, a)
    supply = lps_suppliers(cfg, inp, a)
    work = workforce(inp, a)
    block = {
        name: part.report
        for name, part in (
            ("related", related),
            ("structure", structure),
            ("suppliers", supply),
            ("workers", work),
        )
        if part is not None
    }
    if block:
        report = replace(report, characterisation=block)
    return Result(
        municipalities=mun,
        indicators=indicators,
        industries=industries,
        lps=lps,
        lps_members=a.members[["lps_id", "region", "industry", "via"]],
        metadata=run_metadata(cfg, a, report),
        report=report,
        regions=regions,
        institutions=cap.institutions if cap is not None else None,
        lps_capability=cap.lps if cap is not None else None,
        surfaces=cap.surfaces if cap is not None else (),
        lps_related=related.lps_related if related is not None else None,
        relatedness=related.relatedness if related is not None else None,
        lps_structure=structure.lps_structure if structure is not None else None,
        lps_suppliers=supply.lps_suppliers if supply is not None else None,
        lps_workers=work.lps_workers if work is not None else None,
        lps_innovation=inno.lps if inno is not None else None,
    )


def with_comparison(
    cfg: Config, inp: Inputs, result: Result, shared: _Shared | None = None
) -> Result:
    """Run the earlier period of ``[comparison]`` on the same boundaries and
    weights, and attach the ``lps_change`` layer and a report block."""
    shared = shared if shared is not None else _Shared(weights=None)
    cp = cfg.comparison
    if shared.earlier is None:  # read once for every reference area
        shared.earlier = read_size(
            cp.size,
            cfg.analysis.industry_level,
            inp.cnae,
            inp.boundaries,
            section="comparison.size",
            boundaries_report=inp.boundaries_report,
            boundaries_column=cfg.inputs.boundaries.code_column,
        )
    tables = shared.earlier
    titles = {**cnae_titles(inp.cnae, industries_of(tables)), **inp.titles}
    earlier = replace(
        inp,
        employment=tables.employment,
        establishments=tables.establishments,
        titles=titles,
        institutions=None,  # capability is a property of the later period
        innovation=(),
        size_distribution=None,  # and so is the production structure
    )
    cfg_b = replace(
        cfg,
        inputs=replace(cfg.inputs, size=cp.size),
        comparison=None,
        # the characterisation describes the later period
        characterisation=replace(cfg.characterisation, related=False),
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LpsGeoWarning)
        before = analyse_period(cfg_b, earlier, _silent, shared)
    for w in caught:  # re-issued, naming the period
        warnings.warn(f"{cp.label_before}: {w.message}", w.category, stacklevel=2)
    change = compare_periods(
        before,
        result,
        growth=cp.growth,
        decline=cp.decline,
        labels=(cp.label_before, cp.label_after),
        lang=cfg.output.lang,
    )
    block = {
        **change.summary.to_dict(),
        "size_before": str(cp.size.path),
        "n_lps_before": int(len(before.lps)),
        "n_lps_after": int(len(result.lps)),
    }
    size_before = str(cp.size.path)
    return replace(
        result,
        report=replace(result.report, comparison=block),
        metadata=replace(
            result.metadata,
            inputs={**result.metadata.inputs, "comparison_size": size_before},
        ),
        lps_change=change.layer,
    )
