"""Recommending a team for a report: every team priced, the soonest first when urgent."""

from __future__ import annotations

from datetime import timedelta

import networkx as nx
import pytest
from shapely.geometry import Point
from sqlalchemy.orm import Session

from dispatch.cold import DEFAULT_LEVELS
from dispatch.errors import ValidationError
from dispatch.nightplan import NightPlan
from dispatch.recommend import recommend, urgency_of
from routes.matrix import travel_matrix
from routes.problem import Mode
from routes.snap import Snapper

MILD = DEFAULT_LEVELS[-1]


def test_urgency_follows_the_campaign_rules() -> None:
    assert urgency_of({"elderly"}, not_moving=True, temperature=-12).level == "critical"
    assert urgency_of({"minor"}, not_moving=False, temperature=-2).level == "urgent"
    assert urgency_of({"mental_illness"}, not_moving=False, temperature=None).level == "urgent"
    assert urgency_of({"other"}, not_moving=False, temperature=-15).level == "normal"
    reasons = urgency_of({"minor"}, not_moving=True, temperature=-11).reasons
    assert any("-11" in r for r in reasons) and any("minor" in r for r in reasons)


@pytest.fixture()
def situation(demo_plan: NightPlan):
    done = {v.key for r in demo_plan.routes for v in r.visits[:2]}
    return done, demo_plan.shift_start + timedelta(hours=1)


def test_every_team_is_priced_and_the_soonest_leads_when_critical(
        demo_plan: NightPlan, demo_session: Session, networks: dict[Mode, nx.MultiDiGraph],
        helsinki_places, situation) -> None:
    done, now = situation
    lon, lat = helsinki_places["kaisaniemi_park"]
    critical = urgency_of({"elderly"}, not_moving=True, temperature=-15)
    options = recommend(demo_session, demo_plan, lon=lon, lat=lat, urgency=critical, now=now,
                        done=done, networks=networks, level=MILD)
    assert sorted(o.team_id for o in options) == sorted(r.team_id for r in demo_plan.routes)
    assert [o.cost for o in options] == sorted(o.cost for o in options)
    for option in options:
        route = demo_plan.route(option.team_id)
        last = [v for v in route.visits if v.key in done][-1]
        graph = networks[Mode(option.mode)]
        snapper = Snapper(graph)
        here = snapper.nearest([Point(demo_plan.hotspots[last.hotspot_id].access)])[0][0]
        there = snapper.nearest([Point(lon, lat)])[0][0]
        direct = travel_matrix(graph, [here], [there])[0, 0]
        # No team can be there sooner than straight from where it is now.
        assert option.arrival >= now + timedelta(seconds=round(direct) - 1)
        assert all(key in {v.key for v in route.visits} for key in option.left_out)
    best = options[0]
    assert best.arrival == min(o.arrival for o in options) or best.left_out == ()


def test_a_report_outside_the_shift_is_refused(demo_plan: NightPlan, demo_session: Session,
                                               networks, helsinki_places) -> None:
    lon, lat = helsinki_places["kaisaniemi_park"]
    with pytest.raises(ValidationError, match="outside the shift"):
        recommend(demo_session, demo_plan, lon=lon, lat=lat,
                  urgency=urgency_of(set(), not_moving=False, temperature=None),
                  now=demo_plan.shift_end + timedelta(minutes=5), done=set(),
                  networks=networks, level=MILD)
