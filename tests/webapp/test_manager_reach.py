"""The managers' shelter-reach page and its GeoJSON, searched by a worker."""

from __future__ import annotations

import html
import re

from flask import Flask
from flask.testing import FlaskClient

from tests.webapp.conftest import wait_for_job


def _job_box(client: FlaskClient, url: str) -> str:
    """The status URL of the box a page shows while a worker searches its answer."""
    page = client.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    box = re.search(r'id="job-wait" data-status-url="([^"]+)"', text)
    assert box, "the first visit waits for the search"
    assert "jobwait.js" in text and "Suggested temporary" not in text
    return html.unescape(box.group(1))


def test_page_shows_the_map_the_gaps_and_the_suggestions(private_app: Flask) -> None:
    """The first visit shows the search under way; once it is done, the same settings are
    answered at once with the map, the hotspots beyond reach and the sites to open."""
    client = private_app.test_client(role="manager")
    url = "/coverage/shelters?minutes=5,10&within=5&new_sites=2"
    status = wait_for_job(client, _job_box(client, url))
    assert status["state"] == "done", status
    page = client.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="job-wait"' not in text
    assert "建议新增临时避寒点 Suggested temporary warming points" in text
    assert "Proven the best choice" in text
    beyond = re.search(r"(\d+) 个步行超过 5 分钟", text)
    assert beyond and int(beyond.group(1)) > 0
    assert "Walk 5 min" in text and "Walk 10 min" in text


def test_geojson_matches_the_page_settings(private_app: Flask) -> None:
    """202 naming the job while it searches, then the answer to the settings asked for."""
    client = private_app.test_client(role="manager")
    url = "/api/shelter-reach.geojson?minutes=5&within=5&new_sites=1"
    queued = client.get(url)
    assert queued.status_code == 202, queued.get_json()
    body = queued.get_json()
    assert body["status_url"] == f"/api/jobs/{body['job']}"
    status = wait_for_job(client, body["status_url"])
    assert status["state"] == "done", status
    answer = client.get(url)
    assert answer.status_code == 200
    features = answer.get_json()["features"]
    sites = [f for f in features if f["properties"]["layer"] == "suggested_site"]
    assert len(sites) == 1 and sites[0]["properties"]["covers"]
    assert {f["properties"]["minutes"] for f in features
            if f["properties"]["layer"] == "walk_area"} == {5.0}


def test_bad_settings_are_a_400_that_says_what_to_give(client) -> None:
    answer = client.get("/api/shelter-reach.geojson?minutes=ten")
    assert answer.status_code == 400
    assert "minutes like 10,15,20" in answer.get_json()["error"]["message"]
    page = client.get("/coverage/shelters?minutes=10&within=30")
    assert page.status_code == 400
    assert "at most the longest" in page.get_data(as_text=True)
