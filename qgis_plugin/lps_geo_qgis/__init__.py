"""lps_geo in the QGIS Processing toolbox.

The plugin only runs the ``lps-geo`` command line installed in its own Python
environment; it imports nothing but QGIS (and the standard library), so
QGIS's Python environment is never touched.
"""


def classFactory(iface):  # noqa: N802 - the name QGIS looks for
    """Entry point QGIS calls when it loads the plugin."""
    from .plugin import LpsGeoPlugin

    return LpsGeoPlugin(iface)
