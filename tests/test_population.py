"""The population table and the configuration of innovation inputs."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from lps_geo.config import config_from_dict
from lps_geo.errors import ConfigError, InputError, MissingCodesWarning
from lps_geo.io.population import read_population

REGIONS = pd.Index(["3550308", "3509502", "3516200"])


def _csv(tmp_path, text, name="pop.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_population_by_code_with_missing_and_extra(tmp_path):
    path = _csv(
        tmp_path,
        "codigo_ibge;pop\n3550308;11451999\n3516200;353187\n9999999;10\n",
    )
    with pytest.warns(MissingCodesWarning) as caught:
        pop, report = read_population(
            path, code_column="codigo_ibge", value_column="pop", regions=REGIONS
        )
    messages = " ".join(str(w.message) for w in caught)
    assert "9999999" in messages and "3509502" in messages
    assert pop["3550308"] == 11_451_999 and pop["3516200"] == 353_187
    assert math.isnan(pop["3509502"])  # missing is missing, never 0
    assert report.not_in_boundaries == ("9999999",)
    assert report.missing == ("3509502",)
    assert report.n_rows == 3 and report.n_used == 2
    assert report.total == 11_451_999 + 353_187


def test_repeated_codes_name_the_rows(tmp_path):
    path = _csv(tmp_path, "code,pop\n3550308,1\n3516200,2\n3550308,3\n")
    with pytest.raises(InputError, match=r"pop.csv.*'3550308' \(rows 2, 4\)"):
        read_population(path, code_column="code", value_column="pop", regions=REGIONS)


@pytest.mark.parametrize(
    ("cell", "why"),
    [("63.412", "not a whole number"), ("-5", "pop"), ("abc", "pop")],
)
def test_bad_values_are_errors(tmp_path, cell, why):
    path = _csv(tmp_path, f"code,pop\n3550308,{cell}\n")
    with pytest.raises(InputError, match=why):
        read_population(path, code_column="code", value_column="pop", regions=REGIONS)


def test_missing_column_lists_the_available_ones(tmp_path):
    path = _csv(tmp_path, "code,habitantes\n3550308,1\n")
    with pytest.raises(InputError, match="'pop' not found.*habitantes"):
        read_population(path, code_column="code", value_column="pop", regions=REGIONS)


def _cfg(**inputs):
    base = {"boundaries": {"path": "b.gpkg"}, "size": {"path": "s.csv"}}
    return config_from_dict({"inputs": {**base, **inputs}})


def test_innovation_tables_parse_as_a_list():
    cfg = _cfg(
        innovation=[
            {"path": "inpi.xlsx", "format": "inpi", "places": "m.csv"},
            {
                "path": "p.csv",
                "kind": "patents",
                "system": "ipc_class",
                "year_column": "ano",
            },
        ],
        population={"path": "pop.csv", "code_column": "codigo_ibge"},
    )
    first, second = cfg.inputs.innovation
    assert first.format == "inpi" and first.ambiguous == "report"
    assert second.system == "ipc_class" and second.year_column == "ano"
    assert cfg.inputs.population.code_column == "codigo_ibge"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"path": "p.csv"}, "needs kind"),
        ({"path": "p.xlsx", "format": "inpi"}, "needs places"),
        ({"path": "p.csv", "kind": "citations", "system": "x"}, "kind = 'citations'"),
        ({"path": "p.csv", "formato": "long"}, "unknown key"),
    ],
)
def test_innovation_config_errors(table, message):
    with pytest.raises(ConfigError, match=message):
        _cfg(innovation=[table])


def test_innovation_index_weights_are_known_keys():
    cfg = config_from_dict(
        {
            "inputs": {"boundaries": {"path": "b.gpkg"}, "size": {"path": "s.csv"}},
            "capability": {"index_weights": {"patents": 2.0, "publications": 0.0}},
        }
    )
    assert cfg.capability.index_weights == {"patents": 2.0, "publications": 0.0}
    with pytest.raises(ConfigError, match="unknown keys 'patent'"):
        config_from_dict(
            {
                "inputs": {"boundaries": {"path": "b.gpkg"}, "size": {"path": "s.csv"}},
                "capability": {"index_weights": {"patent": 1.0}},
            }
        )
