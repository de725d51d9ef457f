"""lps_geo: find, classify and map local production systems.

Implements the method of Suzigan, Furtado & Garcia (2006) end to end:
agglomeration indicators, spatial autocorrelation and hot spots, delineation
and typology of local production systems (LPS), and GeoPackage/map outputs.

>>> import pandas as pd, lps_geo
>>> E = pd.DataFrame({"15.3": [90.0, 10.0], "31.0": [10.0, 90.0]},
...                  index=pd.Index(["a", "b"], name="region"))
>>> float(lps_geo.location_quotient(E).loc["a", "15.3"])
1.8
"""

from __future__ import annotations

import logging

from lps_geo._version import __version__ as __version__
from lps_geo.config import Config, config_from_dict, get_thresholds, load_config
from lps_geo.errors import (
    ConfigError,
    CRSError,
    InputError,
    LpsGeoError,
    LpsGeoWarning,
    OutputExistsError,
)
from lps_geo.export import read_geopackage, write_geopackage, write_report
from lps_geo.export.raster import write_cog
from lps_geo.io import read_inep_ies, read_institutions
from lps_geo.method.capability import lps_capability, region_capability
from lps_geo.method.capability_test import capability_permutation_test
from lps_geo.method.compare import compare_periods
from lps_geo.method.pipeline import run, run_all
from lps_geo.method.typology import classify, passes_filters
from lps_geo.render.atlas import write_atlas
from lps_geo.result import Result
from lps_geo.stats.bivariate import bivariate_local_moran
from lps_geo.stats.concentration import (
    ellison_glaeser,
    gini_of_quotients,
    hoover,
    industry_table,
    krugman_specialisation,
    locational_gini,
    plant_herfindahl,
)
from lps_geo.stats.indicators import (
    hhm,
    icn,
    indicator_table,
    location_quotient,
    participation_ratio,
    share_of_industry,
    share_of_region,
)
from lps_geo.stats.kde import kernel_density, make_grid
from lps_geo.stats.spatial import SpatialResult, spatial_statistics
from lps_geo.stats.variables import analysed_variable
from lps_geo.stats.weights import build_weights

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "write_atlas",
    "analysed_variable",
    "bivariate_local_moran",
    "capability_permutation_test",
    "kernel_density",
    "lps_capability",
    "make_grid",
    "read_inep_ies",
    "read_institutions",
    "region_capability",
    "write_cog",
    "CRSError",
    "Config",
    "ConfigError",
    "InputError",
    "LpsGeoError",
    "LpsGeoWarning",
    "OutputExistsError",
    "Result",
    "SpatialResult",
    "build_weights",
    "classify",
    "compare_periods",
    "config_from_dict",
    "ellison_glaeser",
    "get_thresholds",
    "gini_of_quotients",
    "hhm",
    "hoover",
    "icn",
    "indicator_table",
    "industry_table",
    "krugman_specialisation",
    "load_config",
    "location_quotient",
    "locational_gini",
    "participation_ratio",
    "passes_filters",
    "plant_herfindahl",
    "read_geopackage",
    "run",
    "run_all",
    "share_of_industry",
    "share_of_region",
    "spatial_statistics",
    "write_geopackage",
    "write_report",
]
