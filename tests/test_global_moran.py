"""Global Moran's I and its permutation test agree with esda and today's loop."""

from __future__ import annotations

import warnings

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely
from numpy.testing import assert_allclose, assert_array_equal
from shapely.geometry import box

import lps_geo.stats.global_moran as gm
from lps_geo.errors import ConfigError, InputError
from lps_geo.stats.global_moran import GLOBAL_KEYS, TIE_RTOL, global_moran
from lps_geo.stats.weights import build_weights

# --------------------------------------------------------------------------
# inputs: irregular meshes and zero-heavy, tie-prone variables
# --------------------------------------------------------------------------


def voronoi_mesh(n: int, seed: int, island: bool = False) -> gpd.GeoDataFrame:
    """Voronoi cells of ``n`` seeded points in a 100 km square (EPSG:5880)."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0.0, 1e5, size=(n, 2))
    frame = shapely.box(0.0, 0.0, 1e5, 1e5)
    cells = shapely.voronoi_polygons(
        shapely.multipoints(xy), extend_to=frame, ordered=True
    )
    geoms = list(shapely.intersection(shapely.get_parts(cells), frame))
    if island:  # a region far from every other one
        geoms.append(shapely.box(3e5, 3e5, 3.1e5, 3.1e5))
    idx = pd.Index([f"{1_000_000 + i}" for i in range(len(geoms))], name="region")
    return gpd.GeoDataFrame(geometry=geoms, index=idx, crs="EPSG:5880")


def queen(mesh: gpd.GeoDataFrame, islands: str = "attach", kind: str = "queen"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph, _ = build_weights(mesh, kind, islands=islands)
    return graph


def row_standardised(graph) -> sp.csr_matrix:
    a = graph.sparse.tocsr().astype(float)
    a.setdiag(0)
    a.eliminate_zeros()
    a.sort_indices()
    card = np.diff(a.indptr)
    rs = np.where(card > 0, 1.0 / np.maximum(card, 1), 0.0)
    return sp.csr_matrix(a.multiply(rs[:, None]))


def zero_heavy(graph, k: int, seed: int) -> np.ndarray:
    """Employment-like columns: mostly zeros, some with a contiguous blob."""
    rng = np.random.default_rng(seed)
    n = len(graph.unique_ids)
    a = graph.sparse.tocsr()
    y = np.zeros((n, k))
    for j in range(k):
        present = rng.random(n) < rng.uniform(0.05, 0.6)
        y[present, j] = np.ceil(rng.lognormal(1.5, 1.0, present.sum()))
        if j % 3 == 0:  # a blob: a site and its neighbours, boosted
            c = rng.integers(n)
            blob = np.r_[c, a.indices[a.indptr[c] : a.indptr[c + 1]]]
            y[blob, j] = np.ceil(rng.uniform(20, 60, len(blob)))
    y[:, 1] = 0.0
    y[rng.integers(n), 1] = 5.0  # one non-zero region: many exact ties
    y[:, 2] = rng.normal(size=n)  # continuous: no ties
    return y


@pytest.fixture(scope="module")
def small():
    mesh = voronoi_mesh(80, seed=1)
    graph = queen(mesh)
    return graph, zero_heavy(graph, 7, seed=2)


@pytest.fixture(scope="module")
def midsize():
    mesh = voronoi_mesh(400, seed=5)
    graph = queen(mesh)
    return graph, zero_heavy(graph, 24, seed=6)


def esda_moran(y, graph, permutations, seed):
    np.random.seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return esda.Moran(y, graph.transform("r"), permutations=permutations)


# --------------------------------------------------------------------------
# today's implementation (the global Moran block of lps_geo.stats.spatial:
# _numba_engine at commit cedada8, _global_moran at 6d7a5bd), written with
# numpy: the reference for identical p-values
# --------------------------------------------------------------------------


def reference_moran(y, wr, permutations, seed):
    n, k = y.shape
    card = np.diff(wr.indptr)
    s0 = float((card > 0).sum())
    zc = y - y.mean(axis=0)
    z2ss = (zc * zc).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        moran_i = n / s0 * (zc * (wr @ zc)).sum(axis=0) / z2ss
    tol = TIE_RTOL * np.maximum(np.abs(moran_i), 1e-300)
    state = np.random.RandomState(seed)
    sims = np.empty((permutations, k))
    for r in range(permutations):
        zp = zc[state.permutation(n)]
        sims[r] = n / s0 * (zp * (wr @ zp)).sum(axis=0) / z2ss
    ge = (sims >= moran_i - tol).sum(axis=0)
    le = (sims <= moran_i + tol).sum(axis=0)
    p = np.minimum(2.0 * (np.minimum(ge, le) + 1.0) / (permutations + 1.0), 1.0)
    mean = sims.sum(axis=0) / permutations
    sd = np.sqrt(np.maximum((sims * sims).sum(axis=0) / permutations - mean**2, 0))
    return moran_i, (moran_i - mean) / sd, p, sims


# --------------------------------------------------------------------------
# tests
# --------------------------------------------------------------------------


def test_statistics_and_permutation_p_equal_esda(small):
    graph, y = small
    wr = row_standardised(graph)
    R, seed = 299, 11
    res, _ = global_moran(y, wr, R, seed)
    assert set(res) == set(GLOBAL_KEYS)
    untied = 0
    for j in range(y.shape[1]):
        mi = esda_moran(y[:, j], graph, R, seed)
        assert_allclose(res["moran_i"][j], mi.I, rtol=1e-10, atol=1e-12)
        assert_allclose(res["moran_ei"][j], mi.EI, rtol=1e-12)
        assert_allclose(res["moran_z_rand"][j], mi.z_rand, rtol=1e-10, atol=1e-12)
        assert_allclose(res["moran_p_rand"][j], mi.p_rand, rtol=1e-10, atol=1e-14)
        assert_allclose(res["moran_z"][j], mi.z_sim, rtol=1e-9, atol=1e-12)
        tied = np.abs(mi.sim - mi.I) <= TIE_RTOL * abs(mi.I)
        if tied.any():
            # ties count in both tails: never smaller than esda's doubled p
            assert res["moran_p"][j] >= min(2 * mi.p_sim, 1.0)
        else:
            untied += 1
            assert res["moran_p"][j] == min(2 * mi.p_sim, 1.0)
    assert untied >= 5
    # the single non-zero region: its permuted I's are mostly exact ties
    assert np.abs(
        esda_moran(y[:, 1], graph, R, seed).sim - res["moran_i"][1]
    ).min() == (pytest.approx(0.0, abs=1e-15))


def test_islands_count_out_of_s0_like_esda():
    mesh = voronoi_mesh(60, seed=3, island=True)
    graph = queen(mesh, islands="keep")
    assert (graph.cardinalities == 0).sum() == 1
    y = zero_heavy(graph, 4, seed=4)
    res, _ = global_moran(y, row_standardised(graph), 199, 5)
    for j in range(4):
        mi = esda_moran(y[:, j], graph, 199, 5)
        assert_allclose(res["moran_i"][j], mi.I, rtol=1e-10, atol=1e-12)
        assert_allclose(res["moran_z_rand"][j], mi.z_rand, rtol=1e-10, atol=1e-12)
        assert_allclose(res["moran_z"][j], mi.z_sim, rtol=1e-9, atol=1e-12)


def test_equals_todays_loop_on_a_midsize_mesh(midsize):
    graph, y = midsize
    wr = row_standardised(graph)
    R, seed = 199, 12345
    res, timings = global_moran(y, wr, R, seed)
    moran_i, moran_z, moran_p, sims = reference_moran(y, wr, R, seed)
    assert_array_equal(res["moran_i"], moran_i)
    assert_array_equal(res["moran_p"], moran_p)
    assert_allclose(res["moran_z"], moran_z, rtol=0, atol=1e-9)
    assert set(timings) == set(gm.TIMING_KEYS)
    assert timings["moran_draws"] > 0 and timings["moran_total"] > 0


def test_ties_count_in_both_tails():
    # one non-zero cell inside a rook lattice: every permutation that puts it
    # at least two cells from the border gives exactly the observed I
    side = 20
    cells = [box(x, y, x + 1, y + 1) for y in range(side) for x in range(side)]
    idx = pd.Index([f"r{i:03d}" for i in range(side * side)], name="region")
    mesh = gpd.GeoDataFrame(geometry=cells, index=idx, crs="EPSG:5880")
    graph = queen(mesh, kind="rook")
    wr = row_standardised(graph)
    y = np.zeros((side * side, 2))
    y[side * 10 + 10, 0] = 7.0
    y[:, 1] = np.random.default_rng(1).normal(size=side * side)
    res, _ = global_moran(y, wr, 199, 3)
    moran_i, moran_z, moran_p, sims = reference_moran(y, wr, 199, 3)
    tied = np.abs(sims - moran_i) <= TIE_RTOL * np.abs(moran_i)
    assert tied[:, 0].sum() > 100 and not tied[:, 1].any()
    assert_array_equal(res["moran_p"], moran_p)
    assert res["moran_p"][0] == 1.0
    assert_allclose(res["moran_z"], moran_z, rtol=0, atol=1e-9)
    # esda's folded rule counts the ties on one side only
    mi = esda_moran(y[:, 0], graph, 199, 3)
    assert min(2 * mi.p_sim, 1.0) < 1.0


def test_same_as_spatial_statistics(midsize):
    from lps_geo.stats.spatial import spatial_statistics

    graph, y = midsize
    X = pd.DataFrame(y[:, :6], index=pd.Index(graph.unique_ids, name="region"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = spatial_statistics(X, graph, permutations=99, seed=8, correction="none")
    res, _ = global_moran(y[:, :6], row_standardised(graph), 99, 8)
    assert_array_equal(table.global_["moran_p"].to_numpy(), res["moran_p"])
    for key in ("moran_i", "moran_z", "moran_z_rand", "moran_p_rand"):
        assert_allclose(table.global_[key].to_numpy(), res[key], rtol=1e-9, atol=1e-12)


def test_chunks_blocks_and_groups_do_not_change_the_result(midsize, monkeypatch):
    graph, y = midsize
    wr = row_standardised(graph)
    ref, _ = global_moran(y, wr, 101, 4)
    # tiny chunks and blocks: many chunks, a short last group, padded blocks
    monkeypatch.setattr(gm, "CHUNK_ENTRIES", 7 * y.shape[0])
    monkeypatch.setattr(gm, "BLOCK", 5)
    monkeypatch.setattr(gm, "LANES", 24)
    monkeypatch.setattr(gm, "PARTS_PER_THREAD", 3)
    res, _ = global_moran(y, wr, 101, 4)
    assert_array_equal(res["moran_p"], ref["moran_p"])
    assert_allclose(res["moran_z"], ref["moran_z"], rtol=1e-12)


def test_non_symmetric_weights_and_a_diagonal():
    # any weights: the numerator is sum_ij w_ij z_i z_j, diagonal included
    rng = np.random.default_rng(9)
    n = 30
    w = sp.random(n, n, density=0.15, random_state=3, format="csr")
    w.setdiag(rng.uniform(0.0, 0.5, n))
    w = sp.csr_matrix(w.multiply(1.0 / np.asarray(w.sum(axis=1))))
    y = rng.gamma(1.0, 2.0, (n, 3))
    res, _ = global_moran(y, w, 99, 2)
    moran_i, moran_z, moran_p, _ = reference_moran(y, w, 99, 2)
    assert_allclose(res["moran_i"], moran_i, rtol=1e-12)
    assert_array_equal(res["moran_p"], moran_p)
    assert_allclose(res["moran_z"], moran_z, rtol=1e-9)


def test_zero_variance_and_missing_columns_are_nan(small):
    graph, y = small
    wr = row_standardised(graph)
    y = np.column_stack([y[:, :3], np.zeros(len(y)), np.full(len(y), 0.1), y[:, 0]])
    y[4, 5] = np.nan
    res, _ = global_moran(y, wr, 99, 1)
    alone, _ = global_moran(y[:, :3], wr, 99, 1)
    for key in GLOBAL_KEYS:
        assert np.isnan(res[key][3:]).all(), key
        assert_array_equal(res[key][:3], alone[key])


def test_without_permutations_the_analytic_test_is_reported(small):
    graph, y = small
    wr = row_standardised(graph)
    for res, timings in (
        global_moran(y, wr, 0, 1),
        global_moran(y, wr, 999, 1, permute=False),
    ):
        assert_array_equal(res["moran_z"], res["moran_z_rand"])
        assert_array_equal(res["moran_p"], res["moran_p_rand"])
        assert timings["moran_draws"] == 0.0
    mi = esda_moran(y[:, 0], graph, 0, 1)
    assert_allclose(res["moran_p"][0], mi.p_rand, rtol=1e-10)
    one, _ = global_moran(y[:, 0], wr, 0, 1)  # a 1-D variable is one column
    assert_allclose(one["moran_i"], res["moran_i"][:1])


def test_draws_replay_numpys_legacy_generator():
    from lps_geo.stats import _moran_kernel

    for seed, n, m in ((12345, 557, 9), (0, 7, 40), (2**32 - 1, 2, 5), (3, 1, 2)):
        state = np.random.RandomState(seed)
        expected = np.stack([state.permutation(n) for _ in range(m)])
        legacy = np.random.RandomState(seed).get_state(legacy=True)
        key, pos = legacy[1].astype(np.int64), int(legacy[2])
        order = np.random.default_rng(seed).permutation(n).astype(np.int64)
        out = np.empty((m, n), dtype=np.int32)
        pos = _moran_kernel.legacy_permutations(key, pos, order, out[: m // 2])
        _moran_kernel.legacy_permutations(key, pos, order, out[m // 2 :])
        assert_array_equal(out, expected[:, order])


def test_bad_inputs_are_refused(small):
    graph, y = small
    wr = row_standardised(graph)
    with pytest.raises(InputError, match="do not match"):
        global_moran(y[:-1], wr, 9, 1)
    with pytest.raises(InputError, match="scipy.sparse"):
        global_moran(y, wr.toarray(), 9, 1)
    with pytest.raises(ConfigError, match="permutations"):
        global_moran(y, wr, -1, 1)
    with pytest.raises(ConfigError, match="permutations"):
        global_moran(y, wr, 9.5, 1)
    with pytest.raises(ConfigError, match="seed"):
        global_moran(y, wr, 9, -3)
