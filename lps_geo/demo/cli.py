"""The command line of the demo: ``python -m lps_geo.demo OUT_DIR [--seed N]``."""

from __future__ import annotations

import argparse
import logging
import sys

from lps_geo.demo.build import DEFAULT_N, DEFAULT_SEED, N_RANGE
from lps_geo.demo.write import generate_demo
from lps_geo.errors import LpsGeoError


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m lps_geo.demo OUT_DIR [--seed N]``."""
    ap = argparse.ArgumentParser(
        prog="python -m lps_geo.demo",
        description="Write the synthetic lps_geo demo data set (all values invented).",
    )
    ap.add_argument("out_dir", help="folder to write")
    ap.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"random seed (default {DEFAULT_SEED})",
    )
    ap.add_argument(
        "--n-municipalities",
        type=int,
        default=DEFAULT_N,
        help=f"number of municipalities, {N_RANGE[0]}-{N_RANGE[1]} "
        f"(default {DEFAULT_N})",
    )
    ap.add_argument(
        "--overwrite",
        action="store_true",
        help="replace existing demo files in OUT_DIR",
    )
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        info = generate_demo(
            args.out_dir, args.seed, args.n_municipalities, overwrite=args.overwrite
        )
    except LpsGeoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    types = {}
    for p in info["planted"]:
        types[p["type"]] = types.get(p["type"], 0) + 1
    print(
        f"wrote {len(info['files'])} files to {info['out_dir']}: "
        f"{info['n_municipalities']} municipalities, {info['n_microregions']} "
        f"microregions, {info['n_institutions']} institutions, planted "
        + ", ".join(f"{v} {k}" for k, v in types.items())
    )
    return 0
