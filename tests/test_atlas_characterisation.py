"""The LPS page's production-structure and related-industries sections.

The structure rows, related industries and suppliers are made by hand
here, with known numbers, and attached to the demo result (replacing what
the run gives, so the expectations do not follow the demo data). Page texts are read from the Figure's text artists; the whole pages
are checked in the PDF with poppler's ``pdftotext -bbox`` (word boxes must
not overlap nor cross the margins).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import warnings
from dataclasses import replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from numpy.testing import assert_allclose  # noqa: E402

import lps_geo  # noqa: E402
from lps_geo.render import atlas  # noqa: E402
from lps_geo.render.atlas.characterisation import _class_ranges  # noqa: E402
from lps_geo.result import LAYER_COLUMNS  # noqa: E402
from lps_geo.symbology import (  # noqa: E402
    SIZE_CLASS_COLORS,
    SIZE_CLASS_LABELS,
    STRUCTURE_DESCRIPTIONS,
    STRUCTURE_LABELS,
    SUPPLIER_PRESENCE_LABELS,
)
from lps_geo.vocab import (  # noqa: E402
    SIZE_CLASS_KEYS,
    STRUCTURE_LABEL_KEYS,
    SUPPLIER_PRESENCE_KEYS,
)

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "shapefiles" / "demo.toml"

#: Establishments and jobs by SEBRAE class (micro, small, medium, large) of
#: the hand-made structure rows.
N_CLASS = np.array([600, 120, 25, 5])
JOBS_CLASS = np.array([2400, 5100, 4500, 6000])


@pytest.fixture(scope="module")
def demo():
    """The demo run in memory (few permutations, no surfaces, no maps)."""
    cfg = lps_geo.load_config(DEMO)
    cfg = replace(
        cfg,
        statistics=replace(cfg.statistics, permutations=99),
        capability=replace(cfg.capability, permutations=19, surfaces=False),
        output=replace(cfg.output, maps=False),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lps_geo.run(cfg)


def structure_rows(result) -> pd.DataFrame:
    """One structure row per LPS, labels in turn, in the layer's column order."""
    rows = []
    for i, lps_id in enumerate(result.lps["lps_id"]):
        n, jobs = N_CLASS + i, JOBS_CLASS + 10 * i
        row = {
            "lps_id": lps_id,
            "industry": result.lps["industry"].iloc[i],
            "structure": STRUCTURE_LABEL_KEYS[i % 3],
            "establishments": int(n.sum()),
            "jobs": int(jobs.sum()),
            "mean_size": jobs.sum() / n.sum(),
            "relative_size": 1.25 + i / 100,
            "lead_establishments": 3 + i,
            "lead_jobs": 4000,
            "lead_share": 4000 / jobs.sum(),
            "largest": 1800,
            "cr4": 0.2346,
            "hhi": 0.0567,
        }
        for k, key in enumerate(SIZE_CLASS_KEYS):
            row[f"n_{key}"] = int(n[k])
            row[f"jobs_{key}"] = int(jobs[k])
        for band in range(1, 11):
            row[f"n_band{band:02d}"] = 0
            row[f"jobs_band{band:02d}"] = 0
        rows.append(row)
    return pd.DataFrame(rows, columns=list(LAYER_COLUMNS["lps_structure"]))


def supplier_rows(result) -> pd.DataFrame:
    """Suppliers of every LPS: two input-output ones, the industry itself,
    a buyer and a production-chain supplier (shown first)."""
    rows = []
    lps = result.lps
    for lps_id, industry in zip(lps["lps_id"], lps["industry"], strict=True):
        base = {
            "lps_id": lps_id,
            "industry": industry,
            "industries": "13.2",
            "coefficient": 0.1,
            "share": 0.2,
            "members_present": None,
            "nearby_present": None,
            "best_ql": 1.5,
            "best_industry": "13.2",
            "best_region": None,
        }
        for role, rank, activity, name, is_self, members, nearby in (
            ("supplier", 1, "1300", "Têxteis", False, False, True),
            ("supplier", 2, "2091", "Químicos orgânicos", False, False, False),
            ("supplier", 3, "1500", "Calçados", True, True, True),
            ("buyer", 1, "4680", "Comércio por atacado", False, True, True),
            ("chain", 1, None, None, False, True, True),
        ):
            rows.append(
                {
                    **base,
                    "role": role,
                    "rank": rank,
                    "activity": activity,
                    "activity_name": name,
                    "is_self": is_self,
                    "present_in_members": members,
                    "present_nearby": nearby,
                    "industries": "15.1" if role == "chain" else "13.2",
                }
            )
    return pd.DataFrame(rows)


def with_suppliers(result, suppliers: pd.DataFrame):
    """The result with ``lps_suppliers`` (a field once the method adds it)."""
    try:
        return replace(result, lps_suppliers=suppliers)
    except TypeError:  # not yet a field of Result: set it on a copy
        copy = replace(result)
        object.__setattr__(copy, "lps_suppliers", suppliers)
        return copy


def page_texts(fig) -> list[str]:
    return [t.get_text() for t in fig.texts]


def by_gid(fig, prefix: str) -> dict:
    return {
        a.get_gid()[len(prefix) :]: a
        for a in fig.findobj(lambda a: str(a.get_gid()).startswith(prefix))
    }


def gid_texts(fig) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for t in fig.texts:
        if t.get_gid():
            out.setdefault(t.get_gid(), []).append(t.get_text())
    return out


@pytest.fixture(autouse=True)
def close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


# ------------------------------------------------------ production structure


def test_structure_section_labels_numbers_and_bars(demo):
    result = replace(demo, lps_structure=structure_rows(demo))
    for i in (0, 1, 2):  # one LPS of each structure label
        lps_id = result.lps["lps_id"].iloc[i]
        s = result.lps_structure.iloc[i]
        fig = atlas.lps_page_figure(result, lps_id)
        texts = page_texts(fig)
        assert "Production structure" in texts
        key = STRUCTURE_LABEL_KEYS[i % 3]
        assert STRUCTURE_LABELS["en"][key] in texts
        assert STRUCTURE_DESCRIPTIONS["en"][key] in texts
        assert set(by_gid(fig, "structure:")) == {key}
        # the totals beside the bars and the figures table
        for label, value in (
            ("Establishments", f"{s['establishments']:,}"),
            ("Jobs", f"{s['jobs']:,}"),
            ("Jobs per establishment", f"{s['mean_size']:.1f}"),
            ("Relative size", f"{1.25 + i / 100:.2f} ×"),
            ("Leads (≥ 500 jobs)", str(3 + i)),
            ("Leads' share of jobs", f"{100 * s['lead_share']:.1f} %"),
            ("CR4 (jobs)", "23.5 %"),
            ("Herfindahl", "0.057"),
        ):
            assert label in texts, label
            assert value in texts, (label, value)
        # two stacked bars, segments in the class colours, widths as shares
        for what, prefix in (("establishments", "n"), ("jobs", "jobs")):
            bars = by_gid(fig, f"size_bar:{what}:")
            assert list(bars) == list(SIZE_CLASS_KEYS)
            counts = np.array([s[f"{prefix}_{k}"] for k in SIZE_CLASS_KEYS], float)
            widths = np.array([bars[k].get_width() for k in SIZE_CLASS_KEYS])
            assert_allclose(widths / widths.sum(), counts / counts.sum())
            lefts = [bars[k].get_x() for k in SIZE_CLASS_KEYS]
            assert_allclose(np.diff(lefts), widths[:-1])  # stacked, no gaps
            for k, bar in bars.items():
                assert_allclose(bar.get_facecolor(), to_rgba(SIZE_CLASS_COLORS[k]))
        shares = {k: t.get_text() for k, t in by_gid(fig, "size_share:").items()}
        if i == 0:
            assert shares["establishments:micro"] == "80 %"  # 600 of 750
            assert shares["jobs:large"] == "33 %"  # 6,000 of 18,000
            assert "establishments:large" not in shares  # too narrow to label
        # the key: class names with their jobs (manufacturing cut-offs)
        for k, r in _class_ranges("industry", "en").items():
            assert f"{SIZE_CLASS_LABELS['en'][k]} {r}" in texts
        fig.clear()


def test_structure_section_in_portuguese(demo):
    result = replace(demo, lps_structure=structure_rows(demo))
    lps_id = result.lps["lps_id"].iloc[1]
    fig = atlas.lps_page_figure(result, lps_id, lang="pt")
    texts = page_texts(fig)
    assert "Estrutura produtiva" in texts
    assert STRUCTURE_LABELS["pt"]["core_ring"] in texts
    assert "Estabelecimentos" in texts and "754" in texts
    assert "18.040" in texts  # jobs, Portuguese thousands separator
    assert "Líderes (≥ 500 empr.)" in texts
    assert "1,26 ×" in texts and "23,5 %" in texts and "0,057" in texts
    assert "Pequeno 20–99" in texts and "Grande ≥ 500" in texts


def test_size_class_ranges_by_sector():
    assert _class_ranges("industry", "en") == {
        "micro": "≤ 19",
        "small": "20–99",
        "medium": "100–499",
        "large": "≥ 500",
    }
    assert _class_ranges("services", "pt")["large"] == "≥ 100"


def test_run_without_structure_has_no_structure_section(demo):
    demo = replace(demo, lps_structure=None)  # a run without microdata
    lps_id = demo.lps["lps_id"].iloc[0]
    fig = atlas.lps_page_figure(demo, lps_id)
    texts = page_texts(fig)
    assert "Production structure" not in texts
    assert not by_gid(fig, "size_bar:")
    assert not any(STRUCTURE_LABELS["en"][k] in texts for k in STRUCTURE_LABEL_KEYS)
    # the related industries take the whole band, from the left margin
    heading = next(t for t in fig.texts if t.get_gid() == "related")
    assert heading.get_position()[0] == pytest.approx(0.06)
    # with neither table, the band is left out
    bare = replace(demo, lps_related=None)
    fig = atlas.lps_page_figure(bare, lps_id)
    gids = gid_texts(fig)
    assert "related" not in gids and "structure" not in gids


def test_lps_without_a_structure_row(demo):
    rows = structure_rows(demo)
    missing = rows["lps_id"].iloc[0]
    result = replace(demo, lps_structure=rows.iloc[1:])
    fig = atlas.lps_page_figure(result, missing)
    texts = page_texts(fig)
    assert "Production structure" in texts
    assert "No production-structure measures for this LPS." in texts
    assert not by_gid(fig, "size_bar:")


# --------------------------------------------------------- related industries


def related_rows(result, lps_id: str, n: int = 7) -> pd.DataFrame:
    """``n`` related industries of one LPS, weakest first (the page sorts)."""
    lps = result.lps.set_index("lps_id")
    industry = lps.loc[lps_id, "industry"]
    others = result.industries[result.industries["industry"] != industry].head(n)
    k = np.arange(len(others))
    rows = pd.DataFrame(
        {
            "lps_id": lps_id,
            "industry": industry,
            "related_industry": others["industry"].to_numpy(),
            "related_title": others["title"].to_numpy(),
            "relatedness": 1.3 + 0.25 * k,
            "ql": 1.05 + 0.5 * k,
            "size": 100.0 * (k + 1),
            "share_of_size": 0.0123 * (k + 1),
        }
    )
    return rows[list(LAYER_COLUMNS["lps_related"])]


def test_related_section_lists_the_strongest_related_industries(demo):
    lps_id = demo.lps["lps_id"].iloc[0]
    related = related_rows(demo, lps_id)
    result = replace(demo, lps_related=related)
    mine = related.sort_values("relatedness", ascending=False)
    fig = atlas.lps_page_figure(result, lps_id)
    texts = page_texts(fig)
    assert "Related industries in the members" in texts
    names = gid_texts(fig)["related"][1:]  # the heading, then the rows
    assert len(names) == 5
    for name, (_, r) in zip(names, mine.head(5).iterrows(), strict=True):
        assert name.startswith(f"{r['related_industry']} ")
        title = name.removeprefix(f"{r['related_industry']} ").removesuffix("…")
        assert r["related_title"].startswith(title)
        assert f"{r['relatedness']:.2f}" in texts
        assert f"{r['ql']:.2f}" in texts
        assert f"{100 * r['share_of_size']:.1f} %" in texts
    assert "% of\njobs" in texts  # the size measure of the demo is employment
    left_out = mine.iloc[5]
    assert not any(n.startswith(f"{left_out['related_industry']} ") for n in names)
    density = demo.lps.set_index("lps_id").loc[lps_id, "relatedness_density"]
    assert gid_texts(fig)["relatedness_density"] == [f"{density:.1f}"]
    assert "Relatedness density (0–100)" in texts


def test_related_section_without_related_industries(demo):
    present = set(demo.lps_related["lps_id"])
    lps_id = next(i for i in demo.lps["lps_id"] if i not in present)
    fig = atlas.lps_page_figure(demo, lps_id, lang="pt")
    texts = page_texts(fig)
    assert "Atividades relacionadas nos membros" in texts
    assert "Nenhuma atividade relacionada é especializada nos membros." in texts


def test_suppliers_line(demo):
    result = with_suppliers(demo, supplier_rows(demo))
    lps_id = result.lps["lps_id"].iloc[0]
    fig = atlas.lps_page_figure(result, lps_id)
    where = SUPPLIER_PRESENCE_LABELS["en"]
    expected = (
        f"Main suppliers: 15.1 ({where['members']}); Têxteis ({where['nearby']}); "
        f"Químicos orgânicos ({where['absent']})."
    )
    (line,) = gid_texts(fig)["suppliers"]
    assert " ".join(line.split()) == expected  # the chain first; no self, buyer
    fig = atlas.lps_page_figure(result, lps_id, lang="pt")
    (line,) = gid_texts(fig)["suppliers"]
    assert " ".join(line.split()).startswith("Principais fornecedores: 15.1 (nos")
    assert set(SUPPLIER_PRESENCE_LABELS["pt"]) == set(SUPPLIER_PRESENCE_KEYS)
    # no suppliers table: no line
    fig = atlas.lps_page_figure(demo, lps_id)
    assert "suppliers" not in gid_texts(fig)


# ------------------------------------------------------------- whole pages


def word_boxes(pdf: Path, page: int) -> list[tuple[str, float, float, float, float]]:
    """Words of a PDF page with their boxes, in page fractions."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    size = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', out)
    w, h = float(size.group(1)), float(size.group(2))
    pattern = (
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
        r'yMax="([\d.]+)">([^<]*)</word>'
    )
    return [
        (html.unescape(t), float(a) / w, float(b) / h, float(c) / w, float(d) / h)
        for a, b, c, d, t in re.findall(pattern, out)
    ]


@pytest.mark.parametrize("lang", ["en", "pt"])
def test_pages_have_no_overlapping_words(demo, tmp_path, lang):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed (pdftotext missing)")
    result = with_suppliers(
        replace(demo, lps_structure=structure_rows(demo)), supplier_rows(demo)
    )
    out = atlas.write_atlas(result, tmp_path / "a.pdf", lang=lang, industries="13.2")
    plan = atlas.atlas_plan(result, industries="13.2")
    pages = [n for n, p in enumerate(plan, start=1) if p.kind in ("lps", "methods")]
    assert len(pages) == 3
    for page in pages:
        words = word_boxes(out, page)
        text = " ".join(w[0] for w in words)
        if plan[page - 1].kind == "lps":
            assert "Estrutura produtiva" in text or "Production structure" in text
        for i, (t1, x0, y0, x1, y1) in enumerate(words):
            assert 0.05 < x0 and x1 < 0.95, (page, t1)
            for t2, u0, v0, u1, v1 in words[i + 1 :]:
                # two-line column headers touch by a hair (font ascent/descent)
                w = min(x1, u1) - max(x0, u0)
                h = min(y1, v1) - max(y0, v0)
                assert w <= 0.0015 or h <= 0.0015, (page, t1, t2, w, h)
