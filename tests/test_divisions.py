"""IBGE division tables: the three published layouts, validation, code
conversions, the lookup they give and the pipeline's ``lookup.level``."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from conftest import require_shared

from lps_geo.config import config_from_dict, load_config
from lps_geo.errors import ConfigError, InputError
from lps_geo.io import (
    CHECK_DIGIT_EXCEPTIONS,
    check_digit,
    codes_6_to_7,
    division_lookup,
    microregion_5_to_6,
    microregion_6_to_5,
    read_divisions,
    read_region_lookup,
)
from lps_geo.io.inputs import read_inputs

DEMO = Path(__file__).resolve().parents[1] / "data" / "shapefiles"

# IBGE DTB rows in the real file's layout: meso/micro/municipality hold the
# parts after the UF code. Micro/meso codes of Franca, São Paulo and Alta
# Floresta D'Oeste are those of brasil-municipios.csv; the intermediate and
# immediate regions of São Paulo (3501/350001) and Alta Floresta (1102/110005)
# are those of the localidades API; Franca's (3505/350028) are plausible
# values -- the test checks how parts become full codes, not IBGE's
# assignment.
DTB_COLUMNS = [
    "UF",
    "Nome_UF",
    "Região Geográfica Intermediária",
    "Nome Região Geográfica Intermediária",
    "Região Geográfica Imediata",
    "Nome Região Geográfica Imediata",
    "Mesorregião Geográfica",
    "Nome_Mesorregião",
    "Microrregião Geográfica",
    "Nome_Microrregião",
    "Município",
    "Código Município Completo",
    "Nome_Município",
]
DTB_ROWS = [
    ["11", "Rondônia", "1102", "Ji-Paraná", "110005", "Cacoal", "02",
     "Leste Rondoniense", "006", "Cacoal", "00015", "1100015",
     "Alta Floresta D'Oeste"],
    ["35", "São Paulo", "3505", "Ribeirão Preto", "350028", "Franca", "02",
     "Ribeirão Preto", "012", "Franca", "16200", "3516200", "Franca"],
    ["35", "São Paulo", "3501", "São Paulo", "350001", "São Paulo", "15",
     "Metropolitana de São Paulo", "061", "São Paulo", "50308", "3550308",
     "São Paulo"],
]  # fmt: skip

FRANCA = {
    "name": "Franca",
    "state": "35",
    "state_abbr": "SP",
    "state_name": "São Paulo",
    "mesoregion": "3502",
    "mesoregion_name": "Ribeirão Preto",
    "microregion": "35012",
    "microregion_name": "Franca",
}


def _dtb(**changes) -> pd.DataFrame:
    frame = pd.DataFrame(DTB_ROWS, columns=DTB_COLUMNS)
    for column, values in changes.items():
        frame[column] = values
    return frame


def _check_dtb(d: pd.DataFrame) -> None:
    assert d.index.tolist() == ["1100015", "3516200", "3550308"]
    assert d.index.name == "region"
    assert d.loc["3516200"].to_dict() == {
        **FRANCA,
        "intermediate": "3505",
        "intermediate_name": "Ribeirão Preto",
        "immediate": "350028",
        "immediate_name": "Franca",
    }
    assert d["mesoregion"].tolist() == ["1102", "3502", "3515"]
    assert d["microregion"].tolist() == ["11006", "35012", "35061"]
    assert d.loc["1100015", "state_abbr"] == "RO"


# --- layouts -----------------------------------------------------------------


def test_dtb_xlsx_with_title_rows_and_numeric_parts(tmp_path):
    """Excel cells as numbers lose the parts' leading zeros: still joined."""
    frame = _dtb(
        **{
            "UF": [11, 35, 35],
            "Mesorregião Geográfica": [2, 2, 15],
            "Microrregião Geográfica": [6, 12, 61],
            "Município": [15, 16200, 50308],
            "Código Município Completo": [1100015, 3516200, 3550308],
        }
    )
    path = tmp_path / "RELATORIO_DTB_BRASIL_MUNICIPIO.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame([["Divisão Territorial Brasileira 2022"], [""]]).to_excel(
            writer, index=False, header=False
        )
        frame.to_excel(writer, index=False, startrow=2)
    _check_dtb(read_divisions(path))


def test_dtb_csv_without_complete_code(tmp_path):
    """Municipality code from UF + the 5-digit part."""
    path = tmp_path / "dtb.csv"
    _dtb().drop(columns="Código Município Completo").to_csv(
        path, sep=";", index=False, encoding="latin-1"
    )
    _check_dtb(read_divisions(path))


def test_dtb_with_full_region_codes(tmp_path):
    path = tmp_path / "dtb.csv"
    _dtb(
        **{
            "Mesorregião Geográfica": ["1102", "3502", "3515"],
            "Microrregião Geográfica": ["11006", "35012", "35061"],
            "Município": ["1100015", "3516200", "3550308"],
        }
    ).to_csv(path, index=False)
    _check_dtb(read_divisions(path, layout="dtb"))


def test_dtb_part_of_wrong_width(tmp_path):
    path = tmp_path / "dtb.xlsx"
    _dtb(**{"Microrregião Geográfica": ["006", "0120", "061"]}).to_excel(
        path, index=False
    )
    with pytest.raises(
        InputError,
        match=r"dtb.xlsx: column 'Microrregião Geográfica', sheet row 3: "
        r"code '0120' has 4 digits",
    ):
        read_divisions(path)


def _localidades():
    sp = {"id": 35, "sigla": "SP", "nome": "São Paulo"}
    mt = {"id": 51, "sigla": "MT", "nome": "Mato Grosso"}
    return [
        {
            "id": 3516200,
            "nome": "Franca",
            "microrregiao": {
                "id": 35012,
                "nome": "Franca",
                "mesorregiao": {"id": 3502, "nome": "Ribeirão Preto", "UF": sp},
            },
            "regiao-imediata": {
                "id": 350028,
                "nome": "Franca",
                "regiao-intermediaria": {
                    "id": 3505,
                    "nome": "Ribeirão Preto",
                    "UF": sp,
                },
            },
        },
        {  # created in 2022: the API gives no microregion
            "id": 5101837,
            "nome": "Boa Esperança do Norte",
            "microrregiao": None,
            "regiao-imediata": {
                "id": 510010,
                "nome": "Sorriso",
                "regiao-intermediaria": {"id": 5103, "nome": "Sinop", "UF": mt},
            },
        },
    ]


def test_localidades_json_with_null_microregion(tmp_path):
    path = tmp_path / "municipios.json"
    path.write_text(json.dumps(_localidades()), encoding="utf-8")
    d = read_divisions(path)
    assert d.loc["3516200", list(FRANCA)].to_dict() == FRANCA
    boa = d.loc["5101837"]
    assert boa["state"] == "51" and boa["state_abbr"] == "MT"
    assert boa["microregion"] is None and boa["mesoregion"] is None
    assert boa["immediate"] == "510010" and boa["intermediate_name"] == "Sinop"
    # no microregion: left out of that lookup, kept in the immediate one
    assert division_lookup(d, "microregion").index.tolist() == ["3516200"]
    assert division_lookup(d, "immediate")["group"].to_dict() == {
        "3516200": "350028",
        "5101837": "510010",
    }


def test_localidades_nivelado(tmp_path):
    path = tmp_path / "nivelado.json"
    path.write_text(
        json.dumps(
            [
                {
                    "municipio-id": 3516200,
                    "municipio-nome": "Franca",
                    "microrregiao-id": 35012,
                    "microrregiao-nome": "Franca",
                    "mesorregiao-id": 3502,
                    "mesorregiao-nome": "Ribeirão Preto",
                    "UF-id": 35,
                    "UF-sigla": "SP",
                    "UF-nome": "São Paulo",
                }
            ]
        ),
        encoding="utf-8",
    )
    d = read_divisions(path)
    assert d.loc["3516200"].to_dict() == FRANCA


def test_table_layout_round_trip(tmp_path):
    path = tmp_path / "dtb.csv"
    _dtb().to_csv(path, index=False)
    d = read_divisions(path)
    out = tmp_path / "divisoes.csv"
    d.to_csv(out)
    again = read_divisions(out)
    pd.testing.assert_frame_equal(again, d)


def test_unknown_layout(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="cannot tell the layout.*pass layout="):
        read_divisions(path)
    with pytest.raises(InputError, match=r"column\(s\) 'region', 'name' not found"):
        read_divisions(path, layout="table")
    with pytest.raises(InputError, match="layout 'ibge' is not known"):
        read_divisions(path, layout="ibge")


# --- validation --------------------------------------------------------------

GEODATA_HEADER = "id,id_microrregiao,id_mesorregiao,id_estado,nome\n"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "3516200,35012,3502,35,Franca\n3516200,35012,3502,35,Franca\n",
            r"m.csv: column 'id', data row 2: municipality code '3516200' "
            r"repeats data row 1",
        ),
        (
            "3516200,35012,3502,35,Franca\n351620,35012,3502,35,Franca\n",
            r"column 'id', data row 2: municipality code '351620' is not a "
            r"7-digit IBGE code",
        ),
        (
            "3516200,35012,3502,33,Franca\n",
            r"column 'id', data row 1: municipality code '3516200' does not "
            r"start with its state code '33'",
        ),
        (
            "3516200,33012,3502,35,Franca\n",
            r"column 'id_microrregiao', data row 1: microregion code '33012' "
            r"does not start with the state code '35' of municipality 3516200",
        ),
        (
            "3516200,3501,3502,35,Franca\n",
            r"column 'id_microrregiao', data row 1: microregion code '3501' is "
            r"not 5 digits",
        ),
    ],
)
def test_validation_names_file_column_row_and_code(tmp_path, rows, message):
    path = tmp_path / "m.csv"
    path.write_text(GEODATA_HEADER + rows, encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        read_divisions(path)
    assert "\n" not in str(info.value)


def test_localidades_row_is_the_item(tmp_path):
    items = _localidades()
    items[1]["id"] = 3516200
    path = tmp_path / "l.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    with pytest.raises(InputError, match=r"column 'id', item 2: .*'3516200'"):
        read_divisions(path)


def test_geodata_without_siblings_has_no_names(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(GEODATA_HEADER + "3516200,35012,3502,35,Franca\n")
    d = read_divisions(path)
    assert d.columns.tolist() == [
        "name",
        "state",
        "state_abbr",
        "mesoregion",
        "microregion",
    ]
    assert division_lookup(d, "microregion").loc["3516200"].tolist() == [
        "35012",
        "35012",
    ]
    with pytest.raises(InputError, match="no 'immediate' level"):
        division_lookup(d, "immediate")


# --- conversions -------------------------------------------------------------


def test_check_digit_by_hand():
    # 3 5 1 6 2 0 x 1 2 1 2 1 2 -> 3, 10 (1+0), 1, 12 (1+2), 2, 0: s = 10
    assert check_digit("351620") == "0"
    # 3 5 5 0 3 0 -> 3, 1, 5, 0, 3, 0: s = 12 -> 8
    assert check_digit("355030") == "8"
    with pytest.raises(InputError, match="not a 6-digit"):
        check_digit("3516200")


def test_codes_6_to_7_with_a_table_and_unconvertible_codes():
    known = pd.DataFrame(index=pd.Index(["2201919", "3516200"], name="region"))
    # the table knows Bom Princípio do Piauí, whose digit breaks the rule
    assert codes_6_to_7(["220191", 351620], known) == ["2201919", "3516200"]
    with pytest.raises(InputError, match=r"1 municipality code.*'355030'"):
        codes_6_to_7(["351620", "355030"], known)
    assert codes_6_to_7(["999999", "35162", "351620"], unconverted="none") == [
        None,
        None,
        "3516200",
    ]
    with pytest.raises(InputError, match="not 6-digit codes of a Brazilian state"):
        codes_6_to_7(["999999"])


def test_microregion_codes():
    assert microregion_6_to_5("350835") == "35035"
    assert microregion_5_to_6("35035", "3508") == "350835"
    with pytest.raises(InputError, match="not a 6-digit microregion"):
        microregion_6_to_5("35035")
    with pytest.raises(InputError, match="mesoregion code of state 35"):
        microregion_5_to_6("35035", "3108")


# --- real files --------------------------------------------------------------


@pytest.fixture(scope="module")
def dtb2018():
    return read_divisions(require_shared("lookups", "brasil-municipios.csv"))


def test_geodata_br_counts(dtb2018):
    d = dtb2018
    assert len(d) == 5570
    assert d["microregion"].nunique() == 558
    assert d["mesoregion"].nunique() == 137
    assert d["state"].nunique() == 27
    assert d.loc["3516200", list(FRANCA)].to_dict() == FRANCA
    # names from the sibling files, for every municipality
    assert d[["microregion_name", "mesoregion_name", "state_name"]].notna().all().all()
    assert d.loc["3550308", "mesoregion_name"] == "Metropolitana de São Paulo"


def test_division_lookup_equals_read_region_lookup(dtb2018):
    path = require_shared("lookups", "brasil-municipios.csv")
    mine = division_lookup(dtb2018, "microregion")
    theirs = read_region_lookup(path, "id", "id_microrregiao")
    pd.testing.assert_index_equal(mine.index, theirs.index)
    pd.testing.assert_series_equal(mine["group"], theirs["group"])
    assert mine.dtypes.tolist() == theirs.dtypes.tolist()
    assert mine.loc["3516200", "group_name"] == "Franca"
    states = division_lookup(dtb2018, "state")
    assert states.loc["3516200"].tolist() == ["35", "São Paulo"]


def test_check_digit_rule_on_the_2018_dtb(dtb2018):
    codes = dtb2018.index
    follows = [c for c in codes if check_digit(c[:6]) == c[6]]
    # 5,561 of 5,570 codes follow the rule; the 9 exceptions are
    # 2201919 Bom Princípio do Piauí, 2201988 Brejo do Piauí, 2202251
    # Canavieira (PI), 2611533 Quixaba (PE), 3117836 Cônego Marinho, 3152131
    # Ponto Chique (MG), 4305871 Coronel Barros (RS), 5203939 Buriti de Goiás,
    # 5203962 Buritinópolis (GO)
    assert len(follows) == 5561
    exceptions = sorted(set(codes) - set(follows))
    assert exceptions == sorted(CHECK_DIGIT_EXCEPTIONS.values())
    # with those exceptions the rule converts every RAIS code back
    assert codes_6_to_7([c[:6] for c in codes]) == codes.tolist()
    assert codes_6_to_7([c[:6] for c in codes], dtb2018) == codes.tolist()


def test_fititnt_microregion_codes_convert(dtb2018):
    path = require_shared("boundaries", "microrregiao.topojson.json")
    micro = pd.read_csv(
        require_shared("lookups", "brasil-microrregioes.csv"), dtype=str
    )
    topo = json.loads(path.read_text(encoding="utf-8"))
    old = [
        str(g["properties"]["codigo"]) for g in topo["objects"]["Micro"]["geometries"]
    ]
    assert len(old) == 554
    new = [microregion_6_to_5(code) for code in old]
    assert len(set(new)) == 554
    assert set(new) <= set(micro["id"])
    # and back, with the mesoregion from the division table
    assert [microregion_5_to_6(code, dtb2018) for code in new] == old


# --- configuration and pipeline ----------------------------------------------


def test_lookup_level_in_config_and_pipeline(tmp_path):
    cfg = load_config(DEMO / "demo.toml")
    micro = pd.read_csv(DEMO / "microregions.csv", dtype=str)
    table = pd.DataFrame(
        {
            "region": micro["cod_ibge"],
            "name": "x",
            "state": micro["cod_ibge"].str[:2],
            "microregion": micro["cod_micro"],
            "microregion_name": micro["nome_micro"],
        }
    )
    path = tmp_path / "divisoes.csv"
    table.to_csv(path, index=False)
    level_cfg = replace(
        cfg,
        inputs=replace(
            cfg.inputs,
            lookup=replace(cfg.inputs.lookup, path=path, level="microregion"),
        ),
    )
    got = read_inputs(level_cfg).lookup
    expected = read_inputs(cfg).lookup
    pd.testing.assert_frame_equal(got, expected)

    parsed = config_from_dict(
        {
            "inputs": {
                "boundaries": {"path": "m.shp"},
                "size": {"path": "e.csv"},
                "lookup": {"path": "d.json", "level": "immediate"},
            }
        }
    )
    assert parsed.inputs.lookup.level == "immediate"
    with pytest.raises(ConfigError, match="inputs.lookup.level = 'micro'"):
        config_from_dict(
            {
                "inputs": {
                    "boundaries": {"path": "m.shp"},
                    "size": {"path": "e.csv"},
                    "lookup": {"path": "d.json", "level": "micro"},
                }
            }
        )
