"""Configuration: TOML loading, defaults, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from lps_geo.config import config_from_dict, load_config
from lps_geo.errors import ConfigError

MIN = {
    "inputs": {
        "boundaries": {"path": "m.shp"},
        "size": {"path": "e.csv"},
    }
}


def test_defaults():
    cfg = config_from_dict(MIN)
    assert cfg.statistics.permutations == "auto"
    assert cfg.statistics.gi_null == "total"
    assert cfg.capability.permutations == "auto"
    assert cfg.statistics.correction == "fdr"
    assert cfg.analysis.size_measure == "employment"
    assert cfg.typology.thresholds().ql_high == 5.0


def test_relative_paths_resolve_against_the_file(tmp_path):
    (tmp_path / "run.toml").write_text(
        '[inputs.boundaries]\npath = "b.gpkg"\n[inputs.size]\npath = "data/e.csv"\n'
        "[typology]\nql_high = 4\n"
    )
    cfg = load_config(tmp_path / "run.toml")
    assert cfg.inputs.boundaries.path == tmp_path / "b.gpkg"
    assert cfg.inputs.size.path == tmp_path / "data" / "e.csv"
    assert cfg.typology.thresholds().ql_high == 4.0
    assert cfg.source == (tmp_path / "run.toml").resolve()


@pytest.mark.parametrize(
    "patch, match",
    [
        ({"statistics": {"permutations": -1}}, "permutations must be in"),
        ({"statistics": {"weights": "hex"}}, "'hex' is not valid; choose one of"),
        ({"statistics": {"permutatons": 9}}, r"unknown key\(s\) permutatons"),
        ({"statistics": {"alpha": "0.05"}}, "alpha must be a number"),
        ({"typology": {"preset": "x"}}, "unknown typology preset"),
        ({"analysis": {"unit": "group"}}, "needs an \\[inputs.lookup\\]"),
        ({"analisys": {}}, r"unknown section\(s\) analisys"),
    ],
)
def test_errors_name_the_key(patch, match):
    with pytest.raises(ConfigError, match=match):
        config_from_dict({**MIN, **patch})


def test_missing_inputs():
    with pytest.raises(ConfigError, match="no \\[inputs\\]"):
        config_from_dict({})
    with pytest.raises(ConfigError, match="missing required key"):
        config_from_dict({"inputs": {"boundaries": {}, "size": {"path": "x"}}})


def test_bad_toml(tmp_path: Path):
    p = tmp_path / "bad.toml"
    p.write_text("[inputs\n")
    with pytest.raises(ConfigError, match="bad.toml: invalid TOML"):
        load_config(p)
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_demo_config_loads():
    root = Path(__file__).resolve().parents[1]
    cfg = load_config(root / "data" / "shapefiles" / "demo.toml")
    assert cfg.inputs.size.form == "rais_microdata"
    assert cfg.inputs.workers.path.name == "RAIS_VINC_PUB.txt.gz"
    assert cfg.output.lang == "pt"


@pytest.mark.parametrize(
    "patch, match",
    [
        ({"statistics": {"weights": "distance_band"}}, "needs statistics.threshold"),
        ({"statistics": {"variable": "lq"}}, "'lq' is not valid"),
        ({"statistics": {"islands": "sink"}}, "'sink' is not valid"),
        ({"statistics": {"fdr_scope": "state"}}, "'state' is not valid"),
        ({"statistics": {"snap": -1.0}}, "snap must be >= 0"),
    ],
)
def test_statistics_options_errors(patch, match):
    with pytest.raises(ConfigError, match=match):
        config_from_dict({**MIN, **patch})


def test_statistics_defaults():
    st = config_from_dict(MIN).statistics
    assert (st.engine, st.variable, st.islands, st.fdr_scope) == (
        "numba",
        "ql",
        "attach",
        "industry",
    )


def test_boundary_and_atlas_lists():
    cfg = config_from_dict(
        {
            "inputs": {
                "boundaries": {"path": "m.gpkg", "exclude_codes": [4399999, "4300001"]},
                "size": {"path": "e.csv"},
            },
            "analysis": {"reference_area": "both"},
            "output": {"atlas_types": ["center"], "atlas_states": ["35"]},
        }
    )
    assert cfg.inputs.boundaries.exclude_codes == ("4399999", "4300001")
    assert cfg.inputs.boundaries.non_municipal == "drop"
    assert cfg.output.atlas_types == ("center",)
    assert cfg.output.atlas_industries == ()
    assert cfg.analysis.reference_area == "both"
    with pytest.raises(ConfigError, match="exclude_codes must be a list of codes"):
        config_from_dict(
            {
                "inputs": {
                    "boundaries": {"path": "m.gpkg", "exclude_codes": "4300001"},
                    "size": {"path": "e.csv"},
                }
            }
        )


@pytest.mark.parametrize(
    "patch, match",
    [
        ({"typology": {"ql_high": "5"}}, r"\[typology\] ql_high must be a number"),
        ({"comparison": {"size": {"path": "a.csv"}, "decline": "x"}}, "decline"),
        ({"output": {"focus_industry": 153}}, r"\[output\] focus_industry must be a"),
        ({"statistics": {"seed": 2**32}}, r"statistics.seed must be in 0\.\."),
    ],
)
def test_typed_keys_checked_generally(patch, match):
    with pytest.raises(ConfigError, match=match):
        config_from_dict({**MIN, **patch})


def test_check_config_validates_a_replaced_value():
    from dataclasses import replace

    from lps_geo.config import check_config

    cfg = config_from_dict(MIN)
    with pytest.raises(ConfigError, match="statistics.permutations"):
        check_config(replace(cfg, statistics=replace(cfg.statistics, permutations=-3)))
    assert config_from_dict({**MIN, "typology": {"ql_high": 4}}).typology.ql_high == 4.0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("many", "choose one of 'auto'|must be .auto. or an integer"),
        (2.5, 'must be "auto" or an integer, got 2.5'),
        (True, 'must be "auto" or an integer, got True'),
        (-1, r"statistics.permutations must be in 0..999999, got -1"),
    ],
)
def test_permutations_auto_or_a_whole_number(value, message):
    with pytest.raises(ConfigError, match=message):
        config_from_dict({**MIN, "statistics": {"permutations": value}})
    for ok in ("auto", 0, 999, 99_999):
        cfg = config_from_dict({**MIN, "statistics": {"permutations": ok}})
        assert cfg.statistics.permutations == ok


def test_gi_null_and_esda_engine():
    with pytest.raises(ConfigError, match="gi_null = 'sometimes' is not valid"):
        config_from_dict({**MIN, "statistics": {"gi_null": "sometimes"}})
    with pytest.raises(ConfigError, match='engine = "esda" needs a whole number'):
        config_from_dict({**MIN, "statistics": {"engine": "esda"}})
    cfg = config_from_dict(
        {
            **MIN,
            "statistics": {
                "engine": "esda",
                "permutations": 99,
                "gi_null": "conditional",
            },
        }
    )
    assert cfg.statistics.gi_null == "conditional"


def test_characterisation_threshold_must_be_reachable_by_the_method():
    base = {"inputs": {"boundaries": {"path": "b.gpkg"}, "size": {"path": "s.csv"}}}
    cfg = config_from_dict(base)
    assert cfg.characterisation.relatedness_method == "association"
    assert cfg.characterisation.min_relatedness == 1.3
    with pytest.raises(ConfigError, match="cannot be exceeded by relatedness_method"):
        config_from_dict(
            {**base, "characterisation": {"relatedness_method": "corr_ql"}}
        )
    ok = config_from_dict(
        {
            **base,
            "characterisation": {
                "relatedness_method": "corr_ql",
                "min_relatedness": 0.2,
            },
        }
    )
    assert ok.characterisation.min_relatedness == 0.2
    with pytest.raises(ConfigError, match="lead_share"):
        config_from_dict({**base, "characterisation": {"lead_share": 0}})
    with pytest.raises(ConfigError, match="min_establishments"):
        config_from_dict({**base, "characterisation": {"min_establishments": -1}})
