"""lps_geo: find, classify and map local production systems.

Implements the method of Suzigan, Furtado & Garcia (2006) end to end:
agglomeration indicators, spatial autocorrelation and hot spots, delineation
and typology of local production systems (LPS), and GeoPackage/map outputs.
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
