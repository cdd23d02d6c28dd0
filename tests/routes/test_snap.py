"""Snapping points, lines and polygons to the nearest road node, in metres on the ground."""

from __future__ import annotations

import networkx as nx
import osmnx as ox
import pytest
from shapely.geometry import LineString, Point, box

from routes.problem import Mode
from routes.snap import Snapper, local_metric_crs


@pytest.fixture(scope="module")
def walk(networks: dict[Mode, nx.MultiDiGraph]) -> nx.MultiDiGraph:
    return networks[Mode.WALK]


@pytest.fixture(scope="module")
def snapper(walk: nx.MultiDiGraph) -> Snapper:
    return Snapper(walk)


def _great_circle_nearest(graph: nx.MultiDiGraph, lon: float, lat: float) -> tuple[int, float]:
    """Brute force: every node's great-circle distance to the point."""
    best = min(
        graph.nodes(data=True),
        key=lambda item: ox.distance.great_circle(lat, lon, item[1]["y"], item[1]["x"]),
    )
    node, data = best
    return node, float(ox.distance.great_circle(lat, lon, data["y"], data["x"]))


def test_a_node_snaps_to_itself(walk: nx.MultiDiGraph, snapper: Snapper) -> None:
    """A node's own coordinates snap to that node at zero metres."""
    node = sorted(walk.nodes)[len(walk) // 2]
    nodes, metres = snapper.nearest([Point(walk.nodes[node]["x"], walk.nodes[node]["y"])])
    assert nodes == [node]
    assert metres[0] == pytest.approx(0.0, abs=1e-6)


def test_nearest_node_matches_brute_force(
    walk: nx.MultiDiGraph, snapper: Snapper, helsinki_places: dict[str, tuple[float, float]]
) -> None:
    """For named places the nearest node and its distance agree with a great-circle search."""
    names = sorted(helsinki_places)
    nodes, metres = snapper.nearest([Point(*helsinki_places[n]) for n in names])
    for name, node, distance in zip(names, nodes, metres, strict=True):
        expected_node, expected_m = _great_circle_nearest(walk, *helsinki_places[name])
        assert distance == pytest.approx(expected_m, abs=1.0), name
        assert node == expected_node or distance == pytest.approx(expected_m, abs=0.5), name


def test_a_point_far_away_is_far_in_metres(walk: nx.MultiDiGraph, snapper: Snapper) -> None:
    """A point 20 km north of the city is measured in true metres (UTM within 0.5 %)."""
    lon, lat = 24.9450, 60.1700 + 20_000 / 111_320
    _, (metres,) = snapper.nearest([Point(lon, lat)])
    _, expected = _great_circle_nearest(walk, lon, lat)
    assert metres > 18_000
    assert metres == pytest.approx(expected, rel=0.005)


def test_lines_and_polygons_snap_by_their_nearest_part(
    walk: nx.MultiDiGraph, snapper: Snapper
) -> None:
    """A polygon around a node and a line through it both snap to it at zero metres."""
    node = sorted(walk.nodes)[0]
    x, y = walk.nodes[node]["x"], walk.nodes[node]["y"]
    area = box(x - 1e-5, y - 1e-5, x + 1e-5, y + 1e-5)
    line = LineString([(x - 1e-3, y), (x, y), (x + 1e-3, y)])
    nodes, metres = snapper.nearest([area, line])
    assert metres == [pytest.approx(0.0, abs=1e-6)] * 2
    assert nodes[0] == node


def test_snapping_nothing_gives_nothing(snapper: Snapper) -> None:
    """An empty list of geometries gives empty results."""
    assert snapper.nearest([]) == ([], [])


def test_an_empty_network_cannot_snap() -> None:
    """A network with no nodes is refused up front."""
    with pytest.raises(ValueError, match="empty network"):
        Snapper(nx.MultiDiGraph())


def test_metres_are_measured_in_the_local_utm_zone(snapper: Snapper) -> None:
    """Helsinki (24.9 E, 60.2 N) lies in UTM zone 35 north."""
    assert local_metric_crs(24.94, 60.17).to_epsg() == 32635
    assert snapper.crs.to_epsg() == 32635
