"""Write the demo data set to a folder: shapefiles, CSV tables, planted.json and README.

The files are byte-identical for the same seed: coordinates are snapped to a
1 cm grid, CSV and JSON are written with fixed formats, and the date that the
dBASE format keeps in bytes 1-3 of every ``.dbf`` header is overwritten with
:data:`DBF_HEADER_DATE`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import struct
from pathlib import Path

import pandas as pd
import pyogrio

from lps_geo.demo.build import (
    DEFAULT_N,
    DEFAULT_SEED,
    WORKER_GROUPS,
    DemoData,
    build_demo,
)
from lps_geo.demo.industries import cnae_groups, cnae_structure, rais_title
from lps_geo.demo.institutions import DEMO_INSTITUTION_TYPES
from lps_geo.demo.microdata import establishment_lines, worker_lines
from lps_geo.errors import OutputExistsError

log = logging.getLogger(__name__)

#: Fixed date written into bytes 1-3 of each ``.dbf`` header (YY-1900, MM, DD).
DBF_HEADER_DATE = (2006, 1, 1)

#: Files written by :func:`generate_demo`, in writing order.
FILES: tuple[str, ...] = (
    "municipalities.shp",
    "municipalities.shx",
    "municipalities.dbf",
    "municipalities.prj",
    "municipalities.cpg",
    "institutions.shp",
    "institutions.shx",
    "institutions.dbf",
    "institutions.prj",
    "institutions.cpg",
    "microregions.csv",
    "employment_long.csv",
    "establishments_wide.csv",
    "cnae_groups.csv",
    "cnae_structure.csv",
    "RAIS_ESTAB_PUB.txt.gz",
    "RAIS_VINC_PUB.txt.gz",
    "patents_long.csv",
    "planted.json",
    "README.md",
)


def _fix_dbf_date(path: Path) -> None:
    """Overwrite the last-update date (bytes 1-3) of a dBASE header."""
    y, mth, d = DBF_HEADER_DATE
    with open(path, "r+b") as fh:
        fh.seek(1)
        fh.write(struct.pack("BBB", y - 1900, mth, d))


def _write_shp(gdf, path: Path) -> None:
    pyogrio.write_dataframe(gdf, path, driver="ESRI Shapefile", encoding="UTF-8")
    _fix_dbf_date(path.with_suffix(".dbf"))


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def _write_rais(df: pd.DataFrame, path: Path) -> None:
    """A RAIS text file as PDET publishes it (``;``, Latin-1, no quoting),
    gzip-compressed with a zero timestamp so that the bytes are reproducible."""
    text = df.to_csv(sep=";", index=False, lineterminator="\n", quoting=3)
    with open(path, "wb") as raw, gzip.GzipFile(
        filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9
    ) as fh:
        fh.write(text.encode("latin-1"))


def write_demo(data: DemoData, out_dir: str | Path, overwrite: bool = False) -> dict:
    """Write a :class:`DemoData` to ``out_dir`` (see :data:`FILES`).

    Raises
    ------
    OutputExistsError
        A file of :data:`FILES` exists in ``out_dir`` and ``overwrite`` is False.
    """
    out = Path(out_dir)
    existing = [f for f in FILES if (out / f).exists()]
    if existing and not overwrite:
        raise OutputExistsError(
            f"demo: {out} already holds {', '.join(existing[:3])}"
            f"{' ...' if len(existing) > 3 else ''}; pass overwrite=True "
            "(--overwrite) to replace them"
        )
    out.mkdir(parents=True, exist_ok=True)
    for f in existing:
        (out / f).unlink()

    _write_shp(data.municipalities, out / "municipalities.shp")
    _write_shp(data.institutions, out / "institutions.shp")
    _write_csv(data.microregions, out / "microregions.csv")

    long = data.employment.stack().rename("empregos").reset_index()
    long = long.rename(columns={"CD_MUN": "cod_ibge"})
    long["estabelecimentos"] = data.establishments.stack().to_numpy()
    long = long[long["empregos"] > 0].sort_values(["cod_ibge", "cnae_grupo"])
    _write_csv(long, out / "employment_long.csv")

    groups = cnae_groups()
    wide = data.establishments.copy()
    wide.columns = [rais_title(t) for t in groups["title"]]
    wide.insert(0, "ID_do_municipio", wide.index.to_numpy())
    wide["Total_de_estabelecimentos"] = data.establishments.sum(axis=1).to_numpy()
    _write_csv(wide.reset_index(drop=True), out / "establishments_wide.csv")
    _write_csv(groups, out / "cnae_groups.csv")
    _write_csv(cnae_structure(), out / "cnae_structure.csv")
    _write_rais(establishment_lines(data.microdata), out / "RAIS_ESTAB_PUB.txt.gz")
    _write_rais(worker_lines(data.workers), out / "RAIS_VINC_PUB.txt.gz")
    _write_csv(data.patents, out / "patents_long.csv")

    truth = {
        "SYNTHETIC": "Invented data made by lps_geo.demo; no value describes a "
        "real place. State code 19 does not exist.",
        "synthetic": True,
        "generator": "lps_geo.demo",
        "seed": data.seed,
        "n_municipalities": len(data.municipalities),
        "size_measure": "employment",
        "reference_area": "whole state",
        "denominator": "employment in all 40 CNAE groups of the demo",
        "typology_preset": "ipea2006",
        "planted": data.planted,
        "incidental_candidates_note": (
            "Single municipalities that pass the ipea2006 filters and are not "
            "planted: a few small manufacturing embryos left on purpose, and "
            "trade/service groups in the capital and large towns (analyse "
            "manufacturing, CNAE divisions 10-33, to leave these out)."
        ),
        "incidental_candidates": data.incidental,
        "structure_note": (
            "structure, lead_establishments, lead_share, micro_small_share and "
            "largest of every planted LPS: its industry's active establishments "
            "in its members in RAIS_ESTAB_PUB.txt.gz, with the defaults of "
            "[characterisation] (lead establishments: 500 jobs or more; micro "
            "and small: fewer than 100; lead_firm when lead establishments hold "
            ">= 50 % of the jobs, small_firm when there is none and micro and "
            "small ones hold >= 50 %, else core_ring). structure_planted: the "
            "size distribution was planted to give that label; elsewhere it is "
            "what the random draws gave."
        ),
        "related_industries_note": (
            "Planted related industries: the related industry was co-located "
            "with the core one over all municipalities; relatedness is the "
            "association strength of their QL >= 1 co-occurrences over all "
            "municipalities and the 40 groups (lps_geo's default), after "
            "planting; the core LPS's members hold the related industry at a "
            "pooled QL >= 1 with >= 3 establishments."
        ),
        "related_industries": data.related,
        "patents_note": (
            "patents_long.csv: applications by municipality, IPC 3-character "
            "class and year, Poisson with a background proportional to "
            "population (lps_geo.demo.innovation.BACKGROUND_RATES) plus, in the "
            "members of lps01, lps03 and lps04, extra applications in the "
            "classes linked to their industry; patents_planted gives the "
            "expected extra applications by class over members and years."
        ),
        "workforce_note": (
            "workforce / industry_workforce: the active jobs of the LPS's industry "
            "in its members / in the whole state in RAIS_VINC_PUB.txt.gz, as "
            "lps_geo.io.read_rais_workers measures them: workers, wage_sum and "
            "mean_wage (Vl Remun Média Nom, R$), technical_share (CBO major "
            "groups 2 and 3), secondary_share (Escolaridade após 2005 >= 7)."
        ),
    }
    (out / "planted.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (out / "README.md").write_text(_readme(data), encoding="utf-8")
    return {f: str(out / f) for f in FILES}


def _readme(data: DemoData) -> str:
    """The README.md of the folder: what the files hold and what was planted."""
    gdf = data.municipalities
    n = len(gdf)
    n_micro = gdf["CD_MICRO"].nunique()
    area_km2 = data.outline.area / 1e6
    emp = int(data.employment.to_numpy().sum())
    est = int(data.establishments.to_numpy().sum())
    pop = int(gdf["POP"].sum())
    capital = gdf.loc[gdf["CAPITAL"] == 1, "NM_MUN"].item()
    n_rows = len(data.microdata)
    n_active = int((data.microdata["negative"] == 0).sum())
    n_workers = int(data.workers["active"].sum())
    n_inactive = len(data.workers) - n_workers
    lines = [
        "# Synthetic demo data (lps_geo)",
        "",
        "**Everything in this folder is synthetic.** It was invented by "
        "`lps_geo.demo` to show and test the method of Suzigan, Furtado & Garcia "
        "(2006); no number, name or boundary describes a real place. The state "
        "code 19 does not exist in Brazil's IBGE coding.",
        "",
        f"Seed {data.seed}: {n} municipalities in {n_micro} microregions, "
        f"{area_km2:,.0f} km2, {pop:,} inhabitants, {emp:,} jobs and {est:,} "
        f"establishments in 40 CNAE 2.0 groups. Capital: {capital}.",
        "",
        "Regenerate (byte-identical for the same seed):",
        "",
        "```",
        "python -m lps_geo.demo data/shapefiles --overwrite",
        "```",
        "",
        "## Files",
        "",
        "| file | content |",
        "|---|---|",
        "| `municipalities.shp` (+ `.shx` `.dbf` `.prj` `.cpg`) | municipal "
        "polygons, CRS EPSG:5880 (SIRGAS 2000 / Brazil Polyconic, metres), "
        "UTF-8 attributes |",
        "| `institutions.shp` (+ sidecars) | support institutions, points, EPSG:5880 |",
        "| `microregions.csv` | municipality -> microregion lookup |",
        "| `employment_long.csv` | jobs and establishments per municipality and "
        "CNAE group (long form) |",
        "| `establishments_wide.csv` | establishments per municipality, one column "
        "per CNAE group (laid out like the RAIS tables) |",
        "| `cnae_groups.csv` | the 40 CNAE 2.0 groups used |",
        "| `cnae_structure.csv` | the 40 groups and their CNAE 2.0 classes (the "
        "`[inputs] cnae` table of `demo.toml`) |",
        "| `RAIS_ESTAB_PUB.txt.gz` | establishment microdata in the RAIS/PDET "
        "layout, one row per establishment; `employment_long.csv` is their "
        "aggregation |",
        "| `RAIS_VINC_PUB.txt.gz` | worker records (RAIS Vínculos, PDET layout) of "
        "the industries " + ", ".join(f"`{g}`" for g in WORKER_GROUPS) + " |",
        "| `patents_long.csv` | patent applications by municipality, IPC class "
        "and year (synthetic; `[[inputs.innovation]]` long format) |",
        "| `planted.json` | the planted local production systems (the answer "
        "key) and the chance candidates |",
        "",
        "## Columns",
        "",
        "`municipalities.shp`: `CD_MUN` 7-digit IBGE-style code (text: `19` + "
        "4-digit serial + check digit, IBGE modulus-10 rule); `NM_MUN` invented "
        "name; `CD_MICRO` 5-digit microregion code (text); `POP` inhabitants "
        "(integer); `METRO` 1 for the 20 municipalities of the metropolitan "
        "area; `CAPITAL` 1 for the capital. Polygons form a gap-free, "
        "overlap-free coverage of the state outline; coordinates are snapped to "
        "a 1 cm grid.",
        "",
        "`institutions.shp`: `name`; `type`, one of "
        + ", ".join(f"`{t}`" for t in DEMO_INSTITUTION_TYPES)
        + "; `cod_ibge` code of the municipality that contains the point.",
        "",
        "`microregions.csv`: `cod_ibge` (7 digits), `cod_micro` (5 digits, `19` + "
        "3), `nome_micro` (named after its most populous municipality).",
        "",
        "`employment_long.csv`: `cod_ibge`; `cnae_grupo` CNAE 2.0 group code "
        '`NN.N`; `empregos` formal jobs at 31 December (the RAIS "vínculos '
        'ativos" analogue, persons); `estabelecimentos` establishments with at '
        "least one job in the group. Only rows with `empregos` > 0; sorted by "
        "code and group. Establishments are >= 1 and <= jobs in every row.",
        "",
        "`establishments_wide.csv`: `ID_do_municipio` (7 digits), one column "
        "per group named by its CNAE title in RAIS title case (e.g. "
        "`Fabricação de Calçados`), `Total_de_estabelecimentos` (sum of the 40 "
        "columns). All municipalities, zeros included.",
        "",
        "`cnae_groups.csv`: `code` (`NN.N`), `title` (official IBGE/CONCLA "
        "title), `division` (`NN`), `division_title` (as IBGE prints it).",
        "",
        "`cnae_structure.csv`: the same columns; every group row is followed by "
        "its classes (`NN.NN-N`, official titles; no division on class rows).",
        "",
        "`RAIS_ESTAB_PUB.txt.gz`: `;`-separated Latin-1 text with a header, as the "
        "Ministry of Labour (PDET) publishes RAIS Estabelecimentos, with 5 of its "
        "23 columns (to keep the file small): `CNAE 2.0 Classe` (5 digits, no "
        "punctuation), `Qtd Vínculos Ativos` (jobs on 31 December), `Ind Rais "
        "Negativa` (1: a negative declaration, no employee in the year), "
        "`Município` (6-digit RAIS code: the IBGE code without its check digit), "
        "`Tamanho Estabelecimento` (RAIS size band 1-10 of the job count). "
        f"{n_rows:,} rows: {n_active:,} establishments, one per establishment "
        "counted in `employment_long.csv`, whose jobs sum to its `empregos`, and "
        f"{n_rows - n_active:,} negative declarations without jobs. Sizes are "
        "heavy-tailed (log-normal weights); the class of each establishment is "
        "drawn among its group's. State 19 is invented, so readers must be "
        "given the municipalities' codes "
        "(`read_rais_microdata(path, codes7=municipalities.CD_MUN)`).",
        "",
        "`RAIS_VINC_PUB.txt.gz`: the PDET worker layout (RAIS Vínculos), `;`, "
        "Latin-1, decimal comma, with 9 of its columns: `CBO Ocupação 2002`, "
        "`CNAE 2.0 Classe`, `Vínculo Ativo 31/12` (1 active on 31 December, 0 a "
        "job that ended in the year), `Escolaridade após 2005` (1-11), `Idade`, "
        "`Município`, `Vl Remun Média Nom` (mean monthly nominal wage, R$), "
        "`Sexo Trabalhador` (1 man, 2 woman), `Tamanho Estabelecimento`. One "
        "active record per job of the establishments of "
        + ", ".join(f"`{g}`" for g in WORKER_GROUPS)
        + f" in `RAIS_ESTAB_PUB.txt.gz` ({n_workers:,}), and {n_inactive:,} records "
        "of jobs that ended. Large establishments pay more and employ more "
        "technical occupations (CBO major groups 2 and 3). Read it with "
        "`read_rais_workers(path, codes7=municipalities.CD_MUN)`.",
        "",
        "## Planted local production systems",
        "",
        "Shares and location quotients are computed on employment, against the "
        "whole state, with employment in all 40 groups as E_j and E; for a "
        "multi-municipality system on the aggregate of its members. Every "
        "member passes the ipea2006 filters on its own (share >= 1 %, QL >= 1, "
        ">= 5 establishments). Neighbours of members are kept below QL 1 in the "
        "planted industry.",
        "",
        "| id | group | type | members | share | QL | establishments |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in data.planted:
        lines.append(
            f"| {p['id']} | {p['industry']} | {p['type']} | {len(p['members'])} | "
            f"{p['share_industry']:.3f} | {p['ql']:.2f} | {p['establishments']} |"
        )
    n_manuf = sum(int(r["industry"][:2]) <= 33 for r in data.incidental)
    lines += [
        "",
        f"Chance candidates (`incidental_candidates` in `planted.json`): {n_manuf} "
        "small manufacturing embryos, and "
        f"{len(data.incidental) - n_manuf} trade/service candidates in the capital "
        "and large towns, which are service economies. Restrict the analysis to "
        "manufacturing (CNAE divisions 10-33) to leave the latter out. "
        "Contiguous municipalities with QL >= 3 in a manufacturing group never "
        "add up to a candidate outside the planted systems (such groups were "
        "capped at QL 2.5), so that a hot-spot delineation does not turn up "
        "strong chance clusters.",
        "",
        "## Planted production structures and related industries",
        "",
        "Production structure of each planted LPS (`structure` in `planted.json`, "
        "from its industry's establishments in its members, with lps_geo's "
        "default cut-offs: lead establishments have 500 jobs or more):",
        "",
        "| id | group | structure | planted | lead share | micro+small share | "
        "largest |",
        "|---|---|---|---|---|---|---|",
        *[
            f"| {p['id']} | {p['industry']} | {p['structure']} | "
            f"{'yes' if p['structure_planted'] else 'no'} | {p['lead_share']:.3f} | "
            f"{p['micro_small_share']:.3f} | {p['largest']} |"
            for p in data.planted
        ],
        "",
        *[
            f"`{p['id']}` ({p['industry']}) was planted as `{p['structure']}`: "
            f"{p['structure_description']}."
            for p in data.planted
            if p["structure_planted"]
        ],
        "",
        *[
            f"Workforce of `{p['id']}` ({p['industry']}): mean wage "
            f"R$ {p['workforce']['mean_wage']:,.2f} against R$ "
            f"{p['industry_workforce']['mean_wage']:,.2f} in the industry's state "
            f"total; technical occupations {p['workforce']['technical_share']:.3f} "
            f"against {p['industry_workforce']['technical_share']:.3f}."
            for p in data.planted
            if "workforce" in p
        ],
        "",
        "Related industries (`related_industries` in `planted.json`): the "
        "suppliers were co-located with footwear over the whole state, so that "
        "their association relatedness with it (over all municipalities and "
        "groups, lps_geo's default) is above 1.3, and the footwear center holds "
        "them at a pooled QL >= 1:",
        "",
        "| industry | related | relatedness before | relatedness |",
        "|---|---|---|---|",
        *[
            f"| {r['industry']} | {r['related_industry']} | "
            f"{r['relatedness_before']:.3f} | {r['relatedness']:.3f} |"
            for r in data.related
        ],
        "",
        "Furniture cluster B (`lps06`) and the agricultural-machinery embryo "
        "(`lps09`) have no support institution in or next to them (capability "
        "gaps); the footwear center has technical schools and a university.",
        "",
        "## Notes on determinism",
        "",
        "The dBASE format stores a last-update date in bytes 1-3 of each `.dbf` "
        "header; the generator overwrites it with "
        f"{DBF_HEADER_DATE[0]}-{DBF_HEADER_DATE[1]:02d}-{DBF_HEADER_DATE[2]:02d} "
        "so that regeneration is byte-identical.",
        "",
    ]
    return "\n".join(lines)


def generate_demo(
    out_dir: str | Path,
    seed: int = DEFAULT_SEED,
    n_municipalities: int = DEFAULT_N,
    overwrite: bool = False,
) -> dict:
    """Build the synthetic demo study area and write it to ``out_dir``.

    Deterministic: the same ``seed`` and ``n_municipalities`` give
    byte-identical files. All data are invented (see :mod:`lps_geo.demo`);
    the planted local production systems follow the typology of Suzigan,
    Furtado & Garcia (2006, section 4.2) with the ``ipea2006`` cut-offs.

    Parameters
    ----------
    out_dir
        Folder to write (created if missing).
    seed
        Random seed.
    n_municipalities
        Number of municipalities (300-700).
    overwrite
        Replace the demo files if ``out_dir`` already holds them.

    Returns
    -------
    dict
        ``out_dir``, ``seed``, ``n_municipalities``, ``n_microregions``,
        ``n_institutions``, ``population``, ``employment``, ``files`` (name ->
        path), ``sha256`` (name -> hex digest), ``planted`` (list of records
        as in ``planted.json``), ``n_incidental``.

    Raises
    ------
    OutputExistsError
        Demo files exist in ``out_dir`` and ``overwrite`` is False.
    ConfigError
        ``n_municipalities`` out of range.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     info = generate_demo(d)
    >>> info["n_municipalities"], sorted({p["type"] for p in info["planted"]})
    (500, ['advanced_vector', 'center', 'embryo', 'local_vector'])
    """
    data = build_demo(seed, n_municipalities)
    files = write_demo(data, out_dir, overwrite=overwrite)
    sha = {
        f: hashlib.sha256(Path(p).read_bytes()).hexdigest() for f, p in files.items()
    }
    info = {
        "out_dir": str(Path(out_dir)),
        "seed": seed,
        "n_municipalities": len(data.municipalities),
        "n_microregions": int(data.municipalities["CD_MICRO"].nunique()),
        "n_institutions": len(data.institutions),
        "population": int(data.municipalities["POP"].sum()),
        "employment": int(data.employment.to_numpy().sum()),
        "files": files,
        "sha256": sha,
        "planted": data.planted,
        "n_incidental": len(data.incidental),
    }
    log.info("wrote synthetic demo data to %s (seed %s)", out_dir, seed)
    return info
