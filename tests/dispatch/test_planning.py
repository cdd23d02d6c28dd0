"""Planning a night for the demo city: each hotspot planned once or dropped with a reason."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date, timedelta

import networkx as nx
import pytest
from shapely.geometry import Point, box
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.categories import load_categories
from dispatch.errors import NotBuiltError
from dispatch.models import Hotspot, TeamBase
from dispatch.night import Night, TeamOnDuty
from dispatch.nightplan import NightPlan
from dispatch.planning import (
    BASE_PENALTY,
    build_problem,
    latest_plan,
    load_networks,
    plan_and_save,
    plan_night,
    prepare_night,
    save_plan,
    tonights_plan,
)
from dispatch.store import open_engine, session_factory
from dispatch.workspace import Workspace
from routes.network import load_network
from routes.problem import Mode
from routes.snap import Snapper
from routes.solve import SolveParams

QUICK = SolveParams(time_limit_s=120, solution_limit=20)
Networks = dict[Mode, nx.MultiDiGraph]


def _active_ids(session: Session) -> set[int]:
    return set(session.scalars(select(Hotspot.id).where(Hotspot.active)))


def _one_team_night(night: Night) -> Night:
    return dataclasses.replace(night, teams=night.teams[:1])


def test_the_problem_has_one_stop_per_active_hotspot(
    demo_session: Session, demo_night: Night
) -> None:
    """Each active hotspot is a stop at its access point, checked for its service time."""
    hotspots = list(demo_session.scalars(select(Hotspot).order_by(Hotspot.id)))
    bases = {b.id: b for b in demo_session.scalars(select(TeamBase))}
    problem = build_problem(demo_night, hotspots, bases)
    assert [s.id for s in problem.stops] == [str(h.id) for h in hotspots]
    for stop, hotspot in zip(problem.stops, hotspots, strict=True):
        assert (stop.lon, stop.lat) == (hotspot.access_lon, hotspot.access_lat)
        assert stop.service == timedelta(minutes=hotspot.service_min)
        assert stop.window is None


def test_each_risk_level_doubles_the_penalty(demo_session: Session, demo_night: Night) -> None:
    """Leaving out a risk-5 hotspot costs 16 times a risk-1 one, so low risk goes first."""
    hotspots = list(demo_session.scalars(select(Hotspot)))
    bases = {b.id: b for b in demo_session.scalars(select(TeamBase))}
    problem = build_problem(demo_night, hotspots, bases)
    for stop, hotspot in zip(problem.stops, hotspots, strict=True):
        assert stop.penalty == BASE_PENALTY * 2 ** (hotspot.risk - 1)


def test_teams_start_and_end_at_their_base_in_the_shift(
    demo_session: Session, demo_night: Night
) -> None:
    """Each team starts and ends at its base and works the night's shift."""
    bases = {b.id: b for b in demo_session.scalars(select(TeamBase))}
    problem = build_problem(demo_night, [], bases)
    for team, duty in zip(problem.teams, demo_night.teams, strict=True):
        base = bases[duty.base_id]
        assert (team.id, team.mode) == (duty.id, duty.mode)
        assert (team.start_lon, team.start_lat) == (team.end_lon, team.end_lat) == (base.lon,
                                                                                    base.lat)
        assert (team.shift_start, team.shift_end) == (demo_night.start, demo_night.end)


def test_every_hotspot_is_planned_once_or_dropped(
    demo_plan: NightPlan, demo_session: Session
) -> None:
    """Each active hotspot is in one route exactly once, or dropped with a reason."""
    visited = [v.hotspot_id for r in demo_plan.routes for v in r.visits]
    assert max(Counter(visited).values()) == 1
    dropped = [d.hotspot_id for d in demo_plan.dropped]
    assert sorted(visited + dropped) == sorted(_active_ids(demo_session))
    assert all(d.reason and d.detail for d in demo_plan.dropped)


def test_routes_keep_to_the_shift_and_the_base(demo_plan: NightPlan, demo_night: Night) -> None:
    """Each team's route is in the shift, numbered from 1, from its base and back."""
    assert [r.team_id for r in demo_plan.routes] == [t.id for t in demo_night.teams]
    for route in demo_plan.routes:
        assert demo_night.start <= route.start <= route.end <= demo_night.end
        assert [v.seq for v in route.visits] == list(range(1, len(route.visits) + 1))
        assert route.legs[0].from_id == route.legs[-1].to_id == "base"
        stops = [leg.to_id for leg in route.legs[:-1]]
        assert stops == [str(v.hotspot_id) for v in route.visits]
        departed = route.start
        for visit, leg in zip(route.visits, route.legs, strict=False):
            assert visit.arrival >= departed + leg.travel
            departed = visit.departure
        assert route.end >= departed + route.legs[-1].travel


def test_walking_teams_follow_the_walk_network(
    demo_plan: NightPlan, networks: Networks
) -> None:
    """A team on foot has visits, and each leg takes the walk network's shortest time."""
    walkers = [r for r in demo_plan.routes if r.mode == "walk"]
    assert len(walkers) == 2 and any(r.visits for r in walkers)
    graph = networks[Mode.WALK]
    snapper = Snapper(graph)

    def node(place: str, base_id: int) -> int:
        info = demo_plan.bases[base_id] if place == "base" else demo_plan.hotspots[int(place)]
        point = info.geometry if info.access is None else Point(*info.access)
        return snapper.nearest([point])[0][0]

    for route in walkers:
        for leg in route.legs:
            u, v = node(leg.from_id, route.base_id), node(leg.to_id, route.base_id)
            seconds = nx.shortest_path_length(graph, u, v, weight="travel_time")
            assert leg.travel.total_seconds() == pytest.approx(seconds, abs=1.0)


def test_the_same_night_gives_the_same_plan(
    demo_plan: NightPlan, demo_session: Session, demo_night: Night, networks: Networks,
    demo_workspace: Workspace, demo_params: SolveParams,
) -> None:
    """Planning the same night again with the same settings gives the same routes and drops."""
    again = plan_night(demo_session, demo_night, networks, load_categories(demo_workspace.root),
                       demo_params)
    assert [r.visits for r in again.routes] == [r.visits for r in demo_plan.routes]
    assert again.dropped == demo_plan.dropped


def test_a_short_night_gives_up_low_risk_hotspots_first(
    demo_session: Session, networks: Networks, demo_workspace: Workspace
) -> None:
    """One vehicle for two hours: low-risk parks and markets go before bridges and stations."""
    night = prepare_night(demo_session, teams=1, night_date=date(2025, 1, 15),
                          start="20:00", end="22:00")
    plan = plan_night(demo_session, night, networks, load_categories(demo_workspace.root), QUICK)
    visited = [plan.hotspots[v.hotspot_id].risk for r in plan.routes for v in r.visits]
    assert visited and min(visited) >= 4
    assert {d.reason for d in plan.dropped} == {"no_team_time"}
    low = {h.id for h in plan.hotspots.values() if h.risk <= 3}
    assert low <= {d.hotspot_id for d in plan.dropped}


def test_a_hotspot_far_off_the_network_is_dropped_not_crashed(
    demo_session: Session, demo_night: Night, networks: Networks, demo_workspace: Workspace
) -> None:
    """A hotspot 20 km away is left out as off_network and the detail gives its distance."""
    far = Point(24.9450, 60.35)
    hotspot = Hotspot(name="远郊桥洞 Far culvert", category="bridge", risk=5, service_min=10,
                      checks_per_night=1, geometry=far, access_lon=far.x, access_lat=far.y,
                      osm_ref=None, active=True)
    demo_session.add(hotspot)
    demo_session.flush()
    plan = plan_night(demo_session, _one_team_night(demo_night), networks,
                      load_categories(demo_workspace.root), QUICK)
    (dropped,) = [d for d in plan.dropped if d.hotspot_id == hotspot.id]
    assert dropped.reason == "off_network"
    metres = int(dropped.detail.split(" m from the nearest road")[0])
    assert 19_000 < metres < 21_000
    assert hotspot.id not in [v.hotspot_id for r in plan.routes for v in r.visits]
    doc = plan.to_document()
    assert {"hotspot_id": hotspot.id, "name": "远郊桥洞 Far culvert", "reason": "off_network",
            "detail": dropped.detail} in doc["dropped"]


def test_inactive_hotspots_are_not_planned(
    demo_session: Session, demo_night: Night, networks: Networks, demo_workspace: Workspace
) -> None:
    """Switching hotspots off leaves them out of the plan entirely."""
    off = list(demo_session.scalars(select(Hotspot).where(Hotspot.category != "station")))
    for hotspot in off:
        hotspot.active = False
    demo_session.flush()
    plan = plan_night(demo_session, _one_team_night(demo_night), networks,
                      load_categories(demo_workspace.root), QUICK)
    planned = {v.hotspot_id for r in plan.routes for v in r.visits}
    planned |= {d.hotspot_id for d in plan.dropped}
    assert planned == _active_ids(demo_session)
    assert {h.kind for h in plan.hotspots.values()} == {"station"}


def test_an_unknown_base_is_refused(
    demo_session: Session, demo_night: Night, networks: Networks, demo_workspace: Workspace
) -> None:
    """A team at a base the city does not have is refused, listing the bases there are."""
    night = dataclasses.replace(
        demo_night, teams=(TeamOnDuty("T1", "Team 1", Mode.DRIVE, base_id=999),))
    with pytest.raises(NotBuiltError, match=r"no team base with id \[999\]"):
        plan_night(demo_session, night, networks, load_categories(demo_workspace.root), QUICK)


def test_prepare_night_uses_the_citys_zone_and_bases(demo_session: Session) -> None:
    """Plain options become a night in Helsinki time with teams on the stored bases."""
    night = prepare_night(demo_session, teams=3, on_foot=1, night_date=date(2025, 1, 15),
                          start="21:00", end="03:00")
    assert night.timezone == "Europe/Helsinki"
    assert night.start.isoformat() == "2025-01-15T21:00:00+02:00"
    assert night.end.isoformat() == "2025-01-16T03:00:00+02:00"
    bases = set(demo_session.scalars(select(TeamBase.id)))
    assert {t.base_id for t in night.teams} <= bases
    assert [t.mode for t in night.teams] == [Mode.DRIVE, Mode.DRIVE, Mode.WALK]


def test_load_networks_reads_the_modes_asked_for(demo_workspace: Workspace) -> None:
    """Only the modes asked for are read from the cache."""
    loaded = load_networks(demo_workspace, [Mode.WALK])
    assert list(loaded) == [Mode.WALK]
    expected = load_network(demo_workspace.network_path(Mode.WALK))
    assert loaded[Mode.WALK].number_of_edges() == expected.number_of_edges()


def test_saved_plan_reads_back_as_the_latest(demo_plan: NightPlan, demo_session: Session) -> None:
    """A saved plan is the latest plan, read back with the same document."""
    assert latest_plan(demo_session) is None
    save_plan(demo_session, demo_plan)
    again = latest_plan(demo_session)
    assert again is not None
    assert again.to_document() == demo_plan.to_document()


def test_plan_and_save_keeps_tonights_plan(workspace_copy: Workspace) -> None:
    """A plan made for tonight is kept for a restart; a plan for another night is not."""
    assert tonights_plan(workspace_copy) is None
    tonight = plan_and_save(workspace_copy, teams=1, params=QUICK)
    kept = tonights_plan(workspace_copy)
    assert kept is not None and kept.date == tonight.date
    plan_and_save(workspace_copy, teams=1, night_date=date(2025, 1, 15), params=QUICK)
    assert tonights_plan(workspace_copy) is None


def test_plan_and_save_is_all_or_nothing(workspace_copy: Workspace) -> None:
    """A night refused for bad options saves nothing."""
    with pytest.raises(ValueError, match="--on-foot is 5"):
        plan_and_save(workspace_copy, teams=2, on_foot=5, params=QUICK)
    engine = open_engine(workspace_copy.database_url)
    try:
        with session_factory(engine)() as session:
            assert latest_plan(session) is None
    finally:
        engine.dispose()


def test_hotspot_area_geometry_survives_planning(
    demo_session: Session, demo_night: Night, networks: Networks, demo_workspace: Workspace
) -> None:
    """The plan keeps each hotspot's own geometry (an area stays an area) and access point."""
    area = box(24.944, 60.167, 24.946, 60.168)
    hotspot = Hotspot(name="Test square", category="park", risk=3, service_min=15,
                      checks_per_night=1, geometry=area, access_lon=24.944529,
                      access_lat=60.1673, osm_ref=None, active=True)
    demo_session.add(hotspot)
    demo_session.flush()
    plan = plan_night(demo_session, _one_team_night(demo_night), networks,
                      load_categories(demo_workspace.root), QUICK)
    info = plan.hotspots[hotspot.id]
    assert info.geometry.equals(area) and info.access == (24.944529, 60.1673)
