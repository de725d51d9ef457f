"""Institution registers and per-municipality counts: the capability layers.

Steps (ii) and (iii) of the method of Suzigan, Furtado & Garcia (2006) look
at what supports a local production system besides its firms: where the
universities, technical and training schools, research centres and
technology-support institutions are, and where innovation outputs (patents,
publications) come from. This module turns the registers holding that
information into one canonical shape, so that the capability measures,
surfaces and maps never have to care where the records came from.

The canonical institutions layer is a GeoDataFrame of points in a projected
CRS (EPSG:5880 by default) indexed by ``inst_id`` (str) with the columns

``name``
    Name of the institution.
``type``
    One of :data:`INSTITUTION_TYPES` (the taxonomy shared with
    :data:`lps_geo.symbology.INSTITUTION_COLORS`).
``source_type``
    The category as written in the source file, before mapping.
``region``
    7-digit code of the municipality containing the point (or owning the
    record); missing (NaN in pandas' string dtype, ``isna()`` is True) for
    points outside every region or when no boundaries were given.
``located``
    ``"point"`` for real coordinates, ``"centroid"`` for records placed at
    their municipality's representative point (``"seat"`` is reserved for
    placement at the municipal seat, which needs seat coordinates that IBGE's
    boundary files do not carry).
``weight``
    Float, 1.0 unless a weight column (courses, enrolments, researchers) is
    named.

Readers attach what they did to ``gdf.attrs["report"]`` (a JSON-friendly
dict: rows read, unknown types, points outside the study area, records
placed at a representative point, dropped ids) for the run report.
"""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, get_args

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from shapely.geometry import MultiPoint, Point
from shapely.geometry.base import BaseGeometry

from lps_geo.errors import (
    ConfigError,
    CRSError,
    InputError,
    LpsGeoWarning,
    MissingCodesWarning,
)
from lps_geo.io._util import (
    check_file,
    clean_code,
    format_items,
    format_quoted,
    is_missing,
    normalize_region_codes,
    normalize_text,
    parse_numbers,
    read_excel,
    read_table,
    require_columns,
)
from lps_geo.io.boundaries import (
    DEFAULT_CRS,
    _parse_crs,
    _read_vector,
    match_rais6,
    projected_crs,
)
from lps_geo.io.tables import Unmatched
from lps_geo.vocab import INSTITUTION_TYPES

logger = logging.getLogger(__name__)


_CATEGORIES: dict[str, tuple[str, ...]] = {
    # Colleges count as "university": the taxonomy separates universities and
    # colleges (any higher-education institution) from the federal network
    # and from technical / vocational schools, not universities from colleges.
    "university": (
        "university",
        "universities",
        "college",
        "university college",
        "higher education",
        "higher education institution",
        "universidade",
        "universidade federal",
        "universidade estadual",
        "universidade municipal",
        "universidade publica",
        "universidade privada",
        "centro universitario",
        "faculdade",
        "faculdades",
        "faculdade integrada",
        "faculdades integradas",
        "instituto superior",
        "instituto superior de educacao",
        "instituto superior ou escola superior",
        "escola superior",
        "instituicao de ensino superior",
        "ensino superior",
        "ies",
    ),
    "federal_institute": (
        "federal institute",
        "instituto federal",
        "instituto federal de educacao ciencia e tecnologia",
        "if",
        "cefet",
        "centro federal de educacao tecnologica",
        "rede federal",
    ),
    "technical_school": (
        "technical school",
        "training school",
        "vocational school",
        "vocational training",
        "escola tecnica",
        "escola tecnica estadual",
        "escola tecnica federal",
        "escola agrotecnica",
        "escola profissionalizante",
        "escola de formacao profissional",
        "centro de formacao profissional",
        "formacao profissional",
        "educacao profissional",
        "ensino tecnico",
        "etec",
        "fatec",
        "senai",
        "senac",
        "senar",
        "senat",
        "sistema s",
    ),
    "research_centre": (
        "research centre",
        "research center",
        "research institute",
        "laboratory",
        "lab",
        "centro de pesquisa",
        "centro de pesquisas",
        "centro de pesquisa e desenvolvimento",
        "instituto de pesquisa",
        "instituto de pesquisas",
        "instituto de ciencia e tecnologia",
        "laboratorio",
        "embrapa",
        "unidade embrapa",
    ),
    "technology_park": (
        "technology park",
        "science park",
        "science and technology park",
        "incubator",
        "business incubator",
        "parque tecnologico",
        "parque cientifico e tecnologico",
        "parque cientifico",
        "polo tecnologico",
        "incubadora",
        "incubadora de empresas",
        "incubadora tecnologica",
    ),
    "other": ("other", "outro", "outra", "outros", "outras"),
}

#: Default mapping from source categories (folded with
#: :func:`~lps_geo.io._util.normalize_text`: lower case, no accents, single
#: spaces) to taxonomy codes. Covers the taxonomy codes themselves, English
#: names, INEP's academic organisations (universidade, centro universitário,
#: faculdade, faculdades integradas, instituto superior, escola superior ->
#: ``university``: colleges count as university/college), the federal
#: network (instituto federal, CEFET), the S system and state technical
#: schools (SENAI, SENAC, ETEC, FATEC -> ``technical_school``), research
#: bodies (centro de pesquisa, laboratório, EMBRAPA) and technology parks and
#: incubators.
DEFAULT_TYPE_MAP: dict[str, str] = {
    **{normalize_text(code): code for code in INSTITUTION_TYPES},
    **{
        normalize_text(category): code
        for code, categories in _CATEGORIES.items()
        for category in categories
    },
}

#: Extra categories of INEP's higher-education register: its "Tipo de
#: Instituição" column holds the administrative category (PÚBLICA /
#: PRIVADA), and every record is a higher-education institution.
INEP_TYPE_MAP: dict[str, str] = {"publica": "university", "privada": "university"}

#: Phrases that, found in an institution's name (folded), refine a generic
#: ``university`` or ``other`` into a more specific type: the federal
#: institutes and CEFETs are higher-education institutions in INEP's register.
NAME_RULES: tuple[tuple[str, str], ...] = (
    ("instituto federal", "federal_institute"),
    ("centro federal de educacao tecnologica", "federal_institute"),
    ("cefet", "federal_institute"),
)

#: What to do with source categories absent from the type map.
UnknownTypes = Literal["raise", "other"]
#: What to do with points outside the union of the boundaries.
Outside = Literal["drop", "keep"]
#: Where records known only by municipality code are placed.
Placement = Literal["centroid"]

_TABLE_SUFFIXES = (
    ".csv",
    ".tsv",
    ".tab",
    ".txt",
    ".xls",
    ".xlsx",
    ".xlsm",
    ".ods",
    ".parquet",
    ".pq",
)

#: Sheet and columns of INEP's IES register (Censo da Educação Superior).
INEP_SHEET = "IES_2000_2010_UF_EDUCA_FIM"
_INEP_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("codigo ies", "codigo da ies", "co ies"),
    "name": (
        "nome da ies instituicao de ensino superior",
        "nome da ies",
        "no ies",
    ),
    "code": ("codigo do municipio", "co municipio", "codigo municipio"),
    "type": ("tipo de instituicao", "categoria administrativa"),
    "status": ("condicao de funcionamento", "situacao de funcionamento"),
    "dependency": (
        "nome da dependencia administrativa",
        "dependencia administrativa",
    ),
}


def _check_choice(value: Any, allowed: Iterable[Any], argument: str) -> None:
    allowed = list(allowed)
    if value not in allowed:
        raise ConfigError(
            f"{argument}={value!r} is not valid; use one of "
            f"{', '.join(repr(a) for a in allowed)}"
        )


def _type_code(value: Any) -> str | None:
    """Return the taxonomy code a map value names (``"federal institute"`` ok)."""
    if is_missing(value):
        return None
    folded = normalize_text(value)
    for code in INSTITUTION_TYPES:
        if folded == normalize_text(code):
            return code
    return None


def load_type_map(
    type_map: Mapping[str, str] | str | Path | None = None,
    *,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Build the category -> taxonomy mapping: ``type_map`` merged over the default.

    Parameters
    ----------
    type_map
        A dict from source category to taxonomy code, or the path of a CSV
        (or Excel) table with columns ``source`` and ``type``. Categories are
        folded (lower case, no accents, single spaces), so ``"Faculdade"``
        and ``"FACULDADE"`` are the same entry. Types may be written as the
        codes (``federal_institute``) or with spaces.
    base
        The mapping to merge over; :data:`DEFAULT_TYPE_MAP` when None.

    Returns
    -------
    dict
        Folded category -> taxonomy code.

    Raises
    ------
    ConfigError
        A dict entry maps to something outside the taxonomy.
    InputError
        The CSV lacks the columns, or a row is empty or names an unknown type
        (naming the rows).

    Examples
    --------
    >>> m = load_type_map({"Núcleo de Inovação": "technology park"})
    >>> m["nucleo de inovacao"], m["universidade"]
    ('technology_park', 'university')
    """
    merged = dict(DEFAULT_TYPE_MAP if base is None else base)
    if type_map is None:
        return merged
    if isinstance(type_map, Mapping):
        bad = {key: value for key, value in type_map.items() if not _type_code(value)}
        if bad:
            shown = format_items(f"{key!r}: {value!r}" for key, value in bad.items())
            raise ConfigError(
                f"type_map maps {len(bad)} categor(ies) to unknown types ({shown}); "
                f"types must be one of {', '.join(INSTITUTION_TYPES)}"
            )
        merged.update(
            {normalize_text(key): _type_code(value) for key, value in type_map.items()}  # type: ignore[misc]
        )
        return merged
    path = check_file(type_map)
    source = str(path)
    frame = read_table(path, text_columns=("source", "type"))
    require_columns(frame.columns, {"type_map": "source"}, source)
    require_columns(frame.columns, {"type_map": "type"}, source)
    empty = [
        i + 2
        for i, (key, value) in enumerate(
            zip(frame["source"], frame["type"], strict=True)
        )
        if is_missing(key) or is_missing(value)
    ]
    if empty:
        raise InputError(
            f"{source}: {len(empty)} row(s) have an empty 'source' or 'type' "
            f"(rows {format_items(empty)}); fill them in or remove them"
        )
    wrong = [
        (i + 2, value)
        for i, value in enumerate(frame["type"])
        if _type_code(value) is None
    ]
    if wrong:
        raise InputError(
            f"{source}: column 'type' has {len(wrong)} value(s) outside the "
            f"taxonomy (rows {format_items(row for row, _ in wrong)}: "
            f"{format_quoted(value for _, value in wrong)}); use one of "
            f"{', '.join(INSTITUTION_TYPES)}"
        )
    entries = {
        normalize_text(key): _type_code(value)
        for key, value in zip(frame["source"], frame["type"], strict=True)
    }
    logger.info("%s: %d type map entries", source, len(entries))
    merged.update(entries)  # type: ignore[arg-type]
    return merged


def classify_types(
    source_types: Sequence[Any],
    names: Sequence[Any] | None = None,
    type_map: Mapping[str, str] | None = None,
    *,
    name_rules: bool = True,
) -> tuple[list[str | None], Counter[str]]:
    """Map source categories onto the taxonomy.

    Parameters
    ----------
    source_types
        The categories as written in the source.
    names
        Institution names for :data:`NAME_RULES` (a generic ``university``
        or ``other`` whose name says "Instituto Federal" or "CEFET" becomes
        ``federal_institute``); None skips the rules.
    type_map
        Folded category -> code (see :func:`load_type_map`); the default map
        when None.
    name_rules
        Apply :data:`NAME_RULES`.

    Returns
    -------
    (list, Counter)
        One code per record (None where the category is unknown) and the
        unknown categories with their counts (empty cells count as
        ``"(empty)"``).

    Examples
    --------
    >>> codes, unknown = classify_types(
    ...     ["Universidade", "PÚBLICA", "SENAI", "fablab"],
    ...     ["USP", "INSTITUTO FEDERAL DE SÃO PAULO", "Senai Franca", "Lab X"],
    ...     load_type_map(base={**DEFAULT_TYPE_MAP, **INEP_TYPE_MAP}))
    >>> codes, dict(unknown)
    (['university', 'federal_institute', 'technical_school', None], {'fablab': 1})
    """
    mapping = DEFAULT_TYPE_MAP if type_map is None else type_map
    codes: list[str | None] = []
    unknown: Counter[str] = Counter()
    for position, value in enumerate(source_types):
        key = "" if is_missing(value) else normalize_text(value)
        code = mapping.get(key)
        if code is None:
            unknown["(empty)" if not key else str(value).strip()] += 1
        elif name_rules and names is not None and code in ("university", "other"):
            name = names[position]
            folded = f" {normalize_text(name)} " if not is_missing(name) else ""
            for phrase, rule_code in NAME_RULES:
                if f" {phrase} " in folded:
                    code = rule_code
                    break
        codes.append(code)
    return codes, unknown


def _prepare_boundaries(boundaries: Any, target: CRS) -> gpd.GeoDataFrame:
    if not isinstance(boundaries, gpd.GeoDataFrame):
        raise ConfigError(
            f"boundaries must be a GeoDataFrame (read it with "
            f"lps_geo.io.read_boundaries), got {type(boundaries).__name__}"
        )
    if boundaries.crs is None:
        raise CRSError(
            "boundaries have no CRS; read them with lps_geo.io.read_boundaries "
            "or set one with .set_crs(...)"
        )
    out = boundaries
    if not out.crs.equals(target):
        out = out.to_crs(target)
    out = out.copy()
    out.index = pd.Index([str(code) for code in out.index], name="region")
    return out


def _match_codes(codes: Sequence[str], boundary_codes: pd.Index) -> dict[str, str]:
    """6-digit RAIS codes -> 7-digit boundary codes when that is the layout."""
    lengths = {len(code) for code in codes}
    if lengths == {6} and set(boundary_codes.str.len()) == {7}:
        logger.info("6-digit municipality codes matched to the 7-digit boundaries")
        return match_rais6(codes, boundary_codes)
    return {}


def _as_point(geometry: BaseGeometry | None) -> Point | None | bool:
    """Point, None for missing/empty, False for a non-point geometry."""
    if geometry is None or geometry.is_empty:
        return None
    if isinstance(geometry, Point):
        return geometry
    if isinstance(geometry, MultiPoint) and len(geometry.geoms) == 1:
        return geometry.geoms[0]
    return False


def _new_report(source: str, n_read: int) -> dict[str, Any]:
    return {
        "source": source,
        "n_read": int(n_read),
        "n_kept": 0,
        "n_unknown_type": 0,
        "unknown_types": {},
        "n_missing_coordinates": 0,
        "n_placed_at_centroid": 0,
        "n_outside": 0,
        "outside_ids": [],
        "n_unmatched_codes": 0,
        "unmatched_codes": [],
        "dropped_ids": [],
        "n_dropped": 0,
    }


def _assemble(
    records: pd.DataFrame,
    points: list[Point | None],
    *,
    source: str,
    rows: list[int],
    unit: str,
    type_label: str,
    boundaries: gpd.GeoDataFrame | None,
    target: CRS,
    type_map: dict[str, str],
    unknown_types: str,
    name_rules: bool,
    outside: str,
    unmatched: str,
    coordinate_hint: str | None,
    allow_unplaced: bool,
    report: dict[str, Any],
    extra_columns: Sequence[str] = (),
) -> gpd.GeoDataFrame:
    """Type mapping, placement, spatial join and the report, shared by readers.

    ``records`` holds ``_id``, ``name``, ``source_type``, ``code`` (str or
    None), ``weight`` and ``extra_columns``; ``points`` the point of each
    record in ``target`` (None when it has none); ``rows`` the row numbers
    named in messages.
    """
    ids = records["_id"].tolist()
    n = len(records)

    # types
    types, unknown = classify_types(
        records["source_type"].tolist(),
        records["name"].tolist(),
        type_map,
        name_rules=name_rules,
    )
    if unknown:
        listed = ", ".join(
            f"{category!r} ({count})" for category, count in unknown.most_common()
        )
        total = sum(unknown.values())
        report["n_unknown_type"] = int(total)
        report["unknown_types"] = {str(k): int(v) for k, v in unknown.items()}
        if unknown_types == "raise":
            raise InputError(
                f"{source}: column {type_label!r} has {total} record(s) with "
                f"{len(unknown)} unknown institution type(s): {listed}; pass "
                "type_map= (a dict or a CSV with columns source,type mapping "
                f"them to {', '.join(INSTITUTION_TYPES)}) or unknown_types='other'"
            )
        warnings.warn(
            f"{source}: column {type_label!r}: {total} record(s) with unknown "
            f"institution type(s) mapped to 'other': {listed}; pass type_map= "
            "to classify them",
            MissingCodesWarning,
            stacklevel=3,
        )
        types = [code if code is not None else "other" for code in types]

    # placement
    codes: list[str | None] = [
        None if is_missing(code) else str(code) for code in records["code"]
    ]
    lacking = [i for i in range(n) if points[i] is None]
    no_code = [i for i in lacking if codes[i] is None]
    if coordinate_hint is not None:
        report["n_missing_coordinates"] = len(lacking)
    if no_code:
        shown_rows = format_items(rows[i] for i in no_code)
        shown_ids = format_items(ids[i] for i in no_code)
        what = (
            "no coordinates" if coordinate_hint is not None else "no municipality code"
        )
        fix = (
            f"fill in {coordinate_hint}, pass code_column= (with boundaries=) to "
            "place them at their municipality, or remove them"
            if coordinate_hint is not None
            else "fill in the codes or remove those rows"
        )
        raise InputError(
            f"{source}: {len(no_code)} record(s) have {what}: {unit}(s) "
            f"{shown_rows} (ids {shown_ids}); {fix}"
        )
    if coordinate_hint is not None and lacking:
        logger.info(
            "%s: %d record(s) without coordinates placed by municipality code",
            source,
            len(lacking),
        )

    keep = np.ones(n, dtype=bool)
    located: list[str | None] = ["point" if p is not None else None for p in points]
    region: list[str | None] = [None] * n
    geometry: list[Point | None] = list(points)

    if boundaries is not None:
        index = boundaries.index
        given = sorted({code for code in codes if code is not None})
        rename = _match_codes(given, index)
        codes = [rename.get(c, c) if c is not None else None for c in codes]
        known = set(index)
        absent = sorted({codes[i] for i in lacking if codes[i] not in known})  # type: ignore[type-var]
        if absent:
            n_rows = sum(1 for i in lacking if codes[i] in set(absent))
            report["n_unmatched_codes"] = n_rows
            report["unmatched_codes"] = list(absent)
            message = (
                f"{source}: {len(absent)} municipality code(s) of {n_rows} "
                f"record(s) are not in the boundaries: {format_items(absent)}"
            )
            if unmatched == "raise":
                raise InputError(
                    message + "; fix the codes, use boundaries that cover them, "
                    "or pass unmatched='drop'"
                )
            warnings.warn(
                message + "; those records were dropped",
                MissingCodesWarning,
                stacklevel=3,
            )
            for i in lacking:
                if codes[i] not in known:
                    keep[i] = False
        anchors = boundaries.geometry.representative_point()
        for i in lacking:
            if keep[i]:
                geometry[i] = anchors.loc[codes[i]]
                located[i] = "centroid"
                region[i] = codes[i]
        # spatial join of real points
        with_point = [i for i in range(n) if points[i] is not None]
        if with_point:
            query = np.array([points[i] for i in with_point], dtype=object)
            hit_in, hit_tree = boundaries.sindex.query(query, predicate="intersects")
            order = np.lexsort((hit_tree, hit_in))
            found: dict[int, str] = {}
            for k in order:
                found.setdefault(int(hit_in[k]), index[int(hit_tree[k])])
            disagree = 0
            out_pos = []
            for k, i in enumerate(with_point):
                if k in found:
                    region[i] = found[k]
                    if codes[i] is not None and codes[i] != found[k]:
                        disagree += 1
                else:
                    out_pos.append(i)
            if disagree:
                logger.info(
                    "%s: %d point(s) lie in another municipality than their "
                    "code says; region is the municipality containing the point",
                    source,
                    disagree,
                )
            if out_pos:
                out_ids = [ids[i] for i in out_pos]
                report["n_outside"] = len(out_pos)
                report["outside_ids"] = out_ids
                action = (
                    "dropped (pass outside='keep' to keep them with no region)"
                    if outside == "drop"
                    else "kept with no region"
                )
                warnings.warn(
                    f"{source}: {len(out_pos)} institution(s) lie outside the "
                    f"study area (the union of the boundaries), ids "
                    f"{format_items(out_ids)}; {action}",
                    LpsGeoWarning,
                    stacklevel=3,
                )
                if outside == "drop":
                    keep[out_pos] = False
    else:
        if lacking and not allow_unplaced:
            raise ConfigError(
                f"{source}: {len(lacking)} record(s) are known only by their "
                "municipality code; pass boundaries= (read with "
                "lps_geo.io.read_boundaries) to place them at the municipality"
            )
        region = list(codes)
        if lacking:
            logger.info(
                "%s: no boundaries given; %d record(s) keep their municipality "
                "code but have no geometry",
                source,
                len(lacking),
            )

    report["n_placed_at_centroid"] = int(
        sum(1 for i in range(n) if keep[i] and located[i] == "centroid")
    )
    dropped = [ids[i] for i in range(n) if not keep[i]]
    report["dropped_ids"] = report.get("dropped_ids", []) + dropped
    report["n_dropped"] = len(report["dropped_ids"])
    report["n_kept"] = int(keep.sum())

    columns: dict[str, Any] = {
        "name": pd.Series(records["name"].to_numpy()[keep], dtype="str"),
        "type": pd.Series(np.asarray(types, dtype=object)[keep], dtype="str"),
        "source_type": pd.Series(records["source_type"].to_numpy()[keep], dtype="str"),
        "region": pd.Series(np.asarray(region, dtype=object)[keep], dtype=object),
        "located": pd.Series(np.asarray(located, dtype=object)[keep], dtype=object),
        "weight": records["weight"].to_numpy(dtype=float)[keep],
    }
    for column in extra_columns:
        columns[column] = records[column].to_numpy()[keep]
    inst_index = pd.Index(
        [str(i) for i in np.asarray(ids, dtype=object)[keep]], name="inst_id"
    )
    table = pd.DataFrame(
        {key: np.asarray(value, dtype=object) for key, value in columns.items()},
        index=inst_index,
    )
    for column in ("name", "type", "source_type", "region", "located"):
        table[column] = table[column].astype("str")  # missing stays NaN
    table["weight"] = table["weight"].astype(float)
    out = gpd.GeoDataFrame(
        table,
        geometry=gpd.GeoSeries(
            np.asarray(geometry, dtype=object)[keep], index=inst_index, crs=target
        ),
    )
    out.attrs["report"] = report
    counts = out["type"].value_counts()
    logger.info(
        "%s: %d institution(s) (%s)",
        source,
        len(out),
        ", ".join(f"{k} {v}" for k, v in counts.items()),
    )
    return out


def _ids(frame: pd.DataFrame, id_column: str | None, source: str, unit: str, rows):
    if id_column is None:
        return [str(i + 1) for i in range(len(frame))]
    ids = [clean_code(value) for value in frame[id_column]]
    empty = [rows[i] for i, value in enumerate(ids) if value is None]
    if empty:
        raise InputError(
            f"{source}: column {id_column!r} has {len(empty)} empty id(s) in "
            f"{unit}(s) {format_items(empty)}; fill them in or pass id_column=None"
        )
    repeated = sorted({value for value in ids if ids.count(value) > 1})
    if repeated:
        raise InputError(
            f"{source}: column {id_column!r} has {len(repeated)} repeated id(s): "
            f"{format_quoted(repeated)}; ids must be unique (or pass id_column=None)"
        )
    return ids


def _codes(frame: pd.DataFrame, code_column: str | None, source: str, unit: str, rows):
    if code_column is None:
        return [None] * len(frame)
    codes = [clean_code(value) for value in frame[code_column]]
    bad = [
        (rows[i], code)
        for i, code in enumerate(codes)
        if code is not None and not code.isdigit()
    ]
    if bad:
        raise InputError(
            f"{source}: column {code_column!r} has {len(bad)} value(s) that are "
            f"not municipality codes ({unit}s {format_items(r for r, _ in bad)}: "
            f"{format_quoted(c for _, c in bad)}); use IBGE codes (digits only)"
        )
    return codes


def _weights(
    frame: pd.DataFrame, weight_column: str | None, source: str, unit: str, rows
) -> np.ndarray:
    if weight_column is None:
        return np.ones(len(frame))
    values = parse_numbers(frame, [weight_column], source=source)[
        weight_column
    ].to_numpy()
    empty = [rows[i] for i in np.flatnonzero(np.isnan(values))]
    if empty:
        raise InputError(
            f"{source}: column {weight_column!r} has {len(empty)} empty weight(s) "
            f"in {unit}(s) {format_items(empty)}; fill them in (0 is allowed)"
        )
    negative = [rows[i] for i in np.flatnonzero(values < 0)]
    if negative:
        raise InputError(
            f"{source}: column {weight_column!r} has {len(negative)} negative "
            f"weight(s) in {unit}(s) {format_items(negative)}; weights must be >= 0"
        )
    return values


def read_institutions(
    path: str | Path,
    *,
    type_column: str = "type",
    name_column: str | None = "name",
    x_column: str | None = None,
    y_column: str | None = None,
    crs: str | int | None = None,
    code_column: str | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    placement: Placement = "centroid",
    type_map: Mapping[str, str] | str | Path | None = None,
    unknown_types: UnknownTypes = "raise",
    weight_column: str | None = None,
    layer: str | int | None = None,
    sep: str | None = None,
    encoding: str | None = None,
    target_crs: str | int = DEFAULT_CRS,
    id_column: str | None = None,
    outside: Outside = "drop",
    unmatched: Unmatched = "raise",
    name_rules: bool = True,
    keep_columns: Sequence[str] = (),
    sheet_name: str | int = 0,
    decimal: str = ".",
) -> gpd.GeoDataFrame:
    """Read an institution register into the canonical institutions layer.

    The capability side of Suzigan, Furtado & Garcia (2006) counts the
    universities, schools, research centres and technology-support bodies
    near each local production system; this reader accepts the forms such
    registers come in:

    * a vector file of points (any GDAL format) with a CRS (or ``crs=``);
    * a table (CSV/TSV, Excel, Parquet) with coordinate columns
      ``x_column``/``y_column`` (lon/lat or projected x/y) and ``crs=``;
    * a table with only a municipality code (``code_column``): the record is
      placed at its municipality's representative point (a point guaranteed
      inside the polygon; ``located="centroid"``). IBGE's boundary files do
      not carry the municipal seats, so the representative point stands for
      the seat; measures at the municipal level are unaffected, distances
      carry an error of the order of the municipality's size.

    When a table or layer has coordinates and ``code_column`` too, records
    without coordinates fall back to placement by code; without
    ``code_column`` they are an error.

    Parameters
    ----------
    path
        The register.
    type_column
        Column with the source category, mapped onto :data:`INSTITUTION_TYPES`
        through ``type_map`` merged over :data:`DEFAULT_TYPE_MAP`.
    name_column
        Column with the institution's name (None uses the id).
    x_column, y_column
        Coordinate columns (longitude/latitude for a geographic ``crs``).
    crs
        CRS of the coordinates; required for tables with coordinates and for
        vector files that do not declare one (overrides a declared one).
    code_column
        Column with the municipality code (7-digit IBGE; 6-digit RAIS codes
        are matched to 7-digit boundaries).
    boundaries
        Municipalities (from :func:`~lps_geo.io.read_boundaries`): used to
        place records by code, to find the municipality containing each
        point (``region``) and to find points outside the study area.
    placement
        Where records known by code are placed: ``"centroid"`` (the
        representative point). Placement at the seat is not available.
    type_map
        Extra category -> type entries: a dict, or a CSV with columns
        ``source,type`` (see :func:`load_type_map`).
    unknown_types
        Categories absent from the map: ``"raise"`` an InputError listing
        them with their counts, or map them to ``"other"`` with a
        :class:`~lps_geo.errors.MissingCodesWarning`.
    weight_column
        Numeric column with a weight (courses, enrolments, researchers);
        1.0 for every record when None.
    layer
        Layer of a multi-layer vector file.
    sep, encoding, sheet_name, decimal
        CSV separator and encoding (sniffed when None), Excel sheet, decimal
        mark of CSV numbers.
    target_crs
        Projected CRS of the result.
    id_column
        Column with a unique id, the index ``inst_id``; the 1-based record
        number when None.
    outside
        Points outside the union of ``boundaries``: ``"drop"`` (default) or
        ``"keep"`` them with no ``region``; either way a warning names
        how many and which ids, and the report counts them.
    unmatched
        Records placed by code whose code is not in ``boundaries``:
        ``"raise"`` an InputError naming the codes, or ``"drop"`` them with a
        warning.
    name_rules
        Refine generic ``university``/``other`` records whose name contains
        "Instituto Federal", "CEFET" ... (:data:`NAME_RULES`).
    keep_columns
        Further columns of the source to carry into the result.

    Returns
    -------
    GeoDataFrame
        The canonical institutions layer (index ``inst_id``; columns
        ``name``, ``type``, ``source_type``, ``region``, ``located``,
        ``weight`` and ``keep_columns``; points in ``target_crs``).
        ``attrs["report"]`` holds ``n_read``, ``n_kept``, ``n_unknown_type``
        and ``unknown_types`` (category -> count), ``n_missing_coordinates``
        (records of a coordinate source without coordinates, placed by code),
        ``n_placed_at_centroid``, ``n_outside`` and ``outside_ids`` (0 and
        empty without boundaries), ``n_unmatched_codes`` and
        ``unmatched_codes``, ``dropped_ids`` and ``n_dropped``.

    Raises
    ------
    InputError
        Missing columns, unknown types (with ``unknown_types="raise"``),
        records without coordinates nor code (naming the rows), codes not in
        the boundaries (with ``unmatched="raise"``), non-point geometries,
        coordinates out of range, bad weights.
    CRSError
        Coordinates without a CRS; a geographic ``target_crs``.
    ConfigError
        Invalid options; records placed by code without ``boundaries``.

    Warns
    -----
    MissingCodesWarning
        Unknown types mapped to ``"other"``; codes dropped.
    LpsGeoWarning
        Points outside the study area.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from shapely.geometry import box
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "inst.csv").write_text(
    ...     "name,kind,lon,lat\\nUSP,Universidade,-46.73,-23.56\\n"
    ...     "Senai,SENAI,-46.60,-23.50\\n")
    >>> gdf = read_institutions(folder / "inst.csv", type_column="kind",
    ...                         x_column="lon", y_column="lat", crs="EPSG:4326")
    >>> gdf[["name", "type", "located"]]
              name              type located
    inst_id
    1          USP        university   point
    2        Senai  technical_school   point
    >>> gdf.crs.to_epsg()
    5880
    """
    _check_choice(placement, get_args(Placement), "placement")
    _check_choice(unknown_types, get_args(UnknownTypes), "unknown_types")
    _check_choice(outside, get_args(Outside), "outside")
    _check_choice(unmatched, get_args(Unmatched), "unmatched")
    if (x_column is None) != (y_column is None):
        raise ConfigError(
            "pass both x_column= and y_column= (or neither, for a point layer "
            "or a table placed by code_column=)"
        )
    target = projected_crs(target_crs)
    path = check_file(path)
    source = str(path)
    mapping = load_type_map(type_map)
    bounds = _prepare_boundaries(boundaries, target) if boundaries is not None else None

    as_table = x_column is not None or path.suffix.lower() in _TABLE_SUFFIXES
    points: list[Point | None]
    coordinate_hint: str | None
    if as_table:
        text = tuple(c for c in (code_column, id_column, type_column) if c)
        frame = read_table(
            path,
            text_columns=text,
            sep=sep,
            encoding=encoding,
            sheet_name=sheet_name,
            decimal=decimal,
        )
        unit, rows = "row", [i + 2 for i in range(len(frame))]
    else:
        frame = _read_vector(path, layer)
        unit, rows = "feature", [i + 1 for i in range(len(frame))]
    if len(frame) == 0:
        raise InputError(f"{source}: the register has no records")
    require_columns(
        frame.columns,
        {
            "type_column": type_column,
            "name_column": name_column,
            "code_column": code_column,
            "weight_column": weight_column,
            "id_column": id_column,
            "x_column": x_column,
            "y_column": y_column,
        },
        source,
    )
    for column in keep_columns:
        require_columns(frame.columns, {"keep_columns": column}, source)

    ids = _ids(frame, id_column, source, unit, rows)
    if as_table and x_column is not None:
        if crs is None:
            raise CRSError(
                f"{source}: coordinates in {x_column!r}/{y_column!r} need crs=; "
                "e.g. crs='EPSG:4326' for longitude/latitude in degrees, or the "
                "EPSG code of projected x/y"
            )
        given = _parse_crs(crs, "crs")
        xy = parse_numbers(frame, [x_column, y_column], source=source)
        x = xy[x_column].to_numpy()
        y = xy[y_column].to_numpy()
        present = ~(np.isnan(x) | np.isnan(y))
        if given.is_geographic:
            wrong = present & ((np.abs(x) > 180) | (np.abs(y) > 90))
            if wrong.any():
                shown = format_items(rows[i] for i in np.flatnonzero(wrong))
                raise InputError(
                    f"{source}: {int(wrong.sum())} row(s) have coordinates out "
                    f"of range for {given.name} (longitude within +-180, "
                    f"latitude within +-90): rows {shown}; check x_column/"
                    "y_column (swapped?) and crs (projected metres?)"
                )
        projected = gpd.GeoSeries(
            gpd.points_from_xy(np.where(present, x, 0.0), np.where(present, y, 0.0)),
            crs=given,
        ).to_crs(target)
        points = [projected.iloc[i] if present[i] else None for i in range(len(frame))]
        coordinate_hint = f"{x_column!r}/{y_column!r}"
    elif as_table:
        if code_column is None:
            raise ConfigError(
                f"{source}: a table needs x_column= and y_column= (with crs=) "
                "or code_column= (with boundaries=) to place the institutions"
            )
        points = [None] * len(frame)
        coordinate_hint = None
    else:
        if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.isna().all():
            if code_column is None:
                raise InputError(
                    f"{source}: the layer has no point geometries; pass "
                    "code_column= (with boundaries=) to place the records"
                )
            points = [None] * len(frame)
            coordinate_hint = None
        else:
            if crs is not None:
                declared = frame.crs
                given = _parse_crs(crs, "crs")
                if declared is not None and not declared.equals(given):
                    logger.warning(
                        "%s: declares CRS %s; using crs=%s instead as requested",
                        source,
                        declared.to_string(),
                        given.to_string(),
                    )
                frame = frame.set_crs(given, allow_override=True)
            elif frame.crs is None:
                raise CRSError(
                    f"{source} has no CRS; pass crs=... (e.g. 'EPSG:4674' for "
                    "SIRGAS 2000 lon/lat)"
                )
            converted = [_as_point(g) for g in frame.geometry.to_crs(target)]
            wrong = [i for i, p in enumerate(converted) if p is False]
            if wrong:
                kinds = sorted({str(frame.geometry.iloc[i].geom_type) for i in wrong})
                raise InputError(
                    f"{source}: {len(wrong)} feature(s) are not points (ids "
                    f"{format_items(ids[i] for i in wrong)}; types "
                    f"{format_quoted(kinds)}); institutions must be a Point "
                    "layer -- convert polygons with representative_point()"
                )
            points = converted  # type: ignore[assignment]
            coordinate_hint = "the point geometry"

    records = pd.DataFrame(
        {
            "_id": ids,
            "name": (
                [
                    ids[i] if is_missing(v) else str(v).strip()
                    for i, v in enumerate(frame[name_column])
                ]
                if name_column is not None
                else ids
            ),
            "source_type": [
                "" if is_missing(v) else str(v).strip() for v in frame[type_column]
            ],
            "code": _codes(frame, code_column, source, unit, rows),
            "weight": _weights(frame, weight_column, source, unit, rows),
        }
    )
    for column in keep_columns:
        records[column] = frame[column].to_numpy()
    report = _new_report(source, len(frame))
    return _assemble(
        records,
        points,
        source=source,
        rows=rows,
        unit=unit,
        type_label=type_column,
        boundaries=bounds,
        target=target,
        type_map=mapping,
        unknown_types=unknown_types,
        name_rules=name_rules,
        outside=outside,
        unmatched=unmatched,
        coordinate_hint=coordinate_hint,
        allow_unplaced=False,
        report=report,
        extra_columns=keep_columns,
    )


def _find_columns(
    columns: Sequence[Any], wanted: Mapping[str, tuple[str, ...]], source: str
) -> dict[str, str]:
    folded = {normalize_text(column): str(column) for column in columns}
    found: dict[str, str] = {}
    for key, candidates in wanted.items():
        for candidate in candidates:
            if candidate in folded:
                found[key] = folded[candidate]
                break
        else:
            raise InputError(
                f"{source}: no column for the INEP {key!r} field (looked for "
                f"{format_quoted(candidates)}); available columns: "
                f"{format_quoted([str(c) for c in columns], max_shown=12)} -- is "
                "this the INEP IES register? Use read_institutions for other "
                "layouts"
            )
    return found


def read_inep_ies(
    path: str | Path,
    boundaries: gpd.GeoDataFrame | None = None,
    active_only: bool = True,
    type_map: Mapping[str, str] | str | Path | None = None,
    *,
    unknown_types: UnknownTypes = "raise",
    sheet_name: str | int | None = None,
    target_crs: str | int = DEFAULT_CRS,
) -> gpd.GeoDataFrame:
    """Read INEP's register of higher-education institutions (IES).

    The register of the Censo da Educação Superior (as compiled by DataViva,
    ``Tabela IES 2013.xls``; sheet ``IES_2000_2010_UF_EDUCA_FIM``) lists each
    institution with its municipality code (7-digit IBGE: the seat of the
    institution, not its campuses), administrative category, dependency and
    status. It is the "universities" layer of the capability analysis of
    Suzigan, Furtado & Garcia (2006).

    Records carry no coordinates: they are placed at the representative
    point of their municipality (``located="centroid"``). The type comes from
    ``Tipo de Instituição`` (PÚBLICA / PRIVADA -> ``university``, colleges
    included; see :data:`INEP_TYPE_MAP`) refined by the name: "INSTITUTO
    FEDERAL", "CEFET" and "Centro Federal de Educação Tecnológica" ->
    ``federal_institute`` (:data:`NAME_RULES`).

    Parameters
    ----------
    path
        The register (Excel, or a CSV with the same columns).
    boundaries
        Municipalities (from :func:`~lps_geo.io.read_boundaries`). Records
        whose code is not among them are dropped with a warning (a national
        register read against one state is normal). Without boundaries the
        records keep their code in ``region`` but get no geometry
        (``located`` None): enough for counts per municipality.
    active_only
        Keep only institutions whose ``Condição de Funcionamento`` is
        ``ATIVA``.
    type_map
        Extra category -> type entries (see :func:`load_type_map`).
    unknown_types
        As in :func:`read_institutions`.
    sheet_name
        Excel sheet; ``IES_2000_2010_UF_EDUCA_FIM`` when present, else the
        first sheet holding the register's columns.
    target_crs
        Projected CRS of the result.

    Returns
    -------
    GeoDataFrame
        The canonical institutions layer indexed by the INEP code
        (``inst_id``), with ``dependency`` (administrative dependency:
        FEDERAL, ESTADUAL, MUNICIPAL, PRIVADA) and ``status`` (ATIVA,
        INATIVA) columns. ``attrs["report"]`` adds ``n_inactive`` (dropped by
        ``active_only``), ``n_missing_code`` (records without a numeric
        municipality code, dropped) and ``n_not_in_boundaries`` to the keys
        of :func:`read_institutions`.

    Warns
    -----
    MissingCodesWarning
        Records without a municipality code, or whose code is not in the
        boundaries (both dropped and counted).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ies.csv"
    >>> _ = path.write_text(
    ...     "Codigo IES;Nome da IES - Instituição de Ensino Superior;"
    ...     "Código do Município;Tipo de Instituição;Condição de Funcionamento;"
    ...     "Nome da Dependência Administrativa\\n"
    ...     "55;UNIVERSIDADE DE SÃO PAULO;3550308;PÚBLICA;ATIVA;ESTADUAL\\n"
    ...     "1810;INSTITUTO FEDERAL DE SÃO PAULO;3550308;PÚBLICA;ATIVA;FEDERAL\\n"
    ...     "99;FACULDADE X;3509502;PRIVADA;INATIVA;PRIVADA\\n")
    >>> ies = read_inep_ies(path)
    >>> ies[["type", "region", "dependency"]]
                          type   region dependency
    inst_id
    55              university  3550308   ESTADUAL
    1810     federal_institute  3550308    FEDERAL
    >>> ies.attrs["report"]["n_inactive"]
    1
    """
    target = projected_crs(target_crs)
    path = check_file(path)
    source = str(path)
    _check_choice(unknown_types, get_args(UnknownTypes), "unknown_types")
    mapping = load_type_map(type_map, base={**DEFAULT_TYPE_MAP, **INEP_TYPE_MAP})
    bounds = _prepare_boundaries(boundaries, target) if boundaries is not None else None

    sheet: str | int = 0 if sheet_name is None else sheet_name
    if sheet_name is None and path.suffix.lower() in (".xls", ".xlsx", ".xlsm", ".ods"):
        headers = read_excel(path, sheet_name=None, nrows=0)
        if INEP_SHEET in headers:
            sheet = INEP_SHEET
        else:
            for name, header in headers.items():
                folded = {normalize_text(c) for c in header.columns}
                if all(
                    any(c in folded for c in options)
                    for options in _INEP_COLUMNS.values()
                ):
                    sheet = name
                    break
            else:
                raise InputError(
                    f"{source}: no sheet holds the INEP IES register columns "
                    f"(sheets: {format_quoted(list(headers))}); pass sheet_name="
                )
    header = read_table(path, sheet_name=sheet).columns
    found = _find_columns(header, _INEP_COLUMNS, source)
    frame = read_table(
        path,
        sheet_name=sheet,
        text_columns=(found["id"], found["code"], found["type"]),
    )
    source_label = f"{source} [{sheet}]" if isinstance(sheet, str) else source

    ids = [clean_code(value) for value in frame[found["id"]]]
    names = frame[found["name"]]
    # footer lines ("Fonte: MEC/Inep/DEED") and the "not registered" placeholder
    placeholder = names.map(
        lambda v: (
            not is_missing(v)
            and normalize_text(v).startswith("instituicao nao cadastrada")
        )
    ).to_numpy(dtype=bool)
    valid = (
        np.array([code is not None and code.isdigit() for code in ids], dtype=bool)
        & ~placeholder
    )
    if (~valid).any():
        logger.info(
            "%s: skipped %d footer/placeholder row(s)",
            source_label,
            int((~valid).sum()),
        )
    frame = frame.loc[valid].reset_index(drop=True)
    rows = [int(i) + 2 for i in np.flatnonzero(valid)]
    ids = [code for code, ok in zip(ids, valid, strict=True) if ok]
    repeated = sorted({code for code, n in Counter(ids).items() if n > 1})
    if repeated:
        raise InputError(
            f"{source_label}: column {found['id']!r} repeats {len(repeated)} "
            f"institution code(s): {format_items(repeated)}; fix the register"
        )
    n_read = len(frame)
    status = frame[found["status"]].map(
        lambda v: "" if is_missing(v) else str(v).strip()
    )
    n_inactive = 0
    if active_only:
        active = (status.map(normalize_text) == "ativa").to_numpy()
        n_inactive = int((~active).sum())
        frame = frame.loc[active].reset_index(drop=True)
        status = status.loc[active].reset_index(drop=True)
        rows = [r for r, ok in zip(rows, active, strict=True) if ok]
        ids = [code for code, ok in zip(ids, active, strict=True) if ok]
        logger.info(
            "%s: kept %d active institution(s), skipped %d inactive",
            source_label,
            len(frame),
            n_inactive,
        )
    codes = [clean_code(value) for value in frame[found["code"]]]
    has_code = np.array([c is not None and c.isdigit() for c in codes], dtype=bool)
    no_code_ids = [ids[i] for i in np.flatnonzero(~has_code)]
    if no_code_ids:
        warnings.warn(
            f"{source_label}: {len(no_code_ids)} institution(s) have no numeric "
            f"municipality code in column {found['code']!r} (ids "
            f"{format_items(no_code_ids)}); they were dropped",
            MissingCodesWarning,
            stacklevel=2,
        )
    frame = frame.loc[has_code].reset_index(drop=True)
    status = status.loc[has_code].reset_index(drop=True)
    rows = [r for r, ok in zip(rows, has_code, strict=True) if ok]
    ids = [code for code, ok in zip(ids, has_code, strict=True) if ok]
    codes = [code for code, ok in zip(codes, has_code, strict=True) if ok]

    records = pd.DataFrame(
        {
            "_id": ids,
            "name": [
                ids[i] if is_missing(v) else str(v).strip()
                for i, v in enumerate(frame[found["name"]])
            ],
            "source_type": [
                "" if is_missing(v) else str(v).strip() for v in frame[found["type"]]
            ],
            "code": codes,
            "weight": np.ones(len(frame)),
            "dependency": [
                None if is_missing(v) else str(v).strip()
                for v in frame[found["dependency"]]
            ],
            "status": status.tolist(),
        }
    )
    report = _new_report(source_label, n_read)
    report["n_inactive"] = n_inactive
    report["n_missing_code"] = len(no_code_ids)
    report["dropped_ids"] = list(no_code_ids)
    out = _assemble(
        records,
        [None] * len(records),
        source=source_label,
        rows=rows,
        unit="row",
        type_label=found["type"],
        boundaries=bounds,
        target=target,
        type_map=mapping,
        unknown_types=unknown_types,
        name_rules=True,
        outside="drop",
        unmatched="drop",
        coordinate_hint=None,
        allow_unplaced=True,
        report=report,
        extra_columns=("dependency", "status"),
    )
    out["dependency"] = out["dependency"].astype("str")
    out["status"] = out["status"].astype("str")
    out.attrs["report"]["n_not_in_boundaries"] = out.attrs["report"][
        "n_unmatched_codes"
    ]
    return out


def read_region_counts(
    path: str | Path,
    code_column: str,
    value_columns: str | Sequence[str],
    *,
    boundaries: gpd.GeoDataFrame | pd.Index | Sequence[str] | None = None,
    unmatched: Unmatched = "raise",
    sep: str | None = None,
    encoding: str | None = None,
    sheet_name: str | int = 0,
    decimal: str = ".",
    thousands: str | None = None,
    skiprows: int = 0,
) -> pd.DataFrame:
    """Read per-municipality counts (patents, publications, researchers ...).

    Innovation outputs are the second capability indicator of Suzigan,
    Furtado & Garcia (2006); they usually arrive as a table with one row per
    municipality. This reader validates such a table into a float DataFrame
    indexed by region code.

    Parameters
    ----------
    path
        CSV/TSV (separator sniffed), Excel or Parquet file.
    code_column
        Column with the municipality code: 7-digit IBGE codes, or 6-digit
        RAIS-style codes (without the check digit) when ``boundaries`` is
        given to match them.
    value_columns
        The count column(s).
    boundaries
        Boundaries GeoDataFrame (its index) or the region codes: codes are
        matched to them, and codes absent from them handled by ``unmatched``.
    unmatched
        Codes not in ``boundaries``: ``"raise"`` naming them or ``"drop"``
        with a :class:`~lps_geo.errors.MissingCodesWarning`.
    sep, encoding, sheet_name, decimal, thousands, skiprows
        How to read the file (see :func:`~lps_geo.io.read_long`).

    Returns
    -------
    DataFrame
        Index ``region`` (str codes, sorted), one float column per value
        column. Empty cells count as 0; rows repeating a code are summed
        (logged); total rows (code cell starting with "Total") are skipped.
        Municipalities absent from the file are absent from the result
        (``.reindex(boundaries.index, fill_value=0)`` adds them as zeros).

    Raises
    ------
    InputError
        Missing columns (listing the available ones), empty or non-numeric
        codes, codes of the wrong length, non-numeric or negative values
        (naming rows or codes), codes not in the boundaries.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "patents.csv"
    >>> _ = path.write_text("mun;patents\\n351620;3\\n355030;10\\n355030;2\\n")
    >>> read_region_counts(path, "mun", "patents",
    ...                    boundaries=["3516200", "3550308"])
             patents
    region
    3516200      3.0
    3550308     12.0
    """
    _check_choice(unmatched, get_args(Unmatched), "unmatched")
    columns = [value_columns] if isinstance(value_columns, str) else list(value_columns)
    if not columns:
        raise ConfigError("value_columns is empty; name at least one count column")
    source = str(path)
    frame = read_table(
        path,
        text_columns=(code_column,),
        sep=sep,
        encoding=encoding,
        sheet_name=sheet_name,
        decimal=decimal,
        thousands=thousands,
        skiprows=skiprows,
    )
    require_columns(frame.columns, {"code_column": code_column}, source)
    for column in columns:
        require_columns(frame.columns, {"value_columns": column}, source)
    labels = frame[code_column].map(
        lambda v: "" if is_missing(v) else normalize_text(v)
    )
    totals = labels.str.startswith("total").to_numpy(dtype=bool)
    if totals.any():
        logger.info("%s: skipped %d total row(s)", source, int(totals.sum()))
    frame = frame.loc[~totals]
    codes = normalize_region_codes(
        frame[code_column], source=source, column=code_column
    )
    values = parse_numbers(frame, columns, source=source, row_offset=2 + skiprows)
    empty = int(values.isna().to_numpy().sum())
    if empty:
        logger.info("%s: %d empty cell(s) count as 0", source, empty)
        values = values.fillna(0.0)

    if boundaries is not None:
        if isinstance(boundaries, (pd.DataFrame, pd.Series)):
            boundaries = boundaries.index
        known = pd.Index([str(code) for code in boundaries])
        rename = _match_codes(sorted(set(codes)), known)
        codes = [rename.get(code, code) for code in codes]
        absent = sorted(set(codes) - set(known))
        if absent:
            message = (
                f"{source}: {len(absent)} code(s) in column {code_column!r} are "
                f"not in the boundaries: {format_items(absent)}"
            )
            if unmatched == "raise":
                hint = (
                    " (6-digit RAIS codes are matched only when all codes have 6 "
                    "digits)"
                    if any(len(code) == 6 for code in absent)
                    else ""
                )
                raise InputError(
                    message + hint + "; fix the codes, remove those rows, or pass "
                    "unmatched='drop'"
                )
            warnings.warn(
                message + "; their rows were dropped", MissingCodesWarning, stacklevel=2
            )
            inside = np.array([code not in set(absent) for code in codes])
            values = values.loc[inside]
            codes = [code for code, ok in zip(codes, inside, strict=True) if ok]
    else:
        wrong = sorted({code for code in codes if len(code) != 7})
        if wrong:
            hint = (
                "; 6-digit RAIS codes need boundaries= to be matched to IBGE codes"
                if all(len(code) == 6 for code in wrong)
                else ""
            )
            raise InputError(
                f"{source}: column {code_column!r} has {len(wrong)} code(s) that "
                f"are not 7-digit IBGE municipality codes: {format_items(wrong)}"
                f"{hint}"
            )

    negative = values.to_numpy() < 0
    if negative.any():
        cells = [
            f"{codes[i]}/{columns[j]}"
            for i, j in zip(*np.nonzero(negative), strict=True)
        ]
        raise InputError(
            f"{source}: {len(cells)} negative count(s) at region/column "
            f"{format_items(cells)}; counts must be >= 0 -- fix the file"
        )
    values.index = pd.Index(codes, name="region")
    if values.index.has_duplicates:
        repeated = sorted(set(values.index[values.index.duplicated()]))
        logger.info(
            "%s: %d code(s) appear on several rows and were summed (%s)",
            source,
            len(repeated),
            format_items(repeated),
        )
        values = values.groupby(level=0).sum()
    values = values.astype(float).sort_index()
    values.index.name = "region"
    return values
