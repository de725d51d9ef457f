"""Synthetic demo data: a state-like study area with planted local production systems.

Everything this module writes is **synthetic**. It invents a state (IBGE code
19 does not exist), its municipalities, populations, formal employment and
establishments in 40 real CNAE 2.0 groups, and a register of support
institutions, and it *plants* local production systems (LPS) of the four types
of Suzigan, Furtado & Garcia (2006, section 4.2) so that the method of
:mod:`lps_geo` has a known answer to recover. No number in the output describes
a real place.

The generator is deterministic: the same ``seed`` and ``n_municipalities``
give byte-identical files (coordinates are snapped to a 1 cm grid, CSV and
JSON are written with fixed formats, and the date that the dBASE format keeps
in bytes 1-3 of every ``.dbf`` header is overwritten with
:data:`DBF_HEADER_DATE`).

How the data are built
----------------------
1. **Outline.** A rotated, perturbed ellipse of about 500 x 350 km in SIRGAS
   2000 / Brazil Polyconic (EPSG:5880), centred where a south-eastern Brazilian
   state would be (x 5.0e6-5.5e6 m, y 7.3e6-7.7e6 m, i.e. about 54-49 W,
   24-21 S).
2. **Municipalities.** Voronoi cells of seeded points clipped to the outline.
   Points are dense around a metropolitan core and along three corridors and
   sparse in the interior, so areas differ by far more than 30 times.
3. **Codes and names.** IBGE-style 7-digit codes ``19`` + 4-digit serial +
   check digit (:func:`ibge_check_digit`), serials in alphabetical order of
   invented Portuguese-sounding names.
4. **Microregions.** 20-40 contiguous groups grown over queen adjacency.
5. **Population.** Log-normal and heavy-tailed; a capital of 2.6-3.4 million
   with ten large contiguous suburbs; interior towns of 2 thousand to 300
   thousand.
6. **Employment and establishments.** Gamma-Poisson draws per municipality and
   CNAE group around population x national weight; manufacturing groups are
   absent from most small towns. Establishments follow from a typical plant
   size per group.
7. **Planted LPS.** Ten agglomerations of all four types; their employment is
   solved so that their aggregate share of the industry and location quotient
   hit set targets, against the whole state with employment in all 40 groups
   as the denominator. Neighbours of members are held below QL 1 in the
   planted group, so hot spots do not spill over. Manufacturing cells that
   would pass the filters by chance are capped below the share filter,
   except a handful of weak embryos kept for realism (listed in
   ``planted.json``), and contiguous municipalities with QL >= 3 in a group
   whose aggregate would pass the filters are capped at QL 2.5.
8. **Self-check.** The planted types are recomputed from the rounded tables
   and verified with :func:`lps_geo.method.typology.classify`.

Run ``python -m lps_geo.demo OUT_DIR [--seed N] [--overwrite]``.
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import json
import logging
import struct
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lps_geo.config import get_thresholds
from lps_geo.errors import ConfigError, InputError, LpsGeoError, OutputExistsError
from lps_geo.method.typology import classify, passes_filters

log = logging.getLogger(__name__)

#: Default seed (the paper's year, 2006, followed by 1).
DEFAULT_SEED = 20061
#: Default number of municipalities.
DEFAULT_N = 500
#: Allowed range of ``n_municipalities``.
N_RANGE = (300, 700)
#: Projected CRS of every layer (SIRGAS 2000 / Brazil Polyconic).
CRS = "EPSG:5880"
#: The invented state's IBGE code (no Brazilian state has it).
STATE_CODE = "19"
#: Fixed date written into bytes 1-3 of each ``.dbf`` header (YY-1900, MM, DD).
DBF_HEADER_DATE = (2006, 1, 1)
#: Coordinates are snapped to this grid (metres).
GRID = 0.01

#: Files written by :func:`generate_demo`, in writing order.
FILES: tuple[str, ...] = (
    "municipalities.shp",
    "municipalities.shx",
    "municipalities.dbf",
    "municipalities.prj",
    "municipalities.cpg",
    "institutions.shp",
    "institutions.shx",
    "institutions.dbf",
    "institutions.prj",
    "institutions.cpg",
    "microregions.csv",
    "employment_long.csv",
    "establishments_wide.csv",
    "cnae_groups.csv",
    "planted.json",
    "README.md",
)

#: Institution types of ``institutions.shp``.
INSTITUTION_TYPES: tuple[str, ...] = (
    "university",
    "federal_institute",
    "technical_school",
    "research_centre",
    "technology_park",
)

# ---------------------------------------------------------------------------
# CNAE 2.0 groups (titles typed from IBGE/CONCLA, "Estrutura detalhada da
# CNAE 2.0"). Columns: code, official title, national weight (share of formal
# employment among these 40 groups, invented but plausible), typical
# establishment size (jobs), urban affinity (-1 rural, 0 neutral, +1 urban).
# ---------------------------------------------------------------------------
_GROUPS: tuple[tuple[str, str, float, float, int], ...] = (
    ("10.1", "Abate e fabricação de produtos de carne", 3.2, 120, -1),
    ("10.5", "Laticínios", 1.0, 35, -1),
    ("10.7", "Fabricação e refino de açúcar", 1.2, 350, -1),
    ("10.9", "Fabricação de outros produtos alimentícios", 2.0, 14, 0),
    ("11.1", "Fabricação de bebidas alcoólicas", 0.5, 45, 0),
    ("13.2", "Tecelagem, exceto malha", 0.6, 40, 0),
    ("14.1", "Confecção de artigos do vestuário e acessórios", 2.8, 12, 0),
    ("15.1", "Curtimento e outras preparações de couro", 0.35, 35, -1),
    ("15.3", "Fabricação de calçados", 1.2, 25, 0),
    ("15.4", "Fabricação de partes para calçados, de qualquer material", 0.35, 15, 0),
    (
        "16.2",
        "Fabricação de produtos de madeira, cortiça e material trançado, exceto móveis",
        0.7,
        12,
        -1,
    ),
    (
        "17.3",
        "Fabricação de embalagens de papel, cartolina, papel-cartão e papelão ondulado",
        0.7,
        45,
        1,
    ),
    ("18.1", "Atividade de impressão", 0.7, 8, 1),
    (
        "20.6",
        "Fabricação de sabões, detergentes, produtos de limpeza, cosméticos, "
        "produtos de perfumaria e de higiene pessoal",
        0.7,
        25,
        1,
    ),
    ("21.2", "Fabricação de produtos farmacêuticos", 0.8, 90, 1),
    ("22.2", "Fabricação de produtos de material plástico", 2.2, 25, 1),
    (
        "23.3",
        "Fabricação de artefatos de concreto, cimento, fibrocimento, gesso e "
        "materiais semelhantes",
        0.9,
        10,
        0,
    ),
    ("23.4", "Fabricação de produtos cerâmicos", 0.7, 20, -1),
    ("24.5", "Fundição", 0.5, 35, 0),
    (
        "25.1",
        "Fabricação de estruturas metálicas e obras de caldeiraria pesada",
        0.8,
        15,
        0,
    ),
    (
        "25.9",
        "Fabricação de produtos de metal não especificados anteriormente",
        1.3,
        12,
        1,
    ),
    ("26.1", "Fabricação de componentes eletrônicos", 0.35, 60, 1),
    ("26.2", "Fabricação de equipamentos de informática e periféricos", 0.35, 50, 1),
    ("27.5", "Fabricação de eletrodomésticos", 0.5, 150, 1),
    (
        "28.3",
        "Fabricação de tratores e de máquinas e equipamentos para a agricultura e "
        "pecuária",
        0.6,
        40,
        -1,
    ),
    ("29.1", "Fabricação de automóveis, camionetas e utilitários", 1.0, 800, 1),
    ("29.4", "Fabricação de peças e acessórios para veículos automotores", 2.0, 60, 1),
    ("31.0", "Fabricação de móveis", 1.3, 12, 0),
    ("32.1", "Fabricação de artigos de joalheria, bijuteria e semelhantes", 0.3, 8, 0),
    (
        "32.5",
        "Fabricação de instrumentos e materiais para uso médico e odontológico e de "
        "artigos ópticos",
        0.45,
        15,
        1,
    ),
    ("41.2", "Construção de edifícios", 5.0, 14, 0),
    ("45.2", "Manutenção e reparação de veículos automotores", 2.6, 5, 0),
    (
        "46.3",
        "Comércio atacadista especializado em produtos alimentícios, bebidas e fumo",
        2.5,
        12,
        1,
    ),
    ("47.1", "Comércio varejista não-especializado", 7.5, 20, 0),
    (
        "47.8",
        "Comércio varejista de produtos novos não especificados anteriormente e de "
        "produtos usados",
        8.5,
        5,
        0,
    ),
    ("49.3", "Transporte rodoviário de carga", 5.0, 10, 0),
    ("56.1", "Restaurantes e outros serviços de alimentação e bebidas", 7.0, 6, 0),
    ("62.0", "Atividades dos serviços de tecnologia da informação", 2.8, 12, 1),
    ("85.1", "Educação infantil e ensino fundamental", 6.0, 30, 0),
    ("86.1", "Atividades de atendimento hospitalar", 7.0, 70, 1),
)

#: CNAE 2.0 division titles (IBGE/CONCLA, as printed: upper case).
_DIVISIONS: dict[str, str] = {
    "10": "FABRICAÇÃO DE PRODUTOS ALIMENTÍCIOS",
    "11": "FABRICAÇÃO DE BEBIDAS",
    "13": "FABRICAÇÃO DE PRODUTOS TÊXTEIS",
    "14": "CONFECÇÃO DE ARTIGOS DO VESTUÁRIO E ACESSÓRIOS",
    "15": "PREPARAÇÃO DE COUROS E FABRICAÇÃO DE ARTEFATOS DE COURO, ARTIGOS PARA "
    "VIAGEM E CALÇADOS",
    "16": "FABRICAÇÃO DE PRODUTOS DE MADEIRA",
    "17": "FABRICAÇÃO DE CELULOSE, PAPEL E PRODUTOS DE PAPEL",
    "18": "IMPRESSÃO E REPRODUÇÃO DE GRAVAÇÕES",
    "20": "FABRICAÇÃO DE PRODUTOS QUÍMICOS",
    "21": "FABRICAÇÃO DE PRODUTOS FARMOQUÍMICOS E FARMACÊUTICOS",
    "22": "FABRICAÇÃO DE PRODUTOS DE BORRACHA E DE MATERIAL PLÁSTICO",
    "23": "FABRICAÇÃO DE PRODUTOS DE MINERAIS NÃO-METÁLICOS",
    "24": "METALURGIA",
    "25": "FABRICAÇÃO DE PRODUTOS DE METAL, EXCETO MÁQUINAS E EQUIPAMENTOS",
    "26": "FABRICAÇÃO DE EQUIPAMENTOS DE INFORMÁTICA, PRODUTOS ELETRÔNICOS E ÓPTICOS",
    "27": "FABRICAÇÃO DE MÁQUINAS, APARELHOS E MATERIAIS ELÉTRICOS",
    "28": "FABRICAÇÃO DE MÁQUINAS E EQUIPAMENTOS",
    "29": "FABRICAÇÃO DE VEÍCULOS AUTOMOTORES, REBOQUES E CARROCERIAS",
    "31": "FABRICAÇÃO DE MÓVEIS",
    "32": "FABRICAÇÃO DE PRODUTOS DIVERSOS",
    "41": "CONSTRUÇÃO DE EDIFÍCIOS",
    "45": "COMÉRCIO E REPARAÇÃO DE VEÍCULOS AUTOMOTORES E MOTOCICLETAS",
    "46": "COMÉRCIO POR ATACADO, EXCETO VEÍCULOS AUTOMOTORES E MOTOCICLETAS",
    "47": "COMÉRCIO VAREJISTA",
    "49": "TRANSPORTE TERRESTRE",
    "56": "ALIMENTAÇÃO",
    "62": "ATIVIDADES DOS SERVIÇOS DE TECNOLOGIA DA INFORMAÇÃO",
    "85": "EDUCAÇÃO",
    "86": "ATIVIDADES DE ATENÇÃO À SAÚDE HUMANA",
}

# ---------------------------------------------------------------------------
# Planted LPS. kind: "scaled" = the members' other employment is rescaled so
# that share and QL both hit their targets; "metro" = members are fixed
# (capital and suburbs), the share is solved so that QL hits its target.
# site: "capital", "capital+2" (capital and its two largest adjacent suburbs)
# or "interior" (n contiguous towns away from the metro).
# ---------------------------------------------------------------------------
_PLANTS: tuple[dict, ...] = (
    {
        "id": "lps01",
        "industry": "15.3",
        "type": "center",
        "site": "interior",
        "n": 5,
        "share": 0.50,
        "ql": 16.0,
        "description": "Footwear center of five contiguous interior towns "
        "(modelled on Franca-type footwear systems).",
    },
    {
        "id": "lps02",
        "industry": "32.1",
        "type": "center",
        "site": "interior",
        "n": 1,
        "share": 0.36,
        "ql": 30.0,
        "description": "Jewellery and costume-jewellery specialist town.",
    },
    {
        "id": "lps03",
        "industry": "21.2",
        "type": "advanced_vector",
        "site": "capital+2",
        "n": 3,
        "share": None,
        "ql": 1.6,
        "description": "Pharmaceuticals in the capital and two adjacent suburbs: "
        "large for the industry, diluted in a diversified metropolitan economy.",
    },
    {
        "id": "lps04",
        "industry": "26.1",
        "type": "advanced_vector",
        "site": "capital",
        "n": 1,
        "share": None,
        "ql": 1.8,
        "description": "Electronic components in the capital.",
    },
    {
        "id": "lps05",
        "industry": "31.0",
        "type": "local_vector",
        "site": "interior",
        "n": 3,
        "share": 0.13,
        "ql": 9.0,
        "description": "Furniture cluster A: three contiguous interior towns.",
    },
    {
        "id": "lps06",
        "industry": "31.0",
        "type": "local_vector",
        "site": "interior",
        "n": 2,
        "share": 0.10,
        "ql": 10.0,
        "description": "Furniture cluster B: two contiguous interior towns, far "
        "from cluster A and without support institutions.",
    },
    {
        "id": "lps07",
        "industry": "23.4",
        "type": "local_vector",
        "site": "interior",
        "n": 1,
        "share": 0.15,
        "ql": 16.0,
        "description": "Ceramics (bricks and tiles) town.",
    },
    {
        "id": "lps08",
        "industry": "14.1",
        "type": "embryo",
        "site": "interior",
        "n": 1,
        "share": 0.035,
        "ql": 2.5,
        "description": "Apparel in a regional service town.",
    },
    {
        "id": "lps09",
        "industry": "28.3",
        "type": "embryo",
        "site": "interior",
        "n": 2,
        "share": 0.06,
        "ql": 3.5,
        "description": "Agricultural machinery in two contiguous farm towns, "
        "without support institutions.",
    },
    {
        "id": "lps10",
        "industry": "10.5",
        "type": "embryo",
        "site": "interior",
        "n": 1,
        "share": 0.03,
        "ql": 3.0,
        "description": "Dairy products in a mid-sized interior town.",
    },
)

#: Maximum number of chance manufacturing embryos left in the baseline.
_MAX_INCIDENTAL = 6

# Name parts for invented municipalities.
_NOUNS_M = (
    "Campo",
    "Monte",
    "Rio",
    "Porto",
    "Ribeirão",
    "Passo",
    "Pouso",
    "Morro",
    "Vale",
    "Capão",
    "Arroio",
    "Cerro",
    "Salto",
    "Retiro",
    "Pontal",
    "Jardim",
    "Bom Retiro",
    "Alto",
)
_NOUNS_F = (
    "Serra",
    "Lagoa",
    "Barra",
    "Cachoeira",
    "Ponte",
    "Pedra",
    "Palmeira",
    "Vila",
    "Vargem",
    "Colina",
    "Várzea",
    "Fazenda",
    "Ilha",
    "Aldeia",
    "Estrela",
    "Mata",
)
_SAINTS = (
    "São José",
    "São Pedro",
    "São João",
    "São Sebastião",
    "São Francisco",
    "São Miguel",
    "São Bento",
    "São Lourenço",
    "São Tomé",
    "São Jorge",
    "São Vicente",
    "São Gonçalo",
    "Santa Rita",
    "Santa Luzia",
    "Santa Cruz",
    "Santa Bárbara",
    "Santa Helena",
    "Santa Clara",
    "Santa Inês",
    "Santa Teresa",
    "Santo Antônio",
    "Santo Amaro",
    "Santo Inácio",
    "Santo Expedito",
    "Bom Jesus",
    "Boa Esperança",
    "Nossa Senhora Aparecida",
    "Divino",
)
_ADJ = (
    ("Alegre", "Alegre"),
    ("Verde", "Verde"),
    ("Grande", "Grande"),
    ("Bonito", "Bonita"),
    ("Claro", "Clara"),
    ("Dourado", "Dourada"),
    ("Formoso", "Formosa"),
    ("Real", "Real"),
    ("Azul", "Azul"),
    ("Fundo", "Funda"),
    ("Largo", "Larga"),
    ("Novo", "Nova"),
    ("Bravo", "Brava"),
    ("Alto", "Alta"),
)
_OF = (
    "do Campo",
    "das Flores",
    "da Serra",
    "do Sul",
    "do Oeste",
    "do Norte",
    "dos Pinhais",
    "das Palmeiras",
    "da Mata",
    "do Paraíso",
    "das Pedras",
    "do Sertão",
    "das Águas",
    "da Estrela",
    "do Ouro",
    "da Prata",
    "dos Campos",
    "do Bugre",
    "da Cruz",
    "do Livramento",
    "da Aldeia",
    "das Antas",
    "do Jacaré",
    "das Garças",
    "da Saudade",
    "do Pinhal",
    "das Laranjeiras",
    "do Cedro",
    "dos Ipês",
    "da Colina",
    "do Retiro",
    "das Missões",
    "do Mirante",
    "da Figueira",
    "do Tigre",
    "das Araras",
    "do Riacho",
    "da Várzea",
    "do Lajeado",
    "dos Coqueiros",
    "do Capim",
    "das Candeias",
    "do Turvo",
    "da Boa Vista",
    "do Bananal",
    "das Almas",
)
_NOVA = (
    "Nova Esperança",
    "Nova Aurora",
    "Nova Fátima",
    "Nova Prata",
    "Nova Canaã",
    "Nova Olinda",
    "Nova Londrina",
    "Nova Aliança",
    "Nova Europa",
    "Nova Guarita",
    "Novo Horizonte",
    "Novo Oriente",
    "Novo Itacolomi",
    "Novo Cabrais",
    "Novo Planalto",
    "Novo Triunfo",
)
_TUPI_A = (
    "Ita",
    "Ibi",
    "Ara",
    "Guara",
    "Pira",
    "Jaci",
    "Ubi",
    "Jura",
    "Tapi",
    "Buri",
    "Cara",
    "Ipo",
    "Mogi",
    "Taqua",
    "Ibira",
)
_TUPI_B = (
    "tiba",
    "poranga",
    "guaçu",
    "mirim",
    "porã",
    "juba",
    "rema",
    "tinga",
    "cema",
    "quara",
    "peva",
    "cica",
    "tuba",
    "jara",
    "una",
)

_PARTICLES = {
    "de",
    "do",
    "da",
    "dos",
    "das",
    "e",
    "em",
    "para",
    "a",
    "o",
    "à",
    "ao",
    "com",
    "por",
    "na",
    "no",
}


# ---------------------------------------------------------------------------
# Small public helpers
# ---------------------------------------------------------------------------
def ibge_check_digit(code6: str) -> int:
    """Check digit of an IBGE municipality code from its first six digits.

    The digits are weighted 1, 2, 1, 2, 1, 2; the digits of each product are
    summed (12 counts as 1 + 2) and the check digit is
    ``(10 - total % 10) % 10`` (IBGE's modulus-10 rule).

    Parameters
    ----------
    code6
        The first six digits (state code + municipal serial).

    Returns
    -------
    int
        The seventh digit.

    Examples
    --------
    >>> ibge_check_digit("351620")  # Franca, SP: 3516200
    0
    >>> ibge_check_digit("350010")  # Adamantina, SP: 3500105
    5
    """
    if len(code6) != 6 or not code6.isdigit():
        raise InputError(f"ibge_check_digit: need exactly six digits, got {code6!r}")
    total = 0
    for k, ch in enumerate(code6):
        p = int(ch) * (1 if k % 2 == 0 else 2)
        total += p // 10 + p % 10
    return (10 - total % 10) % 10


def rais_title(title: str) -> str:
    """Title-case a CNAE title the way RAIS table headers do.

    Every word is capitalised except short Portuguese particles; each part of
    a hyphenated word is capitalised.

    Examples
    --------
    >>> rais_title("Fabricação de calçados")
    'Fabricação de Calçados'
    >>> rais_title("Tecelagem, exceto malha")
    'Tecelagem, Exceto Malha'
    """
    words = []
    for w in title.split(" "):
        if w.lower() in _PARTICLES and words:
            words.append(w.lower())
        else:
            words.append("-".join(p[:1].upper() + p[1:] for p in w.split("-")))
    return " ".join(words)


def cnae_groups() -> pd.DataFrame:
    """The 40 CNAE 2.0 groups of the demo, with their division.

    Returns
    -------
    DataFrame
        Columns ``code`` (``"NN.N"``), ``title``, ``division`` (``"NN"``),
        ``division_title`` (as IBGE prints it, upper case).

    Examples
    --------
    >>> g = cnae_groups()
    >>> len(g), g.loc[g.code == "15.3", "title"].item()
    (40, 'Fabricação de calçados')
    """
    rows = [(c, t, c[:2], _DIVISIONS[c[:2]]) for c, t, *_ in _GROUPS]
    return pd.DataFrame(rows, columns=["code", "title", "division", "division_title"])


# ---------------------------------------------------------------------------
# Geometry
# ---------------------------------------------------------------------------
def _snap(geoms):
    import shapely

    return shapely.set_precision(geoms, GRID)


def _outline(rng: np.random.Generator):
    """Rotated, perturbed ellipse of about 500 x 350 km (EPSG:5880 metres)."""
    from shapely.geometry import Polygon

    n = 720
    theta = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    r = np.ones(n)
    for k in range(2, 8):
        r += rng.uniform(0.012, 0.05) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    # smoothed random walk for a ragged, river-like border
    noise = rng.normal(0.0, 1.0, n)
    kernel = np.exp(-0.5 * (np.arange(-12, 13) / 4.0) ** 2)
    kernel /= kernel.sum()
    padded = np.concatenate([noise[-12:], noise, noise[:12]])
    smooth = np.convolve(padded, kernel, mode="valid")
    r += 0.035 * smooth / smooth.std()
    alpha = rng.uniform(-0.25, 0.25)
    a, b = 250_000.0, 175_000.0
    cx, cy = 5_250_000.0, 7_500_000.0
    x0, y0 = a * r * np.cos(theta), b * r * np.sin(theta)
    x = cx + x0 * np.cos(alpha) - y0 * np.sin(alpha)
    y = cy + x0 * np.sin(alpha) + y0 * np.cos(alpha)
    poly = Polygon(np.column_stack([x, y]))
    return _snap(poly), (cx, cy, a, b, alpha)


def _seed_points(rng, outline, frame, n):
    """Municipal seats: metro cluster, three corridors, sparse interior.

    Returns coordinates (n, 2) and a component label per point
    (0 capital, 1 metro, 2 corridor, 3 interior). Point 0 is the capital.
    """
    import shapely

    cx, cy, a, b, alpha = frame
    ca, sa = np.cos(alpha), np.sin(alpha)

    def local(u, v):  # ellipse-frame offsets -> map coordinates
        return cx + u * ca - v * sa, cy + u * sa + v * ca

    inner = outline.buffer(-40_000)
    mx, my = local(0.45 * a, -0.35 * b)
    while not shapely.contains_xy(inner, mx, my):
        mx, my = cx + 0.8 * (mx - cx), cy + 0.8 * (my - cy)
    ends = []
    for ang in (np.pi * 0.98, np.pi * 0.80, np.pi * 0.58):
        ex, ey = local(0.82 * a * np.cos(ang), 0.82 * b * np.sin(ang))
        ends.append((ex, ey))
    pts = [(mx, my)]
    comp = [0]
    probs = np.array([0.10, 0.38, 0.52])
    dmin = 2_500.0
    tries = 0
    while len(pts) < n:
        tries += 1
        if tries > 200 * n:  # pragma: no cover - geometry too small
            raise LpsGeoError("demo: could not place municipal seats; try another seed")
        c = rng.choice(3, p=probs)
        if c == 0:
            px, py = rng.normal(mx, 28_000.0), rng.normal(my, 28_000.0)
            d = 3_500.0
        elif c == 1:
            ex, ey = ends[rng.integers(3)]
            t = rng.uniform(0.12, 1.0)
            dx, dy = ex - mx, ey - my
            length = np.hypot(dx, dy)
            off = rng.normal(0.0, 9_000.0)
            px = mx + t * dx - off * dy / length
            py = my + t * dy + off * dx / length
            d = 7_000.0
        else:
            px = rng.uniform(cx - 1.2 * a, cx + 1.2 * a)
            py = rng.uniform(cy - 1.2 * a, cy + 1.2 * a)
            d = 11_000.0
        if not shapely.contains_xy(outline, px, py):
            continue
        arr = np.asarray(pts)
        dist = np.hypot(arr[:, 0] - px, arr[:, 1] - py).min()
        if dist < max(d, dmin):
            continue
        pts.append((px, py))
        comp.append(c + 1)
    return np.asarray(pts), np.asarray(comp)


def _cells(points, outline):
    """Voronoi cells of ``points`` clipped to ``outline`` (a clean coverage)."""
    import shapely
    from shapely.geometry import MultiPoint

    vor = shapely.voronoi_polygons(
        MultiPoint(points), extend_to=outline.buffer(100_000), ordered=True
    )
    cells = np.asarray(shapely.get_parts(vor))
    cells = shapely.intersection(cells, outline)
    # a cell cut into pieces by a concave border keeps its largest piece; the
    # other pieces join the neighbour they share most boundary with
    for i, g in enumerate(cells):
        if g.geom_type != "Polygon":
            parts = sorted(
                (p for p in shapely.get_parts(g) if p.geom_type == "Polygon"),
                key=lambda p: -p.area,
            )
            cells[i] = parts[0]
            for p in parts[1:]:
                shared = shapely.length(shapely.intersection(cells, p.boundary))
                shared[i] = -1
                j = int(np.argmax(shared))
                cells[j] = shapely.union(cells[j], p)
    return _snap(cells)


def _queen(cells) -> list[set[int]]:
    import shapely

    tree = shapely.STRtree(cells)
    left, right = tree.query(cells, predicate="intersects")
    nb: list[set[int]] = [set() for _ in range(len(cells))]
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i != j:
            nb[i].add(j)
    return nb


def _grow_connected(start, nb, order_key, k, allowed):
    """Grow a connected set of ``k`` cells from ``start`` by smallest key."""
    members = [start]
    inset = {start}
    heap = [(order_key[j], j) for j in nb[start] if j in allowed]
    heapq.heapify(heap)
    while len(members) < k and heap:
        _, j = heapq.heappop(heap)
        if j in inset:
            continue
        members.append(j)
        inset.add(j)
        for m in nb[j]:
            if m not in inset and m in allowed:
                heapq.heappush(heap, (order_key[m], m))
    return members


# ---------------------------------------------------------------------------
# Names and codes
# ---------------------------------------------------------------------------
def _fold(s: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)
    ).lower()


def _names(rng, n):
    pool = []
    for nm in _NOUNS_M:
        pool += [f"{nm} {m}" for m, _ in _ADJ if m != nm]
    for nm in _NOUNS_F:
        pool += [f"{nm} {f}" for _, f in _ADJ]
    for nm in _NOUNS_M + _NOUNS_F + _SAINTS:
        pool += [f"{nm} {o}" for o in _OF]
    pool += list(_SAINTS) + list(_NOVA)
    pool += [a + b for a in _TUPI_A for b in _TUPI_B]
    pool = sorted(set(pool))
    out, seen = [], set()
    for k in rng.permutation(len(pool)):
        key = _fold(pool[k])
        if key not in seen:
            seen.add(key)
            out.append(pool[k])
        if len(out) == n:
            break
    return out


# ---------------------------------------------------------------------------
# The build
# ---------------------------------------------------------------------------
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
    """

    municipalities: object
    microregions: pd.DataFrame
    employment: pd.DataFrame
    establishments: pd.DataFrame
    institutions: object
    planted: list
    incidental: list
    outline: object
    seed: int


def _jobs_per_capita(pop):
    return np.clip(0.14 + 0.035 * np.log(np.asarray(pop, float) / 5_000.0), 0.10, 0.38)


def _indicators(emp: np.ndarray):
    """Share of industry and QL for every cell (rows regions, cols groups)."""
    e_i = emp.sum(axis=0)
    e_j = emp.sum(axis=1)
    tot = emp.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(e_i > 0, emp / e_i, 0.0)
        ql = np.where(
            (e_j[:, None] > 0) & (e_i[None, :] > 0),
            (emp / e_j[:, None]) / (e_i / tot)[None, :],
            0.0,
        )
    return share, ql


def _aggregate(emp, est, members, col):
    """Aggregate share, QL and establishments of a set of rows for one column."""
    e_il = emp[members, col].sum()
    e_l = emp[members].sum()
    e_i = emp[:, col].sum()
    tot = emp.sum()
    share = e_il / e_i
    ql = (e_il / e_l) / (e_i / tot)
    return float(share), float(ql), int(est[members, col].sum())


def build_demo(seed: int = DEFAULT_SEED, n_municipalities: int = DEFAULT_N) -> DemoData:
    """Build the synthetic study area in memory (see the module docstring).

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
    import geopandas as gpd
    import shapely

    if not N_RANGE[0] <= n_municipalities <= N_RANGE[1]:
        raise ConfigError(
            f"demo: n_municipalities must be in {N_RANGE[0]}-{N_RANGE[1]}, got "
            f"{n_municipalities}"
        )
    rng = np.random.default_rng(seed)
    n = n_municipalities

    # --- geometry -----------------------------------------------------------
    outline, frame = _outline(rng)
    points, comp = _seed_points(rng, outline, frame, n)
    cells = _cells(points, outline)
    if not (
        shapely.is_valid(cells).all()
        and (shapely.get_type_id(cells) == 3).all()
        and shapely.coverage_is_valid(cells)
    ):  # pragma: no cover - seed-dependent
        raise LpsGeoError(
            f"demo: the municipal mesh of seed {seed} is not a clean coverage; "
            "try another seed"
        )
    nb = _queen(cells)
    cent = shapely.get_coordinates(shapely.centroid(cells))
    dist_cap = np.hypot(cent[:, 0] - points[0, 0], cent[:, 1] - points[0, 1])

    # --- metro --------------------------------------------------------------
    metro = _grow_connected(0, nb, dist_cap, 20, set(range(n)))
    suburbs = metro[1:11]
    ring = metro[11:]
    metro_set = set(metro)

    # --- planted sites --------------------------------------------------------
    near_metro = set(metro)
    for j in metro:
        near_metro |= nb[j]
    edge = shapely.intersects(cells, outline.exterior)
    blocked = set(near_metro)
    site_of: dict[str, list[int]] = {}
    centers: list[np.ndarray] = []
    for plant in _PLANTS:
        if plant["site"] == "capital":
            site_of[plant["id"]] = [0]
            continue
        if plant["site"] == "capital+2":
            adj = sorted(set(suburbs) & nb[0], key=lambda j: dist_cap[j])
            site_of[plant["id"]] = [0] + adj[:2]
            continue
        # far from the metro and from other sites; relaxed step by step when
        # a small mesh leaves no room
        for d_cap, d_site in (
            (120_000, 75_000),
            (100_000, 60_000),
            (80_000, 45_000),
            (60_000, 30_000),
        ):
            ok = [
                j
                for j in range(n)
                if j not in blocked
                and not edge[j]
                and dist_cap[j] > d_cap
                and all(np.hypot(*(cent[j] - c)) > d_site for c in centers)
            ]
            if ok:
                break
        if not ok:  # pragma: no cover - seed-dependent
            raise LpsGeoError(
                f"demo: no room for planted LPS {plant['id']}; try another seed"
            )
        start = ok[int(rng.integers(len(ok)))]
        d_start = np.hypot(cent[:, 0] - cent[start, 0], cent[:, 1] - cent[start, 1])
        allowed = {j for j in range(n) if j not in blocked}
        mem = _grow_connected(start, nb, d_start, plant["n"], allowed)
        if len(mem) < plant["n"]:  # pragma: no cover - seed-dependent
            raise LpsGeoError(
                f"demo: could not grow planted LPS {plant['id']}; try another seed"
            )
        site_of[plant["id"]] = mem
        centers.append(cent[start])
        for j in mem:
            blocked |= {j} | nb[j]
            for m in nb[j]:
                blocked |= nb[m]
    planted_cells = {j for mem in site_of.values() for j in mem}

    # --- regional hubs ------------------------------------------------------
    hubs: list[int] = []
    cand = [j for j in range(n) if j not in blocked and comp[j] in (2, 3)]
    cand = [j for j in cand if dist_cap[j] > 90_000]
    order = rng.permutation(len(cand))
    for k in order:
        j = cand[k]
        if all(np.hypot(*(cent[j] - cent[h])) > 80_000 for h in hubs):
            hubs.append(j)
        if len(hubs) == 7:
            break

    # --- population -----------------------------------------------------------
    pop = np.where(
        comp == 2,
        np.exp(rng.normal(np.log(20_000), 1.0, n)),
        np.exp(rng.normal(np.log(7_500), 0.85, n)),
    )
    pop = np.clip(pop, 2_000, 300_000)
    pop[0] = rng.uniform(2.6e6, 3.4e6)
    pop[suburbs] = np.sort(
        np.clip(np.exp(rng.normal(np.log(380_000), 0.55, 10)), 120_000, 1_300_000)
    )[::-1]
    pop[ring] = np.clip(
        np.exp(rng.normal(np.log(45_000), 0.5, len(ring))), 15_000, 150_000
    )
    pop[hubs] = rng.uniform(120_000, 300_000, len(hubs))
    # planted interior towns get the size their targets need (share / QL is
    # the fraction of state employment the LPS must hold)
    e_other = (pop * _jobs_per_capita(pop))[
        [j for j in range(n) if j not in planted_cells or j in metro_set]
    ].sum()
    frac = {p["id"]: p["share"] / p["ql"] for p in _PLANTS if p["site"] == "interior"}
    e_state = e_other / (1 - sum(frac.values()))
    for plant in _PLANTS:
        if plant["site"] != "interior":
            continue
        mem = site_of[plant["id"]]
        w = rng.uniform(0.7, 1.3, len(mem))
        w[0] *= 1.4
        w /= w.sum()
        target_jobs = frac[plant["id"]] * e_state * w
        p_guess = target_jobs / 0.25
        for _ in range(4):
            p_guess = target_jobs / _jobs_per_capita(p_guess)
        pop[mem] = np.clip(p_guess, 8_000, 300_000)

    # --- baseline employment --------------------------------------------------
    codes = [g[0] for g in _GROUPS]
    weight = np.array([g[2] for g in _GROUPS]) / 100.0
    weight = weight / weight.sum()
    size = np.array([g[3] for g in _GROUPS], float)
    urban = np.array([g[4] for g in _GROUPS], float)
    manuf = np.array([int(c[:2]) <= 33 for c in codes])
    m = len(codes)

    e_tot = pop * _jobs_per_capita(pop)
    mu = _expected_structure(e_tot, pop, weight, urban, manuf)
    presence = np.ones_like(mu, dtype=bool)
    p_present = 1 - np.exp(-mu / (4.0 * size[None, :]))
    presence[:, manuf] = rng.random((n, manuf.sum())) < p_present[:, manuf]
    # gamma shape ~ number of plants: large cells vary little
    shape = np.clip(mu / size[None, :], np.where(manuf, 1.3, 3.0)[None, :], 400.0)
    scale_mean = np.where(presence, mu / np.where(manuf[None, :], p_present, 1.0), 0.0)
    lam = rng.gamma(shape, np.maximum(scale_mean, 1e-12) / shape)
    emp = rng.poisson(np.where(presence, lam, 0.0)).astype(float)
    plant_size = size[None, :] * np.exp(rng.normal(0.0, 0.4, (n, m)))

    # --- planted solve ----------------------------------------------------------
    col = {c: k for k, c in enumerate(codes)}
    u = {p["id"]: rng.uniform(0.75, 1.25, len(site_of[p["id"]])) for p in _PLANTS}
    ring_ql = rng.uniform(0.25, 0.8, n)
    pop = pop.astype(float)
    member_cells = {}  # (row, col) of planted cells
    rings: dict[int, set[int]] = {}
    for plant in _PLANTS:
        k = col[plant["industry"]]
        for j in site_of[plant["id"]]:
            member_cells[(j, k)] = plant["id"]
    for plant in _PLANTS:
        k = col[plant["industry"]]
        mem = set(site_of[plant["id"]])
        rset = set().union(*(nb[j] for j in mem)) - mem
        rings.setdefault(k, set()).update(j for j in rset if (j, k) not in member_cells)
    est_floor = np.zeros((n, m))
    for j, k in member_cells:
        plant_size[j, k] = size[k] * rng.uniform(0.7, 1.3)
        est_floor[j, k] = rng.integers(6, 13)

    def solve(emp, pop, n_iter=60):
        emp = emp.copy()
        for _ in range(n_iter):
            # neighbours of planted members stay below parity, so hot spots do
            # not spill over into them
            for k, rs in rings.items():
                rows = sorted(rs)
                e_i = emp[:, k].sum()
                tot = emp.sum()
                cap = ring_ql[rows] * (emp[rows].sum(axis=1) - emp[rows, k]) * e_i / tot
                emp[rows, k] = np.minimum(emp[rows, k], cap)
            for plant in _PLANTS:
                k = col[plant["industry"]]
                mem = site_of[plant["id"]]
                others = emp[mem].sum(axis=1) - emp[mem, k]
                o_l = others.sum()
                b_i = emp[:, k].sum() - emp[mem, k].sum()
                o_rest = emp.sum() - emp[mem].sum() - b_i
                q = plant["ql"]
                if plant["site"] == "interior":
                    s = plant["share"]
                    x = s / (1 - s) * b_i
                    o_target = (s * (o_rest + b_i + x) - q * x) / (q - s)
                    f = o_target / o_l
                    f = float(np.clip(f, 0.5, 2.0))
                    kk = np.arange(m) != k
                    emp[np.ix_(mem, kk)] *= f
                    pop[mem] *= f
                    others = others * f
                else:
                    # solve the share so that QL = q: x from q*(o_l+x)*(b+x)
                    # = x*(o_rest+b+o_l+x)  (quadratic in x)
                    tot_wo = o_rest + b_i + o_l
                    a2 = 1 - q
                    a1 = tot_wo - q * (o_l + b_i)
                    a0 = -q * o_l * b_i
                    disc = a1 * a1 - 4 * a2 * a0
                    if disc < 0:  # pragma: no cover - seed-dependent
                        raise LpsGeoError(
                            f"demo: QL {q} unreachable for planted {plant['id']}; "
                            "try another seed"
                        )
                    # the smaller root: the larger one would give the members
                    # almost all of their employment in this industry
                    x = (-a1 + np.sqrt(disc)) / (2 * a2)
                w = others * u[plant["id"]]
                # no member below half the mean: each passes the share filter
                w = np.maximum(w, 0.5 * w.mean())
                emp[mem, k] = x * w / w.sum()
        return emp, pop

    members_by_k: dict[int, set[int]] = {}
    for j, k in member_cells:
        members_by_k.setdefault(k, set()).add(j)
    adj = _adjacency_matrix(nb)

    t = get_thresholds("ipea2006")

    def suppress(emp, allowed):
        """Keep chance manufacturing agglomerations weak.

        Two rules, applied until nothing changes. (1) A single municipality
        that passes the filters by chance is capped at a 0.85 % share of the
        group, unless it is one of the ``allowed`` chance embryos, which is
        capped at share 4 % and QL 2.9. (2) Contiguous municipalities with
        QL >= 3 in a group (the high values a hot-spot statistic on QL picks
        up) whose aggregate passes the filters are each capped at QL 2.5.
        """
        for _ in range(40):
            est = _establishments(emp, plant_size, est_floor)
            share, ql = _indicators(emp)
            tot = emp.sum()
            e_j = emp.sum(axis=1)
            e_i = emp.sum(axis=0)
            cand = np.asarray(passes_filters(share, ql, est, t)) & manuf[None, :]
            caps: dict[tuple[int, int], float] = {}
            for j, k in zip(*np.nonzero(cand), strict=True):
                if (j, k) in member_cells:
                    continue
                if (j, k) in allowed:
                    lim = min(0.04, 2.9 * share[j, k] / ql[j, k])
                else:
                    lim = 0.0085
                caps[(j, k)] = np.floor(lim * e_i[k])
            for k, rows in _ql_groups(emp, ql, 3.0, adj, manuf, members_by_k):
                if len(rows) < 2 or any((j, k) in allowed for j in rows):
                    continue
                if emp[rows, k].sum() >= 0.01 * e_i[k] and est[rows, k].sum() >= 5:
                    for j in rows:
                        cap = np.floor(2.5 * (e_j[j] - emp[j, k]) * e_i[k] / tot)
                        caps[(j, k)] = min(caps.get((j, k), np.inf), cap)
            changed = False
            for (j, k), cap in caps.items():
                if emp[j, k] > cap:
                    emp[j, k] = cap
                    changed = True
            if not changed:
                break
        return emp

    emp, pop = solve(emp, pop)
    emp = np.rint(emp)
    # chance embryos kept for realism: small, low QL, away from planted LPS
    est = _establishments(emp, plant_size, est_floor)
    share, ql = _indicators(emp)
    cand = np.asarray(passes_filters(share, ql, est, t)) & manuf[None, :]
    planted_groups = {p["industry"] for p in _PLANTS}
    near_plant = {(j, k) for k, rs in rings.items() for j in rs}
    eligible = [
        (int(j), int(k))
        for j, k in zip(*np.nonzero(cand), strict=True)
        if (j, k) not in member_cells
        and (j, k) not in near_plant
        and j not in planted_cells
        and codes[k] not in planted_groups
        and ql[j, k] < 3.0
        and share[j, k] < 0.05
    ]
    pick = rng.permutation(len(eligible))[:_MAX_INCIDENTAL]
    allowed = {eligible[i] for i in sorted(pick)}
    for _ in range(3):
        emp = suppress(emp, allowed)
        emp, pop = solve(emp, pop, n_iter=20)
        emp = np.rint(emp)
    emp = suppress(emp, allowed)
    est = _establishments(emp, plant_size, est_floor)

    # --- codes, names, microregions -------------------------------------------
    names = _names(rng, n)
    order_names = sorted(range(n), key=lambda j: (_fold(names[j]), names[j]))
    serial = np.empty(n, dtype=object)
    for rank, j in enumerate(order_names):
        s6 = f"{STATE_CODE}{(rank + 1) * 10:04d}"
        serial[j] = s6 + str(ibge_check_digit(s6))
    micro = _microregions(rng, n, nb, cent, pop)
    n_micro = int(micro.max()) + 1
    # number microregions north to south, then west to east (like IBGE)
    mc = np.array([cent[micro == r].mean(axis=0) for r in range(n_micro)])
    rank = np.lexsort((mc[:, 0], -np.round(mc[:, 1], -4)))
    micro_code = np.empty(n_micro, dtype=object)
    micro_name = np.empty(n_micro, dtype=object)
    for pos, r in enumerate(rank):
        micro_code[r] = f"{STATE_CODE}{pos + 1:03d}"
        big = np.flatnonzero(micro == r)[np.argmax(pop[micro == r])]
        micro_name[r] = names[big]

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
        geometry=cells,
        crs=CRS,
    )
    row_order = np.argsort(gdf["CD_MUN"].to_numpy())
    code_of = gdf["CD_MUN"].to_numpy()
    emp_df = pd.DataFrame(
        emp.astype(np.int64),
        index=pd.Index(code_of, name="CD_MUN"),
        columns=pd.Index(codes, name="cnae_grupo"),
    )
    est_df = pd.DataFrame(
        est.astype(np.int64), index=emp_df.index, columns=emp_df.columns
    )
    microregions = pd.DataFrame(
        {
            "cod_ibge": code_of,
            "cod_micro": micro_code[micro].astype(str),
            "nome_micro": micro_name[micro].astype(str),
        }
    ).sort_values("cod_ibge", ignore_index=True)

    # --- planted truth & self-check -----------------------------------------
    planted = []
    for plant in _PLANTS:
        mem = site_of[plant["id"]]
        k = col[plant["industry"]]
        s, q, e = _aggregate(emp, est, mem, k)
        got = classify(s, q, e, t)
        if got != plant["type"]:
            raise LpsGeoError(
                f"demo self-check failed for seed {seed}: planted {plant['id']} "
                f"({plant['industry']}) is {got!r}, expected {plant['type']!r} "
                f"(share {s:.4f}, QL {q:.3f}, establishments {e}); try another seed"
            )
        share, ql = _indicators(emp)
        for j in mem:
            if not (ql[j, k] >= 1 and share[j, k] >= 0.01 and est[j, k] >= 5):
                raise LpsGeoError(
                    f"demo self-check failed for seed {seed}: member {code_of[j]} "
                    f"of {plant['id']} does not pass the filters; try another seed"
                )
        planted.append(
            {
                "id": plant["id"],
                "industry": plant["industry"],
                "type": plant["type"],
                "members": sorted(str(code_of[j]) for j in mem),
                "member_names": [
                    names[j] for j in sorted(mem, key=lambda j: code_of[j])
                ],
                "share_industry": round(s, 6),
                "ql": round(q, 6),
                "employment": int(emp[mem, k].sum()),
                "establishments": e,
                "description": plant["description"],
                "_rows": mem,
            }
        )
    share, ql = _indicators(emp)
    cand = np.asarray(passes_filters(share, ql, est, t))
    incidental = []
    for j, k in zip(*np.nonzero(cand), strict=True):
        if (j, k) in member_cells:
            continue
        typ = classify(share[j, k], ql[j, k], est[j, k], t)
        if manuf[k] and typ != "embryo":
            raise LpsGeoError(
                f"demo self-check failed for seed {seed}: chance {typ} of "
                f"{codes[k]} in {code_of[j]}; try another seed"
            )
        incidental.append(
            {
                "cod_ibge": str(code_of[j]),
                "industry": codes[k],
                "type": typ,
                "share_industry": round(float(share[j, k]), 6),
                "ql": round(float(ql[j, k]), 6),
                "establishments": int(est[j, k]),
            }
        )
    incidental.sort(key=lambda r: (r["industry"], r["cod_ibge"]))
    for k, rows in _ql_groups(emp, ql, 3.0, adj, manuf, members_by_k):
        if (
            len(rows) >= 2
            and not any((j, k) in allowed for j in rows)
            and emp[rows, k].sum() >= 0.01 * emp[:, k].sum()
            and est[rows, k].sum() >= 5
        ):
            raise LpsGeoError(
                f"demo self-check failed for seed {seed}: chance group of "
                f"{codes[k]} in {', '.join(code_of[rows])}; try another seed"
            )

    # --- institutions -----------------------------------------------------------
    inst = _institutions(
        rng, cells, points, pop, names, code_of, metro, hubs, site_of, nb
    )
    for p in planted:
        rows = p.pop("_rows")
        p["institutions_in_members"] = int(
            np.isin(inst["cod_ibge"], code_of[rows]).sum()
        )

    gdf = gdf.iloc[row_order].reset_index(drop=True)
    return DemoData(
        municipalities=gdf,
        microregions=microregions,
        employment=emp_df.sort_index(),
        establishments=est_df.sort_index(),
        institutions=inst,
        planted=planted,
        incidental=incidental,
        outline=outline,
        seed=seed,
    )


def _expected_structure(e_tot, pop, weight, urban, manuf):
    """Expected jobs per municipality and group (before noise).

    Small towns follow the national weights with manufacturing above parity.
    Large towns (from 0.2 % to 0.5 % of state employment on) are held at 0.8
    times the state structure in manufacturing (0.6 in the capital, row 0) and
    0.88 in ordinary services; the rest of their employment goes to the urban
    services (wholesale, IT, hospitals). This keeps chance candidates in large
    towns few and concentrated in urban services, as in regional centres.
    """
    e_share = e_tot / e_tot.sum()
    big = np.interp(np.log10(e_share), np.log10([0.002, 0.005]), [0.0, 1.0])
    aff = (pop[:, None] / 50_000.0) ** (0.25 * urban[None, :])
    mu0 = weight[None, :] * aff
    mu0[:, manuf] *= 1.25
    mu0 *= (e_tot / mu0.sum(axis=1))[:, None]
    plain = ~manuf & (urban <= 0)
    city = ~manuf & (urban > 0)
    tilt = np.full(len(e_tot), 0.8)
    tilt[0] = 0.6
    mu = mu0.copy()
    for _ in range(40):
        state = mu.sum(axis=0) / mu.sum()
        con = np.empty_like(mu)
        con[:, manuf] = e_tot[:, None] * state[None, manuf] * tilt[:, None]
        con[:, plain] = e_tot[:, None] * state[None, plain] * 0.88
        rest = e_tot - con[:, manuf | plain].sum(axis=1)
        us = state[None, city] * aff[:, city]
        con[:, city] = rest[:, None] * us / us.sum(axis=1, keepdims=True)
        mu = (1 - big)[:, None] * mu0 + big[:, None] * con
    return mu


def _adjacency_matrix(nb):
    from scipy.sparse import csr_matrix

    rows = [i for i, js in enumerate(nb) for _ in js]
    cols = [j for js in nb for j in sorted(js)]
    n = len(nb)
    return csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))


def _ql_groups(emp, ql, ql_min, adj, cols, exclude):
    """Contiguous groups of municipalities with QL >= ``ql_min`` per column.

    Yields ``(column, rows)`` for every connected component of the cells
    with employment and QL >= ``ql_min`` in a column of ``cols`` (boolean
    mask), leaving out the rows in ``exclude[column]``.
    """
    from scipy.sparse.csgraph import connected_components

    for k in np.flatnonzero(cols):
        mask = (ql[:, k] >= ql_min) & (emp[:, k] > 0)
        mask[sorted(exclude.get(k, ()))] = False
        idx = np.flatnonzero(mask)
        if len(idx) == 0:
            continue
        n_comp, lab = connected_components(adj[idx][:, idx], directed=False)
        for c in range(n_comp):
            yield int(k), idx[lab == c]


def _establishments(emp, plant_size, floor):
    """Establishments from jobs and plant size; planted cells have a floor.

    Planted systems are agglomerations of many firms: their cells have at
    least ``floor`` establishments (6-12), or one per job if fewer jobs.
    """
    est = np.maximum(np.rint(emp / plant_size), np.minimum(floor, emp))
    return np.where(emp > 0, np.clip(est, 1, emp), 0.0)


def _microregions(rng, n, nb, cent, pop):
    """Contiguous microregions grown from spread-out seeds (balanced counts)."""
    n_micro = int(np.clip(round(n / 17), 20, 40))
    seeds = [int(rng.integers(n))]
    d = np.hypot(cent[:, 0] - cent[seeds[0], 0], cent[:, 1] - cent[seeds[0], 1])
    while len(seeds) < n_micro:
        j = int(np.argmax(d))
        seeds.append(j)
        d = np.minimum(d, np.hypot(cent[:, 0] - cent[j, 0], cent[:, 1] - cent[j, 1]))
    label = -np.ones(n, dtype=np.int64)
    for r, s in enumerate(seeds):
        label[s] = r
    count = np.ones(n_micro)
    heap = [(1.0, r) for r in range(n_micro)]
    heapq.heapify(heap)
    while heap:
        _, r = heapq.heappop(heap)
        members = np.flatnonzero(label == r)
        frontier = sorted({j for i in members for j in nb[i] if label[j] < 0})
        if not frontier:
            continue
        s = seeds[r]
        j = min(frontier, key=lambda f: np.hypot(*(cent[f] - cent[s])))
        label[j] = r
        count[r] += 1
        heapq.heappush(heap, (count[r], r))
    if (label < 0).any():  # pragma: no cover - the cell graph is connected
        raise LpsGeoError("demo: microregions do not cover every municipality")
    return label


def _institutions(rng, cells, points, pop, names, codes, metro, hubs, site_of, nb):
    """Support institutions: many in the metro and large towns, some at LPS."""
    import geopandas as gpd
    import shapely
    from shapely.geometry import Point

    n = len(cells)
    gap = set()
    for pid in ("lps06", "lps09"):  # clusters left without support
        for j in site_of[pid]:
            gap |= {j} | nb[j]
    weights_base = np.asarray(pop, float).copy()
    weights_base[list(gap)] = 0.0
    plan = {
        "university": (34, 1.2),
        "federal_institute": (16, 0.6),
        "technical_school": (62, 1.0),
        "research_centre": (20, 1.6),
        "technology_park": (6, 2.0),
    }
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
    for typ, (k, expo) in plan.items():
        w = weights_base**expo
        if typ == "federal_institute":
            w = np.where(np.isin(np.arange(n), metro), w * 0.05, w)
        w = w / w.sum()
        picks += [(int(j), typ) for j in rng.choice(n, size=k, p=w)]
    templates = {
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
        tpl = templates[typ][int(rng.integers(len(templates[typ])))]
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
    return {2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI", 7: "VII", 8: "VIII"}.get(
        k, str(k)
    )


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------
def _fix_dbf_date(path: Path) -> None:
    """Overwrite the last-update date (bytes 1-3) of a dBASE header."""
    y, mth, d = DBF_HEADER_DATE
    with open(path, "r+b") as fh:
        fh.seek(1)
        fh.write(struct.pack("BBB", y - 1900, mth, d))


def _write_shp(gdf, path: Path) -> None:
    import pyogrio

    pyogrio.write_dataframe(gdf, path, driver="ESRI Shapefile", encoding="UTF-8")
    _fix_dbf_date(path.with_suffix(".dbf"))


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def write_demo(data: DemoData, out_dir: str | Path, overwrite: bool = False) -> dict:
    """Write a :class:`DemoData` to ``out_dir`` (see :data:`FILES`).

    Raises
    ------
    OutputExistsError
        A file of :data:`FILES` exists in ``out_dir`` and ``overwrite`` is False.
    """
    out = Path(out_dir)
    existing = [f for f in FILES if (out / f).exists()]
    if existing and not overwrite:
        raise OutputExistsError(
            f"demo: {out} already holds {', '.join(existing[:3])}"
            f"{' ...' if len(existing) > 3 else ''}; pass overwrite=True "
            "(--overwrite) to replace them"
        )
    out.mkdir(parents=True, exist_ok=True)
    for f in existing:
        (out / f).unlink()

    _write_shp(data.municipalities, out / "municipalities.shp")
    _write_shp(data.institutions, out / "institutions.shp")
    _write_csv(data.microregions, out / "microregions.csv")

    long = data.employment.stack().rename("empregos").reset_index()
    long = long.rename(columns={"CD_MUN": "cod_ibge"})
    long["estabelecimentos"] = data.establishments.stack().to_numpy()
    long = long[long["empregos"] > 0].sort_values(["cod_ibge", "cnae_grupo"])
    _write_csv(long, out / "employment_long.csv")

    groups = cnae_groups()
    wide = data.establishments.copy()
    wide.columns = [rais_title(t) for t in groups["title"]]
    wide.insert(0, "ID_do_municipio", wide.index.to_numpy())
    wide["Total_de_estabelecimentos"] = data.establishments.sum(axis=1).to_numpy()
    _write_csv(wide.reset_index(drop=True), out / "establishments_wide.csv")
    _write_csv(groups, out / "cnae_groups.csv")

    truth = {
        "SYNTHETIC": "Invented data made by lps_geo.demo; no value describes a "
        "real place. State code 19 does not exist.",
        "synthetic": True,
        "generator": "lps_geo.demo",
        "seed": data.seed,
        "n_municipalities": len(data.municipalities),
        "size_measure": "employment",
        "reference_area": "whole state",
        "denominator": "employment in all 40 CNAE groups of the demo",
        "typology_preset": "ipea2006",
        "planted": data.planted,
        "incidental_candidates_note": (
            "Single municipalities that pass the ipea2006 filters and are not "
            "planted: a few small manufacturing embryos left on purpose, and "
            "trade/service groups in the capital and large towns (analyse "
            "manufacturing, CNAE divisions 10-33, to leave these out)."
        ),
        "incidental_candidates": data.incidental,
    }
    (out / "planted.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (out / "README.md").write_text(_readme(data), encoding="utf-8")
    return {f: str(out / f) for f in FILES}


def _readme(data: DemoData) -> str:
    gdf = data.municipalities
    n = len(gdf)
    n_micro = gdf["CD_MICRO"].nunique()
    area_km2 = data.outline.area / 1e6
    emp = int(data.employment.to_numpy().sum())
    est = int(data.establishments.to_numpy().sum())
    pop = int(gdf["POP"].sum())
    capital = gdf.loc[gdf["CAPITAL"] == 1, "NM_MUN"].item()
    lines = [
        "# Synthetic demo data (lps_geo)",
        "",
        "**Everything in this folder is synthetic.** It was invented by "
        "`lps_geo.demo` to show and test the method of Suzigan, Furtado & Garcia "
        "(2006); no number, name or boundary describes a real place. The state "
        "code 19 does not exist in Brazil's IBGE coding.",
        "",
        f"Seed {data.seed}: {n} municipalities in {n_micro} microregions, "
        f"{area_km2:,.0f} km2, {pop:,} inhabitants, {emp:,} jobs and {est:,} "
        f"establishments in 40 CNAE 2.0 groups. Capital: {capital}.",
        "",
        "Regenerate (byte-identical for the same seed):",
        "",
        "```",
        "python -m lps_geo.demo data/shapefiles --overwrite",
        "```",
        "",
        "## Files",
        "",
        "| file | content |",
        "|---|---|",
        "| `municipalities.shp` (+ `.shx` `.dbf` `.prj` `.cpg`) | municipal "
        "polygons, CRS EPSG:5880 (SIRGAS 2000 / Brazil Polyconic, metres), "
        "UTF-8 attributes |",
        "| `institutions.shp` (+ sidecars) | support institutions, points, EPSG:5880 |",
        "| `microregions.csv` | municipality -> microregion lookup |",
        "| `employment_long.csv` | jobs and establishments per municipality and "
        "CNAE group (long form) |",
        "| `establishments_wide.csv` | establishments per municipality, one column "
        "per CNAE group (laid out like the RAIS tables) |",
        "| `cnae_groups.csv` | the 40 CNAE 2.0 groups used |",
        "| `planted.json` | the planted local production systems (the answer "
        "key) and the chance candidates |",
        "",
        "## Columns",
        "",
        "`municipalities.shp`: `CD_MUN` 7-digit IBGE-style code (text: `19` + "
        "4-digit serial + check digit, IBGE modulus-10 rule); `NM_MUN` invented "
        "name; `CD_MICRO` 5-digit microregion code (text); `POP` inhabitants "
        "(integer); `METRO` 1 for the 20 municipalities of the metropolitan "
        "area; `CAPITAL` 1 for the capital. Polygons form a gap-free, "
        "overlap-free coverage of the state outline; coordinates are snapped to "
        "a 1 cm grid.",
        "",
        "`institutions.shp`: `name`; `type`, one of "
        + ", ".join(f"`{t}`" for t in INSTITUTION_TYPES)
        + "; `cod_ibge` code of the municipality that contains the point.",
        "",
        "`microregions.csv`: `cod_ibge` (7 digits), `cod_micro` (5 digits, `19` + "
        "3), `nome_micro` (named after its most populous municipality).",
        "",
        "`employment_long.csv`: `cod_ibge`; `cnae_grupo` CNAE 2.0 group code "
        '`NN.N`; `empregos` formal jobs at 31 December (the RAIS "vínculos '
        'ativos" analogue, persons); `estabelecimentos` establishments with at '
        "least one job in the group. Only rows with `empregos` > 0; sorted by "
        "code and group. Establishments are >= 1 and <= jobs in every row.",
        "",
        "`establishments_wide.csv`: `ID_do_municipio` (7 digits), one column "
        "per group named by its CNAE title in RAIS title case (e.g. "
        "`Fabricação de Calçados`), `Total_de_estabelecimentos` (sum of the 40 "
        "columns). All municipalities, zeros included.",
        "",
        "`cnae_groups.csv`: `code` (`NN.N`), `title` (official IBGE/CONCLA "
        "title), `division` (`NN`), `division_title` (as IBGE prints it).",
        "",
        "## Planted local production systems",
        "",
        "Shares and location quotients are computed on employment, against the "
        "whole state, with employment in all 40 groups as E_j and E; for a "
        "multi-municipality system on the aggregate of its members. Every "
        "member passes the ipea2006 filters on its own (share >= 1 %, QL >= 1, "
        ">= 5 establishments). Neighbours of members are kept below QL 1 in the "
        "planted industry.",
        "",
        "| id | group | type | members | share | QL | establishments |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in data.planted:
        lines.append(
            f"| {p['id']} | {p['industry']} | {p['type']} | {len(p['members'])} | "
            f"{p['share_industry']:.3f} | {p['ql']:.2f} | {p['establishments']} |"
        )
    n_manuf = sum(int(r["industry"][:2]) <= 33 for r in data.incidental)
    lines += [
        "",
        f"Chance candidates (`incidental_candidates` in `planted.json`): {n_manuf} "
        "small manufacturing embryos, and "
        f"{len(data.incidental) - n_manuf} trade/service candidates in the capital "
        "and large towns, which are service economies. Restrict the analysis to "
        "manufacturing (CNAE divisions 10-33) to leave the latter out. "
        "Contiguous municipalities with QL >= 3 in a manufacturing group never "
        "add up to a candidate outside the planted systems (such groups were "
        "capped at QL 2.5), so that a hot-spot delineation does not turn up "
        "strong chance clusters.",
        "",
        "Furniture cluster B (`lps06`) and the agricultural-machinery embryo "
        "(`lps09`) have no support institution in or next to them (capability "
        "gaps); the footwear center has technical schools and a university.",
        "",
        "## Notes on determinism",
        "",
        "The dBASE format stores a last-update date in bytes 1-3 of each `.dbf` "
        "header; the generator overwrites it with "
        f"{DBF_HEADER_DATE[0]}-{DBF_HEADER_DATE[1]:02d}-{DBF_HEADER_DATE[2]:02d} "
        "so that regeneration is byte-identical.",
        "",
    ]
    return "\n".join(lines)


def generate_demo(
    out_dir: str | Path,
    seed: int = DEFAULT_SEED,
    n_municipalities: int = DEFAULT_N,
    overwrite: bool = False,
) -> dict:
    """Build the synthetic demo study area and write it to ``out_dir``.

    Deterministic: the same ``seed`` and ``n_municipalities`` give
    byte-identical files. All data are invented (see the module docstring);
    the planted local production systems follow the typology of Suzigan,
    Furtado & Garcia (2006, section 4.2) with the ``ipea2006`` cut-offs.

    Parameters
    ----------
    out_dir
        Folder to write (created if missing).
    seed
        Random seed.
    n_municipalities
        Number of municipalities (300-700).
    overwrite
        Replace the demo files if ``out_dir`` already holds them.

    Returns
    -------
    dict
        ``out_dir``, ``seed``, ``n_municipalities``, ``n_microregions``,
        ``n_institutions``, ``population``, ``employment``, ``files`` (name ->
        path), ``sha256`` (name -> hex digest), ``planted`` (list of records
        as in ``planted.json``), ``n_incidental``.

    Raises
    ------
    OutputExistsError
        Demo files exist in ``out_dir`` and ``overwrite`` is False.
    ConfigError
        ``n_municipalities`` out of range.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     info = generate_demo(d)
    >>> info["n_municipalities"], sorted({p["type"] for p in info["planted"]})
    (500, ['advanced_vector', 'center', 'embryo', 'local_vector'])
    """
    data = build_demo(seed, n_municipalities)
    files = write_demo(data, out_dir, overwrite=overwrite)
    sha = {
        f: hashlib.sha256(Path(p).read_bytes()).hexdigest() for f, p in files.items()
    }
    info = {
        "out_dir": str(Path(out_dir)),
        "seed": seed,
        "n_municipalities": len(data.municipalities),
        "n_microregions": int(data.municipalities["CD_MICRO"].nunique()),
        "n_institutions": len(data.institutions),
        "population": int(data.municipalities["POP"].sum()),
        "employment": int(data.employment.to_numpy().sum()),
        "files": files,
        "sha256": sha,
        "planted": data.planted,
        "n_incidental": len(data.incidental),
    }
    log.info("wrote synthetic demo data to %s (seed %s)", out_dir, seed)
    return info


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m lps_geo.demo OUT_DIR [--seed N]``."""
    ap = argparse.ArgumentParser(
        prog="python -m lps_geo.demo",
        description="Write the synthetic lps_geo demo data set (all values invented).",
    )
    ap.add_argument("out_dir", help="folder to write")
    ap.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"random seed (default {DEFAULT_SEED})",
    )
    ap.add_argument(
        "--n-municipalities",
        type=int,
        default=DEFAULT_N,
        help=f"number of municipalities, {N_RANGE[0]}-{N_RANGE[1]} "
        f"(default {DEFAULT_N})",
    )
    ap.add_argument(
        "--overwrite",
        action="store_true",
        help="replace existing demo files in OUT_DIR",
    )
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        info = generate_demo(
            args.out_dir, args.seed, args.n_municipalities, overwrite=args.overwrite
        )
    except LpsGeoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    types = {}
    for p in info["planted"]:
        types[p["type"]] = types.get(p["type"], 0) + 1
    print(
        f"wrote {len(info['files'])} files to {info['out_dir']}: "
        f"{info['n_municipalities']} municipalities, {info['n_microregions']} "
        f"microregions, {info['n_institutions']} institutions, planted "
        + ", ".join(f"{v} {k}" for k, v in types.items())
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
