"""Campaign figures on a simulated campaign equal counts made independently here."""

from __future__ import annotations

import dataclasses
import random
import uuid
from collections import Counter
from datetime import UTC, date, timedelta

import pytest
from sqlalchemy import select

from dispatch.checkins import ACTIONS, FOUND_CATEGORIES, CheckInReport, record_checkin
from dispatch.cold import DEFAULT_LEVELS
from dispatch.coverage import nights_between
from dispatch.figures import campaign_figures
from dispatch.models import RosterTeam, TeamBase
from dispatch.nightplan import NightPlan
from dispatch.planning import save_plan
from dispatch.store import open_engine, session_factory

SIZES = {"T1": 3, "T2": 2, "T3": 4}  # T4 is not on the roster
FIRST = date(2025, 2, 1)


def simulate(session, plan: NightPlan, rng: random.Random) -> list[CheckInReport]:
    """Four nights of the demo plan carried out: most visits checked, some missed, some
    people found; one team stays in on the third night."""
    events = []
    for k in range(4):
        day = FIRST + timedelta(days=k)
        shift = timedelta(days=(day - plan.date).days)
        night = dataclasses.replace(plan, date=day, temperature=[-12.0, -3.0, 1.0, -15.0][k],
                                    shift_start=plan.shift_start + shift,
                                    shift_end=plan.shift_end + shift)
        save_plan(session, night)
        for route in night.routes:
            if k == 2 and route.team_id == "T2":
                continue
            for visit in route.visits:
                roll = rng.random()
                if roll < 0.1:
                    continue  # missed: no check-in at all
                when = (visit.arrival + shift).astimezone(UTC)
                if roll < 0.2:
                    report = CheckInReport(str(uuid.uuid4()), day, route.team_id,
                                           visit.hotspot_id, visit.check, "could_not_check",
                                           when, reason="fenced 围挡")
                elif roll < 0.4:
                    report = CheckInReport(
                        str(uuid.uuid4()), day, route.team_id, visit.hotspot_id, visit.check,
                        "person_found", when, found_count=rng.randint(1, 3),
                        found_category=rng.choice(sorted(FOUND_CATEGORIES)),
                        accepts_help=rng.random() < 0.7, action=rng.choice(sorted(ACTIONS)))
                else:
                    report = CheckInReport(str(uuid.uuid4()), day, route.team_id,
                                           visit.hotspot_id, visit.check, "checked_nobody", when)
                record_checkin(session, report)
                events.append(report)
    return events


@pytest.fixture()
def campaign(workspace_copy, demo_plan):
    engine = open_engine(workspace_copy.database_url)
    with session_factory(engine)() as session:
        base = session.scalars(select(TeamBase.id)).first()
        for team, size in SIZES.items():
            session.add(RosterTeam(id=int(team[1:]), name=f"Team {team}", agency="police",
                                   members="", size=size, vehicle=None, base_id=base,
                                   skills="", retired=False))
        events = simulate(session, demo_plan, random.Random(3))
        session.commit()
        yield session, events, demo_plan
    engine.dispose()


def test_every_figure_equals_an_independent_count(campaign):
    session, events, plan = campaign
    nights = nights_between(session, FIRST, FIRST + timedelta(days=3), DEFAULT_LEVELS)
    rows, total = campaign_figures(session, nights)
    assert [r.day for r in rows] == [FIRST + timedelta(days=k) for k in range(4)]
    modes = {r.team_id: r.mode for r in plan.routes}
    for row in rows:
        mine = [e for e in events if e.night == row.day]
        teams = {e.team_id for e in mine}
        found = [e for e in mine if e.outcome == "person_found"]
        assert row.teams_out == len(teams)
        assert row.staff_trips == sum(SIZES.get(t, 0) for t in teams)
        assert row.teams_without_size == len(teams - set(SIZES))
        assert row.vehicle_trips == sum(1 for t in teams if modes[t] == "drive")
        assert row.checks == sum(1 for e in mine if e.outcome != "could_not_check")
        assert row.hotspots_checked == len({e.hotspot_id for e in mine
                                            if e.outcome != "could_not_check"})
        assert row.people_found == sum(e.found_count for e in found)
        assert row.accepted_help == sum(e.found_count for e in found if e.accepts_help)
        for action in ACTIONS:
            assert row.by_action[action] == sum(e.found_count for e in found
                                                if e.action == action)
        for category in FOUND_CATEGORIES:
            assert row.by_category[category] == sum(e.found_count for e in found
                                                    if e.found_category == category)
        assert row.escorted_home == row.by_action["home"]
    assert rows[2].teams_out == len(plan.routes) - 1  # T2 stayed in on the third night
    assert total.people_found == sum(e.found_count for e in events
                                     if e.outcome == "person_found") > 0
    assert total.staff_trips == sum(r.staff_trips for r in rows)
    assert sum(total.by_category.values()) == total.people_found
    assert total.by_action == sum((Counter(r.by_action) for r in rows), Counter())
