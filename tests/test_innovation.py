"""Innovation outputs linked to LPS: hand-computed measures and the permutation test."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from lps_geo.config_rules import merged_index_weights
from lps_geo.io.innovation import InnovationOutputs, InnovationReport
from lps_geo.method import innovation
from lps_geo.method.capability import region_capability
from lps_geo.method.capability_inputs import region_seats
from lps_geo.method.capability_test import (
    capability_permutation_test,
    linked_output_permutation_test,
)
from lps_geo.vocab import INSTITUTION_TYPES

CRS = "EPSG:5880"


def _strip(n: int = 12) -> gpd.GeoDataFrame:
    """``n`` 10 km squares in a row: seats 10 km apart."""
    return gpd.GeoDataFrame(
        geometry=[box(10_000 * i, 0, 10_000 * (i + 1), 10_000) for i in range(n)],
        index=pd.Index([f"r{i:02d}" for i in range(n)], name="region"),
        crs=CRS,
    )


def _outputs(rows, kind="patents", system="ipc_class", measure="count"):
    table = pd.DataFrame(rows, columns=["region", "field", "value"])
    table["kind"], table["system"], table["measure"] = kind, system, measure
    table["year"] = pd.array([pd.NA] * len(table), dtype="Int64")
    report = InnovationReport(
        source="t.csv",
        format="long",
        kind=kind,
        system=system,
        measure=measure,
        level="municipality",
        n_read=len(table),
        n_matched=len(table),
        unmatched=(),
        candidates={},
        ambiguous={},
        allocation=None,
        n_regions=table["region"].nunique(),
        total=float(table["value"].sum()),
    )
    return InnovationOutputs(table=table, report=report)


@pytest.fixture
def toy_concordance(monkeypatch):
    """Two fields: X1 half footwear (15) half electronics (26), X2 electronics."""
    weights = pd.DataFrame(
        {"15": [0.5, 0.0], "26": [0.5, 1.0]}, index=pd.Index(["X1", "X2"])
    )
    monkeypatch.setattr(innovation, "field_division_weights", lambda s: weights)
    monkeypatch.setattr(
        innovation,
        "linked_fields",
        lambda d, s, top=3: (("X1", "Field one", 0.5),),
    )
    return weights


def test_division_of():
    assert innovation.division_of("15.3") == "15"
    assert innovation.division_of("26.10-8") == "26"
    assert innovation.division_of(" 10 ") == "10"
    assert innovation.division_of("C") is None


def test_linked_by_division_hand_computed(toy_concordance):
    frame = pd.DataFrame(
        {
            "region": ["a", "a", "b", "b"],
            "system": "ipc_class",
            "field": ["X1", "X2", "X1", "Z9"],
            "value": [4.0, 2.0, 1.0, 7.0],
        }
    )
    linked, unknown = innovation.linked_by_division(frame, pd.Index(["a", "b", "c"]))
    # a: 15 = 0.5*4 = 2; 26 = 0.5*4 + 2 = 4. b: 15 = 0.5, 26 = 0.5. c: nothing
    assert linked.loc["a", "15"] == pytest.approx(2.0)
    assert linked.loc["a", "26"] == pytest.approx(4.0)
    assert linked.loc["b", "15"] == pytest.approx(0.5)
    assert linked.loc["c"].sum() == 0.0
    assert unknown == {"ipc_class": ["Z9"]}


def test_within_totals_counts_self_and_neighbours():
    units = _strip(5)
    values = pd.Series({"r00": 1.0, "r01": 2.0, "r04": 8.0})
    got = innovation.within_totals(values, units, 10_000)
    # seats 10 km apart: each reaches itself and its neighbours
    assert got.tolist() == [3.0, 3.0, 2.0, 8.0, 8.0]


def test_lps_innovation_hand_computed(toy_concordance):
    units = _strip(12)
    outs = (
        _outputs(
            [
                ("r01", "X1", 10.0),  # member of the footwear LPS
                ("r02", "X1", 6.0),  # neighbour: within 10 km of r01
                ("r02", "X2", 5.0),
                ("r09", "X2", 3.0),  # electronics LPS's member
            ]
        ),
    )
    lps = pd.DataFrame(
        {"lps_id": ["15.3@r01", "26.1@r09"], "industry": ["15.3", "26.1"]}
    )
    members = pd.DataFrame(
        {
            "lps_id": ["15.3@r01", "15.3@r01", "26.1@r09"],
            "region": ["r00", "r01", "r09"],
        }
    )
    population = pd.Series(100_000.0, index=units.index)
    got = innovation.innovation_layers(
        outs,
        lps,
        members,
        units,
        population=population,
        distance=10_000,
        permutations=99,
    )
    layer = got.lps.set_index("lps_id")
    foot, elec = layer.loc["15.3@r01"], layer.loc["26.1@r09"]
    assert foot["division"] == "15" and foot["kind"] == "patents"
    assert foot["total"] == 10.0  # every field in r00 + r01
    assert foot["linked"] == pytest.approx(5.0)  # 0.5 * 10
    # within reach of r00 or r01: r00, r01, r02 -> 0.5 * (10 + 6)
    assert foot["linked_within"] == pytest.approx(8.0)
    assert foot["per_100k"] == pytest.approx(5.0 / 200_000 * 1e5)
    assert elec["linked"] == pytest.approx(3.0)
    assert elec["linked_within"] == pytest.approx(3.0)  # r08, r09, r10
    assert foot["draws"] == 99 and foot["fields"] == "Field one (50%)"
    assert foot["statistic"] == "per_100k"
    assert list(got.lps.columns) == list(innovation.INNOVATION_COLUMNS)
    # per unit: totals and within-reach totals (all fields)
    assert got.regions.loc["r02", "patents_total"] == 11.0
    assert got.regions.loc["r01", "patents_within"] == 21.0
    assert got.report["kinds"]["patents"]["fields_not_in_concordance"] == {}


def test_linked_test_equals_capability_test_on_points_at_seats():
    """Without population, the members' outputs are institutions placed at
    the members' seats reached within a radius shorter than the seat
    spacing: same statistic, same draws, same p-values."""
    units = _strip(30)
    rng = np.random.default_rng(3)
    v = np.where(rng.random(30) < 0.4, rng.integers(1, 9, 30), 0).astype(float)
    values = pd.DataFrame({"15": v}, index=units.index)
    members = pd.DataFrame(
        {"lps_id": ["a", "a", "b", "c"], "region": ["r03", "r04", "r17", "r25"]}
    )
    keys = pd.Series({"a": "15", "b": "15", "c": "15"})
    got = linked_output_permutation_test(
        values, members, keys, units, permutations=199, seed=7
    )
    seats = region_seats(units)
    sel = v > 0
    inst = gpd.GeoDataFrame(
        {"type": "university", "weight": v[sel]},
        geometry=gpd.points_from_xy(seats[sel, 0], seats[sel, 1]),
        index=pd.Index([f"i{i}" for i in range(int(sel.sum()))], name="inst_id"),
        crs=CRS,
    )
    ref = capability_permutation_test(
        inst, members, units, distance=1_000, permutations=199, seed=7
    )
    cols = ["observed", "expected", "p_value", "p_adj", "draws"]
    pd.testing.assert_frame_equal(got[cols], ref[cols])


def test_linked_test_per_inhabitant_hand_computed():
    """With population the statistic is per 100,000: a big member with
    proportionally many outputs is not significant, a small dense one is."""
    units = _strip(40)
    pop = pd.Series(
        np.where(np.arange(40) % 2, 10_000.0, 1_000_000.0), index=units.index
    )
    v = pop / 1e5  # one output per 100,000 everywhere ...
    v.iloc[1] = 5.0  # ... but a small town (r01) with five times that rate
    values = pd.DataFrame({"15": v})
    members = pd.DataFrame({"lps_id": ["big", "small"], "region": ["r00", "r01"]})
    keys = pd.Series({"big": "15", "small": "15"})
    got = linked_output_permutation_test(
        values, members, keys, units, population=pop, permutations=99
    )
    assert got.loc["big", "observed"] == pytest.approx(1.0)
    assert got.loc["small", "observed"] == pytest.approx(50.0)
    # same-stratum draws all have rate 1: ties for "big", nothing for "small"
    assert got.loc["big", "p_value"] == pytest.approx(1.0)
    assert got.loc["small", "p_value"] == pytest.approx(0.01)
    assert got.loc["small", "expected"] == pytest.approx(1.0)


def test_linked_test_salt_changes_draws_not_statistic():
    units = _strip(20)
    values = pd.DataFrame({"15": np.arange(20, dtype=float)}, index=units.index)
    members = pd.DataFrame({"lps_id": ["a"], "region": ["r10"]})
    keys = pd.Series({"a": "15"})
    one = linked_output_permutation_test(values, members, keys, units, permutations=99)
    two = linked_output_permutation_test(
        values, members, keys, units, permutations=99, salt="x:"
    )
    assert one["observed"].iloc[0] == two["observed"].iloc[0] == 10.0
    assert one["expected"].iloc[0] != two["expected"].iloc[0]


def test_untested_lps_without_key_or_outputs():
    units = _strip(10)
    values = pd.DataFrame({"15": 0.0, "26": 1.0}, index=units.index)
    members = pd.DataFrame({"lps_id": ["a", "b"], "region": ["r01", "r05"]})
    got = linked_output_permutation_test(
        values, members, pd.Series({"a": "15"}), units, permutations=49
    )
    assert got["draws"].tolist() == [0, 0]
    assert got["strata_used"].tolist() == ["none", "none"]
    assert got["p_value"].isna().all()


def test_innovation_component_enters_the_index():
    units = _strip(6)
    inst = gpd.GeoDataFrame(
        {"type": ["university"]},
        geometry=gpd.points_from_xy([5_000], [5_000]),
        index=pd.Index(["u"], name="inst_id"),
        crs=CRS,
    )
    comp = pd.DataFrame(
        {"patents": [0.0, 0.0, 0.0, 0.0, 0.0, np.e - 1]}, index=units.index
    )
    base = region_capability(inst, units, distance=1_000)
    with_patents = region_capability(inst, units, distance=1_000, components=comp)
    # z of log1p(patents): five at 0 and one at 1 -> mean 1/6, sd sqrt(5)/6
    z_last = (1 - 1 / 6) / (np.sqrt(5) / 6)
    w_types = sum(merged_index_weights(None)[t] for t in INSTITUTION_TYPES)
    expected = (base["capability_index"].iloc[-1] * w_types + z_last) / (w_types + 1)
    assert with_patents["capability_index"].iloc[-1] == pytest.approx(expected)
    zero = region_capability(
        inst,
        units,
        distance=1_000,
        components=comp,
        index_weights={"patents": 0.0},
    )
    pd.testing.assert_series_equal(zero["capability_index"], base["capability_index"])


def test_indicator_statistic_is_the_mean_per_member():
    units = _strip(20)
    v = pd.Series(0.0, index=units.index)
    v.iloc[[2, 3]] = [1.0, 0.5]
    members = pd.DataFrame({"lps_id": ["a", "a"], "region": ["r02", "r03"]})
    pop = pd.Series(np.linspace(1_000, 50_000, 20), index=units.index)
    got = linked_output_permutation_test(
        pd.DataFrame({"15": v}),
        members,
        pd.Series({"a": "15"}),
        units,
        population=pop,
        permutations=99,
        per_member=True,
    )
    assert got.loc["a", "observed"] == pytest.approx(0.75)


def test_indicators_are_read_against_the_division_profile(monkeypatch):
    """0/1 indicators: L = sum_f P(f | d) I_f, the share of the division's
    patenting in fields where the region is specialised."""
    shares = pd.DataFrame(
        {"A": [0.75, 0.1], "B": [0.25, 0.9]}, index=pd.Index(["15", "26"])
    )
    monkeypatch.setattr(innovation, "division_field_shares", lambda s: shares)
    frame = pd.DataFrame(
        {
            "region": ["a", "a", "b"],
            "system": "ipc_section",
            "field": ["A", "B", "B"],
            "value": [1.0, 0.0, 1.0],
        }
    )
    linked, _ = innovation.linked_by_division(
        frame, pd.Index(["a", "b"]), indicator=True
    )
    assert linked.loc["a", "15"] == pytest.approx(0.75)
    assert linked.loc["b", "15"] == pytest.approx(0.25)
    assert linked.loc["b", "26"] == pytest.approx(0.9)
