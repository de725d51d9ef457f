"""Place the demo's support institutions: most in the metro, some at planted LPS.

Universities, federal institutes, technical schools, research centres and
technology parks are drawn with probabilities that grow with population;
some are placed on purpose at planted systems, and two planted systems
(``lps06``, ``lps09``) are left without any nearby, as capability gaps.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point

from lps_geo.demo.geography import CRS, Mesh
from lps_geo.vocab import INSTITUTION_TYPES, InstitutionType

#: Institution types of ``institutions.shp``: the taxonomy without ``other``.
DEMO_INSTITUTION_TYPES: tuple[InstitutionType, ...] = tuple(
    t for t in INSTITUTION_TYPES if t != "other"
)

#: Number drawn at random and exponent of population in their weights, by type.
_DRAWS: dict[InstitutionType, tuple[int, float]] = {
    "university": (34, 1.2),
    "federal_institute": (16, 0.6),
    "technical_school": (62, 1.0),
    "research_centre": (20, 1.6),
    "technology_park": (6, 2.0),
}

#: Name templates by type (``{}`` is the municipality's name).
_TEMPLATES: dict[InstitutionType, tuple[str, ...]] = {
    "university": (
        "Universidade Estadual de {}",
        "Centro Universitário de {}",
        "Faculdade de Tecnologia de {}",
        "Universidade Federal de {}",
    ),
    "federal_institute": ("Instituto Federal, Campus {}",),
    "technical_school": (
        "Escola Técnica Estadual de {}",
        "Centro de Formação Profissional de {}",
    ),
    "research_centre": (
        "Centro de Pesquisa Tecnológica de {}",
        "Laboratório de Ensaios de {}",
        "Centro de Pesquisa Agropecuária de {}",
    ),
    "technology_park": ("Parque Tecnológico de {}", "Incubadora de Empresas de {}"),
}


def place_institutions(
    rng: np.random.Generator,
    mesh: Mesh,
    pop: np.ndarray,
    names: list[str],
    codes: np.ndarray,
    metro: list[int],
    hubs: list[int],
    site_of: dict[str, list[int]],
) -> gpd.GeoDataFrame:
    """Institution points: ``name``, ``type``, ``cod_ibge`` (EPSG:5880).

    Sorted by code, type and name; a repeated name gets a Roman numeral.
    """
    cells, points, nb = mesh.cells, mesh.points, mesh.nb
    n = len(cells)
    gap = set()
    for pid in ("lps06", "lps09"):  # clusters left without support
        for j in site_of[pid]:
            gap |= {j} | nb[j]
    weights_base = np.asarray(pop, float).copy()
    weights_base[list(gap)] = 0.0
    picks: list[tuple[int, str]] = []
    # deliberate ones near planted clusters
    picks += [
        (site_of["lps01"][0], "technical_school"),
        (site_of["lps01"][1], "technical_school"),
        (site_of["lps01"][0], "university"),
        (site_of["lps07"][0], "technical_school"),
        (site_of["lps02"][0], "technical_school"),
        (site_of["lps05"][0], "federal_institute"),
        (0, "research_centre"),
        (0, "technology_park"),
        (metro[1], "technology_park"),
        (hubs[0], "technology_park"),
    ]
    for typ in DEMO_INSTITUTION_TYPES:
        k, expo = _DRAWS[typ]
        w = weights_base**expo
        if typ == "federal_institute":
            w = np.where(np.isin(np.arange(n), metro), w * 0.05, w)
        w = w / w.sum()
        picks += [(int(j), typ) for j in rng.choice(n, size=k, p=w)]
    rows = []
    used: dict[str, int] = {}
    for j, typ in picks:
        cell = cells[j]
        inner = cell.buffer(-50)
        sd = np.sqrt(shapely.area(cell)) / 6
        for _ in range(200):
            x, y = rng.normal(points[j, 0], sd), rng.normal(points[j, 1], sd)
            if shapely.contains_xy(inner, x, y):
                break
        else:  # pragma: no cover
            pt = cell.point_on_surface()
            x, y = pt.x, pt.y
        tpl = _TEMPLATES[typ][int(rng.integers(len(_TEMPLATES[typ])))]
        name = tpl.format(names[j])
        used[name] = used.get(name, 0) + 1
        if used[name] > 1:
            name = f"{name} {_roman(used[name])}"
        rows.append((name, typ, str(codes[j]), round(x, 2), round(y, 2)))
    df = pd.DataFrame(rows, columns=["name", "type", "cod_ibge", "x", "y"])
    df = df.sort_values(["cod_ibge", "type", "name"], ignore_index=True)
    geom = [Point(x, y) for x, y in zip(df["x"], df["y"], strict=True)]
    return gpd.GeoDataFrame(df[["name", "type", "cod_ibge"]], geometry=geom, crs=CRS)


def _roman(k: int) -> str:
    """Roman numeral of ``k`` from 2 to 8 (the number itself beyond)."""
    return {2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI", 7: "VII", 8: "VIII"}.get(
        k, str(k)
    )
