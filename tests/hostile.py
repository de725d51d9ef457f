"""The hostile-input corpus: a small valid baseline, one flaw per case.

Every case copies the baseline into its own folder, spoils one input (or the
output path), runs ``lps-geo run`` in process through :func:`lps_geo.cli.main`
and checks what a user sees: the exit code, the one ``lps-geo: error:`` line
and the culprit it names, no traceback, no temporary folder left behind and
the input files untouched. A case that must succeed checks its totals.

The baseline is 16 municipalities of a fictitious state 19 (a 4 x 4 grid of
0.1 degree squares in SIRGAS 2000), three CNAE groups and four institutions;
it runs in about a second with 99 permutations and no maps.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from lps_geo.io.codes import check_digit

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

#: The three industries of the baseline and their CNAE titles.
INDUSTRIES = {
    "15.3": "Fabricação de calçados",
    "10.1": "Abate e fabricação de produtos de carne",
    "31.0": "Fabricação de móveis",
}
NROW = NCOL = 4


def municipality_codes(n: int = NROW * NCOL) -> list[str]:
    """Valid 7-digit IBGE codes of state 19 (check digit included)."""
    codes = []
    for k in range(n):
        six = f"19{(k + 1) * 10:04d}"
        codes.append(six + check_digit(six))
    return codes


CODES = municipality_codes()


def _employment() -> pd.DataFrame:
    """Long table: a footwear cluster in the lower-left corner."""
    rows = []
    for k, code in enumerate(CODES):
        r, c = divmod(k, NCOL)
        shoes = 400 + 37 * k if (r < 2 and c < 2) else 3 + (k % 3)
        rows.append((code, "15.3", shoes, 1 + shoes // 40))
        rows.append((code, "10.1", 50 + 7 * k, 2 + k % 4))
        rows.append((code, "31.0", 20 + 3 * (k % 5), 1 + k % 3))
    return pd.DataFrame(
        rows, columns=["cod_ibge", "cnae_grupo", "empregos", "estabelecimentos"]
    )


EMPLOYMENT = _employment()
TOTAL_JOBS = int(EMPLOYMENT["empregos"].sum())

CONFIG: dict[str, Any] = {
    "inputs": {
        "cnae": "cnae.csv",
        "boundaries": {
            "path": "municipalities.geojson",
            "code_column": "CD_MUN",
            "name_column": "NM_MUN",
        },
        "size": {
            "path": "employment.csv",
            "form": "long",
            "region_column": "cod_ibge",
            "industry_column": "cnae_grupo",
            "employment_column": "empregos",
            "establishments_column": "estabelecimentos",
        },
        "lookup": {
            "path": "micro.csv",
            "code_column": "cod_ibge",
            "group_column": "cod_micro",
        },
        "institutions": {
            "path": "institutions.csv",
            "format": "points",
            "type_column": "type",
            "name_column": "name",
            "x_column": "lon",
            "y_column": "lat",
            "crs": "EPSG:4674",
        },
    },
    "analysis": {
        "size_measure": "employment",
        "industry_level": "group",
        "reference_area": "study_area",
        "industries": "all",
    },
    "statistics": {"permutations": 999, "seed": 1},
    "capability": {"permutations": 19, "surfaces": False, "distance": 30000},
    "output": {"maps": False, "atlas": False, "lang": "en"},
}


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


def dump_toml(config: dict[str, Any]) -> str:
    """A minimal TOML writer for the nested tables of a configuration."""
    lines: list[str] = []

    def table(prefix: str, body: dict[str, Any]) -> None:
        scalars = {k: v for k, v in body.items() if not isinstance(v, dict)}
        if prefix:
            lines.append(f"[{prefix}]")
        for key, value in scalars.items():
            if value is not None:
                lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
        for key, value in body.items():
            if isinstance(value, dict):
                table(f"{prefix}.{key}" if prefix else key, value)

    table("", config)
    return "\n".join(lines)


def _deep_update(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in base.items()}
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_update(out[key], value)
        elif value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


@dataclass
class Baseline:
    """A folder holding a valid run: inputs, ``run.toml`` and the output path."""

    folder: Path
    config: dict[str, Any] = field(default_factory=lambda: _deep_update(CONFIG, {}))

    @property
    def toml(self) -> Path:
        return self.folder / "run.toml"

    @property
    def out(self) -> Path:
        return self.folder / "out"

    def path(self, name: str) -> Path:
        """An input file of the baseline, by its file name."""
        return self.folder / name

    def configure(self, **changes: Any) -> Baseline:
        """Change configuration tables (nested dicts; None removes a key)."""
        self.config = _deep_update(self.config, changes)
        self.write_config()
        return self

    def write_config(self) -> None:
        self.toml.write_text(dump_toml(self.config), encoding="utf-8")

    def inputs_digest(self) -> dict[str, str]:
        """SHA-256 of every input file (the run must not change them)."""
        return {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(self.folder.iterdir())
            if p.is_file()
        }


def make_baseline(folder: Path) -> Baseline:
    """Write the valid baseline inputs into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    cells = []
    for k in range(NROW * NCOL):
        r, c = divmod(k, NCOL)
        x0, y0 = -47.0 + 0.1 * c, -22.0 + 0.1 * r
        cells.append(box(x0, y0, x0 + 0.1, y0 + 0.1))
    gpd.GeoDataFrame(
        {"CD_MUN": CODES, "NM_MUN": [f"Município {k + 1}" for k in range(len(CODES))]},
        geometry=cells,
        crs="EPSG:4674",
    ).to_file(folder / "municipalities.geojson", driver="GeoJSON")
    EMPLOYMENT.to_csv(folder / "employment.csv", index=False)
    pd.DataFrame({"code": list(INDUSTRIES), "title": list(INDUSTRIES.values())}).to_csv(
        folder / "cnae.csv", index=False
    )
    pd.DataFrame(
        {
            "cod_ibge": CODES,
            "cod_micro": [f"190{1 + (k % NCOL) // 2:02d}" for k in range(len(CODES))],
        }
    ).to_csv(folder / "micro.csv", index=False)
    pd.DataFrame(
        {
            "name": ["Universidade A", "Instituto B", "Escola C", "Centro D"],
            "type": ["university", "research_centre", "technical_school", "university"],
            "lon": [-46.95, -46.85, -46.75, -46.65],
            "lat": [-21.95, -21.85, -21.75, -21.65],
        }
    ).to_csv(folder / "institutions.csv", index=False)
    baseline = Baseline(folder)
    baseline.write_config()
    return baseline


@dataclass
class Outcome:
    """What one CLI run printed and returned."""

    code: int
    stderr: str
    stdout: str

    @property
    def errors(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if "lps-geo: error:" in line]

    @property
    def warnings(self) -> list[str]:
        return [
            line for line in self.stderr.splitlines() if "lps-geo: warning:" in line
        ]


def run_cli(*args: str) -> Outcome:
    """Run ``lps-geo ARGS`` in this process; a traceback fails the test."""
    from lps_geo import cli

    err, out = io.StringIO(), io.StringIO()
    with redirect_stderr(err), redirect_stdout(out):
        code = cli.main([str(a) for a in args])
    return Outcome(code, err.getvalue(), out.getvalue())


def run(baseline: Baseline, *extra: str) -> Outcome:
    """``lps-geo run run.toml --out out`` on a baseline."""
    return run_cli("run", baseline.toml, "--out", baseline.out, *extra)


def leftovers(folder: Path) -> list[str]:
    """Temporary files or folders lps_geo left anywhere under ``folder``."""
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if ".tmp-" in p.name or ".old-" in p.name
    )


def assert_refused(folder: Path, outcome: Outcome, *culprits: str) -> str:
    """Exit 2, one error line naming every culprit, no traceback and no
    temporary files under ``folder``; returns the line."""
    assert outcome.code == 2, outcome.stderr
    assert "Traceback" not in outcome.stderr, outcome.stderr
    assert len(outcome.errors) == 1, outcome.stderr
    line = outcome.errors[0]
    for culprit in culprits:
        assert culprit in line, f"{culprit!r} not in {line!r}"
    assert leftovers(folder) == []
    return line


def assert_fails(
    baseline: Baseline, outcome: Outcome, *culprits: str, digest: dict | None = None
) -> str:
    """Exit 2, one error line naming every culprit, no traceback, no leftovers,
    no output folder and (given ``digest``) inputs unchanged; returns the line."""
    line = assert_refused(baseline.folder, outcome, *culprits)
    assert not baseline.out.exists() or not any(baseline.out.iterdir())
    if digest is not None:
        assert baseline.inputs_digest() == digest
    return line


def assert_succeeds(baseline: Baseline, outcome: Outcome) -> dict[str, Any]:
    """Exit 0, no traceback, no leftovers; returns the run's report.json."""
    assert outcome.code == 0, outcome.stderr
    assert "Traceback" not in outcome.stderr, outcome.stderr
    assert leftovers(baseline.folder) == []
    return json.loads((baseline.out / "report.json").read_text(encoding="utf-8"))


def read_employment(baseline: Baseline) -> pd.DataFrame:
    """The employment matrix a finished run stored (regions x industries)."""
    from lps_geo.export.gpkg import read_geopackage

    result = read_geopackage(baseline.out / "result.gpkg")
    return result.indicators.pivot(
        index="region", columns="industry", values="employment"
    )


def copy_baseline(template: Path, folder: Path) -> Baseline:
    """A fresh copy of a baseline folder (cheaper than writing it again)."""
    shutil.copytree(template, folder)
    with open(folder / "run.toml", "rb") as f:
        config = tomllib.load(f)
    return Baseline(folder, config)


__all__ = [
    "Baseline",
    "CODES",
    "INDUSTRIES",
    "Outcome",
    "TOTAL_JOBS",
    "assert_fails",
    "assert_refused",
    "assert_succeeds",
    "copy_baseline",
    "leftovers",
    "make_baseline",
    "read_employment",
    "run",
    "run_cli",
]
