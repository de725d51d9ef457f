"""Writing the atlas: the pages of the plan drawn into one vector PDF.

:func:`write_atlas` writes the file; :func:`lps_page_figure` draws one LPS
page as a matplotlib Figure.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lps_geo._version import __version__
from lps_geo.errors import InputError
from lps_geo.export.atomic import atomic_path, check_writable
from lps_geo.method.typology import CITATION
from lps_geo.render.atlas.context import AtlasContext, build_context, check_options
from lps_geo.render.atlas.lps_page import lps_page
from lps_geo.render.atlas.pages import (
    contents_page,
    cover_page,
    methods_page,
    overview_capability_page,
    overview_typology_page,
)
from lps_geo.render.atlas.plan import DEFAULT_SORT, load_result
from lps_geo.render.atlas.typeset import new_figure
from lps_geo.vocab import Lang, PageSize

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from lps_geo.result import Result

logger = logging.getLogger(__name__)

#: Page renderers by page kind: ``render(fig, ctx, page_number, key)``.
_RENDERERS: dict[str, Callable[[Figure, AtlasContext, int, Any], None]] = {
    "cover": cover_page,
    "contents": contents_page,
    "methods": methods_page,
    "overview_typology": overview_typology_page,
    "overview_capability": overview_capability_page,
    "lps": lps_page,
}


def lps_page_figure(
    result_or_gpkg: Result | str | os.PathLike,
    lps_id: str,
    *,
    lang: Lang = "en",
    page_size: PageSize = "A4",
) -> Figure:
    """One LPS page of the atlas as a matplotlib Figure (not saved).

    The page numbers are those of the full atlas (no filters, default
    order). Artists carry ``gid`` values tests and callers can look up:
    ``location_map`` and ``typology_chart`` (Axes), ``members:<type>``,
    ``lps_type:<type>``, ``quadrant:<type>`` and ``this_lps`` (collections and
    patches), ``location_legend`` (the map legend), ``page_number``,
    ``structure`` and ``related`` (section headings), ``structure:<label>``,
    ``size_bar:<establishments|jobs>:<class>`` (the size-class bars),
    ``relatedness_density`` and ``suppliers``.

    Parameters
    ----------
    result_or_gpkg
        A Result or the path of a GeoPackage written by
        :func:`lps_geo.export.write_geopackage`.
    lps_id
        The ``lps_id`` of the LPS to draw.
    lang, page_size
        As in :func:`write_atlas`.

    Raises
    ------
    InputError
        ``lps_id`` is not in the result.

    Examples
    --------
    >>> fig = lps_page_figure("out/demo/result.gpkg", "15.3@1928100")  # doctest: +SKIP
    >>> [a.get_gid() for a in fig.axes]  # doctest: +SKIP
    ['location_map', 'typology_chart']
    """
    result = load_result(result_or_gpkg)
    ctx = build_context(result, lang, page_size)
    match = ctx.lps[ctx.lps["lps_id"] == str(lps_id)]
    if match.empty:
        known = ctx.lps["lps_id"].tolist()
        raise InputError(
            f"LPS {lps_id!r} not found; known lps_id values: "
            f"{', '.join(known[:10])}{' ...' if len(known) > 10 else ''}"
        )
    fig = new_figure(ctx)
    lps_page(fig, ctx, ctx.page_of(str(lps_id)), str(lps_id))
    return fig


def write_atlas(
    result_or_gpkg: Result | str | os.PathLike,
    path: str | os.PathLike,
    *,
    lang: Lang = "en",
    page_size: PageSize = "A4",
    industries: str | Sequence[str] | None = None,
    types: str | Sequence[str] | None = None,
    states: str | Sequence[str] | None = None,
    sort: Sequence[str] = DEFAULT_SORT,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write a printable vector PDF atlas of the local production systems.

    Composed from the result alone: a :class:`~lps_geo.result.Result` or the
    GeoPackage written from it (nothing is recomputed). The pages are listed
    by :func:`atlas_plan`: cover, contents, methods, overview maps and one
    page per LPS, each with "page N of M". The typology, thresholds and policy
    guidelines follow Suzigan, Furtado & Garcia (2006); colours come from
    :mod:`lps_geo.symbology`. Text is embedded as TrueType (searchable,
    selectable). The file is written atomically.

    Parameters
    ----------
    result_or_gpkg
        A Result, or the path of a GeoPackage written by
        :func:`lps_geo.export.write_geopackage`.
    path
        Output ``.pdf`` file.
    lang
        Language of the pages: ``"en"`` or ``"pt"``.
    page_size
        ``"A4"`` or ``"A3"`` portrait (A3 is the A4 layout enlarged).
    industries, types, states, sort
        Which LPS get a page and in which order (see :func:`select_lps`).
    overwrite
        Replace ``path`` if it exists.
    progress
        Called as ``progress(i, n)`` after page ``i`` of ``n`` is drawn.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OutputExistsError
        ``path`` exists and ``overwrite`` is false (checked before drawing).
    ConfigError
        Bad ``lang``, ``page_size``, type, state or sort column.
    InputError
        No LPS passes the filters, or the GeoPackage is not a result.

    Examples
    --------
    From the GeoPackage of ``lps-geo demo``, only the centres, in Portuguese:

    >>> write_atlas("out/demo/result.gpkg", "centres.pdf", lang="pt",
    ...             types=["center"])  # doctest: +SKIP
    PosixPath('centres.pdf')
    """
    # lazy: matplotlib's import cost
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages

    check_options(lang, page_size)
    check_writable(path, overwrite)
    start = time.perf_counter()
    result = load_result(result_or_gpkg)
    ctx = build_context(result, lang, page_size, industries, types, states, sort)
    n = ctx.n_pages
    metadata = {
        "Title": f"{ctx.text['atlas']} — {ctx.study_area}",
        "Author": "lps_geo",
        "Subject": CITATION,
        "Creator": f"lps_geo {__version__}",
    }
    # TrueType text (Type 42): selectable and searchable, ToUnicode mapped
    rc = {"pdf.fonttype": 42}
    fig = new_figure(ctx)
    with (
        matplotlib.rc_context(rc),
        atomic_path(path, overwrite) as tmp,
        PdfPages(tmp, metadata=metadata) as pdf,
    ):
        for number, page in enumerate(ctx.plan, start=1):
            fig.clear()  # one Figure for every page: no per-page allocation
            _RENDERERS[page.kind](fig, ctx, number, page.key)
            pdf.savefig(fig)
            if progress is not None:
                progress(number, n)
    fig.clear()
    elapsed = time.perf_counter() - start
    logger.info(
        "wrote atlas %s: %d pages in %.1f s (%.1f pages/s)",
        path,
        n,
        elapsed,
        n / elapsed if elapsed > 0 else float("inf"),
    )
    return Path(path)
