"""Shelter reach on a map and as GeoJSON: walking areas, gaps, and suggested sites.

One FeatureCollection, each feature's ``properties.layer`` saying what it is
(``walk_area``, ``outside``, ``suggested_site``), so QGIS can style or split it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import folium
import geopandas as gpd
import shapely
from shapely.geometry import Point, mapping

from dispatch.chinacoords import Datum, geometry_from_wgs84, point_from_wgs84
from dispatch.shelter_reach import ShelterReach
from maps.basemap import Basemap, fit_to, new_map
from maps.elements import Badge, InfoTooltip, Legend, LegendEntry
from maps.export import geojson_feature, geojson_geometry
from maps.style import SHELTER_COLOR, SHELTER_LABEL, lat_lon


def reach_geojson(reach: ShelterReach) -> dict[str, Any]:
    """Areas largest first (so smaller ones draw on top), then outside hotspots and sites."""
    features: list[dict[str, Any]] = [
        geojson_feature(geojson_geometry(a.area), layer="walk_area", shelter_id=a.shelter_id,
                        minutes=a.minutes)
        for a in sorted(reach.areas, key=lambda a: -a.minutes)
    ]
    features += [
        geojson_feature(geojson_geometry(Point(h.lon, h.lat)), layer="outside",
                        hotspot_id=h.hotspot_id, name=h.name, category=h.category, risk=h.risk,
                        minutes=h.minutes)
        for h in reach.outside()
    ]
    features += [
        geojson_feature(geojson_geometry(Point(s.lon, s.lat)), layer="suggested_site",
                        site_id=s.site_id, name=s.name, kind=s.kind, rank=rank,
                        covers=s.hotspot_ids)
        for rank, s in enumerate(reach.suggestions, start=1)
    ]
    return {"type": "FeatureCollection", "features": features}


#: Walking-time bands, shortest first: the nearer, the greener.
BAND_COLORS = ("#2e7d32", "#f9a825", "#ef6c00", "#8d6e63")
OUTSIDE_COLOR = "#c62828"
SITE_COLOR = "#6a1b9a"


def build_reach_map(reach: ShelterReach, *, roads: gpd.GeoDataFrame | None = None,
                    asset_base: str, tiles: str | None = None, attribution: str = "",
                    basemap: Basemap | None = None) -> folium.Map:
    """Shelters with their walking bands, at-risk hotspots beyond them, suggested sites.

    One layer per walking time, so a manager can look at the 10-minute reach alone.
    ``roads`` must already be in the basemap's datum; the answer is converted here.
    """
    m = new_map(asset_base=asset_base, tiles=tiles, attribution=attribution, roads=roads,
                basemap=basemap)
    reach = reach_in_datum(reach, basemap.datum if basemap is not None else "wgs84")
    colors = dict(zip(reach.minutes, BAND_COLORS, strict=False))
    for minutes in sorted(reach.minutes, reverse=True):
        band = folium.FeatureGroup(name=f"步行 {minutes:g} 分钟 Walk {minutes:g} min")
        shapes = [a.area for a in reach.areas if a.minutes == minutes and not a.area.is_empty]
        if shapes:
            folium.GeoJson(
                mapping(shapely.union_all(shapes)),
                style_function=_band_style(colors.get(minutes, BAND_COLORS[-1])),
            ).add_to(band)
        band.add_to(m)
    places = folium.FeatureGroup(name="避寒点与建议 Shelters and suggestions")
    for shelter in reach.shelters:
        beds = f"床位 beds: {shelter.beds}" if shelter.beds is not None else "床位未知 beds unknown"
        badge = Badge(lat_lon((shelter.lon, shelter.lat)), "暖", SHELTER_COLOR, size=24,
                      shape="square", z_index_offset=500)
        badge.add_child(InfoTooltip(shelter.name, [SHELTER_LABEL, beds]))
        badge.add_to(places)
    for h in reach.outside():
        away = (f"最近避寒点步行 {h.minutes:g} 分钟 {h.minutes:g} min to the nearest shelter"
                if h.minutes is not None else
                f"步行超过 {reach.minutes[-1]:g} 分钟 over {reach.minutes[-1]:g} min on foot")
        marker = folium.CircleMarker(lat_lon((h.lon, h.lat)), radius=7, color=OUTSIDE_COLOR,
                                     weight=2, fill=True, fill_opacity=0.8)
        marker.add_child(InfoTooltip(h.name, [f"{h.category} · 风险 risk {h.risk}", away]))
        marker.add_to(places)
    for rank, site in enumerate(reach.suggestions, start=1):
        badge = Badge(lat_lon((site.lon, site.lat)), str(rank), SITE_COLOR, size=26,
                      shape="round", z_index_offset=1000)
        badge.add_child(InfoTooltip(
            f"建议 Suggestion {rank}: {site.name}",
            [site.kind, f"新覆盖 {len(site.hotspot_ids)} 个点位 reaches {len(site.hotspot_ids)} "
                        f"more hotspot(s) within {reach.within:g} min"]))
        badge.add_to(places)
    places.add_to(m)
    _reach_legend(reach, colors).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    fit_to(m, [a.area for a in reach.areas] or [Point(s.lon, s.lat) for s in reach.shelters])
    return m


def reach_in_datum(reach: ShelterReach, datum: Datum) -> ShelterReach:
    """``reach`` with every geometry in ``datum``, to draw on tiles of that datum."""
    if datum == "wgs84":
        return reach

    def moved(item: Any) -> Any:
        lon, lat = point_from_wgs84(item.lon, item.lat, datum)
        return replace(item, lon=lon, lat=lat)

    return replace(
        reach,
        shelters=[moved(s) for s in reach.shelters],
        areas=[replace(a, area=geometry_from_wgs84(a.area, datum)) for a in reach.areas],
        hotspots=[moved(h) for h in reach.hotspots],
        suggestions=[moved(s) for s in reach.suggestions],
    )


def _band_style(color: str) -> Any:
    def style(_feature: dict[str, Any]) -> dict[str, Any]:
        return {"color": color, "weight": 1, "fillColor": color, "fillOpacity": 0.22}
    return style


def _reach_legend(reach: ShelterReach, colors: dict[float, str]) -> Legend:
    bands = [LegendEntry(f"步行 {m:g} 分钟内 within {m:g} min on foot", c)
             for m, c in colors.items()]
    marks = [
        LegendEntry(SHELTER_LABEL, SHELTER_COLOR),
        LegendEntry(f"超出 {reach.within:g} 分钟的高风险点位 at-risk, beyond {reach.within:g} min",
                    OUTSIDE_COLOR, "dot"),
        LegendEntry("建议新增临时避寒点 suggested warming point", SITE_COLOR, "dot"),
    ]
    return Legend("避寒点覆盖 Shelter reach", [("步行时间 Walking time", bands),
                                               ("图例 Marks", marks)])
