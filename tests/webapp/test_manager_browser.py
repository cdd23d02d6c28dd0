"""The managers' pages in Debian's chromium: coverage, figures and shelter reach draw
offline, with their maps, tables and chart. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest

from dispatch.checkins import CheckInReport, record_checkin
from tests.webapp.conftest import make_app, serve
from webapp.resources import resources

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def manager_url(planned_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A copy of the planned city where team T1 checked its first three visits and found
    two people at the second."""
    root = tmp_path_factory.mktemp("managers") / "city"
    shutil.copytree(planned_dir, root)
    app = make_app({"DATA_DIR": str(root)})
    with app.app_context():
        plan = resources().latest_plan()
        route = plan.routes[0]
        with resources().sessions() as session:
            for k, visit in enumerate(route.visits[:3]):
                found = k == 1
                place = plan.hotspots[visit.hotspot_id].access
                record_checkin(session, CheckInReport(
                    str(uuid.uuid4()), plan.date, route.team_id, visit.hotspot_id, visit.check,
                    "person_found" if found else "checked_nobody",
                    (visit.arrival + timedelta(minutes=2)).astimezone(UTC),
                    found_count=2 if found else None,
                    found_category="minor" if found else None,
                    accepts_help=True if found else None, action="home" if found else None,
                    lon=place[0] if found else None, lat=place[1] if found else None))
            session.commit()
    with serve(app) as url:
        yield url


@pytest.fixture()
def artifacts(request: pytest.FixtureRequest) -> Path:
    folder = request.config.rootpath / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder


def wait_for_search(page) -> None:  # type: ignore[no-untyped-def]
    """A page whose answer a worker searches shows a box polling the job, and reloads itself
    when the answer is ready; a failed search says why in the box (and the test says it)."""
    page.wait_for_function(
        "() => document.readyState === 'complete' && (!document.getElementById('job-wait') "
        "|| document.getElementById('job-wait').dataset.state === 'failed')", timeout=120_000)
    box = page.locator("#job-wait")
    assert box.count() == 0, box.inner_text()
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("path, shows", [
    ("/coverage", "never checked"),
    ("/figures", "Campaign figures"),
    ("/coverage/shelters?minutes=5,10&within=5&new_sites=2", "Suggested temporary"),
])
def test_manager_pages_draw_offline(open_page, manager_url: str, artifacts: Path, path: str,
                                    shows: str) -> None:
    page, hosts, errors = open_page(manager_url + path, DESKTOP)
    if path.startswith("/coverage/shelters"):
        # Asked for the first time: the page waits for the worker, then reloads by itself.
        wait_for_search(page)
        assert page.evaluate("performance.getEntriesByType('navigation')[0].type") == "reload"
    assert shows in page.content()
    if path != "/figures":
        page.wait_for_selector(".leaflet-container")
        assert page.locator(".leaflet-interactive").count() > 3
    else:
        assert page.locator("svg.chart rect").count() >= 2
        assert page.locator("table.figures tbody tr").count() == 2  # the night, the total
    assert hosts == {urlparse(manager_url).netloc}
    assert errors == []
    name = path.strip("/").split("?")[0].replace("/", "-")
    page.screenshot(path=str(artifacts / f"manager-{name}.png"), full_page=True)


def test_coverage_map_shows_people_found_and_colours(open_page, manager_url: str) -> None:
    page, _, _ = open_page(manager_url + "/coverage", DESKTOP)
    page.wait_for_selector(".leaflet-container")
    # T1 checked three hotspots once each: met or short (a station needs two checks).
    checked = page.locator(", ".join(f"path.leaflet-interactive[{paint}='{color}']"
                                     for paint in ("fill", "stroke")
                                     for color in ("#2e7d32", "#f9a825")))
    never = page.locator("path.leaflet-interactive[fill='#c62828'], "
                         "path.leaflet-interactive[stroke='#c62828']")
    assert checked.count() >= 3 and never.count() >= 10
    assert page.locator("path.leaflet-interactive[fill='#1565c0']").count() == 1  # the minors
    assert page.locator("canvas.leaflet-heatmap-layer").count() == 1
