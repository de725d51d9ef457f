"""One palette per category: the QGIS style, the static map legend and the
atlas page give the same category the same colour."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex

import lps_geo
from lps_geo.export.qgis.styles import lps_type_style
from lps_geo.render.maps import typology_map
from lps_geo.symbology import TYPE_COLORS, TYPE_LABELS
from lps_geo.vocab import TYPES

DEMO = Path(__file__).resolve().parents[1] / "data" / "shapefiles"


@pytest.fixture(scope="module")
def result():
    cfg = lps_geo.load_config(DEMO / "demo.toml")
    return lps_geo.run(
        replace(
            cfg,
            statistics=replace(cfg.statistics, permutations=99),
            capability=replace(cfg.capability, permutations=99, surfaces=False),
        )
    )


def _qml_colors(qml: str) -> dict[str, str]:
    """Category value -> fill colour of a categorized QML renderer."""
    root = ET.fromstring(qml.split("\n", 1)[1] if qml.startswith("<!") else qml)
    renderer = root.find("renderer-v2")
    symbol_of = {c.get("symbol"): c.get("value") for c in renderer.iter("category")}
    out = {}
    for sym in renderer.find("symbols"):
        layer = sym.find("layer")
        color = None
        for opt in layer.iter("Option"):
            if opt.get("name") == "color":
                color = opt.get("value")
        if color is None:
            for prop in layer.iter("prop"):
                if prop.get("k") == "color":
                    color = prop.get("v")
        r, g, b = (int(v) for v in color.split(",")[:3])
        out[symbol_of[sym.get("name")]] = f"#{r:02x}{g:02x}{b:02x}"
    return out


def test_type_colours_agree_everywhere(result, tmp_path):
    qml = _qml_colors(lps_type_style("en").qml)
    ax = typology_map(result.municipalities, result.lps, lang="en")
    legend = {
        t.get_text().rsplit(" (", 1)[0]: to_hex(h.get_facecolor())
        for t, h in zip(
            ax.get_legend().get_texts(), ax.get_legend().legend_handles, strict=True
        )
    }
    plt.close("all")
    gpkg = lps_geo.write_geopackage(result, tmp_path / "r.gpkg")
    from lps_geo.render.atlas import lps_page_figure

    fig = lps_page_figure(gpkg, result.lps["lps_id"].iloc[0], lang="en")
    atlas = {}
    for artist in fig.findobj(
        lambda a: str(a.get_gid() or "").startswith(("lps_type:", "quadrant:"))
    ):
        kind = artist.get_gid().split(":", 1)[1]
        fc = artist.get_facecolor()
        color = fc[0] if hasattr(fc, "ndim") and fc.ndim == 2 else fc
        atlas.setdefault(kind, set()).add(to_hex(color))
    plt.close(fig)
    for t in TYPES:
        assert qml[t] == TYPE_COLORS[t], t
        assert legend[TYPE_LABELS["en"][t]] == TYPE_COLORS[t], t
    assert atlas, "the atlas page exposes its typology artists"
    for kind, colors in atlas.items():
        assert kind in TYPE_COLORS
        assert colors <= {TYPE_COLORS[kind]}, (kind, colors)


def test_change_colours_agree_everywhere():
    """Change categories: QGIS style, static map legend and palette agree;
    vanished is hatched (outline and hatch in its colour, no fill) in both."""
    import geopandas as gpd
    from shapely.geometry import box

    from lps_geo.export.qgis.styles import change_style
    from lps_geo.render.change_map import change_map
    from lps_geo.symbology import CHANGE_COLORS, CHANGE_HATCHED
    from lps_geo.symbology import CHANGE_LABELS as CATEGORY_LABELS
    from lps_geo.vocab import CHANGE_CATEGORIES as CATEGORIES

    assert tuple(CHANGE_COLORS) == CATEGORIES
    style = change_style("en")
    qml = _qml_colors(style.qml)
    layer = gpd.GeoDataFrame(
        {"industry": "15.3", "category": list(CATEGORIES)},
        geometry=[box(i, 0, i + 1, 1) for i in range(len(CATEGORIES))],
        crs="EPSG:5880",
    )
    ax = change_map(layer, lang="en")
    handles = dict(
        zip(
            (t.get_text().rsplit(" (", 1)[0] for t in ax.get_legend().get_texts()),
            ax.get_legend().legend_handles,
            strict=True,
        )
    )
    plt.close("all")
    for cat in CATEGORIES:
        assert qml[cat] == CHANGE_COLORS[cat], cat
        handle = handles[CATEGORY_LABELS["en"][cat]]
        if cat in CHANGE_HATCHED:
            assert to_hex(handle.get_edgecolor()) == CHANGE_COLORS[cat]
            assert handle.get_hatch() and handle.get_facecolor()[3] == 0
        else:
            assert to_hex(handle.get_facecolor()) == CHANGE_COLORS[cat], cat
    assert style.qml.count('name="style" value="b_diagonal"') == len(CHANGE_HATCHED)
