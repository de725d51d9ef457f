"""The capability stage: institutions measured per unit and per LPS, tested, mapped.

Steps (ii) and (iii) of Suzigan, Furtado & Garcia (2006): counts and
distances of the support institutions per analysis unit and per LPS
(:mod:`lps_geo.method.capability`), the stratified permutation test of each
LPS's capability, the bivariate Local Moran of every industry's analysed
variable against the capability index, and the kernel-density surfaces
(:mod:`lps_geo.method.surfaces`) of the institutions and of the industry in
focus (:func:`lps_geo.method.focus.resolve_focus`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from lps_geo.config import Config
from lps_geo.io.inputs import Inputs
from lps_geo.method.analyse import Analysis
from lps_geo.method.capability import lps_capability, region_capability
from lps_geo.method.capability_test import capability_permutation_test
from lps_geo.method.focus import resolve_focus
from lps_geo.method.innovation import InnovationLayers, innovation_layers
from lps_geo.method.surfaces import institution_surfaces, region_value_surface
from lps_geo.result import Surface
from lps_geo.stats.bivariate import bivariate_local_moran
from lps_geo.stats.kde import bandwidth, make_grid
from lps_geo.stats.spatial import draws_summary

#: Columns of the permutation test in the ``lps_capability`` layer.
CAP_TEST_COLUMNS: tuple[str, ...] = (
    "cap_observed",
    "cap_expected",
    "cap_p_value",
    "cap_p_adj",
    "cap_draws",
)


@dataclass(frozen=True)
class CapabilityLayers:
    """What the capability stage adds to a run.

    ``regions``: capability columns per analysis unit (indexed by its code);
    ``lps``: the ``lps_capability`` layer; ``bivariate``: the ``cap_*``
    columns of the ``indicators`` layer (per region and industry);
    ``institutions``: the ``institutions`` layer; ``surfaces``: the density
    surfaces; ``report``: the ``capability`` block of the run report.
    """

    regions: pd.DataFrame
    lps: pd.DataFrame
    bivariate: pd.DataFrame
    institutions: gpd.GeoDataFrame
    surfaces: tuple[Surface, ...]
    report: Mapping[str, Any]


def unit_population(cfg: Config, inp: Inputs, a: Analysis) -> pd.Series | None:
    """Inhabitants per analysis unit (summed over a group's municipalities)."""
    population = inp.population
    if population is not None and cfg.analysis.unit == "group":
        population = population.groupby(a.unit_of.reindex(population.index)).sum()
    return population


def innovation_stage(
    cfg: Config, inp: Inputs, a: Analysis, lps: gpd.GeoDataFrame
) -> InnovationLayers:
    """The innovation outputs of ``inp`` linked to, and tested for, every LPS."""
    cp, st = cfg.capability, cfg.statistics
    return innovation_layers(
        inp.innovation,
        lps,
        a.members,
        a.units,
        unit_of=a.unit_of if cfg.analysis.unit == "group" else None,
        population=unit_population(cfg, inp, a),
        distance=cp.distance,
        permutations=cp.permutations,
        seed=st.seed,
        alpha=st.alpha,
        correction=st.correction,
    )


def capability_layers(
    cfg: Config,
    inp: Inputs,
    a: Analysis,
    lps: gpd.GeoDataFrame,
    industries: pd.DataFrame,
    innovation: InnovationLayers | None = None,
) -> CapabilityLayers:
    """Measure, test and map the institutions of ``inp`` against the LPS
    (with the innovation components of the index when ``innovation``)."""
    cp, st = cfg.capability, cfg.statistics
    inst, units, members = inp.institutions, a.units, a.members
    population = unit_population(cfg, inp, a)
    components = innovation.components if innovation is not None else None
    region_cap = region_capability(
        inst,
        units,
        population=population,
        distance=cp.distance,
        index_weights=cp.index_weights,
        components=components,
    )
    lps_by_id = lps.set_index("lps_id")
    lps_cap = lps_capability(
        inst,
        lps_by_id,
        members,
        units,
        distance=cp.distance,
        population=population,
        index_weights=cp.index_weights,
        components=components,
    )
    test = capability_permutation_test(
        inst,
        members,
        units,
        distance=cp.distance,
        permutations=cp.permutations,
        seed=st.seed,
        population=population,
        alpha=st.alpha,
        correction=st.correction,
    )
    tested = test.rename(
        columns={
            "observed": "cap_observed",
            "expected": "cap_expected",
            "p_value": "cap_p_value",
            "p_adj": "cap_p_adj",
            "draws": "cap_draws",
        }
    )
    lps_cap = lps_cap.join(tested[list(CAP_TEST_COLUMNS)])
    lps_cap.insert(
        0, "industry", lps_by_id["industry"].reindex(lps_cap.index).to_numpy()
    )
    lps_cap.index.name = "lps_id"
    lps_cap = lps_cap.reset_index()

    # every industry's analysed variable against the capability index
    graph = a.weights.graph
    index = region_cap["capability_index"].reindex(graph.unique_ids)
    X = a.X.reindex(graph.unique_ids)
    bv = bivariate_local_moran(
        X.fillna(0.0),
        index.fillna(index.mean()),
        graph,
        permutations=st.permutations,
        seed=st.seed,
        alpha=st.alpha,
        correction=st.correction,
    ).rename(columns=lambda col: "cap_" + col)

    surfaces, bw = _surfaces(cfg, inp, a, lps, industries)
    report = {
        "n_institutions": int(len(inst)),
        "by_type": {k: int(v) for k, v in inst["type"].value_counts().items()},
        "reader": inp.institutions_report.to_dict()
        if inp.institutions_report is not None
        else {},
        # significant after the correction over the LPS tested
        "lps_with_more_capability": int((lps_cap["cap_p_adj"] <= st.alpha).sum()),
        "lps_with_more_capability_uncorrected": int(
            (lps_cap["cap_p_value"] <= st.alpha).sum()
        ),
        "draws": draws_summary(
            test["draws"].to_numpy(), test.attrs.get("max_draws", 0)
        ),
        "mean_capability_index_lps": float(lps_cap["capability_index"].mean())
        if len(lps_cap)
        else None,
        "surfaces": sorted(s.name for s in surfaces),
        "parameters": {
            "distance_m": cp.distance,
            "index_weights": cp.index_weights,
            "permutations": cp.permutations,
            "alpha": st.alpha,
            "correction": st.correction,
            "cell_size_m": cp.cell_size,
            "bandwidth_m": round(float(bw), 1) if bw is not None else None,
            "bandwidth_rule": "given" if cp.bandwidth else "silverman",
        },
    }
    return CapabilityLayers(
        regions=region_cap,
        lps=lps_cap,
        bivariate=bv.reset_index(),
        institutions=inst.reset_index(),
        surfaces=surfaces,
        report=report,
    )


def _surfaces(
    cfg: Config,
    inp: Inputs,
    a: Analysis,
    lps: gpd.GeoDataFrame,
    industries: pd.DataFrame,
) -> tuple[tuple[Surface, ...], float | None]:
    """The density surfaces of the institutions (all, then by type) and of the
    industry in focus, on one grid and with one bandwidth (Silverman's rule on
    the institutions unless given), padded so kernels are not cut off."""
    cp = cfg.capability
    if not cp.surfaces:
        return (), None
    inst, units = inp.institutions, a.units
    mask = units.geometry.union_all()
    bw = cp.bandwidth or bandwidth(inst, cell_size=cp.cell_size)
    grid = make_grid(units.total_bounds, cell_size=cp.cell_size, crs=units.crs, pad=bw)
    out = [
        Surface(f"institutions_{name}", arr, grid, name)
        for name, arr in institution_surfaces(
            inst, grid, bandwidth=bw, mask=mask
        ).items()
    ]
    size = a.emp if a.emp is not None else a.E
    layers = _Layers(lps=lps, industries=industries)
    focus = resolve_focus(layers, cp.industry or cfg.output.focus_industry)
    if focus is not None and focus in size.columns:
        arr = region_value_surface(size[focus], units, grid, bandwidth=bw, mask=mask)
        out.append(
            Surface(f"employment_{focus.replace('.', '_')}", arr, grid, "employment")
        )
    return tuple(out), bw


@dataclass(frozen=True)
class _Layers:
    """The two layers the focus rule reads, before the Result exists."""

    lps: pd.DataFrame
    industries: pd.DataFrame
