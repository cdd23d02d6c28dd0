"""Solve a patrol problem on real road networks and return a :class:`Plan`.

Steps: lay out the problem's points and nodes, snap the points to each mode's
network, measure travel times with Dijkstra, leave out what no team can take
(saying why), search with OR-Tools, then rebuild each leg along the same
shortest paths the search used.
"""

from __future__ import annotations

import logging
import math
import time as clock
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import networkx as nx
import numpy as np
from shapely.geometry import Point

from routes.errors import ValidationError
from routes.matrix import ShortestPaths
from routes.model import IntegerModel, IntegerRoute, SearchLimits, solve_integer_model
from routes.nodes import BREAK, Layout, Node, lay_out
from routes.plan import Dropped, DropReason, Leg, Plan, Route, Visit
from routes.problem import Mode, Problem, Team
from routes.snap import Snapper

log = logging.getLogger(__name__)

#: Leaving a team's break out costs more than leaving any stop out.
BREAK_PENALTY = 10**9
#: Travel time given to a pair the network does not connect (a closed road).
UNREACHABLE_S = 10**8


@dataclass(frozen=True)
class SolveParams:
    """Search settings. The same problem and settings give the same plan.

    ``warm_start`` lets PyVRP find the first routes (see :mod:`routes.warm_start`); off,
    OR-Tools searches alone, as benchmarks do to compare.
    """

    time_limit_s: float = 30.0
    solution_limit: int | None = 300
    warm_start: bool = True

    def __post_init__(self) -> None:
        if self.time_limit_s <= 0:
            raise ValidationError(f"time limit {self.time_limit_s} s must be positive")
        if self.solution_limit is not None and self.solution_limit < 1:
            raise ValidationError(f"solution limit {self.solution_limit} must be at least 1")


@dataclass(frozen=True)
class _Snapped:
    """Every point of the layout on every mode's network, and travel between them."""

    layout: Layout
    node: Mapping[Mode, list[int]]
    gap_m: Mapping[Mode, list[float]]
    paths: Mapping[Mode, ShortestPaths]
    max_snap_m: float

    def seconds(self, mode: Mode, a: int, b: int) -> int:
        value = self.paths[mode].seconds(self.node[mode][a], self.node[mode][b])
        return round(value) if math.isfinite(value) else UNREACHABLE_S

    def table(self, mode: Mode, rows: list[int], cols: list[int]) -> list[list[int]]:
        """Whole seconds between points, in one matrix call (cached per network)."""
        seconds = self.paths[mode].table([self.node[mode][p] for p in rows],
                                         [self.node[mode][p] for p in cols])
        whole = np.where(np.isfinite(seconds), np.rint(seconds), UNREACHABLE_S)
        return whole.astype(np.int64).tolist()  # type: ignore[no-any-return]

    def on_network(self, mode: Mode, *points: int) -> bool:
        return all(self.gap_m[mode][p] <= self.max_snap_m for p in points)


def solve(
    problem: Problem,
    networks: Mapping[Mode, nx.MultiDiGraph],
    params: SolveParams | None = None,
) -> Plan:
    """Plan ``problem`` on ``networks`` (one per team mode) within ``params``' limits."""
    params = params or SolveParams()
    missing = [str(m) for m in problem.modes if m not in networks]
    if missing:
        raise ValidationError(f"no road network for mode {', '.join(missing)}; build the city")
    began = clock.perf_counter()
    prepared = prepare(problem, networks)
    snapped, kept, layout = prepared.snapped, prepared.kept, prepared.snapped.layout
    dropped = _unplannable(problem, snapped, prepared.allowed)
    limits = SearchLimits(params.time_limit_s, params.solution_limit)
    if not params.warm_start:
        limits = replace(limits, warm_start_share=0)
    solution = solve_integer_model(prepared.model, limits)
    if solution is None:
        raise RuntimeError("the solver found no plan, not even an empty one; report this")
    routes = [_route(problem, snapped, kept, raw) for raw in solution.routes]
    visited = {layout.nodes[kept[n]].owner for r in solution.routes for n in r.nodes[1:-1]
               if layout.nodes[kept[n]].kind != BREAK}
    already = {d.stop_id for d in dropped}
    for index, stop in enumerate(problem.stops):
        if index not in visited and stop.id not in already:
            dropped.append(Dropped(stop.id, DropReason.NO_TEAM_TIME,
                                   DropReason.NO_TEAM_TIME.explanation))
    seconds = clock.perf_counter() - began
    log.info("solved %d stops for %d teams in %.1f s", len(problem.stops), len(problem.teams),
             seconds)
    return Plan(tuple(routes), tuple(dropped), solution.objective, seconds)


@dataclass(frozen=True)
class Prepared:
    """A problem in solver units: its snapped layout, the nodes kept, and the model."""

    problem: Problem
    snapped: _Snapped
    allowed: list[list[int]]  # teams that may take each layout node
    kept: list[int]  # layout nodes some team may take, in model order
    model: IntegerModel

    def stop_id(self, model_node: int) -> str:
        """The stop (or break place) a model node stands for."""
        return _node_id(self.problem, self.snapped.layout.nodes[self.kept[model_node]])

    def nodes_of(self, stop_id: str) -> list[int]:
        """The model nodes of a stop (two for a swept line, none if no team may take it)."""
        index = next(i for i, s in enumerate(self.problem.stops) if s.id == stop_id)
        group = self.snapped.layout.groups[self.snapped.layout.stop_group[index]]
        position = {node: k for k, node in enumerate(self.kept)}
        return [position[n] for n in group if n in position]

    def moment(self, seconds: int) -> datetime:
        return self.problem.origin + timedelta(seconds=seconds)


def prepare(problem: Problem, networks: Mapping[Mode, nx.MultiDiGraph]) -> Prepared:
    """Snap, measure and number ``problem`` for the search (or for pricing insertions)."""
    layout = lay_out(problem)
    snapped = _snap(problem, layout, networks)
    allowed = [_teams_for(problem, snapped, node) for node in layout.nodes]
    kept = [n for n, teams in enumerate(allowed) if teams]
    return Prepared(problem, snapped, allowed, kept,
                    _integer_model(problem, snapped, kept, allowed))


def _snap(problem: Problem, layout: Layout, networks: Mapping[Mode, nx.MultiDiGraph]) -> _Snapped:
    points = [Point(lon, lat) for lon, lat in layout.points]
    node: dict[Mode, list[int]] = {}
    gap: dict[Mode, list[float]] = {}
    paths: dict[Mode, ShortestPaths] = {}
    for mode in problem.modes:
        node[mode], gap[mode] = Snapper(networks[mode]).nearest(points)
        paths[mode] = ShortestPaths(networks[mode], node[mode])
    snapped = _Snapped(layout, node, gap, paths, problem.max_snap_m)
    _check_bases(problem, snapped)
    return snapped


def _check_bases(problem: Problem, snapped: _Snapped) -> None:
    for team, (start, end) in zip(problem.teams, snapped.layout.base_points, strict=True):
        if not snapped.on_network(team.mode, start, end):
            far = max(snapped.gap_m[team.mode][start], snapped.gap_m[team.mode][end])
            raise ValidationError(
                f"team {team.id!r}: its base is {far:.0f} m from the nearest {team.mode} "
                "road; move the base onto the city's road network"
            )


def _teams_for(problem: Problem, snapped: _Snapped, node: Node) -> list[int]:
    """The teams that may take ``node`` and still return within their shift."""
    return [t for t, team in enumerate(problem.teams)
            if _may_take(problem, team, node, t) and _fits(problem, snapped, team, t, node)]


def _may_take(problem: Problem, team: Team, node: Node, t: int) -> bool:
    if node.kind == BREAK:
        return node.owner == t
    stop = problem.stops[node.owner]
    return stop.skills <= team.skills and (stop.teams is None or team.id in stop.teams)


def _fits(problem: Problem, snapped: _Snapped, team: Team, t: int, node: Node) -> bool:
    if not snapped.on_network(team.mode, node.entry, node.exit):
        return False
    origin = problem.origin
    start, end = snapped.layout.base_points[t]
    begin = max(_secs(team.shift_start, origin) + snapped.seconds(team.mode, start, node.entry),
                node.window[0])
    back = snapped.seconds(team.mode, node.exit, end)
    return begin <= node.window[1] and begin + node.service + back <= _secs(team.shift_end,
                                                                             origin)


def _unplannable(problem: Problem, snapped: _Snapped, allowed: list[list[int]]) -> list[Dropped]:
    """Stops no team can take, each with the first reason that rules it out."""
    layout = snapped.layout
    dropped = []
    for index, stop in enumerate(problem.stops):
        nodes = [layout.nodes[n] for n in layout.groups[layout.stop_group[index]]]
        if any(allowed[n] for n in layout.groups[layout.stop_group[index]]):
            continue
        reason, detail = _why(problem, snapped, nodes)
        dropped.append(Dropped(stop.id, reason, detail))
    return dropped


def _why(problem: Problem, snapped: _Snapped, nodes: list[Node]) -> tuple[DropReason, str]:
    node = nodes[0]
    stop = problem.stops[node.owner]
    if not any(snapped.on_network(t.mode, node.entry, node.exit) for t in problem.teams):
        nearest = min(max(snapped.gap_m[m][node.entry], snapped.gap_m[m][node.exit])
                      for m in problem.modes)
        return DropReason.OFF_NETWORK, (
            f"{nearest:.0f} m from the nearest road (limit {problem.max_snap_m:.0f} m); "
            "set its access point by hand")
    if not any(stop.skills <= t.skills for t in problem.teams):
        need = ", ".join(sorted(stop.skills))
        return DropReason.NO_SKILL, f"needs {need}; no team on duty has it"
    if stop.teams is not None and not any(t.id in stop.teams for t in problem.teams):
        return DropReason.NO_TEAM_ALLOWED, DropReason.NO_TEAM_ALLOWED.explanation
    return DropReason.OUT_OF_REACH, DropReason.OUT_OF_REACH.explanation


def _integer_model(
    problem: Problem, snapped: _Snapped, kept: list[int], allowed: list[list[int]]
) -> IntegerModel:
    layout = snapped.layout
    modes = list(problem.modes)
    origin = problem.origin
    position = {node: i for i, node in enumerate(kept)}
    enter = [layout.nodes[n].entry for n in kept] + [p for pair in layout.base_points
                                                      for p in pair]
    leave = [layout.nodes[n].exit for n in kept] + [p for pair in layout.base_points
                                                     for p in pair]
    travel = [snapped.table(mode, leave, enter) for mode in modes]
    groups, penalties = [], []
    for g, members in enumerate(layout.groups):
        inside = [position[n] for n in members if n in position]
        if inside:
            groups.append(inside)
            penalties.append(_group_penalty(problem, layout, g))
    n = len(kept)
    return IntegerModel(
        n_visits=n,
        travel=travel,
        matrix_of=[modes.index(t.mode) for t in problem.teams],
        service=[layout.nodes[k].service for k in kept] + [0] * (2 * len(problem.teams)),
        windows=[layout.nodes[k].window for k in kept],
        groups=groups,
        penalties=penalties,
        allowed=[allowed[k] for k in kept],
        starts=[n + 2 * t for t in range(len(problem.teams))],
        ends=[n + 2 * t + 1 for t in range(len(problem.teams))],
        vehicle_windows=[(_secs(t.shift_start, origin), _secs(t.shift_end, origin))
                         for t in problem.teams],
        balance_weight=problem.balance_weight,
        initial_routes=_initial_routes(problem, layout, position, allowed, travel,
                                       [modes.index(t.mode) for t in problem.teams]),
        gaps=_gaps(problem, layout, position),
    )


def _gaps(problem: Problem, layout: Layout, position: dict[int, int]) -> list[tuple[int, int, int]]:
    """Spacing between stops as pairs of solver nodes (every direction of a sweep)."""
    group_of = {stop.id: layout.stop_group[i] for i, stop in enumerate(problem.stops)}
    gaps: list[tuple[int, int, int]] = []
    for rule in problem.spacing:
        firsts = [position[n] for n in layout.groups[group_of[rule.first]] if n in position]
        thens = [position[n] for n in layout.groups[group_of[rule.then]] if n in position]
        seconds = round(rule.at_least.total_seconds())
        gaps.extend((a, b, seconds) for a in firsts for b in thens)
    return gaps


def _group_penalty(problem: Problem, layout: Layout, group: int) -> int:
    node = layout.nodes[layout.groups[group][0]]
    return BREAK_PENALTY if node.kind == BREAK else problem.stops[node.owner].penalty


def _initial_routes(
    problem: Problem, layout: Layout, position: dict[int, int], allowed: list[list[int]],
    travel: list[list[list[int]]], matrix_of: list[int],
) -> list[list[int]] | None:
    """Earlier routes as solver nodes, each sweep in the direction that fits its neighbours.

    The earlier plan walked each line in the direction shorter between the stops before
    and after it; taking one fixed direction instead makes a night of timed, spaced
    checks miss its windows, and OR-Tools then refuses the whole first solution.
    """
    if problem.initial_routes is None:
        return None
    group_of = {stop.id: layout.stop_group[i] for i, stop in enumerate(problem.stops)}
    n = len(position)
    routes = []
    for t, team in enumerate(problem.teams):
        seconds = travel[matrix_of[t]]
        choices = [[position[c] for c in layout.groups[group_of[stop_id]]
                    if c in position and t in allowed[c]]
                   for stop_id in problem.initial_routes.get(team.id, ()) if stop_id in group_of]
        choices = [c for c in choices if c]
        nodes: list[int] = []
        for k, choice in enumerate(choices):
            before = nodes[-1] if nodes else n + 2 * t
            after = choices[k + 1] if k + 1 < len(choices) else [n + 2 * t + 1]
            nodes.append(min(choice, key=lambda c: seconds[before][c]
                             + min(seconds[c][d] for d in after)))
        routes.append(nodes)
    return routes


def _route(problem: Problem, snapped: _Snapped, kept: list[int], raw: IntegerRoute) -> Route:
    """Rebuild one team's route with datetimes, waits and legs along the roads."""
    layout = snapped.layout
    t = raw.vehicle
    team = problem.teams[t]
    origin = problem.origin
    n = len(kept)
    start_point, end_point = layout.base_points[t]
    nodes = [layout.nodes[kept[k]] if k < n else None for k in raw.nodes]
    visits, legs = [], []
    here, ready, here_id = start_point, raw.times[0], f"{team.id}:start"
    for node, begin in zip(nodes[1:-1], raw.times[1:-1], strict=True):
        assert node is not None  # only depots are None, and they are the first and last
        node_id = _node_id(problem, node)
        legs.append(_leg(snapped, team.mode, here, node.entry, here_id, node_id))
        arrival = ready + snapped.seconds(team.mode, here, node.entry)
        visits.append(Visit(
            node_id,
            arrival=origin + timedelta(seconds=begin),
            departure=origin + timedelta(seconds=begin + node.service),
            wait=timedelta(seconds=begin - arrival),
            kind=node.kind, reverse=node.reverse,
        ))
        here, ready, here_id = node.exit, begin + node.service, node_id
    legs.append(_leg(snapped, team.mode, here, end_point, here_id, f"{team.id}:end"))
    return Route(team.id, team.mode, start=origin + timedelta(seconds=raw.times[0]),
                 end=origin + timedelta(seconds=raw.times[-1]), visits=tuple(visits),
                 legs=tuple(legs))


def _node_id(problem: Problem, node: Node) -> str:
    return node.place_id if node.kind == BREAK else problem.stops[node.owner].id


def _leg(snapped: _Snapped, mode: Mode, a: int, b: int, from_id: str, to_id: str) -> Leg:
    line, metres = snapped.paths[mode].path_line(snapped.node[mode][a], snapped.node[mode][b])
    return Leg(from_id, to_id, timedelta(seconds=snapped.seconds(mode, a, b)), metres, line)


def _secs(moment: datetime, origin: datetime) -> int:
    return round((moment - origin).total_seconds())
