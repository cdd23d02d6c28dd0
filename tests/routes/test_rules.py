"""Every rule of the patrol model, checked on the real Helsinki network by an independent checker.

The checker reads only the problem, the networks and the plan: it finds nearest
nodes with osmnx and path times with networkx, never with the solver's code.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import networkx as nx
import numpy as np
import osmnx as ox
import pytest
from shapely.geometry import LineString

from routes.plan import DropReason, Plan
from routes.problem import Break, BreakPlace, Mode, Problem, Spacing, Stop, Team
from routes.solve import SolveParams, solve

PARAMS = SolveParams(time_limit_s=120, solution_limit=60)
Networks = dict[Mode, nx.MultiDiGraph]
Places = dict[str, tuple[float, float]]


def _node(graph: nx.MultiDiGraph, lon: float, lat: float) -> int:
    """Brute-force nearest node by great-circle distance (no index, no shared code)."""
    ids = list(graph.nodes)
    xs = np.array([graph.nodes[n]["x"] for n in ids])
    ys = np.array([graph.nodes[n]["y"] for n in ids])
    metres = ox.distance.great_circle(lat, lon, ys, xs)
    return int(ids[int(np.argmin(metres))])


def _path_s(graph: nx.MultiDiGraph, a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(nx.shortest_path_length(graph, _node(graph, *a), _node(graph, *b),
                                         weight="travel_time"))


def check_plan(problem: Problem, networks: Networks, plan: Plan) -> None:
    """Fail on any broken rule: bases, shifts, windows, skills, teams, sweeps, breaks, once."""
    stops = {s.id: s for s in problem.stops}
    teams = {t.id: t for t in problem.teams}
    seen: list[str] = []
    for route in plan.routes:
        team = teams[route.team_id]
        graph = networks[team.mode]
        assert route.start >= team.shift_start and route.end <= team.shift_end
        here = (team.start_lon, team.start_lat)
        ready = route.start
        breaks = []
        for visit, leg in zip(route.visits, route.legs, strict=False):
            if visit.kind == "break":
                assert team.rest is not None
                place = next(p for p in team.rest.places if p.id == visit.stop_id)
                entry = exit_ = (place.lon, place.lat)
                assert team.rest.earliest <= visit.arrival <= team.rest.latest
                assert visit.departure - visit.arrival == team.rest.duration
                breaks.append(visit)
            else:
                stop = stops[visit.stop_id]
                seen.append(stop.id)
                assert stop.skills <= team.skills, (stop.id, team.id)
                assert stop.teams is None or team.id in stop.teams, (stop.id, team.id)
                entry, exit_ = _ends(stop, visit.reverse)
                if stop.window is not None:
                    assert stop.window[0] <= visit.arrival <= stop.window[1]
                assert visit.departure - visit.arrival == stop.service
            travel = _path_s(graph, here, entry)
            assert abs(leg.travel.total_seconds() - travel) <= 1.0, (leg.from_id, leg.to_id)
            assert visit.arrival >= ready + leg.travel - timedelta(seconds=1)
            here, ready = exit_, visit.departure
        back = _path_s(graph, here, (team.end_lon, team.end_lat))
        assert abs(route.legs[-1].travel.total_seconds() - back) <= 1.0
        assert route.end >= ready + route.legs[-1].travel - timedelta(seconds=1)
        assert len(breaks) == (1 if team.rest is not None and route.visits else len(breaks))
    dropped = [d.stop_id for d in plan.dropped]
    assert sorted(seen + dropped) == sorted(stops), "every stop once: visited or dropped"
    when = {v.stop_id: v.arrival for r in plan.routes for v in r.visits}
    for rule in problem.spacing:
        if rule.first in when and rule.then in when:
            assert when[rule.then] - when[rule.first] >= rule.at_least, rule


def _ends(stop: Stop, reverse: bool) -> tuple[tuple[float, float], tuple[float, float]]:
    if stop.sweep is None:
        return (stop.lon, stop.lat), (stop.lon, stop.lat)
    first, last = stop.sweep.coords[0], stop.sweep.coords[-1]
    pair = ((first[0], first[1]), (last[0], last[1]))
    return (pair[1], pair[0]) if reverse else pair


def _team(team_id: str, mode: Mode, base: tuple[float, float], start: datetime, hours: float,
          **extra: object) -> Team:
    return Team(team_id, mode, *base, *base, shift_start=start,
                shift_end=start + timedelta(hours=hours), **extra)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def ruled(helsinki_places: Places, winter_evening: datetime,
          networks: Networks) -> tuple[Problem, Plan]:
    """Three teams with skills and a break; stops needing skills, pinned, swept and timed."""
    at = winter_evening
    p = helsinki_places
    bridge = LineString([p["long_bridge"], (24.9506, 60.1779)])
    shelter = BreakPlace("shelter-1", *p["university"])
    stops = [
        Stop("station", *p["central_station"], service=timedelta(minutes=10),
             skills=frozenset({"police"})),
        Stop("clinic_check", *p["railway_square"], skills=frozenset({"medical"})),
        Stop("pinned_to_T2", *p["esplanadi_park"], teams=frozenset({"T2"})),
        Stop("bridge", *p["long_bridge"], sweep=bridge, service=timedelta(minutes=6)),
        Stop("market", *p["old_market_hall"],
             window=(at + timedelta(hours=2), at + timedelta(hours=2, minutes=30))),
        Stop("needs_fire", *p["kaisaniemi_park"], skills=frozenset({"firefighting"})),
        Stop("pinned_off_duty", *p["university"], teams=frozenset({"T9"})),
        *[Stop(name, *p[name]) for name in ("lonnrot_park", "simonpuistikko", "paasivuori_park",
                                            "varsapuistikko", "toolonlahti_park")],
    ]
    rest = Break(timedelta(minutes=20), at + timedelta(hours=1), at + timedelta(hours=2),
                 (shelter,))
    teams = (
        _team("T1", Mode.WALK, p["city_hall"], at, 4, skills=frozenset({"police"})),
        _team("T2", Mode.WALK, p["city_hall"], at, 4, rest=rest),
        _team("T3", Mode.DRIVE, p["city_hall"], at, 4, skills=frozenset({"medical"})),
    )
    problem = Problem(tuple(stops), teams)
    return problem, solve(problem, networks, PARAMS)


def test_every_rule_holds(ruled: tuple[Problem, Plan], networks: Networks) -> None:
    """The independent checker finds no broken rule in a plan that uses every feature."""
    problem, plan = ruled
    check_plan(problem, networks, plan)


def test_skills_and_pins_choose_the_team(ruled: tuple[Problem, Plan]) -> None:
    """A police stop goes to the police team, a medical one to the medics, a pin to its team."""
    _, plan = ruled
    taken = {v.stop_id: r.team_id for r in plan.routes for v in r.visits}
    assert taken["station"] == "T1"
    assert taken["clinic_check"] == "T3"
    assert taken["pinned_to_T2"] == "T2"


def test_reasons_name_the_missing_skill_and_the_absent_team(ruled: tuple[Problem, Plan]) -> None:
    """A skill nobody has and a pin to a team off duty are reported as such."""
    _, plan = ruled
    reasons = {d.stop_id: d for d in plan.dropped}
    assert reasons["needs_fire"].reason is DropReason.NO_SKILL
    assert "firefighting" in reasons["needs_fire"].detail
    assert reasons["pinned_off_duty"].reason is DropReason.NO_TEAM_ALLOWED


def test_a_swept_bridge_is_entered_at_one_end_and_left_at_the_other(
    ruled: tuple[Problem, Plan], networks: Networks
) -> None:
    """The leg into the bridge ends at one end and the leg out starts at the other."""
    problem, plan = ruled
    route = next(r for r in plan.routes if any(v.stop_id == "bridge" for v in r.visits))
    k = next(i for i, v in enumerate(route.visits) if v.stop_id == "bridge")
    graph = networks[route.mode]
    line = next(s for s in problem.stops if s.id == "bridge").sweep
    assert line is not None
    ends = [_node(graph, *line.coords[0]), _node(graph, *line.coords[-1])]
    into = _node(graph, *route.legs[k].geometry.coords[-1])
    out = _node(graph, *route.legs[k + 1].geometry.coords[0])
    assert {into, out} == set(ends)


def test_the_break_is_taken_at_a_shelter_in_its_window(ruled: tuple[Problem, Plan]) -> None:
    """The team with a break stops at the shelter, inside the break window, for 20 minutes."""
    problem, plan = ruled
    route = next(r for r in plan.routes if r.team_id == "T2")
    breaks = [v for v in route.visits if v.kind == "break"]
    assert [b.stop_id for b in breaks] == ["shelter-1"]


def test_warm_start_keeps_a_feasible_plan(ruled: tuple[Problem, Plan], networks: Networks) -> None:
    """Re-solving from the earlier routes gives a plan that keeps every rule."""
    problem, plan = ruled
    earlier = {r.team_id: tuple(v.stop_id for v in r.visits if v.kind == "stop")
               for r in plan.routes}
    again = Problem(problem.stops, problem.teams, initial_routes=earlier)
    replanned = solve(again, networks, SolveParams(time_limit_s=60, solution_limit=5))
    check_plan(again, networks, replanned)
    assert len(replanned.dropped) <= len(plan.dropped)


def test_repeated_checks_keep_their_spacing(
    helsinki_places: Places, winter_evening: datetime, networks: Networks
) -> None:
    """Two checks of one station an hour apart at least, even by two different teams."""
    at = winter_evening
    p = helsinki_places
    stops = (
        Stop("station#1", *p["central_station"], window=(at, at + timedelta(hours=2))),
        Stop("station#2", *p["central_station"], window=(at, at + timedelta(hours=2))),
        Stop("park", *p["esplanadi_park"]),
    )
    teams = (_team("T1", Mode.WALK, p["city_hall"], at, 3),
             _team("T2", Mode.WALK, p["city_hall"], at, 3))
    problem = Problem(stops, teams,
                      spacing=(Spacing("station#1", "station#2", timedelta(hours=1)),))
    plan = solve(problem, networks, PARAMS)
    check_plan(problem, networks, plan)
    assert not plan.dropped


def test_a_team_can_end_at_another_base(
    helsinki_places: Places, winter_evening: datetime, networks: Networks
) -> None:
    """A team leaving the city hall and ending at the university finishes its last leg there."""
    p = helsinki_places
    at = winter_evening
    team = Team("T1", Mode.WALK, *p["city_hall"], *p["university"], shift_start=at,
                shift_end=at + timedelta(hours=3))
    problem = Problem((Stop("park", *p["esplanadi_park"]), Stop("station", *p["central_station"])),
                      (team,))
    plan = solve(problem, networks, PARAMS)
    check_plan(problem, networks, plan)
    last = plan.routes[0].legs[-1].geometry.coords[-1]
    assert _node(networks[Mode.WALK], *last) == _node(networks[Mode.WALK], *p["university"])
