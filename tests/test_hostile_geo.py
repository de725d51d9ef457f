"""Hostile corpus, boundaries and institutions: the valid baseline, one flaw each."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
from hostile import (
    CODES,
    TOTAL_JOBS,
    assert_fails,
    assert_succeeds,
    read_employment,
    run,
)

GEOJSON = "municipalities.geojson"
INSTITUTIONS = "institutions.csv"


def _features(baseline):
    return json.loads(baseline.path(GEOJSON).read_text(encoding="utf-8"))


def _write_features(baseline, data):
    baseline.path(GEOJSON).write_text(json.dumps(data), encoding="utf-8")


def _spoil_feature(baseline, k, geometry=None, drop_geometry=False, **properties):
    data = _features(baseline)
    feature = data["features"][k]
    if drop_geometry:
        feature["geometry"] = None
    elif geometry is not None:
        feature["geometry"] = geometry
    feature["properties"].update(properties)
    _write_features(baseline, data)


def _institutions(baseline):
    return pd.read_csv(baseline.path(INSTITUTIONS), dtype=str)


def _write_institutions(baseline, frame):
    frame.to_csv(baseline.path(INSTITUTIONS), index=False)


def _warnings(report, text):
    return [w for w in report["warnings"] if text in w]


# -- boundaries ------------------------------------------------------------


def test_empty_geometry_is_named_as_cause(baseline):
    _spoil_feature(baseline, 5, geometry={"type": "Polygon", "coordinates": []})
    digest = baseline.inputs_digest()
    outcome = run(baseline, "-q")
    line = assert_fails(baseline, outcome, GEOJSON, CODES[5], digest=digest)
    assert "empty" in line


def test_null_geometry_is_named_as_cause(baseline):
    _spoil_feature(baseline, 3, drop_geometry=True)
    digest = baseline.inputs_digest()
    outcome = run(baseline, "-q")
    line = assert_fails(baseline, outcome, GEOJSON, CODES[3], digest=digest)
    assert "geometry" in line


def test_bowtie_is_repaired_with_a_warning_naming_code_and_area(baseline):
    # the first cell, drawn as a bow tie: make_valid keeps two triangles
    x0, y0 = -47.0, -22.0
    bowtie = [[x0, y0], [x0 + 0.1, y0 + 0.1], [x0 + 0.1, y0], [x0, y0 + 0.1], [x0, y0]]
    _spoil_feature(baseline, 0, geometry={"type": "Polygon", "coordinates": [bowtie]})
    digest = baseline.inputs_digest()
    report = assert_succeeds(baseline, run(baseline, "-q"))
    found = _warnings(report, CODES[0])
    assert found and "InputFixWarning" in found[0], report["warnings"]
    # as drawn, the bow tie's two lobes cancel (area 0); repaired, it keeps both
    assert f"{CODES[0]}: area 0.0 -> " in found[0] and "km2" in found[0]
    assert GEOJSON in found[0] and "make_valid" in found[0]
    (repaired,) = report["inputs"]["boundaries"]["repaired"]
    assert repaired["code"] == CODES[0] and repaired["area_before_km2"] < 0.1
    # half of a 0.1 x 0.1 degree cell near 22 S: about 57 km2
    assert 50 < repaired["area_after_km2"] < 65
    assert read_employment(baseline).to_numpy().sum() == TOTAL_JOBS
    assert baseline.inputs_digest() == digest


def test_projected_coordinates_without_crs(baseline):
    data = _features(baseline)
    data.pop("crs", None)
    for k, feature in enumerate(data["features"]):
        r, c = divmod(k, 4)
        x0, y0 = 330000 + 10000 * c, 7400000 + 10000 * r
        ring = [[x0, y0], [x0 + 1e4, y0], [x0 + 1e4, y0 + 1e4], [x0, y0 + 1e4]]
        feature["geometry"] = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    _write_features(baseline, data)
    digest = baseline.inputs_digest()
    line = assert_fails(
        baseline,
        run(baseline, "-q"),
        GEOJSON,
        "[inputs.boundaries] crs",
        digest=digest,
    )
    assert "longitude/latitude" in line and "projected" in line


def test_duplicate_code_names_the_code_column(baseline):
    _spoil_feature(baseline, 1, CD_MUN=CODES[0])
    digest = baseline.inputs_digest()
    assert_fails(
        baseline, run(baseline, "-q"), GEOJSON, "CD_MUN", CODES[0], digest=digest
    )


def test_code_column_missing(baseline):
    baseline.configure(inputs={"boundaries": {"code_column": "CD_MUNIC"}})
    digest = baseline.inputs_digest()
    assert_fails(
        baseline, run(baseline, "-q"), GEOJSON, "CD_MUNIC", "CD_MUN", digest=digest
    )


def test_codes_as_floats_are_read_as_codes(baseline):
    data = _features(baseline)
    for feature in data["features"]:
        feature["properties"]["CD_MUN"] = float(feature["properties"]["CD_MUN"])
    _write_features(baseline, data)
    report = assert_succeeds(baseline, run(baseline, "-q"))
    assert read_employment(baseline).to_numpy().sum() == TOTAL_JOBS
    assert report["inputs"]["boundaries"]["regions"] == len(CODES)


def test_zero_padded_codes_are_stripped_with_a_warning(baseline):
    data = _features(baseline)
    for feature in data["features"]:
        feature["properties"]["CD_MUN"] = "00" + feature["properties"]["CD_MUN"]
    _write_features(baseline, data)
    report = assert_succeeds(baseline, run(baseline, "-q"))
    found = _warnings(report, "leading zeros")
    assert found and "InputFixWarning" in found[0] and "'CD_MUN'" in found[0]
    assert f"00{CODES[0]} -> {CODES[0]}" in found[0] and "16 of 16" in found[0]
    assert read_employment(baseline).to_numpy().sum() == TOTAL_JOBS


def test_non_digit_code(baseline):
    _spoil_feature(baseline, 2, CD_MUN="19003X")
    digest = baseline.inputs_digest()
    assert_fails(
        baseline, run(baseline, "-q"), GEOJSON, "CD_MUN", "19003X", digest=digest
    )


def test_empty_code_cell(baseline):
    _spoil_feature(baseline, 2, CD_MUN=None)
    digest = baseline.inputs_digest()
    assert_fails(baseline, run(baseline, "-q"), GEOJSON, "CD_MUN", digest=digest)


def test_point_geometries_instead_of_polygons(baseline):
    data = _features(baseline)
    for k, feature in enumerate(data["features"]):
        r, c = divmod(k, 4)
        feature["geometry"] = {
            "type": "Point",
            "coordinates": [-46.95 + 0.1 * c, -21.95 + 0.1 * r],
        }
    _write_features(baseline, data)
    digest = baseline.inputs_digest()
    line = assert_fails(baseline, run(baseline, "-q"), GEOJSON, "Point", digest=digest)
    assert "polygon" in line.lower()


def test_invalid_crs_string_for_boundaries(baseline):
    baseline.configure(inputs={"boundaries": {"crs": "EPSG:99999"}})
    digest = baseline.inputs_digest()
    assert_fails(
        baseline,
        run(baseline, "-q"),
        "[inputs.boundaries] crs",
        "EPSG:99999",
        digest=digest,
    )


def test_missing_layer(baseline):
    baseline.configure(inputs={"boundaries": {"layer": "municipios"}})
    digest = baseline.inputs_digest()
    assert_fails(
        baseline,
        run(baseline, "-q"),
        GEOJSON,
        "municipios",
        "[inputs.boundaries] layer",
        digest=digest,
    )


# -- institutions ----------------------------------------------------------


def test_institutions_lat_lon_swapped(baseline):
    baseline.configure(inputs={"institutions": {"x_column": "lat", "y_column": "lon"}})
    digest = baseline.inputs_digest()
    line = assert_fails(
        baseline, run(baseline, "-q"), INSTITUTIONS, "x_column", digest=digest
    )
    assert "swapped" in line and "silverman" not in line


def test_institutions_all_outside(baseline):
    frame = _institutions(baseline)
    frame["lon"] = ["-40.1", "-40.2", "-40.3", "-40.4"]
    _write_institutions(baseline, frame)
    digest = baseline.inputs_digest()
    line = assert_fails(
        baseline,
        run(baseline, "-q"),
        INSTITUTIONS,
        "none of the 4",
        "[inputs.institutions]",
        digest=digest,
    )
    assert "silverman" not in line


def test_one_institution_outside_warns_and_succeeds(baseline):
    frame = _institutions(baseline)
    frame.loc[2, "lon"] = "-40.5"
    _write_institutions(baseline, frame)
    digest = baseline.inputs_digest()
    report = assert_succeeds(baseline, run(baseline, "-q"))
    found = _warnings(report, "outside")
    assert found and "Escola C" in found[0] and INSTITUTIONS in found[0]
    assert "1 of 4" in found[0]
    assert read_employment(baseline).to_numpy().sum() == TOTAL_JOBS
    assert baseline.inputs_digest() == digest


def test_unknown_institution_type(baseline):
    frame = _institutions(baseline)
    frame.loc[1, "type"] = "observatório"
    _write_institutions(baseline, frame)
    digest = baseline.inputs_digest()
    line = assert_fails(
        baseline,
        run(baseline, "-q"),
        INSTITUTIONS,
        "observatório",
        "row 3",
        "[inputs.institutions] type_map",
        'unknown_types = "other"',
        digest=digest,
    )
    assert "type_map=" not in line


def test_blank_coordinate(baseline):
    frame = _institutions(baseline)
    frame.loc[1, "lat"] = ""
    _write_institutions(baseline, frame)
    digest = baseline.inputs_digest()
    assert_fails(baseline, run(baseline, "-q"), INSTITUTIONS, "3", "lat", digest=digest)


def test_non_numeric_coordinate(baseline):
    frame = _institutions(baseline)
    frame.loc[0, "lon"] = "oeste"
    _write_institutions(baseline, frame)
    digest = baseline.inputs_digest()
    assert_fails(
        baseline, run(baseline, "-q"), INSTITUTIONS, "lon", "oeste", digest=digest
    )


def test_decimal_comma_coordinate(baseline):
    frame = _institutions(baseline)
    frame.loc[3, "lon"] = "-46,65"
    _write_institutions(baseline, frame)
    digest = baseline.inputs_digest()
    assert_fails(
        baseline, run(baseline, "-q"), INSTITUTIONS, "lon", "-46,65", digest=digest
    )


def test_wrong_crs_for_institutions(baseline):
    # lon/lat declared as UTM metres: every point lands far outside the area
    baseline.configure(inputs={"institutions": {"crs": "EPSG:31983"}})
    digest = baseline.inputs_digest()
    assert_fails(
        baseline,
        run(baseline, "-q"),
        INSTITUTIONS,
        "coordinates look like degrees (x -47.0 .. ",
        "[inputs.institutions] crs is EPSG:31983",
        '[inputs.institutions] crs = "EPSG:4674"',
        digest=digest,
    )


def test_invalid_crs_string_for_institutions(baseline):
    baseline.configure(inputs={"institutions": {"crs": "EPSG:46740"}})
    digest = baseline.inputs_digest()
    assert_fails(
        baseline,
        run(baseline, "-q"),
        "[inputs.institutions] crs",
        "EPSG:46740",
        digest=digest,
    )


def test_shapefile_without_prj_and_no_crs_key(baseline):
    frame = gpd.read_file(baseline.path(GEOJSON))
    frame.to_file(baseline.path("municipalities.shp"))
    baseline.path("municipalities.prj").unlink()
    baseline.configure(inputs={"boundaries": {"path": "municipalities.shp"}})
    digest = baseline.inputs_digest()
    assert_fails(
        baseline,
        run(baseline, "-q"),
        "municipalities.shp",
        "has no CRS",
        '[inputs.boundaries] crs = "EPSG:4674"',
        digest=digest,
    )


def test_repeated_institution_is_dropped_with_a_warning(baseline):
    frame = _institutions(baseline)
    frame = pd.concat([frame, frame.iloc[[1]]], ignore_index=True)
    _write_institutions(baseline, frame)
    report = assert_succeeds(baseline, run(baseline, "-q"))
    found = _warnings(report, "repeat an earlier one")
    assert found and "InputFixWarning" in found[0] and INSTITUTIONS in found[0]
    assert "row 6 = row 3 (Instituto B)" in found[0]
    assert report["capability"]["reader"]["n_kept"] == 4


def test_institutions_coordinate_column_missing(baseline):
    baseline.configure(inputs={"institutions": {"x_column": "longitude"}})
    digest = baseline.inputs_digest()
    assert_fails(
        baseline,
        run(baseline, "-q"),
        INSTITUTIONS,
        "'longitude' not found",
        "[inputs.institutions] x_column",
        digest=digest,
    )


def test_degrees_under_a_projected_crs_member(baseline):
    # lon/lat coordinates, but the GeoJSON's crs member says UTM 23S metres
    data = _features(baseline)
    data["crs"] = {
        "type": "name",
        "properties": {"name": "urn:ogc:def:crs:EPSG::31983"},
    }
    _write_features(baseline, data)
    digest = baseline.inputs_digest()
    assert_fails(
        baseline,
        run(baseline, "-q"),
        GEOJSON,
        "coordinates look like degrees (x -47.0 .. -46.6",
        "the file's CRS is EPSG:31983",
        '[inputs.boundaries] crs = "EPSG:4674"',
        digest=digest,
    )


def test_shapefile_in_metres_without_prj_suggests_projected_crs(baseline):
    frame = gpd.read_file(baseline.path(GEOJSON)).to_crs("EPSG:5880")
    frame.to_file(baseline.path("municipalities.shp"))
    baseline.path("municipalities.prj").unlink()
    baseline.configure(inputs={"boundaries": {"path": "municipalities.shp"}})
    digest = baseline.inputs_digest()
    line = assert_fails(
        baseline,
        run(baseline, "-q"),
        "municipalities.shp",
        "has no CRS and its coordinates are projected",
        "[inputs.boundaries] crs = the CRS they are in",
        '"EPSG:5880"',
        '"EPSG:31978" .. "EPSG:31985"',
        "copy the .prj",
        digest=digest,
    )
    assert "EPSG:4674" not in line


def test_institution_shapefile_in_metres_without_prj(baseline):
    frame = _institutions(baseline)
    points = gpd.GeoDataFrame(
        frame[["name", "type"]],
        geometry=gpd.points_from_xy(
            frame["lon"].astype(float), frame["lat"].astype(float)
        ),
        crs="EPSG:4674",
    ).to_crs("EPSG:31983")
    points.to_file(baseline.path("institutions.shp"))
    baseline.path("institutions.prj").unlink()
    baseline.configure(
        inputs={
            "institutions": {
                "path": "institutions.shp",
                "x_column": "",
                "y_column": "",
                "crs": "",
            }
        }
    )
    digest = baseline.inputs_digest()
    assert_fails(
        baseline,
        run(baseline, "-q"),
        "institutions.shp",
        "coordinates are projected",
        "[inputs.institutions] crs = the CRS they are in",
        digest=digest,
    )


def test_shapefile_without_dbf_names_the_attribute_table(baseline):
    frame = gpd.read_file(baseline.path(GEOJSON))
    frame.to_file(baseline.path("municipalities.shp"))
    baseline.path("municipalities.dbf").unlink()
    baseline.configure(inputs={"boundaries": {"path": "municipalities.shp"}})
    digest = baseline.inputs_digest()
    assert_fails(
        baseline,
        run(baseline, "-q"),
        "municipalities.shp",
        "'CD_MUN' not found",
        "municipalities.dbf (the shapefile's attribute table) is missing",
        "[inputs.boundaries] path",
        digest=digest,
    )


def test_utf8_shapefile_without_cpg_is_reread_as_utf8(baseline):
    frame = gpd.read_file(baseline.path(GEOJSON))
    frame["NM_MUN"] = [f"Mun {k}" for k in range(len(frame))]
    frame.loc[3, "NM_MUN"] = "São Tomé"
    frame.to_file(baseline.path("municipalities.shp"), encoding="UTF-8")
    baseline.path("municipalities.cpg").unlink()
    baseline.configure(inputs={"boundaries": {"path": "municipalities.shp"}})
    report = assert_succeeds(baseline, run(baseline, "-q"))
    (warning,) = _warnings(report, "has no .cpg")
    assert "municipalities.shp" in warning and "re-read as UTF-8" in warning
    assert "1 text value(s)" in warning and "-> 'São Tomé'" in warning
    regions = gpd.read_file(baseline.out / "result.gpkg", layer="municipalities")
    assert "São Tomé" in set(regions["name"])


def _split_feature(baseline, k, **properties):
    """Add a second part to feature ``k`` (a square east of the grid) with
    ``properties`` changed."""
    data = _features(baseline)
    part = json.loads(json.dumps(data["features"][k]))
    ring = [[-46.5, -22.0], [-46.45, -22.0], [-46.45, -21.95], [-46.5, -21.95]]
    part["geometry"] = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    part["properties"].update(properties)
    data["features"].append(part)
    _write_features(baseline, data)


def test_multipart_municipality_is_dissolved_with_a_warning(baseline):
    _split_feature(baseline, 5)
    report = assert_succeeds(baseline, run(baseline, "-q"))
    (warning,) = _warnings(report, "dissolved into one multipart region")
    assert GEOJSON in warning and f"{CODES[5]} (2 parts)" in warning
    assert report["inputs"]["boundaries"]["dissolved"] == [CODES[5]]


def test_multipart_parts_with_different_population(baseline):
    data = _features(baseline)
    for k, feature in enumerate(data["features"]):
        feature["properties"]["POP"] = 1000 + k
    _write_features(baseline, data)
    _split_feature(baseline, 5, POP=999)
    baseline.configure(inputs={"boundaries": {"population_column": "POP"}})
    digest = baseline.inputs_digest()
    assert_fails(
        baseline,
        run(baseline, "-q"),
        GEOJSON,
        f"code {CODES[5]} (column 'CD_MUN') has 2 features with different POP "
        "(1005, 999)",
        digest=digest,
    )


# -- INEP register ------------------------------------------------------------

INEP_HEADER = (
    "Codigo IES;Nome da IES - Instituição de Ensino Superior;Código do Município;"
    "Tipo de Instituição;Condição de Funcionamento;"
    "Nome da Dependência Administrativa\n"
)


def _inep(baseline, rows, name="ies.csv"):
    baseline.path(name).write_text(
        INEP_HEADER + "".join(";".join(row) + "\n" for row in rows), encoding="utf-8"
    )
    baseline.configure(
        inputs={
            "institutions": {
                "path": name,
                "format": "inep",
                "type_column": "",
                "name_column": "",
                "x_column": "",
                "y_column": "",
                "crs": "",
            }
        }
    )


def test_inep_register_of_another_state_is_an_error(baseline):
    _inep(
        baseline,
        [
            (
                "55",
                "UNIVERSIDADE DE SÃO PAULO",
                "3550308",
                "PÚBLICA",
                "ATIVA",
                "ESTADUAL",
            ),
            ("56", "FACULDADE X", "3509502", "PRIVADA", "DESATIVADA", "PRIVADA"),
        ],
    )
    digest = baseline.inputs_digest()
    assert_fails(
        baseline,
        run(baseline, "-q"),
        "ies.csv",
        "none of the 2 institution record(s) is in the study area",
        "1 inactive",
        "state codes in the register: 35; in the boundaries: 19",
        "[inputs.institutions] path",
        digest=digest,
    )


def test_inep_inactive_institutions_are_dropped_with_a_warning(baseline):
    _inep(
        baseline,
        [
            ("55", "UNIVERSIDADE A", CODES[0], "PÚBLICA", "ATIVA", "ESTADUAL"),
            ("56", "FACULDADE B", CODES[1], "PRIVADA", "DESATIVADA", "PRIVADA"),
        ],
    )
    report = assert_succeeds(baseline, run(baseline, "-q"))
    (warning,) = _warnings(report, "are not active")
    assert "ies.csv" in warning and "1 of 2 institution(s)" in warning
    assert "1 'DESATIVADA'" in warning


def test_inep_format_on_a_vector_layer(baseline):
    frame = _institutions(baseline)
    gpd.GeoDataFrame(
        frame[["name", "type"]],
        geometry=gpd.points_from_xy(
            frame["lon"].astype(float), frame["lat"].astype(float)
        ),
        crs="EPSG:4674",
    ).to_file(baseline.path("institutions.shp"))
    _inep(baseline, [], name="unused.csv")
    baseline.configure(inputs={"institutions": {"path": "institutions.shp"}})
    digest = baseline.inputs_digest()
    assert_fails(
        baseline,
        run(baseline, "-q"),
        "institutions.shp",
        "is a vector layer, not INEP's IES register",
        '[inputs.institutions] format = "points"',
        digest=digest,
    )


def test_inep_layer_names_the_sheet(baseline):
    """``layer`` with ``format = "inep"`` is the workbook's sheet: a sheet the
    file does not have is an error naming it; the right one is read."""
    _inep(baseline, [])
    columns = INEP_HEADER.strip().split(";")
    rows = [
        ["55", "UNIVERSIDADE A", CODES[0], "UNIVERSIDADE", "ATIVA", "FEDERAL"],
        ["56", "FACULDADE B", CODES[3], "FACULDADE", "ATIVA", "PRIVADA"],
    ]
    with pd.ExcelWriter(baseline.path("ies.xlsx")) as book:
        pd.DataFrame([["notes"]], columns=["x"]).to_excel(
            book, sheet_name="Notas", index=False
        )
        pd.DataFrame(rows, columns=columns).to_excel(
            book, sheet_name="Cadastro", index=False
        )
    baseline.configure(inputs={"institutions": {"path": "ies.xlsx", "layer": "Folha9"}})
    digest = baseline.inputs_digest()
    assert_fails(baseline, run(baseline), "ies.xlsx", "Folha9", digest=digest)
    baseline.configure(inputs={"institutions": {"layer": "Cadastro"}})
    report = assert_succeeds(baseline, run(baseline))
    assert report["capability"]["n_institutions"] == 2
