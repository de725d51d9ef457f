"""The QGIS plugin object: registers the Processing provider."""

from __future__ import annotations

from qgis.core import QgsApplication


class LpsGeoPlugin:
    """Adds the lps_geo provider to the Processing toolbox (and removes it)."""

    def __init__(self, iface=None):
        self.iface = iface
        self.provider = None

    def initProcessing(self):
        from .provider import LpsGeoProvider

        if self.provider is None:
            self.provider = LpsGeoProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):
        self.initProcessing()

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
