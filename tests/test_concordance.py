"""The shipped innovation-output -> CNAE 2.0 concordance: complete, as documented,
equal to a rebuild from the real sources."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from lps_geo.errors import ConfigError, InputError
from lps_geo.io import concordance as cc
from lps_geo.io import concordance_build as cb
from lps_geo.io.innovation import PUBLICATION_DISCIPLINES
from tests.conftest import require_shared, shared_data

#: The disciplines of the course's publications table, in file order: the
#: reader's list, so that the concordance and the reader agree.
DISCIPLINES = PUBLICATION_DISCIPLINES
PATENT_SYSTEMS = ("ipc_section", "ipc_class", "wipo35")


# --- the shipped tables, without the sources ---------------------------------


def test_fields_of_every_system():
    divisions = cc.cnae_divisions()
    assert len(divisions) == 87 and "98" not in divisions
    assert divisions[0] == "01" and divisions[-1] == "99"
    fields = {s: list(cc.field_division_weights(s).index) for s in cc.SYSTEMS}
    assert fields["ipc_section"] == list("ABCDEFGH")
    assert len(fields["ipc_class"]) == 124
    assert all(re.fullmatch(r"[A-H]\d\d", f) for f in fields["ipc_class"])
    assert fields["wipo35"] == [f"W35F{n:02d}" for n in range(1, 36)]
    assert tuple(fields["discipline"]) == DISCIPLINES
    assert tuple(fields["cnae_division"]) == divisions
    for system in cc.SYSTEMS:
        weights = cc.field_division_weights(system)
        assert tuple(weights.columns) == divisions, system
        assert (weights.to_numpy() >= 0).all()
        names = cc.field_names(system)
        assert list(names.index) == fields[system]
        assert names.str.len().gt(0).all(), system


def test_rows_sum_to_one_minus_the_non_cnae_share():
    for system in cc.SYSTEMS:
        table = cc.field_table(system)
        sums = cc.field_division_weights(system).sum(axis=1)
        expected = np.where(table["linked"], 1 - table["non_cnae_share"], 0.0)
        assert_allclose(sums.to_numpy(), expected, atol=1e-12, err_msg=system)


def test_the_non_cnae_share_is_the_listed_exception():
    (exception,) = cc.NACE_EXCEPTIONS
    assert exception.division == "98" and exception.side == "nace_only"
    assert exception.patents == 1
    listed = {(s, f): w for s, f, w in exception.fields}
    for system in PATENT_SYSTEMS:
        share = cc.field_table(system)["non_cnae_share"]
        nonzero = {(system, f): w for f, w in share[share > 0].items()}
        assert nonzero.keys() == {k for k in listed if k[0] == system}
        for key, weight in nonzero.items():
            assert_allclose(weight, listed[key], rtol=1e-12)
    chained = cc.field_table("discipline")["non_cnae_share"]
    assert chained.max() < 1e-5  # the one patent of A01, chained
    assert (cc.field_table("cnae_division")["non_cnae_share"] == 0).all()


def test_every_cnae_division_is_mapped_or_listed():
    for system in cc.SYSTEMS:
        weights = cc.field_division_weights(system)
        mapped = {d for d in weights.columns if (weights[d] > 0).any()}
        unmapped = set(cc.UNMAPPED_DIVISIONS[system])
        assert mapped | unmapped == set(cc.cnae_divisions()), system
        assert not mapped & unmapped
        assert cc.unmapped_divisions(system) == cc.UNMAPPED_DIVISIONS[system]
    assert cc.UNMAPPED_DIVISIONS["ipc_class"] == cc.UNMAPPED_DIVISIONS["wipo35"] == ()


def test_unlinked_fields_have_zero_rows():
    for system in cc.SYSTEMS:
        table = cc.field_table(system)
        assert tuple(table.index[~table["linked"]]) == cc.UNLINKED_FIELDS[system]
    weights = cc.field_division_weights("discipline")
    assert (weights.loc[["humanas", "ciencias_sociais"]] == 0).all().all()


def test_cnae_division_is_the_identity():
    weights = cc.field_division_weights("cnae_division")
    assert_allclose(weights.to_numpy(), np.eye(87))
    assert cc.linked_fields("26.10-8", "cnae_division") == (
        ("26", cc.field_names("cnae_division")["26"], 1.0),
    )


def test_weights_are_ratios_of_the_implied_patent_counts():
    """Every P(d | c) times the class's patents is a whole number of patents,
    and the sections pool their classes with these counts."""
    classes = cc.field_table("ipc_class")
    weights = cc.field_division_weights("ipc_class")
    counts = weights.mul(classes["source_count"].astype(float), axis=0)
    assert_allclose(counts, counts.round(), atol=1e-6)
    assert counts.to_numpy().sum() == pytest.approx(594168 - 1)  # less NACE 98
    pooled = counts.groupby(classes["group"]).sum()
    sections = cc.field_table("ipc_section")["source_count"].astype(float)
    expected = pooled.div(sections, axis=0)
    assert_allclose(cc.field_division_weights("ipc_section"), expected, rtol=1e-12)


def test_hand_checked_values():
    # the xlsx cell: IPC class A61, NACE 21 (8,726 of A61's 42,171 patents)
    weights = cc.field_division_weights("ipc_class")
    assert weights.loc["A61", "21"] == pytest.approx(0.2069194470133504, rel=1e-12)
    assert weights.loc["A61", "21"] == pytest.approx(8726 / 42171, rel=1e-12)
    assert weights.loc["A43", "15"] == pytest.approx(0.5275080906148867, rel=1e-12)
    assert cc.field_table("ipc_class").loc["A61", "source_count"] == 42171
    assert cc.field_names("ipc_class")["A43"] == "Footwear"
    assert cc.field_names("wipo35")["W35F16"] == "Pharmaceuticals"
    assert cc.field_table("ipc_class").loc["A43", "wipo35"] == "W35F28;W35F34"


def _top(division, system, top=3):
    return [field for field, _, _ in cc.linked_fields(division, system, top=top)]


def test_divisions_strongest_fields():
    assert _top("15", "ipc_class")[0] == "A43"  # footwear
    assert _top("15", "wipo35")[0] == "W35F34"  # other consumer goods
    assert {"H01", "H04", "G06"} <= set(_top("26", "ipc_class"))
    assert {"W35F04", "W35F06"} <= set(_top("26", "wipo35"))
    assert _top("21", "ipc_class", 2) == ["A61", "C07"]
    assert _top("21", "wipo35")[0] == "W35F16"  # pharmaceuticals
    assert _top("10", "ipc_class")[0] == "A23"  # foods
    assert _top("10", "wipo35")[0] == "W35F18"  # food chemistry
    assert _top("26", "ipc_section", 2) == ["H", "G"]
    field, name, share = cc.linked_fields("15", "ipc_class", top=1)[0]
    assert (field, name) == ("A43", "Footwear") and 0.25 < share < 0.3


def test_division_spellings_and_errors():
    expected = cc.linked_fields("15", "wipo35")
    for spelling in ("15.4", "15.40-4", "1540-4", 15):
        assert cc.linked_fields(spelling, "wipo35") == expected
    with pytest.raises(InputError, match="not a CNAE 2.0 division"):
        cc.linked_fields("98", "wipo35")
    with pytest.raises(InputError, match="is a CNAE section"):
        cc.linked_fields("C", "wipo35")
    with pytest.raises(InputError, match="not a CNAE 2.0 code"):
        cc.linked_fields("fifteen", "wipo35")
    with pytest.raises(ConfigError, match="system='ipc' is not valid.*'wipo35'"):
        cc.field_division_weights("ipc")
    with pytest.raises(ConfigError, match="use one of"):
        cc.linked_fields("15", "nace")


def test_division_field_shares_are_bayes_with_the_source_counts():
    for system in cc.SYSTEMS:
        shares = cc.division_field_shares(system)
        assert list(shares.index) == list(cc.cnae_divisions())
        assert_allclose(shares.sum(axis=1), 1.0, atol=1e-12, err_msg=system)
    w = cc.field_division_weights("wipo35")
    n = cc.field_table("wipo35")["source_count"].astype(float)
    expected = n["W35F16"] * w.loc["W35F16", "21"] / (n * w["21"]).sum()
    assert cc.division_field_shares("wipo35").loc["21", "W35F16"] == pytest.approx(
        expected, rel=1e-12
    )
    assert cc.division_field_shares("discipline")["humanas"].eq(0).all()


def test_discipline_links_point_the_right_way():
    w = cc.field_division_weights("discipline").drop(["humanas", "ciencias_sociais"])
    assert w["26"].idxmax() == "engenharia_eletrica_e_ciencias_da_computacao"
    assert w["20"].idxmax() == "quimica"
    assert w["10"].idxmax() == "biologia"
    assert (
        w.loc["especialidades_medicas", "21"]
        > 2 * w.loc["engenharia_eletrica_e_ciencias_da_computacao", "21"]
    )


def test_crosswalk_is_documented():
    cross = pd.read_csv(cb.default_crosswalk(), dtype=str, keep_default_na=False)
    assert tuple(dict.fromkeys(cross["discipline"])) == DISCIPLINES
    assert cross["rationale"].str.strip().str.len().gt(20).all()
    assert not cross["asjc_area"].duplicated().any()  # one discipline per area
    assert cross["asjc_code"].str.fullmatch(r"[1-3]\d00").all()
    unlinked = cross.loc[cross["link"] == "no", "discipline"].unique()
    assert tuple(unlinked) == cc.UNLINKED_FIELDS["discipline"]


def test_provenance():
    p = cc.provenance()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", p["built"])
    for key in ("fraunhofer", "wipo", "cnae", "publications", "crosswalk"):
        assert re.fullmatch(r"[0-9a-f]{64}", p["sources"][key]["sha256"]), key
    assert p["sources"]["fraunhofer"]["commit"] == (
        "b131f79fac8a0f561963cf8714d34c398f77ff7e"
    )
    assert p["sources"]["wipo"]["commit"] == "2053ffd2e9751b1824f238ead71ee4408ad66eec"
    assert p["nace_exceptions"][0]["division"] == "98"
    md = cb.default_crosswalk().with_name("CONCORDANCE.md").read_text("utf-8")
    assert cb.MARKER in md and "NACE 98" in md and "Neuhäusler" in md


def test_ipc_titles_cover_the_absent_classes():
    assert set(cc.IPC_CLASSES_NOT_IN_SOURCE) <= set(cc.IPC_CLASS_TITLES)
    assert set(cc.field_names("ipc_class").index) <= set(cc.IPC_CLASS_TITLES)


# --- against the real sources ------------------------------------------------


@pytest.fixture(scope="module")
def sources():
    require_shared("concordances", "concordance_table.xlsx")
    require_shared("concordances", "ipc_technology.xlsx")
    require_shared("lookups", "CNAE20_EstruturaDetalhada.xls")
    require_shared("institutions", "Publicacoes_Instituicoes_Total.tsv")
    return cb.read_sources(shared_data())


@pytest.fixture(scope="module")
def rebuilt(sources, tmp_path_factory):
    out = tmp_path_factory.mktemp("concordance")
    built = cb.build(sources)
    cb.write(built, sources, out, built_on="2000-01-01")
    return built, out


def test_shipped_sources_are_the_shared_files(sources):
    shipped = cc.provenance()["sources"]
    for key, entry in sources.files.items():
        assert entry["sha256"] == shipped[key]["sha256"], (
            f"{entry['path']} changed since the concordance was built; rebuild "
            "with python -m lps_geo.io.concordance_build --data <shared data>"
        )
        if key != "crosswalk":
            assert entry["commit"] == shipped[key]["commit"], key


def test_shipped_tables_equal_a_rebuild(rebuilt):
    built, out = rebuilt
    shipped = cc._tables()
    again = pd.read_csv(out / "innovation_cnae.csv", comment="#", dtype=str)
    pd.testing.assert_frame_equal(
        again.astype({"weight": float}), shipped[0], check_exact=False, rtol=1e-12
    )
    fields = cc._tables()[1]
    assert_allclose(
        built.fields["non_cnae_share"], fields["non_cnae_share"], rtol=1e-12
    )
    columns = ["system", "field", "name", "group", "wipo35", "linked"]
    pd.testing.assert_frame_equal(
        built.fields[columns].astype(str), fields[columns].astype(str)
    )
    assert built.fields["source_count"].equals(fields["source_count"])
    generated = (out / "CONCORDANCE.md").read_text("utf-8")
    md = cb.default_crosswalk().with_name("CONCORDANCE.md").read_text("utf-8")
    mine = md.split(cb.MARKER, 1)[1]
    theirs = generated.split(cb.MARKER, 1)[1]
    drop = re.compile(r"^Built \d{4}-\d\d-\d\d\. ", re.M)
    assert drop.sub("", mine) == drop.sub("", theirs)


def test_every_source_class_and_section_is_shipped(sources):
    assert list(sources.ipc.columns) == list(cc.field_names("ipc_class").index)
    assert sorted(set(sources.ipc.columns.str[0])) == list("ABCDEFGH")
    assert_allclose(sources.ipc.sum(), 1.0, atol=1e-12)
    assert_allclose(sources.wipo.sum(), 1.0, atol=1e-12)
    cell = sources.ipc.loc["21", "A61"]  # the xlsx cell
    assert cc.field_division_weights("ipc_class").loc["A61", "21"] == cell


def test_wipo_prefixes_map_to_source_classes_or_are_listed(sources):
    prefixes = sources.ipc_technology["prefix"]
    assert len(prefixes) == 771
    assert prefixes.str.fullmatch(r"[A-H]\d\d([A-Z]( +\d+/)?)?%").all()
    classes = set(prefixes.str[:3])
    absent = classes - set(sources.ipc.columns)
    assert absent == set(cc.IPC_CLASSES_NOT_IN_SOURCE)
    assert set(sources.ipc.columns) <= classes  # every source class is in a field
    assert cc.field_table("ipc_class")["wipo35"].str.len().gt(0).all()


def test_nace_cnae_exceptions_are_exactly_the_listed_ones(sources):
    nace, cnae = set(sources.ipc.index), set(sources.cnae.index)
    listed = {e.division: e for e in cc.NACE_EXCEPTIONS}
    assert nace - cnae == {d for d, e in listed.items() if e.side == "nace_only"}
    assert cnae - nace == {d for d, e in listed.items() if e.side == "cnae_only"}
    counts = cb.implied_counts(sources.ipc, "IPC sheet")
    patents = sources.ipc.mul(counts, axis=1).sum(axis=1)
    e = listed["98"]
    assert round(patents["98"]) == e.patents
    assert_allclose(patents["98"] / counts.sum(), e.share, rtol=1e-12)
    for system, field, weight in e.fields:
        if system == "ipc_class":
            assert_allclose(sources.ipc.loc["98", field], weight, rtol=1e-12)
        if system == "wipo35":
            assert_allclose(sources.wipo.loc["98", field], weight, rtol=1e-12)


def test_discipline_chain_by_hand(sources):
    """P(21 | quimica) from the sheets: sum_c P(21 | c) P(c | Chemistry)."""
    p_class = sources.science_ipc["Chemistry"]
    expected = float((sources.ipc.loc["21", p_class.index] * p_class).sum())
    weights = cc.field_division_weights("discipline")
    assert weights.loc["quimica", "21"] == pytest.approx(expected, rel=1e-12)
    header = (shared_data() / cb.SOURCE_FILES["publications"]).read_text("utf-8")
    columns = re.findall(r"Publicacoes_Disciplina_(\w+)", header.splitlines()[0])
    assert tuple(c.lower() for c in columns) == DISCIPLINES


def test_implied_counts_reject_rounded_shares():
    with pytest.raises(InputError, match="not ratios of whole numbers"):
        cb.implied_counts(pd.DataFrame({"x": [0.123456789, 0.876543211]}), "demo")


def test_source_entry_reads_sources_md():
    path = shared_data() / "SOURCES.md"
    if not path.exists():
        pytest.skip(f"real data not available: {path} (set LPS_GEO_DATA)")
    entry = cb.source_entry(path.read_text("utf-8"), cb.SOURCE_FILES["wipo"])
    assert entry["repository"] == "mtcberlin/epo-tip4patlibs"
    assert entry["commit"] == "2053ffd2e9751b1824f238ead71ee4408ad66eec"
    assert entry["licence"] == "none stated"
    with pytest.raises(InputError, match="no table row"):
        cb.source_entry(path.read_text("utf-8"), "nowhere/missing.csv")
