"""The managers' shelter-reach page and its GeoJSON."""

from __future__ import annotations

import re


def test_page_shows_the_map_the_gaps_and_the_suggestions(client) -> None:
    page = client.get("/coverage/shelters?minutes=5,10&within=5&new_sites=2")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "建议新增临时避寒点 Suggested temporary warming points" in text
    assert "Proven the best choice" in text
    beyond = re.search(r"(\d+) 个步行超过 5 分钟", text)
    assert beyond and int(beyond.group(1)) > 0
    assert "Walk 5 min" in text and "Walk 10 min" in text


def test_geojson_matches_the_page_settings(client) -> None:
    answer = client.get("/api/shelter-reach.geojson?minutes=5&within=5&new_sites=1")
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
