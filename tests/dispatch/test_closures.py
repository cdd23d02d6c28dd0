"""Roads closed tonight: read from GeoJSON with every problem at once, and kept out of plans."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pytest
from shapely.geometry import LineString, Polygon, box
from sqlalchemy.orm import Session

from dispatch.categories import load_categories
from dispatch.closures import read_closures
from dispatch.errors import ValidationError
from dispatch.night import NightOptions
from dispatch.nightplan import NightPlan
from dispatch.planning import plan_night, prepare_night
from dispatch.workspace import Workspace
from routes.network import close_roads, network_edges
from routes.plan import Leg
from routes.problem import Mode
from routes.snap import local_metric_crs
from routes.solve import SolveParams

QUICK = SolveParams(time_limit_s=120, solution_limit=20)
Networks = dict[Mode, nx.MultiDiGraph]
#: Part of Pohjoisesplanadi, along the north side of Esplanadi park.
ESPLANADI_NORTH = [[24.9445, 60.1677], [24.9475, 60.1680]]
ESPLANADI_PARK = box(24.944, 60.167, 24.946, 60.168)


def _geojson(tmp_path: Path, *geometries: object) -> Path:
    path = tmp_path / "closed.geojson"
    features = [{"type": "Feature", "properties": {}, "geometry": g} for g in geometries]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    return path


def _pairs(graph: nx.MultiDiGraph) -> set[tuple[int, int]]:
    return {(u, v) for u, v in graph.edges()}


def _path_edges(graph: nx.MultiDiGraph, leg: Leg) -> set[tuple[int, int]]:
    """The road edges a leg runs along: its consecutive points that are network nodes."""
    nodes_at = {(d["x"], d["y"]): n for n, d in graph.nodes(data=True)}
    nodes = [nodes_at[c] for c in leg.geometry.coords if c in nodes_at]
    return {(u, v) for u, v in zip(nodes, nodes[1:], strict=False) if u != v}


def _fastest_road_leg(plan: NightPlan, graph: nx.MultiDiGraph) -> Leg:
    """The quickest leg of the plan's first drive route that runs along at least one road."""
    route = next(r for r in plan.routes if r.mode == "drive")
    return min((leg for leg in route.legs if _path_edges(graph, leg)), key=lambda leg: leg.travel)


def _metric(graph: nx.MultiDiGraph, shape: object) -> tuple[gpd.GeoDataFrame, object]:
    edges = network_edges(graph).set_crs("EPSG:4326", allow_override=True)
    west, south, east, north = edges.total_bounds
    crs = local_metric_crs((west + east) / 2, (south + north) / 2)
    return edges.to_crs(crs), gpd.GeoSeries([shape], crs="EPSG:4326").to_crs(crs).iloc[0]


def test_lines_and_areas_are_read_in_order(tmp_path: Path) -> None:
    """A collection of a line and an area gives both, as lon/lat shapes."""
    area = [[[24.944, 60.167], [24.946, 60.167], [24.946, 60.168], [24.944, 60.167]]]
    path = _geojson(tmp_path, {"type": "LineString", "coordinates": ESPLANADI_NORTH},
                    {"type": "Polygon", "coordinates": area})
    line, zone = read_closures(path)
    assert line.equals(LineString(ESPLANADI_NORTH))
    assert isinstance(zone, Polygon) and zone.bounds == (24.944, 60.167, 24.946, 60.168)


def test_a_bare_geometry_is_one_closure(tmp_path: Path) -> None:
    """A file holding one geometry, not a collection, is read as one closure."""
    path = tmp_path / "one.geojson"
    path.write_text(json.dumps({"type": "MultiLineString", "coordinates": [ESPLANADI_NORTH]}),
                    encoding="utf-8")
    (closure,) = read_closures(path)
    assert closure.geom_type == "MultiLineString"


def test_every_bad_feature_is_reported_at_once(tmp_path: Path) -> None:
    """A point, a missing geometry and projected metres are all named, by feature number."""
    path = _geojson(
        tmp_path,
        {"type": "Point", "coordinates": [24.94, 60.17]},
        {"type": "LineString", "coordinates": ESPLANADI_NORTH},
        None,
        {"type": "LineString", "coordinates": [[385000, 6672000], [385300, 6672100]]},
    )
    with pytest.raises(ValidationError) as caught:
        read_closures(path)
    message = str(caught.value)
    assert "feature 1: a Point; give a line or an area" in message
    assert "feature 2" not in message
    assert "feature 3: no readable geometry" in message
    assert "feature 4: coordinates are not lon/lat degrees (EPSG:4326)" in message


@pytest.mark.parametrize(
    ("content", "message"),
    [("not json", "is not a GeoJSON file"),
     ('{"type": "FeatureCollection", "features": []}', "no closed road in it"),
     ("[1, 2]", "no closed road in it")],
)
def test_a_file_without_closures_is_refused(tmp_path: Path, content: str, message: str) -> None:
    """Text that is not GeoJSON, or GeoJSON without a road in it, is refused."""
    path = tmp_path / "closed.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValidationError, match=message):
        read_closures(path)


def test_closing_a_line_removes_the_roads_along_it_and_keeps_the_rest(
    demo_plan: NightPlan, networks: Networks
) -> None:
    """A line along a planned leg removes that leg's edges; edges away from it all stay."""
    graph = networks[Mode.DRIVE]
    before = graph.number_of_edges()
    leg = _fastest_road_leg(demo_plan, graph)
    opened = close_roads(graph, [leg.geometry])
    assert graph.number_of_edges() == before  # the cached network is left as it was
    removed = _pairs(graph) - _pairs(opened)
    assert _path_edges(graph, leg) <= removed
    assert _pairs(opened) <= _pairs(graph) and set(opened.nodes) == set(graph.nodes)
    edges, line = _metric(graph, leg.geometry)
    near = line.buffer(10.5)
    for edge in edges.itertuples():
        if (edge.u, edge.v) in removed:  # at least half of it runs within 10 m of the line
            assert edge.geometry.intersection(near).length >= 0.5 * edge.geometry.length
        elif edge.geometry.distance(line) > 10.5:
            assert opened.has_edge(edge.u, edge.v)
    assert opened.number_of_edges() == before - sum(
        graph.number_of_edges(u, v) for u, v in removed)


def test_closing_an_area_removes_every_road_crossing_it(networks: Networks) -> None:
    """An area closes each road that enters it and no other; walking paths too."""
    for graph in networks.values():
        opened = close_roads(graph, [ESPLANADI_PARK])
        edges, zone = _metric(graph, ESPLANADI_PARK)
        crossing = {(e.u, e.v) for e in edges.itertuples() if e.geometry.intersects(zone)}
        assert crossing and _pairs(graph) - _pairs(opened) == crossing


def test_no_closure_leaves_the_network_alone(networks: Networks) -> None:
    """Without closures the network is returned as it is."""
    assert close_roads(networks[Mode.WALK], []) is networks[Mode.WALK]


def test_a_closed_road_is_kept_out_of_the_next_plan(
    demo_session: Session, networks: Networks, demo_workspace: Workspace
) -> None:
    """Closing the roads of a planned leg gives a plan none of whose legs runs along them."""
    options = NightOptions(teams=2, on_foot=1, date=date(2025, 1, 15), start="20:00",
                           end="23:00")
    categories = load_categories(demo_workspace.root)
    before = plan_night(demo_session, prepare_night(demo_session, options), networks,
                        categories, QUICK)
    leg = _fastest_road_leg(before, networks[Mode.DRIVE])
    night = prepare_night(demo_session, dataclasses.replace(options, closures=(leg.geometry,)))
    assert night.closures == (leg.geometry,)
    after = plan_night(demo_session, night, networks, categories, QUICK)
    closed = {mode: _pairs(g) - _pairs(close_roads(g, [leg.geometry]))
              for mode, g in networks.items()}
    assert _path_edges(networks[Mode.DRIVE], leg) <= closed[Mode.DRIVE]
    assert any(r.legs for r in after.routes)
    for route in after.routes:
        mode = Mode(route.mode)
        for new_leg in route.legs:
            assert not _path_edges(networks[mode], new_leg) & closed[mode], new_leg
