"""Coverage from check-ins against what each night's cold level required: hand-made cases."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from dispatch.checkins import CheckInReport, record_checkin
from dispatch.cold import DEFAULT_LEVELS
from dispatch.coverage import Filters, coverage, nights_between
from dispatch.errors import ValidationError
from dispatch.models import Hotspot
from dispatch.nightplan import NightPlan
from dispatch.planning import save_plan
from dispatch.store import open_engine, session_factory
from dispatch.workspace import Workspace

HELSINKI = ZoneInfo("Europe/Helsinki")
#: Three nights of 20:00-06:00 (10 h): mild (+2 °C), severe (-5 °C), extreme (-12 °C).
NIGHTS = {date(2025, 1, 20): 2.0, date(2025, 1, 21): -5.0, date(2025, 1, 22): -12.0}


def on(plan: NightPlan, day: date, temperature: float) -> NightPlan:
    shift = datetime.combine(day, plan.shift_start.timetz()) - plan.shift_start
    return dataclasses.replace(plan, date=day, temperature=temperature,
                               shift_start=plan.shift_start + shift,
                               shift_end=plan.shift_end + shift)


def at(day: date, clock: str) -> datetime:
    """A time of the night that starts on ``day`` (after midnight: the next morning)."""
    hours, minutes = (int(x) for x in clock.split(":"))
    moment = datetime(day.year, day.month, day.day, hours, minutes)
    return moment + timedelta(days=1) if hours < 12 else moment


@pytest.fixture()
def session(workspace_copy: Workspace, demo_plan: NightPlan) -> Iterator[Session]:
    engine = open_engine(workspace_copy.database_url)
    with session_factory(engine)() as session:
        for day, temperature in NIGHTS.items():
            save_plan(session, on(demo_plan, day, temperature))
        session.commit()
        yield session
    engine.dispose()


@pytest.fixture()
def places(session: Session, demo_plan: NightPlan) -> tuple[Hotspot, Hotspot]:
    """A high-risk hotspot (checked more often in the cold) and a low-risk one."""
    rows = [session.get(Hotspot, h) for h in demo_plan.hotspots]
    high = next(h for h in rows if h.risk >= 4 and h.checks_per_night == 2)
    low = next(h for h in rows if h.risk < 4 and h.checks_per_night == 1)
    return high, low


def check(session: Session, day: date, hotspot: Hotspot, clock: str, *, team: str = "T1",
          outcome: str = "checked_nobody") -> None:
    # Stored as the phone's page sends it through parse_checkin: in UTC.
    local = at(day, clock).replace(tzinfo=HELSINKI).astimezone(UTC)
    reason = "gate locked 大门锁闭" if outcome == "could_not_check" else None
    record_checkin(session, CheckInReport(str(uuid.uuid4()), day, team, hotspot.id, 1, outcome,
                                          local, reason=reason))


def test_each_cold_level_requires_its_checks_and_counts_only_real_checks(session, places):
    high, low = places
    mild, severe, extreme = NIGHTS
    check(session, mild, high, "21:00")
    check(session, severe, high, "22:00")
    check(session, severe, high, "02:00", team="T2")
    check(session, severe, high, "23:00", outcome="could_not_check")
    check(session, extreme, low, "01:00")
    check(session, extreme, high, "20:30", outcome="person_found")
    session.commit()
    nights = nights_between(session, mild, extreme, DEFAULT_LEVELS)
    assert [n.level.key for n in nights] == ["cold", "severe", "extreme"]
    by_night = [{c.hotspot_id: c for c in coverage(session, [n])} for n in nights]
    # Mild: the category's own two checks; checked once.
    assert (by_night[0][high.id].required, by_night[0][high.id].done) == (2, 1)
    assert by_night[0][high.id].status == "short"
    assert (by_night[1][high.id].required, by_night[1][high.id].done) == (3, 2)  # every 4 h
    assert by_night[1][high.id].status == "short"
    assert by_night[1][high.id].longest_gap == timedelta(hours=4)  # 02:00 to 06:00
    assert by_night[1][high.id].teams == {"T1", "T2"}
    assert (by_night[2][high.id].required, by_night[2][high.id].done) == (5, 1)  # every 2 h
    assert by_night[2][high.id].longest_gap == timedelta(hours=9, minutes=30)
    unchecked = next(c for c in by_night[2].values() if c.done == 0)
    assert unchecked.status == "never" and unchecked.longest_gap == timedelta(hours=10)
    for night in by_night:  # risk below the level's threshold: once a night whatever the cold
        assert night[low.id].required == 1
    assert by_night[2][low.id].status == "met"


def test_a_range_adds_up_and_filters_narrow_it(session, places):
    high, low = places
    mild, severe, extreme = NIGHTS
    check(session, mild, high, "21:00")
    check(session, severe, high, "22:00", team="T2")
    session.commit()
    nights = nights_between(session, mild, extreme, DEFAULT_LEVELS)
    whole = {c.hotspot_id: c for c in coverage(session, nights)}
    assert (whole[high.id].required, whole[high.id].done, whole[high.id].nights) == (10, 2, 3)
    cold = {c.hotspot_id: c for c in coverage(session, nights, Filters(cold_only=True))}
    assert (cold[high.id].required, cold[high.id].done) == (8, 1)
    by_t2 = {c.hotspot_id: c for c in coverage(session, nights, Filters(team="T2"))}
    assert by_t2[high.id].done == 1
    only = coverage(session, nights, Filters(category=low.category))
    assert {c.category for c in only} == {low.category}
    high.district = "东昌府区"
    session.commit()
    (east,) = coverage(session, nights, Filters(district="东昌府区"))
    assert east.hotspot_id == high.id


def test_a_range_that_ends_before_it_starts_is_refused(session):
    with pytest.raises(ValidationError, match="swap the"):
        nights_between(session, date(2025, 2, 1), date(2025, 1, 1), DEFAULT_LEVELS)


def test_people_found_come_from_check_ins_with_their_position(session, places):
    from dispatch.outcomes import people_found

    high, _ = places
    mild, severe, extreme = NIGHTS
    local = at(severe, "23:15").replace(tzinfo=HELSINKI)
    record_checkin(session, CheckInReport(
        str(uuid.uuid4()), severe, "T2", high.id, 1, "person_found", local.astimezone(UTC),
        found_count=2, found_category="minor", accepts_help=True, action="shelter",
        lon=24.95, lat=60.17))
    check(session, severe, high, "22:00")
    session.commit()
    nights = nights_between(session, mild, extreme, DEFAULT_LEVELS)
    (person,) = people_found(session, nights)
    assert (person.count, person.category, person.action) == (2, "minor", "shelter")
    assert (person.lon, person.lat) == (24.95, 60.17)
    assert person.at == local and person.place == high.name
    assert people_found(session, nights, Filters(team="T1")) == []
