"""One report in chromium: the public form, the dispatcher's board, the team's phone, an outcome."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from dispatch.jobs import records
from dispatch.models import Job
from tests.webapp.conftest import make_app, serve, sign_in
from webapp.resources import resources
from webapp.teamlinks import team_link_url
from webapp.views.pages import current_plan

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True,
         "locale": "zh-CN"}


@pytest.fixture(scope="module")
def server(planned_dir: Path, tmp_path_factory: pytest.TempPathFactory,
           ) -> Iterator[tuple[str, object]]:
    """The app on a private copy of the demo city, its clock at 21:00 of the planned night."""
    root = tmp_path_factory.mktemp("live-city") / "city"
    shutil.copytree(planned_dir, root)
    app = make_app({"DATA_DIR": str(root), "DISPATCH_NOW": "21:00", "ASSIGN_SECONDS": 1,
                      "BOARD_POLL_SECONDS": 1})
    with serve(app) as base:
        yield base, app


def test_a_report_from_the_street_to_an_outcome(browser, server,  # type: ignore[no-untyped-def]
                                                request: pytest.FixtureRequest) -> None:
    """Tap the map and send; assign the ranked team on the board; the team's phone lists it
    and marks on the way, arrived, taken to a shelter; the reporter sees it done."""
    base, app = server
    phone = browser.new_context(**PHONE)
    street = phone.new_page()
    street.goto(f"{base}/report")
    street.locator("#pick-map").click()
    assert re.match(r"^\d+\.\d{6}$", street.locator("#lon").input_value())
    street.fill("#seen", "桥下有一位老人 an old man under the bridge")
    street.check("input[name=not_moving]")
    shots = request.config.rootpath / "test-artifacts"
    shots.mkdir(exist_ok=True)
    street.screenshot(path=str(shots / "live-report-form.png"), full_page=True)
    street.click("#send")
    street.wait_for_url(re.compile(r"/report/[0-9A-Z]{8}$"))
    reference = street.locator("#reference").inner_text().strip()
    assert street.locator("#state").get_attribute("data-status") == "reported"

    desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(desk, base)
    desk.goto(f"{base}/dispatch")
    card = desk.locator(f"li[data-reference='{reference}']")
    first = card.locator("button.assign").first
    first.wait_for(timeout=20_000)
    team = first.get_attribute("data-team")
    assert desk.locator("#live-map path.leaflet-interactive").count() >= 1
    desk.screenshot(path=str(shots / "live-board.png"), full_page=True)
    first.click()
    # A worker re-plans the night: the board polls the job, then shows the new version.
    desk.wait_for_function(
        "() => document.getElementById('board-meta').textContent.includes('version 2')",
        timeout=60_000)
    desk.locator(f"#reports li[data-reference='{reference}'][data-status='assigned']").wait_for(
        timeout=30_000)

    with app.test_request_context(base_url=base):
        link = team_link_url(current_plan(), team)
    mobile = phone.new_page()
    mobile.goto(link)
    assert reference in mobile.locator("section.calls").inner_text()
    row = mobile.locator("li.report", has_text=reference)
    assert "old man under the bridge" in row.inner_text()
    row.scroll_into_view_if_needed()
    mobile.screenshot(path=str(shots / "live-team-phone.png"))
    row.locator("button[data-step=on_the_way]").click()
    mobile.locator("li.report .report-steps[data-status=on_the_way]").wait_for()
    mobile.locator("li.report button[data-step=arrived]").click()
    mobile.locator("li.report .report-steps[data-status=arrived]").wait_for()
    mobile.locator("li.report select[name=outcome]").select_option("shelter")
    mobile.locator("li.report button[data-step=outcome]").click()
    # A worker adds the trip: the phone says where it goes, then reloads with it on top.
    mobile.locator("li.report .report-steps .state", has_text="Escort to").wait_for(
        timeout=60_000)
    mobile.locator("section.calls.escorts", has_text="Escort next").wait_for(timeout=30_000)
    mobile.locator("li.report .report-steps[data-status=outcome]").wait_for()
    # The report is closed; taking the person to a shelter adds the escort trip on top.
    assert mobile.locator("section.calls:not(.escorts)").count() == 0

    desk.locator(f"#closed li[data-reference='{reference}']").wait_for(timeout=10_000)
    assert "送至救助点" in desk.locator(f"#closed li[data-reference='{reference}']").inner_text()
    street.reload()
    assert street.locator("#state").get_attribute("data-status") == "outcome"
    assert street.locator("ol.steps li").count() == 5
    phone.close()


def test_an_assignment_whose_search_failed_says_why_on_the_board(
        browser, planned_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The worker running the re-plan dies: the board says why under the report, and keeps
    saying it across its polls; the report is back on the board, to be sent again."""
    root = tmp_path / "city"
    shutil.copytree(planned_dir, root)
    app = make_app({"DATA_DIR": str(root), "DISPATCH_NOW": "21:00", "ASSIGN_SECONDS": 1,
                    "BOARD_POLL_SECONDS": 1}, worker=False)
    with app.test_request_context():
        place = current_plan().hotspots
    lon, lat = sorted(place.values(), key=lambda p: p.id)[3].access or (0.0, 0.0)
    sent = app.test_client(role=None).post("/api/reports", json={
        "lon": lon, "lat": lat, "seen": "一位老人 an old man", "people": 1})
    reference = sent.get_json()["reference"]
    with serve(app) as base:
        desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        sign_in(desk, base)
        desk.goto(f"{base}/dispatch")
        item = f"#reports li[data-reference='{reference}']"
        with desk.expect_response(lambda r: r.url.endswith("/assign")) as claimed:
            desk.locator(f"{item} button.assign").first.click()
        assert claimed.value.status == 202, claimed.value.text()
        desk.locator(f"{item} .assign-result", has_text="Re-planning").wait_for()
        with app.app_context(), resources().sessions.begin() as session:
            [job] = session.scalars(select(Job).where(Job.kind == "assign"))
            assert records.take(session, job.id, "elsewhere:1") is not None
            job.heartbeat_at = datetime.now(UTC) - timedelta(seconds=job.budget_s) \
                - records.LOST_GRACE - timedelta(seconds=1)
        said = desk.locator(f"{item}[data-status='reported'] .assign-result",
                            has_text="stopped before the search ended")
        said.wait_for(timeout=30_000)
        desk.wait_for_timeout(3_000)  # three polls of the board later
        assert said.count() == 1, desk.locator(item).inner_text()
        assert desk.locator(f"{item} button.assign:enabled").count() >= 1
        desk.context.close()
