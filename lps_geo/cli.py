"""Command line: ``lps-geo demo``, ``run``, ``maps``, ``atlas`` and ``compare``.

A thin layer over the library: it parses arguments, configures logging and
the progress display (stderr), calls :func:`lps_geo.run` and the exporters,
and turns every :class:`~lps_geo.errors.LpsGeoError` into one line on stderr
and exit code 2. Outputs are built in a temporary folder next to ``--out``
and moved into place only when complete; an existing output folder is
replaced only with ``--overwrite``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import get_args

from lps_geo._version import __version__
from lps_geo.config import Lang
from lps_geo.errors import LpsGeoError, LpsGeoWarning, OutputExistsError

log = logging.getLogger("lps_geo")

GPKG_NAME = "result.gpkg"
REPORT_NAME = "report.json"
MAPS_DIR = "maps"
ATLAS_NAME = "atlas.pdf"
RASTERS_DIR = "rasters"


def _write_surfaces(result, folder: Path) -> list[Path]:
    """Write the kernel-density surfaces of a result as COGs with styles."""
    if not result.surfaces:
        return []
    from lps_geo.method.surfaces import surface_style, write_cog

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, (arr, grid, kind) in sorted(result.surfaces.items()):
        what = "employment" if kind == "employment" else f"{kind} institutions"
        out.append(
            write_cog(
                arr,
                grid,
                folder / f"{name}.tif",
                style=surface_style(kind, label=name),
                description=f"kernel density of {what}, per km2",
                units="1/km2",
            )
        )
    return out


def demo_dir() -> Path:
    """Folder of the embedded demo data (``$LPS_GEO_DEMO_DIR`` overrides)."""
    env = os.environ.get("LPS_GEO_DEMO_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1] / "data" / "shapefiles"


class _Progress:
    """Stage progress on stderr: a bar on a terminal, one line per stage else."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.t0 = time.perf_counter()

    def __call__(self, stage: str, i: int, n: int) -> None:
        if self.quiet:
            return
        width = 24
        done = int(width * i / n)
        bar = "#" * done + "-" * (width - done)
        msg = f"[{bar}] {i + 1}/{n} {stage} ({time.perf_counter() - self.t0:.1f} s)"
        if self.tty:
            sys.stderr.write("\r" + msg.ljust(78))
        else:
            sys.stderr.write(msg + "\n")
        sys.stderr.flush()

    def pages(self, i: int, n: int) -> None:
        """Atlas page progress."""
        if self.quiet or (not self.tty and i not in (1, n)):
            return
        width = 24
        done = int(width * i / max(n, 1))
        msg = f"[{'#' * done}{'-' * (width - done)}] atlas page {i}/{n}"
        sys.stderr.write(("\r" + msg.ljust(78)) if self.tty else msg + "\n")
        sys.stderr.flush()

    def done(self, what: str) -> None:
        if self.quiet:
            return
        end = "\n" if self.tty else ""
        sys.stderr.write(f"{end}{what} ({time.perf_counter() - self.t0:.1f} s)\n")


def _check_out(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise OutputExistsError(f"{out} exists and is not a folder")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise OutputExistsError(
            f"output folder {out} exists and is not empty; pass --overwrite to "
            "replace it"
        )


def _publish(tmp: Path, out: Path) -> None:
    """Move a finished temporary folder into place (replacing ``out``)."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
    try:
        os.replace(tmp, out)
    except BaseException:
        if old is not None:
            os.replace(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def _staging(out: Path) -> Iterator[Path]:
    """A temporary folder next to ``out``, moved into place when the block
    succeeds and removed when it fails; ``out`` is untouched until then."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes 0700; outputs follow the umask
    try:
        yield tmp
        _publish(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def run_to_folder(
    config, out: Path, overwrite: bool, maps: bool | None, quiet: bool
) -> dict:
    """Run an analysis and write GeoPackage, report and maps into ``out``.

    With ``reference_area = "both"`` every reference area gets its own
    complete set of outputs in a subfolder of ``out`` named after it
    (``state/``, ``study_area/``) and ``out/report.json`` lists both.
    """
    from lps_geo.export import write_report
    from lps_geo.method.pipeline import run_all

    out = Path(out)
    _check_out(out, overwrite)
    progress = _Progress(quiet)
    results = run_all(config, progress=progress)
    cfg = config if not isinstance(config, (str, Path)) else None
    with _staging(out) as tmp:
        if len(results) == 1:
            (result,) = results.values()
            _write_outputs(result, tmp, cfg, maps, progress)
            report = result.report
        else:
            for area, result in results.items():
                folder = tmp / area
                folder.mkdir()
                _write_outputs(result, folder, cfg, maps, progress)
            report = {
                "reference_areas": list(results),
                "n_lps": {a: r.report["n_lps"] for a, r in results.items()},
                "lps_by_type": {a: r.report["lps_by_type"] for a, r in results.items()},
                "outputs": {a: f"{a}/{REPORT_NAME}" for a in results},
            }
            write_report(report, tmp / REPORT_NAME)
    if len(results) == 1:
        progress.done(f"wrote {out / GPKG_NAME}: {len(result.lps)} LPS")
    else:
        counts = ", ".join(f"{len(r.lps)} LPS ({a})" for a, r in results.items())
        progress.done(f"wrote {out}/<reference area>/{GPKG_NAME}: {counts}")
    return report


def _atlas_has_pages(result, choice: dict) -> bool:
    """Whether any LPS passes the atlas filters (logged when none does)."""
    from lps_geo.errors import InputError
    from lps_geo.render.atlas import select_lps

    try:
        select_lps(result, **choice)
    except InputError as exc:
        if not any(choice.values()):
            raise
        log.warning("no atlas written: %s", exc)
        return False
    return True


def _write_outputs(result, folder: Path, cfg, maps: bool | None, progress) -> None:
    """Write one result's GeoPackage, rasters, maps, atlas and report."""
    from lps_geo.export import write_geopackage, write_report

    opts = cfg.output if cfg is not None else None
    write_geopackage(
        result,
        folder / GPKG_NAME,
        lang=opts.lang if opts else "en",
        focus_industry=opts.focus_industry if opts else None,
    )
    rasters = _write_surfaces(result, folder / RASTERS_DIR)
    want_maps = maps if maps is not None else (opts.maps if opts is not None else True)
    written = []
    if want_maps and len(result.lps):
        from lps_geo.render.maps import write_maps

        written = write_maps(
            result,
            folder / MAPS_DIR,
            industry=opts.focus_industry if opts else None,
            lang=opts.lang if opts else "en",
            source=opts.source_note if opts else None,
        )
    atlas = None
    want_atlas = want_maps and (opts.atlas if opts is not None else True)
    choice = {
        "types": list(opts.atlas_types) or None if opts else None,
        "industries": list(opts.atlas_industries) or None if opts else None,
        "states": list(opts.atlas_states) or None if opts else None,
    }
    if want_atlas and len(result.lps) and _atlas_has_pages(result, choice):
        from lps_geo.render.atlas import write_atlas

        atlas = write_atlas(
            result,
            folder / ATLAS_NAME,
            lang=opts.lang if opts else "en",
            page_size=opts.page_size if opts else "A4",
            progress=progress.pages,
            **choice,
        )
    result.report["outputs"] = {
        "geopackage": GPKG_NAME,
        "maps": [str(Path(MAPS_DIR) / p.name) for p in written],
        "rasters": [str(Path(RASTERS_DIR) / p.name) for p in rasters],
        "atlas": ATLAS_NAME if atlas is not None else None,
    }
    write_report(result.report, folder / REPORT_NAME)


def _cmd_demo(args) -> int:
    from lps_geo.config import load_config

    d = demo_dir()
    toml = d / "demo.toml"
    if not toml.exists():
        raise LpsGeoError(
            f"demo data not found in {d}; run from a source checkout or set "
            "LPS_GEO_DEMO_DIR to a folder made by `python -m lps_geo.demo DIR`"
        )
    cfg = load_config(toml)
    if args.lang:
        from dataclasses import replace

        cfg = replace(cfg, output=replace(cfg.output, lang=args.lang))
    report = run_to_folder(
        cfg, Path(args.out), args.overwrite, False if args.no_maps else None, args.quiet
    )
    if not args.quiet:
        print(json.dumps(report["lps_by_type"]), file=sys.stderr)
    return 0


def _cmd_run(args) -> int:
    from dataclasses import replace

    from lps_geo.config import load_config

    cfg = load_config(args.config)
    if args.lang:
        cfg = replace(cfg, output=replace(cfg.output, lang=args.lang))
    if args.seed is not None:
        cfg = replace(cfg, statistics=replace(cfg.statistics, seed=args.seed))
    if args.permutations is not None:
        cfg = replace(
            cfg, statistics=replace(cfg.statistics, permutations=args.permutations)
        )
    run_to_folder(
        cfg, Path(args.out), args.overwrite, False if args.no_maps else None, args.quiet
    )
    return 0


def _read_locator(path: str | None):
    """A context layer for the maps' inset locator (any GDAL vector file)."""
    if not path:
        return None
    import geopandas as gpd

    from lps_geo.errors import InputError

    try:
        layer = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # noqa: BLE001 - reported as one line
        raise InputError(f"{path}: cannot read the locator layer ({exc})") from None
    if layer.crs is None:
        layer = layer.set_crs("EPSG:4326")  # GeoJSON/TopoJSON without a CRS
    return layer


def _cmd_maps(args) -> int:
    from lps_geo.render.maps import write_maps

    t0 = time.perf_counter()
    paths = write_maps(
        Path(args.gpkg),
        Path(args.out),
        industry=args.industry,
        lang=_lang_of(Path(args.gpkg), args.lang),
        overwrite=args.overwrite,
        formats=tuple(args.format.split(",")),
        industries="all" if args.all_industries else None,
        page_size=args.page_size,
        dpi=args.dpi,
        locator=_read_locator(args.locator),
    )
    if not args.quiet:
        dt = time.perf_counter() - t0
        print(
            f"wrote {len(paths)} map files in {dt:.1f} s "
            f"({len(paths) / dt:.1f} per second)",
            file=sys.stderr,
        )
    for p in paths:
        print(p)
    return 0


def _lang_of(gpkg: Path, given: str | None) -> str:
    """The language asked for, else the run's own (stored in run_metadata)."""
    if given:
        return given
    from lps_geo.export import read_metadata

    try:
        lang = read_metadata(gpkg).get("config", {}).get("output", {}).get("lang")
    except LpsGeoError:
        raise
    except Exception:  # noqa: BLE001 - an unreadable file is reported later
        lang = None
    return lang if lang in get_args(Lang) else "en"


def _cmd_atlas(args) -> int:
    from lps_geo.render.atlas import write_atlas

    progress = _Progress(args.quiet)
    t0 = time.perf_counter()
    path = write_atlas(
        Path(args.gpkg),
        Path(args.out),
        lang=_lang_of(Path(args.gpkg), args.lang),
        page_size=args.page_size,
        industries=args.industry or None,
        types=args.type or None,
        states=args.state or None,
        overwrite=args.overwrite,
        progress=progress.pages,
    )
    from lps_geo.render.atlas import atlas_plan

    n = len(
        atlas_plan(
            Path(args.gpkg),
            industries=args.industry or None,
            types=args.type or None,
            states=args.state or None,
        )
    )
    dt = time.perf_counter() - t0
    progress.done(f"wrote {path}: {n} pages, {n / dt:.1f} pages per second")
    return 0


def _cmd_fetch(args) -> int:
    from lps_geo.fetch import fetch

    progress = _Progress(args.quiet)

    def say(message: str) -> None:
        if not args.quiet:
            print(f"lps-geo: {message}", file=sys.stderr)

    result = fetch(
        args.area,
        Path(args.out),
        what=args.what,
        cache_dir=args.cache,
        base_url=args.base_url,
        offline=args.offline,
        overwrite=args.overwrite,
        timeout=args.timeout,
        progress=say,
    )
    progress.done(
        f"fetched {len(result.manifest['downloads'])} file(s) into {args.out}"
    )
    for path in result.outputs:
        print(path)
    return 0


CHANGE_GPKG = "lps_change.gpkg"
CHANGE_MAP = "change.png"


def _period_label(result, gpkg: Path) -> str:
    """A period's name: the stem of the run's size table, else the file's."""
    size = result.metadata.get("inputs", {}).get("size")
    return Path(size).stem if isinstance(size, str) and size else gpkg.stem


def _cmd_compare(args) -> int:
    from dataclasses import replace

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from lps_geo.export import read_geopackage, write_lps_change
    from lps_geo.method.compare import compare_periods
    from lps_geo.render.maps import DEFAULT_SOURCE, PAGE_SIZES, change_map

    out = Path(args.out)
    _check_out(out, args.overwrite)
    paths = [Path(args.before), Path(args.after)]
    before, after = (read_geopackage(p) for p in paths)
    labels = (
        args.label_before or _period_label(before, paths[0]),
        args.label_after or _period_label(after, paths[1]),
    )
    lang = _lang_of(paths[1], args.lang)
    change = compare_periods(
        before,
        after,
        growth=args.growth,
        decline=args.decline,
        labels=labels,
        lang=lang,
    )
    with _staging(out) as tmp:
        write_lps_change(change, tmp / CHANGE_GPKG, lang=lang)
        fig = Figure(figsize=PAGE_SIZES["A4"])
        FigureCanvasAgg(fig)
        source = after.metadata.get("source")
        change_map(
            replace(after, lps_change=change),
            ax=fig.add_subplot(),
            lang=lang,
            source=source if isinstance(source, str) else DEFAULT_SOURCE,
        )
        fig.savefig(tmp / CHANGE_MAP, format="png", dpi=150, bbox_inches="tight")
    if not args.quiet:
        counts = change.attrs["comparison"]["by_category"]
        print(json.dumps(counts), file=sys.stderr)
    print(out / CHANGE_GPKG)
    print(out / CHANGE_MAP)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lps-geo",
        description="Find, classify and map local production systems "
        "(Suzigan, Furtado & Garcia 2006).",
    )
    p.add_argument("--version", action="version", version=f"lps-geo {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp):
        sp.add_argument(
            "-v",
            "--verbose",
            action="count",
            default=0,
            help="more log output (repeat for debug)",
        )
        sp.add_argument(
            "-q", "--quiet", action="store_true", help="only errors on stderr"
        )
        sp.add_argument(
            "--overwrite", action="store_true", help="replace an existing output"
        )
        sp.add_argument(
            "--lang",
            choices=get_args(Lang),
            default=None,
            help="language of labels in maps and layers",
        )

    d = sub.add_parser("demo", help="run the whole method on the embedded demo data")
    d.add_argument("--out", required=True, help="output folder")
    d.add_argument("--no-maps", action="store_true", help="skip the PNG maps")
    common(d)
    d.set_defaults(func=_cmd_demo)

    r = sub.add_parser("run", help="run an analysis described by a TOML file")
    r.add_argument("config", help="configuration file (TOML)")
    r.add_argument("--out", required=True, help="output folder")
    r.add_argument("--no-maps", action="store_true", help="skip the PNG maps")
    r.add_argument("--seed", type=int, default=None, help="override statistics.seed")
    r.add_argument(
        "--permutations",
        type=int,
        default=None,
        help="override statistics.permutations",
    )
    common(r)
    r.set_defaults(func=_cmd_run)

    m = sub.add_parser("maps", help="draw the maps of a result GeoPackage")
    m.add_argument("gpkg", help="result GeoPackage written by run/demo")
    m.add_argument("--out", required=True, help="folder for the maps")
    m.add_argument("--industry", default=None, help="industry in focus (CNAE code)")
    m.add_argument(
        "--all-industries", action="store_true", help="also map every other industry"
    )
    m.add_argument(
        "--format", default="png", help="comma-separated formats among png, pdf, svg"
    )
    m.add_argument("--page-size", default="A4", choices=("A4", "A3"))
    m.add_argument("--dpi", type=int, default=150)
    m.add_argument(
        "--locator",
        default=None,
        help="context layer (e.g. states) for an inset locator",
    )
    common(m)
    m.set_defaults(func=_cmd_maps)

    at = sub.add_parser("atlas", help="build the PDF atlas of a result GeoPackage")
    at.add_argument("gpkg", help="result GeoPackage written by run/demo")
    at.add_argument("--out", required=True, help="the PDF to write")
    at.add_argument("--page-size", default="A4", choices=("A4", "A3"))
    at.add_argument("--industry", action="append", help="only these industries")
    at.add_argument(
        "--type",
        action="append",
        choices=("center", "advanced_vector", "local_vector", "embryo"),
        help="only these LPS types",
    )
    at.add_argument("--state", action="append", help="only these states (UF code)")
    common(at)
    at.set_defaults(func=_cmd_atlas)

    from lps_geo.fetch import DEFAULT_BASE_URL

    fe = sub.add_parser(
        "fetch", help="download IBGE municipal meshes and division tables"
    )
    fe.add_argument("--area", required=True, help="state (SP or 35) or BR")
    fe.add_argument(
        "--what", default="mesh,divisions", help="mesh, divisions or both (a,b)"
    )
    fe.add_argument("--out", required=True, help="output folder")
    fe.add_argument(
        "--cache",
        default=None,
        help="download cache (default $LPS_GEO_CACHE/fetch or ~/.cache/lps_geo/fetch)",
    )
    fe.add_argument("--base-url", default=DEFAULT_BASE_URL, help="IBGE services root")
    fe.add_argument("--offline", action="store_true", help="use only the cache")
    fe.add_argument(
        "--timeout", type=float, default=120.0, help="seconds to wait per download"
    )
    fe.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log output"
    )
    fe.add_argument("-q", "--quiet", action="store_true", help="only errors on stderr")
    fe.add_argument(
        "--overwrite", action="store_true", help="replace existing output files"
    )
    fe.set_defaults(func=_cmd_fetch)

    c = sub.add_parser(
        "compare", help="classify the change of the LPS between two result GeoPackages"
    )
    c.add_argument("before", help="result GeoPackage of the earlier period")
    c.add_argument("after", help="result GeoPackage of the later period")
    c.add_argument("--out", required=True, help="output folder")
    c.add_argument(
        "--growth",
        type=float,
        default=0.10,
        help="relative size change above which an LPS is growing (default 0.10)",
    )
    c.add_argument(
        "--decline",
        type=float,
        default=None,
        help="relative size fall beyond which an LPS is declining (default: growth)",
    )
    c.add_argument("--label-before", default=None, help="name of the earlier period")
    c.add_argument("--label-after", default=None, help="name of the later period")
    common(c)
    c.set_defaults(func=_cmd_compare)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = (
        logging.ERROR
        if args.quiet
        else logging.WARNING
        if args.verbose == 0
        else logging.INFO
        if args.verbose == 1
        else logging.DEBUG
    )
    logging.basicConfig(
        level=level, format="lps-geo: %(levelname)s: %(message)s", stream=sys.stderr
    )

    def show(message, category, filename, lineno, file=None, line=None):
        ours = issubclass(category, LpsGeoWarning)
        if not args.quiet and (ours or args.verbose):
            text = " ".join(str(message).split())
            print(f"lps-geo: warning: {text}", file=sys.stderr)

    warnings.showwarning = show
    try:
        return args.func(args)
    except LpsGeoError as exc:
        msg = " ".join(str(exc).split())
        print(f"lps-geo: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        print("lps-geo: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
