"""The overview, a team's page, the JSON API and the self-hosted assets."""

from __future__ import annotations

import re
from datetime import datetime
from html import escape

from flask import Flask
from flask.testing import FlaskClient

EXTERNAL = re.compile(r"""<(?:script|link)\b[^>]*(?:src|href)=["']((?:https?:)?//[^"']+)""", re.I)


def test_overview_page_shows_every_team(client: FlaskClient) -> None:
    """The dispatcher's overview answers 200 and links each team's route."""
    page = client.get("/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for team in ("T1", "T2", "T3"):
        assert f"/teams/{team}" in text
    assert "未安排 Left out" in text


def test_team_page_lists_stops_in_order(client: FlaskClient) -> None:
    """A team's page numbers its stops in visit order with arrival times."""
    plan = client.get("/api/plan").get_json()
    route = next(r for r in plan["routes"] if r["visits"])
    page = client.get(f"/teams/{route['team']}", follow_redirects=True).get_data(as_text=True)
    listed = page[page.index('<ol class="stops">'):]
    position = 0
    for visit in route["visits"]:  # each found after the one before it
        position = listed.index(f"<strong>{escape(visit['name'])}</strong>", position) + 1
    assert route["visits"][0]["arrival"][11:16] in page


def test_pages_load_no_script_or_style_from_another_host(client: FlaskClient) -> None:
    """Every script and stylesheet comes from the app itself, never a CDN."""
    for path in ("/", "/teams/T1"):
        text = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert "leaflet.js" in text
        assert EXTERNAL.findall(text) == [], path


def test_leaflet_is_served_by_the_app(client: FlaskClient) -> None:
    """The vendored Leaflet script and stylesheet answer 200."""
    for name in ("leaflet.js", "leaflet.css"):
        answer = client.get(f"/assets/leaflet/{name}")
        assert answer.status_code == 200
        assert len(answer.data) > 1000


def test_api_plan_has_the_documented_shape(client: FlaskClient) -> None:
    """/api/plan gives night, routes with timed visits, and dropped, times with the UTC offset."""
    plan = client.get("/api/plan").get_json()
    assert set(plan) >= {"night", "routes", "dropped"}
    visit = next(v for r in plan["routes"] for v in r["visits"])
    assert {"hotspot_id", "arrival", "departure"} <= set(visit)
    arrival = datetime.fromisoformat(visit["arrival"])
    assert arrival.utcoffset() is not None
    assert plan["night"]["timezone"] == "Europe/Helsinki"


def test_api_geojson_is_a_feature_collection(client: FlaskClient) -> None:
    """/api/plan.geojson serves hotspots and legs for GIS tools."""
    collection = client.get("/api/plan.geojson").get_json()
    assert collection["type"] == "FeatureCollection"
    kinds = {f["geometry"]["type"] for f in collection["features"]}
    assert "LineString" in kinds


def test_unknown_team_is_a_clear_404(client: FlaskClient) -> None:
    """A team that is not on duty tonight gets 404 naming the teams there are."""
    answer = client.get("/teams/T99")
    assert answer.status_code == 404
    assert "T1" in answer.get_data(as_text=True)


def test_api_without_a_city_answers_json_error(empty_app: Flask) -> None:
    """Before anything is built the API answers 404 in the one JSON error shape."""
    answer = empty_app.test_client().get("/api/plan")
    assert answer.status_code == 404
    error = answer.get_json()["error"]
    assert "patrol" in error["message"]
    assert error["fields"] == {}


def test_overview_without_a_plan_says_what_to_do(empty_app: Flask) -> None:
    """Before any plan the overview explains how to make one."""
    answer = empty_app.test_client().get("/")
    assert answer.status_code == 404
    assert "patrol plan" in answer.get_data(as_text=True)
