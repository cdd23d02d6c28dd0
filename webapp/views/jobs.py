"""The JSON API for searches: plan a night, and how any job stands.

``POST /api/plan/<day>/run`` queues a plan with the settings the page's form
takes, as JSON; it answers 202 with the job and the URL to poll. The page's own
plan button queues the same job.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, request

from dispatch.errors import FormError
from dispatch.nightsettings import SettingsForm, read_settings
from dispatch.versions import latest_version, state_token
from webapp.access import Audience, allow
from webapp.i18n import problem_text, translate
from webapp.jobs import accepted, find_job, job_document, staff_status_url
from webapp.resources import resources
from webapp.views.plan import night_date_of, start_plan

bp = Blueprint("jobs", __name__, url_prefix="/api")

#: The most teams one night's plan may put on duty.
MAX_TEAMS = 60


@bp.post("/plan/<day>/run")
@allow(Audience.DISPATCH)
def run_plan(day: str) -> tuple[dict[str, Any], int]:
    """Plan the night from JSON settings: 202 and the job, or 422 naming each wrong field."""
    night = night_date_of(day)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description=translate("Send the settings as a JSON object: teams, start, "
                                         "end, temperature."))
    teams = data.get("teams")
    if isinstance(teams, list) and len(teams) > MAX_TEAMS:
        message = translate("At most {n} teams can be on duty in one plan.", n=MAX_TEAMS)
        return {"error": {"message": message, "fields": {"teams": message}}}, 422
    form = _form(data)
    try:
        with resources().sessions() as session:
            settings = read_settings(session, night, form)
            token = data.get("token")
            token = token if isinstance(token, str) else state_token(
                latest_version(session, night))
    except FormError as exc:
        fields = {p.field: problem_text(p) for p in exc.problems}
        return {"error": {"message": "; ".join(fields.values()), "fields": fields}}, 422
    job_id = start_plan(night, settings, token)
    return accepted(job_id, staff_status_url(job_id))


@bp.get("/jobs/<job_id>")
@allow(Audience.READ)
def status(job_id: str) -> tuple[dict[str, Any], int]:
    """``state`` (queued, running, done, failed), ``elapsed_s`` of ``budget_s``,
    the ``version`` made and ``messages`` saying why a job failed."""
    found = find_job(job_id)
    if found is None:
        return {"error": {"message": translate("No such job; it may have ended long ago."),
                          "fields": {}}}, 404
    return job_document(found), 200


def _form(data: dict[str, Any]) -> SettingsForm:
    """The JSON settings as the page's form would send them (the same checks follow)."""
    teams = data.get("teams", [])
    if not isinstance(teams, list):
        teams = []
    ids = tuple(str(t)[1:] if isinstance(t, str) and t[:1] in "Tt" else str(t)
                for t in teams if isinstance(t, str | int) and not isinstance(t, bool))
    return SettingsForm(teams=ids, start=_text(data.get("start"), "20:00"),
                        end=_text(data.get("end"), "06:00"),
                        temperature=_text(data.get("temperature"), ""),
                        break_minutes=_text(data.get("break_minutes"), "30"))


def _text(value: object, default: str) -> str:
    if value is None:
        return default
    if isinstance(value, bool):
        return ""
    return str(value) if isinstance(value, str | int | float) else ""
