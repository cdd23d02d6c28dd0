"""Geometries a dispatcher gives for one night: closed roads, districts, areas to keep out of.

Read from GeoJSON files drawn in QGIS or the web app, or sent by another office.
"""

from __future__ import annotations

import json
from pathlib import Path

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from dispatch.errors import ValidationError

_ACCEPTED = {"LineString", "MultiLineString", "Polygon", "MultiPolygon"}


def read_area(path: Path) -> BaseGeometry:
    """The areas in ``path`` as one (multi)polygon: a team's district or a no-go zone."""
    shapes = read_closures(path)
    lines = [n for n, g in enumerate(shapes, start=1) if not g.geom_type.endswith("Polygon")]
    if lines:
        raise ValidationError(
            f"{path}: feature {', '.join(map(str, lines))} is a line; a district or "
            "keep-out area must be a polygon"
        )
    return unary_union(shapes)


def read_closures(path: Path) -> tuple[BaseGeometry, ...]:
    """Every line or area in ``path`` (lon/lat); all problems are reported together."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{path} is not a GeoJSON file ({exc})") from exc
    features = document.get("features", [document]) if isinstance(document, dict) else []
    found, problems = [], []
    for number, feature in enumerate(features, start=1):
        geometry = feature.get("geometry", feature) if isinstance(feature, dict) else None
        try:
            closure = shape(geometry)
        except (AttributeError, KeyError, TypeError, ValueError):
            problems.append(f"feature {number}: no readable geometry")
            continue
        if closure.geom_type not in _ACCEPTED or closure.is_empty:
            problems.append(f"feature {number}: a {closure.geom_type}; give a line or an area")
        elif not (-180 <= closure.bounds[0] <= closure.bounds[2] <= 180
                  and -90 <= closure.bounds[1] <= closure.bounds[3] <= 90):
            problems.append(f"feature {number}: coordinates are not lon/lat degrees (EPSG:4326)")
        else:
            found.append(closure)
    if problems or not found:
        raise ValidationError(f"{path}: " + ("; ".join(problems) or "no closed road in it"))
    return tuple(found)
