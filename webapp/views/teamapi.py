"""The team phone's JSON API: check-ins sent (and re-sent) from the road."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, request

from dispatch.checkins import (
    CheckInConflict,
    as_utc,
    night_checkins,
    night_visit_keys,
    parse_checkin,
    record_checkin,
)
from dispatch.escort import DESTINATIONS
from dispatch.models import CheckIn
from dispatch.nightplan import visit_key
from dispatch.reports import follow_up_checkin
from webapp.access import Audience, allow
from webapp.jobs import find_job, job_document
from webapp.resources import resources
from webapp.views.live import start_escort
from webapp.views.team import team_route_for, team_writer_for

bp = Blueprint("teamapi", __name__, url_prefix="/api/t")


@bp.post("/<token>/checkins")
@allow(Audience.TEAM)
def add_checkin(token: str) -> tuple[dict[str, Any], int]:
    """Store a check-in: 201 when new, 200 when the same one was stored before."""
    plan, route = team_writer_for(token)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description="发送 JSON 对象 Send the check-in as a JSON object "
                               "(Content-Type: application/json)")
    report = parse_checkin(data, team_id=route.team_id, night=plan.date,
                           visits=night_visit_keys(plan))
    with resources().sessions.begin() as session:
        try:
            row, created = record_checkin(session, report)
        except CheckInConflict as exc:
            abort(409, description=str(exc))
        place = plan.hotspots.get(row.hotspot_id)
        if created and place is not None and place.access is not None:
            follow_up_checkin(session, row, lon=place.access[0], lat=place.access[1],
                              place=place.name, now=datetime.now(UTC))
        body = checkin_document(row)
        where = (row.lon, row.lat) if row.lon is not None and row.lat is not None else (
            place.access if place is not None else None)
    if created and row.action in DESTINATIONS and where is not None:
        body["escort"] = start_escort(plan, route.team_id, row.client_id, str(row.action),
                                      people=row.found_count or 1, where=where, data=data)
    return body, 201 if created else 200


@bp.get("/<token>/checkins")
@allow(Audience.TEAM)
def list_checkins(token: str) -> dict[str, Any]:
    """This team's check-ins of the night, so a phone that lost its storage catches up."""
    plan, route = team_route_for(token)
    with resources().sessions() as session:
        rows = night_checkins(session, plan.date, route.team_id)
    return {"checkins": [checkin_document(c) for c in rows]}


@bp.get("/<token>/jobs/<job_id>")
@allow(Audience.TEAM)
def job_status(token: str, job_id: str) -> tuple[dict[str, Any], int]:
    """How the team's own job stands (an escort being added to its night)."""
    _plan, route = team_route_for(token)
    found = find_job(job_id)
    if found is None or found.owner != f"team:{route.team_id}":
        return {"error": {"message": "没有这项任务 No such job for this team", "fields": {}}}, 404
    return job_document(found), 200


def checkin_document(row: CheckIn) -> dict[str, Any]:
    """A stored check-in as JSON; times in UTC."""
    return {
        "id": row.client_id, "visit": visit_key(row.hotspot_id, row.check_number),
        "team": row.team_id, "night": row.night.isoformat(), "outcome": row.outcome,
        "reason": row.reason, "found_count": row.found_count,
        "found_category": row.found_category, "accepts_help": row.accepts_help,
        "action": row.action, "lon": row.lon, "lat": row.lat, "accuracy_m": row.accuracy_m,
        "recorded_at": as_utc(row.recorded_at).isoformat(),
        "received_at": as_utc(row.received_at).isoformat(),
    }
