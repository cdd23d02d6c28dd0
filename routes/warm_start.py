"""First routes for the OR-Tools search, from PyVRP's iterated local search on the core problem.

PyVRP solves plain routing with time windows, capacities and optional visits far faster
than OR-Tools' own first solutions and local search do. It is used only when it can see
the whole :class:`~routes.model.IntegerModel`: no visit that only some vehicles may take
(a break, a skill, a pin) and no spaced (repeated) checks; with those, OR-Tools did not
reliably make room in routes PyVRP had filled, so it searches alone. The balance cost
is ignored. PyVRP's routes are made to fit every rule of the model (a visit that would
break a window, the load or the end of a shift is dropped) and handed to OR-Tools, which
inserts what is left and decides the final plan.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyvrp
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, StoppingCriterion

if TYPE_CHECKING:
    # Only for annotations: routes.model imports this module.
    from routes.model import IntegerModel


log = logging.getLogger(__name__)

#: Fixed, so the same model and limits give the same routes.
SEED = 1


@dataclass(frozen=True)
class _Core:
    """PyVRP data (costly visits required, or none) and the way back to nodes and vehicles."""

    strict: pyvrp.ProblemData
    relaxed: pyvrp.ProblemData
    clients: list[int]
    vehicles_of_type: list[list[int]]


def core_routes(
    model: IntegerModel, time_limit_s: float, iterations: int | None
) -> list[list[int]] | None:
    """Visit nodes per vehicle that fit ``model``'s rules, or ``None`` if PyVRP cannot see it.

    PyVRP stops after ``time_limit_s`` or, when given, ``iterations`` (repeatable).
    Optional visits slow PyVRP down threefold, so a visit whose penalty outweighs any
    detour it could cause is required at first; if PyVRP then cannot serve them all
    within half the budget (an overloaded night), every visit is optional for the rest.
    """
    core = _core_of(model)
    if core is None:
        return None
    half = _stop(time_limit_s / 2, iterations)
    first = _solve(core.strict, half, None)
    if first.is_feasible():
        best = _solve(core.strict, _stop(time_limit_s / 2, iterations), first.best)
    else:
        best = _solve(core.relaxed, _stop(time_limit_s / 2, iterations), None)
    log.debug("PyVRP core: %d of %d visits, cost %.0f, feasible %s, all required first %s",
              len(core.clients), model.n_visits, best.cost(), best.is_feasible(),
              first.is_feasible())
    routes: list[list[int]] = [[] for _ in model.starts]
    free = [list(vehicles) for vehicles in core.vehicles_of_type]
    for route in best.best.routes():
        vehicle = free[route.vehicle_type()].pop(0)
        routes[vehicle] = [core.clients[a.idx] for a in route if a.is_client()]
    return [fit_route(model, v, nodes) for v, nodes in enumerate(routes)]


def _solve(data: pyvrp.ProblemData, stop: StoppingCriterion,
           start: pyvrp.Solution | None) -> pyvrp.Result:
    with warnings.catch_warnings():
        # Expected when not every required visit fits (an overloaded night): that is what
        # the relaxed attempt is for, and OR-Tools has the last word anyway.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        return pyvrp.solve(data, stop, seed=SEED, collect_stats=False, display=False,
                           initial_solution=start)


def _stop(time_limit_s: float, iterations: int | None) -> StoppingCriterion:
    stop: StoppingCriterion = MaxRuntime(time_limit_s)
    if iterations is None:
        return stop
    return MultipleCriteria([MaxIterations(max(iterations // 2, 1)), stop])


def fit_route(model: IntegerModel, vehicle: int, nodes: Sequence[int]) -> list[int]:
    """``nodes`` in order, less each visit that would break a window, the load or the shift."""
    travel = model.travel[model.matrix_of[vehicle]]
    capacity = None if model.capacities is None else model.capacities[vehicle]
    open_s, close_s = model.vehicle_windows[vehicle]
    kept: list[int] = []
    here, load = model.starts[vehicle], 0
    ready_at = [open_s + model.service[here]]
    for node in nodes:
        begin = max(ready_at[-1] + travel[here][node], model.windows[node][0])
        demand = 0 if model.demands is None else model.demands[node]
        if begin > model.windows[node][1] or (capacity is not None and load + demand > capacity):
            continue
        kept.append(node)
        ready_at.append(begin + model.service[node])
        here, load = node, load + demand
    end = model.ends[vehicle]
    # Dropping the last visits only brings the vehicle home earlier.
    while kept and ready_at[-1] + travel[kept[-1]][end] > close_s:
        kept.pop()
        ready_at.pop()
    return kept


def _core_of(model: IntegerModel) -> _Core | None:
    everyone = len(model.starts)
    group_of = {node: g for g, group in enumerate(model.groups) for node in group}
    # PyVRP knows neither allowed vehicles nor spacing: those visits wait for OR-Tools.
    spaced = {n for a, b, _ in model.gaps for n in (a, b)}
    clients = [n for n in range(model.n_visits)
               if len(model.allowed[n]) == everyone and n in group_of and n not in spaced]
    if not clients or len(clients) < model.n_visits:
        # OR-Tools cannot be trusted to make room in routes PyVRP filled (a break, a visit
        # for the one skilled team): warm-start only when PyVRP sees every visit.
        return None
    depots = sorted(set(model.starts) | set(model.ends))
    depot_index = {node: d for d, node in enumerate(depots)}
    # PyVRP numbers locations depots first, then clients.
    order = depots + clients
    types, vehicles_of_type = _vehicle_types(model, depot_index)
    members: dict[int, list[int]] = {}
    for k, node in enumerate(clients):
        members.setdefault(group_of[node], []).append(k)
    alternatives = [ks for ks in members.values() if len(ks) > 1]
    group_index = {k: g for g, ks in enumerate(alternatives) for k in ks}
    matrices = [_matrix(m, order) for m in model.travel]
    # The most a visit can add to a route: the longest way in plus the longest way out.
    detour = np.max([m.max(axis=0) + m.max(axis=1) for m in matrices], axis=0)
    prizes = [model.penalties[group_of[node]] for node in clients]
    relaxed = pyvrp.ProblemData(
        locations=[pyvrp.Location(0.0, 0.0) for _ in order],
        clients=[_client(model, node, len(depots) + k, prizes[k], group_index.get(k))
                 for k, node in enumerate(clients)],
        depots=[pyvrp.Depot(d) for d in range(len(depots))],
        vehicle_types=types,
        distance_matrices=matrices,
        duration_matrices=matrices,
        groups=[pyvrp.ClientGroup(ks, required=False) for ks in alternatives],
    )
    strict = relaxed.replace(clients=[
        replace_required(c, k not in group_index and prizes[k] > detour[len(depots) + k])
        for k, c in enumerate(relaxed.clients())
    ])
    return _Core(strict, relaxed, clients, vehicles_of_type)


def replace_required(client: pyvrp.Client, required: bool) -> pyvrp.Client:
    """``client`` with its ``required`` flag set (PyVRP clients are immutable)."""
    return pyvrp.Client(client.location, delivery=client.delivery,
                        service_duration=client.service_duration, tw_early=client.tw_early,
                        tw_late=client.tw_late, prize=client.prize, required=required,
                        group=client.group)


def _client(model: IntegerModel, node: int, location: int, prize: int,
            group: int | None) -> pyvrp.Client:
    """A visit PyVRP may leave out for its penalty (the prize of taking it)."""
    open_s, close_s = model.windows[node]
    demand = [] if model.demands is None else [model.demands[node]]
    return pyvrp.Client(location, delivery=demand, service_duration=model.service[node],
                        tw_early=open_s, tw_late=close_s, prize=prize, required=False,
                        group=group)


def _vehicle_types(
    model: IntegerModel, depot_index: dict[int, int]
) -> tuple[list[pyvrp.VehicleType], list[list[int]]]:
    """One type per distinct (start, end, shift, matrix, capacity): PyVRP likes few types."""
    kinds: dict[tuple[int, int, int, int, int, int], list[int]] = {}
    for v in range(len(model.starts)):
        open_s, close_s = model.vehicle_windows[v]
        capacity = -1 if model.capacities is None else model.capacities[v]
        key = (depot_index[model.starts[v]], depot_index[model.ends[v]], open_s, close_s,
               model.matrix_of[v], capacity)
        kinds.setdefault(key, []).append(v)
    types = [pyvrp.VehicleType(len(vehicles), capacity=[] if cap < 0 else [cap],
                               start_depot=start, end_depot=end, tw_early=open_s,
                               tw_late=close_s, profile=matrix, start_late=open_s)
             for (start, end, open_s, close_s, matrix, cap), vehicles in kinds.items()]
    return types, list(kinds.values())


def _matrix(travel: Sequence[Sequence[int]], order: list[int]) -> Any:
    """``travel`` rows and columns in PyVRP's location order (typed ``Any``: its stub is odd)."""
    matrix = np.asarray([[travel[a][b] for b in order] for a in order], dtype=np.int64)
    # A swept stop's own diagonal (its exit back to its entry) is never driven; PyVRP wants 0.
    np.fill_diagonal(matrix, 0)
    return matrix
