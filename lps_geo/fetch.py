"""Download IBGE municipal meshes and division tables (``lps-geo fetch``).

Two public IBGE services are used (``servicodados.ibge.gov.br``):

- the meshes API v3, ``/api/v3/malhas/estados/{uf}`` or
  ``/api/v3/malhas/paises/BR`` with ``formato=application/vnd.geo+json``,
  ``intrarregiao=municipio`` and ``qualidade=minima``: a GeoJSON of the
  municipalities (property ``codarea``, SIRGAS 2000 lon/lat, EPSG:4674);
- the localidades API v1, ``/api/v1/localidades/estados/{uf}/municipios`` or
  ``/api/v1/localidades/municipios``: names and regions of each
  municipality (read with :func:`lps_geo.io.divisions_from_localidades`).

:func:`fetch` writes ``municipios_{AREA}.gpkg`` (columns ``CD_MUN``,
``NM_MUN``, ``SIGLA_UF``; ready for ``[inputs.boundaries]`` with
``crs = "EPSG:4674"``), ``divisoes_{AREA}.csv`` (readable by
:func:`lps_geo.io.read_divisions`) and ``fetch_manifest.json`` (URL,
retrieval time, size and SHA-256 of every download). Answers are cached by
URL with a checksum sidecar; a cache entry whose checksum no longer matches
is downloaded again. Only the standard library's :mod:`urllib` is used.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, get_args

from lps_geo._version import __version__
from lps_geo.errors import ConfigError, InputError, LpsGeoError
from lps_geo.export.atomic import (
    atomic_path,
    cannot_write,
    check_folder,
    merge_folder,
)
from lps_geo.io._util import clean_code, format_items
from lps_geo.io.codes import STATE_ABBREVIATIONS
from lps_geo.io.localidades import divisions_from_localidades
from lps_geo.vocab import FetchWhat

logger = logging.getLogger(__name__)

#: Root of IBGE's public data services.
DEFAULT_BASE_URL = "https://servicodados.ibge.gov.br"


#: Query of the meshes API: GeoJSON, municipalities inside, coarsest lines.
MESH_QUERY = {
    "formato": "application/vnd.geo+json",
    "intrarregiao": "municipio",
    "qualidade": "minima",
}

MANIFEST_NAME = "fetch_manifest.json"
MESH_LAYER = "municipios"
MESH_CRS = "EPSG:4674"

Progress = Callable[[str], None]


class FetchError(LpsGeoError, OSError):
    """A download failed: network, HTTP status, timeout or a non-JSON answer."""


@dataclass(frozen=True)
class Download:
    """One downloaded (or cached) answer."""

    url: str
    path: Path  #: the cached file
    retrieved: str  #: ISO 8601 time of the download (UTC)
    size: int
    sha256: str
    from_cache: bool

    def manifest(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "retrieved": self.retrieved,
            "bytes": self.size,
            "sha256": self.sha256,
            "from_cache": self.from_cache,
        }


@dataclass(frozen=True)
class FetchResult:
    """What :func:`fetch` wrote: output files and the manifest contents."""

    outputs: tuple[Path, ...]
    manifest: dict[str, Any]


def area_code(area: str | int) -> tuple[str, str]:
    """Normalise ``--area``: a state abbreviation or code, or ``BR``.

    Returns
    -------
    (code, label)
        The IBGE code used in URLs (``"35"`` or ``"BR"``) and the label
        used in file names (``"SP"`` or ``"BR"``).

    Examples
    --------
    >>> area_code("sp"), area_code(35), area_code("BR")
    (('35', 'SP'), ('35', 'SP'), ('BR', 'BR'))
    """

    text = str(area).strip().upper()
    if text in ("BR", "BRASIL", "BRAZIL"):
        return "BR", "BR"
    if text in STATE_ABBREVIATIONS:
        return text, STATE_ABBREVIATIONS[text]
    by_abbr = {abbr: code for code, abbr in STATE_ABBREVIATIONS.items()}
    if text in by_abbr:
        return by_abbr[text], text
    raise ConfigError(
        f"area {area!r} is not a Brazilian state or BR; give a state "
        f"abbreviation or code ({', '.join(sorted(by_abbr))}, or 11..53) or BR"
    )


def mesh_url(area: str | int, base_url: str = DEFAULT_BASE_URL) -> str:
    """URL of the municipal mesh of a state or of Brazil (meshes API v3).

    Examples
    --------
    >>> mesh_url("SP")  # doctest: +NORMALIZE_WHITESPACE
    'https://servicodados.ibge.gov.br/api/v3/malhas/estados/35?formato=application%2Fvnd.geo%2Bjson&intrarregiao=municipio&qualidade=minima'
    """
    code, _ = area_code(area)
    path = "paises/BR" if code == "BR" else f"estados/{code}"
    query = urllib.parse.urlencode(MESH_QUERY)
    return f"{base_url.rstrip('/')}/api/v3/malhas/{path}?{query}"


def divisions_url(area: str | int, base_url: str = DEFAULT_BASE_URL) -> str:
    """URL of the municipalities of a state or of Brazil (localidades API v1).

    Examples
    --------
    >>> divisions_url("35")
    'https://servicodados.ibge.gov.br/api/v1/localidades/estados/35/municipios'
    """
    code, _ = area_code(area)
    path = "municipios" if code == "BR" else f"estados/{code}/municipios"
    return f"{base_url.rstrip('/')}/api/v1/localidades/{path}"


def default_fetch_cache() -> Path:
    """``$LPS_GEO_CACHE/fetch``, else ``~/.cache/lps_geo/fetch``."""
    env = os.environ.get("LPS_GEO_CACHE")
    root = Path(env).expanduser() if env else Path.home() / ".cache" / "lps_geo"
    return root / "fetch"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    try:
        with atomic_path(path, overwrite=True) as tmp:
            tmp.write_bytes(data)
    except OSError as exc:
        if isinstance(exc, LpsGeoError):
            raise
        raise cannot_write(path, exc) from None


def _cache_paths(cache_dir: Path, url: str) -> tuple[Path, Path]:
    key = hashlib.sha256(url.encode("utf-8")).hexdigest()[:40]
    return cache_dir / f"{key}.json", cache_dir / f"{key}.meta.json"


def _from_cache(url: str, cache_dir: Path) -> Download | None:
    """The cached answer, or None when absent or corrupted (logged)."""
    data_path, meta_path = _cache_paths(cache_dir, url)
    if not (data_path.exists() and meta_path.exists()):
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        data = data_path.read_bytes()
        ok = meta.get("url") == url and meta.get("sha256") == _sha256(data)
        ok = ok and meta.get("bytes") == len(data)
    except (OSError, ValueError, AttributeError):
        ok = False
    if not ok:
        logger.warning(
            "cache entry %s for %s is corrupted (checksum or sidecar does not "
            "match); downloading it again",
            data_path,
            url,
        )
        return None
    return Download(
        url=url,
        path=data_path,
        retrieved=str(meta.get("retrieved", "")),
        size=len(data),
        sha256=meta["sha256"],
        from_cache=True,
    )


def _get(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(
        url,
        headers={"Accept": "application/json", "User-Agent": f"lps-geo/{__version__}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            data = answer.read()
            if answer.headers.get("Content-Encoding", "").lower() == "gzip":
                data = gzip.decompress(data)
    except urllib.error.HTTPError as error:
        raise FetchError(
            f"{url}: HTTP {error.code} {error.reason}; check --area and --base-url "
            "(or retry later if the server is failing)"
        ) from None
    except TimeoutError:
        raise FetchError(
            f"{url}: no answer within {timeout:g} s; retry later or raise --timeout"
        ) from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, TimeoutError):
            raise FetchError(
                f"{url}: no answer within {timeout:g} s; retry later or raise --timeout"
            ) from None
        raise FetchError(
            f"{url}: cannot connect ({reason}); check the network or --base-url, "
            "or use --offline with a filled cache"
        ) from None
    except (OSError, EOFError) as error:
        raise FetchError(f"{url}: download failed ({error}); retry later") from None
    return data


def download(
    url: str,
    cache_dir: str | Path | None = None,
    *,
    offline: bool = False,
    timeout: float = 120.0,
) -> Download:
    """Download a JSON answer into the cache, or reuse the cached copy.

    The cache file is named by a hash of the URL; a sidecar
    ``*.meta.json`` records the URL, SHA-256, size and retrieval time. A
    cached answer is reused only when its checksum matches the sidecar;
    otherwise it is downloaded again (logged).

    Parameters
    ----------
    url
        The address (http or https).
    cache_dir
        Cache folder; None uses :func:`default_fetch_cache`.
    offline
        Never use the network: a missing cache entry is an error.
    timeout
        Seconds to wait for the server.

    Raises
    ------
    FetchError
        Network or HTTP error, timeout, an answer that is not JSON, or
        ``offline`` with no (valid) cache entry. The message names the URL.
    """
    cache = Path(cache_dir) if cache_dir is not None else default_fetch_cache()
    cached = _from_cache(url, cache)
    if cached is not None:
        logger.info("%s: from the cache %s", url, cached.path)
        return cached
    if offline:
        raise FetchError(
            f"{url}: not in the cache {cache} (offline); run once without "
            "--offline to download it, or point --cache at a filled cache"
        )
    logger.info("downloading %s", url)
    data = _get(url, timeout)
    try:
        json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        start = data[:60].decode("utf-8", errors="replace")
        start = " ".join(start.split())
        raise FetchError(
            f"{url}: the answer is not JSON ({len(data)} bytes starting "
            f"{start!r}); check --base-url and --area"
        ) from None
    data_path, meta_path = _cache_paths(cache, url)
    retrieved = _now()
    digest = _sha256(data)
    _write_atomic(data_path, data)
    meta = {"url": url, "sha256": digest, "bytes": len(data), "retrieved": retrieved}
    _write_atomic(meta_path, json.dumps(meta, indent=2).encode("utf-8"))
    return Download(url, data_path, retrieved, len(data), digest, from_cache=False)


def _load(download: Download) -> Any:
    return json.loads(download.path.read_bytes().decode("utf-8-sig"))


def _parse_what(what: str | Iterable[str]) -> tuple[str, ...]:
    items = what.split(",") if isinstance(what, str) else list(what)
    items = [str(item).strip() for item in items if str(item).strip()]
    allowed = get_args(FetchWhat)
    bad = [item for item in items if item not in allowed]
    if bad or not items:
        raise ConfigError(
            f"what = {','.join(items) or '(empty)'!r} is not valid; choose among "
            f"{', '.join(allowed)} (comma-separated)"
        )
    return tuple(dict.fromkeys(items))


def mesh_frame(features: Any, divisions: Any, source: str):
    """Municipal mesh GeoDataFrame (CD_MUN, NM_MUN, SIGLA_UF) in EPSG:4674.

    Parameters
    ----------
    features
        Parsed GeoJSON FeatureCollection from the meshes API (property
        ``codarea``).
    divisions
        Division table (:func:`lps_geo.io.read_divisions`) giving names and
        state abbreviations. Mesh features without a municipality in it
        (e.g. the lagoons 4300001/4300002 of Rio Grande do Sul) are dropped,
        with a warning logged.
    source
        URL or file named in error messages.
    """
    import geopandas as gpd
    import pandas as pd

    if not (
        isinstance(features, dict)
        and features.get("type") == "FeatureCollection"
        and isinstance(features.get("features"), list)
    ):
        raise InputError(
            f"{source}: not a GeoJSON FeatureCollection; expected the meshes API "
            "answer with formato=application/vnd.geo+json"
        )
    feats = features["features"]
    codes = [clean_code((f.get("properties") or {}).get("codarea")) for f in feats]
    bad = [i + 1 for i, code in enumerate(codes) if not (code and len(code) == 7)]
    if bad:
        raise InputError(
            f"{source}: feature(s) {format_items(bad)} have no 7-digit 'codarea' "
            "property; ask the meshes API with intrarregiao=municipio"
        )
    frame = gpd.GeoDataFrame.from_features(feats, crs=MESH_CRS)
    frame = frame[[frame.geometry.name]].assign(CD_MUN=codes)
    unknown = sorted(set(codes) - set(divisions.index))
    if unknown:
        logger.warning(
            "%s: %d mesh feature(s) are not municipalities of the division "
            "table and were dropped: %s",
            source,
            len(unknown),
            format_items(unknown),
        )
        frame = frame[~frame["CD_MUN"].isin(unknown)]
    absent = sorted(set(divisions.index) - set(codes))
    if absent:
        logger.warning(
            "%s: %d municipalit%s of the division table no polygon: %s",
            source,
            len(absent),
            "y has" if len(absent) == 1 else "ies have",
            format_items(absent),
        )
    if frame["CD_MUN"].duplicated().any():  # a municipality in several parts
        frame = frame.dissolve(by="CD_MUN", as_index=False)
    frame = frame.sort_values("CD_MUN")
    mun = frame["CD_MUN"].astype(str).to_numpy()
    abbr = (
        divisions["state_abbr"].reindex(mun).to_numpy()
        if "state_abbr" in divisions.columns
        else None
    )
    return gpd.GeoDataFrame(
        {
            "CD_MUN": pd.array(mun, dtype=object),
            "NM_MUN": pd.array(divisions["name"].reindex(mun).to_numpy(), dtype=object),
            "SIGLA_UF": pd.array(abbr, dtype=object) if abbr is not None else None,
        },
        geometry=frame.geometry.to_numpy(),
        crs=MESH_CRS,
    )


def check_base_url(base_url: str) -> str:
    """Refuse a services root that is not an http, https or file URL.

    >>> check_base_url("notaurl")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lps_geo.errors.ConfigError: --base-url 'notaurl' is not an http(s):// or ...
    """
    scheme = urllib.parse.urlsplit(str(base_url)).scheme.lower()
    if scheme not in ("http", "https", "file") or not str(base_url).split(":", 1)[1]:
        raise ConfigError(
            f"--base-url {base_url!r} is not an http(s):// or file:// URL; e.g. "
            f"{DEFAULT_BASE_URL} (base_url= in Python)"
        )
    return base_url


def fetch(
    area: str | int,
    out: str | Path,
    *,
    what: str | Iterable[str] = ("mesh", "divisions"),
    cache_dir: str | Path | None = None,
    base_url: str = DEFAULT_BASE_URL,
    offline: bool = False,
    overwrite: bool = False,
    timeout: float = 120.0,
    progress: Progress | None = None,
) -> FetchResult:
    """Download the municipal mesh and/or division table of a state or Brazil.

    Parameters
    ----------
    area
        State abbreviation or code (``"SP"``, ``35``) or ``"BR"``.
    out
        Output folder (created).
    what
        ``"mesh"``, ``"divisions"`` or both (a list or comma-separated
        string). The mesh needs the division table for its names, so it is
        always downloaded; ``divisoes_{AREA}.csv`` is written only when
        asked for.
    cache_dir
        Download cache; None uses :func:`default_fetch_cache`.
    base_url
        Root of the IBGE services (tests point it at a local server).
    offline
        Use only the cache.
    overwrite
        Replace existing outputs; otherwise they make the call fail before
        anything is downloaded.
    timeout
        Seconds to wait for each answer.
    progress
        Called with a one-line message per download (the CLI prints them).

    Returns
    -------
    FetchResult
        The files written and the manifest (also written as
        ``fetch_manifest.json``).

    Raises
    ------
    FetchError, ConfigError, InputError, OutputExistsError
    """

    code, label = area_code(area)
    items = _parse_what(what)
    check_base_url(base_url)
    out = Path(out)
    cache = Path(cache_dir) if cache_dir is not None else default_fetch_cache()
    targets: dict[str, Path] = {}
    if "mesh" in items:
        targets["mesh"] = out / f"municipios_{label}.gpkg"
    if "divisions" in items:
        targets["divisions"] = out / f"divisoes_{label}.csv"
    targets["manifest"] = out / MANIFEST_NAME
    check_folder(out, overwrite, merge=[p.name for p in targets.values()])
    say = progress or (lambda message: None)

    downloads: list[Download] = []

    def get(url: str) -> Download:
        say(f"{'checking cache for' if offline else 'fetching'} {url}")
        result = download(url, cache, offline=offline, timeout=timeout)
        say(
            f"{'cached' if result.from_cache else 'downloaded'} {result.size:,} "
            f"bytes, sha256 {result.sha256[:12]}"
        )
        downloads.append(result)
        return result

    url = divisions_url(code, base_url)
    records = _load(get(url))
    if isinstance(records, list) and not records:
        raise FetchError(f"{url}: the answer lists no municipality; check --area")
    divisions = divisions_from_localidades(records, source=url)
    mesh = None
    if "mesh" in items:
        murl = mesh_url(code, base_url)
        mesh = mesh_frame(_load(get(murl)), divisions, source=murl)
    written: list[Path] = []
    # every file is written in a temporary folder inside ``out`` and moved in
    # together; files of ``out`` that lps_geo did not write are never replaced
    with merge_folder(out, overwrite) as tmp:
        if mesh is not None:
            mesh.to_file(
                tmp / targets["mesh"].name,
                layer=MESH_LAYER,
                driver="GPKG",
                engine="pyogrio",
                index=False,
                geometry_type="MultiPolygon",
                promote_to_multi=True,
            )
            written.append(targets["mesh"])
        if "divisions" in items:
            divisions.to_csv(tmp / targets["divisions"].name, encoding="utf-8")
            written.append(targets["divisions"])
        manifest = {
            "tool": f"lps-geo {__version__}",
            "created": _now(),
            "area": label,
            "base_url": base_url,
            "downloads": [d.manifest() for d in downloads],
            "outputs": [
                {
                    "file": path.name,
                    "bytes": (tmp / path.name).stat().st_size,
                    "sha256": _sha256((tmp / path.name).read_bytes()),
                }
                for path in written
            ],
        }
        (tmp / MANIFEST_NAME).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
    written.append(targets["manifest"])
    if mesh is not None:
        say(f"wrote {targets['mesh']} ({len(mesh)} municipalities)")
    if "divisions" in items:
        say(f"wrote {targets['divisions']} ({len(divisions)} municipalities)")
    return FetchResult(tuple(written), manifest)
