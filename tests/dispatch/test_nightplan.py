"""The night's plan document: a self-contained JSON round trip with the city's UTC offset."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from dispatch.nightplan import NightPlan

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")


def _times(doc: dict) -> list[str]:  # type: ignore[type-arg]
    """Every planned time in the document (the creation time aside)."""
    night = doc["night"]
    found = [night["shift_start"], night["shift_end"]]
    for route in doc["routes"]:
        found += [route["start"], route["end"]]
        found += [t for v in route["visits"] for t in (v["arrival"], v["departure"])]
    return found


def test_document_round_trips_through_json(demo_plan: NightPlan) -> None:
    """to_document, JSON text, from_document and to_document again give the same document."""
    text = json.dumps(demo_plan.to_document(), ensure_ascii=False)
    again = NightPlan.from_document(json.loads(text))
    # Geometries come out of shapely as tuples: compare the documents as JSON values.
    assert json.loads(json.dumps(again.to_document(), ensure_ascii=False)) == json.loads(text)


def test_read_back_plan_keeps_its_routes(demo_plan: NightPlan) -> None:
    """The plan read back has the same teams, visits, times and dropped hotspots."""
    again = NightPlan.from_document(json.loads(json.dumps(demo_plan.to_document())))
    for before, after in zip(demo_plan.routes, again.routes, strict=True):
        assert replace(after, legs=before.legs) == before
        assert [(leg.from_id, leg.to_id, leg.travel) for leg in after.legs] == [
            (leg.from_id, leg.to_id, leg.travel) for leg in before.legs]
        assert after.distance_m == pytest.approx(before.distance_m, abs=0.5)
    assert again.dropped == demo_plan.dropped
    assert again.date == demo_plan.date and again.timezone == "Europe/Helsinki"


def test_times_carry_helsinkis_winter_offset(demo_plan: NightPlan) -> None:
    """Every planned time is ISO 8601 with +02:00, Helsinki's offset in January."""
    times = _times(demo_plan.to_document())
    assert len(times) > 10
    for text in times:
        assert ISO_WITH_OFFSET.match(text), text
        assert text.endswith("+02:00"), text
    assert demo_plan.to_document()["night"]["shift_start"] == "2025-01-15T20:00:00+02:00"


def test_creation_time_is_in_the_citys_zone(demo_plan: NightPlan) -> None:
    """The creation time carries the city's offset for the moment the plan was made."""
    created = datetime.fromisoformat(demo_plan.to_document()["night"]["created_at"])
    assert created.utcoffset() == created.astimezone(ZoneInfo("Europe/Helsinki")).utcoffset()


def test_document_names_every_place(demo_plan: NightPlan) -> None:
    """Visits and drops carry hotspot names and categories; places keep their Chinese names."""
    doc = demo_plan.to_document()
    names = {h["id"]: h["name"] for h in doc["hotspots"]}
    for route in doc["routes"]:
        for visit in route["visits"]:
            assert visit["name"] == names[visit["hotspot_id"]]
            assert visit["category"] in doc["categories"]
    assert "赫爾辛基中央車站" in json.dumps(doc, ensure_ascii=False)
    assert doc["city"] == {"name": "赫尔辛基 Helsinki (demo)", "timezone": "Europe/Helsinki"}


def test_hotspots_carry_risk_and_bases_do_not(demo_plan: NightPlan) -> None:
    """Hotspots list category, risk, service and access point; shelters and bases do not."""
    doc = demo_plan.to_document()
    for hotspot in doc["hotspots"]:
        assert {"category", "risk", "service_min", "access"} <= set(hotspot)
    for place in doc["shelters"] + doc["bases"]:
        assert "risk" not in place and place["kind"] in ("shelter", "base")
        assert place["geometry"]["type"] == "Point"


def test_legs_are_coordinate_lists(demo_plan: NightPlan) -> None:
    """Each leg is a lon/lat line with its travel seconds and metres."""
    doc = demo_plan.to_document()
    for route in doc["routes"]:
        assert len(route["legs"]) == len(route["visits"]) + len(route["breaks"]) + 1
        for leg in route["legs"]:
            assert len(leg["coordinates"]) >= 2 and leg["travel_s"] >= 0
            lon, lat = leg["coordinates"][0]
            assert 24.9 < lon < 25.0 and 60.1 < lat < 60.2


def test_route_lookup_names_the_teams(demo_plan: NightPlan) -> None:
    """Asking for a team that is not out tonight lists the teams that are."""
    assert demo_plan.route("T1").team_id == "T1"
    with pytest.raises(KeyError, match="no team 'T9' tonight; teams: T1, T2, T3, T4"):
        demo_plan.route("T9")
