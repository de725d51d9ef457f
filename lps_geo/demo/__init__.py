"""Synthetic demo data: a state-like study area with planted local production systems.

Everything this package writes is **synthetic**. It invents a state (IBGE code
19 does not exist), its municipalities, populations, formal employment and
establishments in 40 real CNAE 2.0 groups, and a register of support
institutions, and it *plants* local production systems (LPS) of the four types
of Suzigan, Furtado & Garcia (2006, section 4.2) so that the method of
:mod:`lps_geo` has a known answer to recover. No number in the output describes
a real place.

The generator is deterministic: the same ``seed`` and ``n_municipalities``
give byte-identical files (coordinates are snapped to a 1 cm grid, CSV and
JSON are written with fixed formats, and the date that the dBASE format keeps
in bytes 1-3 of every ``.dbf`` header is overwritten with
:data:`lps_geo.demo.write.DBF_HEADER_DATE`).

How the data are built (:func:`build_demo`)
-------------------------------------------
1. **Outline.** A rotated, perturbed ellipse of about 500 x 350 km in SIRGAS
   2000 / Brazil Polyconic (EPSG:5880), centred where a south-eastern Brazilian
   state would be (x 5.0e6-5.5e6 m, y 7.3e6-7.7e6 m, i.e. about 54-49 W,
   24-21 S) (:mod:`lps_geo.demo.geography`).
2. **Municipalities.** Voronoi cells of seeded points clipped to the outline.
   Points are dense around a metropolitan core and along three corridors and
   sparse in the interior, so areas differ by far more than 30 times.
3. **Codes and names.** IBGE-style 7-digit codes ``19`` + 4-digit serial +
   check digit (:func:`ibge_check_digit`), serials in alphabetical order of
   invented Portuguese-sounding names (:mod:`lps_geo.demo.names`).
4. **Microregions.** 20-40 contiguous groups grown over queen adjacency.
5. **Population.** Log-normal and heavy-tailed; a capital of 2.6-3.4 million
   with ten large contiguous suburbs; interior towns of 2 thousand to 300
   thousand (:mod:`lps_geo.demo.economy`).
6. **Employment and establishments.** Gamma-Poisson draws per municipality and
   CNAE group (:mod:`lps_geo.demo.industries`) around population x national
   weight; manufacturing groups are absent from most small towns.
   Establishments follow from a typical plant size per group.
7. **Planted LPS.** Ten agglomerations of all four types; their employment is
   solved so that their aggregate share of the industry and location quotient
   hit set targets, against the whole state with employment in all 40 groups
   as the denominator. Neighbours of members are held below QL 1 in the
   planted group, so hot spots do not spill over. Manufacturing cells that
   would pass the filters by chance are capped below the share filter,
   except a handful of weak embryos kept for realism (listed in
   ``planted.json``), and contiguous municipalities with QL >= 3 in a group
   whose aggregate would pass the filters are capped at QL 2.5
   (:mod:`lps_geo.demo.planted`).
8. **Self-check.** The planted types are recomputed from the rounded tables
   and verified with :func:`lps_geo.method.typology.classify`.
9. **Related industries.** Leather tanning (15.1) and footwear parts (15.4)
   are co-located with footwear (15.3) over the whole state until their
   association relatedness with it is above 1.8 (about 1.9 for the default
   seed, from below 1), and the footwear center holds both at a pooled
   QL >= 1 (:mod:`lps_geo.demo.related`); recorded as
   ``related_industries`` in ``planted.json``.
10. **Institutions.** Support institutions, dense in the metro and large towns,
    some at planted systems, none at two of them
    (:mod:`lps_geo.demo.institutions`).
11. **Microdata.** The tables are the aggregation of RAIS-like establishment
    microdata (``RAIS_ESTAB_PUB.txt.gz``: one row per establishment, real CNAE
    2.0 classes, heavy-tailed sizes, a few negative declarations) and worker
    records of 21.2 and 32.1 (``RAIS_VINC_PUB.txt.gz``, PDET layout). Planted
    production structures: ``lps03`` (pharmaceuticals) is ``lead_firm`` (two
    plants hold 60 % of its jobs) and pays more, with more technical
    occupations, than its industry; ``lps02`` (jewellery) is ``small_firm``
    (every establishment under 20 jobs). Every planted LPS's ``structure``
    is recorded in ``planted.json`` (:mod:`lps_geo.demo.microdata`).

:func:`write_demo` writes the files (:mod:`lps_geo.demo.write`). Run
``python -m lps_geo.demo OUT_DIR [--seed N] [--overwrite]``
(:mod:`lps_geo.demo.cli`).
"""

from lps_geo.demo.build import DEFAULT_SEED, DemoData, build_demo
from lps_geo.demo.cli import main
from lps_geo.demo.industries import cnae_groups, rais_title
from lps_geo.demo.institutions import DEMO_INSTITUTION_TYPES
from lps_geo.demo.names import ibge_check_digit
from lps_geo.demo.write import FILES, generate_demo, write_demo

__all__ = [
    "DEFAULT_SEED",
    "DEMO_INSTITUTION_TYPES",
    "FILES",
    "DemoData",
    "build_demo",
    "cnae_groups",
    "generate_demo",
    "ibge_check_digit",
    "main",
    "rais_title",
    "write_demo",
]
