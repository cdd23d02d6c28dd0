"""Coverage and figures of a whole campaign (issue target: under 3 s).

135 nights, 300 hotspots, 20 teams and 20,000 check-ins in a SQLite database made
for the run (no road network is needed: coverage reads stored plans and check-ins).
Each night's plan is a full plan document (hotspot geometries, 20 routes with legs)
as the planner stores it. Printed beside the figures, as the reference measured in the
same run: reading the 20,000 check-ins alone (the floor any computation pays).

Run: ``python bench/coverage.py`` (``make bench``).
"""

from __future__ import annotations

import random
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from shapely.geometry import LineString, Point
from sqlalchemy import select

from dispatch.cold import DEFAULT_LEVELS
from dispatch.coverage import coverage, nights_between
from dispatch.figures import campaign_figures
from dispatch.models import CheckIn, City, Hotspot, SavedPlan
from dispatch.nightplan import CategoryInfo, NightPlan, PlaceInfo, PlannedVisit, TeamRoute
from dispatch.store import open_engine, session_factory
from routes.plan import Leg

NIGHTS, HOTSPOTS, TEAMS, CHECK_INS = 135, 300, 20, 20_000
TARGET_S = 3.0
ZONE = ZoneInfo("Asia/Shanghai")
FIRST = date(2025, 11, 1)


def hotspots(rng: random.Random) -> list[Hotspot]:
    found = []
    for k in range(1, HOTSPOTS + 1):
        lon, lat = 115.95 + rng.random() * 0.1, 36.42 + rng.random() * 0.08
        shape = Point(lon, lat) if k % 3 else LineString([(lon, lat), (lon + 0.002, lat)])
        found.append(Hotspot(id=k, name=f"点位 {k}", category="station", risk=rng.randint(1, 5),
                             service_min=10, checks_per_night=rng.choice((1, 2)),
                             geometry=shape, access_lon=lon, access_lat=lat, active=True))
    return found


def night_plan(day: date, places: list[Hotspot], rng: random.Random) -> NightPlan:
    start = datetime(day.year, day.month, day.day, 20, tzinfo=ZONE)
    info = {h.id: PlaceInfo(h.id, h.name, h.category, h.geometry, h.risk, h.service_min,
                            (h.access_lon, h.access_lat)) for h in places}
    routes = []
    for t in range(1, TEAMS + 1):
        chosen = rng.sample(places, 15)
        visits = tuple(PlannedVisit(k + 1, h.id, start + timedelta(minutes=30 * k),
                                    start + timedelta(minutes=30 * k + 10), timedelta(0))
                       for k, h in enumerate(chosen))
        legs = tuple(Leg(f"T{t}:start" if k == 0 else visits[k - 1].key, v.key,
                         timedelta(minutes=20), 1500.0,
                         LineString([(115.95 + rng.random() * 0.1, 36.42 + rng.random() * 0.08)
                                     for _ in range(20)]))
                     for k, v in enumerate(visits))
        routes.append(TeamRoute(f"T{t}", f"巡查{t}队", "drive" if t % 2 else "walk", 1, start,
                                start + timedelta(hours=10), visits, legs))
    return NightPlan("聊城 Liaocheng", "Asia/Shanghai", day, start, start + timedelta(hours=10),
                     start, 10.0, {"station": CategoryInfo("station", "车站", "Station", "red")},
                     info, (), {1: PlaceInfo(1, "基地", "base", Point(116.0, 36.45))},
                     tuple(routes), (), temperature=rng.choice((-15.0, -5.0, 2.0)))


def build(url: str) -> None:
    rng = random.Random(1)
    engine = open_engine(url)
    with session_factory(engine).begin() as session:
        session.add(City(name="聊城 Liaocheng", timezone="Asia/Shanghai", source="bench",
                         west=115.9, south=36.4, east=116.1, north=36.5,
                         built_at=datetime.now(UTC)))
        places = hotspots(rng)
        session.add_all(places)
        for k in range(NIGHTS):
            day = FIRST + timedelta(days=k)
            plan = night_plan(day, places, rng)
            session.add(SavedPlan(night=day, created_at=plan.created_at,
                                  document=plan.to_document()))
        for _ in range(CHECK_INS):
            day = FIRST + timedelta(days=rng.randrange(NIGHTS))
            at = datetime(day.year, day.month, day.day, 20, tzinfo=ZONE) + timedelta(
                minutes=rng.randrange(600))
            found = rng.random() < 0.05
            session.add(CheckIn(
                client_id=str(uuid.UUID(int=rng.getrandbits(128))), night=day,
                team_id=f"T{rng.randint(1, TEAMS)}", hotspot_id=rng.randint(1, HOTSPOTS),
                check_number=1, outcome="person_found" if found else "checked_nobody",
                found_count=rng.randint(1, 3) if found else None,
                found_category="elderly" if found else None, accepts_help=found or None,
                action="shelter" if found else None, recorded_at=at.astimezone(UTC),
                received_at=at.astimezone(UTC)))
    engine.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        url = f"sqlite:///{Path(work) / 'campaign.db'}"
        build(url)
        engine = open_engine(url)
        sessions = session_factory(engine)
        with sessions() as session:
            began = time.perf_counter()
            rows = session.scalars(select(CheckIn)).all()
            floor = time.perf_counter() - began
        with sessions() as session:
            began = time.perf_counter()
            nights = nights_between(session, FIRST, FIRST + timedelta(days=NIGHTS - 1),
                                    DEFAULT_LEVELS)
            read = time.perf_counter() - began
            items = coverage(session, nights)
            covered = time.perf_counter() - began
            _, total = campaign_figures(session, nights)
            both = time.perf_counter() - began
        engine.dispose()
    met = "met" if both < TARGET_S else "MISSED"
    print(f"{NIGHTS} nights, {HOTSPOTS} hotspots, {TEAMS} teams, {len(rows)} check-ins")
    print(f"  coverage and figures      {both:6.2f} s  target < {TARGET_S:g} s {met}")
    print(f"    of which reading the plans {read:.2f} s, coverage {covered - read:.2f} s, "
          f"figures {both - covered:.2f} s")
    print(f"  reference: reading the check-ins alone {floor:.2f} s "
          f"(ours takes {both / floor:.1f}x that)")
    print(f"  {len(items)} hotspots covered; {total.checks} checks; "
          f"{total.people_found} people found")


if __name__ == "__main__":
    main()
