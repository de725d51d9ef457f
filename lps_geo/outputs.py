"""The whole output folder of a run: GeoPackage, rasters, maps, atlas, report.

Every folder is built in a hidden staging folder next to its destination and
moved into place only when complete (:func:`lps_geo.export.atomic.staging_folder`),
so a failed or interrupted run leaves nothing half-written, and marked with a
``.lps_geo.json`` listing its files (``overwrite`` replaces nothing else).
The CLI is a thin layer over these functions; they serve the Python API the same way::

    results = lps_geo.run_all(cfg)
    write_run(results, "out/run", cfg.output)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lps_geo.config import Output
from lps_geo.errors import InputError, LpsGeoError, OutputError
from lps_geo.export.atomic import (
    cannot_write,
    check_folder,
    check_space,
    check_writable,
    input_bytes,
    merge_folder,
    probe_folder,
    refuse_inputs,
    space_needed,
    staging_folder,
)
from lps_geo.export.gpkg import (
    read_geopackage,
    read_metadata,
    write_geopackage,
    write_lps_change,
    write_report,
)
from lps_geo.export.qgis.raster_style import surface_style
from lps_geo.export.raster import write_cog
from lps_geo.method.compare import compare_periods
from lps_geo.render.atlas import atlas_plan, select_lps, write_atlas
from lps_geo.render.change_map import change_map
from lps_geo.render.maps import write_maps
from lps_geo.render.primitives import DEFAULT_SOURCE, PAGE_SIZES
from lps_geo.result import OutputsReport, Result, RunReport
from lps_geo.vocab import Lang, choices

log = logging.getLogger(__name__)

GPKG_NAME = "result.gpkg"
REPORT_NAME = "report.json"
MAPS_DIR = "maps"
ATLAS_NAME = "atlas.pdf"
RASTERS_DIR = "rasters"
CHANGE_GPKG = "lps_change.gpkg"
CHANGE_MAP = "change.png"

#: ``pages(i, n)``: called as atlas page ``i`` of ``n`` is written.
PageProgress = Callable[[int, int], None]


def atlas_choice(options: Output) -> dict[str, list[str] | None]:
    """The atlas page filters of ``[output]`` (None: every LPS)."""
    return {
        "types": list(options.atlas_types) or None,
        "industries": list(options.atlas_industries) or None,
        "states": list(options.atlas_states) or None,
    }


def write_surfaces(result: Result, folder: Path) -> list[Path]:
    """Write the kernel-density surfaces of a result as COGs with styles."""
    if not result.surfaces:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_cog(
            s.array,
            s.grid,
            folder / f"{s.name}.tif",
            style=surface_style(s.kind, label=s.name),
            description=s.description,
            units="1/km2",
        )
        for s in sorted(result.surfaces, key=lambda s: s.name)
    ]


def _atlas_has_pages(result: Result, choice: dict) -> bool:
    """Whether any LPS passes the atlas filters (logged when none does)."""
    try:
        select_lps(result, **choice)
    except InputError as exc:
        if not any(choice.values()):
            raise
        log.warning("no atlas written: %s", exc)
        return False
    return True


def write_outputs(
    result: Result,
    folder: str | os.PathLike,
    options: Output | None = None,
    pages: PageProgress | None = None,
) -> RunReport:
    """Write one result's GeoPackage, rasters, maps, atlas and report into
    ``folder`` (which must exist) and return the report with its output list.

    ``options`` is the configuration's ``[output]`` (default: its defaults);
    ``maps = false`` also leaves the atlas out."""
    folder = Path(folder)
    opts = options or Output()
    write_geopackage(
        result, folder / GPKG_NAME, lang=opts.lang, focus_industry=opts.focus_industry
    )
    rasters = write_surfaces(result, folder / RASTERS_DIR)
    written: list[Path] = []
    if opts.maps and len(result.lps):
        written = write_maps(
            result,
            folder / MAPS_DIR,
            industry=opts.focus_industry,
            lang=opts.lang,
            source=opts.source_note,
        )
    atlas = None
    choice = atlas_choice(opts)
    if (
        opts.maps
        and opts.atlas
        and len(result.lps)
        and _atlas_has_pages(result, choice)
    ):
        atlas = write_atlas(
            result,
            folder / ATLAS_NAME,
            lang=opts.lang,
            page_size=opts.page_size,
            progress=pages,
            **choice,
        )
    report = replace(
        result.report,
        outputs=OutputsReport(
            geopackage=GPKG_NAME,
            maps=tuple(str(Path(MAPS_DIR) / p.name) for p in written),
            rasters=tuple(str(Path(RASTERS_DIR) / p.name) for p in rasters),
            atlas=ATLAS_NAME if atlas is not None else None,
        ),
    )
    write_report(report.to_dict(), folder / REPORT_NAME)
    return report


def write_run(
    results: Mapping[str, Result],
    out: str | os.PathLike,
    options: Output | None = None,
    overwrite: bool = False,
    pages: PageProgress | None = None,
) -> dict[str, Any]:
    """Write the output folder of a run (:func:`lps_geo.run_all`'s results).

    One reference area: its outputs in ``out``. Several (``reference_area =
    "both"``): each in a subfolder named after it (``state/``,
    ``study_area/``) and ``out/report.json`` lists them. Returns the top
    report. The folder appears whole or not at all; an existing one is
    replaced only with ``overwrite``.
    """
    out = check_folder(out, overwrite)
    with staging_folder(out) as tmp:
        if len(results) == 1:
            (result,) = results.values()
            return write_outputs(result, tmp, options, pages).to_dict()
        for area, result in results.items():
            (tmp / area).mkdir()
            write_outputs(result, tmp / area, options, pages)
        report = {
            "reference_areas": list(results),
            "n_lps": {a: r.report.n_lps for a, r in results.items()},
            "lps_by_type": {a: dict(r.report.lps_by_type) for a, r in results.items()},
            "outputs": {a: f"{a}/{REPORT_NAME}" for a in results},
        }
        write_report(report, tmp / REPORT_NAME)
    return report


def run_lang(gpkg: str | os.PathLike, given: str | None = None) -> str:
    """The language asked for, else the run's own (stored in run_metadata)."""
    if given:
        return given
    try:
        lang = read_metadata(gpkg).get("config", {}).get("output", {}).get("lang")
    except LpsGeoError:
        raise
    except Exception:  # noqa: BLE001 - an unreadable file is reported later
        lang = None
    return lang if lang in choices(Lang) else "en"


#: Resolutions ``lps-geo maps --dpi`` accepts (600 dpi on A3 is ~70 megapixels).
DPI_RANGE = (30, 600)


def check_dpi(dpi: int) -> int:
    """Refuse a map resolution outside :data:`DPI_RANGE` (0 crashes the
    renderer, 100000 exhausts the memory).

    >>> check_dpi(0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lps_geo.errors.OutputError: --dpi 0 is out of range; choose 30..600 ...
    """
    low, high = DPI_RANGE
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not low <= dpi <= high:
        raise OutputError(
            f"--dpi {dpi} is out of range; choose {low}..{high} (dpi= in Python; "
            "150 is the default, 300 for print)"
        )
    return dpi


def result_inputs(gpkg: str | os.PathLike) -> list[Path]:
    """The files a rebuild reads: the GeoPackage and the rasters beside it."""
    gpkg = Path(gpkg)
    return [gpkg, *sorted((gpkg.parent / RASTERS_DIR).glob("*.tif"))]


def rebuild_maps(
    gpkg: str | os.PathLike,
    out: str | os.PathLike,
    overwrite: bool = False,
    **options,
) -> list[Path]:
    """The maps of a result GeoPackage (``lps-geo maps``); see
    :func:`lps_geo.render.maps.write_maps` for the options.

    The maps are drawn in a temporary folder inside ``out`` and moved in when
    all are drawn (:func:`lps_geo.export.atomic.merge_folder`): other files in
    ``out`` are kept, and ``overwrite`` replaces only maps lps_geo wrote."""
    if "dpi" in options:
        check_dpi(options["dpi"])
    refuse_inputs(out, result_inputs(gpkg))
    out = check_folder(
        out, overwrite, needed=space_needed(input_bytes([gpkg])), merge=True
    )
    with merge_folder(out, overwrite) as tmp:
        # read_geopackage reports a bad GeoPackage as an InputError, never as
        # a write error; the path (not a Result) lets the maps find its rasters
        written = write_maps(Path(gpkg), tmp, **options)
    return [out / p.relative_to(tmp) for p in written]


def check_file(
    path: str | os.PathLike, overwrite: bool = False, needed: int | None = None
) -> Path:
    """Check an output file (the atlas PDF) before any input is read: may be
    (re)written, its folder is writable, enough space is free."""
    path = check_writable(path, overwrite)
    probe_folder(path)
    check_space(path, space_needed(0) if needed is None else needed)
    return path


def rebuild_atlas(
    gpkg: str | os.PathLike,
    out: str | os.PathLike,
    industries: Sequence[str] | None = None,
    types: Sequence[str] | None = None,
    states: Sequence[str] | None = None,
    **options,
) -> tuple[Path, int]:
    """The atlas of a result GeoPackage (``lps-geo atlas``) and its page count."""
    refuse_inputs(out, result_inputs(gpkg))
    needed = space_needed(input_bytes([gpkg]))
    out = check_file(out, options.get("overwrite", False), needed)
    try:
        path = write_atlas(
            Path(gpkg),
            out,
            industries=industries,
            types=types,
            states=states,
            **options,
        )
    except OSError as exc:
        if isinstance(exc, LpsGeoError):
            raise
        raise cannot_write(out, exc) from exc
    n = len(atlas_plan(Path(gpkg), industries=industries, types=types, states=states))
    return path, n


def _period_label(result: Result, gpkg: Path) -> str:
    """A period's name: the stem of the run's size table, else the file's."""
    size = result.metadata.inputs.get("size")
    return Path(size).stem if isinstance(size, str) and size else gpkg.stem


def write_comparison(
    before: str | os.PathLike,
    after: str | os.PathLike,
    out: str | os.PathLike,
    growth: float = 0.10,
    decline: float | None = None,
    labels: tuple[str | None, str | None] = (None, None),
    lang: str | None = None,
    overwrite: bool = False,
) -> tuple[Path, Path, dict[str, int]]:
    """Classify the change of the LPS between two result GeoPackages
    (``lps-geo compare``): writes ``lps_change.gpkg`` and ``change.png`` into
    ``out`` and returns their paths and the lineage counts by category."""
    paths = [Path(before), Path(after)]
    refuse_inputs(out, paths)
    out = check_folder(out, overwrite, needed=space_needed(input_bytes(paths)))
    earlier, later = (read_geopackage(p) for p in paths)
    names = (
        labels[0] or _period_label(earlier, paths[0]),
        labels[1] or _period_label(later, paths[1]),
    )
    lang = run_lang(paths[1], lang)
    change = compare_periods(
        earlier, later, growth=growth, decline=decline, labels=names, lang=lang
    )
    with staging_folder(out) as tmp:
        write_lps_change(change.layer, tmp / CHANGE_GPKG, lang=lang)
        fig = Figure(figsize=PAGE_SIZES["A4"])
        FigureCanvasAgg(fig)
        source = later.metadata.source
        change_map(
            replace(later, lps_change=change.layer),
            ax=fig.add_subplot(),
            lang=lang,
            source=source if isinstance(source, str) else DEFAULT_SOURCE,
        )
        fig.savefig(tmp / CHANGE_MAP, format="png", dpi=150, bbox_inches="tight")
    counts = dict(change.summary.by_category)
    return out / CHANGE_GPKG, out / CHANGE_MAP, counts


def read_locator(path: str | os.PathLike | None) -> gpd.GeoDataFrame | None:
    """A context layer for the maps' inset locator (any GDAL vector file)."""
    if not path:
        return None
    try:
        layer = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # noqa: BLE001 - reported as one line
        raise InputError(f"{path}: cannot read the locator layer ({exc})") from None
    if layer.crs is None:
        layer = layer.set_crs("EPSG:4326")  # GeoJSON/TopoJSON without a CRS
    return layer
