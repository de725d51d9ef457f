"""Static maps of a result (typology, QL, LISA, significance, Gi*) and their files.

Rendering only: every function draws columns that the analysis already
computed (``lps_type``, ``ql``, ``lisa_label``, ``gi_bin``) and never computes
a statistic. Colours and category orders come from :mod:`lps_geo.symbology`, so
a category looks the same here, in the QGIS styles and in the atlas.

Each plot function follows the matplotlib convention: pass ``ax`` to draw into
an existing Axes, or leave it ``None`` for a new figure; the Axes is returned.
:func:`write_maps` renders the standard set of maps to files with the Agg
canvas (no pyplot state, no GUI backend needed), including the change map
(:mod:`lps_geo.render.change_map`) and the capability map
(:mod:`lps_geo.render.capability_map`).

The typology is the one of Suzigan, Furtado & Garcia (2006, section 4.2); see
:mod:`lps_geo.method.typology`.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from lps_geo.errors import ConfigError, InputError, OutputExistsError
from lps_geo.export.atomic import atomic_path
from lps_geo.export.gpkg import read_geopackage
from lps_geo.method.focus import focus_industry, industry_values
from lps_geo.render.capability_map import capability_map
from lps_geo.render.change_map import change_map
from lps_geo.render.map_text import MAP_TEXT, map_title
from lps_geo.render.moran_plot import moran_scatter
from lps_geo.render.primitives import (
    DEFAULT_SOURCE,
    PAGE_SIZES,
    check_lang,
    check_page_size,
    decorate,
    draw_polygons,
    legend_patch,
    new_axes,
    side_legend,
)
from lps_geo.symbology import (
    BASE_FILL,
    EDGE_COLOR,
    GI_BIN_COLORS,
    GI_LABELS,
    LISA_COLORS,
    LISA_LABELS,
    LPS_EDGE,
    NO_DATA_COLOR,
    OVERLAP_ALPHA,
    QL_BREAKS,
    QL_RAMP,
    SIGNIFICANCE_COLORS,
    SIGNIFICANCE_LABELS,
    TYPE_COLORS,
    TYPE_LABELS,
    ql_classes,
    ql_labels,
    significance_classes,
)
from lps_geo.vocab import TYPES, AllIndustries, Lang, MapFormat, PageSize, choices

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    from matplotlib.axes import Axes

    from lps_geo.result import Result

logger = logging.getLogger(__name__)


# ------------------------------------------------------------ categorical maps


def _category_map(
    polygons: gpd.GeoDataFrame,
    categories: pd.Series,
    colors: dict,
    labels: dict,
    legend_title: str,
    no_data_label: str,
    ax: Axes,
    show_empty: bool = False,
):
    """Fill polygons by category in palette order; return the legend."""
    handles = []
    for key, color in colors.items():
        mask = (categories == key).fillna(False).to_numpy(dtype=bool)
        subset = polygons[mask]
        if len(subset):
            draw_polygons(subset, ax, color=color, edgecolor=EDGE_COLOR, linewidth=0.3)
        if len(subset) or show_empty:
            handles.append(legend_patch(color, f"{labels[key]} ({len(subset)})"))
    missing = polygons[categories.isna().to_numpy(dtype=bool)]
    if len(missing):
        draw_polygons(
            missing, ax, color=NO_DATA_COLOR, edgecolor=EDGE_COLOR, linewidth=0.3
        )
        handles.append(legend_patch(NO_DATA_COLOR, f"{no_data_label} ({len(missing)})"))
    return side_legend(ax, handles, legend_title)


def _categorical_panel(
    polygons: gpd.GeoDataFrame,
    categories: pd.Series,
    colors: dict,
    labels: dict,
    ax: Axes | None,
    lang: str,
    title: str,
    source: str | None,
    locator: gpd.GeoDataFrame | None,
) -> Axes:
    """A categorical map with its legend and decorations; returns the Axes."""
    ax = new_axes(ax)
    _category_map(
        polygons,
        categories,
        colors,
        labels,
        MAP_TEXT[lang]["areas"],
        MAP_TEXT[lang]["no_data"],
        ax,
    )
    decorate(ax, title, source, polygons.crs, locator=locator)
    return ax


def typology_map(
    municipalities: gpd.GeoDataFrame,
    lps: gpd.GeoDataFrame,
    industry: str | None = None,
    lang: Lang = "en",
    ax: Axes | None = None,
    title: str | None = None,
    source: str | None = None,
    locator: gpd.GeoDataFrame | None = None,
) -> Axes:
    """Map the LPS of one industry, or of all industries, coloured by type.

    Municipalities are drawn light grey with thin edges; LPS polygons on top in
    the colours of :data:`lps_geo.symbology.TYPE_COLORS`. The legend lists the
    four types of Suzigan, Furtado & Garcia (2006) in the order of
    :data:`lps_geo.vocab.TYPES`, each with its number of LPS. With all
    industries, LPS of different industries overlap: they are drawn
    semi-transparent, largest first, so small ones stay visible.

    Parameters
    ----------
    municipalities
        Background polygons (the ``municipalities`` layer).
    lps
        The ``lps`` layer (columns ``industry`` and ``lps_type``).
    industry
        Industry code to show, or ``None`` for all industries.
    lang
        Language of the legend and default title.
    ax
        Axes to draw into; ``None`` creates a new figure.
    title
        Title; default "Local production systems by type — <industry>".
    source
        Source note under the map; default :data:`DEFAULT_SOURCE`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> mun = gpd.GeoDataFrame({"region": ["1900001", "1900002"]},
    ...     geometry=[box(0, 0, 1e4, 1e4), box(1e4, 0, 2e4, 1e4)], crs="EPSG:5880")
    >>> lps = gpd.GeoDataFrame({"industry": ["15.3"], "lps_type": ["embryo"]},
    ...     geometry=[box(0, 0, 1e4, 1e4)], crs="EPSG:5880")
    >>> ax = typology_map(mun, lps)
    >>> [t.get_text() for t in ax.get_legend().get_texts()][-1]
    'Embryonic LPS (1)'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    check_lang(lang)
    for needed in ("industry", "lps_type"):
        if needed not in lps.columns:
            raise InputError(
                f"lps layer lacks column {needed!r}; pass the lps layer of a Result"
            )
    unknown = sorted(set(lps["lps_type"].dropna().astype(str)) - set(TYPES))
    if unknown:
        raise InputError(
            f"lps layer has unknown lps_type value(s) {', '.join(unknown)}; "
            f"valid types: {', '.join(TYPES)}"
        )
    ax = new_axes(ax)
    draw_polygons(
        municipalities, ax, color=BASE_FILL, edgecolor=EDGE_COLOR, linewidth=0.2
    )
    shown = (
        lps if industry is None else lps[lps["industry"].astype(str) == str(industry)]
    )
    # LPS of different industries overlap: see-through, largest drawn first.
    alpha = OVERLAP_ALPHA if industry is None else 1.0
    if len(shown):
        # planar area only orders the drawing, so geographic CRSs are fine
        area = shapely.area(np.asarray(shown.geometry.array))
        shown = shown.iloc[np.argsort(-area, kind="stable")]
        colors = [TYPE_COLORS[t] for t in shown["lps_type"].astype(str)]
        draw_polygons(
            shown,
            ax,
            color=colors,
            edgecolor=LPS_EDGE,
            linewidth=0.6,
            alpha=alpha,
        )
    counts = shown["lps_type"].astype(str).value_counts()
    handles = [
        legend_patch(
            TYPE_COLORS[t], f"{TYPE_LABELS[lang][t]} ({int(counts.get(t, 0))})", alpha
        )
        for t in TYPES
    ]
    side_legend(ax, handles, MAP_TEXT[lang]["lps_type"])
    decorate(
        ax,
        title or map_title(MAP_TEXT[lang]["typology"], industry, lang),
        source,
        municipalities.crs,
        locator=locator,
    )
    return ax


def ql_map(
    municipalities: gpd.GeoDataFrame,
    indicators: pd.DataFrame,
    industry: str,
    ax: Axes | None = None,
    lang: Lang = "en",
    title: str | None = None,
    source: str | None = None,
    breaks: Sequence[float] = QL_BREAKS,
    locator: gpd.GeoDataFrame | None = None,
) -> Axes:
    """Choropleth of the location quotient of one industry on fixed classes.

    Classes (see :func:`ql_classes`): exactly 0, (0, 1), [1, 2), [2, 5) and
    >= 5, coloured with :data:`lps_geo.symbology.QL_RAMP`; the legend lists all
    five in class order with the number of areas in each, plus "No data" for
    areas without a value.

    Parameters
    ----------
    municipalities
        Polygons to colour: municipalities, or the ``regions`` layer when the
        analysis unit is coarser (municipalities are also matched through their
        ``unit`` column).
    indicators
        The long ``indicators`` layer (``region``, ``industry``, ``ql``).
    industry
        Industry code.
    breaks
        Inner class breaks, default :data:`QL_BREAKS`.

    Other parameters are as in :func:`typology_map`.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> mun = gpd.GeoDataFrame({"region": ["1900001", "1900002"]},
    ...     geometry=[box(0, 0, 1e4, 1e4), box(1e4, 0, 2e4, 1e4)], crs="EPSG:5880")
    >>> ind = pd.DataFrame({"region": ["1900001", "1900002"],
    ...     "industry": ["15.3", "15.3"], "ql": [0.0, 6.2]})
    >>> ax = ql_map(mun, ind, "15.3")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['= 0 (1)', '> 0 and < 1 (0)', '1 to < 2 (0)', '2 to < 5 (0)', '≥ 5 (1)']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    check_lang(lang)
    classes = ql_classes(
        industry_values(municipalities, indicators, industry, "ql"), breaks
    )
    ax = new_axes(ax)
    labels = dict(enumerate(ql_labels(tuple(breaks), lang)))
    _category_map(
        municipalities,
        classes,
        dict(enumerate(QL_RAMP)),
        labels,
        MAP_TEXT[lang]["ql_legend"],
        MAP_TEXT[lang]["no_data"],
        ax,
        show_empty=True,
    )
    decorate(
        ax,
        title or map_title(MAP_TEXT[lang]["ql"], industry, lang),
        source,
        municipalities.crs,
        locator=locator,
    )
    return ax


def lisa_map(
    municipalities: gpd.GeoDataFrame,
    indicators: pd.DataFrame,
    industry: str,
    ax: Axes | None = None,
    lang: Lang = "en",
    title: str | None = None,
    source: str | None = None,
    locator: gpd.GeoDataFrame | None = None,
) -> Axes:
    """Map the local Moran (LISA) cluster labels of one industry.

    Categories of ``lisa_label`` in the colours and order of
    :data:`lps_geo.symbology.LISA_COLORS`; the legend shows only categories that
    occur, each with its number of areas.

    Parameters are as in :func:`ql_map`.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> mun = gpd.GeoDataFrame({"region": ["1900001", "1900002"]},
    ...     geometry=[box(0, 0, 1e4, 1e4), box(1e4, 0, 2e4, 1e4)], crs="EPSG:5880")
    >>> ind = pd.DataFrame({"region": ["1900001", "1900002"],
    ...     "industry": ["15.3", "15.3"],
    ...     "lisa_label": ["not significant", "High-High"]})
    >>> ax = lisa_map(mun, ind, "15.3")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['High-High (1)', 'Not significant (1)']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    check_lang(lang)
    labels = industry_values(municipalities, indicators, industry, "lisa_label")
    labels = labels.where(labels.notna(), None)
    unknown = sorted(set(labels.dropna().astype(str)) - set(LISA_COLORS))
    if unknown:
        raise InputError(
            f"lisa_label has unknown value(s) {', '.join(unknown)} for industry "
            f"{industry!r}; valid labels: {', '.join(LISA_COLORS)}"
        )
    return _categorical_panel(
        municipalities,
        labels,
        LISA_COLORS,
        LISA_LABELS[lang],
        ax,
        lang,
        title or map_title(MAP_TEXT[lang]["lisa"], industry, lang),
        source,
        locator,
    )


def gi_map(
    municipalities: gpd.GeoDataFrame,
    indicators: pd.DataFrame,
    industry: str,
    ax: Axes | None = None,
    lang: Lang = "en",
    title: str | None = None,
    source: str | None = None,
    locator: gpd.GeoDataFrame | None = None,
) -> Axes:
    """Map the Getis-Ord Gi* confidence bins of one industry.

    Bins of ``gi_bin`` (+3/+2/+1: hot spot at 99/95/90 % confidence, 0 not
    significant, -1/-2/-3 cold spots) in the colours and order of
    :data:`lps_geo.symbology.GI_BIN_COLORS`; the legend shows only bins that
    occur, each with its number of areas.

    Parameters are as in :func:`ql_map`.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> mun = gpd.GeoDataFrame({"region": ["1900001", "1900002"]},
    ...     geometry=[box(0, 0, 1e4, 1e4), box(1e4, 0, 2e4, 1e4)], crs="EPSG:5880")
    >>> ind = pd.DataFrame({"region": ["1900001", "1900002"],
    ...     "industry": ["15.3", "15.3"], "gi_bin": [0, 3]})
    >>> ax = gi_map(mun, ind, "15.3")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['Hot spot 99% (1)', 'Not significant (1)']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    check_lang(lang)
    raw = pd.to_numeric(
        industry_values(municipalities, indicators, industry, "gi_bin"), errors="coerce"
    )
    bins = raw.round().astype("Int64")
    unknown = sorted(set(bins.dropna().astype(int)) - set(GI_BIN_COLORS))
    if unknown:
        raise InputError(
            f"gi_bin has value(s) {unknown} for industry {industry!r}; valid bins: "
            f"{', '.join(str(k) for k in GI_BIN_COLORS)}"
        )
    return _categorical_panel(
        municipalities,
        bins,
        GI_BIN_COLORS,
        GI_LABELS[lang],
        ax,
        lang,
        title or map_title(MAP_TEXT[lang]["gi"], industry, lang),
        source,
        locator,
    )


def significance_map(
    municipalities: gpd.GeoDataFrame,
    indicators: pd.DataFrame,
    industry: str,
    ax: Axes | None = None,
    lang: Lang = "en",
    title: str | None = None,
    source: str | None = None,
    locator: gpd.GeoDataFrame | None = None,
) -> Axes:
    """Map the adjusted Local Moran p-values of one industry in classes.

    Classes p <= 0.001, 0.01, 0.05 and not significant (GeoDa's significance
    map) of ``lisa_p_adj``, colours :data:`lps_geo.symbology.SIGNIFICANCE_COLORS`.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> mun = gpd.GeoDataFrame({"region": ["1900001", "1900002"]},
    ...     geometry=[box(0, 0, 1e4, 1e4), box(1e4, 0, 2e4, 1e4)], crs="EPSG:5880")
    >>> ind = pd.DataFrame({"region": ["1900001", "1900002"],
    ...     "industry": ["15.3", "15.3"], "lisa_p_adj": [0.004, 0.5]})
    >>> ax = significance_map(mun, ind, "15.3")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['p <= 0.01 (1)', 'Not significant (1)']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    check_lang(lang)
    classes = significance_classes(
        industry_values(municipalities, indicators, industry, "lisa_p_adj")
    )
    return _categorical_panel(
        municipalities,
        classes,
        SIGNIFICANCE_COLORS,
        SIGNIFICANCE_LABELS[lang],
        ax,
        lang,
        title or map_title(MAP_TEXT[lang]["significance"], industry, lang),
        source,
        locator,
    )


def _surface_of(result: Result, gpkg: Path | None):
    """The all-institutions density surface as (array, extent), if any."""
    surface = next((s for s in result.surfaces if s.name == "institutions_all"), None)
    if surface is not None:
        arr, grid = surface.array, surface.grid
        xmin, ymin, xmax, ymax = grid.bounds
        return arr, (xmin, xmax, ymin, ymax)
    if gpkg is not None:
        tif = gpkg.parent / "rasters" / "institutions_all.tif"
        if tif.exists():
            import rasterio  # lazy: import cost, needed only for a saved raster

            with rasterio.open(tif) as src:
                arr = src.read(1, masked=True).filled(np.nan)
                b = src.bounds
            return arr, (b.left, b.right, b.bottom, b.top)
    return None


def _industry_title(result: Result, industry: str) -> str:
    """ "<code> <title>" of an industry, or its code when it has no title."""
    table = result.industries
    if "title" in table.columns and "industry" in table.columns:
        match = table.loc[table["industry"].astype(str) == industry, "title"]
        if len(match) and isinstance(match.iloc[0], str) and match.iloc[0]:
            return f"{industry} {match.iloc[0]}"
    return industry


def _file_stem(industry: str) -> str:
    """The industry code with characters unsafe in file names replaced by ``_``."""
    return re.sub(r"[^0-9A-Za-z_-]", "_", industry)


def _run_notes(result: Result) -> tuple[str | None, str | None, str]:
    """What the maps print from the run metadata: source, date, variable.

    The metadata's ``source`` and ``created`` when they are strings (else
    ``None``), and the analysed variable of the spatial statistics (default
    ``"QL"``) for the Moran scatter plot's axis.
    """
    metadata = result.metadata
    source = metadata.source
    created = metadata.created
    variable = metadata.variable
    return (
        source if isinstance(source, str) else None,
        created if isinstance(created, str) and created else None,
        variable or "QL",
    )


def write_maps(
    result_or_gpkg: Result | str | os.PathLike,
    out_dir: str | os.PathLike,
    industry: str | None = None,
    formats: Sequence[MapFormat] = ("png",),
    dpi: int = 150,
    lang: Lang = "en",
    overwrite: bool = False,
    source: str | None = None,
    industries: Sequence[str] | AllIndustries | None = None,
    page_size: PageSize = "A4",
    locator: gpd.GeoDataFrame | None = None,
) -> list[Path]:
    """Render the standard maps of a result to files.

    Writes, for each format, ``typology`` (all industries), ``capability``
    (when the result has institutions), ``change`` (all industries, when the
    result has an ``lps_change`` layer), and for the industry in focus (and
    every industry of ``industries``) ``ql_<code>``, ``lisa_<code>``,
    ``significance_<code>``, ``gi_<code>``, ``moran_<code>`` and, when it has
    lineages, ``change_<code>`` (the code with
    every character other than letters, digits, ``_`` and ``-`` replaced by
    ``_``: industry ``15.3`` gives ``ql_15_3.png``). One figure of the page
    size is reused for every map. Nothing is written if any output exists and
    ``overwrite`` is false; each file is written atomically.

    Parameters
    ----------
    result_or_gpkg
        A :class:`~lps_geo.result.Result`, or the path of a GeoPackage written
        by :func:`lps_geo.export.write_geopackage` (nothing is recomputed).
    out_dir
        Output folder (created if missing).
    industry
        Industry in focus; default :func:`focus_industry`.
    formats
        File formats, any of ``"png"``, ``"pdf"``, ``"svg"``.
    dpi
        Resolution of raster formats.
    lang
        Language of legends and titles.
    overwrite
        Replace existing map files.
    source
        Source note under each map; default ``metadata.source`` of the
        result when it is a string, else :data:`DEFAULT_SOURCE`.
    industries
        More industries to map (``"all"``: every industry of the result).
    page_size
        ``"A4"`` or ``"A3"``, landscape.
    locator
        Context layer (for example the states of Brazil) for an inset locator
        on every map; none by default.

    Returns
    -------
    list of pathlib.Path
        The files written, map by map, formats in the order given.

    Raises
    ------
    OutputExistsError
        A map file exists and ``overwrite`` is false.
    InputError
        An industry is not in the result.
    """
    # lazy: matplotlib's import cost
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    check_lang(lang)
    bad = [f for f in formats if f not in choices(MapFormat)]
    if bad or not formats:
        raise ConfigError(
            f"map formats must be among {', '.join(choices(MapFormat))}, "
            f"got {', '.join(map(repr, formats)) or 'none'}"
        )
    check_page_size(page_size)
    gpkg = None
    if isinstance(result_or_gpkg, (str, os.PathLike)):
        gpkg = Path(result_or_gpkg)
        result = read_geopackage(gpkg)
    else:
        result = result_or_gpkg
    known = sorted(set(result.indicators["industry"].astype(str)))
    focus = str(industry) if industry is not None else focus_industry(result)
    wanted = [focus]
    if industries == "all":
        wanted += [c for c in known if c != focus]
    elif industries:
        wanted += [str(c) for c in industries if str(c) != focus]
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise InputError(
            f"industry {unknown[0]!r} not found in indicators; known industries: "
            f"{', '.join(known[:10])}{' ...' if len(known) > 10 else ''}"
        )
    run_source, created, variable = _run_notes(result)
    if source is None:
        source = run_source if run_source is not None else DEFAULT_SOURCE
    if created is not None and created[:10] not in source:
        source = f"{source} · {created[:10]}"
    areas = result.regions if result.regions is not None else result.municipalities
    text = MAP_TEXT[lang]
    common = {"lang": lang, "source": source, "locator": locator}
    glob = (
        result.industries.drop_duplicates("industry").set_index("industry")
        if "moran_i" in result.industries.columns
        else None
    )
    jobs: list[tuple[str, Callable[[Any], Any]]] = [
        (
            "typology",
            lambda ax: typology_map(
                result.municipalities, result.lps, None, ax=ax, **common
            ),
        ),
    ]
    if result.institutions is not None and len(result.institutions):
        surface = _surface_of(result, gpkg)
        jobs.append(
            (
                "capability",
                lambda ax: capability_map(
                    result.municipalities,
                    result.lps,
                    result.institutions,
                    surface=surface,
                    ax=ax,
                    **common,
                ),
            )
        )
    change = getattr(result, "lps_change", None)
    if change is not None and len(change):
        jobs.append(("change", lambda ax: change_map(result, None, ax=ax, **common)))
    for code in wanted:
        name = _industry_title(result, code)
        stem = _file_stem(code)
        if change is not None and (change["industry"].astype(str) == code).any():
            jobs.append(
                (
                    f"change_{stem}",
                    lambda ax, code=code, name=name: change_map(
                        result,
                        code,
                        ax=ax,
                        title=MAP_TEXT[lang]["change"].format(
                            before=change["period_before"].iloc[0],
                            after=change["period_after"].iloc[0],
                        )
                        + f" — {name}",
                        **common,
                    ),
                )
            )
        mi = (
            float(glob.loc[code, "moran_i"])
            if glob is not None and code in glob.index
            else None
        )
        # one choropleth per statistic: (file prefix, plot function, title key)
        for prefix, plot in (
            ("ql", ql_map),
            ("lisa", lisa_map),
            ("significance", significance_map),
            ("gi", gi_map),
        ):
            jobs.append(
                (
                    f"{prefix}_{stem}",
                    partial(
                        plot,
                        areas,
                        result.indicators,
                        code,
                        title=f"{text[prefix]} — {name}",
                        **common,
                    ),
                )
            )
        jobs += [
            (
                f"moran_{stem}",
                lambda ax, code=code, name=name, mi=mi: moran_scatter(
                    result.indicators,
                    code,
                    ax=ax,
                    lang=lang,
                    title=f"{text['moran']} — {name}",
                    variable=variable,
                    moran_i=mi,
                ),
            ),
        ]
    out_dir = Path(out_dir)
    targets = {job: [out_dir / f"{job}.{fmt}" for fmt in formats] for job, _ in jobs}
    existing = [p for paths in targets.values() for p in paths if p.exists()]
    if existing and not overwrite:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise OutputExistsError(
            f"{existing[0]} exists{more}; pass overwrite=True (CLI: --overwrite)"
        )
    written: list[Path] = []
    fig = Figure(figsize=PAGE_SIZES[page_size])
    FigureCanvasAgg(fig)
    for job, draw in jobs:
        fig.clear()
        draw(fig.add_subplot())
        for target, fmt in zip(targets[job], formats, strict=True):
            with atomic_path(target, overwrite) as tmp:
                fig.savefig(
                    tmp, format=fmt, dpi=dpi, bbox_inches="tight", facecolor="white"
                )
            written.append(target)
        logger.info("wrote map %s", job)
    fig.clear()
    return written
