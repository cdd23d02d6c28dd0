"""A patrol team's own route, for the phone it carries at night, opened by its night's link.

The page lists the stops and draws the map with its own small script from one
JSON document (:func:`maps.team_route.team_route_data`) under a versioned URL, so
a phone downloads the route once per plan; a service worker (``/t/sw.js``) keeps
page, scripts and data for the times there is no signal.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from dispatch.checkins import ACTIONS, FOUND_CATEGORIES, OUTCOMES, done_visits, night_checkins
from dispatch.linkissues import link_generation, reissue_link
from dispatch.nightplan import NightPlan, TeamRoute
from dispatch.reports import OUTCOMES as REPORT_OUTCOMES
from dispatch.reports import STATUSES as REPORT_STATUSES
from dispatch.reports import night_reports
from maps.export import route_gpx
from maps.team_route import team_route_data
from webapp.access import Audience, allow
from webapp.limits import attempts
from webapp.resources import resources
from webapp.teamlinks import team_link_url
from webapp.teamstops import stop_rows
from webapp.tokens import TeamPass, TokenExpired, TokenRefused, read_team_token
from webapp.views.assets import YEAR_S, asset_url
from webapp.views.pages import basemap, current_plan, datum_roads

bp = Blueprint("team", __name__)

#: Changes whenever the route document's form changes, so phones fetch it anew.
DATA_FORMAT = "1"
#: Route documents kept ready: a few plans' worth of teams.
ROUTE_JSON_KEPT = 64


@bp.get("/t/<token>")
@allow(Audience.TEAM)
def phone(token: str) -> Response:
    """The route of the token's team on the token's night, and nothing else."""
    plan, route = team_route_for(token)
    with resources().sessions() as session:
        mine = night_checkins(session, plan.date, route.team_id)
        calls = {r.reference: r.status for r in night_reports(session, plan.date)}
    page = render_template(
        "team.html", plan=plan, route=route, token=token, report_outcomes=REPORT_OUTCOMES,
        report_statuses=REPORT_STATUSES,
        rows=stop_rows(plan, route, done_visits(mine), calls), found_categories=FOUND_CATEGORIES,
        actions=ACTIONS, config=_page_config(plan, route, token),
        preview=read_team_token(token).view_only)
    response = make_response(page)
    # The page always asks the server first (a re-plan shows at once), but an unchanged
    # page is a 304 of a few bytes.
    response.cache_control.no_cache = True
    response.cache_control.private = True
    response.add_etag()
    return response


@bp.get("/t/<token>/route.json")
@allow(Audience.TEAM)
def route_data(token: str) -> Response:
    """The team's map as one document; under its current version, cached for a year."""
    plan, route = team_route_for(token)
    version = data_version(plan, route)
    response = current_app.response_class(_route_json(plan, route, version),
                                          mimetype="application/json")
    if request.args.get("v") == version:
        response.cache_control.private = True
        response.cache_control.max_age = YEAR_S
        response.cache_control.immutable = True
    return response


@bp.get("/t/<token>/route.gpx")
@allow(Audience.TEAM)
def route_file(token: str) -> Response:
    """The route as GPX, for another navigation app."""
    plan, route = team_route_for(token)
    response = make_response(route_gpx(plan, route.team_id))
    response.mimetype = "application/gpx+xml"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="route-{route.team_id}-{plan.date}.gpx"')
    return response


@bp.get("/t/sw.js")
@allow(Audience.PUBLIC)
def service_worker() -> Response:
    """The service worker, served at /t/ so its scope covers every team page."""
    response = send_from_directory(current_app.static_folder or "", "sw.js", max_age=0)
    response.cache_control.no_cache = True
    return response


@bp.post("/teams/<team_id>/reissue")
@allow(Audience.DISPATCH)
def reissue(team_id: str) -> BaseResponse:
    """End the team's link of the night and make a new one (a lost or forwarded phone)."""
    plan = current_plan()
    try:
        plan.route(team_id)
    except KeyError as exc:
        abort(404, description=f"没有这个队伍 No such team tonight: {exc.args[0]}")
    with resources().sessions.begin() as session:
        reissue_link(session, plan.date, team_id, by=current_user.name)
    return redirect(url_for("dispatcher.overview", date=plan.date.isoformat(),
                            _anchor=f"link-{team_id}"))


@bp.get("/teams/<team_id>")
@allow(Audience.READ)
def route(team_id: str) -> BaseResponse:
    """Staff's preview: the page the team gets, through a link that only shows (what a
    team records is the team's; staff act from the board, under their own name)."""
    plan = current_plan()
    try:
        plan.route(team_id)
    except KeyError as exc:
        abort(404, description=f"没有这个队伍 No such team tonight: {exc.args[0]}")
    return redirect(team_link_url(plan, team_id, view_only=True))


def _page_config(plan: NightPlan, route: TeamRoute, token: str) -> dict[str, object]:
    """What the page's script needs: where the data is, where check-ins go, what to cache."""
    data_url = url_for("team.route_data", token=token, v=data_version(plan, route))
    return {
        "team": route.team_id, "night": plan.date.isoformat(), "dataUrl": data_url,
        "checkinUrl": url_for("teamapi.add_checkin", token=token),
        "serviceWorker": url_for("team.service_worker"),
        "cache": [request.path, data_url] + [asset_url(kind, name) for kind, name in (
            ("leaflet", "leaflet.js"), ("leaflet", "leaflet.css"), ("static", "team.js"),
            ("static", "team.css"))],
        "outcomes": OUTCOMES,
    }


def _route_json(plan: NightPlan, route: TeamRoute, version: str) -> bytes:
    """The route document as JSON, made once per version (the last few are kept)."""
    made: dict[str, bytes] = current_app.extensions.setdefault("patrol-route-json", {})
    if version not in made:
        document = team_route_data(plan, route.team_id, basemap=basemap(),
                                   roads=datum_roads(basemap()))
        if len(made) >= ROUTE_JSON_KEPT:
            made.pop(next(iter(made)))
        made[version] = json.dumps(document, ensure_ascii=False,
                                   separators=(",", ":")).encode()
    return made[version]


def data_version(plan: NightPlan, route: TeamRoute) -> str:
    """Names one plan's route document for one team and basemap."""
    key = f"{DATA_FORMAT}|{plan.created_at.isoformat()}|{route.team_id}|{basemap()!r}"
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def team_writer_for(token: str) -> tuple[NightPlan, TeamRoute]:
    """As :func:`team_route_for`, for what records in the team's name: a preview link is
    refused (403)."""
    team_pass = read_team_token(token)
    if team_pass.view_only:
        raise TokenRefused(description="预览链接只能查看 A preview link only shows the route: "
                                       "check-ins and report steps come from the team's own "
                                       "link")
    wait = attempts("team").hit(f"{team_pass.team_id}:{team_pass.night}")
    if wait:
        abort(429, description=f"发送太频繁，{int(wait) + 1} 秒后自动重发 Too many sends from "
                               f"this link; the phone sends again in {int(wait) + 1} s")
    return team_route_for(token)


def team_route_for(token: str) -> tuple[NightPlan, TeamRoute]:
    """The plan and route a token opens; 403/410 when it is not for tonight's plan."""
    team_pass = read_team_token(token)
    with resources().sessions() as session:
        current = link_generation(session, team_pass.night, team_pass.team_id)
    if team_pass.generation != current and not team_pass.view_only:
        raise TokenRefused(description="链接已更换 This link was replaced by a new one: ask the "
                                       "dispatcher for your team's new link or QR code")
    plan = resources().night_plan(team_pass.night)
    if plan is None:
        check_night(team_pass, resources().tonight())
        abort(404, description=f"还没有 {team_pass.night} 的计划 The night of "
                               f"{team_pass.night} is not planned yet; try again later")
    try:
        return plan, plan.route(team_pass.team_id)
    except KeyError:
        raise TokenRefused(description=f"队伍 {team_pass.team_id} 不在今晚的计划中 Team "
                                       f"{team_pass.team_id} is not on tonight's plan: ask "
                                       "the dispatcher for your team's link") from None


def check_night(team_pass: TeamPass, tonight: date) -> None:
    """A link of an earlier night with no plan is over (410)."""
    if team_pass.night < tonight:
        raise TokenExpired(description=f"链接已过期 This link was for the night of "
                                       f"{team_pass.night}; tonight is {tonight}: ask the "
                                       "dispatcher for tonight's link")
