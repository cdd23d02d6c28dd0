"""A night's plan as one GeoJSON FeatureCollection, for QGIS or any other map; a route as GPX.

RFC 7946: positions are (lon, lat) in WGS-84, as our geometries already are.
Every feature says what it is in ``properties.layer`` (``hotspot``, ``access``,
``leg``, ``shelter``, ``base``), so a GIS user can split the file by that field.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC
from typing import Any

import gpxpy
import gpxpy.gpx
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from dispatch.nightplan import DroppedVisit, NightPlan, PlaceInfo, TeamRoute
from maps.layers import Visits, anchor, dropped_by_hotspot, visits_by_hotspot
from maps.style import category_label, clock

logger = logging.getLogger(__name__)

Feature = dict[str, Any]


def plan_geojson(plan: NightPlan) -> dict[str, Any]:
    """The plan's hotspots, access points, route legs, shelters and bases.

    A hotspot's ``team``, ``seq`` and ``arrival`` are those of its first visit
    (``visits`` lists them all); a hotspot left out carries ``dropped_reason``
    and ``dropped_detail`` instead.
    """
    visits = visits_by_hotspot(plan)
    dropped = dropped_by_hotspot(plan)
    features = [_hotspot_feature(place, visits.get(place.id, []), dropped.get(place.id, []))
                for place in plan.hotspots.values()]
    features += [geojson_feature(_point(place.access), layer="access", hotspot_id=place.id,
                          name=place.name)
                 for place in plan.hotspots.values() if place.access is not None]
    for route in plan.routes:
        features += _leg_features(route)
    features += [_place_feature(place) for place in plan.shelters]
    features += [_place_feature(place) for place in plan.bases.values()]
    logger.debug("GeoJSON of %s %s: %d features", plan.city, plan.date, len(features))
    return {"type": "FeatureCollection", "features": features}


def _hotspot_feature(place: PlaceInfo, visits: Visits, dropped: list[DroppedVisit]) -> Feature:
    """A hotspot with its category, risk, service time and what the plan does with it."""
    first = visits[0] if visits else None
    return geojson_feature(
        geojson_geometry(place.geometry), layer="hotspot", id=place.id, name=place.name,
        category=place.kind, risk=place.risk, service_min=place.service_min,
        team=first[0].team_id if first else None,
        seq=first[1].seq if first else None,
        arrival=first[1].arrival.isoformat() if first else None,
        visits=[{"team": r.team_id, "seq": v.seq, "arrival": v.arrival.isoformat()}
                for r, v in visits],
        dropped_reason=dropped[0].reason if dropped else None,
        dropped_detail=dropped[0].detail if dropped else None,
    )


def _leg_features(route: TeamRoute) -> list[Feature]:
    """The route's legs along the roads, numbered in travel order."""
    return [
        geojson_feature(geojson_geometry(leg.geometry), layer="leg", team=route.team_id, seq=seq,
                 **{"from": leg.from_id, "to": leg.to_id},
                 travel_s=int(leg.travel.total_seconds()), distance_m=round(leg.distance_m, 1))
        for seq, leg in enumerate(route.legs, start=1)
    ]


def _place_feature(place: PlaceInfo) -> Feature:
    """A shelter or a base (``layer`` is its kind)."""
    return geojson_feature(geojson_geometry(place.geometry), layer=place.kind, id=place.id,
                           name=place.name)


def _point(position: tuple[float, float]) -> dict[str, Any]:
    """A GeoJSON Point at a (lon, lat) position."""
    return {"type": "Point", "coordinates": [position[0], position[1]]}


def geojson_geometry(geometry: BaseGeometry) -> dict[str, Any]:
    """GeoJSON geometry with lists, not tuples, so it compares and serialises plainly."""
    plain: dict[str, Any] = json.loads(json.dumps(mapping(geometry)))
    return plain


def geojson_feature(geometry: dict[str, Any], **properties: Any) -> Feature:
    """A Feature; ``properties.layer`` says which kind of thing it is."""
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def route_gpx(plan: NightPlan, team_id: str) -> str:
    """One team's route as GPX 1.1: numbered stops as waypoints, the way as one track.

    GPX is WGS-84 by definition, which is what navigation apps on a phone read;
    every other map app of the team (OsmAnd, Organic Maps, ...) opens it offline.

    Raises
    ------
    KeyError
        If no team ``team_id`` is on duty in ``plan``.
    """
    route = plan.route(team_id)
    gpx = gpxpy.gpx.GPX()
    gpx.name = f"{route.team_name} · {plan.city} · {plan.date}"
    gpx.creator = "寒夜巡查 Cold-night patrol"
    for visit in route.visits:
        place = plan.hotspots[visit.hotspot_id]
        lon, lat = anchor(place)
        gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(
            latitude=lat, longitude=lon, time=visit.arrival.astimezone(UTC),
            name=f"{visit.seq} {place.name}",
            description=f"{category_label(plan, place)} · {clock(visit.arrival, plan.timezone)}"
                        f" · 检查 check {place.service_min} min"))
    track = gpxpy.gpx.GPXTrack(name=route.team_name)
    segment = gpxpy.gpx.GPXTrackSegment()
    for leg in route.legs:
        points = list(leg.geometry.coords)
        if segment.points and points:
            points = points[1:]  # a leg starts where the one before it ended
        segment.points += [gpxpy.gpx.GPXTrackPoint(latitude=y, longitude=x) for x, y in points]
    track.segments.append(segment)
    gpx.tracks.append(track)
    return gpx.to_xml(version="1.1")
