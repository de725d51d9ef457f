"""Hostile corpus: size tables, the CNAE table and the lookup, one flaw each.

Each case spoils one cell, row or column of the valid baseline and runs
``lps-geo run``: either it stops with one error line naming the file, the
column, the file row and the region, and the configuration key that would
read the cell, or a documented policy lets it succeed with the right totals
and the fix announced in ``report.json``.
"""

from __future__ import annotations

import csv
import io

import geopandas as gpd
import pandas as pd
import pytest
from hostile import (
    CODES,
    TOTAL_JOBS,
    assert_fails,
    assert_succeeds,
    read_employment,
    run,
)

#: Row 5 of the long table: region CODES[1], industry 15.3, 437 jobs.
LONG_CELL = ("cod_ibge", 5, "empregos", CODES[1], 437)
#: Row 5 of the wide table: region CODES[3], column 15.3, 3 jobs.
WIDE_CELL = ("cod_ibge", 5, "15.3", CODES[3], 3)


def _rows(baseline, name="employment.csv") -> list[list[str]]:
    return list(csv.reader(io.StringIO(baseline.path(name).read_text("utf-8"))))


def _write(baseline, rows, name="employment.csv") -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    baseline.path(name).write_text(out.getvalue(), encoding="utf-8")


def _set_cell(baseline, row: int, column: str, text: str) -> None:
    """Write ``text`` into file row ``row`` (1 = header) of ``column``."""
    rows = _rows(baseline)
    rows[row - 1][rows[0].index(column)] = text
    _write(baseline, rows)


def _make_wide(baseline) -> None:
    """Rewrite employment.csv as one row per region, one column per group."""
    long = pd.read_csv(
        baseline.path("employment.csv"), dtype={"cod_ibge": str, "cnae_grupo": str}
    )
    wide = long.pivot(index="cod_ibge", columns="cnae_grupo", values="empregos")
    wide = wide.loc[CODES, ["15.3", "10.1", "31.0"]].reset_index()
    wide.to_csv(baseline.path("employment.csv"), index=False)
    baseline.configure(
        inputs={
            "size": {
                "form": "wide",
                "industry_column": None,
                "employment_column": None,
                "establishments_column": None,
                "measure": "employment",
                "industry_names": "code",
            }
        }
    )


def _form(baseline, form: str):
    if form == "wide":
        _make_wide(baseline)
        return WIDE_CELL
    return LONG_CELL


def _size(baseline, **keys) -> None:
    baseline.configure(inputs={"size": keys})


# ------------------------------------------------------------ count cells


@pytest.mark.parametrize("form", ["long", "wide"])
@pytest.mark.parametrize(
    ("text", "culprits"),
    [
        ("2.400", ["non-integer", 'thousands = "."']),
        ("12,5", ["not counts", 'decimal = ","']),
        ("1.234,5", ["not counts", 'thousands = "." and decimal = ","']),
        ("", ["blank count", 'blank = "zero"']),
        ("NaN", ["blank count", "'NaN'", 'blank = "zero"']),
        ("-", ["blank count", "IBGE's dash", 'blank = "zero"']),
        ("X", ["suppressed", "confidentiality"]),
        ("-3", ["negative count", "'-3'"]),
        ("2.5", ["non-integer", "'2.5'"]),
        ("many", ["not counts", "'many'"]),
    ],
)
def test_a_bad_count_cell_is_an_error_naming_the_cell(baseline, form, text, culprits):
    _region_column, row, column, region, _value = _form(baseline, form)
    _set_cell(baseline, row, column, text)
    digest = baseline.inputs_digest()
    outcome = run(baseline)
    assert_fails(
        baseline,
        outcome,
        "employment.csv",
        repr(column),
        f"row {row}",
        region,
        *culprits,
        digest=digest,
    )


@pytest.mark.parametrize("form", ["long", "wide"])
def test_thousands_dot_reads_2400(baseline, form):
    _region_column, row, column, _region, value = _form(baseline, form)
    _set_cell(baseline, row, column, "2.400")
    _size(baseline, thousands=".")
    report = assert_succeeds(baseline, run(baseline))
    assert read_employment(baseline).to_numpy().sum() == TOTAL_JOBS - value + 2400
    assert not [w for w in report["warnings"] if "employment.csv" in w]


@pytest.mark.parametrize("text", ["-", "", "NaN", "null"])
def test_blank_zero_reads_blanks_as_zero_with_a_warning(baseline, text):
    _set_cell(baseline, 5, "empregos", text)
    _size(baseline, blank="zero")
    outcome = run(baseline)
    report = assert_succeeds(baseline, outcome)
    assert read_employment(baseline).to_numpy().sum() == TOTAL_JOBS - 437
    (message,) = [w for w in report["warnings"] if "blank count cell" in w]
    assert "employment.csv" in message and "row 5" in message
    assert "1 blank count cell(s)" in message and 'blank = "zero"' in message
    assert any("blank count cell" in line for line in outcome.warnings)


def test_suppressed_x_is_an_error_even_with_blank_zero(baseline):
    _set_cell(baseline, 5, "empregos", "X")
    _size(baseline, blank="zero")
    assert_fails(baseline, run(baseline), "employment.csv", "row 5", "suppressed")


def test_an_outlier_cell_is_an_error_naming_cell_and_ratio(baseline):
    # the largest footwear cell (CODES[5], 585 jobs, row 17) gets 3 more digits
    _set_cell(baseline, 17, "empregos", "585000")
    digest = baseline.inputs_digest()
    line = assert_fails(
        baseline,
        run(baseline),
        "employment.csv",
        "'empregos'",
        "row 17",
        CODES[5],
        "585000",
        "1,068x the second-largest",
        'outliers = "warn"',
        digest=digest,
    )
    assert "implausible" in line


def test_outliers_warn_keeps_the_cell_with_a_warning(baseline):
    _set_cell(baseline, 17, "empregos", "585000")
    _size(baseline, outliers="warn")
    report = assert_succeeds(baseline, run(baseline))
    assert read_employment(baseline).to_numpy().sum() == TOTAL_JOBS - 585 + 585000
    assert any("implausible" in w and "row 17" in w for w in report["warnings"])


# ------------------------------------------------------- rows and columns


def test_a_header_only_table_names_the_file(baseline):
    _write(baseline, _rows(baseline)[:1])
    assert_fails(baseline, run(baseline), "employment.csv", "header but no data rows")


def test_a_repeated_wide_column_is_named_with_both_positions(baseline):
    _make_wide(baseline)
    rows = _rows(baseline)
    _write(baseline, [row + [row[1]] for row in rows])  # 15.3 again at column 5
    assert_fails(
        baseline,
        run(baseline),
        "employment.csv",
        "repeats",
        "'15.3' (columns 2, 5)",
        "rename or remove the duplicate",
    )


@pytest.mark.parametrize("form", ["long", "wide"])
def test_a_total_row_is_dropped_with_a_warning(baseline, form):
    _form(baseline, form)
    rows = _rows(baseline)
    width = len(rows[0])
    total = ["Total"] + [""] * (width - 1)
    counted = 2 if form == "long" else 1
    for k in range(counted, width):
        total[k] = str(sum(int(r[k]) for r in rows[1:]))
    _write(baseline, rows + [total])
    outcome = run(baseline)
    report = assert_succeeds(baseline, outcome)
    assert read_employment(baseline).to_numpy().sum() == TOTAL_JOBS
    (message,) = [w for w in report["warnings"] if "total row" in w]
    assert f"row {len(rows) + 1} ('Total'" in message and "employment.csv" in message


def test_repeated_long_rows_are_summed_with_a_warning(baseline):
    rows = _rows(baseline)
    _write(baseline, rows + [rows[4]])  # row 5 again, as row 50
    report = assert_succeeds(baseline, run(baseline))
    assert read_employment(baseline).to_numpy().sum() == TOTAL_JOBS + 437
    (message,) = [w for w in report["warnings"] if "were summed" in w]
    assert f"{CODES[1]}/15.3 on rows 5, 50" in message


def test_a_repeated_all_zero_wide_row_is_summed_with_a_warning(baseline):
    _make_wide(baseline)
    rows = _rows(baseline)
    _write(baseline, rows + [[CODES[3], "0", "0", "0"]])  # as Pinto Bandeira
    report = assert_succeeds(baseline, run(baseline))
    assert read_employment(baseline).to_numpy().sum() == TOTAL_JOBS
    (message,) = [w for w in report["warnings"] if "were summed" in w]
    assert f"{CODES[3]} on rows 5, 18 (1 of them all zero)" in message


@pytest.mark.parametrize(
    ("key", "wrong"),
    [("region_column", "cod_mun"), ("employment_column", "emprego")],
)
def test_an_unknown_column_names_the_configuration_key(baseline, key, wrong):
    _size(baseline, **{key: wrong})
    assert_fails(
        baseline,
        run(baseline),
        "employment.csv",
        repr(wrong),
        f"set [inputs.size] {key} =",
        "'cod_ibge'",
    )


@pytest.mark.parametrize(
    ("text", "culprit"), [("", "empty region code"), ("SP-Franca", "'SP-Franca'")]
)
def test_a_bad_region_code_names_the_row(baseline, text, culprit):
    _set_cell(baseline, 5, "cod_ibge", text)
    assert_fails(
        baseline, run(baseline), "employment.csv", "'cod_ibge'", "row 5", culprit
    )


def test_mixed_cnae_levels_name_the_rows_and_codes(baseline):
    _set_cell(baseline, 5, "cnae_grupo", "15.31-9")
    assert_fails(
        baseline,
        run(baseline),
        "employment.csv",
        "'cnae_grupo'",
        "mixes CNAE levels",
        "row 5 '15.31-9' (class)",
    )


def test_an_unknown_cnae_code_names_code_and_row(baseline):
    _set_cell(baseline, 5, "cnae_grupo", "99.9")
    assert_fails(
        baseline, run(baseline), "employment.csv", "cnae.csv", "'99.9' (row 5)"
    )


def test_a_cnae_table_missing_a_code_names_both_files(baseline):
    cnae = pd.read_csv(baseline.path("cnae.csv"), dtype=str)
    cnae[cnae["code"] != "31.0"].to_csv(baseline.path("cnae.csv"), index=False)
    assert_fails(
        baseline, run(baseline), "employment.csv", "cnae.csv", "'31.0' (row 4)"
    )


def test_rais_six_digit_codes_are_matched(baseline):
    rows = _rows(baseline)
    _write(baseline, [rows[0]] + [[r[0][:6], *r[1:]] for r in rows[1:]])
    assert_succeeds(baseline, run(baseline))
    employment = read_employment(baseline)
    assert sorted(employment.index) == sorted(CODES)
    assert employment.to_numpy().sum() == TOTAL_JOBS


# ------------------------------------------------- boundaries and lookup


def test_zero_padded_boundary_codes_are_not_blamed_on_the_table(baseline):
    """The boundary reader strips the padding (and says so); the table's codes
    then match (without it, validate_against_boundaries names the boundary
    file: tests/test_size_cells.py)."""
    path = baseline.path("municipalities.geojson")
    mesh = gpd.read_file(path)
    mesh["CD_MUN"] = "0" + mesh["CD_MUN"].astype(str)
    mesh.to_file(path, driver="GeoJSON")
    outcome = run(baseline)
    assert_succeeds(baseline, outcome)
    assert read_employment(baseline).to_numpy().sum() == TOTAL_JOBS
    assert "employment.csv" not in outcome.stderr


def test_codes_dropped_for_empty_geometry_blame_the_boundaries(baseline):
    path = baseline.path("municipalities.geojson")
    mesh = gpd.read_file(path)
    mesh.loc[mesh["CD_MUN"] == CODES[2], "geometry"] = None
    mesh.to_file(path, driver="GeoJSON")
    line = assert_fails(
        baseline,
        run(baseline),
        "employment.csv",
        CODES[2],
        "dropped from the boundaries (empty geometry)",
        "municipalities.geojson",
    )
    assert "outside_boundaries" in line


def test_a_lookup_missing_a_municipality_names_it(baseline):
    lookup = pd.read_csv(baseline.path("micro.csv"), dtype=str)
    lookup[lookup["cod_ibge"] != CODES[7]].to_csv(
        baseline.path("micro.csv"), index=False
    )
    assert_fails(baseline, run(baseline), "micro.csv", CODES[7])


def test_a_lookup_row_without_group_names_code_and_row(baseline):
    rows = _rows(baseline, "micro.csv")
    rows[5][1] = ""
    _write(baseline, rows, "micro.csv")
    assert_fails(
        baseline, run(baseline), "micro.csv", "'cod_micro'", f"{CODES[4]} (row 6)"
    )


def test_a_bad_population_value_names_the_region(baseline):
    path = baseline.path("municipalities.geojson")
    mesh = gpd.read_file(path)
    mesh["POP"] = [1000.0 + k for k in range(len(mesh))]
    mesh.loc[mesh["CD_MUN"] == CODES[6], "POP"] = -5.0
    mesh.to_file(path, driver="GeoJSON")
    baseline.configure(inputs={"boundaries": {"population_column": "POP"}})
    assert_fails(
        baseline,
        run(baseline),
        "municipalities.geojson",
        "'POP'",
        f"region {CODES[6]} (-5.0): negative",
        "[inputs.boundaries] population_column",
    )


@pytest.mark.parametrize(
    ("text", "culprit"), [("calçados", "'calçados' (in row 5)"), ("", "row 5")]
)
def test_a_bad_industry_code_names_the_row(baseline, text, culprit):
    _set_cell(baseline, 5, "cnae_grupo", text)
    assert_fails(baseline, run(baseline), "employment.csv", "'cnae_grupo'", culprit)


def test_ibge_not_available_mark_is_named(baseline):
    _set_cell(baseline, 5, "empregos", "...")
    assert_fails(
        baseline, run(baseline), "employment.csv", "row 5", "'...'", "not available"
    )


# ------------------------------------------------- file formats (review 2)


@pytest.mark.parametrize("name", ["employment.xlsx", "employment.xls"])
def test_a_csv_with_an_excel_name_is_named_as_a_csv(baseline, name):
    baseline.path(name).write_bytes(baseline.path("employment.csv").read_bytes())
    _size(baseline, path=name)
    assert_fails(baseline, run(baseline), name, "not an Excel workbook", "CSV")


def test_an_empty_excel_file_is_named(baseline):
    baseline.path("employment.xlsx").write_bytes(b"")
    _size(baseline, path="employment.xlsx")
    assert_fails(baseline, run(baseline), "employment.xlsx", "empty (0 bytes)")


def test_a_cnae_table_that_is_a_csv_named_xls_is_named(baseline):
    baseline.path("cnae.xls").write_bytes(baseline.path("cnae.csv").read_bytes())
    baseline.configure(inputs={"cnae": "cnae.xls"})
    assert_fails(baseline, run(baseline), "cnae.xls", "not an Excel workbook")


def test_a_missing_sheet_lists_the_sheets(baseline):
    frame = pd.read_csv(baseline.path("employment.csv"), dtype=str)
    frame.to_excel(baseline.path("employment.xlsx"), index=False, sheet_name="Dados")
    _size(baseline, path="employment.xlsx", sheet="Plan1")
    assert_fails(
        baseline,
        run(baseline),
        "employment.xlsx",
        "'Plan1' not found",
        "'Dados'",
        "[inputs.size] sheet",
    )


def test_a_sheet_on_a_csv_is_an_error(baseline):
    _size(baseline, sheet="Dados")
    assert_fails(
        baseline, run(baseline), "employment.csv", "[inputs.size] sheet", "Excel"
    )


def test_an_unknown_encoding_names_the_key(baseline):
    _size(baseline, encoding="latin9x")
    # checked by the configuration (or, when read, by read_table)
    assert_fails(baseline, run(baseline), "'latin9x'", "[inputs.size] encoding")


@pytest.mark.parametrize(
    ("value", "culprit"),
    [("63.412", "thousands mark"), (1000.5, "not a whole number")],
)
def test_a_population_with_thousands_dots_or_fractions_is_an_error(
    baseline, value, culprit
):
    """Text "63.412" is never read as 63.412 (review 1)."""
    path = baseline.path("municipalities.geojson")
    mesh = gpd.read_file(path)
    text = isinstance(value, str)
    mesh["POP"] = [str(1000 + k) if text else 1000.0 + k for k in range(len(mesh))]
    mesh.loc[mesh["CD_MUN"] == CODES[6], "POP"] = value
    mesh.to_file(path, driver="GeoJSON")
    baseline.configure(inputs={"boundaries": {"population_column": "POP"}})
    assert_fails(
        baseline,
        run(baseline),
        "municipalities.geojson",
        "'POP'",
        f"region {CODES[6]}",
        culprit,
        "plain whole numbers",
        "[inputs.boundaries] population_column",
    )


# ------------------------------------------- codes not in the boundaries


@pytest.mark.parametrize(
    ("code", "culprit"),
    [
        (CODES[1][:6] + str((int(CODES[1][6]) + 1) % 10), "wrong check digit?"),
        ("19", "a state code"),
        ("9999999", "'not identified'"),
    ],
)
def test_a_code_not_in_the_boundaries_names_column_row_and_look(
    baseline, code, culprit
):
    """Review 6: the column, the file row and what the code looks like."""
    _set_cell(baseline, 5, "cod_ibge", code)
    assert_fails(
        baseline,
        run(baseline),
        "employment.csv",
        "'cod_ibge'",
        f"{code} (row 5",
        culprit,
        "[inputs.size] outside_boundaries",
    )


def test_zero_padded_table_codes_are_stripped_with_a_warning(baseline):
    """As the boundary reader does (review 6)."""
    rows = _rows(baseline)
    _write(baseline, [rows[0]] + [["0" + r[0], *r[1:]] for r in rows[1:]])
    report = assert_succeeds(baseline, run(baseline))
    assert read_employment(baseline).to_numpy().sum() == TOTAL_JOBS
    (message,) = [w for w in report["warnings"] if "leading zeros" in w]
    assert "employment.csv" in message and "'cod_ibge'" in message
    assert f"0{CODES[0]} -> {CODES[0]}" in message


# ------------------------------------- dropped wide columns (review 7)


def test_a_nonzero_unclassified_column_is_dropped_with_a_warning(baseline):
    _make_wide(baseline)
    rows = _rows(baseline)
    _write(baseline, [rows[0] + ["{ñ class}"]] + [r + ["2"] for r in rows[1:]])
    report = assert_succeeds(baseline, run(baseline))
    assert read_employment(baseline).to_numpy().sum() == TOTAL_JOBS
    (message,) = [w for w in report["warnings"] if "{ñ class}" in w]
    assert "holds 32 in 16 row(s)" in message and "denominator" in message


def test_a_total_column_is_checked_against_the_industries(baseline):
    _make_wide(baseline)
    rows = _rows(baseline)
    body = [r + [str(sum(int(v) for v in r[1:]))] for r in rows[1:]]
    body[3][-1] = str(int(body[3][-1]) + 10)  # file row 5 disagrees
    _write(baseline, [rows[0] + ["Total"]] + body)
    report = assert_succeeds(baseline, run(baseline))
    assert read_employment(baseline).to_numpy().sum() == TOTAL_JOBS
    (message,) = [w for w in report["warnings"] if "'Total'" in w]
    assert "disagrees" in message and "1 row(s): row 5" in message


def test_a_total_column_equal_to_the_row_sums_goes_quietly(baseline):
    _make_wide(baseline)
    rows = _rows(baseline)
    body = [r + [str(sum(int(v) for v in r[1:]))] for r in rows[1:]]
    _write(baseline, [rows[0] + ["Total"]] + body)
    report = assert_succeeds(baseline, run(baseline))
    assert not [w for w in report["warnings"] if "'Total'" in w]


def test_where_on_a_missing_column_names_where(baseline):
    """Review 8: not "set where = one of the available columns"."""
    _size(baseline, where={"ano": 2015})
    assert_fails(
        baseline,
        run(baseline),
        "employment.csv",
        "[inputs.size] where: column 'ano' not found",
        "available columns: 'cod_ibge'",
    )


def test_the_non_integer_list_reads_cleanly(baseline):
    """Review 8: the examples end the list, the value read follows."""
    _set_cell(baseline, 5, "empregos", "1.168")
    line = assert_fails(
        baseline, run(baseline), "employment.csv", "'1.168' reads as 1.168"
    )
    assert "= 1.168" not in line


def test_a_lookup_group_with_two_names_is_an_error(baseline):
    """Review 9: the group, both names and their rows."""
    lookup = pd.read_csv(baseline.path("micro.csv"), dtype=str)
    lookup["nome_micro"] = "Micro " + lookup["cod_micro"]
    group = lookup.loc[3, "cod_micro"]
    lookup.loc[3, "nome_micro"] = "Outra"  # file row 5
    lookup.to_csv(baseline.path("micro.csv"), index=False)
    baseline.configure(inputs={"lookup": {"name_column": "nome_micro"}})
    first = int(lookup.index[lookup["cod_micro"] == group][0]) + 2
    assert_fails(
        baseline,
        run(baseline),
        "micro.csv",
        "'cod_micro'",
        f"{group} ('Micro {group}' row {first}, 'Outra' row 5)",
        "one name",
    )


def test_an_empty_untitled_wide_column_is_dropped(baseline):
    """Review 5: a trailing separator in a wide table."""
    _make_wide(baseline)
    _write(baseline, [row + [""] for row in _rows(baseline)])
    assert_succeeds(baseline, run(baseline))
    assert read_employment(baseline).to_numpy().sum() == TOTAL_JOBS


def test_an_untitled_wide_column_with_values_names_its_position(baseline):
    _make_wide(baseline)
    rows = _rows(baseline)
    _write(baseline, [rows[0] + [""]] + [row + ["7"] for row in rows[1:]])
    line = assert_fails(
        baseline,
        run(baseline),
        "employment.csv",
        "column 5 has no title (blank header cell)",
        "row 2 '7'",
        "name it",
    )
    assert "Unnamed" not in line


def test_an_empty_cnae_table_names_no_size_keys(baseline):
    """Review 5: sep and encoding are not keys of [inputs] cnae."""
    baseline.path("cnae.csv").write_bytes(b"")
    line = assert_fails(baseline, run(baseline), "cnae.csv", "empty")
    assert "sep" not in line and "encoding" not in line


@pytest.mark.parametrize("excel", [False, True])
def test_title_rows_above_the_header_give_skiprows(baseline, excel):
    """Review 3: the header's row and the skiprows that reads it."""
    rows = _rows(baseline)
    title = ["RAIS 2015 - Empregos por município", "", "", ""]
    if excel:
        pd.DataFrame([title, [""] * 4, *rows]).to_excel(
            baseline.path("employment.xlsx"), index=False, header=False
        )
        _size(baseline, path="employment.xlsx")
        name = "employment.xlsx"
    else:
        _write(baseline, [title, ["", "", "", ""], *rows])
        name = "employment.csv"
    assert_fails(
        baseline,
        run(baseline),
        name,
        "'cod_ibge'",
        "the header is on row 3",
        "[inputs.size] skiprows = 2",
    )


def test_numeric_cnae_cells_in_a_workbook_say_store_as_text(baseline):
    """Review 4: 31.0 stored as a number reads as division 31."""
    frame = pd.read_csv(baseline.path("employment.csv"), dtype=str)
    codes = frame["cnae_grupo"].astype(object)
    codes[codes == "31.0"] = 31.0
    frame["cnae_grupo"] = codes
    frame.to_excel(baseline.path("employment.xlsx"), index=False)
    _size(baseline, path="employment.xlsx")
    assert_fails(
        baseline,
        run(baseline),
        "employment.xlsx",
        "'cnae_grupo'",
        "row 4 '31' (division)",
        "cells holding numbers",
        "store the codes as text",
    )


def test_numeric_cnae_headers_in_a_workbook_name_header_columns(baseline):
    _make_wide(baseline)
    frame = pd.read_csv(baseline.path("employment.csv"), dtype=str)
    frame.columns = ["cod_ibge", "15.3", "10.1", 31.0]
    frame.to_excel(baseline.path("employment.xlsx"), index=False)
    _size(baseline, path="employment.xlsx")
    line = assert_fails(
        baseline,
        run(baseline),
        "employment.xlsx",
        "header column 4 '31' (division)",
        "store the codes as text",
    )
    assert "data row" not in line
