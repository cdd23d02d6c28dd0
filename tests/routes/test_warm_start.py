"""The PyVRP warm start and the load limit, on a tiny named problem: six stops, two vans."""

from __future__ import annotations

from dataclasses import replace

import pytest

from routes.model import IntegerModel, SearchLimits, solve_integer_model
from routes.warm_start import core_routes, fit_route

LIMITS = SearchLimits(time_limit_s=60, solution_limit=20, warm_start_iterations=200)


@pytest.fixture()
def six_stops() -> IntegerModel:
    """Stops 0-5 on a line 100 s apart from a depot at 0 (node 6, both vans' start and end).

    Each stop takes 60 s and weighs 1; a van carries 3; the shift lasts an hour.
    """
    position = [100, 200, 300, 400, 500, 600, 0]
    travel = [[abs(a - b) for b in position] for a in position]
    return IntegerModel(
        n_visits=6,
        travel=[travel],
        matrix_of=[0, 0],
        service=[60] * 6 + [0],
        windows=[(0, 3600)] * 6,
        groups=[[n] for n in range(6)],
        penalties=[100_000] * 6,
        allowed=[[0, 1]] * 6,
        starts=[6, 6],
        ends=[6, 6],
        vehicle_windows=[(0, 3600), (0, 3600)],
        demands=[1] * 6 + [0],
        capacities=[3, 3],
    )


def test_the_load_limit_splits_the_stops(six_stops: IntegerModel) -> None:
    """Six stops of weight 1 and vans of 3: each van takes three, none is left out."""
    solution = solve_integer_model(six_stops, LIMITS)
    assert solution is not None
    assert solution.unvisited == ()
    assert sorted(len(r.nodes) - 2 for r in solution.routes) == [3, 3]


def test_warm_start_and_plain_search_find_the_same_length(six_stops: IntegerModel) -> None:
    """Started from PyVRP's routes or not, the plan is as short (here: optimal, 1800 s)."""
    warm = solve_integer_model(six_stops, LIMITS)
    plain = solve_integer_model(six_stops, replace(LIMITS, warm_start_share=0))
    assert warm is not None and plain is not None
    assert warm.objective == plain.objective == 2 * 600 + 2 * 300


def test_the_same_model_gives_the_same_plan(six_stops: IntegerModel) -> None:
    """With a solution limit, PyVRP's iterations are counted: two runs agree."""
    first = solve_integer_model(six_stops, LIMITS)
    again = solve_integer_model(six_stops, LIMITS)
    assert first is not None and again is not None
    assert first.routes == again.routes


def test_a_pinned_visit_turns_the_warm_start_off(six_stops: IntegerModel) -> None:
    """Stop 5 is pinned to van 1: PyVRP cannot see that, so OR-Tools plans alone, on van 1."""
    model = replace(six_stops, allowed=[[0, 1]] * 5 + [[1]])
    assert core_routes(model, time_limit_s=5, iterations=200) is None
    assert core_routes(six_stops, time_limit_s=5, iterations=200) is not None
    solution = solve_integer_model(model, LIMITS)
    assert solution is not None
    assert 5 in solution.routes[1].nodes


def test_fitting_drops_what_breaks_a_window_or_the_load(six_stops: IntegerModel) -> None:
    """Stop 0 closes before a van can get there after stop 3; a fourth stop overloads."""
    model = replace(six_stops, windows=[(0, 150)] + [(0, 3600)] * 5)
    assert fit_route(model, 0, [3, 0, 1, 2, 4]) == [3, 1, 2]


def test_fitting_drops_the_last_visits_when_the_shift_ends(six_stops: IntegerModel) -> None:
    """With 20 minutes, going out to stop 5 and back no longer fits after stops 0-2."""
    model = replace(six_stops, vehicle_windows=[(0, 1200), (0, 1200)])
    assert fit_route(model, 0, [0, 1, 5]) == [0, 1]
