"""Shelter reach as GeoJSON: walking areas, hotspots beyond them, and suggested sites.

One FeatureCollection, each feature's ``properties.layer`` saying what it is
(``walk_area``, ``outside``, ``suggested_site``), so QGIS can style or split it.
"""

from __future__ import annotations

from typing import Any

from shapely.geometry import Point, mapping

from dispatch.shelter_reach import ShelterReach


def reach_geojson(reach: ShelterReach) -> dict[str, Any]:
    """Areas largest first (so smaller ones draw on top), then outside hotspots and sites."""
    features: list[dict[str, Any]] = [
        _feature(a.area, layer="walk_area", shelter_id=a.shelter_id, minutes=a.minutes)
        for a in sorted(reach.areas, key=lambda a: -a.minutes)
    ]
    features += [
        _feature(Point(h.lon, h.lat), layer="outside", hotspot_id=h.hotspot_id,
                 name=h.name, category=h.category, risk=h.risk, minutes=h.minutes)
        for h in reach.outside()
    ]
    features += [
        _feature(Point(s.lon, s.lat), layer="suggested_site", site_id=s.site_id, name=s.name,
                 kind=s.kind, rank=rank, covers=s.hotspot_ids)
        for rank, s in enumerate(reach.suggestions, start=1)
    ]
    return {"type": "FeatureCollection", "features": features}


def _feature(geometry: Any, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": mapping(geometry), "properties": properties}
