"""The managers' coverage map: each hotspot coloured by checks done against required.

A hotspot keeps its real shape (a dot, a bridge's line, a site's area) and is
coloured whole: green when every required check was made, amber when some were,
red when none was. More layers show where people were found: a point per check-in coloured by who
they were, and a heat layer; all come from check-ins, never from the plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import folium
import geopandas as gpd
from folium.plugins import HeatMap
from shapely.geometry import mapping

from dispatch.chinacoords import Datum, geometry_from_wgs84, point_from_wgs84
from dispatch.coverage import HotspotCoverage
from dispatch.outcomes import FoundPerson
from maps.assets import use_heat
from maps.basemap import AREA_PANE, POINT_PANE, Basemap, fit_to, new_map
from maps.elements import InfoTooltip, Legend, LegendEntry
from maps.layers import shape_style
from maps.style import lat_lon

STATUS_COLORS = {"met": "#2e7d32", "short": "#f9a825", "never": "#c62828"}
STATUS_LABELS = {
    "met": "达到要求 every required check made",
    "short": "次数不足 fewer checks than required",
    "never": "从未检查 never checked",
}
FOUND_COLORS = {"minor": "#1565c0", "elderly": "#6d4c41", "disabled": "#00838f",
                "mental_illness": "#6a1b9a", "other": "#455a64"}
FOUND_LABELS = {"minor": "未成年人 Minor", "elderly": "老年人 Elderly",
                "disabled": "残疾人 Disabled",
                "mental_illness": "疑似精神障碍 Suspected mental illness", "other": "其他 Other"}


def build_coverage_map(items: Sequence[HotspotCoverage], found: Sequence[FoundPerson] = (), *,
                       roads: gpd.GeoDataFrame | None = None, asset_base: str,
                       basemap: Basemap | None = None,
                       heat_base: str = "/assets/heat") -> folium.Map:
    """Coverage of ``items`` and the people ``found`` (points and a heat layer, weighted by
    how many were found), on the city's basemap. ``heat_base`` serves Leaflet.heat."""
    m = new_map(asset_base=asset_base, roads=roads, basemap=basemap)
    datum: Datum = basemap.datum if basemap is not None else "wgs84"
    items = [replace(c, geometry=geometry_from_wgs84(c.geometry, datum)) for c in items]
    checked = folium.FeatureGroup(name="检查覆盖 Checks against required")
    for item in items:
        _add_hotspot(checked, item)
    checked.add_to(m)
    people = folium.FeatureGroup(name="发现人员 People found")
    for person in found:
        _add_person(people, person, datum)
    people.add_to(m)
    if found:
        heat = [[*lat_lon(point_from_wgs84(p.lon, p.lat, datum)), float(p.count)] for p in found]
        use_heat(HeatMap(heat, name="发现人员热力 Heat of people found", radius=22, blur=18,
                         min_opacity=0.3, max_zoom=17), heat_base).add_to(m)
    _legend(found).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    fit_to(m, [c.geometry for c in items])
    return m


def _add_hotspot(parent: folium.FeatureGroup, item: HotspotCoverage) -> None:
    color = STATUS_COLORS[item.status]
    layer = folium.GeoJson(
        {"type": "Feature", "properties": {}, "geometry": mapping(item.geometry)},
        style_function=lambda _f: shape_style(item.geometry, color),
        marker=folium.CircleMarker(radius=8, pane=POINT_PANE),
        pane=AREA_PANE, control=False,
    )
    gap = item.longest_gap.total_seconds() / 3600
    teams = ", ".join(sorted(item.teams)) or "—"
    InfoTooltip(item.name, [
        f"{item.category} · 风险 risk {item.risk}",
        f"已查 {item.done} / 要求 {item.required} checks done of required "
        f"({item.nights} 夜 nights)",
        f"最长间隔 longest gap {gap:.1f} h · 队伍 teams {teams}",
        STATUS_LABELS[item.status],
    ]).add_to(layer)
    layer.add_to(parent)


def _add_person(parent: folium.FeatureGroup, person: FoundPerson, datum: Datum) -> None:
    lon, lat = point_from_wgs84(person.lon, person.lat, datum)
    color = FOUND_COLORS.get(person.category, FOUND_COLORS["other"])
    # A plain circle marker: folium's RegularPolygonMarker loads a plugin from a CDN.
    marker = folium.CircleMarker(lat_lon((lon, lat)), radius=7, color="#ffffff", weight=2,
                                 fill=True, fill_color=color, fill_opacity=0.95,
                                 pane=POINT_PANE)
    help_text = ("接受帮助 accepted help" if person.accepts_help
                 else "拒绝帮助 declined help" if person.accepts_help is False else "")
    InfoTooltip(f"{FOUND_LABELS.get(person.category, person.category)} × {person.count}", [
        f"{person.at:%Y-%m-%d %H:%M} · {person.place}",
        help_text, person.action_label,
    ]).add_to(marker)
    marker.add_to(parent)


def _legend(found: Sequence[FoundPerson]) -> Legend:
    statuses = [LegendEntry(STATUS_LABELS[s], c) for s, c in STATUS_COLORS.items()]
    seen = sorted({p.category for p in found})
    people = [LegendEntry(FOUND_LABELS.get(k, k), FOUND_COLORS.get(k, FOUND_COLORS["other"]),
                          "dot") for k in seen]
    return Legend("覆盖 Coverage", [("检查 Checks", statuses), ("发现人员 People found", people)])
