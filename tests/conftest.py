"""Shared fixtures: tiny hand-built data with explicit CRS, shared data path."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

ROOT = Path(__file__).resolve().parents[1]

#: Test files that share one pytest-xdist worker: each compiles PySAL esda's
#: numba kernels in its process (about 20 s, not cached on disk), so together
#: they compile them once.
ESDA_KERNELS = ("tests/test_pipeline.py", "tests/test_spatial.py")


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile`` (``make test``): each test file runs whole on one
    worker, so its module fixtures (a demo run, a national table) are built
    once, as in a serial run; the files of :data:`ESDA_KERNELS` count as one."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class Scheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            return ESDA_KERNELS[0] if scope in ESDA_KERNELS else scope

    return Scheduling(config, log)


def shared_data() -> Path:
    """Folder of the real Brazilian test data (``$LPS_GEO_DATA``)."""
    return Path(os.environ.get("LPS_GEO_DATA", ROOT.parent / "shared" / "data"))


def require_shared(*parts: str) -> Path:
    p = shared_data().joinpath(*parts)
    if not p.exists():
        pytest.skip(f"real data not available: {p} (set LPS_GEO_DATA)")
    return p


@pytest.fixture
def grid():
    """A 6 x 6 grid of 10 km squares in EPSG:5880, codes r00..r35 row-major."""
    cells = [
        box(x * 1e4, y * 1e4, (x + 1) * 1e4, (y + 1) * 1e4)
        for y in range(6)
        for x in range(6)
    ]
    idx = pd.Index([f"r{n:02d}" for n in range(36)], name="region")
    return gpd.GeoDataFrame(
        {"name": [f"Cell {n}" for n in range(36)]},
        geometry=cells,
        index=idx,
        crs="EPSG:5880",
    )


@pytest.fixture
def grid_values(grid):
    """A variable with a planted high cluster in the lower-left corner."""
    rng = np.random.default_rng(7)
    v = rng.gamma(2.0, 1.0, len(grid))
    hot = [0, 1, 6, 7, 12]
    v[hot] += 12
    return pd.DataFrame({"A": v, "B": rng.gamma(2.0, 1.0, len(grid))}, index=grid.index)


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Keep the weights cache of test runs out of the user's home."""
    old = os.environ.get("LPS_GEO_CACHE")
    os.environ["LPS_GEO_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        os.environ.pop("LPS_GEO_CACHE", None)
    else:
        os.environ["LPS_GEO_CACHE"] = old


@pytest.fixture(scope="session")
def _hostile_template(tmp_path_factory):
    """The hostile corpus's valid baseline, written once per session."""
    from hostile import make_baseline

    return make_baseline(tmp_path_factory.mktemp("hostile") / "template").folder


@pytest.fixture
def baseline(_hostile_template, tmp_path):
    """A private copy of the hostile corpus's valid baseline (tests/hostile.py)."""
    from hostile import copy_baseline

    return copy_baseline(_hostile_template, tmp_path / "case")
