"""The hotspot registry on a map: the editor's base map and the hotspots as GeoJSON.

The editor page draws its hotspots in the browser from the JSON API, so that a
filter or a saved change re-queries instead of reloading the page. This module
builds what both need: the empty base map (our Leaflet, the drawing plugin,
the road basemap, the city in frame) and one GeoJSON feature per hotspot with
everything the edit form shows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, time
from typing import Any

import folium
import geopandas as gpd
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from dispatch.categories import Category
from dispatch.chinacoords import Datum, geometry_from_wgs84, point_from_wgs84
from dispatch.models import Hotspot, HotspotChange
from maps.assets import use_geoman
from maps.basemap import AREA_PANE, POINT_PANE, Basemap, fit_to, new_map
from maps.elements import safe_color
from maps.export import geojson_feature, geojson_geometry
from maps.style import UNKNOWN_CATEGORY_COLOR

logger = logging.getLogger(__name__)

#: Bounds of a city as (west, south, east, north) in degrees.
Bounds = tuple[float, float, float, float]


def build_registry_map(*, bounds: Bounds | None, roads: gpd.GeoDataFrame | None = None,
                       asset_base: str, geoman_base: str,
                       basemap: Basemap | None = None) -> folium.Map:
    """The editor's base map: the city in frame, ready for Leaflet-Geoman to draw on.

    Parameters
    ----------
    bounds
        The city's extent (west, south, east, north) in WGS-84; None opens on the world.
    roads, asset_base, basemap
        As for :func:`maps.basemap.new_map` (``roads`` already in the basemap's datum).
    geoman_base
        URL prefix of the vendored Leaflet-Geoman files (``"/assets/geoman"``).
    """
    datum = basemap.datum if basemap is not None else "wgs84"
    m = new_map(asset_base=asset_base, roads=roads, basemap=basemap)
    use_geoman(m, geoman_base)
    fit_to(m, [geometry_from_wgs84(box(*bounds), datum)] if bounds is not None else [])
    return m


def hotspot_collection(hotspots: Iterable[Hotspot], categories: Mapping[str, Category],
                       datum: Datum = "wgs84") -> dict[str, Any]:
    """A GeoJSON FeatureCollection of ``hotspots``, one :func:`hotspot_feature` each."""
    features = [hotspot_feature(h, categories, datum) for h in hotspots]
    logger.debug("hotspot collection: %d features", len(features))
    return {"type": "FeatureCollection", "features": features}


def hotspot_feature(hotspot: Hotspot, categories: Mapping[str, Category],
                    datum: Datum = "wgs84") -> dict[str, Any]:
    """A hotspot's real shape with its attributes, its access point and its map style.

    ``properties.color`` is its category's colour (grey for a category the city
    does not describe); ``properties.pane`` is the Leaflet pane that keeps points
    above areas; ``properties.access`` is ``[lon, lat]``. Coordinates are WGS-84,
    or converted to ``datum`` for a map drawn on GCJ-02 or BD-09 tiles.
    """
    category = categories.get(hotspot.category)
    access = point_from_wgs84(hotspot.access_lon, hotspot.access_lat, datum)
    return geojson_feature(
        geojson_geometry(geometry_from_wgs84(hotspot.geometry, datum)), layer="hotspot",
        id=hotspot.id, name=hotspot.name, category=hotspot.category,
        category_label=category.label if category else hotspot.category,
        color=safe_color(category.color) if category else UNKNOWN_CATEGORY_COLOR,
        pane=_pane(hotspot.geometry),
        risk=hotspot.risk, service_min=hotspot.service_min,
        checks_per_night=hotspot.checks_per_night, district=hotspot.district,
        window_start=_clock(hotspot.window_start), window_end=_clock(hotspot.window_end),
        skill=hotspot.skill, active=hotspot.active,
        access=list(access),
    )


def category_choices(categories: Mapping[str, Category]) -> list[dict[str, Any]]:
    """The categories as the edit form and legend list them: key, label, colour, defaults."""
    return [{"key": c.key, "label": c.label, "color": safe_color(c.color), "risk": c.risk,
             "service_min": c.service_min, "checks_per_night": c.checks_per_night}
            for c in categories.values()]


def change_document(change: HotspotChange) -> dict[str, Any]:
    """One history entry: who, when (ISO 8601, UTC), the action and field -> [old, new].

    Times are stored in UTC; SQLite hands them back without their offset.
    """
    at = change.at if change.at.tzinfo is not None else change.at.replace(tzinfo=UTC)
    return {"who": change.who, "at": at.isoformat(), "action": change.action,
            "changes": change.changes}


def _pane(geometry: BaseGeometry) -> str:
    """Points above lines and areas, so a kiosk inside a park can still be clicked."""
    return POINT_PANE if geometry.geom_type in ("Point", "MultiPoint") else AREA_PANE


def _clock(moment: time | None) -> str | None:
    """``HH:MM``, as an ``<input type="time">`` takes it."""
    return moment.strftime("%H:%M") if moment is not None else None
