"""CRS policy: every layer has a CRS, combined layers agree, distances need metres.

Every layer needs a CRS; layers combined must agree; distance and area work
needs a projected CRS. The default is :data:`DEFAULT_CRS`, SIRGAS 2000 /
Brazil Polyconic, a projected CRS in metres that covers the whole country.
Readers pass ``hint``: the configuration key that fixes the problem (e.g.
``set [inputs.boundaries] crs = "EPSG:4674"``), named in the message.

Examples
--------
>>> crs_name(projected_crs("EPSG:5880", "grid CRS"))
'EPSG:5880'
>>> projected_crs("EPSG:4674", "boundaries")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
lps_geo.errors.CRSError: boundaries is in EPSG:4674, a geographic CRS; ...
>>> check_same_crs("EPSG:31983", projected_crs(DEFAULT_CRS, "grid"), "points")
Traceback (most recent call last):
...
lps_geo.errors.CRSError: points is in EPSG:31983 but the grid is in EPSG:5880; \
reproject with .to_crs('EPSG:5880')
>>> lonlat_problem((330000.0, 7400000.0, 370000.0, 7440000.0))
'x up to 370000, y up to 7440000'
>>> degrees_problem((-53.1, -25.3, -44.2, -19.8))
'x -53.1 .. -44.2, y -25.3 .. -19.8'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyproj import CRS
from pyproj.exceptions import CRSError as PyprojCRSError

from lps_geo.errors import CRSError

#: Default projected CRS (SIRGAS 2000 / Brazil Polyconic).
DEFAULT_CRS = "EPSG:5880"


def crs_name(crs: CRS) -> str:
    """``AUTHORITY:CODE`` of a CRS when it has one, else its name.

    >>> crs_name(CRS.from_epsg(4674))
    'EPSG:4674'
    """
    auth = crs.to_authority()
    return f"{auth[0]}:{auth[1]}" if auth else crs.name


def parse_crs(value: Any, what: str, hint: str | None = None) -> CRS:
    """``value`` as a :class:`pyproj.CRS`; ``what`` names it in the message.

    ``hint`` (e.g. ``'[inputs.boundaries] crs'``) is the setting to fix.

    >>> parse_crs("EPSG:99999", "[inputs.boundaries] crs")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lps_geo.errors.CRSError: [inputs.boundaries] crs = 'EPSG:99999' is not a CRS ...
    """
    try:
        return CRS.from_user_input(value)
    except PyprojCRSError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        fix = f"set {hint} =" if hint else "use"
        raise CRSError(
            f"{what} = {value!r} is not a CRS pyproj knows ({reason}); {fix} "
            'an EPSG code such as "EPSG:4674" (SIRGAS 2000 lon/lat) or '
            f'"{DEFAULT_CRS}"'
        ) from None


def require_crs(crs: Any, what: str, hint: str | None = None) -> CRS:
    """The CRS of a layer, which must exist; ``hint`` says how to give one.

    >>> require_crs(None, "mun.shp", '[inputs.boundaries] crs = "EPSG:4674"')
    Traceback (most recent call last):
    ...
    lps_geo.errors.CRSError: mun.shp has no CRS; set [inputs.boundaries] crs = \
"EPSG:4674" (the CRS its coordinates are in; EPSG:4674 is IBGE's SIRGAS 2000 lon/lat)
    """
    if crs is None:
        fix = (
            f"set {hint}"
            if hint
            else "set one (e.g. .set_crs('EPSG:4674')) and project it "
            f"(e.g. .to_crs('{DEFAULT_CRS}'))"
        )
        extra = (
            " (the CRS its coordinates are in; EPSG:4674 is IBGE's SIRGAS 2000 lon/lat)"
            if hint
            else ""
        )
        raise CRSError(f"{what} has no CRS; {fix}{extra}")
    return parse_crs(crs, what, None) if not isinstance(crs, CRS) else crs


def projected_crs(crs: Any, what: str = "target_crs") -> CRS:
    """``crs`` as a :class:`pyproj.CRS`, which must exist and be projected.

    ``what`` names the layer or argument in the error messages.

    Raises
    ------
    CRSError
        ``crs`` is None, not a CRS, or geographic.
    """
    crs = require_crs(crs, what)
    if not crs.is_projected:
        raise CRSError(
            f"{what} is in {crs_name(crs)}, a geographic CRS; distances and "
            f"areas need metres: use a projected CRS such as {DEFAULT_CRS} "
            "(SIRGAS 2000 / Brazil Polyconic)"
        )
    return crs


def check_same_crs(layer_crs: Any, target: CRS, what: str) -> None:
    """Require ``layer_crs`` to be projected and equal to the grid's ``target``.

    Raises
    ------
    CRSError
        ``layer_crs`` is missing, geographic, or differs from ``target``.
    """
    crs = projected_crs(layer_crs, what)
    if not crs.equals(target, ignore_axis_order=True):
        raise CRSError(
            f"{what} is in {crs_name(crs)} but the grid is in {crs_name(target)}; "
            f"reproject with .to_crs('{crs_name(target)}')"
        )


def check_layers_agree(layers: Sequence[tuple[str, Any]]) -> CRS | None:
    """Every ``(name, crs)`` is projected and all equal; returns the shared CRS.

    >>> check_layers_agree([("institutions", "EPSG:5880"), ("regions", "EPSG:31983")])
    Traceback (most recent call last):
    ...
    lps_geo.errors.CRSError: regions is in EPSG:31983 but institutions is in \
EPSG:5880; reproject one of them with .to_crs('EPSG:5880')
    """
    first_name, first = None, None
    for name, value in layers:
        crs = projected_crs(value, name)
        if first is None:
            first_name, first = name, crs
        elif not crs.equals(first, ignore_axis_order=True):
            raise CRSError(
                f"{name} is in {crs_name(crs)} but {first_name} is in "
                f"{crs_name(first)}; reproject one of them with "
                f".to_crs('{crs_name(first)}')"
            )
    return first


def lonlat_problem(bounds: Sequence[float]) -> str | None:
    """What makes ``(xmin, ymin, xmax, ymax)`` impossible as lon/lat, or None.

    GeoJSON without a ``crs`` member is read as WGS84 lon/lat; projected
    coordinates in such a file have |x| > 180 or |y| > 90.

    >>> lonlat_problem((-47.0, -22.0, -46.6, -21.6)) is None
    True
    """
    xmin, ymin, xmax, ymax = (float(v) for v in bounds)
    if max(abs(xmin), abs(xmax)) <= 180 and max(abs(ymin), abs(ymax)) <= 90:
        return None
    x = xmax if abs(xmax) >= abs(xmin) else xmin
    y = ymax if abs(ymax) >= abs(ymin) else ymin
    return f"x up to {x:.0f}, y up to {y:.0f}"


#: Projected CRSs of Brazilian data, suggested when coordinates are metres.
PROJECTED_SUGGESTION = (
    '"EPSG:5880" (SIRGAS 2000 / Brazil Polyconic) or one of "EPSG:31978" .. '
    '"EPSG:31985" (SIRGAS 2000 / UTM zones 18S .. 25S)'
)


def degrees_problem(bounds: Sequence[float]) -> str | None:
    """The ranges of ``(xmin, ymin, xmax, ymax)`` when they look like degrees.

    In a projected CRS such coordinates (|x| <= 180, |y| <= 90, some of them
    negative and fractional, as Brazil's longitudes are) put the whole layer
    in a box of a few hundred metres at the CRS's false origin: they are
    longitudes and latitudes read with the wrong CRS. None otherwise (small
    whole-number boxes near the origin are left to synthetic examples).

    >>> degrees_problem((330000.0, 7400000.0, 370000.0, 7440000.0)) is None
    True
    >>> degrees_problem((0.0, 0.0, 10.0, 10.0)) is None
    True
    """
    xmin, ymin, xmax, ymax = (float(v) for v in bounds)
    values = (xmin, ymin, xmax, ymax)
    if (
        lonlat_problem(bounds) is not None
        or min(values) >= 0
        or all(v.is_integer() for v in values)
    ):
        return None
    return f"x {xmin:.1f} .. {xmax:.1f}, y {ymin:.1f} .. {ymax:.1f}"


def check_coordinates(
    crs: CRS, bounds: Sequence[float], source: str, key: str, configured: bool
) -> None:
    """Refuse coordinates that cannot be in ``crs``: metres in a geographic
    CRS, or degrees in a projected one. ``key`` is the setting that fixes it;
    ``configured`` says whether ``crs`` came from it (else from the file).

    >>> check_coordinates(CRS.from_epsg(31983), (-53.1, -25.3, -44.2, -19.8),
    ...                   "b.geojson", "[inputs.boundaries] crs", False)
    Traceback (most recent call last):
    ...
    lps_geo.errors.CRSError: b.geojson: coordinates look like degrees \
(x -53.1 .. -44.2, y -25.3 .. -19.8) but the file's CRS is EPSG:31983; set \
[inputs.boundaries] crs = "EPSG:4674" to read them as lon/lat
    """
    declared = (
        f"{key} is {crs_name(crs)}"
        if configured
        else f"the file's CRS is {crs_name(crs)}"
    )
    if crs.is_projected:
        degrees = degrees_problem(bounds)
        if degrees:
            raise CRSError(
                f"{source}: coordinates look like degrees ({degrees}) but "
                f'{declared}; set {key} = "EPSG:4674" to read them as lon/lat'
            )
        return
    if crs.is_geographic:
        problem = lonlat_problem(bounds)
        if problem:
            if not configured and source.lower().endswith((".geojson", ".json")):
                declared += " (a GeoJSON without a crs member means WGS84 lon/lat)"
            raise CRSError(
                f"{source}: coordinates are not longitude/latitude ({problem}) "
                f"but {declared}: the file looks projected; set {key} = the "
                f"CRS of its coordinates, e.g. {PROJECTED_SUGGESTION}"
            )


def require_layer_crs(
    crs: Any, bounds: Sequence[float] | None, source: str, key: str
) -> CRS:
    """The CRS a layer declares; when it has none the message suggests one
    from the coordinates: lon/lat (EPSG:4674) for degrees, the Brazilian
    projected CRSs for metres.

    >>> require_layer_crs(None, (100000.0, 7e6, 5.5e6, 9e6), "m.shp",
    ...                   "[inputs.boundaries] crs")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lps_geo.errors.CRSError: m.shp has no CRS and its coordinates are projected \
(x up to 5500000, y up to 9000000), not degrees; set [inputs.boundaries] crs = ...
    """
    if crs is not None or bounds is None:
        return require_crs(crs, source, f'{key} = "EPSG:4674"')
    problem = lonlat_problem(bounds)
    if problem is None:
        return require_crs(crs, source, f'{key} = "EPSG:4674"')
    copy = (
        " -- or copy the .prj that came with the shapefile next to it"
        if source.lower().endswith(".shp")
        else ""
    )
    raise CRSError(
        f"{source} has no CRS and its coordinates are projected ({problem}), "
        f"not degrees; set {key} = the CRS they are in, e.g. "
        f"{PROJECTED_SUGGESTION}{copy}"
    )
