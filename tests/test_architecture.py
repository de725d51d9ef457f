"""The house: one-way layered imports, no cycles, one job per file, one vocabulary."""

from __future__ import annotations

import ast
import itertools
import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx
import pytest

from lps_geo import vocab

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lps_geo"
PLUGIN = ROOT / "qgis_plugin" / "lps_geo_qgis"
MAX_LINES = 800


def test_import_linter_contract_holds():
    # in a child process: import-linter configures logging for its own output
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports; "
            f"sys.exit(lint_imports(config_filename={str(ROOT / 'pyproject.toml')!r}, "
            "no_cache=True))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 kept, 0 broken" in done.stdout


def test_no_import_cycle_among_modules():
    # grimp counts every import, function-level and TYPE_CHECKING ones included
    graph = grimp.build_graph("lps_geo", cache_dir=None)
    g = nx.DiGraph()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            # a package's __init__ re-exporting its own modules is no cycle
            if not module.startswith(imported + ".") and not imported.startswith(
                module + "."
            ):
                g.add_edge(module, imported)
    cycles = list(itertools.islice(nx.simple_cycles(g), 5))
    assert cycles == [], f"import cycles: {cycles}"


def _library_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize(
    "path", _library_files(), ids=lambda p: str(p.relative_to(ROOT))
)
def test_each_file_holds_one_job(path: Path):
    text = path.read_text(encoding="utf-8")
    n = text.count("\n")
    assert n <= MAX_LINES, f"{path.name} has {n} lines (at most {MAX_LINES})"
    doc = ast.get_docstring(ast.parse(text))
    if path.name == "__init__.py" and not text.strip():
        return
    assert doc, f"{path.name} has no module docstring"
    first = doc.strip().splitlines()[0]
    assert first.endswith("."), f"{path.name}: first docstring line is not a sentence"


def _plugin_options():
    sys.path.insert(0, str(PLUGIN.parent))
    try:
        from lps_geo_qgis import options
    finally:
        sys.path.remove(str(PLUGIN.parent))
    return options


@pytest.mark.parametrize(
    ("name", "literal", "whole"),
    [
        ("TABLE_FORMS", vocab.TableForm, False),
        ("SIZE_MEASURES", vocab.SizeMeasure, True),
        ("INDUSTRY_LEVELS", vocab.IndustryLevel, True),
        ("REFERENCE_AREAS", vocab.ReferenceArea, True),
        ("SELECTIONS", vocab.IndustrySelection, True),
        ("WEIGHTS_KINDS", vocab.WeightsKind, True),
        ("VARIABLES", vocab.VariableKind, True),
        ("CORRECTIONS", vocab.Correction, True),
        ("LANGS", vocab.Lang, True),
        ("LANGS_PT_FIRST", vocab.Lang, True),
        ("PAGE_SIZES", vocab.PageSize, True),
        ("MAP_FORMATS", vocab.MapFormat, True),
        ("LPS_TYPES", vocab.LpsType, True),
    ],
)
def test_plugin_option_lists_follow_the_vocabulary(name, literal, whole):
    values = getattr(_plugin_options(), name)
    allowed = vocab.choices(literal)
    assert len(set(values)) == len(values)
    assert set(values) <= set(allowed), f"{name} offers values lps-geo refuses"
    if whole:
        assert set(values) == set(allowed), (
            f"{name} misses {set(allowed) - set(values)}"
        )


def test_plugin_options_are_all_checked():
    names = {n for n in dir(_plugin_options()) if n.isupper()}
    assert names == {
        "TABLE_FORMS",
        "SIZE_MEASURES",
        "INDUSTRY_LEVELS",
        "REFERENCE_AREAS",
        "SELECTIONS",
        "WEIGHTS_KINDS",
        "VARIABLES",
        "CORRECTIONS",
        "LANGS",
        "LANGS_PT_FIRST",
        "PAGE_SIZES",
        "MAP_FORMATS",
        "LPS_TYPES",
    }


def test_no_literal_defined_outside_vocab():
    offenders = []
    for path in _library_files():
        if path.name == "vocab.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Assign | ast.AnnAssign)
                and isinstance(getattr(node, "value", None), ast.Subscript)
                and getattr(node.value.value, "id", None) == "Literal"
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


@pytest.mark.parametrize(
    ("colors", "labels", "keys"),
    [
        ("TYPE_COLORS", "TYPE_LABELS", vocab.TYPES),
        ("LISA_COLORS", "LISA_LABELS", vocab.LISA_LABEL_KEYS),
        ("GI_BIN_COLORS", "GI_LABELS", vocab.GI_BINS),
        ("CHANGE_COLORS", "CHANGE_LABELS", vocab.CHANGE_CATEGORIES),
        ("INSTITUTION_COLORS", "INSTITUTION_LABELS", vocab.INSTITUTION_TYPES),
        ("INSTITUTION_COLORS", "INSTITUTION_NAMES", vocab.INSTITUTION_TYPES),
        ("SIGNIFICANCE_COLORS", "SIGNIFICANCE_LABELS", vocab.SIGNIFICANCE_CLASSES),
    ],
)
def test_every_category_has_one_colour_and_a_label_per_language(colors, labels, keys):
    from lps_geo import symbology

    assert tuple(getattr(symbology, colors)) == tuple(keys)
    for lang in vocab.choices(vocab.Lang):
        assert tuple(getattr(symbology, labels)[lang]) == tuple(keys), (labels, lang)
