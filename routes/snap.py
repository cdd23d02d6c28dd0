"""Snap geometries (points, lines, polygons) to the nearest node of a road network.

Distances are measured in the network's local UTM zone, so "500 m from the
nearest road" means metres on the ground wherever the city is.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry


class Snapper:
    """Nearest-node look-ups on one network, built once and reused."""

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        if graph.number_of_nodes() == 0:
            raise ValueError("cannot snap to an empty network")
        self.node_ids = np.array(list(graph.nodes), dtype=np.int64)
        lons = np.array([graph.nodes[n]["x"] for n in self.node_ids], dtype=float)
        lats = np.array([graph.nodes[n]["y"] for n in self.node_ids], dtype=float)
        self.crs = local_metric_crs(float(np.mean(lons)), float(np.mean(lats)))
        self._to_metric = Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        xs, ys = self._to_metric.transform(lons, lats)
        self._tree = shapely.STRtree(shapely.points(xs, ys))

    def nearest(self, geometries: Sequence[BaseGeometry]) -> tuple[list[int], list[float]]:
        """The nearest node of each geometry (lon/lat) and its distance in metres."""
        if not geometries:
            return [], []
        metric = shapely.transform(
            np.asarray(geometries, dtype=object), self._project, interleaved=False
        )
        tree_index = self._tree.query_nearest(metric, return_distance=True, all_matches=False)
        (geometry_index, node_index), distances = tree_index
        nodes = [0] * len(geometries)
        dists = [0.0] * len(geometries)
        for g, n, d in zip(geometry_index, node_index, distances, strict=True):
            nodes[int(g)] = int(self.node_ids[n])
            dists[int(g)] = float(d)
        return nodes, dists

    def _project(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        metric: tuple[np.ndarray, np.ndarray] = self._to_metric.transform(xs, ys)
        return metric


def local_metric_crs(lon: float, lat: float) -> CRS:
    """The UTM zone holding (lon, lat): metres with little distortion at city scale."""
    return CRS.from_epsg(_utm_epsg(lon, lat))


@lru_cache(maxsize=1024)
def _utm_epsg(lon: float, lat: float) -> int:
    """The zone's EPSG code, looked up once per place: the look-up searches PROJ's
    database (about 0.1 s), and every re-plan and board ranking snaps to the same
    networks. A code, not the CRS object, is kept: threads share the cache."""
    point = gpd.GeoSeries.from_xy([lon], [lat], crs="EPSG:4326")
    code = point.estimate_utm_crs().to_epsg()
    if code is None:
        raise ValueError(f"no UTM zone holds ({lon}, {lat})")
    return int(code)
