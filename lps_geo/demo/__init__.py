"""The synthetic demo data set: a state with planted LPS (see :mod:`.generator`)."""

from lps_geo.demo.generator import (
    DEFAULT_SEED,
    FILES,
    INSTITUTION_TYPES,
    DemoData,
    build_demo,
    cnae_groups,
    generate_demo,
    ibge_check_digit,
    main,
    rais_title,
    write_demo,
)

__all__ = [
    "DEFAULT_SEED",
    "FILES",
    "INSTITUTION_TYPES",
    "DemoData",
    "build_demo",
    "cnae_groups",
    "generate_demo",
    "ibge_check_digit",
    "main",
    "rais_title",
    "write_demo",
]
