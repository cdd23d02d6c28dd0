"""How far one gets along the network in a given time: reach times and walking areas.

A walking area is drawn from the edges themselves, not from a hull of reached
nodes: every edge wholly within the time, plus the reached part of each edge the
time runs out on, buffered by a few metres. So a river or a fenced rail yard
that the paths go around stays outside, as it does for someone walking.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from routes.contract import FloatArray
from routes.matrix import network_index
from routes.snap import local_metric_crs

#: Half the width of the strip drawn along a reached path, metres.
STRIP_M = 25.0


@dataclass(frozen=True)
class ReachArea:
    """The area reached from ``source`` within ``minutes``, in EPSG:4326."""

    source: Hashable
    minutes: float
    area: BaseGeometry


def reach_seconds(graph: nx.MultiDiGraph, sources: Sequence[Hashable],
                  targets: Sequence[Hashable], *, within_s: float | None = None) -> FloatArray:
    """Travel seconds from each source to each target; ``inf`` beyond ``within_s``.

    With a limit, each Dijkstra stops at it: reach questions ("who is within
    15 minutes?") cost a small part of a full tree on a city-sized network.
    """
    index = network_index(graph)
    rows = index.positions(sources)
    cols = index.positions(targets)
    if len(rows) == 0 or len(cols) == 0:
        return np.full((len(rows), len(cols)), np.inf)
    limit = np.inf if within_s is None else float(within_s)
    times = dijkstra(index.weights, directed=True, indices=rows, limit=limit, min_only=False)
    return np.asarray(times[:, cols], dtype=np.float64)


class ReachMap:
    """A network's edges in metres, ready to draw the areas reached from sources."""

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        self.graph = graph
        index = network_index(graph)
        self._index = index
        xs = [float(d["x"]) for _, d in graph.nodes(data=True)]
        ys = [float(d["y"]) for _, d in graph.nodes(data=True)]
        crs = local_metric_crs(float(np.mean(xs)), float(np.mean(ys)))
        self._back = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        tails, heads, seconds, lines = [], [], [], []
        for u, v, data in graph.edges(data=True):
            if u == v:
                continue
            tails.append(index.position[u])
            heads.append(index.position[v])
            seconds.append(float(data.get("travel_time", 0.0)))
            lines.append(data.get("geometry") or LineString(
                [(graph.nodes[u]["x"], graph.nodes[u]["y"]),
                 (graph.nodes[v]["x"], graph.nodes[v]["y"])]))
        self._tail = np.asarray(tails, dtype=np.int64)
        self._head = np.asarray(heads, dtype=np.int64)
        self._seconds = np.asarray(seconds, dtype=np.float64)
        self._lines = np.asarray(gpd.GeoSeries(lines, crs="EPSG:4326").to_crs(crs).values)

    def areas(self, sources: Sequence[Hashable], minutes: Sequence[float],
              *, strip_m: float = STRIP_M) -> list[ReachArea]:
        """One area per source and time, sources in order, times ascending within each."""
        cutoffs = sorted(float(m) for m in minutes)
        if not cutoffs or min(cutoffs) <= 0:
            raise ValueError("walking times must be positive minutes, e.g. 10, 15, 20")
        rows = self._index.positions(sources)
        times = dijkstra(self._index.weights, directed=True, indices=rows,
                         limit=cutoffs[-1] * 60.0, min_only=False)
        found = []
        for source, reached in zip(sources, times, strict=True):
            for cutoff in cutoffs:
                area = self._area(reached, cutoff * 60.0, strip_m)
                found.append(ReachArea(source, cutoff, area))
        return found

    def _area(self, reached: FloatArray, limit_s: float, strip_m: float) -> BaseGeometry:
        start = reached[self._tail]
        whole = start + self._seconds <= limit_s
        partial = (start < limit_s) & ~whole
        pieces = list(self._lines[whole])
        for i in np.flatnonzero(partial):
            share = (limit_s - start[i]) / self._seconds[i]
            pieces.append(shapely.ops.substring(self._lines[i], 0.0, share, normalized=True))
        if not pieces:
            return shapely.Polygon()
        # Strips drawn per piece, then merged: ~35x faster on a city than buffering the
        # merged lines (GEOS's buffer of a large noded network is what costs), same area.
        metric = shapely.union_all(shapely.buffer(np.asarray(pieces, dtype=object), strip_m,
                                                  quad_segs=2))
        return shapely.transform(metric, self._to_lonlat, interleaved=False)

    def _to_lonlat(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lonlat: tuple[np.ndarray, np.ndarray] = self._back.transform(xs, ys)
        return lonlat
