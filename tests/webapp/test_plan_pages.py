"""The dispatcher's evening through the web app: roster, settings, plan, changes, publish."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from dispatch.models import SavedPlan, TeamBase
from dispatch.night import tonight
from dispatch.workspace import Workspace
from tests.conftest import HELSINKI
from tests.webapp.conftest import make_app, wait_for_job
from webapp.planpage import build_page
from webapp.resources import resources

#: Tonight in the demo city: a team link of a past night has expired.
NIGHT = tonight(HELSINKI).isoformat()
TEMPLATES = Path(__file__).parents[2] / "webapp" / "templates"


@pytest.fixture(scope="module")
def evening_app(demo_workspace: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The app on a private copy of the demo city with two roster teams; each search ends at
    its solution limit (the same plan however busy the machine is)."""
    root = tmp_path_factory.mktemp("evening") / "city"
    shutil.copytree(demo_workspace.root, root)
    app = make_app({"DATA_DIR": str(root), "PLAN_SECONDS": 120,
                      "REPLAN_SECONDS": 120, "PLAN_SOLUTION_LIMIT": 60})
    with app.app_context(), resources().sessions() as session:
        base = session.scalars(select(TeamBase.id)).first()
    client = app.test_client()
    for name, vehicle in (("民政车队", "鲁P1"), ("步行队", "")):
        answer = client.post("/roster/", data={"name": name, "agency": "civil_affairs",
                                               "size": "2", "vehicle": vehicle,
                                               "on_foot": "" if vehicle else "1",
                                               "base_id": str(base)})
        assert answer.status_code == 302
    return app


@pytest.fixture()
def evening(evening_app: Flask) -> Iterator[FlaskClient]:
    yield evening_app.test_client()


def _token(page: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def _versions(app: Flask) -> int:
    with app.app_context(), resources().sessions() as session:
        return session.scalars(select(func.count(SavedPlan.id))).one()


def _plan(app: Flask, client: FlaskClient, **form: object) -> int:
    """Press plan (or re-plan) and wait for the job; returns the new version."""
    page = client.get(f"/plan/?date={NIGHT}").get_data(as_text=True)
    teams = re.findall(r'name="teams" value="(\d+)"', page)
    data = {"token": _token(page), "teams": teams, "start": "20:00", "end": "06:00",
            "temperature": "-12", **form}
    answer = client.post(f"/plan/{NIGHT}/{'replan' if form.get('again') else 'run'}", data=data)
    assert answer.status_code == 303, answer.get_data(as_text=True)[:500]
    job = answer.headers["Location"].split("job=")[1].split("#")[0]
    status = client.get(f"/plan/{NIGHT}/jobs/{job}").get_json()
    assert status["budget_s"] == 120 and status["state"] in ("queued", "running", "done")
    status = wait_for_job(client, f"/plan/{NIGHT}/jobs/{job}")
    assert status["state"] == "done", status
    # The page of a search already over goes to its version, as the progress box would.
    late = client.get(f"/plan/?date={NIGHT}&job={job}")
    assert late.status_code == 302 and late.headers["Location"].endswith(f"v={status['version']}")
    # A page whose search ended while it was being built still shows the box, whose
    # script then opens the new version.
    with app.test_request_context(), resources().sessions() as session:
        built = build_page(session, date.fromisoformat(NIGHT), job_id=job)
    assert built.job is not None and built.job["state"] == "done"
    return int(status["version"])


def test_roster_form_names_each_wrong_field(evening: FlaskClient) -> None:
    """A team with no name, too many members for its size and no vehicle is refused (422)."""
    answer = evening.post("/roster/", data={"name": "", "agency": "police", "members": "a,b,c",
                                           "size": "2", "vehicle": "", "base_id": "1"})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    for field in ("name", "size", "vehicle"):
        assert f'id="error-{field}"' in page
    assert "民政车队" in evening.get("/roster/").get_data(as_text=True)


def test_bad_settings_are_refused_next_to_the_field(evening_app: Flask,
                                                    evening: FlaskClient) -> None:
    """No team ticked, a shift ending before it starts, a temperature that is not a number:
    422, each message next to its field, nothing saved."""
    before = _versions(evening_app)
    evening.set_cookie("lang", "en")
    page = evening.get(f"/plan/?date={NIGHT}").get_data(as_text=True)
    answer = evening.post(f"/plan/{NIGHT}/run", data={
        "token": _token(page), "start": "20:00", "end": "19:00", "temperature": "很冷"})
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert re.search(r'name="end"[^>]*>\s*</label>\s*<p class="field-error" id="error-end"', text)
    assert "Tick at least one team" in text and "is not a temperature" in text
    assert "ends before it starts" in text
    assert _versions(evening_app) == before


def test_plan_changes_and_a_stale_second_dispatcher(evening_app: Flask,
                                                    evening: FlaskClient) -> None:
    """Plan, then two dispatchers with the same page: the first one's change is kept, the
    second is told the plan changed under them (409), and nothing of theirs is saved."""
    version = _plan(evening_app, evening)
    page = evening.get(f"/plan/?date={NIGHT}").get_data(as_text=True)
    assert 'id="figures"' in page and "leaflet" in page and f"v{version}" in page
    visit = re.findall(r'<option value="(\d+#\d+)"', page)[0]
    first, second = evening_app.test_client(), evening_app.test_client()
    for client in (first, second, evening):
        client.set_cookie("lang", "en")
    token = _token(page)
    kept = first.post(f"/plan/{NIGHT}/change", data={"token": token, "kind": "pin_team",
                                                     "visit": visit, "team": "T1"})
    assert kept.status_code == 302
    stale = second.post(f"/plan/{NIGHT}/change", data={"token": token, "kind": "exclude",
                                                       "hotspot": visit.split("#")[0]})
    assert stale.status_code == 409
    assert "The plan changed under you" in stale.get_data(as_text=True)
    replan = second.post(f"/plan/{NIGHT}/replan", data={"token": token})
    assert replan.status_code == 409
    page = first.get(f"/plan/?date={NIGHT}").get_data(as_text=True)
    wrong = first.post(f"/plan/{NIGHT}/change", data={"token": _token(page), "kind": "pin_time",
                                                      "visit": visit, "at": "14:00"})
    assert wrong.status_code == 422
    assert re.search(r'id="error-at"[^>]*>14:00 is outside the shift', wrong.get_data(
        as_text=True))
    page = evening.get(f"/plan/?date={NIGHT}").get_data(as_text=True)
    pending = page[page.index('id="pending"'):]
    assert "Pin " in pending and "Exclude" not in pending.split("</ul>")[0]

    again = _plan(evening_app, evening, again="1")
    assert again == version + 1
    shown = evening.get(f"/plan/?date={NIGHT}&v={again}").get_data(as_text=True)
    assert 'id="cost"' in shown and 'data-figure="km"' in shown
    assert 'class="pin held"' in shown
    compare = evening.get(f"/plan/{NIGHT}/compare?a={version}&b={again}")
    assert compare.status_code == 200 and 'data-figure="team-hours"' in compare.get_data(
        as_text=True)


def test_publish_gives_links_and_a_print_sheet(evening_app: Flask, evening: FlaskClient) -> None:
    """Publishing shows each team's link and QR code; the link opens the published version;
    a route sheet names the hotlines or says how to set them."""
    if _versions(evening_app) == 0:
        _plan(evening_app, evening)
    page = evening.get(f"/plan/?date={NIGHT}").get_data(as_text=True)
    version = int(re.findall(r'name="version" value="(\d+)"', page)[0])
    answer = evening.post(f"/plan/{NIGHT}/publish", data={"token": _token(page),
                                                         "version": str(version)})
    assert answer.status_code == 302
    evening.set_cookie("lang", "en")
    page = evening.get(f"/plan/?date={NIGHT}&v={version}").get_data(as_text=True)
    links = re.findall(r'class="open" href="([^"]+)"', page)
    assert links and "<svg" in page
    team_page = evening.get(links[0].replace("http://localhost", ""))
    assert team_page.status_code == 200
    sheet = evening.get(f"/plan/{NIGHT}/v{version}/print/T1")
    assert "PATROL_HOTLINES" in sheet.get_data(as_text=True)
    evening_app.config["HOTLINES"] = "救助 12345; 110"
    sheet = evening.get(f"/plan/{NIGHT}/v{version}/print/T1").get_data(as_text=True)
    assert "救助 12345 · 110" in sheet
    evening_app.config["HOTLINES"] = ""


def test_language_is_the_dispatchers_choice(evening: FlaskClient) -> None:
    """The header switch keeps the choice in a cookie; pages follow it."""
    answer = evening.get("/lang/en?next=/roster/")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/roster/")
    assert "lang=en" in answer.headers["Set-Cookie"]
    assert "Add a team" in evening.get("/roster/").get_data(as_text=True)
    evening.get("/lang/zh?next=https://elsewhere.example/")
    page = evening.get("/roster/").get_data(as_text=True)
    assert "添加队伍" in page and "Add a team" not in page


def test_every_page_text_has_its_chinese() -> None:
    """Each ``_("...")`` of the dispatcher's templates is in the catalogue."""
    from webapp.catalogue import ZH

    found = set()
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        found |= set(re.findall(r'_\("((?:[^"\\]|\\.)*)"', text))
        found |= set(re.findall(r"_\('([^']*)'", text))
    missing = sorted(k.replace('\\"', '"') for k in found if k.replace('\\"', '"') not in ZH)
    assert missing == []


def test_forecast_button_only_when_the_service_answers(evening_app: Flask,
                                                       evening: FlaskClient,
                                                       forecast_service: str) -> None:
    """No service: no button. A reachable one: the button offers its low for the shift."""
    assert 'id="use-forecast"' not in evening.get(f"/plan/?date={NIGHT}").get_data(as_text=True)
    evening_app.config["FORECAST_URL"] = forecast_service
    try:
        page = evening.get(f"/plan/?date={NIGHT}").get_data(as_text=True)
    finally:
        evening_app.config["FORECAST_URL"] = None
    assert 'id="use-forecast" data-value="-15"' in page
