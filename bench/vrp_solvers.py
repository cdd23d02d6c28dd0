"""The three solvers the benchmarks compare, each run on one core on a :class:`CoreProblem`.

- ``ours``: our engine, :func:`routes.model.solve_integer_model`, with every customer in
  a disjunction of huge penalty (a plan always exists; leaving one out is never worth it);
- ``pyvrp``: PyVRP's iterated local search, every customer required;
- ``ortools-default``: OR-Tools the usual way (every customer mandatory, path cheapest
  arc, guided local search), written here apart from our engine on purpose.

Each returns routes of customer nodes (``1..n``), which :func:`score_routes` judges.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyvrp
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from pyvrp.stop import MaxRuntime
from vrp_instances import CoreProblem

from routes.model import IntegerModel, SearchLimits, solve_integer_model

#: Leaving a customer out costs more than any route set's length.
MANDATORY_PENALTY = 10**9


@dataclass(frozen=True)
class Run:
    """A solver's routes (customer nodes per vehicle) and the wall time it took."""

    routes: list[list[int]]
    seconds: float


def integer_model(problem: CoreProblem) -> IntegerModel:
    """The problem as our engine's model: customers are nodes 0..n-1, the depot node n."""
    n = problem.n_customers
    order = [*range(1, n + 1), 0]
    matrix = [[problem.matrix[a][b] for b in order] for a in order]
    fleet = problem.fleet
    return IntegerModel(
        n_visits=n,
        travel=[matrix],
        matrix_of=[0] * fleet,
        service=[problem.service[a] for a in order],
        windows=[problem.windows[a] for a in order[:-1]],
        groups=[[c] for c in range(n)],
        penalties=[MANDATORY_PENALTY] * n,
        allowed=[list(range(fleet))] * n,
        starts=[n] * fleet,
        ends=[n] * fleet,
        vehicle_windows=[problem.windows[0]] * fleet,
        demands=[problem.demands[a] for a in order],
        capacities=[problem.capacity] * fleet,
    )


def solve_ours(problem: CoreProblem, seconds: float, warm_start: bool = True) -> Run:
    """Our engine within ``seconds`` (time only, no solution limit)."""
    began = time.perf_counter()
    limits = SearchLimits(seconds, None, warm_start_share=0.0)
    if warm_start:
        limits = SearchLimits(seconds, None)
    solution = solve_integer_model(integer_model(problem), limits)
    elapsed = time.perf_counter() - began
    if solution is None:
        return Run([], elapsed)
    return Run([[node + 1 for node in r.nodes[1:-1]] for r in solution.routes], elapsed)


def solve_pyvrp(problem: CoreProblem, seconds: float, seed: int = 1) -> Run:
    """PyVRP's default search within ``seconds``."""
    began = time.perf_counter()
    result = pyvrp.solve(pyvrp_data(problem), MaxRuntime(seconds), seed=seed,
                         collect_stats=False, display=False)
    elapsed = time.perf_counter() - began
    if not result.best.is_feasible():
        return Run([], elapsed)
    # PyVRP numbers clients 0.. after the depot: client k stands at our node k + 1.
    routes = [[a.idx + 1 for a in route if a.is_client()] for route in result.best.routes()]
    return Run(routes, elapsed)


def pyvrp_data(problem: CoreProblem) -> pyvrp.ProblemData:
    """The problem in PyVRP's terms: location i is node i; one vehicle type."""
    matrix = np.asarray(problem.matrix, dtype=np.int64)
    depot_open, depot_close = problem.windows[0]
    clients = [pyvrp.Client(node, delivery=[problem.demands[node]],
                            service_duration=problem.service[node],
                            tw_early=problem.windows[node][0], tw_late=problem.windows[node][1])
               for node in range(1, len(problem.matrix))]
    return pyvrp.ProblemData(
        locations=[pyvrp.Location(0.0, 0.0) for _ in problem.matrix],
        clients=clients,
        depots=[pyvrp.Depot(0, tw_early=depot_open, tw_late=depot_close)],
        vehicle_types=[pyvrp.VehicleType(problem.fleet, capacity=[problem.capacity],
                                         tw_early=depot_open, tw_late=depot_close)],
        distance_matrices=[matrix],
        duration_matrices=[matrix],
    )


def solve_ortools_default(problem: CoreProblem, seconds: float) -> Run:
    """OR-Tools as its samples drive it: mandatory customers, path cheapest arc + GLS."""
    began = time.perf_counter()
    size = len(problem.matrix)
    manager = pywrapcp.RoutingIndexManager(size, problem.fleet, 0)
    routing = pywrapcp.RoutingModel(manager)
    cost = routing.RegisterTransitMatrix([list(row) for row in problem.matrix])
    routing.SetArcCostEvaluatorOfAllVehicles(cost)
    timed = [[problem.matrix[a][b] + problem.service[a] for b in range(size)] for a in range(size)]
    horizon = problem.windows[0][1]
    routing.AddDimension(routing.RegisterTransitMatrix(timed), horizon, horizon, False, "time")
    clock = routing.GetDimensionOrDie("time")
    for node in range(1, size):
        clock.CumulVar(manager.NodeToIndex(node)).SetRange(*problem.windows[node])
    for vehicle in range(problem.fleet):
        clock.CumulVar(routing.Start(vehicle)).SetRange(*problem.windows[0])
        clock.CumulVar(routing.End(vehicle)).SetRange(*problem.windows[0])
    load = routing.RegisterUnaryTransitVector(list(problem.demands))
    routing.AddDimensionWithVehicleCapacity(load, 0, [problem.capacity] * problem.fleet, True,
                                            "load")
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH)
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    solution = routing.SolveWithParameters(params)
    elapsed = time.perf_counter() - began
    if solution is None:
        return Run([], elapsed)
    routes = []
    for vehicle in range(problem.fleet):
        index = solution.Value(routing.NextVar(routing.Start(vehicle)))
        route = []
        while not routing.IsEnd(index):
            route.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        routes.append(route)
    return Run(routes, elapsed)


def solve_ours_without_warm_start(problem: CoreProblem, seconds: float) -> Run:
    """Our engine's OR-Tools search alone: what the warm start adds, measured."""
    return solve_ours(problem, seconds, warm_start=False)


SOLVERS: dict[str, Callable[[CoreProblem, float], Run]] = {
    "ours": solve_ours,
    "pyvrp": solve_pyvrp,
    "ortools-default": solve_ortools_default,
    "ours-no-warm-start": solve_ours_without_warm_start,
}
#: What ``make bench`` runs; the others on request (``--solvers``).
DEFAULT_SOLVERS = ("ours", "pyvrp", "ortools-default")
