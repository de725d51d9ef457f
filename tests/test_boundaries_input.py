"""read_boundaries' input checks: CRS, geometries and codes, one flaw each."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
from numpy.testing import assert_allclose
from shapely.geometry import Point, Polygon, box

from lps_geo.crs import check_layers_agree, lonlat_problem, parse_crs
from lps_geo.errors import CRSError, InputError, InputFixWarning
from lps_geo.io import read_boundaries
from lps_geo.io.reports import RepairedFeature


def square(i: int) -> Polygon:
    x, y = -47.5 + 0.1 * i, -20.6
    return box(x, y, x + 0.1, y + 0.1)


def layer(path: Path, codes, geometries, crs="EPSG:4674", **kwargs) -> Path:
    names = [f"M{k}" for k in range(len(codes))]
    gpd.GeoDataFrame(
        {"CD_MUN": codes, "NM_MUN": names}, geometry=geometries, crs=crs
    ).to_file(path, **kwargs)
    return path


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_projected_geojson_without_crs_is_named(tmp_path):
    path = tmp_path / "utm.geojson"
    cells = [
        box(330_000 + 1e4 * k, 7_400_000, 340_000 + 1e4 * k, 7_410_000)
        for k in range(2)
    ]
    gpd.GeoDataFrame(
        {"CD_MUN": ["3516200", "3550308"], "NM_MUN": ["a", "b"]}, geometry=cells
    ).to_file(path, driver="GeoJSON")
    data = json.loads(path.read_text())
    data.pop("crs", None)
    path.write_text(json.dumps(data))
    with pytest.raises(
        CRSError,
        match=r"coordinates are not longitude/latitude \(x up to 350000, y up to "
        r"7410000\) .*looks projected; set \[inputs.boundaries\] crs = ",
    ):
        read_boundaries(path)
    # naming the CRS fixes it
    b = read_boundaries(path, crs="EPSG:31983").regions
    assert_allclose(b.area.to_numpy() / 1e6, 100, rtol=0.01)


def test_geographic_crs_given_for_projected_coordinates(tmp_path):
    path = layer(
        tmp_path / "m.gpkg",
        ["3516200"],
        [box(3e5, 7.4e6, 3.1e5, 7.41e6)],
        crs="EPSG:31983",
    )
    with pytest.raises(CRSError, match=r"but \[inputs.boundaries\] crs is EPSG:4674"):
        read_boundaries(path, crs="EPSG:4674")


def test_repair_is_warned_with_code_and_area(tmp_path):
    # a square with a small self-crossing loop at one corner: the area barely changes
    x, y = -47.5, -20.6
    loop = Polygon(
        [
            (x, y),
            (x + 0.1, y),
            (x + 0.1, y + 0.1),
            (x, y + 0.1),
            (x + 0.01, y - 0.005),
            (x - 0.005, y + 0.01),
        ]
    )
    assert not loop.is_valid
    path = layer(tmp_path / "m.gpkg", ["3516200", "3550308"], [loop, square(2)])
    with pytest.warns(
        InputFixWarning,
        match=r"3516200: area \d+\.\d -> \d+\.\d km2 "
        r"\([+-]\d+%\)",
    ) as caught:
        read = read_boundaries(path)
    assert "m.gpkg" in str(caught[0].message)
    (fixed,) = read.report.repaired
    assert fixed.code == "3516200"
    assert fixed.area_after_km2 == pytest.approx(fixed.area_before_km2, rel=0.05)
    assert read.report.to_dict()["repaired"] == [fixed.to_dict()]


def test_repaired_feature_describes_the_change():
    assert (
        RepairedFeature("1", 120.3, 60.1).describe()
        == "1: area 120.3 -> 60.1 km2 (-50%)"
    )
    assert "cancel" in RepairedFeature("1", 0.0, 57.0).describe()


def test_null_geometry_is_dropped_with_a_warning(tmp_path):
    path = layer(tmp_path / "m.gpkg", ["3516200", "3550308"], [square(0), None])
    with pytest.warns(
        InputFixWarning,
        match=r"1 of 2 feature\(s\) of column 'CD_MUN' "
        r"have an empty or null geometry .*\(codes 3550308\)",
    ):
        read = read_boundaries(path)
    assert read.report.empty == ("3550308",)
    assert read.regions.index.tolist() == ["3516200"]


def test_all_geometries_empty(tmp_path):
    path = layer(tmp_path / "m.gpkg", ["3516200"], [Polygon()])
    with pytest.raises(InputError, match=r"none of the 1 feature\(s\) has a polygon"):
        read_boundaries(path)


def test_points_instead_of_polygons(tmp_path):
    path = layer(
        tmp_path / "m.gpkg",
        ["3516200", "3550308"],
        [Point(-47.4, -20.5), Point(-47.3, -20.5)],
    )
    with pytest.raises(
        InputError,
        match=r"2 of 2 feature\(s\) are not polygons "
        r"\(column 'CD_MUN': codes 3516200, 3550308; types 'Point'\)",
    ):
        read_boundaries(path)


def test_zero_padded_codes_are_stripped(tmp_path):
    path = layer(tmp_path / "m.gpkg", ["003516200", "3550308"], [square(0), square(1)])
    with pytest.warns(
        InputFixWarning,
        match=r"1 of 2 code\(s\) padded with leading "
        r"zeros, stripped \(003516200 -> 3516200\)",
    ):
        b = read_boundaries(path).regions
    assert b.index.tolist() == ["3516200", "3550308"]


def test_duplicate_codes_name_the_code_column(tmp_path):
    path = layer(tmp_path / "m.gpkg", ["3516200", "3516200"], [square(0), square(1)])
    with pytest.raises(
        InputError,
        match=r"column 'CD_MUN' has 1 code\(s\) on "
        r"features with different names \(column 'NM_MUN'\)",
    ):
        read_boundaries(path)


def test_layer_choice_names_the_key(tmp_path):
    path = tmp_path / "two.gpkg"
    layer(path, ["3516200"], [square(0)], layer="a")
    layer(path, ["3550308"], [square(1)], layer="b")
    with pytest.raises(
        InputError,
        match=re.escape(
            "holds 2 layers ('a', 'b'); set [inputs.boundaries] layer = one of them"
        ),
    ):
        read_boundaries(path)
    with pytest.raises(
        InputError,
        match=r"set \[inputs.boundaries\] layer = one of "
        r"the available layers: 'a', 'b'",
    ):
        read_boundaries(path, layer="c")
    assert read_boundaries(path, layer="b").regions.index.tolist() == ["3550308"]


def test_crs_helpers():
    with pytest.raises(
        CRSError,
        match=r"\[inputs.institutions\] crs = 'EPSG:46740' is "
        r"not a CRS .*set \[inputs.institutions\] crs = an EPSG code",
    ):
        parse_crs(
            "EPSG:46740", "[inputs.institutions] crs", "[inputs.institutions] crs"
        )
    assert lonlat_problem((-74.0, -34.0, -34.0, 5.3)) is None
    assert lonlat_problem((-5e5, 7e6, 1e5, 8e6)) == "x up to -500000, y up to 8000000"
    assert (
        check_layers_agree([("a", "EPSG:5880"), ("b", "EPSG:5880")]).to_epsg() == 5880
    )
    with pytest.raises(CRSError, match="b is in EPSG:4674, a geographic CRS"):
        check_layers_agree([("a", "EPSG:5880"), ("b", "EPSG:4674")])
    with pytest.raises(CRSError, match="a has no CRS"):
        check_layers_agree([("a", None)])
