"""Read a large synthetic RAIS establishment file with a small DuckDB memory limit.

Writes a file in the real "RAIS Estabelecimentos" layout (23 columns,
Latin-1, ``;``) in chunks to a temporary folder, then reads it in a fresh
process -- so that the peak resident memory measured is the reader's alone --
with :func:`lps_geo.io.read_rais_microdata` and prints rows/s, wall time and
peak RSS against the file size, plus the ratio to a plain DuckDB
``count(*)`` scan of the same file in the same process (the I/O floor).

A few problem rows are planted (municipality 999999 and non-numeric job
counts) so the report path is exercised; the totals are checked against the
values known at generation.

Usage::

    python benchmarks/rais_microdata.py               # 5 million rows
    python benchmarks/rais_microdata.py --rows 2000000 --memory-limit 256MB

The file is read twice: as the size tables alone, then keeping the
distribution of establishment sizes (``size_distribution=True``); the second
read's extra time is printed against the first (issue 14's target: at most
30 % more), with the time of the structure measures computed from it.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

HEADER = (
    "Bairros SP;Bairros Fortaleza;Bairros RJ;CNAE 2.0 Classe;CNAE 95 Classe;"
    "Distritos SP;Qtd Vínculos CLT;Qtd Vínculos Ativos;Qtd Vínculos Estatutários;"
    "Ind Atividade Ano;Ind CEI Vinculado;Ind Estab Participa PAT;Ind Rais Negativa;"
    "Ind Simples;Município;Natureza Jurídica;Regiões Adm DF;CNAE 2.0 Subclasse;"
    "Tamanho Estabelecimento;Tipo Estab;UF;IBGE Subsetor;CEP Estab"
)
STATES = [11, 12, 13, 14, 15, 16, 17, 21, 22, 23, 24, 25, 26, 27, 28, 29]
STATES += [31, 32, 33, 35, 41, 42, 43, 50, 51, 52, 53]


def generate(
    path: Path, rows: int, seed: int = 1, chunk: int = 500_000, problems: bool = True
) -> dict:
    """Write ``rows`` establishments; return the totals the reader must find."""
    rng = np.random.default_rng(seed)
    states = rng.choice(STATES, 5000)
    municipalities = np.unique(
        [
            f"{s}{n:04d}"
            for s, n in zip(states, rng.integers(0, 9999, 5000), strict=True)
        ]
    )
    classes = np.unique(
        [
            f"{d}{n:03d}"
            for d, n in zip(
                rng.integers(1, 99, 700), rng.integers(0, 999, 700), strict=True
            )
        ]
    )
    mun_weights = 1.0 / np.arange(1, len(municipalities) + 1) ** 1.1
    mun_weights /= mun_weights.sum()
    cls_weights = 1.0 / np.arange(1, len(classes) + 1) ** 0.9
    cls_weights /= cls_weights.sum()
    totals = {"rows": 0, "jobs_used": 0, "rows_999999": 0, "rows_bad_jobs": 0}
    with open(path, "wb") as handle:
        handle.write((HEADER + "\n").encode("latin-1"))
        done = 0
        while done < rows:
            n = min(chunk, rows - done)
            # skewed like the real files: a few large cities and common
            # activities hold most establishments
            mun = rng.choice(municipalities, n, p=mun_weights)
            cls = rng.choice(classes, n, p=cls_weights)
            negative = rng.random(n) < 0.3
            # sizes: mostly small, with a heavy tail of large plants (3 % of
            # rows lognormal, median 55 jobs, some thousands) as in RAIS
            small = rng.geometric(0.15, n) - 1
            large = np.minimum(rng.lognormal(4.0, 1.2, n), 50_000).astype(np.int64)
            jobs = np.where(negative, 0, np.where(rng.random(n) < 0.03, large, small))
            ignorado = rng.random(n) < (1e-4 if problems else 0.0)
            mun = np.where(ignorado, "999999", mun)
            bad = rng.random(n) < (1e-6 if problems else 0.0)
            jobs_text = np.where(bad, "x", jobs.astype(str))
            neg_text = np.where(negative, "1", "0")
            totals["rows"] += n
            totals["jobs_used"] += int(jobs[~ignorado & ~bad].sum())
            totals["rows_999999"] += int(ignorado.sum())
            totals["rows_bad_jobs"] += int((bad & ~ignorado).sum())
            lines = [
                f"Sé;{{ñ class}};{{ñ class}};{c};19313;0000;{j};{j};0;1;0;0;{g};1;"
                f"{m};2062;{{ñ class}};{c}00;3;1;{m[:2]};8;14400000\n"
                for c, j, g, m in zip(cls, jobs_text, neg_text, mun, strict=True)
            ]
            handle.write("".join(lines).encode("latin-1"))
            done += n
    return totals


def read(
    path: Path, memory_limit: str, temp_directory: str, sizes_memory_limit: str
) -> dict:
    """Run in a fresh process: a count(*) reference scan, then the reader."""
    import duckdb

    from lps_geo.io import read_rais_microdata

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    connection = duckdb.connect(config={"memory_limit": memory_limit})
    start = time.perf_counter()
    connection.sql(
        f"SELECT count(*) FROM read_csv('{path}', sep=';', header=true, "
        "all_varchar=true, encoding='latin-1', quote='', escape='')"
    ).fetchall()
    reference = time.perf_counter() - start
    connection.close()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = read_rais_microdata(
            path, memory_limit=memory_limit, temp_directory=temp_directory
        )
    wall = time.perf_counter() - start
    # the same read keeping the establishment size distribution (issue 14:
    # at most 30 % more), then the structure measures from it
    from lps_geo.stats.structure import establishment_structure

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sized = read_rais_microdata(
            path,
            memory_limit=sizes_memory_limit,
            temp_directory=temp_directory,
            size_distribution=True,
        )
    wall_sizes = time.perf_counter() - start
    start = time.perf_counter()
    structure = establishment_structure(sized.size_distribution)
    structure_s = time.perf_counter() - start
    report = tables.report.to_dict()
    return {
        "wall_s": wall,
        "reference_s": reference,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "baseline_rss_bytes": baseline,
        "rows_read": report["rows_read"],
        "rows_used": report["rows_used"],
        "jobs_used": report["jobs_used"],
        "rows_999999": report["unknown_municipalities"]["rows"],
        "rows_bad_jobs": report["bad_jobs"]["count"],
        "shape": list(tables.employment.shape),
        "wall_sizes_s": wall_sizes,
        "distribution_rows": len(sized.size_distribution),
        "structure_s": structure_s,
        "structure_pairs": len(structure),
        "sizes_match": bool(
            (sized.employment.to_numpy() == tables.employment.to_numpy()).all()
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--memory-limit", default="256MB")
    parser.add_argument(
        "--sizes-memory-limit",
        default="384MB",
        help="DuckDB memory limit of the read that keeps the size distribution "
        "(its aggregate holds one group per municipality, class and size)",
    )
    parser.add_argument("--dir", default=None, help="folder for the file")
    parser.add_argument(
        "--no-problems",
        action="store_true",
        help="plant no 999999 or non-numeric rows (no second pass for lines)",
    )
    parser.add_argument("--read", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.read:
        with tempfile.TemporaryDirectory() as spill:
            print(
                json.dumps(
                    read(
                        Path(args.read),
                        args.memory_limit,
                        spill,
                        args.sizes_memory_limit,
                    )
                )
            )
        return
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        path = Path(folder) / "RAIS_ESTAB_PUB.txt"
        start = time.perf_counter()
        expected = generate(path, args.rows, problems=not args.no_problems)
        print(f"generated {args.rows:,} rows in {time.perf_counter() - start:.1f} s")
        size = path.stat().st_size
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--read",
                str(path),
                "--memory-limit",
                args.memory_limit,
                "--sizes-memory-limit",
                args.sizes_memory_limit,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        got = json.loads(child.stdout.strip().splitlines()[-1])
    checks = {
        "rows_read": got["rows_read"] == expected["rows"],
        "jobs_used": got["jobs_used"] == expected["jobs_used"],
        "rows_999999": got["rows_999999"] == expected["rows_999999"],
        "rows_bad_jobs": got["rows_bad_jobs"] == expected["rows_bad_jobs"],
    }
    print(f"file_size_mb={size / 1e6:.1f}")
    print(
        f"rows={got['rows_read']:,} used={got['rows_used']:,} "
        f"table={got['shape'][0]}x{got['shape'][1]}"
    )
    print(f"memory_limit={args.memory_limit}")
    print(f"wall_s={got['wall_s']:.2f}")
    print(f"rows_per_s={got['rows_read'] / got['wall_s']:,.0f}")
    print(f"mb_per_s={size / 1e6 / got['wall_s']:.1f}")
    print(f"reference_count_scan_s={got['reference_s']:.2f}")
    print(f"wall_over_count_scan={got['wall_s'] / got['reference_s']:.2f}")
    print(
        f"with size distribution (memory_limit={args.sizes_memory_limit}): "
        f"wall_s={got['wall_sizes_s']:.2f} "
        f"({got['distribution_rows']:,} region x industry x size rows, same "
        f"tables: {got['sizes_match']}); "
        f"size_distribution_overhead={got['wall_sizes_s'] / got['wall_s'] - 1:+.1%} "
        "(target <= +30 %)"
    )
    print(
        f"structure measures of {got['structure_pairs']:,} (region, industry) "
        f"pairs: {got['structure_s']:.2f} s"
    )
    print(f"peak_rss_mb={got['peak_rss_bytes'] / 1e6:.0f}")
    print(f"peak_rss_over_file_size={got['peak_rss_bytes'] / size:.3f}")
    reader = got["peak_rss_bytes"] - got["baseline_rss_bytes"]
    print(f"rss_after_imports_mb={got['baseline_rss_bytes'] / 1e6:.0f}")
    print(f"reader_rss_increase_over_file_size={reader / size:.3f}")
    print("totals_match_generation=" + ("yes" if all(checks.values()) else str(checks)))


if __name__ == "__main__":
    main()
