"""GeoPackage and report export: layers, CRS, round trip, atomic writes.

The synthetic result built here (:func:`make_result`) is hand-made and does not
depend on the pipeline; tests/test_maps.py imports it too.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from shapely.geometry import box

from lps_geo.errors import CRSError, OutputExistsError
from lps_geo.export import (
    atomic_path,
    read_geopackage,
    write_geopackage,
    write_report,
)
from lps_geo.export import gpkg as gpkg_module
from lps_geo.result import (
    LAYER_COLUMNS,
    LAYERS,
    OPTIONAL_LAYERS,
    Result,
    RunMetadata,
    RunReport,
)
from lps_geo.symbology import TYPE_LABELS

CRS = "EPSG:5880"
CELL = 20_000.0  # 20 km squares
X0, Y0 = 5_000_000.0, 7_400_000.0
CODES = [f"19{i:05d}" for i in range(1, 17)]  # "1900001" .. "1900016"
INDUSTRIES = ["15.3", "26.1"]

#: QL per municipality (row-major 4x4 grid) and industry. Classes of the QL map:
#: 15.3 -> zero: 6, (0,1): 3, [1,2): 2, [2,5): 2, >=5: 3.
QL = {
    "15.3": [6.0, 5.0, 0.0, 0.0, 2.5, 1.0, 0.0, 0.0,
             0.3, 0.0, 12.0, 0.5, 0.0, 0.9, 1.5, 4.99],
    "26.1": [1.2, 0.0, 0.0, 0.0, 0.0, 3.0, 2.0, 0.0,
             0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
}  # fmt: skip
LISA = {
    "15.3": ["High-High"] * 2
    + ["not significant"] * 8
    + ["High-Low", "Low-Low"]
    + ["not significant", "Low-High", "isolated", "not significant"],
    "26.1": ["not significant"] * 5
    + ["High-High", "High-High"]
    + ["not significant"] * 9,
}
GI = {
    "15.3": [3, 3, 0, 0, 2, 1, 0, 0, 0, 0, 2, 0, -1, -2, 0, 0],
    "26.1": [0] * 5 + [3, 2] + [0] * 8 + [-3],
}
#: (lps_id, industry, type, members); 15.3 has the most LPS.
LPS = [
    ("15.3-1", "15.3", "center", ["1900001", "1900002", "1900005"]),
    ("15.3-2", "15.3", "local_vector", ["1900011"]),
    ("15.3-3", "15.3", "embryo", ["1900016"]),
    ("26.1-1", "26.1", "advanced_vector", ["1900006", "1900007"]),
    ("26.1-2", "26.1", "embryo", ["1900001"]),
]
METADATA = RunMetadata(
    seed=12345,
    parameters={"typology": {"preset": "ipea2006", "share_min": 0.01, "ql_high": 5.0}},
    source="RAIS 2015 · lps_geo",
)
REPORT = RunReport.from_dict({"n_lps": 5, "warnings": ["Ilha: São Tomé"]})


def _square(i: int):
    row, col = divmod(i, 4)
    x, y = X0 + col * CELL, Y0 - row * CELL
    return box(x, y - CELL, x + CELL, y)


def make_result(metadata: RunMetadata | None = None) -> Result:
    """A small but complete Result on a 4x4 grid in EPSG:5880."""
    squares = {code: _square(i) for i, code in enumerate(CODES)}
    n_lps = {code: sum(code in m for *_, m in LPS) for code in CODES}
    municipalities = gpd.GeoDataFrame(
        {
            "name": [f"São Município {i + 1:02d}" for i in range(16)],
            "unit": CODES,
            "employment_total": np.arange(16, dtype=float) * 100 + 1000,
            "establishments_total": np.arange(16) * 3 + 20,
            "n_lps": [n_lps[c] for c in CODES],
        },
        geometry=list(squares.values()),
        index=pd.Index(CODES, name="region"),
        crs=CRS,
    )
    rows = []
    lps_of = {(c, ind): lid for lid, ind, _, m in LPS for c in m}
    for ind in INDUSTRIES:
        for i, code in enumerate(CODES):
            ql = QL[ind][i]
            rows.append(
                {
                    "region": code,
                    "industry": ind,
                    "employment": ql * 10,
                    "establishments": int(ql * 2),
                    "size": ql * 10,
                    "ql": ql,
                    "share_industry": ql / 40,
                    "share_region": ql / 100,
                    "hhm": ql / 40 - 1 / 16,
                    "icn": ql / 12,
                    "passes_filters": ql >= 1,
                    "variable_value": ql,
                    "lisa_z": (ql - 1.5) / 2.0,
                    "lisa_lag": (ql - 1.5) / 3.0,
                    "lisa_i": (ql - 1) * 0.1,
                    "lisa_q": pd.NA if ql == 0 else (1 if ql >= 1 else 3),
                    "lisa_p": 0.001 * (i + 1),
                    "lisa_p_adj": min(1.0, 0.016 * (i + 1)),
                    "lisa_draws": 999 * (i + 1),
                    "lisa_label": LISA[ind][i],
                    "gi_z": GI[ind][i] * 1.1,
                    "gi_p": 0.5 / (1 + abs(GI[ind][i])),
                    "gi_p_adj": min(1.0, 1 / (1 + abs(GI[ind][i]))),
                    "gi_draws": 999,
                    "gi_bin": GI[ind][i],
                    "lps_id": lps_of.get((code, ind)),
                    "reference_area": "study_area",
                }
            )
    indicators = pd.DataFrame(rows)
    indicators["lisa_q"] = indicators["lisa_q"].astype("Int64")
    industries = pd.DataFrame(
        {
            "industry": INDUSTRIES,
            "title": ["Fabricação de calçados", "Fabricação de componentes"],
            "reference_area": ["study_area", "study_area"],
            "employment": [1234.0, 456.0],
            "establishments": [60, 18],
            "size": [1234.0, 456.0],
            "gl": [0.62, 0.81],
            "gl_krugman": [0.31, 0.405],
            "hoover": [0.41, 0.66],
            "eg_gamma": [0.021, np.nan],
            "eg_H": [1 / 60, 1 / 18],
            "eg_approximated": [True, False],
            "moran_i": [0.18, 0.07],
            "moran_ei": [-1 / 15, -1 / 15],
            "moran_z": [2.4, 0.9],
            "moran_p": [0.012, 0.19],
            "moran_z_rand": [2.3, 0.8],
            "moran_p_rand": [0.021, 0.42],
            "n_lps": [3, 2],
            "n_center": [1, 0],
            "n_advanced_vector": [0, 1],
            "n_local_vector": [1, 0],
            "n_embryo": [1, 1],
        }
    )
    lps = gpd.GeoDataFrame(
        {
            "lps_id": [lid for lid, *_ in LPS],
            "industry": [ind for _, ind, *_ in LPS],
            "title": ["Fabricação de calçados"] * 3 + ["Fabricação de componentes"] * 2,
            "lps_type": [t for _, _, t, _ in LPS],
            "lps_type_label": [TYPE_LABELS["en"][t] for _, _, t, _ in LPS],
            "name": [f"São Município {CODES.index(m[0]) + 1:02d}" for *_, m in LPS],
            "n_members": [len(m) for *_, m in LPS],
            "members": [";".join(m) for *_, m in LPS],
            "employment": [140.0, 120.0, 49.9, 50.0, 12.0],
            "establishments": [25, 24, 9, 10, 2],
            "size": [140.0, 120.0, 49.9, 50.0, 12.0],
            "size_total": [3300.0, 2000.0, 2500.0, 2300.0, 1000.0],
            "ql": [5.3, 12.0, 4.99, 2.5, 1.2],
            "share_industry": [0.35, 0.3, 0.125, 0.25, 0.03],
            "share_region": [0.05, 0.12, 0.02, 0.03, 0.012],
            "n_hotspot_members": [2, 1, 0, 2, 0],
            "reference_area": ["study_area"] * 5,
            "states": [",".join(sorted({c[:2] for c in m})) for *_, m in LPS],
            "adjacent_lps": [""] * 5,
            "relatedness_density": [12.5, 40.0, float("nan"), 0.0, 7.25],
        },
        geometry=[gpd.GeoSeries([squares[c] for c in m]).union_all() for *_, m in LPS],
        crs=CRS,
    )
    lps_members = pd.DataFrame(
        [
            (lid, code, ind, "both" if GI[ind][CODES.index(code)] > 0 else "filters")
            for lid, ind, _, m in LPS
            for code in m
        ],
        columns=["lps_id", "region", "industry", "via"],
    )
    return Result(
        municipalities=municipalities,
        indicators=indicators,
        industries=industries,
        lps=lps,
        lps_members=lps_members,
        metadata=METADATA if metadata is None else metadata,
        report=REPORT,
    )


@pytest.fixture
def result() -> Result:
    return make_result()


@pytest.fixture
def written(tmp_path, result) -> Path:
    return write_geopackage(result, tmp_path / "run.gpkg", styled=False)


NON_SPATIAL = ["indicators", "industries", "lps_members", "run_metadata"]


# ------------------------------------------------------------------ layers, CRS


def test_all_layers_written_in_order(written):
    layers = pyogrio.list_layers(written)
    assert [str(n) for n in layers[:, 0]] == [
        n for n in LAYERS if n not in OPTIONAL_LAYERS
    ]
    kinds = dict(zip(layers[:, 0], layers[:, 1], strict=True))
    assert kinds["municipalities"] == kinds["lps"] == "MultiPolygon"
    assert all(kinds[n] is None for n in NON_SPATIAL)


def test_spatial_layers_have_crs(written):
    for name in ("municipalities", "lps"):
        info = pyogrio.read_info(written, layer=name)
        assert info["crs"] == CRS
        assert info["geometry_type"] == "MultiPolygon"
        assert pyogrio.read_dataframe(written, layer=name).crs.to_epsg() == 5880


def test_attribute_tables_are_registered_as_attributes(written):
    with sqlite3.connect(written) as con:
        kinds = dict(con.execute("SELECT table_name, data_type FROM gpkg_contents"))
        geometry_tables = {
            r[0] for r in con.execute("SELECT * FROM gpkg_geometry_columns")
        }
    con.close()
    assert kinds == {
        "municipalities": "features",
        "lps": "features",
        **{n: "attributes" for n in NON_SPATIAL},
    }
    assert geometry_tables == {"municipalities", "lps"}
    for name in NON_SPATIAL:
        frame = pyogrio.read_dataframe(written, layer=name)
        assert not isinstance(frame, gpd.GeoDataFrame)
        assert list(frame.columns) == list(LAYER_COLUMNS[name])


def test_columns_follow_the_contract(written):
    for name in ("municipalities", "lps"):
        frame = pyogrio.read_dataframe(written, layer=name)
        assert list(frame.columns) == [*LAYER_COLUMNS[name], "geometry"]


def test_missing_crs_raises(tmp_path, result):
    naked = result.municipalities.set_crs(None, allow_override=True)
    bad = dataclasses.replace(result, municipalities=naked)
    with pytest.raises(CRSError, match="'municipalities' has no CRS.*set_crs"):
        write_geopackage(bad, tmp_path / "bad.gpkg")
    assert list(tmp_path.iterdir()) == []


def test_regions_layer_is_spatial_and_second(tmp_path, result):
    regions = gpd.GeoDataFrame(
        {
            "region": ["19001", "19002"],
            "name": ["Norte", "Sul"],
            "employment_total": [1.0, 2.0],
            "establishments_total": [3, 4],
            "n_lps": [2, 0],
        },
        geometry=[
            box(X0, Y0 - 2 * CELL, X0 + 4 * CELL, Y0),
            box(X0, Y0 - 4 * CELL, X0 + 4 * CELL, Y0 - 2 * CELL),
        ],
        crs=CRS,
    )
    out = write_geopackage(
        dataclasses.replace(result, regions=regions),
        tmp_path / "r.gpkg",
        styled=False,
    )
    assert [str(n) for n in pyogrio.list_layers(out)[:, 0]] == [
        n
        for n in LAYERS
        if n
        not in (
            "institutions",
            "lps_capability",
            "lps_change",
            "lps_related",
            "relatedness",
            "lps_structure",
            "lps_suppliers",
            "lps_workers",
            "lps_innovation",
        )
    ]
    assert pyogrio.read_info(out, layer="regions")["crs"] == CRS
    back = read_geopackage(out)
    assert_array_equal(back.regions["region"], ["19001", "19002"])
    assert_allclose(back.regions.area, [8 * CELL**2, 8 * CELL**2])


# ---------------------------------------------------------------- value round trip


def test_indicator_values_round_trip(written, result):
    back = pyogrio.read_dataframe(written, layer="indicators")
    src = result.indicators
    assert len(back) == 32
    for col in ("region", "industry", "lisa_label"):
        assert_array_equal(back[col].astype(str), src[col].astype(str))
    floats = [
        "employment",
        "size",
        "ql",
        "share_industry",
        "share_region",
        "hhm",
        "icn",
        "lisa_i",
        "lisa_p",
        "lisa_p_adj",
        "gi_z",
        "gi_p",
        "gi_p_adj",
    ]
    for col in floats:
        assert_allclose(back[col].to_numpy(), src[col].to_numpy(), rtol=0, atol=0)
    assert_array_equal(back["establishments"], src["establishments"])
    assert_array_equal(back["gi_bin"], src["gi_bin"])
    assert back["passes_filters"].dtype == bool
    assert_array_equal(back["passes_filters"], src["passes_filters"])
    # nullable integer with missing values comes back as float with NaN
    assert_allclose(
        back["lisa_q"].to_numpy(dtype=float),
        src["lisa_q"].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
    )
    members = back["lps_id"].notna()
    assert int(members.sum()) == 8
    assert back.loc[0, "lps_id"] == "15.3-1"


def test_municipalities_round_trip(written, result):
    back = pyogrio.read_dataframe(written, layer="municipalities")
    assert_array_equal(back["region"], CODES)
    assert back.loc[0, "name"] == "São Município 01"  # UTF-8 kept
    assert_allclose(back["employment_total"], result.municipalities["employment_total"])
    assert_allclose(back.area, np.full(16, CELL**2))
    assert_array_equal(back["n_lps"], [2, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1])


def test_industries_and_lps_round_trip(written, result):
    ind = pyogrio.read_dataframe(written, layer="industries")
    assert_array_equal(ind["industry"], INDUSTRIES)
    assert_allclose(ind["eg_gamma"], [0.021, np.nan])
    assert ind["eg_approximated"].dtype == bool
    assert_array_equal(ind["eg_approximated"], [True, False])
    lps = pyogrio.read_dataframe(written, layer="lps")
    assert_array_equal(lps["lps_type"], [t for _, _, t, _ in LPS])
    assert_array_equal(
        lps["members"],
        ["1900001;1900002;1900005", "1900011", "1900016", "1900006;1900007", "1900001"],
    )
    assert_allclose(lps.area, np.array([3, 1, 1, 2, 1]) * CELL**2)
    members = pyogrio.read_dataframe(written, layer="lps_members")
    assert_array_equal(members["via"][:3], ["both", "both", "both"])


def test_run_metadata_values_are_json(written):
    table = pyogrio.read_dataframe(written, layer="run_metadata")
    values = dict(zip(table["key"], table["value"], strict=True))
    assert json.loads(values["seed"]) == 12345
    assert json.loads(values["parameters"])["typology"]["ql_high"] == 5.0
    assert json.loads(values["report"])["warnings"] == ["Ilha: São Tomé"]


def test_nullable_booleans_and_lists(tmp_path, result):
    lps = result.lps.assign(
        flag=pd.array([True, None, False, True, False], dtype="boolean"),
        member_list=[["1900001", "1900002"], ["1900011"], [], ["a"], ["b"]],
    )
    out = write_geopackage(dataclasses.replace(result, lps=lps), tmp_path / "b.gpkg")
    back = pyogrio.read_dataframe(out, layer="lps")
    assert_allclose(back["flag"].to_numpy(dtype=float), [1, np.nan, 0, 1, 0])
    assert json.loads(back.loc[0, "member_list"]) == ["1900001", "1900002"]
    assert list(back.columns[-3:]) == ["flag", "member_list", "geometry"]


def test_input_not_mutated(tmp_path, result):
    before = result.municipalities.copy()
    write_geopackage(result, tmp_path / "x.gpkg")
    pd.testing.assert_frame_equal(result.municipalities, before)
    assert result.municipalities.index.name == "region"


# ------------------------------------------------------------------ metadata


def test_gpkg_metadata_provenance(written):
    with sqlite3.connect(written) as con:
        rows = con.execute(
            "SELECT id, md_scope, md_standard_uri, mime_type, metadata "
            "FROM gpkg_metadata"
        ).fetchall()
        refs = con.execute(
            "SELECT reference_scope, table_name, md_file_id "
            "FROM gpkg_metadata_reference"
        ).fetchall()
        ext = con.execute(
            "SELECT table_name, scope FROM gpkg_extensions "
            "WHERE extension_name = 'gpkg_metadata' ORDER BY table_name"
        ).fetchall()
    con.close()
    assert len(rows) == 1
    md_id, scope, _, mime, text = rows[0]
    assert (scope, mime) == ("dataset", "application/json")
    doc = json.loads(text)
    assert doc["software"] == "lps_geo"
    assert doc["metadata"]["seed"] == 12345
    assert doc["layers"] == {
        "municipalities": 16,
        "lps": 5,
        "indicators": 32,
        "industries": 2,
        "lps_members": 8,
        "run_metadata": 10,
    }
    assert refs == [("geopackage", None, md_id)]
    assert ext == [
        ("gpkg_metadata", "read-write"),
        ("gpkg_metadata_reference", "read-write"),
    ]


def test_valid_for_gdal_validate_gpkg(written):
    validate = pytest.importorskip(
        "osgeo_utils.samples.validate_gpkg",
        reason="GDAL's validate_gpkg missing: pip install --no-deps gdal-utils",
    )
    messages: list[str] = []
    errors = validate.check(
        str(written),
        abort_at_first_error=False,
        extra_checks=True,
        warning_as_error=True,
        myprint=messages.append,
    )
    assert errors == [], messages


def test_valid_for_system_gdal(written):
    """Debian's GDAL (3.6, the one QGIS 3.22 uses) validates the file too."""
    python = shutil.which("python3", path="/usr/bin")
    probe = "import osgeo, osgeo_utils.samples.validate_gpkg"
    ok = python and subprocess.run([python, "-c", probe], capture_output=True)
    if not ok or ok.returncode != 0:
        pytest.skip("system GDAL Python bindings absent (apt-get install python3-gdal)")
    run = subprocess.run(
        [python, "-m", "osgeo_utils.samples.validate_gpkg", "--extra", str(written)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "may only be partially supported" not in run.stderr


def test_ogrinfo_lists_layers(written):
    ogrinfo = shutil.which("ogrinfo")
    if ogrinfo is None:
        pytest.skip("ogrinfo not on PATH (apt-get install gdal-bin)")
    run = subprocess.run(
        [ogrinfo, "-ro", "-q", str(written)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    lines = [ln for ln in run.stdout.splitlines() if re.match(r"\d+: ", ln)]
    assert lines == [
        "1: municipalities (Multi Polygon)",
        "2: lps (Multi Polygon)",
        "3: indicators (None)",
        "4: industries (None)",
        "5: lps_members (None)",
        "6: run_metadata (None)",
    ]
    detail = subprocess.run(
        [ogrinfo, "-ro", "-so", str(written), "municipalities"],
        capture_output=True,
        text=True,
    )
    assert "5880" in detail.stdout


# ------------------------------------------------------------------ read back


def test_read_geopackage_round_trip(written, result):
    back = read_geopackage(written)
    assert isinstance(back, Result)
    assert back.municipalities.crs.to_epsg() == 5880
    assert back.lps.crs.to_epsg() == 5880
    assert back.regions is None
    assert_array_equal(back.municipalities["region"], CODES)
    assert back.metadata == METADATA
    assert back.report == REPORT
    assert back.warnings == ("Ilha: São Tomé",)
    assert list(back.indicators.columns) == list(LAYER_COLUMNS["indicators"])
    assert_allclose(back.indicators["ql"], result.indicators["ql"])
    assert repr(back).startswith("<Result: 16 municipalities, 2 industries, 5 LPS")


def test_read_geopackage_without_report(tmp_path):
    meta = RunMetadata(seed=1)
    result = dataclasses.replace(
        make_result(metadata=meta), report=RunReport.from_dict({})
    )
    back = read_geopackage(write_geopackage(result, tmp_path / "m.gpkg"))
    assert back.metadata == meta
    assert back.report == RunReport.from_dict({})
    assert back.warnings == ()


def test_read_geopackage_rejects_foreign_file(tmp_path):
    other = tmp_path / "other.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=[box(0, 0, 1, 1)], crs=CRS).to_file(
        other, layer="roads"
    )
    with pytest.raises(ValueError, match="lacks layer.*municipalities.*roads"):
        read_geopackage(other)
    with pytest.raises(ValueError, match="not found"):
        read_geopackage(tmp_path / "missing.gpkg")


# ------------------------------------------------------------------ atomicity


def test_refuses_to_overwrite(written, result):
    before = written.read_bytes()
    with pytest.raises(
        OutputExistsError, match=r"run\.gpkg exists; pass overwrite=True"
    ):
        write_geopackage(result, written)
    assert written.read_bytes() == before


def test_overwrite_replaces(written):
    changed = make_result(metadata=RunMetadata(seed=7))
    write_geopackage(changed, written, overwrite=True)
    assert read_geopackage(written).metadata == RunMetadata(seed=7)
    assert sorted(p.name for p in written.parent.iterdir()) == ["run.gpkg"]


def test_failure_leaves_no_temporary_file(tmp_path, result, monkeypatch):
    real = gpkg_module._write_layer

    def failing(path, name, frame):
        if name == "indicators":
            raise RuntimeError("disk full")
        real(path, name, frame)

    monkeypatch.setattr(gpkg_module, "_write_layer", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        write_geopackage(result, tmp_path / "run.gpkg")
    assert list(tmp_path.iterdir()) == []


def test_failure_keeps_existing_output(written, result, monkeypatch):
    before = written.read_bytes()
    monkeypatch.setattr(
        gpkg_module, "_add_provenance", lambda *a: (_ for _ in ()).throw(OSError("x"))
    )
    with pytest.raises(OSError, match="x"):
        write_geopackage(result, written, overwrite=True)
    assert written.read_bytes() == before
    assert [p.name for p in written.parent.iterdir()] == ["run.gpkg"]


def test_atomic_path_cleans_up(tmp_path):
    target = tmp_path / "sub" / "a.txt"
    with pytest.raises(ZeroDivisionError):
        with atomic_path(target) as tmp:
            assert tmp.parent == target.parent
            assert tmp.name.startswith(".a.tmp-") and tmp.suffix == ".txt"
            tmp.write_text("half")
            1 / 0  # noqa: B018
    assert list(target.parent.iterdir()) == []
    with pytest.raises(FileNotFoundError, match="nothing was written"):
        with atomic_path(target):
            pass
    assert list(target.parent.iterdir()) == []


# ------------------------------------------------------------------ report


def test_write_report(tmp_path):
    report = {"z": 1, "a": {"n": np.int64(3), "ql": np.float64(5.5)}, "m": "São"}
    out = write_report(report, tmp_path / "report.json")
    text = out.read_text(encoding="utf-8")
    assert text == (
        '{\n  "a": {\n    "n": 3,\n    "ql": 5.5\n  },\n  "m": "São",\n  "z": 1\n}\n'
    )
    with pytest.raises(OutputExistsError, match="report.json exists"):
        write_report({}, out)
    write_report({"b": True}, out, overwrite=True)
    assert json.loads(out.read_text(encoding="utf-8")) == {"b": True}
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_output_path_is_directory(tmp_path, result):
    with pytest.raises(OutputExistsError, match="is a directory"):
        write_geopackage(result, tmp_path, overwrite=True)


# ------------------------------------------------- output folders and markers


def test_staging_folder_marks_what_it_wrote(tmp_path):
    from lps_geo.export.atomic import MARKER, read_marker, staging_folder

    with staging_folder(tmp_path / "run") as tmp:
        (tmp / "maps").mkdir()
        (tmp / "maps" / "a.png").write_bytes(b"png")
        (tmp / "report.json").write_text("{}")
    body = json.loads((tmp_path / "run" / MARKER).read_text(encoding="utf-8"))
    assert body["tool"] == "lps_geo" and body["version"]
    assert read_marker(tmp_path / "run") == {"maps/a.png", "report.json"}
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_check_folder_overwrite_only_what_lps_geo_wrote(tmp_path):
    from lps_geo.export.atomic import check_folder, staging_folder

    with staging_folder(tmp_path / "run") as tmp:
        (tmp / "report.json").write_text("{}")
    assert check_folder(tmp_path / "run", overwrite=True) == tmp_path / "run"
    with pytest.raises(OutputExistsError, match="exists and is not empty"):
        check_folder(tmp_path / "run")
    (tmp_path / "run" / "sub").mkdir()
    (tmp_path / "run" / "sub" / "mine.csv").write_text("x")
    with pytest.raises(OutputExistsError, match=r"run/sub/mine\.csv, which lps_geo"):
        check_folder(tmp_path / "run", overwrite=True)
    (tmp_path / "theirs").mkdir()
    (tmp_path / "theirs" / "a.txt").write_text("x")
    with pytest.raises(OutputExistsError, match=r"theirs was not written by lps_geo"):
        check_folder(tmp_path / "theirs", overwrite=True)
    # a refused publish leaves both folders as they were
    with pytest.raises(OutputExistsError, match="a.txt"):
        with staging_folder(tmp_path / "theirs") as tmp:
            (tmp / "report.json").write_text("{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "theirs"]
    assert [p.name for p in (tmp_path / "theirs").iterdir()] == ["a.txt"]


def test_staging_folder_write_error_is_one_output_error(tmp_path):
    import errno

    from lps_geo.errors import OutputError
    from lps_geo.export.atomic import staging_folder

    with pytest.raises(OutputError, match=r"cannot write .*run: No space left") as e:
        with staging_folder(tmp_path / "run") as tmp:
            (tmp / "half.gpkg").write_bytes(b"x")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert e.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []


def test_merge_folder_adds_files_and_keeps_others(tmp_path):
    from lps_geo.export.atomic import MARKER, merge_folder, read_marker

    out = tmp_path / "maps"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with merge_folder(out) as tmp:
        (tmp / "a.png").write_bytes(b"1")
    with pytest.raises(OutputExistsError, match=r"a\.png exists; pass --overwrite"):
        with merge_folder(out) as tmp:
            (tmp / "a.png").write_bytes(b"2")
    with merge_folder(out, overwrite=True) as tmp:
        (tmp / "a.png").write_bytes(b"3")
    assert (out / "a.png").read_bytes() == b"3"
    assert read_marker(out) == {"a.png"}
    (out / "notes.txt").rename(out / "b.png")  # the user's file, a map's name
    with pytest.raises(OutputExistsError, match=r"b\.png, which lps_geo did not"):
        with merge_folder(out, overwrite=True) as tmp:
            (tmp / "b.png").write_bytes(b"4")
    assert (out / "b.png").read_text() == "mine"
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "a.png", "b.png"]


def test_check_space_and_input_bytes(tmp_path, monkeypatch):
    from collections import namedtuple

    from lps_geo.errors import OutputError
    from lps_geo.export import atomic

    for ext in ("shp", "dbf", "shx"):
        (tmp_path / f"m.{ext}").write_bytes(b"x" * 100)
    (tmp_path / "e1.csv").write_bytes(b"x" * 10)
    (tmp_path / "e2.csv").write_bytes(b"x" * 10)
    assert atomic.input_bytes([tmp_path / "m.shp", tmp_path / "e*.csv"]) == 320
    assert atomic.space_needed(320) == atomic.SPACE_FLOOR + 3200
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(atomic.shutil, "disk_usage", lambda p: usage(0, 0, 2**20))
    with pytest.raises(OutputError, match=r"1 MB free on its disk, about 50 MB"):
        atomic.check_folder(tmp_path / "out")
    assert not (tmp_path / "out").exists()
