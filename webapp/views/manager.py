"""Pages for managers: were hotspots checked as the cold required, and are shelters near?"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
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
from dispatch.errors import ConflictError, FieldErrors, ValidationError
from dispatch.figures import NightFigures, campaign_figures
from dispatch.jobs import records
from dispatch.jobs.records import JobStatus
from dispatch.outcomes import people_found
from dispatch.shelter_reach import DEFAULT_MINUTES, MAX_BANDS, ShelterReach, check_settings
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
from webapp.jobs import accepted, find_job, job_document, staff_status_url, submit_job
from webapp.resources import resources
from webapp.views.pages import map_options

bp = Blueprint("manager", __name__)

#: How long a shelter-reach answer is shown again for the same settings.
REACH_FRESH = timedelta(minutes=10)
#: What a reach search may take before its worker counts as lost (bands of 60 minutes).
REACH_BUDGET_S = 120.0


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
    """Walking bands around each shelter, at-risk hotspots beyond them, suggested sites.

    The answer is searched by a worker: the page waits for it (and reloads itself), and
    the same question asked again within :data:`REACH_FRESH` is answered at once.
    """
    settings = _settings()
    found, job = _reach(settings)
    parts = map_parts(build_reach_map(found, **map_options())) if found else None
    return render_template("shelter_reach.html", reach=found, map=parts, settings=settings,
                           job=job_document(job) if job is not None else None)


@bp.get("/api/shelter-reach.geojson")
@allow(Audience.READ)
def shelters_geojson() -> tuple[dict[str, Any], int]:
    """The same answer as GeoJSON (walk_area, outside, suggested_site features); 202 with
    the job to poll while a worker is still searching it."""
    found, job = _reach(_settings())
    if found is not None:
        return reach_geojson(found), 200
    assert job is not None
    return accepted(job.id, staff_status_url(job.id))


def _reach(settings: dict[str, Any]) -> tuple[ShelterReach | None, JobStatus | None]:
    """A fresh answer to these settings, else the job searching it (queued now if none is)."""
    key = "reach:" + hashlib.sha1(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:20]
    res = resources()
    with res.sessions.begin() as session:
        done = records.recent_result(session, "reach", key,
                                     datetime.now(UTC) - REACH_FRESH)
        if done is not None and done.result is not None:
            return ShelterReach.from_document(done.result), None
        running = records.by_lock(session, key)
    if running is None:
        try:
            job_id = submit_job("reach", {"settings": settings, "key": key},
                                budget_s=REACH_BUDGET_S, lock=key)
        except ConflictError:  # the same question was asked a moment ago: wait for that one
            job_id = ""
        running = find_job(job_id) if job_id else _by_lock(key)
    if running is None:
        abort(409, description="请重新载入 The answer changed meanwhile: reload the page")
    return None, running


def _by_lock(key: str) -> JobStatus | None:
    with resources().sessions.begin() as session:
        return records.by_lock(session, key)


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
        parts = args.get("minutes", "").split(",")
        if len(parts) > MAX_BANDS:
            raise ValidationError(f"at most {MAX_BANDS} walking times, e.g. 10,15,20 "
                                  f"最多 {MAX_BANDS} 个步行时间")
        minutes = [float(p) for p in parts if p.strip()]
        settings = {
            "minutes": minutes or list(DEFAULT_MINUTES),
            "within": float(args.get("within", 15)),
            "new_sites": int(args.get("new_sites", 3)),
            "min_risk": int(args.get("min_risk", 3)),
        }
    except ValueError as exc:
        raise ValidationError(
            "设置须为数字 settings must be numbers: minutes like 10,15,20, within in minutes, "
            "new_sites and min_risk whole numbers") from exc
    check_settings(**settings)
    settings["minutes"] = sorted({int(m) for m in settings["minutes"]})  # whole minutes
    return settings
