"""The public report page and API: anyone may report a person in the cold, no account needed.

``POST /api/reports`` (and the page's form) is limited per client address
(``PATROL_REPORT_RATE``, e.g. ``5/600``); the status a reporter sees names no one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from dispatch.checkins import FOUND_CATEGORIES
from dispatch.chinacoords import point_from_wgs84
from dispatch.errors import FieldErrors, NotFoundError
from dispatch.models import Report
from dispatch.reports import create_report, current_night, get_report, parse_report, public_status
from dispatch.store import get_city
from maps.basemap import Basemap
from webapp.access import Audience, allow
from webapp.filters import city_hm
from webapp.limits import attempts
from webapp.resources import resources
from webapp.views.pages import basemap

bp = Blueprint("public", __name__)


@bp.get("/report")
@allow(Audience.PUBLIC)
def report_page() -> str:
    """The phone form: GPS, a tap on the map, or a typed place."""
    return _form_page({}, {})


@bp.post("/report")
@allow(Audience.PUBLIC)
def submit_form() -> Response | tuple[str, int]:
    """The form sent without script: the status page, or the form again with each fault."""
    _check_rate()
    data: dict[str, Any] = request.form.to_dict()
    data["categories"] = request.form.getlist("categories")
    try:
        row = submit(data, source="public")
    except FieldErrors as exc:
        return _form_page(data, exc.fields), 400
    return redirect(url_for("public.status_page", reference=row.reference), code=303)


@bp.post("/api/reports")
@allow(Audience.PUBLIC)
def submit_json() -> tuple[dict[str, Any], int]:
    """201 with the reference and the status address, or 400 naming each bad field."""
    _check_rate()
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description="发送 JSON 对象 Send the report as a JSON object "
                               "(Content-Type: application/json)")
    row = submit(data, source="public")
    return {"reference": row.reference, "status": row.status,
            "status_url": url_for("public.status_page", reference=row.reference)}, 201


@bp.get("/api/reports/<reference>")
@allow(Audience.PUBLIC)
def status_json(reference: str) -> dict[str, Any]:
    """The report's steps and their times; nothing personal."""
    return public_status(_report(reference))


@bp.get("/report/<reference>")
@allow(Audience.PUBLIC)
def status_page(reference: str) -> str:
    """What became of a report, for the person who made it (refreshes itself)."""
    status = public_status(_report(reference))
    with resources().sessions() as session:
        zone = get_city(session).timezone
    for step in status["steps"]:
        step["clock"] = city_hm(datetime.fromisoformat(step["at"]), zone)
    return render_template("report_status.html", status=status)


def submit(data: dict[str, Any], *, source: str | None, by: str = "public") -> Report:
    """Check and keep one report for tonight (all or nothing)."""
    now = datetime.now(UTC)
    plan = resources().latest_plan()
    with resources().sessions.begin() as session:
        city = get_city(session)
        form = parse_report(data, city=city, session=session, source=source)
        night = current_night(session, city.timezone, now)
        temperature = plan.temperature if plan is not None and plan.date == night else None
        row = create_report(session, form, night=night, now=now, temperature=temperature, by=by)
        session.expunge(row)
    return row


def _report(reference: str) -> Report:
    with resources().sessions() as session:
        try:
            row = get_report(session, reference)
        except NotFoundError as exc:
            abort(404, description=str(exc))
        session.expunge(row)
    return row


def _form_page(values: dict[str, Any], fields: dict[str, str]) -> str:
    return render_template("report.html", values=values, fields=fields,
                           map_config=small_map_config(), categories=FOUND_CATEGORIES)


def small_map_config() -> dict[str, Any]:
    """A small map's ground: the basemap's tiles (if any), the city's box, and the hotspots
    as landmarks, every point in the basemap's datum (a tap is in that datum too)."""
    chosen = basemap()
    with resources().sessions() as session:
        city = get_city(session)
    corners = [drawn(city.west, city.south, chosen), drawn(city.east, city.north, chosen)]
    plan = resources().latest_plan()
    landmarks = [] if plan is None else [
        [*drawn(*p.access, chosen), p.name] for p in plan.hotspots.values()
        if p.access is not None]
    return {"box": corners, "datum": chosen.datum, "landmarks": landmarks,
            "tiles": [{"url": t.url, "attribution": t.attribution, "subdomains": t.subdomains}
                      for t in chosen.layers]}


def drawn(lon: float, lat: float, chosen: Basemap) -> list[float]:
    """[lat, lon] of a WGS-84 point on ``chosen``'s map, as Leaflet takes it."""
    x, y = point_from_wgs84(lon, lat, chosen.datum)
    return [round(y, 6), round(x, 6)]


def _check_rate() -> None:
    """429 once a client address has sent its share of reports for now."""
    wait = attempts("report").hit(request.remote_addr or "unknown")
    if wait:
        abort(429, description=f"报告太频繁 Too many reports from this address: try again in "
                               f"{int(wait // 60) + 1} min, or call the hotline")
