"""The command line: the demo end to end, refusals and one-line errors."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import box

from lps_geo.cli import main

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {
    "institutions",
    "lps_capability",
    "municipalities",
    "lps",
    "indicators",
    "industries",
    "lps_members",
    "run_metadata",
}


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory):
    """Run ``lps-geo demo`` once, as a real subprocess."""
    out = tmp_path_factory.mktemp("cli") / "demo"
    proc = subprocess.run(
        [sys.executable, "-m", "lps_geo", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_demo_writes_everything(demo_out):
    out, proc = demo_out
    gpkg = out / "result.gpkg"
    names = {name for name, _ in pyogrio.list_layers(gpkg)}
    assert LAYERS <= names
    for name, geom in pyogrio.list_layers(gpkg):
        info = pyogrio.read_info(gpkg, layer=name)
        if geom is not None:
            assert info["crs"] == "EPSG:5880", name
        assert info["features"] > 0, name
    report = json.loads((out / "report.json").read_text())
    assert report["n_lps"] > 0
    assert set(report["lps_by_type"]) == {
        "center",
        "advanced_vector",
        "local_vector",
        "embryo",
    }
    pngs = sorted((out / "maps").glob("*.png"))
    assert len(pngs) >= 3
    for p in pngs:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # progress went to stderr, nothing to stdout
    assert "spatial statistics" in proc.stderr
    assert not list(out.parent.glob(".demo.tmp-*"))


def test_layers_open_with_ogrinfo(demo_out):
    ogrinfo = shutil.which("ogrinfo")
    if ogrinfo is None:
        pytest.skip("ogrinfo (GDAL's gdal-bin) is not installed")
    gpkg = demo_out[0] / "result.gpkg"
    for layer in LAYERS:
        proc = subprocess.run(
            [ogrinfo, "-so", "-ro", str(gpkg), layer], capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr
        assert f"Layer name: {layer}" in proc.stdout
        if layer in ("municipalities", "lps"):
            assert 'EPSG",5880' in proc.stdout or "5880" in proc.stdout


def test_refuses_to_overwrite(demo_out, capsys):
    out, _ = demo_out
    before = (out / "result.gpkg").stat().st_mtime_ns
    code = main(["demo", "--out", str(out), "-q"])
    err = capsys.readouterr().err
    assert code == 2
    assert "exists and is not empty; pass --overwrite" in err
    assert len(err.strip().splitlines()) == 1
    assert (out / "result.gpkg").stat().st_mtime_ns == before


# ---------------------------------------------------------------- bad input


def _write_case(tmp: Path, *, crs="EPSG:5880", rows=None, columns=None) -> Path:
    cells = [box(i * 1e4, 0, (i + 1) * 1e4, 1e4) for i in range(4)]
    codes = ["1900019", "1900027", "1900035", "1900043"]
    b = gpd.GeoDataFrame(
        {"CD_MUN": codes, "NM_MUN": list("ABCD")}, geometry=cells, crs=crs
    )
    b.to_file(tmp / "b.gpkg", engine="pyogrio")
    rows = rows or [(c, "15.3", 10 * (i + 1), 5) for i, c in enumerate(codes)] + [
        (c, "31.0", 100, 20) for c in codes
    ]
    cols = columns or ["cod", "cnae", "emp", "est"]
    pd.DataFrame(rows, columns=cols).to_csv(tmp / "e.csv", index=False)
    (tmp / "run.toml").write_text(
        "[inputs.boundaries]\npath = 'b.gpkg'\n"
        "[inputs.size]\npath = 'e.csv'\nregion_column = 'cod'\n"
        "industry_column = 'cnae'\nemployment_column = 'emp'\n"
        "establishments_column = 'est'\n"
        "[statistics]\npermutations = 99\n[output]\nmaps = false\n"
    )
    return tmp / "run.toml"


def _run_bad(tmp_path, capsys, toml) -> str:
    out = tmp_path / "out"
    code = main(["run", str(toml), "--out", str(out), "-q"])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("lps-geo: error: ")
    assert not out.exists(), "nothing may be written on bad input"
    return err


def test_tiny_run_succeeds(tmp_path, capsys):
    toml = _write_case(tmp_path)
    assert main(["run", str(toml), "--out", str(tmp_path / "ok"), "-q"]) == 0
    assert (tmp_path / "ok" / "result.gpkg").exists()


def test_missing_column(tmp_path, capsys):
    toml = _write_case(tmp_path, columns=["cod", "cnae", "jobs", "est"])
    err = _run_bad(tmp_path, capsys, toml)
    assert "e.csv" in err and "emp" in err


def test_negative_counts(tmp_path, capsys):
    toml = _write_case(tmp_path, rows=[("1900019", "15.3", -3, 1)])
    err = _run_bad(tmp_path, capsys, toml)
    assert "negative" in err and "1900019" in err


def test_codes_absent_from_boundaries(tmp_path, capsys):
    toml = _write_case(
        tmp_path, rows=[("1900019", "15.3", 3, 1), ("1999999", "15.3", 3, 1)]
    )
    err = _run_bad(tmp_path, capsys, toml)
    assert "1999999" in err and "e.csv" in err


def test_no_crs(tmp_path, capsys):
    toml = _write_case(tmp_path, crs=None)
    err = _run_bad(tmp_path, capsys, toml)
    assert "b.gpkg" in err and "CRS" in err


def test_unknown_industry_title(tmp_path, capsys):
    _write_case(tmp_path)
    pd.DataFrame(
        {
            "cod": ["1900019", "1900027"],
            "Fabricação de calçados": [3, 4],
            "Fabricação de sapatos voadores": [1, 2],
        }
    ).to_csv(tmp_path / "w.csv", index=False)
    (tmp_path / "cnae.csv").write_text(
        "code,title\n15.3,Fabricação de calçados\n31.0,Fabricação de móveis\n"
    )
    (tmp_path / "wide.toml").write_text(
        "[inputs]\ncnae = 'cnae.csv'\n[inputs.boundaries]\npath = 'b.gpkg'\n"
        "[inputs.size]\npath = 'w.csv'\nform = 'wide'\nregion_column = 'cod'\n"
        "measure = 'establishments'\nindustry_names = 'title'\n"
        "[analysis]\nsize_measure = 'establishments'\n"
    )
    err = _run_bad(tmp_path, capsys, tmp_path / "wide.toml")
    assert "sapatos voadores" in err


def test_bad_config_value(tmp_path, capsys):
    toml = _write_case(tmp_path)
    toml.write_text(toml.read_text() + "[typology]\npreset = 'nope'\n")
    err = _run_bad(tmp_path, capsys, toml)
    assert "unknown typology preset 'nope'" in err


def test_demo_writes_styled_cog_surfaces(demo_out):
    import rasterio

    out, _ = demo_out
    tifs = sorted((out / "rasters").glob("*.tif"))
    names = {p.stem for p in tifs}
    assert {"institutions_all", "institutions_university", "employment_15_3"} <= names
    for tif in tifs:
        assert tif.with_suffix(".qml").exists()
        with rasterio.open(tif) as src:
            assert src.crs.to_epsg() == 5880
            assert src.nodata == -9999.0
            assert src.transform.a == 5000.0 and src.transform.e == -5000.0
    report = json.loads((out / "report.json").read_text())
    assert sorted(report["outputs"]["rasters"]) == sorted(
        f"rasters/{p.name}" for p in tifs
    )
    assert (out / "maps" / "capability.png").exists()
    validator = "/usr/bin/python3"
    probe = subprocess.run([validator, "-c", "import osgeo_utils"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("GDAL's Python bindings (Debian python3-gdal) are missing")
    run = subprocess.run(
        [
            validator,
            "-m",
            "osgeo_utils.samples.validate_cloud_optimized_geotiff",
            str(out / "rasters" / "institutions_all.tif"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_bad_institutions_input(tmp_path, capsys):
    toml = _write_case(tmp_path)
    pd.DataFrame(
        {
            "name": ["A", "B"],
            "type": ["university", "observatório"],
            "lon": [-47.0, -47.1],
            "lat": [-22.0, -22.1],
        }
    ).to_csv(tmp_path / "inst.csv", index=False)
    toml.write_text(
        toml.read_text()
        + "[inputs.institutions]\npath = 'inst.csv'\nx_column = 'lon'\n"
        "y_column = 'lat'\ncrs = 'EPSG:4326'\n"
    )
    err = _run_bad(tmp_path, capsys, toml)
    assert "inst.csv" in err and "observatório" in err.lower()


def test_atlas_command_rebuilds_from_the_geopackage(demo_out, tmp_path, capsys):
    import shutil

    out, _ = demo_out
    assert (out / "atlas.pdf").exists()
    pdf = tmp_path / "pt.pdf"
    code = main(
        ["atlas", str(out / "result.gpkg"), "--out", str(pdf), "--type", "center", "-q"]
    )
    assert code == 0 and pdf.exists()
    if shutil.which("pdfinfo") is None:
        pytest.skip("poppler-utils (pdfinfo) is not installed")
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    n_all = int(
        subprocess.run(
            ["pdfinfo", str(out / "atlas.pdf")], capture_output=True, text=True
        )
        .stdout.split("Pages:")[1]
        .split()[0]
    )
    n_center = int(pages.split("Pages:")[1].split()[0])
    # only the LPS pages of the centres remain
    report = json.loads((out / "report.json").read_text())
    assert n_all - n_center == report["n_lps"] - report["lps_by_type"]["center"]
    # the run's language (pt) is the default
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"],
        capture_output=True,
        text=True,
    ).stdout
    assert "Atlas de arranjos produtivos locais" in text
    # refuses to overwrite
    assert main(["atlas", str(out / "result.gpkg"), "--out", str(pdf), "-q"]) == 2


# a real lps-geo process that waits (short sleeps) once report.json is in its
# staging folder, so the signal always arrives mid-write, whatever the timing
_WAITS_IN_STAGING = """
import sys, time
sys.path.insert(0, {root!r})
from lps_geo import cli, outputs
real = outputs.write_report
def write_report(*args, **kwargs):
    real(*args, **kwargs)
    sys.stderr.write("ready\\n")
    sys.stderr.flush()
    while True:
        time.sleep(0.01)
outputs.write_report = write_report
sys.exit(cli.main(sys.argv[1:]))
"""


@pytest.mark.parametrize(
    "signum, code, ignore_sigint",
    [
        (signal.SIGTERM, 143, False),
        (signal.SIGINT, 130, False),
        # started with SIGINT ignored (as by some GUI parents): still stops
        (signal.SIGINT, 130, True),
    ],
)
def test_signal_removes_the_staging_folder(baseline, signum, code, ignore_sigint):
    folder = baseline.folder
    script = folder / "lps_geo_waiting.py"
    script.write_text(_WAITS_IN_STAGING.format(root=str(ROOT)), encoding="utf-8")
    before = sorted(p.name for p in folder.iterdir())
    out = folder / "run"
    cmd = [sys.executable, str(script), "run", str(baseline.toml), "--out", str(out)]
    proc = subprocess.Popen(
        [*cmd, "--permutations", "99", "-q"],
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        if ignore_sigint
        else None,
    )
    try:
        lines = []
        for line in proc.stderr:
            lines.append(line)
            if line.strip() == "ready":
                break
        assert [p.name for p in folder.glob(".run.tmp-*")], "".join(lines)
        proc.send_signal(signum)
        rest = proc.stderr.read()
        assert proc.wait(timeout=60) == code, rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert rest.strip() == f"lps-geo: interrupted (signal {int(signum)})"
    assert not out.exists()
    assert sorted(p.name for p in folder.iterdir()) == before


def test_logged_levels_print_in_lower_case():
    import logging

    from lps_geo.cli import _LowerLevel

    record = logging.LogRecord(
        "lps_geo", logging.WARNING, __file__, 1, "no atlas", (), None
    )
    line = _LowerLevel("lps-geo: %(levelname)s: %(message)s").format(record)
    assert line == "lps-geo: warning: no atlas"
    assert record.levelname == "WARNING"  # other handlers see the record unchanged
