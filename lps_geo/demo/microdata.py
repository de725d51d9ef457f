"""RAIS-like microdata of the demo: one row per establishment, one per job.

The tables of the demo (``employment_long.csv``, ``establishments_wide.csv``)
are the aggregation of these rows. Every (municipality, group) cell with
``E`` jobs and ``N`` establishments becomes ``N`` establishments of at least
one job that sum to ``E``: each draws a log-normal weight (sigma 1.5 in
manufacturing, 1.1 elsewhere) and the ``E - N`` jobs beyond the first of
each are shared out by a multinomial draw on the weights, which gives the
heavy tail of real size distributions (many micro establishments, a few
large ones). Each establishment's CNAE 2.0 class is drawn from the classes of
its group (:data:`lps_geo.demo.industries.CLASSES`). About 3 % more rows are
"negative declarations" (``Ind Rais Negativa = 1``, no job), which the
official statistics and :func:`lps_geo.io.read_rais_microdata` leave out of
the establishment count.

Two production structures are planted (:data:`STRUCTURES`), in the terms of
:mod:`lps_geo.stats.structure` (lead establishments: 500 jobs or more):

* ``lps03`` (pharmaceuticals in the capital and two suburbs) is
  ``lead_firm``: two large plants hold 45 % and 15 % of the LPS's jobs, the
  other establishments of its members have fewer than 250 jobs;
* ``lps02`` (the jewellery town) is ``small_firm``: every establishment has
  fewer than 20 jobs.

Worker records ("Vínculos") are written for every job of the industries of
these two LPS, in every municipality: each establishment's jobs become as
many active records with its municipality, class and size band, plus about
3 % records of jobs that ended in the year (``Vínculo Ativo 31/12 = 0``).
Large establishments pay more and employ more technical occupations (CBO
major groups 2 and 3), so the lead-firm LPS pays more than its industry's
state mean and has a higher technical share.

The draws use their own generators seeded from the demo's seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lps_geo.demo.industries import CLASSES, GROUP_CODES, manufacturing
from lps_geo.errors import LpsGeoError
from lps_geo.vocab import RAIS_SIZE_BANDS

#: Columns of the establishment file, in the order of the PDET layout (a
#: subset of its 23 columns: the file must stay small).
ESTABLISHMENT_COLUMNS: tuple[str, ...] = (
    "CNAE 2.0 Classe",
    "Qtd Vínculos Ativos",
    "Ind Rais Negativa",
    "Município",
    "Tamanho Estabelecimento",
)
#: Columns of the worker file, in the order of the PDET layout (a subset).
WORKER_COLUMNS: tuple[str, ...] = (
    "CBO Ocupação 2002",
    "CNAE 2.0 Classe",
    "Vínculo Ativo 31/12",
    "Escolaridade após 2005",
    "Idade",
    "Município",
    "Vl Remun Média Nom",
    "Sexo Trabalhador",
    "Tamanho Estabelecimento",
)

#: Planted production structures: LPS id -> label and how it is made.
STRUCTURES: dict[str, dict] = {
    "lps03": {
        "structure": "lead_firm",
        "lead_fractions": (0.45, 0.15),
        "cap": 249,
        "description": "two large plants (45 % and 15 % of the LPS's jobs) "
        "among establishments of fewer than 250 jobs",
    },
    "lps02": {
        "structure": "small_firm",
        "lead_fractions": (),
        "cap": 19,
        "description": "only micro establishments (fewer than 20 jobs)",
    },
}
#: Lead establishment (jobs) and SEBRAE micro/small limits of industry
#: (the defaults of [characterisation] and lps_geo.stats.structure).
LEAD_JOBS = 500
SMALL_LIMIT = 100
LEAD_SHARE = 0.5
SMALL_SHARE = 0.5
#: Expected negative declarations per establishment.
NEGATIVE_RATE = 0.03
#: Expected records of jobs ended in the year per active job.
INACTIVE_RATE = 0.03

#: Occupations (CBO 2002) of the worker records: technical (major groups 2
#: and 3) and other, per industry, with weights.
_OCCUPATIONS: dict[str, dict[str, tuple[tuple[str, float], ...]]] = {
    "21.2": {
        "technical": (
            ("223405", 0.35),  # farmacêutico
            ("221105", 0.1),  # biólogo
            ("214905", 0.1),  # engenheiro de produção
            ("301105", 0.3),  # laboratorista industrial
            ("351205", 0.15),  # técnico em contabilidade
        ),
        "other": (
            ("784205", 0.35),  # alimentador de linha de produção
            ("784105", 0.25),  # embalador, a mão
            ("411005", 0.2),  # auxiliar de escritório
            ("514320", 0.1),  # faxineiro
            ("782510", 0.1),  # motorista de caminhão
        ),
    },
    "32.1": {
        "technical": (
            ("262405", 0.4),  # artista (artes visuais): designer de joias
            ("252105", 0.3),  # administrador
            ("351205", 0.3),  # técnico em contabilidade
        ),
        "other": (
            ("751010", 0.4),  # joalheiro
            ("751020", 0.2),  # lapidador
            ("784105", 0.15),  # embalador, a mão
            ("411005", 0.1),  # auxiliar de escritório
            ("521110", 0.15),  # vendedor de comércio varejista
        ),
    },
}
#: Share of technical occupations by establishment size: below 100 jobs,
#: 100-499, 500 or more; per industry.
_TECHNICAL: dict[str, tuple[float, float, float]] = {
    "21.2": (0.14, 0.22, 0.42),
    "32.1": (0.04, 0.08, 0.12),
}
#: Mean monthly wage (R$) of a non-technical job in a micro establishment.
_BASE_WAGE = {"21.2": 2600.0, "32.1": 1650.0}
#: Share of women.
_WOMEN = {"21.2": 0.5, "32.1": 0.55}


def size_band(jobs: np.ndarray) -> np.ndarray:
    """RAIS "Tamanho Estabelecimento" code (1-10) of each job count.

    >>> size_band(np.array([0, 1, 4, 5, 19, 20, 499, 500, 1000])).tolist()
    [1, 2, 2, 3, 4, 5, 8, 9, 10]
    """
    lows = np.array([low for _, _, low in RAIS_SIZE_BANDS])
    codes = np.array([code for code, _, _ in RAIS_SIZE_BANDS])
    return codes[np.searchsorted(lows, np.asarray(jobs), side="right") - 1]


def draw_sizes(
    rng: np.random.Generator,
    jobs: int,
    n: int,
    sigma: float,
    cap: int | None = None,
) -> np.ndarray:
    """``n`` establishment sizes of at least 1 (and at most ``cap``) that sum
    to ``jobs``: log-normal weights, the jobs beyond one each shared out by
    a multinomial draw on them.

    >>> s = draw_sizes(np.random.default_rng(1), 100, 7, 1.5, cap=30)
    >>> int(s.sum()), len(s), int(s.min()) >= 1, int(s.max()) <= 30
    (100, 7, True, True)
    """
    if n < 1 or jobs < n:
        raise LpsGeoError(f"demo: cannot split {jobs} jobs into {n} establishments")
    if cap is not None and cap * n < jobs:
        raise LpsGeoError(
            f"demo: {jobs} jobs do not fit {n} establishments of at most {cap}"
        )
    w = rng.lognormal(0.0, sigma, n)
    sizes = 1 + rng.multinomial(jobs - n, w / w.sum())
    if cap is not None:
        while sizes.max() > cap:
            excess = int(np.maximum(sizes - cap, 0).sum())
            sizes = np.minimum(sizes, cap)
            room = (cap - sizes).astype(float)
            p = w * (room > 0)
            add = rng.multinomial(excess, p / p.sum())
            sizes = sizes + add
    return sizes.astype(np.int64)


def draw_establishments(
    seed: int,
    employment: pd.DataFrame,
    establishments: pd.DataFrame,
    planted: list[dict],
) -> pd.DataFrame:
    """One row per establishment of every cell, plus negative declarations.

    Parameters
    ----------
    seed
        The demo's seed.
    employment, establishments
        Municipality x group tables (index ``CD_MUN``, sorted).
    planted
        The planted LPS records (``id``, ``industry``, ``members``).

    Returns
    -------
    DataFrame
        ``cod_ibge``, ``group``, ``cnae_class`` (5 digits), ``jobs``,
        ``negative`` (0/1), in municipality and group order.
    """
    rng = np.random.default_rng([seed, 14, 100])
    manuf = dict(zip(GROUP_CODES, manufacturing(), strict=True))
    by_id = {p["id"]: p for p in planted}
    plan: dict[tuple[str, str], tuple[int | None, list[int]]] = {}
    for lps_id, spec in STRUCTURES.items():
        p = by_id[lps_id]
        group, members = p["industry"], p["members"]
        total = int(employment.loc[members, group].sum())
        order = sorted(members, key=lambda m: (-employment.loc[m, group], m))
        for m in members:
            plan[(m, group)] = (spec["cap"], [])
        for m, frac in zip(order, spec["lead_fractions"], strict=False):
            plan[(m, group)][1].append(int(round(frac * total)))
    emp = employment.to_numpy().astype(np.int64)
    est = establishments.to_numpy().astype(np.int64)
    codes = employment.index.to_numpy()
    class_codes = {
        g: np.array([c.replace(".", "").replace("-", "") for c, _, _ in CLASSES[g]])
        for g in GROUP_CODES
    }
    class_cum = {
        g: np.cumsum([w for _, _, w in CLASSES[g]]) / sum(w for _, _, w in CLASSES[g])
        for g in GROUP_CODES
    }
    rows_j, rows_k, all_sizes, all_classes = [], [], [], []
    for j, k in zip(*np.nonzero(emp), strict=True):
        code, group = codes[j], GROUP_CODES[k]
        jobs, n = int(emp[j, k]), int(est[j, k])
        sigma = 1.5 if manuf[group] else 1.1
        cap, leads = plan.get((code, group), (None, []))
        # a lead plant leaves at least one job to every other establishment
        leads = [
            min(size, jobs - sum(leads[:i]) - (n - i - 1))
            for i, size in enumerate(leads)
        ][:n]
        if cap is not None and n > len(leads):
            cap = max(cap, -(-(jobs - sum(leads)) // (n - len(leads))))
        rest = draw_sizes(rng, jobs - sum(leads), n - len(leads), sigma, cap)
        sizes = np.concatenate([np.array(leads, np.int64), rest])
        sizes = sizes[rng.permutation(len(sizes))]
        n_neg = int(rng.poisson(NEGATIVE_RATE * n))
        sizes = np.concatenate([sizes, np.zeros(n_neg, np.int64)])
        pick = np.searchsorted(class_cum[group], rng.random(len(sizes)), side="right")
        pick = np.minimum(pick, len(class_codes[group]) - 1)
        rows_j.append(np.full(len(sizes), j))
        rows_k.append(np.full(len(sizes), k))
        all_sizes.append(sizes)
        all_classes.append(class_codes[group][pick])
    j_idx, k_idx = np.concatenate(rows_j), np.concatenate(rows_k)
    sizes = np.concatenate(all_sizes)
    return pd.DataFrame(
        {
            "cod_ibge": codes[j_idx],
            "group": np.array(GROUP_CODES)[k_idx],
            "cnae_class": np.concatenate(all_classes),
            "jobs": sizes,
            "negative": (sizes == 0).astype(np.int64),
        }
    )


def structure_of(micro: pd.DataFrame, members: list[str], group: str) -> dict:
    """Lead share, micro and small share and label of a set of establishments
    (the active ones of ``group`` in ``members``), with the defaults of
    :func:`lps_geo.stats.structure.structure_label`."""
    rows = micro[
        micro["cod_ibge"].isin(members)
        & (micro["group"] == group)
        & (micro["negative"] == 0)
    ]
    jobs = rows["jobs"].to_numpy()
    total = int(jobs.sum())
    lead = jobs[jobs >= LEAD_JOBS]
    small = int(jobs[jobs < SMALL_LIMIT].sum())
    lead_share = float(lead.sum() / total)
    small_share = small / total
    if lead_share >= LEAD_SHARE:
        label = "lead_firm"
    elif len(lead) == 0 and small_share >= SMALL_SHARE:
        label = "small_firm"
    else:
        label = "core_ring"
    return {
        "structure": label,
        "lead_establishments": len(lead),
        "lead_share": round(lead_share, 6),
        "micro_small_share": round(small_share, 6),
        "largest": int(jobs.max()),
    }


def draw_workers(
    seed: int, micro: pd.DataFrame, groups: tuple[str, ...]
) -> pd.DataFrame:
    """One record per job of the active establishments of ``groups``, plus
    records of jobs that ended in the year.

    Returns
    -------
    DataFrame
        ``cod_ibge``, ``group``, ``cnae_class``, ``establishment_jobs``,
        ``active`` (0/1), ``occupation`` (CBO 2002, 6 digits), ``technical``
        (bool), ``schooling`` (1-11), ``age``, ``sex`` (1 man, 2 woman),
        ``wage`` (mean monthly nominal wage, R$, 2 decimals).
    """
    rng = np.random.default_rng([seed, 14, 200])
    parts = []
    for group in groups:
        est = micro[(micro["group"] == group) & (micro["negative"] == 0)]
        size = est["jobs"].to_numpy()
        n_inactive = rng.poisson(INACTIVE_RATE * size)
        reps = size + n_inactive
        idx = np.repeat(np.arange(len(est)), reps)
        first = np.repeat(np.cumsum(reps) - reps, reps)
        active = (np.arange(len(idx)) - first < np.repeat(size, reps)).astype(np.int64)
        s = size[idx]
        n = len(idx)
        cls = 0 + (s >= 100) + (s >= 500)
        p_tech = np.array(_TECHNICAL[group])[cls]
        technical = rng.random(n) < p_tech
        occ = _OCCUPATIONS[group]
        codes_t = np.array([c for c, _ in occ["technical"]])
        w_t = np.array([w for _, w in occ["technical"]])
        codes_o = np.array([c for c, _ in occ["other"]])
        w_o = np.array([w for _, w in occ["other"]])
        occupation = np.where(
            technical,
            codes_t[rng.choice(len(codes_t), n, p=w_t / w_t.sum())],
            codes_o[rng.choice(len(codes_o), n, p=w_o / w_o.sum())],
        )
        school_t = rng.choice([7, 8, 9, 10], n, p=[0.2, 0.12, 0.6, 0.08])
        school_o = rng.choice([4, 5, 6, 7, 8], n, p=[0.06, 0.14, 0.15, 0.55, 0.1])
        schooling = np.where(technical, school_t, school_o)
        premium = (2.1 * technical + 1.0 * ~technical) * (
            1.0 + 0.12 * np.log10(s) + 0.1 * (s >= 500)
        )
        wage = _BASE_WAGE[group] * premium * rng.lognormal(-0.045, 0.3, n)
        wage = np.round(wage, 2)
        age = np.clip(np.rint(rng.normal(36, 10, n)), 18, 64).astype(np.int64)
        sex = np.where(rng.random(n) < _WOMEN[group], 2, 1)
        parts.append(
            pd.DataFrame(
                {
                    "cod_ibge": est["cod_ibge"].to_numpy()[idx],
                    "group": group,
                    "cnae_class": est["cnae_class"].to_numpy()[idx],
                    "establishment_jobs": s,
                    "active": active,
                    "occupation": occupation,
                    "technical": technical,
                    "schooling": schooling,
                    "age": age,
                    "sex": sex,
                    "wage": wage,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def workforce_of(workers: pd.DataFrame, members: list[str] | None, group: str) -> dict:
    """Workers, mean wage and shares of the active jobs of ``group`` in
    ``members`` (None: the whole state), as
    :func:`lps_geo.io.read_rais_workers` measures them."""
    rows = workers[(workers["group"] == group) & (workers["active"] == 1)]
    if members is not None:
        rows = rows[rows["cod_ibge"].isin(members)]
    return {
        "workers": len(rows),
        "wage_sum": round(float(rows["wage"].sum()), 2),
        "mean_wage": round(float(rows["wage"].mean()), 6),
        "technical_share": round(float(rows["technical"].mean()), 6),
        "secondary_share": round(float((rows["schooling"] >= 7).mean()), 6),
    }


def establishment_lines(micro: pd.DataFrame) -> pd.DataFrame:
    """The establishment rows in the file's columns (text cells)."""
    return pd.DataFrame(
        {
            "CNAE 2.0 Classe": micro["cnae_class"],
            "Qtd Vínculos Ativos": micro["jobs"],
            "Ind Rais Negativa": micro["negative"],
            "Município": micro["cod_ibge"].str[:6],
            "Tamanho Estabelecimento": size_band(micro["jobs"].to_numpy()),
        },
        columns=list(ESTABLISHMENT_COLUMNS),
    )


def worker_lines(workers: pd.DataFrame) -> pd.DataFrame:
    """The worker records in the file's columns (text cells, decimal comma)."""
    wage = np.char.replace(np.char.mod("%.2f", workers["wage"].to_numpy()), ".", ",")
    return pd.DataFrame(
        {
            "CBO Ocupação 2002": workers["occupation"],
            "CNAE 2.0 Classe": workers["cnae_class"],
            "Vínculo Ativo 31/12": workers["active"],
            "Escolaridade após 2005": workers["schooling"],
            "Idade": workers["age"],
            "Município": workers["cod_ibge"].str[:6],
            "Vl Remun Média Nom": wage,
            "Sexo Trabalhador": workers["sex"],
            "Tamanho Estabelecimento": size_band(
                workers["establishment_jobs"].to_numpy()
            ),
        },
        columns=list(WORKER_COLUMNS),
    )
