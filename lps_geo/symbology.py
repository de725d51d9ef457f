"""Colours, pt/en labels and classes of every category, for maps, styles and atlas.

Defined once here (the category keys in :mod:`lps_geo.vocab`); every renderer
and style reads these tables, so a category has the same colour and label
everywhere. Nothing here draws: no matplotlib (mapclassify is imported lazily by
:func:`ql_classes`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from lps_geo.errors import ConfigError

#: LISA cluster labels in legend order, with their colours (GeoDa convention).
LISA_COLORS: dict[str, str] = {
    "High-High": "#d7191c",
    "Low-Low": "#2c7bb6",
    "Low-High": "#abd9e9",
    "High-Low": "#fdae61",
    "not significant": "#eeeeee",
    "undefined": "#bdbdbd",
    "isolated": "#636363",
}

#: Getis-Ord Gi* confidence bins (+3 = hot spot at 99 %, -3 = cold spot at 99 %).
GI_BIN_COLORS: dict[int, str] = {
    3: "#d62f27",
    2: "#ed7551",
    1: "#fab984",
    0: "#f7f7f7",
    -1: "#c0ccbe",
    -2: "#849eba",
    -3: "#4575b5",
}

#: Significance classes of the LISA significance map (adjusted p), as GeoDa.
SIGNIFICANCE_COLORS: dict[str, str] = {
    "p <= 0.001": "#004529",
    "p <= 0.01": "#238443",
    "p <= 0.05": "#78c679",
    "not significant": "#eeeeee",
}

#: LPS types of the typology in legend order (codes are the values of ``lps_type``).
TYPE_COLORS: dict[str, str] = {
    "center": "#7b3294",
    "advanced_vector": "#c2a5cf",
    "local_vector": "#008837",
    "embryo": "#a6dba0",
}

#: Change of an LPS between two periods (:mod:`lps_geo.method.compare`), in legend
#: order. Okabe & Ito's colour-blind-safe set: blue-green for new, blue for
#: growth, grey for no change, orange for decline, vermilion for loss.
#: Vanished LPS are drawn hatched with an outline in their colour (they no
#: longer exist, so they are not filled), see :data:`CHANGE_HATCHED`.
CHANGE_COLORS: dict[str, str] = {
    "emerging": "#009e73",
    "growing": "#0072b2",
    "stable": "#999999",
    "declining": "#e69f00",
    "vanished": "#d55e00",
}

#: Change categories drawn hatched (outline and diagonal lines, no fill).
CHANGE_HATCHED: frozenset[str] = frozenset({"vanished"})

#: Institution types (capability layers).
INSTITUTION_COLORS: dict[str, str] = {
    "university": "#1b9e77",
    "federal_institute": "#d95f02",
    "technical_school": "#7570b3",
    "research_centre": "#e7298a",
    "technology_park": "#66a61e",
    "other": "#666666",
}

#: Colour of the all-institutions density surface.
ALL_INSTITUTIONS_COLOR = "#252525"

#: Sequential ramp for location quotients (light to dark).
QL_RAMP: list[str] = ["#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"]

#: Fill for regions with no data / outside the focus.
NO_DATA_COLOR = "#ffffff"
EDGE_COLOR = "#9e9e9e"


# ---------------------------------------------------------------- labels

#: Human-readable labels per language.
TYPE_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "center": "Center of industrial and regional development",
        "advanced_vector": "Advanced vector",
        "local_vector": "Vector of local development",
        "embryo": "Embryonic LPS",
    },
    "pt": {
        "center": "Núcleo de desenvolvimento setorial-regional",
        "advanced_vector": "Vetor avançado",
        "local_vector": "Vetor de desenvolvimento local",
        "embryo": "Embrião de arranjo produtivo",
    },
}

#: Fill of the municipal background under the LPS polygons.
BASE_FILL = "#e8e8e8"

#: Outline of LPS polygons.
LPS_EDGE = "#333333"

#: Opacity of LPS polygons on the all-industries typology map (they overlap).
OVERLAP_ALPHA = 0.6

#: Inner class breaks of the QL map: classes are 0 exactly, (0, b1), [b1, b2),
#: [b2, b3) and >= b3. b1 = 1 is the usual "more concentrated than the
#: reference area" line, b3 = 5 the ``ql_high`` cut-off of the IPEA 2006 preset.
QL_BREAKS: tuple[float, float, float] = (1.0, 2.0, 5.0)

#: Legend labels of the LISA categories (keys of :data:`LISA_COLORS`).
LISA_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "High-High": "High-High",
        "Low-Low": "Low-Low",
        "Low-High": "Low-High",
        "High-Low": "High-Low",
        "not significant": "Not significant",
        "undefined": "Undefined (no data)",
        "isolated": "Isolated (no neighbours)",
    },
    "pt": {
        "High-High": "Alto-Alto",
        "Low-Low": "Baixo-Baixo",
        "Low-High": "Baixo-Alto",
        "High-Low": "Alto-Baixo",
        "not significant": "Não significativo",
        "undefined": "Indefinido (sem dados)",
        "isolated": "Isolado (sem vizinhos)",
    },
}

#: Legend labels of the Gi* bins (keys of :data:`GI_BIN_COLORS`).
GI_LABELS: dict[str, dict[int, str]] = {
    "en": {
        3: "Hot spot 99%",
        2: "Hot spot 95%",
        1: "Hot spot 90%",
        0: "Not significant",
        -1: "Cold spot 90%",
        -2: "Cold spot 95%",
        -3: "Cold spot 99%",
    },
    "pt": {
        3: "Ponto quente 99%",
        2: "Ponto quente 95%",
        1: "Ponto quente 90%",
        0: "Não significativo",
        -1: "Ponto frio 90%",
        -2: "Ponto frio 95%",
        -3: "Ponto frio 99%",
    },
}

#: Legend labels of institution types (keys of INSTITUTION_COLORS).
INSTITUTION_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "university": "University or college",
        "federal_institute": "Federal institute",
        "technical_school": "Technical or training school",
        "research_centre": "Research centre or laboratory",
        "technology_park": "Technology park or incubator",
        "other": "Other",
    },
    "pt": {
        "university": "Universidade ou faculdade",
        "federal_institute": "Instituto federal",
        "technical_school": "Escola técnica ou de formação",
        "research_centre": "Centro de pesquisa ou laboratório",
        "technology_park": "Parque tecnológico ou incubadora",
        "other": "Outra",
    },
}

#: Innovation outputs by kind and measure (atlas capability section).
INNOVATION_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "patents": "Patents",
        "publications": "Publications",
        "count": "count",
        "indicator": "0/1 specialisation",
    },
    "pt": {
        "patents": "Patentes",
        "publications": "Publicações",
        "count": "contagem",
        "indicator": "especialização 0/1",
    },
}

SIGNIFICANCE_LABELS: dict[str, dict[str, str]] = {
    "en": {
        k: ("Not significant" if k == "not significant" else k)
        for k in SIGNIFICANCE_COLORS
    },
    "pt": {
        k: ("Não significativo" if k == "not significant" else k)
        for k in SIGNIFICANCE_COLORS
    },
}

#: Human-readable category labels per language.
CHANGE_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "emerging": "Emerging",
        "growing": "Growing",
        "stable": "Stable",
        "declining": "Declining",
        "vanished": "Vanished",
    },
    "pt": {
        "emerging": "Emergente",
        "growing": "Em crescimento",
        "stable": "Estável",
        "declining": "Em declínio",
        "vanished": "Desaparecido",
    },
}

#: Legend labels of the taxonomy, in English and Portuguese.
INSTITUTION_NAMES: dict[str, dict[str, str]] = {
    "en": {
        "university": "University or college",
        "federal_institute": "Federal institute (IF/CEFET)",
        "technical_school": "Technical or training school",
        "research_centre": "Research centre or laboratory",
        "technology_park": "Technology park or incubator",
        "other": "Other institution",
    },
    "pt": {
        "university": "Universidade ou faculdade",
        "federal_institute": "Instituto federal (IF/CEFET)",
        "technical_school": "Escola técnica ou de formação profissional",
        "research_centre": "Centro de pesquisa ou laboratório",
        "technology_park": "Parque tecnológico ou incubadora",
        "other": "Outra instituição",
    },
}

#: Short type names for the cells and key of the typology chart (the full
#: names are :data:`lps_geo.symbology.TYPE_LABELS`).
TYPE_SHORT_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "center": "Center",
        "advanced_vector": "Advanced vector",
        "local_vector": "Local vector",
        "embryo": "Embryo",
    },
    "pt": {
        "center": "Núcleo",
        "advanced_vector": "Vetor avançado",
        "local_vector": "Vetor local",
        "embryo": "Embrião",
    },
}


# ------------------------------------------------------- production structure

#: SEBRAE size classes (keys of :data:`lps_geo.vocab.SIZE_CLASS_KEYS`), light
#: to dark from micro to large (ColorBrewer Blues).
SIZE_CLASS_COLORS: dict[str, str] = {
    "micro": "#c6dbef",
    "small": "#6baed6",
    "medium": "#2171b5",
    "large": "#08306b",
}

#: Legend labels of the SEBRAE size classes (establishments).
SIZE_CLASS_LABELS: dict[str, dict[str, str]] = {
    "en": {"micro": "Micro", "small": "Small", "medium": "Medium", "large": "Large"},
    "pt": {"micro": "Micro", "small": "Pequeno", "medium": "Médio", "large": "Grande"},
}

#: Production-structure labels (keys of
#: :data:`lps_geo.vocab.STRUCTURE_LABEL_KEYS`), after Storper & Harrison (1991).
STRUCTURE_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "lead_firm": "Lead firm",
        "core_ring": "Core and ring",
        "small_firm": "Small firms",
    },
    "pt": {
        "lead_firm": "Empresa líder",
        "core_ring": "Núcleo-anel",
        "small_firm": "Pequenas empresas",
    },
}

#: What each production-structure label means, in a few words.
STRUCTURE_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "en": {
        "lead_firm": "lead establishments hold most jobs",
        "core_ring": "a few large among many smaller ones",
        "small_firm": "mostly micro and small, no lead one",
    },
    "pt": {
        "lead_firm": "líderes concentram o emprego",
        "core_ring": "poucos grandes entre muitos menores",
        "small_firm": "micro e pequenos, nenhum líder",
    },
}

#: Where a main supplier of an LPS's industry is present (keys of
#: :data:`lps_geo.vocab.SUPPLIER_PRESENCE_KEYS`).
SUPPLIER_PRESENCE_LABELS: dict[str, dict[str, str]] = {
    "en": {"members": "in the members", "nearby": "nearby", "absent": "absent"},
    "pt": {"members": "nos membros", "nearby": "nas proximidades", "absent": "ausente"},
}


# ------------------------------------------------------------ QL classes


def ql_classes(ql: pd.Series, breaks: Sequence[float] = QL_BREAKS) -> pd.Series:
    """Class of each location quotient on fixed breaks that keep zeros apart.

    Quantile classes collapse on QL distributions, which are mostly zeros with
    a long right tail; fixed breaks keep the classes comparable across
    industries and maps. With breaks ``(b1, b2, b3)`` the classes are
    0: QL = 0, 1: 0 < QL < b1, 2: b1 <= QL < b2, 3: b2 <= QL < b3,
    4: QL >= b3 (lower bounds included, as the typology's ``QL >= ql_high``).
    Classification uses :class:`mapclassify.UserDefined`.

    Parameters
    ----------
    ql
        Location quotients (non-negative); missing values stay missing.
    breaks
        Three increasing positive inner breaks.

    Returns
    -------
    pandas.Series
        Nullable integer classes 0-4, indexed like ``ql``, named ``ql_class``.

    Examples
    --------
    >>> ql_classes(pd.Series([0, 0.5, 1, 1.99, 2, 5, 12.0, None])).tolist()
    [0, 1, 2, 2, 3, 4, 4, <NA>]
    """
    import mapclassify

    breaks = tuple(float(b) for b in breaks)
    if len(breaks) != len(QL_RAMP) - 2 or not 0 < breaks[0] < breaks[1] < breaks[2]:
        raise ConfigError(
            f"QL breaks must be {len(QL_RAMP) - 2} increasing positive numbers "
            f"(one per colour of symbology.QL_RAMP after the zero class), got {breaks}"
        )
    values = pd.to_numeric(ql, errors="coerce").astype(float)
    out = pd.Series(pd.NA, index=ql.index, dtype="Int64", name="ql_class")
    known = values.notna()
    if known.any():
        # mapclassify bins are closed on the right; shift each break down one
        # float step so that a value equal to a break falls in the upper class.
        bins = [0.0, *(float(np.nextafter(b, -np.inf)) for b in breaks)]
        classifier = mapclassify.UserDefined(values[known].to_numpy(), bins)
        out[known] = classifier.yb
    return out


def ql_labels(breaks: Sequence[float], lang: str) -> list[str]:
    b1, b2, b3 = (f"{b:g}" for b in breaks)
    if lang == "pt":
        return ["= 0", f"> 0 e < {b1}", f"{b1} a < {b2}", f"{b2} a < {b3}", f"≥ {b3}"]
    return ["= 0", f"> 0 and < {b1}", f"{b1} to < {b2}", f"{b2} to < {b3}", f"≥ {b3}"]


def significance_classes(p_adj: pd.Series) -> pd.Series:
    """Class of each adjusted p-value for the significance map (NaN stays NaN).

    >>> significance_classes(pd.Series([0.0005, 0.004, 0.03, 0.2, np.nan])).tolist()
    ['p <= 0.001', 'p <= 0.01', 'p <= 0.05', 'not significant', nan]
    """
    p = pd.to_numeric(p_adj, errors="coerce")
    out = pd.Series(np.nan, index=p.index, dtype=object)
    out[p > 0.05] = "not significant"
    out[p <= 0.05] = "p <= 0.05"
    out[p <= 0.01] = "p <= 0.01"
    out[p <= 0.001] = "p <= 0.001"
    return out
