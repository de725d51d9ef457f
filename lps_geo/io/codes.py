"""IBGE and RAIS municipality codes: check digits, 6 <-> 7 digits, microregion forms.

Code conventions (IBGE): a municipality code has 7 digits, UF (2) + 4 digits
+ a check digit; MTE's RAIS files drop the check digit (6 digits, see
:func:`codes_6_to_7`, :func:`codes_7_to_6` and :func:`match_rais6`). Some
older meshes (fititnt/gis-dataset-brasil) code microregions with 6 digits, UF
+ mesoregion (2) + microregion (2) (see :func:`microregion_6_to_5`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import pandas as pd

from lps_geo.errors import InputError
from lps_geo.io._util import clean_code, format_items, format_quoted, is_missing
from lps_geo.vocab import Unconverted

logger = logging.getLogger(__name__)

_Codes = TypeVar("_Codes", pd.Series, pd.Index, list)

#: IBGE state (UF) code -> abbreviation (sigla); fixed since 1988.
STATE_ABBREVIATIONS: dict[str, str] = {
    "11": "RO",
    "12": "AC",
    "13": "AM",
    "14": "RR",
    "15": "PA",
    "16": "AP",
    "17": "TO",
    "21": "MA",
    "22": "PI",
    "23": "CE",
    "24": "RN",
    "25": "PB",
    "26": "PE",
    "27": "AL",
    "28": "SE",
    "29": "BA",
    "31": "MG",
    "32": "ES",
    "33": "RJ",
    "35": "SP",
    "41": "PR",
    "42": "SC",
    "43": "RS",
    "50": "MS",
    "51": "MT",
    "52": "GO",
    "53": "DF",
}

#: Municipalities whose 7th digit does not follow :func:`check_digit`
#: (measured on the 2018 DTB, 9 of 5,570): RAIS 6-digit code -> IBGE code.
CHECK_DIGIT_EXCEPTIONS: dict[str, str] = {
    "220191": "2201919",  # Bom Princípio do Piauí (PI)
    "220198": "2201988",  # Brejo do Piauí (PI)
    "220225": "2202251",  # Canavieira (PI)
    "261153": "2611533",  # Quixaba (PE)
    "311783": "3117836",  # Cônego Marinho (MG)
    "315213": "3152131",  # Ponto Chique (MG)
    "430587": "4305871",  # Coronel Barros (RS)
    "520393": "5203939",  # Buriti de Goiás (GO)
    "520396": "5203962",  # Buritinópolis (GO)
}


def check_digit(code6: Any) -> str:
    """IBGE check digit (7th digit) of a 6-digit municipality code.

    Weights 1, 2, 1, 2, 1, 2 multiply the six digits; the digits of the
    products are summed into ``s`` and the check digit is
    ``(10 - s % 10) % 10``. Nine municipalities do not follow the rule
    (:data:`CHECK_DIGIT_EXCEPTIONS`).

    Parameters
    ----------
    code6
        Six digits (str or int), e.g. a RAIS code.

    Returns
    -------
    str
        One digit.

    Raises
    ------
    InputError
        When ``code6`` is not six digits.

    Examples
    --------
    >>> check_digit("351620")  # Franca, 3516200
    '0'
    >>> check_digit(355030)  # São Paulo, 3550308
    '8'
    """
    code = clean_code(code6)
    if code is None or not (code.isdigit() and len(code) == 6):
        raise InputError(
            f"{code6!r} is not a 6-digit IBGE municipality code (UF + 4 digits, "
            "without the check digit)"
        )
    total = 0
    for position, char in enumerate(code):
        product = int(char) * (1 if position % 2 == 0 else 2)
        total += product // 10 + product % 10
    return str((10 - total % 10) % 10)


def codes_6_to_7(
    codes: Iterable[Any],
    divisions: pd.DataFrame | Iterable[Any] | None = None,
    *,
    unconverted: Unconverted = "raise",
) -> list[str | None]:
    """RAIS 6-digit municipality codes -> IBGE 7-digit codes.

    With ``divisions`` (a frame from :func:`~lps_geo.io.read_divisions`, a boundaries
    GeoDataFrame or any collection of 7-digit codes) each code is matched
    to the 7-digit code that starts with it; this is the safe conversion.
    Without, the check digit is computed (:func:`check_digit`, with the nine
    known exceptions of :data:`CHECK_DIGIT_EXCEPTIONS`) for codes whose
    first two digits are a state.

    Parameters
    ----------
    codes
        6-digit codes (str or int).
    divisions
        Known 7-digit codes: a frame indexed by them, or an iterable.
    unconverted
        Codes that cannot be converted (not 6 digits, not in ``divisions``,
        no such state, e.g. RAIS's ``999999`` "not identified"): ``"raise"``
        an InputError listing them, or put ``None`` in their place.

    Returns
    -------
    list of str or None
        One 7-digit code per input code, in order.

    Raises
    ------
    InputError
        Listing the codes that cannot be converted (``unconverted="raise"``).

    Examples
    --------
    >>> codes_6_to_7(["351620", 355030])
    ['3516200', '3550308']
    >>> codes_6_to_7(["351620", "999999"], ["3516200"], unconverted="none")
    ['3516200', None]
    """
    if unconverted not in ("raise", "none"):
        raise ValueError(f"unconverted must be 'raise' or 'none', got {unconverted!r}")
    values = list(codes)
    cleaned = [clean_code(value) for value in values]
    if divisions is not None:
        known = divisions.index if isinstance(divisions, pd.DataFrame) else divisions
        known = [str(code) for code in known]
        table = match_rais6(
            [c for c in cleaned if c is not None and len(c) == 6], known
        )
    out: list[str | None] = []
    for code in cleaned:
        result = None
        if code is not None and code.isdigit() and len(code) == 6:
            if divisions is not None:
                result = table.get(code)
            elif code[:2] in STATE_ABBREVIATIONS:
                result = CHECK_DIGIT_EXCEPTIONS.get(code, code + check_digit(code))
        out.append(result)
    bad = [value for value, code in zip(values, out, strict=True) if code is None]
    if bad and unconverted == "raise":
        where = (
            "have no 7-digit code in the division table"
            if divisions is not None
            else "are not 6-digit codes of a Brazilian state"
        )
        raise InputError(
            f"{len(bad)} municipality code(s) cannot be converted to 7 digits, "
            f"they {where}: {format_quoted(bad)}; remove them (e.g. RAIS's "
            "999999 'not identified') or use a division table of the same vintage"
        )
    return out


def microregion_6_to_5(code: Any) -> str:
    """Old 6-digit microregion code (UF + meso 2 + micro 2) -> IBGE 5 digits.

    The 5-digit code is UF + ``0`` + the last two digits (no state has more
    than 99 microregions). Used by the fititnt/gis-dataset-brasil meshes.

    Examples
    --------
    >>> microregion_6_to_5(350835)  # Adamantina (SP)
    '35035'
    """
    text = clean_code(code)
    if text is None or not (text.isdigit() and len(text) == 6):
        raise InputError(
            f"{code!r} is not a 6-digit microregion code (UF + mesoregion 2 + "
            "microregion 2)"
        )
    return text[:2] + "0" + text[4:]


def microregion_5_to_6(code: Any, mesoregion: Any | pd.DataFrame) -> str:
    """IBGE 5-digit microregion code -> the old 6-digit form.

    Parameters
    ----------
    code
        5-digit microregion code (UF + 3 digits).
    mesoregion
        Its 4-digit mesoregion code, or a division table
        (:func:`~lps_geo.io.read_divisions`) that gives it.

    Examples
    --------
    >>> microregion_5_to_6("35035", "3508")
    '350835'
    """
    text = clean_code(code)
    if text is None or not (text.isdigit() and len(text) == 5) or text[2] != "0":
        raise InputError(
            f"{code!r} is not a 5-digit microregion code with at most 99 "
            "microregions per state (UF + 0 + 2 digits)"
        )
    if isinstance(mesoregion, pd.DataFrame):
        if "microregion" not in mesoregion or "mesoregion" not in mesoregion:
            raise InputError(
                "the division table has no microregion/mesoregion columns; pass "
                "the mesoregion code instead"
            )
        metas = mesoregion.loc[mesoregion["microregion"] == text, "mesoregion"]
        found = sorted({m for m in metas if not is_missing(m)})
        if len(found) != 1:
            raise InputError(
                f"microregion {text} is "
                f"{'not in' if not found else 'in several mesoregions of'} the "
                f"division table{': ' + ', '.join(found) if found else ''}"
            )
        meso = found[0]
    else:
        meso = clean_code(mesoregion)
    if meso is None or not (meso.isdigit() and len(meso) == 4) or meso[:2] != text[:2]:
        raise InputError(
            f"{mesoregion!r} is not a 4-digit mesoregion code of state {text[:2]}"
        )
    return meso + text[3:]


def codes_7_to_6(codes: _Codes) -> _Codes:
    """IBGE 7-digit municipality codes -> RAIS 6-digit codes (drop check digit).

    Parameters
    ----------
    codes
        A list, Index or Series of 7-digit codes (str or int).

    Returns
    -------
    Same container type, holding 6-digit strings.

    Raises
    ------
    InputError
        Naming the values that are not 7-digit codes.

    Examples
    --------
    >>> codes_7_to_6(["3516200", 3550308])
    ['351620', '355030']
    """
    values = list(codes)
    cleaned = [clean_code(value) for value in values]
    bad = [
        value
        for value, code in zip(values, cleaned, strict=True)
        if code is None or not (code.isdigit() and len(code) == 7)
    ]
    if bad:
        raise InputError(
            f"{len(bad)} value(s) are not 7-digit IBGE municipality codes: "
            f"{format_quoted(bad)}"
        )
    short = [code[:6] for code in cleaned]  # type: ignore[index]
    if isinstance(codes, pd.Series):
        return pd.Series(short, index=codes.index, name=codes.name)  # type: ignore[return-value]
    if isinstance(codes, pd.Index):
        return pd.Index(short, name=codes.name)  # type: ignore[return-value]
    return short  # type: ignore[return-value]


def match_rais6(codes6: Iterable[Any], codes7: Iterable[Any]) -> dict[str, str]:
    """Map RAIS 6-digit municipality codes onto IBGE 7-digit codes.

    A 6-digit code matches the 7-digit code whose first six digits it equals
    (RAIS drops IBGE's check digit).

    Parameters
    ----------
    codes6
        RAIS codes (str or int).
    codes7
        IBGE codes to match against (e.g. the boundaries' index).

    Returns
    -------
    dict
        6-digit code -> 7-digit code, for the codes that match; codes without
        a match are left out (compare the keys with ``codes6``).

    Raises
    ------
    InputError
        When two 7-digit codes share their first six digits.

    Examples
    --------
    >>> match_rais6(["351620", "999999"], ["3516200", "3550308"])
    {'351620': '3516200'}
    """
    by_prefix: dict[str, str] = {}
    clashes = []
    for raw in codes7:
        code = clean_code(raw)
        if code is None:
            continue
        prefix = code[:6]
        if prefix in by_prefix and by_prefix[prefix] != code:
            clashes.append(f"{by_prefix[prefix]}/{code}")
        by_prefix[prefix] = code
    if clashes:
        raise InputError(
            f"7-digit codes share their first six digits: {format_items(clashes)}; "
            "6-digit RAIS codes cannot be matched unambiguously"
        )
    out = {}
    for raw in codes6:
        code = clean_code(raw)
        if code is not None and code in by_prefix:
            out[code] = by_prefix[code]
    return out


def match_rais6_layout(
    codes: Sequence[str], boundary_codes: pd.Index
) -> dict[str, str]:
    """6-digit RAIS codes -> 7-digit boundary codes, when that is the layout.

    Only when every code has 6 digits and every boundary code 7 (see
    :func:`match_rais6`); otherwise the codes are taken as they are (empty
    mapping).

    >>> match_rais6_layout(["351620"], pd.Index(["3516200"]))
    {'351620': '3516200'}
    >>> match_rais6_layout(["3516200"], pd.Index(["3516200"]))
    {}
    """
    lengths = {len(code) for code in codes}
    if lengths == {6} and set(boundary_codes.str.len()) == {7}:
        logger.info("6-digit municipality codes matched to the 7-digit boundaries")
        return match_rais6(codes, boundary_codes)
    return {}
