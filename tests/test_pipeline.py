"""The whole method on the embedded demo: planted agglomerations recovered,
statistics equal to esda's, layers complete and reproducible."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import esda
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import lps_geo
from lps_geo.config import load_config
from lps_geo.stats.sequential import FIRST_DRAWS
from lps_geo.stats.weights import build_weights
from lps_geo.vocab import TYPES

DEMO = Path(__file__).resolve().parents[1] / "data" / "shapefiles"


@pytest.fixture(scope="module")
def cfg():
    return load_config(DEMO / "demo.toml")


@pytest.fixture(scope="module")
def result(cfg):
    return lps_geo.run(cfg)


@pytest.fixture(scope="module")
def planted():
    return json.loads((DEMO / "planted.json").read_text())


def _match(result, planted):
    """Pair planted agglomerations with found LPS (same industry, Jaccard >= .5)."""
    found = result.lps_members.groupby("lps_id")["region"].apply(set)
    industry = result.lps.set_index("lps_id")["industry"]
    pairs = {}
    for p in planted["planted"]:
        want = set(p["members"])
        best, best_j = None, 0.0
        for lps_id, members in found.items():
            if industry[lps_id] != p["industry"]:
                continue
            j = len(want & members) / len(want | members)
            if j > best_j:
                best, best_j = lps_id, j
        if best_j >= 0.5:
            pairs[p["id"]] = (best, best_j)
    return pairs


def test_recovers_every_planted_agglomeration(result, planted):
    pairs = _match(result, planted)
    n_planted = len(planted["planted"])
    recall = len(pairs) / n_planted
    lps = result.lps.set_index("lps_id")
    incidental = {
        (c["cod_ibge"], c["industry"]) for c in planted["incidental_candidates"]
    }
    matched_ids = {v[0] for v in pairs.values()}
    members = result.lps_members.groupby("lps_id")
    explained = 0
    for lps_id, grp in members:
        if lps_id in matched_ids or any(
            (r, i) in incidental
            for r, i in zip(grp["region"], grp["industry"], strict=True)
        ):
            explained += 1
    precision_planted = len(matched_ids) / len(lps)
    precision_truth = explained / len(lps)
    print(
        f"\nrecall {recall:.2f} ({len(pairs)}/{n_planted}); precision vs planted "
        f"{precision_planted:.2f}, vs planted+incidental {precision_truth:.2f} "
        f"({len(lps)} LPS found)"
    )
    assert recall == 1.0
    # every planted LPS comes out with its planted type, so every type is found
    for p in planted["planted"]:
        lps_id, jac = pairs[p["id"]]
        assert lps.loc[lps_id, "lps_type"] == p["type"], (p["id"], lps_id)
    assert set(lps["lps_type"]) == set(TYPES)
    assert precision_truth >= 0.9
    assert precision_planted >= 0.5


def test_multi_and_single_municipality_lps(result, planted):
    pairs = _match(result, planted)
    lps = result.lps.set_index("lps_id")
    for p in planted["planted"]:
        lps_id, jac = pairs[p["id"]]
        if len(p["members"]) > 1:
            assert lps.loc[lps_id, "n_members"] > 1
        else:
            assert lps.loc[lps_id, "n_members"] == 1


def test_lps_aggregates_match_members(result):
    lps = result.lps.set_index("lps_id")
    ind = result.indicators.set_index(["region", "industry"])
    for lps_id, grp in result.lps_members.groupby("lps_id"):
        rows = ind.loc[list(zip(grp["region"], grp["industry"], strict=True))]
        assert_allclose(lps.loc[lps_id, "employment"], rows["employment"].sum())
        assert_allclose(lps.loc[lps_id, "establishments"], rows["establishments"].sum())
        assert (rows["lps_id"] == lps_id).all()
    # geometry is one dissolved polygon per LPS covering its members
    muni = result.municipalities.set_index("region")
    first = result.lps.iloc[0]
    members = result.lps_members.query("lps_id == @first.lps_id")["region"]
    assert_allclose(first.geometry.area, muni.loc[members].area.sum(), rtol=1e-6)


def test_ql_by_hand(result):
    ind = result.indicators
    e = ind.pivot(index="region", columns="industry", values="employment")
    # region totals = all 40 groups (denominator "all"), read independently
    raw = pd.read_csv(DEMO / "employment_long.csv", dtype={"cod_ibge": str})
    tot_j = raw.groupby("cod_ibge")["empregos"].sum()
    tot = raw["empregos"].sum()
    row = ind.query("industry == '15.3'").sort_values("employment").iloc[-1]
    e_i = e["15.3"].sum()
    expected = (row["employment"] / tot_j[row["region"]]) / (e_i / tot)
    assert_allclose(row["ql"], expected, rtol=1e-12)


def _agrees_with_esda(ours, draws, esda_p, ties):
    """Sequential p against esda's with R = FIRST_DRAWS: tests that stopped
    there use esda's very draws (equal where the null has no ties, never smaller where
    it has); tests that continued agree within esda's Monte Carlo error."""
    first = draws == FIRST_DRAWS
    assert first.mean() > 0.5
    assert_allclose(ours[first & ~ties], esda_p[first & ~ties], rtol=1e-6)
    assert (ours[first] >= esda_p[first] - 1e-6).all()
    q = np.clip(esda_p / 2, 1e-3, 0.5)
    sd = 2 * np.sqrt(q * (1 - q) / FIRST_DRAWS)
    assert (np.abs(ours - esda_p)[~first] <= 5 * sd[~first] + 2 / 1000).all()


def test_lisa_and_gi_equal_esda(result, cfg):
    """The pipeline's LISA and Gi* are esda's on the QL of the same industry:
    statistics equal; LISA p-values esda's for the tests that stopped at the
    first (esda's) draws, within Monte Carlo error for those that went
    on. Gi*'s default null (total permutation) is not esda's: see
    tests/test_sequential_validity.py."""
    from lps_geo.stats.variables import analysed_variable

    b = lps_geo.io.read_boundaries(DEMO / "municipalities.shp").regions
    g, _ = build_weights(b, "queen")
    st = cfg.statistics
    ind = result.indicators.query("industry == '15.3'").set_index("region")
    # the analysed variable of the demo, rebuilt from the raw table
    raw = pd.read_csv(
        DEMO / "employment_long.csv", dtype={"cod_ibge": str, "cnae_grupo": str}
    ).pivot_table(
        index="cod_ibge",
        columns="cnae_grupo",
        values="empregos",
        aggfunc="sum",
        fill_value=0,
    )
    raw = raw.reindex(g.unique_ids, fill_value=0).astype(float)
    x = analysed_variable(raw, raw.sum(axis=1), st.variable)
    y = x["15.3"].fillna(0).to_numpy()
    assert st.permutations == "auto"
    lm = esda.Moran_Local(
        y, g.transform("r"), permutations=FIRST_DRAWS, seed=st.seed, n_jobs=1
    )
    gs = esda.G_Local(y, g.transform("b"), transform="B", star=True, permutations=0)
    ind = ind.reindex(g.unique_ids)
    assert_allclose(ind["variable_value"], y, rtol=1e-12)
    assert_allclose(ind["lisa_i"], lm.Is, rtol=1e-10, atol=1e-12)
    assert_allclose(ind["gi_z"], gs.Zs, rtol=1e-10, atol=1e-12)
    np.random.seed(st.seed)
    mi = esda.Moran(y, g.transform("r"), permutations=FIRST_DRAWS)
    row = result.industries.set_index("industry").loc["15.3"]
    assert_allclose(row["moran_i"], mi.I, rtol=1e-10)
    ties = np.isclose(lm.rlisas, lm.Is[:, None], rtol=1e-9, atol=1e-12).any(axis=1)
    _agrees_with_esda(
        ind["lisa_p"].to_numpy(),
        ind["lisa_draws"].to_numpy(),
        np.minimum(2 * lm.p_sim, 1),
        ties,
    )


def test_same_seed_same_result(cfg, result):
    again = lps_geo.run(replace(cfg, output=replace(cfg.output, maps=False)))
    pd.testing.assert_frame_equal(again.indicators, result.indicators)
    pd.testing.assert_frame_equal(
        again.lps.drop(columns="geometry"), result.lps.drop(columns="geometry")
    )


def test_microregion_mode(cfg):
    """The paper's original mode: aggregate to microregions, one LPS per unit."""
    micro = replace(
        cfg,
        analysis=replace(cfg.analysis, unit="group"),
        delineation=replace(cfg.delineation, mode=None),
        statistics=replace(cfg.statistics, permutations=99),
    )
    res = lps_geo.run(micro)
    assert res.regions is not None
    n_micro = pd.read_csv(DEMO / "microregions.csv")["cod_micro"].nunique()
    assert len(res.regions) == n_micro
    assert (res.lps["n_members"] == 1).all()
    assert set(res.lps_members["region"]) <= set(res.regions["region"])
    # the footwear center (5 towns in one or two microregions) is still found
    assert (res.lps["industry"] == "15.3").any()
    assert res.report.delineation["mode"] == "unit"


def test_layers_follow_the_contract(result):
    need = {
        "municipalities": ["region", "name"],
        "indicators": [
            "region",
            "industry",
            "employment",
            "establishments",
            "ql",
            "share_industry",
            "share_region",
            "lisa_i",
            "lisa_p",
            "lisa_label",
            "gi_z",
            "gi_p",
            "gi_bin",
        ],
        "lps": [
            "lps_id",
            "industry",
            "lps_type",
            "n_members",
            "employment",
            "establishments",
            "ql",
            "share_industry",
            "share_region",
        ],
        "lps_members": ["lps_id", "region"],
        "industries": ["industry", "gl", "moran_i", "moran_p", "n_lps"],
    }
    layers = result.layers()
    for name, cols in need.items():
        missing = set(cols) - set(layers[name].columns)
        assert not missing, (name, missing)
    assert result.lps.crs.to_epsg() == 5880
    # 500 municipalities x analysed industries, every pair present
    n_ind = result.industries.shape[0]
    assert len(result.indicators) == 500 * n_ind


def test_wide_establishment_table(cfg):
    """The wide RAIS-like table (columns named by CNAE title) runs end to end."""
    from lps_geo.config import SizeInput

    wide = replace(
        cfg,
        inputs=replace(
            cfg.inputs,
            size=SizeInput(
                path=DEMO / "establishments_wide.csv",
                form="wide",
                region_column="ID_do_municipio",
                measure="establishments",
                industry_names="title",
            ),
        ),
        analysis=replace(cfg.analysis, size_measure="establishments"),
        statistics=replace(cfg.statistics, permutations=99),
    )
    res = lps_geo.run(wide)
    long = pd.read_csv(
        DEMO / "employment_long.csv", dtype={"cod_ibge": str, "cnae_grupo": str}
    )
    est = long.groupby("cnae_grupo")["estabelecimentos"].sum()
    got = res.industries.set_index("industry")["establishments"]
    assert_allclose(got.loc["15.3"], est.loc["15.3"])
    assert np.isnan(res.indicators["employment"]).all()
    assert (res.lps["industry"] == "15.3").any()


def test_manufacturing_denominator(cfg, result):
    """With a manufacturing denominator, E_j counts only divisions 10-33."""
    man = lps_geo.run(
        replace(
            cfg,
            analysis=replace(cfg.analysis, denominator="manufacturing"),
            statistics=replace(cfg.statistics, permutations=0),
        )
    )
    raw = pd.read_csv(
        DEMO / "employment_long.csv", dtype={"cod_ibge": str, "cnae_grupo": str}
    )
    raw = raw[raw["cnae_grupo"].str[:2].astype(int).between(10, 33)]
    e_j = raw.groupby("cod_ibge")["empregos"].sum()
    row = man.indicators.query("industry == '15.3' and employment > 0").iloc[0]
    assert_allclose(row["share_region"], row["employment"] / e_j[row["region"]])
    assert man.report.statistics.permutations == 0


def test_state_reference_area(tmp_path):
    """Each state is its own reference area; LPS never cross a state border."""
    import geopandas as gpd
    from shapely.geometry import box

    codes = ["1900019", "1900027", "1800011", "1800029"]
    cells = [box(i * 1e4, 0, (i + 1) * 1e4, 1e4) for i in range(4)]
    gpd.GeoDataFrame(
        {"CD_MUN": codes, "NM_MUN": list("ABCD")}, geometry=cells, crs=5880
    ).to_file(tmp_path / "b.gpkg")
    rows = [
        ("1900019", "15.3", 80, 10),
        ("1900019", "31.0", 20, 10),
        ("1900027", "15.3", 20, 10),
        ("1900027", "31.0", 80, 10),
        ("1800011", "15.3", 60, 10),
        ("1800011", "31.0", 40, 10),
        ("1800029", "15.3", 40, 10),
        ("1800029", "31.0", 60, 10),
    ]
    pd.DataFrame(
        rows, columns=["region", "industry", "employment", "establishments"]
    ).to_csv(tmp_path / "e.csv", index=False)
    cfg = lps_geo.config_from_dict(
        {
            "inputs": {
                "boundaries": {"path": str(tmp_path / "b.gpkg")},
                "size": {"path": str(tmp_path / "e.csv")},
            },
            "analysis": {"reference_area": "state"},
            "statistics": {"permutations": 0},
            "typology": {"ql_min": 1.0},
        }
    )
    res = lps_geo.run(cfg)
    ind = res.indicators.set_index(["region", "industry"])
    # state 19: E_i(15.3) = 100 of 200 -> QL(A) = (80/100) / (100/200) = 1.6
    assert_allclose(ind.loc[("1900019", "15.3"), "ql"], 1.6)
    assert_allclose(ind.loc[("1900019", "15.3"), "share_industry"], 0.8)
    # state 18: QL(C) = (60/100) / (100/200) = 1.2
    assert_allclose(ind.loc[("1800011", "15.3"), "ql"], 1.2)
    assert ind.loc[("1800011", "15.3"), "reference_area"] == "18"
    # B (state 19) and C (state 18) touch, but no LPS spans both states
    for _, grp in res.lps_members.groupby("lps_id"):
        assert grp["region"].str[:2].nunique() == 1
    assert set(res.industries["reference_area"]) == {"18", "19"}


def test_inference_choices_are_recorded(result):
    st = result.metadata.parameters["statistics"]
    assert st["engine"] == "numba"
    assert st["variable"] == "eb_ql"
    assert "ties count as at least as extreme" in st["tie_rule"]
    assert "Sequential conditional permutation tests" in st["inference"]
    assert st["permutations"] == "auto" and st["gi_null"] == "total"
    assert st["max_draws"] == 20_000  # 2 x 500 regions / 0.05
    assert st["draws"]["lisa"]["tests"] > 0
    assert "Benjamini-Hochberg" in st["inference"]
    assert result.report.weights["kind"] == "queen"


def test_other_variable_and_weights(cfg):
    """Empirical-Bayes QL on distance-band weights still finds the centres."""
    alt = replace(
        cfg,
        statistics=replace(
            cfg.statistics,
            variable="eb_ql",
            weights="distance_band",
            threshold=40_000.0,
            islands="drop",
            permutations=199,
        ),
    )
    res = lps_geo.run(alt)
    assert res.report.statistics.variable == "eb_ql"
    assert res.report.weights["kind"] == "distance_band"
    centres = res.lps.query("lps_type == 'center'")
    assert {"15.3", "32.1"} <= set(centres["industry"])


# ------------------------------------------------------------ capability


def test_capability_layers(result):
    import geopandas as gpd

    inst = gpd.read_file(DEMO / "institutions.shp")
    assert result.institutions is not None
    assert len(result.institutions) == len(inst)
    assert set(result.institutions["type"]) == set(inst["type"])
    # counts inside each municipality equal a direct groupby of the register
    direct = inst.groupby("cod_ibge").size()
    mun = result.municipalities.set_index("region")
    assert_allclose(
        mun["n_total"].to_numpy(),
        direct.reindex(mun.index, fill_value=0).to_numpy(),
    )
    for t in ("university", "technical_school"):
        d = inst[inst["type"] == t].groupby("cod_ibge").size()
        assert_allclose(
            mun[f"n_{t}"].to_numpy(), d.reindex(mun.index, fill_value=0).to_numpy()
        )
    assert mun["capability_index"].notna().all()
    assert mun["per_100k"].notna().all()
    cap = result.lps_capability.set_index("lps_id")
    assert set(cap.index) == set(result.lps["lps_id"])
    assert cap["cap_p_value"].between(0, 1).all()
    # the LPS's inside count is the sum over its members
    members = result.lps_members.groupby("lps_id")["region"].apply(list)
    for lps_id, regs in members.items():
        assert cap.loc[lps_id, "n_total"] == mun.loc[regs, "n_total"].sum()
    rep = result.report.capability
    assert rep["n_institutions"] == len(inst)
    assert rep["parameters"]["distance_m"] == 50_000


def test_capability_bivariate_equals_esda(result, cfg):
    """cap_bv_*: Local Moran of the analysed variable vs the capability index."""
    from lps_geo.stats.variables import analysed_variable

    b = lps_geo.io.read_boundaries(DEMO / "municipalities.shp").regions
    g, _ = build_weights(b, "queen")
    raw = pd.read_csv(
        DEMO / "employment_long.csv", dtype={"cod_ibge": str, "cnae_grupo": str}
    ).pivot_table(
        index="cod_ibge",
        columns="cnae_grupo",
        values="empregos",
        aggfunc="sum",
        fill_value=0,
    )
    raw = raw.reindex(g.unique_ids, fill_value=0).astype(float)
    x = analysed_variable(raw, raw.sum(axis=1), cfg.statistics.variable)["15.3"]
    y = (
        result.municipalities.set_index("region")["capability_index"]
        .reindex(g.unique_ids)
        .to_numpy()
    )
    st = cfg.statistics
    bv = esda.Moran_Local_BV(
        x.to_numpy(),
        y,
        g.transform("r"),
        permutations=FIRST_DRAWS,
        seed=st.seed,
    )
    ind = result.indicators.query("industry == '15.3'").set_index("region")
    ind = ind.reindex(g.unique_ids)
    assert_allclose(ind["cap_bv_i"], bv.Is, rtol=1e-10, atol=1e-12)
    esda_p = np.minimum(2 * bv.p_sim, 1)
    # the index has ties (regions with the same institutions around them):
    # p equal where the permutation null has none, never smaller where it has
    ties = np.isclose(bv.rlisas, bv.Is[:, None], rtol=1e-9, atol=1e-12).any(axis=1)
    _agrees_with_esda(
        ind["cap_bv_p"].to_numpy(), ind["cap_bv_draws"].to_numpy(), esda_p, ties
    )


def test_surfaces(result):
    surfaces = {s.name: s for s in result.surfaces}
    arr, grid = surfaces["institutions_all"].array, surfaces["institutions_all"].grid
    assert surfaces["institutions_all"].kind == "all"
    assert arr.shape == grid.shape
    assert grid.crs.to_epsg() == 5880
    assert np.nanmax(arr) > 0
    # the surface integrates to the number of institutions (weights 1)
    total = np.nansum(arr) * grid.cell_area_km2
    assert abs(total - len(result.institutions)) / len(result.institutions) < 0.05
    assert surfaces["employment_15_3"].kind == "employment"


def _border_case(tmp_path, reference_area):
    """Two states side by side; the footwear cluster B-C straddles the border."""
    import geopandas as gpd
    from shapely.geometry import box

    codes = ["1900019", "1900027", "1800011", "1800029"]  # A B | C D
    cells = [box(i * 1e4, 0, (i + 1) * 1e4, 1e4) for i in range(4)]
    gpd.GeoDataFrame(
        {"CD_MUN": codes, "NM_MUN": list("ABCD")}, geometry=cells, crs=5880
    ).to_file(tmp_path / "b.gpkg")
    shoes = dict(zip(codes, [20, 80, 80, 20], strict=True))
    rows = [(c, "15.3", shoes[c], 10) for c in codes] + [
        (c, "31.0", 100 - shoes[c], 10) for c in codes
    ]
    pd.DataFrame(
        rows, columns=["region", "industry", "employment", "establishments"]
    ).to_csv(tmp_path / "e.csv", index=False)
    (tmp_path / "run.toml").write_text(
        '[inputs.boundaries]\npath = "b.gpkg"\n'
        '[inputs.size]\npath = "e.csv"\n'
        f'[analysis]\nreference_area = "{reference_area}"\n'
        "[statistics]\npermutations = 0\n"
        "[typology]\nql_min = 1.0\n"
        "[output]\nmaps = false\natlas = false\n"
    )
    return lps_geo.load_config(tmp_path / "run.toml")


def test_both_reference_areas_in_one_run(tmp_path):
    """reference_area = "both": per-state and study-area results from one read;
    a cluster cut by a state border is two linked LPS per state, one LPS for
    the study area."""
    cfg = _border_case(tmp_path, "both")
    with pytest.raises(lps_geo.ConfigError, match="run_all"):
        lps_geo.run(cfg)
    results = lps_geo.run_all(cfg)
    assert list(results) == ["state", "study_area"]
    state = results["state"].lps.set_index("lps_id")
    shoes = state[state["industry"] == "15.3"]
    # B in state 19: QL = (80/100) / (100/200) = 1.6; C in state 18 likewise
    assert sorted(shoes.index) == ["15.3@1800011", "15.3@1900027"]
    assert shoes.loc["15.3@1900027", "adjacent_lps"] == "15.3@1800011"
    assert shoes.loc["15.3@1800011", "adjacent_lps"] == "15.3@1900027"
    assert shoes.loc["15.3@1900027", "states"] == "19"
    assert shoes.loc["15.3@1900027", "reference_area"] == "19"
    assert_allclose(shoes.loc["15.3@1900027", "share_industry"], 0.8)
    whole = results["study_area"].lps
    whole = whole[whole["industry"] == "15.3"].iloc[0]
    # study area: B + C hold 160 of 200 shoe jobs, QL = 0.8 / (200/400) = 1.6
    assert sorted(whole["members"].split(",")) == ["1800011", "1900027"]
    assert whole["states"] == "18,19"
    assert whole["reference_area"] == "study_area"
    assert whole["adjacent_lps"] == ""
    assert_allclose(whole["share_industry"], 0.8)
    assert_allclose(whole["ql"], 1.6)
    ind = results["study_area"].indicators.set_index(["region", "industry"])
    assert_allclose(ind.loc[("1900019", "15.3"), "ql"], 0.4)  # (20/100)/(200/400)
    # an atlas restricted to a type the run lacks is skipped, not an error
    from lps_geo.outputs import _atlas_has_pages

    present = set(results["study_area"].lps["lps_type"])
    absent = next(t for t in lps_geo.vocab.TYPES if t not in present)
    none = {"types": None, "industries": None, "states": None}
    assert _atlas_has_pages(results["study_area"], none)
    assert not _atlas_has_pages(results["study_area"], {**none, "types": [absent]})


def test_cli_writes_one_folder_per_reference_area(tmp_path):
    import json

    from lps_geo.cli import main

    _border_case(tmp_path, "both")
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "run.toml"), "--out", str(out), "-q"]) == 0
    top = json.loads((out / "report.json").read_text())
    assert top["reference_areas"] == ["state", "study_area"]
    assert top["n_lps"]["study_area"] == len(
        lps_geo.read_geopackage(out / "study_area" / "result.gpkg").lps
    )
    for area in ("state", "study_area"):
        report = json.loads((out / area / "report.json").read_text())
        assert report["inputs"]["boundaries"]["regions"] == 4
        assert (out / area / "result.gpkg").exists()


def test_related_industries_of_every_lps(cfg, result):
    """The run adds the ``relatedness`` pairs and ``lps_related``: each row's
    QL is the members' pooled QL against the reference area, recomputed here
    from the size table; density in 0..100 for every LPS."""
    from lps_geo.io.inputs import read_inputs
    from lps_geo.stats.relatedness import relatedness_matrix

    ch = cfg.characterisation
    pairs, rel = result.relatedness, result.lps_related
    assert list(pairs.columns) == ["industry_a", "industry_b", "relatedness"]
    assert (pairs["relatedness"] > ch.min_relatedness).all()
    assert pairs["relatedness"].is_monotonic_decreasing
    assert len(rel) and (rel["relatedness"] > ch.min_relatedness).all()
    assert (rel["ql"] >= ch.min_ql).all() and (
        rel["establishments"] >= ch.min_establishments
    ).all()
    density = result.lps.set_index("lps_id")["relatedness_density"]
    assert density.notna().all() and density.between(0, 100).all()
    block = result.report.characterisation["related"]
    assert block["n_lps"] == len(result.lps) and block["n_pairs"] == len(pairs)
    assert block["n_lps_with_related"] == rel["lps_id"].nunique()
    # recompute one row from the inputs: the size measure of the run
    inp = read_inputs(cfg)
    E = getattr(inp, cfg.analysis.size_measure).astype(float)
    R = relatedness_matrix(E)
    row = rel.iloc[0]
    assert R.loc[row.industry, row.related_industry] == pytest.approx(row.relatedness)
    members = result.members_of(row.lps_id)
    pooled = E.loc[members]
    ql = (pooled[row.related_industry].sum() / pooled.to_numpy().sum()) / (
        E[row.related_industry].sum() / E.to_numpy().sum()
    )
    assert row.ql == pytest.approx(ql, rel=1e-9)
    assert row["size"] == pytest.approx(pooled[row.related_industry].sum())


def test_planted_patents_found_in_lps_innovation(result, planted):
    """The three LPS with planted patents, and only they, hold more linked
    patents per inhabitant than municipalities of their population class."""
    pairs = _match(result, planted)
    with_patents = {
        pairs[p["id"]][0] for p in planted["planted"] if p.get("patents_planted")
    }
    assert len(with_patents) == 3
    inn = result.lps_innovation
    assert set(inn["kind"]) == {"patents"}
    assert (inn["statistic"] == "per_100k").all()
    alpha = result.metadata.parameters["statistics"]["alpha"]
    significant = set(inn.loc[inn["p_adj"] <= alpha, "lps_id"])
    assert significant == with_patents
    # linked <= total, reach >= members, per 100k consistent with population
    assert (inn["linked"] <= inn["total"] + 1e-9).all()
    assert (inn["linked_within"] >= inn["linked"] - 1e-9).all()
    report = result.report.capability["innovation"]["kinds"]["patents"]
    assert report["lps_tested"] == len(result.lps)
    assert report["fields_not_in_concordance"] == {}
