"""Pages made from saved versions of a night: two versions side by side, a team's print sheet."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from dispatch.nightplan import NightPlan
from dispatch.planfigures import compare_figures, plan_figures
from dispatch.versions import get_version
from maps.render import map_parts
from maps.team_route import build_team_route_map
from webapp.access import Audience, allow
from webapp.i18n import translate
from webapp.resources import resources
from webapp.views.pages import drawn_plan, map_options
from webapp.views.plan import night_date_of

bp = Blueprint("plansheets", __name__, url_prefix="/plan")


@bp.get("/<day>/compare")
@allow(Audience.DISPATCH)
def compare(day: str) -> str:
    """Versions ``?a=`` and ``?b=`` side by side: checks covered, team-hours, km, left out."""
    night_date = night_date_of(day)
    numbers = (request.args.get("a", type=int) or 0, request.args.get("b", type=int) or 0)
    with resources().sessions() as session:
        rows = [get_version(session, night_date, n) for n in numbers]
    plans = [NightPlan.from_document(r.document) for r in rows]
    figures = [plan_figures(p) for p in plans]
    left = [{(d.hotspot_id, d.check): d for d in p.dropped} for p in plans]
    return render_template("plan_compare.html", day=night_date, rows=rows, plans=plans,
                           figures=figures, changes=compare_figures(*figures),
                           only_a=sorted(set(left[0]) - set(left[1])),
                           only_b=sorted(set(left[1]) - set(left[0])))


@bp.get("/<day>/v<int:version>/print/<team_id>")
@allow(Audience.DISPATCH)
def print_sheet(day: str, version: int, team_id: str) -> str:
    """One team's route on one printed page: map, ordered stops, times, hotlines."""
    night_date = night_date_of(day)
    with resources().sessions() as session:
        plan = NightPlan.from_document(get_version(session, night_date, version).document)
    try:
        route = plan.route(team_id)
    except KeyError:
        abort(404, description=translate("No team {team} in this version.", team=team_id))
    parts = map_parts(build_team_route_map(drawn_plan(plan), team_id,
                                           **map_options()))  # type: ignore[arg-type]
    hotlines = current_app.config.get("HOTLINES") or ""
    return render_template("print_sheet.html", plan=plan, route=route, map=parts,
                           version=version, hotlines=[h.strip() for h in hotlines.split(";")
                                                      if h.strip()],
                           shelters={s.id: s for s in plan.shelters})
