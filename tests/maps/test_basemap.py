"""The ground under a map: no tiles by default, a faint road network, or a city's own tiles."""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import pytest

from dispatch.nightplan import NightPlan
from maps.basemap import road_geojson
from maps.overview import build_overview_map
from maps.render import map_parts
from maps.team_route import build_team_route_map

CITY_TILES = "https://tiles.harbin.example.gov.cn/{z}/{x}/{y}.png"


def test_no_tiles_by_default(harbin_night: NightPlan) -> None:
    """Without a tile server the map asks no host for tiles."""
    script = map_parts(build_overview_map(harbin_night, asset_base="a")).script
    assert "L.tileLayer(" not in script


def test_road_network_is_one_faint_layer(harbin_night: NightPlan,
                                         harbin_roads: gpd.GeoDataFrame) -> None:
    """Roads become a single thin grey, non-interactive layer below the hotspots."""
    script = map_parts(build_team_route_map(harbin_night, "T1", roads=harbin_roads,
                                            asset_base="a")).script
    assert script.count('"MultiLineString"') == 1
    assert '"interactive": false' in script
    assert '"pane": "patrol-roads"' in script
    assert "中央大街" not in script  # no names, no tooltips: just the ground


def test_roads_are_drawn_once_per_street_and_rounded(harbin_roads: gpd.GeoDataFrame) -> None:
    """A two-way road's two directions become one line; coordinates keep five decimals."""
    geometry = road_geojson(harbin_roads)
    assert geometry["type"] == "MultiLineString"
    assert len(geometry["coordinates"]) == 2
    assert [126.61235, 45.75123] in [point for line in geometry["coordinates"] for point in line]


def test_roads_in_a_projected_crs_are_drawn_in_lon_lat(harbin_roads: gpd.GeoDataFrame) -> None:
    """Roads given in a metric CRS come back as WGS-84 (lon, lat)."""
    geometry = road_geojson(harbin_roads.to_crs(32652))
    lons = [lon for line in geometry["coordinates"] for lon, _ in line]
    assert all(126.6 < lon < 126.64 for lon in lons)


def test_empty_road_frame_draws_no_layer(harbin_night: NightPlan,
                                         harbin_roads: gpd.GeoDataFrame) -> None:
    """A road frame without lines leaves the map without a road layer."""
    script = map_parts(build_overview_map(harbin_night, roads=harbin_roads.iloc[0:0],
                                          asset_base="a")).script
    assert "MultiLineString" not in script


def test_city_tile_server_is_used_with_escaped_credit(harbin_night: NightPlan,
                                                      js_text: Callable[[str], str]) -> None:
    """A city's own {z}/{x}/{y} server is drawn, credited as plain text."""
    m = build_overview_map(harbin_night, asset_base="a", tiles=CITY_TILES,
                           attribution="© 哈尔滨 <script>")
    text = js_text(map_parts(m).script)
    assert "L.tileLayer(" in map_parts(m).script
    assert CITY_TILES in text
    assert "© 哈尔滨 &lt;script&gt;" in text


def test_city_tile_server_without_credit_names_its_host(harbin_night: NightPlan,
                                                        js_text: Callable[[str], str]) -> None:
    """Without an attribution the tiles are credited to their host."""
    m = build_overview_map(harbin_night, asset_base="a", tiles=CITY_TILES)
    assert "tiles.harbin.example.gov.cn" in js_text(map_parts(m).script).splitlines()


def test_provider_names_are_refused(harbin_night: NightPlan) -> None:
    """A provider name (which Folium would fetch from a public server) is not a template."""
    with pytest.raises(ValueError, match=r"\{z\}, \{x\} and \{y\}"):
        build_overview_map(harbin_night, asset_base="a", tiles="OpenStreetMap")
