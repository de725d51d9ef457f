"""Typology cells at each threshold boundary (ipea2006 preset)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lps_geo.config import get_thresholds
from lps_geo.errors import ConfigError
from lps_geo.method.typology import GUIDELINES, classify, passes_filters
from lps_geo.symbology import TYPE_LABELS
from lps_geo.vocab import TYPES

T = get_thresholds("ipea2006")


@pytest.mark.parametrize(
    "share, ql, est, expected",
    [
        # share of industry: > 20 % is high, exactly 20 % is low
        (0.2000001, 5.0, 5, "center"),
        (0.20, 5.0, 5, "local_vector"),
        (0.2000001, 4.999, 5, "advanced_vector"),
        (0.20, 4.999, 5, "embryo"),
        # QL: >= 5 is high
        (0.5, 5.0, 10, "center"),
        (0.05, 5.0, 10, "local_vector"),
        # lower bounds: share >= 1 %, QL >= 1, establishments >= 5
        (0.01, 1.0, 5, "embryo"),
        (0.0099999, 3.0, 50, None),
        (0.05, 0.9999, 50, None),
        (0.05, 8.0, 4, None),
        (0.9, 1.0, 5, "advanced_vector"),
    ],
)
def test_cells_at_boundaries(share, ql, est, expected):
    assert classify(share, ql, est, T) == expected


def test_vectorised_and_series():
    s = pd.Series([0.3, 0.3, 0.1, 0.1, 0.001], index=list("abcde"))
    q = pd.Series([6.0, 2.0, 6.0, 2.0, 9.0], index=list("abcde"))
    n = pd.Series([5, 5, 5, 5, 5], index=list("abcde"))
    out = classify(s, q, n, T)
    assert out.tolist() == ["center", "advanced_vector", "local_vector", "embryo", None]
    assert out.index.tolist() == list("abcde")
    f = passes_filters(s, q, n, T)
    assert f.tolist() == [True, True, True, True, False]


def test_overrides_move_the_cut():
    t = get_thresholds("ipea2006", ql_high=3.0, share_high=0.5, min_establishments=0)
    assert classify(0.3, 3.0, 0, t) == "local_vector"
    assert classify(0.51, 2.9, 0, t) == "advanced_vector"


def test_bad_thresholds():
    with pytest.raises(ConfigError, match="unknown typology preset 'x'"):
        get_thresholds("x")
    with pytest.raises(ConfigError, match="unknown typology threshold"):
        get_thresholds("ipea2006", ql_hihg=3)
    with pytest.raises(ConfigError, match="share_min <= share_high"):
        get_thresholds("ipea2006", share_min=0.5, share_high=0.2)


def test_labels_and_guidelines_cover_every_type():
    for lang in ("pt", "en"):
        assert set(TYPE_LABELS[lang]) == set(TYPES)
        assert set(GUIDELINES[lang]) == set(TYPES) | {"general"}
        assert all(len(v) > 100 for v in GUIDELINES[lang].values())


def test_nan_never_classified():
    assert classify(np.nan, 6.0, 10, T) is None
    assert classify(0.3, np.nan, 10, T) is None
