"""Plan a night for the stored city, keep the plan, and read it back.

How hotspots become visits lives in :mod:`dispatch.visits`; this module runs the
whole way from stored data and options to a saved :class:`NightPlan`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import networkx as nx
from shapely.geometry import Point
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch.categories import Category, load_categories
from dispatch.cold import DEFAULT_LEVELS, ColdLevel, level_for, load_levels
from dispatch.errors import NotBuiltError
from dispatch.models import Hotspot, SavedPlan, Shelter, TeamBase
from dispatch.night import (
    Night,
    NightOptions,
    make_teams,
    parse_skills,
    shift_bounds,
    tonight,
    with_areas,
    with_bases,
)
from dispatch.nightplan import (
    CategoryInfo,
    DroppedVisit,
    NightPlan,
    PlaceInfo,
    PlannedBreak,
    PlannedReport,
    PlannedVisit,
    TeamRoute,
)
from dispatch.nightsettings import NightSettings
from dispatch.plancache import ParsedPlans, plan_of
from dispatch.roster import ensure_on_roster
from dispatch.store import get_city, open_engine, session_factory
from dispatch.visits import BALANCE_WEIGHT, build_problem
from dispatch.workspace import Workspace
from routes.network import close_roads, load_network
from routes.plan import Dropped, Plan, Route, Visit
from routes.plan import Leg as PlannedLeg
from routes.problem import Mode, Problem
from routes.solve import SolveParams, solve

log = logging.getLogger(__name__)


def plan_night(
    session: Session,
    night: Night,
    networks: Mapping[Mode, nx.MultiDiGraph],
    categories: Mapping[str, Category],
    params: SolveParams | None = None,
    *,
    level: ColdLevel | None = None,
    balance_weight: int = BALANCE_WEIGHT,
    adjust: Callable[[Problem], Problem] | None = None,
) -> NightPlan:
    """Plan ``night`` for the active hotspots of the stored city.

    ``adjust`` changes the problem before it is solved (a dispatcher's pins and
    exclusions, a warm start).
    """
    city = get_city(session)
    hotspots = list(session.scalars(select(Hotspot).where(Hotspot.active).order_by(Hotspot.id)))
    bases = {b.id: b for b in session.scalars(select(TeamBase))}
    shelters = list(session.scalars(select(Shelter).order_by(Shelter.id)))
    missing = sorted({b for t in night.teams for b in (t.base_id, t.last_base_id)} - set(bases))
    if missing:
        raise NotBuiltError(f"no team base with id {missing}; bases are {sorted(bases)}")
    level = level or level_for(DEFAULT_LEVELS, night.temperature)
    problem = build_problem(night, hotspots, bases, shelters, level,
                            balance_weight=balance_weight)
    if adjust is not None:
        problem = adjust(problem)
    log.info("solving: %d visits to %d hotspots, %d teams, %s (up to %.0f s) ...",
             len(problem.stops), len(hotspots), len(problem.teams), level.label,
             (params or SolveParams()).time_limit_s)
    if night.closures:
        networks = {m: close_roads(g, list(night.closures)) for m, g in networks.items()}
    plan = solve(problem, networks, params)
    return night_plan_from(city.name, night, level, plan, hotspots, shelters, bases, categories)


def save_plan(session: Session, plan: NightPlan,
              settings: NightSettings | None = None) -> SavedPlan:
    """Keep ``plan`` as tonight's latest: the night's next version (with the ``settings``
    that plan it again from the web, when they say all it was planned with)."""
    last = session.scalars(select(func.max(SavedPlan.version))
                           .where(SavedPlan.night == plan.date)).one()
    saved = SavedPlan(night=plan.date, created_at=plan.created_at, document=plan.to_document(),
                      version=(last or 0) + 1,
                      settings=settings.to_json() if settings is not None else None)
    session.add(saved)
    session.flush()
    return saved


def latest_plan(session: Session, parsed: ParsedPlans | None = None) -> NightPlan | None:
    """The most recently saved plan (read back once when ``parsed`` keeps plans), or
    ``None`` before the first."""
    plan_id = session.scalars(select(SavedPlan.id).order_by(SavedPlan.id.desc())).first()
    return plan_of(session, plan_id, parsed) if plan_id is not None else None


def night_plan_from(
    city: str, night: Night, level: ColdLevel, plan: Plan, hotspots: list[Hotspot],
    shelters: list[Shelter], bases: Mapping[int, TeamBase], categories: Mapping[str, Category],
) -> NightPlan:
    """The solver's plan in the domain's terms, with everything a map needs copied in."""
    return NightPlan(
        city=city, timezone=night.timezone, date=night.date,
        shift_start=night.start, shift_end=night.end,
        created_at=datetime.now(UTC).astimezone(night.start.tzinfo),
        solve_seconds=plan.solve_seconds,
        categories={k: CategoryInfo(k, c.name_zh, c.name_en, c.color)
                    for k, c in categories.items()},
        hotspots={h.id: PlaceInfo(h.id, h.name, h.category, h.geometry, h.risk, h.service_min,
                                  (h.access_lon, h.access_lat)) for h in hotspots},
        shelters=tuple(PlaceInfo(s.id, s.name, "shelter", s.geometry) for s in shelters),
        bases={b.id: PlaceInfo(b.id, b.name, "base", _point(b)) for b in bases.values()},
        routes=tuple(_team_route(night, r) for r in plan.routes),
        dropped=tuple(_dropped(d) for d in plan.dropped if not is_report(d.stop_id)),
        temperature=night.temperature,
        cold_level=level.label,
        break_minutes=night.break_minutes,
    )


def _team_route(night: Night, route: Route) -> TeamRoute:
    team = next(t for t in night.teams if t.id == route.team_id)
    checks = [v for v in route.visits if v.kind == "stop" and not is_report(v.stop_id)]
    return TeamRoute(
        team_id=route.team_id, team_name=team.name, mode=str(route.mode),
        base_id=team.base_id, end_base_id=team.end_base_id, start=route.start, end=route.end,
        visits=tuple(_planned_visit(k, v) for k, v in enumerate(checks, start=1)),
        legs=tuple(PlannedLeg(_place_key(leg.from_id), _place_key(leg.to_id), leg.travel,
                              round(leg.distance_m, 1), leg.geometry) for leg in route.legs),
        breaks=tuple(PlannedBreak(int(v.stop_id.split(":")[1]), v.arrival, v.departure)
                     for v in route.visits if v.kind == "break"),
        skills=tuple(sorted(team.skills)), district=team.district, keep_out=team.keep_out,
        reports=tuple(PlannedReport(v.stop_id.partition(":")[2], v.arrival, v.departure,
                                    kind=v.stop_id.partition(":")[0])
                      for v in route.visits if v.kind == "stop" and is_report(v.stop_id)),
    )


def is_report(stop_id: str) -> bool:
    """A reported person's stop (``report:<reference>``) or an escort's
    (``escort:<reference>``), not a hotspot's check."""
    return stop_id.startswith(("report:", "escort:"))


def _dropped(dropped: Dropped) -> DroppedVisit:
    hotspot, check = _hotspot_check(dropped.stop_id)
    return DroppedVisit(hotspot, str(dropped.reason), dropped.detail, check)


def _planned_visit(seq: int, visit: Visit) -> PlannedVisit:
    hotspot, check = _hotspot_check(visit.stop_id)
    return PlannedVisit(seq, hotspot, visit.arrival, visit.departure, visit.wait, check,
                        visit.reverse)


def _hotspot_check(stop_id: str) -> tuple[int, int]:
    """``"12#2"`` -> (12, 2)."""
    hotspot, _, check = stop_id.partition("#")
    return int(hotspot), int(check or 1)


def _place_key(place_id: str) -> str:
    """Visits and shelters keep their keys; a team's start and end (``T1:start``) read ``base``."""
    return "base" if place_id.endswith((":start", ":end")) else place_id


def _point(base: TeamBase) -> Point:
    return Point(base.lon, base.lat)


def prepare_night(session: Session, options: NightOptions) -> Night:
    """Tonight's settings from plain options, in the stored city's time zone."""
    city = get_city(session)
    base_ids = sorted(session.scalars(select(TeamBase.id)))
    day = options.date or tonight(city.timezone)
    begin, finish = shift_bounds(day, city.timezone, options.start, options.end)
    teams = make_teams(options.teams, options.on_foot, base_ids,
                       parse_skills(list(options.skills)))
    teams = with_bases(teams, list(options.bases), base_ids)
    teams = with_areas(teams, dict(options.districts), dict(options.keep_out))
    return Night(day, city.timezone, begin, finish, teams, temperature=options.temperature,
                 break_minutes=options.break_minutes, closures=options.closures)


def _settings_of(night: Night, options: NightOptions) -> NightSettings | None:
    """The command line's night as the plan page's settings: its roster teams, shift and
    forecast low; none when it used what the page cannot say (areas, closed roads)."""
    if options.districts or options.keep_out or options.closures or night.temperature is None:
        return None
    zone = ZoneInfo(night.timezone)
    return NightSettings(tuple(int(t.id.removeprefix("T")) for t in night.teams),
                         f"{night.start.astimezone(zone):%H:%M}",
                         f"{night.end.astimezone(zone):%H:%M}",
                         night.temperature,
                         night.break_minutes)


def load_networks(workspace: Workspace, modes: Iterable[Mode]) -> dict[Mode, nx.MultiDiGraph]:
    """The cached networks of ``modes``."""
    return {mode: load_network(workspace.network_path(mode)) for mode in modes}


def plan_and_save(
    workspace: Workspace, options: NightOptions, params: SolveParams | None = None
) -> NightPlan:
    """Plan a night for the stored city and keep it as the latest plan (all or nothing)."""
    engine = open_engine(workspace.ensure().database_url)
    try:
        with session_factory(engine).begin() as session:
            night = prepare_night(session, options)
            networks = load_networks(workspace, {t.mode for t in night.teams})
            level = level_for(load_levels(workspace.root), night.temperature)
            plan = plan_night(session, night, networks, load_categories(workspace.root), params,
                              level=level, balance_weight=options.balance)
            ensure_on_roster(session, night.teams)
            save_plan(session, plan, settings=_settings_of(night, options))
        return plan
    finally:
        engine.dispose()


def tonights_plan(workspace: Workspace) -> NightPlan | None:
    """The latest saved plan if it is for tonight, so a restart keeps what was planned."""
    engine = open_engine(workspace.ensure().database_url)
    try:
        with session_factory(engine)() as session:
            plan = latest_plan(session)
    finally:
        engine.dispose()
    if plan is None or plan.date != tonight(plan.timezone):
        return None
    return plan
