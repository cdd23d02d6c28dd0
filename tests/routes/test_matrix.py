"""Shortest travel times and paths with Dijkstra, checked against networkx."""

from __future__ import annotations

import networkx as nx
import pytest
from shapely.geometry import Point

from routes.matrix import ShortestPaths
from routes.problem import Mode
from routes.snap import Snapper


@pytest.fixture(scope="module")
def named_nodes(
    networks: dict[Mode, nx.MultiDiGraph], helsinki_places: dict[str, tuple[float, float]]
) -> dict[Mode, dict[str, int]]:
    """The node each named place snaps to, per mode."""
    names = sorted(helsinki_places)
    result = {}
    for mode, graph in networks.items():
        nodes, _ = Snapper(graph).nearest([Point(*helsinki_places[n]) for n in names])
        result[mode] = dict(zip(names, nodes, strict=True))
    return result


def _tiny_graph(edges: list[tuple[int, int, float]]) -> nx.MultiDiGraph:
    """Nodes 1, 2, 3 ... in a row along a parallel; edges as (u, v, seconds)."""
    graph = nx.MultiDiGraph()
    for node in sorted({n for u, v, _ in edges for n in (u, v)}):
        graph.add_node(node, x=24.94 + node * 0.001, y=60.17)
    for u, v, seconds in edges:
        graph.add_edge(u, v, travel_time=seconds, length=seconds * 10.0)
    return graph


@pytest.mark.parametrize("mode", list(Mode))
def test_times_match_networkx(
    networks: dict[Mode, nx.MultiDiGraph], named_nodes: dict[Mode, dict[str, int]], mode: Mode
) -> None:
    """Every pair of named places takes the same time as networkx's shortest path."""
    graph = networks[mode]
    nodes = named_nodes[mode]
    paths = ShortestPaths(graph, nodes.values())
    for a in nodes.values():
        for b in nodes.values():
            expected = nx.shortest_path_length(graph, a, b, weight="travel_time")
            assert paths.seconds(a, b) == pytest.approx(expected, abs=1e-6)


def test_path_follows_edges_and_adds_up(
    networks: dict[Mode, nx.MultiDiGraph], named_nodes: dict[Mode, dict[str, int]]
) -> None:
    """A path runs from source to target along edges whose fastest times add up to its time."""
    graph = networks[Mode.WALK]
    a, b = named_nodes[Mode.WALK]["city_hall"], named_nodes[Mode.WALK]["toolonlahti_park"]
    paths = ShortestPaths(graph, [a])
    nodes = paths.path(a, b)
    assert nodes[0] == a and nodes[-1] == b
    total = sum(min(d["travel_time"] for d in graph.get_edge_data(u, v).values())
                for u, v in zip(nodes[:-1], nodes[1:], strict=True))
    assert total == pytest.approx(paths.seconds(a, b))


def test_path_line_runs_along_the_roads(
    networks: dict[Mode, nx.MultiDiGraph], named_nodes: dict[Mode, dict[str, int]]
) -> None:
    """The leg line starts and ends at the two nodes and its length sums the edges used."""
    graph = networks[Mode.DRIVE]
    a, b = named_nodes[Mode.DRIVE]["city_hall"], named_nodes[Mode.DRIVE]["central_station"]
    paths = ShortestPaths(graph, [a])
    line, metres = paths.path_line(a, b)
    assert line.coords[0] == (graph.nodes[a]["x"], graph.nodes[a]["y"])
    assert line.coords[-1] == (graph.nodes[b]["x"], graph.nodes[b]["y"])
    nodes = paths.path(a, b)
    fastest = [min(graph.get_edge_data(u, v).values(), key=lambda d: d["travel_time"])
               for u, v in zip(nodes[:-1], nodes[1:], strict=True)]
    assert metres == pytest.approx(sum(d["length"] for d in fastest))
    # The line is no shorter than the straight distance between its ends.
    assert metres >= Point(line.coords[0]).distance(Point(line.coords[-1])) * 55_000


def test_staying_put_is_free(
    networks: dict[Mode, nx.MultiDiGraph], named_nodes: dict[Mode, dict[str, int]]
) -> None:
    """From a node to itself: zero seconds, a one-node path and a zero-length line."""
    a = named_nodes[Mode.WALK]["university"]
    paths = ShortestPaths(networks[Mode.WALK], [a])
    assert paths.seconds(a, a) == 0.0
    assert paths.path(a, a) == [a]
    line, metres = paths.path_line(a, a)
    assert metres == 0.0 and line.length == 0.0


def test_fastest_parallel_edge_is_used() -> None:
    """Of two parallel roads between the same nodes, the faster one counts."""
    paths = ShortestPaths(_tiny_graph([(1, 2, 90.0), (1, 2, 30.0), (2, 1, 60.0)]), [1])
    assert paths.seconds(1, 2) == pytest.approx(30.0)
    assert paths.path_line(1, 2)[1] == pytest.approx(300.0)


def test_zero_second_edge_still_connects() -> None:
    """An edge of zero seconds is a road, not a missing edge."""
    paths = ShortestPaths(_tiny_graph([(1, 2, 0.0), (2, 3, 10.0), (3, 1, 10.0)]), [1])
    assert paths.seconds(1, 2) == pytest.approx(0.0, abs=1e-3)
    assert paths.path(1, 3) == [1, 2, 3]


def test_unreachable_node_is_infinite_and_has_no_path() -> None:
    """Against a one-way street: infinite time, and asking for the path says so."""
    paths = ShortestPaths(_tiny_graph([(1, 2, 10.0)]), [2])
    assert paths.seconds(2, 1) == float("inf")
    with pytest.raises(ValueError, match="node 1 cannot be reached from node 2"):
        paths.path(2, 1)
