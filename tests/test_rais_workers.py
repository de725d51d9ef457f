"""RAIS worker records (Vínculos): hand-computed profiles, row-level report, real data.

The PDET files are built with the public "RAIS Vínculos" header (2015 layout,
45 columns, "Tipo Estab" twice), Latin-1 bytes and decimal commas; the Base
dos Dados files with the column names of ``br_me_rais.microdados_vinculos``
as in the real 2020 extract. Municipalities: Franca 351620 -> 3516200, Nova
Serrana 314520 -> 3145208, Santos 3548500, Paranaguá 4118204.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import require_shared
from numpy.testing import assert_allclose, assert_array_equal

from lps_geo.errors import ConfigError, InputError, InputFixWarning
from lps_geo.io.rais_workers import (
    PROBLEMS,
    WorkerProfile,
    detect_layout,
    industry_class,
    read_rais_workers,
    relative_wage,
)

PDET_HEADER = [
    "Bairros SP",
    "Bairros Fortaleza",
    "Bairros RJ",
    "Causa Afastamento 1",
    "Causa Afastamento 2",
    "Causa Afastamento 3",
    "Motivo Desligamento",
    "CBO Ocupação 2002",
    "CNAE 2.0 Classe",
    "CNAE 95 Classe",
    "Distritos SP",
    "Vínculo Ativo 31/12",
    "Faixa Etária",
    "Faixa Hora Contrat",
    "Faixa Remun Dezem (SM)",
    "Faixa Remun Média (SM)",
    "Faixa Tempo Emprego",
    "Escolaridade após 2005",
    "Qtd Hora Contr",
    "Idade",
    "Ind CEI Vinculado",
    "Ind Simples",
    "Mês Admissão",
    "Mês Desligamento",
    "Mun Trab",
    "Município",
    "Nacionalidade",
    "Natureza Jurídica",
    "Ind Portador Defic",
    "Qtd Dias Afastamento",
    "Raça Cor",
    "Regiões Adm DF",
    "Vl Remun Dezembro Nom",
    "Vl Remun Dezembro (SM)",
    "Vl Remun Média Nom",
    "Vl Remun Média (SM)",
    "CNAE 2.0 Subclasse",
    "Sexo Trabalhador",
    "Tamanho Estabelecimento",
    "Tempo Emprego",
    "Tipo Admissão",
    "Tipo Estab",
    "Tipo Estab",
    "Tipo Defic",
    "Tipo Vínculo",
]


def worker(mun, cnae, active, wage, school, cbo) -> str:
    """One PDET worker line with the real 45 columns."""
    cells = dict.fromkeys(PDET_HEADER, "{ñ class}")
    cells.update(
        {
            "Bairros SP": "Sé",
            "Causa Afastamento 1": "99",
            "Motivo Desligamento": "0",
            "CBO Ocupação 2002": cbo,
            "CNAE 2.0 Classe": cnae,
            "Vínculo Ativo 31/12": active,
            "Escolaridade após 2005": school,
            "Idade": "34",
            "Município": mun,
            "Mun Trab": mun,
            "Vl Remun Dezembro Nom": wage,
            "Vl Remun Média Nom": wage,
            "CNAE 2.0 Subclasse": cnae + "00" if cnae.isdigit() else cnae,
            "Tempo Emprego": "25,3",
            "Tipo Estab": "1",
            "Tipo Vínculo": "10",
        }
    )
    return ";".join(cells[name] for name in PDET_HEADER)


# file lines are numbered from 1 = header
PDET_LINES = [
    worker("351620", "15319", "1", "0000002500,00", "7", "514320"),  # 2
    worker("351620", "15319", "1", "1500,50", "5", "784205"),  # 3
    worker("351620", "15394", "1", "0000000000,00", "9", "214905"),  # 4 zero
    worker("351620", "15319", "0", "3000,00", "9", "214905"),  # 5 inactive
    worker("351620", "15319", "1", "", "-1", "0000-1"),  # 6 all unknown
    worker("314520", "15319", "1", "1800,00", "8", "313005"),  # 7
    worker("314520", "31012", "1", "2200,00", "6", "716610"),  # 8
    worker("999999", "15319", "1", "1000,00", "7", "514320"),  # 9 "Ignorado"
    worker("351620", "15319", "1", "abc", "7", "514320"),  # 10 non-numeric
    worker("351620", "15319", "1", "1200.50", "7", "514320"),  # 11 decimal point
    worker("351620", "{ñ class}", "1", "1000,00", "7", "514320"),  # 12 no class
    worker("351620", "15319", "2", "1000,00", "7", "514320"),  # 13 flag 2
    "Sé;{ñ class};{ñ class};99",  # 14 wrong number of columns
    worker("351620", "15319", "1", "-5,00", "7", "514320"),  # 15 negative
]

BDD_HEADER = (
    "sigla_uf,cnae_2_subclasse,tipo_vinculo,valor_remuneracao_media,sexo,"
    "raca_cor,grau_instrucao_apos_2005,cbo_2002,id_municipio"
)
BDD_LINES = [
    "SP,5231102,10,1159.89,1,8,7,517410,3548500",  # 2
    "SP,5231102,10,2040.11,2,9,9,252105,3548500",  # 3
    "SP,5231101,10,0,1,8,5,783220,3548500",  # 4 zero wage
    "PR,5231102,10,3000,1,8,11,351305,4118204",  # 5
    "PR,5231102,10,1000.5,1,8,3,783220,4118204",  # 6
]


def write(path, header, lines, encoding="latin-1", newline="\n"):
    path.write_bytes((newline.join([header, *lines]) + newline).encode(encoding))
    return path


@pytest.fixture
def pdet(tmp_path):
    return write(tmp_path / "SP2015.txt", ";".join(PDET_HEADER), PDET_LINES)


@pytest.fixture
def bdd(tmp_path):
    return write(tmp_path / "rais.csv", BDD_HEADER, BDD_LINES, encoding="utf-8")


def read_quiet(*args, **kwargs) -> WorkerProfile:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputFixWarning)
        return read_rais_workers(*args, **kwargs)


def test_detect_layout(pdet, bdd, tmp_path):
    assert detect_layout(pdet) == "pdet"
    assert detect_layout(bdd) == "basedosdados"
    other = write(tmp_path / "x.csv", "a;b;c", ["1;2;3"])
    with pytest.raises(InputError, match=r"x\.csv: the header is neither"):
        detect_layout(other)


def test_pdet_hand_computed_group(pdet):
    with pytest.warns(InputFixWarning, match=r"8 of 14 rows left out"):
        profile = read_rais_workers(pdet)
    m, t = profile.measures, profile.totals
    index = [("3145208", "15.3"), ("3145208", "31.0"), ("3516200", "15.3")]
    assert list(m.index) == index
    assert_array_equal(m["workers"], [1, 1, 4])
    # Franca 15.3: lines 2, 3, 4, 6; wages 2500 and 1500.50 (line 4 zero,
    # line 6 empty); schooling 7, 5, 9 known (-1 not); CBO 514320, 784205,
    # 214905 known (0000-1 not), one in major group 2
    assert_allclose(m["mean_wage"], [1800.0, 2200.0, 4000.50 / 2], rtol=1e-12)
    assert_allclose(m["secondary_share"], [1.0, 0.0, 2 / 3], rtol=1e-12)
    assert_allclose(m["technical_share"], [1.0, 0.0, 1 / 3], rtol=1e-12)
    franca = t.loc[("3516200", "15.3")]
    assert franca[["wage_workers", "zero_wages", "missing_wages"]].tolist() == [2, 1, 1]
    assert franca["wage_sum"] == pytest.approx(4000.50)
    assert franca[["schooling_known", "secondary_complete"]].tolist() == [3, 2]
    assert franca[["occupation_known", "technical"]].tolist() == [3, 1]


def test_pdet_report_accounts_for_every_row(pdet):
    report = read_quiet(pdet).report
    assert (report.rows_read, report.rows_used, report.rows_excluded) == (14, 6, 8)
    counts = {p: report.excluded[p]["count"] for p in PROBLEMS}
    assert counts == {
        "malformed_rows": 1,
        "encoding_errors": 0,
        "bad_active_flag": 1,
        "inactive": 1,
        "bad_wage": 3,
        "unknown_municipalities": 1,
        "unknown_industries": 1,
    }
    lines = {p: [i["line"] for i in report.excluded[p]["first"]] for p in PROBLEMS}
    assert lines["malformed_rows"] == [14]
    assert lines["bad_active_flag"] == [13]
    assert lines["bad_wage"] == [10, 11, 15]
    assert lines["unknown_municipalities"] == [9]
    assert lines["unknown_industries"] == [12]
    assert lines["inactive"] == []
    bad = report.excluded["bad_wage"]
    assert bad["by_reason"] == {
        "negative": 1,
        "non-numeric": 1,
        "wrong decimal mark": 1,
    }
    assert [i["value"] for i in bad["first"]] == ["abc", "1200.50", "-5,00"]
    assert {i["column"] for i in bad["first"]} == {"Vl Remun Média Nom"}
    assert report.excluded["bad_active_flag"]["values"] == {"2": 1}
    assert report.excluded["unknown_municipalities"]["codes"] == [
        {"code": "999999", "rows": 1}
    ]
    unknown = report.excluded["unknown_industries"]["codes"][0]
    assert unknown["code"] == "{ñ class}" and "not a CNAE" in unknown["reason"]
    assert report.wages == {"positive": 4, "zero": 1, "missing": 1}
    assert report.schooling_unknown == {"count": 1, "values": {"-1": 1}}
    assert report.occupation_unknown == {"count": 1, "values": {"0000-1": 1}}
    assert report.assumptions == ()
    assert report.files[0]["columns"]["wage"] == "Vl Remun Média Nom"
    assert report.files[0]["layout"] == "pdet"
    assert report.to_dict()["reader"] == "rais_workers"


def test_pdet_class_and_division_levels(pdet):
    by_class = read_quiet(pdet, industry_level="class").measures
    assert list(by_class.index) == [
        ("3145208", "15.31-9"),
        ("3145208", "31.01-2"),
        ("3516200", "15.31-9"),
        ("3516200", "15.39-4"),
    ]
    assert_array_equal(by_class["workers"], [1, 1, 3, 1])
    assert np.isnan(by_class.loc[("3516200", "15.39-4"), "mean_wage"])  # zero only
    assert by_class.loc[("3516200", "15.39-4"), "secondary_share"] == 1.0
    by_division = read_quiet(pdet, industry_level="division").measures
    assert list(by_division.index) == [
        ("3145208", "15"),
        ("3145208", "31"),
        ("3516200", "15"),
    ]


def test_pdet_raise_names_first_bad_line(pdet):
    with pytest.raises(
        InputError,
        match=r"SP2015\.txt: line 9, column 'Município': unknown municipality.*999999",
    ):
        read_rais_workers(pdet, bad_rows="raise")


def test_pdet_raise_on_non_numeric_wage(tmp_path):
    path = write(
        tmp_path / "RS2015.txt",
        ";".join(PDET_HEADER),
        [PDET_LINES[0], worker("431490", "15319", "1", "12x,00", "7", "514320")],
    )
    with pytest.raises(
        InputError, match=r"RS2015\.txt: line 3, column 'Vl Remun Média Nom'.*'12x,00'"
    ):
        read_rais_workers(path, bad_rows="raise")


def test_pdet_crlf_glob_and_utf8(tmp_path):
    folder = tmp_path / "rais"
    folder.mkdir()
    header = ";".join(PDET_HEADER)
    write(folder / "SP2015.txt", header, PDET_LINES[:4], newline="\r\n")
    write(folder / "MG2015.txt", header, PDET_LINES[5:7], encoding="utf-8")
    with pytest.raises(
        InputError, match=r"MG2015\.txt: column 'Município'.*pass encoding='utf-8'"
    ):
        read_rais_workers(folder / "*.txt")
    profile = (
        read_rais_workers([folder / "SP2015.txt"], encoding="latin-1"),
        read_rais_workers([folder / "MG2015.txt"], encoding="utf-8"),
    )
    sp, mg = profile
    assert sp.report.excluded["inactive"]["count"] == 1
    assert_array_equal(sp.measures["workers"], [3])
    assert_allclose(sp.measures["mean_wage"], [2000.25])
    assert_array_equal(mg.measures["workers"], [1, 1])
    assert mg.report.files[0]["encoding"] == "utf-8"


def test_several_files_add_up_and_name_their_lines(tmp_path, pdet):
    other = write(tmp_path / "MG2015.txt", ";".join(PDET_HEADER), PDET_LINES[4:])
    one = read_quiet(pdet)
    both = read_quiet([pdet, other])
    report = both.report
    assert (report.rows_read, report.rows_used) == (14 + 10, 6 + 3)
    assert [f["rows_read"] for f in report.files] == [14, 10]
    assert [(i["file"], i["line"]) for i in report.excluded["bad_wage"]["first"]] == [
        (str(pdet), 10),
        (str(pdet), 11),
        (str(pdet), 15),
        (str(other), 6),
        (str(other), 7),
        (str(other), 11),
    ]
    assert report.excluded["unknown_municipalities"]["codes"] == [
        {"code": "999999", "rows": 2}
    ]
    # Nova Serrana's two lines are in both files: counts double, means do not
    nova = both.totals.loc["3145208"]
    assert_array_equal(nova["workers"], 2 * one.totals.loc["3145208"]["workers"])
    assert_allclose(both.measures.loc["3145208"]["mean_wage"], [1800.0, 2200.0])
    assert_array_equal(both.totals.loc[("3516200", "15.3"), "missing_wages"], 2)


def test_bdd_hand_computed(bdd):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing left out: no warning
        profile = read_rais_workers(bdd)
    m = profile.measures
    assert list(m.index) == [("3548500", "52.3"), ("4118204", "52.3")]
    assert_array_equal(m["workers"], [3, 2])
    assert_allclose(m["mean_wage"], [3200.0 / 2, 4000.5 / 2], rtol=1e-12)
    assert_allclose(m["secondary_share"], [2 / 3, 1 / 2], rtol=1e-12)
    assert_allclose(m["technical_share"], [1 / 3, 1 / 2], rtol=1e-12)
    report = profile.report
    assert report.files[0]["layout"] == "basedosdados"
    assert report.wages == {"positive": 4, "zero": 1, "missing": 0}
    assert "no activity column (vinculo_ativo_3112)" in report.assumptions[0]
    assert "taken as a job active" in report.assumptions[0]
    assert "3548500" in repr(profile) or "2 regions x 1 industries" in repr(profile)


def test_bdd_activity_column_and_class_column(tmp_path):
    lines = [line + ",1" for line in BDD_LINES]
    lines[1] = lines[1][:-1] + "0"  # line 3 inactive
    path = write(tmp_path / "v.csv", BDD_HEADER + ",vinculo_ativo_3112", lines, "utf-8")
    profile = read_rais_workers(path, industry_level="class")
    assert profile.report.assumptions == ()
    assert profile.report.excluded["inactive"]["count"] == 1
    santos = profile.measures.loc[("3548500", "52.31-1")]
    assert santos["workers"] == 2
    assert santos["mean_wage"] == pytest.approx(1159.89)


def test_relative_wage_brazil_and_states(bdd):
    profile = read_rais_workers(bdd)
    national = (3200.0 + 4000.5) / 4
    assert_allclose(
        relative_wage(profile), [1600.0 / national, 2000.25 / national], rtol=1e-12
    )
    states = pd.Series({"3548500": "35", "4118204": "41"})
    assert_allclose(relative_wage(profile.totals, states), [1.0, 1.0])
    assert relative_wage(profile).name == "relative_wage"
    with pytest.raises(InputError, match=r"no reference area in areas: '4118204'"):
        relative_wage(profile, states.iloc[:1])
    with pytest.raises(InputError, match=r"'wage_sum' and 'wage_workers'"):
        relative_wage(profile.measures)


def test_missing_column_names_column_and_file(tmp_path):
    header = BDD_HEADER.replace(",cbo_2002", "")
    lines = [",".join(line.split(",")[:7] + line.split(",")[8:]) for line in BDD_LINES]
    path = write(tmp_path / "nocbo.csv", header, lines, "utf-8")
    with pytest.raises(InputError, match=r"nocbo\.csv: column 'cbo_2002' \(occupation"):
        read_rais_workers(path)
    with pytest.raises(InputError, match=r"column 'CBO' \(occupation\) not found"):
        read_rais_workers(path, occupation_column="CBO")
    path = write(tmp_path / "nocnae.csv", "id_municipio,x", ["3548500,1"], "utf-8")
    with pytest.raises(InputError, match=r"nocnae\.csv: column 'valor_remuneracao"):
        read_rais_workers(path)


def test_explicit_layout_and_options(pdet):
    with pytest.raises(InputError, match=r"column 'id_municipio' \(municipality\)"):
        read_rais_workers(pdet, layout="basedosdados", sep=";", encoding="latin-1")
    with pytest.raises(InputError, match=r"line 1 \(header\) is not valid UTF-8"):
        read_rais_workers(pdet, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"layout='x' is not valid"):
        read_rais_workers(pdet, layout="x")
    with pytest.raises(ConfigError, match=r"encoding='cp850' is not supported"):
        read_rais_workers(pdet, encoding="cp850")
    with pytest.raises(InputError, match="no file given"):
        read_rais_workers([])


def test_unknown_municipality_code(bdd, tmp_path):
    lines = [*BDD_LINES, "SP,5231102,10,900,1,8,7,517410,3548501"]  # bad digit
    path = write(tmp_path / "mun.csv", BDD_HEADER, lines, "utf-8")
    with pytest.warns(
        InputFixWarning, match=r"1 unknown municipalities \(.*mun\.csv:7"
    ):
        profile = read_rais_workers(path)
    entry = profile.report.excluded["unknown_municipalities"]
    assert entry["codes"] == [{"code": "3548501", "rows": 1}]
    assert entry["first"][0]["line"] == 7
    assert profile.report.rows_used == 5
    # against a division table: Paranaguá is not in it
    profile = read_quiet(bdd, codes7=["3548500"])
    assert profile.report.excluded["unknown_municipalities"]["codes"] == [
        {"code": "4118204", "rows": 2}
    ]
    assert list(profile.measures.index) == [("3548500", "52.3")]


def test_decimal_comma_in_a_decimal_point_layout(tmp_path):
    # in a comma-separated file a decimal comma splits the row: malformed
    lines = [*BDD_LINES, "SP,5231102,10,1159,89,1,8,7,517410,3548500"]  # 7
    path = write(tmp_path / "comma.csv", BDD_HEADER, lines, "utf-8")
    with pytest.warns(InputFixWarning, match=r"1 malformed rows \(.*comma\.csv:7\)"):
        report = read_rais_workers(path).report
    assert report.excluded["malformed_rows"]["count"] == 1
    assert [i["line"] for i in report.excluded["malformed_rows"]["first"]] == [7]
    assert report.rows_used == 5
    with pytest.raises(InputError, match=r"comma\.csv: line 7: wrong number of col"):
        read_rais_workers(path, bad_rows="raise")
    # with another separator it is a wage with the wrong decimal mark
    semi = [line.replace(",", ";") for line in lines[:-1]]
    semi.append("SP;5231102;10;1159,89;1;8;7;517410;3548500")  # 7
    path = write(tmp_path / "semi.csv", BDD_HEADER.replace(",", ";"), semi, "utf-8")
    with pytest.warns(InputFixWarning, match=r"1 bad wage \(.*semi\.csv:7\)"):
        report = read_rais_workers(path, layout="basedosdados", sep=";").report
    bad = report.excluded["bad_wage"]
    assert bad["by_reason"] == {"wrong decimal mark": 1}
    assert [(i["line"], i["value"]) for i in bad["first"]] == [(7, "1159,89")]
    with pytest.raises(InputError, match=r"semi\.csv: line 7, column 'valor_rem"):
        read_rais_workers(path, layout="basedosdados", sep=";", bad_rows="raise")
    # the same cells are valid wages where the decimal mark is a comma
    commas = [line.replace(".", ",") for line in semi]
    path = write(tmp_path / "dec.csv", BDD_HEADER.replace(",", ";"), commas, "utf-8")
    profile = read_rais_workers(path, layout="basedosdados", sep=";", decimal=",")
    assert_allclose(
        profile.measures["mean_wage"], [(3200.0 + 1159.89) / 3, 2000.25], rtol=1e-12
    )


def test_industry_class():
    assert industry_class("5231102") == ("52.31-1", "")
    assert industry_class("111301") == ("01.11-3", "")  # lost leading zero
    assert industry_class("1113") == ("01.11-3", "")
    assert industry_class("00000")[0] is None
    assert industry_class("")[0] is None


def test_no_usable_row(tmp_path):
    path = write(tmp_path / "bad.csv", BDD_HEADER, [BDD_LINES[0][:-7] + "999999"])
    with pytest.raises(InputError, match=r"bad\.csv: no usable row"):
        read_quiet(path)


# -- real data: the Base dos Dados extract of RAIS 2020 port warehouse jobs --


@pytest.fixture(scope="module")
def real():
    path = require_shared("employment", "rais_vinculos_2020_port", "rais.csv")
    frame = pd.read_csv(path, dtype=str)
    return path, frame


def _tabulate(frame: pd.DataFrame, industry: pd.Series) -> pd.DataFrame:
    """The same measures with plain pandas, for comparison."""
    data = pd.DataFrame(
        {
            "region": frame["id_municipio"],
            "industry": industry,
            "wage": frame["valor_remuneracao_media"].astype(float),
            "high": frame["grau_instrucao_apos_2005"].astype(int) >= 7,
            "tech": frame["cbo_2002"].str[0].isin(["2", "3"]),
        }
    )
    keys = ["region", "industry"]
    groups = data.groupby(keys)
    return pd.DataFrame(
        {
            "workers": groups.size(),
            "mean_wage": data[data["wage"] > 0].groupby(keys)["wage"].mean(),
            "secondary_share": groups["high"].mean(),
            "technical_share": groups["tech"].mean(),
        }
    )


@pytest.mark.parametrize(
    ("level", "cut"),
    [
        ("group", lambda s: s.str[:2] + "." + s.str[2]),
        ("division", lambda s: s.str[:2]),
        ("class", lambda s: s.str[:2] + "." + s.str[2:4] + "-" + s.str[4]),
    ],
)
def test_real_extract_equals_direct_tabulation(real, level, cut):
    path, frame = real
    profile = read_rais_workers(path, industry_level=level)
    expected = _tabulate(frame, cut(frame["cnae_2_subclasse"].str.zfill(7)))
    got = profile.measures
    assert list(got.index) == list(expected.index)
    assert_array_equal(got["workers"], expected["workers"])
    for column in ("mean_wage", "secondary_share", "technical_share"):
        assert_allclose(got[column], expected[column], rtol=1e-12)


def test_real_extract_report_and_figures(real):
    path, frame = real
    profile = read_rais_workers(path)
    report = profile.report
    assert (report.rows_read, report.rows_used, report.rows_excluded) == (
        38447,
        38447,
        0,
    )
    zero = int((frame["valor_remuneracao_media"].astype(float) == 0).sum())
    assert report.wages == {"positive": 38447 - zero, "zero": zero, "missing": 0}
    assert zero == 2161
    assert profile.totals.index.get_level_values("region").nunique() == 84
    top = profile.measures.sort_values("workers", ascending=False).head(3)
    assert list(top.index.get_level_values("region")) == [
        "3548500",  # Santos
        "4118204",  # Paranaguá
        "3518701",  # Guarujá
    ]
    assert_array_equal(top["workers"], [8281, 3515, 2936])
    totals = profile.totals
    national = totals["wage_sum"].sum() / totals["wage_workers"].sum()
    wages = frame["valor_remuneracao_media"].astype(float)
    assert national == pytest.approx(wages[wages > 0].mean(), rel=1e-12)
    rel = relative_wage(profile)
    assert_allclose(rel, profile.measures["mean_wage"] / national, rtol=1e-12)
    states = (
        pd.Series(frame["sigla_uf"].to_numpy(), index=frame["id_municipio"])
        .groupby(level=0)
        .first()
    )
    by_state = relative_wage(profile, states)
    # a state with one municipality in the extract is its own reference
    single = states.value_counts()[lambda n: n == 1].index
    alone = [r for r, s in states.items() if s in single]
    assert_allclose(by_state.loc[alone].dropna(), 1.0)
