"""The dispatcher's overview of tonight: every team's route on one map."""

from __future__ import annotations

from flask import Blueprint, render_template

from maps.overview import build_overview_map
from maps.render import map_parts
from webapp.teamlinks import team_links
from webapp.views.pages import current_plan, map_options

bp = Blueprint("dispatcher", __name__)


@bp.get("/")
def overview() -> str:
    """All routes, what each team does, and what was left out."""
    plan = current_plan()
    parts = map_parts(build_overview_map(plan, **map_options()))
    return render_template("overview.html", plan=plan, map=parts, links=team_links(plan))
