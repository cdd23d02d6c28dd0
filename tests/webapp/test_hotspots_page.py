"""The hotspot registry page as the server renders it: its assets, filters, form and link."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

EXTERNAL = re.compile(r"""<(?:script|link)\b[^>]*(?:src|href)=["']((?:https?:)?//[^"']+)""", re.I)


def test_page_loads_leaflet_and_geoman_from_the_app(client: FlaskClient) -> None:
    """The page links Leaflet, Leaflet-Geoman and its own script from our server, no other."""
    answer = client.get("/hotspots")
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    for path in ("/assets/leaflet/leaflet.js", "/assets/geoman/leaflet-geoman.min.js",
                 "/assets/geoman/leaflet-geoman.css", "/static/hotspots.js"):
        assert path in text
    assert EXTERNAL.findall(text) == []
    for name in ("leaflet-geoman.min.js", "leaflet-geoman.css"):
        served = client.get(f"/assets/geoman/{name}")
        assert served.status_code == 200 and len(served.data) > 1000


def test_page_names_the_map_and_offers_every_category(client: FlaskClient) -> None:
    """The script finds the map by name; the form and filters list each category bilingually."""
    text = client.get("/hotspots").get_data(as_text=True)
    name = re.search(r'data-map="(map_[0-9a-f]+)"', text)
    assert name is not None and f"var {name.group(1)} = L.map(" in text
    for label in ("公园 Park", "车站 Station", "在建工地 Construction site"):
        assert text.count(f">{label}</option>") == 2  # the filter and the form
    for button in ("画点 Point", "画线 Line", "画面 Polygon", "撤销 Retire", "历史 History"):
        assert button in text


def test_every_page_header_links_the_registry(client: FlaskClient) -> None:
    """The dispatcher pages' header links to /hotspots, in the chosen language."""
    assert '<a href="/hotspots">重点点位</a>' in client.get("/").get_data(as_text=True)
    client.set_cookie("lang", "en")
    assert '<a href="/hotspots">Hotspot registry</a>' in client.get("/").get_data(as_text=True)


def test_district_names_are_escaped_in_the_filter(private_app: Flask) -> None:
    """A district typed as markup shows as text in the district filter."""
    client = private_app.test_client()
    first = client.get("/api/hotspots").get_json()["features"][0]["properties"]["id"]
    answer = client.patch(f"/api/hotspots/{first}",
                          json={"who": "王明", "district": "<script>alert(1)</script>"})
    assert answer.status_code == 200
    text = client.get("/hotspots").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_page_without_a_city_says_how_to_build_one(empty_app: Flask) -> None:
    """Before a city is built the page answers 404 saying to run `patrol city`."""
    answer = empty_app.test_client().get("/hotspots")
    assert answer.status_code == 404
    assert "patrol city" in answer.get_data(as_text=True)
