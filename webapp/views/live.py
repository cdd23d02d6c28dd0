"""The dispatcher's live board (``/dispatch``) and its API, and the team's steps on a report.

The board polls ``/api/dispatch/board``; one click on a ranked team posts to
``/api/dispatch/reports/<ref>/assign``, which re-plans that team's night and saves
it as the night's next version (published when the night was), so the team's
phone shows the report at its next refresh.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request

from dispatch.assignment import NightState, assign, night_state, shift_moment
from dispatch.board import board_document
from dispatch.categories import load_categories
from dispatch.checkins import FOUND_CATEGORIES
from dispatch.cold import ColdLevel, level_for, load_levels
from dispatch.errors import ConflictError, NotFoundError, ValidationError
from dispatch.escort import DESTINATIONS, escort, set_beds
from dispatch.models import Report
from dispatch.nightplan import NightPlan
from dispatch.replan import REPLAN_PARAMS, moment_of
from dispatch.reports import OUTCOMES, SOURCES, advance, current_night
from dispatch.store import get_city
from routes.solve import SolveParams
from webapp.access import Audience, allow
from webapp.resources import resources
from webapp.views.pages import basemap
from webapp.views.public import drawn, small_map_config, submit
from webapp.views.team import team_route_for

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
    """Send a team: 200 with the night's new version, 409 if already assigned."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description="发送 JSON 对象 Say which team goes: {\"team\": \"T1\"}")
    team = data.get("team")
    if not isinstance(team, str) or not team.strip():
        abort(400, description="选择队伍 Say which team goes: {\"team\": \"T1\"}")
    team = team.strip()
    state = _state()
    workspace = resources().workspace
    try:
        saved = assign(resources().sessions, reference, team, now=_moment(state.plan),
                       by=str(data.get("by") or "dispatcher"), networks=resources().networks,
                       level=_level(state.plan), categories=load_categories(workspace.root),
                       params=_params())
    except ConflictError as exc:
        abort(409, description=str(exc))
    except NotFoundError as exc:
        abort(404, description=str(exc))
    return {"reference": reference, "team": team, "version": saved.version,
            "published": saved.status == "published"}, 200


@team_bp.post("/<token>/reports/<reference>/steps")
@allow(Audience.TEAM)
def team_step(token: str, reference: str) -> dict[str, Any]:
    """The team on its way, arrived, or done (with what became of the person)."""
    plan, route = team_route_for(token)
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
    """Add the trip to the team's night, or say why not: the outcome itself is kept either way."""
    to = data.get("to")
    point = None
    if isinstance(to, dict) and _number(to.get("lon")) and _number(to.get("lat")):
        point = (float(to["lon"]), float(to["lat"]))
    workspace = resources().workspace
    try:
        result = escort(resources().sessions, plan.date, team_id, reference,
                        destination=destination, people=people, where=where, to=point,
                        now=_moment(plan), networks=resources().networks, level=_level(plan),
                        categories=load_categories(workspace.root), params=_params())
    except (ValidationError, ConflictError) as exc:
        return {"added": False, "message": str(exc)}
    if result.saved is None:
        return {"added": False, "message": result.message}
    return {"added": True, "place": result.place, "message": result.message,
            "version": result.saved.version}


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


def _params() -> SolveParams:
    """The usual re-plan's search, within PATROL_ASSIGN_SECONDS: a team waits for it."""
    seconds = float(current_app.config["ASSIGN_SECONDS"])
    return SolveParams(time_limit_s=min(seconds, REPLAN_PARAMS.time_limit_s),
                       solution_limit=REPLAN_PARAMS.solution_limit)
