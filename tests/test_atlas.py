"""The PDF atlas: pages, text, filters, palette, overwrite, GeoPackage-only input.

The atlas is written from the GeoPackage of a (fast) demo run and read back
with poppler's ``pdfinfo``/``pdftotext`` (skipped when poppler-utils is not
installed). Expected values come from the GeoPackage layers read
independently with pyogrio, not from the atlas module.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import unicodedata
import warnings
from dataclasses import replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pyogrio  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from numpy.testing import assert_allclose  # noqa: E402

import lps_geo  # noqa: E402
from lps_geo.errors import ConfigError, InputError, OutputExistsError  # noqa: E402
from lps_geo.method.members import member_statistics
from lps_geo.method.typology import CITATION, GUIDELINES
from lps_geo.render import atlas  # noqa: E402
from lps_geo.render.atlas.plan import CONTENTS_ROWS, contents_pages
from lps_geo.render.atlas.text import PHRASES
from lps_geo.symbology import (  # noqa: E402
    INSTITUTION_COLORS,
    TYPE_COLORS,
    TYPE_LABELS,
    TYPE_SHORT_LABELS,
)
from lps_geo.vocab import (
    TYPES,
    DelineationMode,
    IndustryLevel,
    IndustrySelection,
    IslandPolicy,
    ReferenceArea,
    SizeMeasure,
    Unit,
    WeightsKind,
    choices,
)

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "shapefiles" / "demo.toml"
POPPLER = ("pdfinfo", "pdftotext")


def need_poppler():
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    if missing:
        pytest.skip(
            f"poppler-utils not installed ({', '.join(missing)} missing): "
            "apt-get install poppler-utils"
        )


def n_pages(pdf: Path) -> int:
    out = subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    return int(
        next(line for line in out.splitlines() if line.startswith("Pages:")).split()[1]
    )


def page_text(pdf: Path, page: int) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # NFKC folds ligature glyphs (fi, fl) back to letters; collapse spacing
    return " ".join(unicodedata.normalize("NFKC", out).split())


# ------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory) -> Path:
    """The demo run (few permutations, no surfaces) written to a GeoPackage."""
    cfg = lps_geo.load_config(DEMO)
    cfg = replace(
        cfg,
        statistics=replace(cfg.statistics, permutations=199),
        capability=replace(cfg.capability, permutations=49, surfaces=False),
        output=replace(cfg.output, maps=False),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = lps_geo.run(cfg)
    path = tmp_path_factory.mktemp("atlas") / "result.gpkg"
    lps_geo.write_geopackage(result, path)
    return path


@pytest.fixture(scope="module")
def layers(gpkg):
    """The layers the expectations come from, read without lps_geo."""
    lps = pyogrio.read_dataframe(gpkg, layer="lps", read_geometry=False)
    inst = pyogrio.read_dataframe(gpkg, layer="institutions", read_geometry=False)
    return {"lps": lps, "institutions": inst}


@pytest.fixture(scope="module")
def full_atlas(gpkg, tmp_path_factory):
    """The whole atlas, built from the GeoPackage path (no Result in memory)."""
    out = tmp_path_factory.mktemp("pdf") / "atlas.pdf"
    calls = []
    atlas.write_atlas(gpkg, out, progress=lambda i, n: calls.append((i, n)))
    return out, calls


@pytest.fixture(autouse=True)
def close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


# ---------------------------------------------------------------- page plan


def test_plan_counts_pages(gpkg, layers):
    plan = atlas.atlas_plan(gpkg)
    n_lps = len(layers["lps"])
    kinds = [p.kind for p in plan]
    assert kinds[:5] == [
        "cover",
        "contents",
        "methods",
        "overview_typology",
        "overview_capability",
    ]
    assert kinds[5:] == ["lps"] * n_lps
    assert sorted(p.key for p in plan[5:]) == sorted(layers["lps"]["lps_id"])
    assert [contents_pages(n) for n in (0, 1, 27, 28, 54, 55)] == [
        1,
        1,
        1,
        2,
        2,
        3,
    ]


def test_page_order_type_then_share(gpkg, layers):
    lps = layers["lps"].set_index("lps_id")
    ids = [p.key for p in atlas.atlas_plan(gpkg) if p.kind == "lps"]
    rank = lps.loc[ids, "lps_type"].map({t: i for i, t in enumerate(TYPES)})
    assert rank.is_monotonic_increasing
    for _, group in lps.loc[ids].groupby("lps_type", sort=False):
        assert group["share_industry"].is_monotonic_decreasing


# ---------------------------------------------------------------- whole PDF


def test_page_count_and_progress(full_atlas, layers):
    need_poppler()
    pdf, calls = full_atlas
    n_lps = len(layers["lps"])
    # cover + contents + methods + typology and capability overviews + LPS
    expected = 1 + math.ceil(n_lps / CONTENTS_ROWS) + 1 + 2 + n_lps
    assert n_lps == 15  # the planted systems of the demo state
    assert n_pages(pdf) == expected == 20
    assert calls == [(i, expected) for i in range(1, expected + 1)]


def test_front_matter_text(full_atlas, layers):
    need_poppler()
    pdf, _ = full_atlas
    cover = page_text(pdf, 1)
    assert "Local production systems atlas" in cover
    assert "500 municipalities, state 19" in cover
    counts = layers["lps"]["lps_type"].value_counts()
    for t in TYPES:
        assert f"{TYPE_LABELS['en'][t]} {counts.get(t, 0)}" in cover
    assert "page 1 of 20" in cover
    contents = page_text(pdf, 2)
    assert contents.startswith("Contents")
    methods = page_text(pdf, 3)
    assert methods.startswith("Methods")
    assert "199 permutations" in methods  # the run's own inference text
    assert "at least 1 % of the industry" in methods  # share_min of ipea2006
    assert "QL ≥ 5.0" in methods  # ql_high
    assert " ".join(CITATION.split()) in methods
    assert page_text(pdf, 4).startswith("Overview maps")
    assert "institutions" in page_text(pdf, 5).lower()


def test_every_lps_page_names_its_lps(full_atlas, gpkg, layers):
    need_poppler()
    pdf, _ = full_atlas
    lps = layers["lps"].set_index("lps_id")
    plan = atlas.atlas_plan(gpkg)
    contents = page_text(pdf, 2)
    for number, page in enumerate(plan, start=1):
        if page.kind != "lps":
            continue
        row = lps.loc[page.key]
        text = page_text(pdf, number)
        assert row["name"] in text, (number, row["name"])
        assert row["title"] in text, (number, row["title"])
        assert TYPE_LABELS["en"][row["lps_type"]] in text
        assert GUIDELINES["en"][row["lps_type"]][:60] in text
        assert GUIDELINES["en"]["general"][:60] in text
        assert f"page {number} of 20" in text
        # the contents list the page number before the name
        assert f"{number} {row['name']}" in contents


# ------------------------------------------------------------------- filters


def test_type_filter_reduces_pages(gpkg, layers, tmp_path):
    need_poppler()
    out = atlas.write_atlas(gpkg, tmp_path / "centers.pdf", types=["center"])
    centers = layers["lps"][layers["lps"]["lps_type"] == "center"]
    assert len(centers) == 2
    assert n_pages(out) == 5 + len(centers)
    names = {page_text(out, n).split(" 15.3")[0] for n in (6, 7)}
    assert len(names) == 2
    for n, (_, row) in zip(
        (6, 7),
        centers.sort_values("share_industry", ascending=False).iterrows(),
        strict=True,
    ):
        assert row["name"] in page_text(out, n)
    assert "This atlas: 2 of 15 LPS (filtered by types center)" in page_text(out, 1)


def test_industry_state_filters_and_errors(gpkg, layers):
    result = lps_geo.read_geopackage(gpkg)
    chosen = atlas.select_lps(result, industries=["31.0", "15.3"])
    expected = layers["lps"][layers["lps"]["industry"].isin(["31.0", "15.3"])]
    assert sorted(chosen["lps_id"]) == sorted(expected["lps_id"])
    assert len(atlas.select_lps(result, states="19")) == len(layers["lps"])
    with pytest.raises(InputError, match=r"no LPS passes the filters.*states 19"):
        atlas.select_lps(result, states=["35"])
    with pytest.raises(ConfigError, match="unknown LPS type.*valid: center"):
        atlas.select_lps(result, types=["cluster"])
    with pytest.raises(ConfigError, match="two digits"):
        atlas.select_lps(result, states=["SP"])
    with pytest.raises(ConfigError, match="cannot sort LPS by size_rank"):
        atlas.select_lps(result, sort=["size_rank"])
    by_name = atlas.select_lps(result, sort=["name"])["name"].tolist()
    assert by_name == sorted(by_name)


def test_portuguese_a3(gpkg, tmp_path):
    need_poppler()
    out = atlas.write_atlas(
        gpkg, tmp_path / "a3.pdf", lang="pt", page_size="A3", industries="15.3"
    )
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True)
    assert "(A3)" in info.stdout
    assert n_pages(out) == 6
    assert "Atlas de arranjos produtivos locais" in page_text(out, 1)
    text = page_text(out, 6)
    assert "Fabricação de calçados" in text
    assert TYPE_LABELS["pt"]["center"] in text
    assert "página 6 de 6" in text
    assert "48.136" in text  # employment of the 15.3 center, pt separators
    with pytest.raises(ConfigError, match="page_size must be one of A4, A3"):
        atlas.write_atlas(gpkg, tmp_path / "x.pdf", page_size="Letter")
    with pytest.raises(ConfigError, match="lang must be one of pt, en"):
        atlas.write_atlas(gpkg, tmp_path / "x.pdf", lang="es")


# ------------------------------------------------------------------- palette


def _by_gid(fig, prefix):
    return {
        a.get_gid().split(":", 1)[1]: a
        for a in fig.findobj(lambda a: str(a.get_gid()).startswith(prefix))
    }


def test_page_colours_come_from_palettes(gpkg, layers):
    result = lps_geo.read_geopackage(gpkg)
    lps = layers["lps"]
    meta_typ = result.metadata.parameters["typology"]
    plan = atlas.atlas_plan(result)
    for lps_type in TYPES:
        row = lps[lps["lps_type"] == lps_type].iloc[0]
        fig = atlas.lps_page_figure(result, row["lps_id"])
        chart = next(a for a in fig.axes if a.get_gid() == "typology_chart")
        points = _by_gid(chart, "lps_type:")
        same = lps[lps["industry"] == row["industry"]]
        assert set(points) == set(same["lps_type"])
        for t, collection in points.items():
            assert_allclose(collection.get_facecolor()[0], to_rgba(TYPE_COLORS[t]))
        quadrants = _by_gid(chart, "quadrant:")
        assert set(quadrants) == set(TYPES)
        for t, patch in quadrants.items():
            assert_allclose(patch.get_facecolor()[:3], to_rgba(TYPE_COLORS[t])[:3])
        legend = next(a for a in chart.findobj() if a.get_gid() == "chart_legend")
        key = dict(
            zip(
                [t.get_text() for t in legend.get_texts()],
                legend.legend_handles,
                strict=True,
            )
        )
        for t in same["lps_type"].unique():
            handle = key[TYPE_SHORT_LABELS["en"][t]]
            assert_allclose(
                to_rgba(handle.get_markerfacecolor()), to_rgba(TYPE_COLORS[t])
            )
        # this LPS at (share of the industry, QL); thresholds from the metadata
        this = next(a for a in chart.findobj() if a.get_gid() == "this_lps")
        assert_allclose(this.get_offsets()[0], [row["share_industry"], row["ql"]])
        vlines = [ln.get_xdata()[0] for ln in chart.get_lines()]
        hlines = [ln.get_ydata()[0] for ln in chart.get_lines()]
        assert meta_typ["share_high"] in vlines and meta_typ["ql_high"] in hlines
        # map: members, its legend entry and the type chip in the type colour
        members = _by_gid(fig, "members:")
        assert list(members) == [lps_type]
        assert_allclose(
            members[lps_type].get_facecolor(), to_rgba(TYPE_COLORS[lps_type])
        )
        map_legend = next(a for a in fig.legends if a.get_gid() == "location_legend")
        assert_allclose(
            map_legend.legend_handles[0].get_facecolor(),
            to_rgba(TYPE_COLORS[lps_type]),
        )
        assert (
            map_legend.get_texts()[0]
            .get_text()
            .endswith(f"({TYPE_LABELS['en'][lps_type]})")
        )
        chip = _by_gid(fig, "chip:")
        assert_allclose(chip[lps_type].get_facecolor(), to_rgba(TYPE_COLORS[lps_type]))
        for kind, dots in _by_gid(fig, "institutions:").items():
            assert_allclose(dots.get_facecolor()[0], to_rgba(INSTITUTION_COLORS[kind]))
        number = 1 + [p.key for p in plan].index(row["lps_id"])
        page = next(a for a in fig.texts if a.get_gid() == "page_number")
        assert page.get_text() == f"page {number} of {len(plan)}"
        fig.clear()


def test_page_texts_and_numbers(gpkg, layers):
    result = lps_geo.read_geopackage(gpkg)
    plan = atlas.atlas_plan(result)
    lps = layers["lps"].set_index("lps_id")
    lps_id = plan[-1].key
    fig = atlas.lps_page_figure(result, lps_id, lang="pt")
    texts = {t.get_gid(): t.get_text() for t in fig.texts if t.get_gid()}
    assert texts["lps_name"] == lps.loc[lps_id, "name"]
    assert texts["industry_title"] == (
        f"{lps.loc[lps_id, 'industry']} — {lps.loc[lps_id, 'title']}"
    )
    assert texts["page_number"] == f"página {len(plan)} de {len(plan)}"
    with pytest.raises(InputError, match="LPS 'nope' not found; known lps_id"):
        atlas.lps_page_figure(result, "nope")


def test_member_statistics_match_indicators(gpkg):
    result = lps_geo.read_geopackage(gpkg)
    stats = member_statistics(result)
    ind = result.indicators
    for _, m in result.lps.iterrows():
        members = result.lps_members[result.lps_members["lps_id"] == m["lps_id"]]
        rows = ind[
            (ind["industry"] == m["industry"]) & ind["region"].isin(members["region"])
        ]
        assert len(rows) == m["n_members"]
        assert (
            stats.loc[m["lps_id"], "high_high"]
            == (rows["lisa_label"] == "High-High").sum()
        )
        assert stats.loc[m["lps_id"], "hot_spots"] == (rows["gi_bin"] > 0).sum()


# ------------------------------------------------------- overwrite and input


def test_overwrite_refused_then_allowed(gpkg, tmp_path):
    out = tmp_path / "atlas.pdf"
    out.write_bytes(b"keep me")
    with pytest.raises(OutputExistsError, match="atlas.pdf exists; pass overwrite"):
        atlas.write_atlas(gpkg, out, types="center")
    assert out.read_bytes() == b"keep me"
    atlas.write_atlas(gpkg, out, types="center", overwrite=True)
    assert out.read_bytes()[:5] == b"%PDF-"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["atlas.pdf"]


def test_built_from_geopackage_without_recomputing(gpkg, tmp_path, monkeypatch):
    """Nothing of the analysis runs: the statistics entry points are disabled."""
    import lps_geo.method.pipeline
    import lps_geo.stats.indicators
    import lps_geo.stats.spatial

    def forbidden(*args, **kwargs):
        raise AssertionError("the atlas must not recompute the analysis")

    for module, name in [
        (lps_geo.method.pipeline, "run"),
        (lps_geo, "run"),
        (lps_geo.stats.spatial, "spatial_statistics"),
        (lps_geo.stats.indicators, "indicator_table"),
        (lps_geo.stats.indicators, "location_quotient"),
    ]:
        monkeypatch.setattr(module, name, forbidden)
    out = atlas.write_atlas(str(gpkg), tmp_path / "from_gpkg.pdf", types="center")
    assert out.read_bytes()[:5] == b"%PDF-"
    with pytest.raises(InputError, match="not found; write it with write_geopackage"):
        atlas.write_atlas(tmp_path / "missing.gpkg", tmp_path / "y.pdf")


def test_result_without_institutions_has_one_overview(gpkg):
    result = lps_geo.read_geopackage(gpkg)
    bare = replace(result, institutions=None, lps_capability=None)
    before = bare.lps.copy()
    kinds = [p.kind for p in atlas.atlas_plan(bare)]
    assert "overview_capability" not in kinds
    assert len(kinds) == 4 + len(result.lps)
    fig = atlas.lps_page_figure(bare, result.lps["lps_id"].iloc[0])
    words = " ".join(t.get_text() for t in fig.texts)
    assert "no institutions layer" in words
    assert not _by_gid(fig, "institutions:")
    assert not fig.findobj(lambda a: a.get_gid() == "capability_radius")
    pd.testing.assert_frame_equal(bare.lps, before)  # inputs are not mutated


def test_result_without_lps_still_has_front_matter(gpkg, tmp_path):
    need_poppler()
    result = lps_geo.read_geopackage(gpkg)
    empty = replace(
        result,
        lps=result.lps.iloc[:0],
        lps_members=result.lps_members.iloc[:0],
        lps_capability=result.lps_capability.iloc[:0],
    )
    out = atlas.write_atlas(empty, tmp_path / "empty.pdf")
    assert n_pages(out) == 5
    assert "No local production system was found in this run." in page_text(out, 2)


def test_setting_phrases_are_keyed_by_the_vocabulary():
    # the methods page words every value the configuration accepts
    for setting, literal in (
        ("size_measure", SizeMeasure),
        ("industry_level", IndustryLevel),
        ("denominator", IndustrySelection),
        ("unit", Unit),
        ("weights", WeightsKind),
        ("islands", IslandPolicy),
        ("mode", DelineationMode),
    ):
        assert set(PHRASES[setting]) == set(choices(literal)), setting
    # one result per reference area: "both" never reaches the methods page
    assert set(PHRASES["reference_area"]) == set(choices(ReferenceArea)) - {"both"}
