"""The Result is frozen; a GeoPackage gives back its layers, report and warnings."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import lps_geo
from lps_geo.config import load_config
from lps_geo.result import RunMetadata, RunReport

DEMO = Path(__file__).resolve().parents[1] / "data" / "shapefiles"


@pytest.fixture(scope="module")
def result():
    cfg = load_config(DEMO / "demo.toml")
    cfg = replace(cfg, statistics=replace(cfg.statistics, permutations=199))
    return lps_geo.run(cfg)


def test_result_is_frozen_and_typed(result):
    assert isinstance(result.report, RunReport)
    assert isinstance(result.metadata, RunMetadata)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.report = None  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.report.n_lps = 0  # type: ignore[misc]
    assert result.report.n_lps == len(result.lps)
    assert result.report.statistics.permutations == 199
    # the run's warnings are the report's (one source, not two copies)
    assert result.warnings == result.report.warnings
    assert any("Ellison-Glaeser" in w for w in result.warnings)


def test_members_come_from_the_members_table(result):
    row = result.lps.iloc[0]
    members = result.members_of(row["lps_id"])
    assert members == sorted(row["members"].split(","))
    assert len(members) == row["n_members"]


def test_report_round_trips_through_json(result):
    doc = json.loads(json.dumps(result.report.to_dict(), default=str))
    back = RunReport.from_dict(doc)
    assert back.to_dict() == json.loads(
        json.dumps(result.report.to_dict(), default=str)
    )


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Attributes as a plain frame; geometry as its area (the GeoPackage
    stores polygons as multipolygons, the same shapes)."""
    out = pd.DataFrame(frame).reset_index(drop=True)
    if "geometry" in out.columns:
        out["geometry"] = gpd.GeoSeries(out["geometry"]).area.to_numpy()
    return out


def test_geopackage_round_trip(result, tmp_path):
    path = lps_geo.write_geopackage(result, tmp_path / "r.gpkg", styled=False)
    back = lps_geo.read_geopackage(path)
    # the report and the warnings come back whole (the warnings used to be lost)
    assert back.report.to_dict() == json.loads(
        json.dumps(replace(result.report, outputs=None).to_dict(), default=str)
    )
    assert back.warnings == result.warnings and len(back.warnings) > 0
    assert back.metadata.seed == result.metadata.seed
    assert back.metadata.config == json.loads(json.dumps(result.metadata.config))
    for name in ("lps", "lps_members", "industries", "institutions", "lps_capability"):
        a, b = _comparable(getattr(result, name)), _comparable(getattr(back, name))
        # written in the layer contract's column order, extra columns after
        assert set(b.columns) == set(a.columns), name
        assert_frame_equal(
            b[a.columns], a, check_dtype=False, check_exact=False, rtol=1e-12
        )
    a = _comparable(result.indicators)
    b = _comparable(back.indicators)
    assert set(b.columns) == set(a.columns)
    b = b[a.columns]
    assert_frame_equal(
        b.drop(columns=["lisa_label"]),
        a.drop(columns=["lisa_label"]),
        check_dtype=False,
        check_exact=False,
        rtol=1e-12,
    )
    assert (b["lisa_label"].astype(str) == a["lisa_label"].astype(str)).all()
    mun_a, mun_b = _comparable(result.municipalities), _comparable(back.municipalities)
    assert_frame_equal(
        mun_b[mun_a.columns], mun_a, check_dtype=False, check_exact=False, rtol=1e-12
    )
