"""Real pages in Debian's chromium: the maps draw, offline, on a desktop and on a phone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.webapp.conftest import make_app, serve

pytestmark = pytest.mark.browser

@pytest.fixture(scope="module")
def live_url(planned_dir: Path) -> Iterator[str]:
    """The app on the planned demo city, served on a free local port."""
    with serve(make_app({"DATA_DIR": str(planned_dir)})) as url:
        yield url


def test_overview_draws_routes_in_the_browser(open_page, live_url: str, tmp_path: Path) -> None:
    """The overview map draws route lines and asks no host but the app."""
    page, hosts, errors = open_page(live_url + "/", {"width": 1280, "height": 900})
    page.wait_for_selector(".leaflet-container")
    assert page.locator("path.leaflet-interactive").count() > 3
    assert hosts == {urlparse(live_url).netloc}
    assert errors == []
    page.screenshot(path=str(tmp_path / "overview.png"))


def test_team_route_reads_on_a_phone(open_page, live_url: str, tmp_path: Path) -> None:
    """At 390x844 a team sees its map and numbered stops without zooming."""
    page, hosts, errors = open_page(live_url + "/teams/T1", {"width": 390, "height": 844})
    page.wait_for_selector(".leaflet-container")
    assert page.locator("ol.stops li").count() >= 2
    assert page.locator("ol.stops li").first.bounding_box()["height"] >= 48
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert hosts == {urlparse(live_url).netloc}
    assert errors == []
    page.screenshot(path=str(tmp_path / "team.png"), full_page=True)
