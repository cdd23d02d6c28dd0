"""Rendered maps load Leaflet from our own app only, embed into our pages, and stand alone."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from dispatch.nightplan import NightPlan
from maps.overview import build_overview_map
from maps.render import map_parts, standalone_html
from maps.team_route import build_team_route_map

ASSET_BASE = "/assets/leaflet"


class _Resources(HTMLParser):
    """Collects every ``<script src>`` and ``<link href>`` of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href"}.get(tag)
        self.urls += [value for name, value in attrs if name == wanted and value]


def resource_urls(page: str) -> list[str]:
    parser = _Resources()
    parser.feed(page)
    return parser.urls


@pytest.fixture(params=["overview", "team"])
def any_map(request: pytest.FixtureRequest, harbin_night: NightPlan):  # type: ignore[no-untyped-def]
    """Each plan map, built for the web app."""
    if request.param == "overview":
        return build_overview_map(harbin_night, asset_base=ASSET_BASE)
    return build_team_route_map(harbin_night, "T1", asset_base=ASSET_BASE)


def test_pages_load_only_leaflet_from_asset_base(any_map) -> None:  # type: ignore[no-untyped-def]
    """Every script and stylesheet is Leaflet under asset_base: no CDN, no jQuery, no Bootstrap."""
    urls = resource_urls(standalone_html(any_map))
    assert sorted(urls) == [f"{ASSET_BASE}/leaflet.css", f"{ASSET_BASE}/leaflet.js"]
    assert not any(url.startswith(("http:", "https:", "//")) for url in urls)


def test_exported_page_uses_a_relative_asset_base(harbin_night: NightPlan) -> None:
    """An exported page finds Leaflet next to itself, so it opens from a USB stick offline."""
    page = standalone_html(build_overview_map(harbin_night, asset_base="assets/leaflet"))
    assert resource_urls(page) == ["assets/leaflet/leaflet.js", "assets/leaflet/leaflet.css"]
    assert "https://" not in page.split("<script>")[0]


def test_map_parts_split_header_div_and_script(any_map) -> None:  # type: ignore[no-untyped-def]
    """The parts fit our template: links in the header, one map div, bare JavaScript."""
    parts = map_parts(any_map)
    assert f'src="{ASSET_BASE}/leaflet.js"' in parts.header
    assert f'id="{any_map.get_name()}"' in parts.html
    assert "L.map(" in parts.script
    assert "<script" not in parts.script and "<div" not in parts.script


def test_embedded_header_leaves_the_host_page_alone(any_map) -> None:  # type: ignore[no-untyped-def]
    """Embedded, the map neither restyles html/body nor stops phones from zooming the page."""
    header = map_parts(any_map).header
    assert "html, body" not in header
    assert "user-scalable" not in header
    assert "charset" not in header
    assert f"#{any_map.get_name()} {{ position: relative; width: 100%; height: 100%; }}" in header


def test_standalone_page_declares_utf8_and_fills_the_window(harbin_night: NightPlan) -> None:
    """An exported page is UTF-8 (Chinese names) and the map fills the window after the div."""
    m = build_team_route_map(harbin_night, "T2", asset_base="assets/leaflet")
    page = standalone_html(m, title="巡查2队 <Team 2>")
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page
    assert "<title>巡查2队 &lt;Team 2&gt;</title>" in page
    assert page.index(f'id="{m.get_name()}"') < page.index("L.map(")
    assert "position: absolute" in page


def test_rendering_twice_gives_the_same_parts(any_map) -> None:  # type: ignore[no-untyped-def]
    """Rendering has no lasting side effect: a second call returns the same text."""
    assert map_parts(any_map) == map_parts(any_map)
