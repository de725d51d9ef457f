"""The QGIS project stored in the result GeoPackage (lps_geo.export.qgis.project).

Pure-Python tests check the storage format and the project XML; the real
clients (GDAL's validate_gpkg, Debian's PyQGIS, qgis_process.bin, poppler) open
the demo GeoPackage and print its atlas, and skip with a reason where absent.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import replace
from pathlib import Path

import pyogrio
import pytest

import lps_geo
from lps_geo.errors import InputError
from lps_geo.export.qgis.layout import LAYOUT_NAME
from lps_geo.export.qgis.project import (
    qgis_project_xml,
    read_qgis_project,
    write_qgis_project,
)
from lps_geo.symbology import TYPE_COLORS
from lps_geo.vocab import TYPES

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = "/usr/bin/python3"
QGIS_PROCESS = "/usr/bin/qgis_process.bin"


# ------------------------------------------------------------------ fixtures


def _lps_style_qml() -> str:
    """A categorized QML style for ``lps`` (typology colours), as QGIS stores it."""
    cats = "".join(
        f'<category symbol="{i}" value="{t}" label="{t}" render="true"/>'
        for i, t in enumerate(TYPES)
    )
    syms = "".join(
        f'<symbol type="fill" name="{i}" alpha="1" clip_to_extent="1">'
        '<layer class="SimpleFill" enabled="1" pass="0">'
        f'<prop k="color" v="{_rgb(TYPE_COLORS[t])},255"/>'
        '<prop k="outline_color" v="51,51,51,255"/></layer></symbol>'
        for i, t in enumerate(TYPES)
    )
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
        '<qgis version="3.22.16" styleCategories="AllStyleCategories">'
        '<renderer-v2 type="categorizedSymbol" attr="lps_type" symbollevels="0">'
        f"<categories>{cats}</categories><symbols>{syms}</symbols></renderer-v2>"
        "</qgis>"
    )


def _rgb(hex_color: str) -> str:
    h = hex_color.lstrip("#")
    return ",".join(str(int(h[i : i + 2], 16)) for i in (0, 2, 4))


def _add_default_style(path: Path, table: str, qml: str) -> None:
    """Insert a default style row the way QGIS 3.22 applies it (CLIENTS.md)."""
    with sqlite3.connect(path) as con:
        con.execute(
            'CREATE TABLE IF NOT EXISTS "layer_styles" ("id" INTEGER PRIMARY KEY '
            'AUTOINCREMENT NOT NULL, "f_table_catalog" TEXT(256), "f_table_schema" '
            'TEXT(256), "f_table_name" TEXT(256), "f_geometry_column" TEXT(256), '
            '"styleName" TEXT(30), "styleQML" TEXT, "styleSLD" TEXT, '
            '"useAsDefault" BOOLEAN, "description" TEXT, "owner" TEXT(30), '
            '"ui" TEXT(30), "update_time" DATETIME DEFAULT '
            "(strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
        )
        con.execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, "
            "f_table_name, f_geometry_column, styleName, styleQML, useAsDefault) "
            "VALUES ('', '', ?, 'geom', 'default', ?, 1)",
            (table, qml),
        )
        con.execute(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, "
            "identifier) VALUES ('layer_styles', 'attributes', 'layer_styles')"
        )
    con.close()


@pytest.fixture(scope="module")
def demo_gpkg(tmp_path_factory) -> Path:
    """The demo run (fewer permutations, no maps or surfaces) as a GeoPackage."""
    cfg = lps_geo.load_config(ROOT / "data" / "shapefiles" / "demo.toml")
    cfg = replace(
        cfg,
        statistics=replace(cfg.statistics, permutations=999),
        capability=replace(cfg.capability, permutations=99, surfaces=False),
        output=replace(cfg.output, maps=False),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = lps_geo.run(cfg)
    path = tmp_path_factory.mktemp("qgis") / "demo.gpkg"
    lps_geo.write_geopackage(result, path)
    return path


@pytest.fixture(scope="module")
def project_gpkg(demo_gpkg, tmp_path_factory) -> Path:
    """The demo GeoPackage with an lps default style and the stored project."""
    path = tmp_path_factory.mktemp("project") / "demo.gpkg"
    shutil.copy(demo_gpkg, path)
    with sqlite3.connect(path) as con:
        styled = (
            con.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'layer_styles'"
            ).fetchone()
            and con.execute(
                "SELECT 1 FROM layer_styles WHERE f_table_name = 'lps' AND useAsDefault"
            ).fetchone()
        )
    con.close()
    if not styled:
        _add_default_style(path, "lps", _lps_style_qml())
    write_qgis_project(path)
    return path


@pytest.fixture(scope="module")
def lps_table(demo_gpkg):
    return pyogrio.read_dataframe(demo_gpkg, layer="lps", read_geometry=False)


def _expected_order(lps) -> list[str]:
    """lps_id in atlas order: typology order (center first), then size, largest."""
    rank = {t: i for i, t in enumerate(TYPES)}
    rows = sorted(
        zip(lps["lps_type"], lps["size"], lps["lps_id"], strict=True),
        key=lambda r: (rank.get(r[0], len(TYPES)), -r[1]),
    )
    return [r[2] for r in rows]


def _layer_tree(xml: str) -> list[str]:
    root = ET.fromstring(xml)
    return [
        e.get("source", "").split("layername=")[-1]
        for e in root.find("layer-tree-group").findall("layer-tree-layer")
    ]


# --------------------------------------------------------- storage and XML


def test_content_is_hex_of_a_qgz_like_qgis_stores_it(project_gpkg):
    with sqlite3.connect(project_gpkg) as con:
        name, metadata, content, kind = con.execute(
            "SELECT name, metadata, content, typeof(content) FROM qgis_projects"
        ).fetchone()
        schema = con.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'qgis_projects'"
        ).fetchone()[0]
    con.close()
    assert name == "lps_geo"
    assert "name TEXT PRIMARY KEY, metadata BLOB, content BLOB" in schema
    assert kind == "text"  # QGIS writes and reads the hex as text
    assert content == content.lower() and content.startswith("504b0304")  # "PK.."
    with zipfile.ZipFile(io.BytesIO(bytes.fromhex(content))) as archive:
        assert archive.namelist() == ["lps_geo.qgs"]
        xml = archive.read("lps_geo.qgs").decode("utf-8")
    assert xml == read_qgis_project(project_gpkg)
    assert set(json.loads(metadata)) == {"last_modified_time", "last_modified_user"}


def test_layers_order_sources_and_crs(project_gpkg):
    xml = read_qgis_project(project_gpkg)
    root = ET.fromstring(xml)
    assert _layer_tree(xml) == ["institutions", "lps", "municipalities"]
    group = root.find("layer-tree-group").find("layer-tree-group")
    assert group.get("name") == "Tables" and group.get("expanded") == "0"
    assert [e.get("name") for e in group] == [
        "indicators",
        "industries",
        "lps_members",
        "lps_structure",
        "lps_workers",
        "lps_innovation",
        "lps_related",
        "relatedness",
        "lps_capability",
        "run_metadata",
    ]
    sources = {e.findtext("datasource") for e in root.iter("maplayer")}
    assert "./demo.gpkg|layername=lps" in sources
    assert all(s.startswith("./demo.gpkg|layername=") for s in sources)
    assert root.find("projectCrs/spatialrefsys/authid").text == "EPSG:5880"


def _style_names(root: ET.Element, table: str) -> tuple[str, list[str]]:
    layer = next(
        e
        for e in root.iter("maplayer")
        if e.findtext("datasource").endswith(f"layername={table}")
    )
    manager = layer.find("map-layer-style-manager")
    return manager.get("current"), [e.get("name") for e in manager]


def test_default_style_is_embedded_else_plain(project_gpkg, demo_gpkg, tmp_path):
    root = ET.fromstring(read_qgis_project(project_gpkg))
    renderers = {
        e.findtext("datasource").split("=")[-1]: e.find("renderer-v2")
        for e in root.iter("maplayer")
    }
    assert renderers["lps"].get("type") == "categorizedSymbol"
    assert renderers["lps"].get("attr") == "lps_type"
    # other rows of layer_styles become named styles the user can switch to
    other = tmp_path / "other.gpkg"
    shutil.copy(project_gpkg, other)
    with sqlite3.connect(other) as con:
        con.execute("DELETE FROM layer_styles WHERE f_table_name = 'lps'")
    con.close()
    _add_default_style(other, "lps", _lps_style_qml())
    outline = _lps_style_qml().replace("categorizedSymbol", "singleSymbol")
    _add_default_style(other, "lps", outline)
    with sqlite3.connect(other) as con:
        con.execute(
            "UPDATE layer_styles SET styleName = 'Outline', useAsDefault = 0 "
            "WHERE id = (SELECT max(id) FROM layer_styles)"
        )
    con.close()
    root = ET.fromstring(qgis_project_xml(other))
    assert _style_names(root, "lps") == ("default", ["default", "Outline"])
    current, names = _style_names(root, "municipalities")
    assert names[0] == current and {"LPS atlas", "LPS locator"} <= set(names)
    # without layer_styles: a plain single symbol for every feature layer
    bare = tmp_path / "bare.gpkg"
    shutil.copy(demo_gpkg, bare)
    with sqlite3.connect(bare) as con:
        con.execute("DROP TABLE IF EXISTS layer_styles")
    con.close()
    root = ET.fromstring(qgis_project_xml(bare))
    types = {
        e.findtext("datasource").split("=")[-1]: e.find("renderer-v2").get("type")
        for e in root.iter("maplayer")
        if e.find("renderer-v2") is not None
    }
    assert types == dict.fromkeys(
        ["institutions", "lps", "municipalities"], "singleSymbol"
    )


def test_atlas_layout_settings(project_gpkg):
    root = ET.fromstring(read_qgis_project(project_gpkg))
    layout = root.find("Layouts/Layout")
    assert layout.get("name") == LAYOUT_NAME
    page = layout.find("PageCollection/LayoutItem")
    assert page.get("size") == "297,210,mm"  # A4 landscape
    atlas = layout.find("Atlas")
    lps_id = next(
        e.findtext("id")
        for e in root.iter("maplayer")
        if e.findtext("datasource").endswith("layername=lps")
    )
    assert atlas.get("enabled") == "1" and atlas.get("coverageLayer") == lps_id
    assert atlas.get("pageNameExpression") == '"lps_id"'
    items = {e.get("id"): e for e in layout.findall("LayoutItem")}
    assert {"map", "title", "legend", "scalebar", "north_arrow", "attributes"} <= set(
        items
    )
    assert items["title"].get("labelText") == '[% "name" %] — [% "title" %]'
    atlas_map = items["map"].find("AtlasMap")
    assert atlas_map.get("atlasDriven") == "1" and atlas_map.get("margin") == "0.1"
    for field in ("lps_type_label", "share_industry", "ql", "employment", "n_members"):
        assert f'"{field}"' in items["attributes"].get("labelText")


def test_portuguese_names_and_title(demo_gpkg):
    root = ET.fromstring(qgis_project_xml(demo_gpkg, title="APLs de 19", lang="pt"))
    assert root.findtext("title") == "APLs de 19"
    names = [e.get("name") for e in root.find("layer-tree-group")]
    assert names == [
        "Instituições de apoio",
        "Sistemas locais de produção",
        "Municípios",
        "Tabelas",
    ]


def test_replace_keeps_other_projects_and_registers_once(demo_gpkg, tmp_path):
    path = tmp_path / "run.gpkg"
    shutil.copy(demo_gpkg, path)
    write_qgis_project(path)
    write_qgis_project(path, project_name="other", lang="pt")
    write_qgis_project(path, title="Second")
    with sqlite3.connect(path) as con:
        names = [r[0] for r in con.execute("SELECT name FROM qgis_projects ORDER BY 1")]
        ext = con.execute(
            "SELECT extension_name, scope FROM gpkg_extensions "
            "WHERE table_name = 'qgis_projects'"
        ).fetchall()
        listed = con.execute(
            "SELECT 1 FROM gpkg_contents WHERE table_name = 'qgis_projects'"
        ).fetchone()
    con.close()
    assert names == ["lps_geo", "other"]
    assert ext == [("qgis_projects", "read-write")]
    assert listed is None  # not a data layer
    assert ET.fromstring(read_qgis_project(path)).findtext("title") == "Second"


def test_file_name_for_a_temporary_file(demo_gpkg, tmp_path):
    tmp = tmp_path / ".result.tmp-1234.gpkg"
    shutil.copy(demo_gpkg, tmp)
    write_qgis_project(tmp, file_name="result.gpkg")
    root = ET.fromstring(read_qgis_project(tmp))
    sources = {e.findtext("datasource") for e in root.iter("maplayer")}
    assert "./result.gpkg|layername=lps" in sources
    with pytest.raises(InputError, match="bare file name"):
        write_qgis_project(tmp, file_name="out/result.gpkg")


def test_errors_name_the_file_and_the_fix(demo_gpkg, tmp_path):
    with pytest.raises(InputError, match="not found; write it with"):
        write_qgis_project(tmp_path / "missing.gpkg")
    with pytest.raises(InputError, match="lang must be one of 'en', 'pt', got 'fr'"):
        qgis_project_xml(demo_gpkg, lang="fr")
    with pytest.raises(InputError, match="holds no QGIS project named 'nope'"):
        read_qgis_project(demo_gpkg, project_name="nope")
    no_lps = tmp_path / "no_lps.gpkg"
    shutil.copy(demo_gpkg, no_lps)
    with sqlite3.connect(no_lps) as con:
        con.execute("DELETE FROM gpkg_contents WHERE table_name = 'lps'")
        con.execute("DELETE FROM gpkg_geometry_columns WHERE table_name = 'lps'")
    con.close()
    with pytest.raises(InputError, match="no feature layer 'lps'"):
        write_qgis_project(no_lps)


# ------------------------------------------------------------- real clients


def _qgis_env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}


def _require_pyqgis() -> None:
    if not Path(SYSTEM_PYTHON).exists():
        pytest.skip(f"{SYSTEM_PYTHON} (Debian's Python with PyQGIS) not found")
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, timeout=60
    )
    if probe.returncode != 0:
        pytest.skip("PyQGIS not installed (apt-get install qgis python3-qgis)")


def test_validate_gpkg_extra(project_gpkg):
    if importlib.util.find_spec("osgeo_utils") is not None:
        cmd = [sys.executable]
    elif (
        Path(SYSTEM_PYTHON).exists()
        and subprocess.run(
            [SYSTEM_PYTHON, "-c", "import osgeo_utils"], capture_output=True
        ).returncode
        == 0
    ):
        cmd = [SYSTEM_PYTHON]
    else:
        pytest.skip(
            "GDAL's validate_gpkg not available (pip install --no-deps "
            "gdal-utils, or apt-get install python3-gdal)"
        )
    run = subprocess.run(
        [*cmd, "-m", "osgeo_utils.samples.validate_gpkg", "-v", "--extra",
         str(project_gpkg)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr


_PYQGIS_CHECK = r"""
import json, sys
from qgis.core import (QgsApplication, QgsExpression, QgsExpressionContext,
                       QgsExpressionContextUtils, QgsProject)
app = QgsApplication([], False)
app.initQgis()
project = QgsProject.instance()
out = {"read": project.read(sys.argv[1]), "crs": project.crs().authid()}
layers = {l.source().split("layername=")[-1]: l for l in project.mapLayers().values()}
out["layers"] = {k: {"valid": l.isValid(), "features": l.featureCount()}
                 for k, l in layers.items()}
lps = layers["lps"]
renderer = lps.renderer()
out["lps_renderer"] = renderer.type()
out["mun_styles"] = layers["municipalities"].styleManager().styles()
out["lps_colors"] = {c.value(): c.symbol().color().name()
                     for c in getattr(renderer, "categories", lambda: [])()}
out["tree"] = [l.source().split("layername=")[-1]
               for l in project.layerTreeRoot().layerOrder()]
out["themes"] = project.mapThemeCollection().mapThemes()
layout = project.layoutManager().layoutByName(sys.argv[2])
atlas = layout.atlas()
out["atlas"] = {"enabled": atlas.enabled(),
                "coverage": atlas.coverageLayer().source().split("layername=")[-1],
                "count": atlas.updateFeatures()}
atlas.beginRender()
out["pages"] = [atlas.nameForPage(i) for i in range(atlas.count())]
# labels of the municipalities in the atlas map, on the first page
mun = layers["municipalities"]
mun.styleManager().setCurrentStyle("LPS atlas")
expression = QgsExpression(mun.labeling().settings().fieldName)
atlas.seekTo(0)
context = QgsExpressionContext()
context.appendScope(QgsExpressionContextUtils.atlasScope(atlas))
context.appendScope(QgsExpressionContextUtils.layerScope(mun))
labels = []
for feature in mun.getFeatures():
    context.setFeature(feature)
    value = expression.evaluate(context)
    if value:
        labels.append(value)
out["labels"] = sorted(labels)
out["first_members"] = atlas.layout().reportContext().feature()["members"]
atlas.endRender()
del layout, atlas, lps, mun, renderer, layers
project.clear()
app.exitQgis()
print(json.dumps(out))
"""


def test_pyqgis_opens_the_project_and_its_atlas(project_gpkg, lps_table, tmp_path):
    _require_pyqgis()
    script = tmp_path / "check.py"
    script.write_text(_PYQGIS_CHECK, encoding="utf-8")
    uri = f"geopackage:{project_gpkg}?projectName=lps_geo"
    run = subprocess.run(
        [SYSTEM_PYTHON, str(script), uri, LAYOUT_NAME],
        capture_output=True, text=True, timeout=120, env=_qgis_env(tmp_path),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["read"] and out["crs"] == "EPSG:5880"
    assert all(v["valid"] for v in out["layers"].values()), out["layers"]
    assert out["layers"]["lps"]["features"] == len(lps_table)
    assert out["layers"]["municipalities"]["features"] == 500
    assert out["tree"] == ["institutions", "lps", "municipalities"]
    assert out["lps_renderer"] == "categorizedSymbol"
    assert out["lps_colors"] == {t: c for t, c in TYPE_COLORS.items()}
    assert set(out["themes"]) == {"LPS atlas", "LPS locator"}
    with sqlite3.connect(project_gpkg) as con:
        stored = {
            r[0]
            for r in con.execute(
                "SELECT styleName FROM layer_styles "
                "WHERE f_table_name = 'municipalities'"
            )
        }
    con.close()
    assert set(out["mun_styles"]) == stored | {"LPS atlas", "LPS locator"}
    assert out["atlas"] == {
        "enabled": True,
        "coverage": "lps",
        "count": len(lps_table),
    }
    assert out["pages"] == _expected_order(lps_table)
    # the atlas map names exactly the member municipalities of the page's LPS
    first = lps_table.set_index("lps_id").loc[out["pages"][0]]
    municipalities = pyogrio.read_dataframe(
        project_gpkg, layer="municipalities", read_geometry=False
    ).set_index("region")
    members = str(first["members"]).split(",")
    assert out["first_members"] == first["members"]
    assert out["labels"] == sorted(municipalities.loc[members, "name"])


def test_qgis_process_prints_one_page_per_lps(project_gpkg, lps_table, tmp_path):
    _require_pyqgis()
    if not Path(QGIS_PROCESS).exists():
        pytest.skip(f"{QGIS_PROCESS} not found (apt-get install qgis)")
    if shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None:
        pytest.skip("pdfinfo/pdftotext not found (apt-get install poppler-utils)")
    pdf = tmp_path / "atlas.pdf"
    run = subprocess.run(
        [QGIS_PROCESS, "run", "native:atlaslayouttopdf",
         f"--PROJECT_PATH=geopackage:{project_gpkg}?projectName=lps_geo",
         f"--LAYOUT={LAYOUT_NAME}", f"--OUTPUT={pdf}"],
        capture_output=True, text=True, timeout=300, env=_qgis_env(tmp_path),
    )  # fmt: skip
    assert run.returncode == 0 and pdf.is_file(), run.stdout[-2000:] + run.stderr
    info = subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    assert int(fields["Pages"]) == len(lps_table)
    assert "(A4)" in fields["Page size"]
    first = lps_table.set_index("lps_id").loc[_expected_order(lps_table)[0]]
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert f"{first['name']} — {first['title']}" in text
    assert f"Municipalities: {int(first['n_members'])}" in text
    assert f"Page 1 of {len(lps_table)}" in text
