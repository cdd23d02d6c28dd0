"""The dispatcher's overview of tonight: every team's route on one map, links, check-ins."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from dispatch.checkins import ACTIONS, FOUND_CATEGORIES, OUTCOMES, done_visits, night_checkins
from webapp.access import Audience, allow
from webapp.resources import resources
from webapp.teamlinks import team_links
from webapp.views.pages import current_plan, overview_parts

bp = Blueprint("dispatcher", __name__)


@bp.get("/")
@allow(Audience.READ)
def overview() -> str:
    """All routes, what each team does, what was left out, and what teams checked."""
    plan = current_plan()
    parts, _name = overview_parts(plan)
    with resources().sessions() as session:
        checkins = night_checkins(session, plan.date)
    # A team's link is its key: only those who dispatch hand links out.
    links = team_links(plan) if Audience.DISPATCH.admits(current_user.role) else []
    return render_template("overview.html", plan=plan, map=parts, links=links,
                           checkins=checkins, done=done_visits(checkins),
                           labels={**OUTCOMES, **FOUND_CATEGORIES, **ACTIONS})
