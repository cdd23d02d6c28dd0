"""Escort trips: a team takes someone found to a shelter, a hospital or home, then goes on.

The shelter is chosen by travel time on the team's own network (walking or
driving) from where the team is, among shelters with free beds for everyone taken
(known free beds first, then shelters that never reported, the nearest first);
the team's rest of the night is re-planned with the trip as its next stop, and the
shelter's free beds go down in the same transaction that saves the new version.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeGuard

import networkx as nx
from shapely.geometry import Point
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from dispatch.assignment import ATTEMPTS, NightState, night_state, save_if_current
from dispatch.categories import Category
from dispatch.cold import ColdLevel
from dispatch.errors import ConflictError, FieldErrors, NotFoundError, ValidationError
from dispatch.keptreports import described
from dispatch.models import Hotspot, SavedPlan, Shelter, TeamBase
from dispatch.nightplan import NightPlan, TeamRoute
from dispatch.planning import night_plan_from
from dispatch.replan import REPLAN_PARAMS, REPORT_PENALTY, night_of, remaining_problem, with_history
from dispatch.reports import changed_rows
from dispatch.visits import build_problem
from routes.matrix import travel_matrix
from routes.problem import Mode, Stop
from routes.snap import Snapper
from routes.solve import SolveParams, solve

log = logging.getLogger(__name__)

#: The trip is made straight away: the team arrives within the travel time and this much
#: more, so no check fits in before it.
ESCORT_SLACK = timedelta(minutes=3)
#: Time at the door: the handover to the shelter's, hospital's or family's care.
ESCORT_SERVICE = timedelta(minutes=10)
#: Where an escort may go (the outcomes of a report or a check that take someone away).
DESTINATIONS = {"shelter": "救助点 shelter", "hospital": "医院 hospital", "home": "家 home"}
MAX_BEDS = 100_000


@dataclass(frozen=True)
class ShelterOption:
    """A shelter the team can reach, how long it takes, and its reported free beds."""

    shelter_id: int
    name: str
    lon: float
    lat: float
    seconds: float
    beds_free: int | None


@dataclass(frozen=True)
class EscortResult:
    """What the team is told: the new version and where to go, or why no trip was added."""

    saved: SavedPlan | None
    place: str
    message: str
    shelter: ShelterOption | None = None


def ranked_shelters(graph: nx.MultiDiGraph, lon: float, lat: float,
                    shelters: Sequence[Shelter], people: int) -> list[ShelterOption]:
    """Shelters with beds for ``people`` (or that never reported), known free beds first,
    each group nearest first by travel time on ``graph``; unreachable ones left out."""
    usable = [s for s in shelters if s.beds_free is None or s.beds_free >= people]
    if not usable:
        return []
    nodes, _ = Snapper(graph).nearest([Point(lon, lat), *(s.geometry for s in usable)])
    seconds = travel_matrix(graph, [nodes[0]], nodes[1:])[0]
    options = [ShelterOption(s.id, s.name, s.geometry.x, s.geometry.y, float(t), s.beds_free)
               for s, t in zip(usable, seconds, strict=True) if math.isfinite(t)]
    return sorted(options, key=lambda o: (o.beds_free is None, o.seconds, o.shelter_id))


def travel_seconds(graph: nx.MultiDiGraph, start: tuple[float, float],
                   to: tuple[float, float]) -> float:
    """Travel time on ``graph`` between two points (each at its nearest node)."""
    nodes, _ = Snapper(graph).nearest([Point(*start), Point(*to)])
    return float(travel_matrix(graph, [nodes[0]], [nodes[1]])[0][0])


def set_beds(session: Session, shelter_id: int, value: object, *, now: datetime) -> Shelter:
    """Record the free beds a shelter reports; a wrong number is refused and nothing kept."""
    shelter = session.get(Shelter, shelter_id)
    if shelter is None:
        raise NotFoundError(f"没有这个救助点 No shelter {shelter_id}: choose one on the board")
    if not _whole_number(value):
        raise FieldErrors({"beds_free": f"{value!r}: 空床位应为 0 或正整数 give the free beds "
                                         "as a whole number, 0 or more"})
    beds = int(value)
    if beds > (shelter.beds if shelter.beds is not None else MAX_BEDS):
        raise FieldErrors({"beds_free": f"{beds}: 超过床位数 more than the shelter's "
                                        f"{shelter.beds or MAX_BEDS} beds"})
    shelter.beds_free = beds
    shelter.beds_reported_at = now
    session.flush()
    return shelter


def _whole_number(value: object) -> TypeGuard[int | str]:
    """0, 1, 2 ... as a number or in a few ASCII digits ("²" is a digit to ``isdigit``, and
    ``int`` refuses a string of thousands of digits)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value >= 0
    return isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10


@dataclass(frozen=True)
class Trip:
    """One person (or group) a team takes away: from ``where`` to a shelter, or to the
    hospital or home at ``to``; ``reference`` names it (a report or a check-in)."""

    reference: str
    destination: str
    people: int
    where: tuple[float, float]
    to: tuple[float, float] | None = None


def escort(
    sessions: sessionmaker[Session], night: date, team_id: str, reference: str, *,
    destination: str, people: int, where: tuple[float, float],
    to: tuple[float, float] | None, now: datetime, networks: Mapping[Mode, nx.MultiDiGraph],
    level: ColdLevel, categories: Mapping[str, Category],
    params: SolveParams = REPLAN_PARAMS,
) -> EscortResult:
    """Re-plan ``team_id``'s rest of the night with the trip from ``where`` as its next stop
    and keep it as the night's next version (published when the night was).

    ``reference`` names the trip (a report's reference or a check-in's id); ``to`` is the
    hospital or home given by the team (a shelter is chosen here). Without ``to`` a
    hospital or home trip is not added, and the answer says so.
    """
    (found,) = escort_trips(sessions, night, team_id, [Trip(reference, destination, people,
                                                             where, to)],
                            now=now, networks=networks, level=level, categories=categories,
                            params=params)
    if isinstance(found, ValidationError):
        raise found
    return found


def escort_trips(
    sessions: sessionmaker[Session], night: date, team_id: str, trips: Sequence[Trip], *,
    now: datetime, networks: Mapping[Mode, nx.MultiDiGraph], level: ColdLevel,
    categories: Mapping[str, Category], params: SolveParams = REPLAN_PARAMS,
) -> list[EscortResult | ValidationError]:
    """Add several trips of one team in one re-plan and one new version (three people taken
    to a shelter within seconds publish one version, not three).

    Each trip is planned on the plan with the trips before it; a trip that cannot be made
    (no shelter with beds in reach, a place out of reach) gets its error and the others go
    on. Beds are counted across the trips, and taken in the transaction that saves.
    """
    for trip in trips:
        if trip.destination not in DESTINATIONS:
            raise FieldErrors({"destination": f"{trip.destination!r}: 应为 one of "
                                              f"{', '.join(DESTINATIONS)}"})
    for _ in range(ATTEMPTS):
        with sessions() as session:
            state = night_state(session, night)
            if state is None:
                raise ValidationError("今晚还没有计划 There is no plan tonight")
            mode = Mode(_route_mode(state.plan, team_id))
            shelters = list(session.scalars(select(Shelter).order_by(Shelter.id)))
            planned = state.plan
            found: list[EscortResult | ValidationError] = []
            reserved: dict[int, int] = {}
            for trip in trips:
                try:
                    planned, result = _plan_trip(
                        session, dataclasses.replace(state, plan=planned), team_id, trip,
                        shelters=shelters, reserved=reserved, mode=mode, now=now,
                        networks=networks, level=level, categories=categories, params=params)
                except ValidationError as exc:
                    found.append(exc)
                    continue
                found.append(result)
        made = [(trip, r) for trip, r in zip(trips, found, strict=True)
                if isinstance(r, EscortResult) and r.place]
        if not made:
            return found
        with sessions.begin() as session:
            saved = save_if_current(session, state, planned, {
                "kind": "escort", "team": team_id,
                "escort": ",".join(trip.reference for trip, _ in made),
                "to": ", ".join(r.place for _, r in made)})
            if saved is not None:
                for trip, r in made:
                    if r.shelter is not None:
                        _take_beds(session, r.shelter.shelter_id, trip.people)
                return [dataclasses.replace(r, saved=saved) if isinstance(r, EscortResult)
                        and r.place else r for r in found]
        log.info("night changed while planning escorts of %s; planning again", team_id)
    raise ConflictError("今晚的计划一直在变 The night kept changing; record the outcome again")


def _plan_trip(
    session: Session, state: NightState, team_id: str, trip: Trip, *,
    shelters: list[Shelter], reserved: dict[int, int], mode: Mode, now: datetime,
    networks: Mapping[Mode, nx.MultiDiGraph], level: ColdLevel,
    categories: Mapping[str, Category], params: SolveParams,
) -> tuple[NightPlan, EscortResult]:
    """The night with one more trip, and what the team is told of it (no place: not added,
    the plan unchanged)."""
    if trip.destination != "shelter" and trip.to is None:
        return state.plan, EscortResult(
            None, "", f"未给出{DESTINATIONS[trip.destination]}地点，未加入行程 "
            f"No {trip.destination} place given: no trip added to the route")
    option = None
    if trip.destination == "shelter":
        free = [s for s in shelters if s.beds_free is None
                or s.beds_free - reserved.get(s.id, 0) >= trip.people]
        ranked = ranked_shelters(networks[mode], *trip.where, free, trip.people) if free else []
        ranked = [o for o in ranked if o.beds_free is None
                  or o.beds_free - reserved.get(o.shelter_id, 0) >= trip.people]
        if not ranked:
            raise ValidationError("没有可到达且有空床位的救助点 No shelter with free beds "
                                  "can be reached: call the shelters and update beds")
        option = ranked[0]
        reserved[option.shelter_id] = reserved.get(option.shelter_id, 0) + trip.people
    place = option.name if option else DESTINATIONS[trip.destination]
    target = (option.lon, option.lat) if option else trip.to or trip.where
    seconds = option.seconds if option else travel_seconds(networks[mode], trip.where, target)
    if not math.isfinite(seconds):
        raise ValidationError(f"{place} 无法到达 cannot be reached on {mode} roads "
                              "from where the team is")
    within = timedelta(seconds=seconds) + ESCORT_SLACK
    planned = _replan(session, state, team_id, trip.reference, where=trip.where, to=target,
                      within=within, label=place, people=trip.people, now=now,
                      networks=networks, level=level, categories=categories, params=params)
    return planned, EscortResult(None, place, f"护送至 Escort to {place}", option)


def _route_mode(plan: NightPlan, team_id: str) -> str:
    try:
        return plan.route(team_id).mode
    except KeyError as exc:
        raise ValidationError(str(exc.args[0])) from None


def _take_beds(session: Session, shelter_id: int, people: int) -> None:
    """Fewer free beds; refused (and the new version with it) if they were taken meanwhile."""
    shelter = session.get(Shelter, shelter_id)
    if shelter is None or shelter.beds_free is None:
        return
    taken = changed_rows(session, update(Shelter).where(
        Shelter.id == shelter_id, Shelter.beds_free >= people)
        .values(beds_free=Shelter.beds_free - people))
    if not taken:
        raise ConflictError("救助点床位已满 The shelter's beds were taken meanwhile; record again")
    session.refresh(shelter)


def _reached_by_now(route: TeamRoute, done: set[str], now: datetime) -> TeamRoute:
    """A report the team finished ahead of its planned time is shown when it was done:
    ending now, after what the team did before it."""
    before = [i.departure for i in route.visits if i.departure <= now]
    calls = tuple(
        dataclasses.replace(c, departure=now,
                            arrival=max([now - (c.departure - c.arrival), *before]))
        if c.key in done and c.departure > now else c for c in route.reports)
    return dataclasses.replace(route, reports=calls)


def _replan(session: Session, state: NightState, team_id: str, reference: str, *,
            where: tuple[float, float], to: tuple[float, float], within: timedelta, label: str,
            people: int,
            now: datetime, networks: Mapping[Mode, nx.MultiDiGraph], level: ColdLevel,
            categories: Mapping[str, Category], params: SolveParams) -> NightPlan:
    """The team's rest of the night from ``where`` with the trip first."""
    plan = state.plan
    key = f"escort:{reference}"
    hotspots = list(session.scalars(select(Hotspot).where(Hotspot.id.in_(plan.hotspots))))
    bases = {b.id: b for b in session.scalars(select(TeamBase))}
    shelters = list(session.scalars(select(Shelter).order_by(Shelter.id)))
    full = build_problem(night_of(plan), hotspots, bases, shelters, level)
    rest = remaining_problem(full, plan, now=now, done=state.done,
                             positions={**state.positions, team_id: where})
    trip = Stop(key, to[0], to[1], service=ESCORT_SERVICE,
                window=(now, min(now + within, plan.shift_end)),
                penalty=REPORT_PENALTY, teams=frozenset({team_id}))
    warm = dict(rest.initial_routes or {})
    warm[team_id] = (key, *warm.get(team_id, ()))
    problem = dataclasses.replace(rest, stops=(*rest.stops, trip), initial_routes=warm)
    solved = solve(problem, networks, params)
    whole = night_plan_from(plan.city, night_of(plan), level, solved, hotspots, shelters,
                            bases, categories)
    whole = described(with_history(whole, plan, now=now, done=state.done), state.reports)
    route = _reached_by_now(whole.route(team_id), state.done, now)
    if not any(c.key == key for c in route.reports):
        raise ValidationError(f"{team_id} 无法及时到达 cannot reach {label} before the "
                              "shift ends; choose another place")
    note = f"护送 Escort to {label} · {people} 人 people"
    calls = tuple(dataclasses.replace(c, lon=to[0], lat=to[1], place=label, note=note)
                  if c.key == key else c for c in route.reports)
    routes = tuple(dataclasses.replace(r, reports=calls) if r.team_id == team_id else r
                   for r in whole.routes)
    return dataclasses.replace(whole, routes=routes)
