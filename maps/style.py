"""Colours, coordinate order and clock format that every map of the product shares.

Our geometries are (lon, lat), as GeoJSON and shapely have them; Leaflet and
Folium want (lat, lon). :func:`lat_lon` and its two siblings are the one place
where the order is turned around: no other module swaps coordinates by hand.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shapely.geometry.base import BaseGeometry

from dispatch.nightplan import NightPlan, PlaceInfo

logger = logging.getLogger(__name__)

#: One colour per team, in the order of ``plan.routes``; dark and saturated so a
#: route line stands out from the lighter category fills (matplotlib's tab10,
#: which the categories use, is avoided for the first six teams).
TEAM_COLORS = (
    "#1f5fbf",  # blue
    "#c2185b",  # magenta
    "#37474f",  # blue-grey
    "#b8860b",  # dark goldenrod
    "#5e35b1",  # deep purple
    "#00838f",  # dark cyan
    "#6d4c41",  # brown
    "#e65100",  # dark orange
)
#: A hotspot whose category the plan does not describe.
UNKNOWN_CATEGORY_COLOR = "#757575"
#: Warming shelters and patrol bases, drawn as labelled badges.
SHELTER_COLOR = "#2e7d32"
BASE_COLOR = "#263238"
#: Outline of a hotspot that no team visits tonight.
DROPPED_COLOR = "#d50000"
#: The faint road basemap.
ROAD_COLOR = "#8d939b"

#: Bilingual labels of the things on a map that are not categories or teams.
SHELTER_LABEL = "避寒点 Warming shelter"
BASE_LABEL = "基地 Base"
ACCESS_LABEL = "进入点 Access point"
DROPPED_LABEL = "未安排 Left out"


def team_colors(plan: NightPlan) -> dict[str, str]:
    """Each team's colour, stable for a plan: the n-th route gets the n-th colour."""
    return {route.team_id: TEAM_COLORS[i % len(TEAM_COLORS)]
            for i, route in enumerate(plan.routes)}


def category_color(plan: NightPlan, place: PlaceInfo) -> str:
    """The map colour of a hotspot's category, grey when the category is unknown."""
    info = plan.categories.get(place.kind)
    return info.color if info is not None else UNKNOWN_CATEGORY_COLOR


def category_label(plan: NightPlan, place: PlaceInfo) -> str:
    """``"车站 Station"`` for a hotspot, or its raw category key when unknown."""
    info = plan.categories.get(place.kind)
    return info.label if info is not None else place.kind


def lat_lon(point: Sequence[float]) -> tuple[float, float]:
    """Turn one (lon, lat) position into the (lat, lon) that Folium takes."""
    return (point[1], point[0])


def lat_lon_path(coords: Iterable[Sequence[float]]) -> list[tuple[float, float]]:
    """Turn a (lon, lat) coordinate sequence into Folium's (lat, lon) list."""
    return [lat_lon(point) for point in coords]


def lat_lon_bounds(geometries: Iterable[BaseGeometry]) -> list[tuple[float, float]] | None:
    """``[(south, west), (north, east)]`` around ``geometries``, or None if there are none."""
    boxes = [g.bounds for g in geometries if g is not None and not g.is_empty]
    if not boxes:
        return None
    west = min(b[0] for b in boxes)
    south = min(b[1] for b in boxes)
    east = max(b[2] for b in boxes)
    north = max(b[3] for b in boxes)
    return [lat_lon((west, south)), lat_lon((east, north))]


def clock(moment: datetime, timezone: str) -> str:
    """``HH:MM`` on the city's clock, whatever offset ``moment`` was written with.

    Falls back to the moment's own offset if ``timezone`` is not a known zone,
    so a bad setting never stops a map from drawing.
    """
    try:
        return moment.astimezone(ZoneInfo(timezone)).strftime("%H:%M")
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("unknown time zone %r; showing times with their own offset", timezone)
        return moment.strftime("%H:%M")
