"""Planning a night for the demo city: each check planned once or dropped with a reason."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date, timedelta

import networkx as nx
import pytest
from shapely.geometry import LineString, Point, box
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.categories import load_categories
from dispatch.cold import DEFAULT_LEVELS
from dispatch.errors import NotBuiltError
from dispatch.models import Hotspot, Shelter, TeamBase
from dispatch.night import Night, NightOptions, TeamOnDuty
from dispatch.nightplan import NightPlan, PlannedBreak, PlannedVisit, TeamRoute
from dispatch.planning import (
    latest_plan,
    load_networks,
    plan_and_save,
    plan_night,
    prepare_night,
    save_plan,
    tonights_plan,
)
from dispatch.store import open_engine, session_factory
from dispatch.visits import BASE_PENALTY, build_problem
from dispatch.workspace import Workspace
from routes.network import load_network
from routes.problem import Mode
from routes.snap import Snapper
from routes.solve import SolveParams

QUICK = SolveParams(time_limit_s=120, solution_limit=20)
COLD = DEFAULT_LEVELS[-1]
JANUARY = date(2025, 1, 15)
Networks = dict[Mode, nx.MultiDiGraph]


def _active_checks(session: Session) -> set[tuple[int, int]]:
    """(hotspot id, check) of every check the mildest level asks for tonight."""
    hotspots = session.scalars(select(Hotspot).where(Hotspot.active))
    return {(h.id, k) for h in hotspots for k in range(1, h.checks_per_night + 1)}


def _planned(plan: NightPlan) -> list[tuple[int, int]]:
    return [(v.hotspot_id, v.check) for r in plan.routes for v in r.visits]


def _one_team_night(night: Night) -> Night:
    return dataclasses.replace(night, teams=night.teams[:1])


def _plan(session: Session, workspace: Workspace, networks: Networks, options: NightOptions,
          params: SolveParams = QUICK) -> NightPlan:
    night = prepare_night(session, options)
    return plan_night(session, night, networks, load_categories(workspace.root), params)


def _ends(plan: NightPlan, route: TeamRoute,
          item: PlannedVisit | PlannedBreak | None) -> tuple[Point, Point]:
    """Where a team enters and leaves an item of its timeline (``None``: its base)."""
    if item is None:
        base = plan.bases[route.base_id].geometry
        return base, base
    if isinstance(item, PlannedBreak):
        shelter = next(s for s in plan.shelters if s.id == item.shelter_id)
        return shelter.geometry, shelter.geometry
    info = plan.hotspots[item.hotspot_id]
    if isinstance(info.geometry, LineString):  # swept end to end
        first, last = Point(info.geometry.coords[0]), Point(info.geometry.coords[-1])
        return (last, first) if item.reverse else (first, last)
    assert info.access is not None
    access = Point(*info.access)
    return access, access


def test_the_problem_has_one_stop_per_check_of_each_hotspot(
    demo_session: Session, demo_night: Night
) -> None:
    """Each hotspot is one stop per check tonight, at its access point, in the shift."""
    hotspots = list(demo_session.scalars(select(Hotspot).order_by(Hotspot.id)))
    bases = {b.id: b for b in demo_session.scalars(select(TeamBase))}
    shelters = list(demo_session.scalars(select(Shelter)))
    problem = build_problem(demo_night, hotspots, bases, shelters, COLD)
    assert [s.id for s in problem.stops] == [
        f"{h.id}#{k}" for h in hotspots for k in range(1, h.checks_per_night + 1)]
    by_id = {h.id: h for h in hotspots}
    for stop in problem.stops:
        hotspot = by_id[int(stop.id.split("#")[0])]
        assert (stop.lon, stop.lat) == (hotspot.access_lon, hotspot.access_lat)
        assert stop.service >= timedelta(minutes=hotspot.service_min)
        assert stop.window is not None
        assert demo_night.start <= stop.window[0] < stop.window[1] <= demo_night.end


def test_each_risk_level_doubles_the_penalty(demo_session: Session, demo_night: Night) -> None:
    """Leaving out a risk-5 check costs 16 times a risk-1 one, so low risk goes first."""
    hotspots = {h.id: h for h in demo_session.scalars(select(Hotspot))}
    bases = {b.id: b for b in demo_session.scalars(select(TeamBase))}
    problem = build_problem(demo_night, list(hotspots.values()), bases, [], COLD)
    for stop in problem.stops:
        hotspot = hotspots[int(stop.id.split("#")[0])]
        assert stop.penalty == BASE_PENALTY * 2 ** (hotspot.risk - 1)


def test_teams_start_and_end_at_their_base_in_the_shift(
    demo_session: Session, demo_night: Night
) -> None:
    """Each team starts and ends at its base, works the shift and may warm up at any shelter."""
    bases = {b.id: b for b in demo_session.scalars(select(TeamBase))}
    shelters = list(demo_session.scalars(select(Shelter)))
    problem = build_problem(demo_night, [], bases, shelters, COLD)
    for team, duty in zip(problem.teams, demo_night.teams, strict=True):
        base = bases[duty.base_id]
        assert (team.id, team.mode) == (duty.id, duty.mode)
        assert (team.start_lon, team.start_lat) == (team.end_lon, team.end_lat) == (base.lon,
                                                                                    base.lat)
        assert (team.shift_start, team.shift_end) == (demo_night.start, demo_night.end)
        assert team.rest is not None
        assert [p.id for p in team.rest.places] == [f"shelter:{s.id}" for s in shelters]


def test_every_check_is_planned_once_or_dropped(
    demo_plan: NightPlan, demo_session: Session
) -> None:
    """Each check of each active hotspot is in one route exactly once, or dropped with a reason."""
    visited = _planned(demo_plan)
    assert max(Counter(visited).values()) == 1
    dropped = [(d.hotspot_id, d.check) for d in demo_plan.dropped]
    assert sorted(visited + dropped) == sorted(_active_checks(demo_session))
    assert all(d.reason and d.detail for d in demo_plan.dropped)


def test_routes_keep_to_the_shift_and_the_base(demo_plan: NightPlan, demo_night: Night) -> None:
    """Each team's route is in the shift, numbered from 1, from its base and back, legs in step."""
    assert [r.team_id for r in demo_plan.routes] == [t.id for t in demo_night.teams]
    for route in demo_plan.routes:
        assert demo_night.start <= route.start <= route.end <= demo_night.end
        assert [v.seq for v in route.visits] == list(range(1, len(route.visits) + 1))
        assert route.legs[0].from_id == route.legs[-1].to_id == "base"
        timeline = route.timeline()
        assert [v for v in timeline if isinstance(v, PlannedVisit)] == list(route.visits)
        assert [leg.to_id for leg in route.legs[:-1]] == [item.key for item in timeline]
        departed = route.start
        for item, leg in zip(timeline, route.legs, strict=False):
            begins, ends = ((item.arrival, item.departure) if isinstance(item, PlannedVisit)
                            else (item.start, item.end))
            assert begins >= departed + leg.travel
            departed = ends
        assert route.end >= departed + route.legs[-1].travel


def test_walking_teams_follow_the_walk_network(
    demo_plan: NightPlan, networks: Networks
) -> None:
    """A team on foot has visits, and each leg takes the walk network's shortest time."""
    walkers = [r for r in demo_plan.routes if r.mode == "walk"]
    assert len(walkers) == 2 and any(r.visits for r in walkers)
    graph = networks[Mode.WALK]
    snapper = Snapper(graph)
    for route in walkers:
        places = [None, *route.timeline(), None]
        for leg, here, there in zip(route.legs, places[:-1], places[1:], strict=True):
            (u,), _ = snapper.nearest([_ends(demo_plan, route, here)[1]])
            (v,), _ = snapper.nearest([_ends(demo_plan, route, there)[0]])
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
    assert [r.breaks for r in again.routes] == [r.breaks for r in demo_plan.routes]
    assert again.dropped == demo_plan.dropped


def test_a_short_night_gives_up_low_risk_hotspots_first(
    demo_session: Session, networks: Networks, demo_workspace: Workspace
) -> None:
    """One vehicle for two hours, no break: parks and markets go before bridges and stations."""
    plan = _plan(demo_session, demo_workspace, networks,
                 NightOptions(teams=1, date=JANUARY, start="20:00", end="22:00"))
    visited = [plan.hotspots[v.hotspot_id].risk for r in plan.routes for v in r.visits]
    assert visited and min(visited) >= 4
    assert {d.reason for d in plan.dropped} == {"no_team_time"}
    low = {h.id for h in plan.hotspots.values() if h.risk <= 3}
    assert low <= {d.hotspot_id for d in plan.dropped}
    assert all(r.breaks == () for r in plan.routes)


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
    assert {"hotspot_id": hotspot.id, "check": 1, "name": "远郊桥洞 Far culvert",
            "reason": "off_network", "detail": dropped.detail} in doc["dropped"]


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
    planned = set(_planned(plan)) | {(d.hotspot_id, d.check) for d in plan.dropped}
    assert planned == _active_checks(demo_session)
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
    """Plain options become a night in Helsinki time with teams, skills and weather."""
    night = prepare_night(demo_session, NightOptions(
        teams=3, on_foot=1, date=JANUARY, start="21:00", end="03:00", temperature=-4.5,
        break_minutes=20, skills=("T1=police", "T3=Medical,social")))
    assert night.timezone == "Europe/Helsinki"
    assert night.start.isoformat() == "2025-01-15T21:00:00+02:00"
    assert night.end.isoformat() == "2025-01-16T03:00:00+02:00"
    bases = set(demo_session.scalars(select(TeamBase.id)))
    assert {t.base_id for t in night.teams} <= bases
    assert [t.mode for t in night.teams] == [Mode.DRIVE, Mode.DRIVE, Mode.WALK]
    assert [t.skills for t in night.teams] == [
        frozenset({"police"}), frozenset(), frozenset({"medical", "social"})]
    assert (night.temperature, night.break_minutes, night.closures) == (-4.5, 20, ())


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
    tonight = plan_and_save(workspace_copy, NightOptions(teams=1), params=QUICK)
    kept = tonights_plan(workspace_copy)
    assert kept is not None and kept.date == tonight.date
    plan_and_save(workspace_copy, NightOptions(teams=1, date=JANUARY), params=QUICK)
    assert tonights_plan(workspace_copy) is None


def test_plan_and_save_is_all_or_nothing(workspace_copy: Workspace) -> None:
    """A night refused for bad options saves nothing."""
    with pytest.raises(ValueError, match="--on-foot is 5"):
        plan_and_save(workspace_copy, NightOptions(teams=2, on_foot=5), params=QUICK)
    engine = open_engine(workspace_copy.database_url)
    try:
        with session_factory(engine)() as session:
            assert latest_plan(session) is None
    finally:
        engine.dispose()


def test_plan_and_save_reads_the_citys_cold_table(workspace_copy: Workspace) -> None:
    """A city's own cold_levels.json decides the level a forecast falls in."""
    (workspace_copy.root / "cold_levels.json").write_text(
        '[{"key": "bitter", "name_zh": "酷寒", "name_en": "Bitter", "below_c": -5,'
        ' "interval_h": 1},'
        ' {"key": "mild", "name_zh": "微寒", "name_en": "Mild", "below_c": null,'
        ' "interval_h": null}]', encoding="utf-8")
    plan = plan_and_save(workspace_copy, NightOptions(
        teams=1, date=JANUARY, start="20:00", end="22:00", temperature=-6), params=QUICK)
    assert (plan.cold_level, plan.temperature) == ("酷寒 Bitter", -6)
    checks = {(d.hotspot_id, d.check) for d in plan.dropped} | set(_planned(plan))
    station = next(h.id for h in plan.hotspots.values() if h.risk == 5)
    assert {k for h, k in checks if h == station} == {1, 2}


def test_hotspot_area_geometry_survives_planning(
    demo_session: Session, demo_night: Night, networks: Networks, demo_workspace: Workspace
) -> None:
    """The plan keeps each hotspot's own geometry (an area stays an area) and access point."""
    area = box(24.944, 60.167, 24.946, 60.168)
    hotspot = Hotspot(name="Test square", category="park", risk=3, service_min=15,
                      checks_per_night=1, geometry=area, access_lon=24.944529,
                      access_lat=60.1673, osm_ref=None, active=True, sweep_m=0.0)
    demo_session.add(hotspot)
    demo_session.flush()
    plan = plan_night(demo_session, _one_team_night(demo_night), networks,
                      load_categories(demo_workspace.root), QUICK)
    info = plan.hotspots[hotspot.id]
    assert info.geometry.equals(area) and info.access == (24.944529, 60.1673)


def test_a_colder_night_plans_more_checks_each_in_its_slot(
    demo_session: Session, networks: Networks, demo_workspace: Workspace,
    demo_params: SolveParams,
) -> None:
    """At -12 °C high-risk hotspots are checked every 2 h: more visits than at +2 °C, in order."""
    options = NightOptions(teams=4, on_foot=2, date=JANUARY)
    mild = _plan(demo_session, demo_workspace, networks,
                 dataclasses.replace(options, temperature=2.0), demo_params)
    cold = _plan(demo_session, demo_workspace, networks,
                 dataclasses.replace(options, temperature=-12.0), demo_params)
    assert (mild.cold_level, cold.cold_level) == ("寒冷 Cold", "极寒 Extreme cold")
    assert cold.to_document()["night"]["temperature"] == -12.0
    assert len(_planned(cold)) > len(_planned(mild))
    asked = set(_planned(cold)) | {(d.hotspot_id, d.check) for d in cold.dropped}
    checks: dict[int, dict[int, PlannedVisit]] = {}
    for visit in (v for r in cold.routes for v in r.visits):
        checks.setdefault(visit.hotspot_id, {})[visit.check] = visit
    for hotspot_id, info in cold.hotspots.items():
        count = 5 if info.risk >= 4 else 1
        slot = (cold.shift_end - cold.shift_start) / count
        assert {k for h, k in asked if h == hotspot_id} == set(range(1, count + 1))
        for k, visit in checks.get(hotspot_id, {}).items():
            assert cold.shift_start + (k - 1) * slot <= visit.arrival < cold.shift_start + k * slot
            if k + 1 in checks[hotspot_id]:
                assert visit.arrival < checks[hotspot_id][k + 1].arrival < visit.arrival + 2 * slot
            if k + 2 in checks[hotspot_id]:
                assert checks[hotspot_id][k + 2].arrival - visit.arrival > slot


def test_a_skill_keeps_a_hotspot_for_the_team_that_has_it(
    demo_session: Session, networks: Networks, demo_workspace: Workspace
) -> None:
    """A station needing "medical" is dropped as no_skill without a medic, else taken by T2."""
    station = demo_session.scalars(select(Hotspot).where(
        Hotspot.category == "station", Hotspot.sweep_m == 0).order_by(Hotspot.id)).first()
    assert station is not None
    station.skill = "medical"
    demo_session.flush()
    options = NightOptions(teams=2, date=JANUARY, start="20:00", end="23:00")
    without = _plan(demo_session, demo_workspace, networks, options)
    assert station.id not in {h for h, _ in _planned(without)}
    drops = [d for d in without.dropped if d.hotspot_id == station.id]
    assert {(d.check, d.reason) for d in drops} == {(1, "no_skill"), (2, "no_skill")}
    assert all("medical" in d.detail for d in drops)
    medic = _plan(demo_session, demo_workspace, networks,
                  dataclasses.replace(options, skills=("T2=medical",)))
    takers = {r.team_id for r in medic.routes for v in r.visits if v.hotspot_id == station.id}
    assert takers == {"T2"}
    assert medic.route("T2").skills == ("medical",) and medic.route("T1").skills == ()


def test_every_team_of_a_long_night_takes_one_break_at_a_shelter(
    demo_plan: NightPlan, demo_night: Night
) -> None:
    """On a 10 h night each team warms up once, 30 minutes at a shelter, in the middle 40-60 %."""
    shift = demo_night.end - demo_night.start
    assert shift == timedelta(hours=10)
    shelters = {s.id for s in demo_plan.shelters}
    for route in demo_plan.routes:
        (rest,) = route.breaks
        assert rest.shelter_id in shelters
        assert rest.end - rest.start == timedelta(minutes=30)
        assert demo_night.start + 0.4 * shift <= rest.start <= demo_night.start + 0.6 * shift
        assert route.leg_to(rest.key).to_id == f"shelter:{rest.shelter_id}"
