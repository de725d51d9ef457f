"""Link innovation-output fields to CNAE 2.0 divisions with the shipped concordance.

Patents classified by IPC section, IPC class or WIPO technology field, and
publications classified by the 13 disciplines of the course data set, are
linked to the CNAE 2.0 divisions of the industries that produce (or draw on)
them through probabilistic weights :math:`P(d \\mid f)`: the share of field
:math:`f`'s outputs that belongs to division :math:`d`. The weights come from
Fraunhofer ISI's concordance (Neuhäusler, Frietsch & Kroll 2019: the NACE
Rev. 2 division of the applicants of the transnational patents 2014-2016 of
each IPC class and WIPO35 field, Schmoch 2008), with NACE divisions taken as
the CNAE 2.0 divisions of the same code; publications are chained through a
hand crosswalk of the disciplines to Scopus ASJC areas and Fraunhofer's
science-technology shares. ``lps_geo/io/data/CONCORDANCE.md`` documents the
sources, commits, method and exceptions; :mod:`lps_geo.io.concordance_build`
regenerates the package data read here (two small CSVs, read once).

Weights per system:

* ``ipc_class``, ``wipo35``: :math:`P(d \\mid f)` from the source; a field's
  row sums to :math:`1 -` the share the source gives to NACE divisions that
  are not CNAE divisions (:data:`NACE_EXCEPTIONS`: division 98, one patent).
* ``ipc_section``: the section's classes pooled with their patent counts.
* ``discipline``: :math:`P(d \\mid u) = \\sum_c P(d \\mid c) P(c \\mid u)`;
  disciplines without a defensible link (:data:`UNLINKED_FIELDS`) have rows
  of zeros.
* ``cnae_division``: the identity.

Examples
--------
>>> w = field_division_weights("ipc_class")
>>> w.shape
(124, 87)
>>> round(float(w.loc["A61", "21"]), 3)  # pharmaceuticals' share of class A61
0.207
>>> [field for field, _, _ in linked_fields("15.40-4", "ipc_class", top=2)]
['A43', 'G06']
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping
from importlib import resources
from io import StringIO
from types import MappingProxyType
from typing import Any, NamedTuple, get_args

import numpy as np
import pandas as pd

from lps_geo.errors import InputError
from lps_geo.io._util import check_choice, format_items
from lps_geo.io.cnae import cnae_level, cnae_parent, normalize_cnae_code
from lps_geo.vocab import InnovationSystem

logger = logging.getLogger(__name__)

#: The classification systems the concordance links to CNAE divisions.
SYSTEMS: tuple[str, ...] = get_args(InnovationSystem)

#: Title of NACE Rev. 2 (ISIC Rev. 4) division 98, which CNAE 2.0 lacks.
NACE_98_TITLE = (
    "Undifferentiated goods- and services-producing activities of private "
    "households for own use"
)


#: The eight IPC sections (WIPO's titles).
IPC_SECTION_TITLES: Mapping[str, str] = MappingProxyType(
    {
        "A": "Human necessities",
        "B": "Performing operations; transporting",
        "C": "Chemistry; metallurgy",
        "D": "Textiles; paper",
        "E": "Fixed constructions",
        "F": "Mechanical engineering; lighting; heating; weapons; blasting",
        "G": "Physics",
        "H": "Electricity",
    }
)

#: Short English titles of the IPC classes, abridged from WIPO's IPC class
#: titles by lps_geo (the sources give codes only), with the classes of
#: :data:`IPC_CLASSES_NOT_IN_SOURCE`: "code title | code title".
_CLASS_TITLES = """
A01 Agriculture; forestry; animal husbandry; hunting; fishing
A21 Baking; edible doughs
A22 Butchering; meat treatment; processing poultry or fish
A23 Foods or foodstuffs; their treatment
A24 Tobacco; cigars; cigarettes; smokers' requisites | A41 Wearing apparel
A42 Headwear | A43 Footwear | A44 Haberdashery; jewellery
A45 Hand or travelling articles | A46 Brushware
A47 Furniture; domestic articles or appliances
A61 Medical or veterinary science; hygiene | A62 Life-saving; fire-fighting
A63 Sports; games; amusements
A99 Subject matter not otherwise provided for in section A
B01 Physical or chemical processes or apparatus in general
B02 Crushing, pulverising or disintegrating; grain milling
B03 Separation of solids by wet, pneumatic, magnetic or electric means
B04 Centrifugal apparatus or machines
B05 Spraying or atomising; applying fluent materials to surfaces
B06 Generating or transmitting mechanical vibrations
B07 Separating solids from solids; sorting | B08 Cleaning
B09 Disposal of solid waste; reclamation of contaminated soil
B21 Mechanical metal-working without removing material; punching
B22 Casting; powder metallurgy
B23 Machine tools; metal-working not otherwise provided for
B24 Grinding; polishing
B25 Hand tools; portable power-driven tools; manipulators
B26 Hand cutting tools; cutting; severing
B27 Working or preserving wood; nailing or stapling machines
B28 Working cement, clay or stone | B29 Working of plastics | B30 Presses
B31 Making articles of paper or cardboard | B32 Layered products
B33 Additive manufacturing technology | B41 Printing; typewriters; stamps
B42 Bookbinding; albums; files; special printed matter
B43 Writing or drawing implements; bureau accessories | B44 Decorative arts
B60 Vehicles in general | B61 Railways
B62 Land vehicles for travelling otherwise than on rails
B63 Ships or other waterborne vessels | B64 Aircraft; aviation; cosmonautics
B65 Conveying; packing; storing; handling thin material
B66 Hoisting; lifting; hauling
B67 Opening or closing containers; liquid handling | B68 Saddlery; upholstery
B81 Microstructural technology | B82 Nanotechnology
C01 Inorganic chemistry | C02 Treatment of water, waste water, sewage or sludge
C03 Glass; mineral or slag wool
C04 Cements; concrete; artificial stone; ceramics; refractories | C05 Fertilisers
C06 Explosives; matches | C07 Organic chemistry
C08 Organic macromolecular compounds (polymers)
C09 Dyes; paints; polishes; natural resins; adhesives
C10 Petroleum, gas or coke industries; fuels; lubricants
C11 Animal or vegetable oils, fats, waxes; detergents
C12 Biochemistry; beer; spirits; wine; microbiology; genetic engineering
C13 Sugar industry | C14 Skins; hides; pelts; leather | C21 Metallurgy of iron
C22 Metallurgy; ferrous or non-ferrous alloys
C23 Coating metallic material; surface treatment; inhibiting corrosion
C25 Electrolytic or electrophoretic processes | C30 Crystal growth
C40 Combinatorial technology
D01 Natural or man-made threads or fibres; spinning
D02 Yarns; finishing of yarns or ropes; warping or beaming | D03 Weaving
D04 Braiding; lace-making; knitting; non-woven fabrics
D05 Sewing; embroidering; tufting
D06 Treatment of textiles; laundering; flexible materials
D07 Ropes; cables other than electric | D21 Paper-making; production of cellulose
E01 Construction of roads, railways or bridges
E02 Hydraulic engineering; foundations; soil-shifting | E03 Water supply; sewerage
E04 Building | E05 Locks; keys; window or door fittings; safes
E06 Doors, windows, shutters or roller blinds; ladders
E21 Earth or rock drilling; mining
F01 Machines or engines in general; steam engines
F02 Combustion engines; hot-gas engine plants
F03 Machines or engines for liquids; wind, spring or weight motors
F04 Positive-displacement machines for liquids; pumps
F15 Fluid-pressure actuators; hydraulics or pneumatics
F16 Engineering elements or units; thermal insulation
F17 Storing or distributing gases or liquids | F21 Lighting | F22 Steam generation
F23 Combustion apparatus; combustion processes | F24 Heating; ranges; ventilating
F25 Refrigeration or cooling; heat pumps; liquefaction of gases | F26 Drying
F27 Furnaces; kilns; ovens; retorts | F28 Heat exchange in general | F41 Weapons
F42 Ammunition; blasting
G01 Measuring; testing | G02 Optics
G03 Photography; cinematography; electrography; holography | G04 Horology
G05 Controlling; regulating | G06 Computing; calculating or counting
G07 Checking-devices | G08 Signalling
G09 Educating; cryptography; display; advertising; seals
G10 Musical instruments; acoustics | G11 Information storage
G12 Instrument details
G16 Information and communication technology for specific fields
G21 Nuclear physics; nuclear engineering
H01 Basic electric elements
H02 Generation, conversion or distribution of electric power
H03 Basic electronic circuitry | H04 Electric communication technique
H05 Electric techniques not otherwise provided for
H10 Semiconductor devices; electric solid-state devices not provided for elsewhere
"""
IPC_CLASS_TITLES: Mapping[str, str] = MappingProxyType(
    dict(re.findall(r"([A-H]\d\d) ([^|\n]+?)\s*(?=\||$)", _CLASS_TITLES, re.M))
    | {
        f"{s}99": f"Subject matter not otherwise provided for in section {s}"
        for s in "BCDEFGH"
    }
)


class NaceException(NamedTuple):
    """A division that is in NACE Rev. 2 and not in CNAE 2.0, or vice versa."""

    division: str
    side: str
    """``"nace_only"`` (in the source, dropped) or ``"cnae_only"`` (no weights)."""
    title: str
    patents: int
    """Transnational patents 2014-2016 the source gives the division."""
    share: float
    """Of all the source's patents (IPC sheet)."""
    fields: tuple[tuple[str, str, float], ...]
    """(system, field, :math:`P(d \\mid f)`) wherever the source has weight;
    the disciplines' chained masses are in :func:`field_table`."""


#: The NACE Rev. 2 / CNAE 2.0 exceptions, both ways. Only NACE 98 (the own-use
#: production of households, outside CNAE 2.0) differs: one patent of
#: 594,168, in IPC class A01 (1 of 5,981) and WIPO field 29 (1 of 18,197);
#: every CNAE 2.0 division is a NACE division of the source.
NACE_EXCEPTIONS: tuple[NaceException, ...] = (
    NaceException(
        division="98",
        side="nace_only",
        title=NACE_98_TITLE,
        patents=1,
        share=1 / 594168,
        fields=(
            ("ipc_section", "A", 1 / 64382),
            ("ipc_class", "A01", 1 / 5981),
            ("wipo35", "W35F29", 1 / 18197),
        ),
    ),
)

#: CNAE divisions that no field of a system links to (tested against the
#: data): none; every CNAE division has at least one source patent. Divisions
#: with few patents (03, 50, 55, 75, 87, 97, 99: under 10) are in
#: ``CONCORDANCE.md``.
UNMAPPED_DIVISIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {system: () for system in SYSTEMS}
)

#: Fields with no defensible link to industries (rows of zeros): research in
#: the humanities and the social sciences reaches industry through services,
#: not patented technology, and patents rarely cite it (see
#: ``discipline_asjc.csv``).
UNLINKED_FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {system: () for system in SYSTEMS} | {"discipline": ("humanas", "ciencias_sociais")}
)

#: IPC classes of WIPO's IPC - technology concordance that the source lacks
#: (outputs in them have no weights), and why.
IPC_CLASSES_NOT_IN_SOURCE: Mapping[str, str] = MappingProxyType(
    {
        code: "not in the source: a residual 'not otherwise provided for' class "
        "(A99 is the only one it has, with one patent)"
        for code in ("B99", "C99", "D99", "E99", "F99", "G99", "H99")
    }
    | {"H10": "class created in IPC 2023.01, after the source's 2014-2016 patents"}
)

_FILES = ("innovation_cnae.csv", "innovation_fields.csv")


def _data_text(name: str) -> str:
    return resources.files("lps_geo.io").joinpath("data", name).read_text("utf-8")


@functools.lru_cache(maxsize=1)
def _tables() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The shipped weights, fields and provenance header (read once)."""
    texts = {name: _data_text(name) for name in _FILES}
    weights = pd.read_csv(
        StringIO(texts["innovation_cnae.csv"]),
        comment="#",
        dtype={"system": str, "field": str, "division": str, "weight": float},
    )
    fields = pd.read_csv(
        StringIO(texts["innovation_fields.csv"]),
        dtype={"system": str, "field": str, "name": str, "group": str, "wipo35": str},
        keep_default_na=False,
        na_values={"source_count": [""]},
    )
    fields["source_count"] = fields["source_count"].astype("Int64")
    linked = fields["linked"].astype(str).str.lower()
    fields["linked"] = linked.map({"true": True, "false": False}).astype(bool)
    header: dict[str, Any] = {}
    for line in texts["innovation_cnae.csv"].splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].strip().partition(": ")
        parts = key.split(".")
        node = header
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return weights, fields, header


def _check_system(system: Any) -> None:
    check_choice(system, SYSTEMS, "system")


def cnae_divisions() -> tuple[str, ...]:
    """The 87 CNAE 2.0 divisions, as 2-digit strings in code order.

    >>> cnae_divisions()[:3], len(cnae_divisions())
    (('01', '02', '03'), 87)
    """
    fields = _tables()[1]
    return tuple(fields.loc[fields["system"] == "cnae_division", "field"])


def field_table(system: InnovationSystem) -> pd.DataFrame:
    """The fields of a system as shipped, indexed by field code.

    Columns: ``name`` (see :func:`field_names`), ``group`` (IPC section of a
    class, WIPO sector of a field, CNAE section of a division),
    ``wipo35`` (WIPO fields of an IPC class's subclasses, ``;``-separated),
    ``source_count`` (the source's patents of the field, implied by its
    shares; for disciplines the patent-cited publications of their ASJC
    areas), ``non_cnae_share`` (weight the source gives to NACE divisions
    that are not CNAE divisions) and ``linked``.

    >>> field_table("wipo35").loc["W35F16", ["name", "group"]].tolist()
    ['Pharmaceuticals', 'Chemistry']
    """
    _check_system(system)
    fields = _tables()[1]
    part = fields[fields["system"] == system].drop(columns="system")
    return part.set_index("field")


@functools.cache
def _weights(system: str) -> pd.DataFrame:
    weights = _tables()[0]
    part = weights[weights["system"] == system]
    wide = part.pivot(index="field", columns="division", values="weight")
    order = field_table(system).index  # type: ignore[arg-type]
    wide = wide.reindex(index=order, columns=list(cnae_divisions())).fillna(0.0)
    wide.index.name, wide.columns.name = "field", "division"
    return wide


def field_division_weights(system: InnovationSystem) -> pd.DataFrame:
    """Fields x CNAE 2.0 divisions: :math:`P(d \\mid f)`.

    Parameters
    ----------
    system
        One of :data:`SYSTEMS`.

    Returns
    -------
    pandas.DataFrame
        Index: the system's field codes (``"A"``, ``"A01"``, ``"W35F01"``,
        ``"biologia"``, ``"01"``); columns: the 87 CNAE divisions (``"01"`` ..
        ``"99"``). A row sums to ``1 - non_cnae_share`` (:func:`field_table`),
        0 for the :data:`UNLINKED_FIELDS`; ``cnae_division`` is the identity.
        A new frame on every call.

    Raises
    ------
    ConfigError
        When ``system`` is not one of :data:`SYSTEMS`.

    Examples
    --------
    >>> w = field_division_weights("ipc_section")
    >>> w.shape, round(float(w.sum(axis=1)["B"]), 12)
    ((8, 87), 1.0)
    >>> field_division_weights("ipc")
    Traceback (most recent call last):
    ...
    lps_geo.errors.ConfigError: system='ipc' is not valid; use one of 'ipc_section', \
'ipc_class', 'wipo35', 'discipline', 'cnae_division'
    """
    _check_system(system)
    return _weights(system).copy()


def field_names(system: InnovationSystem) -> pd.Series:
    """Field code -> label: IPC titles (short forms), WIPO field names, the
    discipline as in the publications table with its English (UCSD) name,
    the CNAE division title.

    >>> field_names("ipc_class")["A43"], field_names("discipline")["humanas"]
    ('Footwear', 'Humanas (Humanities)')
    """
    return field_table(system)["name"].rename("name")


@functools.cache
def _shares(system: str) -> pd.DataFrame:
    weights = _weights(system)
    if system == "cnae_division":
        counts = pd.Series(1.0, index=weights.index)
    else:
        counts = field_table(system)["source_count"].astype(float)  # type: ignore[arg-type]
    attributed = weights.mul(counts.fillna(0.0), axis=0).T
    totals = attributed.sum(axis=1)
    shares = attributed.div(totals.where(totals > 0), axis=0).fillna(0.0)
    shares.index.name, shares.columns.name = "division", "field"
    return shares


def division_field_shares(system: InnovationSystem) -> pd.DataFrame:
    """CNAE divisions x fields: the share of a division's attributed outputs
    that comes from each field.

    .. math:: S_{df} = \\frac{n_f P(d \\mid f)}{\\sum_{f'} n_{f'} P(d \\mid f')}

    with :math:`n_f` the source's own total of field :math:`f`
    (``source_count`` of :func:`field_table`: patents, or patent-cited
    publications for disciplines), i.e. Bayes' rule :math:`P(f \\mid d)` with
    the source's field sizes, not equal field weights. Rows sum to 1 (0 for a
    division no field links to).

    >>> s = division_field_shares("wipo35")
    >>> round(float(s.sum(axis=1)["26"]), 12), s.loc["21"].idxmax()
    (1.0, 'W35F16')
    """
    _check_system(system)
    return _shares(system).copy()


def _division(division: Any) -> str:
    code = normalize_cnae_code(division)
    level = cnae_level(code)
    if level == "section":
        raise InputError(
            f"division={division!r} is a CNAE section; pass a division, group or "
            "class code (e.g. '15', '15.4', '15.40-4')"
        )
    if level != "division":
        code = cnae_parent(code, "division")
    if code not in cnae_divisions():
        raise InputError(
            f"division={division!r}: {code} is not a CNAE 2.0 division (known: "
            f"{format_items(cnae_divisions())})"
        )
    return code


def linked_fields(
    division: Any, system: InnovationSystem, top: int = 3
) -> tuple[tuple[str, str, float], ...]:
    """The fields a division's attributed outputs come from most.

    Parameters
    ----------
    division
        A CNAE 2.0 division, group or class code (``"15"``, ``"15.4"``,
        ``"15.40-4"``); the division is used.
    system
        One of :data:`SYSTEMS`.
    top
        How many fields at most (those with a share above 0).

    Returns
    -------
    tuple of (field, name, share)
        By decreasing share of :func:`division_field_shares`.

    Raises
    ------
    InputError
        When ``division`` is not (in) a CNAE 2.0 division.

    Examples
    --------
    >>> [(f, round(s, 2)) for f, _, s in linked_fields("21", "wipo35", top=2)]
    [('W35F16', 0.34), ('W35F14', 0.19)]
    """
    _check_system(system)
    if top < 1:
        raise InputError(f"top={top!r}: pass a positive number of fields")
    row = _shares(system).loc[_division(division)]
    row = row[row > 0].sort_values(ascending=False, kind="stable").head(top)
    names = field_names(system)
    return tuple(
        (field, str(names[field]), float(share)) for field, share in row.items()
    )


def unmapped_divisions(system: InnovationSystem) -> tuple[str, ...]:
    """CNAE divisions that no field of ``system`` links to (from the data;
    :data:`UNMAPPED_DIVISIONS` states them).

    >>> unmapped_divisions("ipc_class")
    ()
    """
    _check_system(system)
    weights = _weights(system)
    return tuple(d for d in weights.columns if not np.any(weights[d].to_numpy() > 0))


def provenance() -> dict[str, Any]:
    """Sources (file, repository, commit, producer, licence, sha256), method
    and build date of the shipped concordance, with its exceptions.

    >>> p = provenance()
    >>> p["sources"]["fraunhofer"]["commit"]
    'b131f79fac8a0f561963cf8714d34c398f77ff7e'
    >>> sorted(p["sources"])
    ['cnae', 'crosswalk', 'fraunhofer', 'publications', 'wipo']
    """
    header = _tables()[2]
    out = {key: value for key, value in header.items() if key != "sources"}
    out["sources"] = {k: dict(v) for k, v in header.get("sources", {}).items()}
    out["files"] = [f"lps_geo/io/data/{name}" for name in _FILES] + [
        "lps_geo/io/data/discipline_asjc.csv",
        "lps_geo/io/data/CONCORDANCE.md",
    ]
    out["nace_exceptions"] = [e._asdict() for e in NACE_EXCEPTIONS]
    out["unlinked_fields"] = {k: list(v) for k, v in UNLINKED_FIELDS.items() if v}
    out["ipc_classes_not_in_source"] = dict(IPC_CLASSES_NOT_IN_SOURCE)
    return out
