"""The dispatcher's overview: every team in its colour, every hotspot, what was left out."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

import pytest

from dispatch.nightplan import DroppedVisit, NightPlan
from maps.overview import build_overview_map
from maps.render import map_parts
from maps.style import DROPPED_COLOR, TEAM_COLORS, team_colors


def _script(plan: NightPlan) -> str:
    return map_parts(build_overview_map(plan, asset_base="/assets/leaflet")).script


@pytest.fixture()
def text(harbin_night: NightPlan, js_text: Callable[[str], str]) -> str:
    """The texts of the overview's script as a browser reads them."""
    return js_text(_script(harbin_night))


def test_each_team_is_drawn_in_its_own_colour(harbin_night: NightPlan) -> None:
    """Both teams' route lines carry the first two palette colours."""
    script = _script(harbin_night)
    assert team_colors(harbin_night) == {"T1": TEAM_COLORS[0], "T2": TEAM_COLORS[1]}
    for color in TEAM_COLORS[:2]:
        assert f'"color": "{color}"' in script


def test_each_team_is_a_layer_of_the_layer_control(harbin_night: NightPlan, text: str) -> None:
    """The layer control lists one layer per team, with its number of visits."""
    assert "L.control.layers(" in _script(harbin_night)
    assert "巡查1队 Team 1 (2)" in text.splitlines()
    assert "巡查2队 Team 2 (1)" in text.splitlines()


def test_every_hotspot_is_named_with_its_bilingual_category(text: str) -> None:
    """Tooltips name each hotspot with its category in Chinese and English."""
    for name in ("北站 North station", "松花江桥 Songhua bridge", "兆麟公园 Zhaolin park"):
        assert f"<strong>{name}</strong>" in text
    for label in ("车站 Station", "桥梁涵洞 Bridge / culvert", "公园 Park"):
        assert label in text


def test_hotspots_keep_their_real_geometry(harbin_night: NightPlan) -> None:
    """A point stays a point, the bridge a line and the park a polygon."""
    script = _script(harbin_night)
    for kind in ("Point", "LineString", "Polygon"):
        assert f'"type": "{kind}"' in script


def test_visited_hotspots_show_team_and_local_arrival(text: str) -> None:
    """A visited hotspot says which team comes and when, on Harbin's clock (UTC+8)."""
    assert "巡查1队 Team 1 · 第1站 Stop 1 · 到达 Arrive 20:15" in text
    assert "巡查1队 Team 1 · 第2站 Stop 2 · 到达 Arrive 20:35" in text
    assert "巡查2队 Team 2 · 第1站 Stop 1 · 到达 Arrive 20:40" in text


def test_left_out_hotspot_is_marked_with_its_reason(harbin_night: NightPlan, text: str) -> None:
    """The hotspot left out is outlined red and dashed, has its own layer, and says why."""
    assert ("未安排 Left out: 不在路网上 Off the road network "
            "(too far from any road the teams use)") in text
    assert "未安排 Left out (1)" in text.splitlines()
    assert '"dashArray": "6 4"' in _script(harbin_night)
    assert re.search(f'<div style="background:{DROPPED_COLOR};[^"]*">!</div>', text)


def test_legend_lists_teams_with_visit_counts_and_categories(text: str) -> None:
    """The legend gives each team's colour and visits, and the categories in use."""
    legend = next(line for line in text.splitlines() if line.startswith("<details"))
    assert f"background:{TEAM_COLORS[0]}\"></span>巡查1队 Team 1 · 2 个点位 visits" in legend
    assert f"background:{TEAM_COLORS[1]}\"></span>巡查2队 Team 2 · 1 个点位 visits" in legend
    for label in ("车站 Station", "公园 Park", "避寒点 Warming shelter", "未安排 Left out (1)"):
        assert label in legend


def test_shelters_bases_and_access_points_are_drawn(text: str) -> None:
    """Shelters and bases get their own badges; access points are small dots."""
    assert "道里社区避寒点 Daoli shelter" in text and ">暖</div>" in text
    assert "道里区基地 Daoli base" in text and ">基</div>" in text
    assert text.count("<strong>进入点 Access point</strong>") == 3


def test_map_opens_on_the_data(harbin_night: NightPlan) -> None:
    """The map fits the hotspots, routes and places, in (lat, lon) order."""
    script = _script(harbin_night)
    bounds = re.search(r"fitBounds\(\s*\[\[([\d.]+), ([\d.]+)\], \[([\d.]+), ([\d.]+)\]\]", script)
    assert bounds is not None
    south, west, north, east = map(float, bounds.groups())
    assert 45.74 < south < north < 45.80
    assert 126.60 < west < east < 126.66


def test_a_place_with_some_checks_planned_is_not_left_out(
    harbin_night: NightPlan, js_text: Callable[[str], str]
) -> None:
    """A second check left out of a visited station is named, but the station is not red."""
    second = DroppedVisit(1, "no_team_time", "not enough team time", check=2)
    plan = dataclasses.replace(harbin_night, dropped=(*harbin_night.dropped, second))
    text = js_text(_script(plan))
    assert "未安排 Left out (1)" in text.splitlines()
    assert "第2次 Check 2: 队伍时间不足 Not enough team time" in text
    assert len(re.findall(f'<div style="background:{DROPPED_COLOR};[^"]*">!</div>', text)) == 1
