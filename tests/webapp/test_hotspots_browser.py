"""The hotspot editor in Debian's chromium: draw a polygon, save it and move a corner; drag
an access point; retire with confirmation and restore; every request goes to the app itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from flask import Flask
from shapely.geometry import Point
from sqlalchemy import select

from dispatch.models import Hotspot, HotspotChange
from tests.webapp.conftest import serve

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
#: Where the drawn polygon's corners go, (lon, lat): ground no demo hotspot or access point
#: is near, west of Töölönlahti bay.
CORNERS = [(24.9392, 60.1742), (24.9406, 60.1742), (24.9406, 60.1749), (24.9392, 60.1749)]


@pytest.fixture()
def editor_url(private_app: Flask) -> Iterator[str]:
    """The app on its private copy of the demo city, on a free local port."""
    with serve(private_app) as url:
        yield url


def _pixel(page: Any, lon: float, lat: float) -> tuple[float, float]:
    """Where (lon, lat) is on the screen, through the map's own projection."""
    name = page.locator("#hotspot-editor").get_attribute("data-map")
    point = page.evaluate(f"([lat, lon]) => {name}.latLngToContainerPoint([lat, lon])",
                          [lat, lon])
    box = page.locator("#hotspot-editor .folium-map").bounding_box()
    return box["x"] + point["x"], box["y"] + point["y"]


def _loaded(page: Any) -> None:
    page.wait_for_function(
        "() => document.getElementById('status').textContent.includes('hotspots')")


def _stored(app: Flask, name: str) -> Hotspot | None:
    with app.extensions["patrol"].sessions() as session:
        return session.scalars(select(Hotspot).where(Hotspot.name == name)).first()


def test_draw_a_polygon_fill_the_form_and_find_it_stored(open_page, private_app: Flask,  # type: ignore[no-untyped-def]
                                                         editor_url: str,
                                                         tmp_path: Path) -> None:
    """The page names the account that edits; a drawn polygon saved with the form is in the
    database under that account, and a name written as markup shows as text."""
    page, hosts, errors = open_page(editor_url + "/hotspots", DESKTOP)
    assert page.locator("#editor-name").text_content() == "dispatcher"
    _loaded(page)

    name = page.locator("#hotspot-editor").get_attribute("data-map")
    page.evaluate(f"(b) => {name}.fitBounds(b, {{padding: [80, 80]}})",  # zoom in, as a user would
                  [[CORNERS[0][1], CORNERS[0][0]], [CORNERS[2][1], CORNERS[2][0]]])
    page.get_by_role("button", name="画面 Polygon").click()
    for lon, lat in [*CORNERS, CORNERS[0]]:  # the first corner again closes the shape
        page.mouse.click(*_pixel(page, lon, lat))
    form = page.locator("#hotspot-form")
    form.wait_for(state="visible")

    form.locator("button[type=submit]").click()  # no name yet: refused, shown by the field
    page.wait_for_function(
        "() => document.querySelector('[data-error-for=name]').textContent.length > 0")
    assert "name" in page.locator("[data-error-for=name]").text_content()

    name = "<img src=x onerror=alert(1)> 新工地"
    form.locator("input[name=name]").fill(name)
    form.locator("select[name=category]").select_option("construction")
    form.locator("select[name=risk]").select_option("4")
    form.locator("input[name=district]").fill("东昌府区")
    form.locator("button[type=submit]").click()
    page.wait_for_function("() => document.getElementById('status').textContent.includes('已保存')")

    stored = _stored(private_app, name)
    assert stored is not None
    assert (stored.category, stored.risk, stored.district) == ("construction", 4, "东昌府区")
    assert stored.geometry.geom_type == "Polygon"
    ring = list(stored.geometry.exterior.coords)[:-1]
    assert len(ring) == 4
    for (lon, lat), (x, y) in zip(CORNERS, ring, strict=True):
        assert abs(lon - x) < 2e-5 and abs(lat - y) < 2e-5  # within a pixel or so
    with private_app.extensions["patrol"].sessions() as session:
        history = session.scalars(select(HotspotChange).where(
            HotspotChange.hotspot_id == stored.id)).all()
    assert [(c.who, c.action) for c in history] == [("dispatcher", "add")]

    assert page.locator("#form-title").text_content() == name  # shown as text
    assert page.locator("img[src=x]").count() == 0

    # Still selected after saving: move the corner farthest from the access point.
    far = max(range(4), key=lambda i: Point(CORNERS[i]).distance(
        Point(stored.access_lon, stored.access_lat)))
    x, y = _pixel(page, *CORNERS[far])
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 40, y + 30, steps=10)
    page.mouse.up()
    with page.expect_response(lambda r: r.request.method == "PATCH") as patched:
        form.locator("button[type=submit]").click()
    assert patched.value.status == 200
    reshaped = _stored(private_app, name)
    assert reshaped is not None
    moved = list(reshaped.geometry.exterior.coords)[:-1]
    assert [c for i, c in enumerate(moved) if i != far] == [c for i, c in enumerate(ring)
                                                            if i != far]
    assert moved[far][0] > ring[far][0] + 1e-5 and moved[far][1] < ring[far][1] - 1e-5
    assert hosts == {urlparse(editor_url).netloc}
    assert [e for e in errors if "status of 400" not in e] == []  # the refused first save
    page.screenshot(path=str(tmp_path / "drawn.png"))


def test_drag_an_access_point_then_retire_with_confirmation(open_page, private_app: Flask,  # type: ignore[no-untyped-def]
                                                            editor_url: str) -> None:
    """Select a hotspot, drag its access point: stored by hand and in the history; retiring
    asks first, and the hotspot leaves the active map until it is restored."""
    page, hosts, errors = open_page(editor_url + "/hotspots", DESKTOP)
    _loaded(page)
    with private_app.extensions["patrol"].sessions() as session:
        points = [h for h in session.scalars(select(Hotspot).order_by(Hotspot.id))
                  if h.geometry.geom_type == "Point"]
    # The point whose access point lies farthest from it: neither hides the other.
    target = max(points, key=lambda h: h.geometry.distance(Point(h.access_lon, h.access_lat)))
    name = page.locator("#hotspot-editor").get_attribute("data-map")
    page.evaluate(f"([lat, lon]) => {name}.setView([lat, lon], 18)",
                  [target.geometry.y, target.geometry.x])
    page.mouse.click(*_pixel(page, target.geometry.x, target.geometry.y))
    assert page.locator("#form-title").text_content() == target.name

    handle = page.locator(".access-icon.movable")
    box = handle.bounding_box()
    start = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    end = (start[0] + 70, start[1] + 45)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=12)
    page.mouse.up()
    page.wait_for_function(
        "() => document.getElementById('status').textContent.includes('进入点已移动')")

    box_map = page.locator("#hotspot-editor .folium-map").bounding_box()
    dropped = page.evaluate(f"([x, y]) => {name}.containerPointToLatLng([x, y])",
                            [end[0] - box_map["x"], end[1] - box_map["y"]])
    moved = _stored(private_app, target.name)
    assert moved is not None and moved.access_manual
    assert abs(moved.access_lon - dropped["lng"]) < 3e-5
    assert abs(moved.access_lat - dropped["lat"]) < 3e-5
    assert (moved.access_lon, moved.access_lat) != (target.access_lon, target.access_lat)

    page.get_by_role("button", name="历史 History").click()
    page.locator("#history tbody tr").last.wait_for()
    assert "dispatcher" in page.locator("#history tbody tr").last.text_content()

    page.once("dialog", lambda dialog: dialog.dismiss())  # first: changed my mind
    page.get_by_role("button", name="撤销 Retire").click()
    assert _stored(private_app, target.name).active
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="撤销 Retire").click()
    page.wait_for_function("() => document.getElementById('status').textContent.includes('已撤销')")
    assert not _stored(private_app, target.name).active

    page.locator("#filters select[name=active]").select_option("false")  # the retired ones
    page.wait_for_function("() => document.getElementById('status').textContent.startsWith('1 ')")
    page.mouse.click(*_pixel(page, target.geometry.x, target.geometry.y))
    page.get_by_role("button", name="恢复 Restore").click()
    page.wait_for_function("() => document.getElementById('status').textContent.includes('已恢复')")
    assert _stored(private_app, target.name).active
    assert hosts == {urlparse(editor_url).netloc}
    assert errors == []
