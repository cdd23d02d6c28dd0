"""The maps of a real night: the demo Helsinki plan on its own walking network."""

from __future__ import annotations

import networkx as nx
import pytest

from dispatch.nightplan import NightPlan
from maps.export import plan_geojson
from maps.overview import build_overview_map
from maps.render import map_parts
from maps.team_route import build_team_route_map
from routes.network import network_edges
from routes.problem import Mode

pytestmark = pytest.mark.slow


def test_demo_night_draws_every_route_on_the_road_basemap(
    demo_plan: NightPlan, networks: dict[Mode, nx.MultiDiGraph]
) -> None:
    """Every team's route and the walking network render; the page stays light."""
    roads = network_edges(networks[Mode.WALK])
    overview = map_parts(build_overview_map(demo_plan, roads=roads, asset_base="/assets/leaflet"))
    assert overview.script.count('"MultiLineString"') == 1
    assert overview.script.count("L.polyline(") == len([r for r in demo_plan.routes if r.legs])
    assert len(overview.header + overview.html + overview.script) < 2_000_000
    for route in demo_plan.routes:
        team = map_parts(build_team_route_map(demo_plan, route.team_id, roads=roads,
                                              asset_base="/assets/leaflet"))
        assert team.script.count('"patrol-stop"') == len(route.visits)


def test_demo_night_geojson_has_every_hotspot_once(demo_plan: NightPlan) -> None:
    """The export of a real plan holds one feature per hotspot."""
    hotspots = [f for f in plan_geojson(demo_plan)["features"]
                if f["properties"]["layer"] == "hotspot"]
    assert sorted(f["properties"]["id"] for f in hotspots) == sorted(demo_plan.hotspots)
