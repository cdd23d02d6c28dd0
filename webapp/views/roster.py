"""The roster page: the teams a dispatcher sends out, kept from night to night."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from dispatch.errors import FormError
from dispatch.models import TeamBase
from dispatch.roster import (
    AGENCIES,
    TeamForm,
    form_of,
    get_team,
    list_teams,
    member_list,
    retire_team,
    save_team,
)
from webapp.access import Audience, allow
from webapp.i18n import problem_text
from webapp.resources import resources

bp = Blueprint("roster", __name__, url_prefix="/roster")


@bp.get("/")
@allow(Audience.DISPATCH)
def roster() -> str:
    """Every team, in service first, and a form to add one."""
    return _page(TeamForm(), None, {})


@bp.post("/")
@allow(Audience.DISPATCH)
def add() -> Response | tuple[str, int]:
    """Add a team; a wrong field is shown next to it and nothing is saved."""
    return _save(None)


@bp.get("/<int:team_id>")
@allow(Audience.DISPATCH)
def edit(team_id: int) -> str:
    """One team's form, filled in."""
    with resources().sessions() as session:
        team = get_team(session, team_id)
        return _page(form_of(team), team.id, {})


@bp.post("/<int:team_id>")
@allow(Audience.DISPATCH)
def change(team_id: int) -> Response | tuple[str, int]:
    """Save a team's changes."""
    return _save(team_id)


@bp.post("/<int:team_id>/retire")
@allow(Audience.DISPATCH)
def retire(team_id: int) -> Response:
    """Take a team out of service, or (``restore=1``) back in."""
    with resources().sessions.begin() as session:
        retire_team(session, team_id, retired=request.form.get("restore") != "1")
    return redirect(url_for("roster.roster"))


def _save(team_id: int | None) -> Response | tuple[str, int]:
    form = _read_form()
    try:
        with resources().sessions.begin() as session:
            save_team(session, form, team_id)
    except FormError as exc:
        errors = {p.field: problem_text(p) for p in exc.problems}
        return _page(form, team_id, errors), 422
    return redirect(url_for("roster.roster"))


def _read_form() -> TeamForm:
    data = request.form
    return TeamForm(name=data.get("name", ""), agency=data.get("agency", ""),
                    members=data.get("members", ""), size=data.get("size", ""),
                    vehicle=data.get("vehicle", ""), on_foot=data.get("on_foot") == "1",
                    base_id=data.get("base_id", ""), skills=data.get("skills", ""))


def _page(form: TeamForm, team_id: int | None, errors: dict[str, str]) -> str:
    with resources().sessions() as session:
        teams = list_teams(session, retired=True)
        bases = list(session.scalars(select(TeamBase).order_by(TeamBase.id)))
        return render_template("roster.html", teams=teams, bases=bases, form=form,
                               team_id=team_id, errors=errors, agencies=AGENCIES,
                               member_list=member_list)
