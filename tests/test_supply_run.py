"""Suppliers, buyers and workforce of every LPS in a run (issue 14, items 2 and 1).

A 4 x 4 grid of 10 km municipalities (valid São Paulo codes, EPSG:5880):
footwear (15.3) in cells 5 and 6 forms the one LPS; leather tanning (15.1)
sits in cell 7, which touches cell 6; plastic products (22.2) in cell 15,
10 km from cell 6 (cells 6 = x 20-30 km, y 10-20 km and 15 = x 30-40 km,
y 30-40 km: dx 0, dy 10 km). Furniture (31.0) and retail (47.1) everywhere
are the rest of the economy. Every number below is computed by hand from
those tables.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import pandas as pd
import pytest
from conftest import require_shared
from shapely.geometry import box
from test_rais_workers import PDET_HEADER, worker

import lps_geo
from lps_geo.errors import ConfigError, InputError
from lps_geo.io.codes import check_digit
from lps_geo.io.inputoutput import read_production_chains
from lps_geo.method.supply import nearby_units

SIX = [f"35{n:04d}" for n in range(10, 170, 10)]
CODES = [c + check_digit(c) for c in SIX]

# (cell, industry, jobs) beyond the base economy of every cell
EXTRA = [(5, "15.3", 400), (6, "15.3", 400), (7, "15.1", 100), (15, "22.2", 80)]
BASE = {"31.0": 48, "47.1": 120}


@pytest.fixture
def world(tmp_path):
    cells = [box(i % 4 * 1e4, i // 4 * 1e4, (i % 4 + 1) * 1e4, (i // 4 + 1) * 1e4)
             for i in range(16)]  # fmt: skip
    gpd.GeoDataFrame(
        {"CD_MUN": CODES, "NM_MUN": [f"M{i}" for i in range(16)]},
        geometry=cells,
        crs=5880,
    ).to_file(tmp_path / "b.gpkg")
    rows = [(c, ind, n) for c in CODES for ind, n in BASE.items()]
    rows += [(CODES[k], ind, n) for k, ind, n in EXTRA]
    size = pd.DataFrame(rows, columns=["region", "industry", "employment"])
    size["establishments"] = size["employment"] // 10 + 1
    size.to_csv(tmp_path / "size.csv", index=False)
    (tmp_path / "chains.csv").write_text(
        "# footwear's chain, by hand\nindustry,supplier,note\n"
        "15.3,15.1,tanning\n15.3,22.2,soles\n15.3,13.5,not in the run\n",
        encoding="utf-8",
    )
    return tmp_path


def _run(folder, **characterisation):
    inputs = {
        "boundaries": {"path": str(folder / "b.gpkg")},
        "size": {
            "path": "size.csv",
            "form": "long",
            "region_column": "region",
            "industry_column": "industry",
            "employment_column": "employment",
            "establishments_column": "establishments",
        },
        "chains": "chains.csv",
    }
    inputs.update(characterisation.pop("inputs", {}))
    cfg = lps_geo.config_from_dict(
        {
            "inputs": inputs,
            "statistics": {"permutations": 0},
            "analysis": {"industries": ["15.3"]},
            "characterisation": characterisation,
        },
        base=folder,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lps_geo.run(cfg)


def test_chains_present_in_members_nearby_or_absent(world):
    res = _run(world, supplier_distance=5_000.0)
    assert len(res.lps) == 1
    lps_id = res.lps.iloc[0].lps_id
    assert res.members_of(lps_id) == sorted([CODES[5], CODES[6]])
    s = res.lps_suppliers.set_index("industries")
    assert list(s["role"]) == ["chain"] * 3 and list(s["rank"]) == [1, 2, 3]
    # tanning: cell 7 touches cell 6 (distance 0 <= 5 km), QL by hand
    total = 16 * 168 + 800 + 100 + 80
    tanning = s.loc["15.1"]
    assert not tanning.present_in_members and tanning.present_nearby
    assert tanning.nearby_present == "15.1" and tanning.best_region == CODES[7]
    assert tanning.best_ql == pytest.approx((100 / 268) / (100 / total))
    # soles: cell 15 is 10 km away, beyond 5 km
    soles = s.loc["22.2"]
    assert not soles.present_in_members and not soles.present_nearby
    assert soles.best_ql == 0.0  # none of the regions looked at has it
    # a supplier the run has no industry for is absent, without a QL
    assert not s.loc["13.5"].present_nearby and s.loc["13.5"].best_region is None
    block = res.report.characterisation["suppliers"]
    assert block["by_role"]["chain"] == {
        "links": 3,
        "present_in_members": 0,
        "present_nearby_only": 1,
        "absent": 2,
    }
    # 15 km reaches cell 15
    far = _run(world, supplier_distance=15_000.0).lps_suppliers.set_index("industries")
    assert far.loc["22.2"].present_nearby
    assert far.loc["22.2"].best_ql == pytest.approx((80 / 248) / (80 / total))


def test_nearby_units_by_polygon_distance(world):
    res = _run(world)
    # rebuild the analysis units from the result: cells 5 and 6 are members
    members = res.lps_members.assign(industry="15.3")
    units = res.municipalities.set_index("region")

    class A:  # the two fields nearby_units reads
        pass

    a = A()
    a.members, a.units = members, units
    near = nearby_units(a, 0.0)
    assert near.empty
    touching = set(nearby_units(a, 1.0)["region"])
    # queen neighbours of cells 5 and 6, and themselves
    expected = {CODES[k] for k in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)}
    assert touching == expected


def test_chain_table_errors_name_file_line_and_column(tmp_path):
    bad = tmp_path / "c.csv"
    bad.write_text("industry,supplier\n15.3,15.1\n15.3,xx\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"c.csv, line 3, column 'supplier'.*'xx'"):
        read_production_chains(bad)
    bad.write_text("industry,provider\n15.3,15.1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"lack column\(s\) supplier;"):
        read_production_chains(bad)
    bad.write_text("industry,supplier\n15.3,153\n", encoding="utf-8")
    with pytest.raises(InputError, match="its own supplier"):
        read_production_chains(bad)


def test_supplier_settings_are_checked():
    with pytest.raises(ConfigError, match="suppliers must be in 1..67"):
        lps_geo.config_from_dict(
            {
                "inputs": {"boundaries": {"path": "b"}, "size": {"path": "s"}},
                "characterisation": {"suppliers": 0},
            }
        )


def test_input_output_suppliers_of_footwear(world):
    """With IBGE's matrix: footwear's own activity (1500, leather and
    footwear) is its first supplier and carries tanning (15.1)."""
    path = require_shared("inputoutput", "Matriz_de_Insumo_Produto_2015_Nivel_67.xls")
    res = _run(world, inputs={"input_output": {"path": str(path)}, "chains": ""})
    s = res.lps_suppliers
    sup = s[s["role"] == "supplier"].sort_values("rank")
    assert len(sup) == 5 and set(s["role"]) == {"supplier", "buyer"}
    first = sup.iloc[0]
    assert first.activity == "1500" and first.is_self
    # the run's other industries of activity 1500: tanning only (22.2 is 2200)
    assert first.industries == "15.1" and first.nearby_present == "15.1"
    # coefficients are those of the matrix, ranked
    assert list(sup["coefficient"]) == sorted(sup["coefficient"], reverse=True)
    assert (sup["coefficient"] > 0).all()


def test_workers_of_every_lps(world):
    """Worker records (PDET layout) for footwear in cells 5 and 6 and in
    cell 0 (outside the LPS, same reference area): the LPS pools its two
    members; the area adds cell 0."""
    lines = [
        worker(SIX[5], "15319", "1", "2000,00", "7", "214905"),
        worker(SIX[5], "15319", "1", "1000,00", "5", "784205"),
        worker(SIX[6], "15319", "1", "3000,00", "9", "314205"),
        worker(SIX[6], "15319", "0", "9000,00", "9", "314205"),  # inactive
        worker(SIX[0], "15319", "1", "1000,00", "3", "784205"),
        worker(SIX[0], "15319", "1", "1000,00", "3", "784205"),
    ]
    text = "\n".join([";".join(PDET_HEADER), *lines]) + "\n"
    (world / "SP2015.txt").write_bytes(text.encode("latin-1"))
    res = _run(world, inputs={"workers": {"path": "SP2015.txt"}})
    w = res.lps_workers.iloc[0]
    assert w.lps_id == res.lps.iloc[0].lps_id and w.workers == 3
    assert w.mean_wage == pytest.approx(2000.0)
    assert w.secondary_share == pytest.approx(2 / 3)
    assert w.technical_share == pytest.approx(2 / 3)  # CBO 2xxxxx and 3xxxxx
    assert w.area_mean_wage == pytest.approx(8000 / 5)
    assert w.relative_wage == pytest.approx(2000 / 1600)
    assert w.area_secondary_share == pytest.approx(2 / 5)
    block = res.report.characterisation["workers"]
    assert block["n_lps"] == 1 and block["workers"] == 3


def test_suppliers_and_workers_layers_round_trip(world, tmp_path):
    from lps_geo.export.gpkg import read_geopackage, write_geopackage

    res = _run(world, supplier_distance=5_000.0)
    out = write_geopackage(res, tmp_path / "r.gpkg", styled=False)
    back = read_geopackage(out).lps_suppliers
    assert list(back.columns) == list(res.lps_suppliers.columns)
    for column in ("present_in_members", "present_nearby", "industries", "rank"):
        assert back[column].tolist() == res.lps_suppliers[column].tolist()
    assert back["best_ql"].tolist() == pytest.approx(
        res.lps_suppliers["best_ql"].tolist(), nan_ok=True
    )
