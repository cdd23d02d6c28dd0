"""The plan as GeoJSON: RFC 7946 features that QGIS opens, one per hotspot, legs on the roads."""

from __future__ import annotations

import json

from shapely.geometry import Point, shape

from dispatch.nightplan import NightPlan
from maps.export import plan_geojson


def _features(plan: NightPlan, layer: str) -> list[dict]:  # type: ignore[type-arg]
    return [f for f in plan_geojson(plan)["features"] if f["properties"]["layer"] == layer]


def test_is_a_valid_feature_collection(harbin_night: NightPlan) -> None:
    """A FeatureCollection of Features whose geometries shapely reads back, JSON-serialisable."""
    collection = plan_geojson(harbin_night)
    assert collection["type"] == "FeatureCollection"
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        assert shape(feature["geometry"]).is_valid
        assert isinstance(feature["properties"], dict)
    assert json.loads(json.dumps(collection, ensure_ascii=False)) == collection


def test_one_feature_per_hotspot_with_its_real_geometry(harbin_night: NightPlan) -> None:
    """Each hotspot is one feature of its own geometry type and category."""
    hotspots = {f["properties"]["id"]: f for f in _features(harbin_night, "hotspot")}
    assert sorted(hotspots) == [1, 2, 3, 4]
    assert [hotspots[i]["geometry"]["type"] for i in (1, 2, 3, 4)] == [
        "Point", "LineString", "Polygon", "Point"]
    assert hotspots[2]["properties"]["category"] == "bridge"
    assert hotspots[3]["properties"]["service_min"] == 20


def test_visited_hotspots_carry_team_order_and_arrival(harbin_night: NightPlan) -> None:
    """A visited hotspot names its team, its place in the route and its arrival."""
    station = next(f for f in _features(harbin_night, "hotspot") if f["properties"]["id"] == 1)
    props = station["properties"]
    assert (props["team"], props["seq"]) == ("T1", 1)
    assert props["arrival"] == "2026-01-10T12:15:00+00:00"
    assert props["dropped_reason"] is None


def test_dropped_hotspots_carry_their_reason(harbin_night: NightPlan) -> None:
    """The hotspot left out says why, and has no team."""
    dropped = next(f for f in _features(harbin_night, "hotspot") if f["properties"]["id"] == 4)
    props = dropped["properties"]
    assert props["dropped_reason"] == "off_network"
    assert props["dropped_detail"] == "too far from any road the teams use"
    assert props["team"] is None and props["arrival"] is None


def test_legs_are_lon_lat_lines_inside_the_data(harbin_night: NightPlan) -> None:
    """Every leg is a (lon, lat) LineString within the bounds of the plan's places."""
    legs = _features(harbin_night, "leg")
    assert len(legs) == sum(len(r.legs) for r in harbin_night.routes) == 5
    places = [p.geometry for p in harbin_night.hotspots.values()]
    places += [Point(p.access) for p in harbin_night.hotspots.values() if p.access]
    places += [p.geometry for p in harbin_night.bases.values()]
    west, south, east, north = _bounds(places)
    for leg in legs:
        assert leg["geometry"]["type"] == "LineString"
        for lon, lat in leg["geometry"]["coordinates"]:
            assert west <= lon <= east and south <= lat <= north
    first = legs[0]["properties"]
    assert (first["team"], first["seq"], first["from"], first["to"]) == ("T1", 1, "base", "1")
    assert (first["travel_s"], first["distance_m"]) == (360, 800.0)


def test_access_points_shelters_and_bases_are_points(harbin_night: NightPlan) -> None:
    """Access points name their hotspot; shelters and bases are layers of their own."""
    access = _features(harbin_night, "access")
    assert sorted(f["properties"]["hotspot_id"] for f in access) == [1, 2, 3]
    assert access[0]["geometry"] == {"type": "Point", "coordinates": [126.6301, 45.7699]}
    assert [f["properties"]["name"] for f in _features(harbin_night, "shelter")] == [
        "道里社区避寒点 Daoli shelter"]
    assert len(_features(harbin_night, "base")) == 1


def _bounds(geometries: list) -> tuple[float, float, float, float]:  # type: ignore[type-arg]
    boxes = [g.bounds for g in geometries]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))
