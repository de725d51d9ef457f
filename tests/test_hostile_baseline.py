"""The hostile corpus's baseline is valid: it runs and keeps its totals."""

from __future__ import annotations

from hostile import TOTAL_JOBS, assert_succeeds, read_employment, run


def test_baseline_runs_and_keeps_its_totals(baseline):
    digest = baseline.inputs_digest()
    outcome = run(baseline, "-q")
    report = assert_succeeds(baseline, outcome)
    assert outcome.stderr == ""
    assert [w for w in report["warnings"] if "Ellison" not in w] == []
    assert read_employment(baseline).to_numpy().sum() == TOTAL_JOBS
    assert baseline.inputs_digest() == digest
