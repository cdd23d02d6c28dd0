"""Every page in Debian's chromium under the content security policy, on a city of hostile
names: nothing is blocked, nothing is injected, every popup and tooltip shows text."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import local_http
from tests.webapp.conftest import make_app, serve, sign_in
from tests.webapp.hostile_city import HOSTILE, HostileCity, build_hostile_city, role_for
from tests.webapp.test_manager_browser import wait_for_search

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
#: Pages opened at a phone's size; the others at a desktop's.
PHONE_PAGES = {"phone", "team", "report", "status"}
#: Pages with a map that must be drawn (with at least one thing on it).
MAP_PAGES = {"overview", "plan", "hotspots", "dispatch", "coverage", "shelters", "team",
             "phone", "report", "print"}
#: Pages that show a user's text somewhere (in the page, a tooltip or a popup).
TEXT_PAGES = MAP_PAGES | {"roster", "compare", "roster team"}
#: Before a page's own scripts: record every policy violation; the editor's name is known.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile);
});
localStorage.setItem("patrol.editor", "张伟");
"""
#: Hover and click every marker and shape of the map (at most 80), keeping the text of each
#: tooltip and popup that opens; then count what an injection would have left in the page.
OPEN_EVERYTHING = """
async () => {
  const texts = [];
  const wait = () => new Promise((done) => setTimeout(done, 20));
  const items = [...document.querySelectorAll(
      ".leaflet-marker-icon, path.leaflet-interactive")].slice(0, 80);
  for (const item of items) {
    const box = item.getBoundingClientRect();
    const at = {bubbles: true, clientX: box.x + box.width / 2, clientY: box.y + box.height / 2};
    item.dispatchEvent(new MouseEvent("mouseover", at));
    item.dispatchEvent(new MouseEvent("mousemove", at));
    await wait();
    document.querySelectorAll(".leaflet-tooltip").forEach((t) => texts.push(t.textContent));
    item.dispatchEvent(new MouseEvent("mouseout", at));
    item.dispatchEvent(new MouseEvent("mousedown", at));
    item.dispatchEvent(new MouseEvent("mouseup", at));
    item.dispatchEvent(new MouseEvent("click", at));
    await wait();
    document.querySelectorAll(".leaflet-popup-content").forEach((p) => texts.push(p.textContent));
  }
  const injected = document.querySelectorAll("img[src='x'], svg[onload], [onerror]").length +
    [...document.scripts].filter((s) => s.textContent.trim().startsWith("alert(")).length;
  return {opened: items.length, texts: texts, injected: injected,
          body: document.body.innerText};
}
"""

#: The middle of the first numbered stop that nothing covers, to point a real mouse at.
UNCOVERED_STOP = r"""
() => {
  for (const stop of document.querySelectorAll(".leaflet-marker-icon.patrol-stop")) {
    if (!/^\d+$/.test(stop.textContent.trim())) { continue; }  // a "!" mark has no popup
    const box = stop.getBoundingClientRect();
    const x = box.x + box.width / 2, y = box.y + box.height / 2;
    if (stop.contains(document.elementFromPoint(x, y))) { return [x, y]; }
  }
  return null;
}
"""


@pytest.fixture(scope="module")
def city(demo_workspace, tmp_path_factory: pytest.TempPathFactory) -> HostileCity:  # type: ignore[no-untyped-def]
    """The demo city with hostile texts, the live board's clock at 21:00 tonight."""
    return build_hostile_city(demo_workspace, tmp_path_factory.mktemp("csp") / "city",
                              make_app, DISPATCH_NOW="21:00")


@pytest.fixture(scope="module")
def base_url(city: HostileCity) -> Iterator[str]:
    """The hostile city's app on a free local port."""
    with serve(city.app) as url:
        yield url


def _open(browser: Any, base_url: str, path: str, viewport: dict[str, int],
          role: str | None) -> tuple[Any, list[str], list[str]]:
    """A new page at ``path``, signed in as ``role`` (None: no account), recording console
    errors and any alert/confirm dialog."""
    page = browser.new_page(viewport=viewport)
    if role is not None:
        sign_in(page, base_url, role)
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.add_init_script(WATCH)
    page.goto(base_url + path, wait_until="networkidle")
    return page, errors, dialogs


def test_every_page_runs_under_the_policy_and_shows_hostile_text_as_text(
        browser: Any, city: HostileCity, base_url: str, tmp_path: Path) -> None:
    """On each page: no policy violation, no console error, the map drawn; hovering and
    clicking every marker fires no dialog, injects no element, and shows the typed text."""
    for name, path in city.pages().items():
        page, errors, dialogs = _open(browser, base_url, path,
                                      PHONE if name in PHONE_PAGES else DESKTOP, role_for(name))
        try:
            if name == "shelters":  # searched by a worker: the page reloads with the answer
                wait_for_search(page)
            assert page.evaluate("window.__violations") == [], name
            if name in MAP_PAGES:
                page.wait_for_selector(".leaflet-container")
                page.wait_for_function("() => document.querySelectorAll('.leaflet-marker-icon, "
                                       "path.leaflet-interactive').length > 0")
            seen = page.evaluate(OPEN_EVERYTHING)
            page.wait_for_timeout(100)
            assert page.evaluate("window.__violations") == [], name
            assert errors == [], name
            assert dialogs == [], name
            assert seen["injected"] == 0, name
            if name in TEXT_PAGES:
                shown = "\n".join([seen["body"], *seen["texts"]])
                assert any(text in shown for text in HOSTILE), name
            if name in MAP_PAGES:
                assert seen["opened"] > 0 and seen["texts"], name
        except AssertionError:
            page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
            raise
        finally:
            page.close()


def test_a_hostile_name_is_visible_as_text_in_a_hovered_tooltip(
        browser: Any, city: HostileCity, base_url: str) -> None:
    """A real mouse over a stop on the overview shows the hotspot's name, markup and all."""
    page, errors, dialogs = _open(browser, base_url, "/", DESKTOP, "dispatcher")
    try:
        page.wait_for_selector(".leaflet-container")
        x, y = page.evaluate(UNCOVERED_STOP)
        page.mouse.move(x, y)
        tooltip = page.locator(".leaflet-tooltip").first
        tooltip.wait_for(state="visible")
        assert any(text in tooltip.inner_text() for text in HOSTILE)
        page.mouse.click(x, y)
        popup = page.locator(".leaflet-popup-content").first
        popup.wait_for(state="visible")
        assert any(text in popup.inner_text() for text in HOSTILE)
        assert dialogs == [] and errors == []
    finally:
        page.close()


#: A 1x1 PNG: every tile the local tile server answers with.
TILE = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA"
                        "60e6kgAAAABJRU5ErkJggg==")


class TileHandler(BaseHTTPRequestHandler):
    """A city's own tile server, on another origin than the app."""

    def do_GET(self) -> None:  # noqa: N802 (the http.server name)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(TILE)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture()
def tile_server() -> Iterator[str]:
    """Tiles on a free local port (another origin than the app): its ``{z}/{x}/{y}`` URL."""
    with local_http(TileHandler) as port:
        yield f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png"


def test_the_city_tile_server_is_allowed_and_no_other(browser: Any, planned_dir: Path,
                                                     tile_server: str) -> None:
    """With PATROL_TILES set, the overview and the report form load its tiles unblocked."""
    app = make_app({"DATA_DIR": str(planned_dir), "TILES": tile_server})
    with serve(app) as url:
        for path, role in (("/", "dispatcher"), ("/report", None)):
            page, errors, dialogs = _open(browser, url, path, DESKTOP, role)
            try:
                page.wait_for_selector("img.leaflet-tile-loaded")
                assert page.evaluate("window.__violations") == [], path
                assert errors == [] and dialogs == [], path
            finally:
                page.close()
