"""Readers of innovation outputs: INPI name tables, publications, long tables."""

from __future__ import annotations

import json
import warnings
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from conftest import require_shared
from numpy.testing import assert_allclose

from lps_geo.errors import (
    ApproximationWarning,
    ConfigError,
    InputError,
    InputFixWarning,
    LpsGeoWarning,
    MissingCodesWarning,
)
from lps_geo.io import (
    PUBLICATION_DISCIPLINES,
    read_innovation_long,
    read_inpi_table,
    read_places,
    read_publications,
)
from lps_geo.io.innovation import TABLE_COLUMNS
from lps_geo.io.innovation_publications import DISCIPLINE_COLUMNS

# ----------------------------------------------------------------- fixtures


def _quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


@pytest.fixture
def toy_places():
    """Two Amparos (SP, PB), Campinas and Hortolândia (35032), an apostrophe."""
    dtb = pd.DataFrame(
        {
            "id": ["3509502", "3519071", "3501905", "2500734", "1100015"],
            "id_microrregiao": ["35032", "35032", "35033", "25010", "11006"],
            "nome": [
                "Campinas",
                "Hortolândia",
                "Amparo",
                "Amparo",
                "Alta Floresta D'Oeste",
            ],
        }
    )
    micro = pd.DataFrame(
        {
            "id": ["35032", "35033", "25010", "11006"],
            "nome": ["Campinas", "Amparo", "Serra do Teixeira", "Cacoal"],
        }
    )
    return read_places(dtb, micro)


def _inpi(tmp_path, text, name="inpi.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _publications(tmp_path, rows, name="pub.tsv", header=None):
    header = header or [
        "ID_da_instituicao",
        "nome_da_instituicao",
        "ID_da_microregiao",
        "ID_do_estado",
        *DISCIPLINE_COLUMNS,
        "Total_Publicacoes",
    ]
    lines = ["\t".join(header)] + ["\t".join(map(str, row)) for row in rows]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _pub_row(inst, name, micro, counts, total=None):
    counts = list(counts) + [0] * (13 - len(counts))
    return [
        inst,
        name,
        micro,
        micro[:2],
        *counts,
        sum(counts) if total is None else total,
    ]


# ------------------------------------------------------------ the vocabulary


def test_discipline_codes_are_the_lower_cased_column_suffixes():
    assert len(PUBLICATION_DISCIPLINES) == 13
    assert (
        tuple(
            c.removeprefix("Publicacoes_Disciplina_").lower()
            for c in DISCIPLINE_COLUMNS
        )
        == PUBLICATION_DISCIPLINES
    )


# ------------------------------------------------------------ read_places


def test_read_places_columns_states_and_microregion_names(toy_places):
    assert list(toy_places.columns) == [
        "code",
        "name",
        "state",
        "microregion",
        "microregion_name",
    ]
    assert toy_places.loc["2500734", "state"] == "PB"
    assert toy_places.loc["3519071", "microregion_name"] == "Campinas"


def test_read_places_keeps_the_boundaries_and_remembers_the_rest(toy_places):
    dtb = toy_places.reset_index(drop=True)[["code", "name", "microregion"]]
    dtb.columns = ["id", "nome", "id_microrregiao"]
    kept = read_places(dtb, boundaries=pd.Index(["3501905", "3509502"]))
    assert sorted(kept.index) == ["3501905", "3509502"]
    assert sorted(row[0] for row in kept.attrs["outside"]) == [
        "1100015",
        "2500734",
        "3519071",
    ]


def test_read_places_errors(tmp_path):
    with pytest.raises(ConfigError, match="DTB table of municipalities"):
        read_places(None)
    bad = tmp_path / "dtb.csv"
    bad.write_text("id,nome\n3509502,Campinas\n3509502,Campinas\n")
    with pytest.raises(InputError, match="repeats the code"):
        read_places(bad)
    bad.write_text("codigo,municipio\n3509502,Campinas\n")
    with pytest.raises(InputError, match="no name column"):
        read_places(bad)
    bad.write_text("id,nome\n350950,Campinas\n")
    with pytest.raises(InputError, match="not 7-digit"):
        read_places(bad)


# ------------------------------------------------------- INPI, synthetic


def test_inpi_table_homonyms_reported_with_every_candidate(tmp_path, toy_places):
    path = _inpi(tmp_path, "IPC_CD;Campinas;Amparo;Hortolândia\nA;1;0;0\nB;0;1;1\n")
    with pytest.warns(InputFixWarning, match="'Amparo': 2500734 Amparo"):
        out = read_inpi_table(path, toy_places)
    assert out.report.ambiguous == {
        "Amparo": ("2500734 Amparo (PB)", "3501905 Amparo (SP)")
    }
    assert out.report.level == "municipality"
    assert out.report.n_read == 3 and out.report.n_matched == 2
    assert list(out.table.columns) == list(TABLE_COLUMNS)
    assert out.table["year"].dtype == "Int64" and out.table["year"].isna().all()
    got = out.table.set_index(["region", "field"])["value"]
    assert got.to_dict() == {
        ("3509502", "A"): 1.0,
        ("3509502", "B"): 0.0,
        ("3519071", "A"): 0.0,
        ("3519071", "B"): 1.0,
    }
    assert out.report.total == 2.0 and out.report.n_regions == 2
    assert out.report.allocation is None
    json.dumps(out.report.to_dict())


def test_inpi_table_ambiguous_raise_names_the_candidates(tmp_path, toy_places):
    path = _inpi(tmp_path, "IPC_CD;Campinas;Amparo\nA;1;0\n")
    with pytest.raises(InputError, match=r"'Amparo': 2500734 Amparo \(PB\)") as err:
        read_inpi_table(path, toy_places, level="municipality", ambiguous="raise")
    assert "\n" not in str(err.value) and "Amparo (SP)" in str(err.value)


def test_inpi_table_state_in_the_name_settles_a_homonym(tmp_path, toy_places):
    path = _inpi(tmp_path, "IPC_CD;Amparo (SP);Amparo - PB\nA;1;0\n")
    out = read_inpi_table(path, toy_places, level="municipality")
    assert out.report.ambiguous == {}
    assert sorted(out.table["region"]) == ["2500734", "3501905"]
    assert out.table.set_index("region").loc["3501905", "value"] == 1.0


@pytest.mark.parametrize(
    "spelling",
    [
        "Alta Floresta D'Oeste",
        "Alta Floresta d'Oeste",
        "Alta Floresta D Oeste",
        "ALTA FLORESTA D\u2019OESTE",
        "Alta  Floresta-D'Oeste",
        " alta floresta d'oeste ",
    ],
)
def test_inpi_names_robust_to_case_apostrophes_hyphens_spaces(
    tmp_path, toy_places, spelling
):
    path = _inpi(tmp_path, f"IPC_CD;Campinas;{spelling}\nA;1;1\n")
    out = read_inpi_table(path, toy_places, level="municipality")
    assert sorted(out.table["region"]) == ["1100015", "3509502"]


def test_inpi_names_without_accents_match_and_unknown_ones_get_candidates(
    tmp_path, toy_places
):
    path = _inpi(tmp_path, "IPC_CD;Hortolandia;Campinass;Xique\nA;1;1;0\n")
    with pytest.warns(MissingCodesWarning, match="'Campinass' \\(close: 3509502"):
        out = read_inpi_table(path, toy_places, level="municipality")
    assert out.table["region"].tolist() == ["3519071"]
    assert out.report.unmatched == ("Campinass", "Xique")
    assert out.report.candidates == {
        "Campinass": ("3509502 Campinas (SP)",),
        "Xique": (),
    }


def test_inpi_two_columns_for_one_place_is_an_error(tmp_path, toy_places):
    path = _inpi(tmp_path, "IPC_CD;Campinas;CAMPINAS\nA;1;1\n")
    with pytest.raises(InputError, match="several columns match the same"):
        read_inpi_table(path, toy_places, level="municipality")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("IPC_CD;Campinas\nA;1\nZ;0\n", r"column 'IPC_CD' must hold IPC.*row 3: 'Z'"),
        ("IPC_CD;Campinas\nA;1\nA01;0\n", r"one kind only"),
        ("IPC_CD;Campinas\nA;1\nA;0\n", r"repeats the IPC code 'A' \(rows 2 and 3\)"),
        ("IPC_CD;Campinas\nA;1\nB;x\n", r"non-numeric.*column 'Campinas' row 3"),
        ("IPC_CD;Campinas\nA;1\nB;\n", r"empty value.*column 'Campinas' row 3"),
        ("IPC_CD;Campinas\nA;2\n", r"not 0/1.*'Campinas' row 2.*measure='count'"),
        ("IPC_CD;Campinas;Campinas\nA;1;0\n", r"'Campinas' appear more than once"),
        ("IPC_CD;Campinas;;Amparo\nA;1;0;1\n", r"no name \(column position"),
        ("IPC_CD\nA\n", r"1 column\(s\)"),
    ],
)
def test_inpi_error_paths_name_file_column_and_row(tmp_path, toy_places, text, match):
    path = _inpi(tmp_path, text)
    with pytest.raises(InputError, match=match) as err:
        read_inpi_table(path, toy_places, level="municipality")
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_inpi_counts_and_ipc_classes(tmp_path, toy_places):
    path = _inpi(tmp_path, "IPC_CD;Campinas\nA01;7\nH04;2\n")
    out = read_inpi_table(path, toy_places, measure="count", level="municipality")
    assert out.report.system == "ipc_class" and out.report.measure == "count"
    assert out.table["value"].tolist() == [7.0, 2.0]


def test_inpi_microregion_indicator_repeated_on_members(tmp_path, toy_places):
    path = _inpi(tmp_path, "IPC_CD;Campinas;Cacoal\nA;1;0\nB;0;1\n")
    out = read_inpi_table(path, toy_places, level="microregion")
    assert out.report.allocation.startswith("microregion indicator repeated")
    got = out.table.set_index(["region", "field"])["value"]
    for member in ("3509502", "3519071"):
        assert got[(member, "A")] == 1.0 and got[(member, "B")] == 0.0
    assert got[("1100015", "B")] == 1.0
    assert out.report.n_regions == 3 and out.report.total == 3.0


def test_inpi_microregion_counts_shared_by_population(tmp_path, toy_places):
    path = _inpi(tmp_path, "IPC_CD;Campinas\nA;12\n")
    pop = pd.Series({"3509502": 3.0, "3519071": 1.0, "3501905": 5.0})
    out = read_inpi_table(
        path, toy_places, level="microregion", measure="count", population=pop
    )
    assert out.table.set_index("region")["value"].to_dict() == {
        "3509502": 9.0,
        "3519071": 3.0,
    }
    assert "population" in out.report.allocation


def test_inpi_microregion_level_needs_microregion_names(tmp_path, toy_places):
    places = toy_places.assign(microregion_name=None)
    path = _inpi(tmp_path, "IPC_CD;Campinas\nA;1\n")
    with pytest.raises(InputError, match="no microregion names"):
        read_inpi_table(path, places, level="microregion")


def test_inpi_level_auto_tie_asks_for_the_level(tmp_path, toy_places):
    path = _inpi(tmp_path, "IPC_CD;Campinas\nA;1\n")  # a municipality and a micro
    with pytest.raises(InputError, match="pass level='municipality'"):
        read_inpi_table(path, toy_places)


def test_inpi_rejects_places_that_are_not_a_lookup(tmp_path):
    path = _inpi(tmp_path, "IPC_CD;Campinas\nA;1\n")
    with pytest.raises(ConfigError, match="read_places"):
        read_inpi_table(path, pd.DataFrame({"x": [1]}))


# --------------------------------------------------- publications, synthetic

_POP = {"3509502": 3.0, "3519071": 1.0, "3501905": 10.0, "2500734": 1.0}


def test_publications_summed_and_shared_by_population(tmp_path, toy_places):
    path = _publications(
        tmp_path,
        [
            _pub_row("1", "UNICAMP", "35032", [30, 3]),
            _pub_row("2", "PUC CAMPINAS", "35032", [10, 1]),
            _pub_row("3", "FACULDADE DE AMPARO", "35033", [4]),
        ],
    )
    pop = pd.Series({"3509502": 3.0, "3519071": 1.0, "3501905": 10.0})
    out = read_publications(path, toy_places, population=pop)
    got = out.table.set_index(["region", "field"])["value"]
    assert got[("3509502", "biologia")] == 30.0  # (30 + 10) * 3/4
    assert got[("3519071", "biologia")] == 10.0
    assert got[("3509502", "biotecnologia")] == 3.0
    assert got[("3501905", "biologia")] == 4.0
    assert got[("3501905", "ciencias_sociais")] == 0.0
    assert set(out.table["field"]) == set(PUBLICATION_DISCIPLINES)
    assert out.report.total == 48.0 and out.report.n_regions == 3
    assert out.report.n_read == 3 and out.report.n_matched == 3
    assert out.report.level == "microregion"


def test_publications_without_population_equal_shares_warned(tmp_path, toy_places):
    path = _publications(tmp_path, [_pub_row("1", "UNICAMP", "35032", [30])])
    with pytest.warns(ApproximationWarning, match="divided equally"):
        out = read_publications(path, toy_places)
    values = out.table.query("field == 'biologia'")["value"].tolist()
    assert values == [15.0, 15.0]
    assert "equally" in out.report.allocation


def test_publications_member_without_population_falls_back(tmp_path, toy_places):
    path = _publications(tmp_path, [_pub_row("1", "UNICAMP", "35032", [30])])
    with pytest.warns(MissingCodesWarning, match=r"35032 \(no population for 3519071"):
        out = read_publications(path, toy_places, population={"3509502": 5})
    assert out.table.query("field == 'biologia'")["value"].tolist() == [15.0, 15.0]
    assert "equal shares in 1 microregion" in out.report.allocation


def test_publications_unknown_microregion_reported_with_values_lost(
    tmp_path, toy_places
):
    path = _publications(
        tmp_path,
        [
            _pub_row("1", "UNICAMP", "35032", [30]),
            _pub_row("2", "NOWHERE", "99001", [7, 1]),
        ],
    )
    with pytest.warns(MissingCodesWarning, match=r"99001 \(1 institution\(s\), 8 pub"):
        out = _quiet_except(MissingCodesWarning, read_publications, path, toy_places)
    assert out.report.unmatched == ("99001",)
    assert out.report.n_matched == 1 and out.report.total == 30.0


def _quiet_except(category, function, *args, **kwargs):
    """Run ``function`` letting only warnings of ``category`` through."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("default", category)
        return function(*args, **kwargs)


def test_publications_total_mismatch_warned_values_kept(tmp_path, toy_places):
    path = _publications(
        tmp_path, [_pub_row("1", "UNICAMP", "35032", [30, 2], total=40)]
    )
    with pytest.warns(
        LpsGeoWarning, match=r"row 2 \(UNICAMP\): Total_Publicacoes 40 vs disc.* 32"
    ):
        out = read_publications(path, toy_places, population=_POP)
    assert out.report.total == 32.0


def test_publications_state_mismatch_warned(tmp_path, toy_places):
    row = _pub_row("1", "UFSCAR", "35032", [5])
    row[3] = "42"
    path = _publications(tmp_path, [row])
    with pytest.warns(LpsGeoWarning, match=r"row 2 \(UFSCAR\): state 42 vs micro"):
        read_publications(path, toy_places, population=_POP)


@pytest.mark.parametrize(
    ("row", "match"),
    [
        (["1", "X", "3503", "35", 1, *[0] * 12, 1], r"not 5-digit.*row 2 \('3503'\)"),
        (
            ["1", "X", "", "35", 1, *[0] * 12, 1],
            r"'ID_da_microregiao' has 1 empty.*row 2",
        ),
        (
            ["1", "X", "35032", "35", -1, *[0] * 12, -1],
            r"Biologia' has 1 negative.*row 2",
        ),
        (
            ["1", "X", "35032", "35", "", *[0] * 12, 0],
            r"Biologia' has 1 empty.*row 2 \(X\)",
        ),
        (
            ["1", "X", "35032", "35", "a", *[0] * 12, 0],
            r"Biologia' has 1 non-numeric.*2",
        ),
    ],
)
def test_publications_error_paths(tmp_path, toy_places, row, match):
    path = _publications(tmp_path, [row])
    with pytest.raises(InputError, match=match) as err:
        read_publications(path, toy_places, population={"3509502": 1})
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_publications_missing_discipline_column(tmp_path, toy_places):
    header = ["ID_da_microregiao", *DISCIPLINE_COLUMNS[:-1]]
    path = _publications(tmp_path, [["35032", *[1] * 12]], header=header)
    with pytest.raises(InputError, match="1 discipline column.*Ciencias_Sociais"):
        read_publications(path, toy_places)


# ----------------------------------------------------------- long, synthetic


def _long(tmp_path, text, name="long.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


_LONG = dict(
    region_column="mun",
    field_column="ipc",
    value_column="n",
    kind="patents",
    system="ipc_class",
)


def test_long_table_with_years(tmp_path):
    path = _long(tmp_path, "mun,ipc,ano,n\n3550308,a01,2019,4\n3509502,A01,2019,2\n")
    out = read_innovation_long(path, year_column="ano", **_LONG)
    assert out.table["region"].tolist() == ["3509502", "3550308"]
    assert out.table["year"].tolist() == [2019, 2019]
    assert out.table["field"].tolist() == ["A01", "A01"]
    assert out.report.total == 6.0 and out.report.format == "long"
    assert list(out.table.columns) == list(TABLE_COLUMNS)


def test_long_table_rais_codes_need_boundaries(tmp_path):
    path = _long(tmp_path, "mun,ipc,n\n355030,A01,4\n")
    with pytest.raises(InputError, match="6-digit RAIS codes need boundaries="):
        read_innovation_long(path, **_LONG)
    out = read_innovation_long(path, boundaries=pd.Index(["3550308"]), **_LONG)
    assert out.table["region"].tolist() == ["3550308"]


def test_long_table_unmatched_raise_or_report(tmp_path):
    path = _long(tmp_path, "mun,ipc,n\n3550308,A01,4\n3509502,A01,3\n")
    with pytest.raises(InputError, match="1 code.*not in the boundaries: 3509502"):
        read_innovation_long(path, boundaries=pd.Index(["3550308"]), **_LONG)
    with pytest.warns(MissingCodesWarning, match=r"3509502 \(1 row\(s\), value 3\)"):
        out = read_innovation_long(
            path, boundaries=pd.Index(["3550308"]), unmatched="report", **_LONG
        )
    assert out.report.unmatched == ("3509502",) and out.report.total == 4.0


def test_long_table_disciplines_and_cnae_divisions_normalised(tmp_path):
    path = _long(tmp_path, "mun;f;n\n3550308;Especialidades Médicas;4\n")
    out = read_innovation_long(
        path,
        region_column="mun",
        field_column="f",
        value_column="n",
        kind="publications",
        system="discipline",
    )
    assert out.table["field"].tolist() == ["especialidades_medicas"]
    path = _long(tmp_path, "mun;f;n\n3550308;5;1\n3550308;26;1\n", "cnae.csv")
    out = read_innovation_long(
        path,
        region_column="mun",
        field_column="f",
        value_column="n",
        kind="patents",
        system="cnae_division",
    )
    assert out.table["field"].tolist() == ["05", "26"]


@pytest.mark.parametrize(
    ("text", "extra", "match"),
    [
        ("mun,ipc,n\n3550308,A01,x\n", {}, r"column 'n' has 1 non-numeric.*row\(s\) 2"),
        ("mun,ipc,n\n3550308,A01,4\n3509502,A01,-1\n", {}, r"'n' has 1 negative.*3"),
        ("mun,ipc,n\n3550308,A01,\n", {}, r"'n' has 1 empty value.*row\(s\) 2"),
        ("mun,ipc,n\n,A01,1\n", {}, r"'mun' has 1 empty municipality code.*row 2"),
        ("mun,ipc,n\nSP,A01,1\n", {}, r"'mun' has 1 .*not numeric codes in row 2"),
        ("mun,ipc,n\n3550308,A01,1\n3550308,a01,2\n", {}, r"3550308 A01 \(rows 2, 3\)"),
        ("mun,ipc,n\n3550308,Z99,1\n", {}, r"'ipc' has 1 value.*IPC class.*row 2"),
        ("mun,ipc,n\n3550308,,1\n", {}, r"'ipc' is empty in 1 row\(s\) \(2\)"),
        ("mun,ipc,ano,n\n3550308,A01,19,1\n", {"year_column": "ano"}, r"'ano'.*row 2"),
        (
            "mun,ipc,n\n3550308,A01,2\n",
            {"measure": "indicator"},
            r"non-0/1.*row\(s\) 2",
        ),
        ("mun,ipc,n\n35503,A01,2\n", {}, r"not 7-digit.*row 2 \('35503'\)"),
        ("mun,class,n\n3550308,A01,2\n", {}, r"column 'ipc' not found"),
    ],
)
def test_long_table_error_paths(tmp_path, text, extra, match):
    path = _long(tmp_path, text)
    with pytest.raises(InputError, match=match) as err:
        read_innovation_long(path, **{**_LONG, **extra})
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_long_table_options_are_checked(tmp_path):
    path = _long(tmp_path, "mun,ipc,n\n3550308,A01,2\n")
    with pytest.raises(ConfigError, match="system='ipc'"):
        read_innovation_long(path, **{**_LONG, "system": "ipc"})
    with pytest.raises(ConfigError, match="unmatched='drop'"):
        read_innovation_long(path, unmatched="drop", **_LONG)


# ------------------------------------------------------------ real files


@pytest.fixture(scope="module")
def places():
    municipalities = require_shared("lookups", "brasil-municipios.csv")
    microregions = require_shared("lookups", "brasil-microrregioes.csv")
    return read_places(municipalities, microregions)


@pytest.fixture(scope="module")
def inpi_municipalities():
    path = require_shared("institutions", "MUNICIPIO-1digito_ipc.xlsx")
    return path, pd.read_excel(path)


@pytest.fixture(scope="module")
def inpi_read(places, inpi_municipalities):
    return _quiet(read_inpi_table, inpi_municipalities[0], places)


def test_real_inpi_municipality_names(inpi_read, places):
    report = inpi_read.report
    assert report.level == "municipality"
    assert (report.n_read, report.n_matched) == (2042, 1889)
    assert len(report.ambiguous) == 153 and report.unmatched == ()
    assert report.n_regions == 1889 and report.measure == "indicator"
    assert report.kind == "patents" and report.system == "ipc_section"
    json.dumps(report.to_dict())


def test_real_inpi_values_equal_a_direct_tabulation(inpi_read, inpi_municipalities):
    _, raw = inpi_municipalities
    names = raw.columns[1:]
    dtb = pd.read_csv(require_shared("lookups", "brasil-municipios.csv"), dtype=str)
    once = Counter(dtb["nome"])
    code_of = dict(zip(dtb["nome"], dtb["id"], strict=True))
    table = inpi_read.table.pivot(index="region", columns="field", values="value")
    by_section = raw.set_index("IPC_CD")
    sample = ["Campinas", "Franca", "Adamantina", "Sant'Ana do Livramento", "Iporã"]
    sample += list(np.random.default_rng(15).choice(names, 60, replace=False))
    checked = 0
    for name in sample:
        if once[name] != 1:
            continue
        expected = by_section[name].astype(float)
        got = table.loc[code_of[name]].reindex(expected.index)
        assert_allclose(got.to_numpy(), expected.to_numpy())
        checked += 1
    assert checked > 40
    matched = [n for n in names if n not in inpi_read.report.ambiguous]
    assert inpi_read.report.total == raw[matched].to_numpy().sum() == 3902


def test_real_inpi_homonyms_listed_with_all_candidates(inpi_read, inpi_municipalities):
    _, raw = inpi_municipalities
    dtb = pd.read_csv(require_shared("lookups", "brasil-municipios.csv"), dtype=str)
    counts = Counter(dtb["nome"])
    homonyms = {n for n in raw.columns[1:] if counts[n] > 1}
    ambiguous = inpi_read.report.ambiguous
    assert set(ambiguous) == homonyms
    for name in homonyms:
        assert len(ambiguous[name]) >= counts[name]
    assert ambiguous["Bom Jesus"] == (
        "2201903 Bom Jesus (PI)",
        "2401701 Bom Jesus (RN)",
        "2502201 Bom Jesus (PB)",
        "4202537 Bom Jesus (SC)",
        "4302303 Bom Jesus (RS)",
    )
    assert ambiguous["São Carlos"] == (
        "3548906 São Carlos (SP)",
        "4216008 São Carlos (SC)",
    )
    assert ambiguous["Amparo"] == ("2500734 Amparo (PB)", "3501905 Amparo (SP)")
    # RN's Augusto Severo is Campo Grande in the 2022 mesh: a third candidate
    assert ambiguous["Campo Grande"] == (
        "2401305 Augusto Severo (RN) [Campo Grande in the 2022 mesh]",
        "2701506 Campo Grande (AL)",
        "5002704 Campo Grande (MS)",
    )
    regions = set(inpi_read.table["region"])
    assert not {"3548906", "4216008", "3501905", "2500734"} & regions


def test_real_inpi_accents_keep_names_apart(inpi_read):
    regions = set(inpi_read.table["region"])
    # Iporá (GO) and Iporã (PR) are both columns; Ipira (SC) is not Ipirá (BA)
    assert {"5210208", "4110607", "4207601"} <= regions
    assert "Iporá" not in inpi_read.report.ambiguous


def test_real_inpi_unknown_spellings_get_candidates(tmp_path, places):
    path = _inpi(tmp_path, "IPC_CD;Sao Paolo;Campinas;Mogi Mirim\nA;1;0;1\n")
    with pytest.warns(MissingCodesWarning, match="Sao Paolo"):
        out = read_inpi_table(path, places, level="municipality")
    assert out.report.unmatched == ("Sao Paolo",)
    assert "3550308 São Paulo (SP)" in out.report.candidates["Sao Paolo"]
    assert sorted(out.table["region"].unique()) == ["3509502", "3530805"]


def test_real_inpi_state_run_outside_names_not_unmatched(inpi_municipalities):
    municipalities = require_shared("lookups", "brasil-municipios.csv")
    dtb = pd.read_csv(municipalities, dtype=str)
    sp = pd.Index(dtb.loc[dtb["id"].str.startswith("35"), "id"])
    places = read_places(municipalities, boundaries=sp)
    out = _quiet(read_inpi_table, inpi_municipalities[0], places)
    report = out.report
    assert report.unmatched == () and report.n_matched == 403
    assert report.n_matched + len(report.ambiguous) + len(report.outside) == 2042
    assert set(out.table["region"].str[:2]) == {"35"}
    # a homonym outside the state still makes the name ambiguous
    assert report.ambiguous["Amparo"] == (
        "2500734 Amparo (PB) [outside the boundaries]",
        "3501905 Amparo (SP)",
    )
    assert "Alto Paraíso" in report.outside  # RO and PR, neither in SP


def test_real_inpi_microregions(places):
    path = require_shared("institutions", "MICRORREGIAO-1digito_ipc.xlsx")
    with pytest.warns(InputFixWarning, match="4 column name"):
        out = _quiet_except(InputFixWarning, read_inpi_table, path, places)
    report = out.report
    assert report.level == "microregion" and report.n_read == 460
    assert report.n_matched == 456 and report.unmatched == ()
    assert report.ambiguous == {
        "Cascavel": ("23015 Cascavel (CE)", "41023 Cascavel (PR)"),
        "Gurupi": ("17005 Gurupi (TO)", "21007 Gurupi (MA)"),
        "Litoral Sul": ("24019 Litoral Sul (RN)", "25023 Litoral Sul (PB)"),
        "Rio Negro": ("13001 Rio Negro (AM)", "41039 Rio Negro (PR)"),
    }
    raw = pd.read_excel(path).set_index("IPC_CD")
    members = places[places["microregion"] == "35032"].index  # Campinas
    table = out.table.set_index(["region", "field"])["value"]
    for member in members:
        expected = raw["Campinas"].astype(float)
        assert_allclose(table.loc[member].reindex(expected.index), expected)
    sizes = places.groupby("microregion_name").size()
    matched = [n for n in raw.columns if n not in report.ambiguous]
    assert report.total == sum(raw[n].sum() * sizes[n] for n in matched)


@pytest.fixture(scope="module")
def population():
    path = require_shared("lookups", "municipios_censo2022.csv")
    table = pd.read_csv(path, dtype={"codigo_ibge": str})
    return table.set_index("codigo_ibge")["populacao_censo_2022"].astype(float)


@pytest.fixture(scope="module")
def publications_tsv():
    path = require_shared("institutions", "Publicacoes_Instituicoes_Total.tsv")
    return path, pd.read_csv(path, sep="\t", dtype={"ID_da_microregiao": str})


def test_real_publications_per_microregion_totals(places, population, publications_tsv):
    path, raw = publications_tsv
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the real file warns of nothing
        out = read_publications(path, places, population=population)
    report = out.report
    assert (report.n_read, report.n_matched, report.unmatched) == (274, 274, ())
    assert report.total == pytest.approx(129042) == raw["Total_Publicacoes"].sum()
    assert "proportion to population" in report.allocation
    expected = raw.groupby("ID_da_microregiao")[list(DISCIPLINE_COLUMNS)].sum()
    expected.columns = list(PUBLICATION_DISCIPLINES)
    table = out.table.assign(micro=out.table["region"].map(places["microregion"]))
    got = table.pivot_table("value", "micro", "field", aggfunc="sum")
    got = got.reindex(index=expected.index, columns=expected.columns)
    assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-12)
    assert len(expected) == 120
    assert report.n_regions == places["microregion"].isin(expected.index).sum()


def test_real_publications_population_shares(places, population, publications_tsv):
    path, raw = publications_tsv
    out = read_publications(path, places, population=population)
    bio = out.table.query("field == 'biologia'").set_index("region")["value"]
    members = places.index[places["microregion"] == "35032"]  # Campinas
    total = raw.loc[raw["ID_da_microregiao"] == "35032", DISCIPLINE_COLUMNS[0]].sum()
    shares = population[members] / population[members].sum()
    assert_allclose(bio[members], total * shares, rtol=1e-12)
    assert bio[members].sum() == pytest.approx(total)


def test_real_publications_placement_flaws_kept(places, population, publications_tsv):
    # UFSCar (Sao Carlos, SP) sits in microregion 42002 (SC) in the file: read as is
    path, raw = publications_tsv
    out = read_publications(path, places, population=population)
    ufscar = raw[raw["nome_da_instituicao"] == "UNIVERSIDADE FEDERAL DE SAO CARLOS"]
    assert ufscar["ID_da_microregiao"].tolist() == ["42002"]
    regions = out.table.groupby("region")["value"].sum()
    assert "3548906" not in regions.index  # Sao Carlos (SP) gets nothing
    sc = places.index[places["microregion"] == "42002"]
    in_42002 = raw.loc[raw["ID_da_microregiao"] == "42002", "Total_Publicacoes"].sum()
    assert in_42002 >= ufscar["Total_Publicacoes"].sum() > 0
    assert regions[sc].sum() == pytest.approx(in_42002)
    assert regions["4216008"] > 0  # Sao Carlos (SC) gets a share


def test_real_publications_national_boundaries(population, publications_tsv):
    municipalities = require_shared("lookups", "brasil-municipios.csv")
    dtb = pd.read_csv(municipalities, dtype=str)
    # the 2022 mesh lacks Aguas de Sao Pedro (3500600), microregion 35028
    mesh = pd.Index(dtb.loc[dtb["id"] != "3500600", "id"])
    places = read_places(municipalities, boundaries=mesh)
    path, raw = publications_tsv
    with pytest.warns(MissingCodesWarning, match="35028: 3500600"):
        out = read_publications(path, places, population=population)
    assert out.report.total == pytest.approx(raw["Total_Publicacoes"].sum())
    assert "3500600" not in set(out.table["region"])
