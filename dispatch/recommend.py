"""Which team should go to a report of a person in the cold, and what it costs the night.

For each team on duty, every place in the rest of its route where the report could
go is priced (see :mod:`routes.insertion`): how soon someone reaches the person,
weighted by how urgent the report is, how much longer the team's night gets, and
which of its visits would fall out. The best place per team is shown, teams ranked.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import networkx as nx
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.city import outside_city
from dispatch.cold import ColdLevel, level_for, load_levels
from dispatch.errors import NotBuiltError, ValidationError
from dispatch.models import Hotspot, Shelter, TeamBase
from dispatch.nightplan import NightPlan
from dispatch.planning import latest_plan, load_networks
from dispatch.replan import REPORT_PENALTY, moment_of, night_of, remaining_problem, visit_keys
from dispatch.store import get_city, open_engine, session_factory
from dispatch.visits import build_problem
from dispatch.workspace import Workspace
from routes.insertion import Insertion, rank_insertions
from routes.problem import Mode, Problem, Stop
from routes.solve import Prepared, prepare

#: Who comes first (the campaign's rule): minors, people with suspected mental
#: illness, and anyone not moving in severe cold.
URGENT_CATEGORIES = frozenset({"minor", "mental_illness"})
SEVERE_COLD_C = -10.0
#: Seconds of the rest of the night one second sooner at the person is worth.
RESPONSE_WEIGHT = {"critical": 10.0, "urgent": 4.0, "normal": 1.0}
ON_SCENE = timedelta(minutes=20)
#: The report's stop id in the problem (hotspot visits are ``HOTSPOT#CHECK``).
REPORT_ID = "report"


@dataclass(frozen=True)
class Urgency:
    """How urgent a report is and why, in words a dispatcher reads."""

    level: str  # critical, urgent or normal
    reasons: tuple[str, ...]

    @property
    def weight(self) -> float:
        return RESPONSE_WEIGHT[self.level]


def urgency_of(categories: Collection[str], *, not_moving: bool,
               temperature: float | None) -> Urgency:
    """Critical: not moving in severe cold; urgent: a minor or suspected mental illness."""
    reasons = []
    if not_moving and temperature is not None and temperature <= SEVERE_COLD_C:
        reasons.append(f"不动且气温 {temperature:g} °C not moving at {temperature:g} °C")
    if not_moving and not reasons:
        reasons.append("不动 not moving")
    urgent = sorted(URGENT_CATEGORIES & set(categories))
    reasons += [{"minor": "未成年人 a minor",
                 "mental_illness": "疑似精神障碍 suspected mental illness"}[c] for c in urgent]
    if not_moving and temperature is not None and temperature <= SEVERE_COLD_C:
        return Urgency("critical", tuple(reasons))
    return Urgency("urgent" if urgent or not_moving else "normal", tuple(reasons))


@dataclass(frozen=True)
class TeamOption:
    """Sending one team: when it is there, and what its night loses for it."""

    team_id: str
    team_name: str
    mode: str
    #: The visit the report goes before (``None``: after the team's last visit).
    before: str | None
    arrival: datetime
    #: The longest delay of a visit the team keeps, and how much longer its night gets.
    most_later: timedelta
    longer: timedelta
    #: Visits (``HOTSPOT#CHECK``) that would fall out of this team's route.
    left_out: tuple[str, ...]
    cost: float


def recommend(
    session: Session, plan: NightPlan, *, lon: float, lat: float, urgency: Urgency,
    now: datetime, done: set[str], networks: Mapping[Mode, nx.MultiDiGraph], level: ColdLevel,
    positions: Mapping[str, tuple[float, float]] | None = None, on_scene: timedelta = ON_SCENE,
) -> list[TeamOption]:
    """Teams ranked for the report at (lon, lat), each at its best place; none if none can go."""
    problem = report_problem(session, plan, lon=lon, lat=lat, now=now, done=done, level=level,
                             positions=positions or {}, on_scene=on_scene)
    prepared = prepare(problem, networks)
    alternatives = prepared.nodes_of(REPORT_ID)
    routes = prepared.model.initial_routes or [[] for _ in problem.teams]
    ranked = rank_insertions(prepared.model, routes, alternatives,
                             response_weight=urgency.weight,
                             ready_s=round((now - problem.origin).total_seconds()))
    best: dict[int, TeamOption] = {}
    for option in ranked:
        if option.vehicle not in best:
            best[option.vehicle] = _team_option(prepared, plan, routes, option)
    return sorted(best.values(), key=lambda o: o.cost)


def recommend_tonight(
    workspace: Workspace, *, lon: float, lat: float, categories: Collection[str],
    not_moving: bool, temperature: float | None, now: str | None, done: list[str],
    positions: Mapping[str, tuple[float, float]] | None = None,
) -> tuple[NightPlan, Urgency, list[TeamOption]]:
    """:func:`recommend` on the latest plan of the city in ``workspace``; the temperature
    defaults to the night's forecast low."""
    engine = open_engine(workspace.ensure().database_url)
    try:
        with session_factory(engine)() as session:
            plan = latest_plan(session)
            if plan is None:
                raise NotBuiltError("there is no plan tonight; run `patrol plan` first")
            cold = temperature if temperature is not None else plan.temperature
            urgency = urgency_of(categories, not_moving=not_moving, temperature=cold)
            networks = load_networks(workspace, {Mode(r.mode) for r in plan.routes})
            level = level_for(load_levels(workspace.root), plan.temperature)
            options = recommend(session, plan, lon=lon, lat=lat, urgency=urgency,
                                now=moment_of(plan, now), done=visit_keys(plan, done),
                                networks=networks, level=level, positions=positions)
        return plan, urgency, options
    finally:
        engine.dispose()


def report_problem(
    session: Session, plan: NightPlan, *, lon: float, lat: float, now: datetime,
    done: set[str], level: ColdLevel, positions: Mapping[str, tuple[float, float]],
    on_scene: timedelta = ON_SCENE, teams: frozenset[str] | None = None,
) -> Problem:
    """The rest of the night from ``now`` with the report as one more stop to make."""
    if not plan.shift_start <= now < plan.shift_end:
        raise ValidationError(
            f"{now:%H:%M} is outside the shift {plan.shift_start:%H:%M}-{plan.shift_end:%H:%M}; "
            "reports are dispatched during the night")
    why = outside_city(get_city(session), lon, lat)
    if why is not None:
        raise ValidationError(f"the report at {why}: give longitude first, then latitude")
    night = night_of(plan)
    hotspots = list(session.scalars(select(Hotspot).where(Hotspot.id.in_(plan.hotspots))))
    bases = {b.id: b for b in session.scalars(select(TeamBase))}
    shelters = list(session.scalars(select(Shelter).order_by(Shelter.id)))
    full = build_problem(night, hotspots, bases, shelters, level)
    rest = remaining_problem(full, plan, now=now, done=done, positions=positions)
    report = Stop(REPORT_ID, lon, lat, service=on_scene, window=(now, plan.shift_end),
                  penalty=REPORT_PENALTY, teams=teams)
    return dataclasses.replace(rest, stops=(*rest.stops, report))


def _team_option(prepared: Prepared, plan: NightPlan, routes: Sequence[Sequence[int]],
                 option: Insertion) -> TeamOption:
    team = prepared.problem.teams[option.vehicle]
    route = routes[option.vehicle]
    before = prepared.stop_id(route[option.position]) if option.position < len(route) else None
    return TeamOption(
        team_id=team.id, team_name=plan.route(team.id).team_name, mode=str(team.mode),
        before=before, arrival=prepared.moment(option.begin_s),
        most_later=timedelta(seconds=max(option.later_s, default=0)),
        longer=timedelta(seconds=option.longer_s),
        left_out=tuple(prepared.stop_id(n) for n in option.dropped), cost=option.cost,
    )
