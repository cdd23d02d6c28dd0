"""A demo city whose every user-typed text is hostile markup, planned for tonight.

Hotspot names and districts, shelter and base names, the teams on duty, a roster
team, two reports (place, what was seen, contact) and a check-in's reason all hold
one of :data:`HOSTILE`. Reports refuse markup when they come in
(:func:`dispatch.reports.parse_report`); these are stored without that check, as
rows written before it or by another tool would be: what is shown must be safe
whatever is stored.
"""

from __future__ import annotations

import dataclasses
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import select

from dispatch.categories import load_categories
from dispatch.models import Hotspot, Shelter, TeamBase
from dispatch.night import NightOptions
from dispatch.nightplan import NightPlan
from dispatch.planning import load_networks, plan_night, prepare_night, save_plan
from dispatch.reports import ReportForm, create_report
from dispatch.roster import TeamForm, save_team
from dispatch.store import open_engine, session_factory
from dispatch.workspace import Workspace
from routes.solve import SolveParams
from webapp import create_app
from webapp.teamlinks import team_link_url

#: Markup that runs code if it is ever pasted into a page as HTML (each calls alert).
HOSTILE = ("<img src=x onerror=alert(1)>", "</script><script>alert(2)</script>",
           "\"'><svg onload=alert(3)>")
#: Pages anyone may open (no account), and pages only an administrator may.
PUBLIC_PAGES = {"phone", "report", "status", "login"}
ADMIN_PAGES = {"users"}


@dataclass(frozen=True)
class HostileCity:
    """The app on the hostile city and the addresses of its pages."""

    app: Flask
    plan: NightPlan
    team_link: str
    reports: tuple[str, ...]
    versions: tuple[int, int]
    roster_team: int

    def pages(self) -> dict[str, str]:
        """Every page of the app by name: staff pages, a team's page, public pages."""
        day, (first, second) = self.plan.date.isoformat(), self.versions
        return {
            "overview": "/", "plan": f"/plan/?date={day}", "roster": "/roster/",
            "hotspots": "/hotspots", "import": "/hotspots/import", "dispatch": "/dispatch",
            "coverage": "/coverage", "shelters": "/coverage/shelters", "figures": "/figures",
            "team": "/teams/T1", "phone": self.team_link, "report": "/report",
            "status": f"/report/{self.reports[0]}",
            "print": f"/plan/{day}/v{second}/print/T1",
            "compare": f"/plan/{day}/compare?a={first}&b={second}",
            "roster team": f"/roster/{self.roster_team}", "users": "/users",
            "password": "/account/password", "login": "/login",
        }


def role_for(page: str) -> str | None:
    """The role a test signs in as to open ``page`` (None: no account)."""
    if page in PUBLIC_PAGES:
        return None
    return "admin" if page in ADMIN_PAGES else "dispatcher"


def hostile(i: int) -> str:
    """The ``i``-th hostile text (they take turns)."""
    return HOSTILE[i % len(HOSTILE)]


def build_hostile_city(source: Workspace, root: Path,
                       make_app: Callable[[dict[str, Any]], Flask] = create_app,
                       **config: object) -> HostileCity:
    """Copy ``source`` to ``root``, make its texts hostile, plan tonight twice, add reports,
    a roster team and a check-in; ``make_app`` makes the app on ``root``."""
    shutil.copytree(source.root, root)
    workspace = Workspace(root)
    engine = open_engine(workspace.database_url)
    try:
        with session_factory(engine).begin() as session:
            _rename_places(session)
            roster_team = save_team(session, TeamForm(
                name=hostile(0), agency="civil_affairs", size="2", on_foot=True,
                base_id=str(session.scalars(select(TeamBase.id)).first()))).id
            night = prepare_night(session, NightOptions(teams=2, on_foot=1))
            teams = tuple(dataclasses.replace(t, name=f"{hostile(i)} {t.id}")
                          for i, t in enumerate(night.teams))
            night = dataclasses.replace(night, teams=teams)
            networks = load_networks(workspace, {t.mode for t in teams})
            plan = plan_night(session, night, networks, load_categories(root),
                              SolveParams(time_limit_s=60, solution_limit=20))
            versions = (save_plan(session, plan).version, save_plan(session, plan).version)
            reports = tuple(_report(session, plan, i) for i in range(2))
    finally:
        engine.dispose()
    app = make_app({"TESTING": True, "DATA_DIR": str(root), **config})
    with app.test_request_context():
        link = urlsplit(team_link_url(plan, "T1")).path
    _check_in(app, plan, link)
    return HostileCity(app, plan, link, reports, versions, roster_team)


def _rename_places(session) -> None:  # type: ignore[no-untyped-def]
    for i, hotspot in enumerate(session.scalars(select(Hotspot).order_by(Hotspot.id))):
        hotspot.name = f"{hostile(i)} {i}"
        hotspot.district = hostile(i + 1)
    for i, place in enumerate([*session.scalars(select(Shelter).order_by(Shelter.id)),
                               *session.scalars(select(TeamBase).order_by(TeamBase.id))]):
        place.name = f"{hostile(i + 2)} {i}"


def _report(session, plan: NightPlan, i: int) -> str:  # type: ignore[no-untyped-def]
    place = plan.hotspots[plan.routes[0].visits[0].hotspot_id]
    lon, lat = place.access if place.access is not None else place.geometry.coords[0]
    form = ReportForm(lon + 0.0003 * (i + 1), lat, place=hostile(i), seen=hostile(i + 1),
                      people=1, categories=("elderly",), not_moving=True,
                      contact=hostile(i + 2)[:40], source="public")
    row = create_report(session, form, night=plan.date, now=plan.shift_start,
                        temperature=None, by="public")
    return row.reference


def _check_in(app: Flask, plan: NightPlan, link: str) -> None:
    """T1 could not check its first stop, for a hostile reason (through the team API)."""
    visit = plan.route("T1").visits[0]
    answer = app.test_client().post(
        f"/api/t/{link.rsplit('/', 1)[1]}/checkins",
        json={"id": str(uuid.uuid4()), "visit": visit.key, "outcome": "could_not_check",
              "reason": HOSTILE[1], "recorded_at": datetime.now(UTC).isoformat()})
    assert answer.status_code in (200, 201), answer.get_json()
