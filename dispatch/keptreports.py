"""Reports a team was sent to stay on that team through every re-plan of the night.

A whole-night re-plan from /plan builds its problem from the hotspots alone; the
reports already assigned are added back here, each pinned to its team and never
left out, and the plan document carries what was reported for the team's phone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from dispatch.models import Report
from dispatch.nightplan import NightPlan, PlannedReport, report_key
from dispatch.recommend import ON_SCENE
from dispatch.replan import REPORT_PENALTY
from routes.problem import Problem, Stop

#: A report in one of these states is the team's until the team records the outcome.
OPEN_STATUSES = ("assigned", "on_the_way", "arrived")


def open_reports(reports: Sequence[Report], teams: set[str]) -> list[Report]:
    """The reports still open on a team that is on duty."""
    return [r for r in reports if r.status in OPEN_STATUSES and r.team_id in teams]


def with_open_reports(problem: Problem, reports: Sequence[Report],
                      earlier: NightPlan | None, *, start: datetime,
                      end: datetime) -> Problem:
    """``problem`` with each open report as a stop only its team may make, warm-started at
    the place it had in ``earlier``'s route (by time)."""
    planned = {c.reference: c for r in (earlier.routes if earlier else ()) for c in r.reports
               if c.kind == "report"}
    stops = []
    warm = {k: list(v) for k, v in (problem.initial_routes or {}).items()}
    when = {v.key: v.arrival for r in (earlier.routes if earlier else ()) for v in r.visits}
    for report in reports:
        team = str(report.team_id)
        call = planned.get(report.reference)
        service = call.departure - call.arrival if call is not None else ON_SCENE
        key = report_key(report.reference)
        stops.append(Stop(key, report.lon, report.lat, service=service, window=(start, end),
                          penalty=REPORT_PENALTY, teams=frozenset({team})))
        if call is not None and team in warm:
            order = warm[team]
            at = len([k for k in order if k in when and when[k] <= call.arrival])
            order.insert(at, key)
    initial = {k: tuple(v) for k, v in warm.items()} if problem.initial_routes else None
    return dataclasses.replace(problem, stops=(*problem.stops, *stops), initial_routes=initial)


def described(plan: NightPlan, reports: Sequence[Report]) -> NightPlan:
    """Each report stop carries where it is and what was reported, for the team's page."""
    by_ref = {r.reference: r for r in reports}
    routes = []
    for route in plan.routes:
        calls = tuple(_call(c, by_ref.get(c.reference)) if c.kind == "report" else c
                      for c in route.reports)
        routes.append(dataclasses.replace(route, reports=calls))
    return dataclasses.replace(plan, routes=tuple(routes))


def _call(call: PlannedReport, report: Report | None) -> PlannedReport:
    if report is None:
        return call
    note = f"{report.people} 人 people · {report.seen}".strip(" ·")
    return dataclasses.replace(call, lon=report.lon, lat=report.lat,
                               place=report.place or f"{report.lat:.5f}, {report.lon:.5f}",
                               note=note)
