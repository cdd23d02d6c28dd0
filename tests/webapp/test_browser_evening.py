"""The dispatcher's whole evening in Debian's chromium at desktop size."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from dispatch.workspace import Workspace
from tests.webapp.conftest import make_app, serve, sign_in

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(scope="module")
def evening_url(demo_workspace: Workspace,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a private copy of the demo city (empty roster); searches end at their
    solution limit."""
    root = tmp_path_factory.mktemp("browser-evening") / "city"
    shutil.copytree(demo_workspace.root, root)
    app = make_app({"DATA_DIR": str(root), "PLAN_SECONDS": 120, "REPLAN_SECONDS": 120,
                      "PLAN_SOLUTION_LIMIT": 60})
    with serve(app) as url:
        yield url


def _add_team(page, name: str, plate: str | None, base: int = 1) -> None:  # type: ignore[no-untyped-def]
    page.fill("input[name=name]", name)
    page.select_option("select[name=agency]", "civil_affairs")
    page.fill("textarea[name=members]", "张三, 李四")
    page.fill("input[name=size]", "2")
    if plate:
        page.fill("input[name=vehicle]", plate)
    else:
        page.check("input[name=on_foot]")
    page.select_option("select[name=base_id]", index=base)
    page.click("#team-form button[type=submit]")
    page.wait_for_selector(f"text={name}")


def _wait_for_plan(page, version: int) -> None:  # type: ignore[no-untyped-def]
    """The progress box polls the job and opens the new version when it is ready; a search
    that failed says why in the box (and the test says it too)."""
    page.wait_for_function(
        "(v) => location.search.includes('v=' + v) || ['failed', 'conflict'].includes("
        "(document.getElementById('progress') || {dataset: {}}).dataset.state)",
        arg=version, timeout=120_000)
    box = page.locator("#progress")
    assert f"v={version}" in page.url, box.inner_text() if box.count() else page.url
    page.wait_for_selector("#figures")


def test_the_whole_evening(browser, evening_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Roster, tonight's settings, plan, move a stop, pin another, close a road, re-plan,
    publish, and open a team's link; no host but the app, no script error."""
    page = browser.new_page(viewport=DESKTOP)
    hosts: set[str] = set()
    errors: list[str] = []
    page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, evening_url)
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    page.goto(evening_url + "/roster/")
    page.click(".lang-switch a[lang=zh]")  # the browser asks for English first
    page.wait_for_selector("text=添加队伍")
    page.click(".lang-switch a[lang=en]")
    page.wait_for_selector("text=Add a team")
    _add_team(page, "Civil affairs car", "鲁P·12345")
    _add_team(page, "Foot patrol", None)

    page.click("nav.appnav >> text=Plan tonight")
    page.check("label.team-choice:has-text('Civil affairs car') input")
    page.check("label.team-choice:has-text('Foot patrol') input")
    page.fill("input[name=start]", "20:00")
    page.fill("input[name=end]", "06:00")
    page.fill("#temperature", "-12")
    page.click("text=Show the cold level")
    page.wait_for_selector("#cold-preview >> text=Extreme cold")
    page.click("#plan-button")
    _wait_for_plan(page, 1)
    assert page.locator("path.leaflet-interactive").count() > 3
    page.screenshot(path=str(tmp_path / "version-1.png"), full_page=True)

    teams = [o.get_attribute("value") for o in page.locator("#team-select option").all()]
    by_team = page.locator("#visit-select optgroup")
    moved = by_team.nth(0).locator("option").first.get_attribute("value")
    pinned = by_team.nth(1).locator("option").first.get_attribute("value")
    page.select_option("#visit-select", moved)  # the car's first stop goes to the foot team
    page.select_option("#team-select", teams[1])
    page.click("button[value=move]")
    page.wait_for_selector("#pending li")
    page.select_option("#visit-select", pinned)  # the foot team keeps its first stop
    page.select_option("#team-select", teams[1])
    page.click("button[value=pin_team]")
    page.wait_for_selector("#pending li >> nth=1")

    page.click("#draw-closure")
    box = page.locator("#plan-map").bounding_box()
    for dx in (0.40, 0.45):
        page.mouse.click(box["x"] + box["width"] * dx, box["y"] + box["height"] * 0.5)
    assert "LineString" in page.input_value("#closure-geometry")
    page.fill("input[name=label]", "ice")
    page.click("button[value=close]")
    page.wait_for_selector("#pending li >> nth=2")

    page.click("#replan-button")
    _wait_for_plan(page, 2)
    assert page.locator("#cost tr[data-figure='km']").count() == 1
    assert page.locator(".pin.held").count() == 1
    # A moved stop is on its new team, or left out if that team cannot make it in time.
    assert page.locator(f"details.route[data-team='{teams[0]}'] tr[data-visit='{moved}']"
                        ).count() == 0
    assert page.locator(f"details.route[data-team='{teams[1]}'] tr[data-visit='{moved}'], "
                        f".dropped li[data-visit='{moved}']").count() == 1

    page.click("#publish-button")
    page.wait_for_selector(".team-links .team-link")
    assert page.locator(".team-link svg").count() == 2
    link = page.locator(".team-link a.open").first.get_attribute("href")
    page.screenshot(path=str(tmp_path / "published.png"), full_page=True)
    page.goto(link)
    page.wait_for_selector("ol.stops li")
    assert page.locator("ol.stops li").count() >= 2
    assert hosts == {urlparse(evening_url).netloc}
    assert errors == []
    page.close()


def test_a_route_sheet_prints_on_one_page(browser, evening_url: str) -> None:  # type: ignore[no-untyped-def]
    """The print sheet of a team (map, stops, times, hotlines) is one A4 page."""
    page = browser.new_page(viewport=DESKTOP)
    sign_in(page, evening_url)
    page.goto(evening_url + "/plan/")
    sheets = page.locator("details.route a[href*='/print/']")
    if sheets.count() == 0:
        pytest.skip("the evening test made no plan")
    page.goto(evening_url + sheets.first.get_attribute("href"))
    page.wait_for_selector(".leaflet-container")
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    page.close()
