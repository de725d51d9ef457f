"""Synthetic patent counts for the demo: background by population, three planted LPS.

The demo's ``patents_long.csv`` is a long table (``cod_ibge``, ``ipc``,
``ano``, ``pedidos``) of patent applications by IPC 3-character class and
year, read with ``[[inputs.innovation]] format = "long"``. Every municipality
files at a rate proportional to its population in each class of
:data:`BACKGROUND_RATES`; the members of the LPS in :data:`PLANTED_PATENTS`
file more in the classes linked to their industry (footwear A43, pharmacy
A61 / C07, electronics H01 / H04 / H05), so that the lps_innovation layer finds them.
The draws use their own generator (seed and a fixed salt), so the rest of
the demo does not change with them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Background applications per 100,000 inhabitants per year, by IPC class.
BACKGROUND_RATES: dict[str, float] = {
    "A01": 0.6,
    "A23": 0.5,
    "A43": 0.2,
    "A47": 0.4,
    "A61": 1.0,
    "B29": 0.4,
    "B60": 0.5,
    "B65": 0.6,
    "C07": 0.3,
    "D06": 0.2,
    "E04": 0.6,
    "F16": 0.5,
    "G01": 0.5,
    "G06": 0.6,
    "H01": 0.4,
    "H04": 0.5,
    "H05": 0.3,
}

#: Planted LPS (demo ids) -> extra applications per member per year, by class.
PLANTED_PATENTS: dict[str, dict[str, float]] = {
    "lps01": {"A43": 12.0},  # footwear (15.3)
    "lps03": {"A61": 30.0, "C07": 10.0},  # pharmaceuticals (21.2)
    "lps04": {"H01": 60.0, "H04": 40.0, "H05": 20.0},  # electronic components (26.1)
}

#: Years of the table.
YEARS: tuple[int, ...] = (2013, 2014, 2015)

_SALT = 15  # issue 15: a generator of its own


def draw_patents(
    seed: int, codes: np.ndarray, population: np.ndarray, planted: list[dict]
) -> pd.DataFrame:
    """Applications by municipality, IPC class and year (rows with 0 left out).

    ``codes`` and ``population`` describe the municipalities; ``planted``
    are the demo's planted LPS (``id``, ``members``). Each planted LPS of
    :data:`PLANTED_PATENTS` gets ``patents_planted`` (class -> expected extra
    applications over the years and members) written into its dict.

    >>> t = draw_patents(1, np.array(["1900001", "1900002"]),
    ...                  np.array([2_000_000, 5_000]), [])
    >>> sorted(t.columns)
    ['ano', 'cod_ibge', 'ipc', 'pedidos']
    >>> bool((t["pedidos"] > 0).all())
    True
    """
    rng = np.random.default_rng([int(seed), _SALT])
    classes = list(BACKGROUND_RATES)
    rates = np.array([BACKGROUND_RATES[c] for c in classes])
    lam = np.asarray(population, float)[:, None, None] / 1e5 * rates[None, :, None]
    lam = np.broadcast_to(lam, (len(codes), len(classes), len(YEARS))).copy()
    pos = {str(c): i for i, c in enumerate(codes)}
    for p in planted:
        extra = PLANTED_PATENTS.get(p["id"])
        if not extra:
            continue
        rows = [pos[str(m)] for m in p["members"] if str(m) in pos]
        for cls, rate in extra.items():
            lam[rows, classes.index(cls), :] += rate
        p["patents_planted"] = {
            cls: rate * len(rows) * len(YEARS) for cls, rate in extra.items()
        }
    counts = rng.poisson(lam)
    i, k, y = np.nonzero(counts)
    table = pd.DataFrame(
        {
            "cod_ibge": np.asarray(codes, dtype=object)[i],
            "ipc": np.asarray(classes, dtype=object)[k],
            "ano": np.asarray(YEARS)[y],
            "pedidos": counts[i, k, y],
        }
    )
    return table.sort_values(["cod_ibge", "ipc", "ano"], ignore_index=True)
