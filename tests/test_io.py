"""Tests of the input layer (lps_geo.io): readers, validation and errors.

Small hand-made fixtures are written to ``tmp_path``; the real Brazilian
files (RAIS, IBGE, SEADE; see data/SOURCES.md) are read from ``LPS_GEO_DATA``
(default ``../shared/data`` next to the repository) and the tests that need
them skip when they are absent.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from shapely.geometry import LineString, Polygon, box

from lps_geo.errors import (
    ConfigError,
    CRSError,
    InputError,
    InputFixWarning,
    MissingCodesWarning,
)
from lps_geo.io import (
    Boundaries,
    CnaeTable,
    FeatureName,
    SizeTables,
    aggregate_industries,
    aggregate_regions,
    check_lookup_covers,
    cnae_level,
    cnae_parent,
    codes_7_to_6,
    dissolve_regions,
    match_rais6,
    normalize_cnae_code,
    normalize_cnae_codes,
    read_boundaries,
    read_cnae_table,
    read_long,
    read_region_lookup,
    read_wide,
    validate_against_boundaries,
)
from lps_geo.io._util import normalize_text, sniff_separator

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("LPS_GEO_DATA", REPO.parent / "shared" / "data"))
RAIS_2015 = DATA / "employment" / "RAIS_N_ESTABELECIMENTOS_2015_ALTERADO.csv"
JOINVILLE = DATA / "employment" / "Atividades_Economicas_em_Joinville_2003-2023.csv"
CNAE_IBGE = DATA / "lookups" / "CNAE20_EstruturaDetalhada.xls"
CNAE_SEADE = DATA / "lookups" / "cnae_20.xlsx"
DTB = DATA / "lookups" / "brasil-municipios.csv"
SEADE_REGIONS = DATA / "lookups" / "divisoes_regionais_esp.csv"
SP_MUN = DATA / "boundaries" / "geojs-35-mun.json"


def need(*paths: Path) -> None:
    """Skip the test unless the real data files exist."""
    for path in paths:
        if not path.exists():
            pytest.skip(f"real data file {path} absent (set LPS_GEO_DATA)")


@pytest.fixture(scope="module")
def ibge_cnae() -> CnaeTable:
    need(CNAE_IBGE)
    return read_cnae_table(CNAE_IBGE)


@pytest.fixture(scope="module")
def sp_boundaries() -> gpd.GeoDataFrame:
    need(SP_MUN)
    return read_boundaries(SP_MUN, code_column="id", name_column="name").regions


@pytest.fixture(scope="module")
def rais_2015(ibge_cnae: CnaeTable) -> SizeTables:
    need(RAIS_2015)
    return read_wide(RAIS_2015, "ID_do_municipio", "establishments", cnae=ibge_cnae)


# A tiny classification shaped like the demo's data/shapefiles/cnae_groups.csv.
CNAE_CSV = (
    "code,title,division,division_title\n"
    "15.3,Fabricação de calçados,15,Preparação de couros e fabricação de calçados\n"
    "15.4,Fabricação de partes para calçados de qualquer material,15,"
    "Preparação de couros e fabricação de calçados\n"
    '26.5,"Fabricação de aparelhos e instrumentos de medida, teste e controle; '
    'cronômetros e relógios",26,Fabricação de equipamentos de informática\n'
    "31.0,Fabricação de móveis,31,Fabricação de móveis\n"
)


@pytest.fixture
def small_cnae(tmp_path: Path) -> CnaeTable:
    path = tmp_path / "cnae_groups.csv"
    path.write_text(CNAE_CSV, encoding="utf-8")
    return read_cnae_table(path)


# --------------------------------------------------------------------- CNAE


@pytest.mark.parametrize(
    ("code", "level", "expected"),
    [
        ("1531-9", None, "15.31-9"),
        ("15319", None, "15.31-9"),
        ("15.31-9", None, "15.31-9"),
        (15319, None, "15.31-9"),
        (" 15.31-9 ", None, "15.31-9"),
        ("c15319", None, "15.31-9"),
        ("a01113", None, "01.11-3"),
        (1113, "class", "01.11-3"),
        ("153", None, "15.3"),
        ("15.3", None, "15.3"),
        (153, None, "15.3"),
        ("99.0", None, "99.0"),
        (11, "group", "01.1"),
        (11, None, "11"),
        ("01", None, "01"),
        (1, None, "01"),
        ("c", None, "C"),
    ],
)
def test_normalize_cnae_code(code, level, expected):
    assert normalize_cnae_code(code, level) == expected


def test_normalize_cnae_code_errors():
    with pytest.raises(InputError, match=r"'abc' is not a CNAE 2.0 code"):
        normalize_cnae_code("abc")
    with pytest.raises(InputError, match="pass level= to resolve ambiguous"):
        normalize_cnae_code("1531")
    with pytest.raises(InputError, match="at level 'group'"):
        normalize_cnae_code("15.31-9", level="group")
    with pytest.raises(InputError, match="unknown CNAE level 'sector'"):
        normalize_cnae_code("15", level="sector")


def test_cnae_parent_and_level():
    assert cnae_parent("15.31-9") == "15.3"
    assert cnae_parent("1531-9", "division") == "15"
    assert cnae_parent("15.3") == "15"
    assert cnae_parent("15.31-9", "class") == "15.31-9"
    assert [cnae_level(c) for c in ("15.31-9", "15.3", "15", "C")] == [
        "class",
        "group",
        "division",
        "section",
    ]
    with pytest.raises(InputError, match="'15.3' is a group; level 'class' is finer"):
        cnae_parent("15.3", "class")
    with pytest.raises(InputError, match="its section needs a CnaeTable"):
        cnae_parent("15")


def test_normalize_cnae_codes_infers_level_of_integer_columns():
    # SEADE-style integers: the leading zero of division 01 is lost
    assert normalize_cnae_codes([1113, 15319]) == (["01.11-3", "15.31-9"], "class")
    assert normalize_cnae_codes([11, 153]) == (["01.1", "15.3"], "group")
    with pytest.raises(InputError, match=r"f.csv: column 'cnae' mixes CNAE levels"):
        normalize_cnae_codes(["15.31-9", "15.3"], source="f.csv", column="cnae")
    with pytest.raises(InputError, match=r"are not CNAE 2.0 codes: 'x1', 'zz'"):
        normalize_cnae_codes(["15.3", "x1", "zz"], source="f.csv", column="cnae")
    with pytest.raises(
        InputError, match=r"empty industry code\(s\) in data row\(s\) 2"
    ):
        normalize_cnae_codes(["15.3", None], source="f.csv", column="cnae")


def test_aggregate_industries_sums_up_the_hierarchy():
    E = pd.DataFrame(
        [[1.0, 3.0, 0.0, 2.0], [2.0, 0.0, 5.0, 1.0]],
        index=pd.Index(["3516200", "3550308"], name="region"),
        columns=["15.31-9", "1532-7", "15.40-8", "16.10-2"],
    )
    groups = aggregate_industries(E, "group")
    assert groups.columns.tolist() == ["15.3", "15.4", "16.1"]
    assert groups.columns.name == "industry"
    assert_allclose(groups.to_numpy(), [[4.0, 0.0, 2.0], [2.0, 5.0, 1.0]])
    divisions = aggregate_industries(groups, "division")
    assert_allclose(divisions.loc["3550308"].to_numpy(), [7.0, 1.0])
    with pytest.raises(InputError, match="columns are CNAE group codes; cannot"):
        aggregate_industries(groups, "class")
    with pytest.raises(InputError, match="needs the classification: pass cnae="):
        aggregate_industries(groups, "section")


def test_cnae_csv_table_and_title_matching(small_cnae: CnaeTable):
    assert repr(small_cnae) == "<CnaeTable: 3 divisions, 4 groups>"
    assert small_cnae.title("153") == "Fabricação de calçados"
    assert small_cnae.level("15") == "division"
    parents = small_cnae.table.set_index("code")["parent"]
    assert parents["15.3"] == "15"
    assert "15.3" in small_cnae and "15.5" not in small_cnae
    match = small_cnae.match_titles(
        [
            "FABRICACAO DE CALÇADOS",  # case and accents
            "Fabricação  de  Móveis.",  # spaces and punctuation
            # cut at the ';' of the official title (RAIS style)
            "Fabricação de Aparelhos e Instrumentos de Medida, Teste e Controle",
            "Fabric. de Partes p/ Calçados",  # word-by-word abbreviation
            "Fabricação de Bicicletas",
        ],
        level="group",
    )
    assert match.matched == {
        "FABRICACAO DE CALÇADOS": "15.3",
        "Fabricação  de  Móveis.": "31.0",
        "Fabricação de Aparelhos e Instrumentos de Medida, Teste e Controle": "26.5",
        "Fabric. de Partes p/ Calçados": "15.4",
    }
    assert match.unmatched == ["Fabricação de Bicicletas"]
    # "Fabricação de móveis" is both division 31 and group 31.0: restricted to
    # divisions it gives the division
    assert small_cnae.match_titles(["Fabricação de Móveis"], "division").matched == {
        "Fabricação de Móveis": "31"
    }
    with pytest.raises(InputError, match="CNAE code '16.1' is not in .*cnae_groups"):
        small_cnae.title("16.1")


def test_read_cnae_table_rejects_unknown_layouts(tmp_path: Path):
    path = tmp_path / "classes.csv"
    path.write_text("cnae;descricao\n15.3;Calçados\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"needs columns 'code' and 'title'; found"):
        read_cnae_table(path)
    path.write_text("code,title\n15.3,Calçados\nXX,Oops\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"column 'code' has values .* 'XX'"):
        read_cnae_table(path)
    xlsx = tmp_path / "other.xlsx"
    pd.DataFrame({"a": [1], "b": [2]}).to_excel(xlsx, index=False)
    with pytest.raises(InputError, match="not a known CNAE layout"):
        read_cnae_table(xlsx)


def test_real_cnae_tables_have_the_cnae_20_structure(ibge_cnae: CnaeTable):
    need(CNAE_SEADE)
    seade = read_cnae_table(CNAE_SEADE)
    for table in (ibge_cnae, seade):
        counts = table.table["level"].value_counts()
        assert counts.to_dict() == {
            "class": 673,
            "group": 285,
            "division": 87,
            "section": 21,
        }
        rows = table.table.set_index("code")
        assert rows.at["15.31-9", "parent"] == "15.3"
        assert rows.at["15.3", "parent"] == "15"
        assert rows.at["15", "parent"] == "C"
        assert rows.at["01.11-3", "section"] == "A"
        assert table.title("15.3") == "Fabricação de calçados"
    assert ibge_cnae.codes() == seade.codes()


def test_rais_group_titles_all_match(ibge_cnae: CnaeTable):
    need(RAIS_2015)
    titles = pd.read_csv(RAIS_2015, nrows=0).columns[1:-2].tolist()
    assert len(titles) == 285
    group_keys = {
        normalize_text(t) for t in ibge_cnae.table.query("level == 'group'")["title"]
    }
    exact = [t for t in titles if normalize_text(t) in group_keys]
    assert len(exact) == 281  # SOURCES.md: 281 match after folding
    match = ibge_cnae.match_titles(titles, level="group")
    assert match.unmatched == []
    assert sorted(match.matched.values()) == ibge_cnae.codes("group")
    special = {t: match.matched[t] for t in titles if t not in exact}
    assert sorted(special.values()) == ["01.6", "26.5", "47.5", "87.1"]
    assert match.matched["Fabricação de Calçados"] == "15.3"
    assert match.matched["AqüIcultura"] == "03.2"
    # without a level the group level wins by majority
    assert ibge_cnae.match_titles(titles).matched == match.matched


# ------------------------------------------------------------- long tables

LONG_CSV = (
    "municipio;cnae;empregos;estabelecimentos\n"
    "3516200;1531-9;100;10\n"
    "3516200;15.32-7;20;2\n"
    "3516200;1531-9;5;1\n"  # repeats (3516200, 15.31-9): summed
    "3550308;16102;7;\n"  # empty establishments cell: 0
    "3550308;15.31-9;1;1\n"
)


def test_sniff_separator():
    assert sniff_separator("a;b;c\n1;2;3\n") == ";"
    assert sniff_separator('a,"b; c"\n1,2\n') == ","
    assert sniff_separator("a\tb\n1\t2\n") == "\t"


def test_read_long_class_level_and_aggregation(tmp_path: Path, caplog):
    path = tmp_path / "rais.csv"
    path.write_text(LONG_CSV, encoding="latin-1")
    with pytest.raises(InputError, match=r"'estabelecimentos' has 1 blank count"):
        read_long(path, "municipio", "cnae", "empregos", "estabelecimentos")
    with pytest.warns(InputFixWarning) as caught:
        tables = read_long(
            path,
            "municipio",
            "cnae",
            employment_column="empregos",
            establishments_column="estabelecimentos",
            blank="zero",
        )
    messages = [str(w.message) for w in caught]
    assert any(
        "appear on several rows and were summed: 3516200/15.31-9 on rows" in m
        for m in messages
    )
    assert any("1 blank count cell(s)" in m and "read as 0" in m for m in messages)
    E = tables.employment
    assert E.index.name == "region" and E.columns.name == "industry"
    assert E.index.tolist() == ["3516200", "3550308"]
    assert E.columns.tolist() == ["15.31-9", "15.32-7", "16.10-2"]
    assert_allclose(E.to_numpy(), [[105.0, 20.0, 0.0], [1.0, 0.0, 7.0]])
    assert E.dtypes.unique().tolist() == [np.dtype(float)]
    assert_allclose(tables.establishments.loc["3516200"].to_numpy(), [11.0, 2.0, 0.0])
    groups = read_long(
        path,
        "municipio",
        "cnae",
        "empregos",
        "estabelecimentos",
        industry_level="group",
        blank="zero",
    )
    assert groups.employment.columns.tolist() == ["15.3", "16.1"]
    assert_allclose(groups.employment.to_numpy(), [[125.0, 0.0], [1.0, 7.0]])
    divisions = read_long(
        path, "municipio", "cnae", "empregos", industry_level="division"
    )
    assert divisions.establishments is None
    assert_allclose(divisions.employment["15"].to_numpy(), [125.0, 1.0])


def test_read_long_excel_with_cnae_check(tmp_path: Path, small_cnae: CnaeTable):
    path = tmp_path / "rais.xlsx"
    pd.DataFrame(
        {"mun": [3516200, 3550308], "grupo": ["15.3", "31.0"], "vinc": [10, 4]}
    ).to_excel(path, index=False)
    tables = read_long(path, "mun", "grupo", "vinc", cnae=small_cnae)
    # the text cell "31.0" stays CNAE group 31.0 (not the number 31)
    assert tables.employment.columns.tolist() == ["15.3", "31.0"]
    assert_allclose(tables.employment.to_numpy(), [[10.0, 0.0], [0.0, 4.0]])
    with pytest.raises(
        InputError,
        match="industries are CNAE group codes; cannot disaggregate to "
        "industry_level='class'",
    ):
        read_long(path, "mun", "grupo", "vinc", industry_level="class")
    pd.DataFrame({"mun": [3516200], "grupo": ["16.1"], "vinc": [1]}).to_excel(
        path, index=False
    )
    with pytest.raises(InputError, match=r"'grupo' has 1 code\(s\) absent from"):
        read_long(path, "mun", "grupo", "vinc", cnae=small_cnae)


@pytest.mark.parametrize(
    ("text", "kwargs", "error", "match"),
    [
        (
            "mun,cnae,jobs\n3516200,15.3,1\n",
            {"region_column": "municipio"},
            InputError,
            r"rais.csv: column 'municipio' not found; set \[inputs.size\] "
            r"region_column = one of "
            r"the available columns: 'mun', 'cnae', 'jobs'",
        ),
        (
            "mun,cnae,jobs\n3516200,15.3,1\n3516200,15.4,x\n3550308,15.3,abc\n",
            {},
            InputError,
            r"column 'jobs' has 2 value\(s\) that are not counts: row 3 "
            r"\(region/industry 3516200/15.4\) 'x', row 4 .* 'abc'",
        ),
        (
            "mun,cnae,jobs\n3516200,15.3,1\n3550308,15.4,-2\n",
            {},
            InputError,
            r"column 'jobs' has 1 negative count\(s\): row 3 "
            r"\(region/industry 3550308/15.4\) '-2'",
        ),
        (
            "mun,cnae,jobs\n3516200,15.3,1\n3550308,calçados,2\n",
            {},
            InputError,
            r"column 'cnae' has 1 value\(s\) that are not CNAE 2.0 codes: 'calçados'",
        ),
        (
            "mun,cnae,jobs\n3516200,15.3,1\n,15.4,2\nSP-Franca,15.3,1\n",
            {},
            InputError,
            r"column 'mun' has 1 empty region code\(s\) in row 3",
        ),
        (
            "mun,cnae,jobs\n3516200,15.3,1\nSP-Franca,15.3,1\n",
            {},
            InputError,
            r"column 'mun' has 1 region code\(s\) that are not numeric codes in "
            r"row 3: 'SP-Franca'; .* check \[inputs.size\] region_column",
        ),
        (
            "mun,cnae,jobs\n3516200,15.3,1\n",
            {"employment_column": None},
            ConfigError,
            "no size column given; set \\[inputs.size\\] employment_column",
        ),
    ],
)
def test_read_long_errors(tmp_path: Path, text, kwargs, error, match):
    path = tmp_path / "rais.csv"
    path.write_text(text, encoding="utf-8")
    arguments = {
        "region_column": "mun",
        "industry_column": "cnae",
        "employment_column": "jobs",
    } | kwargs
    with pytest.raises(error, match=match):
        read_long(path, **arguments)


def test_read_long_where_and_skiprows(tmp_path: Path):
    path = tmp_path / "dataviva.csv"
    path.write_text(
        "data:text/csv;charset=utf-8,\n"
        "id_ibge,year,cnae_id,num_jobs\n"
        "4209102,2022,a01113,3\n"
        "4209102,2023,a01113,4\n"
        "4209102,2023,c15319,6\n",
        encoding="utf-8",
    )
    tables = read_long(
        path, "id_ibge", "cnae_id", "num_jobs", skiprows=1, where={"year": 2023}
    )
    assert tables.employment.columns.tolist() == ["01.11-3", "15.31-9"]
    assert_allclose(tables.employment.to_numpy(), [[4.0, 6.0]])
    with pytest.raises(InputError, match=r"no row has 'year' in \['1999'\]"):
        read_long(
            path, "id_ibge", "cnae_id", "num_jobs", skiprows=1, where={"year": 1999}
        )


def test_read_long_real_joinville():
    need(JOINVILLE)
    tables = read_long(
        JOINVILLE, "id_ibge", "cnae_id", "num_jobs", skiprows=1, where={"year": 2023}
    )
    E = tables.employment
    assert E.index.tolist() == ["4209102"]
    assert E.shape == (1, 669)
    assert_allclose(E.to_numpy().sum(), 240_614)  # SOURCES.md
    groups = read_long(
        JOINVILLE,
        "id_ibge",
        "cnae_id",
        "num_jobs",
        skiprows=1,
        where={"year": 2023},
        industry_level="group",
    ).employment
    assert_allclose(groups.to_numpy().sum(), 240_614)
    assert set(groups.columns) <= {cnae_parent(code) for code in E.columns}


# ------------------------------------------------------------- wide tables


def test_read_wide_titles(tmp_path: Path, small_cnae: CnaeTable):
    path = tmp_path / "rais_wide.csv"
    path.write_text(
        "ID_do_municipio,Fabricação de Calçados,Fabricação de Móveis,{ñ class},"
        "Total_de_estabelecimentos\n"
        "3516200,1496,30,4,1530\n"
        "3550308,10,200,1,211\n"
        "3550308,0,0,0,0\n",  # repeated region (as Pinto Bandeira in RAIS 2015)
        encoding="utf-8",
    )
    with pytest.warns(InputFixWarning, match=r"3550308 on rows 3, 4 \(1 of them"):
        tables = read_wide(path, "ID_do_municipio", "establishments", cnae=small_cnae)
    assert tables.employment is None
    E = tables.establishments
    assert E.columns.tolist() == ["15.3", "31.0"]
    assert_allclose(E.to_numpy(), [[1496.0, 30.0], [10.0, 200.0]])
    assert tables.notes[0].endswith(
        "dropped non-industry column(s) '{ñ class}', 'Total_de_estabelecimentos'"
    )
    assert "'{ñ class}' is not an industry" in tables.notes[1]
    assert "holds 5 in 2 row(s)" in tables.notes[1]
    assert (
        "region(s) appear on several rows and their rows were summed"
        in (tables.notes[2])
    )
    assert "3550308 on rows 3, 4 (1 of them all zero)" in tables.notes[2]
    divisions = read_wide(
        path,
        "ID_do_municipio",
        "establishments",
        cnae=small_cnae,
        industry_level="division",
    )
    assert divisions.establishments.columns.tolist() == ["15", "31"]


def test_read_wide_codes_and_drop_columns(tmp_path: Path):
    path = tmp_path / "wide.csv"
    path.write_text("mun;1531-9;16102;Outros\n351620;3;4;9\n", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"titles .* not CNAE codes; set \[inputs\] cnae"
    ):
        read_wide(path, "mun", "employment")
    with pytest.raises(InputError, match=r"are not CNAE 2.0 codes: 'Outros'"):
        read_wide(path, "mun", "employment", industry_names="code")
    tables = read_wide(path, "mun", "employment", drop_columns=("outros",))
    assert tables.employment.columns.tolist() == ["15.31-9", "16.10-2"]
    assert tables.employment.index.tolist() == ["351620"]


def test_read_wide_unmatched_titles(tmp_path: Path, small_cnae: CnaeTable):
    path = tmp_path / "wide.csv"
    path.write_text(
        "mun,Fabricação de Calçados,Fabricacao de Moveis de Madeira,Pesca\n"
        "3516200,1,2,3\n",
        encoding="utf-8",
    )
    with pytest.raises(
        InputError,
        match=r"2 industry column title\(s\) match no CNAE title: "
        r"'Fabricacao de Moveis de Madeira' \(close: 'Fabricação de móveis' \(31.0\)"
        r'.*set \[inputs.size\] unmatched = "drop"',
    ):
        read_wide(path, "mun", "employment", cnae=small_cnae, title_level="group")
    with pytest.warns(MissingCodesWarning, match="match no CNAE title"):
        tables = read_wide(
            path,
            "mun",
            "employment",
            cnae=small_cnae,
            title_level="group",
            unmatched="drop",
        )
    assert tables.employment.columns.tolist() == ["15.3"]


def test_read_wide_rejects_bad_options(tmp_path: Path):
    path = tmp_path / "wide.csv"
    path.write_text("mun,15.3\n3516200,1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="measure='jobs' is not valid"):
        read_wide(path, "mun", "jobs")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="file not found"):
        read_wide(tmp_path / "nope.csv", "mun", "employment")


def test_read_wide_real_rais_2015(rais_2015: SizeTables):
    E = rais_2015.establishments
    assert E.shape == (5570, 285)  # Pinto Bandeira's two rows summed
    assert E.loc["3516200", "15.3"] == 1496  # Franca, footwear
    top = E["15.3"].nlargest(5)
    assert top.index.tolist()[:3] == ["3516200", "3145208", "4313409"]
    assert_allclose(top.to_numpy(), [1496, 683, 342, 313, 313])
    assert_allclose(E.to_numpy().sum(), 3_971_108)  # SOURCES.md total
    assert rais_2015.employment is None


# ------------------------------------------------- validation vs boundaries


def test_validate_against_boundaries_maps_rais_6_digit_codes():
    E = pd.DataFrame(
        {"15.3": [1496.0, 5.0]},
        index=pd.Index(["351620", "355030"], name="region"),
    )
    boundary = ["3516200", "3550308", "3500105"]
    with pytest.warns(MissingCodesWarning, match=r"1 boundary region\(s\) are absent"):
        out = validate_against_boundaries(SizeTables(employment=E), boundary, "r.csv")
    assert out.employment.index.tolist() == boundary
    assert_allclose(out.employment["15.3"].to_numpy(), [1496.0, 5.0, 0.0])
    assert out.establishments is None


def test_validate_against_boundaries_unknown_codes():
    E = pd.DataFrame(
        {"15.3": [1.0, 2.0, 3.0]},
        index=pd.Index(["3516200", "9999999", "1234567"], name="region"),
    )
    tables = SizeTables(establishments=E)
    with pytest.raises(
        InputError,
        match=r"r.csv: 2 region code\(s\) of the table are not in the boundaries: "
        r"1234567, 9999999 \(RAIS 'not identified' municipality\); "
        r'.*outside_boundaries = "drop"',
    ):
        validate_against_boundaries(tables, ["3516200"], "r.csv")
    with pytest.warns(MissingCodesWarning, match="their rows were dropped"):
        out = validate_against_boundaries(
            tables, ["3516200"], "r.csv", unmatched="drop"
        )
    assert_allclose(out.establishments.to_numpy(), [[1.0]])
    six = SizeTables(establishments=E.rename(index=lambda c: c[:6]))
    with pytest.raises(InputError, match="look like RAIS 6-digit codes: pass code"):
        validate_against_boundaries(six, ["3516200"], "r.csv", code_digits=7)


def test_rais_code_helpers():
    assert codes_7_to_6([3516200, "3550308"]) == ["351620", "355030"]
    series = codes_7_to_6(pd.Series(["3516200"], index=[7]))
    assert series.index.tolist() == [7] and series.tolist() == ["351620"]
    with pytest.raises(InputError, match="not 7-digit IBGE municipality codes: '35'"):
        codes_7_to_6(["35"])
    assert match_rais6(["351620", 355030, "999999"], ["3516200", "3550308"]) == {
        "351620": "3516200",
        "355030": "3550308",
    }
    with pytest.raises(InputError, match="share their first six digits"):
        match_rais6(["351620"], ["3516200", "3516201"])


# -------------------------------------------------------------- boundaries


# 0.1 degree squares near Franca (SP), SIRGAS 2000 lon/lat
def square(i: int, j: int = 0) -> Polygon:
    x, y = -47.5 + 0.1 * i, -20.6 + 0.1 * j
    return box(x, y, x + 0.1, y + 0.1)


def write_layer(path: Path, codes, names, geometries, crs="EPSG:4674", **extra):
    frame = gpd.GeoDataFrame(
        {"CD_MUN": codes, "NM_MUN": names, **extra}, geometry=geometries, crs=crs
    )
    frame.to_file(path)
    return path


def test_read_boundaries_gpkg(tmp_path: Path):
    path = write_layer(
        tmp_path / "mun.gpkg",
        [3516200.0, 3550308.0],  # floats as some exports write codes
        ["Franca", " São Paulo "],
        [square(0), square(1)],
        uf=["SP", "SP"],
    )
    read = read_boundaries(path)
    assert isinstance(read, Boundaries) and read.report.regions == 2
    b = read.regions
    assert b.attrs == {}  # the report travels next to the frame, not in it
    assert b.index.name == "region"
    assert b.index.tolist() == ["3516200", "3550308"]
    assert b.columns.tolist() == ["name", "uf", "geometry"]
    assert b["name"].tolist() == ["Franca", "São Paulo"]
    assert b.crs.to_epsg() == 5880
    # a 0.1 x 0.1 degree cell at 20.5 S is about 10.4 x 11.1 km
    assert_allclose(b.geometry.area.to_numpy() / 1e6, 10.43 * 11.06, rtol=0.01)
    same = read_boundaries(path, name_column="CD_MUN").regions
    assert same["name"].tolist() == ["3516200", "3550308"]
    utm = read_boundaries(path, name_column=None, target_crs=31983).regions
    assert utm.crs.to_epsg() == 31983
    assert utm["name"].tolist() == ["3516200", "3550308"]


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_read_boundaries_crs_policy(tmp_path: Path):
    shp = tmp_path / "mun.shp"
    write_layer(shp, [3516200], ["Franca"], [square(0)], crs=None)
    assert not shp.with_suffix(".prj").exists()
    with pytest.raises(
        CRSError,
        match=r'mun.shp has no CRS; set \[inputs.boundaries\] crs = "EPSG:4674"',
    ):
        read_boundaries(shp)
    b = read_boundaries(shp, crs="EPSG:4674").regions
    assert b.crs.to_epsg() == 5880
    with pytest.raises(CRSError, match=r"target_crs is in EPSG:4674, a geographic CRS"):
        read_boundaries(shp, crs=4674, target_crs="EPSG:4674")
    with pytest.raises(
        CRSError, match=r"\[inputs.boundaries\] crs = 'EPSG:99999999' is not a CRS"
    ):
        read_boundaries(shp, crs="EPSG:99999999")


def test_read_boundaries_geojson_keeps_other_columns(tmp_path: Path):
    path = tmp_path / "mun.geojson"
    gpd.GeoDataFrame(
        {"id": ["3516200"], "name": ["Franca"], "description": ["x"]},
        geometry=[square(0)],
        crs="EPSG:4326",
    ).to_file(path, driver="GeoJSON")
    b = read_boundaries(path, code_column="id", name_column="name").regions
    assert b.columns.tolist() == ["name", "description", "geometry"]
    with pytest.raises(
        InputError,
        match=r"column 'CD_MUN' not found; set \[inputs.boundaries\] code_column = "
        r"one of the available columns: 'id', 'name', 'description'",
    ):
        read_boundaries(path)


def test_read_boundaries_code_errors(tmp_path: Path):
    path = write_layer(
        tmp_path / "mun.gpkg",
        ["3516200", None, "SP-X"],
        ["Franca", "A", "B"],
        [square(0), square(1), square(2)],
    )
    with pytest.raises(
        InputError, match=r"column 'CD_MUN' has 1 empty region code\(s\) in feature"
    ):
        read_boundaries(path)
    with pytest.raises(InputError, match="file not found"):
        read_boundaries(tmp_path / "missing.gpkg")
    junk = tmp_path / "junk.gpkg"
    junk.write_text("not a geopackage")
    with pytest.raises(InputError, match="cannot open as a vector data set"):
        read_boundaries(junk)


def test_read_boundaries_dissolves_multipart_municipalities(tmp_path: Path, caplog):
    path = write_layer(
        tmp_path / "mun.gpkg",
        [3516200, 3516200, 3550308],
        ["Franca", "Franca", "São Paulo"],
        [square(0), square(2), square(1)],
    )
    with caplog.at_level(logging.INFO, logger="lps_geo.io"):
        b = read_boundaries(path).regions
    assert "dissolved 2 features sharing 1 codes" in caplog.text
    assert b.index.tolist() == ["3516200", "3550308"]
    assert b.geometry.iloc[0].geom_type == "MultiPolygon"
    assert_allclose(b.area.iloc[0], 2 * b.area.iloc[1], rtol=0.01)
    with pytest.raises(
        InputError, match=r"column 'CD_MUN' has 1 code\(s\) on several features"
    ):
        read_boundaries(path, duplicates="raise")
    conflict = write_layer(
        tmp_path / "conflict.gpkg",
        [3516200, 3516200],
        ["Franca", "Ribeirão Preto"],
        [square(0), square(2)],
    )
    with pytest.raises(
        InputError,
        match=r"column 'CD_MUN' has 1 code\(s\) on features with different names "
        r"\(column 'NM_MUN'\): 3516200 \(Franca / Ribeirão Preto\)",
    ):
        read_boundaries(conflict)


def test_read_boundaries_repairs_and_drops_geometries(tmp_path: Path, caplog):
    from lps_geo.errors import InputFixWarning

    x, y = -47.5, -20.6
    bowtie = Polygon([(x, y), (x + 0.1, y + 0.1), (x + 0.1, y), (x, y + 0.1)])
    path = write_layer(
        tmp_path / "mun.gpkg",
        [1, 2, 3],
        ["bowtie", "ok", "empty"],
        [bowtie, square(3), Polygon()],
    )
    with caplog.at_level(logging.INFO, logger="lps_geo.io"):
        with pytest.warns(InputFixWarning) as caught:
            b = read_boundaries(path).regions
    texts = [str(w.message) for w in caught]
    assert any(re.search(r"empty or null geometry .*\(codes 3\)", t) for t in texts)
    assert any("1: area " in t and "make_valid" in t for t in texts)
    assert "repaired 1 invalid geometry with make_valid" in caplog.text
    assert b.index.tolist() == ["1", "2"]
    assert b.is_valid.all()
    assert b.geometry.iloc[0].geom_type == "MultiPolygon"
    lines = write_layer(
        tmp_path / "lines.gpkg", [1], ["l"], [LineString([(0, 0), (1, 1)])]
    )
    with pytest.raises(InputError, match="are not polygons .*'LineString'"):
        read_boundaries(lines)


def test_read_boundaries_real_sp(sp_boundaries: gpd.GeoDataFrame):
    assert len(sp_boundaries) == 645
    assert sp_boundaries.is_valid.all()  # 7 repaired (SOURCES.md)
    assert sp_boundaries.crs.to_epsg() == 5880
    assert sp_boundaries.at["3516200", "name"] == "Franca"
    # SP's area is about 248,200 km2; the polyconic projection is not
    # equal-area, so allow 1%
    assert_allclose(sp_boundaries.area.sum() / 1e6, 248_200, rtol=0.01)


# ------------------------------------------------------------------ lookup

LOOKUP_CSV = (
    "id;micro;nome_micro\n"
    "3516200;35012;Franca\n"
    "3513207;35012;Franca\n"
    "3550308;35061;São Paulo\n"
    "3550308;35061;São Paulo\n"  # repeated, same group: fine
)


def test_region_lookup_aggregate_and_dissolve(tmp_path: Path):
    path = tmp_path / "lookup.csv"
    path.write_text(LOOKUP_CSV, encoding="latin-1")
    lookup = read_region_lookup(path, "id", "micro", "nome_micro")
    assert lookup.index.name == "region"
    assert lookup.index.tolist() == ["3513207", "3516200", "3550308"]
    assert lookup["group"].tolist() == ["35012", "35012", "35061"]
    assert lookup["group_name"].tolist() == ["Franca", "Franca", "São Paulo"]

    E = pd.DataFrame(
        {"15.3": [1496.0, 20.0, 5.0], "31.0": [1.0, 0.0, 9.0]},
        index=pd.Index(["3516200", "3513207", "3550308"], name="region"),
    )
    E.columns.name = "industry"
    agg = aggregate_regions(E, lookup)
    assert agg.index.name == "region" and agg.columns.name == "industry"
    assert agg.index.tolist() == ["35012", "35061"]
    assert_allclose(agg.to_numpy(), [[1516.0, 1.0], [5.0, 9.0]])

    b = gpd.GeoDataFrame(
        {"name": ["Franca", "Cristais Paulista", "São Paulo"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6)],
        index=pd.Index(["3516200", "3513207", "3550308"], name="region"),
        crs="EPSG:5880",
    )
    regions = dissolve_regions(b, lookup)
    assert regions.index.tolist() == ["35012", "35061"]
    assert regions["name"].tolist() == ["Franca", "São Paulo"]
    assert_allclose(regions.area.to_numpy(), [2.0, 1.0])
    assert regions.geometry.iloc[0].geom_type == "Polygon"
    assert regions.crs.to_epsg() == 5880


def test_region_lookup_errors(tmp_path: Path):
    path = tmp_path / "lookup.csv"
    path.write_text("id,micro\n3516200,35012\n3516200,35013\n", encoding="utf-8")
    with pytest.raises(
        InputError,
        match=r"1 municipality is assigned to different groups in column 'micro': "
        r"3516200 \(35012/35013\)",
    ):
        read_region_lookup(path, "id", "micro")
    with pytest.raises(InputError, match="column 'meso' not found; pass group_column="):
        read_region_lookup(path, "id", "meso")
    path.write_text("id,micro\n3516200,35012\n3550308,\n", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"'micro' is empty for 1 municipality \(3550308"
    ):
        read_region_lookup(path, "id", "micro")
    lookup = pd.DataFrame(
        {"group": ["35012"], "group_name": ["Franca"]},
        index=pd.Index(["3516200"], name="region"),
    )
    with pytest.raises(
        InputError,
        match=r"dtb.csv: 2 municipalities are missing from the lookup: 351620, "
        r"355030 \(they have 6 digits, the lookup's codes 7",
    ):
        check_lookup_covers(lookup, ["351620", "355030"], "dtb.csv")


def test_real_microregions_of_sao_paulo(
    sp_boundaries: gpd.GeoDataFrame, rais_2015: SizeTables
):
    need(DTB)
    lookup = read_region_lookup(DTB, "id", "id_microrregiao")
    assert len(lookup) == 5570
    sp = lookup[lookup.index.str.startswith("35")]
    assert sp["group"].nunique() == 63
    regions = dissolve_regions(sp_boundaries, lookup)
    assert len(regions) == 63
    assert regions.is_valid.all()
    assert_allclose(regions.area.sum(), sp_boundaries.area.sum(), rtol=1e-6)
    with pytest.warns(MissingCodesWarning, match="their rows were dropped"):
        E = validate_against_boundaries(
            rais_2015, sp_boundaries.index, str(RAIS_2015), unmatched="drop"
        ).establishments
    micro = aggregate_regions(E, lookup)
    assert micro.shape == (63, 285)
    # microregion of Franca (35012): 10 municipalities, 1,533 footwear plants
    assert micro.at["35012", "15.3"] == 1533
    assert_array_equal(micro.sum().to_numpy(), E.sum().to_numpy())


def test_real_seade_regions():
    need(SEADE_REGIONS)
    lookup = read_region_lookup(
        SEADE_REGIONS, "Cod_ibge", "Cod_RA", "Região Administrativa"
    )
    assert len(lookup) == 645
    assert lookup["group"].nunique() == 16
    assert lookup.at["3516200", "group_name"] == "Região Administrativa de Franca"


def test_non_municipal_and_excluded_features_are_dropped_and_reported(tmp_path):
    path = write_layer(
        tmp_path / "mesh.gpkg",
        ["4300002", "4314902", "4304606", "4399999"],
        ["Lagoa dos Patos", "Porto Alegre", "Canoas", "Estrangeiro"],
        [square(0), square(1), square(2), square(3)],
    )
    read = read_boundaries(path, exclude_codes=[4399999, "1234567"])
    assert read.regions.index.tolist() == ["4304606", "4314902"]
    report = read.report
    assert report.features == 4
    assert report.regions == 2
    assert report.non_municipal == (FeatureName("4300002", "Lagoa dos Patos"),)
    assert report.excluded == (FeatureName("4399999", "Estrangeiro"),)
    assert report.to_dict() == {
        "path": str(path),
        "features": 4,
        "non_municipal": [{"code": "4300002", "name": "Lagoa dos Patos"}],
        "excluded": [{"code": "4399999", "name": "Estrangeiro"}],
        "repaired": [],
        "empty": [],
        "dissolved": [],
        "regions": 2,
    }
    assert list(report.to_dict()) == [
        "path",
        "features",
        "non_municipal",
        "excluded",
        "repaired",
        "empty",
        "dissolved",
        "regions",
    ]
    kept = read_boundaries(path, non_municipal="keep")
    assert "4300002" in kept.regions.index and kept.report.non_municipal == ()
    with pytest.raises(ConfigError, match="non_municipal='lakes'"):
        read_boundaries(path, non_municipal="lakes")
    with pytest.raises(InputError, match="every feature was dropped"):
        read_boundaries(path, exclude_codes=["4314902", "4304606", "4399999"])
