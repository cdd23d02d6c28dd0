"""Harvest hotspots, warming shelters and team bases from a city's own OSM features.

Rules follow the campaign's list of places to check: stations, bridges and
culverts, underpasses, construction sites, parks and markets. Connected
segments of one bridge or underpass are merged into one line, and features
of the same category and name close together (a station mapped as a node and
as an area) are kept once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import LineString, MultiLineString, Point
from shapely.geometry.base import BaseGeometry

from routes.snap import local_metric_crs
from routes.source import TagFilter

HARVEST_TAGS: TagFilter = {
    "railway": ["station", "halt"],
    "public_transport": ["station"],
    "amenity": ["bus_station", "marketplace", "community_centre", "social_facility",
                "police", "townhall", "library"],
    "shop": ["convenience", "kiosk", "lottery"],
    "bridge": True,
    "tunnel": True,
    "landuse": ["construction"],
    "leisure": ["park"],
}
EXTRA_KEYS = ("name", "name:zh", "highway", "indoor")

_FOOT_WAYS = {"footway", "pedestrian", "cycleway", "path"}
_MIN_LINE_M = 40.0
_SAME_PLACE_M = 250.0


@dataclass(frozen=True)
class Draft:
    """A feature to store: its kind (category, shelter or base), name and geometry."""

    kind: str
    name: str
    geometry: BaseGeometry
    osm_ref: str | None
    #: What a candidate site is (``convenience``, ``bus_station`` ...); ``None`` otherwise.
    detail: str | None = None


Rule = Callable[[dict[str, Any]], bool]

_HOTSPOT_RULES: dict[str, Rule] = {
    "station": lambda t: t.get("railway") in ("station", "halt")
    or t.get("public_transport") == "station" or t.get("amenity") == "bus_station",
    "bridge": lambda t: _yes(t.get("bridge")) and bool(t.get("highway")),
    "underpass": lambda t: _yes(t.get("tunnel")) and t.get("highway") in _FOOT_WAYS
    and not _yes(t.get("indoor")),
    "construction": lambda t: t.get("landuse") == "construction",
    "park": lambda t: t.get("leisure") == "park",
    "market": lambda t: t.get("amenity") == "marketplace",
}
_SHELTER_KINDS = {"community_centre", "social_facility"}
_BASE_KINDS = {"police", "townhall"}
#: Places that could host a temporary warming point: heated, staffed, open late.
_SITE_AMENITIES = {"library", "bus_station"}
_SITE_SHOPS = {"convenience", "kiosk", "lottery"}
_LINE_CATEGORIES = {"bridge", "underpass"}


def harvest(features: gpd.GeoDataFrame) -> list[Draft]:
    """Classify features into hotspot categories, ``shelter``, ``base`` and ``site`` drafts.

    A ``site`` is a candidate for a new temporary warming point (a library, a bus
    station, a convenience store or a lottery kiosk; community centres are shelters).
    """
    drafts: list[Draft] = []
    lines: dict[str, list[tuple[str, BaseGeometry]]] = {c: [] for c in _LINE_CATEGORIES}
    for row in _rows(features):
        geometry = row["geometry"]
        if geometry is None or geometry.is_empty:
            continue
        ref = f"{row.get('osm_type') or 'node'}/{row.get('osm_id')}"
        name = _name(row)
        amenity = row.get("amenity")
        if amenity in _SHELTER_KINDS:
            drafts.append(Draft("shelter", name, _point(geometry), ref))
        elif amenity in _BASE_KINDS:
            drafts.append(Draft("base", name, _point(geometry), ref))
        site = amenity if amenity in _SITE_AMENITIES else row.get("shop")
        if site in _SITE_AMENITIES or site in _SITE_SHOPS:
            drafts.append(Draft("site", name, _point(geometry), ref, str(site)))
        category = next((c for c, rule in _HOTSPOT_RULES.items() if rule(row)), None)
        if category in _LINE_CATEGORIES and geometry.geom_type in ("LineString",
                                                                    "MultiLineString"):
            lines[category].append((name, geometry))
        elif category is not None and category not in _LINE_CATEGORIES:
            drafts.append(Draft(category, name, geometry, ref))
    for category, parts in lines.items():
        drafts.extend(_merged_lines(category, parts))
    return _deduplicate(drafts)


def _rows(features: gpd.GeoDataFrame) -> Iterable[dict[str, Any]]:
    frame = features.astype(object).where(pd.notna(features), None)
    yield from frame.to_dict("records")


def _yes(value: object) -> bool:
    return value not in (None, "", "no", "0", "false")


def _name(row: dict[str, Any]) -> str:
    return str(row.get("name:zh") or row.get("name") or "")


def _point(geometry: BaseGeometry) -> Point:
    return geometry if isinstance(geometry, Point) else geometry.representative_point()


def _merged_lines(category: str, parts: list[tuple[str, BaseGeometry]]) -> list[Draft]:
    """Join touching segments into one line each; drop stubs too short to patrol."""
    if not parts:
        return []
    merged = shapely.line_merge(shapely.union_all([g for _, g in parts]))
    pieces = list(merged.geoms) if isinstance(merged, MultiLineString) else [merged]
    metric = local_metric_crs(*pieces[0].coords[0])
    lengths = gpd.GeoSeries(pieces, crs="EPSG:4326").to_crs(metric).length
    drafts = []
    for piece, metres in zip(pieces, lengths, strict=True):
        if metres < _MIN_LINE_M or not isinstance(piece, LineString):
            continue
        name = next((n for n, g in parts if n and g.intersects(piece)), "")
        drafts.append(Draft(category, name, piece, None))
    return drafts


def _deduplicate(drafts: list[Draft]) -> list[Draft]:
    """Keep one of several same-kind, same-name features close together (areas first)."""
    ordered = sorted(drafts, key=lambda d: d.geometry.geom_type == "Point")
    if not ordered:
        return []
    metric = local_metric_crs(*_point(ordered[0].geometry).coords[0])
    shapes = gpd.GeoSeries([d.geometry for d in ordered], crs="EPSG:4326").to_crs(metric)
    kept: list[int] = []
    for i, draft in enumerate(ordered):
        twin = any(
            ordered[k].kind == draft.kind and draft.name and ordered[k].name == draft.name
            and shapes.iloc[k].distance(shapes.iloc[i]) < _SAME_PLACE_M
            for k in kept
        )
        if not twin:
            kept.append(i)
    return [ordered[i] for i in kept]
