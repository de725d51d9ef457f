"""Package the QGIS plugin as an installable zip: ``dist/lps_geo_qgis-<version>.zip``.

The zip holds the plugin folder ``lps_geo_qgis/`` at its root, as QGIS's
"Install from ZIP" expects; the version is the one in ``metadata.txt``, which
must equal lps_geo's own. Standard library only::

    python3 qgis_plugin/build.py [--out dist]
"""

from __future__ import annotations

import argparse
import configparser
import os
import re
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLUGIN = HERE / "lps_geo_qgis"
ROOT = HERE.parent
SKIP_DIRS = {"__pycache__", ".pytest_cache"}
SKIP_SUFFIXES = {".pyc", ".pyo"}


def plugin_version() -> str:
    """The version in metadata.txt, checked against lps_geo's ``__version__``."""
    meta = configparser.ConfigParser()
    meta.read(PLUGIN / "metadata.txt", encoding="utf-8")
    version = meta["general"]["version"]
    init = (ROOT / "lps_geo" / "_version.py").read_text(encoding="utf-8")
    m = re.search(r'^__version__ = "([^"]+)"', init, re.M)
    if m and m.group(1) != version:
        raise SystemExit(
            f"metadata.txt version {version} differs from lps_geo {m.group(1)}; "
            "update qgis_plugin/lps_geo_qgis/metadata.txt"
        )
    return version


def build(out_dir: Path) -> Path:
    """Write the zip (atomically) and return its path."""
    version = plugin_version()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"lps_geo_qgis-{version}.zip"
    fd, tmp = tempfile.mkstemp(prefix=".lps_geo_qgis-", suffix=".zip", dir=out_dir)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(PLUGIN.rglob("*")):
                rel = path.relative_to(HERE)
                if path.is_dir() or SKIP_DIRS & set(rel.parts):
                    continue
                if path.suffix in SKIP_SUFFIXES:
                    continue
                zf.write(path, rel.as_posix())
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "dist"), help="output folder")
    args = parser.parse_args(argv)
    print(build(Path(args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
