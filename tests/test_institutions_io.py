"""Institution registers and per-municipality counts (points, inep, counts, taxonomy).

Tiny hand-built fixtures in EPSG:5880 with known answers; the real INEP
register and São Paulo boundaries are read from ``LPS_GEO_DATA`` (skipped when
absent), the synthetic demo layer from the repository's ``data/shapefiles``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from pyproj import Transformer
from shapely.geometry import Point, Polygon, box

from lps_geo.errors import (
    ConfigError,
    CRSError,
    InputError,
    InputFixWarning,
    LpsGeoWarning,
    MissingCodesWarning,
)
from lps_geo.io import (
    DEFAULT_TYPE_MAP,
    InepReport,
    InstitutionReport,
    Institutions,
    load_type_map,
    read_boundaries,
    read_inep_ies,
    read_institutions,
    read_region_counts,
)
from lps_geo.symbology import INSTITUTION_COLORS
from lps_geo.symbology import INSTITUTION_NAMES as INSTITUTION_LABELS
from lps_geo.vocab import INSTITUTION_TYPES

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("LPS_GEO_DATA", REPO.parent / "shared" / "data"))
DEMO = REPO / "data" / "shapefiles"

#: L-shaped municipality whose centroid (23222, 3222) falls outside it.
L_SHAPE = box(20_000, 0, 30_000, 2_000).union(box(20_000, 0, 22_000, 10_000))


def need(*paths: Path) -> None:
    for path in paths:
        if not path.exists():
            pytest.skip(f"real data file {path} absent (set LPS_GEO_DATA)")


@pytest.fixture
def municipalities() -> gpd.GeoDataFrame:
    """Two 10 km squares and an L-shaped municipality, EPSG:5880."""
    return gpd.GeoDataFrame(
        {"name": ["Alfa", "Beta", "Gama"]},
        geometry=[box(0, 0, 10_000, 10_000), box(10_000, 0, 20_000, 10_000), L_SHAPE],
        index=pd.Index(["3500001", "3500002", "3500003"], name="region"),
        crs="EPSG:5880",
    )


def write_points(path: Path, rows: list[dict], crs: str | None = "EPSG:5880"):
    frame = gpd.GeoDataFrame(
        [{k: v for k, v in row.items() if k != "xy"} for row in rows],
        geometry=[Point(*row["xy"]) if row["xy"] else None for row in rows],
        crs=crs,
    )
    frame.to_file(path)
    return path


# --- taxonomy ---------------------------------------------------------------


def test_taxonomy_agrees_with_palette_labels_and_map():
    assert INSTITUTION_TYPES == tuple(INSTITUTION_COLORS)
    for language in ("en", "pt"):
        assert tuple(INSTITUTION_LABELS[language]) == INSTITUTION_TYPES
    assert set(DEFAULT_TYPE_MAP.values()) == set(INSTITUTION_TYPES)
    # keys are folded; the codes themselves are accepted
    assert DEFAULT_TYPE_MAP["centro universitario"] == "university"
    assert DEFAULT_TYPE_MAP["faculdades integradas"] == "university"
    assert DEFAULT_TYPE_MAP["federal institute"] == "federal_institute"
    assert DEFAULT_TYPE_MAP["cefet"] == "federal_institute"
    assert DEFAULT_TYPE_MAP["fatec"] == "technical_school"
    assert DEFAULT_TYPE_MAP["embrapa"] == "research_centre"
    assert DEFAULT_TYPE_MAP["incubadora"] == "technology_park"


# --- point layers and coordinate tables ---------------------------------------


def test_points_file(tmp_path: Path, municipalities):
    path = write_points(
        tmp_path / "inst.gpkg",
        [
            {
                "id": "u1",
                "nome": "Univ A",
                "tipo": "Universidade",
                "cursos": 12,
                "xy": (5_000, 5_000),
            },
            {
                "id": "t1",
                "nome": "Senai B",
                "tipo": "SENAI",
                "cursos": 3,
                "xy": (15_000, 2_000),
            },
            {
                "id": "p1",
                "nome": "Parque C",
                "tipo": "Parque Tecnológico",
                "cursos": 0,
                "xy": (29_000, 1_000),
            },
        ],
    )
    gdf_read = read_institutions(
        path,
        type_column="tipo",
        name_column="nome",
        id_column="id",
        weight_column="cursos",
        boundaries=municipalities,
    )
    gdf = gdf_read.points
    assert gdf.index.name == "inst_id"
    assert gdf.index.tolist() == ["u1", "t1", "p1"]
    assert list(gdf.columns) == [
        "name",
        "type",
        "source_type",
        "region",
        "located",
        "weight",
        "geometry",
    ]
    assert gdf.crs.to_epsg() == 5880
    assert gdf["type"].tolist() == ["university", "technical_school", "technology_park"]
    assert gdf["source_type"].tolist() == [
        "Universidade",
        "SENAI",
        "Parque Tecnológico",
    ]
    assert gdf["region"].tolist() == ["3500001", "3500002", "3500003"]
    assert gdf["located"].tolist() == ["point"] * 3
    assert_allclose(gdf["weight"].to_numpy(), [12.0, 3.0, 0.0])
    assert_allclose(gdf.geometry.x.to_numpy(), [5_000, 15_000, 29_000])
    report = gdf_read.report.to_dict()
    assert (report["n_read"], report["n_kept"], report["n_outside"]) == (3, 3, 0)
    assert isinstance(gdf_read, Institutions) and gdf.attrs == {}
    assert type(gdf_read.report) is InstitutionReport
    assert gdf_read.report.n_kept == 3 and gdf_read.report.outside_ids == ()
    assert list(report) == [
        "source",
        "n_read",
        "n_kept",
        "n_unknown_type",
        "unknown_types",
        "n_missing_coordinates",
        "n_placed_at_centroid",
        "n_outside",
        "outside_ids",
        "n_unmatched_codes",
        "unmatched_codes",
        "dropped_ids",
        "n_dropped",
    ]


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_points_file_crs_policy(tmp_path: Path):
    path = write_points(
        tmp_path / "nocrs.gpkg",
        [{"name": "A", "type": "university", "xy": (-46.6, -23.5)}],
        crs=None,
    )
    with pytest.raises(
        CRSError,
        match=r'nocrs\.gpkg has no CRS; set \[inputs.institutions\] crs = "EPSG:4674"',
    ):
        read_institutions(path)
    gdf_read = read_institutions(path, crs="EPSG:4674")
    gdf = gdf_read.points
    transform = Transformer.from_crs(4674, 5880, always_xy=True)
    assert_allclose(
        [gdf.geometry.iloc[0].x, gdf.geometry.iloc[0].y],
        transform.transform(-46.6, -23.5),
        atol=1e-3,
    )
    with pytest.raises(CRSError, match="geographic CRS"):
        read_institutions(path, crs="EPSG:4674", target_crs="EPSG:4326")


def test_non_point_layer_is_refused(tmp_path: Path):
    path = tmp_path / "parks.gpkg"
    gpd.GeoDataFrame(
        {"name": ["Parque"], "type": ["technology_park"]},
        geometry=[box(0, 0, 10, 10)],
        crs="EPSG:5880",
    ).to_file(path)
    with pytest.raises(InputError, match=r"1 feature\(s\) are not points.*'Polygon'"):
        read_institutions(path)


def test_lonlat_csv(tmp_path: Path, municipalities):
    # near Campinas, inside the domain of the Brazil Polyconic projection
    x0, y0 = 5_700_000.0, 7_450_000.0
    shifted = municipalities.set_geometry(municipalities.geometry.translate(x0, y0))
    to_lonlat = Transformer.from_crs(5880, 4326, always_xy=True)
    xy = [(x0 + 5_000, y0 + 5_000), (x0 + 21_000, y0 + 9_000)]
    lonlat = [to_lonlat.transform(x, y) for x, y in xy]
    path = tmp_path / "inst.csv"
    path.write_text(
        "name;category;lon;lat\n"
        + "".join(
            f"{name};{kind};{lon:.10f};{lat:.10f}\n"
            for name, kind, (lon, lat) in zip(
                ["Lab X", "IF Campus Y"],
                ["Laboratório", "Instituto Federal"],
                lonlat,
                strict=True,
            )
        ),
        encoding="utf-8",
    )
    gdf_read = read_institutions(
        path,
        type_column="category",
        x_column="lon",
        y_column="lat",
        crs="EPSG:4326",
        boundaries=shifted,
    )
    gdf = gdf_read.points
    assert gdf["type"].tolist() == ["research_centre", "federal_institute"]
    assert gdf["region"].tolist() == ["3500001", "3500003"]
    assert_allclose(gdf.geometry.x.to_numpy(), [x for x, _ in xy], atol=1e-3)
    assert_allclose(gdf.geometry.y.to_numpy(), [y for _, y in xy], atol=1e-3)
    assert gdf.index.tolist() == ["1", "2"]


def test_coordinate_table_errors(tmp_path: Path):
    path = tmp_path / "inst.csv"
    path.write_text("name,type,x,y\nA,university,-46.6,-23.5\nB,university,5e6,7e6\n")
    with pytest.raises(
        CRSError, match=r"'x'/'y' need a CRS; set \[inputs.institutions\] crs"
    ):
        read_institutions(path, x_column="x", y_column="y")
    with pytest.raises(InputError, match=r"out of range.*rows 3;.*swapped"):
        read_institutions(path, x_column="x", y_column="y", crs="EPSG:4326")
    with pytest.raises(ConfigError, match="pass both x_column= and y_column="):
        read_institutions(path, x_column="x")
    with pytest.raises(ConfigError, match="x_column= and y_column= .* or code_column="):
        read_institutions(path)
    with pytest.raises(
        InputError,
        match=r"column 'kind' not found; set \[inputs.institutions\] type_column =",
    ):
        read_institutions(
            path, type_column="kind", x_column="x", y_column="y", crs="EPSG:5880"
        )


# --- placement by municipality code -------------------------------------------


def test_code_only_csv_placed_at_representative_point(tmp_path: Path, municipalities):
    path = tmp_path / "schools.csv"
    path.write_text(
        "cod_mun,escola,tipo\n3500003,ETEC Gama,Escola Técnica\n"
        "3500001,Faculdade Alfa,Faculdade\n3500003,Fatec Gama,FATEC\n"
    )
    gdf_read = read_institutions(
        path,
        code_column="cod_mun",
        name_column="escola",
        type_column="tipo",
        boundaries=municipalities,
    )
    gdf = gdf_read.points
    assert gdf["located"].tolist() == ["centroid"] * 3
    assert gdf["region"].tolist() == ["3500003", "3500001", "3500003"]
    assert gdf["type"].tolist() == [
        "technical_school",
        "university",
        "technical_school",
    ]
    # the L's centroid lies outside it; the representative point inside
    assert not L_SHAPE.contains(L_SHAPE.centroid)
    for code, point in zip(gdf["region"], gdf.geometry, strict=True):
        assert municipalities.geometry.loc[code].contains(point)
    assert gdf.geometry.iloc[0].equals(gdf.geometry.iloc[2])
    report = gdf_read.report.to_dict()
    assert report["n_placed_at_centroid"] == 3
    assert report["n_missing_coordinates"] == 0


def test_missing_coordinates_fall_back_to_code(tmp_path: Path, municipalities):
    path = tmp_path / "inst.csv"
    path.write_text(
        "name,type,x,y,mun\nA,university,5000,5000,3500001\n"
        "B,university,,,3500002\nC,university,21000,1000,\n"
    )
    gdf_read = read_institutions(
        path,
        x_column="x",
        y_column="y",
        crs="EPSG:5880",
        code_column="mun",
        boundaries=municipalities,
    )
    gdf = gdf_read.points
    assert gdf["located"].tolist() == ["point", "centroid", "point"]
    assert gdf["region"].tolist() == ["3500001", "3500002", "3500003"]
    assert municipalities.geometry.loc["3500002"].contains(gdf.geometry.loc["2"])
    report = gdf_read.report.to_dict()
    assert (report["n_missing_coordinates"], report["n_placed_at_centroid"]) == (1, 1)


def test_missing_coordinates_without_code_names_rows(tmp_path: Path):
    path = tmp_path / "inst.csv"
    path.write_text(
        "id,name,type,x,y\nk1,A,university,5000,5000\nk2,B,university,,\n"
        "k3,C,university,7000,\n"
    )
    with pytest.raises(
        InputError,
        match=r"inst\.csv: 2 record\(s\) have no coordinates: row\(s\) 3, 4 "
        r"\(ids k2, k3\); fill in 'x'/'y', set \[inputs.institutions\] code_column",
    ):
        read_institutions(
            path, x_column="x", y_column="y", crs="EPSG:5880", id_column="id"
        )


def test_codes_not_in_boundaries(tmp_path: Path, municipalities):
    path = tmp_path / "inst.csv"
    path.write_text(
        "id,mun,name,type\na,3500001,A,university\nb,9999999,B,university\n"
        "c,9999998,C,university\nd,9999999,D,university\n"
    )
    kwargs = {"code_column": "mun", "id_column": "id", "boundaries": municipalities}
    with pytest.raises(
        InputError,
        match=r"2 municipality code\(s\) of 3 record\(s\) are not in the "
        r"boundaries: 9999998, 9999999; fix the codes",
    ):
        read_institutions(path, **kwargs)
    with pytest.warns(MissingCodesWarning, match="9999998, 9999999.*dropped"):
        gdf_read = read_institutions(path, unmatched="drop", **kwargs)
        gdf = gdf_read.points
    assert gdf.index.tolist() == ["a"]
    report = gdf_read.report.to_dict()
    assert report["n_unmatched_codes"] == 3
    assert report["dropped_ids"] == ["b", "c", "d"]
    with pytest.raises(ConfigError, match="pass boundaries="):
        read_institutions(path, code_column="mun")


def test_rais_six_digit_codes_are_matched(tmp_path: Path, municipalities):
    path = tmp_path / "inst.csv"
    path.write_text("mun,name,type\n350000,A,university\n350000,B,other\n")
    bounds = municipalities.iloc[:1]
    gdf_read = read_institutions(path, code_column="mun", boundaries=bounds)
    gdf = gdf_read.points
    assert gdf["region"].tolist() == ["3500001", "3500001"]


# --- types ----------------------------------------------------------------------


def test_type_mapping_default_user_csv_and_name_rules(tmp_path: Path, municipalities):
    path = tmp_path / "inst.csv"
    path.write_text(
        "mun;name;kind\n"
        "3500001;Universidade Alfa;UNIVERSIDADE\n"
        "3500001;Centro Universitário Alfa;Centro Universitário\n"
        "3500002;INSTITUTO FEDERAL DE BETA;Faculdade\n"
        "3500002;Núcleo Beta;Núcleo de Inovação Tecnológica\n"
        "3500003;Lab Gama;Laboratório\n"
        "3500003;Incubadora Gama;incubadora\n",
        encoding="utf-8",
    )
    map_csv = tmp_path / "map.csv"
    map_csv.write_text(
        "source,type\nNúcleo de Inovação Tecnológica,technology_park\n"
        "laboratorio,research centre\n",
        encoding="utf-8",
    )
    gdf_read = read_institutions(
        path,
        code_column="mun",
        type_column="kind",
        type_map=map_csv,
        boundaries=municipalities,
    )
    gdf = gdf_read.points
    assert gdf["type"].tolist() == [
        "university",
        "university",
        "federal_institute",  # name rule over the generic "Faculdade"
        "technology_park",
        "research_centre",
        "technology_park",
    ]
    assert gdf["source_type"].iloc[3] == "Núcleo de Inovação Tecnológica"
    # a dict map overrides the default; name rules can be turned off
    gdf_read = read_institutions(
        path,
        code_column="mun",
        type_column="kind",
        boundaries=municipalities,
        type_map={"Núcleo de Inovação Tecnológica": "other", "Faculdade": "other"},
        name_rules=False,
    )
    gdf = gdf_read.points
    assert gdf["type"].tolist()[2:4] == ["other", "other"]


def test_type_map_errors(tmp_path: Path):
    with pytest.raises(ConfigError, match=r"'Fablab': 'makerspace'.*one of university"):
        load_type_map({"Fablab": "makerspace"})
    bad = tmp_path / "map.csv"
    bad.write_text("source,type\nfablab,makerspace\nlab,\n")
    with pytest.raises(InputError, match=r"map\.csv: 1 row\(s\) have an empty.*rows 3"):
        load_type_map(bad)
    bad.write_text("source,type\nfablab,makerspace\n")
    with pytest.raises(InputError, match=r"rows 2: 'makerspace'"):
        load_type_map(bad)


@pytest.fixture
def unknown_csv(tmp_path: Path) -> Path:
    path = tmp_path / "unknown.csv"
    path.write_text(
        "name,type,x,y\nA,university,5000,5000\nB,Fablab,6000,5000\n"
        "C,Fablab,7000,5000\nD,Coworking,8000,5000\nE,,9000,5000\n"
    )
    return path


def test_unknown_type_raises(unknown_csv: Path):
    with pytest.raises(
        InputError,
        match=r"unknown\.csv: column 'type' has 4 record\(s\) with 3 unknown "
        r"institution type\(s\): 'Fablab' \(row 3, 4\), 'Coworking' \(row 5\), "
        r"'\(empty\)' \(row 6\); map them in the CSV named by "
        r"\[inputs.institutions\] type_map .* set \[inputs.institutions\] "
        r'unknown_types = "other"',
    ):
        read_institutions(unknown_csv, x_column="x", y_column="y", crs="EPSG:5880")


def test_unknown_types_other_warns(unknown_csv: Path):
    with pytest.warns(InputFixWarning, match=r"4 record.*'Fablab' \(row 3, 4\)"):
        gdf_read = read_institutions(
            unknown_csv,
            x_column="x",
            y_column="y",
            crs="EPSG:5880",
            unknown_types="other",
        )
        gdf = gdf_read.points
    assert gdf["type"].tolist() == ["university"] + ["other"] * 4
    report = gdf_read.report.to_dict()
    assert report["n_unknown_type"] == 4
    assert report["unknown_types"] == {"Fablab": 2, "Coworking": 1, "(empty)": 1}
    assert gdf["region"].isna().all()  # no boundaries: no region


# --- study area -----------------------------------------------------------------


def test_points_outside_are_counted_reported_and_dropped(
    tmp_path: Path, municipalities
):
    rows = [{"id": "in1", "name": "In", "type": "university", "xy": (1_000, 1_000)}]
    rows += [
        {
            "id": f"out{k}",
            "name": "Out",
            "type": "university",
            "xy": (-1_000.0 * k, 50_000),
        }
        for k in range(1, 8)
    ]
    rows.append({"id": "in2", "name": "In", "type": "other", "xy": (25_000, 5_000)})
    path = write_points(tmp_path / "inst.gpkg", rows)
    with pytest.warns(
        InputFixWarning,
        match=r"8 of 9 institution\(s\) lie outside the study area.*dropped: ids "
        r"out1, out2, out3, out4, out5 and 3 more \(e.g. Out \(feature 2\)",
    ):
        gdf_read = read_institutions(path, id_column="id", boundaries=municipalities)
        gdf = gdf_read.points
    # (25000, 5000) is in the L's notch: outside every municipality too
    assert gdf.index.tolist() == ["in1"]
    report = gdf_read.report.to_dict()
    assert report["n_outside"] == 8
    assert report["outside_ids"] == [f"out{k}" for k in range(1, 8)] + ["in2"]
    assert report["dropped_ids"] == report["outside_ids"]
    assert (report["n_read"], report["n_kept"]) == (9, 1)
    with pytest.warns(LpsGeoWarning, match="kept with no region"):
        kept_read = read_institutions(
            path, id_column="id", boundaries=municipalities, outside="keep"
        )
        kept = kept_read.points
    assert len(kept) == 9
    assert_array_equal(kept["region"].isna().to_numpy(), [False] + [True] * 8)


def test_weight_errors(tmp_path: Path):
    path = tmp_path / "inst.csv"
    path.write_text("name,type,x,y,w\nA,university,1,1,-2\nB,university,2,2,\n")
    with pytest.raises(InputError, match=r"'w' has 1 empty weight\(s\) in row\(s\) 3"):
        read_institutions(
            path, x_column="x", y_column="y", crs="EPSG:5880", weight_column="w"
        )
    path.write_text("name,type,x,y,w\nA,university,1,1,-2\nB,university,2,2,3\n")
    with pytest.raises(InputError, match=r"1 negative weight\(s\) in row\(s\) 2"):
        read_institutions(
            path, x_column="x", y_column="y", crs="EPSG:5880", weight_column="w"
        )


# --- INEP layout ------------------------------------------------------------------

INEP_HEADER = (
    "Codigo IES;Nome da IES - Instituição de Ensino Superior;Código da UF;"
    "Código do Município;Código da Dependência Administrativa;"
    "Nome da Dependência Administrativa;Tipo de Instituição;"
    "Condição de Funcionamento\n"
)


def test_read_inep_ies_layout(tmp_path: Path, municipalities):
    path = tmp_path / "ies.csv"
    path.write_text(
        INEP_HEADER + "1;UNIVERSIDADE ALFA;35;3500001;2;ESTADUAL;PÚBLICA;ATIVA\n"
        "2;INSTITUTO FEDERAL DE BETA;35;3500002;1;FEDERAL;PÚBLICA;ATIVA\n"
        "3;FACULDADE GAMA;35;3500003;4;PRIVADA;PRIVADA;INATIVA\n"
        "4;FACULDADE DE OUTRO ESTADO;33;3304557;4;PRIVADA;PRIVADA;ATIVA\n"
        "5;FACULDADE SEM MUNICÍPIO;Faculdade;Privada;-;-;1;ATIVA\n"
        "9999999;INSTITUIÇÃO NÃO CADASTRADA;;;;;;\n"
        "Fonte: MEC/Inep/DEED;;;;;;;\n",
        encoding="utf-8",
    )
    with pytest.warns(MissingCodesWarning) as record:
        ies_read = read_inep_ies(path, boundaries=municipalities)
        ies = ies_read.points
    messages = " | ".join(str(w.message) for w in record)
    assert "1 institution(s) have no numeric municipality code" in messages
    assert "3304557" in messages
    assert ies.index.tolist() == ["1", "2"]
    assert ies["type"].tolist() == ["university", "federal_institute"]
    assert ies["dependency"].tolist() == ["ESTADUAL", "FEDERAL"]
    assert ies["status"].tolist() == ["ATIVA", "ATIVA"]
    assert ies["located"].tolist() == ["centroid", "centroid"]
    assert ies["region"].tolist() == ["3500001", "3500002"]
    report = ies_read.report.to_dict()
    assert report["n_read"] == 5
    assert (report["n_inactive"], report["n_missing_code"]) == (1, 1)
    assert report["n_not_in_boundaries"] == 1
    assert report["dropped_ids"] == ["5", "4"]
    assert isinstance(ies_read.report, InepReport)
    assert list(report)[-3:] == ["n_inactive", "n_missing_code", "n_not_in_boundaries"]

    with pytest.warns(MissingCodesWarning):
        everything_read = read_inep_ies(path, active_only=False)
        everything = everything_read.points
    assert everything.index.tolist() == ["1", "2", "3", "4"]
    assert everything.geometry.isna().all()  # no boundaries: codes only
    assert everything["region"].tolist() == ["3500001", "3500002", "3500003", "3304557"]


def test_read_inep_ies_wrong_layout(tmp_path: Path):
    path = tmp_path / "other.csv"
    path.write_text("id;name\n1;X\n")
    with pytest.raises(
        InputError, match="no column for the INEP 'id' field .*'codigo ies'"
    ):
        read_inep_ies(path)


@pytest.fixture(scope="module")
def sp_boundaries() -> gpd.GeoDataFrame:
    path = DATA / "boundaries" / "geojs-35-mun.json"
    need(path)
    return read_boundaries(
        path, code_column="id", name_column="name", crs="EPSG:4326"
    ).regions


@pytest.mark.filterwarnings("ignore:The xlrd engine is deprecated")
def test_real_inep_register_counts_equal_direct_groupby(sp_boundaries):
    path = DATA / "institutions" / "Tabela_IES_2013.xls"
    need(path)
    with pytest.warns(MissingCodesWarning) as record:
        ies_read = read_inep_ies(path, boundaries=sp_boundaries)
        ies = ies_read.points
    messages = [str(w.message) for w in record]
    assert any(
        "72 institution(s) have no numeric municipality code" in m for m in messages
    )
    assert any("are not in the boundaries" in m for m in messages)
    # the same count computed directly with pandas
    raw = pd.read_excel(path, sheet_name="IES_2000_2010_UF_EDUCA_FIM", dtype=str)
    raw = raw[raw["Condição de Funcionamento"] == "ATIVA"]
    codes = raw["Código do Município"].str.strip()
    direct = raw[codes.isin(sp_boundaries.index)].groupby("Código do Município").size()
    counts = ies.groupby("region").size()
    assert_array_equal(counts.index.to_numpy(), direct.index.to_numpy())
    assert_array_equal(counts.to_numpy(), direct.to_numpy())
    assert counts.loc["3550308"] == 215  # São Paulo
    assert counts.loc["3509502"] == 19  # Campinas
    assert len(ies) == 809
    assert (ies["located"] == "centroid").all()
    assert ies.crs.to_epsg() == 5880
    inside = [
        sp_boundaries.geometry.loc[code].contains(point)
        for code, point in zip(ies["region"], ies.geometry, strict=True)
    ]
    assert all(inside)
    federal = ies.index[ies["type"] == "federal_institute"].tolist()
    assert ies.loc[federal, "name"].str.startswith("INSTITUTO FEDERAL").all()
    assert len(federal) == 1
    report = ies_read.report.to_dict()
    assert (report["n_kept"], report["n_missing_code"]) == (809, 72)
    assert report["n_inactive"] == 2423


def test_real_demo_institutions():
    need(DEMO / "institutions.shp", DEMO / "municipalities.shp")
    municipalities = read_boundaries(DEMO / "municipalities.shp").regions
    gdf_read = read_institutions(
        DEMO / "institutions.shp", code_column="cod_ibge", boundaries=municipalities
    )
    gdf = gdf_read.points
    raw = gpd.read_file(DEMO / "institutions.shp")
    assert len(gdf) == len(raw) == gdf_read.report.to_dict()["n_kept"]
    assert set(gdf["type"]) == set(INSTITUTION_TYPES) - {"other"}
    assert gdf["region"].notna().all()
    assert_array_equal(gdf["region"].to_numpy(), raw["cod_ibge"].to_numpy())
    assert (gdf["located"] == "point").all()
    assert gdf_read.report.to_dict()["n_outside"] == 0


# --- per-municipality counts ------------------------------------------------------


def test_read_region_counts(tmp_path: Path, caplog):
    path = tmp_path / "patents.csv"
    path.write_text(
        "mun;patents;papers\n3500001;3;10\n3500002;;4\n3500001;2;1\nTotal;5;15\n"
    )
    with caplog.at_level(logging.INFO, logger="lps_geo.io"):
        counts = read_region_counts(path, "mun", ["patents", "papers"])
    assert "1 code(s) appear on several rows and were summed" in caplog.text
    assert counts.index.name == "region"
    assert counts.index.tolist() == ["3500001", "3500002"]
    assert_allclose(counts.to_numpy(), [[5.0, 11.0], [0.0, 4.0]])
    assert counts.dtypes.tolist() == [np.float64, np.float64]


def test_read_region_counts_six_digit_codes(tmp_path: Path, municipalities):
    path = tmp_path / "rais.csv"
    path.write_text("mun,n\n350000,7\n")
    counts = read_region_counts(path, "mun", "n", boundaries=municipalities.iloc[:1])
    assert counts.index.tolist() == ["3500001"]
    with pytest.raises(InputError, match="6-digit RAIS codes need boundaries="):
        read_region_counts(path, "mun", "n")


@pytest.mark.parametrize(
    ("text", "kwargs", "match"),
    [
        (
            "mun,n\n3500001,1\n",
            {"value_columns": "count"},
            r"column 'count' not found; pass value_columns=",
        ),
        (
            "mun,n\n3500001,1\n3500002,abc\n",
            {},
            r"'n' has 1 non-numeric value\(s\) in row\(s\) 3",
        ),
        (
            "mun,n\n3500001,1\n3500002,-4\n",
            {},
            r"1 negative count\(s\) at region/column 3500002/n",
        ),
        ("mun,n\n3500001,1\n,4\n", {}, r"1 empty region code\(s\)"),
        (
            "mun,n\n3500001,1\n9999999,4\n",
            {"boundaries": ["3500001"]},
            r"1 code\(s\) in column 'mun' are not in the boundaries: 9999999",
        ),
        ("mun,n\n35001,1\n", {}, r"not 7-digit IBGE municipality codes: 35001"),
    ],
)
def test_read_region_counts_errors(tmp_path: Path, text, kwargs, match):
    path = tmp_path / "counts.csv"
    path.write_text(text)
    kwargs = {"value_columns": "n", **kwargs}
    with pytest.raises(InputError, match=match):
        read_region_counts(path, "mun", **kwargs)


def test_read_region_counts_drop_unmatched(tmp_path: Path):
    path = tmp_path / "counts.csv"
    path.write_text("mun,n\n3500001,1\n9999999,4\n")
    with pytest.warns(MissingCodesWarning, match="9999999; their rows were dropped"):
        counts = read_region_counts(
            path, "mun", "n", boundaries=["3500001"], unmatched="drop"
        )
    assert_allclose(counts["n"].to_numpy(), [1.0])


def test_polygon_helper_is_l_shaped():
    assert isinstance(L_SHAPE, Polygon)
    assert_allclose(L_SHAPE.area, 36_000_000)
