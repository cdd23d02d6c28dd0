"""How far a patrol walks to sweep a hotspot: a line end to end, an area along its paths."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import networkx as nx
from shapely.geometry.base import BaseGeometry

from routes.network import network_edges
from routes.snap import local_metric_crs


def sweep_metres(graph: nx.MultiDiGraph, geometries: Sequence[BaseGeometry]) -> list[float]:
    """Metres to walk for each geometry: 0 for a point, its length for a line, and for an
    area the length of the network's paths inside it (each path counted once)."""
    if not geometries:
        return []
    shapes = gpd.GeoSeries(list(geometries), crs="EPSG:4326")
    west, south, east, north = shapes.total_bounds
    crs = local_metric_crs((west + east) / 2, (south + north) / 2)
    shapes = shapes.to_crs(crs)
    paths = _undirected_paths(graph).to_crs(crs)
    index = paths.sindex
    metres = []
    for shape in shapes:
        if shape.geom_type in ("LineString", "MultiLineString"):
            metres.append(float(shape.length))
        elif shape.geom_type in ("Polygon", "MultiPolygon"):
            near = paths.iloc[index.query(shape, predicate="intersects")]
            metres.append(float(near.intersection(shape).length.sum()))
        else:
            metres.append(0.0)
    return metres


def _undirected_paths(graph: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    edges = network_edges(graph)
    low, high = edges[["u", "v"]].min(axis=1), edges[["u", "v"]].max(axis=1)
    pair = low.astype(str) + "-" + high.astype(str)
    return edges.loc[~pair.duplicated()].set_crs("EPSG:4326", allow_override=True)
