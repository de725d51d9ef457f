"""Compare two lps_geo output folders: the same run before and after a change.

Every GeoPackage table is compared row by row (timestamps masked), every
``report.json`` key by key (timings and creation dates left out), every PNG map
pixel by pixel, every raster byte by byte and every atlas by page count and
text (``pdftotext``). Prints one line per difference and a summary; exit code 1
when anything differs.

Usage::

    python benchmarks/compare_outputs.py BEFORE_DIR AFTER_DIR

To compare the demo before and after a change to the code::

    git worktree add /tmp/before <commit>
    PYTHONPATH=/tmp/before python -m lps_geo demo --out /tmp/out_before
    python -m lps_geo demo --out /tmp/out_after
    python benchmarks/compare_outputs.py /tmp/out_before /tmp/out_after

(and the same with ``lps-geo run examples/brazil_rais2015.toml``).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

#: Report keys whose values depend on the machine or the moment.
VOLATILE_KEYS = {"timings_s", "created", "timings", "from_cache"}
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?"
)
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


#: (old, new) path prefixes: a run of the same inputs from another checkout
#: names its input files under another folder (``--replace``).
REPLACE: list[tuple[str, str]] = []


def _mask(value):
    if isinstance(value, str):
        for old, new in REPLACE:
            value = value.replace(old, new)
        return _TIMESTAMP.sub("<time>", value)
    if isinstance(value, bytes):
        return value
    return value


def _scrub(value):
    """A JSON value without its volatile keys (at any depth)."""
    if isinstance(value, dict):
        return {
            k: _scrub(v)
            for k, v in value.items()
            if k not in VOLATILE_KEYS and k != "versions"
        }
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def _json_diff(a, b, where: str, out: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key in VOLATILE_KEYS:
                continue
            if key not in a or key not in b:
                out.append(
                    f"{where}.{key}: only in {'after' if key in b else 'before'}"
                )
                continue
            _json_diff(a[key], b[key], f"{where}.{key}", out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{where}: {len(a)} items before, {len(b)} after")
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            _json_diff(x, y, f"{where}[{i}]", out)
    elif _mask(a) != _mask(b):
        out.append(f"{where}: {str(a)[:120]!r} != {str(b)[:120]!r}")


def _project_xml(hexdata: str) -> str:
    """The .qgs XML inside a stored QGIS project (hex of a .qgz)."""
    raw = bytes.fromhex(hexdata)
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        name = next(n for n in z.namelist() if n.endswith(".qgs"))
        text = z.read(name).decode("utf-8")
    # per-write identifiers and the save date/user
    text = re.sub(r'(id|saveDateTime|saveUser|saveUserFull)="[^"]*"', r'\1=""', text)
    text = re.sub(r"\{[0-9a-f-]{36}\}", "{uuid}", text)
    text = re.sub(r"_[0-9a-f]{32}\b", "_<id>", text)
    return _TIMESTAMP.sub("<time>", text)


def _rows(con: sqlite3.Connection, table: str) -> list[tuple]:
    cols = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]
    rows = con.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()
    out = []
    for row in rows:
        rec = dict(zip(cols, row, strict=True))
        if table == "qgis_projects" and "content" in rec:
            rec["content"] = _project_xml(rec["content"])
        if table == "run_metadata" and rec.get("key") == "versions":
            rec["value"] = "<volatile>"
        for key, value in rec.items():
            if isinstance(value, str) and value[:1] in "{[":
                try:
                    rec[key] = json.dumps(_scrub(json.loads(value)), sort_keys=True)
                except ValueError:
                    pass
        out.append(tuple(_mask(v) for v in rec.values()))
    return out


def compare_gpkg(a: Path, b: Path, out: list[str]) -> None:
    ca, cb = sqlite3.connect(a), sqlite3.connect(b)
    query = "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
    ta = {r[0] for r in ca.execute(query)}
    tb = {r[0] for r in cb.execute(query)}
    for t in sorted(ta ^ tb):
        out.append(f"{b.name}: table {t} only in {'after' if t in tb else 'before'}")
    for t in sorted(ta & tb):
        if t.startswith("rtree_"):
            continue
        ra, rb = _rows(ca, t), _rows(cb, t)
        if ra != rb:
            n = sum(x != y for x, y in zip(ra, rb, strict=False))
            out.append(
                f"{b.name}: table {t} differs ({len(ra)} vs {len(rb)} rows, "
                f"{n} rows differ)"
            )


def compare_png(a: Path, b: Path, out: list[str]) -> None:
    import numpy as np
    from matplotlib.image import imread

    if a.read_bytes() == b.read_bytes():
        return
    pa, pb = imread(a), imread(b)
    if pa.shape != pb.shape:
        out.append(f"{b}: image size {pa.shape} != {pb.shape}")
        return
    n = int((np.abs(pa - pb).max(axis=-1) > 0).sum())
    if n:
        out.append(f"{b}: {n} pixels differ")


def _pdf_text(path: Path) -> str:
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return _DATE.sub("<date>", text)


def compare_pdf(a: Path, b: Path, out: list[str]) -> None:
    if shutil.which("pdftotext") is None:
        out.append(f"{b}: pdftotext (poppler-utils) not installed, atlas not compared")
        return
    ta, tb = _pdf_text(a), _pdf_text(b)
    if ta.count("\f") != tb.count("\f"):
        out.append(f"{b}: {ta.count(chr(12))} pages before, {tb.count(chr(12))} after")
    elif ta != tb:
        la, lb = ta.splitlines(), tb.splitlines()
        first = next(
            (i for i, (x, y) in enumerate(zip(la, lb, strict=False)) if x != y), None
        )
        out.append(f"{b}: text differs (first at line {first})")


def compare_folders(before: Path, after: Path) -> list[str]:
    out: list[str] = []
    fa = {p.relative_to(before) for p in before.rglob("*") if p.is_file()}
    fb = {p.relative_to(after) for p in after.rglob("*") if p.is_file()}
    for rel in sorted(fa ^ fb):
        out.append(f"{rel}: only in {'after' if rel in fb else 'before'}")
    for rel in sorted(fa & fb):
        a, b = before / rel, after / rel
        suffix = rel.suffix.lower()
        if suffix == ".gpkg":
            compare_gpkg(a, b, out)
        elif suffix == ".json":
            _json_diff(
                json.loads(a.read_text()), json.loads(b.read_text()), str(rel), out
            )
        elif suffix == ".png":
            compare_png(a, b, out)
        elif suffix == ".pdf":
            compare_pdf(a, b, out)
        elif a.read_bytes() != b.read_bytes():
            out.append(f"{rel}: bytes differ")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument(
        "--replace",
        nargs=2,
        action="append",
        default=[],
        metavar=("OLD", "NEW"),
        help="read OLD as NEW in text values (input paths of another checkout)",
    )
    args = ap.parse_args(argv)
    REPLACE[:] = [tuple(pair) for pair in args.replace]
    diffs = compare_folders(args.before, args.after)
    for line in diffs:
        print(line)
    n = sum(1 for p in args.after.rglob("*") if p.is_file())
    print(f"compared {n} files: {len(diffs)} difference(s)")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
