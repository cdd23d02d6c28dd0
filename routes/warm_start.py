"""First routes for the OR-Tools search, from PyVRP's iterated local search on the whole night.

PyVRP solves routing with time windows, capacities and optional visits far faster than
OR-Tools' own first solutions and local search do. It sees every visit of the
:class:`~routes.model.IntegerModel`:

- a visit only some vehicles may take (a skill, a district) is out of reach in the travel
  profile of the others;
- alternatives that belong to one vehicle (a team's break at one of its shelters, a pinned
  stop) are counted in a load of their own: a vehicle carries as many of a kind as it
  owns, and a vehicle that took another's identical break gets its own at the same place;
- spaced checks: PyVRP gets windows narrowed so that any times in them keep the spacing;
  the routes are timed afterwards with the real windows, and a check that comes too soon
  after the one before it waits if that costs no other visit, else it is dropped;
- a team's break that PyVRP left off is put where it costs least.

The balance cost is ignored. PyVRP's routes are made to fit every rule of the model (a
visit that would break a window, the load, the spacing or the end of a shift is
dropped) and handed to OR-Tools, which inserts what is left and decides the final plan.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
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
#: A night whose PyVRP routes take fewer than this share of its stops is mostly choosing
#: what to leave out; OR-Tools, weighing each visit against its penalty as it inserts,
#: chooses better alone there (a 3-hour night of the demo city for two teams: 3 % lower).
_LEAST_TAKEN = 0.5
#: Rounds of letting early spaced checks wait before the ones still too early are dropped.
_SPACING_ROUNDS = 20


@dataclass(frozen=True)
class _Owned:
    """Alternatives that belong to one vehicle, and which of them are interchangeable."""

    owner: dict[int, int]  # group -> the one vehicle that may take it
    kind: dict[int, int]  # group -> its kind: same windows, service and places

    def groups_of(self, vehicle: int, kind: int) -> list[int]:
        return [g for g, v in self.owner.items() if v == vehicle and self.kind[g] == kind]


@dataclass(frozen=True)
class _Core:
    """PyVRP data (costly visits required, or none) and the way back to nodes and vehicles."""

    strict: pyvrp.ProblemData
    relaxed: pyvrp.ProblemData
    clients: list[int]
    vehicles_of_type: list[list[int]]
    owned: _Owned
    must: frozenset[int]  # groups that outweigh any detour: one of each is always visited
    group_of: dict[int, int]  # node -> its group of alternatives


def core_routes(
    model: IntegerModel, time_limit_s: float, iterations: int | None
) -> list[list[int]] | None:
    """Visit nodes per vehicle that fit ``model``'s rules, or ``None`` (no vehicle may visit,
    the routes leave out most stops of an overloaded night, or see below).

    With ``iterations`` (a solution limit: repeatable plans, as tests and ``patrol plan``
    ask) only plain nights are warm-started: on a full night PyVRP's counted iterations
    took longer than OR-Tools' whole counted search (100 visits: 16 s against 7 s).

    PyVRP stops after ``time_limit_s`` or, when given, ``iterations`` (repeatable).
    Optional visits slow PyVRP down threefold, so a visit whose penalty outweighs any
    detour it could cause is required at first; if PyVRP then cannot serve them all
    within half the budget (an overloaded night), every visit is optional for the rest.
    """
    if iterations is not None and not _plain(model):
        return None
    core = _core_of(model)
    if core is None:
        return None
    half = _stop(time_limit_s / 2, iterations)
    first = _solve(core.strict, half, None)
    if first.is_feasible():
        best = _solve(core.strict, _stop(time_limit_s / 2, iterations), first.best)
    else:
        best = _solve(core.relaxed, _stop(time_limit_s / 2, iterations), None)
    taken = {core.group_of[core.clients[a.idx]] for r in best.best.routes() for a in r
             if a.is_client()}
    log.debug("PyVRP core: %d of %d visits, cost %.0f, feasible %s, all required first %s, "
              "%d of %d groups taken", len(core.clients), model.n_visits, best.cost(),
              best.is_feasible(), first.is_feasible(), len(taken), len(model.groups))
    if not best.is_feasible() or len(taken) < _LEAST_TAKEN * len(model.groups):
        # Routes PyVRP could not make feasible in time (1000 visits, 30 teams, 21 s) lose
        # more visits in fitting than OR-Tools' own first solution leaves out.
        return None
    routes: list[list[int]] = [[] for _ in model.starts]
    free = [list(vehicles) for vehicles in core.vehicles_of_type]
    for route in best.best.routes():
        vehicle = free[route.vehicle_type()].pop(0)
        nodes = [core.clients[a.idx] for a in route if a.is_client()]
        routes[vehicle] = _own_alternatives(model, core, vehicle, nodes)
    return fit_routes(model, [_with_must(model, core, v, nodes) for v, nodes in enumerate(routes)])


def _plain(model: IntegerModel) -> bool:
    """No spaced checks, and every vehicle may take every visit."""
    everyone = len(model.starts)
    return not model.gaps and all(len(a) == everyone for a in model.allowed[:model.n_visits])


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


def _own_alternatives(model: IntegerModel, core: _Core, vehicle: int,
                      nodes: list[int]) -> list[int]:
    """``nodes`` with each alternative of another vehicle swapped for ``vehicle``'s own twin."""
    owned, group_of = core.owned, core.group_of
    mine = {group_of[n] for n in nodes if owned.owner.get(group_of[n]) == vehicle}
    spare: dict[int, list[int]] = {}
    swapped = []
    for node in nodes:
        group = group_of[node]
        if owned.owner.get(group, vehicle) == vehicle:
            swapped.append(node)
            continue
        kind = owned.kind[group]
        if kind not in spare:
            spare[kind] = [g for g in owned.groups_of(vehicle, kind) if g not in mine]
        if spare[kind]:
            twin = spare[kind].pop(0)
            swapped.append(model.groups[twin][list(model.groups[group]).index(node)])
    return swapped


def _with_must(model: IntegerModel, core: _Core, vehicle: int, nodes: list[int]) -> list[int]:
    """``nodes`` with each must-visit of ``vehicle``'s own that PyVRP left off put in.

    It goes where it leaves out the fewest other visits, then adds the least travel: a
    team's break is worth more than any visit, and OR-Tools seldom makes room for it.
    """
    present = {core.group_of[n] for n in nodes}
    for g in sorted(core.must - present):
        if core.owned.owner.get(g) != vehicle:
            continue
        best: tuple[tuple[int, int], list[int]] | None = None
        for node in model.groups[g]:
            for at in range(len(nodes) + 1):
                kept = fit_route(model, vehicle, [*nodes[:at], node, *nodes[at:]])
                if node in kept:
                    score = (len(nodes) + 1 - len(kept), _travel(model, vehicle, kept))
                    if best is None or score < best[0]:
                        best = score, kept
        if best is not None:
            nodes = best[1]
    return nodes


def _travel(model: IntegerModel, vehicle: int, nodes: list[int]) -> int:
    travel = model.travel[model.matrix_of[vehicle]]
    path = [model.starts[vehicle], *nodes, model.ends[vehicle]]
    return sum(travel[a][b] for a, b in zip(path, path[1:], strict=False))


def fit_routes(model: IntegerModel, routes: Sequence[Sequence[int]]) -> list[list[int]]:
    """``routes`` less what breaks a rule; a spaced check that comes too early waits for its
    turn if that costs no other visit, else it is dropped (OR-Tools puts it back later)."""
    not_before: dict[int, int] = {}
    fitted = [_timed_route(model, v, nodes, not_before) for v, nodes in enumerate(routes)]
    for _ in range(_SPACING_ROUNDS):
        early = _too_early(model, fitted)
        if not early:
            break
        for v, route in enumerate(fitted):
            nodes = [n for n, _ in route]
            for node in [n for n in nodes if n in early]:
                waiting = {**not_before, node: early[node]}
                tried = _timed_route(model, v, nodes, waiting)
                if len(tried) == len(nodes):
                    not_before, route = waiting, tried
                else:
                    nodes.remove(node)
                    route = _timed_route(model, v, nodes, not_before)
            fitted[v] = route
    while early := _too_early(model, fitted):
        fitted = [_timed_route(model, v, [n for n, _ in route if n not in early], not_before)
                  for v, route in enumerate(fitted)]
    return [[n for n, _ in route] for route in fitted]


def _too_early(model: IntegerModel,
               fitted: Sequence[Sequence[tuple[int, int]]]) -> dict[int, int]:
    """Checks that begin less than their spacing after the check before: when they may."""
    begins = {n: begin for route in fitted for n, begin in route}
    early: dict[int, int] = {}
    for a, b, seconds in model.gaps:
        if a in begins and b in begins and begins[b] < begins[a] + seconds:
            early[b] = max(early.get(b, 0), begins[a] + seconds)
    return early


def fit_route(model: IntegerModel, vehicle: int, nodes: Sequence[int]) -> list[int]:
    """``nodes`` in order, less each visit that would break a window, the load or the shift."""
    return [n for n, _ in _timed_route(model, vehicle, nodes, {})]


def _timed_route(model: IntegerModel, vehicle: int, nodes: Sequence[int],
                 not_before: Mapping[int, int]) -> list[tuple[int, int]]:
    """Kept nodes and when each begins, none before its ``not_before`` time."""
    travel = model.travel[model.matrix_of[vehicle]]
    capacity = None if model.capacities is None else model.capacities[vehicle]
    open_s, close_s = model.vehicle_windows[vehicle]
    kept: list[tuple[int, int]] = []
    here, load = model.starts[vehicle], 0
    ready_at = [open_s + model.service[here]]
    for node in nodes:
        begin = max(ready_at[-1] + travel[here][node], model.windows[node][0],
                    not_before.get(node, 0))
        demand = 0 if model.demands is None else model.demands[node]
        if (begin > model.windows[node][1] or vehicle not in model.allowed[node]
                or (capacity is not None and load + demand > capacity)):
            continue
        kept.append((node, begin))
        ready_at.append(begin + model.service[node])
        here, load = node, load + demand
    end = model.ends[vehicle]
    # Dropping the last visits only brings the vehicle home earlier.
    while kept and ready_at[-1] + travel[kept[-1][0]][end] > close_s:
        kept.pop()
        ready_at.pop()
    return kept


def _core_of(model: IntegerModel) -> _Core | None:
    group_of = {node: g for g, group in enumerate(model.groups) for node in group}
    clients = [n for n in range(model.n_visits) if n in group_of and model.allowed[n]]
    if not clients:
        return None
    travel = [np.asarray(m, dtype=np.int64) for m in model.travel]
    owned = _owned(model, clients, group_of, travel)
    depots = sorted(set(model.starts) | set(model.ends))
    depot_index = {node: d for d, node in enumerate(depots)}
    # PyVRP numbers locations depots first, then clients.
    order = depots + clients
    matrices, profile_of = _profiles(model, travel, order, clients, owned, group_of)
    types, vehicles_of_type = _vehicle_types(model, depot_index, owned, profile_of)
    members: dict[int, list[int]] = {}
    for k, node in enumerate(clients):
        members.setdefault(group_of[node], []).append(k)
    alternatives = [(g, ks) for g, ks in members.items() if len(ks) > 1]
    group_index = {k: i for i, (_, ks) in enumerate(alternatives) for k in ks}
    # The most a visit can add to a route: the longest way in plus the longest way out.
    detour = np.max([m.max(axis=0) + m.max(axis=1)
                     for m in (_matrix(t, order) for t in travel)], axis=0)
    # A vehicle's own alternatives that outweigh any detour (its break) are always required.
    required = [g in owned.owner and all(model.penalties[g] > detour[len(depots) + k] for k in ks)
                for g, ks in alternatives]
    # A required alternative is no prize: PyVRP would count the ones not taken as lost.
    prizes = [0 if k in group_index and required[group_index[k]]
              else model.penalties[group_of[node]] for k, node in enumerate(clients)]
    kinds = sorted(set(owned.kind.values()))
    windows = _spaced_windows(model)
    relaxed = pyvrp.ProblemData(
        locations=[pyvrp.Location(0.0, 0.0) for _ in order],
        clients=[_client(windows[node], model.service[node], len(depots) + k, prizes[k],
                         group_index.get(k),
                         _load(model, node, owned.kind.get(group_of[node]), kinds))
                 for k, node in enumerate(clients)],
        depots=[pyvrp.Depot(d) for d in range(len(depots))],
        vehicle_types=types,
        distance_matrices=matrices,
        duration_matrices=matrices,
        groups=[pyvrp.ClientGroup(ks, required=r)
                for (_, ks), r in zip(alternatives, required, strict=True)],
    )
    strict = relaxed.replace(
        clients=[replace_required(c, k not in group_index and prizes[k] > detour[len(depots) + k])
                 for k, c in enumerate(relaxed.clients())],
    )
    must = frozenset(g for (g, _), r in zip(alternatives, required, strict=True) if r)
    return _Core(strict, relaxed, clients, vehicles_of_type, owned, must, group_of)


def _owned(model: IntegerModel, clients: list[int], group_of: dict[int, int],
           travel: list[Any]) -> _Owned:
    """Groups only one vehicle may take, in kinds of twins (same times and places)."""
    taken = set(clients)
    owner: dict[int, int] = {}
    for g, group in enumerate(model.groups):
        vehicles = {v for n in group if n in taken for v in model.allowed[n]}
        if len(vehicles) == 1 and all(n in taken for n in group):
            owner[g] = vehicles.pop()
    signatures: dict[tuple[Any, ...], int] = {}
    kind = {}
    for g in owner:
        signature = (model.penalties[g],) + tuple(
            (model.windows[n], model.service[n],
             tuple(m[n].tobytes() + m[:, n].tobytes() for m in travel)) for n in model.groups[g])
        kind[g] = signatures.setdefault(signature, len(signatures))
    return _Owned(owner, kind)


def _load(model: IntegerModel, node: int, kind: int | None, kinds: list[int]) -> list[int]:
    """The model's own demand, then one unit of the visit's owned kind."""
    own = [] if model.demands is None or model.capacities is None else [model.demands[node]]
    return own + [1 if k == kind else 0 for k in kinds]


def _profiles(model: IntegerModel, travel: list[Any], order: list[int], clients: list[int],
              owned: _Owned, group_of: dict[int, int]) -> tuple[list[Any], list[int]]:
    """A travel profile per matrix and set of shared visits a vehicle may take."""
    horizon = max(close_s for _, close_s in model.vehicle_windows)
    keys: dict[tuple[int, frozenset[int]], int] = {}
    matrices: list[Any] = []
    profile_of = []
    for v, m in enumerate(model.matrix_of):
        barred = frozenset(k for k, node in enumerate(clients)
                           if group_of[node] not in owned.owner and v not in model.allowed[node])
        key = (m, barred)
        if key not in keys:
            keys[key] = len(matrices)
            matrix = _matrix(travel[m], order)
            depots = len(order) - len(clients)
            # Out of reach: longer than any shift, so no feasible route goes there.
            matrix[:, [depots + k for k in barred]] = 10 * horizon
            np.fill_diagonal(matrix, 0)
            matrices.append(matrix)
        profile_of.append(keys[key])
    return matrices, profile_of


def replace_required(client: pyvrp.Client, required: bool) -> pyvrp.Client:
    """``client`` with its ``required`` flag set (PyVRP clients are immutable)."""
    return pyvrp.Client(client.location, delivery=client.delivery,
                        service_duration=client.service_duration, tw_early=client.tw_early,
                        tw_late=client.tw_late, prize=client.prize, required=required,
                        group=client.group)


def _client(window: tuple[int, int], service: int, location: int, prize: int,
            group: int | None, load: list[int]) -> pyvrp.Client:
    """A visit PyVRP may leave out for its penalty (the prize of taking it)."""
    return pyvrp.Client(location, delivery=load, service_duration=service,
                        tw_early=window[0], tw_late=window[1], prize=prize, required=False,
                        group=group)


def _spaced_windows(model: IntegerModel) -> list[tuple[int, int]]:
    """Windows narrowed so that any times in them keep every spacing.

    Where a check's window ends less than the spacing before the next check's window
    opens, the shortfall is taken half from the end of one and half from the start of
    the other (never emptying a window). PyVRP then cannot place two checks too close,
    and OR-Tools, which has the full windows, may widen the plan again.
    """
    windows = [list(w) for w in model.windows]
    for a, b, seconds in model.gaps:
        short = windows[a][1] + seconds - windows[b][0]
        if short <= 0:
            continue
        windows[a][1] = max(windows[a][0], windows[a][1] - (short + 1) // 2)
        windows[b][0] = min(windows[b][1], windows[a][1] + seconds)
    return [(w[0], w[1]) for w in windows]


def _vehicle_types(
    model: IntegerModel, depot_index: dict[int, int], owned: _Owned, profile_of: list[int]
) -> tuple[list[pyvrp.VehicleType], list[list[int]]]:
    """One type per distinct (start, end, shift, profile, capacity): PyVRP likes few types."""
    kinds = sorted(set(owned.kind.values()))
    grouped: dict[tuple[Any, ...], list[int]] = {}
    for v in range(len(model.starts)):
        open_s, close_s = model.vehicle_windows[v]
        own = [] if model.capacities is None or model.demands is None else [model.capacities[v]]
        capacity = tuple(own + [len(owned.groups_of(v, k)) for k in kinds])
        key = (depot_index[model.starts[v]], depot_index[model.ends[v]], open_s, close_s,
               profile_of[v], capacity)
        grouped.setdefault(key, []).append(v)
    types = [pyvrp.VehicleType(len(vehicles), capacity=list(capacity), start_depot=start,
                               end_depot=end, tw_early=open_s, tw_late=close_s, profile=profile,
                               start_late=open_s)
             for (start, end, open_s, close_s, profile, capacity), vehicles in grouped.items()]
    return types, list(grouped.values())


def _matrix(travel: Any, order: list[int]) -> Any:
    """``travel`` rows and columns in PyVRP's location order (typed ``Any``: its stub is odd)."""
    matrix = travel[np.ix_(order, order)]
    # A swept stop's own diagonal (its exit back to its entry) is never driven; PyVRP wants 0.
    np.fill_diagonal(matrix, 0)
    return matrix
