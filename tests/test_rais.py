"""RAIS establishment microdata: exact sums, row-level problems, pipeline run.

The files are built here with the real header of the MTE/PDET "RAIS
Estabelecimentos" layout (ESTB2015.txt / RAIS_ESTAB_PUB.txt), Latin-1 bytes
and real municipality codes: Franca 351620 -> 3516200, Nova Serrana 314520 ->
3145208, Birigui 350650 -> 3506508, São Paulo 355030 -> 3550308.
"""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import pandas as pd
import pytest
from conftest import require_shared
from numpy.testing import assert_allclose
from shapely.geometry import box

import lps_geo
from lps_geo.errors import ConfigError, InputError, LpsGeoWarning
from lps_geo.io import CnaeTable, read_long, read_rais_microdata, read_wide
from lps_geo.io.codes import check_digit as _check_digit
from lps_geo.io.rais_layout import municipality_map as _municipality_map

HEADER = [
    "Bairros SP",
    "Bairros Fortaleza",
    "Bairros RJ",
    "CNAE 2.0 Classe",
    "CNAE 95 Classe",
    "Distritos SP",
    "Qtd Vínculos CLT",
    "Qtd Vínculos Ativos",
    "Qtd Vínculos Estatutários",
    "Ind Atividade Ano",
    "Ind CEI Vinculado",
    "Ind Estab Participa PAT",
    "Ind Rais Negativa",
    "Ind Simples",
    "Município",
    "Natureza Jurídica",
    "Regiões Adm DF",
    "CNAE 2.0 Subclasse",
    "Tamanho Estabelecimento",
    "Tipo Estab",
    "UF",
    "IBGE Subsetor",
    "CEP Estab",
]


def row(mun: str, cnae: str, jobs: str, negative: str = "0") -> str:
    """One establishment line with the real 23 columns."""
    cells = dict.fromkeys(HEADER, "{ñ class}")
    cells.update(
        {
            "Bairros SP": "Sé",
            "CNAE 2.0 Classe": cnae,
            "CNAE 95 Classe": "19313",
            "Distritos SP": "0000",
            "Qtd Vínculos CLT": jobs,
            "Qtd Vínculos Ativos": jobs,
            "Qtd Vínculos Estatutários": "0",
            "Ind Atividade Ano": "1",
            "Ind CEI Vinculado": "0",
            "Ind Estab Participa PAT": "0",
            "Ind Rais Negativa": negative,
            "Ind Simples": "1",
            "Município": mun,
            "Natureza Jurídica": "2062",
            "CNAE 2.0 Subclasse": (cnae + "00") if cnae.isdigit() else cnae,
            "Tamanho Estabelecimento": "3",
            "Tipo Estab": "1",
            "UF": mun[:2],
            "IBGE Subsetor": "8",
            "CEP Estab": "14400000",
        }
    )
    return ";".join(cells[name] for name in HEADER)


def write(path, lines, encoding="latin-1", newline="\n"):
    text = newline.join([";".join(HEADER), *lines]) + newline
    path.write_bytes(text.encode(encoding))
    return path


# file lines are numbered from 1 = header
SP_LINES = [
    row("351620", "15319", "120"),  # 2
    row("351620", "15319", "30"),  # 3
    row("351620", "15394", "10"),  # 4
    row("351620", "15319", "0", "1"),  # 5 negative declaration
    row("351620", "31012", "7"),  # 6
    row("351620", "1113", "4"),  # 7 class 01.11-3, leading zero lost
    row("999999", "15319", "5"),  # 8 municipality "Ignorado"
    "Sé;{ñ class};{ñ class};15319;19313",  # 9 wrong number of columns
    row("351620", "15319", "x12"),  # 10 non-numeric jobs
    row("351620", "{ñ class}", "3"),  # 11 unknown class
    row("351620", "15319", "-2"),  # 12 negative jobs
]
MG_LINES = [
    row("314520", "15319", "200"),  # 2
    row("314520", "15394", "50"),  # 3
    row("314520", "15394", "0", "1"),  # 4 negative declaration
    row("314520", "31012", "9"),  # 5
    row("314520", "15319", "1") + ";extra",  # 6 one column too many
    row("314520", "15319", ""),  # 7 empty jobs
]


@pytest.fixture
def rais_dir(tmp_path):
    folder = tmp_path / "rais"
    folder.mkdir()
    write(folder / "ESTB2015_SP.txt", SP_LINES)
    write(folder / "ESTB2015_MG.txt", MG_LINES, newline="\r\n")
    return folder


@pytest.fixture
def tables(rais_dir):
    with pytest.warns(LpsGeoWarning, match=r"7 of 17 rows left out"):
        return read_rais_microdata(str(rais_dir / "ESTB2015_*.txt"))


def test_exact_sums_by_group(tables):
    emp, est = tables.employment, tables.establishments
    assert emp.index.tolist() == ["3145208", "3516200"]
    assert emp.columns.tolist() == ["01.1", "15.3", "31.0"]
    assert est.index.equals(emp.index) and est.columns.equals(emp.columns)
    # Franca: 120 + 30 + 10 + 0 jobs in 15.3; 3 establishments (line 5 is a
    # negative declaration); Nova Serrana: 200 + 50 + 0, 2 establishments
    assert_allclose(emp.loc["3516200"].to_numpy(), [4.0, 160.0, 7.0])
    assert_allclose(est.loc["3516200"].to_numpy(), [1.0, 3.0, 1.0])
    assert_allclose(emp.loc["3145208"].to_numpy(), [0.0, 250.0, 9.0])
    assert_allclose(est.loc["3145208"].to_numpy(), [0.0, 2.0, 1.0])
    assert emp.index.name == "region" and emp.columns.name == "industry"


def test_exact_sums_by_class_and_all_rows(rais_dir):
    with pytest.warns(LpsGeoWarning):
        t = read_rais_microdata(
            [rais_dir / "ESTB2015_SP.txt", rais_dir / "ESTB2015_MG.txt"],
            industry_level="class",
            establishments="all",
        )
    emp, est = t.employment, t.establishments
    assert emp.columns.tolist() == ["01.11-3", "15.31-9", "15.39-4", "31.01-2"]
    assert_allclose(emp.loc["3516200"].to_numpy(), [4.0, 150.0, 10.0, 7.0])
    assert_allclose(emp.loc["3145208"].to_numpy(), [0.0, 200.0, 50.0, 9.0])
    # "all" counts the negative declarations too
    assert_allclose(est.loc["3516200"].to_numpy(), [1.0, 3.0, 1.0, 1.0])
    assert_allclose(est.loc["3145208"].to_numpy(), [0.0, 1.0, 2.0, 1.0])
    assert t.report.establishments_definition.startswith("all rows")


def test_division_level(rais_dir):
    with pytest.warns(LpsGeoWarning):
        t = read_rais_microdata(rais_dir / "ESTB2015_SP.txt", industry_level="division")
    assert t.employment.columns.tolist() == ["01", "15", "31"]
    assert_allclose(t.employment.loc["3516200"].to_numpy(), [4.0, 160.0, 7.0])


def test_report_accounts_for_every_row(tables):
    assert tables.report.rows_excluded == 7
    assert tables.report.reader == "rais_microdata"
    r = tables.report.to_dict()
    assert list(r)[:2] == ["reader", "files"] and list(r)[-1] == "rows_excluded"
    assert [f["path"].rsplit("/", 1)[-1] for f in r["files"]] == [
        "ESTB2015_MG.txt",
        "ESTB2015_SP.txt",
    ]
    assert [(f["rows_read"], f["rows_used"]) for f in r["files"]] == [(6, 4), (11, 6)]
    assert (r["rows_read"], r["rows_used"], r["rows_excluded"]) == (17, 10, 7)
    assert r["jobs_used"] == 4 + 160 + 7 + 250 + 9
    assert r["establishments_used"] == 8
    assert r["negative_declarations"] == 2
    assert r["columns"]["jobs_column"] == "Qtd Vínculos Ativos"
    json.dumps(r)  # goes into the run report as is


def test_malformed_rows_with_line_numbers(tables):
    bad = tables.report.malformed_rows
    assert bad["count"] == 2
    assert [(i["file"].rsplit("/", 1)[-1], i["line"]) for i in bad["first"]] == [
        ("ESTB2015_MG.txt", 6),
        ("ESTB2015_SP.txt", 9),
    ]
    assert bad["first"][0]["reason"].startswith("too many columns")
    assert "Expected Number of Columns: 23 Found: 24" in bad["first"][0]["reason"]
    assert bad["first"][1]["reason"].startswith("missing columns")
    assert bad["first"][1]["text"] == "Sé;{ñ class};{ñ class};15319;19313"


def test_bad_jobs_with_line_numbers(tables):
    bad = tables.report.bad_jobs
    assert bad["count"] == 3
    assert bad["by_reason"] == {"empty": 1, "negative": 1, "non-numeric": 1}
    found = [
        (i["file"].rsplit("/", 1)[-1], i["line"], i["value"]) for i in bad["first"]
    ]
    assert found == [
        ("ESTB2015_MG.txt", 7, ""),
        ("ESTB2015_SP.txt", 10, "x12"),
        ("ESTB2015_SP.txt", 12, "-2"),
    ]


def test_unknown_codes_reported(tables):
    mun = tables.report.unknown_municipalities
    assert (mun["rows"], mun["jobs"]) == (1, 5.0)
    assert mun["codes"] == [{"code": "999999", "rows": 1, "jobs": 5.0}]
    cls = tables.report.unknown_classes
    assert (cls["rows"], cls["jobs"]) == (1, 3.0)
    assert cls["codes"][0]["code"] == "{ñ class}"
    assert "not a CNAE 2.0 class code" in cls["codes"][0]["reason"]


def test_warning_summarises_counts(rais_dir):
    with pytest.warns(LpsGeoWarning) as record:
        read_rais_microdata(rais_dir / "ESTB2015_*.txt")
    (message,) = [str(w.message) for w in record]
    assert "\n" not in message
    for part in (
        "2 malformed",
        "3 with unusable job counts (1 empty, 1 negative, 1 non-numeric",
        "1 with an unknown municipality code ('999999')",
        "1 with an unknown CNAE class ('{ñ class}')",
    ):
        assert part in message


def test_cnae_table_and_codes7(tmp_path):
    path = write(
        tmp_path / "e.txt",
        [
            row("351620", "15319", "10"),
            row("351620", "31012", "2"),
            row("314520", "15319", "4"),
        ],
    )
    cnae = CnaeTable.from_records(
        [
            ("15", "Couros e calçados"),
            ("15.3", "Calçados"),
            ("15.31-9", "Calçados de couro"),
        ]
    )
    with pytest.warns(LpsGeoWarning, match="2 of 3 rows left out"):
        t = read_rais_microdata(path, cnae=cnae, codes7=["3516200", "3550308"])
    r = t.report.to_dict()
    # Nova Serrana is absent from codes7; 31.01-2 is absent from the table
    assert r["unknown_municipalities"]["codes"] == [
        {"code": "314520", "rows": 1, "jobs": 4.0}
    ]
    assert r["unknown_classes"]["codes"][0]["reason"] == (
        "class 31.01-2 is not in CNAE table"
    )
    assert_allclose(t.employment.loc["3516200", "15.3"], 10.0)


def test_bad_rows_raise_names_file_line_and_column(rais_dir, tmp_path):
    sp = rais_dir / "ESTB2015_SP.txt"
    with pytest.raises(
        InputError,
        match=r"ESTB2015_SP.txt: line 8, column 'Município': unknown "
        r"municipality code '999999'; fix the row, or set \[inputs.size\] "
        r'bad_rows = "report"',
    ):
        read_rais_microdata(sp, bad_rows="raise")
    jobs = write(
        tmp_path / "j.txt", [row("351620", "15319", "1"), row("351620", "15319", "1.5")]
    )
    with pytest.raises(
        InputError,
        match=r"j.txt: line 3, column 'Qtd Vínculos Ativos': non-numeric job "
        r"count '1.5'",
    ):
        read_rais_microdata(jobs, bad_rows="raise")
    mg = rais_dir / "ESTB2015_MG.txt"
    with pytest.raises(
        InputError,
        match=r"ESTB2015_MG.txt: line 6: malformed row \(too many columns: "
        r"Expected Number of Columns: 23 Found: 24\)",
    ):
        read_rais_microdata(mg, bad_rows="raise")
    clean = write(tmp_path / "ok.txt", [row("351620", "15319", "1")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ok = read_rais_microdata(clean, bad_rows="raise")
    assert ok.report.rows_used == 1


def test_utf8_and_latin1(tmp_path):
    latin = write(tmp_path / "latin.txt", [row("351620", "15319", "3")])
    with pytest.raises(
        InputError,
        match=r"latin.txt: line 1 \(header\) is not valid UTF-8 \(byte 0xed at "
        r"position \d+\); RAIS files are Latin-1: set \[inputs.size\] "
        r'encoding = "latin-1"',
    ):
        read_rais_microdata(latin, encoding="utf-8")
    # a UTF-8 file with one Latin-1 line (the "Sé" of line 3)
    text = "\n".join([";".join(HEADER), row("351620", "15319", "3")]) + "\n"
    data = (
        text.encode("utf-8")
        + (row("351620", "15319", "4") + "\n").encode("latin-1")
        + (row("351620", "15319", "5") + "\n").encode("utf-8")
    )
    mixed = tmp_path / "mixed.txt"
    mixed.write_bytes(data)
    with pytest.warns(
        LpsGeoWarning,
        match=r"1 not valid in the encoding \(.*"
        r"mixed.txt:3; RAIS files are Latin-1",
    ):
        t = read_rais_microdata(mixed, encoding="utf-8")
    assert t.report.encoding_errors["count"] == 1
    assert t.report.encoding_errors["first"][0]["line"] == 3
    assert_allclose(t.employment.loc["3516200", "15.3"], 8.0)
    with pytest.raises(
        InputError,
        match=r'mixed.txt: line 3 is not valid UTF-8; .*encoding = "latin-1"',
    ):
        read_rais_microdata(mixed, encoding="utf-8", bad_rows="raise")
    # the Latin-1 reading of the same bytes keeps every row
    t = read_rais_microdata(latin)
    assert t.report.rows_used == 1


def test_argument_errors(rais_dir, tmp_path):
    with pytest.raises(InputError, match=r"no file matches this pattern"):
        read_rais_microdata(str(tmp_path / "nothing*.txt"))
    with pytest.raises(ConfigError, match=r"establishments='active_only'"):
        read_rais_microdata(rais_dir / "ESTB2015_SP.txt", establishments="active_only")
    with pytest.raises(ConfigError, match=r"encoding='utf-16' is not supported"):
        read_rais_microdata(rais_dir / "ESTB2015_SP.txt", encoding="utf-16")
    with pytest.raises(
        InputError,
        match=r"column 'Qtd Empregos' not found; pass jobs_column= one of the "
        r"header's columns: 'Bairros SP'",
    ):
        read_rais_microdata(rais_dir / "ESTB2015_SP.txt", jobs_column="Qtd Empregos")


def test_check_digit_rule():
    assert _check_digit("351620") == "0"  # Franca 3516200
    assert _check_digit("314520") == "8"  # Nova Serrana 3145208
    assert _check_digit("350650") == "8"  # Birigui 3506508
    mapped = _municipality_map(
        ["351620", "220191", "999999", "991234", "3516200"], None
    )
    assert mapped == {
        "351620": "3516200",
        "220191": "2201919",  # Bom Princípio do Piauí breaks the rule
        "999999": None,
        "991234": None,  # no state 99
        "3516200": "3516200",
    }


def test_check_digit_matches_every_ibge_code():
    path = require_shared("lookups", "brasil-municipios.csv")
    codes = pd.read_csv(path, dtype=str)["id"]
    mapped = _municipality_map(codes.str[:6], None)
    assert len(codes) == 5570
    assert [mapped[c[:6]] for c in codes] == codes.tolist()


def test_memory_limit_and_temp_directory(rais_dir, tmp_path):
    spill = tmp_path / "spill"
    spill.mkdir()
    with pytest.warns(LpsGeoWarning):
        t = read_rais_microdata(
            rais_dir / "ESTB2015_*.txt",
            memory_limit="64MB",
            temp_directory=spill,
            threads=1,
        )
    assert_allclose(t.employment.loc["3145208", "15.3"], 250.0)


def test_long_and_wide_readers_name_rows(tmp_path):
    """Malformed cells of the table readers are reported with their file row."""
    path = tmp_path / "long.csv"
    path.write_text(
        "year,mun,cnae,jobs\n2014,3516200,15.3,1\n2015,3516200,15.3,2\n"
        "2015,3550308,15.4,-2\n"
    )
    # row numbers are file rows, also after where= dropped rows
    with pytest.raises(
        InputError,
        match=r"column 'jobs' has 1 negative count\(s\): row 4 "
        r"\(region/industry 3550308/15.4\)",
    ):
        read_long(path, "mun", "cnae", "jobs", where={"year": 2015})
    path.write_text("year,mun,cnae,jobs\n2014,3516200,15.3,x\n2015,3516200,15.3,y\n")
    with pytest.raises(InputError, match=r"not counts: row 3 .* 'y'"):
        read_long(path, "mun", "cnae", "jobs", where={"year": 2015})
    wide = tmp_path / "wide.csv"
    wide.write_text("mun,15.3,16.1\n3516200,7,1\n3550308,2,-1\n")
    with pytest.raises(
        InputError,
        match=r"column '16.1' has 1 negative count\(s\): row 3 "
        r"\(region 3550308\)",
    ):
        read_wide(wide, "mun", "establishments")


def test_pipeline_run_reports_rais_rows(tmp_path):
    codes = ["3516200", "3506508", "3145208", "3550308"]
    cells = [box(i * 1e4, 0, (i + 1) * 1e4, 1e4) for i in range(4)]
    gpd.GeoDataFrame(
        {"CD_MUN": codes, "NM_MUN": ["Franca", "Birigui", "Nova Serrana", "SP"]},
        geometry=cells,
        crs=5880,
    ).to_file(tmp_path / "b.gpkg")
    folder = tmp_path / "rais"
    folder.mkdir()
    write(
        folder / "RAIS_ESTAB_PUB_SP.txt",
        [
            row("351620", "15319", "80"),
            row("351620", "31012", "20"),
            row("350650", "15319", "60"),
            row("350650", "31012", "40"),
            row("355030", "15319", "10"),
            row("355030", "31012", "90"),
            row("999999", "15319", "7"),
        ],
    )
    write(
        folder / "RAIS_ESTAB_PUB_MG.txt",
        [
            row("314520", "15319", "70"),
            row("314520", "31012", "30"),
            row("314520", "31012", "0", "1"),
        ],
    )
    cfg = lps_geo.config_from_dict(
        {
            "inputs": {
                "boundaries": {"path": str(tmp_path / "b.gpkg")},
                "size": {"path": "rais/RAIS_ESTAB_PUB_*.txt", "form": "rais_microdata"},
            },
            "statistics": {"permutations": 0},
        },
        base=tmp_path,
    )
    assert cfg.inputs.size.bad_rows == "report"
    with pytest.warns(LpsGeoWarning):
        res = lps_geo.run(cfg)
    size = res.report.inputs["size"]
    assert size["form"] == "rais_microdata"
    assert (size["rows_read"], size["rows_used"]) == (10, 9)
    assert size["unknown_municipalities"]["codes"] == [
        {"code": "999999", "rows": 1, "jobs": 7.0}
    ]
    assert any("1 with an unknown municipality code" in w for w in res.report.warnings)
    mun = res.municipalities.set_index("region")
    assert_allclose(
        mun.loc[codes, "employment_total"].to_numpy(), [100.0, 100.0, 100.0, 100.0]
    )
    assert_allclose(
        mun.loc[codes, "establishments_total"].to_numpy(), [2.0, 2.0, 2.0, 2.0]
    )
    ind = res.indicators.set_index(["region", "industry"])
    # QL of footwear in Franca: (80/100) / (220/400)
    assert_allclose(ind.loc[("3516200", "15.3"), "ql"], 0.8 / (220 / 400))
    json.dumps(res.report.to_dict(), default=str)
