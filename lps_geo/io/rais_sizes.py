"""The distribution of establishment sizes read from RAIS microdata.

:func:`~lps_geo.io.read_rais_microdata` with ``size_distribution=True``
groups the rows of each file by their job count as well, and this module
turns the used rows into one long table: for every region, industry and
size (active jobs on 31 December), the number of establishments of that
size. Every structure measure of :mod:`lps_geo.stats.structure` (RAIS size
bands, SEBRAE classes, lead establishments, CR4, Herfindahl, mean size)
follows from it, for a region or for any set of regions (an LPS), without a
second pass over the files.
"""

from __future__ import annotations

import pandas as pd

from lps_geo.vocab import EstablishmentCount

#: Columns of the size distribution, in order.
SIZE_COLUMNS = ("region", "industry", "size", "establishments")


def size_rows(connection, outcomes: str, establishments: EstablishmentCount):
    """Establishments per (region, industry, size) among one file's used rows.

    ``outcomes`` is the reader's SQL prefix that labels every grouped row
    (``outcome = 'used'`` for the rows kept); ``establishments`` is the
    reader's definition: ``"active"`` keeps the establishments that are not
    negative declarations (Ind Rais Negativa = 0), ``"all"`` keeps every row.
    """
    keep = "neg = '0'" if establishments == "active" else "TRUE"
    return connection.sql(
        outcomes
        + f"""
        SELECT region, industry, size, CAST(sum(n_rows) AS BIGINT) AS establishments
        FROM rows WHERE outcome = 'used' AND {keep} GROUP BY ALL ORDER BY ALL
        """
    ).df()


def size_table(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """One sorted long table from the per-file parts (sizes summed across
    files: an industry of one region may be spread over regional files)."""
    frame = pd.concat(parts, ignore_index=True)
    if frame.empty:
        return pd.DataFrame(
            {
                "region": pd.Series(dtype=str),
                "industry": pd.Series(dtype=str),
                "size": pd.Series(dtype="int64"),
                "establishments": pd.Series(dtype="int64"),
            }
        )
    frame = frame.astype({"size": "int64", "establishments": "int64"})
    if len(parts) == 1:  # grouped and sorted by DuckDB already
        return frame[list(SIZE_COLUMNS)].reset_index(drop=True)
    out = (
        frame.groupby(["region", "industry", "size"], sort=True)["establishments"]
        .sum()
        .reset_index()
    )
    return out[list(SIZE_COLUMNS)]
