"""The shelter-reach map moves everything onto GCJ-02 tiles when the basemap needs it."""

from __future__ import annotations

from shapely.geometry import Point

from dispatch.chinacoords import point_from_wgs84
from dispatch.shelter_reach import (
    HotspotReach,
    ShelterArea,
    ShelterPlace,
    ShelterReach,
    SiteSuggestion,
)
from maps.shelter_reach import reach_geojson, reach_in_datum

LIAOCHENG = (115.985, 36.457)


def reach_in_liaocheng() -> ShelterReach:
    lon, lat = LIAOCHENG
    return ShelterReach(
        minutes=(10.0,), within=10.0,
        shelters=[ShelterPlace(1, "东昌府区救助站", lon, lat, 20)],
        areas=[ShelterArea(1, 10.0, Point(lon, lat).buffer(0.005))],
        hotspots=[HotspotReach(7, "火车站广场", "station", 5, None, None, lon + 0.03, lat)],
        suggestions=[SiteSuggestion(3, "便利店", "convenience", lon + 0.02, lat, [7])],
        optimal=True,
    )


def test_gcj02_moves_every_geometry_and_wgs84_moves_none() -> None:
    reach = reach_in_liaocheng()
    assert reach_in_datum(reach, "wgs84") is reach
    moved = reach_in_datum(reach, "gcj02")
    expected = point_from_wgs84(*LIAOCHENG, "gcj02")
    assert (moved.shelters[0].lon, moved.shelters[0].lat) == expected
    assert moved.areas[0].area.centroid.distance(Point(expected)) < 1e-6
    assert moved.hotspots[0].lon != reach.hotspots[0].lon
    assert moved.suggestions[0].hotspot_ids == [7]


def test_geojson_has_every_layer_with_chinese_names() -> None:
    features = reach_geojson(reach_in_liaocheng())["features"]
    assert [f["properties"]["layer"] for f in features] == ["walk_area", "outside",
                                                             "suggested_site"]
    assert features[1]["properties"]["name"] == "火车站广场"
