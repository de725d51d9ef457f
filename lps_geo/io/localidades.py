"""Read the answer of IBGE's localidades API (JSON) into the canonical division frame.

The API (``/api/v1/localidades/municipios``) answers with one object per
municipality, nested (microrregiao -> mesorregiao -> UF, regiao-imediata ->
regiao-intermediaria -> UF) or flat (``view=nivelado``); both become the frame
of :func:`~lps_geo.io.read_divisions`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from lps_geo.errors import InputError
from lps_geo.io._util import clean_code
from lps_geo.io.division_frame import COLUMNS, RowNumbers, assemble_divisions


def read_localidades(file: Path, source: str) -> pd.DataFrame:
    try:
        records = json.loads(file.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(
            f"{source}: not a JSON file ({type(error).__name__}: {error}); "
            "expected the answer of IBGE's localidades API"
        ) from error
    return divisions_from_localidades(records, source=source)


def divisions_from_localidades(
    records: Any, source: str = "localidades API"
) -> pd.DataFrame:
    """Build the division table from parsed localidades API JSON.

    Parameters
    ----------
    records
        The list the API returns for ``/api/v1/localidades/municipios`` (or
        a state's ``.../estados/{uf}/municipios``), nested or ``nivelado``.
    source
        File or URL named in error messages.

    Returns
    -------
    DataFrame
        As :func:`~lps_geo.io.read_divisions`.

    Examples
    --------
    >>> uf = {"id": 35, "sigla": "SP", "nome": "São Paulo"}
    >>> item = {"id": 3516200, "nome": "Franca",
    ...         "microrregiao": {"id": 35012, "nome": "Franca",
    ...             "mesorregiao": {"id": 3502, "nome": "Ribeirão Preto", "UF": uf}},
    ...         "regiao-imediata": {"id": 350028, "nome": "Franca",
    ...             "regiao-intermediaria": {"id": 3505, "nome": "Ribeirão Preto",
    ...                                      "UF": uf}}}
    >>> d = divisions_from_localidades([item])
    >>> d.loc["3516200", ["state", "mesoregion", "immediate"]].tolist()
    ['35', '3502', '350028']
    """
    if isinstance(records, Mapping):
        records = [records]
    if not isinstance(records, list) or not all(
        isinstance(r, Mapping) for r in records
    ):
        raise InputError(
            f"{source}: expected a JSON list of municipality objects (IBGE "
            "localidades API), got "
            f"{type(records).__name__}"
        )
    flat = [
        _flatten_nivelado(r) if "municipio-id" in r else _flatten_nested(r)
        for r in records
    ]
    keys = [k for k in ("region", *COLUMNS) if any(f.get(k) is not None for f in flat)]
    if "region" not in keys:
        raise InputError(
            f"{source}: the JSON objects have no municipality 'id'; expected the "
            "answer of /api/v1/localidades/municipios"
        )
    data = {key: [f.get(key) for f in flat] for key in keys if key != "state_abbr"}
    origin = {
        "region": "id",
        "name": "nome",
        "state": "UF.id",
        "state_name": "UF.nome",
        "mesoregion": "microrregiao.mesorregiao.id",
        "mesoregion_name": "microrregiao.mesorregiao.nome",
        "microregion": "microrregiao.id",
        "microregion_name": "microrregiao.nome",
        "intermediate": "regiao-imediata.regiao-intermediaria.id",
        "intermediate_name": "regiao-imediata.regiao-intermediaria.nome",
        "immediate": "regiao-imediata.id",
        "immediate_name": "regiao-imediata.nome",
    }
    return assemble_divisions(data, origin, source, RowNumbers("item", 1))


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _flatten_nested(record: Mapping[str, Any]) -> dict[str, Any]:
    micro = record.get("microrregiao")
    meso = _get(micro, "mesorregiao")
    immediate = record.get("regiao-imediata")
    intermediate = _get(immediate, "regiao-intermediaria")
    uf = _get(meso, "UF") or _get(intermediate, "UF")
    out = {
        "region": clean_code(record.get("id")),
        "name": record.get("nome"),
        "state": clean_code(_get(uf, "id")),
        "state_name": _get(uf, "nome"),
        "mesoregion": clean_code(_get(meso, "id")),
        "mesoregion_name": _get(meso, "nome"),
        "microregion": clean_code(_get(micro, "id")),
        "microregion_name": _get(micro, "nome"),
        "intermediate": clean_code(_get(intermediate, "id")),
        "intermediate_name": _get(intermediate, "nome"),
        "immediate": clean_code(_get(immediate, "id")),
        "immediate_name": _get(immediate, "nome"),
    }
    return out


def _flatten_nivelado(record: Mapping[str, Any]) -> dict[str, Any]:
    def pick(key: str) -> Any:
        return record.get(key)

    return {
        "region": clean_code(pick("municipio-id")),
        "name": pick("municipio-nome"),
        "state": clean_code(pick("UF-id")),
        "state_name": pick("UF-nome"),
        "mesoregion": clean_code(pick("mesorregiao-id")),
        "mesoregion_name": pick("mesorregiao-nome"),
        "microregion": clean_code(pick("microrregiao-id")),
        "microregion_name": pick("microrregiao-nome"),
        "intermediate": clean_code(pick("regiao-intermediaria-id")),
        "intermediate_name": pick("regiao-intermediaria-nome"),
        "immediate": clean_code(pick("regiao-imediata-id")),
        "immediate_name": pick("regiao-imediata-nome"),
    }
