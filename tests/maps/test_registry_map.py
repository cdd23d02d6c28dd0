"""The registry's base map and its hotspot features: local assets, colours, panes, history."""

from __future__ import annotations

from datetime import datetime, time

from shapely.geometry import LineString, Point

from dispatch.categories import DEFAULT_CATEGORIES
from dispatch.models import Hotspot, HotspotChange
from maps.basemap import AREA_PANE, POINT_PANE
from maps.registry import build_registry_map, change_document, hotspot_feature
from maps.render import map_parts


def _hotspot(**values: object) -> Hotspot:
    base: dict[str, object] = dict(
        id=7, name="人民桥 People's bridge", category="bridge", risk=4, service_min=10,
        checks_per_night=2, geometry=LineString([(115.98, 36.45), (115.99, 36.45)]),
        access_lon=115.985, access_lat=36.4502, active=True, district="东昌府区",
        window_start=time(18, 0), window_end=time(6, 0), skill="medical")
    base.update(values)
    return Hotspot(**base)


def test_base_map_links_leaflet_and_geoman_and_frames_the_city() -> None:
    """The header links our Leaflet and Geoman; the city's bounds are fitted."""
    m = build_registry_map(bounds=(115.9, 36.4, 116.1, 36.5), asset_base="/assets/leaflet",
                           geoman_base="/assets/geoman")
    parts = map_parts(m)
    assert 'src="/assets/geoman/leaflet-geoman.min.js"' in parts.header
    assert parts.header.index("leaflet.js") < parts.header.index("leaflet-geoman.min.js")
    assert "fitBounds" in parts.script and "36.4" in parts.script


def test_feature_carries_the_form_fields_colour_and_access_point() -> None:
    """A line hotspot keeps its shape, its category colour, window as HH:MM, access [lon, lat]."""
    feature = hotspot_feature(_hotspot(), DEFAULT_CATEGORIES)
    props = feature["properties"]
    assert feature["geometry"] == {"type": "LineString",
                                   "coordinates": [[115.98, 36.45], [115.99, 36.45]]}
    assert props["color"] == DEFAULT_CATEGORIES["bridge"].color
    assert props["category_label"] == "桥梁涵洞 Bridge / culvert"
    assert (props["window_start"], props["window_end"]) == ("18:00", "06:00")
    assert props["access"] == [115.985, 36.4502]
    assert props["pane"] == AREA_PANE


def test_unknown_category_is_grey_and_points_sit_above_areas() -> None:
    """A category the city does not describe is drawn grey; a point goes to the point pane."""
    props = hotspot_feature(_hotspot(category="kiosk", geometry=Point(115.98, 36.45)),
                            DEFAULT_CATEGORIES)["properties"]
    assert props["color"] == "#757575" and props["category_label"] == "kiosk"
    assert props["pane"] == POINT_PANE


def test_history_times_are_utc_even_when_the_database_drops_the_offset() -> None:
    """SQLite returns naive times; the document says +00:00."""
    change = HotspotChange(who="王明", at=datetime(2026, 1, 5, 12, 30), action="update",
                           changes={"risk": [3, 4]})
    assert change_document(change) == {"who": "王明", "at": "2026-01-05T12:30:00+00:00",
                                       "action": "update", "changes": {"risk": [3, 4]}}
