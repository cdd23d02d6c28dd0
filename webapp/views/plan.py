"""The dispatcher's evening on /plan: settings, planning in the background, changes, publish.

Every form carries the night's state (``dispatch.versions.state_token``); a change
made against an older state is answered 409 and nothing is saved.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from dispatch.errors import ConflictError, FormError
from dispatch.jobs.records import BUSY, active_plan, plan_lock
from dispatch.nightsettings import NightSettings, SettingsForm, read_settings
from dispatch.store import get_city
from dispatch.versions import add_change, check_token, discard_changes, publish
from webapp.access import Audience, allow
from webapp.i18n import problem_text, translate
from webapp.jobs import find_job, job_document, submit_job
from webapp.planpage import build_page, parse_day
from webapp.resources import resources
from webapp.views.pages import basemap

bp = Blueprint("plan", __name__, url_prefix="/plan")


@bp.errorhandler(ConflictError)
def _conflict(exc: ConflictError) -> tuple[Any, int]:
    """A change against an older state of the night: say so, save nothing."""
    message = translate(str(exc))
    if request.accept_mimetypes.best == "application/json":
        return {"error": {"message": message, "fields": {}}}, 409
    return render_template("plan_conflict.html", message=message,
                           day=request.view_args.get("day") if request.view_args else None), 409


@bp.get("/")
@allow(Audience.DISPATCH)
def night() -> str | Response:
    """The night of ``?date=`` (default tonight), or version ``?v=`` of it.

    A search that ended before its page was asked for (``?job=``) goes straight to the
    version it made, as the progress box would have.
    """
    day = night_date_of(request.args.get("date"))
    version = request.args.get("v", type=int)
    job = find_job(request.args.get("job", "")) if request.args.get("job") else None
    if version is None and job is not None and job.state == "done" and job.version:
        return redirect(url_for("plan.night", date=day.isoformat(), v=job.version))
    form = _settings_form(request.args) if "temperature" in request.args else None
    with resources().sessions() as session:
        page = build_page(session, day, version=version, form=form,
                          job_id=request.args.get("job"))
    return render_template("plan.html", page=page)


@bp.post("/<day>/run")
@allow(Audience.DISPATCH)
def run(day: str) -> Response | tuple[str, int]:
    """Plan the night with the settings in the form; a wrong field is shown next to it."""
    night_date = night_date_of(day)
    form = _settings_form()
    try:
        with resources().sessions() as session:
            settings = read_settings(session, night_date, form)
            check_token(session, night_date, request.form.get("token", ""))
    except FormError as exc:
        with resources().sessions() as session:
            page = build_page(session, night_date, form=form)
        page.errors = {p.field: problem_text(p) for p in exc.problems}
        return render_template("plan.html", page=page), 422
    return _start(night_date, settings)


@bp.post("/<day>/replan")
@allow(Audience.DISPATCH)
def replan(day: str) -> Response:
    """Plan again with the changes made since the latest version, from its routes."""
    night_date = night_date_of(day)
    with resources().sessions() as session:
        check_token(session, night_date, request.form.get("token", ""))
    return _start(night_date, None)


@bp.get("/<day>/jobs/<job_id>")
@allow(Audience.DISPATCH)
def job_status(day: str, job_id: str) -> tuple[dict[str, Any], int]:
    """How far the solver is: seconds elapsed of its budget, then the version it made."""
    job = find_job(job_id)
    if job is None or job.night != night_date_of(day):
        return {"error": {"message": translate("No such plan being made; reload the page."),
                          "fields": {}}}, 404
    return job_document(job), 200


@bp.post("/<day>/change")
@allow(Audience.DISPATCH)
def change(day: str) -> Response | tuple[str, int]:
    """Move or pin a stop, exclude a hotspot, close a road: planned at the next re-plan."""
    night_date = night_date_of(day)
    _refuse_while_planning(night_date)
    fields = {k: v for k, v in request.form.items() if k != "token"}
    try:
        with resources().sessions.begin() as session:
            add_change(session, night_date, request.form.get("token", ""), fields,
                       basemap().datum)
    except FormError as exc:
        with resources().sessions() as session:
            page = build_page(session, night_date)
        page.change_errors = {p.field: problem_text(p) for p in exc.problems}
        return render_template("plan.html", page=page), 422
    return redirect(url_for("plan.night", date=night_date.isoformat(), _anchor="adjust"))


@bp.post("/<day>/discard")
@allow(Audience.DISPATCH)
def discard(day: str) -> Response:
    """Forget the changes not planned yet."""
    night_date = night_date_of(day)
    _refuse_while_planning(night_date)
    with resources().sessions.begin() as session:
        discard_changes(session, night_date, request.form.get("token", ""))
    return redirect(url_for("plan.night", date=night_date.isoformat(), _anchor="adjust"))


@bp.post("/<day>/publish")
@allow(Audience.DISPATCH)
def publish_version(day: str) -> Response:
    """Make the chosen version tonight's plan: the teams' links show it."""
    night_date = night_date_of(day)
    _refuse_while_planning(night_date)
    version = request.form.get("version", type=int) or 0
    with resources().sessions.begin() as session:
        publish(session, night_date, request.form.get("token", ""), version)
    return redirect(url_for("plan.night", date=night_date.isoformat(), v=version,
                            _anchor="links"))


def _start(night_date: date, settings: NightSettings | None) -> Response:
    """Queue the search for the workers and show its progress."""
    job_id = start_plan(night_date, settings, request.form.get("token", ""))
    return redirect(url_for("plan.night", date=night_date.isoformat(), job=job_id,
                            _anchor="progress"), code=303)


def start_plan(night_date: date, settings: NightSettings | None, token: str) -> str:
    """Queue a plan (new ``settings``) or re-plan (``None``) of the night; the job's id.

    A re-plan searches briefly from the version's routes: longer, the search wanders off
    the routes the teams were given (bench/plan_versions.py). A solution limit (tests set
    one) makes the plan the same however busy the machine is.
    """
    budget = float(current_app.config["PLAN_SECONDS" if settings else "REPLAN_SECONDS"])
    payload = {"night": night_date.isoformat(), "token": token,
               "settings": settings.to_json() if settings else None, "seconds": budget,
               "solution_limit": current_app.config["PLAN_SOLUTION_LIMIT"]}
    return submit_job("plan", payload, budget_s=budget, night=night_date,
                  lock=plan_lock(night_date))


def _refuse_while_planning(night_date: date) -> None:
    with resources().sessions.begin() as session:
        if active_plan(session, night_date) is not None:
            raise ConflictError(BUSY)


def _settings_form(data: MultiDict[str, str] | None = None) -> SettingsForm:
    data = request.form if data is None else data
    return SettingsForm(teams=tuple(data.getlist("teams")), start=data.get("start", ""),
                        end=data.get("end", ""), temperature=data.get("temperature", ""),
                        break_minutes=data.get("break_minutes", "30"))


def night_date_of(text: str | None) -> date:
    """The night a URL names (``YYYY-MM-DD``; none: tonight in the city's time zone)."""
    with resources().sessions() as session:
        return parse_day(text, get_city(session).timezone)
