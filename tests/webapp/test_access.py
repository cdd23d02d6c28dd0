"""Every route, asked by every role and by nobody, answers as its declared audience says.

The routes come from the app's own URL map, so a route added without an
audience fails here before it reaches a user.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.routing import Rule

from dispatch.models import Hotspot, RosterTeam, Shelter
from dispatch.planning import latest_plan
from tests.webapp.conftest import ROLES
from webapp.access import Audience, audience_of
from webapp.resources import resources
from webapp.teamlinks import team_link_url

#: What may be used without an account (the issue's list): signing in and out, the public
#: report form and a report's status (its reference is the reporter's key), a team's own
#: token pages, the language switch, and static assets.
OPEN = {
    "auth.login", "auth.sign_in", "auth.sign_out",
    "public.report_page", "public.submit_form", "public.submit_json", "public.status_json",
    "public.status_page",
    "team.phone", "team.route_data", "team.route_file", "team.service_worker",
    "teamapi.add_checkin", "teamapi.list_checkins", "teamapi.job_status", "teamreports.team_step",
    "lang.switch", "static", "assets.leaflet", "assets.geoman", "assets.heat",
}
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
#: Signing in and out answer for themselves (401 for a wrong pair, the sign-in page after
#: signing out): tests/webapp/test_accounts.py.
SIGNING = {"auth.sign_in", "auth.sign_out"}


@pytest.fixture(scope="module")
def walked_app(planned_dir, tmp_path_factory) -> Flask:  # type: ignore[no-untyped-def]
    """A private copy of the planned city (allowed POSTs really run)."""
    import shutil

    from tests.webapp.conftest import make_app

    root = tmp_path_factory.mktemp("access") / "city"
    shutil.copytree(planned_dir, root)
    return make_app({"DATA_DIR": str(root), "PLAN_SOLUTION_LIMIT": 5, "REPORT_RATE": "500/60"})


@pytest.fixture(scope="module")
def values(walked_app: Flask) -> dict[str, Any]:
    """A real value for every URL variable the app's routes take."""
    reporter = walked_app.test_client(role=None)
    with walked_app.app_context(), resources().sessions() as session:
        plan = latest_plan(session)
        assert plan is not None
        hotspot = session.scalars(select(Hotspot.id)).first()
        shelter = session.scalars(select(Shelter.id)).first()
        roster = session.scalars(select(RosterTeam.id)).first()
    with walked_app.test_request_context():
        token = team_link_url(plan, "T1").rsplit("/", 1)[1]
    place = next(iter(plan.hotspots.values())).access
    answer = reporter.post("/api/reports", json={"lon": place[0], "lat": place[1],
                                                 "seen": "someone on a bench", "people": 1})
    assert answer.status_code == 201, answer.get_json()
    return {"day": plan.date.isoformat(), "team_id": "T1", "token": token,
            "reference": answer.get_json()["reference"], "hotspot_id": hotspot,
            "shelter_id": shelter, "version": 1, "job_id": "none", "filename": "leaflet.js",
            "fmt": "geojson", "ext": "csv", "code": "en", "int:team_id": roster or 1,
            # No such account: an administrator's allowed POSTs answer 404 and remove nobody.
            "account_id": 9999}


def _url(app: Flask, rule: Rule, values: dict[str, Any]) -> str:
    args = {}
    for name in rule.arguments:
        converter = type(rule._converters[name]).__name__  # noqa: SLF001 - the rule's own types
        key = f"int:{name}" if converter == "IntegerConverter" and f"int:{name}" in values \
            else name
        args[name] = values[key]
    if rule.endpoint == "team.reissue":  # reissuing T1's link would end the token walked with
        args["team_id"] = "T99"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **args)


def _rules(app: Flask) -> list[tuple[Rule, str]]:
    return [(rule, method) for rule in app.url_map.iter_rules()
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


def test_every_route_declares_its_audience(walked_app: Flask) -> None:
    undeclared = [r.endpoint for r in walked_app.url_map.iter_rules()
                  if audience_of(walked_app, r.endpoint) is None]
    assert undeclared == [], f"routes without @allow(...): {undeclared}"


def test_only_the_listed_routes_are_open(walked_app: Flask) -> None:
    opened = {r.endpoint for r in walked_app.url_map.iter_rules()
              if (audience := audience_of(walked_app, r.endpoint)) is not None and audience.open}
    assert opened == OPEN


def test_every_route_answers_as_its_audience_says(walked_app: Flask,
                                                  values: dict[str, Any]) -> None:
    """Nobody: 401 (API) or the sign-in page; a role outside the audience: 403; inside: served."""
    wrong = []
    for rule, method in _rules(walked_app):
        if rule.endpoint in SIGNING:
            continue
        audience = audience_of(walked_app, rule.endpoint)
        assert audience is not None
        url = _url(walked_app, rule, values)
        for role in (None, *ROLES):
            client = walked_app.test_client(role=role)
            answer = client.open(url, method=method, json={} if method in UNSAFE else None)
            got = answer.status_code
            to_login = got == 302 and answer.headers["Location"].startswith("/login")
            if audience.open or (role is not None and audience.admits(role)):
                ok = got not in (401, 403) and not to_login and got < 500
            elif role is None:
                ok = got == 401 if url.startswith("/api/") else to_login
            else:
                ok = got == 403
            if not ok:
                wrong.append(f"{method} {url} as {role or 'nobody'}: {got} "
                             f"(audience {audience.name})")
    assert wrong == [], "\n".join(wrong)


def test_a_team_token_opens_only_team_pages(walked_app: Flask, values: dict[str, Any]) -> None:
    """A phone with a team's link has no session: staff pages stay closed to it."""
    phone = walked_app.test_client(role=None)
    assert phone.get(f"/t/{values['token']}").status_code == 200
    assert phone.get("/api/plan").status_code == 401
    assert phone.get("/dispatch").status_code == 302
    assert audience_of(walked_app, "team.phone") is Audience.TEAM
