"""Names from OpenStreetMap and users reach the page as text, never as markup or code."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable

import pytest

from dispatch.nightplan import NightPlan, PlaceInfo
from maps.overview import build_overview_map
from maps.render import standalone_html
from maps.team_route import build_team_route_map, team_route_data

#: Breaks out of a JavaScript template literal or a string, or closes the script.
SCRIPT_BREAKERS = ["${alert(2)}", "`+alert(3)+`", '"+alert(4)+"', "</script><b>5</b>",
                   "<img src=y onerror=alert(6)>"]
_BOUND_TEXT = re.compile(r'\.(?:bindTooltip|bindPopup)\(\s*("(?:[^"\\]|\\.)*")')


def _renamed(plan: NightPlan, hotspot_id: int, name: str) -> NightPlan:
    hotspots = dict(plan.hotspots)
    hotspots[hotspot_id] = dataclasses.replace(plan.hotspots[hotspot_id], name=name)
    return dataclasses.replace(plan, hotspots=hotspots)


def _pages(plan: NightPlan) -> list[str]:
    return [standalone_html(build_overview_map(plan, asset_base="assets/leaflet")),
            standalone_html(build_team_route_map(plan, "T1", asset_base="assets/leaflet"))]


def test_html_in_a_name_shows_as_text(harbin_night: NightPlan, malicious_name: str,
                                      js_text: Callable[[str], str]) -> None:
    """An <img onerror> name never appears raw; tooltips and popups carry it escaped."""
    page = _pages(harbin_night)[0]
    assert malicious_name not in page
    assert "<img" not in page
    bound = [json.loads(literal) for literal in _BOUND_TEXT.findall(page)]
    assert "<strong>&lt;img src=x onerror=alert(1)&gt;</strong>" in "\n".join(bound)
    assert malicious_name not in js_text(page)


@pytest.mark.parametrize("name", SCRIPT_BREAKERS)
def test_script_syntax_in_a_name_stays_inside_a_string(harbin_night: NightPlan,
                                                       name: str) -> None:
    """Template-literal, quote and </script> tricks stay one JSON string, decoded as text."""
    for page in _pages(_renamed(harbin_night, 1, name)):
        assert "`" not in page.replace(name, "")  # no JavaScript template literals at all
        assert "</script><b>" not in page
        bound = "\n".join(json.loads(literal) for literal in _BOUND_TEXT.findall(page))
        assert f"<strong>{_escaped(name)}</strong>" in bound


def test_team_and_place_names_are_escaped_too(harbin_night: NightPlan) -> None:
    """Team names (layer control, legend) and shelter names are escaped like hotspots."""
    route = dataclasses.replace(harbin_night.routes[0], team_name="<b>T1</b>")
    shelter = PlaceInfo(9, "<i>warm</i>", "shelter", harbin_night.shelters[0].geometry)
    plan = dataclasses.replace(harbin_night, routes=(route, harbin_night.routes[1]),
                               shelters=(shelter,))
    for page in _pages(plan):
        assert "<b>T1</b>" not in page and "<i>warm</i>" not in page
        assert "\\u003cb\\u003eT1" not in page  # escaped before it is JSON-encoded
        assert "\\u0026lt;b\\u0026gt;T1" in page


def test_user_colours_cannot_inject_style(harbin_night: NightPlan) -> None:
    """A category colour that is not a plain colour is replaced by grey."""
    station = dataclasses.replace(harbin_night.categories["station"],
                                  color='red" onmouseover="alert(1)')
    plan = dataclasses.replace(harbin_night,
                               categories={**harbin_night.categories, "station": station})
    page = _pages(plan)[0]
    assert "onmouseover" not in page
    phone = json.dumps(team_route_data(plan, "T1"))  # the phone page draws badges from this
    assert "onmouseover" not in phone


def _escaped(name: str) -> str:
    """``name`` as html.escape writes it (quotes included)."""
    return (name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#x27;"))
