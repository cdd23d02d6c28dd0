"""The team's phone page in Debian's chromium at 390x844 with touch: drawn, offline, refused.

Screenshots go to ``test-artifacts/`` at the repository root (git ignores it).
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlsplit

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from dispatch.models import CheckIn
from dispatch.store import open_engine, session_factory
from dispatch.workspace import Workspace
from tests.webapp.conftest import make_app
from webapp.teamlinks import team_link_url
from webapp.tokens import make_team_token
from webapp.views.pages import current_plan

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True,
         "device_scale_factor": 2, "locale": "zh-CN"}


@pytest.fixture(scope="module")
def city(planned_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the planned demo city: these tests add check-ins."""
    root = tmp_path_factory.mktemp("phone-city") / "city"
    shutil.copytree(planned_dir, root)
    return root


@pytest.fixture(scope="module")
def server(city: Path) -> Iterator[tuple[str, object]]:
    """The app on a free local port, and the app itself (to make links)."""
    app = make_app({"DATA_DIR": str(city)})
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", app
    httpd.shutdown()
    thread.join(timeout=5)


@pytest.fixture()
def artifacts(request: pytest.FixtureRequest) -> Path:
    folder = request.config.rootpath / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder


def _team_url(server: tuple[str, object], team: str = "T1") -> str:
    base, app = server
    with app.test_request_context(base_url=base):  # type: ignore[attr-defined]
        return team_link_url(current_plan(), team)


def for_another_team(token: str, team: str) -> str:
    """``token`` with its payload changed to name ``team``, the signature left as it was."""
    payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["t"] = team
    changed = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode())
    return changed.decode().rstrip("=") + "." + signature


def _checkins(city: Path) -> list[CheckIn]:
    engine = open_engine(Workspace(city).database_url)
    try:
        with session_factory(engine)() as session:
            return list(session.scalars(select(CheckIn)))
    finally:
        engine.dispose()


def _open(browser, url: str):  # type: ignore[no-untyped-def]
    """A phone-sized page at ``url``, recording hosts asked and errors."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    hosts: set[str] = set()
    errors: list[str] = []
    page.on("request", lambda r: hosts.add(urlparse(r.url).netloc))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(url, wait_until="networkidle")
    return context, page, hosts, errors


def test_route_and_every_stop_drawn_and_listed_in_order(browser, server, artifacts) -> None:  # type: ignore[no-untyped-def]
    """Only the app is asked; the map draws every stop; the list is in visit order."""
    url = _team_url(server)
    context, page, hosts, errors = _open(browser, url)
    page.wait_for_selector("html[data-stops-drawn]")
    plan = server[1].test_client().get("/api/plan").get_json()
    route = next(r for r in plan["routes"] if r["team"] == "T1")
    assert page.get_attribute("html", "data-stops-drawn") == str(len(route["visits"]))
    assert page.locator(".leaflet-marker-icon .badge:not(.place)").count() == len(route["visits"])
    assert page.locator(".leaflet-overlay-pane path").count() >= 2  # roads and the route
    listed = page.locator("li[data-visit] strong").all_inner_texts()
    assert listed == [v["name"] for v in route["visits"]]
    assert hosts == {urlparse(url).netloc}
    assert errors == []
    for button in page.locator("li[data-visit] .actions button").all()[:3]:
        box = button.bounding_box()
        assert box["height"] >= 48 and box["width"] >= 48
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("#next").inner_text().startswith("下一站 Next: 1")
    context.close()


def test_screenshot_at_phone_size_with_chinese(browser, server, artifacts) -> None:  # type: ignore[no-untyped-def]
    """A phone-sized screenshot, with a CJK font so the Chinese is drawn, not boxes."""
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    if not fonts.strip():
        pytest.skip("no Chinese font: run `make browser` as root, or "
                    "`sudo apt-get install fonts-wqy-microhei`")
    context, page, _, _ = _open(browser, _team_url(server))
    page.wait_for_selector("html[data-stops-drawn]")
    width = page.evaluate("(() => { const c = document.createElement('canvas').getContext('2d');"
                          " c.font = '20px sans-serif'; return c.measureText('巡查').width; })()")
    assert width > 30  # two real glyphs, not zero-width boxes
    page.screenshot(path=str(artifacts / "phone-team.png"))
    page.screenshot(path=str(artifacts / "phone-team-full.png"), full_page=True)
    assert (artifacts / "phone-team.png").stat().st_size > 10_000
    context.close()


def test_offline_check_in_waits_then_is_sent_once(browser, server, city) -> None:  # type: ignore[no-untyped-def]
    """Offline: shown as waiting, nothing stored. Online again: stored once, shown once."""
    url = _team_url(server)
    context, page, hosts, errors = _open(browser, url)
    page.wait_for_selector("html[data-stops-drawn]")
    page.evaluate("navigator.serviceWorker.ready")
    page.reload(wait_until="networkidle")  # now under the service worker
    before = len(_checkins(city))
    context.set_offline(True)
    page.reload()  # the page and its map come from the phone's cache
    page.wait_for_selector("html[data-stops-drawn]")
    first = page.locator("li[data-visit]").first
    visit = first.get_attribute("data-visit")
    first.locator('button[data-outcome="checked_nobody"]').tap()
    page.wait_for_selector("#queue:not([hidden])")
    assert page.locator("#queue").inner_text() == "1 待发送 waiting"
    assert "待发送 waiting" in first.locator(".state").inner_text()
    page.wait_for_timeout(500)
    assert len(_checkins(city)) == before
    page.reload()  # still offline: the queue is kept on the phone
    page.wait_for_selector("#queue:not([hidden])")
    assert page.locator("#queue").inner_text() == "1 待发送 waiting"
    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('queue').hidden", timeout=30_000)
    page.wait_for_timeout(500)
    stored = [c for c in _checkins(city) if f"{c.hotspot_id}#{c.check_number}" == visit]
    assert len(stored) == 1 and stored[0].team_id == "T1"
    assert len(_checkins(city)) == before + 1
    overview = server[1].test_client().get("/").get_data(as_text=True)
    assert overview.count(f'data-id="{stored[0].client_id}"') == 1
    page.reload(wait_until="networkidle")
    assert "done" in (page.locator("li[data-visit]").first.get_attribute("class") or "")
    assert len(_checkins(city)) == before + 1  # a reload sends nothing again
    assert errors == [] or all("net::ERR_INTERNET_DISCONNECTED" in e for e in errors)
    context.close()


def test_another_teams_or_an_expired_token_is_refused(browser, server) -> None:  # type: ignore[no-untyped-def]
    """T1's token rewritten to say T2 (its signature kept) is a 403; an expired night's
    token a 410; T2's own link shows T2's route and not T1's."""
    url = _team_url(server, "T1")
    other = _team_url(server, "T2")
    forged = server[0] + "/t/" + for_another_team(urlsplit(url).path.rsplit("/", 1)[1], "T2")
    context, page, _, _ = _open(browser, forged)
    assert "链接无效" in page.inner_text("body")
    answer = page.goto(forged)
    assert answer.status == 403
    base, app = server
    with app.test_request_context():  # type: ignore[attr-defined]
        plan = current_plan()
        expired = make_team_token("T1", plan.date - timedelta(days=1),
                                  datetime.now(UTC) - timedelta(hours=1))
    answer = page.goto(f"{base}/t/{expired}")
    assert answer.status == 410
    assert "链接已过期" in page.inner_text("body")
    page.goto(other, wait_until="networkidle")
    routes = app.test_client().get("/api/plan").get_json()["routes"]
    names = {r["team"]: r["team_name"] for r in routes}
    assert page.locator("h1").inner_text() == names["T2"]
    assert names["T1"] not in page.inner_text("body")
    context.close()


def test_person_found_with_the_phones_position(browser, server, city, artifacts) -> None:  # type: ignore[no-untyped-def]
    """With GPS allowed the position shows on the map; the form's answers and the
    position are stored with the check-in; the trip to a shelter is added by a worker and
    is on top of the phone's page once its job is done."""
    context = browser.new_context(**PHONE, geolocation={"latitude": 60.1699, "longitude": 24.9384,
                                                        "accuracy": 15},
                                  permissions=["geolocation"])
    page = context.new_page()
    page.goto(_team_url(server), wait_until="networkidle")
    page.wait_for_selector("html[data-stops-drawn]")
    page.locator("#locate").tap()
    page.wait_for_selector(".leaflet-marker-icon .me")
    assert "±15 m" in page.locator("#gps").inner_text()
    stop = page.locator("li[data-visit]").nth(1)
    visit = stop.get_attribute("data-visit")
    stop.locator('button[data-outcome="person_found"]').tap()
    dialog = page.locator("#found-form")
    dialog.locator('input[name="found_count"]').fill("2")
    dialog.locator('input[value="elderly"]').check()
    dialog.locator('input[name="accepts_help"][value="true"]').check()
    dialog.locator('input[value="shelter"]').check()
    page.screenshot(path=str(artifacts / "phone-person-found.png"))
    with page.expect_response(lambda r: r.url.endswith("/checkins")
                              and r.request.method == "POST") as answer:
        dialog.locator('button[value="save"]').tap()
    trip = answer.value.json()["escort"]
    assert trip["queued"], trip
    page.wait_for_function("() => document.getElementById('queue').hidden")
    page.wait_for_timeout(300)
    stored = [c for c in _checkins(city) if f"{c.hotspot_id}#{c.check_number}" == visit]
    assert len(stored) == 1
    row = stored[0]
    assert (row.outcome, row.found_count, row.found_category, row.accepts_help, row.action) == (
        "person_found", 2, "elderly", True, "shelter")
    assert (row.lat, row.lon, row.accuracy_m) == (60.1699, 24.9384, 15)
    assert "发现人员 Person found" in stop.locator(".state").inner_text()
    # The phone follows the trip's job itself: it says where the trip goes, then shows the
    # route again with the trip on top.
    page.wait_for_function("() => document.getElementById('escort-note').textContent"
                           ".includes('Escort to')", timeout=120_000)
    job = _finished(page, trip["status_url"])  # with the team's link alone, as the phone asks
    assert job["state"] == "done" and job["result"]["added"], job
    page.wait_for_selector("section.calls.escorts", timeout=30_000)
    escorts = page.locator("section.calls.escorts")
    assert "Escort next" in escorts.inner_text() and job["result"]["place"] in escorts.inner_text()
    context.close()


def _finished(page, status_url: str, timeout_s: float = 120) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Poll a team's job from the phone's browser until it ends; its last status."""
    limit = time.monotonic() + timeout_s
    while time.monotonic() < limit:
        job = page.request.get(page.url.split("/t/")[0] + status_url).json()
        if job["state"] in ("done", "failed"):
            return dict(job)
        page.wait_for_timeout(200)
    raise AssertionError(f"{status_url} still {job['state']} after {timeout_s} s")
