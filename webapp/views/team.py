"""A patrol team's own route, for the phone it carries at night, opened by its night's link."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template
from werkzeug.wrappers import Response

from dispatch.nightplan import NightPlan, TeamRoute
from maps.render import map_parts
from maps.team_route import build_team_route_map
from webapp.resources import resources
from webapp.teamlinks import team_link_url
from webapp.tokens import TeamPass, TokenExpired, TokenRefused, read_team_token
from webapp.views.pages import current_plan, map_options

bp = Blueprint("team", __name__)


@bp.get("/t/<token>")
def phone(token: str) -> str:
    """The route of the token's team on the token's night, and nothing else."""
    plan, route = team_route_for(token)
    parts = map_parts(build_team_route_map(plan, route.team_id, **map_options()))
    shelters = {s.id: s for s in plan.shelters}
    return render_template("team.html", plan=plan, route=route, map=parts, shelters=shelters)


@bp.get("/teams/<team_id>")
def route(team_id: str) -> Response:
    """The dispatcher's preview: the same page the team gets, through tonight's link."""
    plan = current_plan()
    try:
        plan.route(team_id)
    except KeyError as exc:
        abort(404, description=f"没有这个队伍 No such team tonight: {exc.args[0]}")
    return redirect(team_link_url(plan, team_id))


def team_route_for(token: str) -> tuple[NightPlan, TeamRoute]:
    """The plan and route a token opens; 403/410 when it is not for tonight's plan."""
    team_pass = read_team_token(token)
    plan = resources().published_plan(team_pass.night) or current_plan()
    check_night(team_pass, plan)
    try:
        return plan, plan.route(team_pass.team_id)
    except KeyError:
        raise TokenRefused(description=f"队伍 {team_pass.team_id} 不在今晚的计划中 Team "
                                       f"{team_pass.team_id} is not on tonight's plan: ask "
                                       "the dispatcher for your team's link") from None


def check_night(team_pass: TeamPass, plan: NightPlan) -> None:
    """A link of an earlier night is over (410); one of a night not planned yet is a 404."""
    if team_pass.night < plan.date:
        raise TokenExpired(description=f"链接已过期 This link was for the night of "
                                       f"{team_pass.night}; tonight is {plan.date}: ask the "
                                       "dispatcher for tonight's link")
    if team_pass.night > plan.date:
        abort(404, description=f"还没有 {team_pass.night} 的计划 The night of "
                               f"{team_pass.night} is not planned yet; try again later")
