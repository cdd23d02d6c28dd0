"""The PyVRP warm start and the load limit, on a tiny named problem: six stops, two vans.

Also with a break per van, a pinned stop and spaced checks, which PyVRP sees or has fitted.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from routes.model import IntegerModel, SearchLimits, solve_integer_model
from routes.warm_start import (
    _core_of,
    _spaced_windows,
    _with_must,
    core_routes,
    fit_route,
    fit_routes,
)

LIMITS = SearchLimits(time_limit_s=60, solution_limit=20, warm_start_iterations=200)
#: Full nights are warm-started only in a search by time (no solution limit).
TIMED = SearchLimits(time_limit_s=1, solution_limit=None)


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


def test_a_pinned_visit_stays_on_its_van(six_stops: IntegerModel) -> None:
    """Stop 5 is pinned to van 1: PyVRP's routes already carry it there, and so does the plan."""
    model = replace(six_stops, allowed=[[0, 1]] * 5 + [[1]])
    first = core_routes(model, time_limit_s=0.4, iterations=None)
    assert first is not None and 5 in first[1]
    solution = solve_integer_model(model, TIMED)
    assert solution is not None
    assert 5 in solution.routes[1].nodes


@pytest.fixture()
def two_breaks(six_stops: IntegerModel) -> IntegerModel:
    """The six stops, and a 10-minute break for each van at the depot or at stop 3's place.

    Nodes 6-7 are van 0's break (depot, stop 3), 8-9 van 1's; each break starts between
    20 and 40 minutes into the shift and weighs far more than any stop. Depots are 10-13.
    """
    position = [100, 200, 300, 400, 500, 600, 0, 300, 0, 300, 0, 0, 0, 0]
    travel = [[abs(a - b) for b in position] for a in position]
    return replace(
        six_stops,
        n_visits=10,
        travel=[travel],
        service=[60] * 6 + [600] * 4 + [0] * 4,
        windows=[(0, 3600)] * 6 + [(1200, 2400)] * 4,
        groups=[[n] for n in range(6)] + [[6, 7], [8, 9]],
        penalties=[100_000] * 6 + [10**9] * 2,
        allowed=[[0, 1]] * 6 + [[0], [0], [1], [1]],
        starts=[10, 12],
        ends=[11, 13],
        demands=[1] * 6 + [0] * 8,
    )


def test_each_van_gets_its_own_break(two_breaks: IntegerModel) -> None:
    """PyVRP sees the breaks as one kind; each van's routes hold exactly one, its own."""
    first = core_routes(two_breaks, time_limit_s=0.4, iterations=None)
    assert first is not None
    assert [n for n in first[0] if n >= 6] in ([6], [7])
    assert [n for n in first[1] if n >= 6] in ([8], [9])
    assert sorted(n for nodes in first for n in nodes if n < 6) == list(range(6))
    solution = solve_integer_model(two_breaks, TIMED)
    assert solution is not None
    assert solution.objective < 10**9, "no break left out"


def test_a_full_night_with_a_solution_limit_is_searched_by_or_tools_alone(
    two_breaks: IntegerModel, six_stops: IntegerModel
) -> None:
    """Counted PyVRP iterations cost more than they save on full nights; plain ones keep them."""
    assert core_routes(two_breaks, time_limit_s=5, iterations=200) is None
    assert core_routes(six_stops, time_limit_s=5, iterations=200) is not None


def test_a_break_pyvrp_left_off_is_put_in(two_breaks: IntegerModel) -> None:
    """Van 1's route without its break gets one, where it costs no stop and least travel."""
    core = _core_of(two_breaks)
    assert core is not None
    nodes = _with_must(two_breaks, core, 1, [3, 4, 5])
    assert [n for n in nodes if n < 6] == [3, 4, 5]
    assert len([n for n in nodes if n in (8, 9)]) == 1
    assert fit_route(two_breaks, 1, nodes) == nodes


def test_spaced_checks_wait_their_turn_or_are_dropped(six_stops: IntegerModel) -> None:
    """Stop 1 must begin 15 minutes after stop 0: van 0 waits for it; if its window closes
    before then, it is dropped and stop 2 after it is kept."""
    spaced = replace(six_stops, gaps=[(0, 1, 900)])
    assert fit_routes(spaced, [[0, 1, 2], []]) == [[0, 1, 2], []]
    closing = replace(spaced, windows=[(0, 3600), (0, 600)] + [(0, 3600)] * 4)
    assert fit_routes(closing, [[0, 1, 2], []]) == [[0, 2], []]


def test_pyvrp_windows_keep_the_spacing(six_stops: IntegerModel) -> None:
    """Checks an hour apart with windows that touch: each gives up half the shortfall."""
    spaced = replace(six_stops, windows=[(0, 3600), (3600, 7200)] + [(0, 3600)] * 4,
                     vehicle_windows=[(0, 7200)] * 2, gaps=[(0, 1, 3600)])
    windows = _spaced_windows(spaced)
    assert windows[:2] == [(0, 1800), (5400, 7200)]


def test_fitting_drops_what_breaks_a_window_or_the_load(six_stops: IntegerModel) -> None:
    """Stop 0 closes before a van can get there after stop 3; a fourth stop overloads."""
    model = replace(six_stops, windows=[(0, 150)] + [(0, 3600)] * 5)
    assert fit_route(model, 0, [3, 0, 1, 2, 4]) == [3, 1, 2]


def test_fitting_drops_the_last_visits_when_the_shift_ends(six_stops: IntegerModel) -> None:
    """With 20 minutes, going out to stop 5 and back no longer fits after stops 0-2."""
    model = replace(six_stops, vehicle_windows=[(0, 1200), (0, 1200)])
    assert fit_route(model, 0, [0, 1, 5]) == [0, 1]
