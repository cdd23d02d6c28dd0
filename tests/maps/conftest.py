"""A tiny named night in Harbin for the map tests: four hotspots, two teams, one left out.

``harbin_night``:

* hotspots: 1 北站 North station (point), 2 松花江桥 Songhua bridge (line),
  3 兆麟公园 Zhaolin park (polygon), 4 a point whose name is an HTML injection,
  left out as ``off_network``;
* team T1 (drive) checks 1 then 2, team T2 (walk) checks 3; both start and end
  at base 1; one warming shelter.

Times are written in UTC so the maps must turn them into Harbin's clock (UTC+8):
T1 reaches the station at 20:15 local time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon

from dispatch.nightplan import (
    CategoryInfo,
    DroppedVisit,
    NightPlan,
    PlaceInfo,
    PlannedLeg,
    PlannedVisit,
    TeamRoute,
)

MALICIOUS_NAME = "<img src=x onerror=alert(1)>"
BASE = (126.6200, 45.7600)
STATION = (126.6300, 45.7700)
BRIDGE = ((126.6350, 45.7750), (126.6400, 45.7800))
PARK = ((126.6100, 45.7500), (126.6150, 45.7500), (126.6150, 45.7530), (126.6100, 45.7530))


def _utc(hour: int, minute: int) -> datetime:
    """A moment of the night of 10 January 2026, written in UTC (local = UTC+8)."""
    return datetime(2026, 1, 10, hour, minute, tzinfo=UTC)


def _leg(from_id: str, to_id: str, *coords: tuple[float, float]) -> PlannedLeg:
    return PlannedLeg(from_id, to_id, timedelta(minutes=6), 800.0, LineString(coords))


def _visit(seq: int, hotspot_id: int, hour: int, minute: int) -> PlannedVisit:
    arrival = _utc(hour, minute)
    return PlannedVisit(seq, hotspot_id, arrival, arrival + timedelta(minutes=10), timedelta(0))


@pytest.fixture()
def harbin_night() -> NightPlan:
    """The tiny Harbin night described in this module's docstring."""
    categories = {
        "station": CategoryInfo("station", "车站", "Station", "#d62728"),
        "bridge": CategoryInfo("bridge", "桥梁涵洞", "Bridge / culvert", "#9467bd"),
        "park": CategoryInfo("park", "公园", "Park", "#2ca02c"),
    }
    hotspots = {
        1: PlaceInfo(1, "北站 North station", "station", Point(STATION), 3, 10,
                     (126.6301, 45.7699)),
        2: PlaceInfo(2, "松花江桥 Songhua bridge", "bridge", LineString(BRIDGE), 2, 15,
                     (126.6350, 45.7749)),
        3: PlaceInfo(3, "兆麟公园 Zhaolin park", "park", Polygon(PARK), 2, 20,
                     (126.6099, 45.7501)),
        4: PlaceInfo(4, MALICIOUS_NAME, "station", Point(126.6500, 45.7900), 1, 5, None),
    }
    t1 = TeamRoute(
        "T1", "巡查1队 Team 1", "drive", 1, _utc(12, 0), _utc(13, 0),
        visits=(_visit(1, 1, 12, 15), _visit(2, 2, 12, 35)),
        legs=(_leg("base", "1", BASE, (126.6250, 45.7650), (126.6301, 45.7699)),
              _leg("1", "2", (126.6301, 45.7699), (126.6350, 45.7749)),
              _leg("2", "base", (126.6350, 45.7749), (126.6250, 45.7650), BASE)),
    )
    t2 = TeamRoute(
        "T2", "巡查2队 Team 2", "walk", 1, _utc(12, 0), _utc(13, 30),
        visits=(_visit(1, 3, 12, 40),),
        legs=(_leg("base", "3", BASE, (126.6150, 45.7550), (126.6099, 45.7501)),
              _leg("3", "base", (126.6099, 45.7501), (126.6150, 45.7550), BASE)),
    )
    return NightPlan(
        city="哈尔滨 Harbin", timezone="Asia/Shanghai", date=date(2026, 1, 10),
        shift_start=_utc(12, 0), shift_end=_utc(22, 0), created_at=_utc(11, 0),
        solve_seconds=1.0, categories=categories, hotspots=hotspots,
        shelters=(PlaceInfo(1, "道里社区避寒点 Daoli shelter", "shelter",
                            Point(126.6180, 45.7620)),),
        bases={1: PlaceInfo(1, "道里区基地 Daoli base", "base", Point(BASE))},
        routes=(t1, t2),
        dropped=(DroppedVisit(4, "off_network", "too far from any road the teams use"),),
    )


@pytest.fixture()
def malicious_name() -> str:
    """The name of hotspot 4: markup that would run a script if a page pasted it raw."""
    return MALICIOUS_NAME


@pytest.fixture()
def harbin_roads() -> gpd.GeoDataFrame:
    """Three road edges as ``routes.network.network_edges`` gives them: one two-way road
    (both directions) and one one-way road."""
    two_way = [(126.6200, 45.7600), (126.6250, 45.7650), (126.6300, 45.7700)]
    return gpd.GeoDataFrame(
        {"u": [1, 2, 2], "v": [2, 1, 3], "highway": ["primary", "primary", "footway"],
         "name": ["中央大街", "中央大街", None], "length": [1300.0, 1300.0, 700.0]},
        geometry=[LineString(two_way), LineString(two_way[::-1]),
                  LineString([(126.6300, 45.7700), (126.6123456789, 45.7512345678)])],
        crs="EPSG:4326",
    )


_JS_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def decode_js_strings(script: str) -> str:
    """Every double-quoted string literal of ``script``, decoded, one per line.

    Folium writes texts as JSON with ``\\uXXXX`` escapes (Chinese names included),
    so tests read what the browser will read rather than the raw source.
    """
    return "\n".join(json.loads(literal) for literal in _JS_STRING.findall(script))


@pytest.fixture()
def js_text() -> Callable[[str], str]:
    """The decoder of a map script's string literals (see :func:`decode_js_strings`)."""
    return decode_js_strings
