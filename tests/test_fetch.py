"""``lps-geo fetch`` against a local HTTP server that mimics IBGE's APIs.

Never touches the internet: the server runs on 127.0.0.1 (port 0) and
serves hand-made answers at the meshes API v3 and localidades API v1 paths.
"""

from __future__ import annotations

import hashlib
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import geopandas as gpd
import pytest

from lps_geo.cli import main
from lps_geo.errors import OutputExistsError
from lps_geo.fetch import FetchError, area_code, download, fetch, mesh_url
from lps_geo.io import read_boundaries, read_divisions

SP = {"id": 35, "sigla": "SP", "nome": "São Paulo"}
TOWNS = [  # code, name, microregion, mesoregion, immediate, intermediate
    ("3516200", "Franca", "35012", "3502", "350028", "3505"),
    ("3505906", "Batatais", "35013", "3502", "350026", "3505"),
    ("3550308", "São Paulo", "35061", "3515", "350001", "3501"),
]


def _square(x: float) -> dict:
    x0, y0 = -48.0 + x, -21.0
    ring = [[x0, y0], [x0 + 0.1, y0], [x0 + 0.1, y0 + 0.1], [x0, y0 + 0.1], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def _mesh() -> bytes:
    features = [
        {"type": "Feature", "geometry": _square(0.1 * i), "properties": {"codarea": c}}
        for i, (c, *_rest) in enumerate(TOWNS)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _localidades() -> bytes:
    items = [
        {
            "id": int(code),
            "nome": name,
            "microrregiao": {
                "id": int(micro),
                "nome": f"Micro {micro}",
                "mesorregiao": {"id": int(meso), "nome": f"Meso {meso}", "UF": SP},
            },
            "regiao-imediata": {
                "id": int(imm),
                "nome": f"Imediata {imm}",
                "regiao-intermediaria": {
                    "id": int(inter),
                    "nome": f"Intermediária {inter}",
                    "UF": SP,
                },
            },
        }
        for code, name, micro, meso, imm, inter in TOWNS
    ]
    return json.dumps(items, ensure_ascii=False).encode("utf-8")


MESH = _mesh()
LOCALIDADES = _localidades()
MESH_QUERY = {
    "formato": ["application/vnd.geo+json"],
    "intrarregiao": ["municipio"],
    "qualidade": ["minima"],
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        self.server.requests.append(self.path)
        parsed = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(parsed.query)
        if parsed.path == "/api/v3/malhas/estados/35" and query == MESH_QUERY:
            return self._send(200, MESH, "application/vnd.geo+json")
        if parsed.path == "/api/v1/localidades/estados/35/municipios":
            return self._send(200, LOCALIDADES, "application/json")
        if parsed.path == "/api/v1/localidades/estados/33/municipios":
            return self._send(500, b"internal error", "text/plain")
        if parsed.path == "/api/v1/localidades/estados/31/municipios":
            return self._send(200, b"<html>maintenance</html>", "text/html")
        if parsed.path == "/api/v1/localidades/estados/32/municipios":
            # no answer until the test is over: the client's timeout is the
            # only clock in the test
            self.server.hold.wait(60)
            return self._send(200, b"[]", "application/json")
        return self._send(404, b"not found", "text/plain")

    def _send(self, status, body, kind):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.requests = []
    httpd.hold = threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.hold.set()
    httpd.shutdown()
    httpd.server_close()


def _cli(server, out, cache, *extra):
    return main(
        [
            "fetch",
            "--area",
            "SP",
            "--out",
            str(out),
            "--cache",
            str(cache),
            "--base-url",
            server.url,
            *extra,
        ]
    )


def test_area_and_urls():
    assert area_code("35") == ("35", "SP")
    assert mesh_url("BR", "http://x").startswith("http://x/api/v3/malhas/paises/BR?")
    with pytest.raises(Exception, match="not a Brazilian state"):
        area_code("XX")


def test_cli_fetch_writes_mesh_divisions_and_manifest(server, tmp_path, capsys):
    out, cache = tmp_path / "out", tmp_path / "cache"
    assert _cli(server, out, cache) == 0
    assert len(server.requests) == 2
    printed = capsys.readouterr()
    assert "municipios_SP.gpkg" in printed.out
    assert "downloaded" in printed.err

    mesh = gpd.read_file(out / "municipios_SP.gpkg", layer="municipios")
    assert mesh.crs.to_epsg() == 4674
    assert mesh["CD_MUN"].tolist() == ["3505906", "3516200", "3550308"]
    assert mesh["NM_MUN"].tolist() == ["Batatais", "Franca", "São Paulo"]
    assert mesh["SIGLA_UF"].tolist() == ["SP", "SP", "SP"]
    # ready for [inputs.boundaries]: read with the library's own reader
    boundaries = read_boundaries(out / "municipios_SP.gpkg", crs="EPSG:4674").regions
    assert boundaries.loc["3516200", "name"] == "Franca"

    d = read_divisions(out / "divisoes_SP.csv")
    assert d.loc["3516200", ["microregion", "mesoregion", "immediate"]].tolist() == [
        "35012",
        "3502",
        "350028",
    ]
    assert d.loc["3550308", "intermediate_name"] == "Intermediária 3501"

    manifest = json.loads((out / "fetch_manifest.json").read_text())
    by_url = {entry["url"]: entry for entry in manifest["downloads"]}
    mesh_entry = by_url[mesh_url("SP", server.url)]
    assert mesh_entry["sha256"] == hashlib.sha256(MESH).hexdigest()
    assert mesh_entry["bytes"] == len(MESH)
    loc = by_url[f"{server.url}/api/v1/localidades/estados/35/municipios"]
    assert loc["sha256"] == hashlib.sha256(LOCALIDADES).hexdigest()
    for entry in manifest["outputs"]:
        data = (out / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["bytes"] == len(data)

    # existing outputs are kept without --overwrite
    assert _cli(server, out, cache) == 2
    assert "--overwrite" in capsys.readouterr().err


def test_second_call_is_served_from_the_cache(server, tmp_path):
    cache = tmp_path / "cache"
    first = fetch("SP", tmp_path / "a", cache_dir=cache, base_url=server.url)
    assert len(server.requests) == 2
    second = fetch("35", tmp_path / "b", cache_dir=cache, base_url=server.url)
    assert len(server.requests) == 2  # no new request
    assert all(d["from_cache"] for d in second.manifest["downloads"])
    assert [d["sha256"] for d in second.manifest["downloads"]] == [
        d["sha256"] for d in first.manifest["downloads"]
    ]
    # offline works from the filled cache
    assert _cli(server, tmp_path / "c", cache, "--offline") == 0
    assert len(server.requests) == 2


def test_corrupted_cache_entry_is_downloaded_again(server, tmp_path, caplog):
    cache = tmp_path / "cache"
    url = mesh_url("SP", server.url)
    entry = download(url, cache)
    entry.path.write_bytes(entry.path.read_bytes()[:-10] + b"corrupted!")
    again = download(url, cache)
    assert not again.from_cache
    assert len(server.requests) == 2
    assert again.path.read_bytes() == MESH
    assert "corrupted" in caplog.text
    assert download(url, cache).from_cache


def test_offline_with_empty_cache(server, tmp_path, capsys):
    code = _cli(server, tmp_path / "out", tmp_path / "empty", "--offline")
    assert code == 2
    err = capsys.readouterr().err
    assert "not in the cache" in err and "/api/v1/localidades/estados/35" in err
    assert server.requests == []
    assert not (tmp_path / "out" / "fetch_manifest.json").exists()


@pytest.mark.parametrize(
    ("area", "path", "message"),
    [
        ("AC", "/api/v1/localidades/estados/12/municipios", "HTTP 404"),
        ("RJ", "/api/v1/localidades/estados/33/municipios", "HTTP 500"),
        ("MG", "/api/v1/localidades/estados/31/municipios", "not JSON"),
    ],
)
def test_http_errors_name_the_url(server, tmp_path, capsys, area, path, message):
    args = ["fetch", "--area", area, "--out", str(tmp_path / "out")]
    args += ["--cache", str(tmp_path / "cache"), "--base-url", server.url]
    assert main(args) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("lps-geo: error:")]
    assert len(errors) == 1 and "Traceback" not in err
    assert f"{server.url}{path}: " in errors[0] and message in errors[0]


def test_timeout_and_refused_connection(server, tmp_path):
    with pytest.raises(FetchError, match=r"estados/32/municipios: no answer within"):
        fetch("ES", tmp_path / "o", cache_dir=tmp_path / "c", base_url=server.url,
              timeout=0.3)  # fmt: skip
    with pytest.raises(FetchError, match=r"127.0.0.1:9/.*cannot connect"):
        download("http://127.0.0.1:9/api/x", tmp_path / "c", timeout=2)


def test_outputs_checked_before_downloading(server, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "divisoes_SP.csv").write_text("keep me")
    with pytest.raises(OutputExistsError):
        fetch("SP", out, cache_dir=tmp_path / "c", base_url=server.url)
    assert server.requests == []
    assert (out / "divisoes_SP.csv").read_text() == "keep me"
    only_mesh = fetch(
        "SP", out, what="mesh", cache_dir=tmp_path / "c", base_url=server.url
    )
    assert [p.name for p in only_mesh.outputs] == [
        "municipios_SP.gpkg",
        "fetch_manifest.json",
    ]


def test_mesh_frame_on_the_2022_mesh(caplog):
    """The national mesh has two lagoons (not municipalities) and lacks one town."""
    from conftest import require_shared

    from lps_geo.fetch import mesh_frame

    mesh = gpd.read_file(require_shared("boundaries", "BR_Municipios_2022.json"))
    features = json.loads(
        mesh[["CD_MUN", "geometry"]].rename(columns={"CD_MUN": "codarea"}).to_json()
    )
    d = read_divisions(require_shared("lookups", "brasil-municipios.csv"))
    frame = mesh_frame(features, d, "BR mesh")
    assert len(frame) == 5569
    assert frame.crs.to_epsg() == 4674
    assert not frame["CD_MUN"].isin(["4300001", "4300002"]).any()
    assert frame.set_index("CD_MUN").loc[
        "3516200", ["NM_MUN", "SIGLA_UF"]
    ].tolist() == [
        "Franca",
        "SP",
    ]
    assert "dropped: 4300001, 4300002" in caplog.text
    assert "no polygon: 3500600" in caplog.text
