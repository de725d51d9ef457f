"""Build the synthetic demo study area in memory, step by step from one seed.

The steps, each in its own module: the outline, municipal cells, metro area
and regional hubs (:mod:`lps_geo.demo.geography`); the planted systems'
sites (:mod:`lps_geo.demo.planted`); population and baseline employment
(:mod:`lps_geo.demo.economy`); the planted employment solve; names, codes and
microregions (:mod:`lps_geo.demo.names`); the self-check; and the support
institutions (:mod:`lps_geo.demo.institutions`). Every step draws from the
same generator in a fixed order, so a seed gives the same data every time.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Polygon

from lps_geo.demo.economy import draw_employment, draw_population
from lps_geo.demo.geography import (
    CRS,
    adjacency_matrix,
    build_mesh,
    metro_area,
    microregion_codes,
    microregions,
    regional_hubs,
)
from lps_geo.demo.industries import GROUP_CODES
from lps_geo.demo.innovation import draw_patents
from lps_geo.demo.institutions import place_institutions
from lps_geo.demo.microdata import (
    STRUCTURES,
    draw_establishments,
    draw_workers,
    structure_of,
    workforce_of,
)
from lps_geo.demo.names import invent_names, municipality_codes
from lps_geo.demo.planted import (
    check_planted,
    make_plan,
    place_sites,
    plant_systems,
    size_planted_towns,
)
from lps_geo.demo.related import plant_related
from lps_geo.errors import ConfigError

#: Default seed (the paper's year, 2006, followed by 1).
DEFAULT_SEED = 20061
#: Default number of municipalities.
DEFAULT_N = 500
#: Allowed range of ``n_municipalities``.
N_RANGE = (300, 700)
#: Industries of the worker records: those of the LPS with a planted
#: production structure.
WORKER_GROUPS = tuple(sorted({"21.2", "32.1"}))


@dataclass(frozen=True)
class DemoData:
    """Every table of the demo, before writing.

    Attributes
    ----------
    municipalities
        GeoDataFrame (EPSG:5880) with ``CD_MUN``, ``NM_MUN``, ``CD_MICRO``,
        ``POP``, ``METRO``, ``CAPITAL``, sorted by ``CD_MUN``.
    microregions
        ``cod_ibge``, ``cod_micro``, ``nome_micro``.
    employment
        Municipality x group matrix of jobs (int), index ``CD_MUN``.
    establishments
        Municipality x group matrix of establishments (int).
    institutions
        GeoDataFrame of points: ``name``, ``type``, ``cod_ibge``.
    planted
        List of planted LPS records (see ``planted.json``).
    incidental
        Chance candidates that pass the filters and are not planted.
    outline
        The state outline (shapely Polygon).
    seed
        The seed the data were built from.
    microdata
        One row per establishment (:func:`lps_geo.demo.microdata.draw_establishments`):
        ``cod_ibge``, ``group``, ``cnae_class``, ``jobs``, ``negative``.
    workers
        One row per job of :data:`WORKER_GROUPS`
        (:func:`lps_geo.demo.microdata.draw_workers`).
    related
        The planted related-industry pairs (see ``planted.json``).
    """

    municipalities: gpd.GeoDataFrame
    microregions: pd.DataFrame
    employment: pd.DataFrame
    establishments: pd.DataFrame
    institutions: gpd.GeoDataFrame
    planted: list
    incidental: list
    outline: Polygon
    seed: int
    microdata: pd.DataFrame | None = None
    workers: pd.DataFrame | None = None
    related: list | None = None
    patents: pd.DataFrame | None = None


def build_demo(seed: int = DEFAULT_SEED, n_municipalities: int = DEFAULT_N) -> DemoData:
    """Build the synthetic study area in memory (see :mod:`lps_geo.demo`).

    Parameters
    ----------
    seed
        Seed of :func:`numpy.random.default_rng`; everything follows from it.
    n_municipalities
        Number of municipalities, 300-700.

    Returns
    -------
    DemoData

    Raises
    ------
    ConfigError
        ``n_municipalities`` out of range.
    LpsGeoError
        The self-check failed for this seed (try another seed).
    """
    if not N_RANGE[0] <= n_municipalities <= N_RANGE[1]:
        raise ConfigError(
            f"demo: n_municipalities must be in {N_RANGE[0]}-{N_RANGE[1]}, got "
            f"{n_municipalities}"
        )
    rng = np.random.default_rng(seed)
    n = n_municipalities

    # --- geometry, metro, planted sites, regional hubs ------------------------
    mesh = build_mesh(rng, n, seed)
    metro = metro_area(mesh)
    site_of, blocked = place_sites(rng, mesh, metro)
    hubs = regional_hubs(rng, mesh, blocked)

    # --- population and baseline employment -----------------------------------
    pop = draw_population(rng, mesh.comp, metro[1:11], metro[11:], hubs)
    size_planted_towns(rng, pop, site_of, metro)
    emp, plant_size = draw_employment(rng, pop)

    # --- planted solve ----------------------------------------------------------
    plan = make_plan(rng, site_of, mesh.nb, plant_size)
    pop = pop.astype(float)
    adj = adjacency_matrix(mesh.nb)
    emp, pop, est, allowed = plant_systems(rng, emp, pop, plant_size, plan, adj)
    emp, est, related = plant_related(
        seed, emp, plant_size, plan.est_floor, plan.site_of["lps01"], allowed, adj
    )

    # --- codes, names, microregions -------------------------------------------
    names = invent_names(rng, n)
    serial = municipality_codes(names)
    micro = microregions(rng, mesh)
    micro_code, micro_name = microregion_codes(micro, mesh.cent, pop, names)

    pop_int = np.rint(pop).astype(np.int64)
    metro_flag = np.zeros(n, dtype=np.int64)
    metro_flag[metro] = 1
    cap_flag = np.zeros(n, dtype=np.int64)
    cap_flag[0] = 1
    gdf = gpd.GeoDataFrame(
        {
            "CD_MUN": serial.astype(str),
            "NM_MUN": names,
            "CD_MICRO": micro_code[micro].astype(str),
            "POP": pop_int,
            "METRO": metro_flag,
            "CAPITAL": cap_flag,
        },
        geometry=mesh.cells,
        crs=CRS,
    )
    row_order = np.argsort(gdf["CD_MUN"].to_numpy())
    code_of = gdf["CD_MUN"].to_numpy()
    emp_df = pd.DataFrame(
        emp.astype(np.int64),
        index=pd.Index(code_of, name="CD_MUN"),
        columns=pd.Index(list(GROUP_CODES), name="cnae_grupo"),
    )
    est_df = pd.DataFrame(
        est.astype(np.int64), index=emp_df.index, columns=emp_df.columns
    )
    microregions_df = pd.DataFrame(
        {
            "cod_ibge": code_of,
            "cod_micro": micro_code[micro].astype(str),
            "nome_micro": micro_name[micro].astype(str),
        }
    ).sort_values("cod_ibge", ignore_index=True)

    # --- planted truth & self-check, institutions -------------------------------
    planted, incidental = check_planted(
        emp, est, plan, allowed, adj, code_of, names, seed
    )
    inst = place_institutions(rng, mesh, pop, names, code_of, metro, hubs, site_of)
    for p in planted:
        rows = site_of[p["id"]]
        p["institutions_in_members"] = int(
            np.isin(inst["cod_ibge"], code_of[rows]).sum()
        )

    gdf = gdf.iloc[row_order].reset_index(drop=True)
    patents = draw_patents(
        seed, gdf["CD_MUN"].to_numpy(), gdf["POP"].to_numpy(), planted
    )
    employment, establishments = emp_df.sort_index(), est_df.sort_index()

    # --- microdata: establishments and worker records ---------------------------
    micro = draw_establishments(seed, employment, establishments, planted)
    workers = draw_workers(seed, micro, WORKER_GROUPS)
    for p in planted:
        p.update(structure_of(micro, p["members"], p["industry"]))
        # planted, unless this seed's tables leave no room for it
        p["structure_planted"] = (
            p["id"] in STRUCTURES and p["structure"] == STRUCTURES[p["id"]]["structure"]
        )
        if p["structure_planted"]:
            p["structure_description"] = STRUCTURES[p["id"]]["description"]
        if p["industry"] in WORKER_GROUPS:
            p["workforce"] = workforce_of(workers, p["members"], p["industry"])
            p["industry_workforce"] = workforce_of(workers, None, p["industry"])
    return DemoData(
        municipalities=gdf,
        microregions=microregions_df,
        employment=employment,
        establishments=establishments,
        institutions=inst,
        planted=planted,
        incidental=incidental,
        outline=mesh.outline,
        seed=seed,
        microdata=micro,
        workers=workers,
        patents=patents,
        related=related,
    )
