"""Relatedness: EconGeo's examples, hand-computed oracles, size neutrality, per LPS."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import require_shared
from numpy.testing import assert_allclose, assert_array_equal

from lps_geo.errors import ConfigError, InputError
from lps_geo.stats import related_lps
from lps_geo.stats.related_lps import lps_relatedness
from lps_geo.stats.relatedness import (
    DEFAULT_METHOD,
    RELATEDNESS_METHODS,
    binary_rca,
    co_occurrence,
    cooccurrence_relatedness,
    locational_correlation,
    proximity,
    relatedness_density,
    relatedness_matrix,
    relatedness_pairs,
    top_related,
)


def frame(rows, index, columns, index_name="region") -> pd.DataFrame:
    return pd.DataFrame(
        np.asarray(rows, dtype=float),
        index=pd.Index(index, name=index_name),
        columns=pd.Index(columns, name="industry"),
    )


def square(rows, codes) -> pd.DataFrame:
    return frame(rows, codes, codes, index_name="industry")


I4 = ["I1", "I2", "I3", "I4"]
I6 = ["I1", "I2", "I3", "I4", "I5", "I6"]
R5 = ["R1", "R2", "R3", "R4", "R5"]

# ----------------------------------------------------------------------------
# EconGeo's documented examples (man/*.Rd, set.seed(31)). The matrices are what
# R 4.2 draws for them; the expected values were printed by EconGeo's own code
# (R/RCA.r, co.occurrence.r, relatedness.r, relatedness.density.r at commit
# 420c3c5 of github.com/PABalland/EconGeo) run in R 4.2.2.
# ----------------------------------------------------------------------------


def test_binary_rca_reproduces_econgeo_rca_example():
    E = frame(
        [[44, 63, 8, 83], [48, 42, 10, 1], [74, 54, 96, 16], [39, 26, 28, 13],
         [89, 61, 45, 76]],
        R5,
        I4,
    )  # fmt: skip
    econgeo_rca = [
        [0.69, 1.18, 0.20, 2.03],
        [1.48, 1.55, 0.48, 0.05],
        [0.96, 0.84, 1.96, 0.32],
        [1.15, 0.91, 1.29, 0.59],
        [1.02, 0.84, 0.81, 1.36],
    ]
    econgeo_binary = [[0, 1, 0, 1], [1, 1, 0, 0], [0, 0, 1, 0], [1, 0, 1, 0],
                      [1, 0, 0, 1]]  # fmt: skip
    from lps_geo.stats.indicators import location_quotient

    assert_allclose(location_quotient(E).round(2).to_numpy(), econgeo_rca)
    assert_array_equal(binary_rca(E).to_numpy(), econgeo_binary)
    # hand: R1/I4 = (R1's 83 of its 198) / (I4's 189 of all 916) = 2.0316
    assert E.to_numpy().sum() == 916
    assert_allclose(location_quotient(E).loc["R1", "I4"], (83 / 198) / (189 / 916))


ECONGEO_COOC_INPUT = [  # industries x events, as EconGeo takes it
    [0, 1, 0, 0, 1],
    [0, 1, 1, 0, 1],
    [0, 0, 0, 1, 1],
    [1, 0, 0, 1, 0],
]


def test_co_occurrence_reproduces_econgeo_example():
    # EconGeo takes industries in rows: our region x industry M is its transpose
    M = frame(np.array(ECONGEO_COOC_INPUT).T, ["US1", "US2", "US3", "US4", "US5"], I4)
    assert_array_equal(
        co_occurrence(M).to_numpy(),
        [[0, 2, 1, 0], [2, 0, 1, 0], [1, 1, 0, 1], [0, 0, 1, 0]],
    )
    assert_array_equal(
        co_occurrence(M, diagonal=True).to_numpy(),
        [[2, 2, 1, 0], [2, 3, 1, 0], [1, 1, 2, 1], [0, 0, 1, 2]],
    )
    assert list(co_occurrence(M).index) == I4


ECONGEO_C = [  # relatedness example: symmetric co-occurrences (diagonal ignored)
    [0, 10, 1, 5, 5, 9],
    [10, 8, 0, 1, 5, 7],
    [1, 0, 0, 9, 4, 4],
    [5, 1, 9, 6, 6, 5],
    [5, 5, 4, 6, 8, 1],
    [9, 7, 4, 5, 1, 10],
]

# upper triangles (I1I2, I1I3, ..., I5I6) printed by EconGeo's relatedness()
ECONGEO_RELATEDNESS = {
    "prob": [1.701387604070305, 0.221666666666667, 0.743368700265252,
             0.939119951778180, 1.338063660477454, 0.0, 0.199801290214243,
             1.262855106404643, 1.398609031499699, 2.343631778058008,
             1.317269076305221, 1.041614123581337, 1.323605854726186,
             0.872781065088757, 0.220600975787698],
    "association": [2.086956521739130, 0.266666666666667, 0.923076923076923,
                    1.142857142857143, 1.661538461538461, 0.0, 0.240802675585284,
                    1.490683229813665, 1.685618729096990, 2.769230769230769,
                    1.523809523809524, 1.230769230769231, 1.582417582417582,
                    1.065088757396450, 0.263736263736264],
    "cosine": [0.3806934938134405, 0.0430331482911935, 0.1790287185098582,
               0.1992047682223989, 0.3222516933177448, 0.0, 0.0408930410054765,
               0.2275078775966450, 0.2862512870383357, 0.4160251471689218,
               0.2057377999494559, 0.1849000654084097, 0.2567762955065477,
               0.1923076923076923, 0.0427960492510913],
    "Jaccard": [0.2325581395348837, 0.0212765957446809, 0.0980392156862745,
                0.1086956521739130, 0.1914893617021277, 0.0, 0.0208333333333333,
                0.1282051282051282, 0.1666666666666667, 0.2571428571428571,
                0.1142857142857143, 0.1000000000000000, 0.1463414634146341,
                0.1063829787234043, 0.0217391304347826],
}  # fmt: skip


@pytest.mark.parametrize("method", list(ECONGEO_RELATEDNESS))
def test_cooccurrence_relatedness_reproduces_econgeo_example(method):
    out = cooccurrence_relatedness(square(ECONGEO_C, I6), method).to_numpy()
    i, j = np.triu_indices(6, k=1)
    assert_allclose(out[i, j], ECONGEO_RELATEDNESS[method], rtol=1e-12, atol=1e-15)
    assert_allclose(out, out.T)
    assert_array_equal(np.diag(out), 0.0)


def test_association_and_prob_by_hand_on_econgeo_example():
    # diagonal dropped: S_1 = 10+1+5+5+9 = 30, S_2 = 10+0+1+5+7 = 23, and
    # T = 2 * (sum of the upper triangle = 72) = 144
    assoc = cooccurrence_relatedness(square(ECONGEO_C, I6), "association")
    assert_allclose(assoc.loc["I1", "I2"], 10 * 144 / (30 * 23), rtol=1e-14)
    # prob: 10 / [(30/144 * 23/(144-30) + 23/144 * 30/(144-23)) * 72]
    prob = cooccurrence_relatedness(square(ECONGEO_C, I6), "prob")
    den = (30 / 144 * 23 / 114 + 23 / 144 * 30 / 121) * 72
    assert_allclose(prob.loc["I1", "I2"], 10 / den, rtol=1e-14)
    # cosine 10 / sqrt(30 * 23); Jaccard 10 / (30 + 23 - 10)
    cos = cooccurrence_relatedness(square(ECONGEO_C, I6), "cosine")
    jac = cooccurrence_relatedness(square(ECONGEO_C, I6), "jaccard")
    assert_allclose(cos.loc["I1", "I2"], 10 / np.sqrt(690), rtol=1e-14)
    assert_allclose(jac.loc["I1", "I2"], 10 / 43, rtol=1e-14)


def test_relatedness_density_reproduces_econgeo_example():
    M = frame([[0, 1, 0, 1], [0, 0, 0, 1], [0, 0, 0, 1], [1, 0, 0, 1], [1, 1, 1, 0]],
              R5, I4)  # fmt: skip
    R = square([[1, 1, 0, 1], [1, 1, 1, 1], [0, 1, 1, 1], [1, 1, 1, 0]], I4)
    econgeo = [
        [66.67, 50, 66.67, 33.33],
        [33.33, 25, 33.33, 0.00],
        [33.33, 25, 33.33, 0.00],
        [66.67, 50, 33.33, 33.33],
        [66.67, 75, 66.67, 100.00],
    ]
    out = relatedness_density(M, R)
    assert_allclose(out.to_numpy(), econgeo, atol=0.005)
    # hand: R1 holds I2 and I4; I1 is related to I1, I2, I4 -> 2 of 3
    assert_allclose(out.loc["R1", "I1"], 200 / 3)
    assert list(out.index) == R5 and list(out.columns) == I4


# ----------------------------------------------------------------------------
# hand-computed oracles
# ----------------------------------------------------------------------------

# four regions; a and b specialise in r1, r2; c in r3, r4
E_TINY = frame([[9, 8, 1], [8, 9, 1], [1, 1, 9], [1, 1, 9]], ["r1", "r2", "r3", "r4"],
               ["a", "b", "c"])  # fmt: skip


def test_binary_rca_by_hand_and_threshold():
    # r1: total 18, a 9/18 = 0.5 vs 19/57 = 0.3333 -> QL 1.5; c: (1/18)/(20/57) < 1
    assert_array_equal(
        binary_rca(E_TINY).to_numpy(), [[1, 1, 0], [1, 1, 0], [0, 0, 1], [0, 0, 1]]
    )
    # r2/a: (8/18) / (19/57) = 1.3333: out at threshold 1.4, r1/a (1.5) stays
    assert binary_rca(E_TINY, threshold=1.4).loc["r2", "a"] == 0
    assert binary_rca(E_TINY, threshold=1.4).loc["r1", "a"] == 1


def test_relatedness_matrix_association_by_hand():
    # C_ab = 2 (r1, r2), every other pair 0; S = (2, 2, 0), T = 4
    # association(a, b) = 2 * 4 / (2 * 2) = 2; c co-occurs with nothing: 0
    out = relatedness_matrix(E_TINY)
    assert DEFAULT_METHOD == "association"
    assert_allclose(out.loc["a", "b"], 2.0)
    assert_allclose(out.loc["a", "c"], 0.0)
    assert np.isnan(np.diag(out.to_numpy())).all()


def test_proximity_by_hand():
    # occurrences N = (a 2, b 1, c 3); phi = C / max(N_i, N_j)
    M = frame([[1, 1, 1], [1, 0, 1], [0, 0, 1]], ["r1", "r2", "r3"], list("abc"))
    out = proximity(M)
    assert_allclose(out.loc["a", "b"], 1 / 2)
    assert_allclose(out.loc["a", "c"], 2 / 3)
    assert_allclose(out.loc["b", "c"], 1 / 3)
    assert_allclose(out.to_numpy(), out.to_numpy().T)


def test_locational_correlation_share_by_hand():
    # shares: a (1, 2, 3)/6, c (3, 2, 1)/6 -> exactly -1; b (2, 4, 7)/13:
    # deviations of a (-1, 0, 1), of b (-7/3, -1/3, 8/3) -> r = (15/3) /
    # sqrt(2 * (49 + 1 + 64)/9) = 5 / sqrt(25.3333) = 0.99339
    E = frame([[1, 2, 3], [2, 4, 2], [3, 7, 1]], ["r1", "r2", "r3"], list("abc"))
    out = locational_correlation(E, "share")
    assert_allclose(out.loc["a", "c"], -1.0)
    assert_allclose(out.loc["a", "b"], 5 / np.sqrt(228 / 9), rtol=1e-12)
    assert_allclose(np.diag(out), 1.0)


@pytest.mark.parametrize("variable", ["share", "ql", "log_ql"])
def test_locational_correlation_matches_pandas_corr(variable):
    rng = np.random.default_rng(3)
    E = frame(rng.poisson(4.0, (60, 7)), [f"r{i}" for i in range(60)], list("abcdefg"))
    x = E.to_numpy()
    if variable == "share":
        v = x / x.sum(axis=0)
    else:
        v = (x / x.sum(axis=1, keepdims=True)) / (x.sum(axis=0) / x.sum())
        v = np.log1p(v) if variable == "log_ql" else v
    expected = pd.DataFrame(v).corr().to_numpy()
    assert_allclose(
        locational_correlation(E, variable).to_numpy(), expected, atol=1e-12
    )


def test_locational_correlation_is_nan_safe():
    # d is constant QL (proportional to region size) and e is absent: NaN rows;
    # the empty region r4 is left out instead of producing NaN QL
    E = frame(
        [[4, 1, 2, 2, 0], [1, 4, 1, 2, 0], [2, 2, 3, 2, 0], [0, 0, 0, 0, 0]],
        ["r1", "r2", "r3", "r4"],
        list("abcde"),
    )
    E.loc[:, "d"] = E[["a", "b", "c"]].sum(axis=1)  # QL of d is 1 everywhere
    out = locational_correlation(E, "ql")
    assert np.isnan(out.loc["d"]).all() and np.isnan(out["e"]).all()
    assert np.isfinite(out.loc[["a", "b", "c"], ["a", "b", "c"]].to_numpy()).all()


def test_every_method_is_symmetric_with_nan_diagonal():
    rng = np.random.default_rng(5)
    E = frame(rng.poisson(3.0, (40, 6)), [f"r{i}" for i in range(40)], list("abcdef"))
    for method in RELATEDNESS_METHODS:
        out = relatedness_matrix(E, method).to_numpy()
        assert np.isnan(np.diag(out)).all(), method
        assert_allclose(out, out.T, err_msg=method)


def test_registry_co_occurrence_methods_equal_the_building_blocks():
    rng = np.random.default_rng(6)
    E = frame(rng.poisson(3.0, (40, 6)), [f"r{i}" for i in range(40)], list("abcdef"))
    C = co_occurrence(binary_rca(E))
    for method in ("association", "prob", "cosine", "jaccard"):
        expected = cooccurrence_relatedness(C, method).to_numpy().copy()
        np.fill_diagonal(expected, np.nan)
        assert_allclose(relatedness_matrix(E, method).to_numpy(), expected)


# ----------------------------------------------------------------------------
# size neutrality
# ----------------------------------------------------------------------------


def _size_economy(seed: int = 11) -> pd.DataFrame:
    """Regions of very unequal size; u1, u2 follow size; p1, p2 co-locate."""
    rng = np.random.default_rng(seed)
    n = 600
    size = rng.lognormal(6.0, 1.5, n)
    planted = np.zeros(n, dtype=bool)
    planted[rng.choice(n, 60, replace=False)] = True

    def noise():
        return rng.gamma(25.0, 1 / 25.0, n)  # mean 1, sd 0.2

    cols = {
        "u1": 0.05 * size * noise(),
        "u2": 0.05 * size * noise(),
        "p1": np.where(planted, 0.15, 0.01) * size * noise(),
        "p2": np.where(planted, 0.15, 0.01) * size * noise(),
    }
    for k in range(8):
        cols[f"f{k}"] = 0.1 * size * noise()
    return frame(np.column_stack(list(cols.values())), [f"r{i:03d}" for i in range(n)],
                 list(cols))  # fmt: skip


def test_share_correlation_follows_size_and_size_neutral_methods_do_not():
    E = _size_economy()
    share = relatedness_matrix(E, "corr_share")
    # two industries that only follow region size look strongly "related"
    assert share.loc["u1", "u2"] > 0.95
    for method in ("corr_ql", "corr_log_ql"):
        out = relatedness_matrix(E, method)
        assert abs(out.loc["u1", "u2"]) < 0.1, method
        assert out.loc["p1", "p2"] > 0.9, method
    for method in ("association", "prob"):  # chance level is 1
        out = relatedness_matrix(E, method)
        assert abs(out.loc["u1", "u2"] - 1.0) < 0.15, method
        assert out.loc["p1", "p2"] > 2.0, method
    # and the planted pair beats the size-followers under every neutral method
    for method, spec in RELATEDNESS_METHODS.items():
        out = relatedness_matrix(E, method)
        if spec.size_neutral:
            assert out.loc["p1", "p2"] > out.loc["u1", "u2"], method


# ----------------------------------------------------------------------------
# reading a matrix
# ----------------------------------------------------------------------------


def test_top_related_and_pairs():
    R = square(
        [[np.nan, 2.0, 0.5], [2.0, np.nan, 1.5], [0.5, 1.5, np.nan]], list("abc")
    )
    assert top_related(R, "c").to_dict() == {"b": 1.5, "a": 0.5}
    assert top_related(R, "a", n=1).index.tolist() == ["b"]
    pairs = relatedness_pairs(R, 0.5)
    assert pairs.values.tolist() == [["a", "b", 2.0], ["b", "c", 1.5]]


# ----------------------------------------------------------------------------
# per LPS
# ----------------------------------------------------------------------------

# regions r1..r4 of two states; industries a (the LPS's), b, c, d
E_LPS = frame(
    [[20, 10, 2, 8],    # r1, state 11
     [10, 10, 4, 16],   # r2, state 11
     [0, 0, 10, 30],    # r3, state 11
     [5, 10, 10, 75]],  # r4, state 12
    ["r1", "r2", "r3", "r4"],
    list("abcd"),
)  # fmt: skip
R_LPS = square(
    [[np.nan, 2.0, 1.5, 0.2],
     [2.0, np.nan, 1.0, 0.3],
     [1.5, 1.0, np.nan, -0.5],
     [0.2, 0.3, -0.5, np.nan]],
    list("abcd"),
)  # fmt: skip
LPS = pd.DataFrame(
    {
        "industry": ["a", "a"],
        "members": ["r1,r2", ["r4"]],
        "reference_area": ["11", "12"],
    },
    index=pd.Index(["a@r1", "a@r4"], name="lps_id"),
)


def test_lps_relatedness_by_hand_with_one_reference_area():
    out = lps_relatedness(E_LPS, LPS, R_LPS)
    # totals: r1 40, r2 40, r4 100; reference 220 with a 35, b 30, c 26, d 129
    # a@r1 pools r1 + r2: 80 with b 20 (QL (20/80) / (30/220) = 1.8333),
    # c 6 (QL (6/80) / (26/220) = 0.6346), d 24 (QL 0.5116)
    # -> b is present and related (2.0 > 1); c is related but QL < 1
    # a@r4: b 10 (QL 0.7333), c 10 (QL 0.8462), d 75 (QL 1.279, R 0.2 < 1)
    rel_ = out.related
    assert rel_[["lps_id", "related_industry"]].values.tolist() == [["a@r1", "b"]]
    row = rel_.iloc[0]
    assert_allclose(row["ql"], (20 / 80) / (30 / 220))
    assert row["size"] == 20 and row["industry"] == "a"
    assert_allclose(row["share_of_size"], 20 / 80)
    assert_allclose(row["relatedness"], 2.0)
    # density: R+ column a without the diagonal: (b 2.0, c 1.5, d 0.2), 3.7
    # a@r1 has b present -> 2.0 / 3.7; a@r4 has d present -> 0.2 / 3.7
    assert_allclose(out.density["a@r1"], 100 * 2.0 / 3.7)
    assert_allclose(out.density["a@r4"], 100 * 0.2 / 3.7)
    assert out.density.name == "relatedness_density"
    assert list(out.density.index) == ["a@r1", "a@r4"]


def test_lps_member_listed_twice_counts_once():
    twice = LPS.assign(members=["r1, r2, r1", ["r4", "r4"]])
    a = lps_relatedness(E_LPS, LPS, R_LPS)
    b = lps_relatedness(E_LPS, twice, R_LPS)
    pd.testing.assert_frame_equal(a.related, b.related)
    pd.testing.assert_series_equal(a.density, b.density)


def test_lps_relatedness_with_state_reference_areas_and_thresholds():
    ref = pd.Series(["11", "11", "11", "12"], index=E_LPS.index)
    out = lps_relatedness(E_LPS, LPS, R_LPS, region_reference=ref, min_relatedness=0.9)
    # state 11: 120 with a 30, b 20, c 16, d 54; a@r1: b QL (20/80)/(20/120)
    # = 1.5, c QL (6/80)/(16/120) = 0.5625; state 12 is r4 alone: every QL = 1
    # -> a@r4 has b (R 2.0) and c (R 1.5 > 0.9), both at QL 1 with 10 >= 3
    got = out.related.set_index(["lps_id", "related_industry"])
    assert got.index.tolist() == [("a@r1", "b"), ("a@r4", "b"), ("a@r4", "c")]
    assert_allclose(got.loc[("a@r1", "b"), "ql"], 1.5)
    assert_allclose(got.loc[("a@r4", "c"), "ql"], 1.0)
    # presence also needs min_establishments: with 11, a@r4's b and c (10) drop
    fewer = lps_relatedness(E_LPS, LPS, R_LPS, region_reference=ref,
                            min_relatedness=0.9, min_establishments=11)  # fmt: skip
    assert fewer.related["lps_id"].tolist() == ["a@r1"]
    # a@r4 with everything present: b, c, d cover all of a's R+ (c's -0.5 clips)
    assert_allclose(out.density["a@r4"], 100.0)


def test_lps_relatedness_separate_establishment_counts():
    est = E_LPS.copy()
    est.loc[:, :] = 1.0  # one establishment per cell: two for a@r1's b
    out = lps_relatedness(E_LPS, LPS, R_LPS, establishments=est, min_establishments=2)
    assert out.related["establishments"].tolist() == [2.0]
    none = lps_relatedness(E_LPS, LPS, R_LPS, establishments=est, min_establishments=3)
    assert none.related.empty and np.isnan(none.density).sum() == 0
    assert "0 related industries" in repr(none)


def test_lps_relatedness_many_lps_equal_a_loop(monkeypatch):
    rng = np.random.default_rng(9)
    n, m = 80, 12
    codes = [f"r{i:02d}" for i in range(n)]
    inds = [f"i{k:02d}" for k in range(m)]
    E = frame(rng.poisson(rng.gamma(1.0, 3.0, (n, m))), codes, inds)
    E.iloc[:, 0] += 1  # no empty region
    R = relatedness_matrix(E, "corr_log_ql")
    lps = pd.DataFrame(
        {
            "industry": [inds[k % m] for k in range(50)],
            "members": [list(rng.choice(codes, rng.integers(1, 6), replace=False))
                        for _ in range(50)],
        },
        index=pd.Index([f"l{k}" for k in range(50)], name="lps_id"),
    )  # fmt: skip
    monkeypatch.setattr(related_lps, "_BLOCK_CELLS", 7 * m)  # blocks of 7 LPS
    out = lps_relatedness(E, lps, R, min_relatedness=0.0, min_establishments=2)
    share_ref = E.sum() / E.to_numpy().sum()
    rows = []
    for lps_id, (ind, members) in lps[["industry", "members"]].iterrows():
        pooled = E.loc[members].sum()
        ql = (pooled / pooled.sum()) / share_ref
        present = (ql >= 1) & (pooled >= 2)
        r = R.loc[ind].drop(ind)
        for j in r.index[(r > 0) & present[r.index]]:
            rows.append((lps_id, j, r[j], ql[j], pooled[j] / pooled.sum()))
        rp = r.clip(lower=0).fillna(0)
        dens = 100 * (rp * present[rp.index]).sum() / rp.sum() if rp.sum() else np.nan
        assert_allclose(out.density[lps_id], dens, err_msg=lps_id)
    got = out.related.sort_values(["lps_id", "related_industry"])
    want = pd.DataFrame(rows, columns=["lps_id", "related_industry", "relatedness",
                                       "ql", "share_of_size"])  # fmt: skip
    want = want.sort_values(["lps_id", "related_industry"])
    assert len(got) == len(want) > 20
    assert got["lps_id"].tolist() == want["lps_id"].tolist()
    assert got["related_industry"].tolist() == want["related_industry"].tolist()
    for col in ("relatedness", "ql", "share_of_size"):
        assert_allclose(got[col].to_numpy(), want[col].to_numpy(), err_msg=col)


# ----------------------------------------------------------------------------
# errors
# ----------------------------------------------------------------------------


def test_unknown_method_lists_the_valid_keys():
    with pytest.raises(ConfigError, match="unknown relatedness method 'pearson'.*"
                       "'association', 'prob', .*'corr_log_ql'"):  # fmt: skip
        relatedness_matrix(E_TINY, "pearson")
    with pytest.raises(ConfigError, match="method must be one of 'association'"):
        cooccurrence_relatedness(square(ECONGEO_C, I6), "proximity")
    with pytest.raises(ConfigError, match="variable must be one of 'share', 'ql'"):
        locational_correlation(E_TINY, "log")


def test_input_errors_name_the_fault():
    with pytest.raises(InputError, match="M must be binary"):
        co_occurrence(E_TINY)
    with pytest.raises(InputError, match="must be square with the same industry"):
        cooccurrence_relatedness(E_TINY)
    with pytest.raises(InputError, match="negative values in E for industry 'a'"):
        relatedness_matrix(E_TINY - 5)
    with pytest.raises(InputError, match="R lacks industries c of M"):
        relatedness_density(binary_rca(E_TINY), R_LPS.loc[["a", "b"], ["a", "b"]])
    with pytest.raises(InputError, match="industry 'z' is not in the relatedness"):
        top_related(R_LPS, "z")


def test_lps_errors_name_the_lps_and_codes():
    bad = LPS.assign(members=["r1,r9", "r4"])
    with pytest.raises(InputError, match="LPS 'a@r1' has member regions not in E: r9"):
        lps_relatedness(E_LPS, bad, R_LPS)
    with pytest.raises(InputError, match="LPS industries z are not columns of E"):
        lps_relatedness(E_LPS, LPS.assign(industry=["a", "z"]), R_LPS)
    with pytest.raises(InputError, match="lps lacks column\\(s\\) 'members'"):
        lps_relatedness(E_LPS, LPS.drop(columns="members"), R_LPS)
    with pytest.raises(InputError, match="relatedness lacks industries d of E"):
        lps_relatedness(E_LPS, LPS, R_LPS.loc[list("abc"), list("abc")])
    ref = pd.Series(["11", "11", "11", "12"], index=E_LPS.index)
    with pytest.raises(InputError, match="no 'reference_area' column"):
        lps_relatedness(E_LPS, LPS.drop(columns="reference_area"), R_LPS,
                        region_reference=ref)  # fmt: skip
    with pytest.raises(ConfigError, match="min_ql must be a finite number"):
        lps_relatedness(E_LPS, LPS, R_LPS, min_ql=float("nan"))


# ----------------------------------------------------------------------------
# real data: RAIS 2015 establishments by CNAE group, all municipalities
# ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rais_groups() -> pd.DataFrame:
    path = require_shared("employment", "RAIS_N_ESTABELECIMENTOS_2015_ALTERADO.csv")
    cnae = require_shared("lookups", "CNAE20_EstruturaDetalhada.xls")
    from lps_geo.errors import InputFixWarning
    from lps_geo.io import read_cnae_table, read_wide

    with pytest.warns(InputFixWarning, match="4314548"):
        tables = read_wide(
            path, "ID_do_municipio", "establishments", cnae=read_cnae_table(cnae)
        )
    return tables.establishments


def test_real_footwear_is_related_to_leather_and_parts(rais_groups):
    leather = {"15.1", "15.2", "15.4"}  # tanning, leather goods, footwear parts
    for method in (DEFAULT_METHOD, "prob", "corr_log_ql", "corr_share"):
        top3 = top_related(relatedness_matrix(rais_groups, method), "15.3", 3)
        assert set(top3.index) == leather, (method, top3)
    assoc = relatedness_matrix(rais_groups)
    assert_allclose(assoc.loc["15.3", "15.4"], 6.24, atol=0.005)


def test_real_furniture_share_correlation_follows_city_size(rais_groups):
    E = rais_groups
    municipal = E.sum(axis=1) / E.to_numpy().sum()
    follows_size = (E / E.sum()).corrwith(municipal)  # corr of shares with size
    share_top = top_related(relatedness_matrix(E, "corr_share"), "31.0", 10)
    assoc = relatedness_matrix(E)
    assoc_top = top_related(assoc, "31.0", 10)
    # by share, furniture's ten "most related" groups all track city size ...
    assert follows_size[share_top.index].min() > 0.85
    assert {"25.1", "45.2", "10.9"} <= set(share_top.index)
    # ... and wood products (16.2) is only about 40th; size-neutral: top 3
    share_rank = relatedness_matrix(E, "corr_share").loc["31.0"].drop("31.0")
    assert (share_rank > share_rank["16.2"]).sum() >= 30
    assert "16.2" in assoc_top.index[:3]
    assert "16.2" in top_related(relatedness_matrix(E, "corr_log_ql"), "31.0", 3)
    assert follows_size[assoc_top.index].mean() < 0.6


def test_real_franca_and_vale_dos_sinos_have_their_leather_suppliers(rais_groups):
    E = rais_groups
    lps = pd.DataFrame(
        {
            "industry": ["15.3", "15.3"],
            # Franca; Novo Hamburgo, São Leopoldo, Sapiranga, Campo Bom
            "members": ["3516200", "4313409,4318705,4319901,4303905"],
            "reference_area": ["35", "43"],
        },
        index=pd.Index(["15.3@franca", "15.3@sinos"], name="lps_id"),
    )
    state = pd.Series(E.index.str[:2], index=E.index)
    out = lps_relatedness(E, lps, relatedness_matrix(E), region_reference=state)
    for lps_id in lps.index:
        got = out.related[out.related["lps_id"] == lps_id]
        assert {"15.4", "15.1", "15.2"} <= set(got["related_industry"].head(5)), lps_id
        assert (got["ql"] >= 1).all() and (got["size"] >= 3).all()
        assert 0 < out.density[lps_id] < 100
