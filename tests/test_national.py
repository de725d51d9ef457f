"""Real files at national scale (``$LPS_GEO_DATA``; skipped when absent).

Counts and codes after reading each IBGE-derived mesh of the shared data, and
the footwear concentration of Franca (SP) found as an LPS from the RAIS 2015
establishment table with the 2022 mesh of Brazil, per state and nationally.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, require_shared

import lps_geo
from lps_geo.io import microregion_6_to_5, read_boundaries


@pytest.fixture(scope="module")
def dtb() -> pd.DataFrame:
    path = require_shared("lookups", "brasil-municipios.csv")
    return pd.read_csv(path, dtype=str)


def test_mesh_2022(dtb):
    path = require_shared("boundaries", "BR_Municipios_2022.json")
    with pytest.warns(lps_geo.errors.InputFixWarning, match="3157336"):
        read = read_boundaries(path, crs="EPSG:4674")
    b, report = read.regions, read.report.to_dict()
    assert report["features"] == 5571
    # the two lagoons IBGE codes at state level are not municipalities
    assert report["non_municipal"] == [
        {"code": "4300001", "name": "Lagoa Mirim"},
        {"code": "4300002", "name": "Lagoa dos Patos"},
    ]
    # 5,569 municipalities; one polygon was lost in the simplification
    assert report["empty"] == ["3157336"]
    assert [r["code"] for r in report["repaired"]] == ["1702703", "2919553"]
    assert len(b) == report["regions"] == 5568
    assert b.index.str.fullmatch(r"\d{7}").all()
    assert set(b.index) <= set(dtb["id"])
    missing = sorted(set(dtb["id"]) - set(b.index))
    assert missing == ["3157336", "3500600"]  # + 3500600 absent from the file
    assert b.crs.to_epsg() == 5880
    assert b.at["3516200", "name"] == "Franca"


def test_mesh_sao_paulo_geojson(dtb):
    path = require_shared("boundaries", "geojs-35-mun.json")
    read = read_boundaries(path, code_column="id", name_column="name")
    b = read.regions
    assert len(b) == 645
    assert len(read.report.repaired) == 7
    assert set(b.index) == set(dtb.loc[dtb["id"].str[:2] == "35", "id"])
    assert b.geometry.is_valid.all()


def test_mesh_topojson_split_features(dtb):
    path = require_shared("boundaries", "municipio.topojson.json")
    read = read_boundaries(path, code_column="codigo", name_column="name", crs=4618)
    b, report = read.regions, read.report.to_dict()
    # 5,730 features = 5,564 municipalities, islands split into several
    assert report["features"] == 5730
    assert len(b) == 5564
    assert len(report["dissolved"]) == 35
    assert set(b.index) <= set(dtb["id"])
    assert b.geometry.is_valid.all()


def test_microregion_and_mesoregion_meshes():
    micro = read_boundaries(
        require_shared("boundaries", "microrregiao.topojson.json"),
        code_column="codigo",
        name_column="name",
        crs=4618,
    ).regions
    dtb_micro = pd.read_csv(
        require_shared("lookups", "brasil-microrregioes.csv"), dtype=str
    )
    assert len(micro) == 554
    assert {microregion_6_to_5(c) for c in micro.index} <= set(dtb_micro["id"])
    meso = read_boundaries(
        require_shared("boundaries", "mesorregiao.topojson.json"),
        code_column="codigo",
        name_column="name",
        crs=4618,
    ).regions
    assert len(meso) == 137


def _rebased(inputs, data):
    """The example's inputs with every path into the shared data read from
    ``data`` (``$LPS_GEO_DATA``) instead of the example's relative one."""

    def rebase(path):
        if path is None:
            return None
        parts = Path(path).parts
        if "data" not in parts:
            return path
        tail = parts[len(parts) - parts[::-1].index("data") :]
        return data.joinpath(*tail)

    def paths(section, *keys):
        if section is None:
            return None
        return replace(section, **{k: rebase(getattr(section, k)) for k in keys})

    return replace(
        inputs,
        cnae=rebase(inputs.cnae),
        boundaries=paths(inputs.boundaries, "path"),
        size=paths(inputs.size, "path"),
        input_output=paths(inputs.input_output, "path"),
        population=paths(inputs.population, "path"),
        institutions=paths(inputs.institutions, "path"),
        innovation=tuple(paths(t, "path", "places") for t in inputs.innovation),
    )


@pytest.fixture(scope="module")
def footwear():
    """The example config, footwear and electronic components (26.1), both
    reference areas."""
    require_shared("employment", "RAIS_N_ESTABELECIMENTOS_2015_ALTERADO.csv")
    require_shared("boundaries", "BR_Municipios_2022.json")
    require_shared("inputoutput", "Matriz_de_Insumo_Produto_2015_Nivel_67.xls")
    require_shared("institutions", "Tabela_IES_2013.xls")
    require_shared("institutions", "MUNICIPIO-1digito_ipc.xlsx")
    require_shared("institutions", "Publicacoes_Instituicoes_Total.tsv")
    require_shared("lookups", "municipios_censo2022.csv")
    cfg = lps_geo.load_config(ROOT / "examples" / "brazil_rais2015.toml")
    inputs = _rebased(cfg.inputs, require_shared())
    cfg = replace(
        cfg,
        inputs=inputs,
        analysis=replace(
            cfg.analysis, industries=["15.3", "26.1"], reference_area="both"
        ),
        comparison=None,  # one period here; test_compare covers 2010 vs 2015
    )
    with pytest.warns(lps_geo.errors.LpsGeoWarning):
        return lps_geo.run_all(cfg)


def test_franca_footwear_has_its_leather_suppliers(footwear):
    s = footwear["state"].lps_suppliers
    franca = s[(s["lps_id"] == "15.3@3516200") & (s["role"] == "supplier")]
    first = franca.set_index("rank").loc[1]
    # its own activity (1500, leather and footwear) supplies it most; tanning,
    # leather goods and parts are specialised in its members
    assert first.activity == "1500" and first.is_self
    assert first.members_present == "15.1,15.2,15.4"
    # the slaughterhouses that supply hides (1091) are among the five
    assert "1091" in set(franca["activity"])
    assert franca["present_in_members"].all()


def test_franca_footwear_is_a_center_with_the_state_as_reference(footwear):
    lps = footwear["state"].lps.set_index("lps_id")
    franca = lps.loc["15.3@3516200"]
    assert franca["industry"] == "15.3"
    assert franca["reference_area"] == "35"
    assert franca["lps_type"] == "center"
    assert "3516200" in franca["members"].split(",")
    assert franca["states"] == "35"
    # Franca alone has 1,496 of the state's footwear establishments
    ind = footwear["state"].indicators.set_index(["region", "industry"])
    assert ind.loc[("3516200", "15.3"), "establishments"] == 1496
    assert ind.loc[("3516200", "15.3"), "reference_area"] == "35"
    # the largest footwear poles of the country are all LPS of their state
    for code in ("3145208", "4313409", "3506508"):  # Nova Serrana, N. Hamburgo, Birigui
        lps_id = ind.loc[(code, "15.3"), "lps_id"]
        assert isinstance(lps_id, str) and lps_id.startswith("15.3@"), code
    assert pd.isna(ind.loc[("3550308", "15.3"), "lps_id"])  # São Paulo city


def test_national_reference_area(footwear):
    lps = footwear["study_area"].lps.set_index("lps_id")
    assert (lps["reference_area"] == "study_area").all()
    assert "15.3@3516200" in lps.index
    # Novo Hamburgo's Vale dos Sinos cluster is the national centre
    assert lps.loc["15.3@4313409", "lps_type"] == "center"
    total = footwear["study_area"].industries.set_index("industry").loc["15.3"]
    franca = lps.loc["15.3@3516200"]
    assert franca["share_industry"] == pytest.approx(
        franca["establishments"] / total["establishments"]
    )
    report = footwear["study_area"].report
    assert report.inputs["boundaries"]["regions"] == 5568


def test_franca_capability_from_the_inep_register(footwear):
    """Franca's institutions are the register's active ones at its code."""
    register = pd.read_excel(
        require_shared("institutions", "Tabela_IES_2013.xls"),
        sheet_name="IES_2000_2010_UF_EDUCA_FIM",
        dtype=str,
    )
    code = next(c for c in register.columns if "digo do Munic" in c)
    status = next(c for c in register.columns if "Funcionamento" in c)
    active = register[register[status].str.strip().str.upper() == "ATIVA"]
    members = footwear["state"].members_of("15.3@3516200")
    assert "3516200" in members and len(members) == 4
    expected = int(active[code].str.strip().isin(members).sum())
    cap = footwear["state"].lps_capability.set_index("lps_id").loc["15.3@3516200"]
    assert cap["n_total"] == expected == 4
    assert cap["n_total_within"] >= cap["n_total"]
    inst = footwear["state"].institutions
    assert (inst.loc[inst["region"] == "3516200", "located"] == "centroid").all()
    census = pd.read_csv(
        require_shared("lookups", "municipios_censo2022.csv"),
        dtype={"codigo_ibge": str},
    ).set_index("codigo_ibge")["populacao_censo_2022"]
    population = footwear["state"].report.capability["population"]
    # the census has 5,571 rows; three codes have no polygon in this mesh
    assert population["not_in_boundaries"] == ["3157336", "3500600", "5101837"]
    regions = footwear["state"].municipalities["region"]
    assert population["total"] == census.reindex(regions).sum()


def test_franca_innovation_equals_a_direct_tabulation(footwear):
    """Patents: INPI's columns of the members read against division 15's
    technology profile; publications: their census share of their
    microregions' publications."""
    from lps_geo.io.concordance import division_field_shares

    inpi = pd.read_excel(
        require_shared("institutions", "MUNICIPIO-1digito_ipc.xlsx"), index_col=0
    )
    state = footwear["state"]
    members = state.lps_members
    members = sorted(members.loc[members["lps_id"] == "15.3@3516200", "region"])
    names = state.municipalities.set_index("region").loc[members, "name"]
    columns = [inpi[n] for n in names if n in inpi.columns]  # no column: no patent
    profile = division_field_shares("ipc_section").loc["15"]
    inn = state.lps_innovation.set_index(["lps_id", "kind"])
    patents = inn.loc[("15.3@3516200", "patents")]
    assert patents["measure"] == "indicator" and patents["statistic"] == "mean"
    assert patents["total"] == sum(c.sum() for c in columns)
    assert patents["linked"] == pytest.approx(
        sum(float((profile * c).sum()) for c in columns)
    )
    assert patents["draws"] >= 199 and 0 < patents["p_value"] <= 1

    pubs = pd.read_csv(
        require_shared("institutions", "Publicacoes_Instituicoes_Total.tsv"),
        sep="\t",
        dtype={"ID_da_microregiao": str},
    )
    dtb = pd.read_csv(require_shared("lookups", "brasil-municipios.csv"), dtype=str)
    census = pd.read_csv(
        require_shared("lookups", "municipios_censo2022.csv"),
        dtype={"codigo_ibge": str},
    ).set_index("codigo_ibge")["populacao_censo_2022"]
    micro_of = dtb.set_index("id")["id_microrregiao"]
    regions = set(state.municipalities["region"])
    expected = 0.0
    for m in members:
        towns = [t for t in dtb.loc[micro_of.to_numpy() == micro_of[m], "id"]]
        towns = [t for t in towns if t in regions]
        share = census[m] / census.reindex(towns).sum()
        in_micro = pubs["ID_da_microregiao"] == micro_of[m]
        expected += pubs.loc[in_micro, "Total_Publicacoes"].sum() * share
    publications = inn.loc[("15.3@3516200", "publications")]
    assert publications["total"] == pytest.approx(expected)
    assert publications["statistic"] == "per_100k"
    assert publications["per_100k"] == pytest.approx(
        publications["linked"] / census.reindex(members).sum() * 1e5
    )


def test_campinas_electronics_capability(footwear):
    """Campinas (SP): an electronic-components LPS with 19 institutions of
    its own and the division's fields on its atlas page."""
    state = footwear["state"]
    cap = state.lps_capability.set_index("lps_id").loc["26.1@3509502"]
    assert cap["n_total"] == 19 and cap["n_total_within"] > 19
    inn = state.lps_innovation.set_index(["lps_id", "kind"])
    patents = inn.loc[("26.1@3509502", "patents")]
    assert patents["division"] == "26"
    assert patents["fields"].startswith("Electricity")
    assert 0 < patents["linked"] <= 1
