"""One team's route for the phone it carries at night: where to go, in which order, by when.

Big numbered stops (readable with gloves on, in the dark), the route along the
roads with a white edge so it shows on any ground, the base, the warming
shelters a team may escort someone to, and the shapes of its own hotspots only.
"""

from __future__ import annotations

import logging

import folium
import geopandas as gpd
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from dispatch.nightplan import NightPlan, TeamRoute
from maps.basemap import fit_to, new_map
from maps.elements import Legend, LegendEntry
from maps.layers import add_base, add_hotspot, add_route_line, add_shelter, add_stop_badge, anchor
from maps.style import (
    BASE_COLOR,
    BASE_LABEL,
    SHELTER_COLOR,
    SHELTER_LABEL,
    category_color,
    category_label,
    clock,
    team_colors,
)

logger = logging.getLogger(__name__)

#: Stop numbers readable and tappable on a phone; bigger ones would hide each other
#: where stops lie close together.
TEAM_BADGE_PX = 32


def build_team_route_map(plan: NightPlan, team_id: str, *,
                         roads: gpd.GeoDataFrame | None = None, asset_base: str,
                         tiles: str | None = None, attribution: str = "") -> folium.Map:
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
    m = new_map(asset_base=asset_base, tiles=tiles, attribution=attribution, roads=roads)
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
