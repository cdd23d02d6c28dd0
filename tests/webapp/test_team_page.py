"""The team's phone page: its stops, navigation links, map data, GPX, check-ins and caching."""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import gpxpy
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from dispatch.chinacoords import point_from_wgs84
from dispatch.models import CheckIn
from tests.webapp.conftest import make_app
from webapp import create_app
from webapp.resources import resources
from webapp.teamlinks import team_link_url
from webapp.tokens import make_team_token
from webapp.views.pages import current_plan


@pytest.fixture()
def phone_app(planned_dir: Path, tmp_path: Path) -> Iterator[Flask]:
    """The app on a private copy of the planned demo city (check-ins change it)."""
    root = tmp_path / "city"
    shutil.copytree(planned_dir, root)
    yield make_app({"DATA_DIR": str(root)})


@pytest.fixture()
def phone(phone_app: Flask) -> FlaskClient:
    return phone_app.test_client()


def _link(client: FlaskClient, team: str = "T1") -> str:
    with client.application.test_request_context():
        return urlsplit(team_link_url(current_plan(), team)).path


def _config(page: str) -> dict:  # type: ignore[type-arg]
    found = re.search(r'<script type="application/json" id="team-config">(.*?)</script>', page)
    assert found is not None
    return json.loads(found.group(1))


def _send(client: FlaskClient, link: str, **changes: object):  # type: ignore[no-untyped-def]
    plan = client.get("/api/plan").get_json()
    route = next(r for r in plan["routes"] if r["team"] == "T1")
    visit = route["visits"][0]
    data = {"id": str(uuid.uuid4()), "visit": f"{visit['hotspot_id']}#{visit['check']}",
            "outcome": "checked_nobody", "recorded_at": datetime.now(UTC).isoformat()}
    data.update(changes)
    return client.post(f"/api/t/{link.rsplit('/', 1)[1]}/checkins", json=data), data


def test_the_page_lists_stops_in_order_with_what_to_look_for(phone: FlaskClient) -> None:
    """Numbered stops in visit order, each with its category's hint and one-tap buttons."""
    link = _link(phone)
    page = phone.get(link).get_data(as_text=True)
    plan = phone.get("/api/plan").get_json()
    route = next(r for r in plan["routes"] if r["team"] == "T1")
    listed = page[page.index('<ol class="stops">'):]
    position = 0
    for visit in route["visits"]:
        position = listed.index(f"<strong>{escape(visit['name'])}</strong>", position) + 1
    assert listed.count('data-outcome="checked_nobody"') == len(route["visits"])
    assert "留意 Look for:" in page and "前往 To here:" in page
    assert '<dialog id="found-form">' in page and 'value="mental_illness"' in page
    assert "/route.gpx" in page


def test_navigation_links_carry_each_apps_datum(phone: FlaskClient) -> None:
    """Amap gets GCJ-02 and Baidu BD-09 coordinates of the stop; geo: keeps WGS-84."""
    page = phone.get(_link(phone)).get_data(as_text=True)
    plan = phone.get("/api/plan").get_json()
    route = next(r for r in plan["routes"] if r["team"] == "T1")
    hotspot = next(h for h in plan["hotspots"] if h["id"] == route["visits"][0]["hotspot_id"])
    lon, lat = hotspot["access"]
    amap = re.search(r'href="(https://uri\.amap\.com/navigation\?[^"]+)"', page).group(1)
    to = parse_qs(urlsplit(amap.replace("&amp;", "&")).query)["to"][0].split(",")
    assert (float(to[0]), float(to[1])) == pytest.approx(point_from_wgs84(lon, lat, "gcj02"),
                                                         abs=1e-6)
    assert "coord_type=bd09ll" in page and f"geo:{lat:.6f},{lon:.6f}" in page


def test_route_data_is_one_layer_cached_under_its_version(phone: FlaskClient) -> None:
    """The map's data: route, every stop in order, roads; immutable under its version."""
    config = _config(phone.get(_link(phone)).get_data(as_text=True))
    answer = phone.get(config["dataUrl"])
    assert "immutable" in answer.headers["Cache-Control"]
    data = answer.get_json()
    layers = [f["properties"]["layer"] for f in data["features"]["features"]]
    stops = [f["properties"]["seq"] for f in data["features"]["features"]
             if f["properties"]["layer"] == "stop"]
    plan = phone.get("/api/plan").get_json()
    route = next(r for r in plan["routes"] if r["team"] == "T1")
    assert stops == [v["seq"] for v in route["visits"]]
    assert layers.count("route") == 1 and "base" in layers
    assert data["roads"]["type"] == "MultiLineString"
    assert data["tiles"] == [] and data["gps_shift"] == [0.0, 0.0]  # Helsinki, no tiles
    stale = phone.get(config["dataUrl"].split("?")[0] + "?v=old")
    assert "immutable" not in stale.headers.get("Cache-Control", "")


def test_assets_are_versioned_compressed_and_kept_a_year(phone: FlaskClient) -> None:
    """Scripts and styles: ?v=<hash>, a year and immutable; text answers are compressed."""
    link = _link(phone)
    page = phone.get(link, headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert page.headers["Cache-Control"] == "no-cache, private"
    again = phone.get(link, headers={"Accept-Encoding": "gzip",
                                     "If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304
    for url in _config(phone.get(link).get_data(as_text=True))["cache"][2:]:
        answer = phone.get(url, headers={"Accept-Encoding": "br"})
        assert answer.status_code == 200, url
        assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable", url
        assert answer.headers["Content-Encoding"] == "br", url


def test_gpx_has_every_stop_and_the_whole_way(phone: FlaskClient) -> None:
    """The GPX download: a waypoint per stop in order and one track along the legs."""
    answer = phone.get(_link(phone) + "/route.gpx")
    assert answer.mimetype == "application/gpx+xml"
    assert "attachment" in answer.headers["Content-Disposition"]
    gpx = gpxpy.parse(answer.get_data(as_text=True))
    plan = phone.get("/api/plan").get_json()
    route = next(r for r in plan["routes"] if r["team"] == "T1")
    assert [w.name.split(" ", 1)[0] for w in gpx.waypoints] == [str(v["seq"])
                                                                 for v in route["visits"]]
    assert len(gpx.tracks[0].segments[0].points) > len(route["visits"])


def test_service_worker_is_served_at_the_team_scope(phone: FlaskClient) -> None:
    """/t/sw.js answers as JavaScript and is always revalidated."""
    answer = phone.get("/t/sw.js")
    assert answer.status_code == 200
    assert "javascript" in answer.mimetype
    assert "no-cache" in answer.headers["Cache-Control"]
    assert "caches.open" in answer.get_data(as_text=True)


def test_a_check_in_is_stored_once_and_shown_once_to_the_dispatcher(phone: FlaskClient) -> None:
    """201 the first time, 200 for the same again, one row, one line on the overview."""
    link = _link(phone)
    first, data = _send(phone, link, outcome="person_found", found_count=1,
                        found_category="minor", accepts_help=True, action="home")
    assert first.status_code == 201
    again = phone.post(f"/api/t/{link.rsplit('/', 1)[1]}/checkins", json=data)
    assert again.status_code == 200 and again.get_json()["id"] == data["id"]
    with phone.application.app_context(), resources().sessions() as session:
        assert session.scalar(select(func.count()).select_from(CheckIn)) == 1
    overview = phone.get("/").get_data(as_text=True)
    assert overview.count(f'data-id="{data["id"]}"') == 1
    assert "未成年人 Minor" in overview and "送回家 Taken home" in overview
    assert '<td class="done-count" data-team="T1">1/' in overview
    assert f'<span class="chip person_found" data-visit="{data["visit"]}"' in overview
    assert overview.count('class="chip open"') == sum(
        len(r["visits"]) for r in phone.get("/api/plan").get_json()["routes"]) - 1
    page = phone.get(link).get_data(as_text=True)
    assert "stop done" in page
    mine = phone.get(f"/api/t/{link.rsplit('/', 1)[1]}/checkins").get_json()["checkins"]
    assert [c["id"] for c in mine] == [data["id"]] and mine[0]["found_count"] == 1
    other = phone.get(f"/api/t/{_link(phone, 'T2').rsplit('/', 1)[1]}/checkins").get_json()
    assert other["checkins"] == []


def test_bad_check_ins_change_nothing(phone: FlaskClient) -> None:
    """400 naming the fields, 403 for a changed token, 409 for a reused id."""
    link = _link(phone)
    bad, _ = _send(phone, link, outcome="person_found", visit="99999#1")
    assert bad.status_code == 400
    assert {"visit", "found_count", "found_category"} <= set(bad.get_json()["error"]["fields"])
    refused = phone.post("/api/t/forged.token/checkins", json={})
    assert refused.status_code == 403 and "error" in refused.get_json()
    ok, data = _send(phone, link)
    assert ok.status_code == 201
    clash = phone.post(f"/api/t/{link.rsplit('/', 1)[1]}/checkins",
                       json={**data, "outcome": "could_not_check", "reason": "locked"})
    assert clash.status_code == 409
    with phone.application.app_context(), resources().sessions() as session:
        assert session.scalar(select(func.count()).select_from(CheckIn)) == 1


def test_another_nights_token_cannot_check_in(phone: FlaskClient) -> None:
    """A token of an earlier night is refused by the API with 410."""
    plan = phone.get("/api/plan").get_json()
    night = datetime.fromisoformat(plan["night"]["shift_start"]).date()
    with phone.application.app_context():
        old = make_team_token("T1", night.replace(year=night.year - 1),
                              datetime(2100, 1, 1, tzinfo=UTC))
    answer = phone.post(f"/api/t/{old}/checkins", json={})
    assert answer.status_code == 410


def test_basemap_comes_from_the_environment(planned_dir: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """PATROL_BASEMAP=amap gives the phone Amap tiles; a missing Tianditu key stops the start."""
    monkeypatch.setenv("PATROL_BASEMAP", "amap")
    client = make_app({"DATA_DIR": str(planned_dir)}).test_client()
    config = _config(client.get(_link(client)).get_data(as_text=True))
    data = client.get(config["dataUrl"]).get_json()
    assert data["datum"] == "gcj02" and "autonavi.com" in data["tiles"][0]["url"]
    monkeypatch.setenv("PATROL_BASEMAP", "tianditu")
    with pytest.raises(ValueError, match="PATROL_TIANDITU_KEY"):
        create_app({"TESTING": True, "DATA_DIR": str(planned_dir)})


def test_a_visit_moved_to_another_team_can_still_be_reported(phone: FlaskClient) -> None:
    """After a re-plan moved a stop to T2, T1's offline check-in of it is still stored."""
    plan = phone.get("/api/plan").get_json()
    moved = next(r for r in plan["routes"] if r["team"] == "T2")["visits"][0]
    answer, _ = _send(phone, _link(phone, "T1"), visit=f"{moved['hotspot_id']}#{moved['check']}")
    assert answer.status_code == 201 and answer.get_json()["team"] == "T1"
