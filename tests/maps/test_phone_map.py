"""The phone's map data, basemap choice, GCJ-02 drawing, navigation links and GPX (Harbin)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import geopandas as gpd
import gpxpy
import pytest
from pyproj import Geod

from dispatch.chinacoords import point_from_wgs84
from dispatch.nightplan import NightPlan
from maps.basemap import Basemap, choose_basemap, plan_in_datum
from maps.export import route_gpx
from maps.navlinks import nav_links
from maps.overview import build_overview_map
from maps.render import map_parts
from maps.team_route import team_route_data

GEOD = Geod(ellps="WGS84")


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return abs(GEOD.inv(a[0], a[1], b[0], b[1])[2])


def test_phone_data_holds_route_stops_and_places_as_one_collection(
        harbin_night: NightPlan, harbin_roads: gpd.GeoDataFrame) -> None:
    """One route line, the stops in order with their times on Harbin's clock, base, shelter."""
    data = team_route_data(harbin_night, "T1", roads=harbin_roads)
    features = data["features"]["features"]
    layers = [f["properties"]["layer"] for f in features]
    assert layers.count("route") == 1 and "base" in layers and "shelter" in layers
    stops = [f["properties"] for f in features if f["properties"]["layer"] == "stop"]
    assert [(s["seq"], s["visit"], s["time"]) for s in stops] == [(1, "1#1", "20:15"),
                                                                  (2, "2#1", "20:35")]
    assert "area" in layers  # the bridge is a line, drawn as its shape
    assert data["roads"]["type"] == "MultiLineString" and data["tiles"] == []


def test_amap_basemap_draws_everything_in_gcj02(harbin_night: NightPlan) -> None:
    """On Amap tiles every stop sits hundreds of metres off WGS-84, as GCJ-02 puts it, and
    the GPS shift moves a fix the same way."""
    wgs = team_route_data(harbin_night, "T1")
    gcj = team_route_data(harbin_night, "T1", basemap=choose_basemap("amap"))
    assert gcj["datum"] == "gcj02" and "autonavi.com" in gcj["tiles"][0]["url"]
    first = [f for f in wgs["features"]["features"] if f["properties"]["layer"] == "stop"][0]
    moved = [f for f in gcj["features"]["features"] if f["properties"]["layer"] == "stop"][0]
    lon, lat = first["geometry"]["coordinates"]
    expected = point_from_wgs84(lon, lat, "gcj02")
    assert moved["geometry"]["coordinates"] == pytest.approx(list(expected), abs=2e-5)
    assert 100 < _metres((lon, lat), expected) < 1000
    shifted = (lon + gcj["gps_shift"][0], lat + gcj["gps_shift"][1])
    assert _metres(shifted, expected) < 5


def test_plan_in_datum_converts_hotspots_legs_and_places(harbin_night: NightPlan) -> None:
    """Every geometry of the plan moves; WGS-84 gives the same plan back."""
    assert plan_in_datum(harbin_night, "wgs84") is harbin_night
    moved = plan_in_datum(harbin_night, "gcj02")
    before, after = harbin_night.hotspots[1], moved.hotspots[1]
    assert _metres(before.geometry.coords[0], after.geometry.coords[0]) > 100
    assert after.access == pytest.approx(point_from_wgs84(*before.access, "gcj02"))
    leg, leg2 = harbin_night.routes[0].legs[0], moved.routes[0].legs[0]
    assert _metres(leg.geometry.coords[-1], leg2.geometry.coords[-1]) > 100


def test_basemap_choices_and_their_errors() -> None:
    """Roads by default; tiles need a URL, Tianditu a key; unknown kinds name the choices."""
    assert choose_basemap() == Basemap()
    assert choose_basemap(tiles="https://t.example.cn/{z}/{x}/{y}.png").kind == "tiles"
    tianditu = choose_basemap("tianditu", tianditu_key="abc123")
    assert [t.url.count("tk=abc123") for t in tianditu.layers] == [1, 1]
    assert tianditu.datum == "wgs84"
    with pytest.raises(ValueError, match="PATROL_TIANDITU_KEY"):
        choose_basemap("tianditu")
    with pytest.raises(ValueError, match="PATROL_TILES"):
        choose_basemap("tiles")
    with pytest.raises(ValueError, match="amap"):
        choose_basemap("google")


def test_folium_maps_take_the_basemap_layers(harbin_night: NightPlan) -> None:
    """The overview draws Tianditu's two layers with their subdomains."""
    m = build_overview_map(harbin_night, asset_base="a",
                           basemap=choose_basemap("tianditu", tianditu_key="k1"))
    script = map_parts(m).script
    assert script.count("L.tileLayer(") == 2 and '"subdomains": "01234567"' in script


def test_navigation_links_use_each_apps_datum() -> None:
    """Amap in GCJ-02 (lon,lat), Baidu in BD-09 (lat,lon), geo: in WGS-84; names escaped."""
    links = nav_links(115.98, 36.45, "东昌湖 & 桥", mode="walk")
    amap = parse_qs(urlsplit(links.amap).query)
    g_lon, g_lat = point_from_wgs84(115.98, 36.45, "gcj02")
    assert amap["to"] == [f"{g_lon:.6f},{g_lat:.6f},东昌湖 & 桥"] and amap["mode"] == ["walk"]
    baidu = parse_qs(urlsplit(links.baidu).query)
    b_lon, b_lat = point_from_wgs84(115.98, 36.45, "bd09")
    assert baidu["location"] == [f"{b_lat:.6f},{b_lon:.6f}"]
    assert baidu["coord_type"] == ["bd09ll"]
    assert links.geo.startswith("geo:36.450000,115.980000?q=")


def test_gpx_of_a_route(harbin_night: NightPlan) -> None:
    """Waypoints per stop with UTC times, one track along the legs without repeated joints."""
    gpx = gpxpy.parse(route_gpx(harbin_night, "T1"))
    assert [w.name for w in gpx.waypoints] == ["1 北站 North station", "2 松花江桥 Songhua bridge"]
    assert gpx.waypoints[0].time.hour == 12  # 20:15 in Harbin is 12:15 UTC
    points = gpx.tracks[0].segments[0].points
    legs = harbin_night.route("T1").legs
    assert len(points) == sum(len(leg.geometry.coords) for leg in legs) - (len(legs) - 1)
    with pytest.raises(KeyError):
        route_gpx(harbin_night, "T9")
