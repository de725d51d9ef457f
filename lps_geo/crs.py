"""CRS policy: every layer has a CRS, combined layers agree, distances need metres.

Every layer needs a CRS; layers combined must agree; distance and area work
needs a projected CRS. The default is :data:`DEFAULT_CRS`, SIRGAS 2000 /
Brazil Polyconic, a projected CRS in metres that covers the whole country.

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
"""

from __future__ import annotations

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


def projected_crs(crs: Any, what: str) -> CRS:
    """``crs`` as a :class:`pyproj.CRS`, which must exist and be projected.

    ``what`` names the layer or argument in the error messages.

    Raises
    ------
    CRSError
        ``crs`` is None, not a CRS, or geographic.
    """
    if crs is None:
        raise CRSError(
            f"{what} has no CRS; set one (e.g. .set_crs('EPSG:4674')) and "
            f"project it (e.g. .to_crs('{DEFAULT_CRS}'))"
        )
    try:
        crs = CRS.from_user_input(crs)
    except PyprojCRSError as exc:
        raise CRSError(f"{what}: {crs!r} is not a CRS ({exc})") from exc
    if not crs.is_projected:
        raise CRSError(
            f"{what} is in {crs_name(crs)}, a geographic CRS; surfaces need "
            f"distances in metres: use a projected CRS such as {DEFAULT_CRS} "
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
