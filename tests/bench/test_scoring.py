"""The benchmark's own scorer: known routes score their known length, broken ones are caught."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
SOLOMON = Path(__file__).resolve().parents[3] / "shared" / "bench" / "vrp" / "data" / "solomon"
needs_solomon = pytest.mark.skipif(
    not (SOLOMON / "bks.csv").is_file(),
    reason=f"the Solomon instances are not at {SOLOMON} (the shared benchmark data)",
)


def _load(name: str) -> ModuleType:
    # bench/ holds scripts, not a package: load the scorer's module from its file.
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


vrp = _load("vrp_instances")


@pytest.fixture()
def two_clients() -> Any:
    """A depot at (0, 0), a client at (1, 1) and one at (3, 4), 6 units each, room for 10."""
    coords = [(0, 0), (1, 1), (3, 4)]
    return vrp.CoreProblem(
        name="two-clients",
        matrix=[[vrp.truncated_tenths(a, b) for b in coords] for a in coords],
        service=[0, 10, 10],
        windows=[(0, 1000), (0, 1000), (0, 1000)],
        demands=[0, 6, 6],
        capacity=10,
        fleet=2,
    )


@pytest.fixture()
def r101() -> Any:
    """Solomon's R101: tight windows, 100 customers."""
    return vrp.read_solomon(SOLOMON / "R101.vrptw")


def _r101_tour(problem: Any) -> list[list[int]]:
    tour = SOLOMON / "tours" / "Solomon_100" / "R101.100.20.16377.tour"
    return vrp.read_tour(tour, len(problem.matrix))


def test_distances_are_truncated_to_tenths() -> None:
    """sqrt(2) is 1.41..., kept as 14 tenths; a 3-4-5 triangle is exactly 50."""
    assert vrp.truncated_tenths((0, 0), (1, 1)) == 14
    assert vrp.truncated_tenths((0, 0), (3, 4)) == 50


def test_two_routes_score_their_length(two_clients: Any) -> None:
    """One client per vehicle: out and back twice, 2 * 14 + 2 * 50 tenths."""
    score = vrp.score_routes(two_clients, [[1], [2]])
    assert score.feasible
    assert (score.distance, score.vehicles) == (128, 2)


def test_overloaded_route_is_infeasible(two_clients: Any) -> None:
    """Both clients on one vehicle carry 12 units for a capacity of 10."""
    score = vrp.score_routes(two_clients, [[1, 2]])
    assert not score.feasible
    assert any("over capacity" in p for p in score.problems)


@needs_solomon
def test_known_solomon_tour_scores_its_known_distance(r101: Any) -> None:
    """LKH-3's R101 tour is feasible, 20 routes and 1637.7 long: the best-known solution."""
    score = vrp.score_routes(r101, _r101_tour(r101))
    assert score.feasible, score.problems
    assert (score.distance, score.vehicles) == (16377, 20)
    assert vrp.read_bks(SOLOMON)["R101"] == (1637.7, 20)


@needs_solomon
def test_violated_window_is_infeasible(r101: Any) -> None:
    """The first route driven backwards reaches customers after their windows close."""
    routes = _r101_tour(r101)
    routes[0] = routes[0][::-1]
    score = vrp.score_routes(r101, routes)
    assert not score.feasible
    assert any("after its window closes" in p for p in score.problems)


@needs_solomon
def test_missing_and_repeated_customers_are_infeasible(r101: Any) -> None:
    """A customer left out is named; one visited twice is named too."""
    routes = _r101_tour(r101)
    gone = routes[0].pop()
    assert vrp.score_routes(r101, routes).problems == (f"never visited: [{gone}]",)
    routes[1].append(routes[2][0])
    problems = vrp.score_routes(r101, routes).problems
    assert any(p.startswith("visited more than once") for p in problems)


def test_gap_is_per_cent_above_best_known() -> None:
    """10 % longer is a gap of 10; the best-known itself is 0; shorter is negative."""
    assert vrp.gap_percent(110.0, 100.0) == pytest.approx(10.0)
    assert vrp.gap_percent(1637.7, 1637.7) == 0.0
    assert vrp.gap_percent(1654.077, 1637.7) == pytest.approx(1.0)
    assert vrp.gap_percent(90.0, 100.0) == pytest.approx(-10.0)
