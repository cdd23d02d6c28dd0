"""The OR-Tools model in solver units, on a tiny named problem: four stops, two vehicles."""

from __future__ import annotations

from dataclasses import replace

import pytest

from routes.model import IntegerModel, SearchLimits, solve_integer_model

LIMITS = SearchLimits(time_limit_s=60, solution_limit=20)


@pytest.fixture()
def four_stops() -> IntegerModel:
    """Stops 0-3 on a line 100 s apart; nodes 4-7 are both vehicles' starts and ends at 0.

    Everything is seconds: each stop takes 60 s to check, shifts last an hour.
    """
    position = [100, 200, 300, 400, 0, 0, 0, 0]
    travel = [[abs(a - b) for b in position] for a in position]
    return IntegerModel(
        n_visits=4,
        travel=[travel],
        matrix_of=[0, 0],
        service=[60, 60, 60, 60, 0, 0, 0, 0],
        windows=[(0, 3600)] * 4,
        groups=[[0], [1], [2], [3]],
        penalties=[10_000] * 4,
        allowed=[[0, 1]] * 4,
        starts=[4, 6],
        ends=[5, 7],
        vehicle_windows=[(0, 3600), (0, 3600)],
    )


def _stops_of(solution_routes: tuple, vehicle: int) -> list[int]:  # type: ignore[type-arg]
    return list(solution_routes[vehicle].nodes[1:-1])


def test_every_stop_is_visited_once(four_stops: IntegerModel) -> None:
    """With time enough, each stop is in exactly one route and none is left out."""
    solution = solve_integer_model(four_stops, LIMITS)
    assert solution is not None
    visited = [n for r in solution.routes for n in r.nodes[1:-1]]
    assert sorted(visited) == [0, 1, 2, 3]
    assert solution.unvisited == ()


def test_allowed_vehicles_are_respected(four_stops: IntegerModel) -> None:
    """A stop allowed to one vehicle only is served by that vehicle."""
    model = replace(four_stops, allowed=[[1], [0, 1], [0, 1], [1]])
    solution = solve_integer_model(model, LIMITS)
    assert solution is not None
    assert {0, 3} <= set(_stops_of(solution.routes, 1))


def test_times_respect_windows_and_travel(four_stops: IntegerModel) -> None:
    """A stop's check starts in its window and after the previous check plus travel."""
    model = replace(four_stops, windows=[(0, 3600), (0, 3600), (1000, 1100), (0, 3600)])
    solution = solve_integer_model(model, LIMITS)
    assert solution is not None
    travel = model.travel[0]
    for route in solution.routes:
        for k in range(1, len(route.nodes)):
            a, b = route.nodes[k - 1], route.nodes[k]
            assert route.times[k] >= route.times[k - 1] + model.service[a] + travel[a][b]
            if b < model.n_visits:
                assert model.windows[b][0] <= route.times[k] <= model.windows[b][1]


def test_cheap_stops_are_left_out_when_time_is_short(four_stops: IntegerModel) -> None:
    """With time for three checks only, the stop with the smallest penalty is left out."""
    # Out to 400 s and back is 800 s; three checks fit in 1000 s, four do not.
    model = replace(
        four_stops,
        penalties=[50_000, 50_000, 1, 50_000],
        allowed=[[0]] * 4,
        vehicle_windows=[(0, 1000), (0, 1000)],
    )
    solution = solve_integer_model(model, LIMITS)
    assert solution is not None
    assert solution.unvisited == (2,)
    assert sorted(_stops_of(solution.routes, 0)) == [0, 1, 3]


def test_the_route_starts_and_ends_at_the_depots(four_stops: IntegerModel) -> None:
    """Each vehicle's route begins at its start node and finishes at its end node."""
    solution = solve_integer_model(four_stops, LIMITS)
    assert solution is not None
    for route, start, end in zip(solution.routes, four_stops.starts, four_stops.ends,
                                 strict=True):
        assert route.nodes[0] == start and route.nodes[-1] == end
