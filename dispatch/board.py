"""The dispatcher's live board as one JSON document: open reports, their ranked teams,
where each team was last seen, and teams silent for too long (the safety timer).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import networkx as nx
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.assignment import NightState
from dispatch.checkins import as_utc
from dispatch.cold import ColdLevel
from dispatch.errors import ValidationError
from dispatch.models import CheckIn, Report, Shelter
from dispatch.recommend import TeamOption, recommend, urgency_of
from dispatch.reports import OPEN, OUTCOMES, SOURCES, STATUSES
from routes.problem import Mode

#: Urgent reports first, then the oldest.
RANK = {"critical": 0, "urgent": 1, "normal": 2}
SHOWN_OPTIONS = 3


@dataclass(frozen=True)
class TeamState:
    """A team as the board shows it: last check-in, last known place, and the safety timer."""

    team_id: str
    team_name: str
    mode: str
    last_checkin: datetime | None
    position: tuple[float, float] | None
    silent: timedelta
    flagged: bool


def team_states(state: NightState, checkins: list[CheckIn], *, now: datetime,
                silent_after: timedelta) -> list[TeamState]:
    """Each team of the plan; flagged when it has not checked in for ``silent_after``
    (counted from the shift's start before its first check-in)."""
    last: dict[str, datetime] = {}
    for c in checkins:
        last[c.team_id] = max(as_utc(c.recorded_at), last.get(c.team_id, as_utc(c.recorded_at)))
    states = []
    for route in state.plan.routes:
        seen = last.get(route.team_id)
        silent = max(now - (seen or state.plan.shift_start), timedelta(0))
        states.append(TeamState(route.team_id, route.team_name, route.mode, seen,
                                state.positions.get(route.team_id), silent,
                                silent >= silent_after))
    return states


def board_document(
    session: Session, state: NightState, *, now: datetime, silent_after: timedelta,
    networks: Mapping[Mode, nx.MultiDiGraph], level: ColdLevel,
    cache: Rankings,
) -> dict[str, Any]:
    """The board: teams, open reports (urgent first, each with its ranked teams) and the
    night's closed reports. ``cache`` keeps rankings (see :class:`Rankings`)."""
    teams = team_states(state, state.checkins, now=now, silent_after=silent_after)
    open_reports = sorted((r for r in state.reports if r.status in OPEN),
                          key=lambda r: (RANK.get(r.urgency, 3), r.created_at))
    rows = []
    for report in open_reports:
        options: list[TeamOption] | str = []
        if report.status == "reported":
            options = _ranked(session, state, report, now=now, networks=networks,
                              level=level, cache=cache)
        rows.append(report_document(report, now=now, options=options, state=state))
    return {
        "night": state.plan.date.isoformat(), "timezone": state.plan.timezone,
        "version": state.row.version,
        "published": state.row.status == "published", "now": now.isoformat(),
        "shift": [state.plan.shift_start.isoformat(), state.plan.shift_end.isoformat()],
        "silent_after_min": int(silent_after.total_seconds() // 60),
        "teams": [_team_document(t) for t in teams],
        "reports": rows,
        "closed": [report_document(r, now=now, options=[], state=state)
                   for r in state.reports if r.status not in OPEN],
        "escorts": [{"team": r.team_id, "team_name": r.team_name, "key": c.key,
                     "place": c.place, "note": c.note, "arrival": c.arrival.isoformat()}
                    for r in state.plan.routes for c in r.reports
                    if c.kind == "escort" and c.departure > now],
        "shelters": [{"id": s.id, "name": s.name, "beds": s.beds, "beds_free": s.beds_free,
                      "reported_at": as_utc(s.beds_reported_at).isoformat()
                      if s.beds_reported_at else None}
                     for s in session.scalars(select(Shelter).order_by(Shelter.id))],
    }


def report_document(report: Report, *, now: datetime, options: list[TeamOption] | str,
                    state: NightState) -> dict[str, Any]:
    """One report for the dispatcher (personal details included: the board is staff-only)."""
    names = {r.team_id: r.team_name for r in state.plan.routes}
    return {
        "reference": report.reference, "status": report.status,
        "status_label": STATUSES[report.status], "urgency": report.urgency,
        "reasons": list(urgency_of(report.categories.split(","), not_moving=report.not_moving,
                                   temperature=state.plan.temperature).reasons),
        "age_min": int((now - as_utc(report.created_at)).total_seconds() // 60),
        "lon": report.lon, "lat": report.lat, "place": report.place, "seen": report.seen,
        "people": report.people, "categories": [c for c in report.categories.split(",") if c],
        "not_moving": report.not_moving, "contact": report.contact,
        "source": report.source, "source_label": SOURCES.get(report.source, report.source),
        "team": report.team_id, "team_name": names.get(report.team_id or "", report.team_id),
        "outcome": report.outcome, "outcome_label": OUTCOMES.get(report.outcome or ""),
        "due_at": as_utc(report.due_at).isoformat() if report.due_at else None,
        "steps": report.steps,
        "options": ([_option_document(o, state) for o in options[:SHOWN_OPTIONS]]
                    if isinstance(options, list) else []),
        "options_error": options if isinstance(options, str) else None,
    }


def _ranked(session: Session, state: NightState, report: Report, *, now: datetime,
            networks: Mapping[Mode, nx.MultiDiGraph], level: ColdLevel,
            cache: Rankings) -> list[TeamOption] | str:
    """Teams ranked for ``report``, or why none can be ranked (kept in ``cache``)."""
    minute = now.replace(second=0, microsecond=0)
    inputs = (frozenset(state.done), tuple(sorted(state.positions.items())), minute)

    def rank() -> list[TeamOption] | str:
        urgency = urgency_of(report.categories.split(","), not_moving=report.not_moving,
                             temperature=state.plan.temperature)
        try:
            return recommend(session, state.plan, lon=report.lon, lat=report.lat,
                             urgency=urgency, now=minute, done=state.done, networks=networks,
                             level=level, positions=state.positions)
        except ValidationError as exc:
            return str(exc)

    return cache.get((state.token, report.reference), inputs, rank)


Ranking = list[TeamOption] | str


class Rankings:
    """Each open report's ranked teams, kept while what they depend on holds, shared by
    the server's threads.

    A ranking is made again when the plan's version changes, and when the visits done,
    the teams' positions or the minute changed, but not more often than every
    ``fresh_s`` seconds per report: while check-ins stream in, every poll would
    otherwise rank every open report anew. Dispatchers polling at once wait for one
    ranking instead of each making its own.
    """

    def __init__(self, fresh_s: float = 0.0, kept: int = 500) -> None:
        self.fresh_s = fresh_s
        self.kept = kept
        self._made: dict[tuple[Any, ...], tuple[tuple[Any, ...], float, Ranking]] = {}
        self._making: dict[tuple[Any, ...], threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], inputs: tuple[Any, ...],
            rank: Callable[[], Ranking]) -> Ranking:
        """The ranking of ``key`` (plan state, report) made from ``inputs``, or by ``rank``."""
        with self._lock:
            found = self._usable(key, inputs)
            if found is not None:
                return found
            making = self._making.setdefault(key, threading.Lock())
        with making:  # one thread ranks; the others wait, then take its ranking
            with self._lock:
                found = self._usable(key, inputs)
            if found is not None:
                return found
            ranking = rank()
            with self._lock:
                if len(self._made) >= self.kept:
                    self._made.clear()
                self._made[key] = (inputs, time.monotonic(), ranking)
        return ranking

    def _usable(self, key: tuple[Any, ...], inputs: tuple[Any, ...]) -> Ranking | None:
        kept = self._made.get(key)
        if kept is None:
            return None
        made_from, made_at, ranking = kept
        fresh = made_from == inputs or time.monotonic() - made_at < self.fresh_s
        return ranking if fresh else None


def _option_document(option: TeamOption, state: NightState) -> dict[str, Any]:
    names = {h.id: h.name for h in state.plan.hotspots.values()}

    def named(key: str) -> str:
        hotspot = int(key.partition("#")[0]) if "#" in key else None
        return names.get(hotspot, key) if hotspot is not None else key

    return {
        "team": option.team_id, "team_name": option.team_name, "mode": option.mode,
        "arrival": option.arrival.isoformat(),
        "before": named(option.before) if option.before else None,
        "most_later_min": round(option.most_later.total_seconds() / 60),
        "longer_min": round(option.longer.total_seconds() / 60),
        "left_out": [named(k) for k in option.left_out], "cost": round(option.cost),
    }


def _team_document(team: TeamState) -> dict[str, Any]:
    return {
        "id": team.team_id, "name": team.team_name, "mode": team.mode,
        "last_checkin": team.last_checkin.isoformat() if team.last_checkin else None,
        "lon": team.position[0] if team.position else None,
        "lat": team.position[1] if team.position else None,
        "silent_min": int(team.silent.total_seconds() // 60), "flagged": team.flagged,
    }
