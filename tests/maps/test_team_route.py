"""One team's route for a phone: its numbered stops, in order, with arrival times."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from dispatch.nightplan import NightPlan
from maps.render import map_parts
from maps.style import TEAM_COLORS
from maps.team_route import TEAM_BADGE_PX, build_team_route_map


def _script(plan: NightPlan, team_id: str) -> str:
    return map_parts(build_team_route_map(plan, team_id, asset_base="/assets/leaflet")).script


def _stop_numbers(script: str) -> list[int]:
    """The numbers written on the round stop badges, in the order they are drawn."""
    found = re.findall(r'\\u003e(\d+)\\u003c/div\\u003e",\s*"iconSize"', script)
    return [int(n) for n in found]


def test_stops_are_numbered_in_visit_order(harbin_night: NightPlan) -> None:
    """Team 1's badges read 1 and 2, in its own colour."""
    script = _script(harbin_night, "T1")
    assert _stop_numbers(script) == [1, 2]
    assert f"background:{TEAM_COLORS[0]}" in script


def test_stop_badges_are_big_enough_for_a_phone(harbin_night: NightPlan) -> None:
    """Stop badges are at least 28 px across."""
    script = _script(harbin_night, "T1")
    assert TEAM_BADGE_PX >= 28
    assert f'"iconSize": [\n{TEAM_BADGE_PX},\n{TEAM_BADGE_PX},\n]' in script


def test_stops_show_arrival_on_the_city_clock(harbin_night: NightPlan,
                                             js_text: Callable[[str], str]) -> None:
    """Each stop's tooltip gives its number, arrival time (UTC+8) and name."""
    text = js_text(_script(harbin_night, "T1"))
    assert "<strong>1 · 20:15 · 北站 North station</strong>" in text
    assert "<strong>2 · 20:35 · 松花江桥 Songhua bridge</strong>" in text


def test_map_shows_only_this_teams_stops(harbin_night: NightPlan,
                                        js_text: Callable[[str], str]) -> None:
    """Team 2's map has its park but neither Team 1's hotspots nor the left-out one."""
    script = _script(harbin_night, "T2")
    text = js_text(script)
    assert "兆麟公园 Zhaolin park" in text
    assert "北站 North station" not in text
    assert "松花江桥 Songhua bridge" not in text
    assert "onerror" not in text
    assert _stop_numbers(script) == [1]


def test_route_runs_along_the_roads_from_the_base(harbin_night: NightPlan,
                                                 js_text: Callable[[str], str]) -> None:
    """The route line follows the legs' road geometry, in (lat, lon), with the base shown."""
    script = _script(harbin_night, "T1")
    assert "L.polyline(" in script
    assert "[45.765, 126.625]" in script  # the legs' bend at (126.625 E, 45.765 N)
    text = js_text(script)
    assert "道里区基地 Daoli base" in text
    assert "出发 Out 20:00 · 返回 Back 21:00" in text


def test_unknown_team_raises_key_error_naming_the_teams(harbin_night: NightPlan) -> None:
    """Asking for a team not on duty tonight raises KeyError that lists T1 and T2."""
    with pytest.raises(KeyError, match="T9.*T1, T2"):
        build_team_route_map(harbin_night, "T9", asset_base="/assets/leaflet")
