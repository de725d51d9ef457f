"""Count cells of size tables: notation, blanks, integers, plausibility, header."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import require_shared
from numpy.testing import assert_allclose

from lps_geo.config import config_from_dict
from lps_geo.errors import ConfigError, InputError, InputFixWarning
from lps_geo.io.cells import outlier_cells, parse_counts
from lps_geo.io.tables import (
    SizeTables,
    read_long,
    read_wide,
    validate_against_boundaries,
)


def _parse(cells, **kwargs):
    frame = pd.DataFrame({"jobs": cells})
    rows = list(range(2, 2 + len(cells)))
    labels = [f"region {k}" for k in range(len(cells))]
    return parse_counts(
        frame, ["jobs"], rows=rows, labels=labels, source="e.csv", **kwargs
    )["jobs"].tolist()


@pytest.mark.parametrize(
    ("cells", "kwargs", "expected"),
    [
        (["2.400", "7", " 12 "], {"thousands": "."}, [2400.0, 7.0, 12.0]),
        (
            ["1.234.000", "1234"],
            {"thousands": ".", "decimal": ","},
            [1234000.0, 1234.0],
        ),
        (["2,400", "3"], {"thousands": ","}, [2400.0, 3.0]),
        (["2 400", "3"], {"thousands": " "}, [2400.0, 3.0]),
        (["12,0"], {"decimal": ","}, [12.0]),
        ([3.0, 4], {}, [3.0, 4.0]),  # numeric Excel cells
        (["-", "", "NaN", "null", "5"], {"blank": "zero"}, [0.0, 0.0, 0.0, 0.0, 5.0]),
    ],
)
def test_parse_counts_reads_the_notations_it_is_told(cells, kwargs, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputFixWarning)
        assert _parse(cells, **kwargs) == expected


@pytest.mark.parametrize(
    ("cells", "kwargs", "match"),
    [
        (
            ["2.400"],
            {},
            r"row 2 \(region 0\) '2.400'; .*reads as 2.4.*thousands = \"\.\"",
        ),
        (["1.234,5"], {}, r'thousands = "\." and decimal = ","'),
        (["2,400"], {}, r'thousands = ","'),
        (["1.234,5"], {"thousands": ".", "decimal": ","}, r"non-integer"),
        (["2.40"], {"thousands": "."}, r"not counts: row 2"),  # not a grouping
        ([2.4], {}, r"non-integer count\(s\): row 2 \(region 0\) '2.4'"),
        (["inf"], {}, r"not counts"),
        (["1e3"], {}, r"not counts"),
        (["", "NA"], {}, r"2 blank count cell\(s\): row 2 .*, row 3"),
        (["X"], {"blank": "zero"}, r"suppressed"),
        (["-0.5"], {}, r"non-integer"),
    ],
)
def test_parse_counts_errors_name_the_cell_and_the_setting(cells, kwargs, match):
    with pytest.raises(InputError, match=match):
        _parse(cells, **kwargs)


def test_blank_zero_warns_with_count_and_examples():
    with pytest.warns(InputFixWarning, match=r"e.csv: 2 blank count cell\(s\)"):
        _parse(["-", "", "1"], blank="zero")


def test_outlier_rule():
    base = pd.DataFrame({"a": [500.0, 400.0, 3.0, 0.0], "b": [5.0, 0.0, 0.0, 0.0]})
    assert outlier_cells(base) == []  # a real centre; b has 1 nonzero region
    spoiled = base.assign(a=[500_000.0, 400.0, 3.0, 0.0])
    assert outlier_cells(spoiled) == [(0, "a", 500_000.0, 1250.0)]
    # over 100x the second-largest but not over all the others together
    many = pd.DataFrame({"a": [1000.0] + [5.0] * 300})
    assert outlier_cells(many) == []


def test_outliers_policies(tmp_path: Path):
    path = tmp_path / "e.csv"
    path.write_text("mun,15.3\n3516200,90000\n3550308,40\n3509502,3\n")
    with pytest.raises(InputError, match=r"column '15.3' row 2 \(region 3516200"):
        read_wide(path, "mun", "employment")
    with pytest.warns(UserWarning, match="2,250x the second-largest"):
        read_wide(path, "mun", "employment", outliers="warn")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_wide(path, "mun", "employment", outliers="keep")


def test_header_only_and_repeated_columns(tmp_path: Path):
    path = tmp_path / "e.csv"
    path.write_text("mun,cnae,jobs\n")
    with pytest.raises(InputError, match="e.csv: the table has a header but no data"):
        read_long(path, "mun", "cnae", "jobs")
    path.write_text("mun,15.3,16.1,15.3\n3516200,1,2,3\n")
    with pytest.raises(InputError, match=r"'15.3' \(columns 2, 4\)"):
        read_wide(path, "mun", "employment")
    path.write_text("mun,cnae,jobs,jobs\n3516200,15.3,1,2\n")
    with pytest.raises(InputError, match=r"'jobs' \(columns 3, 4\)"):
        read_long(path, "mun", "cnae", "jobs")


def test_excel_cells_are_checked_as_counts(tmp_path: Path):
    path = tmp_path / "e.xlsx"
    pd.DataFrame({"mun": ["3516200", "3550308"], "15.3": [2.4, 3]}).to_excel(
        path, index=False
    )
    with pytest.raises(InputError, match=r"non-integer count\(s\): row 2"):
        read_wide(path, "mun", "employment")
    pd.DataFrame({"mun": ["3516200", "3550308"], "15.3": ["NaN", 3]}).to_excel(
        path, index=False
    )
    with pytest.raises(InputError, match=r"blank count cell\(s\): row 2"):
        read_wide(path, "mun", "employment")


def _one(codes):
    E = pd.DataFrame({"15.3": [1.0] * len(codes)}, index=pd.Index(codes, name="region"))
    return SizeTables(establishments=E)


def test_zero_padded_boundary_codes_blame_the_boundary_file():
    with pytest.raises(
        InputError,
        match=r"mun.gpkg: column 'CD_MUN' stores the region codes zero-padded "
        r"\('03516200' for 3516200",
    ):
        validate_against_boundaries(
            _one(["3516200", "3550308"]),
            ["03516200", "03550308"],
            "e.csv",
            boundaries_source="mun.gpkg",
            boundaries_column="CD_MUN",
        )


def test_codes_dropped_for_empty_geometry_blame_the_boundaries():
    tables = _one(["3516200", "3550308"])
    with pytest.raises(
        InputError,
        match=r"e.csv: 1 region code\(s\) of the table were dropped from the "
        r"boundaries \(empty geometry\) in mun.gpkg: 3550308",
    ):
        validate_against_boundaries(
            tables,
            ["3516200"],
            "e.csv",
            boundaries_source="mun.gpkg",
            empty=("3550308",),
        )
    with pytest.warns(UserWarning, match="their rows were dropped"):
        out = validate_against_boundaries(
            tables, ["3516200"], "e.csv", unmatched="drop", empty=("3550308",)
        )
    assert_allclose(out.establishments.to_numpy(), [[1.0]])


def test_size_config_keys():
    def size(**keys):
        return config_from_dict(
            {"inputs": {"boundaries": {"path": "m"}, "size": {"path": "e", **keys}}}
        ).inputs.size

    s = size(thousands=".", blank="zero", outliers="warn", drop_columns=["x*"])
    assert (s.thousands, s.decimal, s.blank, s.outliers) == (".", None, "zero", "warn")
    assert s.drop_columns == ("x*",)
    with pytest.raises(ConfigError, match="thousands and decimal are both ','"):
        size(thousands=",", decimal=",")
    with pytest.raises(ConfigError, match="inputs.size.blank = 'none' is not valid"):
        size(blank="none")


@pytest.mark.parametrize("year", [2010, 2015])
def test_outlier_rule_has_no_false_positive_on_the_national_tables(year, big_cnae):
    path = require_shared("employment", f"RAIS_N_ESTABELECIMENTOS_{year}_ALTERADO.csv")
    with pytest.warns(InputFixWarning, match=r"4314548 on rows 4925, 4926"):
        tables = read_wide(
            path,
            "ID_do_municipio",
            "establishments",
            industry_names="title",
            cnae=big_cnae,
        )
    E = tables.establishments
    assert outlier_cells(E) == []
    assert outlier_cells(E.T.groupby(lambda c: c[:2]).sum().T) == []
    total = {2010: 3_403_448, 2015: 3_971_108}[year]
    assert E.to_numpy().sum() == total
    assert np.isfinite(E.to_numpy()).all()


@pytest.fixture(scope="module")
def big_cnae():
    from lps_geo.io.cnae_table import read_cnae_table

    return read_cnae_table(require_shared("lookups", "CNAE20_EstruturaDetalhada.xls"))
