"""The covering model: optimal against brute force, and clear about bad input."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from routes.covering import max_cover


def brute_force(covers: np.ndarray, weights: np.ndarray, count: int, already: np.ndarray) -> int:
    best = 0
    for k in range(count + 1):
        for sites in combinations(range(covers.shape[0]), k):
            reached = covers[list(sites)].any(axis=0) & ~already if sites else already & False
            best = max(best, int(weights[reached].sum()))
    return best


@pytest.mark.parametrize("seed", range(8))
def test_optimal_on_small_random_cases(seed):
    rng = np.random.default_rng(seed)
    covers = rng.random((9, 14)) < 0.25
    weights = rng.integers(1, 6, size=14)
    already = rng.random(14) < 0.2
    count = int(rng.integers(1, 4))
    cover = max_cover(covers, weights, count, already=already)
    assert cover.optimal
    assert len(cover.sites) <= count
    assert cover.weight == brute_force(covers, weights, count, already)
    newly = covers[cover.sites].any(axis=0) & ~already
    assert sorted(np.flatnonzero(newly).tolist()) == cover.covered
    assert cover.weight == int(weights[newly].sum())


def test_a_site_that_adds_nothing_is_not_suggested():
    covers = np.array([[1, 1, 0], [0, 0, 0], [1, 0, 0]], dtype=bool)
    cover = max_cover(covers, [3, 2, 5], 3)
    assert cover.sites == [0]
    assert cover.covered == [0, 1] and cover.weight == 5


def test_already_covered_demands_bring_nothing():
    covers = np.array([[1, 0], [0, 1]], dtype=bool)
    cover = max_cover(covers, [10, 1], 1, already=[True, False])
    assert cover.sites == [1] and cover.weight == 1


def test_shapes_must_agree():
    with pytest.raises(ValueError, match="sites x demands"):
        max_cover(np.ones((2, 3), dtype=bool), [1, 2], 1)
    with pytest.raises(ValueError, match="0 or more"):
        max_cover(np.ones((2, 2), dtype=bool), [1, 2], -1)
