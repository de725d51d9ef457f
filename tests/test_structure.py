"""Production structure from establishment sizes: hand-computed oracles.

A tiny RAIS establishment file in the published layout (Latin-1, ``;``) is
read with ``size_distribution=True``; every measure of
:mod:`lps_geo.stats.structure` is checked against values worked out by hand
in the comments.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from lps_geo.errors import ConfigError, InputError
from lps_geo.io import read_rais_microdata
from lps_geo.stats.indicators import location_quotient
from lps_geo.stats.structure import (
    LeadCutoffs,
    band_column,
    establishment_structure,
    lps_structure,
    ql_decomposition,
    sebrae_sector,
    structure_label,
)

HEADER = "Município;CNAE 2.0 Classe;Qtd Vínculos Ativos;Ind Rais Negativa\n"
# Franca (351620 -> 3516200): footwear 15.31-9 / 15.39-4 (group 15.3) with ten
# workshops of 3 jobs, one of 25 and a plant of 600; a negative declaration;
# retail 47.11-3 (group 47.1): 3, 60 and 120 jobs.
# Birigui (350650 -> 3506508): footwear 4 and 150 jobs; one bad row.
ROWS = ["351620;15319;3;0"] * 10 + [
    "351620;15394;25;0",
    "351620;15319;600;0",
    "351620;15319;0;1",
    "351620;47113;3;0",
    "351620;47113;60;0",
    "351620;47113;120;0",
    "350650;15319;4;0",
    "350650;15319;150;0",
    "350650;15319;x;0",
]


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    path = tmp_path_factory.mktemp("rais") / "ESTB2015.txt"
    path.write_bytes((HEADER + "\n".join(ROWS) + "\n").encode("latin-1"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the bad row is reported, not the point
        return read_rais_microdata(path, size_distribution=True)


def test_size_distribution_read_in_the_same_pass(tables):
    d = tables.size_distribution
    assert list(d.columns) == ["region", "industry", "size", "establishments"]
    got = {(r, i, s): n for r, i, s, n in d.itertuples(index=False)}
    assert got == {
        ("3506508", "15.3", 4): 1,
        ("3506508", "15.3", 150): 1,
        ("3516200", "15.3", 3): 10,
        ("3516200", "15.3", 25): 1,
        ("3516200", "15.3", 600): 1,
        ("3516200", "47.1", 3): 1,
        ("3516200", "47.1", 60): 1,
        ("3516200", "47.1", 120): 1,
    }
    # the distribution adds up to the size tables of the same read
    jobs = (d["size"] * d["establishments"]).groupby([d.region, d.industry]).sum()
    count = d.groupby([d.region, d.industry])["establishments"].sum()
    emp = tables.employment.stack()
    est = tables.establishments.stack()
    assert_allclose(jobs.to_numpy(), emp[emp > 0].sort_index().to_numpy())
    assert_allclose(count.to_numpy(), est[est > 0].sort_index().to_numpy())


def test_without_the_option_there_is_no_distribution(tmp_path):
    path = tmp_path / "ESTB.txt"
    path.write_bytes((HEADER + "351620;15319;3;0\n").encode("latin-1"))
    assert read_rais_microdata(path).size_distribution is None


def test_all_rows_count_the_negative_declaration_as_size_zero(tmp_path):
    path = tmp_path / "ESTB.txt"
    path.write_bytes(
        (HEADER + "351620;15319;3;0\n351620;15319;0;1\n").encode("latin-1")
    )
    d = read_rais_microdata(path, size_distribution=True, establishments="all")
    assert d.size_distribution["size"].tolist() == [0, 3]
    active = read_rais_microdata(path, size_distribution=True)
    assert active.size_distribution["size"].tolist() == [3]


def test_structure_of_franca_footwear_by_hand(tables):
    s = establishment_structure(tables.size_distribution).loc[("3516200", "15.3")]
    # 12 establishments: 10 x 3 + 25 + 600 = 655 jobs
    assert s.establishments == 12 and s.jobs == 655
    assert s.mean_size == pytest.approx(655 / 12)
    # RAIS bands: 3 -> "1-4" (band 2), 25 -> "20-49" (5), 600 -> "500-999" (9)
    assert s[band_column(2)] == 10 and s[band_column(2, "jobs")] == 30
    assert s[band_column(5)] == 1 and s[band_column(9, "jobs")] == 600
    assert s[[band_column(c) for c in (1, 3, 4, 6, 7, 8, 10)]].sum() == 0
    # SEBRAE, industry cut-offs: micro <= 19 (the ten), small 20-99 (25),
    # large >= 500 (600)
    assert (s.n_micro, s.n_small, s.n_medium, s.n_large) == (10, 1, 0, 1)
    assert (s.jobs_micro, s.jobs_small, s.jobs_large) == (30, 25, 600)
    # lead: >= 500 jobs in industry
    assert s.lead_establishments == 1 and s.lead_share == pytest.approx(600 / 655)
    # CR4: 600 + 25 + 3 + 3 = 631; HHI: (600^2 + 25^2 + 10 x 3^2) / 655^2
    assert s.cr4 == pytest.approx(631 / 655)
    assert s.hhi == pytest.approx((360_000 + 625 + 90) / 655**2)
    assert s.largest == 600


def test_services_take_their_own_cut_offs(tables):
    s = establishment_structure(tables.size_distribution).loc[("3516200", "47.1")]
    # trade: micro <= 9 (3), medium 50-99 (60), large >= 100 (120); lead >= 100
    assert (s.n_micro, s.n_small, s.n_medium, s.n_large) == (1, 0, 1, 1)
    assert s.lead_establishments == 1 and s.lead_jobs == 120
    assert s.cr4 == 1.0  # three establishments: all of the jobs
    assert sebrae_sector("47.1") == "services" and sebrae_sector("41.2") == "industry"
    assert sebrae_sector("01.1") == "services" and sebrae_sector("05.0") == "industry"


def test_lead_cut_offs_are_parameters(tables):
    s = establishment_structure(
        tables.size_distribution, lead=LeadCutoffs(industry=100, services=200)
    )
    # Birigui's 150-job plant leads at 100; Franca's retail 120 no longer does
    assert s.loc[("3506508", "15.3"), "lead_establishments"] == 1
    assert s.loc[("3516200", "47.1"), "lead_establishments"] == 0
    with pytest.raises(ConfigError, match="industry = 0"):
        LeadCutoffs(industry=0)


def test_lps_pools_its_members_establishments(tables):
    members = pd.DataFrame(
        {
            "lps_id": ["shoes", "shoes", "shop"],
            "region": ["3516200", "3506508", "3516200"],
            "industry": ["15.3", "15.3", "47.1"],
        }
    )
    s = lps_structure(tables.size_distribution, members)
    shoes = s.loc["shoes"]
    # 14 establishments, 655 + 154 = 809 jobs; top four 600, 150, 25, 4
    assert shoes.establishments == 14 and shoes.jobs == 809
    assert shoes.cr4 == pytest.approx((600 + 150 + 25 + 4) / 809)
    assert shoes.hhi == pytest.approx((360_000 + 625 + 90 + 16 + 22_500) / 809**2)
    # 150 jobs is "large"? no: industry large starts at 500; medium 100-499
    assert (shoes.n_micro, shoes.n_small, shoes.n_medium, shoes.n_large) == (
        11,
        1,
        1,
        1,
    )
    assert s.loc["shop", "jobs"] == 183


def test_structure_labels_follow_the_rule():
    s = pd.DataFrame(
        {
            "jobs": [655, 90, 400, 0],
            "lead_jobs": [600, 0, 150, 0],
            "lead_establishments": [1, 0, 1, 0],
            "jobs_micro": [30, 60, 100, 0],
            "jobs_small": [25, 30, 50, 0],
        },
        index=["lead", "small", "mixed", "empty"],
    )
    got = structure_label(s)
    assert got.iloc[:3].tolist() == ["lead_firm", "small_firm", "core_ring"]
    assert pd.isna(got["empty"])
    # a stricter lead share turns the first into core-ring
    assert structure_label(s, lead_share=0.95)["lead"] == "core_ring"
    with pytest.raises(ConfigError, match="lead_share"):
        structure_label(s, lead_share=0)


def test_ql_decomposition_is_exact():
    rng = np.random.default_rng(1)
    N = pd.DataFrame(rng.integers(1, 30, (40, 6)).astype(float))
    E = N * rng.gamma(2.0, 10.0, (40, 6))
    count, scale = ql_decomposition(E, N)
    assert_allclose(count * scale, location_quotient(E), rtol=1e-12)
    # by hand: r1 has 2 of the 10 establishments of "a" and 100 of 200 jobs
    E2 = pd.DataFrame({"a": [60.0, 40.0], "b": [40.0, 60.0]})
    N2 = pd.DataFrame({"a": [2.0, 8.0], "b": [4.0, 6.0]})
    c2, s2 = ql_decomposition(E2, N2)
    assert c2.loc[0, "a"] == pytest.approx((2 / 10) / (100 / 200))
    assert s2.loc[0, "a"] == pytest.approx((60 / 2) / (100 / 10))


def test_ql_decomposition_undefined_without_establishments():
    E = pd.DataFrame({"a": [5.0, 0.0], "b": [5.0, 10.0]})
    N = pd.DataFrame({"a": [1.0, 0.0], "b": [1.0, 2.0]})
    count, scale = ql_decomposition(E, N)
    assert np.isnan(count.loc[1, "a"]) and np.isnan(scale.loc[1, "a"])
    with pytest.raises(InputError, match="same regions"):
        ql_decomposition(E, N.iloc[:1])


def test_bad_distributions_name_the_column_and_row():
    d = pd.DataFrame({"region": ["r"], "industry": ["15.3"], "size": [3]})
    with pytest.raises(InputError, match="establishments"):
        establishment_structure(d)
    d = pd.DataFrame(
        {
            "region": ["r", "r"],
            "industry": ["15.3"] * 2,
            "size": [3, -1],
            "establishments": [1, 1],
        }
    )
    with pytest.raises(InputError, match="row 1 has -1"):
        establishment_structure(d)


# ------------------------------------------------------------- in a run


def test_lps_structure_in_a_run_from_microdata(tmp_path):
    """A 4 x 4 grid of municipalities (valid SP codes) whose footwear sits in
    two neighbouring cells: 40 workshops of 5 jobs each, plus one 600-job
    plant in the first; furniture and retail everywhere as the rest of the
    economy. The run's lps_structure pools the LPS's establishments."""
    import geopandas as gpd
    from shapely.geometry import box

    import lps_geo
    from lps_geo.io.codes import check_digit

    six = [f"35{n:04d}" for n in range(10, 170, 10)]
    codes = [c + check_digit(c) for c in six]
    cells = [box(i % 4 * 1e4, i // 4 * 1e4, (i % 4 + 1) * 1e4, (i // 4 + 1) * 1e4)
             for i in range(16)]  # fmt: skip
    gpd.GeoDataFrame(
        {"CD_MUN": codes, "NM_MUN": [f"M{i}" for i in range(16)]},
        geometry=cells,
        crs=5880,
    ).to_file(tmp_path / "b.gpkg")
    lines = [HEADER.rstrip("\n")]
    for k, mun in enumerate(six):
        lines += [f"{mun};31012;8;0"] * 6 + [f"{mun};47113;4;0"] * 30
        if k in (5, 6):
            lines += [f"{mun};15319;5;0"] * 40
        if k == 5:
            lines.append(f"{mun};15319;600;0")
    (tmp_path / "ESTB.txt").write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    cfg = lps_geo.config_from_dict(
        {
            "inputs": {
                "boundaries": {"path": str(tmp_path / "b.gpkg")},
                "size": {"path": "ESTB.txt", "form": "rais_microdata"},
            },
            "statistics": {"permutations": 0},
            "analysis": {"industries": ["15.3"]},
        },
        base=tmp_path,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = lps_geo.run(cfg)
    assert len(res.lps) == 1
    lps = res.lps.iloc[0]
    assert sorted(res.members_of(lps.lps_id)) == sorted([codes[5], codes[6]])
    st = res.lps_structure.set_index("lps_id").loc[lps.lps_id]
    # 80 workshops of 5 and one plant of 600: 81 establishments, 1,000 jobs
    assert (st.establishments, st.jobs) == (81, 1000)
    assert st.jobs == lps.employment and st.establishments == lps.establishments
    assert (st.largest, st.lead_establishments, st.lead_jobs) == (600, 1, 600)
    assert st.lead_share == pytest.approx(0.6) and st.structure == "lead_firm"
    assert st.cr4 == pytest.approx(615 / 1000)
    assert st.hhi == pytest.approx((600**2 + 80 * 25) / 1000**2)
    assert (st.n_micro, st.n_large, st.jobs_micro) == (80, 1, 400)
    # the reference area (all 16) has only these footwear establishments
    assert st.relative_size == pytest.approx(1.0)
    block = res.report.characterisation["structure"]
    assert block["by_structure"]["lead_firm"] == 1 and block["n_lps"] == 1
