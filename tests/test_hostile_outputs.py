"""Hostile output paths and signals: every one ends in one line, no leftovers.

Each case spoils the output path (a file, a read-only or full disk, a folder
lps_geo did not write) or stops the run with a signal, and checks the exit
code, the one ``lps-geo: error:`` line naming the culprit, that no temporary
folder (``.out.tmp-*``, ``.out.old-*``) survives and that nothing the user
owns was deleted. Disk-full and not-writable cases are simulated by
monkeypatching (tests run as root, where ``chmod`` does not stop writes); the
real ``chmod`` case runs only when it can fail.
"""

from __future__ import annotations

import errno
import json
import os
import signal
from collections import namedtuple
from pathlib import Path

import pytest
from hostile import (
    assert_fails,
    assert_refused,
    assert_succeeds,
    leftovers,
    run,
    run_cli,
)

import lps_geo.export.atomic as atomic
from lps_geo import cli, outputs
from lps_geo.export.atomic import MARKER

FAST = ("--permutations", "99", "-q")


@pytest.fixture
def no_analysis(monkeypatch):
    """Fail the test if the analysis starts (the output must be refused first)."""
    calls = []
    monkeypatch.setattr(cli, "run_all", lambda *a, **k: calls.append(a) or {})
    return calls


@pytest.fixture(scope="module")
def result_gpkg(tmp_path_factory):
    """A finished baseline run's result.gpkg (shared by the rebuild cases)."""
    from hostile import make_baseline

    b = make_baseline(tmp_path_factory.mktemp("hostile_out") / "base")
    assert_succeeds(b, run(b, *FAST))
    return b.out / "result.gpkg"


# ------------------------------------------------------------- the output path


def test_out_is_an_existing_file(baseline, no_analysis):
    baseline.out.write_text("not a folder")
    assert_refused(
        baseline.folder, run(baseline, *FAST), str(baseline.out), "not a folder"
    )
    assert baseline.out.read_text() == "not a folder"
    assert no_analysis == []


def test_out_parent_is_a_file(baseline, no_analysis):
    parent = baseline.folder / "afile"
    parent.write_text("x")
    out = parent / "out"
    outcome = run_cli("run", baseline.toml, "--out", out, *FAST)
    assert_refused(baseline.folder, outcome, f"cannot write {out}", str(parent))
    assert no_analysis == []


def _root_can_write(folder: Path) -> bool:
    try:
        (folder / "probe").mkdir()
    except PermissionError:
        return False
    (folder / "probe").rmdir()
    return True


def test_parent_not_writable_chmod(baseline, no_analysis):
    parent = baseline.folder / "locked"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        if _root_can_write(parent):
            pytest.skip(
                "chmod 0o555 does not stop writes here (running as root); "
                "test_parent_not_writable_monkeypatched covers the case"
            )
        outcome = run_cli("run", baseline.toml, "--out", parent / "out", *FAST)
    finally:
        parent.chmod(0o755)
    assert_refused(baseline.folder, outcome, f"cannot write {parent / 'out'}")
    assert "Permission denied" in outcome.errors[0]
    assert no_analysis == []


def _refuse_mkdtemp(monkeypatch, where: Path, code: int, reason: str) -> None:
    """``tempfile.mkdtemp`` in ``where`` fails with ``code`` (EACCES, EROFS)."""
    real = atomic.tempfile.mkdtemp

    def mkdtemp(*args, dir=None, **kwargs):
        if dir is not None and Path(dir) == where:
            raise OSError(code, reason)
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(atomic.tempfile, "mkdtemp", mkdtemp)


@pytest.mark.parametrize(
    "code, reason",
    [(errno.EACCES, "Permission denied"), (errno.EROFS, "Read-only file system")],
)
def test_parent_not_writable_monkeypatched(
    baseline, no_analysis, monkeypatch, code, reason
):
    _refuse_mkdtemp(monkeypatch, baseline.folder, code, reason)
    line = assert_fails(baseline, run(baseline, *FAST), f"cannot write {baseline.out}")
    assert line.endswith(reason)
    assert no_analysis == []


def test_free_space_too_small(baseline, no_analysis, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(
        atomic.shutil, "disk_usage", lambda path: usage(10 * 2**20, 9 * 2**20, 2**20)
    )
    line = assert_fails(baseline, run(baseline, *FAST), f"cannot write {baseline.out}")
    assert "1 MB free" in line and "50 MB needed" in line, line
    assert no_analysis == []


def test_disk_full_at_the_geopackage(baseline, monkeypatch):
    def full(result, path, **kwargs):
        Path(path).write_bytes(b"half a GeoPackage")
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(outputs, "write_geopackage", full)
    line = assert_fails(baseline, run(baseline, *FAST), f"cannot write {baseline.out}")
    assert line.endswith("No space left on device")
    assert not baseline.out.exists()


def test_disk_full_over_an_existing_run_keeps_it(baseline, monkeypatch):
    assert_succeeds(baseline, run(baseline, *FAST))
    before = sorted(p.name for p in baseline.out.iterdir())

    def full(report, path, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outputs, "write_report", full)
    outcome = run(baseline, *FAST, "--overwrite")
    assert_refused(baseline.folder, outcome, f"cannot write {baseline.out}")
    assert sorted(p.name for p in baseline.out.iterdir()) == before


# ------------------------------------------------------- the existing-folder rule


def test_foreign_folder_overwrite_refused(baseline, no_analysis):
    baseline.out.mkdir()
    (baseline.out / "thesis.docx").write_text("two years of work")
    line = assert_refused(
        baseline.folder,
        run(baseline, *FAST, "--overwrite"),
        str(baseline.out / "thesis.docx"),
        "not written by lps_geo",
    )
    assert "another --out" in line
    assert (baseline.out / "thesis.docx").read_text() == "two years of work"
    assert no_analysis == []


def test_lps_geo_folder_overwrite_replaced(baseline):
    assert_succeeds(baseline, run(baseline, *FAST))
    marker = json.loads((baseline.out / MARKER).read_text(encoding="utf-8"))
    assert marker["tool"] == "lps_geo" and "result.gpkg" in marker["files"]
    (baseline.out / "result.gpkg").write_bytes(b"stale")
    report = assert_succeeds(baseline, run(baseline, *FAST, "--overwrite"))
    assert report["n_lps"] >= 1
    assert (baseline.out / "result.gpkg").read_bytes()[:6] == b"SQLite"


def test_lps_geo_folder_with_a_foreign_file_refused(baseline, monkeypatch):
    assert_succeeds(baseline, run(baseline, *FAST))
    (baseline.out / "notes.txt").write_text("mine")
    before = sorted(p.name for p in baseline.out.iterdir())
    calls = []
    monkeypatch.setattr(cli, "run_all", lambda *a, **k: calls.append(a) or {})
    assert_refused(
        baseline.folder,
        run(baseline, *FAST, "--overwrite"),
        str(baseline.out / "notes.txt"),
        "did not write",
    )
    assert (baseline.out / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in baseline.out.iterdir()) == before
    assert calls == []  # refused before the analysis


def test_foreign_file_appearing_during_the_run_is_kept(baseline, monkeypatch):
    assert_succeeds(baseline, run(baseline, *FAST))
    real = outputs.write_report

    def meanwhile(*args, **kwargs):
        (baseline.out / "added_meanwhile.csv").write_text("mine")
        return real(*args, **kwargs)

    monkeypatch.setattr(outputs, "write_report", meanwhile)
    assert_refused(
        baseline.folder,
        run(baseline, *FAST, "--overwrite"),
        str(baseline.out / "added_meanwhile.csv"),
    )
    assert (baseline.out / "added_meanwhile.csv").read_text() == "mine"
    assert (baseline.out / "result.gpkg").exists()


# ------------------------------------------------------------------------ signals


def _signal_at_stage(monkeypatch, signum: int, stage: int = 2) -> None:
    """Deliver ``signum`` to this process when the analysis reaches ``stage``."""
    real = cli._Progress.__call__

    def progress(self, name, i, n):
        real(self, name, i, n)
        if i == stage:
            signal.raise_signal(signum)

    monkeypatch.setattr(cli._Progress, "__call__", progress)


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_during_the_analysis(baseline, monkeypatch, signum, code):
    _signal_at_stage(monkeypatch, signum)
    outcome = run(baseline, *FAST)
    assert outcome.code == code, outcome.stderr
    assert f"lps-geo: interrupted (signal {int(signum)})" in outcome.stderr
    assert "Traceback" not in outcome.stderr
    assert leftovers(baseline.folder) == []
    assert not baseline.out.exists()


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_while_writing_removes_the_staging_folder(
    baseline, monkeypatch, signum, code
):
    staged = []
    real = outputs.write_report

    def interrupted(report, path, **kwargs):
        staged.append(Path(path).parent)
        real(report, path, **kwargs)
        signal.raise_signal(signum)

    monkeypatch.setattr(outputs, "write_report", interrupted)
    outcome = run(baseline, *FAST)
    assert outcome.code == code, outcome.stderr
    assert staged and ".out.tmp-" in staged[0].name and not staged[0].exists()
    assert leftovers(baseline.folder) == []
    assert not baseline.out.exists()


def test_signal_handlers_restored_and_sigint_not_ignored(baseline, monkeypatch):
    seen = {}

    def record(config, progress=None):
        seen["int"] = signal.getsignal(signal.SIGINT)
        seen["term"] = signal.getsignal(signal.SIGTERM)
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run_all", record)
    old_int = signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a parent may
    old_term = signal.getsignal(signal.SIGTERM)
    try:
        outcome = run(baseline, *FAST)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) is old_term
    finally:
        signal.signal(signal.SIGINT, old_int)
    assert outcome.code == 130
    assert seen["int"] is signal.default_int_handler
    assert seen["term"] is not old_term


# --------------------------------------------------- rebuild commands, bad inputs


def _garbage(folder: Path) -> Path:
    path = folder / "garbage.gpkg"
    path.write_bytes(os.urandom(64))
    return path


def _foreign_gpkg(folder: Path) -> Path:
    import geopandas as gpd
    from shapely.geometry import Point

    path = folder / "foreign.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs="EPSG:4326").to_file(
        path, layer="roads"
    )
    return path


@pytest.mark.parametrize("command", ["maps", "atlas", "compare"])
@pytest.mark.parametrize("bad", ["missing", "garbage", "foreign", "folder"])
def test_rebuild_commands_on_a_bad_geopackage(baseline, result_gpkg, command, bad):
    gpkg = {
        "missing": lambda: baseline.folder / "missing.gpkg",
        "garbage": lambda: _garbage(baseline.folder),
        "foreign": lambda: _foreign_gpkg(baseline.folder),
        "folder": lambda: baseline.folder,
    }[bad]()
    out = baseline.folder / ("atlas.pdf" if command == "atlas" else "rebuilt")
    args = [command, gpkg] if command != "compare" else [command, result_gpkg, gpkg]
    outcome = run_cli(*args, "--out", out, "-q")
    assert_refused(baseline.folder, outcome, str(gpkg))
    assert not out.exists()


@pytest.mark.parametrize("command", ["maps", "atlas"])
def test_rebuild_commands_unknown_industry(baseline, result_gpkg, command):
    out = baseline.folder / ("atlas.pdf" if command == "atlas" else "maps")
    outcome = run_cli(command, result_gpkg, "--industry", "99.9", "--out", out)
    assert_refused(baseline.folder, outcome, "99.9")
    assert not out.exists()


def test_maps_keep_foreign_files_and_refuse_to_replace_them(baseline, result_gpkg):
    out = baseline.folder / "maps"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    first = run_cli("maps", result_gpkg, "--out", out, "-q")
    assert first.code == 0, first.stderr
    assert (out / "notes.txt").read_text() == "mine"
    assert "typology.png" in json.loads((out / MARKER).read_text())["files"]
    again = run_cli("maps", result_gpkg, "--out", out, "--overwrite", "-q")
    assert again.code == 0, again.stderr
    (out / "typology.png").write_bytes(b"my own drawing")
    (out / MARKER).unlink()  # now lps_geo cannot tell its maps from the user's
    refused = run_cli("maps", result_gpkg, "--out", out, "--overwrite", "-q")
    assert_refused(baseline.folder, refused, str(out / "capability.png"))
    assert (out / "typology.png").read_bytes() == b"my own drawing"
    assert (out / "notes.txt").read_text() == "mine"


def test_maps_overwrite_inside_a_run_folder(baseline):
    # the run's marker lists maps/*.png: `maps --overwrite` may replace them,
    # and the run may then be replaced again with the maps' own marker in it
    baseline.configure(output={"maps": True, "atlas": False})
    assert_succeeds(baseline, run(baseline, *FAST))
    assert (
        "maps/typology.png" in json.loads((baseline.out / MARKER).read_text())["files"]
    )
    gpkg, maps = baseline.out / "result.gpkg", baseline.out / "maps"
    again = run_cli("maps", gpkg, "--out", maps, "--overwrite", "-q")
    assert again.code == 0, again.stderr
    assert (maps / MARKER).exists() and leftovers(baseline.folder) == []
    assert_succeeds(baseline, run(baseline, *FAST, "--overwrite"))


def test_compare_into_a_foreign_folder_refused(baseline, result_gpkg):
    out = baseline.folder / "change"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    outcome = run_cli(
        "compare", result_gpkg, result_gpkg, "--out", out, "--overwrite", "-q"
    )
    assert_refused(baseline.folder, outcome, str(out / "notes.txt"))
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_fetch_offline_without_cache(baseline):
    out = baseline.folder / "meshes"
    outcome = run_cli(
        "fetch", "--area", "SP", "--offline", "--cache", baseline.folder / "nocache",
        "--out", out, "-q",
    )  # fmt: skip
    assert_refused(baseline.folder, outcome, "not in the cache", "nocache")
    assert not out.exists()


def test_fetch_out_is_a_file(baseline):
    out = baseline.folder / "meshes"
    out.write_text("x")
    outcome = run_cli("fetch", "--area", "SP", "--offline", "--out", out, "-q")
    assert_refused(baseline.folder, outcome, str(out), "not a folder")


# ------------------------------------------------------------- the configuration


def test_config_missing(baseline, no_analysis):
    missing = baseline.folder / "nowhere.toml"
    outcome = run_cli("run", missing, "--out", baseline.out)
    assert_fails(baseline, outcome, str(missing), "not found")


def test_config_invalid_toml(baseline):
    baseline.toml.write_text("[inputs\n", encoding="utf-8")
    assert_fails(baseline, run(baseline), str(baseline.toml), "invalid TOML")


def test_config_unknown_key(baseline):
    baseline.configure(statistics={"permutation": 9})
    line = assert_fails(baseline, run(baseline), str(baseline.toml), "permutation")
    assert "[statistics]" in line and "permutations" in line


def test_config_saved_in_latin1(baseline, no_analysis):
    text = baseline.toml.read_text(encoding="utf-8")
    baseline.toml.write_bytes(f"# açúcar\n{text}".encode("latin-1"))
    line = assert_fails(baseline, run(baseline), str(baseline.toml), "must be UTF-8")
    assert "line 1" in line and "byte" in line
    assert no_analysis == []


def test_config_unknown_encoding(baseline, no_analysis):
    baseline.configure(inputs={"size": {"encoding": "latin9x"}})
    assert_fails(baseline, run(baseline), "[inputs.size] encoding", "latin9x", "utf-8")
    assert no_analysis == []


def test_config_list_where_a_string_is_expected(baseline, no_analysis):
    baseline.configure(inputs={"boundaries": {"code_column": ["CD_MUN"]}})
    assert_fails(
        baseline,
        run(baseline),
        "[inputs.boundaries] code_column must be a string, got ['CD_MUN']",
    )
    assert no_analysis == []


def test_config_seed_out_of_numpy_range(baseline, no_analysis):
    baseline.configure(statistics={"seed": -1})
    assert_fails(baseline, run(baseline), "statistics.seed", "0..4294967295", "-1")
    assert no_analysis == []


@pytest.mark.parametrize(
    "option, value, key",
    [
        ("--seed", "-1", "statistics.seed"),
        ("--seed", "99999999999", "statistics.seed"),
        ("--permutations", "-3", "statistics.permutations"),
        ("--permutations", "1000000", "statistics.permutations"),
    ],
)
def test_cli_overrides_get_the_configuration_checks(
    baseline, no_analysis, option, value, key
):
    outcome = run(baseline, option, value, "-q")
    assert_fails(baseline, outcome, f"{option} {value}", key)
    assert no_analysis == []


# ------------------------------------------------------ an output over an input


def test_run_out_holding_an_input_refused(baseline, no_analysis):
    digest = baseline.inputs_digest()
    outcome = run_cli("run", baseline.toml, "--out", baseline.folder, "--overwrite")
    line = assert_refused(baseline.folder, outcome, f"--out {baseline.folder} holds")
    assert "choose another --out" in line
    assert baseline.inputs_digest() == digest and no_analysis == []


def test_run_out_empty_refused(baseline, no_analysis):
    outcome = run_cli("run", baseline.toml, "--out", "", "--overwrite")
    assert_refused(baseline.folder, outcome, "--out is empty")
    assert no_analysis == []


def _digest(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("command", ["maps", "atlas", "compare"])
@pytest.mark.parametrize("where", ["file", "folder"])
def test_rebuild_out_over_its_input_refused(baseline, result_gpkg, command, where):
    before = _digest(result_gpkg)
    out = result_gpkg if where == "file" else result_gpkg.parent
    args = [command, result_gpkg] + ([result_gpkg] if command == "compare" else [])
    outcome = run_cli(*args, "--out", out, "--overwrite", "-q")
    verb = "is" if where == "file" else "holds"
    assert_refused(baseline.folder, outcome, f"--out {out} {verb} the input")
    assert _digest(result_gpkg) == before
    assert leftovers(result_gpkg.parent) == []


@pytest.mark.parametrize("command", ["maps", "atlas", "compare"])
def test_rebuild_out_empty_refused(baseline, result_gpkg, command):
    args = [command, result_gpkg] + ([result_gpkg] if command == "compare" else [])
    assert_refused(baseline.folder, run_cli(*args, "--out", "", "-q"), "--out is empty")


@pytest.mark.parametrize("dpi", ["0", "-3", "100000"])
def test_maps_dpi_out_of_range(baseline, result_gpkg, dpi):
    out = baseline.folder / "maps"
    outcome = run_cli("maps", result_gpkg, "--out", out, "--dpi", dpi)
    assert_refused(baseline.folder, outcome, f"--dpi {dpi}", "30..600")
    assert not out.exists()


@pytest.mark.parametrize("url", ["notaurl", "ftp://example.org", "http:"])
def test_fetch_base_url_not_a_url(baseline, url):
    out = baseline.folder / "meshes"
    outcome = run_cli("fetch", "--area", "35", "--out", out, "--base-url", url, "-q")
    assert_refused(baseline.folder, outcome, f"--base-url {url!r}", "http")
    assert not out.exists()
