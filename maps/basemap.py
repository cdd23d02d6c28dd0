"""The ground under our maps: no tiles by default, a faint road network, or a city's tiles.

No public tile server is reachable from a bureau's closed network or a phone on a
weak signal, so by default a map has no tiles at all: the road network the teams
travel on is drawn instead as one thin grey layer. A city that runs its own tile
server can pass its URL template.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import folium
import geopandas as gpd
import numpy as np
import shapely
from folium.map import CustomPane
from shapely.geometry.base import BaseGeometry

from maps.assets import use_local_assets
from maps.elements import MapStyle
from maps.style import ROAD_COLOR, lat_lon_bounds

logger = logging.getLogger(__name__)

#: Leaflet panes (name -> z-index) that keep the drawing order whatever layer a user
#: toggles: tiles 200 < roads < hotspot areas and lines < route lines (Leaflet's
#: overlay pane, 400) < hotspot points < badges (Leaflet's marker pane, 600).
ROAD_PANE = "patrol-roads"
AREA_PANE = "patrol-areas"
POINT_PANE = "patrol-points"
_PANES = {ROAD_PANE: 350, AREA_PANE: 390, POINT_PANE: 450}
#: About 2 m at the latitudes our cities lie: invisible on screen, far fewer vertices.
ROAD_TOLERANCE_DEG = 2e-5
#: Five decimals of a degree is about 1 m; more only makes the page heavier.
ROAD_DIGITS = 5
#: Leaflet has no zoom limit without tiles; a lone point would zoom in forever.
MAX_ZOOM = 19


def new_map(*, asset_base: str, tiles: str | None = None, attribution: str = "",
            roads: gpd.GeoDataFrame | None = None) -> folium.Map:
    """An empty map that loads only our Leaflet, with the chosen ground under it.

    Parameters
    ----------
    asset_base
        URL prefix of the Leaflet files (see :func:`maps.assets.use_local_assets`).
    tiles
        A city's own tile server as a URL template with ``{z}``, ``{x}`` and
        ``{y}``; None (the default) draws no tiles.
    attribution
        Text credited for ``tiles``; the server's host name when empty.
    roads
        Road lines (``routes.network.network_edges`` output) drawn faintly as the
        basemap; None draws none.
    """
    # Without tiles nothing blurs between zoom levels, so fit the data more tightly.
    m = folium.Map(tiles=None, control_scale=True, maxZoom=MAX_ZOOM,
                   zoomSnap=1 if tiles else 0.25)
    use_local_assets(m, asset_base)
    MapStyle().add_to(m)
    for name, z_index in _PANES.items():
        CustomPane(name, z_index=z_index, pointer_events=name != ROAD_PANE).add_to(m)
    if tiles:
        tile_layer(tiles, attribution).add_to(m)
    if roads is not None:
        layer = road_layer(roads)
        if layer is not None:
            layer.add_to(m)
    return m


def fit_to(m: folium.Map, geometries: Iterable[BaseGeometry]) -> None:
    """Open ``m`` on ``geometries`` with a margin; a world view if there is nothing to show."""
    bounds = lat_lon_bounds(geometries)
    if bounds is None:
        logger.warning("nothing to fit the map to; it opens on the whole world")
        return
    folium.FitBounds(bounds, padding=(24, 24), max_zoom=17).add_to(m)


def tile_layer(url_template: str, attribution: str = "") -> folium.TileLayer:
    """A tile layer of a city's own server; ``attribution`` is shown as plain text.

    Raises
    ------
    ValueError
        If ``url_template`` is not a ``{z}/{x}/{y}`` template (a provider name such
        as "OpenStreetMap" would make Folium fetch a public server).
    """
    if not all(part in url_template for part in ("{z}", "{x}", "{y}")):
        raise ValueError(f"tiles {url_template!r} is not a tile URL template: give one with "
                         "{z}, {x} and {y}, such as 'https://tiles.example.gov.cn/{z}/{x}/{y}.png'")
    credit = attribution.strip() or urlsplit(url_template).netloc or url_template
    return folium.TileLayer(tiles=url_template, attr=html.escape(credit),
                            name="底图 Basemap", max_zoom=MAX_ZOOM, max_native_zoom=18)


def road_layer(roads: gpd.GeoDataFrame) -> folium.GeoJson | None:
    """The road network as one light, non-interactive layer; None if it has no lines."""
    geometry = road_geojson(roads)
    if not geometry["coordinates"]:
        logger.info("the road basemap has no lines; drawing none")
        return None
    return folium.GeoJson(
        {"type": "Feature", "properties": {}, "geometry": geometry},
        name="道路 Roads", style_function=_road_style, smooth_factor=1.5,
        interactive=False, pane=ROAD_PANE,
    )


def road_geojson(roads: gpd.GeoDataFrame) -> dict[str, Any]:
    """Road lines merged into one simplified GeoJSON ``MultiLineString`` in (lon, lat).

    Both directions of a two-way road are the same line: they are drawn once.
    Lines are simplified by :data:`ROAD_TOLERANCE_DEG` and rounded to
    :data:`ROAD_DIGITS` decimals, which keeps a city's network to a few hundred
    kilobytes of page.
    """
    if roads.crs is not None and roads.crs.to_epsg() != 4326:
        roads = roads.to_crs(4326)
    geoms = np.asarray(roads.geometry.values, dtype=object)
    parts = shapely.get_parts(geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)])
    parts = parts[shapely.get_type_id(parts) == 1]  # LineString
    parts = shapely.normalize(parts)  # a road's two directions become one geometry
    _, first = np.unique(shapely.to_wkb(parts), return_index=True)
    parts = shapely.simplify(parts[np.sort(first)], ROAD_TOLERANCE_DEG)
    coords = np.round(shapely.get_coordinates(parts), ROAD_DIGITS)
    counts = shapely.get_num_coordinates(parts)
    lines = [chunk.tolist() for chunk in np.split(coords, np.cumsum(counts)[:-1])
             if len(chunk) >= 2]
    logger.debug("road basemap: %d lines from %d edges", len(lines), len(roads))
    return {"type": "MultiLineString", "coordinates": lines}


def _road_style(_feature: dict[str, Any]) -> dict[str, Any]:
    """Thin and pale: roads are the ground, not the subject."""
    return {"color": ROAD_COLOR, "weight": 1, "opacity": 0.55}
