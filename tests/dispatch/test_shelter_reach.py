"""Shelter reach on the demo city: distances by network, and suggested sites that help."""

from __future__ import annotations

import pytest
from shapely.geometry import Point
from sqlalchemy import select

from dispatch.errors import ValidationError
from dispatch.models import CandidateSite, Hotspot, Shelter
from dispatch.shelter_reach import shelter_reach
from routes.matrix import travel_matrix
from routes.problem import Mode
from routes.snap import Snapper


def test_candidate_sites_are_harvested(demo_session):
    kinds = {s.kind for s in demo_session.scalars(select(CandidateSite))}
    assert {"convenience", "kiosk", "library"} <= kinds


def test_hotspot_minutes_are_walking_times_to_the_nearest_shelter(demo_session, networks):
    walk = networks[Mode.WALK]
    reach = shelter_reach(demo_session, walk, minutes=(5, 10), within=5, new_sites=2)
    shelters = list(demo_session.scalars(select(Shelter).order_by(Shelter.id)))
    assert shelters, "the demo city has warming shelters"
    assert len(reach.areas) == 2 * len(shelters)
    snapper = Snapper(walk)
    shelter_nodes = snapper.nearest([s.geometry for s in shelters])[0]
    for found in reach.hotspots:
        hotspot = demo_session.get(Hotspot, found.hotspot_id)
        node = snapper.nearest([Point(hotspot.access_lon, hotspot.access_lat)])[0][0]
        best = travel_matrix(walk, shelter_nodes, [node])[:, 0].min() / 60
        if best <= 10:
            assert found.minutes == pytest.approx(best, abs=0.06)
        else:
            assert found.minutes is None
        assert hotspot.risk >= 3


def test_suggested_sites_reach_hotspots_now_outside(demo_session, networks):
    walk = networks[Mode.WALK]
    reach = shelter_reach(demo_session, walk, minutes=(5,), within=5, new_sites=2)
    outside = {h.hotspot_id for h in reach.outside()}
    assert outside, "some at-risk hotspot of the demo city is beyond 5 minutes' walk"
    assert reach.optimal and 1 <= len(reach.suggestions) <= 2
    for suggestion in reach.suggestions:
        assert suggestion.hotspot_ids and set(suggestion.hotspot_ids) <= outside
        site = Snapper(walk).nearest([Point(suggestion.lon, suggestion.lat)])[0][0]
        for hotspot_id in suggestion.hotspot_ids:
            hotspot = demo_session.get(Hotspot, hotspot_id)
            node = Snapper(walk).nearest([Point(hotspot.access_lon, hotspot.access_lat)])[0][0]
            assert travel_matrix(walk, [site], [node])[0, 0] <= 5 * 60


def test_bad_settings_are_refused(demo_session, networks):
    with pytest.raises(ValidationError, match="at most the longest"):
        shelter_reach(demo_session, networks[Mode.WALK], minutes=(10,), within=15)
    with pytest.raises(ValidationError, match="whole minutes from 1 to 60"):
        shelter_reach(demo_session, networks[Mode.WALK], minutes=(0,), within=1)
    with pytest.raises(ValidationError, match="whole minutes from 1 to 60"):
        shelter_reach(demo_session, networks[Mode.WALK], minutes=(10, 90), within=10)
    with pytest.raises(ValidationError, match="whole minutes"):
        shelter_reach(demo_session, networks[Mode.WALK], minutes=(7.5,), within=5)
    with pytest.raises(ValidationError, match="at most 3 walking times"):
        shelter_reach(demo_session, networks[Mode.WALK], minutes=(5, 10, 15, 20), within=5)
