"""IBGE input-output reader, SCN x CNAE correspondence, suppliers/buyers per LPS."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import require_shared
from numpy.testing import assert_allclose

from lps_geo.errors import ApproximationWarning, InputError
from lps_geo.io.inputoutput import (
    IOTable,
    column_letter,
    default_correspondence_path,
    read_input_output,
    read_scn_cnae,
)
from lps_geo.stats.supply_chain import (
    PRESENCE_COLUMNS,
    activity_links,
    activity_of,
    goods_activities,
    industry_links,
    intermediate_flows,
    lps_supply_chain,
)

MIP = ("inputoutput", "Matriz_de_Insumo_Produto_2015_Nivel_67.xls")


# ----------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def mip_path():
    return require_shared(*MIP)


@pytest.fixture(scope="module")
def mip(mip_path):
    return read_input_output(mip_path)


@pytest.fixture(scope="module")
def raw_sheets(mip_path):
    """Sheets read directly with pandas (independent of the reader)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.read_excel(
            mip_path, sheet_name=["01", "03", "13", "14", "15"], header=None
        )


@pytest.fixture(scope="module")
def corr():
    return read_scn_cnae()


@pytest.fixture
def tiny():
    """Three activities, coefficients and output chosen to be hand-computable.

    Suppliers of 1500 (its column): 1300 0.20, 1500 0.10, 2091 0.05 (sum 0.35).
    Flows Z = A x: row 2091 sells 0.05*100 = 5 to 1500, 0.10*50 = 5 to 1300
    and 0.20*80 = 16 to itself (sum 26).
    """
    codes = pd.Index(["1500", "1300", "2091"], name="activity")
    a = pd.DataFrame(
        [[0.10, 0.00, 0.00], [0.20, 0.10, 0.00], [0.05, 0.10, 0.20]],
        index=codes,
        columns=codes,
    )
    return IOTable(
        activities=pd.Series(["Shoes", "Textiles", "Chemicals"], index=codes),
        coefficients=a,
        leontief=pd.DataFrame(np.linalg.inv(np.eye(3) - a.to_numpy()), codes, codes),
        output=pd.Series([100.0, 50.0, 80.0], index=codes),
        source="tiny",
    )


@pytest.fixture
def tiny_corr():
    return pd.DataFrame(
        {
            "activity_code": ["1500", "1300", "2091"],
            "activity_name": ["Shoes", "Textiles", "Chemicals"],
            "cnae_division": ["15", "13", "20"],
            "cnae_group": [None, None, "20.1"],
            "note": [None, None, None],
        }
    )


@pytest.fixture
def tiny_run():
    """QL of four regions; LPS L1 (footwear 15.3: r1, r2), L2 (chemicals: r3)."""
    ql = pd.DataFrame(
        {
            "15.3": [3.0, 2.0, 0.0, 0.0],
            "15.1": [0.5, 1.5, 0.0, 0.0],
            "13.1": [1.2, 0.0, 0.0, 0.0],
            "13.2": [0.0, 0.0, 0.9, 0.0],
            "20.1": [0.0, 0.0, 2.5, 0.0],
        },
        index=pd.Index(["r1", "r2", "r3", "r4"], name="region"),
    )
    members = pd.DataFrame(
        {
            "lps_id": ["L1", "L1", "L2"],
            "region": ["r1", "r2", "r3"],
            "industry": ["15.3", "15.3", "20.1"],
        }
    )
    return ql, members


# ------------------------------------------------------------- real reader
def test_reader_reads_67_activities_and_hand_read_cells(mip):
    assert len(mip.activities) == 67
    assert mip.activities.index[0] == "0191" and mip.activities.index[-1] == "9700"
    assert mip.activities["1500"] == "Fabricação de calçados e de artefatos de couro"
    assert list(mip.coefficients.columns) == list(mip.activities.index)
    # sheet 14, cells C6, D6 and C7 as shown by Excel (6 decimals)
    a = mip.coefficients
    assert_allclose(a.loc["0191", "0191"], 0.021056, atol=5e-7)
    assert_allclose(a.loc["0191", "0192"], 0.027488, atol=5e-7)
    assert_allclose(a.loc["0192", "0191"], 0.002413, atol=5e-7)
    # sheet 15, cell C6; sheet 01 row Total, columns H and V (R$ million)
    assert_allclose(mip.leontief.loc["0191", "0191"], 1.027732, atol=5e-7)
    assert mip.output["0191"] == 309301
    assert mip.output["1500"] == 40232
    assert mip.output.sum() == 10226869  # the sheet's "Total do produto"
    assert "67 activities" in repr(mip)


def test_sheet_15_is_the_leontief_inverse_of_sheet_14(mip):
    inverse = np.linalg.inv(np.eye(67) - mip.coefficients.to_numpy())
    assert_allclose(mip.leontief.to_numpy(), inverse, atol=1e-12)


def test_reader_matches_sheets_read_directly(mip, raw_sheets):
    s14 = raw_sheets["14"]
    assert_allclose(mip.coefficients.to_numpy(), s14.iloc[5:72, 2:69].to_numpy(float))
    assert list(mip.coefficients.index) == s14.iloc[5:72, 0].tolist()


def test_flows_equal_market_share_times_national_use(mip, raw_sheets):
    """Z = A diag(x) must equal D · U_n (sheet 13 times sheet 03's use block)."""
    d = raw_sheets["13"].iloc[5:72, 2:129].to_numpy(float)
    use = raw_sheets["03"].iloc[5:132, 3:70].to_numpy(float)
    z = intermediate_flows(mip).to_numpy()
    assert_allclose(z, d @ use, rtol=0, atol=1e-6 * z.max())
    # and the row totals agree with the direct product to 0.01 %
    assert_allclose(z.sum(axis=1), (d @ use).sum(axis=1), rtol=1e-4, atol=1.0)


# ------------------------------------------------------------ correspondence
def test_correspondence_covers_the_67_activities_with_their_names(mip, corr):
    names = corr.drop_duplicates("activity_code").set_index("activity_code")
    assert list(names.index) == list(mip.activities.index)
    assert (names["activity_name"] == mip.activities).all()
    without = sorted(corr.loc[corr["cnae_division"].isna(), "activity_code"])
    assert without == ["8591", "8691"]  # public education and health


def test_every_cnae_division_and_group_maps_to_exactly_one_activity(corr):
    from lps_geo.io.cnae_table import read_cnae_table

    table = read_cnae_table(require_shared("lookups", "CNAE20_EstruturaDetalhada.xls"))
    divisions = table.codes("division")
    groups = table.codes("group")
    assert len(divisions) == 87 and len(groups) == 285
    mapped = corr.dropna(subset=["cnae_division"])
    whole = set(mapped.loc[mapped["cnae_group"].isna(), "cnae_division"])
    by_group = mapped.dropna(subset=["cnae_group"])
    assert not by_group["cnae_group"].duplicated().any()
    assert set(mapped["cnae_division"]) <= set(divisions)
    assert set(by_group["cnae_group"]) <= set(groups)
    for division in divisions:
        its_groups = [g for g in groups if g[:2] == division]
        listed = set(by_group.loc[by_group["cnae_division"] == division, "cnae_group"])
        if division in whole:
            assert not listed, division
        else:  # split divisions list every one of their groups
            assert listed == set(its_groups), division
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        of = activity_of(groups, corr)
    assert of.notna().all() and len(of) == 285
    assert of["15.3"] == "1500" and of["15.1"] == "1500"
    assert of["19.3"] == "1992" and of["01.5"] == "0192" and of["31.0"] == "3180"
    assert of["23.4"] == "2300"


def test_split_division_warns_and_takes_its_main_activity(corr):
    with pytest.warns(ApproximationWarning, match="division.*10"):
        of = activity_of(["10", "15"], corr)
    assert of.tolist() == ["1093", "1500"]  # 10: five of its nine groups
    assert activity_of(["15.31-9"], corr).tolist() == ["1500"]


def test_unknown_cnae_code_is_named(corr):
    with pytest.raises(InputError, match=r"CNAE code\(s\) 4 have no SCN activity"):
        activity_of(["15.3", "4"], corr)


def test_correspondence_errors_name_the_line(tmp_path):
    text = default_correspondence_path().read_text(encoding="utf-8")
    twice = tmp_path / "twice.csv"
    twice.write_text(text + "1500,Calçados,15,15.3,\n", encoding="utf-8")
    lines = len(text.splitlines()) + 1
    with pytest.raises(InputError, match=rf"line {lines}: CNAE 15.3.*overlaps CNAE 15"):
        read_scn_cnae(twice)
    bad = tmp_path / "bad.csv"
    bad.write_text(text + "1500,Calçados,15,16.1,\n", encoding="utf-8")
    with pytest.raises(InputError, match="'16.1' is not a CNAE 2.0 group of division"):
        read_scn_cnae(bad)
    short = tmp_path / "short.csv"
    short.write_text("activity_code,cnae_division\n1500,15\n", encoding="utf-8")
    with pytest.raises(InputError, match="lacks column"):
        read_scn_cnae(short)


# --------------------------------------------------- hand-built IO example
def test_suppliers_are_ranked_by_the_column_coefficients(tiny):
    s = activity_links(tiny, "supplier", top_n=None)
    shoes = s[s["activity"] == "1500"]
    assert shoes["partner"].tolist() == ["1300", "1500", "2091"]
    assert_allclose(shoes["coefficient"], [0.20, 0.10, 0.05])
    assert_allclose(shoes["share"], [0.2 / 0.35, 0.1 / 0.35, 0.05 / 0.35])
    assert_allclose(shoes["cumulative_share"], [0.2 / 0.35, 0.3 / 0.35, 1.0])
    assert shoes["is_self"].tolist() == [False, True, False]
    assert shoes["rank"].tolist() == [1, 2, 3]
    # textiles buy only from textiles (0.10) and chemicals (0.10): tie, table order
    textiles = s[s["activity"] == "1300"]
    assert textiles["partner"].tolist() == ["1300", "2091"]


def test_excluding_self_renormalises_the_shares(tiny):
    s = activity_links(tiny, "supplier", top_n=None, include_self=False)
    shoes = s[s["activity"] == "1500"]
    assert shoes["partner"].tolist() == ["1300", "2091"]
    assert_allclose(shoes["share"], [0.8, 0.2])
    assert not s["is_self"].any()


def test_top_n_and_cumulative_limits(tiny):
    s = activity_links(tiny, "supplier", top_n=None, cumulative=0.5)
    assert s.loc[s["activity"] == "1500", "partner"].tolist() == ["1300"]
    s = activity_links(tiny, "supplier", top_n=None, cumulative=0.8)
    assert s.loc[s["activity"] == "1500", "partner"].tolist() == ["1300", "1500"]
    s = activity_links(tiny, "supplier", top_n=1, cumulative=0.8)
    assert s.loc[s["activity"] == "1500", "partner"].tolist() == ["1300"]
    s = activity_links(tiny, "supplier", top_n=None, only=["2091"])
    assert s.loc[s["activity"] == "1500", "partner"].tolist() == ["2091"]
    assert_allclose(s.loc[s["activity"] == "1500", "share"], [1.0])


def test_buyers_are_ranked_by_shares_of_intermediate_sales(tiny):
    b = activity_links(tiny, "buyer", top_n=None)
    chem = b[b["activity"] == "2091"]
    assert chem["partner"].tolist() == ["2091", "1500", "1300"]
    assert_allclose(chem["share"], [16 / 26, 5 / 26, 5 / 26])
    assert_allclose(chem["coefficient"], [0.20, 0.05, 0.10])  # A[2091, buyer]
    shoes = b[b["activity"] == "1500"]
    assert shoes["partner"].tolist() == ["1500"]
    assert_allclose(shoes["share"], [1.0])


def test_link_arguments_are_checked(tiny):
    with pytest.raises(InputError, match="role must be"):
        activity_links(tiny, "seller")
    with pytest.raises(InputError, match="top_n must be"):
        activity_links(tiny, top_n=0)
    with pytest.raises(InputError, match="cumulative must be"):
        activity_links(tiny, cumulative=1.5)
    with pytest.raises(InputError, match="9999"):
        activity_links(tiny, exclude=["9999"])


def test_industry_links_name_the_runs_cnae_codes(tiny, tiny_corr):
    links = industry_links(["15.3", "15.1", "13.1", "13.2", "20.1"], tiny, tiny_corr)
    shoe = links[(links["industry"] == "15.3") & (links["role"] == "supplier")]
    assert shoe["partner"].tolist() == ["1300", "1500", "2091"]
    # the industry itself is left out of its own activity's codes
    assert shoe["partner_industries"].tolist() == ["13.1,13.2", "15.1", "20.1"]
    chem = links[(links["industry"] == "20.1") & (links["role"] == "supplier")]
    assert chem["partner_industries"].tolist() == [None]


def test_presence_per_lps_by_hand(tiny, tiny_corr, tiny_run):
    ql, members = tiny_run
    links = industry_links(ql.columns, tiny, tiny_corr, top_n=3)
    out = lps_supply_chain(
        ql,
        members,
        links,
        nearby={"L1": ["r3", "r2"]},  # r2 is a member: ignored as nearby
        chains={"15.3": ["15.1", "13.2"]},
    )
    assert tuple(out.columns) == PRESENCE_COLUMNS
    l1 = out[out["lps_id"] == "L1"].set_index(["role", "activity"], drop=False)
    textiles = l1.loc[("supplier", "1300")]
    assert textiles["present_in_members"] and not textiles["present_nearby"]
    assert textiles["members_present"] == "13.1" and textiles["nearby_present"] is None
    assert (textiles["best_ql"], textiles["best_industry"]) == (1.2, "13.1")
    assert textiles["best_region"] == "r1"
    tanning = l1.loc[("supplier", "1500")]  # own activity: leather tanning 15.1
    assert tanning["is_self"] and tanning["members_present"] == "15.1"
    assert (tanning["best_ql"], tanning["best_region"]) == (1.5, "r2")
    chem = l1.loc[("supplier", "2091")]
    assert not chem["present_in_members"] and chem["present_nearby"]
    assert (chem["nearby_present"], chem["best_ql"], chem["best_region"]) == (
        "20.1",
        2.5,
        "r3",
    )
    chains = out[(out["lps_id"] == "L1") & (out["role"] == "chain")]
    assert chains["industries"].tolist() == ["15.1", "13.2"]
    assert chains["present_in_members"].tolist() == [True, False]
    assert chains["present_nearby"].tolist() == [False, False]
    assert_allclose(chains["best_ql"], [1.5, 0.9])  # 13.2 best in nearby r3
    l2 = out[out["lps_id"] == "L2"]
    own = l2[(l2["role"] == "supplier")].iloc[0]
    assert own["industries"] is None and not own["present_in_members"]
    assert np.isnan(own["best_ql"]) and own["best_region"] is None
    buyers = l2[l2["role"] == "buyer"]
    assert buyers["activity"].tolist() == ["2091", "1500", "1300"]
    assert not buyers["present_in_members"].any()
    assert buyers["best_ql"].iloc[2] == 0.9
    assert len(out) == 3 + 1 + 2 + 1 + 3  # L1: 3 sup, 1 buyer, 2 chain; L2


def test_presence_threshold_is_a_parameter(tiny, tiny_corr, tiny_run):
    ql, members = tiny_run
    links = industry_links(ql.columns, tiny, tiny_corr, roles=["supplier"])
    out = lps_supply_chain(
        ql, members, links, nearby={"L1": ["r3"]}, threshold=0.9
    ).set_index(["lps_id", "activity"])
    assert out.loc[("L1", "1300"), "nearby_present"] == "13.2"
    assert out.loc[("L1", "1300"), "members_present"] == "13.1"


def test_presence_errors_name_the_fault(tiny, tiny_corr, tiny_run):
    ql, members = tiny_run
    links = industry_links(ql.columns, tiny, tiny_corr)
    stray = pd.concat(
        [
            members,
            pd.DataFrame({"lps_id": ["L2"], "region": ["r9"], "industry": ["20.1"]}),
        ]
    )
    with pytest.raises(InputError, match="region 'r9' of LPS 'L2'.*not a row"):
        lps_supply_chain(ql, stray, links)
    mixed = members.assign(industry=["15.3", "13.1", "20.1"])
    with pytest.raises(InputError, match="LPS 'L1' has members of several"):
        lps_supply_chain(ql, mixed, links)
    with pytest.raises(InputError, match="lacks column"):
        lps_supply_chain(ql, members.drop(columns="industry"), links)
    with pytest.raises(InputError, match="pair 1"):
        lps_supply_chain(ql, members, links, chains={"15.3": ["x"]})


def test_presence_is_vectorised_over_many_lps(tiny, tiny_corr):
    """2,000 LPS of 5 members: one LPS per block of regions, a known answer."""
    n = 2000
    regions = [f"m{i:05d}" for i in range(5 * n)]
    ql = pd.DataFrame(0.0, index=regions, columns=["15.3", "13.1", "20.1"])
    ql["15.3"] = 2.0
    ql.iloc[::10, 1] = 1.5  # every other LPS has textiles in its first member
    members = pd.DataFrame(
        {
            "lps_id": [f"L{i // 5}" for i in range(5 * n)],
            "region": regions,
            "industry": "15.3",
        }
    )
    links = industry_links(ql.columns, tiny, tiny_corr, roles=["supplier"])
    out = lps_supply_chain(ql, members, links)
    textiles = out[out["activity"] == "1300"].set_index("lps_id")
    assert len(textiles) == n
    expected = [i % 2 == 0 for i in range(n)]
    assert textiles.loc[[f"L{i}" for i in range(n)], "present_in_members"].tolist() == (
        expected
    )


# ----------------------------------------------------------- real data sense
def test_footwear_buys_hides_textiles_and_chemicals(mip):
    s = activity_links(mip, "supplier", top_n=None)
    shoes = s[s["activity"] == "1500"]
    # its own activity (tanning, uppers, soles: all in CNAE division 15) leads
    assert shoes["partner"].iloc[0] == "1500"
    assert_allclose(shoes["coefficient"].iloc[0], 0.131283, atol=5e-7)
    goods = activity_links(
        mip, "supplier", top_n=5, include_self=False, only=goods_activities(mip)
    )
    top = goods.loc[goods["activity"] == "1500", "partner"].tolist()
    # hides from slaughterhouses, textiles, chemicals, paper (boxes), rubber/plastic
    assert top == ["1091", "1300", "2091", "1700", "2200"]
    buyers = activity_links(mip, "buyer", top_n=1)
    first = buyers[buyers["activity"] == "1500"].iloc[0]
    assert first["partner"] == "1500" and first["share"] > 0.8


def test_furniture_and_ceramics_links(mip):
    goods = activity_links(
        mip, "supplier", top_n=2, include_self=False, only=goods_activities(mip)
    )
    assert goods.loc[goods["activity"] == "3180", "partner"].tolist() == [
        "1600",
        "2200",
    ]  # wood, then rubber and plastics
    assert goods.loc[goods["activity"] == "2300", "partner"].iloc[0] == "0580"
    buyers = activity_links(mip, "buyer", top_n=1, include_self=False)
    ceramics = buyers[buyers["activity"] == "2300"].iloc[0]
    assert ceramics["partner"] == "4180" and ceramics["share"] > 0.6  # construction


def test_footwear_group_links_list_tanning_and_parts(mip, corr):
    links = industry_links(["15.1", "15.3", "15.4", "13.1", "10.1"], mip, corr)
    self_row = links[
        (links["industry"] == "15.3") & (links["role"] == "supplier") & links["is_self"]
    ]
    assert self_row["partner_industries"].tolist() == ["15.1,15.4"]


# ------------------------------------------------------- corrupted workbooks
def _write_copy(raw_sheets, path, drop=(), edit=None):
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name in ("01", "14", "15"):
            if name in drop:
                continue
            frame = raw_sheets[name].copy()
            if edit is not None and edit[0] == name:
                edit[1](frame)
            frame.to_excel(writer, sheet_name=name, header=False, index=False)
    return path


def test_a_faithful_copy_reads_the_same(raw_sheets, mip, tmp_path):
    copy = read_input_output(_write_copy(raw_sheets, tmp_path / "copy.xlsx"))
    assert_allclose(copy.coefficients.to_numpy(), mip.coefficients.to_numpy())


def test_a_missing_sheet_is_named(raw_sheets, tmp_path):
    path = _write_copy(raw_sheets, tmp_path / "no15.xlsx", drop=("15",))
    with pytest.raises(InputError, match=r"sheet\(s\) '15'.*Leontief.*not found"):
        read_input_output(path)


def test_a_non_numeric_cell_is_named(raw_sheets, tmp_path):
    def spoil(frame):
        frame.iat[6, 3] = "n/d"  # Excel D7

    path = _write_copy(raw_sheets, tmp_path / "text.xlsx", edit=("14", spoil))
    with pytest.raises(InputError, match=r"sheet '14' cell D7 .*'n/d', not a number"):
        read_input_output(path)


def test_a_missing_activity_code_is_named(raw_sheets, tmp_path):
    def spoil(frame):
        frame.iat[40, 0] = None

    path = _write_copy(raw_sheets, tmp_path / "code.xlsx", edit=("15", spoil))
    with pytest.raises(InputError, match="sheet '15' column A holds 66 activity codes"):
        read_input_output(path)


def test_swapped_columns_are_named(raw_sheets, tmp_path):
    def spoil(frame):
        frame.iat[3, 2], frame.iat[3, 3] = frame.iat[3, 3], frame.iat[3, 2]

    path = _write_copy(raw_sheets, tmp_path / "swap.xlsx", edit=("14", spoil))
    with pytest.raises(InputError, match="sheet '14' column C .* is activity '0192'"):
        read_input_output(path)


def test_a_text_file_is_not_a_workbook(tmp_path):
    path = tmp_path / "matrix.xls"
    path.write_text("this is not excel\n")
    with pytest.raises(InputError, match="not a readable Excel workbook"):
        read_input_output(path)


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 68)] == ["A", "Z", "AA", "BQ"]
