"""Static maps: legend order and counts, palette colours, decorations, files."""

from __future__ import annotations

import dataclasses

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from numpy.testing import assert_allclose, assert_array_equal  # noqa: E402
from test_export import CODES, make_result  # noqa: E402

from lps_geo.errors import ConfigError, InputError, OutputExistsError  # noqa: E402
from lps_geo.export import write_geopackage  # noqa: E402
from lps_geo.method.focus import focus_industry
from lps_geo.render.maps import (
    gi_map,
    lisa_map,
    ql_map,
    typology_map,
    write_maps,
)
from lps_geo.render.primitives import DEFAULT_SOURCE
from lps_geo.symbology import (  # noqa: E402
    GI_BIN_COLORS,
    LISA_COLORS,
    NO_DATA_COLOR,
    OVERLAP_ALPHA,
    QL_RAMP,
    TYPE_COLORS,
    TYPE_LABELS,
    ql_classes,
)
from lps_geo.vocab import TYPES

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def result():
    return make_result()


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def legend_of(ax):
    legend = ax.get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    colors = [tuple(h.get_facecolor()) for h in legend.legend_handles]
    return labels, colors


def rgb(color):
    return to_rgba(color)[:3]


def find_gid(ax, gid):
    return [a for a in (*ax.artists, *ax.texts) if a.get_gid() == gid]


# ------------------------------------------------------------------ typology


def test_typology_all_industries(result):
    ax = typology_map(result.municipalities, result.lps)
    labels, colors = legend_of(ax)
    counts = {"center": 1, "advanced_vector": 1, "local_vector": 1, "embryo": 2}
    assert labels == [f"{TYPE_LABELS['en'][t]} ({counts[t]})" for t in TYPES]
    assert_allclose([c[:3] for c in colors], [rgb(TYPE_COLORS[t]) for t in TYPES])
    assert_allclose([c[3] for c in colors], OVERLAP_ALPHA)
    assert ax.get_title(loc="left") == (
        "Local production systems by type — all industries"
    )
    # background: 16 grey municipalities; LPS on top, largest first
    background, drawn = ax.collections
    assert len(background.get_paths()) == 16
    order = ["center", "advanced_vector", "local_vector", "embryo", "embryo"]
    faces = drawn.get_facecolors()
    assert_allclose(faces[:, :3], [rgb(TYPE_COLORS[t]) for t in order])
    assert_allclose(faces[:, 3], OVERLAP_ALPHA)


def test_typology_one_industry_in_portuguese(result):
    fig, given = plt.subplots()
    ax = typology_map(
        result.municipalities, result.lps, industry="26.1", lang="pt", ax=given
    )
    assert ax is given
    labels, colors = legend_of(ax)
    counts = {"center": 0, "advanced_vector": 1, "local_vector": 0, "embryo": 1}
    assert labels == [f"{TYPE_LABELS['pt'][t]} ({counts[t]})" for t in TYPES]
    assert_allclose(colors, [to_rgba(TYPE_COLORS[t]) for t in TYPES])
    faces = ax.collections[1].get_facecolors()
    assert_allclose(
        faces, [to_rgba(TYPE_COLORS[t]) for t in ("advanced_vector", "embryo")]
    )
    assert ax.get_title(loc="left").startswith("Arranjos produtivos locais por tipo")


def test_typology_rejects_unknown_type(result):
    lps = result.lps.assign(lps_type=["center", "cluster", "embryo", "embryo", "x"])
    with pytest.raises(InputError, match="unknown lps_type value.*cluster, x"):
        typology_map(result.municipalities, lps)


def test_invalid_language(result):
    with pytest.raises(ConfigError, match="lang must be one of pt, en, got 'es'"):
        typology_map(result.municipalities, result.lps, lang="es")


# ------------------------------------------------------------------ QL


def test_ql_classes_bounds():
    ql = pd.Series([0.0, 1e-9, 0.999, 1.0, 1.999, 2.0, 4.999, 5.0, 250.0, np.nan])
    assert ql_classes(ql).tolist() == [0, 1, 1, 2, 2, 3, 3, 4, 4, pd.NA]
    # all zeros: quantile schemes collapse, fixed breaks do not
    assert ql_classes(pd.Series([0.0] * 5)).tolist() == [0] * 5
    with pytest.raises(ConfigError, match="3 increasing positive numbers"):
        ql_classes(ql, breaks=(1, 5))


def test_ql_map_classes_and_colours(result):
    ax = ql_map(result.municipalities, result.indicators, "15.3")
    labels, colors = legend_of(ax)
    assert labels == [
        "= 0 (6)",
        "> 0 and < 1 (3)",
        "1 to < 2 (2)",
        "2 to < 5 (2)",
        "≥ 5 (3)",
    ]
    assert_allclose(colors, [to_rgba(c) for c in QL_RAMP])
    fills = [tuple(c.get_facecolors()[0]) for c in ax.collections]
    assert_allclose(fills, [to_rgba(c) for c in QL_RAMP])
    assert [len(c.get_paths()) for c in ax.collections] == [6, 3, 2, 2, 3]


def test_ql_map_empty_classes_and_no_data(result):
    indicators = result.indicators[
        ~(
            (result.indicators["industry"] == "26.1")
            & (result.indicators["region"] == CODES[-1])
        )
    ]
    ax = ql_map(result.municipalities, indicators, "26.1", lang="pt")
    labels, colors = legend_of(ax)
    assert labels == [
        "= 0 (12)",
        "> 0 e < 1 (0)",
        "1 a < 2 (1)",
        "2 a < 5 (2)",
        "≥ 5 (0)",
        "Sem dados (1)",
    ]
    assert_allclose(colors[-1], to_rgba(NO_DATA_COLOR))


def test_ql_map_joins_through_unit(result):
    """Indicators at a coarser unit colour municipalities through ``unit``."""
    mun = result.municipalities.assign(unit=["19001"] * 8 + ["19002"] * 8)
    indicators = pd.DataFrame(
        {"region": ["19001", "19002"], "industry": ["15.3"] * 2, "ql": [5.5, 0.0]}
    )
    labels, _ = legend_of(ql_map(mun, indicators, "15.3"))
    assert labels[0] == "= 0 (8)" and labels[-1] == "≥ 5 (8)"


def test_codes_that_match_nothing(result):
    mun = result.municipalities.drop(columns="unit")
    indicators = result.indicators.assign(region="19001")
    with pytest.raises(InputError, match="no polygon code .e.g. 1900001. matches"):
        lisa_map(mun, indicators, "15.3")


def test_unknown_industry(result):
    with pytest.raises(InputError, match="industry '99.9' not found.*15.3, 26.1"):
        ql_map(result.municipalities, result.indicators, "99.9")


# ------------------------------------------------------------------ LISA, Gi*


def test_lisa_map(result):
    ax = lisa_map(result.municipalities, result.indicators, "15.3")
    labels, colors = legend_of(ax)
    expected = [
        ("High-High", "High-High (2)"),
        ("Low-Low", "Low-Low (1)"),
        ("Low-High", "Low-High (1)"),
        ("High-Low", "High-Low (1)"),
        ("not significant", "Not significant (10)"),
        ("isolated", "Isolated (no neighbours) (1)"),
    ]
    assert labels == [label for _, label in expected]
    assert_allclose(colors, [to_rgba(LISA_COLORS[k]) for k, _ in expected])
    fills = [tuple(c.get_facecolors()[0]) for c in ax.collections]
    assert_allclose(fills, [to_rgba(LISA_COLORS[k]) for k, _ in expected])


def test_lisa_map_rejects_unknown_label(result):
    bad = result.indicators.assign(lisa_label="HH")
    with pytest.raises(InputError, match="lisa_label has unknown value.*HH"):
        lisa_map(result.municipalities, bad, "15.3")


def test_gi_map(result):
    ax = gi_map(result.municipalities, result.indicators, "15.3")
    labels, colors = legend_of(ax)
    bins = [3, 2, 1, 0, -1, -2]
    assert labels == [
        "Hot spot 99% (2)",
        "Hot spot 95% (2)",
        "Hot spot 90% (1)",
        "Not significant (9)",
        "Cold spot 90% (1)",
        "Cold spot 95% (1)",
    ]
    assert_allclose(colors, [to_rgba(GI_BIN_COLORS[b]) for b in bins])
    ax = gi_map(result.municipalities, result.indicators, "26.1", lang="pt")
    labels, _ = legend_of(ax)
    assert labels == [
        "Ponto quente 99% (1)",
        "Ponto quente 95% (1)",
        "Não significativo (13)",
        "Ponto frio 99% (1)",
    ]


def test_gi_map_accepts_float_bins(result):
    """A GeoPackage column with missing bins comes back as float."""
    ind = result.indicators.assign(gi_bin=result.indicators["gi_bin"].astype(float))
    ind.loc[0, "gi_bin"] = np.nan
    labels, colors = legend_of(gi_map(result.municipalities, ind, "15.3"))
    assert labels[0] == "Hot spot 99% (1)" and labels[-1] == "No data (1)"


# ------------------------------------------------------------------ decorations


def test_scale_bar_north_arrow_and_source(result):
    ax = lisa_map(result.municipalities, result.indicators, "15.3", source="IBGE 2022")
    (bar,) = find_gid(ax, "scale_bar")
    # map is 80 km wide (plus margins): a fifth, rounded down to 1-2-5, is 10 km
    assert bar.txt_label.get_text() == "10 km"
    assert_allclose(bar.size_bar.get_children()[0].get_width(), 10_000)
    assert [t.get_text() for t in find_gid(ax, "north_arrow")] == ["N"]
    (note,) = find_gid(ax, "source_note")
    assert note.get_text() == "IBGE 2022 · SIRGAS 2000 / Brazil Polyconic"
    ax2 = gi_map(result.municipalities, result.indicators, "15.3")
    assert find_gid(ax2, "source_note")[0].get_text().startswith(DEFAULT_SOURCE)


def test_no_scale_bar_in_geographic_crs(result):
    mun = result.municipalities.to_crs("EPSG:4674")
    ax = typology_map(mun, result.lps.to_crs("EPSG:4674"))
    assert find_gid(ax, "scale_bar") == []
    assert len(find_gid(ax, "north_arrow")) == 1


# ------------------------------------------------------------------ files


def test_focus_industry(result):
    assert focus_industry(result) == "15.3"
    lps = result.lps.assign(industry=["15.3", "15.3", "26.1", "26.1", "10.1"])
    lps["lps_type"] = "embryo"
    lps["employment"] = [10.0, 20.0, 5.0, 40.0, 99.0]
    # 2 LPS each; 26.1 has more employment in its LPS
    tie = dataclasses.replace(result, lps=lps)
    assert focus_industry(tie) == "26.1"
    lps["employment"] = [20.0, 25.0, 5.0, 40.0, 99.0]
    tie = dataclasses.replace(result, lps=lps)
    assert focus_industry(tie) == "15.3"  # same employment: smaller code
    lps["lps_type"] = ["embryo"] * 4 + ["center"]
    centred = dataclasses.replace(result, lps=lps)
    assert focus_industry(centred) == "10.1"  # a centre beats more LPS


def test_write_maps_from_result(tmp_path, result):
    figures_before = plt.get_fignums()
    paths = write_maps(result, tmp_path / "maps")
    assert [p.name for p in paths] == [
        "typology.png",
        "ql_15_3.png",
        "lisa_15_3.png",
        "significance_15_3.png",
        "gi_15_3.png",
        "moran_15_3.png",
    ]
    for path in paths:
        data = path.read_bytes()
        assert data[:8] == PNG_SIGNATURE
        assert len(data) > 10_000
    assert sorted(p.name for p in (tmp_path / "maps").iterdir()) == sorted(
        p.name for p in paths
    )
    assert plt.get_fignums() == figures_before  # no pyplot figures leaked
    stamp = [p.stat().st_mtime_ns for p in paths]
    with pytest.raises(OutputExistsError, match="typology.png exists.*overwrite=True"):
        write_maps(result, tmp_path / "maps")
    assert [p.stat().st_mtime_ns for p in paths] == stamp


def test_write_maps_from_geopackage(tmp_path, result):
    gpkg = write_geopackage(result, tmp_path / "run.gpkg")
    out = tmp_path / "maps"
    out.mkdir()
    (out / "gi_26_1.svg").write_text("old")
    with pytest.raises(OutputExistsError, match="gi_26_1.svg exists"):
        write_maps(gpkg, out, industry="26.1", formats=("png", "svg"), dpi=50)
    assert [p.name for p in out.iterdir()] == ["gi_26_1.svg"]  # nothing written
    paths = write_maps(
        gpkg, out, industry="26.1", formats=("png", "svg"), dpi=50, overwrite=True
    )
    assert [p.name for p in paths] == [
        "typology.png",
        "typology.svg",
        "ql_26_1.png",
        "ql_26_1.svg",
        "lisa_26_1.png",
        "lisa_26_1.svg",
        "significance_26_1.png",
        "significance_26_1.svg",
        "gi_26_1.png",
        "gi_26_1.svg",
        "moran_26_1.png",
        "moran_26_1.svg",
    ]
    assert (out / "gi_26_1.svg").read_text()[:5] == "<?xml"
    assert "Fabricação de componentes" in (out / "ql_26_1.svg").read_text()
    assert_array_equal(
        sorted(p.name for p in out.iterdir()), sorted(p.name for p in paths)
    )


def test_write_maps_rejects_bad_options(tmp_path, result):
    with pytest.raises(ConfigError, match="map formats must be among png, pdf, svg"):
        write_maps(result, tmp_path, formats=("jpg",))
    with pytest.raises(InputError, match="industry '99' not found"):
        write_maps(result, tmp_path, industry="99")
    assert list(tmp_path.iterdir()) == []


def test_all_industries_and_page_size(tmp_path, result):
    paths = write_maps(
        result, tmp_path / "all", industries="all", formats=("pdf",), page_size="A3"
    )
    codes = sorted(set(result.indicators["industry"]))
    assert len(paths) == 1 + 5 * len(codes)
    assert {p.name for p in paths} >= {
        f"moran_{c.replace('.', '_')}.pdf" for c in codes
    }
    # A3 landscape page (bbox_inches="tight" trims it, never grows it)
    import shutil
    import subprocess

    from matplotlib.figure import Figure  # noqa: F401

    if shutil.which("pdfinfo"):
        info = subprocess.run(
            ["pdfinfo", str(paths[0])], capture_output=True, text=True
        ).stdout
        width = float(info.split("Page size:")[1].split("x")[0])
        assert 600 < width <= 16.54 * 72 + 1


def test_moran_scatter_slope_is_global_moran():
    """With row-standardised weights, global I is the slope of lag on z."""
    import geopandas as gpd
    from shapely.geometry import box

    import lps_geo
    from lps_geo.render.moran_plot import moran_scatter

    cells = [box(i, j, i + 1, j + 1) for j in range(6) for i in range(6)]
    idx = pd.Index([f"r{n:02d}" for n in range(36)], name="region")
    g, _ = lps_geo.build_weights(
        gpd.GeoDataFrame(geometry=cells, index=idx, crs="EPSG:5880"), "rook"
    )
    rng = np.random.default_rng(2)
    x = pd.DataFrame({"A": rng.gamma(2, 1, 36) + np.arange(36) / 6}, index=idx)
    res = lps_geo.spatial_statistics(x, g, permutations=0)
    ind = res.local.reset_index()
    z, lag = ind["lisa_z"].to_numpy(), ind["lisa_lag"].to_numpy()
    slope = (z * lag).sum() / (z * z).sum()
    np.testing.assert_allclose(slope, res.global_.loc["A", "moran_i"], rtol=1e-10)
    ax = moran_scatter(ind, "A")
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[-1] == f"I = {slope:.3f}"
    plt.close("all")


def test_inset_locator(result):
    import geopandas as gpd
    from shapely.geometry import box

    from lps_geo.render.maps import gi_map

    b = result.municipalities.total_bounds
    wide = gpd.GeoDataFrame(
        geometry=[box(b[0] - 5e5, b[1] - 5e5, b[2] + 5e5, b[3] + 5e5)],
        crs=result.municipalities.crs,
    )
    ax = gi_map(result.municipalities, result.indicators, "15.3", locator=wide)
    insets = [c for c in ax.child_axes if c.get_gid() == "inset_locator"]
    assert len(insets) == 1
    # the red frame is the main map's extent
    frame = insets[0].patches[-1]
    assert frame.get_width() == pytest.approx(np.diff(ax.get_xlim())[0])
    assert gi_map(result.municipalities, result.indicators, "15.3").child_axes == []
    plt.close("all")
