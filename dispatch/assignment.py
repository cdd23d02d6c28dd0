"""Send a team to a report: claim it, re-plan that team's night around it, keep the version.

The claim is a short transaction (one dispatcher wins); the re-plan runs outside
any transaction, warm-started from the current routes with the report inserted
where :func:`dispatch.recommend.recommend` priced it best; the new version is saved
only if the night did not change meanwhile (else it is re-planned again), and it
is published when the version it replaces was, so the team's phone shows it.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import networkx as nx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.categories import Category
from dispatch.checkins import checked_visits, night_checkins
from dispatch.cold import ColdLevel
from dispatch.errors import ConflictError, ValidationError
from dispatch.keptreports import described
from dispatch.models import CheckIn, Hotspot, Report, SavedPlan, Shelter, TeamBase
from dispatch.nightplan import NightPlan, report_key
from dispatch.plancache import ParsedPlans
from dispatch.planning import night_plan_from
from dispatch.recommend import (
    REPORT_ID,
    TeamOption,
    recommend,
    report_problem,
    urgency_of,
)
from dispatch.replan import REPLAN_PARAMS, night_of, with_history
from dispatch.reports import claim, get_report, night_reports, release
from dispatch.versions import latest_version, published_version, state_token
from routes.problem import Mode, Problem, Stop
from routes.solve import SolveParams, solve

log = logging.getLogger(__name__)

#: Re-plans tried when another change to the night lands while one is solving.
ATTEMPTS = 3
#: Steps after which the team has been at the report: it is part of what is done.
REACHED = ("arrived", "outcome")


@dataclass(frozen=True)
class NightState:
    """Where the night stands: the version teams follow, what is done, where teams are."""

    row: SavedPlan
    #: The night's state when it was read (:func:`dispatch.versions.state_token`).
    token: str
    plan: NightPlan
    done: set[str]
    positions: dict[str, tuple[float, float]]
    reports: list[Report]
    #: Every check-in of the night, in the order teams made them.
    checkins: list[CheckIn]


def night_state(session: Session, night_date: date,
                parsed: ParsedPlans | None = None) -> NightState | None:
    """The night's plan (published, else latest) and what has happened on it."""
    latest = latest_version(session, night_date)
    row = published_version(session, night_date) or latest
    if row is None:
        return None
    plan = parsed.of(session, row.id) if parsed is not None else \
        NightPlan.from_document(row.document)
    checkins = night_checkins(session, plan.date)
    reports = night_reports(session, plan.date)
    done = set(checked_visits(session, plan, checkins))
    done |= {report_key(r.reference) for r in reports if r.status in REACHED}
    positions = {}
    for c in sorted(checkins, key=lambda c: c.recorded_at):
        if c.lon is not None and c.lat is not None:
            positions[c.team_id] = (c.lon, c.lat)
    return NightState(row, state_token(latest), plan, done,
                      positions, reports, checkins)


def assign(
    sessions: sessionmaker[Session], reference: str, team_id: str, *, now: datetime, by: str,
    networks: Mapping[Mode, nx.MultiDiGraph], level: ColdLevel,
    categories: Mapping[str, Category], params: SolveParams = REPLAN_PARAMS,
) -> SavedPlan:
    """Send ``team_id`` to the report and keep the re-planned night as a new version.

    Raises
    ------
    ConflictError
        The report was assigned by someone else first (it names the team).
    ValidationError
        The team is not on tonight's plan, or cannot reach the report this shift.
    """
    with sessions.begin() as session:
        claim(session, reference, team_id, now=now, by=by)
    return assign_claimed(sessions, reference, team_id, now=now, by=by, networks=networks,
                          level=level, categories=categories, params=params)


def assign_claimed(
    sessions: sessionmaker[Session], reference: str, team_id: str, *, now: datetime, by: str,
    networks: Mapping[Mode, nx.MultiDiGraph], level: ColdLevel,
    categories: Mapping[str, Category], params: SolveParams = REPLAN_PARAMS,
) -> SavedPlan:
    """Re-plan the night of a report already claimed for ``team_id`` (a worker does this
    after the dispatcher's click claimed it); a failure gives the report back to the board.
    """
    with sessions() as session:
        night = get_report(session, reference).night
    try:
        for _ in range(ATTEMPTS):
            with sessions() as session:
                state = night_state(session, night)
                if state is None:
                    raise ValidationError("今晚还没有计划 There is no plan tonight: plan the "
                                          "night on /plan first")
                planned = replan_with_report(session, state, reference, team_id, now=now,
                                             networks=networks, level=level,
                                             categories=categories, params=params)
            with sessions.begin() as session:
                saved = save_if_current(session, state, planned, {
                    "kind": "report", "report": reference, "team": team_id, "by": by})
                if saved is not None:
                    return saved
            log.info("night changed while re-planning for %s; re-planning again", reference)
        raise ConflictError("今晚的计划一直在变 The night kept changing while re-planning; "
                            "assign again")
    except BaseException:
        with sessions.begin() as session:
            release(session, reference, now=datetime.now(UTC), by=by)
        raise


def replan_with_report(
    session: Session, state: NightState, reference: str, team_id: str, *, now: datetime,
    networks: Mapping[Mode, nx.MultiDiGraph], level: ColdLevel,
    categories: Mapping[str, Category], params: SolveParams = REPLAN_PARAMS,
) -> NightPlan:
    """The rest of the night with the report pinned to ``team_id`` and the team's other
    open reports kept on their teams; warm-started at the recommended place."""
    plan = state.plan
    try:
        plan.route(team_id)
    except KeyError as exc:
        raise ValidationError(str(exc.args[0])) from None
    report = next(r for r in state.reports if r.reference == reference)
    urgency = urgency_of(report.categories.split(","), not_moving=report.not_moving,
                         temperature=plan.temperature)
    options = recommend(session, plan, lon=report.lon, lat=report.lat, urgency=urgency,
                        now=now, done=state.done, networks=networks,
                        level=level, positions=state.positions)
    chosen = next((o for o in options if o.team_id == team_id), None)
    problem = report_problem(session, plan, lon=report.lon, lat=report.lat, now=now,
                             done=state.done, level=level,
                             positions=state.positions, teams=frozenset({team_id}))
    problem = _with_reports(problem, state, reference, now=now, chosen=chosen)
    solved = solve(problem, networks, params)
    hotspots = list(session.scalars(select(Hotspot).where(Hotspot.id.in_(plan.hotspots))))
    bases = {b.id: b for b in session.scalars(select(TeamBase))}
    shelters = list(session.scalars(select(Shelter).order_by(Shelter.id)))
    rest = night_plan_from(plan.city, night_of(plan), level, solved, hotspots, shelters, bases,
                           categories)
    whole = described(with_history(rest, plan, now=now, done=state.done), state.reports)
    if not any(c.reference == reference for c in whole.route(team_id).reports):
        raise ValidationError(f"{team_id} 本班次无法到达 {team_id} cannot reach report "
                              f"{reference} before the shift ends; choose another team")
    return whole


def _with_reports(problem: Problem, state: NightState, reference: str, *, now: datetime,
                  chosen: TeamOption | None) -> Problem:
    """The new report under its own key, warm-started at its priced place in the team's
    order (the night's other open reports stay on their teams: see remaining_problem)."""
    report = next(r for r in state.reports if r.reference == reference)
    key = report_key(reference)
    stops = tuple(dataclasses.replace(s, id=key, window=_window(s, report, now))
                  if s.id == REPORT_ID else s for s in problem.stops)
    warm = dict(problem.initial_routes or {})
    if chosen is not None:
        order = list(warm.get(chosen.team_id, ()))
        at = order.index(chosen.before) if chosen.before in order else len(order)
        warm[chosen.team_id] = (*order[:at], key, *order[at:])
    return dataclasses.replace(problem, stops=stops, initial_routes=warm)


def _window(stop: Stop, report: Report, now: datetime) -> tuple[datetime, datetime] | None:
    """A follow-up is not visited before it is due."""
    if stop.window is None or report.due_at is None:
        return stop.window
    due = report.due_at.replace(tzinfo=UTC) if report.due_at.tzinfo is None else report.due_at
    return (min(max(now, due), stop.window[1]), stop.window[1])


def save_if_current(session: Session, state: NightState, plan: NightPlan,
                    change: dict[str, str]) -> SavedPlan | None:
    """The re-planned night as the next version, unless the night changed since it was read;
    ``change`` says why (a report assigned, an escort ...)."""
    latest = latest_version(session, plan.date)
    base = session.get(SavedPlan, state.row.id)
    if base is None or state_token(latest) != state.token:
        return None
    last = session.scalars(select(func.max(SavedPlan.version))
                           .where(SavedPlan.night == plan.date)).one()
    published = base.status == "published"
    if published:
        base.status = "withdrawn"
    row = SavedPlan(
        night=plan.date, created_at=plan.created_at, document=plan.to_document(),
        version=(last or 0) + 1, status="published" if published else "draft",
        settings=base.settings, pins=list(base.pins or []),
        exclusions=list(base.exclusions or []), closures=list(base.closures or []),
        pending=[], revision=0, parent_id=base.id,
        changes=[change],
        published_at=datetime.now(UTC) if published else None,
    )
    session.add(row)
    if latest is not None:
        latest.revision += 1
    session.flush()
    log.info("%s: version %d", change, row.version)
    return row


def shift_moment(plan: NightPlan, clock: datetime, *, fixed: datetime | None = None) -> datetime:
    """The moment the board works at: ``fixed`` (a demo or a test), the clock during the
    shift, else the shift's start (a plan looked at before the night)."""
    if fixed is not None:
        return fixed
    if plan.shift_start <= clock < plan.shift_end:
        return clock
    return plan.shift_start + timedelta(minutes=1) if clock < plan.shift_start else \
        plan.shift_end - timedelta(minutes=1)
