"""Hostile corpus: inputs that read fine but leave the method undefined somewhere.

Each case is the valid baseline with one flaw; the run succeeds, and what it
could not compute is a warning on stderr and in ``report.json``.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from hostile import (
    CODES,
    TOTAL_JOBS,
    assert_fails,
    assert_succeeds,
    read_employment,
    run,
)


def _spoil_table(baseline, change) -> None:
    path = baseline.path("employment.csv")
    table = pd.read_csv(path, dtype={"cod_ibge": str, "cnae_grupo": str})
    changed = change(table)
    (table if changed is None else changed).to_csv(path, index=False)


def test_an_industry_with_no_jobs_is_a_warning(baseline):
    def zero(table):
        table.loc[table["cnae_grupo"] == "31.0", ["empregos", "estabelecimentos"]] = 0

    _spoil_table(baseline, zero)
    outcome = run(baseline)
    report = assert_succeeds(baseline, outcome)
    (message,) = [w for w in report["warnings"] if "31.0" in w]
    assert "no employment in the study area" in message
    assert "QL is undefined" in message
    assert any("31.0" in line for line in outcome.warnings)


def test_a_region_with_no_jobs_is_a_warning(baseline):
    empty = CODES[5]

    def zero(table):
        table.loc[table["cod_ibge"] == empty, ["empregos", "estabelecimentos"]] = 0

    _spoil_table(baseline, zero)
    outcome = run(baseline)
    report = assert_succeeds(baseline, outcome)
    (message,) = [w for w in report["warnings"] if "1 region(s) have no" in w]
    assert empty in message


def test_warnings_come_before_the_error_of_a_failed_run(baseline):
    """A warning emitted while reading (a municipality absent from the table)
    is printed, and printed before the error that then stops the run (an
    analysed industry the table does not have)."""

    def spoil(table):
        return table[table["cod_ibge"] != CODES[0]]

    _spoil_table(baseline, spoil)
    baseline.configure(analysis={"industries": ["15.3", "29.1"]})
    digest = baseline.inputs_digest()
    outcome = run(baseline)
    assert_fails(baseline, outcome, "29.1", digest=digest)
    lines = outcome.stderr.splitlines()
    warning = next(i for i, line in enumerate(lines) if CODES[0] in line)
    assert "lps-geo: warning:" in lines[warning]
    assert warning < lines.index(outcome.errors[0])


def test_a_flaw_in_the_earlier_period_names_the_comparison_table(baseline):
    """The hints of the earlier period's table name [comparison.size]."""
    table = pd.read_csv(baseline.path("employment.csv"), dtype=str)
    table.loc[4, "empregos"] = "2.400"
    table.to_csv(baseline.path("employment_2010.csv"), index=False)
    baseline.configure(
        comparison={
            "label_before": "2010",
            "label_after": "2015",
            "size": {"path": "employment_2010.csv"},
        }
    )
    digest = baseline.inputs_digest()
    line = assert_fails(
        baseline, run(baseline), "employment_2010.csv", "empregos", digest=digest
    )
    assert "[comparison.size] thousands" in line


def test_a_misspelt_key_gets_a_suggestion(baseline):
    baseline.configure(statistics={"permutation": 9})
    line = assert_fails(baseline, run(baseline), str(baseline.toml))
    assert "(did you mean 'permutations' for 'permutation'?)" in line


def test_a_misspelt_section_gets_a_suggestion(baseline):
    baseline.config["statistic"] = baseline.config.pop("statistics")
    baseline.write_config()
    line = assert_fails(baseline, run(baseline), str(baseline.toml))
    assert "unknown section(s) statistic (did you mean 'statistics'" in line


def test_an_empty_string_leaves_an_optional_key_unset(baseline):
    """README style ``thousands = ""``: the key is unset, not an invalid mark."""
    baseline.configure(inputs={"size": {"thousands": "", "decimal": "."}})
    report = assert_succeeds(baseline, run(baseline))
    assert report["lps_by_type"]


def test_a_file_of_several_years_needs_where_and_reads_with_it(baseline):
    """Two years in one file: without ``where`` the pairs are summed and
    warned about (the hint names the key); with it the year's totals are read."""
    table = pd.read_csv(baseline.path("employment.csv"), dtype=str)
    old = table.assign(ano="2010", empregos="1", estabelecimentos="1")
    both = pd.concat([old, table.assign(ano="2015")])
    both.to_csv(baseline.path("employment.csv"), index=False)
    report = assert_succeeds(baseline, run(baseline))
    (summed,) = [w for w in report["warnings"] if "summed" in w]
    assert "[inputs.size] where" in summed
    baseline.configure(inputs={"size": {"where": {"ano": 2015}}})
    baseline.out.rename(baseline.folder / "summed")
    report = assert_succeeds(baseline, run(baseline))
    assert not [w for w in report["warnings"] if "summed" in w]
    assert read_employment(baseline).to_numpy().sum() == TOTAL_JOBS


def test_a_header_below_title_lines_reads_with_skiprows(baseline):
    path = baseline.path("employment.csv")
    path.write_text("RAIS 2015 - empregos\n\n" + path.read_text(), encoding="utf-8")
    digest = baseline.inputs_digest()
    assert_fails(baseline, run(baseline), "employment.csv", digest=digest)
    baseline.configure(inputs={"size": {"skiprows": 2}})
    assert_succeeds(baseline, run(baseline))
    assert read_employment(baseline).to_numpy().sum() == TOTAL_JOBS


# -------------------------------------- industries the outputs name, checked early


def _no_analysis(monkeypatch) -> list:
    from lps_geo.method import pipeline

    calls: list = []
    monkeypatch.setattr(pipeline, "analyse_period", lambda *a, **k: calls.append(a))
    return calls


@pytest.mark.parametrize(
    "section, key", [("output", "focus_industry"), ("capability", "industry")]
)
def test_an_industry_not_in_the_data_stops_before_the_analysis(
    baseline, monkeypatch, section, key
):
    calls = _no_analysis(monkeypatch)
    baseline.configure(**{section: {key: "99.9"}})
    line = assert_fails(
        baseline,
        run(baseline),
        str(baseline.toml),
        f"[{section}] {key} = '99.9' is not an analysed industry",
        "10.1, 15.3",
        digest=baseline.inputs_digest(),
    )
    assert "choose one of" in line
    assert calls == []


def test_atlas_industries_not_in_the_data(baseline, monkeypatch):
    baseline.configure(output={"atlas_industries": ["15.3", "99.9"]})
    report = assert_succeeds(baseline, run(baseline))
    (message,) = [w for w in report["warnings"] if "atlas_industries" in w]
    assert message.startswith("InputFixWarning") and "'99.9'" not in message
    assert "99.9 not analysed, left out of the atlas" in message
    calls = _no_analysis(monkeypatch)
    baseline.configure(output={"atlas_industries": ["99.9"]})
    shutil.rmtree(baseline.out)
    assert_fails(baseline, run(baseline), "[output] atlas_industries", "99.9")
    assert calls == []
