"""Turn tonight's hotspots and teams into a routes problem, solve it, and keep the plan.

Risk becomes the penalty for leaving a hotspot out: each level doubles it, so
when the night is too short the plan gives up low-risk places first.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta

import networkx as nx
from shapely.geometry import Point
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.categories import Category, load_categories
from dispatch.errors import NotBuiltError
from dispatch.models import Hotspot, SavedPlan, Shelter, TeamBase
from dispatch.night import Night, make_teams, shift_bounds, tonight
from dispatch.nightplan import (
    CategoryInfo,
    DroppedVisit,
    NightPlan,
    PlaceInfo,
    PlannedLeg,
    PlannedVisit,
    TeamRoute,
)
from dispatch.store import get_city, open_engine, session_factory
from dispatch.workspace import Workspace
from routes.network import load_network
from routes.plan import Plan
from routes.problem import Mode, Problem, Stop, Team
from routes.solve import SolveParams, solve

log = logging.getLogger(__name__)

#: Seconds of travel a plan would rather spend than leave out a risk-1 hotspot.
BASE_PENALTY = 3600
#: A second of the longest team's night costs this much; spreads the work over teams.
BALANCE_WEIGHT = 1


def build_problem(night: Night, hotspots: list[Hotspot], bases: Mapping[int, TeamBase]) -> Problem:
    """The solver-neutral problem for ``night``: one visit per active hotspot."""
    stops = tuple(
        Stop(
            id=str(h.id), lon=h.access_lon, lat=h.access_lat,
            service=timedelta(minutes=h.service_min),
            penalty=BASE_PENALTY * 2 ** (h.risk - 1),
        )
        for h in hotspots
    )
    teams = tuple(
        Team(
            id=t.id, mode=t.mode,
            start_lon=bases[t.base_id].lon, start_lat=bases[t.base_id].lat,
            end_lon=bases[t.base_id].lon, end_lat=bases[t.base_id].lat,
            shift_start=night.start, shift_end=night.end,
        )
        for t in night.teams
    )
    return Problem(stops=stops, teams=teams, balance_weight=BALANCE_WEIGHT)


def plan_night(
    session: Session,
    night: Night,
    networks: Mapping[Mode, nx.MultiDiGraph],
    categories: Mapping[str, Category],
    params: SolveParams | None = None,
) -> NightPlan:
    """Plan ``night`` for the active hotspots of the stored city."""
    city = get_city(session)
    hotspots = list(session.scalars(select(Hotspot).where(Hotspot.active).order_by(Hotspot.id)))
    bases = {b.id: b for b in session.scalars(select(TeamBase))}
    missing = sorted({t.base_id for t in night.teams} - set(bases))
    if missing:
        raise NotBuiltError(f"no team base with id {missing}; bases are {sorted(bases)}")
    problem = build_problem(night, hotspots, bases)
    log.info("solving: %d hotspots, %d teams (up to %.0f s) ...", len(problem.stops),
             len(problem.teams), (params or SolveParams()).time_limit_s)
    plan = solve(problem, networks, params)
    shelters = list(session.scalars(select(Shelter).order_by(Shelter.id)))
    return _night_plan(city.name, night, plan, hotspots, shelters, bases, categories)


def save_plan(session: Session, plan: NightPlan) -> SavedPlan:
    """Keep ``plan`` as tonight's latest."""
    saved = SavedPlan(night=plan.date, created_at=plan.created_at, document=plan.to_document())
    session.add(saved)
    session.flush()
    return saved


def latest_plan(session: Session) -> NightPlan | None:
    """The most recently saved plan, or ``None`` before the first."""
    saved = session.scalars(select(SavedPlan).order_by(SavedPlan.id.desc())).first()
    return NightPlan.from_document(saved.document) if saved else None


def _night_plan(
    city: str, night: Night, plan: Plan, hotspots: list[Hotspot], shelters: list[Shelter],
    bases: Mapping[int, TeamBase], categories: Mapping[str, Category],
) -> NightPlan:
    teams = {t.id: t for t in night.teams}
    routes = tuple(
        TeamRoute(
            team_id=r.team_id, team_name=teams[r.team_id].name, mode=str(r.mode),
            base_id=teams[r.team_id].base_id, start=r.start, end=r.end,
            visits=tuple(PlannedVisit(k, int(v.stop_id), v.arrival, v.departure, v.wait)
                         for k, v in enumerate(r.visits, start=1)),
            legs=tuple(PlannedLeg(_place_key(leg.from_id), _place_key(leg.to_id), leg.travel,
                                  round(leg.distance_m, 1), leg.geometry) for leg in r.legs),
        )
        for r in plan.routes
    )
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
        routes=routes,
        dropped=tuple(DroppedVisit(int(d.stop_id), str(d.reason), d.detail)
                      for d in plan.dropped),
    )


def _place_key(place_id: str) -> str:
    """Stops keep their hotspot id; a team's start and end read ``base``."""
    return "base" if ":" in place_id else place_id


def _point(base: TeamBase) -> Point:
    return Point(base.lon, base.lat)


def prepare_night(
    session: Session,
    *,
    teams: int,
    on_foot: int = 0,
    night_date: date | None = None,
    start: str | None = None,
    end: str | None = None,
) -> Night:
    """Tonight's settings from plain options, in the stored city's time zone."""
    city = get_city(session)
    base_ids = sorted(session.scalars(select(TeamBase.id)))
    day = night_date or tonight(city.timezone)
    begin, finish = shift_bounds(day, city.timezone, start, end)
    return Night(day, city.timezone, begin, finish, make_teams(teams, on_foot, base_ids))


def load_networks(workspace: Workspace, modes: Iterable[Mode]) -> dict[Mode, nx.MultiDiGraph]:
    """The cached networks of ``modes``."""
    return {mode: load_network(workspace.network_path(mode)) for mode in modes}


def plan_and_save(
    workspace: Workspace,
    *,
    teams: int,
    on_foot: int = 0,
    night_date: date | None = None,
    start: str | None = None,
    end: str | None = None,
    params: SolveParams | None = None,
) -> NightPlan:
    """Plan a night for the stored city and keep it as the latest plan (all or nothing)."""
    engine = open_engine(workspace.ensure().database_url)
    try:
        with session_factory(engine).begin() as session:
            night = prepare_night(session, teams=teams, on_foot=on_foot, night_date=night_date,
                                  start=start, end=end)
            networks = load_networks(workspace, {t.mode for t in night.teams})
            plan = plan_night(session, night, networks, load_categories(workspace.root), params)
            save_plan(session, plan)
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
