"""Harvesting hotspots, shelters and bases from a small hand-made set of OSM features.

The features sit around Helsinki's railway square; 0.001 degrees is about
111 m north-south and 55 m east-west there.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from dispatch.harvest import Draft, harvest

X, Y = 24.94, 60.17


def _at(dx: float, dy: float) -> tuple[float, float]:
    """A position ``dx``, ``dy`` thousandths of a degree from the square."""
    return X + dx / 1000, Y + dy / 1000


def _features(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    """A feature table shaped like the sources' output: one column per tag."""
    columns = ["osm_id", "osm_type", "name", "name:zh", "railway", "public_transport",
               "amenity", "bridge", "tunnel", "landuse", "leisure", "highway", "indoor"]
    table = {c: [row.get(c) for row in rows] for c in columns}
    return gpd.GeoDataFrame(table, geometry=[row["geometry"] for row in rows], crs="EPSG:4326")


def _kinds(drafts: list[Draft]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for d in drafts:
        found.setdefault(d.kind, []).append(d.name)
    return {k: sorted(v) for k, v in found.items()}


@pytest.fixture(scope="module")
def small_town() -> list[Draft]:
    """One of each kind of place, plus a few that must not become hotspots."""
    rows = [
        {"osm_id": 1, "osm_type": "node", "name": "Central", "railway": "station",
         "geometry": Point(_at(0, 0))},
        {"osm_id": 2, "osm_type": "node", "name": "Bus Terminal", "amenity": "bus_station",
         "geometry": Point(_at(5, 0))},
        {"osm_id": 3, "osm_type": "way", "name": "Long Bridge", "bridge": "yes",
         "highway": "primary", "geometry": LineString([_at(0, 5), _at(2, 5)])},
        {"osm_id": 4, "osm_type": "way", "name": "Long Bridge", "bridge": "yes",
         "highway": "primary", "geometry": LineString([_at(2, 5), _at(4, 5)])},
        {"osm_id": 5, "osm_type": "way", "name": "Stub", "bridge": "yes",
         "highway": "service", "geometry": LineString([_at(0, 8), _at(0.2, 8)])},
        {"osm_id": 6, "osm_type": "way", "name": "Rail Bridge", "bridge": "yes",
         "railway": "rail", "geometry": LineString([_at(0, 10), _at(4, 10)])},
        {"osm_id": 7, "osm_type": "way", "name": "Not A Bridge", "bridge": "no",
         "highway": "primary", "geometry": LineString([_at(0, 12), _at(4, 12)])},
        {"osm_id": 8, "osm_type": "way", "name": "Subway Passage", "tunnel": "yes",
         "highway": "footway", "geometry": LineString([_at(6, 0), _at(6, 2)])},
        {"osm_id": 9, "osm_type": "way", "name": "Mall Corridor", "tunnel": "yes",
         "highway": "footway", "indoor": "yes", "geometry": LineString([_at(7, 0), _at(7, 2)])},
        {"osm_id": 10, "osm_type": "way", "name": "Road Tunnel", "tunnel": "yes",
         "highway": "primary", "geometry": LineString([_at(8, 0), _at(8, 2)])},
        {"osm_id": 11, "osm_type": "way", "name": "New Block", "landuse": "construction",
         "geometry": box(*_at(10, 0), *_at(11, 1))},
        {"osm_id": 12, "osm_type": "way", "name": "Esplanade", "name:zh": "滨海大道公园",
         "leisure": "park", "geometry": box(*_at(10, 5), *_at(12, 6))},
        {"osm_id": 13, "osm_type": "way", "name": "Market Square", "amenity": "marketplace",
         "geometry": box(*_at(14, 0), *_at(15, 1))},
        {"osm_id": 14, "osm_type": "way", "name": "Community House",
         "amenity": "community_centre", "geometry": box(*_at(16, 0), *_at(17, 1))},
        {"osm_id": 15, "osm_type": "node", "name": "Night Shelter",
         "amenity": "social_facility", "geometry": Point(_at(18, 0))},
        {"osm_id": 16, "osm_type": "node", "name": "Police", "amenity": "police",
         "geometry": Point(_at(20, 0))},
        {"osm_id": 17, "osm_type": "way", "name": "Town Hall", "amenity": "townhall",
         "geometry": box(*_at(22, 0), *_at(23, 1))},
        {"osm_id": 18, "osm_type": "node", "name": "Cafe", "amenity": "cafe",
         "geometry": Point(_at(24, 0))},
        {"osm_id": 19, "osm_type": "node", "name": "Nowhere", "railway": "station",
         "geometry": Point()},
    ]
    return harvest(_features(rows))


def test_each_kind_of_place_is_classified(small_town: list[Draft]) -> None:
    """Stations, bridges, underpasses, sites, parks, markets, shelters and bases are found."""
    assert _kinds(small_town) == {
        "station": ["Bus Terminal", "Central"],
        "bridge": ["Long Bridge"],
        "underpass": ["Subway Passage"],
        "construction": ["New Block"],
        "park": ["滨海大道公园"],
        "market": ["Market Square"],
        "shelter": ["Community House", "Night Shelter"],
        "base": ["Police", "Town Hall"],
        "site": ["Bus Terminal"],
    }


def test_touching_bridge_segments_become_one_line(small_town: list[Draft]) -> None:
    """Two touching segments of one bridge are merged into a single line along both."""
    (bridge,) = [d for d in small_town if d.kind == "bridge"]
    assert isinstance(bridge.geometry, LineString)
    assert bridge.geometry.length == pytest.approx(0.004)
    assert bridge.osm_ref is None


def test_areas_stay_areas_and_keep_their_osm_reference(small_town: list[Draft]) -> None:
    """A park keeps its polygon and says which OSM element it came from."""
    (park,) = [d for d in small_town if d.kind == "park"]
    assert isinstance(park.geometry, Polygon)
    assert park.osm_ref == "way/12"


def test_shelters_and_bases_are_points(small_town: list[Draft]) -> None:
    """A community centre mapped as an area becomes a point inside it."""
    places = [d for d in small_town if d.kind in ("shelter", "base")]
    assert all(isinstance(d.geometry, Point) for d in places)
    (house,) = [d for d in places if d.name == "Community House"]
    assert box(*_at(16, 0), *_at(17, 1)).contains(house.geometry)


def test_same_name_twice_nearby_is_kept_once() -> None:
    """A station mapped as an area and as a node 60 m apart is kept once, as the area."""
    area = box(*_at(0, 0), *_at(1, 1))
    rows = [
        {"osm_id": 1, "osm_type": "node", "name": "Central", "railway": "station",
         "geometry": Point(_at(0.5, 1.5))},
        {"osm_id": 2, "osm_type": "way", "name": "Central", "railway": "station",
         "geometry": area},
    ]
    (kept,) = harvest(_features(rows))
    assert kept.geometry.equals(area) and kept.osm_ref == "way/2"


@pytest.mark.parametrize(
    ("second_name", "offset", "expected"),
    [
        ("Central", 5.0, 2),  # the same name 550 m away is another place
        ("Harbour", 0.5, 2),  # another name next door is another place
        ("", 0.5, 2),  # nameless features are never taken for twins
    ],
)
def test_dedup_only_merges_same_name_close_together(
    second_name: str, offset: float, expected: int
) -> None:
    """Features stay apart when the name differs, a name is missing, or they are far apart."""
    first = "" if not second_name else "Central"
    rows = [
        {"osm_id": 1, "osm_type": "node", "name": first, "railway": "station",
         "geometry": Point(_at(0, 0))},
        {"osm_id": 2, "osm_type": "node", "name": second_name, "railway": "station",
         "geometry": Point(_at(0, offset))},
    ]
    assert len(harvest(_features(rows))) == expected


def test_features_without_geometry_are_skipped() -> None:
    """A feature with an empty geometry gives nothing, and no rows give no drafts."""
    rows = [{"osm_id": 1, "osm_type": "node", "name": "Ghost", "railway": "station",
             "geometry": Point()}]
    assert harvest(_features(rows)) == []
    assert harvest(_features([])) == []
