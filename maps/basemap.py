"""The ground under our maps: no tiles by default, a faint road network, or a city's tiles.

No public tile server is reachable from a bureau's closed network or a phone on a
weak signal, so by default a map has no tiles at all: the road network the teams
travel on is drawn instead as one thin grey layer. A city may choose a basemap
(:func:`choose_basemap`): its own OpenStreetMap-style tile server, Tianditu (天地图,
with a key) or Amap (高德). Amap tiles are in GCJ-02, offset by hundreds of metres
from WGS-84 in China, so on them every geometry is drawn converted
(:func:`plan_in_datum`); the road layer stays under any tiles, so the streets
still show when no tile server answers.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import folium
import geopandas as gpd
import numpy as np
import shapely
from folium.map import CustomPane
from shapely.geometry.base import BaseGeometry

from dispatch.chinacoords import Datum, geometry_from_wgs84, point_from_wgs84
from dispatch.errors import ValidationError
from dispatch.nightplan import NightPlan, PlaceInfo, TeamRoute
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
#: A key goes into a URL: letters, digits, dashes and underscores only.
_UNSAFE_KEY = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True)
class TileSource:
    """One tile layer: a ``{z}/{x}/{y}`` URL template (``{s}`` picks a subdomain)."""

    url: str
    attribution: str
    subdomains: str = ""


@dataclass(frozen=True)
class Basemap:
    """A city's choice of ground: tile layers (none: roads only) and their datum."""

    kind: str = "roads"
    layers: tuple[TileSource, ...] = ()
    datum: Datum = "wgs84"


#: The kinds a city may choose, with what each needs.
BASEMAP_KINDS = {
    "roads": "no tiles, the road network only (default; works offline)",
    "tiles": "an OpenStreetMap-style tile server: set PATROL_TILES to its {z}/{x}/{y} URL",
    "tianditu": "天地图 Tianditu: set PATROL_TIANDITU_KEY to the city's key",
    "amap": "高德 Amap tiles (GCJ-02; everything drawn is converted)",
}
_TIANDITU = ("https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
             "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
             "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}")
_AMAP = ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
         "&x={x}&y={y}&z={z}")


def choose_basemap(kind: str | None = None, *, tiles: str | None = None,
                   attribution: str = "", tianditu_key: str | None = None) -> Basemap:
    """The basemap a city configured (``PATROL_BASEMAP`` and friends).

    With no ``kind``, a ``tiles`` URL means ``"tiles"`` and nothing means ``"roads"``.

    Raises
    ------
    ValidationError
        If ``kind`` is unknown or what it needs (a URL, a key) is missing.
    """
    chosen = (kind or ("tiles" if tiles else "roads")).strip().lower()
    if chosen in ("roads", "none", "offline"):
        return Basemap()
    if chosen in ("tiles", "osm"):
        if not tiles:
            raise ValidationError("basemap 'tiles' needs PATROL_TILES, a URL template such as "
                             "'https://tiles.example.gov.cn/{z}/{x}/{y}.png'")
        try:
            tile_layer(tiles, attribution)  # validates the template
        except ValueError as exc:
            raise ValidationError(f"PATROL_TILES: {exc}") from None
        return Basemap("tiles", (TileSource(tiles, attribution),))
    if chosen == "tianditu":
        key = (tianditu_key or "").strip()
        if not key or _UNSAFE_KEY.search(key):
            raise ValidationError("basemap 'tianditu' needs PATROL_TIANDITU_KEY, the key the city "
                             "got from console.tianditu.gov.cn (letters and digits)")
        credit = "天地图 Tianditu"
        return Basemap("tianditu", tuple(
            TileSource(_TIANDITU.format(layer=layer, key=key), credit, "01234567")
            for layer in ("vec", "cva")))
    if chosen in ("amap", "gaode"):
        return Basemap("amap", (TileSource(_AMAP, "高德地图 Amap", "1234"),), datum="gcj02")
    kinds = "; ".join(f"{k}: {v}" for k, v in BASEMAP_KINDS.items())
    raise ValidationError(f"unknown basemap {kind!r}: choose one of {kinds}")


def plan_in_datum(plan: NightPlan, datum: Datum) -> NightPlan:
    """``plan`` with every geometry in ``datum``, to draw on tiles of that datum."""
    if datum == "wgs84":
        return plan

    def place(p: PlaceInfo) -> PlaceInfo:
        access = point_from_wgs84(*p.access, datum) if p.access is not None else None
        return replace(p, geometry=geometry_from_wgs84(p.geometry, datum), access=access)

    def route(r: TeamRoute) -> TeamRoute:
        legs = tuple(replace(leg, geometry=geometry_from_wgs84(leg.geometry, datum))
                     for leg in r.legs)
        return replace(r, legs=legs)

    return replace(plan, hotspots={k: place(p) for k, p in plan.hotspots.items()},
                   shelters=tuple(place(p) for p in plan.shelters),
                   bases={k: place(p) for k, p in plan.bases.items()},
                   routes=tuple(route(r) for r in plan.routes))


def roads_in_datum(roads: gpd.GeoDataFrame | None, datum: Datum) -> gpd.GeoDataFrame | None:
    """The road lines in ``datum`` (WGS-84 roads are returned as they are)."""
    if roads is None or datum == "wgs84":
        return roads
    if roads.crs is not None and roads.crs.to_epsg() != 4326:
        roads = roads.to_crs(4326)
    moved = [geometry_from_wgs84(g, datum) for g in roads.geometry]
    return roads.set_geometry(gpd.GeoSeries(moved, index=roads.index, crs=roads.crs))


def new_map(*, asset_base: str, tiles: str | None = None, attribution: str = "",
            roads: gpd.GeoDataFrame | None = None,
            basemap: Basemap | None = None) -> folium.Map:
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
    basemap
        A configured basemap (:func:`choose_basemap`); its tile layers replace
        ``tiles``. Geometries must already be in its datum (:func:`plan_in_datum`).
    """
    sources = list(basemap.layers) if basemap is not None else []
    if tiles and not sources:
        sources = [TileSource(tiles, attribution)]
    # Without tiles nothing blurs between zoom levels, so fit the data more tightly.
    m = folium.Map(tiles=None, control_scale=True, maxZoom=MAX_ZOOM,
                   zoomSnap=1 if sources else 0.25)
    use_local_assets(m, asset_base)
    MapStyle().add_to(m)
    for name, z_index in _PANES.items():
        CustomPane(name, z_index=z_index, pointer_events=name != ROAD_PANE).add_to(m)
    for source in sources:
        tile_layer(source.url, source.attribution, subdomains=source.subdomains).add_to(m)
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


def tile_layer(url_template: str, attribution: str = "", *,
               subdomains: str = "") -> folium.TileLayer:
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
    extra: dict[str, Any] = {"subdomains": subdomains} if subdomains else {}
    return folium.TileLayer(tiles=url_template, attr=html.escape(credit),
                            name="底图 Basemap", max_zoom=MAX_ZOOM, max_native_zoom=18,
                            **extra)


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
