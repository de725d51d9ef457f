"""QGIS layer styles in the GeoPackage (lps_geo.export.qgis.styles, .layer_styles).

Unit tests parse the QML and SLD documents and check that every category has
its palette colour; the demo tests write the styles into a real result
GeoPackage, validate it with GDAL's ``validate_gpkg --extra`` and open it in
QGIS 3.22 (Debian's PyQGIS, in a separate process), which must apply the
default styles, list the extra ones and render every layer.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from shapely.geometry import box

import lps_geo
from lps_geo import symbology
from lps_geo.errors import ConfigError, InputError
from lps_geo.export.qgis.layer_styles import (
    LAYER_STYLES_SQL,
    write_default_styles,
    write_layer_styles,
)
from lps_geo.export.qgis.qml import darker
from lps_geo.export.qgis.styles import (
    DESCRIPTION_MARKER,
    FOCUS_COLUMNS,
    LPS_FILL_OPACITY,
    add_focus_columns,
    categorized_style,
    default_styles,
    gi_style,
    institution_style,
    lisa_style,
    lps_type_style,
    ql_class_style,
)
from lps_geo.result import Result, RunMetadata, RunReport
from lps_geo.symbology import (
    EDGE_COLOR,
    GI_BIN_COLORS,
    INSTITUTION_COLORS,
    LISA_COLORS,
    NO_DATA_COLOR,
    QL_RAMP,
    TYPE_COLORS,
    TYPE_LABELS,
)
from lps_geo.vocab import TYPES

ROOT = Path(__file__).resolve().parents[1]
DEBIAN_PYTHON = "/usr/bin/python3"
SE = "{http://www.opengis.net/se}"
OGC = "{http://www.opengis.net/ogc}"
LPS_ALPHA = round(255 * LPS_FILL_OPACITY)


# ------------------------------------------------------------------ helpers


def _rgb(hex_color: str) -> tuple[int, int, int]:
    return tuple(int(hex_color[i : i + 2], 16) for i in (1, 3, 5))


def qml_categories(qml: str) -> tuple[ET.Element, list[dict]]:
    """Renderer element and, per category, value, label and symbol colours."""
    root = ET.fromstring(qml)
    renderer = root.find("renderer-v2")
    symbols = {s.get("name"): s for s in renderer.find("symbols")}
    out = []
    for cat in renderer.find("categories"):
        layer = symbols[cat.get("symbol")].find("layer")
        option = {
            o.get("name"): o.get("value")
            for o in layer.find("Option").findall("Option")
        }
        prop = {p.get("k"): p.get("v") for p in layer.findall("prop")}
        out.append(
            {
                "value": cat.get("value"),
                "label": cat.get("label"),
                "class": layer.get("class"),
                "color": tuple(int(v) for v in option["color"].split(",")),
                "prop_color": tuple(int(v) for v in prop["color"].split(",")),
                "outline": tuple(int(v) for v in option["outline_color"].split(",")),
            }
        )
    return renderer, out


def sld_rules(sld: str) -> list[dict]:
    root = ET.fromstring(sld.encode("utf-8"))
    out = []
    for rule in root.iter(f"{SE}Rule"):
        literal = rule.find(f"{OGC}Filter/{OGC}PropertyIsEqualTo/{OGC}Literal")
        params = {p.get("name"): p.text for p in rule.iter(f"{SE}SvgParameter")}
        out.append(
            {
                "value": None if literal is None else literal.text,
                "field": rule.findtext(
                    f"{OGC}Filter/{OGC}PropertyIsEqualTo/{OGC}PropertyName"
                ),
                "else": rule.find(f"{SE}ElseFilter") is not None,
                "title": rule.findtext(f"{SE}Description/{SE}Title"),
                "fill": params.get("fill"),
                "fill_opacity": params.get("fill-opacity"),
                "stroke": params.get("stroke"),
                "point": rule.find(f"{SE}PointSymbolizer") is not None,
                "polygon": rule.find(f"{SE}PolygonSymbolizer") is not None,
            }
        )
    return out


def expected(kind: str, lang: str) -> tuple[str, list[tuple[str, str, str]], bool]:
    """Field, [(value, colour, label)] and whether a no-data category follows."""
    if kind == "lps":
        return (
            "lps_type",
            [(t, TYPE_COLORS[t], TYPE_LABELS[lang][t]) for t in TYPES],
            False,
        )
    if kind == "ql":
        labels = symbology.ql_labels(symbology.QL_BREAKS, lang)
        return (
            "focus_ql_class",
            [(str(i), c, labels[i]) for i, c in enumerate(QL_RAMP)],
            True,
        )
    if kind == "lisa":
        return (
            "focus_lisa",
            [(k, c, symbology.LISA_LABELS[lang][k]) for k, c in LISA_COLORS.items()],
            True,
        )
    if kind == "gi":
        return (
            "focus_gi_bin",
            [
                (str(k), c, symbology.GI_LABELS[lang][k])
                for k, c in GI_BIN_COLORS.items()
            ],
            True,
        )
    return (
        "type",
        [
            (k, c, symbology.INSTITUTION_LABELS[lang][k])
            for k, c in INSTITUTION_COLORS.items()
        ],
        False,
    )


BUILDERS = {
    "lps": lps_type_style,
    "ql": ql_class_style,
    "lisa": lisa_style,
    "gi": gi_style,
    "institutions": institution_style,
}


# -------------------------------------------------------------- QML and SLD


@pytest.mark.parametrize("lang", ["en", "pt"])
@pytest.mark.parametrize("kind", list(BUILDERS))
def test_qml_categories_have_the_palette_colours(kind, lang):
    style = BUILDERS[kind](lang=lang)
    assert style.qml.startswith("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd'")
    root = ET.fromstring(style.qml)
    assert root.tag == "qgis"
    assert root.get("version").startswith("3.22")
    assert root.get("styleCategories") == "AllStyleCategories"
    renderer, cats = qml_categories(style.qml)
    assert renderer.get("type") == "categorizedSymbol"
    field, categories, no_data = expected(kind, lang)
    assert renderer.get("attr") == field
    n = len(categories)
    assert [c["value"] for c in cats[:n]] == [v for v, _, _ in categories]
    assert [c["label"] for c in cats[:n]] == [lab for _, _, lab in categories]
    alpha = LPS_ALPHA if kind == "lps" else 255
    for cat, (_, colour, _) in zip(cats[:n], categories, strict=True):
        # same category -> same colour: the QML colour is the palette colour
        assert cat["color"] == (*_rgb(colour), alpha)
        assert cat["prop_color"] == cat["color"]
    if no_data:
        assert len(cats) == n + 1
        assert cats[-1]["value"] == ""
        assert cats[-1]["color"] == (*_rgb(NO_DATA_COLOR), 255)
        assert all(c["outline"] == (*_rgb(EDGE_COLOR), 255) for c in cats)
    else:
        assert len(cats) == n
    geometry = "2" if kind != "institutions" else "0"
    assert root.findtext("layerGeometryType") == geometry
    assert {c["class"] for c in cats} == {
        "SimpleMarker" if kind == "institutions" else "SimpleFill"
    }


@pytest.mark.parametrize("lang", ["en", "pt"])
@pytest.mark.parametrize("kind", list(BUILDERS))
def test_sld_rules_have_the_palette_colours(kind, lang):
    style = BUILDERS[kind](lang=lang)
    root = ET.fromstring(style.sld.encode("utf-8"))
    assert root.tag == "{http://www.opengis.net/sld}StyledLayerDescriptor"
    assert root.get("version") == "1.1.0"
    assert root.findtext(f"{{http://www.opengis.net/sld}}NamedLayer/{SE}Name") == (
        style.table
    )
    rules = sld_rules(style.sld)
    field, categories, no_data = expected(kind, lang)
    n = len(categories)
    assert len(rules) == n + int(no_data)
    for rule, (value, colour, label) in zip(rules[:n], categories, strict=True):
        assert (rule["field"], rule["value"], rule["title"]) == (field, value, label)
        assert rule["fill"] == colour
        assert rule["point"] is (kind == "institutions")
        assert rule["polygon"] is (kind != "institutions")
    if kind == "lps":
        assert all(float(r["fill_opacity"]) == LPS_FILL_OPACITY for r in rules)
    if no_data:
        assert rules[-1]["else"] and rules[-1]["fill"] == NO_DATA_COLOR


def test_outlines_are_darker_shades_of_the_category_colour():
    # 0x7b * 0.6 = 73.8 -> 0x4a, 0x32 * 0.6 = 30 -> 0x1e, 0x94 * 0.6 = 88.8 -> 0x59
    assert darker("#7b3294") == "#4a1e59"
    assert darker("#ffffff", 0.5) == "#808080"
    _, cats = qml_categories(lps_type_style().qml)
    assert [c["outline"] for c in cats] == [
        (*_rgb(darker(TYPE_COLORS[t])), 255) for t in TYPES
    ]


def test_categorized_style_is_generic_and_validates():
    style = categorized_style(
        "points",
        "Mine",
        "kind",
        [("a", "#112233", "A & B <x>"), (7, "#445566", "seven")],
        "point",
        other=("#ffffff", "rest"),
        default=False,
        description="custom",
    )
    assert style.description == f"{DESCRIPTION_MARKER} custom"
    assert not style.default
    renderer, cats = qml_categories(style.qml)
    assert [(c["value"], c["label"], c["color"]) for c in cats] == [
        ("a", "A & B <x>", (17, 34, 51, 255)),
        ("7", "seven", (68, 85, 102, 255)),
        ("", "rest", (255, 255, 255, 255)),
    ]
    with pytest.raises(ConfigError, match="'#rrggbb'.*'red'"):
        categorized_style("t", "n", "f", [("a", "red", "A")], "polygon")
    with pytest.raises(ConfigError, match="distinct and non-empty"):
        categorized_style(
            "t", "n", "f", [(1, "#000000", "A"), ("1", "#000000", "B")], "polygon"
        )
    with pytest.raises(ConfigError, match="geometry must be one of polygon, point"):
        categorized_style("t", "n", "f", [("a", "#000000", "A")], "line")
    with pytest.raises(ConfigError, match="no categories"):
        categorized_style("t", "n", "f", [], "polygon")
    with pytest.raises(ConfigError, match="lang must be one of pt, en"):
        lps_type_style("fr")


# ------------------------------------------------------------ focus columns


@pytest.fixture
def micro_result():
    """Three municipalities in two microregions; indicators at microregion level."""
    mun = gpd.GeoDataFrame(
        {
            "region": ["1900001", "1900002", "1900003"],
            "name": ["A", "B", "C"],
            "unit": ["19001", "19001", "19002"],
        },
        geometry=[box(0, 0, 1e4, 1e4), box(1e4, 0, 2e4, 1e4), box(2e4, 0, 3e4, 1e4)],
        crs="EPSG:5880",
    )
    regions = gpd.GeoDataFrame(
        {"region": ["19001", "19002"], "name": ["M1", "M2"]},
        geometry=[box(0, 0, 2e4, 1e4), box(2e4, 0, 3e4, 1e4)],
        crs="EPSG:5880",
    )
    ind = pd.DataFrame(
        {
            "region": ["19001", "19002", "19001", "19002"],
            "industry": ["15.3", "15.3", "26.1", "26.1"],
            "ql": [2.0, 0.4, 1.0, 1.0],
            "lisa_label": pd.Categorical(
                ["High-High", "not significant", "Low-Low", "Low-Low"]
            ),
            "gi_bin": [3, -1, 0, 0],
        }
    )
    lps = gpd.GeoDataFrame(
        {"industry": ["15.3"], "lps_type": ["center"], "employment": [10.0]},
        geometry=[box(0, 0, 2e4, 1e4)],
        crs="EPSG:5880",
    )
    return Result(
        mun,
        ind,
        pd.DataFrame({"industry": ["15.3", "26.1"]}),
        lps,
        pd.DataFrame({"lps_id": ["15.3-1"], "region": ["19001"]}),
        metadata=RunMetadata(seed=1),
        report=RunReport.from_dict({}),
        regions=regions,
    )


def test_add_focus_columns_reads_the_indicators(micro_result):
    out = add_focus_columns(micro_result)  # focus: 15.3, the only LPS industry
    mun = out.municipalities
    assert list(mun.columns[-5:]) == list(FOCUS_COLUMNS)
    assert mun["focus_industry"].tolist() == ["15.3"] * 3
    # municipalities take their microregion's values (unit column)
    assert_allclose(mun["focus_ql"].to_numpy(), [2.0, 2.0, 0.4])
    assert mun["focus_ql_class"].tolist() == [3, 3, 1]  # [2, 5) and (0, 1)
    assert mun["focus_lisa"].tolist() == ["High-High", "High-High", "not significant"]
    assert mun["focus_gi_bin"].tolist() == [3, 3, -1]
    assert out.regions["focus_ql_class"].tolist() == [3, 1]
    assert out.regions["focus_lisa"].tolist() == ["High-High", "not significant"]
    # the input is not modified
    assert "focus_ql" not in micro_result.municipalities.columns
    other = add_focus_columns(micro_result, "26.1").regions
    assert other["focus_ql_class"].tolist() == [2, 2]  # QL = 1 is in [1, 2)
    with pytest.raises(InputError, match="industry '99.9' not found"):
        add_focus_columns(micro_result, "99.9")


def test_add_focus_columns_leaves_unknown_areas_null(micro_result):
    ind = micro_result.indicators[micro_result.indicators["region"] != "19002"]
    out = add_focus_columns(dataclasses.replace(micro_result, indicators=ind), "15.3")
    mun = out.municipalities
    assert mun["focus_ql_class"].isna().tolist() == [False, False, True]
    assert mun["focus_lisa"].tolist()[2] is None
    assert mun["focus_gi_bin"].isna().tolist() == [False, False, True]


def test_default_styles_follow_the_layers_present(micro_result):
    plain = default_styles(micro_result)  # no focus columns yet: only the LPS
    assert [(s.table, s.name) for s in plain] == [("lps", "LPS type")]
    styles = default_styles(add_focus_columns(micro_result, "15.3"), lang="pt")
    assert [(s.table, s.name, s.default) for s in styles] == [
        ("municipalities", "Classe de QL", True),
        ("municipalities", "LISA", False),
        ("municipalities", "Gi*", False),
        ("regions", "Classe de QL", True),
        ("regions", "LISA", False),
        ("regions", "Gi*", False),
        ("lps", "Tipo de APL", True),
    ]
    assert "15.3" in styles[0].description
    assert all(s.description.startswith(DESCRIPTION_MARKER) for s in styles)


# ------------------------------------------------------------ the table


@pytest.fixture
def small_gpkg(tmp_path, micro_result):
    path = tmp_path / "small.gpkg"
    lps_geo.write_geopackage(
        add_focus_columns(micro_result, "15.3"), path, styled=False
    )
    return path


def _rows(path: Path, columns: str = "*") -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT {columns} FROM layer_styles ORDER BY id").fetchall()
    finally:
        con.close()


def test_write_layer_styles_writes_the_table_qgis_reads(small_gpkg):
    styles = write_default_styles(small_gpkg)
    assert len(styles) == 7
    con = sqlite3.connect(small_gpkg)
    try:
        sql = con.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'layer_styles'"
        ).fetchone()[0]
        contents = con.execute(
            "SELECT data_type, identifier, srs_id FROM gpkg_contents "
            "WHERE table_name = 'layer_styles'"
        ).fetchone()
        geometry = dict(
            con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns")
        )
    finally:
        con.close()
    assert sql == LAYER_STYLES_SQL
    assert contents == ("attributes", "layer_styles", 0)
    rows = _rows(
        small_gpkg,
        "f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName,"
        " useAsDefault, owner, ui, typeof(styleQML), length(styleSLD) > 0",
    )
    assert [r[:2] for r in rows] == [("", "")] * 7  # empty strings, not NULL
    assert [r[2] for r in rows] == ["municipalities"] * 3 + ["regions"] * 3 + ["lps"]
    assert all(r[3] == geometry[r[2]] for r in rows)
    assert [r[4:6] for r in rows] == [
        ("QL class", 1),
        ("LISA", 0),
        ("Gi*", 0),
        ("QL class", 1),
        ("LISA", 0),
        ("Gi*", 0),
        ("LPS type", 1),
    ]
    assert {r[6:] for r in rows} == {("", None, "text", 1)}


def test_write_layer_styles_is_idempotent_and_keeps_user_rows(small_gpkg):
    write_default_styles(small_gpkg)
    con = sqlite3.connect(small_gpkg)
    with con:
        con.execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name,"
            " f_geometry_column, styleName, styleQML, useAsDefault, description, "
            "owner) VALUES ('', '', 'lps', 'geom', 'mine', '<qgis/>', 1, 'by hand', '')"
        )
    con.close()
    assert write_layer_styles(small_gpkg, default_styles(small_gpkg, lang="pt")) == 7
    rows = _rows(small_gpkg, "f_table_name, styleName, useAsDefault")
    assert len(rows) == 8  # the 7 lps_geo rows replaced, the user's row kept
    assert ("lps", "mine", 0) in rows  # ... without its default flag
    assert ("lps", "Tipo de APL", 1) in rows
    assert ("municipalities", "QL class", 1) not in rows


def test_write_layer_styles_errors(small_gpkg, tmp_path):
    with pytest.raises(InputError, match="no feature table 'roads'.*lps, munic"):
        write_layer_styles(small_gpkg, [lps_type_style(table="roads")])
    with pytest.raises(InputError, match="two default styles"):
        write_layer_styles(small_gpkg, [lps_type_style(), lps_type_style()])
    with pytest.raises(InputError, match="not found; write it with write_geopackage"):
        write_layer_styles(tmp_path / "missing.gpkg", [lps_type_style()])
    bad = tmp_path / "bad.gpkg"
    bad.write_text("not sqlite")
    with pytest.raises(InputError, match="is not a GeoPackage"):
        write_layer_styles(bad, [lps_type_style()])
    # nothing was written by the failed calls
    con = sqlite3.connect(small_gpkg)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    finally:
        con.close()
    assert "layer_styles" not in tables


# --------------------------------------------------- the demo GeoPackage


@pytest.fixture(scope="module")
def demo_gpkg(tmp_path_factory):
    """The demo run (fewer permutations), with focus columns and styles."""
    cfg = lps_geo.load_config(ROOT / "data" / "shapefiles" / "demo.toml")
    # 999 permutations without FDR: fast, and several LISA/Gi* categories occur
    cfg = dataclasses.replace(
        cfg,
        statistics=dataclasses.replace(
            cfg.statistics, permutations=999, correction="none"
        ),
        capability=dataclasses.replace(cfg.capability, permutations=99, surfaces=False),
        output=dataclasses.replace(cfg.output, maps=False),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lps_geo.LpsGeoWarning)
        result = add_focus_columns(lps_geo.run(cfg), "15.3")
    path = tmp_path_factory.mktemp("styles") / "demo.gpkg"
    lps_geo.write_geopackage(result, path, focus_industry="15.3")
    write_default_styles(path, lang="en")
    return path, result


def test_demo_focus_columns_match_the_indicators(demo_gpkg):
    path, result = demo_gpkg
    mun = gpd.read_file(path, layer="municipalities", engine="pyogrio")
    rows = result.indicators[result.indicators["industry"] == "15.3"].set_index(
        "region"
    )
    codes = mun["region"].astype(str)
    assert_allclose(mun["focus_ql"].to_numpy(), rows.loc[codes, "ql"].to_numpy())
    assert_array_equal(
        mun["focus_ql_class"].to_numpy(),
        symbology.ql_classes(rows.loc[codes, "ql"]).to_numpy(dtype=int),
    )
    assert_array_equal(
        mun["focus_lisa"].to_numpy(dtype=str),
        rows.loc[codes, "lisa_label"].astype(str).to_numpy(),
    )
    assert_array_equal(
        mun["focus_gi_bin"].to_numpy(), rows.loc[codes, "gi_bin"].to_numpy()
    )
    assert set(mun["focus_industry"]) == {"15.3"}
    # several categories of each style are in use on the demo
    assert mun["focus_ql_class"].nunique() == 5
    assert mun["focus_lisa"].nunique() >= 3
    assert mun["focus_gi_bin"].nunique() >= 3


def test_demo_layer_styles_rows(demo_gpkg):
    path, _ = demo_gpkg
    rows = _rows(path, "f_table_name, f_geometry_column, styleName, useAsDefault")
    assert rows == [
        ("municipalities", "geom", "QL class", 1),
        ("municipalities", "geom", "LISA", 0),
        ("municipalities", "geom", "Gi*", 0),
        ("lps", "geom", "LPS type", 1),
        ("institutions", "geom", "Institution type", 1),
    ]


def test_demo_passes_gdal_validate_gpkg_extra(demo_gpkg):
    pytest.importorskip(
        "osgeo_utils",
        reason="gdal-utils not installed (pip install --no-deps gdal-utils)",
    )
    path, _ = demo_gpkg
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "osgeo_utils.samples.validate_gpkg",
            "-v",
            "--extra",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Checking attributes table layer_styles" in run.stdout


# ------------------------------------------------------------- real QGIS

QGIS_SCRIPT = r"""
import json, os, sqlite3, sys
from qgis.core import (QgsApplication, QgsFeature, QgsMapRendererParallelJob,
    QgsMapSettings, QgsProject, QgsRenderContext, QgsVectorLayer)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor
from qgis.PyQt.QtXml import QDomDocument

gpkg, outdir = sys.argv[1], sys.argv[2]
app = QgsApplication([], False)
app.initQgis()
con = sqlite3.connect(gpkg)
tables = [r[0] for r in con.execute("SELECT table_name FROM gpkg_geometry_columns")]
sld = {(t, n): s for t, n, s in con.execute(
    "SELECT f_table_name, styleName, styleSLD FROM layer_styles")}
con.close()

def renderer_info(layer):
    r = layer.renderer()
    info = {"renderer": r.type()}
    if r.type() == "categorizedSymbol":
        info["field"] = r.classAttribute()
        info["categories"] = [
            [str(c.value()), c.label(), c.symbol().symbolLayer(0).color().name(),
             c.symbol().symbolLayer(0).color().alpha()] for c in r.categories()]
    return info

def render(layer, png):
    ms = QgsMapSettings()
    ms.setLayers([layer])
    ms.setDestinationCrs(layer.crs())
    ms.setExtent(layer.extent())
    ms.setOutputSize(QSize(240, 240))
    ms.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererParallelJob(ms)
    job.start()
    job.waitForFinished()
    img = job.renderedImage()
    img.save(png, "PNG")
    colours = {img.pixel(x, y) for x in range(0, img.width(), 2)
               for y in range(0, img.height(), 2)}
    return len(colours)

def sld_info(layer, path):
    # load an SLD file into a copy of the layer with QGIS's own SLD parser
    other = layer.clone()
    _msg, ok = other.loadSldStyle(path)
    colours = []
    if ok and other.renderer().type() == "RuleRenderer":
        colours = [r.symbol().symbolLayer(0).color().name()
                   for r in other.renderer().rootRule().children()]
    info = [ok, other.renderer().type(), colours]
    del other
    return info


def stored_style(layer, name, sid, sname):
    qml, _ = layer.getStyleFromDatabase(sid)
    clone = layer.clone()
    doc = QDomDocument()
    doc.setContent(qml)
    ok, _ = clone.importNamedStyle(doc)
    info = renderer_info(clone)
    info["imported"] = ok
    info["distinct_colours"] = render(
        clone, os.path.join(outdir, f"{name}_{sid}.png"))
    del clone
    sld_path = os.path.join(outdir, f"{name}_{sid}.sld")
    with open(sld_path, "w", encoding="utf-8") as fh:
        fh.write(sld[(name, sname)])
    info["sld"] = sld_info(layer, sld_path)
    return info


def probe(name):
    layer = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
    entry = {"valid": layer.isValid(), "features": layer.featureCount()}
    entry.update(renderer_info(layer))
    entry["png"] = os.path.join(outdir, f"{name}.png")
    entry["distinct_colours"] = render(layer, entry["png"])
    n, ids, names, descs, err = layer.listStylesInDatabase()
    entry["styles"] = list(names)[:n]
    entry["extra"] = {
        sname: stored_style(layer, name, sid, sname)
        for sid, sname in list(zip(ids, names))[:n]
    }
    if name == "municipalities":
        # the empty-valued category takes the features without a value
        r = layer.renderer().clone()
        ctx = QgsRenderContext()
        r.startRender(ctx, layer.fields())
        f = QgsFeature(layer.fields())
        f.setAttribute("focus_ql_class", None)
        s = r.symbolForFeature(f, ctx)
        entry["null_fill"] = None if s is None else s.symbolLayer(0).color().name()
        f.setAttribute("focus_ql_class", 4)  # an integer field matches value "4"
        entry["class4_fill"] = r.symbolForFeature(f, ctx).symbolLayer(0).color().name()
        r.stopRender(ctx)
        del s, f, r
    del layer
    return entry


out = {name: probe(name) for name in tables}
print(json.dumps(out))
QgsProject.instance().clear()
app.exitQgis()
"""


def _qgis_available() -> bool:
    if not os.path.exists(DEBIAN_PYTHON):
        return False
    probe = subprocess.run(
        [DEBIAN_PYTHON, "-c", "import qgis.core"], capture_output=True, timeout=60
    )
    return probe.returncode == 0


@pytest.fixture(scope="module")
def qgis_report(demo_gpkg, tmp_path_factory):
    if not _qgis_available():
        pytest.skip(
            "QGIS 3.22 / PyQGIS not installed for /usr/bin/python3 "
            "(apt-get install qgis python3-qgis)"
        )
    path, _ = demo_gpkg
    work = tmp_path_factory.mktemp("qgis")
    script = work / "probe.py"
    script.write_text(QGIS_SCRIPT, encoding="utf-8")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(work),
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_RUNTIME_DIR": str(work),
        "LANG": "C.UTF-8",
    }
    run = subprocess.run(
        [DEBIAN_PYTHON, str(script), str(path), str(work)],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def _palette(kind: str, lang: str = "en") -> list[list]:
    field, categories, no_data = expected(kind, lang)
    alpha = LPS_ALPHA if kind == "lps" else 255
    out = [[v, lab, c, alpha] for v, c, lab in categories]
    if no_data:
        out.append(["", "No data", NO_DATA_COLOR, 255])
    return out


def test_qgis_applies_the_default_styles_with_the_palette_colours(
    qgis_report, demo_gpkg
):
    path, _ = demo_gpkg
    con = sqlite3.connect(path)
    try:
        counts = {
            t: con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]
            for t in ("municipalities", "lps", "institutions")
        }
    finally:
        con.close()
    assert set(counts) <= set(qgis_report)
    fields = {"municipalities": "ql", "lps": "lps", "institutions": "institutions"}
    for table, kind in fields.items():
        layer = qgis_report[table]
        assert layer["valid"], table
        assert layer["features"] == counts[table]
        # the stored default style was applied, not the single-symbol default
        assert layer["renderer"] == "categorizedSymbol", table
        assert layer["field"] == expected(kind, "en")[0]
        # the QGIS side of "same category -> same colour"
        assert layer["categories"] == _palette(kind), table
        assert layer["distinct_colours"] > 1, f"{table} rendered blank"
        assert Path(layer["png"]).stat().st_size > 0
    assert qgis_report["municipalities"]["null_fill"] == NO_DATA_COLOR
    assert qgis_report["municipalities"]["class4_fill"] == QL_RAMP[4]


def test_qgis_lists_and_reads_the_extra_styles(qgis_report):
    mun = qgis_report["municipalities"]
    assert mun["styles"] == ["QL class", "LISA", "Gi*"]
    for name, kind in (("QL class", "ql"), ("LISA", "lisa"), ("Gi*", "gi")):
        style = mun["extra"][name]
        assert style["imported"], name
        assert style["renderer"] == "categorizedSymbol"
        assert style["field"] == expected(kind, "en")[0]
        assert style["categories"] == _palette(kind)
        assert style["distinct_colours"] > 1, f"{name} rendered blank"
    assert qgis_report["lps"]["styles"] == ["LPS type"]
    assert qgis_report["institutions"]["styles"] == ["Institution type"]


def test_qgis_reads_the_sld_documents(qgis_report):
    for table, kind in (
        ("municipalities", "ql"),
        ("lps", "lps"),
        ("institutions", "institutions"),
    ):
        for name, style in qgis_report[table]["extra"].items():
            ok, renderer, colours = style["sld"]
            assert ok and renderer == "RuleRenderer", (table, name)
        ok, renderer, colours = next(iter(qgis_report[table]["extra"].values()))["sld"]
        assert colours == [c for _, _, c, _ in _palette(kind)]
    lisa = qgis_report["municipalities"]["extra"]["LISA"]["sld"][2]
    assert lisa == [*LISA_COLORS.values(), NO_DATA_COLOR]
    gi = qgis_report["municipalities"]["extra"]["Gi*"]["sld"][2]
    assert gi == [*GI_BIN_COLORS.values(), NO_DATA_COLOR]
