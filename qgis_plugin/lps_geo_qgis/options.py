"""Every option list the plugin's dialogs offer, in one place.

The plugin runs inside QGIS's Python, where lps_geo itself may not be
importable, so the lists are written out here rather than imported; a test
(``tests/test_architecture.py``) checks each against :mod:`lps_geo.vocab`, so
they cannot drift from what ``lps-geo run`` accepts. The first value of each
list is the dialog's default.
"""

#: Size-table layouts the dialog can export (``[inputs.size] form``).
TABLE_FORMS = ("long", "wide")
#: ``[analysis] size_measure`` and the wide table's ``measure``.
SIZE_MEASURES = ("employment", "establishments")
#: ``[analysis] industry_level``.
INDUSTRY_LEVELS = ("class", "group", "division")
#: ``[analysis] reference_area``.
REFERENCE_AREAS = ("study_area", "state", "both")
#: ``[analysis] denominator`` (or a list of CNAE codes).
SELECTIONS = ("all", "manufacturing")
#: ``[statistics] weights``.
WEIGHTS_KINDS = ("queen", "rook", "knn", "distance_band")
#: ``[statistics] variable``.
VARIABLES = ("ql", "share_region", "log_ql", "eb_ql")
#: ``[statistics] correction``.
CORRECTIONS = ("fdr", "bonferroni", "none")
#: ``[output] lang``: English first (the analysis dialog), Portuguese first
#: (the demo's own language, and after "the run's language" when rebuilding).
LANGS = ("en", "pt")
LANGS_PT_FIRST = ("pt", "en")
#: Static map formats (``lps-geo maps --format``).
MAP_FORMATS = ("png", "pdf", "svg")
#: ``[output] page_size``.
PAGE_SIZES = ("A4", "A3")
#: LPS types, for the atlas filter (``lps-geo atlas --type``).
LPS_TYPES = ("center", "advanced_vector", "local_vector", "embryo")
