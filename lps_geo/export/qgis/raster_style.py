"""QGIS raster styles (QML) of the kernel-density surfaces: one colour ramp per kind.

:func:`surface_style` gives the colour ramp of each surface kind from
:mod:`lps_geo.symbology`; :func:`style_qml` writes it as the single-band
pseudocolour style that :func:`lps_geo.export.raster.write_cog` puts next to
each GeoTIFF, which QGIS applies when it opens the raster.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from lps_geo import symbology
from lps_geo.errors import ConfigError
from lps_geo.export.qgis.qml import QGIS_VERSION, QML_DOCTYPE

#: Default top of a style's colour ramp: this percentile of the positive cells
#: (QGIS's own default stretch cuts at 98 %). Kernel surfaces are very skewed;
#: a ramp up to the maximum would leave all but the densest spot invisible.
RAMP_CUT = 98.0


def surface_style(kind: str, label: str = "") -> dict[str, Any]:
    """The colour ramp of a surface kind, for the ``style`` of ``write_cog``.

    For :func:`lps_geo.export.raster.write_cog`. Institution types fade in the
    type's colour from fully transparent at 0 to opaque
    (:data:`lps_geo.symbology.INSTITUTION_COLORS`; ``"all"``:
    :data:`lps_geo.symbology.ALL_INSTITUTIONS_COLOR`): on white paper that is
    white to the colour, over a base map it tints without a white haze.
    ``"employment"`` uses :data:`lps_geo.symbology.QL_RAMP`, transparent at 0.

    Examples
    --------
    >>> surface_style("university")["colors"]
    ['#1b9e77', '#1b9e77']
    >>> surface_style("employment")["colors"][0]
    '#fff5eb'
    """
    if kind in symbology.INSTITUTION_COLORS:
        colors = [symbology.INSTITUTION_COLORS[kind]] * 2
    elif kind == "all":
        colors = [symbology.ALL_INSTITUTIONS_COLOR] * 2
    elif kind == "employment":
        colors = list(symbology.QL_RAMP)
    else:
        valid = [*symbology.INSTITUTION_COLORS, "all", "employment"]
        raise ConfigError(
            f"no style for surface kind {kind!r}; use one of {', '.join(valid)}"
        )
    return {"colors": colors, "transparent_min": True, "label": label}


def _rgb(color: str) -> tuple[int, int, int]:
    # Unlike lps_geo.export.qgis.qml, tolerates a missing "#", as it always has.
    c = color.lstrip("#")
    if len(c) != 6:
        raise ConfigError(f"colour {color!r} is not a #rrggbb hex colour")
    try:
        return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
    except ValueError as exc:
        raise ConfigError(f"colour {color!r} is not a #rrggbb hex colour") from exc


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def style_qml(
    style: Mapping[str, Any], vmin: float, vmax: float, data_max: float | None = None
) -> str:
    """A QGIS 3.22 raster style (QML): single-band pseudocolour, linear ramp.

    ``style`` keys: ``colors`` (hex colours from low to high, at least two),
    ``min`` / ``max`` (ramp ends; default ``vmin`` / ``vmax``),
    ``transparent_min`` (the lowest stop fully transparent, default True),
    ``opacity`` (layer opacity, default 1), ``label`` (unit written after the
    legend values). The stops are evenly spaced between ``min`` and ``max``;
    QGIS interpolates between them, gives values above ``max`` the last colour
    (labelled "≥ max" when ``data_max`` exceeds it) and leaves nodata
    transparent.

    Examples
    --------
    >>> qml = style_qml({"colors": ["#ffffff", "#1b9e77"]}, 0.0, 2.0)
    >>> root = ET.fromstring(qml.split("\\n", 1)[1])
    >>> root.find("pipe/rasterrenderer").get("type")
    'singlebandpseudocolor'
    >>> [(i.get("value"), i.get("color"), i.get("alpha"))
    ...  for i in root.iter("item")]
    [('0', '#ffffff', '0'), ('2', '#1b9e77', '255')]
    """
    colors = list(style.get("colors", symbology.QL_RAMP))
    if len(colors) < 2:
        raise ConfigError(f"style needs at least two colours, got {colors!r}")
    rgbs = [_rgb(c) for c in colors]
    lo = float(style.get("min", vmin))
    hi = float(style.get("max", vmax))
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = 0.0, 1.0
    if hi <= lo:
        hi = lo + 1.0
    transparent_min = bool(style.get("transparent_min", True))
    opacity = float(style.get("opacity", 1.0))
    unit = str(style.get("label", ""))
    n = len(colors)
    values = [lo + (hi - lo) * k / (n - 1) for k in range(n)]
    open_top = data_max is not None and data_max > hi
    alphas = [0 if (k == 0 and transparent_min) else 255 for k in range(n)]

    root = ET.Element(
        "qgis",
        {
            "version": QGIS_VERSION,
            "styleCategories": "AllStyleCategories",
            "hasScaleBasedVisibilityFlag": "0",
            "minScale": "1e+08",
            "maxScale": "0",
        },
    )
    flags = ET.SubElement(root, "flags")
    for name, val in (
        ("Identifiable", "1"),
        ("Removable", "1"),
        ("Searchable", "1"),
        ("Private", "0"),
    ):
        ET.SubElement(flags, name).text = val
    pipe = ET.SubElement(root, "pipe")
    provider = ET.SubElement(pipe, "provider")
    ET.SubElement(
        provider,
        "resampling",
        {
            "enabled": "false",
            "maxOversampling": "2",
            "zoomedInResamplingMethod": "nearestNeighbour",
            "zoomedOutResamplingMethod": "nearestNeighbour",
        },
    )
    renderer = ET.SubElement(
        pipe,
        "rasterrenderer",
        {
            "type": "singlebandpseudocolor",
            "band": "1",
            "opacity": _fmt(opacity),
            "alphaBand": "-1",
            "classificationMin": _fmt(lo),
            "classificationMax": _fmt(hi),
            "nodataColor": "",
        },
    )
    ET.SubElement(renderer, "rasterTransparency")
    origin = ET.SubElement(renderer, "minMaxOrigin")
    for name, val in (
        ("limits", "None"),
        ("extent", "WholeRaster"),
        ("statAccuracy", "Estimated"),
        ("cumulativeCutLower", "0.02"),
        ("cumulativeCutUpper", "0.98"),
        ("stdDevFactor", "2"),
    ):
        ET.SubElement(origin, name).text = val
    shader = ET.SubElement(ET.SubElement(renderer, "rastershader"), "colorrampshader")
    shader.attrib.update(
        {
            "colorRampType": "INTERPOLATED",
            "classificationMode": "2",
            "clip": "0",
            "minimumValue": _fmt(lo),
            "maximumValue": _fmt(hi),
            "labelPrecision": "4",
        }
    )
    ramp = ET.SubElement(shader, "colorramp", {"name": "[source]", "type": "gradient"})
    opts = ET.SubElement(ramp, "Option", {"type": "Map"})

    def rgba(k: int) -> str:
        return ",".join(str(c) for c in (*rgbs[k], alphas[k]))

    stops = ":".join(f"{k / (n - 1):.6g};{rgba(k)}" for k in range(1, n - 1))
    for name, val in (
        ("color1", rgba(0)),
        ("color2", rgba(n - 1)),
        ("discrete", "0"),
        ("rampType", "gradient"),
        ("stops", stops),
    ):
        if name == "stops" and not stops:
            continue
        ET.SubElement(opts, "Option", {"name": name, "type": "QString", "value": val})
    for k in range(n):
        ET.SubElement(
            shader,
            "item",
            {
                "value": _fmt(values[k]),
                "color": colors[k].lower(),
                "alpha": str(alphas[k]),
                "label": (
                    ("≥ " if k == n - 1 and open_top else "")
                    + f"{values[k]:.4g}"
                    + (f" {unit}" if unit else "")
                ),
            },
        )
    ET.SubElement(
        pipe, "brightnesscontrast", {"brightness": "0", "contrast": "0", "gamma": "1"}
    )
    ET.SubElement(
        pipe,
        "huesaturation",
        {
            "colorizeOn": "0",
            "colorizeRed": "255",
            "colorizeGreen": "128",
            "colorizeBlue": "128",
            "colorizeStrength": "100",
            "grayscaleMode": "0",
            "saturation": "0",
        },
    )
    ET.SubElement(pipe, "rasterresampler", {"maxOversampling": "2"})
    ET.SubElement(pipe, "resamplingStage").text = "resamplingFilter"
    ET.SubElement(root, "blendMode").text = "0"
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return QML_DOCTYPE + "\n" + body + "\n"
