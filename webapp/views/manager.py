"""Pages for managers: were hotspots checked as the cold required, and are shelters near?"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from dispatch.caselog import case_log
from dispatch.cold import load_levels
from dispatch.coverage import (
    Filters,
    coverage,
    hotspot_categories,
    hotspot_districts,
    nights_between,
)
from dispatch.errors import FieldErrors, ValidationError
from dispatch.figures import NightFigures, campaign_figures
from dispatch.outcomes import people_found
from dispatch.shelter_reach import DEFAULT_MINUTES, ShelterReach, shelter_reach
from maps.coverage import build_coverage_map
from maps.render import map_parts
from maps.shelter_reach import build_reach_map, reach_geojson
from webapp.access import Audience, allow
from webapp.figure_files import (
    FORMATS,
    figures_chart,
    figures_file,
    figures_table,
    table_csv,
    table_xlsx,
)
from webapp.resources import resources
from webapp.views.pages import map_options

bp = Blueprint("manager", __name__)


@bp.get("/coverage")
@allow(Audience.READ)
def coverage_page() -> str:
    """Each hotspot coloured by checks done against required, and where people were found."""
    first, last, filters = _coverage_query()
    res = resources()
    with res.sessions() as session:
        levels = load_levels(res.workspace.root)
        nights = nights_between(session, first, last, levels)
        items = coverage(session, nights, filters)
        found = people_found(session, nights, filters)
        categories = hotspot_categories(session)
        districts = hotspot_districts(session)
    parts = map_parts(build_coverage_map(items, found, **map_options()))
    counts = {status: sum(1 for c in items if c.status == status)
              for status in ("met", "short", "never")}
    return render_template("coverage.html", map=parts, items=items, found=found, nights=nights,
                           counts=counts, first=first, last=last, filters=filters,
                           categories=categories, districts=districts)


@bp.get("/figures")
@allow(Audience.READ)
def figures_page() -> str:
    """The campaign's figures per night and in total, with a chart and downloads."""
    first, last, _ = _coverage_query()
    rows, total = _figures(first, last)
    return render_template("figures.html", rows=rows, total=total, first=first, last=last,
                           table=figures_table(rows, total), chart=figures_chart(rows))


@bp.get("/figures.<any(csv, xlsx, pdf):ext>")
@allow(Audience.READ)
def figures_download(ext: str) -> Response:
    """The same table as CSV, Excel or a one-page PDF summary."""
    first, last, _ = _coverage_query()
    rows, total = _figures(first, last)
    title = f"寒夜巡查 Cold-night patrol {first} – {last}"
    body = figures_file(rows, total, f".{ext}", title=title)
    response = Response(body, mimetype=FORMATS[f".{ext}"])
    response.headers["Content-Disposition"] = f'attachment; filename="figures-{first}-{last}.{ext}"'
    return response


@bp.get("/cases.<any(csv, xlsx):ext>")
@allow(Audience.READ)
def case_log_download(ext: str) -> Response:
    """Every report of the range, one row each; phone numbers only for an administrator."""
    first, last, _ = _coverage_query()
    personal = request.args.get("personal") == "1"
    if personal and not Audience.ADMIN.admits(current_user.role):
        abort(403, "只有管理员可以导出含电话的记录 Only an administrator may export the "
                   "reporters' phone numbers; ask one, or export without them")
    with resources().sessions() as session:
        table = case_log(session, first, last, personal=personal)
    title = f"寒夜巡查 求助记录 Case log {first} – {last}"
    body = (table_csv(table) if ext == "csv"
            else table_xlsx(table, title, sheet_name="cases", total_row=False))
    response = Response(body, mimetype=FORMATS[f".{ext}"])
    kind = "cases-personal" if personal else "cases"
    response.headers["Content-Disposition"] = f'attachment; filename="{kind}-{first}-{last}.{ext}"'
    return response


def _figures(first: date, last: date) -> tuple[list[NightFigures], NightFigures]:
    res = resources()
    with res.sessions() as session:
        nights = nights_between(session, first, last, load_levels(res.workspace.root))
        return campaign_figures(session, nights)


@bp.get("/coverage/shelters")
@allow(Audience.READ)
def shelters() -> str:
    """Walking bands around each shelter, at-risk hotspots beyond them, suggested sites."""
    settings = _settings()
    found = _reach(settings)
    parts = map_parts(build_reach_map(found, **map_options()))
    return render_template("shelter_reach.html", reach=found, map=parts, settings=settings)


@bp.get("/api/shelter-reach.geojson")
@allow(Audience.READ)
def shelters_geojson() -> dict[str, Any]:
    """The same answer as GeoJSON (walk_area, outside, suggested_site features)."""
    return reach_geojson(_reach(_settings()))


def _reach(settings: dict[str, Any]) -> ShelterReach:
    res = resources()
    with res.sessions() as session:
        return shelter_reach(session, res.walk_network, **settings)


def _coverage_query() -> tuple[date, date, Filters]:
    """Dates and filters from the query; by default the latest night with a plan."""
    args = request.args
    fields: dict[str, str] = {}
    dates = {}
    for name in ("from", "to"):
        text = args.get(name, "").strip()
        try:
            dates[name] = date.fromisoformat(text) if text else None
        except ValueError:
            fields[name] = f"{text!r} is not a date: give YYYY-MM-DD 日期格式为 YYYY-MM-DD"
    if fields:
        raise FieldErrors(fields)
    last = dates["to"] or _latest_night() or date.today()
    first = dates["from"] or last
    if first > last:
        raise FieldErrors({"from": "the range starts after it ends: swap the dates "
                                   "开始日期晚于结束日期"})
    filters = Filters(category=args.get("category") or None,
                      district=args.get("district") or None, team=args.get("team") or None,
                      cold_only=args.get("cold_only") == "1")
    return first, last, filters


def _latest_night() -> date | None:
    plan = resources().latest_plan()
    return plan.date if plan is not None else None


def _settings() -> dict[str, Any]:
    """The query's settings, or a 400 naming the field that is not a number."""
    args = request.args
    try:
        minutes = [float(p) for p in args.get("minutes", "").split(",") if p.strip()]
        return {
            "minutes": minutes or list(DEFAULT_MINUTES),
            "within": float(args.get("within", 15)),
            "new_sites": int(args.get("new_sites", 3)),
            "min_risk": int(args.get("min_risk", 3)),
        }
    except ValueError as exc:
        raise ValidationError(
            "设置须为数字 settings must be numbers: minutes like 10,15,20, within in minutes, "
            "new_sites and min_risk whole numbers") from exc
