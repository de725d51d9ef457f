"""Errors and warnings raised by lps_geo.

Every error derives from :class:`LpsGeoError` and from the builtin it refines,
so callers may catch either. Messages name the file, column, row or code at
fault and say how to fix it; the CLI prints them as one line and exits with 2.
"""

from __future__ import annotations


class LpsGeoError(Exception):
    """Root of every error lps_geo raises on purpose."""


class InputError(LpsGeoError, ValueError):
    """An input file or table is malformed (missing column, bad codes, ...)."""


class ConfigError(LpsGeoError, ValueError):
    """A configuration value is missing, of the wrong type or out of range."""


class CRSError(LpsGeoError, ValueError):
    """A layer has no CRS, or layers that must agree do not."""


class OutputExistsError(LpsGeoError, FileExistsError):
    """An output exists and ``overwrite`` was not requested."""


class OutputError(LpsGeoError, OSError):
    """An output cannot be written (folder not writable, disk full, ...)."""


class Interrupted(KeyboardInterrupt):
    """The run was stopped by SIGTERM (raised like SIGINT's KeyboardInterrupt,
    so every cleanup that runs on Ctrl-C runs on a kill too)."""

    def __init__(self, signum: int = 15) -> None:
        super().__init__(f"stopped by signal {signum}")
        self.signum = signum


class LpsGeoWarning(UserWarning):
    """Root of lps_geo's soft problems (also written to the run report)."""


class IslandWarning(LpsGeoWarning):
    """Regions without neighbours in a contiguity graph."""


class MissingCodesWarning(LpsGeoWarning):
    """Codes present in one input and absent from another."""


class SmallBaseWarning(LpsGeoWarning):
    """Statistics computed on very small bases (few regions, few plants)."""


class InputFixWarning(LpsGeoWarning):
    """An input was changed automatically (repaired, dropped, summed, zeroed):
    the message names the file, the codes and the size of the change."""


class ApproximationWarning(LpsGeoWarning):
    """A statistic was approximated (e.g. Ellison-Glaeser without plant sizes)."""
