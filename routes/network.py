"""Road networks ready for routing: travel times, one strongly connected part, cached.

A patrol must be able to return from every stop it reaches, so each mode's
network is cut to its largest strongly connected part before anything is
snapped to it.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import geopandas as gpd
import networkx as nx
import osmnx as ox
from shapely.geometry.base import BaseGeometry

from routes.errors import NetworkError
from routes.problem import Mode
from routes.snap import local_metric_crs
from routes.source import OsmSource

log = logging.getLogger(__name__)

#: Night-time walking pace of a patrol checking its surroundings, km/h.
WALK_KPH = 4.5
#: Vehicles drive slower than the posted limit at night, in ice and looking around.
NIGHT_DRIVE_FACTOR = 0.8
#: Speed for roads with no usable ``maxspeed`` and no highway-class mean, km/h.
FALLBACK_DRIVE_KPH = 30.0

_KEEP_EDGE = ("osmid", "highway", "name", "length", "geometry", "speed_kph", "travel_time",
              "bridge", "tunnel", "oneway")
_KEEP_NODE = ("x", "y", "street_count")


def build_network(source: OsmSource, mode: Mode) -> nx.MultiDiGraph:
    """Fetch or read ``mode``'s roads from ``source`` and make them routable."""
    log.info("building the %s network from %s", mode, source.describe())
    raw = source.road_graph(mode)
    if raw.number_of_edges() == 0:
        raise NetworkError(f"{source.describe()} holds no {mode} roads")
    graph = ox.truncate.largest_component(raw, strongly=True)
    add_travel_times(graph, mode)
    _prune_attributes(graph)
    graph.graph["mode"] = str(mode)
    log.info(
        "%s network: %d nodes, %d edges (of %d nodes read)",
        mode, graph.number_of_nodes(), graph.number_of_edges(), raw.number_of_nodes(),
    )
    return graph


def add_travel_times(graph: nx.MultiDiGraph, mode: Mode) -> None:
    """Set ``speed_kph`` and ``travel_time`` (seconds) on every edge, in place."""
    if mode is Mode.WALK:
        for _, _, data in graph.edges(data=True):
            data["speed_kph"] = WALK_KPH
    else:
        ox.routing.add_edge_speeds(graph, fallback=FALLBACK_DRIVE_KPH)
        for _, _, data in graph.edges(data=True):
            speed = float(data["speed_kph"])
            if not math.isfinite(speed) or speed <= 0:
                speed = FALLBACK_DRIVE_KPH
            data["speed_kph"] = round(speed * NIGHT_DRIVE_FACTOR, 1)
    ox.routing.add_edge_travel_times(graph)


def save_network(graph: nx.MultiDiGraph, path: Path) -> None:
    """Cache a built network as GraphML (readable by osmnx, QGIS and Gephi)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    ox.save_graphml(graph, partial)
    partial.replace(path)


def load_network(path: Path) -> nx.MultiDiGraph:
    """Read a network cached by :func:`save_network`."""
    if not path.is_file():
        raise NetworkError(f"no cached network at {path}; build the city first (patrol city)")
    graph = ox.load_graphml(path, edge_dtypes={"travel_time": float, "speed_kph": float})
    graph.graph["mode"] = str(graph.graph.get("mode", ""))
    return graph


def network_edges(graph: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    """The network's edges as lines in EPSG:4326, one per road direction pair."""
    edges = ox.convert.graph_to_gdfs(graph, nodes=False, fill_edge_geometry=True)
    return edges.reset_index()[["u", "v", "highway", "name", "length", "geometry"]]


def _prune_attributes(graph: nx.MultiDiGraph) -> None:
    """Drop tags routing never reads, so caches stay small and load fast."""
    for _, _, data in graph.edges(data=True):
        for key in [k for k in data if k not in _KEEP_EDGE]:
            del data[key]
    for _, data in graph.nodes(data=True):
        for key in [k for k in data if k not in _KEEP_NODE]:
            del data[key]


def close_roads(
    graph: nx.MultiDiGraph, closures: list[BaseGeometry], *, within_m: float = 10.0
) -> nx.MultiDiGraph:
    """A copy of ``graph`` without the edges a closure covers (ice, works, an event).

    A closure is a line along the closed road or an area: an edge is closed when at
    least half of it lies within ``within_m`` of a line, or when it crosses an area.
    """
    if not closures:
        return graph
    edges = network_edges(graph)
    west, south, east, north = edges.total_bounds
    crs = local_metric_crs((west + east) / 2, (south + north) / 2)
    lines = edges.set_crs("EPSG:4326", allow_override=True).to_crs(crs)
    shapes = gpd.GeoSeries(closures, crs="EPSG:4326").to_crs(crs)
    zones = [s if s.geom_type.endswith("Polygon") else s.buffer(within_m) for s in shapes]
    closed: set[tuple[int, int]] = set()
    for zone, shape in zip(zones, shapes, strict=True):
        hits = lines.iloc[lines.sindex.query(zone, predicate="intersects")]
        if not shape.geom_type.endswith("Polygon"):
            covered = hits.intersection(zone).length >= 0.5 * hits.length
            hits = hits[covered]
        closed.update(zip(hits["u"], hits["v"], strict=True))
    opened = graph.copy()
    opened.remove_edges_from([(u, v, k) for u, v, k in graph.edges(keys=True) if (u, v) in closed])
    log.info("closed %d road segments", len(closed))
    return opened
