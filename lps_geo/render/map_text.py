"""Titles and legend headings of the static maps, in English and Portuguese.

Category labels are in :mod:`lps_geo.symbology`; this module holds the prose
around them.

>>> map_title(MAP_TEXT["pt"]["ql"], None, "pt")
'Quociente locacional — todas as atividades'
"""

from __future__ import annotations

#: Map titles, legend headings and axis labels, by language.
MAP_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "typology": "Local production systems by type",
        "all_industries": "all industries",
        "lps_type": "LPS type (number of LPS)",
        "ql": "Location quotient",
        "ql_legend": "QL (number of areas)",
        "lisa": "Local Moran (LISA) clusters",
        "gi": "Getis-Ord Gi* hot and cold spots",
        "areas": "Category (number of areas)",
        "no_data": "No data",
        "capability": "Capability: support institutions and LPS",
        "significance": "Local Moran significance (adjusted p)",
        "moran": "Moran scatter plot",
        "moran_x": "{var} (standardised)",
        "moran_y": "Spatial lag",
        "institutions": "Institutions (number)",
        "density": "Institution density",
        "change": "Change of local production systems, {before}–{after}",
        "change_legend": "Change {before}–{after} (number of LPS)",
    },
    "pt": {
        "typology": "Arranjos produtivos locais por tipo",
        "all_industries": "todas as atividades",
        "lps_type": "Tipo de APL (número de APLs)",
        "ql": "Quociente locacional",
        "ql_legend": "QL (número de áreas)",
        "lisa": "Agrupamentos de Moran local (LISA)",
        "gi": "Pontos quentes e frios (Getis-Ord Gi*)",
        "areas": "Categoria (número de áreas)",
        "no_data": "Sem dados",
        "capability": "Capacitações: instituições de apoio e APLs",
        "significance": "Significância do Moran local (p ajustado)",
        "moran": "Diagrama de dispersão de Moran",
        "moran_x": "{var} (padronizado)",
        "moran_y": "Defasagem espacial",
        "institutions": "Instituições (número)",
        "density": "Densidade de instituições",
        "change": "Mudança dos arranjos produtivos locais, {before}–{after}",
        "change_legend": "Mudança {before}–{after} (número de APLs)",
    },
}


def map_title(base: str, industry: str | None, lang: str) -> str:
    """``base`` followed by the industry, or by "all industries" when ``None``."""
    if industry is None:
        return f"{base} — {MAP_TEXT[lang]['all_industries']}"
    return f"{base} — {industry}"
