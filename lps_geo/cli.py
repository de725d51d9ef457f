"""Command line: ``lps-geo demo``, ``run``, ``maps``, ``atlas``, ``fetch``, ``compare``.

A thin layer over the library: it parses arguments, configures logging and
the progress display (stderr), calls :func:`lps_geo.method.pipeline.run_all`
and :mod:`lps_geo.outputs` (which writes every output folder in a staging
folder next to ``--out`` and moves it into place only when complete), and
turns every :class:`~lps_geo.errors.LpsGeoError` into one line on stderr and
exit code 2. An existing output folder is replaced only with ``--overwrite``,
and only when lps_geo wrote it (see :mod:`lps_geo.export.atomic`).

Every command that writes checks its output path first, before any input is
read: writable, enough free space, existing-output policy. SIGINT and SIGTERM
stop a run cleanly (its temporary folder is removed): one line
``lps-geo: interrupted (signal N)`` and exit code 128 + N (130, 143).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import signal
import sys
import threading
import time
import warnings
from dataclasses import replace
from pathlib import Path

from lps_geo import outputs
from lps_geo._version import __version__
from lps_geo.config import Config, check_config, load_config
from lps_geo.errors import ConfigError, Interrupted, LpsGeoError, LpsGeoWarning
from lps_geo.export.atomic import (
    check_folder,
    check_out_given,
    input_bytes,
    refuse_inputs,
    space_needed,
)
from lps_geo.fetch import DEFAULT_BASE_URL, fetch
from lps_geo.method.pipeline import run_all
from lps_geo.vocab import TYPES, Lang, PageSize, choices

log = logging.getLogger("lps_geo")


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


def config_inputs(config: Config, microdata: bool = False) -> list[Path]:
    """The input files a configuration names, for the free-space estimate:
    RAIS microdata are left out unless ``microdata`` (they are summed to a
    small table, so their size says nothing about the output's)."""
    found: list[Path] = []

    def walk(value) -> None:
        if isinstance(value, Path):
            found.append(value)
        elif getattr(value, "form", None) == "rais_microdata" and not microdata:
            return
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for f in dataclasses.fields(value):
                walk(getattr(value, f.name))
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(config.inputs)
    walk(getattr(config, "comparison", None))
    return found


def run_to_folder(
    config: Config, out: str | Path, overwrite: bool, maps: bool | None, quiet: bool
) -> dict:
    """Run an analysis and write its whole output folder (see
    :func:`lps_geo.outputs.write_run`); returns the top report. The output
    folder is checked before any input is read (it may not be or hold an
    input, nor the configuration file)."""
    check_out_given(out)
    sources = [config.source] if config.source is not None else []
    refuse_inputs(out, [*config_inputs(config, microdata=True), *sources])
    out = Path(out)
    needed = space_needed(input_bytes(config_inputs(config)))
    out = check_folder(out, overwrite, needed=needed)
    progress = _Progress(quiet)
    results = run_all(config, progress=progress)
    report = outputs.write_run(
        results,
        out,
        config.output if maps is None else replace(config.output, maps=maps),
        overwrite=overwrite,
        pages=progress.pages,
    )
    if len(results) == 1:
        (result,) = results.values()
        progress.done(f"wrote {out / outputs.GPKG_NAME}: {len(result.lps)} LPS")
    else:
        counts = ", ".join(f"{len(r.lps)} LPS ({a})" for a, r in results.items())
        progress.done(f"wrote {out}/<reference area>/{outputs.GPKG_NAME}: {counts}")
    return report


def _cmd_demo(args) -> int:
    d = demo_dir()
    toml = d / "demo.toml"
    if not toml.exists():
        raise LpsGeoError(
            f"demo data not found in {d}; run from a source checkout or set "
            "LPS_GEO_DEMO_DIR to a folder made by `python -m lps_geo.demo DIR`"
        )
    cfg = load_config(toml)
    if args.lang:
        cfg = replace(cfg, output=replace(cfg.output, lang=args.lang))
    report = run_to_folder(
        cfg, args.out, args.overwrite, False if args.no_maps else None, args.quiet
    )
    if not args.quiet:
        print(json.dumps(report["lps_by_type"]), file=sys.stderr)
    return 0


def _permutations_arg(text: str) -> int | str:
    """``--permutations``: "auto" (sequential draws) or a whole number."""
    if text == "auto":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'{text!r} is neither "auto" nor a whole number'
        ) from None


def _cmd_run(args) -> int:
    cfg = load_config(args.config)
    if args.lang:
        cfg = replace(cfg, output=replace(cfg.output, lang=args.lang))
    for key in ("seed", "permutations"):
        value = getattr(args, key)
        if value is None:
            continue
        cfg = replace(cfg, statistics=replace(cfg.statistics, **{key: value}))
        try:  # the same checks as the configuration file's
            check_config(cfg)
        except ConfigError as exc:
            raise ConfigError(f"--{key} {value}: {exc}") from None
    run_to_folder(
        cfg, args.out, args.overwrite, False if args.no_maps else None, args.quiet
    )
    return 0


def _cmd_maps(args) -> int:
    t0 = time.perf_counter()
    outputs.check_dpi(args.dpi)
    refuse_inputs(args.out, outputs.result_inputs(args.gpkg))
    needed = space_needed(input_bytes([args.gpkg]))
    check_folder(Path(args.out), args.overwrite, needed=needed, merge=True)
    paths = outputs.rebuild_maps(
        Path(args.gpkg),
        Path(args.out),
        industry=args.industry,
        lang=outputs.run_lang(Path(args.gpkg), args.lang),
        overwrite=args.overwrite,
        formats=tuple(args.format.split(",")),
        industries="all" if args.all_industries else None,
        page_size=args.page_size,
        dpi=args.dpi,
        locator=outputs.read_locator(args.locator),
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


def _cmd_atlas(args) -> int:
    progress = _Progress(args.quiet)
    t0 = time.perf_counter()
    refuse_inputs(args.out, outputs.result_inputs(args.gpkg))
    needed = space_needed(input_bytes([args.gpkg]))
    outputs.check_file(Path(args.out), args.overwrite, needed)
    path, n = outputs.rebuild_atlas(
        Path(args.gpkg),
        Path(args.out),
        lang=outputs.run_lang(Path(args.gpkg), args.lang),
        page_size=args.page_size,
        industries=args.industry or None,
        types=args.type or None,
        states=args.state or None,
        overwrite=args.overwrite,
        progress=progress.pages,
    )
    dt = time.perf_counter() - t0
    progress.done(f"wrote {path}: {n} pages, {n / dt:.1f} pages per second")
    return 0


def _cmd_fetch(args) -> int:
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


def _cmd_compare(args) -> int:
    refuse_inputs(args.out, [args.before, args.after])
    gpkg, png, counts = outputs.write_comparison(
        args.before,
        args.after,
        args.out,
        growth=args.growth,
        decline=args.decline,
        labels=(args.label_before, args.label_after),
        lang=args.lang,
        overwrite=args.overwrite,
    )
    if not args.quiet:
        print(json.dumps(counts), file=sys.stderr)
    print(gpkg)
    print(png)
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
            choices=choices(Lang),
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
        type=_permutations_arg,
        default=None,
        help='override statistics.permutations ("auto" or a whole number)',
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
    m.add_argument("--page-size", default="A4", choices=choices(PageSize))
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
    at.add_argument("--page-size", default="A4", choices=choices(PageSize))
    at.add_argument("--industry", action="append", help="only these industries")
    at.add_argument(
        "--type",
        action="append",
        choices=TYPES,
        help="only these LPS types",
    )
    at.add_argument("--state", action="append", help="only these states (UF code)")
    common(at)
    at.set_defaults(func=_cmd_atlas)

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


class _LowerLevel(logging.Formatter):
    """``lps-geo: warning: ...``: the level name in lower case, as the
    warnings and errors lps_geo prints itself."""

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord(record.__dict__)
        record.levelname = record.levelname.lower()
        return super().format(record)


def _raise_interrupted(signum, frame) -> None:
    raise Interrupted(signum)


def _install_signals() -> dict[int, object] | None:
    """SIGINT raises KeyboardInterrupt (even if the parent ignored it) and
    SIGTERM raises :class:`~lps_geo.errors.Interrupted`; returns the previous
    handlers (None outside the main thread, where signals cannot be set)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    previous = {
        signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
        signal.SIGTERM: signal.signal(signal.SIGTERM, _raise_interrupted),
    }
    if hasattr(signal, "SIGBREAK"):  # pragma: no cover - Windows: CTRL_BREAK_EVENT
        previous[signal.SIGBREAK] = signal.signal(signal.SIGBREAK, _raise_interrupted)
    return previous


def _restore_signals(previous: dict[int, object] | None) -> None:
    for signum, handler in (previous or {}).items():
        signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (0, 2 on an error, 130 on
    SIGINT, 143 on SIGTERM). Signal handlers are restored on return."""
    previous = _install_signals()
    try:
        return _main(argv)
    finally:
        _restore_signals(previous)


def _main(argv: list[str] | None) -> int:
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
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LowerLevel("lps-geo: %(levelname)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])

    def show(message, category, filename, lineno, file=None, line=None):
        ours = issubclass(category, LpsGeoWarning)
        if not args.quiet and (ours or args.verbose):
            text = " ".join(str(message).split())
            print(f"lps-geo: warning: {text}", file=sys.stderr)

    saved = warnings.showwarning
    warnings.showwarning = show
    try:
        return args.func(args)
    except LpsGeoError as exc:
        msg = " ".join(str(exc).split())
        print(f"lps-geo: error: {msg}", file=sys.stderr)
        return 2
    except OSError as exc:  # an input or cache the OS refuses: still one line
        where = f"{exc.filename}: " if exc.filename else ""
        reason = exc.strerror or " ".join(str(exc).split())
        print(f"lps-geo: error: {where}{reason}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        print(f"lps-geo: interrupted (signal {int(signum)})", file=sys.stderr)
        return 128 + int(signum)
    finally:
        warnings.showwarning = saved


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
