"""The dispatcher's live board (``/dispatch``) and its API, and the team's steps on a report.

The board polls ``/api/dispatch/board``; one click on a ranked team posts to
``/api/dispatch/reports/<ref>/assign``, which re-plans that team's night and saves
it as the night's next version (published when the night was), so the team's
phone shows the report at its next refresh.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user

from dispatch.assignment import ATTEMPTS, NightState, night_state, shift_moment
from dispatch.board import board_document
from dispatch.checkins import FOUND_CATEGORIES
from dispatch.cold import ColdLevel, level_for, load_levels
from dispatch.errors import ConflictError, JobRefused, NotFoundError
from dispatch.escort import DESTINATIONS, set_beds
from dispatch.models import Report
from dispatch.nightplan import NightPlan
from dispatch.replan import REPLAN_PARAMS, moment_of
from dispatch.reports import OUTCOMES, SOURCES, advance, claim, current_night, release
from dispatch.store import get_city
from webapp.access import Audience, allow
from webapp.jobs import accepted, staff_status_url, submit_job
from webapp.resources import resources
from webapp.views.pages import basemap
from webapp.views.public import drawn, small_map_config, submit
from webapp.views.team import team_writer_for

bp = Blueprint("live", __name__)
team_bp = Blueprint("teamreports", __name__, url_prefix="/api/t")


@bp.get("/dispatch")
@allow(Audience.DISPATCH)
def board_page() -> str:
    """The live board: open reports, ranked teams, teams' last positions, a hotline form."""
    return render_template("dispatch.html", categories=FOUND_CATEGORIES,
                           map_config=small_map_config(),
                           sources={k: v for k, v in SOURCES.items() if k != "public"},
                           poll_s=current_app.config["BOARD_POLL_SECONDS"])


@bp.get("/api/dispatch/board")
@allow(Audience.DISPATCH)
def board() -> dict[str, Any]:
    """Everything the board shows, as JSON."""
    state = _state()
    now = _moment(state.plan)
    silent = timedelta(minutes=float(current_app.config["SILENT_MINUTES"]))
    with resources().sessions() as session:
        document = board_document(session, state, now=now, silent_after=silent,
                                  networks=resources().networks, level=_level(state.plan),
                                  cache=resources().rankings)
    chosen = basemap()
    for item in (*document["reports"], *document["teams"]):
        item["drawn"] = drawn(item["lon"], item["lat"], chosen) if item["lon"] else None
    return document


@bp.post("/api/dispatch/reports")
@allow(Audience.DISPATCH)
def hotline_report() -> tuple[dict[str, Any], int]:
    """A call taken by a hotline operator (or a report passed on by the police ...)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description="发送 JSON 对象 Send the report as a JSON object")
    row = submit(data, source=None, by="dispatcher")
    return {"reference": row.reference, "status": row.status, "urgency": row.urgency}, 201


@bp.post("/api/dispatch/reports/<reference>/assign")
@allow(Audience.DISPATCH)
def assign_report(reference: str) -> tuple[dict[str, Any], int]:
    """Send a team: the report is claimed at once (409 if someone else has it) and the
    re-plan that puts it in the team's night is queued; 202 with the job to poll."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description="发送 JSON 对象 Say which team goes: {\"team\": \"T1\"}")
    team = data.get("team")
    if not isinstance(team, str) or not team.strip():
        abort(400, description="选择队伍 Say which team goes: {\"team\": \"T1\"}")
    team = team.strip()
    state = _state()
    if team not in {r.team_id for r in state.plan.routes}:
        abort(400, description=f"{team} 不在今晚的计划中 {team} is not on tonight's plan")
    now, by = _moment(state.plan), str(current_user.name)  # the account, never the body
    with resources().sessions.begin() as session:
        try:
            claim(session, reference, team, now=now, by=by)
        except ConflictError as exc:
            abort(409, description=str(exc))
        except NotFoundError as exc:
            abort(404, description=str(exc))
    payload = {"reference": reference, "team": team, "now": now.isoformat(), "by": by,
               **_search(state.plan)}
    try:
        job_id = submit_job("assign", payload, budget_s=payload["seconds"] * ATTEMPTS,
                        night=state.plan.date)
    except JobRefused:
        with resources().sessions.begin() as session:
            release(session, reference, now=datetime.now(UTC), by=by)
        raise
    answer, status = accepted(job_id, staff_status_url(job_id))
    return {**answer, "reference": reference, "team": team}, status


@team_bp.post("/<token>/reports/<reference>/steps")
@allow(Audience.TEAM)
def team_step(token: str, reference: str) -> dict[str, Any]:
    """The team on its way, arrived, or done (with what became of the person)."""
    plan, route = team_writer_for(token)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description="发送 JSON 对象 Send the step as a JSON object")
    with resources().sessions.begin() as session:
        try:
            row = advance(session, reference, route.team_id, str(data.get("status", "")),
                          now=datetime.now(UTC), outcome=data.get("outcome"),
                          note=data.get("note"))
        except ConflictError as exc:
            abort(409, description=str(exc))
        except NotFoundError as exc:
            abort(404, description=str(exc))
        document = _step_document(row)
        where, people = (row.lon, row.lat), row.people
    if row.outcome in DESTINATIONS:
        document["escort"] = start_escort(plan, route.team_id, row.reference, row.outcome,
                                          people=_people(data, people), where=where, data=data)
    return document


@bp.post("/api/dispatch/shelters/<int:shelter_id>/beds")
@allow(Audience.DISPATCH)
def shelter_beds(shelter_id: int) -> dict[str, Any]:
    """A shelter's free beds as it reports them (by phone): ``{"beds_free": 5}``."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description="发送 JSON 对象 Send {\"beds_free\": N} as a JSON object")
    with resources().sessions.begin() as session:
        shelter = set_beds(session, shelter_id, data.get("beds_free"), now=datetime.now(UTC))
        return {"id": shelter.id, "name": shelter.name, "beds": shelter.beds,
                "beds_free": shelter.beds_free,
                "reported_at": datetime.now(UTC).isoformat()}


def start_escort(plan: NightPlan, team_id: str, reference: str, destination: str, *,
                 people: int, where: tuple[float, float], data: dict[str, Any]) -> dict[str, Any]:
    """Queue the trip's re-plan of the team's night (the outcome itself is already kept);
    the phone polls ``status_url`` for where the trip goes, or why it was not added."""
    to = data.get("to")
    point = None
    if isinstance(to, dict) and _number(to.get("lon")) and _number(to.get("lat")):
        point = [float(to["lon"]), float(to["lat"])]
    payload = {"night": plan.date.isoformat(), "team": team_id, "reference": reference,
               "destination": destination, "people": people, "where": list(where),
               "to": point, "now": _moment(plan).isoformat(), **_search(plan)}
    try:
        job_id = submit_job("escort", payload, budget_s=payload["seconds"] * ATTEMPTS,
                        owner=f"team:{team_id}", night=plan.date)
    except JobRefused as exc:
        return {"added": False, "message": str(exc)}
    return {"queued": True, "job": job_id,
            "status_url": url_for("teamapi.job_status", token=request.view_args["token"],
                                  job_id=job_id)}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _people(data: dict[str, Any], default: int) -> int:
    value = data.get("people")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 \
        else default


def _step_document(row: Report) -> dict[str, Any]:
    return {"reference": row.reference, "status": row.status, "outcome": row.outcome,
            "outcome_label": OUTCOMES.get(row.outcome or ""), "steps": row.steps}


def _state() -> NightState:
    now = datetime.now(UTC)
    with resources().sessions() as session:
        night = current_night(session, get_city(session).timezone, now)
        state = night_state(session, night, resources().parsed)
        if state is not None:
            for report in state.reports:
                session.expunge(report)
    if state is None:
        abort(404, description="还没有巡查计划 No plan tonight: plan the night on /plan first")
    return state


def _moment(plan: NightPlan) -> datetime:
    """The clock during the shift; ``PATROL_DISPATCH_NOW`` (HH:MM) fixes it for a drill."""
    fixed = current_app.config.get("DISPATCH_NOW")
    return shift_moment(plan, datetime.now(UTC).astimezone(plan.shift_start.tzinfo),
                        fixed=moment_of(plan, fixed) if fixed else None)


def _level(plan: NightPlan) -> ColdLevel:
    return level_for(load_levels(resources().workspace.root), plan.temperature)


def _search(plan: NightPlan) -> dict[str, Any]:
    """The usual re-plan's search, within PATROL_ASSIGN_SECONDS, and the night's forecast low
    (its cold level): what an assignment's or escort's job needs besides its own fields."""
    seconds = min(float(current_app.config["ASSIGN_SECONDS"]), REPLAN_PARAMS.time_limit_s)
    return {"seconds": seconds, "solution_limit": REPLAN_PARAMS.solution_limit,
            "temperature": plan.temperature}
