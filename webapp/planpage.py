"""What the /plan page shows for a night, gathered in one place so the views stay thin."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import abort, current_app
from shapely.geometry import mapping, shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.chinacoords import geometry_from_wgs84
from dispatch.cold import load_levels
from dispatch.errors import FieldProblem
from dispatch.forecast import forecast_low
from dispatch.jobs.records import JobStatus, active_plan
from dispatch.models import SavedPlan
from dispatch.night import shift_bounds, tonight
from dispatch.nightplan import NightPlan
from dispatch.nightsettings import ColdPreview, SettingsForm, cold_preview, parse_temperature
from dispatch.pins import Wanted, pin_held
from dispatch.planfigures import FigureChange, PlanFigures, compare_figures, plan_figures
from dispatch.roster import list_teams
from dispatch.store import get_city
from dispatch.versions import latest_version, night_versions, state_token, wanted_of
from maps.render import MapParts
from webapp.i18n import translate
from webapp.jobs import find_job, job_document
from webapp.resources import resources
from webapp.teamlinks import TeamLink, team_links
from webapp.views.pages import basemap, overview_parts

FORECAST_TTL_S = 600
#: The nights a URL may name: a date far off overflows the shift's arithmetic.
FIRST_NIGHT, LAST_NIGHT = date(2000, 1, 1), date(2099, 12, 31)


@dataclass
class VersionView:
    """One version of the night as the page shows it."""

    row: SavedPlan
    plan: NightPlan
    figures: PlanFigures
    cost: tuple[FigureChange, ...] = ()
    pins: list[tuple[dict[str, Any], bool]] = field(default_factory=list)


@dataclass
class PlanPage:
    """Everything the plan page template reads."""

    day: date
    city: str
    timezone: str
    token: str
    roster: list[Any]
    form: SettingsForm
    versions: list[SavedPlan]
    errors: dict[str, str] = field(default_factory=dict)
    change_errors: dict[str, str] = field(default_factory=dict)
    preview: ColdPreview | None = None
    forecast: float | None = None
    shown: VersionView | None = None
    wanted: Wanted = field(default_factory=Wanted)
    pending: list[dict[str, Any]] = field(default_factory=list)
    links: list[TeamLink] = field(default_factory=list)
    published: int | None = None
    map: MapParts | None = None
    map_name: str = ""
    job: dict[str, Any] | None = None
    #: The shown version's closed roads, in the basemap's datum, for the map's script.
    closures: list[dict[str, Any]] = field(default_factory=list)
    #: The settings form is open before the first plan, or when asked for or refused.
    settings_open: bool = True


def build_page(session: Session, day: date, *, version: int | None = None,
               form: SettingsForm | None = None, job_id: str | None = None) -> PlanPage:
    """The page of ``day``: its settings form, its versions and the one asked for."""
    city = get_city(session)
    versions = night_versions(session, day)
    latest = latest_version(session, day)
    page = PlanPage(day=day, city=city.name, timezone=city.timezone, token=state_token(latest),
                    roster=list_teams(session), form=form or _last_settings(session, latest),
                    versions=versions, wanted=wanted_of(latest),
                    pending=list(latest.pending or []) if latest else [])
    page.settings_open = form is not None or latest is None
    page.preview = _preview(session, day, page.form)
    page.forecast = _forecast(city, day, page.form)
    chosen = next((r for r in versions if r.version == version), latest)
    if chosen is not None:
        page.shown = version_view(chosen, {r.id: r for r in versions})
        page.map, page.map_name = _overview(page.shown.plan)
        page.closures = [{"label": c.get("label", ""), "geometry": mapping(geometry_from_wgs84(
            shape(c["geometry"]), basemap().datum))} for c in chosen.closures or []]
    published = next((r for r in versions if r.status == "published"), None)
    if published is not None:
        page.published = published.version
        page.links = team_links(NightPlan.from_document(published.document))
    job = (find_job(job_id) if job_id else None) or _active_plan(session, day)
    # A job asked for by id shows its box even if it ended while this page was built
    # (the box's script then opens the version it made).
    if job is not None and job.night == day and (job.state != "done" or job.id == job_id):
        page.job = job_document(job)
    return page


def _active_plan(session: Session, day: date) -> JobStatus | None:
    found = active_plan(session, day)
    session.commit()  # a lost job ended on the way is kept ended
    return found


def version_view(row: SavedPlan, rows: dict[int, SavedPlan]) -> VersionView:
    """A version's plan, figures, what its changes cost against its parent, and its pins."""
    plan = NightPlan.from_document(row.document)
    figures = plan_figures(plan)
    parent = rows.get(row.parent_id) if row.parent_id is not None else None
    cost = compare_figures(plan_figures(NightPlan.from_document(parent.document)), figures) \
        if parent is not None else ()
    return VersionView(row, plan, figures, cost, [(p, pin_held(plan, p)) for p in row.pins])


def _overview(plan: NightPlan) -> tuple[MapParts, str]:
    return overview_parts(plan)


def _last_settings(session: Session, latest: SavedPlan | None) -> SettingsForm:
    """This night's settings, else the last night's (the same teams are usually on duty)."""
    row = latest if latest is not None and latest.settings else session.scalars(
        select(SavedPlan).where(SavedPlan.settings.is_not(None))
        .order_by(SavedPlan.id.desc())).first()
    if row is None or not row.settings:
        return SettingsForm()
    saved = row.settings
    return SettingsForm(tuple(map(str, saved["teams"])), saved["start"], saved["end"],
                        f"{saved['temperature']:g}", str(saved.get("break_minutes", 30)))


def _preview(session: Session, day: date, form: SettingsForm) -> ColdPreview | None:
    problems: list[FieldProblem] = []
    temperature = parse_temperature(form.temperature, problems) if form.temperature else None
    if temperature is None:
        return None
    try:
        shift_bounds(day, get_city(session).timezone, form.start, form.end)
    except ValueError:
        return None
    return cold_preview(session, day, load_levels(resources().workspace.root), temperature,
                        form.start, form.end)


def _forecast(city: Any, day: date, form: SettingsForm) -> float | None:
    """The service's low for the shift, or ``None`` (no service, unreachable, odd answer)."""
    url = current_app.config.get("FORECAST_URL")
    if not url:
        return None
    try:
        start, end = shift_bounds(day, city.timezone, form.start, form.end)
    except ValueError:
        start, end = shift_bounds(day, city.timezone)
    # Asked once per shift for 10 minutes: every page load must not wait for the service.
    cache = current_app.extensions.setdefault("patrol-forecasts", {})
    key, now = (url, start, end), time.monotonic()
    if key not in cache or now - cache[key][0] > FORECAST_TTL_S:
        cache[key] = (now, forecast_low(url, lon=(city.west + city.east) / 2,
                                        lat=(city.south + city.north) / 2, start=start, end=end))
    found: float | None = cache[key][1]
    return found


def parse_day(text: str | None, timezone: str) -> date:
    """``YYYY-MM-DD`` or, when absent, tonight in the city's time zone."""
    if not text:
        return tonight(timezone)
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        abort(400, description=translate("{value} is not a date; give YYYY-MM-DD, e.g. "
                                         "2025-01-15.", value=repr(text)))
    if not FIRST_NIGHT <= day <= LAST_NIGHT:
        abort(400, description=translate("{value} is not a night this app plans; give a date "
                                         "from {first} to {last}.", value=text,
                                         first=FIRST_NIGHT, last=LAST_NIGHT))
    return day
