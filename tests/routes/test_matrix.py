"""Shortest travel times and paths with Dijkstra, checked against networkx."""

from __future__ import annotations

import itertools
import random
from math import inf

import networkx as nx
import pytest
from shapely.geometry import Point

import routes.matrix as matrix_module
from routes.matrix import (
    ShortestPaths,
    forget_network,
    network_index,
    travel_matrix,
)
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


def _two_parts() -> nx.MultiDiGraph:
    """Two separate parts, each of two-way streets: 1-2-3 and 7-8."""
    return _tiny_graph([(1, 2, 10.0), (2, 1, 10.0), (2, 3, 5.0), (3, 2, 5.0),
                        (7, 8, 20.0), (8, 7, 20.0)])


def _random_streets(seed: int) -> nx.MultiDiGraph:
    """A made-up network of what shrinking handles: dead ends, chains (one-way, or two-way
    with different times each way, or back to where they start), parallel roads, a lone ring.
    """
    rng = random.Random(seed)
    edges: list[tuple[int, int, float]] = []
    count = 30

    def street(u: int, v: int) -> None:
        kind = rng.random()
        if kind > 0.2:
            edges.append((u, v, rng.uniform(1, 60)))
        if kind < 0.8:
            edges.append((v, u, rng.uniform(1, 60)))

    def chain(u: int, v: int, length: int) -> None:
        nonlocal count
        inner = list(range(count + 1, count + 1 + length))
        count += length
        for a, b in itertools.pairwise([u, *inner, v]):
            street(a, b)

    for node in range(2, 31):
        chain(rng.randint(1, node - 1), node, rng.choice([0, 0, 1, 3]))
    for _ in range(25):
        u, v = rng.sample(range(1, 31), 2)
        chain(u, v, rng.choice([0, 1, 2, 5]))
    for _ in range(5):
        u = rng.randint(1, 30)
        chain(u, u, rng.randint(2, 4))
    for _ in range(8):
        chain(rng.randint(1, count), count + 1, 0)
        count += 1
    for u, v, seconds in rng.sample(edges, 10):
        edges.append((u, v, seconds * rng.uniform(0.5, 2)))
    ring = list(range(count + 1, count + 6))
    edges += [(a, b, 7.0) for a, b in itertools.pairwise([*ring, ring[0]])]
    return _tiny_graph(edges)


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("count", [5, 150])
def test_matrix_matches_networkx_on_sampled_pairs(
    networks: dict[Mode, nx.MultiDiGraph], mode: Mode, count: int
) -> None:
    """A few or many origins (then the network is shrunk first): networkx's times for each."""
    graph = networks[mode]
    rng = random.Random(11)
    origins = rng.sample(list(graph.nodes), min(count, graph.number_of_nodes()))
    destinations = rng.sample(list(graph.nodes), min(count, graph.number_of_nodes()))
    matrix = travel_matrix(graph, origins, destinations)
    assert matrix.shape == (len(origins), len(destinations))
    for row in rng.sample(range(len(origins)), 5):
        expected = nx.single_source_dijkstra_path_length(graph, origins[row],
                                                         weight="travel_time")
        for col, target in enumerate(destinations):
            assert matrix[row, col] == pytest.approx(expected.get(target, inf), abs=1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_shrunk_network_keeps_every_time(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    """Shrinking drops and contracts only what no shortest path between the asked nodes needs."""
    monkeypatch.setattr(matrix_module, "_SHRINK_FROM_ORIGINS", 1)
    graph = _random_streets(seed)
    rng = random.Random(seed)
    asked = rng.sample(sorted(graph.nodes), 12)
    matrix = travel_matrix(graph, asked[:8], asked[4:])
    for row, source in enumerate(asked[:8]):
        expected = nx.single_source_dijkstra_path_length(graph, source, weight="travel_time")
        for col, target in enumerate(asked[4:]):
            assert matrix[row, col] == pytest.approx(expected.get(target, inf), abs=1e-9)


def test_matrix_rows_and_columns_follow_the_order_asked() -> None:
    """Repeated and reordered nodes get their own rows and columns."""
    graph = _tiny_graph([(1, 2, 10.0), (2, 3, 5.0), (3, 1, 1.0)])
    matrix = travel_matrix(graph, [3, 1, 3], [2, 1])
    assert matrix.tolist() == [[11.0, 1.0], [10.0, 0.0], [11.0, 1.0]]


def test_unreachable_pairs_are_infinite_and_say_so() -> None:
    """Across two separate parts: inf in the matrix, not reachable, and no path."""
    graph = _two_parts()
    matrix = travel_matrix(graph, [1, 7], [3, 8])
    assert matrix[0, 0] == pytest.approx(15.0) and matrix[1, 1] == pytest.approx(20.0)
    assert matrix[0, 1] == inf and matrix[1, 0] == inf
    paths = ShortestPaths(graph, [1, 7])
    assert paths.reachable(1, 3) and not paths.reachable(1, 8)
    assert paths.seconds(7, 3) == inf
    with pytest.raises(ValueError, match="node 8 cannot be reached from node 1"):
        paths.path(1, 8)


def test_nodes_off_the_network_are_named() -> None:
    """Asking for nodes the network lacks names every one of them."""
    with pytest.raises(ValueError, match="2 node.*not in the network: 4, 5"):
        travel_matrix(_two_parts(), [1, 4], [5])


def test_matrix_of_fastest_parallel_edge() -> None:
    """Of two parallel roads between the same nodes, the matrix uses the faster one."""
    graph = _tiny_graph([(1, 2, 90.0), (1, 2, 30.0), (2, 1, 60.0)])
    assert travel_matrix(graph, [1, 2], [1, 2]).tolist() == [[0.0, 30.0], [60.0, 0.0]]


def test_results_are_cached_per_graph_object() -> None:
    """The same graph and nodes give the same read-only array; another graph object does not."""
    graph = _two_parts()
    first = travel_matrix(graph, [1, 2], [3, 8])
    assert travel_matrix(graph, [1, 2], [3, 8]) is first
    assert not first.flags.writeable
    assert travel_matrix(graph, [2, 1], [3, 8]) is not first
    copy = graph.copy()
    again = travel_matrix(copy, [1, 2], [3, 8])
    assert again is not first and again.tolist() == first.tolist()
    forget_network(graph)
    assert travel_matrix(graph, [1, 2], [3, 8]) is not first


def test_shortest_paths_share_the_cached_trees() -> None:
    """Shortest paths from the same sources reuse the cached trees, and so does a matrix."""
    graph = _two_parts()
    index = network_index(graph)
    sources = index.positions([1, 7])
    trees = index.trees(sources)
    assert index.trees(sources[::-1]) is trees
    paths = ShortestPaths(graph, [7, 1])
    assert paths.seconds(1, 3) == pytest.approx(15.0)
    assert network_index(graph) is index and index.trees(sources) is trees
    assert travel_matrix(graph, [7, 1], [8]).tolist() == [[20.0], [inf]]
