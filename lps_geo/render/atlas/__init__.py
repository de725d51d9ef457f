"""A printable atlas of local production systems, as one vector PDF.

The atlas is composed from the result GeoPackage alone (or a
:class:`~lps_geo.result.Result` in memory): nothing is recomputed, every
number and category on its pages is a column that the analysis wrote. Pages,
in order:

1. cover: title, study area, date of the run, number of LPS by type and a
   small typology map;
2. contents: one line per LPS (page, name, industry, type), over as many pages
   as needed (:data:`~lps_geo.render.atlas.plan.CONTENTS_ROWS` lines each);
3. methods: data, filters, typology thresholds and inference choices of the
   run, read from its metadata;
4. overview maps: the typology of all industries
   (:func:`lps_geo.render.maps.typology_map`) and, when the run had
   institutions, the capability map
   (:func:`lps_geo.render.capability_map.capability_map`);
5. one page per LPS: a location map with an inset locator, an indicator
   table, the LPS's place on the 2x2 typology chart of its industry, a
   capability summary, its production structure (with RAIS establishment
   microdata: SEBRAE size classes of the establishments and of the jobs,
   structure label, lead establishments, CR4, Herfindahl) and the related
   industries specialised in its members (with the relatedness density and,
   when the result has them, the main suppliers), and the policy guidelines
   of its type.

The typology and the guidelines are those of Suzigan, Furtado & Garcia
(2006); colours come from :mod:`lps_geo.symbology` only, so a type, LISA class
or institution type looks the same here, on the static maps and in QGIS.

Use :func:`write_atlas` for the file, :func:`atlas_plan` for the page list
and :func:`lps_page_figure` for one LPS page as a matplotlib Figure.

Modules, lowest first: ``run_info`` (what is read from the run's metadata),
``text`` (bilingual prose), ``plan`` (selection and page list), ``context``
(the state the pages share), ``typeset`` (measuring, wrapping, furniture),
``pages``, ``lps_map``, ``lps_chart``, ``characterisation`` and ``lps_page``
(the page renderers) and ``write`` (the PDF).
"""

from __future__ import annotations

from lps_geo.render.atlas.plan import AtlasPage, atlas_plan, select_lps
from lps_geo.render.atlas.write import lps_page_figure, write_atlas

__all__ = ["AtlasPage", "atlas_plan", "lps_page_figure", "select_lps", "write_atlas"]
