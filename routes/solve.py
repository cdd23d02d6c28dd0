"""Solve a patrol problem on real road networks and return a :class:`Plan`.

Steps: snap every place to each mode's network, measure travel times with
Dijkstra, leave out what no team can reach (saying why), search with OR-Tools,
then rebuild each leg along the same shortest paths the search used.
"""

from __future__ import annotations

import logging
import time as clock
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import networkx as nx
from shapely.geometry import Point

from routes.errors import ValidationError
from routes.matrix import ShortestPaths
from routes.model import IntegerModel, IntegerSolution, SearchLimits, solve_integer_model
from routes.plan import Dropped, DropReason, Leg, Plan, Route, Visit
from routes.problem import Mode, Problem, Stop, Team
from routes.snap import Snapper

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SolveParams:
    """Search settings. The same problem and settings give the same plan."""

    time_limit_s: float = 30.0
    solution_limit: int | None = 300

    def __post_init__(self) -> None:
        if self.time_limit_s <= 0:
            raise ValidationError(f"time limit {self.time_limit_s} s must be positive")
        if self.solution_limit is not None and self.solution_limit < 1:
            raise ValidationError(f"solution limit {self.solution_limit} must be at least 1")


@dataclass
class _Located:
    """Every place of the problem snapped to every mode's network."""

    stops: list[Stop]
    teams: list[Team]
    node: dict[Mode, list[int]] = field(default_factory=dict)
    gap_m: dict[Mode, list[float]] = field(default_factory=dict)
    paths: dict[Mode, ShortestPaths] = field(default_factory=dict)

    def seconds(self, mode: Mode, a: int, b: int) -> int:
        return round(self.paths[mode].seconds(self.node[mode][a], self.node[mode][b]))

    def start_of(self, t: int) -> int:
        return len(self.stops) + 2 * t

    def end_of(self, t: int) -> int:
        return len(self.stops) + 2 * t + 1


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
    dropped: list[Dropped] = []
    located = _locate(problem, networks, dropped)
    reachable = _reachability(problem, located)
    kept = [i for i, teams in enumerate(reachable) if teams]
    for i, teams in enumerate(reachable):
        if not teams:
            dropped.append(
                Dropped(located.stops[i].id, DropReason.OUT_OF_REACH,
                        DropReason.OUT_OF_REACH.explanation)
            )
    model = _integer_model(problem, located, kept, reachable)
    solution = solve_integer_model(model, SearchLimits(params.time_limit_s, params.solution_limit))
    if solution is None:
        raise RuntimeError("the solver found no plan, not even an empty one; report this")
    routes = _routes(problem, located, kept, solution)
    for node in solution.unvisited:
        stop = located.stops[kept[node]]
        dropped.append(
            Dropped(stop.id, DropReason.NO_TEAM_TIME, DropReason.NO_TEAM_TIME.explanation)
        )
    seconds = clock.perf_counter() - began
    log.info("solved %d stops for %d teams in %.1f s", len(problem.stops), len(problem.teams),
             seconds)
    return Plan(tuple(routes), tuple(dropped), solution.objective, seconds)


def _locate(
    problem: Problem, networks: Mapping[Mode, nx.MultiDiGraph], dropped: list[Dropped]
) -> _Located:
    """Snap stops and bases; a stop far from every network is dropped as off-network."""
    points = [Point(s.lon, s.lat) for s in problem.stops]
    bases = [p for t in problem.teams
             for p in (Point(t.start_lon, t.start_lat), Point(t.end_lon, t.end_lat))]
    near: dict[Mode, tuple[list[int], list[float]]] = {}
    for mode in problem.modes:
        near[mode] = Snapper(networks[mode]).nearest(points + bases)
    on_network = []
    for i, stop in enumerate(problem.stops):
        gaps = {m: near[m][1][i] for m in problem.modes}
        if min(gaps.values()) <= problem.max_snap_m:
            on_network.append(i)
        else:
            detail = (f"{min(gaps.values()):.0f} m from the nearest road "
                      f"(limit {problem.max_snap_m:.0f} m); set its access point by hand")
            dropped.append(Dropped(stop.id, DropReason.OFF_NETWORK, detail))
    _check_bases(problem, near, len(points))
    located = _Located([problem.stops[i] for i in on_network], list(problem.teams))
    for mode in problem.modes:
        nodes, gaps_m = near[mode]
        located.node[mode] = [nodes[i] for i in on_network] + nodes[len(points):]
        located.gap_m[mode] = [gaps_m[i] for i in on_network]
        located.paths[mode] = ShortestPaths(networks[mode], located.node[mode])
    return located


def _check_bases(
    problem: Problem, near: Mapping[Mode, tuple[list[int], list[float]]], offset: int
) -> None:
    for t, team in enumerate(problem.teams):
        gaps = near[team.mode][1][offset + 2 * t: offset + 2 * t + 2]
        if max(gaps) > problem.max_snap_m:
            raise ValidationError(
                f"team {team.id!r}: its base is {max(gaps):.0f} m from the nearest {team.mode} "
                "road; move the base onto the city's road network"
            )


def _reachability(problem: Problem, located: _Located) -> list[list[int]]:
    """For each stop, the teams that could go there and still return in their shift."""
    origin = problem.origin
    result = []
    for i, stop in enumerate(located.stops):
        teams = []
        for t, team in enumerate(located.teams):
            if located.gap_m[team.mode][i] > problem.max_snap_m:
                continue  # near another mode's roads only: this team's roads end too far away
            out = located.seconds(team.mode, located.start_of(t), i)
            back = located.seconds(team.mode, i, located.end_of(t))
            arrive = _secs(team.shift_start, origin) + out
            open_s, close_s = _window(stop, team, origin)
            begin = max(arrive, open_s)
            if begin <= close_s and begin + _whole(stop.service) + back <= _secs(team.shift_end,
                                                                                  origin):
                teams.append(t)
        result.append(teams)
    return result


def _integer_model(
    problem: Problem, located: _Located, kept: list[int], reachable: list[list[int]]
) -> IntegerModel:
    modes = list(problem.modes)
    origin = problem.origin
    places = kept + [located.start_of(t) + k for t in range(len(located.teams)) for k in (0, 1)]
    travel = [[[located.seconds(mode, a, b) for b in places] for a in places] for mode in modes]
    stops = [located.stops[i] for i in kept]
    horizon = _secs(max(t.shift_end for t in problem.teams), origin)
    n = len(kept)
    return IntegerModel(
        n_stops=n,
        travel=travel,
        matrix_of=[modes.index(t.mode) for t in problem.teams],
        service=[_whole(s.service) for s in stops] + [0] * (2 * len(problem.teams)),
        windows=[_stop_window(s, origin, horizon) for s in stops],
        penalties=[s.penalty for s in stops],
        allowed=[reachable[i] for i in kept],
        starts=[n + 2 * t for t in range(len(problem.teams))],
        ends=[n + 2 * t + 1 for t in range(len(problem.teams))],
        vehicle_windows=[(_secs(t.shift_start, origin), _secs(t.shift_end, origin))
                         for t in problem.teams],
        balance_weight=problem.balance_weight,
    )


def _routes(
    problem: Problem, located: _Located, kept: list[int], solution: IntegerSolution
) -> list[Route]:
    origin = problem.origin
    n = len(kept)
    routes = []
    for raw in solution.routes:
        t = raw.vehicle
        team = located.teams[t]
        # model node -> located place index
        places = [kept[node] if node < n else located.start_of(t) + (node - n) % 2
                  for node in raw.nodes]
        ids = [_place_id(located, p, team) for p in places]
        visits, legs = [], []
        for k in range(1, len(places)):
            a, b = places[k - 1], places[k]
            legs.append(_leg(located, team.mode, a, b, ids[k - 1], ids[k]))
            if k < len(places) - 1:
                stop = located.stops[b]
                previous_departure = (raw.times[k - 1]
                                      + (_whole(located.stops[a].service) if k > 1 else 0))
                arrival = previous_departure + located.seconds(team.mode, a, b)
                begin = raw.times[k]
                visits.append(Visit(
                    stop.id,
                    arrival=origin + timedelta(seconds=begin),
                    departure=origin + timedelta(seconds=begin + _whole(stop.service)),
                    wait=timedelta(seconds=begin - arrival),
                ))
        routes.append(Route(
            team.id, team.mode,
            start=origin + timedelta(seconds=raw.times[0]),
            end=origin + timedelta(seconds=raw.times[-1]),
            visits=tuple(visits), legs=tuple(legs),
        ))
    return routes


def _leg(located: _Located, mode: Mode, a: int, b: int, from_id: str, to_id: str) -> Leg:
    paths = located.paths[mode]
    line, metres = paths.path_line(located.node[mode][a], located.node[mode][b])
    return Leg(from_id, to_id, timedelta(seconds=located.seconds(mode, a, b)), metres, line)


def _place_id(located: _Located, place: int, team: Team) -> str:
    if place < len(located.stops):
        return located.stops[place].id
    return f"{team.id}:start" if (place - len(located.stops)) % 2 == 0 else f"{team.id}:end"


def _window(stop: Stop, team: Team, origin: datetime) -> tuple[int, int]:
    if stop.window is None:
        return _secs(team.shift_start, origin), _secs(team.shift_end, origin)
    return _secs(stop.window[0], origin), _secs(stop.window[1], origin)


def _stop_window(stop: Stop, origin: datetime, horizon: int) -> tuple[int, int]:
    if stop.window is None:
        return 0, horizon
    return max(0, _secs(stop.window[0], origin)), min(horizon, _secs(stop.window[1], origin))


def _secs(moment: datetime, origin: datetime) -> int:
    return round((moment - origin).total_seconds())


def _whole(duration: timedelta) -> int:
    return round(duration.total_seconds())
