"""The lps_geo Processing provider: its algorithms and its one setting."""

from __future__ import annotations

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from . import runner
from .algorithms import ALGORITHMS, ICON


class LpsGeoProvider(QgsProcessingProvider):
    """Algorithms that run the ``lps-geo`` command in its own environment.

    The path of ``lps-geo`` is a Processing setting (Settings > Options >
    Processing > Providers > lps_geo); empty means ``lps-geo`` on ``PATH``.
    The environment variable ``LPS_GEO_EXECUTABLE`` overrides both.
    """

    def id(self):
        return "lps_geo"

    def name(self):
        return "lps_geo"

    def longName(self):
        return "lps_geo: local production systems (industrial clusters)"

    def icon(self):
        return QIcon(str(ICON))

    def load(self):
        try:
            from processing.core.ProcessingConfig import ProcessingConfig, Setting
        except ImportError:  # pragma: no cover - Processing plugin disabled
            ProcessingConfig = None
        if ProcessingConfig is not None:
            ProcessingConfig.settingIcons[self.name()] = self.icon()
            ProcessingConfig.addSetting(
                Setting(
                    self.name(),
                    runner.SETTING_EXECUTABLE,
                    "lps-geo executable (empty: lps-geo on PATH)",
                    "",
                    valuetype=Setting.FILE,
                )
            )
            ProcessingConfig.readSettings()
        self.refreshAlgorithms()
        return True

    def unload(self):
        try:
            from processing.core.ProcessingConfig import ProcessingConfig
        except ImportError:  # pragma: no cover
            return
        ProcessingConfig.removeSetting(runner.SETTING_EXECUTABLE)

    def loadAlgorithms(self):
        for cls in ALGORITHMS:
            self.addAlgorithm(cls())
