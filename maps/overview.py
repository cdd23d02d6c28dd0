"""The dispatcher's overview of a night: every team's route, every hotspot, what was left out.

One layer per team (its route and numbered stops) can be switched on and off,
so a dispatcher can look at one team at a time; hotspots keep their real shape
(a dot, a bridge's line, a park's outline) in their category's colour.
"""

from __future__ import annotations

import html
import logging

import folium
import geopandas as gpd
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from dispatch.nightplan import NightPlan
from maps.basemap import Basemap, fit_to, new_map
from maps.elements import Legend, LegendEntry
from maps.layers import (
    add_access_point,
    add_base,
    add_hotspot,
    add_left_out_mark,
    add_route_line,
    add_shelter,
    add_stop_badge,
    dropped_by_hotspot,
    visits_by_hotspot,
)
from maps.style import (
    ACCESS_LABEL,
    BASE_COLOR,
    BASE_LABEL,
    DROPPED_COLOR,
    DROPPED_LABEL,
    SHELTER_COLOR,
    SHELTER_LABEL,
    UNKNOWN_CATEGORY_COLOR,
    team_colors,
)

logger = logging.getLogger(__name__)

#: Stop numbers on the overview are small: a desktop screen shows many teams at once.
OVERVIEW_BADGE_PX = 22


def build_overview_map(plan: NightPlan, *, roads: gpd.GeoDataFrame | None = None,
                       asset_base: str, tiles: str | None = None,
                       attribution: str = "", basemap: Basemap | None = None) -> folium.Map:
    """The whole night on one map, for the dispatcher's screen.

    Parameters
    ----------
    plan
        Tonight's plan.
    roads
        Road lines for the offline basemap (``routes.network.network_edges``), or None.
    asset_base
        URL prefix of the Leaflet files: ``"/assets/leaflet"`` in the web app,
        ``"assets/leaflet"`` in an exported page.
    tiles, attribution
        A city's own tile server (a ``{z}/{x}/{y}`` URL template) and its credit;
        None draws no tiles.
    """
    m = new_map(asset_base=asset_base, tiles=tiles, attribution=attribution, roads=roads,
                basemap=basemap)
    _add_hotspot_layers(m, plan)
    colors = team_colors(plan)
    for route in plan.routes:
        team = folium.FeatureGroup(name=html.escape(f"{route.team_name} ({len(route.visits)})"))
        add_route_line(team, route, colors[route.team_id])
        for visit in route.visits:
            add_stop_badge(team, plan, route, visit, colors[route.team_id],
                           size=OVERVIEW_BADGE_PX)
        team.add_to(m)
    _add_places_layer(m, plan)
    _overview_legend(plan, colors).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    fit_to(m, _extent(plan))
    logger.debug("overview of %s %s: %d teams, %d hotspots", plan.city, plan.date,
                 len(plan.routes), len(plan.hotspots))
    return m


def _add_hotspot_layers(m: folium.Map, plan: NightPlan) -> None:
    """Hotspots in routes, hotspots left out, and access points: one layer each."""
    visits = visits_by_hotspot(plan)
    dropped = dropped_by_hotspot(plan)
    # Leaflet's layer control shows layer names as HTML: only our own constants and
    # escaped text go into them.
    # Left out means no check at all tonight; a place with some of its checks planned
    # stays with the planned ones and names the checks left out in its tooltip.
    missed = set(dropped) - set(visits)
    planned = folium.FeatureGroup(name="重点点位 Hotspots")
    left_out = folium.FeatureGroup(name=f"{DROPPED_LABEL} ({len(missed)})")
    access = folium.FeatureGroup(name=ACCESS_LABEL)
    for place in plan.hotspots.values():
        group = left_out if place.id in missed else planned
        add_hotspot(group, plan, place, visits=visits.get(place.id, []),
                    dropped=dropped.get(place.id, []), left_out=place.id in missed)
        if place.id in missed:
            add_left_out_mark(left_out, place, dropped[place.id])
        add_access_point(access, place)
    for group in (planned, left_out, access):
        group.add_to(m)


def _add_places_layer(m: folium.Map, plan: NightPlan) -> None:
    """Warming shelters and bases, with each base's teams in its tooltip."""
    group = folium.FeatureGroup(name=f"{SHELTER_LABEL} / {BASE_LABEL}")
    for shelter in plan.shelters:
        add_shelter(group, shelter)
    for base in plan.bases.values():
        teams = [r.team_name for r in plan.routes if r.base_id == base.id]
        add_base(group, base, notes=[" · ".join(teams)] if teams else [])
    group.add_to(m)


def _overview_legend(plan: NightPlan, colors: dict[str, str]) -> Legend:
    """Teams with their colour and number of visits, the categories in use, the symbols."""
    teams = [LegendEntry(f"{r.team_name} · {len(r.visits)} 个点位 visits", colors[r.team_id],
                         "line") for r in plan.routes]
    kinds = {place.kind for place in plan.hotspots.values()}
    categories = [LegendEntry(info.label, info.color) for key, info in plan.categories.items()
                  if key in kinds]
    categories += [LegendEntry(kind, UNKNOWN_CATEGORY_COLOR)
                   for kind in sorted(kinds - set(plan.categories))]
    symbols = [LegendEntry(SHELTER_LABEL, SHELTER_COLOR), LegendEntry(BASE_LABEL, BASE_COLOR),
               LegendEntry(ACCESS_LABEL, "#ffffff", "dot")]
    planned = {v.hotspot_id for r in plan.routes for v in r.visits}
    left_out = {d.hotspot_id for d in plan.dropped} - planned
    if left_out:
        symbols.append(LegendEntry(f"{DROPPED_LABEL} ({len(left_out)})", DROPPED_COLOR,
                                   "dropped"))
    return Legend("图例 Legend", [("队伍 Teams", teams), ("类别 Categories", categories),
                                ("符号 Symbols", symbols)])


def _extent(plan: NightPlan) -> list[BaseGeometry]:
    """Everything the overview must show when it opens."""
    shapes: list[BaseGeometry] = [p.geometry for p in plan.hotspots.values()]
    shapes += [p.geometry for p in plan.shelters] + [p.geometry for p in plan.bases.values()]
    shapes += [Point(p.access) for p in plan.hotspots.values() if p.access is not None]
    shapes += [leg.geometry for r in plan.routes for leg in r.legs]
    return shapes
