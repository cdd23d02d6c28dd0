"""The hotspot registry's JSON API: every endpoint, good and bad input; a refused change
changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from shapely.geometry import shape
from sqlalchemy import func, select

from dispatch.chinacoords import point_to_wgs84
from dispatch.models import City, Hotspot, HotspotChange
from dispatch.store import open_engine, session_factory
from dispatch.workspace import Workspace
from tests.webapp.conftest import make_app

#: A small square in Helsinki's Esplanadi park, (lon, lat).
SQUARE = {"type": "Polygon", "coordinates": [[
    [24.9440, 60.1670], [24.9450, 60.1670], [24.9450, 60.1675], [24.9440, 60.1675],
    [24.9440, 60.1670]]]}
#: The same corners in bow-tie order: a self-intersecting polygon.
BOW_TIE = {"type": "Polygon", "coordinates": [[
    [24.9440, 60.1670], [24.9450, 60.1675], [24.9450, 60.1670], [24.9440, 60.1675],
    [24.9440, 60.1670]]]}


@pytest.fixture()
def api(private_app: Flask) -> FlaskClient:
    return private_app.test_client()


def _stored(app: Flask) -> tuple[list[tuple[Any, ...]], int]:
    """Every hotspot row as plain values, and how many history entries there are."""
    with app.extensions["patrol"].sessions() as session:
        rows = [(h.id, h.name, h.category, h.risk, h.service_min, h.checks_per_night,
                 h.geometry.wkt, h.access_lon, h.access_lat, h.active, h.district,
                 h.window_start, h.window_end, h.skill)
                for h in session.scalars(select(Hotspot).order_by(Hotspot.id))]
        changes = session.scalar(select(func.count()).select_from(HotspotChange))
    return rows, changes or 0


def _add(api: FlaskClient, **values: Any) -> dict[str, Any]:
    body = {"who": "王明", "name": "测试公园 Test park", "category": "park", "geometry": SQUARE}
    answer = api.post("/api/hotspots", json={**body, **values})
    assert answer.status_code == 201, answer.get_json()
    feature: dict[str, Any] = answer.get_json()
    return feature


def test_list_is_geojson_with_shapes_and_access_points(api: FlaskClient) -> None:
    """Every demo hotspot comes back as a feature with its real shape, colour and access point."""
    collection = api.get("/api/hotspots").get_json()
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert len(features) > 20
    kinds = {f["geometry"]["type"] for f in features}
    assert {"Point", "Polygon"} <= kinds
    park = next(f for f in features if f["properties"]["category"] == "park")
    assert park["properties"]["color"] == "#2ca02c"
    assert park["properties"]["category_label"] == "公园 Park"
    lon, lat = park["properties"]["access"]
    assert 24.9 < lon < 25.0 and 60.1 < lat < 60.2


def test_filters_narrow_the_list(api: FlaskClient) -> None:
    """category, risk, district and active each narrow the list to matching hotspots."""
    parks = api.get("/api/hotspots?category=park").get_json()["features"]
    assert parks and {f["properties"]["category"] for f in parks} == {"park"}
    risky = api.get("/api/hotspots?risk=5").get_json()["features"]
    assert risky and {f["properties"]["risk"] for f in risky} == {5}
    assert api.get("/api/hotspots?active=false").get_json()["features"] == []
    added = _add(api, district="东昌府区")
    found = api.get("/api/hotspots?district=东昌府区").get_json()["features"]
    assert [f["properties"]["id"] for f in found] == [added["properties"]["id"]]


def test_bad_filters_name_the_parameter(api: FlaskClient) -> None:
    """A risk that is not a number, an unknown active value or filter: 400 naming each."""
    answer = api.get("/api/hotspots?risk=high&active=maybe&colour=red")
    assert answer.status_code == 400
    fields = answer.get_json()["error"]["fields"]
    assert set(fields) == {"risk", "active", "colour"}
    assert "1 to 5" in fields["risk"]


def test_add_stores_a_polygon_with_a_computed_access_point(private_app: Flask,
                                                           api: FlaskClient) -> None:
    """POST stores the drawn polygon; the access point is computed on the walk network."""
    feature = _add(api, risk=4, window_start="18:00", window_end="06:00", skill="Medical")
    props = feature["properties"]
    assert props["risk"] == 4 and props["service_min"] == 15  # the park's default
    assert (props["window_start"], props["window_end"], props["skill"]) == ("18:00", "06:00",
                                                                             "medical")
    lon, lat = props["access"]
    assert abs(lon - 24.9445) < 0.003 and abs(lat - 60.16725) < 0.002
    with private_app.extensions["patrol"].sessions() as session:
        stored = session.get(Hotspot, props["id"])
        assert stored is not None and stored.name == "测试公园 Test park"
        assert stored.geometry.equals_exact(shape(SQUARE), tolerance=1e-7)
    history = api.get(f"/api/hotspots/{props['id']}/history").get_json()
    assert [(c["who"], c["action"]) for c in history["changes"]] == [("dispatcher", "add")]


def test_add_refuses_bad_values_field_by_field_and_stores_nothing(private_app: Flask,
                                                                  api: FlaskClient) -> None:
    """An empty name, an unknown category and risk 9 are all named at once; nothing is stored."""
    before = _stored(private_app)
    answer = api.post("/api/hotspots", json={"who": "王明", "name": " ", "category": "casino",
                                             "risk": 9, "geometry": SQUARE})
    assert answer.status_code == 400
    fields = answer.get_json()["error"]["fields"]
    assert set(fields) == {"name", "category", "risk"}
    assert "casino" in fields["category"] and "park" in fields["category"]
    assert _stored(private_app) == before


def test_add_offers_the_repaired_shape_of_a_self_intersecting_polygon(
        private_app: Flask, api: FlaskClient) -> None:
    """A bow-tie polygon is refused with a message on geometry and a valid repaired shape."""
    before = _stored(private_app)
    answer = api.post("/api/hotspots", json={"who": "王明", "name": "Bow tie",
                                             "category": "park", "geometry": BOW_TIE})
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert "geometry" in error["fields"]
    repaired = shape(error["repaired"]["geometry"])
    assert repaired.is_valid and repaired.area > 0
    assert _stored(private_app) == before


@pytest.mark.parametrize("body, field", [
    ({"who": "王明", "name": "x", "category": "park", "geometry": {"type": "Polygon"}},
     "geometry"),
    ({"who": "王明", "name": "x", "category": "park",
      "geometry": {"type": "Point", "coordinates": [116.0, 36.4]}}, "geometry"),
    ({"who": "王明", "name": "x", "category": "park", "geometry": SQUARE, "colour": "red"},
     "colour"),
])
def test_add_refuses_a_bad_shape_or_field(private_app: Flask, api: FlaskClient,
                                          body: dict[str, Any], field: str) -> None:
    """A shape without coordinates, one far outside the city, an unknown field."""
    before = _stored(private_app)
    answer = api.post("/api/hotspots", json=body)
    assert answer.status_code == 400
    assert field in answer.get_json()["error"]["fields"]
    assert _stored(private_app) == before


def test_a_body_that_is_not_json_is_refused(private_app: Flask, api: FlaskClient) -> None:
    """Form data instead of JSON gets a 400 that says to send a JSON object."""
    before = _stored(private_app)
    answer = api.post("/api/hotspots", data={"who": "王明"})
    assert answer.status_code == 400
    assert "JSON" in answer.get_json()["error"]["fields"]["body"]
    assert _stored(private_app) == before


def test_patch_changes_fields_and_records_old_and_new(api: FlaskClient) -> None:
    """PATCH changes only what is sent; the history says who changed what from what."""
    hotspot_id = _add(api)["properties"]["id"]
    answer = api.patch(f"/api/hotspots/{hotspot_id}",
                       json={"who": "李娜", "name": "人民公园", "district": "东昌府区"})
    assert answer.status_code == 200
    props = answer.get_json()["properties"]
    assert (props["name"], props["district"], props["category"]) == ("人民公园", "东昌府区", "park")
    last = api.get(f"/api/hotspots/{hotspot_id}/history").get_json()["changes"][-1]
    # The history names the account signed in, never the name the request gave.
    assert last["who"] == "dispatcher" and last["action"] == "update"
    assert last["changes"]["name"] == ["测试公园 Test park", "人民公园"]
    assert last["at"].endswith("+00:00")


def test_patch_moves_vertices(private_app: Flask, api: FlaskClient) -> None:
    """A new shape replaces the old one."""
    hotspot_id = _add(api)["properties"]["id"]
    moved = {"type": "Polygon", "coordinates": [[
        [24.9440, 60.1670], [24.9455, 60.1670], [24.9452, 60.1677], [24.9440, 60.1675],
        [24.9440, 60.1670]]]}
    answer = api.patch(f"/api/hotspots/{hotspot_id}", json={"who": "李娜", "geometry": moved})
    assert answer.status_code == 200
    assert answer.get_json()["geometry"]["coordinates"][0][1] == [24.9455, 60.167]


def test_a_refused_patch_changes_nothing(private_app: Flask, api: FlaskClient) -> None:
    """Risk 0 and a window with no end: both named, and the hotspot stays as it was."""
    hotspot_id = _add(api)["properties"]["id"]
    before = _stored(private_app)
    answer = api.patch(f"/api/hotspots/{hotspot_id}",
                       json={"who": "李娜", "name": "新名字", "risk": 0, "window_start": "22:00"})
    assert answer.status_code == 400
    assert {"risk", "window_end"} <= set(answer.get_json()["error"]["fields"])
    assert _stored(private_app) == before


def test_unknown_hotspot_is_404_on_every_endpoint(api: FlaskClient) -> None:
    """Edits, access points, retiring and history of a missing id answer 404 in JSON."""
    who = {"who": "王明"}
    answers = [api.patch("/api/hotspots/99999", json={**who, "risk": 2}),
               api.put("/api/hotspots/99999/access", json={**who, "lon": 24.94, "lat": 60.17}),
               api.post("/api/hotspots/99999/retire", json=who),
               api.get("/api/hotspots/99999/history")]
    for answer in answers:
        assert answer.status_code == 404
        assert "99999" in answer.get_json()["error"]["message"]


def test_access_point_moves_where_the_team_stops(private_app: Flask, api: FlaskClient) -> None:
    """PUT access stores the dragged position and the history records it."""
    hotspot_id = _add(api)["properties"]["id"]
    answer = api.put(f"/api/hotspots/{hotspot_id}/access",
                     json={"who": "张伟", "lon": 24.94412, "lat": 60.16688})
    assert answer.status_code == 200
    assert answer.get_json()["properties"]["access"] == [24.94412, 60.16688]
    with private_app.extensions["patrol"].sessions() as session:
        stored = session.get(Hotspot, hotspot_id)
        assert stored is not None and stored.access_manual
    last = api.get(f"/api/hotspots/{hotspot_id}/history").get_json()["changes"][-1]
    assert last["action"] == "access" and last["who"] == "dispatcher"


@pytest.mark.parametrize("body, fields", [
    ({"who": "张伟", "lon": 24.94}, {"lat"}),
    ({"who": "张伟", "lon": "east", "lat": True}, {"lon", "lat"}),
    ({"who": "张伟", "lon": 116.0, "lat": 36.4}, {"access"}),
    ({"who": "张伟", "lon": 24.94, "lat": 95.0}, {"access"}),
])
def test_bad_access_points_are_refused(private_app: Flask, api: FlaskClient,
                                       body: dict[str, Any], fields: set[str]) -> None:
    """Missing or non-numeric coordinates, a point in another city, a latitude past 90."""
    hotspot_id = _add(api)["properties"]["id"]
    before = _stored(private_app)
    answer = api.put(f"/api/hotspots/{hotspot_id}/access", json=body)
    assert answer.status_code == 400
    assert set(answer.get_json()["error"]["fields"]) == fields
    assert _stored(private_app) == before


def test_retire_keeps_the_hotspot_out_of_the_active_list(api: FlaskClient) -> None:
    """A retired hotspot leaves the active list, stays in the retired one, with its history."""
    hotspot_id = _add(api)["properties"]["id"]
    answer = api.post(f"/api/hotspots/{hotspot_id}/retire", json={"who": "王明"})
    assert answer.status_code == 200 and answer.get_json()["properties"]["active"] is False
    active = api.get("/api/hotspots?active=true").get_json()["features"]
    retired = api.get("/api/hotspots?active=false").get_json()["features"]
    assert hotspot_id not in {f["properties"]["id"] for f in active}
    assert [f["properties"]["id"] for f in retired] == [hotspot_id]
    actions = [c["action"] for c in
               api.get(f"/api/hotspots/{hotspot_id}/history").get_json()["changes"]]
    assert actions == ["add", "retire"]


def test_restore_brings_a_retired_hotspot_back(api: FlaskClient) -> None:
    """A retirement made by mistake is undone; the history keeps both."""
    hotspot_id = _add(api)["properties"]["id"]
    api.post(f"/api/hotspots/{hotspot_id}/retire", json={"who": "王明"})
    answer = api.post(f"/api/hotspots/{hotspot_id}/restore", json={"who": "李娜"})
    assert answer.status_code == 200 and answer.get_json()["properties"]["active"] is True
    actions = [c["action"] for c in
               api.get(f"/api/hotspots/{hotspot_id}/history").get_json()["changes"]]
    assert actions == ["add", "retire", "restore"]


def test_the_history_names_the_account_whatever_the_body_says(private_app: Flask) -> None:
    """A manager cannot write; an administrator's retire is kept under "admin", not the
    name the request gave."""
    api = private_app.test_client()
    hotspot_id = _add(api)["properties"]["id"]
    admin = private_app.test_client(role="admin")
    answer = admin.post(f"/api/hotspots/{hotspot_id}/retire", json={"who": "someone else"})
    assert answer.status_code == 200
    last = api.get(f"/api/hotspots/{hotspot_id}/history").get_json()["changes"][-1]
    assert (last["who"], last["action"]) == ("admin", "retire")


def test_names_come_back_verbatim_as_json_text(api: FlaskClient) -> None:
    """Markup in a name is kept as text; the page, not the API, decides how to show it."""
    name = "<img src=x onerror=alert(1)>"
    hotspot_id = _add(api, name=name)["properties"]["id"]
    found = api.get("/api/hotspots?category=park").get_json()["features"]
    assert any(f["properties"]["id"] == hotspot_id and f["properties"]["name"] == name
               for f in found)


@pytest.mark.parametrize("geometry", [
    {"type": "Point", "coordinates": [24.94100, 60.17440]},
    {"type": "LineString", "coordinates": [[24.9392, 60.1742], [24.9406, 60.1745]]},
    {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"]]},
])
def test_points_lines_and_multi_shapes_are_stored_as_drawn(private_app: Flask,
                                                           api: FlaskClient,
                                                           geometry: dict[str, Any]) -> None:
    """A point, a line and a multipolygon keep their type and coordinates."""
    feature = _add(api, name=f"{geometry['type']} 测试", geometry=geometry)
    assert feature["geometry"]["type"] == geometry["type"]
    with private_app.extensions["patrol"].sessions() as session:
        stored = session.get(Hotspot, feature["properties"]["id"])
        assert stored is not None
        assert stored.geometry.equals_exact(shape(geometry), tolerance=1e-7)


@pytest.fixture()
def liaocheng_api(tmp_path: Path) -> FlaskClient:
    """The app on a data directory holding only Liaocheng's city record (no road network)."""
    workspace = Workspace.locate(tmp_path / "liaocheng")
    engine = open_engine(workspace.ensure().database_url)
    with session_factory(engine).begin() as session:
        session.add(City(name="聊城 Liaocheng", timezone="Asia/Shanghai", source="test",
                         west=115.90, south=36.40, east=116.05, north=36.50,
                         built_at=datetime(2026, 1, 1, tzinfo=UTC)))
    engine.dispose()
    return make_app({"DATA_DIR": str(workspace.root)}).test_client()


def test_amap_coordinates_are_converted_both_ways(liaocheng_api: FlaskClient) -> None:
    """A point drawn on Amap tiles (GCJ-02) is stored as WGS-84 and comes back in GCJ-02."""
    gcj = (115.985, 36.457)  # near Liaocheng's Guangyue Tower, as Amap shows it
    answer = liaocheng_api.post("/api/hotspots?datum=gcj02", json={
        "who": "王明", "name": "光岳楼 Guangyue Tower", "category": "station",
        "geometry": {"type": "Point", "coordinates": list(gcj)}, "access": list(gcj)})
    assert answer.status_code == 201, answer.get_json()
    back = answer.get_json()
    assert back["geometry"]["coordinates"] == pytest.approx(list(gcj), abs=1e-6)
    stored = liaocheng_api.get("/api/hotspots").get_json()["features"][0]
    wgs = point_to_wgs84(*gcj, "gcj02")
    assert stored["geometry"]["coordinates"] == pytest.approx(list(wgs), abs=1e-6)
    assert abs(wgs[0] - gcj[0]) > 0.003  # hundreds of metres apart, as in China they are
    moved = liaocheng_api.put(f"/api/hotspots/{back['properties']['id']}/access?datum=gcj02",
                              json={"who": "王明", "lon": 115.986, "lat": 36.458})
    assert moved.get_json()["properties"]["access"] == pytest.approx([115.986, 36.458],
                                                                      abs=1e-6)


def test_an_unknown_datum_is_refused(api: FlaskClient) -> None:
    """``?datum=`` other than wgs84, gcj02 or bd09 gets a 400 naming it."""
    answer = api.get("/api/hotspots?datum=mars")
    assert answer.status_code == 400
    assert "gcj02" in answer.get_json()["error"]["fields"]["datum"]
