"""Re-plan the rest of a night: what is done stays done, teams go on from where they are.

The search starts from the routes the teams already have (a warm start), so a
re-plan changes little unless something changed, and is ready in seconds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime, time, timedelta

import networkx as nx
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.categories import Category, load_categories
from dispatch.checkins import checked_visits
from dispatch.cold import ColdLevel, level_for, load_levels
from dispatch.errors import NotBuiltError, ValidationError
from dispatch.models import Hotspot, Shelter, TeamBase
from dispatch.night import Night, TeamOnDuty
from dispatch.nightplan import NightPlan, PlannedBreak, PlannedReport, TeamRoute
from dispatch.planning import latest_plan, load_networks, night_plan_from, save_plan
from dispatch.store import open_engine, session_factory
from dispatch.visits import build_problem
from dispatch.workspace import Workspace
from routes.problem import Mode, Problem, Stop, Team
from routes.solve import SolveParams, solve

#: Re-planning must be quick enough for a dispatcher to wait for it.
REPLAN_PARAMS = SolveParams(time_limit_s=2.5, solution_limit=100)
#: A reported person a team was sent to is kept above any visit's worth.
REPORT_PENALTY = 10**7


def replan_rest(
    session: Session,
    plan: NightPlan,
    *,
    now: datetime,
    done: set[str],
    networks: Mapping[Mode, nx.MultiDiGraph],
    categories: Mapping[str, Category],
    level: ColdLevel,
    positions: Mapping[str, tuple[float, float]] | None = None,
    params: SolveParams = REPLAN_PARAMS,
) -> NightPlan:
    """The rest of ``plan``'s night from ``now``, without the visits whose keys are ``done``."""
    if not plan.shift_start <= now < plan.shift_end:
        raise ValidationError(
            f"{now:%H:%M} is outside the shift {plan.shift_start:%H:%M}-{plan.shift_end:%H:%M}; "
            "re-plan during the night"
        )
    night = night_of(plan)
    hotspots = list(session.scalars(select(Hotspot).where(Hotspot.id.in_(plan.hotspots))))
    bases = {b.id: b for b in session.scalars(select(TeamBase))}
    shelters = list(session.scalars(select(Shelter).order_by(Shelter.id)))
    full = build_problem(night, hotspots, bases, shelters, level)
    problem = remaining_problem(full, plan, now=now, done=done, positions=positions or {})
    solved = solve(problem, networks, params)
    rest = night_plan_from(plan.city, night, level, solved, hotspots, shelters, bases,
                           categories)
    return with_history(rest, plan, now=now, done=done)


def with_history(rest: NightPlan, earlier: NightPlan, *, now: datetime,
                 done: set[str]) -> NightPlan:
    """The re-planned rest of the night after what each team has already done, so the
    plan still tells the whole night: done visits, breaks taken, then what is left."""
    routes = []
    known = {c.key: c for r in earlier.routes for c in r.reports}
    for route in rest.routes:
        before = earlier.route(route.team_id)
        ahead_calls = tuple(
            dataclasses.replace(known[c.key], arrival=c.arrival, departure=c.departure)
            if c.key in known else c for c in route.reports)
        visits = [v for v in before.visits if v.key in done]
        breaks = [b for b in before.breaks if b.start <= now]
        reports = [c for c in before.reports if _behind(c, now, done)]
        behind = {v.key for v in visits} | {b.key for b in breaks} | {c.key for c in reports}
        legs = [leg for leg in before.legs if leg.to_id in behind]
        ahead = list(route.legs)
        if visits and ahead:  # the rest leaves from the last check, not from the base
            ahead[0] = dataclasses.replace(ahead[0], from_id=visits[-1].key)
        numbered = tuple(dataclasses.replace(v, seq=k)
                         for k, v in enumerate([*visits, *route.visits], start=1))
        routes.append(dataclasses.replace(
            route, start=before.start, visits=numbered, legs=(*legs, *ahead),
            breaks=(*breaks, *route.breaks), reports=(*reports, *ahead_calls)))
    return dataclasses.replace(rest, routes=tuple(routes))


def remaining_problem(
    full: Problem, plan: NightPlan, *, now: datetime, done: set[str],
    positions: Mapping[str, tuple[float, float]],
) -> Problem:
    """``full`` less what is done, each team leaving ``now`` from where it is."""
    routes = {r.team_id: r for r in plan.routes}
    teams = tuple(_team_now(team, routes[team.id], plan, now, done, positions)
                  for team in full.teams)
    made = {v.key: v.arrival for r in plan.routes for v in r.visits if v.key in done}
    opens: dict[str, list[datetime]] = {}
    for rule in full.spacing:
        if rule.first in made:
            opens.setdefault(rule.then, []).append(made[rule.first] + rule.at_least)
    stops = tuple(_opening_after(s, opens.get(s.id, [])) for s in full.stops
                  if s.id not in done)
    spacing = tuple(g for g in full.spacing if g.first not in done and g.then not in done)
    earlier = {r.team_id: tuple(i.key for i in r.timeline()
                                if not isinstance(i, PlannedBreak) and i.key not in done)
               for r in plan.routes}
    calls = tuple(_report_stop(c, r.team_id, now, plan.shift_end) for r in plan.routes
                  for c in r.reports if not _behind(c, now, done))
    return dataclasses.replace(full, stops=(*stops, *calls), teams=teams,
                               initial_routes=earlier, spacing=spacing)


def _behind(call: PlannedReport, now: datetime, done: set[str]) -> bool:
    """A report the team reached, or an escort trip already made."""
    return call.key in done or (call.kind == "escort" and call.departure <= now)


def _report_stop(call: PlannedReport, team_id: str, now: datetime, end: datetime) -> Stop:
    """A reported person the team was sent to and has not reached: it stays the team's,
    and is never left out."""
    return Stop(call.key, call.lon, call.lat, service=call.departure - call.arrival,
                window=(now, end), penalty=REPORT_PENALTY, teams=frozenset({team_id}))


def _opening_after(stop: Stop, opens: list[datetime]) -> Stop:
    """A check whose previous check is done opens only the spacing after that check."""
    if not opens or stop.window is None:
        return stop
    start = max(stop.window[0], *opens)
    return dataclasses.replace(stop, window=(min(start, stop.window[1]), stop.window[1]))


def _team_now(team: Team, route: TeamRoute, plan: NightPlan, now: datetime, done: set[str],
              positions: Mapping[str, tuple[float, float]]) -> Team:
    lon, lat = positions.get(team.id) or _last_place(route, plan, done)
    rested = any(b.start <= now for b in route.breaks)
    return dataclasses.replace(team, start_lon=lon, start_lat=lat, shift_start=now,
                               rest=None if rested else team.rest)


def _last_place(route: TeamRoute, plan: NightPlan, done: set[str]) -> tuple[float, float]:
    """Where the team last checked in, or its base before its first check."""
    finished = [v for v in route.visits if v.key in done]
    if finished:
        access = plan.hotspots[finished[-1].hotspot_id].access
        if access is not None:
            return access
    base = plan.bases[route.base_id].geometry
    return base.x, base.y


def night_of(plan: NightPlan) -> Night:
    """The night a plan was made for: its shift and the teams of its routes."""
    teams = tuple(TeamOnDuty(r.team_id, r.team_name, Mode(r.mode), r.base_id,
                             frozenset(r.skills), r.district, r.keep_out, r.end_base_id)
                  for r in plan.routes)
    return Night(plan.date, plan.timezone, plan.shift_start, plan.shift_end, teams,
                 temperature=plan.temperature, break_minutes=plan.break_minutes)


def replan_and_save(
    workspace: Workspace,
    *,
    now: str | None,
    done: list[str],
    positions: Mapping[str, tuple[float, float]] | None = None,
    from_checkins: bool = False,
) -> NightPlan:
    """Re-plan the latest plan's night from ``now`` (HH:MM, default: the clock) and keep it.

    ``from_checkins`` adds the visits the teams' phones reported checked to ``done``.
    """
    engine = open_engine(workspace.ensure().database_url)
    try:
        with session_factory(engine).begin() as session:
            plan = latest_plan(session)
            if plan is None:
                raise NotBuiltError("there is no plan to re-plan; run `patrol plan` first")
            moment = moment_of(plan, now)
            if from_checkins:
                done = [*done, *checked_visits(session, plan)]
            keys = visit_keys(plan, done)
            networks = load_networks(workspace, {Mode(r.mode) for r in plan.routes})
            level = level_for(load_levels(workspace.root), plan.temperature)
            rest = replan_rest(session, plan, now=moment, done=keys, networks=networks,
                               categories=load_categories(workspace.root), level=level,
                               positions=positions)
            save_plan(session, rest)
        return rest
    finally:
        engine.dispose()


def moment_of(plan: NightPlan, now: str | None) -> datetime:
    """``HH:MM`` during ``plan``'s night (after midnight: the next day), or the clock."""
    zone = plan.shift_start.tzinfo
    if now is None:
        return datetime.now(zone)
    try:
        clock = time.fromisoformat(now)
    except ValueError as exc:
        raise ValidationError(f"--now {now!r} is not a time; give HH:MM, e.g. 23:30") from exc
    moment = datetime.combine(plan.date, clock, zone)
    return moment + timedelta(days=1) if clock < time(12) else moment


def visit_keys(plan: NightPlan, done: list[str]) -> set[str]:
    """Done visits as keys; a bare hotspot id means its first check. Unknown keys are errors."""
    planned = {v.key for r in plan.routes for v in r.visits}
    keys = {d if "#" in d else f"{d}#1" for d in (x.strip() for x in done) if d}
    unknown = sorted(keys - planned)
    if unknown:
        raise ValidationError(
            f"--done {', '.join(unknown)}: not a visit of tonight's plan; give HOTSPOT#CHECK "
            "as in plan.json (e.g. 12#1)"
        )
    return keys
