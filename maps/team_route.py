"""One team's route for the phone it carries at night: where to go, in which order, by when.

Big numbered stops (readable with gloves on, in the dark), the route along the
roads with a white edge so it shows on any ground, the base, the warming
shelters a team may escort someone to, and the shapes of its own hotspots only.

Two forms: :func:`build_team_route_map` is a Folium map (exported pages), and
:func:`team_route_data` is the same content as one small JSON document that the
phone page's own script draws as a single GeoJSON layer: no script per marker,
and the page and its data are cached apart.
"""

from __future__ import annotations

import logging
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Point, mapping
from shapely.geometry.base import BaseGeometry

from dispatch.chinacoords import point_from_wgs84
from dispatch.nightplan import NightPlan, TeamRoute
from maps.basemap import Basemap, fit_to, new_map, plan_in_datum, road_geojson, roads_in_datum
from maps.elements import Legend, LegendEntry, safe_color
from maps.layers import add_base, add_hotspot, add_route_line, add_shelter, add_stop_badge, anchor
from maps.style import (
    BASE_COLOR,
    BASE_LABEL,
    SHELTER_COLOR,
    SHELTER_LABEL,
    category_color,
    category_label,
    clock,
    lat_lon_bounds,
    team_colors,
)

logger = logging.getLogger(__name__)

#: Stop numbers readable and tappable on a phone; bigger ones would hide each other
#: where stops lie close together.
TEAM_BADGE_PX = 32


def build_team_route_map(plan: NightPlan, team_id: str, *,
                         roads: gpd.GeoDataFrame | None = None, asset_base: str,
                         tiles: str | None = None, attribution: str = "",
                         basemap: Basemap | None = None) -> folium.Map:
    """The route of ``team_id`` tonight, for a phone.

    Parameters are those of :func:`maps.overview.build_overview_map`, plus the
    team's id.

    Raises
    ------
    KeyError
        If no team ``team_id`` is on duty tonight; the message names the teams.
    """
    route = plan.route(team_id)
    color = team_colors(plan)[team_id]
    m = new_map(asset_base=asset_base, tiles=tiles, attribution=attribution, roads=roads,
                basemap=basemap)
    for hotspot_id in dict.fromkeys(v.hotspot_id for v in route.visits):
        add_hotspot(m, plan, plan.hotspots[hotspot_id], dropped=[], phone=True,
                    visits=[(route, v) for v in route.visits if v.hotspot_id == hotspot_id])
    add_route_line(m, route, color, weight=5, casing=True)
    for visit in route.visits:
        add_stop_badge(m, plan, route, visit, color, size=TEAM_BADGE_PX, phone=True)
    for shelter in plan.shelters:
        add_shelter(m, shelter, notes=[
            f"取暖休息 Warm-up break {clock(b.start, plan.timezone)}–{clock(b.end, plan.timezone)}"
            for b in route.breaks if b.shelter_id == shelter.id])
    _add_team_base(m, plan, route)
    _team_legend(plan, route, color).add_to(m)
    fit_to(m, _extent(plan, route))
    logger.debug("route map of team %s: %d stops", team_id, len(route.visits))
    return m


#: Roads this far (in degrees, about 500 m) around a route are drawn on the phone.
ROAD_MARGIN_DEG = 0.005
#: Five decimals of a degree is about 1 m: enough for a phone, and a lighter page.
DIGITS = 5


def team_route_data(plan: NightPlan, team_id: str, *, basemap: Basemap | None = None,
                    roads: gpd.GeoDataFrame | None = None) -> dict[str, Any]:
    """What the phone map of ``team_id`` draws, as one JSON-ready document.

    ``features`` is a GeoJSON FeatureCollection whose ``properties.layer`` says
    what each feature is (``route``, ``stop``, ``area``, ``shelter``, ``base``);
    ``roads`` the road lines around the route (the ground when no tiles load);
    ``tiles`` the basemap's layers. Every coordinate is in the basemap's datum,
    and ``gps_shift`` is what to add to a WGS-84 GPS fix near the route to draw it
    on that datum (zero for WGS-84).

    Raises
    ------
    KeyError
        If no team ``team_id`` is on duty tonight.
    """
    basemap = basemap or Basemap()
    wgs_route = plan.route(team_id)
    drawn = plan_in_datum(plan, basemap.datum)
    route = drawn.route(team_id)
    extent = _extent(drawn, route)
    features = [_route_feature(route, team_colors(plan)[team_id])]
    for hotspot_id in dict.fromkeys(v.hotspot_id for v in route.visits):
        place = drawn.hotspots[hotspot_id]
        if place.geometry.geom_type != "Point":
            features.append(_feature(place.geometry, layer="area",
                                     color=safe_color(category_color(drawn, place)),
                                     name=place.name))
    features += [_feature(Point(anchor(drawn.hotspots[v.hotspot_id])), layer="stop",
                          seq=v.seq, visit=v.key, name=drawn.hotspots[v.hotspot_id].name,
                          time=clock(v.arrival, plan.timezone),
                          color=safe_color(category_color(drawn, drawn.hotspots[v.hotspot_id])))
                 for v in route.visits]
    features += [_feature(Point(point_from_wgs84(c.lon, c.lat, basemap.datum)), layer="report",
                          name=f"护送 Escort to {c.place}" if c.kind == "escort"
                          else f"{c.reference} · {c.place}", time=clock(c.arrival, plan.timezone))
                 for c in route.reports]
    features += [_feature(p.geometry, layer="shelter", name=p.name) for p in drawn.shelters]
    base = drawn.bases.get(route.base_id)
    if base is not None:
        features.append(_feature(base.geometry, layer="base", name=base.name))
    return {
        "team": team_id,
        "datum": basemap.datum,
        "gps_shift": _gps_shift(wgs_route, drawn.route(team_id)),
        "tiles": [{"url": t.url, "attribution": t.attribution, "subdomains": t.subdomains}
                  for t in basemap.layers],
        "bounds": lat_lon_bounds(extent),
        "features": {"type": "FeatureCollection", "features": features},
        "roads": _roads_near(roads, plan.route(team_id), basemap),
    }


def _route_feature(route: TeamRoute, color: str) -> dict[str, Any]:
    lines = [leg.geometry for leg in route.legs if not leg.geometry.is_empty]
    return _feature(shapely.MultiLineString(lines), layer="route", color=color,
                    name=route.team_name)


def _feature(geometry: BaseGeometry, **properties: Any) -> dict[str, Any]:
    rounded = shapely.set_precision(geometry, 10 ** -DIGITS) if \
        geometry.geom_type != "Point" else geometry
    geo = mapping(rounded)
    return {"type": "Feature", "properties": properties,
            "geometry": {"type": geo["type"], "coordinates": _round(geo["coordinates"])}}


def _round(coords: Any) -> Any:
    """Nested tuples of floats as lists rounded to :data:`DIGITS` decimals."""
    if isinstance(coords, float | int):
        return round(float(coords), DIGITS)
    return [_round(c) for c in coords]


def _gps_shift(wgs: TeamRoute, drawn: TeamRoute) -> list[float]:
    """(dlon, dlat) between the drawn and the WGS-84 route, at its first vertex.

    GCJ-02's offset changes by metres over a city, so one shift keeps a GPS fix
    on the streets without converting on the phone.
    """
    for a, b in zip(wgs.legs, drawn.legs, strict=True):
        if not a.geometry.is_empty:
            (x0, y0), (x1, y1) = a.geometry.coords[0], b.geometry.coords[0]
            return [round(x1 - x0, 7), round(y1 - y0, 7)]
    return [0.0, 0.0]


def _roads_near(roads: gpd.GeoDataFrame | None, route: TeamRoute,
                basemap: Basemap) -> dict[str, Any] | None:
    """The roads within :data:`ROAD_MARGIN_DEG` of the route's box, in the basemap's datum."""
    if roads is None:
        return None
    if roads.crs is not None and roads.crs.to_epsg() != 4326:
        roads = roads.to_crs(4326)
    boxes = np.array([leg.geometry.bounds for leg in route.legs if not leg.geometry.is_empty])
    if not len(boxes):
        return None
    m = ROAD_MARGIN_DEG
    near = roads.cx[boxes[:, 0].min() - m:boxes[:, 2].max() + m,
                    boxes[:, 1].min() - m:boxes[:, 3].max() + m]
    geometry = road_geojson(roads_in_datum(near, basemap.datum))
    return geometry if geometry["coordinates"] else None


def _add_team_base(m: folium.Map, plan: NightPlan, route: TeamRoute) -> None:
    """The base with the times the team leaves and comes back."""
    base = plan.bases.get(route.base_id)
    if base is None:
        logger.warning("team %s starts from base %s, which the plan does not describe",
                       route.team_id, route.base_id)
        return
    add_base(m, base, notes=[f"出发 Out {clock(route.start, plan.timezone)} · "
                             f"返回 Back {clock(route.end, plan.timezone)}"])


def _team_legend(plan: NightPlan, route: TeamRoute, color: str) -> Legend:
    """Folded by default: on a phone the map needs the room."""
    team = [LegendEntry(f"{route.team_name} · {len(route.visits)} 个点位 stops · "
                        f"{route.distance_m / 1000:.1f} km", color, "line")]
    places = [plan.hotspots[v.hotspot_id] for v in route.visits]
    labels = {category_label(plan, p): category_color(plan, p) for p in places}
    categories = [LegendEntry(label, c) for label, c in labels.items()]
    symbols = [LegendEntry(SHELTER_LABEL, SHELTER_COLOR), LegendEntry(BASE_LABEL, BASE_COLOR)]
    return Legend("图例 Legend", [("队伍 Team", team), ("类别 Categories", categories),
                                ("符号 Symbols", symbols)], expanded=False)


def _extent(plan: NightPlan, route: TeamRoute) -> list[BaseGeometry]:
    """The route, its stops and its base; shelters elsewhere in the city stay out of frame."""
    shapes: list[BaseGeometry] = [leg.geometry for leg in route.legs]
    places = [plan.hotspots[v.hotspot_id] for v in route.visits]
    shapes += [p.geometry for p in places] + [Point(anchor(p)) for p in places]
    base = plan.bases.get(route.base_id)
    if base is not None:
        shapes.append(base.geometry)
    return shapes
