"""Colours and category orders shared by maps, QGIS styles and the atlas.

Defined once here; every renderer reads these tables so a category has the same
colour everywhere.
"""

from __future__ import annotations

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
