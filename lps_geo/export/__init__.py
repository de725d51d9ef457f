"""Exporters: everything that turns a :class:`~lps_geo.result.Result` into files.

All writers refuse to replace an existing output unless ``overwrite=True``
and write atomically through :func:`~lps_geo.export.atomic.atomic_path`.
"""

from __future__ import annotations

from lps_geo.export.atomic import atomic_path
from lps_geo.export.gpkg import (
    LAYER_COLUMNS,
    SPATIAL_LAYERS,
    read_geopackage,
    read_metadata,
    write_geopackage,
    write_lps_change,
    write_report,
)
from lps_geo.export.qgis.layer_styles import write_default_styles, write_layer_styles
from lps_geo.export.qgis.layout import LAYOUT_NAME
from lps_geo.export.qgis.project import (
    qgis_project_xml,
    read_qgis_project,
    write_qgis_project,
)
from lps_geo.export.qgis.styles import LayerStyle, add_focus_columns, default_styles

__all__ = [
    "LAYOUT_NAME",
    "qgis_project_xml",
    "read_qgis_project",
    "write_qgis_project",
    "LayerStyle",
    "add_focus_columns",
    "default_styles",
    "write_default_styles",
    "write_layer_styles",
    "LAYER_COLUMNS",
    "SPATIAL_LAYERS",
    "atomic_path",
    "read_geopackage",
    "read_metadata",
    "write_geopackage",
    "write_lps_change",
    "write_report",
]
