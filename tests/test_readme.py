"""The README's Python API examples run, as written, on the demo data."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _api_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_readme_has_python_api_examples():
    assert len(_api_blocks()) >= 2


@pytest.mark.parametrize("index", range(len(_api_blocks())))
def test_readme_python_api_block_runs(index, tmp_path, monkeypatch):
    if not (ROOT / "data" / "shapefiles" / "demo.toml").exists():
        pytest.skip("the demo data (data/shapefiles) are not in this checkout")
    monkeypatch.chdir(ROOT)
    code = _api_blocks()[index].replace('"out/', f'"{tmp_path.as_posix()}/')
    namespace: dict = {"__name__": "readme"}
    exec(compile(code, f"README.md Python API block {index + 1}", "exec"), namespace)
    assert os.getcwd() == str(ROOT)
