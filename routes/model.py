"""The OR-Tools routing model: integer seconds in, ordered node sequences out.

This is the one module that imports OR-Tools. Everything here is whole seconds
from the problem's origin and integer node indices; :mod:`routes.solve` does the
translation from and to stops, teams and datetimes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util import optional_boolean_pb2

from routes.warm_start import core_routes

log = logging.getLogger(__name__)

_TIME = "time"
_LOAD = "load"
#: The least share of the time limit OR-Tools searches for, whatever the warm start took.
_LEAST_SHARE = 0.1


@dataclass(frozen=True)
class IntegerModel:
    """A routing problem in solver units.

    Nodes ``0..n_visits-1`` are visits, in ``groups`` of alternatives of which at
    most one is visited (or the group's penalty is paid); vehicle ``v`` starts at
    node ``starts[v]`` and ends at ``ends[v]``. ``travel[m][i][j]`` is the travel
    time in seconds from node i to node j for matrix ``m``; vehicle ``v`` uses
    matrix ``matrix_of[v]``. ``initial_routes`` (visit nodes per vehicle) warm-starts.
    ``demands`` (per node) and ``capacities`` (per vehicle), when both are given, add a
    load limit: the demands on a vehicle's route sum to at most its capacity.
    """

    n_visits: int
    travel: Sequence[Sequence[Sequence[int]]]
    matrix_of: Sequence[int]
    service: Sequence[int]
    windows: Sequence[tuple[int, int]]
    groups: Sequence[Sequence[int]]
    penalties: Sequence[int]
    allowed: Sequence[Sequence[int]]
    starts: Sequence[int]
    ends: Sequence[int]
    vehicle_windows: Sequence[tuple[int, int]]
    balance_weight: int = 0
    initial_routes: Sequence[Sequence[int]] | None = None
    demands: Sequence[int] | None = None
    capacities: Sequence[int] | None = None
    #: (a, b, seconds): when both are visited, b starts at least ``seconds`` after a.
    gaps: Sequence[tuple[int, int, int]] = ()


@dataclass(frozen=True)
class IntegerRoute:
    """One vehicle's nodes in order (start and end included) with service start times."""

    vehicle: int
    nodes: tuple[int, ...]
    times: tuple[int, ...]


@dataclass(frozen=True)
class IntegerSolution:
    """What the search found: routes, stops left out and the objective value."""

    routes: tuple[IntegerRoute, ...]
    unvisited: tuple[int, ...]
    objective: int


@dataclass(frozen=True)
class SearchLimits:
    """How long to search. ``solution_limit`` keeps results repeatable; time is a guard.

    ``warm_start_share`` of the time goes to PyVRP on the core problem (see
    :mod:`routes.warm_start`) when the model brings no earlier routes; OR-Tools searches
    on from its routes for the rest. With a ``solution_limit``, PyVRP also stops after
    ``warm_start_iterations``, so the same model gives the same plan. A share of 0 turns
    the warm start off.
    """

    time_limit_s: float = 30.0
    solution_limit: int | None = 300
    warm_start_share: float = 0.7
    warm_start_iterations: int = 5000

    def __post_init__(self) -> None:
        if self.time_limit_s <= 0:
            raise ValueError(f"time limit {self.time_limit_s} s must be positive")
        if not 0 <= self.warm_start_share < 1:
            raise ValueError(f"warm start share {self.warm_start_share} must be in [0, 1)")
        if self.warm_start_iterations < 1:
            raise ValueError(f"warm start iterations {self.warm_start_iterations} must be >= 1")


def solve_integer_model(model: IntegerModel, limits: SearchLimits) -> IntegerSolution | None:
    """Search ``model`` and return the best solution, or ``None`` if none was found."""
    began = time.perf_counter()
    first = model.initial_routes
    if first is None and limits.warm_start_share > 0:
        iterations = None if limits.solution_limit is None else limits.warm_start_iterations
        first = core_routes(model, limits.time_limit_s * limits.warm_start_share, iterations)
    # OR-Tools always gets a turn: it inserts what the core left out and decides the plan.
    left_s = max(limits.time_limit_s - (time.perf_counter() - began),
                 _LEAST_SHARE * limits.time_limit_s)
    n_nodes = len(model.service)
    manager = pywrapcp.RoutingIndexManager(
        n_nodes, len(model.starts), list(model.starts), list(model.ends)
    )
    routing = pywrapcp.RoutingModel(manager)
    _add_costs_and_time(routing, manager, model)
    _add_load(routing, manager, model)
    _add_visits(routing, manager, model)
    _add_gaps(routing, manager, model)
    params = _search_parameters(left_s, limits.solution_limit)
    start = _initial_assignment(routing, manager, first, params)
    if start is not None:
        solution = routing.SolveFromAssignmentWithParameters(start, params)
    else:
        solution = routing.SolveWithParameters(params)
    if solution is None:
        return None
    return _read_solution(routing, manager, model, solution)


def _add_costs_and_time(
    routing: pywrapcp.RoutingModel, manager: pywrapcp.RoutingIndexManager, model: IntegerModel
) -> None:
    transit_ids, arc_ids = [], []
    for matrix in model.travel:
        # Matrices live on the C++ side: no Python call per arc during the search.
        arc_ids.append(routing.RegisterTransitMatrix([list(row) for row in matrix]))
        with_service = [[cost + model.service[i] for cost in row] for i, row in enumerate(matrix)]
        transit_ids.append(routing.RegisterTransitMatrix(with_service))
    for vehicle, m in enumerate(model.matrix_of):
        routing.SetArcCostEvaluatorOfVehicle(arc_ids[m], vehicle)
    horizon = max(end for _, end in model.vehicle_windows)
    routing.AddDimensionWithVehicleTransits(
        [transit_ids[m] for m in model.matrix_of], horizon, horizon, False, _TIME
    )
    time = routing.GetDimensionOrDie(_TIME)
    time.SetGlobalSpanCostCoefficient(model.balance_weight)
    for vehicle, (open_s, close_s) in enumerate(model.vehicle_windows):
        # Teams leave at the start of the shift: a late start would only shorten the span.
        time.CumulVar(routing.Start(vehicle)).SetValue(open_s)
        time.CumulVar(routing.End(vehicle)).SetRange(open_s, close_s)
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(vehicle)))


def _add_load(
    routing: pywrapcp.RoutingModel, manager: pywrapcp.RoutingIndexManager, model: IntegerModel
) -> None:
    if model.demands is None or model.capacities is None:
        return
    demand_id = routing.RegisterUnaryTransitVector(list(model.demands))
    routing.AddDimensionWithVehicleCapacity(demand_id, 0, list(model.capacities), True, _LOAD)


def _add_gaps(
    routing: pywrapcp.RoutingModel, manager: pywrapcp.RoutingIndexManager, model: IntegerModel
) -> None:
    """Repeated checks of one place spaced in time, whichever teams make them.

    A node precedence holds only when both nodes are visited, and the dimension's
    own filters check it, which is far cheaper than a constraint on active variables.
    """
    time = routing.GetDimensionOrDie(_TIME)
    for a, b, seconds in model.gaps:
        time.AddNodePrecedence(manager.NodeToIndex(a), manager.NodeToIndex(b), seconds)


def _add_visits(
    routing: pywrapcp.RoutingModel, manager: pywrapcp.RoutingIndexManager, model: IntegerModel
) -> None:
    time = routing.GetDimensionOrDie(_TIME)
    for group, penalty in zip(model.groups, model.penalties, strict=True):
        routing.AddDisjunction([manager.NodeToIndex(n) for n in group], penalty, 1)
    for node in range(model.n_visits):
        index = manager.NodeToIndex(node)
        open_s, close_s = model.windows[node]
        time.CumulVar(index).SetRange(open_s, close_s)
        if len(model.allowed[node]) < len(model.starts):
            # SetAllowedVehiclesForIndex rejects Python lists in OR-Tools 9.15 (absl::Span);
            # restricting the vehicle variable is the same rule. -1 keeps "left out" open.
            routing.VehicleVar(index).SetValues([-1, *model.allowed[node]])


def _initial_assignment(
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    routes: Sequence[Sequence[int]] | None,
    params: object,
) -> pywrapcp.Assignment | None:
    """Given routes (earlier or warm-start) as a first solution, or ``None`` if they do not fit."""
    if routes is None:
        return None
    routing.CloseModelWithParameters(params)
    indices = [[manager.NodeToIndex(n) for n in nodes] for nodes in routes]
    assignment = routing.ReadAssignmentFromRoutes(indices, True)
    if assignment is None:
        log.info("the given first routes do not fit; searching from scratch")
    return assignment


def _search_parameters(time_limit_s: float, solution_limit: int | None):  # type: ignore[no-untyped-def]
    params = pywrapcp.DefaultRoutingSearchParameters()
    # Insertion weighs each visit against its penalty: on patrol nights it leaves out far
    # fewer visits than PATH_CHEAPEST_ARC and always keeps the breaks.
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    # On a full patrol night (300 visits, spaced checks, breaks, two modes) the search
    # gets most from its cheap moves: a bandit picks among them by what has paid, and the
    # insertion LNS operators, slow on such nights, are left out. bench/patrol_night.py:
    # the 10 s plan went from 12 % to under 3 % above the 30 s one, and both improved.
    params.use_multi_armed_bandit_concatenate_operators = True
    operators = params.local_search_operators
    for name in ("use_global_cheapest_insertion_path_lns", "use_local_cheapest_insertion_path_lns",
                 "use_relocate_path_global_cheapest_insertion_insert_unperformed"):
        setattr(operators, name, optional_boolean_pb2.BOOL_FALSE)
    params.time_limit.FromMilliseconds(int(time_limit_s * 1000))
    if solution_limit is not None:
        params.solution_limit = solution_limit
    return params


def _read_solution(
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    model: IntegerModel,
    solution: pywrapcp.Assignment,
) -> IntegerSolution:
    time = routing.GetDimensionOrDie(_TIME)
    routes = []
    visited: set[int] = set()
    for vehicle in range(len(model.starts)):
        index = routing.Start(vehicle)
        nodes, times = [], []
        while True:
            nodes.append(manager.IndexToNode(index))
            times.append(solution.Min(time.CumulVar(index)))
            if routing.IsEnd(index):
                break
            index = solution.Value(routing.NextVar(index))
        visited.update(nodes[1:-1])
        routes.append(IntegerRoute(vehicle, tuple(nodes), tuple(times)))
    unvisited = tuple(n for n in range(model.n_visits) if n not in visited)
    return IntegerSolution(tuple(routes), unvisited, int(solution.ObjectiveValue()))
