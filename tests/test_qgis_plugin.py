"""The QGIS plugin (qgis_plugin/lps_geo_qgis): Processing provider over lps-geo.

The plugin's pure-Python runner (TOML writer, progress parsing, process
handling) is tested here in lps_geo's own environment. The QGIS checks run
each in a separate process with Debian's ``/usr/bin/python3`` (PyQGIS 3.22,
offscreen, ``HOME`` in a temporary folder), register the provider, run its
algorithms through ``processing.run`` with ``LPS_GEO_EXECUTABLE`` pointing at
this checkout's lps-geo, and print JSON that is asserted here. They skip with a
reason where PyQGIS is missing.
"""

from __future__ import annotations

import ast
import configparser
import doctest
import functools
import json
import os
import signal
import subprocess
import sys
import textwrap
import warnings
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

import lps_geo
from lps_geo.errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_PARENT = ROOT / "qgis_plugin"
PLUGIN = PLUGIN_PARENT / "lps_geo_qgis"
DEMO = ROOT / "data" / "shapefiles"
SYSTEM_PYTHON = "/usr/bin/python3"
PROCESSING_PLUGINS = "/usr/share/qgis/python/plugins"

sys.path.insert(0, str(PLUGIN_PARENT))
from lps_geo_qgis import runner  # noqa: E402 - the plugin folder is not a package

# --------------------------------------------------------------- pure Python


def test_runner_doctests():
    result = doctest.testmod(runner, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 8
    assert result.failed == 0


def test_toml_writer_round_trips_awkward_strings():
    awkward = 'C:\\Users\\Zé "Quote"\\dados\tnovo\n\u0001\u007f.csv'
    data = {
        "inputs": {
            "cnae": "c.csv",
            "size": {"path": awkward, "form": "long", "employment_column": None},
        },
        "analysis": {"industries": ["10.1", "15.3"], "denominator": "all"},
        "statistics": {"permutations": 99, "alpha": 0.05, "threshold": 1e-7},
        "output": {"maps": False, "lang": "pt"},
    }
    parsed = tomllib.loads(runner.to_toml(data))
    assert parsed["inputs"]["size"] == {"path": awkward, "form": "long"}
    assert parsed["inputs"]["cnae"] == "c.csv"
    assert parsed["analysis"]["industries"] == ["10.1", "15.3"]
    assert parsed["statistics"] == {
        "permutations": 99,
        "alpha": 0.05,
        "threshold": 1e-7,
    }
    assert parsed["output"] == {"maps": False, "lang": "pt"}


def test_written_config_loads_in_lps_geo(tmp_path):
    """A config as the analysis algorithm writes it is valid for lps_geo."""
    folder = tmp_path / 'a "quoted" \\ folder'
    folder.mkdir()
    table = folder / "emprego.csv"
    data = {
        "inputs": {
            "boundaries": {
                "path": str(folder / "m.gpkg"),
                "layer": "municipalities",
                "code_column": "CD_MUN",
                "name_column": "CD_MUN",
                "population_column": None,
            },
            "size": {
                "path": str(table),
                "form": "long",
                "region_column": "cod_ibge",
                "industry_column": "cnae_grupo",
                "employment_column": "empregos",
                "establishments_column": "estabelecimentos",
            },
        },
        "analysis": {"reference_area": "both", "industries": ["15.3"]},
        "statistics": {"weights": "queen", "permutations": 99, "threshold": None},
        "capability": {"distance": 25000.0, "surfaces": False},
        "output": {"maps": True, "atlas": False, "lang": "pt", "focus_industry": None},
    }
    path = tmp_path / "config.toml"
    path.write_text(runner.to_toml(data), encoding="utf-8")
    cfg = lps_geo.load_config(path)
    assert cfg.inputs.size.path == table
    assert cfg.inputs.boundaries.layer == "municipalities"
    assert cfg.inputs.size.region_column == "cod_ibge"
    assert cfg.analysis.reference_area == "both"
    assert cfg.analysis.industries == ["15.3"]
    assert cfg.statistics.permutations == 99
    assert cfg.statistics.threshold is None
    assert cfg.capability.distance == 25000.0
    assert (cfg.output.maps, cfg.output.atlas, cfg.output.lang) == (True, False, "pt")


def test_find_executable_order_and_errors(tmp_path, monkeypatch):
    monkeypatch.delenv(runner.ENV_EXECUTABLE, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(runner.LpsGeoRunError) as err:
        runner.find_executable(None)
    message = str(err.value)
    assert "not found on PATH" in message
    assert "Processing > Providers > lps_geo" in message
    assert runner.ENV_EXECUTABLE in message
    with pytest.raises(runner.LpsGeoRunError, match="nowhere/lps-geo"):
        runner.find_executable(str(tmp_path / "nowhere" / "lps-geo"))
    # a virtual environment's folder is enough
    exe = tmp_path / "venv" / "bin" / "lps-geo"
    exe.parent.mkdir(parents=True)
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    assert runner.find_executable(str(tmp_path / "venv")) == str(exe)
    # on PATH, then the setting, then the environment variable wins
    monkeypatch.setenv("PATH", str(exe.parent))
    assert runner.find_executable("") == str(exe)
    other = tmp_path / "other-lps-geo"
    other.write_text("#!/bin/sh\n")
    other.chmod(0o755)
    assert runner.find_executable(str(other)) == str(other)
    monkeypatch.setenv(runner.ENV_EXECUTABLE, str(exe))
    assert runner.find_executable(str(other)) == str(exe)


class _Feedback:
    """The part of QgsProcessingFeedback the runner uses, recording calls."""

    def __init__(self, cancel_on: str | None = None):
        self.info, self.warnings, self.progress, self.texts = [], [], [], []
        self.cancel_on = cancel_on
        self.cancelled = False

    def pushInfo(self, text):  # noqa: N802 - QGIS's names
        self.info.append(text)

    def pushWarning(self, text):  # noqa: N802
        self.warnings.append(text)

    def setProgress(self, value):  # noqa: N802
        self.progress.append(round(value, 6))

    def setProgressText(self, text):  # noqa: N802
        self.texts.append(text)
        if self.cancel_on and self.cancel_on in text:
            self.cancelled = True

    def isCanceled(self):  # noqa: N802
        return self.cancelled


def _fake_cli(tmp_path, body: str) -> str:
    exe = tmp_path / "fake-lps-geo"
    exe.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body))
    exe.chmod(0o755)
    return str(exe)


def test_run_command_streams_progress_warnings_and_exit_2(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONHOME", "/qgis/python")  # must not reach the child
    exe = _fake_cli(
        tmp_path,
        """
        import os, sys
        err = sys.stderr
        print("home=" + str(os.environ.get("PYTHONHOME")))
        for i, stage in enumerate(["read inputs", "weights", "statistics", "lps"]):
            err.write(f"[{'#' * i}{'-' * (4 - i)}] {i + 1}/4 {stage} (0.{i} s)\\n")
        err.write("lps-geo: warning: 3 islands attached\\n")
        err.write("[############------------] atlas page 1/2\\n")
        err.write("[########################] atlas page 2/2\\n")
        if sys.argv[1:] == ["fail"]:
            err.write("lps-geo: error: e.csv: column 'x' not found; pass ...\\n")
            sys.exit(2)
        """,
    )
    fb = _Feedback()
    out = runner.run_command(exe, ["ok"], fb, atlas_share=0.2)
    assert out == ["home=None"]
    # stage i of 4 starts after i - 1 stages: 80 % of the bar for stages
    assert fb.progress == [0.0, 20.0, 40.0, 60.0, 90.0, 100.0]
    assert fb.texts[:2] == ["read inputs (1/4)", "weights (2/4)"]
    assert fb.texts[-1] == "atlas page 2/2"
    assert fb.warnings == ["3 islands attached"]
    assert fb.info[0].startswith("Running: " + exe)
    with pytest.raises(runner.LpsGeoRunError) as err:
        runner.run_command(exe, ["fail"], _Feedback())
    assert str(err.value) == "e.csv: column 'x' not found; pass ..."


def test_run_command_reports_crashes_and_cancels(tmp_path):
    crash = _fake_cli(tmp_path, "raise RuntimeError('boom in lps-geo')\n")
    with pytest.raises(runner.LpsGeoRunError, match="exit code 1") as err:
        runner.run_command(crash, [], _Feedback())
    assert "RuntimeError: boom in lps-geo" in str(err.value)
    # the fake lps-geo, like lps_geo.cli.main, first installs Python's SIGINT
    # handler (a parent started in the background may hand it SIGINT ignored,
    # and Python then installs none), announces a stage only once it is in
    # place, then waits in short sleeps: a signal arriving between two sleeps
    # is handled at the next one, never lost behind one long sleep
    slow = _fake_cli(
        tmp_path,
        """
        import signal, sys, time
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            sys.stderr.write("[------------------------] 1/7 read inputs (0.0 s)\\n")
            sys.stderr.flush()
            while True:
                time.sleep(0.01)
        except KeyboardInterrupt:
            sys.stderr.write("lps-geo: interrupted (signal 2)\\n")
            sys.exit(130)
        """,
    )
    fb = _Feedback(cancel_on="read inputs")
    with pytest.raises(runner.LpsGeoRunError, match="cancelled") as err:
        runner.run_command(slow, [], fb, grace=60)
    assert err.value.returncode == 130  # it got SIGINT, not a kill
    assert "exit code 130" in str(err.value)
    assert fb.info[-1] == "lps-geo: interrupted (signal 2)"


_IGNORES_SIGINT = """
    import signal, sys, time
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    {term}
    sys.stderr.write("[------------------------] 1/7 read inputs (0.0 s)\\n")
    sys.stderr.flush()
    while True:
        time.sleep(0.01)
"""


def test_cancel_escalates_to_sigterm_then_kill(tmp_path):
    # a run that ignores SIGINT (e.g. started with SIGINT ignored) stops on
    # SIGTERM; the outcome does not depend on how long anything takes
    term = _fake_cli(
        tmp_path,
        _IGNORES_SIGINT.format(
            term="signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))"
        ),
    )
    with pytest.raises(runner.LpsGeoRunError, match="exit code 143") as err:
        runner.run_command(term, [], _Feedback(cancel_on="read inputs"), grace=0.2)
    assert err.value.returncode == 143
    # one that ignores both is killed, and the message says what may remain
    deaf = _fake_cli(
        tmp_path,
        _IGNORES_SIGINT.format(term="signal.signal(signal.SIGTERM, signal.SIG_IGN)"),
    )
    with pytest.raises(runner.LpsGeoRunError, match="was killed") as err:
        runner.run_command(deaf, [], _Feedback(cancel_on="read inputs"), grace=0.2)
    assert err.value.returncode == -signal.SIGKILL
    assert ".tmp-" in str(err.value)


def test_acknowledged_interrupt_is_not_escalated(tmp_path, monkeypatch):
    # once lps-geo has printed its "interrupted" line (its unfinished output
    # is removed), a slow exit (the interpreter's shutdown on a loaded
    # machine) is waited for, not answered with SIGTERM or a kill. The clock
    # of the deadlines jumps far past every grace once the line is read, and
    # the fake exits only after the runner has looked at that clock
    release = tmp_path / "release"
    exe = _fake_cli(
        tmp_path,
        f"""
        import os, signal, sys, time
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            sys.stderr.write("[------------------------] 1/7 read inputs (0.0 s)\\n")
            sys.stderr.flush()
            while True:
                time.sleep(0.01)
        except KeyboardInterrupt:
            sys.stderr.write("lps-geo: interrupted (signal 2)\\n")
            sys.stderr.flush()
            while not os.path.exists({str(release)!r}):
                time.sleep(0.01)
            sys.exit(130)
        """,
    )
    fb = _Feedback(cancel_on="read inputs")
    looks = []

    def clock():
        if "lps-geo: interrupted (signal 2)" not in fb.info:
            return 0.0
        looks.append(1)
        if len(looks) >= 3:
            release.touch()
        return 1e9

    monkeypatch.setattr(runner, "_clock", clock)
    with pytest.raises(runner.LpsGeoRunError, match="cancelled") as err:
        runner.run_command(exe, [], fb, grace=0.2)
    assert err.value.returncode == 130
    assert str(err.value) == (
        "lps-geo was cancelled (exit code 130); its output was not written"
    )
    assert len(looks) >= 3


def test_cli_interrupt_through_the_runner(tmp_path):
    # the real command line under the runner, made to wait (short sleeps) once
    # report.json is in its staging folder: the run cannot end before the
    # runner's SIGINT, which must remove the staging folder and exit 130
    exe = _fake_cli(
        tmp_path,
        f"""
        import sys, time
        sys.path.insert(0, {str(Path(lps_geo.__file__).parents[1])!r})
        from lps_geo import cli, outputs
        real = outputs.write_report
        def write_report(*args, **kwargs):
            real(*args, **kwargs)
            sys.stderr.write("[########################] atlas page 1/1\\n")
            sys.stderr.flush()
            while True:
                time.sleep(0.01)
        outputs.write_report = write_report
        sys.exit(cli.main(sys.argv[1:]))
        """,
    )
    fb = _Feedback(cancel_on="atlas page")
    out = tmp_path / "run"
    args = ["demo", "--no-maps", "--out", str(out)]
    with pytest.raises(runner.LpsGeoRunError, match="cancelled") as err:
        runner.run_command(exe, args, fb, grace=60)
    assert err.value.returncode == 130, fb.info
    assert "lps-geo: interrupted (signal 2)" in fb.info
    assert not out.exists()
    assert not list(tmp_path.glob(".run.tmp-*"))


def test_run_command_cannot_start(tmp_path):
    with pytest.raises(runner.LpsGeoRunError, match="cannot start"):
        runner.run_command(str(tmp_path / "missing"), [], _Feedback())


def test_plugin_zip_builds(tmp_path):
    out = subprocess.run(
        [sys.executable, str(PLUGIN_PARENT / "build.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    zpath = Path(out.stdout.strip())
    assert zpath == tmp_path / f"lps_geo_qgis-{lps_geo.__version__}.zip"
    with zipfile.ZipFile(zpath) as zf:
        names = set(zf.namelist())
        meta = configparser.ConfigParser()
        meta.read_string(zf.read("lps_geo_qgis/metadata.txt").decode("utf-8"))
        sources = {n: zf.read(n).decode("utf-8") for n in names if n.endswith(".py")}
    assert {
        "lps_geo_qgis/__init__.py",
        "lps_geo_qgis/metadata.txt",
        "lps_geo_qgis/provider.py",
        "lps_geo_qgis/algorithms.py",
        "lps_geo_qgis/runner.py",
        "lps_geo_qgis/plugin.py",
        "lps_geo_qgis/icon.png",
    } <= names
    assert all(n.startswith("lps_geo_qgis/") for n in names)
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    general = meta["general"]
    assert general["qgisMinimumVersion"] == "3.22"
    assert general["version"] == lps_geo.__version__
    assert general["hasProcessingProvider"] == "yes"
    assert general["icon"] == "icon.png"
    assert "def classFactory(iface)" in sources["lps_geo_qgis/__init__.py"]
    # no dependency beyond QGIS: only the standard library, qgis and processing
    allowed = set(sys.stdlib_module_names) | {"qgis", "processing"}
    for name, text in sources.items():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                mods = [node.module]
            else:
                continue
            for mod in mods:
                assert mod.split(".")[0] in allowed, f"{name} imports {mod}"


# ---------------------------------------------------------------------- QGIS


@functools.cache
def _pyqgis_missing() -> str | None:
    if not Path(SYSTEM_PYTHON).exists():
        return f"{SYSTEM_PYTHON} not found"
    try:
        probe = subprocess.run(
            [SYSTEM_PYTHON, "-c", "import qgis.core"],
            capture_output=True,
            timeout=60,
            env=_clean_env(),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{SYSTEM_PYTHON} does not run ({exc})"
    if probe.returncode != 0:
        return f"{SYSTEM_PYTHON} cannot import qgis.core (apt-get install python3-qgis)"
    if not (Path(PROCESSING_PLUGINS) / "processing").is_dir():
        return f"QGIS Processing plugin not found in {PROCESSING_PLUGINS}"
    return None


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.pop("VIRTUAL_ENV", None)
    return env


@pytest.fixture
def qgis(tmp_path):
    reason = _pyqgis_missing()
    if reason:
        pytest.skip(f"PyQGIS not available: {reason}")
    return tmp_path


@pytest.fixture(scope="module")
def lps_geo_exe(tmp_path_factory) -> Path:
    """An lps-geo that runs this checkout's lps_geo with the test's Python."""
    exe = tmp_path_factory.mktemp("bin") / "lps-geo"
    exe.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from lps_geo.cli import main\n"
        "sys.exit(main())\n"
    )
    exe.chmod(0o755)
    return exe


_HEADER = """
import json, os, sys, time
sys.path[:0] = [{plugin_parent!r}, {processing!r}]
from qgis.core import (QgsApplication, QgsProject, QgsVectorLayer,
                       QgsProcessingFeedback, QgsProcessingException,
                       QgsProcessingFeatureSourceDefinition)
app = QgsApplication([], False)
app.initQgis()
from processing.core.Processing import Processing
Processing.initialize()
import processing
from lps_geo_qgis import classFactory
plugin = classFactory(None)
plugin.initProcessing()
registry = QgsApplication.processingRegistry()
provider = registry.providerById("lps_geo")
OUT = {{"algorithms": sorted(a.id() for a in provider.algorithms())}}
DEMO = {demo!r}
TMP = {tmp!r}

class Feedback(QgsProcessingFeedback):
    def __init__(self, cancel_on=None):
        super().__init__()
        self.lines, self.progress, self.texts = [], [], []
        self.cancel_on = cancel_on
    def pushInfo(self, text):
        self.lines.append(text)
    def pushWarning(self, text):
        self.lines.append("WARNING " + text)
    def setProgressText(self, text):
        self.texts.append(text)
        if self.cancel_on and self.cancel_on in text:
            self.cancel()
    def setProgress(self, value):
        self.progress.append(value)
        super().setProgress(value)

def describe(layer):
    return {{"valid": layer.isValid(), "name": layer.name(),
             "features": layer.featureCount(),
             "renderer": layer.renderer().type() if layer.renderer() else None,
             "source": layer.source()}}
"""

_FOOTER = """
QgsProject.instance().clear()
plugin.unload()
OUT["unregistered"] = registry.providerById("lps_geo") is None
print("RESULT:" + json.dumps(OUT))
sys.stdout.flush()
app.exitQgis()
"""


def _run_qgis(tmp: Path, body: str, exe: Path) -> dict:
    script = tmp / "check.py"
    script.write_text(
        _HEADER.format(
            plugin_parent=str(PLUGIN_PARENT),
            processing=PROCESSING_PLUGINS,
            demo=str(DEMO),
            tmp=str(tmp),
        )
        + textwrap.dedent(body)
        + _FOOTER,
        encoding="utf-8",
    )
    home = tmp / "home"
    home.mkdir()
    env = _clean_env()
    env.update(
        HOME=str(home),
        QT_QPA_PLATFORM="offscreen",
        XDG_RUNTIME_DIR=str(home),
        LPS_GEO_EXECUTABLE=str(exe),
    )
    proc = subprocess.run(
        [SYSTEM_PYTHON, str(script)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=tmp,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT:")]
    assert lines, f"QGIS check failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
    return json.loads(lines[-1][len("RESULT:") :])


_ANALYSIS = """
# the employment table as a QGIS delimited-text layer with detected types
table = QgsVectorLayer(
    "file://" + DEMO + "/employment_long.csv?delimiter=,&detectTypes=yes",
    "employment", "delimitedtext")
QgsProject.instance().addMapLayer(table)
OUT["table_types"] = [f.typeName() for f in table.fields()]
table.selectAll()
fb = Feedback()
t0 = time.perf_counter()
res = processing.run("lps_geo:run_analysis", {
    "MUNICIPALITIES": DEMO + "/municipalities.shp", "CODE_FIELD": "CD_MUN",
    "NAME_FIELD": "NM_MUN", "REGION_COLUMN": "cod_ibge",
    # "selected features only": the typed rows are exported, not the file
    "TABLE": QgsProcessingFeatureSourceDefinition(table.id(), True),
    "INDUSTRY_COLUMN": "cnae_grupo", "EMPLOYMENT_COLUMN": "empregos",
    "ESTABLISHMENTS_COLUMN": "estabelecimentos",
    "INSTITUTIONS": DEMO + "/institutions.shp", "INSTITUTION_TYPE_FIELD": "type",
    "INSTITUTION_NAME_FIELD": "name", "INDUSTRIES": "manufacturing",
    "DENOMINATOR": 1, "PERMUTATIONS": 99, "MAPS": False,
    "OUTPUT": TMP + "/analysis"}, feedback=fb)
OUT["analysis_s"] = time.perf_counter() - t0
OUT["analysis"] = {k: (describe(v) if isinstance(v, QgsVectorLayer) else v)
                   for k, v in res.items()}
OUT["progress"] = fb.progress
OUT["lines"] = fb.lines
del res
inst = QgsVectorLayer(TMP + "/analysis/result.gpkg|layername=institutions", "i", "ogr")
OUT["institutions"] = describe(inst)
del inst
# the maps and the atlas (its centres only) rebuilt from the result
fb = Feedback()
t0 = time.perf_counter()
res = processing.run("lps_geo:rebuild_maps_atlas", {
    "RESULT": TMP + "/analysis/result.gpkg", "ATLAS_TYPES": [0], "LANG": 2,
    "OUTPUT": TMP + "/rebuilt"}, feedback=fb)
OUT["rebuild_s"] = time.perf_counter() - t0
OUT["rebuild"] = res
OUT["rebuild_texts"] = fb.texts
"""


def test_analysis_runs_in_qgis(qgis, lps_geo_exe):
    out = _run_qgis(qgis, _ANALYSIS, lps_geo_exe)
    assert out["algorithms"] == [
        "lps_geo:rebuild_maps_atlas",
        "lps_geo:run_analysis",
        "lps_geo:run_demo",
    ]
    assert out["unregistered"] is True
    # detected types: codes and counts numeric, the CNAE group a decimal
    assert out["table_types"] == ["integer", "double", "integer", "integer"]
    res = out["analysis"]
    folder = qgis / "analysis"
    assert res["OUTPUT"] == str(folder)
    assert res["GEOPACKAGE"] == str(folder / "result.gpkg")
    report = json.loads((folder / "report.json").read_text())
    lps, muni = res["LPS"], res["MUNICIPALITIES"]
    assert lps["valid"] and muni["valid"]
    assert (lps["name"], muni["name"]) == ("LPS", "Municipalities")
    assert lps["source"].endswith("result.gpkg|layername=lps")
    assert lps["features"] == report["n_lps"] == res["N_LPS"] > 0
    assert muni["features"] == report["n_municipalities"] == 500
    # the default styles of the GeoPackage were applied
    assert lps["renderer"] == "categorizedSymbol"
    assert muni["renderer"] == "categorizedSymbol"
    assert out["institutions"]["features"] == 148
    assert out["institutions"]["renderer"] == "categorizedSymbol"
    # the parameters reached lps-geo
    assert report["statistics"]["permutations"] == 99
    assert report["capability"]["n_institutions"] == 148
    assert sorted(p.name for p in (folder / "rasters").glob("*.tif"))
    assert not (folder / "maps").exists()
    assert "Exporting 9782 table rows" in out["lines"]
    # progress streamed: every stage, increasing, stage lines in the log
    assert any("7/7 assemble" in line for line in out["lines"])
    assert out["progress"] == sorted(out["progress"])
    assert len(out["progress"]) == 7
    # the same analysis run directly in lps_geo on the original files
    cfg = lps_geo.load_config(DEMO / "demo.toml")
    cfg = replace(
        cfg,
        inputs=replace(
            cfg.inputs,
            cnae=None,
            lookup=None,
            boundaries=replace(cfg.inputs.boundaries, population_column=None),
        ),
        analysis=replace(cfg.analysis, denominator="manufacturing"),
        statistics=replace(
            cfg.statistics, permutations=99, variable="ql", engine="numba"
        ),
        capability=replace(cfg.capability, surfaces=False, permutations=999),
        output=replace(cfg.output, maps=False, lang="en", focus_industry=None),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        direct = lps_geo.run(cfg)
    assert len(direct.lps) == lps["features"]
    assert dict(direct.report.lps_by_type) == report["lps_by_type"]
    # maps and atlas rebuilt from the GeoPackage
    rebuilt = out["rebuild"]
    maps = sorted(Path(rebuilt["MAPS_FOLDER"]).glob("*.png"))
    assert rebuilt["N_MAPS"] == len(maps) >= 5
    atlas = Path(rebuilt["ATLAS_PDF"])
    assert atlas == qgis / "rebuilt" / "atlas.pdf"
    assert atlas.read_bytes()[:5] == b"%PDF-"
    assert "atlas page" in " ".join(out["rebuild_texts"])


_BAD = """
try:
    processing.run("lps_geo:run_analysis", {
        "MUNICIPALITIES": DEMO + "/municipalities.shp", "CODE_FIELD": "CD_MUN",
        "TABLE": DEMO + "/employment_long.csv",
        "REGION_COLUMN": "cod_municipio", "INDUSTRY_COLUMN": "cnae_grupo",
        "EMPLOYMENT_COLUMN": "empregos",
        "ESTABLISHMENTS_COLUMN": "estabelecimentos", "PERMUTATIONS": 9,
        "MAPS": False, "OUTPUT": TMP + "/bad"})
    OUT["raised"] = None
except QgsProcessingException as exc:
    OUT["raised"] = str(exc)
os.environ["LPS_GEO_EXECUTABLE"] = TMP + "/no/such/lps-geo"
try:
    processing.run("lps_geo:run_demo", {"OUTPUT": TMP + "/demo"})
    OUT["missing"] = None
except QgsProcessingException as exc:
    OUT["missing"] = str(exc)
"""


def test_bad_input_is_a_processing_error(qgis, lps_geo_exe):
    out = _run_qgis(qgis, _BAD, lps_geo_exe)
    with pytest.raises(InputError) as err:
        lps_geo.io.tables.read_long(
            DEMO / "employment_long.csv",
            region_column="cod_municipio",
            industry_column="cnae_grupo",
            employment_column="empregos",
            establishments_column="estabelecimentos",
        )
    # the CLI's one-line message, as the Processing error
    assert out["raised"] == " ".join(str(err.value).split())
    assert "column 'cod_municipio' not found" in out["raised"]
    assert not (qgis / "bad").exists()
    assert "no/such/lps-geo" in out["missing"]
    assert "does not exist" in out["missing"]


_DEMO = """
fb = Feedback()
t0 = time.perf_counter()
res = processing.runAndLoadResults(
    "lps_geo:run_demo", {"LANG": 1, "MAPS": False, "OUTPUT": TMP + "/demo"},
    feedback=fb)
OUT["demo_s"] = time.perf_counter() - t0
OUT["demo"] = {k: v for k, v in res.items() if isinstance(v, (str, int, float))}
root = QgsProject.instance().layerTreeRoot()
OUT["project"] = [describe(node.layer()) for node in root.findLayers()]
# cancelling stops lps-geo and writes nothing
fb = Feedback(cancel_on="indicators")
t0 = time.perf_counter()
try:
    processing.run("lps_geo:run_demo", {"MAPS": False, "OUTPUT": TMP + "/cancelled"},
                   feedback=fb)
    OUT["cancel"] = None
except QgsProcessingException as exc:
    OUT["cancel"] = str(exc)
OUT["cancel_s"] = time.perf_counter() - t0
OUT["cancel_lines"] = fb.lines
"""


def test_demo_loads_styled_layers_into_project(qgis, lps_geo_exe):
    out = _run_qgis(qgis, _DEMO, lps_geo_exe)
    report = json.loads((qgis / "demo" / "report.json").read_text())
    assert out["demo"]["N_LPS"] == report["n_lps"] > 0
    # loaded into the project, LPS above the municipalities, styled
    layers = out["project"]
    assert [la["name"] for la in layers] == ["Institutions", "LPS", "Municipalities"]
    assert all(la["valid"] for la in layers)
    assert [la["features"] for la in layers] == [148, report["n_lps"], 500]
    assert {la["renderer"] for la in layers} == {"categorizedSymbol"}
    assert out["cancel"] == (
        "lps-geo was cancelled (exit code 130); its output was not written"
    )
    assert "lps-geo: interrupted (signal 2)" in out["cancel_lines"]
    assert not (qgis / "cancelled").exists()
    assert not list(qgis.glob(".cancelled.tmp-*"))
