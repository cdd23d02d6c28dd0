"""Travel-time matrices and shortest paths on a road network, with SciPy's Dijkstra.

One Dijkstra run per distinct source node gives both the times the solver needs
and the predecessor trees from which leg geometries are rebuilt, so a leg always
follows the path whose time the solver used.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString

#: csgraph treats a zero weight as "no edge"; a zero-length edge keeps this instead.
_MIN_SECONDS = 1e-6


class ShortestPaths:
    """Shortest travel times and paths from a set of source nodes to every node."""

    def __init__(self, graph: nx.MultiDiGraph, sources: Iterable[int]) -> None:
        self.graph = graph
        self._nodes = list(graph.nodes)
        self._col = {node: i for i, node in enumerate(self._nodes)}
        self._sources = sorted(set(sources))
        self._row = {node: i for i, node in enumerate(self._sources)}
        weights = _weight_matrix(graph, self._col)
        indices = [self._col[s] for s in self._sources]
        self._times, self._pred = dijkstra(
            weights, directed=True, indices=indices, return_predecessors=True
        )

    def seconds(self, source: int, target: int) -> float:
        """Shortest travel time in seconds (``inf`` when unreachable)."""
        return float(self._times[self._row[source], self._col[target]])

    def path(self, source: int, target: int) -> list[int]:
        """The nodes of the shortest path, source and target included."""
        row = self._pred[self._row[source]]
        col = self._col[target]
        if source != target and row[col] < 0:
            raise ValueError(f"node {target} cannot be reached from node {source}")
        cols = [col]
        while self._nodes[cols[-1]] != source:
            cols.append(int(row[cols[-1]]))
        return [self._nodes[c] for c in reversed(cols)]

    def path_line(self, source: int, target: int) -> tuple[LineString, float]:
        """The path as a lon/lat line along the roads, and its length in metres."""
        nodes = self.path(source, target)
        coords: list[tuple[float, float]] = [self._xy(nodes[0])]
        metres = 0.0
        for u, v in zip(nodes[:-1], nodes[1:], strict=True):
            data = _fastest_edge(self.graph, u, v)
            metres += float(data.get("length", 0.0))
            geometry: LineString | None = data.get("geometry")
            part = list(geometry.coords) if geometry is not None else [self._xy(u), self._xy(v)]
            if part[0] != coords[-1] and part[-1] == coords[-1]:
                part.reverse()
            coords.extend(part[1:])
        if len(coords) == 1:
            coords.append(coords[0])
        return LineString(coords), metres

    def _xy(self, node: int) -> tuple[float, float]:
        data = self.graph.nodes[node]
        return float(data["x"]), float(data["y"])


def _weight_matrix(graph: nx.MultiDiGraph, col: dict[int, int]) -> csr_matrix:
    best: dict[tuple[int, int], float] = {}
    for u, v, seconds in graph.edges(data="travel_time"):
        key = (col[u], col[v])
        weight = max(float(seconds), _MIN_SECONDS)
        if weight < best.get(key, np.inf):
            best[key] = weight
    rows = np.fromiter((k[0] for k in best), dtype=np.int64, count=len(best))
    cols = np.fromiter((k[1] for k in best), dtype=np.int64, count=len(best))
    data = np.fromiter(best.values(), dtype=float, count=len(best))
    size = len(col)
    return csr_matrix((data, (rows, cols)), shape=(size, size))


def _fastest_edge(graph: nx.MultiDiGraph, u: int, v: int) -> dict[str, Any]:
    edges = graph.get_edge_data(u, v)
    return min(edges.values(), key=lambda d: float(d["travel_time"]))
