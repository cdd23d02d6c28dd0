"""A patrol team's own route, for the phone it carries at night."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from maps.render import map_parts
from maps.team_route import build_team_route_map
from webapp.views.pages import current_plan, map_options

bp = Blueprint("team", __name__, url_prefix="/teams")


@bp.get("/<team_id>")
def route(team_id: str) -> str:
    """Numbered stops in order with arrival times, and the route on a map."""
    plan = current_plan()
    try:
        team_route = plan.route(team_id)
    except KeyError as exc:
        abort(404, description=f"没有这个队伍 No such team tonight: {exc.args[0]}")
    parts = map_parts(build_team_route_map(plan, team_id, **map_options()))
    shelters = {s.id: s for s in plan.shelters}
    return render_template("team.html", plan=plan, route=team_route, map=parts,
                           shelters=shelters)
