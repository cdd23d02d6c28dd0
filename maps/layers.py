"""The pieces both plan maps draw: hotspots, access points, shelters, bases, routes, stops.

Each ``add_*`` function draws one thing of the plan into a Folium parent (a map
or a feature group), with escaped tooltips and popups (:mod:`maps.elements`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import folium
from branca.element import Element
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from dispatch.nightplan import DroppedVisit, NightPlan, PlaceInfo, PlannedVisit, TeamRoute
from maps.basemap import AREA_PANE, POINT_PANE
from maps.elements import Badge, InfoPopup, InfoTooltip, safe_color
from maps.style import (
    ACCESS_LABEL,
    BASE_COLOR,
    BASE_LABEL,
    DROPPED_COLOR,
    DROPPED_LABEL,
    SHELTER_COLOR,
    SHELTER_LABEL,
    category_color,
    category_label,
    clock,
    lat_lon,
    lat_lon_path,
)

logger = logging.getLogger(__name__)

#: Where a hotspot was put tonight: every (route, visit) that checks it.
Visits = list[tuple[TeamRoute, PlannedVisit]]


def visits_by_hotspot(plan: NightPlan) -> dict[int, Visits]:
    """Each hotspot's visits (a hotspot checked twice a night has two), in route order."""
    found: dict[int, Visits] = defaultdict(list)
    for route in plan.routes:
        for visit in route.visits:
            found[visit.hotspot_id].append((route, visit))
    return dict(found)


def dropped_by_hotspot(plan: NightPlan) -> dict[int, list[DroppedVisit]]:
    """Each left-out hotspot's dropped visits with their reasons."""
    found: dict[int, list[DroppedVisit]] = defaultdict(list)
    for dropped in plan.dropped:
        found[dropped.hotspot_id].append(dropped)
    return dict(found)


def anchor(place: PlaceInfo) -> tuple[float, float]:
    """(lon, lat) where a badge for ``place`` sits: its access point, else a point on it."""
    if place.access is not None:
        return (place.access[0], place.access[1])
    point = place.geometry.representative_point()
    return (point.x, point.y)


def visit_line(plan: NightPlan, route: TeamRoute, visit: PlannedVisit) -> str:
    """``"巡查1队 Team 1 · 第3站 Stop 3 · 到达 Arrive 20:15"``."""
    return (f"{route.team_name} · 第{visit.seq}站 Stop {visit.seq} · "
            f"到达 Arrive {clock(visit.arrival, plan.timezone)}")


def dropped_line(dropped: list[DroppedVisit]) -> str | None:
    """``"未安排 Left out: <reason> (<detail>)"`` for a hotspot's dropped visits, or None."""
    if not dropped:
        return None
    reasons = "; ".join(_check_prefix(d) + (f"{d.label} ({d.detail})" if d.detail else d.label)
                        for d in dropped)
    return f"{DROPPED_LABEL}: {reasons}"


def _check_prefix(dropped: DroppedVisit) -> str:
    """``"第2次 Check 2: "`` for a repeated check; nothing for a single one."""
    return f"第{dropped.check}次 Check {dropped.check}: " if dropped.check > 1 else ""


def add_hotspot(parent: Element, plan: NightPlan, place: PlaceInfo, *, visits: Visits,
                dropped: list[DroppedVisit], phone: bool = False,
                left_out: bool | None = None) -> None:
    """Draw a hotspot's real geometry in its category colour; dashed red if left out
    (by default: when any of its checks is left out).

    On a desktop a short tooltip shows on hover and the details on a click. On a
    phone (``phone=True``) a tap opens the tooltip, and a popup would open on top
    of it, so the tooltip carries the details and there is no popup.
    """
    color = safe_color(category_color(plan, place))
    layer = folium.GeoJson(
        {"type": "Feature", "properties": {}, "geometry": mapping(place.geometry)},
        style_function=lambda _f: _hotspot_style(
            place, color, left_out=bool(dropped) if left_out is None else left_out),
        marker=folium.CircleMarker(radius=8, pane=POINT_PANE),
        pane=AREA_PANE, control=False,
    )
    warning = dropped_line(dropped)
    visit_lines = [visit_line(plan, route, visit) for route, visit in visits]
    label = category_label(plan, place)
    details = [label, f"风险 Risk {place.risk} · 检查 Check {place.service_min} min", *visit_lines]
    if phone:
        InfoTooltip(place.name, details, warning=warning).add_to(layer)
    else:
        InfoTooltip(place.name, [label, *visit_lines], warning=warning).add_to(layer)
        InfoPopup(place.name, details, warning=warning).add_to(layer)
    layer.add_to(parent)


def add_left_out_mark(parent: Element, place: PlaceInfo, dropped: list[DroppedVisit]) -> None:
    """A red ``!`` on a hotspot left out, so it catches the eye among the planned ones."""
    badge = Badge(lat_lon(anchor(place)), "!", DROPPED_COLOR, size=22, shape="round",
                  z_index_offset=3000)
    InfoTooltip(place.name, warning=dropped_line(dropped)).add_to(badge)
    badge.add_to(parent)


def _hotspot_style(place: PlaceInfo, color: str, *, left_out: bool) -> dict[str, Any]:
    """:func:`shape_style`; left out: a red dashed outline."""
    style = shape_style(place.geometry, color)
    if left_out:
        style.update(color=DROPPED_COLOR, dashArray="6 4", weight=style["weight"] + 1)
    return style


def shape_style(geometry: BaseGeometry, color: str) -> dict[str, Any]:
    """A hotspot coloured whole: points as filled dots, lines thick, areas filled."""
    kind = geometry.geom_type
    if "LineString" in kind:
        return {"color": color, "weight": 7, "opacity": 0.8}
    if "Polygon" in kind:
        return {"color": color, "weight": 2, "fillColor": color, "fillOpacity": 0.35}
    return {"color": "#ffffff", "weight": 2, "fill": True, "fillColor": color,
            "fillOpacity": 0.95}


def add_access_point(parent: Element, place: PlaceInfo) -> None:
    """A small white dot where a team leaves the road to check ``place``."""
    if place.access is None:
        return
    dot = folium.CircleMarker(lat_lon(place.access), radius=3, color="#37474f", weight=1.5,
                              fill_color="#ffffff", fill_opacity=1, pane=POINT_PANE)
    InfoTooltip(ACCESS_LABEL, [place.name]).add_to(dot)
    dot.add_to(parent)


def add_shelter(parent: Element, place: PlaceInfo, *, notes: Sequence[str] = ()) -> None:
    """A green ``暖`` badge: a warming shelter a team can escort someone to, or warm up at."""
    _add_badge(parent, place, text="暖", color=SHELTER_COLOR, lines=[SHELTER_LABEL, *notes])


def add_base(parent: Element, place: PlaceInfo, *, notes: Sequence[str] = ()) -> None:
    """A dark ``基`` badge: where teams start and end the night."""
    _add_badge(parent, place, text="基", color=BASE_COLOR, lines=[BASE_LABEL, *notes])


def _add_badge(parent: Element, place: PlaceInfo, *, text: str, color: str,
               lines: Sequence[str]) -> None:
    """A square labelled badge at a place; its name shows on hover or tap (a tooltip only,
    so a tap on a phone opens one box, not two)."""
    badge = Badge(lat_lon(anchor(place)), text, color, size=26, shape="square",
                  z_index_offset=2000)
    InfoTooltip(place.name, lines).add_to(badge)
    badge.add_to(parent)


def add_route_line(parent: Element, route: TeamRoute, color: str, *, weight: int = 4,
                   casing: bool = False) -> None:
    """The team's way along the roads, all legs as one line; ``casing`` adds a white edge."""
    paths = [lat_lon_path(leg.geometry.coords) for leg in route.legs
             if not leg.geometry.is_empty]
    if not paths:
        logger.info("team %s has no legs to draw", route.team_id)
        return
    if casing:
        folium.PolyLine(paths, color="#ffffff", weight=weight + 4, opacity=0.9,
                        interactive=False).add_to(parent)
    line = folium.PolyLine(paths, color=color, weight=weight, opacity=0.9)
    km = route.distance_m / 1000
    InfoTooltip(route.team_name, [f"{len(route.visits)} 个点位 stops · {km:.1f} km"]).add_to(line)
    line.add_to(parent)


def add_stop_badge(parent: Element, plan: NightPlan, route: TeamRoute, visit: PlannedVisit,
                   color: str, *, size: int, phone: bool = False) -> None:
    """A round badge with the visit's number where the team arrives, and its arrival time.

    ``phone`` puts every detail into the tooltip, which a tap opens (see
    :func:`add_hotspot`); otherwise the tooltip is short and a click opens a popup.
    """
    place = plan.hotspots[visit.hotspot_id]
    badge = Badge(lat_lon(anchor(place)), str(visit.seq), color, size=size, shape="round",
                  z_index_offset=1000 - visit.seq)
    title = f"{visit.seq} · {clock(visit.arrival, plan.timezone)} · {place.name}"
    lines = [category_label(plan, place), f"{route.team_name} · 检查 Check {place.service_min} min"]
    if phone:
        InfoTooltip(title, lines).add_to(badge)
    else:
        InfoTooltip(title, lines[:1]).add_to(badge)
        InfoPopup(title, lines).add_to(badge)
    badge.add_to(parent)
