"""Solving patrol problems on the real Helsinki network: the rules every plan keeps.

The checks are rules (bases, shifts, windows, travel times, every stop once or
dropped with a reason), never one exact route. Each search stops at a solution
limit, so the time limit never decides the result.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta

import networkx as nx
import pytest
from shapely.geometry import Point

from routes.errors import ValidationError
from routes.plan import DropReason, Plan, Route
from routes.problem import Mode, Problem, Stop, Team
from routes.snap import Snapper
from routes.solve import SolveParams, solve

PARAMS = SolveParams(time_limit_s=120, solution_limit=40)
#: About 20 km north of the extract: no team's road comes near.
FAR_AWAY = (24.9450, 60.1700 + 20_000 / 111_320)
#: A footpath corner 514 m from the nearest drive node: near walking roads only.
WALK_ONLY = (24.9353784, 60.176917)

Networks = dict[Mode, nx.MultiDiGraph]
Places = dict[str, tuple[float, float]]


def _team(team_id: str, mode: Mode, base: tuple[float, float], start: datetime,
          hours: float) -> Team:
    return Team(team_id, mode, *base, *base, shift_start=start,
                shift_end=start + timedelta(hours=hours))


@pytest.fixture(scope="module")
def patrol(helsinki_places: Places, winter_evening: datetime) -> Problem:
    """Two vehicles and one walking team, 20:00-02:00, sixteen stops.

    Three stops have windows of their own; one is near footpaths only, one is
    20 km away and one has a window that closes before the shift begins.
    """
    at = winter_evening
    windows = {
        "central_station": (at + timedelta(hours=3), at + timedelta(hours=3, minutes=30)),
        "old_market_hall": (at + timedelta(hours=1), at + timedelta(hours=1, minutes=20)),
        "long_bridge": (at + timedelta(hours=4, minutes=30), at + timedelta(hours=5)),
    }
    names = sorted(n for n in helsinki_places if n != "city_hall")
    stops = [
        Stop(name, *helsinki_places[name], service=timedelta(minutes=5 + 5 * (k % 3)),
             window=windows.get(name))
        for k, name in enumerate(names)
    ]
    stops.append(Stop("footpath", *WALK_ONLY))
    stops.append(Stop("far_away", *FAR_AWAY))
    stops.append(Stop("missed_window", *helsinki_places["university"],
                      window=(at - timedelta(hours=2), at - timedelta(hours=1))))
    base = helsinki_places["city_hall"]
    teams = (
        _team("D1", Mode.DRIVE, base, at, 6),
        _team("D2", Mode.DRIVE, helsinki_places["central_station"], at, 6),
        _team("W1", Mode.WALK, base, at, 6),
    )
    return Problem(stops=tuple(stops), teams=teams)


@pytest.fixture(scope="module")
def plan(patrol: Problem, networks: Networks) -> Plan:
    """The patrol problem solved once."""
    return solve(patrol, networks, PARAMS)


def _places(problem: Problem) -> dict[str, tuple[float, float]]:
    """Every place id a leg can name: stops, and each team's start and end."""
    where = {s.id: (s.lon, s.lat) for s in problem.stops}
    for t in problem.teams:
        where[f"{t.id}:start"] = (t.start_lon, t.start_lat)
        where[f"{t.id}:end"] = (t.end_lon, t.end_lat)
    return where


def _snapped(problem: Problem, networks: Networks) -> dict[Mode, dict[str, int]]:
    """The node each place snaps to on each mode's network, found independently."""
    where = _places(problem)
    ids = sorted(where)
    result = {}
    for mode in problem.modes:
        nodes, _ = Snapper(networks[mode]).nearest([Point(*where[i]) for i in ids])
        result[mode] = dict(zip(ids, nodes, strict=True))
    return result


def _visited(plan: Plan) -> list[str]:
    return [v.stop_id for r in plan.routes for v in r.visits]


def _route(plan: Plan, team_id: str) -> Route:
    return next(r for r in plan.routes if r.team_id == team_id)


def test_every_team_gets_a_route(plan: Plan, patrol: Problem) -> None:
    """The plan holds one route per team, in the teams' order, with the team's mode."""
    assert [(r.team_id, r.mode) for r in plan.routes] == [(t.id, t.mode) for t in patrol.teams]
    assert sum(len(r.visits) for r in plan.routes) >= 8


def test_routes_start_and_end_at_their_base(
    plan: Plan, patrol: Problem, networks: Networks
) -> None:
    """Each route leaves its team's base first and comes back to it last, on the roads."""
    nodes = _snapped(patrol, networks)
    for route in plan.routes:
        graph = networks[route.mode]
        first, last = route.legs[0], route.legs[-1]
        assert first.from_id == f"{route.team_id}:start"
        assert last.to_id == f"{route.team_id}:end"
        base = graph.nodes[nodes[route.mode][first.from_id]]
        assert first.geometry.coords[0] == pytest.approx((base["x"], base["y"]))
        assert last.geometry.coords[-1] == pytest.approx((base["x"], base["y"]))


def test_routes_keep_within_the_shift(plan: Plan, patrol: Problem) -> None:
    """No route starts before its shift starts or ends after it ends."""
    shifts = {t.id: (t.shift_start, t.shift_end) for t in patrol.teams}
    for route in plan.routes:
        start, end = shifts[route.team_id]
        assert start <= route.start <= route.end <= end


def test_every_visit_is_within_its_window(plan: Plan, patrol: Problem) -> None:
    """Each check begins inside its stop's window (or the team's shift when it has none)."""
    stops = {s.id: s for s in patrol.stops}
    with_window = 0
    for route in plan.routes:
        for visit in route.visits:
            window = stops[visit.stop_id].window
            if window is not None:
                with_window += 1
                assert window[0] <= visit.arrival <= window[1], visit.stop_id
            assert route.start <= visit.arrival < visit.departure <= route.end
    assert with_window == 3


def test_each_leg_takes_the_shortest_path_time(
    plan: Plan, patrol: Problem, networks: Networks
) -> None:
    """Each leg's travel time is the network's shortest-path time, to the second."""
    nodes = _snapped(patrol, networks)
    for route in plan.routes:
        graph = networks[route.mode]
        for leg in route.legs:
            u, v = nodes[route.mode][leg.from_id], nodes[route.mode][leg.to_id]
            expected = nx.shortest_path_length(graph, u, v, weight="travel_time")
            assert leg.travel.total_seconds() == pytest.approx(expected, abs=1.0)


def test_legs_join_up_along_the_route(plan: Plan) -> None:
    """Legs run visit to visit: each begins where the previous one ended."""
    for route in plan.routes:
        ids = [route.legs[0].from_id] + [leg.to_id for leg in route.legs]
        assert ids[1:-1] == [v.stop_id for v in route.visits]
        for before, after in zip(route.legs[:-1], route.legs[1:], strict=True):
            assert before.to_id == after.from_id
            assert before.geometry.coords[-1] == after.geometry.coords[0]
        assert route.distance_m == pytest.approx(sum(leg.distance_m for leg in route.legs))


def test_times_follow_each_other(plan: Plan, patrol: Problem) -> None:
    """Each arrival comes no sooner than the previous departure plus the leg's travel."""
    service = {s.id: s.service for s in patrol.stops}
    for route in plan.routes:
        departed = route.start
        for visit, leg in zip(route.visits, route.legs, strict=False):
            assert visit.arrival >= departed + leg.travel
            assert visit.arrival - visit.wait == departed + leg.travel
            assert visit.wait >= timedelta(0)
            assert visit.departure == visit.arrival + service[visit.stop_id]
            departed = visit.departure
        assert route.end >= departed + route.legs[-1].travel


def test_nothing_is_planned_twice(plan: Plan) -> None:
    """No stop appears twice, in one route or across routes."""
    counts = Counter(_visited(plan))
    assert max(counts.values()) == 1


def test_every_stop_is_visited_or_dropped_with_a_reason(plan: Plan, patrol: Problem) -> None:
    """Each stop is either in exactly one route or listed once as dropped, with a reason."""
    dropped = [d.stop_id for d in plan.dropped]
    assert sorted(_visited(plan) + dropped) == sorted(s.id for s in patrol.stops)
    for d in plan.dropped:
        assert isinstance(d.reason, DropReason) and d.detail


def test_a_stop_far_off_the_network_is_dropped_with_its_distance(plan: Plan) -> None:
    """A stop 20 km away is left out as off_network, and the detail says how far it is."""
    (far,) = [d for d in plan.dropped if d.stop_id == "far_away"]
    assert far.reason is DropReason.OFF_NETWORK
    metres = int(re.match(r"(\d+) m from the nearest road \(limit 500 m\)", far.detail)[1])
    assert 18_000 < metres < 21_000
    assert "access point" in far.detail


def test_a_window_before_the_shift_is_out_of_reach(plan: Plan) -> None:
    """A stop whose window closes before any shift starts is dropped as out_of_reach."""
    (missed,) = [d for d in plan.dropped if d.stop_id == "missed_window"]
    assert missed.reason is DropReason.OUT_OF_REACH
    assert missed.detail == DropReason.OUT_OF_REACH.explanation


def test_a_window_too_soon_to_get_there_is_out_of_reach(
    helsinki_places: Places, winter_evening: datetime, networks: Networks
) -> None:
    """A window that closes before any team could travel there is out_of_reach."""
    at = winter_evening
    base = helsinki_places["city_hall"]
    problem = Problem(
        stops=(Stop("too_soon", *helsinki_places["toolonlahti_park"],
                    window=(at, at + timedelta(seconds=30))),
               Stop("any_time", *helsinki_places["university"])),
        teams=(_team("D1", Mode.DRIVE, base, at, 4), _team("W1", Mode.WALK, base, at, 4)),
    )
    result = solve(problem, networks, PARAMS)
    assert [(d.stop_id, d.reason) for d in result.dropped] == [
        ("too_soon", DropReason.OUT_OF_REACH)
    ]
    assert _visited(result) == ["any_time"]


def test_a_short_shift_drops_low_risk_stops_first(
    helsinki_places: Places, winter_evening: datetime, networks: Networks
) -> None:
    """With too little time, low-penalty stops go before any high-penalty one (no_team_time)."""
    names = sorted(n for n in helsinki_places if n != "city_hall")
    high = set(names[::2])
    stops = tuple(
        Stop(n, *helsinki_places[n], service=timedelta(minutes=10),
             penalty=100_000 if n in high else 60)
        for n in names
    )
    team = _team("W1", Mode.WALK, helsinki_places["city_hall"], winter_evening, 1.5)
    result = solve(Problem(stops=stops, teams=(team,)), networks, PARAMS)
    visited = set(_visited(result))
    dropped = {d.stop_id for d in result.dropped}
    assert visited and dropped
    assert {d.reason for d in result.dropped} == {DropReason.NO_TEAM_TIME}
    assert all("add a team or lengthen the shift" in d.detail for d in result.dropped)
    assert visited <= high, "a low-risk stop was kept while a high-risk one was dropped"
    assert dropped >= set(names) - high


def test_mixed_modes_follow_their_own_networks(
    plan: Plan, patrol: Problem, networks: Networks
) -> None:
    """A walking team's legs take the walking network's times, a vehicle's the driving one's."""
    nodes = _snapped(patrol, networks)
    walk = _route(plan, "W1")
    assert walk.mode is Mode.WALK
    assert "footpath" in [v.stop_id for v in walk.visits]
    for leg in walk.legs:
        u, v = nodes[Mode.WALK][leg.from_id], nodes[Mode.WALK][leg.to_id]
        walking = nx.shortest_path_length(networks[Mode.WALK], u, v, weight="travel_time")
        assert leg.travel.total_seconds() == pytest.approx(walking, abs=1.0)
        if u != v:
            du, dv = nodes[Mode.DRIVE][leg.from_id], nodes[Mode.DRIVE][leg.to_id]
            driving = nx.shortest_path_length(networks[Mode.DRIVE], du, dv, weight="travel_time")
            assert leg.travel.total_seconds() > driving


def test_a_stop_near_walking_roads_only_is_not_given_to_a_vehicle(
    helsinki_places: Places, winter_evening: datetime, networks: Networks
) -> None:
    """A stop beyond the snap limit from the drive network never goes to a vehicle team."""
    at = winter_evening
    base = helsinki_places["city_hall"]
    problem = Problem(
        stops=(Stop("footpath", *WALK_ONLY),),
        # The walkers' shift is too short to get there and back.
        teams=(_team("D1", Mode.DRIVE, base, at, 6), _team("W1", Mode.WALK, base, at, 0.1)),
    )
    result = solve(problem, networks, PARAMS)
    assert _visited(result) == []
    assert [(d.stop_id, d.reason) for d in result.dropped] == [
        ("footpath", DropReason.OUT_OF_REACH)
    ]


def test_a_stop_near_walking_roads_only_goes_to_walkers(
    helsinki_places: Places, winter_evening: datetime, networks: Networks
) -> None:
    """The same stop is planned for the walking team when it has time for it."""
    at = winter_evening
    base = helsinki_places["city_hall"]
    problem = Problem(
        stops=(Stop("footpath", *WALK_ONLY),),
        teams=(_team("D1", Mode.DRIVE, base, at, 6), _team("W1", Mode.WALK, base, at, 2)),
    )
    result = solve(problem, networks, PARAMS)
    assert [v.stop_id for v in _route(result, "W1").visits] == ["footpath"]
    assert result.dropped == ()


def test_staggered_shifts_keep_their_own_hours(
    helsinki_places: Places, winter_evening: datetime, networks: Networks
) -> None:
    """Teams with different shifts each stay in theirs; a late window goes to the late team."""
    at = winter_evening
    base = helsinki_places["city_hall"]
    late = (at + timedelta(hours=3, minutes=30), at + timedelta(hours=4))
    problem = Problem(
        stops=(Stop("late_check", *helsinki_places["central_station"], window=late),
               Stop("park", *helsinki_places["esplanadi_park"]),
               Stop("market", *helsinki_places["old_market_hall"])),
        teams=(_team("EARLY", Mode.DRIVE, base, at, 3),
               _team("LATE", Mode.DRIVE, base, at + timedelta(hours=2), 4)),
    )
    result = solve(problem, networks, PARAMS)
    assert result.dropped == ()
    for route, team in zip(result.routes, problem.teams, strict=True):
        assert team.shift_start <= route.start <= route.end <= team.shift_end
    (visit,) = [v for v in _route(result, "LATE").visits if v.stop_id == "late_check"]
    assert late[0] <= visit.arrival <= late[1]


def test_the_same_input_gives_the_same_plan(
    plan: Plan, patrol: Problem, networks: Networks
) -> None:
    """Solving again with the same settings gives the same visit orders and drops."""
    again = solve(patrol, networks, PARAMS)
    assert [[v.stop_id for v in r.visits] for r in again.routes] == [
        [v.stop_id for v in r.visits] for r in plan.routes
    ]
    assert [r.visits for r in again.routes] == [r.visits for r in plan.routes]
    assert again.dropped == plan.dropped
    assert again.objective == plan.objective


def test_no_stops_gives_empty_routes(
    helsinki_places: Places, winter_evening: datetime, networks: Networks
) -> None:
    """A night with nothing to check gives each team an empty route inside its shift."""
    team = _team("D1", Mode.DRIVE, helsinki_places["city_hall"], winter_evening, 6)
    result = solve(Problem(stops=(), teams=(team,)), networks, PARAMS)
    (route,) = result.routes
    assert route.visits == () and result.dropped == ()
    assert team.shift_start <= route.start <= route.end <= team.shift_end
    assert [(leg.from_id, leg.to_id) for leg in route.legs] == [("D1:start", "D1:end")]


def test_a_base_off_the_network_is_refused(
    helsinki_places: Places, winter_evening: datetime, networks: Networks
) -> None:
    """A team based 20 km from the roads is refused, naming the team and the fix."""
    team = _team("D9", Mode.DRIVE, FAR_AWAY, winter_evening, 6)
    problem = Problem(stops=(Stop("park", *helsinki_places["esplanadi_park"]),), teams=(team,))
    with pytest.raises(ValidationError, match=r"team 'D9': its base is \d+ m from the nearest "
                                              "drive road; move the base"):
        solve(problem, networks, PARAMS)


def test_a_missing_network_is_refused(
    helsinki_places: Places, winter_evening: datetime, networks: Networks
) -> None:
    """Solving without the network a team's mode needs says to build the city."""
    team = _team("W1", Mode.WALK, helsinki_places["city_hall"], winter_evening, 6)
    with pytest.raises(ValidationError, match="no road network for mode walk; build the city"):
        solve(Problem(stops=(), teams=(team,)), {Mode.DRIVE: networks[Mode.DRIVE]}, PARAMS)


def test_summary_has_a_line_per_team(plan: Plan) -> None:
    """The summary gives each team's visits, distance and hours, then the count left out."""
    lines = plan.summary().splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == ["D1", "D2", "W1"]
    assert lines[-1] == f"left out: {len(plan.dropped)}"
