"""Kernel-density surfaces: grid, bandwidth, density values, COG + QGIS style."""

from __future__ import annotations

import json
import math
import os
import subprocess
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from numpy.testing import assert_allclose
from shapely.geometry import Point, box

from lps_geo.errors import (
    ConfigError,
    CRSError,
    InputError,
    MissingCodesWarning,
    OutputExistsError,
    SmallBaseWarning,
)
from lps_geo.export.qgis.raster_style import surface_style
from lps_geo.export.raster import write_cog
from lps_geo.method.surfaces import institution_surfaces, region_value_surface
from lps_geo.stats.kde import Grid, bandwidth, kernel_density, make_grid
from lps_geo.symbology import INSTITUTION_COLORS, QL_RAMP

ROOT = Path(__file__).resolve().parents[1]
DEBIAN_PYTHON = "/usr/bin/python3"


def _require_debian_module(module: str, apt: str) -> None:
    """Skip unless Debian's Python can import ``module`` (GDAL, QGIS bindings)."""
    ok = os.path.exists(DEBIAN_PYTHON) and (
        subprocess.run(
            [DEBIAN_PYTHON, "-c", f"import {module}"], capture_output=True
        ).returncode
        == 0
    )
    if not ok:
        pytest.skip(
            f"{DEBIAN_PYTHON} cannot import {module} (apt-get install {apt}); "
            "the check runs in CI"
        )


def _points(xy, crs="EPSG:5880", index=None):
    return gpd.GeoSeries([Point(x, y) for x, y in xy], crs=crs, index=index)


@pytest.fixture
def three_points():
    """A (w=1), B (w=2) 3 km east of A, C (w=1) 6 km north of A."""
    idx = pd.Index(["a", "b", "c"], name="inst_id")
    pts = _points([(10_000, 10_000), (13_000, 10_000), (10_000, 16_000)], index=idx)
    return pts, pd.Series([1.0, 2.0, 1.0], index=idx)


@pytest.fixture
def grid30():
    """30 x 30 km in 1 km cells, corner at the origin."""
    return make_grid((0, 0, 30_000, 30_000), cell_size=1_000)


# --------------------------------------------------------------------- grid


def test_make_grid_aligns_to_cell_multiples():
    g = make_grid((12_345, 7_001, 48_000, 19_999), cell_size=5_000)
    assert g.bounds == (10_000.0, 5_000.0, 50_000.0, 20_000.0)
    assert (g.width, g.height) == (8, 3)
    assert g.transform == Affine(5_000, 0, 10_000, 0, -5_000, 20_000)
    assert g.cell_size == 5_000.0
    assert g.cell_area_km2 == 25.0
    assert g.crs.to_epsg() == 5880
    # the same cells whatever the input extent: a sub-extent shares the lattice
    sub = make_grid((22_000, 9_000, 31_000, 14_000), cell_size=5_000)
    assert (sub.bounds[0] - g.bounds[0]) % 5_000 == 0
    assert (sub.bounds[3] - g.bounds[3]) % 5_000 == 0


def test_make_grid_pad_and_layer_bounds(grid):
    g = make_grid(grid, cell_size=4_000, pad=1_000)
    # grid fixture covers 0..60 km; padded to -1..61 km, then out to 4 km multiples
    assert g.bounds == (-4_000.0, -4_000.0, 64_000.0, 64_000.0)
    assert g.shape == (17, 17)
    xs, ys = g.centres()
    assert_allclose(xs[:2], [-2_000, 2_000])
    assert_allclose(ys[:2], [62_000, 58_000])
    assert repr(g).startswith("<Grid 17 x 17 cells of 4000 m in EPSG:5880")


def test_make_grid_refuses_geographic_and_mismatched_crs(grid):
    with pytest.raises(CRSError, match="EPSG:4674, a geographic CRS.*EPSG:5880"):
        make_grid((-50, -25, -45, -20), crs="EPSG:4674")
    with pytest.raises(CRSError, match=r"EPSG:31983.*to_crs\('EPSG:5880'\)"):
        make_grid(grid.set_crs("EPSG:31983", allow_override=True))
    with pytest.raises(ConfigError, match="cell_size must be a positive"):
        make_grid((0, 0, 1, 1), cell_size=0)
    with pytest.raises(ConfigError, match="larger cell_size"):
        make_grid((0, 0, 4_000_000, 4_000_000), cell_size=5)


# ---------------------------------------------------------------- bandwidth


def test_bandwidth_by_hand():
    # x has an outlier (IQR rules), y is even (sd rules)
    pts = _points(
        [(0, 0), (1_000, 2_000), (2_000, 4_000), (3_000, 6_000), (20_000, 8_000)]
    )
    sd_x = math.sqrt((5200**2 + 4200**2 + 3200**2 + 2200**2 + 14800**2) / 4)
    sd_y = math.sqrt((4000**2 + 2000**2 + 0 + 2000**2 + 4000**2) / 4)
    iqr_x, iqr_y = 3_000 - 1_000, 6_000 - 2_000
    a = (min(sd_x, iqr_x / 1.34) + min(sd_y, iqr_y / 1.34)) / 2
    assert_allclose(a, (1492.537 + 2985.075) / 2, rtol=1e-6)
    assert_allclose(bandwidth(pts), 0.9 * a * 5 ** (-1 / 5), rtol=1e-12)
    assert_allclose(bandwidth(pts), 1460.377, atol=0.001)
    assert_allclose(bandwidth(pts, "scott"), (sd_x + sd_y) / 2 * 5 ** (-1 / 6))
    assert bandwidth(pts, cell_size=5_000) == 5_000.0


def test_bandwidth_errors():
    with pytest.raises(InputError, match="at least two points, got 1"):
        bandwidth(_points([(0, 0)]))
    with pytest.raises(InputError, match="all 3 points coincide"):
        bandwidth(_points([(5, 5)] * 3))
    assert bandwidth(_points([(5, 5)] * 3), cell_size=1_000) == 1_000.0
    with pytest.raises(ConfigError, match="unknown bandwidth rule 'median'"):
        bandwidth(_points([(0, 0), (1, 1)]), rule="median")
    with pytest.raises(CRSError, match="geographic"):
        bandwidth(_points([(0, 0), (1, 1)], crs="EPSG:4674"))


# ------------------------------------------------------------------ density


def _brute_force(xy, w, grid, h, kernel):
    """Every point against every cell centre, no windows (independent check)."""
    xs, ys = grid.centres()
    cx, cy = np.meshgrid(xs, ys)
    out = np.zeros(grid.shape)
    for (x, y), wi in zip(xy, w, strict=True):
        r2 = ((cx - x) ** 2 + (cy - y) ** 2) / h**2
        if kernel == "quartic":
            k = np.where(r2 < 1, 3 / (np.pi * h**2) * (1 - r2) ** 2, 0)
        else:
            k = np.where(r2 < 16, np.exp(-r2 / 2) / (2 * np.pi * h**2), 0)
            k /= 1 - np.exp(-8)
        out += wi * k
    return out * 1e6


def test_quartic_density_at_cells_by_hand(three_points, grid30):
    pts, w = three_points
    dens = kernel_density(pts, grid30, bandwidth=5_000, weights=w)
    assert dens.shape == (30, 30)
    # cell centred at (10.5 km, 10.5 km): row 19, column 10
    xs, ys = grid30.centres()
    assert (xs[10], ys[19]) == (10_500, 10_500)
    # A at d² = 0.5 km², B (w=2) at 6.5 km², C beyond 5 km; h² = 25 km²
    expected = 3 / (np.pi * 25) * (1 * (1 - 0.5 / 25) ** 2 + 2 * (1 - 6.5 / 25) ** 2)
    assert_allclose(dens[19, 10], expected, rtol=1e-12)
    assert_allclose(dens[19, 10], 0.078518, atol=1e-6)
    # cell centred at (10.5, 15.5) km: A at 30.5 km² (out), B 6.25+30.25 (out),
    # C at 0.25 + 0.25 km²
    assert_allclose(dens[14, 10], 3 / (25 * np.pi) * (1 - 0.5 / 25) ** 2)
    # far corner: no kernel reaches it -> 0, not nodata
    assert dens[0, 29] == 0.0
    xy = np.array([[10_000, 10_000], [13_000, 10_000], [10_000, 16_000]])
    assert_allclose(dens, _brute_force(xy, [1, 2, 1], grid30, 5_000, "quartic"))


def test_gaussian_density_by_hand(three_points, grid30):
    pts, w = three_points
    dens = kernel_density(pts, grid30, bandwidth=2_000, weights=w, kernel="gaussian")
    # at (10.5, 10.5) km, h² = 4 km²: A 0.5, B 6.5, C 30.5 km² (5.5 km < 4h = 8 km)
    k = np.exp(-np.array([0.5, 6.5, 30.5]) / 8) / (2 * np.pi * 4) / (1 - np.exp(-8))
    assert_allclose(dens[19, 10], k @ [1, 2, 1], rtol=1e-12)
    xy = np.array([[10_000, 10_000], [13_000, 10_000], [10_000, 16_000]])
    assert_allclose(dens, _brute_force(xy, [1, 2, 1], grid30, 2_000, "gaussian"))


@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
def test_surface_integrates_to_total_weight(kernel):
    rng = np.random.default_rng(3)
    xy = rng.uniform(40_000, 60_000, size=(40, 2))
    w = pd.Series(rng.integers(1, 20, 40).astype(float))
    grid = make_grid((0, 0, 100_000, 100_000), cell_size=500)
    dens = kernel_density(_points(xy), grid, bandwidth=6_000, weights=w, kernel=kernel)
    assert_allclose(dens.sum() * grid.cell_area_km2, w.sum(), rtol=0.01)


def test_default_bandwidth_and_coincident_points(grid30):
    # two institutions at one seat count twice
    one = kernel_density(_points([(15_000, 15_000)]), grid30, bandwidth=4_000)
    two = kernel_density(_points([(15_000, 15_000)] * 2), grid30, bandwidth=4_000)
    assert_allclose(two, 2 * one)
    pts = _points([(5_000, 5_000), (20_000, 8_000), (12_000, 25_000), (9_000, 9_000)])
    h = bandwidth(pts, cell_size=grid30.cell_size)
    assert_allclose(kernel_density(pts, grid30), kernel_density(pts, grid30, h))


def test_density_input_errors(three_points, grid30):
    pts, w = three_points
    with pytest.raises(CRSError, match=r"EPSG:31983 but the grid is in EPSG:5880"):
        kernel_density(pts.set_crs("EPSG:31983", allow_override=True), grid30, 1_000)
    with pytest.raises(CRSError, match="has no CRS"):
        kernel_density(pts.set_crs(None, allow_override=True), grid30, 1_000)
    holed = pts.copy()
    holed.loc["b"] = None
    with pytest.raises(InputError, match=r"1 rows without coordinates \(index b\)"):
        kernel_density(holed, grid30, 1_000)
    areas = gpd.GeoSeries([box(0, 0, 1, 1)], crs="EPSG:5880", index=["p"])
    with pytest.raises(InputError, match="rows p are Polygon, not Point"):
        kernel_density(areas, grid30, 1_000)
    with pytest.raises(InputError, match=r"lack 1 point\(s\) \(index c\)"):
        kernel_density(pts, grid30, 1_000, weights=w.drop("c"))
    with pytest.raises(InputError, match="negative at index a"):
        kernel_density(pts, grid30, 1_000, weights=w.replace(1.0, -1.0))
    with pytest.raises(ConfigError, match="unknown kernel 'epanechnikov'"):
        kernel_density(pts, grid30, 1_000, kernel="epanechnikov")
    with pytest.raises(ConfigError, match="bandwidth must be a positive"):
        kernel_density(pts, grid30, bandwidth=0)


def test_mask_sets_nodata_outside_only(three_points, grid30):
    pts, w = three_points
    area = box(0, 0, 15_000, 30_000)  # western half
    plain = kernel_density(pts, grid30, bandwidth=5_000, weights=w)
    masked = kernel_density(pts, grid30, bandwidth=5_000, weights=w, mask=area)
    assert np.isnan(masked[:, 15:]).all()
    assert not np.isnan(masked[:, :15]).any()
    assert_allclose(masked[:, :15], plain[:, :15])
    # zero density inside the study area stays 0
    assert masked[0, 0] == 0.0
    layer = gpd.GeoDataFrame(geometry=[area], crs="EPSG:5880")
    assert_allclose(
        kernel_density(pts, grid30, 5_000, w, mask=layer), masked, equal_nan=True
    )
    with pytest.raises(CRSError, match="mask is in EPSG:4674"):
        kernel_density(pts, grid30, 5_000, mask=layer.to_crs("EPSG:4674"))
    with pytest.raises(InputError, match="mask must be a shapely geometry"):
        kernel_density(pts, grid30, 5_000, mask=(0, 0, 1, 1))


# ----------------------------------------------------------- pipeline helpers


def test_institution_surfaces_per_type_and_all(grid30):
    inst = gpd.GeoDataFrame(
        {
            "type": ["technical_school", "university", "university", "other"],
            "weight": [1.0, 3.0, 1.0, 2.0],
        },
        geometry=[
            Point(5e3, 5e3),
            Point(20e3, 8e3),
            Point(12e3, 25e3),
            Point(9e3, 9e3),
        ],
        index=pd.Index(["i1", "i2", "i3", "i4"], name="inst_id"),
        crs="EPSG:5880",
    )
    surf = institution_surfaces(inst, grid30, bandwidth=6_000)
    assert list(surf) == ["university", "technical_school", "other", "all"]
    uni = kernel_density(
        inst.iloc[1:3], grid30, 6_000, weights=inst["weight"].iloc[1:3]
    )
    assert_allclose(surf["university"], uni)
    assert_allclose(surf["all"], sum(surf[t] for t in list(surf)[:-1]))
    assert_allclose(surf["all"].sum() * grid30.cell_area_km2, 7.0, rtol=0.05)
    counts = institution_surfaces(inst, grid30, bandwidth=6_000, weight=None)
    assert_allclose(counts["all"].sum() * grid30.cell_area_km2, 4.0, rtol=0.05)
    # default bandwidth: Silverman on all institutions, shared by every type
    h = bandwidth(inst, cell_size=1_000)
    assert_allclose(
        institution_surfaces(inst, grid30)["university"],
        kernel_density(inst.iloc[1:3], grid30, h, weights=inst["weight"].iloc[1:3]),
    )
    with pytest.raises(InputError, match="no 'type' column"):
        institution_surfaces(inst.drop(columns="type"), grid30)
    with pytest.raises(InputError, match="no weight column 'courses'"):
        institution_surfaces(inst, grid30, weight="courses")


def test_region_value_surface(grid):
    jobs = pd.Series({"r00": 120.0, "r07": 30.0, "r35": 0.0, "x99": 5.0}, name="jobs")
    g = make_grid(grid, cell_size=1_000, pad=20_000)
    with pytest.warns(MissingCodesWarning, match="1 code.*jobs.*x99"):
        dens = region_value_surface(jobs, grid, g, bandwidth=8_000)
    at = grid.geometry.loc[["r00", "r07"]].representative_point()
    expected = kernel_density(at, g, 8_000, weights=jobs.loc[["r00", "r07"]])
    assert_allclose(dens, expected)
    assert_allclose(dens.sum() * g.cell_area_km2, 150.0, rtol=0.01)
    with pytest.raises(InputError, match="negative for region"):
        region_value_surface(jobs.drop("x99") - 50, grid, g, bandwidth=8_000)


def test_demo_institutions_surfaces():
    inst = gpd.read_file(ROOT / "data" / "shapefiles" / "institutions.shp")
    munis = gpd.read_file(ROOT / "data" / "shapefiles" / "municipalities.shp")
    h = bandwidth(inst, cell_size=5_000)
    g = make_grid(munis, cell_size=5_000, pad=h)
    surf = institution_surfaces(inst, g, weight=None)
    assert set(surf) == set(inst["type"]) | {"all"}
    # the padded grid holds (nearly) all of every kernel
    assert_allclose(surf["all"].sum() * g.cell_area_km2, len(inst), rtol=0.01)
    masked = institution_surfaces(inst, g, weight=None, mask=munis)["all"]
    assert np.isnan(masked).any() and (masked[~np.isnan(masked)] >= 0).all()


# ------------------------------------------------------------------- writing


@pytest.fixture
def written(tmp_path):
    """A surface larger than one 512 tile (so it gets an overview), masked."""
    grid = make_grid((0, 0, 1_100_000, 600_000), cell_size=1_000)
    pts = _points([(300_000, 300_000), (800_000, 200_000), (805_000, 210_000)])
    dens = kernel_density(
        pts, grid, bandwidth=50_000, mask=box(0, 0, 1_000_000, 600_000)
    )
    path = write_cog(
        dens,
        grid,
        tmp_path / "university.tif",
        style=surface_style("university", "per km2"),
        description="university density (per km2)",
        units="1/km2",
        tags={"bandwidth_m": 50_000, "kernel": "quartic"},
    )
    return path, grid, dens


def test_written_cog_reopens_with_grid_nodata_tiles_overviews(written):
    path, grid, dens = written
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 5880
        assert src.transform == grid.transform
        assert (src.width, src.height) == (1_100, 600)
        assert src.nodata == -9999.0
        assert src.dtypes == ("float32",)
        assert src.block_shapes == [(512, 512)]
        assert src.overviews(1) == [2, 4]  # 550 x 300 still > 512
        assert src.compression.name == "deflate"
        assert src.descriptions == ("university density (per km2)",)
        assert src.units == ("1/km2",)
        assert src.tags()["bandwidth_m"] == "50000"
        data = src.read(1, masked=True)
    assert data.mask[:, 1_000:].all() and not data.mask[:, :1_000].any()
    assert_allclose(data.filled(np.nan), dens.astype("float32"), equal_nan=True)


def test_written_cog_is_valid_for_gdal(written):
    path, _, _ = written
    _require_debian_module("osgeo", "python3-gdal")
    run = subprocess.run(
        [
            DEBIAN_PYTHON,
            "-m",
            "osgeo_utils.samples.validate_cloud_optimized_geotiff",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "is a valid cloud optimized GeoTIFF" in run.stdout


def test_sidecar_qml_is_a_pseudocolor_style(written):
    path, _, dens = written
    qml = path.with_suffix(".qml")
    assert qml.name == "university.qml"
    text = qml.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE qgis")
    root = ET.fromstring(text.split("\n", 1)[1])
    assert root.tag == "qgis" and root.get("version").startswith("3.22")
    renderer = root.find("pipe/rasterrenderer")
    assert renderer.get("type") == "singlebandpseudocolor"
    assert renderer.get("band") == "1"
    items = root.findall("pipe/rasterrenderer/rastershader/colorrampshader/item")
    assert [i.get("color") for i in items] == [INSTITUTION_COLORS["university"]] * 2
    assert [i.get("alpha") for i in items] == ["0", "255"]
    assert float(items[0].get("value")) == 0.0
    # the ramp tops out at the 98th percentile of the positive cells
    top = np.percentile(dens[dens > 0], 98)
    assert top < np.nanmax(dens)
    assert_allclose(float(items[-1].get("value")), top, rtol=1e-5)
    assert items[-1].get("label") == f"≥ {top:.4g} per km2"
    assert items[0].get("label") == "0 per km2"
    # no temporary files left behind
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "university.qml",
        "university.tif",
    ]


def test_ramp_end_options(tmp_path, grid30):
    arr = np.arange(900, dtype=float).reshape(30, 30)

    def ramp(name, style):
        write_cog(arr, grid30, tmp_path / f"{name}.tif", style=style)
        root = ET.fromstring((tmp_path / f"{name}.qml").read_text().split("\n", 1)[1])
        return [float(i.get("value")) for i in root.iter("item")]

    assert ramp("full", {"colors": ["#ffffff", "#000000"], "cut": 100}) == [0, 899]
    assert ramp("fixed", {"colors": ["#ffffff", "#777777", "#000000"], "max": 10}) == [
        0,
        5,
        10,
    ]
    with pytest.raises(ConfigError, match="'cut' must be a percentile"):
        ramp("bad", {"cut": 0})


def test_default_style_is_the_ql_ramp(tmp_path, grid30):
    out = write_cog(np.zeros(grid30.shape), grid30, tmp_path / "empty.tif")
    root = ET.fromstring(out.with_suffix(".qml").read_text().split("\n", 1)[1])
    assert [i.get("color") for i in root.iter("item")] == QL_RAMP
    with pytest.raises(ConfigError, match="no style for surface kind 'museum'"):
        surface_style("museum")


def test_write_cog_refuses_to_overwrite(tmp_path, grid30):
    arr = np.ones(grid30.shape)
    out = write_cog(arr, grid30, tmp_path / "s.tif")
    with pytest.raises(OutputExistsError, match=r"s\.tif exists; pass overwrite=True"):
        write_cog(arr * 2, grid30, out)
    with rasterio.open(out) as src:
        assert src.read(1).max() == 1.0
    # a stale style alone also blocks, before the GeoTIFF is written
    (tmp_path / "t.qml").write_text("<qgis/>")
    with pytest.raises(OutputExistsError, match=r"t\.qml exists"):
        write_cog(arr, grid30, tmp_path / "t.tif")
    assert not (tmp_path / "t.tif").exists()
    write_cog(arr * 2, grid30, out, overwrite=True)
    with rasterio.open(out) as src:
        assert src.read(1).max() == 2.0


def test_write_cog_rejects_bad_arrays(tmp_path, grid30):
    with pytest.raises(InputError, match=r"shape \(3, 3\) does not fit <Grid 30 x 30"):
        write_cog(np.ones((3, 3)), grid30, tmp_path / "x.tif")
    with pytest.raises(InputError, match="holds the nodata value -9999"):
        write_cog(np.full(grid30.shape, -9999.0), grid30, tmp_path / "x.tif")
    assert list(tmp_path.iterdir()) == []


QGIS_CHECK = textwrap.dedent(
    """
    import json, sys
    from qgis.core import QgsApplication, QgsProject, QgsRasterLayer
    app = QgsApplication([], False)
    app.initQgis()
    layer = QgsRasterLayer(sys.argv[1], "surface", "gdal")
    renderer = layer.renderer()
    out = {"valid": layer.isValid(), "renderer": renderer.type(),
           "crs": layer.crs().authid(),
           "nodata": layer.dataProvider().sourceNoDataValue(1)}
    if renderer.type() == "singlebandpseudocolor":
        ramp = renderer.shader().rasterShaderFunction().colorRampItemList()
        out["items"] = [[i.value, i.color.name(), i.color.alpha()] for i in ramp]
    del renderer, layer
    QgsProject.instance().clear()
    app.exitQgis()
    print(json.dumps(out))
    """
)


def test_qgis_opens_the_cog_with_its_sidecar_style(written, tmp_path):
    path, _, dens = written
    _require_debian_module("qgis.core", "qgis python3-qgis")
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    script = tmp_path / "check.py"
    script.write_text(QGIS_CHECK)
    run = subprocess.run(
        [DEBIAN_PYTHON, str(script), str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    info = json.loads(run.stdout.strip().splitlines()[-1])
    assert info["valid"] is True
    # without the sidecar QGIS would pick "singlebandgray"
    assert info["renderer"] == "singlebandpseudocolor"
    assert info["crs"] == "EPSG:5880"
    assert info["nodata"] == -9999.0
    assert [i[1:] for i in info["items"]] == [
        [INSTITUTION_COLORS["university"], 0],
        [INSTITUTION_COLORS["university"], 255],
    ]
    assert_allclose(info["items"][-1][0], np.percentile(dens[dens > 0], 98), rtol=1e-5)


def test_grid_is_a_frozen_value(grid30):
    with pytest.raises(AttributeError):
        grid30.width = 3
    same = make_grid((100, 100, 29_900, 29_900), cell_size=1_000)
    assert same == grid30
    assert isinstance(same, Grid)


def test_single_point_default_bandwidth_warns(grid30):
    one = _points([(15_500, 15_500)])
    with pytest.warns(SmallBaseWarning, match="smoothed over one cell"):
        dens = kernel_density(one, grid30)
    assert_allclose(dens, kernel_density(one, grid30, bandwidth=1_000))
    assert_allclose(dens[14, 15], 3 / np.pi)  # h = 1 km, at the point


def test_grid_built_directly_is_validated():
    g = Grid("EPSG:5880", Affine(1_000, 0, 0, 0, -1_000, 3_000), 4, 3)
    assert g.crs.to_epsg() == 5880 and g.bounds == (0.0, 0.0, 4_000.0, 3_000.0)
    with pytest.raises(ConfigError, match="north-up Affine with square cells"):
        Grid("EPSG:5880", Affine(1_000, 0, 0, 0, 1_000, 0), 4, 3)
    with pytest.raises(ConfigError, match="grid width must be a positive integer"):
        Grid("EPSG:5880", Affine(1_000, 0, 0, 0, -1_000, 0), 0, 3)
    with pytest.raises(CRSError, match="geographic"):
        Grid("EPSG:4326", Affine(1, 0, 0, 0, -1, 0), 4, 3)
